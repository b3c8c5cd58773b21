/*
 * test_vdev_acpi_pm.c - unit tests of the ACPI fixed hardware model
 * (guests/vdev_acpi_pm.c): the ports come from acpi_build_defaults(), the
 * S5 power-off and the reset register follow the sequences ACPICA and
 * Linux's reboot code use, the PM timer runs at 3.579545 MHz and wraps at
 * 32 bits, TMR_STS/TMR_EN drive the SCI.
 */
#include "test.h"
#include <hv/vdev_acpi_pm.h>
#include <hv/vdev_pit.h>

static struct vacpi_pm pm;
static unsigned poweroffs, resets, refused, sci_changes;
static uint8_t refused_typ;
static bool sci;

static void on_poweroff(void *ctx)
{
	CHECK(ctx == &pm);
	poweroffs++;
}

static void on_reset(void *ctx)
{
	CHECK(ctx == &pm);
	resets++;
}

static void on_refused(void *ctx, uint8_t typ)
{
	(void)ctx;
	refused++;
	refused_typ = typ;
}

static void on_sci(void *ctx, uint32_t line, bool level)
{
	(void)ctx;
	CHECK_EQ(line, 9);
	sci = level;
	sci_changes++;
}

static void setup(void)
{
	struct acpi_build_config cfg;

	acpi_build_defaults(&cfg, 0xE0000, 1);
	vacpi_pm_init(&pm, &cfg);
	pm.poweroff = on_poweroff;
	pm.reset = on_reset;
	pm.sleep_refused = on_refused;
	pm.ctx = &pm;
	pm.sci = (struct vdev_irq_line){.set = on_sci, .line = cfg.sci_irq};
	poweroffs = resets = refused = sci_changes = 0;
	sci = false;
}

static void test_ports(void)
{
	setup();
	CHECK(vacpi_pm_owns(&pm, 0x600, 2) && vacpi_pm_owns(&pm, 0x602, 2));
	CHECK(vacpi_pm_owns(&pm, 0x604, 2) && vacpi_pm_owns(&pm, 0x608, 4));
	CHECK(vacpi_pm_owns(&pm, 0x60b, 1) && vacpi_pm_owns(&pm, 0xcf9, 1));
	CHECK(!vacpi_pm_owns(&pm, 0x606, 2) && !vacpi_pm_owns(&pm, 0x60c, 4));
	CHECK(!vacpi_pm_owns(&pm, 0xcf8, 4)); /* PCI CONFIG_ADDRESS */
	CHECK(!vacpi_pm_owns(&pm, 0xcf9, 2));
	CHECK(!vacpi_pm_owns(&pm, 0x5ff, 1));
	/* a dword at the control block: 2 bytes of it, 2 unowned bytes of ones */
	CHECK_EQ(vacpi_pm_io_read(&pm, 0x604, 4, 0), 0xffff0001);
	CHECK_EQ(vacpi_pm_io_read(&pm, 0x606, 2, 0), 0xffff);
}

/* drivers/acpi/acpica/hwsleep.c acpi_hw_legacy_sleep for \_S5 */
static void test_s5_poweroff(void)
{
	uint16_t cnt;

	setup();
	CHECK_EQ(vacpi_pm_io_read(&pm, 0x604, 2, 0) & ACPI_PM1_SCI_EN, ACPI_PM1_SCI_EN);
	vacpi_pm_io_write(&pm, 0x600, 2, VACPI_PM1_WAK_STS, 0); /* clear WAK_STS */
	cnt = (uint16_t)vacpi_pm_io_read(&pm, 0x604, 2, 0);
	cnt &= (uint16_t) ~(ACPI_PM1_SLP_TYP_MASK | ACPI_PM1_SLP_EN);
	cnt |= 5 << ACPI_PM1_SLP_TYP_SHIFT;
	vacpi_pm_io_write(&pm, 0x604, 2, cnt, 0);
	CHECK_EQ(poweroffs, 0);
	CHECK_EQ(vacpi_pm_io_read(&pm, 0x604, 2, 0), 0x1401u);
	vacpi_pm_io_write(&pm, 0x604, 2, cnt | ACPI_PM1_SLP_EN, 0);
	CHECK_EQ(poweroffs, 1);
	CHECK_EQ(refused, 0);
	CHECK_EQ(vacpi_pm_io_read(&pm, 0x604, 2, 0) & ACPI_PM1_SLP_EN, 0); /* write-only */
	/* byte-wise: SLP_TYP and SLP_EN share the high byte */
	vacpi_pm_io_write(&pm, 0x605, 1, (ACPI_PM1_SLP_EN | 5 << ACPI_PM1_SLP_TYP_SHIFT) >> 8, 0);
	CHECK_EQ(poweroffs, 2);
	CHECK_EQ(resets, 0);
}

