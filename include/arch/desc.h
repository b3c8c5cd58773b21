/*
 * desc.h - x86-64 descriptor tables: the hypervisor's GDT selectors, the
 * TSS/IST layout, IDT vectors, and the trap frame the exception stubs
 * (arch/x86_64/isr.S) build for the C handler (arch/x86_64/traps.c).
 *
 * The TF_* offsets are used by the assembly and checked against the C
 * structure with compile_assert in traps.c, so the two cannot drift apart.
 */
#ifndef ARCH_DESC_H
#define ARCH_DESC_H

/* Every CPU's GDT has this layout (arch/x86_64/gdt.c); VMCS host state uses these. */
#define GDT_SEL_NULL   0x00
#define GDT_SEL_CODE64 0x08 /* 64-bit code, DPL 0 */
#define GDT_SEL_DATA   0x10 /* data, DPL 0 (SS, DS, ES) */
#define GDT_SEL_TSS    0x18 /* 64-bit TSS, 16 bytes (two slots) */
#define GDT_ENTRIES    5

/* IST slots (1-based, as in the gate's IST field; SDM Vol. 3A 7.14.5) */
#define IST_DF	       1
#define IST_NMI	       2
#define IST_MC	       3
#define IST_COUNT      3
#define IST_STACK_SIZE 8192

/* Exception vectors (SDM Vol. 3A 6.3.1) */
#define X86_VEC_DE	  0
#define X86_VEC_DB	  1
#define X86_VEC_NMI	  2
#define X86_VEC_BP	  3
#define X86_VEC_DF	  8
#define X86_VEC_PF	  14
#define X86_VEC_MC	  18
#define X86_NR_EXCEPTIONS 32
#define X86_NR_VECTORS	  256

/* Each stub in isr.S is padded to this size, so stub N is at isr_stubs + N * size. */
#define ISR_STUB_SIZE 16

/* struct trap_frame offsets: 15 GPRs pushed by isr.S, then vector and error
 * code, then the CPU's interrupt frame. */
#define TF_R15	  0
#define TF_RAX	  112
#define TF_VECTOR 120
#define TF_ERROR  128
#define TF_RIP	  136
#define TF_SIZE	  176

#ifndef __ASSEMBLY__
#include <hv/compiler.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error_code; /* 0 for vectors without one */
	/* pushed by the CPU (SDM Vol. 3A 6.14.2) */
	uint64_t rip, cs, rflags, rsp, ss;
};

/* 64-bit TSS (SDM Vol. 3A 8.7, Figure 8-11) */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

/* The 256 entry stubs of isr.S. */
extern const char isr_stubs[];

/* C side of every stub (traps.c): exceptions, NMI and interrupts. */
void trap_dispatch(struct trap_frame *f);

/* gdt.c: build this CPU slot's GDT and TSS and load them (GDTR, segments, TR). */
void gdt_load_cpu(uint32_t cpu_id);
/* idt.c: build the shared IDT on first use and load it into IDTR. */
void idt_load(void);

static inline void lgdt(const struct desc_ptr *p)
{
	__asm__ volatile("lgdt %0" : : "m"(*p) : "memory");
}

static inline void lidt(const struct desc_ptr *p)
{
	__asm__ volatile("lidt %0" : : "m"(*p) : "memory");
}

static inline void ltr(uint16_t sel)
{
	__asm__ volatile("ltr %0" : : "r"(sel) : "memory");
}

/* Read GDTR / IDTR (the VMCS host-state area needs their bases). */
static inline void sgdt(struct desc_ptr *p)
{
	__asm__ volatile("sgdt %0" : "=m"(*p));
}

static inline void sidt(struct desc_ptr *p)
{
	__asm__ volatile("sidt %0" : "=m"(*p));
}

/* Reload CS through a far return (a MOV cannot load CS), then the data
 * segments; FS and GS get the null selector: their bases are set by MSR. */
static inline void load_segments(uint16_t cs, uint16_t ds)
{
	__asm__ volatile("pushq %q0\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\tmovl %k1, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs"
			 :
			 : "r"((uint64_t)cs), "r"((uint32_t)ds)
			 : "rax", "memory");
}
#endif

#endif
