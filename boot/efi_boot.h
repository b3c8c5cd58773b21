/*
 * efi_boot.h - what the pieces of the UEFI boot path (boot/efi_*.c) share.
 *
 * The UEFI path runs as an ordinary EFI application until it has gathered
 * everything into a struct boot_info; then it leaves boot services and
 * enters the core exactly like the multiboot2 path does.  Everything here
 * is usable only before ExitBootServices, except efi_memmap_convert() and
 * efi_enter_hv_main().
 */
#ifndef BOOT_EFI_BOOT_H
#define BOOT_EFI_BOOT_H

#include <efi.h>
#include <efilib.h>
#include <hv/bootinfo.h>

/* ---- efi_main.c ---- */

/*
 * efi_log - print "hv: " + a message on the firmware console (ConOut) when
 * level (enum log_level) <= the loglevel= of the hypervisor command line.
 * fmt is a GNU-EFI Print format (%a ASCII, %s UCS-2, %r EFI_STATUS, %lx ...).
 * On OVMF ConOut includes the serial port.  Boot services only.
 */
void efi_log(int level, const CHAR16 *fmt, ...);

/* ---- efi_files.c ---- */

/*
 * efi_files_init - remember the volume and directory the application was
 * loaded from (LoadedImage->DeviceHandle and ->FilePath).  Returns
 * EFI_UNSUPPORTED when the boot device has no file system (e.g. a network
 * boot): the application still boots, efi_load_file() then fails.
 */
EFI_STATUS efi_files_init(EFI_LOADED_IMAGE *image);

/* The application's own file name without its directory ("BOOTX64.EFI"),
 * empty when unknown. */
const CHAR16 *efi_self_name(void);

/*
 * efi_load_file - read the file name (ASCII; relative to the application's
 * directory, or absolute from the volume root when it starts with '\' or
 * '/') into fresh EfiLoaderData pages and describe it in *mod (start, end,
 * name).  A zero-length file still gets a page, with end == start.
 * Errors, each reported on the console naming the file: EFI_NOT_FOUND (not
 * reported when optional is true), EFI_OUT_OF_RESOURCES, EFI_DEVICE_ERROR
 * (read error), EFI_INVALID_PARAMETER (bad name, a directory),
 * EFI_UNSUPPORTED (no file system on the boot device).  On error no memory
 * stays allocated and *mod is untouched.
 */
EFI_STATUS efi_load_file(const char *name, struct boot_module *mod, bool optional);

/* ---- efi_cfgfiles.c ---- */

/*
 * efi_load_config_files - read every file the config cfg (already loaded,
 * e.g. hv.cfg) names into bi->modules, each named by its path as written in
 * the config, once.  Problems are reported on the console: a config that
 * does not parse (nothing more is loaded), a file that cannot be read, more
 * files than BOOT_MAX_MODULES.  The core checks the config again.
 */
void efi_load_config_files(struct boot_info *bi, const struct boot_module *cfg);

/* ---- efi_mp.c ---- */

/*
 * efi_mp_collect - record the enabled CPUs' APIC IDs from the EFI MP
 * Services protocol in bi->fw_apic_ids/fw_cpu_count, the BSP first.
 * Leaves fw_cpu_count 0 when the protocol is absent or fails (the core then
 * uses the MADT or the boot CPU alone).
 */
void efi_mp_collect(struct boot_info *bi);

/* ---- efi_exit.c ---- */

/*
 * efi_exit_boot_services - get the final memory map, call ExitBootServices
 * (retrying with a fresh map key when it went stale) and convert that map
 * into bi->mem.  On success boot services are gone: no firmware call but
 * the runtime services may follow.  On failure returns the error; if
 * ExitBootServices had already been tried, boot services may be partly shut
 * down and the caller must not use the console.
 */
EFI_STATUS efi_exit_boot_services(EFI_HANDLE image, struct boot_info *bi);

/*
 * efi_memmap_convert - translate an EFI memory map (size bytes of
 * desc_size-byte descriptors) into bi->mem, merging adjacent ranges of
 * equal type.  Pure; needs no boot services.  Returns the number of ranges
 * that did not fit into bi->mem and were left out (each one either usable
 * RAM, which is then simply not used, or a range nobody may allocate anyway).
 */
uint32_t efi_memmap_convert(const void *map, UINTN size, UINTN desc_size, struct boot_info *bi);

/* ---- efi_stack.S ---- */

/*
 * efi_enter_hv_main - disable interrupts, switch to stack_top (16-byte
 * aligned, inside the hypervisor image) and call hv_main(bi).  Never returns.
 */
__noreturn void efi_enter_hv_main(struct boot_info *bi, void *stack_top);

#endif
