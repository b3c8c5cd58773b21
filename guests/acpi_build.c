/*
 * acpi_build.c - build the ACPI tables of one partition: RSDP, XSDT, FADT,
 * FACS, a minimal DSDT, MADT and MCFG, describing only the partition's own
 * vCPUs and virtual devices (include/hv/acpi_build.h).
 *
 * Pure: fills a caller's buffer that the guest will see at cfg->base.  The
 * layout is decided and checked first, then everything is written; every
 * table gets its checksum last.  tests/test_acpi_build.c reads the result
 * back with the hypervisor's own acpi_parse().
 *
 * References: ACPI 6.5 sections 5.2.5 (RSDP), 5.2.6 (SDT header), 5.2.8
 * (XSDT), 5.2.9 (FADT, table 5.9), 5.2.10 (FACS), 5.2.12 (MADT), 5.2.3.2
 * (GAS), 20.2 (AML encoding); PCI Firmware 3.3 section 4.1.2 (MCFG).
 */
#include <hv/acpi_build.h>
#include <hv/lib.h>

#define SDT_HDR_LEN	 36
#define RSDP_LEN	 36
#define FACS_LEN	 64
#define FADT_LEN	 276 /* revision 6 */
#define FADT_REVISION	 6
#define FADT_MINOR	 5 /* ACPI 6.5 */
#define MADT_REVISION	 5
#define DSDT_REVISION	 2 /* 64-bit AML integers */
#define MCFG_ENTRY_LEN	 16
#define MCFG_HDR_LEN	 44
#define MADT_HDR_LEN	 44
#define XSDT_MAX_ENTRIES 3

/* FADT field offsets (ACPI 6.5 table 5.9) */
#define FADT_FIRMWARE_CTRL   36
#define FADT_DSDT	     40
#define FADT_SCI_INT	     46
#define FADT_PM1A_EVT	     56
#define FADT_PM1A_CNT	     64
#define FADT_PM_TMR	     76
#define FADT_PM1_EVT_LEN     88
#define FADT_PM1_CNT_LEN     89
#define FADT_PM_TMR_LEN	     91
#define FADT_P_LVL2_LAT	     96
#define FADT_P_LVL3_LAT	     98
#define FADT_IAPC_BOOT_ARCH  109
#define FADT_FLAGS	     112
#define FADT_RESET_REG	     116
#define FADT_RESET_VALUE     128
#define FADT_MINOR_VERSION   131
#define FADT_X_FIRMWARE_CTRL 132
#define FADT_X_DSDT	     140
#define FADT_X_PM1A_EVT	     148
#define FADT_X_PM1A_CNT	     172
#define FADT_X_PM_TMR	     208
#define FADT_F_WBINVD	     BIT(0)
#define FADT_F_PROC_C1	     BIT(2)
#define FADT_F_PWR_BUTTON    BIT(4) /* no fixed power button */
#define FADT_F_SLP_BUTTON    BIT(5) /* no fixed sleep button */
#define FADT_F_TMR_VAL_EXT   BIT(8)
#define FADT_F_RESET_REG_SUP BIT(10)
#define FADT_C2_NONE	     101  /* P_LVL2_LAT > 100: C2 not supported */
#define FADT_C3_NONE	     1001 /* P_LVL3_LAT > 1000: C3 not supported */
#define GAS_IO		     1
#define GAS_ACCESS_BYTE	     1

/* MADT entries (ACPI 6.5 5.2.12.2-5.2.12.13) */
#define MADT_PCAT_COMPAT    BIT(0)
#define MADT_LAPIC	    0
#define MADT_IOAPIC	    1
#define MADT_ISO	    2
#define MADT_LAPIC_NMI	    4
#define MADT_X2APIC	    9
#define MADT_X2APIC_NMI	    10
#define MADT_LAPIC_LEN	    8
#define MADT_IOAPIC_LEN	    12
#define MADT_ISO_LEN	    10
#define MADT_LAPIC_NMI_LEN  6
#define MADT_X2APIC_LEN	    16
#define MADT_X2APIC_NMI_LEN 12
#define MADT_ENABLED	    BIT(0)
#define MADT_X2APIC_FIRST   255 /* xAPIC ID 0xFF means broadcast: x2APIC entries from here */
#define MPS_INTI_ACTIVE_LOW 0x3
#define MPS_INTI_LEVEL	    (0x3 << 2)
#define ISA_IRQ_PIT	    0
#define GSI_PIT		    2 /* the PIT is wired to IOAPIC pin 2 on a PC */

