/*
 * config_values.c - the value of every hv.cfg key: numbers, sizes, cpu
 * lists, paths, words.  Each setter checks one value completely, reports what
 * is wrong with it through config_problem() and stores it only when good.
 */
#include <hv/printk.h>
#include "config_internal.h"

/* ---- numbers and sizes -------------------------------------------------- */

static bool is_hex_digit(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Length of the number at the start of v: decimal digits, or 0x + hex digits. */
static size_t number_length(struct span v)
{
	size_t i = 0;

	if (v.n >= 2 && v.s[0] == '0' && (v.s[1] == 'x' || v.s[1] == 'X')) {
		i = 2;
		while (i < v.n && is_hex_digit(v.s[i]))
			i++;
		return i > 2 ? i : 1; /* "0x" alone is a 0 followed by junk */
	}
	while (i < v.n && is_digit(v.s[i]))
		i++;
	return i;
}

static const char leading_zeros[] = "leading zeros are not allowed (octal is not supported)";

/*
 * A decimal or 0x-hex number.  Leading zeros are refused: parse_u64 would
 * read "010" as octal, a surprise in a file people edit by hand.
 * Returns NULL on success, else the reason for a message.
 */
static const char *parse_number(struct span v, uint64_t *out)
{
	if (v.n > 1 && v.s[0] == '0' && is_digit(v.s[1]))
		return leading_zeros;
	if (v.n == 0 || number_length(v) != v.n)
		return "expected a decimal number or 0x followed by hex digits";
	if (!parse_u64(v.s, v.n, out))
		return "the number does not fit in 64 bits";
	return NULL;
}

bool config_parse_size(const char *s, size_t len, uint64_t *out)
{
	static const struct {
		const char *short_name, *long_name;
		uint64_t mult;
	} units[] = {
	    {.short_name = "", .long_name = "", .mult = 1},
	    {.short_name = "k", .long_name = "kib", .mult = KiB},
	    {.short_name = "m", .long_name = "mib", .mult = MiB},
	    {.short_name = "g", .long_name = "gib", .mult = GiB},
	};
	struct span v = {s, len};
	size_t n = number_length(v);
	struct span suffix = {s + n, len - n};
	uint64_t num;

	if (n == 0 || parse_number((struct span){s, n}, &num))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (!span_ieq(suffix, units[i].short_name) && !span_ieq(suffix, units[i].long_name))
			continue;
		if (num > UINT64_MAX / units[i].mult)
			return false;
		*out = num * units[i].mult;
		return true;
	}
	return false;
}

bool config_parse_duration(const char *s, size_t len, uint64_t *out)
{
	static const struct {
		const char *name;
		uint64_t mult;
	} units[] = {
	    {.name = "ns", .mult = 1},
	    {.name = "us", .mult = 1000},
	    {.name = "ms", .mult = 1000000},
	    {.name = "s", .mult = 1000000000},
	};
	size_t n = 0;
	struct span suffix;
	uint64_t num;

	while (n < len && is_digit(s[n]))
		n++;
	suffix = (struct span){s + n, len - n};
	if (n == 0 || !parse_u64(s, n, &num))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (!span_ieq(suffix, units[i].name))
			continue;
		if (num > UINT64_MAX / units[i].mult)
			return false;
		*out = num * units[i].mult;
		return true;
	}
	return false;
}

/* A number for key in [lo, hi]; reports and returns false otherwise. */
static bool get_number(struct parser *p, const char *key, struct span v, uint64_t lo, uint64_t hi,
		       uint64_t *out)
{
	char q[QUOTE_MAX + 4];
	const char *why = parse_number(v, out);

	if (why) {
		config_problem(p, p->line, "bad number '%s' for %s: %s", config_quote(q, v), key,
			       why);
		return false;
	}
	if (*out < lo || *out > hi) {
		config_problem(p, p->line, "%s must be between %llu and %llu, not %llu", key,
			       (unsigned long long)lo, (unsigned long long)hi,
			       (unsigned long long)*out);
		return false;
	}
	return true;
}

