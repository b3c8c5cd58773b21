/*
 * test_vdev_pci.c - unit tests of the virtual PCI configuration space
 * (guests/vdev_pci.c): Linux's type 1 detection (arch/x86/pci/direct.c
 * pci_check_type1 + pci_sanity_check), a probe of bus 0 finding exactly the
 * host bridge, ECAM and 0xCF8/0xCFC agreeing byte for byte, read-only and
 * writable header fields, and the function table's errors.
 */
#include <string.h>

#include "test.h"
#include <hv/vdev_pci.h>

#define ECAM_BASE 0xB0000000ULL

static struct vpci pci;

static void setup(uint8_t bus_start, uint8_t bus_end)
{
	struct acpi_build_config cfg;

	acpi_build_defaults(&cfg, 0xE0000, 1);
	cfg.ecam_base = ECAM_BASE;
	cfg.ecam_bus_start = bus_start;
	cfg.ecam_bus_end = bus_end;
	vpci_init(&pci, &cfg);
}

static uint32_t conf1_read(uint8_t bus, uint8_t devfn, uint8_t reg, unsigned size)
{
	vpci_io_write(&pci, 0xcf8, 4, 0x80000000u | bus << 16 | devfn << 8 | (reg & 0xfc));
	return vpci_io_read(&pci, (uint16_t)(0xcfc + (reg & 3)), size);
}

static void conf1_write(uint8_t bus, uint8_t devfn, uint8_t reg, unsigned size, uint32_t v)
{
	vpci_io_write(&pci, 0xcf8, 4, 0x80000000u | bus << 16 | devfn << 8 | (reg & 0xfc));
	vpci_io_write(&pci, (uint16_t)(0xcfc + (reg & 3)), size, v);
}

static uint64_t ecam_off(uint8_t bus, uint8_t devfn, uint16_t reg)
{
	return (uint64_t)bus << 20 | (uint64_t)devfn << 12 | reg;
}

static void test_linux_check_type1(void)
{
	uint32_t tmp;
	bool sane = false;

	setup(0, 255);
	vpci_io_write(&pci, 0xcfb, 1, 0x01); /* not CONFIG_ADDRESS: ignored */
	tmp = vpci_io_read(&pci, 0xcf8, 4);
	vpci_io_write(&pci, 0xcf8, 4, 0x80000000);
	CHECK_EQ(vpci_io_read(&pci, 0xcf8, 4), 0x80000000);
	for (unsigned devfn = 0; devfn < 256 && !sane; devfn++) {
		if (conf1_read(0, (uint8_t)devfn, 0x0a, 2) == 0x0600 ||
		    conf1_read(0, (uint8_t)devfn, 0x00, 2) == 0x8086)
			sane = true;
	}
	CHECK(sane);
	vpci_io_write(&pci, 0xcf8, 4, tmp);
	CHECK_EQ(vpci_io_read(&pci, 0xcf8, 4), 0);
}

static unsigned probe_bus_conf1(uint8_t bus)
{
	unsigned found = 0;

	for (unsigned dev = 0; dev < 32; dev++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			uint8_t devfn = VPCI_DEVFN(dev, fn);

			if (conf1_read(bus, devfn, 0, 4) == 0xffffffff) {
				if (fn == 0)
					break;
				continue;
			}
			found++;
			if (fn == 0 && !(conf1_read(bus, devfn, 0x0e, 1) & 0x80))
				break; /* single-function device */
		}
	}
	return found;
}

static void test_probe_finds_one_function(void)
{
	unsigned ecam_found = 0;

	setup(0, 255);
	CHECK_EQ(probe_bus_conf1(0), 1);
	CHECK_EQ(probe_bus_conf1(1), 0);
	for (unsigned bus = 0; bus < 256; bus++)
		for (unsigned devfn = 0; devfn < 256; devfn++)
			if (vpci_ecam_read(&pci, ecam_off((uint8_t)bus, (uint8_t)devfn, 0), 2) !=
			    0xffff)
				ecam_found++;
	CHECK_EQ(ecam_found, 1);
	CHECK_EQ(vpci_ecam_size(&pci), 256ULL << 20);
}

