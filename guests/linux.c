/*
 * linux.c - load a Linux bzImage for the 64-bit boot protocol, and the parts
 * every Linux load shares: the guest memory map, kernel and initrd
 * placement, the command line, the GDT and the identity-mapped page tables.
 * The PVH (vmlinux ELF) path is in linux_pvh.c.
 *
 * Pure: reads the image, writes only guest memory, reports errors as text.
 * Check, then apply: every header field, size and placement is validated and
 * decided first (struct lx_plan); guest memory is written only after that.
 *
 * References: Documentation/arch/x86/boot.rst ("The Real-Mode Kernel Header",
 * "Details of Header Fields", "64-bit Boot Protocol"), zero-page.rst (the
 * boot_params offsets), ACPI 6.5 chapter 15 (e820 types).
 */
#include <hv/lib.h>
#include <hv/loader.h>

#include "linux_internal.h"

compile_assert(LX_MAX_E820 <= LINUX_E820_MAX);

/* Setup header fields: offsets into the image and into boot_params (boot.rst). */
#define HDR_START		   0x1F1
#define HDR_SETUP_SECTS		   0x1F1
#define HDR_BOOT_FLAG		   0x1FE
#define HDR_JUMP_END		   0x201 /* header ends at 0x202 + this byte */
#define HDR_MAGIC		   0x202
#define HDR_VERSION		   0x206
#define HDR_TYPE_OF_LOADER	   0x210
#define HDR_LOADFLAGS		   0x211
#define HDR_CODE32_START	   0x214
#define HDR_RAMDISK_IMAGE	   0x218
#define HDR_RAMDISK_SIZE	   0x21C
#define HDR_CMD_LINE_PTR	   0x228
#define HDR_INITRD_ADDR_MAX	   0x22C
#define HDR_KERNEL_ALIGNMENT	   0x230
#define HDR_RELOCATABLE		   0x234
#define HDR_XLOADFLAGS		   0x236
#define HDR_CMDLINE_SIZE	   0x238
#define HDR_HARDWARE_SUBARCH	   0x23C
#define HDR_SETUP_DATA		   0x250
#define HDR_PREF_ADDRESS	   0x258
#define HDR_INIT_SIZE		   0x260
#define HDR_MIN_LEN_2_12	   0x268 /* the 2.12 header ends after handover_offset */
#define HDR_MAX_END		   0x290 /* struct setup_header ends before edd_mbr_sig_buffer */
#define HDR_MAGIC_VALUE		   0x53726448 /* "HdrS" */
#define BOOT_FLAG_VALUE		   0xAA55
#define LOADED_HIGH		   BIT(0)
#define XLF_KERNEL_64		   BIT(0)
#define XLF_CAN_BE_LOADED_ABOVE_4G BIT(1)
#define PROTO_64BIT_MIN		   0x020C /* 2.12: xloadflags, XLF_KERNEL_64 */
#define PROTO_ACPI_RSDP		   0x020E /* 2.14: acpi_rsdp_addr */
#define LOADER_TYPE_UNDEFINED	   0xFF
#define ENTRY_64_OFFSET		   0x200

/* boot_params fields outside the setup header (zero-page.rst) */
#define BP_ACPI_RSDP_ADDR    0x070
#define BP_EXT_RAMDISK_IMAGE 0x0C0
#define BP_EXT_RAMDISK_SIZE  0x0C4
#define BP_EXT_CMD_LINE_PTR  0x0C8
#define BP_E820_ENTRIES	     0x1E8
#define BP_E820_TABLE	     0x2D0
#define BP_E820_ENTRY_LEN    20
#define BP_SIZE		     4096

/* Page-table entry bits (SDM Vol. 3A 4.5, tables 4-14..4-18) */
#define PTE_P	BIT(0)
#define PTE_RW	BIT(1)
#define PTE_PS	BIT(7)
#define LX_PDPT (LINUX_PML4 + PAGE_SIZE)
#define LX_PD	(LINUX_PML4 + 2 * PAGE_SIZE)

