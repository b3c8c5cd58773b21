/*
 * vdev_pit.c - the virtual 8254 PIT and port 0x61 (include/hv/vdev_pit.h).
 *
 * Follows the Intel 82C54 data sheet (order 231244): control word (SC, RW,
 * M, BCD), counter latch command, read-back command with status byte,
 * modes 0-5, LSB/MSB/LSB-then-MSB access, binary and BCD counting, gates.
 * Linux paths checked: arch/x86/kernel/tsc.c (pit_calibrate_tsc: 0x61 gate
 * high and speaker off, 0xB0 = channel 2 mode 0 LSB-MSB, count, poll 0x61
 * bit 5; quick_pit_calibrate: count 0xFFFF, unlatched LSB-MSB reads of
 * port 0x42 watching the MSB) and drivers/clocksource/i8253.c (channel 0:
 * 0x34 = mode 2 periodic, 0x30 = mode 0 one-shot and shutdown with count 0,
 * 0x00 = latch for the i8253 clocksource read).
 *
 * Counting is computed, never stepped: a running counting element started
 * holding start_count at start_tick (a tick of the 1.193182 MHz input clock
 * counted from guest time 0), so its value and OUT at any tick follow from
 * the elapsed ticks.  Gate changes and writes restart that description.
 *
 * Simplifications (no Linux path depends on them):
 *  - a new count written in mode 2 or 3 while counting restarts the period
 *    at once instead of at the end of the current one;
 *  - mode 3 with an odd count reads N, N-2, ... like an even one (the
 *    output still is high (N+1)/2 and low (N-1)/2 ticks);
 *  - the count read before the loading clock edge is already the new one
 *    (NULL COUNT in the status byte is exact);
 *  - the status byte reports modes 6 and 7 as 2 and 3;
 *  - invalid BCD digits in a written count count at face value, modulo 10000.
 */
#include <hv/vdev_pit.h>
#include <hv/lib.h>

#define CW_SC_SHIFT    6
#define CW_SC_READBACK 3
#define CW_RW_SHIFT    4
#define CW_RW_MASK     3
#define CW_RW_LATCH    0
#define CW_RW_LSB      1
#define CW_RW_MSB      2
#define CW_RW_LOHI     3
#define CW_M_SHIFT     1
#define CW_BCD	       BIT(0)
#define RB_NO_COUNT    BIT(5) /* read-back: 0 = latch count */
#define RB_NO_STATUS   BIT(4) /* read-back: 0 = latch status */
#define ST_OUT	       BIT(7)
#define ST_NULL_COUNT  BIT(6)
#define NO_TICK	       UINT64_MAX
#define CH_IRQ	       0 /* channel 0 drives IRQ0 */
#define CH_GATED       2 /* channel 2's gate is port 0x61 bit 0 */

static uint32_t modulus(const struct vpit_channel *ch)
{
	return ch->bcd ? 10000 : 0x10000;
}

static uint64_t elapsed(const struct vpit_channel *ch, uint64_t t)
{
	return t >= ch->start_tick ? t - ch->start_tick : 0;
}

/* The counting element's value at tick t, 0..modulus (modulus reads as 0). */
static uint32_t count_at(const struct vpit_channel *ch, uint64_t t)
{
	uint64_t e = elapsed(ch, t);
	uint32_t n = ch->reload, m = modulus(ch);

	if (!ch->counting)
		return ch->frozen;
	switch (ch->mode) {
	case 2: /* N, N-1, ..., 1, N, ... */
		return n - (uint32_t)(e % n);
	case 3: /* decrements by two, twice per period */
		return n - (uint32_t)((2 * (e % n)) % n);
	default: /* modes 0, 1, 4, 5: count down and wrap */
		return (uint32_t)((ch->start_count + m - e % m) % m);
	}
}

static bool out_at(const struct vpit_channel *ch, uint64_t t)
{
	uint64_t e = elapsed(ch, t);
	uint32_t n = ch->reload;

	if (!ch->counting)
		return ch->out_frozen;
	switch (ch->mode) {
	case 0: /* interrupt on terminal count: high once the count reaches 0 */
	case 1:
		return ch->done || e >= ch->start_count;
	case 2: /* low for the one tick the count is 1 */
		return e % n != n - 1;
	case 3: /* high the first half of each period */
		return e % n < (n + 1) / 2;
	case 4: /* strobe: low for the one tick the count is 0 */
	case 5:
		return ch->done || e != ch->start_count;
	default:
		return true;
	}
}

