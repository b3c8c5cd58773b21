/*
 * test_config.c - unit tests of the hv.cfg parser (core/config*.c): every
 * key and default on the good path, and every error message it can give,
 * each with the line it must name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/config.h>
#include <hv/printk.h>
#include "test.h"

#define MAX_MSGS 80

struct collected {
	int n;
	char msgs[MAX_MSGS][CONFIG_MSG_MAX + 16];
};

static struct hv_config cfg;
static struct collected got;

/* A guest that is complete on its own: lines 1-4 of every text below that uses it. */
#define GUEST_A "[guest a]\nkernel = k\ncpus = 0\nmemory = 1M\n"

static void collect(void *ctx, const char *filename, uint32_t line, const char *msg)
{
	struct collected *c = ctx;

	CHECK_STREQ(filename, "hv.cfg");
	CHECK(strlen(msg) < CONFIG_MSG_MAX);
	if (c->n < MAX_MSGS)
		snprintf(c->msgs[c->n++], sizeof(c->msgs[0]), "%u: %s", line, msg);
}

static int parse_env(const char *text, const struct config_env *env)
{
	int n;

	memset(&got, 0, sizeof(got));
	n = config_parse(text, strlen(text), "hv.cfg", env, &cfg, collect, &got);
	CHECK_EQ(n, got.n);
	return n;
}

/* text (with env) must give exactly the problems in want[], in order. */
static void check_problems(const char *text, const struct config_env *env, const char *const *want,
			   int line)
{
	int n = parse_env(text, env), i;

	for (i = 0; want[i]; i++)
		test_check_streq(i < got.n ? got.msgs[i] : "(none)", want[i], "problem", "expected",
				 __FILE__, line);
	for (; i < got.n; i++)
		test_check_streq(got.msgs[i], "(none)", "extra problem", "expected", __FILE__,
				 line);
	(void)n;
}

#define EXPECT(text, ...)                                                                          \
	check_problems(text, NULL, (const char *const[]){__VA_ARGS__, NULL}, __LINE__)
#define EXPECT_ENV(text, env, ...)                                                                 \
	check_problems(text, env, (const char *const[]){__VA_ARGS__, NULL}, __LINE__)

static bool cpu_in(const struct config_guest *g, unsigned c)
{
	return g->cpus[c / 64] & (1ULL << (c % 64));
}

/* ---- good paths --------------------------------------------------------- */

static void test_full_example(void)
{
	const char *text = "# comments start with '#'\n"
			   "[hypervisor]\n"
			   "console   = com2,9600   # trailing comment\n"
			   "when_idle = reboot\n"
			   "log = debug\n"
			   "\n"
			   "[guest cpuid-test]\n"
			   "kernel  = guests/cpuid.elf  # a multiboot kernel\n"
			   "initrd  = initrd.gz\n"
			   "module  = data/table.bin arg1  arg2   # path, then its string\n"
			   "module  = data/two.bin\n"
			   "cmdline = verbose console=ttyS0 # comment\n"
			   "cpus    = 1-2,4\n"
			   "memory  = 64M\n"
			   "on_poweroff = restart\n"
			   "on_crash    = restart\n"
			   "shared  = yes\n"
			   "vcpus   = 2\n"
			   "weight  = 1000\n"
			   "max_restarts = 3\n";
	const struct config_guest *g = &cfg.guests[0];

	CHECK_EQ(parse_env(text, NULL), 0);
	CHECK_EQ(cfg.hv.console_port, 0x2f8);
	CHECK_EQ(cfg.hv.console_baud, 9600);
	CHECK_EQ(cfg.hv.when_idle, CONFIG_IDLE_REBOOT);
	CHECK_EQ(cfg.hv.loglevel, LOG_DEBUG);
	CHECK_EQ(cfg.hv.line, 2);
	CHECK_EQ(cfg.guest_count, 1);
	CHECK_STREQ(g->name, "cpuid-test");
	CHECK_EQ(g->line, 7);
	CHECK_STREQ(g->kernel, "guests/cpuid.elf");
	CHECK_STREQ(g->initrd, "initrd.gz");
	CHECK_EQ(g->module_count, 2);
	CHECK_STREQ(g->modules[0].path, "data/table.bin");
	CHECK_STREQ(g->modules[0].args, "arg1  arg2");
	CHECK_EQ(g->modules[0].line, 10);
	CHECK_STREQ(g->modules[1].path, "data/two.bin");
	CHECK_STREQ(g->modules[1].args, "");
	CHECK_STREQ(g->cmdline, "verbose console=ttyS0");
	CHECK_EQ(g->cpu_count, 3);
	CHECK(!cpu_in(g, 0) && cpu_in(g, 1) && cpu_in(g, 2) && !cpu_in(g, 3) && cpu_in(g, 4));
	CHECK_EQ(g->memory, 64ULL << 20);
	CHECK_EQ(g->on_poweroff, CONFIG_ACTION_RESTART);
	CHECK_EQ(g->on_crash, CONFIG_ACTION_RESTART);
	CHECK(g->shared);
	CHECK_EQ(g->vcpus, 2);
	CHECK_EQ(g->weight, 1000);
	CHECK_EQ(g->max_restarts, 3);
	CHECK_EQ(g->key_line[CONFIG_GKEY_CPUS], 13);
	CHECK_EQ(g->key_line[CONFIG_GKEY_MODULE], 10);
}

