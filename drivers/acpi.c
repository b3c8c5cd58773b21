/*
 * acpi.c - ACPI table parsing: RSDP -> XSDT/RSDT -> MADT, FADT (+ the
 * DSDT's \_S5 package), MCFG and DMAR, summarised into struct platform.
 *
 * Firmware tables are input we do not control, so nothing here is trusted:
 * every table is read through the caller's map function, its signature,
 * length and checksum are checked before any field is used, and every read
 * goes through a reader bounded by the table (or entry) length, which yields
 * 0 past the end.  A table that fails a check is skipped with a warning
 * naming it.  The file has no globals and prints nothing itself, so host unit
 * tests and a fuzzer run it on table images built in memory.
 *
 * References: ACPI 6.5 section 5.2 (RSDP, SDT header, FADT, MADT), 5.2.3.2
 * (GAS), 20.2 (AML grammar: NameOp, PackageOp, PkgLength, data objects);
 * PCI Firmware 3.3 section 4.1.2 (MCFG); Intel VT-d 4.x chapter 8 (DMAR).
 */
#include <hv/lib.h>
#include <hv/platform.h>

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
#define SDT_HDR_LEN	 36
#define SDT_MAX_LEN	 (16 * 1024 * 1024) /* no sane table comes near this */
#define SDT_OFF_LENGTH	 4
#define ROOT_MAX_ENTRIES 1024

/* MADT (ACPI 5.2.12) */
#define MADT_OFF_LAPIC	    36
#define MADT_OFF_FLAGS	    40
#define MADT_OFF_ENTRIES    44
#define MADT_PCAT_COMPAT    BIT(0)
#define MADT_LAPIC	    0
#define MADT_IOAPIC	    1
#define MADT_ISO	    2
#define MADT_LAPIC_OVERRIDE 5
#define MADT_X2APIC	    9
#define MADT_CPU_ENABLED    BIT(0)
#define MADT_CPU_ONLINE_CAP BIT(1)
#define MADT_DEFAULT_LAPIC  0xFEE00000ULL

/* FADT (ACPI 5.2.9); the X_ fields exist only when the table is long enough */
#define FADT_OFF_DSDT	     40
#define FADT_OFF_SCI_INT     46
#define FADT_OFF_SMI_CMD     48
#define FADT_OFF_ACPI_ENABLE 52
#define FADT_OFF_PM1A_CNT    64
#define FADT_OFF_PM1B_CNT    68
#define FADT_OFF_PM_TMR	     76
#define FADT_OFF_FLAGS	     112
#define FADT_OFF_RESET_REG   116
#define FADT_OFF_RESET_VALUE 128
#define FADT_OFF_X_DSDT	     140
#define FADT_OFF_X_PM1A_CNT  172
#define FADT_OFF_X_PM1B_CNT  184
#define FADT_OFF_X_PM_TMR    208
#define FADT_TMR_VAL_EXT     BIT(8)
#define FADT_RESET_REG_SUP   BIT(10)
#define FADT_HW_REDUCED	     BIT(20)
#define GAS_LEN		     12
#define GAS_SPACE_MEMORY     0
#define GAS_SPACE_IO	     1
#define GAS_SPACE_PCI	     2

/* AML encoding (ACPI 20.2) */
#define AML_ZERO_OP	 0x00
#define AML_ONE_OP	 0x01
#define AML_NAME_OP	 0x08
#define AML_BYTE_PREFIX	 0x0A
#define AML_WORD_PREFIX	 0x0B
#define AML_DWORD_PREFIX 0x0C
#define AML_QWORD_PREFIX 0x0E
#define AML_PACKAGE_OP	 0x12
#define AML_ROOT_CHAR	 '\\'
#define AML_ONES_OP	 0xFF

/* MCFG (PCI Firmware 4.1.2) */
#define MCFG_OFF_ENTRIES 44
#define MCFG_ENTRY_LEN	 16

