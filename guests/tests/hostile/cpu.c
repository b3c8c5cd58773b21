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

void hostile_vmx(void)
{
	vmx_instructions();
	cr4_vmxe();
	bad_hypercalls();
	deputy_hypercalls();
	cache_flushes();
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
