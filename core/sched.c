/*
 * sched.c - physical CPUs waiting for and running vCPUs.
 *
 * Every CPU ends its boot work in sched_idle_loop().
 *
 * A dedicated CPU (one vCPU placed on it) works as it always did: it
 * sleeps in HLT (idle emulated CPUs must not spin) until sched_assign()
 * gives it its vCPU through its slot and a wake-up IPI, runs that vCPU
 * until its guest stops (part_vcpu_run), and sleeps again.  Nothing of the
 * scheduler below touches it: no preemption timer, no extra exits.
 *
 * A shared CPU (several vCPUs placed on it, of one or several guests) has a
 * run queue (core/runq.c, docs/scheduler.md) and runs each vCPU's life,
 * part_vcpu_run, on a host stack of its own (a "thread").  The CPU's own
 * stack runs the scheduler: it asks the run queue what runs next and
 * switches to that thread (sched_ctx_switch); a thread gives the CPU back
 * at a VM exit when the run queue wants another vCPU (VMX-preemption timer
 * at the slice end, or a woken vCPU that preempts), when its vCPU halts
 * (sched_block), or when its run ends.  Every switch goes through the
 * scheduler's stack, so a thread never needs to know another one.  The
 * state a VMCS does not hold is switched lazily by vcpu_arch_switch, only
 * when the vCPU that comes in is not the one whose state is in the CPU.
 *
 * Locking: sched_cpu.lock serialises the run queue (runq.h); it is taken
 * with interrupts off, never across a stack switch.  The run queue counts
 * in nanoseconds from the TSC.
 */
#include <hv/arch.h>
#include <hv/guest.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/printk.h>
#include <hv/runq.h>
#include <arch/apic.h>
#include <arch/cpu.h>

#define SCHED_WAKE_VECTOR 0xf0
#define IDLE_TIMER_MAX_NS 100000000ULL /* re-arm at least every 100 ms: no overflow */
#define SWITCH_SAMPLES	  64	       /* context-switch costs kept for the median */
#define THREAD_SAVED_REGS 6	       /* pushed by sched_ctx_switch */

struct sched_cpu {
	spinlock_t lock;
	struct runq rq;
	volatile bool shared;  /* several vCPUs placed: this run queue is used */
	volatile bool resched; /* a vCPU was assigned: the scheduler must admit it */
	bool tick;	       /* the next decision is for an expired deadline */
	uint32_t nplaced;
	struct vcpu *placed[RUNQ_MAX_ENTITIES];
	struct vcpu *volatile running; /* thread on the CPU; NULL: the scheduler */
	struct vcpu *last;	       /* whose state the CPU registers hold */
	uint64_t sched_rsp;	       /* the scheduler's stack while a thread runs */
	uint64_t preempt_tsc;	       /* end of the running slice; 0 = none */
	/* cost of a switch between two vCPUs: from the exit that gave the CPU
	 * up to the state of the next one loaded, in TSC ticks */
	uint64_t switch_tsc;
	uint64_t switch_min, switches;
	uint32_t samples[SWITCH_SAMPLES];
};

void sched_ctx_switch(uint64_t *save_rsp, uint64_t new_rsp); /* arch/x86_64/ctx_switch.S */

static struct vcpu *volatile cpu_slot[HV_MAX_CPUS];
static struct sched_cpu sched_cpus[HV_MAX_CPUS];
static uint64_t slice_ns = RUNQ_SLICE_DEFAULT_NS;

static uint64_t sched_now(void)
{
	return tsc_to_ns(rdtsc());
}

/* The wake-up IPI and the idle timer only end HLT (or make a guest exit). */
static void sched_wake_irq(uint8_t vector)
{
	(void)vector;
	lapic_eoi();
}

void sched_init(void)
{
	arch_set_irq_handler(SCHED_WAKE_VECTOR, sched_wake_irq);
}

void sched_set_slice(uint64_t ns)
{
	slice_ns = ns;
}

void sched_kick(uint32_t cpu_id)
{
	if (cpu_id >= HV_MAX_CPUS || cpu_id == this_cpu()->cpu_id)
		return;
	if (!lapic_send_ipi(percpu[cpu_id].apic_id, (uint32_t)(APIC_DM_FIXED | SCHED_WAKE_VECTOR)))
		pr_warn("sched: wake-up IPI to cpu %u not delivered\n", cpu_id);
}

