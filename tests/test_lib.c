/*
 * test_lib.c - unit tests of core/lib: string functions, vsnprintf, parse_u64.
 *
 * The freestanding sources are compiled into this file with every symbol
 * renamed (hv_memcpy, hv_snprintf, ...; see tests/lib_rename.h), so each
 * can be checked against the host C library in the same program.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#define HV_LIB_UNDER_TEST 1
#include "lib_rename.h"
#include "../core/lib/string.c"
#include "../core/lib/format.c"
#include "../core/lib/parse.c"
#include "lib_unrename.h"

/* Formats with ours and the host's into buffers of size sz; both results must agree. */
#define CMP_N(sz, ...)                                                                             \
	do {                                                                                       \
		char ours_[512], host_[512];                                                       \
		memset(ours_, 'Z', sizeof(ours_));                                                 \
		memset(host_, 'Z', sizeof(host_));                                                 \
		int n_ours_ = hv_snprintf(ours_, (sz), __VA_ARGS__);                               \
		int n_host_ = snprintf(host_, (sz), __VA_ARGS__);                                  \
		CHECK_EQ(n_ours_, n_host_);                                                        \
		CHECK(memcmp(ours_, host_, sizeof(ours_)) == 0);                                   \
		if (memcmp(ours_, host_, sizeof(ours_)) != 0)                                      \
			printf("  format %s: ours \"%.60s\" host \"%.60s\"\n", #__VA_ARGS__,       \
			       ours_, host_);                                                      \
	} while (0)
#define CMP(...) CMP_N(512, __VA_ARGS__)

static void test_format_integers(void)
{
	CMP("%d %i %u", 0, -1, 4000000000u);
	CMP("%d %d", INT_MAX, INT_MIN);
	CMP("%lld %lld", (long long)INT64_MAX, (long long)INT64_MIN);
	CMP("%ld %li %lu", LONG_MIN, LONG_MAX, ULONG_MAX);
	CMP("%llu %llx %llo", (unsigned long long)UINT64_MAX, (unsigned long long)UINT64_MAX,
	    (unsigned long long)UINT64_MAX);
	CMP("%x %X %o", 0xdeadbeefu, 0xdeadbeefu, 0755u);
	CMP("%hhd %hhu %hd %hu", 300, 300, 70000, 70000);
	CMP("%hhd %hd", -129, -32769);
	CMP("%zu %zd %zx", (size_t)12345, (ssize_t)-5, SIZE_MAX);
	CMP("%td %tx", (ptrdiff_t)-77, (ptrdiff_t)255);
	CMP("%jd %ju %jx", INTMAX_MIN, UINTMAX_MAX, (uintmax_t)0xabc);
	CMP("%5d|%-5d|%05d|%+d|% d|%+5d|%-+5d|", 42, 42, 42, 42, 42, 42, 42);
	CMP("%.3d|%.0d|%.0d|%5.0d|%-5.0x|", 7, 0, 1, 0, 0);
	CMP("%#x|%#X|%#o|%#x|%#o|%#.0o|%#5o|", 255u, 255u, 8u, 0u, 0u, 0u, 1u);
	CMP("%#.3o|%#.1o|%#o", 8u, 8u, 01234u);
	CMP("%*d|%-*d|%*d|", 6, 1, 6, 1, -6, 1);
	CMP("%.*d|%.*d|%*.*d|", 4, 3, -1, 3, 7, 3, 12);
	CMP("%lx %lX", 0x123456789abcdefUL, 0xfedcba987654321UL);
}

/* Flags C says are ignored here: '0' with '-' or a precision, '+' and ' ' on unsigned. */
static void test_format_ignored_flags(void)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
	CMP("%05d|%-05d|%+05d|% 05d|", -42, -42, 42, 42);
	CMP("%08.3d|%-8.3d|%8.3d|", -7, -7, 7);
	CMP("%#010x|%#-10x|%#10.4x|%010.4x|", 255u, 255u, 255u, 255u);
	CMP("%+u|% u|%+x", 5u, 5u, 5u);
	CMP("%-05s|%-+5d|", "ab", 3);
#pragma GCC diagnostic pop
}

