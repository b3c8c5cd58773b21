/*
 * vcpu_switch.c - the VT-x side of sharing a physical CPU between vCPUs
 * (core/sched.c): switching the state a VMCS does not hold, and arming the
 * VMX-preemption timer at the end of a time slice.
 *
 * A vCPU on a dedicated CPU owns the CPU's registers outright, so none of
 * this runs for it.  On a shared CPU the registers the guest reaches
 * without an exit belong to whichever vCPU ran last, and are swapped when
 * another comes in:
 *  - extended state (x87, SSE, AVX, ...) with XSAVE/XRSTOR of every
 *    component the CPU supports, into a per-vCPU area sized by CPUID 0xD,
 *    and XCR0 (the guest's own, set by exit_xsetbv);
 *  - the MSRs vmx/bitmap.c passes through that the VMCS does not switch:
 *    KERNEL_GS_BASE, STAR, LSTAR, CSTAR, SFMASK, TSC_AUX;
 *  - DR0-DR3 and DR6 (MOV-DR does not exit; DR7 is in the VMCS);
 *  - CR2 is already per vCPU (vmx/entry.S loads it before every entry).
 * VMCSes are never VMCLEARed on a switch: a vCPU never leaves its CPU, so
 * its VMCS stays active there and VMPTRLD makes it current again (SDM Vol.
 * 3C 24.11.1); VPIDs differ per vCPU, so no TLB flush is needed either.
 */
#include <hv/guest.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/printk.h>
#include <arch/cpu.h>
#include <arch/msr.h>
#include "vmx/mitigate.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_setup.h"
#include "vmx/vmx_ops.h"

#define XSAVE_MXCSR_OFFSET 24
#define MXCSR_DEFAULT	   0x1f80
#define FXSAVE_SIZE	   512
#define PREEMPT_TIMER_MAX  0xffffffffULL
#define DR6_INIT	   0xffff0ff0 /* DR6 at reset (SDM Vol. 3B 18.2.3) */

static const uint32_t switched_msrs[] = {
    MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_TSC_AUX,
};
compile_assert(ARRAY_SIZE(switched_msrs) == ARRAY_SIZE(((struct vcpu_sched *)0)->msr));

static bool has_xsave(void)
{
	return (cpuid(1, 0).ecx & CPUID_1_ECX_XSAVE) != 0;
}

static bool has_rdtscp(void)
{
	return (cpuid(0x80000001, 0).edx & BIT(27)) != 0;
}

static uint64_t xcr0_supported(void)
{
	struct cpuid_regs d = cpuid(0xd, 0);

	return ((uint64_t)d.edx << 32) | d.eax;
}

static inline void xsave_all(void *area)
{
	__asm__ volatile("xsave64 %0"
			 : "=m"(*(uint8_t(*)[576])area)
			 : "a"(UINT32_MAX), "d"(UINT32_MAX)
			 : "memory");
}

static inline void fxsave(void *area)
{
	__asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[FXSAVE_SIZE])area) : : "memory");
}

static inline void fxrstor(const void *area)
{
	__asm__ volatile("fxrstor64 %0" : : "m"(*(const uint8_t(*)[FXSAVE_SIZE])area) : "memory");
}

