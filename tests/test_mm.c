/*
 * test_mm.c - unit tests of the physical memory allocator (core/mm.c).
 *
 * Hand-written firmware maps cover each rule of pmm_init (overlap, order,
 * zero length, wraparound, reserved-beats-usable, image and modules,
 * alignment, the first megabyte); then allocation, freeing, the low
 * window, overflow of the fixed arrays, and a randomised comparison with
 * a page bitmap model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/mm.h>
#include "test.h"

static struct boot_info bi;
static struct pmm pm;

static void map_reset(void)
{
	memset(&bi, 0, sizeof(bi));
}

static void map_add(uint64_t base, uint64_t len, uint32_t type)
{
	bi.mem[bi.mem_count++] = (struct mem_range){.base = base, .len = len, .type = type};
}

static void module_add(uint64_t start, uint64_t end)
{
	bi.modules[bi.module_count].start = start;
	bi.modules[bi.module_count++].end = end;
}

/* The invariants every operation must keep: sorted, disjoint, not touching, page-aligned. */
static bool ranges_ok(const struct pmm_range *r, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (r[i].base >= r[i].end || r[i].base % PAGE_SIZE || r[i].end % PAGE_SIZE)
			return false;
		if (i && r[i - 1].end >= r[i].base)
			return false;
	}
	return true;
}

static void check_invariants(void)
{
	CHECK(pm.count <= PMM_MAX_RANGES);
	CHECK(pm.low_count <= ARRAY_SIZE(pm.low));
	CHECK(ranges_ok(pm.free, pm.count));
	CHECK(ranges_ok(pm.low, pm.low_count));
	CHECK(pm.count == 0 || pm.free[0].base >= 1 * MiB);
	for (uint32_t i = 0; i < pm.low_count; i++)
		CHECK(pm.low[i].base >= 0x1000 && pm.low[i].end <= 0x9f000);
}

#define CHECK_RANGE(r, b, e)                                                                       \
	do {                                                                                       \
		CHECK_EQ((r).base, (b));                                                           \
		CHECK_EQ((r).end, (e));                                                            \
	} while (0)

/* A typical PC: e820 from a BIOS, image at 1 MiB. */
static void test_typical_bios_map(void)
{
	map_reset();
	map_add(0, 0x9fc00, MEM_USABLE);
	map_add(0x9fc00, 0x400, MEM_RESERVED);
	map_add(0xf0000, 0x10000, MEM_RESERVED);
	map_add(0x100000, 0x1fe00000, MEM_USABLE);
	map_add(0x1ff00000, 0x100000, MEM_ACPI_RECLAIM);
	map_add(0xfffc0000, 0x40000, MEM_RESERVED);
	bi.image_start = 0x100000;
	bi.image_end = 0x17f123;
	pmm_init(&pm, &bi);
	check_invariants();
	CHECK_EQ(pm.count, 1);
	CHECK_RANGE(pm.free[0], 0x180000, 0x1ff00000);
	CHECK_EQ(pm.low_count, 1);
	CHECK_RANGE(pm.low[0], 0x1000, 0x9f000);
	CHECK_EQ(pm.max_phys, 0x1ff00000);
	CHECK_EQ(pm.total_usable, 0x1ff00000 - 0x180000);
	CHECK_EQ(pmm_free_bytes(&pm), pm.total_usable);
}

static void test_unsorted_overlapping(void)
{
	map_reset();
	map_add(5 * MiB, 3 * MiB, MEM_USABLE);
	map_add(2 * MiB, 4 * MiB, MEM_USABLE);
	map_add(1 * MiB, 2 * MiB, MEM_USABLE);
	map_add(3 * MiB, 1 * MiB, MEM_USABLE); /* inside another */
	map_add(10 * MiB, 1 * MiB, MEM_USABLE);
	map_add(8 * MiB, 2 * MiB, MEM_USABLE); /* touches both neighbours */
	map_add(20 * MiB, 1 * MiB, MEM_USABLE);
	pmm_init(&pm, &bi);
	check_invariants();
	CHECK_EQ(pm.count, 2);
	CHECK_RANGE(pm.free[0], 1 * MiB, 11 * MiB);
	CHECK_RANGE(pm.free[1], 20 * MiB, 21 * MiB);
	CHECK_EQ(pm.max_phys, 21 * MiB);
	CHECK_EQ(pm.low_count, 0);
}

