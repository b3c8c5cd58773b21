/*
 * exits.c - the VM-exit handlers other than I/O (vmx/io.c) and MSRs
 * (vmx/msr.c).  Each handler does its work and returns an action; RIP is
 * advanced by vmx/vcpu.c alone.  Anything the guest does that is not
 * handled here stops that guest with a reason and a register dump.
 */
#include <hv/arch.h>
#include <hv/cpu.h>
#include <hv/decode.h>
#include <hv/guest.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <hv/printk.h>
#include <hv/runq.h>
#include <hv/vmx.h>
#include <hv/vplatform.h>
#include <arch/cpu.h>
#include <arch/msr.h>
#include "vmx/exits.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_setup.h"

/* Exit qualification of EPT violations (SDM 28.2.1, Table 28-7) */
#define EPT_QUAL_READ  BIT(0)
#define EPT_QUAL_WRITE BIT(1)
#define EPT_QUAL_FETCH BIT(2)
/* CPUID bits the guest does not get (no virtual LAPIC, no nested VT-x) */
#define CPUID_1_ECX_MONITOR    BIT(3)
#define CPUID_1_ECX_SMX	       BIT(6)
#define CPUID_1_ECX_OSXSAVE    BIT(27)
#define CPUID_1_ECX_HV	       BIT(31)
#define CPUID_1_EDX_MCE	       BIT(7)
#define CPUID_1_EDX_MTRR       BIT(12)
#define CPUID_1_EDX_MCA	       BIT(14)
#define CPUID_7_EBX_TSC_ADJ    BIT(1)
#define CPUID_6_ECX_APERFMPERF BIT(0)
#define CPUID_6_ECX_EPB	       BIT(3)
#define CPUID_7_EBX_INVPCID    BIT(10)
#define CPUID_7_EBX_PQM	       BIT(12)
#define CPUID_7_EBX_PQE	       BIT(15)
#define CPUID_7_EBX_PT	       BIT(25)
#define CPUID_7_ECX_WAITPKG    BIT(5)
/* IBRS/IBPB, STIBP, L1D_FLUSH, ARCH_CAPABILITIES, CORE_CAPABILITIES, SSBD */
#define CPUID_7_EDX_SPEC_MSRS (GENMASK(31, 26))
#define CPUID_1_ECX_EST	      BIT(7)
#define CPUID_1_ECX_TM2	      BIT(8)
#define CPUID_1_ECX_PDCM      BIT(15)
#define CPUID_1_EDX_ACPI      BIT(22)
#define CPUID_1_EDX_TM	      BIT(29)
#define TOPO_LEVEL_SMT	      1
#define TOPO_LEVEL_CORE	      2
#define CPUID_D1_EAX_XSAVES   BIT(3)
#define CPUID_81_EDX_RDTSCP   BIT(27)

enum exit_action exit_unexpected(struct vcpu *vcpu, const struct exit_info *e)
{
	guest_stop(vcpu->guest, "unexpected VM exit: %s (reason %u)",
		   vmx_exit_lookup(e->reason).name, e->reason);
	vcpu_dump(vcpu, e);
	return EXIT_STOP;
}

/* Machine-check MSRs (SDM Vol. 3B 16.3.1, "Machine-Check Global Control
 * MSRs", and 16.3.2, "Error-Reporting Register Banks") */
#define MSR_IA32_MCG_CAP    0x179
#define MSR_IA32_MCG_STATUS 0x17a
#define MSR_IA32_MC0_STATUS 0x401
#define MSR_IA32_MC0_ADDR   0x402
#define MCG_CAP_COUNT	    GENMASK(7, 0)
#define MCG_STATUS_MCIP	    BIT(2)
#define MCI_STATUS_VAL	    BIT(63)
#define MCI_STATUS_ADDRV    BIT(58)
#define MC_BANKS_MAX	    32

/* Log every machine-check bank with a valid error, then clear MCG_STATUS:
 * with MCIP still set, a second machine check shuts the CPU down (SDM
 * Vol. 3B 16.3.1.2).  Nothing when the CPU has no MCA. */
