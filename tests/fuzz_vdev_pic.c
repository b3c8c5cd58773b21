/*
 * fuzz_vdev_pic.c - libFuzzer target for the 8259A pair (guests/vdev_pic.c).
 *
 * The input is a sequence of port reads and writes (any of the six ports or
 * a neighbour, any size, any value, so every ICW/OCW form and broken init
 * sequence happens), input pin changes and interrupt acknowledges.  After
 * every operation: the INT output equals an independent evaluation of the
 * priority rules (and the callback saw every change, only changes), master
 * IR2 follows the slave's INT, level pins' IRR equals their line, ELCR and
 * ICW fields stay in range, an acknowledged vector comes from one of the
 * two vector bases, and an OCW1 write outside an init sequence reads back.
 */
#include <stdio.h>
#include <stdlib.h>

#include <hv/vdev_pic.h>
#include "test.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vpic pic;
static bool seen_intr;

static void intr(void *ctx, bool level)
{
	if (ctx != &pic || level == seen_intr)
		FAIL("INT callback without a change");
	seen_intr = level;
}

/* Reference priority evaluation, written from the data sheet. */
static int ref_rank(const struct vpic_chip *c, int irq)
{
	return (irq + 7 - c->lowest_prio) % 8;
}

static bool ref_request(const struct vpic_chip *c, bool master)
{
	uint8_t pend = c->irr & (uint8_t)~c->imr, isr = c->isr;
	int best = 8, svc = 8;

	if (c->special_mask)
		isr &= (uint8_t)~c->imr;
	if (master && (c->icw4 & BIT(4)))
		isr &= (uint8_t)~BIT(2);
	for (int i = 0; i < 8; i++) {
		if ((pend & BIT(i)) && ref_rank(c, i) < best)
			best = ref_rank(c, i);
		if ((isr & BIT(i)) && ref_rank(c, i) < svc)
			svc = ref_rank(c, i);
	}
	return best < 8 && best < svc;
}

static void check_chip(const struct vpic_chip *c, uint8_t elcr_mask)
{
	uint8_t lm = (c->icw1 & BIT(3)) ? 0xFF : (uint8_t)(c->elcr | c->cascade_in);

	if (c->elcr & ~elcr_mask)
		FAIL("ELCR reserved bits set: %#x", c->elcr);
	if (c->lowest_prio > 7 || (c->vector_base & 7))
		FAIL("priority or vector base out of range");
	if (c->init_step != 0 && (c->init_step < 2 || c->init_step > 4))
		FAIL("init step %u", c->init_step);
	if ((c->irr & lm) != (c->line & lm))
		FAIL("level IRR %#x does not follow line %#x", c->irr, c->line);
}

static void check_state(void)
{
	bool slave_int = ref_request(&pic.chip[1], false);

	check_chip(&pic.chip[0], VPIC_ELCR1_MASK);
	check_chip(&pic.chip[1], VPIC_ELCR2_MASK);
	if (!!(pic.chip[0].line & BIT(2)) != slave_int)
		FAIL("master IR2 does not follow the slave's INT");
	if (ref_request(&pic.chip[0], true) != pic.intr_level)
		FAIL("INT output wrong");
	if (pic.intr_level != seen_intr || vpic_intr_pending(&pic) != seen_intr)
		FAIL("INT change not reported");
}

static const uint16_t ports[] = {0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1, 0x20,  0x21,
				 0xA0, 0xA1, 0x1F, 0x22, 0x9F,	0x4CF, 0x4D2, 0xFFFF};
static const unsigned int sizes[] = {1, 1, 1, 1, 2, 4, 3, 0};

static void do_ack(void)
{
	uint8_t v = vpic_ack(&pic);

	if ((v & 0xF8) != pic.chip[0].vector_base && (v & 0xF8) != pic.chip[1].vector_base)
		FAIL("acknowledged vector %#x from no base", v);
}

static void do_write(uint16_t port, unsigned int sz, uint32_t val)
{
	struct vpic_chip *c = &pic.chip[port == VPIC_SLAVE_DATA];
	bool ocw1 =
	    sz == 1 && (port == VPIC_MASTER_DATA || port == VPIC_SLAVE_DATA) && c->init_step == 0;

	vpic_io_write(&pic, port, sz, val);
	if (ocw1 && vpic_io_read(&pic, port, 1) != (val & 0xFF))
		FAIL("mask does not read back");
}

static void one_op(struct input *in)
{
	uint8_t op = (uint8_t)take(in, 1);
	uint16_t port = ports[take(in, 1) % ARRAY_SIZE(ports)];
	unsigned int sz = sizes[op >> 5];

	switch (op % 5) {
	case 0:
		(void)vpic_io_read(&pic, port, sz);
		break;
	case 1:
		do_write(port, sz, (uint32_t)take(in, 4));
		break;
	case 2:
	case 3:
		vpic_set_irq(&pic, (uint32_t)take(in, 1) % 18, op & 0x80);
		break;
	default:
		do_ack();
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};

	seen_intr = false;
	vpic_init(&pic, intr, &pic);
	while (in.n) {
		one_op(&in);
		check_state();
	}
	return 0;
}
