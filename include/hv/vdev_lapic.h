/*
 * vdev_lapic.h - the virtual local APIC, one per vCPU (guests/vdev_lapic*.c).
 *
 * A pure model of the SDM Vol. 3A chapter 11 local APIC (Pentium 4 / Xeon
 * and later flavour, version 0x14, seven LVT entries including CMCI):
 *   - register access through the xAPIC MMIO page (vlapic_mmio_read/write)
 *     and the x2APIC MSRs 0x800-0x8ff (vlapic_msr_read/write, which also
 *     serve IA32_APIC_BASE and IA32_TSC_DEADLINE);
 *   - interrupt acceptance, priority (TPR/PPR), the IRR -> ISR -> EOI life
 *     cycle, and the vector the hypervisor should inject next;
 *   - the APIC timer (one-shot, periodic, TSC-deadline) as a function of
 *     guest time;
 *   - IPIs: a write of the ICR is decoded into a struct vlapic_ipi and
 *     handed to ops.ipi; the caller routes it (vlapic_route() does it over an
 *     array of the partition's vLAPICs) and each target applies it with
 *     vlapic_ipi_deliver();
 *   - INIT/SIPI: the vCPU's start state (cpu_state, sipi_vector) which the
 *     hypervisor reads to park or start an AP.
 *
 * The register file is one 4 KiB page laid out as the xAPIC MMIO page
 * (SDM Vol. 3A table 11-1), which is also the layout of a VMX virtual-APIC
 * page (SDM Vol. 3C 30.1): with APIC virtualization the CPU reads the
 * registers from it and delivers, acknowledges and ends interrupts in it
 * while the guest runs, without exits.  IRR, ISR, TMR, TPR and PPR live
 * only in the page; the other registers are kept in the structure (the
 * model needs their old values on a write) and mirrored into the page.
 *
 * Who may call what: the page may change under the guest while its vCPU
 * runs, so only the vCPU's own CPU, between exit and entry ("the owner"),
 * touches the page: the register accesses, vlapic_ack/eoi, vlapic_sync and
 * the vlapic_apicv_* calls.  Anyone (another vCPU's IPI, the IOAPIC, a
 * timer tick on another CPU) may call vlapic_accept, vlapic_tick,
 * vlapic_ipi_deliver, vlapic_lint, vlapic_init_signal and the read-only
 * queries: those leave new vectors in a pending-request bitmap (like a
 * posted-interrupt descriptor) and defer INIT's clearing of the page, and
 * the owner folds both in at its next vlapic_sync.  The caller serialises
 * all calls (core/vplatform.c holds the platform lock).
 *
 * Nothing here blocks, allocates or reads a clock: guest time comes in as
 * vdev_time_ns (hv/vdev.h).  Not modelled, and why: SMI (no SMM in guests),
 * the remote-read register, LINT remote-IRR, the thermal/perf/CMCI sources
 * (nothing raises them), focus-processor checking and real lowest-priority
 * arbitration (see vlapic_route), mixed xAPIC/x2APIC partitions (every vCPU
 * of a partition is expected to use the same mode, as Linux does).
 */
#ifndef HV_VDEV_LAPIC_H
#define HV_VDEV_LAPIC_H

#include <hv/vdev.h>

/* Return codes of the access functions. */
#define VLAPIC_OK	0
#define VLAPIC_GP	(-1) /* caller injects #GP(0) into the guest (x2APIC/MSR paths) */
#define VLAPIC_UNMAPPED (-2) /* MMIO page not decoded (APIC disabled or x2APIC mode) */