static void test_defaults(void)
{
	const struct config_guest *g = &cfg.guests[0];

	CHECK_EQ(parse_env("[guest a]\nkernel = k\ncpus = 3,5-6\nmemory = 2M\n", NULL), 0);
	CHECK_EQ(cfg.hv.console_port, 0x3f8);
	CHECK_EQ(cfg.hv.console_baud, 115200);
	CHECK_EQ(cfg.hv.when_idle, CONFIG_IDLE_POWEROFF);
	CHECK_EQ(cfg.hv.loglevel, LOG_INFO);
	CHECK_EQ(cfg.hv.line, 0);
	CHECK_STREQ(g->initrd, "");
	CHECK_STREQ(g->cmdline, "");
	CHECK_EQ(g->module_count, 0);
	CHECK_EQ(g->on_poweroff, CONFIG_ACTION_STOP);
	CHECK_EQ(g->on_crash, CONFIG_ACTION_STOP);
	CHECK(!g->shared);
	CHECK_EQ(g->weight, 1);
	CHECK_EQ(g->vcpus, 3); /* one per listed cpu */
}

static void test_comments_and_whitespace(void)
{
	const struct config_guest *g = &cfg.guests[0];

	CHECK_EQ(parse_env("  # indented comment\n"
			   "\t[guest a]   # comment after a header\n"
			   "kernel=k\n"
			   "\tcpus\t=\t 0 , 2 - 3 \n"
			   "memory = 1M#not a comment is a bad size\n",
			   NULL),
		 1);
	CHECK_STREQ(got.msgs[0], "5: bad size '1M#not a comment is a bad size': expected a number "
				 "with an optional K, M or G suffix");
	CHECK_EQ(g->cpu_count, 3);
	/* '#' starts a comment only at the start or after a space or tab */
	CHECK_EQ(parse_env(GUEST_A "cmdline = a#b c=#d\t# comment # more\n", NULL), 0);
	CHECK_STREQ(g->cmdline, "a#b c=#d");
	CHECK_EQ(parse_env(GUEST_A "cmdline =#x\n", NULL), 0);
	CHECK_STREQ(g->cmdline, "#x");
	CHECK_EQ(parse_env(GUEST_A "cmdline = # only a comment\n", NULL), 0);
	CHECK_STREQ(g->cmdline, "");
	CHECK_EQ(parse_env(GUEST_A "cmdline =\n", NULL), 0);
	CHECK_EQ(parse_env(GUEST_A "cmdline = root=/dev/vda  quiet \n", NULL), 0);
	CHECK_STREQ(g->cmdline, "root=/dev/vda  quiet");
}

static void test_line_endings(void)
{
	/* CRLF, and a last line with no line ending at all */
	CHECK_EQ(parse_env("[guest a]\r\nkernel = k\r\ncpus = 0\r\n\r\nmemory = 1M", NULL), 0);
	CHECK_EQ(cfg.guests[0].memory, 1ULL << 20);
	CHECK_STREQ(cfg.guests[0].kernel, "k");
	EXPECT("[guest a]\r\nkernel = k\r\ncpus = 0\r\nmemory = 1Q\r\n",
	       "4: bad size '1Q': expected a number with an optional K, M or G suffix");
	/* no text at all; text not NUL-terminated */
	CHECK_EQ(config_parse(NULL, 0, NULL, NULL, &cfg, NULL, NULL), 1);
	CHECK_EQ(config_parse(GUEST_A "garbage", strlen(GUEST_A), "x", NULL, &cfg, NULL, NULL), 0);
}

static void test_cpu_lists(void)
{
	const struct config_guest *g = &cfg.guests[0];

	CHECK_EQ(parse_env("[guest a]\nkernel = k\nmemory = 1M\ncpus = 63\n", NULL), 0);
	CHECK_EQ(g->cpu_count, 1);
	CHECK(cpu_in(g, 63));
	CHECK_EQ(parse_env("[guest a]\nkernel = k\nmemory = 1M\ncpus = 0-63\n", NULL), 0);
	CHECK_EQ(g->cpu_count, 64);
	CHECK_EQ(g->vcpus, 64);
	CHECK_EQ(parse_env("[guest a]\nkernel = k\nmemory = 1M\ncpus = 0x2-0x3,5-5\n", NULL), 0);
	CHECK_EQ(g->cpu_count, 3);
	CHECK(cpu_in(g, 2) && cpu_in(g, 3) && cpu_in(g, 5));
}

