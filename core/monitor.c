/*
 * monitor.c - the hypervisor's monitor prompt: a bounded line editor and a
 * command interpreter over struct monitor_ops (contract in
 * include/hv/monitor.h, operator's view in docs/console.md).
 *
 * Check, then act: a command line is split, the command looked up, the
 * argument count and the guest name checked, and only then is an
 * operation called, so every error is reported before anything changes.
 * Each output line is one print call, so it cannot be split by a guest's
 * line printed in between.
 */
#include <hv/monitor.h>
#include <hv/lib.h>

#define MON_MAX_ARGS  3	  /* command, one argument, and one to detect extras */
#define MON_NAMES_BUF 160 /* the "(guests: a, b, ..)" list of an error */
#define MON_NO_GUEST  UINT32_MAX

struct mon_cmd {
	const char *name;
	const char *help;
	bool takes_guest; /* exactly one argument, a guest name */
	bool (*run)(struct monitor *m, const struct mon_cmd *c, uint32_t idx);
};

#define PRINT(m, ...) (m)->ops->print((m)->ops->ctx, __VA_ARGS__)

/* ---- formatting helpers ---- */

const char *monitor_format_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	uint32_t u = 0;
	uint64_t unit = 1;

	while (u + 1 < ARRAY_SIZE(units) && bytes >= unit * 1024) {
		unit *= 1024;
		u++;
	}
	uint64_t whole = bytes / unit, tenth = (bytes % unit) * 10 / unit;

	if (tenth)
		snprintf(buf, size, "%llu.%llu %s", (unsigned long long)whole,
			 (unsigned long long)tenth, units[u]);
	else
		snprintf(buf, size, "%llu %s", (unsigned long long)whole, units[u]);
	return buf;
}

const char *monitor_format_uptime(uint64_t ns, char *buf, size_t size)
{
	uint64_t s = ns / 1000000000ull;
	unsigned hh = (unsigned)(s / 3600 % 24), mm = (unsigned)(s / 60 % 60),
		 ss = (unsigned)(s % 60);

	if (ns == 0)
		snprintf(buf, size, "-");
	else if (s >= 86400)
		snprintf(buf, size, "%llud %02u:%02u:%02u", (unsigned long long)(s / 86400), hh, mm,
			 ss);
	else
		snprintf(buf, size, "%02u:%02u:%02u", hh, mm, ss);
	return buf;
}

/* ---- guest names ---- */

static bool mon_guest(struct monitor *m, uint32_t idx, struct monitor_guest_info *gi)
{
	memset(gi, 0, sizeof(*gi));
	return m->ops->guest_info(m->ops->ctx, idx, gi) && gi->name;
}

static const char *mon_guest_name(struct monitor *m, uint32_t idx)
{
	struct monitor_guest_info gi;

	return mon_guest(m, idx, &gi) ? gi.name : "?";
}

/* "a, b, c" (ending ", .." when it does not fit) into buf. */
static void mon_guest_names(struct monitor *m, char *buf, size_t size)
{
	uint32_t n = m->ops->guest_count(m->ops->ctx);
	size_t len = 0;
	struct monitor_guest_info gi;

	buf[0] = '\0';
	for (uint32_t i = 0; i < n; i++) {
		if (!mon_guest(m, i, &gi))
			continue;
		size_t need = strlen(gi.name) + (len ? 2 : 0);

		if (len + need + 5 > size) { /* keep room for ", .." */
			snprintf(buf + len, size - len, "%s", len ? ", .." : "..");
			return;
		}
		len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "", gi.name);
	}
}

/* The index of the guest called name, or MON_NO_GUEST after printing why. */
static uint32_t mon_find_guest(struct monitor *m, const char *name)
{
	uint32_t n = m->ops->guest_count(m->ops->ctx);
	struct monitor_guest_info gi;
	char names[MON_NAMES_BUF];

	for (uint32_t i = 0; i < n; i++)
		if (mon_guest(m, i, &gi) && strcmp(gi.name, name) == 0)
			return i;
	mon_guest_names(m, names, sizeof(names));
	if (names[0])
		PRINT(m, "no guest named '%s' (guests: %s)\n", name, names);
	else
		PRINT(m, "no guest named '%s' (there are no guests)\n", name);
	return MON_NO_GUEST;
}

/* ---- commands ---- */

static bool mon_help(struct monitor *m, const struct mon_cmd *c, uint32_t idx);

