/*
 * printk.c - the hypervisor's log: formatting, levels, one console lock,
 * and panic().
 *
 * Each call formats into a buffer on its own stack and hands the finished
 * text to the console under one lock, so lines from different CPUs never
 * interleave.  The lock remembers its holder: a fault taken while this CPU
 * is printing (the exception handler prints too) writes without the lock
 * instead of deadlocking on itself.
 */
#include <hv/arch.h>
#include <hv/cpu.h>
#include <hv/lib.h>
#include <hv/printk.h>
#include <hv/spinlock.h>
#include <arch/cpu.h>
#include <arch/msr.h>

#define PRINTK_BUF   512
#define NO_CPU	     (-1)
#define PANIC_NOBODY (-100)

int log_level = LOG_INFO;

static void (*console_write)(const char *s, size_t len);
static spinlock_t console_lock = SPINLOCK_INIT;
static volatile int console_owner = NO_CPU;
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

static void console_emit(const char *s, size_t len)
{
	int me = console_cpu();
	bool nested = me != NO_CPU && console_owner == me;

	if (!nested) {
		spin_lock(&console_lock);
		console_owner = me;
	}
	if (console_write)
		console_write(s, len);
	if (!nested) {
		console_owner = NO_CPU;
		spin_unlock(&console_lock);
	}
}

void console_unlock_if_held(void)
{
	int me = console_cpu();

	if (me != NO_CPU && console_owner == me) {
		console_owner = NO_CPU;
		spin_unlock(&console_lock);
	}
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
