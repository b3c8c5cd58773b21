/*
 * hostile.h - what the parts of the hostile test guest share
 * (guests/tests/hostile.c and guests/tests/hostile/): the attempt/result
 * bookkeeping, its interrupt vectors, local APIC access, and one entry
 * point per group of attempts.
 *
 * Every attempt prints "attempt N: what" before it acts and
 * "result N: OUTCOME: detail" after, where OUTCOME is what was observed:
 *   refused    the CPU or hypervisor said no (#GP, #UD, an error code)
 *   emulated   a virtual device of this partition answered
 *   dropped    accepted without effect (a write ignored, reads all ones)
 *   contained  the action ran and only this partition saw its effect
 *   BREACH     it reached something outside the partition, or did what
 *              must have been refused
 */
#ifndef GUEST_HOSTILE_H
#define GUEST_HOSTILE_H

#include "guest.h"

enum outcome {
	OUT_REFUSED,
	OUT_EMULATED,
	OUT_DROPPED,
	OUT_CONTAINED,
	OUT_BREACH,
};

/* Print "attempt N: ..." (N counts from hostile_first_attempt). */
__printf(1, 2) void attempt_begin(const char *fmt, ...);
/* Print "result N: OUTCOME: ..." for the attempt begun last and count it. */
__printf(2, 3) void attempt_end(enum outcome o, const char *fmt, ...);
/* Number the next attempt n (a run that continues an earlier one). */
void attempt_renumber(unsigned n);
unsigned attempt_next(void);

/* ---- interrupts (hostile_isr.S, hostile/apic.c) ---- */
#define VEC_IPI_FIRST 0x41 /* hostile_isr.S has stubs for 0x41-0x5f */
#define VEC_IPI_LAST  0x5f
#define VEC_FIXED     0x41 /* fixed IPIs by physical destination */
#define VEC_ALLBUT    0x42 /* all-excluding-self */
#define VEC_ALL	      0x43 /* all-including-self */
#define VEC_LOGICAL   0x44 /* logical destinations */
#define VEC_IOAPIC    0x45 /* I/O APIC pins */
#define VEC_STORM     0x46 /* self-IPI storms */
#define VEC_TSTORM    0x47 /* the timer storm */
#define VEC_PIC_BASE  0x50 /* 8259A master 0x50-0x57, slave 0x58-0x5f */

extern volatile uint32_t irq_count[256];
extern const uint32_t hostile_irq_table[VEC_IPI_LAST - VEC_IPI_FIRST + 1];
void hostile_irq(uint32_t vector); /* called by the stubs */
void hostile_irq_install(void);

/* ---- the local APIC as the guest sees it (xAPIC page, SDM Vol. 3A 11.4.1) ---- */
#define LAPIC_BASE	 0xfee00000u
#define LAPIC_ID	 0x020
#define LAPIC_VERSION	 0x030
#define LAPIC_TPR	 0x080
#define LAPIC_EOI	 0x0b0
#define LAPIC_SVR	 0x0f0
#define LAPIC_ESR	 0x280
#define LAPIC_ICR_LO	 0x300
#define LAPIC_ICR_HI	 0x310
#define LAPIC_LVT_TIMER	 0x320
#define LAPIC_LVT_LINT0	 0x350
#define LAPIC_LVT_LINT1	 0x360
#define LAPIC_LVT_ERROR	 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_DIV	 0x3e0
#define LAPIC_SVR_ENABLE BIT(8)
#define LAPIC_LVT_MASKED BIT(16)

uint32_t lapic_rd(uint32_t reg);
void lapic_wr(uint32_t reg, uint32_t v);
uint32_t lapic_own_id(void);

/* TSC ticks per millisecond (CPUID 0x40000001 EAX), 0 when unknown. */
extern uint32_t tsc_khz;
/* Spin for ms milliseconds of TSC time (nothing when tsc_khz is 0). */
void tsc_delay_ms(uint32_t ms);

/* ---- the groups, in the order guest_main runs them ---- */
void hostile_memory(void);     /* hostile/mem.c */
void hostile_ipis(void);       /* hostile/apic.c */
void hostile_devices(void);    /* hostile/apic.c, hostile/io.c */
void hostile_pic(void);	       /* hostile/io.c */
void hostile_msrs(void);       /* hostile/msr.c */
void hostile_ports(void);      /* hostile/io.c */
void hostile_vmx(void);	       /* hostile/cpu.c */
void hostile_storm(void);      /* hostile/apic.c */
void hostile_cli_loop(void);   /* hostile/cpu.c */
void hostile_host_alive(void); /* hostile/apic.c */

/* Leave markers in the registers no VMCS switches (SYSCALL MSRs, debug
 * registers, XMM0); the next run, after a restart, must find none of them
 * (one attempt: hostile_check_left_state).  hostile/cpu.c */
void hostile_leave_state(void);
void hostile_check_left_state(void);

/* ---- fatal attempts (hostile/mem.c, hostile/io.c) ---- */
/* Access guest-physical pa (any width: PAE paging above 4 GiB); returns
 * only when the hypervisor let the access through. */
uint32_t hostile_phys_read(uint64_t pa);
void hostile_phys_write(uint64_t pa, uint32_t v);
/* Highest guest-physical address bit + 1 (CPUID 0x80000008), at least 32. */
unsigned hostile_maxphyaddr(void);

#endif