static void test_format_strings(void)
{
	const char *null = NULL;

	CMP("%s|%10s|%-10s|%.2s|%10.2s|%-10.2s|", "hello", "hello", "hello", "hello", "hello",
	    "hello");
	CMP("%.0s|%.10s|%s|", "abc", "abc", "");
	CMP("%*s|%-*s|%.*s|", 4, "a", 4, "a", 2, "abcdef");
	CMP("%c|%5c|%-5c|%c", 'x', 'y', 'z', 200);
	CMP("%%|%d%%|%%%%", 3);
	CMP("%s", null);
	CMP("%.6s|%10s|%-8s|", null, null, null);
	CMP("%.3s|", null);
	CMP("%p|%20p|%-20p|", (void *)0x1234, (void *)0xffff8000deadbeefUL, (void *)1);
	CMP("%p|%10p|", (void *)0, (void *)0);
	CMP("plain text, no conversions");
	CMP("%s=%d %s=%#x", "port", 1016, "base", 0x3f8u);
}

static void test_format_truncation(void)
{
	char buf[8];
	int n;

	CMP_N(1, "%s", "abc");
	CMP_N(4, "%s", "abc");
	CMP_N(3, "%s", "abc");
	CMP_N(5, "%d|%x", -12345, 0xffu);
	CMP_N(6, "%-10s|", "ab");
	CMP_N(7, "%08d", -3);
	CMP_N(2, "%c%c%c", 'a', 'b', 'c');
	/* size 0: nothing written, not even the terminator, and buf may be NULL */
	memset(buf, 'Q', sizeof(buf));
	n = hv_snprintf(buf, 0, "%d", 123456);
	CHECK_EQ(n, 6);
	CHECK_EQ(buf[0], 'Q');
	CHECK_EQ(hv_snprintf(NULL, 0, "%s%s", "abc", "def"), 6);
	/* huge widths cost only the buffer size and still report the full length */
	CHECK_EQ(hv_snprintf(buf, sizeof(buf), "%100000000d", 1), 100000000);
	CHECK_STREQ(buf, "       ");
	CHECK_EQ(hv_snprintf(buf, sizeof(buf), "%.100000000d", 1), 100000000);
	CHECK_STREQ(buf, "0000000");
	CHECK_EQ(hv_snprintf(buf, sizeof(buf), "%99999999999d", 1), INT_MAX);
}

/* Outside the subset: copied verbatim, and no argument is consumed. */
static void test_format_unsupported(void)
{
	char buf[64];
	int n;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
	n = hv_snprintf(buf, sizeof(buf), "a%nb%fc%d", 5);
	CHECK_STREQ(buf, "a%nb%fc5");
	CHECK_EQ(n, 8);
	hv_snprintf(buf, sizeof(buf), "end%");
	CHECK_STREQ(buf, "end%");
	hv_snprintf(buf, sizeof(buf), "%-08");
	CHECK_STREQ(buf, "%-08");
	hv_snprintf(buf, sizeof(buf), "%lq|%d", 9);
	CHECK_STREQ(buf, "%lq|9");
#pragma GCC diagnostic pop
}

static void test_memory_functions(void)
{
	unsigned char a[64], b[64];

	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = (unsigned char)(i * 7 + 1);
	CHECK(hv_memcpy(b, a, sizeof(a)) == b);
	CHECK(memcmp(a, b, sizeof(a)) == 0);
	CHECK(hv_memset(b, 0x1ff, 10) == b);
	CHECK_EQ(b[0], 0xff);
	CHECK_EQ(b[9], 0xff);
	CHECK_EQ(b[10], a[10]);
	hv_memset(b, 0, 0);
	/* memmove both ways, compared with the host */
	for (int shift = -5; shift <= 5; shift++) {
		unsigned char x[32], y[32];

		for (int i = 0; i < 32; i++)
			x[i] = y[i] = (unsigned char)i;
		hv_memmove(x + 10 + shift, x + 10, 12);
		memmove(y + 10 + shift, y + 10, 12);
		CHECK(memcmp(x, y, sizeof(x)) == 0);
	}
	CHECK_EQ(hv_memcmp(a, a, 0), 0);
	CHECK_EQ(hv_memcmp("abc", "abd", 3), -1);
	CHECK_EQ(hv_memcmp("abd", "abc", 3), 1);
	CHECK_EQ(hv_memcmp("\x80", "\x01", 1), 1); /* unsigned comparison */
	CHECK_EQ(hv_memcmp("abc", "abd", 2), 0);
}

