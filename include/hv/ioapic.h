/*
 * ioapic.h - the machine's own IOAPICs: masked at boot, since no physical
 * device interrupt is routed anywhere (drivers/ioapic.c).
 */
#ifndef HV_IOAPIC_H
#define HV_IOAPIC_H

#include <hv/compiler.h>
#include <hv/platform.h>

/* Register access to one IOAPIC (indirect: IOREGSEL, then IOWIN).  The
 * driver passes MMIO accessors; a host test passes a model. */
struct ioapic_access {
	uint32_t (*read)(void *ctx, uint32_t reg);
	void (*write)(void *ctx, uint32_t reg, uint32_t val);
	void *ctx;
};

/*
 * ioapic_mask_entries - set the mask bit of every redirection entry of one
 * IOAPIC, leaving the other bits as they are.  The entry count comes from
 * the version register (bits 23:16 + 1).  Returns the number of entries, or
 * 0 when the version register reads all-ones (nothing at that address).
 * *were_unmasked (may be NULL) gets how many were unmasked before.
 */
uint32_t ioapic_mask_entries(const struct ioapic_access *io, uint32_t *were_unmasked);

/*
 * ioapic_mask_all - mask every redirection entry of every IOAPIC the MADT
 * lists (plat->ioapics[]); firmware may leave some unmasked.  Needs the
 * MMIO identity-mapped uncached (paging_init).  Prints only at loglevel
 * debug, except a warning for an IOAPIC address that is 0, misaligned, or
 * where nothing answers.
 */
void ioapic_mask_all(const struct platform *plat);

#endif
