/*
 * vdev_lapic_irq.c - the virtual local APIC's interrupt logic: acceptance
 * into the request bitmap and from there into IRR/TMR, priorities (TPR,
 * PPR, APR), IRR -> ISR -> EOI, the error register's sources, local
 * interrupt pins, and IPIs: decoding the ICR, matching destinations,
 * routing over a partition, and applying an IPI to its target (SDM Vol. 3A
 * 11.5 - 11.8).
 *
 * Interrupts are delivered one of two ways.  Without APIC virtualization
 * the hypervisor asks vlapic_pending_vector() when the guest can take an
 * interrupt, injects that vector and calls vlapic_ack(); the guest's EOI
 * write exits and ends it.  With virtual-interrupt delivery the CPU does
 * both in the page: the hypervisor only syncs the page and hands the CPU
 * RVI/SVI (vlapic_intr_status) before each entry.
 */
#include <hv/lib.h>

#include "vdev_lapic_internal.h"

/* Highest set bit of a 256-bit vector given as 8 words at stride words
 * apart, or -1. */
static int highest(const uint32_t *w, unsigned stride)
{
	for (int i = 7; i >= 0; i--)
		if (w[i * stride])
			return i * 32 + 31 - __builtin_clz(w[i * stride]);
	return -1;
}

int vlapic_vec_highest(const struct vlapic *vl, uint32_t base)
{
	return highest(&vl->page[base >> 2], 4);
}

bool vlapic_page_test(const struct vlapic *vl, uint32_t base, uint8_t vector)
{
	return vl->page[vlapic_vec_index(base, vector)] & (1u << (vector & 31));
}

static uint32_t prio_class(int vector)
{
	return vector < 0 ? 0 : (uint32_t)vector & 0xf0;
}

/* PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4 (11.8.3.1). */
uint32_t vlapic_ppr(const struct vlapic *vl)
{
	uint32_t isrv = prio_class(vlapic_vec_highest(vl, VLAPIC_OFF_ISR));
	uint32_t tpr = vlapic_tpr(vl);

	return (tpr & 0xf0) >= isrv ? tpr & 0xff : isrv;
}

/* The highest requested vector: in IRR or waiting to be folded in. */
static int highest_request(const struct vlapic *vl)
{
	int irrv = vl->page_reset ? -1 : vlapic_vec_highest(vl, VLAPIC_OFF_IRR);
	int newv = vl->pir_any ? highest(vl->pir, 1) : -1;

	return MAX(irrv, newv);
}

/* APR (11.8.2, figure 11-15): TPR when it is at least the highest requested
 * and above the highest in-service class, else the highest of the three
 * classes.  Only readable in xAPIC mode. */
uint32_t vlapic_apr(const struct vlapic *vl)
{
	uint32_t tpr = vlapic_tpr(vl) & 0xf0;
	uint32_t isrv = prio_class(vlapic_vec_highest(vl, VLAPIC_OFF_ISR));
	uint32_t irrv = prio_class(highest_request(vl));

	if (tpr >= irrv && tpr > isrv)
		return vlapic_tpr(vl) & 0xff;
	return MAX(tpr, MAX(isrv, irrv));
}

/* ESR bits accumulate until the next ESR write; an unmasked error LVT
 * raises its vector (11.5.3).  An illegal error vector only records. */
void vlapic_error(struct vlapic *vl, uint32_t esr_bits)
{
	uint32_t lvt = vl->lvt[VLAPIC_LVT_ERROR];
	uint8_t vector = lvt & VLAPIC_VECTOR_MASK;

	vl->esr_pending |= esr_bits;
	if (!(lvt & VLAPIC_LVT_MASKED) && vector >= 16)
		vlapic_accept(vl, vector, false);
}

/* Requests go to pir, never straight into the page: the CPU may be
 * delivering from the page's IRR on the owner's CPU right now. */
