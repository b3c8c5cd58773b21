/*
 * mb1.c - load a Multiboot (version 1, spec 0.6.96) kernel into guest
 * memory and build its boot information (include/hv/loader.h).
 *
 * The image is input we do not control: every field is checked before it is
 * used, every read of the image is bounded by its length, and every write is
 * bounded by the guest's memory.  Loading is "check, then apply": the image
 * and the whole guest layout are validated first; only then is anything
 * written, so a refused image leaves guest memory untouched.  No allocation,
 * no globals, every loop bounded; the host unit test and fuzzer run it on a
 * malloc'd buffer standing in for guest RAM.
 *
 * Policy (spec sections in parentheses):
 * - Header (3.1.1): first match of magic 0x1BADB002 with a valid checksum,
 *   4-byte aligned, within the first 8192 bytes.
 * - Flags (3.1.2): bits 0-15 are requirements the loader must understand or
 *   refuse.  Bit 0 (page-aligned modules) is always satisfied: modules always
 *   start on a page boundary.  Bit 1 (memory information) is always
 *   satisfied.  Bit 2 (video mode) is refused: a guest has no display.  Any
 *   other bit of 0-15 is refused by name.  Bits 16-31 are optional; bit 16
 *   (the a.out kludge) selects the header's address fields, which then take
 *   precedence over an ELF header as the spec says.
 * - Without bit 16 the image must be ELF32 (EM_386) or ELF64 (EM_X86_64),
 *   ET_EXEC, little-endian.  PT_LOAD segments are loaded at p_paddr; the
 *   entry point is translated from virtual to physical through the segment
 *   that contains it (as GRUB does), and must lie below 4 GiB.
 * - Where a kernel may be loaded: every byte of every segment must lie in
 *   guest RAM that the memory map reports as available and that is not page
 *   0: [0x1000, 0x9fc00) or [1 MiB, guest size).  Page 0 is refused so that
 *   a kernel's null pointer stays a plain bug rather than a load address;
 *   [0x9fc00, 1 MiB) is reported reserved (3.3, like a PC's EBDA/VGA/BIOS
 *   hole), so nothing is loaded there.  Segments may not overlap each other.
 * - Boot information (3.3, guests/mb1_info.c): placed at the first page boundary at or above
 *   both 1 MiB and the highest loaded byte, so it can never overlap the
 *   kernel: the MBI, three memory map entries, the boot loader name "hv",
 *   the command line, the module list and module strings; then each module
 *   on its own page boundary.  Everything must end below both the guest's
 *   size and 4 GiB - 4 KiB (MBI addresses, even mod_end, are 32-bit).
 */
#include <hv/lib.h>
#include "guests/mb1_internal.h"

/* Multiboot header (3.1.1, 3.1.2) */
#define MB1_HEADER_MAGIC    0x1BADB002u
#define MB1_SEARCH_LEN	    8192
#define MB1_HDR_LEN	    12 /* magic, flags, checksum */
#define MB1_HDR_AOUT_LEN    32 /* ... header_addr .. entry_addr */
#define MB1_FLAG_PAGE_ALIGN BIT(0)
#define MB1_FLAG_MEMINFO    BIT(1)
#define MB1_FLAG_VIDEO	    BIT(2)
#define MB1_FLAG_AOUT	    BIT(16)
#define MB1_FLAGS_REQUIRED  GENMASK(15, 0)
#define MB1_FLAGS_KNOWN	    (MB1_FLAG_PAGE_ALIGN | MB1_FLAG_MEMINFO)
#define HDR_FLAGS	    4
#define HDR_CHECKSUM	    8
#define HDR_HEADER_ADDR	    12
#define HDR_LOAD_ADDR	    16
#define HDR_LOAD_END_ADDR   20
#define HDR_BSS_END_ADDR    24
#define HDR_ENTRY_ADDR	    28

/* ELF (System V gABI; ELF32 and ELF64 headers) */
#define ELF_CLASS32    1
#define ELF_CLASS64    2
#define ELF_DATA_LSB   1
#define ELF_EV_CURRENT 1
#define ELF_ET_EXEC    2
#define ELF_EM_386     3
#define ELF_EM_X86_64  62
#define ELF_PT_LOAD    1
#define ELF32_EHDR_LEN 52
#define ELF64_EHDR_LEN 64
#define ELF32_PHDR_LEN 32
#define ELF64_PHDR_LEN 56
#define ELF_MAX_PHNUM  256 /* real kernels have a handful */

