/*
 * hlt.c - test guest: HLT, the instruction an idle guest spends its time in.
 *
 * 1. Wake-up (hlt-wake-timer): when the guest is offered a local APIC
 *    (CPUID.1:EDX[9]), its timer is programmed one-shot and the guest halts
 *    with interrupts on: the timer interrupt must wake it (SDM Vol. 2A HLT:
 *    "an enabled interrupt ... resumes execution").  A hypervisor without a
 *    virtual interrupt source hides the APIC, and the check is skipped.
 * 2. The end (hlt-if0): HLT with IF=0 and nothing that could deliver an NMI
 *    can never resume, so the hypervisor is expected to stop this guest
 *    ("halted with interrupts disabled") rather than park a CPU forever.
 *    The guest prints its summary and "ATTEMPT hlt-if0" first; if it ever
 *    runs on it prints "FAIL hlt-if0".
 */
#include "guest.h"

#define CPUID_1_EDX_APIC   BIT(9)
#define MSR_IA32_APIC_BASE 0x1b
#define APIC_BASE_MASK	   0xfffff000u
#define APIC_BASE_ENABLE   BIT(11)
#define APIC_EOI	   0x0b0
#define APIC_SVR	   0x0f0
#define APIC_LVT_TIMER	   0x320
#define APIC_TIMER_INIT	   0x380
#define APIC_TIMER_CUR	   0x390
#define APIC_TIMER_DIV	   0x3e0
#define APIC_SVR_ENABLE	   BIT(8)
#define APIC_LVT_MASKED	   BIT(16)
#define APIC_DIV_1	   0xb
#define TIMER_COUNT	   200000 /* a few ms at any realistic bus clock */
#define MAX_HALTS	   16

const char guest_name[] = "hlt";

static uint32_t apic;
static volatile unsigned ticks;

static void timer_tick(void)
{
	ticks++;
	mmio_write32(apic + APIC_EOI, 0);
}

static void check_timer_wake(void)
{
	uint64_t base = 0xfee00000u | APIC_BASE_ENABLE;
	unsigned halts = 0;

	if (!(cpuid(1, 0).edx & CPUID_1_EDX_APIC)) {
		skip("hlt-wake-timer", "no local APIC offered (CPUID.1:EDX[9] clear): no "
				       "interrupt source to wake HLT");
		return;
	}
	if (rdmsr_safe(MSR_IA32_APIC_BASE, &base) != NO_FAULT || !(base & APIC_BASE_ENABLE)) {
		fail("hlt-wake-timer", "APIC offered but IA32_APIC_BASE unreadable or disabled");
		return;
	}
	apic = (uint32_t)base & APIC_BASE_MASK;
	timer_handler = timer_tick;
	mmio_write32(apic + APIC_SVR, APIC_SVR_ENABLE | 0xff);
	mmio_write32(apic + APIC_TIMER_DIV, APIC_DIV_1);
	mmio_write32(apic + APIC_LVT_TIMER, VEC_TIMER); /* one-shot, unmasked */
	mmio_write32(apic + APIC_TIMER_INIT, TIMER_COUNT);
	while (!ticks && halts++ < MAX_HALTS)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	mmio_write32(apic + APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_TIMER);
	expect(ticks == 1, "hlt-wake-timer", "%u timer interrupts after %u HLTs", ticks, halts);
}

void guest_main(void)
{
	check_timer_wake();
	expect(!(read_eflags() & BIT(9)), "hlt-if-restored", "IF still set after the test");
	summary();
	attempt("hlt-if0: HLT with interrupts disabled; the hypervisor should stop this guest");
	__asm__ volatile("cli; hlt" ::: "memory");
	fail("hlt-if0", "execution continued after HLT with IF=0");
	report();
}
