/*
 * vdev_lapic_internal.h - what the three parts of the virtual local APIC
 * share: guests/vdev_lapic.c (reset, register file, xAPIC/x2APIC access,
 * IA32_APIC_BASE), guests/vdev_lapic_irq.c (priorities, IRR/ISR, IPIs) and
 * guests/vdev_lapic_timer.c (the APIC timer).  Not a contract: the
 * interface is include/hv/vdev_lapic.h.
 */
#ifndef HV_GUESTS_VDEV_LAPIC_INTERNAL_H
#define HV_GUESTS_VDEV_LAPIC_INTERNAL_H

#include <hv/vdev_lapic.h>

/* IA32_APIC_BASE bits (SDM Vol. 3A 11.4.4, figure 11-5). */
#define VLAPIC_BASE_BSP	    BIT(8)
#define VLAPIC_BASE_EXTD    BIT(10)
#define VLAPIC_BASE_EN	    BIT(11)
#define VLAPIC_BASE_ADDR    0xfee00000ULL
#define VLAPIC_BASE_RSVD_LO (GENMASK(7, 0) | BIT(9))

/* Register fields used across the parts. */
#define VLAPIC_VECTOR_MASK   GENMASK(7, 0)
#define VLAPIC_LVT_MASKED    BIT(16)
#define VLAPIC_LVT_DM_SHIFT  8 /* delivery mode, bits 10:8 */
#define VLAPIC_LVT_DM_FIXED  0u
#define VLAPIC_LVT_DM_NMI    4u
#define VLAPIC_LVT_DM_EXTINT 7u
#define VLAPIC_LVT_LEVEL     BIT(15)
#define VLAPIC_SVR_ENABLE    BIT(8)
#define VLAPIC_SVR_EOI_SUPP  BIT(12)
#define VLAPIC_TIMER_SHIFT   17 /* LVT timer mode, bits 18:17 */
#define VLAPIC_TIMER_ONESHOT 0u
#define VLAPIC_TIMER_PERIOD  1u
#define VLAPIC_TIMER_TSCDL   2u

/* ICR low-half fields (SDM Vol. 3A 11.6.1, figure 11-12). */
#define VLAPIC_ICR_DM_SHIFT    8
#define VLAPIC_ICR_LOGICAL     BIT(11)
#define VLAPIC_ICR_ASSERT      BIT(14)
#define VLAPIC_ICR_LEVEL       BIT(15)
#define VLAPIC_ICR_SH_SHIFT    18
#define VLAPIC_ICR_LO_WRITABLE (GENMASK(11, 0) | BIT(14) | BIT(15) | GENMASK(19, 18))

/* Register at page offset off. */
static inline uint32_t *vlapic_reg(struct vlapic *vl, uint32_t off)
{
	return &vl->page[off >> 2];
}

/* Index in the page of the word of the 256-bit vector at base that holds
 * vector's bit (one 32-bit register every 16 bytes). */
static inline unsigned vlapic_vec_index(uint32_t base, unsigned vector)
{
	return (base >> 2) + ((vector >> 5) & 7) * 4;
}

static inline uint32_t *vlapic_vec_word(struct vlapic *vl, uint32_t base, unsigned vector)
{
	return &vl->page[vlapic_vec_index(base, vector)];
}

static inline void vlapic_vec_set(struct vlapic *vl, uint32_t base, unsigned vector)
{
	*vlapic_vec_word(vl, base, vector) |= 1u << (vector & 31);
}

static inline void vlapic_vec_clear(struct vlapic *vl, uint32_t base, unsigned vector)
{
	*vlapic_vec_word(vl, base, vector) &= ~(1u << (vector & 31));
}

static inline uint32_t vlapic_tpr(const struct vlapic *vl)
{
	return vl->page[VLAPIC_OFF_TPR >> 2];
}

/* guests/vdev_lapic.c */
uint32_t vlapic_x2apic_ldr(uint32_t x2apic_id);
void vlapic_mirror(struct vlapic *vl);
void vlapic_pull(struct vlapic *vl);

/* guests/vdev_lapic_irq.c */
int vlapic_vec_highest(const struct vlapic *vl, uint32_t base);
void vlapic_clear_page_state(struct vlapic *vl);

void vlapic_error(struct vlapic *vl, uint32_t esr_bits);
void vlapic_send_icr(struct vlapic *vl);
void vlapic_self_ipi(struct vlapic *vl, uint8_t vector);

/* guests/vdev_lapic_timer.c */
void vlapic_timer_reset(struct vlapic *vl);
void vlapic_timer_write_lvt(struct vlapic *vl, uint32_t val, vdev_time_ns now);
void vlapic_timer_write_initial(struct vlapic *vl, uint32_t val, vdev_time_ns now);
void vlapic_timer_write_dcr(struct vlapic *vl, uint32_t val, vdev_time_ns now);
uint32_t vlapic_timer_current(const struct vlapic *vl, vdev_time_ns now);
uint64_t vlapic_timer_read_deadline(const struct vlapic *vl);
void vlapic_timer_write_deadline(struct vlapic *vl, uint64_t val, vdev_time_ns now);

#endif
