/*
 * traps.c - what happens on an exception, an NMI or an interrupt.
 *
 * An exception in the hypervisor is a broken invariant: print everything a
 * developer needs (vector, error code, the interrupt frame, control and
 * general registers, a frame-pointer stack trace), then panic.  Guest
 * faults never arrive here: they cause VM exits.  The NMI doubles as the
 * "stop" signal of smp_stop_others().  Interrupt vectors go to handlers
 * registered with arch_set_irq_handler().
 */
#include <hv/arch.h>
#include <hv/cpu.h>
#include <hv/printk.h>
#include <hv/vmx.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/paging.h>

#define TRACE_MAX_FRAMES 16
#define TRACE_MAX_FRAME	 (1 * MiB) /* a larger step between frames is garbage */

compile_assert(offsetof(struct trap_frame, r15) == TF_R15);
compile_assert(offsetof(struct trap_frame, rax) == TF_RAX);
compile_assert(offsetof(struct trap_frame, vector) == TF_VECTOR);
compile_assert(offsetof(struct trap_frame, error_code) == TF_ERROR);
compile_assert(offsetof(struct trap_frame, rip) == TF_RIP);
compile_assert(sizeof(struct trap_frame) == TF_SIZE);

static const char *const exception_names[X86_NR_EXCEPTIONS] = {
    [0] = "#DE divide error",
    [1] = "#DB debug",
    [2] = "NMI",
    [3] = "#BP breakpoint",
    [4] = "#OF overflow",
    [5] = "#BR bound range exceeded",
    [6] = "#UD invalid opcode",
    [7] = "#NM device not available",
    [8] = "#DF double fault",
    [9] = "coprocessor segment overrun",
    [10] = "#TS invalid TSS",
    [11] = "#NP segment not present",
    [12] = "#SS stack-segment fault",
    [13] = "#GP general protection",
    [14] = "#PF page fault",
    [16] = "#MF x87 floating-point error",
    [17] = "#AC alignment check",
    [18] = "#MC machine check",
    [19] = "#XM SIMD floating-point",
    [20] = "#VE virtualization exception",
    [21] = "#CP control protection",
    [28] = "#HV hypervisor injection",
    [29] = "#VC VMM communication",
    [30] = "#SX security exception",
};

static void (*irq_handlers[X86_NR_VECTORS])(uint8_t vector);
static uint8_t trap_depth[HV_MAX_CPUS];

void arch_set_irq_handler(uint8_t vector, void (*handler)(uint8_t vector))
{
	if (vector < X86_NR_EXCEPTIONS)
		panic("arch: vector %u is an exception, not an interrupt", vector);
	irq_handlers[vector] = handler;
}

static const char *exception_name(uint64_t vector)
{
	const char *name = vector < X86_NR_EXCEPTIONS ? exception_names[vector] : NULL;

	return name ? name : "reserved exception";
}

/* A frame pointer is followed only if the two words it points at are mapped. */
static bool frame_readable(uint64_t fp)
{
	return fp != 0 && IS_ALIGNED(fp, 8) && fp < paging_mapped_end() - 16;
}

/* Walk the RBP chain: [rbp] = caller's rbp, [rbp + 8] = return address.
 * Frames must move up the stack, by less than TRACE_MAX_FRAME each. */
static void stack_trace(uint64_t rip, uint64_t rbp)
{
	pr_err("  stack trace (return addresses, innermost first):\n");
	pr_err("    #0 0x%016llx\n", (unsigned long long)rip);
	for (int i = 1; i < TRACE_MAX_FRAMES && frame_readable(rbp); i++) {
		const uint64_t *fp = (const uint64_t *)(uintptr_t)rbp;
		uint64_t next = fp[0], ret = fp[1];

		if (ret == 0)
			break;
		pr_err("    #%d 0x%016llx\n", i, (unsigned long long)ret);
		if (next <= rbp || next - rbp > TRACE_MAX_FRAME)
			break;
		rbp = next;
	}
}