bool vlapic_accept(struct vlapic *vl, uint8_t vector, bool level_triggered)
{
	uint32_t bit = 1u << (vector & 31);

	if (vector < 16) {
		/* 0-15 are reserved: never set in IRR (11.5.2). */
		vlapic_error(vl, VLAPIC_ESR_RECV_ILLEGAL_VECTOR);
		return false;
	}
	/* A software-disabled APIC holds what it has but takes no new fixed
	 * interrupts (11.4.7.2); a hardware-disabled one has no APIC at all. */
	if (!vlapic_hw_enabled(vl) || !vlapic_sw_enabled(vl))
		return false;
	vl->pir[vector >> 5] |= bit;
	if (level_triggered)
		vl->pir_level[vector >> 5] |= bit;
	else
		vl->pir_level[vector >> 5] &= ~bit;
	vl->pir_any = true;
	return true;
}

bool vlapic_has_new(const struct vlapic *vl)
{
	return vl->pir_any;
}

/* IRR, ISR, TMR, TPR, PPR and the requests: what RESET and INIT clear
 * besides the mirrored registers. */
void vlapic_clear_page_state(struct vlapic *vl)
{
	memset(vl->page, 0, sizeof(vl->page));
	memset(vl->pir, 0, sizeof(vl->pir));
	memset(vl->pir_level, 0, sizeof(vl->pir_level));
	vl->pir_any = false;
	vl->page_reset = false;
	vl->mirror_dirty = true;
}

/* Fold the requests into IRR and TMR (11.5.2: the trigger mode of the
 * latest acceptance wins). */
static void fold_requests(struct vlapic *vl)
{
	if (!vl->pir_any)
		return;
	for (unsigned i = 0; i < 8; i++) {
		uint32_t *irr = vlapic_reg(vl, VLAPIC_OFF_IRR + i * 16);
		uint32_t *tmr = vlapic_reg(vl, VLAPIC_OFF_TMR + i * 16);

		*irr |= vl->pir[i];
		*tmr = (*tmr & ~vl->pir[i]) | (vl->pir_level[i] & vl->pir[i]);
		vl->pir[i] = 0;
	}
	vl->pir_any = false;
}

void vlapic_sync(struct vlapic *vl)
{
	if (vl->page_reset)
		vlapic_clear_page_state(vl);
	else
		vlapic_pull(vl);
	fold_requests(vl);
	/* Most syncs (one before every entry) find nothing to mirror. */
	if (vl->mirror_dirty)
		vlapic_mirror(vl);
}

uint16_t vlapic_intr_status(const struct vlapic *vl)
{
	int rvi = vlapic_vec_highest(vl, VLAPIC_OFF_IRR);
	int svi = vlapic_vec_highest(vl, VLAPIC_OFF_ISR);

	return (uint16_t)((rvi < 0 ? 0 : rvi) | ((svi < 0 ? 0 : svi) << 8));
}

void vlapic_eoi_exit_bitmap(const struct vlapic *vl, uint64_t bitmap[4])
{
	bool suppress = vl->svr & VLAPIC_SVR_EOI_SUPP;

	for (unsigned i = 0; i < 4; i++) {
		uint64_t lo = vl->page[(VLAPIC_OFF_TMR >> 2) + i * 8];
		uint64_t hi = vl->page[(VLAPIC_OFF_TMR >> 2) + i * 8 + 4];

		bitmap[i] = suppress || !vl->ops.eoi ? 0 : lo | hi << 32;
	}
}

int vlapic_pending_vector(const struct vlapic *vl)
{
	int v = highest_request(vl);

	if (v < 0 || !vlapic_hw_enabled(vl))
		return -1;
	/* Only a higher priority class than PPR's is delivered (11.8.3). */
	return prio_class(v) > (vlapic_ppr(vl) & 0xf0) ? v : -1;
}

bool vlapic_ack(struct vlapic *vl, uint8_t vector)
{
	vlapic_sync(vl);
	if (!vlapic_page_test(vl, VLAPIC_OFF_IRR, vector))
		return false;
	vlapic_vec_clear(vl, VLAPIC_OFF_IRR, vector);
	vlapic_vec_set(vl, VLAPIC_OFF_ISR, vector);
	vl->mirror_dirty = true; /* PPR */
	return true;
}

/* A level-triggered vector ended: broadcast to the IOAPICs unless SVR
 * bit 12 suppresses that (the guest then writes the IOAPIC's EOI register
 * itself). */
static void eoi_broadcast(struct vlapic *vl, uint8_t vector)
{
	if (vlapic_page_test(vl, VLAPIC_OFF_TMR, vector) && !(vl->svr & VLAPIC_SVR_EOI_SUPP) &&
	    vl->ops.eoi)
		vl->ops.eoi(vl->ops.ctx, vector);
}

