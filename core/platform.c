/*
 * platform.c - hv_platform, the machine description, and the logical CPU
 * numbering (percpu[], cpu_count).
 *
 * The machine is described by ACPI when the firmware has it
 * (drivers/acpi.c).  Without a usable MADT the CPUs come from what the boot
 * path learned from the firmware (EFI MP Services, bi->fw_apic_ids), and
 * without that the boot CPU runs alone.  Logical CPU numbers follow that
 * list's order (include/hv/cpu.h); the bootstrap CPU is the entry whose APIC
 * ID is the running CPU's.
 */
#include <hv/bootinfo.h>
#include <hv/cpu.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/platform.h>
#include <hv/printk.h>
#include <arch/cpu.h>

#define XAPIC_DEFAULT_BASE 0xFEE00000ULL
#define CPUID_LEAF_X2APIC  0x0B

struct platform hv_platform;

/*
 * The core runs identity-mapped: a physical address is its own pointer.
 * Only ranges the hypervisor's page tables cover are handed out (all RAM
 * and the first 4 GiB, arch.h paging_init), so a corrupt table pointer is
 * a warning rather than a page fault.
 */
static const void *identity_map(uint64_t phys, uint64_t len, void *ctx)
{
	uint64_t limit = MAX(hv_pmm.max_phys, 4 * GiB);

	(void)ctx;
	if (!phys || !len || phys + len < phys || phys + len > limit)
		return NULL;
	return (const void *)(uintptr_t)phys;
}

static void acpi_warn(const char *msg)
{
	pr_warn("acpi: %s\n", msg);
}

/*
 * The running CPU's APIC ID: the 32-bit x2APIC ID from CPUID leaf 0xB when
 * the leaf exists (EBX of subleaf 0 nonzero, SDM Vol. 2A CPUID), else the
 * 8-bit initial APIC ID in CPUID.1:EBX[31:24].
 */
static uint32_t boot_apic_id(void)
{
	if (cpuid(0, 0).eax >= CPUID_LEAF_X2APIC) {
		struct cpuid_regs r = cpuid(CPUID_LEAF_X2APIC, 0);

		if (r.ebx != 0)
			return r.edx;
	}
	return cpuid(1, 0).ebx >> 24;
}

/* No usable MADT: take the firmware's CPU list, or the boot CPU alone. */
static void cpus_from_firmware(const struct boot_info *bi, uint32_t self)
{
	struct platform *p = &hv_platform;
	uint32_t n = bi->fw_cpu_count;

	compile_assert(BOOT_MAX_FW_CPUS <= PLAT_MAX_CPUS);
	if (n > BOOT_MAX_FW_CPUS)
		n = BOOT_MAX_FW_CPUS;
	for (uint32_t i = 0; i < n; i++) {
		p->cpus[i].apic_id = bi->fw_apic_ids[i];
		p->cpus[i].acpi_uid = i;
	}
	if (n == 0) {
		p->cpus[0].apic_id = self;
		p->cpus[0].acpi_uid = 0;
		n = 1;
	}
	p->cpu_count = n;
}

static uint32_t find_apic_id(uint32_t apic_id)
{
	for (uint32_t i = 0; i < hv_platform.cpu_count; i++)
		if (hv_platform.cpus[i].apic_id == apic_id)
			return i;
	return UINT32_MAX;
}

/*
 * Make sure the boot CPU has a slot below HV_MAX_CPUS: a platform list that
 * does not name it (broken firmware) or names it beyond what we support
 * gets it in the last usable slot, with a warning.  Returns its index.
 */
static uint32_t place_bsp(uint32_t self)
{
	struct platform *p = &hv_platform;
	uint32_t bsp = find_apic_id(self);
	uint32_t limit = MIN((uint32_t)HV_MAX_CPUS, (uint32_t)PLAT_MAX_CPUS);

	if (bsp != UINT32_MAX && bsp < limit)
		return bsp;
	if (bsp == UINT32_MAX)
		pr_warn("platform: boot cpu (APIC ID %u) is not in the cpu list; added\n", self);
	else
		pr_warn("platform: boot cpu (APIC ID %u) is cpu %u, beyond the %u supported\n",
			self, bsp, limit);
	bsp = MIN(p->cpu_count, limit - 1);
	p->cpus[bsp].apic_id = self;
	p->cpus[bsp].acpi_uid = 0;
	if (bsp == p->cpu_count)
		p->cpu_count++;
	return bsp;
}

/* percpu[] and cpu_count from hv_platform.cpus, capped at HV_MAX_CPUS. */
static void fill_percpu(uint32_t bsp)
{
	uint32_t n = hv_platform.cpu_count;

	if (n > HV_MAX_CPUS) {
		pr_warn("platform: %u cpus, only the first %u used (HV_MAX_CPUS)\n", n,
			HV_MAX_CPUS);
		n = HV_MAX_CPUS;
	}
	for (uint32_t i = 0; i < n; i++) {
		percpu[i].cpu_id = i;
		percpu[i].apic_id = hv_platform.cpus[i].apic_id;
		percpu[i].is_bsp = i == bsp;
		hv_platform.cpus[i].is_bsp = i == bsp;
	}
	cpu_count = n;
}

