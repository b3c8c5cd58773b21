/*
 * test.h - the tiny framework shared by the host unit tests (tests/test_*.c).
 *
 * A test program is a main() that calls RUN(fn) for each test function and
 * returns test_summary(), which prints the closing line "N passed, N failed"
 * that tests/run-unit.sh adds up.  Each CHECK counts one pass or one failure;
 * a failure prints file:line and the values and the test goes on, so one run
 * shows every broken check.
 *
 * Hypervisor code linked into a test calls the stubs of tests/host_stubs.c:
 * panic() longjmps back into CHECK_PANICS when armed (and aborts otherwise,
 * which is what a fuzzer wants), and log output is captured for
 * CHECK_LOG(substring).  Set HV_TEST_VERBOSE=1 to also see the log.
 */
#ifndef HV_TESTS_TEST_H
#define HV_TESTS_TEST_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Counters and reporting, in tests/host_stubs.c. */
void test_check(bool ok, const char *expr, const char *file, int line);
void test_check_eq(unsigned long long a, unsigned long long b, const char *ea, const char *eb,
		   const char *file, int line);
void test_check_streq(const char *a, const char *b, const char *ea, const char *eb,
		      const char *file, int line);
void test_begin(const char *name);
int test_summary(void);

/* panic() capture, in tests/host_stubs.c. */
extern jmp_buf host_panic_jmp;
extern bool host_panic_armed;
extern char host_panic_msg[512];

/* Log capture: everything printk/hv_log printed since the last clear. */
void host_log_clear(void);
bool host_log_contains(const char *needle);
const char *host_log_text(void);

#define RUN(fn)                                                                                    \
	do {                                                                                       \
		test_begin(#fn);                                                                   \
		fn();                                                                              \
	} while (0)

#define CHECK(cond) test_check(!!(cond), #cond, __FILE__, __LINE__)
/* Integer equality, printed in decimal and hex on failure. */
#define CHECK_EQ(a, b)                                                                             \
	test_check_eq((unsigned long long)(a), (unsigned long long)(b), #a, #b, __FILE__, __LINE__)
#define CHECK_STREQ(a, b) test_check_streq((a), (b), #a, #b, __FILE__, __LINE__)
#define CHECK_LOG(s)	  test_check(host_log_contains(s), "log contains \"" s "\"", __FILE__, __LINE__)

/*
 * CHECK_PANICS(stmt): passes when stmt calls panic().  Locals that stmt
 * changes and the caller reads afterwards must be volatile (setjmp rules).
 */
#define CHECK_PANICS(stmt)                                                                         \
	do {                                                                                       \
		if (setjmp(host_panic_jmp) == 0) {                                                 \
			host_panic_armed = true;                                                   \
			stmt;                                                                      \
			host_panic_armed = false;                                                  \
			test_check(false, "expected a panic from: " #stmt, __FILE__, __LINE__);    \
		} else {                                                                           \
			host_panic_armed = false;                                                  \
			test_check(true, #stmt, __FILE__, __LINE__);                               \
		}                                                                                  \
	} while (0)

#endif
