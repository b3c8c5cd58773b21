/*
 * vdev_pci.c - the virtual PCI configuration space (include/hv/vdev_pci.h):
 * configuration mechanism #1 at 0xCF8/0xCFC and ECAM, over a table of
 * functions, with a host bridge at 00:00.0.
 *
 * References: PCI Local Bus 3.0 sections 3.2.2.3.2 (CONFIG_ADDRESS: enable
 * bit 31, bus 23:16, device 15:11, function 10:8, register 7:2; only
 * dword accesses to 0xCF8 reach it) and 6.2 (type 0 header); PCI Express
 * Base 4.0 section 7.2.2 (ECAM: bus 27:20, device 19:15, function 14:12,
 * register 11:0 of the offset); PCI Firmware 3.3 4.1.2 (MCFG).  Linux
 * paths checked: arch/x86/pci/direct.c (pci_check_type1: byte 0x01 to 0xCFB,
 * then 0x80000000 to 0xCF8 must read back; pci_sanity_check: some function
 * on bus 0 has class host bridge or VGA, or an Intel/Compaq vendor ID;
 * pci_conf1_read: 0xCFC + (reg & 3) for byte and word accesses),
 * arch/x86/pci/mmconfig_64.c (ECAM accesses of 1, 2, 4 bytes) and
 * mmconfig-shared.c (our device ID is not one of the chipsets whose
 * registers it would read instead of the MCFG).
 *
 * Bits 30:24 of CONFIG_ADDRESS are reserved and read 0 (the AMD extension
 * putting register bits 11:8 there is not offered: extended space is what
 * the ECAM window is for).
 */
#include <hv/vdev_pci.h>
#include <hv/lib.h>

#define ADDR_WRITABLE	 (VPCI_ADDR_ENABLE | GENMASK(23, 2))
#define ADDR_BUS_SHIFT	 16
#define ADDR_DEVFN_SHIFT 8
#define ADDR_REG_MASK	 0xFC
#define HB_REVISION	 0x02
/* A host bridge decodes memory and masters; it has no I/O BARs nor INTx. */
#define HB_CMD_WRITABLE (VPCI_CMD_MEMORY | VPCI_CMD_MASTER | VPCI_CMD_PARITY | VPCI_CMD_SERR)

static uint32_t ones(unsigned size)
{
	return size >= 4 ? 0xFFFFFFFF : (uint32_t)BIT(8 * size) - 1;
}

static struct vpci_func *find(struct vpci *pci, uint8_t bus, uint8_t devfn)
{
	for (unsigned i = 0; i < pci->nfuncs; i++)
		if (pci->funcs[i].bus == bus && pci->funcs[i].devfn == devfn)
			return &pci->funcs[i];
	return NULL;
}

static bool natural(uint16_t reg, unsigned size)
{
	return (size == 1 || size == 2 || size == 4) && reg % size == 0 &&
	       reg + size <= VPCI_CFG_SIZE;
}

uint32_t vpci_cfg_read(struct vpci *pci, uint8_t bus, uint8_t devfn, uint16_t reg, unsigned size)
{
	struct vpci_func *f = find(pci, bus, devfn);
	uint32_t v = 0;

	if (size > 4)
		size = 4;
	if (!f)
		return ones(size); /* master abort */
	if (natural(reg, size))
		return f->ops->read(f->ctx, reg, size) & ones(size);
	for (unsigned i = 0; i < size; i++) { /* misaligned: byte by byte */
		uint32_t b =
		    reg + i < VPCI_CFG_SIZE ? f->ops->read(f->ctx, (uint16_t)(reg + i), 1) : 0xFF;
		v |= (b & 0xFF) << (8 * i);
	}
	return v;
}

void vpci_cfg_write(struct vpci *pci, uint8_t bus, uint8_t devfn, uint16_t reg, unsigned size,
		    uint32_t val)
{
	struct vpci_func *f = find(pci, bus, devfn);

	if (size > 4)
		size = 4;
	if (!f)
		return;
	if (natural(reg, size)) {
		f->ops->write(f->ctx, reg, size, val & ones(size));
		return;
	}
	for (unsigned i = 0; i < size && reg + i < VPCI_CFG_SIZE; i++)
		f->ops->write(f->ctx, (uint16_t)(reg + i), 1, (val >> (8 * i)) & 0xFF);
}

