/*
 * paging.c - the hypervisor's own page tables: a 4-level identity map.
 *
 * paging_init() maps [0, max(max_phys, 4 GiB)) virtual == physical with the
 * largest pages the CPU offers (1 GiB when CPUID.80000001H:EDX.Page1GB, else
 * 2 MiB).  Caching follows the memory map: a page holding any RAM is
 * write-back, a page with none (MMIO: LAPIC, IOAPIC, PCI windows, flash) is
 * uncached through PCD|PWT (PAT entry 3, UC).  A 1 GiB page is used only when
 * the whole GiB has one type; a mixed GiB is split into 2 MiB pages.
 *
 * The tables come from a static pool inside the image, not the allocator:
 * under UEFI the firmware's own page tables sit in memory the allocator
 * counts as free, so nothing may be allocated before this switch is done.
 *
 * The first 2 MiB are mapped with 4 KiB pages: the fixed-range MTRRs give
 * the first MiB several memory types, and a large page spanning MTRR types
 * is undefined behaviour (SDM Vol. 3A 12.11.9).
 *
 * One builder per level: pml4_build -> pdpt_build -> pdpte_make -> pd_build
 * -> pt_build.
 */
#include <hv/arch.h>
#include <hv/bootinfo.h>
#include <hv/printk.h>
#include <arch/cpu.h>
#include <arch/msr.h>
#include <arch/paging.h>

#define PT_POOL_PD   64					 /* 64 GiB with 2 MiB pages */
#define PT_POOL_PDPT 4					 /* 2 TiB with 1 GiB pages */
#define PT_POOL	     (1 + PT_POOL_PDPT + PT_POOL_PD + 1) /* + the PT of the first 2 MiB */
#define PAGE_4K	     PAGE_SIZE
#define PAGE_2M	     (1ULL << PT_SHIFT_PDE)
#define PAGE_1G	     (1ULL << PT_SHIFT_PDPTE)
#define PML4E_SPAN   (1ULL << PT_SHIFT_PML4E)
#define PTE_TABLE    (PTE_P | PTE_RW)
#define PTE_UC	     (PTE_PCD | PTE_PWT)   /* PAT index 3 */
#define PAT_DEFAULT  0x0007040600070406ULL /* SDM Vol. 3A 12.12.4: power-on PAT */
#define PAT_WB	     0x06
#define PAT_UC	     0x00

static uint64_t pt_pool[PT_POOL][PT_ENTRIES] __aligned(4096);
static uint32_t pt_used;
static uint64_t mapped_end;

uint64_t paging_mapped_end(void)
{
	return mapped_end ? mapped_end : 4 * GiB;
}

static uint64_t *pt_alloc(uint64_t for_addr)
{
	if (pt_used == PT_POOL)
		panic("paging: the static pool of %u page tables is exhausted at %#llx", PT_POOL,
		      (unsigned long long)for_addr);
	return pt_pool[pt_used++]; /* .bss: already zero */
}

static bool mem_is_ram(uint32_t type)
{
	switch (type) {
	case MEM_USABLE:
	case MEM_ACPI_RECLAIM:
	case MEM_ACPI_NVS:
	case MEM_BAD:
	case MEM_FW_RUNTIME:
		return true;
	default:
		return false;
	}
}

/* Bytes of [base, base + len) that the memory map calls RAM (the first
 * MiB always counts: real-mode code and BIOS data live there). */
static uint64_t ram_bytes(uint64_t base, uint64_t len)
{
	const struct boot_info *bi = hv_boot_info;
	uint64_t sum = 0, end = base + len;

	if (!bi || base < 1 * MiB)
		return len;
	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct mem_range *r = &bi->mem[i];
		uint64_t lo = MAX(base, r->base), hi = MIN(end, r->base + r->len);

		if (mem_is_ram(r->type) && hi > lo)
			sum += hi - lo;
	}
	return MIN(sum, len);
}

/* A PT of 512 4 KiB pages for the 2 MiB at base. */
static uint64_t *pt_build(uint64_t base)
{
	uint64_t *pt = pt_alloc(base);

	for (uint32_t i = 0; i < PT_ENTRIES; i++) {
		uint64_t addr = base + i * PAGE_4K;

		pt[i] = addr | PTE_P | PTE_RW | (ram_bytes(addr, PAGE_4K) ? 0 : PTE_UC);
	}
	return pt;
}

/* A PD of 512 2 MiB pages for the GiB at base (a PT for the first 2 MiB). */
static uint64_t *pd_build(uint64_t base)
{
	uint64_t *pd = pt_alloc(base);

	for (uint32_t i = 0; i < PT_ENTRIES; i++) {
		uint64_t addr = base + i * PAGE_2M;

		if (addr == 0)
			pd[i] = (uint64_t)(uintptr_t)pt_build(addr) | PTE_TABLE;
		else
			pd[i] = addr | PTE_P | PTE_RW | PTE_PS |
				(ram_bytes(addr, PAGE_2M) ? 0 : PTE_UC);
	}
	return pd;
}

