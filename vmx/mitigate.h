/*
 * mitigate.h - speculative-execution mitigations on VM entry
 * (vmx/mitigate.c): clearing the CPU's buffers (MDS) with VERW before
 * every entry, and flushing the L1 data cache (L1TF) before entering a
 * vCPU other than the one this CPU entered last.  Decided once at boot
 * from what the CPU enumerates.
 */
#ifndef VMX_MITIGATE_H
#define VMX_MITIGATE_H

#include <hv/compiler.h>

struct vcpu;

/* CPUID.(EAX=7,ECX=0):EDX bits and IA32_ARCH_CAPABILITIES bits (SDM Vol. 2A
 * CPUID; Vol. 4 Table 2-2) the decision reads */
#define CPUID_7_EDX_MD_CLEAR	    BIT(10)
#define CPUID_7_EDX_L1D_FLUSH	    BIT(28)
#define CPUID_7_EDX_ARCH_CAPS	    BIT(29)
#define ARCH_CAP_RDCL_NO	    BIT(0)
#define ARCH_CAP_SKIP_L1DFL_VMENTRY BIT(3)

#define VMX_MITIGATE_VERW BIT(0) /* VERW before every VM entry */
#define VMX_MITIGATE_L1D  BIT(1) /* IA32_FLUSH_CMD.L1D_FLUSH on a vCPU switch */

/*
 * vmx_mitigations_choose - which mitigations this CPU needs and offers
 * (pure; tests/test_mitigate.c).  edx7 is CPUID.(7,0):EDX; arch_caps is
 * IA32_ARCH_CAPABILITIES (0 when edx7 does not enumerate it).
 */
unsigned vmx_mitigations_choose(uint32_t edx7, uint64_t arch_caps);
/* "VERW on entry, L1D flush on vCPU switch", "none enumerated", ... */
const char *vmx_mitigations_text(unsigned m);

/* At boot, once, before any guest runs: decide and log
 * "hv: cpu mitigations: ..." (vmx/mitigate.c). */
void vmx_mitigations_init(void);
/* Right before VMLAUNCH/VMRESUME of vcpu, interrupts off: the L1D flush
 * when this CPU last entered another vCPU.  VERW itself is in vmx/entry.S,
 * as late as it can be. */
void vmx_mitigate_before_entry(const struct vcpu *vcpu);
/* A new run of a guest starts (or one ended) on this CPU: its next entry
 * flushes the L1D whichever vCPU it enters. */
void vmx_mitigate_new_run(void);

/* Read by vmx/entry.S: nonzero to VERW before entry, and VERW's operand
 * (a valid writable data-segment selector: SDM Vol. 2B VERW, the MD_CLEAR
 * behaviour needs a memory operand). */
extern uint8_t vmx_verw_on_entry;
extern const uint16_t vmx_verw_sel;

#endif
