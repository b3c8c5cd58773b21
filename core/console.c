/*
 * console.c - the operator's console input: the host UART's bytes, through
 * the escape mux (core/console_mux.c), to the focused guest's COM1 or to
 * the monitor (core/monitor.c), whose operations act on the real guests.
 *
 * Where the bytes come from (docs/console.md "How input flows"):
 *   - the UART's received-data interrupt, ISA IRQ 4 (COM1/COM3) or 3
 *     (COM2/COM4), routed through the IOAPIC (MADT interrupt source
 *     overrides honoured) to the CPU that called console_init, the
 *     bootstrap CPU.  When that CPU runs a guest, the interrupt makes the
 *     guest exit (external-interrupt exit) and the handler runs in the
 *     host's interrupt window.
 *   - without an IOAPIC or a known IRQ (a PCI UART): a 100 Hz timer polls
 *     the UART, the bootstrap CPU's LAPIC timer in periodic mode when that
 *     CPU runs no guest (its LAPIC timer then serves nobody else).
 * Both end in console_service(), always on that one CPU with interrupts
 * off, so the ring, the mux and the monitor need no lock.
 *
 * Flow control, nothing lost silently: a byte the focused guest's receive
 * FIFO refuses (vplatform_uart_input() false) is held and offered again on
 * every tick of a retry timer (the PIT's channel 0, IRQ 0, through the
 * IOAPIC; the polling timer in polling mode) until the guest takes it.
 * Meanwhile later bytes wait in the ring; when it is full the UART is no
 * longer read (its own FIFO holds more, and RTS drops for senders that
 * honour it).  A guest that takes nothing for CONSOLE_STALL_MS gets its
 * pending input dropped with a message saying how much, so the escape
 * sequence behind it still reaches the hypervisor.
 *
 * Output: the monitor prints through printk like everyone else.  The
 * console's output hook (between printk and the UART, under printk's lock)
 * remembers the monitor's open line (prompt plus what is typed); a line
 * from anyone else first ends that line, then the monitor's line is shown
 * again below it, so a guest's line and the monitor's never mix.
 */
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/console_mux.h>
#include <hv/cpu.h>
#include <hv/guest.h>
#include <hv/ioapic.h>
#include <hv/lib.h>
#include <hv/monitor.h>
#include <hv/platform.h>
#include <hv/power.h>
#include <hv/printk.h>
#include <hv/serial.h>
#include <hv/vplatform.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/io.h>
#include "vmx/vmcs_fields.h"

#define CONSOLE_UART_VEC 0xe8 /* the UART's received-data interrupt */
#define CONSOLE_TICK_VEC 0xe9 /* retry (and polling) timer */
#define CONSOLE_RING	 512  /* bytes read from the UART, not yet delivered */
#define CONSOLE_TICK_HZ	 100
#define CONSOLE_STALL_MS 2000 /* a guest that takes no input this long loses it */
#define SHADOW_MAX	 (MONITOR_LINE_MAX + 8)
#define NO_CPU		 (-1)

/* 8254 PIT channel 0 as a rate generator (mode 2), 8254 data sheet. */
#define PIT_CH0		  0x40
#define PIT_CMD		  0x43
#define PIT_CMD_CH0_MODE2 0x34 /* channel 0, lobyte/hibyte, mode 2, binary */
#define PIT_HZ		  1193182u
#define PIT_IRQ		  0

enum con_rx { CON_RX_NONE = 0, CON_RX_IRQ, CON_RX_POLL };
enum con_tick { CON_TICK_NONE = 0, CON_TICK_PIT, CON_TICK_LAPIC };
/* Who is printing on the console CPU: the output hook treats them apart. */
enum con_writer { CON_W_OTHER = 0, CON_W_MONITOR, CON_W_CLOSE };

static struct console_mux mux;
static struct monitor mon;
static bool con_ready;
static enum con_rx rx_mode;
static enum con_tick tick_mode;
static bool tick_running;
static int con_cpu = NO_CPU; /* the CPU that takes the input */

/* ring[head..tail) modulo CONSOLE_RING; touched only on con_cpu */
static uint8_t ring[CONSOLE_RING];
static uint32_t ring_head, ring_tail;