static void test_sizes(void)
{
	static const struct {
		const char *text;
		uint64_t bytes;
	} good[] = {
	    {"0", 0},
	    {"4096", 4096},
	    {"0x1000", 4096},
	    {"64K", 64 << 10},
	    {"64k", 64 << 10},
	    {"64KiB", 64 << 10},
	    {"64kib", 64 << 10},
	    {"2M", 2 << 20},
	    {"2MiB", 2 << 20},
	    {"1G", 1ULL << 30},
	    {"3g", 3ULL << 30},
	    {"2GiB", 2ULL << 30},
	    {"0x10M", 16 << 20},
	    {"17179869183G", 17179869183ULL << 30},
	};
	static const char *const bad[] = {
	    "",	    "M",    "64Q", "64 M", "64MB",	   "-1",
	    "1.5G", "010M", "0x",  "0xG",  "17179869184G", "18446744073709551616",
	    "64KK", "1T",
	};
	uint64_t v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 12345;
		CHECK(config_parse_size(good[i].text, strlen(good[i].text), &v));
		CHECK_EQ(v, good[i].bytes);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		test_check(!config_parse_size(bad[i], strlen(bad[i]), &v), bad[i], __FILE__,
			   __LINE__);
	/* the length counts, not the NUL */
	CHECK(config_parse_size("64Mxyz", 3, &v));
	CHECK_EQ(v, 64 << 20);
}

static void test_console_and_log(void)
{
	static const struct {
		const char *text;
		uint16_t port;
		uint32_t baud;
	} consoles[] = {
	    {"com1", 0x3f8, 115200},	    {"com3", 0x3e8, 115200},
	    {"ttyS3", 0x2e8, 115200},	    {"none", 0, 115200},
	    {"0x3f8,9600", 0x3f8, 9600},    {"1016", 0x3f8, 115200},
	    {"com4 , 57600", 0x2e8, 57600}, {"0xffff,1", 0xffff, 1},
	};
	static const char *const levels[] = {"err", "warn", "info", "debug"};
	char text[256];

	for (size_t i = 0; i < sizeof(consoles) / sizeof(consoles[0]); i++) {
		snprintf(text, sizeof(text), "[hypervisor]\nconsole = %s\n" GUEST_A,
			 consoles[i].text);
		CHECK_EQ(parse_env(text, NULL), 0);
		CHECK_EQ(cfg.hv.console_port, consoles[i].port);
		CHECK_EQ(cfg.hv.console_baud, consoles[i].baud);
	}
	for (int i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), "[hypervisor]\nlog = %s\n" GUEST_A, levels[i]);
		CHECK_EQ(parse_env(text, NULL), 0);
		CHECK_EQ(cfg.hv.loglevel, i);
		snprintf(text, sizeof(text), "[hypervisor]\nlog = %d\n" GUEST_A, i);
		CHECK_EQ(parse_env(text, NULL), 0);
		CHECK_EQ(cfg.hv.loglevel, i);
	}
	CHECK_EQ(parse_env("[hypervisor]\nwhen_idle = halt\n" GUEST_A, NULL), 0);
	CHECK_EQ(cfg.hv.when_idle, CONFIG_IDLE_HALT);
	CHECK_EQ(parse_env("[hypervisor]\nwhen_idle = poweroff\n" GUEST_A, NULL), 0);
	CHECK_EQ(cfg.hv.when_idle, CONFIG_IDLE_POWEROFF);
}

static void test_vcpu_placement(void)
{
	CHECK_EQ(parse_env("[guest a]\nkernel = k\nmemory = 1M\ncpus = 1,3-4\nvcpus = 5\n", NULL),
		 0);
	CHECK_EQ(config_vcpu_cpu(&cfg.guests[0], 0), 1);
	CHECK_EQ(config_vcpu_cpu(&cfg.guests[0], 1), 3);
	CHECK_EQ(config_vcpu_cpu(&cfg.guests[0], 2), 4);
	CHECK_EQ(config_vcpu_cpu(&cfg.guests[0], 3), 1);
	CHECK_EQ(config_vcpu_cpu(&cfg.guests[0], 4), 3);
	CHECK_EQ(parse_env("[guest a]\nkernel = k\nmemory = 1M\ncpus = 2\nvcpus = 2\n", NULL), 0);
	CHECK_EQ(config_vcpu_cpu(&cfg.guests[0], 0), 2);
	CHECK_EQ(config_vcpu_cpu(&cfg.guests[0], 1), 2);
	/* 16 vCPUs per CPU at most, counted over every guest sharing it */
	CHECK_EQ(
	    parse_env("[guest a]\nkernel = k\nmemory = 1M\ncpus = 0\nshared = yes\nvcpus = 16\n",
		      NULL),
	    0);
	EXPECT("[guest a]\nkernel = k\nmemory = 1M\ncpus = 0\nshared = yes\nvcpus = 10\n"
	       "[guest b]\nkernel = k\nmemory = 1M\ncpus = 0-1\nshared = yes\nvcpus = 14\n",
	       "7: cpu 0 would carry more than 16 vcpus (guest 'b' adds the 17th)");
}

static void test_slice(void)
{
	uint64_t ns;

	CHECK_EQ(parse_env(GUEST_A, NULL), 0);
	CHECK_EQ(cfg.hv.slice_ns, CONFIG_SLICE_DEFAULT_NS);
	CHECK_EQ(parse_env("[hypervisor]\nslice = 5ms\n" GUEST_A, NULL), 0);
	CHECK_EQ(cfg.hv.slice_ns, 5000000);
	CHECK_EQ(parse_env("[hypervisor]\nslice = 100us\n" GUEST_A, NULL), 0);
	CHECK_EQ(cfg.hv.slice_ns, 100000);
	CHECK_EQ(parse_env("[hypervisor]\nslice = 100ms\n" GUEST_A, NULL), 0);
	CHECK_EQ(cfg.hv.slice_ns, 100000000);
	CHECK(config_parse_duration("250000ns", 8, &ns) && ns == 250000);
	CHECK(config_parse_duration("2s", 2, &ns) && ns == 2000000000ULL);
	CHECK(config_parse_duration("3MS", 3, &ns) && ns == 3000000);
	CHECK(!config_parse_duration("3", 1, &ns));
	CHECK(!config_parse_duration("ms", 2, &ns));
	CHECK(!config_parse_duration("3 ms", 4, &ns));
	CHECK(!config_parse_duration("99999999999999999999s", 21, &ns));
	CHECK(!config_parse_duration("18446744073709552s", 18, &ns));
	EXPECT("[hypervisor]\nslice = 3\n" GUEST_A,
	       "2: bad slice '3': expected a time such as 3ms or 500us");
	EXPECT("[hypervisor]\nslice = 99us\n" GUEST_A,
	       "2: slice must be between 100us and 100ms, not '99us'");
}

static void test_shared_cpus(void)
{
	CHECK_EQ(parse_env(GUEST_A "[guest b]\nkernel = k\ncpus = 1-2\nmemory = 1M\nshared = yes\n"
				   "weight = 3\nvcpus = 4\n"
				   "[guest c]\nshared = yes\nkernel = k\ncpus = 2-3\nmemory = 1M\n",
			   NULL),
		 0);
	CHECK_EQ(cfg.guest_count, 3);
	CHECK_EQ(cfg.guests[1].vcpus, 4);
	CHECK_EQ(cfg.guests[1].weight, 3);
	CHECK_EQ(cfg.guests[2].vcpus, 2);
	CHECK(!cfg.guests[0].shared && cfg.guests[1].shared && cfg.guests[2].shared);
}

static const char *asked[8];
static int asked_n;

static bool only_k_exists(void *ctx, const char *path)
{
	CHECK(ctx == &asked_n);
	if (asked_n < 8)
		asked[asked_n++] = path;
	return strcmp(path, "k") == 0;
}

static void test_machine_fits(void)
{
	struct config_env env = {.cpu_count = 2, .memory = 3 << 20};

	EXPECT_ENV(GUEST_A "[guest b]\nkernel = k\ncpus = 1\nmemory = 2M\n", &env, NULL);
	CHECK_EQ(got.n, 0);
	env.file_exists = only_k_exists;
	env.ctx = &asked_n;
	asked_n = 0;
	CHECK_EQ(parse_env(GUEST_A "module = k args\n", &env), 0);
	CHECK_EQ(asked_n, 2);
	CHECK_STREQ(asked[0], "k");
	CHECK_STREQ(asked[1], "k");
}

static void test_format(void)
{
	uint64_t cpus[CONFIG_CPU_WORDS] = {0};
	char buf[64];

	config_format_cpus(cpus, buf, sizeof(buf));
	CHECK_STREQ(buf, "-");
	cpus[0] = 0x16; /* 1,2,4 */
	config_format_cpus(cpus, buf, sizeof(buf));
	CHECK_STREQ(buf, "1-2,4");
	cpus[0] = ~0ULL;
	config_format_cpus(cpus, buf, sizeof(buf));
	CHECK_STREQ(buf, "0-63");
	cpus[0] = 0x5555555555555555ULL;
	config_format_cpus(cpus, buf, 8);
	CHECK_STREQ(buf, "0,2,4,6");
	config_format_size(64 << 20, buf, sizeof(buf));
	CHECK_STREQ(buf, "64M");
	config_format_size(3ULL << 30, buf, sizeof(buf));
	CHECK_STREQ(buf, "3G");
	config_format_size(1536 << 10, buf, sizeof(buf));
	CHECK_STREQ(buf, "1536K");
	config_format_size(1000, buf, sizeof(buf));
	CHECK_STREQ(buf, "1000");
	config_format_size(0, buf, sizeof(buf));
	CHECK_STREQ(buf, "0");
}

static char shown[4096];

static void show_line(void *ctx, const char *line)
{
	size_t used = strlen(shown);

	CHECK(ctx == shown);
	snprintf(shown + used, sizeof(shown) - used, "%s\n", line);
}

