/*
 * msr.h - model-specific register numbers (SDM Vol. 4), each with the CPUID
 * bit that says it exists.
 */
#ifndef ARCH_MSR_H
#define ARCH_MSR_H

#include <hv/compiler.h>

#define MSR_IA32_APIC_BASE	  0x0000001b /* CPUID.1:EDX.APIC */
#define APIC_BASE_BSP		  BIT(8)
#define APIC_BASE_X2APIC	  BIT(10)
#define APIC_BASE_ENABLE	  BIT(11)
#define MSR_IA32_FEATURE_CONTROL  0x0000003a /* CPUID.1:ECX.VMX or SMX */
#define FEATURE_CONTROL_LOCKED	  BIT(0)
#define FEATURE_CONTROL_VMX_IN_SMX BIT(1)
#define FEATURE_CONTROL_VMX	  BIT(2)
#define MSR_IA32_TSC_DEADLINE	  0x000006e0 /* CPUID.1:ECX.TSC_DEADLINE */
#define MSR_PLATFORM_INFO	  0x000000ce /* Intel, model specific: bits 15:8 = TSC ratio */
#define MSR_IA32_PAT		  0x00000277
#define MSR_IA32_SYSENTER_CS	  0x00000174
#define MSR_IA32_SYSENTER_ESP	  0x00000175
#define MSR_IA32_SYSENTER_EIP	  0x00000176
#define MSR_IA32_DEBUGCTL	  0x000001d9

/* VMX capability MSRs (SDM Vol. 3D appendix A), present with CPUID.1:ECX.VMX */
#define MSR_IA32_VMX_BASIC	       0x00000480
#define MSR_IA32_VMX_PINBASED_CTLS     0x00000481
#define MSR_IA32_VMX_PROCBASED_CTLS    0x00000482
#define MSR_IA32_VMX_EXIT_CTLS	       0x00000483
#define MSR_IA32_VMX_ENTRY_CTLS	       0x00000484
#define MSR_IA32_VMX_MISC	       0x00000485
#define MSR_IA32_VMX_CR0_FIXED0	       0x00000486
#define MSR_IA32_VMX_CR0_FIXED1	       0x00000487
#define MSR_IA32_VMX_CR4_FIXED0	       0x00000488
#define MSR_IA32_VMX_CR4_FIXED1	       0x00000489
#define MSR_IA32_VMX_VMCS_ENUM	       0x0000048a
#define MSR_IA32_VMX_PROCBASED_CTLS2   0x0000048b /* when procbased allowed-1 bit 31 */
#define MSR_IA32_VMX_EPT_VPID_CAP      0x0000048c /* when secondary EPT or VPID allowed */
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS	 0x0000048d /* when VMX_BASIC bit 55 */
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x0000048e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS	 0x0000048f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS	 0x00000490
#define MSR_IA32_VMX_VMFUNC	       0x00000491

#define MSR_EFER	   0xc0000080
#define EFER_SCE	   BIT(0)
#define EFER_LME	   BIT(8)
#define EFER_LMA	   BIT(10)
#define EFER_NXE	   BIT(11)
#define MSR_STAR	   0xc0000081
#define MSR_LSTAR	   0xc0000082
#define MSR_CSTAR	   0xc0000083
#define MSR_SFMASK	   0xc0000084
#define MSR_FS_BASE	   0xc0000100
#define MSR_GS_BASE	   0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX	   0xc0000103

/* x2APIC registers: 0x800 + (xAPIC MMIO offset >> 4) */
#define MSR_X2APIC_BASE 0x00000800

#endif
