/*
 * linux_internal.h - what guests/linux.c (bzImage, memory map, placement)
 * and guests/linux_pvh.c (vmlinux ELF, PVH start_info) share.  Not a
 * contract: the interface is linux_load() in include/hv/loader.h.
 */
#ifndef HV_GUESTS_LINUX_INTERNAL_H
#define HV_GUESTS_LINUX_INTERNAL_H

#include <hv/loader.h>

/* Kernel and initrd go at or above 1 MiB: below it are the loader's structures and the BIOS holes.
 */
#define LX_FLOOR	(1 * MiB)
#define LX_MAX_FREE	(LINUX_MAX_REGIONS + 1)
#define LX_MAX_E820	(2 * LINUX_MAX_REGIONS + 1)
#define LX_IDENTITY_TOP (4 * GiB) /* what the LINUX_ENTRY_64 page tables map */

struct lx_range {
	uint64_t start, end; /* [start, end) */
};

struct lx_e820 {
	uint64_t addr, size;
	uint32_t type;
};

/* Everything linux_load() decides before it writes anything into guest memory. */
struct lx_plan {
	const struct guest_mem *mem;
	const struct linux_layout *layout;
	char *err;
	size_t err_len;
	struct lx_range free[LX_MAX_FREE]; /* RAM >= LX_FLOOR outside every region, ascending */
	uint32_t free_count;
	struct lx_e820 e820[LX_MAX_E820]; /* the guest's memory map, ascending */
	uint32_t e820_count;
	size_t cmdline_len;
	uint64_t kbase, kend; /* what the kernel occupies */
	uint64_t initrd_base;
};

/* Little-endian access to image bytes and guest memory (no alignment assumed). */
uint64_t lx_get(const uint8_t *p, uint32_t n);
void lx_put(uint8_t *p, uint64_t v, uint32_t n);

/* Format err as "<fmt>" and return -1. */
__printf(2, 3) int lx_fail(struct lx_plan *plan, const char *fmt, ...);
/* "64 MiB", "1.5 MiB" or "300 bytes", for messages. */
const char *lx_size_str(uint64_t n, char buf[32]);

/* True when [base, base + len) lies wholly in one free range. */
bool lx_is_free(const struct lx_plan *plan, uint64_t base, uint64_t len);
/*
 * Place the initrd as high as possible below limit_end in free RAM outside
 * the kernel [kbase, kend); page aligned.  Returns 0 or -1 with err set.
 */
int lx_place_initrd(struct lx_plan *plan, size_t ilen, uint64_t limit_end, const char *why);
/* Write the command line at LINUX_CMDLINE and the GDT at LINUX_GDT; fill the common out fields. */
void lx_write_common(const struct lx_plan *plan, const char *cmdline, const void *initrd,
		     size_t ilen, struct linux_boot *out);

/* guests/linux_pvh.c */
int lx_pvh_load(struct lx_plan *plan, const uint8_t *k, size_t klen, const void *initrd,
		size_t ilen, const char *cmdline, struct linux_boot *out);

#endif
