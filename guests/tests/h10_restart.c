/*
 * h10_restart.c - test guest: on_crash = restart.
 *
 * The information device's SCRATCH register (include/hv/hypercall.h) lives
 * in the hypervisor, so it survives a restart: the guest counts its boots
 * there.  On the first boot it reports a crash (HC_CRASH); the hypervisor
 * is expected to print "hv: guest NAME: stopped: crashed (guest reported
 * code 7)", then "hv: guest NAME: restarting (restart 1)", and boot it
 * again from a clean image and zeroed RAM.  On the second boot it checks
 * that its RAM was cleared and powers off normally.
 */
#include <hv/hypercall.h>
#include "guest.h"

#define CRASH_CODE 7
#define SCRATCH	   (HV_INFO_MMIO_BASE + HV_INFO_REG_SCRATCH)

const char guest_name[] = "h10-restart";

/* A word of RAM neither the image nor the loader's boot information uses
 * (test-qemu gives this guest 4 MiB): zero on the second boot only if the
 * hypervisor cleared the guest's RAM. */
#define MARK_ADDR 0x300000u
#define MARK	  0xdeadbeefu

static uint32_t load32(uint32_t a)
{
	uint32_t v;

	__asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static void store32(uint32_t a, uint32_t v)
{
	__asm__ volatile("movl %0, (%1)" : : "r"(v), "r"(a) : "memory");
}

void guest_main(void)
{
	uint32_t boots = load32(SCRATCH) + 1;

	store32(SCRATCH, boots);
	gprintf("INFO boot %u\n", boots);
	if (boots == 1) {
		*(volatile uint32_t *)MARK_ADDR = MARK;
		attempt("crash on the first boot (HC_CRASH %u); expecting a restart", CRASH_CODE);
		hypercall(HC_CRASH, CRASH_CODE, 0, NULL);
		fail("restart-crash-stops", "HC_CRASH returned");
		report();
	}
	expect(boots == 2, "restart-second-boot", "boot %u, expected 2", boots);
	expect(*(volatile uint32_t *)MARK_ADDR == 0, "restart-ram-cleared",
	       "0x%x at 0x%x survived from the first boot", *(volatile uint32_t *)MARK_ADDR,
	       MARK_ADDR);
	report();
}
