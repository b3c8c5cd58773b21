/*
 * ioapic.c - mask the machine's IOAPICs at boot, and route the few ISA
 * interrupts the hypervisor takes itself (its console UART).
 *
 * The hypervisor owns no physical device interrupt: it runs with interrupts
 * off except in short windows (and its own wake-up IPIs), and guests get
 * modelled interrupt controllers (guests/vdev_ioapic.c), not the real ones.
 * Firmware may leave redirection entries unmasked (a boot loader's timer or
 * keyboard), and such an interrupt would land in a window as an unexpected
 * vector, so every entry of every IOAPIC is masked once at boot.
 *
 * Reference: Intel 82093AA I/O APIC datasheet, 3.0: IOREGSEL at offset
 * 0x00, IOWIN at 0x10; register 0x01 version (bits 23:16 maximum
 * redirection entry); entry n at registers 0x10 + 2n (low dword, bit 16
 * mask) and 0x11 + 2n.
 */
#include <hv/ioapic.h>
#include <hv/printk.h>

#define IOAPIC_REGSEL	      0x00
#define IOAPIC_WIN	      0x10
#define IOAPIC_REG_VER	      0x01
#define IOAPIC_VER_MRE	      GENMASK(23, 16)
#define IOAPIC_VER_MRE_SHIFT  16
#define IOAPIC_REDTBL(n)      (0x10 + 2 * (n))
#define IOAPIC_RTE_MASKED     BIT(16)
#define IOAPIC_RTE_LOW	      BIT(13) /* polarity: active low */
#define IOAPIC_RTE_LEVEL      BIT(15) /* trigger mode: level */
#define IOAPIC_RTE_DEST_SHIFT 56      /* physical destination, bits 63:56 */
#define IOAPIC_DEST_MAX	      0xff
/* MPS INTI flags of an interrupt source override (ACPI 6.5 Table 5.50) */
#define ISO_POLARITY	  GENMASK(1, 0)
#define ISO_POLARITY_LOW  3
#define ISO_TRIGGER	  GENMASK(3, 2)
#define ISO_TRIGGER_SHIFT 2
#define ISO_TRIGGER_LEVEL 3
#define ISA_BUS		  0
#define IOAPIC_MMIO_ALIGN 16 /* IOREGSEL and IOWIN are 16 bytes apart */

uint32_t ioapic_mask_entries(const struct ioapic_access *io, uint32_t *were_unmasked)
{
	uint32_t ver = io->read(io->ctx, IOAPIC_REG_VER);
	uint32_t n, unmasked = 0;

	if (were_unmasked)
		*were_unmasked = 0;
	if (ver == 0xffffffffu)
		return 0;
	n = ((ver & IOAPIC_VER_MRE) >> IOAPIC_VER_MRE_SHIFT) + 1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t lo = io->read(io->ctx, IOAPIC_REDTBL(i));

		if (!(lo & IOAPIC_RTE_MASKED)) {
			unmasked++;
			io->write(io->ctx, IOAPIC_REDTBL(i), lo | IOAPIC_RTE_MASKED);
		}
	}
	if (were_unmasked)
		*were_unmasked = unmasked;
	return n;
}

/* MMIO accessors: ctx is the identity-mapped base address. */
static uint32_t ioapic_mmio_read(void *ctx, uint32_t reg)
{
	volatile uint32_t *base = ctx;

	base[IOAPIC_REGSEL / 4] = reg;
	return base[IOAPIC_WIN / 4];
}

static void ioapic_mmio_write(void *ctx, uint32_t reg, uint32_t val)
{
	volatile uint32_t *base = ctx;

	base[IOAPIC_REGSEL / 4] = reg;
	base[IOAPIC_WIN / 4] = val;
}