static void test_zero_length_and_wrapping(void)
{
	map_reset();
	map_add(1 * MiB, 15 * MiB, MEM_USABLE);
	map_add(4 * MiB, 0, MEM_RESERVED);		 /* zero length: splits nothing */
	map_add(32 * MiB, 0, MEM_USABLE);		 /* zero length: adds nothing */
	map_add(UINT64_MAX - 0xfff, 0x2000, MEM_USABLE); /* wraps: ignored, reported */
	map_add(12 * MiB, UINT64_MAX, MEM_RESERVED);	 /* wraps: reserves to the top */
	pmm_init(&pm, &bi);
	check_invariants();
	CHECK_EQ(pm.count, 1);
	CHECK_RANGE(pm.free[0], 1 * MiB, 12 * MiB);
	CHECK_EQ(pm.max_phys, 16 * MiB);
	CHECK_LOG("wraps around");
}

/* Beyond MAXPHYADDR's architectural limit no RAM can exist. */
static void test_beyond_phys_limit(void)
{
	map_reset();
	map_add(BIT(52) - 2 * PAGE_SIZE, 4 * PAGE_SIZE, MEM_USABLE);
	map_add(BIT(53), 1 * MiB, MEM_USABLE);
	pmm_init(&pm, &bi);
	check_invariants();
	CHECK_EQ(pm.count, 1);
	CHECK_RANGE(pm.free[0], BIT(52) - 2 * PAGE_SIZE, BIT(52));
	CHECK_EQ(pm.max_phys, BIT(52));
}

static void test_reserved_beats_usable(void)
{
	static const uint32_t types[] = {
	    MEM_RESERVED, MEM_ACPI_RECLAIM, MEM_ACPI_NVS, MEM_BAD, MEM_FW_RUNTIME, 0, 77};

	map_reset();
	/* the reserved entry comes first: order must not matter */
	map_add(4 * MiB + 0x10, 0x10, MEM_RESERVED);
	map_add(1 * MiB, 31 * MiB, MEM_USABLE);
	for (uint32_t i = 0; i < ARRAY_SIZE(types); i++)
		map_add((8 + 2 * i) * MiB, 1 * MiB, types[i]);
	map_add(30 * MiB, 4 * MiB, MEM_ACPI_NVS); /* overlaps the end */
	pmm_init(&pm, &bi);
	check_invariants();
	CHECK_EQ(pm.count, 2 + ARRAY_SIZE(types));
	CHECK_RANGE(pm.free[0], 1 * MiB, 4 * MiB);
	CHECK_RANGE(pm.free[1], 4 * MiB + PAGE_SIZE, 8 * MiB);
	for (uint32_t i = 0; i + 1 < ARRAY_SIZE(types); i++)
		CHECK_RANGE(pm.free[2 + i], (9 + 2 * i) * MiB, (10 + 2 * i) * MiB);
	CHECK_RANGE(pm.free[pm.count - 1], 21 * MiB, 30 * MiB);
	/* usable RAM still defines max_phys even where reserved overrides it */
	CHECK_EQ(pm.max_phys, 32 * MiB);
}

static void test_alignment_inward(void)
{
	map_reset();
	map_add(1 * MiB + 1, 1 * MiB - 2, MEM_USABLE);
	map_add(4 * MiB, 0x800, MEM_USABLE); /* two halves of one page merge first */
	map_add(4 * MiB + 0x800, 0x1800, MEM_USABLE);
	map_add(6 * MiB, 0xfff, MEM_USABLE); /* less than a page: nothing */
	map_add(8 * MiB + 0x10, 0x1ff0, MEM_USABLE);
	pmm_init(&pm, &bi);
	check_invariants();
	CHECK_EQ(pm.count, 3);
	CHECK_RANGE(pm.free[0], 1 * MiB + PAGE_SIZE, 2 * MiB - PAGE_SIZE);
	CHECK_RANGE(pm.free[1], 4 * MiB, 4 * MiB + 0x2000);
	CHECK_RANGE(pm.free[2], 8 * MiB + PAGE_SIZE, 8 * MiB + 0x2000);
}

