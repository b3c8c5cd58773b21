/*
 * config.c - hv.cfg parser and validator (check, then apply).
 *
 * One pass over the lines fills struct hv_config and reports every problem a
 * single line can show (syntax, unknown keys, bad values, cpus or memory the
 * machine lacks, missing files); a second pass checks what only the whole
 * file can tell (missing keys, a cpu given to two guests, total memory).
 * Nothing here changes hypervisor state: the caller starts guests only when
 * config_parse() returns 0.  The same file is compiled into tools/hvcfg, so
 * it stays freestanding: no allocation, no recursion, bounded work.
 * Values are described in include/hv/config.h and docs/config.md.
 */
#include <hv/printk.h>
#include "config_internal.h"

/* ---- reporting ---------------------------------------------------------- */

void config_problem(struct parser *p, uint32_t line, const char *fmt, ...)
{
	char msg[CONFIG_MSG_MAX];
	va_list ap;

	p->errors++;
	if (!p->report)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->report(p->ctx, p->filename, line, msg);
}

/* v as a C string for a message, shortened to QUOTE_MAX characters + "...". */
const char *config_quote(char buf[QUOTE_MAX + 4], struct span v)
{
	size_t n = MIN(v.n, (size_t)QUOTE_MAX);

	memcpy(buf, v.s, n);
	if (n < v.n) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

/* ---- suggestions -------------------------------------------------------- */

#define SUGGEST_MAX_LEN 24

/* Optimal string alignment distance (Levenshtein plus adjacent swaps), on
 * three rolling rows; strings longer than SUGGEST_MAX_LEN count as far. */
static size_t edit_distance(struct span a, const char *b)
{
	size_t rows[3][SUGGEST_MAX_LEN + 1], bn = strlen(b);

	if (a.n > SUGGEST_MAX_LEN || bn > SUGGEST_MAX_LEN)
		return SIZE_MAX;
	for (size_t j = 0; j <= bn; j++)
		rows[0][j] = j;
	for (size_t i = 1; i <= a.n; i++) {
		size_t *cur = rows[i % 3], *prev = rows[(i - 1) % 3], *prev2 = rows[(i + 1) % 3];

		cur[0] = i;
		for (size_t j = 1; j <= bn; j++) {
			size_t cost = to_lower(a.s[i - 1]) != b[j - 1];
			size_t d = MIN(MIN(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);

			if (i > 1 && j > 1 && to_lower(a.s[i - 1]) == b[j - 2] &&
			    to_lower(a.s[i - 2]) == b[j - 1])
				d = MIN(d, prev2[j - 2] + 1);
			cur[j] = d;
		}
	}
	return rows[a.n % 3][bn];
}

/* The closest of names[] to word when it is close enough to be a typo. */
static const char *suggest(struct span word, const char *const *names, size_t count)
{
	const char *best = NULL;
	size_t best_d = 3; /* at most 2 edits ... */

	for (size_t i = 0; i < count; i++) {
		size_t d = edit_distance(word, names[i]);

		if (d < best_d && d < strlen(names[i])) { /* ... and not the whole word */
			best_d = d;
			best = names[i];
		}
	}
	return best;
}

static const struct key_desc *find_key(const struct key_desc *keys, size_t count, struct span k)
{
	for (size_t i = 0; i < count; i++)
		if (span_eq(k, keys[i].name))
			return &keys[i];
	return NULL;
}

static void unknown_key(struct parser *p, struct span key)
{
	bool in_hv = p->section == SEC_HV;
	const struct key_desc *mine = in_hv ? config_hv_keys : config_guest_keys;
	size_t count = in_hv ? ARRAY_SIZE(config_hv_keys) : ARRAY_SIZE(config_guest_keys);
	const char *names[CONFIG_GKEY_COUNT], *best;
	char where[CONFIG_NAME_MAX + 16], q[QUOTE_MAX + 4];

	if (in_hv)
		snprintf(where, sizeof(where), "[hypervisor]");
	else
		snprintf(where, sizeof(where), "[guest %s]", p->guest->name);
	if (in_hv ? find_key(config_guest_keys, ARRAY_SIZE(config_guest_keys), key)
		  : find_key(config_hv_keys, ARRAY_SIZE(config_hv_keys), key)) {
		config_problem(p, p->line, "unknown key '%s' in %s: it belongs in %s",
			       config_quote(q, key), where,
			       in_hv ? "a [guest NAME] section" : "[hypervisor]");
		return;
	}
	for (size_t i = 0; i < count; i++)
		names[i] = mine[i].name;
	best = suggest(key, names, count);
	if (best)
		config_problem(p, p->line, "unknown key '%s' in %s (did you mean '%s'?)",
			       config_quote(q, key), where, best);
	else
		config_problem(p, p->line, "unknown key '%s' in %s", config_quote(q, key), where);
}

/* ---- lines -------------------------------------------------------------- */

static bool is_name_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c == '-';
}

static void init_guest(struct config_guest *g, struct span name, uint32_t line)
{
	memset(g, 0, sizeof(*g));
	span_copy(g->name, sizeof(g->name), name);
	g->line = line;
	g->on_poweroff = CONFIG_ACTION_STOP;
	g->on_crash = CONFIG_ACTION_STOP;
	g->weight = 1;
}

/* False (reported) when name cannot be a guest name. */
static bool check_guest_name(struct parser *p, struct span name)
{
	char q[QUOTE_MAX + 4];

	if (name.n == 0) {
		config_problem(p, p->line, "[guest] needs a name: [guest NAME]");
		return false;
	}
	for (size_t i = 0; i < name.n; i++) {
		if (!is_name_char(name.s[i])) {
			config_problem(p, p->line,
				       "bad guest name '%s': use only letters, digits, '_' and '-'",
				       config_quote(q, name));
			return false;
		}
	}
	if (name.n >= CONFIG_NAME_MAX) {
		config_problem(p, p->line,
			       "guest name '%s' is too long (%zu characters, at most %d)",
			       config_quote(q, name), name.n, CONFIG_NAME_MAX - 1);
		return false;
	}
	/* A guest's console lines are printed as "NAME: text": a guest named
	 * hv could forge the hypervisor's own "hv: ..." lines. */
	if (name.n == 2 && name.s[0] == 'h' && name.s[1] == 'v') {
		config_problem(p, p->line,
			       "guest name 'hv' is reserved for the hypervisor's own log");
		return false;
	}
	return true;
}

/* "[guest NAME]": a new guest, or the scratch slot when it cannot be one. */
static void open_guest(struct parser *p, struct span name)
{
	struct hv_config *cfg = p->cfg;

	p->saw_guest = true; /* even a bad one: "nothing to run" would only repeat it */
	if (!check_guest_name(p, name)) {
		p->section = SEC_SKIP;
		return;
	}
	p->section = SEC_GUEST;
	p->guest = &cfg->scratch;
	for (uint32_t i = 0; i < cfg->guest_count; i++) {
		if (span_eq(name, cfg->guests[i].name)) {
			config_problem(p, p->line, "duplicate guest name '%s' (first at line %u)",
				       cfg->guests[i].name, cfg->guests[i].line);
			init_guest(p->guest, name, p->line);
			return;
		}
	}
	if (cfg->guest_count == CONFIG_MAX_GUESTS)
		config_problem(p, p->line, "too many guests: at most %d", CONFIG_MAX_GUESTS);
	else
		p->guest = &cfg->guests[cfg->guest_count++];
	init_guest(p->guest, name, p->line);
}

static void open_hypervisor(struct parser *p, struct span rest)
{
	p->section = SEC_HV;
	if (rest.n)
		config_problem(p, p->line, "[hypervisor] takes no name");
	if (p->cfg->hv.line)
		config_problem(p, p->line, "duplicate section [hypervisor] (first at line %u)",
			       p->cfg->hv.line);
	else
		p->cfg->hv.line = p->line;
}

/* t is the whole trimmed line, starting with '['. */
static void section_header(struct parser *p, struct span t)
{
	static const char *const kinds[] = {"hypervisor", "guest"};
	char q[QUOTE_MAX + 4];
	struct span inner, kind, rest;
	const char *best;

	p->section = SEC_SKIP;
	if (t.s[t.n - 1] != ']') {
		config_problem(p, p->line, "bad section header '%s': missing ']' at the end",
			       config_quote(q, t));
		return;
	}
	inner = trim((struct span){t.s + 1, t.n - 2});
	rest = split_word(inner, &kind);
	if (span_eq(kind, "hypervisor"))
		open_hypervisor(p, rest);
	else if (span_eq(kind, "guest"))
		open_guest(p, rest);
	else if ((best = suggest(kind, kinds, ARRAY_SIZE(kinds))))
		config_problem(p, p->line, "unknown section '%s' (did you mean [%s%s]?)",
			       config_quote(q, t), best, best[0] == 'g' ? " NAME" : "");
	else
		config_problem(p, p->line,
			       "unknown section '%s': expected [hypervisor] or [guest NAME]",
			       config_quote(q, t));
}

static bool is_key_name(struct span k)
{
	for (size_t i = 0; i < k.n; i++)
		if (!is_name_char(k.s[i]))
			return false;
	return k.n > 0;
}

/* t is the whole trimmed line, not a header: "key = value". */
static void key_line(struct parser *p, struct span t)
{
	char q[QUOTE_MAX + 4];
	struct span key, value;
	const struct key_desc *d;
	uint32_t *lines;
	bool has_eq;

	value = trim(split_at(t, '=', &key, &has_eq));
	key = trim(key);
	if (!has_eq || !is_key_name(key)) {
		config_problem(p, p->line, "expected 'key = value', not '%s'", config_quote(q, t));
		return;
	}
	if (p->section == SEC_NONE) {
		config_problem(
		    p, p->line,
		    "key '%s' is outside any section: put it under [hypervisor] or [guest NAME]",
		    config_quote(q, key));
		return;
	}
	if (p->section == SEC_SKIP)
		return; /* the bad header was reported; its keys mean nothing */
	if (p->section == SEC_HV) {
		d = find_key(config_hv_keys, ARRAY_SIZE(config_hv_keys), key);
		lines = p->cfg->hv.key_line;
	} else {
		d = find_key(config_guest_keys, ARRAY_SIZE(config_guest_keys), key);
		lines = p->guest->key_line;
	}
	if (!d) {
		unknown_key(p, key);
		return;
	}
	if (lines[d->index] && !(d->flags & KEY_REPEATABLE)) {
		config_problem(p, p->line, "duplicate key '%s' (first set at line %u)", d->name,
			       lines[d->index]);
		return;
	}
	if (!lines[d->index])
		lines[d->index] = p->line;
	if (value.n == 0 && !(d->flags & KEY_MAY_BE_EMPTY))
		config_problem(p, p->line, "key '%s' has no value", d->name);
	else
		d->set(p, value);
}

/* Cut a comment: '#' at the start or after a space or tab (docs/config.md). */
static struct span strip_comment(struct span l)
{
	for (size_t i = 0; i < l.n; i++)
		if (l.s[i] == '#' && (i == 0 || is_space(l.s[i - 1])))
			return (struct span){l.s, i};
	return l;
}

/* One line without its line ending. */
static void parse_line(struct parser *p, struct span l)
{
	struct span t;

	if (l.n > CONFIG_LINE_MAX) {
		config_problem(p, p->line, "line is too long (%zu characters, at most %d)", l.n,
			       CONFIG_LINE_MAX);
		return;
	}
	for (size_t i = 0; i < l.n; i++) {
		unsigned char c = (unsigned char)l.s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			config_problem(p, p->line, "control character 0x%02x in column %zu", c,
				       i + 1);
			return;
		}
	}
	t = trim(strip_comment(l));
	if (t.n == 0)
		return;
	if (t.s[0] == '[')
		section_header(p, t);
	else
		key_line(p, t);
}

/* ---- whole-file checks -------------------------------------------------- */

static void check_required(struct parser *p, const struct config_guest *g)
{
	if (!g->key_line[CONFIG_GKEY_KERNEL])
		config_problem(p, g->line, "guest '%s' has no kernel: add kernel = PATH", g->name);
	if (!g->key_line[CONFIG_GKEY_CPUS])
		config_problem(p, g->line,
			       "guest '%s' has no cpus: add cpus = LIST (for example cpus = 1-2)",
			       g->name);
	if (!g->key_line[CONFIG_GKEY_MEMORY])
		config_problem(
		    p, g->line,
		    "guest '%s' has no memory: add memory = SIZE (for example memory = 64M)",
		    g->name);
}

static uint32_t cpu_set_count(const uint64_t set[CONFIG_CPU_WORDS])
{
	uint32_t n = 0;

	/* Clearing the lowest set bit: __builtin_popcountll would call libgcc,
	 * which the hypervisor does not link. */
	for (size_t w = 0; w < CONFIG_CPU_WORDS; w++)
		for (uint64_t bits = set[w]; bits; bits &= bits - 1)
			n++;
	return n;
}

/* Guest g (later in the file) wants the cpus in clash, which guest o holds. */
static void report_clash(struct parser *p, const struct config_guest *g,
			 const struct config_guest *o, const uint64_t clash[CONFIG_CPU_WORDS])
{
	static const char never[] = "a cpu that any guest holds without shared = yes can never "
				    "be shared";
	bool many = cpu_set_count(clash) > 1;
	uint32_t line = g->key_line[CONFIG_GKEY_CPUS];
	char list[CONFIG_MSG_MAX / 2];

	config_format_cpus(clash, list, sizeof(list));
	if (!o->shared && !g->shared)
		config_problem(p, line, "cpu%s %s %s already given to guest '%s' (line %u)",
			       many ? "s" : "", list, many ? "are" : "is", o->name,
			       o->key_line[CONFIG_GKEY_CPUS]);
	else if (!o->shared)
		config_problem(
		    p, line,
		    "cpu%s %s %s already given to guest '%s' (line %u) without shared = yes: %s",
		    many ? "s" : "", list, many ? "are" : "is", o->name,
		    o->key_line[CONFIG_GKEY_CPUS], never);
	else
		config_problem(
		    p, line,
		    "cpu%s %s %s shared by guest '%s' (line %u), but guest '%s' does not say "
		    "shared = yes: %s",
		    many ? "s" : "", list, many ? "are" : "is", o->name,
		    o->key_line[CONFIG_GKEY_CPUS], g->name, never);
}

