/*
 * fuzz_runq.c - libFuzzer target for the run-queue policy (core/runq.c).
 *
 * The input is a slice length and a sequence of operations (add, remove,
 * block with any deadline, wake, pick, tick, stats) on up to
 * RUNQ_MAX_ENTITIES + 2 owners, with a clock that mostly moves forward a
 * little, sometimes jumps far, and sometimes goes backwards.  A model of
 * which owners are queued decides the expected return code of each call.
 * After every operation: exactly the modelled owners are queued (none
 * lost), at most one is RUNNING and it is ent[cur], credit stays within
 * [-q, q], every entity's run + wait + halt equals the time since it was
 * added, busy + idle equals the time since init, and no figure decreases.
 * After a pick: the owner returned is queued and RUNNING, the deadline is
 * in the future, and a lone runnable entity with no timers gets none.
 */
#include <stdlib.h>
#include <string.h>

#include <hv/runq.h>
#include "test.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOWNERS (RUNQ_MAX_ENTITIES + 2)

static struct runq rq;
static int owners[NOWNERS];
static bool present[NOWNERS];
static uint64_t added_at[NOWNERS];
static struct runq_stats last[NOWNERS];
static uint64_t t0, last_busy, last_idle;

/* Time steps: mostly below a slice, sometimes far, sometimes backwards. */
static uint64_t next_time(struct input *in, uint64_t now)
{
	uint8_t mode = (uint8_t)take(in, 1);

	uint64_t step;

	if (mode < 200)
		return now + take(in, 2) * 100; /* 0 .. 6.5 ms */
	if (mode < 240)
		return now + take(in, 4) * 1000; /* up to ~71 minutes */
	step = take(in, 2) * 100;
	return now - MIN(now, step); /* backwards: ignored by runq */
}

static uint64_t next_deadline(struct input *in, uint64_t now)
{
	uint8_t mode = (uint8_t)take(in, 1);
	uint64_t step;

	if (mode < 64)
		return RUNQ_NEVER;
	if (mode < 80) {
		step = take(in, 2);
		return now - MIN(now, step); /* already due */
	}
	return now + take(in, 3) * 10;
}

static void check_entity(int i, uint64_t now)
{
	struct runq_stats st;
	enum runq_status r = runq_stats(&rq, &owners[i], now, &st);
	int64_t q;

	if (!present[i]) {
		if (r != RUNQ_E_UNKNOWN)
			abort(); /* a removed or never-added owner is queued */
		return;
	}
	if (r != RUNQ_OK)
		abort(); /* entity lost */
	if (st.run_ns + st.wait_ns + st.halt_ns != now - added_at[i])
		abort();
	if (st.run_ns < last[i].run_ns || st.wait_ns < last[i].wait_ns ||
	    st.halt_ns < last[i].halt_ns || st.scheduled < last[i].scheduled ||
	    st.wakeups < last[i].wakeups)
		abort(); /* accounting went backwards */
	last[i] = st;
	q = 0;
	for (int s = 0; s < RUNQ_MAX_ENTITIES; s++)
		if (rq.ent[s].state != RUNQ_FREE && rq.ent[s].owner == &owners[i])
			q = (int64_t)(rq.slice_ns * rq.ent[s].weight);
	if (st.credit > q || st.credit < -q)
		abort();
}

static void check_all(void)
{
	uint64_t now = rq.now;
	uint32_t running = 0, queued = 0;

	for (int s = 0; s < RUNQ_MAX_ENTITIES; s++) {
		if (rq.ent[s].state == RUNQ_RUNNING) {
			running++;
			if (rq.cur != s)
				abort();
		}
		if (rq.ent[s].state != RUNQ_FREE)
			queued++;
	}
	if (running > 1 || (rq.cur >= 0 && running != 1) || queued != rq.count)
		abort();
	for (int i = 0; i < NOWNERS; i++)
		check_entity(i, now);
	if (rq.busy_ns + rq.idle_ns != now - t0 || rq.busy_ns < last_busy || rq.idle_ns < last_idle)
		abort();
	last_busy = rq.busy_ns;
	last_idle = rq.idle_ns;
}

static void check_pick(struct runq_next n)
{
	uint32_t runnable = 0, timers = 0;

	if (runq_need_pick(&rq))
		abort();
	if (n.deadline <= rq.now)
		abort(); /* a deadline already due would spin */
	if (!n.owner)
		return;
	if ((int *)n.owner < owners || (int *)n.owner >= owners + NOWNERS ||
	    !present[(int *)n.owner - owners] || rq.ent[rq.cur].owner != n.owner)
		abort();
	for (int s = 0; s < RUNQ_MAX_ENTITIES; s++) {
		runnable += rq.ent[s].state == RUNQ_WAITING || rq.ent[s].state == RUNQ_RUNNING;
		timers += rq.ent[s].state == RUNQ_BLOCKED && rq.ent[s].deadline != RUNQ_NEVER;
	}
	if (runnable == 1 && timers == 0 && n.deadline != RUNQ_NEVER)
		abort(); /* a lone entity (dedicated CPU) must get no timer */
	if (runnable > 1 && n.deadline > rq.now + rq.slice_ns)
		abort(); /* contended: the slice bounds the turn */
}

static void do_op(struct input *in, uint64_t *now)
{
	uint8_t op = (uint8_t)take(in, 1);
	int i = (int)(take(in, 1) % NOWNERS);
	enum runq_status r;

	*now = next_time(in, *now);
	switch (op % 7) {
	case 0: {
		uint32_t w = (uint32_t)take(in, 2) % (RUNQ_WEIGHT_MAX + 2);
		uint64_t eff = MAX(*now, rq.now);

		r = runq_add(&rq, &owners[i], w, *now);
		if (r == RUNQ_OK) {
			if (present[i] || w == 0 || w > RUNQ_WEIGHT_MAX)
				abort();
			present[i] = true;
			added_at[i] = eff;
			memset(&last[i], 0, sizeof(last[i]));
		} else if (!present[i] && w && w <= RUNQ_WEIGHT_MAX &&
			   rq.count < RUNQ_MAX_ENTITIES) {
			abort();
		}
		break;
	}
	case 1:
		r = runq_remove(&rq, &owners[i], *now);
		if ((r == RUNQ_OK) != present[i])
			abort();
		present[i] = false;
		break;
	case 2:
		r = runq_block(&rq, &owners[i], *now, next_deadline(in, MAX(*now, rq.now)));
		if ((r == RUNQ_OK) != present[i])
			abort();
		break;
	case 3:
		r = runq_wake(&rq, &owners[i], *now);
		if ((r == RUNQ_OK) != present[i])
			abort();
		break;
	case 4:
		check_pick(runq_tick(&rq, *now));
		break;
	default:
		check_pick(runq_pick(&rq, *now));
		break;
	}
	check_all();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	uint64_t slice = RUNQ_SLICE_MIN_NS + take(&in, 2) * 1000;
	uint64_t now = take(&in, 4);

	memset(present, 0, sizeof(present));
	if (runq_init(&rq, slice, now) != RUNQ_OK)
		abort();
	t0 = now;
	last_busy = last_idle = 0;
	for (int ops = 0; in.n && ops < 4096; ops++)
		do_op(&in, &now);
	return 0;
}
