/*
 * vdev_rtc.c - the virtual MC146818 CMOS RTC (include/hv/vdev_rtc.h).
 *
 * References: Motorola MC146818A data sheet (registers A-D, BCD/binary data
 * mode, 12/24-hour format, update cycle and UIP timing: UIP rises 244 us
 * before the update and the update completes within 2 ms), the PC/AT CMOS
 * map (century at 0x32, which the FADT's CENTURY field may name).  Linux
 * paths checked: drivers/rtc/lib/mc146818-lib.c (mc146818_avoid_UIP: read
 * seconds, require UIP clear, read the time, require UIP still clear and
 * seconds unchanged, retry up to 10 times with 100 us pauses;
 * mc146818_does_rtc_work: UIP must clear within 10 ms; the century byte
 * is read only when the FADT names it), drivers/rtc/rtc-cmos.c (probe reads
 * B and clears C), arch/x86/kernel/rtc.c, include/linux/mc146818rtc.h.
 *
 * The time registers are computed from the wall-clock time given at init
 * plus guest time, in the format register B asks for at the moment of the
 * read (a real chip keeps what was written and software must convert; with
 * a read-only time the current format is the only sensible answer).  The
 * registers change exactly at the guest's second boundaries, and UIP reads
 * 1 during the 244 us before each one (0 while B.SET is 1 or the divider in
 * A is not the normal 32.768 kHz setting), so Linux's UIP dance always
 * completes, after at most a few 100 us retries.
 *
 * Interrupts: register C's PF (periodic, at the rate A's RS bits select
 * from the 32.768 kHz time base) and UF (update ended, at each second
 * boundary; not while SET) are computed from the events between the last
 * read of C and now; IRQF = PF&PIE | UF&UIE, and IRQ 8 follows IRQF, so it
 * stays high until the guest reads C, as on the chip.  Rate and SET changes
 * apply to the whole interval since C was last read (an approximation no
 * driver can observe: rtc-cmos reads C in its interrupt handler).
 *
 * Not modelled, and why: the alarm (AF never sets; Linux only arms it for
 * wake-up alarms from user space); writing the time (read-only by design;
 * SET and the divider do not stop the clock); the square-wave output;
 * daylight-saving adjustment (DSE stored only).
 */
#include <hv/vdev_rtc.h>
#include <hv/lib.h>

#define DAYS_0000_TO_1970 719468 /* days from 0000-03-01 to 1970-01-01 */
#define DAYS_PER_400Y	  146097
#define SECS_PER_DAY	  86400
#define A_DV_MASK	  GENMASK(6, 4)
#define A_DV_NORMAL	  (2 << 4) /* 32.768 kHz time base, dividers running */
#define A_RS_MASK	  GENMASK(3, 0)

static bool is_time_reg(uint8_t idx)
{
	switch (idx) {
	case VRTC_SECONDS:
	case VRTC_MINUTES:
	case VRTC_HOURS:
	case VRTC_WEEKDAY:
	case VRTC_MDAY:
	case VRTC_MONTH:
	case VRTC_YEAR:
	case VRTC_CENTURY:
		return true;
	default:
		return false;
	}
}

bool vrtc_tm_to_epoch(const struct vrtc_tm *tm, uint64_t *secs)
{
	static const uint8_t mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	uint64_t y, era, yoe, doy, doe, days;

	if (tm->year < 1970 || tm->mon < 1 || tm->mon > 12 || tm->mday < 1 ||
	    tm->mday > mdays[tm->mon - 1] || tm->hour > 23 || tm->min > 59 || tm->sec > 59)
		return false;
	/* the inverse of vrtc_epoch_to_tm: years start on March 1 */
	y = tm->year - (tm->mon <= 2 ? 1 : 0);
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (tm->mon > 2 ? tm->mon - 3u : tm->mon + 9u) + 2) / 5 + tm->mday - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = era * DAYS_PER_400Y + doe - DAYS_0000_TO_1970;
	*secs = days * SECS_PER_DAY + tm->hour * 3600u + tm->min * 60u + tm->sec;
	return true;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian, H. Hinnant's method). */
