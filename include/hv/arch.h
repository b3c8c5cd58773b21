/*
 * arch.h - the contract between the generic core and arch/x86_64.
 *
 * The core calls these hooks in this order on the bootstrap CPU (see
 * core/main.c).  Each returns an error (negative) or 0 where it can fail
 * without the hypervisor being broken; broken invariants panic inside.
 */
#ifndef HV_ARCH_H
#define HV_ARCH_H

#include <hv/bootinfo.h>
#include <hv/cpu.h>

/* GDT with a TSS (IST stacks for #DF/#NMI/#MC), IDT with exception handlers
 * that print vector, error code, RIP, CR2, registers and a stack trace. */
void arch_cpu_init(struct percpu *cpu);

/* Route interrupt vector (32..255) to handler, called with interrupts off;
 * the handler sends any EOI itself.  An unrouted vector is logged and ignored. */
void arch_set_irq_handler(uint8_t vector, void (*handler)(uint8_t vector));

/* Build the hypervisor's own 4-level identity map covering [0, max_phys)
 * plus the LAPIC/IOAPIC/MMIO window below 4 GiB, and load it. */
void paging_init(uint64_t max_phys);

/* LAPIC in x2APIC mode when the CPU has it, else xAPIC at lapic_base. */
void lapic_init(uint64_t lapic_base);
uint32_t lapic_id(void);
/* This CPU's LAPIC timer, one-shot: interrupt vector after ns (at least one
 * tick, at most what the 32-bit count holds at lapic_timer_hz, divide by 1).
 * Nothing when lapic_timer_hz is not known yet. */
void lapic_timer_oneshot(uint8_t vector, uint64_t ns);

/* TSC frequency in Hz: CPUID 0x15/0x16 when exact, else calibrated against
 * the ACPI PM timer or the PIT.  Also fills the LAPIC timer frequency. */
void tsc_calibrate(void);
extern uint64_t tsc_hz;
extern uint64_t lapic_timer_hz;

/* TSC ticks to nanoseconds and back at tsc_hz, split so that no product
 * overflows 64 bits; tsc_to_ns is 0 before tsc_calibrate(). */
uint64_t tsc_to_ns(uint64_t ticks);
uint64_t ns_to_tsc(uint64_t ns);

/* Start every platform CPU but the BSP (INIT-SIPI-SIPI through a real-mode
 * trampoline below 1 MiB); each runs ap_entry(cpu) on its own stack.
 * Returns the number of CPUs online, BSP included. */
uint32_t smp_start_aps(void (*ap_entry)(struct percpu *cpu));

/* Stop all other CPUs (NMI IPI), used by panic() and power_off(). */
void smp_stop_others(void);

/* Busy-wait helpers built on the calibrated TSC. */
void udelay(uint64_t us);

#endif
