/*
 * vdev_ioapic.c - the virtual I/O APIC (include/hv/vdev_ioapic.h).
 *
 * Follows the Intel 82093AA data sheet (290566-001, section 3: IOREGSEL,
 * IOWIN, ID, VER, ARB, redirection table) plus the EOI register that
 * version 0x20 parts (ICH I/O APICs) add at offset 0x40, which is what
 * Linux uses: arch/x86/kernel/apic/io_apic.c reads and writes through
 * struct io_apic { index @0x00, data @0x10, eoi @0x40 }, writes an entry
 * high dword first when unmasking (__ioapic_write_entry) and low dword
 * first when masking (ioapic_mask_entry), and on version >= 0x20 ends a
 * level interrupt with io_apic->eoi = vector (__eoi_ioapic_pin); older
 * versions flip the entry to edge and back, which the model also honours
 * (switching an entry to edge clears its remote IRR, as ICH parts do).
 *
 * Not modelled, and why:
 *  - Delivery status (bit 12) always reads 0: a message is handed to the
 *    callback at once, so it is never "send pending".
 *  - Destination bits 55:48 (the extended destination ID some hypervisors
 *    advertise) are reserved and read 0: we do not offer that feature, so
 *    Linux never writes them.  Bits 63:56 are kept and sent as written; the
 *    82093AA decodes only 59:56 in physical mode, but ICH parts and Linux
 *    (xAPIC IDs up to 255) use the whole byte, so the receiver should too.
 *  - Reserved delivery modes 3 and 6 are stored but send nothing.
 *  - SMI, NMI and INIT are sent as edge messages whatever the trigger bit
 *    says (data sheet: trigger mode is ignored / must be edge for them), so
 *    they never set remote IRR.  ExtINT is sent with its entry's vector and
 *    mode; the receiver must fetch the real vector from the 8259A model.
 *  - Register 3 and other unknown indices read 0 (Linux's print_IO_APIC
 *    reads register 3 on version 0x20 and ignores a 0); IOREGSEL bits 31:8
 *    are reserved and read 0.
 *  - The pin assertion register (PRQ) of some ICH parts does not exist.
 */
#include <hv/vdev_ioapic.h>

#define RTE_LOW_WRITABLE                                                                           \
	(VIOAPIC_RTE_VECTOR | VIOAPIC_RTE_DELMODE | VIOAPIC_RTE_DESTMODE | VIOAPIC_RTE_POLARITY |  \
	 VIOAPIC_RTE_TRIGGER | VIOAPIC_RTE_MASK)
#define RTE_HIGH_WRITABLE GENMASK(31, 24) /* destination, bits 63:56 of the entry */
#define ID_SHIFT	  24
#define ID_MASK		  GENMASK(27, 24)
#define VER_MRE_SHIFT	  16 /* maximum redirection entry, bits 23:16 */

static bool rte_is_level(uint64_t rte)
{
	return rte & VIOAPIC_RTE_TRIGGER;
}

static uint32_t rte_delmode(uint64_t rte)
{
	return (uint32_t)((rte & VIOAPIC_RTE_DELMODE) >> VIOAPIC_RTE_DELMODE_SHIFT);
}

/* Modes that always behave as edge (see the file comment). */
static bool delmode_forces_edge(uint32_t mode)
{
	return mode == VIOAPIC_DM_SMI || mode == VIOAPIC_DM_NMI || mode == VIOAPIC_DM_INIT;
}

static bool delmode_is_reserved(uint32_t mode)
{
	return mode == 3 || mode == 6;
}

/* Does entry pin see its input asserted, polarity applied? */
static bool pin_asserted(const struct vioapic *io, uint32_t pin)
{
	bool high = io->pin_level & BIT(pin);

	return (io->rte[pin] & VIOAPIC_RTE_POLARITY) ? !high : high;
}

/* Does pin run the level-sensitive protocol (remote IRR, EOI)? */
static bool pin_uses_remote_irr(const struct vioapic *io, uint32_t pin)
{
	uint64_t rte = io->rte[pin];

	return rte_is_level(rte) && !delmode_forces_edge(rte_delmode(rte));
}

