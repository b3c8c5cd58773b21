/*
 * fuzz_monitor.c - libFuzzer target: arbitrary bytes typed on the console,
 * through the input mux (core/console_mux.c) into the monitor
 * (core/monitor.c) over fake operations whose guests really change state.
 *
 * Checked on every byte: the focus is the monitor or an existing guest, the
 * line editor stays within its buffer, and the monitor never prints a
 * control byte other than newline and backspace (typed input must not reach
 * the operator's terminal as escape sequences).  The first input byte picks
 * the number of guests (0..4).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/console_mux.h>
#include <hv/monitor.h>

#define NGUESTS 4

static const char *const names[NGUESTS] = {"linux-a", "linux-b", "t", "guest-with-long-name"};
static bool running[NGUESTS];
static uint64_t exits[NGUESTS][70];
static uint32_t nguests;

static __printf(2, 3) void fz_print(void *ctx, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	(void)ctx;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		abort(); /* one line of output never nears 512 bytes */
	for (int i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if ((c < 0x20 && c != '\n' && c != '\b') || c >= 0x7f)
			abort();
	}
}

static uint32_t fz_count(void *ctx)
{
	(void)ctx;
	return nguests;
}

static bool fz_info(void *ctx, uint32_t idx, struct monitor_guest_info *gi)
{
	(void)ctx;
	if (idx >= nguests)
		abort(); /* the monitor only asks for guests it was told of */
	gi->name = names[idx];
	gi->state = running[idx] ? "running" : "stopped";
	gi->cpus = idx & 1 ? "1-2" : NULL;
	gi->mem_bytes = (uint64_t)idx << 33 | 12345;
	gi->uptime_ns = running[idx] ? ~0ull / (idx + 1) : 0;
	gi->exits = exits[idx][0];
	return true;
}

static const char *fz_start(void *ctx, uint32_t idx)
{
	(void)ctx;
	if (running[idx])
		return "already running";
	running[idx] = true;
	return NULL;
}

static const char *fz_stop(void *ctx, uint32_t idx)
{
	(void)ctx;
	if (!running[idx])
		return "not running";
	running[idx] = false;
	return NULL;
}

static const char *fz_restart(void *ctx, uint32_t idx)
{
	(void)ctx;
	running[idx] = true;
	exits[idx][idx * 7 % 70]++;
	return NULL;
}

static const char *fz_counts(void *ctx, uint32_t idx, const uint64_t **counts, uint32_t *n)
{
	(void)ctx;
	*counts = exits[idx];
	*n = 70;
	return NULL;
}

static const char *fz_exit_name(void *ctx, uint32_t reason)
{
	(void)ctx;
	return reason % 3 ? "SOME_REASON" : NULL;
}

static const char *fz_power(void *ctx)
{
	(void)ctx;
	return "not in a fuzzer";
}

static const struct monitor_ops fz_ops = {
    .print = fz_print,
    .guest_count = fz_count,
    .guest_info = fz_info,
    .start = fz_start,
    .stop = fz_stop,
    .restart = fz_restart,
    .exit_counts = fz_counts,
    .exit_name = fz_exit_name,
    .poweroff = fz_power,
    .reboot = fz_power,
};

/* Carry out one mux action as the hypervisor will. */
static void fz_act(struct console_mux *mux, struct monitor *mon, struct console_mux_action a)
{
	char buf[160];

	switch (a.kind) {
	case CONSOLE_MUX_TO_MONITOR:
		monitor_feed(mon, a.byte);
		break;
	case CONSOLE_MUX_TO_GUEST:
		if (a.target < 0 || (uint32_t)a.target >= nguests)
			abort();
		exits[a.target][1]++;
		break;
	case CONSOLE_MUX_FOCUS:
		console_mux_format_focus(mux, a.target >= 0 ? names[a.target] : NULL, buf,
					 sizeof(buf));
		if (a.target == CONSOLE_MUX_MONITOR)
			monitor_prompt(mon);
		break;
	case CONSOLE_MUX_HELP:
		for (uint32_t i = 0; console_mux_help_line(mux, i, buf, sizeof(buf)); i++)
			;
		break;
	case CONSOLE_MUX_BAD_KEY:
		console_mux_format_bad_key(mux, a.byte, buf, sizeof(buf));
		break;
	case CONSOLE_MUX_NONE:
		break;
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct console_mux mux;
	struct monitor mon;

	if (size == 0)
		return 0;
	nguests = data[0] % (NGUESTS + 1);
	memset(running, 0, sizeof(running));
	memset(exits, 0, sizeof(exits));
	console_mux_init(&mux, nguests, CONSOLE_MUX_MONITOR, CONSOLE_MUX_DEFAULT_ESCAPE);
	monitor_init(&mon, &fz_ops);
	for (size_t i = 1; i < size; i++) {
		fz_act(&mux, &mon, console_mux_feed(&mux, data[i]));
		int f = console_mux_focus(&mux);

		if ((f != CONSOLE_MUX_MONITOR && (f < 0 || (uint32_t)f >= nguests)) ||
		    mon.len >= MONITOR_LINE_MAX)
			abort();
	}
	return 0;
}