static void test_other_sleep_refused(void)
{
	setup();
	vacpi_pm_io_write(&pm, 0x604, 2, ACPI_PM1_SLP_EN | 1 << ACPI_PM1_SLP_TYP_SHIFT, 0);
	CHECK_EQ(poweroffs, 0);
	CHECK_EQ(refused, 1);
	CHECK_EQ(refused_typ, 1);
	/* WAK_STS set so the guest's wake poll ends; write 1 to clear */
	CHECK(vacpi_pm_io_read(&pm, 0x600, 2, 0) & VACPI_PM1_WAK_STS);
	vacpi_pm_io_write(&pm, 0x601, 1, 0x80, 0);
	CHECK_EQ(vacpi_pm_io_read(&pm, 0x600, 2, 0) & VACPI_PM1_WAK_STS, 0);
	/* SLP_EN with a type but no callback: still no power-off */
	pm.sleep_refused = NULL;
	vacpi_pm_io_write(&pm, 0x604, 2, ACPI_PM1_SLP_EN | 3 << ACPI_PM1_SLP_TYP_SHIFT, 0);
	CHECK_EQ(poweroffs, 0);
}

/* arch/x86/kernel/reboot.c: ACPI reset writes 0x06; reboot=pci writes 0x02 then 0x06 */
static void test_reset_register(void)
{
	setup();
	vacpi_pm_io_write(&pm, 0xcf9, 1, 0x02, 0);
	CHECK_EQ(resets, 0);
	CHECK_EQ(vacpi_pm_io_read(&pm, 0xcf9, 1, 0), 0x02);
	vacpi_pm_io_write(&pm, 0xcf9, 1, 0x06, 0);
	CHECK_EQ(resets, 1);
	CHECK_EQ(vacpi_pm_io_read(&pm, 0xcf9, 1, 0), 0x02); /* RST_CPU self-clears */
	vacpi_pm_io_write(&pm, 0xcf8, 4, 0x80000000, 0);    /* a PCI address, not a reset */
	CHECK_EQ(resets, 1);
	vacpi_pm_io_write(&pm, 0xcf9, 1, 0x0e, 0);
	CHECK_EQ(resets, 2);
	CHECK_EQ(poweroffs, 0);
}

static void test_pm_timer(void)
{
	uint64_t wrap_ns = (1ULL << 32) * NSEC_PER_SEC / VACPI_PM_TMR_HZ + 1;
	uint32_t a, b;

	setup();
	CHECK_EQ(vacpi_pm_io_read(&pm, 0x608, 4, 0), 0);
	CHECK_EQ(vacpi_pm_io_read(&pm, 0x608, 4, NSEC_PER_SEC), 3579545);
	CHECK_EQ(vacpi_pm_io_read(&pm, 0x608, 4, 7 * NSEC_PER_SEC + 1000),
		 7 * 3579545 + 3); /* floor(1000 ns * 3.579545 MHz) = 3 */
	/* wraps at 32 bits (TMR_VAL_EXT): about 1199.86 s */
	a = vacpi_pm_timer(wrap_ns - 1000);
	b = vacpi_pm_timer(wrap_ns + 1000);
	CHECK(a > 0xfffff000u);
	CHECK(b < 0x1000u);
	CHECK_EQ((uint32_t)(b - a), 7); /* modular difference is the elapsed ticks */
	/* byte reads see the same counter */
	CHECK_EQ(vacpi_pm_io_read(&pm, 0x60a, 2, NSEC_PER_SEC), 3579545 >> 16);
	/* read-only */
	vacpi_pm_io_write(&pm, 0x608, 4, 0, NSEC_PER_SEC);
	CHECK_EQ(vacpi_pm_io_read(&pm, 0x608, 4, NSEC_PER_SEC), 3579545);
	/* acpi_pm.c's monotonicity check over many reads */
	a = 0;
	for (uint64_t t = 0; t < 2 * NSEC_PER_SEC; t += 9999991) {
		b = vacpi_pm_timer(t);
		CHECK(b >= a);
		a = b;
	}
}

