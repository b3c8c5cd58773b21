/*
 * test_vdev_pit.c - unit tests of the virtual 8254 PIT (guests/vdev_pit.c):
 * Linux's TSC calibration loops (arch/x86/kernel/tsc.c) against a fake
 * clock must measure the fake TSC's frequency; the i8253 clockevent modes
 * (drivers/clocksource/i8253.c) raise IRQ0 at the data sheet's times; latch,
 * read-back, access modes, BCD, gates and port 0x61 behave per the 82C54
 * data sheet.
 */
#include <stdio.h>

#include "test.h"
#include <hv/vdev_pit.h>

#define IO_NS	  700ULL	/* guest time one port access takes in the fake machine */
#define TSC_HZ	  2900000000ULL /* the fake TSC */
#define CAL_MS	  10
#define CAL_LATCH (VPIT_HZ / (1000 / CAL_MS))

static struct vpit pit;
static vdev_time_ns now;
static unsigned pulses, level_changes;
static bool level;

static void irq_set(void *ctx, uint32_t line, bool lvl)
{
	(void)ctx;
	(void)line;
	if (lvl && !level)
		pulses++;
	level_changes++;
	level = lvl;
}

static void setup(vdev_time_ns start)
{
	struct vdev_irq_line l = {.set = irq_set, .ctx = NULL, .line = 0};

	vpit_init(&pit, &l);
	now = start;
	pulses = level_changes = 0;
	level = false;
}

static uint8_t inb(uint16_t port)
{
	now += IO_NS;
	return (uint8_t)vpit_io_read(&pit, port, 1, now);
}

static void outb(uint16_t port, uint8_t v)
{
	now += IO_NS;
	vpit_io_write(&pit, port, 1, v, now);
}

/* LSB then MSB, in this order */
static unsigned rd16(uint16_t port)
{
	unsigned lo = inb(port);

	return lo | (unsigned)inb(port) << 8;
}

static uint64_t rdtsc(void)
{
	return now / NSEC_PER_SEC * TSC_HZ + now % NSEC_PER_SEC * TSC_HZ / NSEC_PER_SEC;
}

/* The first guest time at which the PIT has counted tick k. */
static vdev_time_ns ns_of_tick(uint64_t k)
{
	vdev_time_ns t = k * NSEC_PER_SEC / VPIT_HZ;

	while (vpit_ticks(t) < k)
		t++;
	return t;
}

/* arch/x86/kernel/tsc.c pit_calibrate_tsc(CAL_LATCH, CAL_MS, CAL_PIT_LOOPS) */
static void test_pit_calibrate_tsc(void)
{
	uint64_t tsc, t1, t2, delta, tscmin = UINT64_MAX, tscmax = 0, khz;
	unsigned long pitcnt = 0;

	setup(123456789);
	outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));
	outb(0x43, 0xb0);
	outb(0x42, CAL_LATCH & 0xff);
	outb(0x42, CAL_LATCH >> 8);
	tsc = t1 = t2 = rdtsc();
	while ((inb(0x61) & 0x20) == 0) {
		t2 = rdtsc();
		delta = t2 - tsc;
		tsc = t2;
		tscmin = delta < tscmin ? delta : tscmin;
		tscmax = delta > tscmax ? delta : tscmax;
		pitcnt++;
		if (pitcnt > 10000000)
			break;
	}
	CHECK(pitcnt >= 1000); /* CAL_PIT_LOOPS */
	CHECK(tscmax <= 10 * tscmin);
	khz = (t2 - t1) / CAL_MS; /* TSC ticks per ms = kHz */
	printf("pit_calibrate_tsc: %lu loops, %llu kHz (fake TSC %llu kHz)\n", pitcnt,
	       (unsigned long long)khz, (unsigned long long)(TSC_HZ / 1000));
	CHECK(khz > TSC_HZ / 1000 * 999 / 1000 && khz < TSC_HZ / 1000 * 1001 / 1000);
	CHECK_EQ(pulses, 0); /* channel 2 has no interrupt */
}

