/*
 * test_vdev_uart.c - host tests of the virtual 16550A (guests/vdev_uart.c).
 *
 * Besides register-level checks, two tests replay what Linux's 8250 driver
 * does (drivers/tty/serial/8250/8250_port.c): autoconfig() with
 * autoconfig_16550a() and size_fifo(), then the UART_BUG_THRE and
 * UART_BUG_TXEN probes of serial8250_do_startup(); and its interrupt
 * handler moving bytes in both directions.
 */
#include <string.h>

#include "test.h"
#include <hv/vdev_uart.h>

struct fake {
	struct vuart u;
	uint8_t out[512];
	size_t nout;
	int irq_calls;
	bool line;
	vdev_time_ns now;
};

static void fake_tx(void *ctx, uint8_t byte)
{
	struct fake *f = ctx;

	if (f->nout < sizeof(f->out))
		f->out[f->nout++] = byte;
}

static void fake_irq(void *ctx, uint32_t line, bool level)
{
	struct fake *f = ctx;

	CHECK_EQ(line, 4);
	CHECK(level != f->line); /* the model reports changes only */
	f->line = level;
	f->irq_calls++;
}

static void fake_init(struct fake *f)
{
	struct vdev_irq_line irq = {.set = fake_irq, .ctx = f, .line = 4};

	memset(f, 0, sizeof(*f));
	vuart_init(&f->u, fake_tx, f, &irq);
}

static uint8_t in(struct fake *f, uint32_t reg)
{
	return (uint8_t)vuart_read(&f->u, reg, 1, f->now);
}

static void out(struct fake *f, uint32_t reg, uint8_t v)
{
	vuart_write(&f->u, reg, 1, v, f->now);
}

static void test_reset_values(void)
{
	struct fake f;

	fake_init(&f);
	CHECK_EQ(in(&f, VUART_IER), 0);
	CHECK_EQ(in(&f, VUART_IIR), 0x01);
	CHECK_EQ(in(&f, VUART_LCR), 0x03); /* 8N1, as firmware leaves it */
	CHECK_EQ(in(&f, VUART_MCR), 0);
	CHECK_EQ(in(&f, VUART_LSR), 0x60);
	CHECK_EQ(in(&f, VUART_MSR), 0xb0); /* CTS, DSR, DCD; no deltas */
	CHECK_EQ(in(&f, VUART_SCR), 0);
	CHECK(!f.line);
	CHECK_EQ(f.irq_calls, 0);
	CHECK_EQ(vuart_next_deadline(&f.u), VDEV_NEVER);
	/* reset keeps SCR and the divisor, clears the rest */
	out(&f, VUART_SCR, 0x5a);
	out(&f, VUART_LCR, 0x83);
	out(&f, VUART_DLL, 12);
	out(&f, VUART_FCR, 0xc1);
	vuart_reset(&f.u);
	CHECK_EQ(in(&f, VUART_SCR), 0x5a);
	CHECK_EQ(in(&f, VUART_LCR), 0);
	CHECK_EQ(in(&f, VUART_IIR), 0x01);
	out(&f, VUART_LCR, 0x80);
	CHECK_EQ(in(&f, VUART_DLL), 12);
}

