/*
 * test_vdev_lapic.c - unit tests of the virtual local APIC
 * (guests/vdev_lapic*.c): reset values, the xAPIC and x2APIC access paths,
 * IA32_APIC_BASE transitions, priorities and EOI, ICR decoding and IPI
 * routing, INIT/SIPI, the timer in every mode against a fake clock, SVR and
 * ESR semantics (SDM Vol. 3A chapter 11).
 */
#include <string.h>

#include "test.h"
#include <hv/vdev_lapic.h>

#define HZ_100M	  100000000ULL /* timer clock: one count per 10 ns at divide-by-1 */
#define TSC_2G	  2000000000ULL
#define OFF_ID	  0x020
#define OFF_VER	  0x030
#define OFF_TPR	  0x080
#define OFF_APR	  0x090
#define OFF_PPR	  0x0a0
#define OFF_EOI	  0x0b0
#define OFF_LDR	  0x0d0
#define OFF_DFR	  0x0e0
#define OFF_SVR	  0x0f0
#define OFF_ISR	  0x100
#define OFF_TMR	  0x180
#define OFF_IRR	  0x200
#define OFF_ESR	  0x280
#define OFF_CMCI  0x2f0
#define OFF_ICR	  0x300
#define OFF_ICR2  0x310
#define OFF_LVTT  0x320
#define OFF_LINT0 0x350
#define OFF_LINT1 0x360
#define OFF_LVTE  0x370
#define OFF_TICR  0x380
#define OFF_TCCR  0x390
#define OFF_TDCR  0x3e0
#define MSR_BASE  0x1b
#define MSR_TSCDL 0x6e0
#define X2(off)	  (0x800u + ((off) >> 4))

static vdev_time_ns now;

static struct {
	unsigned nipi, neoi;
	struct vlapic_ipi ipi;
	uint8_t eoi_vector;
} rec;

static void rec_ipi(void *ctx, const struct vlapic_ipi *ipi)
{
	(void)ctx;
	rec.nipi++;
	rec.ipi = *ipi;
}

static void rec_eoi(void *ctx, uint8_t vector)
{
	(void)ctx;
	rec.neoi++;
	rec.eoi_vector = vector;
}

static const struct vlapic_ops ops = {.ipi = rec_ipi, .eoi = rec_eoi};

static struct vlapic_config cfg_for(uint32_t id, bool bsp)
{
	return (struct vlapic_config){.apic_id = id,
				      .is_bsp = bsp,
				      .x2apic = true,
				      .tsc_deadline = true,
				      .timer_hz = HZ_100M,
				      .tsc_hz = TSC_2G};
}

static void setup(struct vlapic *vl, uint32_t id, bool bsp)
{
	struct vlapic_config cfg = cfg_for(id, bsp);

	memset(&rec, 0, sizeof(rec));
	now = 0;
	CHECK_EQ(vlapic_init(vl, &cfg, &ops), 0);
}

static uint32_t rd(struct vlapic *vl, uint32_t off)
{
	uint64_t v = 0xdead;

	CHECK_EQ(vlapic_mmio_read(vl, off, 4, now, &v), VLAPIC_OK);
	return (uint32_t)v;
}

static void wr(struct vlapic *vl, uint32_t off, uint32_t val)
{
	CHECK_EQ(vlapic_mmio_write(vl, off, 4, val, now), VLAPIC_OK);
}

static uint64_t rdmsr(struct vlapic *vl, uint32_t msr)
{
	uint64_t v = 0xdead;

	CHECK_EQ(vlapic_msr_read(vl, msr, now, &v), VLAPIC_OK);
	return v;
}

static void to_x2apic(struct vlapic *vl)
{
	CHECK_EQ(vlapic_msr_write(vl, MSR_BASE, 0xfee00000ULL | BIT(11) | BIT(10), now), VLAPIC_OK);
	CHECK(vlapic_is_x2apic(vl));
}

/* Power-up state, SDM Vol. 3A 11.4.7.1 and table 9-1. */
static void test_reset_values(void)
{
	struct vlapic vl;

	setup(&vl, 3, true);
	CHECK_EQ(rd(&vl, OFF_ID), 3u << 24);
	CHECK_EQ(rd(&vl, OFF_VER), 0x00060014);
	CHECK_EQ(rd(&vl, OFF_TPR), 0);
	CHECK_EQ(rd(&vl, OFF_APR), 0);
	CHECK_EQ(rd(&vl, OFF_PPR), 0);
	CHECK_EQ(rd(&vl, OFF_LDR), 0);
	CHECK_EQ(rd(&vl, OFF_DFR), 0xffffffff);
	CHECK_EQ(rd(&vl, OFF_SVR), 0xff);
	for (uint32_t i = 0; i < 8; i++) {
		CHECK_EQ(rd(&vl, OFF_ISR + 16 * i), 0);
		CHECK_EQ(rd(&vl, OFF_TMR + 16 * i), 0);
		CHECK_EQ(rd(&vl, OFF_IRR + 16 * i), 0);
	}
	CHECK_EQ(rd(&vl, OFF_ESR), 0);
	CHECK_EQ(rd(&vl, OFF_CMCI), 0x10000);
	for (uint32_t off = OFF_LVTT; off <= OFF_LVTE; off += 16)
		CHECK_EQ(rd(&vl, off), 0x10000);
	CHECK_EQ(rd(&vl, OFF_ICR), 0);
	CHECK_EQ(rd(&vl, OFF_ICR2), 0);
	CHECK_EQ(rd(&vl, OFF_TICR), 0);
	CHECK_EQ(rd(&vl, OFF_TCCR), 0);
	CHECK_EQ(rd(&vl, OFF_TDCR), 0);
	CHECK_EQ(rdmsr(&vl, MSR_BASE), 0xfee00900ULL);
	CHECK_EQ(vl.cpu_state, VLAPIC_CPU_RUNNING);
	CHECK_EQ(vlapic_mmio_base(&vl), 0xfee00000ULL);
	CHECK_EQ(vlapic_next_deadline(&vl, 0), VDEV_NEVER);
	CHECK_EQ(vlapic_pending_vector(&vl), -1);

	setup(&vl, 1, false);
	CHECK_EQ(rdmsr(&vl, MSR_BASE), 0xfee00800ULL);
	CHECK_EQ(vl.cpu_state, VLAPIC_CPU_WAIT_SIPI);

	struct vlapic_config cfg = cfg_for(0, true);
	cfg.eoi_suppression = true;
	CHECK_EQ(vlapic_init(&vl, &cfg, NULL), 0);
	CHECK_EQ(rd(&vl, OFF_VER), 0x01060014);
}

static void test_config_errors(void)
{
	struct vlapic vl;
	struct vlapic_config cfg = cfg_for(0, true);

	host_log_clear();
	cfg.timer_hz = 0;
	CHECK_EQ(vlapic_init(&vl, &cfg, NULL), -1);
	CHECK_LOG("timer_hz");
	cfg = cfg_for(0, true);
	cfg.tsc_hz = 0;
	CHECK_EQ(vlapic_init(&vl, &cfg, NULL), -1);
	CHECK_LOG("tsc_hz");
	cfg = cfg_for(0x100, true);
	cfg.x2apic = false;
	CHECK_EQ(vlapic_init(&vl, &cfg, NULL), -1);
	CHECK_LOG("needs x2APIC");
	cfg = cfg_for(0, true);
	cfg.phys_bits = 60;
	CHECK_EQ(vlapic_init(&vl, &cfg, NULL), -1);
	CHECK_LOG("phys_bits");
}

