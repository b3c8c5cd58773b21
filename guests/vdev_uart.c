/*
 * vdev_uart.c - the virtual 16550A UART (include/hv/vdev_uart.h).
 *
 * Pure model: register file, receive FIFO, interrupt identification and
 * the IRQ line, per the National PC16550D data sheet.  The behaviours
 * Linux's 8250 driver (drivers/tty/serial/8250/8250_port.c) depends on:
 *
 *  - autoconfig(): IER bits 3..0 read back, bits 7..4 read 0; loopback
 *    (MCR = LOOP | OUT2 | RTS) makes MSR[7..4] read 0x9 (DCD <- OUT2,
 *    CTS <- RTS); FCR = ENABLE makes IIR[7..6] read 11b (a 16550A).
 *  - autoconfig_16550a(): IIR is readable at offset 2 under every LCR
 *    value (0x80, 0xbf, 0xe0), so the EFR/NatSemi probes read a nonzero
 *    IIR with bit 4 clear and fall through; IIR bit 5 reads 0 (not a
 *    16750); IER bit 6 does not stick (not an XScale); size_fifo() counts
 *    16 bytes through loopback (the rest overrun).
 *  - serial8250_do_startup(): THRE interrupt re-arm.  Reading IIR while it
 *    reports THRE clears that interrupt; turning IER.ETBEI on while THR is
 *    empty raises it again.  Without the re-arm the driver sets
 *    UART_BUG_THRE or UART_BUG_TXEN and falls back to polling.
 *  - the interrupt handler reads IIR, LSR, RBR while LSR.DR, MSR, and
 *    writes up to 16 bytes to THR; with bytes leaving at once, THRE is
 *    pending again after each write until the driver clears IER.ETBEI.
 */
#include <hv/vdev_uart.h>

/* Receiver trigger levels for FCR[7..6] (PC16550D table: 1, 4, 8, 14). */
static const uint8_t rx_trigger[4] = {1, 4, 8, 14};

static bool fifo_on(const struct vuart *u)
{
	return u->fcr & VUART_FCR_ENABLE;
}

static bool loopback(const struct vuart *u)
{
	return u->mcr & VUART_MCR_LOOP;
}

static uint32_t rx_capacity(const struct vuart *u)
{
	return fifo_on(u) ? VUART_FIFO_SIZE : 1;
}

static uint8_t data_mask(const struct vuart *u)
{
	/* LCR[1..0] = data bits - 5; the chip sends and receives only those */
	return (uint8_t)(0xff >> (3 - (u->lcr & VUART_LCR_WLEN_MASK)));
}

vdev_time_ns vuart_char_time_ns(const struct vuart *u)
{
	uint64_t data = 5 + (u->lcr & VUART_LCR_WLEN_MASK);
	uint64_t half_bits = 2 * (1 + data + !!(u->lcr & VUART_LCR_PARITY));
	uint64_t divisor = (uint64_t)u->dlm << 8 | u->dll;

	/* 1, 1.5 (5 data bits) or 2 stop bits, counted in half bits */
	if (!(u->lcr & VUART_LCR_STOP))
		half_bits += 2;
	else
		half_bits += data == 5 ? 3 : 4;
	/* The divider is a 16-bit down counter: 0 reloads as 65536.  The data
	 * sheet leaves divisor 0 undefined; this keeps time finite. */
	if (divisor == 0)
		divisor = 65536;
	/* one bit = 16 clocks * divisor; < 2^55 for the largest inputs */
	return half_bits * divisor * 16 * NSEC_PER_SEC / (2 * VUART_CLOCK_HZ);
}

static vdev_time_ns timeout_deadline(const struct vuart *u)
{
	vdev_time_ns span = 4 * vuart_char_time_ns(u);

	return u->rx_last > VDEV_NEVER - span ? VDEV_NEVER : u->rx_last + span;
}

/* Latch the character timeout (PC16550D "FIFO Interrupt Mode Operation"):
 * FIFOs on, at least one character waiting, and nothing put in or taken
 * out for 4 character times. */
