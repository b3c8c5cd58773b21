/*
 * serial.h - the 16550 UART driver used for the hypervisor console.
 */
#ifndef HV_SERIAL_H
#define HV_SERIAL_H

#include <hv/compiler.h>

/* Program the UART at port for baud 8N1, FIFOs on, and make it the printk
 * console.  port 0 means no serial console (printk output is discarded). */
void serial_init(uint16_t port, uint32_t baud);
void serial_write(const char *s, size_t len);
/* Wait (bounded) until every byte written so far has been sent. */
void serial_flush(void);
/* Non-blocking read: returns -1 when no byte is waiting. */
int serial_getc(void);

/* The console UART's I/O port, 0 when there is no working serial console. */
uint16_t serial_port(void);

/*
 * serial_isa_irq - the ISA IRQ a UART at port raises on a PC: 4 for COM1
 * (0x3f8) and COM3 (0x3e8), 3 for COM2 (0x2f8) and COM4 (0x2e8); -1 for any
 * other port (a PCI UART: its interrupt is not known here, poll it).
 */
int serial_isa_irq(uint16_t port);

/*
 * serial_rx_irq - turn the UART's received-data interrupt (and its
 * character timeout) on or off: IER bit 0, and MCR OUT2, which a PC wires
 * as the enable of the UART's IRQ line.  No-op without a console UART.
 */
void serial_rx_irq(bool on);

/*
 * serial_rx_hold - hardware flow control towards the sender: RTS off while
 * the hypervisor cannot take more input (a terminal using RTS/CTS then
 * stops sending), on again when it can.
 */
void serial_rx_hold(bool hold);

#endif