/* arch/x86/kernel/tsc.c quick_pit_calibrate: watch the MSB of an unlatched count fall. */
static void test_quick_pit_calibrate(void)
{
	uint64_t tsc_first = 0, tsc_last = 0, hz;
	unsigned msb = 0xff, steps = 0;

	setup(5 * NSEC_PER_SEC + 17);
	outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));
	outb(0x43, 0xb0);
	outb(0x42, 0xff);
	outb(0x42, 0xff);
	inb(0x42);
	CHECK_EQ(inb(0x42), 0xff); /* pit_verify_msb(0) ... the count starts at 0xffff */
	while (steps < 100) {
		uint8_t m;

		inb(0x42); /* LSB, then MSB: the read flip-flop alternates */
		m = inb(0x42);
		if (m == msb)
			continue;
		CHECK_EQ(m, msb - 1); /* never skips an MSB value at this access rate */
		msb = m;
		if (!steps++)
			tsc_first = rdtsc();
		tsc_last = rdtsc();
	}
	hz = (tsc_last - tsc_first) * VPIT_HZ / ((steps - 1) * 256ULL);
	printf("quick_pit_calibrate: %llu kHz\n", (unsigned long long)(hz / 1000));
	CHECK(hz > TSC_HZ / 1000 * 999 && hz < TSC_HZ / 1000 * 1001);
}

/* i8253 one-shot: 0x30, count; OUT0 rises N+1 ticks after the write. */
static void test_mode0_oneshot_irq(void)
{
	uint64_t w;

	setup(1000);
	CHECK_EQ(vpit_next_deadline(&pit), VDEV_NEVER);
	outb(0x43, 0x30);
	outb(0x40, 100);
	outb(0x40, 0);
	w = vpit_ticks(now);
	CHECK_EQ(vpit_next_deadline(&pit), ns_of_tick(w + 1 + 100));
	vpit_tick(&pit, vpit_next_deadline(&pit) - 1);
	CHECK_EQ(pulses, 0);
	vpit_tick(&pit, vpit_next_deadline(&pit));
	CHECK_EQ(pulses, 1);
	CHECK_EQ(level, false); /* a pulse: up, then down */
	CHECK_EQ(level_changes, 2);
	CHECK_EQ(vpit_next_deadline(&pit), VDEV_NEVER);
	vpit_tick(&pit, now + NSEC_PER_SEC);
	CHECK_EQ(pulses, 1);
	/* latched count: 100 at the load tick, then down, wrapping past 0 */
	now = ns_of_tick(w + 1 + 40) - IO_NS;
	outb(0x43, 0x00);
	CHECK_EQ(rd16(0x40), 60);
	now = ns_of_tick(w + 1 + 100 + 5) - IO_NS;
	outb(0x43, 0x00);
	CHECK_EQ(rd16(0x40), 0xfffb);
}

/* i8253 periodic: 0x34 and LATCH; one pulse per period, lost periods coalesce. */
static void test_mode2_periodic_irq(void)
{
	const unsigned latch = (VPIT_HZ + 500) / 1000; /* HZ=1000 */
	uint64_t w, d;

	setup(0);
	outb(0x43, 0x34);
	outb(0x40, latch & 0xff);
	outb(0x40, latch >> 8);
	w = vpit_ticks(now);
	for (unsigned k = 1; k <= 5; k++) {
		d = vpit_next_deadline(&pit);
		CHECK_EQ(d, ns_of_tick(w + 1 + k * latch));
		vpit_tick(&pit, d);
		CHECK_EQ(pulses, k);
	}
	/* 10 periods late: one pulse, and the next deadline is in the future */
	d = vpit_next_deadline(&pit) + 10 * 1000000;
	vpit_tick(&pit, d);
	CHECK_EQ(pulses, 6);
	CHECK(vpit_next_deadline(&pit) > d);
	CHECK(vpit_next_deadline(&pit) - d <= 1000000);
	/* the count runs N..1 */
	now = ns_of_tick(w + 1 + 3 * latch) - IO_NS;
	outb(0x43, 0x00);
	CHECK_EQ(rd16(0x40), latch);
	now = ns_of_tick(w + 1 + 3 * latch + latch - 1) - IO_NS;
	outb(0x43, 0x00);
	CHECK_EQ(rd16(0x40), 1);
	/* shutdown as i8253.c does it: mode 0, count 0 -> one edge after 65536 ticks */
	outb(0x43, 0x30);
	outb(0x40, 0);
	outb(0x40, 0);
	w = vpit_ticks(now);
	CHECK_EQ(vpit_next_deadline(&pit), ns_of_tick(w + 1 + 65536));
}

