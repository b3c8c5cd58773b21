/*
 * apic.c - the hostile guest's interrupt-controller attempts (hostile.h):
 * IPIs aimed at other APIC IDs through the xAPIC ICR and the x2APIC MSR,
 * reprogramming "the" local APIC and I/O APIC, self-IPI storms, and a last
 * check that the host still owns this CPU's timer.
 *
 * What proves containment from inside: an INIT that reached this vCPU
 * would reset its local APIC (SVR back to 0xff, SDM Vol. 3A 11.4.7.3), a
 * fixed IPI is counted by the handler of its vector, and the registers read
 * back as this guest wrote them while the host's own APIC keeps working
 * (the final timer wake-up needs the physical timer the host arms).  The
 * neighbours' side is seen from outside: they keep printing.
 */
#include "hostile.h"

#define ICR_DM_FIXED	(0u << 8)
#define ICR_DM_LOWEST	(1u << 8)
#define ICR_DM_SMI	(2u << 8)
#define ICR_DM_NMI	(4u << 8)
#define ICR_DM_INIT	(5u << 8)
#define ICR_DM_STARTUP	(6u << 8)
#define ICR_LOGICAL	BIT(11)
#define ICR_PENDING	BIT(12)
#define ICR_ASSERT	BIT(14)
#define ICR_LEVEL	BIT(15)
#define ICR_SH_SELF	(1u << 18)
#define ICR_SH_ALL	(2u << 18)
#define ICR_SH_ALL_BUT	(3u << 18)
#define MSR_APIC_BASE	0x1b
#define MSR_X2APIC_ICR	0x830
#define APIC_BASE_EN	BIT(11)
#define APIC_BASE_EXTD	BIT(10)
#define IOAPIC_BASE	0xfec00000u
#define IOAPIC_REGSEL	0x00
#define IOAPIC_WIN	0x10
#define IOAPIC_REG_ID	0x00
#define IOAPIC_REG_VER	0x01
#define IOAPIC_REDIR(n) (0x10 + 2 * (n))
#define IOAPIC_MASKED	BIT(16)
#define STORM_IPIS	2048u
#define SVR_ON		(LAPIC_SVR_ENABLE | 0xff)
#define WAKE_TIMER_MS	5u
#define WAKE_MAX_HALTS	64u

volatile uint32_t irq_count[256];
uint32_t tsc_khz;
/* In x2APIC mode the registers are MSRs 0x800 + offset / 16 (SDM 11.12.1.2). */
static bool x2apic_mode;

uint32_t lapic_rd(uint32_t reg)
{
	return mmio_read32(LAPIC_BASE + reg);
}

void lapic_wr(uint32_t reg, uint32_t v)
{
	mmio_write32(LAPIC_BASE + reg, v);
}

uint32_t lapic_own_id(void)
{
	return lapic_rd(LAPIC_ID) >> 24;
}

void tsc_delay_ms(uint32_t ms)
{
	uint64_t end = rdtsc() + (uint64_t)tsc_khz * ms;

	while (tsc_khz && rdtsc() < end)
		__asm__ volatile("pause");
}

/* The timer storm's handler masks the timer after this many interrupts:
 * with one due at every tick the CPU would do nothing else (a real APIC
 * livelocks the same way), and the guest must get on with its loop. */
#define TSTORM_LIMIT 1000u

void hostile_irq(uint32_t vector)
{
	irq_count[vector & 0xff]++;
	if (vector == VEC_TSTORM && irq_count[VEC_TSTORM] >= TSTORM_LIMIT)
		lapic_wr(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | VEC_TSTORM);
	if (vector >= VEC_PIC_BASE) {
		outb(0x20, 0x20); /* 8259A non-specific EOI (master, then slave) */
		if (vector >= VEC_PIC_BASE + 8)
			outb(0xa0, 0x20);
		return;
	}
	if (x2apic_mode)
		wrmsr_safe(0x80b, 0); /* x2APIC EOI */
	else
		lapic_wr(LAPIC_EOI, 0);
}

