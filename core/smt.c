/*
 * smt.c - SMT siblings from APIC IDs, and the configuration check that
 * warns about two guests on the threads of one core (include/hv/smt.h).
 * Pure, unit-tested (tests/test_smt.c); core/boot_config.c reads the CPU.
 */
#include <hv/lib.h>
#include <hv/smt.h>

#define TOPO_LEVEL_SMT	1
#define TOPO_TYPE_SHIFT 8
#define TOPO_TYPE_MASK	0xffu
#define TOPO_SHIFT_MASK 0x1fu

uint32_t smt_shift_from_leaf(uint32_t eax, uint32_t ecx)
{
	if (((ecx >> TOPO_TYPE_SHIFT) & TOPO_TYPE_MASK) != TOPO_LEVEL_SMT)
		return 0;
	return eax & TOPO_SHIFT_MASK;
}

bool smt_siblings(uint32_t apic_a, uint32_t apic_b, uint32_t shift)
{
	return shift && apic_a != apic_b && (apic_a >> shift) == (apic_b >> shift);
}

static bool guest_has_cpu(const struct config_guest *g, uint32_t cpu)
{
	return cpu < CONFIG_MAX_CPUS && ((g->cpus[cpu / 64] >> (cpu % 64)) & 1);
}

/* The first guest from index `from` on that has cpu, or cfg->guest_count. */
static uint32_t next_owner(const struct hv_config *cfg, uint32_t cpu, uint32_t from)
{
	while (from < cfg->guest_count && !guest_has_cpu(&cfg->guests[from], cpu))
		from++;
	return from;
}

/* Warn about cpus i and j (siblings) when two different guests have one each. */
static uint32_t check_pair(const struct hv_config *cfg, const uint32_t *apic_id, uint32_t i,
			   uint32_t j, smt_warn_fn warn, void *ctx)
{
	char msg[200];

	for (uint32_t a = next_owner(cfg, i, 0); a < cfg->guest_count;
	     a = next_owner(cfg, i, a + 1)) {
		for (uint32_t b = next_owner(cfg, j, 0); b < cfg->guest_count;
		     b = next_owner(cfg, j, b + 1)) {
			if (a == b)
				continue;
			snprintf(msg, sizeof(msg),
				 "guests %s and %s are given SMT siblings: cpu %u and cpu %u are "
				 "threads of one core (APIC IDs %u and %u)",
				 cfg->guests[a].name, cfg->guests[b].name, i, j, apic_id[i],
				 apic_id[j]);
			if (warn)
				warn(ctx, msg);
			return 1; /* once per pair of CPUs */
		}
	}
	return 0;
}

uint32_t smt_check_config(const struct hv_config *cfg, const uint32_t *apic_id, uint32_t ncpus,
			  uint32_t shift, smt_warn_fn warn, void *ctx)
{
	uint32_t n = 0;

	ncpus = MIN(ncpus, (uint32_t)CONFIG_MAX_CPUS);
	for (uint32_t i = 0; i < ncpus; i++)
		for (uint32_t j = i + 1; j < ncpus; j++)
			if (smt_siblings(apic_id[i], apic_id[j], shift))
				n += check_pair(cfg, apic_id, i, j, warn, ctx);
	return n;
}
