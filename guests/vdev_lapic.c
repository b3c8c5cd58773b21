/*
 * vdev_lapic.c - the virtual local APIC's register file: reset and INIT
 * state, the xAPIC MMIO and x2APIC MSR access paths, and the
 * IA32_APIC_BASE state machine (SDM Vol. 3A chapter 11).
 *
 * Both access paths end in one pair, reg_read/reg_write, indexed by the
 * xAPIC offset >> 4 (which is also the x2APIC MSR minus 0x800, 11.12.1.2).
 * A table says which registers exist in which mode and which are writable;
 * the two front ends differ only in how they treat what the table rejects:
 * the xAPIC page ignores it (reserved registers also set ESR bit 7), the
 * x2APIC MSRs report VLAPIC_GP for the caller to inject #GP (11.12.1.3).
 *
 * Interrupt logic and IPIs live in vdev_lapic_irq.c, the timer in
 * vdev_lapic_timer.c.
 */
#include <hv/printk.h>

#include "vdev_lapic_internal.h"

/* Register indices: xAPIC offset >> 4 (table 11-1), x2APIC MSR - 0x800 (table 11-6). */
enum {
	REG_ID = 0x02,
	REG_VERSION = 0x03,
	REG_TPR = 0x08,
	REG_APR = 0x09,
	REG_PPR = 0x0a,
	REG_EOI = 0x0b,
	REG_LDR = 0x0d,
	REG_DFR = 0x0e,
	REG_SVR = 0x0f,
	REG_ISR = 0x10, /* 8 registers */
	REG_TMR = 0x18,
	REG_IRR = 0x20,
	REG_ESR = 0x28,
	REG_LVT_CMCI = 0x2f,
	REG_ICR = 0x30,
	REG_ICR_HI = 0x31,
	REG_LVT_TIMER = 0x32, /* .. 0x37 error, in enum vlapic_lvt order */
	REG_TIMER_INITIAL = 0x38,
	REG_TIMER_CURRENT = 0x39,
	REG_TIMER_DCR = 0x3e,
	REG_SELF_IPI = 0x3f,
	NR_REGS = 0x40,
};

#define F_RD   BIT(0) /* readable */
#define F_WR   BIT(1) /* writable in both modes */
#define F_WRXA BIT(2) /* writable in xAPIC mode only (LDR: derived in x2APIC mode) */
#define F_XA   BIT(3) /* exists in xAPIC mode */
#define F_X2   BIT(4) /* exists in x2APIC mode */
#define F_BOTH (F_XA | F_X2)

static const uint8_t reg_flags[NR_REGS] = {
    [REG_ID] = F_RD | F_BOTH,
    [REG_VERSION] = F_RD | F_BOTH,
    [REG_TPR] = F_RD | F_WR | F_BOTH,
    [REG_APR] = F_RD | F_XA, /* not in x2APIC mode */
    [REG_PPR] = F_RD | F_BOTH,
    [REG_EOI] = F_WR | F_BOTH,
    [REG_LDR] = F_RD | F_WRXA | F_BOTH,
    [REG_DFR] = F_RD | F_WR | F_XA, /* no DFR in x2APIC mode */
    [REG_SVR] = F_RD | F_WR | F_BOTH,
    [REG_ISR... REG_ISR + 7] = F_RD | F_BOTH,
    [REG_TMR... REG_TMR + 7] = F_RD | F_BOTH,
    [REG_IRR... REG_IRR + 7] = F_RD | F_BOTH,
    [REG_ESR] = F_RD | F_WR | F_BOTH,
    [REG_LVT_CMCI] = F_RD | F_WR | F_BOTH,
    [REG_ICR] = F_RD | F_WR | F_BOTH,
    [REG_ICR_HI] = F_RD | F_WR | F_XA, /* one 64-bit ICR MSR in x2APIC mode */
    [REG_LVT_TIMER... REG_LVT_TIMER + 5] = F_RD | F_WR | F_BOTH,
    [REG_TIMER_INITIAL] = F_RD | F_WR | F_BOTH,
    [REG_TIMER_CURRENT] = F_RD | F_BOTH,
    [REG_TIMER_DCR] = F_RD | F_WR | F_BOTH,
    [REG_SELF_IPI] = F_WR | F_X2, /* x2APIC only (11.12.11) */
};