static void mc_log_banks(uint32_t cpu)
{
	uint64_t status, banks;

	if (!(cpuid(1, 0).edx & CPUID_1_EDX_MCA))
		return;
	banks = MIN(rdmsr(MSR_IA32_MCG_CAP) & MCG_CAP_COUNT, (uint64_t)MC_BANKS_MAX);
	pr_err("cpu %u: MCG_STATUS %#llx\n", cpu, (unsigned long long)rdmsr(MSR_IA32_MCG_STATUS));
	for (uint32_t i = 0; i < banks; i++) {
		status = rdmsr(MSR_IA32_MC0_STATUS + 4 * i);
		if (!(status & MCI_STATUS_VAL))
			continue;
		pr_err("cpu %u: MC%u_STATUS %#llx addr %#llx\n", cpu, i, (unsigned long long)status,
		       (unsigned long long)(status & MCI_STATUS_ADDRV
						? rdmsr(MSR_IA32_MC0_ADDR + 4 * i)
						: 0));
	}
	wrmsr(MSR_IA32_MCG_STATUS, rdmsr(MSR_IA32_MCG_STATUS) & ~(uint64_t)MCG_STATUS_MCIP);
}

/*
 * A machine check while the guest ran (#MC in the exception bitmap, SDM
 * Vol. 3C 25.6.3) or while the CPU entered it (exit reason 41, SDM Vol. 3C
 * 27.9 "Machine-Check Events During VM Entry").  The guest's CPUID offers
 * no MCE/MCA and its state can no longer be trusted, so it is never
 * handed the event: the banks are logged and this guest alone is stopped
 * as fatal (not restarted: the hardware under it is suspect).  The host
 * and the other partitions run on; the operator decides about the
 * machine from the log.
 */
enum exit_action exit_machine_check(struct vcpu *vcpu, const struct exit_info *e)
{
	uint32_t cpu = this_cpu()->cpu_id;

	pr_err("MACHINE CHECK on cpu %u while %s guest %s (vcpu %u)\n", cpu,
	       e->reason == VMX_EXIT_ENTRY_FAIL_MCE ? "entering" : "running", vcpu->guest->name,
	       vcpu->index);
	mc_log_banks(cpu);
	guest_stop_as(vcpu->guest, GUEST_STOP_FATAL, "machine check on cpu %u (vcpu %u)", cpu,
		      vcpu->index);
	vcpu_dump(vcpu, e);
	return EXIT_STOP;
}

/* Exceptions or NMIs (reason 0).  Only #MC is in the exception bitmap
 * (VMX_EXCEPTION_BITMAP).  An NMI is the host's "stop" signal
 * (smp_stop_others); any other is reported and dropped. */
enum exit_action exit_nmi_exception(struct vcpu *vcpu, const struct exit_info *e)
{
	struct percpu *cpu = this_cpu();

	switch (vmx_exc_exit_kind(e->intr_info)) {
	case EXC_EXIT_MC:
		return exit_machine_check(vcpu, e);
	case EXC_EXIT_NMI:
		break;
	case EXC_EXIT_OTHER:
	default:
		return exit_unexpected(vcpu, e);
	}
	if (cpu->stop_requested) {
		/* leave VMX root first: INIT-based resets are blocked in it */
		vmx_cpu_disable(cpu);
		console_unlock_if_held();
		cpu_halt_forever();
	}
	pr_warn("cpu %u: NMI while running guest %s\n", cpu->cpu_id, vcpu->guest->name);
	return EXIT_RESUME;
}

/* RDPMC: the guest's CPUID offers no PMU (leaf 0xa reads 0), so no
 * counter ECX can name exists: #GP(0) (SDM Vol. 2B RDPMC), and the host's
 * counters stay unread. */
enum exit_action exit_rdpmc(struct vcpu *vcpu, const struct exit_info *e)
{
	(void)e;
	vcpu_inject_gp(vcpu);
	return EXIT_RESUME;
}

/* MONITOR and MWAIT #UD when CPUID.01H:ECX.MONITOR[bit 3] = 0 (SDM Vol. 2B
 * MONITOR, MWAIT), which is what cpuid_adjust_1 tells the guest: the
 * hypervisor enforces what it advertised, and no guest parks a physical
 * CPU in a deep C-state its neighbours' latency depends on. */
enum exit_action exit_monitor_mwait(struct vcpu *vcpu, const struct exit_info *e)
{
	(void)e;
	vcpu_inject_ud(vcpu);
	return EXIT_RESUME;
}

/* The interrupt is still pending in the LAPIC (no acknowledge-on-exit):
 * open a window so the host's IDT handler runs, then re-enter. */
