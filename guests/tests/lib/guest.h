/*
 * guest.h - the runtime every test guest links (guests/tests/lib/): serial
 * output, check reporting, catching expected faults, and ending the guest.
 *
 * A test guest defines guest_name and guest_main(); crt0.S and runtime.c do
 * the rest.  Each check prints exactly one line on COM1:
 *     PASS <check>
 *     FAIL <check>: <detail>
 * and, where a check cannot run here, "SKIP <check>: <why>" (not counted).
 * Other lines start with INFO or ATTEMPT (an action after which the
 * hypervisor is expected to stop the guest).  report() prints
 *     SUMMARY <name>: N passed, N failed
 * and ends the guest (guest_exit).  An exception nobody expected is a FAIL
 * line naming the vector and address, followed by report().
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include "x86.h"

#define __noreturn     __attribute__((noreturn))
#define __printf(a, b) __attribute__((format(printf, a, b)))

/* x86 exception vectors (SDM 6.3.1) */
#define VEC_DE	  0
#define VEC_UD	  6
#define VEC_DF	  8
#define VEC_GP	  13
#define VEC_PF	  14
#define VEC_TIMER 64 /* the vector hlt.c programs its timer with */
#define NO_FAULT  (-1)

/* What the boot loader told us (Multiboot 0.6.96 3.3). */
struct boot_info {
	bool multiboot;	    /* EAX held 0x2BADB002 */
	uint32_t mbi;	    /* physical address of the information structure */
	uint32_t mem_upper; /* KiB above 1 MiB */
	uint64_t ram_end;   /* one past the highest available byte (mmap, else mem_upper) */
	const char *cmdline;
	const char *loader;
};

extern struct boot_info boot;

/* Defined by each test guest. */
extern const char guest_name[];
void guest_main(void);

/* ---- output (runtime.c, format.c) ---- */
void serial_putc(char c); /* COM1, polling LSR.THRE with a bounded wait */
__printf(1, 2) void gprintf(const char *fmt, ...);
void gvprintf(const char *fmt, va_list ap);
__printf(3, 4) int gsnprintf(char *buf, size_t size, const char *fmt, ...);

/* ---- checks ---- */
void pass(const char *check);
__printf(2, 3) void fail(const char *check, const char *fmt, ...);
/* PASS when ok, else FAIL with the formatted detail. */
__printf(3, 4) void expect(bool ok, const char *check, const char *fmt, ...);
void skip(const char *check, const char *why);
/* PASS when vector == want, else FAIL naming what happened instead. */
void expect_fault(int vector, int want, const char *check);
/* "ATTEMPT ...": announce an action that should end this guest. */
__printf(1, 2) void attempt(const char *fmt, ...);
/* Print the SUMMARY line (for guests whose last act is an ATTEMPT). */
void summary(void);
/* Print the SUMMARY line and end the guest with the failure count. */
__noreturn void report(void);
/*
 * guest_exit - end the guest: HC_POWEROFF(code) through VMCALL when the
 * hypervisor of include/hv/hypercall.h is present, then (if that returns,
 * or on bare hardware) CLI; HLT forever, which that hypervisor also treats
 * as the end of the guest.
 */
__noreturn void guest_exit(uint32_t code);

/* ---- the hypervisor (include/hv/hypercall.h) ---- */
/* True when CPUID.1:ECX[31] is set and leaf 0x40000000 carries HV_CPUID_SIG. */
bool hv_present(void);
/* VMCALL nr(a1, a2); returns RAX, *rbx gets RBX; NO_FAULT-safe: a fault
 * (e.g. #UD without a hypervisor) returns -1000 - vector. */
int32_t hypercall(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t *rbx);

/* ---- expected faults (runtime.c) ---- */
/*
 * TRY_ASM(insn, constraints) runs the instruction(s) insn once; when they
 * fault, the handler records the vector and resumes after them.  Yields the
 * vector caught or NO_FAULT.  constraints is the rest of the asm statement
 * and must end with a "memory" clobber, e.g.
 *     TRY_ASM("rdmsr", : "=a"(lo), "=d"(hi) : "c"(msr) : "memory")
 * Outputs are meaningless when a fault was caught.
 */
extern volatile uint32_t fault_resume;
void fault_arm(void);
int fault_disarm(void);
uint32_t fault_error(void); /* error code of the last fault caught */
#define TRY_ASM(insn, ...)                                                                         \
	__extension__({                                                                            \
		fault_arm();                                                                       \
		__asm__ volatile("movl $1f, fault_resume\n\t" insn "\n1:\n" __VA_ARGS__);          \
		fault_disarm();                                                                    \
	})

const char *vector_name(int vector); /* "#GP", "none" for NO_FAULT, ... */
int rdmsr_safe(uint32_t msr, uint64_t *val);
int wrmsr_safe(uint32_t msr, uint64_t val);
int write_cr4_safe(uint32_t val);
int xsetbv_safe(uint32_t xcr, uint64_t val);

/* Point IDT vector at handler (a crt0-style stub), gate DPL dpl (0 or 3). */
void idt_set(unsigned vector, uint32_t handler, unsigned dpl);

/* An interrupt handler for VEC_TIMER (hlt.c); NULL ignores the interrupt. */
extern void (*timer_handler)(void);

/* The C library's three the compiler may also call (runtime.c). */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* Entry points called from crt0.S. */
struct frame;
__noreturn void runtime_start(uint32_t magic, uint32_t mbi);
void isr_dispatch(struct frame *f);

#endif
