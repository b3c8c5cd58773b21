/*
 * mm.c - the physical memory allocator (include/hv/mm.h).
 *
 * State is two sorted arrays of disjoint, page-aligned, non-adjacent free
 * ranges: free[] for RAM at or above 1 MiB and low[] for the real-mode
 * window [4 KiB, 0x9f000) that only pmm_alloc_low() hands out.  Nothing is
 * ever written into free memory, so the allocator works before the core
 * owns its page tables.
 *
 * Firmware maps are not trusted: entries may be unsorted, overlap, have
 * zero length, wrap around the address space, or lie beyond what any CPU
 * can address.  The free list is the union of the usable entries, shrunk
 * inward to page boundaries, minus every other entry (so a range reported
 * both usable and reserved is reserved), the image, the modules and the
 * first megabyte, each widened outward to page boundaries.
 *
 * Allocation policy: first fit from the lowest address.  It is simple and
 * predictable (the same map gives the same addresses on every boot, which
 * keeps logs and tests comparable), it keeps the large ranges high in
 * memory intact for guest RAM, and the pages skipped for alignment stay
 * free for later, smaller requests.
 *
 * When a split needs a slot and an array is full, the smallest range
 * (possibly the new one) is dropped with a warning: a few pages are lost,
 * but nothing reserved is ever handed out, which refusing a reservation's
 * split could not guarantee.
 *
 * Every CPU may allocate (each brings up its own VMX region), so one lock
 * serialises all operations on all instances; it is never held across a
 * panic, so a host test that catches the panic can go on.
 */
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/printk.h>
#include <hv/spinlock.h>

/* Architectural limit of physical addresses (SDM Vol. 3A 4.1.4, MAXPHYADDR <= 52). */
#define PMM_PHYS_LIMIT BIT(52)
/* The real-mode window pmm_alloc_low() serves: never page 0 (real-mode IVT,
 * BDA), never the EBDA and BIOS area that begins at 0x9f000 on PCs. */
#define PMM_LOW_BASE  0x1000ULL
#define PMM_LOW_END   0x9f000ULL
#define PMM_LOW_LIMIT (1 * MiB)

struct pmm hv_pmm;
static spinlock_t pmm_lock = SPINLOCK_INIT;

/* One of the two arrays of struct pmm, so the helpers below serve both. */
struct rset {
	struct pmm_range *r;
	uint32_t *count;
	uint32_t cap;
	const char *name;
};

static struct rset free_set(struct pmm *p)
{
	return (struct rset){p->free, &p->count, PMM_MAX_RANGES, "free"};
}

static struct rset low_set(struct pmm *p)
{
	return (struct rset){p->low, &p->low_count, ARRAY_SIZE(p->low), "low"};
}

/* base + len, saturated at the top of the address space instead of wrapping. */
static uint64_t end_of(uint64_t base, uint64_t len)
{
	return len > UINT64_MAX - base ? UINT64_MAX : base + len;
}

static uint64_t page_up(uint64_t x)
{
	return x > UINT64_MAX - (PAGE_SIZE - 1) ? ALIGN_DOWN(UINT64_MAX, PAGE_SIZE)
						: ALIGN_UP(x, PAGE_SIZE);
}

static void rset_remove(struct rset *s, uint32_t i)
{
	for (uint32_t j = i + 1; j < *s->count; j++)
		s->r[j - 1] = s->r[j];
	(*s->count)--;
}

/* Index of the smallest range, for dropping one when the array is full. */
static uint32_t rset_smallest(const struct rset *s)
{
	uint32_t min = 0;

	for (uint32_t i = 1; i < *s->count; i++) {
		if (s->r[i].end - s->r[i].base < s->r[min].end - s->r[min].base)
			min = i;
	}
	return min;
}

/*
 * Inserts [base, end), which must not overlap or touch any range, keeping
 * the array sorted.  When the array is full the smallest range including
 * the new one is dropped and reported.
 */