static void update_timeout(struct vuart *u, vdev_time_ns now)
{
	if (!fifo_on(u) || u->rx_count == 0 || u->timeout_pending)
		return;
	if (now >= timeout_deadline(u))
		u->timeout_pending = true;
}

static bool rx_data_ready(const struct vuart *u)
{
	if (!fifo_on(u))
		return u->rx_count != 0;
	return u->rx_count >= rx_trigger[(u->fcr & VUART_FCR_TRIG_MASK) >> 6];
}

/* The highest-priority enabled pending interrupt (PC16550D table IV). */
static uint8_t pending_id(const struct vuart *u)
{
	if ((u->ier & VUART_IER_ELSI) && u->lsr_oe)
		return VUART_IIR_RLSI;
	/* timeout and data available share priority 2; a latched timeout is
	 * reported first so the driver drains a FIFO below its trigger */
	if ((u->ier & VUART_IER_ERBFI) && u->timeout_pending)
		return VUART_IIR_TIMEOUT;
	if ((u->ier & VUART_IER_ERBFI) && rx_data_ready(u))
		return VUART_IIR_RDI;
	if ((u->ier & VUART_IER_ETBEI) && u->thre_pending)
		return VUART_IIR_THRI;
	if ((u->ier & VUART_IER_EDSSI) && (u->msr_delta & VUART_MSR_DELTA_MASK))
		return VUART_IIR_MSI;
	return VUART_IIR_NO_INT;
}

static void update_irq(struct vuart *u)
{
	/* PC wiring: /OUT2 enables the IRQ driver; loopback forces it off */
	bool level = pending_id(u) != VUART_IIR_NO_INT && (u->mcr & VUART_MCR_OUT2) && !loopback(u);

	if (level != u->irq_level) {
		u->irq_level = level;
		vdev_irq_set(&u->irq, level);
	}
}

/* Modem inputs: a connected terminal (CTS, DSR, DCD on, no ring), or in
 * loopback the outputs: CTS <- RTS, DSR <- DTR, RI <- OUT1, DCD <- OUT2. */
static uint8_t modem_inputs(const struct vuart *u)
{
	uint8_t in = 0;

	if (!loopback(u))
		return VUART_MSR_CTS | VUART_MSR_DSR | VUART_MSR_DCD;
	if (u->mcr & VUART_MCR_RTS)
		in |= VUART_MSR_CTS;
	if (u->mcr & VUART_MCR_DTR)
		in |= VUART_MSR_DSR;
	if (u->mcr & VUART_MCR_OUT1)
		in |= VUART_MSR_RI;
	if (u->mcr & VUART_MCR_OUT2)
		in |= VUART_MSR_DCD;
	return in;
}

/* Recompute the inputs and latch the delta bits for what changed; TERI
 * latches only on the trailing edge of RI. */
static void update_modem(struct vuart *u)
{
	uint8_t in = modem_inputs(u);
	uint8_t changed = in ^ u->msr_in;

	if (changed & VUART_MSR_CTS)
		u->msr_delta |= VUART_MSR_DCTS;
	if (changed & VUART_MSR_DSR)
		u->msr_delta |= VUART_MSR_DDSR;
	if ((changed & VUART_MSR_RI) && !(in & VUART_MSR_RI))
		u->msr_delta |= VUART_MSR_TERI;
	if (changed & VUART_MSR_DCD)
		u->msr_delta |= VUART_MSR_DDCD;
	u->msr_in = in;
}

static void rx_clear(struct vuart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
	u->timeout_pending = false;
}

/* A character arrives at the receiver; the caller checked there is room
 * unless overrun is wanted. */
static void rx_receive(struct vuart *u, uint8_t byte, vdev_time_ns now)
{
	uint32_t cap = rx_capacity(u);

	byte &= data_mask(u);
	if (u->rx_count >= cap) {
		/* overrun: FIFO mode keeps the FIFO and loses the new
		 * character; 16450 mode overwrites RBR */
		u->lsr_oe = true;
		if (!fifo_on(u))
			u->rx_fifo[u->rx_head] = byte;
		return;
	}
	u->rx_fifo[(u->rx_head + u->rx_count) % VUART_FIFO_SIZE] = byte;
	u->rx_count++;
	if (!u->timeout_pending)
		u->rx_last = now;
}

