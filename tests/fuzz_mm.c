/*
 * fuzz_mm.c - libFuzzer target for the physical allocator (core/mm.c).
 *
 * The input is a firmware memory map as hostile as firmware could make it
 * (any base and length, wrapping, overlapping, any type), an image and
 * modules, then a sequence of allocations and frees.  Every address handed
 * out must lie wholly in RAM reported usable, outside every other entry,
 * the image and the modules, at or above 1 MiB (below 0x9f000 and above
 * page 0 for the low pool), suitably aligned, and not overlap any other
 * live allocation; the free lists must stay sorted, disjoint and aligned.
 */
#include <stdlib.h>
#include <string.h>

#include <hv/mm.h>
#include "test.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Addresses mostly in a small window so that entries interact, sometimes anywhere. */
static uint64_t take_addr(struct input *in)
{
	uint8_t mode = (uint8_t)take(in, 1);

	if (mode < 200)
		return take(in, 2) * 0x400; /* 0 .. 64 MiB in 1 KiB steps */
	return take(in, 8);
}

static struct boot_info bi;
static struct pmm pm;

struct block {
	uint64_t base, len;
};

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	uint64_t aend = alen > UINT64_MAX - a ? UINT64_MAX : a + alen;
	uint64_t bend = blen > UINT64_MAX - b ? UINT64_MAX : b + blen;

	return alen && blen && a < bend && b < aend;
}

/* [base, base+len) is covered by the union of usable entries (wrapping ones ignored). */
static bool in_usable(uint64_t base, uint64_t len)
{
	uint64_t cur = base, end = base + len;
	bool progress = true;

	while (cur < end && progress) {
		progress = false;
		for (uint32_t i = 0; i < bi.mem_count; i++) {
			const struct mem_range *m = &bi.mem[i];

			if (m->type != MEM_USABLE || m->len > UINT64_MAX - m->base)
				continue;
			if (m->base <= cur && cur < m->base + m->len) {
				cur = m->base + m->len;
				progress = true;
			}
		}
	}
	return cur >= end;
}

static void check_block(uint64_t a, uint64_t len, uint64_t align, bool low)
{
	if (a % align || len == 0 || !in_usable(a, len))
		abort();
	if (low ? (a < 0x1000 || a + len > 0x9f000) : a < 0x100000)
		abort();
	for (uint32_t i = 0; i < bi.mem_count; i++) {
		if (bi.mem[i].type != MEM_USABLE && overlaps(a, len, bi.mem[i].base, bi.mem[i].len))
			abort();
	}
	if (overlaps(a, len, bi.image_start, bi.image_end - bi.image_start))
		abort();
	for (uint32_t i = 0; i < bi.module_count; i++) {
		const struct boot_module *m = &bi.modules[i];

		if (m->end > m->start && overlaps(a, len, m->start, m->end - m->start))
			abort();
	}
}

static void check_lists(void)
{
	const struct pmm_range *lists[2] = {pm.free, pm.low};
	uint32_t counts[2] = {pm.count, pm.low_count};

	for (int l = 0; l < 2; l++) {
		for (uint32_t i = 0; i < counts[l]; i++) {
			const struct pmm_range *r = &lists[l][i];

			if (r->base >= r->end || r->base % PAGE_SIZE || r->end % PAGE_SIZE)
				abort();
			if (i && lists[l][i - 1].end >= r->base)
				abort();
		}
	}
}

static void build_map(struct input *in)
{
	memset(&bi, 0, sizeof(bi));
	bi.mem_count = (uint32_t)take(in, 1) % 24;
	for (uint32_t i = 0; i < bi.mem_count; i++) {
		bi.mem[i].base = take_addr(in);
		bi.mem[i].len = take_addr(in);
		bi.mem[i].type = (uint32_t)take(in, 1) % 8;
	}
	bi.image_start = take_addr(in);
	bi.image_end = bi.image_start + take(in, 2) * 0x100;
	if (bi.image_end < bi.image_start)
		bi.image_end = bi.image_start;
	bi.module_count = (uint32_t)take(in, 1) % 4;
	for (uint32_t i = 0; i < bi.module_count; i++) {
		bi.modules[i].start = take_addr(in);
		bi.modules[i].end = take_addr(in);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	struct block live[32];
	uint32_t nlive = 0;

	build_map(&in);
	pmm_init(&pm, &bi);
	check_lists();
	while (in.n) {
		uint8_t op = (uint8_t)take(&in, 1);
		uint64_t len = (take(&in, 2) + 1) * PAGE_SIZE;
		uint64_t align = PAGE_SIZE << (op % 10);
		bool low = op & 0x80;
		uint64_t a;

		if ((op & 0x40) && nlive) { /* free (part of) a live block */
			struct block *b = &live[op % nlive];

			pmm_free(&pm, b->base, b->len);
			*b = live[--nlive];
			continue;
		}
		a = low ? pmm_alloc_low(&pm, len % 0x100000) : pmm_alloc(&pm, len, align);
		if (!a)
			continue;
		if (low)
			len = ALIGN_UP(len % 0x100000, PAGE_SIZE), align = PAGE_SIZE;
		check_block(a, len, align, low);
		for (uint32_t i = 0; i < nlive; i++) {
			if (overlaps(a, len, live[i].base, live[i].len))
				abort();
		}
		if (nlive < 32)
			live[nlive++] = (struct block){a, len};
	}
	check_lists();
	return 0;
}
