/*
 * oob_read.c - test guest: a read of guest-physical memory beyond the
 * guest's RAM.
 *
 * The guest's RAM ends where its multiboot memory map says; nothing is
 * mapped 16 MiB past that end (EPT leaves it absent), so the read must not
 * return anything: the hypervisor is expected to stop this guest with a
 * reason naming the address.  The guest prints its summary and "ATTEMPT
 * oob-read" first; surviving the read is "FAIL oob-read".
 */
#include "guest.h"

const char guest_name[] = "oob_read";

void guest_main(void)
{
	uint64_t target = boot.ram_end + 16 * 1024 * 1024;
	uint32_t v;

	if (!boot.ram_end || target >= 0xfec00000u) {
		fail("oob-read", "no usable RAM size from the boot loader (RAM end 0x%llx)",
		     (unsigned long long)boot.ram_end);
		report();
	}
	summary();
	attempt("oob-read at 0x%08x (RAM ends at 0x%08x); the hypervisor should stop this guest",
		(uint32_t)target, (uint32_t)boot.ram_end);
	v = mmio_read32((uint32_t)target);
	fail("oob-read", "read 0x%08x from 0x%08x beyond RAM and survived", v, (uint32_t)target);
	report();
}