/* First tick >= from at which OUT rises, or NO_TICK. */
static uint64_t next_rise(const struct vpit_channel *ch, uint64_t from)
{
	uint64_t s = ch->start_tick, n = ch->reload, r, k;

	if (!ch->counting)
		return NO_TICK;
	switch (ch->mode) {
	case 0:
	case 1:
	case 4:
	case 5:
		if (ch->done)
			return NO_TICK;
		r = s + ch->start_count + (ch->mode >= 4 ? 1 : 0);
		return r >= from ? r : NO_TICK;
	case 2:
	case 3: /* at the end of every period */
		if (from <= s + n)
			return s + n;
		k = (from - s + n - 1) / n;
		return s + k * n;
	default:
		return NO_TICK;
	}
}

/* Stop the counting element at tick t, keeping its count and OUT. */
static void freeze(struct vpit_channel *ch, uint64_t t)
{
	uint64_t e = elapsed(ch, t);

	if (!ch->counting)
		return;
	ch->frozen = count_at(ch, t);
	ch->out_frozen = out_at(ch, t);
	if (ch->mode <= 1)
		ch->done = ch->done || e >= ch->start_count;
	else if (ch->mode >= 4)
		ch->done = ch->done || e > ch->start_count;
	ch->counting = false;
}

/* The counting element takes count on the next clock edge and runs. */
static void start(struct vpit_channel *ch, uint64_t t, uint32_t count)
{
	ch->counting = true;
	ch->start_tick = t + 1;
	ch->start_count = count;
}

static uint16_t to_bcd(uint32_t v)
{
	return (uint16_t)(v % 10 | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 |
			  (v / 1000 % 10) << 12);
}

static uint32_t from_bcd(uint16_t v)
{
	return ((v & 0xF) + (v >> 4 & 0xF) * 10 + (v >> 8 & 0xF) * 100 + (v >> 12) * 1000) % 10000;
}

static uint16_t encoded_count(const struct vpit_channel *ch, uint64_t t)
{
	uint32_t c = count_at(ch, t) % modulus(ch);

	return ch->bcd ? to_bcd(c) : (uint16_t)c;
}

static uint8_t status_byte(const struct vpit_channel *ch, uint64_t t)
{
	uint8_t s = (uint8_t)(ch->rw << CW_RW_SHIFT | ch->mode << CW_M_SHIFT);

	if (ch->bcd)
		s |= CW_BCD;
	if (out_at(ch, t))
		s |= ST_OUT;
	if (t < ch->load_tick)
		s |= ST_NULL_COUNT;
	return s;
}

static void latch_count(struct vpit_channel *ch, uint64_t t)
{
	if (ch->count_latched) /* a second latch before the read is ignored */
		return;
	ch->latch = encoded_count(ch, t);
	ch->latch_reads_left = ch->rw == CW_RW_LOHI ? 2 : 1;
	ch->count_latched = true;
}

static void latch_status(struct vpit_channel *ch, uint64_t t)
{
	if (ch->status_latched)
		return;
	ch->status = status_byte(ch, t);
	ch->status_latched = true;
}

/* LSB or MSB of v as the RW mode and the read flip-flop say. */
static uint8_t pick_byte(struct vpit_channel *ch, uint16_t v)
{
	bool msb = ch->rw == CW_RW_MSB;

	if (ch->rw == CW_RW_LOHI) {
		msb = ch->rd_msb_next;
		ch->rd_msb_next = !ch->rd_msb_next;
	}
	return (uint8_t)(msb ? v >> 8 : v);
}

static uint8_t read_channel(struct vpit_channel *ch, uint64_t t)
{
	uint8_t b;

	if (ch->status_latched) { /* status first when both are latched */
		ch->status_latched = false;
		return ch->status;
	}
	if (!ch->count_latched)
		return pick_byte(ch, encoded_count(ch, t));
	b = pick_byte(ch, ch->latch);
	if (--ch->latch_reads_left == 0)
		ch->count_latched = false;
	return b;
}

