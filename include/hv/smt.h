/*
 * smt.h - which CPUs are SMT siblings (hyperthreads of one core), and a
 * warning when two different guests are given siblings (core/smt.c;
 * checked at boot by core/boot_config.c).
 *
 * Siblings share a core's L1/L2 caches, TLBs and execution buffers, so a
 * guest can observe its sibling's through them (L1TF, MDS and cache
 * timing across threads).  The configuration is still accepted - it may
 * be deliberate - but the operator is told at boot.
 */
#ifndef HV_SMT_H
#define HV_SMT_H

#include <hv/compiler.h>
#include <hv/config.h>

/*
 * smt_shift_from_leaf - the APIC-ID bits that number the threads of a
 * core, from sub-leaf 0 of CPUID leaf 0x1F or 0xB (SDM Vol. 2A CPUID,
 * "V2 Extended Topology" / "Extended Topology Enumeration"): EAX[4:0]
 * when ECX[15:8] says the level is SMT (1); 0 otherwise (nothing known:
 * no CPU is anybody's sibling).
 */
uint32_t smt_shift_from_leaf(uint32_t eax, uint32_t ecx);

/* Two different CPUs whose APIC IDs agree above the SMT bits. */
bool smt_siblings(uint32_t apic_a, uint32_t apic_b, uint32_t shift);

typedef void (*smt_warn_fn)(void *ctx, const char *msg);

/*
 * smt_check_config - call warn once for each pair of sibling CPUs i < j
 * (apic_id[i], apic_id[j] for i, j < ncpus) that two different guests of
 * cfg are given, one each ("guests A and B are given SMT siblings: cpu I
 * and cpu J are threads of one core (APIC IDs X and Y)").  A guest given
 * both threads of a core is not reported.  Returns the number of
 * warnings.  Pure; warn may be NULL.
 */
uint32_t smt_check_config(const struct hv_config *cfg, const uint32_t *apic_id, uint32_t ncpus,
			  uint32_t shift, smt_warn_fn warn, void *ctx);

#endif
