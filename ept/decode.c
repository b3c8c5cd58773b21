/*
 * decode.c - the MMIO instruction decoder (see hv/decode.h).
 *
 * Decoding runs in the hardware's order (SDM Vol. 2, 2.1 and 2.2.1):
 * legacy prefixes, REX, opcode, ModRM, SIB, displacement, immediate.  The
 * opcodes are described by a table, so adding a form is adding a line.
 * Every byte goes through one reader that enforces both the caller's count
 * and the 15-byte limit.
 */
#include <hv/decode.h>
#include <hv/lib.h>

#define REX_B BIT(0)
#define REX_X BIT(1)
#define REX_R BIT(2)
#define REX_W BIT(3)

/* Opcode properties. */
#define F_BYTE	 BIT(0)	 /* 8-bit operands */
#define F_MODRM	 BIT(1)	 /* a ModRM byte follows */
#define F_IMM8	 BIT(2)	 /* ib, sign-extended to the operand size */
#define F_IMMZ	 BIT(3)	 /* iw or id (id sign-extended for 64-bit operands) */
#define F_MOFFS	 BIT(4)	 /* address-size offset, no ModRM (A0-A3) */
#define F_GROUP1 BIT(5)	 /* operation from ModRM.reg: ADD OR ADC SBB AND SUB XOR CMP */
#define F_REG0	 BIT(6)	 /* ModRM.reg must be 0 (C6, C7, F6, F7) */
#define F_MEMDST BIT(7)	 /* memory is the destination */
#define F_STRING BIT(8)	 /* MOVS/STOS: implicit rSI/rDI operands */
#define F_SRC16	 BIT(9)	 /* MOVZX/MOVSX from a 16-bit source */
#define F_SRC32	 BIT(10) /* MOVSXD: 32-bit source (with REX.W) */
#define F_AREG	 BIT(11) /* the register operand is AL/AX/EAX/RAX */

struct opdesc {
	uint8_t op; /* enum decode_op; DECODE_OP_NONE = not supported */
	uint16_t flags;
};

/* clang-format off */
/* ALU r/m,reg / reg,r/m quartets: 00-03 ADD, 08-0B OR, ... 38-3B CMP. */
#define ALU(base, o)                                                      \
	[(base) + 0] = { .op = (o), .flags = F_BYTE | F_MODRM | F_MEMDST }, \
	[(base) + 1] = { .op = (o), .flags = F_MODRM | F_MEMDST },          \
	[(base) + 2] = { .op = (o), .flags = F_BYTE | F_MODRM },            \
	[(base) + 3] = { .op = (o), .flags = F_MODRM }

