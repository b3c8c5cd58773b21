/*
 * guest_console.c - what guests print on their COM1 (vmx/io.c) or through
 * HC_CONSOLE_WRITE: collected per guest and printed a whole line at a time
 * as "NAME: text", so lines of different guests and of the hypervisor
 * never interleave (printk emits each call under one lock).
 */
#include <hv/guest.h>
#include <hv/printk.h>

static void console_emit_locked(struct guest *g)
{
	struct guest_console *c = &g->console;

	printk("%s: %.*s\n", g->name, (int)c->len, c->line);
	c->len = 0;
}

void guest_console_putc(struct guest *g, char ch)
{
	struct guest_console *c = &g->console;

	spin_lock(&c->lock);
	if (ch == '\n') {
		console_emit_locked(g);
	} else if (ch != '\r') {
		/* control bytes would reach the operator's terminal: show '?' */
		if ((unsigned char)ch < 0x20 && ch != '\t')
			ch = '?';
		c->line[c->len++] = ch;
		if (c->len == sizeof(c->line))
			console_emit_locked(g);
	}
	spin_unlock(&c->lock);
}

void guest_console_flush(struct guest *g)
{
	struct guest_console *c = &g->console;

	spin_lock(&c->lock);
	if (c->len)
		console_emit_locked(g);
	spin_unlock(&c->lock);
}