static void test_dlab(void)
{
	struct fake f;

	fake_init(&f);
	out(&f, VUART_IER, 0x0f);
	out(&f, VUART_LCR, VUART_LCR_DLAB | 0x03);
	CHECK_EQ(in(&f, VUART_DLL), 1);
	CHECK_EQ(in(&f, VUART_DLM), 0);
	out(&f, VUART_DLL, 0x34);
	out(&f, VUART_DLM, 0x12);
	CHECK_EQ(in(&f, VUART_DLL), 0x34);
	CHECK_EQ(in(&f, VUART_DLM), 0x12);
	CHECK_EQ(f.nout, 0);				    /* a DLL write is not a transmit */
	CHECK_EQ(in(&f, VUART_IIR) & 0x0f, VUART_IIR_THRI); /* IIR ignores DLAB */
	out(&f, VUART_LCR, 0x03);
	CHECK_EQ(in(&f, VUART_IER), 0x0f);
	out(&f, VUART_IER, 0xff); /* bits 7..4 do not exist */
	CHECK_EQ(in(&f, VUART_IER), 0x0f);
	out(&f, VUART_THR, 'A');
	CHECK_EQ(f.nout, 1);
	CHECK_EQ(f.out[0], 'A');
	out(&f, VUART_MCR, 0xff);
	CHECK_EQ(in(&f, VUART_MCR), 0x1f);
	out(&f, VUART_LSR, 0); /* ignored */
	out(&f, VUART_MSR, 0);
	CHECK_EQ(in(&f, VUART_LSR) & 0x60, 0x60);
}

/* autoconfig(): returns the port type name Linux would pick. */
static const char *linux_autoconfig(struct fake *f)
{
	uint8_t scratch, scratch2, scratch3, status1, status2, save_mcr, save_lcr;

	scratch = in(f, VUART_IER);
	out(f, VUART_IER, 0);
	scratch2 = in(f, VUART_IER) & 0x0f;
	out(f, VUART_IER, 0x0f);
	scratch3 = in(f, VUART_IER) & 0x0f;
	out(f, VUART_IER, scratch);
	if (scratch2 != 0 || scratch3 != 0x0f)
		return "IER test failed";
	save_mcr = in(f, VUART_MCR);
	save_lcr = in(f, VUART_LCR);
	out(f, VUART_MCR, VUART_MCR_LOOP | 0x0a);
	status1 = in(f, VUART_MSR) & 0xf0;
	out(f, VUART_MCR, save_mcr);
	if (status1 != 0x90)
		return "LOOP test failed";
	out(f, VUART_LCR, 0xbf); /* UART_LCR_CONF_MODE_B */
	out(f, 2, 0);		 /* EFR (FCR here) */
	out(f, VUART_LCR, 0);
	out(f, VUART_FCR, VUART_FCR_ENABLE);
	scratch = in(f, VUART_IIR) >> 6;
	if (scratch != 3)
		return scratch == 0 ? "8250/16450" : "16550 or unknown";
	/* autoconfig_16550a(): EFR probes read IIR here */
	out(f, VUART_LCR, 0x80);
	if (in(f, 2) == 0)
		return "16650 (EFR under DLAB)";
	out(f, VUART_LCR, 0xbf);
	if (in(f, 2) == 0)
		return "EFRv2";
	out(f, VUART_LCR, 0);
	status1 = in(f, VUART_MCR);
	out(f, VUART_LCR, 0xe0);
	status2 = in(f, 2);
	if (!((status2 ^ status1) & VUART_MCR_LOOP)) {
		out(f, VUART_LCR, 0);
		out(f, VUART_MCR, status1 ^ VUART_MCR_LOOP);
		out(f, VUART_LCR, 0xe0);
		status2 = in(f, 2);
		out(f, VUART_LCR, 0);
		out(f, VUART_MCR, status1);
		if ((status2 ^ status1) & VUART_MCR_LOOP)
			return "NS16550A";
	}
	out(f, VUART_LCR, 0);
	out(f, VUART_FCR, VUART_FCR_ENABLE | 0x20);
	status1 = in(f, VUART_IIR) >> 5;
	out(f, VUART_FCR, VUART_FCR_ENABLE);
	out(f, VUART_LCR, 0x80);
	out(f, VUART_FCR, VUART_FCR_ENABLE | 0x20);
	status2 = in(f, VUART_IIR) >> 5;
	out(f, VUART_FCR, VUART_FCR_ENABLE);
	out(f, VUART_LCR, 0);
	if (status1 == 6 && status2 == 7)
		return "16750";
	scratch = in(f, VUART_IER);
	out(f, VUART_IER, scratch & ~0x40);
	if (!(in(f, VUART_IER) & 0x40)) {
		out(f, VUART_IER, scratch | 0x40);
		if (in(f, VUART_IER) & 0x40)
			return "XScale";
	}
	out(f, VUART_IER, scratch);
	(void)save_lcr;
	return "16550A";
}

