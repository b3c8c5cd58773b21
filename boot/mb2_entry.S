/*
 * mb2_entry.S - the multiboot2 entry: 32-bit protected mode to long mode.
 *
 * mb2_entry32 - entry point named by linker.ld (ENTRY) and by the multiboot
 *        v1 header's entry_addr (boot/mb1_header.S).
 *   In:  the machine state of Multiboot2 Specification 3.2 or Multiboot
 *        Specification 3.2 (the same for our purposes): 32-bit protected
 *        mode, paging off, interrupts off, flat CS/DS; EAX = the multiboot2
 *        or the multiboot v1 bootloader magic, EBX = physical address of the
 *        boot information.
 *        No usable stack, no IDT (a fault here is a triple fault).
 *   Does: records the TSC in hv_start_tsc (include/hv/printk.h);
 *        checks the magic and that the CPU has long mode (on failure: a
 *        message on COM1, then HLT forever); clears .bss; builds early page
 *        tables in .bss identity-mapping [0, 4 GiB) with 2 MiB pages
 *        (write-back, the MTRRs decide the rest); enables PAE, EFER.LME,
 *        paging and the caches (clears CR0.CD/NW, sets CR0.NE); loads a 64-bit GDT; far jumps to 64-bit code; switches to
 *        the boot stack in .bss and calls mb2_main(magic, info_phys), or
 *        mb1info_main(info_phys) for the v1 magic.
 *   Clobbers: everything; never returns.
 *
 * The image is linked at 2 MiB and GRUB loads it there, so the 32-bit part
 * may use absolute addresses.  The hypervisor's real page tables come later
 * (arch/x86_64/paging.c); these only have to get us to C.
 */
#include "boot/mb1.h"
#include "boot/mb2.h"

#define CR0_PE	   (1 << 0)
#define CR0_NE	   (1 << 5)
#define CR0_NW	   (1 << 29)
#define CR0_CD	   (1 << 30)
#define CR0_PG	   (1 << 31)
#define CR4_PAE	   (1 << 5)
#define MSR_EFER   0xc0000080
#define EFER_LME   (1 << 8)
#define PTE_P	   (1 << 0)
#define PTE_RW	   (1 << 1)
#define PTE_PS	   (1 << 7)
#define COM1	   0x3f8
#define BOOT_STACK_SIZE (32 * 1024)

#define GDT_CODE64 0x08
#define GDT_DATA   0x10

	.code32
	.section .text.boot32, "ax"
	.globl	mb2_entry32
	.type	mb2_entry32, @function
mb2_entry32:
	/* hv_start_tsc first (include/hv/printk.h; it is in .data, which the
	 * .bss clearing below leaves alone).  RDTSC clobbers EAX, the magic. */
	movl	%eax, %ebp
	rdtsc
	movl	%eax, hv_start_tsc
	movl	%edx, hv_start_tsc + 4
	movl	%ebp, %eax
	cli
	cld
	cmpl	$MB2_BOOTLOADER_MAGIC, %eax
	je	.Lmagic_ok
	cmpl	$MB1_BOOTLOADER_MAGIC, %eax
	jne	.Lbad_magic
.Lmagic_ok:
	movl	%eax, %ebp		/* keep magic (EBP) and info (ESI): CPUID */
	movl	%ebx, %esi		/* and REP STOS clobber the others */

	/* CPUID.80000001:EDX.LM (bit 29); SDM Vol. 3A 9.8.5 */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	.Lno_long_mode
	movl	$0x80000001, %eax
	cpuid
	btl	$29, %edx
	jnc	.Lno_long_mode

	/* caches on: some BIOSes leave CR0.CD/NW as reset set them (SDM Vol. 3A 12.5.1) */
	movl	%cr0, %eax
	andl	$~(CR0_CD | CR0_NW), %eax
	movl	%eax, %cr0

	/* .bss: an ELF loader zero-fills it, but the code must not rely on it */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl

	/* PML4[0] -> PDPT; PDPT[0..3] -> 4 PDs; each PD: 512 x 2 MiB pages */
	movl	$early_pdpt + (PTE_P | PTE_RW), early_pml4
	movl	$early_pd, %eax
	orl	$(PTE_P | PTE_RW), %eax
	xorl	%ecx, %ecx
1:	movl	%eax, early_pdpt(, %ecx, 8)
	addl	$4096, %eax
	incl	%ecx
	cmpl	$4, %ecx
	jb	1b
	movl	$(PTE_P | PTE_RW | PTE_PS), %eax
	xorl	%ecx, %ecx
2:	movl	%eax, early_pd(, %ecx, 8)
	addl	$0x200000, %eax
	incl	%ecx
	cmpl	$2048, %ecx
	jb	2b

	/* SDM Vol. 3A 10.8.5: PAE, CR3, EFER.LME, then paging */
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$early_pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_PE | CR0_NE), %eax
	movl	%eax, %cr0

	lgdt	early_gdt_ptr
	ljmp	$GDT_CODE64, $.Lentry64

/* Print the NUL-terminated string at ESI on COM1 (polled, bounded), halt. */
.Lbad_magic:
	movl	$msg_bad_magic, %esi
	jmp	.Lfail
.Lno_long_mode:
	movl	$msg_no_lm, %esi
.Lfail:
	movb	(%esi), %al
	testb	%al, %al
	jz	.Lhalt
	movl	$100000, %ecx
	movw	$(COM1 + 5), %dx
3:	inb	%dx, %al		/* LSR.THRE: transmitter ready */
	testb	$0x20, %al
	jnz	4f
	loop	3b
4:	movb	(%esi), %al
	movw	$COM1, %dx
	outb	%al, %dx
	incl	%esi
	jmp	.Lfail
.Lhalt:
	cli
	hlt
	jmp	.Lhalt

	.code64
.Lentry64:
	movl	$GDT_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	xorl	%eax, %eax
	movl	%eax, %fs
	movl	%eax, %gs
	movl	$boot_stack_top, %esp
	cmpl	$MB1_BOOTLOADER_MAGIC, %ebp
	je	6f
	movl	%ebp, %edi		/* magic */
	movl	%esi, %esi		/* info_phys, zero-extended */
	xorl	%ebp, %ebp		/* ends the frame-pointer chain */
	call	mb2_main
	jmp	5f
6:	movl	%esi, %edi		/* info_phys, zero-extended */
	xorl	%ebp, %ebp		/* ends the frame-pointer chain */
	call	mb1info_main
5:	cli
	hlt
	jmp	5b
	.size	mb2_entry32, . - mb2_entry32

	.section .rodata
msg_bad_magic:
	.asciz	"hv: boot: not started by a multiboot or multiboot2 loader (bad magic in EAX)\r\n"
msg_no_lm:
	.asciz	"hv: boot: this CPU has no 64-bit long mode\r\n"

	.balign 8
early_gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code, DPL 0 */
	.quad	0x00cf92000000ffff	/* 0x10: data, DPL 0 */
early_gdt_end:
early_gdt_ptr:
	.short	early_gdt_end - early_gdt - 1
	.long	early_gdt

	.section .bss
	.balign 4096
early_pml4:
	.skip	4096
early_pdpt:
	.skip	4096
early_pd:
	.skip	4 * 4096
	.balign 16
boot_stack:
	.skip	BOOT_STACK_SIZE
boot_stack_top:
