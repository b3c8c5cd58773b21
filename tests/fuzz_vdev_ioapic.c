/*
 * fuzz_vdev_ioapic.c - libFuzzer target for the virtual I/O APIC
 * (guests/vdev_ioapic.c).
 *
 * The input is a sequence of operations: MMIO reads and writes at any
 * offset and size (mostly IOREGSEL, IOWIN and EOI), register writes, pin
 * changes and local-APIC EOIs.  Checked throughout: reserved and read-only
 * bits never become set, VER is constant and ARB follows ID, IOREGSEL
 * keeps 8 bits, every message matches its entry and is sent only for an
 * asserted, unmasked pin (level messages with remote IRR set), and after
 * every operation no unmasked, asserted level entry is left without remote
 * IRR (a lost interrupt).
 */
#include <stdio.h>
#include <stdlib.h>

#include <hv/vdev_ioapic.h>
#include "test.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LOW_OK	(GENMASK(11, 0) | BIT(13) | BIT(14) | BIT(15) | BIT(16))
#define HIGH_OK GENMASK(31, 24)

static struct vioapic io;

static bool asserted(uint32_t pin)
{
	bool high = io.pin_level & BIT(pin);

	return (io.rte[pin] & VIOAPIC_RTE_POLARITY) ? !high : high;
}

static uint32_t delmode(uint32_t pin)
{
	return (uint32_t)(io.rte[pin] >> VIOAPIC_RTE_DELMODE_SHIFT) & 7;
}

static bool reserved(uint32_t pin)
{
	return delmode(pin) == 3 || delmode(pin) == 6;
}

static bool uses_rirr(uint32_t pin)
{
	uint32_t m = delmode(pin);

	return (io.rte[pin] & VIOAPIC_RTE_TRIGGER) && m != VIOAPIC_DM_SMI && m != VIOAPIC_DM_NMI &&
	       m != VIOAPIC_DM_INIT;
}

static void deliver(void *ctx, const struct vioapic_msg *msg)
{
	uint32_t pin = msg->pin;
	uint64_t rte;

	if (ctx != &io || pin >= VIOAPIC_PINS)
		FAIL("bad ctx or pin %u", pin);
	rte = io.rte[pin];
	if (msg->vector != (rte & 0xFF) || msg->delivery_mode != delmode(pin) ||
	    msg->dest != (uint8_t)(rte >> 56) || msg->logical != !!(rte & VIOAPIC_RTE_DESTMODE))
		FAIL("message does not match entry %u", pin);
	if (reserved(pin))
		FAIL("reserved delivery mode sent on pin %u", pin);
	if ((rte & VIOAPIC_RTE_MASK) || !asserted(pin))
		FAIL("message from masked or idle pin %u", pin);
	if (msg->level != uses_rirr(pin))
		FAIL("trigger of pin %u wrong", pin);
	if (msg->level && !(rte & VIOAPIC_RTE_REMOTE_IRR))
		FAIL("level message without remote IRR on pin %u", pin);
}

static void check_state(void)
{
	uint32_t ver = vioapic_reg_read(&io, VIOAPIC_REG_VER);

	if (ver != 0x00170020)
		FAIL("VER changed: %#x", ver);
	if (vioapic_reg_read(&io, VIOAPIC_REG_ID) != vioapic_reg_read(&io, VIOAPIC_REG_ARB))
		FAIL("ARB does not follow ID");
	if (vioapic_mmio_read(&io, VIOAPIC_IOREGSEL, 4) > 0xFF)
		FAIL("IOREGSEL kept reserved bits");
	for (uint32_t pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t rte = io.rte[pin];

		if (((uint32_t)rte & ~(uint32_t)LOW_OK) || ((uint32_t)(rte >> 32) & ~HIGH_OK))
			FAIL("reserved bits set in entry %u: %#llx", pin, (unsigned long long)rte);
		if ((rte & VIOAPIC_RTE_REMOTE_IRR) && !uses_rirr(pin))
			FAIL("remote IRR on non-level entry %u", pin);
		if (uses_rirr(pin) && !reserved(pin) && !(rte & VIOAPIC_RTE_MASK) &&
		    asserted(pin) && !(rte & VIOAPIC_RTE_REMOTE_IRR))
			FAIL("asserted level pin %u not delivered", pin);
	}
}

static const uint64_t offsets[] = {0x00, 0x10, 0x40, 0x00, 0x10, 0x01, 0x04, 0x20, 0xFFC, 0x1000};
static const unsigned int sizes[] = {4, 4, 4, 1, 2, 8, 0, 3};

/* IOREGSEL values: mostly real registers. */
static uint32_t take_reg(struct input *in)
{
	uint8_t r = (uint8_t)take(in, 1);

	return r < 0xC0 ? r % 0x40 : r;
}

static void one_op(struct input *in)
{
	uint8_t op = (uint8_t)take(in, 1);
	uint64_t off = offsets[take(in, 1) % ARRAY_SIZE(offsets)];
	unsigned int sz = sizes[op >> 5];

	switch (op % 6) {
	case 0:
		(void)vioapic_mmio_read(&io, off, sz);
		break;
	case 1:
		vioapic_mmio_write(&io, off, sz, off == 0 ? take_reg(in) : take(in, 4));
		break;
	case 2:
		vioapic_reg_write(&io, take_reg(in), (uint32_t)take(in, 4));
		break;
	case 3:
	case 4:
		vioapic_set_irq(&io, (uint32_t)take(in, 1) % 26, op & 0x80);
		break;
	default:
		vioapic_eoi(&io, (uint8_t)take(in, 1));
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};

	if (vioapic_init(&io, (uint8_t)(take(&in, 1) & 0x0F), deliver, &io))
		FAIL("init failed");
	while (in.n) {
		one_op(&in);
		check_state();
	}
	return 0;
}
