/*
 * bootfile.h - files the boot medium delivered (struct boot_module) by name,
 * and hv.cfg read from among them (core/boot_config.c).
 *
 * GRUB: `make iso CONFIG=dir/hv.cfg` loads hv.cfg as a module named
 * "hv.cfg" and every file it names as a module named by its path as written
 * in the config (relative to the config's directory); `make usb` does the
 * same.  Multiboot v1 (iPXE on BIOS, `make pxe`): the module string is
 * "URL NAME" and boot/mb1_parse.c names the module NAME.  UEFI: boot/efi_*
 * reads hv.cfg next to hv.efi, and boot/efi_cfgfiles.c each file it names,
 * under the same names.
 */
#ifndef HV_BOOTFILE_H
#define HV_BOOTFILE_H

#include <hv/bootinfo.h>
#include <hv/config.h>

#define HV_CONFIG_NAME "hv.cfg"

/* The boot module named name (a leading '/' on either side is ignored),
 * or NULL. */
const struct boot_module *bootfile_find(const struct boot_info *bi, const char *name);

enum config_load_result {
	CONFIG_ABSENT = 0, /* no hv.cfg: nothing to run */
	CONFIG_OK,	   /* *cfg is valid */
	CONFIG_BAD,	   /* problems were printed as "hv: config: FILE:LINE: message" */
};

/* Find, parse and validate hv.cfg against this machine (CPUs, free memory,
 * the files on the boot medium). */
enum config_load_result config_load(const struct boot_info *bi, struct hv_config *cfg);

#endif
