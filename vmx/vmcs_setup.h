/*
 * vmcs_setup.h - filling a vCPU's VMCS in named steps (vmx/vmcs_setup.c),
 * and the negotiated controls every VMCS shares.
 */
#ifndef VMX_VMCS_SETUP_H
#define VMX_VMCS_SETUP_H

#include <hv/guest.h>
#include "vmx/vmx_ctrl.h"

/* The controls every vCPU uses: negotiated once (vmx_setup_controls). */
extern struct vmx_ctrls vmx_ctrls;
extern struct vmx_cap_msrs vmx_caps;

/* Negotiate the controls from this CPU's capability MSRs.  0, or -1 with
 * the missing features in err. */
int vmx_setup_controls(char *err, size_t len);

/* The steps, each on the CPU where vcpu's VMCS is current. */
void vmcs_init_controls(struct vcpu *vcpu);
void vmcs_init_host(void);
void vmcs_init_guest(struct vcpu *vcpu);

/* CR0/CR4 as VMX non-root needs them for a guest that wants `want`
 * (the fixed bits of SDM A.7/A.8; PE and PG are free with unrestricted
 * guest). */
uint64_t vmx_guest_cr0(uint64_t want);
uint64_t vmx_guest_cr4(uint64_t want);

/* Name the first guest-state field that breaks a VM-entry check (SDM 26.3.1)
 * into buf; empty when none of the checks made here fails. */
void vmx_explain_guest_state(char *buf, size_t len);

/* Before an entry of a vCPU on a shared CPU (vmx/vcpu_switch.c): the
 * VMX-preemption timer for the end of its slice, or off. */
void vcpu_arch_arm_preempt(struct vcpu *vcpu);

/* On a dedicated CPU, at the start of a new run of the vCPU's guest and
 * when the guest stops: the pass-through MSRs and DR0-3/DR6 the VMCS does
 * not switch back to their power-on values (vmx/vcpu_switch.c). */
void vcpu_arch_scrub(struct vcpu *vcpu);

#endif
