/*
 * guest_stop.c - the end of a guest and of the run: a guest stops for one
 * recorded reason (the first) and its vCPUs are pulled out (what happens
 * next is core/lifecycle.c's); the when_idle actions.
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
		sched_kick_vcpu(&g->vcpus[i]);
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

void part_apply_when_idle(enum config_idle idle)
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
