/*
 * mb1_info.c - the multiboot information structure (Multiboot 0.6.96 3.3)
 * for guests/mb1.c: where it and the modules go, and writing it.
 *
 * mb1_plan_info() decides every address and checks that it all fits before
 * mb1_write_info() writes anything, so a refused load leaves guest memory
 * untouched.  Layout, from the first page at or above both 1 MiB and the
 * kernel's end: the MBI (128 bytes), three memory map entries, the boot
 * loader name "hv", the command line, the module list (16-byte aligned),
 * the module strings; then each module on its own page boundary.  The map
 * shows the guest's own RAM: [0, 0x9fc00) and [1 MiB, size) available,
 * [0x9fc00, 1 MiB) reserved, like a PC's EBDA/VGA/BIOS hole.
 */
#include <hv/lib.h>
#include "guests/mb1_internal.h"

/* Multiboot information structure (3.3) */
#define MBI_FLAG_MEM	 BIT(0)
#define MBI_FLAG_CMDLINE BIT(2)
#define MBI_FLAG_MODS	 BIT(3)
#define MBI_FLAG_MMAP	 BIT(6)
#define MBI_FLAG_LOADER	 BIT(9)
#define MBI_FLAGS	 0
#define MBI_MEM_LOWER	 4
#define MBI_MEM_UPPER	 8
#define MBI_CMDLINE	 16
#define MBI_MODS_COUNT	 20
#define MBI_MODS_ADDR	 24
#define MBI_MMAP_LENGTH	 44
#define MBI_MMAP_ADDR	 48
#define MBI_LOADER_NAME	 64
#define MBI_LEN		 128 /* 116 bytes in 0.6.96 (up to the framebuffer), rounded */
#define MMAP_ENTRY_LEN	 24  /* size field + base, length, type */
#define MMAP_ENTRIES	 3
#define MMAP_AVAILABLE	 1
#define MMAP_RESERVED	 2
#define MOD_ENTRY_LEN	 16 /* mod_start, mod_end, string, reserved */
#define LOADER_NAME	 "hv"
#define INFO_LIMIT	 (4 * GiB - PAGE_SIZE) /* so that even mod_end fits 32 bits */

static unsigned long long ull(uint64_t v)
{
	return (unsigned long long)v;
}

/* Length of s (NULL counts as ""), or -1 when longer than MB1_MAX_STRING. */
static long string_len(const char *s)
{
	size_t n = s ? strnlen(s, MB1_MAX_STRING + 1) : 0;

	return n > MB1_MAX_STRING ? -1 : (long)n;
}

/* Step cur by n, failing when the result passes limit. */
static bool advance(uint64_t *cur, uint64_t n, uint64_t limit)
{
	if (*cur > limit || n > limit - *cur)
		return false;
	*cur += n;
	return true;
}

static int plan_modules(const struct mb1_req *r, struct mb1_layout *l, uint64_t *cur,
			uint64_t limit)
{
	char sz[32];

	for (uint32_t i = 0; i < r->mod_count; i++) {
		const struct loader_module *m = &r->mods[i];

		if (!m->data && m->len)
			return mb1_fail(r, "module %u has no data", i);
		*cur = ALIGN_UP(*cur, PAGE_SIZE);
		l->mod_at[i] = *cur;
		if (!advance(cur, m->len, limit))
			return mb1_fail(r,
					"module %u ('%.40s', %zu bytes) does not fit: the boot "
					"modules must end below 0x%llx (%s of guest memory)",
					i, m->string ? m->string : "", m->len, ull(limit),
					mb1_size_str(sz, sizeof(sz), r->mem->size));
	}
	return 0;
}

int mb1_plan_info(const struct mb1_req *r, uint64_t kernel_end, struct mb1_layout *l)
{
	uint64_t limit = MIN(r->mem->size, INFO_LIMIT);
	uint64_t cur = MAX(ALIGN_UP(kernel_end, PAGE_SIZE), HIGH_MEM_START);
	long n = string_len(r->cmdline);

	if (n < 0)
		return mb1_fail(r, "command line longer than %u bytes", MB1_MAX_STRING);
	if (r->mod_count > MB1_MAX_MODS)
		return mb1_fail(r, "%u modules (at most %u)", r->mod_count, MB1_MAX_MODS);
	if (r->mod_count && !r->mods)
		return mb1_fail(r, "%u modules but no module list", r->mod_count);
	l->cmdline_len = (size_t)n;
	l->mbi = cur;
	l->mmap = cur + MBI_LEN;
	l->name = l->mmap + MMAP_ENTRIES * MMAP_ENTRY_LEN;
	l->cmdline = l->name + sizeof(LOADER_NAME);
	l->mods = ALIGN_UP(l->cmdline + l->cmdline_len + 1, 16);
	l->strs = l->mods + (uint64_t)r->mod_count * MOD_ENTRY_LEN;
	cur = l->strs;
	for (uint32_t i = 0; i < r->mod_count; i++) {
		n = string_len(r->mods[i].string);
		if (n < 0)
			return mb1_fail(r, "module %u: string longer than %u bytes", i,
					MB1_MAX_STRING);
		cur += (uint64_t)n + 1;
	}
	l->info_end = cur;
	if (cur > limit)
		return mb1_fail(r,
				"boot information at 0x%llx (above the kernel, which ends at "
				"0x%llx) does not fit below 0x%llx",
				ull(l->mbi), ull(kernel_end), ull(limit));
	return plan_modules(r, l, &cur, limit);
}

