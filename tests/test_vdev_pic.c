/*
 * test_vdev_pic.c - unit tests of the 8259A pair model (guests/vdev_pic.c).
 *
 * The port sequences are the ones Linux's arch/x86/kernel/i8259.c issues
 * (probe_8259A, init_8259A, mask_and_ack_8259A, i8259A_irq_pending); the
 * INT output is recorded by a fake CPU.
 */
#include <hv/vdev_pic.h>
#include "test.h"

static struct vpic pic;
static unsigned int intr_changes;
static bool intr_now;

static void intr(void *ctx, bool level)
{
	CHECK(ctx == &pic);
	CHECK(level != intr_now); /* only called on a change */
	intr_now = level;
	intr_changes++;
}

static void setup(void)
{
	intr_changes = 0;
	intr_now = false;
	vpic_init(&pic, intr, &pic);
}

static uint8_t in(uint16_t port)
{
	return (uint8_t)vpic_io_read(&pic, port, 1);
}

static void out(uint16_t port, uint8_t val)
{
	vpic_io_write(&pic, port, 1, val);
}

/* init_8259A(auto_eoi) with vectors 0x30/0x38, as Linux does. */
static void linux_init(bool auto_eoi)
{
	out(0x21, 0xFF);
	out(0xA1, 0xFF);
	out(0x20, 0x11);
	out(0x21, 0x30);
	out(0x21, 0x04);
	out(0x21, auto_eoi ? 0x03 : 0x01);
	out(0xA0, 0x11);
	out(0xA1, 0x38);
	out(0xA1, 0x02);
	out(0xA1, 0x01);
}

static void test_reset_state(void)
{
	setup();
	CHECK_EQ(in(0x21), 0xFF);
	CHECK_EQ(in(0xA1), 0xFF);
	CHECK_EQ(in(0x20), 0); /* IRR */
	CHECK_EQ(in(0xA0), 0);
	CHECK_EQ(in(0x4D0), 0);
	CHECK_EQ(in(0x4D1), 0);
	CHECK(!vpic_intr_pending(&pic));
	CHECK_EQ(intr_changes, 0);
	/* reset-state vectors are the BIOS ones */
	out(0x21, 0xFE);
	vpic_set_irq(&pic, 0, true);
	CHECK(intr_now);
	CHECK_EQ(vpic_ack(&pic), 0x08);
	CHECK(!intr_now);
}

static void test_linux_probe_and_init(void)
{
	setup();
	/* probe_8259A: mask the slave, write all-but-cascade, read back */
	out(0xA1, 0xFF);
	out(0x21, 0xFB);
	CHECK_EQ(in(0x21), 0xFB);
	linux_init(false);
	/* ICW1 cleared the masks (data sheet); the ICWs did not touch them */
	CHECK_EQ(in(0x21), 0x00);
	CHECK_EQ(in(0xA1), 0x00);
	CHECK_EQ(pic.chip[0].vector_base, 0x30);
	CHECK_EQ(pic.chip[1].vector_base, 0x38);
	CHECK_EQ(pic.chip[0].icw3, 0x04);
	CHECK_EQ(pic.chip[1].icw3, 0x02);
	CHECK_EQ(pic.chip[0].init_step, 0);
	CHECK_EQ(pic.chip[1].init_step, 0);
	/* then Linux restores its cached masks */
	out(0x21, 0xFB);
	out(0xA1, 0xFF);
	CHECK_EQ(in(0x21), 0xFB);
	CHECK_EQ(in(0xA1), 0xFF);
	CHECK(!intr_now);
}

