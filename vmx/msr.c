/*
 * msr.c - RDMSR/WRMSR exits: the MSRs the bitmap (vmx/bitmap.c) does not
 * pass through.  A few identification and cache-control MSRs guests read
 * at boot are emulated with fixed, harmless values; every other access
 * gets #GP, as on a CPU without that MSR.  The local APIC's MSRs
 * (IA32_APIC_BASE, IA32_TSC_DEADLINE, x2APIC 0x800-0x8ff) go to the
 * guest's vLAPIC (core/vplatform.c).  No guest write here reaches a
 * physical MSR, so a guest never changes host-affecting state.
 */
#include <hv/guest.h>
#include <hv/vplatform.h>
#include <arch/msr.h>
#include "vmx/exits.h"

#define MSR_IA32_PLATFORM_ID	 0x00000017
#define MSR_IA32_BIOS_SIGN_ID	 0x0000008b
#define MSR_IA32_MTRRCAP	 0x000000fe
#define MSR_IA32_MISC_ENABLE	 0x000001a0
#define MSR_IA32_MTRR_DEF_TYPE	 0x000002ff
#define MISC_ENABLE_FAST_STRINGS BIT(0)
#define MTRR_DEF_TYPE_E		 BIT(11)
#define MTRR_TYPE_WB		 6

/* The value a read of msr returns; false for #GP. */
static bool msr_emulated_read(uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case MSR_IA32_FEATURE_CONTROL: /* locked, VMX off: no nested VT-x */
		*val = FEATURE_CONTROL_LOCKED;
		return true;
	case MSR_IA32_PLATFORM_ID:
	case MSR_IA32_BIOS_SIGN_ID:
	case MSR_IA32_MTRRCAP: /* no variable or fixed MTRRs to program */
		*val = 0;
		return true;
	case MSR_IA32_MTRR_DEF_TYPE: /* all memory write-back (EPT decides) */
		*val = MTRR_DEF_TYPE_E | MTRR_TYPE_WB;
		return true;
	case MSR_IA32_MISC_ENABLE:
		*val = MISC_ENABLE_FAST_STRINGS;
		return true;
	default:
		return false;
	}
}

/* Writes accepted and dropped: the same value the read returns. */
static bool msr_emulated_write(uint32_t msr, uint64_t val)
{
	uint64_t cur;

	switch (msr) {
	case MSR_IA32_BIOS_SIGN_ID: /* "load microcode": nothing to load */
		return true;
	case MSR_IA32_MTRR_DEF_TYPE:
	case MSR_IA32_MISC_ENABLE:
		return msr_emulated_read(msr, &cur) && cur == val;
	default:
		return false;
	}
}

enum exit_action exit_rdmsr(struct vcpu *vcpu, const struct exit_info *e)
{
	uint64_t *gpr = vcpu->arch.gpr;
	uint64_t val;

	(void)e;
	switch (vplatform_msr(vcpu, (uint32_t)gpr[VCPU_REG_RCX], false, &val)) {
	case VPLATFORM_MSR_GP:
		vcpu_inject_gp(vcpu);
		return EXIT_RESUME;
	case VPLATFORM_MSR_OK:
		break;
	case VPLATFORM_MSR_NONE:
	default:
		if (msr_emulated_read((uint32_t)gpr[VCPU_REG_RCX], &val))
			break;
		vcpu_inject_gp(vcpu);
		return EXIT_RESUME;
	}
	gpr[VCPU_REG_RAX] = (uint32_t)val;
	gpr[VCPU_REG_RDX] = val >> 32;
	return EXIT_SKIP;
}

enum exit_action exit_wrmsr(struct vcpu *vcpu, const struct exit_info *e)
{
	uint64_t *gpr = vcpu->arch.gpr;
	uint64_t val = (gpr[VCPU_REG_RDX] << 32) | (uint32_t)gpr[VCPU_REG_RAX];

	(void)e;
	switch (vplatform_msr(vcpu, (uint32_t)gpr[VCPU_REG_RCX], true, &val)) {
	case VPLATFORM_MSR_OK:
		return EXIT_SKIP;
	case VPLATFORM_MSR_GP:
		vcpu_inject_gp(vcpu);
		return EXIT_RESUME;
	case VPLATFORM_MSR_NONE:
	default:
		break;
	}
	if (!msr_emulated_write((uint32_t)gpr[VCPU_REG_RCX], val)) {
		vcpu_inject_gp(vcpu);
		return EXIT_RESUME;
	}
	return EXIT_SKIP;
}
