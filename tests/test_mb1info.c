/*
 * test_mb1info.c - unit tests of the multiboot v1 boot information parser
 * (boot/mb1_parse.c) and of the legacy RSDP search (drivers/acpi_rsdp.c),
 * both on fake physical memory: flags gating, the size-prefixed memory map,
 * modules and their strings, the kernel-name convention, and every malformed
 * structure turning into a warning instead of a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/platform.h>
#include "boot/mb1.h"
#include "test.h"

/* Fake physical memory [0, MEM_SIZE). */
#define MEM_SIZE (2 * 1024 * 1024)
static uint8_t *mem;
static struct boot_info bi;
static char warnings[4096];

static const void *fake_map(uint64_t phys, uint64_t len, void *ctx)
{
	(void)ctx;
	if (phys >= MEM_SIZE || len > MEM_SIZE - phys)
		return NULL;
	return mem + phys;
}

static void collect(const char *msg)
{
	strncat(warnings, msg, sizeof(warnings) - strlen(warnings) - 2);
	strcat(warnings, "\n");
}

static void put32(uint64_t a, uint32_t v)
{
	memcpy(mem + a, &v, 4);
}

static void put64(uint64_t a, uint64_t v)
{
	memcpy(mem + a, &v, 8);
}

#define INFO 0x1000
#define MMAP 0x2000
#define MODS 0x3000
#define STRS 0x4000

static void reset(void)
{
	memset(mem, 0, MEM_SIZE);
	memset(&bi, 0, sizeof(bi));
	warnings[0] = '\0';
}

static bool parse(void)
{
	return mb1info_parse(INFO, fake_map, NULL, &bi, collect);
}

/* One mmap entry at a; returns the next entry's address. */
static uint64_t put_mmap(uint64_t a, uint32_t size, uint64_t base, uint64_t len, uint32_t type)
{
	put32(a, size);
	put64(a + 4, base);
	put64(a + 12, len);
	put32(a + 20, type);
	return a + 4 + size;
}

static void test_mmap(void)
{
	uint64_t a = MMAP;

	reset();
	a = put_mmap(a, 20, 0, 0x9f000, 1);
	a = put_mmap(a, 24, 0x100000, 0x1ff00000, 1); /* larger entry: size field is honoured */
	a = put_mmap(a, 20, 0x20000000, 0x1000, 1);   /* touches the previous one: merged */
	a = put_mmap(a, 20, 0xfffc0000, 0x40000, 2);
	put32(INFO, MB1_INFO_MMAP | MB1_INFO_MEM);
	put32(INFO + MB1_INFO_OFF_MEM_LOWER, 1); /* ignored: the mmap wins */
	put32(INFO + MB1_INFO_OFF_MMAP_ADDR, MMAP);
	put32(INFO + MB1_INFO_OFF_MMAP_LEN, (uint32_t)(a - MMAP));
	CHECK(parse());
	CHECK_EQ(bi.method, BOOT_MULTIBOOT1);
	CHECK_EQ(bi.rsdp, 0);
	CHECK_EQ(bi.mem_count, 3);
	CHECK_EQ(bi.mem[0].len, 0x9f000);
	CHECK_EQ(bi.mem[1].base, 0x100000);
	CHECK_EQ(bi.mem[1].len, 0x1ff01000);
	CHECK_EQ(bi.mem[2].type, MEM_RESERVED);
	CHECK_STREQ(warnings, "");
}

static void test_mmap_malformed(void)
{
	uint64_t a = MMAP;

	reset();
	a = put_mmap(a, 20, 0x100000, 0x100000, 1);
	put32(a, 1000); /* runs past mmap_length */
	put32(INFO, MB1_INFO_MMAP);
	put32(INFO + MB1_INFO_OFF_MMAP_ADDR, MMAP);
	put32(INFO + MB1_INFO_OFF_MMAP_LEN, (uint32_t)(a - MMAP) + 24);
	CHECK(parse());
	CHECK_EQ(bi.mem_count, 1);
	CHECK(strstr(warnings, "bad size 1000"));

	reset();
	put_mmap(MMAP, 3, 0x100000, 0x100000, 1); /* too small to hold an entry */
	put32(INFO, MB1_INFO_MMAP);
	put32(INFO + MB1_INFO_OFF_MMAP_ADDR, MMAP);
	put32(INFO + MB1_INFO_OFF_MMAP_LEN, 24);
	CHECK(!parse());
	CHECK(strstr(warnings, "bad size 3"));
	CHECK(strstr(warnings, "no memory information"));

	reset();
	put32(INFO, MB1_INFO_MMAP);
	put32(INFO + MB1_INFO_OFF_MMAP_ADDR, MEM_SIZE - 8); /* beyond fake memory */
	put32(INFO + MB1_INFO_OFF_MMAP_LEN, 48);
	CHECK(!parse());
	CHECK(strstr(warnings, "unreadable"));

	reset();
	put_mmap(MMAP, 20, 0xfffffffffffff000ULL, 0x2000, 1); /* wraps */
	put32(INFO, MB1_INFO_MMAP);
	put32(INFO + MB1_INFO_OFF_MMAP_ADDR, MMAP);
	put32(INFO + MB1_INFO_OFF_MMAP_LEN, 24);
	CHECK(!parse());
	CHECK(strstr(warnings, "wraps around"));
}

