/*
 * test_console_mux.c - unit tests of the console input mux
 * (core/console_mux.c): plain bytes go to the focused target, every escape
 * command moves the focus or reports, the prefix twice sends the prefix, and
 * bad keys are refused without forwarding anything.
 */
#include <string.h>

#include "test.h"
#include <hv/console_mux.h>

#define ESC CONSOLE_MUX_DEFAULT_ESCAPE

static struct console_mux mux;

/* Feed an escape command; return the action of the key. */
static struct console_mux_action cmd(uint8_t key)
{
	struct console_mux_action a = console_mux_feed(&mux, ESC);

	CHECK_EQ(a.kind, CONSOLE_MUX_NONE);
	return console_mux_feed(&mux, key);
}

static void test_plain_bytes(void)
{
	struct console_mux_action a;

	console_mux_init(&mux, 2, CONSOLE_MUX_MONITOR, ESC);
	a = console_mux_feed(&mux, 'x');
	CHECK_EQ(a.kind, CONSOLE_MUX_TO_MONITOR);
	CHECK_EQ(a.byte, 'x');

	console_mux_init(&mux, 2, 1, ESC);
	CHECK_EQ(console_mux_focus(&mux), 1);
	for (unsigned b = 0; b < 256; b++) {
		if (b == ESC)
			continue;
		a = console_mux_feed(&mux, (uint8_t)b);
		CHECK_EQ(a.kind, CONSOLE_MUX_TO_GUEST);
		CHECK_EQ(a.byte, b);
		CHECK_EQ(a.target, 1);
	}
}

/* n/p cycle monitor, guest 0, guest 1, monitor, both ways. */
static void test_next_prev(void)
{
	static const int fwd[] = {0, 1, CONSOLE_MUX_MONITOR, 0};
	struct console_mux_action a;

	console_mux_init(&mux, 2, CONSOLE_MUX_MONITOR, ESC);
	for (unsigned i = 0; i < 4; i++) {
		a = cmd(i & 1 ? 'N' : 'n');
		CHECK_EQ(a.kind, CONSOLE_MUX_FOCUS);
		CHECK_EQ(a.target, fwd[i]);
		CHECK_EQ(console_mux_focus(&mux), fwd[i]);
	}
	a = cmd('p');
	CHECK_EQ(a.target, CONSOLE_MUX_MONITOR);
	a = cmd('P');
	CHECK_EQ(a.target, 1);

	/* no guests: the cycle is the monitor alone */
	console_mux_init(&mux, 0, CONSOLE_MUX_MONITOR, ESC);
	CHECK_EQ(cmd('n').target, CONSOLE_MUX_MONITOR);
	CHECK_EQ(cmd('p').target, CONSOLE_MUX_MONITOR);
}

static void test_monitor_and_digits(void)
{
	struct console_mux_action a;

	console_mux_init(&mux, 3, CONSOLE_MUX_MONITOR, ESC);
	a = cmd('3');
	CHECK_EQ(a.kind, CONSOLE_MUX_FOCUS);
	CHECK_EQ(a.target, 2);
	CHECK_EQ(cmd('m').target, CONSOLE_MUX_MONITOR);
	CHECK_EQ(cmd('1').target, 0);
	CHECK_EQ(cmd('M').target, CONSOLE_MUX_MONITOR);
	CHECK_EQ(cmd('2').target, 1);
	CHECK_EQ(cmd('0').target, CONSOLE_MUX_MONITOR);

	/* guest 4 does not exist: refused, focus kept, nothing forwarded */
	cmd('2');
	a = cmd('4');
	CHECK_EQ(a.kind, CONSOLE_MUX_BAD_KEY);
	CHECK_EQ(a.byte, '4');
	CHECK_EQ(console_mux_focus(&mux), 1);
	a = console_mux_feed(&mux, 'z'); /* and the escape state is over */
	CHECK_EQ(a.kind, CONSOLE_MUX_TO_GUEST);
}

static void test_escape_twice_and_help(void)
{
	struct console_mux_action a;

	console_mux_init(&mux, 1, 0, ESC);
	a = cmd(ESC);
	CHECK_EQ(a.kind, CONSOLE_MUX_TO_GUEST);
	CHECK_EQ(a.byte, ESC);
	CHECK_EQ(a.target, 0);
	/* three prefixes: one delivered, one pending */
	CHECK_EQ(cmd(ESC).kind, CONSOLE_MUX_TO_GUEST);
	CHECK_EQ(cmd('?').kind, CONSOLE_MUX_HELP);
	CHECK_EQ(cmd('h').kind, CONSOLE_MUX_HELP);
	CHECK_EQ(cmd('H').kind, CONSOLE_MUX_HELP);
	CHECK_EQ(console_mux_focus(&mux), 0);

	console_mux_init(&mux, 1, CONSOLE_MUX_MONITOR, ESC);
	a = cmd(ESC);
	CHECK_EQ(a.kind, CONSOLE_MUX_TO_MONITOR);
	CHECK_EQ(a.byte, ESC);
}