void hostile_irq_install(void)
{
	for (unsigned v = VEC_IPI_FIRST; v <= VEC_IPI_LAST; v++)
		idt_set(v, hostile_irq_table[v - VEC_IPI_FIRST], 0);
}

/* Send one IPI through the xAPIC ICR: high half (destination) first. */
static void send_ipi(uint32_t dest, uint32_t lo)
{
	lapic_wr(LAPIC_ICR_HI, dest << 24);
	lapic_wr(LAPIC_ICR_LO, lo);
}

/* A shorthand IPI: the destination field is ignored (11.6.1). */
static void send_shorthand(uint32_t lo)
{
	lapic_wr(LAPIC_ICR_LO, lo);
}

/* Let pending interrupts in (IF=1 for a few instructions), then close
 * again: an interrupt the model holds is injected at the window exit that
 * follows the STI shadow (SDM 25.6.2). */
static void open_window(void)
{
	sti();
	for (int i = 0; i < 16; i++)
		__asm__ volatile("nop");
	cli();
}

static void init_sipi_others(void)
{
	uint32_t own = lapic_own_id(), sent = 0, svr, icr;

	lapic_wr(LAPIC_SVR, SVR_ON);
	attempt_begin("INIT and SIPI (vector 0x10) to every APIC ID 0-254 but its own (0x%x), "
		      "then to all-excluding-self",
		      own);
	for (uint32_t d = 0; d < 255; d++) {
		if (d == own)
			continue;
		send_ipi(d, ICR_DM_INIT | ICR_ASSERT | ICR_LEVEL);
		send_ipi(d, ICR_DM_INIT | ICR_LEVEL); /* de-assert */
		send_ipi(d, ICR_DM_STARTUP | 0x10);
		send_ipi(d, ICR_DM_STARTUP | 0x10);
		sent += 4;
	}
	send_ipi(0, ICR_SH_ALL_BUT | ICR_DM_INIT | ICR_ASSERT | ICR_LEVEL);
	send_ipi(0, ICR_SH_ALL_BUT | ICR_DM_STARTUP | 0x10);
	sent += 2;
	svr = lapic_rd(LAPIC_SVR);
	icr = lapic_rd(LAPIC_ICR_LO);
	if (svr == SVR_ON && !(icr & ICR_PENDING))
		attempt_end(OUT_CONTAINED,
			    "%u IPIs sent, ICR idle, own APIC not reset (SVR 0x%x): nobody else "
			    "is on its APIC bus",
			    sent, svr);
	else
		attempt_end(OUT_BREACH, "after %u IPIs: SVR 0x%x, ICR 0x%x", sent, svr, icr);
}

static void nmi_smi_others(void)
{
	uint32_t own = lapic_own_id(), sent = 0;

	attempt_begin("NMI and SMI to every APIC ID but its own and to all-excluding-self");
	for (uint32_t d = 0; d < 255; d++) {
		if (d == own)
			continue;
		send_ipi(d, ICR_DM_NMI | ICR_ASSERT);
		send_ipi(d, ICR_DM_SMI | ICR_ASSERT);
		sent += 2;
	}
	send_ipi(0, ICR_SH_ALL_BUT | ICR_DM_NMI | ICR_ASSERT);
	sent++;
	attempt_end(OUT_CONTAINED,
		    "%u sent; this guest runs on (the neighbours' logs show "
		    "whether any arrived)",
		    sent);
}

/*
 * Fixed IPIs to every physical destination 0-255 (255 is the broadcast),
 * all-excluding-self, all-including-self and logical destinations, with
 * interrupts on: only those whose destination includes this vCPU may come
 * back, each exactly once.
 */
