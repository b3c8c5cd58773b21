/*
 * lapic.c - the local APIC of each CPU: enable it (x2APIC when the CPU has
 * it, else xAPIC MMIO), quiet it, send IPIs, acknowledge interrupts.
 *
 * The hypervisor runs with interrupts off; the LAPIC matters for IPIs
 * (INIT/SIPI to start CPUs, NMI to stop them) and, later, its timer.  Every
 * LVT entry is masked so that nothing the firmware left programmed fires.
 * References: SDM Vol. 3A chapter 11 (11.4 xAPIC, 11.12 x2APIC).
 */
#include <hv/arch.h>
#include <hv/platform.h>
#include <hv/printk.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/msr.h>
#include <arch/tsc.h>

#define APIC_BASE_ADDR_MASK GENMASK(51, 12)
#define ICR_WAIT_US	    100000 /* an IPI leaves the xAPIC in microseconds */

/* Legacy 8259 interrupt mask registers (master, slave). */
#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1

bool lapic_x2apic;
static volatile uint32_t *xapic_mmio; /* identity-mapped UC by paging_init() */

uint32_t lapic_read(uint32_t reg)
{
	if (lapic_x2apic)
		return (uint32_t)rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return xapic_mmio[reg / 4];
}

void lapic_write(uint32_t reg, uint32_t val)
{
	if (lapic_x2apic)
		wrmsr(MSR_X2APIC_BASE + (reg >> 4), val);
	else
		xapic_mmio[reg / 4] = val;
}

/*
 * lapic_id - the running CPU's APIC ID.  Safe before lapic_init(): the mode
 * is read from IA32_APIC_BASE, and while the xAPIC is not yet mapped the
 * initial APIC ID from CPUID (which the ID register holds after reset)
 * answers.
 */
uint32_t lapic_id(void)
{
	if (rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_X2APIC)
		return (uint32_t)rdmsr(MSR_X2APIC_BASE + (APIC_ID >> 4));
	if (xapic_mmio)
		return xapic_mmio[APIC_ID / 4] >> 24;
	return cpuid(1, 0).ebx >> 24;
}

void lapic_eoi(void)
{
	lapic_write(APIC_EOI, 0);
}

static bool xapic_wait_idle(void)
{
	uint64_t end = tsc_deadline(ICR_WAIT_US);

	while (xapic_mmio[APIC_ICR_LO / 4] & APIC_ICR_BUSY) {
		if (tsc_deadline_passed(end))
			return false;
		cpu_relax();
	}
	return true;
}

/*
 * An xAPIC ICR write is two stores (SDM 11.6.1: the low half sends, so the
 * destination goes first) and not atomic: an NMI or exception arriving
 * between them whose handler sends its own IPI (smp_stop_others() from
 * panic) would leave its destination in ICR_HI, and the interrupted send
 * would go to the wrong CPU.  So every sender saves ICR_HI and puts it back
 * after its own IPI has left the APIC: the interrupted sender then finds
 * its destination where it wrote it.  (x2APIC has one 64-bit ICR write.)
 */
static bool xapic_send_ipi(uint32_t apic_id, uint32_t icr_lo)
{
	uint32_t saved_hi = xapic_mmio[APIC_ICR_HI / 4];
	bool ok = xapic_wait_idle();

	if (ok) {
		xapic_mmio[APIC_ICR_HI / 4] = apic_id << 24;
		xapic_mmio[APIC_ICR_LO / 4] = icr_lo;
		ok = xapic_wait_idle();
	}
	xapic_mmio[APIC_ICR_HI / 4] = saved_hi;
	return ok;
}

bool lapic_send_ipi(uint32_t apic_id, uint32_t icr_lo)
{
	if (lapic_x2apic) {
		/* SDM 11.12.9: one 64-bit write, destination in bits 63:32 */
		wrmsr(MSR_X2APIC_BASE + (APIC_ICR_LO >> 4), ((uint64_t)apic_id << 32) | icr_lo);
		return true;
	}
	return xapic_send_ipi(apic_id, icr_lo);
}

/* Switch this CPU's LAPIC on in the mode the CPU supports.  Disabled ->
 * x2APIC directly is an invalid transition (SDM 11.12.5, figure 11-27), so
 * the xAPIC is enabled first. */