/* The xAPIC MMIO page (SDM Vol. 3A 11.4.1) and the x2APIC MSR range (11.12.1.2). */
#define VLAPIC_MMIO_SIZE 0x1000u
/* Offsets of the 256-bit vectors and of TPR/PPR in the register page. */
#define VLAPIC_OFF_TPR	    0x080u
#define VLAPIC_OFF_PPR	    0x0a0u
#define VLAPIC_OFF_ISR	    0x100u
#define VLAPIC_OFF_TMR	    0x180u
#define VLAPIC_OFF_IRR	    0x200u
#define VLAPIC_MSR_X2_FIRST 0x800u
#define VLAPIC_MSR_X2_LAST  0x8ffu

/* ESR bits the model raises (SDM Vol. 3A 11.5.3, figure 11-9). */
#define VLAPIC_ESR_SEND_ILLEGAL_VECTOR BIT(5)
#define VLAPIC_ESR_RECV_ILLEGAL_VECTOR BIT(6)
#define VLAPIC_ESR_ILLEGAL_REGISTER    BIT(7)

/* LVT entries, in register order (timer 0x320 .. error 0x370, CMCI 0x2f0). */
enum vlapic_lvt {
	VLAPIC_LVT_TIMER,
	VLAPIC_LVT_THERMAL,
	VLAPIC_LVT_PERF,
	VLAPIC_LVT_LINT0,
	VLAPIC_LVT_LINT1,
	VLAPIC_LVT_ERROR,
	VLAPIC_LVT_CMCI,
	VLAPIC_NR_LVT
};

/* ICR delivery modes (bits 10:8) and destination shorthands (bits 19:18). */
enum vlapic_ipi_mode {
	VLAPIC_IPI_FIXED = 0,
	VLAPIC_IPI_LOWEST = 1,
	VLAPIC_IPI_SMI = 2,
	VLAPIC_IPI_NMI = 4,
	VLAPIC_IPI_INIT = 5,
	VLAPIC_IPI_STARTUP = 6,
};

enum vlapic_shorthand {
	VLAPIC_DEST_NONE = 0,
	VLAPIC_DEST_SELF = 1,
	VLAPIC_DEST_ALL = 2,
	VLAPIC_DEST_ALL_BUT_SELF = 3,
};

/* A decoded interprocessor interrupt (SDM Vol. 3A 11.6.1). */
struct vlapic_ipi {
	uint32_t dest;	    /* xAPIC: ICR[63:56] (8 bits); x2APIC: ICR[63:32] */
	uint32_t source_id; /* APIC ID of the sender (for "all but self") */
	uint8_t vector;	    /* fixed/lowest: vector; SIPI: start page (CS = vector << 8) */
	uint8_t mode;	    /* enum vlapic_ipi_mode */
	uint8_t shorthand;  /* enum vlapic_shorthand */
	bool logical;	    /* destination mode logical (ICR bit 11) */
	bool assert;	    /* level (ICR bit 14): INIT with !assert is "INIT level de-assert" */
	bool level_trigger; /* trigger mode (ICR bit 15) */
	bool x2apic;	    /* sent in x2APIC mode: 32-bit destination format */
};

/* What the hypervisor reads after INIT/SIPI (SDM Vol. 3A 9.4.4 / 11.6.1). */
enum vlapic_cpu_state {
	VLAPIC_CPU_RUNNING,   /* executing */
	VLAPIC_CPU_WAIT_SIPI, /* after INIT: parked until a start-up IPI */
	VLAPIC_CPU_SIPI,      /* start-up IPI received: start in real mode at sipi_vector << 12 */
};

