/*
 * vdev_pci.h - the virtual PCI configuration space of a partition
 * (guests/vdev_pci.c): configuration mechanism #1 (CONFIG_ADDRESS at 0xCF8,
 * CONFIG_DATA at 0xCFC-0xCFF) and the ECAM window the MCFG announces.
 *
 * Pure model (include/hv/vdev.h).  Configuration space is a small table of
 * functions, each answering through read/write callbacks; a function not in
 * the table is absent: its reads return all ones and its writes are
 * dropped, as a master abort does on real hardware.  vpci_init() adds the
 * host bridge at 00:00.0; later work adds emulated or passed-through
 * functions with vpci_add_func().  struct vpci_emu is a ready-made function
 * whose 256-byte header is memory with per-bit write and write-1-to-clear
 * masks, good for simple emulated functions (the host bridge is one).
 */
#ifndef HV_VDEV_PCI_H
#define HV_VDEV_PCI_H

#include <hv/acpi_build.h>
#include <hv/vdev.h>

#define VPCI_PORT_ADDR	    0xCF8
#define VPCI_PORT_DATA	    0xCFC
#define VPCI_ADDR_ENABLE    BIT(31)
#define VPCI_MAX_FUNCS	    32
#define VPCI_CFG_SIZE	    4096 /* per function, through ECAM; 256 through 0xCF8 */
#define VPCI_HDR_SIZE	    256
#define VPCI_DEVFN(d, f)    ((uint8_t)((d) << 3 | (f)))
#define VPCI_ECAM_BUS_SHIFT 20
#define VPCI_ECAM_FN_SHIFT  12

/* Type 0 header offsets and bits (PCI Local Bus 3.0 section 6.2) */
#define VPCI_VENDOR_ID	    0x00
#define VPCI_DEVICE_ID	    0x02
#define VPCI_COMMAND	    0x04
#define VPCI_STATUS	    0x06
#define VPCI_REVISION	    0x08
#define VPCI_CLASS_PROG	    0x09
#define VPCI_CLASS_DEVICE   0x0A /* sub-class, then base class at 0x0B */
#define VPCI_CACHE_LINE	    0x0C
#define VPCI_HEADER_TYPE    0x0E
#define VPCI_INTERRUPT_LINE 0x3C
#define VPCI_CMD_IO	    BIT(0)
#define VPCI_CMD_MEMORY	    BIT(1)
#define VPCI_CMD_MASTER	    BIT(2)
#define VPCI_CMD_PARITY	    BIT(6)
#define VPCI_CMD_SERR	    BIT(8)
#define VPCI_CMD_INTX_DIS   BIT(10)
#define VPCI_STATUS_W1C	    0xF900 /* parity, aborts, SERR: write 1 to clear */

/* The host bridge at 00:00.0: an Intel Q35-class DRAM controller. */
#define VPCI_HB_VENDOR 0x8086
#define VPCI_HB_DEVICE 0x29C0
#define VPCI_HB_CLASS  0x060000 /* bridge, host, prog-if 0 */

/*
 * A function's configuration space.  reg is aligned to size (1, 2 or 4)
 * and reg + size <= VPCI_CFG_SIZE: the model splits anything else.  read
 * returns the value in the low size bytes.
 */
struct vpci_func_ops {
	uint32_t (*read)(void *ctx, uint16_t reg, unsigned size);
	void (*write)(void *ctx, uint16_t reg, unsigned size, uint32_t val);
};

struct vpci_func {
	uint8_t bus, devfn;
	const struct vpci_func_ops *ops;
	void *ctx;
};

/* A function whose header is plain bytes: reads return cfg (0 past 256). */
struct vpci_emu {
	uint8_t cfg[VPCI_HDR_SIZE];
	uint8_t wmask[VPCI_HDR_SIZE];	/* bits the guest may write */
	uint8_t w1cmask[VPCI_HDR_SIZE]; /* bits the guest clears by writing 1 */
};

extern const struct vpci_func_ops vpci_emu_ops;

struct vpci {
	uint32_t addr; /* CONFIG_ADDRESS */
	bool has_ecam;
	uint8_t ecam_bus_start, ecam_bus_end;
	struct vpci_func funcs[VPCI_MAX_FUNCS];
	unsigned nfuncs;
	struct vpci_emu host_bridge;
};

/*
 * vpci_init - empty configuration space plus the host bridge at 00:00.0;
 * the ECAM bus range is cfg's (no ECAM window when cfg->ecam_base is 0).
 */
void vpci_init(struct vpci *pci, const struct acpi_build_config *cfg);

/*
 * vpci_add_func - make bus:devfn answer through ops/ctx.  Returns 0, or -1
 * with err naming the problem (table full, function already present, no
 * read or write callback).
 */
int vpci_add_func(struct vpci *pci, uint8_t bus, uint8_t devfn, const struct vpci_func_ops *ops,
		  void *ctx, char *err, size_t err_len);

/*
 * vpci_emu_init - a type 0 header: IDs, class (base << 16 | sub << 8 |
 * prog-if), revision; command bits IO, memory, master, parity, SERR and
 * INTx-disable writable; status error bits write-1-to-clear; cache line
 * size and interrupt line writable; everything else read-only zero.
 */
void vpci_emu_init(struct vpci_emu *emu, uint16_t vendor, uint16_t device, uint32_t class_code,
		   uint8_t revision);

/* vpci_cfg_read / vpci_cfg_write - one configuration access, any size 1/2/4 and offset. */
uint32_t vpci_cfg_read(struct vpci *pci, uint8_t bus, uint8_t devfn, uint16_t reg, unsigned size);
void vpci_cfg_write(struct vpci *pci, uint8_t bus, uint8_t devfn, uint16_t reg, unsigned size,
		    uint32_t val);

/*
 * vpci_owns_port - true for a dword at 0xCF8 and any access at 0xCFC-0xCFF.
 * Byte and word accesses at 0xCF8-0xCFB are not CONFIG_ADDRESS (PCI 3.0
 * 3.2.2.3.2): they go to other devices, e.g. the reset register at 0xCF9.
 */
bool vpci_owns_port(uint16_t port, unsigned size);

/*
 * vpci_io_read / vpci_io_write - a guest IN/OUT.  Ports or sizes not owned
 * read all ones and ignore writes; data accesses with the enable bit clear
 * likewise; bytes past 0xCFF read 0xFF.
 */
uint32_t vpci_io_read(struct vpci *pci, uint16_t port, unsigned size);
void vpci_io_write(struct vpci *pci, uint16_t port, unsigned size, uint32_t val);

/*
 * vpci_ecam_size - bytes from ecam_base to the end of the window: buses
 * 0..ecam_bus_end (0 without ECAM).  As in the MCFG, ecam_base is the
 * address of bus 0 even when ecam_bus_start is not 0 (PCI Firmware 3.3
 * 4.1.2); the window the caller maps and reserves in e820 starts at
 * ecam_base + (ecam_bus_start << 20).
 */
uint64_t vpci_ecam_size(const struct vpci *pci);

/*
 * vpci_ecam_read / vpci_ecam_write - a guest MMIO access of 1, 2, 4 or 8
 * bytes at offset (guest-physical address minus ecam_base).  Offsets
 * outside buses ecam_bus_start..ecam_bus_end read all ones and ignore writes; an 8-byte access is
 * two dword configuration accesses.
 */
uint64_t vpci_ecam_read(struct vpci *pci, uint64_t offset, unsigned size);
void vpci_ecam_write(struct vpci *pci, uint64_t offset, unsigned size, uint64_t val);

#endif