/* DMAR (VT-d 8.1) */
#define DMAR_OFF_HAW	   36
#define DMAR_OFF_FLAGS	   37
#define DMAR_OFF_ENTRIES   48
#define DMAR_DRHD	   0
#define DMAR_RMRR	   1
#define DMAR_DRHD_MIN_LEN  16
#define DMAR_SCOPE_MIN_LEN 6

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

__printf(2, 3) static void acpi_warn(struct acpi_walk *w, const char *fmt, ...)
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

/* Little-endian read of n bytes at off; 0 when any byte lies outside b. */
static uint64_t buf_get(const struct acpi_buf *b, uint32_t off, uint32_t n)
{
	uint64_t v = 0;

	if (off > b->len || n > b->len - off)
		return 0;
	for (uint32_t i = n; i > 0; i--)
		v = (v << 8) | b->p[off + i - 1];
	return v;
}

static uint8_t buf_u8(const struct acpi_buf *b, uint32_t off)
{
	return (uint8_t)buf_get(b, off, 1);
}
static uint16_t buf_u16(const struct acpi_buf *b, uint32_t off)
{
	return (uint16_t)buf_get(b, off, 2);
}
static uint32_t buf_u32(const struct acpi_buf *b, uint32_t off)
{
	return (uint32_t)buf_get(b, off, 4);
}
static uint64_t buf_u64(const struct acpi_buf *b, uint32_t off)
{
	return buf_get(b, off, 8);
}

/* The sub-range [off, off+len) of b, clipped to b. */
static struct acpi_buf buf_sub(const struct acpi_buf *b, uint32_t off, uint32_t len)
{
	struct acpi_buf s = {.p = b->p, .len = 0};

	if (off <= b->len) {
		s.p = b->p + off;
		s.len = MIN(len, b->len - off);
	}
	return s;
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
		acpi_warn(w, "table at %#llx: unreadable, skipped", (unsigned long long)phys);
		return false;
	}
	sig_str(hdr, sig);
	if (!sig_valid(hdr)) {
		acpi_warn(w, "table at %#llx: bad signature '%s', skipped",
			  (unsigned long long)phys, sig);
		return false;
	}
	return true;
}

/*
 * Map and validate the table at phys whose signature must be sig: header
 * length within [36, 16 MiB), whole table readable, checksum zero.
 */
static bool table_load(struct acpi_walk *w, uint64_t phys, const char *sig, struct acpi_buf *t)
{
	struct acpi_buf hdr = {.len = SDT_HDR_LEN};
	char got[5];
	const uint8_t *p;
	uint32_t len;

	if (!table_peek_sig(w, phys, got))
		return false;
	if (memcmp(got, sig, 4) != 0) {
		acpi_warn(w, "%s at %#llx: signature is '%s', skipped", sig,
			  (unsigned long long)phys, got);
		return false;
	}
	hdr.p = w->map(phys, SDT_HDR_LEN, w->ctx);
	len = hdr.p ? buf_u32(&hdr, SDT_OFF_LENGTH) : 0;
	if (len < SDT_HDR_LEN || len >= SDT_MAX_LEN) {
		acpi_warn(w, "%s at %#llx: bad length %u, skipped", sig, (unsigned long long)phys,
			  len);
		return false;
	}
	p = w->map(phys, len, w->ctx);
	if (!p) {
		acpi_warn(w, "%s at %#llx: %u bytes unreadable, skipped", sig,
			  (unsigned long long)phys, len);
		return false;
	}
	if (checksum(p, len) != 0) {
		acpi_warn(w, "%s at %#llx: bad checksum, skipped", sig, (unsigned long long)phys);
		return false;
	}
	t->p = p;
	t->len = len;
	return true;
}

/* ---- MADT ---- */