static uint8_t read_rbr(struct vuart *u, vdev_time_ns now)
{
	uint8_t byte;

	if (u->rx_count == 0)
		return u->rx_fifo[u->rx_head]; /* the last character again */
	byte = u->rx_fifo[u->rx_head];
	u->rx_count--;
	if (u->rx_count)
		u->rx_head = (uint8_t)((u->rx_head + 1) % VUART_FIFO_SIZE);
	/* reading a character clears the timeout and restarts its timer */
	u->timeout_pending = false;
	u->rx_last = now;
	return byte;
}

static uint8_t read_iir(struct vuart *u)
{
	uint8_t id = pending_id(u);

	/* reading IIR is how the THRE interrupt is acknowledged */
	if (id == VUART_IIR_THRI)
		u->thre_pending = false;
	return (uint8_t)(id | (fifo_on(u) ? VUART_IIR_FIFOS : 0));
}

static uint8_t read_lsr(struct vuart *u)
{
	uint8_t lsr = VUART_LSR_THRE | VUART_LSR_TEMT;

	if (u->rx_count)
		lsr |= VUART_LSR_DR;
	if (u->lsr_oe)
		lsr |= VUART_LSR_OE;
	u->lsr_oe = false;
	return lsr;
}

static uint8_t read_msr(struct vuart *u)
{
	uint8_t msr = (uint8_t)(u->msr_in | u->msr_delta);

	u->msr_delta = 0;
	return msr;
}

static uint8_t read_reg(struct vuart *u, uint32_t reg, vdev_time_ns now)
{
	bool dlab = u->lcr & VUART_LCR_DLAB;

	switch (reg) {
	case VUART_RBR:
		return dlab ? u->dll : read_rbr(u, now);
	case VUART_IER:
		return dlab ? u->dlm : u->ier;
	case VUART_IIR:
		return read_iir(u);
	case VUART_LCR:
		return u->lcr;
	case VUART_MCR:
		return u->mcr;
	case VUART_LSR:
		return read_lsr(u);
	case VUART_MSR:
		return read_msr(u);
	case VUART_SCR:
		return u->scr;
	default:
		return 0xff; /* past the eight registers: nothing decodes it */
	}
}

static void write_thr(struct vuart *u, uint8_t byte, vdev_time_ns now)
{
	/* loopback: the transmitter output is held marking and the byte
	 * goes straight to the receiver, overrunning it if full */
	if (loopback(u))
		rx_receive(u, byte, now);
	else if (u->tx)
		u->tx(u->tx_ctx, byte & data_mask(u));
	/* writing THR clears the THRE interrupt, but the byte leaves at
	 * once, so THR is empty again and the interrupt is back */
	u->thre_pending = true;
}

static void write_ier(struct vuart *u, uint8_t value)
{
	uint8_t old = u->ier;

	u->ier = value & VUART_IER_MASK;
	/* ETBEI turned on with THR empty (always, here) raises THRE */
	if ((u->ier & VUART_IER_ETBEI) && !(old & VUART_IER_ETBEI))
		u->thre_pending = true;
}

static void write_fcr(struct vuart *u, uint8_t value)
{
	/* changing FCR0 clears both FIFOs; with FCR0 = 0 the other bits are
	 * not programmed (PC16550D FCR description) */
	if ((value ^ u->fcr) & VUART_FCR_ENABLE)
		rx_clear(u);
	if (!(value & VUART_FCR_ENABLE)) {
		u->fcr = 0;
		return;
	}
	if (value & VUART_FCR_CLEAR_RX)
		rx_clear(u);
	/* CLEAR_TX: the transmit FIFO is always empty; DMA mode: ignored */
	u->fcr = value & (VUART_FCR_ENABLE | VUART_FCR_TRIG_MASK);
}

