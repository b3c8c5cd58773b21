/*
 * printk.c - the hypervisor's log: formatting, levels, one console lock,
 * and panic().
 *
 * Each call formats into a buffer on its own stack and hands the finished
 * text to the console under one lock, so lines from different CPUs never
 * interleave.  The lock word IS the holder's CPU number: a fault taken while
 * this CPU is printing (the exception handler prints too) writes without the
 * lock instead of deadlocking on itself, and a CPU stopped by
 * smp_stop_others() releases the lock it holds (console_unlock_if_held).
 */
#include <hv/arch.h>
#include <hv/cpu.h>
#include <hv/lib.h>
#include <hv/printk.h>
#include <arch/cpu.h>
#include <arch/msr.h>

#define PRINTK_BUF   512
#define NO_CPU	     (-1)
#define CONSOLE_FREE (-2)
#define PANIC_NOBODY (-100)

int log_level = LOG_INFO;

/* In .data: boot/mb2_entry.S writes it before it clears .bss. */
uint64_t hv_start_tsc __section(".data") = 0;

static void (*console_write)(const char *s, size_t len);
/* Timestamps on; and whether the next byte written starts a line (both
 * only touched under the console lock). */
static bool console_timestamps;
static bool console_at_line_start = true;
/*
 * The console lock: CONSOLE_FREE, or the number of the CPU holding it
 * (NO_CPU for a CPU that has no number yet, i.e. the BSP before
 * arch_cpu_init).  Taking the lock and recording the owner are ONE
 * compare-exchange, and releasing is one store: there is no instant at
 * which a CPU holds the lock without being recorded as its owner, or is
 * recorded without holding it.  That matters because smp_stop_others()
 * halts CPUs with an NMI at an arbitrary instruction: the stopped CPU calls
 * console_unlock_if_held(), which must see every lock it holds, or the
 * printk in panic()/power_off() after the stop would spin forever.  (A
 * ticket lock plus a separate owner variable had two such windows: after
 * the ticket came up and before the owner was written, and after the owner
 * was cleared and before the ticket advanced.)  The price is fairness: a
 * contended console is a test-and-set lock, acceptable for a log.
 */
static volatile int console_lock = CONSOLE_FREE;
static volatile int panic_owner = PANIC_NOBODY;

/*
 * The logical number of the calling CPU, or NO_CPU before arch_cpu_init()
 * has pointed GS at its struct percpu.  Reads the MSR instead of %gs:0
 * because before arch_cpu_init the GS base is whatever the loader left.
 */
static int console_cpu(void)
{
	uint64_t gs = rdmsr(MSR_GS_BASE);
	uint64_t base = (uint64_t)(uintptr_t)percpu;

	if (gs < base || gs >= base + sizeof(percpu) || (gs - base) % sizeof(struct percpu))
		return NO_CPU;
	return (int)((gs - base) / sizeof(struct percpu));
}

void console_set_output(void (*write)(const char *s, size_t len))
{
	console_write = write;
}

static void console_lock_take(int me)
{
	for (;;) {
		int expected = CONSOLE_FREE;

		if (__atomic_compare_exchange_n(&console_lock, &expected, me, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		while (__atomic_load_n(&console_lock, __ATOMIC_RELAXED) != CONSOLE_FREE)
			__builtin_ia32_pause();
	}
}

static void console_lock_release(void)
{
	__atomic_store_n(&console_lock, CONSOLE_FREE, __ATOMIC_RELEASE);
}

void console_set_timestamps(bool on)
{
	console_timestamps = on;
}

/*
 * Write s line by line, each line that starts here (and is not empty)
 * behind "[TICKS] ".  One TSC reading for the whole call: it is one
 * printk, assembled before it was handed over.  Under the console lock.
 */
static void console_write_stamped(const char *s, size_t len)
{
	char stamp[32];
	int n = snprintf(stamp, sizeof(stamp), "[%12llu] ",
			 (unsigned long long)(rdtsc() - hv_start_tsc));

	for (size_t i = 0, end; i < len; i = end) {
		for (end = i; end < len && s[end] != '\n'; end++)
			;
		if (end < len)
			end++; /* the line's newline */
		if (console_at_line_start && s[i] != '\n' && n > 0)
			console_write(stamp, (size_t)n);
		console_write(s + i, end - i);
		console_at_line_start = s[end - 1] == '\n';
	}
}

static void console_emit(const char *s, size_t len)
{
	int me = console_cpu();
	bool nested = me != NO_CPU && __atomic_load_n(&console_lock, __ATOMIC_RELAXED) == me;

	if (!nested)
		console_lock_take(me);
	if (console_write && console_timestamps)
		console_write_stamped(s, len);
	else if (console_write)
		console_write(s, len);
	if (!nested)
		console_lock_release();
}

void console_unlock_if_held(void)
{
	int me = console_cpu();

	if (me != NO_CPU && __atomic_load_n(&console_lock, __ATOMIC_RELAXED) == me)
		console_lock_release();
}

/* Format after a prefix of pre bytes already in buf; mark truncation. */
static size_t format_into(char *buf, size_t pre, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf + pre, PRINTK_BUF - pre, fmt, ap);
	size_t len;

	if (n < 0)
		return pre;
	len = pre + (size_t)n;
	if (len >= PRINTK_BUF) {
		len = PRINTK_BUF - 1;
		memcpy(buf + len - 4, "...\n", 4);
	}
	return len;
}

void vprintk(const char *fmt, va_list ap)
{
	char buf[PRINTK_BUF];

	console_emit(buf, format_into(buf, 0, fmt, ap));
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void hv_log(int level, const char *fmt, ...)
{
	char buf[PRINTK_BUF];
	va_list ap;
	size_t len;

	if (level > log_level)
		return;
	memcpy(buf, "hv: ", 4);
	va_start(ap, fmt);
	len = format_into(buf, 4, fmt, ap);
	va_end(ap);
	console_emit(buf, len);
}

/*
 * panic - see printk.h.  The first CPU to panic stops the others; a CPU
 * that panics while another already is only prints and halts; a panic
 * inside panic (say, in smp_stop_others) halts at once.
 */
void panic(const char *fmt, ...)
{
	char buf[PRINTK_BUF];
	int me = console_cpu();
	int expected = PANIC_NOBODY;
	bool first;
	va_list ap;
	size_t len;

	irq_disable();
	first = __atomic_compare_exchange_n(&panic_owner, &expected, me, false, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE);
	if (!first && expected == me)
		cpu_halt_forever();
	len = (size_t)snprintf(buf, PRINTK_BUF, "hv: PANIC: cpu %d: ", me);
	va_start(ap, fmt);
	len = format_into(buf, len, fmt, ap);
	va_end(ap);
	if (len > 0 && buf[len - 1] != '\n' && len < PRINTK_BUF - 1)
		buf[len++] = '\n';
	console_emit(buf, len);
	if (first)
		smp_stop_others();
	cpu_halt_forever();
}
