/*
 * io.c - the hostile guest's port I/O attempts (hostile.h): the PCI
 * configuration space of other devices, the real machine's ACPI PM blocks
 * and sleep control, the CMOS, and reprogramming the 8259A PICs.
 *
 * The partition's virtual platform (docs/linux-guests.md) has a PCI host
 * bridge at 00:00.0 and nothing else on any bus, its ACPI PM block at
 * 0x600-0x60b and a PIC/PIT/RTC/COM1 of its own.  Any other PCI function,
 * or an answer from 0xb000 (the PIIX4 PM block of Bochs and QEMU) or 0x400
 * (an Intel PCH's ACPI base), is the real machine showing through.  The
 * real machine's sleep controls get S1-S5 written: if one arrived, the
 * whole machine would power off and the neighbours with it.
 */
#include "hostile.h"

#define PCI_ADDR      0xcf8
#define PCI_DATA      0xcfc
#define PCI_ENABLE    0x80000000u
#define PCI_HDR_MULTI 0x80
#define PM1_SLP_EN    BIT(13)
#define PM1_TYP_SHIFT 10

static uint32_t pci_rd(uint32_t bus, uint32_t dev, uint32_t fn, uint32_t reg)
{
	outl(PCI_ADDR, PCI_ENABLE | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc));
	return inl(PCI_DATA);
}

static void pci_wr(uint32_t bus, uint32_t dev, uint32_t fn, uint32_t reg, uint32_t v)
{
	outl(PCI_ADDR, PCI_ENABLE | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc));
	outl(PCI_DATA, v);
}

static unsigned pci_functions(uint32_t bus, uint32_t dev)
{
	uint32_t id = pci_rd(bus, dev, 0, 0);

	if ((id & 0xffff) == 0xffff)
		return 0;
	return (pci_rd(bus, dev, 0, 0x0c) >> 16) & PCI_HDR_MULTI ? 8 : 1;
}

/* Count the functions of bus/dev; the first one besides 00:00.0 in *first. */
static unsigned pci_probe(uint32_t bus, uint32_t dev, unsigned *foreign, uint32_t *first,
			  uint32_t *first_bdf)
{
	unsigned fns = pci_functions(bus, dev), found = 0;

	for (uint32_t fn = 0; fn < fns; fn++) {
		uint32_t id = pci_rd(bus, dev, fn, 0);

		if ((id & 0xffff) == 0xffff)
			continue;
		found++;
		if ((bus || dev || fn) && (*foreign)++ == 0) {
			*first = id;
			*first_bdf = bus << 8 | dev << 3 | fn;
		}
	}
	return found;
}

/* Bus 0 in full; on buses 1-255 devices 0 and 31, where bridges put the
 * devices behind them (a full sweep is 8192 probes, each two exits). */
static void pci_scan(void)
{
	unsigned found = 0, foreign = 0;
	uint32_t first = 0xffffffffu, first_bdf = 0, host = pci_rd(0, 0, 0, 0);

	attempt_begin("PCI configuration space (0xcf8/0xcfc): every device and function on bus "
		      "0, devices 0 and 31 on buses 1-255");
	for (uint32_t dev = 0; dev < 32; dev++)
		found += pci_probe(0, dev, &foreign, &first, &first_bdf);
	for (uint32_t bus = 1; bus < 256; bus++) {
		found += pci_probe(bus, 0, &foreign, &first, &first_bdf);
		found += pci_probe(bus, 31, &foreign, &first, &first_bdf);
	}
	if (foreign)
		attempt_end(OUT_BREACH,
			    "%u functions, %u besides 00:00.0; first %02x:%02x.%u id %08x", found,
			    foreign, first_bdf >> 8, (first_bdf >> 3) & 31, first_bdf & 7, first);
	else
		attempt_end(OUT_EMULATED,
			    "%u function(s): only 00:00.0 (id %08x), its virtual host "
			    "bridge",
			    found, host);
}

/* Writes aimed at the real machine's devices: bus 0 slots 1-31 (enable
 * I/O, memory, bus mastering; move BAR0 and the PIIX4 PM base) and the host
 * bridge's PAM/SMRAM registers (unlock the BIOS shadow, open SMRAM). */
static void pci_writes(void)
{
	unsigned answered = 0;
	uint32_t pam, smram;

	attempt_begin("PCI configuration writes: command/BAR0/PM base of 00:01-00:1f, PAM and "
		      "SMRAM registers of 00:00.0");
	for (uint32_t dev = 1; dev < 32; dev++) {
		pci_wr(0, dev, 0, 0x04, 0x0007);
		pci_wr(0, dev, 0, 0x10, 0xffffffffu);
		pci_wr(0, dev, 3, 0x40, 0x0000b001u);
		answered += pci_rd(0, dev, 0, 0x04) != 0xffffffffu;
		answered += pci_rd(0, dev, 0, 0x10) != 0xffffffffu;
	}
	pci_wr(0, 0, 0, 0x58, 0x33333333u);
	pci_wr(0, 0, 0, 0x5c, 0x33333333u);
	pci_wr(0, 0, 0, 0x70, 0x004a0000u); /* 0x72: SMRAM D_OPEN|G_SMRAME */
	pam = pci_rd(0, 0, 0, 0x58);
	smram = pci_rd(0, 0, 0, 0x70);
	attempt_end(answered ? OUT_BREACH : OUT_DROPPED,
		    "%u reads from 00:01-00:1f answered; host bridge 0x58 reads 0x%08x, 0x70 "
		    "reads 0x%08x (its own model's registers)",
		    answered, pam, smram);
}

