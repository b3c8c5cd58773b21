/*
 * guest_stop.c - the end of a guest and of the run: a guest stops for one
 * recorded reason (the first), its other vCPUs are pulled out, and when
 * the last vCPU has left its guest, [hypervisor] when_idle applies.
 * A stopped guest never takes the hypervisor or another guest with it.
 */
#include <hv/arch.h>
#include <hv/guest.h>
#include <hv/lib.h>
#include <hv/power.h>
#include <hv/printk.h>
#include <arch/cpu.h>
#include "vmx/exits.h"
#include "vmx/vmcs_fields.h"

/* "CPUID 3, I/O instruction 120": the exits this guest caused, for the log. */
static void guest_report_exits(const struct guest *g)
{
	char buf[256];
	size_t used = 0;

	buf[0] = '\0';
	for (uint32_t r = 0; r < GUEST_EXIT_COUNTERS && used < sizeof(buf); r++) {
		if (!g->exits[r])
			continue;
		used +=
		    (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s %llu", used ? ", " : "",
				     vmx_exit_lookup(r).name, (unsigned long long)g->exits[r]);
	}
	pr_info("guest %s: exits: %s\n", g->name, used ? buf : "none");
}

static void guest_vstop(struct guest *g, enum guest_stop_kind kind, const char *fmt, va_list ap)
{
	spin_lock(&g->lock);
	if (g->state == GUEST_STOPPED) {
		spin_unlock(&g->lock);
		return;
	}
	vsnprintf(g->stop_reason, sizeof(g->stop_reason), fmt, ap);
	g->stop_kind = kind;
	__atomic_store_n(&g->state, GUEST_STOPPED, __ATOMIC_RELEASE);
	spin_unlock(&g->lock);

	guest_console_flush(g);
	pr_info("guest %s: stopped: %s\n", g->name, g->stop_reason);
	for (uint32_t i = 0; i < g->vcpu_count; i++)
		sched_kick(g->vcpus[i].pcpu);
}

void guest_stop(struct guest *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	guest_vstop(g, GUEST_STOP_CRASH, fmt, ap);
	va_end(ap);
}

void guest_stop_as(struct guest *g, enum guest_stop_kind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	guest_vstop(g, kind, fmt, ap);
	va_end(ap);
}

static __noreturn void apply_when_idle(enum config_idle idle)
{
	switch (idle) {
	case CONFIG_IDLE_HALT:
		pr_info("every guest has stopped: halting\n");
		smp_stop_others();
		printk("hv: halt\n");
		cpu_halt_forever();
	case CONFIG_IDLE_REBOOT:
		pr_info("every guest has stopped: rebooting\n");
		power_reboot();
	case CONFIG_IDLE_POWEROFF:
	default:
		pr_info("every guest has stopped\n");
		power_off();
	}
}

void part_vcpu_exited(struct vcpu *vcpu)
{
	if (vcpu->index == 0) {
		guest_report_exits(vcpu->guest);
		if (part_restart(vcpu->guest)) {
			sched_assign(vcpu); /* this CPU runs it again, at once */
			return;
		}
	}
	if (__atomic_sub_fetch(&part_vcpus_running, 1, __ATOMIC_ACQ_REL) == 0)
		apply_when_idle(part_when_idle());
}
