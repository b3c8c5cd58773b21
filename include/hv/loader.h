/*
 * loader.h - guest image loaders (guests/).
 *
 * Loaders are pure: they write only into the guest memory they are given and
 * report errors as text, so they are unit-tested on the host with a
 * malloc'd buffer standing in for guest RAM.  Guest-physical address g lives
 * at mem->host + g for g < mem->size (guest RAM is one contiguous host block).
 */
#ifndef HV_LOADER_H
#define HV_LOADER_H

#include <hv/compiler.h>

struct guest_mem {
	uint8_t *host;	/* where guest-physical 0 is, as the hypervisor sees it */
	uint64_t size;	/* bytes of guest RAM, starting at guest-physical 0 */
};

/* A file handed to the guest as a multiboot module. */
struct loader_module {
	const void *data;
	size_t len;
	const char *string;	/* the module's command line (path and args) */
};

/* How to start a multiboot (v1) guest, per the Multiboot 0.6.96 spec 3.2:
 * 32-bit protected mode, paging off, flat segments, EAX = 0x2BADB002,
 * EBX = physical address of the multiboot information structure. */
struct mb1_boot {
	uint32_t entry;
	uint32_t mbi;
};

#define MB1_BOOTLOADER_MAGIC 0x2BADB002u

/*
 * mb1_is_image - true when image carries a multiboot (v1) header within its
 * first 8 KiB (magic 0x1BADB002, checksum valid).
 */
bool mb1_is_image(const void *image, size_t len);

/*
 * mb1_load - load a multiboot v1 kernel (ELF32/ELF64 with 32-bit entry, or
 * the a.out kludge when header flag bit 16 is set) into guest memory, copy
 * the modules after it (page aligned), and build the multiboot information
 * structure: memory map of the guest's own RAM (lower 640 KiB, upper from
 * 1 MiB), mem_lower/mem_upper, command line, modules, boot loader name.
 * Returns 0, or -1 with a message in err naming the problem (e.g. "segment
 * at 0x... does not fit in 64 MiB of guest memory", "unsupported header
 * flags 0x...: video mode requested").
 */
int mb1_load(const void *image, size_t len, const struct guest_mem *mem, const char *cmdline,
	     const struct loader_module *mods, uint32_t mod_count, struct mb1_boot *out, char *err,
	     size_t err_len);

#endif
