/*
 * cmos_rtc.c - the host's wall-clock time from the MC146818-compatible
 * CMOS RTC at ports 0x70/0x71 (include/hv/wallclock.h).
 *
 * The registers are read only between updates: wait for register A's UIP
 * bit to clear, read every time register, and accept the result once two
 * reads in a row agree (an update may start between the UIP check and the
 * reads).  Register B says whether the values are BCD and the hour 12-hour.
 * The century register is not standardised (the FADT names it, when at
 * all), so the two-digit year is taken as 1970..2069.
 */
#include <hv/arch.h>
#include <hv/lib.h>
#include <hv/printk.h>
#include <hv/vdev_rtc.h>
#include <hv/wallclock.h>
#include <arch/cpu.h>
#include <arch/io.h>

#define CMOS_INDEX    0x70
#define CMOS_DATA     0x71
#define RTC_SEC	      0x00
#define RTC_MIN	      0x02
#define RTC_HOUR      0x04
#define RTC_MDAY      0x07
#define RTC_MON	      0x08
#define RTC_YEAR      0x09
#define RTC_A	      0x0a
#define RTC_B	      0x0b
#define RTC_A_UIP     BIT(7)
#define RTC_B_24H     BIT(1)
#define RTC_B_BINARY  BIT(2)
#define RTC_HOUR_PM   BIT(7)
#define UIP_POLLS     1000000 /* an update takes < 2 ms; port reads are ~1 us */
#define READ_ATTEMPTS 5

static uint64_t epoch_at_read, tsc_at_read;

static uint8_t cmos_read(uint8_t idx)
{
	outb(CMOS_INDEX, idx); /* bit 7 clear: NMIs stay enabled */
	return inb(CMOS_DATA);
}

struct cmos_time {
	uint8_t sec, min, hour, mday, mon, year, b;
};

static bool cmos_snapshot(struct cmos_time *t)
{
	uint32_t n = 0;

	while (cmos_read(RTC_A) & RTC_A_UIP)
		if (++n == UIP_POLLS)
			return false;
	*t = (struct cmos_time){cmos_read(RTC_SEC),  cmos_read(RTC_MIN), cmos_read(RTC_HOUR),
				cmos_read(RTC_MDAY), cmos_read(RTC_MON), cmos_read(RTC_YEAR),
				cmos_read(RTC_B)};
	return true;
}

static uint8_t from_bcd(uint8_t v, bool binary)
{
	return binary ? v : (uint8_t)((v >> 4) * 10 + (v & 0xf));
}

static void cmos_to_tm(const struct cmos_time *t, struct vrtc_tm *tm)
{
	bool bin = t->b & RTC_B_BINARY;
	uint8_t hour = from_bcd(t->hour & (uint8_t)~RTC_HOUR_PM, bin);
	uint8_t year = from_bcd(t->year, bin);

	/* 12-hour mode: 12 AM is 0, 12 PM is 12 */
	if (!(t->b & RTC_B_24H))
		hour = (uint8_t)(hour % 12 + ((t->hour & RTC_HOUR_PM) ? 12 : 0));
	*tm = (struct vrtc_tm){.year = year < 70 ? 2000u + year : 1900u + year,
			       .mon = from_bcd(t->mon, bin),
			       .mday = from_bcd(t->mday, bin),
			       .hour = hour,
			       .min = from_bcd(t->min, bin),
			       .sec = from_bcd(t->sec, bin)};
}

void wallclock_init(void)
{
	struct cmos_time a, b;
	struct vrtc_tm tm;
	uint64_t secs;

	for (int i = 0; i < READ_ATTEMPTS; i++) {
		if (!cmos_snapshot(&a) || !cmos_snapshot(&b)) {
			pr_warn("rtc: the CMOS clock never finishes its update: guests start at "
				"1970\n");
			return;
		}
		if (!memcmp(&a, &b, sizeof(a)))
			break;
	}
	cmos_to_tm(&b, &tm);
	if (!vrtc_tm_to_epoch(&tm, &secs)) {
		pr_warn("rtc: no valid CMOS time (%02x-%02x-%02x %02x:%02x:%02x): guests start at "
			"1970\n",
			b.year, b.mon, b.mday, b.hour, b.min, b.sec);
		return;
	}
	tsc_at_read = rdtsc();
	epoch_at_read = secs;
	pr_info("rtc: %04u-%02u-%02u %02u:%02u:%02u (CMOS clock, taken as UTC)\n", tm.year, tm.mon,
		tm.mday, tm.hour, tm.min, tm.sec);
}

uint64_t wallclock_at_tsc(uint64_t tsc)
{
	if (!epoch_at_read || !tsc_hz)
		return 0;
	return epoch_at_read + (tsc > tsc_at_read ? (tsc - tsc_at_read) / tsc_hz : 0);
}
