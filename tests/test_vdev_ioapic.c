/*
 * test_vdev_ioapic.c - unit tests of the virtual I/O APIC (guests/vdev_ioapic.c).
 *
 * Registers are reached the way Linux reaches them (IOREGSEL then IOWIN,
 * entries written high dword first), and every delivered message is
 * recorded by a fake local APIC.
 */
#include <string.h>

#include <hv/vdev_ioapic.h>
#include "test.h"

#define MAX_MSGS 16

static struct vioapic io;
static struct vioapic_msg msgs[MAX_MSGS];
static unsigned int nmsgs;

static void record(void *ctx, const struct vioapic_msg *msg)
{
	CHECK(ctx == &io);
	if (nmsgs < MAX_MSGS)
		msgs[nmsgs] = *msg;
	nmsgs++;
}

static void setup(void)
{
	nmsgs = 0;
	memset(msgs, 0, sizeof(msgs));
	CHECK_EQ(vioapic_init(&io, 0, record, &io), 0);
}

static uint32_t rd(uint32_t reg)
{
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, 4, reg);
	return (uint32_t)vioapic_mmio_read(&io, VIOAPIC_IOWIN, 4);
}

static void wr(uint32_t reg, uint32_t val)
{
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, 4, reg);
	vioapic_mmio_write(&io, VIOAPIC_IOWIN, 4, val);
}

/* As Linux's __ioapic_write_entry: high dword first, then low. */
static void set_entry(uint32_t pin, uint32_t low, uint8_t dest)
{
	wr(VIOAPIC_REG_REDTBL0 + 2 * pin + 1, (uint32_t)dest << 24);
	wr(VIOAPIC_REG_REDTBL0 + 2 * pin, low);
}

static uint32_t entry_low(uint32_t pin)
{
	return rd(VIOAPIC_REG_REDTBL0 + 2 * pin);
}

#define LEVEL	 VIOAPIC_RTE_TRIGGER
#define ACT_LOW	 VIOAPIC_RTE_POLARITY
#define MASKED	 VIOAPIC_RTE_MASK
#define RIRR	 VIOAPIC_RTE_REMOTE_IRR
#define DM(mode) ((uint32_t)(mode) << VIOAPIC_RTE_DELMODE_SHIFT)

static void test_reset_state(void)
{
	setup();
	CHECK_EQ(rd(VIOAPIC_REG_ID), 0);
	CHECK_EQ(rd(VIOAPIC_REG_VER), 0x00170020);
	CHECK_EQ(rd(VIOAPIC_REG_ARB), 0);
	for (uint32_t pin = 0; pin < VIOAPIC_PINS; pin++) {
		CHECK_EQ(entry_low(pin), VIOAPIC_RTE_MASK);
		CHECK_EQ(rd(VIOAPIC_REG_REDTBL0 + 2 * pin + 1), 0);
	}
	CHECK_EQ(vioapic_init(&io, 9, record, &io), 0);
	CHECK_EQ(rd(VIOAPIC_REG_ID), 9u << 24);
	CHECK_EQ(rd(VIOAPIC_REG_ARB), 9u << 24);
	CHECK_EQ(vioapic_init(&io, 16, record, &io), -1);
	vioapic_reset(&io);
	CHECK_EQ(rd(VIOAPIC_REG_ID), 0);
}

static void test_registers(void)
{
	setup();
	/* ID: 4 bits at 27:24; ARB follows; VER and ARB read-only */
	wr(VIOAPIC_REG_ID, 0xFFFFFFFF);
	CHECK_EQ(rd(VIOAPIC_REG_ID), 0x0F000000);
	CHECK_EQ(rd(VIOAPIC_REG_ARB), 0x0F000000);
	wr(VIOAPIC_REG_VER, 0);
	wr(VIOAPIC_REG_ARB, 0);
	CHECK_EQ(rd(VIOAPIC_REG_VER), 0x00170020);
	CHECK_EQ(rd(VIOAPIC_REG_ARB), 0x0F000000);
	/* entry: writable bits only; delivery status and remote IRR read 0 */
	wr(0x10 + 2 * 5, 0xFFFFFFFF);
	CHECK_EQ(entry_low(5), 0x1AFFF & ~(uint32_t)VIOAPIC_RTE_DELIVS);
	wr(0x11 + 2 * 5, 0xFFFFFFFF);
	CHECK_EQ(rd(0x11 + 2 * 5), 0xFF000000);
	/* last entry is 0x3E/0x3F; beyond reads 0 and ignores writes */
	wr(0x3F, 0x12000000);
	CHECK_EQ(rd(0x3F), 0x12000000);
	wr(0x40, 0xFFFFFFFF);
	CHECK_EQ(rd(0x40), 0);
	CHECK_EQ(rd(3), 0);
	CHECK_EQ(rd(0xFF), 0);
	/* IOREGSEL: bits 7:0 */
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, 4, 0x12345601);
	CHECK_EQ(vioapic_mmio_read(&io, VIOAPIC_IOREGSEL, 4), 0x01);
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, 1, 0x10);
	CHECK_EQ(vioapic_mmio_read(&io, VIOAPIC_IOREGSEL, 1), 0x10);
	CHECK_EQ(nmsgs, 0);
}

