/*
 * bootinfo.h - the one structure every boot path hands to the core.
 *
 * The multiboot2 entry (boot/multiboot2.c) and the UEFI entry (boot/uefi.c)
 * each translate what their loader gave them into a struct boot_info and call
 * hv_main().  The core never looks at multiboot tags or EFI tables itself.
 *
 * All addresses are physical.  The core runs identity-mapped, so a physical
 * address below the mapped limit can be dereferenced directly.
 */
#ifndef HV_BOOTINFO_H
#define HV_BOOTINFO_H

#include <hv/compiler.h>

#define BOOT_MAX_MEM_RANGES 256
#define BOOT_MAX_MODULES    32
#define BOOT_MAX_FW_CPUS    256
#define BOOT_CMDLINE_MAX    512
#define BOOT_MODNAME_MAX    256

enum boot_method {
	BOOT_MULTIBOOT2 = 1,
	BOOT_UEFI = 2,
	BOOT_MULTIBOOT1 = 3, /* multiboot version 1 (iPXE on BIOS, QEMU -kernel) */
};

/* Firmware memory types, normalised from e820/multiboot2 and EFI types. */
enum mem_type {
	MEM_USABLE = 1,	      /* free RAM the allocator may hand out */
	MEM_RESERVED = 2,     /* firmware reserved, MMIO, unknown */
	MEM_ACPI_RECLAIM = 3, /* ACPI tables: keep, we parse them late */
	MEM_ACPI_NVS = 4,
	MEM_BAD = 5,
	MEM_FW_RUNTIME = 6, /* EFI runtime services code/data: never touch */
};

struct mem_range {
	uint64_t base;
	uint64_t len;
	uint32_t type; /* enum mem_type */
};

/* A file the loader put in memory: a multiboot2 module or a file read by UEFI. */
struct boot_module {
	uint64_t start;		     /* physical, first byte */
	uint64_t end;		     /* physical, one past the last byte */
	char name[BOOT_MODNAME_MAX]; /* module string / path on the volume */
};

struct boot_info {
	enum boot_method method;
	char cmdline[BOOT_CMDLINE_MAX];

	/* Physical address of the ACPI RSDP, 0 when firmware has none. */
	uint64_t rsdp;

	struct mem_range mem[BOOT_MAX_MEM_RANGES];
	uint32_t mem_count;

	struct boot_module modules[BOOT_MAX_MODULES];
	uint32_t module_count;

	/* The hypervisor image in memory: the allocator never hands it out. */
	uint64_t image_start;
	uint64_t image_end;

	/*
	 * CPUs as the firmware reported them outside ACPI (EFI MP Services).
	 * Used only when there is no MADT; APIC IDs in firmware order.
	 */
	uint32_t fw_cpu_count;
	uint32_t fw_apic_ids[BOOT_MAX_FW_CPUS];

	/*
	 * EFI runtime ResetSystem (MS ABI), callable after ExitBootServices
	 * because the core keeps an identity map; 0 when not booted by UEFI.
	 */
	uint64_t efi_reset_system;

	/* Physical address of the EFI system table, 0 when not booted by UEFI
	 * (multiboot2: GRUB's EFI64 tag).  Recorded for later use only. */
	uint64_t efi_system_table;
};

/*
 * Firmware memory-type numbers to enum mem_type, shared by every boot path.
 * e820 types (ACPI 6.x table 15-374) as the multiboot v1 and v2 memory maps
 * use them; EFI_MEMORY_TYPE (UEFI 2.x 7.2) as UEFI and GRUB's EFI memory-map
 * tag report them: loader and boot-services memory is free once boot
 * services are gone (the image and loaded files are kept out of the
 * allocator through image_start/end and modules[]).
 */
static inline uint32_t boot_mem_type_from_e820(uint32_t t)
{
	switch (t) {
	case 1:
		return MEM_USABLE;
	case 3:
		return MEM_ACPI_RECLAIM;
	case 4:
		return MEM_ACPI_NVS;
	case 5:
		return MEM_BAD;
	default:
		return MEM_RESERVED;
	}
}

static inline uint32_t boot_mem_type_from_efi(uint32_t t)
{
	switch (t) {
	case 1: /* EfiLoaderCode */
	case 2: /* EfiLoaderData */
	case 3: /* EfiBootServicesCode */
	case 4: /* EfiBootServicesData */
	case 7: /* EfiConventionalMemory */
		return MEM_USABLE;
	case 5: /* EfiRuntimeServicesCode */
	case 6: /* EfiRuntimeServicesData */
		return MEM_FW_RUNTIME;
	case 8: /* EfiUnusableMemory */
		return MEM_BAD;
	case 9: /* EfiACPIReclaimMemory */
		return MEM_ACPI_RECLAIM;
	case 10: /* EfiACPIMemoryNVS */
		return MEM_ACPI_NVS;
	default: /* reserved, MMIO, PAL code, persistent memory, unknown */
		return MEM_RESERVED;
	}
}

/* The boot_info hv_main() was given, for code that needs the memory map later. */
extern const struct boot_info *hv_boot_info;

/*
 * hv_main - the core entry, called once on the bootstrap CPU.
 * Preconditions: long mode, identity-mapped low memory covering the image,
 * the boot_info and the loaded modules; interrupts disabled; a valid stack.
 */
__noreturn void hv_main(struct boot_info *bi);

#endif
