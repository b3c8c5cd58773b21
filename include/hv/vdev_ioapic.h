/*
 * vdev_ioapic.h - the virtual I/O APIC of a partition (guests/vdev_ioapic.c).
 *
 * A pure model (include/hv/vdev.h) of one Intel 82093AA-style I/O APIC as
 * Linux drives it (arch/x86/kernel/apic/io_apic.c): a 4 KiB MMIO window,
 * normally at 0xFEC00000, with IOREGSEL at offset 0x00, IOWIN at 0x10 and
 * the EOI register of version 0x20 parts (ICH) at 0x40; registers ID (0),
 * VER (1: version 0x20, 24 entries), ARB (2) and 24 redirection entries
 * (0x10 + 2n low dword, 0x11 + 2n high dword).
 *
 * Inputs: device models drive pins with vioapic_set_irq() (or through a
 * struct vdev_irq_line using vioapic_irq_line_set / _active_low).  Pins are
 * electrical levels and start low: a source the MADT declares active-low
 * (the SCI) must be wired through vioapic_irq_line_set_active_low and set
 * idle once at wiring time, else its unmasked entry sees it asserted.  Output:
 * every interrupt message goes to the installed deliver() callback, which
 * the hypervisor routes to the partition's virtual local APICs.  The local
 * APIC model forwards EOIs of level-triggered vectors with vioapic_eoi().
 *
 * Wiring it into the exit handlers (next session): an EPT violation in the
 * window -> decode -> vioapic_mmio_read/write(offset, size[, value]); the
 * vLAPIC's EOI of a vector whose TMR bit is set -> vioapic_eoi(vector).
 */
#ifndef HV_VDEV_IOAPIC_H
#define HV_VDEV_IOAPIC_H

#include <hv/vdev.h>

#define VIOAPIC_BASE_DEFAULT 0xFEC00000u
#define VIOAPIC_MMIO_SIZE    0x1000u /* the window decodes 4 KiB */
#define VIOAPIC_PINS	     24
#define VIOAPIC_VERSION	     0x20 /* has the EOI register (Linux: io_apic_eoi) */

/* MMIO offsets inside the window */
#define VIOAPIC_IOREGSEL 0x00
#define VIOAPIC_IOWIN	 0x10
#define VIOAPIC_EOIR	 0x40

/* Register indices (IOREGSEL) */
#define VIOAPIC_REG_ID	    0x00
#define VIOAPIC_REG_VER	    0x01
#define VIOAPIC_REG_ARB	    0x02
#define VIOAPIC_REG_REDTBL0 0x10 /* entry n: 0x10 + 2n (low), 0x11 + 2n (high) */

/* Redirection entry, low dword (82093AA section 3.2.4) */
#define VIOAPIC_RTE_VECTOR	  GENMASK(7, 0)
#define VIOAPIC_RTE_DELMODE	  GENMASK(10, 8)
#define VIOAPIC_RTE_DELMODE_SHIFT 8
#define VIOAPIC_RTE_DESTMODE	  BIT(11) /* 1 = logical */
#define VIOAPIC_RTE_DELIVS	  BIT(12) /* read-only: send pending */
#define VIOAPIC_RTE_POLARITY	  BIT(13) /* 1 = active low */
#define VIOAPIC_RTE_REMOTE_IRR	  BIT(14) /* read-only, level only */
#define VIOAPIC_RTE_TRIGGER	  BIT(15) /* 1 = level */
#define VIOAPIC_RTE_MASK	  BIT(16)
/* high dword: bits 63:56 destination (an APIC ID or a logical destination) */
#define VIOAPIC_RTE_DEST_SHIFT 56

/* Delivery modes (bits 10:8) */
enum vioapic_delmode {
	VIOAPIC_DM_FIXED = 0,
	VIOAPIC_DM_LOWPRI = 1,
	VIOAPIC_DM_SMI = 2,
	VIOAPIC_DM_NMI = 4,
	VIOAPIC_DM_INIT = 5,
	VIOAPIC_DM_EXTINT = 7,
};

