/*
 * smp.c - the other CPUs: start them (INIT-SIPI-SIPI through the real-mode
 * trampoline in trampoline.S), count them, and stop them (NMI).
 *
 * CPUs are started one at a time, so one trampoline page and one parameter
 * block serve them all.  A CPU that does not come up is reported by logical
 * number and APIC ID and put back into wait-for-SIPI with another INIT, so
 * that a late start cannot pick up the next CPU's stack.
 * References: SDM Vol. 3A 8.4.4 (MP initialization example), 11.6.1 (ICR).
 */
#include <hv/arch.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/platform.h>
#include <hv/printk.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/msr.h>
#include <arch/trampoline.h>
#include <arch/tsc.h>

#define INIT_DELAY_US	  10000	  /* SDM 8.4.4.1: 10 ms after INIT */
#define SIPI_DELAY_US	  200	  /* and 200 us after each SIPI */
#define AP_ONLINE_WAIT_US 1000000 /* then up to 1 s for the CPU to finish init */
#define CR4_LA57	  BIT(12)
#define ADDR_MASK	  GENMASK(51, 12)

struct percpu percpu[HV_MAX_CPUS];
uint32_t cpu_count;

compile_assert(offsetof(struct trampoline_params, cr3_low) == TRAMP_CR3_LOW - TRAMP_PARAMS);
compile_assert(offsetof(struct trampoline_params, cr3) == TRAMP_CR3 - TRAMP_PARAMS);
compile_assert(offsetof(struct trampoline_params, cr0) == TRAMP_CR0 - TRAMP_PARAMS);
compile_assert(offsetof(struct trampoline_params, cr4) == TRAMP_CR4 - TRAMP_PARAMS);
compile_assert(offsetof(struct trampoline_params, cr4_32) == TRAMP_CR4_32 - TRAMP_PARAMS);
compile_assert(offsetof(struct trampoline_params, efer) == TRAMP_EFER - TRAMP_PARAMS);
compile_assert(offsetof(struct trampoline_params, entry) == TRAMP_ENTRY - TRAMP_PARAMS);
compile_assert(offsetof(struct trampoline_params, stack_top) == TRAMP_STACK - TRAMP_PARAMS);
compile_assert(offsetof(struct trampoline_params, percpu) == TRAMP_PERCPU - TRAMP_PARAMS);
compile_assert(offsetof(struct trampoline_params, started) == TRAMP_STARTED - TRAMP_PARAMS);
compile_assert(offsetof(struct trampoline_params, pm32) == TRAMP_PM32_PTR - TRAMP_PARAMS);
compile_assert(offsetof(struct trampoline_params, lm64) == TRAMP_LM64_PTR - TRAMP_PARAMS);
compile_assert(offsetof(struct trampoline_params, gdt_limit) == TRAMP_GDTR - TRAMP_PARAMS);
compile_assert(sizeof(struct trampoline_params) == TRAMP_PARAMS_END - TRAMP_PARAMS);

static void (*ap_main_fn)(struct percpu *cpu);

/* APIC ID of the caller's stop request; ~0 (never a CPU's ID) when none. */
static volatile uint32_t stop_owner = ~0u;

uint32_t smp_online_count(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < cpu_count && i < HV_MAX_CPUS; i++)
		n += __atomic_load_n(&percpu[i].online, __ATOMIC_ACQUIRE) ? 1 : 0;
	return n;
}

/* 64-bit C entry of an AP, reached from trampoline.S on its own stack with
 * the BSP's page tables.  Interrupts are off; there is no GS yet. */