/* ---- word values -------------------------------------------------------- */

struct word {
	const char *name;
	int value;
};

/* v must be one of words[]; reports "expected a, b or c" otherwise. */
static bool get_word(struct parser *p, const char *key, struct span v, const struct word *words,
		     size_t count, int *out)
{
	char q[QUOTE_MAX + 4], list[96];
	size_t used = 0;

	for (size_t i = 0; i < count; i++) {
		if (span_eq(v, words[i].name)) {
			*out = words[i].value;
			return true;
		}
	}
	list[0] = '\0';
	for (size_t i = 0; i < count && used < sizeof(list); i++) {
		const char *sep = i == 0 ? "" : i + 1 == count ? " or " : ", ";

		used +=
		    (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", sep, words[i].name);
	}
	config_problem(p, p->line, "bad value '%s' for %s: expected %s", config_quote(q, v), key,
		       list);
	return false;
}

/* ---- [hypervisor] keys -------------------------------------------------- */

/* The UART divides 115200 by a 16-bit divisor, so only exact divisors work. */
static void set_console_baud(struct parser *p, struct span v)
{
	char q[QUOTE_MAX + 4];
	uint64_t baud;

	if (!get_number(p, "the console's baud rate", v, 1, 115200, &baud))
		return;
	if (115200 % baud != 0) {
		config_problem(p, p->line,
			       "baud rate %s is not possible: it must divide 115200 "
			       "(115200, 57600, 38400, 19200, 9600, ...)",
			       config_quote(q, v));
		return;
	}
	p->cfg->hv.console_baud = (uint32_t)baud;
}

static void set_console(struct parser *p, struct span v)
{
	static const char *const names[][2] = {
	    {"com1", "ttyS0"}, {"com2", "ttyS1"}, {"com3", "ttyS2"}, {"com4", "ttyS3"}};
	static const uint16_t ports[] = {0x3f8, 0x2f8, 0x3e8, 0x2e8};
	char q[QUOTE_MAX + 4];
	struct span dev, baud;
	bool has_baud;
	uint64_t port;

	baud = trim(split_at(v, ',', &dev, &has_baud));
	dev = trim(dev);
	if (span_eq(dev, "none")) {
		p->cfg->hv.console_port = 0;
		if (has_baud)
			config_problem(p, p->line, "console none takes no baud rate");
		return;
	}
	port = 0;
	for (size_t i = 0; i < ARRAY_SIZE(ports); i++)
		if (span_eq(dev, names[i][0]) || span_eq(dev, names[i][1]))
			port = ports[i];
	if (!port) {
		if (dev.n == 0 || !is_digit(dev.s[0]) || parse_number(dev, &port)) {
			config_problem(p, p->line,
				       "bad console '%s': expected com1..com4, ttyS0..ttyS3, none "
				       "or an I/O port such as 0x3f8, optionally followed by ,BAUD",
				       config_quote(q, v));
			return;
		}
		if (port == 0 || port > 0xffff) {
			config_problem(p, p->line,
				       "console I/O port %s is out of range (0x1..0xffff)",
				       config_quote(q, dev));
			return;
		}
	}
	p->cfg->hv.console_port = (uint16_t)port;
	if (has_baud)
		set_console_baud(p, baud);
}

static void set_when_idle(struct parser *p, struct span v)
{
	static const struct word words[] = {
	    {.name = "poweroff", .value = CONFIG_IDLE_POWEROFF},
	    {.name = "halt", .value = CONFIG_IDLE_HALT},
	    {.name = "reboot", .value = CONFIG_IDLE_REBOOT},
	};
	int w;

	if (get_word(p, "when_idle", v, words, ARRAY_SIZE(words), &w))
		p->cfg->hv.when_idle = (enum config_idle)w;
}

static void set_log(struct parser *p, struct span v)
{
	static const struct word words[] = {
	    {.name = "err", .value = LOG_ERR},	 {.name = "warn", .value = LOG_WARN},
	    {.name = "info", .value = LOG_INFO}, {.name = "debug", .value = LOG_DEBUG},
	    {.name = "0", .value = LOG_ERR},	 {.name = "1", .value = LOG_WARN},
	    {.name = "2", .value = LOG_INFO},	 {.name = "3", .value = LOG_DEBUG},
	};
	int w;

	if (get_word(p, "log", v, words, ARRAY_SIZE(words), &w))
		p->cfg->hv.loglevel = w;
}

/* ---- [guest NAME] keys: files and strings ------------------------------- */

/* One path (no spaces) that must exist when the caller checks files; hint
 * ends the message about spaces. */
static void set_path(struct parser *p, const char *key, struct span v, char *dst, const char *hint)
{
	const struct config_env *env = p->env;
	char q[QUOTE_MAX + 4];
	struct span word;

	if (split_word(v, &word).n != 0) {
		config_problem(p, p->line, "%s takes a single path but '%s' has spaces%s", key,
			       config_quote(q, v), hint);
		return;
	}
	if (!span_copy(dst, CONFIG_PATH_MAX, v)) {
		config_problem(p, p->line, "%s path is too long (%zu characters, at most %d)", key,
			       v.n, (int)CONFIG_PATH_MAX - 1);
		return;
	}
	if (env && env->file_exists && !env->file_exists(env->ctx, dst))
		config_problem(p, p->line,
			       "%s file '%s' not found (paths are relative to the config file)",
			       key, config_quote(q, v));
}

static void set_kernel(struct parser *p, struct span v)
{
	set_path(p, "kernel", v, p->guest->kernel, ": put kernel arguments in cmdline =");
}

static void set_initrd(struct parser *p, struct span v)
{
	set_path(p, "initrd", v, p->guest->initrd, "");
}

/* "module = PATH [STRING]": the string is what the guest sees for the module. */
static void set_module(struct parser *p, struct span v)
{
	struct config_guest *g = p->guest;
	struct config_module *m;
	struct span path, args;

	if (g->module_count >= CONFIG_MAX_MODULES) {
		config_problem(p, p->line, "too many modules in guest '%s': at most %d", g->name,
			       CONFIG_MAX_MODULES);
		return;
	}
	m = &g->modules[g->module_count++];
	m->line = p->line;
	args = split_word(v, &path);
	set_path(p, "module", path, m->path, ""); /* cannot happen: path is one word */
	if (!span_copy(m->args, sizeof(m->args), args))
		config_problem(p, p->line,
			       "module string is too long (%zu characters, at most %zu)", args.n,
			       sizeof(m->args) - 1);
}

static void set_cmdline(struct parser *p, struct span v)
{
	if (!span_copy(p->guest->cmdline, sizeof(p->guest->cmdline), v))
		config_problem(p, p->line, "cmdline is too long (%zu characters, at most %zu)", v.n,
			       sizeof(p->guest->cmdline) - 1);
}

/* ---- [guest NAME] keys: cpus -------------------------------------------- */

static bool cpu_test(const uint64_t *set, uint64_t cpu)
{
	return set[cpu / 64] & BIT(cpu % 64);
}

/* One entry of a cpu list, "N" or "N-M", into the current guest's set. */
static void add_cpu_entry(struct parser *p, struct span list, struct span entry)
{
	uint32_t machine = p->env ? p->env->cpu_count : 0;
	char q[QUOTE_MAX + 4], q2[QUOTE_MAX + 4];
	struct span first_s, last_s;
	uint64_t first, last = 0;
	const char *why;
	bool is_range;

	last_s = trim(split_at(entry, '-', &first_s, &is_range));
	first_s = trim(first_s);
	if (entry.n == 0) {
		config_problem(p, p->line, "bad cpu list '%s': empty entry", config_quote(q, list));
		return;
	}
	why = parse_number(first_s, &first);
	if (!why && is_range)
		why = parse_number(last_s, &last);
	if (why == leading_zeros) {
		config_problem(p, p->line, "bad cpu list '%s': '%s': %s", config_quote(q, list),
			       config_quote(q2, entry), why);
		return;
	}
	if (why) {
		config_problem(p, p->line,
			       "bad cpu list '%s': '%s' is not a cpu number or range N-M",
			       config_quote(q, list), config_quote(q2, entry));
		return;
	}
	if (!is_range)
		last = first;
	if (first > last) {
		config_problem(p, p->line,
			       "bad cpu range '%s': the first cpu is greater than the last",
			       config_quote(q, entry));
		return;
	}
	if (last >= CONFIG_MAX_CPUS) {
		config_problem(
		    p, p->line, "cpu %llu is out of range: the hypervisor supports cpus 0-%d",
		    (unsigned long long)MAX(first, (uint64_t)CONFIG_MAX_CPUS), CONFIG_MAX_CPUS - 1);
		return;
	}
	if (machine && last >= machine) {
		config_problem(
		    p, p->line, "cpu %llu does not exist: the machine has %u cpus (0-%u)",
		    (unsigned long long)MAX(first, (uint64_t)machine), machine, machine - 1);
		return;
	}
	for (uint64_t c = first; c <= last; c++) {
		if (cpu_test(p->guest->cpus, c)) {
			config_problem(p, p->line, "cpu %llu appears twice in the cpu list",
				       (unsigned long long)c);
			return;
		}
	}
	for (uint64_t c = first; c <= last; c++)
		p->guest->cpus[c / 64] |= BIT(c % 64);
	p->guest->cpu_count += (uint32_t)(last - first + 1);
}

/* "1-2,4": physical cpu numbers in MADT order. */
static void set_cpus(struct parser *p, struct span v)
{
	struct span rest = v, entry;
	bool more = true;

	while (more) {
		rest = split_at(rest, ',', &entry, &more);
		add_cpu_entry(p, v, trim(entry));
	}
}

/* ---- [guest NAME] keys: numbers and words ------------------------------- */

static void set_memory(struct parser *p, struct span v)
{
	uint64_t machine = p->env ? p->env->memory : 0;
	char q[QUOTE_MAX + 4], have[24];
	uint64_t bytes;

	if (!config_parse_size(v.s, v.n, &bytes)) {
		config_problem(p, p->line,
			       "bad size '%s': expected a number with an optional K, M or G suffix",
			       config_quote(q, v));
		return;
	}
	if (bytes < CONFIG_MEMORY_MIN) {
		config_problem(p, p->line, "memory %s is too small: a guest needs at least 1M",
			       config_quote(q, v));
		return;
	}
	if (bytes > CONFIG_MEMORY_MAX) {
		config_problem(p, p->line, "memory %s is too large: at most 1024G",
			       config_quote(q, v));
		return;
	}
	if (!IS_ALIGNED(bytes, PAGE_SIZE)) {
		config_problem(p, p->line, "memory %s is not a multiple of 4K", config_quote(q, v));
		return;
	}
	if (machine && bytes > machine) {
		config_format_size(machine, have, sizeof(have));
		config_problem(p, p->line, "memory %s is more than the machine has (%s)",
			       config_quote(q, v), have);
		return;
	}
	p->guest->memory = bytes;
}

static const struct word actions[] = {
    {.name = "stop", .value = CONFIG_ACTION_STOP},
    {.name = "restart", .value = CONFIG_ACTION_RESTART},
};

static void set_on_poweroff(struct parser *p, struct span v)
{
	int w;

	if (get_word(p, "on_poweroff", v, actions, ARRAY_SIZE(actions), &w))
		p->guest->on_poweroff = (enum config_action)w;
}

static void set_on_crash(struct parser *p, struct span v)
{
	int w;

	if (get_word(p, "on_crash", v, actions, ARRAY_SIZE(actions), &w))
		p->guest->on_crash = (enum config_action)w;
}

static void set_shared(struct parser *p, struct span v)
{
	static const struct word words[] = {{.name = "yes", .value = 1},
					    {.name = "no", .value = 0}};
	int w;

	if (get_word(p, "shared", v, words, ARRAY_SIZE(words), &w))
		p->guest->shared = w;
}

static void set_vcpus(struct parser *p, struct span v)
{
	uint64_t n;

	if (get_number(p, "vcpus", v, 1, CONFIG_MAX_VCPUS, &n))
		p->guest->vcpus = (uint32_t)n;
}

static void set_weight(struct parser *p, struct span v)
{
	uint64_t n;

	if (get_number(p, "weight", v, 1, CONFIG_WEIGHT_MAX, &n))
		p->guest->weight = (uint32_t)n;
}

static void set_max_restarts(struct parser *p, struct span v)
{
	uint64_t n;

	if (get_number(p, "max_restarts", v, 0, CONFIG_MAX_RESTARTS_MAX, &n))
		p->guest->max_restarts = (uint32_t)n;
}

/* The base time slice of shared CPUs (docs/scheduler.md). */
static void set_slice(struct parser *p, struct span v)
{
	char q[QUOTE_MAX + 4];
	uint64_t ns;

	if (!config_parse_duration(v.s, v.n, &ns)) {
		config_problem(p, p->line, "bad slice '%s': expected a time such as 3ms or 500us",
			       config_quote(q, v));
		return;
	}
	if (ns < CONFIG_SLICE_MIN_NS || ns > CONFIG_SLICE_MAX_NS) {
		config_problem(p, p->line, "slice must be between 100us and 100ms, not '%s'",
			       config_quote(q, v));
		return;
	}
	p->cfg->hv.slice_ns = ns;
}

/* Designated by index, so the tables follow enum config_hv_key/config_guest_key. */
#define KEY(idx, key, setter, flag_bits)                                                           \
	[idx] = {.name = key, .index = idx, .flags = flag_bits, .set = setter}

const struct key_desc config_hv_keys[CONFIG_HKEY_COUNT] = {
    KEY(CONFIG_HKEY_CONSOLE, "console", set_console, 0),
    KEY(CONFIG_HKEY_WHEN_IDLE, "when_idle", set_when_idle, 0),
    KEY(CONFIG_HKEY_LOG, "log", set_log, 0),
    KEY(CONFIG_HKEY_SLICE, "slice", set_slice, 0),
};

const struct key_desc config_guest_keys[CONFIG_GKEY_COUNT] = {
    KEY(CONFIG_GKEY_KERNEL, "kernel", set_kernel, 0),
    KEY(CONFIG_GKEY_INITRD, "initrd", set_initrd, 0),
    KEY(CONFIG_GKEY_MODULE, "module", set_module, KEY_REPEATABLE),
    KEY(CONFIG_GKEY_CMDLINE, "cmdline", set_cmdline, KEY_MAY_BE_EMPTY),
    KEY(CONFIG_GKEY_CPUS, "cpus", set_cpus, 0),
    KEY(CONFIG_GKEY_MEMORY, "memory", set_memory, 0),
    KEY(CONFIG_GKEY_ON_POWEROFF, "on_poweroff", set_on_poweroff, 0),
    KEY(CONFIG_GKEY_ON_CRASH, "on_crash", set_on_crash, 0),
    KEY(CONFIG_GKEY_SHARED, "shared", set_shared, 0),
    KEY(CONFIG_GKEY_VCPUS, "vcpus", set_vcpus, 0),
    KEY(CONFIG_GKEY_WEIGHT, "weight", set_weight, 0),
    KEY(CONFIG_GKEY_MAX_RESTARTS, "max_restarts", set_max_restarts, 0),
};