/* xAPIC MMIO: sizes, offsets, read-only and reserved registers. */
static void test_xapic_access(void)
{
	struct vlapic vl;
	uint64_t v;

	setup(&vl, 0x12, true);
	CHECK_EQ(vlapic_mmio_read(&vl, OFF_ID + 3, 1, now, &v), VLAPIC_OK);
	CHECK_EQ(v, 0x12);
	CHECK_EQ(vlapic_mmio_read(&vl, OFF_VER, 2, now, &v), VLAPIC_OK);
	CHECK_EQ(v, 0x0014);
	CHECK_EQ(vlapic_mmio_read(&vl, OFF_VER, 8, now, &v), VLAPIC_OK);
	CHECK_EQ(v, 0x00060014);
	CHECK_EQ(vlapic_mmio_read(&vl, OFF_VER + 4, 4, now, &v), VLAPIC_OK);
	CHECK_EQ(v, 0);
	/* Read-only registers ignore writes; EOI reads 0. */
	wr(&vl, OFF_ID, 0x55000000);
	wr(&vl, OFF_VER, 0);
	wr(&vl, OFF_PPR, 0xff);
	CHECK_EQ(rd(&vl, OFF_ID), 0x12000000);
	CHECK_EQ(rd(&vl, OFF_VER), 0x00060014);
	CHECK_EQ(rd(&vl, OFF_PPR), 0);
	CHECK_EQ(rd(&vl, OFF_EOI), 0);
	/* Writable masks. */
	wr(&vl, OFF_TPR, 0xffffffff);
	CHECK_EQ(rd(&vl, OFF_TPR), 0xff);
	wr(&vl, OFF_TPR, 0);
	wr(&vl, OFF_LDR, 0xffffffff);
	CHECK_EQ(rd(&vl, OFF_LDR), 0xff000000);
	wr(&vl, OFF_DFR, 0x0);
	CHECK_EQ(rd(&vl, OFF_DFR), 0x0fffffff);
	wr(&vl, OFF_SVR, 0xffffffff);
	CHECK_EQ(rd(&vl, OFF_SVR), 0x3ff); /* bit 12 absent without EOI suppression */
	wr(&vl, OFF_TDCR, 0xffffffff);
	CHECK_EQ(rd(&vl, OFF_TDCR), 0xb);
	wr(&vl, OFF_LINT0, 0xffffffff);
	CHECK_EQ(rd(&vl, OFF_LINT0), 0x1a7ff);
	wr(&vl, OFF_LVTE, 0xffffffff);
	CHECK_EQ(rd(&vl, OFF_LVTE), 0x100ff);
	wr(&vl, OFF_LVTT, 0xffffffff);
	CHECK_EQ(rd(&vl, OFF_LVTT), 0x700ff);
	wr(&vl, OFF_ICR2, 0xffffffff);
	CHECK_EQ(rd(&vl, OFF_ICR2), 0xff000000);
	wr(&vl, 0x330, 0xffffffff); /* thermal */
	CHECK_EQ(rd(&vl, 0x330), 0x107ff);
	wr(&vl, OFF_CMCI, 0xffffffff);
	CHECK_EQ(rd(&vl, OFF_CMCI), 0x107ff);
	CHECK_EQ(vlapic_mmio_write(&vl, 0x1000, 4, 0, now), VLAPIC_OK); /* outside the page */
	/* Narrow or misaligned writes are ignored. */
	CHECK_EQ(vlapic_mmio_write(&vl, OFF_TPR, 1, 0x40, now), VLAPIC_OK);
	CHECK_EQ(vlapic_mmio_write(&vl, OFF_TPR + 4, 4, 0x40, now), VLAPIC_OK);
	CHECK_EQ(rd(&vl, OFF_TPR), 0);
	/* Reserved registers (incl. x2APIC-only SELF IPI and 0x400+) read 0, set ESR bit 7. */
	CHECK_EQ(rd(&vl, 0x3f0), 0);
	CHECK_EQ(rd(&vl, 0x000), 0);
	CHECK_EQ(rd(&vl, 0xff0), 0);
	wr(&vl, 0x040, 1);
	wr(&vl, OFF_ESR, 0);
	CHECK_EQ(rd(&vl, OFF_ESR), VLAPIC_ESR_ILLEGAL_REGISTER);
	/* Bad shapes: all ones, no effect. */
	CHECK_EQ(vlapic_mmio_read(&vl, 0xffe, 4, now, &v), VLAPIC_OK);
	CHECK_EQ(v, 0xffffffff);
	CHECK_EQ(vlapic_mmio_read(&vl, OFF_TPR, 3, now, &v), VLAPIC_OK);
	CHECK_EQ(vlapic_mmio_read(&vl, 0x1000, 1, now, &v), VLAPIC_OK);
	CHECK_EQ(v, 0xff);
	/* xAPIC mode: x2APIC MSRs #GP. */
	CHECK_EQ(vlapic_msr_read(&vl, X2(OFF_TPR), now, &v), VLAPIC_GP);
	CHECK_EQ(vlapic_msr_write(&vl, X2(OFF_TPR), 0, now), VLAPIC_GP);
	CHECK(vlapic_msr_handles(0x1b) && vlapic_msr_handles(0x6e0) && vlapic_msr_handles(0x8ff));
	CHECK(!vlapic_msr_handles(0x7ff) && !vlapic_msr_handles(0x900));
}

/* x2APIC MSRs: 32-bit registers, 64-bit ICR, SELF IPI, derived LDR, #GP cases (11.12). */
static void test_x2apic_access(void)
{
	struct vlapic vl;
	uint64_t v;

	setup(&vl, 0x23, true);
	wr(&vl, OFF_TPR, 0x20);
	to_x2apic(&vl);
	CHECK_EQ(vlapic_mmio_base(&vl), 0);
	CHECK_EQ(vlapic_mmio_read(&vl, OFF_TPR, 4, now, &v), VLAPIC_UNMAPPED);
	CHECK_EQ(v, 0xffffffff);
	CHECK_EQ(vlapic_mmio_write(&vl, OFF_TPR, 4, 0, now), VLAPIC_UNMAPPED);
	CHECK_EQ(rdmsr(&vl, X2(OFF_TPR)), 0x20); /* state kept across xAPIC -> x2APIC */
	CHECK_EQ(rdmsr(&vl, X2(OFF_ID)), 0x23);
	CHECK_EQ(rdmsr(&vl, X2(OFF_LDR)), 0x00020008);
	CHECK_EQ(rdmsr(&vl, X2(OFF_VER)), 0x00060014);
	CHECK_EQ(rdmsr(&vl, X2(OFF_SVR)), 0xff);
	/* Not present in x2APIC mode. */
	static const uint32_t absent[] = {0x800, 0x801, X2(OFF_APR), X2(OFF_DFR), X2(OFF_ICR2),
					  0x83a, 0x83d, 0x840,	     0x8ff};
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		CHECK_EQ(vlapic_msr_read(&vl, absent[i], now, &v), VLAPIC_GP);
		CHECK_EQ(vlapic_msr_write(&vl, absent[i], 0, now), VLAPIC_GP);
	}
	/* Read-only: writes #GP. */
	static const uint32_t ro[] = {X2(OFF_ID),  X2(OFF_VER),	       X2(OFF_PPR), X2(OFF_LDR),
				      X2(OFF_ISR), X2(OFF_TMR + 0x70), X2(OFF_IRR), X2(OFF_TCCR)};
	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		CHECK_EQ(vlapic_msr_write(&vl, ro[i], 0, now), VLAPIC_GP);
	/* Write-only: reads #GP. */
	CHECK_EQ(vlapic_msr_read(&vl, X2(OFF_EOI), now, &v), VLAPIC_GP);
	CHECK_EQ(vlapic_msr_read(&vl, 0x83f, now, &v), VLAPIC_GP);
	/* Value checks. */
	CHECK_EQ(vlapic_msr_write(&vl, X2(OFF_EOI), 1, now), VLAPIC_GP);
	CHECK_EQ(vlapic_msr_write(&vl, X2(OFF_EOI), 0, now), VLAPIC_OK);
	CHECK_EQ(vlapic_msr_write(&vl, X2(OFF_ESR), 1, now), VLAPIC_GP);
	CHECK_EQ(vlapic_msr_write(&vl, X2(OFF_ESR), 0, now), VLAPIC_OK);
	CHECK_EQ(vlapic_msr_write(&vl, X2(OFF_TPR), BIT(32), now), VLAPIC_GP);
	CHECK_EQ(vlapic_msr_write(&vl, 0x83f, 0x100, now), VLAPIC_GP);
	/* SELF IPI: fixed, edge, local; no callback. */
	CHECK_EQ(vlapic_msr_write(&vl, X2(OFF_SVR), 0x1ff, now), VLAPIC_OK);
	CHECK_EQ(vlapic_msr_write(&vl, 0x83f, 0x41, now), VLAPIC_OK);
	CHECK_EQ(rdmsr(&vl, X2(OFF_IRR) + 2), 0x2);
	CHECK_EQ(rec.nipi, 0);
	CHECK_EQ(vlapic_msr_write(&vl, 0x83f, 0x0f, now), VLAPIC_OK);
	CHECK_EQ(vlapic_msr_write(&vl, X2(OFF_ESR), 0, now), VLAPIC_OK);
	CHECK_EQ(rdmsr(&vl, X2(OFF_ESR)), VLAPIC_ESR_SEND_ILLEGAL_VECTOR);
	/* 64-bit ICR: one write sends with a 32-bit destination. */
	CHECK_EQ(vlapic_msr_write(&vl, X2(OFF_ICR), 0x0000012300004052ULL, now), VLAPIC_OK);
	CHECK_EQ(rec.nipi, 1);
	CHECK_EQ(rec.ipi.dest, 0x123);
	CHECK_EQ(rec.ipi.vector, 0x52);
	CHECK(rec.ipi.x2apic);
	CHECK_EQ(rec.ipi.source_id, 0x23);
	CHECK_EQ(rdmsr(&vl, X2(OFF_ICR)), 0x0000012300004052ULL);
	/* TSC deadline MSR works in both modes; INIT keeps x2APIC mode. */
	CHECK_EQ(vlapic_msr_read(&vl, MSR_TSCDL, now, &v), VLAPIC_OK);
	vlapic_init_signal(&vl);
	CHECK(vlapic_is_x2apic(&vl));
	CHECK_EQ(rdmsr(&vl, X2(OFF_TPR)), 0);
	CHECK_EQ(rdmsr(&vl, X2(OFF_ID)), 0x23);
}