bool vpci_owns_port(uint16_t port, unsigned size)
{
	return (port == VPCI_PORT_ADDR && size == 4) ||
	       (port >= VPCI_PORT_DATA && port < VPCI_PORT_DATA + 4);
}

/* Bytes of a CONFIG_DATA access that fall in 0xCFC-0xCFF. */
static unsigned data_bytes(uint16_t port, unsigned size)
{
	unsigned off = port - VPCI_PORT_DATA;

	return MIN(size, 4 - off);
}

uint32_t vpci_io_read(struct vpci *pci, uint16_t port, unsigned size)
{
	uint32_t a = pci->addr;
	unsigned n;

	if (size > 4)
		size = 4;
	if (!vpci_owns_port(port, size))
		return ones(size);
	if (port == VPCI_PORT_ADDR)
		return a;
	if (!(a & VPCI_ADDR_ENABLE))
		return ones(size);
	n = data_bytes(port, size);
	return vpci_cfg_read(pci, (uint8_t)(a >> ADDR_BUS_SHIFT), (uint8_t)(a >> ADDR_DEVFN_SHIFT),
			     (uint16_t)((a & ADDR_REG_MASK) + (port - VPCI_PORT_DATA)), n) |
	       (ones(size) & ~ones(n));
}

void vpci_io_write(struct vpci *pci, uint16_t port, unsigned size, uint32_t val)
{
	uint32_t a = pci->addr;

	if (size > 4)
		size = 4;
	if (!vpci_owns_port(port, size))
		return;
	if (port == VPCI_PORT_ADDR) {
		pci->addr = val & ADDR_WRITABLE;
		return;
	}
	if (!(a & VPCI_ADDR_ENABLE))
		return;
	vpci_cfg_write(pci, (uint8_t)(a >> ADDR_BUS_SHIFT), (uint8_t)(a >> ADDR_DEVFN_SHIFT),
		       (uint16_t)((a & ADDR_REG_MASK) + (port - VPCI_PORT_DATA)),
		       data_bytes(port, size), val);
}

uint64_t vpci_ecam_size(const struct vpci *pci)
{
	return pci->has_ecam ? ((uint64_t)pci->ecam_bus_end + 1) << VPCI_ECAM_BUS_SHIFT : 0;
}

/* Decode an ECAM offset; false when it is outside the MCFG's buses. */
static bool ecam_decode(const struct vpci *pci, uint64_t off, uint8_t *bus, uint8_t *devfn,
			uint16_t *reg)
{
	uint64_t b = off >> VPCI_ECAM_BUS_SHIFT;

	if (!pci->has_ecam || b < pci->ecam_bus_start || b > pci->ecam_bus_end)
		return false;
	*bus = (uint8_t)b;
	*devfn = (uint8_t)(off >> VPCI_ECAM_FN_SHIFT);
	*reg = (uint16_t)(off & (VPCI_CFG_SIZE - 1));
	return true;
}

static uint32_t ecam_read32(struct vpci *pci, uint64_t off, unsigned size)
{
	uint8_t bus, devfn;
	uint16_t reg;

	if (!ecam_decode(pci, off, &bus, &devfn, &reg))
		return ones(size);
	return vpci_cfg_read(pci, bus, devfn, reg, size);
}

static void ecam_write32(struct vpci *pci, uint64_t off, unsigned size, uint32_t val)
{
	uint8_t bus, devfn;
	uint16_t reg;

	if (ecam_decode(pci, off, &bus, &devfn, &reg))
		vpci_cfg_write(pci, bus, devfn, reg, size, val);
}

uint64_t vpci_ecam_read(struct vpci *pci, uint64_t offset, unsigned size)
{
	if (size == 8)
		return ecam_read32(pci, offset, 4) | (uint64_t)ecam_read32(pci, offset + 4, 4)
							 << 32;
	return ecam_read32(pci, offset, MIN(size, 4u));
}

void vpci_ecam_write(struct vpci *pci, uint64_t offset, unsigned size, uint64_t val)
{
	if (size == 8) {
		ecam_write32(pci, offset, 4, (uint32_t)val);
		ecam_write32(pci, offset + 4, 4, (uint32_t)(val >> 32));
		return;
	}
	ecam_write32(pci, offset, MIN(size, 4u), (uint32_t)val);
}