static void test_describe(void)
{
	CHECK_EQ(parse_env("[hypervisor]\nconsole = none\n" GUEST_A "module = m x y\n"
			   "[guest web-2]\nkernel = vmlinuz\ninitrd = i.gz\ncpus = 1-2\n"
			   "memory = 1G\nshared = yes\n",
			   NULL),
		 0);
	shown[0] = '\0';
	config_describe(&cfg, show_line, shown);
	CHECK(strstr(shown, "hypervisor: console none  when_idle poweroff  log info\n"));
	CHECK(strstr(shown, "\na                0                1      1M no          1  stop"));
	CHECK(strstr(shown, "\nweb-2            1-2              2      1G yes         1  stop"));
	CHECK(strstr(shown, "\ntotal: 2 guests, cpus 0-2, memory 1025M\n"));
	CHECK(strstr(shown, "\n  module   m  x y\n"));
	CHECK(strstr(shown, "\n  initrd   i.gz\n"));
	CHECK(strstr(shown, "\n  cmdline  (empty)\n"));
	if (!strstr(shown, "web-2"))
		printf("%s", shown);
	CHECK_EQ(parse_env("[hypervisor]\nconsole = 0x2f0,9600\n" GUEST_A, NULL), 0);
	shown[0] = '\0';
	config_describe(&cfg, show_line, shown);
	CHECK(strstr(shown, "hypervisor: console 0x2f0,9600  when_idle poweroff  log info\n"));
	CHECK_EQ(
	    parse_env("[hypervisor]\nconsole = ttyS1\nlog = 0\nwhen_idle = halt\n" GUEST_A, NULL),
	    0);
	shown[0] = '\0';
	config_describe(&cfg, show_line, shown);
	CHECK(strstr(shown, "hypervisor: console com2,115200  when_idle halt  log err\n"));
}

/* ---- every error message ------------------------------------------------ */

static void test_errors_structure(void)
{
	EXPECT("", "0: no [guest NAME] section: there is nothing to run");
	EXPECT("# only a comment\n[hypervisor]\n",
	       "0: no [guest NAME] section: there is nothing to run");
	EXPECT("memory = 1M\n" GUEST_A,
	       "1: key 'memory' is outside any section: put it under [hypervisor] or [guest NAME]");
	EXPECT(GUEST_A "kernel vmlinuz\n", "5: expected 'key = value', not 'kernel vmlinuz'");
	EXPECT(GUEST_A "= 5\n", "5: expected 'key = value', not '= 5'");
	EXPECT(GUEST_A "ker nel = 5\n", "5: expected 'key = value', not 'ker nel = 5'");
	EXPECT(GUEST_A "[guest a\n", "5: bad section header '[guest a': missing ']' at the end");
	EXPECT(GUEST_A "[web]\nkernel = x\n",
	       "5: unknown section '[web]': expected [hypervisor] or [guest NAME]");
	EXPECT(GUEST_A "[hypervsior]\n",
	       "5: unknown section '[hypervsior]' (did you mean [hypervisor]?)");
	EXPECT(GUEST_A "[gust b]\n", "5: unknown section '[gust b]' (did you mean [guest NAME]?)");
	EXPECT(GUEST_A "[hypervisor x]\n", "5: [hypervisor] takes no name");
	EXPECT("[hypervisor]\nlog = info\n" GUEST_A "[hypervisor]\nlog = err\n",
	       "7: duplicate section [hypervisor] (first at line 1)",
	       "8: duplicate key 'log' (first set at line 2)");
	EXPECT(GUEST_A "[guest]\n", "5: [guest] needs a name: [guest NAME]");
	EXPECT("[guest]\n", "1: [guest] needs a name: [guest NAME]"); /* and nothing more */
	EXPECT(GUEST_A "[ guest  ]\n", "5: [guest] needs a name: [guest NAME]");
	EXPECT(GUEST_A "[guest a b]\n",
	       "5: bad guest name 'a b': use only letters, digits, '_' and '-'");
	EXPECT(GUEST_A "[guest web.1]\nkernel = k\nfoo = 1\n",
	       "5: bad guest name 'web.1': use only letters, digits, '_' and '-'");
	EXPECT(
	    GUEST_A "[guest abcdefghijabcdefghijabcdefghij12]\n",
	    "5: guest name 'abcdefghijabcdefghijabcdefghij12' is too long (32 characters, at most "
	    "31)");
	EXPECT(GUEST_A "[guest hv]\n",
	       "5: guest name 'hv' is reserved for the hypervisor's own log");
	/* a duplicate's keys are still checked, but it takes no cpus */
	EXPECT(GUEST_A "[guest a]\nkernel = k\ncpus = 0\nmemory = 1Q\n",
	       "5: duplicate guest name 'a' (first at line 1)",
	       "8: bad size '1Q': expected a number with an optional K, M or G suffix");
}

static void test_errors_lines(void)
{
	char text[2200];

	snprintf(text, sizeof(text), GUEST_A "# %01030d\n", 0);
	EXPECT(text, "5: line is too long (1032 characters, at most 1024)");
	snprintf(text, sizeof(text), GUEST_A "# %01022d\n", 0);
	EXPECT(text, NULL); /* exactly 1024 */
	EXPECT(GUEST_A "cmdline = a\001b\n", "5: control character 0x01 in column 12");
	EXPECT(GUEST_A "cmdline = a\rb\n", "5: control character 0x0d in column 12");
	EXPECT(GUEST_A "\x7f\n", "5: control character 0x7f in column 1");
	CHECK_EQ(config_parse(GUEST_A "x\0y\n", sizeof(GUEST_A "x\0y\n") - 1, "hv.cfg", NULL, &cfg,
			      collect, &got),
		 1);
}

