/*
 * mb2.h - multiboot2 definitions used by the multiboot2 boot path
 * (boot/mb2_header.S, boot/mb2_entry.S, boot/mb2_info.c).
 *
 * Numbers from the Multiboot2 Specification, version 2.0: section 3.1 (the
 * OS image header), 3.2 (machine state) and 3.6 (boot information format).
 * Usable from assembly: only #defines outside the __ASSEMBLY__ block.
 */
#ifndef BOOT_MB2_H
#define BOOT_MB2_H

/* 3.1.1: header magic; 3.2: the value the loader leaves in EAX */
#define MB2_HEADER_MAGIC     0xe85250d6
#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define MB2_ARCH_I386	     0 /* 32-bit protected mode entry */

/* 3.1.3-3.1.12: header tag types and flags */
#define MB2_HTAG_END	      0
#define MB2_HTAG_INFO_REQUEST 1
#define MB2_HTAG_MODULE_ALIGN 6
#define MB2_HTAG_OPTIONAL     1

/* 3.6: boot information tag types */
#define MB2_TAG_END	    0
#define MB2_TAG_CMDLINE	    1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MODULE	    3
#define MB2_TAG_BASIC_MEM   4
#define MB2_TAG_MMAP	    6
#define MB2_TAG_EFI64	    12
#define MB2_TAG_ACPI_OLD    14
#define MB2_TAG_ACPI_NEW    15
#define MB2_TAG_EFI_MMAP    17

#ifndef __ASSEMBLY__
#include <hv/compiler.h>

/* 3.6.1: the fixed part in front of the tags */
struct mb2_info_header {
	uint32_t total_size;
	uint32_t reserved;
};

struct mb2_tag {
	uint32_t type;
	uint32_t size; /* including this header, not the padding to 8 */
};

/* 3.6.8: one memory map entry (the tag gives the real entry size) */
struct mb2_mmap_entry {
	uint64_t base;
	uint64_t len;
	uint32_t type; /* e820 numbering */
	uint32_t reserved;
};

/* UEFI 2.x, EFI_MEMORY_DESCRIPTOR (the tag gives the real descriptor size) */
struct mb2_efi_mdesc {
	uint32_t type;
	uint32_t pad;
	uint64_t phys_start;
	uint64_t virt_start;
	uint64_t num_pages;
	uint64_t attribute;
};

/*
 * mb2_main - the C side of the multiboot2 entry, called by mb2_entry.S in
 * 64-bit mode on the boot stack with the first 4 GiB identity-mapped.
 * magic is EAX and info_phys is EBX as the loader left them.  Translates the
 * information structure into a struct boot_info and calls hv_main(); stops
 * with a message on the default console (COM1) when the structure is unusable.
 */
__noreturn void mb2_main(uint32_t magic, uint32_t info_phys);
#endif

#endif
