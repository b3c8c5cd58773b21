/*
 * vmx_ctrl.c - which VMX controls a partitioning hypervisor needs, why, and
 * how they are merged with what the CPU allows (see vmx/vmx_ctrl.h).
 *
 * The hypervisor owns no guest device: a partition gets whole CPUs, its RAM
 * through EPT and its devices by pass-through.  So we require what keeps a
 * partition inside its walls and lets the host take a CPU back, and ask for
 * the rest only when it saves exits.
 */
#include <hv/lib.h>
#include <arch/msr.h>
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_ctrl.h"

struct ctrl_policy {
	uint32_t required; /* refuse to run without these */
	uint32_t optional; /* use when allowed */
	uint32_t per_vcpu; /* must be allowed; each vCPU decides (not in the base word) */
	uint32_t unwanted; /* we want 0; reported when the CPU forces 1 */
};

/* One line of reason above each bit reads better than the formatter's wrapping. */
/* clang-format off */
static const struct ctrl_policy policy[VMX_CTRL_WORDS] = {
	[VMX_CTRL_PIN] = {
		.required =
			/* host IPIs and not-yet-routed device interrupts must reach the host */
			PIN_EXT_INTR_EXITING |
			/* NMI is the host's cross-CPU stop signal; a guest must not swallow it */
			PIN_NMI_EXITING |
			/* guest NMIs are then injected; blocking by NMI must be tracked (25.6.1) */
			PIN_VIRTUAL_NMIS,
		.optional =
			/* a time slice / watchdog on a stuck guest without a host timer */
			PIN_PREEMPT_TIMER |
			/* device interrupts delivered to a running guest without an exit */
			PIN_POSTED_INTR,
	},
	[VMX_CTRL_PROC] = {
		.required =
			/* an idle vCPU must come back to the host, which injects its interrupts */
			PROC_HLT_EXITING |
			/* only ports of devices outside the partition trap; the rest pass through */
			PROC_IO_BITMAPS |
			/* likewise for MSRs; without bitmaps every RDMSR/WRMSR exits */
			PROC_MSR_BITMAPS |
			/* EPT, VPID and unrestricted guest live in the secondary word */
			PROC_SECONDARY_CONTROLS |
			/* without a TPR shadow, MOV to CR8 would write the physical
			 * LAPIC's TPR: a guest could mask the host's wake-up IPI */
			PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING |
			/* CPUID offers no PMU (leaf 0xa reads 0): RDPMC #GPs, never reads host counters */
			PROC_RDPMC_EXITING |
			/* CPUID hides MONITOR: both #UD as advertised, no MWAIT C-state on a shared core */
			PROC_MONITOR_EXITING | PROC_MWAIT_EXITING,
		.optional =
			/* prerequisite of x2APIC virtualization and virtual-interrupt delivery */
			PROC_TPR_SHADOW,
		.unwanted =
			/* the I/O bitmaps decide; unconditional exiting would defeat them */
			PROC_UNCOND_IO_EXITING |
			/* with EPT the guest owns CR3; default-1 without TRUE MSRs (A.3.2) */
			PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING |
			/* the guest owns its debug registers; the host uses none */
			PROC_MOV_DR_EXITING |
			/* with EPT the guest owns its TLB entries */
			PROC_INVLPG_EXITING,
	},
	[VMX_CTRL_PROC2] = {
		.required =
			/* partitions are isolated by EPT alone */
			PROC2_EPT |
			/* guests boot in real mode and run their own paging */
			PROC2_UNRESTRICTED_GUEST,
		.optional =
			/* without these three the instructions #UD in the guest, so the
			 * CPUID the guest sees must then hide RDTSCP, INVPCID and XSAVES */
			PROC2_RDTSCP | PROC2_INVPCID | PROC2_XSAVES |
			/* tagged TLB: no flush on every VM entry and exit */
			PROC2_VPID |
			/* a guest must not flush the caches its neighbours share */
			PROC2_WBINVD_EXITING |
			/* xAPIC page and x2APIC register accesses, interrupt delivery
			 * and EOIs without exits (vmx_ctrl_choose_apicv picks) */
			PROC2_VIRT_APIC_ACCESSES | PROC2_VIRT_X2APIC_MODE | PROC2_APIC_REG_VIRT |
			PROC2_VIRT_INTR_DELIVERY,
	},
	[VMX_CTRL_EXIT] = {
		.required =
			/* the host runs in 64-bit mode */
			EXIT_HOST_ADDR_SPACE_SIZE |
			/* guest and host EFER differ (LME, NXE, SCE) */
			EXIT_SAVE_EFER | EXIT_LOAD_EFER |
			/* the guest programs its own PAT; the host keeps its own */
			EXIT_SAVE_PAT | EXIT_LOAD_PAT |
			/* the exit reports the interrupt vector; posted interrupts need it */
			EXIT_ACK_INTR_ON_EXIT,
		.optional =
			/* resume the preemption timer where it stopped */
			EXIT_SAVE_PREEMPT_TIMER,
	},
	[VMX_CTRL_ENTRY] = {
		.required =
			/* guest EFER and PAT come from the VMCS on every entry */
			ENTRY_LOAD_EFER | ENTRY_LOAD_PAT,
		.per_vcpu =
			/* set while the vCPU is in long mode (EFER.LMA) */
			ENTRY_IA32E_MODE_GUEST,
	},
};
/* clang-format on */

