/*
 * acpi_rsdp.c - find the ACPI RSDP the legacy way, for loaders that do not
 * pass it (multiboot version 1 has no field for it).
 *
 * ACPI 6.5 section 5.2.5.1 ("Finding the RSDP on IA-PC Systems"): the
 * structure lies on a 16-byte boundary either in the first 1 KiB of the
 * Extended BIOS Data Area, whose real-mode segment is the 16-bit word at
 * physical 0x40E, or in the BIOS read-only area 0xE0000-0xFFFFF.  A
 * candidate counts when its signature and the checksum of its first 20
 * bytes (and, from revision 2, of its whole length) are right.  UEFI
 * machines need not have either area; the UEFI paths take the RSDP from
 * the EFI configuration table instead.
 */
#include <hv/lib.h>
#include <hv/platform.h>

#define RSDP_SIG	  "RSD PTR "
#define RSDP_V1_LEN	  20
#define RSDP_V2_LEN	  36
#define RSDP_OFF_REVISION 15
#define RSDP_OFF_LENGTH	  20
#define BDA_EBDA_SEGMENT  0x40e
#define EBDA_SEARCH_LEN	  1024
#define EBDA_LOWEST	  0x80000 /* below this a segment value is not an EBDA */
#define EBDA_HIGHEST	  0xa0000
#define BIOS_AREA_START	  0xe0000
#define BIOS_AREA_END	  0x100000

static uint8_t sum_bytes(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

/* A valid RSDP at phys (ACPI 5.2.5.3), read through map. */
static bool rsdp_valid(uint64_t phys, acpi_map_fn map, void *ctx)
{
	const uint8_t *p = map(phys, RSDP_V1_LEN, ctx);
	uint32_t len;

	if (!p || memcmp(p, RSDP_SIG, 8) != 0 || sum_bytes(p, RSDP_V1_LEN) != 0)
		return false;
	if (p[RSDP_OFF_REVISION] < 2)
		return true;
	p = map(phys, RSDP_V2_LEN, ctx);
	if (!p)
		return false;
	memcpy(&len, p + RSDP_OFF_LENGTH, sizeof(len));
	if (len < RSDP_V2_LEN || len > 4096)
		return false;
	p = map(phys, len, ctx);
	return p && sum_bytes(p, len) == 0;
}

/* The first valid RSDP on a 16-byte boundary in [start, end), or 0. */
static uint64_t rsdp_scan(uint64_t start, uint64_t end, acpi_map_fn map, void *ctx)
{
	for (uint64_t a = ALIGN_UP(start, 16); a + RSDP_V1_LEN <= end; a += 16) {
		if (rsdp_valid(a, map, ctx))
			return a;
	}
	return 0;
}

uint64_t acpi_find_rsdp_legacy(acpi_map_fn map, void *ctx)
{
	const uint8_t *bda = map(BDA_EBDA_SEGMENT, 2, ctx);
	uint64_t rsdp = 0;

	if (bda) {
		uint64_t ebda = (uint64_t)(bda[0] | bda[1] << 8) << 4;

		if (ebda >= EBDA_LOWEST && ebda < EBDA_HIGHEST)
			rsdp = rsdp_scan(ebda, MIN(ebda + EBDA_SEARCH_LEN, EBDA_HIGHEST), map, ctx);
	}
	if (!rsdp)
		rsdp = rsdp_scan(BIOS_AREA_START, BIOS_AREA_END, map, ctx);
	return rsdp;
}