/* Flat descriptors for the GDT (SDM Vol. 3A 3.4.5): base 0, limit 4 GiB, G=1. */
static const uint64_t lx_gdt[LINUX_GDT_ENTRIES] = {
    [0] = 0,
    [1] = 0,
    [LINUX_SEL_CS64 / 8] = 0x00AF9B000000FFFFULL, /* 64-bit code, L=1, accessed */
    [LINUX_SEL_DS / 8] = 0x00CF93000000FFFFULL,	  /* read/write data, D/B=1, accessed */
    [LINUX_SEL_CS32 / 8] = 0x00CF9B000000FFFFULL, /* 32-bit code, D=1, accessed */
    [LINUX_SEL_TSS / 8] = 0x00008B0000000067ULL,  /* busy 32-bit TSS, base 0, limit 0x67 */
};

/* Decoded setup header: the fields the loader checks or uses. */
struct bz_hdr {
	uint16_t version;
	uint8_t loadflags;
	uint16_t xloadflags;
	uint32_t pm_offset; /* where the protected-mode kernel starts in the file */
	uint32_t initrd_addr_max;
	uint32_t kernel_alignment;
	bool relocatable;
	uint32_t cmdline_size;
	uint64_t pref_address;
	uint32_t init_size;
	uint32_t hdr_end;
};

uint64_t lx_get(const uint8_t *p, uint32_t n)
{
	uint64_t v = 0;

	for (uint32_t i = n; i > 0; i--)
		v = (v << 8) | p[i - 1];
	return v;
}