/* The one-byte opcode map (SDM Vol. 2, Table A-2), supported entries only. */
static const struct opdesc one_byte[256] = {
	ALU(0x00, DECODE_OP_ADD),
	ALU(0x08, DECODE_OP_OR),
	ALU(0x10, DECODE_OP_ADC),
	ALU(0x18, DECODE_OP_SBB),
	ALU(0x20, DECODE_OP_AND),
	ALU(0x28, DECODE_OP_SUB),
	ALU(0x30, DECODE_OP_XOR),
	ALU(0x38, DECODE_OP_CMP),
	[0x63] = { .op = DECODE_OP_MOVSX, .flags = F_MODRM | F_SRC32 },
	[0x80] = { .op = DECODE_OP_ADD, .flags = F_BYTE | F_MODRM | F_IMM8 | F_GROUP1 | F_MEMDST },
	[0x81] = { .op = DECODE_OP_ADD, .flags = F_MODRM | F_IMMZ | F_GROUP1 | F_MEMDST },
	[0x83] = { .op = DECODE_OP_ADD, .flags = F_MODRM | F_IMM8 | F_GROUP1 | F_MEMDST },
	[0x84] = { .op = DECODE_OP_TEST, .flags = F_BYTE | F_MODRM | F_MEMDST },
	[0x85] = { .op = DECODE_OP_TEST, .flags = F_MODRM | F_MEMDST },
	[0x86] = { .op = DECODE_OP_XCHG, .flags = F_BYTE | F_MODRM | F_MEMDST },
	[0x87] = { .op = DECODE_OP_XCHG, .flags = F_MODRM | F_MEMDST },
	[0x88] = { .op = DECODE_OP_MOV, .flags = F_BYTE | F_MODRM | F_MEMDST },
	[0x89] = { .op = DECODE_OP_MOV, .flags = F_MODRM | F_MEMDST },
	[0x8a] = { .op = DECODE_OP_MOV, .flags = F_BYTE | F_MODRM },
	[0x8b] = { .op = DECODE_OP_MOV, .flags = F_MODRM },
	[0xa0] = { .op = DECODE_OP_MOV, .flags = F_BYTE | F_MOFFS | F_AREG },
	[0xa1] = { .op = DECODE_OP_MOV, .flags = F_MOFFS | F_AREG },
	[0xa2] = { .op = DECODE_OP_MOV, .flags = F_BYTE | F_MOFFS | F_AREG | F_MEMDST },
	[0xa3] = { .op = DECODE_OP_MOV, .flags = F_MOFFS | F_AREG | F_MEMDST },
	[0xa4] = { .op = DECODE_OP_MOVS, .flags = F_BYTE | F_STRING | F_MEMDST },
	[0xa5] = { .op = DECODE_OP_MOVS, .flags = F_STRING | F_MEMDST },
	[0xaa] = { .op = DECODE_OP_STOS, .flags = F_BYTE | F_STRING | F_MEMDST | F_AREG },
	[0xab] = { .op = DECODE_OP_STOS, .flags = F_STRING | F_MEMDST | F_AREG },
	[0xc6] = { .op = DECODE_OP_MOV, .flags = F_BYTE | F_MODRM | F_IMM8 | F_REG0 | F_MEMDST },
	[0xc7] = { .op = DECODE_OP_MOV, .flags = F_MODRM | F_IMMZ | F_REG0 | F_MEMDST },
	[0xf6] = { .op = DECODE_OP_TEST, .flags = F_BYTE | F_MODRM | F_IMM8 | F_REG0 | F_MEMDST },
	[0xf7] = { .op = DECODE_OP_TEST, .flags = F_MODRM | F_IMMZ | F_REG0 | F_MEMDST },
};

/* The two-byte map (0F xx, Table A-3). */
static const struct opdesc two_byte[256] = {
	[0xb6] = { .op = DECODE_OP_MOVZX, .flags = F_MODRM },
	[0xb7] = { .op = DECODE_OP_MOVZX, .flags = F_MODRM | F_SRC16 },
	[0xbe] = { .op = DECODE_OP_MOVSX, .flags = F_MODRM },
	[0xbf] = { .op = DECODE_OP_MOVSX, .flags = F_MODRM | F_SRC16 },
};
/* clang-format on */

static const uint8_t group1_ops[8] = {
    DECODE_OP_ADD, DECODE_OP_OR,  DECODE_OP_ADC, DECODE_OP_SBB,
    DECODE_OP_AND, DECODE_OP_SUB, DECODE_OP_XOR, DECODE_OP_CMP,
};

/* Decoder state besides the output. */
struct cursor {
	const uint8_t *bytes;
	size_t n; /* bytes available, at most DECODE_MAX_LEN */
	size_t pos;
	enum decode_mode mode;
	uint8_t rex;
	bool opsize_prefix, addrsize_prefix;
};

/* Read k bytes little-endian; -ETOOLONG past 15 bytes, -ETRUNC past n. */
static int fetch(struct cursor *c, unsigned k, uint64_t *v)
{
	uint64_t x = 0;

	if (c->pos + k > DECODE_MAX_LEN)
		return -DECODE_ETOOLONG;
	if (c->pos + k > c->n)
		return -DECODE_ETRUNC;
	for (unsigned i = 0; i < k; i++)
		x |= (uint64_t)c->bytes[c->pos + i] << (8 * i);
	c->pos += k;
	*v = x;
	return 0;
}

static uint64_t size_mask(unsigned bytes)
{
	return bytes >= 8 ? ~0ULL : (1ULL << (8 * bytes)) - 1;
}

static int64_t sign_extend(uint64_t v, unsigned bytes)
{
	unsigned shift = 64 - 8 * bytes;

	return (int64_t)(v << shift) >> shift;
}

static const char *const error_texts[] = {
    [DECODE_OK] = "success",
    [DECODE_ETRUNC] = "instruction bytes end inside the instruction",
    [DECODE_ETOOLONG] = "instruction longer than 15 bytes",
    [DECODE_EOPCODE] = "opcode not supported for MMIO emulation",
    [DECODE_EREGONLY] = "register operand where memory was expected",
    [DECODE_EINVALID] = "invalid instruction encoding",
};

