/*
 * test_cr_check.c - unit tests of the MOV to CR0/CR4 validity checks
 * (vmx/cr_check.c): each #GP(0) case of SDM Vol. 2B "MOV - Move to/from
 * Control Registers" that the hypervisor must raise for a write that
 * exits, and the ordinary writes a booting OS makes, which must pass.
 */
#include "test.h"
#include <arch/cpu.h>
#include <arch/msr.h>
#include "vmx/cr_check.h"

/* A 32-bit protected-mode guest, paging off (the hostile guest's state). */
static const struct cr_ctx prot32 = {
    .cr0 = CR0_PE | CR0_NE | BIT(4),
    .cr4 = 0,
    .efer = 0,
    .cr3 = 0,
    .cs_l = false,
    .cr4_reserved = CRC_CR4_VMXE | CRC_CR4_SMXE | ~GENMASK(23, 0),
};

/* A 64-bit guest (Linux after boot): IA-32e mode, 64-bit code. */
static const struct cr_ctx long64 = {
    .cr0 = CR0_PE | CR0_NE | CR0_WP | CR0_PG | BIT(4),
    .cr4 = CRC_CR4_PAE | CR4_PGE | CR4_OSFXSR,
    .efer = EFER_LME | EFER_LMA | EFER_SCE | EFER_NXE,
    .cr3 = 0x1000,
    .cs_l = true,
    .cr4_reserved = CRC_CR4_VMXE | CRC_CR4_SMXE | ~GENMASK(23, 0),
};

static void test_cr0_ordinary(void)
{
	struct cr_ctx c = prot32;

	/* paging on (32-bit or PAE), caches off and on, TS, NE */
	CHECK(vmx_cr0_valid(&c, c.cr0 | CR0_PG));
	CHECK(vmx_cr0_valid(&c, c.cr0 | CR0_CD | CR0_NW));
	CHECK(vmx_cr0_valid(&c, c.cr0 | CR0_CD));
	CHECK(vmx_cr0_valid(&c, c.cr0 & ~(uint64_t)CR0_NE));
	CHECK(vmx_cr0_valid(&c, 0)); /* back to real mode */
	/* Linux's long-mode switch: LME set, PAE on, then PG from 32-bit code */
	c.efer = EFER_LME;
	c.cr4 = CRC_CR4_PAE;
	CHECK(vmx_cr0_valid(&c, c.cr0 | CR0_PG));
	/* 64-bit: TS and WP changes */
	c = long64;
	CHECK(vmx_cr0_valid(&c, c.cr0 | CR0_TS));
	CHECK(vmx_cr0_valid(&c, c.cr0 & ~(uint64_t)CR0_WP));
	/* leaving IA-32e mode from compatibility mode (SDM Vol. 3A 10.8.5.4) */
	c.cs_l = false;
	CHECK(vmx_cr0_valid(&c, c.cr0 & ~(uint64_t)CR0_PG));
}

static void test_cr0_gp(void)
{
	struct cr_ctx c = prot32;

	CHECK(!vmx_cr0_valid(&c, (c.cr0 | CR0_PG) & ~(uint64_t)CR0_PE)); /* PG without PE */
	CHECK(!vmx_cr0_valid(&c, c.cr0 | CR0_NW));			 /* NW without CD */
	CHECK(!vmx_cr0_valid(&c, c.cr0 | BIT(32)));			 /* reserved 63:32 */
	CHECK(!vmx_cr0_valid(&c, c.cr0 | (1ULL << 63)));
	/* IA-32e activation with PAE off */
	c.efer = EFER_LME;
	CHECK(!vmx_cr0_valid(&c, c.cr0 | CR0_PG));
	/* ... or from 64-bit code */
	c.cr4 = CRC_CR4_PAE;
	c.cs_l = true;
	CHECK(!vmx_cr0_valid(&c, c.cr0 | CR0_PG));
	/* paging off in 64-bit mode, or with PCIDs on */
	c = long64;
	CHECK(!vmx_cr0_valid(&c, c.cr0 & ~(uint64_t)CR0_PG));
	c.cs_l = false;
	c.cr4 |= CRC_CR4_PCIDE;
	CHECK(!vmx_cr0_valid(&c, c.cr0 & ~(uint64_t)CR0_PG));
	/* WP off while CET is on */
	c = long64;
	c.cr4 |= CRC_CR4_CET;
	CHECK(!vmx_cr0_valid(&c, c.cr0 & ~(uint64_t)CR0_WP));
	CHECK(vmx_cr0_valid(&c, c.cr0));
}

static void test_cr4(void)
{
	struct cr_ctx c = prot32;

	CHECK(vmx_cr4_valid(&c, CRC_CR4_PAE | CR4_PGE | CR4_OSFXSR | CR4_OSXSAVE));
	CHECK(!vmx_cr4_valid(&c, CRC_CR4_VMXE));  /* VT-x is hidden */
	CHECK(!vmx_cr4_valid(&c, CRC_CR4_SMXE));  /* so is SMX */
	CHECK(!vmx_cr4_valid(&c, BIT(24)));	  /* a bit this CPU lacks */
	CHECK(!vmx_cr4_valid(&c, 1ULL << 40));	  /* reserved 63:32 */
	CHECK(!vmx_cr4_valid(&c, CRC_CR4_PCIDE)); /* PCIDs outside IA-32e mode */
	CHECK(!vmx_cr4_valid(&c, CRC_CR4_CET));	  /* CET without WP */
	CHECK(vmx_cr4_valid(&c, CRC_CR4_LA57));	  /* paging off: any depth */
	c = long64;
	CHECK(vmx_cr4_valid(&c, c.cr4 | CRC_CR4_PCIDE)); /* PCID 0 current */
	CHECK(vmx_cr4_valid(&c, c.cr4 | CRC_CR4_CET));
	CHECK(vmx_cr4_valid(&c, c.cr4 & ~(uint64_t)CR4_PGE));
	CHECK(!vmx_cr4_valid(&c, c.cr4 & ~(uint64_t)CRC_CR4_PAE)); /* PAE off in IA-32e mode */
	CHECK(!vmx_cr4_valid(&c, c.cr4 | CRC_CR4_LA57));	   /* depth change */
	c.cr3 |= 5;
	CHECK(!vmx_cr4_valid(&c, c.cr4 | CRC_CR4_PCIDE)); /* CR3[11:0] != 0 */
	c.cr4 |= CRC_CR4_PCIDE;
	CHECK(vmx_cr4_valid(&c, c.cr4)); /* already on: nothing changes */
}

int main(void)
{
	RUN(test_cr0_ordinary);
	RUN(test_cr0_gp);
	RUN(test_cr4);
	return test_summary();
}
