/*
 * vcpu.c - running a vCPU on its physical CPU: the VMCS, the enter/exit
 * loop and the one place that applies a handler's action (advancing RIP).
 *
 * A failed VM entry stops that guest only, with the VM-instruction error
 * or, for invalid guest state, the first guest-state field found to break
 * an entry check (vmx_explain_guest_state).
 */
#include <hv/guest.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/printk.h>
#include <hv/vplatform.h>
#include <arch/cpu.h>
#include <arch/msr.h>
#include "vmx/bitmap.h"
#include "vmx/exits.h"
#include "vmx/mitigate.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_setup.h"
#include "vmx/vmx_ops.h"

compile_assert(offsetof(struct vcpu_arch, gpr) == VA_GPR(0));
compile_assert(offsetof(struct vcpu_arch, gpr[15]) == VA_GPR(15));
compile_assert(offsetof(struct vcpu_arch, cr2) == VA_CR2);
compile_assert(offsetof(struct vcpu_arch, launched) == VA_LAUNCHED);
compile_assert(offsetof(struct vcpu_arch, vmcs_pa) == VA_SIZE_REGS);
compile_assert(VA_VMCS_HOST_RSP == VMCS_HOST_RSP);
compile_assert(GUEST_EXIT_COUNTERS >= VMX_EXIT_REASON_MAX);

#define X86_VEC_UD 6
#define X86_VEC_GP 13
/* Interruptibility state (SDM 25.4.2, Table 25-3) */
#define INTERRUPTIBILITY_STI_MOVSS GENMASK(1, 0)
#define INTERRUPTIBILITY_NMI	   BIT(3)
#define X86_VEC_NMI		   2

static uint16_t next_vpid = 1;

/* n zeroed pages, or NULL: a guest that does not fit is refused, the
 * hypervisor goes on (page_alloc_zeroed would panic). */
static void *pages_or_null(size_t n)
{
	uint64_t pa = pmm_alloc(&hv_pmm, n * PAGE_SIZE, PAGE_SIZE);

	if (pa)
		memset((void *)(uintptr_t)pa, 0, n * PAGE_SIZE);
	return (void *)(uintptr_t)pa;
}

int guest_arch_create(struct guest *g)
{
	uint8_t *msr = pages_or_null(1), *io = pages_or_null(2);

	g->io_logged = pages_or_null(2);
	if (!msr || !io || !g->io_logged)
		return -1;
	vmx_msr_bitmap_build(msr);
	/* no device is passed through yet: every port exits (vmx/io.c) */
	vmx_io_bitmap_init(io);
	for (uint32_t i = 0; i < g->vcpu_count; i++) {
		g->vcpus[i].arch.msr_bitmap_pa = (uint64_t)(uintptr_t)msr;
		g->vcpus[i].arch.io_bitmap_pa = (uint64_t)(uintptr_t)io;
	}
	g->eptp = ept_eptp(&g->ept, false);
	return 0;
}

int vcpu_arch_create(struct vcpu *vcpu)
{
	uint32_t *vmcs = pages_or_null(1);

	if (!vmcs)
		return -1;
	vmcs[0] = (uint32_t)(vmx_caps.basic & VMX_BASIC_REVISION_MASK);
	vcpu->arch.vmcs_pa = (uint64_t)(uintptr_t)vmcs;
	vcpu->arch.vpid = next_vpid++;
	vcpu->arch.xcr0 = 1; /* x87 only, the power-on value (SDM 13.3) */
	return 0;
}

uint64_t vcpu_guest_cr0(const struct vcpu *vcpu)
{
	uint64_t mask = vcpu->arch.cr0_guest_mask;

	return (vmcs_read_natural(VMCS_GUEST_CR0) & ~mask) |
	       (vmcs_read_natural(VMCS_CTRL_CR0_READ_SHADOW) & mask);
}