static void write_mcr(struct vuart *u, uint8_t value)
{
	u->mcr = value & VUART_MCR_MASK;
	update_modem(u);
}

static void write_reg(struct vuart *u, uint32_t reg, uint8_t value, vdev_time_ns now)
{
	bool dlab = u->lcr & VUART_LCR_DLAB;

	switch (reg) {
	case VUART_THR:
		if (dlab)
			u->dll = value;
		else
			write_thr(u, value, now);
		break;
	case VUART_IER:
		if (dlab)
			u->dlm = value;
		else
			write_ier(u, value);
		break;
	case VUART_FCR:
		write_fcr(u, value);
		break;
	case VUART_LCR:
		u->lcr = value;
		break;
	case VUART_MCR:
		write_mcr(u, value);
		break;
	case VUART_SCR:
		u->scr = value;
		break;
	case VUART_LSR: /* factory test use only on the chip: ignored */
	case VUART_MSR: /* read only */
	default:	/* past the eight registers */
		break;
	}
}

static bool access_size_ok(uint32_t size)
{
	return size == 1 || size == 2 || size == 4;
}

uint32_t vuart_read(struct vuart *u, uint32_t offset, uint32_t size, vdev_time_ns now)
{
	uint32_t value = 0;

	if (!access_size_ok(size))
		return UINT32_MAX;
	update_timeout(u, now);
	for (uint32_t i = 0; i < size; i++) {
		/* offset + i cannot wrap into the registers: the sum is
		 * compared as 64-bit */
		uint64_t reg = (uint64_t)offset + i;
		uint8_t byte = reg < VUART_NR_REGS ? read_reg(u, (uint32_t)reg, now) : 0xff;

		value |= (uint32_t)byte << (8 * i);
	}
	update_irq(u);
	return value;
}

void vuart_write(struct vuart *u, uint32_t offset, uint32_t size, uint32_t value, vdev_time_ns now)
{
	if (!access_size_ok(size))
		return;
	update_timeout(u, now);
	for (uint32_t i = 0; i < size; i++) {
		uint64_t reg = (uint64_t)offset + i;

		if (reg < VUART_NR_REGS)
			write_reg(u, (uint32_t)reg, (uint8_t)(value >> (8 * i)), now);
	}
	update_irq(u);
}

uint32_t vuart_rx_space(const struct vuart *u)
{
	if (loopback(u))
		return 0;
	return rx_capacity(u) - u->rx_count;
}

bool vuart_rx_push(struct vuart *u, uint8_t byte, vdev_time_ns now)
{
	update_timeout(u, now);
	if (vuart_rx_space(u) == 0) {
		update_irq(u);
		return false;
	}
	rx_receive(u, byte, now);
	update_irq(u);
	return true;
}

vdev_time_ns vuart_next_deadline(const struct vuart *u)
{
	if (!fifo_on(u) || u->rx_count == 0 || u->timeout_pending)
		return VDEV_NEVER;
	return timeout_deadline(u);
}

void vuart_tick(struct vuart *u, vdev_time_ns now)
{
	update_timeout(u, now);
	update_irq(u);
}

void vuart_reset(struct vuart *u)
{
	u->ier = 0;
	u->lcr = 0;
	u->mcr = 0;
	u->fcr = 0;
	u->lsr_oe = false;
	u->msr_delta = 0;
	u->msr_in = modem_inputs(u); /* inputs as they stand: no deltas */
	rx_clear(u);
	u->rx_last = 0;
	u->thre_pending = false;
	update_irq(u);
}

void vuart_init(struct vuart *u, void (*tx)(void *ctx, uint8_t byte), void *tx_ctx,
		const struct vdev_irq_line *irq)
{
	*u = (struct vuart){
	    .dll = 1, /* 115200 baud */
	    .tx = tx,
	    .tx_ctx = tx_ctx,
	};
	if (irq)
		u->irq = *irq;
	vuart_reset(u);
	/* what PC firmware leaves for the OS: 8N1, so a guest that writes
	 * THR without programming the line first is not cut to 5 bits */
	u->lcr = VUART_LCR_WLEN_MASK;
}
