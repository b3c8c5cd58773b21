/*
 * vdev_rtc.h - the virtual MC146818 CMOS real-time clock of a partition
 * (guests/vdev_rtc.c): index port 0x70 (bit 7 masks NMI), data port 0x71,
 * 128 bytes of CMOS.
 *
 * Pure model (include/hv/vdev.h).  The time is read-only: the wall-clock
 * time given at init (seconds since the Unix epoch, UTC) plus the guest time
 * elapsed; guest writes to the time registers are ignored, as the issue
 * asks ("the CMOS RTC (read-only time)").  Registers A-D, the century byte
 * at 0x32 and plain CMOS RAM (zeros until written) are modelled, with the
 * periodic and update-ended interrupts on IRQ 8 (not the alarm: see
 * guests/vdev_rtc.c).  The caller arms a timer at vrtc_next_deadline() and
 * calls vrtc_tick() when it expires.
 */
#ifndef HV_VDEV_RTC_H
#define HV_VDEV_RTC_H

#include <hv/vdev.h>

#define VRTC_PORT_INDEX 0x70
#define VRTC_PORT_DATA	0x71
#define VRTC_CMOS_SIZE	128
#define VRTC_NMI_MASK	BIT(7) /* in the byte written to port 0x70 */

/* Register indexes (MC146818A data sheet; 0x32 is the PC century byte) */
#define VRTC_SECONDS	0x00
#define VRTC_SEC_ALARM	0x01
#define VRTC_MINUTES	0x02
#define VRTC_MIN_ALARM	0x03
#define VRTC_HOURS	0x04
#define VRTC_HOUR_ALARM 0x05
#define VRTC_WEEKDAY	0x06 /* 1 = Sunday */
#define VRTC_MDAY	0x07
#define VRTC_MONTH	0x08
#define VRTC_YEAR	0x09
#define VRTC_REG_A	0x0A
#define VRTC_REG_B	0x0B
#define VRTC_REG_C	0x0C
#define VRTC_REG_D	0x0D
#define VRTC_CENTURY	0x32

#define VRTC_A_UIP    BIT(7)
#define VRTC_B_SET    BIT(7)
#define VRTC_B_PIE    BIT(6)
#define VRTC_B_AIE    BIT(5)
#define VRTC_B_UIE    BIT(4)
#define VRTC_B_SQWE   BIT(3)
#define VRTC_B_DM_BIN BIT(2)
#define VRTC_B_24H    BIT(1)
#define VRTC_B_DSE    BIT(0)
#define VRTC_C_IRQF   BIT(7)
#define VRTC_C_PF     BIT(6)
#define VRTC_C_AF     BIT(5)
#define VRTC_C_UF     BIT(4)
#define VRTC_D_VRT    BIT(7)
#define VRTC_HZ	      32768ULL /* the time base the periodic rates divide */
#define VRTC_HOUR_PM  BIT(7)   /* 12-hour mode */

/* UIP is set this long before each second boundary (data sheet: 244 us). */
#define VRTC_UIP_NS 244000ULL

struct vrtc {
	uint8_t cmos[VRTC_CMOS_SIZE]; /* RAM, alarms, A (less UIP), B; time bytes unused */
	uint8_t index;
	bool nmi_masked;	  /* bit 7 of the last index write, for the caller */
	uint64_t epoch_at_start;  /* wall-clock seconds at guest time 0 */
	vdev_time_ns c_cleared;	  /* register C flags count events after this */
	struct vdev_irq_line irq; /* IRQ 8: high while C.IRQF is set */
	bool irq_level;
};

/* The broken-down UTC time the registers show. */
struct vrtc_tm {
	uint32_t year; /* e.g. 2026 */
	uint8_t mon;   /* 1..12 */
	uint8_t mday;  /* 1..31 */
	uint8_t wday;  /* 0 = Sunday */
	uint8_t hour, min, sec;
};

/*
 * vrtc_init - reset state as the BIOS leaves it: A = 0x26 (32.768 kHz time
 * base, 1024 Hz rate), B = 0x02 (24-hour, BCD), C = 0, D = VRT, CMOS RAM
 * zero, index 0, NMI unmasked.  epoch_seconds is the wall-clock time
 * (seconds since 1970-01-01 UTC) at guest time 0.  irq (may be NULL) is
 * IRQ 8, kept in the struct.
 */
void vrtc_init(struct vrtc *rtc, uint64_t epoch_seconds, const struct vdev_irq_line *irq);

/* vrtc_owns - true for ports 0x70 and 0x71. */
bool vrtc_owns(uint16_t port);

/*
 * vrtc_io_read / vrtc_io_write - a guest IN/OUT of 1, 2 or 4 bytes; wider
 * accesses act byte by byte on consecutive ports.  Port 0x70 is write-only
 * (reads 0xFF); bytes at ports not owned read 0xFF and ignore writes.
 */
uint32_t vrtc_io_read(struct vrtc *rtc, uint16_t port, unsigned size, vdev_time_ns now);
void vrtc_io_write(struct vrtc *rtc, uint16_t port, unsigned size, uint32_t val, vdev_time_ns now);

/*
 * vrtc_next_deadline - when C.IRQF will next be set (an enabled periodic or
 * update-ended event), or VDEV_NEVER (none enabled, or IRQF already set:
 * IRQ 8 stays high until the guest reads C).  vrtc_tick() updates IRQ 8.
 */
vdev_time_ns vrtc_next_deadline(const struct vrtc *rtc, vdev_time_ns now);
void vrtc_tick(struct vrtc *rtc, vdev_time_ns now);

/* vrtc_time - the UTC time the clock shows at now. */
void vrtc_time(const struct vrtc *rtc, vdev_time_ns now, struct vrtc_tm *tm);

/* vrtc_epoch_to_tm - seconds since 1970-01-01 UTC to a broken-down time. */
void vrtc_epoch_to_tm(uint64_t secs, struct vrtc_tm *tm);

/* vrtc_tm_to_epoch - the inverse (wday ignored); false when a field is out
 * of range or the date is before 1970. */
bool vrtc_tm_to_epoch(const struct vrtc_tm *tm, uint64_t *secs);

#endif
