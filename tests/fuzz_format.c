/*
 * fuzz_format.c - differential fuzzer: core/lib/format.c against the host's
 * snprintf.
 *
 * The input is decoded into one conversion specification (flags, width,
 * precision, either possibly '*', a length modifier and a conversion) with
 * literal text around it, an argument of the matching type and an output
 * buffer size; both implementations must return the same length and write
 * the same bytes.  Combinations whose meaning C leaves undefined ('#' on %d,
 * '0' on %s, a precision on %c, flags on %p, ...) are never generated.
 * The core/lib sources are compiled in with hv_ names, as in test_lib.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HV_LIB_UNDER_TEST 1
#include "lib_rename.h"
#include "../core/lib/string.c"
#include "../core/lib/format.c"
#include "lib_unrename.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const lengths[] = {"", "hh", "h", "l", "ll", "z", "t", "j"};
static const char convs[] = "diuxXocsp%";

/* Builds "<text>%<flags><width>.<prec><len><conv><text>" into fmt. */
static void build_format(struct input *in, char *fmt, size_t cap, char conv, int len, int star)
{
	static const char flag_chars[] = "-0# +";
	unsigned flags = (unsigned)take(in, 1);
	size_t n = 0;

	fmt[n++] = 'a';
	fmt[n++] = '%';
	for (int i = 0; i < 5; i++) {
		char f = flag_chars[i];
		bool integer = strchr("diuxXo", conv) != NULL;

		if (!(flags & (1u << i)))
			continue;
		if ((f == '#' && !strchr("xXo", conv)) || (f == '0' && !integer) ||
		    ((f == '+' || f == ' ') && !strchr("di", conv)) || (conv == '%'))
			continue;
		fmt[n++] = f;
	}
	if (conv != '%') {
		if (star & 1)
			fmt[n++] = '*';
		else
			n += (size_t)snprintf(fmt + n, cap - n, "%u", (unsigned)take(in, 1) % 40);
		/* a '*' precision always appears, its argument is always passed */
		if (strchr("diuxXos", conv) && ((flags & 0x20) || (star & 2)))
			n += (size_t)(star & 2 ? snprintf(fmt + n, cap - n, ".*")
					       : snprintf(fmt + n, cap - n, ".%u",
							  (unsigned)take(in, 1) % 40));
		if (strchr("diuxXo", conv))
			n += (size_t)snprintf(fmt + n, cap - n, "%s", lengths[len]);
	}
	snprintf(fmt + n, cap - n, "%cz", conv);
}

#define BOTH(...)                                                                                  \
	do {                                                                                       \
		n_hv = hv_snprintf(out_hv, bufsz, fmt, __VA_ARGS__);                               \
		n_host = snprintf(out_host, bufsz, fmt, __VA_ARGS__);                              \
	} while (0)
/* The star arguments, then the value: four shapes. */
#define CALL(v)                                                                                    \
	do {                                                                                       \
		switch (star & 3) {                                                                \
		case 1:                                                                            \
			BOTH(w, v);                                                                \
			break;                                                                     \
		case 2:                                                                            \
			BOTH(p, v);                                                                \
			break;                                                                     \
		case 3:                                                                            \
			BOTH(w, p, v);                                                             \
			break;                                                                     \
		default:                                                                           \
			BOTH(v);                                                                   \
			break;                                                                     \
		}                                                                                  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	char fmt[64], out_hv[128], out_host[128], str[16];
	char conv = convs[take(&in, 1) % (sizeof(convs) - 1)];
	int len = (int)(take(&in, 1) % 8), star = (int)take(&in, 1) % 4;
	int w = (int)(int8_t)take(&in, 1), p = (int)(int8_t)take(&in, 1), n_hv = 0, n_host = 0;
	size_t bufsz = take(&in, 1) % (sizeof(out_hv) + 1);
	uint64_t v = take(&in, 8);

	if (!strchr("diuxXos", conv))
		star &= 1; /* no precision for %c, %p and %% */
	if (conv == '%')
		star = 0;
	build_format(&in, fmt, sizeof(fmt), conv, len, star);
	memset(str, 0, sizeof(str));
	memcpy(str, &v, sizeof(v)); /* an up-to-8-byte string from the same input */
	memset(out_hv, 0x55, sizeof(out_hv));
	memset(out_host, 0x55, sizeof(out_host));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
	switch (conv) {
	case 'd':
	case 'i':
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		if (len == 3 || len == 4 || len == 5 || len == 6 || len == 7)
			CALL((long long)v); /* all 64-bit on x86-64 */
		else
			CALL((int)v);
		break;
	case 'c':
		CALL((int)(v & 0xff));
		break;
	case 's':
		CALL((v >> 56) == 0xff ? (const char *)NULL : str);
		break;
	case 'p':
		CALL((void *)(uintptr_t)v);
		break;
	default:
		BOTH(0);
		break;
	}
#pragma GCC diagnostic pop
	if (n_hv != n_host || memcmp(out_hv, out_host, sizeof(out_hv)) != 0) {
		fprintf(stderr, "format \"%s\" size %zu: hv %d \"%.*s\" host %d \"%.*s\"\n", fmt,
			bufsz, n_hv, (int)sizeof(out_hv), out_hv, n_host, (int)sizeof(out_host),
			out_host);
		abort();
	}
	return 0;
}