static void madt_add_cpu(struct acpi_walk *w, uint32_t apic_id, uint32_t uid, uint32_t flags)
{
	struct platform *plat = w->plat;

	if (!(flags & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAP))) {
		plat->cpus_disabled++;
		return;
	}
	/* Firmware may list a CPU both as LAPIC and as x2APIC (ACPI 5.2.12.12). */
	for (uint32_t i = 0; i < plat->cpu_count; i++)
		if (plat->cpus[i].apic_id == apic_id)
			return;
	if (plat->cpu_count == PLAT_MAX_CPUS) {
		if (!w->cpus_full_warned)
			acpi_warn(w, "MADT: more than %u cpus, the rest ignored", PLAT_MAX_CPUS);
		w->cpus_full_warned = true;
		return;
	}
	plat->cpus[plat->cpu_count].apic_id = apic_id;
	plat->cpus[plat->cpu_count].acpi_uid = uid;
	plat->cpu_count++;
}

static void madt_add_ioapic(struct acpi_walk *w, const struct acpi_buf *e)
{
	struct platform *plat = w->plat;
	struct plat_ioapic *io;

	if (plat->ioapic_count == PLAT_MAX_IOAPICS) {
		acpi_warn(w, "MADT: more than %u IOAPICs, IOAPIC %u ignored", PLAT_MAX_IOAPICS,
			  buf_u8(e, 2));
		return;
	}
	io = &plat->ioapics[plat->ioapic_count++];
	io->id = buf_u8(e, 2);
	io->address = buf_u32(e, 4);
	io->gsi_base = buf_u32(e, 8);
}

static void madt_add_iso(struct acpi_walk *w, const struct acpi_buf *e)
{
	struct platform *plat = w->plat;
	struct plat_iso *iso;

	if (plat->iso_count == PLAT_MAX_ISOS) {
		acpi_warn(w, "MADT: more than %u interrupt overrides, IRQ %u ignored",
			  PLAT_MAX_ISOS, buf_u8(e, 3));
		return;
	}
	iso = &plat->isos[plat->iso_count++];
	iso->bus = buf_u8(e, 2);
	iso->source = buf_u8(e, 3);
	iso->gsi = buf_u32(e, 4);
	iso->flags = buf_u16(e, 8);
}

/* Minimum length of each MADT entry type we decode (ACPI 5.2.12.2-5.2.12.12). */
static uint32_t madt_entry_min_len(uint8_t type)
{
	switch (type) {
	case MADT_LAPIC:
		return 8;
	case MADT_IOAPIC:
	case MADT_LAPIC_OVERRIDE:
		return 12;
	case MADT_ISO:
		return 10;
	case MADT_X2APIC:
		return 16;
	default:
		return 2; /* NMI sources and newer types: not needed, skipped */
	}
}

static void madt_entry(struct acpi_walk *w, const struct acpi_buf *e, uint32_t off)
{
	uint8_t type = buf_u8(e, 0);

	if (e->len < madt_entry_min_len(type)) {
		acpi_warn(w, "MADT: entry type %u at offset %u too short (%u bytes), skipped", type,
			  off, e->len);
		return;
	}
	switch (type) {
	case MADT_LAPIC:
		/* APIC ID 0xFF means "not present" in xAPIC terms */
		if (buf_u8(e, 3) != 0xFF)
			madt_add_cpu(w, buf_u8(e, 3), buf_u8(e, 2), buf_u32(e, 4));
		break;
	case MADT_X2APIC:
		madt_add_cpu(w, buf_u32(e, 4), buf_u32(e, 12), buf_u32(e, 8));
		break;
	case MADT_IOAPIC:
		madt_add_ioapic(w, e);
		break;
	case MADT_ISO:
		madt_add_iso(w, e);
		break;
	case MADT_LAPIC_OVERRIDE:
		w->plat->lapic_base = buf_u64(e, 4);
		break;
	default:
		break;
	}
}

