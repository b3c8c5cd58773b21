/*
 * wallclock.h - the machine's wall-clock time, read once from the PC's CMOS
 * real-time clock at boot (drivers/cmos_rtc.c) and carried forward with
 * the TSC, so guests' virtual RTCs start at the right date instead of 1970.
 */
#ifndef HV_WALLCLOCK_H
#define HV_WALLCLOCK_H

#include <hv/compiler.h>

/*
 * wallclock_init - read the CMOS RTC (UTC assumed, as Linux and the
 * hypervisor's guests expect; see docs/hardware.md) and remember the TSC
 * at that moment.  Prints "hv: rtc: YYYY-MM-DD hh:mm:ss" or why the clock
 * could not be read (no RTC, update never settles, invalid date); the
 * time then stays 0 (1970).  Bootstrap CPU, after TSC calibration.
 */
void wallclock_init(void);

/* Seconds since 1970-01-01 UTC at host TSC value tsc (0 when unknown). */
uint64_t wallclock_at_tsc(uint64_t tsc);

#endif