static void test_errors_keys(void)
{
	EXPECT(GUEST_A "memroy = 2M\n",
	       "5: unknown key 'memroy' in [guest a] (did you mean 'memory'?)");
	EXPECT(GUEST_A "cpu = 1\n", "5: unknown key 'cpu' in [guest a] (did you mean 'cpus'?)");
	EXPECT(GUEST_A "colour = red\n", "5: unknown key 'colour' in [guest a]");
	EXPECT(GUEST_A "Kernel = k\n",
	       "5: unknown key 'Kernel' in [guest a] (did you mean 'kernel'?)");
	EXPECT(GUEST_A "wieght = 1\n",
	       "5: unknown key 'wieght' in [guest a] (did you mean 'weight'?)");
	EXPECT(GUEST_A "console = com1\n",
	       "5: unknown key 'console' in [guest a]: it belongs in [hypervisor]");
	EXPECT("[hypervisor]\nmemory = 1M\n" GUEST_A,
	       "2: unknown key 'memory' in [hypervisor]: it belongs in a [guest NAME] section");
	EXPECT("[hypervisor]\nwhen-idle = halt\n" GUEST_A,
	       "2: unknown key 'when-idle' in [hypervisor] (did you mean 'when_idle'?)");
	EXPECT(GUEST_A "memory = 2M\n", "5: duplicate key 'memory' (first set at line 4)");
	EXPECT(GUEST_A "initrd =\n", "5: key 'initrd' has no value");
	EXPECT(GUEST_A "initrd = # none\n", "5: key 'initrd' has no value");
	EXPECT("[guest a]\n", "1: guest 'a' has no kernel: add kernel = PATH",
	       "1: guest 'a' has no cpus: add cpus = LIST (for example cpus = 1-2)",
	       "1: guest 'a' has no memory: add memory = SIZE (for example memory = 64M)");
	/* a key that was given but bad is not reported missing too */
	EXPECT("[guest a]\nkernel = k\ncpus = x\nmemory =\n",
	       "3: bad cpu list 'x': 'x' is not a cpu number or range N-M",
	       "4: key 'memory' has no value");
}

static void test_errors_numbers(void)
{
	EXPECT(GUEST_A "vcpus = 0\n", "5: vcpus must be between 1 and 64, not 0");
	EXPECT(GUEST_A "vcpus = 65\n", "5: vcpus must be between 1 and 64, not 65");
	EXPECT(GUEST_A "weight = 0\n", "5: weight must be between 1 and 1000, not 0");
	EXPECT(GUEST_A "weight = 1001\n", "5: weight must be between 1 and 1000, not 1001");
	EXPECT(GUEST_A "max_restarts = 1000001\n",
	       "5: max_restarts must be between 0 and 1000000, not 1000001");
	EXPECT(GUEST_A "weight = 010\n",
	       "5: bad number '010' for weight: leading zeros are not allowed (octal is not "
	       "supported)");
	EXPECT(GUEST_A "weight = ten\n",
	       "5: bad number 'ten' for weight: expected a decimal number or 0x followed by hex "
	       "digits");
	EXPECT(
	    GUEST_A "vcpus = 18446744073709551616\n",
	    "5: bad number '18446744073709551616' for vcpus: the number does not fit in 64 bits");
	EXPECT(GUEST_A "weight = 0x\n", "5: bad number '0x' for weight: expected a decimal number "
					"or 0x followed by hex digits");
}

static void test_errors_memory(void)
{
	struct config_env env = {.memory = 16ULL << 30};

	EXPECT("[guest a]\nkernel = k\ncpus = 0\nmemory = 64Q\n",
	       "4: bad size '64Q': expected a number with an optional K, M or G suffix");
	EXPECT("[guest a]\nkernel = k\ncpus = 0\nmemory = 512K\n",
	       "4: memory 512K is too small: a guest needs at least 1M");
	EXPECT("[guest a]\nkernel = k\ncpus = 0\nmemory = 1025G\n",
	       "4: memory 1025G is too large: at most 1024G");
	EXPECT("[guest a]\nkernel = k\ncpus = 0\nmemory = 1048577\n",
	       "4: memory 1048577 is not a multiple of 4K");
	EXPECT_ENV("[guest a]\nkernel = k\ncpus = 0\nmemory = 32G\n", &env,
		   "4: memory 32G is more than the machine has (16G)");
	EXPECT_ENV("[guest a]\nkernel = k\ncpus = 0\nmemory = 8G\n"
		   "[guest b]\nkernel = k\ncpus = 1\nmemory = 8G\n"
		   "[guest c]\nkernel = k\ncpus = 2\nmemory = 1M\n",
		   &env,
		   "12: the guests need 16385M of memory in total but the machine has 16G (guest "
		   "'c' is the first that does not fit)");
}