static void test_icw_variants(void)
{
	setup();
	/* single mode without ICW4: ICW2 ends the sequence */
	out(0x20, 0x12);
	out(0x21, 0x47);
	CHECK_EQ(pic.chip[0].init_step, 0);
	CHECK_EQ(pic.chip[0].vector_base, 0x40);
	CHECK_EQ(pic.chip[0].icw4, 0);
	out(0x21, 0xAA); /* OCW1 */
	CHECK_EQ(in(0x21), 0xAA);
	/* cascade without ICW4 */
	out(0x20, 0x10);
	out(0x21, 0x20);
	out(0x21, 0x04);
	CHECK_EQ(pic.chip[0].init_step, 0);
	out(0x21, 0x55);
	CHECK_EQ(in(0x21), 0x55);
	/* restarting mid-sequence starts over */
	out(0x20, 0x11);
	out(0x21, 0x20);
	out(0x20, 0x11);
	CHECK_EQ(pic.chip[0].init_step, 2);
}

static void test_irr_isr_and_eoi(void)
{
	setup();
	linux_init(false);
	out(0x21, 0x00);
	out(0xA1, 0x00);
	vpic_set_irq(&pic, 3, true);
	vpic_set_irq(&pic, 1, true);
	CHECK_EQ(in(0x20), 0x0A); /* IRR by default after ICW1 */
	CHECK(intr_now);
	CHECK_EQ(vpic_ack(&pic), 0x31); /* IR1 beats IR3 */
	out(0x20, 0x0B);		/* OCW3: read ISR */
	CHECK_EQ(in(0x20), 0x02);
	CHECK_EQ(in(0x20), 0x02); /* the selection sticks */
	out(0x20, 0x0A);
	CHECK_EQ(in(0x20), 0x08); /* edge request consumed by INTA */
	CHECK(!intr_now);	  /* IR3 waits behind IR1 */
	out(0x20, 0x61);	  /* specific EOI for IR1 (mask_and_ack) */
	CHECK(intr_now);
	CHECK_EQ(vpic_ack(&pic), 0x33);
	out(0x20, 0x20); /* non-specific EOI */
	CHECK_EQ(pic.chip[0].isr, 0);
	/* a higher priority request preempts one in service */
	vpic_set_irq(&pic, 3, false);
	vpic_set_irq(&pic, 3, true);
	CHECK_EQ(vpic_ack(&pic), 0x33);
	vpic_set_irq(&pic, 0, true);
	CHECK(intr_now);
	CHECK_EQ(vpic_ack(&pic), 0x30);
	CHECK_EQ(pic.chip[0].isr, 0x09);
	out(0x20, 0x20); /* non-specific EOI ends the highest: IR0 */
	CHECK_EQ(pic.chip[0].isr, 0x08);
	out(0x20, 0x20);
	CHECK_EQ(pic.chip[0].isr, 0);
	out(0x20, 0x20); /* nothing in service: harmless */
	out(0x20, 0x40); /* no-op */
	CHECK_EQ(pic.chip[0].isr, 0);
}

static void test_cascade(void)
{
	setup();
	linux_init(false);
	out(0x21, 0xFB); /* only the cascade open on the master */
	out(0xA1, 0xFE); /* IRQ 8 (RTC) open */
	vpic_set_irq(&pic, 8, true);
	CHECK(intr_now);
	CHECK_EQ(vpic_ack(&pic), 0x38);
	CHECK(!intr_now);
	out(0xA0, 0x0B);
	CHECK_EQ(in(0xA0), 0x01);
	CHECK_EQ(pic.chip[0].isr, 0x04);
	/* mask_and_ack_8259A order: slave EOI, then master EOI for IR2 */
	out(0xA0, 0x60);
	out(0x20, 0x62);
	CHECK_EQ(pic.chip[0].isr, 0);
	CHECK_EQ(pic.chip[1].isr, 0);
	/* two slave requests: the second gets through after both EOIs */
	out(0xA1, 0x00);
	vpic_set_irq(&pic, 8, false);
	vpic_set_irq(&pic, 8, true);
	vpic_set_irq(&pic, 12, true);
	CHECK_EQ(vpic_ack(&pic), 0x38);
	CHECK(!intr_now);
	out(0xA0, 0x20);
	CHECK(!intr_now); /* master IR2 still in service */
	out(0x20, 0x20);
	CHECK(intr_now);
	CHECK_EQ(vpic_ack(&pic), 0x3C);
	/* IRQ 2 is the cascade, not an input */
	CHECK(!vpic_set_irq(&pic, 2, true));
	CHECK(!vpic_set_irq(&pic, 16, true));
}

