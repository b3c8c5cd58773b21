/*
 * triple.c - test guest: a deliberate triple fault.
 *
 * With an IDT of limit 0, UD2 raises #UD, whose delivery fails with #GP,
 * whose delivery fails again and makes a #DF, whose delivery fails too: a
 * triple fault, which on hardware resets the machine (SDM 6.15, "Interrupt
 * 8").  In a partition it must stop this guest only: the hypervisor is
 * expected to report "triple fault" and go on running the others.  The
 * guest prints its summary and "ATTEMPT triple-fault" first; running on is
 * "FAIL triple-fault".
 */
#include "guest.h"

const char guest_name[] = "triple";

void guest_main(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) empty = {0, 0};

	summary();
	attempt("triple-fault: empty IDT, then UD2; the hypervisor should stop this guest");
	__asm__ volatile("lidt %0; ud2" : : "m"(empty) : "memory");
	fail("triple-fault", "execution continued after a fault with an empty IDT");
	report();
}
