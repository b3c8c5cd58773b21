/*
 * cr_check.h - whether a guest's MOV to CR0 or CR4 is architecturally
 * valid (vmx/cr_check.c, pure: unit-tested in tests/test_cr_check.c).
 *
 * A MOV to CR0/CR4 that changes a bit of the guest/host mask exits before
 * the CPU makes its own checks (SDM Vol. 3C 26.1.1: VM exits have priority
 * over the general-protection faults of MOV CR), so the hypervisor makes
 * them: what it accepts is what the guest will run with.
 */
#ifndef VMX_CR_CHECK_H
#define VMX_CR_CHECK_H

#include <hv/compiler.h>

/* The guest's state before the write, as the guest sees it. */
struct cr_ctx {
	uint64_t cr0, cr4, efer, cr3;
	bool cs_l;	       /* CS.L: 64-bit code (with EFER.LMA) */
	uint64_t cr4_reserved; /* CR4 bits this guest may not set */
};

/* The CR4 bits named below (SDM Vol. 3A 2.5, Figure 2-7) */
#define CRC_CR4_PAE   BIT(5)
#define CRC_CR4_LA57  BIT(12)
#define CRC_CR4_VMXE  BIT(13)
#define CRC_CR4_SMXE  BIT(14)
#define CRC_CR4_PCIDE BIT(17)
#define CRC_CR4_CET   BIT(23)

/* Whether MOV to CR0 of val is valid for the guest in c (false: #GP(0)). */
bool vmx_cr0_valid(const struct cr_ctx *c, uint64_t val);
/* Whether MOV to CR4 of val is valid for the guest in c (false: #GP(0)). */
bool vmx_cr4_valid(const struct cr_ctx *c, uint64_t val);

#endif