static void madt_parse(struct acpi_walk *w, const struct acpi_buf *t)
{
	struct platform *plat = w->plat;
	uint32_t off, elen;
	bool override_seen = false;

	plat->has_madt = true;
	plat->lapic_base = buf_u32(t, MADT_OFF_LAPIC);
	plat->pcat_compat = buf_u32(t, MADT_OFF_FLAGS) & MADT_PCAT_COMPAT;
	for (off = MADT_OFF_ENTRIES; off < t->len; off += elen) {
		struct acpi_buf e;

		elen = buf_u8(t, off + 1);
		if (t->len - off < 2 || elen < 2 || elen > t->len - off) {
			acpi_warn(w, "MADT: entry at offset %u has bad length %u, rest ignored",
				  off, elen);
			break;
		}
		e = buf_sub(t, off, elen);
		if (buf_u8(&e, 0) == MADT_LAPIC_OVERRIDE)
			override_seen = true;
		madt_entry(w, &e, off);
	}
	if (!plat->lapic_base) {
		if (override_seen)
			acpi_warn(w, "MADT: LAPIC address override is 0, using default");
		plat->lapic_base = MADT_DEFAULT_LAPIC;
	}
}

/* ---- FADT and the DSDT's \_S5 ---- */

static bool gas_read(const struct acpi_buf *t, uint32_t off, struct acpi_gas *g)
{
	if (off > t->len || t->len - off < GAS_LEN)
		return false;
	g->space = buf_u8(t, off);
	g->bit_width = buf_u8(t, off + 1);
	g->bit_offset = buf_u8(t, off + 2);
	g->access_size = buf_u8(t, off + 3);
	g->address = buf_u64(t, off + 4);
	return true;
}

/*
 * An I/O port block: the X_ GAS when present, nonzero and in I/O space
 * (ACPI 5.2.9: X_ fields supersede the 32-bit ones), else the 32-bit field.
 * Ports are 16 bits wide; anything larger is corrupt and dropped.
 */
static uint32_t fadt_port(struct acpi_walk *w, const struct acpi_buf *t, uint32_t off32,
			  uint32_t offx, const char *name)
{
	struct acpi_gas g;
	uint32_t port = buf_u32(t, off32);

	if (gas_read(t, offx, &g) && g.address && g.space == GAS_SPACE_IO && g.address <= 0xFFFF)
		port = (uint32_t)g.address;
	if (port > 0xFFFF) {
		acpi_warn(w, "FADT: %s port %#x out of range, ignored", name, port);
		port = 0;
	}
	return port;
}

/* Decode an AML PkgLength at *pos (ACPI 20.2.4); false when malformed. */
static bool aml_pkg_length(const struct acpi_buf *b, uint32_t *pos, uint32_t *len)
{
	uint32_t start = *pos, lead, nbytes;

	if (*pos >= b->len)
		return false;
	lead = b->p[*pos];
	nbytes = lead >> 6;
	if (b->len - *pos < 1 + nbytes)
		return false;
	if (nbytes == 0) {
		*len = lead & 0x3F;
	} else {
		*len = lead & 0x0F;
		for (uint32_t i = 1; i <= nbytes; i++)
			*len |= (uint32_t)b->p[*pos + i] << (4 + 8 * (i - 1));
	}
	*pos += 1 + nbytes;
	/* the length counts from the PkgLength byte itself */
	return *len >= 1 + nbytes && *len <= b->len - start;
}

/* Decode one integer data object at *pos, within b (ACPI 20.2.3). */
static bool aml_integer(const struct acpi_buf *b, uint32_t *pos, uint64_t *val)
{
	uint32_t size;

	if (*pos >= b->len)
		return false;
	switch (b->p[*pos]) {
	case AML_ZERO_OP:
		*val = 0;
		*pos += 1;
		return true;
	case AML_ONE_OP:
		*val = 1;
		*pos += 1;
		return true;
	case AML_ONES_OP:
		*val = ~0ULL;
		*pos += 1;
		return true;
	case AML_BYTE_PREFIX:
		size = 1;
		break;
	case AML_WORD_PREFIX:
		size = 2;
		break;
	case AML_DWORD_PREFIX:
		size = 4;
		break;
	case AML_QWORD_PREFIX:
		size = 8;
		break;
	default:
		return false;
	}
	if (b->len - *pos < 1 + size)
		return false;
	*val = buf_get(b, *pos + 1, size);
	*pos += 1 + size;
	return true;
}

