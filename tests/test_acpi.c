/*
 * test_acpi.c - host unit tests for drivers/acpi.c (acpi_parse).
 *
 * Each test builds a set of ACPI tables in a fake "physical memory" buffer,
 * computes their checksums and lets acpi_parse() read them through a map
 * function that translates fake physical addresses into the buffer (and
 * refuses anything outside it, so an out-of-bounds read shows up as an ASan
 * report or a NULL map).  The table layouts below are written from the ACPI
 * 6.5 / VT-d specifications as packed structures, independently of the
 * parser's offset constants, so a wrong offset in either shows up.
 *
 * Setting HV_ACPI_SEEDS=DIR also writes the good table sets to DIR as seeds
 * for tests/fuzz_acpi.c, in both of its input modes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/platform.h>
#include <hv/printk.h>
#include "test.h"

/* ---- table layouts (ACPI 6.5 section 5.2) ---- */

struct rsdp {
	char sig[8];
	uint8_t checksum;
	char oem[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum;
	uint8_t reserved[3];
} __attribute__((packed));

struct sdt {
	char sig[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem[6];
	char oem_table[8];
	uint32_t oem_rev;
	uint32_t creator;
	uint32_t creator_rev;
} __attribute__((packed));

struct gas {
	uint8_t space, bit_width, bit_offset, access_size;
	uint64_t address;
} __attribute__((packed));

struct fadt {
	struct sdt h;
	uint32_t firmware_ctrl, dsdt;
	uint8_t reserved0, pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt, pm1b_evt, pm1a_cnt, pm1b_cnt, pm2_cnt, pm_tmr, gpe0, gpe1;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len, gpe0_len, gpe1_len, gpe1_base,
	    cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl, x_dsdt;
	struct gas x_pm1a_evt, x_pm1b_evt, x_pm1a_cnt, x_pm1b_cnt, x_pm2_cnt, x_pm_tmr, x_gpe0,
	    x_gpe1, sleep_control, sleep_status;
	uint64_t hypervisor_vendor;
} __attribute__((packed));

_Static_assert(sizeof(struct rsdp) == 36, "RSDP layout");
_Static_assert(sizeof(struct sdt) == 36, "SDT header layout");
_Static_assert(sizeof(struct gas) == 12, "GAS layout");
_Static_assert(sizeof(struct fadt) == 276, "FADT layout");
_Static_assert(offsetof(struct fadt, reset_reg) == 116, "FADT RESET_REG offset");
_Static_assert(offsetof(struct fadt, x_dsdt) == 140, "FADT X_DSDT offset");
_Static_assert(offsetof(struct fadt, x_pm_tmr) == 208, "FADT X_PM_TMR offset");

struct madt_lapic {
	uint8_t type, len, uid, apic_id;
	uint32_t flags;
} __attribute__((packed));
struct madt_ioapic {
	uint8_t type, len, id, reserved;
	uint32_t address, gsi_base;
} __attribute__((packed));
struct madt_iso {
	uint8_t type, len, bus, source;
	uint32_t gsi;
	uint16_t flags;
} __attribute__((packed));
struct madt_lapic_override {
	uint8_t type, len;
	uint16_t reserved;
	uint64_t address;
} __attribute__((packed));
struct madt_x2apic {
	uint8_t type, len;
	uint16_t reserved;
	uint32_t x2apic_id, flags, uid;
} __attribute__((packed));
struct madt_lapic_nmi {
	uint8_t type, len, uid;
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));

struct mcfg_entry {
	uint64_t base;
	uint16_t segment;
	uint8_t bus_start, bus_end;
	uint32_t reserved;
} __attribute__((packed));

struct dmar_drhd {
	uint16_t type, len;
	uint8_t flags, size;
	uint16_t segment;
	uint64_t base;
} __attribute__((packed));
struct dmar_scope {
	uint8_t type, len, flags, reserved, enum_id, start_bus;
	uint8_t path[2]; /* one (device, function) step */
} __attribute__((packed));
struct dmar_rmrr {
	uint16_t type, len, reserved, segment;
	uint64_t base, limit;
} __attribute__((packed));

/* ---- the fake physical memory ---- */

#define MEM_BASE 0x000E0000ULL
#define MEM_SIZE (256 * 1024)

static uint8_t mem[MEM_SIZE];
static uint32_t mem_next;
/* every table built since mem_reset(), for the fuzzer seeds */
static uint64_t built[64];
static int built_count;

static const void *fake_map(uint64_t phys, uint64_t len, void *ctx)
{
	(void)ctx;
	if (phys < MEM_BASE || phys - MEM_BASE > MEM_SIZE || len > MEM_SIZE - (phys - MEM_BASE))
		return NULL;
	return mem + (phys - MEM_BASE);
}

static void *ptr(uint64_t phys)
{
	return mem + (phys - MEM_BASE);
}

static void mem_reset(void)
{
	memset(mem, 0, sizeof(mem));
	mem_next = 0;
	built_count = 0;
}

/* Reserve len bytes (16-aligned) and return their fake physical address. */
static uint64_t mem_alloc(uint32_t len)
{
	uint64_t phys = MEM_BASE + mem_next;

	mem_next = (mem_next + len + 15) & ~15u;
	if (mem_next > MEM_SIZE) {
		fprintf(stderr, "test image too large\n");
		abort();
	}
	return phys;
}

static uint8_t sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *b++);
	return s;
}

/* Table builder: header at phys, body appended with tb_add. */
struct tb {
	uint64_t phys;
	uint32_t len;
	uint32_t cap;
};

static struct tb tb_begin(const char *sig, uint8_t revision, uint32_t cap)
{
	struct tb t = {.phys = mem_alloc(cap), .len = sizeof(struct sdt), .cap = cap};
	struct sdt *h = ptr(t.phys);

	memcpy(h->sig, sig, 4);
	h->revision = revision;
	memcpy(h->oem, "HVTEST", 6);
	memcpy(h->oem_table, "TESTTBL ", 8);
	return t;
}

static void *tb_add(struct tb *t, const void *data, uint32_t len)
{
	void *dst = ptr(t->phys + t->len);

	if (t->len + len > t->cap)
		abort();
	memcpy(dst, data, len);
	t->len += len;
	return dst;
}