/* a guest's byte its FIFO refused, offered again on each tick */
static struct console_mux_action held;
static bool holding;
static uint64_t held_since; /* TSC */
/* after a stall: that guest's input is dropped and counted until the
 * ring is empty or the focus moves */
static int discard_guest = CONSOLE_MUX_MONITOR;
static uint32_t discarded;

static bool prompt_shown; /* the monitor's prompt shown since it got the focus */
static bool drop_noted;	  /* "guest X is stopped" said since the focus moved */

/* The output hook's state, under printk's console lock. */
static volatile int writer_cpu = NO_CPU;
static volatile enum con_writer writer_kind;
static char shadow[SHADOW_MAX]; /* the monitor's open line as shown */
static uint32_t shadow_len;
static bool redraw_pending; /* another writer left a line open */

/* ---- output ---- */

/* Track what the monitor's open line shows: prompt, echo, "\b \b". */
static void shadow_track(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			shadow_len = 0;
		else if (s[i] == '\b')
			shadow_len -= shadow_len ? 1 : 0;
		else if (shadow_len < SHADOW_MAX)
			shadow[shadow_len++] = s[i];
	}
}

/* printk's output while console input is on; printk's lock is held. */
static void console_out(const char *s, size_t len)
{
	enum con_writer kind = CON_W_OTHER;

	if (writer_cpu != NO_CPU && writer_cpu == (int)this_cpu()->cpu_id)
		kind = writer_kind;
	if (kind == CON_W_MONITOR) {
		if (redraw_pending)
			serial_write("\n", 1);
		if (redraw_pending && shadow_len)
			serial_write(shadow, shadow_len);
		redraw_pending = false;
		serial_write(s, len);
		shadow_track(s, len);
		return;
	}
	if (shadow_len && !redraw_pending)
		serial_write("\n", 1); /* end the monitor's line first */
	serial_write(s, len);
	if (kind == CON_W_CLOSE) {
		shadow_len = 0;
		redraw_pending = false;
		return;
	}
	if (!shadow_len)
		return;
	redraw_pending = !len || s[len - 1] != '\n';
	if (!redraw_pending)
		serial_write(shadow, shadow_len);
}

static void con_vprint(enum con_writer kind, const char *fmt, va_list ap)
{
	writer_kind = kind;
	writer_cpu = (int)this_cpu()->cpu_id;
	vprintk(fmt, ap);
	writer_cpu = NO_CPU;
}

/* The monitor's print operation. */
static __printf(2, 3) void mon_print(void *ctx, const char *fmt, ...)
{
	va_list ap;

	(void)ctx;
	va_start(ap, fmt);
	con_vprint(CON_W_MONITOR, fmt, ap);
	va_end(ap);
}

/* A console notice that ends the monitor's line for good (focus moves). */
static __printf(1, 2) void con_close_print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	con_vprint(CON_W_CLOSE, fmt, ap);
	va_end(ap);
}

/* ---- the monitor's operations over guests[] ---- */

static struct guest *mon_guest_at(uint32_t idx)
{
	if (idx >= guest_count || guests[idx].state == GUEST_EMPTY)
		return NULL;
	return &guests[idx];
}

static uint32_t op_guest_count(void *ctx)
{
	(void)ctx;
	return guest_count;
}

static bool op_guest_info(void *ctx, uint32_t idx, struct monitor_guest_info *out)
{
	static char cpus[64]; /* used by the caller before the next call */
	struct guest *g = mon_guest_at(idx);

	(void)ctx;
	if (!g)
		return false;
	config_format_cpus(g->cfg->cpus, cpus, sizeof(cpus));
	out->name = g->name;
	out->state = part_state_name(g);
	out->cpus = cpus;
	out->mem_bytes = g->mem_size;
	out->uptime_ns = part_uptime_ns(g);
	out->exits = 0;
	for (uint32_t r = 0; r < GUEST_EXIT_COUNTERS; r++)
		out->exits += g->exits[r];
	return true;
}

static const char *op_start(void *ctx, uint32_t idx)
{
	struct guest *g = mon_guest_at(idx);

	(void)ctx;
	return g ? part_op_start(g) : "no such guest";
}

static const char *op_stop(void *ctx, uint32_t idx)
{
	struct guest *g = mon_guest_at(idx);

	(void)ctx;
	return g ? part_op_stop(g) : "no such guest";
}

