/*
 * cmdline.h - the hypervisor's own command line.
 *
 * Recognised options (unknown ones are reported, not fatal):
 *   console=com1..com4 | ttyS0..ttyS3 | 0x3f8 [,baud]   default com1,115200
 *   console=none                                          no serial output
 *   loglevel=0..3 | err | warn | info | debug             default info (2)
 *   timestamps | timestamps=on | timestamps=off           default off: every
 *        console line (the hypervisor's and the guests') starts with
 *        "[TICKS] ", the TSC ticks since the hypervisor's first instruction
 *        (hv_start_tsc, include/hv/printk.h)
 *   apicv=on | apicv=off                                  default on: use the
 *        CPU's APIC virtualization when it has it; off makes every guest
 *        LAPIC access exit (for comparison, or around a CPU erratum)
 */
#ifndef HV_CMDLINE_H
#define HV_CMDLINE_H

#include <hv/compiler.h>

struct hv_options {
	uint16_t console_port; /* 0 = no serial console */
	uint32_t console_baud;
	int loglevel;
	bool timestamps; /* prefix console lines with TSC ticks since start */
	bool apicv_off;	 /* apicv=off: never use APIC virtualization */
	/* The option was given (so it overrides hv.cfg's [hypervisor] console/log). */
	bool console_given;
	bool loglevel_given;
	/* First option that could not be parsed, for a warning once the console is up. */
	char bad_option[64];
};

/* Parse cmdline (may be NULL or empty) into opt, filling defaults first.
 * Returns false when some option was bad (opt->bad_option names it);
 * the remaining options are still applied. */
bool cmdline_parse(const char *cmdline, struct hv_options *opt);

/* The options the hypervisor booted with (core/main.c). */
extern struct hv_options hv_opts;

#endif
