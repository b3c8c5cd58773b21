/*
 * mb2_info.c - translate the multiboot2 boot information (Multiboot2
 * Specification 3.6) into the core's struct boot_info, then enter the core.
 *
 * The loader's structure is input like any other: every tag is checked
 * against the total size before it is read, and a malformed tag is
 * reported and skipped.  Only a structure without any memory map stops the
 * boot.  Everything kept is copied into this image (the structure itself
 * lies in memory the allocator will hand out later), including the RSDP,
 * which the tag carries as a copy rather than as a pointer.
 */
#include <hv/bootinfo.h>
#include <hv/lib.h>
#include <hv/printk.h>
#include <hv/serial.h>
#include <arch/cpu.h>
#include "boot/mb2.h"

/* Sanity bound on the whole structure; GRUB's is a few KiB. */
#define MB2_INFO_MAX	 (16 * MiB)
#define RSDP_V2_SIZE	 36
#define EFI_ST_SIGNATURE 0x5453595320494249ULL /* "IBI SYST" */
#define EFI_RT_SIGNATURE 0x56524553544e5552ULL /* "RUNTSERV" */
#define EFI_ST_RUNTIME	 88  /* EFI_SYSTEM_TABLE.RuntimeServices (UEFI 2.x 4.3.1) */
#define EFI_RT_RESET	 104 /* EFI_RUNTIME_SERVICES.ResetSystem (UEFI 2.x 4.5.1) */
#define COM1_PORT	 0x3f8
#define COM1_BAUD	 115200

extern char __image_start[], __image_end[];

static struct boot_info mb2_bi;
static uint8_t mb2_rsdp[RSDP_V2_SIZE] __aligned(16);

/* What the tag walk found, resolved once every tag has been seen. */
struct mb2_found {
	const struct mb2_tag *efi_mmap;
	const struct mb2_tag *acpi_old;
	const struct mb2_tag *acpi_new;
	uint64_t efi_st;
	bool have_mmap;
};

