/*
 * sched.c - physical CPUs waiting for and running vCPUs.
 *
 * Every CPU ends its boot work in sched_idle_loop(): it sleeps in HLT
 * (idle emulated CPUs must not spin) until sched_assign() gives it a vCPU
 * through its slot and a wake-up IPI, runs that vCPU until its guest stops
 * (part_vcpu_run), and sleeps again.  A vCPU owns its physical CPU (no time sharing yet).
 */
#include <hv/arch.h>
#include <hv/guest.h>
#include <hv/printk.h>
#include <arch/apic.h>
#include <arch/cpu.h>

#define SCHED_WAKE_VECTOR 0xf0

static struct vcpu *volatile cpu_slot[HV_MAX_CPUS];

/* The wake-up IPI only ends HLT; the slot says what to do. */
static void sched_wake_irq(uint8_t vector)
{
	(void)vector;
	lapic_eoi();
}

void sched_init(void)
{
	arch_set_irq_handler(SCHED_WAKE_VECTOR, sched_wake_irq);
}

void sched_kick(uint32_t cpu_id)
{
	if (cpu_id >= HV_MAX_CPUS || cpu_id == this_cpu()->cpu_id)
		return;
	if (!lapic_send_ipi(percpu[cpu_id].apic_id, (uint32_t)(APIC_DM_FIXED | SCHED_WAKE_VECTOR)))
		pr_warn("sched: wake-up IPI to cpu %u not delivered\n", cpu_id);
}

void sched_assign(struct vcpu *vcpu)
{
	__atomic_store_n(&cpu_slot[vcpu->pcpu], vcpu, __ATOMIC_RELEASE);
	sched_kick(vcpu->pcpu);
}

__noreturn void sched_idle_loop(struct percpu *cpu)
{
	for (;;) {
		struct vcpu *v =
		    __atomic_exchange_n(&cpu_slot[cpu->cpu_id], NULL, __ATOMIC_ACQUIRE);

		if (!v) {
			cpu_sti_hlt();
			continue;
		}
		part_vcpu_run(v);
	}
}
