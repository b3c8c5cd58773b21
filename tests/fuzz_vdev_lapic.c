/*
 * fuzz_vdev_lapic.c - libFuzzer target for the virtual local APIC
 * (guests/vdev_lapic*.c).
 *
 * Two vLAPICs form a partition whose ops.ipi routes over both.  The input
 * is a sequence of operations on either: MMIO reads and writes at any
 * offset and size, MSR reads and writes (IA32_APIC_BASE, TSC deadline, the
 * x2APIC range), time steps with ticks, interrupt acceptance, injection of
 * the pending vector (ack), EOIs, LINT edges, INIT and SIPI handling.
 * Checked after every operation, against a reference computed here: PPR
 * from TPR and ISR; the pending vector is the highest IRR vector iff its
 * class beats PPR; vectors 0-15 never in IRR/ISR; at most one in-service
 * vector per priority class (ISR nesting); LVTs masked while software
 * disabled; the current count never exceeds the initial count; after a
 * tick the next deadline lies in the future and a second tick at the same
 * time raises nothing.
 */
#include <stdio.h>
#include <stdlib.h>

#include <hv/vdev_lapic.h>
#include "test.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vlapic cpu[2];
static struct vlapic *part[2] = {&cpu[0], &cpu[1]};
static vdev_time_ns now;

static void route(void *ctx, const struct vlapic_ipi *ipi)
{
	(void)ctx;
	vlapic_route(part, 2, ipi);
}

static void eoi_cb(void *ctx, uint8_t vector)
{
	(void)ctx;
	if (vector < 16)
		FAIL("EOI forwarded for illegal vector %u", vector);
}

static int highest(const uint32_t *v)
{
	for (int i = 255; i >= 0; i--)
		if (v[i / 32] & (1u << (i % 32)))
			return i;
	return -1;
}

/* The 256-bit vector at base of the page, as 8 plain words. */
static void page_vector(const struct vlapic *vl, uint32_t base, uint32_t out[8])
{
	for (unsigned i = 0; i < 8; i++)
		out[i] = vl->page[(base >> 2) + i * 4];
}

static void check_priority(struct vlapic *vl)
{
	uint32_t irr[8], isr[8], tpr;
	int isrv, irrv, pend;
	uint32_t isr_class, ppr;
	int want = -1;

	vlapic_sync(vl); /* as the owner does before each entry */
	page_vector(vl, VLAPIC_OFF_IRR, irr);
	page_vector(vl, VLAPIC_OFF_ISR, isr);
	tpr = vl->page[VLAPIC_OFF_TPR >> 2];
	isrv = highest(isr);
	irrv = highest(irr);
	pend = vlapic_pending_vector(vl);
	isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
	ppr = (tpr & 0xf0) >= isr_class ? tpr : isr_class;
	if (vlapic_ppr(vl) != ppr)
		FAIL("PPR %#x, expected %#x (TPR %#x, ISRV %d)", vlapic_ppr(vl), ppr, tpr, isrv);
	if (irrv >= 0 && vlapic_hw_enabled(vl) && ((uint32_t)irrv & 0xf0) > (ppr & 0xf0))
		want = irrv;
	if (pend != want)
		FAIL("pending %d, expected %d", pend, want);
	if (vlapic_intr_status(vl) !=
	    (uint16_t)((irrv < 0 ? 0 : irrv) | (isrv < 0 ? 0 : isrv) << 8))
		FAIL("interrupt status %#x, IRR %d ISR %d", vlapic_intr_status(vl), irrv, isrv);
	if ((irr[0] | isr[0]) & 0xffff)
		FAIL("vector below 16 in IRR/ISR");
	for (unsigned c = 0; c < 16; c++) /* one in-service vector per class */
		if (__builtin_popcount((isr[c / 2] >> (16 * (c % 2))) & 0xffff) > 1)
			FAIL("two in-service vectors in class %u", c);
}

static void check(struct vlapic *vl)
{
	uint64_t v;

	check_priority(vl);
	if (!vlapic_sw_enabled(vl))
		for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
			if (!(vl->lvt[i] & BIT(16)))
				FAIL("LVT %u unmasked while software-disabled", i);
	if (vlapic_is_x2apic(vl) && !vlapic_hw_enabled(vl))
		FAIL("x2APIC mode while disabled");
	if (vlapic_mmio_read(vl, 0x390, 4, now, &v) == VLAPIC_OK && v > vl->timer.initial)
		FAIL("current count %#llx above initial %#x", (unsigned long long)v,
		     vl->timer.initial);
}

static void tick_both(void)
{
	for (int i = 0; i < 2; i++) {
		uint64_t fired;

		vlapic_tick(&cpu[i], now);
		fired = cpu[i].timer.fired;
		vlapic_tick(&cpu[i], now);
		if (cpu[i].timer.fired != fired)
			FAIL("second tick at the same time fired again");
		if (vlapic_next_deadline(&cpu[i], now) <= now)
			FAIL("deadline %llu not after now %llu after a tick",
			     (unsigned long long)vlapic_next_deadline(&cpu[i], now),
			     (unsigned long long)now);
	}
}

/* What a CPU with virtual-interrupt delivery does in the page while the
 * guest runs (SDM Vol. 3C 30.2.2, 30.1.4): deliver RVI when it is above
 * PPR (IRR -> ISR), or a virtual EOI of SVI, then the EOI-induced exit
 * for a vector in the EOI-exit bitmap. */
