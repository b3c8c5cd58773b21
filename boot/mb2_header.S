/*
 * mb2_header.S - the multiboot2 header (Multiboot2 Specification 3.1).
 *
 * linker.ld puts .multiboot2 first in the image so the header lies within
 * the first 32 KiB of the file, 8-byte aligned, as 3.1.1 requires.  We ask
 * for the boot information the core uses; every request is optional so a
 * loader that lacks one still boots us (mb2_info.c checks what it got).
 * No framebuffer tag: the hypervisor's console is the serial port.
 */
#include "boot/mb2.h"

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long	MB2_HEADER_MAGIC
	.long	MB2_ARCH_I386
	.long	mb2_header_end - mb2_header
	.long	-(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

	/* 3.1.4 information request */
	.balign 8
1:	.short	MB2_HTAG_INFO_REQUEST
	.short	MB2_HTAG_OPTIONAL
	.long	2f - 1b
	.long	MB2_TAG_CMDLINE
	.long	MB2_TAG_MODULE
	.long	MB2_TAG_MMAP
	.long	MB2_TAG_ACPI_OLD
	.long	MB2_TAG_ACPI_NEW
	.long	MB2_TAG_EFI_MMAP
	.long	MB2_TAG_EFI64
2:
	/* 3.1.10 modules page-aligned: later issues load guest images as modules */
	.balign 8
	.short	MB2_HTAG_MODULE_ALIGN
	.short	0
	.long	8

	.balign 8
	.short	MB2_HTAG_END
	.short	0
	.long	8
mb2_header_end:
