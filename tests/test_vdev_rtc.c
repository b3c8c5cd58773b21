/*
 * test_vdev_rtc.c - unit tests of the virtual MC146818 RTC
 * (guests/vdev_rtc.c): date conversion against the host's gmtime_r, BCD and
 * binary, 24- and 12-hour formats, the century byte, read-only time,
 * registers A-D, CMOS RAM, the periodic and update-ended interrupts, and
 * Linux's UIP handshake (drivers/rtc/lib/mc146818-lib.c) against a fake
 * clock.
 */
#include <time.h>

#include "test.h"
#include <hv/vdev_rtc.h>

#define T_2026_11_22_185930 1795373970ULL /* a Sunday */
#define IO_NS		    1500ULL	  /* one port access in the fake machine */

static struct vrtc rtc;
static vdev_time_ns now;

static uint8_t cmos_read(uint8_t idx)
{
	now += IO_NS;
	vrtc_io_write(&rtc, 0x70, 1, idx, now);
	now += IO_NS;
	return (uint8_t)vrtc_io_read(&rtc, 0x71, 1, now);
}

static void cmos_write(uint8_t idx, uint8_t v)
{
	now += IO_NS;
	vrtc_io_write(&rtc, 0x70, 1, idx, now);
	now += IO_NS;
	vrtc_io_write(&rtc, 0x71, 1, v, now);
}

static void test_epoch_to_tm_matches_gmtime(void)
{
	struct vrtc_tm tm;
	unsigned bad = 0;

	vrtc_epoch_to_tm(0, &tm);
	CHECK(tm.year == 1970 && tm.mon == 1 && tm.mday == 1 && tm.wday == 4 && tm.hour == 0);
	vrtc_epoch_to_tm(951782400, &tm); /* 2000-02-29, a Tuesday */
	CHECK(tm.year == 2000 && tm.mon == 2 && tm.mday == 29 && tm.wday == 2);
	vrtc_epoch_to_tm(4102444799ULL, &tm); /* 2099-12-31 23:59:59 */
	CHECK(tm.year == 2099 && tm.mon == 12 && tm.mday == 31 && tm.hour == 23 && tm.sec == 59);
	for (uint64_t t = 0; t < 8000000000ULL; t += 86399ULL * 7 + 3601) {
		time_t tt = (time_t)t;
		struct tm g;
		bool same;

		gmtime_r(&tt, &g);
		vrtc_epoch_to_tm(t, &tm);
		same = tm.year == (uint32_t)g.tm_year + 1900 && tm.mon == g.tm_mon + 1 &&
		       tm.mday == g.tm_mday && tm.wday == g.tm_wday && tm.hour == g.tm_hour &&
		       tm.min == g.tm_min && tm.sec == g.tm_sec;
		bad += !same;
		uint64_t back = 0;
		bad += !vrtc_tm_to_epoch(&tm, &back) || back != t;
	}
	CHECK_EQ(bad, 0);
	tm = (struct vrtc_tm){.year = 2023, .mon = 2, .mday = 30};
	CHECK(!vrtc_tm_to_epoch(&tm, &(uint64_t){0})); /* caught by the table: 30 > 29 */
	tm = (struct vrtc_tm){.year = 1969, .mon = 12, .mday = 31};
	CHECK(!vrtc_tm_to_epoch(&tm, &(uint64_t){0}));
}

static void test_bcd_24h(void)
{
	vrtc_init(&rtc, T_2026_11_22_185930, NULL);
	now = 0;
	CHECK_EQ(cmos_read(VRTC_REG_B), 0x02);
	CHECK_EQ(cmos_read(VRTC_SECONDS), 0x30);
	CHECK_EQ(cmos_read(VRTC_MINUTES), 0x59);
	CHECK_EQ(cmos_read(VRTC_HOURS), 0x18);
	CHECK_EQ(cmos_read(VRTC_WEEKDAY), 0x01); /* Sunday */
	CHECK_EQ(cmos_read(VRTC_MDAY), 0x22);
	CHECK_EQ(cmos_read(VRTC_MONTH), 0x11);
	CHECK_EQ(cmos_read(VRTC_YEAR), 0x26);
	CHECK_EQ(cmos_read(VRTC_CENTURY), 0x20);
	/* guest time moves the clock: 45 s later is 19:00:15 */
	now = 45 * NSEC_PER_SEC;
	CHECK_EQ(cmos_read(VRTC_SECONDS), 0x15);
	CHECK_EQ(cmos_read(VRTC_MINUTES), 0x00);
	CHECK_EQ(cmos_read(VRTC_HOURS), 0x19);
}

