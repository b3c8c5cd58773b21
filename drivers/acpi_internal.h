/*
 * acpi_internal.h - what the ACPI table code in drivers/acpi*.c shares and
 * nothing else uses: bounded byte views of table memory, the state of one
 * acpi_parse() walk, and the entry points of the per-table decoders.
 *
 *   acpi.c         RSDP, XSDT/RSDT, table validation, dispatch
 *   acpi_tables.c  MADT, FADT (+ DSDT), MCFG, DMAR decoders
 *   acpi_aml.c     the \_S5 package in the DSDT's AML
 */
#ifndef DRIVERS_ACPI_INTERNAL_H
#define DRIVERS_ACPI_INTERNAL_H

#include <hv/platform.h>

#define SDT_HDR_LEN 36 /* system description table header (ACPI 5.2.6) */

/* The fixed part each decoder reads; a shorter table is skipped. */
#define ACPI_MADT_MIN_LEN 44  /* header, LAPIC address, flags */
#define ACPI_FADT_MIN_LEN 116 /* ACPI 1.0: up to and including Flags */
#define ACPI_MCFG_MIN_LEN 44  /* header, reserved */
#define ACPI_DMAR_MIN_LEN 48  /* header, width, flags, reserved */

/* A bounded view of table bytes: readers never look past len. */
struct acpi_buf {
	const uint8_t *p;
	uint32_t len;
};

struct acpi_walk {
	acpi_map_fn map;
	void *ctx;
	struct platform *plat;
	void (*warn)(const char *msg);
	bool cpus_full_warned;
};

/* Little-endian read of n bytes at off; 0 when any byte lies outside b. */
static inline uint64_t buf_get(const struct acpi_buf *b, uint32_t off, uint32_t n)
{
	uint64_t v = 0;

	if (off > b->len || n > b->len - off)
		return 0;
	for (uint32_t i = n; i > 0; i--)
		v = (v << 8) | b->p[off + i - 1];
	return v;
}

static inline uint8_t buf_u8(const struct acpi_buf *b, uint32_t off)
{
	return (uint8_t)buf_get(b, off, 1);
}
static inline uint16_t buf_u16(const struct acpi_buf *b, uint32_t off)
{
	return (uint16_t)buf_get(b, off, 2);
}
static inline uint32_t buf_u32(const struct acpi_buf *b, uint32_t off)
{
	return (uint32_t)buf_get(b, off, 4);
}
static inline uint64_t buf_u64(const struct acpi_buf *b, uint32_t off)
{
	return buf_get(b, off, 8);
}

/* The sub-range [off, off+len) of b, clipped to b. */
static inline struct acpi_buf buf_sub(const struct acpi_buf *b, uint32_t off, uint32_t len)
{
	struct acpi_buf s = {.p = b->p, .len = 0};

	if (off <= b->len) {
		s.p = b->p + off;
		s.len = MIN(len, b->len - off);
	}
	return s;
}

/* Report a problem through the caller's warn callback (acpi.c). */
__printf(2, 3) void acpi_warnf(struct acpi_walk *w, const char *fmt, ...);

/*
 * acpi_table_load - map and validate the table at phys, whose signature must
 * be sig: length within [36, 16 MiB), all of it readable, checksum zero.
 * Warns and returns false otherwise (acpi.c).
 */
bool acpi_table_load(struct acpi_walk *w, uint64_t phys, const char *sig, struct acpi_buf *t);

/* Decoders of validated tables at least ACPI_*_MIN_LEN long (acpi_tables.c). */
void acpi_madt_parse(struct acpi_walk *w, const struct acpi_buf *t);
void acpi_fadt_parse(struct acpi_walk *w, const struct acpi_buf *t);
void acpi_mcfg_parse(struct acpi_walk *w, const struct acpi_buf *t);
void acpi_dmar_parse(struct acpi_walk *w, const struct acpi_buf *t);

/*
 * acpi_aml_find_s5 - find Name(_S5_, Package() {SLP_TYPa, SLP_TYPb, ...})
 * in a validated DSDT (acpi_aml.c).  False when there is none or it is
 * malformed.
 */
bool acpi_aml_find_s5(const struct acpi_buf *dsdt, uint8_t *typa, uint8_t *typb);

#endif