/* IA32_APIC_BASE state machine (SDM Vol. 3A 11.12.5, figure 11-27). */
static void test_apic_base(void)
{
	struct vlapic vl;
	const uint64_t b = 0xfee00000ULL, en = BIT(11), x2 = BIT(10);

	setup(&vl, 0, true);
	CHECK_EQ(vlapic_msr_write(&vl, MSR_BASE, b | en | x2 | BIT(8), now), VLAPIC_OK);
	CHECK_EQ(vlapic_msr_write(&vl, MSR_BASE, b | en, now), VLAPIC_GP); /* x2APIC -> xAPIC */
	CHECK_EQ(vlapic_msr_write(&vl, MSR_BASE, b | x2, now), VLAPIC_GP); /* EN=0 EXTD=1 */
	CHECK_EQ(vlapic_msr_write(&vl, MSR_BASE, b, now), VLAPIC_OK);	   /* -> disabled */
	CHECK(!vlapic_hw_enabled(&vl));
	CHECK_EQ(vlapic_mmio_base(&vl), 0);
	CHECK_EQ(vlapic_msr_write(&vl, MSR_BASE, b | en | x2, now), VLAPIC_GP); /* disabled -> x2 */
	CHECK_EQ(vlapic_msr_write(&vl, MSR_BASE, 0xfed00000ULL | en, now), VLAPIC_OK);
	CHECK_EQ(vlapic_mmio_base(&vl), 0xfed00000ULL);		     /* relocated */
	CHECK_EQ(rdmsr(&vl, MSR_BASE), 0xfed00000ULL | en | BIT(8)); /* BSP is read-only */
	CHECK_EQ(vlapic_msr_write(&vl, MSR_BASE, b | en, now), VLAPIC_OK);
	/* Reserved bits. */
	CHECK_EQ(vlapic_msr_write(&vl, MSR_BASE, b | en | BIT(9), now), VLAPIC_GP);
	CHECK_EQ(vlapic_msr_write(&vl, MSR_BASE, b | en | BIT(0), now), VLAPIC_GP);
	CHECK_EQ(vlapic_msr_write(&vl, MSR_BASE, b | en | BIT(52), now), VLAPIC_GP);
	/* Disable resets the registers; the hardware-disabled APIC takes nothing. */
	wr(&vl, OFF_SVR, 0x1ff);
	wr(&vl, OFF_TPR, 0x30);
	CHECK(vlapic_accept(&vl, 0x50, false));
	CHECK_EQ(vlapic_msr_write(&vl, MSR_BASE, b, now), VLAPIC_OK);
	CHECK(!vlapic_accept(&vl, 0x50, false));
	CHECK_EQ(vlapic_pending_vector(&vl), -1);
	CHECK_EQ(vlapic_msr_write(&vl, MSR_BASE, b | en, now), VLAPIC_OK);
	CHECK_EQ(rd(&vl, OFF_TPR), 0);
	CHECK_EQ(rd(&vl, OFF_SVR), 0xff);
	CHECK_EQ(rd(&vl, OFF_IRR + 0x20), 0);

	/* Narrower MAXPHYADDR, and EXTD reserved without x2APIC support. */
	struct vlapic_config cfg = cfg_for(0, true);
	cfg.phys_bits = 39;
	cfg.x2apic = false;
	CHECK_EQ(vlapic_init(&vl, &cfg, NULL), 0);
	CHECK_EQ(vlapic_msr_write(&vl, MSR_BASE, b | en | BIT(39), now), VLAPIC_GP);
	CHECK_EQ(vlapic_msr_write(&vl, MSR_BASE, b | en | x2, now), VLAPIC_GP);
	CHECK_EQ(vlapic_msr_write(&vl, MSR_BASE, BIT(38) | en, now), VLAPIC_OK);
}