static void fixed_flood(void)
{
	uint32_t own = lapic_own_id(), fixed, allbut, all, logical;

	attempt_begin("fixed-IPI flood: vector 0x%x to APIC IDs 0-255, 1000 x all-excluding-self, "
		      "all-including-self once, logical MDA 0x01-0xff",
		      VEC_FIXED);
	for (unsigned v = VEC_FIXED; v <= VEC_LOGICAL; v++)
		irq_count[v] = 0;
	lapic_wr(LAPIC_TPR, 0);
	for (uint32_t d = 0; d < 256; d++) {
		send_ipi(d, ICR_DM_FIXED | ICR_ASSERT | VEC_FIXED);
		open_window();
	}
	for (unsigned i = 0; i < 1000; i++)
		send_shorthand(ICR_SH_ALL_BUT | ICR_ASSERT | VEC_ALLBUT);
	open_window();
	send_ipi(0, ICR_SH_ALL | ICR_ASSERT | VEC_ALL);
	open_window();
	for (uint32_t mda = 1; mda < 256; mda++) {
		send_ipi(mda, ICR_LOGICAL | ICR_DM_FIXED | ICR_ASSERT | VEC_LOGICAL);
		open_window();
	}
	fixed = irq_count[VEC_FIXED];
	allbut = irq_count[VEC_ALLBUT];
	all = irq_count[VEC_ALL];
	logical = irq_count[VEC_LOGICAL];
	/* own ID and 0xff: 2 (1 when its own ID is 0xff); LDR 0: only the
	 * logical broadcast 0xff matches (SDM 11.6.2.2) */
	if (fixed == (own == 0xff ? 1u : 2u) && allbut == 0 && all == 1 && logical == 1)
		attempt_end(OUT_CONTAINED,
			    "to itself: %u by ID (own, 0xff), %u all-but-self, %u all, %u "
			    "logical: routed inside the partition only",
			    fixed, allbut, all, logical);
	else
		attempt_end(OUT_BREACH,
			    "delivered to itself: %u by ID, %u all-but-self, %u all, %u logical "
			    "(expected 2, 0, 1, 1)",
			    fixed, allbut, all, logical);
}

static void send_ipi_x2(uint32_t dest, uint32_t lo)
{
	wrmsr_safe(MSR_X2APIC_ICR, (uint64_t)dest << 32 | lo);
}

static void x2apic_ipis(void)
{
	static const uint32_t dests[] = {1, 2, 3, 0xfe, 0xff, 0x100, 0xffff, 0x10000, 0xfffffffeu};
	bool offered = cpuid(1, 0).ecx & BIT(21);
	uint64_t base = 0, own = 0;
	uint32_t fixed, sent = 0;
	int f;

	rdmsr_safe(MSR_APIC_BASE, &base);
	attempt_begin("x2APIC mode (CPUID: %s), then INIT/SIPI/NMI/fixed by MSR 0x830 to 9 other "
		      "IDs (1 .. 0xfffffffe), its own and 0xffffffff",
		      offered ? "offered" : "not offered");
	f = wrmsr_safe(MSR_APIC_BASE, base | APIC_BASE_EXTD);
	if (f != NO_FAULT) {
		int g = wrmsr_safe(MSR_X2APIC_ICR, (1ULL << 32) | ICR_DM_INIT | ICR_ASSERT);

		attempt_end(g == NO_FAULT ? OUT_BREACH : OUT_REFUSED,
			    "x2APIC mode %s%s; ICR MSR in xAPIC mode: %s", vector_name(f),
			    offered ? " although CPUID offers it" : "", vector_name(g));
		return;
	}
	x2apic_mode = true;
	rdmsr_safe(0x802, &own);
	irq_count[VEC_FIXED] = 0;
	for (unsigned i = 0; i < sizeof(dests) / sizeof(dests[0]); i++) {
		if (dests[i] == own)
			continue;
		send_ipi_x2(dests[i], ICR_DM_INIT | ICR_ASSERT | ICR_LEVEL);
		send_ipi_x2(dests[i], ICR_DM_STARTUP | 0x10);
		send_ipi_x2(dests[i], ICR_DM_NMI | ICR_ASSERT);
		send_ipi_x2(dests[i], ICR_DM_FIXED | ICR_ASSERT | VEC_FIXED);
		open_window();
		sent += 4;
	}
	send_ipi_x2((uint32_t)own, ICR_DM_FIXED | ICR_ASSERT | VEC_FIXED);
	open_window();
	send_ipi_x2(0xffffffffu, ICR_DM_FIXED | ICR_ASSERT | VEC_FIXED);
	open_window();
	fixed = irq_count[VEC_FIXED];
	/* back to xAPIC: only through disabled (11.12.5) */
	wrmsr_safe(MSR_APIC_BASE, base & ~(uint64_t)(APIC_BASE_EN | APIC_BASE_EXTD));
	wrmsr_safe(MSR_APIC_BASE, base);
	x2apic_mode = false;
	lapic_wr(LAPIC_SVR, SVR_ON);
	attempt_end(fixed == 2 ? OUT_CONTAINED : OUT_BREACH,
		    "%u IPIs to others; %u fixed came back (its own ID %llu and the broadcast: 2 "
		    "expected); xAPIC mode again",
		    sent + 2, fixed, (unsigned long long)own);
}

