/*
 * efi_stack.S - leave the firmware's stack and enter the core.
 *
 * The stack UEFI started us on is boot-services memory; once boot services
 * are gone the core's allocator may hand those pages out, and a stack there
 * would be overwritten under our feet.  So the last thing the UEFI path
 * does is move to a stack inside the hypervisor image and call hv_main.
 */
	.text
	.globl	efi_enter_hv_main
	.type	efi_enter_hv_main, @function
/*
 * void efi_enter_hv_main(struct boot_info *bi, void *stack_top)  (SysV ABI)
 *   rdi = bi         passed through unchanged as hv_main's argument
 *   rsi = stack_top  16-byte aligned end of the new stack
 * Never returns; clobbers everything.  The call below pushes a return
 * address, so hv_main starts with rsp = 8 (mod 16) as the ABI requires.
 * rbp = 0 ends the frame-pointer chain for stack traces.  The halt loop
 * after the call is unreachable (hv_main is noreturn) and only a safety net.
 */
efi_enter_hv_main:
	cli
	movq	%rsi, %rsp
	xorl	%ebp, %ebp
	call	hv_main
1:	cli
	hlt
	jmp	1b
	.size	efi_enter_hv_main, . - efi_enter_hv_main

	.section .note.GNU-stack, "", @progbits
