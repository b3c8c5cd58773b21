/*
 * usermode_ring3.S - run a C function at CPL 3 and come back, for
 * usermode.c.
 *
 * void ring3_call(void (*fn)(void), uint32_t user_stack_top)
 *   Saves the caller's registers and ESP, loads the user data segment
 *   (0x33) and IRETs to ring3_entry at CPL 3 (user code 0x2b) on the given
 *   stack with EFLAGS.IF = 0 and IOPL = 0 (SDM 6.12.1: IRET to an outer
 *   privilege level pops ESP and SS too).  There fn() runs; it then
 *   executes INT 0x80, whose gate (DPL 3, set up by usermode.c) enters
 *   ring3_return at CPL 0 on the TSS's ESP0 stack.  ring3_return drops that
 *   interrupt frame, restores the saved ESP and registers and returns to
 *   ring3_call's caller.  Exceptions at CPL 3 go through the normal IDT
 *   (crt0.S), also on the ESP0 stack, and resume at CPL 3.
 */
#define KERNEL_DS	0x10
#define USER_CS		0x2b	/* 0x28 | RPL 3 */
#define USER_DS		0x33	/* 0x30 | RPL 3 */
#define EFLAGS_FIXED	0x002	/* bit 1 reads as 1; IF = 0, IOPL = 0 */

	.section .text
	.code32
	.globl ring3_call, ring3_return
ring3_call:
	pushal
	movl %esp, saved_esp
	movl 36(%esp), %eax		/* fn */
	movl 40(%esp), %ecx		/* user stack top */
	movw $USER_DS, %dx
	movw %dx, %ds
	movw %dx, %es
	movw %dx, %fs
	movw %dx, %gs
	pushl $USER_DS			/* SS */
	pushl %ecx			/* ESP */
	pushl $EFLAGS_FIXED
	pushl $USER_CS
	pushl $ring3_entry
	iretl

ring3_entry:				/* CPL 3 */
	call *%eax
	int $0x80

ring3_return:				/* CPL 0, via the DPL 3 gate of vector 0x80 */
	movw $KERNEL_DS, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	movl saved_esp, %esp
	popal
	ret

	.section .bss
	.balign 4
saved_esp:
	.skip 4

	.section .note.GNU-stack, "", @progbits