static void test_unmapped_and_sizes(void)
{
	setup();
	CHECK_EQ(vioapic_mmio_read(&io, 0x04, 4), 0xFFFFFFFF);
	CHECK_EQ(vioapic_mmio_read(&io, 0x20, 4), 0xFFFFFFFF);
	CHECK_EQ(vioapic_mmio_read(&io, VIOAPIC_EOIR, 4), 0xFFFFFFFF);
	CHECK_EQ(vioapic_mmio_read(&io, 0xFFC, 4), 0xFFFFFFFF);
	CHECK_EQ(vioapic_mmio_read(&io, 0x1000, 4), 0xFFFFFFFF);
	CHECK_EQ(vioapic_mmio_read(&io, VIOAPIC_IOWIN, 8), UINT64_MAX);
	CHECK_EQ(vioapic_mmio_read(&io, VIOAPIC_IOWIN, 2), 0xFFFF);
	CHECK_EQ(vioapic_mmio_read(&io, VIOAPIC_IOWIN, 1), 0xFF);
	CHECK_EQ(vioapic_mmio_read(&io, VIOAPIC_IOWIN + 1, 1), 0xFF);
	CHECK_EQ(vioapic_mmio_read(&io, VIOAPIC_IOREGSEL, 8), UINT64_MAX);
	CHECK_EQ(vioapic_mmio_read(&io, VIOAPIC_IOREGSEL, 0), 0);
	/* a byte write to IOWIN must not reach the selected register */
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, 4, 0x10);
	vioapic_mmio_write(&io, VIOAPIC_IOWIN, 1, 0);
	vioapic_mmio_write(&io, VIOAPIC_IOWIN, 8, 0);
	vioapic_mmio_write(&io, 0x14, 4, 0);
	CHECK_EQ(rd(0x10), VIOAPIC_RTE_MASK);
	vioapic_mmio_write(&io, 0x1000, 4, 0);
	CHECK_EQ(vioapic_mmio_read(&io, VIOAPIC_IOREGSEL, 4), 0x10);
}

static void test_edge(void)
{
	setup();
	set_entry(4, 0x34, 1); /* fixed, physical, edge, high, unmasked */
	CHECK(vioapic_set_irq(&io, 4, true));
	CHECK_EQ(nmsgs, 1);
	CHECK_EQ(msgs[0].vector, 0x34);
	CHECK_EQ(msgs[0].dest, 1);
	CHECK_EQ(msgs[0].delivery_mode, VIOAPIC_DM_FIXED);
	CHECK(!msgs[0].level);
	CHECK(!msgs[0].logical);
	CHECK_EQ(msgs[0].pin, 4);
	vioapic_set_irq(&io, 4, true); /* no new edge */
	CHECK_EQ(nmsgs, 1);
	CHECK_EQ(entry_low(4) & RIRR, 0);
	vioapic_set_irq(&io, 4, false);
	CHECK_EQ(nmsgs, 1);
	vioapic_set_irq(&io, 4, true);
	CHECK_EQ(nmsgs, 2);
	/* a masked edge is lost; unmasking does not resurrect it */
	vioapic_set_irq(&io, 4, false);
	set_entry(4, 0x34 | MASKED, 1);
	vioapic_set_irq(&io, 4, true);
	set_entry(4, 0x34, 1);
	CHECK_EQ(nmsgs, 2);
	CHECK(!vioapic_set_irq(&io, 24, true));
	CHECK(!vioapic_set_irq(&io, UINT32_MAX, true));
}

