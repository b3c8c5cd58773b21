/*
 * vdev_lapic_timer.c - the virtual local APIC timer (SDM Vol. 3A 11.5.4):
 * one-shot, periodic and TSC-deadline modes as pure functions of guest time.
 *
 * One-shot/periodic: the count runs at cfg.timer_hz / divisor.  Instead of
 * decrementing anything, the model remembers a base (time base_ns at which
 * the count was base_count) and derives the current count and every expiry
 * from it: expiry k (k = 1, 2, ...) happens when base_count + (k - 1) *
 * initial ticks have elapsed, so periodic ticks keep their phase however
 * late vlapic_tick() is called.  Ticks missed between two calls are
 * coalesced into one interrupt, as on hardware (one IRR bit), and counted in
 * timer.coalesced; none is lost or raised twice.  Writing the divide
 * register or switching one-shot <-> periodic re-bases at the current count.
 *
 * TSC-deadline: IA32_TSC_DEADLINE holds a guest TSC value; guest TSC =
 * cfg.tsc_offset + now * cfg.tsc_hz / 1e9.  The timer fires once when the
 * TSC reaches it and clears the MSR (11.5.4.1).
 *
 * A masked LVT timer keeps counting and reloading; it just sets no IRR bit.
 */
#include "vdev_lapic_internal.h"

/*
 * a * b / c, rounded down or up, saturating at UINT64_MAX.  The product is
 * 128 bits wide; the division is done by shift-and-subtract so that the
 * freestanding build needs no libgcc helper.
 */
static uint64_t mul_div(uint64_t a, uint64_t b, uint64_t c, bool round_up)
{
	unsigned __int128 p = (unsigned __int128)a * b;
	uint64_t hi = (uint64_t)(p >> 64), lo = (uint64_t)p, q = 0;

	if (hi >= c)
		return UINT64_MAX;
	for (int i = 63; i >= 0; i--) {
		bool carry = hi >> 63;

		hi = (hi << 1) | (lo >> 63);
		lo <<= 1;
		if (carry || hi >= c) {
			hi -= c;
			q |= BIT(i);
		}
	}
	if (round_up && hi) {
		if (q == UINT64_MAX)
			return UINT64_MAX;
		q++;
	}
	return q;
}

/* How old a periodic timer's base may get before it is moved (~4.3 s). */
#define VLAPIC_REBASE_NS BIT(32)

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static unsigned timer_mode(const struct vlapic *vl)
{
	return (vl->lvt[VLAPIC_LVT_TIMER] >> VLAPIC_TIMER_SHIFT) & 3;
}

/* Divide configuration bits 3,1:0 (11.5.4, figure 11-10): 0b111 = by 1,
 * otherwise 2 << value. */
static uint64_t timer_divisor(const struct vlapic *vl)
{
	uint32_t v = (vl->dcr & 3) | ((vl->dcr >> 1) & 4);

	return v == 7 ? 1 : 2ULL << v;
}

/* Count ticks elapsed since the base. */
static uint64_t ticks_since_base(const struct vlapic *vl, vdev_time_ns now)
{
	if (now <= vl->timer.base_ns)
		return 0;
	return mul_div(now - vl->timer.base_ns, vl->cfg.timer_hz, NSEC_PER_SEC * timer_divisor(vl),
		       false);
}

/* Guest time at which ticks have elapsed since the base. */
static vdev_time_ns time_of_ticks(const struct vlapic *vl, uint64_t ticks)
{
	uint64_t ns = mul_div(ticks, NSEC_PER_SEC * timer_divisor(vl), vl->cfg.timer_hz, true);

	return sat_add(vl->timer.base_ns, ns);
}

/* Expiries that have happened by tick count e since the base. */
static uint64_t expiries_by(const struct vlapic *vl, uint64_t e)
{
	const struct vlapic_timer *t = &vl->timer;

	if (e < t->base_count)
		return 0;
	if (timer_mode(vl) != VLAPIC_TIMER_PERIOD)
		return 1;
	return sat_add((e - t->base_count) / t->initial, 1);
}

static void timer_fire(struct vlapic *vl)
{
	uint32_t lvt = vl->lvt[VLAPIC_LVT_TIMER];

	vl->timer.fired++;
	if (!(lvt & VLAPIC_LVT_MASKED))
		vlapic_accept(vl, lvt & VLAPIC_VECTOR_MASK, false);
}

/*
 * Move a periodic timer's base up to its latest expiry n, so that tick
 * counts since the base stay far below 2^64 however long the guest runs.
 * The expiry's time is rounded up to whole nanoseconds and the count there
 * taken from the old base, so at most 1 ns of phase is lost per re-base,
 * i.e. below 0.25 ppb at one re-base per VLAPIC_REBASE_NS.
 */
static void rebase_at_expiry(struct vlapic *vl, uint64_t n)
{
	struct vlapic_timer *t = &vl->timer;
	uint64_t last = sat_add(t->base_count, mul_div(n - 1, t->initial, 1, false));
	vdev_time_ns at = time_of_ticks(vl, last);

	t->base_count = vlapic_timer_current(vl, at);
	t->base_ns = at;
	t->expiries = 0;
}

