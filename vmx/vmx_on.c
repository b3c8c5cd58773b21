/*
 * vmx_on.c - VMX root operation on one CPU (SDM Vol. 3C 24.7 "Enabling and
 * entering VMX operation", 24.8 "Restrictions on VMX operation").
 *
 * Everything that can fail is checked before anything changes (check, then
 * apply): CPUID, IA32_FEATURE_CONTROL, the CR0/CR4 fixed bits, the VMXON
 * region.  The one step that cannot be undone is locking an unlocked
 * IA32_FEATURE_CONTROL with VMX enabled, which is what firmware should
 * have done anyway.  A failure leaves cpu->vmx_error in words an operator
 * can act on.  vmx_cpu_disable() leaves VMX root operation again before a
 * reset (INIT is blocked in VMX root operation, SDM 24.8).
 */
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/printk.h>
#include <hv/spinlock.h>
#include <hv/vmx.h>
#include <arch/cpu.h>
#include <arch/msr.h>
#include "vmx/vmx_ctrl.h"
#include "vmx/vmx_ops.h"

#define VMX_BASIC_PA32 BIT(48) /* VMXON/VMCS addresses limited to 32 bits */

/* The allocator is not SMP-safe by itself, and every CPU gets here at
 * about the same time. */
static spinlock_t vmxon_alloc_lock = SPINLOCK_INIT;

static __printf(2, 3) bool vmx_fail(struct percpu *cpu, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cpu->vmx_error, sizeof(cpu->vmx_error), fmt, ap);
	va_end(ap);
	return false;
}

/* SDM 24.7: VMXON outside SMX needs IA32_FEATURE_CONTROL bit 2 and the
 * lock bit.  Check only: *must_lock says firmware left the MSR unlocked, so
 * vmx_feature_control_apply() has to set and lock it (until the next reset
 * it cannot be changed again) - after every other check has passed. */
static bool vmx_feature_control_check(struct percpu *cpu, bool *must_lock)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	*must_lock = !(fc & FEATURE_CONTROL_LOCKED);
	if (!*must_lock && !(fc & FEATURE_CONTROL_VMX))
		return vmx_fail(cpu, "VT-x disabled in firmware setup "
				     "(IA32_FEATURE_CONTROL locked with VMX off)");
	return true;
}

static void vmx_feature_control_apply(struct percpu *cpu)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_VMX | FEATURE_CONTROL_LOCKED);
	pr_debug("vmx: cpu %u: IA32_FEATURE_CONTROL was unlocked (0x%llx); enabled VMX and "
		 "locked it\n",
		 cpu->cpu_id, (unsigned long long)fc);
}

/*
 * SDM 24.8 and A.7, A.8: in VMX operation CR0 and CR4 must have every bit of
 * FIXED0 set and no bit outside FIXED1.  Computes the new *cr0 and *cr4
 * without writing them.  CR0.NE is the only CR0 bit we may flip (FPU errors
 * then go through #MF, which nothing in the hypervisor uses); PE and PG are
 * set already in long mode, and any other demand is reported.
 */
static bool vmx_fixed_crs(struct percpu *cpu, uint64_t *cr0, uint64_t *cr4)
{
	uint64_t f0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0), f1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	uint64_t want = (*cr0 | f0) & f1;

	if ((want ^ *cr0) & ~CR0_NE)
		return vmx_fail(cpu,
				"CR0 0x%llx cannot meet VMX's fixed bits (must be 1: 0x%llx, "
				"may be 1: 0x%llx)",
				(unsigned long long)*cr0, (unsigned long long)f0,
				(unsigned long long)f1);
	*cr0 = want;

	f0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	f1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	if (!(f1 & CR4_VMXE))
		return vmx_fail(cpu, "CR4.VMXE cannot be set (IA32_VMX_CR4_FIXED1 bit 13 is 0)");
	want = (*cr4 | f0 | CR4_VMXE) & f1;
	if ((want ^ *cr4) & ~CR4_VMXE)
		return vmx_fail(cpu,
				"CR4 0x%llx cannot meet VMX's fixed bits (must be 1: 0x%llx, "
				"may be 1: 0x%llx)",
				(unsigned long long)*cr4, (unsigned long long)f0,
				(unsigned long long)f1);
	*cr4 = want;
	return true;
}

