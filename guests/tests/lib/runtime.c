/*
 * runtime.c - what every test guest shares (guest.h): COM1 output, the IDT
 * and its dispatcher (expected faults are caught, anything else is a FAIL),
 * the multiboot information, check counting, and ending the guest through
 * the hypervisor's VMCALL interface (include/hv/hypercall.h).
 */
#include <hv/hypercall.h>
#include "guest.h"

#define COM1	      0x3f8
#define UART_IER      1
#define UART_FCR      2
#define UART_LCR      3
#define UART_MCR      4
#define UART_LSR      5
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1  0x03
#define UART_LSR_THRE 0x20
#define SERIAL_SPINS  100000 /* a UART that never drains must not hang us */

#define MB_LOADER_MAGIC	 0x2BADB002u
#define MBI_FLAG_MEM	 BIT(0)
#define MBI_FLAG_CMDLINE BIT(2)
#define MBI_FLAG_MMAP	 BIT(6)
#define MBI_FLAG_LOADER	 BIT(9)
#define MMAP_MAX_ENTRIES 128
#define CPUID_1_ECX_HV	 BIT(31)
#define GATE_INTR32	 0x8e /* present, DPL 0, 32-bit interrupt gate */
#define KERNEL_CS	 0x08
#define ISR_COUNT	 34 /* crt0.S isr_table: vectors 0-31, 64, 255 */

/* What isr_common pushes (crt0.S): PUSHAL, vector, error code, CPU frame. */
struct frame {
	uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
	uint32_t vector, error, eip, cs, eflags;
};

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
} __attribute__((packed));

extern const uint32_t isr_table[ISR_COUNT];

struct boot_info boot;
volatile uint32_t fault_resume;
void (*timer_handler)(void);

static struct idt_entry idt[256] __attribute__((aligned(8)));
static unsigned n_pass, n_fail;
static volatile bool fault_armed;
static volatile int fault_vector = NO_FAULT;
static volatile uint32_t fault_err;
static bool in_fatal;

void *memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;

	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

static void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, UART_LCR_DLAB);
	outb(COM1 + 0, 1); /* divisor 1: 115200 baud */
	outb(COM1 + 1, 0);
	outb(COM1 + UART_LCR, UART_LCR_8N1);
	outb(COM1 + UART_FCR, 0xc7); /* FIFOs on and cleared */
	outb(COM1 + UART_MCR, 0x03); /* DTR, RTS */
}

void serial_putc(char c)
{
	for (unsigned i = 0; i < SERIAL_SPINS; i++)
		if (inb(COM1 + UART_LSR) & UART_LSR_THRE)
			break;
	outb(COM1, (uint8_t)c);
}

/* ---- checks ---- */

void pass(const char *check)
{
	n_pass++;
	gprintf("PASS %s\n", check);
}

static void vfail(const char *check, const char *fmt, va_list ap)
{
	n_fail++;
	gprintf("FAIL %s: ", check);
	gvprintf(fmt, ap);
	gprintf("\n");
}

void fail(const char *check, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(check, fmt, ap);
	va_end(ap);
}

void expect(bool ok, const char *check, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		pass(check);
		return;
	}
	va_start(ap, fmt);
	vfail(check, fmt, ap);
	va_end(ap);
}

void skip(const char *check, const char *why)
{
	gprintf("SKIP %s: %s\n", check, why);
}

void attempt(const char *fmt, ...)
{
	va_list ap;

	gprintf("ATTEMPT ");
	va_start(ap, fmt);
	gvprintf(fmt, ap);
	va_end(ap);
	gprintf("\n");
}

const char *vector_name(int vector)
{
	static const char *const names[32] = {
	    "#DE", "#DB", "NMI", "#BP", "#OF",	     "#BR", "#UD", "#NM", "#DF", "vector 9", "#TS",
	    "#NP", "#SS", "#GP", "#PF", "vector 15", "#MF", "#AC", "#MC", "#XM", "#VE",	     "#CP"};

	if (vector == NO_FAULT)
		return "no fault";
	if (vector >= 0 && vector < 32 && names[vector])
		return names[vector];
	return vector == VEC_TIMER ? "timer interrupt" : "reserved vector";
}

void expect_fault(int vector, int want, const char *check)
{
	expect(vector == want, check, "expected %s, got %s", vector_name(want),
	       vector_name(vector));
}

/* ---- the hypervisor ---- */

bool hv_present(void)
{
	struct cpuid_regs r = cpuid(1, 0);
	char sig[12];

	if (!(r.ecx & CPUID_1_ECX_HV))
		return false;
	r = cpuid(HV_CPUID_SIGNATURE, 0);
	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	return r.eax >= HV_CPUID_SIGNATURE && memcmp(sig, HV_CPUID_SIG, 12) == 0;
}

int32_t hypercall(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t *rbx)
{
	uint32_t a = nr, b = a1;
	int v = TRY_ASM("vmcall", : "+a"(a), "+b"(b) : "c"(a2) : "memory");

	if (v != NO_FAULT)
		return -1000 - v;
	if (rbx)
		*rbx = b;
	return (int32_t)a;
}