static void test_binary_and_12h(void)
{
	vrtc_init(&rtc, T_2026_11_22_185930, NULL);
	now = 0;
	cmos_write(VRTC_REG_B, VRTC_B_DM_BIN | VRTC_B_24H);
	CHECK_EQ(cmos_read(VRTC_SECONDS), 30);
	CHECK_EQ(cmos_read(VRTC_HOURS), 18);
	CHECK_EQ(cmos_read(VRTC_YEAR), 26);
	CHECK_EQ(cmos_read(VRTC_CENTURY), 20);
	CHECK_EQ(cmos_read(VRTC_MDAY), 22);
	cmos_write(VRTC_REG_B, VRTC_B_DM_BIN); /* 12-hour binary: 6 PM */
	CHECK_EQ(cmos_read(VRTC_HOURS), 0x80 | 6);
	cmos_write(VRTC_REG_B, 0); /* 12-hour BCD */
	CHECK_EQ(cmos_read(VRTC_HOURS), 0x80 | 0x06);
	vrtc_init(&rtc, 1795305600ULL, NULL); /* midnight: 12 AM */
	cmos_write(VRTC_REG_B, 0);
	CHECK_EQ(cmos_read(VRTC_HOURS), 0x12);
	now = 12 * 3600 * NSEC_PER_SEC; /* noon: 12 PM */
	CHECK_EQ(cmos_read(VRTC_HOURS), 0x92);
}

static void test_registers(void)
{
	vrtc_init(&rtc, T_2026_11_22_185930, NULL);
	now = 0;
	CHECK_EQ(cmos_read(VRTC_REG_A), 0x26);
	CHECK_EQ(cmos_read(VRTC_REG_C), 0);
	CHECK_EQ(cmos_read(VRTC_REG_D), VRTC_D_VRT);
	/* writes to the time are ignored; alarms and RAM are storage */
	cmos_write(VRTC_SECONDS, 0x00);
	cmos_write(VRTC_HOURS, 0x01);
	cmos_write(VRTC_CENTURY, 0x19);
	CHECK_EQ(cmos_read(VRTC_HOURS), 0x18);
	CHECK_EQ(cmos_read(VRTC_CENTURY), 0x20);
	cmos_write(VRTC_SEC_ALARM, 0x42);
	CHECK_EQ(cmos_read(VRTC_SEC_ALARM), 0x42);
	for (unsigned i = 0x0e; i < VRTC_CMOS_SIZE; i++)
		if (i != VRTC_CENTURY)
			CHECK_EQ(cmos_read((uint8_t)i), 0);
	cmos_write(0x7f, 0xa5);
	CHECK_EQ(cmos_read(0x7f), 0xa5);
	CHECK_EQ(cmos_read(0xff), 0xa5); /* bit 7 of the index is the NMI mask */
	CHECK(rtc.nmi_masked);
	cmos_read(0x0f);
	CHECK(!rtc.nmi_masked);
	/* C and D are read-only, UIP is read-only, SET clears UIE */
	cmos_write(VRTC_REG_C, 0xff);
	cmos_write(VRTC_REG_D, 0x00);
	CHECK_EQ(cmos_read(VRTC_REG_C) & ~(VRTC_C_PF | VRTC_C_UF), 0); /* no IRQF, no AF */
	CHECK_EQ(cmos_read(VRTC_REG_D), VRTC_D_VRT);
	cmos_write(VRTC_REG_B, VRTC_B_SET | VRTC_B_UIE | VRTC_B_24H);
	CHECK_EQ(cmos_read(VRTC_REG_B), VRTC_B_SET | VRTC_B_24H);
	/* ports: 0x70 is write-only, others are not ours */
	CHECK_EQ(vrtc_io_read(&rtc, 0x70, 1, 0), 0xff);
	CHECK(vrtc_owns(0x70) && vrtc_owns(0x71) && !vrtc_owns(0x72));
	vrtc_io_write(&rtc, 0x70, 1, VRTC_MDAY, 0);
	CHECK_EQ(vrtc_io_read(&rtc, 0x71, 2, 0), 0xff22);  /* 0x72 floats */
	vrtc_io_write(&rtc, 0x70, 2, 0x0e | 0x55 << 8, 0); /* index 0x0e, then data 0x55 */
	CHECK_EQ(cmos_read(0x0e), 0x55);
}

