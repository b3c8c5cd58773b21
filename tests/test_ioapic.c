/*
 * test_ioapic.c - unit tests of ioapic_mask_entries (drivers/ioapic.c)
 * against a register model of an IOAPIC: the entry count comes from the
 * version register, every entry ends masked with its other bits kept, the
 * high dwords and masked entries are not written, and an IOAPIC whose
 * version register reads all-ones is left alone.
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

int main(void)
{
	RUN(test_masks_every_entry);
	RUN(test_largest_ioapic);
	RUN(test_nothing_answers);
	return test_summary();
}
