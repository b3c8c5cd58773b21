/*
 * acpi_tables.c - decoders for the tables the hypervisor uses: MADT (CPUs,
 * IOAPICs, interrupt overrides), FADT (PM1 control, PM timer, SMI_CMD,
 * reset register, DSDT), MCFG (PCIe ECAM windows) and DMAR (VT-d units).
 *
 * Each decoder gets a table acpi.c already validated (signature, length,
 * checksum, minimum size) and reads it only through the bounded buf_*
 * readers of acpi_internal.h; variable-length entries are walked with their
 * own lengths checked against what is left, so a corrupt entry ends the walk
 * with a warning instead of a read out of bounds.
 *
 * References: ACPI 6.5 5.2.9 (FADT), 5.2.3.2 (GAS), 5.2.12 (MADT); PCI
 * Firmware 3.3 4.1.2 (MCFG); Intel VT-d 4.x chapter 8 (DMAR).
 */
#include <hv/lib.h>
#include "acpi_internal.h"

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
			acpi_warnf(w, "MADT: more than %u cpus, the rest ignored", PLAT_MAX_CPUS);
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
		acpi_warnf(w, "MADT: more than %u IOAPICs, IOAPIC %u ignored", PLAT_MAX_IOAPICS,
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
		acpi_warnf(w, "MADT: more than %u interrupt overrides, IRQ %u ignored",
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
		acpi_warnf(w, "MADT: entry type %u at offset %u too short (%u bytes), skipped",
			   type, off, e->len);
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

void acpi_madt_parse(struct acpi_walk *w, const struct acpi_buf *t)
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
			acpi_warnf(w, "MADT: entry at offset %u has bad length %u, rest ignored",
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
			acpi_warnf(w, "MADT: LAPIC address override is 0, using default");
		plat->lapic_base = MADT_DEFAULT_LAPIC;
	}
}

/* ---- FADT ---- */

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
		acpi_warnf(w, "FADT: %s port %#x out of range, ignored", name, port);
		port = 0;
	}
	return port;
}

static void dsdt_parse(struct acpi_walk *w, uint64_t phys)
{
	struct acpi_buf t;
	struct platform *plat = w->plat;

	if (!acpi_table_load(w, phys, "DSDT", &t))
		return;
	plat->has_s5 = acpi_aml_find_s5(&t, &plat->s5_typa, &plat->s5_typb);
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
		acpi_warnf(w, "FADT: unusable reset register (space %u, address %#llx), ignored",
			   g->space, (unsigned long long)g->address);
		return;
	}
	plat->has_reset_reg = true;
}

void acpi_fadt_parse(struct acpi_walk *w, const struct acpi_buf *t)
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

void acpi_mcfg_parse(struct acpi_walk *w, const struct acpi_buf *t)
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
			acpi_warnf(
			    w,
			    "MCFG: entry at offset %u invalid (base %#llx, buses %u-%u), skipped",
			    off, (unsigned long long)m.base, m.bus_start, m.bus_end);
			continue;
		}
		if (plat->mcfg_count == PLAT_MAX_MCFG) {
			acpi_warnf(w, "MCFG: more than %u entries, the rest ignored",
				   PLAT_MAX_MCFG);
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
			acpi_warnf(w, "DMAR: DRHD device scope with bad length %u, rest ignored",
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
		acpi_warnf(w, "DMAR: DRHD too short (%u bytes), skipped", e->len);
		return;
	}
	if (plat->drhd_count == PLAT_MAX_DRHD) {
		acpi_warnf(w, "DMAR: more than %u DRHD units, the rest ignored", PLAT_MAX_DRHD);
		return;
	}
	d = &plat->drhd[plat->drhd_count++];
	d->flags = buf_u8(e, 4);
	d->segment = buf_u16(e, 6);
	d->base = buf_u64(e, 8);
	d->scope_count = dmar_scope_count(w, e);
}

void acpi_dmar_parse(struct acpi_walk *w, const struct acpi_buf *t)
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
			acpi_warnf(w,
				   "DMAR: structure at offset %u has bad length %u, rest ignored",
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