void lx_put(uint8_t *p, uint64_t v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

int lx_fail(struct lx_plan *plan, const char *fmt, ...)
{
	va_list ap;

	if (plan->err && plan->err_len) {
		va_start(ap, fmt);
		vsnprintf(plan->err, plan->err_len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

const char *lx_size_str(uint64_t n, char buf[32])
{
	if (n >= MiB && n % MiB == 0)
		snprintf(buf, 32, "%llu MiB", (unsigned long long)(n / MiB));
	else if (n >= MiB)
		snprintf(buf, 32, "%llu.%llu MiB", (unsigned long long)(n / MiB),
			 (unsigned long long)(n % MiB * 10 / MiB));
	else
		snprintf(buf, 32, "%llu bytes", (unsigned long long)n);
	return buf;
}

/* ---- the layout: validation, e820 map, free ranges ---- */

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int layout_check_region(struct lx_plan *plan, uint32_t i)
{
	const struct linux_region *r = &plan->layout->regions[i];

	if (!r->size || r->base + r->size < r->base)
		return lx_fail(plan, "layout: region %u [%#llx, +%#llx) is empty or wraps", i,
			       (unsigned long long)r->base, (unsigned long long)r->size);
	if (r->type < E820_RESERVED || r->type > E820_UNUSABLE)
		return lx_fail(plan, "layout: region %u has e820 type %u, not 2..5", i, r->type);
	if (ranges_overlap(r->base, r->size, LINUX_LOW_BASE, LINUX_LOW_END - LINUX_LOW_BASE))
		return lx_fail(plan,
			       "layout: region %u [%#llx, %#llx) overlaps the loader's "
			       "low-memory area [%#llx, %#llx)",
			       i, (unsigned long long)r->base,
			       (unsigned long long)(r->base + r->size), LINUX_LOW_BASE,
			       LINUX_LOW_END);
	for (uint32_t j = 0; j < i; j++) {
		const struct linux_region *o = &plan->layout->regions[j];

		if (ranges_overlap(r->base, r->size, o->base, o->size))
			return lx_fail(plan, "layout: regions %u and %u overlap", j, i);
	}
	return 0;
}

static int layout_check(struct lx_plan *plan)
{
	const struct linux_layout *l = plan->layout;
	char s[32];

	if (!plan->mem->host || plan->mem->size < LINUX_LOW_END + LX_FLOOR)
		return lx_fail(plan, "memory: %s of guest memory is too little for Linux",
			       lx_size_str(plan->mem->size, s));
	if (l->region_count > LINUX_MAX_REGIONS)
		return lx_fail(plan, "layout: %u regions, at most %u", l->region_count,
			       LINUX_MAX_REGIONS);
	for (uint32_t i = 0; i < l->region_count; i++)
		if (layout_check_region(plan, i))
			return -1;
	if (l->rsdp && (l->rsdp >= plan->mem->size || plan->mem->size - l->rsdp < 36))
		return lx_fail(plan, "layout: RSDP at %#llx is outside the %s of guest memory",
			       (unsigned long long)l->rsdp, lx_size_str(plan->mem->size, s));
	return 0;
}

static void e820_add(struct lx_plan *plan, uint64_t start, uint64_t end, uint32_t type)
{
	if (start < end)
		plan->e820[plan->e820_count++] =
		    (struct lx_e820){.addr = start, .size = end - start, .type = type};
	if (type == E820_RAM && MAX(start, LX_FLOOR) < end)
		plan->free[plan->free_count++] =
		    (struct lx_range){.start = MAX(start, LX_FLOOR), .end = end};
}

/*
 * The guest's memory map: RAM [0, size) with each region cut out and listed
 * with its own type (regions beyond RAM are listed as they are), ascending.
 * The RAM pieces at or above LX_FLOOR are also the free ranges.
 */
static void layout_build_map(struct lx_plan *plan)
{
	const struct linux_layout *l = plan->layout;
	const struct linux_region *sorted[LINUX_MAX_REGIONS];
	uint64_t cursor = 0, size = plan->mem->size;
	uint32_t n = l->region_count;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t j = i;

		for (; j > 0 && sorted[j - 1]->base > l->regions[i].base; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = &l->regions[i];
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct linux_region *r = sorted[i];

		if (cursor < size)
			e820_add(plan, cursor, MIN(r->base, size), E820_RAM);
		e820_add(plan, r->base, r->base + r->size, r->type);
		cursor = MAX(cursor, r->base + r->size);
	}
	if (cursor < size)
		e820_add(plan, cursor, size, E820_RAM);
}

bool lx_is_free(const struct lx_plan *plan, uint64_t base, uint64_t len)
{
	for (uint32_t i = 0; i < plan->free_count; i++)
		if (base >= plan->free[i].start && base <= plan->free[i].end &&
		    len <= plan->free[i].end - base)
			return true;
	return false;
}

/* The highest page-aligned base for len bytes in [start, MIN(end, limit)), or 0. */
static uint64_t fit_high(uint64_t start, uint64_t end, uint64_t limit, uint64_t len)
{
	uint64_t top = MIN(end, limit), base;

	if (top < start || top - start < len)
		return 0;
	base = ALIGN_DOWN(top - len, PAGE_SIZE);
	return base >= start ? base : 0;
}

int lx_place_initrd(struct lx_plan *plan, size_t ilen, uint64_t limit_end, const char *why)
{
	uint64_t best = 0;
	char s1[32], s2[32];

	plan->initrd_base = 0;
	if (!ilen)
		return 0;
	for (uint32_t i = 0; i < plan->free_count; i++) {
		const struct lx_range *f = &plan->free[i];

		/* the parts of f below and above the kernel */
		best = MAX(best, fit_high(f->start, MIN(f->end, plan->kbase), limit_end, ilen));
		best = MAX(best, fit_high(MAX(f->start, plan->kend), f->end, limit_end, ilen));
	}
	if (!best)
		return lx_fail(plan,
			       "initrd: %s does not fit below the %s of guest memory "
			       "(free RAM outside the kernel's [%#llx, %#llx)%s%s)",
			       lx_size_str(ilen, s1), lx_size_str(plan->mem->size, s2),
			       (unsigned long long)plan->kbase, (unsigned long long)plan->kend,
			       why ? ", below " : "", why ? why : "");
	plan->initrd_base = best;
	return 0;
}

/* ---- writing the common structures ---- */

static void write_page_tables(uint8_t *g)
{
	memset(g + LINUX_PML4, 0, 6 * PAGE_SIZE);
	lx_put(g + LINUX_PML4, LX_PDPT | PTE_P | PTE_RW, 8);
	for (uint64_t i = 0; i < 4; i++) {
		lx_put(g + LX_PDPT + 8 * i, (LX_PD + i * PAGE_SIZE) | PTE_P | PTE_RW, 8);
		for (uint64_t j = 0; j < 512; j++)
			lx_put(g + LX_PD + i * PAGE_SIZE + 8 * j,
			       ((i * 512 + j) << 21) | PTE_P | PTE_RW | PTE_PS, 8);
	}
}

void lx_write_common(const struct lx_plan *plan, const char *cmdline, const void *initrd,
		     size_t ilen, struct linux_boot *out)
{
	uint8_t *g = plan->mem->host;

	/*
	 * Page 0 is the real-mode IVT and BIOS data area.  The decompressor
	 * reads the EBDA segment (0x40E) and base memory size (0x413) there to
	 * place its 5-level paging trampoline (arch/x86/boot/compressed/
	 * pgtable_64.c); zero means "no BIOS", never stale data from a
	 * previous run of the partition.
	 */
	memset(g, 0, LINUX_LOW_BASE);
	for (uint32_t i = 0; i < LINUX_GDT_ENTRIES; i++)
		lx_put(g + LINUX_GDT + 8 * i, lx_gdt[i], 8);
	memset(g + LINUX_CMDLINE, 0, plan->cmdline_len + 1);
	if (plan->cmdline_len)
		memcpy(g + LINUX_CMDLINE, cmdline, plan->cmdline_len);
	if (ilen)
		memcpy(g + plan->initrd_base, initrd, ilen);
	memset(out, 0, sizeof(*out));
	out->gdt_base = LINUX_GDT;
	out->gdt_limit = LINUX_GDT_ENTRIES * 8 - 1;
	out->ds = LINUX_SEL_DS;
	out->stack = LINUX_STACK_TOP;
	out->kernel_base = plan->kbase;
	out->kernel_end = plan->kend;
	out->initrd_base = ilen ? plan->initrd_base : 0;
	out->initrd_size = ilen;
	out->cmdline = LINUX_CMDLINE;
	out->e820_count = plan->e820_count;
}

/* ---- bzImage ---- */

bool linux_is_bzimage(const void *kernel, size_t klen)
{
	const uint8_t *k = kernel;

	return klen >= HDR_MAGIC + 4 && lx_get(k + HDR_MAGIC, 4) == HDR_MAGIC_VALUE &&
	       lx_get(k + HDR_BOOT_FLAG, 2) == BOOT_FLAG_VALUE;
}

static void bz_decode(const uint8_t *k, size_t klen, struct bz_hdr *h)
{
	uint32_t setup_sects = k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : 4; /* 0 means 4 */

	h->version = (uint16_t)lx_get(k + HDR_VERSION, 2);
	h->loadflags = k[HDR_LOADFLAGS];
	h->xloadflags = (uint16_t)lx_get(k + HDR_XLOADFLAGS, 2);
	h->pm_offset = (setup_sects + 1) * 512;
	h->initrd_addr_max = (uint32_t)lx_get(k + HDR_INITRD_ADDR_MAX, 4);
	h->kernel_alignment = (uint32_t)lx_get(k + HDR_KERNEL_ALIGNMENT, 4);
	h->relocatable = k[HDR_RELOCATABLE] != 0;
	h->cmdline_size = (uint32_t)lx_get(k + HDR_CMDLINE_SIZE, 4);
	h->pref_address = lx_get(k + HDR_PREF_ADDRESS, 8);
	h->init_size = (uint32_t)lx_get(k + HDR_INIT_SIZE, 4);
	h->hdr_end = MIN((uint32_t)(HDR_MAGIC + k[HDR_JUMP_END]), HDR_MAX_END);
	h->hdr_end = (uint32_t)MIN((size_t)h->hdr_end, klen);
}

static int bz_check(struct lx_plan *plan, const uint8_t *k, size_t klen, struct bz_hdr *h)
{
	if (klen < HDR_MAGIC + 4 || lx_get(k + HDR_MAGIC, 4) != HDR_MAGIC_VALUE)
		return lx_fail(plan, "kernel: not a bzImage (no \"HdrS\" setup header at 0x202)");
	if (lx_get(k + HDR_BOOT_FLAG, 2) != BOOT_FLAG_VALUE)
		return lx_fail(plan, "kernel: not a bzImage (boot flag %#llx at 0x1fe, not 0xaa55)",
			       (unsigned long long)lx_get(k + HDR_BOOT_FLAG, 2));
	if (klen < HDR_VERSION + 2)
		return lx_fail(plan, "kernel: %zu bytes, too short for a setup header", klen);
	h->version = (uint16_t)lx_get(k + HDR_VERSION, 2);
	if (h->version < PROTO_64BIT_MIN)
		return lx_fail(plan,
			       "kernel: boot protocol %u.%02u is too old: 64-bit entry needs 2.12 "
			       "or later",
			       h->version >> 8, h->version & 0xFF);
	if (klen < HDR_MIN_LEN_2_12)
		return lx_fail(plan, "kernel: %zu bytes, too short for a 2.12 setup header", klen);
	bz_decode(k, klen, h);
	if (!(h->loadflags & LOADED_HIGH))
		return lx_fail(plan, "kernel: loadflags %#x lack LOADED_HIGH (a zImage)",
			       h->loadflags);
	if (!(h->xloadflags & XLF_KERNEL_64))
		return lx_fail(plan, "kernel: xloadflags %#x lack XLF_KERNEL_64: no 64-bit entry",
			       h->xloadflags);
	if (h->pm_offset >= klen)
		return lx_fail(plan,
			       "kernel: setup_sects %u puts the protected-mode kernel at %#x, "
			       "past the end of the %zu-byte file",
			       k[HDR_SETUP_SECTS], h->pm_offset, klen);
	if (h->relocatable && (h->kernel_alignment < PAGE_SIZE || h->kernel_alignment > GiB ||
			       (h->kernel_alignment & (h->kernel_alignment - 1))))
		return lx_fail(plan,
			       "kernel: kernel_alignment %#x is not a power of two in "
			       "[4 KiB, 1 GiB]",
			       h->kernel_alignment);
	return 0;
}

/*
 * Where the kernel runs: pref_address, or for a relocatable kernel the first
 * kernel_alignment-aligned address above it with room for init_size.  Not
 * below pref_address: the decompressor moves a relocatable kernel loaded
 * lower up to LOAD_PHYSICAL_ADDR anyway (arch/x86/boot/compressed/head_64.S),
 * and it must stay under the 4 GiB the boot page tables map.
 */
static int bz_place_kernel(struct lx_plan *plan, const struct bz_hdr *h, uint64_t need)
{
	uint64_t base = h->pref_address;
	char s1[32], s2[32];

	if (h->relocatable) {
		for (uint32_t i = 0; i < plan->free_count; i++) {
			const struct lx_range *f = &plan->free[i];

			base =
			    ALIGN_UP(MAX(f->start, h->pref_address), (uint64_t)h->kernel_alignment);
			if (lx_is_free(plan, base, need))
				break;
		}
	}
	if (!lx_is_free(plan, base, need) || base + need > LX_IDENTITY_TOP)
		return lx_fail(plan,
			       "kernel: needs %s (init_size) of free RAM at %s%#llx, beyond the %s "
			       "of guest memory",
			       lx_size_str(need, s1), h->relocatable ? "or above " : "",
			       (unsigned long long)h->pref_address,
			       lx_size_str(plan->mem->size, s2));
	plan->kbase = base;
	plan->kend = base + need;
	return 0;
}

static int bz_plan(struct lx_plan *plan, const uint8_t *k, size_t klen, size_t ilen,
		   struct bz_hdr *h)
{
	uint64_t limit;

	if (bz_check(plan, k, klen, h))
		return -1;
	if (plan->cmdline_len > h->cmdline_size)
		return lx_fail(plan,
			       "cmdline: %zu bytes is longer than the kernel's cmdline_size %u",
			       plan->cmdline_len, h->cmdline_size);
	if (bz_place_kernel(plan, h, MAX((uint64_t)h->init_size, klen - h->pm_offset)))
		return -1;
	/* initrd_addr_max is the highest address the initrd's last byte may occupy */
	limit = (uint64_t)h->initrd_addr_max + 1;
	if (h->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G)
		limit = ~0ULL;
	return lx_place_initrd(plan, ilen, limit, limit == ~0ULL ? NULL : "initrd_addr_max");
}

static void bz_write_zero_page(const struct lx_plan *plan, const uint8_t *k, const struct bz_hdr *h,
			       size_t ilen)
{
	uint8_t *bp = plan->mem->host + LINUX_ZERO_PAGE;

	memset(bp, 0, BP_SIZE);
	memcpy(bp + HDR_START, k + HDR_START, h->hdr_end - HDR_START);
	bp[HDR_TYPE_OF_LOADER] = LOADER_TYPE_UNDEFINED;
	lx_put(bp + HDR_CODE32_START, plan->kbase, 4);
	lx_put(bp + HDR_RAMDISK_IMAGE, ilen ? plan->initrd_base : 0, 4);
	lx_put(bp + BP_EXT_RAMDISK_IMAGE, ilen ? plan->initrd_base >> 32 : 0, 4);
	lx_put(bp + HDR_RAMDISK_SIZE, ilen, 4);
	lx_put(bp + BP_EXT_RAMDISK_SIZE, (uint64_t)ilen >> 32, 4);
	lx_put(bp + HDR_CMD_LINE_PTR, LINUX_CMDLINE, 4);
	lx_put(bp + BP_EXT_CMD_LINE_PTR, 0, 4);
	lx_put(bp + HDR_HARDWARE_SUBARCH, 0, 4); /* X86_SUBARCH_PC */
	lx_put(bp + HDR_SETUP_DATA, 0, 8);
	if (h->version >= PROTO_ACPI_RSDP)
		lx_put(bp + BP_ACPI_RSDP_ADDR, plan->layout->rsdp, 8);
	bp[BP_E820_ENTRIES] = (uint8_t)plan->e820_count;
	for (uint32_t i = 0; i < plan->e820_count; i++) {
		uint8_t *e = bp + BP_E820_TABLE + BP_E820_ENTRY_LEN * i;

		lx_put(e, plan->e820[i].addr, 8);
		lx_put(e + 8, plan->e820[i].size, 8);
		lx_put(e + 16, plan->e820[i].type, 4);
	}
}

static int bz_load(struct lx_plan *plan, const uint8_t *k, size_t klen, const void *initrd,
		   size_t ilen, const char *cmdline, struct linux_boot *out)
{
	struct bz_hdr h = {0};

	if (bz_plan(plan, k, klen, ilen, &h))
		return -1;
	memcpy(plan->mem->host + plan->kbase, k + h.pm_offset, klen - h.pm_offset);
	write_page_tables(plan->mem->host);
	bz_write_zero_page(plan, k, &h, ilen);
	lx_write_common(plan, cmdline, initrd, ilen, out);
	out->mode = LINUX_ENTRY_64;
	out->entry = plan->kbase + ENTRY_64_OFFSET;
	out->params = LINUX_ZERO_PAGE;
	out->cr3 = LINUX_PML4;
	out->cs = LINUX_SEL_CS64;
	out->protocol = h.version;
	return 0;
}

int linux_load(const void *kernel, size_t klen, const void *initrd, size_t ilen,
	       const char *cmdline, const struct guest_mem *mem, const struct linux_layout *layout,
	       struct linux_boot *out, char *err, size_t err_len)
{
	static const struct linux_layout no_layout;
	struct lx_plan plan = {
	    .mem = mem, .layout = layout ? layout : &no_layout, .err = err, .err_len = err_len};

	if (err && err_len)
		err[0] = '\0';
	if (!kernel || !klen)
		return lx_fail(&plan, "kernel: empty file");
	if (ilen && !initrd)
		return lx_fail(&plan, "initrd: no data");
	if (layout_check(&plan))
		return -1;
	layout_build_map(&plan);
	plan.cmdline_len = cmdline ? strnlen(cmdline, LINUX_CMDLINE_MAX) : 0;
	if (plan.cmdline_len >= LINUX_CMDLINE_MAX)
		return lx_fail(&plan, "cmdline: longer than %llu bytes", LINUX_CMDLINE_MAX - 1);
	if (linux_is_pvh_elf(kernel, klen))
		return lx_pvh_load(&plan, kernel, klen, initrd, ilen, cmdline, out);
	return bz_load(&plan, kernel, klen, initrd, ilen, cmdline, out);
}
