/*
 * test_bitmap.c - unit tests of the VMX MSR and I/O bitmap builders
 * (vmx/bitmap.c): layout per SDM 25.6.4 / 25.6.9 and the pass-through
 * policy (only VMCS-switched or host-unused MSRs pass, writes to the TSC
 * never do).  test_msr_policy compares the bitmap with the policy table;
 * test_msr_deny_list and test_msr_allow_list check the built bitmap
 * against lists written here, independent of that table, so a policy
 * change that opens a host-critical MSR fails even though bitmap and table
 * still agree.
 */
#include <string.h>

#include "test.h"
#include "vmx/bitmap.h"

static uint8_t msr_bm[VMX_MSR_BITMAP_SIZE];
static uint8_t io_bm[VMX_IO_BITMAP_SIZE];

/* The SDM layout: read-low at 0, read-high at 1024, write-low at 2048, write-high at 3072. */
static void test_msr_layout(void)
{
	vmx_msr_bitmap_init(msr_bm);
	CHECK(vmx_msr_bitmap_exits(msr_bm, 0x10, false));
	CHECK(vmx_msr_bitmap_set(msr_bm, 0x10, false, true));
	CHECK_EQ(msr_bm[0x10 / 8] & (1u << (0x10 % 8)), 0);
	CHECK(msr_bm[2048 + 0x10 / 8] & (1u << (0x10 % 8)));
	CHECK(!vmx_msr_bitmap_exits(msr_bm, 0x10, false));
	CHECK(vmx_msr_bitmap_exits(msr_bm, 0x10, true));

	CHECK(vmx_msr_bitmap_set(msr_bm, 0xc0000102, false, false));
	CHECK_EQ(msr_bm[1024 + 0x102 / 8] & (1u << (0x102 % 8)), 0);
	CHECK_EQ(msr_bm[3072 + 0x102 / 8] & (1u << (0x102 % 8)), 0);
	CHECK(!vmx_msr_bitmap_exits(msr_bm, 0xc0000102, true));
	/* neighbours untouched */
	CHECK(vmx_msr_bitmap_exits(msr_bm, 0xc0000101 + 2, true));
	CHECK(vmx_msr_bitmap_exits(msr_bm, 0x11, false));
}

/* MSRs outside both ranges cannot be opened and always exit. */
static void test_msr_out_of_range(void)
{
	static const uint32_t outside[] = {0x2000, 0x40000000, 0xbfffffff, 0xc0002000, 0xffffffff};

	vmx_msr_bitmap_init(msr_bm);
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		CHECK(!vmx_msr_bitmap_set(msr_bm, outside[i], false, false));
		CHECK(vmx_msr_bitmap_exits(msr_bm, outside[i], false));
		CHECK(vmx_msr_bitmap_exits(msr_bm, outside[i], true));
	}
	for (size_t i = 0; i < VMX_MSR_BITMAP_SIZE; i++)
		if (msr_bm[i] != 0xff)
			CHECK_EQ(i, ~0ULL); /* names the first changed byte */
}

/* The policy: what passes, what never does. */
static void test_msr_policy(void)
{
	vmx_msr_bitmap_build(msr_bm);
	CHECK(!vmx_msr_bitmap_exits(msr_bm, 0xc0000100, true));	 /* FS_BASE */
	CHECK(!vmx_msr_bitmap_exits(msr_bm, 0xc0000080, false)); /* EFER via VMCS */
	CHECK(!vmx_msr_bitmap_exits(msr_bm, 0x10, false));	 /* TSC read */
	CHECK(vmx_msr_bitmap_exits(msr_bm, 0x10, true));	 /* TSC write */
	CHECK(vmx_msr_bitmap_exits(msr_bm, 0x1b, false));	 /* APIC_BASE */
	CHECK(vmx_msr_bitmap_exits(msr_bm, 0x3a, true));	 /* FEATURE_CONTROL */
	CHECK(vmx_msr_bitmap_exits(msr_bm, 0x480, false));	 /* VMX_BASIC */
	CHECK(vmx_msr_bitmap_exits(msr_bm, 0x6e0, true));	 /* TSC_DEADLINE */
	CHECK(vmx_msr_bitmap_exits(msr_bm, 0x830, true));	 /* x2APIC ICR */
	/* the bitmap and the policy query agree everywhere in both ranges */
	for (uint32_t m = 0; m <= VMX_MSR_LOW_LAST; m++) {
		CHECK_EQ(vmx_msr_bitmap_exits(msr_bm, m, false), !vmx_msr_passthrough(m, false));
		CHECK_EQ(vmx_msr_bitmap_exits(msr_bm, m, true), !vmx_msr_passthrough(m, true));
	}
	for (uint32_t m = VMX_MSR_HIGH_FIRST; m <= VMX_MSR_HIGH_LAST; m++) {
		CHECK_EQ(vmx_msr_bitmap_exits(msr_bm, m, false), !vmx_msr_passthrough(m, false));
		CHECK_EQ(vmx_msr_bitmap_exits(msr_bm, m, true), !vmx_msr_passthrough(m, true));
	}
}