static void test_errors_cpus(void)
{
	struct config_env env = {.cpu_count = 8};

	EXPECT("[guest a]\nkernel = k\nmemory = 1M\ncpus = 1,,2\n",
	       "4: bad cpu list '1,,2': empty entry");
	EXPECT("[guest a]\nkernel = k\nmemory = 1M\ncpus = 1,\n",
	       "4: bad cpu list '1,': empty entry");
	EXPECT("[guest a]\nkernel = k\nmemory = 1M\ncpus = 1-x\n",
	       "4: bad cpu list '1-x': '1-x' is not a cpu number or range N-M");
	EXPECT("[guest a]\nkernel = k\nmemory = 1M\ncpus = 1-2-3\n",
	       "4: bad cpu list '1-2-3': '1-2-3' is not a cpu number or range N-M");
	EXPECT("[guest a]\nkernel = k\nmemory = 1M\ncpus = 5-3\n",
	       "4: bad cpu range '5-3': the first cpu is greater than the last");
	EXPECT("[guest a]\nkernel = k\nmemory = 1M\ncpus = 70\n",
	       "4: cpu 70 is out of range: the hypervisor supports cpus 0-63");
	EXPECT("[guest a]\nkernel = k\nmemory = 1M\ncpus = 60-70\n",
	       "4: cpu 64 is out of range: the hypervisor supports cpus 0-63");
	EXPECT_ENV("[guest a]\nkernel = k\nmemory = 1M\ncpus = 9\n", &env,
		   "4: cpu 9 does not exist: the machine has 8 cpus (0-7)");
	EXPECT_ENV("[guest a]\nkernel = k\nmemory = 1M\ncpus = 6-9\n", &env,
		   "4: cpu 8 does not exist: the machine has 8 cpus (0-7)");
	EXPECT("[guest a]\nkernel = k\nmemory = 1M\ncpus = 1-3,2\n",
	       "4: cpu 2 appears twice in the cpu list");
	/* every bad entry of one list is reported */
	EXPECT_ENV("[guest a]\nkernel = k\nmemory = 1M\ncpus = 9,0,5-3\n", &env,
		   "4: cpu 9 does not exist: the machine has 8 cpus (0-7)",
		   "4: bad cpu range '5-3': the first cpu is greater than the last");
}

static void test_errors_cpu_clashes(void)
{
	EXPECT(GUEST_A "[guest b]\nkernel = k\nmemory = 1M\ncpus = 0-1\n",
	       "8: cpu 0 is already given to guest 'a' (line 3)");
	EXPECT("[guest a]\nkernel = k\nmemory = 1M\ncpus = 0-3\n"
	       "[guest b]\nkernel = k\nmemory = 1M\ncpus = 1-2,4\n",
	       "8: cpus 1-2 are already given to guest 'a' (line 4)");
	EXPECT(GUEST_A "[guest b]\nshared = yes\nkernel = k\nmemory = 1M\ncpus = 0\n",
	       "9: cpu 0 is already given to guest 'a' (line 3) without shared = yes: a cpu that "
	       "any guest holds without shared = yes can never be shared");
	EXPECT("[guest a]\nshared = yes\nkernel = k\nmemory = 1M\ncpus = 0-1\n"
	       "[guest b]\nkernel = k\nmemory = 1M\ncpus = 0-1\n",
	       "9: cpus 0-1 are shared by guest 'a' (line 5), but guest 'b' does not say shared = "
	       "yes: a cpu that any guest holds without shared = yes can never be shared");
	/* a cpu is reported once per guest, against the first holder */
	EXPECT(GUEST_A "[guest b]\nkernel = k\nmemory = 1M\ncpus = 0\n"
		       "[guest c]\nkernel = k\nmemory = 1M\ncpus = 0\n",
	       "8: cpu 0 is already given to guest 'a' (line 3)",
	       "12: cpu 0 is already given to guest 'a' (line 3)");
}

static void test_errors_values(void)
{
	EXPECT("[hypervisor]\nconsole = com5\n" GUEST_A,
	       "2: bad console 'com5': expected com1..com4, ttyS0..ttyS3, none or an I/O port such "
	       "as 0x3f8, optionally followed by ,BAUD");
	EXPECT(
	    "[hypervisor]\nconsole = ,9600\n" GUEST_A,
	    "2: bad console ',9600': expected com1..com4, ttyS0..ttyS3, none or an I/O port such "
	    "as 0x3f8, optionally followed by ,BAUD");
	EXPECT("[hypervisor]\nconsole = 0x10000\n" GUEST_A,
	       "2: console I/O port 0x10000 is out of range (0x1..0xffff)");
	EXPECT("[hypervisor]\nconsole = 0\n" GUEST_A,
	       "2: console I/O port 0 is out of range (0x1..0xffff)");
	EXPECT("[hypervisor]\nconsole = none,9600\n" GUEST_A, "2: console none takes no baud rate");
	EXPECT("[hypervisor]\nconsole = com1,9601\n" GUEST_A,
	       "2: baud rate 9601 is not possible: it must divide 115200 (115200, 57600, 38400, "
	       "19200, 9600, ...)");
	EXPECT("[hypervisor]\nconsole = com1,230400\n" GUEST_A,
	       "2: the console's baud rate must be between 1 and 115200, not 230400");
	EXPECT("[hypervisor]\nconsole = com1,\n" GUEST_A,
	       "2: bad number '' for the console's baud rate: expected a decimal number or 0x "
	       "followed by hex digits");
	EXPECT("[hypervisor]\nwhen_idle = sleep\n" GUEST_A,
	       "2: bad value 'sleep' for when_idle: expected poweroff, halt or reboot");
	EXPECT("[hypervisor]\nlog = verbose\n" GUEST_A,
	       "2: bad value 'verbose' for log: expected err, warn, info, debug, 0, 1, 2 or 3");
	EXPECT(GUEST_A "on_poweroff = reboot\n",
	       "5: bad value 'reboot' for on_poweroff: expected stop or restart");
	EXPECT(GUEST_A "on_crash = Stop\n",
	       "5: bad value 'Stop' for on_crash: expected stop or restart");
	EXPECT(GUEST_A "shared = true\n", "5: bad value 'true' for shared: expected yes or no");
}

