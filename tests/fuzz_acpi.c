/*
 * fuzz_acpi.c - libFuzzer target for drivers/acpi.c.
 *
 * The first input byte picks one of two modes:
 *
 *  - raw (bit 0 clear): the next 4 bytes are a base physical address B,
 *    the rest a fake physical memory image starting at B, RSDP at B; table
 *    pointers are physical addresses in [B, B + image size).  This exercises the RSDP and the
 *    pointer chasing, but random bytes rarely pass a checksum.
 *
 *  - tables (bit 0 set): the rest is a list of tables, each a 16-bit
 *    little-endian length and that many bytes.  The harness lays them out,
 *    points an XSDT (bit 1 set) or RSDT at all of them, fixes every table's
 *    checksum over its declared length and builds a valid RSDP, so the
 *    fuzzer spends its time inside the MADT, FADT, DSDT, MCFG and DMAR
 *    decoders.  A FADT whose DSDT or X_DSDT field holds a small number n
 *    gets it replaced by the address of table n.
 *
 * In both modes the map function refuses any range not wholly inside the
 * image, which is its own heap allocation, so a read acpi_parse() makes
 * past what it mapped is an ASan report.  Seeds in tests/corpus/acpi/ are
 * written by test_acpi.c (HV_ACPI_SEEDS=dir).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hv/platform.h>

#define MODE_TABLES 0x01
#define MODE_XSDT   0x02
#define MAX_TABLES  32
#define ROOT_OFF    64
#define TABLES_OFF  (ROOT_OFF + 36 + 8 * MAX_TABLES)
#define FADT_DSDT   40
#define FADT_X_DSDT 140

struct image {
	uint8_t *data;
	size_t size;
	uint64_t base;
};

static const void *image_map(uint64_t phys, uint64_t len, void *ctx)
{
	const struct image *img = ctx;

	if (phys < img->base || phys - img->base >= img->size ||
	    len > img->size - (phys - img->base))
		return NULL;
	return img->data + (phys - img->base);
}

static void ignore_warning(const char *msg)
{
	/* read the whole message, so a bad string is an ASan report */
	volatile size_t n = strlen(msg);
	(void)n;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void fix_sum(uint8_t *p, size_t len, size_t at)
{
	uint8_t s = 0;

	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	p[at] = (uint8_t)(0 - s);
}

/* Replace a FADT's small DSDT/X_DSDT values by the address of that table. */
static void link_dsdt(uint8_t *t, size_t len, const size_t *off, int n)
{
	if (len < 36 || memcmp(t, "FACP", 4) != 0)
		return;
	if (len >= FADT_DSDT + 4 && get_le(t + FADT_DSDT, 4) < (uint64_t)n)
		put_le(t + FADT_DSDT, off[get_le(t + FADT_DSDT, 4)], 4);
	if (len >= FADT_X_DSDT + 8 && get_le(t + FADT_X_DSDT, 8) < (uint64_t)n)
		put_le(t + FADT_X_DSDT, off[get_le(t + FADT_X_DSDT, 8)], 8);
}

/* Split the input into tables and note where each goes in the image. */
static int split_tables(const uint8_t *in, size_t size, size_t *src, size_t *len, size_t *off,
			size_t *total)
{
	size_t pos = 0, at = TABLES_OFF;
	int n = 0;

	while (n < MAX_TABLES && size - pos >= 2) {
		size_t l = (size_t)get_le(in + pos, 2);

		pos += 2;
		if (l > size - pos)
			l = size - pos;
		src[n] = pos;
		len[n] = l;
		off[n] = at;
		at += (l + 15) & ~(size_t)15;
		pos += l;
		n++;
	}
	*total = at;
	return n;
}

static void build_rsdp(uint8_t *img, size_t root, bool xsdt)
{
	memcpy(img, "RSD PTR ", 8);
	memcpy(img + 9, "FUZZER", 6);
	img[15] = 2;
	put_le(img + 16, xsdt ? 0 : root, 4);
	put_le(img + 20, 36, 4);
	put_le(img + 24, xsdt ? root : 0, 8);
	fix_sum(img, 20, 8);
	fix_sum(img, 36, 32);
}

/* Lay out tables-mode input as described at the top; NULL when empty. */
static uint8_t *build_tables(const uint8_t *in, size_t size, uint8_t mode, size_t *img_size)
{
	size_t src[MAX_TABLES], len[MAX_TABLES], off[MAX_TABLES], total;
	int n = split_tables(in, size, src, len, off, &total);
	bool xsdt = mode & MODE_XSDT;
	size_t esz = xsdt ? 8 : 4, rlen = 36 + esz * (size_t)n;
	uint8_t *img = calloc(1, total);

	memcpy(img + ROOT_OFF, xsdt ? "XSDT" : "RSDT", 4);
	put_le(img + ROOT_OFF + 4, rlen, 4);
	for (int i = 0; i < n; i++) {
		memcpy(img + off[i], in + src[i], len[i]);
		link_dsdt(img + off[i], len[i], off, n);
		put_le(img + ROOT_OFF + 36 + esz * (size_t)i, off[i], (int)esz);
	}
	/* last first: a table whose length runs into the next one sums its final bytes */
	for (int i = n - 1; i >= 0; i--) {
		size_t decl = len[i] >= 8 ? (size_t)get_le(img + off[i] + 4, 4) : 0;

		if (len[i] >= 10 && decl <= total - off[i])
			fix_sum(img + off[i], decl, 9);
	}
	fix_sum(img + ROOT_OFF, rlen, 9);
	build_rsdp(img, ROOT_OFF, xsdt);
	*img_size = total;
	return img;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct platform plat;
	struct image img = {.base = 0};

	if (size < 1)
		return 0;
	if (data[0] & MODE_TABLES) {
		img.data = build_tables(data + 1, size - 1, data[0], &img.size);
	} else {
		if (size < 5)
			return 0;
		img.base = get_le(data + 1, 4);
		img.size = size - 5;
		img.data = malloc(img.size ? img.size : 1);
		memcpy(img.data, data + 5, img.size);
	}
	if (acpi_parse(img.base, image_map, &img, &plat, ignore_warning)) {
		if (plat.cpu_count > PLAT_MAX_CPUS || plat.ioapic_count > PLAT_MAX_IOAPICS ||
		    plat.iso_count > PLAT_MAX_ISOS || plat.mcfg_count > PLAT_MAX_MCFG ||
		    plat.drhd_count > PLAT_MAX_DRHD || plat.oem_id[6] != '\0')
			abort();
	}
	free(img.data);
	return 0;
}