const char *decode_strerror(int err)
{
	unsigned e = err < 0 ? (unsigned)-err : (unsigned)err;

	return e < ARRAY_SIZE(error_texts) ? error_texts[e] : "unknown error";
}

static bool set_seg(struct decoded_insn *out, enum decode_seg seg)
{
	out->mem.seg = seg;
	out->mem.seg_override = true;
	return true;
}

/* One legacy prefix; false when b is not one. */
static bool legacy_prefix(struct cursor *c, struct decoded_insn *out, uint8_t b)
{
	switch (b) {
	case 0x66:
		c->opsize_prefix = true;
		return true;
	case 0x67:
		c->addrsize_prefix = true;
		return true;
	case 0xf0:
		out->lock = true;
		return true;
	case 0xf2:
		out->rep = DECODE_REP_F2;
		return true;
	case 0xf3:
		out->rep = DECODE_REP_F3;
		return true;
	case 0x26:
		return set_seg(out, DECODE_SEG_ES);
	case 0x2e:
		return set_seg(out, DECODE_SEG_CS);
	case 0x36:
		return set_seg(out, DECODE_SEG_SS);
	case 0x3e:
		return set_seg(out, DECODE_SEG_DS);
	case 0x64:
		return set_seg(out, DECODE_SEG_FS);
	case 0x65:
		return set_seg(out, DECODE_SEG_GS);
	default:
		return false;
	}
}

/* Prefixes up to the opcode's first byte, which is left in *op. */
static int read_prefixes(struct cursor *c, struct decoded_insn *out, uint8_t *op)
{
	for (;;) {
		uint64_t b;
		int rc = fetch(c, 1, &b);

		if (rc)
			return rc;
		if (legacy_prefix(c, out, (uint8_t)b)) {
			c->rex = 0; /* a REX not directly before the opcode is ignored (2.2.1) */
			continue;
		}
		if (c->mode == DECODE_MODE_64 && (b & 0xf0) == 0x40) {
			c->rex = (uint8_t)b;
			continue;
		}
		*op = (uint8_t)b;
		return 0;
	}
}

/* Operand and address sizes from the mode, 66/67 and REX.W (SDM Vol. 1, 3.6). */
static void set_sizes(const struct cursor *c, struct decoded_insn *out, uint16_t flags)
{
	unsigned osz = c->mode == DECODE_MODE_16 ? 2 : 4;
	unsigned asz = c->mode;

	if (c->opsize_prefix)
		osz = osz == 2 ? 4 : 2;
	if (c->rex & REX_W)
		osz = 8;
	if (c->addrsize_prefix)
		asz = c->mode == DECODE_MODE_32 ? 2 : 4; /* 64 -> 32, 32 -> 16, 16 -> 32 */
	out->mem.addr_size = (uint8_t)asz;
	out->reg_size = (uint8_t)(flags & F_BYTE ? 1 : osz);
	out->mem_size = out->reg_size;
	if (flags & (F_SRC16 | F_SRC32) || out->op == DECODE_OP_MOVZX || out->op == DECODE_OP_MOVSX)
		out->mem_size = flags & F_SRC16	  ? 2
				: flags & F_SRC32 ? (c->rex & REX_W ? 4 : osz)
						  : 1;
}

static int read_disp(struct cursor *c, struct decoded_insn *out, unsigned bytes)
{
	uint64_t v;
	int rc = fetch(c, bytes, &v);

	if (!rc)
		out->mem.disp = sign_extend(v, bytes);
	return rc;
}

/* 16-bit addressing (SDM Vol. 2, Table 2-1): fixed base/index pairs. */
static int modrm16(struct cursor *c, struct decoded_insn *out, unsigned mod, unsigned rm)
{
	static const int8_t base[8] = {3, 3, 5, 5, 6, 7, 5, 3};	     /* BX BX BP BP SI DI BP BX */
	static const int8_t index[8] = {6, 7, 6, 7, -1, -1, -1, -1}; /* SI DI SI DI */

	out->mem.base = base[rm];
	out->mem.index = index[rm];
	if (mod == 0 && rm == 6) {
		out->mem.base = DECODE_NO_REG; /* [disp16] */
		return read_disp(c, out, 2);
	}
	if (out->mem.base == 5 && !out->mem.seg_override)
		out->mem.seg = DECODE_SEG_SS;
	return mod == 0 ? 0 : read_disp(c, out, mod == 1 ? 1 : 2);
}