/* A cpu belongs to one guest, unless every guest holding it says shared = yes.
 * Guest j is checked against the guests before it; each of its cpus is
 * reported once, against the first guest that holds it. */
static void check_cpu_clashes(struct parser *p, uint32_t j)
{
	const struct config_guest *g = &p->cfg->guests[j];
	uint64_t reported[CONFIG_CPU_WORDS] = {0};

	for (uint32_t i = 0; i < j; i++) {
		const struct config_guest *o = &p->cfg->guests[i];
		uint64_t clash[CONFIG_CPU_WORDS];
		bool any = false;

		if (g->shared && o->shared)
			continue;
		for (size_t w = 0; w < CONFIG_CPU_WORDS; w++) {
			clash[w] = g->cpus[w] & o->cpus[w] & ~reported[w];
			reported[w] |= clash[w];
			any |= clash[w] != 0;
		}
		if (any)
			report_clash(p, g, o, clash);
	}
}

/* Each guest fits alone (checked per line); here: do they fit together? */
static void check_total_memory(struct parser *p)
{
	uint64_t machine = p->env ? p->env->memory : 0, total = 0;
	const struct config_guest *first_over = NULL;
	char need[24], have[24];

	if (!machine)
		return;
	for (uint32_t i = 0; i < p->cfg->guest_count; i++) {
		total += p->cfg->guests[i].memory;
		if (total > machine && !first_over)
			first_over = &p->cfg->guests[i];
	}
	if (!first_over)
		return;
	config_format_size(total, need, sizeof(need));
	config_format_size(machine, have, sizeof(have));
	config_problem(p, first_over->key_line[CONFIG_GKEY_MEMORY],
		       "the guests need %s of memory in total but the machine has %s "
		       "(guest '%s' is the first that does not fit)",
		       need, have, first_over->name);
}

