/*
 * fuzz_input.h - a libFuzzer input read as a stream of numbers, and the
 * way a fuzzer reports a broken invariant; shared by tests/fuzz_*.c.
 *
 * take() reads big-endian numbers of 1..8 bytes; past the end of the input
 * it yields zero bytes, so every input, however short, drives a whole run
 * and the fuzzer never has to check lengths.  FAIL() prints its message
 * and aborts, which libFuzzer records as a crash with the input.
 */
#ifndef HV_TESTS_FUZZ_INPUT_H
#define HV_TESTS_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		abort();                                                                           \
	} while (0)

struct input {
	const uint8_t *d;
	size_t n;
};

static inline uint64_t take(struct input *in, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++) {
		v = v << 8 | (in->n ? *in->d : 0);
		if (in->n) {
			in->d++;
			in->n--;
		}
	}
	return v;
}

#endif