/* size_fifo(): bytes that fit through loopback at divisor 1. */
static int linux_size_fifo(struct fake *f)
{
	uint8_t old_lcr = in(f, VUART_LCR), old_fcr, old_mcr, old_dll, old_dlm;
	int count;

	out(f, VUART_LCR, 0);
	old_fcr = in(f, VUART_FCR);
	old_mcr = in(f, VUART_MCR);
	out(f, VUART_FCR, VUART_FCR_ENABLE | VUART_FCR_CLEAR_RX | VUART_FCR_CLEAR_TX);
	out(f, VUART_MCR, VUART_MCR_LOOP);
	out(f, VUART_LCR, 0x80);
	old_dll = in(f, VUART_DLL);
	old_dlm = in(f, VUART_DLM);
	out(f, VUART_DLL, 1);
	out(f, VUART_DLM, 0);
	out(f, VUART_LCR, 0x03);
	for (count = 0; count < 256; count++)
		out(f, VUART_THR, (uint8_t)count);
	f->now += 20 * 1000 * 1000; /* mdelay(20) */
	for (count = 0; (in(f, VUART_LSR) & VUART_LSR_DR) && count < 256; count++)
		in(f, VUART_RBR);
	out(f, VUART_FCR, old_fcr);
	out(f, VUART_MCR, old_mcr);
	out(f, VUART_LCR, 0x80);
	out(f, VUART_DLL, old_dll);
	out(f, VUART_DLM, old_dlm);
	out(f, VUART_LCR, old_lcr);
	return count;
}

static void test_linux_autoconfig(void)
{
	struct fake f;

	fake_init(&f);
	CHECK_STREQ(linux_autoconfig(&f), "16550A");
	CHECK_EQ(linux_size_fifo(&f), 16); /* not a U6_16550A (64) */
	CHECK_EQ(f.nout, 0);		   /* loopback bytes never reach the console */
	/* the rest of autoconfig(): restore MCR, clear the FIFOs, read RX */
	out(&f, VUART_MCR, 0);
	out(&f, VUART_FCR, VUART_FCR_ENABLE);
	out(&f, VUART_FCR, VUART_FCR_ENABLE | VUART_FCR_CLEAR_RX | VUART_FCR_CLEAR_TX);
	out(&f, VUART_FCR, 0);
	in(&f, VUART_RBR);
	out(&f, VUART_IER, 0);
	CHECK_EQ(in(&f, VUART_LSR), 0x60);
	CHECK_EQ(in(&f, VUART_IIR), 0x01);
	CHECK(!f.line);
}

static void test_linux_startup_probes(void)
{
	struct fake f;
	uint8_t iir1, iir, lsr;

	fake_init(&f);
	/* serial8250_do_startup(): clear, then the UART_BUG_THRE test */
	in(&f, VUART_LSR);
	in(&f, VUART_RBR);
	in(&f, VUART_IIR);
	in(&f, VUART_MSR);
	CHECK(in(&f, VUART_LSR) != 0xff);
	out(&f, VUART_IER, VUART_IER_ETBEI);
	iir1 = in(&f, VUART_IIR);
	out(&f, VUART_IER, 0);
	out(&f, VUART_IER, VUART_IER_ETBEI);
	iir = in(&f, VUART_IIR);
	out(&f, VUART_IER, 0);
	CHECK_EQ(iir1, VUART_IIR_THRI);
	CHECK_EQ(iir, VUART_IIR_THRI); /* re-asserted: no UART_BUG_THRE */
	/* LCR 8N1, OUT2 on, then the UART_BUG_TXEN test */
	out(&f, VUART_LCR, 0x03);
	out(&f, VUART_MCR, VUART_MCR_DTR | VUART_MCR_RTS | VUART_MCR_OUT2);
	out(&f, VUART_IER, VUART_IER_ETBEI);
	CHECK(f.line);
	lsr = in(&f, VUART_LSR);
	iir = in(&f, VUART_IIR);
	out(&f, VUART_IER, 0);
	CHECK(!((lsr & VUART_LSR_TEMT) && (iir & VUART_IIR_NO_INT))); /* no UART_BUG_TXEN */
	CHECK(!f.line);
}

