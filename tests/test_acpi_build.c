/*
 * test_acpi_build.c - host unit tests for guests/acpi_build.c.
 *
 * The tables acpi_build() makes are read back with the hypervisor's own
 * parser, drivers/acpi.c's acpi_parse(), through a map function that only
 * lets it see the built buffer at its guest-physical base: every field the
 * parser decodes must round-trip, and a parser warning (bad checksum,
 * length, entry) fails the test.  A few fields the parser does not decode
 * (FACS, RSDP extended checksum, the FADT's event block and flags, the ISO
 * flags' meaning) are checked at their ACPI 6.5 offsets directly.
 *
 * HV_ACPI_DUMP=dir writes each table there as SIG.dat, for iasl -d.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/acpi_build.h>
#include <hv/platform.h>
#include "test.h"

#define BASE	0xE0000ULL
#define BUF_LEN (64 * 1024)

struct guest_view {
	const uint8_t *buf;
	uint64_t base;
	size_t len;
};

static int warnings;

static void count_warning(const char *msg)
{
	fprintf(stderr, "acpi_parse warning: %s\n", msg);
	warnings++;
}

static const void *view_map(uint64_t phys, uint64_t len, void *ctx)
{
	const struct guest_view *v = ctx;

	if (phys < v->base || phys - v->base > v->len || len > v->len - (phys - v->base))
		return NULL;
	return v->buf + (phys - v->base);
}

static uint64_t rd(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* Build with cfg, parse it back into plat; the buffer stays in *buf for the caller. */
static bool build_and_parse(const struct acpi_build_config *cfg, uint8_t **buf,
			    struct acpi_build_result *res, struct platform *plat)
{
	char err[160];
	struct guest_view v;

	*buf = calloc(1, BUF_LEN);
	if (acpi_build(cfg, *buf, BUF_LEN, res, err, sizeof(err)) != 0) {
		fprintf(stderr, "acpi_build: %s\n", err);
		return false;
	}
	v = (struct guest_view){.buf = *buf, .base = cfg->base, .len = res->size};
	warnings = 0;
	return acpi_parse(res->rsdp, view_map, &v, plat, count_warning);
}

static struct acpi_build_config pc_config(uint32_t cpus)
{
	struct acpi_build_config cfg;

	acpi_build_defaults(&cfg, BASE, cpus);
	cfg.ecam_base = 0xB0000000;
	cfg.ecam_bus_start = 0;
	cfg.ecam_bus_end = 255;
	return cfg;
}

static void test_roundtrip_madt(void)
{
	struct acpi_build_config cfg = pc_config(4);
	struct acpi_build_result res;
	static struct platform plat;
	uint8_t *buf;

	cfg.ioapic_id = 4;
	CHECK(build_and_parse(&cfg, &buf, &res, &plat));
	CHECK_EQ(warnings, 0);
	CHECK(plat.has_acpi);
	CHECK_EQ(plat.acpi_revision, 2);
	CHECK_STREQ(plat.oem_id, "HVPART");
	CHECK(plat.has_madt);
	CHECK_EQ(plat.lapic_base, 0xFEE00000);
	CHECK(plat.pcat_compat);
	CHECK_EQ(plat.cpu_count, 4);
	for (uint32_t i = 0; i < 4; i++) {
		CHECK_EQ(plat.cpus[i].apic_id, i);
		CHECK_EQ(plat.cpus[i].acpi_uid, i);
	}
	CHECK_EQ(plat.cpus_disabled, 0);
	CHECK_EQ(plat.ioapic_count, 1);
	CHECK_EQ(plat.ioapics[0].id, 4);
	CHECK_EQ(plat.ioapics[0].address, 0xFEC00000);
	CHECK_EQ(plat.ioapics[0].gsi_base, 0);
	CHECK_EQ(plat.iso_count, 2);
	CHECK_EQ(plat.isos[0].source, 0);
	CHECK_EQ(plat.isos[0].gsi, 2);
	CHECK_EQ(plat.isos[0].flags, 0);
	CHECK_EQ(plat.isos[1].source, 9);
	CHECK_EQ(plat.isos[1].gsi, 9);
	CHECK_EQ(plat.isos[1].flags, 0xF); /* active low (bits 1:0 = 11), level (bits 3:2 = 11) */
	CHECK(!plat.has_dmar);
	free(buf);
}