static void cpu_virtual_delivery(struct vlapic *vl, bool eoi)
{
	uint16_t st;
	uint64_t bm[4];
	uint8_t v;

	vlapic_sync(vl);
	st = vlapic_intr_status(vl);
	if (!eoi) {
		int p = vlapic_pending_vector(vl);

		if (p >= 0 && p != (st & 0xff))
			FAIL("pending %d but RVI %u", p, st & 0xff);
		if (p < 0)
			return;
		v = (uint8_t)p;
		vl->page[(VLAPIC_OFF_IRR >> 2) + (v >> 5) * 4] &= ~(1u << (v & 31));
		vl->page[(VLAPIC_OFF_ISR >> 2) + (v >> 5) * 4] |= 1u << (v & 31);
		return;
	}
	v = (uint8_t)(st >> 8);
	if (!v)
		return;
	vlapic_eoi_exit_bitmap(vl, bm);
	vl->page[(VLAPIC_OFF_ISR >> 2) + (v >> 5) * 4] &= ~(1u << (v & 31));
	if (bm[v >> 6] & (1ULL << (v & 63)))
		vlapic_apicv_eoi(vl, v);
}

static uint32_t pick_msr(uint8_t b)
{
	if (b < 8)
		return b < 4 ? 0x1b : 0x6e0;
	return 0x800 + (b & 0x7f); /* mostly real registers, some beyond */
}

static void step(struct input *in)
{
	uint8_t op = (uint8_t)take(in, 1);
	struct vlapic *vl = &cpu[op & 1];
	static const unsigned sizes[4] = {1, 2, 4, 8};
	uint64_t v;
	uint8_t vec;

	switch ((op >> 1) % 14) {
	case 0:
		vlapic_mmio_read(vl, (uint32_t)take(in, 2) & 0x1fff, sizes[take(in, 1) & 3], now,
				 &v);
		break;
	case 1:
	case 2: {
		/* mostly aligned 4-byte writes to real registers */
		uint32_t off = (uint32_t)take(in, 1) << 4, size = (op & 0x80) ? 4 : sizes[op & 3];

		vlapic_mmio_write(vl, off | ((op & 0x40) ? 0 : (op & 0xf)), size, take(in, 4), now);
		break;
	}
	case 3:
		vlapic_msr_read(vl, pick_msr((uint8_t)take(in, 1)), now, &v);
		break;
	case 4:
		vlapic_msr_write(vl, pick_msr((uint8_t)take(in, 1)), take(in, 8), now);
		break;
	case 5:
		now += take(in, 1) << (take(in, 1) & 31);
		tick_both();
		break;
	case 6:
		vec = (uint8_t)take(in, 1);
		vlapic_accept(vl, vec, vec & 1);
		break;
	case 7: {
		int p = vlapic_pending_vector(vl);

		if (p >= 0 && !vlapic_ack(vl, (uint8_t)p))
			FAIL("pending vector %d not in IRR", p);
		break;
	}
	case 8:
		vlapic_eoi(vl);
		break;
	case 9:
		vlapic_lint(vl, (unsigned)take(in, 1) % 3);
		break;
	case 10:
		vlapic_take_sipi(vl, &vec);
		vl->nmi_pending = vl->extint_pending = false;
		break;
	case 11: {
		/* The guest writes an xAPIC register with APIC virtualization on:
		 * the CPU stores the value in the page, then TPR virtualization
		 * and ICR-high stores need no exit and the others are APIC-write
		 * exits (SDM Vol. 3C 30.4.3); other offsets are APIC-access exits
		 * (the mmio paths). */
		static const uint16_t offs[] = {0x80,  0x20,  0xd0,  0xe0,  0xf0,  0x280,
						0x300, 0x310, 0x320, 0x330, 0x340, 0x350,
						0x360, 0x370, 0x380, 0x3e0};
		uint32_t off = offs[take(in, 1) % ARRAY_SIZE(offs)];

		vlapic_sync(vl); /* the guest runs only after a sync */
		vl->page[off >> 2] = (uint32_t)take(in, 4) & (off == 0x80    ? 0xff
							      : off == 0x310 ? 0xff000000u
									     : ~0u);
		if (off != 0x80 && off != 0x310) /* these two store without an exit */
			vlapic_apicv_write(vl, off, now);
		break;
	}
	case 12:
		cpu_virtual_delivery(vl, (op & 0x80) != 0);
		break;
	default:
		if (take(in, 1) == 0x5a)
			vlapic_init_signal(vl);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	struct vlapic_ops ops = {.ipi = route, .eoi = eoi_cb};

	for (uint32_t i = 0; i < 2; i++) {
		struct vlapic_config cfg = {.apic_id = i,
					    .is_bsp = i == 0,
					    .x2apic = true,
					    .tsc_deadline = true,
					    .eoi_suppression = data && size && (data[0] & 1),
					    .timer_hz = 1000000 + (size * 7919) % 1000000000,
					    .tsc_hz = 2000000000,
					    .tsc_offset = size};

		if (vlapic_init(&cpu[i], &cfg, &ops))
			FAIL("init failed");
	}
	now = 0;
	while (in.n) {
		step(&in);
		check(&cpu[0]);
		check(&cpu[1]);
	}
	return 0;
}