static void test_uip_window(void)
{
	vrtc_init(&rtc, T_2026_11_22_185930, NULL);
	now = 3 * NSEC_PER_SEC - VRTC_UIP_NS - 2 * IO_NS - 1;
	CHECK_EQ(cmos_read(VRTC_REG_A) & VRTC_A_UIP, 0);
	now = 3 * NSEC_PER_SEC - VRTC_UIP_NS - 2 * IO_NS;
	CHECK(cmos_read(VRTC_REG_A) & VRTC_A_UIP);
	now = 3 * NSEC_PER_SEC - 2 * IO_NS;
	CHECK_EQ(cmos_read(VRTC_REG_A) & VRTC_A_UIP, 0);
	/* SET or a stopped divider: no updates, no UIP */
	now = 3 * NSEC_PER_SEC - 10000;
	cmos_write(VRTC_REG_A, 0x76);
	now = 4 * NSEC_PER_SEC - 10000;
	CHECK_EQ(cmos_read(VRTC_REG_A), 0x76);
}

/* mc146818_avoid_UIP + mc146818_get_time_callback, against the fake clock. */
static bool linux_get_time(uint8_t *sec, uint8_t *min, uint8_t *hour, unsigned *tries)
{
	for (unsigned i = 0; i < 10; i++) {
		uint8_t seconds;

		*tries = i + 1;
		seconds = cmos_read(VRTC_SECONDS);
		if (cmos_read(VRTC_REG_A) & VRTC_A_UIP) {
			now += 100000; /* udelay(100) */
			continue;
		}
		if (seconds != cmos_read(VRTC_SECONDS))
			continue;
		*sec = cmos_read(VRTC_SECONDS);
		*min = cmos_read(VRTC_MINUTES);
		*hour = cmos_read(VRTC_HOURS);
		cmos_read(VRTC_MDAY);
		cmos_read(VRTC_MONTH);
		cmos_read(VRTC_YEAR);
		cmos_read(VRTC_REG_B);
		if (cmos_read(VRTC_REG_A) & VRTC_A_UIP) {
			now += 100000;
			continue;
		}
		if (seconds != cmos_read(VRTC_SECONDS))
			continue;
		return true;
	}
	return false;
}

static void test_linux_uip_handshake(void)
{
	unsigned worst = 0;

	vrtc_init(&rtc, T_2026_11_22_185930, NULL);
	/* start at every phase of the second around the update */
	for (uint64_t off = 0; off < 400000; off += 3331) {
		uint8_t s = 0, m = 0, h = 0;
		unsigned tries = 0;
		uint64_t expect;
		bool ok;

		now = 10 * NSEC_PER_SEC - off;
		ok = linux_get_time(&s, &m, &h, &tries);
		CHECK(ok);
		worst = tries > worst ? tries : worst;
		expect = 30 + now / NSEC_PER_SEC; /* the seconds when the read finished */
		CHECK_EQ(s, ((expect % 60) / 10) << 4 | (expect % 10));
		CHECK_EQ(m, 0x59); /* 18:59:39 or 18:59:40 */
		CHECK_EQ(h, 0x18);
	}
	CHECK(worst <= 4);
	/* mc146818_does_rtc_work: UIP clears within 10 ms */
	now = 20 * NSEC_PER_SEC - 100000;
	CHECK(cmos_read(VRTC_REG_A) & VRTC_A_UIP);
	now += NSEC_PER_SEC / 1000;
	CHECK_EQ(cmos_read(VRTC_REG_A) & VRTC_A_UIP, 0);
}

static unsigned irq_rises;
static bool irq_high;

static void irq8(void *ctx, uint32_t line, bool level)
{
	(void)ctx;
	CHECK_EQ(line, 8);
	if (level && !irq_high)
		irq_rises++;
	irq_high = level;
}

