/*
 * vdev_pic.c - the legacy 8259A pair and ELCR (include/hv/vdev_pic.h).
 *
 * Follows the Intel 8259A data sheet (231468-003: ICW1..ICW4, OCW1..OCW3,
 * priority resolution, poll command) and the PIIX3/ICH ELCR registers, for
 * what Linux's arch/x86/kernel/i8259.c does: probe_8259A() masks the slave
 * (0xA1 <- 0xFF), writes a mask to 0x21 and reads it back; init_8259A()
 * masks both, sends ICW1 0x11, ICW2 vector base, ICW3 0x04 / 0x02, ICW4
 * 0x01 (AEOI 0x03 when asked) to each chip and restores the masks;
 * mask_and_ack_8259A() sends specific EOIs (0x60 + IR) to the slave and
 * master; i8259A_irq_pending() reads IRR via OCW3 0x0A and ISR via 0x0B.
 * arch/x86/kernel/acpi/boot.c (acpi_pic_sci_set_trigger) reads and writes
 * the ELCR bytes at 0x4D0/0x4D1 to make the SCI level triggered.
 *
 * Not modelled, and why:
 *  - 8080/8085 mode (ICW4 uPM = 0) and buffered mode: only the vector
 *    matters to an x86 guest, so vpic_ack() returns 8086-mode vectors.
 *  - The cascade is wired as on every PC (slave on master IR2) whatever
 *    ICW3 says; ICW1 SNGL only decides whether ICW3 is expected.  The
 *    slave's INT drives master IR2 as a level signal, so a slave request
 *    never gets lost behind an edge that already happened.
 *  - ICW1 clears IRR and ISR as well as IMR (data sheet: IMR cleared, edge
 *    sense reset); a freshly initialised chip has nothing in service.
 *  - Edge-triggered requests stay latched in IRR if the pin drops before
 *    the acknowledge (the data sheet leaves that case undefined).
 */
#include <hv/vdev_pic.h>

#define ICW1_IC4       BIT(0)
#define ICW1_SNGL      BIT(1)
#define ICW1_LTIM      BIT(3)
#define ICW1_INIT      BIT(4) /* command port: bit 4 set = ICW1 */
#define OCW3_SELECT    BIT(3) /* command port, bit 4 clear: 1 = OCW3, 0 = OCW2 */
#define OCW3_RIS       BIT(0)
#define OCW3_RR	       BIT(1)
#define OCW3_POLL      BIT(2)
#define OCW3_SMM       BIT(5)
#define OCW3_ESMM      BIT(6)
#define ICW4_AEOI      BIT(1)
#define ICW4_SFNM      BIT(4)
#define OCW2_LEVEL     GENMASK(2, 0)
#define OCW2_CMD_SHIFT 5 /* bits 7:5 = R, SL, EOI */
#define POLL_INT       BIT(7)
#define NO_IRQ	       (-1)

static uint8_t level_mask(const struct vpic_chip *c)
{
	if (c->icw1 & ICW1_LTIM)
		return 0xFF;
	return c->elcr | c->cascade_in;
}

/* Priority rank of IR irq: 0 is the highest (data sheet: rotation). */
static unsigned int rank(const struct vpic_chip *c, unsigned int irq)
{
	return (irq - c->lowest_prio - 1u) & 7u;
}

/* The highest-priority IR whose bit is set in bits, or NO_IRQ. */
static int highest(const struct vpic_chip *c, uint8_t bits)
{
	for (unsigned int i = 1; i <= 8; i++) {
		unsigned int irq = (c->lowest_prio + i) & 7u;

		if (bits & BIT(irq))
			return (int)irq;
	}
	return NO_IRQ;
}

/* The IR the chip would signal on INT, or NO_IRQ: an unmasked request of
 * higher priority than everything (relevant) in service. */
static int chip_request(const struct vpic_chip *c)
{
	int req = highest(c, c->irr & (uint8_t)~c->imr);
	uint8_t isr = c->isr;
	int svc;

	if (req == NO_IRQ)
		return NO_IRQ;
	if (c->special_mask)
		isr &= (uint8_t)~c->imr; /* masked levels do not block */
	if (c->icw4 & ICW4_SFNM)
		isr &= (uint8_t)~c->cascade_in; /* the slave nests itself */
	svc = highest(c, isr);
	if (svc != NO_IRQ && rank(c, (unsigned int)svc) <= rank(c, (unsigned int)req))
		return NO_IRQ;
	return req;
}

static void chip_set_input(struct vpic_chip *c, unsigned int irq, bool level)
{
	uint8_t bit = (uint8_t)BIT(irq);
	bool was = c->line & bit;

	if (level)
		c->line |= bit;
	else
		c->line &= (uint8_t)~bit;
	if (level_mask(c) & bit) {
		c->irr = (uint8_t)((c->irr & ~bit) | (c->line & bit));
	} else if (level && !was) {
		c->irr |= bit; /* rising edge */
	}
}

/* Level pins request exactly while high; call after the mode changed. */
static void chip_resync_level(struct vpic_chip *c)
{
	uint8_t lm = level_mask(c);

	c->irr = (uint8_t)((c->irr & ~lm) | (c->line & lm));
}

