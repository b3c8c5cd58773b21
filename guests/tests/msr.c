/*
 * msr.c - test guest: MSR accesses a guest must not be able to use to reach
 * the host, and the ones it needs.
 *
 * - VT-x is not offered (CPUID.1:ECX.VMX = 0), so the VMX capability MSRs
 *   (0x480-0x491, SDM Appendix A) do not exist for the guest: #GP.
 *   IA32_FEATURE_CONTROL may be absent (#GP) or read as locked with both
 *   VMX-enable bits clear (SDM 24.7); writing it must not enable VMX.
 * - IA32_APIC_BASE moves or switches the local APIC that the host owns:
 *   relocating it or enabling x2APIC must be refused (#GP, or no effect).
 * - IA32_EFER reserved bits (e.g. bit 12, SVME on AMD, reserved on Intel):
 *   #GP, as on hardware (SDM 2.2.1).
 * - The TSC is readable (RDTSC and RDMSR 0x10) and counts up.
 * - An MSR no CPU implements: #GP.
 */
#include "guest.h"

#define MSR_IA32_TSC		 0x10
#define MSR_IA32_APIC_BASE	 0x1b
#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_IA32_VMX_BASIC	 0x480
#define MSR_IA32_VMX_LAST	 0x491 /* IA32_VMX_VMFUNC */
#define MSR_EFER		 0xc0000080
#define FC_LOCKED		 BIT(0)
#define FC_VMX_IN_SMX		 BIT(1)
#define FC_VMX_OUTSIDE_SMX	 BIT(2)
#define APIC_BASE_X2APIC	 BIT(10)
#define MSR_X2APIC_ID		 0x802
#define CPUID_1_ECX_X2APIC_BIT	 BIT(21)
#define EFER_RESERVED_12	 BIT(12)
#define EFER_RESERVED_1		 BIT(1)

const char guest_name[] = "msr";

static void check_feature_control(void)
{
	uint64_t v;
	int f = rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &v);

	if (f == VEC_GP) {
		pass("msr-feature-control-hidden");
	} else {
		expect(f == NO_FAULT && (v & FC_LOCKED) &&
			   !(v & (FC_VMX_IN_SMX | FC_VMX_OUTSIDE_SMX)),
		       "msr-feature-control-hidden",
		       "read gave %s, value 0x%llx: expected #GP or locked with VMX off",
		       vector_name(f), (unsigned long long)v);
	}
	f = wrmsr_safe(MSR_IA32_FEATURE_CONTROL, FC_LOCKED | FC_VMX_OUTSIDE_SMX);
	if (f == NO_FAULT) {
		f = rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &v);
		expect(f != NO_FAULT || !(v & FC_VMX_OUTSIDE_SMX), "msr-feature-control-write",
		       "writing VMX-enable stuck: reads 0x%llx", (unsigned long long)v);
	} else {
		expect_fault(f, VEC_GP, "msr-feature-control-write");
	}
}

static void check_vmx_msrs(void)
{
	uint32_t readable = 0, first = 0;
	uint64_t v;

	for (uint32_t msr = MSR_IA32_VMX_BASIC; msr <= MSR_IA32_VMX_LAST; msr++) {
		if (rdmsr_safe(msr, &v) != VEC_GP && readable++ == 0)
			first = msr;
	}
	expect(readable == 0, "msr-vmx-caps-gp",
	       "%u of the VMX capability MSRs 0x480-0x491 did not #GP (first 0x%x)", readable,
	       first);
}

/* A write that must not take effect: #GP, or the MSR reads back unchanged. */
static void check_refused(uint32_t msr, uint64_t set, const char *check)
{
	uint64_t before = 0, after = 0;
	int rf = rdmsr_safe(msr, &before);
	int wf = wrmsr_safe(msr, before ^ set);

	if (wf == VEC_GP) {
		pass(check);
		return;
	}
	rdmsr_safe(msr, &after);
	expect(wf == NO_FAULT && rf == NO_FAULT && after == before, check,
	       "write of 0x%llx gave %s; reads 0x%llx (was 0x%llx)",
	       (unsigned long long)(before ^ set), vector_name(wf), (unsigned long long)after,
	       (unsigned long long)before);
}

static void check_tsc(void)
{
	uint64_t a = rdtsc(), m = 0, b;
	int f = rdmsr_safe(MSR_IA32_TSC, &m);

	b = rdtsc();
	expect(b > a, "msr-rdtsc-counts", "RDTSC went from 0x%llx to 0x%llx", (unsigned long long)a,
	       (unsigned long long)b);
	expect(f == NO_FAULT && m >= a && m <= b, "msr-tsc-readable",
	       "RDMSR 0x10 gave %s, 0x%llx (RDTSC 0x%llx .. 0x%llx)", vector_name(f),
	       (unsigned long long)m, (unsigned long long)a, (unsigned long long)b);
}

/* The partition's LAPIC offers x2APIC mode (CPUID.1:ECX[21]): enabling it
 * works and its ID MSR answers; going back to xAPIC directly is an invalid
 * transition (SDM Vol. 3A 11.12.5) and must #GP.  Without the CPUID bit,
 * EXTD is reserved and must not take. */
static void check_x2apic(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE), id = ~0ULL;

	if (!(cpuid(1, 0).ecx & CPUID_1_ECX_X2APIC_BIT)) {
		check_refused(MSR_IA32_APIC_BASE, APIC_BASE_X2APIC, "msr-apic-base-x2apic");
		return;
	}
	expect_fault(wrmsr_safe(MSR_IA32_APIC_BASE, base | APIC_BASE_X2APIC), NO_FAULT,
		     "msr-apic-base-x2apic-enable");
	expect(rdmsr_safe(MSR_X2APIC_ID, &id) == NO_FAULT && id == 0, "msr-x2apic-id",
	       "x2APIC ID MSR 0x802 reads 0x%llx, expected 0 (the boot vCPU)",
	       (unsigned long long)id);
	expect_fault(wrmsr_safe(MSR_IA32_APIC_BASE, base), VEC_GP,
		     "msr-apic-base-x2apic-to-xapic-gp");
}

void guest_main(void)
{
	uint64_t v;

	check_feature_control();
	check_vmx_msrs();
	check_refused(MSR_IA32_APIC_BASE, 0x10000, "msr-apic-base-move-refused");
	check_x2apic();
	expect_fault(wrmsr_safe(MSR_EFER, rdmsr(MSR_EFER) | EFER_RESERVED_12), VEC_GP,
		     "msr-efer-reserved-bit12-gp");
	expect_fault(wrmsr_safe(MSR_EFER, rdmsr(MSR_EFER) | EFER_RESERVED_1), VEC_GP,
		     "msr-efer-reserved-bit1-gp");
	check_tsc();
	expect_fault(rdmsr_safe(0x00001234, &v), VEC_GP, "msr-unknown-read-gp");
	expect_fault(wrmsr_safe(0x00001234, 1), VEC_GP, "msr-unknown-write-gp");
	expect_fault(rdmsr_safe(0xc0011234, &v), VEC_GP, "msr-unknown-high-read-gp");
}
