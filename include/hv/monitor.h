/*
 * monitor.h - the hypervisor's monitor prompt (core/monitor.c): a line
 * editor fed one byte at a time (what console_mux routes to the monitor)
 * and a command interpreter that acts through a table of operations, so the
 * same code runs in the hypervisor and in host unit tests with fake ops.
 *
 * Commands (docs/console.md):
 *   help                 the commands
 *   list                 every guest: number, name, state, CPUs, memory,
 *                        uptime, exits
 *   start NAME           start a guest that is not running
 *   stop NAME            stop a running guest
 *   restart NAME         stop (when running) and start again
 *   stats NAME           the guest's VM exits by reason
 *   poweroff / reboot    the whole machine
 * Errors name the problem: "unknown command 'x' (type help)",
 * "start: missing guest name (usage: start NAME)",
 * "no guest named 'lnux-a' (guests: linux-a, linux-b)", and whatever error
 * string an operation returns ("start: linux-a: already running").
 *
 * Line editor: printable ASCII is inserted and echoed; Backspace (0x08) and
 * DEL (0x7f) erase one character; Ctrl-U erases the line; Ctrl-C abandons
 * it; CR, LF or CR LF end it.  ANSI escape sequences (arrow keys) and other
 * control bytes are ignored.  A line longer than MONITOR_LINE_MAX-1
 * characters is refused with an error as soon as it overflows, and the rest
 * up to the line end is discarded, so a truncated command never runs.
 *
 * Not thread-safe: the caller feeds one monitor from one CPU (or under its
 * own lock).  Nothing here allocates or blocks.
 */
#ifndef HV_MONITOR_H
#define HV_MONITOR_H

#include <hv/compiler.h>

#define MONITOR_LINE_MAX 80 /* including the terminating NUL */
#define MONITOR_PROMPT	 "hv> "

/* Output: printf-like; the monitor emits whole lines ending in "\n", plus
 * the prompt and the echo of typed characters. */
typedef void (*monitor_print_fn)(void *ctx, const char *fmt, ...) __printf(2, 3);

/* One guest as the list command shows it; filled by ops->guest_info. */
struct monitor_guest_info {
	const char *name;   /* required, unique, no spaces */
	const char *state;  /* "running", "stopped", "ready", .. */
	const char *cpus;   /* physical CPUs, e.g. "1-2" or "3,5"; NULL for "-" */
	uint64_t mem_bytes; /* guest RAM */
	uint64_t uptime_ns; /* since the last start; 0 when not running */
	uint64_t exits;	    /* VM exits since the last start (all reasons) */
};

/*
 * The operations the monitor calls.  Guests are numbered 0..guest_count-1
 * (shown 1-based, like the console's digit keys).  The actions return NULL
 * on success or a message naming the problem (without guest name or
 * newline; the monitor prefixes "CMD: NAME: ").  ctx is passed to every call.
 */
struct monitor_ops {
	void *ctx;
	monitor_print_fn print;
	uint32_t (*guest_count)(void *ctx);
	/* false when idx has no guest any more (it is then skipped) */
	bool (*guest_info)(void *ctx, uint32_t idx, struct monitor_guest_info *out);
	const char *(*start)(void *ctx, uint32_t idx);
	const char *(*stop)(void *ctx, uint32_t idx);
	const char *(*restart)(void *ctx, uint32_t idx);
	/* The guest's exit counters: (*counts)[reason] for reason < *n. */
	const char *(*exit_counts)(void *ctx, uint32_t idx, const uint64_t **counts, uint32_t *n);
	/* A reason's name, or NULL when it has none ("(unnamed)"); the number is
	 * printed as well. */
	const char *(*exit_name)(void *ctx, uint32_t reason);
	/* Optional (NULL: none): line i of the guest's per-vCPU figures for
	 * stats ("vcpu 0 (cpu 1): run 120 ms, wait 60 ms, ..."); false when the
	 * guest has no vCPU i. */
	bool (*vcpu_line)(void *ctx, uint32_t idx, uint32_t i, char *buf, size_t len);
	/* On success these do not return in the hypervisor; fakes may. */
	const char *(*poweroff)(void *ctx);
	const char *(*reboot)(void *ctx);
};

struct monitor {
	const struct monitor_ops *ops;
	char line[MONITOR_LINE_MAX];
	uint32_t len;
	bool overflowed; /* discarding up to the line end */
	bool after_cr;	 /* an LF right after CR is the same line end */
	uint8_t esc;	 /* ANSI escape state: 0 none, 1 after ESC, 2 in CSI */
};

/* monitor_init - bind ops (every member must be set); prints nothing. */
void monitor_init(struct monitor *m, const struct monitor_ops *ops);

/* monitor_prompt - print the prompt and the line typed so far (after the
 * focus moved to the monitor, or after other output broke the line). */
void monitor_prompt(struct monitor *m);

/* monitor_feed - one input byte: edit/echo, and at the line end run it. */
void monitor_feed(struct monitor *m, uint8_t byte);

/* monitor_exec - run one command line (no newline) now, as if typed;
 * returns true when it ran without error.  Does not print the prompt. */
bool monitor_exec(struct monitor *m, const char *line);

/* monitor_format_size / monitor_format_uptime - "512 MiB", "1.5 GiB",
 * "3d 04:05:06", "00:01:02" ("-" for 0 uptime) into buf; return buf. */
const char *monitor_format_size(uint64_t bytes, char *buf, size_t size);
const char *monitor_format_uptime(uint64_t ns, char *buf, size_t size);

#endif