static void rset_insert(struct rset *s, uint64_t base, uint64_t end)
{
	uint32_t i;

	if (*s->count == s->cap) {
		uint32_t min = rset_smallest(s);
		struct pmm_range m = s->r[min];

		if (end - base <= m.end - m.base) {
			pr_warn("pmm: %s list full, dropping [%#llx-%#llx)\n", s->name,
				(unsigned long long)base, (unsigned long long)end);
			return;
		}
		pr_warn("pmm: %s list full, dropping [%#llx-%#llx)\n", s->name,
			(unsigned long long)m.base, (unsigned long long)m.end);
		rset_remove(s, min);
	}
	for (i = *s->count; i > 0 && s->r[i - 1].base > base; i--)
		s->r[i] = s->r[i - 1];
	s->r[i] = (struct pmm_range){base, end};
	(*s->count)++;
}

/* Adds [base, end), merging with every range it overlaps or touches. */
static void rset_add(struct rset *s, uint64_t base, uint64_t end)
{
	uint32_t i = 0;

	if (base >= end)
		return;
	while (i < *s->count) {
		struct pmm_range r = s->r[i];

		if (r.end < base || r.base > end) {
			i++;
			continue;
		}
		base = MIN(base, r.base);
		end = MAX(end, r.end);
		rset_remove(s, i);
	}
	rset_insert(s, base, end);
}

/* Removes [base, end) from the set, trimming or splitting ranges. */
static void rset_subtract(struct rset *s, uint64_t base, uint64_t end)
{
	uint32_t i = 0;

	while (i < *s->count && base < end) {
		struct pmm_range *r = &s->r[i];

		if (r->end <= base || r->base >= end) {
			i++;
		} else if (r->base < base && r->end > end) {
			uint64_t tail = r->end;

			r->end = base;
			rset_insert(s, end, tail);
			return;
		} else if (r->base < base) {
			r->end = base;
			i++;
		} else if (r->end > end) {
			r->base = end;
			i++;
		} else {
			rset_remove(s, i);
		}
	}
}

static bool rset_overlaps(const struct rset *s, uint64_t base, uint64_t end)
{
	for (uint32_t i = 0; i < *s->count; i++) {
		if (s->r[i].base < end && s->r[i].end > base)
			return true;
	}
	return false;
}

/* First fit from the lowest address: len bytes at an align boundary, below limit. */
static uint64_t rset_carve(struct rset *s, uint64_t len, uint64_t align, uint64_t limit)
{
	for (uint32_t i = 0; i < *s->count; i++) {
		uint64_t start = ALIGN_UP(s->r[i].base, align);
		uint64_t end = MIN(s->r[i].end, limit);

		if (start < s->r[i].base || start >= end || end - start < len)
			continue;
		rset_subtract(s, start, start + len);
		return start;
	}
	return 0;
}

/* Step 1 of pmm_init: the union of the usable entries, page-aligned inward. */
static void init_add_usable(struct pmm *p, const struct boot_info *bi, uint32_t n)
{
	struct rset fs = free_set(p);

	for (uint32_t i = 0; i < n; i++) {
		const struct mem_range *m = &bi->mem[i];
		uint64_t end;

		if (m->type != MEM_USABLE || m->len == 0)
			continue;
		if (m->len > UINT64_MAX - m->base) {
			pr_warn("pmm: ignoring usable range %#llx+%#llx: wraps around\n",
				(unsigned long long)m->base, (unsigned long long)m->len);
			continue;
		}
		end = MIN(m->base + m->len, PMM_PHYS_LIMIT);
		if (m->base >= end)
			continue;
		p->max_phys = MAX(p->max_phys, end);
		rset_add(&fs, m->base, end);
	}
	/* Shrink to whole pages only after merging, so entries split at an
	 * odd boundary do not lose the page they share. */
	for (uint32_t i = 0; i < p->count;) {
		uint64_t b = page_up(p->free[i].base), e = ALIGN_DOWN(p->free[i].end, PAGE_SIZE);

		if (b >= e) {
			rset_remove(&fs, i);
			continue;
		}
		p->free[i] = (struct pmm_range){b, e};
		i++;
	}
}

