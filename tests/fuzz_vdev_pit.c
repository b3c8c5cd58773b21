/*
 * fuzz_vdev_pit.c - libFuzzer target for the virtual 8254 PIT
 * (guests/vdev_pit.c).
 *
 * The input is a sequence of guest accesses (any of ports 0x40-0x43 and
 * 0x61, sizes 1/2/4, any value), time steps and timer ticks.  Invariants:
 * IRQ0 is only ever pulsed (never raised twice in a row); after a tick the
 * next deadline lies in the future; each channel's state stays in range; a
 * read-back on a copy reports the programmed mode and a BCD-valid count in
 * BCD mode, and channel 2's OUT in the status equals port 0x61 bit 5.
 */
#include <stdlib.h>
#include <string.h>

#include <hv/vdev_pit.h>
#include "test.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool irq_level;

static void irq_set(void *ctx, uint32_t line, bool level)
{
	(void)ctx;
	(void)line;
	if (level == irq_level) /* a pulse is up then down, never twice the same */
		abort();
	irq_level = level;
}

static uint64_t take(const uint8_t **d, size_t *n, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++, (*d)++, (*n)--) {
		if (!*n)
			return v;
		v = v << 8 | **d;
	}
	return v;
}

static void check_channel(const struct vpit_channel *ch)
{
	uint32_t m = ch->bcd ? 10000 : 0x10000;

	if (ch->mode > 5 || ch->rw < 1 || ch->rw > 3 || ch->reload > m || ch->frozen > m ||
	    ch->start_count > m || ch->latch_reads_left > 2)
		abort();
	if (ch->counting && ch->reload == 0)
		abort();
}

static bool bcd_valid(uint16_t v)
{
	for (unsigned i = 0; i < 4; i++)
		if (((v >> (4 * i)) & 0xF) > 9)
			return false;
	return true;
}

/* Read-back on a copy, so the fuzzed sequence itself is not disturbed. */
static void check_readback(const struct vpit *pit, vdev_time_ns now)
{
	static struct vpit copy;

	for (unsigned c = 0; c < VPIT_CHANNELS; c++) {
		const struct vpit_channel *ch = &pit->ch[c];
		uint8_t st, lo, hi;

		memcpy(&copy, pit, sizeof(copy));
		copy.irq0.set = NULL;
		copy.ch[c].status_latched = copy.ch[c].count_latched = false;
		copy.ch[c].rd_msb_next = false;
		vpit_io_write(&copy, VPIT_PORT_CTRL, 1, 0xC0 | BIT(c + 1), now);
		st = (uint8_t)vpit_io_read(&copy, (uint16_t)(VPIT_PORT_CH0 + c), 1, now);
		if ((st & 0x3F) != (ch->rw << 4 | ch->mode << 1 | ch->bcd))
			abort();
		lo = (uint8_t)vpit_io_read(&copy, (uint16_t)(VPIT_PORT_CH0 + c), 1, now);
		hi = ch->rw == 3
			 ? (uint8_t)vpit_io_read(&copy, (uint16_t)(VPIT_PORT_CH0 + c), 1, now)
			 : 0;
		if (ch->bcd && ch->rw == 3 && !bcd_valid((uint16_t)(hi << 8 | lo)))
			abort();
		if (c == 2 && !!(st & 0x80) != !!(vpit_io_read(&copy, VPIT_PORT_B, 1, now) & 0x20))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t ports[] = {0x40, 0x41, 0x42, 0x43, 0x61, 0x43, 0x42, 0x44};
	static const unsigned sizes[] = {1, 1, 1, 2, 1, 4, 1, 1};
	struct vdev_irq_line l = {.set = irq_set};
	static struct vpit pit;
	vdev_time_ns now = take(&data, &size, 4);

	irq_level = false;
	vpit_init(&pit, &l);
	while (size) {
		uint8_t op = (uint8_t)take(&data, &size, 1);
		uint16_t port = ports[(op >> 2) & 7];
		unsigned sz = sizes[(op >> 5) & 7];

		switch (op & 3) {
		case 0:
			vpit_io_write(&pit, port, sz, (uint32_t)take(&data, &size, sz), now);
			break;
		case 1:
			vpit_io_read(&pit, port, sz, now);
			break;
		case 2: /* time passes: small steps mostly, sometimes a long way */
			now += (op & 0x80) ? take(&data, &size, 4) << 8 : take(&data, &size, 2);
			break;
		default:
			vpit_tick(&pit, now);
			if (vpit_next_deadline(&pit) <= now)
				abort();
			break;
		}
		for (unsigned c = 0; c < VPIT_CHANNELS; c++)
			check_channel(&pit.ch[c]);
		if ((op & 0x1C) == 0x1C)
			check_readback(&pit, now);
	}
	return 0;
}