static void test_readback_and_latch(void)
{
	uint8_t st;

	setup(NSEC_PER_SEC);
	outb(0x43, 0xb4); /* channel 2, mode 2, LSB-MSB */
	outb(0x43, 0xe8); /* read-back status of channel 2 */
	st = inb(0x42);
	CHECK_EQ(st, 0x80 | 0x40 | 0x34); /* OUT high (mode 2), NULL COUNT, RW 3, mode 2 */
	outb(0x61, 0x01);
	outb(0x42, 0x10);
	outb(0x42, 0x27); /* 10000 */
	now += 10000;
	outb(0x43, 0xc8); /* read-back count and status of channel 2 */
	outb(0x43, 0xc8); /* ignored: both already latched */
	st = inb(0x42);
	CHECK_EQ(st, 0x80 | 0x34); /* NULL COUNT now clear */
	now += 5 * NSEC_PER_SEC / 1000;
	{
		unsigned c = rd16(0x42);

		CHECK(c < 10000 && c > 10000 - 20); /* the value at the latch, not now */
	}
	/* counter latch command on a channel in LSB-only mode: one byte per latch */
	outb(0x43, 0x90); /* channel 2, LSB only, mode 0 */
	outb(0x42, 200);
	now += 100 * NSEC_PER_SEC / VPIT_HZ + 1;
	outb(0x43, 0x80);
	st = inb(0x42);
	CHECK(st <= 100 && st > 95);
	CHECK(inb(0x42) <= st); /* unlatched again: the live count */
	/* MSB-only mode */
	outb(0x43, 0xa0);
	outb(0x42, 0x12);
	CHECK_EQ(vpit_io_read(&pit, 0x42, 1, now), 0x12);
	/* reading the control port: write-only, floats high */
	CHECK_EQ(inb(0x43), 0xff);
}

static void test_bcd(void)
{
	uint64_t w;

	setup(0);
	outb(0x43, 0x31); /* channel 0, mode 0, LSB-MSB, BCD */
	outb(0x40, 0x00);
	outb(0x40, 0x10); /* 1000 */
	w = vpit_ticks(now);
	now = ns_of_tick(w + 2);
	CHECK_EQ(vpit_io_read(&pit, 0x40, 1, now), 0x99);
	CHECK_EQ(vpit_io_read(&pit, 0x40, 1, now), 0x09);
	CHECK_EQ(vpit_next_deadline(&pit), ns_of_tick(w + 1 + 1000));
	/* count 0 in BCD is 10000 */
	outb(0x43, 0x31);
	outb(0x40, 0);
	outb(0x40, 0);
	w = vpit_ticks(now);
	CHECK_EQ(vpit_next_deadline(&pit), ns_of_tick(w + 1 + 10000));
	now = ns_of_tick(w + 2);
	outb(0x43, 0x00);
	CHECK_EQ(rd16(0x40), 0x9999);
}

static void test_mode3_square_wave_on_port61(void)
{
	uint64_t w;

	setup(77);
	outb(0x61, 0x01);
	outb(0x43, 0xb6); /* channel 2, mode 3 */
	outb(0x42, 100);
	outb(0x42, 0);
	w = vpit_ticks(now);
	for (unsigned e = 0; e < 300; e += 7) {
		bool high = vpit_io_read(&pit, 0x61, 1, ns_of_tick(w + 1 + e)) & 0x20;

		CHECK_EQ(high, e % 100 < 50);
	}
	/* gate low: OUT high, counting stops; rising: restarts the period */
	now = ns_of_tick(w + 1 + 60);
	vpit_io_write(&pit, 0x61, 1, 0x00, now);
	CHECK(vpit_io_read(&pit, 0x61, 1, now + 100000) & 0x20);
	vpit_io_write(&pit, 0x61, 1, 0x01, now + 100000);
	w = vpit_ticks(now + 100000);
	CHECK(vpit_io_read(&pit, 0x61, 1, ns_of_tick(w + 1 + 10)) & 0x20);
	CHECK(!(vpit_io_read(&pit, 0x61, 1, ns_of_tick(w + 1 + 60)) & 0x20));
}

