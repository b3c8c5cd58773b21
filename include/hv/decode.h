/*
 * decode.h - x86 instruction decoder for emulating guest MMIO accesses.
 *
 * When a guest touches emulated device memory the CPU reports an EPT
 * violation with the guest-physical address but not the operation; the
 * hypervisor fetches the instruction bytes and decodes them here.  Only the
 * memory-access forms drivers use on MMIO are understood (SDM Vol. 2):
 *   MOV 88 89 8A 8B C6/0 C7/0 A0-A3, MOVZX 0F B6/B7, MOVSX 0F BE/BF,
 *   MOVSXD 63 (64-bit mode), MOVS A4/A5 and STOS AA/AB (with REP),
 *   ADD/OR/ADC/SBB/AND/SUB/XOR/CMP 00-3B and 80/81/83, TEST 84/85 F6/0 F7/0,
 *   XCHG 86/87,
 * with prefixes 66 67 F0 F2 F3, segment overrides, REX, ModRM/SIB and
 * RIP-relative addressing, in 64-, 32- and 16-bit code.
 *
 * The bytes come from the guest and are untrusted: the decoder never reads
 * beyond the count it is given (at most 15 are ever looked at) and rejects
 * anything else with an error code the caller reports together with the
 * bytes before stopping the guest.  Pure; unit-tested and fuzzed on the host.
 */
#ifndef HV_DECODE_H
#define HV_DECODE_H

#include <hv/compiler.h>

#define DECODE_MAX_LEN 15 /* architectural instruction length limit */

/* The code segment's default sizes, which the caller takes from the guest's
 * CR0.PE, EFER.LMA and CS.L / CS.D. */
enum decode_mode {
	DECODE_MODE_16 = 2, /* real mode or a 16-bit code segment */
	DECODE_MODE_32 = 4,
	DECODE_MODE_64 = 8,
};

enum decode_op {
	DECODE_OP_NONE = 0,
	DECODE_OP_MOV,
	DECODE_OP_MOVZX,
	DECODE_OP_MOVSX, /* also MOVSXD */
	DECODE_OP_MOVS,
	DECODE_OP_STOS,
	DECODE_OP_ADD,
	DECODE_OP_OR,
	DECODE_OP_ADC,
	DECODE_OP_SBB,
	DECODE_OP_AND,
	DECODE_OP_SUB,
	DECODE_OP_XOR,
	DECODE_OP_CMP,
	DECODE_OP_TEST,
	DECODE_OP_XCHG,
};

/* What the instruction does to its memory operand. */
enum decode_access {
	DECODE_READ = 1,  /* memory is only read (MOV to register, CMP, TEST) */
	DECODE_WRITE = 2, /* memory is only written (MOV/STOS to memory) */
	DECODE_RMW = 3,	  /* read, then written (ALU with memory destination, XCHG) */
	DECODE_COPY = 4,  /* MOVS: reads seg:rSI, writes ES:rDI */
};

#define DECODE_NO_REG  (-1)
#define DECODE_REG_RIP 16 /* mem.base of a RIP-relative operand */

/* Segment registers, in the SDM's Sreg order. */
enum decode_seg {
	DECODE_SEG_ES,
	DECODE_SEG_CS,
	DECODE_SEG_SS,
	DECODE_SEG_DS,
	DECODE_SEG_FS,
	DECODE_SEG_GS
};

enum decode_rep { DECODE_REP_NONE, DECODE_REP_F3, DECODE_REP_F2 };

struct decoded_insn {
	enum decode_op op;
	enum decode_access access;
	uint8_t len;	  /* bytes, prefixes included */
	uint8_t mem_size; /* bytes of the memory access: 1, 2, 4 or 8 */
	uint8_t reg_size; /* bytes of the register operand (MOVZX/MOVSX widen) */
	int8_t reg;	  /* register operand 0..15 (RAX..R15) or DECODE_NO_REG */
	bool reg_high8;	  /* reg 0..3 means AH, CH, DH, BH (byte op without REX) */
	bool mem_is_dst;  /* memory is the destination operand */
	bool has_imm;
	uint64_t imm; /* immediate, sign-extended to reg/mem size, then truncated */
	bool lock;    /* F0 prefix (only accepted on RMW forms) */
	/* MOVS/STOS only: repeat rCX times (rCX, rSI, rDI are mem.addr_size
	 * wide), stepping by mem_size in the direction of RFLAGS.DF. */
	enum decode_rep rep;
	/* The memory operand: seg:[base + index*scale + disp], addr_size wide.
	 * For MOVS this is the source; the destination is always ES:rDI.
	 * In 64-bit mode the CPU treats ES/CS/SS/DS bases as 0 whatever seg
	 * says; only FS and GS bases apply (SDM Vol. 1, 3.4.2.1). */
	struct {
		enum decode_seg seg;
		bool seg_override;
		int8_t base;	   /* 0..15, DECODE_REG_RIP, or DECODE_NO_REG */
		int8_t index;	   /* 0..15 or DECODE_NO_REG */
		uint8_t scale;	   /* 1, 2, 4, 8 */
		int64_t disp;	   /* sign-extended; a moffs is stored as is */
		uint8_t addr_size; /* 2, 4 or 8 */
	} mem;
};

/* Errors, returned negated. */
enum decode_error {
	DECODE_OK = 0,
	DECODE_ETRUNC = 1,   /* the bytes end inside the instruction */
	DECODE_ETOOLONG = 2, /* longer than 15 bytes */
	DECODE_EOPCODE = 3,  /* an opcode this decoder does not emulate */
	DECODE_EREGONLY = 4, /* ModRM names a register, not memory: cannot be an MMIO access */
	DECODE_EINVALID = 5, /* an invalid encoding (e.g. LOCK on a non-RMW form) */
};

const char *decode_strerror(int err);

/*
 * decode_insn - decode the instruction at bytes[0..n) in the given mode.
 * Returns 0 and fills *out, or a negative DECODE_E* code (then *out is
 * undefined).  Reads at most min(n, 15) bytes.
 */
int decode_insn(const uint8_t *bytes, size_t n, enum decode_mode mode, struct decoded_insn *out);

/*
 * decode_effective_addr - the offset of the memory operand within its
 * segment, from the guest's registers (gpr[0..15] = RAX..R15) and the
 * address of the instruction (for RIP-relative operands); truncated to the
 * address size.  The linear address is the segment base plus this.
 */
uint64_t decode_effective_addr(const struct decoded_insn *in, const uint64_t gpr[16], uint64_t rip);

#endif
