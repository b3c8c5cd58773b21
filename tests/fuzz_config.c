/*
 * fuzz_config.c - libFuzzer target for the hv.cfg parser (core/config*.c).
 *
 * The first byte picks the machine (cpu count, memory, whether files are
 * checked), the rest is the config text.  Besides the sanitizers, every
 * message must fit CONFIG_MSG_MAX, name a line that exists, and a config
 * accepted with 0 problems must satisfy what the hypervisor will rely on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/config.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct hv_config cfg;
static uint32_t max_line;
static int reported;

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_config: %s\n", what);
	abort();
}

static void report(void *ctx, const char *filename, uint32_t line, const char *msg)
{
	size_t n = strnlen(msg, CONFIG_MSG_MAX);

	(void)ctx;
	reported++;
	if (strcmp(filename, "hv.cfg") != 0)
		fail("wrong filename");
	if (n == 0 || n >= CONFIG_MSG_MAX || strchr(msg, '\n'))
		fail("bad message");
	if (line > max_line)
		fail("message names a line past the end");
}

/* Paths that start with 'x' are missing; any other exists. */
static bool file_exists(void *ctx, const char *path)
{
	(void)ctx;
	if (strnlen(path, CONFIG_PATH_MAX) >= CONFIG_PATH_MAX)
		fail("unterminated path");
	return path[0] != 'x';
}

static void print_line(void *ctx, const char *line)
{
	*(size_t *)ctx += strlen(line);
}

static uint32_t count_cpus(const uint64_t *set)
{
	uint32_t n = 0;

	for (size_t w = 0; w < CONFIG_CPU_WORDS; w++)
		n += (uint32_t)__builtin_popcountll(set[w]);
	return n;
}

/* What a clean result promises. */
static void check_accepted(const struct config_env *env)
{
	uint64_t exclusive[CONFIG_CPU_WORDS] = {0}, total = 0;
	size_t shown = 0;

	if (cfg.guest_count == 0 || cfg.guest_count > CONFIG_MAX_GUESTS)
		fail("accepted without guests");
	for (uint32_t i = 0; i < cfg.guest_count; i++) {
		const struct config_guest *g = &cfg.guests[i];

		if (!g->kernel[0] || g->cpu_count == 0 || g->cpu_count != count_cpus(g->cpus))
			fail("guest without kernel or cpus");
		if (g->memory < CONFIG_MEMORY_MIN || g->memory % 4096 || g->vcpus == 0 ||
		    g->vcpus > CONFIG_MAX_VCPUS || g->weight == 0 || g->weight > CONFIG_WEIGHT_MAX)
			fail("value out of range");
		if (g->module_count > CONFIG_MAX_MODULES)
			fail("too many modules");
		if (env->cpu_count && g->cpus[0] >> env->cpu_count)
			fail("cpu the machine lacks");
		for (size_t w = 0; w < CONFIG_CPU_WORDS; w++) {
			if (exclusive[w] & g->cpus[w])
				fail("cpu of an unshared guest given again");
			if (!g->shared)
				exclusive[w] |= g->cpus[w];
		}
		total += g->memory;
	}
	/* an unshared guest later in the file must not take a shared guest's cpu */
	for (uint32_t i = 0; i < cfg.guest_count; i++)
		for (uint32_t j = 0; j < cfg.guest_count; j++)
			if (i != j && !cfg.guests[i].shared &&
			    (cfg.guests[i].cpus[0] & cfg.guests[j].cpus[0]))
				fail("unshared cpu held twice");
	if (env->memory && total > env->memory)
		fail("more memory than the machine");
	config_describe(&cfg, print_line, &shown);
	if (shown == 0)
		fail("empty description");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_env env = {0};
	const char *text;
	int errors;

	if (size == 0)
		return 0;
	env.cpu_count = data[0] & 0xf;		     /* 0 = unknown */
	env.memory = (uint64_t)(data[0] >> 4) << 24; /* 0 = unknown, else 16M steps */
	if (data[0] & 0x80)
		env.file_exists = file_exists;
	text = (const char *)data + 1;
	size--;
	max_line = 1;
	for (size_t i = 0; i < size; i++)
		max_line += text[i] == '\n';
	reported = 0;
	errors = config_parse(text, size, "hv.cfg", &env, &cfg, report, NULL);
	if (errors != reported || errors < 0)
		fail("return value is not the number of reports");
	if (errors == 0)
		check_accepted(&env);
	return 0;
}
