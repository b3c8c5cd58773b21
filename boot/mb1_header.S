/*
 * mb1_header.S - the multiboot (version 1) header (Multiboot Specification
 * 0.6.96, section 3.1), so that build/hv.elf also boots from loaders that
 * know only version 1: iPXE on BIOS, GRUB's `multiboot`, QEMU's -kernel.
 *
 * linker.ld puts .multiboot1 right behind the multiboot2 header at the
 * start of .text, well inside the first 8 KiB of the file (3.1.1), 4-byte
 * aligned.  We ask for memory information; no video mode (the console is
 * the serial port).
 *
 * The address fields (flag bit 16, the "a.out kludge") are given although
 * hv.elf is an ELF file: it is a 64-bit ELF, and the 32-bit loaders do not
 * load ELF64 (iPXE's BIOS build reads ELF32 only and then falls back to
 * these fields; QEMU refuses ELF64 without them).  They describe the same
 * layout as the ELF program headers: linker.ld keeps .text, .rodata and
 * .data contiguous in the file at a constant file-offset-to-address delta,
 * so [load_addr, load_end_addr) is one contiguous piece of the file.
 */
#include "boot/mb1.h"

#define MB1_FLAGS (MB1_HFLAG_PAGE_ALIGN | MB1_HFLAG_MEMINFO | MB1_HFLAG_AOUT_KLUDGE)

	.section .multiboot1, "a"
	.balign 4
mb1_header:
	.long	MB1_HEADER_MAGIC
	.long	MB1_FLAGS
	.long	-(MB1_HEADER_MAGIC + MB1_FLAGS)
	/* 3.1.3 address fields, all physical */
	.long	mb1_header		/* header_addr */
	.long	__image_start		/* load_addr: the first byte of .text */
	.long	__load_end		/* load_end_addr: the end of .data */
	.long	__image_end		/* bss_end_addr */
	.long	mb2_entry32		/* entry_addr: the shared 32-bit entry */
