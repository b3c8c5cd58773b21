/*
 * mb1_parse.c - the multiboot (version 1) boot information (Multiboot
 * Specification 0.6.96, section 3.3) translated into a struct boot_info.
 *
 * Pure: everything is read through the map callback, so the host unit test
 * (tests/test_mb1info.c) feeds it fake structures.  The loader's structure
 * is input like any other: each field is used only when its flag says it is
 * valid, and each pointer only after the range behind it is readable.  A
 * malformed part is reported and skipped; the rest is still used.
 */
#include <hv/lib.h>
#include "boot/mb1.h"

/* What one parse needs besides the boot_info it fills. */
struct mb1_ctx {
	mb1_map_fn map;
	void *map_ctx;
	void (*warn)(const char *msg);
	bool mem_overflow_warned;
};

__printf(2, 3) static void mb1_warn(struct mb1_ctx *c, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (!c->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->warn(msg);
}

/* Physical addresses in v1 are 32-bit; len > 0. */
static const uint8_t *mb1_map(struct mb1_ctx *c, uint64_t phys, uint64_t len)
{
	if (phys == 0 || len == 0 || phys + len > 4 * GiB)
		return NULL;
	return c->map(phys, len, c->map_ctx);
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Append a range, merging it with the previous one when they touch. */
static void mem_add(struct mb1_ctx *c, struct boot_info *bi, uint64_t base, uint64_t len,
		    uint32_t type)
{
	struct mem_range *prev = bi->mem_count ? &bi->mem[bi->mem_count - 1] : NULL;

	if (len == 0)
		return;
	if (base + len < base) {
		mb1_warn(c, "memory range at %#llx wraps around; ignored",
			 (unsigned long long)base);
		return;
	}
	if (prev && prev->type == type && prev->base + prev->len == base) {
		prev->len += len;
		return;
	}
	if (bi->mem_count == BOOT_MAX_MEM_RANGES) {
		if (!c->mem_overflow_warned)
			mb1_warn(c, "more than %u memory ranges; ignoring the rest",
				 BOOT_MAX_MEM_RANGES);
		c->mem_overflow_warned = true;
		return;
	}
	bi->mem[bi->mem_count++] = (struct mem_range){.base = base, .len = len, .type = type};
}

/*
 * Copy the C string at phys into dst[size], one mapped byte at a time (its
 * length is unknown, and the bytes behind it may not be readable).  Returns
 * false when a byte is unreadable; a string too long is cut, with a warning.
 */
static bool copy_string(struct mb1_ctx *c, uint32_t phys, char *dst, size_t size, const char *what)
{
	size_t n = 0;

	for (;;) {
		const uint8_t *p = mb1_map(c, (uint64_t)phys + n, 1);

		if (!p) {
			mb1_warn(c, "%s at %#x is unreadable; ignored", what, phys);
			dst[0] = '\0';
			return false;
		}
		if (*p == '\0')
			break;
		if (n + 1 == size) {
			mb1_warn(c, "%s longer than %zu bytes; truncated", what, size - 1);
			break;
		}
		dst[n++] = (char)*p;
	}
	dst[n] = '\0';
	return true;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* The first word of s and its length; *rest points behind its blanks. */
static size_t first_word(const char *s, const char **rest)
{
	size_t n = 0;

	while (s[n] && !is_blank(s[n]))
		n++;
	*rest = s + n;
	while (is_blank(**rest))
		(*rest)++;
	return n;
}

/* Remove leading and trailing blanks of s in place. */
static void trim(char *s)
{
	size_t start = 0, end = strlen(s);

	while (is_blank(s[start]))
		start++;
	while (end > start && is_blank(s[end - 1]))
		end--;
	memmove(s, s + start, end - start);
	s[end - start] = '\0';
}

/* The loader put the kernel's file name first: drop it, unless the first
 * word has a '=', which makes it one of our options. */
static void strip_kernel_name(char *cmdline)
{
	const char *rest;
	size_t n;

	trim(cmdline);
	n = first_word(cmdline, &rest);
	for (size_t i = 0; i < n; i++) {
		if (cmdline[i] == '=')
			return;
	}
	memmove(cmdline, rest, strlen(rest) + 1);
}

/* "FILE NAME..." names the module NAME...; "FILE" alone names it FILE. */
static void module_name_from_string(char *s)
{
	const char *rest;

	trim(s);
	first_word(s, &rest);
	if (*rest)
		memmove(s, rest, strlen(rest) + 1);
}

/* flags bit 6: size-prefixed entries in [mmap_addr, mmap_addr + mmap_length). */
static void parse_mmap(struct mb1_ctx *c, struct boot_info *bi, uint32_t addr, uint32_t len)
{
	const uint8_t *map = mb1_map(c, addr, len);
	uint32_t off = 0;

	if (!map) {
		mb1_warn(c, "memory map at %#x (%u bytes) is unreadable; ignored", addr, len);
		return;
	}
	while (len - off >= 4) {
		uint32_t size = rd32(map + off);
		const uint8_t *e = map + off + 4;

		if (size < MB1_MMAP_MIN_SIZE || size > len - off - 4) {
			mb1_warn(c, "memory map entry at offset %u has bad size %u; rest ignored",
				 off, size);
			return;
		}
		mem_add(c, bi, rd64(e), rd64(e + 8), boot_mem_type_from_e820(rd32(e + 16)));
		off += size + 4;
	}
}

/* flags bit 0: KiB of low memory from 0 and of upper memory from 1 MiB. */
static void parse_mem(struct mb1_ctx *c, struct boot_info *bi, const uint8_t *info)
{
	uint64_t lower = (uint64_t)rd32(info + MB1_INFO_OFF_MEM_LOWER) * KiB;
	uint64_t upper = (uint64_t)rd32(info + MB1_INFO_OFF_MEM_UPPER) * KiB;

	/* The spec caps mem_lower at 640 KiB; more would overlap the BIOS area. */
	if (lower > 640 * KiB) {
		mb1_warn(c, "mem_lower %llu KiB is above 640 KiB; capped",
			 (unsigned long long)(lower / KiB));
		lower = 640 * KiB;
	}
	mem_add(c, bi, 0, lower, MEM_USABLE);
	mem_add(c, bi, 1 * MiB, upper, MEM_USABLE);
}

/* flags bit 3: mods_count entries of 16 bytes at mods_addr. */
static void parse_mods(struct mb1_ctx *c, struct boot_info *bi, uint32_t addr, uint32_t count)
{
	const uint8_t *mods;

	if (count > BOOT_MAX_MODULES) {
		mb1_warn(c, "%u modules; only the first %u used", count, BOOT_MAX_MODULES);
		count = BOOT_MAX_MODULES;
	}
	if (count == 0)
		return;
	mods = mb1_map(c, addr, (uint64_t)count * MB1_MOD_SIZE);
	if (!mods) {
		mb1_warn(c, "module list at %#x is unreadable; no modules", addr);
		return;
	}
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *m = mods + i * MB1_MOD_SIZE;
		uint32_t start = rd32(m), end = rd32(m + 4), str = rd32(m + 8);
		struct boot_module *bm = &bi->modules[bi->module_count];

		if (end < start) {
			mb1_warn(c, "module %u ends (%#x) before it starts (%#x); ignored", i, end,
				 start);
			continue;
		}
		bm->start = start;
		bm->end = end;
		bm->name[0] = '\0';
		if (str)
			copy_string(c, str, bm->name, sizeof(bm->name), "module string");
		module_name_from_string(bm->name);
		bi->module_count++;
	}
}

bool mb1info_parse(uint32_t info_phys, mb1_map_fn map, void *ctx, struct boot_info *bi,
		   void (*warn)(const char *msg))
{
	struct mb1_ctx c = {.map = map, .map_ctx = ctx, .warn = warn};
	const uint8_t *info = mb1_map(&c, info_phys, MB1_INFO_MIN_SIZE);
	uint32_t flags;

	bi->method = BOOT_MULTIBOOT1;
	bi->rsdp = 0; /* v1 has no RSDP: platform_init searches the BIOS areas */
	if (!info) {
		mb1_warn(&c, "boot information at %#x is unreadable", info_phys);
		return false;
	}
	flags = rd32(info + MB1_INFO_OFF_FLAGS);
	if (flags & MB1_INFO_CMDLINE) {
		uint32_t cmd = rd32(info + MB1_INFO_OFF_CMDLINE);

		if (cmd && copy_string(&c, cmd, bi->cmdline, sizeof(bi->cmdline), "command line"))
			strip_kernel_name(bi->cmdline);
	}
	if (flags & MB1_INFO_MODS)
		parse_mods(&c, bi, rd32(info + MB1_INFO_OFF_MODS_ADDR),
			   rd32(info + MB1_INFO_OFF_MODS_COUNT));
	if (flags & MB1_INFO_MMAP)
		parse_mmap(&c, bi, rd32(info + MB1_INFO_OFF_MMAP_ADDR),
			   rd32(info + MB1_INFO_OFF_MMAP_LEN));
	if (bi->mem_count == 0 && (flags & MB1_INFO_MEM))
		parse_mem(&c, bi, info);
	if (bi->mem_count == 0) {
		mb1_warn(&c, "no memory information (flags %#x)", flags);
		return false;
	}
	return true;
}