/* TPR masking, nested ISR, EOI order, PPR/APR (11.8). */
static void test_priority(void)
{
	struct vlapic vl;

	setup(&vl, 0, true);
	CHECK(!vlapic_accept(&vl, 0x31, false)); /* software-disabled: dropped */
	wr(&vl, OFF_SVR, 0x1ff);
	CHECK(vlapic_accept(&vl, 0x31, false));
	CHECK(vlapic_accept(&vl, 0x52, true));
	CHECK(vlapic_accept(&vl, 0x52, true)); /* one IRR bit per vector */
	CHECK_EQ(rd(&vl, OFF_IRR + 0x20), BIT(0x52 - 0x40));
	CHECK_EQ(rd(&vl, OFF_TMR + 0x20), BIT(0x52 - 0x40));
	CHECK_EQ(rd(&vl, OFF_APR), 0x50);
	CHECK_EQ(vlapic_pending_vector(&vl), 0x52);
	CHECK(vlapic_ack(&vl, 0x52));
	CHECK(!vlapic_ack(&vl, 0x52));
	CHECK_EQ(rd(&vl, OFF_PPR), 0x50);
	CHECK_EQ(vlapic_pending_vector(&vl), -1); /* 0x31 below the in-service class */
	CHECK(vlapic_accept(&vl, 0x5f, false));
	CHECK_EQ(vlapic_pending_vector(&vl), -1); /* same class as in service: blocked */
	CHECK(vlapic_accept(&vl, 0x61, false));
	CHECK_EQ(vlapic_pending_vector(&vl), 0x61);
	CHECK(vlapic_ack(&vl, 0x61));
	CHECK_EQ(rd(&vl, OFF_PPR), 0x60);
	CHECK_EQ(rd(&vl, OFF_ISR + 0x30), BIT(1));
	/* EOI: highest in service first; level-triggered ones go to ops.eoi. */
	wr(&vl, OFF_EOI, 0);
	CHECK_EQ(rec.neoi, 0);
	CHECK_EQ(rd(&vl, OFF_PPR), 0x50);
	CHECK_EQ(vlapic_eoi(&vl), 0x52);
	CHECK_EQ(rec.neoi, 1);
	CHECK_EQ(rec.eoi_vector, 0x52);
	CHECK_EQ(vlapic_eoi(&vl), -1);
	CHECK_EQ(vlapic_pending_vector(&vl), 0x5f);
	/* TPR masks classes at or below it; PPR = TPR when TPR is higher. */
	wr(&vl, OFF_TPR, 0x50);
	CHECK_EQ(vlapic_pending_vector(&vl), -1);
	wr(&vl, OFF_TPR, 0x4f);
	CHECK_EQ(vlapic_pending_vector(&vl), 0x5f);
	CHECK(vlapic_ack(&vl, 0x5f));
	CHECK_EQ(rd(&vl, OFF_PPR), 0x50);
	wr(&vl, OFF_TPR, 0x65);
	CHECK_EQ(rd(&vl, OFF_PPR), 0x65);
	CHECK_EQ(rd(&vl, OFF_APR), 0x65);
	/* Vectors 0-15 are illegal: dropped, ESR bit 6. */
	CHECK(!vlapic_accept(&vl, 15, false));
	wr(&vl, OFF_ESR, 0);
	CHECK_EQ(rd(&vl, OFF_ESR), VLAPIC_ESR_RECV_ILLEGAL_VECTOR);
}

/* SVR bit 12 suppresses the EOI broadcast when supported (11.8.5). */
static void test_eoi_suppression(void)
{
	struct vlapic vl;
	struct vlapic_config cfg = cfg_for(0, true);

	cfg.eoi_suppression = true;
	memset(&rec, 0, sizeof(rec));
	CHECK_EQ(vlapic_init(&vl, &cfg, &ops), 0);
	wr(&vl, OFF_SVR, 0x11ff);
	CHECK_EQ(rd(&vl, OFF_SVR), 0x11ff);
	vlapic_accept(&vl, 0x40, true);
	vlapic_ack(&vl, 0x40);
	CHECK_EQ(vlapic_eoi(&vl), 0x40);
	CHECK_EQ(rec.neoi, 0);
}

static void send(struct vlapic *vl, uint32_t hi, uint32_t lo)
{
	wr(vl, OFF_ICR2, hi);
	wr(vl, OFF_ICR, lo);
}

/* ICR decoding (11.6.1) for every delivery mode, shorthand and destination mode. */
static void test_icr_decode(void)
{
	struct vlapic vl;
	static const struct {
		uint32_t lo;
		uint8_t mode, shorthand;
		bool logical, assert, level;
	} cases[] = {
	    {0x00000040, VLAPIC_IPI_FIXED, VLAPIC_DEST_NONE, false, false, false},
	    {0x00000941, VLAPIC_IPI_LOWEST, VLAPIC_DEST_NONE, true, false, false},
	    {0x00000400, VLAPIC_IPI_NMI, VLAPIC_DEST_NONE, false, false, false},
	    {0x0000c500, VLAPIC_IPI_INIT, VLAPIC_DEST_NONE, false, true, true},
	    {0x00008500, VLAPIC_IPI_INIT, VLAPIC_DEST_NONE, false, false, true},
	    {0x00000699, VLAPIC_IPI_STARTUP, VLAPIC_DEST_NONE, false, false, false},
	    {0x000c00fd, VLAPIC_IPI_FIXED, VLAPIC_DEST_ALL_BUT_SELF, false, false, false},
	    {0x000800fd, VLAPIC_IPI_FIXED, VLAPIC_DEST_ALL, false, false, false},
	    {0x000c4500, VLAPIC_IPI_INIT, VLAPIC_DEST_ALL_BUT_SELF, false, true, false},
	    {0x00000200, VLAPIC_IPI_SMI, VLAPIC_DEST_NONE, false, false, false},
	};

	setup(&vl, 5, true);
	wr(&vl, OFF_SVR, 0x1ff);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned before = rec.nipi;

		send(&vl, 0x07000000, cases[i].lo);
		CHECK_EQ(rec.nipi, before + 1);
		CHECK_EQ(rec.ipi.mode, cases[i].mode);
		CHECK_EQ(rec.ipi.shorthand, cases[i].shorthand);
		CHECK_EQ(rec.ipi.logical, cases[i].logical);
		CHECK_EQ(rec.ipi.assert, cases[i].assert);
		CHECK_EQ(rec.ipi.level_trigger, cases[i].level);
		CHECK_EQ(rec.ipi.vector, cases[i].lo & 0xff);
		CHECK_EQ(rec.ipi.dest, 7);
		CHECK_EQ(rec.ipi.source_id, 5);
		CHECK(!rec.ipi.x2apic);
		CHECK_EQ(rd(&vl, OFF_ICR), cases[i].lo); /* delivery status reads idle */
	}
	/* Self shorthand: local, no callback; only fixed is valid. */
	rec.nipi = 0;
	send(&vl, 0, 0x00040077);
	CHECK_EQ(rec.nipi, 0);
	CHECK_EQ(vlapic_pending_vector(&vl), 0x77);
	send(&vl, 0, 0x00040400); /* NMI to self: invalid, dropped */
	CHECK(!vl.nmi_pending);
	/* Illegal vector: ESR "send illegal vector", not sent.  Reserved modes dropped. */
	send(&vl, 0x01000000, 0x0000000f);
	send(&vl, 0x01000000, 0x00000340);
	send(&vl, 0x01000000, 0x00000740);
	CHECK_EQ(rec.nipi, 0);
	wr(&vl, OFF_ESR, 0);
	CHECK_EQ(rd(&vl, OFF_ESR), VLAPIC_ESR_SEND_ILLEGAL_VECTOR);
}

