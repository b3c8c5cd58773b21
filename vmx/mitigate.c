/*
 * mitigate.c - speculative-execution mitigations on VM entry (see
 * vmx/mitigate.h).
 *
 * MDS (microarchitectural data sampling): a guest can sample what the
 * host left in the CPU's fill and store buffers.  On CPUs that enumerate
 * MD_CLEAR, VERW with a memory operand overwrites them (Intel, "Deep Dive:
 * Intel Analysis of Microarchitectural Data Sampling"), so vmx/entry.S
 * runs it right before every VMLAUNCH/VMRESUME.
 * L1TF (L1 terminal fault): a guest can read any line in the L1 data
 * cache through a non-present guest PTE, whatever EPT says.  The L1D holds
 * what the last vCPU on this CPU and the host working for it touched;
 * writing IA32_FLUSH_CMD.L1D_FLUSH before entering a different vCPU keeps
 * one guest's data from the next (Intel, "Deep Dive: Intel Analysis of L1
 * Terminal Fault").  A dedicated CPU always enters the same vCPU, so it
 * flushes once per run of its guest (vmx_mitigate_new_run); shared CPUs
 * flush on each switch.  Not flushed on
 * every entry: the host's own data in L1D (the exit handlers of this
 * vCPU) is then exposed to the guest that caused those exits, which is
 * the trade-off KVM's default "cond" mode makes too.
 * CPUs that report RDCL_NO or SKIP_L1DFL_VMENTRY in IA32_ARCH_CAPABILITIES
 * are not affected by L1TF, and skip the flush.
 */
#include <hv/cpu.h>
#include <hv/printk.h>
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/msr.h>
#include "vmx/mitigate.h"

#define MSR_IA32_ARCH_CAPABILITIES 0x10a
#define MSR_IA32_FLUSH_CMD	   0x10b
#define FLUSH_CMD_L1D		   BIT(0)

uint8_t vmx_verw_on_entry;
const uint16_t vmx_verw_sel = GDT_SEL_DATA;

static bool l1d_flush;
/* The vCPU each CPU entered last (interrupts are off around an entry). */
static const struct vcpu *last_entered[HV_MAX_CPUS];

unsigned vmx_mitigations_choose(uint32_t edx7, uint64_t arch_caps)
{
	unsigned m = 0;

	if (edx7 & CPUID_7_EDX_MD_CLEAR)
		m |= VMX_MITIGATE_VERW;
	if (!(edx7 & CPUID_7_EDX_ARCH_CAPS))
		arch_caps = 0;
	if ((edx7 & CPUID_7_EDX_L1D_FLUSH) &&
	    !(arch_caps & (ARCH_CAP_RDCL_NO | ARCH_CAP_SKIP_L1DFL_VMENTRY)))
		m |= VMX_MITIGATE_L1D;
	return m;
}

const char *vmx_mitigations_text(unsigned m)
{
	switch (m & (VMX_MITIGATE_VERW | VMX_MITIGATE_L1D)) {
	case VMX_MITIGATE_VERW | VMX_MITIGATE_L1D:
		return "VERW on entry, L1D flush on vCPU switch";
	case VMX_MITIGATE_VERW:
		return "VERW on entry (no L1D flush needed or offered)";
	case VMX_MITIGATE_L1D:
		return "L1D flush on vCPU switch (no MD_CLEAR: no VERW)";
	case 0:
	default:
		return "none enumerated";
	}
}

void vmx_mitigations_init(void)
{
	struct cpuid_regs r = {0};
	uint64_t caps = 0;
	unsigned m;

	if (cpuid(0, 0).eax >= 7)
		r = cpuid(7, 0);
	if (r.edx & CPUID_7_EDX_ARCH_CAPS)
		caps = rdmsr(MSR_IA32_ARCH_CAPABILITIES);
	m = vmx_mitigations_choose(r.edx, caps);
	vmx_verw_on_entry = (m & VMX_MITIGATE_VERW) != 0;
	l1d_flush = (m & VMX_MITIGATE_L1D) != 0;
	pr_info("cpu mitigations: %s\n", vmx_mitigations_text(m));
}

void vmx_mitigate_before_entry(const struct vcpu *vcpu)
{
	uint32_t cpu = this_cpu()->cpu_id;

	if (!l1d_flush || cpu >= HV_MAX_CPUS || last_entered[cpu] == vcpu)
		return;
	wrmsr(MSR_IA32_FLUSH_CMD, FLUSH_CMD_L1D);
	last_entered[cpu] = vcpu;
}

void vmx_mitigate_new_run(void)
{
	uint32_t cpu = this_cpu()->cpu_id;

	if (cpu < HV_MAX_CPUS)
		last_entered[cpu] = NULL;
}