static void test_image_and_modules(void)
{
	map_reset();
	map_add(0, 64 * MiB, MEM_USABLE);
	bi.image_start = 2 * MiB + 0x123;
	bi.image_end = 3 * MiB - 5;
	module_add(10 * MiB + 1, 10 * MiB + 2); /* one byte: one page */
	module_add(20 * MiB, 20 * MiB);		/* empty: nothing */
	module_add(40 * MiB, 70 * MiB);		/* past the end of RAM */
	module_add(0x8000, 0x9000);		/* in the low window */
	module_add(31 * MiB, 30 * MiB);		/* end before start: reported */
	pmm_init(&pm, &bi);
	check_invariants();
	CHECK_EQ(pm.count, 3);
	CHECK_RANGE(pm.free[0], 1 * MiB, 2 * MiB);
	CHECK_RANGE(pm.free[1], 3 * MiB, 10 * MiB);
	CHECK_RANGE(pm.free[2], 10 * MiB + PAGE_SIZE, 40 * MiB);
	CHECK_EQ(pm.low_count, 2);
	CHECK_RANGE(pm.low[0], 0x1000, 0x8000);
	CHECK_RANGE(pm.low[1], 0x9000, 0x9f000);
	CHECK_LOG("bad module range");
}

static void test_counts_clamped(void)
{
	map_reset();
	map_add(1 * MiB, 1 * MiB, MEM_USABLE);
	bi.mem_count = 100000;
	bi.module_count = 100000;
	pmm_init(&pm, &bi); /* ASan catches any read past the arrays */
	check_invariants();
	CHECK_EQ(pm.count, 1);
	CHECK_LOG("memory map count 100000 exceeds 256");
	CHECK_LOG("module count 100000 exceeds 32");
}

static void init_simple(uint64_t base, uint64_t len)
{
	map_reset();
	map_add(base, len, MEM_USABLE);
	pmm_init(&pm, &bi);
}

static void test_alloc(void)
{
	uint64_t a;

	init_simple(1 * MiB, 15 * MiB);
	CHECK_EQ(pmm_alloc(&pm, 1, PAGE_SIZE), 1 * MiB); /* lowest first, rounded to a page */
	CHECK_EQ(pmm_alloc(&pm, PAGE_SIZE, 0), 1 * MiB + PAGE_SIZE); /* align 0 means a page */
	CHECK_EQ(pmm_alloc(&pm, PAGE_SIZE, 16), 1 * MiB + 2 * PAGE_SIZE);
	a = pmm_alloc(&pm, 3 * MiB, 2 * MiB);
	CHECK_EQ(a, 2 * MiB);
	check_invariants();
	CHECK_EQ(pm.count, 2); /* the pages skipped for alignment stay free */
	CHECK_RANGE(pm.free[0], 1 * MiB + 3 * PAGE_SIZE, 2 * MiB);
	CHECK_EQ(pmm_alloc(&pm, PAGE_SIZE, PAGE_SIZE), 1 * MiB + 3 * PAGE_SIZE);
	CHECK_EQ(pmm_free_bytes(&pm), 15 * MiB - 4 * PAGE_SIZE - 3 * MiB);
	CHECK_EQ(pm.total_usable, 15 * MiB); /* a figure from init time */
	CHECK_EQ(pmm_alloc(&pm, 0, PAGE_SIZE), 0);
	CHECK_EQ(pmm_alloc(&pm, PAGE_SIZE, 3 * PAGE_SIZE), 0); /* not a power of two */
	CHECK_LOG("bad allocation request");
	CHECK_EQ(pmm_alloc(&pm, UINT64_MAX, PAGE_SIZE), 0);
	CHECK_EQ(pmm_alloc(&pm, 16 * MiB, PAGE_SIZE), 0);
	CHECK_EQ(pmm_alloc(&pm, PAGE_SIZE, BIT(63)), 0);
	check_invariants();
}

