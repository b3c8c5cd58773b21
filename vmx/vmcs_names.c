/*
 * vmcs_names.c - names for VMCS fields, exit reasons and VM-instruction
 * errors, so that every failure message names what went wrong instead of
 * printing a bare number.  Pure tables; unit-tested on the host.
 */
#include "vmx/vmcs_fields.h"

struct vmcs_field_desc {
	uint32_t field;
	const char *name;
};

/* The name is the macro's own spelling, so the table cannot drift from the
 * encodings in vmcs_fields.h. */
#define F(x)                                                                                       \
	{                                                                                          \
		.field = (x), .name = #x                                                           \
	}

static const struct vmcs_field_desc vmcs_fields[] = {
    F(VMCS_CTRL_VPID),
    F(VMCS_CTRL_POSTED_INTR_VECTOR),
    F(VMCS_CTRL_EPTP_INDEX),
    F(VMCS_CTRL_IO_BITMAP_A),
    F(VMCS_CTRL_IO_BITMAP_B),
    F(VMCS_CTRL_MSR_BITMAP),
    F(VMCS_CTRL_EXIT_MSR_STORE_ADDR),
    F(VMCS_CTRL_EXIT_MSR_LOAD_ADDR),
    F(VMCS_CTRL_ENTRY_MSR_LOAD_ADDR),
    F(VMCS_CTRL_EXECUTIVE_VMCS_PTR),
    F(VMCS_CTRL_PML_ADDR),
    F(VMCS_CTRL_TSC_OFFSET),
    F(VMCS_CTRL_VIRTUAL_APIC_ADDR),
    F(VMCS_CTRL_APIC_ACCESS_ADDR),
    F(VMCS_CTRL_POSTED_INTR_DESC_ADDR),
    F(VMCS_CTRL_VMFUNC_CONTROLS),
    F(VMCS_CTRL_EPTP),
    F(VMCS_CTRL_EOI_EXIT_BITMAP0),
    F(VMCS_CTRL_EOI_EXIT_BITMAP1),
    F(VMCS_CTRL_EOI_EXIT_BITMAP2),
    F(VMCS_CTRL_EOI_EXIT_BITMAP3),
    F(VMCS_CTRL_EPTP_LIST_ADDR),
    F(VMCS_CTRL_VMREAD_BITMAP),
    F(VMCS_CTRL_VMWRITE_BITMAP),
    F(VMCS_CTRL_VE_INFO_ADDR),
    F(VMCS_CTRL_XSS_EXIT_BITMAP),
    F(VMCS_CTRL_ENCLS_EXIT_BITMAP),
    F(VMCS_CTRL_TSC_MULTIPLIER),
    F(VMCS_CTRL_PROC_BASED3),
    F(VMCS_CTRL_PIN_BASED),
    F(VMCS_CTRL_PROC_BASED),
    F(VMCS_CTRL_EXCEPTION_BITMAP),
    F(VMCS_CTRL_PF_ERROR_MASK),
    F(VMCS_CTRL_PF_ERROR_MATCH),
    F(VMCS_CTRL_CR3_TARGET_COUNT),
    F(VMCS_CTRL_EXIT_CONTROLS),
    F(VMCS_CTRL_EXIT_MSR_STORE_COUNT),
    F(VMCS_CTRL_EXIT_MSR_LOAD_COUNT),
    F(VMCS_CTRL_ENTRY_CONTROLS),
    F(VMCS_CTRL_ENTRY_MSR_LOAD_COUNT),
    F(VMCS_CTRL_ENTRY_INTR_INFO),
    F(VMCS_CTRL_ENTRY_EXCEPTION_ERRCODE),
    F(VMCS_CTRL_ENTRY_INSN_LEN),
    F(VMCS_CTRL_TPR_THRESHOLD),
    F(VMCS_CTRL_PROC_BASED2),
    F(VMCS_CTRL_PLE_GAP),
    F(VMCS_CTRL_PLE_WINDOW),
    F(VMCS_CTRL_CR0_MASK),
    F(VMCS_CTRL_CR4_MASK),
    F(VMCS_CTRL_CR0_READ_SHADOW),
    F(VMCS_CTRL_CR4_READ_SHADOW),
    F(VMCS_CTRL_CR3_TARGET0),
    F(VMCS_CTRL_CR3_TARGET1),
    F(VMCS_CTRL_CR3_TARGET2),
    F(VMCS_CTRL_CR3_TARGET3),
    F(VMCS_RO_GUEST_PHYS_ADDR),
    F(VMCS_RO_VM_INSN_ERROR),
    F(VMCS_RO_EXIT_REASON),
    F(VMCS_RO_EXIT_INTR_INFO),
    F(VMCS_RO_EXIT_INTR_ERRCODE),
    F(VMCS_RO_IDT_VECTORING_INFO),
    F(VMCS_RO_IDT_VECTORING_ERRCODE),
    F(VMCS_RO_EXIT_INSN_LEN),
    F(VMCS_RO_EXIT_INSN_INFO),
    F(VMCS_RO_EXIT_QUALIFICATION),
    F(VMCS_RO_IO_RCX),
    F(VMCS_RO_IO_RSI),
    F(VMCS_RO_IO_RDI),
    F(VMCS_RO_IO_RIP),
    F(VMCS_RO_GUEST_LINEAR_ADDR),
    F(VMCS_GUEST_ES_SEL),
    F(VMCS_GUEST_CS_SEL),
    F(VMCS_GUEST_SS_SEL),
    F(VMCS_GUEST_DS_SEL),
    F(VMCS_GUEST_FS_SEL),
    F(VMCS_GUEST_GS_SEL),
    F(VMCS_GUEST_LDTR_SEL),
    F(VMCS_GUEST_TR_SEL),
    F(VMCS_GUEST_INTR_STATUS),
    F(VMCS_GUEST_PML_INDEX),
    F(VMCS_GUEST_VMCS_LINK_PTR),
    F(VMCS_GUEST_DEBUGCTL),
    F(VMCS_GUEST_PAT),
    F(VMCS_GUEST_EFER),
    F(VMCS_GUEST_PERF_GLOBAL_CTRL),
    F(VMCS_GUEST_PDPTE0),
    F(VMCS_GUEST_PDPTE1),
    F(VMCS_GUEST_PDPTE2),
    F(VMCS_GUEST_PDPTE3),
    F(VMCS_GUEST_BNDCFGS),
    F(VMCS_GUEST_RTIT_CTL),
    F(VMCS_GUEST_PKRS),
    F(VMCS_GUEST_ES_LIMIT),
    F(VMCS_GUEST_CS_LIMIT),
    F(VMCS_GUEST_SS_LIMIT),
    F(VMCS_GUEST_DS_LIMIT),
    F(VMCS_GUEST_FS_LIMIT),
    F(VMCS_GUEST_GS_LIMIT),
    F(VMCS_GUEST_LDTR_LIMIT),
    F(VMCS_GUEST_TR_LIMIT),
    F(VMCS_GUEST_GDTR_LIMIT),
    F(VMCS_GUEST_IDTR_LIMIT),
    F(VMCS_GUEST_ES_AR),
    F(VMCS_GUEST_CS_AR),
    F(VMCS_GUEST_SS_AR),
    F(VMCS_GUEST_DS_AR),
    F(VMCS_GUEST_FS_AR),
    F(VMCS_GUEST_GS_AR),
    F(VMCS_GUEST_LDTR_AR),
    F(VMCS_GUEST_TR_AR),
    F(VMCS_GUEST_INTERRUPTIBILITY),
    F(VMCS_GUEST_ACTIVITY_STATE),
    F(VMCS_GUEST_SMBASE),
    F(VMCS_GUEST_SYSENTER_CS),
    F(VMCS_GUEST_PREEMPT_TIMER),
    F(VMCS_GUEST_CR0),
    F(VMCS_GUEST_CR3),
    F(VMCS_GUEST_CR4),
    F(VMCS_GUEST_ES_BASE),
    F(VMCS_GUEST_CS_BASE),
    F(VMCS_GUEST_SS_BASE),
    F(VMCS_GUEST_DS_BASE),
    F(VMCS_GUEST_FS_BASE),
    F(VMCS_GUEST_GS_BASE),
    F(VMCS_GUEST_LDTR_BASE),
    F(VMCS_GUEST_TR_BASE),
    F(VMCS_GUEST_GDTR_BASE),
    F(VMCS_GUEST_IDTR_BASE),
    F(VMCS_GUEST_DR7),
    F(VMCS_GUEST_RSP),
    F(VMCS_GUEST_RIP),
    F(VMCS_GUEST_RFLAGS),
    F(VMCS_GUEST_PENDING_DBG),
    F(VMCS_GUEST_SYSENTER_ESP),
    F(VMCS_GUEST_SYSENTER_EIP),
    F(VMCS_GUEST_S_CET),
    F(VMCS_GUEST_SSP),
    F(VMCS_GUEST_INTR_SSP_TABLE),
    F(VMCS_HOST_ES_SEL),
    F(VMCS_HOST_CS_SEL),
    F(VMCS_HOST_SS_SEL),
    F(VMCS_HOST_DS_SEL),
    F(VMCS_HOST_FS_SEL),
    F(VMCS_HOST_GS_SEL),
    F(VMCS_HOST_TR_SEL),
    F(VMCS_HOST_PAT),
    F(VMCS_HOST_EFER),
    F(VMCS_HOST_PERF_GLOBAL_CTRL),
    F(VMCS_HOST_PKRS),
    F(VMCS_HOST_SYSENTER_CS),
    F(VMCS_HOST_CR0),
    F(VMCS_HOST_CR3),
    F(VMCS_HOST_CR4),
    F(VMCS_HOST_FS_BASE),
    F(VMCS_HOST_GS_BASE),
    F(VMCS_HOST_TR_BASE),
    F(VMCS_HOST_GDTR_BASE),
    F(VMCS_HOST_IDTR_BASE),
    F(VMCS_HOST_SYSENTER_ESP),
    F(VMCS_HOST_SYSENTER_EIP),
    F(VMCS_HOST_RSP),
    F(VMCS_HOST_RIP),
};