void ioapic_mask_all(const struct platform *plat)
{
	for (uint32_t i = 0; i < plat->ioapic_count && i < PLAT_MAX_IOAPICS; i++) {
		const struct plat_ioapic *a = &plat->ioapics[i];
		struct ioapic_access io = {ioapic_mmio_read, ioapic_mmio_write,
					   (void *)(uintptr_t)a->address};
		uint32_t n, unmasked;

		if (a->address == 0 || a->address % IOAPIC_MMIO_ALIGN) {
			pr_warn("ioapic: id %u: MADT address %#x is not a register block; "
				"not masked\n",
				a->id, a->address);
			continue;
		}
		n = ioapic_mask_entries(&io, &unmasked);
		if (n == 0)
			pr_warn("ioapic: id %u at %#x does not answer (version register "
				"all-ones); not masked\n",
				a->id, a->address);
		else
			pr_debug("ioapic: id %u at %#x: %u entries masked (%u were unmasked)\n",
				 a->id, a->address, n, unmasked);
	}
}

struct ioapic_isa_route ioapic_isa_lookup(const struct platform *plat, uint8_t irq)
{
	struct ioapic_isa_route r = {.gsi = irq, .active_low = false, .level = false};

	for (uint32_t i = 0; i < plat->iso_count && i < PLAT_MAX_ISOS; i++) {
		const struct plat_iso *o = &plat->isos[i];

		if (o->bus != ISA_BUS || o->source != irq)
			continue;
		r.gsi = o->gsi;
		/* 00 "conforms to the bus": ISA is active high, edge */
		r.active_low = (o->flags & ISO_POLARITY) == ISO_POLARITY_LOW;
		r.level = ((o->flags & ISO_TRIGGER) >> ISO_TRIGGER_SHIFT) == ISO_TRIGGER_LEVEL;
		break;
	}
	return r;
}

uint64_t ioapic_rte(const struct ioapic_isa_route *r, uint8_t vector, uint32_t dest, bool masked)
{
	uint64_t rte = vector; /* delivery mode 000 fixed, destination mode 0 physical */

	if (r->active_low)
		rte |= IOAPIC_RTE_LOW;
	if (r->level)
		rte |= IOAPIC_RTE_LEVEL;
	if (masked)
		rte |= IOAPIC_RTE_MASKED;
	return rte | (uint64_t)(dest & IOAPIC_DEST_MAX) << IOAPIC_RTE_DEST_SHIFT;
}

bool ioapic_set_entry(const struct platform *plat, uint32_t gsi, uint64_t rte,
		      const struct ioapic_access *io_model)
{
	for (uint32_t i = 0; i < plat->ioapic_count && i < PLAT_MAX_IOAPICS; i++) {
		const struct plat_ioapic *a = &plat->ioapics[i];
		struct ioapic_access mmio = {ioapic_mmio_read, ioapic_mmio_write,
					     (void *)(uintptr_t)a->address};
		const struct ioapic_access *io = io_model ? io_model : &mmio;
		uint32_t ver, n;

		if (gsi < a->gsi_base ||
		    (!io_model && (a->address == 0 || a->address % IOAPIC_MMIO_ALIGN)))
			continue;
		ver = io->read(io->ctx, IOAPIC_REG_VER);
		if (ver == 0xffffffffu)
			continue;
		n = ((ver & IOAPIC_VER_MRE) >> IOAPIC_VER_MRE_SHIFT) + 1;
		if (gsi - a->gsi_base >= n)
			continue;
		io->write(io->ctx, IOAPIC_REDTBL(gsi - a->gsi_base) + 1, (uint32_t)(rte >> 32));
		io->write(io->ctx, IOAPIC_REDTBL(gsi - a->gsi_base), (uint32_t)rte);
		return true;
	}
	return false;
}

bool ioapic_route_isa(const struct platform *plat, uint8_t irq, uint8_t vector, uint32_t dest,
		      bool masked, uint32_t *gsi)
{
	struct ioapic_isa_route r = ioapic_isa_lookup(plat, irq);

	if (gsi)
		*gsi = r.gsi;
	if (dest > IOAPIC_DEST_MAX)
		return false;
	return ioapic_set_entry(plat, r.gsi, ioapic_rte(&r, vector, dest, masked), NULL);
}