/* ---- set-up ---- */

/* The host stack a new thread starts on: sched_ctx_switch pops six zero
 * registers and returns into sched_thread_main with the stack aligned as
 * after a call (SysV: RSP + 8 a multiple of 16 at function entry). */
static __noreturn void sched_thread_main(void);

static void sched_thread_stack(struct vcpu *v)
{
	uint64_t *top = (uint64_t *)(void *)(v->sched.stack + HV_STACK_SIZE);

	*--top = 0; /* the return address sched_thread_main never uses */
	*--top = (uint64_t)(uintptr_t)sched_thread_main;
	for (int i = 0; i < THREAD_SAVED_REGS; i++)
		*--top = 0;
	v->sched.rsp = (uint64_t)(uintptr_t)top;
}

static int sched_share_cpu(uint32_t cpu, struct sched_cpu *sc)
{
	if (runq_init(&sc->rq, slice_ns, sched_now()) != RUNQ_OK) {
		pr_err("sched: time slice %llu ns out of range\n", (unsigned long long)slice_ns);
		return -1;
	}
	for (uint32_t i = 0; i < sc->nplaced; i++) {
		struct vcpu *v = sc->placed[i];

		v->sched.shared = true;
		v->sched.weight = v->guest->cfg->weight ? v->guest->cfg->weight : 1;
		v->sched.stack = page_alloc_zeroed(HV_STACK_SIZE / PAGE_SIZE);
		if (vcpu_arch_share(v))
			return -1;
	}
	sc->switch_min = UINT64_MAX;
	__atomic_store_n(&sc->shared, true, __ATOMIC_RELEASE);
	pr_info("cpu %u: shared by %u vcpus, slice %llu us\n", cpu, sc->nplaced,
		(unsigned long long)(slice_ns / 1000));
	return 0;
}

int sched_prepare(void)
{
	for (uint32_t i = 0; i < guest_count; i++)
		for (uint32_t n = 0; n < guests[i].vcpu_count; n++) {
			struct vcpu *v = &guests[i].vcpus[n];
			struct sched_cpu *sc = &sched_cpus[v->pcpu];

			if (sc->nplaced == RUNQ_MAX_ENTITIES) {
				pr_err("sched: cpu %u: more than %u vcpus\n", v->pcpu,
				       RUNQ_MAX_ENTITIES);
				return -1;
			}
			sc->placed[sc->nplaced++] = v;
		}
	for (uint32_t cpu = 0; cpu < HV_MAX_CPUS; cpu++)
		if (sched_cpus[cpu].nplaced > 1 && sched_share_cpu(cpu, &sched_cpus[cpu]))
			return -1;
	return 0;
}

/* ---- handing out vCPUs and waking them ---- */

void sched_assign(struct vcpu *vcpu)
{
	struct sched_cpu *sc = &sched_cpus[vcpu->pcpu];

	if (!vcpu->sched.shared) {
		__atomic_store_n(&cpu_slot[vcpu->pcpu], vcpu, __ATOMIC_RELEASE);
		sched_kick(vcpu->pcpu);
		return;
	}
	spin_lock(&sc->lock);
	vcpu->sched.assigned = true;
	sc->resched = true;
	spin_unlock(&sc->lock);
	sched_kick(vcpu->pcpu);
}

void sched_kick_vcpu(struct vcpu *vcpu)
{
	struct sched_cpu *sc = &sched_cpus[vcpu->pcpu];
	bool kick;

	if (!vcpu->sched.shared) {
		sched_kick(vcpu->pcpu);
		return;
	}
	spin_lock(&sc->lock);
	vcpu->sched.wake = true;
	if (vcpu->sched.live)
		runq_wake(&sc->rq, vcpu, sched_now());
	/* a running vCPU must exit to get its interrupt; a waiting one gets
	 * it at its next entry */
	kick = runq_need_pick(&sc->rq) || sc->running == vcpu;
	spin_unlock(&sc->lock);
	if (kick)
		sched_kick(vcpu->pcpu);
}

/* ---- the threads ---- */

