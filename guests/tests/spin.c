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
 * Command line (hv.cfg cmdline): "ms=N share=P" - count for N ms of TSC
 * time (default 2000) and expect a share of P per mille (default 1000,
 * a dedicated CPU), within 10% of P.  Prints
 *   INFO spin: count C in N ms, share S per mille, G gaps
 *   PASS spin-share        (or FAIL with the figures)
 * and powers off.  The TSC rate comes from the hypervisor's CPUID leaf
 * 0x40000001 (docs/hypercalls.md); without it the check is skipped.
 */
#include "guest.h"

#define HV_LEAF_FREQ 0x40000001u

const char guest_name[] = "spin";

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

void guest_main(void)
{
	uint32_t ms = cmdline_value("ms", 2000), want = cmdline_value("share", 1000);
	uint32_t khz, gaps = 0, got;
	uint64_t start, end, gap_min, now, prev, away = 0, count = 0;

	if (!hv_present() || !(khz = cpuid(HV_LEAF_FREQ, 0).eax)) {
		skip("spin-share", "no TSC rate from the hypervisor's CPUID leaf 0x40000001");
		report();
	}
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
	} while (now < end);
	got = 1000 - per_mille(away, now - start);
	gprintf("INFO spin: count %llu in %u ms, share %u per mille, %u gaps\n",
		(unsigned long long)count, ms, got, gaps);
	expect(got * 10 >= want * 9 && got * 10 <= want * 11, "spin-share",
	       "share %u per mille, expected %u +- 10%%", got, want);
	report();
}