static const char *op_restart(void *ctx, uint32_t idx)
{
	struct guest *g = mon_guest_at(idx);

	(void)ctx;
	return g ? part_op_restart(g) : "no such guest";
}

static const char *op_exit_counts(void *ctx, uint32_t idx, const uint64_t **counts, uint32_t *n)
{
	static uint64_t snap[GUEST_EXIT_COUNTERS]; /* one consistent-enough copy */
	struct guest *g = mon_guest_at(idx);

	(void)ctx;
	if (!g)
		return "no such guest";
	memcpy(snap, g->exits, sizeof(snap));
	*counts = snap;
	*n = GUEST_EXIT_COUNTERS;
	return NULL;
}

static const char *op_exit_name(void *ctx, uint32_t reason)
{
	const char *name = vmx_exit_reason_name(reason);

	(void)ctx;
	return strcmp(name, "unknown") == 0 ? NULL : name;
}

/* Per vCPU: where it runs, its exits and, on a shared CPU, its share
 * (core/sched.c). */
static bool op_vcpu_line(void *ctx, uint32_t idx, uint32_t i, char *buf, size_t len)
{
	struct guest *g = mon_guest_at(idx);
	uint64_t exits = 0;
	char sched[96];
	const struct vcpu *v;

	(void)ctx;
	if (!g || i >= g->vcpu_count)
		return false;
	v = &g->vcpus[i];
	for (uint32_t r = 0; r < GUEST_EXIT_COUNTERS; r++)
		exits += v->exits[r];
	sched_format_stats(v, sched, sizeof(sched));
	snprintf(buf, len, "vcpu %u (cpu %u): %llu exits; %s", i, v->pcpu,
		 (unsigned long long)exits, sched);
	return true;
}

static const char *op_poweroff(void *ctx)
{
	(void)ctx;
	power_off();
}

static const char *op_reboot(void *ctx)
{
	(void)ctx;
	power_reboot();
}

static const struct monitor_ops mon_ops = {
    .ctx = NULL,
    .print = mon_print,
    .guest_count = op_guest_count,
    .guest_info = op_guest_info,
    .start = op_start,
    .stop = op_stop,
    .restart = op_restart,
    .exit_counts = op_exit_counts,
    .exit_name = op_exit_name,
    .vcpu_line = op_vcpu_line,
    .poweroff = op_poweroff,
    .reboot = op_reboot,
};

/* ---- delivering what the mux decided ---- */

static uint64_t tsc_ms(uint64_t ticks)
{
	return tsc_hz ? ticks / (tsc_hz / 1000 ? tsc_hz / 1000 : 1) : 0;
}

static void con_focus_notice(void)
{
	char buf[128];
	int focus = console_mux_focus(&mux);
	struct guest *g = focus >= 0 ? mon_guest_at((uint32_t)focus) : NULL;

	console_mux_format_focus(&mux, g ? g->name : NULL, buf, sizeof(buf));
	con_close_print("%s\n", buf);
	drop_noted = false;
	prompt_shown = focus == CONSOLE_MUX_MONITOR;
	if (prompt_shown)
		monitor_prompt(&mon);
}

static void con_help(void)
{
	char buf[128];

	for (uint32_t i = 0; console_mux_help_line(&mux, i, buf, sizeof(buf)); i++)
		printk("%s\n", buf);
}

/* The end of a discard: say how much was dropped. */
static void con_discard_end(void)
{
	if (discard_guest != CONSOLE_MUX_MONITOR && discarded)
		pr_warn("console: guest %s took no input for %u ms: %u typed bytes dropped\n",
			guests[discard_guest].name, CONSOLE_STALL_MS, discarded);
	discard_guest = CONSOLE_MUX_MONITOR;
	discarded = 0;
}

/* A byte for guest number target; false when its FIFO is full (held). */
static bool con_to_guest(const struct console_mux_action *a)
{
	struct guest *g = mon_guest_at((uint32_t)a->target);

	if (a->target == discard_guest) {
		discarded++;
		return true;
	}
	if (!g || g->state != GUEST_RUNNING) {
		if (!drop_noted)
			pr_warn("console: guest %s is %s: input dropped (Ctrl-T m: monitor)\n",
				g ? g->name : "?", g ? part_state_name(g) : "gone");
		drop_noted = true;
		return true;
	}
	return vplatform_uart_input(g, a->byte);
}

