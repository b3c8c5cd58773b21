/*
 * fuzz_cmdline.c - libFuzzer target for cmdline_parse (core/cmdline.c).
 *
 * The input becomes a NUL-terminated command line of at most
 * BOOT_CMDLINE_MAX bytes, as a boot path would hand it over.  Beyond the
 * sanitizers, each run checks the parser's contract: every field is set to
 * a valid value, bad_option is terminated and non-empty exactly when the
 * parse reports failure, and the same input parses the same way twice.
 */
#include <stdlib.h>
#include <string.h>

#include <hv/bootinfo.h>
#include <hv/cmdline.h>
#include <hv/printk.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_options(const struct hv_options *o, bool ok)
{
	if (o->loglevel < LOG_ERR || o->loglevel > LOG_DEBUG)
		abort();
	if (o->console_baud == 0 || 115200 % o->console_baud != 0)
		abort();
	if (o->console_port > 0xfff8)
		abort();
	if (memchr(o->bad_option, '\0', sizeof(o->bad_option)) == NULL)
		abort();
	if (ok != (o->bad_option[0] == '\0'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[BOOT_CMDLINE_MAX];
	struct hv_options a, b;
	bool ok;

	if (size >= sizeof(line))
		size = sizeof(line) - 1;
	memcpy(line, data, size);
	line[size] = '\0';
	memset(&a, 0xa5, sizeof(a));
	memset(&b, 0x5a, sizeof(b));
	ok = cmdline_parse(line, &a);
	check_options(&a, ok);
	if (cmdline_parse(line, &b) != ok || memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	return 0;
}
