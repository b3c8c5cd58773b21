/*
 * test_vmcs.c - unit tests of the VMCS vocabulary (vmx/vmcs_fields.h,
 * vmx/vmcs_names.c), the accessors' width rules (vmx/vmcs.h) and control
 * negotiation (vmx/vmx_ctrl.c) with capability MSR values of real CPUs.
 *
 * Compile with -DTEST_VMCS_WIDTH_REJECT to see the accessors refuse a field
 * of the wrong width: the build must then fail with a message naming it.
 */
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_ctrl.h"

#ifdef TEST_VMCS_WIDTH_REJECT
uint32_t must_not_compile(void);
uint32_t must_not_compile(void)
{
	return vmcs_read32(VMCS_GUEST_RIP);
}
#endif

/* Bochs 2.7, cpu: model=corei7_skylake_x (docs/test-environment.md) for
 * BASIC, PROCBASED_CTLS2 and EPT_VPID_CAP; the other words are those of a
 * Skylake desktop part (TRUE_* variants, since BASIC bit 55 is set). */
static const struct vmx_cap_msrs skylake = {
    .basic = 0x00D810000000002BULL,
    .pin = 0x0000007f00000016ULL,
    .proc = 0xfff9fffe04006172ULL,
    .proc2 = 0x02177fff00000000ULL,
    .exit = 0x01ffffff00036dfbULL,
    .entry = 0x0003ffff000011fbULL,
    .ept_vpid = 0x00000F0106334141ULL,
};

/* Every field's width and type bits agree with the class its name says. */
static void test_field_encodings(void)
{
	uint32_t n = vmcs_field_count(), dups = 0;

	CHECK(n > 150);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t f = vmcs_field_at(i);
		const char *name = vmcs_field_name(f);
		unsigned type = VMCS_FIELD_TYPE(f);

		CHECK((f & ~(uint32_t)0x6ffe) == 0); /* no reserved bits, full access */
		if (!strncmp(name, "CTRL_", 5))
			CHECK_EQ(type, VMCS_TYPE_CTRL);
		else if (!strncmp(name, "RO_", 3))
			CHECK_EQ(type, VMCS_TYPE_RO);
		else if (!strncmp(name, "GUEST_", 6))
			CHECK_EQ(type, VMCS_TYPE_GUEST);
		else
			CHECK_EQ(type, VMCS_TYPE_HOST);
		for (uint32_t j = 0; j < i; j++)
			dups += vmcs_field_at(j) == f;
	}
	CHECK_EQ(dups, 0);
	CHECK_EQ(vmcs_field_at(n), 0);
}

static void test_field_widths(void)
{
	CHECK(VMCS_IS_16(VMCS_CTRL_VPID));
	CHECK(VMCS_IS_16(VMCS_GUEST_CS_SEL));
	CHECK(VMCS_IS_16(VMCS_HOST_TR_SEL));
	CHECK(VMCS_IS_64(VMCS_CTRL_EPTP));
	CHECK(VMCS_IS_64(VMCS_GUEST_EFER));
	CHECK(VMCS_IS_64(VMCS_RO_GUEST_PHYS_ADDR));
	CHECK(!VMCS_IS_64(VMCS_GUEST_EFER | VMCS_ENC_HIGH));
	CHECK(VMCS_IS_32(VMCS_GUEST_EFER | VMCS_ENC_HIGH)); /* upper half of a 64-bit field */
	CHECK(VMCS_IS_32(VMCS_CTRL_PROC_BASED2));
	CHECK(VMCS_IS_32(VMCS_RO_EXIT_REASON));
	CHECK(VMCS_IS_32(VMCS_GUEST_CS_AR));
	CHECK(!VMCS_IS_32(VMCS_GUEST_RIP));
	CHECK(VMCS_IS_NATURAL(VMCS_GUEST_RIP));
	CHECK(VMCS_IS_NATURAL(VMCS_HOST_RIP));
	CHECK(VMCS_IS_NATURAL(VMCS_RO_EXIT_QUALIFICATION));
	CHECK(VMCS_IS_NATURAL(VMCS_CTRL_CR0_MASK));
	CHECK(!VMCS_IS_NATURAL(VMCS_GUEST_PAT));
}

