/*
 * platform.h - what the hypervisor knows about the machine, from ACPI
 * (drivers/acpi.c) or, without ACPI, from what the boot path reported.
 *
 * acpi_parse() is pure: it reads tables through a caller-supplied mapping
 * function, so host unit tests feed it table images built in memory.
 */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

#include <hv/compiler.h>

#define PLAT_MAX_CPUS	 256
#define PLAT_MAX_IOAPICS 16
#define PLAT_MAX_ISOS	 32
#define PLAT_MAX_MCFG	 8
#define PLAT_MAX_DRHD	 16

/* ACPI Generic Address Structure, decoded. */
struct acpi_gas {
	uint8_t space; /* 0 = system memory, 1 = system I/O */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
};

struct plat_cpu {
	uint32_t apic_id;
	uint32_t acpi_uid;
	bool is_bsp;
};

struct plat_ioapic {
	uint8_t id;
	uint32_t address;
	uint32_t gsi_base;
};

/* MADT Interrupt Source Override: legacy IRQ -> GSI with polarity/trigger flags. */
struct plat_iso {
	uint8_t bus;
	uint8_t source;
	uint32_t gsi;
	uint16_t flags;
};

struct plat_mcfg {
	uint64_t base;
	uint16_t segment;
	uint8_t bus_start;
	uint8_t bus_end;
};

struct plat_drhd {
	uint64_t base;
	uint16_t segment;
	uint8_t flags; /* bit 0: INCLUDE_PCI_ALL */
	uint16_t scope_count;
};

struct platform {
	bool has_acpi;
	uint8_t acpi_revision; /* RSDP revision: 0 = ACPI 1.0 (RSDT) */
	char oem_id[7];

	/* MADT */
	bool has_madt;
	uint64_t lapic_base;
	bool pcat_compat;		     /* dual 8259s present: mask them */
	struct plat_cpu cpus[PLAT_MAX_CPUS]; /* enabled CPUs, MADT order */
	uint32_t cpu_count;
	uint32_t cpus_disabled; /* listed but neither enabled nor online-capable */
	struct plat_ioapic ioapics[PLAT_MAX_IOAPICS];
	uint32_t ioapic_count;
	struct plat_iso isos[PLAT_MAX_ISOS];
	uint32_t iso_count;

	/* FADT */
	bool has_fadt;
	uint32_t pm1a_cnt; /* I/O port of PM1a control, 0 if none */
	uint32_t pm1b_cnt;
	uint32_t pm_tmr; /* I/O port of the PM timer, 0 if none */
	bool pm_tmr_32bit;
	uint16_t sci_irq;
	uint32_t smi_cmd;
	uint8_t acpi_enable; /* value written to smi_cmd to enter ACPI mode */
	bool hw_reduced;
	bool has_reset_reg;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint64_t dsdt;

	/* \_S5 sleep type values from the DSDT (AML package) */
	bool has_s5;
	uint8_t s5_typa;
	uint8_t s5_typb;

	/* MCFG */
	struct plat_mcfg mcfg[PLAT_MAX_MCFG];
	uint32_t mcfg_count;

	/* DMAR, summarised for the IOMMU work */
	bool has_dmar;
	uint8_t dmar_haw;   /* host address width - 1, as in the table */
	uint8_t dmar_flags; /* bit 0: INTR_REMAP, bit 1: X2APIC_OPT_OUT */
	struct plat_drhd drhd[PLAT_MAX_DRHD];
	uint32_t drhd_count;
	uint32_t rmrr_count;
};

/*
 * Map a physical range for reading.  On bare metal this is the identity map;
 * in host tests it translates fake "physical" addresses into a buffer.
 * Returns NULL when the range is not readable.
 */
typedef const void *(*acpi_map_fn)(uint64_t phys, uint64_t len, void *ctx);

/*
 * acpi_parse - walk RSDP -> XSDT/RSDT -> MADT, FADT (+DSDT for _S5), MCFG,
 * DMAR, verifying signatures, lengths and checksums.  A table that fails a
 * check is skipped with a warning through warn() (may be NULL), never trusted.
 * Returns false when the RSDP itself is unusable (plat->has_acpi false).
 */
bool acpi_parse(uint64_t rsdp, acpi_map_fn map, void *ctx, struct platform *plat,
		void (*warn)(const char *msg));

/*
 * acpi_find_rsdp_legacy - search the first KiB of the EBDA and the BIOS area
 * 0xE0000-0xFFFFF for a valid RSDP (ACPI 6.5 5.2.5.1), for boot paths that
 * got none from their loader (multiboot v1).  Only for BIOS machines.
 * Returns its physical address, or 0 when there is none.
 */
uint64_t acpi_find_rsdp_legacy(acpi_map_fn map, void *ctx);

/* The machine the hypervisor runs on, filled once at boot. */
extern struct platform hv_platform;

struct boot_info;
/*
 * platform_init - fill hv_platform from ACPI (bi->rsdp), or, with no usable
 * MADT, from the CPUs the boot path reported (bi->fw_cpu_count), or else the
 * boot CPU alone.  Fills percpu[i].apic_id/cpu_id and cpu_count in MADT
 * order and prints a short summary.  Returns the logical number of the
 * bootstrap CPU (the entry whose APIC ID matches the running CPU).
 */
uint32_t platform_init(const struct boot_info *bi);

#endif