static void test_level_remote_irr(void)
{
	setup();
	set_entry(9, 0x41 | LEVEL | VIOAPIC_RTE_DESTMODE | DM(VIOAPIC_DM_LOWPRI), 0x0F);
	vioapic_set_irq(&io, 9, true);
	CHECK_EQ(nmsgs, 1);
	CHECK(msgs[0].level);
	CHECK(msgs[0].logical);
	CHECK_EQ(msgs[0].dest, 0x0F);
	CHECK_EQ(msgs[0].delivery_mode, VIOAPIC_DM_LOWPRI);
	CHECK(entry_low(9) & RIRR);
	/* remote IRR is read-only: a write of the low dword keeps it */
	wr(0x10 + 2 * 9, 0x41 | LEVEL | VIOAPIC_RTE_DESTMODE | DM(1));
	CHECK(entry_low(9) & RIRR);
	CHECK_EQ(nmsgs, 1);
	/* EOI of another vector changes nothing */
	vioapic_eoi(&io, 0x42);
	CHECK(entry_low(9) & RIRR);
	/* EOI while still asserted: re-delivered, remote IRR set again */
	vioapic_eoi(&io, 0x41);
	CHECK_EQ(nmsgs, 2);
	CHECK(entry_low(9) & RIRR);
	/* deassert then EOI (as the vLAPIC's ops.eoi): nothing sent */
	vioapic_set_irq(&io, 9, false);
	vioapic_eoi_cb(&io, 0x41);
	CHECK_EQ(nmsgs, 2);
	CHECK_EQ(entry_low(9) & RIRR, 0);
	vioapic_set_irq(&io, 9, true);
	CHECK_EQ(nmsgs, 3);
}

static void test_eoi_register(void)
{
	setup();
	set_entry(10, 0x51 | LEVEL, 0);
	set_entry(11, 0x51 | LEVEL, 0);
	vioapic_set_irq(&io, 10, true);
	vioapic_set_irq(&io, 11, true);
	CHECK_EQ(nmsgs, 2);
	vioapic_set_irq(&io, 10, false);
	/* one EOI ends every entry with that vector (shared vectors) */
	vioapic_mmio_write(&io, VIOAPIC_EOIR, 4, 0xFFFFFF51);
	CHECK_EQ(entry_low(10) & RIRR, 0);
	CHECK(entry_low(11) & RIRR); /* 11 still asserted: sent again */
	CHECK_EQ(nmsgs, 3);
	CHECK_EQ(msgs[2].pin, 11);
	/* a byte write to the EOI register is ignored */
	vioapic_set_irq(&io, 11, false);
	vioapic_mmio_write(&io, VIOAPIC_EOIR, 1, 0x51);
	CHECK(entry_low(11) & RIRR);
	/* the pre-0x20 trick: switching to edge clears remote IRR */
	wr(0x10 + 2 * 11, 0x51 | MASKED);
	CHECK_EQ(entry_low(11) & RIRR, 0);
	wr(0x10 + 2 * 11, 0x51 | LEVEL);
	CHECK_EQ(nmsgs, 3);
}

static void test_polarity(void)
{
	setup();
	/* active-low level (the SCI): the pin idles high */
	vioapic_irq_line_set(&io, 9, true);
	set_entry(9, 0x49 | LEVEL | ACT_LOW, 0);
	CHECK_EQ(nmsgs, 0);
	vioapic_irq_line_set_active_low(&io, 9, true); /* drives low */
	CHECK_EQ(nmsgs, 1);
	CHECK_EQ(io.pin_level & BIT(9), 0);
	vioapic_irq_line_set_active_low(&io, 9, false);
	vioapic_eoi(&io, 0x49);
	CHECK_EQ(nmsgs, 1);
	/* active-low edge: the falling edge asserts */
	vioapic_set_irq(&io, 3, true);
	set_entry(3, 0x33 | ACT_LOW, 0);
	vioapic_set_irq(&io, 3, false);
	CHECK_EQ(nmsgs, 2);
	vioapic_set_irq(&io, 3, true);
	CHECK_EQ(nmsgs, 2);
	/* an active-low level entry on a pin left low is asserted at unmask */
	set_entry(7, 0x37 | LEVEL | ACT_LOW, 0);
	CHECK_EQ(nmsgs, 3);
	CHECK_EQ(msgs[2].vector, 0x37);
}

static void test_mask_unmask_level(void)
{
	setup();
	/* Linux's ioapic_mask_entry order: low dword first */
	set_entry(12, 0x5C | LEVEL | MASKED, 0);
	vioapic_set_irq(&io, 12, true);
	CHECK_EQ(nmsgs, 0);
	CHECK_EQ(entry_low(12) & RIRR, 0);
	wr(0x11 + 2 * 12, 0x03000000); /* high dword alone: still masked */
	CHECK_EQ(nmsgs, 0);
	wr(0x10 + 2 * 12, 0x5C | LEVEL); /* unmask with the line asserted */
	CHECK_EQ(nmsgs, 1);
	CHECK_EQ(msgs[0].dest, 3);
	/* mask while in service: EOI clears IRR but nothing is sent */
	wr(0x10 + 2 * 12, 0x5C | LEVEL | MASKED);
	vioapic_eoi(&io, 0x5C);
	CHECK_EQ(nmsgs, 1);
	CHECK_EQ(entry_low(12) & RIRR, 0);
	wr(0x10 + 2 * 12, 0x5C | LEVEL);
	CHECK_EQ(nmsgs, 2);
	/* edge -> level with the line high delivers too */
	set_entry(13, 0x5D, 0);
	vioapic_set_irq(&io, 13, true);
	CHECK_EQ(nmsgs, 3);
	wr(0x10 + 2 * 13, 0x5D | LEVEL);
	CHECK_EQ(nmsgs, 4);
	CHECK(entry_low(13) & RIRR);
}

