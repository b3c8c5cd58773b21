/*
 * vdev_acpi_pm.c - the ACPI fixed hardware of a partition: PM1a event and
 * control blocks, PM timer, reset register (include/hv/vdev_acpi_pm.h).
 *
 * References: ACPI 6.5 sections 4.8.3.1 (PM1 event registers, tables 4.13
 * and 4.14), 4.8.3.2 (PM1 control, table 4.16), 4.8.3.3 (PM timer, 24 or
 * 32 bits at 3.579545 MHz; our FADT sets TMR_VAL_EXT: 32 bits), 4.8.3.6
 * (reset register), 7.4.2 (\_S5); Intel PCH data sheets for RST_CNT at
 * 0xCF9.  Linux paths checked: drivers/acpi/acpica/hwsleep.c
 * (acpi_hw_legacy_sleep: clear WAK_STS, write SLP_TYP, then SLP_TYP|SLP_EN,
 * then poll WAK_STS), hwxface.c/hwregs.c (16-bit PM1 accesses, 32-bit timer
 * reads), drivers/clocksource/acpi_pm.c (acpi_pm_read, read three times
 * when the chipset is known buggy), arch/x86/kernel/reboot.c (ACPI reset,
 * and reboot=pci: 0x02 then 0x06 to 0xCF9).
 *
 * Not modelled, and why: SMI_CMD/GBL_RLS (no firmware: the FADT has no
 * SMI_CMD so ACPI is always enabled), the fixed power and sleep buttons
 * (the FADT says there are none), bus-master and RTC wake status (no such
 * events).  Sleep types other than S5 are refused: the DSDT offers only
 * \_S5; the model sets WAK_STS at once so ACPICA's wake poll ends, as if
 * the guest woke immediately, and calls sleep_refused so the caller can log.
 */
#include <hv/vdev_acpi_pm.h>
#include <hv/lib.h>

#define EVT_LEN	      4 /* PM1_STS at +0, PM1_EN at +2 */
#define CNT_LEN	      2
#define TMR_LEN	      4
#define TMR_STS_SHIFT 31 /* TMR_STS: bit 31 of the 32-bit timer changed */
#define EN_MASK                                                                                    \
	(VACPI_PM1_TMR | VACPI_PM1_GBL | VACPI_PM1_PWRBTN | VACPI_PM1_SLPBTN | VACPI_PM1_RTC |     \
	 VACPI_PM1_PCIEXP_WAKE)
/* Status bits that raise the SCI when enabled (PCIEXP_WAKE in PM1_EN is a disable bit) */
#define SCI_SOURCES                                                                                \
	(VACPI_PM1_TMR | VACPI_PM1_GBL | VACPI_PM1_PWRBTN | VACPI_PM1_SLPBTN | VACPI_PM1_RTC)
#define CNT_RW_MASK (VACPI_PM1_BM_RLD | ACPI_PM1_SLP_TYP_MASK)

enum pm_reg { PM_NONE, PM_EVT, PM_CNT, PM_TMR, PM_RESET };

static uint64_t tmr_ticks(vdev_time_ns now)
{
	return now / NSEC_PER_SEC * VACPI_PM_TMR_HZ +
	       now % NSEC_PER_SEC * VACPI_PM_TMR_HZ / NSEC_PER_SEC;
}

uint32_t vacpi_pm_timer(vdev_time_ns now)
{
	return (uint32_t)tmr_ticks(now);
}

/* Which register block byte port belongs to, and the offset in it. */
static enum pm_reg reg_of(const struct vacpi_pm *pm, uint32_t port, bool byte_access, unsigned *off)
{
	if (port - pm->evt_port < EVT_LEN) {
		*off = port - pm->evt_port;
		return PM_EVT;
	}
	if (port - pm->cnt_port < CNT_LEN) {
		*off = port - pm->cnt_port;
		return PM_CNT;
	}
	if (port - pm->tmr_port < TMR_LEN) {
		*off = port - pm->tmr_port;
		return PM_TMR;
	}
	*off = 0;
	if (port == pm->reset_port && byte_access)
		return PM_RESET;
	return PM_NONE;
}

static uint16_t status(const struct vacpi_pm *pm, vdev_time_ns now)
{
	uint16_t s = pm->sts;

	if (tmr_ticks(now) >> TMR_STS_SHIFT > pm->tmr_sts_epoch)
		s |= VACPI_PM1_TMR;
	return s;
}

static void update_sci(struct vacpi_pm *pm, vdev_time_ns now)
{
	bool level = (status(pm, now) & pm->en & SCI_SOURCES) != 0;

	if (level == pm->sci_level)
		return;
	pm->sci_level = level;
	vdev_irq_set(&pm->sci, level);
}

static uint8_t read_byte(struct vacpi_pm *pm, uint32_t port, bool byte_access, vdev_time_ns now)
{
	unsigned off;
	uint32_t v;

	switch (reg_of(pm, port, byte_access, &off)) {
	case PM_EVT:
		v = (uint32_t)status(pm, now) | (uint32_t)pm->en << 16;
		break;
	case PM_CNT: /* SCI_EN always reads 1; SLP_EN and GBL_RLS are write-only */
		v = (pm->cnt & CNT_RW_MASK) | ACPI_PM1_SCI_EN;
		break;
	case PM_TMR:
		v = vacpi_pm_timer(now);
		break;
	case PM_RESET:
		return pm->rst_cnt;
	case PM_NONE:
	default:
		return 0xFF;
	}
	return (uint8_t)(v >> (8 * off));
}

