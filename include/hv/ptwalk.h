/*
 * ptwalk.h - one radix page-table walker for every x86 table format.
 *
 * A format is described per level (how many address bits lie below the
 * level's index, whether a leaf may sit there and which map permission
 * allows it) plus a handful of entry encoders.  The walker knows nothing
 * else, so the same code maps, unmaps (splitting large pages), translates
 * and frees EPT tables (ept/ept.c) and could serve host 4-level paging with
 * a second format.  Tables are 512 eight-byte entries in one 4 KiB page.
 *
 * Table memory comes from a caller-supplied allocator that speaks physical
 * addresses, with a phys->virt translation: host unit tests back it with
 * malloc, the hypervisor with its page allocator (identity mapped).
 */
#ifndef HV_PTWALK_H
#define HV_PTWALK_H

#include <hv/compiler.h>

#define PT_TABLE_ENTRIES 512
#define PT_INDEX_BITS	 9

/* Errors, returned negated. */
enum pt_error {
	PT_OK = 0,
	PT_EALIGN = 1,	 /* an address or size is not 4 KiB aligned, or size is 0 */
	PT_ERANGE = 2,	 /* the range wraps or exceeds what the tables can address */
	PT_EOVERLAP = 3, /* part of the range is already mapped */
	PT_ENOMEM = 4,	 /* the allocator ran out of table pages */
	PT_EINVAL = 5,	 /* flags the format cannot express */
	PT_ENOENT = 6,	 /* nothing is mapped at that address */
};

/* "address not 4 KiB aligned" etc.; for any code, signed or not. */
const char *pt_strerror(int err);

struct pt_level {
	const char *name;    /* "PML4", "PD": for messages */
	uint8_t shift;	     /* log2 of the bytes one entry of this level covers */
	bool leaf_ok;	     /* may an entry at this level map memory directly? */
	uint32_t leaf_allow; /* map-flag bit required for such a leaf (0: always) */
};

struct pt_format {
	const struct pt_level *levels; /* root first */
	unsigned nlevels;
	bool (*is_present)(uint64_t e);
	bool (*is_leaf)(uint64_t e, unsigned level); /* present and maps memory */
	uint64_t (*make_table)(uint64_t table_pa);
	uint64_t (*make_leaf)(uint64_t pa, uint64_t attrs, unsigned level);
	/* Both take the level: host paging keeps PAT in bit 12 of a large leaf
	 * but bit 7 of a 4 KiB one, so address and attributes depend on it.
	 * entry_attrs returns a level-independent form that make_leaf accepts
	 * at any level: splitting a large page relies on it. */
	uint64_t (*entry_addr)(uint64_t e, unsigned level);  /* next table or frame */
	uint64_t (*entry_attrs)(uint64_t e, unsigned level); /* what make_leaf rebuilds from */
};

struct pt_allocator {
	uint64_t (*alloc_page)(void *ctx); /* a zeroed 4 KiB page; 0 when out */
	void (*free_page)(void *ctx, uint64_t pa);
	void *(*phys_to_virt)(void *ctx, uint64_t pa);
	void *ctx;
};

struct pt {
	const struct pt_format *fmt;
	struct pt_allocator alloc;
	uint64_t root;	      /* physical address of the root table */
	uint32_t table_pages; /* table pages currently allocated, root included */
};

/* Allocate an empty root.  Returns 0 or -PT_ENOMEM. */
int pt_init(struct pt *pt, const struct pt_format *fmt, const struct pt_allocator *alloc);

/* Is nothing mapped anywhere in [va, va+size)?  (Range already validated.) */
bool pt_range_is_free(struct pt *pt, uint64_t va, uint64_t size);

/*
 * pt_map - map [va, va+size) to [pa, pa+size) with leaf attributes attrs,
 * using the largest leaf each level permits when va, pa and the remaining
 * size allow it and allow has the level's leaf_allow bit.  The caller has
 * validated alignment and checked pt_range_is_free().  On -PT_ENOMEM the
 * part mapped by this call is unmapped again.
 */
int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t attrs, uint32_t allow);

/*
 * pt_unmap - remove every mapping in [va, va+size), splitting a large leaf
 * that straddles an end, and freeing tables left empty.  Returns 1 when
 * something was unmapped (stale TLB entries may exist), 0 when nothing was
 * mapped, -PT_ENOMEM when a split could not allocate (the mappings before
 * that point are gone, the rest untouched).
 */
int pt_unmap(struct pt *pt, uint64_t va, uint64_t size);

/* Translate va.  Returns 0 and fills *pa, *attrs and *level of the leaf, or
 * -PT_ENOENT. */
int pt_lookup(struct pt *pt, uint64_t va, uint64_t *pa, uint64_t *attrs, unsigned *level);

/* Free every table, the root included. */
void pt_destroy(struct pt *pt);

#endif