static void test_exhaustion(void)
{
	uint64_t n = 0;

	init_simple(1 * MiB, 64 * PAGE_SIZE);
	while (pmm_alloc(&pm, PAGE_SIZE, PAGE_SIZE))
		n++;
	CHECK_EQ(n, 64);
	CHECK_EQ(pm.count, 0);
	CHECK_EQ(pmm_free_bytes(&pm), 0);
	CHECK_EQ(pmm_alloc(&pm, PAGE_SIZE, PAGE_SIZE), 0);
}

static void test_free_merge(void)
{
	uint64_t a, b, c;

	init_simple(1 * MiB, 3 * PAGE_SIZE);
	a = pmm_alloc(&pm, PAGE_SIZE, PAGE_SIZE);
	b = pmm_alloc(&pm, PAGE_SIZE, PAGE_SIZE);
	c = pmm_alloc(&pm, PAGE_SIZE, PAGE_SIZE);
	CHECK_EQ(pm.count, 0);
	pmm_free(&pm, b, PAGE_SIZE);
	CHECK_EQ(pm.count, 1);
	pmm_free(&pm, c, 1); /* length rounds up to the page */
	CHECK_EQ(pm.count, 1);
	CHECK_RANGE(pm.free[0], b, c + PAGE_SIZE);
	pmm_free(&pm, a, PAGE_SIZE);
	CHECK_EQ(pm.count, 1);
	CHECK_RANGE(pm.free[0], 1 * MiB, 1 * MiB + 3 * PAGE_SIZE);
	pmm_free(&pm, a, 0); /* zero length: nothing */
	check_invariants();
}

static void test_bad_free_panics(void)
{
	init_simple(1 * MiB, 16 * PAGE_SIZE);
	CHECK_EQ(pmm_alloc(&pm, 4 * PAGE_SIZE, PAGE_SIZE), 1 * MiB);
	CHECK_PANICS(pmm_free(&pm, 1 * MiB + 4 * PAGE_SIZE, PAGE_SIZE)); /* still free */
	CHECK(strstr(host_panic_msg, "double free") != NULL);
	CHECK_PANICS(pmm_free(&pm, 1 * MiB + 3 * PAGE_SIZE, 2 * PAGE_SIZE)); /* half free */
	CHECK_PANICS(pmm_free(&pm, 1 * MiB + 1, PAGE_SIZE));		     /* unaligned */
	CHECK_PANICS(pmm_free(&pm, 0, PAGE_SIZE));			     /* page 0 */
	CHECK_PANICS(pmm_free(&pm, 1 * MiB + 64 * PAGE_SIZE, PAGE_SIZE));    /* beyond RAM */
	CHECK_PANICS(pmm_free(&pm, 1 * MiB, UINT64_MAX));		     /* wraps */
	CHECK_EQ(pmm_free_bytes(&pm), 12 * PAGE_SIZE);			     /* unchanged */
	check_invariants();
}

