/*
 * bitmap.h - the VMX MSR and I/O bitmaps: which RDMSR/WRMSR and IN/OUT a
 * guest may execute without a VM exit (SDM Vol. 3C 25.6.4, 25.6.9).
 *
 * Pure functions on caller-supplied buffers (4 KiB MSR bitmap, 8 KiB I/O
 * bitmap A+B), unit-tested on the host (tests/test_bitmap.c).  A set bit
 * means "exit"; everything starts intercepted and only what the policy in
 * vmx/bitmap.c lists passes through.
 */
#ifndef VMX_BITMAP_H
#define VMX_BITMAP_H

#include <hv/compiler.h>

#define VMX_MSR_BITMAP_SIZE 4096
#define VMX_IO_BITMAP_SIZE  8192

/* The two MSR ranges a bitmap covers (SDM 25.6.9). */
#define VMX_MSR_LOW_LAST   0x00001fffu
#define VMX_MSR_HIGH_FIRST 0xc0000000u
#define VMX_MSR_HIGH_LAST  0xc0001fffu

/* Intercept every MSR read and write. */
void vmx_msr_bitmap_init(uint8_t *bm);
/* Set whether reads and writes of msr exit.  false (bitmap unchanged) when
 * msr is outside both ranges: those always exit. */
bool vmx_msr_bitmap_set(uint8_t *bm, uint32_t msr, bool exit_read, bool exit_write);
/* Does an access to msr exit?  MSRs outside both ranges always do. */
bool vmx_msr_bitmap_exits(const uint8_t *bm, uint32_t msr, bool write);
/* init, then open the MSRs the pass-through policy lists (vmx/bitmap.c). */
void vmx_msr_bitmap_build(uint8_t *bm);
/* Is msr on the pass-through policy for reads (write = false) or writes? */
bool vmx_msr_passthrough(uint32_t msr, bool write);

/* Intercept every port. */
void vmx_io_bitmap_init(uint8_t *bm);
void vmx_io_bitmap_set(uint8_t *bm, uint16_t port, bool exit);
/* Does an access of size bytes at port exit?  An access that covers any
 * intercepted port exits, and one wrapping past 0xffff always does (25.1.3). */
bool vmx_io_bitmap_exits(const uint8_t *bm, uint16_t port, unsigned size);

#endif
