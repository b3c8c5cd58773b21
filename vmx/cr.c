/*
 * cr.c - control-register accesses that exit (SDM 25.6.6, 28.1.3): writes
 * that touch a CR0/CR4 bit the host owns (the VMX fixed bits, CR4.VMXE)
 * and, when the CPU forces them, CR3/CR8 accesses.  The guest's view lives
 * in the read shadows; the real registers keep the fixed bits.
 */
#include <hv/guest.h>
#include <arch/cpu.h>
#include <arch/msr.h>
#include "vmx/cr_check.h"
#include "vmx/exits.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_setup.h"

/* Exit qualification for control-register accesses (SDM Table 28-3) */
#define CRQ_NUM_MASK	GENMASK(3, 0)
#define CRQ_TYPE_SHIFT	4
#define CRQ_TYPE_MASK	GENMASK(5, 4)
#define CRQ_REG_SHIFT	8
#define CRQ_REG_MASK	GENMASK(11, 8)
#define CRQ_LMSW_SHIFT	16
#define CRQ_MOV_TO_CR	0
#define CRQ_MOV_FROM_CR 1
#define CRQ_CLTS	2
#define CRQ_LMSW	3
#define CR0_LMSW_BITS	(CR0_PE | CR0_MP | CR0_EM | CR0_TS)

/* Keep EFER.LMA and the IA-32e entry control in step with CR0.PG
 * (SDM 10.8.5: paging on with EFER.LME set activates IA-32e mode).  The
 * entry control is read back from the VMCS: a guest may turn paging on
 * without an exit, and every VM exit stores IA32_EFER.LMA into the
 * "IA-32e mode guest" control (SDM Vol. 3C chapter 28). */
static void cr0_long_mode(struct vcpu *vcpu, uint64_t old, uint64_t val)
{
	uint64_t efer = vmcs_read64(VMCS_GUEST_EFER);
	uint32_t entry = vmcs_read32(VMCS_CTRL_ENTRY_CONTROLS);

	if (!(old & CR0_PG) && (val & CR0_PG) && (efer & EFER_LME)) {
		efer |= EFER_LMA;
		entry |= ENTRY_IA32E_MODE_GUEST;
	} else if ((old & CR0_PG) && !(val & CR0_PG)) {
		efer &= ~(uint64_t)EFER_LMA;
		entry &= ~(uint32_t)ENTRY_IA32E_MODE_GUEST;
	}
	vmcs_write64(VMCS_GUEST_EFER, efer);
	vmcs_write32(VMCS_CTRL_ENTRY_CONTROLS, entry);
	vcpu->arch.entry_ctls = entry;
}

/* The guest's state the checks of vmx/cr_check.c depend on. */
static struct cr_ctx cr_ctx_read(const struct vcpu *vcpu)
{
	return (struct cr_ctx){
	    .cr0 = vcpu_guest_cr0(vcpu),
	    .cr4 = vcpu_guest_cr4(vcpu),
	    .efer = vmcs_read64(VMCS_GUEST_EFER),
	    .cr3 = vmcs_read_natural(VMCS_GUEST_CR3),
	    .cs_l = (vmcs_read32(VMCS_GUEST_CS_AR) & AR_L) != 0,
	    /* VMX and SMX stay hidden (CPUID.1:ECX, vmx/exits.c); bits the CPU
	     * cannot run with in VMX operation are 0 in CR4_FIXED1 (SDM A.8) */
	    .cr4_reserved = CRC_CR4_VMXE | CRC_CR4_SMXE | ~rdmsr(MSR_IA32_VMX_CR4_FIXED1),
	};
}

static bool cr0_write(struct vcpu *vcpu, uint64_t val)
{
	uint64_t old = vmcs_read_natural(VMCS_GUEST_CR0);
	struct cr_ctx c = cr_ctx_read(vcpu);

	if (!vmx_cr0_valid(&c, val))
		return false;
	cr0_long_mode(vcpu, old, val);
	vmcs_write_natural(VMCS_CTRL_CR0_READ_SHADOW, val);
	vmcs_write_natural(VMCS_GUEST_CR0, vmx_guest_cr0(val));
	return true;
}

static bool cr4_write(const struct vcpu *vcpu, uint64_t val)
{
	struct cr_ctx c = cr_ctx_read(vcpu);

	if (!vmx_cr4_valid(&c, val))
		return false;
	vmcs_write_natural(VMCS_CTRL_CR4_READ_SHADOW, val);
	vmcs_write_natural(VMCS_GUEST_CR4, vmx_guest_cr4(val));
	return true;
}

static enum exit_action mov_to_cr(struct vcpu *vcpu, unsigned cr, uint64_t val)
{
	bool ok;

	switch (cr) {
	case 0:
		ok = cr0_write(vcpu, val);
		break;
	case 3:
		vmcs_write_natural(VMCS_GUEST_CR3, val);
		ok = true;
		break;
	case 4:
		ok = cr4_write(vcpu, val);
		break;
	case 8: /* kept per vCPU: the physical TPR stays the host's */
		ok = val <= 15;
		if (ok)
			vcpu->arch.cr8 = (uint8_t)val;
		break;
	default:
		ok = false;
		break;
	}
	if (!ok) {
		vcpu_inject_gp(vcpu);
		return EXIT_RESUME;
	}
	return EXIT_SKIP;
}

enum exit_action exit_cr_access(struct vcpu *vcpu, const struct exit_info *e)
{
	unsigned cr = e->qual & CRQ_NUM_MASK;
	unsigned type = (unsigned)((e->qual & CRQ_TYPE_MASK) >> CRQ_TYPE_SHIFT);
	unsigned reg = (unsigned)((e->qual & CRQ_REG_MASK) >> CRQ_REG_SHIFT);
	uint64_t *gpr = vcpu->arch.gpr;
	uint64_t val = reg == VCPU_REG_RSP ? vmcs_read_natural(VMCS_GUEST_RSP) : gpr[reg];
	uint64_t cr0 = vcpu_guest_cr0(vcpu);

	switch (type) {
	case CRQ_MOV_TO_CR:
		return mov_to_cr(vcpu, cr, val);
	case CRQ_MOV_FROM_CR:
		val = cr == 3 ? vmcs_read_natural(VMCS_GUEST_CR3) : cr == 8 ? vcpu->arch.cr8 : 0;
		if (reg == VCPU_REG_RSP) /* the guest's RSP lives in the VMCS */
			vmcs_write_natural(VMCS_GUEST_RSP, val);
		else
			gpr[reg] = val;
		return EXIT_SKIP;
	case CRQ_CLTS:
		return mov_to_cr(vcpu, 0, cr0 & ~(uint64_t)CR0_TS);
	case CRQ_LMSW:
		/* LMSW can set PE but never clear it (SDM Vol. 2A LMSW) */
		val = (e->qual >> CRQ_LMSW_SHIFT) & CR0_LMSW_BITS;
		return mov_to_cr(vcpu, 0, (cr0 & ~(uint64_t)(CR0_LMSW_BITS & ~CR0_PE)) | val);
	default:
		return exit_unexpected(vcpu, e);
	}
}
