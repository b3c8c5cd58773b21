/*
 * vdev_pit.h - the virtual 8254 programmable interval timer of a partition
 * (guests/vdev_pit.c): ports 0x40-0x43 and the PC's port 0x61 ("NMI status
 * and control": channel 2 gate, speaker enable, channel 2 output).
 *
 * Pure model (include/hv/vdev.h): the counters are computed from guest time
 * at 1.193182 MHz, never stepped.  Channel 0 drives IRQ0 (a pulse on each
 * rising edge of OUT0); the caller arms a timer at vpit_next_deadline() and
 * calls vpit_tick() when it expires.  Channel 2's gate is port 0x61 bit 0
 * and its output is port 0x61 bit 5, which is what Linux polls to calibrate
 * the TSC (arch/x86/kernel/tsc.c pit_calibrate_tsc, quick_pit_calibrate).
 */
#ifndef HV_VDEV_PIT_H
#define HV_VDEV_PIT_H

#include <hv/vdev.h>

#define VPIT_HZ		1193182ULL
#define VPIT_PORT_CH0	0x40
#define VPIT_PORT_CTRL	0x43
#define VPIT_PORT_B	0x61 /* NMI status and control ("port B") */
#define VPIT_CHANNELS	3
#define VPIT_REFRESH_NS 15085 /* port 0x61 bit 4 toggles every 15.085 us */

/* Port 0x61 bits */
#define VPIT_B_GATE2	  BIT(0) /* channel 2 gate, R/W */
#define VPIT_B_SPKR	  BIT(1) /* speaker data enable, R/W (no sound is made) */
#define VPIT_B_PARITY_DIS BIT(2) /* R/W, stored only */
#define VPIT_B_IOCHK_DIS  BIT(3) /* R/W, stored only */
#define VPIT_B_REFRESH	  BIT(4) /* RO, toggles with guest time */
#define VPIT_B_OUT2	  BIT(5) /* RO, channel 2 output */

struct vpit_channel {
	/* programmed by the control word */
	uint8_t mode; /* 0..5 */
	uint8_t rw;   /* 1 = LSB, 2 = MSB, 3 = LSB then MSB */
	bool bcd;
	/* the count and its loading */
	uint32_t reload;     /* initial count N, 1..modulus; 0 = none written yet */
	uint8_t wr_lsb;	     /* first byte of an LSB-then-MSB write */
	bool wr_msb_next;    /* write flip-flop */
	bool rd_msb_next;    /* read flip-flop */
	bool counting;	     /* counting element running (gate/trigger allow it) */
	bool done;	     /* one-shot modes: terminal event already happened */
	uint64_t start_tick; /* tick at which the counting element held start_count */
	uint32_t start_count;
	uint32_t frozen;    /* count while not counting */
	bool out_frozen;    /* OUT while not counting */
	uint64_t load_tick; /* NULL COUNT until this tick (UINT64_MAX: no count yet) */
	/* latches (counter latch and read-back commands) */
	bool count_latched;
	uint8_t latch_reads_left;
	uint16_t latch;
	bool status_latched;
	uint8_t status;
	bool gate;
};

struct vpit {
	struct vpit_channel ch[VPIT_CHANNELS];
	uint8_t port_b;		   /* the R/W bits of port 0x61 */
	struct vdev_irq_line irq0; /* installed by the caller; pulsed per OUT0 rising edge */
	uint64_t irq_from_tick;	   /* first tick whose OUT0 rising edge is not yet delivered */
};

/* Guest time to PIT input clock ticks since guest time 0 (overflow-free). */
static inline uint64_t vpit_ticks(vdev_time_ns now)
{
	return now / NSEC_PER_SEC * VPIT_HZ + now % NSEC_PER_SEC * VPIT_HZ / NSEC_PER_SEC;
}

/*
 * vpit_init - the power-on state: every channel unprogrammed (mode 0,
 * LSB-then-MSB, no count, OUT low), channel 2 gate low, no IRQ0 pending.
 * irq0 (may have a NULL set) is kept in the struct for vpit_tick().
 */
void vpit_init(struct vpit *pit, const struct vdev_irq_line *irq0);

/* vpit_reset - back to the vpit_init() state, keeping the IRQ0 line. */
void vpit_reset(struct vpit *pit);

/* vpit_owns - true for the ports this model answers: 0x40-0x43 and 0x61. */
bool vpit_owns(uint16_t port);

/*
 * vpit_io_read / vpit_io_write - a guest IN/OUT of size 1, 2 or 4 bytes at
 * port.  Wider accesses act byte by byte on consecutive ports, as on an ISA
 * bus; bytes at ports this model does not own read 0xFF and ignore writes.
 * Both first deliver any IRQ0 edge due by now (see vpit_tick).
 */
uint32_t vpit_io_read(struct vpit *pit, uint16_t port, unsigned size, vdev_time_ns now);
void vpit_io_write(struct vpit *pit, uint16_t port, unsigned size, uint32_t val, vdev_time_ns now);

/*
 * vpit_next_deadline - guest time of the next IRQ0 edge not yet delivered,
 * or VDEV_NEVER when channel 0 will not raise one.
 */
vdev_time_ns vpit_next_deadline(const struct vpit *pit);

/*
 * vpit_tick - deliver IRQ0 if an OUT0 rising edge happened by now: one
 * pulse (line up, then down) however many edges passed since the last call
 * (lost periods coalesce, as an 8259 cannot queue them either).
 */
void vpit_tick(struct vpit *pit, vdev_time_ns now);

#endif