/* The PDPT entry for the GiB at base: one 1 GiB page when allowed and the
 * GiB is all RAM or has none (and is not the first), else a PD. */
static uint64_t pdpte_make(uint64_t base, bool use_1g)
{
	uint64_t ram = use_1g ? ram_bytes(base, PAGE_1G) : 1;

	if (use_1g && base != 0 && (ram == 0 || ram == PAGE_1G))
		return base | PTE_P | PTE_RW | PTE_PS | (ram ? 0 : PTE_UC);
	return (uint64_t)(uintptr_t)pd_build(base) | PTE_TABLE;
}

/* A PDPT for the 512 GiB at base, entries up to end. */
static uint64_t *pdpt_build(uint64_t base, uint64_t end, bool use_1g)
{
	uint64_t *pdpt = pt_alloc(base);

	for (uint32_t i = 0; i < PT_ENTRIES && base + i * PAGE_1G < end; i++)
		pdpt[i] = pdpte_make(base + i * PAGE_1G, use_1g);
	return pdpt;
}

static uint64_t *pml4_build(uint64_t end, bool use_1g)
{
	uint64_t *pml4 = pt_alloc(0);

	for (uint32_t i = 0; i < PT_ENTRIES && i * PML4E_SPAN < end; i++)
		pml4[i] = (uint64_t)(uintptr_t)pdpt_build(i * PML4E_SPAN, end, use_1g) | PTE_TABLE;
	return pml4;
}

/* Check that what we are about to build fits the pool and the CPU. */
static void paging_check(uint64_t end, bool use_1g)
{
	uint32_t maxphy = cpuid(0x80000008, 0).eax & 0xff;
	uint64_t gib = end / PAGE_1G;

	if (read_cr4() & CR4_LA57)
		panic("paging: firmware runs with 5-level paging (CR4.LA57); not supported");
	if (maxphy < 64 && end > (1ULL << maxphy))
		panic("paging: memory ends at %#llx, beyond the CPU's %u-bit physical addresses",
		      (unsigned long long)end, maxphy);
	if (!use_1g && gib > PT_POOL_PD)
		panic("paging: %llu GiB of physical memory exceed the %u GiB the static page "
		      "table pool maps with 2 MiB pages",
		      (unsigned long long)gib, PT_POOL_PD);
	if (use_1g && (end - 1) / PML4E_SPAN + 1 > PT_POOL_PDPT)
		panic("paging: %llu GiB of physical memory exceed the %llu GiB the static page "
		      "table pool maps",
		      (unsigned long long)gib,
		      (unsigned long long)(PT_POOL_PDPT * PML4E_SPAN / GiB));
	if (!IS_ALIGNED((uint64_t)(uintptr_t)pt_pool, PAGE_SIZE))
		panic("paging: page table pool at %p is not page aligned", (void *)pt_pool);
}

/* PTE_UC and write-back leaves rely on PAT entries 3 (UC) and 0 (WB). */
static void pat_check(void)
{
	uint64_t pat = rdmsr(MSR_IA32_PAT);

	if ((pat & 0xff) != PAT_WB || ((pat >> 24) & 0xff) != PAT_UC) {
		pr_warn("paging: PAT %#llx not at its power-on value; resetting it\n",
			(unsigned long long)pat);
		wrmsr(MSR_IA32_PAT, PAT_DEFAULT);
	}
}

/*
 * paging_init - see arch.h.  Called once, on the bootstrap CPU, before
 * anything is allocated.  APs load the same tables: read_cr3() afterwards.
 * Panics when the memory does not fit the static pool or the CPU.
 */
void paging_init(uint64_t max_phys)
{
	bool use_1g = cpuid(0x80000001, 0).edx & CPUID_80000001_EDX_PDPE1GB;
	uint64_t end = ALIGN_UP(MAX(max_phys, 4 * GiB), PAGE_1G);
	uint64_t *pml4;

	if (end < max_phys)
		panic("paging: max_phys %#llx out of range", (unsigned long long)max_phys);
	paging_check(end, use_1g);
	pat_check();
	pml4 = pml4_build(end, use_1g);
	write_cr3((uint64_t)(uintptr_t)pml4);
	mapped_end = end;
	pr_info("paging: identity map of %llu GiB, %s pages, %u page tables\n",
		(unsigned long long)(end / GiB), use_1g ? "1 GiB" : "2 MiB", pt_used);
}