/* 11.8.5: EOI ends the highest in-service vector. */
int vlapic_eoi(struct vlapic *vl)
{
	int vector;

	vlapic_sync(vl);
	vector = vlapic_vec_highest(vl, VLAPIC_OFF_ISR);
	if (vector < 0)
		return -1;
	vlapic_vec_clear(vl, VLAPIC_OFF_ISR, (unsigned)vector);
	vl->mirror_dirty = true; /* PPR */
	eoi_broadcast(vl, (uint8_t)vector);
	return vector;
}

void vlapic_apicv_eoi(struct vlapic *vl, uint8_t vector)
{
	vlapic_sync(vl);
	eoi_broadcast(vl, vector);
}

static struct vlapic_ipi decode_icr(const struct vlapic *vl)
{
	uint64_t icr = vl->icr;
	bool x2 = vlapic_is_x2apic(vl);

	return (struct vlapic_ipi){
	    .dest = x2 ? (uint32_t)(icr >> 32) : (uint32_t)(icr >> 56),
	    .source_id = vl->cfg.apic_id,
	    .vector = icr & VLAPIC_VECTOR_MASK,
	    .mode = (icr >> VLAPIC_ICR_DM_SHIFT) & 7,
	    .shorthand = (icr >> VLAPIC_ICR_SH_SHIFT) & 3,
	    .logical = icr & VLAPIC_ICR_LOGICAL,
	    .assert = icr &VLAPIC_ICR_ASSERT,
	    .level_trigger = icr &VLAPIC_ICR_LEVEL,
	    .x2apic = x2,
	};
}

/*
 * Send what the ICR holds (11.6.1).  Reserved delivery modes (3, 7) are
 * dropped; a fixed or lowest-priority vector below 16 sets "send illegal
 * vector" and is not sent; the "self" shorthand is valid with fixed mode
 * only and is delivered here without a round trip through ops.ipi.
 */
void vlapic_send_icr(struct vlapic *vl)
{
	struct vlapic_ipi ipi = decode_icr(vl);

	if (ipi.mode == 3 || ipi.mode == 7)
		return;
	if ((ipi.mode == VLAPIC_IPI_FIXED || ipi.mode == VLAPIC_IPI_LOWEST) && ipi.vector < 16) {
		vlapic_error(vl, VLAPIC_ESR_SEND_ILLEGAL_VECTOR);
		return;
	}
	if (ipi.shorthand == VLAPIC_DEST_SELF) {
		if (ipi.mode == VLAPIC_IPI_FIXED)
			vlapic_accept(vl, ipi.vector, ipi.level_trigger);
		return;
	}
	if (vl->ops.ipi)
		vl->ops.ipi(vl->ops.ctx, &ipi);
}

/* x2APIC SELF IPI register (11.12.11): fixed, edge, to this APIC. */
void vlapic_self_ipi(struct vlapic *vl, uint8_t vector)
{
	if (vector < 16) {
		vlapic_error(vl, VLAPIC_ESR_SEND_ILLEGAL_VECTOR);
		return;
	}
	vlapic_accept(vl, vector, false);
}

/* Logical destination (11.6.2.2, 11.12.10.2): flat = any bit of the 8-bit
 * MDA in LDR[31:24]; cluster = MDA[7:4] names the cluster, MDA[3:0] the
 * members; x2APIC = 16-bit cluster and 16-bit member mask. */
static bool match_logical(const struct vlapic *vl, const struct vlapic_ipi *ipi)
{
	if (ipi->x2apic) {
		uint32_t ldr = vlapic_x2apic_ldr(vl->cfg.apic_id);

		if (ipi->dest == 0xffffffffu)
			return true;
		return (ipi->dest >> 16) == (ldr >> 16) && (ipi->dest & ldr & 0xffff);
	}
	uint32_t mda = ipi->dest & 0xff, ldr = vl->ldr >> 24;

	if (mda == 0xff)
		return true;
	switch (vl->dfr >> 28) {
	case 0xf: /* flat */
		return mda & ldr;
	case 0x0: /* cluster */
		return (mda >> 4) == (ldr >> 4) && (mda & ldr & 0xf);
	default: /* reserved models match nothing */
		return false;
	}
}

