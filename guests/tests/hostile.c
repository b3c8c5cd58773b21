/*
 * hostile.c - test guest: a partition that tries to break out, and reports
 * what it observed at each try (issue 5, "Isolation, proven by a hostile
 * guest"; docs/testing.md, "The hostile guest").
 *
 * Run 1 does every attempt that should leave it running - memory, IPIs,
 * LAPIC/IOAPIC/PIC, MSRs, port I/O, VMX, interrupt storms, a long CLI loop
 * (guests/tests/hostile/) - and prints
 *     SUMMARY: N attempts, N contained, N breaches
 * Then come the fatal attempts, which the hypervisor must answer by
 * stopping this guest and nothing else.  Each needs a fresh run, and RAM
 * is zeroed on a restart, so the stage lives in the information device's
 * SCRATCH register (include/hv/hypercall.h), which the hypervisor keeps
 * across restarts: before each fatal attempt the guest writes the next
 * stage there.  With hv.cfg "on_crash = restart" the hypervisor restarts
 * the guest after each crash-like stop, and the next run first prints the
 * previous attempt's result ("stopped this guest only: run R") and goes on.
 * The first run leaves markers in registers no VMCS switches (SYSCALL
 * MSRs, debug registers, XMM0) before the chain; the first restarted run
 * checks that none survived (hostile_check_left_state).
 * The chain ends with a write to the reset register 0xCF9, a "reset" that
 * stops the guest as a power-off: with "on_poweroff = stop" (the default)
 * that is the end.  Attempts that survive (a dropped reset) print their
 * result and the chain goes on in the same run.
 *
 * Command line: "fatal=NAME" does the non-fatal part, then only the named
 * fatal attempt (no chain, no restart needed); "fatal=none" stops after
 * the SUMMARY; "nonfatal=skip" leaves the non-fatal part out (to try one
 * fatal attempt quickly).  Names: see stages[] below.
 */
#include <hv/hypercall.h>
#include "hostile/hostile.h"

#define SCRATCH		   (HV_INFO_MMIO_BASE + HV_INFO_REG_SCRATCH)
#define SCRATCH_STAGE_MASK 0xffu
#define SCRATCH_NEXT_SHIFT 8 /* bits 23:8: number of the next attempt */
#define SCRATCH_MAGIC	   0x5a000000u
#define SCRATCH_MAGIC_MASK 0xff000000u

const char guest_name[] = "hostile";

static unsigned n_attempts, n_contained, n_breaches, cur_attempt, next_attempt = 1;

static const char *const outcome_words[] = {
    [OUT_REFUSED] = "refused",	   [OUT_EMULATED] = "emulated", [OUT_DROPPED] = "dropped",
    [OUT_CONTAINED] = "contained", [OUT_BREACH] = "BREACH",
};

void attempt_begin(const char *fmt, ...)
{
	va_list ap;

	cur_attempt = next_attempt++;
	gprintf("attempt %u: ", cur_attempt);
	va_start(ap, fmt);
	gvprintf(fmt, ap);
	va_end(ap);
	gprintf("\n");
}

void attempt_end(enum outcome o, const char *fmt, ...)
{
	va_list ap;

	n_attempts++;
	if (o == OUT_BREACH)
		n_breaches++;
	else
		n_contained++;
	gprintf("result %u: %s: ", cur_attempt, outcome_words[o]);
	va_start(ap, fmt);
	gvprintf(fmt, ap);
	va_end(ap);
	gprintf("\n");
}

void attempt_renumber(unsigned n)
{
	next_attempt = n;
}

unsigned attempt_next(void)
{
	return next_attempt;
}

/* ---- fatal stages ---- */

struct stage {
	const char *name;
	void (*run)(void);
};

static void st_write_above_ram(void)
{
	attempt_begin("write 0x%08x just above its RAM end (0x%llx): another partition's or "
		      "the hypervisor's memory on the host",
		      0xbad0bad0u, (unsigned long long)boot.ram_end);
	hostile_phys_write(boot.ram_end, 0xbad0bad0u);
	attempt_end(OUT_BREACH, "the write at 0x%llx went through and the guest runs on",
		    (unsigned long long)boot.ram_end);
}