/*
 * MSRs a guest must never reach, read or write, whatever the policy table
 * says: the host's APIC base, VMX enabling and capabilities, speculation
 * controls, debug control, MTRR default type, the performance counters'
 * global control, TSC deadline, the x2APIC range.
 *
 * Deliberately NOT here although sensitive - each passes through because
 * the guest's value never survives into VMX root operation, or the host
 * never uses it:
 *  - SYSENTER_CS/ESP/EIP (0x174-0x176): fields of the VMCS guest-state
 *    area, loaded on every VM entry; the host's come from the host-state
 *    area on every exit (SDM 27.3.1, 28.5.1), unconditionally.
 *  - IA32_PAT (0x277) and IA32_EFER (0xc0000080): vmx/vmx_ctrl.c REQUIRES
 *    the save/load-PAT and save/load-EFER exit controls and the load-PAT/
 *    load-EFER entry controls, so the CPU loads the guest's value on every
 *    VM entry and the host's (host-state area, vmx/vmcs_setup.c) on every
 *    exit.
 *  - STAR, LSTAR, CSTAR, SFMASK (0xc0000081-0xc0000084), KERNEL_GS_BASE
 *    (0xc0000102) and TSC_AUX (0xc0000103): NOT switched by the VMCS.
 *    They pass because the host never executes SYSCALL, SWAPGS or RDTSCP
 *    (it finds its per-CPU data through GS_BASE, which the VMCS does
 *    switch) and, today, a vCPU owns its physical CPU.  Once vCPUs of
 *    different guests share a CPU, whoever switches between them must save
 *    and restore these, or one guest would see (and could redirect)
 *    another's SYSCALL entry.
 * vmx/msr.c gives #GP for every MSR it does not emulate, so making these
 * exit would break 64-bit guests; test_msr_allow_list pins the whole set.
 */
static const struct {
	uint32_t first, last;
} msr_deny[] = {
    {0x1b, 0x1b},   /* IA32_APIC_BASE */
    {0x3a, 0x3a},   /* IA32_FEATURE_CONTROL */
    {0x48, 0x49},   /* IA32_SPEC_CTRL, IA32_PRED_CMD */
    {0x10a, 0x10b}, /* IA32_ARCH_CAPABILITIES, IA32_FLUSH_CMD */
    {0x1d9, 0x1d9}, /* IA32_DEBUGCTL */
    {0x2ff, 0x2ff}, /* IA32_MTRR_DEF_TYPE */
    {0x38f, 0x38f}, /* IA32_PERF_GLOBAL_CTRL */
    {0x480, 0x491}, /* IA32_VMX_BASIC .. IA32_VMX_VMFUNC */
    {0x6e0, 0x6e0}, /* IA32_TSC_DEADLINE */
    {0x800, 0x8ff}, /* x2APIC registers */
};

static void test_msr_deny_list(void)
{
	vmx_msr_bitmap_build(msr_bm);
	for (size_t i = 0; i < sizeof(msr_deny) / sizeof(msr_deny[0]); i++) {
		for (uint32_t m = msr_deny[i].first; m <= msr_deny[i].last; m++) {
			if (!vmx_msr_bitmap_exits(msr_bm, m, false))
				CHECK_EQ(m, ~0u); /* names the MSR whose read passes */
			if (!vmx_msr_bitmap_exits(msr_bm, m, true))
				CHECK_EQ(m, ~0u); /* names the MSR whose write passes */
		}
	}
}

