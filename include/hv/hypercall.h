/*
 * hypercall.h - the guest-visible ABI: the CPUID leaves at 0x40000000 and
 * the VMCALL interface.  Documented for guest authors in docs/hypercalls.md;
 * the numbers here are that document's.
 *
 * VMCALL: RAX = call number, arguments in RBX, RCX, RDX; the result comes
 * back in RAX (0 or a negative HC_E* error), extra results in RBX.  Only
 * CPL 0 may call (-HC_EPERM otherwise).  Registers other than RAX/RBX are
 * preserved.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#define HV_ABI_VERSION 1

/* CPUID 0x40000000: EAX = highest hypervisor leaf, EBX:ECX:EDX = signature */
#define HV_CPUID_SIGNATURE 0x40000000u
#define HV_CPUID_SIG	   "BareMetalHV!" /* 12 bytes, no terminator used */
/* CPUID 0x40000001: EAX = TSC kHz, EBX = LAPIC timer kHz, ECX = ABI version */
#define HV_CPUID_FREQ 0x40000001u
#define HV_CPUID_MAX  HV_CPUID_FREQ

enum hv_hypercall {
	HC_VERSION = 0,	      /* -> RAX 0, RBX = HV_ABI_VERSION */
	HC_CONSOLE_WRITE = 1, /* RBX = guest-physical address, RCX = length (<= 4096) */
	HC_POWEROFF = 2,      /* RBX = exit code; the guest stops (on_poweroff) */
	HC_CRASH = 3,	      /* RBX = code; the guest stops as crashed (on_crash) */
	HC_VCPU_INFO = 4,     /* -> RAX 0, RBX = vCPU index, RCX = vCPU count */
};

#define HC_ENOSYS 1 /* unknown call number */
#define HC_EINVAL 2 /* bad argument (e.g. a buffer outside guest RAM) */
#define HC_EPERM  3 /* called from CPL > 0 */

#define HC_CONSOLE_MAX 4096

/*
 * The information device: an emulated MMIO page every guest has at
 * HV_INFO_MMIO_BASE (when its RAM ends below it).  32-bit registers; reads
 * of 1, 2 or 4 bytes, writes of 4 bytes to SCRATCH only (other writes are
 * dropped).  It exists to exercise and measure the MMIO emulation path.
 */
#define HV_INFO_MMIO_BASE   0xfe000000u
#define HV_INFO_MMIO_SIZE   0x1000u
#define HV_INFO_REG_ID	    0x0		/* reads HV_INFO_ID */
#define HV_INFO_REG_SCRATCH 0x4		/* reads back what was last written */
#define HV_INFO_REG_VCPU    0x8		/* the reading vCPU's index */
#define HV_INFO_ID	    0x4f464e49u /* "INFO" */

#endif
