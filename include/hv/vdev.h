/*
 * vdev.h - conventions shared by the virtual device models (guests/vdev_*.c).
 *
 * A device model is pure state and logic: it never touches hardware, never
 * reads a clock, never allocates.  The hypervisor's exit handlers call it
 * with the guest's access (port or MMIO offset, size, value) and with the
 * current guest time; the model answers and reports side effects through
 * callbacks the caller installs (raise an interrupt line, deliver a vector,
 * emit a byte, power off).  That keeps every model unit-testable on the
 * host with a fake clock, and keeps emulator knowledge out of it: models
 * follow the data sheets (8254, 8259A, 82093AA IOAPIC, 16550A, MC146818,
 * ACPI PM, the SDM's local APIC chapter).
 *
 * Time: guest nanoseconds since the guest started, monotonic, supplied by
 * the caller.  Models that have timers expose "next deadline" queries so the
 * caller can arm a host timer (e.g. the VMX preemption timer) and call the
 * model's tick function when it expires; a deadline of VDEV_NEVER means no
 * timer is armed.
 */
#ifndef HV_VDEV_H
#define HV_VDEV_H

#include <hv/compiler.h>

typedef uint64_t vdev_time_ns;

#define VDEV_NEVER   UINT64_MAX
#define NSEC_PER_SEC 1000000000ULL

/* An interrupt line out of a device model (e.g. a UART's IRQ 4 into the
 * IOAPIC model): level is the line's new state; edge-triggered consumers
 * act on rising edges. */
struct vdev_irq_line {
	void (*set)(void *ctx, uint32_t line, bool level);
	void *ctx;
	uint32_t line;
};

static inline void vdev_irq_set(const struct vdev_irq_line *l, bool level)
{
	if (l && l->set)
		l->set(l->ctx, l->line, level);
}

#endif
