/*
 * test_mb1.c - host unit tests for guests/mb1.c (mb1_is_image, mb1_load).
 *
 * Each test builds a kernel image in memory (ELF32, ELF64 or the a.out
 * kludge), loads it into a malloc'd buffer standing in for guest RAM and
 * checks what landed where.  The ELF and multiboot information layouts below
 * are written from the ELF gABI and Multiboot 0.6.96 section 3.3 as packed
 * structures, independently of the loader's offset constants, so a wrong
 * offset in either shows up.  Guest memory is filled with 0xAA first, so a
 * refused image must leave every byte of it untouched and an unzeroed bss
 * shows up.
 *
 * Setting HV_MB1_SEEDS=DIR also writes the good images to DIR as seeds for
 * tests/fuzz_mb1.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/loader.h>
#include "test.h"

struct elf32_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version, entry, phoff, shoff, flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} __attribute__((packed));

struct elf32_phdr {
	uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
} __attribute__((packed));

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} __attribute__((packed));

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
} __attribute__((packed));

struct mb_header {
	uint32_t magic, flags, checksum;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
} __attribute__((packed));

struct mbi {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr, drives_length, drives_addr, config_table;
	uint32_t boot_loader_name, apm_table;
} __attribute__((packed));

struct mb_mmap {
	uint32_t size;
	uint64_t base, length;
	uint32_t type;
} __attribute__((packed));

struct mb_mod {
	uint32_t start, end, string, reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct elf32_ehdr) == 52, "ELF32 header layout");
_Static_assert(sizeof(struct elf32_phdr) == 32, "ELF32 phdr layout");
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header layout");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 phdr layout");
_Static_assert(sizeof(struct mb_mmap) == 24, "mmap entry layout");
_Static_assert(offsetof(struct mbi, mmap_length) == 44, "MBI layout");
_Static_assert(offsetof(struct mbi, boot_loader_name) == 64, "MBI layout");

#define MB_MAGIC 0x1BADB002u
#define IMG_MAX	 (64 * 1024)
#define MEM_SIZE (16u << 20)
#define HDR_OFF	 0x400	/* where the builders put the multiboot header */
#define DATA_OFF 0x1000 /* where segment file bytes start */
#define FILL	 0xAA

struct seg {
	uint64_t vaddr, paddr, filesz, memsz;
};

static uint8_t img[IMG_MAX];
static size_t img_len;
static struct guest_mem mem;
static uint8_t *mem_buf;
static struct mb1_boot boot;
static char err[256];

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + 3);
}

static void mem_reset(uint64_t size)
{
	free(mem_buf);
	mem_buf = malloc(size);
	memset(mem_buf, FILL, size);
	mem.host = mem_buf;
	mem.size = size;
}

static bool mem_untouched(void)
{
	for (uint64_t i = 0; i < mem.size; i++) {
		if (mem_buf[i] != FILL)
			return false;
	}
	return true;
}

static void put_header(size_t off, uint32_t flags)
{
	struct mb_header h = {.magic = MB_MAGIC, .flags = flags, .checksum = -(MB_MAGIC + flags)};

	memcpy(img + off, &h, 12);
}

/* img := an ELF32 i386 executable with the given PT_LOAD segments. */
static void build_elf32(const struct seg *s, unsigned int n, uint32_t entry, uint32_t mbflags)
{
	struct elf32_ehdr e = {.ident = {0x7f, 'E', 'L', 'F', 1, 1, 1},
			       .type = 2,
			       .machine = 3,
			       .version = 1,
			       .entry = entry,
			       .phoff = 52};
	size_t off = DATA_OFF;

	memset(img, 0, sizeof(img));
	e.ehsize = 52;
	e.phentsize = 32;
	e.phnum = (uint16_t)n;
	memcpy(img, &e, sizeof(e));
	for (unsigned int i = 0; i < n; i++) {
		struct elf32_phdr p = {1,
				       (uint32_t)off,
				       (uint32_t)s[i].vaddr,
				       (uint32_t)s[i].paddr,
				       (uint32_t)s[i].filesz,
				       (uint32_t)s[i].memsz,
				       7,
				       4096};

		memcpy(img + 52 + 32 * i, &p, sizeof(p));
		for (size_t k = 0; k < s[i].filesz && off + k < IMG_MAX; k++)
			img[off + k] = pattern(off + k);
		off += s[i].filesz;
	}
	put_header(HDR_OFF, mbflags);
	img_len = off;
}