/* Send entry pin's message; level entries set remote IRR first, so a
 * callback that looks at the entry sees the state the guest would. */
static void send(struct vioapic *io, uint32_t pin)
{
	uint64_t rte = io->rte[pin];
	uint32_t mode = rte_delmode(rte);
	struct vioapic_msg msg = {
	    .vector = (uint8_t)(rte & VIOAPIC_RTE_VECTOR),
	    .delivery_mode = (uint8_t)mode,
	    .logical = rte & VIOAPIC_RTE_DESTMODE,
	    .level = pin_uses_remote_irr(io, pin),
	    .dest = (uint8_t)(rte >> VIOAPIC_RTE_DEST_SHIFT),
	    .pin = (uint8_t)pin,
	};

	if (delmode_is_reserved(mode))
		return;
	if (msg.level)
		io->rte[pin] |= VIOAPIC_RTE_REMOTE_IRR;
	io->delivered++;
	if (io->deliver)
		io->deliver(io->ctx, &msg);
}

/* Level-sensitive service: deliver while asserted, unmasked, IRR clear. */
static void service_level(struct vioapic *io, uint32_t pin)
{
	uint64_t rte = io->rte[pin];

	if (!pin_uses_remote_irr(io, pin) || (rte & VIOAPIC_RTE_MASK))
		return;
	if ((rte & VIOAPIC_RTE_REMOTE_IRR) || !pin_asserted(io, pin))
		return;
	send(io, pin);
}

void vioapic_reset(struct vioapic *io)
{
	io->regsel = 0;
	io->id = 0;
	io->arb = 0;
	for (uint32_t i = 0; i < VIOAPIC_PINS; i++)
		io->rte[i] = VIOAPIC_RTE_MASK; /* 82093AA 3.2.4: masked after reset */
}

int vioapic_init(struct vioapic *io, uint8_t id,
		 void (*deliver)(void *ctx, const struct vioapic_msg *msg), void *ctx)
{
	if (id > (ID_MASK >> ID_SHIFT))
		return -1;
	*io = (struct vioapic){.deliver = deliver, .ctx = ctx};
	vioapic_reset(io);
	io->id = id;
	io->arb = id;
	return 0;
}

uint32_t vioapic_reg_read(const struct vioapic *io, uint32_t reg)
{
	uint32_t pin;

	switch (reg) {
	case VIOAPIC_REG_ID:
		return (uint32_t)io->id << ID_SHIFT;
	case VIOAPIC_REG_VER:
		return (uint32_t)(VIOAPIC_PINS - 1) << VER_MRE_SHIFT | VIOAPIC_VERSION;
	case VIOAPIC_REG_ARB:
		return (uint32_t)io->arb << ID_SHIFT;
	default:
		break;
	}
	if (reg < VIOAPIC_REG_REDTBL0 || reg >= VIOAPIC_REG_REDTBL0 + 2 * VIOAPIC_PINS)
		return 0;
	pin = (reg - VIOAPIC_REG_REDTBL0) / 2;
	if (reg & 1)
		return (uint32_t)(io->rte[pin] >> 32);
	return (uint32_t)io->rte[pin];
}

/* Write one dword of entry pin, keeping the read-only bits. */
static void rte_write(struct vioapic *io, uint32_t pin, bool high, uint32_t value)
{
	uint64_t old = io->rte[pin], rte;

	if (high) {
		rte = (old & 0xFFFFFFFFull) | (uint64_t)(value & RTE_HIGH_WRITABLE) << 32;
	} else {
		rte = (old & ~(uint64_t)RTE_LOW_WRITABLE) | (value & RTE_LOW_WRITABLE);
	}
	io->rte[pin] = rte;
	/* Remote IRR is undefined for edge entries; clearing it when the
	 * entry becomes edge (or SMI/NMI/INIT) is what Linux's pre-0x20 EOI
	 * and clear_IO_APIC_pin rely on. */
	if (!pin_uses_remote_irr(io, pin))
		io->rte[pin] &= ~(uint64_t)VIOAPIC_RTE_REMOTE_IRR;
	/* An unmasked level entry whose pin is asserted delivers now; an edge
	 * entry never does on a register write (its edge is long gone). */
	service_level(io, pin);
}

