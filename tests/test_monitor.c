/*
 * test_monitor.c - unit tests of the monitor (core/monitor.c) over fake
 * operations: every command, every argument and name error, the errors the
 * operations return, the table formats, and the line editor's keys.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include <hv/monitor.h>

/* ---- fake hypervisor ---- */

struct fake_guest {
	const char *name, *state, *cpus;
	uint64_t mem, uptime, exits[4];
};

static struct fake_guest fakes[3];
static uint32_t fake_count;
static char out[8192];
static size_t out_len;
static char calls[256]; /* "start 1;stop 0;..." */
static const char *fail_with;

static __printf(2, 3) void fake_print(void *ctx, const char *fmt, ...)
{
	va_list ap;

	(void)ctx;
	va_start(ap, fmt);
	int n = vsnprintf(out + out_len, sizeof(out) - out_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		out_len +=
		    (size_t)n < sizeof(out) - out_len ? (size_t)n : sizeof(out) - out_len - 1;
}

static void note(const char *what, uint32_t idx)
{
	size_t len = strlen(calls);

	snprintf(calls + len, sizeof(calls) - len, "%s %u;", what, idx);
}

static uint32_t fake_guest_count(void *ctx)
{
	(void)ctx;
	return fake_count;
}

static bool fake_guest_info(void *ctx, uint32_t idx, struct monitor_guest_info *gi)
{
	(void)ctx;
	if (idx >= fake_count)
		return false;
	gi->name = fakes[idx].name;
	gi->state = fakes[idx].state;
	gi->cpus = fakes[idx].cpus;
	gi->mem_bytes = fakes[idx].mem;
	gi->uptime_ns = fakes[idx].uptime;
	gi->exits =
	    fakes[idx].exits[0] + fakes[idx].exits[1] + fakes[idx].exits[2] + fakes[idx].exits[3];
	return true;
}

static const char *fake_start(void *ctx, uint32_t idx)
{
	(void)ctx;
	note("start", idx);
	return fail_with;
}

static const char *fake_stop(void *ctx, uint32_t idx)
{
	(void)ctx;
	note("stop", idx);
	return fail_with;
}

static const char *fake_restart(void *ctx, uint32_t idx)
{
	(void)ctx;
	note("restart", idx);
	return fail_with;
}

static const char *fake_exit_counts(void *ctx, uint32_t idx, const uint64_t **counts, uint32_t *n)
{
	(void)ctx;
	note("stats", idx);
	*counts = fakes[idx].exits;
	*n = 4;
	return fail_with;
}

static const char *fake_exit_name(void *ctx, uint32_t reason)
{
	static const char *const names[] = {"EXCEPTION_NMI", NULL, "CPUID", "HLT"};

	(void)ctx;
	return reason < 4 ? names[reason] : NULL;
}

/* guest 0 has two vCPUs, the others none (the line op is optional) */
static bool fake_vcpu_line(void *ctx, uint32_t idx, uint32_t i, char *buf, size_t len)
{
	(void)ctx;
	if (idx != 0 || i >= 2)
		return false;
	snprintf(buf, len, "vcpu %u (cpu %u): run %u ms", i, i + 1, 10 * (i + 1));
	return true;
}

static const char *fake_poweroff(void *ctx)
{
	(void)ctx;
	note("poweroff", 0);
	return fail_with;
}

static const char *fake_reboot(void *ctx)
{
	(void)ctx;
	note("reboot", 0);
	return fail_with;
}

static const struct monitor_ops fake_ops = {
    .print = fake_print,
    .guest_count = fake_guest_count,
    .guest_info = fake_guest_info,
    .start = fake_start,
    .stop = fake_stop,
    .restart = fake_restart,
    .exit_counts = fake_exit_counts,
    .exit_name = fake_exit_name,
    .poweroff = fake_poweroff,
    .reboot = fake_reboot,
};

static struct monitor mon;

static void setup(uint32_t n)
{
	static const struct fake_guest two[2] = {
	    {"linux-a", "running", "1-2", 512ull << 20, 3723000000000ull, {5, 0, 100, 7}},
	    {"linux-b", "stopped", NULL, 3ull << 29, 0, {0, 0, 0, 0}},
	};

	memset(fakes, 0, sizeof(fakes));
	memcpy(fakes, two, sizeof(two));
	fake_count = n;
	out_len = 0;
	out[0] = '\0';
	calls[0] = '\0';
	fail_with = NULL;
	monitor_init(&mon, &fake_ops);
}

static void reset_out(void)
{
	out_len = 0;
	out[0] = '\0';
	calls[0] = '\0';
}

/* Type s into the monitor byte by byte. */
static void type(const char *s)
{
	while (*s)
		monitor_feed(&mon, (uint8_t)*s++);
}

/* ---- commands ---- */

static void test_help(void)
{
	setup(2);
	CHECK(monitor_exec(&mon, "help"));
	CHECK(strstr(out, "monitor commands:") != NULL);
	static const char *const cmds[] = {"help",    "list",  "start",	   "stop",
					   "restart", "stats", "poweroff", "reboot"};
	for (unsigned i = 0; i < 8; i++)
		CHECK(strstr(out, cmds[i]) != NULL);
	CHECK(strstr(out, "  start    NAME  start a guest\n") != NULL);
	CHECK_STREQ(calls, "");
}

static void test_list(void)
{
	setup(2);
	CHECK(monitor_exec(&mon, "list"));
	CHECK(strstr(out, "NAME") && strstr(out, "STATE") && strstr(out, "CPUS") &&
	      strstr(out, "MEMORY") && strstr(out, "UPTIME") && strstr(out, "EXITS"));
	CHECK(strstr(out, "1   linux-a          running   1-2         512 MiB      01:02:03"
			  "          112\n") != NULL);
	CHECK(strstr(out, "2   linux-b          stopped   -           1.5 GiB             -"
			  "            0\n") != NULL);

	setup(0);
	CHECK(monitor_exec(&mon, "list"));
	CHECK_STREQ(out, "no guests\n");

	/* a slot without a guest (no name) is skipped everywhere */
	setup(3);
	CHECK(monitor_exec(&mon, "list"));
	CHECK(strstr(out, "\n3 ") == NULL);
	reset_out();
	CHECK(!monitor_exec(&mon, "stop x"));
	CHECK_STREQ(out, "no guest named 'x' (guests: linux-a, linux-b)\n");
}

static void test_actions(void)
{
	static const char *const cmds[] = {"start", "stop", "restart"};
	char line[64], want[64];

	for (unsigned i = 0; i < 3; i++) {
		setup(2);
		snprintf(line, sizeof(line), "%s linux-b", cmds[i]);
		CHECK(monitor_exec(&mon, line));
		snprintf(want, sizeof(want), "%s 1;", cmds[i]);
		CHECK_STREQ(calls, want);
		CHECK_STREQ(out, "");

		reset_out();
		fail_with = "already running";
		CHECK(!monitor_exec(&mon, line));
		snprintf(want, sizeof(want), "%s: linux-b: already running\n", cmds[i]);
		CHECK_STREQ(out, want);
	}
}

static void test_stats(void)
{
	setup(2);
	CHECK(monitor_exec(&mon, "stats linux-a"));
	CHECK_STREQ(calls, "stats 0;");
	CHECK(strstr(out, "linux-a: 112 exits since start\n") != NULL);
	CHECK(strstr(out, "    0 EXCEPTION_NMI                               5\n") != NULL);
	CHECK(strstr(out, "    2 CPUID                                     100\n") != NULL);
	CHECK(strstr(out, "    3 HLT                                         7\n") != NULL);
	CHECK(strstr(out, "    1 ") == NULL); /* zero counts are left out */

	setup(2);
	fakes[0].exits[1] = 9;
	CHECK(monitor_exec(&mon, "stats linux-a"));
	CHECK(strstr(out, "    1 (unnamed)                                   9\n") != NULL);

	setup(2);
	CHECK(monitor_exec(&mon, "stats linux-b"));
	CHECK_STREQ(out, "linux-b: 0 exits since start\n");

	/* per-vCPU lines after the exit counts, when the op is there */
	{
		struct monitor_ops with_vcpus = fake_ops;

		setup(2);
		with_vcpus.vcpu_line = fake_vcpu_line;
		monitor_init(&mon, &with_vcpus);
		CHECK(monitor_exec(&mon, "stats linux-a"));
		CHECK(strstr(out, "  vcpu 0 (cpu 1): run 10 ms\n  vcpu 1 (cpu 2): run 20 ms\n") !=
		      NULL);
		setup(2);
		monitor_init(&mon, &with_vcpus);
		CHECK(monitor_exec(&mon, "stats linux-b"));
		CHECK(strstr(out, "vcpu") == NULL);
	}

	setup(2);
	fail_with = "no counters yet";
	CHECK(!monitor_exec(&mon, "stats linux-b"));
	CHECK_STREQ(out, "stats: linux-b: no counters yet\n");
}

static void test_power(void)
{
	setup(2);
	CHECK(monitor_exec(&mon, "poweroff"));
	CHECK_STREQ(calls, "poweroff 0;");
	CHECK_STREQ(out, "powering off\n");
	reset_out();
	CHECK(monitor_exec(&mon, "reboot"));
	CHECK_STREQ(calls, "reboot 0;");
	CHECK_STREQ(out, "rebooting\n");

	reset_out();
	fail_with = "ACPI reset register missing";
	CHECK(!monitor_exec(&mon, "reboot"));
	CHECK_STREQ(out, "rebooting\nreboot: ACPI reset register missing\n");
	reset_out();
	CHECK(!monitor_exec(&mon, "poweroff"));
	CHECK(strstr(out, "poweroff: ACPI reset register missing\n") != NULL);
}

/* ---- errors ---- */

static void test_errors(void)
{
	setup(2);
	CHECK(!monitor_exec(&mon, "lsit"));
	CHECK_STREQ(out, "unknown command 'lsit' (type help)\n");

	reset_out();
	CHECK(!monitor_exec(&mon, "start lnux-a"));
	CHECK_STREQ(out, "no guest named 'lnux-a' (guests: linux-a, linux-b)\n");
	CHECK_STREQ(calls, "");

	reset_out();
	CHECK(!monitor_exec(&mon, "stop"));
	CHECK_STREQ(out, "stop: missing guest name (usage: stop NAME)\n");

	reset_out();
	CHECK(!monitor_exec(&mon, "restart linux-a now"));
	CHECK_STREQ(out, "restart: unexpected argument 'now' (usage: restart NAME)\n");
	CHECK_STREQ(calls, "");

	reset_out();
	CHECK(!monitor_exec(&mon, "stats linux-a a b c d"));
	CHECK_STREQ(out, "stats: unexpected argument 'a' (usage: stats NAME)\n");

	reset_out();
	CHECK(!monitor_exec(&mon, "list all"));
	CHECK_STREQ(out, "list: takes no arguments, got 'all'\n");
	reset_out();
	CHECK(!monitor_exec(&mon, "poweroff now"));
	CHECK_STREQ(out, "poweroff: takes no arguments, got 'now'\n");
	CHECK_STREQ(calls, "");

	setup(0);
	CHECK(!monitor_exec(&mon, "start x"));
	CHECK_STREQ(out, "no guest named 'x' (there are no guests)\n");

	/* blanks only, and leading/trailing/tab blanks */
	setup(2);
	CHECK(monitor_exec(&mon, "   \t "));
	CHECK_STREQ(out, "");
	CHECK(monitor_exec(&mon, " \tstart\t linux-a  "));
	CHECK_STREQ(calls, "start 0;");
	/* commands and names are case-sensitive */
	reset_out();
	CHECK(!monitor_exec(&mon, "LIST"));
	CHECK_STREQ(out, "unknown command 'LIST' (type help)\n");
}

static void test_long_name_list(void)
{
	static char names[3][80];
	char want[256];

	/* three names of 70 characters do not fit the 160-byte list */
	setup(3);
	for (unsigned i = 0; i < 3; i++) {
		snprintf(names[i], sizeof(names[i]), "guest-%u-", i);
		memset(names[i] + 8, 'x', 62);
		fakes[i].name = names[i];
	}
	CHECK(!monitor_exec(&mon, "stop nope"));
	snprintf(want, sizeof(want), "(guests: %s, %s, ..)\n", names[0], names[1]);
	CHECK(strstr(out, want) != NULL);
	CHECK(strstr(out, names[2]) == NULL);

	reset_out();
	char line[MONITOR_LINE_MAX + 8];
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	CHECK(!monitor_exec(&mon, line));
	CHECK_STREQ(out, "line too long (max 79 characters)\n");
}

/* ---- formatting ---- */

static void test_format(void)
{
	char b[32];

	CHECK_STREQ(monitor_format_size(0, b, sizeof(b)), "0 B");
	CHECK_STREQ(monitor_format_size(1023, b, sizeof(b)), "1023 B");
	CHECK_STREQ(monitor_format_size(4096, b, sizeof(b)), "4 KiB");
	CHECK_STREQ(monitor_format_size(1536, b, sizeof(b)), "1.5 KiB");
	CHECK_STREQ(monitor_format_size(512ull << 20, b, sizeof(b)), "512 MiB");
	CHECK_STREQ(monitor_format_size(2ull << 30, b, sizeof(b)), "2 GiB");
	CHECK_STREQ(monitor_format_size(5ull << 40, b, sizeof(b)), "5 TiB");
	CHECK_STREQ(monitor_format_size(UINT64_MAX, b, sizeof(b)), "16777215.9 TiB");

	CHECK_STREQ(monitor_format_uptime(0, b, sizeof(b)), "-");
	CHECK_STREQ(monitor_format_uptime(1, b, sizeof(b)), "00:00:00");
	CHECK_STREQ(monitor_format_uptime(59999999999ull, b, sizeof(b)), "00:00:59");
	CHECK_STREQ(monitor_format_uptime(3723000000000ull, b, sizeof(b)), "01:02:03");
	CHECK_STREQ(monitor_format_uptime(86400000000000ull * 3 + 4000000000ull, b, sizeof(b)),
		    "3d 00:00:04");
	CHECK(strlen(monitor_format_uptime(UINT64_MAX, b, sizeof(b))) > 0);
}

/* ---- line editor ---- */

static void test_editor_basic(void)
{
	setup(2);
	monitor_prompt(&mon);
	CHECK_STREQ(out, "hv> ");
	reset_out();
	type("lisx\x7f");
	type("t\r");
	CHECK(strncmp(out, "lisx\b \bt\n", 9) == 0);
	CHECK(strstr(out, "linux-a") != NULL);
	CHECK(out_len >= 4 && strcmp(out + out_len - 4, "hv> ") == 0);

	/* CR LF is one line end; a lone LF also ends a line */
	reset_out();
	type("\r\n");
	CHECK_STREQ(out, "\nhv> ");
	reset_out();
	type("\n\n");
	CHECK_STREQ(out, "\nhv> \nhv> ");

	/* Backspace 0x08 like DEL; nothing to erase is a no-op */
	reset_out();
	type("\x08\x7f"
	     "ab\x08\x08\x08"
	     "start linux-b\r");
	CHECK_STREQ(calls, "start 1;");
}

static void test_editor_ctrl(void)
{
	setup(2);
	type("stop linux-a\x15");
	CHECK_EQ(mon.len, 0);
	type("start linux-a\r");
	CHECK_STREQ(calls, "start 0;");

	reset_out();
	type("stop linux-a\x03");
	CHECK(strstr(out, "^C\nhv> ") != NULL);
	type("\r");
	CHECK_STREQ(calls, "");

	/* tab is a blank; other controls and non-ASCII are ignored */
	reset_out();
	type("stop\tli\x01\x02nux-a\x80\xff\r");
	CHECK_STREQ(calls, "stop 0;");

	/* arrow keys (ESC [ A, ESC O B, ESC [ 1 ; 5 C) and Alt-x are swallowed */
	reset_out();
	type("\x1b[Ast\x1bOBop \x1b[1;5Clinux-b\x1bx\r");
	CHECK_STREQ(calls, "stop 1;");

	/* redraw after other output */
	reset_out();
	type("res");
	reset_out();
	monitor_prompt(&mon);
	CHECK_STREQ(out, "hv> res");
}

static void test_editor_overflow(void)
{
	setup(2);
	for (unsigned i = 0; i < MONITOR_LINE_MAX - 1; i++)
		type("x");
	CHECK_EQ(mon.len, MONITOR_LINE_MAX - 1);
	CHECK(strstr(out, "too long") == NULL);
	type("yz");
	CHECK(strstr(out, "\nline too long (max 79 characters): discarded up to Enter\n") != NULL);
	CHECK_EQ(mon.len, MONITOR_LINE_MAX - 1);
	type("\x7f");
	reset_out();
	type("\r");
	CHECK_STREQ(out, "\nhv> "); /* nothing ran */
	CHECK_EQ(mon.len, 0);
	type("list\r");
	CHECK(strstr(out, "linux-a") != NULL);

	/* Ctrl-U and Ctrl-C leave the overflow state too */
	for (unsigned i = 0; i < MONITOR_LINE_MAX + 5; i++)
		type("x");
	reset_out();
	type("\x15");
	CHECK_STREQ(out, "hv> ");
	type("stop linux-b\r");
	CHECK_STREQ(calls, "stop 1;");
	for (unsigned i = 0; i < MONITOR_LINE_MAX + 5; i++)
		type("x");
	type("\x03"
	     "stop linux-a\r");
	CHECK_STREQ(calls, "stop 1;stop 0;");
}

int main(void)
{
	RUN(test_help);
	RUN(test_list);
	RUN(test_actions);
	RUN(test_stats);
	RUN(test_power);
	RUN(test_errors);
	RUN(test_long_name_list);
	RUN(test_format);
	RUN(test_editor_basic);
	RUN(test_editor_ctrl);
	RUN(test_editor_overflow);
	return test_summary();
}
