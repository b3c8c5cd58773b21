/*
 * cr_check.c - the general-protection checks of MOV to CR0 and CR4 (SDM
 * Vol. 2B "MOV - Move to/from Control Registers", Vol. 3A 2.5 and 4.10.1),
 * which the hypervisor makes for the writes that exit (vmx/cr_check.h).
 * Pure: no VMCS access, no CPU state.
 */
#include <arch/cpu.h>
#include <arch/msr.h>
#include "vmx/cr_check.h"

#define CR3_PCID_MASK GENMASK(11, 0)

static bool long_mode(const struct cr_ctx *c)
{
	return (c->efer & EFER_LMA) != 0;
}

bool vmx_cr0_valid(const struct cr_ctx *c, uint64_t val)
{
	bool pg_on = !(c->cr0 & CR0_PG) && (val & CR0_PG);
	bool pg_off = (c->cr0 & CR0_PG) && !(val & CR0_PG);

	/* bits 63:32 are reserved; PG needs PE; NW needs CD (Vol. 3A 2.5) */
	if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) ||
	    ((val & CR0_NW) && !(val & CR0_CD)))
		return false;
	/* IA-32e mode is activated only with PAE on, from non-64-bit code
	 * (Vol. 3A 10.8.5: CS.L must be 0 while activating it) */
	if (pg_on && (c->efer & EFER_LME) && (!(c->cr4 & CRC_CR4_PAE) || c->cs_l))
		return false;
	/* paging stays on in 64-bit mode and while PCIDs are on (4.10.1) */
	if (pg_off && ((long_mode(c) && c->cs_l) || (c->cr4 & CRC_CR4_PCIDE)))
		return false;
	/* CET needs write protection (Vol. 3A 2.5: CR0.WP clear with CR4.CET) */
	if (!(val & CR0_WP) && (c->cr4 & CRC_CR4_CET))
		return false;
	return true;
}

bool vmx_cr4_valid(const struct cr_ctx *c, uint64_t val)
{
	if (val & c->cr4_reserved)
		return false;
	/* in IA-32e mode PAE stays on and the paging depth cannot change */
	if (long_mode(c) && (!(val & CRC_CR4_PAE) || ((val ^ c->cr4) & CRC_CR4_LA57)))
		return false;
	/* PCIDs only in IA-32e mode, and only with PCID 0 current (4.10.1) */
	if ((val & CRC_CR4_PCIDE) && !(c->cr4 & CRC_CR4_PCIDE) &&
	    (!long_mode(c) || (c->cr3 & CR3_PCID_MASK)))
		return false;
	if ((val & CRC_CR4_CET) && !(c->cr0 & CR0_WP))
		return false;
	return true;
}