static void put32(const struct guest_mem *mem, uint64_t gpa, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};

	memcpy(mem->host + gpa, b, sizeof(b));
}

static void put64(const struct guest_mem *mem, uint64_t gpa, uint64_t v)
{
	put32(mem, gpa, (uint32_t)v);
	put32(mem, gpa + 4, (uint32_t)(v >> 32));
}

static void put_mmap(const struct guest_mem *mem, uint64_t gpa, uint64_t base, uint64_t len,
		     uint32_t type)
{
	put32(mem, gpa, MMAP_ENTRY_LEN - 4); /* "size" excludes itself */
	put64(mem, gpa + 4, base);
	put64(mem, gpa + 12, len);
	put32(mem, gpa + 20, type);
}

static void put_str(const struct guest_mem *mem, uint64_t gpa, const char *s, size_t n)
{
	if (n)
		memcpy(mem->host + gpa, s, n);
	mem->host[gpa + n] = '\0';
}

static void write_modules(const struct mb1_req *r, const struct mb1_layout *l)
{
	const struct guest_mem *mem = r->mem;
	uint64_t str = l->strs;

	for (uint32_t i = 0; i < r->mod_count; i++) {
		const struct loader_module *m = &r->mods[i];
		size_t n = (size_t)string_len(m->string);
		uint64_t e = l->mods + (uint64_t)i * MOD_ENTRY_LEN;

		put32(mem, e, (uint32_t)l->mod_at[i]);
		put32(mem, e + 4, (uint32_t)(l->mod_at[i] + m->len));
		put32(mem, e + 8, (uint32_t)str);
		put32(mem, e + 12, 0);
		put_str(mem, str, m->string, n);
		str += n + 1;
		if (m->len)
			memcpy(mem->host + l->mod_at[i], m->data, m->len);
	}
}

void mb1_write_info(const struct mb1_req *r, const struct mb1_layout *l)
{
	const struct guest_mem *mem = r->mem;
	uint64_t upper = (mem->size - HIGH_MEM_START) / KiB;

	memset(mem->host + l->mbi, 0, l->info_end - l->mbi);
	put32(mem, l->mbi + MBI_FLAGS,
	      MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MODS | MBI_FLAG_MMAP | MBI_FLAG_LOADER);
	put32(mem, l->mbi + MBI_MEM_LOWER, LOW_MEM_END / KiB);
	put32(mem, l->mbi + MBI_MEM_UPPER, (uint32_t)MIN(upper, (uint64_t)UINT32_MAX));
	put32(mem, l->mbi + MBI_CMDLINE, (uint32_t)l->cmdline);
	put32(mem, l->mbi + MBI_MODS_COUNT, r->mod_count);
	put32(mem, l->mbi + MBI_MODS_ADDR, (uint32_t)l->mods);
	put32(mem, l->mbi + MBI_MMAP_LENGTH, MMAP_ENTRIES * MMAP_ENTRY_LEN);
	put32(mem, l->mbi + MBI_MMAP_ADDR, (uint32_t)l->mmap);
	put32(mem, l->mbi + MBI_LOADER_NAME, (uint32_t)l->name);
	put_mmap(mem, l->mmap, 0, LOW_MEM_END, MMAP_AVAILABLE);
	put_mmap(mem, l->mmap + MMAP_ENTRY_LEN, LOW_MEM_END, HIGH_MEM_START - LOW_MEM_END,
		 MMAP_RESERVED);
	put_mmap(mem, l->mmap + 2 * MMAP_ENTRY_LEN, HIGH_MEM_START, mem->size - HIGH_MEM_START,
		 MMAP_AVAILABLE);
	put_str(mem, l->name, LOADER_NAME, sizeof(LOADER_NAME) - 1);
	put_str(mem, l->cmdline, r->cmdline, l->cmdline_len);
	write_modules(r, l);
}