static void test_roundtrip_fadt_dsdt(void)
{
	struct acpi_build_config cfg = pc_config(2);
	struct acpi_build_result res;
	static struct platform plat;
	uint8_t *buf;

	cfg.pm1a_evt = 0xB000;
	cfg.pm1a_cnt = 0xB004;
	cfg.pm_tmr = 0xB008;
	cfg.s5_slp_typ = 7;
	cfg.sci_irq = 10;
	CHECK(build_and_parse(&cfg, &buf, &res, &plat));
	CHECK_EQ(warnings, 0);
	CHECK(plat.has_fadt);
	CHECK_EQ(plat.pm1a_cnt, 0xB004);
	CHECK_EQ(plat.pm1b_cnt, 0);
	CHECK_EQ(plat.pm_tmr, 0xB008);
	CHECK(plat.pm_tmr_32bit);
	CHECK_EQ(plat.sci_irq, 10);
	CHECK_EQ(plat.smi_cmd, 0); /* ACPI always enabled */
	CHECK(!plat.hw_reduced);
	CHECK(plat.has_reset_reg);
	CHECK_EQ(plat.reset_reg.space, 1);
	CHECK_EQ(plat.reset_reg.address, 0xCF9);
	CHECK_EQ(plat.reset_reg.bit_width, 8);
	CHECK_EQ(plat.reset_value, 6);
	CHECK_EQ(plat.dsdt, res.dsdt);
	CHECK(plat.has_s5);
	CHECK_EQ(plat.s5_typa, 7);
	CHECK_EQ(plat.s5_typb, 7);
	CHECK_EQ(plat.isos[1].source, 10);
	free(buf);
}

/* With HV_ACPI_DUMP=dir, write every table of res to dir/SIG.dat. */
static void dump_tables(const uint8_t *buf, const struct acpi_build_result *res)
{
	const uint64_t tables[] = {res->xsdt, res->fadt, res->facs,
				   res->dsdt, res->madt, res->mcfg};
	const char *dir = getenv("HV_ACPI_DUMP");
	char path[512];

	for (size_t i = 0; dir && i < sizeof(tables) / sizeof(tables[0]); i++) {
		const uint8_t *t = buf + (tables[i] - BASE);
		FILE *f;

		if (!tables[i])
			continue;
		snprintf(path, sizeof(path), "%s/%.4s.dat", dir, (const char *)t);
		f = fopen(path, "wb");
		if (f) {
			fwrite(t, 1, rd(t + 4, 4), f);
			fclose(f);
		}
	}
}