static void test_thre_rules(void)
{
	struct fake f;

	fake_init(&f);
	out(&f, VUART_MCR, VUART_MCR_OUT2);
	out(&f, VUART_IER, VUART_IER_ETBEI);
	CHECK(f.line);
	CHECK_EQ(in(&f, VUART_IIR), VUART_IIR_THRI);
	CHECK(!f.line); /* reading IIR acknowledged THRE */
	CHECK_EQ(in(&f, VUART_IIR), VUART_IIR_NO_INT);
	/* rewriting ETBEI that is already on does not re-arm */
	out(&f, VUART_IER, VUART_IER_ETBEI);
	CHECK_EQ(in(&f, VUART_IIR), VUART_IIR_NO_INT);
	/* a THR write: the byte leaves, THR is empty, THRE is back */
	out(&f, VUART_THR, 'x');
	CHECK(f.line);
	CHECK_EQ(f.nout, 1);
	CHECK_EQ(in(&f, VUART_LSR) & 0x61, 0x60);
	/* LSR reads do not acknowledge THRE */
	CHECK_EQ(in(&f, VUART_IIR), VUART_IIR_THRI);
	/* ETBEI off then on re-arms (the console write path restores IER) */
	out(&f, VUART_IER, 0);
	out(&f, VUART_IER, VUART_IER_ETBEI);
	CHECK_EQ(in(&f, VUART_IIR), VUART_IIR_THRI);
	/* THRE pending but disabled: no interrupt shown */
	out(&f, VUART_THR, 'y');
	out(&f, VUART_IER, 0);
	CHECK_EQ(in(&f, VUART_IIR), VUART_IIR_NO_INT);
	CHECK(!f.line);
	/* with FIFOs on IIR bits 7..6 are set */
	out(&f, VUART_FCR, VUART_FCR_ENABLE);
	out(&f, VUART_IER, VUART_IER_ETBEI);
	CHECK_EQ(in(&f, VUART_IIR), 0xc2);
}

static void test_rx_triggers(void)
{
	static const uint8_t levels[4] = {1, 4, 8, 14};

	for (unsigned t = 0; t < 4; t++) {
		struct fake f;

		fake_init(&f);
		out(&f, VUART_MCR, VUART_MCR_OUT2);
		out(&f, VUART_FCR, (uint8_t)(VUART_FCR_ENABLE | t << 6));
		out(&f, VUART_IER, VUART_IER_ERBFI);
		for (unsigned i = 0; i + 1 < levels[t]; i++)
			CHECK(vuart_rx_push(&f.u, (uint8_t)i, f.now));
		CHECK_EQ(in(&f, VUART_IIR), 0xc1);
		CHECK(!f.line);
		CHECK(vuart_rx_push(&f.u, 0x55, f.now));
		CHECK_EQ(in(&f, VUART_IIR), 0xc4);
		CHECK(f.line);
		CHECK_EQ(in(&f, VUART_LSR) & VUART_LSR_DR, VUART_LSR_DR);
		CHECK_EQ(in(&f, VUART_RBR), levels[t] == 1 ? 0x55 : 0);
		CHECK_EQ(in(&f, VUART_IIR), 0xc1); /* below the trigger again */
		CHECK(!f.line);
	}
}

