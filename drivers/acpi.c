/*
 * acpi.c - ACPI table parsing: RSDP -> XSDT/RSDT -> MADT, FADT (+ the
 * DSDT's \_S5 package), MCFG and DMAR, summarised into struct platform.
 * This file finds and validates tables; acpi_tables.c and acpi_aml.c decode
 * them (see acpi_internal.h).
 *
 * Firmware tables are input we do not control, so nothing here is trusted:
 * every table is read through the caller's map function, its signature,
 * length and checksum are checked before any field is used, and every read
 * goes through a reader bounded by the table (or entry) length, which yields
 * 0 past the end.  A table that fails a check is skipped with a warning
 * naming it.  The code has no globals and prints nothing itself, so host
 * unit tests and a fuzzer run it on table images built in memory.
 *
 * References: ACPI 6.5 section 5.2.5 (RSDP), 5.2.6 (SDT header), 5.2.7/8
 * (RSDT, XSDT).
 */
#include <hv/lib.h>
#include "acpi_internal.h"

/* RSDP (ACPI 5.2.5.3) */
#define RSDP_SIG	  "RSD PTR "
#define RSDP_V1_LEN	  20
#define RSDP_V2_LEN	  36
#define RSDP_MAX_LEN	  4096 /* the v2 structure is 36 bytes; anything huge is corrupt */
#define RSDP_OFF_OEMID	  9
#define RSDP_OFF_REVISION 15
#define RSDP_OFF_RSDT	  16
#define RSDP_OFF_LENGTH	  20
#define RSDP_OFF_XSDT	  24

/* System description table header (ACPI 5.2.6) */
#define SDT_MAX_LEN	 (16 * 1024 * 1024) /* no sane table comes near this */
#define SDT_OFF_LENGTH	 4
#define ROOT_MAX_ENTRIES 1024