enum exit_action exit_external_intr(struct vcpu *vcpu, const struct exit_info *e)
{
	(void)vcpu;
	(void)e;
	irq_window();
	return EXIT_RESUME;
}

/* The slice of a vCPU on a shared CPU ended: vcpu_arch_run hands the CPU
 * to the scheduler (sched_after_exit), which decides who runs next. */
enum exit_action exit_preempt_timer(struct vcpu *vcpu, const struct exit_info *e)
{
	(void)e;
	vcpu->sched.tick = true;
	return EXIT_RESUME;
}

enum exit_action exit_triple_fault(struct vcpu *vcpu, const struct exit_info *e)
{
	guest_stop(vcpu->guest, "triple fault");
	vcpu_dump(vcpu, e);
	return EXIT_STOP;
}

/* The interrupt or NMI window opened: vcpu_prepare_entry asks again for
 * whichever it still needs. */
enum exit_action exit_window(struct vcpu *vcpu, const struct exit_info *e)
{
	(void)vcpu;
	(void)e;
	vmcs_write32(VMCS_CTRL_PROC_BASED,
		     vmcs_read32(VMCS_CTRL_PROC_BASED) &
			 ~(uint32_t)(PROC_INTR_WINDOW_EXITING | PROC_NMI_WINDOW_EXITING));
	return EXIT_RESUME;
}

static void set_regs32(uint64_t *gpr, struct cpuid_regs r)
{
	gpr[VCPU_REG_RAX] = r.eax;
	gpr[VCPU_REG_RBX] = r.ebx;
	gpr[VCPU_REG_RCX] = r.ecx;
	gpr[VCPU_REG_RDX] = r.edx;
}

/* Leaves 0x40000000.. (docs/hypercalls.md): signature and frequencies. */
static struct cpuid_regs cpuid_hv_leaf(const struct guest *g, uint32_t leaf)
{
	struct cpuid_regs r = {0};

	if (leaf == HV_CPUID_SIGNATURE) {
		r.eax = HV_CPUID_MAX;
		memcpy(&r.ebx, HV_CPUID_SIG, 4);
		memcpy(&r.ecx, HV_CPUID_SIG + 4, 4);
		memcpy(&r.edx, HV_CPUID_SIG + 8, 4);
	} else if (leaf == HV_CPUID_FREQ) {
		r.eax = (uint32_t)(tsc_hz / 1000);
		/* the virtual LAPIC's timer runs at the TSC rate (core/vplatform.c) */
		r.ebx = (uint32_t)((vplatform_has_lapic(g) ? tsc_hz : lapic_timer_hz) / 1000);
		r.ecx = HV_ABI_VERSION;
	}
	return r;
}

static void cpuid_adjust_1(struct vcpu *vcpu, struct cpuid_regs *r)
{
	uint64_t cr4 = vcpu_guest_cr4(vcpu);

	r->ecx &= ~(uint32_t)(CPUID_1_ECX_VMX | CPUID_1_ECX_SMX | CPUID_1_ECX_MONITOR |
			      CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE | CPUID_1_ECX_OSXSAVE);
	r->ecx |= CPUID_1_ECX_HV;
	if (cr4 & CR4_OSXSAVE)
		r->ecx |= CPUID_1_ECX_OSXSAVE;
	/* the LAPIC only with a virtual platform to model it; no MTRRs to
	 * program (EPT sets the memory types); no machine-check banks (the
	 * host owns machine checks) */
	r->edx &= ~(uint32_t)(CPUID_1_EDX_MTRR | CPUID_1_EDX_MCE | CPUID_1_EDX_MCA);
	/* thermal and power-management MSRs, perf capabilities: not emulated */
	r->ecx &= ~(uint32_t)(CPUID_1_ECX_EST | CPUID_1_ECX_TM2 | CPUID_1_ECX_PDCM);
	r->edx &= ~(uint32_t)(CPUID_1_EDX_ACPI | CPUID_1_EDX_TM);
	if (!vplatform_has_lapic(vcpu->guest))
		r->edx &= ~(uint32_t)CPUID_1_EDX_APIC;
	else /* the virtual LAPIC models both (core/vplatform.c) */
		r->ecx |= CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE;
	/* EBX 31:24 initial APIC ID, 23:16 logical processors */
	r->ebx = (r->ebx & GENMASK(15, 0)) | (vcpu->index << 24) |
		 ((vcpu->guest->vcpu_count & 0xff) << 16);
}