/*
 * Decode "Name(_S5_, Package() {SLP_TYPa, SLP_TYPb, ...})" whose PackageOp
 * is at pos.  A one-element package is the ACPI 1.0 form holding both values
 * in one integer (low byte a, next byte b), as ACPICA accepts.
 */
static bool aml_s5_package(const struct acpi_buf *b, uint32_t pos, uint8_t *typa, uint8_t *typb)
{
	uint32_t start, plen, count;
	struct acpi_buf pkg;
	uint64_t a, v;

	if (pos >= b->len || b->p[pos] != AML_PACKAGE_OP)
		return false;
	start = ++pos;
	if (!aml_pkg_length(b, &pos, &plen))
		return false;
	pkg = buf_sub(b, 0, start + plen);
	if (pos >= pkg.len)
		return false;
	count = pkg.p[pos++];
	if (count == 0 || !aml_integer(&pkg, &pos, &a))
		return false;
	if (count == 1) {
		*typa = (uint8_t)a;
		*typb = (uint8_t)(a >> 8);
		return true;
	}
	if (!aml_integer(&pkg, &pos, &v))
		return false;
	*typa = (uint8_t)a;
	*typb = (uint8_t)v;
	return true;
}

/*
 * Find the NameOp defining _S5_ (optionally as \_S5_) in the DSDT's AML.
 * A byte scan, not an AML interpreter: "_S5_" preceded by NameOp and
 * followed by a package is unambiguous enough in practice, and every
 * candidate is fully bounds-checked.
 */
static bool dsdt_find_s5(const struct acpi_buf *t, uint8_t *typa, uint8_t *typb)
{
	for (uint32_t i = SDT_HDR_LEN; i + 4 < t->len; i++) {
		const uint8_t *p = t->p + i;
		bool named;

		if (p[0] != '_' || p[1] != 'S' || p[2] != '5' || p[3] != '_')
			continue;
		named = (i >= 1 && p[-1] == AML_NAME_OP) ||
			(i >= 2 && p[-1] == AML_ROOT_CHAR && p[-2] == AML_NAME_OP);
		if (named && aml_s5_package(t, i + 4, typa, typb))
			return true;
	}
	return false;
}

static void dsdt_parse(struct acpi_walk *w, uint64_t phys)
{
	struct acpi_buf t;
	struct platform *plat = w->plat;

	if (!table_load(w, phys, "DSDT", &t))
		return;
	plat->has_s5 = dsdt_find_s5(&t, &plat->s5_typa, &plat->s5_typb);
}

static void fadt_reset_reg(struct acpi_walk *w, const struct acpi_buf *t, uint32_t flags)
{
	struct platform *plat = w->plat;
	struct acpi_gas *g = &plat->reset_reg;

	/* RESET_REG and RESET_VALUE exist from FADT revision 2 (length >= 129) */
	if (!(flags & FADT_RESET_REG_SUP) || t->len <= FADT_OFF_RESET_VALUE)
		return;
	gas_read(t, FADT_OFF_RESET_REG, g);
	plat->reset_value = buf_u8(t, FADT_OFF_RESET_VALUE);
	if (!g->address || g->space > GAS_SPACE_PCI ||
	    (g->space == GAS_SPACE_IO && g->address > 0xFFFF)) {
		acpi_warn(w, "FADT: unusable reset register (space %u, address %#llx), ignored",
			  g->space, (unsigned long long)g->address);
		return;
	}
	plat->has_reset_reg = true;
}

