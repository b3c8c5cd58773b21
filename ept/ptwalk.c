/*
 * ptwalk.c - the format-independent page-table walker (see hv/ptwalk.h).
 *
 * Every operation is a recursion over levels: at each level the range is cut
 * at entry boundaries, and each piece either is handled by this entry (a
 * leaf, or nothing) or descends into the next table.  Inputs are trusted:
 * the format front end (ept/ept.c) validates alignment, range and overlap.
 */
#include <hv/ptwalk.h>

static uint64_t *table_of(struct pt *pt, uint64_t pa)
{
	return pt->alloc.phys_to_virt(pt->alloc.ctx, pa);
}

static uint64_t span_of(const struct pt *pt, unsigned level)
{
	return 1ULL << pt->fmt->levels[level].shift;
}

static unsigned index_of(const struct pt *pt, unsigned level, uint64_t va)
{
	return (va >> pt->fmt->levels[level].shift) & (PT_TABLE_ENTRIES - 1);
}

/* Bytes from va to the end of its entry at level, capped at size. */
static uint64_t chunk_of(const struct pt *pt, unsigned level, uint64_t va, uint64_t size)
{
	uint64_t span = span_of(pt, level);

	return MIN(size, span - (va & (span - 1)));
}

static uint64_t new_table(struct pt *pt)
{
	uint64_t pa = pt->alloc.alloc_page(pt->alloc.ctx);

	if (pa)
		pt->table_pages++;
	return pa;
}

static void free_table(struct pt *pt, uint64_t pa)
{
	pt->alloc.free_page(pt->alloc.ctx, pa);
	pt->table_pages--;
}

static const char *const error_texts[] = {
    [PT_OK] = "success",
    [PT_EALIGN] = "address or size not 4 KiB aligned, or size 0",
    [PT_ERANGE] = "range wraps or exceeds the addressable space",
    [PT_EOVERLAP] = "range overlaps an existing mapping",
    [PT_ENOMEM] = "out of memory for page tables",
    [PT_EINVAL] = "invalid mapping flags",
    [PT_ENOENT] = "address not mapped",
};

const char *pt_strerror(int err)
{
	unsigned e = err < 0 ? (unsigned)-err : (unsigned)err;

	return e < ARRAY_SIZE(error_texts) ? error_texts[e] : "unknown error";
}

int pt_init(struct pt *pt, const struct pt_format *fmt, const struct pt_allocator *alloc)
{
	pt->fmt = fmt;
	pt->alloc = *alloc;
	pt->table_pages = 0;
	pt->root = new_table(pt);
	return pt->root ? 0 : -PT_ENOMEM;
}

static bool range_free_level(struct pt *pt, uint64_t table, unsigned level, uint64_t va,
			     uint64_t size)
{
	const uint64_t *t = table_of(pt, table);

	while (size) {
		uint64_t chunk = chunk_of(pt, level, va, size);
		uint64_t e = t[index_of(pt, level, va)];

		if (pt->fmt->is_present(e)) {
			if (pt->fmt->is_leaf(e, level))
				return false;
			if (!range_free_level(pt, pt->fmt->entry_addr(e, level), level + 1, va,
					      chunk))
				return false;
		}
		va += chunk;
		size -= chunk;
	}
	return true;
}

bool pt_range_is_free(struct pt *pt, uint64_t va, uint64_t size)
{
	return range_free_level(pt, pt->root, 0, va, size);
}

/* Can [va, va+chunk) -> pa be one leaf at this level? */
static bool leaf_fits(const struct pt *pt, unsigned level, uint64_t va, uint64_t pa, uint64_t chunk,
		      uint32_t allow)
{
	const struct pt_level *l = &pt->fmt->levels[level];
	uint64_t span = span_of(pt, level);

	return l->leaf_ok && (allow & l->leaf_allow) == l->leaf_allow && chunk == span &&
	       IS_ALIGNED(va, span) && IS_ALIGNED(pa, span);
}

static int map_level(struct pt *pt, uint64_t table, unsigned level, uint64_t va, uint64_t pa,
		     uint64_t size, uint64_t attrs, uint32_t allow)
{
	uint64_t *t = table_of(pt, table);

	while (size) {
		uint64_t chunk = chunk_of(pt, level, va, size);
		uint64_t *e = &t[index_of(pt, level, va)];
		int rc;

		if (leaf_fits(pt, level, va, pa, chunk, allow) && !pt->fmt->is_present(*e)) {
			*e = pt->fmt->make_leaf(pa, attrs, level);
		} else {
			if (level + 1 >= pt->fmt->nlevels || pt->fmt->is_leaf(*e, level))
				return -PT_EOVERLAP; /* the caller checked; defensive */
			if (!pt->fmt->is_present(*e)) {
				uint64_t child = new_table(pt);

				if (!child)
					return -PT_ENOMEM;
				*e = pt->fmt->make_table(child);
			}
			rc = map_level(pt, pt->fmt->entry_addr(*e, level), level + 1, va, pa, chunk,
				       attrs, allow);
			if (rc)
				return rc;
		}
		va += chunk;
		pa += chunk;
		size -= chunk;
	}
	return 0;
}

