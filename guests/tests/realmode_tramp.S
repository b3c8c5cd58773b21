/*
 * realmode_tramp.S - a trip from 32-bit protected mode to real mode and
 * back (SDM 9.9.2 "Switching Back to Real-Address Mode", 9.9.1 for the way
 * back), for realmode.c.
 *
 * The code between rm_blob_start and rm_blob_end is copied to RM_BASE
 * (below 64 KiB, so 16-bit offsets reach it) and called there as
 * void (*)(void).  It is position dependent on RM_BASE only: every address
 * it uses is RM_BASE + (label - rm_blob_start).  Inside it:
 *   - saves the registers, ESP and IDTR;
 *   - far-jumps to a 16-bit code segment (GDT 0x18, crt0.S), loads 16-bit
 *     data segments (0x20) and a real-mode IVT (base 0, limit 0x3ff);
 *   - clears CR0.PE and far-jumps to CS = 0: now in real mode;
 *   - prints RM_MESSAGE on COM1 with IN/OUT (polling LSR, bounded), stores
 *     CR0 to rm_cr0 and "REAL" at 1000:0010 (linear 0x10010), so the
 *     caller can check that real-mode segmentation was in force;
 *   - sets CR0.PE, far-jumps back to the flat 32-bit code segment (0x08),
 *     restores everything and returns.
 * Interrupts stay off throughout (the caller runs with IF = 0).
 */
#define RM_BASE		0x8000
#define RM_STACK	0x7c00
#define COM1		0x3f8
#define ADDR(l)		(RM_BASE + (l) - rm_blob_start)

	.section .text
	.code32
	.globl rm_blob_start, rm_blob_end, rm_cr0, rm_cs
rm_blob_start:
	pushal
	movl %esp, ADDR(saved_esp)
	sidt ADDR(saved_idt)
	ljmp $0x18, $ADDR(pm16)

	.code16
pm16:	movw $0x20, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	movw %ax, %ss
	lidt ADDR(rm_idt)
	movl %cr0, %eax
	andl $~1, %eax
	movl %eax, %cr0
	ljmp $0, $ADDR(real)

real:	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw $RM_STACK, %sp
	movw %cs, ADDR(rm_cs)
	movl %cr0, %eax
	movl %eax, ADDR(rm_cr0)
	movw $ADDR(message), %si
1:	lodsb
	testb %al, %al
	jz 4f
	movb %al, %bl
	movw $COM1 + 5, %dx
	movw $0xffff, %cx
2:	inb %dx, %al
	testb $0x20, %al
	jnz 3f
	loop 2b
3:	movw $COM1, %dx
	movb %bl, %al
	outb %al, %dx
	jmp 1b
4:	movw $0x1000, %ax
	movw %ax, %es
	movl $0x4c414552, %es:0x10	/* "REAL" at linear 0x10010 */
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $ADDR(pm32)

	.code32
pm32:	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	movw %ax, %ss
	lidt ADDR(saved_idt)
	movl ADDR(saved_esp), %esp
	popal
	ret

	.balign 4
saved_esp:	.long 0
rm_cr0:		.long 0xffffffff
rm_cs:		.word 0xffff
saved_idt:	.word 0
		.long 0
rm_idt:		.word 0x3ff
		.long 0
message:	.asciz "INFO realmode: this line was printed from real mode\n"
rm_blob_end:

	.section .note.GNU-stack, "", @progbits
