/*
 * mb1.h - multiboot (version 1) definitions for the hypervisor's own boot
 * through a multiboot v1 loader (boot/mb1_header.S, boot/mb2_entry.S,
 * boot/mb1_parse.c, boot/mb1_info.c).  Guests booted *by* the hypervisor
 * as multiboot kernels are another matter: guests/mb1.c.
 *
 * Why a second protocol: iPXE on BIOS (and QEMU's -kernel) loads multiboot
 * v1 kernels with modules but knows no multiboot2.  Numbers from the
 * Multiboot Specification 0.6.96: section 3.1 (the OS image header), 3.2
 * (machine state) and 3.3 (boot information format).  Usable from
 * assembly: only #defines outside the __ASSEMBLY__ block.
 */
#ifndef BOOT_MB1_H
#define BOOT_MB1_H

/* 3.1.1: header magic; 3.2: the value the loader leaves in EAX */
#define MB1_HEADER_MAGIC     0x1badb002
#define MB1_BOOTLOADER_MAGIC 0x2badb002

/* 3.1.2: header flags */
#define MB1_HFLAG_PAGE_ALIGN  (1 << 0)	/* modules on 4 KiB boundaries */
#define MB1_HFLAG_MEMINFO     (1 << 1)	/* mem_* and mmap_* wanted */
#define MB1_HFLAG_AOUT_KLUDGE (1 << 16) /* the address fields are valid */

/* 3.3: boot information flags (which fields are valid) */
#define MB1_INFO_MEM	 (1 << 0) /* mem_lower, mem_upper */
#define MB1_INFO_CMDLINE (1 << 2)
#define MB1_INFO_MODS	 (1 << 3)
#define MB1_INFO_MMAP	 (1 << 6)

#ifndef __ASSEMBLY__
#include <hv/bootinfo.h>

/* 3.3: the fixed part of the boot information, up to the fields we read */
#define MB1_INFO_OFF_FLAGS	0
#define MB1_INFO_OFF_MEM_LOWER	4  /* KiB from 0 */
#define MB1_INFO_OFF_MEM_UPPER	8  /* KiB from 1 MiB */
#define MB1_INFO_OFF_CMDLINE	16 /* physical address of a C string */
#define MB1_INFO_OFF_MODS_COUNT 20
#define MB1_INFO_OFF_MODS_ADDR	24
#define MB1_INFO_OFF_MMAP_LEN	44
#define MB1_INFO_OFF_MMAP_ADDR	48
#define MB1_INFO_MIN_SIZE	52

/* 3.3: one module: u32 mod_start, mod_end, string, reserved */
#define MB1_MOD_SIZE 16

/* 3.3: one memory map entry: u32 size (of the rest), u64 base, u64 length,
 * u32 type; the next entry starts size + 4 bytes further on. */
#define MB1_MMAP_MIN_SIZE 20 /* the size field's smallest sane value */

/*
 * Map a physical range for reading: the identity map in the hypervisor, a
 * buffer in host tests.  NULL when the range is not readable.
 */
typedef const void *(*mb1_map_fn)(uint64_t phys, uint64_t len, void *ctx);

/*
 * mb1info_parse - translate the multiboot v1 boot information at info_phys
 * into bi: the memory map (the mmap when flags bit 6 says it is there, else
 * mem_lower/mem_upper), the command line and the modules, each read only
 * when its flag is set and only after its bounds are checked.  Everything is
 * copied into bi.  Strings follow the convention of v1 loaders (GRUB, iPXE,
 * QEMU), which put the file name first: the command line loses its first
 * word when that word holds no '=' (every hypervisor option does), and a
 * module string "FILE NAME..." names the module NAME... (FILE alone when
 * there is nothing after it).  bi->rsdp stays 0: v1 carries no RSDP.
 * Each problem is reported through warn() (a short sentence) and skipped.
 * Returns false when no memory information at all could be read.
 */
bool mb1info_parse(uint32_t info_phys, mb1_map_fn map, void *ctx, struct boot_info *bi,
		   void (*warn)(const char *msg));

/*
 * mb1info_main - the C side of a multiboot v1 entry, called by
 * boot/mb2_entry.S in 64-bit mode on the boot stack with the first 4 GiB
 * identity-mapped.  info_phys is EBX as the loader left it.  Fills a
 * struct boot_info (method BOOT_MULTIBOOT1) and calls hv_main(); stops with
 * a message on COM1 when the structure holds no memory information.
 */
__noreturn void mb1info_main(uint32_t info_phys);
#endif

#endif
