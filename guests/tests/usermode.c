/*
 * usermode.c - test guest: what guest user mode (CPL 3) can reach.
 *
 * A guest kernel's processes run at CPL 3 and must not be able to use the
 * hypervisor's interface or privileged instructions behind the guest
 * kernel's back.  The guest drops to CPL 3 (usermode_ring3.S) and tries:
 * - VMCALL: the hypercall ABI (docs/hypercalls.md) answers -HC_EPERM to
 *   every call from CPL > 0, even HC_POWEROFF and HC_CONSOLE_WRITE, and the
 *   guest goes on running.  VMCALL itself is not privileged, so only the
 *   hypervisor can refuse it.
 * - IN, CLI (IOPL 0), RDMSR, HLT, MOV from CR4: #GP(0), the CPU's privilege
 *   checks, which come before any VM exit (SDM 26.1.1).
 * - VMXON: #UD (VMX is not offered; SDM 31.3 checks CR4.VMXE first).
 * - CPUID: allowed at any CPL, with the hypervisor bit.
 * Results are kept in variables and reported back at CPL 0 (a CPL 3 OUT to
 * COM1 would #GP).
 */
#include <hv/hypercall.h>
#include "guest.h"

#define TSS_SEL	       0x38
#define GDT_TSS_INDEX  7
#define TSS_TYPE_32    0x89ULL /* present, DPL 0, available 32-bit TSS */
#define VEC_RETURN     0x80
#define CPUID_1_ECX_HV BIT(31)

const char guest_name[] = "usermode";

/* The 32-bit TSS (SDM 8.2.1); only SS0:ESP0 and the I/O map base matter. */
struct tss {
	uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomap_base;
} __attribute__((packed));

extern uint64_t gdt[];
extern const uint8_t ring3_return[];
void ring3_call(void (*fn)(void), uint32_t user_stack_top);

static struct tss tss __attribute__((aligned(16)));
static uint8_t kernel_stack[4096] __attribute__((aligned(16)));
static uint8_t user_stack[4096] __attribute__((aligned(16)));
static uint64_t vmxon_page;
static const char message[] = "usermode: this line must not appear\n";

/* What CPL 3 saw. */
static volatile uint32_t cpl, cpuid_ecx;
static volatile int f_in, f_cli, f_rdmsr, f_hlt, f_cr4, f_vmxon;
static volatile int32_t hc_version, hc_console, hc_poweroff;

static void at_cpl3(void)
{
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	cpl = cs & 3;
	cpuid_ecx = cpuid(1, 0).ecx;
	f_in = TRY_ASM("inb %%dx, %%al", : : "d"(0x3fd) : "eax", "memory");
	f_cli = TRY_ASM("cli", : : : "memory");
	f_rdmsr = TRY_ASM("rdmsr", : : "c"(0x10) : "eax", "edx", "memory");
	f_hlt = TRY_ASM("hlt", : : : "memory");
	f_cr4 = TRY_ASM("mov %%cr4, %%eax", : : : "eax", "memory");
	f_vmxon = TRY_ASM("vmxon %0", : : "m"(vmxon_page) : "memory");
	hc_version = hypercall(HC_VERSION, 0, 0, NULL);
	hc_console =
	    hypercall(HC_CONSOLE_WRITE, (uint32_t)(uintptr_t)message, sizeof(message) - 1, NULL);
	hc_poweroff = hypercall(HC_POWEROFF, 99, 0, NULL);
}

static void setup(void)
{
	uint32_t base = (uint32_t)(uintptr_t)&tss, limit = sizeof(tss) - 1;

	tss.ss0 = 0x10;
	tss.esp0 = (uint32_t)(uintptr_t)(kernel_stack + sizeof(kernel_stack));
	tss.iomap_base = sizeof(tss); /* no I/O bitmap: every port needs IOPL */
	gdt[GDT_TSS_INDEX] = (limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 |
			     TSS_TYPE_32 << 40 | (uint64_t)((limit >> 16) & 0xf) << 48 |
			     (uint64_t)(base >> 24) << 56;
	__asm__ volatile("ltr %w0" : : "r"(TSS_SEL) : "memory");
	idt_set(VEC_RETURN, (uint32_t)(uintptr_t)ring3_return, 3);
}

void guest_main(void)
{
	bool hv = hv_present();

	setup();
	ring3_call(at_cpl3, (uint32_t)(uintptr_t)(user_stack + sizeof(user_stack)));
	expect(cpl == 3, "usermode-reached-cpl3", "ran at CPL %u", cpl);
	expect(!hv || (cpuid_ecx & CPUID_1_ECX_HV), "usermode-cpuid",
	       "CPUID.1:ECX 0x%08x at CPL 3 lacks the hypervisor bit", cpuid_ecx);
	expect_fault(f_in, VEC_GP, "usermode-in-gp");
	expect_fault(f_cli, VEC_GP, "usermode-cli-gp");
	expect_fault(f_rdmsr, VEC_GP, "usermode-rdmsr-gp");
	expect_fault(f_hlt, VEC_GP, "usermode-hlt-gp");
	expect_fault(f_cr4, VEC_GP, "usermode-mov-cr4-gp");
	expect_fault(f_vmxon, VEC_UD, "usermode-vmxon-ud");
	if (!hv) {
		skip("usermode-vmcall-eperm", "not the hypervisor of docs/hypercalls.md");
		return;
	}
	expect(hc_version == -HC_EPERM, "usermode-vmcall-version-eperm",
	       "HC_VERSION at CPL 3 returned %d, expected %d", hc_version, -HC_EPERM);
	expect(hc_console == -HC_EPERM, "usermode-vmcall-console-eperm",
	       "HC_CONSOLE_WRITE at CPL 3 returned %d, expected %d", hc_console, -HC_EPERM);
	expect(hc_poweroff == -HC_EPERM, "usermode-vmcall-poweroff-eperm",
	       "HC_POWEROFF at CPL 3 returned %d, expected %d (and the guest still runs)",
	       hc_poweroff, -HC_EPERM);
}
