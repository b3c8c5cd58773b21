/*
 * vmx_caps.c - the VT-x capability report printed once at boot.
 *
 * It names every capability later work depends on, with "no" for a missing
 * one, so a boot log alone tells whether a machine can run partitions with
 * EPT, VPID, unrestricted guests, the preemption timer and APIC
 * virtualization.  Decoding follows SDM Vol. 3D appendix A (A.1 basic, A.3
 * pin-based, A.3.3 secondary, A.6 misc, A.10 EPT/VPID).
 */
#include <hv/arch.h>
#include <hv/printk.h>
#include <hv/vmx.h>
#include <arch/cpu.h>
#include <arch/msr.h>
#include "vmx/mitigate.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_ctrl.h"

#define VMX_MISC_PREEMPT_RATE_MASK GENMASK(4, 0)
#define VMX_MEMTYPE_UC		   0
#define VMX_MEMTYPE_WB		   6

/* The allowed-1 halves of the controls that matter here, and the EPT/VPID
 * capability MSR (0 when neither EPT nor VPID can be enabled: it may then
 * not exist). */
struct vmx_caps_raw {
	uint64_t basic, misc, ept_vpid;
	uint32_t pin1, proc1, proc2_1;
};

static const char *yn(bool b)
{
	return b ? "yes" : "no";
}

static void vmx_caps_read(struct vmx_caps_raw *c)
{
	c->basic = rdmsr(MSR_IA32_VMX_BASIC);
	c->misc = rdmsr(MSR_IA32_VMX_MISC);
	c->pin1 = (uint32_t)(rdmsr(vmx_ctrl_cap_msr(c->basic, VMX_CTRL_PIN)) >> 32);
	c->proc1 = (uint32_t)(rdmsr(vmx_ctrl_cap_msr(c->basic, VMX_CTRL_PROC)) >> 32);
	c->proc2_1 = 0;
	if (c->proc1 & PROC_SECONDARY_CONTROLS)
		c->proc2_1 = (uint32_t)(rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) >> 32);
	c->ept_vpid = 0;
	if (c->proc2_1 & (PROC2_EPT | PROC2_VPID))
		c->ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
}

static void vmx_report_basic(const struct vmx_caps_raw *c)
{
	uint64_t mt = (c->basic & VMX_BASIC_MEMTYPE_MASK) >> VMX_BASIC_MEMTYPE_SHIFT;

	pr_info("vmx: VMCS revision 0x%llx, %llu-byte regions, %s memory, TRUE_ controls %s\n",
		(unsigned long long)(c->basic & VMX_BASIC_REVISION_MASK),
		(unsigned long long)((c->basic & VMX_BASIC_REGION_MASK) >> VMX_BASIC_REGION_SHIFT),
		mt == VMX_MEMTYPE_WB ? "WB" : (mt == VMX_MEMTYPE_UC ? "UC" : "unknown-type"),
		yn(c->basic & VMX_BASIC_TRUE_CTLS));
}

static void vmx_report_ept_vpid(const struct vmx_caps_raw *c)
{
	bool ept = c->proc2_1 & PROC2_EPT, vpid = c->proc2_1 & PROC2_VPID;
	uint64_t e = ept ? c->ept_vpid : 0, v = vpid ? c->ept_vpid : 0;

	pr_info("vmx: EPT %s (4-level %s, WB %s, 2M %s, 1G %s, A/D %s), INVEPT %s "
		"(single-context %s, all-context %s)\n",
		yn(ept), yn(e & VMX_EPT_WALK_4), yn(e & VMX_EPT_MT_WB), yn(e & VMX_EPT_2M),
		yn(e & VMX_EPT_1G), yn(e & VMX_EPT_AD), yn(e & VMX_EPT_INVEPT),
		yn(e & VMX_EPT_INVEPT_SINGLE), yn(e & VMX_EPT_INVEPT_ALL));
	pr_info("vmx: VPID %s, INVVPID %s (address %s, single-context %s, all-context %s, "
		"single-context-keep-globals %s)\n",
		yn(vpid), yn(v & VMX_VPID_INVVPID), yn(v & VMX_VPID_INVVPID_ADDR),
		yn(v & VMX_VPID_INVVPID_SINGLE), yn(v & VMX_VPID_INVVPID_ALL),
		yn(v & VMX_VPID_INVVPID_SINGLE_NG));
}

static void vmx_report_misc(const struct vmx_caps_raw *c)
{
	bool preempt = c->pin1 & PIN_PREEMPT_TIMER;
	unsigned shift = (unsigned)(c->misc & VMX_MISC_PREEMPT_RATE_MASK);
	uint64_t hz = tsc_hz >> shift;

	pr_info("vmx: unrestricted guest %s, preemption timer %s (TSC/%u = %llu.%03llu MHz)\n",
		yn(c->proc2_1 & PROC2_UNRESTRICTED_GUEST), yn(preempt), 1u << shift,
		(unsigned long long)(hz / 1000000), (unsigned long long)(hz / 1000 % 1000));
	pr_info("vmx: APIC-register virtualization %s, virtual-interrupt delivery %s, posted "
		"interrupts %s, x2APIC virtualization %s\n",
		yn(c->proc2_1 & PROC2_APIC_REG_VIRT), yn(c->proc2_1 & PROC2_VIRT_INTR_DELIVERY),
		yn(c->pin1 & PIN_POSTED_INTR), yn(c->proc2_1 & PROC2_VIRT_X2APIC_MODE));
}

/* See include/hv/vmx.h.  Reads this CPU's MSRs; every CPU of a machine
 * reports the same (mixed steppings are not supported). */
void vmx_report_caps(void)
{
	static bool reported;
	struct vmx_caps_raw c;

	if (reported || !(cpuid(1, 0).ecx & CPUID_1_ECX_VMX))
		return;
	reported = true;
	vmx_caps_read(&c);
	vmx_report_basic(&c);
	vmx_report_ept_vpid(&c);
	vmx_report_misc(&c);
	vmx_mitigations_init();
}