struct vlapic_config {
	uint32_t apic_id;  /* < 0xff unless x2apic is set */
	bool is_bsp;	   /* IA32_APIC_BASE.BSP; APs start in VLAPIC_CPU_WAIT_SIPI */
	bool x2apic;	   /* CPUID.1:ECX[21] advertised (else IA32_APIC_BASE.EXTD is reserved) */
	bool tsc_deadline; /* CPUID.1:ECX[24] advertised (else LVT timer mode 2 reserved) */
	bool eoi_suppression; /* version bit 24: SVR bit 12 writable (SDM 11.8.5) */
	uint8_t phys_bits;    /* guest MAXPHYADDR for IA32_APIC_BASE's reserved bits; 0 -> 52 */
	uint64_t timer_hz;   /* APIC timer input clock: the crystal Linux reads in CPUID 0x15 ECX */
	uint64_t tsc_hz;     /* guest TSC rate, to convert IA32_TSC_DEADLINE */
	uint64_t tsc_offset; /* guest TSC value at guest time 0 */
	/* The CPU delivers the page's interrupts itself (VMX virtual-interrupt
	 * delivery): vlapic_ack is then unused, EOIs come as vlapic_apicv_eoi,
	 * and only vectors not yet in the page need the vCPU kicked. */
	bool hw_delivery;
};

struct vlapic_ops {
	/* An IPI other than "self" was written to the ICR: route it. */
	void (*ipi)(void *ctx, const struct vlapic_ipi *ipi);
	/* A level-triggered vector was EOI'd (not called while SVR bit 12
	 * suppresses EOI broadcasts): forward it to the IOAPIC model. */
	void (*eoi)(void *ctx, uint8_t vector);
	void *ctx;
};

struct vlapic_timer {
	uint32_t initial;     /* initial-count register */
	uint32_t base_count;  /* count at base_ns (counting down from it) */
	vdev_time_ns base_ns; /* when the count was base_count */
	uint64_t expiries;    /* expiries (counter reaching 0) accounted since base_ns */
	bool armed;	      /* one-shot/periodic counting (count != 0) */
	uint64_t deadline;    /* IA32_TSC_DEADLINE, 0 = disarmed */
	uint64_t fired;	      /* statistics: timer interrupts raised (or masked) */
	uint64_t coalesced;   /* statistics: periodic expiries folded into a later one */
};

struct vlapic {
	/* The register page (first, so the page alignment costs no padding):
	 * a 32-bit register every 16 bytes; bit v of a 256-bit vector at base
	 * is bit v % 32 of the register at base + (v / 32) * 16. */
	_Alignas(4096) uint32_t page[VLAPIC_MMIO_SIZE / 4];
	struct vlapic_config cfg;
	struct vlapic_ops ops;
	uint64_t apic_base; /* IA32_APIC_BASE */
	uint32_t ldr;	    /* xAPIC LDR; in x2APIC mode derived from the ID */
	uint32_t dfr;
	uint32_t svr;
	/* accepted from anywhere, not yet in IRR/TMR (the owner folds them in) */
	uint32_t pir[8], pir_level[8];
	bool pir_any;
	bool page_reset;      /* an INIT cleared the registers; the owner clears the page */
	bool mirror_dirty;    /* a mirrored register or PPR changed since the last mirror */
	uint32_t esr;	      /* value software reads */
	uint32_t esr_pending; /* errors since the last ESR write */
	uint64_t icr;	      /* ICR, high half = destination */
	uint32_t lvt[VLAPIC_NR_LVT];
	uint32_t dcr;
	struct vlapic_timer timer;
	enum vlapic_cpu_state cpu_state;
	uint8_t sipi_vector;
	bool nmi_pending;    /* NMI IPI or LVT NMI: caller injects NMI and clears */
	bool extint_pending; /* LVT ExtINT (8259 virtual wire): caller asks the PIC for a vector */
};

/*
 * vlapic_init - validate cfg and put the vLAPIC into its power-up state.
 * ops may be NULL (IPIs other than self are then dropped, EOIs not forwarded).
 * Returns 0, or -1 (with an error naming the field) when timer_hz or tsc_hz
 * is 0, or apic_id >= 0xff without x2apic.
 */
int vlapic_init(struct vlapic *vl, const struct vlapic_config *cfg, const struct vlapic_ops *ops);

/* RESET: power-up state (SDM Vol. 3A 11.4.7.1, 10.1 table 9-1). */
void vlapic_reset(struct vlapic *vl);

