/*
 * tsc.h - time on the TSC, beyond the tsc_hz/udelay contract in hv/arch.h.
 *
 * Before tsc_calibrate() has run, conversions assume a fast TSC
 * (TSC_HZ_ASSUMED) so that early bounded waits err on the long side.
 */
#ifndef ARCH_TSC_H
#define ARCH_TSC_H

#include <hv/compiler.h>

#define TSC_HZ_ASSUMED 5000000000ULL

/* Number of TSC ticks in us microseconds (no overflow for us < ~40 days). */
uint64_t tsc_us_to_ticks(uint64_t us);

/* Microseconds in ticks TSC ticks. */
uint64_t tsc_ticks_to_us(uint64_t ticks);

/* A TSC deadline us microseconds from now, and whether it has passed. */
uint64_t tsc_deadline(uint64_t us);
bool tsc_deadline_passed(uint64_t deadline);

#endif
