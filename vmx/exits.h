/*
 * exits.h - the VM-exit dispatcher's vocabulary: what a handler is given,
 * what it answers, and the handlers themselves (vmx/exits*.c, vmx/msr.c,
 * vmx/io.c).
 *
 * A handler never advances the guest RIP itself: it returns an action and
 * vmx/vcpu.c applies it in one place (SDM 27.2.4: the instruction length
 * is valid for instruction-caused exits).
 */
#ifndef VMX_EXITS_H
#define VMX_EXITS_H

#include <hv/compiler.h>

struct vcpu;

enum exit_action {
	EXIT_RESUME = 0, /* re-enter at the same RIP (e.g. an injected fault) */
	EXIT_SKIP,	 /* the instruction was emulated: re-enter after it */
	EXIT_STOP,	 /* the guest has been stopped (guest_stop already called) */
};

/* The exit-information fields every handler may need, read once. */
struct exit_info {
	uint32_t reason;    /* basic exit reason (bits 15:0) */
	uint64_t qual;	    /* exit qualification */
	uint32_t insn_len;  /* valid for instruction-caused exits */
	uint32_t intr_info; /* VM-exit interruption information */
	uint64_t gpa;	    /* guest-physical address (EPT exits) */
};

typedef enum exit_action (*exit_handler_fn)(struct vcpu *vcpu, const struct exit_info *e);

struct exit_entry {
	exit_handler_fn handle;
	const char *name;
};

/*
 * vmx_exit_lookup - the table entry for basic exit reason `reason`.
 * Never NULL: a reason beyond the table or without a handler yields an
 * entry whose handle is exit_unexpected (and whose name is the reason's
 * name, or "unknown exit").
 */
struct exit_entry vmx_exit_lookup(uint32_t reason);

/*
 * Exceptions that exit (the VMCS exception bitmap, SDM Vol. 3C 25.6.3):
 * only #MC (vector 18).  A machine check belongs to the host: the guest's
 * CPUID offers no MCE/MCA, so its IDT must never see one (exit_machine_check).
 */
#define VMX_EXCEPTION_BITMAP BIT(18)

/* What an "exception or NMI" exit (reason 0) reports in its interruption
 * information (SDM Vol. 3C 28.2.2, "Information for VM Exits Due to
 * Vectored Events"): an NMI, a machine check, or anything else. */
enum exc_exit_kind {
	EXC_EXIT_OTHER = 0,
	EXC_EXIT_NMI,
	EXC_EXIT_MC,
};
/* Classify intr_info (pure; vmx/exit_table.c).  Invalid info is OTHER. */
enum exc_exit_kind vmx_exc_exit_kind(uint32_t intr_info);

/* The handlers the table names. */
enum exit_action exit_unexpected(struct vcpu *vcpu, const struct exit_info *e);
enum exit_action exit_nmi_exception(struct vcpu *vcpu, const struct exit_info *e);
enum exit_action exit_external_intr(struct vcpu *vcpu, const struct exit_info *e);
enum exit_action exit_triple_fault(struct vcpu *vcpu, const struct exit_info *e);
enum exit_action exit_preempt_timer(struct vcpu *vcpu, const struct exit_info *e);
enum exit_action exit_window(struct vcpu *vcpu, const struct exit_info *e);
enum exit_action exit_cpuid(struct vcpu *vcpu, const struct exit_info *e);
enum exit_action exit_hlt(struct vcpu *vcpu, const struct exit_info *e);
enum exit_action exit_invd(struct vcpu *vcpu, const struct exit_info *e);
enum exit_action exit_vmcall(struct vcpu *vcpu, const struct exit_info *e);
enum exit_action exit_vmx_insn(struct vcpu *vcpu, const struct exit_info *e);
enum exit_action exit_cr_access(struct vcpu *vcpu, const struct exit_info *e);
enum exit_action exit_io(struct vcpu *vcpu, const struct exit_info *e);
enum exit_action exit_rdmsr(struct vcpu *vcpu, const struct exit_info *e);
enum exit_action exit_wrmsr(struct vcpu *vcpu, const struct exit_info *e);
enum exit_action exit_ept_violation(struct vcpu *vcpu, const struct exit_info *e);
enum exit_action exit_xsetbv(struct vcpu *vcpu, const struct exit_info *e);
enum exit_action exit_apic_access(struct vcpu *vcpu, const struct exit_info *e);
enum exit_action exit_apic_write(struct vcpu *vcpu, const struct exit_info *e);
enum exit_action exit_virtual_eoi(struct vcpu *vcpu, const struct exit_info *e);

/* APIC virtualization, before every entry: RVI/SVI and the EOI-exit
 * bitmap from the vCPU's virtual-APIC page (vmx/apicv.c). */
void vcpu_apicv_sync(struct vcpu *vcpu);

enum exit_action exit_rdpmc(struct vcpu *vcpu, const struct exit_info *e);
enum exit_action exit_monitor_mwait(struct vcpu *vcpu, const struct exit_info *e);
/* A machine check in the guest or during VM entry (reason 41): logged,
 * the guest stopped as fatal (vmx/exits.c).  Always EXIT_STOP. */
enum exit_action exit_machine_check(struct vcpu *vcpu, const struct exit_info *e);

struct mmio_region;
/* Emulate the access behind an EPT violation inside region r (vmx/mmio.c). */
enum exit_action vcpu_mmio_emulate(struct vcpu *vcpu, const struct mmio_region *r,
				   const struct exit_info *e);
/* The same for an access already known to be the instruction's at RIP,
 * at e->gpa (an APIC-access exit, vmx/apicv.c). */
enum exit_action vcpu_mmio_emulate_insn(struct vcpu *vcpu, const struct mmio_region *r,
					const struct exit_info *e);

/* Helpers shared by the handlers (vmx/vcpu.c). */
void vcpu_inject_gp(struct vcpu *vcpu);
void vcpu_inject_ud(struct vcpu *vcpu);
/* Print the guest registers and the exit, prefixed "hv: guest NAME:". */
void vcpu_dump(struct vcpu *vcpu, const struct exit_info *e);
/* CR0/CR4 as the guest sees them: host-owned bits (the guest/host mask)
 * from the read shadow, the rest from the real register (SDM 25.6.6). */
uint64_t vcpu_guest_cr0(const struct vcpu *vcpu);
uint64_t vcpu_guest_cr4(const struct vcpu *vcpu);
/* CPL of the guest (SS.DPL, SDM 5.5). */
unsigned vcpu_cpl(void);

#endif
