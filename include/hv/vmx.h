/*
 * vmx.h - what the core needs from vmx/ at boot: VT-x on every CPU.
 */
#ifndef HV_VMX_H
#define HV_VMX_H

#include <hv/cpu.h>

/*
 * vmx_cpu_enable - turn VMX on for the calling CPU: CPUID.1:ECX.VMX,
 * IA32_FEATURE_CONTROL (set and lock it when firmware left it unlocked;
 * locked with VMX off means "disabled in firmware setup"), CR0/CR4 fixed
 * bits, a VMXON region from the allocator, VMXON.
 * Returns true on success; otherwise cpu->vmx_error says what is missing,
 * in words an operator can act on, and the CPU is left as it was.
 */
bool vmx_cpu_enable(struct percpu *cpu);

/*
 * vmx_cpu_disable - leave VMX root operation on the calling CPU (VMXOFF,
 * then clear CR4.VMXE) before it is stopped or reset: INIT is blocked in
 * VMX root operation (SDM 24.8), so an INIT-based reset could otherwise
 * fail silently.  Does nothing when cpu->vmx_on is false.  Safe in NMI
 * context: no locks, no allocation, no printing.
 */
void vmx_cpu_disable(struct percpu *cpu);

/* Print, once, the VT-x capabilities later work depends on (EPT 2M/1G,
 * INVEPT types, VPID, unrestricted guest, preemption timer, APIC
 * virtualization, posted interrupts). */
void vmx_report_caps(void);

/* Host-physical address of the page the guests' EPT maps at their LAPIC
 * base when APIC virtualization is on (SDM 30.4), else 0.  Valid once the
 * controls are negotiated, before any partition is built. */
uint64_t vmx_apic_access_page(void);

#endif
