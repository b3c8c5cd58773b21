/*
 * vcpu_arch.h - the VT-x half of a virtual CPU: the guest registers the VMCS
 * does not hold, the VMCS itself and the per-vCPU VMX bookkeeping.
 *
 * struct vcpu (include/hv/guest.h) embeds one struct vcpu_arch.  The entry
 * stub vmx/entry.S saves and restores the general registers at the VA_*
 * offsets below; vmx/vcpu.c checks them against the C layout with
 * compile_assert, so the two cannot drift apart.
 *
 * Registers are stored in the x86 encoding order (SDM Vol. 2, Table 2-2:
 * 0 = RAX, 1 = RCX, 2 = RDX, 3 = RBX, 4 = RSP, 5 = RBP, 6 = RSI, 7 = RDI,
 * 8..15 = R8..R15), so exit qualifications that name a register by number
 * (CR accesses, the MMIO decoder) index gpr[] directly.  gpr[4] is unused:
 * the guest RSP lives in the VMCS.
 */
#ifndef VMX_VCPU_ARCH_H
#define VMX_VCPU_ARCH_H

#define VA_GPR(n)    ((n)*8)
#define VA_CR2	     128
#define VA_LAUNCHED  136
#define VA_SIZE_REGS 144
/* VMCS_HOST_RSP's encoding, for the stub (vmcs_fields.h is C only) */
#define VA_VMCS_HOST_RSP 0x00006c14

#define VCPU_REG_RAX 0
#define VCPU_REG_RCX 1
#define VCPU_REG_RDX 2
#define VCPU_REG_RBX 3
#define VCPU_REG_RSP 4
#define VCPU_REG_RBP 5
#define VCPU_REG_RSI 6
#define VCPU_REG_RDI 7
#define VCPU_NR_GPRS 16

#ifndef __ASSEMBLY__
#include <hv/compiler.h>

/* How the vCPU starts (vmcs_init_guest). */
enum vcpu_boot_mode {
	VCPU_BOOT_REAL = 0, /* real mode at cs:ip = (start >> 4):(start & 0xf) */
	VCPU_BOOT_PROT32,   /* flat 32-bit protected mode, paging off (multiboot) */
	VCPU_BOOT_LONG64,   /* 64-bit mode; CR3 names identity page tables in guest RAM */
};

struct vcpu_boot {
	enum vcpu_boot_mode mode;
	uint64_t rip;
	uint64_t rsp;
	uint64_t cr3;	   /* VCPU_BOOT_LONG64 only */
	uint64_t gdt_base; /* GDTR; 0/0 = base 0, limit 0xffff */
	uint16_t gdt_limit;
	uint16_t cs, ds;	    /* selectors; 0 = 0x10 and 0x18 */
	uint64_t gpr[VCPU_NR_GPRS]; /* initial general registers (e.g. EAX/EBX for multiboot) */
};

struct vcpu_arch {
	/* --- accessed by vmx/entry.S: keep in step with the VA_* offsets --- */
	uint64_t gpr[VCPU_NR_GPRS];
	uint64_t cr2;
	uint8_t launched; /* VMLAUNCH done: the next entry is VMRESUME */
	uint8_t pad[7];
	/* --- C only --- */
	uint64_t vmcs_pa;	/* 4 KiB VMCS region */
	uint64_t msr_bitmap_pa; /* shared by the guest's vCPUs */
	uint64_t io_bitmap_pa;	/* 8 KiB: A then B */
	uint16_t vpid;
	uint32_t entry_ctls; /* VM-entry controls as first written (VM exits update IA-32e mode) */
	uint64_t cr0_guest_mask, cr4_guest_mask;
	uint64_t xcr0;	       /* the guest's XCR0 (validated XSETBV) */
	uint8_t cr8;	       /* the guest's TPR (MOV to/from CR8 exit: no TPR shadow) */
	uint64_t eoi_exit[4];  /* the EOI-exit bitmap last written to the VMCS */
	uint32_t skip_len;     /* EXIT_SKIP length when the exit has none (MMIO) */
	bool vmcs_loaded;      /* inside vcpu_arch_run: its VMCS is active on its CPU */
	uint32_t scrubbed_run; /* guest restarts + 1 at the last vcpu_arch_scrub */
	struct vcpu_boot boot;
};

/*
 * vmx_run - enter the guest whose VMCS is current on this CPU (vmx/entry.S).
 * Loads CR2 and the general registers from a, VMLAUNCH (a->launched == 0)
 * or VMRESUME; control resumes at the VMCS HOST_RIP on a VM exit, which
 * saves the guest registers back into a.
 * Returns 0 after a VM exit, 1 when VMLAUNCH/VMRESUME failed with
 * VMfailValid (error number in the VM-instruction error field), 2 on
 * VMfailInvalid.  Clobbers nothing the C ABI preserves.
 */
int vmx_run(struct vcpu_arch *a);
#endif

#endif