/* Set the length and checksum: the table is complete. */
static uint64_t tb_end(struct tb *t)
{
	struct sdt *h = ptr(t->phys);

	h->length = t->len;
	h->checksum = 0;
	h->checksum = (uint8_t)(0 - sum(h, t->len));
	if (built_count < (int)(sizeof(built) / sizeof(built[0])))
		built[built_count++] = t->phys;
	return t->phys;
}

static void fix_checksum(uint64_t phys)
{
	struct sdt *h = ptr(phys);

	h->checksum = 0;
	h->checksum = (uint8_t)(0 - sum(h, h->length));
}

static uint64_t make_rsdp(uint8_t revision, uint64_t rsdt, uint64_t xsdt)
{
	uint64_t phys = mem_alloc(sizeof(struct rsdp));
	struct rsdp *r = ptr(phys);

	memcpy(r->sig, "RSD PTR ", 8);
	memcpy(r->oem, "BOCHS ", 6);
	r->revision = revision;
	r->rsdt = (uint32_t)rsdt;
	if (revision >= 2) {
		r->length = sizeof(*r);
		r->xsdt = xsdt;
		r->ext_checksum = (uint8_t)(0 - sum(r, sizeof(*r)));
	}
	r->checksum = 0;
	r->checksum = (uint8_t)(0 - sum(r, 20));
	if (revision >= 2) {
		r->ext_checksum = 0;
		r->ext_checksum = (uint8_t)(0 - sum(r, sizeof(*r)));
	}
	return phys;
}

static uint64_t make_root(const char *sig, const uint64_t *tables, int n)
{
	bool x = sig[0] == 'X';
	struct tb t = tb_begin(sig, 1, 36 + 8 * n);

	for (int i = 0; i < n; i++) {
		if (x) {
			tb_add(&t, &tables[i], 8);
		} else {
			uint32_t v = (uint32_t)tables[i];
			tb_add(&t, &v, 4);
		}
	}
	return tb_end(&t);
}

/* ---- common tables ---- */

static uint64_t make_madt_basic(void)
{
	struct tb t = tb_begin("APIC", 3, 512);
	uint32_t hdr[2] = {0xFEE00000, 1}; /* LAPIC address, PCAT_COMPAT */
	struct madt_lapic cpu0 = {.type = 0, .len = 8, .uid = 0, .apic_id = 0, .flags = 1};
	struct madt_lapic cpu1 = {.type = 0, .len = 8, .uid = 1, .apic_id = 2, .flags = 1};
	struct madt_lapic off = {.type = 0, .len = 8, .uid = 2, .apic_id = 4, .flags = 0};
	struct madt_ioapic io = {.type = 1, .len = 12, .id = 3, .address = 0xFEC00000};
	struct madt_iso iso0 = {.type = 2, .len = 10, .bus = 0, .source = 0, .gsi = 2};
	struct madt_iso iso9 = {.type = 2, .len = 10, .source = 9, .gsi = 9, .flags = 0xD};
	struct madt_lapic_nmi nmi = {.type = 4, .len = 6, .uid = 0xFF, .lint = 1};

	tb_add(&t, hdr, sizeof(hdr));
	tb_add(&t, &cpu0, 8);
	tb_add(&t, &cpu1, 8);
	tb_add(&t, &off, 8);
	tb_add(&t, &io, 12);
	tb_add(&t, &iso0, 10);
	tb_add(&t, &iso9, 10);
	tb_add(&t, &nmi, 6);
	return tb_end(&t);
}

/* A DSDT whose AML is the given bytes. */
static uint64_t make_dsdt(const uint8_t *aml, uint32_t len)
{
	struct tb t = tb_begin("DSDT", 2, 36 + len);

	tb_add(&t, aml, len);
	return tb_end(&t);
}

/* Name(_S5_, Package(4) {0x05, 0x05, Zero, Zero}) as iasl emits it */
static const uint8_t aml_s5_byte[] = {0x10, 0x0A, '\\', '_',  'S',  'B',  '_', /* Scope stub */
				      0x5B, 0x80, 'P',	'M',  'R',  'G',       /* noise */
				      0x08, '_',  'S',	'5',  '_',  0x12, 0x08,
				      0x04, 0x0A, 0x05, 0x0A, 0x05, 0x00, 0x00};

static uint64_t make_fadt_v1(uint64_t dsdt)
{
	struct tb t = tb_begin("FACP", 1, sizeof(struct fadt));
	struct fadt f = {0};

	f.dsdt = (uint32_t)dsdt;
	f.sci_int = 9;
	f.smi_cmd = 0xB2;
	f.acpi_enable = 0xF1;
	f.pm1a_evt = 0xB000;
	f.pm1a_cnt = 0xB004;
	f.pm_tmr = 0xB008;
	f.flags = 0;
	/* ACPI 1.0 FADT: 116 bytes, ends before RESET_REG */
	tb_add(&t, (uint8_t *)&f + 36, 116 - 36);
	return tb_end(&t);
}

static struct platform plat;

static void warn_cb(const char *msg)
{
	hv_log(LOG_WARN, "acpi: %s\n", msg);
}

static bool parse(uint64_t rsdp)
{
	return acpi_parse(rsdp, fake_map, NULL, &plat, warn_cb);
}

static FILE *seed_open(const char *name, const char *suffix)
{
	const char *dir = getenv("HV_ACPI_SEEDS");
	char path[512];

	if (!dir)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s-%s", dir, name, suffix);
	return fopen(path, "wb");
}

/* The index in built[] of the table at phys, or phys itself when none. */
static uint64_t built_index(uint64_t phys)
{
	for (int i = 0; i < built_count; i++)
		if (built[i] == phys && phys)
			return (uint64_t)i;
	return phys;
}