uint32_t config_vcpu_cpu(const struct config_guest *g, uint32_t index)
{
	uint32_t want, seen = 0;

	if (!g->cpu_count)
		return CONFIG_MAX_CPUS;
	want = index % g->cpu_count;
	for (uint32_t cpu = 0; cpu < CONFIG_MAX_CPUS; cpu++) {
		if (!(g->cpus[cpu / 64] & (1ULL << (cpu % 64))))
			continue;
		if (seen++ == want)
			return cpu;
	}
	return CONFIG_MAX_CPUS;
}

/* A shared CPU's run queue holds at most CONFIG_MAX_VCPUS_PER_CPU vCPUs:
 * name the guest whose vCPU is the first one too many, once per cpu. */
static void check_vcpus_per_cpu(struct parser *p)
{
	static uint8_t load[CONFIG_MAX_CPUS];
	const struct hv_config *cfg = p->cfg;

	memset(load, 0, sizeof(load));
	for (uint32_t i = 0; i < cfg->guest_count; i++) {
		const struct config_guest *g = &cfg->guests[i];

		for (uint32_t n = 0; n < g->vcpus && g->cpu_count; n++) {
			uint32_t cpu = config_vcpu_cpu(g, n);

			if (cpu >= CONFIG_MAX_CPUS || load[cpu] > CONFIG_MAX_VCPUS_PER_CPU)
				continue;
			if (++load[cpu] > CONFIG_MAX_VCPUS_PER_CPU)
				config_problem(p, g->line,
					       "cpu %u would carry more than %u vcpus (guest '%s' "
					       "adds the %uth)",
					       cpu, CONFIG_MAX_VCPUS_PER_CPU, g->name, load[cpu]);
		}
	}
}

