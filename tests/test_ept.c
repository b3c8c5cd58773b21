/*
 * test_ept.c - unit tests of the EPT builder (ept/ept.c on ept/ptwalk.c)
 * with a fake page allocator: page-size choices, alignment and range checks,
 * overlap refusal, unmap with large-page splitting, translation, failure
 * rollback, and that destroy frees every table (allocations are counted).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include <hv/ept.h>

/* Fake "physical memory": pages live at FAKE_BASE + i * 4 KiB so that the
 * builder's phys<->virt translation is actually exercised. */
#define FAKE_BASE  0x0000004000000000ULL
#define FAKE_PAGES 4096

struct fake_mem {
	void *page[FAKE_PAGES];
	unsigned allocs, frees, live;
	int fail_after; /* allocations left before failing; -1 = never */
};

static uint64_t fake_alloc(void *ctx)
{
	struct fake_mem *m = ctx;

	if (m->fail_after == 0)
		return 0;
	if (m->fail_after > 0)
		m->fail_after--;
	for (unsigned i = 0; i < FAKE_PAGES; i++) {
		if (m->page[i])
			continue;
		m->page[i] = aligned_alloc(4096, 4096);
		memset(m->page[i], 0, 4096);
		m->allocs++;
		m->live++;
		return FAKE_BASE + (uint64_t)i * 4096;
	}
	return 0;
}

static unsigned fake_index(uint64_t pa)
{
	unsigned i = (unsigned)((pa - FAKE_BASE) / 4096);

	if (pa < FAKE_BASE || pa % 4096 || i >= FAKE_PAGES) {
		fprintf(stderr, "bad fake physical address %#llx\n", (unsigned long long)pa);
		abort();
	}
	return i;
}

static void fake_free(void *ctx, uint64_t pa)
{
	struct fake_mem *m = ctx;
	unsigned i = fake_index(pa);

	if (!m->page[i]) {
		fprintf(stderr, "double free of %#llx\n", (unsigned long long)pa);
		abort();
	}
	free(m->page[i]);
	m->page[i] = NULL;
	m->frees++;
	m->live--;
}

static void *fake_virt(void *ctx, uint64_t pa)
{
	struct fake_mem *m = ctx;
	unsigned i = fake_index(pa);

	if (!m->page[i]) {
		fprintf(stderr, "use of freed table %#llx\n", (unsigned long long)pa);
		abort();
	}
	return m->page[i];
}

static struct fake_mem mem;

static void setup(struct ept *e)
{
	const struct pt_allocator a = {
	    .alloc_page = fake_alloc,
	    .free_page = fake_free,
	    .phys_to_virt = fake_virt,
	    .ctx = &mem,
	};

	memset(&mem, 0, sizeof(mem));
	mem.fail_after = -1;
	CHECK_EQ(ept_init(e, &a), 0);
	CHECK_EQ(mem.live, 1);
}

static void teardown(struct ept *e)
{
	ept_destroy(e);
	CHECK_EQ(mem.live, 0);
	CHECK_EQ(mem.allocs, mem.frees);
}

#define LARGE (EPT_ALLOW_2M | EPT_ALLOW_1G)

/* Expect gpa -> hpa with the given page-size flag (0 for 4 KiB). */
static void expect_map(struct ept *e, uint64_t gpa, uint64_t hpa, uint32_t page)
{
	uint64_t got = 0;
	uint32_t flags = 0;

	CHECK_EQ(ept_translate(e, gpa, &got, &flags), 0);
	CHECK_EQ(got, hpa);
	CHECK_EQ(flags & (EPT_PAGE_2M | EPT_PAGE_1G), page);
}

static void expect_unmapped(struct ept *e, uint64_t gpa)
{
	uint64_t got;
	uint32_t flags;

	CHECK_EQ(ept_translate(e, gpa, &got, &flags), -PT_ENOENT);
}

