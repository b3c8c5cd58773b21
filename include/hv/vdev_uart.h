/*
 * vdev_uart.h - a virtual 16550A UART, one per guest (guests/vdev_uart.c).
 *
 * The model follows the National PC16550D data sheet ("UART with FIFOs",
 * the 16550A's successor with the same register set) for everything Linux's
 * 8250 driver uses (drivers/tty/serial/8250/8250_port.c: autoconfig(),
 * autoconfig_16550a(), size_fifo(), serial8250_do_startup(), the interrupt
 * handler and the console write path), so that driver detects a 16550A and
 * runs console=ttyS0 with interrupt-driven transmit and receive.
 *
 * Eight byte registers at base+0..7 (DLAB = LCR bit 7):
 *   0  read RBR / write THR        (DLAB=1: DLL)
 *   1  IER                         (DLAB=1: DLM)
 *   2  read IIR / write FCR        (not affected by DLAB)
 *   3  LCR   4 MCR   5 LSR   6 MSR   7 SCR
 *
 * Transmit: a byte written to THR leaves at once through tx(); the
 * transmitter is never busy, so LSR.THRE and LSR.TEMT always read 1.
 * Receive: the hypervisor pushes input bytes with vuart_rx_push(); a full
 * FIFO refuses the byte (returns false) and the caller keeps it, so host
 * input is never lost (host-side flow control; an overrun can only be
 * caused by the guest itself, in loopback mode).  The character-timeout
 * interrupt uses guest time: 4 character times at the programmed divisor
 * and frame format, with the PC's 1.8432 MHz input clock.
 *
 * The interrupt output goes through irq (struct vdev_irq_line, vdev.h).
 * As on a PC, the line is gated by MCR.OUT2 (the board wires /OUT2 to the
 * IRQ driver's enable); in loopback mode the chip forces its outputs
 * inactive, so the line is low then too.  Linux sets OUT2 in
 * serial8250_do_startup() ("Most PC uarts need OUT2 raised").  The model
 * calls irq.set only when the level changes.
 *
 * Not modelled (never needed by a virtual line): parity, framing and break
 * errors (LSR bits 2-4 and 7 always read 0; LCR.SBC is stored but sends
 * nothing), transmit timing and the transmit FIFO (bytes leave at once),
 * DMA mode (FCR bit 3 is accepted and ignored), the RI input (always
 * inactive outside loopback).
 */
#ifndef HV_VDEV_UART_H
#define HV_VDEV_UART_H

#include <hv/vdev.h>

/* Register offsets from the base port. */
#define VUART_RBR     0 /* read, DLAB=0 */
#define VUART_THR     0 /* write, DLAB=0 */
#define VUART_DLL     0 /* DLAB=1 */
#define VUART_IER     1 /* DLAB=0 */
#define VUART_DLM     1 /* DLAB=1 */
#define VUART_IIR     2 /* read */
#define VUART_FCR     2 /* write */
#define VUART_LCR     3
#define VUART_MCR     4
#define VUART_LSR     5
#define VUART_MSR     6
#define VUART_SCR     7
#define VUART_NR_REGS 8

/* IER: interrupt enables. */
#define VUART_IER_ERBFI BIT(0) /* received data available (and timeout) */
#define VUART_IER_ETBEI BIT(1) /* transmitter holding register empty */
#define VUART_IER_ELSI	BIT(2) /* receiver line status */
#define VUART_IER_EDSSI BIT(3) /* modem status */
#define VUART_IER_MASK	GENMASK(3, 0)

/* IIR: bit 0 = no interrupt pending, bits 3..1 the source, 7..6 FIFOs on. */
#define VUART_IIR_NO_INT  0x01
#define VUART_IIR_MSI	  0x00 /* priority 4: modem status */
#define VUART_IIR_THRI	  0x02 /* priority 3: THR empty */
#define VUART_IIR_RDI	  0x04 /* priority 2: received data available */
#define VUART_IIR_RLSI	  0x06 /* priority 1: receiver line status */
#define VUART_IIR_TIMEOUT 0x0c /* priority 2: character timeout */
#define VUART_IIR_ID_MASK GENMASK(3, 0)
#define VUART_IIR_FIFOS	  GENMASK(7, 6)

/* FCR (write only). */
#define VUART_FCR_ENABLE    BIT(0)
#define VUART_FCR_CLEAR_RX  BIT(1)
#define VUART_FCR_CLEAR_TX  BIT(2)
#define VUART_FCR_DMA	    BIT(3)
#define VUART_FCR_TRIG_MASK GENMASK(7, 6)

/* LCR. */
#define VUART_LCR_WLEN_MASK GENMASK(1, 0) /* data bits - 5 */
#define VUART_LCR_STOP	    BIT(2)	  /* 2 stop bits (1.5 with 5 data bits) */
#define VUART_LCR_PARITY    BIT(3)
#define VUART_LCR_SBC	    BIT(6) /* set break */
#define VUART_LCR_DLAB	    BIT(7)

/* MCR. */
#define VUART_MCR_DTR  BIT(0)
#define VUART_MCR_RTS  BIT(1)
#define VUART_MCR_OUT1 BIT(2)
#define VUART_MCR_OUT2 BIT(3)
#define VUART_MCR_LOOP BIT(4)
#define VUART_MCR_MASK GENMASK(4, 0)

