/*
 * vmcs.h - the one place that reads and writes the current VMCS.
 *
 * vmcs_read16/32/64/natural and vmcs_write16/32/64/natural take a field
 * encoding from vmx/vmcs_fields.h and refuse, at COMPILE time, a field whose
 * width (encoding bits 14:13, SDM 25.11.2) is not the accessor's: writing a
 * 32-bit value into a 64-bit field would silently clear its upper half.  A
 * 32-bit accessor also accepts the "high" encoding (bit 0 set) of a 64-bit
 * field, which names its upper 32 bits.  The field must therefore be a
 * constant expression; dumps that loop over fields use vmcs_read_dyn().
 *
 * The VMREAD/VMWRITE mnemonics appear nowhere else in the tree.  A failing
 * instruction (CF or ZF set, SDM 31.2 "VMfailInvalid/VMfailValid") goes to
 * one out-of-line reporter, vmcs_fail(), which names the field, the
 * VM-instruction error and the calling function.  A failed read yields 0.
 */
#ifndef VMX_VMCS_H
#define VMX_VMCS_H

#include "vmx/vmcs_fields.h"

/* vmx/vmcs.c: report a failed VMREAD/VMWRITE of field from caller.  Never
 * returns an error: a bad field is a hypervisor bug, reported loudly; the
 * next VM entry then fails with the field named in the log. */
void vmcs_fail(const char *op, uint32_t field, const char *caller);

/* The raw instructions.  Return false on VMfailInvalid or VMfailValid. */
static inline bool vmcs_vmread_raw(uint32_t field, uint64_t *val)
{
	bool failed;

	__asm__ volatile("vmread %[field], %[val]"
			 : [val] "=rm"(*val), "=@ccbe"(failed)
			 : [field] "r"((uint64_t)field)
			 : "cc");
	return !failed;
}

static inline bool vmcs_vmwrite_raw(uint32_t field, uint64_t val)
{
	bool failed;

	__asm__ volatile("vmwrite %[val], %[field]"
			 : "=@ccbe"(failed)
			 : [field] "r"((uint64_t)field), [val] "rm"(val)
			 : "cc", "memory");
	return !failed;
}

static inline uint64_t vmcs_read_checked(uint32_t field, const char *caller)
{
	uint64_t val;

	if (unlikely(!vmcs_vmread_raw(field, &val))) {
		vmcs_fail("vmread", field, caller);
		val = 0;
	}
	return val;
}

static inline void vmcs_write_checked(uint32_t field, uint64_t val, const char *caller)
{
	if (unlikely(!vmcs_vmwrite_raw(field, val)))
		vmcs_fail("vmwrite", field, caller);
}

/* Width rules as constant expressions (also used by the host tests). */
#define VMCS_IS_16(f) (VMCS_FIELD_WIDTH(f) == VMCS_WIDTH_16)
#define VMCS_IS_32(f)                                                                              \
	(VMCS_FIELD_WIDTH(f) == VMCS_WIDTH_32 ||                                                   \
	 (VMCS_FIELD_WIDTH(f) == VMCS_WIDTH_64 && ((f)&VMCS_ENC_HIGH)))
#define VMCS_IS_64(f)	   (VMCS_FIELD_WIDTH(f) == VMCS_WIDTH_64 && !((f)&VMCS_ENC_HIGH))
#define VMCS_IS_NATURAL(f) (VMCS_FIELD_WIDTH(f) == VMCS_WIDTH_NATURAL)

/* fname is the field as written at the call site (stringified there, before expansion). */
#define VMCS_WIDTH_ASSERT(fname, ok, acc)                                                          \
	_Static_assert(ok, #acc "(" fname "): field width does not match the accessor")

#define vmcs_read16(f)                                                                             \
	({                                                                                         \
		VMCS_WIDTH_ASSERT(#f, VMCS_IS_16(f), vmcs_read16);                                 \
		(uint16_t) vmcs_read_checked((f), __func__);                                       \
	})
#define vmcs_read32(f)                                                                             \
	({                                                                                         \
		VMCS_WIDTH_ASSERT(#f, VMCS_IS_32(f), vmcs_read32);                                 \
		(uint32_t) vmcs_read_checked((f), __func__);                                       \
	})
#define vmcs_read64(f)                                                                             \
	({                                                                                         \
		VMCS_WIDTH_ASSERT(#f, VMCS_IS_64(f), vmcs_read64);                                 \
		vmcs_read_checked((f), __func__);                                                  \
	})
#define vmcs_read_natural(f)                                                                       \
	({                                                                                         \
		VMCS_WIDTH_ASSERT(#f, VMCS_IS_NATURAL(f), vmcs_read_natural);                      \
		vmcs_read_checked((f), __func__);                                                  \
	})

#define vmcs_write16(f, v)                                                                         \
	do {                                                                                       \
		VMCS_WIDTH_ASSERT(#f, VMCS_IS_16(f), vmcs_write16);                                \
		vmcs_write_checked((f), (uint16_t)(v), __func__);                                  \
	} while (0)
#define vmcs_write32(f, v)                                                                         \
	do {                                                                                       \
		VMCS_WIDTH_ASSERT(#f, VMCS_IS_32(f), vmcs_write32);                                \
		vmcs_write_checked((f), (uint32_t)(v), __func__);                                  \
	} while (0)
#define vmcs_write64(f, v)                                                                         \
	do {                                                                                       \
		VMCS_WIDTH_ASSERT(#f, VMCS_IS_64(f), vmcs_write64);                                \
		vmcs_write_checked((f), (uint64_t)(v), __func__);                                  \
	} while (0)
#define vmcs_write_natural(f, v)                                                                   \
	do {                                                                                       \
		VMCS_WIDTH_ASSERT(#f, VMCS_IS_NATURAL(f), vmcs_write_natural);                     \
		vmcs_write_checked((f), (uint64_t)(v), __func__);                                  \
	} while (0)

/* Read a field chosen at run time (VMCS dumps); returns false, silently,
 * when this CPU does not support the field. */
static inline bool vmcs_read_dyn(uint32_t field, uint64_t *val)
{
	return vmcs_vmread_raw(field, val);
}

#endif