void vrtc_epoch_to_tm(uint64_t secs, struct vrtc_tm *tm)
{
	uint64_t days = secs / SECS_PER_DAY, rem = secs % SECS_PER_DAY;
	uint64_t z = days + DAYS_0000_TO_1970;
	uint64_t era = z / DAYS_PER_400Y, doe = z % DAYS_PER_400Y;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint64_t mp = (5 * doy + 2) / 153;
	uint32_t mon = (uint32_t)(mp < 10 ? mp + 3 : mp - 9);

	tm->year = (uint32_t)(yoe + era * 400 + (mon <= 2 ? 1 : 0));
	tm->mon = (uint8_t)mon;
	tm->mday = (uint8_t)(doy - (153 * mp + 2) / 5 + 1);
	tm->wday = (uint8_t)((days + 4) % 7); /* 1970-01-01 was a Thursday */
	tm->hour = (uint8_t)(rem / 3600);
	tm->min = (uint8_t)(rem / 60 % 60);
	tm->sec = (uint8_t)(rem % 60);
}

void vrtc_time(const struct vrtc *rtc, vdev_time_ns now, struct vrtc_tm *tm)
{
	vrtc_epoch_to_tm(rtc->epoch_at_start + now / NSEC_PER_SEC, tm);
}

/* A value 0..99 in the data mode of register B. */
static uint8_t encode(const struct vrtc *rtc, uint32_t v)
{
	v %= 100;
	if (rtc->cmos[VRTC_REG_B] & VRTC_B_DM_BIN)
		return (uint8_t)v;
	return (uint8_t)((v / 10) << 4 | v % 10);
}

static uint8_t encode_hour(const struct vrtc *rtc, uint8_t hour)
{
	uint8_t h12 = hour % 12 ? hour % 12 : 12;

	if (rtc->cmos[VRTC_REG_B] & VRTC_B_24H)
		return encode(rtc, hour);
	return (uint8_t)(encode(rtc, h12) | (hour >= 12 ? VRTC_HOUR_PM : 0));
}

static uint8_t read_time_reg(const struct vrtc *rtc, uint8_t idx, vdev_time_ns now)
{
	struct vrtc_tm tm;

	vrtc_time(rtc, now, &tm);
	switch (idx) {
	case VRTC_SECONDS:
		return encode(rtc, tm.sec);
	case VRTC_MINUTES:
		return encode(rtc, tm.min);
	case VRTC_HOURS:
		return encode_hour(rtc, tm.hour);
	case VRTC_WEEKDAY:
		return encode(rtc, tm.wday + 1u);
	case VRTC_MDAY:
		return encode(rtc, tm.mday);
	case VRTC_MONTH:
		return encode(rtc, tm.mon);
	case VRTC_YEAR:
		return encode(rtc, tm.year % 100);
	case VRTC_CENTURY:
	default:
		return encode(rtc, tm.year / 100);
	}
}

static bool update_in_progress(const struct vrtc *rtc, vdev_time_ns now)
{
	if (rtc->cmos[VRTC_REG_B] & VRTC_B_SET)
		return false;
	if ((rtc->cmos[VRTC_REG_A] & A_DV_MASK) != A_DV_NORMAL)
		return false;
	return now % NSEC_PER_SEC >= NSEC_PER_SEC - VRTC_UIP_NS;
}

static uint64_t base_ticks(vdev_time_ns now)
{
	return now / NSEC_PER_SEC * VRTC_HZ + now % NSEC_PER_SEC * VRTC_HZ / NSEC_PER_SEC;
}

/* Periodic interrupt period in 32.768 kHz ticks (data sheet table 5), 0 for none. */
static uint64_t period_ticks(const struct vrtc *rtc)
{
	unsigned rs = rtc->cmos[VRTC_REG_A] & A_RS_MASK;

	if (rs == 0)
		return 0;
	if (rs <= 2) /* 256 Hz and 128 Hz, as with the 4.194 MHz time base */
		return 64ULL << rs;
	return 1ULL << (rs - 1);
}

/* PF and UF for the events in (c_cleared, now], plus IRQF. */
static uint8_t flags(const struct vrtc *rtc, vdev_time_ns now)
{
	uint64_t p = period_ticks(rtc);
	uint8_t b = rtc->cmos[VRTC_REG_B], c = 0;

	if (p && base_ticks(now) / p > base_ticks(rtc->c_cleared) / p)
		c |= VRTC_C_PF;
	if (!(b & VRTC_B_SET) && now / NSEC_PER_SEC > rtc->c_cleared / NSEC_PER_SEC)
		c |= VRTC_C_UF;
	if (((c & VRTC_C_PF) && (b & VRTC_B_PIE)) || ((c & VRTC_C_UF) && (b & VRTC_B_UIE)))
		c |= VRTC_C_IRQF;
	return c;
}

static void update_irq(struct vrtc *rtc, vdev_time_ns now)
{
	bool level = flags(rtc, now) & VRTC_C_IRQF;

	if (level == rtc->irq_level)
		return;
	rtc->irq_level = level;
	vdev_irq_set(&rtc->irq, level);
}