static void test_mask(void)
{
	setup();
	linux_init(false);
	out(0x21, 0xFF);
	out(0xA1, 0xFF);
	vpic_set_irq(&pic, 4, true);
	CHECK(!intr_now);
	CHECK_EQ(in(0x20), 0x10); /* IRR is set even while masked */
	out(0x21, 0xEF);
	CHECK(intr_now);
	out(0x21, 0xFF);
	CHECK(!intr_now);
	/* nothing pending: INTA gets the spurious IR7 vector, no ISR bit */
	CHECK_EQ(vpic_ack(&pic), 0x37);
	CHECK_EQ(pic.chip[0].isr, 0);
}

static void test_level_and_elcr(void)
{
	setup();
	linux_init(false);
	out(0x21, 0x00);
	out(0xA1, 0x00);
	/* acpi_pic_sci_set_trigger: read both bytes, set IRQ 9, write back */
	out(0x4D0, 0xFF);
	out(0x4D1, 0xFF);
	CHECK_EQ(in(0x4D0), 0xF8);
	CHECK_EQ(in(0x4D1), 0xDE);
	CHECK_EQ(vpic_io_read(&pic, 0x4D0, 2), 0xDEF8);
	vpic_io_write(&pic, 0x4D0, 2, 0x0200);
	CHECK_EQ(in(0x4D0), 0x00);
	CHECK_EQ(in(0x4D1), 0x02);
	/* level IRQ 9: requests while high, re-requests after EOI */
	vpic_set_irq(&pic, 9, true);
	CHECK_EQ(vpic_ack(&pic), 0x39);
	out(0xA0, 0x61);
	out(0x20, 0x62);
	CHECK(intr_now); /* still high */
	CHECK_EQ(vpic_ack(&pic), 0x39);
	vpic_set_irq(&pic, 9, false);
	out(0xA0, 0x20);
	out(0x20, 0x20);
	CHECK(!intr_now);
	/* a level line dropping before INTA withdraws the request */
	vpic_set_irq(&pic, 9, true);
	CHECK(intr_now);
	vpic_set_irq(&pic, 9, false);
	CHECK(!intr_now);
	CHECK_EQ(vpic_ack(&pic), 0x37); /* spurious */
	/* ICW1 LTIM makes every pin level */
	out(0x20, 0x19);
	out(0x21, 0x30);
	out(0x21, 0x04);
	out(0x21, 0x01);
	vpic_set_irq(&pic, 5, true);
	vpic_set_irq(&pic, 5, false);
	CHECK_EQ(in(0x20), 0x00);
}

static void test_aeoi_rotation_poll(void)
{
	setup();
	linux_init(true);
	out(0x21, 0x00);
	vpic_set_irq(&pic, 1, true);
	CHECK_EQ(vpic_ack(&pic), 0x31);
	CHECK_EQ(pic.chip[0].isr, 0); /* automatic EOI */
	/* rotate in AEOI mode: the acknowledged IR becomes the lowest */
	out(0x20, 0x80);
	vpic_set_irq(&pic, 1, false);
	vpic_set_irq(&pic, 1, true);
	CHECK_EQ(vpic_ack(&pic), 0x31);
	vpic_set_irq(&pic, 1, false);
	vpic_set_irq(&pic, 1, true);
	vpic_set_irq(&pic, 6, true);
	CHECK_EQ(vpic_ack(&pic), 0x36); /* IR1 is now the lowest */
	out(0x20, 0x00);		/* clear rotate in AEOI */
	/* set priority: IR5 lowest, so IR6 is the highest */
	out(0x20, 0xC5);
	CHECK_EQ(pic.chip[0].lowest_prio, 5);
	/* poll: OCW3 P=1, the next read acknowledges */
	linux_init(false);
	out(0x21, 0x00);
	vpic_set_irq(&pic, 6, false);
	vpic_set_irq(&pic, 6, true);
	out(0x20, 0x0C);
	CHECK_EQ(in(0x20), 0x86);
	CHECK_EQ(pic.chip[0].isr, 0x40);
	out(0x20, 0x0C);
	CHECK_EQ(in(0x20), 0x00); /* nothing left to poll */
	CHECK_EQ(in(0x20), 0x00); /* poll is one-shot: back to IRR */
	/* rotate on specific EOI */
	out(0x20, 0xE6);
	CHECK_EQ(pic.chip[0].isr, 0);
	CHECK_EQ(pic.chip[0].lowest_prio, 6);
}