/* On the thread of v, just switched in: v's state into the CPU. */
static void sched_switched_in(struct sched_cpu *sc, struct vcpu *v)
{
	uint64_t cost;

	if (sc->last == v)
		return;
	vcpu_arch_switch(sc->last, v);
	if (sc->last && sc->switch_tsc) {
		cost = rdtsc() - sc->switch_tsc;
		sc->switch_min = MIN(sc->switch_min, cost);
		sc->samples[sc->switches % SWITCH_SAMPLES] = (uint32_t)MIN(cost, UINT32_MAX);
		sc->switches++;
	}
	sc->switch_tsc = 0;
	sc->last = v;
}

/* Back to the scheduler's stack; returns when v runs again. */
static void sched_yield(struct sched_cpu *sc, struct vcpu *v, bool tick)
{
	sc->tick = tick;
	sc->switch_tsc = rdtsc();
	sched_ctx_switch(&v->sched.rsp, sc->sched_rsp);
	sched_switched_in(sc, v);
}

static __noreturn void sched_thread_main(void)
{
	struct sched_cpu *sc = &sched_cpus[this_cpu()->cpu_id];
	struct vcpu *v = sc->running;

	sched_switched_in(sc, v);
	part_vcpu_run(v);
	v->sched.live = false;
	sched_ctx_switch(&v->sched.rsp, sc->sched_rsp);
	panic("sched: an ended vcpu thread was resumed");
}

void sched_after_exit(struct vcpu *vcpu)
{
	struct sched_cpu *sc = &sched_cpus[vcpu->pcpu];
	bool tick = vcpu->sched.tick;

	vcpu->sched.tick = false;
	if (tick || sc->resched || runq_need_pick(&sc->rq))
		sched_yield(sc, vcpu, tick);
}

void sched_block(struct vcpu *vcpu, uint64_t wake_in_ns)
{
	struct sched_cpu *sc = &sched_cpus[vcpu->pcpu];
	uint64_t now;

	spin_lock(&sc->lock);
	if (vcpu->sched.wake) {
		/* kicked after the caller looked: look again */
		vcpu->sched.wake = false;
		spin_unlock(&sc->lock);
		return;
	}
	now = sched_now();
	runq_block(&sc->rq, vcpu, now,
		   wake_in_ns >= RUNQ_NEVER - now ? RUNQ_NEVER : now + wake_in_ns);
	spin_unlock(&sc->lock);
	sched_yield(sc, vcpu, false);
}

uint64_t sched_preempt_tsc(const struct vcpu *vcpu)
{
	return sched_cpus[vcpu->pcpu].preempt_tsc;
}

/* ---- the scheduler of a shared CPU ---- */

/* Assigned vCPUs without a thread get one and join the run queue (lock held). */
static void sched_admit(struct sched_cpu *sc, uint64_t now)
{
	sc->resched = false;
	for (uint32_t i = 0; i < sc->nplaced; i++) {
		struct vcpu *v = sc->placed[i];

		if (!v->sched.assigned || v->sched.live)
			continue;
		v->sched.assigned = false;
		v->sched.live = true;
		v->sched.wake = false;
		if (sc->last == v)
			sc->last = NULL; /* what the CPU holds of its last run is discarded */
		vcpu_arch_state_reset(v);
		sched_thread_stack(v);
		runq_add(&sc->rq, v, v->sched.weight, now);
	}
}

/* Run v's thread until it gives the CPU back. */
static void sched_run(struct sched_cpu *sc, struct vcpu *v)
{
	struct runq_stats st;

	sc->running = v;
	sched_ctx_switch(&sc->sched_rsp, v->sched.rsp);
	sc->running = NULL;
	if (v->sched.live)
		return;
	/* its run ended: keep its figures, leave the queue */
	spin_lock(&sc->lock);
	if (runq_stats(&sc->rq, v, sched_now(), &st) == RUNQ_OK)
		v->sched_last = (struct vcpu_sched_stats){
		    .shared = true,
		    .run_ns = st.run_ns,
		    .wait_ns = st.wait_ns,
		    .halt_ns = st.halt_ns,
		    .scheduled = st.scheduled,
		};
	runq_remove(&sc->rq, v, sched_now());
	spin_unlock(&sc->lock);
	/* a restart may have assigned it again meanwhile: admitted next round */
	if (v->sched.assigned)
		sc->resched = true;
}

