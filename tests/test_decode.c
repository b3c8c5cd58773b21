/*
 * test_decode.c - unit tests of the MMIO instruction decoder (ept/decode.c).
 *
 * A table of byte sequences (as assembled by GNU as) with the decode each
 * must give, in 64-, 32- and 16-bit modes, and of sequences that must be
 * refused.  Every input sits in a heap buffer of exactly its length, so
 * ASan catches a read past the count; every valid entry is also decoded
 * from each shorter prefix of itself, which must report truncation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include <hv/decode.h>

#pragma GCC diagnostic ignored "-Woverride-init" /* defaults, then the case's own fields */

#define NR DECODE_NO_REG

struct expect {
	int op, access, len, mem_size, reg_size, reg, high8;
	int has_imm;
	uint64_t imm;
	int seg, base, index, scale, addr_size, rep, lock;
	int64_t disp;
};

struct dcase {
	const char *hex;
	enum decode_mode mode;
	int rc;
	struct expect e;
};

/* Defaults: 64-bit mode, DS, no registers, scale 1, 64-bit addressing. */
#define OK64(h, ...)                                                                               \
	{                                                                                          \
		.hex = (h), .mode = DECODE_MODE_64, .rc = 0,                                       \
		.e = {.reg = NR,                                                                   \
		      .base = NR,                                                                  \
		      .index = NR,                                                                 \
		      .scale = 1,                                                                  \
		      .seg = DECODE_SEG_DS,                                                        \
		      .addr_size = 8,                                                              \
		      __VA_ARGS__ }                                                                \
	}
#define OKM(m, asz, h, ...)                                                                        \
	{                                                                                          \
		.hex = (h), .mode = (m), .rc = 0,                                                  \
		.e = {.reg = NR,                                                                   \
		      .base = NR,                                                                  \
		      .index = NR,                                                                 \
		      .scale = 1,                                                                  \
		      .seg = DECODE_SEG_DS,                                                        \
		      .addr_size = (asz),                                                          \
		      __VA_ARGS__ }                                                                \
	}
#define BAD(m, h, err)                                                                             \
	{                                                                                          \
		.hex = (h), .mode = (m), .rc = -(err)                                              \
	}

#define MOV   .op = DECODE_OP_MOV
#define RD    .access = DECODE_READ
#define WR    .access = DECODE_WRITE
#define RMW   .access = DECODE_RMW
#define SZ(n) .mem_size = (n), .reg_size = (n)