/* Fields acpi_parse() does not decode, at their ACPI 6.5 offsets. */
static void test_raw_fields(void)
{
	struct acpi_build_config cfg = pc_config(1);
	struct acpi_build_result res;
	static struct platform plat;
	uint8_t *buf;
	const uint8_t *rsdp, *fadt, *facs;

	CHECK(build_and_parse(&cfg, &buf, &res, &plat));
	rsdp = buf + (res.rsdp - BASE);
	fadt = buf + (res.fadt - BASE);
	facs = buf + (res.facs - BASE);
	CHECK_EQ(res.rsdp % 16, 0);
	CHECK_EQ(sum(rsdp, 20), 0);
	CHECK_EQ(sum(rsdp, 36), 0);
	CHECK_EQ(rd(rsdp + 20, 4), 36);
	CHECK_EQ(rd(rsdp + 24, 8), res.xsdt);
	CHECK(!memcmp(facs, "FACS", 4));
	CHECK_EQ(rd(facs + 4, 4), 64);
	CHECK_EQ(res.facs % 64, 0);
	CHECK_EQ(fadt[8], 6);			     /* revision */
	CHECK_EQ(rd(fadt + 4, 4), 276);		     /* length */
	CHECK_EQ(rd(fadt + 36, 4), res.facs);	     /* FIRMWARE_CTRL */
	CHECK_EQ(rd(fadt + 132, 8), 0);		     /* X_FIRMWARE_CTRL: FIRMWARE_CTRL is set */
	CHECK_EQ(rd(fadt + 40, 4), res.dsdt);	     /* DSDT */
	CHECK_EQ(rd(fadt + 140, 8), res.dsdt);	     /* X_DSDT */
	CHECK_EQ(rd(fadt + 56, 4), 0x600);	     /* PM1a_EVT_BLK */
	CHECK_EQ(fadt[88], 4);			     /* PM1_EVT_LEN */
	CHECK_EQ(fadt[89], 2);			     /* PM1_CNT_LEN */
	CHECK_EQ(fadt[91], 4);			     /* PM_TMR_LEN */
	CHECK_EQ(rd(fadt + 148 + 4, 8), 0x600);	     /* X_PM1a_EVT_BLK address */
	CHECK_EQ(fadt[148], 1);			     /* ... in I/O space */
	CHECK_EQ(rd(fadt + 112, 4) & (1u << 20), 0); /* not HW_REDUCED */
	CHECK(rd(fadt + 112, 4) & (1u << 10));	     /* RESET_REG_SUP */
	CHECK_EQ(rd(fadt + 48, 4), 0);		     /* no SMI_CMD */
	CHECK_EQ(rd(fadt + 109, 2), ACPI_IAPC_LEGACY_DEVICES);
	CHECK_EQ(plat.mcfg_count, 1);
	CHECK_EQ(plat.mcfg[0].base, 0xB0000000);
	CHECK_EQ(plat.mcfg[0].segment, 0);
	CHECK_EQ(plat.mcfg[0].bus_start, 0);
	CHECK_EQ(plat.mcfg[0].bus_end, 255);
	dump_tables(buf, &res);
	free(buf);
}

/* 256 vCPUs: IDs 0..254 as xAPIC entries, ID 255 as an x2APIC entry. */
static void test_x2apic(void)
{
	struct acpi_build_config cfg = pc_config(256);
	struct acpi_build_result res;
	static struct platform plat;
	uint8_t *buf;
	bool seen_x2apic = false;

	CHECK(build_and_parse(&cfg, &buf, &res, &plat));
	CHECK_EQ(warnings, 0);
	CHECK_EQ(plat.cpu_count, 256);
	CHECK_EQ(plat.cpus[255].apic_id, 255);
	CHECK_EQ(plat.cpus[255].acpi_uid, 255);
	for (uint32_t off = 44; off < rd(buf + (res.madt - BASE) + 4, 4);
	     off += buf[res.madt - BASE + off + 1])
		if (buf[res.madt - BASE + off] == 9)
			seen_x2apic = true;
	CHECK(seen_x2apic);
	free(buf);
}

static void test_no_ecam(void)
{
	struct acpi_build_config cfg;
	struct acpi_build_result res;
	static struct platform plat;
	uint8_t *buf;

	acpi_build_defaults(&cfg, BASE, 1);
	CHECK(build_and_parse(&cfg, &buf, &res, &plat));
	CHECK_EQ(warnings, 0);
	CHECK_EQ(res.mcfg, 0);
	CHECK_EQ(plat.mcfg_count, 0);
	CHECK(plat.has_s5);
	CHECK_EQ(plat.s5_typa, 5);
	free(buf);
}

