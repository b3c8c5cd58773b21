/*
 * h10_bench.c - test guest: exit round-trip micro-benchmarks (`make bench`).
 *
 * Each operation below leaves the guest for the hypervisor and back; it is
 * timed ROUNDS times with the guest's own TSC (RDTSC does not exit) and one
 * line per operation is printed:
 *     BENCH <op>: min <ticks> median <ticks> (TSC ticks per round trip)
 * The RDTSC pair's own cost ("rdtsc" line, no exit) is included in each
 * figure, not subtracted.  Under an emulator the figures are the
 * emulator's, not a CPU's: compare them with each other.
 */
#include <hv/hypercall.h>
#include "guest.h"

#define ROUNDS		   101
#define COM1_LSR	   0x3fd
#define MSR_MISC_ENABLE	   0x1a0
#define MSR_MTRR_DEF_TYPE  0x2ff
#define MTRR_DEF_TYPE_WB_E 0x806

const char guest_name[] = "h10-bench";

enum bench_op { OP_RDTSC, OP_CPUID, OP_VMCALL, OP_PIO, OP_RDMSR, OP_WRMSR, OP_MMIO_R, OP_MMIO_W };

static const char *const op_names[] = {
    [OP_RDTSC] = "rdtsc (no exit)",
    [OP_CPUID] = "cpuid",
    [OP_VMCALL] = "vmcall",
    [OP_PIO] = "port I/O (inb COM1 LSR)",
    [OP_RDMSR] = "rdmsr (emulated)",
    [OP_WRMSR] = "wrmsr (emulated)",
    [OP_MMIO_R] = "MMIO read (emulated)",
    [OP_MMIO_W] = "MMIO write (emulated)",
};

static uint32_t ticks[ROUNDS];

/* One round trip of op; the value read is returned so it cannot be dropped. */
static uint32_t run_op(enum bench_op op)
{
	uint32_t v = 0, a = HV_INFO_MMIO_BASE;

	switch (op) {
	case OP_CPUID:
		return cpuid(HV_CPUID_SIGNATURE, 0).eax;
	case OP_VMCALL:
		return (uint32_t)hypercall(HC_VERSION, 0, 0, NULL);
	case OP_PIO:
		return inb(COM1_LSR);
	case OP_RDMSR:
		return (uint32_t)rdmsr(MSR_MISC_ENABLE);
	case OP_WRMSR:
		wrmsr(MSR_MTRR_DEF_TYPE, MTRR_DEF_TYPE_WB_E);
		return 0;
	case OP_MMIO_R: /* a plain MOV, which the decoder handles */
		__asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(a + HV_INFO_REG_ID) : "memory");
		return v;
	case OP_MMIO_W:
		__asm__ volatile("movl %0, (%1)"
				 :
				 : "r"(v), "r"(a + HV_INFO_REG_SCRATCH)
				 : "memory");
		return 0;
	case OP_RDTSC:
	default:
		return 0;
	}
}

static void sort(uint32_t *t, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && t[j - 1] > t[j]; j--) {
			uint32_t x = t[j];

			t[j] = t[j - 1];
			t[j - 1] = x;
		}
}

static void bench(enum bench_op op)
{
	volatile uint32_t sink = 0;

	for (unsigned i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();

		sink += run_op(op);
		ticks[i] = (uint32_t)(rdtsc() - t0);
	}
	(void)sink;
	sort(ticks, ROUNDS);
	gprintf("BENCH %s: min %u median %u\n", op_names[op], ticks[0], ticks[ROUNDS / 2]);
}

void guest_main(void)
{
	uint32_t id = 0, a = HV_INFO_MMIO_BASE;

	__asm__ volatile("movl (%1), %0" : "=r"(id) : "r"(a + HV_INFO_REG_ID) : "memory");
	expect(id == HV_INFO_ID, "mmio-info-id", "read 0x%x, expected 0x%x", id, HV_INFO_ID);
	for (unsigned op = OP_RDTSC; op <= OP_MMIO_W; op++)
		bench(op);
	report();
}
