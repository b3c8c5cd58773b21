/*
 * power.h - turning the machine off and restarting it.
 */
#ifndef HV_POWER_H
#define HV_POWER_H

#include <hv/compiler.h>

/*
 * Power off: stops the other CPUs, prints "hv: poweroff", then ACPI S5
 * through PM1a/PM1b control (entering ACPI mode through SMI_CMD first if
 * needed), then EFI ResetSystem(EfiResetShutdown), then halts forever.
 */
__noreturn void power_off(void);

/*
 * Reboot: the FADT reset register, then EFI ResetSystem(EfiResetCold), the
 * 0xCF9 reset control register, the keyboard controller, and finally a triple
 * fault.
 */
__noreturn void power_reboot(void);

/* Called by the core once platform and boot info are known. */
void power_init(uint64_t efi_reset_system);

#endif