void vioapic_reg_write(struct vioapic *io, uint32_t reg, uint32_t value)
{
	switch (reg) {
	case VIOAPIC_REG_ID:
		/* ARB is loaded from the ID on every ID write (82093AA 3.2.3) */
		io->id = (uint8_t)((value & ID_MASK) >> ID_SHIFT);
		io->arb = io->id;
		return;
	case VIOAPIC_REG_VER:
	case VIOAPIC_REG_ARB:
		return; /* read-only */
	default:
		break;
	}
	if (reg < VIOAPIC_REG_REDTBL0 || reg >= VIOAPIC_REG_REDTBL0 + 2 * VIOAPIC_PINS)
		return;
	rte_write(io, (reg - VIOAPIC_REG_REDTBL0) / 2, reg & 1, value);
}

static uint64_t all_ones(unsigned int size)
{
	return size >= 8 ? UINT64_MAX : (1ull << (size * 8)) - 1;
}

uint64_t vioapic_mmio_read(struct vioapic *io, uint64_t offset, unsigned int size)
{
	if (offset == VIOAPIC_IOREGSEL && (size == 1 || size == 2 || size == 4))
		return io->regsel & all_ones(size);
	if (offset == VIOAPIC_IOWIN && size == 4)
		return vioapic_reg_read(io, io->regsel);
	return all_ones(size); /* unmapped, or EOI (write-only), or bad size */
}

void vioapic_mmio_write(struct vioapic *io, uint64_t offset, unsigned int size, uint64_t value)
{
	if (offset == VIOAPIC_IOREGSEL && (size == 1 || size == 2 || size == 4))
		io->regsel = (uint32_t)value & 0xFF; /* bits 31:8 reserved */
	else if (offset == VIOAPIC_IOWIN && size == 4)
		vioapic_reg_write(io, io->regsel, (uint32_t)value);
	else if (offset == VIOAPIC_EOIR && size == 4)
		vioapic_eoi(io, (uint8_t)value); /* bits 7:0 = vector */
}

bool vioapic_set_irq(struct vioapic *io, uint32_t gsi, bool level)
{
	bool was;

	if (gsi >= VIOAPIC_PINS)
		return false;
	was = pin_asserted(io, gsi);
	if (level)
		io->pin_level |= BIT(gsi);
	else
		io->pin_level &= ~BIT(gsi);
	if (pin_uses_remote_irr(io, gsi)) {
		service_level(io, gsi);
		return true;
	}
	/* Edge: the asserting edge of an unmasked entry sends one message;
	 * "edge-sensitive interrupts signaled on a masked pin are ignored". */
	if (!was && pin_asserted(io, gsi) && !(io->rte[gsi] & VIOAPIC_RTE_MASK))
		send(io, gsi);
	return true;
}

void vioapic_irq_line_set(void *ctx, uint32_t gsi, bool level)
{
	vioapic_set_irq(ctx, gsi, level);
}

void vioapic_irq_line_set_active_low(void *ctx, uint32_t gsi, bool asserted)
{
	vioapic_set_irq(ctx, gsi, !asserted);
}

void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
	for (uint32_t pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t rte = io->rte[pin];

		if ((rte & VIOAPIC_RTE_VECTOR) != vector || !(rte & VIOAPIC_RTE_REMOTE_IRR))
			continue;
		io->rte[pin] &= ~(uint64_t)VIOAPIC_RTE_REMOTE_IRR;
		service_level(io, pin);
	}
}

void vioapic_eoi_cb(void *ctx, uint8_t vector)
{
	vioapic_eoi(ctx, vector);
}