static void test_s5_zero_and_one(void)
{
	for (uint8_t typ = 0; typ <= 1; typ++) {
		struct acpi_build_config cfg;
		struct acpi_build_result res;
		static struct platform plat;
		uint8_t *buf;

		acpi_build_defaults(&cfg, BASE, 1);
		cfg.s5_slp_typ = typ;
		CHECK(build_and_parse(&cfg, &buf, &res, &plat));
		CHECK(plat.has_s5);
		CHECK_EQ(plat.s5_typa, typ);
		CHECK_EQ(plat.s5_typb, typ);
		free(buf);
	}
}

/* Tables above 4 GiB: the 32-bit pointers are zero, the X_ ones carry them. */
static void test_high_base(void)
{
	struct acpi_build_config cfg = pc_config(2);
	struct acpi_build_result res;
	static struct platform plat;
	uint8_t *buf;
	const uint8_t *fadt;

	cfg.base = 0x100000000ULL;
	CHECK(build_and_parse(&cfg, &buf, &res, &plat));
	CHECK_EQ(warnings, 0);
	fadt = buf + (res.fadt - cfg.base);
	CHECK_EQ(rd(fadt + 36, 4), 0);
	CHECK_EQ(rd(fadt + 132, 8), res.facs);
	CHECK_EQ(rd(fadt + 40, 4), 0);
	CHECK_EQ(plat.dsdt, res.dsdt);
	CHECK(plat.has_s5);
	free(buf);
}

static void test_errors(void)
{
	struct acpi_build_config cfg;
	struct acpi_build_result res;
	static uint8_t buf[BUF_LEN];
	char err[160];

	acpi_build_defaults(&cfg, BASE, 0);
	CHECK_EQ(acpi_build(&cfg, buf, sizeof(buf), &res, err, sizeof(err)), -1);
	CHECK(strstr(err, "0 vCPUs"));
	acpi_build_defaults(&cfg, BASE, ACPI_BUILD_MAX_CPUS + 1);
	CHECK_EQ(acpi_build(&cfg, buf, sizeof(buf), &res, err, sizeof(err)), -1);
	acpi_build_defaults(&cfg, BASE + 16, 1);
	CHECK_EQ(acpi_build(&cfg, buf, sizeof(buf), &res, err, sizeof(err)), -1);
	CHECK(strstr(err, "64-byte aligned"));
	acpi_build_defaults(&cfg, BASE, 1);
	cfg.sci_irq = 2;
	CHECK_EQ(acpi_build(&cfg, buf, sizeof(buf), &res, err, sizeof(err)), -1);
	CHECK(strstr(err, "SCI IRQ 2"));
	acpi_build_defaults(&cfg, BASE, 1);
	cfg.s5_slp_typ = 8;
	CHECK_EQ(acpi_build(&cfg, buf, sizeof(buf), &res, err, sizeof(err)), -1);
	acpi_build_defaults(&cfg, BASE, 1);
	cfg.pm_tmr = 0;
	CHECK_EQ(acpi_build(&cfg, buf, sizeof(buf), &res, err, sizeof(err)), -1);
	acpi_build_defaults(&cfg, BASE, 1);
	cfg.ecam_base = 0xB0000000;
	cfg.ecam_bus_start = 5;
	cfg.ecam_bus_end = 4;
	CHECK_EQ(acpi_build(&cfg, buf, sizeof(buf), &res, err, sizeof(err)), -1);
	CHECK(strstr(err, "ECAM"));
	/* too small a buffer: refused, nothing written */
	acpi_build_defaults(&cfg, BASE, 16);
	memset(buf, 0xAA, sizeof(buf));
	CHECK_EQ(acpi_build(&cfg, buf, 200, &res, err, sizeof(err)), -1);
	CHECK(strstr(err, "the buffer has 200"));
	CHECK_EQ(buf[0], 0xAA);
}

int main(void)
{
	RUN(test_roundtrip_madt);
	RUN(test_roundtrip_fadt_dsdt);
	RUN(test_raw_fields);
	RUN(test_x2apic);
	RUN(test_no_ecam);
	RUN(test_s5_zero_and_one);
	RUN(test_high_base);
	RUN(test_errors);
	return test_summary();
}
