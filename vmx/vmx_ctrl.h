/*
 * vmx_ctrl.h - VMX control negotiation as data.
 *
 * For every VM-execution, exit and entry control word the hypervisor states
 * the bits it requires and the bits it would like (vmx/vmx_ctrl.c, one line
 * of reason per bit).  These are merged with the capability MSRs (SDM Vol. 3
 * Appendix A.3-A.5): the low half ("allowed-0 settings") lists bits that
 * must be 1, the high half ("allowed-1 settings") bits that may be 1.  When
 * IA32_VMX_BASIC bit 55 is set the TRUE_* MSRs are the ones to read, since
 * they let default-1 bits such as CR3-load exiting be cleared (A.2).
 *
 * Everything here is pure: the caller reads the MSRs and passes the values,
 * so the whole negotiation is unit-tested on the host with real CPUs' values.
 */
#ifndef VMX_VMX_CTRL_H
#define VMX_VMX_CTRL_H

#include <hv/compiler.h>

#define VMX_BASIC_TRUE_CTLS	BIT(55)
#define VMX_BASIC_REVISION_MASK GENMASK(30, 0)
#define VMX_BASIC_MEMTYPE_SHIFT 50
#define VMX_BASIC_MEMTYPE_MASK	GENMASK(53, 50)
#define VMX_BASIC_REGION_SHIFT	32
#define VMX_BASIC_REGION_MASK	GENMASK(44, 32)

/* IA32_VMX_EPT_VPID_CAP (SDM Appendix A.10) */
#define VMX_EPT_EXEC_ONLY	   BIT(0)
#define VMX_EPT_WALK_4		   BIT(6)
#define VMX_EPT_WALK_5		   BIT(7)
#define VMX_EPT_MT_UC		   BIT(8)
#define VMX_EPT_MT_WB		   BIT(14)
#define VMX_EPT_2M		   BIT(16)
#define VMX_EPT_1G		   BIT(17)
#define VMX_EPT_INVEPT		   BIT(20)
#define VMX_EPT_AD		   BIT(21)
#define VMX_EPT_INVEPT_SINGLE	   BIT(25)
#define VMX_EPT_INVEPT_ALL	   BIT(26)
#define VMX_VPID_INVVPID	   BIT(32)
#define VMX_VPID_INVVPID_ADDR	   BIT(40)
#define VMX_VPID_INVVPID_SINGLE	   BIT(41)
#define VMX_VPID_INVVPID_ALL	   BIT(42)
#define VMX_VPID_INVVPID_SINGLE_NG BIT(43)

/* Error codes (negative returns). */
#define VMX_CTRL_EMISSING 1 /* a required control is not allowed to be 1 */
#define VMX_CTRL_EBADCAP  2 /* the MSR contradicts itself (must-be-1 but may-not-be-1) */

enum vmx_ctrl_word {
	VMX_CTRL_PIN,
	VMX_CTRL_PROC,
	VMX_CTRL_PROC2,
	VMX_CTRL_EXIT,
	VMX_CTRL_ENTRY,
	VMX_CTRL_WORDS,
};

/* Raw capability MSR values as read by the caller.  pin/proc/exit/entry
 * come from the MSRs vmx_ctrl_cap_msr() names (TRUE_* when available);
 * proc2 is 0 when the primary controls cannot activate secondary controls,
 * ept_vpid is 0 when neither EPT nor VPID may be enabled. */
struct vmx_cap_msrs {
	uint64_t basic;
	uint64_t pin, proc, proc2, exit, entry;
	uint64_t ept_vpid;
};

/* The negotiated control words, ready for the VMCS.  entry_per_vcpu holds
 * the entry bits each vCPU sets itself (IA-32e mode guest), checked to be
 * allowed but not included in entry. */
struct vmx_ctrls {
	uint32_t pin, proc, proc2, exit, entry;
	uint32_t entry_per_vcpu;
	/* bits the capability forced to 1 although we would rather have 0
	 * (e.g. CR3 exiting without TRUE MSRs), per word, for the log */
	uint32_t forced[VMX_CTRL_WORDS];
	bool has_ept_2m, has_ept_1g, has_ept_ad;
	bool has_invept_single, has_invvpid_single;
	/* the VMX-preemption timer may be used (pin-based bit 6 allowed-1); it
	 * counts down once per 2^preempt_shift TSC ticks (IA32_VMX_MISC[4:0]) */
	bool has_preempt_timer;
	uint8_t preempt_shift;
	/* APIC virtualization is used (vmx_ctrl_choose_apicv) */
	bool apicv;
};

/*
 * vmx_ctrl_negotiate - merge one control word with its capability MSR.
 * *out = allowed-0 bits | (required | optional) & allowed-1 bits.
 * *missing = required bits that allowed-1 does not permit.
 * Returns 0, -VMX_CTRL_EMISSING when *missing != 0 (*out is still filled
 * in), or -VMX_CTRL_EBADCAP when the MSR has a must-be-1 bit that may not
 * be 1.
 */
int vmx_ctrl_negotiate(uint64_t cap_msr, uint32_t required, uint32_t optional, uint32_t *out,
		       uint32_t *missing);

/* The MSR number to read for word w given IA32_VMX_BASIC (TRUE_* when
 * bit 55 is set; PROCBASED_CTLS2 has no TRUE variant). */
uint32_t vmx_ctrl_cap_msr(uint64_t basic, enum vmx_ctrl_word w);

/*
 * vmx_ctrl_negotiate_all - negotiate every word for a partitioning
 * hypervisor, resolve the dependencies between optional controls (an
 * optional control whose prerequisite was dropped is dropped too) and check
 * the EPT/VPID capabilities we rely on (4-level walk, WB tables, INVEPT).
 * Returns 0, or a negative VMX_CTRL_E* code with err naming every missing
 * feature, e.g. "secondary processor-based controls: EPT, unrestricted
 * guest"; err is always terminated (and empty on success) when err_len > 0.
 * *out is filled in even on error, for the log.
 */
int vmx_ctrl_negotiate_all(const struct vmx_cap_msrs *caps, struct vmx_ctrls *out, char *err,
			   size_t err_len);

/* Clear optional bits from a control word unless the CPU forces them
 * (allowed-0 half of cap_msr). */
uint32_t vmx_ctrl_drop(uint32_t word, uint32_t bits, uint64_t cap_msr);

/*
 * vmx_ctrl_choose_apicv - after negotiation: use APIC virtualization when
 * wanted and the CPU has all of TPR shadow, APIC-access virtualization,
 * APIC-register virtualization and virtual-interrupt delivery (SDM 30):
 * c->apicv is set, CR8 exiting and x2APIC-mode virtualization dropped.
 * Otherwise all of them are dropped and CR8 accesses keep exiting.
 */
void vmx_ctrl_choose_apicv(struct vmx_ctrls *c, const struct vmx_cap_msrs *caps, bool want);

/* Name of bit `bit` of control word w ("EPT", "HLT exiting"), or NULL for a
 * bit this file has no name for. */
const char *vmx_ctrl_bit_name(enum vmx_ctrl_word w, unsigned bit);
/* Read the capability MSRs on this CPU (vmx/vmx_ctrl_hw.c; needs CPUID.1:ECX.VMX). */
void vmx_ctrl_read_caps(struct vmx_cap_msrs *caps);

/* Human name of a control word ("pin-based controls"). */
const char *vmx_ctrl_word_name(enum vmx_ctrl_word w);

#endif
