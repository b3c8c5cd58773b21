/*
 * trampoline.S - start-up code of an application processor: real mode ->
 * protected mode -> long mode -> the 64-bit C entry in smp.c.
 *
 * This blob is never executed where it is linked.  smp_start_aps() copies it
 * to a page below 1 MiB at physical address B (B page aligned; the SIPI
 * vector is B >> 12), fills in the parameter block at B + TRAMP_PARAMS
 * (see include/arch/trampoline.h) and relocates the three fields that hold
 * addresses (the two far pointers and the GDT base, assembled relative to
 * trampoline_start).  Only differences of labels appear below, so the blob
 * needs no linker relocation and works in the PIE/UEFI image as well.
 *
 * Entry state (SDM Vol. 3A 8.4.4 and 9.1.4, after INIT + STARTUP IPI):
 *   real mode, CS = B >> 4, IP = 0, other registers at their INIT values,
 *   interrupts disabled by the INIT, paging off, caches as after INIT.
 * Steps:
 *   16-bit: DS = CS; EBX = B; load the temporary GDT; set CR0.PE; far jump
 *           through the patched pointer to pm32 with CS = TRAMP_SEL_CODE32.
 *   32-bit: flat data segments; CR4 = params.cr4_32 (PAE, plus LA57 when the
 *           hypervisor uses 5-level paging); CR3 = params.cr3_low, a copy of
 *           the BSP's top-level table below 4 GiB (a 32-bit MOV to CR3
 *           cannot load more); EFER = params.efer (LME, and NXE so that the
 *           hypervisor's NX mappings are valid); CR0.PG -> IA-32e mode; far
 *           jump to lm64 with CS = TRAMP_SEL_CODE64.
 *   64-bit: started = 1; CR4, CR3, CR0 = the BSP's values; RSP =
 *           params.stack_top; RDI = params.percpu; jump to params.entry.
 * Control resumes at params.entry (smp.c's ap_start64, which never returns)
 * as a C function called with one argument and no return address: a zero
 * is pushed where the return address would be, so the stack has the ABI's
 * alignment and frame-pointer walks end there.
 * Clobbers: everything; nothing of the INIT state is preserved.
 */
#include <arch/trampoline.h>

#define CR0_PE 0x00000001
#define CR0_PG 0x80000000
#define MSR_EFER 0xc0000080

	.section .rodata.trampoline, "a"
	.balign 16
	.globl trampoline_start
	.globl trampoline_end

	.code16
trampoline_start:
	cli
	cld
	jmp	real16

	/* struct trampoline_params: filled in by smp.c */
	.org	TRAMP_PARAMS
	.quad	0			/* cr3_low */
	.quad	0			/* cr3 */
	.quad	0			/* cr0 */
	.quad	0			/* cr4 */
	.quad	0			/* cr4_32 */
	.quad	0			/* efer */
	.quad	0			/* entry */
	.quad	0			/* stack_top */
	.quad	0			/* percpu */
	.long	0			/* started */
	.long	0
	.long	pm32 - trampoline_start	/* pm32 far pointer */
	.word	TRAMP_SEL_CODE32, 0
	.long	lm64 - trampoline_start	/* lm64 far pointer */
	.word	TRAMP_SEL_CODE64, 0
	.word	0
	.word	gdt_end - gdt - 1	/* GDTR limit */
	.long	gdt - trampoline_start	/* GDTR base */
	.org	TRAMP_PARAMS_END

	/* Temporary GDT; arch_cpu_init() loads the real one. */
	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: 32-bit code, base 0, 4 GiB */
	.quad	0x00cf92000000ffff	/* 0x10: data, base 0, 4 GiB */
	.quad	0x00af9a000000ffff	/* 0x18: 64-bit code (L = 1) */
gdt_end:

real16:
	movw	%cs, %ax
	movw	%ax, %ds
	xorl	%ebx, %ebx
	movw	%ax, %bx
	shll	$4, %ebx		/* EBX = B, kept through to long mode */
	lgdtl	TRAMP_GDTR
	movl	%cr0, %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	*TRAMP_PM32_PTR

	.code32
pm32:
	movw	$TRAMP_SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movl	TRAMP_CR4_32(%ebx), %eax
	movl	%eax, %cr4
	movl	TRAMP_CR3_LOW(%ebx), %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	movl	TRAMP_EFER(%ebx), %eax
	movl	TRAMP_EFER + 4(%ebx), %edx
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_PE), %eax
	movl	%eax, %cr0		/* IA-32e mode, compatibility submode */
	ljmpl	*TRAMP_LM64_PTR(%ebx)

	.code64
lm64:
	movl	%ebx, %ebx		/* upper halves are undefined after the switch */
	movl	$1, TRAMP_STARTED(%rbx)
	movq	TRAMP_CR4(%rbx), %rax	/* CR4 before CR3: PCIDE needs CR3[11:0] = 0 */
	movq	%rax, %cr4
	movq	TRAMP_CR3(%rbx), %rax
	movq	%rax, %cr3
	movq	TRAMP_CR0(%rbx), %rax
	movq	%rax, %cr0
	movq	TRAMP_STACK(%rbx), %rsp
	movq	TRAMP_PERCPU(%rbx), %rdi
	movq	TRAMP_ENTRY(%rbx), %rax
	xorl	%ebp, %ebp
	pushq	$0			/* no return address */
	jmpq	*%rax
trampoline_end:

	.section .note.GNU-stack, "", @progbits