void guest_exit(uint32_t code)
{
	if (hv_present())
		hypercall(HC_POWEROFF, code, 0, NULL);
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

void summary(void)
{
	gprintf("SUMMARY %s: %u passed, %u failed\n", guest_name, n_pass, n_fail);
}

void report(void)
{
	summary();
	guest_exit(n_fail);
}

/* ---- faults and interrupts ---- */

void fault_arm(void)
{
	fault_vector = NO_FAULT;
	fault_armed = true;
}

int fault_disarm(void)
{
	fault_armed = false;
	return fault_vector;
}

uint32_t fault_error(void)
{
	return fault_err;
}

/* An exception nobody armed for: one FAIL line, then the summary and the end.
 * A second one while reporting (a broken runtime) just halts. */
static __noreturn void unexpected(const struct frame *f)
{
	uint32_t cr2;

	if (in_fatal)
		for (;;)
			__asm__ volatile("cli; hlt" ::: "memory");
	in_fatal = true;
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	fail("unexpected-exception", "%s (vector %u) error 0x%x at eip 0x%08x, cr2 0x%x",
	     vector_name((int)f->vector), f->vector, f->error, f->eip, cr2);
	report();
}

void isr_dispatch(struct frame *f)
{
	if (f->vector == VEC_TIMER) {
		if (timer_handler)
			timer_handler();
		return;
	}
	if (f->vector == 255)
		return; /* spurious: no EOI (SDM 11.9) */
	if (fault_armed) {
		fault_vector = (int)f->vector;
		fault_err = f->error;
		fault_armed = false;
		f->eip = fault_resume;
		return;
	}
	unexpected(f);
}

void idt_set(unsigned vector, uint32_t handler, unsigned dpl)
{
	idt[vector & 0xff] =
	    (struct idt_entry){(uint16_t)handler, KERNEL_CS, 0,
			       (uint8_t)(GATE_INTR32 | (dpl & 3) << 5), (uint16_t)(handler >> 16)};
}

static void idt_init(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) desc = {sizeof(idt) - 1, (uint32_t)(uintptr_t)idt};

	for (unsigned i = 0; i < ISR_COUNT; i++)
		idt_set(i < 32 ? i : (i == 32 ? VEC_TIMER : 255), isr_table[i], 0);
	__asm__ volatile("lidt %0" : : "m"(desc));
}

int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;
	int v = TRY_ASM("rdmsr", : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");

	*val = v == NO_FAULT ? (uint64_t)hi << 32 | lo : 0;
	return v;
}

int wrmsr_safe(uint32_t msr, uint64_t val)
{
	return TRY_ASM("wrmsr",
		       :
		       : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
		       : "memory");
}

int write_cr4_safe(uint32_t val)
{
	return TRY_ASM("mov %0, %%cr4", : : "r"(val) : "memory");
}

int xsetbv_safe(uint32_t xcr, uint64_t val)
{
	return TRY_ASM("xsetbv",
		       :
		       : "c"(xcr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
		       : "memory");
}

/* ---- boot ---- */

static uint32_t mbi_word(uint32_t off)
{
	return *(volatile const uint32_t *)(uintptr_t)(boot.mbi + off);
}

/* The highest available byte from the memory map (bounded walk). */
static uint64_t mmap_ram_end(uint32_t addr, uint32_t len)
{
	uint64_t end = 0;
	uint32_t off = 0;

	for (unsigned n = 0; n < MMAP_MAX_ENTRIES && off + 24 <= len; n++) {
		const volatile uint8_t *e = (const volatile uint8_t *)(uintptr_t)(addr + off);
		uint32_t size, type;
		uint64_t base, length;

		memcpy(&size, (const void *)e, 4);
		memcpy(&base, (const void *)(e + 4), 8);
		memcpy(&length, (const void *)(e + 12), 8);
		memcpy(&type, (const void *)(e + 20), 4);
		if (type == 1 && base + length > end)
			end = base + length;
		off += size + 4;
	}
	return end;
}

static void parse_boot(uint32_t magic, uint32_t mbi)
{
	uint32_t flags;

	boot.multiboot = magic == MB_LOADER_MAGIC;
	boot.mbi = mbi;
	boot.cmdline = "";
	boot.loader = "?";
	if (!boot.multiboot)
		return;
	flags = mbi_word(0);
	if (flags & MBI_FLAG_MEM) {
		boot.mem_upper = mbi_word(8);
		boot.ram_end = 0x100000 + (uint64_t)boot.mem_upper * 1024;
	}
	if (flags & MBI_FLAG_CMDLINE)
		boot.cmdline = (const char *)(uintptr_t)mbi_word(16);
	if (flags & MBI_FLAG_LOADER)
		boot.loader = (const char *)(uintptr_t)mbi_word(64);
	if (flags & MBI_FLAG_MMAP) {
		uint64_t end = mmap_ram_end(mbi_word(48), mbi_word(44));

		if (end)
			boot.ram_end = end;
	}
}

void runtime_start(uint32_t magic, uint32_t mbi)
{
	serial_init();
	idt_init();
	parse_boot(magic, mbi);
	if (!boot.multiboot)
		gprintf("INFO %s: not started by a multiboot loader (EAX 0x%08x)\n", guest_name,
			magic);
	else
		gprintf("INFO %s: started by '%s', RAM ends at 0x%llx, cmdline '%s'\n", guest_name,
			boot.loader, (unsigned long long)boot.ram_end, boot.cmdline);
	guest_main();
	report();
}
