/*
 * h10_mmio.c - test guest: emulated MMIO through the information device
 * (include/hv/hypercall.h, docs/hypercalls.md).
 *
 * Nothing is mapped at HV_INFO_MMIO_BASE: each access below exits as an EPT
 * violation, is decoded (include/hv/decode.h) and carried out by the
 * device model, then the guest resumes after the instruction.  Covers
 * 32-bit and 8-bit loads, a register store and an immediate store.
 */
#include <hv/hypercall.h>
#include "guest.h"

const char guest_name[] = "h10-mmio";

static uint32_t load32(uint32_t a)
{
	uint32_t v;

	__asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static uint8_t load8(uint32_t a)
{
	uint8_t v;

	__asm__ volatile("movb (%1), %0" : "=q"(v) : "r"(a) : "memory");
	return v;
}

void guest_main(void)
{
	const uint32_t base = HV_INFO_MMIO_BASE;
	uint32_t v = 0x5a5a1234, back;

	back = load32(base + HV_INFO_REG_ID);
	expect(back == HV_INFO_ID, "mmio-read32", "ID reads 0x%x, expected 0x%x", back, HV_INFO_ID);
	back = load8(base + HV_INFO_REG_ID + 1);
	expect(back == ((HV_INFO_ID >> 8) & 0xff), "mmio-read8", "ID byte 1 reads 0x%x", back);
	__asm__ volatile("movl %0, (%1)" : : "r"(v), "r"(base + HV_INFO_REG_SCRATCH) : "memory");
	back = load32(base + HV_INFO_REG_SCRATCH);
	expect(back == v, "mmio-write-reg", "scratch reads 0x%x after writing 0x%x", back, v);
	__asm__ volatile("movl $0x600df00d, (%0)" : : "r"(base + HV_INFO_REG_SCRATCH) : "memory");
	back = load32(base + HV_INFO_REG_SCRATCH);
	expect(back == 0x600df00d, "mmio-write-imm", "scratch reads 0x%x after 0x600df00d", back);
	back = load32(base + HV_INFO_REG_VCPU);
	expect(back == 0, "mmio-vcpu-index", "boot vCPU reads index %u", back);
	report();
}
