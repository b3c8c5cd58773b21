/*
 * vmx_ops.h - the VMX instructions other than VMREAD/VMWRITE (those live,
 * width-checked, in vmx/vmcs.h).  One tiny wrapper per instruction; the
 * mnemonics appear nowhere else.
 *
 * Every VMX instruction reports through RFLAGS (SDM Vol. 3C 31.2):
 *   VMsucceed      CF = 0, ZF = 0
 *   VMfailInvalid  CF = 1 (no current VMCS to hold an error number)
 *   VMfailValid    ZF = 1 (error number in the VM-instruction error field)
 * The wrappers return that as enum vmx_result.
 */
#ifndef VMX_VMX_OPS_H
#define VMX_VMX_OPS_H

#include <hv/compiler.h>

enum vmx_result {
	VMX_SUCCEED = 0,
	VMX_FAIL_INVALID = 1,
	VMX_FAIL_VALID = 2,
};

/* INVEPT types (SDM Vol. 3C 31.3, INVEPT) */
#define INVEPT_SINGLE_CONTEXT 1
#define INVEPT_ALL_CONTEXT    2

/* INVVPID types (SDM Vol. 3C 31.3, INVVPID) */
#define INVVPID_ADDRESS		    0
#define INVVPID_SINGLE_CONTEXT	    1
#define INVVPID_ALL_CONTEXT	    2
#define INVVPID_SINGLE_KEEP_GLOBALS 3

static inline enum vmx_result vmx_result_from(uint8_t cf, uint8_t zf)
{
	if (cf)
		return VMX_FAIL_INVALID;
	return zf ? VMX_FAIL_VALID : VMX_SUCCEED;
}

/* Enter VMX root operation with the VMXON region at physical address pa. */
static inline enum vmx_result vmxon(uint64_t pa)
{
	uint8_t cf, zf;

	__asm__ volatile("vmxon %[pa]; setc %[cf]; setz %[zf]"
			 : [cf] "=qm"(cf), [zf] "=qm"(zf)
			 : [pa] "m"(pa)
			 : "cc", "memory");
	return vmx_result_from(cf, zf);
}

static inline enum vmx_result vmxoff(void)
{
	uint8_t cf, zf;

	__asm__ volatile("vmxoff; setc %[cf]; setz %[zf]"
			 : [cf] "=qm"(cf), [zf] "=qm"(zf)
			 :
			 : "cc", "memory");
	return vmx_result_from(cf, zf);
}

/* Flush the VMCS at pa to memory and mark it clear (inactive, not current). */
static inline enum vmx_result vmclear(uint64_t pa)
{
	uint8_t cf, zf;

	__asm__ volatile("vmclear %[pa]; setc %[cf]; setz %[zf]"
			 : [cf] "=qm"(cf), [zf] "=qm"(zf)
			 : [pa] "m"(pa)
			 : "cc", "memory");
	return vmx_result_from(cf, zf);
}

/* Make the VMCS at pa current (and active) on this CPU. */
static inline enum vmx_result vmptrld(uint64_t pa)
{
	uint8_t cf, zf;

	__asm__ volatile("vmptrld %[pa]; setc %[cf]; setz %[zf]"
			 : [cf] "=qm"(cf), [zf] "=qm"(zf)
			 : [pa] "m"(pa)
			 : "cc", "memory");
	return vmx_result_from(cf, zf);
}

/* Invalidate EPT-derived translations: type INVEPT_*, eptp for single context. */
static inline enum vmx_result invept(uint64_t type, uint64_t eptp)
{
	struct {
		uint64_t eptp, reserved;
	} desc = {eptp, 0};
	uint8_t cf, zf;

	__asm__ volatile("invept %[desc], %[type]; setc %[cf]; setz %[zf]"
			 : [cf] "=qm"(cf), [zf] "=qm"(zf)
			 : [desc] "m"(desc), [type] "r"(type)
			 : "cc", "memory");
	return vmx_result_from(cf, zf);
}

/* Invalidate VPID-tagged translations: type INVVPID_*, for vpid (and addr). */
static inline enum vmx_result invvpid(uint64_t type, uint16_t vpid, uint64_t addr)
{
	struct {
		uint64_t vpid, addr;
	} desc = {vpid, addr};
	uint8_t cf, zf;

	__asm__ volatile("invvpid %[desc], %[type]; setc %[cf]; setz %[zf]"
			 : [cf] "=qm"(cf), [zf] "=qm"(zf)
			 : [desc] "m"(desc), [type] "r"(type)
			 : "cc", "memory");
	return vmx_result_from(cf, zf);
}

#endif