/* Destination matching and routing over a partition (11.6.2). */
static void test_routing(void)
{
	struct vlapic v[4];
	struct vlapic *vls[5] = {&v[0], &v[1], NULL, &v[2], &v[3]};
	struct vlapic_ipi ipi = {.vector = 0x80, .mode = VLAPIC_IPI_FIXED, .source_id = 0};

	for (uint32_t i = 0; i < 4; i++) {
		setup(&v[i], i, i == 0);
		wr(&v[i], OFF_SVR, 0x1ff);
		wr(&v[i], OFF_LDR, (1u << i) << 24);
	}
	ipi.dest = 2;
	CHECK_EQ(vlapic_route(vls, 5, &ipi), 1);
	CHECK_EQ(vlapic_pending_vector(&v[2]), 0x80);
	CHECK_EQ(vlapic_pending_vector(&v[1]), -1);
	ipi.dest = 0xff;
	CHECK_EQ(vlapic_route(vls, 5, &ipi), 4);
	/* Logical flat: MDA bits against LDR[31:24]. */
	ipi.logical = true;
	ipi.dest = 0x05;
	CHECK(vlapic_ipi_match(&v[0], &ipi) && vlapic_ipi_match(&v[2], &ipi));
	CHECK(!vlapic_ipi_match(&v[1], &ipi) && !vlapic_ipi_match(&v[3], &ipi));
	ipi.dest = 0xff; /* logical broadcast */
	CHECK(vlapic_ipi_match(&v[1], &ipi) && vlapic_ipi_match(&v[3], &ipi));
	ipi.dest = 0x05;
	/* Lowest priority: the first (lowest-numbered) match only. */
	ipi.mode = VLAPIC_IPI_LOWEST;
	ipi.vector = 0x90;
	CHECK_EQ(vlapic_route(vls, 5, &ipi), 1);
	CHECK_EQ(vlapic_pending_vector(&v[0]), 0x90);
	CHECK_EQ(vlapic_pending_vector(&v[2]), 0x80);
	/* Logical cluster: MDA[7:4] cluster, MDA[3:0] members. */
	wr(&v[3], OFF_DFR, 0x0fffffff);
	wr(&v[3], OFF_LDR, 0x32000000);
	ipi.dest = 0x36;
	CHECK(vlapic_ipi_match(&v[3], &ipi));
	ipi.dest = 0x26;
	CHECK(!vlapic_ipi_match(&v[3], &ipi));
	ipi.dest = 0x31;
	CHECK(!vlapic_ipi_match(&v[3], &ipi));
	wr(&v[3], OFF_DFR, 0x5fffffff); /* reserved model */
	ipi.dest = 0x36;
	CHECK(!vlapic_ipi_match(&v[3], &ipi));
	/* Shorthands. */
	ipi.shorthand = VLAPIC_DEST_ALL_BUT_SELF;
	ipi.source_id = 1;
	CHECK(!vlapic_ipi_match(&v[1], &ipi) && vlapic_ipi_match(&v[3], &ipi));
	ipi.shorthand = VLAPIC_DEST_SELF;
	CHECK(vlapic_ipi_match(&v[1], &ipi) && !vlapic_ipi_match(&v[3], &ipi));
	ipi.shorthand = VLAPIC_DEST_ALL;
	CHECK(vlapic_ipi_match(&v[1], &ipi) && vlapic_ipi_match(&v[3], &ipi));
	/* x2APIC: 32-bit physical and cluster-logical destinations (11.12.10). */
	ipi = (struct vlapic_ipi){.mode = VLAPIC_IPI_FIXED, .vector = 0x81, .x2apic = true};
	struct vlapic x;
	setup(&x, 0x123, false);
	ipi.dest = 0x123;
	CHECK(vlapic_ipi_match(&x, &ipi));
	ipi.dest = 0x23;
	CHECK(!vlapic_ipi_match(&x, &ipi));
	ipi.dest = 0xffffffff;
	CHECK(vlapic_ipi_match(&x, &ipi));
	ipi.logical = true;
	ipi.dest = 0x00120008; /* cluster 0x12, member bit 3 */
	CHECK(vlapic_ipi_match(&x, &ipi));
	ipi.dest = 0x00120004;
	CHECK(!vlapic_ipi_match(&x, &ipi));
	ipi.dest = 0xffffffff;
	CHECK(vlapic_ipi_match(&x, &ipi));
	/* SMI is decoded but not modelled: no effect. */
	ipi.mode = VLAPIC_IPI_SMI;
	vlapic_ipi_deliver(&x, &ipi);
	CHECK_EQ(vlapic_pending_vector(&x), -1);
	CHECK(!x.nmi_pending);
	ipi.mode = VLAPIC_IPI_FIXED;
	/* A hardware-disabled APIC is nobody's destination. */
	CHECK_EQ(vlapic_msr_write(&x, MSR_BASE, 0xfee00000ULL, now), VLAPIC_OK);
	ipi.dest = 0xffffffff;
	CHECK(!vlapic_ipi_match(&x, &ipi));
}

/* Linux's smpboot.c sequence: INIT assert, INIT de-assert, SIPI, SIPI. */
static void test_init_sipi(void)
{
	struct vlapic bsp, ap;
	struct vlapic *vls[2] = {&bsp, &ap};
	uint8_t vector = 0;

	setup(&ap, 1, false);
	setup(&bsp, 0, true);
	wr(&ap, OFF_SVR, 0x1ff);
	wr(&ap, OFF_TPR, 0x20);
	ap.cpu_state = VLAPIC_CPU_RUNNING; /* as if it had been started before */
	CHECK(!vlapic_take_sipi(&ap, &vector));
	send(&bsp, 0x01000000, 0x0000c500);
	CHECK_EQ(vlapic_route(vls, 2, &rec.ipi), 1);
	CHECK_EQ(ap.cpu_state, VLAPIC_CPU_WAIT_SIPI);
	CHECK_EQ(rd(&ap, OFF_TPR), 0);
	CHECK_EQ(rd(&ap, OFF_SVR), 0xff);
	CHECK_EQ(rd(&ap, OFF_ID), 1u << 24);
	send(&bsp, 0x01000000, 0x00008500); /* de-assert: ignored */
	vlapic_route(vls, 2, &rec.ipi);
	CHECK_EQ(ap.cpu_state, VLAPIC_CPU_WAIT_SIPI);
	send(&bsp, 0x01000000, 0x0000069a);
	vlapic_route(vls, 2, &rec.ipi);
	CHECK_EQ(ap.cpu_state, VLAPIC_CPU_SIPI);
	send(&bsp, 0x01000000, 0x0000069b); /* second SIPI: ignored */
	vlapic_route(vls, 2, &rec.ipi);
	CHECK(vlapic_take_sipi(&ap, &vector));
	CHECK_EQ(vector, 0x9a);
	CHECK_EQ(ap.cpu_state, VLAPIC_CPU_RUNNING);
	CHECK(!vlapic_take_sipi(&ap, &vector));
	CHECK_EQ(bsp.cpu_state, VLAPIC_CPU_RUNNING);
	/* NMI IPI. */
	send(&bsp, 0x01000000, 0x00000400);
	vlapic_route(vls, 2, &rec.ipi);
	CHECK(ap.nmi_pending && !bsp.nmi_pending);
}

static void timer_setup(struct vlapic *vl, uint32_t lvt, uint32_t dcr)
{
	setup(vl, 0, true);
	wr(vl, OFF_SVR, 0x1ff);
	wr(vl, OFF_TDCR, dcr);
	wr(vl, OFF_LVTT, lvt);
}

static bool irr_has(struct vlapic *vl, unsigned vector)
{
	return rd(vl, OFF_IRR + 16 * (vector / 32)) & (1u << (vector % 32));
}

/* Take the pending timer interrupt out of IRR and end it. */
static void service(struct vlapic *vl, unsigned vector)
{
	CHECK_EQ(vlapic_pending_vector(vl), vector);
	vlapic_ack(vl, vector);
	CHECK_EQ(vlapic_eoi(vl), vector);
}

static void test_timer_oneshot(void)
{
	struct vlapic vl;

	timer_setup(&vl, 0xef, 0xb); /* one-shot, divide by 1: 10 ns per count */
	now = 100;
	wr(&vl, OFF_TICR, 1000);
	CHECK_EQ(vlapic_next_deadline(&vl, now), 10100);
	now = 5100;
	CHECK_EQ(rd(&vl, OFF_TCCR), 500);
	CHECK_EQ(rd(&vl, OFF_TICR), 1000);
	vlapic_tick(&vl, 10099);
	CHECK(!irr_has(&vl, 0xef));
	CHECK_EQ(vlapic_next_deadline(&vl, 10099), 10100);
	vlapic_tick(&vl, 10100);
	CHECK(irr_has(&vl, 0xef));
	CHECK_EQ(vlapic_next_deadline(&vl, 10100), VDEV_NEVER);
	now = 20000;
	CHECK_EQ(rd(&vl, OFF_TCCR), 0);
	service(&vl, 0xef);
	vlapic_tick(&vl, 90000);
	CHECK(!irr_has(&vl, 0xef)); /* one-shot fires once */
	CHECK_EQ(vl.timer.fired, 1);
	/* Writing 0 stops a running timer. */
	wr(&vl, OFF_TICR, 50);
	wr(&vl, OFF_TICR, 0);
	CHECK_EQ(vlapic_next_deadline(&vl, now), VDEV_NEVER);
	vlapic_tick(&vl, 1000000);
	CHECK(!irr_has(&vl, 0xef));
	/* A deadline already passed reads as "now". */
	wr(&vl, OFF_TICR, 10);
	CHECK_EQ(vlapic_next_deadline(&vl, now + 500), now + 500);
}