/* A zeroed 4 KiB VMXON region stamped with the VMCS revision (SDM 24.11.5). */
static bool vmx_alloc_vmxon(struct percpu *cpu, uint64_t basic)
{
	uint64_t size = (basic & VMX_BASIC_REGION_MASK) >> VMX_BASIC_REGION_SHIFT;
	uint32_t *region;

	if (size > PAGE_SIZE)
		return vmx_fail(cpu, "VMXON region of %llu bytes is larger than a page",
				(unsigned long long)size);
	spin_lock(&vmxon_alloc_lock);
	region = page_alloc_zeroed(1);
	spin_unlock(&vmxon_alloc_lock);
	region[0] = (uint32_t)(basic & VMX_BASIC_REVISION_MASK);
	cpu->vmxon_region = (uint64_t)(uintptr_t)region;
	/* SDM A.1: with IA32_VMX_BASIC bit 48 set, the VMXON region (and every
	 * VMCS) must lie below 4 GiB.  The allocator is first fit from the
	 * lowest address, so this only fails when low memory is exhausted. */
	if ((basic & VMX_BASIC_PA32) && cpu->vmxon_region + PAGE_SIZE > 4 * GiB)
		return vmx_fail(cpu,
				"VMXON region at 0x%llx is above 4 GiB, but IA32_VMX_BASIC bit 48 "
				"limits VMX addresses to 32 bits",
				(unsigned long long)cpu->vmxon_region);
	return true;
}

static void vmx_free_vmxon(struct percpu *cpu)
{
	if (!cpu->vmxon_region)
		return;
	spin_lock(&vmxon_alloc_lock);
	pmm_free(&hv_pmm, cpu->vmxon_region, PAGE_SIZE);
	spin_unlock(&vmxon_alloc_lock);
	cpu->vmxon_region = 0;
}

/* Turn CR0/CR4 to the computed values, VMXON; undo on failure. */
static bool vmx_enter_root(struct percpu *cpu, uint64_t cr0, uint64_t cr4)
{
	uint64_t old_cr0 = read_cr0(), old_cr4 = read_cr4();
	enum vmx_result r;

	write_cr0(cr0);
	write_cr4(cr4);
	r = vmxon(cpu->vmxon_region);
	if (r == VMX_SUCCEED)
		return true;
	if (r == VMX_FAIL_VALID)
		/* we are in VMX operation already (someone else's VMXON):
		 * CR4.VMXE cannot be cleared now, leave everything */
		return vmx_fail(cpu, "VMXON failed: VMfailValid, the CPU is already in VMX "
				     "operation (another hypervisor running?)");
	write_cr4(old_cr4);
	write_cr0(old_cr0);
	return vmx_fail(cpu,
			"VMXON failed: VMfailInvalid (VMXON region 0x%llx, revision 0x%x "
			"rejected, or CPU state not allowed)",
			(unsigned long long)cpu->vmxon_region,
			(unsigned)(rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_REVISION_MASK));
}

/* See include/hv/vmx.h.  Check, then apply: nothing is written (not even
 * the FEATURE_CONTROL lock) until every check and the allocation passed. */
bool vmx_cpu_enable(struct percpu *cpu)
{
	uint64_t basic, cr0 = read_cr0(), cr4 = read_cr4();
	bool must_lock;

	if (cpu->vmx_on)
		return true;
	cpu->vmx_error[0] = '\0';
	if (!(cpuid(1, 0).ecx & CPUID_1_ECX_VMX))
		return vmx_fail(cpu, "CPU has no VT-x (CPUID.1:ECX.VMX=0)");
	if (!vmx_feature_control_check(cpu, &must_lock) || !vmx_fixed_crs(cpu, &cr0, &cr4))
		return false;
	basic = rdmsr(MSR_IA32_VMX_BASIC);
	if (!vmx_alloc_vmxon(cpu, basic)) {
		vmx_free_vmxon(cpu);
		return false;
	}
	if (must_lock)
		vmx_feature_control_apply(cpu);
	if (!vmx_enter_root(cpu, cr0, cr4)) {
		vmx_free_vmxon(cpu);
		return false;
	}
	cpu->vmx_on = true;
	return true;
}

/*
 * See include/hv/vmx.h.  Runs in NMI context (smp_stop_others) and on the
 * way to a reset, so it neither allocates nor prints nor takes locks.
 * VMXOFF leaves any current VMCS's cached state unwritten, which is fine:
 * nothing will run it again before the reset.
 */
void vmx_cpu_disable(struct percpu *cpu)
{
	if (!cpu->vmx_on)
		return; /* VMX never on here, or CR4.VMXE set by someone else's
			 * VMXON (vmx_enter_root): clearing it would #GP */
	cpu->vmx_on = false;
	/* CR4.VMXE may be cleared only outside VMX operation (SDM 24.8), so
	 * only after a VMXOFF that succeeded */
	if (vmxoff() == VMX_SUCCEED)
		write_cr4(read_cr4() & ~CR4_VMXE);
}
