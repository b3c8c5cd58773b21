/*
 * fuzz_linux.c - libFuzzer target for guests/linux.c and guests/linux_pvh.c
 * (linux_load over arbitrary kernel image bytes).
 *
 * Input: one control byte, then the kernel image.
 *   bits 0-1  guest memory size: 2 MiB, 4 MiB, 18 MiB or 34 MiB
 *   bit 2     stamp the bzImage signatures ("HdrS" at 0x202, 0xAA55 at
 *             0x1FE) so the fuzzer spends its time past the magic checks
 *   bit 3     stamp an ELF64 x86-64 identification instead (PVH path)
 *   bit 4     hand over an initrd cut from the image's tail
 *   bit 5     use the PC layout (BIOS holes, ACPI region, ECAM) rather than none
 * Guest memory and the image are exactly-sized heap blocks, so a read past
 * the image or a write outside guest RAM is an ASan report.  After a
 * successful load the harness checks every reported address lies in guest
 * memory; a refusal must carry a message.  Seeds in tests/corpus/linux/ are
 * written by test_linux.c (HV_LINUX_SEEDS=dir).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hv/loader.h>

#define CTL_BZ	   0x04
#define CTL_ELF	   0x08
#define CTL_INITRD 0x10
#define CTL_LAYOUT 0x20

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint64_t mem_sizes[4] = {2u << 20, 4u << 20, 18u << 20, 34u << 20};

static void stamp(uint8_t *img, size_t len, uint8_t ctl)
{
	static const uint8_t elf_id[] = {0x7F, 'E', 'L', 'F', 2, 1};

	if ((ctl & CTL_BZ) && len >= 0x206) {
		img[0x1FE] = 0x55;
		img[0x1FF] = 0xAA;
		memcpy(img + 0x202, "HdrS", 4);
	}
	if ((ctl & CTL_ELF) && len >= 20) {
		memcpy(img, elf_id, sizeof(elf_id));
		img[18] = 62; /* EM_X86_64 */
		img[19] = 0;
	}
}

static void check_boot(const struct linux_boot *b, uint64_t mem, size_t ilen)
{
	if (b->entry >= mem || b->params >= mem || b->kernel_end > mem ||
	    b->kernel_base >= b->kernel_end || b->e820_count > LINUX_E820_MAX)
		abort();
	if (ilen && (b->initrd_base < b->kernel_end && b->initrd_base + ilen > b->kernel_base))
		abort(); /* initrd over the kernel */
	if (ilen && b->initrd_base + ilen > mem)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *mem_buf[4];
	struct linux_layout pc = {.rsdp = 0xE0000, .region_count = 3};
	struct guest_mem mem;
	struct linux_boot boot;
	uint8_t ctl, *img;
	size_t len, ilen;
	char err[200];

	if (size < 1)
		return 0;
	ctl = data[0];
	len = size - 1;
	img = malloc(len ? len : 1);
	if (len)
		memcpy(img, data + 1, len);
	stamp(img, len, ctl);
	if (!mem_buf[ctl & 3])
		mem_buf[ctl & 3] = malloc(mem_sizes[ctl & 3]);
	mem.host = mem_buf[ctl & 3];
	mem.size = mem_sizes[ctl & 3];
	pc.regions[0] = (struct linux_region){0x9FC00, 0x40400, E820_RESERVED};
	pc.regions[1] = (struct linux_region){0xE0000, 0x20000, E820_ACPI};
	pc.regions[2] = (struct linux_region){0xB0000000, 256u << 20, E820_RESERVED};
	ilen = (ctl & CTL_INITRD) ? len / 4 : 0;
	if (linux_load(img, len, img + len - ilen, ilen, "console=ttyS0", &mem,
		       (ctl & CTL_LAYOUT) ? &pc : NULL, &boot, err, sizeof(err)) == 0)
		check_boot(&boot, mem.size, ilen);
	else if (err[0] == '\0' || strlen(err) >= sizeof(err))
		abort(); /* a refusal must say why */
	(void)linux_is_bzimage(img, len);
	(void)linux_is_pvh_elf(img, len);
	free(img);
	return 0;
}
