/*
 * cpuid.c - test guest: what CPUID tells a guest about its hypervisor.
 *
 * A guest must be able to tell it runs virtualised (CPUID.1:ECX[31], the
 * "hypervisor present" bit reserved for this use) and find the
 * hypervisor's leaves at 0x40000000 (highest leaf in EAX, a 12-byte vendor
 * signature in EBX:ECX:EDX), and it must not be offered VT-x
 * (CPUID.1:ECX[5]) it cannot use.  docs/hypercalls.md documents the
 * signature and leaf 0x40000001 (TSC kHz, LAPIC timer kHz, ABI version) and
 * the HC_VERSION hypercall, which are checked against include/hv/hypercall.h.
 */
#include <hv/hypercall.h>
#include "guest.h"

#define CPUID_1_ECX_VMX BIT(5)
#define CPUID_1_ECX_HV	BIT(31)

const char guest_name[] = "cpuid";

static bool printable(const char *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

static void check_signature(void)
{
	struct cpuid_regs r = cpuid(HV_CPUID_SIGNATURE, 0);
	char sig[13];

	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	sig[12] = '\0';
	expect(r.eax >= HV_CPUID_FREQ && r.eax < HV_CPUID_SIGNATURE + 0x100, "cpuid-hv-max-leaf",
	       "leaf 0x40000000 EAX = 0x%x, expected 0x40000001..0x400000ff", r.eax);
	expect(sig[0] != '\0' && printable(sig, 12), "cpuid-hv-signature-printable",
	       "signature bytes %08x %08x %08x are not 12 printable characters", r.ebx, r.ecx,
	       r.edx);
	if (printable(sig, 12))
		gprintf("INFO hypervisor signature '%s'\n", sig);
	expect(memcmp(sig, HV_CPUID_SIG, 12) == 0, "cpuid-hv-signature-documented",
	       "signature is not the one in docs/hypercalls.md ('%s')", HV_CPUID_SIG);
}

static void check_freq_leaf(void)
{
	struct cpuid_regs r = cpuid(HV_CPUID_FREQ, 0);

	gprintf("INFO leaf 0x40000001: TSC %u kHz, LAPIC timer %u kHz, ABI %u\n", r.eax, r.ebx,
		r.ecx);
	expect(r.eax != 0, "cpuid-hv-tsc-khz", "TSC frequency (EAX) is 0");
	expect(r.ecx == HV_ABI_VERSION, "cpuid-hv-abi-version", "ABI version %u, expected %u",
	       r.ecx, HV_ABI_VERSION);
}

static void check_hypercall(void)
{
	uint32_t ver = 0;
	int32_t ret = hypercall(HC_VERSION, 0, 0, &ver);

	expect(ret == 0 && ver == HV_ABI_VERSION, "hypercall-version",
	       "HC_VERSION returned %d, version %u (expected 0, %u)", ret, ver, HV_ABI_VERSION);
	ret = hypercall(0x7fffffff, 0, 0, NULL);
	expect(ret == -HC_ENOSYS, "hypercall-unknown-enosys",
	       "unknown call returned %d, expected %d", ret, -HC_ENOSYS);
}

void guest_main(void)
{
	struct cpuid_regs r = cpuid(1, 0);
	bool hv = r.ecx & CPUID_1_ECX_HV;

	expect(hv, "cpuid-hypervisor-bit", "CPUID.1:ECX = 0x%08x: bit 31 clear", r.ecx);
	expect(!(r.ecx & CPUID_1_ECX_VMX), "cpuid-no-vmx",
	       "CPUID.1:ECX = 0x%08x: VMX (bit 5) offered to a guest", r.ecx);
	if (!hv) {
		skip("cpuid-hv-leaves", "no hypervisor bit, so leaves 0x4000000x are undefined");
		return;
	}
	check_signature();
	check_freq_leaf();
	if (hv_present())
		check_hypercall();
	else
		skip("hypercall-version", "not the hypervisor of docs/hypercalls.md");
}
