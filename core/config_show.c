/*
 * config_show.c - a parsed hv.cfg as text: cpu lists, sizes and the layout
 * table that "hvcfg show" prints and the boot log can print.
 */
#include <hv/config.h>
#include <hv/lib.h>
#include <hv/printk.h>

/* Append to buf[size] at *used, keeping it terminated and *used <= size. */
static __printf(4, 5) void append(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, size - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used = MIN(size, *used + (size_t)n);
}

static bool has_cpu(const uint64_t cpus[CONFIG_CPU_WORDS], uint32_t c)
{
	return c < CONFIG_MAX_CPUS && (cpus[c / 64] & BIT(c % 64));
}

void config_format_cpus(const uint64_t cpus[CONFIG_CPU_WORDS], char *buf, size_t size)
{
	size_t used = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (uint32_t c = 0; c < CONFIG_MAX_CPUS; c++) {
		uint32_t last = c;

		if (!has_cpu(cpus, c))
			continue;
		while (has_cpu(cpus, last + 1))
			last++;
		append(buf, size, &used, used ? "," : "");
		if (last == c)
			append(buf, size, &used, "%u", c);
		else
			append(buf, size, &used, "%u-%u", c, last);
		c = last;
	}
	if (used == 0)
		append(buf, size, &used, "-");
}

void config_format_size(uint64_t bytes, char *buf, size_t size)
{
	static const struct {
		uint64_t unit;
		char suffix;
	} units[] = {{GiB, 'G'}, {MiB, 'M'}, {KiB, 'K'}};

	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (bytes && bytes % units[i].unit == 0) {
			snprintf(buf, size, "%llu%c", (unsigned long long)(bytes / units[i].unit),
				 units[i].suffix);
			return;
		}
	}
	snprintf(buf, size, "%llu", (unsigned long long)bytes);
}

static const char *console_name(uint16_t port, char *buf, size_t size)
{
	static const uint16_t ports[] = {0x3f8, 0x2f8, 0x3e8, 0x2e8};

	if (port == 0)
		return "none";
	for (size_t i = 0; i < ARRAY_SIZE(ports); i++) {
		if (ports[i] == port) {
			snprintf(buf, size, "com%zu", i + 1);
			return buf;
		}
	}
	snprintf(buf, size, "0x%x", port);
	return buf;
}

static void describe_hypervisor(const struct config_hypervisor *hv,
				void (*print)(void *ctx, const char *line), void *ctx)
{
	static const char *const idle[] = {
	    [CONFIG_IDLE_POWEROFF] = "poweroff",
	    [CONFIG_IDLE_HALT] = "halt",
	    [CONFIG_IDLE_REBOOT] = "reboot",
	};
	static const char *const levels[] = {
	    [LOG_ERR] = "err", [LOG_WARN] = "warn", [LOG_INFO] = "info", [LOG_DEBUG] = "debug"};
	char line[160], port[16], baud[16] = "";

	if (hv->console_port)
		snprintf(baud, sizeof(baud), ",%u", hv->console_baud);
	snprintf(line, sizeof(line), "hypervisor: console %s%s  when_idle %s  log %s",
		 console_name(hv->console_port, port, sizeof(port)), baud,
		 (unsigned)hv->when_idle < ARRAY_SIZE(idle) ? idle[hv->when_idle] : "?",
		 (unsigned)hv->loglevel < ARRAY_SIZE(levels) ? levels[hv->loglevel] : "?");
	if (hv->slice_ns != CONFIG_SLICE_DEFAULT_NS) {
		size_t used = strlen(line);

		snprintf(line + used, sizeof(line) - used, "  slice %lluus",
			 (unsigned long long)(hv->slice_ns / 1000));
	}
	print(ctx, line);
}

static const char *action_name(enum config_action a)
{
	return a == CONFIG_ACTION_RESTART ? "restart" : "stop";
}

/* One row of the guest table; columns match the header in config_describe. */
static void describe_guest_row(const struct config_guest *g,
			       void (*print)(void *ctx, const char *line), void *ctx)
{
	char line[400], cpus[200], mem[24];

	config_format_cpus(g->cpus, cpus, sizeof(cpus));
	config_format_size(g->memory, mem, sizeof(mem));
	snprintf(line, sizeof(line), "%-16s %-12s %5u %7s %-6s %6u  %-11s %s", g->name, cpus,
		 g->vcpus, mem, g->shared ? "yes" : "no", g->weight, action_name(g->on_poweroff),
		 action_name(g->on_crash));
	print(ctx, line);
}

/* The files and command line of one guest, under its name. */
static void describe_guest_files(const struct config_guest *g,
				 void (*print)(void *ctx, const char *line), void *ctx)
{
	char line[CONFIG_CMDLINE_MAX + 32];

	snprintf(line, sizeof(line), "guest %s (line %u):", g->name, g->line);
	print(ctx, line);
	snprintf(line, sizeof(line), "  kernel   %s", g->kernel);
	print(ctx, line);
	if (g->initrd[0]) {
		snprintf(line, sizeof(line), "  initrd   %s", g->initrd);
		print(ctx, line);
	}
	for (uint32_t i = 0; i < g->module_count; i++) {
		const struct config_module *m = &g->modules[i];

		snprintf(line, sizeof(line), "  module   %s%s%s", m->path, m->args[0] ? "  " : "",
			 m->args);
		print(ctx, line);
	}
	snprintf(line, sizeof(line), "  cmdline  %s", g->cmdline[0] ? g->cmdline : "(empty)");
	print(ctx, line);
}

/* Which cpus and how much memory the guests take altogether. */
static void describe_totals(const struct hv_config *cfg, void (*print)(void *ctx, const char *line),
			    void *ctx)
{
	uint64_t all[CONFIG_CPU_WORDS] = {0}, memory = 0;
	char line[256], cpus[200], mem[24];

	for (uint32_t i = 0; i < cfg->guest_count; i++) {
		for (size_t w = 0; w < CONFIG_CPU_WORDS; w++)
			all[w] |= cfg->guests[i].cpus[w];
		memory += cfg->guests[i].memory;
	}
	config_format_cpus(all, cpus, sizeof(cpus));
	config_format_size(memory, mem, sizeof(mem));
	snprintf(line, sizeof(line), "total: %u guest%s, cpus %s, memory %s", cfg->guest_count,
		 cfg->guest_count == 1 ? "" : "s", cpus, mem);
	print(ctx, line);
}

void config_describe(const struct hv_config *cfg, void (*print)(void *ctx, const char *line),
		     void *ctx)
{
	describe_hypervisor(&cfg->hv, print, ctx);
	print(ctx, "");
	print(ctx,
	      "guest            cpus         vcpus  memory shared weight  on_poweroff on_crash");
	for (uint32_t i = 0; i < cfg->guest_count; i++)
		describe_guest_row(&cfg->guests[i], print, ctx);
	describe_totals(cfg, print, ctx);
	for (uint32_t i = 0; i < cfg->guest_count; i++) {
		print(ctx, "");
		describe_guest_files(&cfg->guests[i], print, ctx);
	}
}