void acpi_warnf(struct acpi_walk *w, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (!w->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->warn(msg);
}

static uint8_t checksum(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum;
}

/* Copy a 4-character signature for messages, replacing unprintable bytes. */
static void sig_str(const uint8_t *p, char out[5])
{
	for (int i = 0; i < 4; i++)
		out[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	out[4] = '\0';
}

/* Signatures are upper-case letters, digits and '_' (ACPI 5.2.6 table 5.5). */
static bool sig_valid(const uint8_t *p)
{
	for (int i = 0; i < 4; i++) {
		uint8_t c = p[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/*
 * Read the signature of the table at phys into sig (5 bytes); false when the
 * header cannot be mapped or the signature is not a valid one.
 */
static bool table_peek_sig(struct acpi_walk *w, uint64_t phys, char sig[5])
{
	const uint8_t *hdr = w->map(phys, SDT_HDR_LEN, w->ctx);

	if (!hdr) {
		acpi_warnf(w, "table at %#llx: unreadable, skipped", (unsigned long long)phys);
		return false;
	}
	sig_str(hdr, sig);
	if (!sig_valid(hdr)) {
		acpi_warnf(w, "table at %#llx: bad signature '%s', skipped",
			   (unsigned long long)phys, sig);
		return false;
	}
	return true;
}

/*
 * Map and validate the table at phys whose signature must be sig: header
 * length within [36, 16 MiB), whole table readable, checksum zero.
 */
bool acpi_table_load(struct acpi_walk *w, uint64_t phys, const char *sig, struct acpi_buf *t)
{
	struct acpi_buf hdr = {.len = SDT_HDR_LEN};
	char got[5];
	const uint8_t *p;
	uint32_t len;

	if (!table_peek_sig(w, phys, got))
		return false;
	if (memcmp(got, sig, 4) != 0) {
		acpi_warnf(w, "%s at %#llx: signature is '%s', skipped", sig,
			   (unsigned long long)phys, got);
		return false;
	}
	hdr.p = w->map(phys, SDT_HDR_LEN, w->ctx);
	len = hdr.p ? buf_u32(&hdr, SDT_OFF_LENGTH) : 0;
	if (len < SDT_HDR_LEN || len >= SDT_MAX_LEN) {
		acpi_warnf(w, "%s at %#llx: bad length %u, skipped", sig, (unsigned long long)phys,
			   len);
		return false;
	}
	p = w->map(phys, len, w->ctx);
	if (!p) {
		acpi_warnf(w, "%s at %#llx: %u bytes unreadable, skipped", sig,
			   (unsigned long long)phys, len);
		return false;
	}
	if (checksum(p, len) != 0) {
		acpi_warnf(w, "%s at %#llx: bad checksum, skipped", sig, (unsigned long long)phys);
		return false;
	}
	t->p = p;
	t->len = len;
	return true;
}

/*
 * Load and decode a table we use, at least min_len bytes long (the fixed
 * part its decoder reads).  The first valid instance wins, as in Linux;
 * seen (NULL for tables that may repeat) says it was already decoded.
 */
static void table_use(struct acpi_walk *w, uint64_t phys, const char *sig, uint32_t min_len,
		      const bool *seen,
		      void (*parse)(struct acpi_walk *w, const struct acpi_buf *t))
{
	struct acpi_buf t;

	if (seen && *seen) {
		acpi_warnf(w, "%s at %#llx: duplicate, ignored", sig, (unsigned long long)phys);
		return;
	}
	if (!acpi_table_load(w, phys, sig, &t))
		return;
	if (t.len < min_len) {
		acpi_warnf(w, "%s at %#llx: too short (%u bytes), skipped", sig,
			   (unsigned long long)phys, t.len);
		return;
	}
	parse(w, &t);
}

/* One entry of the root table: dispatch on the signature, ignore the rest. */
static void root_entry(struct acpi_walk *w, uint64_t phys)
{
	struct platform *plat = w->plat;
	char sig[5];

	if (!table_peek_sig(w, phys, sig))
		return;
	if (!strcmp(sig, "APIC"))
		table_use(w, phys, "APIC", ACPI_MADT_MIN_LEN, &plat->has_madt, acpi_madt_parse);
	else if (!strcmp(sig, "FACP"))
		table_use(w, phys, "FACP", ACPI_FADT_MIN_LEN, &plat->has_fadt, acpi_fadt_parse);
	else if (!strcmp(sig, "DMAR"))
		table_use(w, phys, "DMAR", ACPI_DMAR_MIN_LEN, &plat->has_dmar, acpi_dmar_parse);
	else if (!strcmp(sig, "MCFG"))
		table_use(w, phys, "MCFG", ACPI_MCFG_MIN_LEN, NULL, acpi_mcfg_parse);
}

static bool root_walk(struct acpi_walk *w, uint64_t phys, bool is_xsdt)
{
	const char *sig = is_xsdt ? "XSDT" : "RSDT";
	uint32_t esz = is_xsdt ? 8 : 4, n;
	struct acpi_buf t;

	if (!acpi_table_load(w, phys, sig, &t))
		return false;
	n = (t.len - SDT_HDR_LEN) / esz;
	if (n > ROOT_MAX_ENTRIES) {
		acpi_warnf(w, "%s: %u entries, only the first %u used", sig, n, ROOT_MAX_ENTRIES);
		n = ROOT_MAX_ENTRIES;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint64_t entry = buf_get(&t, SDT_HDR_LEN + i * esz, esz);

		if (!entry) {
			acpi_warnf(w, "%s: entry %u is a null pointer, skipped", sig, i);
			continue;
		}
		root_entry(w, entry);
	}
	return true;
}

/* Copy the OEM ID for printing: unprintable bytes become '?', trailing blanks go. */
static void oem_str(const uint8_t *p, char out[7])
{
	int i;

	for (i = 0; i < 6; i++)
		out[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	out[6] = '\0';
	while (i > 0 && (out[i - 1] == ' ' || out[i - 1] == '?'))
		out[--i] = '\0';
}

/*
 * Validate the RSDP (ACPI 5.2.5.3): signature and the 20-byte checksum; for
 * revision >= 2 also the length and extended checksum, which cover the XSDT
 * pointer.  Sets *xsdt (0 when it must not be used) and *rsdt.
 */
static bool rsdp_parse(struct acpi_walk *w, uint64_t phys, uint64_t *rsdt, uint64_t *xsdt)
{
	struct acpi_buf b = {.p = w->map(phys, RSDP_V1_LEN, w->ctx), .len = RSDP_V1_LEN};
	uint32_t len;

	if (!b.p) {
		acpi_warnf(w, "RSDP at %#llx: unreadable", (unsigned long long)phys);
		return false;
	}
	if (memcmp(b.p, RSDP_SIG, 8) != 0) {
		acpi_warnf(w, "RSDP at %#llx: bad signature", (unsigned long long)phys);
		return false;
	}
	if (checksum(b.p, RSDP_V1_LEN) != 0) {
		acpi_warnf(w, "RSDP at %#llx: bad checksum", (unsigned long long)phys);
		return false;
	}
	w->plat->acpi_revision = buf_u8(&b, RSDP_OFF_REVISION);
	oem_str(b.p + RSDP_OFF_OEMID, w->plat->oem_id);
	*rsdt = buf_u32(&b, RSDP_OFF_RSDT);
	*xsdt = 0;
	if (w->plat->acpi_revision < 2)
		return true;
	b.p = w->map(phys, RSDP_V2_LEN, w->ctx);
	b.len = RSDP_V2_LEN;
	len = b.p ? buf_u32(&b, RSDP_OFF_LENGTH) : 0;
	if (len >= RSDP_V2_LEN && len <= RSDP_MAX_LEN)
		b.p = w->map(phys, len, w->ctx);
	if (len < RSDP_V2_LEN || len > RSDP_MAX_LEN || !b.p || checksum(b.p, len) != 0) {
		acpi_warnf(w, "RSDP at %#llx: bad extended length (%u) or checksum, XSDT not used",
			   (unsigned long long)phys, len);
		return true;
	}
	*xsdt = buf_u64(&b, RSDP_OFF_XSDT);
	return true;
}

bool acpi_parse(uint64_t rsdp, acpi_map_fn map, void *ctx, struct platform *plat,
		void (*warn)(const char *msg))
{
	struct acpi_walk w = {.map = map, .ctx = ctx, .plat = plat, .warn = warn};
	uint64_t rsdt, xsdt;

	memset(plat, 0, sizeof(*plat));
	if (!rsdp_parse(&w, rsdp, &rsdt, &xsdt))
		return false;
	plat->has_acpi = true;
	/* Prefer the XSDT (64-bit pointers); fall back to the RSDT if it is bad. */
	if (xsdt && root_walk(&w, xsdt, true))
		return true;
	if (!rsdt)
		acpi_warnf(&w, "RSDP: no usable RSDT or XSDT");
	else if (!root_walk(&w, rsdt, false))
		acpi_warnf(&w, "RSDP: no usable RSDT or XSDT");
	return true;
}
