/*
 * stub.S - the boot loader half of the linux-loader check (see harness.c).
 *
 * A multiboot (v1) kernel for QEMU's -kernel: QEMU loads it at 1 MiB and
 * the modules after it.  Each module's string ends in its destination
 * address ("path 0x1000000"); the stub moves the modules there, last first
 * (destinations lie above the sources or below the first one, so nothing is
 * overwritten before it moved), and then enters Linux the way the loader's
 * struct linux_boot describes at DESC:
 *   mode 2 (PVH): still in multiboot's 32-bit flat protected mode, paging off:
 *                 EBX = hvm_start_info, jump to the entry.
 *   mode 1 (64-bit boot protocol): load the loader's GDT, CR3 = its PML4,
 *                 CR4.PAE, EFER.LME, CR0.PG; far jump to __BOOT_CS, load
 *                 __BOOT_DS, RSI = boot_params, jump to the entry.
 * DESC layout: u32 magic, u32 mode, u64 entry, u64 params, u64 cr3.
 */
#define DESC	 0x30000
#define GDT	 0x1000
#define GDT_LIM	 47
#define BOOT_CS	 0x10
#define BOOT_DS	 0x18
#define STACK	 0x7000
#define MSR_EFER 0xC0000080
#define EFER_LME 0x100
#define CR4_PAE	 0x20
#define CR0_BITS 0x80000031 /* PG | NE | ET | PE */

	.text
	.code32
	.globl _start
	.align 4
mb_header:
	.long 0x1BADB002
	.long 0
	.long -0x1BADB002

_start:
	cli
	cld
	mov	$0x90000, %esp
	mov	20(%ebx), %ecx		/* mods_count */
	mov	24(%ebx), %ebp		/* mods_addr */
next_module:
	test	%ecx, %ecx
	jz	enter
	dec	%ecx
	push	%ecx
	shl	$4, %ecx
	add	%ebp, %ecx
	mov	0(%ecx), %esi		/* mod_start */
	mov	4(%ecx), %edx
	sub	%esi, %edx		/* length */
	mov	8(%ecx), %eax		/* string */
	call	parse_dest
	mov	%edx, %ecx
	cmp	%esi, %edi
	jb	copy_up
	lea	-1(%esi,%ecx), %esi	/* overlapping upwards: copy backwards */
	lea	-1(%edi,%ecx), %edi
	std
	rep movsb
	cld
	jmp	copied
copy_up:
	rep movsb
copied:
	pop	%ecx
	jmp	next_module

/* %eax = "path 0xHEX": the hex number after the last space, in %edi. */
parse_dest:
	push	%ebx
	mov	%eax, %ebx
	xor	%edi, %edi
1:	movzbl	(%ebx), %eax
	inc	%ebx
	test	%eax, %eax
	jz	4f
	cmp	$' ', %al
	jne	2f
	xor	%edi, %edi
	jmp	1b
2:	cmp	$'x', %al
	je	1b
	sub	$'0', %al
	cmp	$9, %al
	jbe	3f
	sub	$('a' - '0' - 10), %al
3:	shl	$4, %edi
	and	$0xF, %eax
	add	%eax, %edi
	jmp	1b
4:	pop	%ebx
	ret

enter:
	cmpl	$2, DESC + 4
	je	enter_pvh
	lgdt	gdtr
	mov	DESC + 24, %eax
	mov	%eax, %cr3
	mov	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	$CR0_BITS, %eax
	mov	%eax, %cr0
	ljmp	$BOOT_CS, $enter_64
enter_pvh:
	mov	DESC + 16, %ebx
	jmp	*DESC + 8

	.code64
enter_64:
	mov	$BOOT_DS, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	mov	DESC + 16, %rsi
	mov	DESC + 8, %rax
	xor	%ebx, %ebx
	xor	%ebp, %ebp
	xor	%edi, %edi
	mov	$STACK, %esp
	jmp	*%rax

	.align 8
gdtr:
	.word GDT_LIM
	.long GDT
