/*
 * mmio.c - emulating an access to an emulated MMIO region: fetch the
 * faulting instruction from guest RAM, decode it (include/hv/decode.h),
 * hand the access to the region's handler, write back the register.
 *
 * Only MOV (register to or from memory, immediate to memory) is carried
 * out so far.  The instruction is fetched at its linear address: directly
 * while guest paging is off, through the guest's 4-level page tables in
 * IA-32e mode (SDM 4.5); legacy and PAE paging are not walked yet.
 * Accesses the instruction at RIP did not make (event delivery, page-table
 * walks) are never emulated.  Anything else stops the guest with the reason.
 */
#include <hv/decode.h>
#include <hv/guest.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <arch/cpu.h>
#include <arch/msr.h>
#include "vmx/exits.h"
#include "vmx/vmcs.h"

/* 4-level paging entries (SDM 4.5, tables 4-15 .. 4-20) */
#define PTE_P	  BIT(0)
#define PTE_PS	  BIT(7)
#define PTE_ADDR  GENMASK(51, 12)
#define PT_LEVELS 4
/* EPT-violation qualification (SDM 28.2.1, Table 28-7): bit 7 the guest
 * linear address is valid, bit 8 (when 7 is set) the access was to its
 * translation, not to a paging-structure entry */
#define EPT_QUAL_GLA_VALID BIT(7)
#define EPT_QUAL_GLA_XLAT  BIT(8)

static enum decode_mode guest_decode_mode(void)
{
	uint32_t ar = vmcs_read32(VMCS_GUEST_CS_AR);

	if (!(vmcs_read_natural(VMCS_GUEST_CR0) & CR0_PE))
		return DECODE_MODE_16;
	if ((vmcs_read64(VMCS_GUEST_EFER) & EFER_LMA) && (ar & AR_L))
		return DECODE_MODE_64;
	return (ar & AR_DB) ? DECODE_MODE_32 : DECODE_MODE_16;
}

/* Guest-physical address of linear address gla under 4-level paging with
 * root cr3; false when not mapped (or the tables lie outside guest RAM).
 * Permissions are not checked: the CPU already executed from there. */
static bool gla_to_gpa(const struct guest *g, uint64_t cr3, uint64_t gla, uint64_t *gpa)
{
	uint64_t table = cr3 & PTE_ADDR;

	for (int level = PT_LEVELS - 1; level >= 0; level--) {
		unsigned shift = 12 + 9 * (unsigned)level;
		const uint64_t *e = guest_ram_ptr(g, table + ((gla >> shift) & 511) * 8, 8);

		if (!e || !(*e & PTE_P))
			return false;
		/* PS means a 1 GiB (PDPTE) or 2 MiB (PDE) page */
		if (level == 0 || (level <= 2 && (*e & PTE_PS))) {
			uint64_t off = BIT(shift) - 1;

			*gpa = (*e & PTE_ADDR & ~off) | (gla & off);
			return true;
		}
		table = *e & PTE_ADDR;
	}
	return false;
}

/* Copy up to len instruction bytes from linear address gla into buf, page
 * by page; returns how many could be fetched, or -1 when the paging mode
 * is not walked. */
static int fetch_insn(struct vcpu *vcpu, uint64_t gla, uint8_t *buf, unsigned len)
{
	const struct guest *g = vcpu->guest;
	bool paging = vmcs_read_natural(VMCS_GUEST_CR0) & CR0_PG;
	unsigned got = 0;

	if (paging && !(vmcs_read64(VMCS_GUEST_EFER) & EFER_LMA))
		return -1;
	while (got < len) {
		uint64_t gpa = gla + got, chunk = PAGE_SIZE - ((gla + got) & (PAGE_SIZE - 1));
		const uint8_t *p;

		if (paging && !gla_to_gpa(g, vmcs_read_natural(VMCS_GUEST_CR3), gla + got, &gpa))
			break;
		chunk = chunk < len - got ? chunk : len - got;
		p = guest_ram_ptr(g, gpa, chunk);
		if (!p)
			break;
		memcpy(buf + got, p, chunk);
		got += (unsigned)chunk;
	}
	return (int)got;
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

/*
 * Whether the access that exited was made by the instruction at RIP.  Not
 * when it was made while delivering an event (the CPU reading a gate of an
 * IDT placed in the region, or pushing a frame there: IDT-vectoring
 * information valid, SDM 28.2.4), nor when it was a guest page-table walk
 * or another access without a linear address (qualification bits 7/8):
 * decoding RIP then would carry out an access the guest never made and
 * skip an instruction it never ran.  Such guests are stopped.
 */
static const char *mmio_not_by_insn(const struct exit_info *e)
{
	if (vmcs_read32(VMCS_RO_IDT_VECTORING_INFO) & INTR_INFO_VALID)
		return "made while delivering an event (IDT, TSS or stack in the region)";
	if (!(e->qual & EPT_QUAL_GLA_VALID) || !(e->qual & EPT_QUAL_GLA_XLAT))
		return "not made by an instruction's operand (a page-table walk?)";
	return NULL;
}

enum exit_action vcpu_mmio_emulate(struct vcpu *vcpu, const struct mmio_region *r,
				   const struct exit_info *e)
{
	const char *why = mmio_not_by_insn(e);

	if (why)
		return mmio_refuse(vcpu, e, why, r);
	return vcpu_mmio_emulate_insn(vcpu, r, e);
}

enum exit_action vcpu_mmio_emulate_insn(struct vcpu *vcpu, const struct mmio_region *r,
					const struct exit_info *e)
{
	uint64_t rip = vmcs_read_natural(VMCS_GUEST_CS_BASE) + vmcs_read_natural(VMCS_GUEST_RIP);
	uint64_t *gpr = vcpu->arch.gpr, val = 0;
	uint8_t bytes[DECODE_MAX_LEN];
	struct decoded_insn d;
	int n;
	bool write;

	n = fetch_insn(vcpu, rip, bytes, DECODE_MAX_LEN);
	if (n < 0)
		return mmio_refuse(vcpu, e, "legacy or PAE guest paging is not walked", r);
	if (n == 0 || decode_insn(bytes, (unsigned)n, guest_decode_mode(), &d) < 0)
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