static void test_tmr_sts_and_sci(void)
{
	vdev_time_ns d, half = (1ULL << 31) * NSEC_PER_SEC / VACPI_PM_TMR_HZ;

	setup();
	CHECK_EQ(vacpi_pm_next_deadline(&pm, 0), VDEV_NEVER); /* TMR_EN off */
	vacpi_pm_io_write(&pm, 0x602, 2, 0xffff, 0);
	CHECK_EQ(vacpi_pm_io_read(&pm, 0x602, 2, 0), 0x4721); /* TMR GBL PWRBTN SLPBTN RTC PCIEXP */
	vacpi_pm_io_write(&pm, 0x602, 2, VACPI_PM1_TMR, 0);
	d = vacpi_pm_next_deadline(&pm, 0);
	CHECK(d >= half && d <= half + 1);
	CHECK_EQ(vacpi_pm_timer(d) >> 31, 1);
	CHECK_EQ(vacpi_pm_timer(d - 1) >> 31, 0);
	vacpi_pm_tick(&pm, d - 1);
	CHECK(!sci);
	CHECK_EQ(vacpi_pm_io_read(&pm, 0x600, 2, d - 1) & VACPI_PM1_TMR, 0);
	vacpi_pm_tick(&pm, d);
	CHECK(sci);
	CHECK_EQ(vacpi_pm_io_read(&pm, 0x600, 2, d) & VACPI_PM1_TMR, VACPI_PM1_TMR);
	CHECK_EQ(vacpi_pm_next_deadline(&pm, d), VDEV_NEVER); /* already set */
	vacpi_pm_io_write(&pm, 0x600, 2, VACPI_PM1_TMR, d + 5);
	CHECK(!sci);
	CHECK_EQ(sci_changes, 2);
	CHECK(vacpi_pm_next_deadline(&pm, d + 5) >= 2 * half);
	/* disabled: status still sets, SCI stays low */
	vacpi_pm_io_write(&pm, 0x602, 2, 0, d + 5);
	vacpi_pm_tick(&pm, 3 * half);
	CHECK(!sci);
	CHECK(vacpi_pm_io_read(&pm, 0x600, 2, 3 * half) & VACPI_PM1_TMR);
	vacpi_pm_reset(&pm);
	CHECK_EQ(vacpi_pm_io_read(&pm, 0x602, 2, 0), 0);
}

/*
 * drivers/clocksource/acpi_pm.c verify_pmtmr_rate with asm/mach_timer.h:
 * the PM timer must advance within 5% of the expected count while PIT
 * channel 2 counts CALIBRATE_LATCH (30 ms) in mode 0.
 */
static void test_linux_verify_pmtmr_rate(void)
{
	const uint32_t latch = (uint32_t)((VPIT_HZ * 30 + 500) / 1000);
	const uint64_t expected = (latch * (VACPI_PM_TMR_HZ >> 10)) / (VPIT_HZ >> 10);
	static struct vpit pit;
	vdev_time_ns t = 3 * NSEC_PER_SEC + 4321;
	uint32_t v1, v2, delta;
	unsigned long count = 0;

	setup();
	vpit_init(&pit, NULL);
	vpit_io_write(&pit, 0x61, 1, (vpit_io_read(&pit, 0x61, 1, t) & ~0x02u) | 0x01, t);
	vpit_io_write(&pit, 0x43, 1, 0xb0, t += 1000);
	vpit_io_write(&pit, 0x42, 1, latch & 0xff, t += 1000);
	vpit_io_write(&pit, 0x42, 1, latch >> 8, t += 1000);
	v1 = vacpi_pm_io_read(&pm, 0x608, 4, t += 1000);
	do {
		count++;
	} while (!(vpit_io_read(&pit, 0x61, 1, t += 1000) & 0x20) && count < 1000000);
	v2 = vacpi_pm_io_read(&pm, 0x608, 4, t += 1000);
	delta = v2 - v1;
	CHECK(delta >= expected * 19 / 20 && delta <= expected * 21 / 20);
	CHECK(delta >= expected - 10 && delta <= expected + 10);
}

int main(void)
{
	RUN(test_ports);
	RUN(test_s5_poweroff);
	RUN(test_other_sleep_refused);
	RUN(test_reset_register);
	RUN(test_pm_timer);
	RUN(test_tmr_sts_and_sci);
	RUN(test_linux_verify_pmtmr_rate);
	return test_summary();
}
