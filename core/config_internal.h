/*
 * config_internal.h - what the two halves of the hv.cfg parser share:
 * core/config.c (lines, sections, whole-file checks) and core/config_values.c
 * (the value of each key).  Not for use outside core/config*.c.
 */
#ifndef HV_CONFIG_INTERNAL_H
#define HV_CONFIG_INTERNAL_H

#include <hv/config.h>
#include <hv/lib.h>

/* A piece of the input text; never NUL-terminated. */
struct span {
	const char *s;
	size_t n;
};

enum section {
	SEC_NONE,  /* before the first header */
	SEC_HV,	   /* [hypervisor] */
	SEC_GUEST, /* [guest NAME]: keys go to p->guest */
	SEC_SKIP,  /* after a bad header: its keys cannot be checked */
};

struct parser {
	const char *filename;
	const struct config_env *env;
	struct hv_config *cfg;
	config_report_fn report;
	void *ctx;
	int errors;
	uint32_t line;
	enum section section;
	struct config_guest *guest;
	bool saw_guest; /* some [guest ...] header, good or bad */
};

#define KEY_REPEATABLE	 BIT(0) /* "module" may be given many times */
#define KEY_MAY_BE_EMPTY BIT(1) /* "cmdline =" means an empty command line */

struct key_desc {
	const char *name;
	unsigned index; /* into key_line[] */
	unsigned flags; /* KEY_* */
	void (*set)(struct parser *p, struct span v);
};

/* Longest piece of user text quoted in a message, so that the message
 * itself stays within CONFIG_MSG_MAX. */
#define QUOTE_MAX 48

/* Count one problem and hand "msg" to the report callback. */
__printf(3, 4) void config_problem(struct parser *p, uint32_t line, const char *fmt, ...);

/* v as a C string for a message, shortened to QUOTE_MAX characters + "...". */
const char *config_quote(char buf[QUOTE_MAX + 4], struct span v);

/* The keys of each section, indexed by enum config_hv_key / config_guest_key. */
extern const struct key_desc config_hv_keys[CONFIG_HKEY_COUNT];
extern const struct key_desc config_guest_keys[CONFIG_GKEY_COUNT];

/* ---- spans -------------------------------------------------------------- */

static inline bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static inline struct span trim(struct span v)
{
	while (v.n && is_space(v.s[0])) {
		v.s++;
		v.n--;
	}
	while (v.n && is_space(v.s[v.n - 1]))
		v.n--;
	return v;
}

static inline bool span_eq(struct span v, const char *lit)
{
	size_t n = strlen(lit);

	return v.n == n && memcmp(v.s, lit, n) == 0;
}

static inline char to_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static inline bool span_ieq(struct span v, const char *lit)
{
	size_t n = strlen(lit);

	if (v.n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (to_lower(v.s[i]) != lit[i])
			return false;
	return true;
}

/* Split v at the first c: *head before it, returns what follows (n = 0 and
 * *found = false when there is no c). */
static inline struct span split_at(struct span v, char c, struct span *head, bool *found)
{
	for (size_t i = 0; i < v.n; i++) {
		if (v.s[i] == c) {
			*head = (struct span){v.s, i};
			*found = true;
			return (struct span){v.s + i + 1, v.n - i - 1};
		}
	}
	*head = v;
	*found = false;
	return (struct span){v.s + v.n, 0};
}

/* Split v at its first space or tab, like split_at. */
static inline struct span split_word(struct span v, struct span *head)
{
	size_t i = 0;

	while (i < v.n && !is_space(v.s[i]))
		i++;
	*head = (struct span){v.s, i};
	return trim((struct span){v.s + i, v.n - i});
}

/* Copy v into dst[size] as a C string; false when it does not fit. */
static inline bool span_copy(char *dst, size_t size, struct span v)
{
	if (v.n >= size)
		return false;
	memcpy(dst, v.s, v.n);
	dst[v.n] = '\0';
	return true;
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

#endif
