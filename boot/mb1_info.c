/*
 * mb1_info.c - the multiboot (version 1) entry's C side: the boot
 * information parsed by boot/mb1_parse.c, then the core.
 *
 * Everything kept is copied into this image's struct boot_info, because
 * the loader's structure lies in memory the allocator hands out later.
 */
#include <hv/bootinfo.h>
#include <hv/printk.h>
#include <hv/serial.h>
#include <arch/cpu.h>
#include "boot/mb1.h"

#define COM1_PORT 0x3f8
#define COM1_BAUD 115200

extern char __image_start[], __image_end[];

static struct boot_info mb1_bi;

/* The first 4 GiB are identity-mapped by boot/mb2_entry.S. */
static const void *mb1_identity(uint64_t phys, uint64_t len, void *ctx)
{
	(void)ctx;
	if (phys + len > 4 * GiB || phys + len < phys)
		return NULL;
	return (const void *)(uintptr_t)phys;
}

/* Problems go to the default console: hv_main has not chosen one yet. */
static void mb1_report(const char *msg)
{
	static bool console_up;

	if (!console_up) {
		serial_init(COM1_PORT, COM1_BAUD);
		console_up = true;
	}
	pr_warn("boot: multiboot: %s\n", msg);
}

void mb1info_main(uint32_t info_phys)
{
	struct boot_info *bi = &mb1_bi;

	bi->image_start = (uint64_t)(uintptr_t)__image_start;
	bi->image_end = (uint64_t)(uintptr_t)__image_end;
	if (!mb1info_parse(info_phys, mb1_identity, NULL, bi, mb1_report)) {
		mb1_report("the loader passed no memory map; cannot continue");
		cpu_halt_forever();
	}
	hv_main(bi);
}
