/*
 * exit_table.c - exit_table[reason] = {.handle, .name}: every basic exit
 * reason of SDM Appendix C, with its handler or none.  A reason without a
 * handler, or one beyond the table, goes to exit_unexpected, which stops
 * the guest with a register dump.  Pure data; tests/test_exits.c checks
 * that every reason is named and that unknown ones are contained.
 */
#include "vmx/exits.h"
#include "vmx/vmcs_fields.h"

#define E(r, fn, str) [VMX_EXIT_##r] = {.handle = (fn), .name = (str)}

static const struct exit_entry exit_table[VMX_EXIT_REASON_MAX] = {
    E(EXCEPTION_NMI, exit_nmi_exception, "exception or NMI"),
    E(EXTERNAL_INTR, exit_external_intr, "external interrupt"),
    E(TRIPLE_FAULT, exit_triple_fault, "triple fault"),
    E(INIT, NULL, "INIT signal"),
    E(SIPI, NULL, "start-up IPI"),
    E(IO_SMI, NULL, "I/O SMI"),
    E(OTHER_SMI, NULL, "other SMI"),
    E(INTR_WINDOW, exit_window, "interrupt window"),
    E(NMI_WINDOW, exit_window, "NMI window"),
    E(TASK_SWITCH, NULL, "task switch"),
    E(CPUID, exit_cpuid, "CPUID"),
    E(GETSEC, exit_vmx_insn, "GETSEC"),
    E(HLT, exit_hlt, "HLT"),
    E(INVD, exit_invd, "INVD"),
    E(INVLPG, NULL, "INVLPG"),
    E(RDPMC, exit_rdpmc, "RDPMC"),
    E(RDTSC, NULL, "RDTSC"),
    E(RSM, NULL, "RSM"),
    E(VMCALL, exit_vmcall, "VMCALL"),
    E(VMCLEAR, exit_vmx_insn, "VMCLEAR"),
    E(VMLAUNCH, exit_vmx_insn, "VMLAUNCH"),
    E(VMPTRLD, exit_vmx_insn, "VMPTRLD"),
    E(VMPTRST, exit_vmx_insn, "VMPTRST"),
    E(VMREAD, exit_vmx_insn, "VMREAD"),
    E(VMRESUME, exit_vmx_insn, "VMRESUME"),
    E(VMWRITE, exit_vmx_insn, "VMWRITE"),
    E(VMXOFF, exit_vmx_insn, "VMXOFF"),
    E(VMXON, exit_vmx_insn, "VMXON"),
    E(CR_ACCESS, exit_cr_access, "control-register access"),
    E(DR_ACCESS, NULL, "debug-register access"),
    E(IO, exit_io, "I/O instruction"),
    E(RDMSR, exit_rdmsr, "RDMSR"),
    E(WRMSR, exit_wrmsr, "WRMSR"),
    E(ENTRY_FAIL_GUEST, NULL, "VM-entry failure: invalid guest state"),
    E(ENTRY_FAIL_MSR_LOAD, NULL, "VM-entry failure: MSR loading"),
    E(MWAIT, exit_monitor_mwait, "MWAIT"),
    E(MONITOR_TRAP_FLAG, NULL, "monitor trap flag"),
    E(MONITOR, exit_monitor_mwait, "MONITOR"),
    E(PAUSE, NULL, "PAUSE"),
    E(ENTRY_FAIL_MCE, exit_machine_check, "VM-entry failure: machine check"),
    E(TPR_BELOW_THRESHOLD, NULL, "TPR below threshold"),
    E(APIC_ACCESS, exit_apic_access, "APIC access"),
    E(VIRTUALIZED_EOI, exit_virtual_eoi, "virtualized EOI"),
    E(GDTR_IDTR, NULL, "GDTR/IDTR access"),
    E(LDTR_TR, NULL, "LDTR/TR access"),
    E(EPT_VIOLATION, exit_ept_violation, "EPT violation"),
    E(EPT_MISCONFIG, NULL, "EPT misconfiguration"),
    E(INVEPT, exit_vmx_insn, "INVEPT"),
    E(RDTSCP, NULL, "RDTSCP"),
    E(PREEMPT_TIMER, exit_preempt_timer, "VMX-preemption timer expired"),
    E(INVVPID, exit_vmx_insn, "INVVPID"),
    E(WBINVD, exit_invd, "WBINVD"),
    E(XSETBV, exit_xsetbv, "XSETBV"),
    E(APIC_WRITE, exit_apic_write, "APIC write"),
    E(RDRAND, NULL, "RDRAND"),
    E(INVPCID, NULL, "INVPCID"),
    E(VMFUNC, exit_vmx_insn, "VMFUNC"),
    E(ENCLS, NULL, "ENCLS"),
    E(RDSEED, NULL, "RDSEED"),
    E(PML_FULL, NULL, "page-modification log full"),
    E(XSAVES, NULL, "XSAVES"),
    E(XRSTORS, NULL, "XRSTORS"),
    E(PCONFIG, NULL, "PCONFIG"),
    E(SPP, NULL, "SPP-related event"),
    E(UMWAIT, NULL, "UMWAIT"),
    E(TPAUSE, NULL, "TPAUSE"),
    E(LOADIWKEY, NULL, "LOADIWKEY"),
    E(ENCLV, NULL, "ENCLV"),
    E(ENQCMD_PASID, NULL, "ENQCMD PASID translation failure"),
    E(ENQCMDS_PASID, NULL, "ENQCMDS PASID translation failure"),
    E(BUS_LOCK, NULL, "bus lock"),
    E(NOTIFY, NULL, "instruction timeout"),
};

#undef E

#define X86_VEC_MC 18

enum exc_exit_kind vmx_exc_exit_kind(uint32_t intr_info)
{
	uint32_t type = intr_info & INTR_INFO_TYPE_MASK;

	if (!(intr_info & INTR_INFO_VALID))
		return EXC_EXIT_OTHER;
	if (type == INTR_TYPE_NMI)
		return EXC_EXIT_NMI;
	if (type == INTR_TYPE_HW_EXC && (intr_info & INTR_INFO_VECTOR_MASK) == X86_VEC_MC)
		return EXC_EXIT_MC;
	return EXC_EXIT_OTHER;
}

struct exit_entry vmx_exit_lookup(uint32_t reason)
{
	struct exit_entry e = {.handle = exit_unexpected, .name = "unknown exit"};

	if (reason >= VMX_EXIT_REASON_MAX)
		return e;
	if (exit_table[reason].name)
		e.name = exit_table[reason].name;
	if (exit_table[reason].handle)
		e.handle = exit_table[reason].handle;
	return e;
}