/* INIT signal: registers reset, APIC ID/base/mode kept (11.4.7.3), vCPU parked
 * in VLAPIC_CPU_WAIT_SIPI. */
void vlapic_init_signal(struct vlapic *vl);

/*
 * xAPIC MMIO access at offset (0..0xfff into the page), size 1, 2, 4 or 8.
 * Registers are 32 bits at 16-byte-aligned offsets; a read that falls inside
 * a register's first four bytes returns those bytes, other bytes read 0;
 * only aligned 4-byte writes (and 8-byte ones, low half) take effect.
 * Reserved registers read 0, ignore writes and set ESR bit 7.  A size other
 * than 1/2/4/8 or an access past the page end reads all ones and is ignored.
 * Returns VLAPIC_OK, or VLAPIC_UNMAPPED (read value all ones) when the page is
 * not decoded: APIC hardware-disabled or in x2APIC mode (SDM 11.12.1.2).
 */
int vlapic_mmio_read(struct vlapic *vl, uint32_t offset, unsigned size, vdev_time_ns now,
		     uint64_t *val);
int vlapic_mmio_write(struct vlapic *vl, uint32_t offset, unsigned size, uint64_t val,
		      vdev_time_ns now);

/* Guest-physical base of the MMIO page, or 0 when it is not decoded. */
uint64_t vlapic_mmio_base(const struct vlapic *vl);

/* True for the MSRs vlapic_msr_read/write serve: IA32_APIC_BASE,
 * IA32_TSC_DEADLINE, 0x800-0x8ff. */
bool vlapic_msr_handles(uint32_t msr);

/*
 * RDMSR/WRMSR of an MSR vlapic_msr_handles() accepts.  Returns VLAPIC_OK or
 * VLAPIC_GP (SDM 11.12.1.3): x2APIC MSR outside x2APIC mode, undefined
 * register, write to a read-only or read of a write-only register, non-zero
 * EOI/ESR write, bits 63:32 set for a 32-bit register, invalid
 * IA32_APIC_BASE transition or reserved bits (11.12.5), TSC deadline not
 * advertised.
 */
int vlapic_msr_read(struct vlapic *vl, uint32_t msr, vdev_time_ns now, uint64_t *val);
int vlapic_msr_write(struct vlapic *vl, uint32_t msr, uint64_t val, vdev_time_ns now);

/* Guest time of the next timer expiry, VDEV_NEVER when none is armed. */
vdev_time_ns vlapic_next_deadline(const struct vlapic *vl, vdev_time_ns now);

/* Account timer expiries up to now; an unmasked expiry sets the timer vector
 * in IRR.  Periodic expiries missed since the last call are coalesced into
 * one interrupt (like hardware, which has one IRR bit): counted in
 * timer.coalesced, phase preserved. */
void vlapic_tick(struct vlapic *vl, vdev_time_ns now);

/* Accept a fixed interrupt (from the IOAPIC, an IPI, an LVT): requested,
 * then set in IRR (and TMR set/cleared) at the owner's next sync.  Returns false when dropped:
 * vector < 16 (ESR bit 6), or APIC hardware- or software-disabled (SDM 11.4.7.2). */
bool vlapic_accept(struct vlapic *vl, uint8_t vector, bool level_triggered);

/* The highest requested vector (IRR or not yet folded in) whose priority
 * class is above PPR's, or -1.  Anyone. */
int vlapic_pending_vector(const struct vlapic *vl);

/* Whether vectors wait that the owner has not folded into the page yet. */
bool vlapic_has_new(const struct vlapic *vl);

/*
 * vlapic_sync - the owner brings the page up to date: a deferred INIT
 * clears it, an ICR high half the CPU stored there is taken, pending
 * requests are folded into IRR/TMR, the mirrored registers and PPR are
 * rewritten.  Every owner access does this itself;
 * the hypervisor calls it before entering a guest with APIC virtualization.
 */
