/*
 * fuzz_vdev_uart.c - libFuzzer target for the virtual 16550A
 * (guests/vdev_uart.c).
 *
 * The input is a sequence of operations, each an opcode byte and its
 * arguments: register reads and writes of any size at offsets 0..15 (past
 * the eight registers too), input bytes pushed, guest time advancing (also
 * backwards, as a confused caller might), ticks at the model's own
 * deadline, resets.  After every operation the invariants hold: the FIFO
 * count within the capacity of the current mode, reserved register bits
 * zero, the IRQ line as reported through the callback equal to the model's
 * idea of it and low without OUT2 or in loopback, IIR and LSR values
 * well-formed, a reported NO_INT meaning the line is low, an accepted push
 * taking exactly one byte of space.  ASan/UBSan catch the rest.
 */
#include <stdlib.h>

#include <hv/vdev_uart.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *d;
	size_t n;
};

struct world {
	struct vuart u;
	bool line;
	vdev_time_ns now;
	uint64_t tx_bytes;
};

#define ENSURE(c)                                                                                  \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static uint8_t take(struct input *in)
{
	uint8_t v = in->n ? *in->d : 0;

	if (in->n) {
		in->d++;
		in->n--;
	}
	return v;
}

static void on_tx(void *ctx, uint8_t byte)
{
	struct world *w = ctx;

	(void)byte;
	w->tx_bytes++;
}

static void on_irq(void *ctx, uint32_t line, bool level)
{
	struct world *w = ctx;

	ENSURE(line == 4);
	ENSURE(level != w->line); /* changes only */
	w->line = level;
}

static void check_invariants(const struct world *w)
{
	const struct vuart *u = &w->u;
	uint32_t cap = (u->fcr & VUART_FCR_ENABLE) ? VUART_FIFO_SIZE : 1;

	ENSURE(u->rx_count <= cap);
	ENSURE(u->rx_head < VUART_FIFO_SIZE);
	ENSURE((u->ier & ~VUART_IER_MASK) == 0);
	ENSURE((u->mcr & ~VUART_MCR_MASK) == 0);
	ENSURE((u->fcr & ~(VUART_FCR_ENABLE | VUART_FCR_TRIG_MASK)) == 0);
	ENSURE((u->msr_delta & ~VUART_MSR_DELTA_MASK) == 0);
	ENSURE(u->irq_level == w->line);
	if (!(u->mcr & VUART_MCR_OUT2) || (u->mcr & VUART_MCR_LOOP))
		ENSURE(!w->line);
	if (u->mcr & VUART_MCR_LOOP)
		ENSURE(vuart_rx_space(u) == 0);
	else
		ENSURE(vuart_rx_space(u) == cap - u->rx_count);
	if (u->rx_count == 0 || !(u->fcr & VUART_FCR_ENABLE))
		ENSURE(vuart_next_deadline(u) == VDEV_NEVER);
	ENSURE(!u->timeout_pending || u->rx_count > 0);
}

/* Check one byte read from reg (DLAB already accounted for by the caller). */
static void check_read(const struct world *w, uint32_t reg, uint8_t v, bool dlab, uint8_t count)
{
	switch (reg) {
	case VUART_IIR:
		ENSURE((v & 0x30) == 0);
		ENSURE((v & VUART_IIR_FIFOS) == 0 || (v & VUART_IIR_FIFOS) == VUART_IIR_FIFOS);
		ENSURE((v & 0x0f) == VUART_IIR_NO_INT || (v & 0x0f) == VUART_IIR_MSI ||
		       (v & 0x0f) == VUART_IIR_THRI || (v & 0x0f) == VUART_IIR_RDI ||
		       (v & 0x0f) == VUART_IIR_RLSI || (v & 0x0f) == VUART_IIR_TIMEOUT);
		break;
	case VUART_LSR:
		ENSURE((v & 0x9c) == 0);
		ENSURE((v & 0x60) == 0x60);
		ENSURE(!!(v & VUART_LSR_DR) == (count > 0));
		break;
	case VUART_IER:
		if (!dlab)
			ENSURE((v & 0xf0) == 0);
		break;
	default:
		(void)w;
		break;
	}
}

static void do_read(struct world *w, uint32_t offset, uint32_t size)
{
	bool dlab = w->u.lcr & VUART_LCR_DLAB;
	uint8_t count = w->u.rx_count;
	uint32_t v = vuart_read(&w->u, offset, size, w->now);

	if (size != 1)
		return;
	if (offset >= VUART_NR_REGS) {
		ENSURE(v == 0xff);
		return;
	}
	check_read(w, offset, (uint8_t)v, dlab, count);
	if (offset == VUART_IIR && (v & VUART_IIR_NO_INT))
		ENSURE(!w->line);
}

static void do_push(struct world *w, uint8_t byte)
{
	uint32_t space = vuart_rx_space(&w->u);
	uint8_t count = w->u.rx_count;
	bool ok = vuart_rx_push(&w->u, byte, w->now);

	ENSURE(ok == (space > 0));
	ENSURE(w->u.rx_count == count + (ok ? 1 : 0));
}

static void do_time(struct world *w, struct input *in, uint8_t op)
{
	uint64_t step = (uint64_t)take(in) << 8 | take(in);

	if (op & 0x80)
		w->now -= step < w->now ? step : w->now; /* backwards */
	else
		w->now += step << ((op >> 3) & 15);
}

static void step(struct world *w, struct input *in)
{
	static const uint32_t sizes[8] = {1, 1, 1, 1, 2, 4, 0, 3};
	uint8_t op = take(in);
	uint32_t offset = take(in) & 0x0f, size = sizes[(op >> 3) & 7];
	vdev_time_ns dl;

	switch (op & 7) {
	case 0:
	case 1:
		do_read(w, offset, size);
		break;
	case 2:
	case 3:
		vuart_write(&w->u, offset, size, (uint32_t)take(in) * 0x01010101u, w->now);
		break;
	case 4:
		do_push(w, (uint8_t)offset);
		break;
	case 5:
		do_time(w, in, op);
		vuart_tick(&w->u, w->now);
		break;
	case 6:
		dl = vuart_next_deadline(&w->u);
		if (dl != VDEV_NEVER && dl >= w->now) {
			w->now = dl;
			vuart_tick(&w->u, w->now);
			ENSURE(vuart_next_deadline(&w->u) == VDEV_NEVER);
		}
		break;
	case 7:
	default:
		if (offset == 0x0f)
			vuart_reset(&w->u);
		else
			do_read(w, VUART_IIR, 1);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	struct world w = {0};
	struct vdev_irq_line irq = {.set = on_irq, .ctx = &w, .line = 4};

	vuart_init(&w.u, on_tx, &w, &irq);
	check_invariants(&w);
	while (in.n) {
		step(&w, &in);
		check_invariants(&w);
	}
	return 0;
}
