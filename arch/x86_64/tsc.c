/*
 * tsc.c - the TSC frequency, the LAPIC timer frequency, and delays on the TSC.
 *
 * Sources, best first:
 *  1. CPUID 0x15 (TSC/crystal ratio and crystal frequency; SDM Vol. 2A CPUID,
 *     "Time Stamp Counter and Nominal Core Crystal Clock Information Leaf").
 *     When the crystal is not enumerated (ECX = 0), CPUID 0x16 EAX, the
 *     processor base frequency, is the TSC frequency on those parts.
 *  2. The ACPI PM timer (3.579545 MHz, 24 or 32 bits, ACPI 6.x 4.8.3.3).
 *  3. PIT channel 2 in mode 0, gated through port 0x61.
 * Whatever CPUID says is cross-checked against a reference timer when there
 * is one: every timeout in the hypervisor is measured on the TSC, and a
 * CPUID figure that disagrees with the platform's clocks (a virtual machine
 * passing the host's leaf through, a misreporting part) would make them
 * wrong.  Each measurement is taken a few times and the best one kept.
 */
#include <hv/arch.h>
#include <hv/platform.h>
#include <hv/printk.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/tsc.h>

#define PM_TMR_HZ	 3579545ULL
#define PIT_HZ		 1193182ULL
#define CAL_MS		 10 /* one measurement window */
#define CAL_TRIES	 3
#define CAL_AGREE_PERMIL 10 /* CPUID and measurement agree within 1 % */
#define US_PER_S	 1000000ULL

/* PIT and the port-0x61 gate/status bits (8254 datasheet, PC/AT port B). */
#define PIT_CH2_DATA	       0x42
#define PIT_CMD		       0x43
#define PIT_CMD_CH2_MODE0_LOHI 0xb0
#define PORT_B		       0x61
#define PORT_B_GATE2	       BIT(0)
#define PORT_B_SPEAKER	       BIT(1)
#define PORT_B_OUT2	       BIT(5)

uint64_t tsc_hz;
uint64_t lapic_timer_hz;

uint64_t tsc_us_to_ticks(uint64_t us)
{
	uint64_t hz = tsc_hz ? tsc_hz : TSC_HZ_ASSUMED;

	/* split so that us * hz cannot overflow 64 bits */
	return (us / US_PER_S) * hz + (us % US_PER_S) * hz / US_PER_S;
}

uint64_t tsc_ticks_to_us(uint64_t ticks)
{
	uint64_t hz = tsc_hz ? tsc_hz : TSC_HZ_ASSUMED;

	return (ticks / hz) * US_PER_S + (ticks % hz) * US_PER_S / hz;
}

uint64_t tsc_deadline(uint64_t us)
{
	return rdtsc() + tsc_us_to_ticks(us);
}

bool tsc_deadline_passed(uint64_t deadline)
{
	return (int64_t)(rdtsc() - deadline) >= 0;
}

void udelay(uint64_t us)
{
	uint64_t end = tsc_deadline(us);

	while (!tsc_deadline_passed(end))
		cpu_relax();
}

/* One PM timer window.  Every timer read is bracketed by two TSC reads and
 * dated at their midpoint; *err gets the bracket widths, so an SMI or a slow
 * port read shows up as a large error and that window loses. */
static bool pmtmr_window(uint64_t *hz, uint64_t *err)
{
	uint16_t port = (uint16_t)hv_platform.pm_tmr;
	uint32_t mask = hv_platform.pm_tmr_32bit ? 0xffffffffu : 0xffffffu;
	uint32_t target = (uint32_t)(PM_TMR_HZ * CAL_MS / 1000);
	uint64_t a0 = rdtsc(), b0, a1, b1, give_up;
	uint32_t p0 = inl(port) & mask, p1, ticks;

	b0 = rdtsc();
	give_up = b0 + tsc_us_to_ticks(20 * CAL_MS * 1000);
	do {
		a1 = rdtsc();
		p1 = inl(port) & mask;
		b1 = rdtsc();
		ticks = (p1 - p0) & mask; /* the mask handles the wrap */
		if ((int64_t)(b1 - give_up) > 0)
			return false; /* the timer does not count (or far too slowly) */
	} while (ticks < target);
	*hz = ((a1 + b1) / 2 - (a0 + b0) / 2) * PM_TMR_HZ / ticks;
	*err = (b0 - a0) + (b1 - a1);
	return true;
}