/* 32/64-bit addressing (SDM Vol. 2, Tables 2-2, 2-3; 2.2.1.6 RIP-relative). */
static int modrm32(struct cursor *c, struct decoded_insn *out, unsigned mod, unsigned rm)
{
	unsigned base = rm;
	int rc;

	if (rm == 4) { /* SIB */
		uint64_t sib;

		rc = fetch(c, 1, &sib);
		if (rc)
			return rc;
		out->mem.scale = (uint8_t)(1u << (sib >> 6));
		if (((sib >> 3) & 7) != 4 || (c->rex & REX_X))
			out->mem.index = (int8_t)(((sib >> 3) & 7) | (c->rex & REX_X ? 8 : 0));
		base = sib & 7;
		if (mod == 0 && base == 5) { /* no base, disp32 */
			out->mem.base = DECODE_NO_REG;
			return read_disp(c, out, 4);
		}
	} else if (mod == 0 && rm == 5) {
		out->mem.base = c->mode == DECODE_MODE_64 ? DECODE_REG_RIP : DECODE_NO_REG;
		return read_disp(c, out, 4);
	}
	out->mem.base = (int8_t)(base | (c->rex & REX_B ? 8 : 0));
	if ((out->mem.base == 4 || out->mem.base == 5) && !out->mem.seg_override)
		out->mem.seg = DECODE_SEG_SS; /* rSP/rBP-based: stack segment */
	return mod == 0 ? 0 : read_disp(c, out, mod == 1 ? 1 : 4);
}

/* The ModRM byte: register operand and memory operand. */
static int read_modrm(struct cursor *c, struct decoded_insn *out, uint16_t flags, unsigned *reg)
{
	uint64_t m;
	int rc = fetch(c, 1, &m);
	unsigned mod = (unsigned)m >> 6, rm = m & 7;

	if (rc)
		return rc;
	*reg = (m >> 3) & 7;
	if (mod == 3)
		return -DECODE_EREGONLY;
	if (!(flags & (F_GROUP1 | F_REG0))) {
		out->reg = (int8_t)(*reg | (c->rex & REX_R ? 8 : 0));
		/* byte registers 4..7 without any REX are AH, CH, DH, BH */
		if (out->reg_size == 1 && !c->rex && *reg >= 4) {
			out->reg = (int8_t)(*reg - 4);
			out->reg_high8 = true;
		}
	}
	return out->mem.addr_size == 2 ? modrm16(c, out, mod, rm) : modrm32(c, out, mod, rm);
}

/* The immediate: ib sign-extended, or iw/id (id sign-extended to 64 bits). */
static int read_imm(struct cursor *c, struct decoded_insn *out, uint16_t flags)
{
	unsigned size = out->mem_size;
	unsigned k = flags & F_IMM8 ? 1 : size == 2 ? 2 : size == 1 ? 1 : 4;
	uint64_t v;
	int rc = fetch(c, k, &v);

	if (rc)
		return rc;
	out->has_imm = true;
	out->imm = (uint64_t)sign_extend(v, k) & size_mask(size);
	return 0;
}

/* MOVS/STOS: implicit operands (SDM Vol. 2, MOVS, STOS). */
static void string_operand(struct decoded_insn *out)
{
	if (out->op == DECODE_OP_STOS) {
		/* ES:rDI, no override possible */
		out->mem.seg = DECODE_SEG_ES;
		out->mem.seg_override = false;
		out->mem.base = 7;
	} else {
		out->mem.base = 6; /* source seg:rSI; destination ES:rDI */
		out->access = DECODE_COPY;
	}
}

/* The memory access kind, from the operation and which side memory is on. */
static enum decode_access access_of(enum decode_op op, bool mem_is_dst)
{
	switch (op) {
	case DECODE_OP_MOV:
	case DECODE_OP_STOS:
		return mem_is_dst ? DECODE_WRITE : DECODE_READ;
	case DECODE_OP_MOVZX:
	case DECODE_OP_MOVSX:
	case DECODE_OP_CMP:
	case DECODE_OP_TEST:
		return DECODE_READ;
	case DECODE_OP_MOVS:
		return DECODE_COPY;
	case DECODE_OP_NONE:
	default:
		return mem_is_dst ? DECODE_RMW : DECODE_READ;
	}
}

