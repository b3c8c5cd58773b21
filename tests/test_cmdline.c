/*
 * test_cmdline.c - unit tests of the command-line parser (core/cmdline.c):
 * every option form, every error, defaults and the bad_option report.
 */
#include <stdio.h>
#include <string.h>

#include <hv/cmdline.h>
#include <hv/printk.h>
#include "test.h"

static struct hv_options opt;

/* Parses s; checks the result and, when bad is non-NULL, the reported token. */
static bool parse(const char *s)
{
	memset(&opt, 0x5a, sizeof(opt)); /* everything must be set, not inherited */
	return cmdline_parse(s, &opt);
}

#define CHECK_OK(s)                                                                                \
	do {                                                                                       \
		CHECK(parse(s));                                                                   \
		CHECK_STREQ(opt.bad_option, "");                                                   \
	} while (0)
#define CHECK_BAD(s, tok)                                                                          \
	do {                                                                                       \
		CHECK(!parse(s));                                                                  \
		CHECK_STREQ(opt.bad_option, tok);                                                  \
	} while (0)

static void check_defaults(void)
{
	CHECK_EQ(opt.console_port, 0x3f8);
	CHECK_EQ(opt.console_baud, 115200);
	CHECK_EQ(opt.loglevel, LOG_INFO);
	CHECK(!opt.timestamps);
}

static void test_defaults(void)
{
	CHECK_OK(NULL);
	check_defaults();
	CHECK_OK("");
	check_defaults();
	CHECK_OK("   \t\n\r ");
	check_defaults();
}

static void test_console_names(void)
{
	static const struct {
		const char *arg;
		uint16_t port;
	} cases[] = {
	    {"console=com1", 0x3f8},  {"console=com2", 0x2f8},	  {"console=com3", 0x3e8},
	    {"console=com4", 0x2e8},  {"console=ttyS0", 0x3f8},	  {"console=ttyS1", 0x2f8},
	    {"console=ttyS2", 0x3e8}, {"console=ttyS3", 0x2e8},	  {"console=0x2f8", 0x2f8},
	    {"console=0X3E8", 0x3e8}, {"console=1016", 0x3f8},	  {"console=0xe000", 0xe000},
	    {"console=1", 1},	      {"console=0xfff8", 0xfff8},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_OK(cases[i].arg);
		CHECK_EQ(opt.console_port, cases[i].port);
		CHECK_EQ(opt.console_baud, 115200);
	}
	CHECK_OK("console=none");
	CHECK_EQ(opt.console_port, 0);
}

static void test_console_baud(void)
{
	static const uint32_t good[] = {300,   600,   1200,   2400,  4800, 9600, 19200,
					38400, 57600, 115200, 150,   75,   50,	 3600,
					14400, 28800, 7200,   23040, 2};
	static const char *const bad[] = {"0",	 "110",	  "1",	   "230400", "115201",
					  "",	 "9600a", "-9600", "0x2580", "56000",
					  "1e5", " ",	  "0300",  "09600",  "0"};
	char buf[64];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(buf, sizeof(buf), "console=com2,%u", good[i]);
		CHECK_OK(buf);
		CHECK_EQ(opt.console_port, 0x2f8);
		CHECK_EQ(opt.console_baud, good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "console=com2,%s", bad[i]);
		if (strchr(buf, ' ')) { /* "console=com2, " is the token "console=com2," */
			CHECK_BAD(buf, "console=com2,");
		} else {
			CHECK_BAD(buf, buf);
		}
		check_defaults(); /* a bad console= changes nothing */
	}
	CHECK_OK("console=0x3e8,9600");
	CHECK_EQ(opt.console_port, 0x3e8);
	CHECK_EQ(opt.console_baud, 9600);
}

static void test_console_errors(void)
{
	static const char *const bad[] = {
	    "console=",
	    "console=com0",
	    "console=com5",
	    "console=COM1",
	    "console=ttyS4",
	    "console=ttys0",
	    "console=0",
	    "console=0x10000",
	    "console=0xfff9",
	    "console=65536",
	    "console=0x",
	    "console=com1x",
	    "console=none,9600",
	    "console=,9600",
	    "console=com1,",
	    "console=com1,,9600",
	    "console=com1,9600,8n1",
	    "console=99999999999999999999999",
	    "console=-1",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_BAD(bad[i], bad[i]);
		check_defaults();
	}
}

static void test_loglevel(void)
{
	static const struct {
		const char *arg;
		int level;
	} cases[] = {
	    {"loglevel=0", LOG_ERR},	 {"loglevel=1", LOG_WARN},	{"loglevel=2", LOG_INFO},
	    {"loglevel=3", LOG_DEBUG},	 {"loglevel=err", LOG_ERR},	{"loglevel=warn", LOG_WARN},
	    {"loglevel=info", LOG_INFO}, {"loglevel=debug", LOG_DEBUG}, {"loglevel=0x3", 3},
	};
	static const char *const bad[] = {"loglevel=",
					  "loglevel=4",
					  "loglevel=-1",
					  "loglevel=DEBUG",
					  "loglevel=error",
					  "loglevel=2x",
					  "loglevel=99999999999999999999"};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_OK(cases[i].arg);
		CHECK_EQ(opt.loglevel, cases[i].level);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_BAD(bad[i], bad[i]);
		CHECK_EQ(opt.loglevel, LOG_INFO);
	}
}