static void test_page_sizes(void)
{
	struct ept e;

	setup(&e);
	/* 1 GiB page: PML4 + PDPT only */
	CHECK_EQ(ept_map(&e, 0, 0x40000000, GiB, EPT_RWX | LARGE), 0);
	CHECK_EQ(mem.live, 2);
	expect_map(&e, 0x12345678, 0x52345678, EPT_PAGE_1G);
	/* 2 MiB pages next to it, a PD appears */
	CHECK_EQ(ept_map(&e, GiB + 2 * MiB, 0x400000, 4 * MiB, EPT_RWX | LARGE), 0);
	CHECK_EQ(mem.live, 3);
	expect_map(&e, GiB + 2 * MiB + 5, 0x400005, EPT_PAGE_2M);
	expect_map(&e, GiB + 5 * MiB, 0x700000, EPT_PAGE_2M);
	expect_unmapped(&e, GiB);
	expect_unmapped(&e, GiB + 6 * MiB);
	/* 4K, 2M, 2M, 4K for a range that is only 4 KiB aligned at its ends */
	CHECK_EQ(ept_map(&e, 2 * GiB + 0x3ff000, 0x10000000 + 0x3ff000, 0x402000, EPT_RWX | LARGE),
		 0);
	expect_map(&e, 2 * GiB + 0x3ff000, 0x103ff000, 0);
	expect_map(&e, 2 * GiB + 0x400000, 0x10400000, EPT_PAGE_2M);
	expect_map(&e, 2 * GiB + 0x7fffff, 0x107fffff, EPT_PAGE_2M);
	expect_map(&e, 2 * GiB + 0x800000, 0x10800000, 0);
	expect_unmapped(&e, 2 * GiB + 0x801000);
	teardown(&e);
}

/* A large page needs BOTH addresses aligned, and the capability. */
static void test_page_size_limits(void)
{
	struct ept e;

	setup(&e);
	CHECK_EQ(ept_map(&e, 2 * MiB, 2 * MiB + 4096, 2 * MiB, EPT_RWX | LARGE), 0);
	expect_map(&e, 2 * MiB, 2 * MiB + 4096, 0);
	expect_map(&e, 4 * MiB - 1, 4 * MiB + 4095, 0);
	CHECK_EQ(mem.live, 4); /* PML4, PDPT, PD, one PT */
	teardown(&e);

	setup(&e);
	/* only 2M allowed: a 1 GiB range becomes 512 PDEs */
	CHECK_EQ(ept_map(&e, GiB, GiB, GiB, EPT_RWX | EPT_ALLOW_2M), 0);
	CHECK_EQ(mem.live, 3);
	expect_map(&e, GiB + 3, GiB + 3, EPT_PAGE_2M);
	/* nothing allowed: 4 KiB pages, 512 PTs */
	CHECK_EQ(ept_map(&e, 4 * GiB, 8 * GiB, GiB, EPT_RWX), 0);
	CHECK_EQ(mem.live, 3 + 1 + 512);
	expect_map(&e, 5 * GiB - 1, 9 * GiB - 1, 0);
	teardown(&e);
}

static void test_bad_arguments(void)
{
	struct ept e;

	setup(&e);
	CHECK_EQ(ept_map(&e, 0x1001, 0, 4096, EPT_RWX), -PT_EALIGN);
	CHECK_EQ(ept_map(&e, 0, 0x800, 4096, EPT_RWX), -PT_EALIGN);
	CHECK_EQ(ept_map(&e, 0, 0, 4095, EPT_RWX), -PT_EALIGN);
	CHECK_EQ(ept_map(&e, 0, 0, 0, EPT_RWX), -PT_EALIGN);
	CHECK_EQ(ept_map(&e, 1ULL << 48, 0, 4096, EPT_RWX), -PT_ERANGE);
	CHECK_EQ(ept_map(&e, (1ULL << 48) - 4096, 0, 8192, EPT_RWX), -PT_ERANGE);
	CHECK_EQ(ept_map(&e, 0, 1ULL << 52, 4096, EPT_RWX), -PT_ERANGE);
	CHECK_EQ(ept_map(&e, 0, 0xfffffffffffff000ULL, 8192, EPT_RWX), -PT_ERANGE);
	CHECK_EQ(ept_map(&e, 0, 0, 4096, 0), -PT_EINVAL);
	CHECK_EQ(ept_map(&e, 0, 0, 4096, EPT_WRITE), -PT_EINVAL);
	CHECK_EQ(ept_map(&e, 0, 0, 4096, EPT_RWX | BIT(20)), -PT_EINVAL);
	CHECK_EQ(ept_unmap(&e, 0x800, 4096), -PT_EALIGN);
	expect_unmapped(&e, 1ULL << 48);
	CHECK_EQ(mem.live, 1);
	CHECK_STREQ(ept_strerror(-PT_EOVERLAP), "range overlaps an existing mapping");
	CHECK_STREQ(ept_strerror(99), "unknown error");
	teardown(&e);
}

