/*
 * test_linux.c - host unit tests for guests/linux.c and guests/linux_pvh.c.
 *
 * Kernel images are built here from the specifications, independently of
 * the loader's constants: bzImage setup headers per Documentation/arch/x86/
 * boot.rst (fields at their absolute file offsets), vmlinux ELF64 images
 * with a "Xen" note of type 18 (XEN_ELFNOTE_PHYS32_ENTRY).  Guest RAM is a
 * calloc'd buffer; the zero page, hvm_start_info, e820 map, page tables and
 * GDT are read back at their guest-physical addresses.
 *
 * When tools/fetch-guest-kernel.sh has left Debian's kernel in
 * build/guest-kernel/ (or $HV_GUEST_KERNEL_DIR), the real bzImage and its
 * vmlinux are loaded too; otherwise that test says it is skipped.
 *
 * Setting HV_LINUX_SEEDS=DIR also writes small good images to DIR as seeds
 * for tests/fuzz_linux.c (with its control byte in front).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/loader.h>
#include "test.h"

#define MEM_SIZE  (64 * MiB)
#define RSDP	  0xE0000ULL
#define ECAM	  0xB0000000ULL
#define KERNEL_AT 0x1000000ULL /* pref_address of the test images */
#define INIT_SIZE (8 * MiB)
#define PM_SIZE	  (256 * KiB)
#define ENTRY_PVH (KERNEL_AT + 0x850)

/* ---- helpers ---- */