static void test_string_functions(void)
{
	char buf[8];
	const char *s = "console=com1";

	CHECK_EQ(hv_strlen(""), 0);
	CHECK_EQ(hv_strlen(s), 12);
	CHECK_EQ(hv_strnlen(s, 4), 4);
	CHECK_EQ(hv_strnlen(s, 100), 12);
	CHECK_EQ(hv_strnlen("", 0), 0);
	CHECK_EQ(hv_strcmp("a", "a"), 0);
	CHECK(hv_strcmp("a", "b") < 0);
	CHECK(hv_strcmp("b", "a") > 0);
	CHECK(hv_strcmp("ab", "a") > 0);
	CHECK(hv_strcmp("a", "ab") < 0);
	CHECK(hv_strcmp("\xff", "a") > 0); /* unsigned char, as in C */
	CHECK_EQ(hv_strncmp("abcX", "abcY", 3), 0);
	CHECK(hv_strncmp("abcX", "abcY", 4) < 0);
	CHECK_EQ(hv_strncmp("x", "y", 0), 0);
	CHECK(hv_strchr(s, '=') == s + 7);
	CHECK(hv_strchr(s, 'q') == NULL);
	CHECK(hv_strchr(s, '\0') == s + 12);
	CHECK_EQ(hv_strlcpy(buf, "abc", sizeof(buf)), 3);
	CHECK_STREQ(buf, "abc");
	CHECK_EQ(hv_strlcpy(buf, "abcdefghijk", sizeof(buf)), 11);
	CHECK_STREQ(buf, "abcdefg");
	buf[0] = 'Q';
	CHECK_EQ(hv_strlcpy(buf, "xyz", 0), 3);
	CHECK_EQ(buf[0], 'Q');
	CHECK_EQ(hv_strlcpy(buf, "xyz", 1), 3);
	CHECK_STREQ(buf, "");
}

/* parse_u64 on a NUL-terminated string; v is left at 12345 on failure. */
static bool parse(const char *s, uint64_t *v)
{
	*v = 12345;
	return hv_parse_u64(s, strlen(s), v);
}

static void test_parse_u64(void)
{
	uint64_t v;

	CHECK(parse("0", &v) && v == 0);
	CHECK(parse("42", &v) && v == 42);
	CHECK(parse("0x3f8", &v) && v == 0x3f8);
	CHECK(parse("0X3F8", &v) && v == 0x3f8);
	CHECK(parse("0755", &v) && v == 0755);
	CHECK(parse("00", &v) && v == 0);
	CHECK(parse("18446744073709551615", &v) && v == UINT64_MAX);
	CHECK(parse("0xffffffffffffffff", &v) && v == UINT64_MAX);
	CHECK(parse("01777777777777777777777", &v) && v == UINT64_MAX);
	CHECK(parse("0x0000000000000000001", &v) && v == 1);
	CHECK(!parse("18446744073709551616", &v) && v == 12345);
	CHECK(!parse("0x10000000000000000", &v));
	CHECK(!parse("02000000000000000000000", &v));
	CHECK(!parse("99999999999999999999999", &v));
	CHECK(!parse("", &v));
	CHECK(!parse("0x", &v));
	CHECK(!parse("0X", &v));
	CHECK(!parse("08", &v));
	CHECK(!parse("0xg", &v));
	CHECK(!parse("12a", &v));
	CHECK(!parse(" 1", &v));
	CHECK(!parse("1 ", &v));
	CHECK(!parse("-1", &v));
	CHECK(!parse("+1", &v));
	CHECK(!hv_parse_u64(NULL, 0, &v));
	/* the length bounds the parse: no terminator needed, trailing bytes ignored */
	CHECK(hv_parse_u64("115200,8n1", 6, &v) && v == 115200);
	CHECK(hv_parse_u64("0x", 1, &v) && v == 0);
	CHECK(!hv_parse_u64("7", 0, &v));
}

int main(void)
{
	RUN(test_format_integers);
	RUN(test_format_ignored_flags);
	RUN(test_format_strings);
	RUN(test_format_truncation);
	RUN(test_format_unsupported);
	RUN(test_memory_functions);
	RUN(test_string_functions);
	RUN(test_parse_u64);
	return test_summary();
}
