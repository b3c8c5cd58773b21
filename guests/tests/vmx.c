/*
 * vmx.c - test guest: the VMX instructions, which a guest is not offered.
 *
 * CPUID.1:ECX.VMX is 0 for a guest and CR4.VMXE reads 0, so every VMX
 * instruction must raise #UD (SDM Vol. 3C 31.3, each instruction's
 * "IF (not in VMX operation) ... THEN #UD"), exactly as on a CPU without
 * VT-x.  In VMX non-root operation they all cause VM exits (SDM 26.1.2), so
 * this checks the hypervisor injects #UD for each and does not, for
 * instance, execute one on the guest's behalf or stop the guest.  VMCALL
 * is left out: it is the hypercall interface.  GETSEC (#UD with CR4.SMXE
 * 0) and VMFUNC (#UD unless VM functions are enabled) are checked too.
 */
#include "guest.h"

const char guest_name[] = "vmx";

/* A 4 KiB-aligned region the instructions may name as a VMXON/VMCS page. */
static uint8_t page[4096] __attribute__((aligned(4096)));
static uint64_t page_addr;
/* INVEPT/INVVPID descriptors (SDM 31.3): 128 bits each. */
static uint64_t desc[2];

void guest_main(void)
{
	uint32_t out = 0, field = 0;
	uint32_t type = 1;

	page_addr = (uint32_t)(uintptr_t)page;
	expect_fault(TRY_ASM("vmxon %0", : : "m"(page_addr) : "memory"), VEC_UD, "vmx-vmxon-ud");
	expect_fault(TRY_ASM("vmptrld %0",
			     :
			     : "m"(page_addr)
			     : "memory"),
		     VEC_UD, "vmx-vmptrld-ud");
	expect_fault(TRY_ASM("vmclear %0",
			     :
			     : "m"(page_addr)
			     : "memory"),
		     VEC_UD, "vmx-vmclear-ud");
	expect_fault(TRY_ASM("vmptrst %0",
			     : "=m"(page_addr)
			     :
			     : "memory"),
		     VEC_UD, "vmx-vmptrst-ud");
	expect_fault(TRY_ASM("vmread %1, %0",
			     : "=r"(out)
			     : "r"(field)
			     : "memory"),
		     VEC_UD, "vmx-vmread-ud");
	expect_fault(TRY_ASM("vmwrite %1, %0",
			     :
			     : "r"(field), "r"(out)
			     : "memory"),
		     VEC_UD, "vmx-vmwrite-ud");
	expect_fault(TRY_ASM("vmlaunch", : : : "memory"), VEC_UD, "vmx-vmlaunch-ud");
	expect_fault(TRY_ASM("vmresume", : : : "memory"), VEC_UD, "vmx-vmresume-ud");
	expect_fault(TRY_ASM("vmxoff", : : : "memory"), VEC_UD, "vmx-vmxoff-ud");
	expect_fault(TRY_ASM("invept %0, %1",
			     :
			     : "m"(desc), "r"(type)
			     : "memory"),
		     VEC_UD, "vmx-invept-ud");
	expect_fault(TRY_ASM("invvpid %0, %1",
			     :
			     : "m"(desc), "r"(type)
			     : "memory"),
		     VEC_UD, "vmx-invvpid-ud");
	expect_fault(TRY_ASM("vmfunc", : : "a"(0), "c"(0) : "memory"), VEC_UD, "vmx-vmfunc-ud");
	expect_fault(TRY_ASM("getsec", : : "a"(0) : "memory"), VEC_UD, "vmx-getsec-ud");
	expect(!(read_cr4() & BIT(13)), "vmx-cr4-vmxe-reads-0", "CR4 = 0x%08x has VMXE set",
	       read_cr4());
}
