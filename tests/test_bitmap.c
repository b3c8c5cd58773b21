/*
 * test_bitmap.c - unit tests of the VMX MSR and I/O bitmap builders
 * (vmx/bitmap.c): layout per SDM 25.6.4 / 25.6.9 and the pass-through
 * policy (only VMCS-switched or host-unused MSRs pass, writes to the TSC
 * never do).
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
	for (uint32_t m = VMX_MSR_HIGH_FIRST; m <= VMX_MSR_HIGH_LAST; m++)
		CHECK_EQ(vmx_msr_bitmap_exits(msr_bm, m, true), !vmx_msr_passthrough(m, true));
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
	RUN(test_io_bitmap);
	return test_summary();
}
