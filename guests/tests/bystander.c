/*
 * bystander.c - test guest: a neighbour that must not notice anything.
 *
 * It fills its RAM (beyond its image and the loader's data) with a pattern
 * that depends on each address, then sleeps in HLT, woken by its local
 * APIC timer every 100 ms.  Every second it checks the pattern and the TSC
 * and prints
 *     heartbeat N: memory intact, TSC +T ms
 * After "seconds=N" seconds (command line; default 30) it prints
 *     MARKER bystander: alive for N s, N heartbeats, memory intact
 * and powers off.  Beside the hostile guest (test-qemu/configs/hostile.cfg)
 * this shows what the hostile guest cannot see: that its neighbour's
 * memory, timer interrupts and CPU time stayed its own.  A damaged pattern
 * or a missing timer interrupt is a FAIL line.
 */
#include <hv/hypercall.h>
#include "guest.h"

#define LAPIC_BASE	 0xfee00000u
#define LAPIC_EOI	 0x0b0
#define LAPIC_SVR	 0x0f0
#define LAPIC_LVT_TIMER	 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_DIV	 0x3e0
#define LVT_PERIODIC	 BIT(17)
#define LVT_MASKED	 BIT(16)
#define TICK_MS		 100u
#define TICKS_PER_BEAT	 10u
#define DEFAULT_SECONDS	 30u
#define PAGE		 4096u
#define PATTERN_SEED	 0x9e3779b9u

const char guest_name[] = "bystander";

extern const char __image_end[];

static volatile unsigned ticks;

static void tick(void)
{
	ticks++;
	mmio_write32(LAPIC_BASE + LAPIC_EOI, 0);
}

static uint32_t pattern(uint32_t addr)
{
	return (addr * PATTERN_SEED) ^ 0x5a5aa5a5u;
}

/* [start, end): beyond the image and the loader's data (one page after
 * the information structure, which follows the image). */
static uint32_t fill_start(void)
{
	uint32_t s = (uint32_t)(uintptr_t)__image_end;

	if (boot.mbi > s)
		s = boot.mbi;
	return (s + 3 * PAGE - 1) & ~(PAGE - 1);
}

static void fill(uint32_t start, uint32_t end)
{
	for (uint32_t a = start; a < end; a += 4)
		*(volatile uint32_t *)(uintptr_t)a = pattern(a);
}

/* Address of the first word that lost its pattern, 0 when none did. */
static uint32_t check(uint32_t start, uint32_t end)
{
	for (uint32_t a = start; a < end; a += 4)
		if (*(volatile uint32_t *)(uintptr_t)a != pattern(a))
			return a;
	return 0;
}

static unsigned seconds_wanted(void)
{
	const char *p = boot.cmdline;
	unsigned n = 0;

	for (; *p; p++)
		if ((p == boot.cmdline || p[-1] == ' ') && memcmp(p, "seconds=", 8) == 0)
			break;
	if (!*p)
		return DEFAULT_SECONDS;
	for (p += 8; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (unsigned)(*p - '0');
	return n ? n : DEFAULT_SECONDS;
}

static void timer_start(uint32_t khz)
{
	timer_handler = tick;
	mmio_write32(LAPIC_BASE + LAPIC_SVR, BIT(8) | 0xff);
	mmio_write32(LAPIC_BASE + LAPIC_TIMER_DIV, 0xb); /* divide by 1 */
	mmio_write32(LAPIC_BASE + LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
	mmio_write32(LAPIC_BASE + LAPIC_TIMER_INIT, khz * TICK_MS);
}

void guest_main(void)
{
	uint32_t timer_khz = hv_present() ? cpuid(HV_CPUID_FREQ, 0).ebx : 0;
	uint32_t tsc_khz = hv_present() ? cpuid(HV_CPUID_FREQ, 0).eax : 0;
	uint32_t start = fill_start(), end = (uint32_t)boot.ram_end, bad = 0;
	unsigned seconds = seconds_wanted(), beats = 0;
	uint64_t tsc_last;

	if (!timer_khz || !tsc_khz || !end || start >= end || end > 0xfe000000u) {
		fail("bystander-setup", "timer %u kHz, TSC %u kHz, RAM [0x%x, 0x%x)", timer_khz,
		     tsc_khz, start, end);
		return;
	}
	fill(start, end);
	gprintf("INFO bystander: %u KiB patterned, heartbeat every %u ms for %u s\n",
		(end - start) / 1024, TICK_MS * TICKS_PER_BEAT, seconds);
	tsc_last = rdtsc();
	timer_start(timer_khz);
	while (beats < seconds && !bad) {
		unsigned want = (beats + 1) * TICKS_PER_BEAT, halts = 0;
		uint64_t now;

		while (ticks < want && halts++ < 4 * TICKS_PER_BEAT)
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		if (ticks < want) {
			fail("bystander-timer", "%u timer ticks after %u HLTs, expected %u", ticks,
			     halts, want);
			break;
		}
		now = rdtsc();
		bad = check(start, end);
		beats++;
		gprintf("heartbeat %u: memory %s, TSC +%u ms\n", beats, bad ? "DAMAGED" : "intact",
			(uint32_t)((uint32_t)((now - tsc_last) >> 10) * 1024u / tsc_khz));
		tsc_last = now;
	}
	mmio_write32(LAPIC_BASE + LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	if (bad)
		fail("bystander-memory", "0x%08x at 0x%x, expected 0x%08x",
		     *(volatile uint32_t *)(uintptr_t)bad, bad, pattern(bad));
	else
		pass("bystander-memory");
	if (beats == seconds)
		gprintf("MARKER bystander: alive for %u s, %u heartbeats, memory intact\n", seconds,
			beats);
}