static void st_read_256m(void)
{
	uint32_t v;

	attempt_begin("read guest-physical 0x10000000 (256 MiB: where a small machine's other "
		      "partitions live)");
	v = hostile_phys_read(0x10000000u);
	attempt_end(OUT_BREACH, "read 0x%08x at 0x10000000 and ran on", v);
}

static void st_write_1g(void)
{
	attempt_begin("write guest-physical 0x40000000 (1 GiB)");
	hostile_phys_write(0x40000000u, 0xbad0bad0u);
	attempt_end(OUT_BREACH, "the write at 1 GiB went through");
}

static void st_read_4g(void)
{
	uint32_t v;

	attempt_begin("read guest-physical 0x100000000 (4 GiB, through PAE paging)");
	v = hostile_phys_read(0x100000000ULL);
	attempt_end(OUT_BREACH, "read 0x%08x at 4 GiB and ran on", v);
}

static void st_write_high(void)
{
	uint64_t pa = 1ULL << (hostile_maxphyaddr() - 1);

	attempt_begin("write guest-physical 0x%llx (the top half of MAXPHYADDR %u, through PAE "
		      "paging)",
		      (unsigned long long)pa, hostile_maxphyaddr());
	hostile_phys_write(pa, 0xbad0bad0u);
	attempt_end(OUT_BREACH, "the write at 0x%llx went through", (unsigned long long)pa);
}

/* Resets that must at most end this guest; when dropped the run goes on. */
static void st_reset_kbc(void)
{
	attempt_begin("reset through the keyboard controller: 0xfe to port 0x64");
	outb(0x64, 0xfe);
	tsc_delay_ms(10);
	attempt_end(OUT_DROPPED, "the guest and the machine run on (port 0x64 is not its device)");
}

static void st_reset_port92(void)
{
	attempt_begin("fast reset through port 0x92 (bit 0)");
	outb(0x92, inb(0x92) | 1);
	tsc_delay_ms(10);
	attempt_end(OUT_DROPPED, "the guest and the machine run on (port 0x92 is not its device)");
}

/*
 * An IDT inside the local APIC page, then an interrupt that arrives just
 * before a MOV: the CPU reads the gate from the emulated page while
 * delivering the interrupt.  The exit names the APIC page, but the MOV at
 * RIP made no access there: emulating it would carry out a write the guest
 * never made and skip an instruction it never ran.  The hypervisor must
 * stop the guest instead (it cannot deliver events through MMIO).
 */
static volatile uint32_t idt_marker;

static void st_idt_in_mmio(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) idtr = {0x7ff, LAPIC_BASE};

	attempt_begin("IDT in the local APIC page (IDTR base 0x%x), a self-IPI (vector 0x%x) "
		      "delivered just before a MOV",
		      LAPIC_BASE, VEC_FIXED);
	lapic_wr(LAPIC_SVR, LAPIC_SVR_ENABLE | 0xff);
	lapic_wr(LAPIC_ICR_LO, (1u << 18) | BIT(14) | VEC_FIXED); /* self, fixed */
	__asm__ volatile("lidt %0\n\t"
			 "sti\n\t"
			 "nop\n\t"
			 "movl $1, %1\n\t"
			 "movl $2, %1\n\t"
			 "cli"
			 : "+m"(idtr), "+m"(idt_marker)
			 :
			 : "memory");
	attempt_end(OUT_BREACH, "ran on after delivery through a gate in the APIC page (marker %u)",
		    idt_marker);
}

static void st_triple(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) empty = {0, 0};

	attempt_begin("triple fault: an empty IDT, then UD2 (resets a real machine)");
	__asm__ volatile("lidt %0; ud2" : : "m"(empty) : "memory");
	attempt_end(OUT_BREACH, "execution continued after a fault with an empty IDT");
}

static void st_reset_cf9(void)
{
	attempt_begin("full reset through the reset control register: 0x06 to port 0xcf9");
	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06);
	tsc_delay_ms(10);
	attempt_end(OUT_DROPPED, "the guest runs on after the reset write");
}