/* Version register: 0x14 (integrated APIC), max LVT entry 6 (CMCI), bit 24
 * "EOI-broadcast suppression supported" when configured (11.4.8). */
#define VLAPIC_VERSION	    0x14u
#define VLAPIC_MAX_LVT	    (VLAPIC_NR_LVT - 1)
#define VLAPIC_VER_EOI_SUPP BIT(24)

bool vlapic_is_x2apic(const struct vlapic *vl)
{
	return (vl->apic_base & (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD)) ==
	       (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD);
}

bool vlapic_hw_enabled(const struct vlapic *vl)
{
	return vl->apic_base & VLAPIC_BASE_EN;
}

bool vlapic_sw_enabled(const struct vlapic *vl)
{
	return vl->svr & VLAPIC_SVR_ENABLE;
}

/* x2APIC logical ID: cluster = ID[19:4] in bits 31:16, one bit 1 << ID[3:0]
 * in bits 15:0 (SDM Vol. 3A 11.12.10.2). */
uint32_t vlapic_x2apic_ldr(uint32_t x2apic_id)
{
	return ((x2apic_id >> 4) << 16) | (1u << (x2apic_id & 0xf));
}

/* The registers INIT and RESET both clear (SDM Vol. 3A 11.4.7.1, 11.4.7.3).
 * The page's part (IRR, ISR, TMR, TPR) is cleared by the owner's next
 * vlapic_sync: an INIT may come from another CPU while the CPU delivers
 * from the page.  Requests not folded in yet are dropped with it. */
static void reset_registers(struct vlapic *vl)
{
	vl->page_reset = true;
	vl->pir_any = false;
	vl->mirror_dirty = true;
	vl->ldr = 0;
	vl->dfr = 0xffffffffu;
	vl->svr = 0xff; /* software-disabled, spurious vector 0xff */
	vl->esr = vl->esr_pending = 0;
	vl->icr = 0;
	for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
		vl->lvt[i] = VLAPIC_LVT_MASKED;
	vl->dcr = 0;
	vlapic_timer_reset(vl);
	vl->nmi_pending = false;
	vl->extint_pending = false;
}

/* RESET happens with the guest stopped: the page is cleared at once. */
void vlapic_reset(struct vlapic *vl)
{
	reset_registers(vl);
	vl->apic_base = VLAPIC_BASE_ADDR | VLAPIC_BASE_EN | (vl->cfg.is_bsp ? VLAPIC_BASE_BSP : 0);
	/* After RESET the BSP runs the firmware; APs wait for INIT-SIPI (9.4). */
	vl->cpu_state = vl->cfg.is_bsp ? VLAPIC_CPU_RUNNING : VLAPIC_CPU_WAIT_SIPI;
	vl->sipi_vector = 0;
	vlapic_sync(vl);
}

/* INIT keeps the APIC ID and IA32_APIC_BASE, including x2APIC mode
 * (11.4.7.3, 11.12.5.1), and parks the vCPU.  A real BSP would restart at the
 * reset vector instead; Linux never INITs the BSP, so both park. */
void vlapic_init_signal(struct vlapic *vl)
{
	reset_registers(vl);
	vl->cpu_state = VLAPIC_CPU_WAIT_SIPI;
	vl->sipi_vector = 0;
}

int vlapic_init(struct vlapic *vl, const struct vlapic_config *cfg, const struct vlapic_ops *ops)
{
	if (!cfg->timer_hz || !cfg->tsc_hz) {
		pr_err("vlapic: %s is 0\n", !cfg->timer_hz ? "timer_hz" : "tsc_hz");
		return -1;
	}
	if (cfg->apic_id >= 0xff && !cfg->x2apic) {
		pr_err("vlapic: APIC ID %u needs x2APIC (0xff is the xAPIC broadcast)\n",
		       cfg->apic_id);
		return -1;
	}
	if (cfg->phys_bits > 52 || (cfg->phys_bits && cfg->phys_bits < 32)) {
		pr_err("vlapic: phys_bits %u outside 32..52\n", cfg->phys_bits);
		return -1;
	}
	vl->cfg = *cfg;
	if (!vl->cfg.phys_bits)
		vl->cfg.phys_bits = 52;
	vl->ops.ipi = ops ? ops->ipi : NULL;
	vl->ops.eoi = ops ? ops->eoi : NULL;
	vl->ops.ctx = ops ? ops->ctx : NULL;
	vlapic_clear_page_state(vl);
	vlapic_reset(vl);
	return 0;
}

