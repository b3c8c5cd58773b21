/*
 * vmcall.c - the hypercall interface (include/hv/hypercall.h,
 * docs/hypercalls.md).  Arguments are checked completely before anything
 * happens; a bad call returns an error to the guest and never stops it.
 */
#include <hv/guest.h>
#include <hv/hypercall.h>
#include <hv/printk.h>
#include "vmx/exits.h"

static int64_t hc_console_write(struct vcpu *vcpu, uint64_t gpa, uint64_t len)
{
	const char *p;

	if (len > HC_CONSOLE_MAX)
		return -HC_EINVAL;
	p = guest_ram_ptr(vcpu->guest, gpa, len);
	if (!p)
		return -HC_EINVAL;
	for (uint64_t i = 0; i < len; i++)
		guest_console_putc(vcpu->guest, p[i]);
	return 0;
}

enum exit_action exit_vmcall(struct vcpu *vcpu, const struct exit_info *e)
{
	uint64_t *gpr = vcpu->arch.gpr;
	uint64_t nr = gpr[VCPU_REG_RAX], a1 = gpr[VCPU_REG_RBX], a2 = gpr[VCPU_REG_RCX];
	int64_t ret = 0;

	(void)e;
	if (vcpu_cpl() != 0) {
		gpr[VCPU_REG_RAX] = (uint64_t)-HC_EPERM;
		return EXIT_SKIP;
	}
	switch (nr) {
	case HC_VERSION:
		gpr[VCPU_REG_RBX] = HV_ABI_VERSION;
		break;
	case HC_CONSOLE_WRITE:
		ret = hc_console_write(vcpu, a1, a2);
		break;
	case HC_POWEROFF:
		guest_stop_as(vcpu->guest, GUEST_STOP_POWEROFF, "powered off (code %llu)",
			      (unsigned long long)a1);
		return EXIT_STOP;
	case HC_CRASH:
		guest_stop(vcpu->guest, "crashed (guest reported code %llu)",
			   (unsigned long long)a1);
		return EXIT_STOP;
	case HC_VCPU_INFO:
		gpr[VCPU_REG_RBX] = vcpu->index;
		gpr[VCPU_REG_RCX] = vcpu->guest->vcpu_count;
		break;
	default:
		ret = -HC_ENOSYS;
		break;
	}
	gpr[VCPU_REG_RAX] = (uint64_t)ret;
	return EXIT_SKIP;
}
