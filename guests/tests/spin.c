/*
 * spin.c - test guest: a CPU-bound counter, to see how a shared physical
 * CPU is divided between the guests on it (docs/scheduler.md).
 *
 * It counts loop iterations for a fixed time of the TSC (which runs on
 * while the guest is descheduled: the hypervisor never stops the guest's
 * TSC), and measures its own share of the CPU from inside: every iteration
 * reads the TSC, and a gap between two reads of more than a millisecond
 * is time another vCPU had the CPU.  share = time not in such gaps / the
 * whole window, so exit overhead counts as the guest's own time.
 *
 * Meanwhile the local APIC timer runs in TSC-deadline mode, re-armed 5 ms
 * ahead each time it fires: the guest's timers must keep guest (= host
 * TSC) time while the guest is descheduled - never early, never twice,
 * late by at most the time other vCPUs held the CPU (spin-deadlines).
 *
 * Command line (hv.cfg cmdline): "ms=N share=P late=L" - count for N ms of
 * TSC time (default 2000), expect a share of P per mille (default 1000, a
 * dedicated CPU) within 10% of P, and timer interrupts at most L ms late
 * (default 10).  Prints
 *   INFO spin: count C in N ms, share S per mille, G gaps
 *   INFO spin: D deadlines, F interrupts, max late M us
 *   PASS spin-share, PASS spin-deadlines   (or FAIL with the figures)
 * and powers off.  The TSC rate comes from the hypervisor's CPUID leaf
 * 0x40000001 (docs/hypercalls.md); without it the check is skipped.
 */
#include "guest.h"

#define HV_LEAF_FREQ	   0x40000001u
#define CPUID_1_EDX_APIC   BIT(9)
#define CPUID_1_ECX_TSCDL  BIT(24)
#define MSR_IA32_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE   0x6e0
#define APIC_BASE_MASK	   0xfffff000u
#define APIC_EOI	   0x0b0
#define APIC_SVR	   0x0f0
#define APIC_LVT_TIMER	   0x320
#define APIC_SVR_ENABLE	   BIT(8)
#define APIC_LVT_MASKED	   BIT(16)
#define APIC_LVT_TSCDL	   (2u << 17) /* timer mode TSC-deadline (SDM Vol. 3A 11.5.4.1) */
#define DEADLINE_MS	   5

const char guest_name[] = "spin";

static uint32_t apic;
static volatile uint64_t deadline, max_late;
static volatile uint32_t armed, fired, early;

/* The deadline passed: how late is the interrupt?  Then the next one. */
static void deadline_tick(void)
{
	uint64_t now = rdtsc();

	fired++;
	if (now < deadline)
		early++;
	else if (now - deadline > max_late)
		max_late = now - deadline;
	mmio_write32(apic + APIC_EOI, 0);
	armed = 0; /* the loop arms the next one */
}

/* TSC-deadline timer on, when offered; false otherwise. */
static bool deadline_start(void)
{
	uint64_t base;

	if (!(cpuid(1, 0).edx & CPUID_1_EDX_APIC) || !(cpuid(1, 0).ecx & CPUID_1_ECX_TSCDL) ||
	    rdmsr_safe(MSR_IA32_APIC_BASE, &base) != NO_FAULT)
		return false;
	apic = (uint32_t)base & APIC_BASE_MASK;
	timer_handler = deadline_tick;
	mmio_write32(apic + APIC_SVR, APIC_SVR_ENABLE | 0xff);
	mmio_write32(apic + APIC_LVT_TIMER, APIC_LVT_TSCDL | VEC_TIMER);
	return true;
}

/* The decimal value after "key=" in the command line, or def. */
static uint32_t cmdline_value(const char *key, uint32_t def)
{
	const char *s = boot.cmdline;
	size_t klen = 0;

	while (key[klen])
		klen++;
	for (; *s; s++) {
		uint32_t v = 0;
		const char *p = s + klen + 1;

		if ((s != boot.cmdline && s[-1] != ' ') || memcmp(s, key, klen) || s[klen] != '=')
			continue;
		if (*p < '0' || *p > '9')
			return def;
		while (*p >= '0' && *p <= '9')
			v = v * 10 + (uint32_t)(*p++ - '0');
		return v;
	}
	return def;
}

/* a * 1000 / b per mille for b >= a, in 32-bit arithmetic (no libgcc). */
static uint32_t per_mille(uint64_t a, uint64_t b)
{
	while (b >= (1u << 22)) {
		a >>= 1;
		b >>= 1;
	}
	return b ? (uint32_t)a * 1000u / (uint32_t)b : 0;
}

/* Arm the next deadline when the last one fired (interrupts stay on). */
static void deadline_rearm(uint64_t now, uint32_t khz, uint32_t *count)
{
	if (!apic || armed)
		return;
	armed = 1;
	deadline = now + (uint64_t)khz * DEADLINE_MS;
	(*count)++;
	wrmsr(MSR_TSC_DEADLINE, deadline);
}

static void deadline_report(uint32_t khz, uint32_t arms, uint32_t late_ms)
{
	uint32_t late_us, k;
	uint64_t ml;

	cli();
	if (!apic) {
		skip("spin-deadlines", "no local APIC with TSC-deadline mode offered");
		return;
	}
	wrmsr(MSR_TSC_DEADLINE, 0);
	mmio_write32(apic + APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_TIMER);
	/* ticks * 1000 / kHz in 32-bit arithmetic (no libgcc for 64-bit division) */
	for (ml = max_late, k = khz; ml >= (1u << 22); ml >>= 1, k >>= 1)
		;
	late_us = k ? (uint32_t)ml * 1000u / k : UINT32_MAX;
	gprintf("INFO spin: %u deadlines, %u interrupts, max late %u us\n", arms, fired, late_us);
	/* the last deadline may still be pending: one interrupt fewer is fine */
	expect(!early && fired <= arms && fired + 1 >= arms && late_us <= late_ms * 1000,
	       "spin-deadlines",
	       "%u deadlines, %u interrupts, %u early, max late %u us (limit %u ms)", arms, fired,
	       early, late_us, late_ms);
}

void guest_main(void)
{
	uint32_t ms = cmdline_value("ms", 2000), want = cmdline_value("share", 1000);
	uint32_t late_ms = cmdline_value("late", 10);
	uint32_t khz, gaps = 0, got, arms = 0;
	uint64_t start, end, gap_min, now, prev, away = 0, count = 0;

	if (!hv_present() || !(khz = cpuid(HV_LEAF_FREQ, 0).eax)) {
		skip("spin-share", "no TSC rate from the hypervisor's CPUID leaf 0x40000001");
		report();
	}
	if (deadline_start())
		sti();
	gap_min = khz; /* 1 ms in TSC ticks */
	start = prev = rdtsc();
	end = start + (uint64_t)khz * ms;
	do {
		now = rdtsc();
		if (now - prev > gap_min) {
			away += now - prev;
			gaps++;
		}
		prev = now;
		count++;
		deadline_rearm(now, khz, &arms);
	} while (now < end);
	deadline_report(khz, arms, late_ms);
	got = 1000 - per_mille(away, now - start);
	gprintf("INFO spin: count %llu in %u ms, share %u per mille, %u gaps\n",
		(unsigned long long)count, ms, got, gaps);
	expect(got * 10 >= want * 9 && got * 10 <= want * 11, "spin-share",
	       "share %u per mille, expected %u +- 10%%", got, want);
	report();
}