static void dump_registers(const struct trap_frame *f)
{
	pr_err("  rip 0x%016llx cs %#llx rflags %#llx rsp 0x%016llx ss %#llx\n",
	       (unsigned long long)f->rip, (unsigned long long)f->cs, (unsigned long long)f->rflags,
	       (unsigned long long)f->rsp, (unsigned long long)f->ss);
	pr_err("  cr0 %#llx cr2 0x%016llx cr3 %#llx cr4 %#llx\n", (unsigned long long)read_cr0(),
	       (unsigned long long)read_cr2(), (unsigned long long)read_cr3(),
	       (unsigned long long)read_cr4());
	pr_err("  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", (unsigned long long)f->rax,
	       (unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	pr_err("  rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n", (unsigned long long)f->rsi,
	       (unsigned long long)f->rdi, (unsigned long long)f->rbp, (unsigned long long)f->r8);
	pr_err("  r9  %016llx r10 %016llx r11 %016llx r12 %016llx\n", (unsigned long long)f->r9,
	       (unsigned long long)f->r10, (unsigned long long)f->r11, (unsigned long long)f->r12);
	pr_err("  r13 %016llx r14 %016llx r15 %016llx\n", (unsigned long long)f->r13,
	       (unsigned long long)f->r14, (unsigned long long)f->r15);
}

static __noreturn void exception_report(const struct trap_frame *f, uint32_t cpu_id)
{
	const char *name = exception_name(f->vector);

	if (trap_depth[cpu_id]++ > 0) {
		/* faulted while reporting: the short version, then stop */
		panic("%s (vector %llu) at %#llx while handling an exception", name,
		      (unsigned long long)f->vector, (unsigned long long)f->rip);
	}
	pr_err("cpu %u: exception %s (vector %llu), error code %#llx\n", cpu_id, name,
	       (unsigned long long)f->vector, (unsigned long long)f->error_code);
	dump_registers(f);
	stack_trace(f->rip, f->rbp);
	panic("unhandled exception %s at %#llx", name, (unsigned long long)f->rip);
}

/*
 * An interrupt nobody registered: log it once per vector (a level-triggered
 * or periodic source would flood the console), then EOI it - except the
 * spurious vector, which sets no ISR bit and must not be EOIed (SDM
 * 11.9).  Without the EOI its ISR bit stays set and blocks every vector of
 * the same or lower priority class on this CPU (SDM 11.8.4).
 */
static void irq_unexpected(uint8_t vector, uint32_t cpu_id)
{
	static uint8_t seen[X86_NR_VECTORS / 8];
	uint8_t bit = (uint8_t)BIT(vector % 8);

	if (!(__atomic_fetch_or(&seen[vector / 8], bit, __ATOMIC_RELAXED) & bit))
		pr_warn("cpu %u: unexpected interrupt, vector %u%s (further ones not logged)\n",
			cpu_id, vector, vector == APIC_SPURIOUS_VECTOR ? " (spurious)" : "");
	if (vector != APIC_SPURIOUS_VECTOR)
		lapic_eoi();
}

/* NMI: halt for good when smp_stop_others() asked for it, else report and
 * go on.  A stopped CPU leaves VMX root operation first: INIT is blocked
 * there (SDM 24.8), and the CPU that stopped it may reset the machine with
 * an INIT-based mechanism next. */
static void nmi_handle(const struct trap_frame *f, struct percpu *cpu)
{
	if (cpu->stop_requested) {
		vmx_cpu_disable(cpu);
		console_unlock_if_held();
		cpu_halt_forever();
	}
	pr_warn("cpu %u: unexpected NMI at %#llx\n", cpu->cpu_id, (unsigned long long)f->rip);
}

void trap_dispatch(struct trap_frame *f)
{
	struct percpu *cpu = this_cpu();
	uint32_t cpu_id = cpu->cpu_id < HV_MAX_CPUS ? cpu->cpu_id : 0;

	if (f->vector == X86_VEC_NMI) {
		nmi_handle(f, cpu);
	} else if (f->vector >= X86_NR_EXCEPTIONS) {
		void (*handler)(uint8_t) = irq_handlers[f->vector & 0xff];

		if (handler)
			handler((uint8_t)f->vector);
		else
			irq_unexpected((uint8_t)f->vector, cpu_id);
	} else {
		exception_report(f, cpu_id);
	}
}
