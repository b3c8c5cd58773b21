/*
 * ept.c - the EPT front end of the page-table walker (see hv/ept.h): the
 * EPT format described per level, argument checking, and the EPT pointer.
 *
 * Memory types (SDM 29.3.7): RAM is write-back and MMIO uncacheable, and by
 * default the guest's PAT still combines with that type as an MTRR type
 * would.  That keeps a guest's own choices working: a pass-through frame
 * buffer the guest maps write-combining stays WC (UC + WC = WC), and RAM
 * the guest marks UC for a device stays UC.  EPT_IGNORE_PAT forces the EPT
 * type instead.
 */
#include <hv/ept.h>

/* Geometry: each level indexes 9 more bits than the one below (29.3.2). */
#define EPT_PML4_SHIFT 39
#define EPT_PDPT_SHIFT 30
#define EPT_PD_SHIFT   21
#define EPT_PT_SHIFT   12
compile_assert(EPT_PML4_SHIFT == EPT_PDPT_SHIFT + PT_INDEX_BITS);
compile_assert(EPT_PDPT_SHIFT == EPT_PD_SHIFT + PT_INDEX_BITS);
compile_assert(EPT_PD_SHIFT == EPT_PT_SHIFT + PT_INDEX_BITS);
compile_assert(EPT_PT_SHIFT == PAGE_SHIFT);
compile_assert(EPT_PML4_SHIFT + PT_INDEX_BITS == EPT_GPA_BITS);

static const struct pt_level ept_levels[EPT_LEVELS] = {
    {.name = "PML4", .shift = EPT_PML4_SHIFT, .leaf_ok = false},
    {.name = "PDPT", .shift = EPT_PDPT_SHIFT, .leaf_ok = true, .leaf_allow = EPT_ALLOW_1G},
    {.name = "PD", .shift = EPT_PD_SHIFT, .leaf_ok = true, .leaf_allow = EPT_ALLOW_2M},
    {.name = "PT", .shift = EPT_PT_SHIFT, .leaf_ok = true, .leaf_allow = 0},
};

/* What a leaf keeps besides its address: permissions, memory type, IPAT. */
#define EPTE_LEAF_ATTRS (EPTE_READ | EPTE_WRITE | EPTE_EXEC | EPTE_MT_MASK | EPTE_IGNORE_PAT)
/* A non-leaf entry grants everything; the leaf decides (29.3.3). */
#define EPTE_TABLE_BITS (EPTE_READ | EPTE_WRITE | EPTE_EXEC)

/* An entry is present when any of R/W/X is set (29.3.2: "not present"). */
static bool ept_is_present(uint64_t e)
{
	return e & (EPTE_READ | EPTE_WRITE | EPTE_EXEC);
}

static bool ept_is_leaf(uint64_t e, unsigned level)
{
	/* bit 7 means "large page" only where the level allows leaves (29.3.2) */
	return ept_is_present(e) &&
	       (level == EPT_LEVELS - 1 || (ept_levels[level].leaf_ok && (e & EPTE_LARGE)));
}

static uint64_t ept_make_table(uint64_t table_pa)
{
	return table_pa | EPTE_TABLE_BITS;
}

static uint64_t ept_make_leaf(uint64_t pa, uint64_t attrs, unsigned level)
{
	return pa | attrs | (level < EPT_LEVELS - 1 ? EPTE_LARGE : 0);
}

static uint64_t ept_entry_addr(uint64_t e, unsigned level)
{
	(void)level;
	return e & EPTE_ADDR_MASK;
}

static uint64_t ept_entry_attrs(uint64_t e, unsigned level)
{
	(void)level;
	return e & EPTE_LEAF_ATTRS;
}

static const struct pt_format ept_format = {
    .levels = ept_levels,
    .nlevels = EPT_LEVELS,
    .is_present = ept_is_present,
    .is_leaf = ept_is_leaf,
    .make_table = ept_make_table,
    .make_leaf = ept_make_leaf,
    .entry_addr = ept_entry_addr,
    .entry_attrs = ept_entry_attrs,
};

