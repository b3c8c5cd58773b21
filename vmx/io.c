/*
 * io.c - port I/O exits (SDM 28.1.3, Table 28-5): the ports of the guest's
 * virtual platform (core/vplatform.c: COM1, PIC, PIT, RTC, ACPI PM, PCI)
 * and the policy for every other port: reads return all ones, writes are
 * dropped, and the first access to each port is logged once per guest, as
 * a missing device on a real machine would behave.
 */
#include <hv/guest.h>
#include <hv/printk.h>
#include <hv/vplatform.h>
#include "vmx/exits.h"

/* Exit qualification for I/O instructions */
#define IOQ_SIZE_MASK  GENMASK(2, 0) /* 0 = 1 byte, 1 = 2, 3 = 4 */
#define IOQ_IN	       BIT(3)
#define IOQ_STRING     BIT(4)
#define IOQ_PORT_SHIFT 16

static void io_unclaimed(struct guest *g, uint16_t port, bool in)
{
	uint8_t bit = (uint8_t)BIT(port % 8);

	if (g->io_logged[port / 8] & bit)
		return;
	g->io_logged[port / 8] |= bit;
	pr_info("guest %s: %s unclaimed I/O port %#x (%s; logged once)\n", g->name,
		in ? "read from" : "write to", port, in ? "reads return all ones" : "dropped");
}

enum exit_action exit_io(struct vcpu *vcpu, const struct exit_info *e)
{
	struct guest *g = vcpu->guest;
	unsigned size = (unsigned)(e->qual & IOQ_SIZE_MASK) + 1;
	uint16_t port = (uint16_t)(e->qual >> IOQ_PORT_SHIFT);
	bool in = e->qual & IOQ_IN;
	uint64_t *rax = &vcpu->arch.gpr[VCPU_REG_RAX];
	uint64_t mask = size == 4 ? 0xffffffffULL : BIT(size * 8) - 1;
	uint32_t val;

	if (e->qual & IOQ_STRING) {
		guest_stop(g, "string I/O (INS/OUTS) to port %#x is not emulated", port);
		vcpu_dump(vcpu, e);
		return EXIT_STOP;
	}
	val = (uint32_t)*rax;
	if (vplatform_io(vcpu, port, size, in, &val)) {
		/* IN of 32 bits zero-extends into RAX (SDM Vol. 1 3.4.1.1) */
		if (in)
			*rax = size == 4 ? val : (*rax & ~mask) | (val & mask);
		return EXIT_SKIP;
	}
	io_unclaimed(g, port, in);
	/* IN of 32 bits zero-extends into RAX (SDM Vol. 1 3.4.1.1) */
	if (in)
		*rax = size == 4 ? mask : (*rax & ~mask) | mask;
	return EXIT_SKIP;
}