/* AML opcodes (ACPI 20.2) */
#define AML_ZERO_OP	0x00
#define AML_ONE_OP	0x01
#define AML_NAME_OP	0x08
#define AML_BYTE_PREFIX 0x0A
#define AML_PACKAGE_OP	0x12
#define AML_DSDT_MAX	32

static const char acpi_oem_id[6] = {'H', 'V', 'P', 'A', 'R', 'T'};
static const char acpi_oem_table[8] = {'H', 'V', 'G', 'U', 'E', 'S', 'T', ' '};

/* Offsets of each table in the buffer, decided before anything is written. */
struct acpi_layout {
	uint32_t rsdp, xsdt, xsdt_len, facs, fadt, dsdt, dsdt_len, madt, madt_len, mcfg, mcfg_len;
	uint32_t size, lapics, x2apics;
	uint8_t aml[AML_DSDT_MAX];
	uint32_t aml_len;
};

static void put(uint8_t *p, uint64_t v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint8_t sum8(const uint8_t *p, uint32_t len)
{
	uint8_t s = 0;

	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

__printf(3, 4) static int fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	if (err && err_len) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void acpi_build_defaults(struct acpi_build_config *cfg, uint64_t base, uint32_t cpu_count)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->base = base;
	cfg->cpu_count = cpu_count;
	cfg->lapic_base = 0xFEE00000;
	cfg->ioapic_base = 0xFEC00000;
	cfg->sci_irq = 9;
	cfg->pm1a_evt = 0x600;
	cfg->pm1a_cnt = 0x604;
	cfg->pm_tmr = 0x608;
	cfg->reset_port = 0xCF9;
	cfg->reset_value = 0x06; /* CF9: full reset (bit 3 clear) with SYS_RST|RST_CPU */
	cfg->s5_slp_typ = 5;
	cfg->iapc_boot_arch = ACPI_IAPC_LEGACY_DEVICES;
}

static int check_config(const struct acpi_build_config *c, char *err, size_t err_len)
{
	if (c->cpu_count == 0 || c->cpu_count > ACPI_BUILD_MAX_CPUS)
		return fail(err, err_len, "acpi: %u vCPUs, must be 1..%u", c->cpu_count,
			    ACPI_BUILD_MAX_CPUS);
	if (!IS_ALIGNED(c->base, 64))
		return fail(err, err_len, "acpi: table base %#llx is not 64-byte aligned (FACS)",
			    (unsigned long long)c->base);
	if (c->sci_irq == 0 || c->sci_irq == 2 || c->sci_irq > 15)
		return fail(err, err_len, "acpi: SCI IRQ %u is not a usable ISA IRQ", c->sci_irq);
	if (!c->pm1a_evt || !c->pm1a_cnt || !c->pm_tmr || !c->reset_port)
		return fail(err, err_len,
			    "acpi: PM1a event, PM1a control, PM timer and reset "
			    "ports must all be set");
	if (c->s5_slp_typ > 7)
		return fail(err, err_len, "acpi: S5 SLP_TYP %u does not fit in 3 bits",
			    c->s5_slp_typ);
	if (c->ecam_base && (!IS_ALIGNED(c->ecam_base, MiB) || c->ecam_bus_start > c->ecam_bus_end))
		return fail(err, err_len, "acpi: ECAM window %#llx (buses %u-%u) is invalid",
			    (unsigned long long)c->ecam_base, c->ecam_bus_start, c->ecam_bus_end);
	return 0;
}

/* An AML integer: ZeroOp, OneOp or BytePrefix v (ACPI 20.2.3). */
static uint32_t aml_byte_int(uint8_t *p, uint8_t v)
{
	if (v <= 1) {
		p[0] = v ? AML_ONE_OP : AML_ZERO_OP;
		return 1;
	}
	p[0] = AML_BYTE_PREFIX;
	p[1] = v;
	return 2;
}

/* Name (\_S5, Package (4) { typ, typ, Zero, Zero }): SLP_TYPa, SLP_TYPb, reserved. */
static uint32_t aml_s5(uint8_t *aml, uint8_t typ)
{
	static const uint8_t name[] = {AML_NAME_OP, '\\', '_', 'S', '5', '_', AML_PACKAGE_OP};
	uint32_t n = sizeof(name), len_at;

	memcpy(aml, name, n);
	len_at = n++;
	aml[n++] = 4; /* NumElements */
	n += aml_byte_int(aml + n, typ);
	n += aml_byte_int(aml + n, typ);
	aml[n++] = AML_ZERO_OP;
	aml[n++] = AML_ZERO_OP;
	aml[len_at] = (uint8_t)(n - len_at); /* one-byte PkgLength counts itself (20.2.4) */
	return n;
}

static void plan_layout(const struct acpi_build_config *c, struct acpi_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->lapics = MIN(c->cpu_count, (uint32_t)MADT_X2APIC_FIRST);
	l->x2apics = c->cpu_count - l->lapics;
	l->aml_len = aml_s5(l->aml, c->s5_slp_typ);
	l->rsdp = 0;
	l->xsdt = ALIGN_UP(l->rsdp + RSDP_LEN, 16);
	l->xsdt_len = SDT_HDR_LEN + 8 * (c->ecam_base ? 3 : 2);
	l->facs = ALIGN_UP(l->xsdt + l->xsdt_len, 64);
	l->fadt = l->facs + FACS_LEN;
	l->dsdt = ALIGN_UP(l->fadt + FADT_LEN, 16);
	l->dsdt_len = SDT_HDR_LEN + l->aml_len;
	l->madt = ALIGN_UP(l->dsdt + l->dsdt_len, 16);
	l->madt_len = MADT_HDR_LEN + l->lapics * MADT_LAPIC_LEN + l->x2apics * MADT_X2APIC_LEN +
		      MADT_IOAPIC_LEN + 2 * MADT_ISO_LEN + MADT_LAPIC_NMI_LEN +
		      (l->x2apics ? MADT_X2APIC_NMI_LEN : 0);
	l->mcfg = ALIGN_UP(l->madt + l->madt_len, 16);
	l->mcfg_len = c->ecam_base ? MCFG_HDR_LEN + MCFG_ENTRY_LEN : 0;
	l->size = l->mcfg + l->mcfg_len;
}

static void sdt_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put(t + 4, len, 4);
	t[8] = rev;
	memcpy(t + 10, acpi_oem_id, 6);
	memcpy(t + 16, acpi_oem_table, 8);
	put(t + 24, 1, 4);	   /* OEM revision */
	memcpy(t + 28, "HVMM", 4); /* creator ID */
	put(t + 32, 1, 4);	   /* creator revision */
}