static void test_host_bridge_header(void)
{
	setup(0, 255);
	CHECK_EQ(conf1_read(0, 0, 0x00, 4), 0x29c08086);
	CHECK_EQ(conf1_read(0, 0, 0x08, 4) >> 8, 0x060000);
	CHECK_EQ(conf1_read(0, 0, 0x0e, 1), 0);	       /* header type 0, single function */
	CHECK_EQ(conf1_read(0, 0, 0x06, 2) & 0x10, 0); /* no capability list */
	CHECK_EQ(conf1_read(0, 0, 0x34, 1), 0);
	/* read-only: IDs, class, BARs (sizing reads back 0: not implemented) */
	conf1_write(0, 0, 0x00, 4, 0x12345678);
	conf1_write(0, 0, 0x08, 4, 0xffffffff);
	conf1_write(0, 0, 0x10, 4, 0xffffffff);
	CHECK_EQ(conf1_read(0, 0, 0x00, 4), 0x29c08086);
	CHECK_EQ(conf1_read(0, 0, 0x08, 4) >> 8, 0x060000);
	CHECK_EQ(conf1_read(0, 0, 0x10, 4), 0);
	/* command: memory, master, parity, SERR writable; status untouched */
	conf1_write(0, 0, 0x04, 4, 0xffffffff);
	CHECK_EQ(conf1_read(0, 0, 0x04, 2), 0x0146);
	CHECK_EQ(conf1_read(0, 0, 0x06, 2), 0);
	conf1_write(0, 0, 0x04, 1, 0x00);
	CHECK_EQ(conf1_read(0, 0, 0x04, 2), 0x0100);
	/* cache line size writable, interrupt line not (no pin) */
	conf1_write(0, 0, 0x0c, 1, 0x10);
	conf1_write(0, 0, 0x3c, 1, 0x0b);
	CHECK_EQ(conf1_read(0, 0, 0x0c, 1), 0x10);
	CHECK_EQ(conf1_read(0, 0, 0x3c, 2), 0);
	/* ECAM extended space: nothing there */
	CHECK_EQ(vpci_ecam_read(&pci, ecam_off(0, 0, 0x100), 4), 0);
	CHECK_EQ(vpci_ecam_read(&pci, ecam_off(0, 0, 0xffc), 4), 0);
}

static void test_ecam_and_conf1_agree(void)
{
	static const unsigned sizes[] = {1, 2, 4};
	unsigned bad = 0;

	setup(0, 255);
	for (unsigned devfn = 0; devfn < 16; devfn++) {
		for (unsigned reg = 0; reg < 256; reg++) {
			for (unsigned s = 0; s < 3; s++) {
				unsigned size = sizes[s];
				uint32_t a, b;

				if (reg % size)
					continue;
				a = conf1_read(0, (uint8_t)devfn, (uint8_t)reg, size);
				b = (uint32_t)vpci_ecam_read(
				    &pci, ecam_off(0, (uint8_t)devfn, (uint16_t)reg), size);
				bad += a != b;
			}
		}
	}
	CHECK_EQ(bad, 0);
	/* a write through one is seen through the other */
	vpci_ecam_write(&pci, ecam_off(0, 0, 0x0c), 1, 0x40);
	CHECK_EQ(conf1_read(0, 0, 0x0c, 1), 0x40);
	/* 8-byte ECAM access: two dwords */
	CHECK_EQ(vpci_ecam_read(&pci, ecam_off(0, 0, 8), 8), 0x0000004006000002ULL);
}

static void test_conf1_port_rules(void)
{
	setup(0, 255);
	/* reserved bits 30:24 and 1:0 read 0 */
	vpci_io_write(&pci, 0xcf8, 4, 0xffffffff);
	CHECK_EQ(vpci_io_read(&pci, 0xcf8, 4), 0x80fffffc);
	/* byte and word accesses at 0xCF8-0xCFB are not CONFIG_ADDRESS */
	CHECK(!vpci_owns_port(0xcf8, 1) && !vpci_owns_port(0xcf9, 1) && !vpci_owns_port(0xcf8, 2));
	CHECK(vpci_owns_port(0xcf8, 4) && vpci_owns_port(0xcfc, 1) && vpci_owns_port(0xcff, 1));
	CHECK_EQ(vpci_io_read(&pci, 0xcf8, 2), 0xffff);
	vpci_io_write(&pci, 0xcf8, 4, 0x80000000);
	vpci_io_write(&pci, 0xcf8, 1, 0x08);
	CHECK_EQ(vpci_io_read(&pci, 0xcf8, 4), 0x80000000);
	/* data at offsets within the dword */
	CHECK_EQ(vpci_io_read(&pci, 0xcfe, 2), 0x29c0);
	CHECK_EQ(vpci_io_read(&pci, 0xcff, 1), 0x29);
	CHECK_EQ(vpci_io_read(&pci, 0xcfd, 2), 0xc080);	    /* misaligned word */
	CHECK_EQ(vpci_io_read(&pci, 0xcfe, 4), 0xffff29c0); /* past 0xCFF: ones */
	/* enable bit clear: all ones */
	vpci_io_write(&pci, 0xcf8, 4, 0x00000000);
	CHECK_EQ(vpci_io_read(&pci, 0xcfc, 4), 0xffffffff);
	CHECK_EQ(vpci_io_read(&pci, 0xcfc, 1), 0xff);
	/* absent functions: ones of the access size, writes dropped */
	CHECK_EQ(conf1_read(0, VPCI_DEVFN(3, 0), 0, 4), 0xffffffff);
	CHECK_EQ(conf1_read(0, VPCI_DEVFN(0, 1), 0, 2), 0xffff);
	CHECK_EQ(conf1_read(7, 0, 0x0e, 1), 0xff);
	conf1_write(7, 0, 0x04, 2, 0x0006);
	CHECK_EQ(vpci_io_read(&pci, 0x80, 1), 0xff); /* not a PCI port */
}

static void test_ecam_window(void)
{
	setup(0, 63);
	CHECK_EQ(vpci_ecam_size(&pci), 64ULL << 20);
	CHECK_EQ(vpci_ecam_read(&pci, ecam_off(0, 0, 0), 4), 0x29c08086);
	CHECK_EQ(vpci_ecam_read(&pci, 64ULL << 20, 4), 0xffffffff); /* bus 64: outside */
	CHECK_EQ(vpci_ecam_read(&pci, 1ULL << 40, 2), 0xffff);
	setup(1, 3); /* window starts at bus 1: bus 0 is not reachable through ECAM */
	CHECK_EQ(vpci_ecam_read(&pci, ecam_off(0, 0, 0), 4), 0xffffffff);
	CHECK_EQ(conf1_read(0, 0, 0, 4), 0x29c08086);
	{
		struct acpi_build_config cfg;

		acpi_build_defaults(&cfg, 0xE0000, 1); /* no MCFG */
		vpci_init(&pci, &cfg);
		CHECK_EQ(vpci_ecam_size(&pci), 0);
		CHECK_EQ(vpci_ecam_read(&pci, 0, 4), 0xffffffff);
		vpci_ecam_write(&pci, 0x0c, 1, 0x20);
		CHECK_EQ(conf1_read(0, 0, 0x0c, 1), 0);
	}
}

static void test_added_function(void)
{
	static struct vpci_emu emu;
	char err[96];

	setup(0, 255);
	vpci_emu_init(&emu, 0x1af4, 0x1000, 0x020000, 1);
	CHECK_EQ(vpci_add_func(&pci, 0, VPCI_DEVFN(2, 0), &vpci_emu_ops, &emu, err, sizeof(err)),
		 0);
	CHECK_EQ(probe_bus_conf1(0), 2);
	CHECK_EQ(conf1_read(0, VPCI_DEVFN(2, 0), 0, 4), 0x10001af4);
	/* status error bits are write-1-to-clear */
	emu.cfg[0x07] = 0xf9;
	conf1_write(0, VPCI_DEVFN(2, 0), 0x06, 2, 0x0100 | 0x2000);
	CHECK_EQ(conf1_read(0, VPCI_DEVFN(2, 0), 0x06, 2), 0xd800);
	conf1_write(0, VPCI_DEVFN(2, 0), 0x04, 2, 0xffff);
	CHECK_EQ(conf1_read(0, VPCI_DEVFN(2, 0), 0x04, 2), 0x0547);
	conf1_write(0, VPCI_DEVFN(2, 0), 0x3c, 1, 0x0b);
	CHECK_EQ(conf1_read(0, VPCI_DEVFN(2, 0), 0x3c, 1), 0x0b);
	/* errors */
	CHECK_EQ(vpci_add_func(&pci, 0, VPCI_DEVFN(2, 0), &vpci_emu_ops, &emu, err, sizeof(err)),
		 -1);
	CHECK(strstr(err, "00:02.0 is already present") != NULL);
	CHECK_EQ(vpci_add_func(&pci, 0, VPCI_DEVFN(4, 0), NULL, &emu, err, sizeof(err)), -1);
	CHECK(strstr(err, "no read or write callback") != NULL);
	for (unsigned i = 0; pci.nfuncs < VPCI_MAX_FUNCS; i++)
		CHECK_EQ(vpci_add_func(&pci, 1, (uint8_t)i, &vpci_emu_ops, &emu, NULL, 0), 0);
	CHECK_EQ(vpci_add_func(&pci, 2, 0, &vpci_emu_ops, &emu, err, sizeof(err)), -1);
	CHECK(strstr(err, "table is full") != NULL);
}

int main(void)
{
	RUN(test_linux_check_type1);
	RUN(test_probe_finds_one_function);
	RUN(test_host_bridge_header);
	RUN(test_ecam_and_conf1_agree);
	RUN(test_conf1_port_rules);
	RUN(test_ecam_window);
	RUN(test_added_function);
	return test_summary();
}