#define ENTRY_LIMIT  (4 * GiB) /* the entry point is a 32-bit address */
#define MB1_MAX_SEGS 16

struct mb1_seg {
	uint64_t off;	 /* file offset of the first byte */
	uint64_t filesz; /* bytes copied from the file */
	uint64_t memsz;	 /* bytes in memory; the rest after filesz is zeroed */
	uint64_t paddr;	 /* guest-physical load address */
	uint64_t vaddr;	 /* link address (ELF), for translating the entry point */
};

/* What the image asks for, fully validated before anything is written. */
struct mb1_plan {
	uint32_t hdr_off;
	uint32_t flags;
	struct mb1_seg seg[MB1_MAX_SEGS];
	unsigned int nseg;
	uint64_t entry; /* physical */
	uint64_t end;	/* one past the highest loaded byte */
};

int mb1_fail(const struct mb1_req *r, const char *fmt, ...)
{
	va_list ap;

	if (r->err && r->err_len) {
		va_start(ap, fmt);
		vsnprintf(r->err, r->err_len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static unsigned long long ull(uint64_t v)
{
	return (unsigned long long)v;
}

const char *mb1_size_str(char *buf, size_t n, uint64_t size)
{
	if (size && size % MiB == 0)
		snprintf(buf, n, "%llu MiB", ull(size / MiB));
	else if (size && size % KiB == 0)
		snprintf(buf, n, "%llu KiB", ull(size / KiB));
	else
		snprintf(buf, n, "%llu bytes", ull(size));
	return buf;
}

/* Offset of the first valid multiboot header, or false (3.1.1). */
static bool find_header(const uint8_t *img, size_t len, uint32_t *off)
{
	size_t lim = MIN(len, (size_t)MB1_SEARCH_LEN);

	for (size_t o = 0; o + MB1_HDR_LEN <= lim; o += 4) {
		uint32_t magic = rd32(img + o);
		uint32_t flags = rd32(img + o + HDR_FLAGS);
		uint32_t sum = rd32(img + o + HDR_CHECKSUM);

		if (magic == MB1_HEADER_MAGIC && (uint32_t)(magic + flags + sum) == 0) {
			*off = (uint32_t)o;
			return true;
		}
	}
	return false;
}

bool mb1_is_image(const void *image, size_t len)
{
	uint32_t off;

	return image && find_header(image, len, &off);
}

static int check_flags(const struct mb1_req *r, uint32_t flags)
{
	uint32_t unknown = flags & (uint32_t)MB1_FLAGS_REQUIRED & ~(uint32_t)MB1_FLAGS_KNOWN;

	if (flags & MB1_FLAG_VIDEO)
		return mb1_fail(r,
				"unsupported header flags 0x%x: video mode requested (flag bit 2), "
				"but a guest has no display",
				flags);
	if (unknown)
		return mb1_fail(
		    r,
		    "unsupported header flags 0x%x: required bits 0x%x are not defined by "
		    "Multiboot 0.6.96",
		    flags, unknown);
	return 0;
}

/* True when [a, a+n) lies inside [lo, hi); n > 0, no overflow possible. */
static bool range_in(uint64_t a, uint64_t n, uint64_t lo, uint64_t hi)
{
	return a >= lo && a <= hi && n <= hi - a;
}

/* File bounds, guest memory and the reserved ranges of one segment. */
static int check_seg(const struct mb1_req *r, const struct mb1_seg *s)
{
	uint64_t size = r->mem->size;
	char sz[32];

	if (s->filesz > s->memsz)
		return mb1_fail(r, "segment at 0x%llx: file size 0x%llx exceeds memory size 0x%llx",
				ull(s->paddr), ull(s->filesz), ull(s->memsz));
	if (s->off > r->len || s->filesz > r->len - s->off)
		return mb1_fail(
		    r,
		    "segment at 0x%llx: file bytes [0x%llx, +0x%llx) run past the end of "
		    "the %zu-byte image",
		    ull(s->paddr), ull(s->off), ull(s->filesz), r->len);
	if (s->memsz > size || s->paddr > size - s->memsz)
		return mb1_fail(
		    r, "segment at 0x%llx (0x%llx bytes) does not fit in %s of guest memory",
		    ull(s->paddr), ull(s->memsz), mb1_size_str(sz, sizeof(sz), size));
	if (!range_in(s->paddr, s->memsz, LOW_LOAD_START, LOW_MEM_END) &&
	    !range_in(s->paddr, s->memsz, HIGH_MEM_START, size))
		return mb1_fail(
		    r,
		    "segment at 0x%llx (0x%llx bytes) is not inside loadable guest RAM "
		    "[0x1000, 0x9fc00) or [0x100000, 0x%llx): page 0 and 0x9fc00-0xfffff "
		    "are not loadable",
		    ull(s->paddr), ull(s->memsz), ull(size));
	return 0;
}

/* Every segment checked, no two overlapping; sets plan->end. */
static int check_segs(const struct mb1_req *r, struct mb1_plan *p)
{
	p->end = 0;
	for (unsigned int i = 0; i < p->nseg; i++) {
		const struct mb1_seg *a = &p->seg[i];

		if (check_seg(r, a))
			return -1;
		for (unsigned int j = 0; j < i; j++) {
			const struct mb1_seg *b = &p->seg[j];

			if (a->paddr < b->paddr + b->memsz && b->paddr < a->paddr + a->memsz)
				return mb1_fail(r, "segments at 0x%llx and 0x%llx overlap",
						ull(b->paddr), ull(a->paddr));
		}
		p->end = MAX(p->end, a->paddr + a->memsz);
	}
	return 0;
}

/* The a.out kludge (flag bit 16): one segment described by the header itself. */
static int parse_aout(const struct mb1_req *r, struct mb1_plan *p)
{
	const uint8_t *h = r->img + p->hdr_off;
	uint32_t hdr_addr, load, load_end, bss_end, entry;
	uint64_t before, text_end;

	if (r->len - p->hdr_off < MB1_HDR_AOUT_LEN)
		return mb1_fail(
		    r,
		    "multiboot header at offset 0x%x: the address fields of flag bit 16 "
		    "run past the end of the %zu-byte image",
		    p->hdr_off, r->len);
	hdr_addr = rd32(h + HDR_HEADER_ADDR);
	load = rd32(h + HDR_LOAD_ADDR);
	load_end = rd32(h + HDR_LOAD_END_ADDR);
	bss_end = rd32(h + HDR_BSS_END_ADDR);
	entry = rd32(h + HDR_ENTRY_ADDR);
	if (load > hdr_addr)
		return mb1_fail(r, "a.out kludge: load_addr 0x%x is above header_addr 0x%x", load,
				hdr_addr);
	before = (uint64_t)hdr_addr - load; /* text bytes before the header */
	if (before > p->hdr_off)
		return mb1_fail(
		    r,
		    "a.out kludge: load_addr 0x%x starts 0x%llx bytes before the header, "
		    "but the header is at file offset 0x%x",
		    load, ull(before), p->hdr_off);
	p->seg[0].off = p->hdr_off - before;
	p->seg[0].paddr = p->seg[0].vaddr = load;
	if (load_end == 0) {
		p->seg[0].filesz = r->len - p->seg[0].off;
	} else {
		if (load_end <= load)
			return mb1_fail(
			    r, "a.out kludge: load_end_addr 0x%x is not above load_addr 0x%x",
			    load_end, load);
		p->seg[0].filesz = (uint64_t)load_end - load;
		if (p->seg[0].filesz > r->len - p->seg[0].off)
			return mb1_fail(
			    r,
			    "a.out kludge: load_end_addr 0x%x needs 0x%llx bytes from file "
			    "offset 0x%llx, but the image is %zu bytes",
			    load_end, ull(p->seg[0].filesz), ull(p->seg[0].off), r->len);
	}
	text_end = load + p->seg[0].filesz;
	if ((uint64_t)hdr_addr + MB1_HDR_AOUT_LEN > text_end)
		return mb1_fail(r,
				"a.out kludge: header_addr 0x%x is not inside the loaded text "
				"[0x%x, 0x%llx)",
				hdr_addr, load, ull(text_end));
	if (bss_end != 0 && bss_end < text_end)
		return mb1_fail(
		    r, "a.out kludge: bss_end_addr 0x%x is below the end of the text 0x%llx",
		    bss_end, ull(text_end));
	p->seg[0].memsz = bss_end ? (uint64_t)bss_end - load : p->seg[0].filesz;
	if (entry < load || entry - load >= p->seg[0].memsz)
		return mb1_fail(r,
				"a.out kludge: entry_addr 0x%x is outside the image [0x%x, 0x%llx)",
				entry, load, ull(load + p->seg[0].memsz));
	p->nseg = 1;
	p->entry = entry;
	return 0;
}

/* The ELF header fields the loader uses, read from either class. */
struct elf_hdr {
	bool is64;
	uint64_t entry, phoff;
	uint32_t phentsize, phnum;
};

static int read_ehdr(const struct mb1_req *r, struct elf_hdr *e)
{
	const uint8_t *b = r->img;
	uint16_t type, machine;

	if (r->len < ELF32_EHDR_LEN)
		return mb1_fail(r, "ELF header truncated: the image is %zu bytes", r->len);
	if (b[4] != ELF_CLASS32 && b[4] != ELF_CLASS64)
		return mb1_fail(r, "ELF class %u is neither ELF32 nor ELF64", b[4]);
	e->is64 = b[4] == ELF_CLASS64;
	if (e->is64 && r->len < ELF64_EHDR_LEN)
		return mb1_fail(r, "ELF64 header truncated: the image is %zu bytes", r->len);
	if (b[5] != ELF_DATA_LSB || b[6] != ELF_EV_CURRENT || rd32(b + 20) != ELF_EV_CURRENT)
		return mb1_fail(r, "ELF header: not a little-endian version 1 ELF file");
	type = rd16(b + 16);
	machine = rd16(b + 18);
	if (type != ELF_ET_EXEC)
		return mb1_fail(r, "ELF type %u is not an executable (ET_EXEC)", type);
	if (machine != (e->is64 ? ELF_EM_X86_64 : ELF_EM_386))
		return mb1_fail(r, "ELF machine %u is not %s", machine,
				e->is64 ? "x86-64" : "i386");
	e->entry = e->is64 ? rd64(b + 24) : rd32(b + 24);
	e->phoff = e->is64 ? rd64(b + 32) : rd32(b + 28);
	e->phentsize = rd16(b + (e->is64 ? 54 : 42));
	e->phnum = rd16(b + (e->is64 ? 56 : 44));
	return 0;
}

static int check_phdrs(const struct mb1_req *r, const struct elf_hdr *e)
{
	unsigned int min = e->is64 ? ELF64_PHDR_LEN : ELF32_PHDR_LEN;
	uint64_t table = (uint64_t)e->phnum * e->phentsize;

	if (e->phnum == 0)
		return mb1_fail(r, "ELF image has no program headers");
	if (e->phnum > ELF_MAX_PHNUM)
		return mb1_fail(r, "ELF image has %u program headers (at most %u)", e->phnum,
				ELF_MAX_PHNUM);
	if (e->phentsize < min)
		return mb1_fail(r, "ELF program header size %u is below %u", e->phentsize, min);
	if (e->phoff > r->len || table > r->len - e->phoff)
		return mb1_fail(r,
				"ELF program headers [0x%llx, +0x%llx) run past the end of the "
				"%zu-byte image",
				ull(e->phoff), ull(table), r->len);
	return 0;
}

/* Read one program header into s; returns its p_type. */
static uint32_t read_phdr(const uint8_t *ph, bool is64, struct mb1_seg *s)
{
	if (is64) {
		s->off = rd64(ph + 8);
		s->vaddr = rd64(ph + 16);
		s->paddr = rd64(ph + 24);
		s->filesz = rd64(ph + 32);
		s->memsz = rd64(ph + 40);
	} else {
		s->off = rd32(ph + 4);
		s->vaddr = rd32(ph + 8);
		s->paddr = rd32(ph + 12);
		s->filesz = rd32(ph + 16);
		s->memsz = rd32(ph + 20);
	}
	return rd32(ph);
}

/* The physical entry point: e_entry translated through its segment. */
static int elf_entry(const struct mb1_req *r, const struct elf_hdr *e, struct mb1_plan *p)
{
	for (unsigned int i = 0; i < p->nseg; i++) {
		const struct mb1_seg *s = &p->seg[i];

		if (e->entry >= s->vaddr && e->entry - s->vaddr < s->memsz) {
			p->entry = e->entry - s->vaddr + s->paddr;
			if (p->entry >= ENTRY_LIMIT)
				return mb1_fail(r,
						"entry point 0x%llx is above 4 GiB: a multiboot "
						"kernel starts in 32-bit mode",
						ull(p->entry));
			return 0;
		}
	}
	return mb1_fail(r, "entry point 0x%llx is not inside any loadable segment", ull(e->entry));
}

static int parse_elf(const struct mb1_req *r, struct mb1_plan *p)
{
	struct elf_hdr e = {0};
	struct mb1_seg s;

	if (read_ehdr(r, &e) || check_phdrs(r, &e))
		return -1;
	p->nseg = 0;
	for (uint32_t i = 0; i < e.phnum; i++) {
		const uint8_t *ph = r->img + e.phoff + (uint64_t)i * e.phentsize;

		if (read_phdr(ph, e.is64, &s) != ELF_PT_LOAD || s.memsz == 0)
			continue;
		if (p->nseg == MB1_MAX_SEGS)
			return mb1_fail(r, "ELF image has more than %u loadable segments",
					MB1_MAX_SEGS);
		p->seg[p->nseg++] = s;
	}
	if (p->nseg == 0)
		return mb1_fail(r, "ELF image has no loadable (PT_LOAD) segment");
	if (check_segs(r, p))
		return -1;
	return elf_entry(r, &e, p);
}

/* Validate the image and fill the plan; writes nothing. */
static int plan_image(const struct mb1_req *r, struct mb1_plan *p)
{
	static const uint8_t elf_magic[4] = {0x7f, 'E', 'L', 'F'};

	if (!find_header(r->img, r->len, &p->hdr_off))
		return mb1_fail(
		    r,
		    "no multiboot header (magic 0x1badb002 with a valid checksum) in the "
		    "first %u bytes",
		    MB1_SEARCH_LEN);
	p->flags = rd32(r->img + p->hdr_off + HDR_FLAGS);
	if (check_flags(r, p->flags))
		return -1;
	if (p->flags & MB1_FLAG_AOUT)
		return parse_aout(r, p) || check_segs(r, p) ? -1 : 0;
	if (r->len < 4 || memcmp(r->img, elf_magic, 4) != 0)
		return mb1_fail(r,
				"not an ELF image and header flag bit 16 (a.out kludge) is clear: "
				"cannot tell where to load it");
	return parse_elf(r, p);
}

static void load_segments(const struct mb1_req *r, const struct mb1_plan *p)
{
	for (unsigned int i = 0; i < p->nseg; i++) {
		const struct mb1_seg *s = &p->seg[i];
		uint8_t *dst = r->mem->host + s->paddr;

		if (s->filesz)
			memcpy(dst, r->img + s->off, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz); /* the bss */
	}
}

int mb1_load(const void *image, size_t len, const struct guest_mem *mem, const char *cmdline,
	     const struct loader_module *mods, uint32_t mod_count, struct mb1_boot *out, char *err,
	     size_t err_len)
{
	const struct mb1_req r = {image, len, mem, cmdline, mods, mod_count, err, err_len};
	struct mb1_plan plan = {0};
	struct mb1_layout lay = {0};

	if (err && err_len)
		err[0] = '\0';
	if (!image || !out)
		return mb1_fail(&r, "no image");
	if (!mem || !mem->host || mem->size <= HIGH_MEM_START)
		return mb1_fail(&r, "a multiboot guest needs more than 1 MiB of memory");
	if (plan_image(&r, &plan) || mb1_plan_info(&r, plan.end, &lay))
		return -1;
	load_segments(&r, &plan);
	mb1_write_info(&r, &lay);
	out->entry = (uint32_t)plan.entry;
	out->mbi = (uint32_t)lay.mbi;
	return 0;
}
