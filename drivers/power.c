/*
 * power.c - turning the machine off and restarting it.
 *
 * Each operation is a list of small named steps, best mechanism first; a
 * step that works never returns, one that does not falls through to the
 * next after a short bounded wait.  Everything comes from hv_platform
 * (ACPI) and the saved EFI ResetSystem pointer, never from knowledge of a
 * particular machine.
 *
 * References: ACPI 6.5 4.8.3.2 (PM1 control: SCI_EN, SLP_TYP, SLP_EN),
 * 4.8.3.6 and 5.2.9 (reset register), 16.1.4/7.4.2 (\_S5 soft-off),
 * 16.3.1 (entering ACPI mode through SMI_CMD); UEFI 2.10 8.5.1
 * (ResetSystem); Intel PCH datasheets (reset control register 0xCF9);
 * the 8042 keyboard controller's pulse-reset command 0xFE.
 */
#include <hv/arch.h>
#include <hv/cpu.h>
#include <hv/platform.h>
#include <hv/power.h>
#include <hv/serial.h>
#include <hv/printk.h>
#include <hv/vmx.h>
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/msr.h>

/* PM1 control register bits (ACPI 4.8.3.2.1) */
#define PM1_SCI_EN	  BIT(0)
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP	  GENMASK(12, 10)
#define PM1_SLP_EN	  BIT(13)

/* UEFI EFI_RESET_TYPE */
#define EFI_RESET_COLD	   0
#define EFI_RESET_SHUTDOWN 2

/* Reset control register (PCH/ICH): SYS_RST then RST_CPU for a hard reset. */
#define CF9_PORT    0xCF9
#define CF9_SYS_RST 0x02
#define CF9_RST_CPU 0x04

/* 8042 keyboard controller */
#define KBC_STATUS	    0x64
#define KBC_STATUS_IBF	    BIT(1)
#define KBC_CMD_PULSE_RESET 0xFE

/* PCI configuration mechanism #1 (PCI Local Bus 3.0 3.2.2.3.2) */
#define PCI_CONF_ADDR	0xCF8
#define PCI_CONF_DATA	0xCFC
#define PCI_CONF_ENABLE BIT(31)

#define STEP_WAIT_US	    (500 * 1000) /* how long a reset/off step gets to act */
#define ACPI_ENABLE_WAIT_MS 3000	 /* ACPICA waits up to 3 s for SCI_EN */
#define KBC_WAIT_US	    (100 * 1000)
/* The UART still holds up to 16 bytes when the driver returns: ~1.4 ms at
 * 115200 baud on paper, but an emulated UART was measured to need far more
 * than 20 ms.  Wait generously before a step that may end the machine, so
 * its last message is not lost. */
#define CONSOLE_DRAIN_US (200 * 1000)

typedef void(__attribute__((ms_abi)) * efi_reset_system_fn)(uint32_t type, uint64_t status,
							    uint64_t data_size, const void *data);

static efi_reset_system_fn efi_reset_system;

void power_init(uint64_t efi_reset)
{
	efi_reset_system = (efi_reset_system_fn)(uintptr_t)efi_reset;
}

static void console_drain(void)
{
	serial_flush();
	udelay(CONSOLE_DRAIN_US);
}

/*
 * Enter ACPI mode if the firmware still owns the power management hardware
 * (SCI_EN clear): write ACPI_ENABLE to SMI_CMD and wait, bounded, for SCI_EN.
 */
static void acpi_enter_mode(uint16_t pm1a)
{
	const struct platform *p = &hv_platform;

	if (inw(pm1a) & PM1_SCI_EN)
		return;
	if (!p->smi_cmd || !p->acpi_enable || p->smi_cmd > 0xFFFF) {
		pr_debug("poweroff: SCI_EN clear and no SMI_CMD to enable ACPI mode\n");
		return;
	}
	pr_debug("poweroff: entering ACPI mode (%#x to SMI_CMD %#x)\n", p->acpi_enable, p->smi_cmd);
	outb((uint16_t)p->smi_cmd, p->acpi_enable);
	for (int ms = 0; ms < ACPI_ENABLE_WAIT_MS; ms++) {
		if (inw(pm1a) & PM1_SCI_EN)
			return;
		udelay(1000);
	}
	pr_warn("poweroff: firmware did not set SCI_EN after ACPI_ENABLE; trying S5 anyway\n");
}

/* The PM1 control value for sleep type typ, keeping the other bits. */
static uint16_t pm1_sleep_value(uint16_t port, uint8_t typ)
{
	uint16_t v = inw(port) & (uint16_t) ~(PM1_SLP_TYP | PM1_SLP_EN);

	return v | (uint16_t)(((uint32_t)typ << PM1_SLP_TYP_SHIFT) & PM1_SLP_TYP);
}

/*
 * ACPI S5 (soft off): SLP_TYP from \_S5, then SLP_EN, in PM1a and PM1b
 * (ACPI 7.4.2 and 4.8.3.2.1: the two blocks are written as one register).
 */