static void fadt_parse(struct acpi_walk *w, const struct acpi_buf *t)
{
	struct platform *plat = w->plat;
	uint32_t flags = buf_u32(t, FADT_OFF_FLAGS);
	uint64_t x_dsdt = buf_u64(t, FADT_OFF_X_DSDT);

	plat->has_fadt = true;
	plat->sci_irq = buf_u16(t, FADT_OFF_SCI_INT);
	plat->pm_tmr_32bit = flags & FADT_TMR_VAL_EXT;
	plat->hw_reduced = flags & FADT_HW_REDUCED;
	/* Hardware-reduced ACPI: the fixed-hardware fields are ignored (ACPI 4.1) */
	if (!plat->hw_reduced) {
		plat->smi_cmd = buf_u32(t, FADT_OFF_SMI_CMD);
		plat->acpi_enable = buf_u8(t, FADT_OFF_ACPI_ENABLE);
		plat->pm1a_cnt =
		    fadt_port(w, t, FADT_OFF_PM1A_CNT, FADT_OFF_X_PM1A_CNT, "PM1a_CNT");
		plat->pm1b_cnt =
		    fadt_port(w, t, FADT_OFF_PM1B_CNT, FADT_OFF_X_PM1B_CNT, "PM1b_CNT");
		plat->pm_tmr = fadt_port(w, t, FADT_OFF_PM_TMR, FADT_OFF_X_PM_TMR, "PM_TMR");
	}
	fadt_reset_reg(w, t, flags);
	plat->dsdt = x_dsdt ? x_dsdt : buf_u32(t, FADT_OFF_DSDT);
	if (plat->dsdt)
		dsdt_parse(w, plat->dsdt);
}

/* ---- MCFG and DMAR ---- */

static void mcfg_parse(struct acpi_walk *w, const struct acpi_buf *t)
{
	struct platform *plat = w->plat;

	for (uint32_t off = MCFG_OFF_ENTRIES; off + MCFG_ENTRY_LEN <= t->len;
	     off += MCFG_ENTRY_LEN) {
		struct acpi_buf e = buf_sub(t, off, MCFG_ENTRY_LEN);
		struct plat_mcfg m = {
		    .base = buf_u64(&e, 0),
		    .segment = buf_u16(&e, 8),
		    .bus_start = buf_u8(&e, 10),
		    .bus_end = buf_u8(&e, 11),
		};

		if (!m.base || m.bus_start > m.bus_end) {
			acpi_warn(
			    w,
			    "MCFG: entry at offset %u invalid (base %#llx, buses %u-%u), skipped",
			    off, (unsigned long long)m.base, m.bus_start, m.bus_end);
			continue;
		}
		if (plat->mcfg_count == PLAT_MAX_MCFG) {
			acpi_warn(w, "MCFG: more than %u entries, the rest ignored", PLAT_MAX_MCFG);
			break;
		}
		plat->mcfg[plat->mcfg_count++] = m;
	}
}

/* Count the device scope entries of a DRHD (VT-d 8.3.1), bounded by its length. */
static uint16_t dmar_scope_count(struct acpi_walk *w, const struct acpi_buf *e)
{
	uint32_t off, slen;
	uint16_t n = 0;

	for (off = DMAR_DRHD_MIN_LEN; off < e->len; off += slen) {
		slen = buf_u8(e, off + 1);
		if (slen < DMAR_SCOPE_MIN_LEN || slen > e->len - off) {
			acpi_warn(w, "DMAR: DRHD device scope with bad length %u, rest ignored",
				  slen);
			break;
		}
		n++;
	}
	return n;
}

static void dmar_add_drhd(struct acpi_walk *w, const struct acpi_buf *e)
{
	struct platform *plat = w->plat;
	struct plat_drhd *d;

	if (e->len < DMAR_DRHD_MIN_LEN) {
		acpi_warn(w, "DMAR: DRHD too short (%u bytes), skipped", e->len);
		return;
	}
	if (plat->drhd_count == PLAT_MAX_DRHD) {
		acpi_warn(w, "DMAR: more than %u DRHD units, the rest ignored", PLAT_MAX_DRHD);
		return;
	}
	d = &plat->drhd[plat->drhd_count++];
	d->flags = buf_u8(e, 4);
	d->segment = buf_u16(e, 6);
	d->base = buf_u64(e, 8);
	d->scope_count = dmar_scope_count(w, e);
}