/* Everything that may pass, with the reasons above; the rest of both
 * ranges must exit on read and on write. */
static const struct {
	uint32_t msr;
	bool read, write;
} msr_allow[] = {
    {0x10, true, false},      /* IA32_TSC: read only, a write would move the host's clock */
    {0x174, true, true},      /* SYSENTER_CS */
    {0x175, true, true},      /* SYSENTER_ESP */
    {0x176, true, true},      /* SYSENTER_EIP */
    {0x277, true, true},      /* IA32_PAT */
    {0xc0000080, true, true}, /* IA32_EFER */
    {0xc0000081, true, true}, /* STAR */
    {0xc0000082, true, true}, /* LSTAR */
    {0xc0000083, true, true}, /* CSTAR */
    {0xc0000084, true, true}, /* SFMASK */
    {0xc0000100, true, true}, /* FS_BASE */
    {0xc0000101, true, true}, /* GS_BASE */
    {0xc0000102, true, true}, /* KERNEL_GS_BASE */
    {0xc0000103, true, true}, /* TSC_AUX */
};

static bool msr_allowed(uint32_t m, bool write)
{
	for (size_t i = 0; i < sizeof(msr_allow) / sizeof(msr_allow[0]); i++)
		if (msr_allow[i].msr == m)
			return write ? msr_allow[i].write : msr_allow[i].read;
	return false;
}

static void check_range_against_allow_list(uint32_t first, uint32_t last)
{
	for (uint32_t m = first; m <= last; m++) {
		if (vmx_msr_bitmap_exits(msr_bm, m, false) == msr_allowed(m, false))
			CHECK_EQ(m, ~0u); /* names the MSR whose read is wrong */
		if (vmx_msr_bitmap_exits(msr_bm, m, true) == msr_allowed(m, true))
			CHECK_EQ(m, ~0u); /* names the MSR whose write is wrong */
	}
}

static void test_msr_allow_list(void)
{
	vmx_msr_bitmap_build(msr_bm);
	check_range_against_allow_list(0, VMX_MSR_LOW_LAST);
	check_range_against_allow_list(VMX_MSR_HIGH_FIRST, VMX_MSR_HIGH_LAST);
}

static void test_io_bitmap(void)
{
	vmx_io_bitmap_init(io_bm);
	CHECK(vmx_io_bitmap_exits(io_bm, 0x3f8, 1));
	vmx_io_bitmap_set(io_bm, 0x3f8, false);
	CHECK(!vmx_io_bitmap_exits(io_bm, 0x3f8, 1));
	/* a word access covering an intercepted port exits */
	CHECK(vmx_io_bitmap_exits(io_bm, 0x3f8, 2));
	vmx_io_bitmap_set(io_bm, 0x3f9, false);
	CHECK(!vmx_io_bitmap_exits(io_bm, 0x3f8, 2));
	/* bitmap B: ports 0x8000.. at byte 4096 */
	vmx_io_bitmap_set(io_bm, 0x8000, false);
	CHECK_EQ(io_bm[4096] & 1, 0);
	CHECK(!vmx_io_bitmap_exits(io_bm, 0x8000, 1));
	/* an access that wraps past 0xffff always exits (SDM 25.1.3) */
	vmx_io_bitmap_set(io_bm, 0xffff, false);
	vmx_io_bitmap_set(io_bm, 0, false);
	CHECK(!vmx_io_bitmap_exits(io_bm, 0xffff, 1));
	CHECK(vmx_io_bitmap_exits(io_bm, 0xffff, 2));
	vmx_io_bitmap_set(io_bm, 0x3f8, true);
	CHECK(vmx_io_bitmap_exits(io_bm, 0x3f8, 1));
}

int main(void)
{
	RUN(test_msr_layout);
	RUN(test_msr_out_of_range);
	RUN(test_msr_policy);
	RUN(test_msr_deny_list);
	RUN(test_msr_allow_list);
	RUN(test_io_bitmap);
	return test_summary();
}