static void test_errors_files(void)
{
	struct config_env env = {.file_exists = only_k_exists, .ctx = &asked_n};
	char text[1400], long_arg[600];

	asked_n = 0;
	EXPECT_ENV(GUEST_A "initrd = missing.gz\nmodule = m.bin a\n", &env,
		   "5: initrd file 'missing.gz' not found (paths are relative to the config file)",
		   "6: module file 'm.bin' not found (paths are relative to the config file)");
	EXPECT_ENV(
	    "[guest a]\nkernel = guests/nothere.elf\ncpus = 0\nmemory = 1M\n", &env,
	    "2: kernel file 'guests/nothere.elf' not found (paths are relative to the config "
	    "file)");
	EXPECT(GUEST_A "kernel = vmlinuz console=ttyS0\n",
	       "5: duplicate key 'kernel' (first set at line 2)");
	EXPECT("[guest a]\nkernel = vmlinuz console=ttyS0\ncpus = 0\nmemory = 1M\n",
	       "2: kernel takes a single path but 'vmlinuz console=ttyS0' has spaces: put kernel "
	       "arguments in cmdline =");
	EXPECT(GUEST_A "initrd = a b\n", "5: initrd takes a single path but 'a b' has spaces");
	memset(long_arg, 'p', 128);
	long_arg[128] = '\0';
	snprintf(text, sizeof(text), GUEST_A "initrd = %s\n", long_arg);
	EXPECT(text, "5: initrd path is too long (128 characters, at most 127)");
	snprintf(text, sizeof(text), GUEST_A "module = %s\n", long_arg);
	EXPECT(text, "5: module path is too long (128 characters, at most 127)");
	snprintf(text, sizeof(text), GUEST_A "module = m %s\n", long_arg);
	EXPECT(text, "5: module string is too long (128 characters, at most 127)");
	memset(long_arg, 'c', 512);
	long_arg[512] = '\0';
	snprintf(text, sizeof(text), GUEST_A "cmdline = %s\n", long_arg);
	EXPECT(text, "5: cmdline is too long (512 characters, at most 511)");
	long_arg[511] = '\0';
	snprintf(text, sizeof(text), GUEST_A "cmdline = %s\n", long_arg);
	EXPECT(text, NULL);
	EXPECT(GUEST_A "module=1\nmodule=2\nmodule=3\nmodule=4\nmodule=5\nmodule=6\nmodule=7\n"
		       "module=8\nmodule=9\nmodule=10\n",
	       "13: too many modules in guest 'a': at most 8",
	       "14: too many modules in guest 'a': at most 8");
}

static void test_errors_limits(void)
{
	static char text[CONFIG_MAX_GUESTS * 64 + 256];
	size_t used = 0;
	char want[64];

	for (int i = 0; i <= CONFIG_MAX_GUESTS; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "[guest g%d]\nkernel = k\ncpus = %d\nmemory = 1M\n", i,
					 i % CONFIG_MAX_CPUS);
	snprintf(want, sizeof(want), "%d: too many guests: at most %d", CONFIG_MAX_GUESTS * 4 + 1,
		 CONFIG_MAX_GUESTS);
	EXPECT(text, want);
	CHECK_EQ(cfg.guest_count, CONFIG_MAX_GUESTS);
}

/* Every message fits CONFIG_MSG_MAX even with the longest quoted values. */
static void test_long_values_are_shortened(void)
{
	char text[1200], word[1000];

	memset(word, 'x', 900);
	word[900] = '\0';
	snprintf(text, sizeof(text), GUEST_A "%s = 1\n", word);
	CHECK_EQ(parse_env(text, NULL), 1);
	CHECK(strstr(got.msgs[0], "xxx...' in [guest a]") != NULL);
	snprintf(text, sizeof(text), "[guest a]\nkernel = k\nmemory = 1M\ncpus = %s\n", word);
	CHECK_EQ(parse_env(text, NULL), 1);
	CHECK(strlen(got.msgs[0]) < CONFIG_MSG_MAX);
}

int main(void)
{
	RUN(test_full_example);
	RUN(test_defaults);
	RUN(test_comments_and_whitespace);
	RUN(test_line_endings);
	RUN(test_cpu_lists);
	RUN(test_sizes);
	RUN(test_console_and_log);
	RUN(test_slice);
	RUN(test_vcpu_placement);
	RUN(test_shared_cpus);
	RUN(test_machine_fits);
	RUN(test_format);
	RUN(test_describe);
	RUN(test_errors_structure);
	RUN(test_errors_lines);
	RUN(test_errors_keys);
	RUN(test_errors_numbers);
	RUN(test_errors_memory);
	RUN(test_errors_cpus);
	RUN(test_errors_cpu_clashes);
	RUN(test_errors_values);
	RUN(test_errors_files);
	RUN(test_errors_limits);
	RUN(test_long_values_are_shortened);
	return test_summary();
}