#undef F

uint32_t vmcs_field_count(void)
{
	return ARRAY_SIZE(vmcs_fields);
}

uint32_t vmcs_field_at(uint32_t i)
{
	return i < ARRAY_SIZE(vmcs_fields) ? vmcs_fields[i].field : 0;
}

const char *vmcs_field_name(uint32_t field)
{
	/* A high-access encoding names the same field as its full encoding. */
	uint32_t full = field;

	if (VMCS_FIELD_WIDTH(field) == VMCS_WIDTH_64)
		full &= ~(uint32_t)VMCS_ENC_HIGH;
	for (size_t i = 0; i < ARRAY_SIZE(vmcs_fields); i++)
		if (vmcs_fields[i].field == full)
			return vmcs_fields[i].name + 5; /* drop "VMCS_" */
	return "unknown";
}

#define R(x) [VMX_EXIT_##x] = #x

static const char *const exit_reason_names[VMX_EXIT_REASON_MAX] = {
    R(EXCEPTION_NMI),
    R(EXTERNAL_INTR),
    R(TRIPLE_FAULT),
    R(INIT),
    R(SIPI),
    R(IO_SMI),
    R(OTHER_SMI),
    R(INTR_WINDOW),
    R(NMI_WINDOW),
    R(TASK_SWITCH),
    R(CPUID),
    R(GETSEC),
    R(HLT),
    R(INVD),
    R(INVLPG),
    R(RDPMC),
    R(RDTSC),
    R(RSM),
    R(VMCALL),
    R(VMCLEAR),
    R(VMLAUNCH),
    R(VMPTRLD),
    R(VMPTRST),
    R(VMREAD),
    R(VMRESUME),
    R(VMWRITE),
    R(VMXOFF),
    R(VMXON),
    R(CR_ACCESS),
    R(DR_ACCESS),
    R(IO),
    R(RDMSR),
    R(WRMSR),
    R(ENTRY_FAIL_GUEST),
    R(ENTRY_FAIL_MSR_LOAD),
    R(MWAIT),
    R(MONITOR_TRAP_FLAG),
    R(MONITOR),
    R(PAUSE),
    R(ENTRY_FAIL_MCE),
    R(TPR_BELOW_THRESHOLD),
    R(APIC_ACCESS),
    R(VIRTUALIZED_EOI),
    R(GDTR_IDTR),
    R(LDTR_TR),
    R(EPT_VIOLATION),
    R(EPT_MISCONFIG),
    R(INVEPT),
    R(RDTSCP),
    R(PREEMPT_TIMER),
    R(INVVPID),
    R(WBINVD),
    R(XSETBV),
    R(APIC_WRITE),
    R(RDRAND),
    R(INVPCID),
    R(VMFUNC),
    R(ENCLS),
    R(RDSEED),
    R(PML_FULL),
    R(XSAVES),
    R(XRSTORS),
    R(PCONFIG),
    R(SPP),
    R(UMWAIT),
    R(TPAUSE),
    R(LOADIWKEY),
    R(ENCLV),
    R(ENQCMD_PASID),
    R(ENQCMDS_PASID),
    R(BUS_LOCK),
    R(NOTIFY),
};