/* A complete count was written: load it per the mode (data sheet, "Modes"). */
static void load_count(struct vpit_channel *ch, uint16_t raw, uint64_t t)
{
	uint32_t n = ch->bcd ? from_bcd(raw) : raw;

	ch->reload = n ? n : modulus(ch);
	ch->load_tick = t + 1;
	if (ch->mode == 1 || ch->mode == 5) {
		/* armed: the next gate trigger uses the count; a running one-shot goes on */
		if (!ch->counting) {
			ch->frozen = ch->reload;
			ch->out_frozen = true;
		}
		return;
	}
	ch->done = false;
	if (ch->gate) {
		start(ch, t, ch->reload);
		return;
	}
	ch->counting = false; /* loaded, waiting for the gate */
	ch->frozen = ch->reload;
	ch->out_frozen = ch->mode != 0;
}

static void write_channel(struct vpit_channel *ch, uint8_t v, uint64_t t)
{
	switch (ch->rw) {
	case CW_RW_LSB:
		load_count(ch, v, t);
		break;
	case CW_RW_MSB:
		load_count(ch, (uint16_t)(v << 8), t);
		break;
	default: /* LSB then MSB */
		if (!ch->wr_msb_next) {
			ch->wr_lsb = v;
			ch->wr_msb_next = true;
			if (ch->mode == 0) { /* first byte stops counting, OUT low at once */
				freeze(ch, t);
				ch->out_frozen = false;
			}
			break;
		}
		ch->wr_msb_next = false;
		load_count(ch, (uint16_t)(v << 8 | ch->wr_lsb), t);
		break;
	}
}

/* Control word with RW != 0: reprogram the channel; it waits for a count. */
static void program(struct vpit_channel *ch, uint8_t cw, uint64_t t)
{
	uint8_t mode = (cw >> CW_M_SHIFT) & 7;

	ch->frozen = count_at(ch, t);
	ch->mode = mode >= 6 ? (uint8_t)(mode - 4) : mode;
	ch->rw = (cw >> CW_RW_SHIFT) & CW_RW_MASK;
	ch->bcd = cw & CW_BCD;
	ch->frozen %= modulus(ch);
	ch->reload = 0;
	ch->start_count = 0;
	ch->counting = false;
	ch->done = false;
	ch->out_frozen = ch->mode != 0; /* mode 0 OUT goes low, all others high */
	ch->load_tick = NO_TICK;
	ch->wr_msb_next = false;
	ch->rd_msb_next = false;
	ch->count_latched = false;
	ch->status_latched = false;
}

static void write_control(struct vpit *pit, uint8_t cw, uint64_t t)
{
	unsigned sc = cw >> CW_SC_SHIFT;

	if (sc == CW_SC_READBACK) {
		for (unsigned i = 0; i < VPIT_CHANNELS; i++) {
			if (!(cw & BIT(i + 1)))
				continue;
			if (!(cw & RB_NO_COUNT))
				latch_count(&pit->ch[i], t);
			if (!(cw & RB_NO_STATUS))
				latch_status(&pit->ch[i], t);
		}
		return;
	}
	if (((cw >> CW_RW_SHIFT) & CW_RW_MASK) == CW_RW_LATCH)
		latch_count(&pit->ch[sc], t);
	else
		program(&pit->ch[sc], cw, t);
}

/* Gate input change (only channel 2's gate is wired to anything). */
static void set_gate(struct vpit_channel *ch, bool gate, uint64_t t)
{
	if (ch->gate == gate)
		return;
	ch->gate = gate;
	if (ch->reload == 0)
		return; /* no count yet: nothing to gate */
	switch (ch->mode) {
	case 0:
	case 4: /* gate enables counting */
		if (!gate)
			freeze(ch, t);
		else if (!ch->counting)
			start(ch, t, ch->frozen);
		break;
	case 2:
	case 3: /* low: stop with OUT high; rising: reload */
		if (!gate) {
			freeze(ch, t);
			ch->out_frozen = true;
		} else {
			start(ch, t, ch->reload);
		}
		break;
	default: /* 1, 5: a rising edge triggers */
		if (gate) {
			ch->done = false;
			start(ch, t, ch->reload);
		}
		break;
	}
}