/* Problems are printed on the default console: hv_main has not chosen one yet. */
__printf(1, 2) static void mb2_warn(const char *fmt, ...)
{
	static bool console_up;
	char msg[160];
	va_list ap;

	if (!console_up) {
		serial_init(COM1_PORT, COM1_BAUD);
		console_up = true;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_warn("boot: multiboot2: %s\n", msg);
}

static const void *tag_payload(const struct mb2_tag *tag)
{
	return (const uint8_t *)tag + sizeof(*tag);
}

/* Append a range, merging it with the previous one when they touch. */
static void mem_add(struct boot_info *bi, uint64_t base, uint64_t len, uint32_t type)
{
	struct mem_range *prev = bi->mem_count ? &bi->mem[bi->mem_count - 1] : NULL;
	static bool warned;

	if (len == 0)
		return;
	if (base + len < base) {
		mb2_warn("memory range at %#llx wraps around; ignored", (unsigned long long)base);
		return;
	}
	if (prev && prev->type == type && prev->base + prev->len == base) {
		prev->len += len;
		return;
	}
	if (bi->mem_count == BOOT_MAX_MEM_RANGES) {
		if (!warned)
			mb2_warn("more than %u memory ranges; ignoring the rest",
				 BOOT_MAX_MEM_RANGES);
		warned = true;
		return;
	}
	bi->mem[bi->mem_count++] = (struct mem_range){.base = base, .len = len, .type = type};
}

/* 3.6.8: u32 entry_size, u32 entry_version, then the entries. */
static void parse_mmap(struct boot_info *bi, const struct mb2_tag *tag)
{
	const uint32_t *hdr = tag_payload(tag);
	uint32_t esize, count;

	if (tag->size < 16 || hdr[0] < sizeof(struct mb2_mmap_entry) || hdr[0] % 8) {
		mb2_warn("memory map tag malformed (size %u); ignored", tag->size);
		return;
	}
	esize = hdr[0];
	count = (tag->size - 16) / esize;
	for (uint32_t i = 0; i < count; i++) {
		const struct mb2_mmap_entry *e =
		    (const void *)((const uint8_t *)tag + 16 + i * esize);

		mem_add(bi, e->base, e->len, boot_mem_type_from_e820(e->type));
	}
}

/* 3.6.18: u32 descriptor_size, u32 descriptor_version, then the descriptors. */
static void parse_efi_mmap(struct boot_info *bi, const struct mb2_tag *tag)
{
	const uint32_t *hdr = tag_payload(tag);
	uint32_t dsize, count;

	if (tag->size < 16 || hdr[0] < sizeof(struct mb2_efi_mdesc) || hdr[0] % 8) {
		mb2_warn("EFI memory map tag malformed (size %u); ignored", tag->size);
		return;
	}
	dsize = hdr[0];
	count = (tag->size - 16) / dsize;
	for (uint32_t i = 0; i < count; i++) {
		const struct mb2_efi_mdesc *d =
		    (const void *)((const uint8_t *)tag + 16 + i * dsize);

		if (d->num_pages > (~0ULL >> PAGE_SHIFT)) {
			mb2_warn("EFI memory descriptor with %#llx pages; ignored",
				 (unsigned long long)d->num_pages);
			continue;
		}
		mem_add(bi, d->phys_start, d->num_pages << PAGE_SHIFT,
			boot_mem_type_from_efi(d->type));
	}
}

/* Copy the string at [s, s+max) into dst[dsize]; names what it was on trouble. */
static void copy_tag_string(char *dst, size_t dsize, const char *s, size_t max, const char *what)
{
	size_t len = strnlen(s, max);

	if (len == max)
		mb2_warn("%s is not NUL-terminated", what);
	if (len >= dsize) {
		mb2_warn("%s longer than %zu bytes; truncated", what, dsize - 1);
		len = dsize - 1;
	}
	memcpy(dst, s, len);
	dst[len] = '\0';
}

/* 3.6.6: u32 mod_start, u32 mod_end, then the module's string. */
static void parse_module(struct boot_info *bi, const struct mb2_tag *tag)
{
	const uint32_t *hdr = tag_payload(tag);
	struct boot_module *m;

	if (tag->size < 16 || hdr[1] < hdr[0]) {
		mb2_warn("module tag malformed (size %u); ignored", tag->size);
		return;
	}
	if (bi->module_count == BOOT_MAX_MODULES) {
		mb2_warn("more than %u modules; ignoring module at %#x", BOOT_MAX_MODULES, hdr[0]);
		return;
	}
	m = &bi->modules[bi->module_count++];
	m->start = hdr[0];
	m->end = hdr[1];
	copy_tag_string(m->name, sizeof(m->name), (const char *)tag + 16, tag->size - 16,
			"module string");
}

static void parse_tag(struct boot_info *bi, struct mb2_found *f, const struct mb2_tag *tag)
{
	switch (tag->type) {
	case MB2_TAG_CMDLINE:
		copy_tag_string(bi->cmdline, sizeof(bi->cmdline), tag_payload(tag), tag->size - 8,
				"command line");
		break;
	case MB2_TAG_MODULE:
		parse_module(bi, tag);
		break;
	case MB2_TAG_MMAP:
		parse_mmap(bi, tag);
		f->have_mmap = true;
		break;
	case MB2_TAG_EFI_MMAP:
		f->efi_mmap = tag;
		break;
	case MB2_TAG_ACPI_OLD:
		f->acpi_old = tag;
		break;
	case MB2_TAG_ACPI_NEW:
		f->acpi_new = tag;
		break;
	case MB2_TAG_EFI64:
		if (tag->size >= 16)
			f->efi_st = *(const uint64_t *)tag_payload(tag);
		break;
	default: /* tags we do not use */
		break;
	}
}

/* Walk the tags; false when the structure is malformed (what was read stays). */
static bool walk_tags(uint32_t info_phys, struct boot_info *bi, struct mb2_found *f)
{
	const uint8_t *base = (const uint8_t *)(uintptr_t)info_phys;
	uint32_t total, off = sizeof(struct mb2_info_header);

	if (info_phys == 0 || info_phys % 8) {
		mb2_warn("boot information at %#x is not 8-byte aligned", info_phys);
		return false;
	}
	total = ((const struct mb2_info_header *)base)->total_size;
	if (total < 16 || total > MB2_INFO_MAX || (uint64_t)info_phys + total > 4 * GiB) {
		mb2_warn("boot information total size %u is implausible", total);
		return false;
	}
	while (off <= total - sizeof(struct mb2_tag)) {
		const struct mb2_tag *tag = (const void *)(base + off);

		if (tag->type == MB2_TAG_END)
			return true;
		if (tag->size < sizeof(*tag) || tag->size > total - off) {
			mb2_warn("tag type %u at offset %u has bad size %u (structure: %u bytes)",
				 tag->type, off, tag->size, total);
			return false;
		}
		parse_tag(bi, f, tag);
		off += ALIGN_UP(tag->size, 8);
	}
	mb2_warn("no end tag within %u bytes", total);
	return false;
}

/* ACPI 2.0+ RSDP preferred: it carries the XSDT address. */
static void take_rsdp(struct boot_info *bi, const struct mb2_found *f)
{
	const struct mb2_tag *tag = f->acpi_new ? f->acpi_new : f->acpi_old;
	uint32_t len;

	if (!tag)
		return;
	len = tag->size - 8;
	if (len < 20) {
		mb2_warn("ACPI RSDP tag too short (%u bytes); ignored", len);
		return;
	}
	memcpy(mb2_rsdp, tag_payload(tag), MIN(len, (uint32_t)sizeof(mb2_rsdp)));
	bi->rsdp = (uint64_t)(uintptr_t)mb2_rsdp;
}

/*
 * GRUB on UEFI leaves the runtime services in place (it has called
 * ExitBootServices, not SetVirtualAddressMap), so ResetSystem can be called
 * physically.  Both tables are checked by signature before use.
 */
static uint64_t efi_reset_from_st(uint64_t st)
{
	uint64_t rt;

	if (st == 0 || st % 8 || st > 4 * GiB - 128 ||
	    *(const uint64_t *)(uintptr_t)st != EFI_ST_SIGNATURE)
		return 0;
	rt = *(const uint64_t *)(uintptr_t)(st + EFI_ST_RUNTIME);
	if (rt == 0 || rt % 8 || rt > 4 * GiB - 128 ||
	    *(const uint64_t *)(uintptr_t)rt != EFI_RT_SIGNATURE)
		return 0;
	return *(const uint64_t *)(uintptr_t)(rt + EFI_RT_RESET);
}

void mb2_main(uint32_t magic, uint32_t info_phys)
{
	struct boot_info *bi = &mb2_bi;
	struct mb2_found found = {0};

	bi->method = BOOT_MULTIBOOT2;
	bi->image_start = (uint64_t)(uintptr_t)__image_start;
	bi->image_end = (uint64_t)(uintptr_t)__image_end;
	if (magic != MB2_BOOTLOADER_MAGIC)
		mb2_warn("unexpected magic %#x", magic);
	walk_tags(info_phys, bi, &found);
	if (!found.have_mmap && found.efi_mmap)
		parse_efi_mmap(bi, found.efi_mmap);
	if (bi->mem_count == 0) {
		mb2_warn("the loader passed no memory map; cannot continue");
		cpu_halt_forever();
	}
	take_rsdp(bi, &found);
	bi->efi_system_table = found.efi_st;
	bi->efi_reset_system = efi_reset_from_st(found.efi_st);
	hv_main(bi);
}