static void test_rx_timeout(void)
{
	struct fake f;
	vdev_time_ns ct, dl;

	fake_init(&f);
	out(&f, VUART_LCR, 0x03); /* 8N1, divisor 1: 10 bits at 115200 */
	ct = vuart_char_time_ns(&f.u);
	CHECK_EQ(ct, 86805);
	out(&f, VUART_MCR, VUART_MCR_OUT2);
	out(&f, VUART_FCR, VUART_FCR_ENABLE | 0x80); /* trigger 8, as Linux */
	out(&f, VUART_IER, VUART_IER_ERBFI);
	f.now = 1000;
	CHECK(vuart_rx_push(&f.u, 'a', f.now));
	dl = vuart_next_deadline(&f.u);
	CHECK_EQ(dl, 1000 + 4 * ct);
	vuart_tick(&f.u, dl - 1);
	CHECK(!f.line);
	/* a second character restarts the timer */
	f.now = 2000;
	CHECK(vuart_rx_push(&f.u, 'b', f.now));
	CHECK_EQ(vuart_next_deadline(&f.u), 2000 + 4 * ct);
	vuart_tick(&f.u, 2000 + 4 * ct);
	CHECK(f.line);
	CHECK_EQ(vuart_next_deadline(&f.u), VDEV_NEVER); /* latched */
	f.now = 2000 + 4 * ct;
	CHECK_EQ(in(&f, VUART_IIR), 0xcc);
	CHECK_EQ(in(&f, VUART_RBR), 'a');
	CHECK(!f.line); /* reading a character clears the timeout */
	CHECK_EQ(vuart_next_deadline(&f.u), f.now + 4 * ct);
	/* the timeout is also noticed by a register access without a tick */
	f.now += 4 * ct;
	CHECK_EQ(in(&f, VUART_IIR), 0xcc);
	CHECK_EQ(in(&f, VUART_RBR), 'b');
	CHECK_EQ(in(&f, VUART_IIR), 0xc1);
	CHECK_EQ(vuart_next_deadline(&f.u), VDEV_NEVER);
	/* 9600 baud 7E2: 1 + 7 + 1 + 2 = 11 bits of 104.17 us */
	out(&f, VUART_LCR, 0x80 | 0x02 | VUART_LCR_STOP | VUART_LCR_PARITY);
	out(&f, VUART_DLL, 12);
	out(&f, VUART_LCR, 0x02 | VUART_LCR_STOP | VUART_LCR_PARITY);
	CHECK_EQ(vuart_char_time_ns(&f.u), 1145833);
	/* 5 data bits, "2" stop bits mean 1.5: 1 + 5 + 1.5 = 7.5 bits */
	out(&f, VUART_LCR, VUART_LCR_STOP);
	CHECK_EQ(vuart_char_time_ns(&f.u), 781250);
	/* divisor 0 counts as 65536 (the data sheet leaves it undefined) */
	out(&f, VUART_LCR, 0x83);
	out(&f, VUART_DLL, 0);
	out(&f, VUART_DLM, 0);
	out(&f, VUART_LCR, 0x03);
	CHECK_EQ(vuart_char_time_ns(&f.u), 5688888888ULL);
	/* no timeout without FIFOs */
	out(&f, VUART_FCR, 0);
	CHECK(vuart_rx_push(&f.u, 'c', f.now));
	CHECK_EQ(vuart_next_deadline(&f.u), VDEV_NEVER);
	CHECK_EQ(in(&f, VUART_IIR), 0x04);
}

