/*
 * crt0.S - entry of every test guest: the multiboot (v1) header, a GDT of
 * our own, a 16 KiB stack, and the exception/interrupt entry stubs.
 *
 * A multiboot loader starts us in 32-bit protected mode, paging off, with
 * EAX = 0x2BADB002 and EBX = the multiboot information (Multiboot 0.6.96
 * 3.2).  GDTR is then undefined, so the first thing done is to load our own
 * flat GDT.  The descriptors after the two flat ones are for guests that
 * leave protected mode (realmode.c): a 16-bit code and a 16-bit data
 * segment with 64 KiB limits, as SDM 9.9.2 asks before clearing CR0.PE -
 * and for guests that drop to CPL 3 (usermode.c): user code and data
 * segments and a TSS slot.
 */
#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000003	/* page-aligned modules, memory info */
#define STACK_SIZE	16384

	.section .multiboot, "a"
	.balign 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.section .data
	.balign 16
	.globl gdt
gdt:
	.quad 0x0000000000000000	/* 0x00 null */
	.quad 0x00cf9a000000ffff	/* 0x08 code: base 0, 4 GiB, 32-bit */
	.quad 0x00cf92000000ffff	/* 0x10 data: base 0, 4 GiB, 32-bit */
	.quad 0x00009a000000ffff	/* 0x18 code: base 0, 64 KiB, 16-bit */
	.quad 0x000092000000ffff	/* 0x20 data: base 0, 64 KiB, 16-bit */
	.quad 0x00cffa000000ffff	/* 0x28 user code: DPL 3, 4 GiB, 32-bit */
	.quad 0x00cff2000000ffff	/* 0x30 user data: DPL 3, 4 GiB, 32-bit */
	.quad 0				/* 0x38 TSS, filled in by usermode.c */
gdt_end:
	.globl gdt_desc
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.section .bss
	.balign 16
stack_bottom:
	.skip STACK_SIZE
	.globl stack_top
stack_top:

	.section .text
	.globl _start
	.type _start, @function
_start:
	cli
	cld
	lgdt gdt_desc
	ljmp $0x08, $1f
1:	movw $0x10, %cx
	movw %cx, %ds
	movw %cx, %es
	movw %cx, %fs
	movw %cx, %gs
	movw %cx, %ss
	movl $stack_top, %esp
	pushl $0			/* EFLAGS: IF=0, AC=0, DF=0 */
	popfl
	pushl %ebx			/* the multiboot information */
	pushl %eax			/* the boot loader's magic */
	call runtime_start		/* never returns */
2:	cli
	hlt
	jmp 2b
	.size _start, . - _start

/*
 * Exception and interrupt stubs: each pushes a zero error code when the CPU
 * pushes none (SDM 6.13), then its vector, and joins isr_common, which
 * saves the general registers and calls isr_dispatch(struct frame *).  The
 * handler may change the saved EIP (to skip a faulting instruction).
 */
.macro ISR_NOERR vec
	.globl isr_\vec
isr_\vec:
	pushl $0
	pushl $\vec
	jmp isr_common
.endm
.macro ISR_ERR vec
	.globl isr_\vec
isr_\vec:
	pushl $\vec
	jmp isr_common
.endm

ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR 8
ISR_NOERR 9
ISR_ERR 10
ISR_ERR 11
ISR_ERR 12
ISR_ERR 13
ISR_ERR 14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR 17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR 21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_ERR 29
ISR_ERR 30
ISR_NOERR 31
ISR_NOERR 64				/* the guest's timer interrupt (hlt.c) */
ISR_NOERR 255				/* spurious */

isr_common:
	pushal
	pushl %esp			/* struct frame * */
	call isr_dispatch
	addl $4, %esp
	popal
	addl $8, %esp			/* vector, error code */
	iretl

	.section .rodata
	.balign 4
	.globl isr_table
isr_table:				/* vectors 0-31, then 64 and 255 */
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,64,255
	.long isr_\v
	.endr

	.section .note.GNU-stack, "", @progbits
