/*
 * lifecycle.c - a guest's life after it was built: start, the run of each
 * vCPU on its physical CPU, the end of a run, and what follows it (hv.cfg
 * on_poweroff / on_crash / max_restarts, the monitor's start, stop and
 * restart, [hypervisor] when_idle).
 *
 * States (include/hv/guest.h): READY -> RUNNING -> STOPPED (stopping
 * while vcpus_in > 0) -> STARTING (reloading on the boot CPU) ->
 * RUNNING ...  A stop only sets STOPPED and kicks the guest's CPUs; each
 * vCPU leaves on its own CPU, and the LAST one out decides what happens
 * next.  So a restart never reloads memory a vCPU of the same guest is
 * still running in, and the other guests are never touched: nothing here
 * waits for another CPU.
 *
 * Loading happens on the guest's boot CPU (the CPU of vCPU 0), never on
 * the CPU that asked for it: the monitor runs in an interrupt handler on
 * whatever CPU took the console interrupt, and must not keep that CPU's
 * own guest waiting while hundreds of MiB are cleared.
 */
#include <hv/arch.h>
#include <hv/cpu.h>
#include <hv/guest.h>
#include <hv/lib.h>
#include <hv/printk.h>
#include <hv/runq.h>
#include <hv/vplatform.h>
#include <arch/cpu.h>
#include "vmx/exits.h"

static enum config_idle when_idle;
/* guests that are not stopped for good; the last to stop applies when_idle */
static volatile uint32_t guests_alive;

void part_set_when_idle(enum config_idle idle)
{
	when_idle = idle;
}

/* "CPUID 3, I/O instruction 120": the exits this run caused, for the log. */
static void guest_report_exits(const struct guest *g)
{
	char buf[256];
	size_t used = 0;
	uint64_t shared_cpus = 0;

	buf[0] = '\0';
	for (uint32_t r = 0; r < GUEST_EXIT_COUNTERS && used < sizeof(buf); r++) {
		if (!g->exits[r])
			continue;
		used +=
		    (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s %llu", used ? ", " : "",
				     vmx_exit_lookup(r).name, (unsigned long long)g->exits[r]);
	}
	pr_info("guest %s: exits: %s\n", g->name, used ? buf : "none");
	for (uint32_t i = 0; i < g->vcpu_count; i++) {
		if (!g->vcpus[i].sched.shared)
			continue;
		sched_format_stats(&g->vcpus[i], buf, sizeof(buf));
		pr_info("guest %s: vcpu %u (cpu %u): %s\n", g->name, i, g->vcpus[i].pcpu, buf);
		shared_cpus |= BIT(g->vcpus[i].pcpu % 64);
	}
	for (uint32_t cpu = 0; cpu < 64; cpu++)
		if (shared_cpus & BIT(cpu))
			sched_report_cpu(cpu);
}

/* Hand every vCPU of g to its CPU (from_boot_cpu: vCPU 0 is already on
 * its CPU, which goes on to run it). */
static void part_launch(struct guest *g, bool from_boot_cpu)
{
	memset(g->exits, 0, sizeof(g->exits));
	for (uint32_t i = 0; i < g->vcpu_count; i++) {
		memset(g->vcpus[i].exits, 0, sizeof(g->vcpus[i].exits));
		g->vcpus[i].cli_halted = false;
	}
	g->stop_reason[0] = '\0';
	g->start_tsc = rdtsc();
	__atomic_store_n(&g->vcpus_in, g->vcpu_count, __ATOMIC_RELEASE);
	__atomic_store_n(&g->state, GUEST_RUNNING, __ATOMIC_RELEASE);
	for (uint32_t i = from_boot_cpu ? 1 : 0; i < g->vcpu_count; i++)
		sched_assign(&g->vcpus[i]);
}

void part_start_all(void)
{
	char cpus[64];

	if (sched_prepare()) {
		pr_err("no guest started: the shared cpus cannot be set up\n");
		return;
	}
	/* counted before any vCPU can end, so the count cannot reach 0 early */
	guests_alive = guest_count;
	for (uint32_t i = 0; i < guest_count; i++) {
		struct guest *g = &guests[i];

		config_format_cpus(g->cfg->cpus, cpus, sizeof(cpus));
		pr_info("guest %s: started on cpus %s\n", g->name, cpus);
		part_launch(g, false);
	}
}

/* g is stopped for good.  The last such guest applies when_idle, unless the
 * operator stopped it: the monitor is in use, it decides. */