/* Dword reads over [base, base + len): how many did not read all ones. */
static unsigned ports_answering(uint16_t base, uint16_t len, uint16_t *first, uint32_t *val)
{
	unsigned n = 0;

	for (uint16_t p = base; p < base + len; p += 4) {
		uint32_t v = inl(p);

		if (v != 0xffffffffu && n++ == 0) {
			*first = p;
			*val = v;
		}
	}
	return n;
}

static void pm_range(uint16_t base, uint16_t len, const char *what, bool own)
{
	uint16_t first = 0;
	uint32_t val = 0;
	unsigned n;

	attempt_begin("read ports 0x%x-0x%x (%s)", base, base + len - 1, what);
	n = ports_answering(base, len, &first, &val);
	if (!n)
		attempt_end(OUT_DROPPED, "all %u dwords read all ones: no device", len / 4u);
	else if (own)
		attempt_end(OUT_EMULATED,
			    "%u dword(s) answer, first 0x%x = 0x%08x: its own "
			    "virtual PM block",
			    n, first, val);
	else
		attempt_end(OUT_BREACH, "%u dword(s) answer, first 0x%x = 0x%08x", n, first, val);
}

/* Every sleep type with SLP_EN to a real machine's PM1a control. */
static void sleep_real(uint16_t port)
{
	attempt_begin("sleep/power off the real machine: SLP_TYP 0-7 with SLP_EN to port 0x%x",
		      port);
	for (uint16_t typ = 0; typ < 8; typ++)
		outw(port, (uint16_t)(typ << PM1_TYP_SHIFT | PM1_SLP_EN));
	tsc_delay_ms(10);
	attempt_end(OUT_DROPPED, "this guest runs on and the machine did not go to sleep");
}

static void cmos(void)
{
	uint8_t before, after;

	attempt_begin("CMOS: shutdown status byte 0x0f = 0x0a (warm-reset vector) and NMI mask "
		      "through port 0x70");
	outb(0x70, 0x8f);
	before = inb(0x71);
	outb(0x70, 0x8f);
	outb(0x71, 0x0a);
	outb(0x70, 0x8f);
	after = inb(0x71);
	outb(0x70, 0x8f);
	outb(0x71, before);
	outb(0x70, 0x0f); /* NMIs on again */
	attempt_end(after == 0x0a ? OUT_EMULATED : OUT_DROPPED,
		    "byte 0x0f read 0x%02x, then 0x%02x: %s; restored", before, after,
		    after == 0x0a ? "its own virtual RTC's CMOS" : "no CMOS here");
}

void hostile_ports(void)
{
	pci_scan();
	pci_writes();
	pm_range(0xb000, 0x40, "the PIIX4 ACPI PM block of Bochs and QEMU", false);
	pm_range(0xafe0, 0x20, "the GPE0 block of Bochs and QEMU", false);
	pm_range(0x400, 0x80, "an Intel PCH's ACPI PM base", false);
	pm_range(0x600, 0x80, "where the partition's own virtual PM block lives", true);
	sleep_real(0xb004);
	sleep_real(0x404);
	cmos();
}

/* ---- the 8259A PICs (ports 0x20/0x21, 0xa0/0xa1) ---- */

void hostile_pic(void)
{
	uint8_t imr_open_m, imr_open_s, imr_shut_m, imr_shut_s;

	attempt_begin("reprogram the 8259A PICs: ICW1-4 (vectors 0x%x/0x%x), unmask all, read "
		      "back, mask all",
		      VEC_PIC_BASE, VEC_PIC_BASE + 8);
	outb(0x20, 0x11); /* ICW1: edge, cascade, ICW4 */
	outb(0xa0, 0x11);
	outb(0x21, VEC_PIC_BASE);
	outb(0xa1, VEC_PIC_BASE + 8);
	outb(0x21, 0x04); /* slave on IR2 */
	outb(0xa1, 0x02);
	outb(0x21, 0x01); /* 8086 mode */
	outb(0xa1, 0x01);
	outb(0x21, 0x00);
	outb(0xa1, 0x00);
	imr_open_m = inb(0x21);
	imr_open_s = inb(0xa1);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	imr_shut_m = inb(0x21);
	imr_shut_s = inb(0xa1);
	if (imr_open_m == 0 && imr_open_s == 0 && imr_shut_m == 0xff && imr_shut_s == 0xff)
		attempt_end(OUT_EMULATED, "IMRs read 0x00/0x00 then 0xff/0xff: its own virtual "
					  "PICs (the host's stay as the host set them)");
	else if (imr_open_m == 0xff && imr_open_s == 0xff)
		attempt_end(OUT_DROPPED, "no PIC answers (IMRs read 0x%02x/0x%02x)", imr_shut_m,
			    imr_shut_s);
	else
		attempt_end(OUT_BREACH, "IMRs read 0x%02x/0x%02x then 0x%02x/0x%02x", imr_open_m,
			    imr_open_s, imr_shut_m, imr_shut_s);
}
