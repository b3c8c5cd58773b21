/*
 * vmcs.c - the out-of-line reporter every failed VMREAD/VMWRITE funnels into
 * (see vmx/vmcs.h).  Kept out of line so the accessors stay two instructions
 * and a branch.
 */
#include <hv/printk.h>
#include "vmx/vmcs.h"

void vmcs_fail(const char *op, uint32_t field, const char *caller)
{
	uint64_t err;

	/* SDM 31.2: VMfailInvalid (CF) means there is no current VMCS, so the
	 * VM-instruction error field cannot be read either. */
	if (!vmcs_vmread_raw(VMCS_RO_VM_INSN_ERROR, &err)) {
		pr_err("vmcs: %s %s (0x%x) in %s failed: no current VMCS\n", op,
		       vmcs_field_name(field), field, caller);
		return;
	}
	pr_err("vmcs: %s %s (0x%x) in %s failed: error %u, %s\n", op, vmcs_field_name(field), field,
	       caller, (unsigned)err, vmx_insn_error_text((uint32_t)err));
}
