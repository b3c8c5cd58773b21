/*
 * cr4vmxe.c - test guest: CR4.VMXE, the bit that would start VT-x.
 *
 * What a hypervisor should present: a guest sees a CPU without VT-x
 * (CPUID.1:ECX.VMX = 0), and on such a CPU CR4.VMXE (bit 13) is reserved,
 * so MOV to CR4 setting it raises #GP(0) (SDM Vol. 2B "MOV--Move to/from
 * Control Registers": #GP(0) "if an attempt is made to write a 1 to any
 * reserved bit in CR4"; SDM 2.5: VMXE is reserved when VMX is not
 * supported).  A silently ignored write would be a CPU no hardware
 * resembles, so #GP is what this guest expects, with CR4 unchanged and
 * VMXE reading 0.  The same holds for a bit reserved everywhere (bit 31).
 * A write of a bit the guest owns (CR4.PSE, bit 4) must still work.
 *
 * Booted bare under QEMU 7.2 TCG this guest stops making progress at the
 * first reserved-bit write: that QEMU loops on MOV to CR4 with a reserved
 * bit instead of raising #GP (real CPUs and Bochs raise #GP).
 */
#include "guest.h"

#define CPUID_1_ECX_VMX BIT(5)
#define CR4_PSE		(1u << 4)
#define CR4_VMXE	(1u << 13)
#define CR4_RESERVED31	(1u << 31)

const char guest_name[] = "cr4vmxe";

void guest_main(void)
{
	uint32_t cr4 = read_cr4(), after;

	gprintf("INFO CR4 = 0x%08x, CPUID.1:ECX = 0x%08x\n", cr4, cpuid(1, 0).ecx);
	expect(!(cpuid(1, 0).ecx & CPUID_1_ECX_VMX), "cr4vmxe-cpuid-no-vmx",
	       "VMX offered: setting CR4.VMXE would be legitimate");
	expect(!(cr4 & CR4_VMXE), "cr4vmxe-reads-0", "CR4 = 0x%08x has VMXE set", cr4);
	expect_fault(write_cr4_safe(cr4 ^ CR4_PSE), NO_FAULT, "cr4-pse-write-ok");
	after = read_cr4();
	expect(after == (cr4 ^ CR4_PSE), "cr4-pse-reads-back", "CR4 0x%08x, expected 0x%08x", after,
	       cr4 ^ CR4_PSE);
	write_cr4(cr4);
	expect_fault(write_cr4_safe(cr4 | CR4_VMXE), VEC_GP, "cr4vmxe-set-gp");
	after = read_cr4();
	expect(after == cr4, "cr4vmxe-unchanged", "CR4 went from 0x%08x to 0x%08x", cr4, after);
	expect_fault(write_cr4_safe(cr4 | CR4_RESERVED31), VEC_GP, "cr4-reserved31-gp");
}