static bool mon_list(struct monitor *m, const struct mon_cmd *c, uint32_t idx)
{
	uint32_t n = m->ops->guest_count(m->ops->ctx);
	struct monitor_guest_info gi;
	char mem[24], up[32];

	(void)c, (void)idx;
	if (n == 0) {
		PRINT(m, "no guests\n");
		return true;
	}
	PRINT(m, "%-3s %-16s %-9s %-8s %10s %13s %12s\n", "#", "NAME", "STATE", "CPUS", "MEMORY",
	      "UPTIME", "EXITS");
	for (uint32_t i = 0; i < n; i++) {
		if (!mon_guest(m, i, &gi))
			continue;
		PRINT(m, "%-3u %-16s %-9s %-8s %10s %13s %12llu\n", i + 1, gi.name,
		      gi.state ? gi.state : "?", gi.cpus ? gi.cpus : "-",
		      monitor_format_size(gi.mem_bytes, mem, sizeof(mem)),
		      monitor_format_uptime(gi.uptime_ns, up, sizeof(up)),
		      (unsigned long long)gi.exits);
	}
	return true;
}

/* start, stop, restart: report what the operation returned. */
static bool mon_report(struct monitor *m, const struct mon_cmd *c, uint32_t idx, const char *err)
{
	if (err) {
		PRINT(m, "%s: %s: %s\n", c->name, mon_guest_name(m, idx), err);
		return false;
	}
	return true;
}

static bool mon_start(struct monitor *m, const struct mon_cmd *c, uint32_t idx)
{
	return mon_report(m, c, idx, m->ops->start(m->ops->ctx, idx));
}

static bool mon_stop(struct monitor *m, const struct mon_cmd *c, uint32_t idx)
{
	return mon_report(m, c, idx, m->ops->stop(m->ops->ctx, idx));
}

static bool mon_restart(struct monitor *m, const struct mon_cmd *c, uint32_t idx)
{
	return mon_report(m, c, idx, m->ops->restart(m->ops->ctx, idx));
}

static bool mon_stats(struct monitor *m, const struct mon_cmd *c, uint32_t idx)
{
	const struct monitor_ops *ops = m->ops;
	const char *name = mon_guest_name(m, idx), *err, *why;
	const uint64_t *counts = NULL;
	uint32_t n = 0;
	uint64_t total = 0;

	err = ops->exit_counts(ops->ctx, idx, &counts, &n);
	if (err || (!counts && n)) {
		PRINT(m, "%s: %s: %s\n", c->name, name, err ? err : "no exit counters");
		return false;
	}
	for (uint32_t r = 0; r < n; r++)
		total += counts[r];
	PRINT(m, "%s: %llu exits since start\n", name, (unsigned long long)total);
	for (uint32_t r = 0; r < n; r++) {
		if (!counts[r])
			continue;
		why = ops->exit_name(ops->ctx, r);
		PRINT(m, "  %3u %-32s %12llu\n", r, why ? why : "(unnamed)",
		      (unsigned long long)counts[r]);
	}
	for (uint32_t i = 0; ops->vcpu_line; i++) {
		char line[MONITOR_LINE_MAX * 2];

		if (!ops->vcpu_line(ops->ctx, idx, i, line, sizeof(line)))
			break;
		PRINT(m, "  %s\n", line);
	}
	return true;
}

static bool mon_power(struct monitor *m, const struct mon_cmd *c, uint32_t idx)
{
	const struct monitor_ops *ops = m->ops;
	bool off = c->name[0] == 'p';
	const char *err;

	(void)idx;
	PRINT(m, "%s\n", off ? "powering off" : "rebooting");
	err = off ? ops->poweroff(ops->ctx) : ops->reboot(ops->ctx);
	if (err) {
		PRINT(m, "%s: %s\n", c->name, err);
		return false;
	}
	return true;
}

static const struct mon_cmd mon_cmds[] = {
    {.name = "help", .help = "these commands", .run = mon_help},
    {.name = "list", .help = "guests: state, CPUs, memory, uptime, exits", .run = mon_list},
    {.name = "start", .help = "start a guest", .takes_guest = true, .run = mon_start},
    {.name = "stop", .help = "stop a guest", .takes_guest = true, .run = mon_stop},
    {.name = "restart", .help = "stop and start a guest", .takes_guest = true, .run = mon_restart},
    {.name = "stats",
     .help = "a guest's VM exits by reason",
     .takes_guest = true,
     .run = mon_stats},
    {.name = "poweroff", .help = "power the machine off", .run = mon_power},
    {.name = "reboot", .help = "reset the machine", .run = mon_power},
};

static bool mon_help(struct monitor *m, const struct mon_cmd *c, uint32_t idx)
{
	(void)c, (void)idx;
	PRINT(m, "monitor commands:\n");
	for (uint32_t i = 0; i < ARRAY_SIZE(mon_cmds); i++)
		PRINT(m, "  %-8s %-5s %s\n", mon_cmds[i].name,
		      mon_cmds[i].takes_guest ? "NAME" : "", mon_cmds[i].help);
	return true;
}

/* ---- parsing ---- */

/* Split buf in place at blanks; returns the number of words (<= max). */
static uint32_t mon_split(char *buf, char **argv, uint32_t max)
{
	uint32_t argc = 0;
	char *p = buf;

	while (*p && argc < max) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (*p) /* a word beyond max: cut it off at its blank */
		*p = '\0';
	return argc;
}

static const struct mon_cmd *mon_lookup(const char *name)
{
	for (uint32_t i = 0; i < ARRAY_SIZE(mon_cmds); i++)
		if (strcmp(mon_cmds[i].name, name) == 0)
			return &mon_cmds[i];
	return NULL;
}

/* Check the argument count against c; print the problem when it is wrong. */
static bool mon_check_args(struct monitor *m, const struct mon_cmd *c, uint32_t argc, char **argv)
{
	if (c->takes_guest && argc < 2) {
		PRINT(m, "%s: missing guest name (usage: %s NAME)\n", c->name, c->name);
		return false;
	}
	if (c->takes_guest && argc > 2) {
		PRINT(m, "%s: unexpected argument '%s' (usage: %s NAME)\n", c->name, argv[2],
		      c->name);
		return false;
	}
	if (!c->takes_guest && argc > 1) {
		PRINT(m, "%s: takes no arguments, got '%s'\n", c->name, argv[1]);
		return false;
	}
	return true;
}

bool monitor_exec(struct monitor *m, const char *line)
{
	char buf[MONITOR_LINE_MAX];
	char *argv[MON_MAX_ARGS];
	uint32_t argc, idx = MON_NO_GUEST;
	const struct mon_cmd *c;

	if (strlen(line) >= sizeof(buf)) {
		PRINT(m, "line too long (max %u characters)\n", MONITOR_LINE_MAX - 1);
		return false;
	}
	strlcpy(buf, line, sizeof(buf));
	argc = mon_split(buf, argv, MON_MAX_ARGS);
	if (argc == 0)
		return true;
	c = mon_lookup(argv[0]);
	if (!c) {
		PRINT(m, "unknown command '%s' (type help)\n", argv[0]);
		return false;
	}
	if (!mon_check_args(m, c, argc, argv))
		return false;
	if (c->takes_guest) {
		idx = mon_find_guest(m, argv[1]);
		if (idx == MON_NO_GUEST)
			return false;
	}
	return c->run(m, c, idx);
}

/* ---- line editor ---- */

void monitor_init(struct monitor *m, const struct monitor_ops *ops)
{
	memset(m, 0, sizeof(*m));
	m->ops = ops;
}

void monitor_prompt(struct monitor *m)
{
	PRINT(m, "%s%.*s", MONITOR_PROMPT, (int)m->len, m->line);
}

static void mon_erase_line(struct monitor *m)
{
	for (; m->len; m->len--)
		PRINT(m, "\b \b");
}

static void mon_enter(struct monitor *m)
{
	PRINT(m, "\n");
	if (!m->overflowed) {
		m->line[m->len] = '\0';
		monitor_exec(m, m->line);
	}
	m->len = 0;
	m->overflowed = false;
	monitor_prompt(m);
}

static void mon_insert(struct monitor *m, char ch)
{
	if (m->overflowed)
		return;
	if (m->len + 1 >= MONITOR_LINE_MAX) {
		m->overflowed = true;
		PRINT(m, "\nline too long (max %u characters): discarded up to Enter\n",
		      MONITOR_LINE_MAX - 1);
		return;
	}
	m->line[m->len++] = ch;
	PRINT(m, "%c", ch);
}

/* ESC [ params final, or ESC O final (arrow and function keys): swallowed. */
static bool mon_in_escape(struct monitor *m, uint8_t byte)
{
	switch (m->esc) {
	case 0:
		if (byte != 0x1b)
			return false;
		m->esc = 1;
		return true;
	case 1:
		m->esc = (byte == '[' || byte == 'O') ? 2 : 0;
		return true;
	default:
		if (byte < 0x20 || byte > 0x3f) /* a final byte (or junk) ends it */
			m->esc = 0;
		return true;
	}
}

void monitor_feed(struct monitor *m, uint8_t byte)
{
	bool after_cr = m->after_cr;

	m->after_cr = false;
	if (mon_in_escape(m, byte))
		return;
	switch (byte) {
	case '\n':
		if (!after_cr)
			mon_enter(m);
		break;
	case '\r':
		m->after_cr = true;
		mon_enter(m);
		break;
	case 0x08: /* Backspace */
	case 0x7f: /* DEL, what most terminals send for Backspace */
		if (m->len && !m->overflowed) {
			m->len--;
			PRINT(m, "\b \b");
		}
		break;
	case 0x15: /* Ctrl-U */
		if (m->overflowed) {
			m->len = 0;
			m->overflowed = false;
			monitor_prompt(m);
		} else {
			mon_erase_line(m);
		}
		break;
	case 0x03: /* Ctrl-C */
		PRINT(m, "^C\n");
		m->len = 0;
		m->overflowed = false;
		monitor_prompt(m);
		break;
	case '\t':
		mon_insert(m, ' ');
		break;
	default:
		if (byte >= 0x20 && byte < 0x7f)
			mon_insert(m, (char)byte);
		break;
	}
}
