/*
 * console.h - the operator's console input (core/console.c): bytes typed
 * on the hypervisor's serial console go through the escape mux
 * (console_mux.h) to one guest's COM1 or to the monitor (monitor.h).
 *
 * Input arrives by the UART's receive interrupt, routed through the
 * machine's IOAPIC to the CPU that called console_init (the bootstrap
 * CPU), or, where that cannot be routed, by polling the UART from a timer
 * on that CPU.  Everything runs in that CPU's interrupt handlers, so the
 * mux and the monitor need no lock.  docs/console.md tells the whole story.
 */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <hv/compiler.h>

/*
 * console_init - take console input for the guests of guests[] (none is
 * fine): route the UART's interrupt (or start polling) to this CPU and
 * announce the focus, which starts on the monitor.  Once, on the bootstrap
 * CPU, after the guests were built.  Returns false, with the reason
 * printed, when there is no way to read the console (no serial console, or
 * neither an interrupt nor a timer for it); output is unaffected.
 */
bool console_init(void);

/*
 * console_stay - nothing runs (the config is bad or no guest could be
 * built): show the monitor prompt and serve it until the operator powers
 * off or reboots.  Returns only when the console has no input (see
 * console_init); the caller then powers off as before.
 */
void console_stay(void);

#endif