/* Acknowledge IR irq: in service (unless AEOI), edge request consumed. */
static void chip_intack(struct vpic_chip *c, unsigned int irq)
{
	uint8_t bit = (uint8_t)BIT(irq);

	if (!(level_mask(c) & bit))
		c->irr &= (uint8_t)~bit;
	if (!(c->icw4 & ICW4_AEOI))
		c->isr |= bit;
	else if (c->rotate_on_aeoi)
		c->lowest_prio = (uint8_t)irq;
}

/* Propagate the slave's INT to master IR2 and the master's to the CPU. */
static void update(struct vpic *pic)
{
	bool out;

	chip_set_input(&pic->chip[0], VPIC_CASCADE_IRQ, chip_request(&pic->chip[1]) != NO_IRQ);
	out = chip_request(&pic->chip[0]) != NO_IRQ;
	if (out == pic->intr_level)
		return;
	pic->intr_level = out;
	if (pic->intr)
		pic->intr(pic->ctx, out);
}

static void chip_reset(struct vpic_chip *c, uint8_t base, uint8_t icw3, uint8_t elcr_mask)
{
	uint8_t line = c->line; /* pin levels are inputs */

	*c = (struct vpic_chip){
	    .imr = 0xFF,
	    .line = line,
	    .elcr_mask = elcr_mask,
	    .icw1 = ICW1_INIT | ICW1_IC4,
	    .icw3 = icw3,
	    .icw4 = 0x01, /* 8086 mode */
	    .vector_base = base,
	    .lowest_prio = 7,
	};
}

void vpic_reset(struct vpic *pic)
{
	chip_reset(&pic->chip[0], 0x08, BIT(VPIC_CASCADE_IRQ), VPIC_ELCR1_MASK);
	chip_reset(&pic->chip[1], 0x70, VPIC_CASCADE_IRQ, VPIC_ELCR2_MASK);
	pic->chip[0].cascade_in = BIT(VPIC_CASCADE_IRQ);
	update(pic);
}

void vpic_init(struct vpic *pic, void (*intr)(void *ctx, bool level), void *ctx)
{
	*pic = (struct vpic){.intr = intr, .ctx = ctx};
	vpic_reset(pic);
}

bool vpic_handles_port(uint16_t port)
{
	return port == VPIC_MASTER_CMD || port == VPIC_MASTER_DATA || port == VPIC_SLAVE_CMD ||
	       port == VPIC_SLAVE_DATA || port == VPIC_ELCR1 || port == VPIC_ELCR2;
}

/* ICW1: start the initialisation sequence (data sheet "ICW1 and ICW2"). */
static void write_icw1(struct vpic_chip *c, uint8_t val)
{
	c->icw1 = val;
	c->imr = 0;
	c->isr = 0;
	c->irr = 0;
	c->lowest_prio = 7;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->rotate_on_aeoi = false;
	if (!(val & ICW1_IC4))
		c->icw4 = 0;
	c->init_step = 2;
	/* Edge pins already high need a new rising edge; level pins request. */
	chip_resync_level(c);
}

/* ICW2..ICW4 arrive on the data port while init_step says so. */
static void write_icw(struct vpic_chip *c, uint8_t val)
{
	bool ic4 = c->icw1 & ICW1_IC4;

	switch (c->init_step) {
	case 2:
		c->vector_base = val & 0xF8; /* T7..T3; the IR fills bits 2:0 */
		c->init_step = (c->icw1 & ICW1_SNGL) ? (ic4 ? 4 : 0) : 3;
		break;
	case 3:
		c->icw3 = val;
		c->init_step = ic4 ? 4 : 0;
		break;
	case 4:
		c->icw4 = val;
		c->init_step = 0;
		break;
	default:
		c->init_step = 0;
		break;
	}
}

static void eoi(struct vpic_chip *c, int irq, bool rotate)
{
	if (irq == NO_IRQ)
		return;
	c->isr &= (uint8_t)~BIT(irq);
	if (rotate)
		c->lowest_prio = (uint8_t)irq;
}

/* OCW2: EOI, rotation and priority commands (data sheet table "OCW2"). */
static void write_ocw2(struct vpic_chip *c, uint8_t val)
{
	int level = val & OCW2_LEVEL;

	switch (val >> OCW2_CMD_SHIFT) {
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI */
		eoi(c, highest(c, c->isr), (val >> OCW2_CMD_SHIFT) == 5);
		break;
	case 3: /* specific EOI */
	case 7: /* rotate on specific EOI */
		eoi(c, level, (val >> OCW2_CMD_SHIFT) == 7);
		break;
	case 6: /* set priority: IR level becomes the lowest */
		c->lowest_prio = (uint8_t)level;
		break;
	case 4: /* rotate in AEOI mode: set */
	case 0: /* rotate in AEOI mode: clear */
		c->rotate_on_aeoi = (val >> OCW2_CMD_SHIFT) == 4;
		break;
	default: /* 2: no operation */
		break;
	}
}