void vlapic_sync(struct vlapic *vl);

/* After vlapic_sync: the VMX guest interrupt status (SDM Vol. 3C 25.4.2):
 * RVI = highest IRR vector in bits 7:0, SVI = highest ISR vector in 15:8
 * (0 when none). */
uint16_t vlapic_intr_status(const struct vlapic *vl);

/* The VMX EOI-exit bitmap (SDM Vol. 3C 30.1.4): level-triggered vectors
 * (TMR), whose EOIs the IOAPIC must see, unless SVR suppresses EOI
 * broadcasts. */
void vlapic_eoi_exit_bitmap(const struct vlapic *vl, uint64_t bitmap[4]);

/*
 * vlapic_apicv_write - an APIC-write VM exit (SDM Vol. 3C 30.4.3.3): the
 * guest's aligned 32-bit write is already in the page at offset; carry
 * out what writing that register means (send an IPI, arm the timer...) and
 * put the register's real value back.  Owner only.
 */
void vlapic_apicv_write(struct vlapic *vl, uint32_t offset, vdev_time_ns now);

/* An EOI-induced VM exit for vector (SDM Vol. 3C 30.1.4): the CPU already
 * ended it in ISR; forward a level-triggered one as vlapic_eoi would. */
void vlapic_apicv_eoi(struct vlapic *vl, uint8_t vector);

/* Whether vector is set in the 256-bit vector at base (VLAPIC_OFF_IRR,
 * _ISR, _TMR) of the page. */
bool vlapic_page_test(const struct vlapic *vl, uint32_t base, uint8_t vector);

/* The hypervisor injected vector: IRR -> ISR (SDM 11.8.4).  Returns false
 * (and changes nothing) when vector was not in IRR. */
bool vlapic_ack(struct vlapic *vl, uint8_t vector);

/* EOI: clears the highest ISR bit; forwards level-triggered vectors to
 * ops.eoi.  Returns the vector, or -1 when ISR was empty. */
int vlapic_eoi(struct vlapic *vl);

/* Processor priority (SDM 11.8.3.1) and arbitration priority (11.8.2). */
uint32_t vlapic_ppr(const struct vlapic *vl);
uint32_t vlapic_apr(const struct vlapic *vl);

/* Whether vl is a destination of ipi (shorthand, physical/logical match). */
bool vlapic_ipi_match(const struct vlapic *vl, const struct vlapic_ipi *ipi);

/* Apply a routed IPI to its target: fixed/lowest -> IRR, NMI -> nmi_pending,
 * INIT -> vlapic_init_signal, SIPI -> start state; SMI and INIT de-assert
 * are ignored. */
void vlapic_ipi_deliver(struct vlapic *vl, const struct vlapic_ipi *ipi);

/*
 * Route ipi over the partition's vLAPICs (NULL entries skipped) and deliver
 * it.  Lowest priority is delivered to the first matching entry only (the
 * array is ordered by APIC ID, so the lowest-numbered target): SDM 11.6.2.4
 * allows model-specific arbitration and Linux uses fixed delivery anyway.
 * Returns the number of vLAPICs it was delivered to.
 */
unsigned vlapic_route(struct vlapic *const *vls, size_t n, const struct vlapic_ipi *ipi);

/* A rising edge on LINT0/LINT1 (pin 0 or 1), delivered per its LVT entry. */
void vlapic_lint(struct vlapic *vl, unsigned pin);

/* After a SIPI: returns true once with the start-up vector and marks the
 * vCPU running. */
bool vlapic_take_sipi(struct vlapic *vl, uint8_t *vector);

/* Whether the APIC is in x2APIC mode / hardware-enabled / software-enabled. */
bool vlapic_is_x2apic(const struct vlapic *vl);
bool vlapic_hw_enabled(const struct vlapic *vl);
bool vlapic_sw_enabled(const struct vlapic *vl);

#endif
