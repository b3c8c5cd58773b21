/*
 * boot_config.c - hv.cfg from the boot medium: found among the boot modules,
 * parsed and validated by core/config.c against the machine we booted on.
 * Every problem is printed, naming file and line; the caller then starts
 * nothing (check, then apply).
 */
#include <hv/bootfile.h>
#include <hv/cpu.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/printk.h>
#include <hv/smt.h>
#include <arch/cpu.h>

/* Kept free for EPT tables, VMCS pages and bitmaps when the guests' memory
 * is checked against what the allocator has left. */
#define HV_MEMORY_RESERVE (32 * MiB)

static const char *skip_slash(const char *s)
{
	return *s == '/' ? s + 1 : s;
}

const struct boot_module *bootfile_find(const struct boot_info *bi, const char *name)
{
	for (uint32_t i = 0; i < bi->module_count; i++)
		if (!strcmp(skip_slash(bi->modules[i].name), skip_slash(name)))
			return &bi->modules[i];
	return NULL;
}

static bool file_on_medium(void *ctx, const char *path)
{
	return bootfile_find(ctx, path) != NULL;
}

static void report(void *ctx, const char *filename, uint32_t line, const char *msg)
{
	(void)ctx;
	if (line)
		pr_err("config: %s:%u: %s\n", filename, line, msg);
	else
		pr_err("config: %s: %s\n", filename, msg);
}

static void log_warning(void *ctx, const char *msg)
{
	(void)ctx;
	pr_warn("config: warning: %s\n", msg);
}

/* Leaf 0x1F where the CPU has it, else 0xB; 0 when neither. */
static uint32_t this_cpu_smt_shift(void)
{
	static const uint32_t leaves[] = {0x1f, 0xb};
	uint32_t max = cpuid(0, 0).eax;
	struct cpuid_regs r;

	for (size_t i = 0; i < ARRAY_SIZE(leaves); i++) {
		if (max < leaves[i])
			continue;
		r = cpuid(leaves[i], 0);
		if (r.ebx) /* a leaf the CPU implements: EBX counts processors */
			return smt_shift_from_leaf(r.eax, r.ecx);
	}
	return 0;
}

/* The SMT shift of this CPU, then smt_check_config over percpu[]'s APIC
 * IDs, each warning logged "hv: config: warning: ...". */
static void smt_warn_config(const struct hv_config *cfg)
{
	static uint32_t apic_id[HV_MAX_CPUS];
	uint32_t n = MIN(cpu_count, (uint32_t)HV_MAX_CPUS);

	for (uint32_t i = 0; i < n; i++)
		apic_id[i] = percpu[i].apic_id;
	smt_check_config(cfg, apic_id, n, this_cpu_smt_shift(), log_warning, NULL);
}

enum config_load_result config_load(const struct boot_info *bi, struct hv_config *cfg)
{
	const struct boot_module *m = bootfile_find(bi, HV_CONFIG_NAME);
	uint64_t free = pmm_free_bytes(&hv_pmm);
	struct config_env env = {
	    .cpu_count = cpu_count,
	    .memory = free > HV_MEMORY_RESERVE ? free - HV_MEMORY_RESERVE : 0,
	    .file_exists = file_on_medium,
	    .ctx = (void *)bi,
	};
	int problems;

	if (!m)
		return CONFIG_ABSENT;
	problems = config_parse((const char *)(uintptr_t)m->start, m->end - m->start, m->name, &env,
				cfg, report, NULL);
	if (problems) {
		pr_err("config: %d problem%s in %s: no guest started\n", problems,
		       problems == 1 ? "" : "s", m->name);
		return CONFIG_BAD;
	}
	pr_info("config: %s: %u guest%s\n", m->name, cfg->guest_count,
		cfg->guest_count == 1 ? "" : "s");
	smt_warn_config(cfg); /* accepted, but the operator should know */
	return CONFIG_OK;
}