/* Writable bits of each LVT entry (SDM Vol. 3A 11.5.1, figure 11-8);
 * delivery status and remote IRR are read-only and always read 0 here. */
static uint32_t lvt_writable(const struct vlapic *vl, unsigned lvt)
{
	switch (lvt) {
	case VLAPIC_LVT_TIMER:
		return 0xff | VLAPIC_LVT_MASKED | BIT(VLAPIC_TIMER_SHIFT) |
		       (vl->cfg.tsc_deadline ? BIT(VLAPIC_TIMER_SHIFT + 1) : 0);
	case VLAPIC_LVT_LINT0:
	case VLAPIC_LVT_LINT1:
		return 0xff | GENMASK(10, 8) | BIT(13) | VLAPIC_LVT_LEVEL | VLAPIC_LVT_MASKED;
	case VLAPIC_LVT_ERROR:
		return 0xff | VLAPIC_LVT_MASKED;
	case VLAPIC_LVT_THERMAL:
	case VLAPIC_LVT_PERF:
	case VLAPIC_LVT_CMCI:
		return 0xff | GENMASK(10, 8) | VLAPIC_LVT_MASKED;
	default:
		return 0;
	}
}

/* While software-disabled every LVT entry stays masked (11.4.7.2). */
static void write_lvt(struct vlapic *vl, unsigned lvt, uint32_t val, vdev_time_ns now)
{
	val &= lvt_writable(vl, lvt);
	if (!vlapic_sw_enabled(vl))
		val |= VLAPIC_LVT_MASKED;
	if (lvt == VLAPIC_LVT_TIMER)
		vlapic_timer_write_lvt(vl, val, now);
	else
		vl->lvt[lvt] = val;
}

static void write_svr(struct vlapic *vl, uint32_t val)
{
	/* Bits 7:0 vector (all writable since the P4), 8 enable, 9 focus
	 * checking (stored only: Linux sets it), 12 EOI-broadcast suppression. */
	uint32_t mask = GENMASK(9, 0) | (vl->cfg.eoi_suppression ? VLAPIC_SVR_EOI_SUPP : 0);

	vl->svr = val & mask;
	if (!vlapic_sw_enabled(vl))
		for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
			vl->lvt[i] |= VLAPIC_LVT_MASKED;
}

static uint32_t lvt_index(unsigned reg)
{
	return reg == REG_LVT_CMCI ? VLAPIC_LVT_CMCI : reg - REG_LVT_TIMER;
}

/* Read register reg (known to exist and be readable in the current mode). */
static uint32_t reg_read(struct vlapic *vl, unsigned reg, vdev_time_ns now)
{
	bool x2 = vlapic_is_x2apic(vl);

	switch (reg) {
	case REG_ID:
		return x2 ? vl->cfg.apic_id : vl->cfg.apic_id << 24;
	case REG_VERSION:
		return VLAPIC_VERSION | (VLAPIC_MAX_LVT << 16) |
		       (vl->cfg.eoi_suppression ? VLAPIC_VER_EOI_SUPP : 0);
	case REG_TPR:
		return vlapic_tpr(vl);
	case REG_APR:
		return vlapic_apr(vl);
	case REG_PPR:
		return vlapic_ppr(vl);
	case REG_LDR:
		return x2 ? vlapic_x2apic_ldr(vl->cfg.apic_id) : vl->ldr;
	case REG_DFR:
		return vl->dfr;
	case REG_SVR:
		return vl->svr;
	case REG_ISR ... REG_ISR + 7:
	case REG_TMR ... REG_TMR + 7:
	case REG_IRR ... REG_IRR + 7:
		return vl->page[reg * 4]; /* they live in the page */
	case REG_ESR:
		return vl->esr;
	case REG_LVT_CMCI:
	case REG_LVT_TIMER ... REG_LVT_TIMER + 5:
		return vl->lvt[lvt_index(reg)];
	case REG_ICR:
		return (uint32_t)vl->icr; /* delivery status 0: IPIs leave at once */
	case REG_ICR_HI:
		return (uint32_t)(vl->icr >> 32);
	case REG_TIMER_INITIAL:
		return vl->timer.initial;
	case REG_TIMER_CURRENT:
		return vlapic_timer_current(vl, now);
	case REG_TIMER_DCR:
		return vl->dcr;
	default:
		return 0; /* EOI, SELF IPI: write-only */
	}
}

