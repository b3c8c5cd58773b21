/*
 * parse.c - parse_u64: strict number parsing for command lines and configs.
 *
 * Stricter than strtoull on purpose: no leading whitespace or sign, no
 * trailing junk, and overflow is an error rather than a saturated value,
 * so a typo in a port or address is reported instead of silently used.
 */
#include <hv/lib.h>

/* The digit value of c in base, or -1 when c is not a digit of that base. */
static int digit_value(char c, unsigned base)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return (unsigned)v < base ? v : -1;
}

/*
 * Accepts "123", "0x1f"/"0X1F" (at least one hex digit after the prefix),
 * "017" (octal) and "0".  On failure *out is left unchanged.
 */
bool parse_u64(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (!s || len == 0)
		return false;
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
		if (len == 0)
			return false; /* "0x" alone */
	} else if (len >= 2 && s[0] == '0') {
		base = 8;
		s++;
		len--;
	}
	for (; len; len--, s++) {
		int d = digit_value(*s, base);

		if (d < 0)
			return false;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return false; /* v * base + d would wrap */
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return true;
}