/* clang-format off */
static const struct dcase cases[] = {
	/* MOV r/m, reg and reg, r/m */
	OK64("89 07", MOV, WR, .len = 2, SZ(4), .reg = 0, .base = 7), /* mov %eax,(%rdi) */
	OK64("48 89 07", MOV, WR, .len = 3, SZ(8), .reg = 0, .base = 7),
	OK64("66 89 07", MOV, WR, .len = 3, SZ(2), .reg = 0, .base = 7),
	OK64("88 27", MOV, WR, .len = 2, SZ(1), .reg = 0, .high8 = 1, .base = 7), /* %ah */
	OK64("40 88 27", MOV, WR, .len = 3, SZ(1), .reg = 4, .base = 7),	      /* %spl */
	OK64("8a 5e 10", MOV, RD, .len = 3, SZ(1), .reg = 3, .base = 6, .disp = 16),
	OK64("8b 04 25 10 00 e0 fe", MOV, RD, .len = 7, SZ(4), .reg = 0,
	     .disp = (int64_t)0xfffffffffee00010ULL), /* mov 0xfee00010,%eax: disp32 sign-extends */
	OK64("8b 05 f0 0f 00 00", MOV, RD, .len = 6, SZ(4), .reg = 0, .base = DECODE_REG_RIP,
	     .disp = 0xff0),
	OK64("41 8b 05 00 00 00 00", MOV, RD, .len = 7, SZ(4), .reg = 0, .base = DECODE_REG_RIP),
	OK64("44 8b 44 8d 08", MOV, RD, .len = 5, SZ(4), .reg = 8, .base = 5, .index = 1, .scale = 4,
	     .disp = 8, .seg = DECODE_SEG_SS), /* mov 0x8(%rbp,%rcx,4),%r8d */
	OK64("43 8b 04 a4", MOV, RD, .len = 4, SZ(4), .reg = 0, .base = 12, .index = 12,
	     .scale = 4), /* mov (%r12,%r12,4),%eax */
	OK64("41 8b 45 00", MOV, RD, .len = 4, SZ(4), .reg = 0, .base = 13),
	OK64("8b 04 24", MOV, RD, .len = 3, SZ(4), .reg = 0, .base = 4, .seg = DECODE_SEG_SS),
	OK64("4c 8b 94 c8 78 56 34 12", MOV, RD, .len = 8, SZ(8), .reg = 10, .base = 0, .index = 1,
	     .scale = 8, .disp = 0x12345678), /* mov 0x12345678(%rax,%rcx,8),%r10 */
	OK64("8b 04 8d 00 10 00 00", MOV, RD, .len = 7, SZ(4), .reg = 0, .index = 1, .scale = 4,
	     .disp = 0x1000), /* SIB without base */
	OK64("64 8b 04 25 00 00 00 00", MOV, RD, .len = 8, SZ(4), .reg = 0, .seg = DECODE_SEG_FS),
	OK64("67 8b 07", MOV, RD, .len = 3, SZ(4), .reg = 0, .base = 7, .addr_size = 4),
	OK64("48 66 89 07", MOV, WR, .len = 4, SZ(2), .reg = 0, .base = 7), /* REX not last: ignored */
	OK64("66 48 89 07", MOV, WR, .len = 4, SZ(8), .reg = 0, .base = 7), /* REX.W beats 66 */
	/* MOV immediate to memory */
	OK64("c7 07 78 56 34 12", MOV, WR, .len = 6, SZ(4), .base = 7, .has_imm = 1, .imm = 0x12345678),
	OK64("48 c7 07 ff ff ff ff", MOV, WR, .len = 7, SZ(8), .base = 7, .has_imm = 1, .imm = ~0ULL),
	OK64("c6 07 80", MOV, WR, .len = 3, SZ(1), .base = 7, .has_imm = 1, .imm = 0x80),
	OK64("66 c7 07 34 12", MOV, WR, .len = 5, SZ(2), .base = 7, .has_imm = 1, .imm = 0x1234),
	OK64("c7 80 00 03 00 00 01 00 00 00", MOV, WR, .len = 10, SZ(4), .base = 0, .disp = 0x300,
	     .has_imm = 1, .imm = 1), /* movl $1,0x300(%rax) */
	/* moffs */
	OK64("a1 88 77 66 55 44 33 22 11", MOV, RD, .len = 9, SZ(4), .reg = 0,
	     .disp = 0x1122334455667788LL),
	OK64("67 a3 44 33 22 11", MOV, WR, .len = 6, SZ(4), .reg = 0, .disp = 0x11223344,
	     .addr_size = 4),
	OK64("48 a2 00 00 00 00 00 00 00 80", MOV, WR, .len = 10, SZ(1), .reg = 0,
	     .disp = (int64_t)0x8000000000000000ULL),
	/* MOVZX, MOVSX, MOVSXD */
	OK64("0f b6 07", .op = DECODE_OP_MOVZX, RD, .len = 3, .mem_size = 1, .reg_size = 4, .reg = 0,
	     .base = 7),
	OK64("44 0f b7 4f 02", .op = DECODE_OP_MOVZX, RD, .len = 5, .mem_size = 2, .reg_size = 4,
	     .reg = 9, .base = 7, .disp = 2),
	OK64("48 0f bf 07", .op = DECODE_OP_MOVSX, RD, .len = 4, .mem_size = 2, .reg_size = 8, .reg = 0,
	     .base = 7),
	OK64("0f be 07", .op = DECODE_OP_MOVSX, RD, .len = 3, .mem_size = 1, .reg_size = 4, .reg = 0,
	     .base = 7),
	OK64("48 63 07", .op = DECODE_OP_MOVSX, RD, .len = 3, .mem_size = 4, .reg_size = 8, .reg = 0,
	     .base = 7),
	/* strings */
	OK64("f3 a5", .op = DECODE_OP_MOVS, .access = DECODE_COPY, .len = 2, SZ(4), .base = 6,
	     .rep = DECODE_REP_F3),
	OK64("a4", .op = DECODE_OP_MOVS, .access = DECODE_COPY, .len = 1, SZ(1), .base = 6),
	OK64("f3 48 ab", .op = DECODE_OP_STOS, WR, .len = 3, SZ(8), .reg = 0, .base = 7,
	     .seg = DECODE_SEG_ES, .rep = DECODE_REP_F3),
	OK64("64 aa", .op = DECODE_OP_STOS, WR, .len = 2, SZ(1), .reg = 0, .base = 7,
	     .seg = DECODE_SEG_ES), /* STOS ignores segment overrides */
	OK64("2e a5", .op = DECODE_OP_MOVS, .access = DECODE_COPY, .len = 2, SZ(4), .base = 6,
	     .seg = DECODE_SEG_CS),
	/* ALU */
	OK64("83 0f 01", .op = DECODE_OP_OR, RMW, .len = 3, SZ(4), .base = 7, .has_imm = 1, .imm = 1),
	OK64("83 27 fe", .op = DECODE_OP_AND, RMW, .len = 3, SZ(4), .base = 7, .has_imm = 1,
	     .imm = 0xfffffffe),
	OK64("48 83 27 fe", .op = DECODE_OP_AND, RMW, .len = 4, SZ(8), .base = 7, .has_imm = 1,
	     .imm = 0xfffffffffffffffeULL),
	OK64("81 3f 00 00 00 80", .op = DECODE_OP_CMP, RD, .len = 6, SZ(4), .base = 7, .has_imm = 1,
	     .imm = 0x80000000),
	OK64("48 81 3f 00 00 00 80", .op = DECODE_OP_CMP, RD, .len = 7, SZ(8), .base = 7, .has_imm = 1,
	     .imm = 0xffffffff80000000ULL),
	OK64("80 0f 04", .op = DECODE_OP_OR, RMW, .len = 3, SZ(1), .base = 7, .has_imm = 1, .imm = 4),
	OK64("66 81 37 ff 00", .op = DECODE_OP_XOR, RMW, .len = 5, SZ(2), .base = 7, .has_imm = 1,
	     .imm = 0xff),
	OK64("21 07", .op = DECODE_OP_AND, RMW, .len = 2, SZ(4), .reg = 0, .base = 7),
	OK64("23 07", .op = DECODE_OP_AND, RD, .len = 2, SZ(4), .reg = 0, .base = 7),
	OK64("01 07", .op = DECODE_OP_ADD, RMW, .len = 2, SZ(4), .reg = 0, .base = 7),
	OK64("2b 07", .op = DECODE_OP_SUB, RD, .len = 2, SZ(4), .reg = 0, .base = 7),
	OK64("39 07", .op = DECODE_OP_CMP, RD, .len = 2, SZ(4), .reg = 0, .base = 7),
	OK64("85 07", .op = DECODE_OP_TEST, RD, .len = 2, SZ(4), .reg = 0, .base = 7),
	OK64("84 3f", .op = DECODE_OP_TEST, RD, .len = 2, SZ(1), .reg = 3, .high8 = 1, .base = 7),
	OK64("f7 07 00 01 00 00", .op = DECODE_OP_TEST, RD, .len = 6, SZ(4), .base = 7, .has_imm = 1,
	     .imm = 0x100),
	OK64("f6 07 01", .op = DECODE_OP_TEST, RD, .len = 3, SZ(1), .base = 7, .has_imm = 1, .imm = 1),
	OK64("87 07", .op = DECODE_OP_XCHG, RMW, .len = 2, SZ(4), .reg = 0, .base = 7),
	OK64("f0 09 07", .op = DECODE_OP_OR, RMW, .len = 3, SZ(4), .reg = 0, .base = 7, .lock = 1),
	OK64("f0 48 83 0f 01", .op = DECODE_OP_OR, RMW, .len = 5, SZ(8), .base = 7, .has_imm = 1,
	     .imm = 1, .lock = 1),
	/* 32-bit code */
	OKM(DECODE_MODE_32, 4, "8b 05 10 00 e0 fe", MOV, RD, .len = 6, SZ(4), .reg = 0,
	.disp = (int64_t)0xfffffffffee00010ULL), /* absolute, not RIP-relative */
	OKM(DECODE_MODE_32, 2, "66 67 89 07", MOV, WR, .len = 4, SZ(2), .reg = 0, .base = 3),
	OKM(DECODE_MODE_32, 4, "8b 44 24 04", MOV, RD, .len = 4, SZ(4), .reg = 0, .base = 4,
	.seg = DECODE_SEG_SS, .disp = 4),
	OKM(DECODE_MODE_32, 4, "a3 00 00 e0 fe", MOV, WR, .len = 5, SZ(4), .reg = 0,
	.disp = 0xfee00000),
	OKM(DECODE_MODE_32, 4, "f3 66 ab", .op = DECODE_OP_STOS, WR, .len = 3, SZ(2), .reg = 0,
	.base = 7, .seg = DECODE_SEG_ES, .rep = DECODE_REP_F3),
	/* 16-bit code */
	OKM(DECODE_MODE_16, 2, "89 07", MOV, WR, .len = 2, SZ(2), .reg = 0, .base = 3),
	OKM(DECODE_MODE_16, 2, "8b 46 04", MOV, RD, .len = 3, SZ(2), .reg = 0, .base = 5,
	.seg = DECODE_SEG_SS, .disp = 4),
	OKM(DECODE_MODE_16, 2, "8b 40 fe", MOV, RD, .len = 3, SZ(2), .reg = 0, .base = 3, .index = 6,
	.disp = -2), /* mov -2(%bx,%si),%ax */
	OKM(DECODE_MODE_16, 2, "8b 0e 34 12", MOV, RD, .len = 4, SZ(2), .reg = 1, .disp = 0x1234),
	OKM(DECODE_MODE_16, 2, "a1 34 12", MOV, RD, .len = 3, SZ(2), .reg = 0, .disp = 0x1234),
	OKM(DECODE_MODE_16, 2, "66 89 07", MOV, WR, .len = 3, SZ(4), .reg = 0, .base = 3),
	OKM(DECODE_MODE_16, 4, "67 8b 04 24", MOV, RD, .len = 4, SZ(2), .reg = 0, .base = 4,
	.seg = DECODE_SEG_SS),
	OKM(DECODE_MODE_16, 2, "26 88 05", MOV, WR, .len = 3, SZ(1), .reg = 0, .base = 7,
	.seg = DECODE_SEG_ES), /* mov %al,%es:(%di) */
	/* more prefixes */
	OK64("f2 a4", .op = DECODE_OP_MOVS, .access = DECODE_COPY, .len = 2, SZ(1), .base = 6,
	     .rep = DECODE_REP_F2),
	OK64("f3 89 07", MOV, WR, .len = 3, SZ(4), .reg = 0, .base = 7), /* REP ignored */
	OK64("65 8b 07", MOV, RD, .len = 3, SZ(4), .reg = 0, .base = 7, .seg = DECODE_SEG_GS),
	OK64("36 89 07", MOV, WR, .len = 3, SZ(4), .reg = 0, .base = 7, .seg = DECODE_SEG_SS),
	OK64("3e 8b 45 00", MOV, RD, .len = 4, SZ(4), .reg = 0, .base = 5, .seg = DECODE_SEG_DS),
	/* exactly 15 bytes is fine */
	OK64("66 66 66 66 66 66 66 66 66 66 66 66 66 89 07", MOV, WR, .len = 15, SZ(2), .reg = 0,
	     .base = 7),

	/* refused */
	BAD(DECODE_MODE_64, "89 c0", DECODE_EREGONLY), /* mov %eax,%eax */
	BAD(DECODE_MODE_64, "0f 0b", DECODE_EOPCODE),  /* ud2 */
	BAD(DECODE_MODE_64, "f4", DECODE_EOPCODE),	   /* hlt */
	BAD(DECODE_MODE_64, "0f", DECODE_ETRUNC),
	BAD(DECODE_MODE_64, "", DECODE_ETRUNC),
	BAD(DECODE_MODE_64, "66 f3 48", DECODE_ETRUNC),
	BAD(DECODE_MODE_64, "c7 0f 00 00 00 00", DECODE_EOPCODE), /* C7 /1 */
	BAD(DECODE_MODE_64, "f6 17", DECODE_EOPCODE),	      /* not */
	BAD(DECODE_MODE_64, "f0 89 07", DECODE_EINVALID),	      /* lock mov */
	BAD(DECODE_MODE_64, "f0 39 07", DECODE_EINVALID),	      /* lock cmp */
	BAD(DECODE_MODE_64, "f0 03 07", DECODE_EINVALID),	      /* lock add to a register */
	BAD(DECODE_MODE_32, "63 07", DECODE_EOPCODE),	      /* arpl */
	BAD(DECODE_MODE_32, "40", DECODE_EOPCODE),		      /* inc %eax, not REX */
	BAD(DECODE_MODE_64, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 89 07", DECODE_ETOOLONG),
	BAD(DECODE_MODE_64, "66 66 66 66 66 66 66 66 66 66 66 66 66 c7 07 01 00", DECODE_ETOOLONG),
	BAD((enum decode_mode)3, "89 07", DECODE_EINVALID),
};
/* clang-format on */

/* Parse "89 07" into a heap buffer of exactly that many bytes. */
static uint8_t *parse_hex(const char *hex, size_t *n)
{
	uint8_t *buf = malloc(strlen(hex) / 2 + 1), *exact;
	size_t len = 0;
	unsigned v;
	int used;

	while (sscanf(hex, " %2x%n", &v, &used) == 1) {
		buf[len++] = (uint8_t)v;
		hex += used;
	}
	exact = malloc(len ? len : 1);
	memcpy(exact, buf, len);
	free(buf);
	*n = len;
	return exact;
}

static void check_fields(const struct dcase *c, const struct decoded_insn *d)
{
	const struct expect *e = &c->e;

	CHECK_EQ(d->op, e->op);
	CHECK_EQ(d->access, e->access);
	CHECK_EQ(d->len, e->len);
	CHECK_EQ(d->mem_size, e->mem_size);
	CHECK_EQ(d->reg_size, e->reg_size);
	CHECK_EQ(d->reg, e->reg);
	CHECK_EQ(d->reg_high8, e->high8);
	CHECK_EQ(d->has_imm, e->has_imm);
	CHECK_EQ(d->imm, e->imm);
	CHECK_EQ(d->lock, e->lock);
	CHECK_EQ(d->rep, e->rep);
	CHECK_EQ(d->mem.seg, e->seg);
	CHECK_EQ(d->mem.base, e->base);
	CHECK_EQ(d->mem.index, e->index);
	CHECK_EQ(d->mem.scale, e->scale);
	CHECK_EQ(d->mem.disp, e->disp);
	CHECK_EQ(d->mem.addr_size, e->addr_size);
}

static void test_table(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct dcase *c = &cases[i];
		struct decoded_insn d;
		size_t n;
		uint8_t *b = parse_hex(c->hex, &n);
		int rc = decode_insn(b, n, c->mode, &d);
		unsigned before = 0;

		CHECK_EQ(rc, c->rc);
		if (rc != c->rc)
			printf("  case \"%s\": %s\n", c->hex, decode_strerror(rc));
		if (rc == 0 && c->rc == 0) {
			check_fields(c, &d);
			/* every strict prefix is a truncated instruction */
			for (size_t k = 0; k < n; k++)
				before += decode_insn(b, k, c->mode, &d) != -DECODE_ETRUNC;
			CHECK_EQ(before, 0);
		}
		free(b);
	}
}