static void test_mem_fields(void)
{
	reset();
	put32(INFO, MB1_INFO_MEM);
	put32(INFO + MB1_INFO_OFF_MEM_LOWER, 639);
	put32(INFO + MB1_INFO_OFF_MEM_UPPER, 511 * 1024);
	CHECK(parse());
	CHECK_EQ(bi.mem_count, 2);
	CHECK_EQ(bi.mem[0].len, 639 * 1024);
	CHECK_EQ(bi.mem[1].base, 0x100000);
	CHECK_EQ(bi.mem[1].len, 511ULL * 1024 * 1024);

	reset();
	put32(INFO, MB1_INFO_MEM);
	put32(INFO + MB1_INFO_OFF_MEM_LOWER, 4096);
	CHECK(parse());
	CHECK_EQ(bi.mem[0].len, 640 * 1024);
	CHECK(strstr(warnings, "above 640 KiB"));

	reset(); /* no flags at all */
	CHECK(!parse());
	CHECK(strstr(warnings, "no memory information (flags 0)"));

	reset();
	CHECK(!mb1info_parse(MEM_SIZE - 4, fake_map, NULL, &bi, collect));
	CHECK(strstr(warnings, "boot information at"));
	CHECK(!mb1info_parse(0, fake_map, NULL, &bi, NULL)); /* no warn callback: silent */
}

static void set_cmdline(const char *s)
{
	reset();
	strcpy((char *)mem + STRS, s);
	put32(INFO, MB1_INFO_MEM | MB1_INFO_CMDLINE);
	put32(INFO + MB1_INFO_OFF_MEM_UPPER, 1024);
	put32(INFO + MB1_INFO_OFF_CMDLINE, STRS);
}

static void test_cmdline(void)
{
	set_cmdline("tftp://10.0.2.2/hv.elf console=com2 loglevel=debug");
	CHECK(parse());
	CHECK_STREQ(bi.cmdline, "console=com2 loglevel=debug");

	set_cmdline("/boot/hv.elf");
	CHECK(parse());
	CHECK_STREQ(bi.cmdline, "");

	set_cmdline("  loglevel=debug  "); /* no file name first: kept */
	CHECK(parse());
	CHECK_STREQ(bi.cmdline, "loglevel=debug");

	set_cmdline("");
	CHECK(parse());
	CHECK_STREQ(bi.cmdline, "");

	set_cmdline("x");
	memset(mem + STRS, 'a', 2000); /* no terminator within the buffer size */
	mem[STRS + 2000] = '\0';
	CHECK(parse());
	CHECK_EQ(strlen(bi.cmdline), 0); /* one 511-byte word: the "file name" */
	CHECK(strstr(warnings, "truncated"));

	set_cmdline("x");
	put32(INFO + MB1_INFO_OFF_CMDLINE, MEM_SIZE + 16); /* unreadable */
	CHECK(parse());
	CHECK_STREQ(bi.cmdline, "");
	CHECK(strstr(warnings, "command line at"));

	set_cmdline("x");
	memset(mem + MEM_SIZE - 4, 'b', 4); /* runs off the end of memory */
	put32(INFO + MB1_INFO_OFF_CMDLINE, MEM_SIZE - 4);
	CHECK(parse());
	CHECK_STREQ(bi.cmdline, "");
}

static void put_mod(uint32_t i, uint32_t start, uint32_t end, const char *s)
{
	uint64_t m = MODS + i * MB1_MOD_SIZE, str = STRS + i * 256;

	put32(m, start);
	put32(m + 4, end);
	put32(m + 8, s ? (uint32_t)str : 0);
	if (s)
		strcpy((char *)mem + str, s);
}

static void set_mods(uint32_t count)
{
	put32(INFO, MB1_INFO_MEM | MB1_INFO_MODS);
	put32(INFO + MB1_INFO_OFF_MEM_UPPER, 1024);
	put32(INFO + MB1_INFO_OFF_MODS_ADDR, MODS);
	put32(INFO + MB1_INFO_OFF_MODS_COUNT, count);
}