/* Nothing runnable: sleep until the next deadline or a kick. */
static void sched_idle(struct sched_cpu *sc, uint64_t deadline, uint64_t now)
{
	if (deadline != RUNQ_NEVER)
		lapic_timer_oneshot(SCHED_WAKE_VECTOR,
				    MIN(deadline > now ? deadline - now : 0, IDLE_TIMER_MAX_NS));
	if (!sc->resched && !runq_need_pick(&sc->rq))
		cpu_sti_hlt();
	sc->tick = deadline != RUNQ_NEVER && sched_now() >= deadline;
}

static __noreturn void sched_shared_loop(struct sched_cpu *sc)
{
	for (;;) {
		uint64_t tsc = rdtsc(), now = tsc_to_ns(tsc);
		struct runq_next nx;

		spin_lock(&sc->lock);
		if (sc->resched)
			sched_admit(sc, now);
		nx = sc->tick ? runq_tick(&sc->rq, now) : runq_pick(&sc->rq, now);
		sc->tick = false;
		sc->preempt_tsc = nx.deadline == RUNQ_NEVER
				      ? 0
				      : tsc + ns_to_tsc(nx.deadline > now ? nx.deadline - now : 0);
		spin_unlock(&sc->lock);
		if (nx.owner)
			sched_run(sc, nx.owner);
		else
			sched_idle(sc, nx.deadline, now);
	}
}

__noreturn void sched_idle_loop(struct percpu *cpu)
{
	struct sched_cpu *sc = &sched_cpus[cpu->cpu_id];

	for (;;) {
		struct vcpu *v;

		if (__atomic_load_n(&sc->shared, __ATOMIC_ACQUIRE))
			sched_shared_loop(sc);
		v = __atomic_exchange_n(&cpu_slot[cpu->cpu_id], NULL, __ATOMIC_ACQUIRE);
		if (!v) {
			cpu_sti_hlt();
			continue;
		}
		part_vcpu_run(v);
	}
}

/* ---- figures ---- */

void part_vcpu_stats(const struct vcpu *vcpu, struct vcpu_sched_stats *out)
{
	struct sched_cpu *sc = &sched_cpus[vcpu->pcpu];
	struct runq_stats st;

	if (!vcpu->sched.shared) {
		*out = (struct vcpu_sched_stats){.run_ns = part_uptime_ns(vcpu->guest)};
		return;
	}
	spin_lock(&sc->lock);
	if (vcpu->sched.live && runq_stats(&sc->rq, vcpu, sched_now(), &st) == RUNQ_OK)
		*out = (struct vcpu_sched_stats){
		    .shared = true,
		    .run_ns = st.run_ns,
		    .wait_ns = st.wait_ns,
		    .halt_ns = st.halt_ns,
		    .scheduled = st.scheduled,
		};
	else
		*out = vcpu->sched_last;
	spin_unlock(&sc->lock);
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

/* Median of the kept samples (insertion sort of a copy: at most 64). */
static uint32_t sched_switch_median(const struct sched_cpu *sc)
{
	uint32_t s[SWITCH_SAMPLES] = {0}, n = (uint32_t)MIN(sc->switches, SWITCH_SAMPLES);

	if (!n)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t x = sc->samples[i], j = i;

		for (; j > 0 && cmp_u32(s[j - 1], x) > 0; j--)
			s[j] = s[j - 1];
		s[j] = x;
	}
	return s[n / 2];
}

void sched_format_stats(const struct vcpu *vcpu, char *buf, size_t len)
{
	struct vcpu_sched_stats st;

	part_vcpu_stats(vcpu, &st);
	if (!st.shared) {
		snprintf(buf, len, "dedicated");
		return;
	}
	snprintf(buf, len, "run %llu ms, wait %llu ms, halted %llu ms, scheduled %llu",
		 (unsigned long long)(st.run_ns / 1000000),
		 (unsigned long long)(st.wait_ns / 1000000),
		 (unsigned long long)(st.halt_ns / 1000000), (unsigned long long)st.scheduled);
}

void sched_report_cpu(uint32_t cpu)
{
	const struct sched_cpu *sc = &sched_cpus[cpu];

	if (cpu >= HV_MAX_CPUS || !sc->shared || !sc->switches)
		return;
	pr_info("cpu %u: context switch min %llu median %u tsc ticks (%llu switches)\n", cpu,
		(unsigned long long)sc->switch_min, sched_switch_median(sc),
		(unsigned long long)sc->switches);
}