/* The chain, in order; each crash-like stop restarts the guest. */
static const struct stage stages[] = {
    {"write-above-ram", st_write_above_ram},
    {"read-256m", st_read_256m},
    {"write-1g", st_write_1g},
    {"read-4g", st_read_4g},
    {"write-high", st_write_high},
    {"reset-kbc", st_reset_kbc},
    {"reset-port92", st_reset_port92},
    {"idt-in-mmio", st_idt_in_mmio},
    {"triple-fault", st_triple},
    {"reset-cf9", st_reset_cf9},
};
#define NR_STAGES (sizeof(stages) / sizeof(stages[0]))

static uint32_t scratch_read(void)
{
	return mmio_read32(SCRATCH);
}

static void scratch_write(unsigned stage, unsigned next)
{
	mmio_write32(SCRATCH, SCRATCH_MAGIC | (next & 0xffffu) << SCRATCH_NEXT_SHIFT | stage);
}

/* The value of "key=" on the command line ("" when absent). */
static const char *cmdline_value(const char *key, char *buf, size_t size)
{
	size_t klen = 0, n = 0;
	const char *p = boot.cmdline;

	while (key[klen])
		klen++;
	buf[0] = '\0';
	for (; *p; p++) {
		if ((p == boot.cmdline || p[-1] == ' ') && memcmp(p, key, klen) == 0 &&
		    p[klen] == '=') {
			p += klen + 1;
			while (*p && *p != ' ' && n + 1 < size)
				buf[n++] = *p++;
			buf[n] = '\0';
			break;
		}
	}
	return buf;
}

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void summary_line(void)
{
	gprintf("SUMMARY: %u attempts, %u contained, %u breaches\n", n_attempts, n_contained,
		n_breaches);
}

static void run_nonfatal(void)
{
	hostile_irq_install();
	hostile_memory();
	hostile_ipis();
	hostile_devices();
	hostile_pic();
	hostile_msrs();
	hostile_ports();
	hostile_vmx();
	hostile_storm();
	hostile_cli_loop();
	hostile_host_alive();
	summary_line();
}

/* Run the chain from stage first; each stage records the next first. */
static __noreturn void run_chain(unsigned first)
{
	if (first == 0)
		hostile_leave_state();
	for (unsigned s = first; s < NR_STAGES; s++) {
		scratch_write(s + 1, attempt_next() + 1);
		gprintf("INFO fatal stage %u of %u: %s\n", s + 1, (unsigned)NR_STAGES,
			stages[s].name);
		stages[s].run();
	}
	gprintf("INFO every fatal stage done\n");
	summary_line();
	guest_exit(n_breaches);
}

/* A restarted run: the attempt that ended the last run stopped only it. */
static __noreturn void continue_chain(uint32_t scratch)
{
	unsigned stage = scratch & SCRATCH_STAGE_MASK;
	unsigned next = (scratch >> SCRATCH_NEXT_SHIFT) & 0xffffu;

	hostile_irq_install();
	attempt_renumber(next - 1);
	cur_attempt = next - 1;
	n_attempts = 0;
	attempt_end(OUT_CONTAINED, "it stopped this guest only; the hypervisor restarted it "
				   "(fresh run, RAM cleared)");
	attempt_renumber(next);
	if (stage == 1) /* the first restart: the state the first run left */
		hostile_check_left_state();
	run_chain(stage);
}

void guest_main(void)
{
	char fatal[32], skip[8];
	uint32_t scratch = scratch_read();

	tsc_khz = hv_present() ? cpuid(HV_CPUID_FREQ, 0).eax : 0;
	cmdline_value("fatal", fatal, sizeof(fatal));
	if (!fatal[0] && (scratch & SCRATCH_MAGIC_MASK) == SCRATCH_MAGIC &&
	    (scratch & SCRATCH_STAGE_MASK) > 0 && (scratch & SCRATCH_STAGE_MASK) <= NR_STAGES)
		continue_chain(scratch);
	if (!streq(cmdline_value("nonfatal", skip, sizeof(skip)), "skip"))
		run_nonfatal();
	if (!fatal[0])
		run_chain(0);
	if (streq(fatal, "none"))
		guest_exit(n_breaches);
	for (unsigned s = 0; s < NR_STAGES; s++) {
		if (streq(fatal, stages[s].name)) {
			stages[s].run();
			guest_exit(n_breaches);
		}
	}
	gprintf("FAIL cmdline: unknown fatal=%s\n", fatal);
	guest_exit(1);
}
