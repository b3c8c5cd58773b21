/*
 * hvcfg.c - check and show an hv.cfg on the host, with the hypervisor's own
 * parser (core/config*.c), so a file it accepts boots the same way.
 *
 *   hvcfg check FILE [--cpus N] [--memory SIZE]   every problem as FILE:LINE: message
 *   hvcfg show  FILE [--cpus N] [--memory SIZE]   the resulting layout as a table
 *   hvcfg files FILE [--cpus N] [--memory SIZE]   the files it names, one per line
 *
 * --cpus and --memory describe the target machine; without them cpu numbers
 * and memory are only checked against the hypervisor's own limits.  Files
 * named in the config are looked up relative to the config file's directory.
 * Exit status: 0 clean, 1 when the config has problems, 2 on a usage error or
 * when FILE cannot be read.  See docs/config.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hv/config.h>
#include <hv/lib.h>

#define EXIT_CONFIG 1
#define EXIT_USAGE  2
/* Far more than any real hv.cfg; keeps a wrong FILE (a disk image) cheap. */
#define MAX_FILE_SIZE (4 * 1024 * 1024)

static const char usage_text[] =
    "usage: hvcfg check FILE [--cpus N] [--memory SIZE]\n"
    "       hvcfg show  FILE [--cpus N] [--memory SIZE]\n"
    "       hvcfg files FILE [--cpus N] [--memory SIZE]\n"
    "       hvcfg --help\n"
    "\n"
    "  check   report every problem in FILE as FILE:LINE: message\n"
    "  show    check FILE, then print the guests, their cpus, memory and settings\n"
    "  files   check FILE, then print every file it names (kernel, initrd, module), once\n"
    "          each, as written: relative to FILE's directory (what `make iso` packs)\n"
    "  --cpus N        the machine has cpus 0..N-1 (MADT order, as the boot log numbers them)\n"
    "  --memory SIZE   the guests may use SIZE bytes in total (K, M, G suffixes)\n"
    "\n"
    "Exit status: 0 no problems, 1 problems in FILE, 2 usage error or unreadable FILE.\n"
    "The format is described in docs/config.md.\n";

struct options {
	const char *command;
	const char *file;
	struct config_env env;
};

/* The directory of the config file, with a trailing '/' ("" for "hv.cfg"). */
static char config_dir[4096];

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "hvcfg: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage_text);
	return EXIT_USAGE;
}

static bool file_exists(void *ctx, const char *path)
{
	char full[sizeof(config_dir) + CONFIG_PATH_MAX];
	struct stat st;

	(void)ctx;
	snprintf(full, sizeof(full), "%s%s", path[0] == '/' ? "" : config_dir, path);
	return stat(full, &st) == 0 && S_ISREG(st.st_mode);
}

static void report(void *ctx, const char *filename, uint32_t line, const char *msg)
{
	(void)ctx;
	if (line)
		fprintf(stderr, "%s:%u: %s\n", filename, line, msg);
	else
		fprintf(stderr, "%s: %s\n", filename, msg);
}

static void print_line(void *ctx, const char *line)
{
	(void)ctx;
	printf("%s\n", line);
}

/* The value of option argv[*i] ("--cpus N" or "--cpus=N"); NULL if missing. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

/* Returns -1 when the options are good, else the exit status. */
static int parse_options(int argc, char **argv, struct options *o)
{
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v;
		uint64_t num;

		if (strncmp(a, "--cpus", 6) == 0 && (a[6] == '\0' || a[6] == '=')) {
			v = option_value(argc, argv, &i, "--cpus");
			if (!v || !parse_u64(v, strlen(v), &num) || num == 0 || num > 65536)
				return usage_error(
				    "--cpus needs a number of cpus (1..65536), not '%s'",
				    v ? v : "");
			o->env.cpu_count = (uint32_t)num;
		} else if (strncmp(a, "--memory", 8) == 0 && (a[8] == '\0' || a[8] == '=')) {
			v = option_value(argc, argv, &i, "--memory");
			if (!v || !config_parse_size(v, strlen(v), &num) || num == 0)
				return usage_error("--memory needs a size such as 16G, not '%s'",
						   v ? v : "");
			o->env.memory = num;
		} else if (a[0] == '-' && a[1] != '\0') {
			return usage_error("unknown option '%s'", a);
		} else if (o->file) {
			return usage_error("only one FILE, but '%s' is a second one", a);
		} else {
			o->file = a;
		}
	}
	if (!o->file)
		return usage_error("%s: which FILE?", o->command);
	return -1;
}

/* Reads path into a malloc'd buffer; NULL (reported) on failure. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (!f) {
		fprintf(stderr, "hvcfg: cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(MAX_FILE_SIZE + 1);
	*len = buf ? fread(buf, 1, MAX_FILE_SIZE + 1, f) : 0;
	if (!buf || ferror(f) || *len > MAX_FILE_SIZE) {
		fprintf(stderr, "hvcfg: cannot read %s: %s\n", path,
			!buf || ferror(f) ? strerror(errno)
					  : "larger than 4 MiB, not a config file");
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void set_config_dir(const char *file)
{
	const char *slash = strrchr(file, '/');
	size_t n = slash ? (size_t)(slash - file + 1) : 0;

	if (n >= sizeof(config_dir))
		n = 0;
	memcpy(config_dir, file, n);
	config_dir[n] = '\0';
}

/* Print path unless an earlier guest already named it (files are few). */
static void print_file_once(const struct hv_config *cfg, uint32_t gi, const char *path)
{
	for (uint32_t i = 0; i < gi; i++) {
		const struct config_guest *g = &cfg->guests[i];

		if (!strcmp(g->kernel, path) || !strcmp(g->initrd, path))
			return;
		for (uint32_t m = 0; m < g->module_count; m++)
			if (!strcmp(g->modules[m].path, path))
				return;
	}
	printf("%s\n", path);
}

static void print_files(const struct hv_config *cfg)
{
	for (uint32_t i = 0; i < cfg->guest_count; i++) {
		const struct config_guest *g = &cfg->guests[i];

		print_file_once(cfg, i, g->kernel);
		if (g->initrd[0])
			print_file_once(cfg, i, g->initrd);
		for (uint32_t m = 0; m < g->module_count; m++)
			print_file_once(cfg, i, g->modules[m].path);
	}
}

int main(int argc, char **argv)
{
	static struct hv_config cfg;
	struct options o = {.env = {.file_exists = file_exists}};
	char *text;
	size_t len;
	int status, errors;

	if (argc < 2)
		return usage_error("%s", "no command given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	o.command = argv[1];
	if (strcmp(o.command, "check") != 0 && strcmp(o.command, "show") != 0 &&
	    strcmp(o.command, "files") != 0)
		return usage_error("unknown command '%s' (expected check, show or files)",
				   o.command);
	status = parse_options(argc, argv, &o);
	if (status >= 0)
		return status;
	text = read_file(o.file, &len);
	if (!text)
		return EXIT_USAGE;
	set_config_dir(o.file);
	errors = config_parse(text, len, o.file, &o.env, &cfg, report, NULL);
	free(text);
	if (errors) {
		fprintf(stderr, "%s: %d problem%s\n", o.file, errors, errors == 1 ? "" : "s");
		return EXIT_CONFIG;
	}
	if (strcmp(o.command, "show") == 0)
		config_describe(&cfg, print_line, NULL);
	else if (strcmp(o.command, "files") == 0)
		print_files(&cfg);
	else
		printf("%s: ok, %u guest%s\n", o.file, cfg.guest_count,
		       cfg.guest_count == 1 ? "" : "s");
	return 0;
}
