/*
 * test_smt.c - unit tests of core/smt.c: the SMT shift from CPUID's
 * extended-topology leaf, sibling detection from APIC IDs, and the
 * warning when two different guests are given the threads of one core.
 */
#include <string.h>

#include "test.h"
#include <hv/smt.h>

static char last[256];
static void record(void *ctx, const char *msg)
{
	(*(int *)ctx)++;
	strncpy(last, msg, sizeof(last) - 1);
}

static void test_shift(void)
{
	CHECK_EQ(smt_shift_from_leaf(1, 1u << 8), 1);	       /* SMT level, 2 threads */
	CHECK_EQ(smt_shift_from_leaf(0x21, 1u << 8), 1);       /* only EAX[4:0] */
	CHECK_EQ(smt_shift_from_leaf(4, 2u << 8), 0);	       /* a core level: no SMT known */
	CHECK_EQ(smt_shift_from_leaf(0, 0), 0);		       /* invalid level */
	CHECK(smt_siblings(0, 1, 1) && smt_siblings(7, 6, 1)); /* threads 0/1 of a core */
	CHECK(!smt_siblings(1, 2, 1));			       /* different cores */
	CHECK(!smt_siblings(3, 3, 1));			       /* the same CPU */
	CHECK(!smt_siblings(0, 1, 0));			       /* no SMT */
	CHECK(smt_siblings(4, 7, 2));			       /* four threads a core */
}

static void set_cpu(struct config_guest *g, uint32_t cpu)
{
	g->cpus[cpu / 64] |= 1ULL << (cpu % 64);
}

static void test_config(void)
{
	static struct hv_config cfg;
	/* cpus 0-3 = two cores of two threads; cpu 4 alone on a third */
	const uint32_t apic[] = {0, 1, 2, 3, 4};
	int n = 0;

	memset(&cfg, 0, sizeof(cfg));
	cfg.guest_count = 3;
	strcpy(cfg.guests[0].name, "a");
	strcpy(cfg.guests[1].name, "b");
	strcpy(cfg.guests[2].name, "c");
	set_cpu(&cfg.guests[0], 0);
	set_cpu(&cfg.guests[0], 1); /* a has both threads of core 0: fine */
	set_cpu(&cfg.guests[1], 2);
	set_cpu(&cfg.guests[2], 4);
	CHECK_EQ(smt_check_config(&cfg, apic, 5, 1, record, &n), 0);
	CHECK_EQ(n, 0);
	/* c moves to cpu 3, b's sibling */
	cfg.guests[2].cpus[0] = 0;
	set_cpu(&cfg.guests[2], 3);
	CHECK_EQ(smt_check_config(&cfg, apic, 5, 1, record, &n), 1);
	CHECK_EQ(n, 1);
	CHECK_STREQ(last, "guests b and c are given SMT siblings: cpu 2 and cpu 3 are threads of "
			  "one core (APIC IDs 2 and 3)");
	/* without SMT (shift 0) the same layout is fine */
	CHECK_EQ(smt_check_config(&cfg, apic, 5, 0, NULL, NULL), 0);
	/* a CPU shared by two guests whose sibling one of them has: one warning per pair */
	set_cpu(&cfg.guests[1], 3);
	CHECK_EQ(smt_check_config(&cfg, apic, 5, 1, NULL, NULL), 1);
	/* CPUs beyond ncpus are not looked at */
	CHECK_EQ(smt_check_config(&cfg, apic, 3, 1, NULL, NULL), 0);
}

int main(void)
{
	RUN(test_shift);
	RUN(test_config);
	return test_summary();
}