static void sdt_checksum(uint8_t *t, uint32_t len)
{
	t[9] = 0;
	t[9] = (uint8_t)(0 - sum8(t, len));
}

static void build_rsdp(uint8_t *p, uint64_t xsdt)
{
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, acpi_oem_id, 6);
	p[15] = 2;	   /* revision 2: XSDT */
	put(p + 16, 0, 4); /* no RSDT */
	put(p + 20, RSDP_LEN, 4);
	put(p + 24, xsdt, 8);
	p[8] = (uint8_t)(0 - sum8(p, 20));	  /* covers the ACPI 1.0 part */
	p[32] = (uint8_t)(0 - sum8(p, RSDP_LEN)); /* covers all 36 bytes */
}

static void build_xsdt(uint8_t *t, const struct acpi_layout *l, uint64_t base)
{
	uint32_t n = 0;

	sdt_header(t, "XSDT", l->xsdt_len, 1);
	put(t + SDT_HDR_LEN + 8 * n++, base + l->fadt, 8);
	put(t + SDT_HDR_LEN + 8 * n++, base + l->madt, 8);
	if (l->mcfg_len)
		put(t + SDT_HDR_LEN + 8 * n++, base + l->mcfg, 8);
	sdt_checksum(t, l->xsdt_len);
}

static void build_facs(uint8_t *t)
{
	memcpy(t, "FACS", 4);
	put(t + 4, FACS_LEN, 4);
	t[32] = 2; /* version; no waking vector, no global lock use, no S4BIOS */
}

