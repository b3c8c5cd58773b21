/*
 * vplatform.h - a partition's virtual PC platform (core/vplatform.c): the
 * pure device models of include/hv/vdev_*.h wired together and into the
 * VM-exit path.
 *
 * One struct vplatform per guest holds one vLAPIC per vCPU, one vIOAPIC,
 * the 8259A pair, the COM1 16550A (its output goes to guest_console_putc,
 * so lines stay tagged "NAME: text"), the 8254 PIT, the ACPI PM fixed
 * hardware, the CMOS RTC and the PCI host bridge.  Every access and every
 * timer tick takes the platform's lock: the models are shared by the
 * guest's vCPUs and their callbacks (interrupt lines, IPIs) cross models.
 *
 * Interrupt lines: ISA IRQ n drives the PIC's input n and the IOAPIC's
 * GSI n, except IRQ 0 (the PIT), which is GSI 2 as the MADT's interrupt
 * source override says; the SCI is active-low level on both.  The IOAPIC's
 * messages and the vLAPICs' IPIs are routed over the partition's vLAPICs
 * (vlapic_route); a vCPU that receives an interrupt is marked irq_pending
 * and its physical CPU kicked, so a halted vCPU wakes and a running one
 * exits and gets it injected.
 *
 * Time: guest time is the TSC since the platform was (re)set, in
 * nanoseconds.  The models' timers are served by the physical CPU's own
 * LAPIC timer, armed one-shot at the earliest model deadline before each
 * VM entry and before a halted vCPU sleeps (vplatform_arm_timer).
 */
#ifndef HV_VPLATFORM_H
#define HV_VPLATFORM_H

#include <hv/acpi_build.h>
#include <hv/guest.h>
#include <hv/spinlock.h>
#include <hv/vdev_acpi_pm.h>
#include <hv/vdev_ioapic.h>
#include <hv/vdev_lapic.h>
#include <hv/vdev_pci.h>
#include <hv/vdev_pic.h>
#include <hv/vdev_pit.h>
#include <hv/vdev_rtc.h>
#include <hv/vdev_uart.h>

#define VPLATFORM_COM1 0x3f8
/* The guests' LAPIC page, at the architectural default; relocating it is
 * refused (IA32_APIC_BASE writes, vplatform_msr), as no OS needs that. */
#define VPLATFORM_LAPIC_BASE 0xfee00000ULL
#define VPLATFORM_UART_IRQ   4
#define VPLATFORM_TIMER_VEC  0xee /* the host LAPIC timer serving model deadlines */

struct vplatform {
	spinlock_t lock;
	struct guest *g;
	uint64_t tsc0; /* host TSC at guest time 0 */
	struct acpi_build_config acfg;
	struct vlapic lapic[GUEST_MAX_VCPUS];
	struct vlapic *lapics[GUEST_MAX_VCPUS]; /* for vlapic_route, ordered by APIC ID */
	struct vioapic ioapic;
	struct vpic pic;
	struct vuart uart;
	struct vpit pit;
	struct vacpi_pm pm;
	struct vrtc rtc;
	struct vpci pci;
};

/* MSR access results of vplatform_msr. */
enum vplatform_msr_result {
	VPLATFORM_MSR_NONE = 0, /* not a platform MSR: the caller decides */
	VPLATFORM_MSR_OK,
	VPLATFORM_MSR_GP, /* the caller injects #GP(0) */
};

/* The platform's description for acpi_build() (tables at guest-physical
 * base): the devices vplatform_create() builds are the ones it lists. */
void vplatform_acpi_config(struct acpi_build_config *cfg, uint64_t base, uint32_t vcpus);

/*
 * vplatform_create - allocate g's platform, put every model in its reset
 * state and register the LAPIC and IOAPIC MMIO regions.  On the bootstrap
 * CPU, before g starts.  Returns 0, or -1 (reported) when memory or an
 * MMIO slot is missing or a model refuses its configuration.
 */
int vplatform_create(struct guest *g);

/* Reset every model (guest restart); g is stopped. */
void vplatform_reset(struct guest *g);

/* Guest time now. */
vdev_time_ns vplatform_now(const struct vplatform *vp);

