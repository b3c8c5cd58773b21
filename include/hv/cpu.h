/*
 * cpu.h - per-CPU state and the SMP contract.
 *
 * Logical CPU numbers follow MADT order (the BSP is whatever MADT entry
 * matches the boot CPU's APIC ID; with no MADT, the firmware's order).  These
 * are the numbers hv.cfg's "cpus =" uses, so they must stay stable.
 */
#ifndef HV_CPU_H
#define HV_CPU_H

#include <hv/compiler.h>

#define HV_MAX_CPUS   64
#define HV_STACK_SIZE (16 * KiB)

struct percpu {
	struct percpu *self; /* offset 0: this_cpu() reads %gs:0 */
	uint32_t cpu_id;     /* logical number, MADT order */
	uint32_t apic_id;
	volatile bool online;
	bool is_bsp;
	uint64_t stack_top;
	/* set by smp_stop_others() before its NMI: the NMI handler then halts
	 * this CPU for good (arch/x86_64/smp.c, the traps code) */
	volatile bool stop_requested;

	/* VT-x state (vmx/vmx_on.c) */
	bool vmx_on;
	uint64_t vmxon_region; /* physical address, 4 KiB */
	char vmx_error[96];    /* why VMXON did not happen on this CPU */
};

extern struct percpu percpu[HV_MAX_CPUS];
extern uint32_t cpu_count; /* CPUs known to the platform (<= HV_MAX_CPUS) */

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/* Number of CPUs that reached ap_main()/the core (including the BSP). */
uint32_t smp_online_count(void);

#endif