static void write_ocw3(struct vpic_chip *c, uint8_t val)
{
	if (val & OCW3_POLL)
		c->poll = true;
	if (val & OCW3_RR)
		c->read_isr = val & OCW3_RIS;
	if (val & OCW3_ESMM)
		c->special_mask = val & OCW3_SMM;
}

static void write_cmd(struct vpic_chip *c, uint8_t val)
{
	if (val & ICW1_INIT)
		write_icw1(c, val);
	else if (val & OCW3_SELECT)
		write_ocw3(c, val);
	else
		write_ocw2(c, val);
}

static void write_data(struct vpic_chip *c, uint8_t val)
{
	if (c->init_step)
		write_icw(c, val);
	else
		c->imr = val; /* OCW1 */
}

/* A poll cycle: acknowledge like INTA, answer 1000_0LLL or 0. */
static uint8_t poll_chip(struct vpic *pic, struct vpic_chip *c)
{
	int irq = chip_request(c);

	c->poll = false;
	if (irq == NO_IRQ)
		return 0;
	chip_intack(c, (unsigned int)irq);
	update(pic);
	return (uint8_t)(POLL_INT | irq);
}

static uint8_t read_cmd(struct vpic *pic, struct vpic_chip *c)
{
	if (c->poll)
		return poll_chip(pic, c);
	return c->read_isr ? c->isr : c->irr;
}

static uint8_t read_byte(struct vpic *pic, uint32_t port)
{
	switch (port) {
	case VPIC_MASTER_CMD:
		return read_cmd(pic, &pic->chip[0]);
	case VPIC_SLAVE_CMD:
		return read_cmd(pic, &pic->chip[1]);
	case VPIC_MASTER_DATA:
		return pic->chip[0].imr;
	case VPIC_SLAVE_DATA:
		return pic->chip[1].imr;
	case VPIC_ELCR1:
		return pic->chip[0].elcr;
	case VPIC_ELCR2:
		return pic->chip[1].elcr;
	default:
		return 0xFF;
	}
}

static void write_byte(struct vpic *pic, uint32_t port, uint8_t val)
{
	switch (port) {
	case VPIC_MASTER_CMD:
	case VPIC_SLAVE_CMD:
		write_cmd(&pic->chip[port == VPIC_SLAVE_CMD], val);
		break;
	case VPIC_MASTER_DATA:
	case VPIC_SLAVE_DATA:
		write_data(&pic->chip[port == VPIC_SLAVE_DATA], val);
		break;
	case VPIC_ELCR1:
	case VPIC_ELCR2: {
		struct vpic_chip *c = &pic->chip[port == VPIC_ELCR2];

		c->elcr = val & c->elcr_mask;
		chip_resync_level(c);
		break;
	}
	default:
		return;
	}
	update(pic);
}

static bool io_size_ok(unsigned int size)
{
	return size == 1 || size == 2 || size == 4;
}

uint32_t vpic_io_read(struct vpic *pic, uint16_t port, unsigned int size)
{
	uint32_t v = 0;

	if (!io_size_ok(size))
		return UINT32_MAX;
	for (unsigned int i = 0; i < size; i++)
		v |= (uint32_t)read_byte(pic, (uint32_t)port + i) << (8 * i);
	return v;
}

void vpic_io_write(struct vpic *pic, uint16_t port, unsigned int size, uint32_t value)
{
	if (!io_size_ok(size))
		return;
	for (unsigned int i = 0; i < size; i++)
		write_byte(pic, (uint32_t)port + i, (uint8_t)(value >> (8 * i)));
}

bool vpic_set_irq(struct vpic *pic, uint32_t irq, bool level)
{
	if (irq >= VPIC_IRQS || irq == VPIC_CASCADE_IRQ)
		return false;
	chip_set_input(&pic->chip[irq >= 8], irq & 7, level);
	update(pic);
	return true;
}

void vpic_irq_line_set(void *ctx, uint32_t irq, bool level)
{
	vpic_set_irq(ctx, irq, level);
}

uint8_t vpic_ack(struct vpic *pic)
{
	struct vpic_chip *m = &pic->chip[0], *s = &pic->chip[1];
	int irq = chip_request(m), irq2;
	uint8_t vector;

	if (irq == NO_IRQ) {
		vector = m->vector_base | 7; /* spurious IRQ 7 */
	} else if ((unsigned int)irq == VPIC_CASCADE_IRQ) {
		chip_intack(m, (unsigned int)irq);
		irq2 = chip_request(s);
		if (irq2 == NO_IRQ) {
			/* spurious IRQ 15; defensive: update() keeps IR2
			 * in step with the slave, so it cannot happen */
			vector = s->vector_base | 7;
		} else {
			chip_intack(s, (unsigned int)irq2);
			vector = (uint8_t)(s->vector_base | irq2);
		}
	} else {
		chip_intack(m, (unsigned int)irq);
		vector = (uint8_t)(m->vector_base | irq);
	}
	update(pic);
	return vector;
}

bool vpic_intr_pending(const struct vpic *pic)
{
	return pic->intr_level;
}