/* img := an ELF64 x86-64 executable with the given PT_LOAD segments. */
static void build_elf64(const struct seg *s, unsigned int n, uint64_t entry)
{
	struct elf64_ehdr e = {.ident = {0x7f, 'E', 'L', 'F', 2, 1, 1},
			       .type = 2,
			       .machine = 62,
			       .version = 1,
			       .entry = entry,
			       .phoff = 64};
	size_t off = DATA_OFF;

	memset(img, 0, sizeof(img));
	e.ehsize = 64;
	e.phentsize = 56;
	e.phnum = (uint16_t)n;
	memcpy(img, &e, sizeof(e));
	for (unsigned int i = 0; i < n; i++) {
		struct elf64_phdr p = {.type = 1,
				       .flags = 7,
				       .offset = off,
				       .vaddr = s[i].vaddr,
				       .paddr = s[i].paddr,
				       .filesz = s[i].filesz,
				       .memsz = s[i].memsz};

		memcpy(img + 64 + 56 * i, &p, sizeof(p));
		for (size_t k = 0; k < s[i].filesz; k++)
			img[off + k] = pattern(off + k);
		off += s[i].filesz;
	}
	put_header(HDR_OFF, 0);
	img_len = off;
}

/* img := a flat a.out-kludge image of len bytes, header at HDR_OFF. */
static void build_aout(size_t len, uint32_t load, uint32_t load_end, uint32_t bss_end,
		       uint32_t entry)
{
	uint32_t flags = (1u << 16) | 3;
	struct mb_header h = {MB_MAGIC, flags, -(MB_MAGIC + flags), load + HDR_OFF, load, load_end,
			      bss_end,	entry};

	for (size_t i = 0; i < len; i++)
		img[i] = pattern(i);
	memcpy(img + HDR_OFF, &h, sizeof(h));
	img_len = len;
}

static int load(const char *cmdline, const struct loader_module *mods, uint32_t n)
{
	memset(&boot, 0, sizeof(boot));
	err[0] = 'x';
	return mb1_load(img, img_len, &mem, cmdline, mods, n, &boot, err, sizeof(err));
}

/* Loading must fail with a message containing want and leave memory alone. */
static void expect_error(const char *want)
{
	mem_reset(MEM_SIZE);
	CHECK_EQ(load("", NULL, 0), -1);
	if (!strstr(err, want))
		printf("  error was: %s\n  wanted:    %s\n", err, want);
	CHECK(strstr(err, want) != NULL);
	CHECK(mem_untouched());
}

static void *gpa(uint64_t a)
{
	return mem_buf + a;
}

static struct mbi get_mbi(void)
{
	struct mbi m;

	memcpy(&m, gpa(boot.mbi), sizeof(m));
	return m;
}

static void write_seed(const char *name)
{
	const char *dir = getenv("HV_MB1_SEEDS");
	char path[512];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f) {
		fwrite(img, 1, img_len, f);
		fclose(f);
	}
}

static void test_header_search(void)
{
	memset(img, 0, sizeof(img));
	img_len = 8192;
	CHECK(!mb1_is_image(img, img_len));
	put_header(8180, 0); /* the last place a 12-byte header fits */
	CHECK(mb1_is_image(img, img_len));
	CHECK(!mb1_is_image(img, 8191)); /* ...but not in a shorter file */
	memset(img, 0, sizeof(img));
	put_header(8184, 0); /* crosses the 8192-byte limit */
	CHECK(!mb1_is_image(img, IMG_MAX));
	memset(img, 0, sizeof(img));
	put_header(0x102, 0); /* not 4-byte aligned */
	CHECK(!mb1_is_image(img, IMG_MAX));
	memset(img, 0, sizeof(img));
	put_header(0x100, 0);
	img[0x108] ^= 1; /* bad checksum */
	CHECK(!mb1_is_image(img, IMG_MAX));
	CHECK(!mb1_is_image(NULL, 100));
	CHECK(!mb1_is_image(img, 0));
}

static void test_bad_checksum(void)
{
	struct seg s[] = {{0x100000, 0x100000, 0x100, 0x100}};

	build_elf32(s, 1, 0x100000, 0);
	img[HDR_OFF + 8] ^= 0x10;
	expect_error("no multiboot header");
}