static uint8_t read_port_b(const struct vpit *pit, vdev_time_ns now)
{
	uint8_t v = pit->port_b;

	if ((now / VPIT_REFRESH_NS) & 1)
		v |= VPIT_B_REFRESH;
	if (out_at(&pit->ch[CH_GATED], vpit_ticks(now)))
		v |= VPIT_B_OUT2;
	return v;
}

static uint8_t read_byte(struct vpit *pit, uint32_t port, vdev_time_ns now)
{
	if (port == VPIT_PORT_B)
		return read_port_b(pit, now);
	if (port >= VPIT_PORT_CH0 && port < VPIT_PORT_CH0 + VPIT_CHANNELS)
		return read_channel(&pit->ch[port - VPIT_PORT_CH0], vpit_ticks(now));
	return 0xFF; /* the control word register is write-only; other ports not ours */
}

static void write_byte(struct vpit *pit, uint32_t port, uint8_t v, vdev_time_ns now)
{
	uint64_t t = vpit_ticks(now);

	if (port == VPIT_PORT_B) {
		pit->port_b =
		    v & (VPIT_B_GATE2 | VPIT_B_SPKR | VPIT_B_PARITY_DIS | VPIT_B_IOCHK_DIS);
		set_gate(&pit->ch[CH_GATED], v & VPIT_B_GATE2, t);
	} else if (port == VPIT_PORT_CTRL) {
		write_control(pit, v, t);
	} else if (port >= VPIT_PORT_CH0 && port < VPIT_PORT_CH0 + VPIT_CHANNELS) {
		write_channel(&pit->ch[port - VPIT_PORT_CH0], v, t);
	}
}

void vpit_reset(struct vpit *pit)
{
	struct vdev_irq_line irq0 = pit->irq0;

	memset(pit, 0, sizeof(*pit));
	pit->irq0 = irq0;
	for (unsigned i = 0; i < VPIT_CHANNELS; i++) {
		pit->ch[i].rw = CW_RW_LOHI;
		pit->ch[i].load_tick = NO_TICK;
		pit->ch[i].gate = i != CH_GATED; /* channels 0 and 1: gate tied high */
	}
}

void vpit_init(struct vpit *pit, const struct vdev_irq_line *irq0)
{
	pit->irq0 = irq0 ? *irq0 : (struct vdev_irq_line){0};
	vpit_reset(pit);
}

bool vpit_owns(uint16_t port)
{
	return port == VPIT_PORT_B || (port >= VPIT_PORT_CH0 && port <= VPIT_PORT_CTRL);
}

uint32_t vpit_io_read(struct vpit *pit, uint16_t port, unsigned size, vdev_time_ns now)
{
	uint32_t v = 0;

	vpit_tick(pit, now);
	for (unsigned i = 0; i < size && i < 4; i++)
		v |= (uint32_t)read_byte(pit, (uint32_t)port + i, now) << (8 * i);
	return v;
}

void vpit_io_write(struct vpit *pit, uint16_t port, unsigned size, uint32_t val, vdev_time_ns now)
{
	vpit_tick(pit, now);
	for (unsigned i = 0; i < size && i < 4; i++)
		write_byte(pit, (uint32_t)port + i, (uint8_t)(val >> (8 * i)), now);
}

/* The first guest time at which vpit_ticks() reaches tick k. */
static vdev_time_ns tick_to_ns(uint64_t k)
{
	uint64_t frac = k % VPIT_HZ * NSEC_PER_SEC;

	return k / VPIT_HZ * NSEC_PER_SEC + (frac + VPIT_HZ - 1) / VPIT_HZ;
}

vdev_time_ns vpit_next_deadline(const struct vpit *pit)
{
	uint64_t r = next_rise(&pit->ch[CH_IRQ], pit->irq_from_tick);

	return r == NO_TICK ? VDEV_NEVER : tick_to_ns(r);
}

void vpit_tick(struct vpit *pit, vdev_time_ns now)
{
	uint64_t t = vpit_ticks(now);

	if (next_rise(&pit->ch[CH_IRQ], pit->irq_from_tick) > t)
		return;
	pit->irq_from_tick = t + 1;
	vdev_irq_set(&pit->irq0, true);
	vdev_irq_set(&pit->irq0, false);
}
