/*
 * vmx_ctrl_hw.c - reads the capability MSRs that vmx/vmx_ctrl.c negotiates
 * against.  Kept apart so vmx_ctrl.c stays pure and host-tested.
 */
#include <arch/cpu.h>
#include <arch/msr.h>
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_ctrl.h"

void vmx_ctrl_read_caps(struct vmx_cap_msrs *caps)
{
	caps->basic = rdmsr(MSR_IA32_VMX_BASIC);
	caps->pin = rdmsr(vmx_ctrl_cap_msr(caps->basic, VMX_CTRL_PIN));
	caps->proc = rdmsr(vmx_ctrl_cap_msr(caps->basic, VMX_CTRL_PROC));
	caps->exit = rdmsr(vmx_ctrl_cap_msr(caps->basic, VMX_CTRL_EXIT));
	caps->entry = rdmsr(vmx_ctrl_cap_msr(caps->basic, VMX_CTRL_ENTRY));
	/* PROCBASED_CTLS2 exists only when secondary controls may be 1, and
	 * EPT_VPID_CAP only when EPT or VPID may be (SDM A.3.3, A.10). */
	caps->proc2 = 0;
	if ((caps->proc >> 32) & PROC_SECONDARY_CONTROLS)
		caps->proc2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
	caps->ept_vpid = 0;
	if ((caps->proc2 >> 32) & (PROC2_EPT | PROC2_VPID))
		caps->ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
}
