/*
 * test_ioapic.c - unit tests of ioapic_mask_entries (drivers/ioapic.c)
 * against a register model of an IOAPIC: the entry count comes from the
 * version register, every entry ends masked with its other bits kept, the
 * high dwords and masked entries are not written, and an IOAPIC whose
 * version register reads all-ones is left alone.  Also the routing of ISA
 * interrupts (console input): interrupt source overrides, the redirection
 * entry's bits, and which IOAPIC entry serves a GSI.
 */
#include <stdio.h>
#include <string.h>

#include <hv/ioapic.h>
#include "test.h"

#define NREGS 0x210 /* up to entry 255 */

struct model {
	uint32_t reg[NREGS];
	uint32_t writes;
	uint32_t high_writes;
};

static uint32_t model_read(void *ctx, uint32_t reg)
{
	struct model *m = ctx;

	return reg < NREGS ? m->reg[reg] : 0xffffffffu;
}

static void model_write(void *ctx, uint32_t reg, uint32_t val)
{
	struct model *m = ctx;

	m->writes++;
	if (reg >= 0x10 && (reg & 1))
		m->high_writes++;
	if (reg < NREGS)
		m->reg[reg] = val;
}

static void test_masks_every_entry(void)
{
	struct model m;
	struct ioapic_access io = {model_read, model_write, &m};
	uint32_t unmasked = 99;

	memset(&m, 0, sizeof(m));
	m.reg[1] = 0x00170020; /* 24 entries, version 0x20 */
	for (uint32_t i = 0; i < 24; i++) {
		m.reg[0x10 + 2 * i] = 0x30 + i;	      /* vector, unmasked */
		m.reg[0x11 + 2 * i] = 0x01000000 * i; /* destination */
	}
	m.reg[0x10 + 2 * 5] |= 1u << 16; /* one already masked */
	m.reg[0x10 + 2 * 24] = 0x1234;	 /* beyond the last entry */
	CHECK_EQ(ioapic_mask_entries(&io, &unmasked), 24);
	CHECK_EQ(unmasked, 23);
	CHECK_EQ(m.writes, 23);
	CHECK_EQ(m.high_writes, 0);
	for (uint32_t i = 0; i < 24; i++) {
		CHECK_EQ(m.reg[0x10 + 2 * i], (0x30 + i) | (1u << 16));
		CHECK_EQ(m.reg[0x11 + 2 * i], 0x01000000 * i);
	}
	CHECK_EQ(m.reg[0x10 + 2 * 24], 0x1234);
}

static void test_largest_ioapic(void)
{
	struct model m;
	struct ioapic_access io = {model_read, model_write, &m};

	memset(&m, 0, sizeof(m));
	m.reg[1] = 0x00ff0011; /* 256 entries */
	CHECK_EQ(ioapic_mask_entries(&io, NULL), 256);
	for (uint32_t i = 0; i < 256; i++)
		CHECK_EQ(m.reg[0x10 + 2 * i], 1u << 16);
}

static void test_nothing_answers(void)
{
	struct model m;
	struct ioapic_access io = {model_read, model_write, &m};
	uint32_t unmasked = 99;

	memset(&m, 0, sizeof(m));
	m.reg[1] = 0xffffffffu;
	CHECK_EQ(ioapic_mask_entries(&io, &unmasked), 0);
	CHECK_EQ(unmasked, 0);
	CHECK_EQ(m.writes, 0);
}

/* The MADT of QEMU and Bochs: IRQ 0 -> GSI 2, the SCI (IRQ 9) level, active high. */
static void plat_with_overrides(struct platform *p)
{
	memset(p, 0, sizeof(*p));
	p->iso_count = 2;
	p->isos[0] = (struct plat_iso){.bus = 0, .source = 0, .gsi = 2, .flags = 0};
	p->isos[1] = (struct plat_iso){.bus = 0, .source = 9, .gsi = 9, .flags = 0xd};
}

static void test_isa_lookup(void)
{
	struct platform p;
	struct ioapic_isa_route r;

	plat_with_overrides(&p);
	r = ioapic_isa_lookup(&p, 4); /* no override: identity, high, edge */
	CHECK_EQ(r.gsi, 4);
	CHECK(!r.active_low && !r.level);
	r = ioapic_isa_lookup(&p, 0);
	CHECK_EQ(r.gsi, 2);
	CHECK(!r.active_low && !r.level);
	r = ioapic_isa_lookup(&p, 9); /* flags 1101: active high (01), level (11) */
	CHECK(!r.active_low && r.level);
	p.isos[1].flags = 0xf; /* active low, level */
	r = ioapic_isa_lookup(&p, 9);
	CHECK(r.active_low && r.level);
	p.isos[0].bus = 1; /* not the ISA bus: ignored */
	CHECK_EQ(ioapic_isa_lookup(&p, 0).gsi, 0);
}

static void test_rte_bits(void)
{
	struct ioapic_isa_route edge = {.gsi = 4},
				lvl = {.gsi = 9, .active_low = true, .level = true};

	CHECK_EQ(ioapic_rte(&edge, 0xe8, 0, false), 0xe8);
	CHECK_EQ(ioapic_rte(&edge, 0xe8, 3, true), 0x03000000000100e8ULL);
	CHECK_EQ(ioapic_rte(&lvl, 0x41, 0xff, false), 0xff0000000000a041ULL);
}

static void test_set_entry_finds_ioapic(void)
{
	struct platform p;
	struct model m;
	struct ioapic_access io = {model_read, model_write, &m};

	memset(&p, 0, sizeof(p));
	memset(&m, 0, sizeof(m));
	p.ioapic_count = 1;
	p.ioapics[0] = (struct plat_ioapic){.id = 0, .address = 0xfec00000, .gsi_base = 0};
	m.reg[1] = 0x00170020; /* 24 entries */
	CHECK(ioapic_set_entry(&p, 4, 0x01000000000100e8ULL, &io));
	CHECK_EQ(m.reg[0x18], 0x100e8);
	CHECK_EQ(m.reg[0x19], 0x01000000);
	CHECK(!ioapic_set_entry(&p, 24, 0, &io)); /* beyond its 24 entries */
	p.ioapics[0].gsi_base = 24;
	CHECK(!ioapic_set_entry(&p, 4, 0, &io)); /* below its range */
	CHECK(ioapic_set_entry(&p, 25, 0x10000, &io));
	CHECK_EQ(m.reg[0x12], 0x10000);
	m.reg[1] = 0xffffffffu; /* nothing answers */
	CHECK(!ioapic_set_entry(&p, 25, 0, &io));
}

int main(void)
{
	RUN(test_masks_every_entry);
	RUN(test_largest_ioapic);
	RUN(test_nothing_answers);
	RUN(test_isa_lookup);
	RUN(test_rte_bits);
	RUN(test_set_entry_finds_ioapic);
	return test_summary();
}