static void step_acpi_s5(void)
{
	const struct platform *p = &hv_platform;
	uint16_t a = (uint16_t)p->pm1a_cnt, b = (uint16_t)p->pm1b_cnt, va, vb = 0;

	if (!p->has_fadt || !a) {
		pr_info("poweroff: no ACPI PM1 control block, no S5 attempt\n");
		return;
	}
	if (!p->has_s5) {
		pr_info("poweroff: DSDT has no \\_S5, no S5 attempt\n");
		return;
	}
	acpi_enter_mode(a);
	pr_debug("poweroff: ACPI S5 (SLP_TYP %u/%u)\n", p->s5_typa & 7, p->s5_typb & 7);
	console_drain();
	va = pm1_sleep_value(a, p->s5_typa);
	if (b)
		vb = pm1_sleep_value(b, p->s5_typb);
	outw(a, va);
	if (b)
		outw(b, vb);
	outw(a, va | PM1_SLP_EN);
	if (b)
		outw(b, vb | PM1_SLP_EN);
	udelay(STEP_WAIT_US);
	pr_warn("poweroff: ACPI S5 did not take effect\n");
}

static void step_efi_reset(uint32_t type)
{
	if (!efi_reset_system)
		return;
	pr_debug("%s: EFI ResetSystem\n", type == EFI_RESET_SHUTDOWN ? "poweroff" : "reboot");
	console_drain();
	efi_reset_system(type, 0, 0, NULL);
	/* ResetSystem does not return on success (UEFI 8.5.1) */
	pr_warn("%s: EFI ResetSystem returned\n",
		type == EFI_RESET_SHUTDOWN ? "poweroff" : "reboot");
}

/*
 * Leave VMX root operation on the calling CPU before any reset step: INIT
 * is blocked in VMX root operation (SDM 24.8), so a reset that works by
 * INIT (the reset register, 0xCF9 with RST_CPU only, the 8042) could be
 * ignored silently.  The other CPUs do the same in their stop NMI.  The
 * CPU is found by its GS base, not %gs:0, since power_off() may be called
 * before arch_cpu_init() (then VMX is not on and nothing needs doing).
 */
static void power_leave_vmx(void)
{
	uint64_t gs = rdmsr(MSR_GS_BASE);

	for (uint32_t i = 0; i < cpu_count && i < HV_MAX_CPUS; i++) {
		if (gs == (uint64_t)(uintptr_t)&percpu[i]) {
			vmx_cpu_disable(&percpu[i]);
			return;
		}
	}
}

__noreturn void power_off(void)
{
	irq_disable();
	smp_stop_others();
	power_leave_vmx();
	printk("hv: poweroff\n");
	step_acpi_s5();
	step_efi_reset(EFI_RESET_SHUTDOWN);
	pr_err("poweroff: failed; halting\n");
	cpu_halt_forever();
}

/* A write of value to PCI configuration space of bus 0, as the FADT's
 * reset register in space 2 encodes it (ACPI 5.2.3.2): device in bits
 * 47:32, function in 31:16, register offset in 15:0. */
static void pci_conf_write8(uint64_t addr, uint8_t value)
{
	uint32_t dev = (addr >> 32) & 0x1F, fn = (addr >> 16) & 0x7, reg = addr & 0xFF;

	outl(PCI_CONF_ADDR, (uint32_t)PCI_CONF_ENABLE | dev << 11 | fn << 8 | (reg & 0xFC));
	outb((uint16_t)(PCI_CONF_DATA + (reg & 3)), value);
}

/* The FADT reset register (ACPI 4.8.3.6): write RESET_VALUE to it. */
static void step_acpi_reset(void)
{
	const struct platform *p = &hv_platform;
	const struct acpi_gas *g = &p->reset_reg;

	if (!p->has_reset_reg)
		return;
	pr_debug("reboot: ACPI reset register\n");
	console_drain();
	switch (g->space) {
	case 0: /* system memory: identity-mapped below 4 GiB (arch.h paging_init) */
		if (g->address >= 4 * GiB)
			return;
		*(volatile uint8_t *)(uintptr_t)g->address = p->reset_value;
		break;
	case 1:
		outb((uint16_t)g->address, p->reset_value);
		break;
	case 2:
		pci_conf_write8(g->address, p->reset_value);
		break;
	default:
		return;
	}
	udelay(STEP_WAIT_US);
}

static void step_cf9(void)
{
	pr_debug("reboot: reset control register %#x\n", CF9_PORT);
	console_drain();
	outb(CF9_PORT, CF9_SYS_RST);
	udelay(50);
	outb(CF9_PORT, CF9_SYS_RST | CF9_RST_CPU);
	udelay(STEP_WAIT_US);
}

static void step_kbc(void)
{
	pr_debug("reboot: keyboard controller\n");
	console_drain();
	for (uint32_t us = 0; us < KBC_WAIT_US && (inb(KBC_STATUS) & KBC_STATUS_IBF); us += 10)
		udelay(10);
	outb(KBC_STATUS, KBC_CMD_PULSE_RESET);
	udelay(STEP_WAIT_US);
}

/* No IDT at all: the breakpoint cannot be delivered, nor the #DF that
 * follows, so the CPU shuts down and the chipset resets it. */
static __noreturn void step_triple_fault(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed idtr = {.limit = 0, .base = 0};

	pr_debug("reboot: triple fault\n");
	console_drain();
	__asm__ volatile("lidt %0; int3" : : "m"(idtr) : "memory");
	cpu_halt_forever();
}

__noreturn void power_reboot(void)
{
	irq_disable();
	smp_stop_others();
	power_leave_vmx();
	printk("hv: reboot\n");
	step_acpi_reset();
	step_efi_reset(EFI_RESET_COLD);
	step_cf9();
	step_kbc();
	step_triple_fault();
}