/* Removes [base, end) widened to pages from both arrays. */
static void pmm_exclude(struct pmm *p, uint64_t base, uint64_t end)
{
	struct rset fs = free_set(p), ls = low_set(p);

	if (base >= end)
		return;
	base = ALIGN_DOWN(base, PAGE_SIZE);
	end = page_up(end);
	rset_subtract(&fs, base, end);
	rset_subtract(&ls, base, end);
}

/* Step 2: every non-usable entry, the image and the modules. */
static void init_exclude(struct pmm *p, const struct boot_info *bi, uint32_t n)
{
	uint32_t mods = bi->module_count;

	for (uint32_t i = 0; i < n; i++) {
		const struct mem_range *m = &bi->mem[i];

		if (m->type != MEM_USABLE && m->len)
			pmm_exclude(p, m->base, end_of(m->base, m->len));
	}
	if (bi->image_end < bi->image_start)
		pr_err("pmm: bad image range [%#llx-%#llx)\n", (unsigned long long)bi->image_start,
		       (unsigned long long)bi->image_end);
	pmm_exclude(p, bi->image_start, bi->image_end);
	if (mods > BOOT_MAX_MODULES) {
		pr_warn("pmm: module count %u exceeds %u\n", mods, BOOT_MAX_MODULES);
		mods = BOOT_MAX_MODULES;
	}
	for (uint32_t i = 0; i < mods; i++) {
		const struct boot_module *m = &bi->modules[i];

		if (m->end < m->start)
			pr_err("pmm: bad module range [%#llx-%#llx)\n",
			       (unsigned long long)m->start, (unsigned long long)m->end);
		pmm_exclude(p, m->start, m->end);
	}
}

/* Step 3: move what lies in the real-mode window to low[], drop the rest below 1 MiB. */
static void init_split_low(struct pmm *p)
{
	struct rset fs = free_set(p), ls = low_set(p);

	for (uint32_t i = 0; i < p->count && p->free[i].base < PMM_LOW_END; i++) {
		uint64_t b = MAX(p->free[i].base, PMM_LOW_BASE);
		uint64_t e = MIN(p->free[i].end, PMM_LOW_END);

		if (b < e)
			rset_add(&ls, b, e);
	}
	rset_subtract(&fs, 0, PMM_LOW_LIMIT);
}

void pmm_init(struct pmm *p, const struct boot_info *bi)
{
	uint32_t n = bi->mem_count;

	spin_lock(&pmm_lock);
	memset(p, 0, sizeof(*p));
	if (n > BOOT_MAX_MEM_RANGES) {
		pr_warn("pmm: memory map count %u exceeds %u\n", n, BOOT_MAX_MEM_RANGES);
		n = BOOT_MAX_MEM_RANGES;
	}
	init_add_usable(p, bi, n);
	init_exclude(p, bi, n);
	init_split_low(p);
	spin_unlock(&pmm_lock);
	p->total_usable = pmm_free_bytes(p);
	for (uint32_t i = 0; i < p->count; i++)
		pr_debug("pmm: free [%#llx-%#llx)\n", (unsigned long long)p->free[i].base,
			 (unsigned long long)p->free[i].end);
	for (uint32_t i = 0; i < p->low_count; i++)
		pr_debug("pmm: low [%#llx-%#llx)\n", (unsigned long long)p->low[i].base,
			 (unsigned long long)p->low[i].end);
}

void pmm_reserve(struct pmm *p, uint64_t base, uint64_t len)
{
	if (!len)
		return;
	spin_lock(&pmm_lock);
	pmm_exclude(p, base, end_of(base, len));
	spin_unlock(&pmm_lock);
}

/*
 * An alignment below a page means a page; one that is not a power of two,
 * a zero length or one that cannot be rounded to pages is reported and
 * fails.
 */
