/*
 * fuzz_mb1info.c - libFuzzer target for boot/mb1_parse.c, the multiboot v1
 * boot information parser of the hypervisor's own boot path, and for the
 * legacy RSDP search of drivers/acpi_rsdp.c.
 *
 * The input is fake physical memory starting at address 0x1000 (so that
 * address 0, which the parser refuses, is never inside it); the boot
 * information lies at its start.  Every pointer in it (command line,
 * module list and strings, memory map) is a physical address: small values
 * land inside the input, the rest outside.  The map function refuses any
 * range not wholly inside the input, which is its own heap allocation, so a
 * read past what the parser mapped is an ASan report.  The result must keep
 * the parser's promises: counts within bounds, strings terminated, no module
 * ending before it starts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hv/platform.h>
#include "boot/mb1.h"

#define BASE 0x1000

struct image {
	uint8_t *data;
	size_t size;
};

static const void *image_map(uint64_t phys, uint64_t len, void *ctx)
{
	const struct image *img = ctx;

	if (phys < BASE || phys - BASE >= img->size || len > img->size - (phys - BASE))
		return NULL;
	return img->data + (phys - BASE);
}

static void ignore_warning(const char *msg)
{
	/* read the whole message, so a bad string is an ASan report */
	volatile size_t n = strlen(msg);
	(void)n;
}

static void check_result(const struct boot_info *bi)
{
	if (bi->mem_count > BOOT_MAX_MEM_RANGES || bi->module_count > BOOT_MAX_MODULES ||
	    strnlen(bi->cmdline, sizeof(bi->cmdline)) == sizeof(bi->cmdline))
		abort();
	for (uint32_t i = 0; i < bi->module_count; i++) {
		if (bi->modules[i].end < bi->modules[i].start ||
		    strnlen(bi->modules[i].name, BOOT_MODNAME_MAX) == BOOT_MODNAME_MAX)
			abort();
	}
	for (uint32_t i = 0; i < bi->mem_count; i++) {
		if (bi->mem[i].len == 0 || bi->mem[i].base + bi->mem[i].len < bi->mem[i].base)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi;
	struct image img = {.data = malloc(size ? size : 1), .size = size};

	if (!img.data)
		return 0;
	memcpy(img.data, data, size);
	memset(&bi, 0, sizeof(bi));
	if (mb1info_parse(BASE, image_map, &img, &bi, ignore_warning))
		check_result(&bi);
	else if (bi.mem_count != 0)
		abort();
	(void)acpi_find_rsdp_legacy(image_map, &img);
	free(img.data);
	return 0;
}
