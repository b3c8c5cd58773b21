/*
 * ept.h - building a partition's extended page tables (SDM Vol. 3, 29.3).
 *
 * One struct ept per partition: a 4-level table tree mapping guest-physical
 * to host-physical addresses, built with 1 GiB, 2 MiB and 4 KiB pages as the
 * alignment of both addresses and the CPU's capabilities allow.  The tables
 * live in pages from a caller-supplied allocator (struct pt_allocator), so
 * the builder is pure and unit-tested on the host; ept_init_hv() binds it
 * to the hypervisor's page allocator.
 *
 * The builder never flushes a TLB: ept_unmap() says when an INVEPT is due
 * and the caller issues it (vmx/vmx_ops.h), since only it knows which CPUs
 * run the partition.
 */
#ifndef HV_EPT_H
#define HV_EPT_H

#include <hv/ptwalk.h>

/* ---- EPT paging-structure entry bits (SDM 29.3.2, Tables 29-1..29-6) ---- */
#define EPTE_READ	 BIT(0)
#define EPTE_WRITE	 BIT(1)
#define EPTE_EXEC	 BIT(2) /* supervisor-mode execute when mode-based control is on */
#define EPTE_MT_SHIFT	 3	/* leaf: memory type, bits 5:3 (29.3.7) */
#define EPTE_MT_MASK	 GENMASK(5, 3)
#define EPTE_IGNORE_PAT	 BIT(6) /* leaf: guest PAT does not combine with the type */
#define EPTE_LARGE	 BIT(7) /* in a PDPTE or PDE: maps 1 GiB / 2 MiB */
#define EPTE_ACCESSED	 BIT(8)
#define EPTE_DIRTY	 BIT(9) /* leaf only */
#define EPTE_ADDR_MASK	 GENMASK(51, 12)
#define EPTE_SUPPRESS_VE BIT(63)

#define EPT_MT_UC 0
#define EPT_MT_WB 6

/* ---- EPT pointer (SDM 25.6.11) ---- */
#define EPTP_MT_SHIFT	  0
#define EPTP_WALK_SHIFT	  3 /* page-walk length minus 1 */
#define EPTP_AD_ENABLE	  BIT(6)
#define EPT_LEVELS	  4
#define EPT_GPA_BITS	  48 /* what a 4-level walk translates */
#define EPT_MAX_PHYS_BITS 52 /* architectural MAXPHYADDR limit */

/* ---- ept_map() flags ---- */
#define EPT_READ       BIT(0)
#define EPT_WRITE      BIT(1)
#define EPT_EXEC       BIT(2)
#define EPT_RWX	       (EPT_READ | EPT_WRITE | EPT_EXEC)
#define EPT_MMIO       BIT(3) /* uncacheable (device memory); default: write-back RAM */
#define EPT_IGNORE_PAT BIT(4) /* force the EPT type, overriding the guest's PAT */
#define EPT_ALLOW_2M   BIT(8) /* CPU supports 2 MiB EPT pages (EPT_VPID_CAP bit 16) */
#define EPT_ALLOW_1G   BIT(9) /* CPU supports 1 GiB EPT pages (EPT_VPID_CAP bit 17) */
/* ept_translate() output only: the size of the page that maps the address */
#define EPT_PAGE_2M   BIT(10)
#define EPT_PAGE_1G   BIT(11)
#define EPT_MAP_FLAGS (EPT_RWX | EPT_MMIO | EPT_IGNORE_PAT | EPT_ALLOW_2M | EPT_ALLOW_1G)

struct ept {
	struct pt pt; /* pt.root is the PML4's physical address */
};

/* Errors are the negative PT_E* codes of hv/ptwalk.h. */
const char *ept_strerror(int err);

/* Set up an empty EPT whose tables come from alloc.  0 or -PT_ENOMEM. */
int ept_init(struct ept *ept, const struct pt_allocator *alloc);

/* ept_init() with the hypervisor's physical page allocator (ept/ept_hv.c). */
int ept_init_hv(struct ept *ept);

/*
 * ept_map - map guest-physical [gpa, gpa+size) to host-physical
 * [hpa, hpa+size) with flags (EPT_READ/WRITE/EXEC, EPT_MMIO, EPT_IGNORE_PAT,
 * EPT_ALLOW_2M/1G).  Errors: -PT_EALIGN (gpa, hpa or size not 4 KiB
 * aligned, or size 0), -PT_ERANGE (beyond 2^48 guest or 2^52 host, or
 * wrapping), -PT_EINVAL (no permission, write without read - an EPT
 * misconfiguration, 29.3.3.1 - or unknown flags), -PT_EOVERLAP (any page of
 * the range already mapped: nothing is changed), -PT_ENOMEM (nothing is
 * left mapped).
 */
int ept_map(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t size, uint32_t flags);

/*
 * ept_unmap - remove every mapping in [gpa, gpa+size); holes are fine.
 * Large pages straddling either end are split so the rest stays mapped.
 * Returns 1 when an INVEPT is needed (something was mapped), 0 when not,
 * or -PT_EALIGN/-PT_ERANGE/-PT_ENOMEM.
 */
int ept_unmap(struct ept *ept, uint64_t gpa, uint64_t size);

/* Translate gpa: 0 with *hpa and *flags (permissions, EPT_MMIO,
 * EPT_IGNORE_PAT, EPT_PAGE_2M/1G), or -PT_ENOENT. */
int ept_translate(struct ept *ept, uint64_t gpa, uint64_t *hpa, uint32_t *flags);

/* Free every table.  The EPT must no longer be in use by any CPU. */
void ept_destroy(struct ept *ept);

/* The VMCS EPT pointer: write-back tables, 4-level walk, accessed/dirty
 * flags when enable_ad (only if EPT_VPID_CAP bit 21 says so). */
uint64_t ept_eptp(const struct ept *ept, bool enable_ad);

#endif
