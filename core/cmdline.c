/*
 * cmdline.c - parse the hypervisor's own command line (include/hv/cmdline.h).
 *
 * Runs before the console exists, so it cannot print: the first bad token
 * is copied to opt->bad_option for hv_main() to report once serial output
 * works.  A bad or unknown option never stops the boot; it leaves the value
 * it would have set untouched.  Tokens are separated by spaces, tabs or
 * newlines; a repeated option overrides the earlier one.
 */
#include <hv/cmdline.h>
#include <hv/lib.h>
#include <hv/printk.h>

#define CMDLINE_DEFAULT_PORT 0x3f8
#define CMDLINE_DEFAULT_BAUD 115200
/* The 16550's clock gives 115200 baud at divisor 1 (the divisor latch is 16 bits). */
#define UART_BASE_BAUD 115200
/* A 16550 decodes 8 consecutive ports. */
#define UART_MAX_PORT 0xfff8

/* A (pointer, length) view of part of the command line; never NUL-terminated. */
struct token {
	const char *s;
	size_t len;
};

static const struct {
	const char *name;
	uint16_t port;
} console_names[] = {
    {"com1", 0x3f8},  {"com2", 0x2f8},	{"com3", 0x3e8},  {"com4", 0x2e8},
    {"ttyS0", 0x3f8}, {"ttyS1", 0x2f8}, {"ttyS2", 0x3e8}, {"ttyS3", 0x2e8},
};

static const char *const loglevel_names[] = {
    [LOG_ERR] = "err",
    [LOG_WARN] = "warn",
    [LOG_INFO] = "info",
    [LOG_DEBUG] = "debug",
};

static bool tok_eq(struct token t, const char *s)
{
	return strlen(s) == t.len && strncmp(t.s, s, t.len) == 0;
}

/* The first c in t, or NULL (lib.h has no memchr). */
static const char *tok_find(struct token t, char c)
{
	for (size_t i = 0; i < t.len; i++) {
		if (t.s[i] == c)
			return t.s + i;
	}
	return NULL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* A console name or an I/O port number (decimal or 0x-hex) to a port. */
static bool parse_console_port(struct token t, uint16_t *port)
{
	uint64_t v;

	for (size_t i = 0; i < ARRAY_SIZE(console_names); i++) {
		if (tok_eq(t, console_names[i].name)) {
			*port = console_names[i].port;
			return true;
		}
	}
	if (!parse_u64(t.s, t.len, &v) || v == 0 || v > UART_MAX_PORT)
		return false;
	*port = (uint16_t)v;
	return true;
}

/*
 * Any rate the UART can produce exactly: 115200 / divisor, for a 16-bit
 * divisor.  Decimal only: parse_u64 would read "0300" as octal 192.
 */
static bool parse_baud(struct token t, uint32_t *baud)
{
	uint64_t v;

	for (size_t i = 0; i < t.len; i++) {
		if (t.s[i] < '0' || t.s[i] > '9' || (i == 0 && t.s[i] == '0'))
			return false;
	}
	if (!parse_u64(t.s, t.len, &v) || v == 0 || v > UART_BASE_BAUD)
		return false;
	if (UART_BASE_BAUD % v != 0 || UART_BASE_BAUD / v > 0xffff)
		return false;
	*baud = (uint32_t)v;
	return true;
}

/* console=none | NAME | PORT, optionally followed by ",BAUD". */
static bool parse_console(struct token v, struct hv_options *opt)
{
	const char *comma = tok_find(v, ',');
	struct token name = {v.s, comma ? (size_t)(comma - v.s) : v.len};
	uint16_t port;
	uint32_t baud = CMDLINE_DEFAULT_BAUD;

	if (tok_eq(v, "none")) {
		opt->console_port = 0;
		opt->console_given = true;
		return true;
	}
	if (!parse_console_port(name, &port))
		return false;
	if (comma && !parse_baud((struct token){comma + 1, v.len - name.len - 1}, &baud))
		return false;
	opt->console_port = port;
	opt->console_baud = baud;
	opt->console_given = true;
	return true;
}

static bool parse_loglevel(struct token v, struct hv_options *opt)
{
	uint64_t n;

	for (size_t i = 0; i < ARRAY_SIZE(loglevel_names); i++) {
		if (tok_eq(v, loglevel_names[i])) {
			opt->loglevel = (int)i;
			opt->loglevel_given = true;
			return true;
		}
	}
	if (!parse_u64(v.s, v.len, &n) || n > LOG_DEBUG)
		return false;
	opt->loglevel = (int)n;
	opt->loglevel_given = true;
	return true;
}

/* A switch's value: "on" or "off" into *on; false for anything else. */
static bool parse_on_off(struct token v, bool *on)
{
	if (tok_eq(v, "on"))
		*on = true;
	else if (tok_eq(v, "off"))
		*on = false;
	else
		return false;
	return true;
}

/* timestamps=on | off (the bare word "timestamps" is on). */
static bool parse_timestamps(struct token v, struct hv_options *opt)
{
	return parse_on_off(v, &opt->timestamps);
}

/* apicv=on | off. */
static bool parse_apicv(struct token v, struct hv_options *opt)
{
	bool on;

	if (!parse_on_off(v, &on))
		return false;
	opt->apicv_off = !on;
	return true;
}

/* One "key=value" token or a bare flag word; false when the key is unknown
 * or the value bad. */
static bool parse_option(struct token t, struct hv_options *opt)
{
	const char *eq = tok_find(t, '=');
	struct token key, val;

	if (!eq)
		return tok_eq(t, "timestamps") && parse_timestamps((struct token){"on", 2}, opt);
	key = (struct token){t.s, (size_t)(eq - t.s)};
	val = (struct token){eq + 1, t.len - key.len - 1};
	if (tok_eq(key, "console"))
		return parse_console(val, opt);
	if (tok_eq(key, "loglevel"))
		return parse_loglevel(val, opt);
	if (tok_eq(key, "timestamps"))
		return parse_timestamps(val, opt);
	if (tok_eq(key, "apicv"))
		return parse_apicv(val, opt);
	return false;
}

bool cmdline_parse(const char *cmdline, struct hv_options *opt)
{
	const char *p = cmdline;
	bool ok = true;

	memset(opt, 0, sizeof(*opt));
	opt->console_port = CMDLINE_DEFAULT_PORT;
	opt->console_baud = CMDLINE_DEFAULT_BAUD;
	opt->loglevel = LOG_INFO;
	while (p && *p) {
		struct token t = {p, 0};

		if (is_space(*p)) {
			p++;
			continue;
		}
		while (p[t.len] && !is_space(p[t.len]))
			t.len++;
		p += t.len;
		if (parse_option(t, opt))
			continue;
		if (ok) {
			size_t n = MIN(t.len, sizeof(opt->bad_option) - 1);

			memcpy(opt->bad_option, t.s, n);
			opt->bad_option[n] = '\0';
		}
		ok = false;
	}
	return ok;
}