/* The opcode byte(s) and their table entry. */
static int read_opcode(struct cursor *c, uint8_t first, struct opdesc *d)
{
	uint64_t b;
	int rc;

	if (first != 0x0f) {
		*d = one_byte[first];
		/* 63 is MOVSXD only in 64-bit mode (ARPL elsewhere) */
		if (first == 0x63 && c->mode != DECODE_MODE_64)
			d->op = DECODE_OP_NONE;
		return d->op ? 0 : -DECODE_EOPCODE;
	}
	rc = fetch(c, 1, &b);
	if (rc)
		return rc;
	*d = two_byte[b];
	return d->op ? 0 : -DECODE_EOPCODE;
}

/* Operands after the opcode: ModRM (or moffs or string) and immediate. */
static int read_operands(struct cursor *c, struct decoded_insn *out, uint16_t flags)
{
	unsigned reg = 0;
	int rc = 0;

	if (flags & F_AREG)
		out->reg = 0;
	if (flags & F_MODRM) {
		rc = read_modrm(c, out, flags, &reg);
		if (rc)
			return rc;
		if (flags & F_GROUP1)
			out->op = group1_ops[reg];
		else if ((flags & F_REG0) && reg != 0)
			return -DECODE_EOPCODE; /* C6/C7/F6/F7 with another /digit */
	} else if (flags & F_MOFFS) {
		uint64_t off = 0;

		rc = fetch(c, out->mem.addr_size, &off);
		out->mem.base = DECODE_NO_REG;
		out->mem.disp = (int64_t)off;
	} else if (flags & F_STRING) {
		string_operand(out);
	}
	if (!rc && (flags & (F_IMM8 | F_IMMZ)))
		rc = read_imm(c, out, flags);
	return rc;
}

/* LOCK is legal only on read-modify-write of memory (SDM Vol. 2, LOCK). */
static bool lock_ok(const struct decoded_insn *out)
{
	return out->access == DECODE_RMW && out->op != DECODE_OP_MOV;
}

int decode_insn(const uint8_t *bytes, size_t n, enum decode_mode mode, struct decoded_insn *out)
{
	struct cursor c = {.bytes = bytes, .n = MIN(n, (size_t)DECODE_MAX_LEN), .mode = mode};
	struct opdesc d;
	uint8_t first;
	int rc;

	if (mode != DECODE_MODE_16 && mode != DECODE_MODE_32 && mode != DECODE_MODE_64)
		return -DECODE_EINVALID;
	/* memset, not a compound literal: padding too is defined, for memcmp */
	memset(out, 0, sizeof(*out));
	out->reg = DECODE_NO_REG;
	out->mem.seg = DECODE_SEG_DS;
	out->mem.base = DECODE_NO_REG;
	out->mem.index = DECODE_NO_REG;
	out->mem.scale = 1;
	rc = read_prefixes(&c, out, &first);
	if (!rc)
		rc = read_opcode(&c, first, &d);
	if (rc)
		return rc;
	out->op = d.op;
	set_sizes(&c, out, d.flags);
	rc = read_operands(&c, out, d.flags);
	if (rc)
		return rc;
	out->mem_is_dst = d.flags & F_MEMDST;
	out->access = access_of(out->op, out->mem_is_dst);
	if (out->lock && !lock_ok(out))
		return -DECODE_EINVALID;
	if (out->rep && !(d.flags & F_STRING))
		out->rep = DECODE_REP_NONE; /* F2/F3 on other forms: ignored by the CPU */
	out->len = (uint8_t)c.pos;
	return 0;
}

uint64_t decode_effective_addr(const struct decoded_insn *in, const uint64_t gpr[16], uint64_t rip)
{
	uint64_t ea = (uint64_t)in->mem.disp;

	if (in->mem.base == DECODE_REG_RIP)
		ea += rip + in->len; /* relative to the next instruction */
	else if (in->mem.base >= 0)
		ea += gpr[in->mem.base];
	if (in->mem.index >= 0)
		ea += gpr[in->mem.index] * in->mem.scale;
	return ea & size_mask(in->mem.addr_size);
}