static void test_elf32_basic(void)
{
	struct seg s[] = {{0x100000, 0x100000, 0x300, 0x300}, {0x102000, 0x102000, 0x20, 0x1800}};
	struct mbi m;
	struct mb_mmap mm[3];

	build_elf32(s, 2, 0x100010, 3);
	write_seed("elf32");
	mem_reset(MEM_SIZE);
	CHECK(mb1_is_image(img, img_len));
	CHECK_EQ(load("console=ttyS0 verbose", NULL, 0), 0);
	CHECK_STREQ(err, "");
	CHECK_EQ(boot.entry, 0x100010);
	CHECK(memcmp(gpa(0x100000), img + DATA_OFF, 0x300) == 0);
	CHECK(memcmp(gpa(0x102000), img + DATA_OFF + 0x300, 0x20) == 0);
	CHECK_EQ(*(uint8_t *)gpa(0x102020), 0); /* the bss is zeroed ... */
	CHECK_EQ(*(uint8_t *)gpa(0x1037ff), 0);
	CHECK_EQ(*(uint8_t *)gpa(0x100300), FILL); /* ... and nothing else */
	CHECK_EQ(*(uint8_t *)gpa(0x103800), FILL);
	CHECK_EQ(boot.mbi, 0x104000); /* first page at or above the kernel's end */
	m = get_mbi();
	CHECK_EQ(m.flags, (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9));
	CHECK_EQ(m.mem_lower, 639);
	CHECK_EQ(m.mem_upper, (MEM_SIZE - 0x100000) / 1024);
	CHECK_STREQ((char *)gpa(m.cmdline), "console=ttyS0 verbose");
	CHECK_STREQ((char *)gpa(m.boot_loader_name), "hv");
	CHECK_EQ(m.mods_count, 0);
	CHECK_EQ(m.boot_device, 0);
	CHECK_EQ(m.mmap_length, 3 * 24);
	memcpy(mm, gpa(m.mmap_addr), sizeof(mm));
	CHECK(mm[0].size == 20 && mm[0].base == 0 && mm[0].length == 0x9fc00 && mm[0].type == 1);
	CHECK(mm[1].size == 20 && mm[1].base == 0x9fc00 && mm[1].length == 0x60400 &&
	      mm[1].type == 2);
	CHECK(mm[2].size == 20 && mm[2].base == 0x100000 && mm[2].length == MEM_SIZE - 0x100000 &&
	      mm[2].type == 1);
	CHECK(m.mmap_addr >= boot.mbi && m.cmdline >= boot.mbi);
}

/* A higher-half kernel: linked at 0xC0100000, loaded at 1 MiB. */
static void test_elf32_entry_translation(void)
{
	struct seg s[] = {{0xC0100000, 0x100000, 0x200, 0x200}};

	build_elf32(s, 1, 0xC0100040, 0);
	mem_reset(MEM_SIZE);
	CHECK_EQ(load(NULL, NULL, 0), 0);
	CHECK_EQ(boot.entry, 0x100040);
	CHECK_STREQ((char *)gpa(get_mbi().cmdline), ""); /* no command line: an empty one */
	build_elf32(s, 1, 0x100040, 0);
	expect_error("entry point 0x100040 is not inside any loadable segment");
}

static void test_elf32_low_kernel(void)
{
	struct seg s[] = {{0x10000, 0x10000, 0x100, 0x100}};

	build_elf32(s, 1, 0x10000, 0);
	mem_reset(MEM_SIZE);
	CHECK_EQ(load("", NULL, 0), 0);
	CHECK_EQ(boot.mbi, 0x100000); /* never in the reserved range below 1 MiB */
}

static void test_elf64(void)
{
	struct seg s[] = {{0xffffffff80100000ull, 0x100000, 0x100, 0x1000}};

	build_elf64(s, 1, 0xffffffff80100020ull);
	write_seed("elf64");
	mem_reset(MEM_SIZE);
	CHECK_EQ(load("", NULL, 0), 0);
	CHECK_EQ(boot.entry, 0x100020);
	CHECK(memcmp(gpa(0x100000), img + DATA_OFF, 0x100) == 0);
	CHECK_EQ(*(uint8_t *)gpa(0x100fff), 0);
	/* 64-bit overflow: paddr + memsz wraps */
	s[0].paddr = 0xfffffffffffff000ull;
	s[0].memsz = 0x2000;
	build_elf64(s, 1, 0xffffffff80100020ull);
	expect_error("does not fit in 16 MiB of guest memory");
	s[0].paddr = 0x100000;
	s[0].memsz = 0x1000;
	build_elf64(s, 1, 0xffffffff80100020ull);
	img[18] = 3; /* ELF64 claiming i386 */
	expect_error("ELF machine 3 is not x86-64");
}

