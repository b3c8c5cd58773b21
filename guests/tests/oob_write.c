/*
 * oob_write.c - test guest: a write to guest-physical memory beyond the
 * guest's RAM.
 *
 * 16 MiB past the end of the guest's RAM (from its multiboot memory map)
 * nothing is mapped; with another partition beside this one, the host
 * memory behind that address may well be the neighbour's.  The write must
 * go nowhere: the hypervisor is expected to stop this guest with a reason
 * naming the address, and the other guests run on (test-qemu pairs this
 * guest with cpuid to show containment).  The guest prints its summary and
 * "ATTEMPT oob-write" first; surviving the write is "FAIL oob-write".
 */
#include "guest.h"

const char guest_name[] = "oob_write";

void guest_main(void)
{
	uint64_t target = boot.ram_end + 16 * 1024 * 1024;

	if (!boot.ram_end || target >= 0xfec00000u) {
		fail("oob-write", "no usable RAM size from the boot loader (RAM end 0x%llx)",
		     (unsigned long long)boot.ram_end);
		report();
	}
	summary();
	attempt("oob-write at 0x%08x (RAM ends at 0x%08x); the hypervisor should stop this guest",
		(uint32_t)target, (uint32_t)boot.ram_end);
	mmio_write32((uint32_t)target, 0xdeadbeef);
	fail("oob-write", "wrote 0xdeadbeef to 0x%08x beyond RAM and survived (reads 0x%08x)",
	     (uint32_t)target, mmio_read32((uint32_t)target));
	report();
}