/* rtc-cmos with PIE at 1024 Hz: IRQ 8 high until C is read. */
static void test_periodic_interrupt(void)
{
	struct vdev_irq_line l = {.set = irq8, .line = 8};
	vdev_time_ns d;

	vrtc_init(&rtc, T_2026_11_22_185930, &l);
	irq_rises = 0;
	irq_high = false;
	now = 0;
	CHECK_EQ(vrtc_next_deadline(&rtc, now), VDEV_NEVER);
	cmos_write(VRTC_REG_B, VRTC_B_PIE | VRTC_B_24H);
	d = vrtc_next_deadline(&rtc, now);
	CHECK_EQ(d, 976563); /* 32 ticks of 32.768 kHz, rounded up */
	vrtc_tick(&rtc, d - 1);
	CHECK(!irq_high);
	vrtc_tick(&rtc, d);
	CHECK(irq_high);
	CHECK_EQ(irq_rises, 1);
	CHECK_EQ(vrtc_next_deadline(&rtc, d + 5000000), VDEV_NEVER); /* until C is read */
	now = d + 5000000;
	CHECK_EQ(cmos_read(VRTC_REG_C), VRTC_C_IRQF | VRTC_C_PF);
	CHECK(!irq_high);
	CHECK_EQ(cmos_read(VRTC_REG_C), 0);
	d = vrtc_next_deadline(&rtc, now);
	CHECK(d > now && d - now <= 976563);
	/* 2 Hz (RS = 15) */
	cmos_write(VRTC_REG_A, 0x2f);
	cmos_read(VRTC_REG_C);
	CHECK_EQ(vrtc_next_deadline(&rtc, now), NSEC_PER_SEC / 2);
	/* RS = 0: no periodic interrupt; PIE off: no deadline */
	cmos_write(VRTC_REG_A, 0x20);
	CHECK_EQ(vrtc_next_deadline(&rtc, now), VDEV_NEVER);
	cmos_write(VRTC_REG_B, VRTC_B_24H);
	cmos_write(VRTC_REG_A, 0x26);
	CHECK_EQ(vrtc_next_deadline(&rtc, now), VDEV_NEVER);
	/* a flag already pending raises IRQ 8 as soon as PIE is set */
	now += NSEC_PER_SEC / 100;
	cmos_write(VRTC_REG_B, VRTC_B_PIE | VRTC_B_24H);
	CHECK(irq_high);
	CHECK_EQ(irq_rises, 2);
}

/* Update-ended interrupt at each second boundary, not while SET. */
static void test_update_interrupt(void)
{
	struct vdev_irq_line l = {.set = irq8, .line = 8};

	vrtc_init(&rtc, T_2026_11_22_185930, &l);
	irq_rises = 0;
	irq_high = false;
	now = 2 * NSEC_PER_SEC + 123;
	cmos_read(VRTC_REG_C);
	cmos_write(VRTC_REG_B, VRTC_B_UIE | VRTC_B_24H);
	CHECK_EQ(vrtc_next_deadline(&rtc, now), 3 * NSEC_PER_SEC);
	vrtc_tick(&rtc, 3 * NSEC_PER_SEC);
	CHECK(irq_high);
	now = 3 * NSEC_PER_SEC;
	CHECK_EQ(cmos_read(VRTC_REG_C) & (VRTC_C_IRQF | VRTC_C_UF), VRTC_C_IRQF | VRTC_C_UF);
	CHECK(!irq_high);
	cmos_write(VRTC_REG_B, VRTC_B_SET | VRTC_B_UIE | VRTC_B_24H); /* SET clears UIE */
	CHECK_EQ(vrtc_next_deadline(&rtc, now), VDEV_NEVER);
	now = 5 * NSEC_PER_SEC;
	CHECK_EQ(cmos_read(VRTC_REG_C) & VRTC_C_UF, 0);
}

int main(void)
{
	RUN(test_epoch_to_tm_matches_gmtime);
	RUN(test_bcd_24h);
	RUN(test_binary_and_12h);
	RUN(test_registers);
	RUN(test_uip_window);
	RUN(test_linux_uip_handshake);
	RUN(test_periodic_interrupt);
	RUN(test_update_interrupt);
	return test_summary();
}