/* One interrupt message, as the I/O APIC would put it on the APIC bus. */
struct vioapic_msg {
	uint8_t vector;
	uint8_t delivery_mode; /* enum vioapic_delmode */
	bool logical;	       /* destination mode */
	bool level;	       /* trigger mode: the vLAPIC sets its TMR bit */
	uint8_t dest;	       /* APIC ID (physical) or logical destination */
	uint8_t pin;	       /* the entry that sent it, for tracing */
};

struct vioapic {
	uint32_t regsel; /* IOREGSEL: bits 7:0 */
	uint8_t id;	 /* ID register bits 27:24 */
	uint8_t arb;	 /* ARB register bits 27:24, loaded on ID writes */
	uint64_t rte[VIOAPIC_PINS];
	uint32_t pin_level; /* electrical level of each input pin */
	/* Callback: must not re-enter the model synchronously. */
	void (*deliver)(void *ctx, const struct vioapic_msg *msg);
	void *ctx;
	uint64_t delivered; /* messages sent, for statistics and tests */
};

/*
 * vioapic_init - reset io to the 82093AA power-on state with I/O APIC ID id
 * (the MADT's ioapic_id) and install the delivery callback (may be NULL).
 * Returns 0, or -1 when id does not fit the 4-bit ID field.
 */
int vioapic_init(struct vioapic *io, uint8_t id,
		 void (*deliver)(void *ctx, const struct vioapic_msg *msg), void *ctx);

/*
 * vioapic_reset - RESET# asserted: every entry masked (other fields 0),
 * IOREGSEL 0, ID and ARB 0 (per data sheet; callers that need the MADT's ID
 * rewrite it via vioapic_init).  Pin levels are inputs and are kept.
 */
void vioapic_reset(struct vioapic *io);

/*
 * vioapic_mmio_read/write - a guest access at offset (from the window base)
 * of size bytes.  IOREGSEL accepts 1, 2 or 4 byte accesses at offset 0;
 * IOWIN and EOI need an aligned 4-byte access.  Anything else (other
 * offsets, sizes, offsets >= VIOAPIC_MMIO_SIZE) reads all ones (of size
 * bytes; size 8 allowed) and ignores writes.  Reads have no side effects.
 */
uint64_t vioapic_mmio_read(struct vioapic *io, uint64_t offset, unsigned int size);
void vioapic_mmio_write(struct vioapic *io, uint64_t offset, unsigned int size, uint64_t value);

/* Register-level access (what IOWIN does for index reg); unknown reads 0. */
uint32_t vioapic_reg_read(const struct vioapic *io, uint32_t reg);
void vioapic_reg_write(struct vioapic *io, uint32_t reg, uint32_t value);

/*
 * vioapic_set_irq - drive input pin gsi to electrical level (true = high).
 * An entry with polarity active-low sees the pin asserted when it is low.
 * Edge entries deliver on the asserting edge if unmasked (a masked edge is
 * lost, per the data sheet); level entries deliver while asserted, unmasked
 * and remote IRR clear.  gsi >= VIOAPIC_PINS is ignored (returns false).
 */
bool vioapic_set_irq(struct vioapic *io, uint32_t gsi, bool level);

/* struct vdev_irq_line callbacks (ctx = the vioapic): the first drives the
 * electrical level; the second takes "asserted" and drives an active-low
 * pin (ACPI SCI, PCI INTx), idle high. */
void vioapic_irq_line_set(void *ctx, uint32_t gsi, bool level);
void vioapic_irq_line_set_active_low(void *ctx, uint32_t gsi, bool asserted);

/*
 * vioapic_eoi - the local APIC accepted an EOI for a level-triggered vector:
 * clear remote IRR of every level entry with that vector and re-deliver if
 * its pin is still asserted and unmasked.  Same as writing the EOI register.
 */
void vioapic_eoi(struct vioapic *io, uint8_t vector);
/* The same with ctx = the vioapic, to plug into struct vlapic_ops.eoi. */
void vioapic_eoi_cb(void *ctx, uint8_t vector);

#endif
