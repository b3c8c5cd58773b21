/*
 * isr.S - entry stubs for all 256 interrupt vectors.
 *
 * isr_stubs - 256 stubs, stub N at isr_stubs + N * ISR_STUB_SIZE (idt.c
 *   relies on it).  Stub N pushes a zero error code when the CPU pushes
 *   none for vector N (SDM Vol. 3A 6.13), pushes N, and jumps to isr_common.
 *
 * isr_common - builds a struct trap_frame (include/arch/desc.h) on the
 *   current stack and calls trap_dispatch(frame).
 *   In:  RSP points at the vector number, above it the error code and the
 *        CPU's interrupt frame (RIP, CS, RFLAGS, RSP, SS).
 *   Out: if trap_dispatch returns, every general-purpose register is
 *        restored from the frame (so a handler may change them), the vector
 *        and error code are dropped and IRETQ resumes the interrupted code.
 *   Clobbers: nothing visible to the interrupted code.
 *   Stack: the CPU aligns RSP to 16 before its 5-qword push; error code,
 *   vector and 15 registers keep it 16-byte aligned at the CALL (SysV ABI).
 *   RBP is left as interrupted so the C handler's frame chain continues into
 *   the interrupted code for the stack trace.
 */
#include <arch/desc.h>

/* Vectors for which the CPU pushes an error code (SDM Vol. 3A table 6-1). */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
		      (v) == 29 || (v) == 30)

	.text
	.hidden	trap_dispatch
	.globl	isr_stubs
	.hidden	isr_stubs
	.balign	ISR_STUB_SIZE
isr_stubs:
	vector = 0
	.rept	X86_NR_VECTORS
1:
	.if	!HAS_ERROR(vector)
	pushq	$0
	.endif
	pushq	$vector
	jmp	isr_common
	.org	1b + ISR_STUB_SIZE, 0xcc	/* pads; fails if the stub is larger */
	vector = vector + 1
	.endr

	.balign	16
isr_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi
	call	trap_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$(TF_RIP - TF_VECTOR), %rsp	/* vector and error code */
	iretq
