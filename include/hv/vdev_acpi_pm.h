/*
 * vdev_acpi_pm.h - the ACPI fixed hardware a partition's FADT promises
 * (guests/vdev_acpi_pm.c): the PM1a event block (PM1_STS, PM1_EN), the
 * PM1a control block, the PM timer and the reset register, at the ports of
 * the partition's struct acpi_build_config (include/hv/acpi_build.h), so
 * the tables and the device agree by construction.
 *
 * Pure model (include/hv/vdev.h).  Side effects go through callbacks:
 * poweroff when the guest enters the S5 sleep type the DSDT's \_S5
 * announces, reset when it writes the reset register, sleep_refused (may be
 * NULL) for any other sleep type, and the SCI line (level, active while an
 * enabled status bit is set; the MADT routes it level/active-low).
 */
#ifndef HV_VDEV_ACPI_PM_H
#define HV_VDEV_ACPI_PM_H

#include <hv/acpi_build.h>
#include <hv/vdev.h>

#define VACPI_PM_TMR_HZ 3579545ULL

/* PM1 status / enable bits (ACPI 6.5 tables 4.13, 4.14) */
#define VACPI_PM1_TMR	      BIT(0) /* TMR_STS / TMR_EN */
#define VACPI_PM1_BM_STS      BIT(4)
#define VACPI_PM1_GBL	      BIT(5) /* GBL_STS / GBL_EN */
#define VACPI_PM1_PWRBTN      BIT(8)
#define VACPI_PM1_SLPBTN      BIT(9)
#define VACPI_PM1_RTC	      BIT(10)
#define VACPI_PM1_PCIEXP_WAKE BIT(14)
#define VACPI_PM1_WAK_STS     BIT(15)
/* PM1 control bits beyond those of acpi_build.h (ACPI 6.5 table 4.16) */
#define VACPI_PM1_BM_RLD  BIT(1)
#define VACPI_PM1_GBL_RLS BIT(2) /* write-only */
/* Reset control register at 0xCF9 (Intel PCH data sheets, RST_CNT) */
#define VACPI_RST_SYS  BIT(1)
#define VACPI_RST_CPU  BIT(2) /* writing 1 resets */
#define VACPI_RST_FULL BIT(3)

struct vacpi_pm {
	/* ports, from the acpi_build_config */
	uint16_t evt_port, cnt_port, tmr_port, reset_port;
	uint8_t reset_value, s5_slp_typ;
	/* registers */
	uint16_t sts; /* sticky status bits except TMR_STS (computed) */
	uint16_t en;
	uint16_t cnt;		/* BM_RLD and SLP_TYP as written; SCI_EN reads 1 */
	uint64_t tmr_sts_epoch; /* TMR_STS is set once bit 31 of the timer toggles past this */
	uint8_t rst_cnt;	/* SYS_RST and FULL_RST as written */
	bool sci_level;
	/* callbacks, installed by the caller; ctx is passed to each */
	void (*poweroff)(void *ctx);
	void (*reset)(void *ctx);
	void (*sleep_refused)(void *ctx, uint8_t slp_typ);
	void *ctx;
	struct vdev_irq_line sci;
};

/*
 * vacpi_pm_init - take the ports, reset value and S5 type from cfg (as given
 * to acpi_build()) and enter the reset state: nothing enabled, no status,
 * SCI_EN set, timer counting from guest time 0.  Callbacks and the SCI line
 * are left NULL: the caller installs them in the struct afterwards.
 */
void vacpi_pm_init(struct vacpi_pm *pm, const struct acpi_build_config *cfg);

/* vacpi_pm_reset - registers back to the reset state; ports and callbacks stay. */
void vacpi_pm_reset(struct vacpi_pm *pm);

/*
 * vacpi_pm_owns - true when a byte of this model lies in [port, port+size):
 * the 4 event-block ports, 2 control ports, 4 timer ports, and the reset
 * port for a 1-byte access only (0xCF9 shares a dword with the PCI
 * CONFIG_ADDRESS register at 0xCF8, which takes the dword accesses).
 */
bool vacpi_pm_owns(const struct vacpi_pm *pm, uint16_t port, unsigned size);

/*
 * vacpi_pm_io_read / vacpi_pm_io_write - a guest IN/OUT of 1, 2 or 4 bytes.
 * Handled byte by byte, so any size at any offset works; bytes at ports the
 * model does not own read 0xFF and ignore writes.  A write may call the
 * poweroff, reset or sleep_refused callback and move the SCI line.
 */
uint32_t vacpi_pm_io_read(struct vacpi_pm *pm, uint16_t port, unsigned size, vdev_time_ns now);
void vacpi_pm_io_write(struct vacpi_pm *pm, uint16_t port, unsigned size, uint32_t val,
		       vdev_time_ns now);

/* vacpi_pm_timer - the PM timer value at now (32 bits, TMR_VAL_EXT). */
uint32_t vacpi_pm_timer(vdev_time_ns now);

/*
 * vacpi_pm_next_deadline - when TMR_STS will next be set with TMR_EN on
 * (so the SCI must rise), or VDEV_NEVER.  vacpi_pm_tick() updates the SCI.
 */
vdev_time_ns vacpi_pm_next_deadline(const struct vacpi_pm *pm, vdev_time_ns now);
void vacpi_pm_tick(struct vacpi_pm *pm, vdev_time_ns now);

#endif
