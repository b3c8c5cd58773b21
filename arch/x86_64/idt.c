/*
 * idt.c - the interrupt descriptor table, shared by every CPU.
 *
 * All 256 vectors point at the stubs of isr.S, which funnel into
 * trap_dispatch().  #DF, NMI and #MC run on their own IST stacks, so they
 * are reported even when the interrupted stack is the problem (a stack
 * overflow is what turns a fault into a double fault).
 */
#include <hv/arch.h>
#include <arch/desc.h>

/* SDM Vol. 3A 6.14.1, Figure 6-8: 64-bit interrupt gate */
#define GATE_TYPE_INTR 0xeULL /* clears IF on entry */
#define GATE_P	       BIT(47)

struct idt_gate {
	uint64_t lo;
	uint64_t hi;
};

static struct idt_gate idt[X86_NR_VECTORS] __aligned(16);
static bool idt_ready;

compile_assert(sizeof(idt) == X86_NR_VECTORS * 16);

static struct idt_gate gate_make(uint64_t handler, uint8_t ist)
{
	return (struct idt_gate){
	    .lo = (handler & GENMASK(15, 0)) | ((uint64_t)GDT_SEL_CODE64 << 16) |
		  ((uint64_t)(ist & 7) << 32) | (GATE_TYPE_INTR << 40) | GATE_P |
		  ((handler >> 16) & 0xffff) << 48,
	    .hi = handler >> 32,
	};
}

static uint8_t gate_ist(unsigned vector)
{
	switch (vector) {
	case X86_VEC_DF:
		return IST_DF;
	case X86_VEC_NMI:
		return IST_NMI;
	case X86_VEC_MC:
		return IST_MC;
	default:
		return 0; /* the interrupted stack */
	}
}

static void idt_build(void)
{
	uint64_t stubs = (uint64_t)(uintptr_t)isr_stubs;

	for (unsigned v = 0; v < X86_NR_VECTORS; v++)
		idt[v] = gate_make(stubs + v * ISR_STUB_SIZE, gate_ist(v));
}

/* The first CPU builds the table (the BSP, before any AP runs), every CPU loads it. */
void idt_load(void)
{
	struct desc_ptr idtr = {.limit = sizeof(idt) - 1, .base = (uint64_t)(uintptr_t)idt};

	if (!idt_ready) {
		idt_build();
		idt_ready = true;
	}
	lidt(&idtr);
}
