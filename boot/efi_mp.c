/*
 * efi_mp.c - the CPUs as the firmware's MP Services protocol reports them.
 *
 * Real firmware always describes its CPUs in the ACPI MADT, and the core
 * prefers that.  Firmware without ACPI tables (OVMF on Bochs is one) still
 * knows its CPUs: the PI MP Services protocol lists them with their APIC
 * IDs while boot services last.  We record the enabled ones, the bootstrap
 * CPU first, in struct boot_info for platform_init() to fall back on.
 */
#include "boot/efi_boot.h"
#include "boot/efi_mp.h"

#include <hv/printk.h>

/*
 * Append the processors whose StatusFlag has the want_bsp BSP bit (pass 1:
 * the BSP, pass 2: everyone else) so that the BSP ends up first while the
 * rest keep the firmware's order.  Returns false when a query failed.
 */
static bool efi_mp_pass(EFI_MP_SERVICES_PROTOCOL *mp, UINTN count, bool want_bsp,
			struct boot_info *bi)
{
	for (UINTN i = 0; i < count; i++) {
		EFI_PROCESSOR_INFORMATION info;
		EFI_STATUS st = uefi_call_wrapper(mp->GetProcessorInfo, 3, mp, i, &info);
		bool is_bsp;

		if (EFI_ERROR(st)) {
			efi_log(LOG_WARN, L"efi: MP services: GetProcessorInfo(%d): %r\n", (int)i,
				st);
			return false;
		}
		is_bsp = (info.StatusFlag & EFI_PROCESSOR_AS_BSP_BIT) != 0;
		if (is_bsp != want_bsp || !(info.StatusFlag & EFI_PROCESSOR_ENABLED_BIT))
			continue;
		if (bi->fw_cpu_count >= BOOT_MAX_FW_CPUS)
			return true; /* efi_mp_collect() warns */
		efi_log(LOG_DEBUG, L"efi: cpu %d: APIC ID %d%s\n", (int)bi->fw_cpu_count,
			(int)info.ProcessorId, is_bsp ? L" (bsp)" : L"");
		bi->fw_apic_ids[bi->fw_cpu_count++] = (uint32_t)info.ProcessorId;
	}
	return true;
}

void efi_mp_collect(struct boot_info *bi)
{
	static EFI_GUID mp_guid = EFI_MP_SERVICES_PROTOCOL_GUID;
	EFI_MP_SERVICES_PROTOCOL *mp;
	UINTN count, enabled;
	EFI_STATUS st;

	bi->fw_cpu_count = 0;
	st = uefi_call_wrapper(BS->LocateProtocol, 3, &mp_guid, NULL, (void **)&mp);
	if (EFI_ERROR(st)) {
		efi_log(LOG_INFO, L"efi: no MP services protocol (%r)\n", st);
		return;
	}
	st = uefi_call_wrapper(mp->GetNumberOfProcessors, 3, mp, &count, &enabled);
	if (EFI_ERROR(st)) {
		efi_log(LOG_WARN, L"efi: MP services: GetNumberOfProcessors: %r\n", st);
		return;
	}
	if (!efi_mp_pass(mp, count, true, bi) || !efi_mp_pass(mp, count, false, bi)) {
		bi->fw_cpu_count = 0;
		return;
	}
	efi_log(LOG_INFO, L"efi: MP services: %d cpus, %d enabled\n", (int)count, (int)enabled);
	if (enabled > BOOT_MAX_FW_CPUS)
		efi_log(LOG_WARN, L"efi: only the first %d cpus are used\n", BOOT_MAX_FW_CPUS);
}