static void lapic_enable(uint64_t lapic_base, bool x2apic)
{
	uint64_t msr = rdmsr(MSR_IA32_APIC_BASE);
	uint64_t hw_base = msr & APIC_BASE_ADDR_MASK;

	if (!(msr & APIC_BASE_ENABLE)) {
		msr |= APIC_BASE_ENABLE;
		wrmsr(MSR_IA32_APIC_BASE, msr);
	}
	if (x2apic) {
		if (!(msr & APIC_BASE_X2APIC))
			wrmsr(MSR_IA32_APIC_BASE, msr | APIC_BASE_X2APIC);
		lapic_x2apic = true;
		return;
	}
	/* The MSR decides where the registers are; a different MADT address
	 * is the table's mistake (reported once, on the BSP). */
	if (lapic_base && lapic_base != hw_base && (msr & APIC_BASE_BSP))
		pr_warn("lapic: MADT says 0x%llx, IA32_APIC_BASE says 0x%llx; using the MSR\n",
			(unsigned long long)lapic_base, (unsigned long long)hw_base);
	xapic_mmio = (volatile uint32_t *)(uintptr_t)hw_base;
	lapic_x2apic = false;
}

/* Mask every LVT entry the APIC has (version register: max LVT index). */
static void lapic_mask_lvts(void)
{
	uint32_t maxlvt =
	    (lapic_read(APIC_VERSION) & APIC_VERSION_MAXLVT_MASK) >> APIC_VERSION_MAXLVT_SHIFT;

	lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
	lapic_write(APIC_TIMER_ICR, 0);
	lapic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	lapic_write(APIC_LVT_LINT1, APIC_LVT_MASKED);
	/* the optional entries exist by index (x2APIC #GPs on the others) */
	if (maxlvt >= 3)
		lapic_write(APIC_LVT_ERROR, APIC_LVT_MASKED);
	if (maxlvt >= 4)
		lapic_write(APIC_LVT_PERF, APIC_LVT_MASKED);
	if (maxlvt >= 5)
		lapic_write(APIC_LVT_THERM, APIC_LVT_MASKED);
	if (maxlvt >= 6)
		lapic_write(APIC_LVT_CMCI, APIC_LVT_MASKED);
}

/*
 * lapic_init - enable and quiet the calling CPU's LAPIC: x2APIC mode when
 * CPUID.1:ECX.x2APIC, else xAPIC at the address in IA32_APIC_BASE
 * (lapic_base, from the MADT, is only cross-checked).  Software-enables it
 * through the spurious vector register with every LVT masked and TPR 0.
 * On the bootstrap CPU also masks the legacy 8259 PICs when the platform
 * has them (MADT PCAT_COMPAT, or no MADT to say otherwise).
 * Panics when the CPU has no local APIC: nothing SMP can work then.
 */
void lapic_init(uint64_t lapic_base)
{
	struct cpuid_regs r = cpuid(1, 0);

	if (!(r.edx & CPUID_1_EDX_APIC))
		panic("lapic: CPU has no local APIC (CPUID.1:EDX.APIC=0)");
	lapic_enable(lapic_base, r.ecx & CPUID_1_ECX_X2APIC);
	lapic_mask_lvts();
	lapic_write(APIC_TPR, 0);
	/* SDM 11.5.3: the ESR is updated by a write; x2APIC accepts only 0 */
	lapic_write(APIC_ESR, 0);
	lapic_write(APIC_ESR, 0);
	lapic_write(APIC_SVR, APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR);
	lapic_eoi(); /* in case firmware left an interrupt in service */

	if ((rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_BSP) &&
	    (hv_platform.pcat_compat || !hv_platform.has_madt)) {
		outb(PIC1_DATA, 0xff);
		outb(PIC2_DATA, 0xff);
	}
}

void lapic_timer_oneshot(uint8_t vector, uint64_t ns)
{
	/* split so that the product cannot overflow for any ns */
	uint64_t ticks = ns / 1000000000ULL * lapic_timer_hz +
			 ns % 1000000000ULL * lapic_timer_hz / 1000000000ULL;

	if (!lapic_timer_hz)
		return;
	lapic_write(APIC_LVT_TIMER, vector);
	lapic_write(APIC_TIMER_DCR, APIC_TIMER_DIV_1);
	lapic_write(APIC_TIMER_ICR, (uint32_t)MIN(MAX(ticks, 1), UINT32_MAX));
}