/* Seed for the fuzzer's tables mode: every table but the root ones. */
static void save_seed_tables(const char *name)
{
	FILE *f = seed_open(name, "tables");
	uint8_t mode = 0x03; /* tables, XSDT */

	if (!f)
		return;
	fwrite(&mode, 1, 1, f);
	for (int i = 0; i < built_count; i++) {
		struct sdt *h = ptr(built[i]);
		uint16_t len = (uint16_t)h->length;
		uint8_t copy[sizeof(struct fadt)] = {0};

		if (!memcmp(h->sig, "RSDT", 4) || !memcmp(h->sig, "XSDT", 4))
			continue;
		fwrite(&len, 2, 1, f);
		if (!memcmp(h->sig, "FACP", 4) && len <= sizeof(copy)) {
			struct fadt *fa = (struct fadt *)copy;

			memcpy(copy, h, len);
			fa->dsdt = (uint32_t)built_index(fa->dsdt);
			if (len >= 148)
				fa->x_dsdt = built_index(fa->x_dsdt);
			fwrite(copy, 1, len, f);
		} else {
			fwrite(h, 1, len, f);
		}
	}
	fclose(f);
}

/* Optionally save the current image as fuzzer seeds (HV_ACPI_SEEDS=dir). */
static void save_seed(const char *name, uint64_t rsdp)
{
	FILE *f;
	uint8_t mode = 0;		    /* raw image */
	uint32_t base = (uint32_t)MEM_BASE; /* where the RSDP is */

	save_seed_tables(name);
	if (rsdp != MEM_BASE || !(f = seed_open(name, "raw")))
		return;
	fwrite(&mode, 1, 1, f);
	fwrite(&base, 4, 1, f);
	fwrite(mem, 1, mem_next, f);
	fclose(f);
}

/* ---- tests ---- */

/* ACPI 1.0: RSDP revision 0 -> RSDT -> MADT, FADT (116 bytes) -> DSDT. */
static void test_rsdp_v0_rsdt(void)
{
	uint64_t rsdp, tables[2], dsdt;

	mem_reset();
	rsdp = mem_alloc(sizeof(struct rsdp));
	dsdt = make_dsdt(aml_s5_byte, sizeof(aml_s5_byte));
	tables[0] = make_madt_basic();
	tables[1] = make_fadt_v1(dsdt);
	memcpy(ptr(rsdp), ptr(make_rsdp(0, make_root("RSDT", tables, 2), 0)), sizeof(struct rsdp));

	CHECK(parse(rsdp));
	CHECK(plat.has_acpi);
	CHECK_EQ(plat.acpi_revision, 0);
	CHECK_STREQ(plat.oem_id, "BOCHS");

	CHECK(plat.has_madt);
	CHECK_EQ(plat.lapic_base, 0xFEE00000);
	CHECK(plat.pcat_compat);
	CHECK_EQ(plat.cpu_count, 2);
	CHECK_EQ(plat.cpus[0].apic_id, 0);
	CHECK_EQ(plat.cpus[1].apic_id, 2);
	CHECK_EQ(plat.cpus[1].acpi_uid, 1);
	CHECK_EQ(plat.cpus_disabled, 1);
	CHECK_EQ(plat.ioapic_count, 1);
	CHECK_EQ(plat.ioapics[0].id, 3);
	CHECK_EQ(plat.ioapics[0].address, 0xFEC00000);
	CHECK_EQ(plat.ioapics[0].gsi_base, 0);
	CHECK_EQ(plat.iso_count, 2);
	CHECK_EQ(plat.isos[0].source, 0);
	CHECK_EQ(plat.isos[0].gsi, 2);
	CHECK_EQ(plat.isos[1].source, 9);
	CHECK_EQ(plat.isos[1].gsi, 9);
	CHECK_EQ(plat.isos[1].flags, 0xD);

	CHECK(plat.has_fadt);
	CHECK_EQ(plat.pm1a_cnt, 0xB004);
	CHECK_EQ(plat.pm1b_cnt, 0);
	CHECK_EQ(plat.pm_tmr, 0xB008);
	CHECK(!plat.pm_tmr_32bit);
	CHECK_EQ(plat.sci_irq, 9);
	CHECK_EQ(plat.smi_cmd, 0xB2);
	CHECK_EQ(plat.acpi_enable, 0xF1);
	CHECK(!plat.hw_reduced);
	CHECK(!plat.has_reset_reg);
	CHECK_EQ(plat.dsdt, dsdt);
	CHECK(plat.has_s5);
	CHECK_EQ(plat.s5_typa, 5);
	CHECK_EQ(plat.s5_typb, 5);

	CHECK_EQ(plat.mcfg_count, 0);
	CHECK(!plat.has_dmar);
	CHECK(!host_log_contains("acpi:"));
	save_seed("rsdp_v0", rsdp);
}

static uint64_t make_madt_x2apic(void)
{
	struct tb t = tb_begin("APIC", 5, 512);
	uint32_t hdr[2] = {0xFEE00000, 0}; /* no PCAT_COMPAT */
	struct madt_lapic l0 = {.type = 0, .len = 8, .uid = 0, .apic_id = 0, .flags = 1};
	struct madt_x2apic x0 = {.type = 9, .len = 16, .x2apic_id = 0, .flags = 1, .uid = 0};
	struct madt_x2apic x1 = {.type = 9, .len = 16, .x2apic_id = 0x100, .flags = 1, .uid = 7};
	struct madt_x2apic hot = {.type = 9, .len = 16, .x2apic_id = 0x101, .flags = 2, .uid = 8};
	struct madt_x2apic off = {.type = 9, .len = 16, .x2apic_id = 0x102, .flags = 0, .uid = 9};
	struct madt_lapic none = {.type = 0, .len = 8, .uid = 3, .apic_id = 0xFF, .flags = 1};
	struct madt_lapic_override ov = {.type = 5, .len = 12, .address = 0x1FEE00000ULL};
	uint8_t unknown[4] = {0x7F, 4, 0xAA, 0xBB};

	tb_add(&t, hdr, sizeof(hdr));
	tb_add(&t, &l0, 8);
	tb_add(&t, &x0, 16);
	tb_add(&t, &x1, 16);
	tb_add(&t, &hot, 16);
	tb_add(&t, &off, 16);
	tb_add(&t, &none, 8);
	tb_add(&t, unknown, 4);
	tb_add(&t, &ov, 12);
	return tb_end(&t);
}