static void test_effective_address(void)
{
	uint64_t gpr[16] = {0};
	struct decoded_insn d;
	size_t n;
	uint8_t *b;

	for (int i = 0; i < 16; i++)
		gpr[i] = 0x1000ULL * (uint64_t)(i + 1);
	b = parse_hex("8b 05 f0 0f 00 00", &n); /* mov 0xff0(%rip),%eax */
	CHECK_EQ(decode_insn(b, n, DECODE_MODE_64, &d), 0);
	CHECK_EQ(decode_effective_addr(&d, gpr, 0x400000), 0x400000 + 6 + 0xff0);
	free(b);
	b = parse_hex("44 8b 44 8d f8", &n); /* mov -8(%rbp,%rcx,4),%r8d */
	CHECK_EQ(decode_insn(b, n, DECODE_MODE_64, &d), 0);
	CHECK_EQ(decode_effective_addr(&d, gpr, 0), 0x6000 + 0x2000 * 4 - 8);
	free(b);
	b = parse_hex("67 8b 47 fc", &n); /* mov -4(%edi),%eax: wraps at 32 bits */
	gpr[7] = 0x100000002ULL;
	CHECK_EQ(decode_insn(b, n, DECODE_MODE_64, &d), 0);
	CHECK_EQ(decode_effective_addr(&d, gpr, 0), 0xfffffffe);
	free(b);
	b = parse_hex("8b 40 fe", &n); /* 16-bit: mov -2(%bx,%si),%ax wraps at 64 KiB */
	gpr[3] = 1;
	gpr[6] = 0;
	CHECK_EQ(decode_insn(b, n, DECODE_MODE_16, &d), 0);
	CHECK_EQ(decode_effective_addr(&d, gpr, 0), 0xffff);
	free(b);
}

static void test_strerror(void)
{
	CHECK_STREQ(decode_strerror(-DECODE_EOPCODE), "opcode not supported for MMIO emulation");
	CHECK_STREQ(decode_strerror(-100), "unknown error");
	CHECK_STREQ(decode_strerror(0), "success");
}

/* Only the first 15 bytes are ever looked at, however many are offered. */
static void test_long_buffer(void)
{
	uint8_t buf[64];
	struct decoded_insn d;

	memset(buf, 0x66, sizeof(buf));
	CHECK_EQ(decode_insn(buf, sizeof(buf), DECODE_MODE_64, &d), -DECODE_ETOOLONG);
	buf[13] = 0x89;
	buf[14] = 0x07;
	CHECK_EQ(decode_insn(buf, sizeof(buf), DECODE_MODE_64, &d), 0);
	CHECK_EQ(d.len, 15);
}

int main(void)
{
	RUN(test_table);
	RUN(test_effective_address);
	RUN(test_strerror);
	RUN(test_long_buffer);
	return test_summary();
}
