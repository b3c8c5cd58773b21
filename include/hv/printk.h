/*
 * printk.h - the hypervisor's log.
 *
 * Every line the hypervisor prints about itself starts with "hv: " (added by
 * the pr_* macros) so users and tests can grep it apart from guest output.
 * Output goes to the console chosen on the command line (drivers/serial.c).
 * Lines are assembled per call and emitted under one lock, so CPUs never
 * interleave mid-line.
 */
#ifndef HV_PRINTK_H
#define HV_PRINTK_H

#include <hv/compiler.h>

enum log_level {
	LOG_ERR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

/* Messages above this level are dropped; set from "loglevel=" on the command line. */
extern int log_level;

/* Print raw text (no prefix, no level filter).  Safe from any CPU. */
__printf(1, 2) void printk(const char *fmt, ...);
void vprintk(const char *fmt, va_list ap);

/* Print "hv: " + message when level <= log_level. */
__printf(2, 3) void hv_log(int level, const char *fmt, ...);

#define pr_err(...)   hv_log(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  hv_log(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  hv_log(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) hv_log(LOG_DEBUG, __VA_ARGS__)

/*
 * panic - a broken hypervisor invariant: print, stop every CPU, never return.
 * Guest-caused faults never come here; they stop the guest (two-tier model).
 */
__printf(1, 2) __noreturn void panic(const char *fmt, ...);

/* Where printk output goes; the serial driver registers itself here. */
void console_set_output(void (*write)(const char *s, size_t len));

/*
 * hv_start_tsc - the TSC at the hypervisor's first instruction: written by
 * the boot path before anything else (boot/mb2_entry.S for multiboot and
 * multiboot2, the top of efi_main for UEFI) and kept in .data, not .bss,
 * because the multiboot path clears .bss after writing it.  0 when a boot
 * path did not record it; hv_main then records its own entry instead.
 * Guests see the same TSC (no TSC offsetting), so guest TSC values and
 * these can be compared.
 */
extern uint64_t hv_start_tsc;

/*
 * console_set_timestamps - on: every console line from now on starts with
 * "[TICKS] " (at least 12 digits, right-aligned), TICKS = rdtsc() -
 * hv_start_tsc when the line's first bytes are written.  Empty lines get
 * none.  The command line's "timestamps" option turns it on.
 */
void console_set_timestamps(bool on);

/* Called by a CPU that is being stopped (the NMI of smp_stop_others()):
 * releases the console lock if this CPU held it, so the others can print. */
void console_unlock_if_held(void);

#endif
