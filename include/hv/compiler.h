/*
 * compiler.h - freestanding basics shared by every hypervisor source file.
 *
 * Only the headers a freestanding C11 implementation guarantees are used
 * (stdint, stddef, stdbool, stdarg); everything else is ours.
 */
#ifndef HV_COMPILER_H
#define HV_COMPILER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BIT(n)		 (1ULL << (n))
#define GENMASK(h, l)	 (((~0ULL) >> (63 - (h))) & ~((1ULL << (l)) - 1))
#define ARRAY_SIZE(a)	 (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	 (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#define MIN(a, b)	 ((a) < (b) ? (a) : (b))
#define MAX(a, b)	 ((a) > (b) ? (a) : (b))

#define KiB	   (1024ULL)
#define MiB	   (1024ULL * KiB)
#define GiB	   (1024ULL * MiB)
#define PAGE_SIZE  4096ULL
#define PAGE_SHIFT 12

#define __packed       __attribute__((packed))
#define __aligned(x)   __attribute__((aligned(x)))
#define __noreturn     __attribute__((noreturn))
#define __unused       __attribute__((unused))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __section(s)   __attribute__((section(s)))
#define likely(x)      __builtin_expect(!!(x), 1)
#define unlikely(x)    __builtin_expect(!!(x), 0)

#define compile_assert(cond) _Static_assert(cond, #cond)

#endif