uint64_t vcpu_guest_cr4(const struct vcpu *vcpu)
{
	uint64_t mask = vcpu->arch.cr4_guest_mask;

	return (vmcs_read_natural(VMCS_GUEST_CR4) & ~mask) |
	       (vmcs_read_natural(VMCS_CTRL_CR4_READ_SHADOW) & mask);
}

unsigned vcpu_cpl(void)
{
	return (vmcs_read32(VMCS_GUEST_SS_AR) >> AR_DPL_SHIFT) & 3;
}

static void vcpu_inject_exception(uint8_t vector, bool has_error)
{
	uint32_t info = INTR_INFO_VALID | INTR_TYPE_HW_EXC | vector;

	/* no error code is pushed in real mode (SDM 26.2.1.3) */
	if (has_error && (vmcs_read_natural(VMCS_GUEST_CR0) & CR0_PE)) {
		info |= INTR_INFO_DELIVER_EC;
		vmcs_write32(VMCS_CTRL_ENTRY_EXCEPTION_ERRCODE, 0);
	}
	vmcs_write32(VMCS_CTRL_ENTRY_INTR_INFO, info);
}

void vcpu_inject_gp(struct vcpu *vcpu)
{
	(void)vcpu;
	vcpu_inject_exception(X86_VEC_GP, true);
}

void vcpu_inject_ud(struct vcpu *vcpu)
{
	(void)vcpu;
	vcpu_inject_exception(X86_VEC_UD, false);
}

void vcpu_dump(struct vcpu *vcpu, const struct exit_info *e)
{
	const uint64_t *r = vcpu->arch.gpr;
	const char *n = vcpu->guest->name;

	pr_err("guest %s: vcpu %u on cpu %u: exit %u (%s), qualification %#llx, gpa %#llx\n", n,
	       vcpu->index, vcpu->pcpu, e->reason, vmx_exit_lookup(e->reason).name,
	       (unsigned long long)e->qual, (unsigned long long)e->gpa);
	pr_err("guest %s:   rip %#llx rsp %#llx rflags %#llx cs %#x cs.ar %#x\n", n,
	       (unsigned long long)vmcs_read_natural(VMCS_GUEST_RIP),
	       (unsigned long long)vmcs_read_natural(VMCS_GUEST_RSP),
	       (unsigned long long)vmcs_read_natural(VMCS_GUEST_RFLAGS),
	       vmcs_read16(VMCS_GUEST_CS_SEL), vmcs_read32(VMCS_GUEST_CS_AR));
	pr_err("guest %s:   cr0 %#llx cr3 %#llx cr4 %#llx efer %#llx\n", n,
	       (unsigned long long)vcpu_guest_cr0(vcpu),
	       (unsigned long long)vmcs_read_natural(VMCS_GUEST_CR3),
	       (unsigned long long)vcpu_guest_cr4(vcpu),
	       (unsigned long long)vmcs_read64(VMCS_GUEST_EFER));
	pr_err("guest %s:   rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", n,
	       (unsigned long long)r[0], (unsigned long long)r[3], (unsigned long long)r[1],
	       (unsigned long long)r[2]);
	pr_err("guest %s:   rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n", n,
	       (unsigned long long)r[6], (unsigned long long)r[7], (unsigned long long)r[5],
	       (unsigned long long)r[8]);
	pr_err("guest %s:   r9  %016llx r10 %016llx r11 %016llx r12 %016llx\n", n,
	       (unsigned long long)r[9], (unsigned long long)r[10], (unsigned long long)r[11],
	       (unsigned long long)r[12]);
	pr_err("guest %s:   r13 %016llx r14 %016llx r15 %016llx\n", n, (unsigned long long)r[13],
	       (unsigned long long)r[14], (unsigned long long)r[15]);
}

/* VMLAUNCH/VMRESUME did not even start (VMfail): a control or host-state
 * problem, i.e. a hypervisor bug, but only this guest pays for it. */