int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t attrs, uint32_t allow)
{
	int rc = map_level(pt, pt->root, 0, va, pa, size, attrs, allow);

	/* Leave no half-made mapping behind: the range was free before. */
	if (rc)
		pt_unmap(pt, va, size);
	return rc;
}

static bool table_is_empty(struct pt *pt, uint64_t table)
{
	const uint64_t *t = table_of(pt, table);

	for (unsigned i = 0; i < PT_TABLE_ENTRIES; i++)
		if (pt->fmt->is_present(t[i]))
			return false;
	return true;
}

/* Replace the large leaf *e at level by a table of equivalent leaves one
 * level down, so that part of it can be unmapped. */
static int split_leaf(struct pt *pt, uint64_t *e, unsigned level)
{
	uint64_t child = new_table(pt);
	uint64_t base = pt->fmt->entry_addr(*e, level), attrs = pt->fmt->entry_attrs(*e, level);
	uint64_t step = span_of(pt, level + 1);
	uint64_t *t;

	if (!child)
		return -PT_ENOMEM;
	t = table_of(pt, child);
	for (unsigned i = 0; i < PT_TABLE_ENTRIES; i++)
		t[i] = pt->fmt->make_leaf(base + i * step, attrs, level + 1);
	*e = pt->fmt->make_table(child);
	return 0;
}

static int unmap_level(struct pt *pt, uint64_t table, unsigned level, uint64_t va, uint64_t size,
		       bool *changed)
{
	uint64_t *t = table_of(pt, table);

	while (size) {
		uint64_t chunk = chunk_of(pt, level, va, size);
		uint64_t *e = &t[index_of(pt, level, va)];
		int rc;

		if (pt->fmt->is_present(*e) && pt->fmt->is_leaf(*e, level) &&
		    chunk == span_of(pt, level)) {
			*e = 0;
			*changed = true;
		} else if (pt->fmt->is_present(*e)) {
			/* a large leaf only partly in the range: keep the rest mapped */
			if (pt->fmt->is_leaf(*e, level)) {
				rc = split_leaf(pt, e, level);
				if (rc)
					return rc;
			}
			rc = unmap_level(pt, pt->fmt->entry_addr(*e, level), level + 1, va, chunk,
					 changed);
			if (rc)
				return rc;
			if (table_is_empty(pt, pt->fmt->entry_addr(*e, level))) {
				free_table(pt, pt->fmt->entry_addr(*e, level));
				*e = 0;
			}
		}
		va += chunk;
		size -= chunk;
	}
	return 0;
}

int pt_unmap(struct pt *pt, uint64_t va, uint64_t size)
{
	bool changed = false;
	int rc = unmap_level(pt, pt->root, 0, va, size, &changed);

	return rc ? rc : changed;
}

int pt_lookup(struct pt *pt, uint64_t va, uint64_t *pa, uint64_t *attrs, unsigned *level)
{
	uint64_t table = pt->root;

	for (unsigned l = 0; l < pt->fmt->nlevels; l++) {
		uint64_t e = table_of(pt, table)[index_of(pt, l, va)];

		if (!pt->fmt->is_present(e))
			return -PT_ENOENT;
		if (pt->fmt->is_leaf(e, l)) {
			*pa = pt->fmt->entry_addr(e, l) + (va & (span_of(pt, l) - 1));
			*attrs = pt->fmt->entry_attrs(e, l);
			*level = l;
			return 0;
		}
		table = pt->fmt->entry_addr(e, l);
	}
	return -PT_ENOENT;
}

static void destroy_level(struct pt *pt, uint64_t table, unsigned level)
{
	const uint64_t *t = table_of(pt, table);

	for (unsigned i = 0; i < PT_TABLE_ENTRIES && level + 1 < pt->fmt->nlevels; i++)
		if (pt->fmt->is_present(t[i]) && !pt->fmt->is_leaf(t[i], level))
			destroy_level(pt, pt->fmt->entry_addr(t[i], level), level + 1);
	free_table(pt, table);
}

void pt_destroy(struct pt *pt)
{
	if (pt->root)
		destroy_level(pt, pt->root, 0);
	pt->root = 0;
}