/* Only what the guest can use: IA32_TSC_ADJUST, resource monitoring and
 * allocation (PQM/PQE), processor trace and the speculation-control MSRs
 * (SPEC_CTRL, PRED_CMD, FLUSH_CMD, ARCH/CORE_CAPABILITIES) are not
 * virtualised, so their MSRs would #GP - which Linux reports as an
 * "unchecked MSR access error" WARNING.  UMWAIT/TPAUSE need a VM-execution
 * control we do not set (#UD otherwise); INVPCID only when VMX lets the
 * guest run it. */
static void cpuid_adjust_7(struct cpuid_regs *r)
{
	r->ebx &=
	    ~(uint32_t)(CPUID_7_EBX_TSC_ADJ | CPUID_7_EBX_PQM | CPUID_7_EBX_PQE | CPUID_7_EBX_PT);
	r->ecx &= ~(uint32_t)CPUID_7_ECX_WAITPKG;
	r->edx &= ~(uint32_t)CPUID_7_EDX_SPEC_MSRS;
	if (!(vmx_ctrls.proc2 & PROC2_INVPCID))
		r->ebx &= ~(uint32_t)CPUID_7_EBX_INVPCID;
}

/* Bits needed to number n items (ceil(log2(n))). */
static uint32_t topo_bits(uint32_t n)
{
	uint32_t b = 0;

	while ((1u << b) < n)
		b++;
	return b;
}

/*
 * The guest's topology, not the host's: one package whose cores are the
 * guest's vCPUs, one thread each, x2APIC ID = vCPU index (the vLAPIC's
 * ID).  Leaves 0xb and 0x1f (SDM Vol. 2 CPUID, "Extended Topology"): the
 * SMT level, then the core level, then the invalid level; EDX is the
 * x2APIC ID at every sub-leaf.  Leaf 4: cores per package and threads
 * sharing each cache, which Linux also reads for its topology.
 */
static void cpuid_topology(const struct vcpu *vcpu, uint32_t leaf, uint32_t sub,
			   struct cpuid_regs *r)
{
	uint32_t n = vcpu->guest->vcpu_count;

	if (leaf == 4) {
		if (!(r->eax & GENMASK(4, 0))) /* no cache at this sub-leaf */
			return;
		r->eax = (r->eax & GENMASK(13, 0)) | ((n - 1) << 26);
		return;
	}
	if (sub == 0)
		*r = (struct cpuid_regs){.eax = 0, .ebx = 1, .ecx = (TOPO_LEVEL_SMT << 8)};
	else if (sub == 1)
		*r = (struct cpuid_regs){
		    .eax = topo_bits(n), .ebx = n, .ecx = (TOPO_LEVEL_CORE << 8) | 1};
	else
		*r = (struct cpuid_regs){.ecx = sub & 0xff};
	r->edx = vcpu->index;
}

/* Whether the host CPU has basic leaf leaf (CPUID returns the highest
 * basic leaf's values for the others).  Read once: the same on every CPU. */
static bool host_has_leaf(uint32_t leaf)
{
	static uint32_t max_leaf;

	if (!max_leaf)
		max_leaf = cpuid(0, 0).eax;
	return leaf <= max_leaf;
}

/* Leaves 0x15 (TSC/crystal ratio) and 0x16 (frequencies in MHz) say what
 * the hypervisor measured (arch/x86_64/tsc.c), not what firmware or an
 * emulator claims: guests size their clocks from them.  0x15 gives
 * TSC = ECX * EBX / EAX: the "crystal" is the TSC itself, halved until it
 * fits ECX's 32 bits (a TSC above 4.29 GHz), with EBX the matching power
 * of two; at most 2^k - 1 Hz are lost.  A virtual LAPIC timer must tick at
 * ECX, since Linux takes its timer period from this crystal.  Only leaves
 * the CPU has are answered (CPUID returns the highest basic leaf for the
 * others). */
static void cpuid_tsc_leaf(uint32_t leaf, struct cpuid_regs *r)
{
	uint32_t mhz = (uint32_t)(tsc_hz / 1000000);
	unsigned shift = 0;

	if (!tsc_hz || !host_has_leaf(leaf))
		return;
	while ((tsc_hz >> shift) > UINT32_MAX)
		shift++;
	if (leaf == 0x15)
		*r = (struct cpuid_regs){
		    .eax = 1, .ebx = 1u << shift, .ecx = (uint32_t)(tsc_hz >> shift)};
	else
		*r = (struct cpuid_regs){.eax = mhz, .ebx = mhz, .ecx = mhz};
}

