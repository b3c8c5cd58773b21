/*
 * bitmap.c - building the MSR and I/O bitmaps (see vmx/bitmap.h), and the
 * MSR pass-through policy as data.
 *
 * Only MSRs whose guest value the CPU switches on every VM entry and exit
 * (the VMCS guest-state area) or that the hypervisor itself never uses pass
 * through; a guest can therefore never change state the host relies on.
 * Everything else exits and is emulated or refused by vmx/msr.c.
 */
#include <arch/msr.h>
#include "vmx/bitmap.h"

#define MSR_IA32_TSC 0x00000010

struct msr_pass {
	uint32_t msr;
	bool read, write;
};

/* clang-format off */
static const struct msr_pass msr_policy[] = {
	/* guest-state area fields, loaded and saved on entry/exit (SDM 25.4.1) */
	{.msr = MSR_FS_BASE,	       .read = true, .write = true},
	{.msr = MSR_GS_BASE,	       .read = true, .write = true},
	{.msr = MSR_IA32_SYSENTER_CS,  .read = true, .write = true},
	{.msr = MSR_IA32_SYSENTER_ESP, .read = true, .write = true},
	{.msr = MSR_IA32_SYSENTER_EIP, .read = true, .write = true},
	/* loaded and saved through the EFER/PAT entry and exit controls */
	{.msr = MSR_EFER,	       .read = true, .write = true},
	{.msr = MSR_IA32_PAT,	       .read = true, .write = true},
	/* SYSCALL and SWAPGS state: the host executes neither, and a vCPU
	 * owns its physical CPU, so nothing else sees these values */
	{.msr = MSR_KERNEL_GS_BASE,    .read = true, .write = true},
	{.msr = MSR_STAR,	       .read = true, .write = true},
	{.msr = MSR_LSTAR,	       .read = true, .write = true},
	{.msr = MSR_CSTAR,	       .read = true, .write = true},
	{.msr = MSR_SFMASK,	       .read = true, .write = true},
	/* RDTSCP's value: the host never executes RDTSCP */
	{.msr = MSR_TSC_AUX,	       .read = true, .write = true},
	/* the TSC may be read; writing it would move the host's clock */
	{.msr = MSR_IA32_TSC,	       .read = true, .write = false},
};
/* clang-format on */

/* Byte offset of msr's read bit in bm, or -1 when msr is in neither range. */
static int msr_read_offset(uint32_t msr)
{
	if (msr <= VMX_MSR_LOW_LAST)
		return (int)(msr / 8);
	if (msr >= VMX_MSR_HIGH_FIRST && msr <= VMX_MSR_HIGH_LAST)
		return 1024 + (int)((msr - VMX_MSR_HIGH_FIRST) / 8);
	return -1;
}

void vmx_msr_bitmap_init(uint8_t *bm)
{
	for (size_t i = 0; i < VMX_MSR_BITMAP_SIZE; i++)
		bm[i] = 0xff;
}

bool vmx_msr_bitmap_set(uint8_t *bm, uint32_t msr, bool exit_read, bool exit_write)
{
	int off = msr_read_offset(msr);
	uint8_t bit = (uint8_t)BIT(msr % 8);

	if (off < 0)
		return false;
	/* read bitmaps at 0 and 1024, the write bitmaps 2048 bytes later */
	bm[off] = exit_read ? (uint8_t)(bm[off] | bit) : (uint8_t)(bm[off] & ~bit);
	off += 2048;
	bm[off] = exit_write ? (uint8_t)(bm[off] | bit) : (uint8_t)(bm[off] & ~bit);
	return true;
}

bool vmx_msr_bitmap_exits(const uint8_t *bm, uint32_t msr, bool write)
{
	int off = msr_read_offset(msr);

	if (off < 0)
		return true;
	return bm[off + (write ? 2048 : 0)] & BIT(msr % 8);
}

bool vmx_msr_passthrough(uint32_t msr, bool write)
{
	for (size_t i = 0; i < ARRAY_SIZE(msr_policy); i++)
		if (msr_policy[i].msr == msr)
			return write ? msr_policy[i].write : msr_policy[i].read;
	return false;
}

void vmx_msr_bitmap_build(uint8_t *bm)
{
	vmx_msr_bitmap_init(bm);
	for (size_t i = 0; i < ARRAY_SIZE(msr_policy); i++)
		vmx_msr_bitmap_set(bm, msr_policy[i].msr, !msr_policy[i].read,
				   !msr_policy[i].write);
}

void vmx_io_bitmap_init(uint8_t *bm)
{
	for (size_t i = 0; i < VMX_IO_BITMAP_SIZE; i++)
		bm[i] = 0xff;
}

/* Bitmap A (ports 0-0x7fff) and B (0x8000-0xffff) are contiguous here. */
void vmx_io_bitmap_set(uint8_t *bm, uint16_t port, bool exit)
{
	uint8_t bit = (uint8_t)BIT(port % 8);

	bm[port / 8] = exit ? (uint8_t)(bm[port / 8] | bit) : (uint8_t)(bm[port / 8] & ~bit);
}

bool vmx_io_bitmap_exits(const uint8_t *bm, uint16_t port, unsigned size)
{
	if ((uint32_t)port + size > 0x10000)
		return true;
	for (unsigned i = 0; i < size; i++) {
		uint16_t p = (uint16_t)(port + i);

		if (bm[p / 8] & BIT(p % 8))
			return true;
	}
	return false;
}
