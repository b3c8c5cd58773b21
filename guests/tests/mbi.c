/*
 * mbi.c - test guest: the multiboot information its loader built
 * (Multiboot 0.6.96 3.3), checked from inside the guest - for the
 * hypervisor, the other end of guests/mb1.c.
 *
 * Checks the MBI's flags, mem_lower/mem_upper against the memory map, the
 * memory map itself (entries well formed, low 639 KiB available, the
 * 0x9fc00-0xfffff hole not available, this kernel inside available RAM),
 * that the MBI, the command line and every module lie in available RAM
 * without overlapping the kernel or each other, that modules are page
 * aligned (our header asks for it: flag bit 0) and start with the ELF
 * magic (the test configs hand guest images over as modules).  The command
 * line says what to expect: "expect-mods=N" (default 0).  Under the
 * hypervisor the boot loader name must be "hv".
 */
#include "guest.h"

#define MBI_FLAG_MEM	 BIT(0)
#define MBI_FLAG_CMDLINE BIT(2)
#define MBI_FLAG_MODS	 BIT(3)
#define MBI_FLAG_MMAP	 BIT(6)
#define MBI_FLAG_LOADER	 BIT(9)
#define LOW_END		 0x9fc00u
#define HIGH_START	 0x100000u
#define MAX_MMAP	 32
#define MAX_MODS	 16

const char guest_name[] = "mbi";

extern const uint8_t __image_start[], __image_end[];

struct range {
	uint64_t start, end;
};

static struct range avail[MAX_MMAP];
static unsigned n_avail;

static uint32_t word(uint32_t addr)
{
	return *(const volatile uint32_t *)(uintptr_t)addr;
}

static bool in_avail(uint64_t start, uint64_t end)
{
	for (unsigned i = 0; i < n_avail; i++)
		if (start >= avail[i].start && end <= avail[i].end)
			return true;
	return false;
}

static bool overlaps(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	return a0 < b1 && b0 < a1;
}

/* Reads the map into avail[]; false (with a FAIL) when it is malformed. */
static bool read_mmap(uint32_t addr, uint32_t len)
{
	uint32_t off = 0;
	bool hole_ok = true;

	while (off < len) {
		uint32_t size = word(addr + off), type = word(addr + off + 20);
		uint64_t base = word(addr + off + 4) | (uint64_t)word(addr + off + 8) << 32;
		uint64_t n = word(addr + off + 12) | (uint64_t)word(addr + off + 16) << 32;

		if (size < 20 || off + size + 4 > len || n_avail == MAX_MMAP) {
			fail("mbi-mmap-wellformed", "entry at +%u: size %u in a %u-byte map", off,
			     size, len);
			return false;
		}
		if (type == 1) {
			avail[n_avail++] = (struct range){base, base + n};
			if (overlaps(base, base + n, LOW_END, HIGH_START))
				hole_ok = false;
		}
		off += size + 4;
	}
	pass("mbi-mmap-wellformed");
	expect(hole_ok, "mbi-mmap-hole-reserved", "0x9fc00-0xfffff reported available");
	expect(in_avail(0, LOW_END), "mbi-mmap-low-available", "[0, 0x9fc00) not available");
	return true;
}

static void check_memory(uint32_t mbi)
{
	uint32_t lower = word(mbi + 4), upper = word(mbi + 8);

	expect(lower == 639, "mbi-mem-lower", "mem_lower %u KiB, expected 639", lower);
	expect((uint64_t)HIGH_START + (uint64_t)upper * 1024 == boot.ram_end, "mbi-mem-upper",
	       "mem_upper %u KiB but the map's RAM ends at 0x%llx", upper,
	       (unsigned long long)boot.ram_end);
	expect(in_avail((uintptr_t)__image_start, (uintptr_t)__image_end), "mbi-kernel-in-ram",
	       "kernel [0x%x, 0x%x) not inside available RAM", (uint32_t)(uintptr_t)__image_start,
	       (uint32_t)(uintptr_t)__image_end);
	expect(in_avail(mbi, mbi + 88) &&
		   !overlaps(mbi, mbi + 88, (uintptr_t)__image_start, (uintptr_t)__image_end),
	       "mbi-placement", "MBI at 0x%x is not in free available RAM", mbi);
}

static bool has_prefix(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if (*s != *prefix)
			return false;
	return true;
}

/* "expect-mods=N" in the command line, else 0. */
static uint32_t expected_mods(const char *cmdline)
{
	static const char key[] = "expect-mods=";
	uint32_t n = 0;

	for (const char *p = cmdline; *p; p++) {
		if (!has_prefix(p, key))
			continue;
		for (p += sizeof(key) - 1; *p >= '0' && *p <= '9'; p++)
			n = n * 10 + (uint32_t)(*p - '0');
		return n;
	}
	return 0;
}

static void check_module(uint32_t i, uint32_t start, uint32_t end, uint32_t string)
{
	char name[40];
	const uint8_t *p = (const uint8_t *)(uintptr_t)start;

	gprintf("INFO module %u: [0x%x, 0x%x) '%s'\n", i, start, end,
		string ? (const char *)(uintptr_t)string : "(none)");
	gsnprintf(name, sizeof(name), "mbi-module-%u-placement", i);
	expect(start % 4096 == 0 && end > start && in_avail(start, end) &&
		   !overlaps(start, end, (uintptr_t)__image_start, (uintptr_t)__image_end),
	       name, "[0x%x, 0x%x) unaligned, empty, outside RAM or over the kernel", start, end);
	gsnprintf(name, sizeof(name), "mbi-module-%u-content", i);
	expect(end - start >= 4 && p[0] == 0x7f && p[1] == 'E' && p[2] == 'L' && p[3] == 'F', name,
	       "does not start with the ELF magic");
}

static void check_modules(uint32_t mbi, uint32_t flags)
{
	uint32_t want = expected_mods(boot.cmdline);
	uint32_t count = (flags & MBI_FLAG_MODS) ? word(mbi + 20) : 0, list = word(mbi + 24);
	uint32_t prev_end = 0;

	expect(count == want, "mbi-mods-count", "%u modules, the command line expects %u", count,
	       want);
	for (uint32_t i = 0; i < count && i < MAX_MODS; i++) {
		uint32_t e = list + 16 * i;

		check_module(i, word(e), word(e + 4), word(e + 8));
		if (word(e) < prev_end)
			fail("mbi-modules-disjoint", "module %u starts below the end of %u", i,
			     i - 1);
		prev_end = word(e + 4);
	}
}

void guest_main(void)
{
	uint32_t mbi = boot.mbi, flags;

	expect(boot.multiboot, "mbi-magic", "EAX was not 0x2BADB002");
	if (!boot.multiboot)
		return;
	flags = word(mbi);
	expect((flags & (MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MMAP)) ==
		   (MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MMAP),
	       "mbi-flags", "flags 0x%x lack memory, command line or memory map", flags);
	if (!(flags & MBI_FLAG_MMAP) || !read_mmap(word(mbi + 48), word(mbi + 44)))
		return;
	check_memory(mbi);
	check_modules(mbi, flags);
	if (hv_present())
		expect((flags & MBI_FLAG_LOADER) && memcmp(boot.loader, "hv", 3) == 0,
		       "mbi-loader-name", "boot loader '%s', expected 'hv'", boot.loader);
}