static void vcpu_entry_vmfail(struct vcpu *vcpu, int rc)
{
	uint32_t err = rc == 1 ? vmcs_read32(VMCS_RO_VM_INSN_ERROR) : 0;

	if (rc == 1)
		guest_stop_as(vcpu->guest, GUEST_STOP_FATAL,
			      "VM entry failed on cpu %u: VM-instruction error %u (%s)", vcpu->pcpu,
			      err, vmx_insn_error_text(err));
	else
		guest_stop_as(vcpu->guest, GUEST_STOP_FATAL,
			      "VM entry failed on cpu %u: VMfailInvalid (no current VMCS)",
			      vcpu->pcpu);
}

/* The entry reached the guest-state checks and failed (SDM 26.8). */
static void vcpu_entry_failed(struct vcpu *vcpu, const struct exit_info *e)
{
	char why[160];

	if (e->reason == VMX_EXIT_ENTRY_FAIL_MCE) { /* not the guest state's fault */
		exit_machine_check(vcpu, e);
		return;
	}
	vmx_explain_guest_state(why, sizeof(why));
	guest_stop_as(vcpu->guest, GUEST_STOP_FATAL, "VM entry failed: %s (qualification %llu)%s%s",
		      vmx_exit_lookup(e->reason).name, (unsigned long long)e->qual,
		      why[0] ? ": " : "", why);
	vcpu_dump(vcpu, e);
}

static void exit_info_read(struct exit_info *e, uint32_t raw)
{
	e->reason = raw & VMX_EXIT_REASON_BASIC_MASK;
	e->qual = vmcs_read_natural(VMCS_RO_EXIT_QUALIFICATION);
	e->insn_len = vmcs_read32(VMCS_RO_EXIT_INSN_LEN);
	e->intr_info = vmcs_read32(VMCS_RO_EXIT_INTR_INFO);
	e->gpa = vmcs_read64(VMCS_RO_GUEST_PHYS_ADDR);
}

/* The one place RIP advances: past the emulated instruction, which also
 * ends any STI / MOV SS interrupt shadow it was in (SDM 26.3.1.5). */
static void vcpu_skip_instruction(struct vcpu *vcpu, const struct exit_info *e)
{
	uint32_t intr = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);
	uint32_t len = vcpu->arch.skip_len ? vcpu->arch.skip_len : e->insn_len;

	vcpu->arch.skip_len = 0;
	vmcs_write_natural(VMCS_GUEST_RIP, vmcs_read_natural(VMCS_GUEST_RIP) + len);
	if (intr & INTERRUPTIBILITY_STI_MOVSS)
		vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY,
			     intr & ~(uint32_t)INTERRUPTIBILITY_STI_MOVSS);
}

/*
 * Before an entry: when the virtual platform has an interrupt for this vCPU
 * (with APIC virtualization: one from the PIC; the CPU delivers the
 * vLAPIC's from the virtual-APIC page) and the guest can take it
 * (RFLAGS.IF, no STI / MOV SS shadow; SDM 25.4.2), inject it (SDM 27.6)
 * and acknowledge it in the model; when it cannot, ask for an
 * interrupt-window exit (SDM 25.6.2) and try again then.  An event
 * already being injected (a fault, or one re-injected after an exit
 * during delivery) goes first.  Last, the physical CPU's timer is armed
 * at the next model deadline.
 */