/* Write register reg (known to exist and be writable in the current mode). */
static void reg_write(struct vlapic *vl, unsigned reg, uint32_t val, vdev_time_ns now)
{
	vl->mirror_dirty = true;
	switch (reg) {
	case REG_TPR:
		*vlapic_reg(vl, VLAPIC_OFF_TPR) = val & 0xff;
		break;
	case REG_EOI:
		vlapic_eoi(vl);
		break;
	case REG_LDR:
		vl->ldr = val & GENMASK(31, 24);
		break;
	case REG_DFR:
		vl->dfr = (val & GENMASK(31, 28)) | GENMASK(27, 0); /* 27:0 read as ones */
		break;
	case REG_SVR:
		vlapic_tick(vl, now); /* a timer expiry before a disable still counts */
		write_svr(vl, val);
		break;
	case REG_ESR:
		/* A write latches the errors seen since the last write (11.5.3). */
		vl->esr = vl->esr_pending;
		vl->esr_pending = 0;
		break;
	case REG_LVT_CMCI:
	case REG_LVT_TIMER ... REG_LVT_TIMER + 5:
		write_lvt(vl, lvt_index(reg), val, now);
		break;
	case REG_ICR:
		/* xAPIC: writing the low half sends (11.6.1). */
		vl->icr = (vl->icr & GENMASK(63, 32)) | (val & VLAPIC_ICR_LO_WRITABLE);
		vlapic_send_icr(vl);
		break;
	case REG_ICR_HI:
		vl->icr = ((uint64_t)(val & GENMASK(31, 24)) << 32) | (uint32_t)vl->icr;
		vl->page[REG_ICR_HI * 4] = val & GENMASK(31, 24); /* see vlapic_pull */
		break;
	case REG_TIMER_INITIAL:
		vlapic_timer_write_initial(vl, val, now);
		break;
	case REG_TIMER_DCR:
		vlapic_timer_write_dcr(vl, val, now);
		break;
	case REG_SELF_IPI:
		vlapic_self_ipi(vl, val & VLAPIC_VECTOR_MASK);
		break;
	default:
		break;
	}
}

/* Registers kept in the structure whose values the page shows, so a CPU
 * with APIC-register virtualization reads them without an exit. */
static const uint8_t mirrored[] = {
    REG_ID,
    REG_VERSION,
    REG_LDR,
    REG_DFR,
    REG_SVR,
    REG_ESR,
    REG_LVT_CMCI,
    REG_ICR,
    REG_ICR_HI,
    REG_LVT_TIMER,
    REG_LVT_TIMER + 1,
    REG_LVT_TIMER + 2,
    REG_LVT_TIMER + 3,
    REG_LVT_TIMER + 4,
    REG_LVT_TIMER + 5,
    REG_TIMER_INITIAL,
    REG_TIMER_DCR,
};

/* A CPU with APIC-register virtualization stores ICR high-half writes in
 * the page without an exit (SDM Vol. 3C 30.4.3.2: only bits 31:24 kept),
 * so the page has the destination of the next IPI.  In x2APIC mode the
 * whole ICR comes through WRMSR exits instead. */
void vlapic_pull(struct vlapic *vl)
{
	if (!vlapic_is_x2apic(vl))
		vl->icr = ((uint64_t)(vl->page[REG_ICR_HI * 4] & GENMASK(31, 24)) << 32) |
			  (uint32_t)vl->icr;
}

/* Rewrite the mirrored registers and PPR in the page (owner only). */
void vlapic_mirror(struct vlapic *vl)
{
	vl->mirror_dirty = false;
	for (size_t i = 0; i < ARRAY_SIZE(mirrored); i++)
		vl->page[mirrored[i] * 4] = reg_read(vl, mirrored[i], 0);
	vl->page[REG_PPR * 4] = vlapic_ppr(vl);
	vl->page[REG_EOI * 4] = 0;
}

