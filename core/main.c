/*
 * main.c - the core's boot sequence on the bootstrap CPU, and the entry of
 * every application processor.
 *
 * Both boot paths end here with a struct boot_info.  The order matters:
 * the console first (so every later failure is visible), then the CPU's
 * own tables, then memory (the allocator must exist before the page tables
 * move off firmware memory), then the platform, then the other CPUs.
 */
#include <hv/arch.h>
#include <hv/bootfile.h>
#include <hv/cmdline.h>
#include <hv/console.h>
#include <hv/guest.h>
#include <hv/ioapic.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/platform.h>
#include <hv/power.h>
#include <hv/printk.h>
#include <hv/serial.h>
#include <hv/vmx.h>
#include <hv/vplatform.h>
#include <arch/cpu.h>
#include "vmx/vmcs_setup.h"

struct hv_options hv_opts;
const struct boot_info *hv_boot_info;

static volatile uint32_t vmx_done_count;

static void vmx_bringup_this_cpu(struct percpu *cpu)
{
	vmx_cpu_enable(cpu);
	__atomic_fetch_add(&vmx_done_count, 1, __ATOMIC_RELEASE);
}

/* Each AP lands here once arch/x86_64/smp.c has given it a stack, its GDT,
 * IDT and per-CPU pointer.  It then waits in HLT (so that emulated CPUs do
 * not steal time from the ones doing work) until it is given a vCPU. */
static void ap_main(struct percpu *cpu)
{
	vmx_bringup_this_cpu(cpu);
	sched_idle_loop(cpu);
}

static bool report_vmx(uint32_t online)
{
	uint32_t on = 0;
	const char *why = NULL;

	while (__atomic_load_n(&vmx_done_count, __ATOMIC_ACQUIRE) < online)
		cpu_relax();
	for (uint32_t i = 0; i < cpu_count; i++) {
		if (!percpu[i].online)
			continue;
		if (percpu[i].vmx_on)
			on++;
		else if (!why)
			why = percpu[i].vmx_error;
	}
	if (on == online) {
		pr_info("vmx: on %u cpus\n", on);
		vmx_report_caps();
		return true;
	}
	pr_err("vmx: unavailable: %s\n", why ? why : "unknown reason");
	if (on)
		pr_err("vmx: only %u of %u cpus have VT-x on\n", on, online);
	return false;
}

/*
 * The guests of hv.cfg: checked completely before any starts, then built,
 * started on their CPUs, and this CPU joins the others in waiting for work.
 * Returns only when there is nothing to run (no hv.cfg, no VT-x); a bad
 * hv.cfg, or one whose guests could not be built, leaves the operator at
 * the monitor (console_stay) where the console has input.
 */
/*
 * [hypervisor] console and log from hv.cfg.  The command line wins where it
 * gave the same option: it is what an operator types at the boot prompt to
 * override a stick's config.  A UEFI boot from the firmware's boot manager
 * has no command line, so there hv.cfg is the only way to pick a console.
 */
static void apply_hv_settings(const struct config_hypervisor *hv)
{
	if (hv->key_line[CONFIG_HKEY_LOG] && !hv_opts.loglevel_given)
		log_level = hv->loglevel;
	if (!hv->key_line[CONFIG_HKEY_CONSOLE] || hv_opts.console_given)
		return;
	if (hv->console_port == hv_opts.console_port && hv->console_baud == hv_opts.console_baud)
		return;
	pr_info("console: moving to port 0x%x at %u baud (hv.cfg line %u)\n", hv->console_port,
		hv->console_baud, hv->key_line[CONFIG_HKEY_CONSOLE]);
	serial_flush();
	serial_init(hv->console_port, hv->console_baud);
	hv_opts.console_port = hv->console_port;
	hv_opts.console_baud = hv->console_baud;
	pr_info("console: from hv.cfg line %u\n", hv->key_line[CONFIG_HKEY_CONSOLE]);
}

static void run_guests(bool vmx_ok)
{
	static struct hv_config cfg;
	char err[256];

	switch (config_load(hv_boot_info, &cfg)) {
	case CONFIG_ABSENT:
		return;
	case CONFIG_BAD:
		console_stay(); /* returns only when the console has no input */
		power_off();
	case CONFIG_OK:
	default:
		break;
	}
	apply_hv_settings(&cfg.hv);
	if (!vmx_ok)
		return; /* already reported: no VT-x, no guests */
	if (vmx_setup_controls(err, sizeof(err))) {
		pr_err("vmx: cannot run guests, missing: %s\n", err);
		return;
	}
	part_set_when_idle(cfg.hv.when_idle);
	if (!part_create_all(&cfg)) {
		console_stay();
		return;
	}
	sched_init();
	vplatform_init();
	part_start_all();
	console_init();
	sched_idle_loop(this_cpu());
}

/* The loader protocol, as the first boot line names it. */
static const char *boot_method_name(enum boot_method m)
{
	switch (m) {
	case BOOT_MULTIBOOT1:
		return "multiboot";
	case BOOT_MULTIBOOT2:
		return "multiboot2";
	case BOOT_UEFI:
		return "uefi";
	default:
		return "unknown";
	}
}

__noreturn void hv_main(struct boot_info *bi)
{
	bool opts_ok = cmdline_parse(bi->cmdline, &hv_opts);
	uint32_t online, bsp;

	hv_boot_info = bi;
	if (!hv_start_tsc)
		hv_start_tsc = rdtsc(); /* a boot path that did not record it */
	log_level = hv_opts.loglevel;
	serial_init(hv_opts.console_port, hv_opts.console_baud);
	console_set_timestamps(hv_opts.timestamps);
	printk("\n");
	pr_info("boot: %s\n", boot_method_name(bi->method));
	if (!opts_ok)
		pr_warn("cmdline: ignoring bad option '%s'\n", hv_opts.bad_option);

	/* Until the MADT says which logical CPU we are, borrow slot 0 so that
	 * exceptions are already reported. */
	arch_cpu_init(&percpu[0]);
	pmm_init(&hv_pmm, bi);
	paging_init(hv_pmm.max_phys);
	pr_info("memory: %llu MiB usable\n", (unsigned long long)(hv_pmm.total_usable / MiB));

	bsp = platform_init(bi);
	if (bsp != 0)
		arch_cpu_init(&percpu[bsp]);
	percpu[bsp].is_bsp = true;
	percpu[bsp].online = true;
	power_init(bi->efi_reset_system);
	ioapic_mask_all(&hv_platform);
	lapic_init(hv_platform.lapic_base);
	tsc_calibrate();

	online = smp_start_aps(ap_main);
	pr_info("cpus: %u online\n", online);

	vmx_bringup_this_cpu(this_cpu());
	run_guests(report_vmx(online));

	pr_info("nothing to run\n");
	power_off();
}
