/*
 * ctx_switch.S - switch host stacks between the scheduler of a shared CPU
 * and the threads that run its vCPUs (core/sched.c).
 *
 * void sched_ctx_switch(uint64_t *save_rsp, uint64_t new_rsp)  (SysV)
 *   Pushes the callee-saved registers, stores RSP in *save_rsp, loads
 *   new_rsp and pops the registers saved there, then returns on that
 *   stack.  A new stack is prepared with six zero registers under the
 *   address of its entry function (core/sched.c sched_thread_stack).
 *   The caller-saved registers are the caller's to lose (SysV);
 *   interrupts must be off.  FPU/SSE state is not touched (-mgeneral-regs-only).
 */
	.text
	.globl	sched_ctx_switch
	.type	sched_ctx_switch, @function
sched_ctx_switch:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.size	sched_ctx_switch, . - sched_ctx_switch

	.section .note.GNU-stack, "", @progbits
