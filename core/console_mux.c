/*
 * console_mux.c - the console input mux: routes each byte typed on the
 * hypervisor's UART to the focused guest or to the monitor, and interprets
 * the escape sequence that moves the focus.  Pure logic, no I/O; the
 * contract and the key map are in include/hv/console_mux.h.
 */
#include <hv/console_mux.h>
#include <hv/lib.h>

static bool escape_is_usable(uint8_t escape)
{
	/* printable bytes and line ends are ordinary input; NUL is what idle
	 * or broken lines deliver */
	return escape != 0 && escape != '\r' && escape != '\n' && (escape < 0x20 || escape == 0x7f);
}

void console_mux_init(struct console_mux *m, uint32_t guest_count, int focus, uint8_t escape)
{
	m->escape = escape_is_usable(escape) ? escape : CONSOLE_MUX_DEFAULT_ESCAPE;
	m->escape_pending = false;
	m->guest_count =
	    guest_count > CONSOLE_MUX_MAX_GUESTS ? CONSOLE_MUX_MAX_GUESTS : guest_count;
	m->focus = CONSOLE_MUX_MONITOR;
	console_mux_set_focus(m, focus);
}

int console_mux_focus(const struct console_mux *m)
{
	return m->focus;
}

bool console_mux_set_focus(struct console_mux *m, int target)
{
	if (target != CONSOLE_MUX_MONITOR && (target < 0 || (uint32_t)target >= m->guest_count))
		return false;
	m->focus = target;
	return true;
}

static struct console_mux_action mux_action(enum console_mux_kind kind, uint8_t byte, int target)
{
	struct console_mux_action a = {.kind = kind, .byte = byte, .target = target};

	return a;
}

/* Deliver byte to whatever has the focus. */
static struct console_mux_action mux_deliver(const struct console_mux *m, uint8_t byte)
{
	if (m->focus == CONSOLE_MUX_MONITOR)
		return mux_action(CONSOLE_MUX_TO_MONITOR, byte, CONSOLE_MUX_MONITOR);
	return mux_action(CONSOLE_MUX_TO_GUEST, byte, m->focus);
}

static struct console_mux_action mux_focus(struct console_mux *m, int target)
{
	m->focus = target;
	return mux_action(CONSOLE_MUX_FOCUS, 0, target);
}

/*
 * The cycle is monitor, guest 0, .., guest N-1, monitor: one step forward
 * (dir 1) or back (dir -1).  Positions: monitor 0, guest i at i+1.
 */
static struct console_mux_action mux_step(struct console_mux *m, int dir)
{
	int len = (int)m->guest_count + 1;
	int pos = m->focus + 1;

	pos = (pos + dir + len) % len;
	return mux_focus(m, pos - 1);
}

/* The key after the prefix. */
static struct console_mux_action mux_command(struct console_mux *m, uint8_t key)
{
	if (key == m->escape)
		return mux_deliver(m, key);
	switch (key) {
	case 'n':
	case 'N':
		return mux_step(m, 1);
	case 'p':
	case 'P':
		return mux_step(m, -1);
	case 'm':
	case 'M':
	case '0':
		return mux_focus(m, CONSOLE_MUX_MONITOR);
	case '?':
	case 'h':
	case 'H':
		return mux_action(CONSOLE_MUX_HELP, key, m->focus);
	default:
		break;
	}
	if (key >= '1' && key <= '9' && (uint32_t)(key - '1') < m->guest_count)
		return mux_focus(m, key - '1');
	return mux_action(CONSOLE_MUX_BAD_KEY, key, m->focus);
}

struct console_mux_action console_mux_feed(struct console_mux *m, uint8_t byte)
{
	if (m->escape_pending) {
		m->escape_pending = false;
		return mux_command(m, byte);
	}
	if (byte == m->escape) {
		m->escape_pending = true;
		return mux_action(CONSOLE_MUX_NONE, byte, m->focus);
	}
	return mux_deliver(m, byte);
}

const char *console_mux_format_key(uint8_t byte, char *buf, size_t size)
{
	if (byte == 0x7f)
		snprintf(buf, size, "DEL");
	else if (byte < 0x20)
		snprintf(buf, size, "Ctrl-%c", byte + '@');
	else if (byte < 0x7f)
		snprintf(buf, size, "'%c'", byte);
	else
		snprintf(buf, size, "0x%02x", byte);
	return buf;
}

int console_mux_format_focus(const struct console_mux *m, const char *name, char *buf, size_t size)
{
	char key[16];

	console_mux_format_key(m->escape, key, sizeof(key));
	if (m->focus == CONSOLE_MUX_MONITOR)
		return snprintf(buf, size, "hv: console: input to the monitor (%s ? for help)",
				key);
	if (name)
		return snprintf(buf, size, "hv: console: input to guest %s (%s ? for help)", name,
				key);
	return snprintf(buf, size, "hv: console: input to guest %d (%s ? for help)", m->focus + 1,
			key);
}

int console_mux_format_bad_key(const struct console_mux *m, uint8_t key, char *buf, size_t size)
{
	char esc[16], k[16];

	console_mux_format_key(m->escape, esc, sizeof(esc));
	console_mux_format_key(key, k, sizeof(k));
	if (key >= '1' && key <= '9')
		return snprintf(buf, size, "hv: console: no guest %c (%u guests; %s ? for help)",
				key, m->guest_count, esc);
	return snprintf(buf, size, "hv: console: %s %s is not a console command (%s ? for help)",
			esc, k, esc);
}

bool console_mux_help_line(const struct console_mux *m, uint32_t i, char *buf, size_t size)
{
	char key[16];

	console_mux_format_key(m->escape, key, sizeof(key));
	switch (i) {
	case 0:
		snprintf(buf, size, "hv: console keys: %s then", key);
		break;
	case 1:
		snprintf(buf, size, "  n / p     next / previous (monitor, guest 1, .., guest %u)",
			 m->guest_count);
		break;
	case 2:
		snprintf(buf, size, "  1..9      guest 1..9 (numbers as in the monitor's list)");
		break;
	case 3:
		snprintf(buf, size, "  m or 0    the hypervisor monitor");
		break;
	case 4:
		snprintf(buf, size, "  %-9s send %s itself to the focused guest", key, key);
		break;
	case 5:
		snprintf(buf, size, "  ? or h    this help");
		break;
	default:
		return false;
	}
	return true;
}
