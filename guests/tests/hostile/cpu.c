/*
 * cpu.c - the hostile guest's instruction attempts (hostile.h): VMX and
 * SMX instructions (a partition sees no VT-x: #UD, SDM Vol. 3C 30.3),
 * CR4.VMXE (#GP), hypercalls with bad numbers or with buffers outside its
 * RAM (the hypervisor as a confused deputy), cache flushes that would hit
 * the neighbours, and a long stretch with interrupts off.
 */
#include <hv/hypercall.h>
#include "hostile.h"

#define CR4_VMXE    BIT(13)
#define CLI_SECONDS 3u
#define GAP_REPORT  1000u /* TSC gaps above this many ticks are counted */

static uint8_t vmxon_page[4096] __attribute__((aligned(4096)));
static uint32_t page_addr;
static uint64_t inv_desc[2];

static int try_vmxon(void)
{
	return TRY_ASM("vmxon %0", : : "m"(page_addr) : "memory");
}
static int try_vmclear(void)
{
	return TRY_ASM("vmclear %0", : : "m"(page_addr) : "memory");
}
static int try_vmptrld(void)
{
	return TRY_ASM("vmptrld %0", : : "m"(page_addr) : "memory");
}
static int try_vmptrst(void)
{
	return TRY_ASM("vmptrst %0", : "=m"(page_addr) : : "memory");
}
static int try_vmread(void)
{
	uint32_t out = 0, field = 0x6c00; /* HOST_CR0 */

	return TRY_ASM("vmread %1, %0", : "=r"(out) : "r"(field) : "memory");
}
static int try_vmwrite(void)
{
	uint32_t field = 0x6c16, val = 0; /* HOST_RIP */

	return TRY_ASM("vmwrite %1, %0", : : "r"(field), "r"(val) : "memory");
}
static int try_vmlaunch(void)
{
	return TRY_ASM("vmlaunch", : : : "memory");
}
static int try_vmresume(void)
{
	return TRY_ASM("vmresume", : : : "memory");
}
static int try_vmxoff(void)
{
	return TRY_ASM("vmxoff", : : : "memory");
}
static int try_invept(void)
{
	uint32_t type = 2; /* all contexts */

	return TRY_ASM("invept %0, %1", : : "m"(inv_desc), "r"(type) : "memory");
}
static int try_invvpid(void)
{
	uint32_t type = 2;

	return TRY_ASM("invvpid %0, %1", : : "m"(inv_desc), "r"(type) : "memory");
}
static int try_vmfunc(void)
{
	return TRY_ASM("vmfunc", : : "a"(0), "c"(1) : "memory"); /* EPTP switch to 1 */
}
static int try_getsec(void)
{
	return TRY_ASM("getsec", : : "a"(0) : "memory");
}

struct insn_try {
	const char *name;
	int (*run)(void);
};

static const struct insn_try vmx_insns[] = {
    {"VMXON", try_vmxon},
    {"VMCLEAR", try_vmclear},
    {"VMPTRLD", try_vmptrld},
    {"VMPTRST", try_vmptrst},
    {"VMREAD", try_vmread},
    {"VMWRITE", try_vmwrite},
    {"VMLAUNCH", try_vmlaunch},
    {"VMRESUME", try_vmresume},
    {"VMXOFF", try_vmxoff},
    {"INVEPT (all contexts)", try_invept},
    {"INVVPID (all contexts)", try_invvpid},
    {"VMFUNC (EPTP switch)", try_vmfunc},
    {"GETSEC", try_getsec},
};

static void vmx_instructions(void)
{
	page_addr = (uint32_t)(uintptr_t)vmxon_page;
	for (unsigned i = 0; i < sizeof(vmx_insns) / sizeof(vmx_insns[0]); i++) {
		int v;

		attempt_begin("%s", vmx_insns[i].name);
		v = vmx_insns[i].run();
		attempt_end(v == VEC_UD ? OUT_REFUSED : OUT_BREACH, "%s", vector_name(v));
	}
}

static void cr4_vmxe(void)
{
	uint32_t before = read_cr4(), after;
	int v;

	attempt_begin("set CR4.VMXE (CR4 0x%x)", before);
	v = write_cr4_safe(before | CR4_VMXE);
	after = read_cr4();
	attempt_end(v == VEC_GP && !(after & CR4_VMXE) ? OUT_REFUSED : OUT_BREACH,
		    "%s, CR4 reads 0x%x", vector_name(v), after);
}

static void bad_hypercalls(void)
{
	static const uint32_t numbers[] = {5, 0xff, 0x7fffffffu, 0xffffffffu};
	unsigned ok = 0;
	int32_t last = 0;

	attempt_begin("VMCALL with unknown numbers 5, 0xff, 0x7fffffff, 0xffffffff");
	for (unsigned i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		last = hypercall(numbers[i], 0, 0, NULL);
		ok += last == -HC_ENOSYS;
	}
	attempt_end(ok == 4 ? OUT_REFUSED : OUT_BREACH, "%u of 4 returned -ENOSYS (last %d)", ok,
		    last);
}