static void vcpu_prepare_entry(struct vcpu *vcpu)
{
	uint32_t proc = vmcs_read32(VMCS_CTRL_PROC_BASED), want = proc;
	uint32_t intr = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);
	bool busy = vmcs_read32(VMCS_CTRL_ENTRY_INTR_INFO) & INTR_INFO_VALID;
	bool open, nmi_open;
	int vec;

	vcpu->irq_pending = false; /* what arrives from now on kicks again */
	want &= ~(uint32_t)(PROC_INTR_WINDOW_EXITING | PROC_NMI_WINDOW_EXITING);
	/* An NMI goes before interrupts (SDM 6.9).  Blocked by an NMI handler
	 * still running (virtual-NMI blocking) or an STI/MOV SS shadow, as
	 * KVM does: some CPUs refuse NMI injection in the STI shadow. */
	nmi_open = !busy && !(intr & (INTERRUPTIBILITY_NMI | INTERRUPTIBILITY_STI_MOVSS));
	if (vplatform_nmi(vcpu, nmi_open)) {
		if (nmi_open)
			vmcs_write32(VMCS_CTRL_ENTRY_INTR_INFO,
				     INTR_INFO_VALID | INTR_TYPE_NMI | X86_VEC_NMI);
		else
			want |= PROC_NMI_WINDOW_EXITING;
		busy = true;
	}
	open = !busy && (vmcs_read_natural(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
	       !(intr & INTERRUPTIBILITY_STI_MOVSS);
	vec = vplatform_intr(vcpu, open, !vmx_ctrls.apicv);
	if (vmx_ctrls.apicv)
		vcpu_apicv_sync(vcpu); /* the vLAPIC's vectors: the CPU delivers them */

	if (vec >= 0 && open)
		vmcs_write32(VMCS_CTRL_ENTRY_INTR_INFO,
			     INTR_INFO_VALID | INTR_TYPE_EXT_INTR | (uint32_t)vec);
	if (vec >= 0 && !open)
		want |= PROC_INTR_WINDOW_EXITING;
	if (want != proc)
		vmcs_write32(VMCS_CTRL_PROC_BASED, want);
	vplatform_arm_timer(vcpu);
	if (vcpu->sched.shared)
		vcpu_arch_arm_preempt(vcpu);
}

/* An exit in the middle of delivering an event through the guest IDT (an
 * external interrupt arrived, an EPT violation on the stack): deliver it
 * again on the next entry (SDM 28.2.4, 27.6). */
static void vcpu_reinject(void)
{
	uint32_t idt = vmcs_read32(VMCS_RO_IDT_VECTORING_INFO);
	uint32_t type = idt & INTR_INFO_TYPE_MASK;

	if (!(idt & INTR_INFO_VALID))
		return;
	if (idt & INTR_INFO_DELIVER_EC)
		vmcs_write32(VMCS_CTRL_ENTRY_EXCEPTION_ERRCODE,
			     vmcs_read32(VMCS_RO_IDT_VECTORING_ERRCODE));
	if (type == INTR_TYPE_SW_INTR || type == INTR_TYPE_SW_EXC || type == INTR_TYPE_PRIV_SW)
		vmcs_write32(VMCS_CTRL_ENTRY_INSN_LEN, vmcs_read32(VMCS_RO_EXIT_INSN_LEN));
	vmcs_write32(VMCS_CTRL_ENTRY_INTR_INFO, idt & ~(uint32_t)IDT_VEC_NMI_UNBLOCK);
}

/* Enter once and handle the exit.  false when the guest is to stop. */
static bool vcpu_enter_once(struct vcpu *vcpu)
{
	struct exit_info e = {0};
	struct exit_entry h;
	uint32_t raw;
	int rc;

	vcpu_prepare_entry(vcpu);
	vmx_mitigate_before_entry(vcpu);
	rc = vmx_run(&vcpu->arch);

	if (rc) {
		vcpu_entry_vmfail(vcpu, rc);
		return false;
	}
	raw = vmcs_read32(VMCS_RO_EXIT_REASON);
	exit_info_read(&e, raw);
	if (raw & VMX_EXIT_REASON_ENTRY_FAIL) {
		vcpu_entry_failed(vcpu, &e);
		return false;
	}
	vcpu->arch.launched = 1;
	vcpu_reinject();
	if (e.reason < GUEST_EXIT_COUNTERS) {
		vcpu->guest->exits[e.reason]++;
		vcpu->exits[e.reason]++;
	}
	h = vmx_exit_lookup(e.reason);
	switch (h.handle(vcpu, &e)) {
	case EXIT_SKIP:
		vcpu_skip_instruction(vcpu, &e);
		return true;
	case EXIT_RESUME:
		return true;
	case EXIT_STOP:
	default:
		return false;
	}
}

/* XSAVE legacy region: MXCSR at byte 24 (SDM Vol. 1 Table 10-2); the
 * header at 512 holds XSTATE_BV, 0 here: every component "initial". */
#define XSAVE_MXCSR_OFFSET 24
#define MXCSR_DEFAULT	   0x1f80

static uint8_t xstate_init[4096] __aligned(64);

/*
 * Put every extended-state component (x87, SSE, AVX, AVX-512, ...) of this
 * CPU in its initial state and XCR0 at its power-on value: a guest starts
 * with clean registers and leaves nothing behind for the next one.  In
 * between the guest owns them outright: the host never touches FPU/SSE/AVX
 * (-mgeneral-regs-only), so there is nothing to save or restore on exits
 * (on a shared CPU, vmx/vcpu_switch.c swaps them between vCPUs).  Also turns on CR4.OSXSAVE on the
 * host side, which XSETBV emulation needs.
 */
static void vcpu_reset_xstate(void)
{
	struct cpuid_regs d;

	if (!(cpuid(1, 0).ecx & CPUID_1_ECX_XSAVE))
		return;
	write_cr4(read_cr4() | CR4_OSXSAVE);
	d = cpuid(0xd, 0);
	*(uint32_t *)(void *)&xstate_init[XSAVE_MXCSR_OFFSET] = MXCSR_DEFAULT;
	/* XRSTOR touches only components enabled in XCR0: enable them all */
	xsetbv(0, ((uint64_t)d.edx << 32) | d.eax);
	xrstor(xstate_init, ~0ULL);
	xsetbv(0, XCR0_X87);
}

void vcpu_arch_run(struct vcpu *vcpu)
{
	struct vcpu_arch *a = &vcpu->arch;

	vcpu_reset_xstate();
	vcpu_arch_scrub(vcpu); /* nothing of an earlier run of the guest */
	a->xcr0 = XCR0_X87;
	if (vmclear(a->vmcs_pa) != VMX_SUCCEED || vmptrld(a->vmcs_pa) != VMX_SUCCEED) {
		guest_stop_as(vcpu->guest, GUEST_STOP_FATAL,
			      "cannot load the VMCS of vcpu %u on cpu %u", vcpu->index, vcpu->pcpu);
		return;
	}
	a->launched = 0;
	a->vmcs_loaded = true;
	vmcs_init_controls(vcpu);
	vmcs_init_host();
	vmcs_init_guest(vcpu);
	/* stale translations of an earlier user of this VPID / EPT root */
	if (vmx_ctrls.proc2 & PROC2_VPID)
		invvpid(vmx_ctrls.has_invvpid_single ? INVVPID_SINGLE_CONTEXT : INVVPID_ALL_CONTEXT,
			a->vpid, 0);
	invept(vmx_ctrls.has_invept_single ? INVEPT_SINGLE_CONTEXT : INVEPT_ALL_CONTEXT,
	       vcpu->guest->eptp);
	/* until the guest stops, or an INIT parks this vCPU (it leaves VMX
	 * non-root operation to wait for its SIPI: core/lifecycle.c) */
	while (!guest_is_stopped(vcpu->guest) && !vplatform_vcpu_parked(vcpu) &&
	       vcpu_enter_once(vcpu))
		if (vcpu->sched.shared)
			sched_after_exit(vcpu); /* a shared CPU: maybe another vCPU's turn */
	a->vmcs_loaded = false;
	vmclear(a->vmcs_pa);
	vcpu_reset_xstate();
	vcpu_arch_scrub(vcpu);
}
