/*
 * test_mitigate.c - unit tests of the VM-entry mitigation decision
 * (vmx/mitigate.c): VERW exactly when CPUID enumerates MD_CLEAR; the L1D
 * flush when CPUID enumerates L1D_FLUSH and IA32_ARCH_CAPABILITIES does
 * not say the CPU is unaffected (RDCL_NO) or that VM entry flushes itself
 * (SKIP_L1DFL_VMENTRY); ARCH_CAPABILITIES only counts when enumerated.
 */
#include <string.h>

#include "test.h"
#include "vmx/mitigate.h"

static void test_choose(void)
{
	const uint32_t both = CPUID_7_EDX_MD_CLEAR | CPUID_7_EDX_L1D_FLUSH;

	CHECK_EQ(vmx_mitigations_choose(0, 0), 0);
	CHECK_EQ(vmx_mitigations_choose(CPUID_7_EDX_MD_CLEAR, 0), VMX_MITIGATE_VERW);
	CHECK_EQ(vmx_mitigations_choose(CPUID_7_EDX_L1D_FLUSH, 0), VMX_MITIGATE_L1D);
	CHECK_EQ(vmx_mitigations_choose(both, 0), VMX_MITIGATE_VERW | VMX_MITIGATE_L1D);
	/* not affected by L1TF, or the entry flushes already */
	CHECK_EQ(vmx_mitigations_choose(both | CPUID_7_EDX_ARCH_CAPS, ARCH_CAP_RDCL_NO),
		 VMX_MITIGATE_VERW);
	CHECK_EQ(vmx_mitigations_choose(both | CPUID_7_EDX_ARCH_CAPS, ARCH_CAP_SKIP_L1DFL_VMENTRY),
		 VMX_MITIGATE_VERW);
	/* ARCH_CAPABILITIES not enumerated: its value is ignored */
	CHECK_EQ(vmx_mitigations_choose(both, ARCH_CAP_RDCL_NO),
		 VMX_MITIGATE_VERW | VMX_MITIGATE_L1D);
	/* other ARCH_CAPABILITIES bits change nothing */
	CHECK_EQ(vmx_mitigations_choose(both | CPUID_7_EDX_ARCH_CAPS, 0xffffffff00000000ULL),
		 VMX_MITIGATE_VERW | VMX_MITIGATE_L1D);
	/* unrelated CPUID bits (e.g. all of them but the two) offer nothing */
	CHECK_EQ(vmx_mitigations_choose(~both & ~(uint32_t)CPUID_7_EDX_ARCH_CAPS, 0), 0);
}

static void test_text(void)
{
	CHECK_STREQ(vmx_mitigations_text(0), "none enumerated");
	CHECK_STREQ(vmx_mitigations_text(VMX_MITIGATE_VERW | VMX_MITIGATE_L1D),
		    "VERW on entry, L1D flush on vCPU switch");
	CHECK(strstr(vmx_mitigations_text(VMX_MITIGATE_VERW), "VERW on entry") != NULL);
	CHECK(strstr(vmx_mitigations_text(VMX_MITIGATE_L1D), "L1D flush") != NULL);
}

int main(void)
{
	RUN(test_choose);
	RUN(test_text);
	return test_summary();
}
