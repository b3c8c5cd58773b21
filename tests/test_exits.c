/*
 * test_exits.c - unit tests of the VM-exit table (vmx/exit_table.c):
 * every basic exit reason of SDM Appendix C has a name; reasons without a
 * handler and reasons beyond the table go to exit_unexpected; the handled
 * reasons go to their handlers.  The handlers are stubs here.
 */
#include <string.h>

#include "test.h"
#include "vmx/exits.h"
#include "vmx/vmcs_fields.h"

#define STUB(fn)                                                                                   \
	enum exit_action fn(struct vcpu *vcpu, const struct exit_info *e)                          \
	{                                                                                          \
		(void)vcpu;                                                                        \
		(void)e;                                                                           \
		return EXIT_RESUME;                                                                \
	}
STUB(exit_unexpected)
STUB(exit_nmi_exception)
STUB(exit_external_intr)
STUB(exit_triple_fault)
STUB(exit_preempt_timer)
STUB(exit_window)
STUB(exit_cpuid)
STUB(exit_hlt)
STUB(exit_invd)
STUB(exit_vmcall)
STUB(exit_vmx_insn)
STUB(exit_cr_access)
STUB(exit_io)
STUB(exit_rdmsr)
STUB(exit_wrmsr)
STUB(exit_ept_violation)
STUB(exit_xsetbv)
STUB(exit_apic_access)
STUB(exit_apic_write)
STUB(exit_virtual_eoi)
STUB(exit_rdpmc)
STUB(exit_monitor_mwait)
STUB(exit_machine_check)

/* Numbers Appendix C leaves unassigned. */
static bool reserved_reason(uint32_t r)
{
	return r == 35 || r == 38 || r == 42 || r == 71;
}

static void test_every_reason_named(void)
{
	for (uint32_t r = 0; r < VMX_EXIT_REASON_MAX; r++) {
		struct exit_entry e = vmx_exit_lookup(r);

		CHECK(e.handle != NULL);
		CHECK(e.name != NULL && e.name[0]);
		if (!reserved_reason(r) && strcmp(e.name, "unknown exit") == 0)
			CHECK_EQ(r, ~0u); /* names the reason without a name */
	}
}

static void test_unknown_is_unexpected(void)
{
	static const uint32_t unknown[] = {35, 38, 42, 71, VMX_EXIT_REASON_MAX, 0xffff, 0xffffffff};

	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		CHECK(vmx_exit_lookup(unknown[i]).handle == exit_unexpected);
	/* known reasons this hypervisor never enables are contained too */
	CHECK(vmx_exit_lookup(VMX_EXIT_TASK_SWITCH).handle == exit_unexpected);
	CHECK(vmx_exit_lookup(VMX_EXIT_INIT).handle == exit_unexpected);
	CHECK(vmx_exit_lookup(VMX_EXIT_EPT_MISCONFIG).handle == exit_unexpected);
	CHECK_STREQ(vmx_exit_lookup(VMX_EXIT_EPT_MISCONFIG).name, "EPT misconfiguration");
}