static void test_names(void)
{
	CHECK_STREQ(vmcs_field_name(VMCS_GUEST_RIP), "GUEST_RIP");
	CHECK_STREQ(vmcs_field_name(VMCS_CTRL_EPTP | VMCS_ENC_HIGH), "CTRL_EPTP");
	CHECK_STREQ(vmcs_field_name(0x7fff), "unknown");
	CHECK_STREQ(vmx_exit_reason_name(VMX_EXIT_EPT_VIOLATION), "EPT_VIOLATION");
	CHECK_STREQ(vmx_exit_reason_name(0), "EXCEPTION_NMI");
	CHECK_STREQ(vmx_exit_reason_name(35), "unknown"); /* unused number */
	CHECK_STREQ(vmx_exit_reason_name(1000), "unknown");
	CHECK_STREQ(vmx_insn_error_text(7), "VM entry with invalid control field(s)");
	CHECK_STREQ(vmx_insn_error_text(12), "VMREAD/VMWRITE from/to unsupported VMCS component");
	CHECK_STREQ(vmx_insn_error_text(14), "unknown");
	CHECK_STREQ(vmx_insn_error_text(0), "unknown");
	CHECK_STREQ(vmx_insn_error_text(99), "unknown");
	for (uint32_t r = 0; r < VMX_EXIT_REASON_MAX; r++)
		CHECK(vmx_exit_reason_name(r) != NULL);
}

static void test_negotiate_one(void)
{
	uint32_t out, missing;

	/* allowed-0 bits 1,2,4 forced on; allowed-1 permits 0..6 */
	CHECK_EQ(vmx_ctrl_negotiate(0x0000007f00000016ULL, BIT(0) | BIT(3), BIT(6) | BIT(7), &out,
				    &missing),
		 0);
	CHECK_EQ(out, 0x16 | BIT(0) | BIT(3) | BIT(6));
	CHECK_EQ(missing, 0);
	/* bit 7 required but not allowed */
	CHECK_EQ(vmx_ctrl_negotiate(0x0000007f00000016ULL, BIT(7), 0, &out, &missing),
		 -VMX_CTRL_EMISSING);
	CHECK_EQ(missing, BIT(7));
	/* a must-be-1 bit that may not be 1 */
	CHECK_EQ(vmx_ctrl_negotiate(0x0000000100000002ULL, 0, 0, &out, &missing),
		 -VMX_CTRL_EBADCAP);
}

static void test_cap_msr_choice(void)
{
	CHECK_EQ(vmx_ctrl_cap_msr(skylake.basic, VMX_CTRL_PIN), 0x48d);
	CHECK_EQ(vmx_ctrl_cap_msr(skylake.basic, VMX_CTRL_PROC), 0x48e);
	CHECK_EQ(vmx_ctrl_cap_msr(skylake.basic, VMX_CTRL_PROC2), 0x48b);
	CHECK_EQ(vmx_ctrl_cap_msr(skylake.basic, VMX_CTRL_EXIT), 0x48f);
	CHECK_EQ(vmx_ctrl_cap_msr(skylake.basic, VMX_CTRL_ENTRY), 0x490);
	CHECK_EQ(vmx_ctrl_cap_msr(0x2b, VMX_CTRL_PROC), 0x482);
	CHECK_EQ(vmx_ctrl_cap_msr(0x2b, VMX_CTRL_ENTRY), 0x484);
}