static uint64_t make_fadt_v6(uint64_t dsdt32, uint64_t x_dsdt)
{
	struct tb t = tb_begin("FACP", 6, sizeof(struct fadt));
	struct fadt f = {0};

	f.dsdt = (uint32_t)dsdt32;
	f.x_dsdt = x_dsdt;
	f.sci_int = 9;
	f.smi_cmd = 0xB2;
	f.acpi_enable = 0xA0;
	f.pm1a_cnt = 0x404;
	f.pm1b_cnt = 0;
	f.pm_tmr = 0x408;
	f.flags = (1u << 8) | (1u << 10); /* TMR_VAL_EXT, RESET_REG_SUP */
	f.reset_reg = (struct gas){.space = 1, .bit_width = 8, .address = 0xCF9};
	f.reset_value = 0x06;
	f.x_pm1a_cnt = (struct gas){.space = 1, .bit_width = 16, .address = 0x1804};
	f.x_pm1b_cnt = (struct gas){.space = 1, .bit_width = 16, .address = 0x1904};
	f.x_pm_tmr = (struct gas){.space = 1, .bit_width = 32, .address = 0x1808};
	tb_add(&t, (uint8_t *)&f + 36, sizeof(f) - 36);
	return tb_end(&t);
}

static uint64_t make_mcfg(void)
{
	struct tb t = tb_begin("MCFG", 1, 128);
	uint64_t reserved = 0;
	struct mcfg_entry e = {.base = 0xB0000000, .segment = 0, .bus_start = 0, .bus_end = 0xFF};
	struct mcfg_entry e1 = {
	    .base = 0xC0000000, .segment = 1, .bus_start = 0x10, .bus_end = 0x1F};

	tb_add(&t, &reserved, 8);
	tb_add(&t, &e, 16);
	tb_add(&t, &e1, 16);
	return tb_end(&t);
}

static uint64_t make_dmar(void)
{
	struct tb t = tb_begin("DMAR", 1, 512);
	uint8_t hdr[12] = {38, 0x3}; /* HAW 39 bits - 1, INTR_REMAP | X2APIC_OPT_OUT */
	struct dmar_drhd d0 = {.type = 0, .len = 16 + 2 * 8, .flags = 0, .base = 0xFED90000};
	struct dmar_scope s = {.type = 1, .len = 8, .start_bus = 0, .path = {2, 0}};
	struct dmar_drhd d1 = {.type = 0, .len = 16, .flags = 1, .segment = 0, .base = 0xFED91000};
	struct dmar_rmrr r = {.type = 1, .len = 24, .base = 0x7C000000, .limit = 0x7C7FFFFF};

	tb_add(&t, hdr, sizeof(hdr));
	tb_add(&t, &d0, sizeof(d0));
	tb_add(&t, &s, sizeof(s));
	s.path[0] = 0x1F;
	tb_add(&t, &s, sizeof(s));
	tb_add(&t, &r, sizeof(r));
	tb_add(&t, &d1, sizeof(d1));
	return tb_end(&t);
}

/* ACPI 2.0+: RSDP revision 2 -> XSDT (preferred over the RSDT). */
static void test_rsdp_v2_xsdt(void)
{
	uint64_t rsdp, xt[4], rt[1], dsdt, dsdt_old;

	mem_reset();
	rsdp = mem_alloc(sizeof(struct rsdp));
	dsdt = make_dsdt(aml_s5_byte, sizeof(aml_s5_byte));
	dsdt_old = make_dsdt((const uint8_t *)"\x08_S5_\x12\x06\x02\x0A\x07\x0A\x07", 11);
	xt[0] = make_fadt_v6(dsdt_old, dsdt);
	xt[1] = make_madt_x2apic();
	xt[2] = make_mcfg();
	xt[3] = make_dmar();
	rt[0] = make_madt_basic(); /* only the RSDT lists this one: must not be used */
	memcpy(ptr(rsdp), ptr(make_rsdp(2, make_root("RSDT", rt, 1), make_root("XSDT", xt, 4))),
	       sizeof(struct rsdp));

	CHECK(parse(rsdp));
	CHECK_EQ(plat.acpi_revision, 2);
	CHECK_STREQ(plat.oem_id, "BOCHS");

	CHECK(plat.has_madt);
	CHECK(!plat.pcat_compat);
	CHECK_EQ(plat.lapic_base, 0x1FEE00000ULL);
	CHECK_EQ(plat.cpu_count, 3); /* LAPIC 0 (= x2APIC 0), x2APIC 0x100, 0x101 */
	CHECK_EQ(plat.cpus[0].apic_id, 0);
	CHECK_EQ(plat.cpus[1].apic_id, 0x100);
	CHECK_EQ(plat.cpus[1].acpi_uid, 7);
	CHECK_EQ(plat.cpus[2].apic_id, 0x101);
	CHECK_EQ(plat.cpus_disabled, 1);
	CHECK_EQ(plat.ioapic_count, 0);

	CHECK(plat.has_fadt);
	CHECK_EQ(plat.pm1a_cnt, 0x1804);
	CHECK_EQ(plat.pm1b_cnt, 0x1904);
	CHECK_EQ(plat.pm_tmr, 0x1808);
	CHECK(plat.pm_tmr_32bit);
	CHECK_EQ(plat.acpi_enable, 0xA0);
	CHECK(plat.has_reset_reg);
	CHECK_EQ(plat.reset_reg.space, 1);
	CHECK_EQ(plat.reset_reg.address, 0xCF9);
	CHECK_EQ(plat.reset_reg.bit_width, 8);
	CHECK_EQ(plat.reset_value, 6);
	CHECK_EQ(plat.dsdt, dsdt);
	CHECK(plat.has_s5);
	CHECK_EQ(plat.s5_typa, 5);

	CHECK_EQ(plat.mcfg_count, 2);
	CHECK_EQ(plat.mcfg[0].base, 0xB0000000);
	CHECK_EQ(plat.mcfg[0].bus_end, 0xFF);
	CHECK_EQ(plat.mcfg[1].base, 0xC0000000);
	CHECK_EQ(plat.mcfg[1].segment, 1);
	CHECK_EQ(plat.mcfg[1].bus_start, 0x10);
	CHECK_EQ(plat.mcfg[1].bus_end, 0x1F);

	CHECK(plat.has_dmar);
	CHECK_EQ(plat.dmar_haw, 38);
	CHECK_EQ(plat.dmar_flags, 3);
	CHECK_EQ(plat.drhd_count, 2);
	CHECK_EQ(plat.drhd[0].base, 0xFED90000);
	CHECK_EQ(plat.drhd[0].flags, 0);
	CHECK_EQ(plat.drhd[0].scope_count, 2);
	CHECK_EQ(plat.drhd[1].base, 0xFED91000);
	CHECK_EQ(plat.drhd[1].flags, 1);
	CHECK_EQ(plat.drhd[1].scope_count, 0);
	CHECK_EQ(plat.rmrr_count, 1);
	CHECK(!host_log_contains("acpi:"));
	save_seed("rsdp_v2", rsdp);
}