int vmx_ctrl_negotiate(uint64_t cap_msr, uint32_t required, uint32_t optional, uint32_t *out,
		       uint32_t *missing)
{
	uint32_t must_be_1 = (uint32_t)cap_msr;
	uint32_t may_be_1 = (uint32_t)(cap_msr >> 32);

	*out = must_be_1 | ((required | optional) & may_be_1);
	*missing = required & ~may_be_1;
	if (must_be_1 & ~may_be_1)
		return -VMX_CTRL_EBADCAP;
	return *missing ? -VMX_CTRL_EMISSING : 0;
}

uint32_t vmx_ctrl_cap_msr(uint64_t basic, enum vmx_ctrl_word w)
{
	bool use_true = basic & VMX_BASIC_TRUE_CTLS;

	switch (w) {
	case VMX_CTRL_PIN:
		return use_true ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS;
	case VMX_CTRL_PROC:
		return use_true ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS;
	case VMX_CTRL_PROC2:
		return MSR_IA32_VMX_PROCBASED_CTLS2;
	case VMX_CTRL_EXIT:
		return use_true ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS;
	case VMX_CTRL_ENTRY:
		return use_true ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS;
	case VMX_CTRL_WORDS:
	default:
		return 0;
	}
}

static const char *const word_names[VMX_CTRL_WORDS] = {
    [VMX_CTRL_PIN] = "pin-based controls",
    [VMX_CTRL_PROC] = "primary processor-based controls",
    [VMX_CTRL_PROC2] = "secondary processor-based controls",
    [VMX_CTRL_EXIT] = "VM-exit controls",
    [VMX_CTRL_ENTRY] = "VM-entry controls",
};

/* Names of the bits this file uses, indexed by bit number (SDM Tables 25-5..25-15). */
/* clang-format off */
static const char *const bit_names[VMX_CTRL_WORDS][32] = {
	[VMX_CTRL_PIN] = {
		[0] = "external-interrupt exiting", [3] = "NMI exiting", [5] = "virtual NMIs",
		[6] = "VMX-preemption timer", [7] = "posted interrupts",
	},
	[VMX_CTRL_PROC] = {
		[7] = "HLT exiting", [9] = "INVLPG exiting", [10] = "MWAIT exiting",
		[11] = "RDPMC exiting", [15] = "CR3-load exiting", [16] = "CR3-store exiting",
		[19] = "CR8-load exiting", [20] = "CR8-store exiting", [21] = "use TPR shadow",
		[23] = "MOV-DR exiting",
		[24] = "unconditional I/O exiting", [25] = "use I/O bitmaps",
		[28] = "use MSR bitmaps", [29] = "MONITOR exiting",
		[31] = "activate secondary controls",
	},
	[VMX_CTRL_PROC2] = {
		[0] = "virtualize APIC accesses", [1] = "EPT", [3] = "RDTSCP",
		[4] = "virtualize x2APIC mode", [5] = "VPID",
		[7] = "unrestricted guest", [8] = "APIC-register virtualization",
		[9] = "virtual-interrupt delivery", [12] = "INVPCID", [20] = "XSAVES/XRSTORS",
	},
	[VMX_CTRL_EXIT] = {
		[9] = "host address-space size", [15] = "acknowledge interrupt on exit",
		[18] = "save IA32_PAT", [19] = "load IA32_PAT", [20] = "save IA32_EFER",
		[21] = "load IA32_EFER", [22] = "save VMX-preemption timer",
	},
	[VMX_CTRL_ENTRY] = {
		[9] = "IA-32e mode guest", [14] = "load IA32_PAT", [15] = "load IA32_EFER",
	},
};
/* clang-format on */