static void test_low(void)
{
	map_reset();
	map_add(0, 0xa0000, MEM_USABLE);
	map_add(1 * MiB, 1 * MiB, MEM_USABLE);
	pmm_init(&pm, &bi);
	CHECK_EQ(pmm_alloc_low(&pm, 1), 0x1000); /* never page 0 */
	CHECK_EQ(pmm_alloc_low(&pm, 0x2000), 0x2000);
	CHECK_EQ(pmm_alloc_low(&pm, 0), 0);
	CHECK_EQ(pmm_alloc_low(&pm, 1 * MiB), 0);
	CHECK_EQ(pmm_alloc_low(&pm, 0x9f000 - 0x4000), 0x4000);
	CHECK_EQ(pmm_alloc_low(&pm, PAGE_SIZE), 0); /* 0x9f000 and up are never handed out */
	CHECK_EQ(pmm_free_bytes(&pm), 1 * MiB);	    /* low pages are not in the main pool */
	pmm_free(&pm, 0x2000, 0x2000);
	CHECK_EQ(pmm_alloc_low(&pm, PAGE_SIZE), 0x2000);
	CHECK_PANICS(pmm_free(&pm, 0x3000, PAGE_SIZE));
	check_invariants();
	/* a range straddling 1 MiB goes back to both pools */
	init_simple(0, 2 * MiB);
	CHECK_EQ(pmm_alloc_low(&pm, 0x9e000), 0x1000);
	CHECK_EQ(pmm_alloc(&pm, 1 * MiB, PAGE_SIZE), 1 * MiB);
	pmm_free(&pm, 0x9e000, 1 * MiB + 0x2000 - 0x9e000);
	check_invariants();
	CHECK_EQ(pm.low_count, 1);
	CHECK_RANGE(pm.low[0], 0x9e000, 0x9f000);
	CHECK_RANGE(pm.free[0], 1 * MiB, 1 * MiB + 0x2000);
	/* no usable RAM below 1 MiB at all */
	init_simple(0x9f000, 0x1000);
	CHECK_EQ(pm.low_count, 0);
	CHECK_EQ(pmm_alloc_low(&pm, PAGE_SIZE), 0);
}

static void test_reserve(void)
{
	init_simple(0, 16 * MiB);
	pmm_reserve(&pm, 4 * MiB + 1, 1);	/* widened to its page */
	pmm_reserve(&pm, 8 * MiB, 0);		/* nothing */
	pmm_reserve(&pm, 0x50000, 1 * MiB);	/* both pools */
	pmm_reserve(&pm, 15 * MiB, UINT64_MAX); /* wraps: to the top */
	check_invariants();
	CHECK_EQ(pm.count, 2);
	CHECK_RANGE(pm.free[0], 0x150000, 4 * MiB);
	CHECK_RANGE(pm.free[1], 4 * MiB + PAGE_SIZE, 15 * MiB);
	CHECK_EQ(pm.low_count, 1);
	CHECK_RANGE(pm.low[0], 0x1000, 0x50000);
}

/* More fragments than PMM_MAX_RANGES: the smallest is dropped, nothing reserved leaks. */
static void test_fragment_overflow(void)
{
	const uint64_t pages = 2 * PMM_MAX_RANGES + 64;
	uint64_t a;

	init_simple(1 * MiB, pages * PAGE_SIZE);
	for (uint64_t i = 1; i < pages; i += 2)
		pmm_reserve(&pm, 1 * MiB + i * PAGE_SIZE, PAGE_SIZE);
	check_invariants();
	CHECK_EQ(pm.count, PMM_MAX_RANGES);
	CHECK_LOG("free list full, dropping");
	while ((a = pmm_alloc(&pm, PAGE_SIZE, PAGE_SIZE)) != 0)
		CHECK(((a - 1 * MiB) / PAGE_SIZE) % 2 == 0);
	/* freeing into a full list: the freed range itself is dropped if smallest */
	init_simple(1 * MiB, pages * PAGE_SIZE);
	for (uint64_t i = 0; i < pages; i++)
		CHECK(pmm_alloc(&pm, PAGE_SIZE, PAGE_SIZE) != 0);
	host_log_clear();
	for (uint64_t i = 0; i < pages; i += 2)
		pmm_free(&pm, 1 * MiB + i * PAGE_SIZE, PAGE_SIZE);
	check_invariants();
	CHECK_EQ(pm.count, PMM_MAX_RANGES);
	CHECK_LOG("free list full, dropping");
	/* the list is full of pages 0, 2, .., 1022; a free that merges needs no new slot
	 * (pages 1024.. were dropped above, so freeing them again is not a double free) */
	pmm_free(&pm, 1 * MiB + 1023 * PAGE_SIZE, (pages - 1023) * PAGE_SIZE);
	check_invariants();
	CHECK_EQ(pm.count, PMM_MAX_RANGES);
	CHECK_RANGE(pm.free[PMM_MAX_RANGES - 1], 1 * MiB + 1022 * PAGE_SIZE,
		    1 * MiB + pages * PAGE_SIZE);
}