static void test_delivery_modes(void)
{
	setup();
	set_entry(0, 0x00 | LEVEL | DM(VIOAPIC_DM_NMI), 0);
	vioapic_set_irq(&io, 0, true);
	CHECK_EQ(nmsgs, 1);
	CHECK_EQ(msgs[0].delivery_mode, VIOAPIC_DM_NMI);
	CHECK(!msgs[0].level); /* NMI is always edge */
	CHECK_EQ(entry_low(0) & RIRR, 0);
	vioapic_set_irq(&io, 0, true);
	CHECK_EQ(nmsgs, 1);
	set_entry(1, DM(VIOAPIC_DM_SMI), 0);
	set_entry(2, DM(VIOAPIC_DM_INIT), 0);
	set_entry(5, 0x20 | DM(VIOAPIC_DM_EXTINT), 0);
	set_entry(6, 0x26 | DM(3), 0); /* reserved: nothing sent */
	vioapic_set_irq(&io, 1, true);
	vioapic_set_irq(&io, 2, true);
	vioapic_set_irq(&io, 5, true);
	vioapic_set_irq(&io, 6, true);
	CHECK_EQ(nmsgs, 4);
	CHECK_EQ(msgs[1].delivery_mode, VIOAPIC_DM_SMI);
	CHECK_EQ(msgs[2].delivery_mode, VIOAPIC_DM_INIT);
	CHECK_EQ(msgs[3].delivery_mode, VIOAPIC_DM_EXTINT);
	CHECK_EQ(msgs[3].vector, 0x20);
	CHECK_EQ(entry_low(6) & VIOAPIC_RTE_DELMODE, DM(3));
	CHECK_EQ(io.delivered, 4);
}

/* clear_IO_APIC_pin() on an entry left in service: mask, see remote IRR,
 * EOI through the register (version 0x20), then ioapic_mask_entry(). */
static void test_linux_clear_pin(void)
{
	setup();
	set_entry(5, 0x65 | LEVEL, 2);
	vioapic_set_irq(&io, 5, true);
	CHECK_EQ(nmsgs, 1);
	wr(0x10 + 2 * 5, 0x65 | LEVEL | MASKED);
	CHECK(entry_low(5) & RIRR);
	vioapic_mmio_write(&io, VIOAPIC_EOIR, 4, 0x65);
	CHECK_EQ(entry_low(5) & RIRR, 0);
	wr(0x10 + 2 * 5, MASKED);
	wr(0x11 + 2 * 5, 0);
	CHECK_EQ(entry_low(5), MASKED);
	CHECK_EQ(rd(0x11 + 2 * 5), 0);
	CHECK_EQ(nmsgs, 1);
	/* the edge-trigger hack of pre-0x20 parts: level -> edge -> level */
	set_entry(5, 0x65 | LEVEL, 2);
	CHECK_EQ(nmsgs, 2);
	wr(0x10 + 2 * 5, 0x65 | MASKED);
	wr(0x10 + 2 * 5, 0x65 | LEVEL);
	CHECK_EQ(nmsgs, 3); /* still asserted: delivered again */
}

static void test_no_callback(void)
{
	CHECK_EQ(vioapic_init(&io, 1, NULL, NULL), 0);
	set_entry(4, 0x34 | LEVEL, 0);
	vioapic_set_irq(&io, 4, true);
	CHECK_EQ(io.delivered, 1);
	CHECK(entry_low(4) & RIRR);
}

int main(void)
{
	RUN(test_reset_state);
	RUN(test_registers);
	RUN(test_unmapped_and_sizes);
	RUN(test_edge);
	RUN(test_level_remote_irr);
	RUN(test_eoi_register);
	RUN(test_polarity);
	RUN(test_mask_unmask_level);
	RUN(test_delivery_modes);
	RUN(test_linux_clear_pin);
	RUN(test_no_callback);
	return test_summary();
}