static void test_negotiate_skylake(void)
{
	struct vmx_ctrls c;
	char err[256];

	CHECK_EQ(vmx_ctrl_negotiate_all(&skylake, &c, err, sizeof(err)), 0);
	CHECK_STREQ(err, "");
	CHECK_EQ(c.pin, 0x16 | PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS |
			    PIN_PREEMPT_TIMER);
	/* posted interrupts not offered by this CPU: dropped without error */
	CHECK(!(c.pin & PIN_POSTED_INTR));
	CHECK(c.proc & PROC_HLT_EXITING && c.proc & PROC_IO_BITMAPS && c.proc & PROC_MSR_BITMAPS);
	CHECK(c.proc & PROC_SECONDARY_CONTROLS && c.proc & PROC_TPR_SHADOW);
	/* TRUE MSRs let CR3 exiting be cleared */
	CHECK(!(c.proc & (PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING)));
	CHECK_EQ(c.forced[VMX_CTRL_PROC], 0);
	/* CR8 exiting keeps the physical TPR the host's */
	CHECK(c.proc & PROC_CR8_LOAD_EXITING && c.proc & PROC_CR8_STORE_EXITING);
	/* no PMU and no MONITOR in the guest's CPUID: the instructions exit */
	CHECK(c.proc & PROC_RDPMC_EXITING && c.proc & PROC_MONITOR_EXITING &&
	      c.proc & PROC_MWAIT_EXITING);
	CHECK_EQ(c.proc2, PROC2_EPT | PROC2_UNRESTRICTED_GUEST | PROC2_RDTSCP | PROC2_INVPCID |
			      PROC2_XSAVES | PROC2_VPID | PROC2_WBINVD_EXITING |
			      PROC2_VIRT_APIC_ACCESSES | PROC2_VIRT_X2APIC_MODE |
			      PROC2_APIC_REG_VIRT | PROC2_VIRT_INTR_DELIVERY);
	CHECK(c.exit & EXIT_HOST_ADDR_SPACE_SIZE && c.exit & EXIT_LOAD_EFER &&
	      c.exit & EXIT_ACK_INTR_ON_EXIT && c.exit & EXIT_SAVE_PREEMPT_TIMER);
	CHECK(c.entry & ENTRY_LOAD_EFER && c.entry & ENTRY_LOAD_PAT);
	CHECK(!(c.entry & ENTRY_IA32E_MODE_GUEST));
	CHECK_EQ(c.entry_per_vcpu, ENTRY_IA32E_MODE_GUEST);
	CHECK(c.has_ept_2m && c.has_ept_1g && c.has_ept_ad);
	CHECK(c.has_invept_single && c.has_invvpid_single);
}

/* APIC virtualization: all four pieces or none; CR8 exits only without. */
static void test_choose_apicv(void)
{
	struct vmx_cap_msrs caps = skylake;
	struct vmx_ctrls c;
	char err[256];

	CHECK_EQ(vmx_ctrl_negotiate_all(&caps, &c, err, sizeof(err)), 0);
	vmx_ctrl_choose_apicv(&c, &caps, true);
	CHECK(c.apicv);
	CHECK(c.proc & PROC_TPR_SHADOW);
	CHECK(!(c.proc & (PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING)));
	CHECK_EQ(c.proc2 & (PROC2_VIRT_APIC_ACCESSES | PROC2_APIC_REG_VIRT |
			    PROC2_VIRT_INTR_DELIVERY | PROC2_VIRT_X2APIC_MODE),
		 PROC2_VIRT_APIC_ACCESSES | PROC2_APIC_REG_VIRT | PROC2_VIRT_INTR_DELIVERY);

	/* not wanted (apicv=off): everything off, CR8 keeps exiting */
	CHECK_EQ(vmx_ctrl_negotiate_all(&caps, &c, err, sizeof(err)), 0);
	vmx_ctrl_choose_apicv(&c, &caps, false);
	CHECK(!c.apicv);
	CHECK(!(c.proc & PROC_TPR_SHADOW));
	CHECK(c.proc & PROC_CR8_LOAD_EXITING && c.proc & PROC_CR8_STORE_EXITING);
	CHECK(!(c.proc2 & (PROC2_VIRT_APIC_ACCESSES | PROC2_APIC_REG_VIRT |
			   PROC2_VIRT_INTR_DELIVERY | PROC2_VIRT_X2APIC_MODE)));

	/* a CPU without virtual-interrupt delivery: not used at all */
	caps.proc2 &= ~((uint64_t)PROC2_VIRT_INTR_DELIVERY << 32);
	CHECK_EQ(vmx_ctrl_negotiate_all(&caps, &c, err, sizeof(err)), 0);
	vmx_ctrl_choose_apicv(&c, &caps, true);
	CHECK(!c.apicv);
	CHECK(!(c.proc2 & (PROC2_VIRT_APIC_ACCESSES | PROC2_APIC_REG_VIRT)));
	CHECK(c.proc & PROC_CR8_LOAD_EXITING);
}