/* Revision 2 RSDP whose XSDT pointer is 0: the RSDT is used. */
static void test_rsdp_v2_no_xsdt(void)
{
	uint64_t t[1], rsdp;

	mem_reset();
	t[0] = make_madt_basic();
	rsdp = make_rsdp(2, make_root("RSDT", t, 1), 0);
	CHECK(parse(rsdp));
	CHECK_EQ(plat.acpi_revision, 2);
	CHECK_EQ(plat.cpu_count, 2);
}

/* A 64-bit X_ block in memory space, or zero, falls back to the 32-bit field. */
static void test_fadt_x_fallback(void)
{
	uint64_t t[1], rsdp, fadt;
	struct fadt *f;

	mem_reset();
	fadt = make_fadt_v6(0, 0);
	f = ptr(fadt);
	f->x_pm1a_cnt.space = 0; /* memory space: not a port */
	memset(&f->x_pm1b_cnt, 0, sizeof(f->x_pm1b_cnt));
	f->pm1b_cnt = 0x504;
	f->x_pm_tmr.address = 0;
	f->flags = 0; /* no RESET_REG_SUP: the register is not used */
	fix_checksum(fadt);
	t[0] = fadt;
	rsdp = make_rsdp(2, 0, make_root("XSDT", t, 1));
	CHECK(parse(rsdp));
	CHECK(plat.has_fadt);
	CHECK_EQ(plat.pm1a_cnt, 0x404);
	CHECK_EQ(plat.pm1b_cnt, 0x504);
	CHECK_EQ(plat.pm_tmr, 0x408);
	CHECK(!plat.pm_tmr_32bit);
	CHECK(!plat.has_reset_reg);
	CHECK_EQ(plat.dsdt, 0);
	CHECK(!plat.has_s5);
}

/* RESET_REG_SUP set in a 116-byte (ACPI 1.0) FADT: no reset register there. */
static void test_fadt_short_reset(void)
{
	uint64_t t[1], fadt;

	mem_reset();
	fadt = make_fadt_v1(0);
	((struct fadt *)ptr(fadt))->flags = 1u << 10;
	fix_checksum(fadt);
	t[0] = fadt;
	CHECK(parse(make_rsdp(0, make_root("RSDT", t, 1), 0)));
	CHECK(plat.has_fadt);
	CHECK(!plat.has_reset_reg);
}

/* Hardware-reduced ACPI: the fixed-hardware blocks are not used. */
static void test_fadt_hw_reduced(void)
{
	uint64_t t[1], fadt;

	mem_reset();
	fadt = make_fadt_v6(0, 0);
	((struct fadt *)ptr(fadt))->flags |= 1u << 20;
	fix_checksum(fadt);
	t[0] = fadt;
	CHECK(parse(make_rsdp(2, 0, make_root("XSDT", t, 1))));
	CHECK(plat.hw_reduced);
	CHECK_EQ(plat.pm1a_cnt, 0);
	CHECK_EQ(plat.pm_tmr, 0);
	CHECK_EQ(plat.smi_cmd, 0);
	CHECK(plat.has_reset_reg);
}

/* A memory-space reset register (ACPI 5.2.9, as on many laptops). */
static void test_fadt_reset_memory(void)
{
	uint64_t t[1], fadt;
	struct fadt *f;

	mem_reset();
	fadt = make_fadt_v6(0, 0);
	f = ptr(fadt);
	f->reset_reg =
	    (struct gas){.space = 0, .bit_width = 8, .access_size = 1, .address = 0xFED00000};
	f->reset_value = 0x0E;
	fix_checksum(fadt);
	t[0] = fadt;
	CHECK(parse(make_rsdp(2, 0, make_root("XSDT", t, 1))));
	CHECK(plat.has_reset_reg);
	CHECK_EQ(plat.reset_reg.space, 0);
	CHECK_EQ(plat.reset_reg.access_size, 1);
	CHECK_EQ(plat.reset_reg.address, 0xFED00000);
	CHECK_EQ(plat.reset_value, 0x0E);

	/* an unknown address space is not trusted */
	mem_reset();
	fadt = make_fadt_v6(0, 0);
	((struct fadt *)ptr(fadt))->reset_reg.space = 0x7F;
	fix_checksum(fadt);
	t[0] = fadt;
	CHECK(parse(make_rsdp(2, 0, make_root("XSDT", t, 1))));
	CHECK(!plat.has_reset_reg);
	CHECK_LOG("unusable reset register");
}

/* Parse a DSDT made of aml through a minimal FADT; returns has_s5. */
static bool s5_from(const uint8_t *aml, uint32_t len)
{
	static int seed;
	char name[16];
	uint64_t t[1];

	mem_reset();
	t[0] = make_fadt_v1(make_dsdt(aml, len));
	snprintf(name, sizeof(name), "s5_%d", seed++);
	save_seed_tables(name);
	if (!parse(make_rsdp(0, make_root("RSDT", t, 1), 0)))
		return false;
	return plat.has_s5;
}

