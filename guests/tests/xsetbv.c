/*
 * xsetbv.c - test guest: XSETBV, which always exits to the hypervisor and
 * which, executed for the guest, would change the physical XCR0.
 *
 * The guest enables CR4.OSXSAVE (where CPUID.1:ECX.XSAVE offers it), after
 * which CPUID.1:ECX.OSXSAVE must read 1 (SDM Vol. 2A CPUID).  Then, per SDM
 * Vol. 2C XSETBV and 13.3: XCR0 bit 0 clear -> #GP; a bit CPUID.(0xD,0)
 * does not report -> #GP; AVX without SSE -> #GP; an XCR other than 0 ->
 * #GP; x87|SSE -> accepted and read back by XGETBV (which never exits).
 */
#include "guest.h"

#define CPUID_1_ECX_XSAVE   BIT(26)
#define CPUID_1_ECX_OSXSAVE BIT(27)
#define CR4_OSXSAVE	    BIT(18)
#define XCR0_X87	    BIT(0)
#define XCR0_SSE	    BIT(1)
#define XCR0_AVX	    BIT(2)

const char guest_name[] = "xsetbv";

/* The highest XCR0 bit below 63 that CPUID.(0xD,0) does not report. */
static uint64_t unsupported_bit(uint64_t supported)
{
	for (int b = 62; b > 2; b--)
		if (!(supported & BIT(b)))
			return BIT(b);
	return 0;
}

static void check_values(uint64_t supported, uint64_t orig)
{
	uint64_t bad = unsupported_bit(supported), now;

	expect_fault(xsetbv_safe(0, 0), VEC_GP, "xsetbv-x87-clear-gp");
	expect_fault(xsetbv_safe(0, XCR0_SSE), VEC_GP, "xsetbv-sse-only-gp");
	if (bad)
		expect_fault(xsetbv_safe(0, XCR0_X87 | bad), VEC_GP, "xsetbv-unsupported-gp");
	if (supported & XCR0_AVX)
		expect_fault(xsetbv_safe(0, XCR0_X87 | XCR0_AVX), VEC_GP, "xsetbv-avx-no-sse-gp");
	expect_fault(xsetbv_safe(1, XCR0_X87), VEC_GP, "xsetbv-xcr1-gp");
	expect_fault(xsetbv_safe(0x80000000u, XCR0_X87), VEC_GP, "xsetbv-bad-xcr-gp");
	now = xgetbv(0);
	expect(now == orig, "xsetbv-refused-no-effect", "XCR0 changed from 0x%llx to 0x%llx",
	       (unsigned long long)orig, (unsigned long long)now);
	if (!(supported & XCR0_SSE)) {
		skip("xsetbv-valid", "SSE state not supported by XSAVE");
		return;
	}
	expect_fault(xsetbv_safe(0, XCR0_X87 | XCR0_SSE), NO_FAULT, "xsetbv-valid-accepted");
	now = xgetbv(0);
	expect(now == (XCR0_X87 | XCR0_SSE), "xsetbv-valid-reads-back", "XGETBV gave 0x%llx",
	       (unsigned long long)now);
	expect_fault(xsetbv_safe(0, orig), NO_FAULT, "xsetbv-restore-accepted");
}

void guest_main(void)
{
	struct cpuid_regs d;
	uint64_t supported;

	if (!(cpuid(1, 0).ecx & CPUID_1_ECX_XSAVE)) {
		skip("xsetbv", "CPUID.1:ECX.XSAVE clear: XSETBV is #UD by definition");
		expect_fault(TRY_ASM("xsetbv",
				     :
				     : "a"(1), "c"(0), "d"(0)
				     : "memory"),
			     VEC_UD, "xsetbv-no-xsave-ud");
		return;
	}
	expect_fault(TRY_ASM("xsetbv",
			     :
			     : "a"(1), "c"(0), "d"(0)
			     : "memory"),
		     VEC_UD, "xsetbv-without-osxsave-ud");
	expect_fault(write_cr4_safe(read_cr4() | CR4_OSXSAVE), NO_FAULT, "xsetbv-cr4-osxsave");
	if (!(read_cr4() & CR4_OSXSAVE))
		return;
	expect(cpuid(1, 0).ecx & CPUID_1_ECX_OSXSAVE, "xsetbv-cpuid-osxsave-follows-cr4",
	       "CR4.OSXSAVE is set but CPUID.1:ECX[27] reads 0");
	d = cpuid(0xd, 0);
	supported = (uint64_t)d.edx << 32 | d.eax;
	gprintf("INFO XCR0 supported 0x%llx, current 0x%llx\n", (unsigned long long)supported,
		(unsigned long long)xgetbv(0));
	check_values(supported, xgetbv(0));
}
