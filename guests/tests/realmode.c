/*
 * realmode.c - test guest: leaving protected mode for real mode and coming
 * back, which a VT-x guest can only do with "unrestricted guest" (SDM
 * 26.6.2: otherwise CR0.PE must stay 1 in VMX non-root operation).
 *
 * realmode_tramp.S runs at RM_BASE: it clears CR0.PE, prints a line on
 * COM1 from real mode ("INFO realmode: this line was printed from real
 * mode", which test-qemu looks for), writes "REAL" through segment 0x1000
 * and returns to 32-bit protected mode.  Here the guest checks what real
 * mode left behind: CR0.PE was 0 and CS was 0 there, and the store landed
 * at linear 0x10010 = 0x1000 * 16 + 0x10.  The trip is made twice, so
 * switching back and forth is not a one-off.
 */
#include "guest.h"

#define RM_BASE	  0x8000
#define RM_MARK	  0x10010
#define REAL_WORD 0x4c414552u /* "REAL" */

const char guest_name[] = "realmode";

extern const uint8_t rm_blob_start[], rm_blob_end[], rm_cr0[], rm_cs[];

static uint32_t blob_var(const uint8_t *sym)
{
	const volatile uint32_t *p =
	    (const volatile uint32_t *)(uintptr_t)(RM_BASE + (uint32_t)(sym - rm_blob_start));

	return *p;
}

static void trip(unsigned n)
{
	char name[40];
	uint32_t cr0, cs;

	memcpy((void *)RM_BASE, rm_blob_start, (size_t)(rm_blob_end - rm_blob_start));
	mmio_write32(RM_MARK, 0);
	((void (*)(void))RM_BASE)();
	cr0 = blob_var(rm_cr0);
	cs = blob_var(rm_cs) & 0xffff;
	gsnprintf(name, sizeof(name), "realmode-pe-clear-%u", n);
	expect(!(cr0 & 1), name, "CR0 in real mode was 0x%08x", cr0);
	gsnprintf(name, sizeof(name), "realmode-cs-0-%u", n);
	expect(cs == 0, name, "CS in real mode was 0x%04x", cs);
	gsnprintf(name, sizeof(name), "realmode-segmentation-%u", n);
	expect(mmio_read32(RM_MARK) == REAL_WORD, name, "linear 0x10010 holds 0x%08x",
	       mmio_read32(RM_MARK));
	gsnprintf(name, sizeof(name), "realmode-back-in-pm-%u", n);
	expect(read_cr0() & 1, name, "CR0 = 0x%08x after the return", read_cr0());
}

void guest_main(void)
{
	trip(1);
	trip(2);
}
