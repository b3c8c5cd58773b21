/*
 * mem.c - the hostile guest's memory attempts (hostile.h).
 *
 * Non-fatal: read every byte of its own RAM the loader did not write - it
 * must all be zero, since the hypervisor clears a partition's memory before
 * it starts (nothing left by another guest or by the hypervisor).
 * Fatal (hostile.c's stages): accesses beyond its RAM.  Below 4 GiB they
 * are plain loads and stores with paging off; above, the guest turns on
 * PAE paging (SDM Vol. 3A 4.4) with one 2 MiB page mapping the target, so
 * that a 32-bit guest can emit a 36+-bit guest-physical address.  Nothing
 * is mapped there in its EPT, so each should end this guest.
 */
#include "hostile.h"

#define LOW_RAM_END    0x9fc00u /* the multiboot map's first reserved byte */
#define PAGE	       4096u
#define PAE_PDE_P      BIT(0)
#define PAE_PDE_RW     BIT(1)
#define PAE_PDE_PS     BIT(7)
#define PAE_PDPTE_P    BIT(0)
#define CR0_PG	       BIT(31)
#define CR4_PAE	       BIT(5)
#define LARGE_PAGE     0x200000u
#define WINDOW_VA      0x40000000u /* PDPT entry 1: the window onto the target */
#define IDENTITY_PAGES 8u	   /* 16 MiB identity-mapped for code, data and stack */

extern const char __image_start[], __image_end[];

/* PAE tables: the PDPT must be 32-byte aligned, the directories 4 KiB. */
static uint64_t pdpt[4] __attribute__((aligned(32)));
static uint64_t pd_low[512] __attribute__((aligned(4096)));
static uint64_t pd_window[512] __attribute__((aligned(4096)));

unsigned hostile_maxphyaddr(void)
{
	unsigned bits = 32;

	if (cpuid(0x80000000u, 0).eax >= 0x80000008u)
		bits = cpuid(0x80000008u, 0).eax & 0xff;
	return bits < 32 ? 32 : bits;
}

/* Turn on PAE paging with [0, 16 MiB) identity-mapped and the 2 MiB page
 * holding pa at WINDOW_VA; returns the linear address of pa. */
static uint32_t pae_window(uint64_t pa)
{
	uint64_t base = pa & ~(uint64_t)(LARGE_PAGE - 1);

	for (unsigned i = 0; i < IDENTITY_PAGES; i++)
		pd_low[i] = (uint64_t)i * LARGE_PAGE | PAE_PDE_P | PAE_PDE_RW | PAE_PDE_PS;
	pd_window[0] = base | PAE_PDE_P | PAE_PDE_RW | PAE_PDE_PS;
	pdpt[0] = (uint32_t)(uintptr_t)pd_low | PAE_PDPTE_P;
	pdpt[1] = (uint32_t)(uintptr_t)pd_window | PAE_PDPTE_P;
	__asm__ volatile("mov %0, %%cr3" : : "r"((uint32_t)(uintptr_t)pdpt) : "memory");
	write_cr4(read_cr4() | CR4_PAE);
	__asm__ volatile("mov %%cr0, %%eax; orl %0, %%eax; mov %%eax, %%cr0"
			 :
			 : "i"(CR0_PG)
			 : "eax", "memory");
	return WINDOW_VA + (uint32_t)(pa - base);
}

static uint32_t linear_for(uint64_t pa)
{
	return pa >> 32 ? pae_window(pa) : (uint32_t)pa;
}

uint32_t hostile_phys_read(uint64_t pa)
{
	return mmio_read32(linear_for(pa));
}

void hostile_phys_write(uint64_t pa, uint32_t v)
{
	mmio_write32(linear_for(pa), v);
}

/* First byte after what the loader wrote: the information structure, its
 * memory map, loader name and command line all sit in the page after the
 * image (guests/mb1_info.c); two pages leave room for a long command line. */
static uint32_t loader_data_end(void)
{
	uint32_t end = (uint32_t)(uintptr_t)__image_end;

	if (boot.mbi > end)
		end = boot.mbi;
	return (end + 3 * PAGE - 1) & ~(PAGE - 1);
}

/* Count non-zero dwords in [from, to); the first one found in *first. */
static uint32_t scan_nonzero(uint32_t from, uint32_t to, uint32_t *first, uint32_t *value)
{
	uint32_t n = 0;

	for (uint32_t a = from; a < to; a += 4) {
		/* guest-physical 0 is RAM like any other here */
		// cppcheck-suppress nullPointer
		uint32_t v = *(volatile const uint32_t *)(uintptr_t)a;

		if (v && n++ == 0) {
			*first = a;
			*value = v;
		}
	}
	return n;
}

static void ram_is_clean(void)
{
	uint32_t low_first = 0, low_val = 0, high_first = 0, high_val = 0;
	uint32_t start = loader_data_end(), end = (uint32_t)boot.ram_end, low, high;

	attempt_begin("read its whole RAM for data it did not put there: [0, 0x%x) and "
		      "[0x%x, 0x%x)",
		      LOW_RAM_END, start, end);
	if (!boot.ram_end || boot.ram_end > 0xfe000000u || start >= end) {
		attempt_end(OUT_CONTAINED, "skipped: no usable RAM size (0x%llx)",
			    (unsigned long long)boot.ram_end);
		return;
	}
	/* the first 4 bytes: a NULL pointer target nobody writes, but be exact */
	low = scan_nonzero(0, LOW_RAM_END, &low_first, &low_val);
	high = scan_nonzero(start, end, &high_first, &high_val);
	if (!low && !high)
		attempt_end(OUT_CONTAINED,
			    "all %u KiB read as zero: nothing of another partition "
			    "or of the hypervisor",
			    (LOW_RAM_END + end - start) / 1024);
	else
		attempt_end(OUT_BREACH, "%u non-zero dwords, first 0x%08x at 0x%x", low + high,
			    low ? low_val : high_val, low ? low_first : high_first);
}

void hostile_memory(void)
{
	ram_is_clean();
}