static vdev_time_ns ticks_to_ns(uint64_t k)
{
	uint64_t frac = k % VRTC_HZ * NSEC_PER_SEC;

	return k / VRTC_HZ * NSEC_PER_SEC + (frac + VRTC_HZ - 1) / VRTC_HZ;
}

vdev_time_ns vrtc_next_deadline(const struct vrtc *rtc, vdev_time_ns now)
{
	uint64_t p = period_ticks(rtc), d = VDEV_NEVER;
	uint8_t b = rtc->cmos[VRTC_REG_B];

	if (flags(rtc, now) & VRTC_C_IRQF)
		return VDEV_NEVER;
	if ((b & VRTC_B_PIE) && p)
		d = ticks_to_ns((base_ticks(now) / p + 1) * p);
	if ((b & VRTC_B_UIE) && !(b & VRTC_B_SET))
		d = MIN(d, (now / NSEC_PER_SEC + 1) * NSEC_PER_SEC);
	return d;
}

void vrtc_tick(struct vrtc *rtc, vdev_time_ns now)
{
	update_irq(rtc, now);
}

static uint8_t read_reg(struct vrtc *rtc, vdev_time_ns now)
{
	uint8_t idx = rtc->index, v;

	if (is_time_reg(idx))
		return read_time_reg(rtc, idx, now);
	switch (idx) {
	case VRTC_REG_A:
		v = rtc->cmos[VRTC_REG_A] & (uint8_t)~VRTC_A_UIP;
		return update_in_progress(rtc, now) ? (uint8_t)(v | VRTC_A_UIP) : v;
	case VRTC_REG_C: /* flags clear on read */
		v = flags(rtc, now);
		rtc->c_cleared = now;
		return v;
	case VRTC_REG_D: /* valid RAM and time: the "battery" is good */
		return VRTC_D_VRT;
	default:
		return rtc->cmos[idx];
	}
}

static void write_reg(struct vrtc *rtc, uint8_t v)
{
	uint8_t idx = rtc->index;

	if (is_time_reg(idx))
		return; /* read-only time */
	switch (idx) {
	case VRTC_REG_A: /* UIP is read-only */
		rtc->cmos[idx] = v & (uint8_t)~VRTC_A_UIP;
		break;
	case VRTC_REG_B: /* data sheet: setting SET clears UIE */
		rtc->cmos[idx] = (v & VRTC_B_SET) ? (uint8_t)(v & ~VRTC_B_UIE) : v;
		break;
	case VRTC_REG_C:
	case VRTC_REG_D: /* read-only */
		break;
	default:
		rtc->cmos[idx] = v;
		break;
	}
}

void vrtc_init(struct vrtc *rtc, uint64_t epoch_seconds, const struct vdev_irq_line *irq)
{
	memset(rtc, 0, sizeof(*rtc));
	if (irq)
		rtc->irq = *irq;
	rtc->epoch_at_start = epoch_seconds;
	rtc->cmos[VRTC_REG_A] = A_DV_NORMAL | 0x6; /* 1024 Hz rate select */
	rtc->cmos[VRTC_REG_B] = VRTC_B_24H;
}

bool vrtc_owns(uint16_t port)
{
	return port == VRTC_PORT_INDEX || port == VRTC_PORT_DATA;
}

static uint8_t read_byte(struct vrtc *rtc, uint32_t port, vdev_time_ns now)
{
	if (port == VRTC_PORT_DATA)
		return read_reg(rtc, now);
	return 0xFF; /* the index register is write-only; other ports not ours */
}

static void write_byte(struct vrtc *rtc, uint32_t port, uint8_t v)
{
	if (port == VRTC_PORT_INDEX) {
		rtc->index = v & (VRTC_CMOS_SIZE - 1);
		rtc->nmi_masked = v & VRTC_NMI_MASK;
	} else if (port == VRTC_PORT_DATA) {
		write_reg(rtc, v);
	}
}

uint32_t vrtc_io_read(struct vrtc *rtc, uint16_t port, unsigned size, vdev_time_ns now)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size && i < 4; i++)
		v |= (uint32_t)read_byte(rtc, (uint32_t)port + i, now) << (8 * i);
	update_irq(rtc, now);
	return v;
}

void vrtc_io_write(struct vrtc *rtc, uint16_t port, unsigned size, uint32_t val, vdev_time_ns now)
{
	for (unsigned i = 0; i < size && i < 4; i++)
		write_byte(rtc, (uint32_t)port + i, (uint8_t)(val >> (8 * i)));
	update_irq(rtc, now);
}