/* A Generic Address Structure in system I/O space (ACPI 5.2.3.2). */
static void gas_io(uint8_t *g, uint16_t port, uint8_t bits, uint8_t access)
{
	g[0] = GAS_IO;
	g[1] = bits;
	g[2] = 0;
	g[3] = access;
	put(g + 4, port, 8);
}

static void build_fadt(uint8_t *t, const struct acpi_build_config *c, const struct acpi_layout *l)
{
	uint64_t facs = c->base + l->facs, dsdt = c->base + l->dsdt;

	sdt_header(t, "FACP", FADT_LEN, FADT_REVISION);
	/* 32-bit pointers only below 4 GiB; X_FIRMWARE_CTRL only when FIRMWARE_CTRL is 0 */
	put(t + FADT_FIRMWARE_CTRL, facs < 4 * GiB ? facs : 0, 4);
	put(t + FADT_X_FIRMWARE_CTRL, facs < 4 * GiB ? 0 : facs, 8);
	put(t + FADT_DSDT, dsdt < 4 * GiB ? dsdt : 0, 4);
	put(t + FADT_X_DSDT, dsdt, 8);
	put(t + FADT_SCI_INT, c->sci_irq, 2);
	/* SMI_CMD stays 0: no SMM, ACPI always enabled (SCI_EN reads 1) */
	put(t + FADT_PM1A_EVT, c->pm1a_evt, 4);
	put(t + FADT_PM1A_CNT, c->pm1a_cnt, 4);
	put(t + FADT_PM_TMR, c->pm_tmr, 4);
	t[FADT_PM1_EVT_LEN] = 4;
	t[FADT_PM1_CNT_LEN] = 2;
	t[FADT_PM_TMR_LEN] = 4;
	put(t + FADT_P_LVL2_LAT, FADT_C2_NONE, 2);
	put(t + FADT_P_LVL3_LAT, FADT_C3_NONE, 2);
	put(t + FADT_IAPC_BOOT_ARCH, c->iapc_boot_arch, 2);
	put(t + FADT_FLAGS,
	    FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON |
		FADT_F_TMR_VAL_EXT | FADT_F_RESET_REG_SUP,
	    4);
	gas_io(t + FADT_RESET_REG, c->reset_port, 8, GAS_ACCESS_BYTE);
	t[FADT_RESET_VALUE] = c->reset_value;
	t[FADT_MINOR_VERSION] = FADT_MINOR;
	gas_io(t + FADT_X_PM1A_EVT, c->pm1a_evt, 32, 0);
	gas_io(t + FADT_X_PM1A_CNT, c->pm1a_cnt, 16, 0);
	gas_io(t + FADT_X_PM_TMR, c->pm_tmr, 32, 0);
	sdt_checksum(t, FADT_LEN);
}

static void build_dsdt(uint8_t *t, const struct acpi_layout *l)
{
	sdt_header(t, "DSDT", l->dsdt_len, DSDT_REVISION);
	memcpy(t + SDT_HDR_LEN, l->aml, l->aml_len);
	sdt_checksum(t, l->dsdt_len);
}

static uint32_t madt_iso(uint8_t *e, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	e[0] = MADT_ISO;
	e[1] = MADT_ISO_LEN;
	e[2] = 0; /* bus: ISA */
	e[3] = irq;
	put(e + 4, gsi, 4);
	put(e + 8, flags, 2);
	return MADT_ISO_LEN;
}

/* One entry per vCPU: xAPIC entries below ID 255, x2APIC entries from there (5.2.12.12). */
static uint32_t madt_cpus(uint8_t *e, const struct acpi_layout *l)
{
	uint32_t n = 0, id;

	for (id = 0; id < l->lapics; id++, n += MADT_LAPIC_LEN) {
		e[n] = MADT_LAPIC;
		e[n + 1] = MADT_LAPIC_LEN;
		e[n + 2] = (uint8_t)id; /* ACPI processor UID */
		e[n + 3] = (uint8_t)id; /* APIC ID */
		put(e + n + 4, MADT_ENABLED, 4);
	}
	for (; id < l->lapics + l->x2apics; id++, n += MADT_X2APIC_LEN) {
		e[n] = MADT_X2APIC;
		e[n + 1] = MADT_X2APIC_LEN;
		put(e + n + 4, id, 4);
		put(e + n + 8, MADT_ENABLED, 4);
		put(e + n + 12, id, 4);
	}
	return n;
}