static void part_guest_ended(struct guest *g)
{
	if (__atomic_sub_fetch(&guests_alive, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (g->stop_kind == GUEST_STOP_OPERATOR) {
		pr_info("every guest has stopped (the monitor's poweroff or start goes on)\n");
		return;
	}
	part_apply_when_idle(when_idle);
}

/* Whether the run that just ended is followed by another, and why not. */
static bool part_wants_restart(struct guest *g)
{
	const struct config_guest *c = g->cfg;
	enum config_action act;

	if (__atomic_exchange_n(&g->start_requested, false, __ATOMIC_ACQ_REL))
		return true;
	if (g->stop_kind == GUEST_STOP_FATAL || g->stop_kind == GUEST_STOP_OPERATOR)
		return false;
	act = g->stop_kind == GUEST_STOP_POWEROFF ? c->on_poweroff : c->on_crash;
	if (act != CONFIG_ACTION_RESTART)
		return false;
	if (c->max_restarts && g->auto_restarts >= c->max_restarts) {
		pr_info("guest %s: not restarted: restart limit %u reached (hv.cfg max_restarts)\n",
			g->name, c->max_restarts);
		return false;
	}
	g->auto_restarts++;
	return true;
}

/* The last vCPU of g is out: start it again on its boot CPU, or end it. */
static void part_guest_out(struct guest *g)
{
	guest_report_exits(g);
	if (!part_wants_restart(g)) {
		part_guest_ended(g);
		return;
	}
	g->reload = true;
	__atomic_store_n(&g->state, GUEST_STARTING, __ATOMIC_RELEASE);
	sched_assign(&g->vcpus[0]);
}

/* On the boot CPU: fresh images, then every vCPU back on its CPU. */
static bool part_boot_again(struct guest *g)
{
	g->reload = false;
	if (part_reload(g)) {
		pr_err("guest %s: not restarted: its images could not be loaded again\n", g->name);
		g->stop_kind = GUEST_STOP_FATAL;
		__atomic_store_n(&g->state, GUEST_STOPPED, __ATOMIC_RELEASE);
		part_guest_ended(g);
		return false;
	}
	g->restarts++;
	pr_info("guest %s: restarting (restart %u)\n", g->name, g->restarts);
	part_launch(g, true);
	return true;
}

/*
 * Wait until vcpu may enter: a parked vCPU sleeps in HLT until its SIPI
 * (the IPI kicks this CPU).  false when the guest stopped meanwhile.
 * Interrupts are off except inside STI;HLT, so a kick between the check
 * and the HLT still ends the HLT.
 */
static bool part_vcpu_wait_start(struct vcpu *v)
{
	uint8_t vec;

	for (;;) {
		if (guest_is_stopped(v->guest))
			return false;
		switch (vplatform_vcpu_start(v, &vec)) {
		case VPLATFORM_START_RUN:
			return true;
		case VPLATFORM_START_SIPI:
			/* the INIT state (SDM Vol. 3A 9.1.1), real mode at the
			 * start-up page; vmcs_init_guest derives CS from it */
			memset(&v->arch.boot, 0, sizeof(v->arch.boot));
			memset(v->arch.gpr, 0, sizeof(v->arch.gpr));
			v->arch.cr2 = 0;
			v->arch.boot.mode = VCPU_BOOT_REAL;
			v->arch.boot.rip = (uint64_t)vec << 12;
			return true;
		case VPLATFORM_START_WAIT:
		default:
			if (v->sched.shared)
				sched_block(v, RUNQ_NEVER); /* not runnable until its SIPI */
			else
				cpu_sti_hlt();
			break;
		}
	}
}

void part_vcpu_run(struct vcpu *v)
{
	struct guest *g = v->guest;

	if (v->index == 0 && g->reload && !part_boot_again(g))
		return;
	while (part_vcpu_wait_start(v)) {
		vcpu_arch_run(v);
		if (guest_is_stopped(g))
			break;
		/* parked by an INIT: wait for the SIPI that restarts it */
	}
	if (__atomic_sub_fetch(&g->vcpus_in, 1, __ATOMIC_ACQ_REL) == 0)
		part_guest_out(g);
}

/* ---- the monitor's operations ---- */

const char *part_op_start(struct guest *g)
{
	const char *err = NULL;

	spin_lock(&g->lock);
	if (g->state == GUEST_RUNNING || g->state == GUEST_STARTING)
		err = "already running";
	else if (g->state != GUEST_STOPPED)
		err = "not built";
	else if (__atomic_load_n(&g->vcpus_in, __ATOMIC_ACQUIRE))
		err = "still stopping; try again";
	else {
		g->reload = true;
		g->state = GUEST_STARTING;
	}
	spin_unlock(&g->lock);
	if (err)
		return err;
	__atomic_add_fetch(&guests_alive, 1, __ATOMIC_ACQ_REL);
	sched_assign(&g->vcpus[0]);
	return NULL;
}

const char *part_op_stop(struct guest *g)
{
	if (g->state != GUEST_RUNNING)
		return g->state == GUEST_STOPPED ? "not running" : "not running yet; try again";
	guest_stop_as(g, GUEST_STOP_OPERATOR, "stopped from the monitor");
	return NULL;
}

const char *part_op_restart(struct guest *g)
{
	if (g->state == GUEST_STOPPED && !__atomic_load_n(&g->vcpus_in, __ATOMIC_ACQUIRE))
		return part_op_start(g);
	if (g->state != GUEST_RUNNING)
		return g->state == GUEST_STOPPED ? "still stopping; try again"
						 : "not running yet; try again";
	/* the last vCPU out sees the request and starts the guest again */
	__atomic_store_n(&g->start_requested, true, __ATOMIC_RELEASE);
	guest_stop_as(g, GUEST_STOP_OPERATOR, "restart requested from the monitor");
	return NULL;
}

const char *part_state_name(const struct guest *g)
{
	switch (g->state) {
	case GUEST_READY:
		return "ready";
	case GUEST_STARTING:
		return "starting";
	case GUEST_RUNNING:
		return "running";
	case GUEST_STOPPED:
		return __atomic_load_n(&g->vcpus_in, __ATOMIC_ACQUIRE) ? "stopping" : "stopped";
	case GUEST_EMPTY:
	default:
		return "empty";
	}
}

uint64_t part_uptime_ns(const struct guest *g)
{
	if (g->state != GUEST_RUNNING)
		return 0;
	return tsc_to_ns(rdtsc() - g->start_tsc);
}
