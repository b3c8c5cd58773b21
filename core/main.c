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
#include <hv/cmdline.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/platform.h>
#include <hv/power.h>
#include <hv/printk.h>
#include <hv/serial.h>
#include <hv/vmx.h>
#include <arch/cpu.h>

struct hv_options hv_opts;
const struct boot_info *hv_boot_info;

static volatile uint32_t vmx_done_count;

static void vmx_bringup_this_cpu(struct percpu *cpu)
{
	vmx_cpu_enable(cpu);
	__atomic_fetch_add(&vmx_done_count, 1, __ATOMIC_RELEASE);
}

/* Each AP lands here once arch/x86_64/smp.c has given it a stack, its GDT,
 * IDT and per-CPU pointer.  With nothing to run yet it parks in HLT so that
 * emulated CPUs do not steal time from the ones doing work. */
static void ap_main(struct percpu *cpu)
{
	vmx_bringup_this_cpu(cpu);
	for (;;)
		cpu_halt();
}

static void report_vmx(uint32_t online)
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
	} else {
		pr_err("vmx: unavailable: %s\n", why ? why : "unknown reason");
		if (on)
			pr_err("vmx: only %u of %u cpus have VT-x on\n", on, online);
	}
}

__noreturn void hv_main(struct boot_info *bi)
{
	bool opts_ok = cmdline_parse(bi->cmdline, &hv_opts);
	uint32_t online, bsp;

	hv_boot_info = bi;
	log_level = hv_opts.loglevel;
	serial_init(hv_opts.console_port, hv_opts.console_baud);
	printk("\n");
	pr_info("boot: %s\n", bi->method == BOOT_UEFI ? "uefi" : "multiboot2");
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
	lapic_init(hv_platform.lapic_base);
	tsc_calibrate();

	online = smp_start_aps(ap_main);
	pr_info("cpus: %u online\n", online);

	vmx_bringup_this_cpu(this_cpu());
	report_vmx(online);

	pr_info("nothing to run\n");
	power_off();
}