static void test_aout(void)
{
	build_aout(0x3000, 0x200000, 0x202000, 0x205000, 0x200100);
	write_seed("aout");
	mem_reset(MEM_SIZE);
	CHECK_EQ(load("", NULL, 0), 0);
	CHECK_EQ(boot.entry, 0x200100);
	CHECK(memcmp(gpa(0x200000), img, 0x2000) == 0); /* load_end_addr limits the text */
	CHECK_EQ(*(uint8_t *)gpa(0x202000), 0);
	CHECK_EQ(*(uint8_t *)gpa(0x204fff), 0);
	CHECK_EQ(boot.mbi, 0x205000);
	/* load_end_addr 0: the whole file; bss_end_addr 0: no bss */
	build_aout(0x3000, 0x200000, 0, 0, 0x200100);
	mem_reset(MEM_SIZE);
	CHECK_EQ(load("", NULL, 0), 0);
	CHECK(memcmp(gpa(0x200000), img, 0x3000) == 0);
	CHECK_EQ(boot.mbi, 0x203000);
	/* the kludge wins over an ELF header (spec 3.1.3) */
	img[0] = 0x7f;
	CHECK_EQ(load("", NULL, 0), 0);
}

static void test_aout_errors(void)
{
	build_aout(0x3000, 0x200000, 0x202000, 0x205000, 0x206000);
	expect_error("entry_addr 0x206000 is outside the image");
	build_aout(0x3000, 0x200000, 0x202000, 0x201000, 0x200100);
	expect_error("bss_end_addr 0x201000 is below the end of the text");
	build_aout(0x3000, 0x200000, 0x204000, 0, 0x200100);
	expect_error("load_end_addr 0x204000 needs 0x4000 bytes");
	build_aout(0x3000, 0x200000, 0x1ff000, 0, 0x200100);
	expect_error("load_end_addr 0x1ff000 is not above load_addr");
	build_aout(0x3000, 0x200000, 0x200100, 0, 0x200010);
	expect_error("header_addr 0x200400 is not inside the loaded text");
	build_aout(0x3000, 0x200000, 0, 0xffffffff, 0x200100);
	expect_error("does not fit in 16 MiB of guest memory");
	/* header_addr below load_addr */
	build_aout(0x3000, 0x200000, 0, 0, 0x200100);
	memcpy(img + HDR_OFF + 12, &(uint32_t){0x1ff000}, 4);
	expect_error("load_addr 0x200000 is above header_addr 0x1ff000");
	/* load_addr further before the header than the file has bytes */
	memcpy(img + HDR_OFF + 12, &(uint32_t){0x201000}, 4);
	expect_error("starts 0x1000 bytes before the header");
	/* the address fields are cut off by the end of the file */
	build_aout(0x3000, 0x200000, 0, 0, 0x200100);
	img_len = HDR_OFF + 20;
	expect_error("run past the end of the 1044-byte image");
	/* in page 0 */
	build_aout(0x3000, 0, 0, 0, 0x100);
	expect_error("is not inside loadable guest RAM");
}

static void test_flags(void)
{
	struct seg s[] = {{0x100000, 0x100000, 0x100, 0x100}};

	build_elf32(s, 1, 0x100000, 1u << 2);
	expect_error("video mode requested");
	build_elf32(s, 1, 0x100000, 1u << 3);
	expect_error("required bits 0x8");
	build_elf32(s, 1, 0x100000, 1u << 20); /* optional bits are ignored */
	mem_reset(MEM_SIZE);
	CHECK_EQ(load("", NULL, 0), 0);
}