const char *vmx_ctrl_word_name(enum vmx_ctrl_word w)
{
	return (unsigned)w < VMX_CTRL_WORDS ? word_names[w] : "unknown controls";
}

const char *vmx_ctrl_bit_name(enum vmx_ctrl_word w, unsigned bit)
{
	if ((unsigned)w >= VMX_CTRL_WORDS || bit >= 32)
		return NULL;
	return bit_names[w][bit];
}

/* snprintf at the end of err, never past len, keeping it terminated. */
__printf(3, 4) static void appendf(char *err, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(err, len);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(err + used, len - used, fmt, ap);
	va_end(ap);
}

/* Append "<word>: name, name" for the bits in missing to err ("; " between words). */
static void describe_missing(char *err, size_t len, enum vmx_ctrl_word w, uint32_t missing)
{
	const char *sep = "";

	if (!missing)
		return;
	appendf(err, len, "%s%s: ", err[0] ? "; " : "", vmx_ctrl_word_name(w));
	for (unsigned bit = 0; bit < 32; bit++) {
		const char *name = vmx_ctrl_bit_name(w, bit);

		if (!(missing & BIT(bit)))
			continue;
		if (name)
			appendf(err, len, "%s%s", sep, name);
		else
			appendf(err, len, "%sbit %u", sep, bit);
		sep = ", ";
	}
}

/*
 * Drop optional controls whose prerequisites were not granted (SDM 26.2.1.1
 * lists these as VM-entry checks, so a word that breaks them fails entry).
 */
static void drop_orphans(struct vmx_ctrls *c)
{
	if (!(c->proc & PROC_TPR_SHADOW))
		c->proc2 &= ~(uint32_t)(PROC2_VIRT_APIC_ACCESSES | PROC2_VIRT_X2APIC_MODE |
					PROC2_APIC_REG_VIRT | PROC2_VIRT_INTR_DELIVERY);
	if (!(c->proc2 & PROC2_VIRT_INTR_DELIVERY) || !(c->exit & EXIT_ACK_INTR_ON_EXIT))
		c->pin &= ~(uint32_t)PIN_POSTED_INTR;
	if (!(c->pin & PIN_PREEMPT_TIMER))
		c->exit &= ~(uint32_t)EXIT_SAVE_PREEMPT_TIMER;
}

/* The EPT features the EPT builder and the INVEPT calls rely on (A.10). */
static int check_ept_caps(struct vmx_ctrls *c, uint64_t cap, char *err, size_t len)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} need[] = {
	    /* ept/ept.c builds 4-level tables ... */
	    {.bit = VMX_EPT_WALK_4, .name = "4-level EPT walk"},
	    /* ... in write-back memory (EPTP memory type) */
	    {.bit = VMX_EPT_MT_WB, .name = "write-back EPT structures"},
	    /* unmapping guest memory must flush stale translations */
	    {.bit = VMX_EPT_INVEPT, .name = "INVEPT"},
	};
	const char *sep = err[0] ? "; EPT: " : "EPT: ";
	int rc = 0;

	for (size_t i = 0; i < ARRAY_SIZE(need); i++) {
		if (cap & need[i].bit)
			continue;
		appendf(err, len, "%s%s", sep, need[i].name);
		sep = ", ";
		rc = -VMX_CTRL_EMISSING;
	}
	if (!(cap & (VMX_EPT_INVEPT_SINGLE | VMX_EPT_INVEPT_ALL))) {
		appendf(err, len, "%sINVEPT single- or all-context", sep);
		rc = -VMX_CTRL_EMISSING;
	}
	/* VPID is only worth having when its TLB entries can be flushed. */
	if (!(cap & VMX_VPID_INVVPID) || !(cap & (VMX_VPID_INVVPID_SINGLE | VMX_VPID_INVVPID_ALL)))
		c->proc2 &= ~(uint32_t)PROC2_VPID;
	c->has_ept_2m = cap & VMX_EPT_2M;
	c->has_ept_1g = cap & VMX_EPT_1G;
	c->has_ept_ad = cap & VMX_EPT_AD;
	c->has_invept_single = cap & VMX_EPT_INVEPT_SINGLE;
	c->has_invvpid_single = cap & VMX_VPID_INVVPID_SINGLE;
	return rc;
}

