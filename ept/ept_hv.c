/*
 * ept_hv.c - binds the EPT builder to the hypervisor's physical page
 * allocator.  Kept apart from ept/ept.c so that file stays host-testable.
 * The core is identity mapped, so a table's physical address is its pointer.
 * hv_pmm has no lock: build EPTs from one CPU at a time (partition setup).
 */
#include <hv/ept.h>
#include <hv/lib.h>
#include <hv/mm.h>

static uint64_t hv_table_alloc(void *ctx)
{
	uint64_t pa = pmm_alloc(ctx, PAGE_SIZE, PAGE_SIZE);

	if (pa)
		memset((void *)(uintptr_t)pa, 0, PAGE_SIZE);
	return pa;
}

static void hv_table_free(void *ctx, uint64_t pa)
{
	pmm_free(ctx, pa, PAGE_SIZE);
}

static void *hv_phys_to_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

int ept_init_hv(struct ept *ept)
{
	const struct pt_allocator alloc = {
	    .alloc_page = hv_table_alloc,
	    .free_page = hv_table_free,
	    .phys_to_virt = hv_phys_to_virt,
	    .ctx = &hv_pmm,
	};

	return ept_init(ept, &alloc);
}