#define DR_ACCESSORS(n)                                                                            \
	static inline uint64_t read_dr##n(void)                                                    \
	{                                                                                          \
		uint64_t v;                                                                        \
		__asm__ volatile("mov %%dr" #n ", %0" : "=r"(v));                                  \
		return v;                                                                          \
	}                                                                                          \
	static inline void write_dr##n(uint64_t v)                                                 \
	{                                                                                          \
		__asm__ volatile("mov %0, %%dr" #n : : "r"(v));                                    \
	}
DR_ACCESSORS(0)
DR_ACCESSORS(1)
DR_ACCESSORS(2)
DR_ACCESSORS(3)
DR_ACCESSORS(6)

bool vcpu_arch_can_preempt(void)
{
	return vmx_ctrls.has_preempt_timer;
}

int vcpu_arch_share(struct vcpu *vcpu)
{
	size_t size = has_xsave() ? cpuid(0xd, 0).ecx : FXSAVE_SIZE;
	uint64_t pa = pmm_alloc(&hv_pmm, ALIGN_UP(size, PAGE_SIZE), PAGE_SIZE);

	if (!pa) {
		pr_err("guest %s: no memory for the state of vcpu %u\n", vcpu->guest->name,
		       vcpu->index);
		return -1;
	}
	vcpu->sched.xsave = (uint8_t *)(uintptr_t)pa;
	memset(vcpu->sched.xsave, 0, ALIGN_UP(size, PAGE_SIZE));
	vcpu_arch_state_reset(vcpu);
	return 0;
}

/* Power-on state: every XSAVE component initial (XSTATE_BV = 0), MXCSR at
 * its default (XRSTOR loads MXCSR from the area whenever SSE or AVX is
 * requested, SDM Vol. 1 13.8.1), MSRs and debug registers 0, DR6 its
 * reserved ones. */
void vcpu_arch_state_reset(struct vcpu *vcpu)
{
	struct vcpu_sched *s = &vcpu->sched;

	if (s->xsave) {
		memset(s->xsave, 0, FXSAVE_SIZE + 64);
		*(uint32_t *)(void *)&s->xsave[XSAVE_MXCSR_OFFSET] = MXCSR_DEFAULT;
	}
	memset(s->msr, 0, sizeof(s->msr));
	memset(s->dr, 0, sizeof(s->dr));
	s->dr[4] = DR6_INIT;
	vcpu->arch.xcr0 = XCR0_X87;
}

/*
 * A dedicated CPU holds the registers its vCPU left there, which no VMCS
 * switches: the pass-through MSRs and DR0-DR3/DR6.  A new run of the
 * guest (a restart) must not find the last run's there, so they go back
 * to their power-on values (SDM Vol. 3A 9.1.1, Table 9-1: the MSRs 0,
 * DR0-DR3 0, DR6 0xffff0ff0) when a run starts and when the guest stops.
 * Entries of the same run after an INIT keep them (the INIT state leaves
 * these MSRs unchanged).  On a shared CPU vcpu_arch_switch loads the
 * vCPU's own copy instead, which sched_admit resets for each new run.
 * The extended state is reset by vcpu_arch_run itself.
 */
void vcpu_arch_scrub(struct vcpu *vcpu)
{
	uint32_t run = vcpu->guest->restarts + 1; /* 0: never scrubbed */
	bool rdtscp = has_rdtscp();

	if (vcpu->arch.scrubbed_run == run && !guest_is_stopped(vcpu->guest))
		return;
	vcpu->arch.scrubbed_run = run;
	vmx_mitigate_new_run(); /* the next entry flushes the L1D (vmx/mitigate.c) */
	if (vcpu->sched.shared)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(switched_msrs); i++)
		if (switched_msrs[i] != MSR_TSC_AUX || rdtscp)
			wrmsr(switched_msrs[i], 0);
	write_dr0(0);
	write_dr1(0);
	write_dr2(0);
	write_dr3(0);
	write_dr6(DR6_INIT);
}

static void state_save(struct vcpu *v)
{
	struct vcpu_sched *s = &v->sched;
	bool rdtscp = has_rdtscp();

	if (has_xsave()) {
		xsetbv(0, xcr0_supported()); /* every component, whatever the guest enabled */
		xsave_all(s->xsave);
	} else {
		fxsave(s->xsave);
	}
	for (size_t i = 0; i < ARRAY_SIZE(switched_msrs); i++)
		if (switched_msrs[i] != MSR_TSC_AUX || rdtscp)
			s->msr[i] = rdmsr(switched_msrs[i]);
	s->dr[0] = read_dr0();
	s->dr[1] = read_dr1();
	s->dr[2] = read_dr2();
	s->dr[3] = read_dr3();
	s->dr[4] = read_dr6();
}

static void state_load(const struct vcpu *v)
{
	const struct vcpu_sched *s = &v->sched;
	bool rdtscp = has_rdtscp();

	if (has_xsave()) {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		xsetbv(0, xcr0_supported());
		xrstor(s->xsave, ~0ULL);
		xsetbv(0, v->arch.xcr0);
	} else {
		fxrstor(s->xsave);
	}
	for (size_t i = 0; i < ARRAY_SIZE(switched_msrs); i++)
		if (switched_msrs[i] != MSR_TSC_AUX || rdtscp)
			wrmsr(switched_msrs[i], s->msr[i]);
	write_dr0(s->dr[0]);
	write_dr1(s->dr[1]);
	write_dr2(s->dr[2]);
	write_dr3(s->dr[3]);
	write_dr6(s->dr[4]);
}

void vcpu_arch_switch(struct vcpu *prev, struct vcpu *next)
{
	if (prev)
		state_save(prev);
	state_load(next);
	if (next->arch.vmcs_loaded && vmptrld(next->arch.vmcs_pa) != VMX_SUCCEED)
		guest_stop_as(next->guest, GUEST_STOP_FATAL,
			      "cannot load the VMCS of vcpu %u on cpu %u", next->index, next->pcpu);
}

/*
 * Before an entry on a shared CPU: arm the VMX-preemption timer for the
 * end of the slice (SDM Vol. 3C 25.5.1), or turn it off when nothing else
 * waits.  The deadline is absolute and recomputed at every entry, so the
 * timer's value is never saved on exits.  A value of 0 exits before the
 * first guest instruction, which is what an expired slice wants.
 */
void vcpu_arch_arm_preempt(struct vcpu *vcpu)
{
	uint64_t deadline = sched_preempt_tsc(vcpu), now, ticks = 0;
	uint32_t pin = vmcs_read32(VMCS_CTRL_PIN_BASED), want = pin & ~(uint32_t)PIN_PREEMPT_TIMER;

	if (deadline && vmx_ctrls.has_preempt_timer) {
		now = rdtsc();
		if (deadline > now)
			ticks = MIN((deadline - now) >> vmx_ctrls.preempt_shift, PREEMPT_TIMER_MAX);
		vmcs_write32(VMCS_GUEST_PREEMPT_TIMER, (uint32_t)ticks);
		want |= PIN_PREEMPT_TIMER;
	}
	if (want != pin)
		vmcs_write32(VMCS_CTRL_PIN_BASED, want);
}