static void test_special_mask(void)
{
	setup();
	linux_init(false);
	out(0x21, 0x00);
	vpic_set_irq(&pic, 3, true);
	CHECK_EQ(vpic_ack(&pic), 0x33);
	vpic_set_irq(&pic, 5, true);
	CHECK(!intr_now); /* lower than IR3 in service */
	out(0x20, 0x68);  /* OCW3: set special mask mode */
	out(0x21, 0x08);  /* mask IR3: it no longer blocks */
	CHECK(intr_now);
	out(0x20, 0x48); /* reset special mask mode */
	CHECK(!intr_now);
}

static void test_wide_and_foreign_ports(void)
{
	setup();
	out(0x21, 0x12);
	CHECK_EQ(vpic_io_read(&pic, 0x20, 2), 0x1200);
	CHECK_EQ(vpic_io_read(&pic, 0x21, 4), 0xFFFFFF12);
	CHECK_EQ(vpic_io_read(&pic, 0x22, 1), 0xFF);
	CHECK_EQ(vpic_io_read(&pic, 0x21, 3), 0xFFFFFFFF);
	vpic_io_write(&pic, 0x21, 3, 0);
	vpic_io_write(&pic, 0x22, 1, 0);
	CHECK_EQ(in(0x21), 0x12);
	CHECK_EQ(vpic_io_read(&pic, 0xFFFF, 2), 0xFFFF);
	CHECK(vpic_handles_port(0x20) && vpic_handles_port(0xA1) && vpic_handles_port(0x4D1));
	CHECK(!vpic_handles_port(0x22) && !vpic_handles_port(0x4D2));
}

/* Slave IRQ 12 in service, then IRQ 8 (higher) arrives: is INT raised? */
static bool nested_slave_preempts(uint8_t master_icw4)
{
	struct vdev_irq_line rtc = {.set = vpic_irq_line_set, .ctx = &pic, .line = 8};

	setup();
	linux_init(false);
	out(0x20, 0x11); /* master again, with the ICW4 under test */
	out(0x21, 0x30);
	out(0x21, 0x04);
	out(0x21, master_icw4);
	out(0x21, 0x00);
	out(0xA1, 0x00);
	vpic_set_irq(&pic, 12, true);
	CHECK_EQ(vpic_ack(&pic), 0x3C);
	CHECK_EQ(pic.chip[0].isr, 0x04);
	vdev_irq_set(&rtc, true);
	CHECK_EQ(pic.chip[0].line & BIT(2), BIT(2)); /* the slave asks either way */
	return intr_now;
}

static void test_special_fully_nested(void)
{
	/* fully nested: the master's IR2 in service blocks the slave */
	CHECK(!nested_slave_preempts(0x01));
	/* special fully nested (ICW4 SFNM): the slave nests by itself */
	CHECK(nested_slave_preempts(0x11));
	CHECK_EQ(vpic_ack(&pic), 0x38);
	CHECK_EQ(pic.chip[1].isr, 0x11);
	CHECK_EQ(pic.chip[0].isr, 0x04);
}

int main(void)
{
	RUN(test_reset_state);
	RUN(test_linux_probe_and_init);
	RUN(test_icw_variants);
	RUN(test_irr_isr_and_eoi);
	RUN(test_cascade);
	RUN(test_mask);
	RUN(test_level_and_elcr);
	RUN(test_aeoi_rotation_poll);
	RUN(test_special_mask);
	RUN(test_wide_and_foreign_ports);
	RUN(test_special_fully_nested);
	return test_summary();
}
