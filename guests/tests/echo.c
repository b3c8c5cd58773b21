/*
 * echo.c - test guest: echoes what the operator types on its COM1.
 *
 * The console test ([bochs-console] in test-qemu/cases.txt) switches the
 * hypervisor's console focus to this guest and types a line: each byte the
 * hypervisor puts into the guest's virtual 16550 is read here and written
 * back, Enter (CR) as a line end, so the line comes back on the hypervisor's
 * console tagged with the guest's name.  Receive is polled: LSR bit 0 (data
 * ready), then RBR (PC16550D data sheet).  Between polls the guest halts
 * until its local APIC timer (periodic, about 100 Hz) wakes it, so an idle
 * echo guest does not keep its CPU busy; without an APIC it polls
 * continuously.  It never ends by itself: the monitor stops it.
 *
 * With the command line "deaf" it never reads its COM1: its receive FIFO
 * fills and stays full, which is how the console's stall handling (input
 * for a guest that takes none is dropped, with a message) is tested.
 */
#include "guest.h"

#include <hv/hypercall.h>

#define COM1		 0x3f8
#define UART_RBR	 0
#define UART_LSR	 5
#define UART_LSR_DR	 BIT(0)
#define CPUID_1_EDX_APIC BIT(9)
#define APIC_DEFAULT	 0xfee00000u
#define APIC_EOI	 0x0b0
#define APIC_SVR	 0x0f0
#define APIC_LVT_TIMER	 0x320
#define APIC_TIMER_INIT	 0x380
#define APIC_TIMER_DIV	 0x3e0
#define APIC_SVR_ENABLE	 BIT(8)
#define APIC_PERIODIC	 BIT(17)
#define APIC_DIV_1	 0xb
#define TICK_HZ		 100
#define TICK_FALLBACK	 200000 /* counts when the timer rate is not told */

const char guest_name[] = "echo";

static uint32_t apic;

static void tick(void)
{
	mmio_write32(apic + APIC_EOI, 0);
}

/* A periodic LAPIC timer to wake HLT; false when there is no APIC. */
static bool start_timer(void)
{
	uint32_t count = TICK_FALLBACK;

	if (!(cpuid(1, 0).edx & CPUID_1_EDX_APIC))
		return false;
	/* CPUID 0x40000001 EBX: the vLAPIC timer's rate in kHz */
	if (hv_present() && cpuid(HV_CPUID_FREQ, 0).ebx)
		count = cpuid(HV_CPUID_FREQ, 0).ebx * (1000 / TICK_HZ);
	apic = APIC_DEFAULT;
	timer_handler = tick;
	mmio_write32(apic + APIC_SVR, APIC_SVR_ENABLE | 0xff);
	mmio_write32(apic + APIC_TIMER_DIV, APIC_DIV_1);
	mmio_write32(apic + APIC_LVT_TIMER, APIC_PERIODIC | VEC_TIMER);
	mmio_write32(apic + APIC_TIMER_INIT, count);
	return true;
}

static void echo_pending(void)
{
	while (inb(COM1 + UART_LSR) & UART_LSR_DR) {
		char c = (char)inb(COM1 + UART_RBR);

		serial_putc(c == '\r' ? '\n' : c);
	}
}

static bool is_deaf(void)
{
	static const char word[] = "deaf";
	const char *c = boot.cmdline ? boot.cmdline : "";

	/* stops at the first difference, so never past c's terminator */
	for (unsigned i = 0; i < sizeof(word); i++)
		// cppcheck-suppress arrayIndexOutOfBounds
		if (c[i] != word[i])
			return false;
	return true;
}

void guest_main(void)
{
	bool timer = start_timer(), deaf = is_deaf();

	if (deaf)
		gprintf("INFO echo: deaf: never reads its input\n");
	else
		gprintf("INFO echo: ready, type a line (%s)\n",
			timer ? "polled on each timer tick" : "polled continuously");
	for (;;) {
		if (!deaf)
			echo_pending();
		if (timer)
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		else
			__asm__ volatile("pause");
	}
}
