/*
 * mm.h - the physical memory allocator.
 *
 * Built from the firmware memory map in struct boot_info.  It hands out only
 * MEM_USABLE RAM and never: firmware, ACPI or MMIO ranges, the hypervisor
 * image, loaded modules, or the first megabyte (except through
 * pmm_alloc_low(), for the SMP trampoline).  It keeps its bookkeeping in a
 * fixed array of free ranges inside the hypervisor image, so it writes to no
 * free memory until a caller does; that matters under UEFI, where the
 * firmware's page tables still live in "free" boot-services memory until the
 * core switches to its own (see arch/x86_64/paging.c).
 */
#ifndef HV_MM_H
#define HV_MM_H

#include <hv/bootinfo.h>

#define PMM_MAX_RANGES 512

struct pmm_range {
	uint64_t base;
	uint64_t end; /* one past the last byte */
};

/* The allocator state; a struct so host unit tests can run several at once. */
struct pmm {
	struct pmm_range free[PMM_MAX_RANGES];
	uint32_t count;
	/* usable RAM below 1 MiB (never page 0), only for pmm_alloc_low() */
	struct pmm_range low[16];
	uint32_t low_count;
	uint64_t total_usable; /* bytes of usable RAM after exclusions, at init */
	uint64_t max_phys;     /* highest end address of any RAM range */
};

/*
 * pmm_init - build the free list from bi->mem minus the image, the modules
 * and everything below 1 MiB.  Overlapping or unsorted firmware entries are
 * handled; a range reported both usable and reserved counts as reserved.
 */
void pmm_init(struct pmm *p, const struct boot_info *bi);

/* Remove [base, base+len) from the free list (e.g. a region claimed later). */
void pmm_reserve(struct pmm *p, uint64_t base, uint64_t len);

/* Allocate len bytes (rounded up to pages) aligned to align (a power of two
 * >= 4096).  Returns the physical address or 0 when nothing fits.  Memory is
 * not cleared. */
uint64_t pmm_alloc(struct pmm *p, uint64_t len, uint64_t align);

/* Allocate page-aligned memory below 1 MiB (for a real-mode trampoline);
 * 0 on failure.  Never returns page 0 or the EBDA/BIOS area above 0x9f000. */
uint64_t pmm_alloc_low(struct pmm *p, uint64_t len);

/* Return [base, base+len) to the free list. */
void pmm_free(struct pmm *p, uint64_t base, uint64_t len);

uint64_t pmm_free_bytes(const struct pmm *p);

/* The hypervisor's allocator instance and page-granular helpers on it. */
extern struct pmm hv_pmm;
/* Allocate n zeroed 4 KiB pages; panics on exhaustion (hypervisor-internal use). */
void *page_alloc_zeroed(size_t n);

#endif