static void test_rx_full(void)
{
	struct fake f;

	fake_init(&f);
	out(&f, VUART_FCR, VUART_FCR_ENABLE);
	CHECK_EQ(vuart_rx_space(&f.u), 16);
	for (int i = 0; i < 16; i++)
		CHECK(vuart_rx_push(&f.u, (uint8_t)('A' + i), 0));
	CHECK(!vuart_rx_push(&f.u, 'Z', 0));
	CHECK_EQ(vuart_rx_space(&f.u), 0);
	CHECK_EQ(in(&f, VUART_LSR), 0x61); /* refused, not overrun */
	for (int i = 0; i < 16; i++)
		CHECK_EQ(in(&f, VUART_RBR), 'A' + i);
	CHECK_EQ(in(&f, VUART_LSR), 0x60);
	/* 16450 mode holds one character */
	out(&f, VUART_FCR, 0);
	CHECK(vuart_rx_push(&f.u, '1', 0));
	CHECK(!vuart_rx_push(&f.u, '2', 0));
	CHECK_EQ(in(&f, VUART_RBR), '1');
	/* enabling FIFOs clears what was received */
	CHECK(vuart_rx_push(&f.u, '3', 0));
	out(&f, VUART_FCR, VUART_FCR_ENABLE);
	CHECK_EQ(in(&f, VUART_LSR) & VUART_LSR_DR, 0);
	/* FCR bit 1 clears the receive FIFO */
	CHECK(vuart_rx_push(&f.u, '4', 0));
	out(&f, VUART_FCR, VUART_FCR_ENABLE | VUART_FCR_CLEAR_RX);
	CHECK_EQ(in(&f, VUART_LSR) & VUART_LSR_DR, 0);
	/* loopback disconnects the serial input */
	out(&f, VUART_MCR, VUART_MCR_LOOP);
	CHECK(!vuart_rx_push(&f.u, '5', 0));
	/* 7 data bits: the receiver drops bit 7 */
	out(&f, VUART_MCR, 0);
	out(&f, VUART_LCR, 0x02);
	CHECK(vuart_rx_push(&f.u, 0xc1, 0));
	CHECK_EQ(in(&f, VUART_RBR), 0x41);
	out(&f, VUART_THR, 0xc2);
	CHECK_EQ(f.out[f.nout - 1], 0x42);
}

static void test_loopback(void)
{
	struct fake f;

	fake_init(&f);
	out(&f, VUART_MCR, VUART_MCR_LOOP);
	/* entering loopback drops CTS, DSR, DCD: three deltas */
	CHECK_EQ(in(&f, VUART_MSR), VUART_MSR_DCTS | VUART_MSR_DDSR | VUART_MSR_DDCD);
	out(&f, VUART_MCR, VUART_MCR_LOOP | 0x0f);
	CHECK_EQ(in(&f, VUART_MSR), 0xf0 | VUART_MSR_DCTS | VUART_MSR_DDSR | VUART_MSR_DDCD);
	out(&f, VUART_MCR, VUART_MCR_LOOP | VUART_MCR_DTR);
	/* RI fell: TERI; CTS and DCD fell */
	CHECK_EQ(in(&f, VUART_MSR),
		 VUART_MSR_DSR | VUART_MSR_TERI | VUART_MSR_DCTS | VUART_MSR_DDCD);
	out(&f, VUART_THR, 0x42);
	CHECK_EQ(f.nout, 0);
	CHECK_EQ(in(&f, VUART_LSR), 0x61);
	CHECK_EQ(in(&f, VUART_RBR), 0x42);
	/* 16450 mode overrun overwrites RBR */
	out(&f, VUART_THR, 1);
	out(&f, VUART_THR, 2);
	CHECK_EQ(in(&f, VUART_LSR), 0x63);
	CHECK_EQ(in(&f, VUART_LSR), 0x61); /* OE cleared by the read */
	CHECK_EQ(in(&f, VUART_RBR), 2);
	/* FIFO mode overrun keeps the FIFO, loses the new byte */
	out(&f, VUART_FCR, VUART_FCR_ENABLE);
	for (int i = 0; i < 17; i++)
		out(&f, VUART_THR, (uint8_t)i);
	CHECK_EQ(in(&f, VUART_LSR), 0x63);
	for (int i = 0; i < 16; i++)
		CHECK_EQ(in(&f, VUART_RBR), i);
	CHECK_EQ(in(&f, VUART_LSR), 0x60);
	/* leaving loopback: the terminal's lines are back */
	out(&f, VUART_MCR, 0);
	CHECK_EQ(in(&f, VUART_MSR), 0xb0 | VUART_MSR_DCTS | VUART_MSR_DDCD);
	CHECK_EQ(in(&f, VUART_MSR), 0xb0);
}