void hostile_ipis(void)
{
	init_sipi_others();
	nmi_smi_others();
	fixed_flood();
	x2apic_ipis();
}

/* ---- reprogramming the APICs ---- */

static void lapic_registers(void)
{
	static const uint32_t regs[] = {LAPIC_TPR, LAPIC_LVT_LINT0, LAPIC_LVT_LINT1,
					LAPIC_LVT_ERROR, LAPIC_LVT_TIMER};
	/* TPR 0xf0 masks every vector below 0x100 on a real APIC - the host's
	 * wake-up IPI too; LINT0 as NMI, LINT1 as ExtINT, error and timer
	 * unmasked with vectors of our own */
	static const uint32_t vals[] = {0xf0, 4u << 8, 7u << 8, VEC_STORM, VEC_STORM};
	uint32_t old[5], got[5], bad = 0, id_old = lapic_rd(LAPIC_ID), id_new;

	attempt_begin("reprogram the local APIC at 0xfee00000: ID, TPR 0xf0, LINT0 NMI, LINT1 "
		      "ExtINT, LVT error/timer, then software-disable it");
	lapic_wr(LAPIC_ID, 0x0f000000u);
	id_new = lapic_rd(LAPIC_ID);
	for (unsigned i = 0; i < 5; i++) {
		old[i] = lapic_rd(regs[i]);
		lapic_wr(regs[i], vals[i]);
		got[i] = lapic_rd(regs[i]);
		bad += got[i] != vals[i];
	}
	lapic_wr(LAPIC_SVR, 0xff);
	bad += (lapic_rd(LAPIC_LVT_TIMER) & LAPIC_LVT_MASKED) == 0; /* 11.4.7.2 */
	lapic_wr(LAPIC_SVR, SVR_ON);
	for (unsigned i = 0; i < 5; i++)
		lapic_wr(regs[i], old[i] | (regs[i] == LAPIC_TPR ? 0 : LAPIC_LVT_MASKED));
	lapic_wr(LAPIC_TPR, 0);
	attempt_end(bad ? OUT_BREACH : OUT_EMULATED,
		    "ID 0x%08x -> 0x%08x (read-only), TPR read 0x%x, LINT0 0x%x, LINT1 0x%x: "
		    "%s; restored",
		    id_old, id_new, got[0], got[1], got[2],
		    bad ? "registers did not behave like a local APIC"
			: "its own virtual local APIC");
}

static uint32_t ioapic_rd(uint32_t reg)
{
	mmio_write32(IOAPIC_BASE + IOAPIC_REGSEL, reg);
	return mmio_read32(IOAPIC_BASE + IOAPIC_WIN);
}

static void ioapic_wr(uint32_t reg, uint32_t v)
{
	mmio_write32(IOAPIC_BASE + IOAPIC_REGSEL, reg);
	mmio_write32(IOAPIC_BASE + IOAPIC_WIN, v);
}

