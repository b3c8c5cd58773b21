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
	uint8_t *host; /* where guest-physical 0 is, as the hypervisor sees it */
	uint64_t size; /* bytes of guest RAM, starting at guest-physical 0 */
};

/* A file handed to the guest as a multiboot module. */
struct loader_module {
	const void *data;
	size_t len;
	const char *string; /* the module's command line (path and args) */
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

/* ---- Linux guests (guests/linux.c) ---------------------------------------------------------- */

/* E820 memory types (ACPI 6.5 table 15.4); also the PVH memmap types. */
#define E820_RAM	  1
#define E820_RESERVED	  2
#define E820_ACPI	  3 /* ACPI reclaimable: the tables */
#define E820_NVS	  4
#define E820_UNUSABLE	  5
#define LINUX_MAX_REGIONS 8
#define LINUX_E820_MAX	  128 /* E820_MAX_ENTRIES_ZEROPAGE */

/* A range the guest's e820 map shows as type instead of RAM (or, beyond RAM, adds). */
struct linux_region {
	uint64_t base;
	uint64_t size;
	uint32_t type; /* E820_RESERVED, E820_ACPI, E820_NVS or E820_UNUSABLE */
};

/*
 * What the hypervisor tells the loader about the partition besides its RAM.
 * Regions must not overlap one another nor the loader's low-memory area
 * [LINUX_LOW_BASE, LINUX_LOW_END).  A typical layout: [0x9FC00, 0xE0000)
 * reserved, [0xE0000, 0x100000) ACPI (the tables, RSDP at 0xE0000 where the
 * legacy scan finds it too), the ECAM window reserved (Linux trusts MCFG only
 * when its window is reserved in e820).
 */
struct linux_layout {
	uint64_t rsdp; /* guest-physical address of the ACPI RSDP, 0 for none */
	struct linux_region regions[LINUX_MAX_REGIONS];
	uint32_t region_count;
};

/*
 * The loader's fixed low-memory structures (guest-physical).  All lie in
 * ordinary RAM below 640 KiB; the kernel reclaims them once it has copied
 * boot_params and the command line.
 */
#define LINUX_LOW_BASE	  0x1000ULL
#define LINUX_GDT	  0x1000ULL  /* see LINUX_SEL_* */
#define LINUX_START_INFO  0x2000ULL  /* PVH hvm_start_info, modlist, memmap */
#define LINUX_STACK_TOP	  0x7000ULL  /* a small stack [0x3000, 0x7000) */
#define LINUX_ZERO_PAGE	  0x7000ULL  /* bzImage boot_params */
#define LINUX_PML4	  0x9000ULL  /* then the PDPT at 0xA000 and 4 PDs at 0xB000..0xEFFF */
#define LINUX_CMDLINE	  0x20000ULL /* the command line, NUL-terminated */
#define LINUX_CMDLINE_MAX 0x10000ULL
#define LINUX_LOW_END	  (LINUX_CMDLINE + LINUX_CMDLINE_MAX)

/* GDT selectors in the GDT at LINUX_GDT (boot.rst: __BOOT_CS = 0x10, __BOOT_DS = 0x18). */
#define LINUX_SEL_CS64	  0x10
#define LINUX_SEL_DS	  0x18
#define LINUX_SEL_CS32	  0x20
#define LINUX_SEL_TSS	  0x28
#define LINUX_GDT_ENTRIES 6

enum linux_entry_mode {
	LINUX_ENTRY_64 = 1,    /* bzImage, 64-bit boot protocol */
	LINUX_ENTRY_PVH32 = 2, /* vmlinux ELF, PVH 32-bit entry */
};

/*
 * How to start the boot vCPU, as filled by linux_load().  The hypervisor sets
 * the VMCS guest state from it; nothing else is needed from the image.
 *
 * LINUX_ENTRY_64 (Documentation/arch/x86/boot.rst, "64-bit Boot Protocol"):
 *   CR0 = PE | ET | NE | WP | PG, CR4 = PAE, EFER = LME | LMA, CR3 = cr3
 *   (identity map of the first 4 GiB with 2 MiB pages: it covers the kernel's
 *   [kernel_base, kernel_base + init_size), boot_params and the command line);
 *   GDTR = gdt_base/gdt_limit; CS = cs (0x10: 64-bit code, L=1, base 0, DPL 0),
 *   DS = ES = SS = ds (0x18: flat read/write data, base 0, limit 4 GiB);
 *   FS, GS = ds; TR = LINUX_SEL_TSS (busy 32-bit TSS, base 0, limit 0x67, as
 *   VM entry needs a usable TR), LDTR unusable; RFLAGS = 0x2 (IF clear);
 *   RIP = entry; RSI = params (boot_params); RSP = stack; other GPRs zero.
 * LINUX_ENTRY_PVH32 (Xen docs/misc/pvh.pandoc):
 *   CR0 = PE (plus what VMX forces, e.g. NE, hidden by the CR0 read shadow),
 *   paging off, CR4 = 0, EFER = 0; CS = cs (0x20: 32-bit flat code),
 *   DS = ES = SS = ds (0x18: 32-bit flat data); TR as above; RFLAGS = 0x2;
 *   EIP = entry; EBX = params (hvm_start_info); cr3 = 0.
 * In both modes the guest must see the interrupt controller reset and every
 * vCPU but the boot one waiting for INIT-SIPI-SIPI.
 */
struct linux_boot {
	uint32_t mode;	   /* enum linux_entry_mode */
	uint64_t entry;	   /* RIP */
	uint64_t params;   /* RSI = boot_params (64) / EBX = hvm_start_info (PVH) */
	uint64_t cr3;	   /* PML4 for LINUX_ENTRY_64, 0 for PVH */
	uint64_t gdt_base; /* LINUX_GDT */
	uint16_t gdt_limit;
	uint16_t cs, ds;   /* selectors, see LINUX_SEL_* */
	uint64_t stack;	   /* RSP: a small stack; the kernel sets up its own at once */
	uint16_t protocol; /* bzImage boot protocol version (0x20f = 2.15), 0 for PVH */
	uint64_t kernel_base, kernel_end; /* what the kernel occupies (init_size for a bzImage) */
	uint64_t initrd_base, initrd_size;
	uint64_t cmdline;    /* guest-physical address of the command line */
	uint32_t e820_count; /* entries of the memory map handed to the kernel */
};

/*
 * linux_is_bzimage / linux_is_pvh_elf - cheap format checks for dispatch:
 * "HdrS" at 0x202 and boot flag 0xAA55; an ELF64 x86-64 image.
 */
bool linux_is_bzimage(const void *kernel, size_t klen);
bool linux_is_pvh_elf(const void *kernel, size_t klen);

/*
 * linux_load - load a Linux kernel into guest memory and prepare its boot.
 *
 * A bzImage (boot protocol 2.12+, XLF_KERNEL_64) is loaded for the 64-bit
 * entry: its protected-mode part at pref_address (or, when relocatable, the
 * first kernel_alignment-aligned address at or above it with init_size bytes
 * of free RAM); boot_params at LINUX_ZERO_PAGE with the setup header copied,
 * type_of_loader 0xFF, the command line, the initrd, acpi_rsdp_addr and the
 * e820 map; page tables and GDT as described at struct linux_boot.
 * An ELF64 vmlinux with the XEN_ELFNOTE_PHYS32_ENTRY note is loaded for PVH:
 * PT_LOAD segments at p_paddr, hvm_start_info (version 1) with the command
 * line, the initrd as module 0, rsdp_paddr and the memory map.
 * In both, the initrd goes page-aligned as high as the kernel allows (bzImage:
 * below initrd_addr_max unless XLF_CAN_BE_LOADED_ABOVE_4G; PVH: below 4 GiB)
 * in free RAM (>= 1 MiB, outside every region and the kernel), and the memory
 * map is the guest's own RAM [0, mem->size) with the layout's regions.
 *
 * initrd may be NULL (ilen 0), cmdline NULL (empty).  Nothing in guest memory
 * is written unless every check passed.  Returns 0, or -1 with err naming the
 * file and the problem, e.g. "kernel: boot protocol 2.10 is too old: 64-bit
 * entry needs 2.12 or later", "initrd: 90 MiB does not fit below the 64 MiB
 * of guest memory".
 */
int linux_load(const void *kernel, size_t klen, const void *initrd, size_t ilen,
	       const char *cmdline, const struct guest_mem *mem, const struct linux_layout *layout,
	       struct linux_boot *out, char *err, size_t err_len);

#endif
