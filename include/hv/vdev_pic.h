/*
 * vdev_pic.h - the legacy 8259A pair of a partition (guests/vdev_pic.c).
 *
 * A pure model (include/hv/vdev.h) of the PC's cascaded Intel 8259A
 * interrupt controllers: master at ports 0x20/0x21 (IRQ 0-7), slave at
 * 0xA0/0xA1 (IRQ 8-15) on the master's IR2, plus the edge/level control
 * registers (ELCR) of PIIX/ICH chipsets at 0x4D0/0x4D1.
 *
 * Why it exists: the guest's MADT sets PCAT_COMPAT, so Linux
 * (arch/x86/kernel/i8259.c) probes the PIC by writing a mask and reading
 * it back, initialises it with ICW1..ICW4, masks everything and then uses
 * the I/O APIC.  Our guests run with the PIC fully masked; the interrupt
 * path (intr() callback, vpic_ack()) is complete all the same so a guest
 * that does use the PIC (or the IOAPIC's ExtINT mode) works.
 *
 * Wiring it (next session): port I/O exits for 0x20, 0x21, 0xA0, 0xA1,
 * 0x4D0, 0x4D1 -> vpic_io_read/write; ISA device lines -> vpic_set_irq
 * (as well as the IOAPIC); intr(level) -> the BSP's vLAPIC LINT0 (ExtINT)
 * and, when the vCPU takes it, vpic_ack() gives the vector.
 */
#ifndef HV_VDEV_PIC_H
#define HV_VDEV_PIC_H

#include <hv/vdev.h>

#define VPIC_MASTER_CMD	 0x20
#define VPIC_MASTER_DATA 0x21
#define VPIC_SLAVE_CMD	 0xA0
#define VPIC_SLAVE_DATA	 0xA1
#define VPIC_ELCR1	 0x4D0
#define VPIC_ELCR2	 0x4D1
#define VPIC_CASCADE_IRQ 2
#define VPIC_IRQS	 16

/* ELCR bits that exist (PIIX3/ICH: IRQ 0, 1, 2, 8, 13 are always edge) */
#define VPIC_ELCR1_MASK 0xF8
#define VPIC_ELCR2_MASK 0xDE

/* One 8259A. */
struct vpic_chip {
	uint8_t irr;	    /* interrupt request register */
	uint8_t isr;	    /* in-service register */
	uint8_t imr;	    /* interrupt mask register (OCW1) */
	uint8_t line;	    /* input pin levels, for edge detection */
	uint8_t elcr;	    /* per-pin level mode (ELCR) */
	uint8_t elcr_mask;  /* writable ELCR bits */
	uint8_t cascade_in; /* master: BIT(2), the slave's INT, always level */
	uint8_t icw1;	    /* last ICW1: LTIM, SNGL, IC4 */
	uint8_t icw3;	    /* master: slave map; slave: its ID */
	uint8_t icw4;	    /* AEOI, SFNM, buffered mode, uPM */
	uint8_t vector_base;
	uint8_t init_step;   /* 0: operating; 2, 3, 4: next byte is that ICW */
	uint8_t lowest_prio; /* IR with the lowest priority (rotation) */
	bool read_isr;	     /* OCW3 RR/RIS: next command-port read returns ISR */
	bool poll;	     /* OCW3 P: next command-port read is a poll */
	bool special_mask;   /* OCW3 SMM */
	bool rotate_on_aeoi; /* OCW2 R=1 SL=0 EOI=0 */
};

struct vpic {
	struct vpic_chip chip[2]; /* 0 = master, 1 = slave */
	bool intr_level;	  /* the master's INT output */
	/* Called when INT (to the CPU's INTR / LINT0) changes, synchronously
	 * from inside the access functions: must not re-enter the model. */
	void (*intr)(void *ctx, bool level);
	void *ctx;
};

/*
 * vpic_init - reset both chips and install the INT callback (may be NULL).
 * An 8259A has no reset input; the reset state chosen is what a PC BIOS
 * leaves: master vectors 0x08, slave 0x70, cascade on IR2, edge triggered,
 * fully nested, every input masked, ELCR 0.
 */
void vpic_init(struct vpic *pic, void (*intr)(void *ctx, bool level), void *ctx);
void vpic_reset(struct vpic *pic);

/* Is port one of the six ports above? */
bool vpic_handles_port(uint16_t port);

/*
 * vpic_io_read/write - a guest IN/OUT of size 1, 2 or 4 at port.  Wider
 * accesses are split into byte accesses of port, port+1, ... as on the ISA
 * bus; a byte of a port that is not ours reads 0xFF / is ignored, as is any
 * other size.  Reads of the command port after OCW3 P=1 are poll cycles
 * (they acknowledge an interrupt); all other reads have no side effects.
 */
uint32_t vpic_io_read(struct vpic *pic, uint16_t port, unsigned int size);
void vpic_io_write(struct vpic *pic, uint16_t port, unsigned int size, uint32_t value);

/*
 * vpic_set_irq - drive ISA IRQ irq (0..15) to level, the logical request
 * (true = asserted; PIIX's active-low ELCR inputs are inverted before the
 * 8259A, so the same "asserted" a device model reports fits both modes).
 * Edge pins latch a request on the rising edge; level pins (ICW1 LTIM or
 * ELCR) request while high.  IRQ 2 is the cascade input and irq >= 16 does not exist: both
 * ignored (returns false).
 */
bool vpic_set_irq(struct vpic *pic, uint32_t irq, bool level);
/* struct vdev_irq_line callback (ctx = the vpic). */
void vpic_irq_line_set(void *ctx, uint32_t irq, bool level);

/*
 * vpic_ack - the CPU's interrupt acknowledge cycle (INTA): returns the
 * vector of the highest-priority request and puts it in service (unless
 * AEOI), or the IR7 vector of the chip with no request left (spurious; no
 * ISR bit set), as the 8259A does.
 */
uint8_t vpic_ack(struct vpic *pic);

/* Is INT asserted (an unmasked request above everything in service)? */
bool vpic_intr_pending(const struct vpic *pic);

#endif
