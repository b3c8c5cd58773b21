/*
 * lib.h - the freestanding C library subset the hypervisor uses.
 * Implemented in core/lib/ and unit-tested on the host.
 */
#ifndef HV_LIB_H
#define HV_LIB_H

#include <hv/compiler.h>

#if defined(HV_HOST_TEST) && !defined(HV_LIB_UNDER_TEST)
#define HV_LIB_FROM_HOST 1
/*
 * Host unit tests link against the host C library, which already provides
 * mem*, str* and the printf family; declaring them again here would clash.
 * Only what the C library may lack is declared (core/lib/string.c builds
 * just strlcpy in this mode).  tests/test_lib.c tests core/lib itself: it
 * defines HV_LIB_UNDER_TEST and includes the sources with every symbol
 * renamed (tests/lib_rename.h).
 */
#include <stdio.h>
#include <string.h>
size_t strlcpy(char *dst, const char *src, size_t size);
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* Copies at most size-1 bytes and always terminates (when size > 0). Returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

/*
 * vsnprintf - C99 semantics for the subset: %d %i %u %x %X %o %c %s %p %%,
 * flags '-' '0' '#' ' ' '+', width, precision, length modifiers hh h l ll z t j.
 * Always terminates when size > 0; returns the length the full output needs.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
__printf(3, 4) int snprintf(char *buf, size_t size, const char *fmt, ...);
#endif /* HV_HOST_TEST && !HV_LIB_UNDER_TEST */

/*
 * parse_u64 - parse a decimal, 0x-hex or 0-octal number from [s, s+len).
 * Returns false on an empty string, a stray character or overflow.
 */
bool parse_u64(const char *s, size_t len, uint64_t *out);

#endif