/* LINT1 of every processor is the NMI input, as on a PC (5.2.12.7, 5.2.12.13). */
static uint32_t madt_nmis(uint8_t *e, const struct acpi_layout *l)
{
	e[0] = MADT_LAPIC_NMI;
	e[1] = MADT_LAPIC_NMI_LEN;
	e[2] = 0xFF; /* all processors */
	put(e + 3, 0, 2);
	e[5] = 1; /* LINT1 */
	if (!l->x2apics)
		return MADT_LAPIC_NMI_LEN;
	e += MADT_LAPIC_NMI_LEN;
	e[0] = MADT_X2APIC_NMI;
	e[1] = MADT_X2APIC_NMI_LEN;
	put(e + 2, 0, 2);
	put(e + 4, 0xFFFFFFFF, 4); /* all processors */
	e[8] = 1;
	return MADT_LAPIC_NMI_LEN + MADT_X2APIC_NMI_LEN;
}

static void build_madt(uint8_t *t, const struct acpi_build_config *c, const struct acpi_layout *l)
{
	uint32_t n = MADT_HDR_LEN;

	sdt_header(t, "APIC", l->madt_len, MADT_REVISION);
	put(t + 36, c->lapic_base, 4);
	put(t + 40, MADT_PCAT_COMPAT, 4); /* dual 8259s present: the guest masks them */
	n += madt_cpus(t + n, l);
	t[n] = MADT_IOAPIC;
	t[n + 1] = MADT_IOAPIC_LEN;
	t[n + 2] = c->ioapic_id;
	put(t + n + 4, c->ioapic_base, 4);
	put(t + n + 8, c->ioapic_gsi_base, 4);
	n += MADT_IOAPIC_LEN;
	n += madt_iso(t + n, ISA_IRQ_PIT, GSI_PIT, 0);
	n += madt_iso(t + n, (uint8_t)c->sci_irq, c->sci_irq, MPS_INTI_ACTIVE_LOW | MPS_INTI_LEVEL);
	n += madt_nmis(t + n, l);
	sdt_checksum(t, l->madt_len);
}

static void build_mcfg(uint8_t *t, const struct acpi_build_config *c, const struct acpi_layout *l)
{
	uint8_t *e = t + MCFG_HDR_LEN;

	sdt_header(t, "MCFG", l->mcfg_len, 1);
	put(e, c->ecam_base, 8);
	put(e + 8, c->ecam_segment, 2);
	e[10] = c->ecam_bus_start;
	e[11] = c->ecam_bus_end;
	sdt_checksum(t, l->mcfg_len);
}

int acpi_build(const struct acpi_build_config *cfg, void *buf, size_t buf_len,
	       struct acpi_build_result *out, char *err, size_t err_len)
{
	struct acpi_layout l;
	uint8_t *b = buf;

	if (err && err_len)
		err[0] = '\0';
	if (check_config(cfg, err, err_len))
		return -1;
	plan_layout(cfg, &l);
	if (l.size > buf_len)
		return fail(err, err_len, "acpi: tables need %u bytes, the buffer has %zu", l.size,
			    buf_len);
	memset(b, 0, l.size);
	build_xsdt(b + l.xsdt, &l, cfg->base);
	build_rsdp(b + l.rsdp, cfg->base + l.xsdt);
	build_facs(b + l.facs);
	build_fadt(b + l.fadt, cfg, &l);
	build_dsdt(b + l.dsdt, &l);
	build_madt(b + l.madt, cfg, &l);
	if (l.mcfg_len)
		build_mcfg(b + l.mcfg, cfg, &l);
	*out = (struct acpi_build_result){
	    .rsdp = cfg->base + l.rsdp,
	    .xsdt = cfg->base + l.xsdt,
	    .fadt = cfg->base + l.fadt,
	    .facs = cfg->base + l.facs,
	    .dsdt = cfg->base + l.dsdt,
	    .madt = cfg->base + l.madt,
	    .mcfg = l.mcfg_len ? cfg->base + l.mcfg : 0,
	    .size = l.size,
	};
	return 0;
}