/* Too many low fragments: the low array has 16 slots. */
static void test_low_overflow(void)
{
	map_reset();
	for (uint64_t i = 0; i < 40; i++)
		map_add(0x2000 + i * 0x2000, 0x1000, MEM_USABLE);
	pmm_init(&pm, &bi);
	check_invariants();
	CHECK_EQ(pm.low_count, ARRAY_SIZE(pm.low));
	CHECK_LOG("low list full");
}

static void test_page_alloc_zeroed(void)
{
	const size_t pages = 64;
	unsigned char *mem = aligned_alloc(PAGE_SIZE, pages * PAGE_SIZE);
	unsigned char *p;

	CHECK(mem != NULL && (uintptr_t)mem >= 1 * MiB);
	memset(mem, 0xaa, pages * PAGE_SIZE);
	map_reset();
	map_add((uintptr_t)mem, pages * PAGE_SIZE, MEM_USABLE);
	pmm_init(&hv_pmm, &bi);
	p = page_alloc_zeroed(3);
	CHECK(p == mem);
	CHECK(p[0] == 0 && p[3 * PAGE_SIZE - 1] == 0 && p[3 * PAGE_SIZE] == 0xaa);
	CHECK(page_alloc_zeroed(1) == mem + 3 * PAGE_SIZE);
	CHECK_PANICS(page_alloc_zeroed(100));
	CHECK(strstr(host_panic_msg, "out of memory for 100 pages") != NULL);
	CHECK_PANICS(page_alloc_zeroed(0));
	CHECK_PANICS(page_alloc_zeroed(SIZE_MAX / 2));
	free(mem);
	memset(&hv_pmm, 0, sizeof(hv_pmm));
}

static void test_high_memory(void)
{
	map_reset();
	map_add(1 * MiB, 1 * MiB, MEM_USABLE);
	map_add(4 * GiB, 2 * GiB, MEM_USABLE);
	map_add(64 * GiB, 1 * GiB, MEM_RESERVED); /* not RAM: no effect on max_phys */
	pmm_init(&pm, &bi);
	CHECK_EQ(pm.max_phys, 6 * GiB);
	CHECK_EQ(pm.total_usable, 2 * GiB + 1 * MiB);
	CHECK_EQ(pmm_alloc(&pm, 1 * GiB, 1 * GiB), 4 * GiB);
	CHECK_EQ(pmm_alloc(&pm, 2 * MiB, 2 * MiB), 5 * GiB);
}

/*
 * Randomised: a model keeps one byte per page of a 12 MiB window; random
 * maps, allocations and frees must agree with it, and with first fit the
 * model predicts every address.
 */
enum { MODEL_PAGES = 3072 };
static unsigned char model[MODEL_PAGES]; /* 0 unusable, 1 free, 2 low free, 3 allocated */

static uint64_t rnd(uint64_t n)
{
	return ((uint64_t)rand() << 31 ^ (uint64_t)rand()) % n;
}

static void model_build(void)
{
	static unsigned char usable[MODEL_PAGES * PAGE_SIZE / 256]; /* 256-byte granules */

	memset(usable, 0, sizeof(usable));
	memset(model, 0, sizeof(model));
	map_reset();
	for (int i = 0, n = (int)rnd(20) + 1; i < n; i++) {
		uint64_t b = rnd(sizeof(usable));
		uint64_t l = rnd(MIN(sizeof(usable) / 4, sizeof(usable) - b)) + 1;
		uint32_t type = rnd(3) ? MEM_USABLE : MEM_RESERVED;

		map_add(b * 256, l * 256, type);
		for (uint64_t g = b; g < b + l && g < sizeof(usable); g++)
			usable[g] = type == MEM_USABLE ? (usable[g] ? usable[g] : 1) : 2;
	}
	for (uint64_t pg = 0; pg < MODEL_PAGES; pg++) {
		bool all = true;

		for (int g = 0; g < 16; g++)
			all = all && usable[pg * 16 + g] == 1;
		if (all)
			model[pg] = pg >= 256 ? 1 : (pg >= 1 && pg < 0x9f) ? 2 : 0;
		/* any reserved granule in the page excludes it */
		for (int g = 0; g < 16; g++)
			if (usable[pg * 16 + g] == 2)
				model[pg] = 0;
	}
}