static void test_handled_reasons(void)
{
	CHECK(vmx_exit_lookup(VMX_EXIT_CPUID).handle == exit_cpuid);
	CHECK(vmx_exit_lookup(VMX_EXIT_IO).handle == exit_io);
	CHECK(vmx_exit_lookup(VMX_EXIT_RDMSR).handle == exit_rdmsr);
	CHECK(vmx_exit_lookup(VMX_EXIT_WRMSR).handle == exit_wrmsr);
	CHECK(vmx_exit_lookup(VMX_EXIT_CR_ACCESS).handle == exit_cr_access);
	CHECK(vmx_exit_lookup(VMX_EXIT_XSETBV).handle == exit_xsetbv);
	CHECK(vmx_exit_lookup(VMX_EXIT_APIC_ACCESS).handle == exit_apic_access);
	CHECK(vmx_exit_lookup(VMX_EXIT_APIC_WRITE).handle == exit_apic_write);
	CHECK(vmx_exit_lookup(VMX_EXIT_VIRTUALIZED_EOI).handle == exit_virtual_eoi);
	CHECK(vmx_exit_lookup(VMX_EXIT_HLT).handle == exit_hlt);
	CHECK(vmx_exit_lookup(VMX_EXIT_VMCALL).handle == exit_vmcall);
	CHECK(vmx_exit_lookup(VMX_EXIT_TRIPLE_FAULT).handle == exit_triple_fault);
	CHECK(vmx_exit_lookup(VMX_EXIT_PREEMPT_TIMER).handle == exit_preempt_timer);
	CHECK(vmx_exit_lookup(VMX_EXIT_EPT_VIOLATION).handle == exit_ept_violation);
	CHECK(vmx_exit_lookup(VMX_EXIT_EXTERNAL_INTR).handle == exit_external_intr);
	CHECK(vmx_exit_lookup(VMX_EXIT_INTR_WINDOW).handle == exit_window);
	CHECK(vmx_exit_lookup(VMX_EXIT_NMI_WINDOW).handle == exit_window);
	CHECK(vmx_exit_lookup(VMX_EXIT_INVD).handle == exit_invd);
	CHECK(vmx_exit_lookup(VMX_EXIT_WBINVD).handle == exit_invd);
	/* every VMX instruction #UDs */
	for (uint32_t r = VMX_EXIT_VMCLEAR; r <= VMX_EXIT_VMXON; r++)
		CHECK(vmx_exit_lookup(r).handle == exit_vmx_insn);
	CHECK(vmx_exit_lookup(VMX_EXIT_INVEPT).handle == exit_vmx_insn);
	CHECK(vmx_exit_lookup(VMX_EXIT_INVVPID).handle == exit_vmx_insn);
	CHECK(vmx_exit_lookup(VMX_EXIT_VMFUNC).handle == exit_vmx_insn);
	/* no PMU, no MONITOR in the guest's CPUID: #GP and #UD */
	CHECK(vmx_exit_lookup(VMX_EXIT_RDPMC).handle == exit_rdpmc);
	CHECK(vmx_exit_lookup(VMX_EXIT_MONITOR).handle == exit_monitor_mwait);
	CHECK(vmx_exit_lookup(VMX_EXIT_MWAIT).handle == exit_monitor_mwait);
	/* a machine check during VM entry stops the guest, like one in it */
	CHECK(vmx_exit_lookup(VMX_EXIT_ENTRY_FAIL_MCE).handle == exit_machine_check);
}

/* Reason 0's interruption information (SDM Vol. 3C 28.2.2): valid bit 31,
 * type 10:8, vector 7:0. */
static void test_exception_kind(void)
{
	CHECK_EQ(VMX_EXCEPTION_BITMAP, 1u << 18); /* #MC and nothing else */
	CHECK_EQ(vmx_exc_exit_kind(INTR_INFO_VALID | INTR_TYPE_NMI | 2), EXC_EXIT_NMI);
	CHECK_EQ(vmx_exc_exit_kind(INTR_INFO_VALID | INTR_TYPE_HW_EXC | 18), EXC_EXIT_MC);
	/* INT 18 in software is not a machine check */
	CHECK_EQ(vmx_exc_exit_kind(INTR_INFO_VALID | INTR_TYPE_SW_INTR | 18), EXC_EXIT_OTHER);
	CHECK_EQ(vmx_exc_exit_kind(INTR_INFO_VALID | INTR_TYPE_HW_EXC | 13), EXC_EXIT_OTHER);
	CHECK_EQ(vmx_exc_exit_kind(INTR_INFO_VALID | INTR_TYPE_HW_EXC | INTR_INFO_DELIVER_EC | 14),
		 EXC_EXIT_OTHER);
	/* no valid information: neither */
	CHECK_EQ(vmx_exc_exit_kind(INTR_TYPE_HW_EXC | 18), EXC_EXIT_OTHER);
	CHECK_EQ(vmx_exc_exit_kind(0), EXC_EXIT_OTHER);
}

int main(void)
{
	RUN(test_every_reason_named);
	RUN(test_unknown_is_unexpected);
	RUN(test_handled_reasons);
	RUN(test_exception_kind);
	return test_summary();
}