static void dmar_parse(struct acpi_walk *w, const struct acpi_buf *t)
{
	struct platform *plat = w->plat;
	uint32_t off, elen;

	plat->has_dmar = true;
	plat->dmar_haw = buf_u8(t, DMAR_OFF_HAW);
	plat->dmar_flags = buf_u8(t, DMAR_OFF_FLAGS);
	for (off = DMAR_OFF_ENTRIES; off < t->len; off += elen) {
		struct acpi_buf e;

		elen = buf_u16(t, off + 2);
		if (t->len - off < 4 || elen < 4 || elen > t->len - off) {
			acpi_warn(w, "DMAR: structure at offset %u has bad length %u, rest ignored",
				  off, elen);
			break;
		}
		e = buf_sub(t, off, elen);
		if (buf_u16(&e, 0) == DMAR_DRHD)
			dmar_add_drhd(w, &e);
		else if (buf_u16(&e, 0) == DMAR_RMRR)
			plat->rmrr_count++;
	}
}

/* ---- RSDP and the root table ---- */

/*
 * Load and decode a table we use.  The first valid instance wins, as in
 * Linux; seen (NULL for tables that may repeat) says it was already decoded.
 */
static void table_use(struct acpi_walk *w, uint64_t phys, const char *sig, const bool *seen,
		      void (*parse)(struct acpi_walk *w, const struct acpi_buf *t))
{
	struct acpi_buf t;

	if (seen && *seen) {
		acpi_warn(w, "%s at %#llx: duplicate, ignored", sig, (unsigned long long)phys);
		return;
	}
	if (table_load(w, phys, sig, &t))
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
		table_use(w, phys, "APIC", &plat->has_madt, madt_parse);
	else if (!strcmp(sig, "FACP"))
		table_use(w, phys, "FACP", &plat->has_fadt, fadt_parse);
	else if (!strcmp(sig, "DMAR"))
		table_use(w, phys, "DMAR", &plat->has_dmar, dmar_parse);
	else if (!strcmp(sig, "MCFG"))
		table_use(w, phys, "MCFG", NULL, mcfg_parse);
}

static bool root_walk(struct acpi_walk *w, uint64_t phys, bool is_xsdt)
{
	const char *sig = is_xsdt ? "XSDT" : "RSDT";
	uint32_t esz = is_xsdt ? 8 : 4, n;
	struct acpi_buf t;

	if (!table_load(w, phys, sig, &t))
		return false;
	n = (t.len - SDT_HDR_LEN) / esz;
	if (n > ROOT_MAX_ENTRIES) {
		acpi_warn(w, "%s: %u entries, only the first %u used", sig, n, ROOT_MAX_ENTRIES);
		n = ROOT_MAX_ENTRIES;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint64_t entry = buf_get(&t, SDT_HDR_LEN + i * esz, esz);

		if (!entry) {
			acpi_warn(w, "%s: entry %u is a null pointer, skipped", sig, i);
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
		acpi_warn(w, "RSDP at %#llx: unreadable", (unsigned long long)phys);
		return false;
	}
	if (memcmp(b.p, RSDP_SIG, 8) != 0) {
		acpi_warn(w, "RSDP at %#llx: bad signature", (unsigned long long)phys);
		return false;
	}
	if (checksum(b.p, RSDP_V1_LEN) != 0) {
		acpi_warn(w, "RSDP at %#llx: bad checksum", (unsigned long long)phys);
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
		acpi_warn(w, "RSDP at %#llx: bad extended length (%u) or checksum, XSDT not used",
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
		acpi_warn(&w, "RSDP: no usable RSDT or XSDT");
	else if (!root_walk(&w, rsdt, false))
		acpi_warn(&w, "RSDP: no usable RSDT or XSDT");
	return true;
}
