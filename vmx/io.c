/*
 * io.c - port I/O exits (SDM 28.1.3, Table 28-5): the guest's minimal
 * COM1 (core/guest_console.c collects its output) and the policy for every
 * other port: reads return all ones, writes are dropped, and the first
 * access to each port is logged once per guest, as a missing device on a
 * real machine would behave.
 */
#include <hv/guest.h>
#include <hv/printk.h>
#include "vmx/exits.h"

/* Exit qualification for I/O instructions */
#define IOQ_SIZE_MASK  GENMASK(2, 0) /* 0 = 1 byte, 1 = 2, 3 = 4 */
#define IOQ_IN	       BIT(3)
#define IOQ_STRING     BIT(4)
#define IOQ_PORT_SHIFT 16

/* The 16550 registers COM1 answers (offsets from 0x3f8). */
#define COM1_BASE	0x3f8
#define UART_THR	0 /* write: transmit; read: RBR */
#define UART_IER	1
#define UART_IIR	2 /* read: no interrupt pending; write: FCR */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7
#define UART_LCR_DLAB	BIT(7)
#define UART_IIR_NONE	0x01
#define UART_LSR_THRE	BIT(5)
#define UART_LSR_TEMT	BIT(6)
#define UART_MSR_ACTIVE 0xb0 /* CTS, DSR, DCD */

static uint8_t com1_read(struct guest_console *c, unsigned reg)
{
	switch (reg) {
	case UART_IER:
		return (c->lcr & UART_LCR_DLAB) ? 0 : c->ier;
	case UART_IIR:
		return UART_IIR_NONE;
	case UART_LCR:
		return c->lcr;
	case UART_LSR: /* always ready to send, nothing received */
		return UART_LSR_THRE | UART_LSR_TEMT;
	case UART_MSR:
		return UART_MSR_ACTIVE;
	case UART_SCR:
		return c->scr;
	case UART_THR:
	case UART_MCR:
	default:
		return 0;
	}
}

static void com1_write(struct guest *g, unsigned reg, uint8_t v)
{
	struct guest_console *c = &g->console;

	switch (reg) {
	case UART_THR:
		if (!(c->lcr & UART_LCR_DLAB))
			guest_console_putc(g, (char)v);
		break;
	case UART_IER:
		if (!(c->lcr & UART_LCR_DLAB))
			c->ier = v & 0x0f;
		break;
	case UART_LCR:
		c->lcr = v;
		break;
	case UART_SCR:
		c->scr = v;
		break;
	default: /* divisor latch, FCR, MCR: nothing to model */
		break;
	}
}

static void io_unclaimed(struct guest *g, uint16_t port, bool in)
{
	uint8_t bit = (uint8_t)BIT(port % 8);

	if (g->io_logged[port / 8] & bit)
		return;
	g->io_logged[port / 8] |= bit;
	pr_info("guest %s: %s unclaimed I/O port %#x (%s; logged once)\n", g->name,
		in ? "read from" : "write to", port, in ? "reads return all ones" : "dropped");
}

enum exit_action exit_io(struct vcpu *vcpu, const struct exit_info *e)
{
	struct guest *g = vcpu->guest;
	unsigned size = (unsigned)(e->qual & IOQ_SIZE_MASK) + 1;
	uint16_t port = (uint16_t)(e->qual >> IOQ_PORT_SHIFT);
	bool in = e->qual & IOQ_IN;
	uint64_t *rax = &vcpu->arch.gpr[VCPU_REG_RAX];
	uint64_t mask = size == 4 ? 0xffffffffULL : BIT(size * 8) - 1;

	if (e->qual & IOQ_STRING) {
		guest_stop(g, "string I/O (INS/OUTS) to port %#x is not emulated", port);
		vcpu_dump(vcpu, e);
		return EXIT_STOP;
	}
	if (port >= COM1_BASE && port < COM1_BASE + 8 && size == 1) {
		if (in)
			*rax = (*rax & ~mask) | com1_read(&g->console, port - COM1_BASE);
		else
			com1_write(g, port - COM1_BASE, (uint8_t)*rax);
		return EXIT_SKIP;
	}
	io_unclaimed(g, port, in);
	/* IN of 32 bits zero-extends into RAX (SDM Vol. 1 3.4.1.1) */
	if (in)
		*rax = size == 4 ? mask : (*rax & ~mask) | mask;
	return EXIT_SKIP;
}