static void model_compare(void)
{
	unsigned char seen[MODEL_PAGES] = {0};

	for (uint32_t i = 0; i < pm.count; i++)
		for (uint64_t a = pm.free[i].base; a < pm.free[i].end; a += PAGE_SIZE)
			seen[a / PAGE_SIZE] = 1;
	for (uint32_t i = 0; i < pm.low_count; i++)
		for (uint64_t a = pm.low[i].base; a < pm.low[i].end; a += PAGE_SIZE)
			seen[a / PAGE_SIZE] = 2;
	for (uint64_t pg = 0; pg < MODEL_PAGES; pg++) {
		unsigned char want = model[pg] == 3 ? 0 : model[pg];

		if (seen[pg] != want) {
			CHECK_EQ(seen[pg], want);
			printf("  page %#llx\n", (unsigned long long)pg);
			return;
		}
	}
	CHECK(true);
}

/* The address first fit must return, from the model; 0 when nothing fits. */
static uint64_t model_first_fit(uint64_t pages, uint64_t align_pages, unsigned char kind,
				uint64_t limit)
{
	for (uint64_t pg = 0; pg + pages <= limit; pg += align_pages) {
		uint64_t k = 0;

		while (k < pages && model[pg + k] == kind)
			k++;
		if (k == pages)
			return pg;
	}
	return UINT64_MAX;
}

static void model_round(void)
{
	for (int op = 0; op < 200; op++) {
		bool low = rnd(4) == 0;
		uint64_t pages = rnd(low ? 8 : 64) + 1, align = low ? 1 : (uint64_t)1 << rnd(6);
		uint64_t want =
		    model_first_fit(pages, align, low ? 2 : 1, low ? 0x9f : MODEL_PAGES);
		uint64_t got = low ? pmm_alloc_low(&pm, pages * PAGE_SIZE)
				   : pmm_alloc(&pm, pages * PAGE_SIZE, align * PAGE_SIZE);

		CHECK_EQ(got, want == UINT64_MAX ? 0 : want * PAGE_SIZE);
		if (!got || got / PAGE_SIZE != want)
			return;
		memset(model + want, 3, pages);
		if (rnd(2)) { /* free a random part of what was just allocated */
			uint64_t off = rnd(pages), n = rnd(pages - off) + 1;

			pmm_free(&pm, got + off * PAGE_SIZE, n * PAGE_SIZE);
			memset(model + want + off, low ? 2 : 1, n);
		}
	}
}

static void test_random_against_model(void)
{
	srand(12345);
	for (int round = 0; round < 300; round++) {
		model_build();
		pmm_init(&pm, &bi);
		check_invariants();
		model_compare();
		model_round();
		check_invariants();
		model_compare();
	}
}

int main(void)
{
	RUN(test_typical_bios_map);
	RUN(test_unsorted_overlapping);
	RUN(test_zero_length_and_wrapping);
	RUN(test_beyond_phys_limit);
	RUN(test_reserved_beats_usable);
	RUN(test_alignment_inward);
	RUN(test_image_and_modules);
	RUN(test_counts_clamped);
	RUN(test_alloc);
	RUN(test_exhaustion);
	RUN(test_free_merge);
	RUN(test_bad_free_panics);
	RUN(test_low);
	RUN(test_reserve);
	RUN(test_fragment_overflow);
	RUN(test_low_overflow);
	RUN(test_page_alloc_zeroed);
	RUN(test_high_memory);
	RUN(test_random_against_model);
	return test_summary();
}
