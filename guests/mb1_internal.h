/*
 * mb1_internal.h - what guests/mb1.c (the kernel image) and
 * guests/mb1_info.c (the multiboot information) share.  Not a contract: the
 * interface is mb1_is_image()/mb1_load() in include/hv/loader.h.
 */
#ifndef HV_GUESTS_MB1_INTERNAL_H
#define HV_GUESTS_MB1_INTERNAL_H

#include <hv/loader.h>

/* The guest-physical map a multiboot guest is shown (3.3, mmap) */
#define LOW_LOAD_START 0x1000ULL
#define LOW_MEM_END    0x9fc00ULL /* 639 KiB, as a PC with a 1 KiB EBDA */
#define HIGH_MEM_START 0x100000ULL

#define MB1_MAX_MODS   64
#define MB1_MAX_STRING 4096

/* The arguments of one mb1_load call. */
struct mb1_req {
	const uint8_t *img;
	size_t len;
	const struct guest_mem *mem;
	const char *cmdline;
	const struct loader_module *mods;
	uint32_t mod_count;
	char *err;
	size_t err_len;
};

/* Where the boot information goes, computed before anything is written. */
struct mb1_layout {
	uint64_t mbi, mmap, name, cmdline, mods, strs, info_end;
	uint64_t mod_at[MB1_MAX_MODS];
	size_t cmdline_len;
};

/* Format a refusal into r->err (when there is room) and return -1. */
__printf(2, 3) int mb1_fail(const struct mb1_req *r, const char *fmt, ...);

/* A guest size for messages: "64 MiB", "1540 KiB" or "12345 bytes". */
const char *mb1_size_str(char *buf, size_t n, uint64_t size);

/*
 * mb1_plan_info - where the MBI, memory map, loader name, command line,
 * module list, module strings and modules go: from the first page at or
 * above both 1 MiB and kernel_end, each module page aligned, all below the
 * guest's size and 4 GiB.  Writes nothing.  Returns 0, or -1 (mb1_fail)
 * when something does not fit or is too long.
 */
int mb1_plan_info(const struct mb1_req *r, uint64_t kernel_end, struct mb1_layout *l);

/* mb1_write_info - write what mb1_plan_info placed into guest memory. */
void mb1_write_info(const struct mb1_req *r, const struct mb1_layout *l);

#endif