/* LSR. */
#define VUART_LSR_DR   BIT(0)
#define VUART_LSR_OE   BIT(1)
#define VUART_LSR_THRE BIT(5)
#define VUART_LSR_TEMT BIT(6)

/* MSR: deltas in 3..0, current inputs in 7..4. */
#define VUART_MSR_DCTS	     BIT(0)
#define VUART_MSR_DDSR	     BIT(1)
#define VUART_MSR_TERI	     BIT(2)
#define VUART_MSR_DDCD	     BIT(3)
#define VUART_MSR_DELTA_MASK GENMASK(3, 0)
#define VUART_MSR_CTS	     BIT(4)
#define VUART_MSR_DSR	     BIT(5)
#define VUART_MSR_RI	     BIT(6)
#define VUART_MSR_DCD	     BIT(7)

#define VUART_FIFO_SIZE 16
#define VUART_CLOCK_HZ	1843200 /* the PC's UART input clock: 115200 baud at divisor 1 */

struct vuart {
	/* Registers as the guest sees them. */
	uint8_t ier; /* bits 3..0 */
	uint8_t lcr;
	uint8_t mcr; /* bits 4..0 */
	uint8_t scr;
	uint8_t dll, dlm;  /* divisor latch */
	uint8_t fcr;	   /* ENABLE and TRIG bits as last programmed */
	uint8_t msr_delta; /* MSR bits 3..0, cleared by reading MSR */
	uint8_t msr_in;	   /* MSR bits 7..4 as last computed */
	bool lsr_oe;	   /* overrun, cleared by reading LSR */

	/* Receiver: a ring of VUART_FIFO_SIZE; capacity 1 with FIFOs off. */
	uint8_t rx_fifo[VUART_FIFO_SIZE];
	uint8_t rx_head;
	uint8_t rx_count;
	vdev_time_ns rx_last; /* last character in or out (timeout timer) */

	/* Interrupt sources that latch (the others are computed). */
	bool thre_pending;
	bool timeout_pending;
	bool irq_level; /* last level given to irq */

	/* Installed by the caller before use; either may be left empty. */
	void (*tx)(void *ctx, uint8_t byte);
	void *tx_ctx;
	struct vdev_irq_line irq;
};

/*
 * vuart_init - set up a UART with its callbacks, reset it, and leave it
 * as PC firmware hands COM1 to the OS: 8N1 (LCR 0x03) at 115200 baud
 * (divisor 1), SCR 0 (the data sheet leaves the divisor and SCR undefined
 * after power-on).  tx may be NULL (bytes are then dropped); irq may be
 * NULL.
 */
void vuart_init(struct vuart *u, void (*tx)(void *ctx, uint8_t byte), void *tx_ctx,
		const struct vdev_irq_line *irq);

/*
 * vuart_reset - master reset (PC16550D table IV): IER, FCR, LCR, MCR, LSR,
 * MSR deltas and the FIFOs cleared; IIR reads 0x01.  RBR, THR, DLL, DLM
 * and SCR keep their contents, as on the chip.  Lowers the IRQ line.
 */
void vuart_reset(struct vuart *u);

/*
 * vuart_read - a guest read of size bytes (1, 2 or 4) at offset from the
 * base.  Wider accesses act as consecutive byte accesses at offset,
 * offset+1... (an 8-bit device on a 16/32-bit cycle), little-endian.
 * Offsets past 7 read 0xff (no device there); a size other than 1, 2 or 4
 * reads all ones and has no side effect.  now is the current guest time.
 */
uint32_t vuart_read(struct vuart *u, uint32_t offset, uint32_t size, vdev_time_ns now);

/* vuart_write - the write counterpart; bytes past offset 7 are ignored. */
void vuart_write(struct vuart *u, uint32_t offset, uint32_t size, uint32_t value, vdev_time_ns now);

/*
 * vuart_rx_push - deliver one received byte (input from the console).
 * Returns false, changing nothing, when the receiver cannot take it: the
 * FIFO (or, with FIFOs off, RBR) is full, or the UART is in loopback mode
 * (its serial input is disconnected).  The caller keeps the byte and
 * retries later, e.g. after the guest read RBR.
 */
bool vuart_rx_push(struct vuart *u, uint8_t byte, vdev_time_ns now);

/* vuart_rx_space - how many bytes vuart_rx_push would accept now. */
uint32_t vuart_rx_space(const struct vuart *u);

/*
 * vuart_next_deadline - the guest time at which the character-timeout
 * interrupt will latch, or VDEV_NEVER when nothing is waiting.  The caller
 * arms a timer and calls vuart_tick() when it expires.
 */
vdev_time_ns vuart_next_deadline(const struct vuart *u);

/* vuart_tick - advance the model to now (latch the timeout, update the line). */
void vuart_tick(struct vuart *u, vdev_time_ns now);

/* vuart_char_time_ns - one character's time at the programmed divisor and
 * frame format (start + data + parity + stop bits). */
vdev_time_ns vuart_char_time_ns(const struct vuart *u);

#endif