/* HC_CONSOLE_WRITE must not read memory outside the caller's RAM for it. */
static void deputy_hypercalls(void)
{
	uint32_t end = (uint32_t)boot.ram_end;
	const uint32_t addrs[] = {end - 16, end, 0x40000000u, 0xfee00000u, 0xfffff000u};
	const uint32_t lens[] = {64, 16, 64, 16, 4096};
	unsigned refused = 0;

	attempt_begin("HC_CONSOLE_WRITE of buffers outside its RAM: across its end, at its end, at "
		      "1 GiB, at the APIC page, the last 4 KiB below 4 GiB");
	for (unsigned i = 0; i < 5; i++)
		refused += hypercall(HC_CONSOLE_WRITE, addrs[i], lens[i], NULL) == -HC_EINVAL;
	attempt_end(refused == 5 ? OUT_REFUSED : OUT_BREACH,
		    "%u of 5 returned -EINVAL (the hypervisor read nothing for it)", refused);
}

static void cache_flushes(void)
{
	int w, i;

	attempt_begin("WBINVD and INVD (would flush or drop caches the neighbours share)");
	w = TRY_ASM("wbinvd", : : : "memory");
	i = TRY_ASM("invd", : : : "memory");
	attempt_end(w == NO_FAULT && i == NO_FAULT ? OUT_EMULATED : OUT_REFUSED,
		    "WBINVD %s, INVD %s (the hypervisor completes both as no-ops)", vector_name(w),
		    vector_name(i));
}

/* CPUID offers no PMU (leaf 0xa is 0) and no MONITOR (1:ECX[3] is 0):
 * RDPMC must #GP, MONITOR and MWAIT #UD (SDM Vol. 2B), whatever the CPU
 * under the partition has - an MWAIT would otherwise park the physical
 * CPU, an RDPMC read the host's counters. */
static void pmu_monitor(void)
{
	static uint32_t line[16] __attribute__((aligned(64)));
	uint32_t lo = 0, hi = 0;
	int v;

	attempt_begin("RDPMC of counter 0 (CPUID leaf 0xa offers no PMU)");
	v = TRY_ASM("rdpmc", : "=a"(lo), "=d"(hi) : "c"(0) : "memory");
	attempt_end(v == VEC_GP ? OUT_REFUSED : OUT_BREACH, "%s (read 0x%x%08x)", vector_name(v),
		    hi, lo);
	attempt_begin("MONITOR a line of its RAM (CPUID.1:ECX.MONITOR is 0)");
	v = TRY_ASM("monitor", : : "a"(line), "c"(0), "d"(0) : "memory");
	attempt_end(v == VEC_UD ? OUT_REFUSED : OUT_BREACH, "%s", vector_name(v));
	attempt_begin("MWAIT (would put the physical CPU in a C-state)");
	v = TRY_ASM("mwait", : : "a"(0), "c"(0) : "memory");
	attempt_end(v == VEC_UD ? OUT_REFUSED : OUT_BREACH, "%s", vector_name(v));
}

#define CR0_PE	 0x1u
#define CR0_NE	 0x20u
#define CR0_PG	 0x80000000u
#define CR4_SMXE 0x4000u
#define EFER	 0xc0000080u
#define EFER_LME BIT(8)

static int write_cr0_safe(uint32_t val)
{
	return TRY_ASM("mov %0, %%cr0", : : "r"(val) : "memory");
}

/* A MOV to CR0 that must #GP and leave CR0 as it was.  NE is flipped as
 * well: the hypervisor owns NE (fixed to 1 in VMX operation), so the write
 * exits and the hypervisor, not the CPU, must make the checks (SDM Vol.
 * 3C 26.1.1: the exit comes before the #GP).  Ends the attempt. */
static void cr0_must_gp(uint32_t val)
{
	uint32_t before = read_cr0(), after;
	int v = write_cr0_safe(val ^ CR0_NE);

	after = read_cr0();
	attempt_end(v == VEC_GP && after == before ? OUT_REFUSED : OUT_BREACH, "%s, CR0 reads 0x%x",
		    vector_name(v), after);
}

/* Architecturally invalid control-register writes (SDM Vol. 2B MOV CR). */
static void cr_invalid(void)
{
	uint32_t cr0 = read_cr0(), cr4 = read_cr4(), after;
	uint64_t efer = 0;
	int v;

	attempt_begin("MOV to CR0: PG without PE (CR0 0x%x)", cr0);
	cr0_must_gp((cr0 | CR0_PG) & ~CR0_PE);
	/* accepted, IA-32e mode with PAE off would fail the next VM entry */
	attempt_begin("MOV to CR0: PG with EFER.LME 1 and CR4.PAE 0 (CR4 0x%x)", cr4);
	v = rdmsr_safe(EFER, &efer);
	if (v == NO_FAULT)
		v = wrmsr_safe(EFER, efer | EFER_LME);
	if (v != NO_FAULT) {
		attempt_end(OUT_REFUSED, "setting EFER.LME: %s", vector_name(v));
	} else {
		cr0_must_gp(cr0 | CR0_PG);
		wrmsr_safe(EFER, efer);
	}
	attempt_begin("set CR4.SMXE (CPUID hides SMX; CR4 0x%x)", cr4);
	v = write_cr4_safe(cr4 | CR4_SMXE);
	after = read_cr4();
	attempt_end(v == VEC_GP && !(after & CR4_SMXE) ? OUT_REFUSED : OUT_BREACH,
		    "%s, CR4 reads 0x%x", vector_name(v), after);
}