static void print_summary(const struct boot_info *bi)
{
	const struct platform *p = &hv_platform;
	char madt[48], fadt[32], mcfg[16], dmar[24];

	if (!p->has_acpi) {
		if (bi->fw_cpu_count)
			pr_info("acpi: none; cpus from firmware (%u)\n", p->cpu_count);
		else
			pr_info("acpi: none; boot cpu only\n");
		return;
	}
	if (p->has_madt && p->cpu_count)
		snprintf(madt, sizeof(madt), "MADT %u cpus %u ioapic", p->cpu_count,
			 p->ioapic_count);
	else
		snprintf(madt, sizeof(madt), "MADT %s (%u cpus from %s)",
			 p->has_madt ? "empty" : "none", p->cpu_count,
			 bi->fw_cpu_count ? "firmware" : "boot cpu");
	if (p->has_fadt)
		snprintf(fadt, sizeof(fadt), "FADT pm1a %#x", p->pm1a_cnt);
	else
		snprintf(fadt, sizeof(fadt), "FADT none");
	if (p->mcfg_count)
		snprintf(mcfg, sizeof(mcfg), "MCFG %u", p->mcfg_count);
	else
		snprintf(mcfg, sizeof(mcfg), "MCFG none");
	if (p->has_dmar)
		snprintf(dmar, sizeof(dmar), "DMAR %u drhd", p->drhd_count);
	else
		snprintf(dmar, sizeof(dmar), "DMAR none");
	pr_info("acpi: RSDP rev %u (OEM %s), %s, %s, %s, %s\n", p->acpi_revision, p->oem_id, madt,
		fadt, mcfg, dmar);
}

static void print_madt_details(void)
{
	const struct platform *p = &hv_platform;

	pr_debug("acpi: lapic %#llx%s, %u cpus listed disabled\n",
		 (unsigned long long)p->lapic_base, p->pcat_compat ? ", dual 8259" : "",
		 p->cpus_disabled);
	for (uint32_t i = 0; i < p->cpu_count; i++)
		pr_debug("acpi: cpu %u: APIC ID %u, uid %u%s\n", i, p->cpus[i].apic_id,
			 p->cpus[i].acpi_uid, p->cpus[i].is_bsp ? " (boot)" : "");
	for (uint32_t i = 0; i < p->ioapic_count; i++)
		pr_debug("acpi: ioapic %u at %#x, gsi base %u\n", p->ioapics[i].id,
			 p->ioapics[i].address, p->ioapics[i].gsi_base);
	for (uint32_t i = 0; i < p->iso_count; i++)
		pr_debug("acpi: irq %u -> gsi %u, flags %#x\n", p->isos[i].source, p->isos[i].gsi,
			 p->isos[i].flags);
}

static void print_fadt_details(void)
{
	const struct platform *p = &hv_platform;

	pr_debug("acpi: pm1a %#x pm1b %#x pm_tmr %#x (%u bits) sci %u smi_cmd %#x/%#x%s\n",
		 p->pm1a_cnt, p->pm1b_cnt, p->pm_tmr, p->pm_tmr_32bit ? 32 : 24, p->sci_irq,
		 p->smi_cmd, p->acpi_enable, p->hw_reduced ? " hw-reduced" : "");
	if (p->has_reset_reg)
		pr_debug("acpi: reset register space %u at %#llx, value %#x\n", p->reset_reg.space,
			 (unsigned long long)p->reset_reg.address, p->reset_value);
	if (p->has_s5)
		pr_debug("acpi: dsdt %#llx, \\_S5 %u/%u\n", (unsigned long long)p->dsdt, p->s5_typa,
			 p->s5_typb);
	else
		pr_debug("acpi: dsdt %#llx, no \\_S5\n", (unsigned long long)p->dsdt);
}

static void print_details(void)
{
	const struct platform *p = &hv_platform;

	if (p->has_madt)
		print_madt_details();
	if (p->has_fadt)
		print_fadt_details();
	for (uint32_t i = 0; i < p->mcfg_count; i++)
		pr_debug("acpi: mcfg segment %u buses %u-%u at %#llx\n", p->mcfg[i].segment,
			 p->mcfg[i].bus_start, p->mcfg[i].bus_end,
			 (unsigned long long)p->mcfg[i].base);
	if (p->has_dmar)
		pr_debug("acpi: dmar haw %u flags %#x, %u rmrr\n", p->dmar_haw + 1, p->dmar_flags,
			 p->rmrr_count);
	for (uint32_t i = 0; i < p->drhd_count; i++)
		pr_debug("acpi: drhd segment %u at %#llx flags %#x, %u device scopes\n",
			 p->drhd[i].segment, (unsigned long long)p->drhd[i].base, p->drhd[i].flags,
			 p->drhd[i].scope_count);
}

/*
 * A loader without an RSDP field (multiboot v1) on a BIOS machine: search
 * where the BIOS keeps it.  Not under UEFI, which need not have those areas.
 */
static void acpi_from_bios_area(const struct boot_info *bi)
{
	uint64_t rsdp;

	if (bi->efi_system_table || bi->method == BOOT_UEFI)
		return;
	rsdp = acpi_find_rsdp_legacy(identity_map, NULL);
	if (!rsdp)
		return;
	pr_debug("acpi: RSDP at %#llx (BIOS area search)\n", (unsigned long long)rsdp);
	acpi_parse(rsdp, identity_map, NULL, &hv_platform, acpi_warn);
}

uint32_t platform_init(const struct boot_info *bi)
{
	struct platform *p = &hv_platform;
	uint32_t self = boot_apic_id(), bsp;

	memset(p, 0, sizeof(*p));
	if (bi->rsdp)
		acpi_parse(bi->rsdp, identity_map, NULL, p, acpi_warn);
	else
		acpi_from_bios_area(bi);
	if (!p->has_madt || !p->cpu_count)
		cpus_from_firmware(bi, self);
	if (!p->lapic_base)
		p->lapic_base = XAPIC_DEFAULT_BASE;
	bsp = place_bsp(self);
	fill_percpu(bsp);
	print_summary(bi);
	print_details();
	return bsp;
}
