/*
 * ioapic.h - the machine's own IOAPICs (drivers/ioapic.c): every entry is
 * masked at boot; the one device interrupt the hypervisor takes itself (its
 * console UART, core/console.c) and the timer that retries blocked console
 * input are then routed to the bootstrap CPU with ioapic_route_isa().
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

/* Where an ISA IRQ arrives: its GSI and the pin's polarity and trigger. */
struct ioapic_isa_route {
	uint32_t gsi;
	bool active_low;
	bool level;
};

/*
 * ioapic_isa_lookup - ISA irq (0..15) as the MADT's interrupt source
 * overrides (ACPI 6.5 5.2.12.5) remap it; without an override GSI = irq,
 * active high, edge (the ISA bus's own conventions, which flags 00 also
 * mean).  Pure.
 */
struct ioapic_isa_route ioapic_isa_lookup(const struct platform *plat, uint8_t irq);

/*
 * ioapic_rte - the 64-bit redirection entry delivering r as fixed vector
 * to the CPU with physical APIC ID dest (82093AA 3.2.4), masked or not.
 * Pure.
 */
uint64_t ioapic_rte(const struct ioapic_isa_route *r, uint8_t vector, uint32_t dest, bool masked);

/*
 * ioapic_set_entry - write rte to the IOAPIC entry serving gsi (the one
 * whose GSI range holds it): high dword first, so a half-written entry is
 * never unmasked.  io_find may be NULL for the MMIO of plat; tests pass a
 * model.  Returns false when no IOAPIC of plat serves gsi.
 */
bool ioapic_set_entry(const struct platform *plat, uint32_t gsi, uint64_t rte,
		      const struct ioapic_access *io_model);

/*
 * ioapic_route_isa - route ISA irq to vector on the CPU with APIC ID dest,
 * masked or not (interrupt source overrides honoured).  Returns false, with
 * nothing written, when no IOAPIC serves the irq's GSI or dest does not fit
 * the 8-bit physical destination field.  *gsi (may be NULL) gets the GSI.
 */
bool ioapic_route_isa(const struct platform *plat, uint8_t irq, uint8_t vector, uint32_t dest,
		      bool masked, uint32_t *gsi);

#endif