static void check_whole_file(struct parser *p)
{
	struct hv_config *cfg = p->cfg;

	if (!p->saw_guest)
		config_problem(p, 0, "no [guest NAME] section: there is nothing to run");
	for (uint32_t i = 0; i < cfg->guest_count; i++) {
		struct config_guest *g = &cfg->guests[i];

		check_required(p, g);
		check_cpu_clashes(p, i);
		if (!g->key_line[CONFIG_GKEY_VCPUS])
			g->vcpus = g->cpu_count;
	}
	check_vcpus_per_cpu(p);
	check_total_memory(p);
}

static void init_config(struct hv_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->hv.console_port = 0x3f8; /* com1 */
	cfg->hv.console_baud = 115200;
	cfg->hv.when_idle = CONFIG_IDLE_POWEROFF;
	cfg->hv.loglevel = LOG_INFO;
	cfg->hv.slice_ns = CONFIG_SLICE_DEFAULT_NS;
}

int config_parse(const char *text, size_t len, const char *filename, const struct config_env *env,
		 struct hv_config *out, config_report_fn report, void *ctx)
{
	struct parser p = {
	    .filename = filename ? filename : "config",
	    .env = env,
	    .cfg = out,
	    .report = report,
	    .ctx = ctx,
	    .section = SEC_NONE,
	};
	size_t pos = 0;

	init_config(out);
	if (!text)
		len = 0;
	while (pos < len) {
		size_t end = pos;
		struct span l;

		while (end < len && text[end] != '\n')
			end++;
		l = (struct span){text + pos, end - pos};
		if (l.n && l.s[l.n - 1] == '\r')
			l.n--; /* CRLF */
		p.line++;
		parse_line(&p, l);
		pos = end + 1;
	}
	check_whole_file(&p);
	return p.errors;
}
