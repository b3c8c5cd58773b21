/*
 * acpi_build.h - the ACPI tables a partition's guest sees (guests/acpi_build.c).
 *
 * One struct describes the partition's virtual platform: its vCPUs, the
 * virtual IOAPIC, the ACPI fixed-hardware I/O ports, the reset register,
 * the S5 sleep type and the ECAM window.  The hypervisor builds its virtual
 * devices from the same struct, so what the tables promise and what the
 * devices do agree by construction.
 *
 * The guest sees ACPI already enabled: the FADT has no SMI_CMD (ACPI 6.5
 * 5.2.9: zero means no SMM and ACPI always on), so the virtual PM1a control
 * register must read with SCI_EN (bit 0) set.  Power-off is the guest
 * writing SLP_TYP = s5_slp_typ (bits 10-12) together with SLP_EN (bit 13)
 * to pm1a_cnt; reboot is reset_value written to reset_port (a byte).
 */
#ifndef HV_ACPI_BUILD_H
#define HV_ACPI_BUILD_H

#include <hv/compiler.h>

#define ACPI_BUILD_MAX_CPUS 1024

/* IA-PC boot architecture flags of the FADT (ACPI 6.5 table 5.11) */
#define ACPI_IAPC_LEGACY_DEVICES BIT(0) /* ISA devices such as the RTC and serial ports */
#define ACPI_IAPC_8042		 BIT(1)
#define ACPI_IAPC_NO_VGA	 BIT(2)
#define ACPI_IAPC_NO_MSI	 BIT(3)
#define ACPI_IAPC_NO_ASPM	 BIT(4)
#define ACPI_IAPC_NO_CMOS_RTC	 BIT(5)

/* PM1 control register bits the virtual device decodes (ACPI 6.5 table 4.14) */
#define ACPI_PM1_SCI_EN	       BIT(0)
#define ACPI_PM1_SLP_TYP_SHIFT 10
#define ACPI_PM1_SLP_TYP_MASK  GENMASK(12, 10)
#define ACPI_PM1_SLP_EN	       BIT(13)

struct acpi_build_config {
	uint64_t base;	     /* guest-physical address the table buffer will live at */
	uint32_t cpu_count;  /* vCPUs: APIC IDs and ACPI UIDs 0..cpu_count-1, 0 is the BSP */
	uint64_t lapic_base; /* usually 0xFEE00000 */
	uint32_t ioapic_base;
	uint8_t ioapic_id;
	uint32_t ioapic_gsi_base;
	uint16_t sci_irq;    /* ISA IRQ of the SCI, routed level/active-low */
	uint16_t pm1a_evt;   /* PM1a event block: status + enable, 4 bytes */
	uint16_t pm1a_cnt;   /* PM1a control block, 2 bytes */
	uint16_t pm_tmr;     /* PM timer, 4 bytes, 32-bit counter at 3.579545 MHz */
	uint16_t reset_port; /* reset register in I/O space */
	uint8_t reset_value; /* written there to reset */
	uint8_t s5_slp_typ;  /* SLP_TYP (0..7) the DSDT's \_S5 announces */
	uint64_t ecam_base;  /* PCI ECAM window; 0 for no MCFG */
	uint16_t ecam_segment;
	uint8_t ecam_bus_start, ecam_bus_end;
	uint16_t iapc_boot_arch; /* ACPI_IAPC_* */
};

/* Guest-physical addresses of what acpi_build() laid out; size is the bytes used. */
struct acpi_build_result {
	uint64_t rsdp, xsdt, fadt, facs, dsdt, madt, mcfg;
	uint32_t size;
};

/*
 * acpi_build_defaults - fill cfg with the usual PC values: LAPIC 0xFEE00000,
 * IOAPIC 0xFEC00000 (ID 0, GSI 0), SCI 9, PM1a event 0x600, PM1a control
 * 0x604, PM timer 0x608, reset 0xCF9 = 0x06, S5 SLP_TYP 5, no ECAM, legacy
 * devices present.  The caller then adjusts what differs.
 */
void acpi_build_defaults(struct acpi_build_config *cfg, uint64_t base, uint32_t cpu_count);

/*
 * acpi_build - build RSDP (revision 2), XSDT, FADT (revision 6), FACS, DSDT
 * (\_S5 only), MADT (the vCPUs, one IOAPIC, ISOs for IRQ0 -> GSI 2 and the
 * SCI, LINT1 NMI) and MCFG (when ecam_base is set) into buf, which the
 * guest will see at cfg->base.  The RSDP is at offset 0 (16-byte aligned, so
 * a guest scanning 0xE0000-0xFFFFF finds it when base lies there).
 * Returns 0, or -1 with err naming the problem (too many vCPUs, buffer too
 * small, a port or IRQ out of range); buf is unchanged past what fits.
 */
int acpi_build(const struct acpi_build_config *cfg, void *buf, size_t buf_len,
	       struct acpi_build_result *out, char *err, size_t err_len);

#endif