static void test_several_options(void)
{
	CHECK_OK("  console=com2,9600\tloglevel=debug\n");
	CHECK_EQ(opt.console_port, 0x2f8);
	CHECK_EQ(opt.console_baud, 9600);
	CHECK_EQ(opt.loglevel, LOG_DEBUG);
	/* the last one wins, including the baud going back to its default */
	CHECK_OK("console=com2,9600 loglevel=0 console=com3 loglevel=warn");
	CHECK_EQ(opt.console_port, 0x3e8);
	CHECK_EQ(opt.console_baud, 115200);
	CHECK_EQ(opt.loglevel, LOG_WARN);
}

/* Unknown and bad options: reported (the first), not fatal, the rest still applied. */
static void test_bad_options(void)
{
	CHECK_BAD("quiet", "quiet");
	CHECK_BAD("foo=bar console=com2", "foo=bar");
	CHECK_EQ(opt.console_port, 0x2f8);
	CHECK_BAD("console=com2 bogus loglevel=3 other=1", "bogus");
	CHECK_EQ(opt.console_port, 0x2f8);
	CHECK_EQ(opt.loglevel, LOG_DEBUG);
	CHECK_BAD("/boot/hv.elf console=com3", "/boot/hv.elf"); /* a path is not stripped here */
	CHECK_EQ(opt.console_port, 0x3e8);
	CHECK_BAD("=", "=");
	CHECK_BAD("=com1", "=com1");
	CHECK_BAD("Console=com1", "Console=com1");
	CHECK_BAD("console", "console");
	CHECK_BAD("consolex=com1", "consolex=com1");
	CHECK_BAD("console=com1=2", "console=com1=2");
	CHECK_BAD("loglevel=3=", "loglevel=3=");
	check_defaults();
}

static void test_bad_option_truncated(void)
{
	char longopt[200];

	memset(longopt, 'x', sizeof(longopt) - 1);
	longopt[sizeof(longopt) - 1] = '\0';
	CHECK(!parse(longopt));
	CHECK_EQ(strlen(opt.bad_option), sizeof(opt.bad_option) - 1);
	CHECK(strncmp(opt.bad_option, longopt, sizeof(opt.bad_option) - 1) == 0);
}

/* Which options were given: hv.cfg's [hypervisor] settings yield to them. */
static void test_given_flags(void)
{
	CHECK_OK("");
	CHECK(!opt.console_given);
	CHECK(!opt.loglevel_given);
	CHECK_OK("console=com2");
	CHECK(opt.console_given);
	CHECK(!opt.loglevel_given);
	CHECK_OK("console=none loglevel=debug");
	CHECK(opt.console_given);
	CHECK(opt.loglevel_given);
	CHECK_OK("loglevel=1");
	CHECK(!opt.console_given);
	CHECK(opt.loglevel_given);
	CHECK_BAD("console=com9 loglevel=bogus", "console=com9");
	CHECK(!opt.console_given);
	CHECK(!opt.loglevel_given);
}

/* "timestamps" alone or =on turns them on, =off off; the last one wins. */
static void test_timestamps(void)
{
	CHECK_OK("timestamps");
	CHECK(opt.timestamps);
	CHECK_OK("timestamps=on");
	CHECK(opt.timestamps);
	CHECK_OK("timestamps=off");
	CHECK(!opt.timestamps);
	CHECK_OK("timestamps loglevel=debug timestamps=off");
	CHECK(!opt.timestamps);
	CHECK_EQ(opt.loglevel, LOG_DEBUG);
	CHECK_OK("console=com2 timestamps");
	CHECK(opt.timestamps);
	CHECK_EQ(opt.console_port, 0x2f8);
	CHECK_BAD("timestamps=yes", "timestamps=yes");
	CHECK(!opt.timestamps);
	CHECK_BAD("timestamps=", "timestamps=");
	CHECK_BAD("timestampsx", "timestampsx");
	CHECK_BAD("Timestamps", "Timestamps");
}

/* APIC virtualization is on unless apicv=off; a bad value leaves it on. */
static void test_apicv(void)
{
	CHECK_OK("");
	CHECK(!opt.apicv_off);
	CHECK_OK("apicv=off");
	CHECK(opt.apicv_off);
	CHECK_OK("apicv=off apicv=on");
	CHECK(!opt.apicv_off);
	CHECK_BAD("apicv=no", "apicv=no");
	CHECK(!opt.apicv_off);
	CHECK_BAD("apicv", "apicv");
}

int main(void)
{
	RUN(test_defaults);
	RUN(test_console_names);
	RUN(test_console_baud);
	RUN(test_console_errors);
	RUN(test_loglevel);
	RUN(test_several_options);
	RUN(test_bad_options);
	RUN(test_bad_option_truncated);
	RUN(test_given_flags);
	RUN(test_timestamps);
	RUN(test_apicv);
	return test_summary();
}