static void test_s5_encodings(void)
{
	/* ZeroOp / OneOp elements */
	static const uint8_t zero_one[] = {0x08, '_',  'S',  '5',  '_',	 0x12,
					   0x06, 0x04, 0x00, 0x01, 0x00, 0x00};
	/* root prefix, BytePrefix values */
	static const uint8_t root[] = {0x08, '\\', '_',	 'S',  '5',  '_',  0x12, 0x08,
				       0x04, 0x0A, 0x07, 0x0A, 0x03, 0x00, 0x00};
	/* ACPI 1.0 one-element form: both values in one word */
	static const uint8_t single[] = {0x08, '_',  'S',  '5',	 '_', 0x12,
					 0x05, 0x01, 0x0B, 0x05, 0x06};
	/* "_S5_" used first as a method name (no NameOp before it), then defined */
	static const uint8_t decoy[] = {0x14, 0x08, '_', 'S', '5',  '_',  0x00, 0xA4, 0x00, 0x08,
					'_',  'S',  '5', '_', 0x12, 0x05, 0x02, 0x01, 0x0A, 0x03};
	uint8_t pkg2[9 + 8 * 9];
	uint32_t n = 0;

	CHECK(s5_from(zero_one, sizeof(zero_one)));
	CHECK_EQ(plat.s5_typa, 0);
	CHECK_EQ(plat.s5_typb, 1);

	CHECK(s5_from(root, sizeof(root)));
	CHECK_EQ(plat.s5_typa, 7);
	CHECK_EQ(plat.s5_typb, 3);

	/* eight QWord elements: 2 + 1 + 72 = 75 bytes needs a two-byte PkgLength */
	memcpy(pkg2, "\x08_S5_\x12\x4B\x04\x08", 9);
	n = 9;
	for (int i = 0; i < 8; i++) {
		uint64_t v = i == 0 ? 6 : 2;
		pkg2[n++] = 0x0E;
		memcpy(pkg2 + n, &v, 8);
		n += 8;
	}
	CHECK(s5_from(pkg2, n));
	CHECK_EQ(plat.s5_typa, 6);
	CHECK_EQ(plat.s5_typb, 2);

	CHECK(s5_from(single, sizeof(single)));
	CHECK_EQ(plat.s5_typa, 5);
	CHECK_EQ(plat.s5_typb, 6);

	CHECK(s5_from(decoy, sizeof(decoy)));
	CHECK_EQ(plat.s5_typa, 1);
	CHECK_EQ(plat.s5_typb, 3);
}

static void test_s5_missing_or_bad(void)
{
	static const uint8_t none[] = {0x08, '_',  'S',	 '4',  '_',  0x12, 0x06,
				       0x04, 0x0A, 0x01, 0x0A, 0x01, 0x00, 0x00};
	/* package length runs past the end of the DSDT */
	static const uint8_t past_end[] = {0x08, '_', 'S', '5', '_', 0x12, 0x3F, 0x04, 0x0A, 0x05};
	/* four-byte PkgLength claiming ~256 MiB */
	static const uint8_t huge[] = {0x08, '_',  'S',	 '5',  '_', 0x12,
				       0xCF, 0xFF, 0xFF, 0xFF, 0x04};
	/* package cut after the first element */
	static const uint8_t one_of_two[] = {0x08, '_',	 'S',  '5',  '_',
					     0x12, 0x04, 0x02, 0x0A, 0x05};
	/* an element that is not an integer (a String) */
	static const uint8_t string[] = {0x08, '_',  'S',  '5', '_',  0x12,
					 0x06, 0x02, 0x0D, 'x', 0x00, 0x00};
	/* "_S5_" at the very end of the table */
	static const uint8_t at_end[] = {0x08, '_', 'S', '5', '_'};
	/* zero elements */
	static const uint8_t empty[] = {0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00};

	CHECK(!s5_from(none, sizeof(none)));
	CHECK(plat.has_fadt);
	CHECK(!s5_from(past_end, sizeof(past_end)));
	CHECK(!s5_from(huge, sizeof(huge)));
	CHECK(!s5_from(one_of_two, sizeof(one_of_two)));
	CHECK(!s5_from(string, sizeof(string)));
	CHECK(!s5_from(at_end, sizeof(at_end)));
	CHECK(!s5_from(empty, sizeof(empty)));
}

static void test_bad_rsdp(void)
{
	uint64_t rsdp;
	struct rsdp *r;

	mem_reset();
	rsdp = make_rsdp(0, 0, 0);
	r = ptr(rsdp);
	r->checksum++;
	CHECK(!parse(rsdp));
	CHECK(!plat.has_acpi);
	CHECK_LOG("RSDP at 0xe0000: bad checksum");

	mem_reset();
	rsdp = make_rsdp(0, 0, 0);
	r = ptr(rsdp);
	r->sig[0] = 'X';
	r->checksum = (uint8_t)(r->checksum - ('X' - 'R'));
	CHECK(!parse(rsdp));
	CHECK_LOG("bad signature");

	/* unmapped */
	CHECK(!parse(0x1000));
	CHECK_LOG("RSDP at 0x1000: unreadable");
	CHECK(!parse(MEM_BASE + MEM_SIZE - 8));
}

/* Bad extended checksum or length: the XSDT is not trusted, the RSDT is used. */
static void test_bad_rsdp_extended(void)
{
	uint64_t rt[1], xt[1], rsdp;
	struct rsdp *r;

	mem_reset();
	rt[0] = make_madt_basic();
	xt[0] = make_madt_x2apic();
	rsdp = make_rsdp(2, make_root("RSDT", rt, 1), make_root("XSDT", xt, 1));
	r = ptr(rsdp);
	r->ext_checksum++;
	CHECK(parse(rsdp));
	CHECK_LOG("XSDT not used");
	CHECK_EQ(plat.cpu_count, 2); /* the RSDT's MADT */
	CHECK_EQ(plat.cpus[1].apic_id, 2);

	host_log_clear();
	r->length = 0x7FFFFFFF;
	r->ext_checksum = 0;
	r->ext_checksum = (uint8_t)(0 - sum(r, sizeof(*r)));
	CHECK(parse(rsdp));
	CHECK_LOG("bad extended length (2147483647)");
	CHECK_EQ(plat.cpu_count, 2);
}