static void ioapic_reprogram(void)
{
	uint32_t id, ver, pins, bad = 0;

	attempt_begin("reprogram the I/O APIC at 0xfec00000: ID, every redirection entry "
		      "unmasked to vector 0x%x broadcast (dest 0xff), then masked",
		      VEC_IOAPIC);
	id = ioapic_rd(IOAPIC_REG_ID);
	ver = ioapic_rd(IOAPIC_REG_VER);
	pins = ((ver >> 16) & 0xff) + 1;
	if (ver == 0xffffffffu || pins > 240)
		pins = 0;
	ioapic_wr(IOAPIC_REG_ID, 0x0f000000u);
	irq_count[VEC_IOAPIC] = 0;
	for (uint32_t p = 0; p < pins; p++) {
		ioapic_wr(IOAPIC_REDIR(p) + 1, 0xffu << 24);
		ioapic_wr(IOAPIC_REDIR(p), VEC_IOAPIC);
		bad += (ioapic_rd(IOAPIC_REDIR(p)) & 0xff) != VEC_IOAPIC;
	}
	open_window();
	for (uint32_t p = 0; p < pins; p++) {
		ioapic_wr(IOAPIC_REDIR(p), IOAPIC_MASKED | VEC_IOAPIC);
		bad += !(ioapic_rd(IOAPIC_REDIR(p)) & IOAPIC_MASKED);
	}
	ioapic_wr(IOAPIC_REG_ID, id);
	if (!pins)
		attempt_end(OUT_DROPPED, "no I/O APIC answers (version 0x%x)", ver);
	else
		attempt_end(bad ? OUT_BREACH : OUT_EMULATED,
			    "ID 0x%x version 0x%x: %u pins set and read back (%u wrong), %u "
			    "interrupts: its own virtual I/O APIC; masked again",
			    id, ver, pins, bad, irq_count[VEC_IOAPIC]);
}

/* Disable the APIC in IA32_APIC_BASE: its page must stop answering
 * (all ones), and come back as it was after a re-enable. */
static void lapic_hw_disable(void)
{
	uint64_t base = 0, off = 0;
	uint32_t ver_off, ver_on;
	int f;

	rdmsr_safe(MSR_APIC_BASE, &base);
	attempt_begin("hardware-disable the local APIC (IA32_APIC_BASE 0x%llx, clear EN), then "
		      "re-enable it",
		      (unsigned long long)base);
	f = wrmsr_safe(MSR_APIC_BASE, base & ~(uint64_t)APIC_BASE_EN);
	rdmsr_safe(MSR_APIC_BASE, &off);
	ver_off = lapic_rd(LAPIC_VERSION);
	wrmsr_safe(MSR_APIC_BASE, base);
	lapic_wr(LAPIC_SVR, SVR_ON);
	ver_on = lapic_rd(LAPIC_VERSION);
	if (f != NO_FAULT)
		attempt_end(OUT_REFUSED, "%s", vector_name(f));
	else
		attempt_end(OUT_EMULATED,
			    "base reads 0x%llx, APIC page 0x%x while off, 0x%x after: its own "
			    "virtual APIC (the host's: see the last attempt)",
			    (unsigned long long)off, ver_off, ver_on);
}

void hostile_devices(void)
{
	lapic_registers();
	lapic_hw_disable();
	ioapic_reprogram();
}

/* ---- storms ---- */

/* The fastest timer the guest can ask for: periodic, count 1, divide by 1.
 * The model coalesces what the guest cannot take (one IRR bit), and the
 * host arms its own timer for the next expiry: only this CPU gets busier.
 * The handler masks the timer after TSTORM_LIMIT interrupts. */