void hostile_vmx(void)
{
	vmx_instructions();
	cr4_vmxe();
	bad_hypercalls();
	deputy_hypercalls();
	cache_flushes();
	pmu_monitor();
	cr_invalid();
}

void hostile_cli_loop(void)
{
	uint64_t start, last, now, end, gap_max = 0;
	unsigned gaps = 0;

	attempt_begin("spin %u s by the TSC with interrupts off (CLI)", CLI_SECONDS);
	if (!tsc_khz) {
		attempt_end(OUT_CONTAINED, "skipped: no TSC rate from the hypervisor");
		return;
	}
	cli();
	start = last = rdtsc();
	end = start + (uint64_t)tsc_khz * 1000 * CLI_SECONDS;
	while ((now = rdtsc()) < end) {
		if (now - last > GAP_REPORT) {
			gaps++;
			if (now - last > gap_max)
				gap_max = now - last;
		}
		last = now;
	}
	attempt_end(OUT_CONTAINED,
		    "done; %u stretches of more than %u TSC ticks away from the guest (longest "
		    "%llu): the host kept its CPU",
		    gaps, GAP_REPORT, (unsigned long long)gap_max);
}

/* ---- state a run leaves behind (hostile.h) ---- */

#define CR4_OSFXSR   0x200u
#define LEFT_MARKER  0x5a5a0000u
#define DR6_BREAKPTS 0xfu /* B0-B3 */

/* The registers a guest reaches without an exit that no VMCS switches:
 * the SYSCALL and SWAPGS MSRs and the debug registers (the MSRs differ
 * per row so that a mix-up shows). */
static const uint32_t left_msrs[] = {
    0xc0000081u, /* STAR */
    0xc0000082u, /* LSTAR */
    0xc0000083u, /* CSTAR */
    0xc0000084u, /* SFMASK */
    0xc0000102u, /* KERNEL_GS_BASE */
};
#define NR_LEFT_MSRS (sizeof(left_msrs) / sizeof(left_msrs[0]))

#define DR_RW(n)                                                                                   \
	static uint32_t read_dr##n(void)                                                           \
	{                                                                                          \
		uint32_t v;                                                                        \
		__asm__ volatile("mov %%dr" #n ", %0" : "=r"(v));                                  \
		return v;                                                                          \
	}                                                                                          \
	static void write_dr##n(uint32_t v)                                                        \
	{                                                                                          \
		__asm__ volatile("mov %0, %%dr" #n : : "r"(v));                                    \
	}
DR_RW(0)
DR_RW(1)
DR_RW(2)
DR_RW(3)
DR_RW(6)

static uint32_t read_xmm0(void)
{
	uint32_t v;

	write_cr4(read_cr4() | CR4_OSFXSR);
	__asm__ volatile("movd %%xmm0, %0" : "=r"(v));
	return v;
}

void hostile_leave_state(void)
{
	for (unsigned i = 0; i < NR_LEFT_MSRS; i++)
		wrmsr_safe(left_msrs[i], LEFT_MARKER | i);
	write_dr0(LEFT_MARKER | 0x10);
	write_dr1(LEFT_MARKER | 0x11);
	write_dr2(LEFT_MARKER | 0x12);
	write_dr3(LEFT_MARKER | 0x13);
	write_dr6(read_dr6() | DR6_BREAKPTS);
	write_cr4(read_cr4() | CR4_OSFXSR);
	__asm__ volatile("movd %0, %%xmm0" : : "r"(LEFT_MARKER | 0x20));
	gprintf("INFO left markers 0x%x.. in STAR, LSTAR, CSTAR, SFMASK, KERNEL_GS_BASE, "
		"DR0-DR3, DR6.B0-B3 and XMM0 for the next run\n",
		LEFT_MARKER);
}

void hostile_check_left_state(void)
{
	unsigned left = 0;
	uint64_t v;

	attempt_begin("read what the previous run left in the SYSCALL/SWAPGS MSRs, DR0-DR3, "
		      "DR6 and XMM0");
	for (unsigned i = 0; i < NR_LEFT_MSRS; i++) {
		if (rdmsr_safe(left_msrs[i], &v) != NO_FAULT || !v)
			continue;
		left++;
		gprintf("INFO MSR 0x%x reads 0x%llx\n", left_msrs[i], (unsigned long long)v);
	}
	left += (read_dr0() | read_dr1() | read_dr2() | read_dr3()) != 0;
	left += (read_dr6() & DR6_BREAKPTS) != 0;
	left += read_xmm0() != 0;
	attempt_end(left ? OUT_BREACH : OUT_CONTAINED,
		    "%u of 8 still hold the previous run's values (DR0 0x%x, DR6 0x%x)", left,
		    read_dr0(), read_dr6());
}
