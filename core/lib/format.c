/*
 * format.c - vsnprintf/snprintf for the subset declared in include/hv/lib.h.
 *
 * C99 semantics, checked against the host C library by tests/test_lib.c.
 * Two choices follow glibc so that every format can be compared with it:
 * a NULL %s prints "(null)" (or nothing when the precision is below 6) and
 * a NULL %p prints "(nil)".  Conversions outside the subset (%n, %f, ...)
 * are copied to the output verbatim instead of consuming an argument, so a
 * stray one is visible in the log and never reads a wrong argument type.
 * Padding is counted rather than written once the buffer is full, so even
 * a huge width costs only the buffer size.
 */
#include <hv/lib.h>

#ifndef HV_LIB_FROM_HOST

#define FMT_INT_MAX 0x7fffffff

enum fmt_len { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

/* One conversion specification after parsing. */
struct fmt_spec {
	bool left, zero, alt, space, plus;
	int width; /* 0 when absent */
	int prec;  /* -1 when absent */
	enum fmt_len len;
	char conv;
};

/* Output state: bytes beyond size-1 are counted but not stored. */
struct fmt_out {
	char *buf;
	size_t size;
	size_t pos;
};

static void out_char(struct fmt_out *o, char c)
{
	if (o->pos + 1 < o->size)
		o->buf[o->pos] = c;
	o->pos++;
}

static void out_mem(struct fmt_out *o, const char *s, size_t n)
{
	while (n--)
		out_char(o, *s++);
}

static void out_pad(struct fmt_out *o, char c, size_t n)
{
	while (n && o->pos + 1 < o->size) {
		o->buf[o->pos++] = c;
		n--;
	}
	o->pos += n;
}

/* Reads a decimal field width or precision, saturating at INT_MAX. */
static int parse_num(const char **fmt)
{
	long long v = 0;

	while (**fmt >= '0' && **fmt <= '9') {
		v = v * 10 + (**fmt - '0');
		if (v > FMT_INT_MAX)
			v = FMT_INT_MAX;
		(*fmt)++;
	}
	return (int)v;
}

static void parse_flags(const char **fmt, struct fmt_spec *sp)
{
	for (;; (*fmt)++) {
		switch (**fmt) {
		case '-':
			sp->left = true;
			break;
		case '0':
			sp->zero = true;
			break;
		case '#':
			sp->alt = true;
			break;
		case ' ':
			sp->space = true;
			break;
		case '+':
			sp->plus = true;
			break;
		default:
			return;
		}
	}
}

static void parse_length(const char **fmt, struct fmt_spec *sp)
{
	const char *f = *fmt;

	switch (*f) {
	case 'h':
		sp->len = f[1] == 'h' ? LEN_HH : LEN_H;
		break;
	case 'l':
		sp->len = f[1] == 'l' ? LEN_LL : LEN_L;
		break;
	case 'z':
		sp->len = LEN_Z;
		break;
	case 't':
		sp->len = LEN_T;
		break;
	case 'j':
		sp->len = LEN_J;
		break;
	default:
		return;
	}
	*fmt += (sp->len == LEN_HH || sp->len == LEN_LL) ? 2 : 1;
}

/* Emits field content of length n, padded to the width with spaces. */
static void out_field(struct fmt_out *o, const struct fmt_spec *sp, const char *s, size_t n)
{
	size_t pad = (size_t)sp->width > n ? (size_t)sp->width - n : 0;

	if (!sp->left)
		out_pad(o, ' ', pad);
	out_mem(o, s, n);
	if (sp->left)
		out_pad(o, ' ', pad);
}

static void fmt_string(struct fmt_out *o, const struct fmt_spec *sp, const char *s)
{
	if (!s)
		s = (sp->prec < 0 || sp->prec >= 6) ? "(null)" : "";
	out_field(o, sp, s, sp->prec < 0 ? strlen(s) : strnlen(s, (size_t)sp->prec));
}

/*
 * Integer conversions: [spaces][sign][0x][precision zeros][digits][spaces].
 * mag is the magnitude; neg says whether a '-' is due (so INT64_MIN, whose
 * magnitude does not fit in int64_t, needs no special case).
 */
static void fmt_integer(struct fmt_out *o, const struct fmt_spec *sp, uint64_t mag, bool neg)
{
	const char *digits = sp->conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned base = sp->conv == 'o'						  ? 8
			: (sp->conv == 'x' || sp->conv == 'X' || sp->conv == 'p') ? 16
										  : 10;
	char tmp[24], prefix[3];
	size_t nd = 0, np = 0, zeros = 0, total;
	bool is_signed = sp->conv == 'd' || sp->conv == 'i';

	for (uint64_t v = mag; v; v /= base)
		tmp[sizeof(tmp) - ++nd] = digits[v % base];
	if (sp->prec < 0 && nd == 0)
		tmp[sizeof(tmp) - ++nd] = '0'; /* "0" unless the precision is explicitly 0 */
	if (neg)
		prefix[np++] = '-';
	else if (is_signed && sp->plus)
		prefix[np++] = '+';
	else if (is_signed && sp->space)
		prefix[np++] = ' ';
	if (sp->alt && base == 16 && mag) {
		prefix[np++] = '0';
		prefix[np++] = sp->conv == 'X' ? 'X' : 'x';
	}
	if (sp->prec >= 0 && (size_t)sp->prec > nd)
		zeros = (size_t)sp->prec - nd;
	if (sp->alt && base == 8 && zeros == 0 && (nd == 0 || tmp[sizeof(tmp) - nd] != '0'))
		zeros = 1; /* %#o: the first digit is a 0 */
	total = np + zeros + nd;
	if (sp->zero && !sp->left && sp->prec < 0 && (size_t)sp->width > total) {
		zeros += (size_t)sp->width - total;
		total = (size_t)sp->width;
	}
	if (!sp->left && (size_t)sp->width > total)
		out_pad(o, ' ', (size_t)sp->width - total);
	out_mem(o, prefix, np);
	out_pad(o, '0', zeros);
	out_mem(o, tmp + sizeof(tmp) - nd, nd);
	if (sp->left && (size_t)sp->width > total)
		out_pad(o, ' ', (size_t)sp->width - total);
}

static int64_t arg_signed(const struct fmt_spec *sp, va_list *ap)
{
	switch (sp->len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:
		return (int64_t)va_arg(*ap, size_t);
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, intmax_t);
	case LEN_NONE:
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(const struct fmt_spec *sp, va_list *ap)
{
	switch (sp->len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	case LEN_T:
		return (uint64_t)va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	case LEN_NONE:
	default:
		return va_arg(*ap, unsigned int);
	}
}

/* Performs one conversion; returns false when it is outside the subset. */
static bool convert(struct fmt_out *o, struct fmt_spec *sp, va_list *ap)
{
	switch (sp->conv) {
	case 'd':
	case 'i': {
		int64_t v = arg_signed(sp, ap);

		fmt_integer(o, sp, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
		return true;
	}
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		fmt_integer(o, sp, arg_unsigned(sp, ap), false);
		return true;
	case 'p': {
		void *p = va_arg(*ap, void *);

		sp->alt = true;
		if (p)
			fmt_integer(o, sp, (uintptr_t)p, false);
		else
			out_field(o, sp, "(nil)", 5);
		return true;
	}
	case 'c': {
		char c = (char)va_arg(*ap, int);

		out_field(o, sp, &c, 1);
		return true;
	}
	case 's':
		fmt_string(o, sp, va_arg(*ap, const char *));
		return true;
	case '%':
		out_char(o, '%');
		return true;
	default:
		return false;
	}
}

/* Parses width and precision, either of which may come from an argument. */
static void parse_width_prec(const char **fmt, struct fmt_spec *sp, va_list *ap)
{
	if (**fmt == '*') {
		int w = va_arg(*ap, int);

		(*fmt)++;
		if (w < 0) { /* C11 7.21.6.1p5: a negative width is '-' and its magnitude */
			sp->left = true;
			w = w == -FMT_INT_MAX - 1 ? FMT_INT_MAX : -w;
		}
		sp->width = w;
	} else {
		sp->width = parse_num(fmt);
	}
	if (**fmt != '.')
		return;
	(*fmt)++;
	if (**fmt == '*') {
		int p = va_arg(*ap, int);

		(*fmt)++;
		sp->prec = p < 0 ? -1 : p; /* negative: as if omitted */
	} else {
		sp->prec = parse_num(fmt);
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_out o = {.buf = buf, .size = size, .pos = 0};
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		const char *start = fmt;
		struct fmt_spec sp = {.prec = -1};

		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		fmt++;
		parse_flags(&fmt, &sp);
		parse_width_prec(&fmt, &sp, &args);
		parse_length(&fmt, &sp);
		sp.conv = *fmt;
		if (sp.conv && convert(&o, &sp, &args)) {
			fmt++;
			continue;
		}
		if (sp.conv)
			fmt++;
		out_mem(&o, start, (size_t)(fmt - start)); /* unsupported: verbatim */
	}
	va_end(args);
	if (size)
		buf[o.pos < size ? o.pos : size - 1] = '\0';
	return o.pos > FMT_INT_MAX ? -1 : (int)o.pos;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

#endif /* !HV_LIB_FROM_HOST */