enum exit_action exit_cpuid(struct vcpu *vcpu, const struct exit_info *e)
{
	uint64_t *gpr = vcpu->arch.gpr;
	uint32_t leaf = (uint32_t)gpr[VCPU_REG_RAX], sub = (uint32_t)gpr[VCPU_REG_RCX];
	struct cpuid_regs r;

	(void)e;
	if ((leaf & 0xf0000000u) == HV_CPUID_SIGNATURE) {
		set_regs32(gpr, cpuid_hv_leaf(vcpu->guest, leaf));
		return EXIT_SKIP;
	}
	r = cpuid(leaf, sub);
	if (leaf == 1)
		cpuid_adjust_1(vcpu, &r);
	else if (leaf == 7 && sub == 0)
		cpuid_adjust_7(&r);
	else if (leaf == 0x15 || leaf == 0x16)
		cpuid_tsc_leaf(leaf, &r);
	else if ((leaf == 4 || leaf == 0xb || leaf == 0x1f) && host_has_leaf(leaf))
		cpuid_topology(vcpu, leaf, sub, &r);
	else if (leaf == 0xa) /* no virtual PMU */
		r = (struct cpuid_regs){0};
	else if (leaf == 6) /* APERF/MPERF and ENERGY_PERF_BIAS MSRs are not emulated */
		r.ecx &= ~(uint32_t)(CPUID_6_ECX_APERFMPERF | CPUID_6_ECX_EPB);
	else if (leaf == 0xd && sub == 1) /* IA32_XSS is not virtualised: no XSAVES */
		r.eax &= ~(uint32_t)CPUID_D1_EAX_XSAVES;
	else if (leaf == 0x80000001 && !(vmx_ctrls.proc2 & PROC2_RDTSCP))
		r.edx &= ~(uint32_t)CPUID_81_EDX_RDTSCP;
	set_regs32(gpr, r);
	return EXIT_SKIP;
}

/* Whether every vCPU of g is halted with interrupts off or parked waiting
 * for a SIPI: then nothing inside the guest can ever wake any of them. */
static bool guest_all_halted(struct guest *g)
{
	for (uint32_t i = 0; i < g->vcpu_count; i++)
		if (!g->vcpus[i].cli_halted && !vplatform_vcpu_parked(&g->vcpus[i]))
			return false;
	return true;
}

/* HLT with interrupts off: only an NMI or an INIT (from another vCPU of the
 * guest) can wake this vCPU - Linux parks CPUs so on shutdown and panic.
 * When every vCPU of the guest is in that state, the guest is finished.
 * Each vCPU marks itself before it looks at the others, so of two vCPUs
 * halting at once at least one sees both marked. */
static enum exit_action exit_hlt_cli(struct vcpu *vcpu)
{
	struct guest *g = vcpu->guest;

	__atomic_store_n(&vcpu->cli_halted, true, __ATOMIC_SEQ_CST);
	if (guest_all_halted(g)) {
		guest_stop_as(g, GUEST_STOP_POWEROFF, "halted with interrupts disabled");
		return EXIT_STOP;
	}
	while (!guest_is_stopped(g) && !vplatform_vcpu_parked(vcpu) &&
	       !vplatform_nmi(vcpu, false)) {
		if (vcpu->sched.shared)
			sched_block(vcpu, RUNQ_NEVER); /* the CPU's other vCPUs run meanwhile */
		else
			cpu_sti_hlt();
	}
	__atomic_store_n(&vcpu->cli_halted, false, __ATOMIC_SEQ_CST);
	/* an NMI is injected after the HLT; a parked vCPU leaves the guest */
	return vplatform_vcpu_parked(vcpu) ? EXIT_RESUME : EXIT_SKIP;
}

/* HLT: on a shared CPU the vCPU blocks in the run queue (core/sched.c);
 * on a dedicated one the physical CPU sleeps until an interrupt is due for this vCPU (a
 * device model's deadline arms the CPU's timer; another CPU delivering one
 * sets irq_pending and kicks) or the guest is stopped. */