/* Mode 0 on channel 2 with the gate low does not count until the gate rises. */
static void test_gate_pauses_mode0(void)
{
	uint64_t w;

	setup(0);
	outb(0x61, 0x00);
	outb(0x43, 0xb0);
	outb(0x42, 50);
	outb(0x42, 0);
	now += NSEC_PER_SEC / 1000;
	CHECK(!(inb(0x61) & 0x20));
	outb(0x43, 0x80);
	CHECK_EQ(rd16(0x42), 50);
	outb(0x61, 0x01);
	w = vpit_ticks(now);
	CHECK(!(vpit_io_read(&pit, 0x61, 1, ns_of_tick(w + 1 + 49)) & 0x20));
	CHECK(vpit_io_read(&pit, 0x61, 1, ns_of_tick(w + 1 + 50)) & 0x20);
}

static void test_port61_and_sizes(void)
{
	setup(0);
	CHECK(vpit_owns(0x40) && vpit_owns(0x43) && vpit_owns(0x61));
	CHECK(!vpit_owns(0x44) && !vpit_owns(0x60) && !vpit_owns(0x62));
	vpit_io_write(&pit, 0x61, 1, 0xff, 0);
	CHECK_EQ(vpit_io_read(&pit, 0x61, 1, 0) & 0x0f, 0x0f);
	CHECK_EQ(vpit_io_read(&pit, 0x61, 1, 0) & 0xc0, 0);
	CHECK(!(vpit_io_read(&pit, 0x61, 1, VPIT_REFRESH_NS - 1) & VPIT_B_REFRESH));
	CHECK(vpit_io_read(&pit, 0x61, 1, VPIT_REFRESH_NS) & VPIT_B_REFRESH);
	/* a word read at 0x42 reads channel 2 then the write-only control port */
	CHECK_EQ(vpit_io_read(&pit, 0x42, 2, 0) >> 8, 0xff);
	CHECK_EQ(vpit_io_read(&pit, 0x61, 4, 0) >> 8, 0xffffff);
	/* a word write to 0x42 in LSB-MSB mode writes both count bytes */
	vpit_io_write(&pit, 0x43, 1, 0xb0, 0);
	vpit_io_write(&pit, 0x42, 2, 0x0000, 0); /* LSB 0 to 0x42, 0 to 0x43 = latch ch0 */
	vpit_io_write(&pit, 0x42, 1, 0x01, 0);
	CHECK_EQ(vpit_next_deadline(&pit), VDEV_NEVER);
	vpit_reset(&pit);
	CHECK_EQ(vpit_io_read(&pit, 0x61, 1, 0) & 0x0f, 0);
}

/* Deadlines round up: at the deadline the tick has been counted, 1 ns before not. */
static void test_deadline_rounding(void)
{
	setup(0);
	for (uint64_t start = 1; start < 40 * NSEC_PER_SEC; start = start * 3 + 12345) {
		vdev_time_ns d;

		now = start;
		outb(0x43, 0x34);
		outb(0x40, 0x9b);
		outb(0x40, 0x2e);
		d = vpit_next_deadline(&pit);
		CHECK_EQ(vpit_ticks(d), vpit_ticks(now) + 1 + 0x2e9b);
		CHECK(vpit_ticks(d - 1) < vpit_ticks(d));
	}
}

int main(void)
{
	RUN(test_pit_calibrate_tsc);
	RUN(test_quick_pit_calibrate);
	RUN(test_mode0_oneshot_irq);
	RUN(test_mode2_periodic_irq);
	RUN(test_readback_and_latch);
	RUN(test_bcd);
	RUN(test_mode3_square_wave_on_port61);
	RUN(test_gate_pauses_mode0);
	RUN(test_port61_and_sizes);
	RUN(test_deadline_rounding);
	return test_summary();
}
