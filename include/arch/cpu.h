/*
 * cpu.h - thin wrappers for x86-64 system instructions (CPUID, MSRs,
 * control registers, HLT, TSC).  One instruction family per wrapper; the
 * mnemonics appear nowhere else.  VMX instructions live in vmx/vmx_ops.h.
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <hv/compiler.h>

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;
	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR_ACCESSORS(n)                                                                     \
	static inline uint64_t read_cr##n(void)                                                    \
	{                                                                                          \
		uint64_t v;                                                                        \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                                  \
		return v;                                                                          \
	}                                                                                          \
	static inline void write_cr##n(uint64_t v)                                                 \
	{                                                                                          \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");                         \
	}
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
#undef DEFINE_CR_ACCESSORS

static inline uint64_t read_rflags(void)
{
	uint64_t v;
	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline void cpu_relax(void)
{
	__builtin_ia32_pause();
}
static inline void irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}
static inline void irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}
static inline void cpu_halt(void)
{
	__asm__ volatile("hlt" ::: "memory");
}
/* Wait for an interrupt with interrupts off around it: STI's one-instruction
 * shadow makes "sti; hlt" atomic, so an interrupt that became pending before
 * the STI still ends the HLT (SDM Vol. 2B, STI).  Returns with IF=0 after
 * the interrupt's handler ran. */
static inline void cpu_sti_hlt(void)
{
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}
/* Let pending interrupts be delivered, then block them again: the NOP ends
 * STI's shadow (a plain "sti; cli" would deliver nothing). */
static inline void irq_window(void)
{
	__asm__ volatile("sti; nop; cli" ::: "memory");
}
/* Stop this CPU for good: interrupts off, HLT in a loop (NMIs return to HLT). */
static inline __noreturn void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}
static inline void xsetbv(uint32_t idx, uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(idx), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* XRSTOR (64-bit form) of the components in mask & XCR0 from the 64-byte
 * aligned XSAVE area (SDM Vol. 1 13.8). */
static inline void xrstor(const void *area, uint64_t mask)
{
	__asm__ volatile("xrstor64 %0"
			 :
			 : "m"(*(const uint8_t(*)[576])area), "a"((uint32_t)mask),
			   "d"((uint32_t)(mask >> 32))
			 : "memory");
}

/* CPUID feature bits used by the core */
#define CPUID_1_ECX_VMX		   BIT(5)
#define CPUID_1_ECX_X2APIC	   BIT(21)
#define CPUID_1_ECX_XSAVE	   BIT(26)
#define CPUID_1_ECX_TSC_DEADLINE   BIT(24)
#define CPUID_1_EDX_APIC	   BIT(9)
#define CPUID_80000001_EDX_PDPE1GB BIT(26)
#define CPUID_80000007_EDX_INVTSC  BIT(8)

/* Control register bits (SDM Vol. 3A 2.5) */
#define CR0_PE BIT(0)
#define CR0_MP BIT(1)
#define CR0_EM BIT(2)
#define CR0_TS BIT(3)
#define CR0_NE BIT(5)
#define CR0_WP BIT(16)
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define CR0_PG BIT(31)

#define CR4_PAE	       BIT(5)
#define CR4_PGE	       BIT(7)
#define CR4_OSFXSR     BIT(9)
#define CR4_OSXMMEXCPT BIT(10)
#define CR4_VMXE       BIT(13)
#define CR4_OSXSAVE    BIT(18)

#define RFLAGS_IF BIT(9)

/* XCR0 state components (SDM Vol. 1 13.3) */
#define XCR0_X87    BIT(0)
#define XCR0_SSE    BIT(1)
#define XCR0_AVX    BIT(2)
#define XCR0_MPX    GENMASK(4, 3) /* BNDREGS and BNDCSR: both or neither */
#define XCR0_AVX512 GENMASK(7, 5)
#define XCR0_AMX    GENMASK(18, 17) /* XTILECFG and XTILEDATA: both or neither */

#endif
