/*
 * fuzz_decode.c - libFuzzer harness for the MMIO instruction decoder.
 *
 * The first input byte picks the guest mode, the rest are instruction
 * bytes, copied to a heap buffer of exactly their length so ASan sees any
 * read past the count.  A successful decode must be self-consistent:
 * length within the input and 15 bytes, sizes from the legal set, registers
 * in range, and decoding exactly len bytes gives the same result while any
 * shorter prefix reports truncation.
 */
#include <stdlib.h>
#include <string.h>

#include <hv/decode.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

static bool legal_size(unsigned s)
{
	return s == 1 || s == 2 || s == 4 || s == 8;
}

static void check_decode(const uint8_t *b, size_t n, enum decode_mode mode,
			 const struct decoded_insn *d)
{
	struct decoded_insn again;

	check(d->len >= 1 && d->len <= DECODE_MAX_LEN && d->len <= n);
	check(d->op != DECODE_OP_NONE);
	check(legal_size(d->mem_size) && legal_size(d->reg_size));
	check(d->mem.addr_size == 2 || d->mem.addr_size == 4 || d->mem.addr_size == 8);
	check(d->reg >= DECODE_NO_REG && d->reg < 16);
	check(d->mem.base >= DECODE_NO_REG && d->mem.base <= DECODE_REG_RIP);
	check(d->mem.index >= DECODE_NO_REG && d->mem.index < 16);
	check(legal_size(d->mem.scale));
	check(!d->reg_high8 || (d->reg < 4 && d->mem_size == 1));
	check(d->mem.seg <= DECODE_SEG_GS);
	check(decode_insn(b, d->len, mode, &again) == 0 && memcmp(&again, d, sizeof(again)) == 0);
	check(decode_insn(b, d->len - 1u, mode, &again) == -DECODE_ETRUNC);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum decode_mode modes[3] = {DECODE_MODE_16, DECODE_MODE_32, DECODE_MODE_64};
	struct decoded_insn d;
	enum decode_mode mode;
	uint8_t *b;
	size_t n;
	int rc;

	if (size < 1)
		return 0;
	mode = modes[data[0] % 3];
	n = size - 1;
	b = malloc(n ? n : 1);
	memcpy(b, data + 1, n);
	memset(&d, 0, sizeof(d));
	rc = decode_insn(b, n, mode, &d);
	if (rc == 0)
		check_decode(b, n, mode, &d);
	else
		check(rc >= -DECODE_EINVALID && rc <= -DECODE_ETRUNC && decode_strerror(rc));
	free(b);
	return 0;
}