static void test_iir_priority(void)
{
	struct fake f;

	fake_init(&f);
	out(&f, VUART_FCR, VUART_FCR_ENABLE); /* trigger 1 */
	out(&f, VUART_MCR, VUART_MCR_LOOP);   /* MSR deltas latch */
	for (int i = 0; i < 17; i++)	      /* data + overrun */
		out(&f, VUART_THR, (uint8_t)i);
	out(&f, VUART_IER, 0x0f);
	CHECK_EQ(in(&f, VUART_IIR), 0xc6);
	CHECK_EQ(in(&f, VUART_IIR), 0xc6); /* IIR read does not clear RLS */
	in(&f, VUART_LSR);
	CHECK_EQ(in(&f, VUART_IIR), 0xc4);
	for (int i = 0; i < 16; i++)
		in(&f, VUART_RBR);
	CHECK_EQ(in(&f, VUART_IIR), 0xc2);
	CHECK_EQ(in(&f, VUART_IIR), 0xc0); /* THRE acknowledged: modem status */
	in(&f, VUART_MSR);
	CHECK_EQ(in(&f, VUART_IIR), 0xc1);
	/* disabled sources are skipped */
	out(&f, VUART_THR, 1);
	out(&f, VUART_IER, VUART_IER_ETBEI);
	CHECK_EQ(in(&f, VUART_IIR), 0xc2);
}

static void test_line_out2(void)
{
	struct fake f;

	fake_init(&f);
	out(&f, VUART_IER, VUART_IER_ETBEI);
	CHECK(!f.line); /* pending, but OUT2 is off */
	CHECK_EQ(f.irq_calls, 0);
	out(&f, VUART_MCR, VUART_MCR_OUT2);
	CHECK(f.line);
	CHECK_EQ(f.irq_calls, 1);
	out(&f, VUART_THR, 'a'); /* still pending: no call */
	CHECK_EQ(f.irq_calls, 1);
	out(&f, VUART_MCR, VUART_MCR_OUT2 | VUART_MCR_LOOP);
	CHECK(!f.line); /* loopback forces /OUT2 inactive */
	out(&f, VUART_MCR, VUART_MCR_OUT2);
	CHECK(f.line);
	vuart_reset(&f.u);
	CHECK(!f.line);
	CHECK_EQ(f.irq_calls, 4);
	/* no irq line installed: nothing to call */
	vuart_init(&f.u, NULL, NULL, NULL);
	out(&f, VUART_MCR, VUART_MCR_OUT2);
	out(&f, VUART_IER, VUART_IER_ETBEI);
	out(&f, VUART_THR, 'b');
	CHECK_EQ(f.irq_calls, 4);
}

static void test_sizes_and_offsets(void)
{
	struct fake f;

	fake_init(&f);
	out(&f, VUART_SCR, 0xa5);
	CHECK_EQ(vuart_read(&f.u, 8, 1, 0), 0xff);
	CHECK_EQ(vuart_read(&f.u, UINT32_MAX, 4, 0), 0xffffffff);
	CHECK_EQ(vuart_read(&f.u, 6, 2, 0), 0xa5b0);
	CHECK_EQ(vuart_read(&f.u, 6, 4, 0), 0xffffa5b0);
	CHECK_EQ(vuart_read(&f.u, 0, 3, 0), 0xffffffff);
	CHECK_EQ(vuart_read(&f.u, 0, 0, 0), 0xffffffff);
	vuart_write(&f.u, 3, 2, 0x0f03, 0); /* LCR then MCR */
	CHECK_EQ(in(&f, VUART_LCR), 0x03);
	CHECK_EQ(in(&f, VUART_MCR), 0x0f);
	vuart_write(&f.u, 7, 4, 0x11223344, 0); /* SCR only */
	CHECK_EQ(in(&f, VUART_SCR), 0x44);
	vuart_write(&f.u, 0, 8, 0x41, 0); /* bad size: ignored */
	CHECK_EQ(f.nout, 0);
	vuart_write(&f.u, 0, 4, 0x00000041, 0); /* THR, IER, FCR, LCR */
	CHECK_EQ(f.nout, 1);
	CHECK_EQ(in(&f, VUART_LCR), 0);
}

