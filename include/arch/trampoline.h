/*
 * trampoline.h - the layout shared by arch/x86_64/trampoline.S (the
 * real-mode start-up code of an application processor) and smp.c, which
 * copies it below 1 MiB and fills in its parameter block.
 *
 * The offsets are checked against struct trampoline_params at compile time
 * (smp.c), so the assembly and C cannot drift apart.
 */
#ifndef ARCH_TRAMPOLINE_H
#define ARCH_TRAMPOLINE_H

/* Offsets inside the copied page */
#define TRAMP_PARAMS	 0x08		       /* struct trampoline_params */
#define TRAMP_CR3_LOW	 (TRAMP_PARAMS + 0x00) /* top-level table copy, < 4 GiB */
#define TRAMP_CR3	 (TRAMP_PARAMS + 0x08) /* the BSP's CR3 */
#define TRAMP_CR0	 (TRAMP_PARAMS + 0x10) /* the BSP's CR0 */
#define TRAMP_CR4	 (TRAMP_PARAMS + 0x18) /* the BSP's CR4 minus VMXE */
#define TRAMP_CR4_32	 (TRAMP_PARAMS + 0x20) /* PAE (+LA57) while entering long mode */
#define TRAMP_EFER	 (TRAMP_PARAMS + 0x28) /* the BSP's EFER minus LMA */
#define TRAMP_ENTRY	 (TRAMP_PARAMS + 0x30) /* 64-bit C entry */
#define TRAMP_STACK	 (TRAMP_PARAMS + 0x38) /* initial RSP */
#define TRAMP_PERCPU	 (TRAMP_PARAMS + 0x40) /* struct percpu *, first argument */
#define TRAMP_STARTED	 (TRAMP_PARAMS + 0x48) /* 32 bits, set to 1 in long mode */
#define TRAMP_PM32_PTR	 (TRAMP_PARAMS + 0x50) /* far pointer: offset 32 + selector 16 */
#define TRAMP_LM64_PTR	 (TRAMP_PARAMS + 0x58) /* far pointer: offset 32 + selector 16 */
#define TRAMP_GDTR	 (TRAMP_PARAMS + 0x62) /* limit 16 + base 32 (2 bytes of pad before) */
#define TRAMP_PARAMS_END (TRAMP_PARAMS + 0x68)

/* Temporary GDT selectors */
#define TRAMP_SEL_CODE32 0x08
#define TRAMP_SEL_DATA	 0x10
#define TRAMP_SEL_CODE64 0x18

#ifndef __ASSEMBLY__
#include <hv/compiler.h>

struct trampoline_farptr {
	uint32_t offset; /* relative to the blob as assembled; smp.c adds the base */
	uint16_t selector;
	uint16_t pad;
} __packed;

struct trampoline_params {
	uint64_t cr3_low;
	uint64_t cr3;
	uint64_t cr0;
	uint64_t cr4;
	uint64_t cr4_32;
	uint64_t efer;
	uint64_t entry;
	uint64_t stack_top;
	uint64_t percpu;
	volatile uint32_t started;
	uint32_t pad0;
	struct trampoline_farptr pm32;
	struct trampoline_farptr lm64;
	uint16_t pad1;
	uint16_t gdt_limit;
	uint32_t gdt_base; /* relative as assembled; smp.c adds the base */
} __packed;

/* The blob in trampoline.S, copied to a page below 1 MiB. */
extern const char trampoline_start[];
extern const char trampoline_end[];
#endif

#endif
