/*
 * fuzz_vdev_pci.c - libFuzzer target for the virtual PCI configuration
 * space (guests/vdev_pci.c).
 *
 * The input is a sequence of accesses through 0xCF8-0xCFF (any size, any
 * value) and the ECAM window (any offset, sizes 1/2/4/8), with a second,
 * emulated function at 00:03.0.  Invariants after each access: the host
 * bridge's IDs, class and header type never change, its command register
 * holds only writable bits; CONFIG_ADDRESS holds no reserved bit; the
 * ECAM and 0xCF8 paths read the same value at a random place; absent
 * functions read all ones.
 */
#include <stdlib.h>

#include <hv/vdev_pci.h>
#include "test.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t take(const uint8_t **d, size_t *n, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++, (*d)++, (*n)--) {
		if (!*n)
			return v;
		v = v << 8 | **d;
	}
	return v;
}

static void check(struct vpci *pci, uint8_t bus, uint8_t devfn, uint16_t reg)
{
	uint32_t saved = vpci_io_read(pci, VPCI_PORT_ADDR, 4);
	uint32_t a, b;

	if (saved & ~(VPCI_ADDR_ENABLE | GENMASK(23, 2)))
		abort();
	if (vpci_cfg_read(pci, 0, 0, 0, 4) != 0x29C08086 ||
	    vpci_cfg_read(pci, 0, 0, 8, 4) >> 8 != VPCI_HB_CLASS ||
	    vpci_cfg_read(pci, 0, 0, 0x0E, 1) != 0 || vpci_cfg_read(pci, 0, 0, 4, 2) & ~0x0146u)
		abort();
	reg &= 0xFC;
	vpci_io_write(pci, VPCI_PORT_ADDR, 4, VPCI_ADDR_ENABLE | bus << 16 | devfn << 8 | reg);
	a = vpci_io_read(pci, VPCI_PORT_DATA, 4);
	b = (uint32_t)vpci_ecam_read(pci, (uint64_t)bus << 20 | devfn << 12 | reg, 4);
	if (a != b)
		abort();
	if (!(bus == 0 && (devfn == 0 || devfn == VPCI_DEVFN(3, 0))) && a != 0xFFFFFFFF)
		abort();
	vpci_io_write(pci, VPCI_PORT_ADDR, 4, saved);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned sizes[] = {1, 2, 4, 8};
	static struct vpci pci;
	static struct vpci_emu emu;
	struct acpi_build_config cfg;

	acpi_build_defaults(&cfg, 0xE0000, 1);
	cfg.ecam_base = 0xB0000000;
	cfg.ecam_bus_end = 0xFF;
	vpci_init(&pci, &cfg);
	vpci_emu_init(&emu, 0x1AF4, 0x1000, 0x020000, 0);
	if (vpci_add_func(&pci, 0, VPCI_DEVFN(3, 0), &vpci_emu_ops, &emu, NULL, 0))
		abort();
	while (size) {
		uint8_t op = (uint8_t)take(&data, &size, 1);
		unsigned sz = sizes[(op >> 2) & 3];
		uint16_t port = (uint16_t)(0xCF8 + ((op >> 4) & 7));
		uint64_t off = take(&data, &size, 1) << 12 | (take(&data, &size, 2) & 0xFFF);
		uint32_t v = (uint32_t)take(&data, &size, 4);

		if (op & 0x80)
			off |= (uint64_t)take(&data, &size, 1) << 20;
		switch (op & 3) {
		case 0:
			vpci_io_write(&pci, port, sz > 4 ? 4 : sz, v);
			break;
		case 1:
			vpci_io_read(&pci, port, sz > 4 ? 4 : sz);
			break;
		case 2:
			vpci_ecam_write(&pci, off, sz, (uint64_t)v << 32 | v);
			break;
		default:
			vpci_ecam_read(&pci, off, sz);
			break;
		}
		check(&pci, (uint8_t)(off >> 20), (uint8_t)(off >> 12), (uint16_t)v);
	}
	return 0;
}