/* Carry out one action of the mux; false when a guest refused the byte. */
static bool con_act(const struct console_mux_action *a)
{
	char buf[128];

	switch (a->kind) {
	case CONSOLE_MUX_TO_GUEST:
		return con_to_guest(a);
	case CONSOLE_MUX_TO_MONITOR:
		if (!prompt_shown)
			monitor_prompt(&mon);
		prompt_shown = true;
		monitor_feed(&mon, a->byte);
		return true;
	case CONSOLE_MUX_FOCUS:
		con_discard_end();
		con_focus_notice();
		return true;
	case CONSOLE_MUX_HELP:
		con_help();
		return true;
	case CONSOLE_MUX_BAD_KEY:
		console_mux_format_bad_key(&mux, a->byte, buf, sizeof(buf));
		printk("%s\n", buf);
		return true;
	case CONSOLE_MUX_NONE:
	default:
		return true;
	}
}

/* Offer the held byte again; after CONSOLE_STALL_MS give up on that guest. */
static bool con_retry_held(void)
{
	if (!holding)
		return true;
	if (con_act(&held)) {
		holding = false;
		return true;
	}
	if (tsc_ms(rdtsc() - held_since) < CONSOLE_STALL_MS)
		return false;
	holding = false;
	discard_guest = held.target;
	discarded = 1;
	return true;
}

/* Deliver from the ring until it is empty or a guest refuses a byte. */
static void con_drain(void)
{
	if (!con_retry_held())
		return;
	while (ring_head != ring_tail) {
		uint8_t b = ring[ring_head % CONSOLE_RING];
		struct console_mux_action a;

		ring_head++;
		a = console_mux_feed(&mux, b);
		if (!con_act(&a)) {
			held = a;
			holding = true;
			held_since = rdtsc();
			pr_debug("console: guest %s: receive FIFO full, input held\n",
				 guests[a.target].name);
			return;
		}
	}
}

/* Read the UART into the ring while there is room (RTS off when full);
 * returns the number of bytes read. */
static uint32_t con_fill(void)
{
	uint32_t n = 0;

	while (ring_tail - ring_head < CONSOLE_RING) {
		int c = serial_getc();

		if (c < 0) {
			serial_rx_hold(false);
			return n;
		}
		ring[ring_tail % CONSOLE_RING] = (uint8_t)c;
		ring_tail++;
		n++;
	}
	serial_rx_hold(true);
	return n;
}

/* ---- the timer: retry held input, or poll the UART ---- */

static void con_tick_set(bool on)
{
	uint32_t dest = percpu[con_cpu].apic_id;

	if (on == tick_running || tick_mode == CON_TICK_NONE)
		return;
	tick_running = on;
	if (tick_mode == CON_TICK_PIT) {
		ioapic_route_isa(&hv_platform, PIT_IRQ, CONSOLE_TICK_VEC, dest, !on, NULL);
	} else if (on) {
		lapic_write(APIC_TIMER_DCR, APIC_TIMER_DIV_1);
		lapic_write(APIC_LVT_TIMER, APIC_LVT_TIMER_PERIODIC | CONSOLE_TICK_VEC);
		lapic_write(APIC_TIMER_ICR, (uint32_t)(lapic_timer_hz / CONSOLE_TICK_HZ));
	} else {
		lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | CONSOLE_TICK_VEC);
		lapic_write(APIC_TIMER_ICR, 0);
	}
}

/* Read, deliver, and keep the timer running for as long as it is needed. */
static void console_service(void)
{
	con_drain();
	if (!holding && con_fill() == 0 && ring_head == ring_tail)
		con_discard_end(); /* the typing into a deaf guest has stopped */
	con_drain();
	if (holding)
		serial_rx_hold(true);
	con_tick_set(rx_mode == CON_RX_POLL || holding || ring_head != ring_tail ||
		     discard_guest != CONSOLE_MUX_MONITOR);
}

static void con_irq(uint8_t vector)
{
	(void)vector;
	console_service();
	lapic_eoi();
}

