/*
 * vdev_info.c - the information device: one emulated MMIO page per guest
 * (registers in include/hv/hypercall.h).  Nothing is mapped there, so each
 * access exits as an EPT violation and goes through the decoder and the
 * MMIO registry: the device exists to exercise and measure that path.
 */
#include <hv/guest.h>
#include <hv/hypercall.h>

static uint32_t scratch[CONFIG_MAX_GUESTS];

static uint32_t info_reg(struct vcpu *vcpu, uint64_t reg)
{
	switch (reg) {
	case HV_INFO_REG_ID:
		return HV_INFO_ID;
	case HV_INFO_REG_SCRATCH:
		return scratch[vcpu->guest->id];
	case HV_INFO_REG_VCPU:
		return vcpu->index;
	default:
		return 0;
	}
}

static bool info_access(struct vcpu *vcpu, uint64_t gpa, unsigned size, bool is_write,
			uint64_t *val)
{
	uint64_t off = gpa - HV_INFO_MMIO_BASE, reg = off & ~3ULL;
	unsigned shift = (unsigned)(off & 3) * 8;

	if (size > 4 || (off & 3) + size > 4)
		return false; /* no access straddles two registers */
	if (is_write) {
		if (reg == HV_INFO_REG_SCRATCH && size == 4)
			scratch[vcpu->guest->id] = (uint32_t)*val;
		return true;
	}
	*val = (info_reg(vcpu, reg) >> shift) & (size == 4 ? 0xffffffffULL : BIT(size * 8) - 1);
	return true;
}

void vdev_info_attach(struct guest *g)
{
	const struct mmio_region r = {
	    .gpa = HV_INFO_MMIO_BASE,
	    .size = HV_INFO_MMIO_SIZE,
	    .access = info_access,
	    .name = "information device",
	};

	if (g->mem_size <= HV_INFO_MMIO_BASE)
		guest_add_mmio(g, &r);
}
