/*
 * host_stubs.c - what hypervisor code expects around it, for host tests.
 *
 * Linked into every unit test and fuzzer by tests/tests.mk.  Provides the
 * printk.h interface (captured into a buffer, echoed when HV_TEST_VERBOSE is
 * set), a panic() that longjmps into CHECK_PANICS or else aborts with its
 * message, and the counters behind test.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/printk.h>
#include "test.h"

int log_level = LOG_DEBUG;

jmp_buf host_panic_jmp;
bool host_panic_armed;
char host_panic_msg[512];

static char log_buf[16384];
static size_t log_len;
static int passed, failed;
static const char *current_test = "?";

static bool verbose(void)
{
	const char *v = getenv("HV_TEST_VERBOSE");

	return v && *v && strcmp(v, "0") != 0;
}

/* Appends to the capture buffer; when it is full the oldest half is dropped. */
static void log_append(const char *s, size_t n)
{
	if (verbose())
		fwrite(s, 1, n, stdout);
	if (n >= sizeof(log_buf) / 2)
		n = sizeof(log_buf) / 2 - 1;
	if (log_len + n >= sizeof(log_buf)) {
		memmove(log_buf, log_buf + log_len / 2, log_len - log_len / 2);
		log_len -= log_len / 2;
	}
	memcpy(log_buf + log_len, s, n);
	log_len += n;
	log_buf[log_len] = '\0';
}

void vprintk(const char *fmt, va_list ap)
{
	char line[1024];
	int n = vsnprintf(line, sizeof(line), fmt, ap);

	if (n > 0)
		log_append(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void hv_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	log_append("hv: ", 4);
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void console_set_output(void (*write)(const char *s, size_t len))
{
	(void)write;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(host_panic_msg, sizeof(host_panic_msg), fmt, ap);
	va_end(ap);
	log_append("PANIC: ", 7);
	log_append(host_panic_msg, strlen(host_panic_msg));
	if (host_panic_armed) {
		host_panic_armed = false;
		longjmp(host_panic_jmp, 1);
	}
	fprintf(stderr, "unexpected panic in %s: %s\n", current_test, host_panic_msg);
	abort();
}

void host_log_clear(void)
{
	log_len = 0;
	log_buf[0] = '\0';
}

bool host_log_contains(const char *needle)
{
	return strstr(log_buf, needle) != NULL;
}

const char *host_log_text(void)
{
	return log_buf;
}

void test_begin(const char *name)
{
	current_test = name;
	host_log_clear();
}

void test_check(bool ok, const char *expr, const char *file, int line)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s:%d: %s: %s\n", file, line, current_test, expr);
}

void test_check_eq(unsigned long long a, unsigned long long b, const char *ea, const char *eb,
		   const char *file, int line)
{
	if (a == b) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s:%d: %s: %s == %s: %llu (%#llx) != %llu (%#llx)\n", file, line, current_test,
	       ea, eb, a, a, b, b);
}

void test_check_streq(const char *a, const char *b, const char *ea, const char *eb,
		      const char *file, int line)
{
	if (a && b && strcmp(a, b) == 0) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s:%d: %s: %s == %s: \"%s\" != \"%s\"\n", file, line, current_test, ea, eb,
	       a ? a : "(null)", b ? b : "(null)");
}

/* Prints the closing line tests/run-unit.sh reads; exit status 1 on failure. */
int test_summary(void)
{
	printf("%d passed, %d failed\n", passed, failed);
	fflush(stdout);
	return failed ? 1 : 0;
}