static void timer_storm(void)
{
	uint32_t khz = cpuid(0x40000001u, 0).ebx;
	uint64_t t0;
	uint32_t ms;

	attempt_begin("timer storm: APIC timer periodic, count 1 (%u kHz: an interrupt per "
		      "tick), interrupts on, until %u are taken",
		      khz, TSTORM_LIMIT);
	irq_count[VEC_TSTORM] = 0;
	lapic_wr(LAPIC_TIMER_DIV, 0xb);
	lapic_wr(LAPIC_LVT_TIMER, BIT(17) | VEC_TSTORM);
	t0 = rdtsc();
	lapic_wr(LAPIC_TIMER_INIT, 1);
	sti();
	while (irq_count[VEC_TSTORM] < TSTORM_LIMIT && rdtsc() - t0 < (uint64_t)tsc_khz * 5000)
		__asm__ volatile("pause");
	cli();
	lapic_wr(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | VEC_TSTORM);
	lapic_wr(LAPIC_TIMER_INIT, 0);
	ms = tsc_khz ? (uint32_t)((rdtsc() - t0) >> 10) * 1024u / tsc_khz : 0;
	open_window(); /* the last one, if it was pending */
	attempt_end(OUT_CONTAINED,
		    "%u interrupts in %u ms, then masked by its handler; only its own CPU was busy",
		    irq_count[VEC_TSTORM], ms);
}

void hostile_storm(void)
{
	uint32_t on, off;

	lapic_wr(LAPIC_SVR, SVR_ON);
	lapic_wr(LAPIC_TPR, 0);
	attempt_begin("self-IPI storm: %u self-IPIs (ICR shorthand self) with interrupts on, each "
		      "taken by a handler",
		      STORM_IPIS);
	irq_count[VEC_STORM] = 0;
	sti();
	for (unsigned i = 0; i < STORM_IPIS; i++)
		send_shorthand(ICR_SH_SELF | ICR_ASSERT | VEC_STORM);
	cli();
	on = irq_count[VEC_STORM];
	attempt_end(on == STORM_IPIS ? OUT_CONTAINED : OUT_BREACH,
		    "%u of %u delivered, to itself only", on, STORM_IPIS);

	attempt_begin("self-IPI storm with interrupts off: %u self-IPIs, then STI", STORM_IPIS);
	irq_count[VEC_STORM] = 0;
	for (unsigned i = 0; i < STORM_IPIS; i++)
		send_shorthand(ICR_SH_SELF | ICR_ASSERT | VEC_STORM);
	off = irq_count[VEC_STORM];
	open_window();
	attempt_end(off == 0 && irq_count[VEC_STORM] == 1 ? OUT_CONTAINED : OUT_BREACH,
		    "%u taken while IF=0, %u after STI (one IRR bit per vector)", off,
		    irq_count[VEC_STORM]);
	timer_storm();
}

/* ---- the host still owns this CPU ---- */

static volatile unsigned wake_ticks;

static void wake_tick(void)
{
	wake_ticks++;
	lapic_wr(LAPIC_EOI, 0);
}

void hostile_host_alive(void)
{
	uint32_t khz = cpuid(0x40000001u, 0).ebx;
	unsigned halts = 0;

	attempt_begin("after all that: a %u ms local APIC timer must still wake HLT (needs the "
		      "host's own timer and interrupts on this CPU)",
		      WAKE_TIMER_MS);
	if (!khz) {
		attempt_end(OUT_CONTAINED, "skipped: no timer rate in CPUID 0x40000001");
		return;
	}
	wake_ticks = 0;
	timer_handler = wake_tick;
	lapic_wr(LAPIC_SVR, SVR_ON);
	lapic_wr(LAPIC_TPR, 0);
	lapic_wr(LAPIC_TIMER_DIV, 0xb); /* divide by 1 */
	lapic_wr(LAPIC_LVT_TIMER, VEC_TIMER);
	lapic_wr(LAPIC_TIMER_INIT, khz * WAKE_TIMER_MS);
	while (!wake_ticks && halts++ < WAKE_MAX_HALTS)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	lapic_wr(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | VEC_TIMER);
	timer_handler = NULL;
	attempt_end(wake_ticks == 1 ? OUT_CONTAINED : OUT_BREACH,
		    "%u timer interrupt(s) after %u HLT(s): the host's APIC and timer work",
		    wake_ticks, halts);
}