static void test_truncated(void)
{
	struct seg s[] = {{0x100000, 0x100000, 0x100, 0x100}};
	struct elf32_ehdr *e = (struct elf32_ehdr *)img;

	build_elf32(s, 1, 0x100000, 0);
	img_len = 40;
	CHECK_EQ(load("", NULL, 0), -1); /* too short to even hold the header */
	build_elf32(s, 1, 0x100000, 0);
	img_len = DATA_OFF + 0x80; /* the segment's file bytes are cut */
	expect_error("run past the end of the 4224-byte image");
	build_elf32(s, 1, 0x100000, 0);
	e->phoff = 0xfffffff0; /* phdr table outside (and overflowing) */
	expect_error("ELF program headers [0xfffffff0, +0x20) run past the end");
	build_elf32(s, 1, 0x100000, 0);
	e->phentsize = 16;
	expect_error("ELF program header size 16 is below 32");
	build_elf32(s, 1, 0x100000, 0);
	e->phnum = 0;
	expect_error("no program headers");
	build_elf32(s, 1, 0x100000, 0);
	e->phnum = 0xffff;
	expect_error("65535 program headers");
	build_elf32(s, 1, 0x100000, 0);
	e->type = 3;
	expect_error("ELF type 3 is not an executable");
	build_elf32(s, 1, 0x100000, 0);
	e->ident[5] = 2;
	expect_error("not a little-endian");
	build_elf32(s, 1, 0x100000, 0);
	img[0] = 0;
	expect_error("not an ELF image");
	build_elf32(s, 1, 0x100000, 0);
	((struct elf32_phdr *)(img + 52))->type = 4; /* PT_NOTE only */
	expect_error("no loadable (PT_LOAD) segment");
}

static void test_segments_outside(void)
{
	struct seg s[] = {{0xf00000, 0xf00000, 0x100, 0x200000}};

	build_elf32(s, 1, 0xf00000, 0);
	expect_error("segment at 0xf00000 (0x200000 bytes) does not fit in 16 MiB of guest memory");
	s[0] = (struct seg){0, 0, 0x100, 0x100};
	build_elf32(s, 1, 0x10, 0);
	expect_error("segment at 0x0 (0x100 bytes) is not inside loadable guest RAM");
	s[0] = (struct seg){0xa0000, 0xa0000, 0x100, 0x100};
	build_elf32(s, 1, 0xa0000, 0);
	expect_error("is not inside loadable guest RAM");
	s[0] = (struct seg){0x9f000, 0x9f000, 0x100, 0x1000}; /* crosses 0x9fc00 */
	build_elf32(s, 1, 0x9f000, 0);
	expect_error("is not inside loadable guest RAM");
	s[0] = (struct seg){0xfffff000, 0xfffff000, 0x100, 0x2000}; /* wraps 32 bits */
	build_elf32(s, 1, 0xfffff000, 0);
	expect_error("does not fit in 16 MiB");
	s[0] = (struct seg){0x100000, 0x100000, 0x200, 0x100};
	build_elf32(s, 1, 0x100000, 0);
	expect_error("file size 0x200 exceeds memory size 0x100");
	/* p_offset + p_filesz overflows 32 bits */
	s[0] = (struct seg){0x100000, 0x100000, 0x100, 0x100};
	build_elf32(s, 1, 0x100000, 0);
	((struct elf32_phdr *)(img + 52))->offset = 0xffffff80;
	expect_error("run past the end");
}

static void test_overlap(void)
{
	struct seg s[] = {{0x100000, 0x100000, 0x100, 0x2000}, {0x101000, 0x101000, 0x10, 0x10}};

	build_elf32(s, 2, 0x100000, 0);
	expect_error("segments at 0x100000 and 0x101000 overlap");
}