static void test_modules(void)
{
	reset();
	put_mod(0, 0x10000, 0x10100, "tftp://10.0.2.2/hv.cfg hv.cfg");
	put_mod(1, 0x11000, 0x19000, "/boot/guests/a.elf  guests/a.elf ");
	put_mod(2, 0x20000, 0x20000, "initrd.gz");
	put_mod(3, 0x30000, 0x30010, NULL);
	put_mod(4, 0x40000, 0x3ffff, "bad.bin bad.bin"); /* ends before it starts */
	set_mods(5);
	CHECK(parse());
	CHECK_EQ(bi.module_count, 4);
	CHECK_STREQ(bi.modules[0].name, "hv.cfg");
	CHECK_EQ(bi.modules[0].start, 0x10000);
	CHECK_EQ(bi.modules[0].end, 0x10100);
	CHECK_STREQ(bi.modules[1].name, "guests/a.elf");
	CHECK_STREQ(bi.modules[2].name, "initrd.gz");
	CHECK_EQ(bi.modules[2].end, 0x20000);
	CHECK_STREQ(bi.modules[3].name, "");
	CHECK(strstr(warnings, "module 4 ends (0x3ffff) before it starts (0x40000)"));

	reset();
	set_mods(1000);
	CHECK(parse());
	CHECK_EQ(bi.module_count, BOOT_MAX_MODULES);
	CHECK(strstr(warnings, "1000 modules; only the first 32 used"));

	reset();
	set_mods(3);
	put32(INFO + MB1_INFO_OFF_MODS_ADDR, MEM_SIZE - 16);
	CHECK(parse());
	CHECK_EQ(bi.module_count, 0);
	CHECK(strstr(warnings, "module list at"));

	reset(); /* the flag clear: mods fields ignored even when set */
	set_mods(3);
	put32(INFO, MB1_INFO_MEM);
	CHECK(parse());
	CHECK_EQ(bi.module_count, 0);
}

/* A checksummed RSDP of revision rev at a. */
static void put_rsdp(uint64_t a, uint8_t rev)
{
	uint8_t *p = mem + a, s = 0;

	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "HVTEST", 6);
	p[15] = rev;
	put32(a + 16, 0x7fe0000);
	for (int i = 0; i < 20; i++)
		s += p[i];
	p[8] = (uint8_t)-s;
	if (rev >= 2) {
		put32(a + 20, 36);
		s = 0;
		for (int i = 0; i < 36; i++)
			s += p[i];
		p[32] = (uint8_t)-s;
	}
}

static void test_rsdp_search(void)
{
	reset();
	CHECK_EQ(acpi_find_rsdp_legacy(fake_map, NULL), 0);

	put_rsdp(0xf5a10, 0);
	CHECK_EQ(acpi_find_rsdp_legacy(fake_map, NULL), 0xf5a10);

	/* the EBDA is searched first */
	mem[0x40e] = 0x00;
	mem[0x40f] = 0x9f; /* segment 0x9f00 -> 0x9f000 */
	put_rsdp(0x9f040, 2);
	CHECK_EQ(acpi_find_rsdp_legacy(fake_map, NULL), 0x9f040);

	/* a bad checksum is skipped, the BIOS area still found */
	mem[0x9f040 + 9] ^= 1;
	CHECK_EQ(acpi_find_rsdp_legacy(fake_map, NULL), 0xf5a10);

	/* a revision-2 RSDP with a bad extended checksum does not count */
	reset();
	put_rsdp(0xe0000, 2);
	mem[0xe0000 + 33] ^= 1;
	CHECK_EQ(acpi_find_rsdp_legacy(fake_map, NULL), 0);

	/* not on a 16-byte boundary: not found */
	reset();
	put_rsdp(0xe0008, 0);
	CHECK_EQ(acpi_find_rsdp_legacy(fake_map, NULL), 0);

	/* an EBDA segment pointing outside 512-640 KiB is ignored */
	reset();
	mem[0x40f] = 0x01;
	put_rsdp(0x1000, 0);
	CHECK_EQ(acpi_find_rsdp_legacy(fake_map, NULL), 0);
}

int main(void)
{
	mem = calloc(1, MEM_SIZE);
	if (!mem)
		return 1;
	RUN(test_mmap);
	RUN(test_mmap_malformed);
	RUN(test_mem_fields);
	RUN(test_cmdline);
	RUN(test_modules);
	RUN(test_rsdp_search);
	free(mem);
	return test_summary();
}
