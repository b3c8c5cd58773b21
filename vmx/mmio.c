/*
 * mmio.c - emulating an access to an emulated MMIO region: fetch the
 * faulting instruction from guest RAM, decode it (include/hv/decode.h),
 * hand the access to the region's handler, write back the register.
 *
 * Only MOV (register to or from memory, immediate to memory) is carried
 * out so far, and only while guest paging is off (the instruction's linear
 * address is then its guest-physical address); anything else stops the
 * guest with the reason.
 */
#include <hv/decode.h>
#include <hv/guest.h>
#include <arch/cpu.h>
#include <arch/msr.h>
#include "vmx/exits.h"
#include "vmx/vmcs.h"

#define AR_L  BIT(13)
#define AR_DB BIT(14)

static enum decode_mode guest_decode_mode(void)
{
	uint32_t ar = vmcs_read32(VMCS_GUEST_CS_AR);

	if (!(vmcs_read_natural(VMCS_GUEST_CR0) & CR0_PE))
		return DECODE_MODE_16;
	if ((vmcs_read64(VMCS_GUEST_EFER) & EFER_LMA) && (ar & AR_L))
		return DECODE_MODE_64;
	return (ar & AR_DB) ? DECODE_MODE_32 : DECODE_MODE_16;
}

static enum exit_action mmio_refuse(struct vcpu *vcpu, const struct exit_info *e, const char *why,
				    const struct mmio_region *r)
{
	guest_stop(vcpu->guest, "access to %s at %#llx not emulated: %s", r->name,
		   (unsigned long long)e->gpa, why);
	vcpu_dump(vcpu, e);
	return EXIT_STOP;
}

/* Write size bytes of val into register reg as MOV would (32-bit writes
 * zero-extend, 8/16-bit ones merge; SDM Vol. 1 3.4.1.1). */
static void set_reg(uint64_t *gpr, const struct decoded_insn *d, uint64_t val)
{
	uint64_t *r = &gpr[d->reg_high8 ? d->reg - 4 : d->reg];
	unsigned shift = d->reg_high8 ? 8 : 0;
	uint64_t mask;

	if (d->reg_size >= 4) {
		*r = d->reg_size == 4 ? (uint32_t)val : val;
		return;
	}
	mask = (BIT(d->reg_size * 8) - 1) << shift;
	*r = (*r & ~mask) | ((val << shift) & mask);
}

enum exit_action vcpu_mmio_emulate(struct vcpu *vcpu, const struct mmio_region *r,
				   const struct exit_info *e)
{
	uint64_t rip = vmcs_read_natural(VMCS_GUEST_CS_BASE) + vmcs_read_natural(VMCS_GUEST_RIP);
	uint64_t *gpr = vcpu->arch.gpr, val = 0;
	const uint8_t *bytes;
	struct decoded_insn d;
	bool write;

	if (vmcs_read_natural(VMCS_GUEST_CR0) & CR0_PG)
		return mmio_refuse(vcpu, e, "guest paging is on", r);
	bytes = guest_ram_ptr(vcpu->guest, rip, DECODE_MAX_LEN);
	if (!bytes || decode_insn(bytes, DECODE_MAX_LEN, guest_decode_mode(), &d) < 0)
		return mmio_refuse(vcpu, e, "instruction not decodable", r);
	write = d.access == DECODE_WRITE;
	if (d.op != DECODE_OP_MOV || d.access == DECODE_RMW ||
	    (d.reg == DECODE_NO_REG && !(write && d.has_imm)))
		return mmio_refuse(vcpu, e, "only MOV (register or immediate) is emulated", r);
	if (write && d.has_imm)
		val = d.imm;
	else if (write)
		val = gpr[d.reg_high8 ? d.reg - 4 : d.reg] >> (d.reg_high8 ? 8 : 0);
	if (write && d.mem_size < 8)
		val &= BIT(d.mem_size * 8) - 1;
	if (!r->access(vcpu, e->gpa, d.mem_size, write, &val))
		return mmio_refuse(vcpu, e, "refused by the device model", r);
	if (!write)
		set_reg(gpr, &d, val);
	/* not an instruction-caused exit: the length comes from the decoder */
	vcpu->arch.skip_len = d.len;
	return EXIT_SKIP;
}
