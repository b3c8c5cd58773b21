/*
 * msr.c - the hostile guest's MSR attempts (hostile.h): writes that would
 * change state the host or the other partitions depend on.
 *
 * Each row says what kind of register it is, which decides what counts as
 * contained:
 *   HOST    state of the physical CPU or platform (feature control, debug
 *           and speculation controls, MTRRs, microcode, the TSC): the write
 *           must #GP or leave the register reading as before.
 *   OWN     the guest's own copy: switched by VT-x on every entry and exit
 *           (SYSENTER, SYSCALL targets, PAT) or kept by its virtual local
 *           APIC (TSC_DEADLINE): accepting it is right; the old value is
 *           put back.
 *   ILLEGAL a value the CPU itself refuses (reserved EFER bits, a bad PAT
 *           memory type, a non-canonical LSTAR): must #GP.
 *   CMD     a command with no state to read back (PRED_CMD's barrier):
 *           #GP or accepted are both contained.
 * The local APIC's IA32_APIC_BASE is in hostile/apic.c.
 */
#include "hostile.h"

enum msr_kind { HOST, OWN, ILLEGAL, CMD };

struct msr_try {
	uint32_t msr;
	const char *name;
	enum msr_kind kind;
	bool xor_value; /* value is XORed into the current one instead of written */
	uint64_t value;
};

/* clang-format off */
static const struct msr_try tries[] = {
	{0x0000001b, "IA32_APIC_BASE: move the APIC to 0xfed00000", HOST, false, 0xfed00900},
	{0xc0000080, "EFER: reserved bit 12", ILLEGAL, true, BIT(12)},
	{0xc0000080, "EFER: reserved bit 1", ILLEGAL, true, BIT(1)},
	{0x0000003a, "IA32_FEATURE_CONTROL: lock with VMX on", HOST, false, 0x5},
	{0x00000174, "IA32_SYSENTER_CS", OWN, false, 0x1234},
	{0x00000175, "IA32_SYSENTER_ESP", OWN, false, 0xdeadbeef},
	{0x00000176, "IA32_SYSENTER_EIP", OWN, false, 0xcafebabe},
	{0xc0000081, "STAR", OWN, false, 0x0023001000000000ULL},
	{0xc0000082, "LSTAR", OWN, false, 0xffffffff81000000ULL},
	{0xc0000082, "LSTAR: non-canonical", ILLEGAL, false, 0x0000800000000000ULL},
	{0x000001d9, "IA32_DEBUGCTL: LBR and BTF", HOST, true, 0x3},
	{0x000001a0, "IA32_MISC_ENABLE: fast strings off, CPUID limit on", HOST, true,
	 BIT(0) | BIT(22)},
	{0x00000277, "IA32_PAT: memory type 2 (reserved)", ILLEGAL, false, 0x0202020202020202ULL},
	{0x00000277, "IA32_PAT: WC in entry 1", OWN, false, 0x0007040600070106ULL},
	{0x000002ff, "IA32_MTRR_DEF_TYPE: MTRRs off (all memory UC)", HOST, false, 0},
	{0x00000200, "IA32_MTRR_PHYSBASE0: 0, UC", HOST, false, 0},
	{0x00000201, "IA32_MTRR_PHYSMASK0: valid, 4 GiB", HOST, false, 0xf00000800ULL},
	{0x00000250, "IA32_MTRR_FIX64K_00000: UC", HOST, false, 0},
	{0x00000079, "IA32_BIOS_UPDT_TRIG: load a microcode update", HOST, false, 0x200000},
	{0x0000008b, "IA32_BIOS_SIGN_ID", HOST, false, 0x1234ULL << 32},
	{0x00000048, "IA32_SPEC_CTRL: IBRS, STIBP, SSBD", HOST, false, 0x7},
	{0x00000049, "IA32_PRED_CMD: IBPB", CMD, false, 0x1},
	{0x00000010, "IA32_TSC: set the clock to 0", HOST, false, 0},
	{0x00000199, "IA32_PERF_CTL: change the frequency", HOST, true, 0xff00},
	{0x00000480, "IA32_VMX_BASIC", HOST, true, 0x1},
	{0x0000009e, "IA32_SMBASE", HOST, false, 0x30000},
	{0x000006e0, "IA32_TSC_DEADLINE (its own local APIC's)", OWN, false, 0x1000},
};
/* clang-format on */

/* Reads back as written: the TSC counts on, so "as before" means not
 * moved back for it. */
static bool unchanged(const struct msr_try *t, uint64_t before, uint64_t after, int rf)
{
	if (rf != NO_FAULT)
		return true;
	if (t->msr == 0x10)
		return after >= before;
	return after == before;
}

static void one(const struct msr_try *t)
{
	uint64_t before = 0, after = 0, v;
	int rf0 = rdmsr_safe(t->msr, &before), wf, rf;

	v = t->xor_value ? before ^ t->value : t->value;
	attempt_begin("WRMSR 0x%x %s = 0x%llx (reads %s0x%llx)", t->msr, t->name,
		      (unsigned long long)v, rf0 == NO_FAULT ? "" : "#GP, ",
		      (unsigned long long)before);
	wf = wrmsr_safe(t->msr, v);
	rf = rdmsr_safe(t->msr, &after);
	if (wf != NO_FAULT) {
		attempt_end(OUT_REFUSED, "%s", vector_name(wf));
		return;
	}
	switch (t->kind) {
	case OWN:
		wrmsr_safe(t->msr, before);
		attempt_end(after == v ? OUT_CONTAINED : OUT_DROPPED,
			    "accepted, reads 0x%llx: the guest's own register; restored",
			    (unsigned long long)after);
		return;
	case CMD:
		attempt_end(OUT_CONTAINED, "accepted: a command without state");
		return;
	case ILLEGAL:
		wrmsr_safe(t->msr, before);
		attempt_end(OUT_BREACH, "a value the CPU refuses was accepted (reads 0x%llx)",
			    (unsigned long long)after);
		return;
	case HOST:
	default:
		if (unchanged(t, before, after, rf))
			attempt_end(OUT_DROPPED, "accepted without effect: reads %s0x%llx",
				    rf == NO_FAULT ? "" : "#GP, ", (unsigned long long)after);
		else
			attempt_end(OUT_BREACH, "accepted: reads 0x%llx (was 0x%llx)",
				    (unsigned long long)after, (unsigned long long)before);
		return;
	}
}

void hostile_msrs(void)
{
	uint32_t edx7 = cpuid(0, 0).eax >= 7 ? cpuid(7, 0).edx : 0;

	/* a guest told IBRS/IBPB (bit 26), STIBP (27) or SSBD (31) exist will
	 * use IA32_SPEC_CTRL and IA32_PRED_CMD: see how those two answer */
	gprintf("INFO CPUID.7.0:EDX 0x%08x: IBRS/IBPB %s, STIBP %s, SSBD %s\n", edx7,
		edx7 & BIT(26) ? "offered" : "not offered",
		edx7 & BIT(27) ? "offered" : "not offered",
		edx7 & BIT(31) ? "offered" : "not offered");
	for (unsigned i = 0; i < sizeof(tries) / sizeof(tries[0]); i++)
		one(&tries[i]);
}
