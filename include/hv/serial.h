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

#endif