/* A corrupt XSDT: fall back to the RSDT. */
static void test_bad_xsdt_fallback(void)
{
	uint64_t rt[1], xt[1], xsdt, rsdp;

	mem_reset();
	rt[0] = make_madt_basic();
	xt[0] = make_madt_x2apic();
	xsdt = make_root("XSDT", xt, 1);
	((struct sdt *)ptr(xsdt))->checksum ^= 0x55;
	rsdp = make_rsdp(2, make_root("RSDT", rt, 1), xsdt);
	CHECK(parse(rsdp));
	CHECK_LOG("XSDT at 0x");
	CHECK_LOG("bad checksum, skipped");
	CHECK(plat.has_madt);
	CHECK_EQ(plat.cpu_count, 2);

	/* neither root table usable: ACPI present, nothing in it */
	mem_reset();
	xsdt = make_root("XSDT", xt, 0);
	((struct sdt *)ptr(xsdt))->checksum ^= 0x55;
	rsdp = make_rsdp(2, 0, xsdt);
	CHECK(parse(rsdp));
	CHECK(plat.has_acpi);
	CHECK(!plat.has_madt);
	CHECK_LOG("no usable RSDT or XSDT");
}

/* A table with a bad checksum is skipped with a warning that names it. */
static void test_bad_table_checksum(void)
{
	uint64_t t[3], madt, rsdp;

	mem_reset();
	madt = make_madt_basic();
	((struct sdt *)ptr(madt))->checksum++;
	t[0] = madt;
	t[1] = make_mcfg();
	t[2] = 0; /* a null entry */
	rsdp = make_rsdp(0, make_root("RSDT", t, 3), 0);
	CHECK(parse(rsdp));
	CHECK(!plat.has_madt);
	CHECK_EQ(plat.cpu_count, 0);
	CHECK_LOG("APIC at 0x");
	CHECK_LOG("bad checksum, skipped");
	CHECK_LOG("RSDT: entry 2 is a null pointer");
	CHECK_EQ(plat.mcfg_count, 2); /* the other tables are still used */
}

/* Lengths that lie: below the header, past readable memory, absurdly large. */
static void test_bad_table_length(void)
{
	uint64_t t[1], madt;
	struct sdt *h;

	mem_reset();
	madt = make_madt_basic();
	h = ptr(madt);
	h->length = 20;
	t[0] = madt;
	CHECK(parse(make_rsdp(0, make_root("RSDT", t, 1), 0)));
	CHECK(!plat.has_madt);
	CHECK_LOG("bad length 20");

	host_log_clear();
	h->length = MEM_SIZE + 16; /* runs past the end of "physical memory" */
	CHECK(parse(make_rsdp(0, make_root("RSDT", t, 1), 0)));
	CHECK(!plat.has_madt);
	CHECK_LOG("unreadable, skipped");

	host_log_clear();
	h->length = 0x40000000;
	CHECK(parse(make_rsdp(0, make_root("RSDT", t, 1), 0)));
	CHECK(!plat.has_madt);
	CHECK_LOG("bad length 1073741824");

	/* a pointer into nowhere, and a table with a garbage signature */
	mem_reset();
	t[0] = 0x12345678;
	CHECK(parse(make_rsdp(0, make_root("RSDT", t, 1), 0)));
	CHECK_LOG("table at 0x12345678: unreadable");
	mem_reset();
	t[0] = make_madt_basic();
	memcpy(ptr(t[0]), "A\x01PC", 4);
	CHECK(parse(make_rsdp(0, make_root("RSDT", t, 1), 0)));
	CHECK(!plat.has_madt);
	CHECK_LOG("bad signature 'A?PC'");
}

/* A valid table too short for its fixed fields is skipped, not read past. */
static void test_short_tables(void)
{
	uint64_t t[2];
	struct tb fadt, madt;
	uint8_t body[40] = {0};

	mem_reset();
	fadt = tb_begin("FACP", 1, 128);
	tb_add(&fadt, body, sizeof(body)); /* 76 bytes, ACPI 1.0 needs 116 */
	t[0] = tb_end(&fadt);
	madt = tb_begin("APIC", 1, 64);
	tb_add(&madt, body, 4); /* no flags field */
	t[1] = tb_end(&madt);
	CHECK(parse(make_rsdp(0, make_root("RSDT", t, 2), 0)));
	CHECK(!plat.has_fadt);
	CHECK(!plat.has_madt);
	CHECK_LOG("FACP at 0x");
	CHECK_LOG("too short (76 bytes), skipped");
	CHECK_LOG("too short (40 bytes), skipped");
}

/* Build a MADT from raw entry bytes and parse it. */
static void madt_from(const uint8_t *entries, uint32_t len)
{
	struct tb tbl;
	uint64_t t[1];
	uint32_t hdr[2] = {0xFEE00000, 0};

	mem_reset();
	tbl = tb_begin("APIC", 3, 64 + len);
	tb_add(&tbl, hdr, sizeof(hdr));
	tb_add(&tbl, entries, len);
	t[0] = tb_end(&tbl);
	parse(make_rsdp(0, make_root("RSDT", t, 1), 0));
}