/*
 * vplatform_io - a guest IN/OUT of size 1, 2 or 4 at port.  For IN, *val
 * receives the value (low size bytes).  Returns false when no model
 * decodes the port (the caller applies its unclaimed-port policy).
 */
bool vplatform_io(struct vcpu *vcpu, uint16_t port, unsigned size, bool in, uint32_t *val);

/* RDMSR (write false, *val out) or WRMSR (*val in) of msr by vcpu. */
enum vplatform_msr_result vplatform_msr(struct vcpu *vcpu, uint32_t msr, bool write, uint64_t *val);

/*
 * vplatform_uart_input - one byte typed for g's COM1 (the operator's
 * console input, core/console.c); raises the receive interrupt as the
 * guest programmed it.  false when the guest has no UART or its receive
 * FIFO is full: the caller keeps the byte and offers it again later.
 */
bool vplatform_uart_input(struct guest *g, uint8_t byte);

/* Whether a vCPU may enter its guest (the INIT/SIPI protocol, SDM Vol. 3A
 * 9.4.4): at power-up the boot vCPU runs and the others wait for a
 * start-up IPI; an INIT parks any vCPU again. */
enum vplatform_start {
	VPLATFORM_START_RUN = 0, /* running: enter it as it is */
	VPLATFORM_START_WAIT,	 /* parked: wait (the IPI that changes it kicks the CPU) */
	VPLATFORM_START_SIPI,	 /* start-up IPI taken: real mode at CS = *vector << 8, IP 0 */
};

/* Where vcpu stands; SIPI is returned once (the vCPU then runs).  A guest
 * without a platform has its boot vCPU running and the others parked. */
enum vplatform_start vplatform_vcpu_start(struct vcpu *vcpu, uint8_t *vector);

/* An INIT arrived while vcpu ran: leave the guest and wait for a SIPI.
 * Lock-free: checked after every exit. */
bool vplatform_vcpu_parked(const struct vcpu *vcpu);

/* Whether g has a platform whose vLAPIC the guest should be told about. */
bool vplatform_has_lapic(const struct guest *g);

/*
 * vplatform_intr - advance every model to now, then the vector vcpu should
 * take next, or -1.  With take, the vector is acknowledged (vLAPIC IRR ->
 * ISR, or the PIC's INTA for ExtINT): the caller must inject it.  Without
 * lapic only the PIC (ExtINT) is asked: the CPU delivers the vLAPIC's
 * vectors itself (APIC virtualization, vplatform_apicv_sync).
 */
int vplatform_intr(struct vcpu *vcpu, bool take, bool lapic);

/* The host-physical address of vcpu's vLAPIC register page, which is its
 * VMX virtual-APIC page (0 when g has no platform). */
uint64_t vplatform_vapic_page(struct vcpu *vcpu);

/* APIC virtualization, before an entry: bring vcpu's register page up to
 * date; returns the guest interrupt status (RVI | SVI << 8) and fills the
 * EOI-exit bitmap. */
uint16_t vplatform_apicv_sync(struct vcpu *vcpu, uint64_t eoi_exit[4]);

/* An APIC-write exit at offset / an EOI-induced exit for vector
 * (SDM Vol. 3C 30.4.3.3, 30.1.4). */
void vplatform_apic_write(struct vcpu *vcpu, uint32_t offset);
void vplatform_apic_eoi(struct vcpu *vcpu, uint8_t vector);

/* Whether an NMI waits for vcpu (NMI IPI, LVT LINT1); with take it is
 * consumed: the caller injects it. */
bool vplatform_nmi(struct vcpu *vcpu, bool take);

/* Arm this physical CPU's LAPIC timer at the earliest model deadline (or
 * stop it when there is none).  Interrupts off. */
void vplatform_arm_timer(struct vcpu *vcpu);
/* Nanoseconds until the next deadline of vcpu's guest's device models (a
 * halted vCPU on a shared CPU is woken then, core/sched.c), 0 when due,
 * UINT64_MAX when none is armed. */
uint64_t vplatform_next_event_ns(struct vcpu *vcpu);

/* Install the host timer's interrupt handler; once, on the bootstrap CPU. */
void vplatform_init(void);

#endif