static void test_modules(void)
{
	static uint8_t a[5] = {1, 2, 3, 4, 5}, b[4097];
	struct loader_module mods[] = {
	    {a, sizeof(a), "first.bin arg"}, {b, sizeof(b), NULL}, {NULL, 0, "empty"}};
	struct seg s[] = {{0x100000, 0x100000, 0x100, 0x100}};
	struct mb_mod list[3];
	struct mbi m;
	uint32_t info_end;

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = pattern(i);
	build_elf32(s, 1, 0x100000, 1);
	mem_reset(MEM_SIZE);
	CHECK_EQ(load("cmd", mods, 3), 0);
	m = get_mbi();
	CHECK_EQ(m.mods_count, 3);
	memcpy(list, gpa(m.mods_addr), sizeof(list));
	info_end = m.mods_addr + sizeof(list);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(list[i].start % 4096, 0);
		CHECK(list[i].start >= info_end);
		CHECK_EQ(list[i].end - list[i].start, mods[i].len);
		CHECK_EQ(list[i].reserved, 0);
		if (i)
			CHECK(list[i].start >= list[i - 1].end);
	}
	CHECK(memcmp(gpa(list[0].start), a, sizeof(a)) == 0);
	CHECK(memcmp(gpa(list[1].start), b, sizeof(b)) == 0);
	CHECK_STREQ((char *)gpa(list[0].string), "first.bin arg");
	CHECK_STREQ((char *)gpa(list[1].string), "");
	CHECK_STREQ((char *)gpa(list[2].string), "empty");
	CHECK_STREQ((char *)gpa(m.cmdline), "cmd");
}

static void test_modules_errors(void)
{
	static uint8_t big[1];
	struct loader_module mods[] = {{big, 15u << 20, "huge"}};
	struct seg s[] = {{0x100000, 0x100000, 0x100, 0x100}};
	static char longstr[5000];

	build_elf32(s, 1, 0x100000, 0);
	mem_reset(MEM_SIZE);
	CHECK_EQ(load("", mods, 1), -1); /* 15 MiB after the kernel in a 16 MiB guest */
	CHECK(strstr(err, "module 0 ('huge', 15728640 bytes) does not fit") != NULL);
	CHECK(mem_untouched());
	memset(longstr, 'x', sizeof(longstr) - 1);
	CHECK_EQ(load(longstr, NULL, 0), -1);
	CHECK(strstr(err, "command line longer than 4096 bytes") != NULL);
	CHECK_EQ(load("", NULL, 65), -1);
	CHECK(strstr(err, "65 modules") != NULL);
	mods[0] = (struct loader_module){NULL, 10, "x"};
	CHECK_EQ(load("", mods, 1), -1);
	CHECK(strstr(err, "module 0 has no data") != NULL);
	CHECK(mem_untouched());
}

static void test_small_memory(void)
{
	struct seg s[] = {{0x10000, 0x10000, 0x100, 0x100}};

	build_elf32(s, 1, 0x10000, 0);
	mem_reset(1u << 20);
	CHECK_EQ(load("", NULL, 0), -1);
	CHECK(strstr(err, "more than 1 MiB") != NULL);
	mem_reset((1u << 20) + 4096); /* exactly one page above 1 MiB: the MBI fits */
	CHECK_EQ(load("", NULL, 0), 0);
	CHECK_EQ(get_mbi().mem_upper, 4);
	/* a kernel reaching the top of memory leaves no room for the MBI */
	s[0] = (struct seg){0x100000, 0x100000, 0x100, 0x1000};
	build_elf32(s, 1, 0x100000, 0);
	CHECK_EQ(load("", NULL, 0), -1);
	CHECK(strstr(err, "boot information at 0x101000") != NULL);
}

static void test_null_err(void)
{
	struct seg s[] = {{0x100000, 0x100000, 0x100, 0x100}};

	build_elf32(s, 1, 0x100000, 1u << 2);
	mem_reset(MEM_SIZE);
	CHECK_EQ(mb1_load(img, img_len, &mem, "", NULL, 0, &boot, NULL, 0), -1);
	CHECK_EQ(mb1_load(img, img_len, &mem, "", NULL, 0, &boot, err, 1), -1);
	CHECK_EQ(err[0], 0);
	CHECK_EQ(mb1_load(NULL, 0, &mem, "", NULL, 0, &boot, err, sizeof(err)), -1);
	CHECK_EQ(mb1_load(img, img_len, NULL, "", NULL, 0, &boot, err, sizeof(err)), -1);
}

int main(void)
{
	RUN(test_header_search);
	RUN(test_bad_checksum);
	RUN(test_elf32_basic);
	RUN(test_elf32_entry_translation);
	RUN(test_elf32_low_kernel);
	RUN(test_elf64);
	RUN(test_aout);
	RUN(test_aout_errors);
	RUN(test_flags);
	RUN(test_truncated);
	RUN(test_segments_outside);
	RUN(test_overlap);
	RUN(test_modules);
	RUN(test_modules_errors);
	RUN(test_small_memory);
	RUN(test_null_err);
	free(mem_buf);
	return test_summary();
}