static __noreturn void ap_start64(struct percpu *cpu)
{
	arch_cpu_init(cpu);
	lapic_init(hv_platform.lapic_base);
	if (lapic_id() != cpu->apic_id)
		pr_warn("smp: cpu %u answers with APIC ID %u, expected %u\n", cpu->cpu_id,
			lapic_id(), cpu->apic_id);
	__atomic_store_n(&cpu->online, true, __ATOMIC_SEQ_CST);
	/* smp_stop_others() skips CPUs not yet online: one that came up while
	 * it ran stops itself (seq-cst on both sides: one sees the other) */
	if (__atomic_load_n(&stop_owner, __ATOMIC_SEQ_CST) != ~0u)
		cpu_halt_forever();
	ap_main_fn(cpu);
	cpu_halt_forever();
}

/* Copy the trampoline to tramp (below 1 MiB), relocate its address fields
 * and fill the parts of the parameter block every AP shares.  pml4_low is
 * a page below 4 GiB for the copy of the top-level page table. */
static struct trampoline_params *trampoline_setup(uint64_t tramp, uint64_t pml4_low)
{
	size_t len = (size_t)(trampoline_end - trampoline_start);
	struct trampoline_params *tp = (void *)(uintptr_t)(tramp + TRAMP_PARAMS);
	uint64_t cr3 = read_cr3(), cr4 = read_cr4();

	memcpy((void *)(uintptr_t)tramp, trampoline_start, len);
	/* The AP loads CR3 with a 32-bit MOV; the hypervisor's own tables may
	 * be anywhere (UEFI), so it starts on a low copy of the top level. */
	memcpy((void *)(uintptr_t)pml4_low, (void *)(uintptr_t)(cr3 & ADDR_MASK), PAGE_SIZE);
	tp->cr3_low = pml4_low;
	tp->cr3 = cr3;
	tp->cr0 = read_cr0();
	tp->cr4 = cr4 & ~CR4_VMXE; /* VMX is turned on per CPU, later */
	tp->cr4_32 = CR4_PAE | (cr4 & CR4_LA57);
	tp->efer = rdmsr(MSR_EFER) & ~EFER_LMA;
	tp->entry = (uint64_t)(uintptr_t)ap_start64;
	tp->pm32.offset += (uint32_t)tramp;
	tp->lm64.offset += (uint32_t)tramp;
	tp->gdt_base += (uint32_t)tramp;
	return tp;
}

/* Wait up to us microseconds for cpu to come online. */
static bool ap_wait_online(struct percpu *cpu, uint64_t us)
{
	uint64_t end = tsc_deadline(us);

	while (!__atomic_load_n(&cpu->online, __ATOMIC_ACQUIRE)) {
		if (tsc_deadline_passed(end))
			return false;
		cpu_relax();
	}
	return true;
}

/* INIT, 10 ms, SIPI, 200 us, SIPI unless already started (SDM 8.4.4.1). */
static bool ap_boot_one(struct percpu *cpu, struct trampoline_params *tp, uint8_t vector)
{
	uint32_t sipi = (uint32_t)(APIC_DM_STARTUP | APIC_ICR_LEVEL_ASSERT | vector);
	uint64_t t0 = rdtsc();

	tp->stack_top = cpu->stack_top;
	tp->percpu = (uint64_t)(uintptr_t)cpu;
	tp->started = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	lapic_send_ipi(cpu->apic_id, (uint32_t)(APIC_DM_INIT | APIC_ICR_LEVEL_ASSERT));
	udelay(INIT_DELAY_US);
	lapic_send_ipi(cpu->apic_id, sipi);
	udelay(SIPI_DELAY_US);
	if (!tp->started && !cpu->online) {
		lapic_send_ipi(cpu->apic_id, sipi);
		udelay(SIPI_DELAY_US);
	}
	if (ap_wait_online(cpu, AP_ONLINE_WAIT_US)) {
		pr_debug("smp: cpu %u (APIC ID %u) online after %llu us\n", cpu->cpu_id,
			 cpu->apic_id, (unsigned long long)tsc_ticks_to_us(rdtsc() - t0));
		return true;
	}
	pr_warn("smp: cpu %u (APIC ID %u) did not come up: %s; continuing without it\n",
		cpu->cpu_id, cpu->apic_id,
		tp->started ? "reached long mode but did not finish its init"
			    : "no answer to INIT-SIPI-SIPI");
	/* back to wait-for-SIPI, so it cannot run off with the next CPU's stack */
	lapic_send_ipi(cpu->apic_id, (uint32_t)(APIC_DM_INIT | APIC_ICR_LEVEL_ASSERT));
	return false;
}