static void test_overlap_refused(void)
{
	struct ept e;

	setup(&e);
	CHECK_EQ(ept_map(&e, 2 * MiB, 0, 2 * MiB, EPT_RWX | LARGE), 0);
	unsigned before = mem.live;
	CHECK_EQ(ept_map(&e, 3 * MiB, 0, 2 * MiB, EPT_RWX | LARGE), -PT_EOVERLAP);
	CHECK_EQ(ept_map(&e, 0, 0, 1 * GiB, EPT_RWX | LARGE), -PT_EOVERLAP);
	CHECK_EQ(ept_map(&e, 4 * MiB - 4096, 0, 4096, EPT_READ), -PT_EOVERLAP);
	CHECK_EQ(mem.live, before);
	expect_unmapped(&e, 4 * MiB); /* nothing of the refused ranges was mapped */
	expect_map(&e, 3 * MiB, 1 * MiB, EPT_PAGE_2M); /* the original is untouched */
	/* adjacent ranges are fine */
	CHECK_EQ(ept_map(&e, 4 * MiB, 0, 4096, EPT_READ), 0);
	CHECK_EQ(ept_map(&e, 2 * MiB - 4096, 0, 4096, EPT_READ), 0);
	teardown(&e);
}

static void test_unmap_split(void)
{
	struct ept e;

	setup(&e);
	CHECK_EQ(ept_map(&e, 0, 4 * GiB, GiB, EPT_RWX | LARGE), 0);
	CHECK_EQ(ept_unmap(&e, 2 * MiB + 4096, 4096), 1);
	CHECK_EQ(mem.live, 4); /* the 1G page became a PD, one 2M of it a PT */
	expect_map(&e, 0, 4 * GiB, EPT_PAGE_2M);
	expect_map(&e, 2 * MiB, 4 * GiB + 2 * MiB, 0);
	expect_unmapped(&e, 2 * MiB + 4096);
	expect_map(&e, 2 * MiB + 8192, 4 * GiB + 2 * MiB + 8192, 0);
	expect_map(&e, 4 * MiB, 4 * GiB + 4 * MiB, EPT_PAGE_2M);
	expect_map(&e, GiB - 1, 5 * GiB - 1, EPT_PAGE_2M);
	/* unmapping a hole needs no INVEPT */
	CHECK_EQ(ept_unmap(&e, 2 * MiB + 4096, 4096), 0);
	CHECK_EQ(ept_unmap(&e, 7 * GiB, GiB), 0);
	/* and the rest: every table but the root goes away */
	CHECK_EQ(ept_unmap(&e, 0, GiB), 1);
	CHECK_EQ(mem.live, 1);
	expect_unmapped(&e, 0);
	/* the freed range can be mapped again */
	CHECK_EQ(ept_map(&e, 0, 0, GiB, EPT_RWX | LARGE), 0);
	teardown(&e);
}

static void test_memory_types(void)
{
	struct ept e;
	uint64_t hpa;
	uint32_t flags;

	setup(&e);
	CHECK_EQ(ept_map(&e, 0xfee00000, 0xfee00000, 4096, EPT_READ | EPT_WRITE | EPT_MMIO), 0);
	CHECK_EQ(ept_map(&e, 0, 0, 2 * MiB, EPT_READ | EPT_EXEC | EPT_IGNORE_PAT | LARGE), 0);
	CHECK_EQ(ept_translate(&e, 0xfee00010, &hpa, &flags), 0);
	CHECK_EQ(flags, EPT_READ | EPT_WRITE | EPT_MMIO);
	CHECK_EQ(ept_translate(&e, 0x1000, &hpa, &flags), 0);
	CHECK_EQ(flags, EPT_READ | EPT_EXEC | EPT_IGNORE_PAT | EPT_PAGE_2M);
	/* the raw leaf: WB type in bits 5:3, IPAT, large-page bit */
	const uint64_t *pml4 = fake_virt(&mem, e.pt.root);
	const uint64_t *pdpt = fake_virt(&mem, pml4[0] & EPTE_ADDR_MASK);
	const uint64_t *pd = fake_virt(&mem, pdpt[0] & EPTE_ADDR_MASK);
	CHECK_EQ(pml4[0] & 7, 7);
	CHECK_EQ(pd[0], EPTE_READ | EPTE_EXEC | (6 << 3) | EPTE_IGNORE_PAT | EPTE_LARGE);
	CHECK_EQ(ept_eptp(&e, false), e.pt.root | 0x1e);
	CHECK_EQ(ept_eptp(&e, true), e.pt.root | 0x5e);
	teardown(&e);
}

