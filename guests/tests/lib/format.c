/*
 * format.c - printf-style formatting for the test guests: %d %i %u %x %X
 * %s %c %p %%, flags '-' and '0', a width, and the length modifiers l, ll
 * and z.  64-bit values are divided by a shift-and-subtract loop, because a
 * freestanding -m32 build has no libgcc for __udivdi3.
 */
#include "guest.h"

struct sink {
	char *buf;
	size_t size, len; /* buf NULL: write to the serial port */
};

static void emit(struct sink *s, char c)
{
	if (!s->buf)
		serial_putc(c);
	else if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

/* n / base for base <= 16, remainder in *rem, without libgcc. */
static uint64_t divmod(uint64_t n, unsigned base, unsigned *rem)
{
	uint64_t q = 0, r = 0;

	for (int i = 63; i >= 0; i--) {
		r = r << 1 | ((n >> i) & 1);
		if (r >= base) {
			r -= base;
			q |= 1ULL << i;
		}
	}
	*rem = (unsigned)r;
	return q;
}

struct spec {
	bool left, zero, neg;
	unsigned width;
};

static void emit_padded(struct sink *s, const char *str, size_t n, const struct spec *sp)
{
	size_t pad = sp->width > n + sp->neg ? sp->width - n - sp->neg : 0;

	if (!sp->left && !sp->zero)
		for (; pad; pad--)
			emit(s, ' ');
	if (sp->neg)
		emit(s, '-');
	if (!sp->left)
		for (; pad; pad--)
			emit(s, '0');
	for (size_t i = 0; i < n; i++)
		emit(s, str[i]);
	for (; pad; pad--)
		emit(s, ' ');
}

static void emit_num(struct sink *s, uint64_t v, unsigned base, bool upper, struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = 0;
	unsigned rem;

	do {
		v = divmod(v, base, &rem);
		tmp[sizeof(tmp) - 1 - n++] = digits[rem];
	} while (v && n < sizeof(tmp));
	emit_padded(s, tmp + sizeof(tmp) - n, n, sp);
}

/* Read the argument for one conversion with length l (0, 1 = l, 2 = ll/z). */
static uint64_t arg_unsigned(va_list *ap, int l)
{
	if (l == 2)
		return va_arg(*ap, unsigned long long);
	if (l == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static int64_t arg_signed(va_list *ap, int l)
{
	if (l == 2)
		return va_arg(*ap, long long);
	if (l == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

static void convert(struct sink *s, char c, int l, struct spec *sp, va_list *ap)
{
	const char *str;
	int64_t sv;
	char ch;
	size_t n = 0;

	switch (c) {
	case 'd':
	case 'i':
		sv = arg_signed(ap, l);
		sp->neg = sv < 0;
		emit_num(s, sp->neg ? (uint64_t)0 - (uint64_t)sv : (uint64_t)sv, 10, false, sp);
		break;
	case 'u':
		emit_num(s, arg_unsigned(ap, l), 10, false, sp);
		break;
	case 'x':
	case 'X':
		emit_num(s, arg_unsigned(ap, l), 16, c == 'X', sp);
		break;
	case 'p':
		emit(s, '0');
		emit(s, 'x');
		emit_num(s, (uintptr_t)va_arg(*ap, void *), 16, false, sp);
		break;
	case 'c':
		ch = (char)va_arg(*ap, int);
		emit_padded(s, &ch, 1, sp);
		break;
	case 's':
		str = va_arg(*ap, const char *);
		str = str ? str : "(null)";
		while (n < 4096 && str[n])
			n++;
		emit_padded(s, str, n, sp);
		break;
	default:
		emit(s, '%');
		emit(s, c);
		break;
	}
}

static void vformat(struct sink *s, const char *fmt, va_list ap)
{
	va_list aq;

	va_copy(aq, ap);
	for (; *fmt; fmt++) {
		struct spec sp = {false, false, false, 0};
		int l = 0;

		if (*fmt != '%') {
			emit(s, *fmt);
			continue;
		}
		if (*++fmt == '%') {
			emit(s, '%');
			continue;
		}
		for (; *fmt == '-' || *fmt == '0'; fmt++)
			*(*fmt == '-' ? &sp.left : &sp.zero) = true;
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			sp.width = sp.width * 10 + (unsigned)(*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			l = *fmt == 'z' ? 1 : l + 1;
		if (!*fmt)
			break;
		convert(s, *fmt, l > 2 ? 2 : l, &sp, &aq);
	}
	va_end(aq);
	if (s->buf && s->size)
		s->buf[s->len < s->size ? s->len : s->size - 1] = '\0';
}

void gvprintf(const char *fmt, va_list ap)
{
	struct sink s = {NULL, 0, 0};

	vformat(&s, fmt, ap);
}

void gprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gvprintf(fmt, ap);
	va_end(ap);
}

int gsnprintf(char *buf, size_t size, const char *fmt, ...)
{
	struct sink s = {buf, size, 0};
	va_list ap;

	va_start(ap, fmt);
	vformat(&s, fmt, ap);
	va_end(ap);
	return (int)s.len;
}