static bool reg_writable(unsigned reg, bool x2)
{
	return (reg_flags[reg] & F_WR) || (!x2 && (reg_flags[reg] & F_WRXA));
}

uint64_t vlapic_mmio_base(const struct vlapic *vl)
{
	if (!vlapic_hw_enabled(vl) || vlapic_is_x2apic(vl))
		return 0;
	return vl->apic_base & GENMASK(vl->cfg.phys_bits - 1, 12);
}

static bool mmio_shape_ok(uint32_t offset, unsigned size)
{
	return (size == 1 || size == 2 || size == 4 || size == 8) && offset < VLAPIC_MMIO_SIZE &&
	       size <= VLAPIC_MMIO_SIZE - offset;
}

static uint64_t ones(unsigned size)
{
	return size >= 8 ? ~0ULL : BIT(8 * size) - 1;
}

int vlapic_mmio_read(struct vlapic *vl, uint32_t offset, unsigned size, vdev_time_ns now,
		     uint64_t *val)
{
	unsigned reg = (offset >> 4) & (NR_REGS - 1), byte = offset & 15;
	uint64_t v = 0;

	if (!vlapic_mmio_base(vl) || !mmio_shape_ok(offset, size)) {
		*val = ones(size);
		return mmio_shape_ok(offset, size) ? VLAPIC_UNMAPPED : VLAPIC_OK;
	}
	vlapic_sync(vl);
	if (offset >= NR_REGS * 16 || !(reg_flags[reg] & F_XA))
		vlapic_error(vl, VLAPIC_ESR_ILLEGAL_REGISTER);
	else if ((reg_flags[reg] & F_RD) && byte < 4)
		v = reg_read(vl, reg, now) >> (8 * byte); /* bytes 4..15 of a slot read 0 */
	*val = v & ones(size);
	return VLAPIC_OK;
}

int vlapic_mmio_write(struct vlapic *vl, uint32_t offset, unsigned size, uint64_t val,
		      vdev_time_ns now)
{
	unsigned reg = (offset >> 4) & (NR_REGS - 1);

	if (!mmio_shape_ok(offset, size))
		return VLAPIC_OK;
	if (!vlapic_mmio_base(vl))
		return VLAPIC_UNMAPPED;
	if (offset >= NR_REGS * 16 || !(reg_flags[reg] & F_XA)) {
		vlapic_error(vl, VLAPIC_ESR_ILLEGAL_REGISTER);
		return VLAPIC_OK;
	}
	/* 11.4.1: registers are written with aligned 32-bit stores; anything
	 * narrower or misaligned has undefined effect and is ignored here. */
	if ((offset & 15) || size < 4 || !reg_writable(reg, false))
		return VLAPIC_OK;
	vlapic_sync(vl);
	reg_write(vl, reg, (uint32_t)val, now);
	vlapic_sync(vl);
	return VLAPIC_OK;
}

/* The written value is taken before vlapic_sync rewrites the register
 * with its old value; then it is an ordinary MMIO write. */
void vlapic_apicv_write(struct vlapic *vl, uint32_t offset, vdev_time_ns now)
{
	uint32_t val;

	offset &= (VLAPIC_MMIO_SIZE - 1) & ~3u;
	val = vl->page[offset >> 2];
	vl->mirror_dirty = true; /* the raw value goes even if the write is ignored */
	vlapic_sync(vl);
	vlapic_mmio_write(vl, offset, 4, val, now);
}

bool vlapic_msr_handles(uint32_t msr)
{
	return msr == 0x1b || msr == 0x6e0 ||
	       (msr >= VLAPIC_MSR_X2_FIRST && msr <= VLAPIC_MSR_X2_LAST);
}

/*
 * IA32_APIC_BASE (SDM Vol. 3A 11.12.5, figure 11-27): the valid states are
 * disabled (EN=0 EXTD=0), xAPIC (1 0) and x2APIC (1 1); EN=0 EXTD=1 is
 * invalid, and x2APIC -> xAPIC and disabled -> x2APIC must go the long way
 * round.  Any of those, or a reserved bit, is #GP.  Disabling resets the
 * registers (the APIC comes back in its power-up state, 11.4.3); BSP is
 * read-only.
 */