/* Divide configuration values (figure 11-10). */
static void test_timer_divide(void)
{
	static const struct {
		uint32_t dcr, div;
	} divs[] = {{0x0, 2},  {0x1, 4},   {0x2, 8}, {0x3, 16}, {0x8, 32},
		    {0x9, 64}, {0xa, 128}, {0xb, 1}, {0xf3, 16}};

	for (size_t i = 0; i < sizeof(divs) / sizeof(divs[0]); i++) {
		struct vlapic vl;

		timer_setup(&vl, 0x30, divs[i].dcr);
		wr(&vl, OFF_TICR, 7);
		CHECK_EQ(vlapic_next_deadline(&vl, 0), 7ULL * 10 * divs[i].div);
		now = 10ULL * divs[i].div;
		CHECK_EQ(rd(&vl, OFF_TCCR), 6);
		now = 10ULL * divs[i].div - 1;
		CHECK_EQ(rd(&vl, OFF_TCCR), 7);
	}
}

/* Periodic reload, phase, coalescing of missed periods. */
static void test_timer_periodic(void)
{
	struct vlapic vl;

	timer_setup(&vl, 0x20000 | 0xd0, 0xb);
	wr(&vl, OFF_TICR, 100); /* 1000 ns period */
	CHECK_EQ(vlapic_next_deadline(&vl, 0), 1000);
	vlapic_tick(&vl, 1000);
	service(&vl, 0xd0);
	CHECK_EQ(vlapic_next_deadline(&vl, 1000), 2000);
	now = 1500;
	CHECK_EQ(rd(&vl, OFF_TCCR), 50);
	vlapic_tick(&vl, 1999);
	CHECK_EQ(vlapic_pending_vector(&vl), -1);
	vlapic_tick(&vl, 2000);
	service(&vl, 0xd0);
	/* Late by three periods: one interrupt, two coalesced, phase kept. */
	vlapic_tick(&vl, 5500);
	CHECK_EQ(vl.timer.fired, 3);
	CHECK_EQ(vl.timer.coalesced, 2);
	CHECK_EQ(vlapic_next_deadline(&vl, 5500), 6000);
	now = 5500;
	CHECK_EQ(rd(&vl, OFF_TCCR), 50);
	vlapic_tick(&vl, 5999); /* nothing new; IRR still holds the one */
	CHECK_EQ(vl.timer.fired, 3);
	service(&vl, 0xd0);
	/* Many ticks at the exact period: every one fires once. */
	for (uint64_t t = 6000; t <= 100000; t += 1000) {
		vlapic_tick(&vl, t);
		vlapic_tick(&vl, t); /* twice: no duplicate */
		service(&vl, 0xd0);
	}
	CHECK_EQ(vl.timer.fired, 3 + 95);
	CHECK_EQ(vl.timer.coalesced, 2);
	/* Switching to one-shot continues from the current count. */
	now = 100250;
	wr(&vl, OFF_LVTT, 0xd0);
	CHECK_EQ(rd(&vl, OFF_TCCR), 75);
	CHECK_EQ(vlapic_next_deadline(&vl, now), 101000);
	vlapic_tick(&vl, 101000);
	service(&vl, 0xd0);
	CHECK_EQ(vlapic_next_deadline(&vl, 101000), VDEV_NEVER);
}

/* Changing the divider mid-count keeps the count and changes the rate. */
static void test_timer_dcr_change(void)
{
	struct vlapic vl;

	timer_setup(&vl, 0xe0, 0xb);
	wr(&vl, OFF_TICR, 1000);
	now = 5000;
	wr(&vl, OFF_TDCR, 0x0); /* divide by 2 */
	CHECK_EQ(rd(&vl, OFF_TCCR), 500);
	CHECK_EQ(vlapic_next_deadline(&vl, now), 5000 + 500 * 20);
	vlapic_tick(&vl, 14999);
	CHECK_EQ(vlapic_pending_vector(&vl), -1);
	vlapic_tick(&vl, 15000);
	CHECK_EQ(vlapic_pending_vector(&vl), 0xe0);
}

/* A masked timer counts and reloads but raises nothing (11.5.1). */
static void test_timer_masked(void)
{
	struct vlapic vl;

	timer_setup(&vl, 0x30000 | 0xd1, 0xb);
	wr(&vl, OFF_TICR, 100);
	vlapic_tick(&vl, 1000);
	vlapic_tick(&vl, 2000);
	CHECK_EQ(vlapic_pending_vector(&vl), -1);
	CHECK_EQ(vl.timer.fired, 2);
	now = 2300;
	CHECK_EQ(rd(&vl, OFF_TCCR), 70);
	wr(&vl, OFF_LVTT, 0x20000 | 0xd1); /* unmask */
	CHECK_EQ(vlapic_next_deadline(&vl, now), 3000);
	vlapic_tick(&vl, 3000);
	CHECK_EQ(vlapic_pending_vector(&vl), 0xd1);
}

/* TSC-deadline mode (11.5.4.1). */
static void test_timer_tsc_deadline(void)
{
	struct vlapic vl;
	struct vlapic_config cfg = cfg_for(0, true);
	uint64_t v;

	cfg.tsc_offset = 1000;
	CHECK_EQ(vlapic_init(&vl, &cfg, &ops), 0);
	now = 0;
	wr(&vl, OFF_SVR, 0x1ff);
	/* Not in TSC-deadline mode: writes ignored, reads 0. */
	CHECK_EQ(vlapic_msr_write(&vl, MSR_TSCDL, 5000, now), VLAPIC_OK);
	CHECK_EQ(rdmsr(&vl, MSR_TSCDL), 0);
	wr(&vl, OFF_LVTT, 0x40000 | 0xec);
	CHECK_EQ(rd(&vl, OFF_LVTT), 0x400ec);
	CHECK_EQ(vlapic_next_deadline(&vl, now), VDEV_NEVER);
	/* TSC 3001 = 1000 + 2001 ticks at 2 GHz = 1000.5 ns: fires at 1001. */
	CHECK_EQ(vlapic_msr_write(&vl, MSR_TSCDL, 3001, now), VLAPIC_OK);
	CHECK_EQ(rdmsr(&vl, MSR_TSCDL), 3001);
	CHECK_EQ(vlapic_next_deadline(&vl, now), 1001);
	wr(&vl, OFF_TICR, 77); /* ignored in this mode */
	CHECK_EQ(rd(&vl, OFF_TICR), 0);
	CHECK_EQ(rd(&vl, OFF_TCCR), 0);
	vlapic_tick(&vl, 1000);
	CHECK_EQ(vlapic_pending_vector(&vl), -1);
	vlapic_tick(&vl, 1001);
	service(&vl, 0xec);
	CHECK_EQ(rdmsr(&vl, MSR_TSCDL), 0); /* disarmed and cleared */
	CHECK_EQ(vlapic_next_deadline(&vl, 1001), VDEV_NEVER);
	/* A deadline in the past fires at once; 0 disarms. */
	now = 5000;
	CHECK_EQ(vlapic_msr_write(&vl, MSR_TSCDL, 2000, now), VLAPIC_OK);
	service(&vl, 0xec);
	CHECK_EQ(vlapic_msr_write(&vl, MSR_TSCDL, 1000000, now), VLAPIC_OK);
	CHECK_EQ(vlapic_msr_write(&vl, MSR_TSCDL, 0, now), VLAPIC_OK);
	CHECK_EQ(vlapic_next_deadline(&vl, now), VDEV_NEVER);
	/* Leaving TSC-deadline mode disarms. */
	CHECK_EQ(vlapic_msr_write(&vl, MSR_TSCDL, 1000000, now), VLAPIC_OK);
	wr(&vl, OFF_LVTT, 0xec);
	CHECK_EQ(vlapic_next_deadline(&vl, now), VDEV_NEVER);
	wr(&vl, OFF_LVTT, 0x400ec);
	CHECK_EQ(rdmsr(&vl, MSR_TSCDL), 0);
	/* Without CPUID.1:ECX[24]: MSR #GP, mode bit 18 reserved. */
	cfg.tsc_deadline = false;
	CHECK_EQ(vlapic_init(&vl, &cfg, &ops), 0);
	CHECK_EQ(vlapic_msr_read(&vl, MSR_TSCDL, now, &v), VLAPIC_GP);
	CHECK_EQ(vlapic_msr_write(&vl, MSR_TSCDL, 1, now), VLAPIC_GP);
	wr(&vl, OFF_SVR, 0x1ff);
	wr(&vl, OFF_LVTT, 0x400ec);
	CHECK_EQ(rd(&vl, OFF_LVTT), 0xec);
}