const char *ept_strerror(int err)
{
	return pt_strerror(err);
}

int ept_init(struct ept *ept, const struct pt_allocator *alloc)
{
	return pt_init(&ept->pt, &ept_format, alloc);
}

/* Alignment and range of [base, base+size) within 2^bits. */
static int check_range(uint64_t base, uint64_t size, unsigned bits)
{
	if (!size || !IS_ALIGNED(base, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE))
		return -PT_EALIGN;
	if (base + size < base || base + size > (1ULL << bits))
		return -PT_ERANGE;
	return 0;
}

/* Turn map flags into leaf bits; -PT_EINVAL for what EPT cannot express. */
static int leaf_attrs(uint32_t flags, uint64_t *attrs)
{
	if (flags & ~(uint32_t)EPT_MAP_FLAGS)
		return -PT_EINVAL;
	/* no access at all is an unmap; write without read is a misconfiguration */
	if (!(flags & EPT_RWX) || ((flags & EPT_WRITE) && !(flags & EPT_READ)))
		return -PT_EINVAL;
	*attrs = (flags & EPT_RWX) | (uint64_t)(flags & EPT_MMIO ? EPT_MT_UC : EPT_MT_WB)
					 << EPTE_MT_SHIFT;
	if (flags & EPT_IGNORE_PAT)
		*attrs |= EPTE_IGNORE_PAT;
	return 0;
}

int ept_map(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t size, uint32_t flags)
{
	uint64_t attrs;
	int rc;

	/* Check everything first; then the map cannot fail but for memory. */
	rc = check_range(gpa, size, EPT_GPA_BITS);
	if (!rc)
		rc = check_range(hpa, size, EPT_MAX_PHYS_BITS);
	if (!rc)
		rc = leaf_attrs(flags, &attrs);
	if (rc)
		return rc;
	if (!pt_range_is_free(&ept->pt, gpa, size))
		return -PT_EOVERLAP;
	return pt_map(&ept->pt, gpa, hpa, size, attrs, flags & (EPT_ALLOW_2M | EPT_ALLOW_1G));
}

int ept_unmap(struct ept *ept, uint64_t gpa, uint64_t size)
{
	int rc = check_range(gpa, size, EPT_GPA_BITS);

	return rc ? rc : pt_unmap(&ept->pt, gpa, size);
}

int ept_translate(struct ept *ept, uint64_t gpa, uint64_t *hpa, uint32_t *flags)
{
	uint64_t attrs;
	unsigned level;
	int rc;

	if (gpa >> EPT_GPA_BITS)
		return -PT_ENOENT;
	rc = pt_lookup(&ept->pt, gpa, hpa, &attrs, &level);
	if (rc)
		return rc;
	*flags = (uint32_t)(attrs & EPT_RWX);
	if (((attrs & EPTE_MT_MASK) >> EPTE_MT_SHIFT) == EPT_MT_UC)
		*flags |= EPT_MMIO;
	if (attrs & EPTE_IGNORE_PAT)
		*flags |= EPT_IGNORE_PAT;
	if (ept_levels[level].shift == EPT_PDPT_SHIFT)
		*flags |= EPT_PAGE_1G;
	else if (ept_levels[level].shift == EPT_PD_SHIFT)
		*flags |= EPT_PAGE_2M;
	return 0;
}

void ept_destroy(struct ept *ept)
{
	pt_destroy(&ept->pt);
}

uint64_t ept_eptp(const struct ept *ept, bool enable_ad)
{
	return ept->pt.root | (uint64_t)EPT_MT_WB << EPTP_MT_SHIFT |
	       (uint64_t)(EPT_LEVELS - 1) << EPTP_WALK_SHIFT | (enable_ad ? EPTP_AD_ENABLE : 0);
}