static void test_bad_keys(void)
{
	static const uint8_t bad[] = {'x', 'q', '\r', '\n', 0x1d, 0x01, 0x7f, 0xff, ' '};
	char buf[128];

	console_mux_init(&mux, 1, 0, ESC);
	for (unsigned i = 0; i < sizeof(bad); i++) {
		struct console_mux_action a = cmd(bad[i]);

		CHECK_EQ(a.kind, CONSOLE_MUX_BAD_KEY);
		CHECK_EQ(a.byte, bad[i]);
		CHECK_EQ(console_mux_focus(&mux), 0);
	}
	console_mux_format_bad_key(&mux, 'x', buf, sizeof(buf));
	CHECK_STREQ(buf, "hv: console: Ctrl-T 'x' is not a console command (Ctrl-T ? for help)");
	console_mux_format_bad_key(&mux, '5', buf, sizeof(buf));
	CHECK_STREQ(buf, "hv: console: no guest 5 (1 guests; Ctrl-T ? for help)");
	console_mux_format_bad_key(&mux, 0x7f, buf, sizeof(buf));
	CHECK(strstr(buf, "Ctrl-T DEL is not") != NULL);
	console_mux_format_bad_key(&mux, 0xff, buf, sizeof(buf));
	CHECK(strstr(buf, "Ctrl-T 0xff is not") != NULL);
}

static void test_init_checks(void)
{
	console_mux_init(&mux, 2, 5, 'a'); /* bad focus, printable prefix */
	CHECK_EQ(console_mux_focus(&mux), CONSOLE_MUX_MONITOR);
	CHECK_EQ(mux.escape, ESC);
	console_mux_init(&mux, 2, -7, '\r');
	CHECK_EQ(console_mux_focus(&mux), CONSOLE_MUX_MONITOR);
	CHECK_EQ(mux.escape, ESC);
	console_mux_init(&mux, 2, 0, 0);
	CHECK_EQ(mux.escape, ESC);
	console_mux_init(&mux, 1000, 0, 0x1d); /* Ctrl-] allowed; guests clamped */
	CHECK_EQ(mux.escape, 0x1d);
	CHECK_EQ(mux.guest_count, CONSOLE_MUX_MAX_GUESTS);
	CHECK_EQ(console_mux_feed(&mux, 0x1d).kind, CONSOLE_MUX_NONE);
	CHECK_EQ(console_mux_feed(&mux, 'p').target, CONSOLE_MUX_MONITOR);
	CHECK_EQ(console_mux_feed(&mux, 0x14).kind, CONSOLE_MUX_TO_MONITOR); /* not the prefix */

	CHECK(console_mux_set_focus(&mux, 63));
	CHECK(!console_mux_set_focus(&mux, 64));
	CHECK(!console_mux_set_focus(&mux, -2));
	CHECK_EQ(console_mux_focus(&mux), 63);
	CHECK(console_mux_set_focus(&mux, CONSOLE_MUX_MONITOR));
}

static void test_messages(void)
{
	char buf[128];
	unsigned n = 0;

	console_mux_init(&mux, 2, 0, ESC);
	console_mux_format_focus(&mux, "linux-a", buf, sizeof(buf));
	CHECK_STREQ(buf, "hv: console: input to guest linux-a (Ctrl-T ? for help)");
	console_mux_format_focus(&mux, NULL, buf, sizeof(buf));
	CHECK_STREQ(buf, "hv: console: input to guest 1 (Ctrl-T ? for help)");
	cmd('m');
	console_mux_format_focus(&mux, "ignored", buf, sizeof(buf));
	CHECK_STREQ(buf, "hv: console: input to the monitor (Ctrl-T ? for help)");

	while (console_mux_help_line(&mux, n, buf, sizeof(buf))) {
		CHECK(strlen(buf) > 0);
		n++;
	}
	CHECK_EQ(n, 6);
	console_mux_help_line(&mux, 0, buf, sizeof(buf));
	CHECK_STREQ(buf, "hv: console keys: Ctrl-T then");
	console_mux_help_line(&mux, 1, buf, sizeof(buf));
	CHECK(strstr(buf, "guest 2)") != NULL);
	console_mux_help_line(&mux, 4, buf, sizeof(buf));
	CHECK(strstr(buf, "Ctrl-T    send Ctrl-T itself") != NULL);

	CHECK_STREQ(console_mux_format_key(0x1d, buf, sizeof(buf)), "Ctrl-]");
	CHECK_STREQ(console_mux_format_key(0x00, buf, sizeof(buf)), "Ctrl-@");
	CHECK_STREQ(console_mux_format_key('a', buf, sizeof(buf)), "'a'");
}

int main(void)
{
	RUN(test_plain_bytes);
	RUN(test_next_prev);
	RUN(test_monitor_and_digits);
	RUN(test_escape_twice_and_help);
	RUN(test_bad_keys);
	RUN(test_init_checks);
	RUN(test_messages);
	return test_summary();
}
