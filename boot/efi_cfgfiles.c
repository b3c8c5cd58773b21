/*
 * efi_cfgfiles.c - the files hv.cfg names, read from the boot volume while
 * boot services last, so that the UEFI path hands the core what a multiboot
 * loader hands it: hv.cfg plus one module per file, named by its path as
 * written in hv.cfg (relative to hv.cfg, which sits next to the
 * application; a path starting with '/' from the volume root).  The core
 * finds them by that name (core/boot_config.c).
 *
 * hv.cfg is parsed here only to learn the paths, without checking it
 * against the machine: the core parses it again and reports every problem.
 * A config that does not even parse loads nothing more; a missing file is
 * reported here and then by the core ("kernel file ... not found").
 */
#include "boot/efi_boot.h"

#include <hv/config.h>
#include <hv/lib.h>
#include <hv/printk.h>

static struct hv_config efi_cfg; /* large: not on the firmware's stack */

/* Problems are the core's to report, with their lines; count them only. */
static void efi_cfg_report(void *ctx, const char *filename, uint32_t line, const char *msg)
{
	(void)ctx;
	(void)filename;
	(void)line;
	(void)msg;
}

static bool already_loaded(const struct boot_info *bi, const char *path)
{
	for (uint32_t i = 0; i < bi->module_count; i++) {
		if (!strcmp(bi->modules[i].name, path))
			return true;
	}
	return false;
}

/* One file as the next module; reported on the console when it fails. */
static void efi_load_named(struct boot_info *bi, const char *path)
{
	struct boot_module *mod = &bi->modules[bi->module_count];

	if (already_loaded(bi, path))
		return;
	if (bi->module_count == BOOT_MAX_MODULES) {
		efi_log(LOG_ERR, L"efi: cannot load %a: more than %d files\n", path,
			BOOT_MAX_MODULES);
		return;
	}
	if (EFI_ERROR(efi_load_file(path, mod, false)))
		return;
	bi->module_count++;
	efi_log(LOG_INFO, L"efi: module %a: %ld bytes at %lx\n", mod->name,
		(INT64)(mod->end - mod->start), mod->start);
}

void efi_load_config_files(struct boot_info *bi, const struct boot_module *cfg)
{
	const struct config_env env = {0}; /* the machine is checked by the core */
	int problems;

	problems = config_parse((const char *)(uintptr_t)cfg->start, cfg->end - cfg->start,
				cfg->name, &env, &efi_cfg, efi_cfg_report, NULL);
	if (problems) {
		efi_log(LOG_WARN, L"efi: %a has %d problems: the files it names are not loaded\n",
			cfg->name, problems);
		return;
	}
	for (uint32_t i = 0; i < efi_cfg.guest_count; i++) {
		const struct config_guest *g = &efi_cfg.guests[i];

		efi_load_named(bi, g->kernel);
		if (g->initrd[0])
			efi_load_named(bi, g->initrd);
		for (uint32_t m = 0; m < g->module_count; m++)
			efi_load_named(bi, g->modules[m].path);
	}
}