/* Long runs at a fast clock: ticks never overflow, no expiry lost or doubled. */
static void test_timer_long_run(void)
{
	struct vlapic vl;
	struct vlapic_config cfg = cfg_for(0, true);
	const uint64_t step = 100000000000ULL; /* 100 s */
	uint64_t t, expected, total, bad = 0;

	cfg.timer_hz = 25000000000ULL; /* 25 GHz: 0.04 ns per count */
	CHECK_EQ(vlapic_init(&vl, &cfg, &ops), 0);
	wr(&vl, OFF_SVR, 0x1ff);
	wr(&vl, OFF_TDCR, 0xb);
	wr(&vl, OFF_LVTT, 0x200d0);
	wr(&vl, OFF_TICR, 0xffffffff);
	for (t = step; t <= 10000 * step; t += step) {
		vlapic_tick(&vl, t);
		if (vlapic_next_deadline(&vl, t) <= t || vlapic_pending_vector(&vl) != 0xd0)
			bad++;
		vlapic_ack(&vl, 0xd0);
		vlapic_eoi(&vl);
	}
	CHECK_EQ(bad, 0);
	t -= step;
	total = vl.timer.fired + vl.timer.coalesced;
	expected = (uint64_t)((unsigned __int128)t * 25 / 0xffffffffULL);
	CHECK(total + 1 >= expected && total <= expected + 1);
	CHECK_EQ(vl.timer.fired, 10000);
	now = t;
	CHECK(rd(&vl, OFF_TCCR) != 0);
	/* Far-future times saturate instead of wrapping. */
	wr(&vl, OFF_TICR, 0xffffffff);
	CHECK(vlapic_next_deadline(&vl, UINT64_MAX - 5) < VDEV_NEVER);
	vlapic_tick(&vl, UINT64_MAX - 1);
}

/* SVR software disable: LVTs masked and stay masked (11.4.7.2). */
static void test_svr_disable(void)
{
	struct vlapic vl;

	setup(&vl, 0, true);
	wr(&vl, OFF_LINT0, 0x30); /* disabled: the mask sticks */
	CHECK_EQ(rd(&vl, OFF_LINT0), 0x10030);
	wr(&vl, OFF_SVR, 0x1ff);
	wr(&vl, OFF_LINT0, 0x30);
	wr(&vl, OFF_LVTT, 0x20040);
	CHECK_EQ(rd(&vl, OFF_LVTT), 0x20040);
	CHECK(vlapic_accept(&vl, 0x60, false));
	wr(&vl, OFF_SVR, 0xff);
	for (uint32_t off = OFF_LVTT; off <= OFF_LVTE; off += 16)
		CHECK(rd(&vl, off) & 0x10000);
	CHECK(rd(&vl, OFF_CMCI) & 0x10000);
	wr(&vl, OFF_LVTT, 0x20040);
	CHECK_EQ(rd(&vl, OFF_LVTT), 0x30040);
	/* Held interrupts stay deliverable; new ones are refused. */
	CHECK_EQ(vlapic_pending_vector(&vl), 0x60);
	CHECK(!vlapic_accept(&vl, 0x70, false));
	/* Re-enabling leaves the LVTs masked until software writes them. */
	wr(&vl, OFF_SVR, 0x1ff);
	CHECK_EQ(rd(&vl, OFF_LINT0), 0x10030);
}

/* ESR: write latches the errors seen since the previous write (11.5.3). */
static void test_esr(void)
{
	struct vlapic vl;

	setup(&vl, 0, true);
	wr(&vl, OFF_SVR, 0x1ff);
	vlapic_accept(&vl, 3, false);
	CHECK_EQ(rd(&vl, OFF_ESR), 0);
	wr(&vl, OFF_ESR, 0);
	CHECK_EQ(rd(&vl, OFF_ESR), 0x40);
	wr(&vl, OFF_ESR, 0);
	CHECK_EQ(rd(&vl, OFF_ESR), 0);
	/* Unmasked error LVT raises its vector. */
	wr(&vl, OFF_LVTE, 0xfe);
	send(&vl, 0, 0x00000005);
	CHECK_EQ(vlapic_pending_vector(&vl), 0xfe);
	wr(&vl, OFF_ESR, 0);
	CHECK_EQ(rd(&vl, OFF_ESR), 0x20);
}

/* LINT0/LINT1 per their LVT entries. */
static void test_lint(void)
{
	struct vlapic vl;

	setup(&vl, 0, true);
	wr(&vl, OFF_SVR, 0x1ff);
	vlapic_lint(&vl, 0); /* masked */
	CHECK(!vl.extint_pending);
	wr(&vl, OFF_LINT0, 0x700);
	wr(&vl, OFF_LINT1, 0x400);
	vlapic_lint(&vl, 0);
	vlapic_lint(&vl, 1);
	CHECK(vl.extint_pending && vl.nmi_pending);
	wr(&vl, OFF_LINT0, 0x8000 | 0x45);
	vlapic_lint(&vl, 0);
	vlapic_lint(&vl, 2); /* no such pin */
	CHECK_EQ(vlapic_pending_vector(&vl), 0x45);
	CHECK(rd(&vl, OFF_TMR + 0x20) & BIT(5));
}

/* The register page is what a CPU with APIC-register virtualization reads:
 * every register mirrored at its xAPIC offset (SDM Vol. 3C 30.4.1). */
static void test_page_mirror(void)
{
	struct vlapic vl;

	setup(&vl, 5, true);
	CHECK_EQ((uintptr_t)vl.page % 4096, 0);
	wr(&vl, OFF_SVR, 0x1ff);
	wr(&vl, OFF_LDR, 0x01000000);
	wr(&vl, OFF_LINT0, 0x700);
	wr(&vl, OFF_TDCR, 0xb);
	wr(&vl, OFF_ICR2, 0x03000000);
	CHECK_EQ(vl.page[OFF_ID / 4], 5u << 24);
	CHECK_EQ(vl.page[OFF_VER / 4], 0x00060014);
	CHECK_EQ(vl.page[OFF_SVR / 4], 0x1ff);
	CHECK_EQ(vl.page[OFF_LDR / 4], 0x01000000);
	CHECK_EQ(vl.page[OFF_DFR / 4], 0xffffffffu);
	CHECK_EQ(vl.page[OFF_LINT0 / 4], 0x700);
	CHECK_EQ(vl.page[OFF_LVTT / 4], BIT(16));
	CHECK_EQ(vl.page[OFF_TDCR / 4], 0xb);
	CHECK_EQ(vl.page[OFF_ICR2 / 4], 0x03000000);
	/* x2APIC mode: the ID register holds the whole ID, LDR is derived */
	to_x2apic(&vl);
	CHECK_EQ(vl.page[OFF_ID / 4], 5);
	CHECK_EQ(vl.page[OFF_LDR / 4], (0u << 16) | BIT(5));
}

