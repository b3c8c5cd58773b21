/*
 * apicv.c - the VM exits and the per-entry step of APIC virtualization
 * (SDM Vol. 3C chapter 30), when vmx_ctrls.apicv is on.
 *
 * Each vCPU's virtual-APIC page is its vLAPIC's register page
 * (include/hv/vdev_lapic.h).  The CPU then reads most LAPIC registers,
 * takes TPR writes and EOIs, and delivers interrupts without exits; what
 * is left arrives here:
 *   - APIC-access exits: a register the CPU does not virtualize (current
 *     count, PPR, reserved ones) or an access it cannot (not a 32-bit
 *     aligned one).  The instruction is emulated as for any MMIO region;
 *   - APIC-write exits: the CPU stored a write to a register with side
 *     effects (ICR, LVT, timer, SVR...) in the page; the model acts on it;
 *   - EOI-induced exits: a level-triggered vector ended, which the
 *     vIOAPIC must see.
 * Before every entry, vcpu_apicv_sync hands the CPU the vectors that
 * arrived meanwhile (RVI) and which EOIs must exit.
 */
#include <hv/guest.h>
#include <hv/printk.h>
#include <hv/vplatform.h>
#include "vmx/exits.h"
#include "vmx/vmcs.h"

/* APIC-access exit qualification (SDM Vol. 3C 28.2.1, table 28-6). */
#define APIC_QUAL_OFFSET     GENMASK(11, 0)
#define APIC_QUAL_TYPE_SHIFT 12
#define APIC_QUAL_TYPE_MASK  0xfu
#define APIC_ACCESS_READ     0 /* linear access for a data read */
#define APIC_ACCESS_WRITE    1 /* linear access for a data write */

/* The accessors want constant field encodings. */
static void write_eoi_exit(unsigned i, uint64_t bits)
{
	switch (i) {
	case 0:
		vmcs_write64(VMCS_CTRL_EOI_EXIT_BITMAP0, bits);
		break;
	case 1:
		vmcs_write64(VMCS_CTRL_EOI_EXIT_BITMAP1, bits);
		break;
	case 2:
		vmcs_write64(VMCS_CTRL_EOI_EXIT_BITMAP2, bits);
		break;
	default:
		vmcs_write64(VMCS_CTRL_EOI_EXIT_BITMAP3, bits);
		break;
	}
}

void vcpu_apicv_sync(struct vcpu *vcpu)
{
	uint64_t bitmap[4];
	uint16_t status = vplatform_apicv_sync(vcpu, bitmap);

	/* The page is the truth: the CPU keeps RVI/SVI equal to its highest
	 * IRR/ISR bits, so rewriting them also hands over new vectors. */
	vmcs_write16(VMCS_GUEST_INTR_STATUS, status);
	for (unsigned i = 0; i < 4; i++) {
		if (bitmap[i] == vcpu->arch.eoi_exit[i])
			continue;
		write_eoi_exit(i, bitmap[i]);
		vcpu->arch.eoi_exit[i] = bitmap[i];
	}
}

/* Why an APIC-access exit is not the instruction's own data access (the
 * access types of SDM Vol. 3C table 28-6), in vmx/mmio.c's words; NULL
 * when it is one. */
static const char *apic_access_not_by_insn(unsigned type)
{
	if (vmcs_read32(VMCS_RO_IDT_VECTORING_INFO) & INTR_INFO_VALID || type == 3 || type == 10)
		return "made while delivering an event (IDT, TSS or stack in the region)";
	if (type != APIC_ACCESS_READ && type != APIC_ACCESS_WRITE)
		return "not made by an instruction's operand (a fetch or page-table walk?)";
	return NULL;
}

/*
 * Only a data read or write by the instruction at RIP is emulated; an
 * access while delivering an event (an IDT or stack placed in the APIC
 * page), an instruction fetch from it or a page-table walk through it
 * stops the guest, as such MMIO accesses do (vmx/mmio.c).
 */
enum exit_action exit_apic_access(struct vcpu *vcpu, const struct exit_info *e)
{
	unsigned type = (unsigned)(e->qual >> APIC_QUAL_TYPE_SHIFT) & APIC_QUAL_TYPE_MASK;
	struct exit_info at = *e;
	const struct mmio_region *r;
	const char *why;

	at.gpa = VPLATFORM_LAPIC_BASE + (e->qual & APIC_QUAL_OFFSET);
	r = guest_find_mmio(vcpu->guest, at.gpa);
	why = r ? apic_access_not_by_insn(type) : "no local APIC region";
	if (!why)
		return vcpu_mmio_emulate_insn(vcpu, r, &at);
	guest_stop(vcpu->guest, "access to local APIC at %#llx not emulated: %s",
		   (unsigned long long)at.gpa, why);
	vcpu_dump(vcpu, &at);
	return EXIT_STOP;
}

/* Trap-like (SDM 30.4.3.3): RIP is already past the write. */
enum exit_action exit_apic_write(struct vcpu *vcpu, const struct exit_info *e)
{
	vplatform_apic_write(vcpu, (uint32_t)(e->qual & APIC_QUAL_OFFSET));
	return EXIT_RESUME;
}

/* Trap-like too (SDM 30.1.4): the qualification is the vector. */
enum exit_action exit_virtual_eoi(struct vcpu *vcpu, const struct exit_info *e)
{
	vplatform_apic_eoi(vcpu, (uint8_t)e->qual);
	return EXIT_RESUME;
}