/* One PIT window: channel 2 counts CAL_MS down in mode 0 and raises OUT2 at
 * terminal count.  Only ever too long (an SMI), so the smallest wins. */
static bool pit_window(uint64_t *hz)
{
	uint16_t count = (uint16_t)(PIT_HZ * CAL_MS / 1000);
	uint8_t saved = inb(PORT_B);
	uint64_t t0, t1, spins = 0;

	outb(PORT_B, (uint8_t)((saved & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	outb(PIT_CMD, PIT_CMD_CH2_MODE0_LOHI);
	outb(PIT_CH2_DATA, count & 0xff);
	outb(PIT_CH2_DATA, count >> 8);
	t0 = rdtsc();
	while (!(inb(PORT_B) & PORT_B_OUT2)) {
		/* no PIT (legacy-free machine): port reads of 0xff end this
		 * at once, a stuck 0 after some hundred million reads */
		if (++spins > 200000000ULL)
			break;
	}
	t1 = rdtsc();
	outb(PORT_B, saved);
	if (spins > 200000000ULL || spins == 0)
		return false;
	*hz = (t1 - t0) * 1000 / CAL_MS;
	return true;
}

/* Best of CAL_TRIES windows on the PM timer, else on the PIT; 0 if neither
 * works.  *src names the timer used. */
static uint64_t tsc_measure(const char **src)
{
	uint64_t best = 0, best_err = ~0ULL, hz, err;

	for (int i = 0; hv_platform.pm_tmr && i < CAL_TRIES; i++) {
		if (pmtmr_window(&hz, &err) && err < best_err) {
			best = hz;
			best_err = err;
		}
	}
	if (best) {
		*src = "ACPI PM timer";
		return best;
	}
	for (int i = 0; i < CAL_TRIES; i++) {
		if (pit_window(&hz) && (!best || hz < best))
			best = hz;
	}
	*src = "PIT";
	return best;
}

/* TSC frequency from CPUID 0x15 (or 0x16 when the crystal is not
 * enumerated); 0 when the CPU does not say.  *crystal gets the crystal
 * frequency when enumerated. */
static uint64_t tsc_from_cpuid(uint64_t *crystal)
{
	uint32_t max = cpuid(0, 0).eax;
	struct cpuid_regs r;

	*crystal = 0;
	if (max < 0x15)
		return 0;
	r = cpuid(0x15, 0);
	if (!r.eax || !r.ebx)
		return 0;
	if (r.ecx) {
		*crystal = r.ecx;
		return (uint64_t)r.ecx * r.ebx / r.eax;
	}
	if (max >= 0x16 && (cpuid(0x16, 0).eax & 0xffff))
		return (uint64_t)(cpuid(0x16, 0).eax & 0xffff) * US_PER_S;
	return 0;
}

static bool hz_agree(uint64_t a, uint64_t b)
{
	uint64_t diff = a > b ? a - b : b - a;

	return diff * 1000 <= a * CAL_AGREE_PERMIL;
}

/* The LAPIC timer's input clock, counted against the TSC with divide 1 in
 * one-shot mode, LVT masked.  Both count reads are bracketed by TSC reads
 * as in pmtmr_window(); the window with the tightest brackets wins.
 * Needs lapic_init() and tsc_hz. */
static uint64_t lapic_timer_measure(void)
{
	uint64_t best = 0, best_err = ~0ULL;

	lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_SPURIOUS_VECTOR);
	lapic_write(APIC_TIMER_DCR, APIC_TIMER_DIV_1);
	for (int i = 0; i < CAL_TRIES; i++) {
		uint64_t a0, b0, a1, b1, dt;
		uint32_t c0, c1;

		lapic_write(APIC_TIMER_ICR, 0xffffffffu);
		a0 = rdtsc();
		c0 = lapic_read(APIC_TIMER_CCR);
		b0 = rdtsc();
		udelay(CAL_MS * 1000);
		a1 = rdtsc();
		c1 = lapic_read(APIC_TIMER_CCR);
		b1 = rdtsc();
		lapic_write(APIC_TIMER_ICR, 0);
		dt = (a1 + b1) / 2 - (a0 + b0) / 2;
		if (c1 >= c0 || !dt)
			continue; /* the timer did not count down */
		if ((b0 - a0) + (b1 - a1) < best_err) {
			best = (uint64_t)(c0 - c1) * tsc_hz / dt;
			best_err = (b0 - a0) + (b1 - a1);
		}
	}
	return best;
}

static void print_mhz(const char *what, uint64_t hz, const char *src, const char *note)
{
	pr_info("%s %llu.%03llu MHz (%s)%s\n", what, (unsigned long long)(hz / US_PER_S),
		(unsigned long long)(hz / 1000 % 1000), src, note);
}

static void lapic_timer_calibrate(uint64_t crystal)
{
	uint64_t measured = lapic_timer_measure();
	const char *what = lapic_x2apic ? "lapic: x2apic mode, timer" : "lapic: xapic mode, timer";

	/* SDM Vol. 3A 11.5.4: where CPUID 0x15 enumerates the crystal, the
	 * APIC timer runs at the crystal clock. */
	if (crystal && (!measured || hz_agree(crystal, measured))) {
		lapic_timer_hz = crystal;
		print_mhz(what, lapic_timer_hz, "CPUID 0x15 crystal", "");
		return;
	}
	if (crystal)
		pr_warn("lapic: CPUID 0x15 crystal %llu Hz but the timer counts %llu Hz; using "
			"the count\n",
			(unsigned long long)crystal, (unsigned long long)measured);
	lapic_timer_hz = measured;
	if (measured)
		print_mhz(what, lapic_timer_hz, "measured against the TSC", "");
	else
		pr_warn("lapic: the timer does not count down; no LAPIC timer\n");
}

/*
 * tsc_calibrate - fill tsc_hz and lapic_timer_hz (see the file comment).
 * Needs hv_platform (for the PM timer) and lapic_init() on this CPU.  With no
 * source at all it assumes TSC_HZ_ASSUMED, so delays err long, and warns.
 */
void tsc_calibrate(void)
{
	uint64_t crystal, from_cpuid = tsc_from_cpuid(&crystal), measured;
	const char *msrc = NULL, *src;
	bool invariant;

	measured = tsc_measure(&msrc);
	if (from_cpuid && (!measured || hz_agree(from_cpuid, measured))) {
		tsc_hz = from_cpuid;
		src = crystal ? "CPUID 0x15" : "CPUID 0x16 base frequency";
	} else if (measured) {
		if (from_cpuid)
			pr_warn("tsc: CPUID says %llu Hz but the %s measures %llu Hz; using the "
				"measurement\n",
				(unsigned long long)from_cpuid, msrc, (unsigned long long)measured);
		tsc_hz = measured;
		src = msrc;
	} else {
		pr_warn("tsc: no CPUID frequency, no PM timer, no PIT: assuming %llu MHz, delays "
			"are only approximate\n",
			(unsigned long long)(TSC_HZ_ASSUMED / US_PER_S));
		tsc_hz = TSC_HZ_ASSUMED;
		src = "assumed";
	}
	invariant = cpuid(0x80000000, 0).eax >= 0x80000007 &&
		    (cpuid(0x80000007, 0).edx & CPUID_80000007_EDX_INVTSC);
	print_mhz("tsc:", tsc_hz, src,
		  invariant ? ", invariant" : ", not invariant (CPUID.80000007H:EDX[8]=0)");
	lapic_timer_calibrate(crystal);
}

#define TSC_NS_PER_SEC 1000000000ULL

uint64_t tsc_to_ns(uint64_t ticks)
{
	if (!tsc_hz)
		return 0;
	return (ticks / tsc_hz) * TSC_NS_PER_SEC + (ticks % tsc_hz) * TSC_NS_PER_SEC / tsc_hz;
}

uint64_t ns_to_tsc(uint64_t ns)
{
	return (ns / TSC_NS_PER_SEC) * tsc_hz + (ns % TSC_NS_PER_SEC) * tsc_hz / TSC_NS_PER_SEC;
}