/* Negotiate word w into *word; append what is wrong to err. */
static int negotiate_word(enum vmx_ctrl_word w, uint64_t msr, uint32_t *word, uint32_t *forced,
			  char *err, size_t len)
{
	const struct ctrl_policy *p = &policy[w];
	uint32_t missing;
	int rc = vmx_ctrl_negotiate(msr, p->required | p->per_vcpu, p->optional, word, &missing);

	if (rc == -VMX_CTRL_EBADCAP)
		appendf(err, len, "%s%s: inconsistent capability MSR 0x%llx", err[0] ? "; " : "",
			vmx_ctrl_word_name(w), (unsigned long long)msr);
	describe_missing(err, len, w, missing);
	/* we never ask for unwanted bits: any that are set, the CPU forced */
	*forced = *word & p->unwanted;
	return rc;
}

int vmx_ctrl_negotiate_all(const struct vmx_cap_msrs *caps, struct vmx_ctrls *out, char *err,
			   size_t err_len)
{
	const uint64_t msr[VMX_CTRL_WORDS] = {
	    [VMX_CTRL_PIN] = caps->pin,	    [VMX_CTRL_PROC] = caps->proc,
	    [VMX_CTRL_PROC2] = caps->proc2, [VMX_CTRL_EXIT] = caps->exit,
	    [VMX_CTRL_ENTRY] = caps->entry,
	};
	const uint32_t per_vcpu = policy[VMX_CTRL_ENTRY].per_vcpu;
	uint32_t word[VMX_CTRL_WORDS];
	char scratch[1];
	int rc = 0;

	if (!err_len) {
		err = scratch;
		err_len = sizeof(scratch);
	}
	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	for (int w = 0; w < VMX_CTRL_WORDS; w++) {
		int r = negotiate_word(w, msr[w], &word[w], &out->forced[w], err, err_len);

		if (r && rc != -VMX_CTRL_EBADCAP)
			rc = r;
	}
	out->pin = word[VMX_CTRL_PIN];
	out->proc = word[VMX_CTRL_PROC];
	out->proc2 = word[VMX_CTRL_PROC2];
	out->exit = word[VMX_CTRL_EXIT];
	out->entry_per_vcpu = word[VMX_CTRL_ENTRY] & per_vcpu;
	/* per-vCPU bits stay out of the base word unless the CPU forces them */
	out->entry = word[VMX_CTRL_ENTRY] & ~(per_vcpu & ~(uint32_t)msr[VMX_CTRL_ENTRY]);
	drop_orphans(out);
	/* without EPT at all the words above already said so */
	if ((out->proc2 & PROC2_EPT) && check_ept_caps(out, caps->ept_vpid, err, err_len) && !rc)
		rc = -VMX_CTRL_EMISSING;
	return rc;
}

/* Clear optional bits from word unless the CPU forces them (allowed-0). */
uint32_t vmx_ctrl_drop(uint32_t word, uint32_t bits, uint64_t cap_msr)
{
	return word & ~(bits & ~(uint32_t)cap_msr);
}

#define APICV_PROC2 (PROC2_VIRT_APIC_ACCESSES | PROC2_APIC_REG_VIRT | PROC2_VIRT_INTR_DELIVERY)

void vmx_ctrl_choose_apicv(struct vmx_ctrls *c, const struct vmx_cap_msrs *caps, bool want)
{
	c->apicv = want && (c->proc & PROC_TPR_SHADOW) && (c->proc2 & APICV_PROC2) == APICV_PROC2;
	if (!c->apicv) {
		c->proc = vmx_ctrl_drop(c->proc, PROC_TPR_SHADOW, caps->proc);
		c->proc2 =
		    vmx_ctrl_drop(c->proc2, APICV_PROC2 | PROC2_VIRT_X2APIC_MODE, caps->proc2);
		return;
	}
	/* MOV to/from CR8 now reads and writes the virtual-APIC page's TPR
	 * (SDM 30.3), never the physical one: no exits needed. */
	c->proc =
	    vmx_ctrl_drop(c->proc, PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING, caps->proc);
	/* "Virtualize x2APIC mode" and "virtualize APIC accesses" exclude each
	 * other (SDM 26.2.1.1); guests start in xAPIC mode, and one in x2APIC
	 * mode keeps exiting on the APIC MSRs while delivery stays virtual. */
	c->proc2 = vmx_ctrl_drop(c->proc2, PROC2_VIRT_X2APIC_MODE, caps->proc2);
}
