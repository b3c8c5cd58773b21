/*
 * apic.h - the local APIC: register offsets, ICR encoding, and the helpers
 * arch/x86_64/lapic.c provides beyond the core contract in hv/arch.h.
 *
 * Register offsets are xAPIC MMIO offsets (SDM Vol. 3A 11.4.1, table 11-1);
 * in x2APIC mode the same register is MSR 0x800 + (offset >> 4)
 * (SDM Vol. 3A 11.12.1.2).  lapic_read/lapic_write hide the difference.
 */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include <hv/compiler.h>

#define XAPIC_DEFAULT_BASE 0xfee00000ULL

/* Register offsets (xAPIC MMIO) */
#define APIC_ID	       0x020
#define APIC_VERSION   0x030
#define APIC_TPR       0x080
#define APIC_EOI       0x0b0
#define APIC_LDR       0x0d0
#define APIC_DFR       0x0e0 /* xAPIC only */
#define APIC_SVR       0x0f0
#define APIC_ESR       0x280
#define APIC_LVT_CMCI  0x2f0
#define APIC_ICR_LO    0x300
#define APIC_ICR_HI    0x310 /* xAPIC only: x2APIC has one 64-bit ICR MSR */
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_THERM 0x330
#define APIC_LVT_PERF  0x340
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_ICR 0x380 /* initial count */
#define APIC_TIMER_CCR 0x390 /* current count */
#define APIC_TIMER_DCR 0x3e0 /* divide configuration */

/* Version register: bits 23:16 = number of LVT entries - 1 */
#define APIC_VERSION_MAXLVT_SHIFT 16
#define APIC_VERSION_MAXLVT_MASK  GENMASK(23, 16)

/* Spurious-interrupt vector register */
#define APIC_SVR_ENABLE	     BIT(8)
#define APIC_SPURIOUS_VECTOR 0xff

/* Any LVT entry */
#define APIC_LVT_MASKED		BIT(16)
#define APIC_LVT_TIMER_PERIODIC BIT(17)

/* Divide configuration value for "divide by 1" (SDM Vol. 3A 11.5.4) */
#define APIC_TIMER_DIV_1 0xb

/* Interrupt command register, low half (SDM Vol. 3A 11.6.1) */
#define APIC_ICR_VECTOR_MASK   GENMASK(7, 0)
#define APIC_DM_FIXED	       (0ULL << 8)
#define APIC_DM_LOWEST	       (1ULL << 8)
#define APIC_DM_SMI	       (2ULL << 8)
#define APIC_DM_NMI	       (4ULL << 8)
#define APIC_DM_INIT	       (5ULL << 8)
#define APIC_DM_STARTUP	       (6ULL << 8)
#define APIC_ICR_DEST_LOGICAL  BIT(11)
#define APIC_ICR_BUSY	       BIT(12) /* delivery status, xAPIC only */
#define APIC_ICR_LEVEL_ASSERT  BIT(14)
#define APIC_ICR_TRIGGER_LEVEL BIT(15)
#define APIC_DEST_SELF	       (1ULL << 18)
#define APIC_DEST_ALL	       (2ULL << 18)
#define APIC_DEST_ALL_BUT_SELF (3ULL << 18)

/* True once lapic_init() put this machine's LAPICs in x2APIC mode. */
extern bool lapic_x2apic;

uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t val);

/*
 * lapic_send_ipi - write the ICR: icr_lo holds vector, delivery mode, level,
 * trigger and shorthand bits; apic_id is the physical destination (ignored
 * with a shorthand).  In xAPIC mode waits (bounded, ~100 ms) for the
 * previous IPI to leave the APIC first and for this one after.
 * Returns false when the xAPIC still reported "send pending" at the bound.
 */
bool lapic_send_ipi(uint32_t apic_id, uint32_t icr_lo);

/* Signal end of interrupt to the local APIC. */
void lapic_eoi(void);

#endif