static void test_out_of_memory(void)
{
	struct ept e;

	setup(&e);
	mem.fail_after = 2; /* PDPT and PD succeed, the first PT fails */
	CHECK_EQ(ept_map(&e, 0, 0, 4 * MiB, EPT_RWX), -PT_ENOMEM);
	CHECK_EQ(mem.live, 1); /* rolled back */
	expect_unmapped(&e, 0);
	mem.fail_after = -1;
	CHECK_EQ(ept_map(&e, 0, 0, 2 * MiB, EPT_RWX | LARGE), 0);
	mem.fail_after = 0; /* a split needs a page */
	CHECK_EQ(ept_unmap(&e, 0, 4096), -PT_ENOMEM);
	expect_map(&e, 0, 0, EPT_PAGE_2M);
	mem.fail_after = -1;
	teardown(&e);
}

/* Random maps and unmaps in a 4 GiB window, checked against a page model. */
#define WIN_PAGES (4 * GiB / 4096)
static uint32_t model[WIN_PAGES]; /* hpa page number + 1, 0 = unmapped */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t rnd_size(uint64_t *s)
{
	static const uint64_t sizes[] = {4096, 3 * 4096, 2 * MiB, 2 * MiB + 4096, 6 * MiB, GiB};

	return sizes[rnd(s) % ARRAY_SIZE(sizes)];
}

static void check_model(struct ept *e, uint64_t *s)
{
	unsigned bad = 0;

	for (int i = 0; i < 20000; i++) {
		uint64_t p = rnd(s) % WIN_PAGES, hpa;
		uint32_t flags;
		int rc = ept_translate(e, p * 4096, &hpa, &flags);

		if (model[p] ? rc != 0 || hpa != (uint64_t)(model[p] - 1) * 4096 : rc != -PT_ENOENT)
			bad++;
	}
	CHECK_EQ(bad, 0);
}

static void test_random_against_model(void)
{
	struct ept e;
	uint64_t s = 0x9e3779b97f4a7c15ULL;

	memset(model, 0, sizeof(model));
	setup(&e);
	for (int op = 0; op < 3000; op++) {
		uint64_t size = rnd_size(&s);
		uint64_t gpa =
		    ALIGN_DOWN(rnd(&s) % (4 * GiB - size), size >= 2 * MiB ? 2 * MiB : 4096);
		uint64_t hpa = gpa ^ (rnd(&s) % 4 ? 0x100000000ULL : 0x100001000ULL);
		uint64_t n = size / 4096, first = gpa / 4096, busy = 0;

		for (uint64_t i = 0; i < n; i++)
			busy += model[first + i] != 0;
		if (rnd(&s) % 3) {
			int rc = ept_map(&e, gpa, hpa, size, EPT_RWX | LARGE);

			CHECK_EQ(rc, busy ? -PT_EOVERLAP : 0);
			for (uint64_t i = 0; i < n && !rc; i++)
				model[first + i] = (uint32_t)(hpa / 4096 + i + 1);
		} else {
			CHECK_EQ(ept_unmap(&e, gpa, size), busy ? 1 : 0);
			memset(&model[first], 0, n * sizeof(model[0]));
		}
		if (op % 500 == 0)
			check_model(&e, &s);
	}
	check_model(&e, &s);
	CHECK_EQ(ept_unmap(&e, 0, 4 * GiB) >= 0, 1);
	CHECK_EQ(mem.live, 1);
	teardown(&e);
}

int main(void)
{
	RUN(test_page_sizes);
	RUN(test_page_size_limits);
	RUN(test_bad_arguments);
	RUN(test_overlap_refused);
	RUN(test_unmap_split);
	RUN(test_memory_types);
	RUN(test_out_of_memory);
	RUN(test_random_against_model);
	return test_summary();
}