uint64_t pmm_alloc(struct pmm *p, uint64_t len, uint64_t align)
{
	struct rset fs = free_set(p);
	uint64_t pa;

	if (align < PAGE_SIZE)
		align = PAGE_SIZE;
	if (len == 0 || len > UINT64_MAX - PAGE_SIZE || (align & (align - 1))) {
		pr_err("pmm: bad allocation request: %#llx bytes aligned to %#llx\n",
		       (unsigned long long)len, (unsigned long long)align);
		return 0;
	}
	spin_lock(&pmm_lock);
	pa = rset_carve(&fs, ALIGN_UP(len, PAGE_SIZE), align, UINT64_MAX);
	spin_unlock(&pmm_lock);
	return pa;
}

uint64_t pmm_alloc_low(struct pmm *p, uint64_t len)
{
	struct rset ls = low_set(p);
	uint64_t pa;

	if (len == 0 || len >= PMM_LOW_LIMIT)
		return 0;
	spin_lock(&pmm_lock);
	pa = rset_carve(&ls, ALIGN_UP(len, PAGE_SIZE), PAGE_SIZE, PMM_LOW_END);
	spin_unlock(&pmm_lock);
	return pa;
}

/* pmm_free under the lock: false when some of [base, end) is already free. */
static bool pmm_free_locked(struct pmm *p, uint64_t base, uint64_t end)
{
	struct rset fs = free_set(p), ls = low_set(p);

	if (rset_overlaps(&fs, base, end) || rset_overlaps(&ls, base, end))
		return false;
	if (base < PMM_LOW_END)
		rset_add(&ls, base, MIN(end, PMM_LOW_END));
	if (end > PMM_LOW_LIMIT)
		rset_add(&fs, MAX(base, PMM_LOW_LIMIT), end);
	return true;
}

/*
 * The length is rounded up to pages.  Freeing memory that is already free
 * (a double free), that is not page-aligned, that starts in page 0 or that
 * lies beyond all RAM is a hypervisor bug: panic naming the range.  Pages
 * in [0x9f000, 1 MiB) belong to no pool and are simply not kept.
 */
void pmm_free(struct pmm *p, uint64_t base, uint64_t len)
{
	uint64_t end;
	bool ok;

	if (len == 0)
		return;
	end = end_of(base, ALIGN_UP(MIN(len, UINT64_MAX - PAGE_SIZE), PAGE_SIZE));
	if (!IS_ALIGNED(base, PAGE_SIZE) || base < PMM_LOW_BASE || end > p->max_phys)
		panic("pmm: free of [%#llx-%#llx): not a page range in RAM\n",
		      (unsigned long long)base, (unsigned long long)end);
	spin_lock(&pmm_lock);
	ok = pmm_free_locked(p, base, end);
	spin_unlock(&pmm_lock);
	if (!ok)
		panic("pmm: double free of [%#llx-%#llx)\n", (unsigned long long)base,
		      (unsigned long long)end);
}

uint64_t pmm_free_bytes(const struct pmm *p)
{
	uint64_t sum = 0;

	spin_lock(&pmm_lock);
	for (uint32_t i = 0; i < p->count; i++)
		sum += p->free[i].end - p->free[i].base;
	spin_unlock(&pmm_lock);
	return sum;
}

void *page_alloc_zeroed(size_t n)
{
	uint64_t len = (uint64_t)n * PAGE_SIZE, pa;

	if (n == 0 || len / PAGE_SIZE != n)
		panic("page_alloc_zeroed: bad request of %zu pages\n", n);
	pa = pmm_alloc(&hv_pmm, len, PAGE_SIZE);
	if (!pa)
		panic("page_alloc_zeroed: out of memory for %zu pages (%llu KiB free)\n", n,
		      (unsigned long long)(pmm_free_bytes(&hv_pmm) / KiB));
	memset((void *)(uintptr_t)pa, 0, len);
	return (void *)(uintptr_t)pa;
}