/* The 8250 interrupt handler: IIR, LSR, RBR while DR, MSR, THR if THRE. */
static void linux_irq(struct fake *f, char *got, size_t *ngot, const char **tx)
{
	for (int pass = 0; pass < 512; pass++) {
		uint8_t iir = in(f, VUART_IIR), lsr;

		if (iir & VUART_IIR_NO_INT)
			return;
		lsr = in(f, VUART_LSR);
		while (lsr & VUART_LSR_DR) {
			got[(*ngot)++] = (char)in(f, VUART_RBR);
			lsr = in(f, VUART_LSR);
		}
		in(f, VUART_MSR);
		if (!(lsr & VUART_LSR_THRE))
			continue;
		for (int n = 0; n < 16 && **tx; n++)
			out(f, VUART_THR, (uint8_t) * (*tx)++);
		if (!**tx)
			out(f, VUART_IER, VUART_IER_ERBFI | VUART_IER_ELSI); /* __stop_tx */
	}
	CHECK(!"handler did not finish");
}

static void test_linux_irq_driven(void)
{
	static const char msg[] = "Linux version 6.1.0 (debian-kernel@lists.debian.org) booting\n";
	const char *input = "root\nls -l /proc\n", *tx = msg, *p = input;
	char got[64] = {0};
	size_t ngot = 0;
	struct fake f;

	fake_init(&f);
	out(&f, VUART_LCR, 0x03);
	out(&f, VUART_MCR, VUART_MCR_DTR | VUART_MCR_RTS | VUART_MCR_OUT2);
	out(&f, VUART_FCR, VUART_FCR_ENABLE | 0x80);
	out(&f, VUART_IER, VUART_IER_ERBFI | VUART_IER_ELSI);
	/* start_tx: turning ETBEI on raises THRE */
	out(&f, VUART_IER, VUART_IER_ERBFI | VUART_IER_ELSI | VUART_IER_ETBEI);
	for (int round = 0; round < 100 && (*p || f.line); round++) {
		/* the host feeds input as the FIFO has room, a byte per 10 us */
		while (*p && vuart_rx_push(&f.u, (uint8_t)*p, f.now)) {
			p++;
			f.now += 10000;
		}
		if (vuart_next_deadline(&f.u) != VDEV_NEVER && !f.line) {
			f.now = vuart_next_deadline(&f.u);
			vuart_tick(&f.u, f.now);
		}
		if (f.line)
			linux_irq(&f, got, &ngot, &tx);
	}
	CHECK_EQ(f.nout, strlen(msg));
	CHECK(memcmp(f.out, msg, strlen(msg)) == 0);
	CHECK_STREQ(got, input);
	CHECK(!f.line);
}

int main(void)
{
	RUN(test_reset_values);
	RUN(test_dlab);
	RUN(test_linux_autoconfig);
	RUN(test_linux_startup_probes);
	RUN(test_thre_rules);
	RUN(test_rx_triggers);
	RUN(test_rx_timeout);
	RUN(test_rx_full);
	RUN(test_loopback);
	RUN(test_iir_priority);
	RUN(test_line_out2);
	RUN(test_sizes_and_offsets);
	RUN(test_linux_irq_driven);
	return test_summary();
}