static bool match_physical(const struct vlapic *vl, const struct vlapic_ipi *ipi)
{
	if (ipi->x2apic)
		return ipi->dest == 0xffffffffu || ipi->dest == vl->cfg.apic_id;
	return (ipi->dest & 0xff) == 0xff || (ipi->dest & 0xff) == vl->cfg.apic_id;
}

bool vlapic_ipi_match(const struct vlapic *vl, const struct vlapic_ipi *ipi)
{
	if (!vlapic_hw_enabled(vl))
		return false;
	switch (ipi->shorthand) {
	case VLAPIC_DEST_SELF:
		return vl->cfg.apic_id == ipi->source_id;
	case VLAPIC_DEST_ALL:
		return true;
	case VLAPIC_DEST_ALL_BUT_SELF:
		return vl->cfg.apic_id != ipi->source_id;
	default:
		return ipi->logical ? match_logical(vl, ipi) : match_physical(vl, ipi);
	}
}

void vlapic_ipi_deliver(struct vlapic *vl, const struct vlapic_ipi *ipi)
{
	switch (ipi->mode) {
	case VLAPIC_IPI_FIXED:
	case VLAPIC_IPI_LOWEST:
		vlapic_accept(vl, ipi->vector, ipi->level_trigger);
		break;
	case VLAPIC_IPI_NMI:
		vl->nmi_pending = true;
		break;
	case VLAPIC_IPI_INIT:
		/* "INIT level de-assert" (level trigger, level 0) only
		 * resynchronised arbitration IDs on old APICs: ignored on P4+
		 * (11.6.1), yet Linux's smpboot.c still sends it. */
		if (ipi->assert || !ipi->level_trigger)
			vlapic_init_signal(vl);
		break;
	case VLAPIC_IPI_STARTUP:
		/* Only a vCPU waiting for SIPI takes it; the second SIPI of the
		 * INIT-SIPI-SIPI sequence is then ignored (9.4.4.1). */
		if (vl->cpu_state == VLAPIC_CPU_WAIT_SIPI) {
			vl->sipi_vector = ipi->vector;
			vl->cpu_state = VLAPIC_CPU_SIPI;
		}
		break;
	default: /* SMI: guests have no SMM */
		break;
	}
}

unsigned vlapic_route(struct vlapic *const *vls, size_t n, const struct vlapic_ipi *ipi)
{
	unsigned delivered = 0;

	for (size_t i = 0; i < n; i++) {
		if (!vls[i] || !vlapic_ipi_match(vls[i], ipi))
			continue;
		vlapic_ipi_deliver(vls[i], ipi);
		delivered++;
		if (ipi->mode == VLAPIC_IPI_LOWEST)
			break;
	}
	return delivered;
}

/* LINT0/LINT1 (11.5.1): fixed raises the vector, NMI the NMI line, ExtINT
 * asks the caller to fetch a vector from the 8259 model (virtual wire). */
void vlapic_lint(struct vlapic *vl, unsigned pin)
{
	uint32_t lvt;

	if (pin > 1 || !vlapic_hw_enabled(vl))
		return;
	lvt = vl->lvt[VLAPIC_LVT_LINT0 + pin];
	if (lvt & VLAPIC_LVT_MASKED)
		return;
	switch ((lvt >> VLAPIC_LVT_DM_SHIFT) & 7) {
	case VLAPIC_LVT_DM_FIXED:
		vlapic_accept(vl, lvt & VLAPIC_VECTOR_MASK, lvt & VLAPIC_LVT_LEVEL);
		break;
	case VLAPIC_LVT_DM_NMI:
		vl->nmi_pending = true;
		break;
	case VLAPIC_LVT_DM_EXTINT:
		vl->extint_pending = true;
		break;
	default: /* SMI, INIT through a LINT pin: not modelled */
		break;
	}
}

bool vlapic_take_sipi(struct vlapic *vl, uint8_t *vector)
{
	if (vl->cpu_state != VLAPIC_CPU_SIPI)
		return false;
	*vector = vl->sipi_vector;
	vl->cpu_state = VLAPIC_CPU_RUNNING;
	return true;
}
