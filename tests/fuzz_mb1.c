/*
 * fuzz_mb1.c - libFuzzer target for guests/mb1.c (mb1_is_image, mb1_load).
 *
 * Input: one control byte, then the kernel image.
 *   bits 0-1  guest memory size: 1 MiB + 4 KiB, 2 MiB, 4 MiB or 8 MiB
 *   bit 2     fix the checksum of the first 4-byte aligned multiboot magic
 *             in the image's first 8 KiB, so the fuzzer spends its time in
 *             the ELF and a.out decoders rather than the header search
 *   bit 3     also hand over two modules cut from the image's tail
 * Guest memory and the image are each exactly-sized heap blocks, so a read
 * past the image or a write outside guest RAM is an ASan report.  After a
 * successful load the harness checks the results lie inside guest memory.
 * Seeds in tests/corpus/mb1/ are written by test_mb1.c (HV_MB1_SEEDS=dir),
 * with the control byte 0x06 (4 MiB, fix the checksum).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hv/loader.h>

#define MB_MAGIC    0x1BADB002u
#define CTL_FIX_SUM 0x04
#define CTL_MODULES 0x08

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint64_t mem_sizes[4] = {(1u << 20) + 4096, 2u << 20, 4u << 20, 8u << 20};

static void fix_checksum(uint8_t *img, size_t len)
{
	for (size_t o = 0; o + 12 <= len && o + 12 <= 8192; o += 4) {
		uint32_t magic, flags, sum;

		memcpy(&magic, img + o, 4);
		if (magic != MB_MAGIC)
			continue;
		memcpy(&flags, img + o + 4, 4);
		sum = -(magic + flags);
		memcpy(img + o + 8, &sum, 4);
		return;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *mem_buf[4];
	struct loader_module mods[2];
	struct guest_mem mem;
	struct mb1_boot boot;
	uint8_t ctl, *img;
	size_t len;
	char err[160];

	if (size < 1)
		return 0;
	ctl = data[0];
	len = size - 1;
	img = malloc(len ? len : 1);
	if (len)
		memcpy(img, data + 1, len);
	if (ctl & CTL_FIX_SUM)
		fix_checksum(img, len);
	if (!mem_buf[ctl & 3])
		mem_buf[ctl & 3] = malloc(mem_sizes[ctl & 3]);
	mem.host = mem_buf[ctl & 3];
	mem.size = mem_sizes[ctl & 3];
	mods[0] = (struct loader_module){img + len / 2, len - len / 2, "tail"};
	mods[1] = (struct loader_module){img + len - len / 4, len / 4, NULL};
	(void)mb1_is_image(img, len);
	if (mb1_load(img, len, &mem, "fuzz", mods, (ctl & CTL_MODULES) ? 2 : 0, &boot, err,
		     sizeof(err)) == 0) {
		if (boot.entry >= mem.size || boot.mbi < (1u << 20) || boot.mbi + 116 > mem.size)
			abort();
	} else if (err[0] == '\0' || strlen(err) >= sizeof(err)) {
		abort(); /* a refusal must say why */
	}
	free(img);
	return 0;
}
