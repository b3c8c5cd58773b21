/*
 * portio.c - test guest: port I/O outside the guest's own devices.
 *
 * A partition has its own virtual PC devices (core/vplatform.c: COM1, PIC,
 * PIT, CMOS RTC, ACPI PM, a PCI host bridge) and nothing else: every other
 * port behaves like a port nothing decodes on a PC bus, so reads return all
 * ones and writes go nowhere (and so never reach a real device of the
 * host).  The CMOS is the partition's own (its RAM starts zeroed) and PCI
 * configuration mechanism #1 (0xCF8/0xCFC, PCI Local Bus 3.0 3.2.2.3.2)
 * shows the virtual host bridge at 00:00.0 and none of the host's devices:
 * the last slot reads as "no device".  An IN also must not touch the
 * bytes of EAX it does not write (SDM Vol. 2A IN: IN AL leaves EAX[31:8]).
 * COM1 itself is checked through its scratch register, which a 16550 reads
 * back as written.
 *
 * Last, the ways a PC is reset or switched off by port I/O must not reach
 * the real machine: the 8042's pulse-reset command (0xFE to 0x64) and
 * SLP_EN with every SLP_TYP in PM1a control (ACPI 6.5 4.8.3.2.1).  The
 * guest cannot know the host's PM1a port, so it tries the usual ones:
 * 0x404, 0xB004, 0x1804.  Each attempt is followed by a PASS line: the line
 * appearing proves the machine is still running.  0x604 (PM1a control) and
 * 0xCF9 (reset control) are left out: they are the partition's OWN virtual
 * ACPI PM block and reset register (guests/acpi_build.c), where those
 * writes rightly power off or reset the partition.
 */
#include "guest.h"

#define PCI_ADDR	      0xcf8
#define PCI_DATA	      0xcfc
#define PCI_ENABLE	      0x80000000u
#define PCI_CLASS_HOST_BRIDGE 0x0600 /* base class 06, subclass 00 */
#define COM1_SCR	      0x3ff
#define COM2_SCR	      0x2ff /* no COM2 in a partition */
#define CMOS_INDEX	      0x70
#define CMOS_DATA	      0x71
#define KBD_STATUS	      0x64
#define IDE_STATUS	      0x1f7
#define KBD_CMD		      0x64
#define KBD_PULSE_RESET	      0xfe
#define PM1_SLP_EN	      BIT(13)
#define PM1_SLP_TYP_SHIFT     10

const char guest_name[] = "portio";

static uint32_t inb_keep(uint16_t port, uint32_t eax)
{
	__asm__ volatile("inb %w1, %b0" : "+a"(eax) : "Nd"(port));
	return eax;
}

static uint32_t inw_keep(uint16_t port, uint32_t eax)
{
	__asm__ volatile("inw %w1, %w0" : "+a"(eax) : "Nd"(port));
	return eax;
}

static void check_reads(void)
{
	static const uint16_t ports[] = {KBD_STATUS, IDE_STATUS, COM2_SCR, 0x510};
	uint32_t v;

	for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		uint8_t b = inb(ports[i]);

		if (b != 0xff) {
			fail("portio-unclaimed-inb", "port 0x%x read 0x%02x, expected 0xff",
			     ports[i], b);
			return;
		}
	}
	pass("portio-unclaimed-inb");
	v = inw(0x1f0);
	expect(v == 0xffff, "portio-unclaimed-inw", "port 0x1f0 read 0x%04x", v);
	v = inl(0xc000);
	expect(v == 0xffffffffu, "portio-unclaimed-inl", "port 0xc000 read 0x%08x", v);
	v = inb_keep(0x80, 0x12345600);
	expect(v == 0x123456ff, "portio-inb-keeps-eax", "EAX 0x12345600 became 0x%08x", v);
	v = inw_keep(0x80, 0x12340000);
	expect(v == 0x1234ffff, "portio-inw-keeps-eax", "EAX 0x12340000 became 0x%08x", v);
}

static void check_writes(void)
{
	uint8_t b;

	outb(COM2_SCR, 0x5a);
	b = inb(COM2_SCR);
	expect(b == 0xff, "portio-write-dropped", "COM2 scratch read back 0x%02x after 0x5a", b);
	outb(CMOS_INDEX, 0x0f); /* CMOS shutdown status: the host's would hold its own */
	b = inb(CMOS_DATA);
	expect(b == 0, "portio-cmos-virtual", "CMOS register 0x0f read 0x%02x, expected 0", b);
	outb(COM1_SCR, 0xa5);
	b = inb(COM1_SCR);
	expect(b == 0xa5, "portio-com1-scratch", "COM1 scratch read back 0x%02x after 0xa5", b);
}

static void check_pci(void)
{
	uint32_t id;

	outl(PCI_ADDR, PCI_ENABLE | 0x08); /* 00:00.0 class code, register 8 */
	id = inl(PCI_DATA);
	expect((id >> 16) == PCI_CLASS_HOST_BRIDGE, "portio-pci-host-bridge",
	       "00:00.0 class/revision 0x%08x: not a host bridge", id);
	outl(PCI_ADDR, PCI_ENABLE | (31u << 11)); /* the last device slot */
	id = inl(PCI_DATA);
	expect(id == 0xffffffffu, "portio-pci-config-dev31", "device 31 read 0x%08x", id);
	outl(PCI_ADDR, 0);
}

static void check_reset_ports(void)
{
	outb(KBD_CMD, KBD_PULSE_RESET);
	pass("portio-kbc-reset-ignored");
}

static void check_pm1_sleep(void)
{
	static const uint16_t ports[] = {0x404, 0xb004, 0x1804};
	static const char *const names[] = {"portio-pm1-0x404-sleep-ignored",
					    "portio-pm1-0xb004-sleep-ignored",
					    "portio-pm1-0x1804-sleep-ignored"};

	for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		/* every SLP_TYP: which one means S5 is the real DSDT's business */
		for (uint16_t typ = 0; typ < 8; typ++)
			outw(ports[i], (uint16_t)(PM1_SLP_EN | (typ << PM1_SLP_TYP_SHIFT)));
		pass(names[i]);
	}
}

void guest_main(void)
{
	check_reads();
	check_writes();
	check_pci();
	check_reset_ports();
	check_pm1_sleep();
}