/* Requests from anywhere wait outside the page until the owner syncs; a
 * CPU in the guest may be rewriting IRR meanwhile (SDM Vol. 3C 30.2). */
static void test_requests_fold(void)
{
	struct vlapic vl;
	uint64_t bm[4];

	setup(&vl, 0, true);
	wr(&vl, OFF_SVR, 0x1ff);
	CHECK(vlapic_accept(&vl, 0x41, false));
	CHECK(vlapic_accept(&vl, 0x93, true));
	CHECK(vlapic_has_new(&vl));
	CHECK(!vlapic_page_test(&vl, VLAPIC_OFF_IRR, 0x41));
	CHECK_EQ(vlapic_pending_vector(&vl), 0x93); /* already counts as requested */
	vlapic_sync(&vl);
	CHECK(!vlapic_has_new(&vl));
	CHECK(vlapic_page_test(&vl, VLAPIC_OFF_IRR, 0x41));
	CHECK(vlapic_page_test(&vl, VLAPIC_OFF_IRR, 0x93));
	CHECK(vlapic_page_test(&vl, VLAPIC_OFF_TMR, 0x93));
	CHECK(!vlapic_page_test(&vl, VLAPIC_OFF_TMR, 0x41));
	CHECK_EQ(vlapic_intr_status(&vl), 0x93); /* RVI 0x93, SVI 0 */
	/* the level-triggered vector's EOI must exit, the edge one's not */
	vlapic_eoi_exit_bitmap(&vl, bm);
	CHECK_EQ(bm[0] | bm[1] | bm[3], 0);
	CHECK_EQ(bm[2], BIT(0x93 - 128));
	/* a later edge-triggered acceptance of the same vector clears TMR */
	CHECK(vlapic_accept(&vl, 0x93, false));
	vlapic_sync(&vl);
	CHECK(!vlapic_page_test(&vl, VLAPIC_OFF_TMR, 0x93));
	/* suppressed EOI broadcasts need no EOI exits */
	CHECK(vlapic_accept(&vl, 0x93, true));
	vl.cfg.eoi_suppression = true;
	wr(&vl, OFF_SVR, 0x1ff | BIT(12));
	vlapic_eoi_exit_bitmap(&vl, bm);
	CHECK_EQ(bm[2], 0);
}

/* What the CPU does with virtual-interrupt delivery, then the exits the
 * model sees: an EOI-induced exit forwards a level vector to the IOAPIC. */
static void test_virtual_delivery(void)
{
	struct vlapic vl;

	setup(&vl, 0, true);
	wr(&vl, OFF_SVR, 0x1ff);
	CHECK(vlapic_accept(&vl, 0x61, true));
	vlapic_sync(&vl);
	/* the CPU delivers 0x61: IRR -> ISR, SVI = 0x61 */
	vl.page[(OFF_IRR + 0x30) / 4] &= ~BIT(1);
	vl.page[(OFF_ISR + 0x30) / 4] |= BIT(1);
	CHECK_EQ(vlapic_intr_status(&vl), 0x6100);
	CHECK_EQ(rd(&vl, OFF_PPR), 0x60);
	CHECK_EQ(vlapic_pending_vector(&vl), -1);
	/* the guest writes TPR (virtualized, no exit), then EOI (virtualized,
	 * ISR cleared by the CPU) and the exit for the level vector */
	vl.page[OFF_TPR / 4] = 0x20;
	vl.page[(OFF_ISR + 0x30) / 4] &= ~BIT(1);
	vlapic_apicv_eoi(&vl, 0x61);
	CHECK_EQ(rec.neoi, 1);
	CHECK_EQ(rec.eoi_vector, 0x61);
	CHECK_EQ(rd(&vl, OFF_TPR), 0x20);
	CHECK_EQ(rd(&vl, OFF_PPR), 0x20);
	CHECK_EQ(vlapic_intr_status(&vl), 0);
}

/* APIC-write exits: the CPU stored the guest's value in the page; the
 * model applies it and puts the register's real value back. */
static void test_apicv_write(void)
{
	struct vlapic vl;

	setup(&vl, 0, true);
	/* SVR with bits the model does not keep */
	vl.page[OFF_SVR / 4] = 0xffffffffu;
	vlapic_apicv_write(&vl, OFF_SVR, now);
	CHECK_EQ(rd(&vl, OFF_SVR), 0x3ff);
	CHECK_EQ(vl.page[OFF_SVR / 4], 0x3ff);
	/* the timer: initial count written through the page arms it */
	vl.page[OFF_LVTT / 4] = 0x20030; /* periodic, vector 0x30 */
	vlapic_apicv_write(&vl, OFF_LVTT, now);
	vl.page[OFF_TICR / 4] = 1000;
	vlapic_apicv_write(&vl, OFF_TICR, now);
	CHECK_EQ(vl.timer.initial, 1000);
	now = 10 * 1000 * 2 + 5; /* divide by 2: two periods and a bit */
	vlapic_tick(&vl, now);
	CHECK_EQ(vlapic_pending_vector(&vl), 0x30);
	/* ICR: the CPU stores the high half without an exit (bits 23:0
	 * cleared), then the low half's APIC-write exit sends */
	vl.page[OFF_ICR2 / 4] = 0x01000000;
	vl.page[OFF_ICR / 4] = 0x4055;
	vlapic_apicv_write(&vl, OFF_ICR, now);
	CHECK_EQ(rec.nipi, 1);
	CHECK_EQ(rec.ipi.dest, 1);
	CHECK_EQ(rec.ipi.vector, 0x55);
	CHECK_EQ(vl.page[OFF_ICR / 4], 0x4055);
	/* a read-only register written through the page is restored */
	vl.page[OFF_ID / 4] = 0x07000000;
	vlapic_apicv_write(&vl, OFF_ID, now);
	CHECK_EQ(vl.page[OFF_ID / 4], 0);
}

/* An INIT from another CPU leaves the page alone until the owner syncs. */
static void test_init_deferred(void)
{
	struct vlapic vl;

	setup(&vl, 1, false);
	vlapic_init_signal(&vl);
	wr(&vl, OFF_SVR, 0x1ff);
	CHECK(vlapic_accept(&vl, 0x70, false));
	vlapic_sync(&vl);
	vl.page[OFF_TPR / 4] = 0x50;
	vl.page[(OFF_ISR + 0x20) / 4] |= BIT(0); /* the CPU delivered 0x40 */
	vlapic_init_signal(&vl);
	CHECK_EQ(vl.page[OFF_TPR / 4], 0x50); /* not touched from here */
	CHECK_EQ(vlapic_pending_vector(&vl), -1);
	vlapic_sync(&vl);
	CHECK_EQ(vl.page[OFF_TPR / 4], 0);
	CHECK_EQ(vlapic_intr_status(&vl), 0);
	CHECK_EQ(vl.page[OFF_SVR / 4], 0xff);
	CHECK_EQ(vl.page[OFF_LVTT / 4], BIT(16));
}

int main(void)
{
	RUN(test_reset_values);
	RUN(test_config_errors);
	RUN(test_xapic_access);
	RUN(test_x2apic_access);
	RUN(test_apic_base);
	RUN(test_priority);
	RUN(test_eoi_suppression);
	RUN(test_icr_decode);
	RUN(test_routing);
	RUN(test_init_sipi);
	RUN(test_timer_oneshot);
	RUN(test_timer_divide);
	RUN(test_timer_periodic);
	RUN(test_timer_dcr_change);
	RUN(test_timer_masked);
	RUN(test_timer_tsc_deadline);
	RUN(test_timer_long_run);
	RUN(test_svr_disable);
	RUN(test_esr);
	RUN(test_lint);
	RUN(test_page_mirror);
	RUN(test_requests_fold);
	RUN(test_virtual_delivery);
	RUN(test_apicv_write);
	RUN(test_init_deferred);
	return test_summary();
}