static void test_madt_bad_entries(void)
{
	/* a good LAPIC, then an entry of length 0 (would loop forever unchecked) */
	static const uint8_t zero_len[] = {0, 8, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0};
	/* a good LAPIC, then an IOAPIC claiming 12 bytes with 6 left */
	static const uint8_t past_end[] = {0, 8, 0, 1, 1, 0, 0, 0, 1, 12, 0, 0, 0, 0};
	/* an x2APIC entry too short for its type, then a good LAPIC */
	static const uint8_t short_x2[] = {9, 8, 0, 0, 5, 0, 0, 0, 0, 8, 1, 3, 1, 0, 0, 0};
	/* a lone trailing byte */
	static const uint8_t trailing[] = {0, 8, 0, 7, 1, 0, 0, 0, 0};
	/* zero lapic address and no override: the architectural default */
	static const uint8_t lapic_override_zero[] = {5, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

	madt_from(zero_len, sizeof(zero_len));
	CHECK(plat.has_madt);
	CHECK_EQ(plat.cpu_count, 1);
	CHECK_LOG("MADT: entry at offset 52 has bad length 0");

	host_log_clear();
	madt_from(past_end, sizeof(past_end));
	CHECK_EQ(plat.cpu_count, 1);
	CHECK_EQ(plat.cpus[0].apic_id, 1);
	CHECK_EQ(plat.ioapic_count, 0);
	CHECK_LOG("bad length 12");

	host_log_clear();
	madt_from(short_x2, sizeof(short_x2));
	CHECK_EQ(plat.cpu_count, 1);
	CHECK_EQ(plat.cpus[0].apic_id, 3);
	CHECK_LOG("entry type 9 at offset 44 too short");

	host_log_clear();
	madt_from(trailing, sizeof(trailing));
	CHECK_EQ(plat.cpu_count, 1);
	CHECK_EQ(plat.cpus[0].apic_id, 7);
	CHECK_LOG("offset 52 has bad length 0");

	host_log_clear();
	madt_from(lapic_override_zero, sizeof(lapic_override_zero));
	CHECK_EQ(plat.lapic_base, 0xFEE00000);
}

/* More CPUs than struct platform holds: the first PLAT_MAX_CPUS, one warning. */
static void test_madt_many_cpus(void)
{
	static uint8_t e[(PLAT_MAX_CPUS + 10) * 16];
	uint32_t n = PLAT_MAX_CPUS + 10;

	for (uint32_t i = 0; i < n; i++) {
		struct madt_x2apic x = {.type = 9, .len = 16, .x2apic_id = i, .flags = 1, .uid = i};
		memcpy(e + 16 * i, &x, 16);
	}
	madt_from(e, sizeof(e));
	CHECK_EQ(plat.cpu_count, PLAT_MAX_CPUS);
	CHECK_EQ(plat.cpus[PLAT_MAX_CPUS - 1].apic_id, PLAT_MAX_CPUS - 1);
	CHECK_LOG("MADT: more than 256 cpus");
}

/* Duplicate tables: the first valid one wins. */
static void test_duplicate_madt(void)
{
	uint64_t t[2];

	mem_reset();
	t[0] = make_madt_basic();
	t[1] = make_madt_x2apic();
	CHECK(parse(make_rsdp(0, make_root("RSDT", t, 2), 0)));
	CHECK_EQ(plat.cpu_count, 2);
	CHECK_LOG("duplicate, ignored");
}

static void test_dmar_bad(void)
{
	struct tb tbl;
	uint64_t t[1];
	uint8_t hdr[12] = {47, 1};
	struct dmar_drhd d = {.type = 0, .len = 16 + 8, .base = 0xFED90000};
	/* a scope claiming 40 bytes in an 8-byte space */
	struct dmar_scope s = {.type = 1, .len = 40};
	uint8_t zero[4] = {1, 0, 0, 0}; /* a structure of length 0 */

	mem_reset();
	tbl = tb_begin("DMAR", 1, 256);
	tb_add(&tbl, hdr, sizeof(hdr));
	tb_add(&tbl, &d, sizeof(d));
	tb_add(&tbl, &s, sizeof(s));
	tb_add(&tbl, zero, sizeof(zero));
	t[0] = tb_end(&tbl);
	CHECK(parse(make_rsdp(0, make_root("RSDT", t, 1), 0)));
	CHECK(plat.has_dmar);
	CHECK_EQ(plat.dmar_haw, 47);
	CHECK_EQ(plat.drhd_count, 1);
	CHECK_EQ(plat.drhd[0].scope_count, 0);
	CHECK_EQ(plat.rmrr_count, 0);
	CHECK_LOG("DMAR: DRHD device scope with bad length 40");
	CHECK_LOG("DMAR: structure at offset 72 has bad length 0");
}

static void test_mcfg_bad(void)
{
	struct tb tbl;
	uint64_t t[1], reserved = 0;
	struct mcfg_entry bad = {.base = 0xE0000000, .bus_start = 5, .bus_end = 1};
	struct mcfg_entry good = {.base = 0xE0000000, .bus_start = 0, .bus_end = 0x7F};

	mem_reset();
	tbl = tb_begin("MCFG", 1, 128);
	tb_add(&tbl, &reserved, 8);
	tb_add(&tbl, &bad, 16);
	tb_add(&tbl, &good, 16);
	tb_add(&tbl, &good, 7); /* a partial trailing entry is ignored */
	t[0] = tb_end(&tbl);
	CHECK(parse(make_rsdp(0, make_root("RSDT", t, 1), 0)));
	CHECK_EQ(plat.mcfg_count, 1);
	CHECK_EQ(plat.mcfg[0].bus_end, 0x7F);
	CHECK_LOG("MCFG: entry at offset 44 invalid");
}

/* A NULL warn callback is allowed. */
static void test_null_warn(void)
{
	uint64_t rsdp;

	mem_reset();
	rsdp = make_rsdp(0, 0, 0);
	((struct rsdp *)ptr(rsdp))->checksum++;
	CHECK(!acpi_parse(rsdp, fake_map, NULL, &plat, NULL));
	mem_reset();
	rsdp = make_rsdp(0, 0x1234, 0);
	CHECK(acpi_parse(rsdp, fake_map, NULL, &plat, NULL));
	CHECK(!plat.has_madt);
}

int main(void)
{
	RUN(test_rsdp_v0_rsdt);
	RUN(test_rsdp_v2_xsdt);
	RUN(test_rsdp_v2_no_xsdt);
	RUN(test_fadt_x_fallback);
	RUN(test_fadt_short_reset);
	RUN(test_fadt_hw_reduced);
	RUN(test_fadt_reset_memory);
	RUN(test_s5_encodings);
	RUN(test_s5_missing_or_bad);
	RUN(test_bad_rsdp);
	RUN(test_bad_rsdp_extended);
	RUN(test_bad_xsdt_fallback);
	RUN(test_bad_table_checksum);
	RUN(test_bad_table_length);
	RUN(test_short_tables);
	RUN(test_madt_bad_entries);
	RUN(test_madt_many_cpus);
	RUN(test_duplicate_madt);
	RUN(test_dmar_bad);
	RUN(test_mcfg_bad);
	RUN(test_null_warn);
	return test_summary();
}