enum exit_action exit_hlt(struct vcpu *vcpu, const struct exit_info *e)
{
	(void)e;
	if (!(vmcs_read_natural(VMCS_GUEST_RFLAGS) & RFLAGS_IF))
		return exit_hlt_cli(vcpu);
	for (;;) {
		vcpu->irq_pending = false;
		if (guest_is_stopped(vcpu->guest) || vplatform_intr(vcpu, false, true) >= 0)
			break;
		if (vcpu->sched.shared) {
			/* yield the CPU until an interrupt or the next model deadline */
			sched_block(vcpu, vplatform_next_event_ns(vcpu));
			continue;
		}
		vplatform_arm_timer(vcpu);
		if (!vcpu->irq_pending)
			cpu_sti_hlt();
	}
	return EXIT_SKIP;
}

/* INVD and WBINVD: nothing a partition can reach needs them today - its RAM
 * is write-back behind EPT and no device of its own does DMA - while a real
 * flush would drop or write back the caches other partitions share (INVD
 * would even lose the host's dirty lines).  So both complete as no-ops.
 * Devices passed through with VT-d that do not snoop will need WBINVD to
 * reach the hardware again. */
enum exit_action exit_invd(struct vcpu *vcpu, const struct exit_info *e)
{
	(void)vcpu;
	(void)e;
	return EXIT_SKIP;
}

/* VMX and SMX instructions: the guest sees no VT-x (SDM 30.3: #UD when
 * CR4.VMXE is 0, which is what the guest's CR4 shadow says). */
enum exit_action exit_vmx_insn(struct vcpu *vcpu, const struct exit_info *e)
{
	(void)e;
	vcpu_inject_ud(vcpu);
	return EXIT_RESUME;
}

/* Both bits of a pair set, or neither. */
static bool xcr0_pair_ok(uint64_t v, uint64_t pair)
{
	return (v & pair) == 0 || (v & pair) == pair;
}

/* XSETBV (SDM Vol. 2C XSETBV, 13.3): only XCR0, only states this CPU
 * supports, x87 always on, AVX needs SSE, AVX-512 all or nothing and
 * needs AVX, MPX's and AMX's two bits together; otherwise #GP like the
 * hardware.  Every rule the CPU enforces must be checked here: the host's
 * own XSETBV below would otherwise fault inside the hypervisor. */
static bool xcr0_valid(uint64_t v)
{
	struct cpuid_regs d = cpuid(0xd, 0);
	uint64_t supported = ((uint64_t)d.edx << 32) | d.eax;

	if ((v & ~supported) || !(v & XCR0_X87))
		return false;
	if ((v & XCR0_AVX) && !(v & XCR0_SSE))
		return false;
	if ((v & XCR0_AVX512) && ((v & XCR0_AVX512) != XCR0_AVX512 || !(v & XCR0_AVX)))
		return false;
	return xcr0_pair_ok(v, XCR0_MPX) && xcr0_pair_ok(v, XCR0_AMX);
}

enum exit_action exit_xsetbv(struct vcpu *vcpu, const struct exit_info *e)
{
	uint64_t *gpr = vcpu->arch.gpr;
	uint64_t v = (gpr[VCPU_REG_RDX] << 32) | (uint32_t)gpr[VCPU_REG_RAX];

	(void)e;
	if ((uint32_t)gpr[VCPU_REG_RCX] != 0 || vcpu_cpl() != 0 || !xcr0_valid(v) ||
	    !(vcpu_guest_cr4(vcpu) & CR4_OSXSAVE)) {
		vcpu_inject_gp(vcpu);
		return EXIT_RESUME;
	}
	xsetbv(0, v);
	vcpu->arch.xcr0 = v;
	return EXIT_SKIP;
}

/* An access outside the guest's RAM: an emulated region, or the end. */
enum exit_action exit_ept_violation(struct vcpu *vcpu, const struct exit_info *e)
{
	const char *what = e->qual & EPT_QUAL_FETCH   ? "instruction fetch"
			   : e->qual & EPT_QUAL_WRITE ? "write"
						      : "read";
	const struct mmio_region *r = guest_find_mmio(vcpu->guest, e->gpa);

	if (r)
		return vcpu_mmio_emulate(vcpu, r, e);
	guest_stop(vcpu->guest, "%s at guest-physical %#llx outside its memory", what,
		   (unsigned long long)e->gpa);
	vcpu_dump(vcpu, e);
	return EXIT_STOP;
}