#undef R

const char *vmx_exit_reason_name(uint32_t basic_reason)
{
	if (basic_reason >= ARRAY_SIZE(exit_reason_names) || !exit_reason_names[basic_reason])
		return "unknown";
	return exit_reason_names[basic_reason];
}

/* The SDM's own wording (Table 31-1), so a message can be looked up there. */
static const char *const insn_error_texts[VMXERR_MAX] = {
    [VMXERR_VMCALL_IN_ROOT] = "VMCALL executed in VMX root operation",
    [VMXERR_VMCLEAR_BAD_ADDR] = "VMCLEAR with invalid physical address",
    [VMXERR_VMCLEAR_VMXON_PTR] = "VMCLEAR with VMXON pointer",
    [VMXERR_VMLAUNCH_NOT_CLEAR] = "VMLAUNCH with non-clear VMCS",
    [VMXERR_VMRESUME_NOT_LAUNCHED] = "VMRESUME with non-launched VMCS",
    [VMXERR_VMRESUME_AFTER_VMXOFF] = "VMRESUME after VMXOFF",
    [VMXERR_ENTRY_BAD_CONTROLS] = "VM entry with invalid control field(s)",
    [VMXERR_ENTRY_BAD_HOST_STATE] = "VM entry with invalid host-state field(s)",
    [VMXERR_VMPTRLD_BAD_ADDR] = "VMPTRLD with invalid physical address",
    [VMXERR_VMPTRLD_VMXON_PTR] = "VMPTRLD with VMXON pointer",
    [VMXERR_VMPTRLD_BAD_REVISION] = "VMPTRLD with incorrect VMCS revision identifier",
    [VMXERR_UNSUPPORTED_FIELD] = "VMREAD/VMWRITE from/to unsupported VMCS component",
    [VMXERR_VMWRITE_READ_ONLY] = "VMWRITE to read-only VMCS component",
    [VMXERR_VMXON_IN_ROOT] = "VMXON executed in VMX root operation",
    [VMXERR_ENTRY_BAD_EXEC_VMCS] = "VM entry with invalid executive-VMCS pointer",
    [VMXERR_ENTRY_EXEC_VMCS_NOT_LAUNCHED] = "VM entry with non-launched executive VMCS",
    [VMXERR_ENTRY_EXEC_VMCS_NOT_VMXON] = "VM entry with executive-VMCS pointer not VMXON pointer",
    [VMXERR_VMCALL_NOT_CLEAR] = "VMCALL with non-clear VMCS",
    [VMXERR_VMCALL_BAD_EXIT_CONTROLS] = "VMCALL with invalid VM-exit control fields",
    [VMXERR_VMCALL_BAD_MSEG_REVISION] = "VMCALL with incorrect MSEG revision identifier",
    [VMXERR_VMXOFF_DUAL_MONITOR] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
    [VMXERR_VMCALL_BAD_SMM_FEATURES] = "VMCALL with invalid SMM-monitor features",
    [VMXERR_ENTRY_BAD_EXEC_CONTROLS_SMM] =
	"VM entry with invalid VM-execution control fields in executive VMCS",
    [VMXERR_ENTRY_MOV_SS_BLOCKING] = "VM entry with events blocked by MOV SS",
    [VMXERR_INVEPT_INVVPID_BAD_OPERAND] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_text(uint32_t error)
{
	if (error >= ARRAY_SIZE(insn_error_texts) || !insn_error_texts[error])
		return "unknown";
	return insn_error_texts[error];
}
