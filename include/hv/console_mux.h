/*
 * console_mux.h - the input side of the operator's console: which guest (or
 * the hypervisor's monitor) the bytes typed on the hypervisor's UART go to,
 * and the escape sequence that moves that focus (core/console_mux.c).
 *
 * The mux is a pure byte-at-a-time state machine: it owns no UART, prints
 * nothing and queues nothing.  Each byte fed in yields one action that the
 * caller carries out:
 *
 *   CONSOLE_MUX_TO_GUEST    deliver .byte to guest number .target (0-based)
 *   CONSOLE_MUX_TO_MONITOR  deliver .byte to the monitor's line editor
 *   CONSOLE_MUX_FOCUS       focus moved to .target (CONSOLE_MUX_MONITOR or a
 *                           guest); print console_mux_format_focus()
 *   CONSOLE_MUX_HELP        print the lines of console_mux_help_line()
 *   CONSOLE_MUX_BAD_KEY     the key .byte after the prefix means nothing (or
 *                           names a guest that does not exist); print
 *                           console_mux_format_bad_key()
 *   CONSOLE_MUX_NONE        byte consumed (the escape prefix, now pending)
 *
 * Nothing is lost silently: the mux has no buffer, so when the focused
 * guest's UART cannot take the byte now (vuart_rx_push() returns false) the
 * caller keeps the byte and delivers it later, and reads no further byte
 * from the host UART meanwhile (host-side flow control).  Input to a guest
 * that is not running is the caller's to report ("guest X is stopped").
 *
 * Escape sequence (prefix, then one command key):
 *   n / p        next / previous in the cycle monitor, guest 1, .., guest N
 *   m or 0       the monitor
 *   1..9         guest 1..9 (the numbers of the monitor's list command)
 *   ? or h       help
 *   the prefix   send the prefix byte itself to the focused target
 * Any other key is refused (BAD_KEY) and not forwarded, so a mistyped
 * sequence never leaks half an escape into a guest.
 *
 * Why Ctrl-T (0x14) is the default prefix: Ctrl-A is taken by QEMU's
 * -serial mon:stdio, screen, minicom and picocom, and Ctrl-] is consumed by
 * telnet and virsh console as their own escape, so the hypervisor would
 * never see it.  Ctrl-T passes unchanged through all of those and through
 * IPMI serial-over-LAN (ipmitool escapes with '~' at line start).  Its own
 * uses (bash/emacs transpose-chars, BSD SIGINFO) still reach a guest by
 * typing it twice.  The prefix is a parameter, so a configuration option can
 * change it later.
 */
#ifndef HV_CONSOLE_MUX_H
#define HV_CONSOLE_MUX_H

#include <hv/compiler.h>

#define CONSOLE_MUX_DEFAULT_ESCAPE 0x14 /* Ctrl-T, see above */
#define CONSOLE_MUX_MONITOR	   (-1) /* focus/target value meaning the monitor */
#define CONSOLE_MUX_MAX_GUESTS	   64	/* n/p reach them all; digits only 1..9 */

enum console_mux_kind {
	CONSOLE_MUX_NONE = 0,
	CONSOLE_MUX_TO_GUEST,
	CONSOLE_MUX_TO_MONITOR,
	CONSOLE_MUX_FOCUS,
	CONSOLE_MUX_HELP,
	CONSOLE_MUX_BAD_KEY,
};

struct console_mux_action {
	enum console_mux_kind kind;
	uint8_t byte; /* TO_GUEST, TO_MONITOR: the byte; BAD_KEY: the key */
	int target;   /* TO_GUEST, FOCUS: guest number or CONSOLE_MUX_MONITOR */
};

struct console_mux {
	uint8_t escape;	      /* the prefix byte */
	bool escape_pending;  /* the prefix was the last byte seen */
	int focus;	      /* CONSOLE_MUX_MONITOR or 0..guest_count-1 */
	uint32_t guest_count; /* guests that can take the focus */
};

/*
 * console_mux_init - start with focus (CONSOLE_MUX_MONITOR or a guest
 * number) over guest_count guests, prefix escape.  A focus out of range,
 * guest_count above CONSOLE_MUX_MAX_GUESTS (clamped) or an escape that is
 * printable or CR/LF (it would make ordinary text unreachable) fall back to
 * the monitor and CONSOLE_MUX_DEFAULT_ESCAPE.
 */
void console_mux_init(struct console_mux *m, uint32_t guest_count, int focus, uint8_t escape);

/* console_mux_feed - one byte from the host UART; returns what to do with it. */
struct console_mux_action console_mux_feed(struct console_mux *m, uint8_t byte);

/* Where input goes now (CONSOLE_MUX_MONITOR or a guest number). */
int console_mux_focus(const struct console_mux *m);

/*
 * console_mux_set_focus - move the focus directly (e.g. to the monitor when
 * the focused guest stops).  Returns false, changing nothing, when target
 * is neither the monitor nor a guest number below guest_count.
 */
bool console_mux_set_focus(struct console_mux *m, int target);

/*
 * console_mux_format_key - the name of a control byte as the operator types
 * it ("Ctrl-T"; "0x80" for anything else) into buf.  Returns buf.
 */
const char *console_mux_format_key(uint8_t byte, char *buf, size_t size);

/*
 * console_mux_format_focus - the notice after a FOCUS action, e.g.
 * "hv: console: input to guest linux-a (Ctrl-T ? for help)" or
 * "hv: console: input to the monitor (Ctrl-T ? for help)", without newline.
 * name is the focused guest's name (ignored for the monitor; NULL prints
 * "guest N").  Returns the length snprintf reports.
 */
int console_mux_format_focus(const struct console_mux *m, const char *name, char *buf, size_t size);

/* console_mux_format_bad_key - the error after BAD_KEY, without newline. */
int console_mux_format_bad_key(const struct console_mux *m, uint8_t key, char *buf, size_t size);

/*
 * console_mux_help_line - line i (0-based) of the escape help, without
 * newline, into buf; returns false past the last line.  Lines, not one
 * buffer, so the caller needs no large buffer on its stack.
 */
bool console_mux_help_line(const struct console_mux *m, uint32_t i, char *buf, size_t size);

#endif
