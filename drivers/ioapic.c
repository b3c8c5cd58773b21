/*
 * ioapic.c - mask the machine's IOAPICs at boot.
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

#define IOAPIC_REGSEL	     0x00
#define IOAPIC_WIN	     0x10
#define IOAPIC_REG_VER	     0x01
#define IOAPIC_VER_MRE	     GENMASK(23, 16)
#define IOAPIC_VER_MRE_SHIFT 16
#define IOAPIC_REDTBL(n)     (0x10 + 2 * (n))
#define IOAPIC_RTE_MASKED    BIT(16)
#define IOAPIC_MMIO_ALIGN    16 /* IOREGSEL and IOWIN are 16 bytes apart */

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