/* Account count-mode expiries up to now (one interrupt for any number). */
static void count_update(struct vlapic *vl, vdev_time_ns now)
{
	struct vlapic_timer *t = &vl->timer;
	uint64_t n;

	if (!t->armed || timer_mode(vl) == VLAPIC_TIMER_TSCDL)
		return;
	n = expiries_by(vl, ticks_since_base(vl, now));
	if (n <= t->expiries)
		return;
	t->coalesced += n - t->expiries - 1;
	t->expiries = n;
	timer_fire(vl);
	if (timer_mode(vl) != VLAPIC_TIMER_PERIOD)
		t->armed = false;
	else if (now - t->base_ns >= VLAPIC_REBASE_NS)
		rebase_at_expiry(vl, n);
}

static vdev_time_ns tsc_to_ns(const struct vlapic *vl, uint64_t tsc)
{
	if (tsc <= vl->cfg.tsc_offset)
		return 0;
	return mul_div(tsc - vl->cfg.tsc_offset, NSEC_PER_SEC, vl->cfg.tsc_hz, true);
}

static void deadline_update(struct vlapic *vl, vdev_time_ns now)
{
	if (timer_mode(vl) != VLAPIC_TIMER_TSCDL || !vl->timer.deadline ||
	    now < tsc_to_ns(vl, vl->timer.deadline))
		return;
	vl->timer.deadline = 0;
	timer_fire(vl);
}

void vlapic_tick(struct vlapic *vl, vdev_time_ns now)
{
	count_update(vl, now);
	deadline_update(vl, now);
}

vdev_time_ns vlapic_next_deadline(const struct vlapic *vl, vdev_time_ns now)
{
	const struct vlapic_timer *t = &vl->timer;
	vdev_time_ns at;

	if (timer_mode(vl) == VLAPIC_TIMER_TSCDL) {
		if (!t->deadline)
			return VDEV_NEVER;
		at = tsc_to_ns(vl, t->deadline);
	} else {
		if (!t->armed)
			return VDEV_NEVER;
		/* Next expiry: base_count + expiries * initial ticks. */
		at = time_of_ticks(
		    vl, sat_add(t->base_count, mul_div(t->expiries, t->initial, 1, false)));
	}
	/* Already due (not yet ticked): due now.  Never VDEV_NEVER by accident. */
	return MIN(MAX(at, now), VDEV_NEVER - 1);
}

uint32_t vlapic_timer_current(const struct vlapic *vl, vdev_time_ns now)
{
	const struct vlapic_timer *t = &vl->timer;
	uint64_t e;

	if (!t->armed || timer_mode(vl) == VLAPIC_TIMER_TSCDL)
		return 0;
	e = ticks_since_base(vl, now);
	if (e < t->base_count)
		return (uint32_t)(t->base_count - e);
	if (timer_mode(vl) != VLAPIC_TIMER_PERIOD)
		return 0;
	return (uint32_t)(t->initial - (e - t->base_count) % t->initial);
}

/* Continue counting from the current count under new parameters. */
static void rebase(struct vlapic *vl, vdev_time_ns now)
{
	struct vlapic_timer *t = &vl->timer;

	if (!t->armed)
		return;
	t->base_count = vlapic_timer_current(vl, now);
	t->base_ns = now;
	t->expiries = 0;
}

void vlapic_timer_reset(struct vlapic *vl)
{
	vl->timer = (struct vlapic_timer){0};
}

void vlapic_timer_write_initial(struct vlapic *vl, uint32_t val, vdev_time_ns now)
{
	struct vlapic_timer *t = &vl->timer;

	/* Ignored in TSC-deadline mode (11.5.4.1). */
	if (timer_mode(vl) == VLAPIC_TIMER_TSCDL)
		return;
	count_update(vl, now); /* an expiry before this write still counts */
	t->initial = val;
	t->base_count = val;
	t->base_ns = now;
	t->expiries = 0;
	t->armed = val != 0; /* writing 0 stops the timer */
}

void vlapic_timer_write_dcr(struct vlapic *vl, uint32_t val, vdev_time_ns now)
{
	count_update(vl, now);
	rebase(vl, now);
	vl->dcr = val & (GENMASK(1, 0) | BIT(3));
}

/*
 * A timer LVT write.  Switching into or out of TSC-deadline mode disarms
 * the timer (11.5.4.1: the initial count and the deadline both read 0
 * afterwards); one-shot <-> periodic continues from the current count.
 * Mode 3 is reserved and behaves as one-shot.
 */
void vlapic_timer_write_lvt(struct vlapic *vl, uint32_t val, vdev_time_ns now)
{
	unsigned old = timer_mode(vl);
	unsigned nmode = (val >> VLAPIC_TIMER_SHIFT) & 3;

	vlapic_tick(vl, now); /* expiries before the write use the old entry */
	if ((old == VLAPIC_TIMER_TSCDL) != (nmode == VLAPIC_TIMER_TSCDL)) {
		vl->timer.initial = 0;
		vl->timer.armed = false;
		vl->timer.deadline = 0;
	} else if (old != nmode) {
		rebase(vl, now);
	}
	vl->lvt[VLAPIC_LVT_TIMER] = val;
}

uint64_t vlapic_timer_read_deadline(const struct vlapic *vl)
{
	return timer_mode(vl) == VLAPIC_TIMER_TSCDL ? vl->timer.deadline : 0;
}

/* Writes outside TSC-deadline mode are ignored; 0 disarms; a deadline
 * already passed fires at once (11.5.4.1). */
void vlapic_timer_write_deadline(struct vlapic *vl, uint64_t val, vdev_time_ns now)
{
	if (timer_mode(vl) != VLAPIC_TIMER_TSCDL)
		return;
	vl->timer.deadline = val;
	deadline_update(vl, now);
}