static int write_apic_base(struct vlapic *vl, uint64_t val)
{
	uint64_t rsvd = VLAPIC_BASE_RSVD_LO | ~GENMASK(vl->cfg.phys_bits - 1, 0);
	bool old_en = vl->apic_base & VLAPIC_BASE_EN, old_x2 = vlapic_is_x2apic(vl);
	bool en = val & VLAPIC_BASE_EN, x2 = val & VLAPIC_BASE_EXTD;

	if (!vl->cfg.x2apic)
		rsvd |= VLAPIC_BASE_EXTD;
	if ((val & rsvd) || (!en && x2) || (old_x2 && en && !x2) || (!old_en && x2))
		return VLAPIC_GP;
	vl->apic_base = (val & ~VLAPIC_BASE_BSP) | (vl->apic_base & VLAPIC_BASE_BSP);
	vl->mirror_dirty = true; /* the ID and LDR formats follow the mode */
	if (old_en && !en)
		reset_registers(vl);
	return VLAPIC_OK;
}

/* x2APIC register MSR checks (11.12.1.3): the register must exist in x2APIC mode. */
static int x2_reg(const struct vlapic *vl, uint32_t msr, unsigned *reg)
{
	if (!vlapic_is_x2apic(vl) || msr - VLAPIC_MSR_X2_FIRST >= NR_REGS)
		return VLAPIC_GP;
	*reg = msr - VLAPIC_MSR_X2_FIRST;
	return (reg_flags[*reg] & F_X2) ? VLAPIC_OK : VLAPIC_GP;
}

int vlapic_msr_read(struct vlapic *vl, uint32_t msr, vdev_time_ns now, uint64_t *val)
{
	unsigned reg;

	*val = 0;
	vlapic_sync(vl);
	if (msr == 0x1b) {
		*val = vl->apic_base;
		return VLAPIC_OK;
	}
	if (msr == 0x6e0) {
		if (!vl->cfg.tsc_deadline)
			return VLAPIC_GP;
		*val = vlapic_timer_read_deadline(vl);
		return VLAPIC_OK;
	}
	if (x2_reg(vl, msr, &reg) != VLAPIC_OK || !(reg_flags[reg] & F_RD))
		return VLAPIC_GP;
	*val = reg == REG_ICR ? vl->icr : reg_read(vl, reg, now);
	return VLAPIC_OK;
}

/* x2APIC writes that #GP beyond the table: bits 63:32 of a 32-bit register,
 * a non-zero EOI or ESR, reserved bits of SELF IPI (11.12.1.3, 11.12.11). */
static bool x2_write_value_ok(unsigned reg, uint64_t val)
{
	if (reg == REG_ICR)
		return true;
	if (val >> 32)
		return false;
	if (reg == REG_EOI || reg == REG_ESR)
		return val == 0;
	if (reg == REG_SELF_IPI)
		return !(val & ~VLAPIC_VECTOR_MASK);
	return true;
}

/* The owner's write; the page is brought up to date before and after. */
static int msr_write(struct vlapic *vl, uint32_t msr, uint64_t val, vdev_time_ns now)
{
	unsigned reg;

	if (msr == 0x1b)
		return write_apic_base(vl, val);
	if (msr == 0x6e0) {
		if (!vl->cfg.tsc_deadline)
			return VLAPIC_GP;
		vlapic_timer_write_deadline(vl, val, now);
		return VLAPIC_OK;
	}
	if (x2_reg(vl, msr, &reg) != VLAPIC_OK || !reg_writable(reg, true) ||
	    !x2_write_value_ok(reg, val))
		return VLAPIC_GP;
	if (reg == REG_ICR) {
		/* One 64-bit write sends; destination is the full bits 63:32. */
		vl->icr = val & (GENMASK(63, 32) | VLAPIC_ICR_LO_WRITABLE);
		vlapic_send_icr(vl);
		return VLAPIC_OK;
	}
	reg_write(vl, reg, (uint32_t)val, now);
	return VLAPIC_OK;
}

int vlapic_msr_write(struct vlapic *vl, uint32_t msr, uint64_t val, vdev_time_ns now)
{
	int rc;

	vlapic_sync(vl);
	rc = msr_write(vl, msr, val, now);
	vlapic_sync(vl);
	return rc;
}