static void enter_sleep(struct vacpi_pm *pm, uint8_t typ)
{
	if (typ == pm->s5_slp_typ) {
		if (pm->poweroff)
			pm->poweroff(pm->ctx);
		return;
	}
	pm->sts |= VACPI_PM1_WAK_STS; /* refused: "woke" at once */
	if (pm->sleep_refused)
		pm->sleep_refused(pm->ctx, typ);
}

/* PM1_STS bytes are write-1-to-clear; PM1_EN bytes are plain read/write. */
static void write_evt(struct vacpi_pm *pm, unsigned off, uint8_t v, vdev_time_ns now)
{
	uint16_t bits = (uint16_t)(v << (8 * (off & 1)));
	uint16_t lane = (uint16_t)(0xFF << (8 * (off & 1)));

	if (off >= 2) {
		pm->en = (uint16_t)((pm->en & ~lane) | (bits & EN_MASK));
		return;
	}
	pm->sts &= (uint16_t)~bits;
	if (bits & VACPI_PM1_TMR)
		pm->tmr_sts_epoch = tmr_ticks(now) >> TMR_STS_SHIFT;
}

static void write_cnt(struct vacpi_pm *pm, unsigned off, uint8_t v)
{
	uint16_t bits = (uint16_t)(v << (8 * off));
	uint16_t lane = (uint16_t)(0xFF << (8 * off));

	pm->cnt = (uint16_t)((pm->cnt & ~lane) | (bits & CNT_RW_MASK));
	if (bits & ACPI_PM1_SLP_EN) /* SLP_TYP comes with SLP_EN in the same byte */
		enter_sleep(pm,
			    (uint8_t)((bits & ACPI_PM1_SLP_TYP_MASK) >> ACPI_PM1_SLP_TYP_SHIFT));
}

static void write_reset(struct vacpi_pm *pm, uint8_t v)
{
	pm->rst_cnt = v & (VACPI_RST_SYS | VACPI_RST_FULL);
	/* RST_CPU is self-clearing, so every write with it set is a 0->1 edge */
	if ((v & VACPI_RST_CPU) || v == pm->reset_value) {
		if (pm->reset)
			pm->reset(pm->ctx);
	}
}

static void write_byte(struct vacpi_pm *pm, uint32_t port, bool byte_access, uint8_t v,
		       vdev_time_ns now)
{
	unsigned off;

	switch (reg_of(pm, port, byte_access, &off)) {
	case PM_EVT:
		write_evt(pm, off, v, now);
		break;
	case PM_CNT:
		write_cnt(pm, off, v);
		break;
	case PM_RESET:
		write_reset(pm, v);
		break;
	case PM_TMR: /* read-only */
	case PM_NONE:
	default:
		break;
	}
}

void vacpi_pm_reset(struct vacpi_pm *pm)
{
	pm->sts = 0;
	pm->en = 0;
	pm->cnt = 0;
	pm->tmr_sts_epoch = 0;
	pm->rst_cnt = 0;
	if (pm->sci_level) {
		pm->sci_level = false;
		vdev_irq_set(&pm->sci, false);
	}
}

void vacpi_pm_init(struct vacpi_pm *pm, const struct acpi_build_config *cfg)
{
	memset(pm, 0, sizeof(*pm));
	pm->evt_port = cfg->pm1a_evt;
	pm->cnt_port = cfg->pm1a_cnt;
	pm->tmr_port = cfg->pm_tmr;
	pm->reset_port = cfg->reset_port;
	pm->reset_value = cfg->reset_value;
	pm->s5_slp_typ = cfg->s5_slp_typ;
	vacpi_pm_reset(pm);
}

bool vacpi_pm_owns(const struct vacpi_pm *pm, uint16_t port, unsigned size)
{
	unsigned off;

	for (unsigned i = 0; i < size && i < 4; i++)
		if (reg_of(pm, (uint32_t)port + i, size == 1, &off) != PM_NONE)
			return true;
	return false;
}

uint32_t vacpi_pm_io_read(struct vacpi_pm *pm, uint16_t port, unsigned size, vdev_time_ns now)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size && i < 4; i++)
		v |= (uint32_t)read_byte(pm, (uint32_t)port + i, size == 1, now) << (8 * i);
	return v;
}

void vacpi_pm_io_write(struct vacpi_pm *pm, uint16_t port, unsigned size, uint32_t val,
		       vdev_time_ns now)
{
	for (unsigned i = 0; i < size && i < 4; i++)
		write_byte(pm, (uint32_t)port + i, size == 1, (uint8_t)(val >> (8 * i)), now);
	update_sci(pm, now);
}

vdev_time_ns vacpi_pm_next_deadline(const struct vacpi_pm *pm, vdev_time_ns now)
{
	uint64_t k = (pm->tmr_sts_epoch + 1) << TMR_STS_SHIFT;
	uint64_t frac = k % VACPI_PM_TMR_HZ * NSEC_PER_SEC;

	if (!(pm->en & VACPI_PM1_TMR) || (status(pm, now) & VACPI_PM1_TMR))
		return VDEV_NEVER;
	return k / VACPI_PM_TMR_HZ * NSEC_PER_SEC + (frac + VACPI_PM_TMR_HZ - 1) / VACPI_PM_TMR_HZ;
}

void vacpi_pm_tick(struct vacpi_pm *pm, vdev_time_ns now)
{
	update_sci(pm, now);
}
