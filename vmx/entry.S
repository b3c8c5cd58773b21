/*
 * entry.S - the one VM entry/exit stub (see vmx_run in vmx/vcpu_arch.h).
 *
 * vmx_run(struct vcpu_arch *a)          (SysV: a in %rdi)
 *   Saves the callee-saved host registers and a on the host stack, records
 *   that stack pointer as the VMCS HOST_RSP (it is the same on every exit
 *   from this entry), loads the guest's CR2 and general registers from a
 *   and executes VMLAUNCH or VMRESUME.
 * Returns 0 on a VM exit (control resumes at vmx_exit_entry, the VMCS
 *   HOST_RIP, with the stack above; the guest registers are stored back
 *   into a), 1 on VMfailValid, 2 on VMfailInvalid.
 * Clobbers: the caller-saved registers.  Interrupts must be off.
 * The VA_* offsets come from vmx/vcpu_arch.h and are compile_assert'ed
 * against struct vcpu_arch in vmx/vcpu.c.  The host never uses the
 * FPU/SSE/AVX registers (-mgeneral-regs-only), so they stay the guest's.
 *
 * When the CPU enumerates MD_CLEAR (vmx/mitigate.c) a VERW clears its
 * buffers before the entry.  VERW writes ZF, so it comes before the
 * "launched?" test; after it only the guest's own registers are loaded.
 */
#include "vmx/vcpu_arch.h"

	.text
	.globl	vmx_run
	.type	vmx_run, @function
vmx_run:
	pushq	%rbp
	movq	%rsp, %rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi			/* a: found again at 8(%rsp) on exit */

	movl	$VA_VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax
	jbe	.Lfail			/* CF or ZF: the VMWRITE itself failed */

	cmpb	$0, vmx_verw_on_entry(%rip)
	je	2f
	verw	vmx_verw_sel(%rip)	/* MDS: overwrite the CPU buffers */
2:
	movq	VA_CR2(%rdi), %rax
	movq	%rax, %cr2

	/* MOVs do not change RFLAGS: ZF below still says "not launched". */
	cmpb	$0, VA_LAUNCHED(%rdi)
	movq	VA_GPR(0)(%rdi), %rax
	movq	VA_GPR(1)(%rdi), %rcx
	movq	VA_GPR(2)(%rdi), %rdx
	movq	VA_GPR(3)(%rdi), %rbx
	movq	VA_GPR(5)(%rdi), %rbp
	movq	VA_GPR(6)(%rdi), %rsi
	movq	VA_GPR(8)(%rdi), %r8
	movq	VA_GPR(9)(%rdi), %r9
	movq	VA_GPR(10)(%rdi), %r10
	movq	VA_GPR(11)(%rdi), %r11
	movq	VA_GPR(12)(%rdi), %r12
	movq	VA_GPR(13)(%rdi), %r13
	movq	VA_GPR(14)(%rdi), %r14
	movq	VA_GPR(15)(%rdi), %r15
	movq	VA_GPR(7)(%rdi), %rdi
	je	.Llaunch
	vmresume
	jmp	.Lfail
.Llaunch:
	vmlaunch
	/* falls through only when the instruction failed (SDM 31.3) */
.Lfail:
	movl	$1, %eax
	jnc	1f
	movl	$2, %eax		/* CF: VMfailInvalid */
1:	popq	%rdi
	jmp	.Lreturn

	.globl	vmx_exit_entry
	.type	vmx_exit_entry, @function
vmx_exit_entry:
	/* VM exit: RSP = HOST_RSP (a on top), RFLAGS = 0x2, interrupts off. */
	pushq	%rdi
	movq	8(%rsp), %rdi
	movq	%rax, VA_GPR(0)(%rdi)
	movq	%rcx, VA_GPR(1)(%rdi)
	movq	%rdx, VA_GPR(2)(%rdi)
	movq	%rbx, VA_GPR(3)(%rdi)
	movq	%rbp, VA_GPR(5)(%rdi)
	movq	%rsi, VA_GPR(6)(%rdi)
	movq	%r8, VA_GPR(8)(%rdi)
	movq	%r9, VA_GPR(9)(%rdi)
	movq	%r10, VA_GPR(10)(%rdi)
	movq	%r11, VA_GPR(11)(%rdi)
	movq	%r12, VA_GPR(12)(%rdi)
	movq	%r13, VA_GPR(13)(%rdi)
	movq	%r14, VA_GPR(14)(%rdi)
	movq	%r15, VA_GPR(15)(%rdi)
	popq	%rax			/* the guest's RDI */
	movq	%rax, VA_GPR(7)(%rdi)
	movq	%cr2, %rax
	movq	%rax, VA_CR2(%rdi)
	popq	%rdi
	xorl	%eax, %eax
.Lreturn:
	/* RBP may hold a guest value here; RSP points at the saved R15. */
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.size	vmx_run, . - vmx_run

	.section .note.GNU-stack, "", @progbits
