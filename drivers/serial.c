/*
 * serial.c - the 16550 UART console: polled output; input by polling or
 * by the received-data interrupt, which core/console.c turns on.
 *
 * Register layout from the PC16550D data sheet.  Every wait is bounded:
 * a UART that is absent or wedged must never hang the boot, so output is
 * dropped instead.  An absent UART is detected through the scratch register,
 * which reads back 0xff on an empty I/O port.
 */
#include <hv/printk.h>
#include <hv/serial.h>
#include <arch/io.h>

#define UART_THR 0 /* transmit holding (write), DLAB=0 */
#define UART_RBR 0 /* receive buffer (read), DLAB=0 */
#define UART_DLL 0 /* divisor latch low, DLAB=1 */
#define UART_IER 1 /* interrupt enable, DLAB=0 */
#define UART_DLM 1 /* divisor latch high, DLAB=1 */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_SCR 7 /* scratch */

#define LCR_8N1	     0x03
#define LCR_DLAB     BIT(7)
#define FCR_ENABLE   BIT(0)
#define FCR_CLR_RX   BIT(1)
#define FCR_CLR_TX   BIT(2)
#define FCR_TRIG_14  (BIT(7) | BIT(6))
#define MCR_DTR	     BIT(0)
#define MCR_RTS	     BIT(1)
#define MCR_OUT2     BIT(3) /* gates the UART's IRQ line on a PC */
#define IER_RDI	     BIT(0) /* received data available (and character timeout) */
#define COM1_PORT    0x3f8
#define COM2_PORT    0x2f8
#define COM3_PORT    0x3e8
#define COM4_PORT    0x2e8
#define COM13_IRQ    4
#define COM24_IRQ    3
#define LSR_DR	     BIT(0) /* a received byte is waiting */
#define LSR_THRE     BIT(5) /* transmit FIFO empty */
#define LSR_TEMT     BIT(6) /* FIFO and shift register empty: the line is idle */
#define UART_CLOCK   115200 /* 1.8432 MHz / 16 */
#define UART_FIFO_SZ 16

/* ~0.25 s of port reads on real hardware; one character takes 87 us at 115200 */
#define THRE_SPIN_LIMIT (1u << 18)

static uint16_t uart_port;
static bool uart_ok;
static uint8_t uart_mcr; /* MCR as last written */

static bool uart_present(uint16_t port)
{
	outb(port + UART_SCR, 0x5a);
	if (inb(port + UART_SCR) != 0x5a)
		return false;
	outb(port + UART_SCR, 0xa5);
	return inb(port + UART_SCR) == 0xa5;
}

static uint16_t uart_divisor(uint32_t baud)
{
	uint32_t div;

	if (baud == 0 || baud > UART_CLOCK)
		baud = UART_CLOCK;
	div = UART_CLOCK / baud;
	return div > 0xffff ? 0xffff : (uint16_t)div;
}

/*
 * serial_init - see serial.h.  An absent UART (scratch register test fails)
 * leaves the console silent rather than spinning on a port nobody answers.
 */
void serial_init(uint16_t port, uint32_t baud)
{
	uint16_t div = uart_divisor(baud);

	uart_ok = false;
	uart_port = port;
	console_set_output(NULL);
	if (port == 0 || !uart_present(port))
		return;
	outb(port + UART_IER, 0); /* polled: no UART interrupts */
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DLL, div & 0xff);
	outb(port + UART_DLM, div >> 8);
	outb(port + UART_LCR, LCR_8N1);
	outb(port + UART_FCR, FCR_ENABLE | FCR_CLR_RX | FCR_CLR_TX | FCR_TRIG_14);
	uart_mcr = MCR_DTR | MCR_RTS;
	outb(port + UART_MCR, uart_mcr);
	uart_ok = true;
	console_set_output(serial_write);
}

/* Wait until the transmit FIFO is empty; false (and the console off) on timeout. */
static bool uart_wait_thre(void)
{
	for (uint32_t i = 0; i < THRE_SPIN_LIMIT; i++) {
		if (inb(uart_port + UART_LSR) & LSR_THRE)
			return true;
		__builtin_ia32_pause();
	}
	uart_ok = false; /* wedged: stop paying the timeout on every byte */
	return false;
}

/* Write len bytes, "\n" as "\r\n", filling the FIFO a burst at a time. */
void serial_write(const char *s, size_t len)
{
	uint32_t room = 0;

	for (size_t i = 0; i < len && uart_ok; i++) {
		bool crlf = s[i] == '\n';

		for (int n = crlf ? 2 : 1; n > 0; n--) {
			if (room == 0) {
				if (!uart_wait_thre())
					return;
				room = UART_FIFO_SZ;
			}
			outb(uart_port + UART_THR, (n == 2) ? '\r' : (uint8_t)s[i]);
			room--;
		}
	}
}

/*
 * serial_flush - wait (bounded) until the last byte has left the shift
 * register.  Called before the machine is switched off or reset, which would
 * otherwise cut the final lines of the log mid-transmission.
 */
void serial_flush(void)
{
	for (uint32_t i = 0; i < THRE_SPIN_LIMIT && uart_ok; i++) {
		if (inb(uart_port + UART_LSR) & LSR_TEMT)
			return;
		__builtin_ia32_pause();
	}
}

int serial_getc(void)
{
	if (!uart_ok || !(inb(uart_port + UART_LSR) & LSR_DR))
		return -1;
	return inb(uart_port + UART_RBR);
}

uint16_t serial_port(void)
{
	return uart_ok ? uart_port : 0;
}

int serial_isa_irq(uint16_t port)
{
	switch (port) {
	case COM1_PORT:
	case COM3_PORT:
		return COM13_IRQ;
	case COM2_PORT:
	case COM4_PORT:
		return COM24_IRQ;
	default:
		return -1;
	}
}

static void uart_set_mcr(uint8_t bits, bool on)
{
	uart_mcr = on ? (uint8_t)(uart_mcr | bits) : (uint8_t)(uart_mcr & ~bits);
	outb(uart_port + UART_MCR, uart_mcr);
}

void serial_rx_irq(bool on)
{
	if (!uart_ok)
		return;
	outb(uart_port + UART_IER, on ? IER_RDI : 0);
	uart_set_mcr(MCR_OUT2, on);
}

void serial_rx_hold(bool hold)
{
	if (uart_ok)
		uart_set_mcr(MCR_RTS, !hold);
}