int vpci_add_func(struct vpci *pci, uint8_t bus, uint8_t devfn, const struct vpci_func_ops *ops,
		  void *ctx, char *err, size_t err_len)
{
	const char *why = NULL;

	if (!ops || !ops->read || !ops->write)
		why = "has no read or write callback";
	else if (find(pci, bus, devfn))
		why = "is already present";
	else if (pci->nfuncs == VPCI_MAX_FUNCS)
		why = "does not fit: the function table is full";
	if (why) {
		if (err && err_len)
			snprintf(err, err_len, "pci: function %02x:%02x.%u %s", bus, devfn >> 3,
				 (unsigned)(devfn & 7), why);
		return -1;
	}
	pci->funcs[pci->nfuncs++] =
	    (struct vpci_func){.bus = bus, .devfn = devfn, .ops = ops, .ctx = ctx};
	return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void vpci_emu_init(struct vpci_emu *emu, uint16_t vendor, uint16_t device, uint32_t class_code,
		   uint8_t revision)
{
	memset(emu, 0, sizeof(*emu));
	put16(emu->cfg + VPCI_VENDOR_ID, vendor);
	put16(emu->cfg + VPCI_DEVICE_ID, device);
	emu->cfg[VPCI_REVISION] = revision;
	emu->cfg[VPCI_CLASS_PROG] = (uint8_t)class_code;
	emu->cfg[VPCI_CLASS_DEVICE] = (uint8_t)(class_code >> 8);
	emu->cfg[VPCI_CLASS_DEVICE + 1] = (uint8_t)(class_code >> 16);
	put16(emu->wmask + VPCI_COMMAND, VPCI_CMD_IO | VPCI_CMD_MEMORY | VPCI_CMD_MASTER |
					     VPCI_CMD_PARITY | VPCI_CMD_SERR | VPCI_CMD_INTX_DIS);
	put16(emu->w1cmask + VPCI_STATUS, VPCI_STATUS_W1C);
	emu->wmask[VPCI_CACHE_LINE] = 0xFF;
	emu->wmask[VPCI_INTERRUPT_LINE] = 0xFF;
}

static uint32_t emu_read(void *ctx, uint16_t reg, unsigned size)
{
	const struct vpci_emu *emu = ctx;
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++)
		if (reg + i < VPCI_HDR_SIZE)
			v |= (uint32_t)emu->cfg[reg + i] << (8 * i);
	return v; /* extended space (ECAM 0x100-0xFFF): no capabilities, zeros */
}

static void emu_write(void *ctx, uint16_t reg, unsigned size, uint32_t val)
{
	struct vpci_emu *emu = ctx;

	for (unsigned i = 0; i < size && reg + i < VPCI_HDR_SIZE; i++) {
		uint8_t b = (uint8_t)(val >> (8 * i)), *c = &emu->cfg[reg + i];

		*c = (uint8_t)((*c & ~emu->wmask[reg + i]) | (b & emu->wmask[reg + i]));
		*c &= (uint8_t) ~(b & emu->w1cmask[reg + i]);
	}
}

const struct vpci_func_ops vpci_emu_ops = {.read = emu_read, .write = emu_write};

void vpci_init(struct vpci *pci, const struct acpi_build_config *cfg)
{
	memset(pci, 0, sizeof(*pci));
	pci->has_ecam = cfg->ecam_base != 0;
	pci->ecam_bus_start = cfg->ecam_bus_start;
	pci->ecam_bus_end = cfg->ecam_bus_end;
	vpci_emu_init(&pci->host_bridge, VPCI_HB_VENDOR, VPCI_HB_DEVICE, VPCI_HB_CLASS,
		      HB_REVISION);
	put16(pci->host_bridge.wmask + VPCI_COMMAND, HB_CMD_WRITABLE);
	pci->host_bridge.wmask[VPCI_INTERRUPT_LINE] = 0; /* no interrupt pin */
	vpci_add_func(pci, 0, VPCI_DEVFN(0, 0), &vpci_emu_ops, &pci->host_bridge, NULL, 0);
}