/* Give every AP its stack before any starts: the allocator is then used
 * only by this CPU. */
static void ap_alloc_stacks(void)
{
	for (uint32_t i = 0; i < cpu_count; i++) {
		struct percpu *cpu = &percpu[i];

		if (cpu->online || cpu->stack_top)
			continue;
		cpu->stack_top = (uint64_t)(uintptr_t)page_alloc_zeroed(HV_STACK_SIZE / PAGE_SIZE) +
				 HV_STACK_SIZE;
	}
}

/*
 * smp_start_aps - start every CPU in percpu[0..cpu_count) that is not online
 * yet, one at a time; each ends in ap_entry(cpu) with its GDT/IDT/GS set by
 * arch_cpu_init() and its LAPIC enabled.  A CPU that does not come up is a
 * warning, not an error.  Returns the number of CPUs online, BSP included.
 */
uint32_t smp_start_aps(void (*ap_entry)(struct percpu *cpu))
{
	uint64_t low, t0 = rdtsc();
	struct trampoline_params *tp;
	uint32_t started = 0, tried = 0;

	if (cpu_count > HV_MAX_CPUS)
		cpu_count = HV_MAX_CPUS;
	if (smp_online_count() >= cpu_count)
		return smp_online_count();
	/* page 0: the trampoline; page 1: the low top-level table copy */
	low = pmm_alloc_low(&hv_pmm, 2 * PAGE_SIZE);
	if (!low || low >= 1 * MiB || !IS_ALIGNED(low, PAGE_SIZE)) {
		pr_err("smp: no free page-aligned memory below 1 MiB for the AP trampoline; "
		       "running on the boot CPU only\n");
		return smp_online_count();
	}
	ap_main_fn = ap_entry;
	ap_alloc_stacks();
	tp = trampoline_setup(low, low + PAGE_SIZE);
	for (uint32_t i = 0; i < cpu_count; i++) {
		if (percpu[i].online)
			continue;
		percpu[i].self = &percpu[i];
		tried++;
		started += ap_boot_one(&percpu[i], tp, (uint8_t)(low >> PAGE_SHIFT)) ? 1 : 0;
	}
	/* The pages stay reserved: a CPU put back to wait-for-SIPI must never
	 * find something else there. */
	pr_info("smp: started %u of %u application processors in %llu ms\n", started, tried,
		(unsigned long long)(tsc_ticks_to_us(rdtsc() - t0) / 1000));
	return smp_online_count();
}

/*
 * smp_stop_others - halt every other online CPU: set its stop_requested,
 * then send it an NMI, whose handler halts it for good.  Usable from
 * panic() on any CPU (it finds itself by APIC ID, not through GS) and from
 * power_off().  Idempotent: a second call from the same CPU returns at
 * once.  When two CPUs call it at the same time one wins; the other halts
 * here, since the winner's NMI is on its way to it anyway.
 */
void smp_stop_others(void)
{
	uint32_t me = lapic_id(), none = ~0u;

	if (!__atomic_compare_exchange_n(&stop_owner, &none, me, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST)) {
		if (none == me)
			return;
		cpu_halt_forever();
	}
	for (uint32_t i = 0; i < cpu_count && i < HV_MAX_CPUS; i++) {
		struct percpu *cpu = &percpu[i];

		if (cpu->apic_id == me || !__atomic_load_n(&cpu->online, __ATOMIC_SEQ_CST))
			continue;
		cpu->stop_requested = true;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		lapic_send_ipi(cpu->apic_id, (uint32_t)(APIC_DM_NMI | APIC_ICR_LEVEL_ASSERT));
	}
}