/* ---- setting up ---- */

/* Whether the guest placement leaves this CPU's LAPIC timer to us. */
static bool con_cpu_runs_guest(void)
{
	for (uint32_t i = 0; i < guest_count; i++)
		for (uint32_t v = 0; v < guests[i].vcpu_count; v++)
			if ((int)guests[i].vcpus[v].pcpu == con_cpu)
				return true;
	return false;
}

/* The PIT's channel 0 at CONSOLE_TICK_HZ, its IRQ routed but masked. */
static bool con_pit_tick(uint32_t dest)
{
	uint32_t count = PIT_HZ / CONSOLE_TICK_HZ;

	if (!ioapic_route_isa(&hv_platform, PIT_IRQ, CONSOLE_TICK_VEC, dest, true, NULL))
		return false;
	outb(PIT_CMD, PIT_CMD_CH0_MODE2);
	outb(PIT_CH0, count & 0xff);
	outb(PIT_CH0, (count >> 8) & 0xff);
	return true;
}

/* Why the UART's IRQ cannot reach us (irq < 0: the port has no ISA IRQ). */
static const char *con_no_irq_why(int irq)
{
	if (irq < 0)
		return "no ISA IRQ";
	return hv_platform.ioapic_count ? "no IOAPIC route for its IRQ" : "no IOAPIC";
}

/* Choose how input arrives; false (printed) when it cannot. */
static bool con_choose_source(uint16_t port)
{
	uint32_t dest = percpu[con_cpu].apic_id, gsi = 0;
	int irq = serial_isa_irq(port);

	if (irq >= 0 &&
	    ioapic_route_isa(&hv_platform, (uint8_t)irq, CONSOLE_UART_VEC, dest, true, &gsi)) {
		rx_mode = CON_RX_IRQ;
		tick_mode = con_pit_tick(dest) ? CON_TICK_PIT : CON_TICK_NONE;
		pr_info("console: input from port %#x by IRQ %d (GSI %u) on cpu %d%s\n", port, irq,
			gsi, con_cpu, tick_mode ? "" : "; no retry timer for a full guest FIFO");
		return true;
	}
	if (con_cpu_runs_guest() || !lapic_timer_hz) {
		pr_warn("console: no input: port %#x: %s, and cpu %d has no timer to poll it\n",
			port, con_no_irq_why(irq), con_cpu);
		return false;
	}
	rx_mode = CON_RX_POLL;
	tick_mode = CON_TICK_LAPIC;
	pr_info("console: input from port %#x polled at %u Hz on cpu %d (%s)\n", port,
		CONSOLE_TICK_HZ, con_cpu, con_no_irq_why(irq));
	return true;
}

bool console_init(void)
{
	uint16_t port = serial_port();

	if (con_ready)
		return true;
	if (!port) {
		pr_warn("console: no input: no serial console\n");
		return false;
	}
	con_cpu = (int)this_cpu()->cpu_id;
	if (!con_choose_source(port))
		return false;
	console_mux_init(&mux, guest_count, CONSOLE_MUX_MONITOR, CONSOLE_MUX_DEFAULT_ESCAPE);
	monitor_init(&mon, &mon_ops);
	arch_set_irq_handler(CONSOLE_UART_VEC, con_irq);
	arch_set_irq_handler(CONSOLE_TICK_VEC, con_irq);
	console_set_output(console_out);
	con_ready = true;
	con_close_print("hv: console: input to the monitor (Ctrl-T ? for help; Enter for the "
			"prompt)\n");
	if (rx_mode == CON_RX_IRQ) {
		serial_rx_irq(true);
		ioapic_route_isa(&hv_platform, (uint8_t)serial_isa_irq(port), CONSOLE_UART_VEC,
				 percpu[con_cpu].apic_id, false, NULL);
	}
	/* Bytes typed before now raised no interrupt (the edge came while the
	 * entry was masked, or the UART's interrupt was off): take them now. */
	console_service();
	return true;
}

void console_stay(void)
{
	if (!console_init())
		return;
	pr_info("monitor: nothing runs; type help, poweroff or reboot\n");
	prompt_shown = true;
	monitor_prompt(&mon);
	for (;;)
		cpu_sti_hlt(); /* the console's interrupts do the work */
}