static uint64_t rd(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void wr(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static struct guest_mem new_mem(uint64_t size)
{
	struct guest_mem m = {.host = calloc(1, size), .size = size};
	return m;
}

/* The usual PC holes, the ACPI tables at 0xE0000 and an ECAM window beyond RAM. */
static struct linux_layout pc_layout(void)
{
	struct linux_layout l = {.rsdp = RSDP, .region_count = 3};

	l.regions[0] = (struct linux_region){0x9FC00, 0xE0000 - 0x9FC00, E820_RESERVED};
	l.regions[1] = (struct linux_region){0xE0000, 0x20000, E820_ACPI};
	l.regions[2] = (struct linux_region){ECAM, 256 * MiB, E820_RESERVED};
	return l;
}

struct bz_opts {
	uint16_t version;
	uint8_t setup_sects;
	uint8_t loadflags;
	uint16_t xloadflags;
	uint8_t relocatable;
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;
	uint64_t pref;
	uint32_t init_size;
};

static struct bz_opts bz_default(void)
{
	return (struct bz_opts){.version = 0x020F,
				.setup_sects = 27,
				.loadflags = 0x01,
				.xloadflags = 0x03,
				.relocatable = 1,
				.initrd_addr_max = 0x7FFFFFFF,
				.cmdline_size = 2047,
				.pref = KERNEL_AT,
				.init_size = INIT_SIZE};
}

/* A bzImage: setup sectors with the header, then PM_SIZE bytes of "kernel". */
static uint8_t *make_bz(const struct bz_opts *o, size_t *len)
{
	uint32_t sects = o->setup_sects ? o->setup_sects : 4;
	size_t pm = (sects + 1) * 512u;
	uint8_t *k = calloc(1, pm + PM_SIZE);

	k[0x1F1] = o->setup_sects;
	wr(k + 0x1FE, 0xAA55, 2);
	k[0x200] = 0xEB;
	k[0x201] = 0x6A; /* header ends at 0x26C */
	memcpy(k + 0x202, "HdrS", 4);
	wr(k + 0x206, o->version, 2);
	k[0x211] = o->loadflags;
	wr(k + 0x22C, o->initrd_addr_max, 4);
	wr(k + 0x230, 0x200000, 4);
	k[0x234] = o->relocatable;
	k[0x235] = 21;
	wr(k + 0x236, o->xloadflags, 2);
	wr(k + 0x238, o->cmdline_size, 4);
	wr(k + 0x258, o->pref, 8);
	wr(k + 0x260, o->init_size, 4);
	for (size_t i = 0; i < PM_SIZE; i++)
		k[pm + i] = (uint8_t)(i * 7 + 3);
	*len = pm + PM_SIZE;
	return k;
}

static int load(const void *k, size_t klen, const void *initrd, size_t ilen, const char *cmdline,
		struct guest_mem *m, struct linux_boot *b, char *err)
{
	struct linux_layout l = pc_layout();

	return linux_load(k, klen, initrd, ilen, cmdline, m, &l, b, err, 200);
}

/* The e820 map pc_layout() must produce for RAM of size bytes. */
static void check_e820(const uint8_t *table, uint32_t count, uint64_t size, int stride)
{
	const uint64_t want[5][3] = {
	    {0, 0x9FC00, E820_RAM},	      {0x9FC00, 0xE0000 - 0x9FC00, E820_RESERVED},
	    {0xE0000, 0x20000, E820_ACPI},    {0x100000, size - 0x100000, E820_RAM},
	    {ECAM, 256 * MiB, E820_RESERVED},
	};

	CHECK_EQ(count, 5);
	for (uint32_t i = 0; i < count && i < 5; i++) {
		CHECK_EQ(rd(table + stride * i, 8), want[i][0]);
		CHECK_EQ(rd(table + stride * i + 8, 8), want[i][1]);
		CHECK_EQ(rd(table + stride * i + 16, 4), want[i][2]);
	}
}

/* ---- bzImage ---- */

static void test_bz_good(void)
{
	struct bz_opts o = bz_default();
	struct guest_mem m = new_mem(MEM_SIZE);
	struct linux_boot b;
	size_t klen, ilen = 3 * MiB + 123;
	uint8_t *k = make_bz(&o, &klen), *initrd = malloc(ilen), *bp = m.host + LINUX_ZERO_PAGE;
	char err[200];

	memset(initrd, 0x5A, ilen);
	m.host[0x40E] = 0x12; /* a stale EBDA pointer */
	CHECK_EQ(load(k, klen, initrd, ilen, "console=ttyS0 quiet", &m, &b, err), 0);
	CHECK_EQ(m.host[0x40E], 0);
	CHECK_STREQ(err, "");
	CHECK_EQ(b.mode, LINUX_ENTRY_64);
	CHECK_EQ(b.entry, KERNEL_AT + 0x200);
	CHECK_EQ(b.params, LINUX_ZERO_PAGE);
	CHECK_EQ(b.cr3, LINUX_PML4);
	CHECK_EQ(b.cs, 0x10);
	CHECK_EQ(b.ds, 0x18);
	CHECK_EQ(b.protocol, 0x020F);
	CHECK_EQ(b.kernel_base, KERNEL_AT);
	CHECK_EQ(b.kernel_end, KERNEL_AT + INIT_SIZE);
	CHECK(!memcmp(m.host + KERNEL_AT, k + 28 * 512, PM_SIZE));
	/* setup header copied, loader fields filled (boot.rst, zero-page.rst) */
	CHECK(!memcmp(bp + 0x202, "HdrS", 4));
	CHECK_EQ(rd(bp + 0x206, 2), 0x020F);
	CHECK_EQ(rd(bp + 0x260, 4), INIT_SIZE);
	CHECK_EQ(bp[0x210], 0xFF);
	CHECK_EQ(rd(bp + 0x228, 4), LINUX_CMDLINE);
	CHECK_EQ(rd(bp + 0x0C8, 4), 0);
	CHECK_STREQ((char *)m.host + LINUX_CMDLINE, "console=ttyS0 quiet");
	CHECK_EQ(rd(bp + 0x070, 8), RSDP);
	/* the initrd goes as high as it can: the last page below the end of RAM */
	CHECK_EQ(rd(bp + 0x218, 4), b.initrd_base);
	CHECK_EQ(rd(bp + 0x0C0, 4), 0);
	CHECK_EQ(rd(bp + 0x21C, 4), ilen);
	CHECK_EQ(b.initrd_base % 4096, 0);
	CHECK(b.initrd_base + ilen <= MEM_SIZE && b.initrd_base + ilen + 4096 > MEM_SIZE);
	CHECK(!memcmp(m.host + b.initrd_base, initrd, ilen));
	CHECK_EQ(bp[0x1E8], 5);
	check_e820(bp + 0x2D0, bp[0x1E8], MEM_SIZE, 20);
	CHECK_EQ(b.e820_count, 5);
	free(k);
	free(initrd);
	free(m.host);
}

/* The page tables identity-map 4 GiB and the GDT holds the boot.rst selectors. */
static void test_bz_paging_and_gdt(void)
{
	struct bz_opts o = bz_default();
	struct guest_mem m = new_mem(MEM_SIZE);
	struct linux_boot b;
	size_t klen;
	uint8_t *k = make_bz(&o, &klen);
	char err[200];
	uint64_t pml4e, pdpte, pde;

	CHECK_EQ(load(k, klen, NULL, 0, NULL, &m, &b, err), 0);
	pml4e = rd(m.host + b.cr3, 8);
	CHECK_EQ(pml4e & 3, 3);
	for (uint64_t va = 0; va < 4 * GiB; va += 37 * 2 * MiB + 4096) {
		pdpte = rd(m.host + (pml4e & ~0xFFFULL) + 8 * (va >> 30), 8);
		CHECK_EQ(pdpte & 3, 3);
		pde = rd(m.host + (pdpte & ~0xFFFULL) + 8 * ((va >> 21) & 511), 8);
		CHECK_EQ(pde & 0x83, 0x83);
		CHECK_EQ(pde & ~0x1FFFFFULL, va & ~0x1FFFFFULL);
	}
	CHECK_EQ(b.gdt_base, LINUX_GDT);
	CHECK_EQ(b.gdt_limit, 8 * LINUX_GDT_ENTRIES - 1);
	/* __BOOT_CS: present, code, L=1; __BOOT_DS: present, writable data */
	CHECK_EQ((rd(m.host + LINUX_GDT + 0x10, 8) >> 40) & 0xF8, 0x98);
	CHECK(rd(m.host + LINUX_GDT + 0x10, 8) & (1ULL << 53));
	CHECK_EQ((rd(m.host + LINUX_GDT + 0x18, 8) >> 40) & 0xFA, 0x92);
	CHECK_EQ(rd(m.host + LINUX_GDT + 0x18, 8) & 0xFFFF, 0xFFFF);
	/* no initrd: ramdisk fields zero; empty command line still NUL-terminated */
	CHECK_EQ(rd(m.host + LINUX_ZERO_PAGE + 0x218, 4), 0);
	CHECK_EQ(rd(m.host + LINUX_ZERO_PAGE + 0x21C, 4), 0);
	CHECK_EQ(m.host[LINUX_CMDLINE], 0);
	CHECK_EQ(b.initrd_base, 0);
	free(k);
	free(m.host);
}

static void test_bz_too_old(void)
{
	struct bz_opts o = bz_default();
	struct guest_mem m = new_mem(MEM_SIZE);
	struct linux_boot b;
	size_t klen;
	uint8_t *k;
	char err[200];

	o.version = 0x020A;
	k = make_bz(&o, &klen);
	CHECK_EQ(load(k, klen, NULL, 0, NULL, &m, &b, err), -1);
	CHECK_STREQ(err, "kernel: boot protocol 2.10 is too old: 64-bit entry needs 2.12 or later");
	free(k);
	free(m.host);
}

static void test_bz_not_bzimage(void)
{
	struct guest_mem m = new_mem(MEM_SIZE);
	struct linux_boot b;
	uint8_t junk[4096];
	char err[200];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 13);
	CHECK(!linux_is_bzimage(junk, sizeof(junk)));
	CHECK_EQ(load(junk, sizeof(junk), NULL, 0, NULL, &m, &b, err), -1);
	CHECK(strstr(err, "kernel: not a bzImage"));
	CHECK_EQ(load(junk, 100, NULL, 0, NULL, &m, &b, err), -1);
	CHECK(strstr(err, "kernel: not a bzImage"));
	memcpy(junk + 0x202, "HdrS", 4);
	CHECK_EQ(load(junk, sizeof(junk), NULL, 0, NULL, &m, &b, err), -1);
	CHECK(strstr(err, "boot flag"));
	CHECK_EQ(load(NULL, 0, NULL, 0, NULL, &m, &b, err), -1);
	CHECK_STREQ(err, "kernel: empty file");
	free(m.host);
}

static void test_bz_flags(void)
{
	struct bz_opts o = bz_default();
	struct guest_mem m = new_mem(MEM_SIZE);
	struct linux_boot b;
	size_t klen;
	uint8_t *k;
	char err[200];

	o.xloadflags = 0x02;
	k = make_bz(&o, &klen);
	CHECK_EQ(load(k, klen, NULL, 0, NULL, &m, &b, err), -1);
	CHECK(strstr(err, "XLF_KERNEL_64"));
	free(k);
	o = bz_default();
	o.loadflags = 0;
	k = make_bz(&o, &klen);
	CHECK_EQ(load(k, klen, NULL, 0, NULL, &m, &b, err), -1);
	CHECK(strstr(err, "LOADED_HIGH"));
	free(k);
	free(m.host);
}

/* setup_sects 0 means 4: the protected-mode kernel starts at 5 * 512. */
static void test_bz_setup_sects_zero(void)
{
	struct bz_opts o = bz_default();
	struct guest_mem m = new_mem(MEM_SIZE);
	struct linux_boot b;
	size_t klen;
	uint8_t *k;
	char err[200];

	o.setup_sects = 0;
	k = make_bz(&o, &klen);
	CHECK_EQ(klen, 5 * 512 + PM_SIZE);
	CHECK_EQ(load(k, klen, NULL, 0, NULL, &m, &b, err), 0);
	CHECK(!memcmp(m.host + KERNEL_AT, k + 5 * 512, PM_SIZE));
	free(k);
	free(m.host);
}

/* A reserved range at pref_address: a relocatable kernel moves to the next aligned address. */
static void test_bz_relocatable(void)
{
	struct bz_opts o = bz_default();
	struct guest_mem m = new_mem(MEM_SIZE);
	struct linux_layout l = pc_layout();
	struct linux_boot b;
	size_t klen;
	uint8_t *k;
	char err[200];

	l.regions[l.region_count++] = (struct linux_region){KERNEL_AT, MiB, E820_RESERVED};
	k = make_bz(&o, &klen);
	CHECK_EQ(linux_load(k, klen, NULL, 0, NULL, &m, &l, &b, err, sizeof(err)), 0);
	CHECK_EQ(b.kernel_base, KERNEL_AT + 2 * MiB);
	CHECK_EQ(b.entry, KERNEL_AT + 2 * MiB + 0x200);
	CHECK_EQ(rd(m.host + LINUX_ZERO_PAGE + 0x1E8, 1), 7);
	free(k);
	/* an unaligned pref_address is rounded up to kernel_alignment */
	o.pref = KERNEL_AT + 0x1000;
	k = make_bz(&o, &klen);
	CHECK_EQ(load(k, klen, NULL, 0, NULL, &m, &b, err), 0);
	CHECK_EQ(b.kernel_base, KERNEL_AT + 2 * MiB);
	free(k);
	/* not relocatable: pref_address or nothing */
	o = bz_default();
	o.relocatable = 0;
	k = make_bz(&o, &klen);
	CHECK_EQ(linux_load(k, klen, NULL, 0, NULL, &m, &l, &b, err, sizeof(err)), -1);
	CHECK(strstr(err, "kernel: needs 8 MiB (init_size) of free RAM at 0x1000000"));
	free(k);
	free(m.host);
}

static void test_bz_memory_too_small(void)
{
	struct bz_opts o = bz_default();
	struct guest_mem m = new_mem(20 * MiB);
	struct linux_boot b;
	size_t klen;
	uint8_t *k = make_bz(&o, &klen);
	char err[200];

	CHECK_EQ(load(k, klen, NULL, 0, NULL, &m, &b, err), -1);
	CHECK(strstr(err, "kernel: needs 8 MiB (init_size) of free RAM at or above 0x1000000"));
	CHECK(strstr(err, "20 MiB of guest memory"));
	free(k);
	free(m.host);
}

static void test_bz_initrd_too_large(void)
{
	struct bz_opts o = bz_default();
	struct guest_mem m = new_mem(MEM_SIZE);
	struct linux_boot b;
	size_t klen, ilen = 90 * MiB;
	uint8_t *k = make_bz(&o, &klen), *initrd = calloc(1, ilen);
	char err[200];

	memset(m.host, 0xAA, MEM_SIZE);
	CHECK_EQ(load(k, klen, initrd, ilen, "x", &m, &b, err), -1);
	CHECK(strstr(err, "initrd: 90 MiB does not fit below the 64 MiB of guest memory"));
	/* check, then apply: nothing was written */
	CHECK_EQ(m.host[LINUX_ZERO_PAGE + 0x202], 0xAA);
	CHECK_EQ(m.host[KERNEL_AT], 0xAA);
	CHECK_EQ(m.host[LINUX_CMDLINE], 0xAA);
	free(k);
	free(initrd);
	free(m.host);
}

/* initrd_addr_max without XLF_CAN_BE_LOADED_ABOVE_4G bounds the initrd. */
static void test_bz_initrd_addr_max(void)
{
	struct bz_opts o = bz_default();
	struct guest_mem m = new_mem(MEM_SIZE);
	struct linux_boot b;
	size_t klen, ilen = 2 * MiB;
	uint8_t *k, *initrd = calloc(1, 12 * MiB);
	char err[200];

	o.xloadflags = 0x01;
	o.initrd_addr_max = 32 * MiB - 1;
	k = make_bz(&o, &klen);
	CHECK_EQ(load(k, klen, initrd, ilen, NULL, &m, &b, err), 0);
	CHECK_EQ(b.initrd_base, 30 * MiB);
	/* 16 MiB fits neither below the kernel ([1, 16) MiB) nor in [24, 32) MiB */
	CHECK_EQ(load(k, klen, initrd, 16 * MiB, NULL, &m, &b, err), -1);
	CHECK(strstr(err, "initrd_addr_max"));
	/* 12 MiB does fit below the kernel: [1 MiB, 16 MiB) */
	CHECK_EQ(load(k, klen, initrd, 12 * MiB, NULL, &m, &b, err), 0);
	CHECK_EQ(b.initrd_base, 4 * MiB);
	free(k);
	free(initrd);
	free(m.host);
}

static void test_bz_cmdline_size(void)
{
	struct bz_opts o = bz_default();
	struct guest_mem m = new_mem(MEM_SIZE);
	struct linux_boot b;
	size_t klen;
	uint8_t *k;
	char err[200];

	o.cmdline_size = 16;
	k = make_bz(&o, &klen);
	CHECK_EQ(load(k, klen, NULL, 0, "0123456789abcdef", &m, &b, err), 0);
	CHECK_STREQ((char *)m.host + LINUX_CMDLINE, "0123456789abcdef");
	CHECK_EQ(load(k, klen, NULL, 0, "0123456789abcdefg", &m, &b, err), -1);
	CHECK_STREQ(err, "cmdline: 17 bytes is longer than the kernel's cmdline_size 16");
	free(k);
	free(m.host);
}

static void test_layout_errors(void)
{
	struct bz_opts o = bz_default();
	struct guest_mem m = new_mem(MEM_SIZE);
	struct linux_layout l = pc_layout();
	struct linux_boot b;
	size_t klen;
	uint8_t *k = make_bz(&o, &klen);
	char err[200];

	l.regions[2].base = 0xE8000;
	CHECK_EQ(linux_load(k, klen, NULL, 0, NULL, &m, &l, &b, err, sizeof(err)), -1);
	CHECK_STREQ(err, "layout: regions 1 and 2 overlap");
	l = pc_layout();
	l.regions[0].base = 0x8000;
	CHECK_EQ(linux_load(k, klen, NULL, 0, NULL, &m, &l, &b, err, sizeof(err)), -1);
	CHECK(strstr(err, "overlaps the loader's low-memory area"));
	l = pc_layout();
	l.regions[0].type = E820_RAM;
	CHECK_EQ(linux_load(k, klen, NULL, 0, NULL, &m, &l, &b, err, sizeof(err)), -1);
	l = pc_layout();
	l.rsdp = MEM_SIZE;
	CHECK_EQ(linux_load(k, klen, NULL, 0, NULL, &m, &l, &b, err, sizeof(err)), -1);
	CHECK(strstr(err, "RSDP"));
	/* no layout at all: RAM only, no RSDP */
	CHECK_EQ(linux_load(k, klen, NULL, 0, NULL, &m, NULL, &b, err, sizeof(err)), 0);
	CHECK_EQ(b.e820_count, 1);
	CHECK_EQ(rd(m.host + LINUX_ZERO_PAGE + 0x070, 8), 0);
	free(k);
	free(m.host);
}

/* ---- PVH ---- */

struct elf_opts {
	bool note;
	int desc_size; /* 4 or 8 */
	uint64_t entry;
	uint64_t paddr2;
};

/* An ELF64 vmlinux: two PT_LOAD segments (the second with .bss) and a PT_NOTE. */
static uint8_t *make_elf(const struct elf_opts *o, size_t *len)
{
	size_t size = 0x3000;
	uint8_t *e = calloc(1, size), *ph = e + 64, *note = e + 0x400;
	const uint64_t seg[2][4] = {/* type, offset, paddr, filesz/memsz below */
				    {1, 0x1000, KERNEL_AT, 0},
				    {1, 0x2000, o->paddr2, 0}};

	memcpy(e, "\177ELF", 4);
	e[4] = 2;
	e[5] = 1;
	e[6] = 1;
	wr(e + 16, 2, 2);  /* ET_EXEC */
	wr(e + 18, 62, 2); /* EM_X86_64 */
	wr(e + 32, 64, 8);
	wr(e + 54, 56, 2);
	wr(e + 56, 3, 2);
	for (int i = 0; i < 2; i++, ph += 56) {
		wr(ph, seg[i][0], 4);
		wr(ph + 8, seg[i][1], 8);
		wr(ph + 16, 0xFFFFFFFF80000000ULL + seg[i][2], 8);
		wr(ph + 24, seg[i][2], 8);
		wr(ph + 32, 0x1000, 8);
		wr(ph + 40, i ? 0x5000 : 0x1000, 8);
	}
	/* a note of another type first, then the PVH entry */
	wr(note, 4, 4);
	wr(note + 4, 4, 4);
	wr(note + 8, 6, 4);
	memcpy(note + 12, "Xen", 4);
	memcpy(note + 16, "lnx", 4);
	wr(note + 20, 4, 4);
	wr(note + 24, o->desc_size, 4);
	wr(note + 28, o->note ? 18 : 17, 4);
	memcpy(note + 32, "Xen", 4);
	wr(note + 36, o->entry, o->desc_size);
	wr(ph, 4, 4);
	wr(ph + 8, 0x400, 8);
	wr(ph + 32, 36 + o->desc_size, 8);
	memset(e + 0x1000, 0x11, 0x1000);
	memset(e + 0x2000, 0x22, 0x1000);
	*len = size;
	return e;
}

static void test_pvh_good(void)
{
	struct elf_opts o = {
	    .note = true, .desc_size = 8, .entry = ENTRY_PVH, .paddr2 = KERNEL_AT + 0x10000};
	struct guest_mem m = new_mem(MEM_SIZE);
	struct linux_boot b;
	size_t klen, ilen = 5000;
	uint8_t *k = make_elf(&o, &klen), *initrd = malloc(ilen), *si = m.host + LINUX_START_INFO;
	char err[200];

	memset(initrd, 0x77, ilen);
	memset(m.host + KERNEL_AT + 0x11000, 0xEE, 0x4000); /* stale bytes where .bss goes */
	CHECK(linux_is_pvh_elf(k, klen));
	CHECK(!linux_is_bzimage(k, klen));
	CHECK_EQ(load(k, klen, initrd, ilen, "console=hvc0", &m, &b, err), 0);
	CHECK_STREQ(err, "");
	CHECK_EQ(b.mode, LINUX_ENTRY_PVH32);
	CHECK_EQ(b.entry, ENTRY_PVH);
	CHECK_EQ(b.params, LINUX_START_INFO);
	CHECK_EQ(b.cr3, 0);
	CHECK_EQ(b.cs, 0x20);
	CHECK_EQ(b.ds, 0x18);
	CHECK_EQ(b.protocol, 0);
	CHECK_EQ(b.kernel_base, KERNEL_AT);
	CHECK_EQ(b.kernel_end, KERNEL_AT + 0x15000);
	CHECK_EQ(m.host[KERNEL_AT], 0x11);
	CHECK_EQ(m.host[KERNEL_AT + 0x10FFF], 0x22);
	CHECK_EQ(m.host[KERNEL_AT + 0x11000], 0);
	CHECK_EQ(m.host[KERNEL_AT + 0x14FFF], 0);
	/* 32-bit code segment for the PVH entry: D=1, L=0 */
	CHECK(rd(m.host + LINUX_GDT + 0x20, 8) & (1ULL << 54));
	CHECK(!(rd(m.host + LINUX_GDT + 0x20, 8) & (1ULL << 53)));
	/* hvm_start_info, version 1 */
	CHECK_EQ(rd(si, 4), 0x336EC578);
	CHECK_EQ(rd(si + 4, 4), 1);
	CHECK_EQ(rd(si + 12, 4), 1);
	CHECK_EQ(rd(m.host + rd(si + 24, 8), 1), 'c');
	CHECK_STREQ((char *)m.host + rd(si + 24, 8), "console=hvc0");
	CHECK_EQ(rd(si + 32, 8), RSDP);
	CHECK_EQ(rd(si + 52, 4), 0);
	check_e820(m.host + rd(si + 40, 8), (uint32_t)rd(si + 48, 4), MEM_SIZE, 24);
	/* module 0 is the initrd, high in RAM */
	CHECK_EQ(rd(m.host + rd(si + 16, 8), 8), b.initrd_base);
	CHECK_EQ(rd(m.host + rd(si + 16, 8) + 8, 8), ilen);
	CHECK(b.initrd_base + ilen <= MEM_SIZE && b.initrd_base + ilen + 4096 > MEM_SIZE);
	CHECK(!memcmp(m.host + b.initrd_base, initrd, ilen));
	free(k);
	free(initrd);
	free(m.host);
}

static void test_pvh_note_forms(void)
{
	struct elf_opts o = {
	    .note = true, .desc_size = 4, .entry = ENTRY_PVH, .paddr2 = KERNEL_AT + 0x10000};
	struct guest_mem m = new_mem(MEM_SIZE);
	struct linux_boot b;
	size_t klen;
	uint8_t *k = make_elf(&o, &klen);
	char err[200];

	CHECK_EQ(load(k, klen, NULL, 0, NULL, &m, &b, err), 0);
	CHECK_EQ(b.entry, ENTRY_PVH);
	CHECK_EQ(rd(m.host + LINUX_START_INFO + 12, 4), 0); /* no modules */
	CHECK_EQ(rd(m.host + LINUX_START_INFO + 16, 8), 0);
	free(k);
	o.note = false;
	k = make_elf(&o, &klen);
	CHECK_EQ(load(k, klen, NULL, 0, NULL, &m, &b, err), -1);
	CHECK(strstr(err, "kernel: ELF image without the PVH entry note"));
	free(k);
	o.note = true;
	o.entry = KERNEL_AT + 0x100000;
	k = make_elf(&o, &klen);
	CHECK_EQ(load(k, klen, NULL, 0, NULL, &m, &b, err), -1);
	CHECK(strstr(err, "lies outside the loaded kernel"));
	free(k);
	free(m.host);
}

static void test_pvh_bad_segments(void)
{
	struct elf_opts o = {
	    .note = true, .desc_size = 8, .entry = ENTRY_PVH, .paddr2 = MEM_SIZE - 0x2000};
	struct guest_mem m = new_mem(MEM_SIZE);
	struct linux_boot b;
	size_t klen;
	uint8_t *k = make_elf(&o, &klen);
	char err[200];

	CHECK_EQ(load(k, klen, NULL, 0, NULL, &m, &b, err), -1);
	CHECK(strstr(err, "kernel: segment 1 at [0x3ffe000, +0x5000) is not in free RAM"));
	free(k);
	o.paddr2 = 0xE0000; /* the ACPI region */
	k = make_elf(&o, &klen);
	CHECK_EQ(load(k, klen, NULL, 0, NULL, &m, &b, err), -1);
	CHECK(strstr(err, "segment 1"));
	free(k);
	/* a segment whose file bytes lie past the end of the file */
	o.paddr2 = KERNEL_AT + 0x10000;
	k = make_elf(&o, &klen);
	CHECK_EQ(load(k, klen - 1, NULL, 0, NULL, &m, &b, err), -1);
	CHECK(strstr(err, "past the end of the 12287-byte file"));
	/* a program header table past the end */
	wr(k + 32, klen - 8, 8);
	CHECK_EQ(load(k, klen, NULL, 0, NULL, &m, &b, err), -1);
	CHECK(strstr(err, "program headers"));
	free(k);
	free(m.host);
}

/* ---- Debian's kernel, when tools/fetch-guest-kernel.sh has fetched it ---- */

static uint8_t *read_file(const char *dir, const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	uint8_t *data = NULL;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		data = malloc((size_t)n);
		if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
			free(data);
			data = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return data;
}

static void load_real(const char *what, const uint8_t *k, size_t klen, const uint8_t *initrd,
		      size_t ilen)
{
	struct guest_mem m = new_mem(256 * MiB);
	struct linux_boot b;
	char err[200];
	int rc = load(k, klen, initrd, ilen, "console=ttyS0 earlyprintk=serial", &m, &b, err);

	CHECK_EQ(rc, 0);
	if (rc)
		printf("  %s: %s\n", what, err);
	else
		printf("  %s: mode %u entry %#llx kernel [%#llx, %#llx) initrd %#llx+%#llx "
		       "protocol %#x\n",
		       what, b.mode, (unsigned long long)b.entry, (unsigned long long)b.kernel_base,
		       (unsigned long long)b.kernel_end, (unsigned long long)b.initrd_base,
		       (unsigned long long)b.initrd_size, b.protocol);
	free(m.host);
}

static void test_debian_kernel(void)
{
	const char *dir =
	    getenv("HV_GUEST_KERNEL_DIR") ? getenv("HV_GUEST_KERNEL_DIR") : "build/guest-kernel";
	size_t klen = 0, ilen = 0, vlen = 0;
	uint8_t *k = read_file(dir, "vmlinuz", &klen), *initrd = read_file(dir, "initrd.gz", &ilen);
	uint8_t *v = read_file(dir, "vmlinux", &vlen);

	if (!k) {
		printf("  skipped: no %s/vmlinuz (run tools/fetch-guest-kernel.sh)\n", dir);
	} else {
		CHECK(linux_is_bzimage(k, klen));
		printf("  bzImage: protocol %#llx pref_address %#llx init_size %#llx xloadflags "
		       "%#llx kernel_alignment %#llx cmdline_size %llu initrd_addr_max %#llx\n",
		       (unsigned long long)rd(k + 0x206, 2), (unsigned long long)rd(k + 0x258, 8),
		       (unsigned long long)rd(k + 0x260, 4), (unsigned long long)rd(k + 0x236, 2),
		       (unsigned long long)rd(k + 0x230, 4), (unsigned long long)rd(k + 0x238, 4),
		       (unsigned long long)rd(k + 0x22C, 4));
		load_real("bzImage", k, klen, initrd, initrd ? ilen : 0);
	}
	if (!v)
		printf("  skipped: no %s/vmlinux\n", dir);
	else
		load_real("vmlinux (PVH)", v, vlen, initrd, initrd ? ilen : 0);
	free(k);
	free(v);
	free(initrd);
}

/* ---- seeds for tests/fuzz_linux.c ---- */

static void write_seed(const char *dir, const char *name, uint8_t ctl, const uint8_t *img,
		       size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		return;
	fputc(ctl, f);
	fwrite(img, 1, len, f);
	fclose(f);
}

static void write_seeds(void)
{
	const char *dir = getenv("HV_LINUX_SEEDS");
	struct bz_opts o = bz_default();
	struct elf_opts e = {
	    .note = true, .desc_size = 8, .entry = ENTRY_PVH, .paddr2 = KERNEL_AT + 0x10000};
	size_t len;
	uint8_t *k;

	if (!dir)
		return;
	/* 4 MiB of memory, PC layout: a kernel at 1 MiB with 1 MiB init_size, 2 KiB of it */
	o.setup_sects = 1;
	o.pref = MiB;
	o.init_size = MiB;
	k = make_bz(&o, &len);
	write_seed(dir, "bz-small", 0x21, k, 2 * 512 + 2048);
	free(k);
	/* 34 MiB, PC layout, initrd from the tail: the default 2.15 header at 16 MiB */
	o = bz_default();
	o.setup_sects = 1;
	k = make_bz(&o, &len);
	write_seed(dir, "bz-16m", 0x33, k, 2 * 512 + 4096);
	free(k);
	k = make_elf(&e, &len);
	write_seed(dir, "pvh", 0x33, k, len);
	free(k);
}

int main(void)
{
	write_seeds();
	RUN(test_bz_good);
	RUN(test_bz_paging_and_gdt);
	RUN(test_bz_too_old);
	RUN(test_bz_not_bzimage);
	RUN(test_bz_flags);
	RUN(test_bz_setup_sects_zero);
	RUN(test_bz_relocatable);
	RUN(test_bz_memory_too_small);
	RUN(test_bz_initrd_too_large);
	RUN(test_bz_initrd_addr_max);
	RUN(test_bz_cmdline_size);
	RUN(test_layout_errors);
	RUN(test_pvh_good);
	RUN(test_pvh_note_forms);
	RUN(test_pvh_bad_segments);
	RUN(test_debian_kernel);
	return test_summary();
}