/* Without TRUE MSRs the CR3 exits are default-1: negotiated on, reported. */
static void test_negotiate_default1(void)
{
	struct vmx_cap_msrs caps = skylake;
	struct vmx_ctrls c;
	char err[256];

	caps.basic &= ~VMX_BASIC_TRUE_CTLS;
	caps.proc = 0xfff9fffe0401e172ULL;
	CHECK_EQ(vmx_ctrl_negotiate_all(&caps, &c, err, sizeof(err)), 0);
	CHECK_EQ(c.forced[VMX_CTRL_PROC], PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING);
	CHECK(c.proc & PROC_CR3_LOAD_EXITING);
}

static void test_negotiate_missing(void)
{
	struct vmx_cap_msrs caps = skylake;
	struct vmx_ctrls c;
	char err[256];

	caps.proc2 &= ~((uint64_t)(PROC2_EPT | PROC2_UNRESTRICTED_GUEST) << 32);
	caps.exit &= ~((uint64_t)EXIT_LOAD_EFER << 32);
	CHECK_EQ(vmx_ctrl_negotiate_all(&caps, &c, err, sizeof(err)), -VMX_CTRL_EMISSING);
	CHECK_STREQ(err, "secondary processor-based controls: EPT, unrestricted guest; "
			 "VM-exit controls: load IA32_EFER");

	/* a CPU that cannot make RDPMC, MONITOR and MWAIT exit is named */
	caps = skylake;
	caps.proc &=
	    ~((uint64_t)(PROC_RDPMC_EXITING | PROC_MONITOR_EXITING | PROC_MWAIT_EXITING) << 32);
	CHECK_EQ(vmx_ctrl_negotiate_all(&caps, &c, err, sizeof(err)), -VMX_CTRL_EMISSING);
	CHECK_STREQ(err, "primary processor-based controls: MWAIT exiting, RDPMC exiting, "
			 "MONITOR exiting");

	/* dependencies: no TPR shadow -> no APIC virtualization -> no posted interrupts */
	caps = skylake;
	caps.pin |= (uint64_t)PIN_POSTED_INTR << 32;
	CHECK_EQ(vmx_ctrl_negotiate_all(&caps, &c, err, sizeof(err)), 0);
	CHECK(c.pin & PIN_POSTED_INTR);
	caps.proc &= ~((uint64_t)PROC_TPR_SHADOW << 32);
	CHECK_EQ(vmx_ctrl_negotiate_all(&caps, &c, err, sizeof(err)), 0);
	CHECK(!(c.pin & PIN_POSTED_INTR));
	CHECK(!(c.proc2 & (PROC2_VIRT_INTR_DELIVERY | PROC2_VIRT_X2APIC_MODE)));

	/* EPT without INVEPT and WB tables */
	caps = skylake;
	caps.ept_vpid &= ~(VMX_EPT_INVEPT | VMX_EPT_MT_WB | VMX_VPID_INVVPID);
	CHECK_EQ(vmx_ctrl_negotiate_all(&caps, &c, err, sizeof(err)), -VMX_CTRL_EMISSING);
	CHECK_STREQ(err, "EPT: write-back EPT structures, INVEPT");
	CHECK(!(c.proc2 & PROC2_VPID)); /* no INVVPID: VPID dropped */

	/* a tiny buffer is truncated, terminated, never overrun */
	caps.proc2 = 0;
	CHECK_EQ(vmx_ctrl_negotiate_all(&caps, &c, err, 12), -VMX_CTRL_EMISSING);
	CHECK_EQ(strlen(err), 11);
	CHECK_EQ(vmx_ctrl_negotiate_all(&caps, &c, NULL, 0), -VMX_CTRL_EMISSING);

	/* a capability MSR that contradicts itself is named */
	caps = skylake;
	caps.exit |= BIT(31); /* bit 31 must be 1 but may not be 1 */
	CHECK_EQ(vmx_ctrl_negotiate_all(&caps, &c, err, sizeof(err)), -VMX_CTRL_EBADCAP);
	CHECK_STREQ(err, "VM-exit controls: inconsistent capability MSR 0x1ffffff80036dfb");
}

int main(void)
{
	RUN(test_field_encodings);
	RUN(test_field_widths);
	RUN(test_names);
	RUN(test_negotiate_one);
	RUN(test_cap_msr_choice);
	RUN(test_negotiate_skylake);
	RUN(test_negotiate_default1);
	RUN(test_choose_apicv);
	RUN(test_negotiate_missing);
	return test_summary();
}
