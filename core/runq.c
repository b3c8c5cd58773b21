/*
 * runq.c - the per-physical-CPU run queue policy (include/hv/runq.h):
 * weighted round-robin with credits, as pure logic over a small array.
 *
 * Why deficit round-robin and not "slice = base x weight": both give exact
 * shares to CPU-bound entities, but a weight-3 entity would then hold the
 * CPU for 3 slices in a row, and an entity that halts early would lose the
 * rest of its turn with nothing to show for it.  With credits every turn is
 * at most one base slice (latency for the others stays one slice per
 * waiting entity), the quantum is spent over as many turns as needed, a
 * halted entity keeps what it did not use for its wake-up (which is what
 * lets a woken vCPU preempt without breaking shares), and a late preemption
 * exit is paid back as debt instead of drifting the shares.
 *
 * Invariants (checked by tests/fuzz_runq.c): at most one entity RUNNING and
 * it is ent[cur]; credit in [-q, q] with q = weight x slice; each entity's
 * run + wait + halt equals the time since it was added; busy + idle equals
 * the time since runq_init.  Every operation is O(RUNQ_MAX_ENTITIES).
 */
#include <hv/config.h>
#include <hv/lib.h>
#include <hv/printk.h>
#include <hv/runq.h>

compile_assert(RUNQ_WEIGHT_MAX == CONFIG_WEIGHT_MAX);
/* q = weight x slice and all credit arithmetic fit int64 with room to spare. */
#define RUNQ_QUANTUM_MAX (RUNQ_WEIGHT_MAX * RUNQ_SLICE_MAX_NS)
compile_assert(RUNQ_QUANTUM_MAX < (1ULL << 62));

static int64_t runq_quantum(const struct runq *rq, const struct runq_entity *e)
{
	return (int64_t)(rq->slice_ns * e->weight);
}

/* Slot of owner, -1 when not queued. */
static int runq_index(const struct runq *rq, const void *owner)
{
	if (!owner)
		return -1;
	for (int i = 0; i < RUNQ_MAX_ENTITIES; i++)
		if (rq->ent[i].state != RUNQ_FREE && rq->ent[i].owner == owner)
			return i;
	return -1;
}

static struct runq_entity *runq_find(struct runq *rq, const void *owner)
{
	int i = runq_index(rq, owner);

	return i < 0 ? NULL : &rq->ent[i];
}

/*
 * What running for delta costs cur: credit ns for ns.  Contended, down to
 * the debt floor -q (an overrun of more than a whole round, a hypervisor
 * hiccup, is forgiven).  Alone (nobody waiting), down to 0 only: running
 * on an otherwise idle CPU creates no debt, yet it is not free either,
 * otherwise a partner that halts for a moment now and then would hand this
 * entity free time and get less than its share while it is runnable.
 */
static int64_t runq_charge(const struct runq *rq, const struct runq_entity *e, uint64_t delta)
{
	int64_t floor = rq->cur_alone ? MIN(e->credit, 0) : -runq_quantum(rq, e);

	if (delta >= (uint64_t)(e->credit - floor))
		return floor;
	return e->credit - (int64_t)delta;
}

/* Account [rq->now, now) to the running entity or to idle.  Returns the
 * effective now: time never runs backwards. */
static uint64_t runq_advance(struct runq *rq, uint64_t now)
{
	struct runq_entity *e;
	uint64_t delta;

	if (now < rq->now)
		now = rq->now;
	delta = now - rq->now;
	rq->now = now;
	if (rq->cur < 0) {
		rq->idle_ns += delta;
		return now;
	}
	e = &rq->ent[rq->cur];
	e->run_ns += delta;
	rq->busy_ns += delta;
	e->credit = runq_charge(rq, e, delta);
	return now;
}

/* Another entity became runnable while cur runs: cur is no longer alone,
 * so from now on it may go into debt and it needs a slice timer. */
static void runq_contended(struct runq *rq)
{
	if (rq->cur < 0 || rq->cur_alone)
		rq->need_pick = true;
	rq->cur_alone = false;
}

/* Blocked -> waiting: at the front (it preempts) when it has credit left,
 * else at the tail.  "Woken promptly" without letting wake-ups buy time. */
static void runq_wake_one(struct runq *rq, struct runq_entity *e, uint64_t now)
{
	e->halt_ns += now - e->since;
	e->wakeups++;
	e->state = RUNQ_WAITING;
	e->since = now;
	runq_contended(rq);
	if (e->credit > 0) {
		e->order = --rq->head;
		rq->need_pick = true;
	} else {
		e->order = ++rq->tail;
	}
}

static void runq_wake_due(struct runq *rq, uint64_t now)
{
	for (uint32_t i = 0; i < RUNQ_MAX_ENTITIES; i++) {
		struct runq_entity *e = &rq->ent[i];

		if (e->state == RUNQ_BLOCKED && e->deadline <= now)
			runq_wake_one(rq, e, now);
	}
}

static uint64_t runq_earliest_deadline(const struct runq *rq)
{
	uint64_t d = RUNQ_NEVER;

	for (uint32_t i = 0; i < RUNQ_MAX_ENTITIES; i++)
		if (rq->ent[i].state == RUNQ_BLOCKED)
			d = MIN(d, rq->ent[i].deadline);
	return d;
}

/* New round: every entity gets its quantum again, capped at one quantum so
 * that an entity which was halted (or alone) cannot save up. */
static void runq_refill(struct runq *rq)
{
	for (uint32_t i = 0; i < RUNQ_MAX_ENTITIES; i++) {
		struct runq_entity *e = &rq->ent[i];
		int64_t q;

		if (e->state == RUNQ_FREE)
			continue;
		q = runq_quantum(rq, e);
		e->credit = MIN(e->credit + q, q);
	}
	rq->rounds++;
}

/* The waiting entity with credit that is first in round-robin order, -1
 * when nothing waits.  Credits are >= -q, so after one refill they are
 * >= 0 and after two they are q > 0: at most two refills. */
static int runq_choose(struct runq *rq)
{
	for (int pass = 0; pass < 3; pass++) {
		int best = -1;
		bool any = false;

		for (int i = 0; i < RUNQ_MAX_ENTITIES; i++) {
			const struct runq_entity *e = &rq->ent[i];

			if (e->state != RUNQ_WAITING)
				continue;
			any = true;
			if (e->credit > 0 && (best < 0 || e->order < rq->ent[best].order))
				best = i;
		}
		if (best >= 0 || !any)
			return best;
		runq_refill(rq);
	}
	panic("runq: no credit after two refills (credit floor broken)");
}

/* cur stops running for this decision.  Its turn ends (to the tail) when
 * its slice or credit is used up; otherwise it keeps its place, so a woken
 * entity that preempted it hands the CPU back to it.  Returns whether its
 * slice goes on. */
static bool runq_put_back(struct runq *rq, uint64_t now)
{
	struct runq_entity *e = &rq->ent[rq->cur];
	bool ended = e->credit <= 0 || now >= rq->slice_end;

	if (ended)
		e->order = ++rq->tail;
	e->state = RUNQ_WAITING;
	e->since = now;
	rq->cur = -1;
	return !ended;
}

static bool runq_others_waiting(const struct runq *rq, int self)
{
	for (int i = 0; i < RUNQ_MAX_ENTITIES; i++)
		if (i != self && rq->ent[i].state == RUNQ_WAITING)
			return true;
	return false;
}

/* a + b, saturating just below RUNQ_NEVER: a clock near 2^64 must not wrap
 * a slice end into the past. */
static uint64_t runq_add_sat(uint64_t a, uint64_t b)
{
	return b >= RUNQ_NEVER - 1 - a ? RUNQ_NEVER - 1 : a + b;
}

/* Make ent[next] the running entity and set its slice end. */
static void runq_switch_in(struct runq *rq, int next, int prev, bool slice_goes_on, uint64_t now)
{
	struct runq_entity *e = &rq->ent[next];
	bool alone = !runq_others_waiting(rq, next);

	e->wait_ns += now - e->since;
	e->state = RUNQ_RUNNING;
	rq->cur = next;
	if (next != prev) {
		e->scheduled++;
		rq->switches++;
	}
	if (alone)
		rq->slice_end = RUNQ_NEVER;
	else if (next != prev || !slice_goes_on || rq->slice_end == RUNQ_NEVER)
		rq->slice_end = runq_add_sat(now, MIN((uint64_t)e->credit, rq->slice_ns));
	rq->cur_alone = alone;
}

enum runq_status runq_init(struct runq *rq, uint64_t slice_ns, uint64_t now)
{
	memset(rq, 0, sizeof(*rq));
	rq->cur = -1;
	rq->now = now;
	rq->slice_end = RUNQ_NEVER;
	rq->armed = RUNQ_NEVER;
	if (slice_ns < RUNQ_SLICE_MIN_NS || slice_ns > RUNQ_SLICE_MAX_NS)
		return RUNQ_E_INVALID;
	rq->slice_ns = slice_ns;
	return RUNQ_OK;
}

enum runq_status runq_add(struct runq *rq, void *owner, uint32_t weight, uint64_t now)
{
	struct runq_entity *e = NULL;

	if (!owner || weight == 0 || weight > RUNQ_WEIGHT_MAX || rq->slice_ns == 0)
		return RUNQ_E_INVALID;
	if (runq_find(rq, owner))
		return RUNQ_E_EXISTS;
	for (uint32_t i = 0; i < RUNQ_MAX_ENTITIES && !e; i++)
		if (rq->ent[i].state == RUNQ_FREE)
			e = &rq->ent[i];
	if (!e)
		return RUNQ_E_FULL;

	now = runq_advance(rq, now);
	memset(e, 0, sizeof(*e));
	e->owner = owner;
	e->weight = weight;
	e->credit = runq_quantum(rq, e);
	e->state = RUNQ_WAITING;
	e->order = ++rq->tail;
	e->since = now;
	e->deadline = RUNQ_NEVER;
	rq->count++;
	runq_contended(rq);
	return RUNQ_OK;
}

enum runq_status runq_remove(struct runq *rq, void *owner, uint64_t now)
{
	struct runq_entity *e = runq_find(rq, owner);

	if (!e)
		return RUNQ_E_UNKNOWN;
	runq_advance(rq, now);
	if (e->state == RUNQ_RUNNING) { /* then it is ent[cur] */
		rq->cur = -1;
		rq->need_pick = true;
	}
	memset(e, 0, sizeof(*e));
	rq->count--;
	return RUNQ_OK;
}

enum runq_status runq_block(struct runq *rq, void *owner, uint64_t now, uint64_t wake_at)
{
	struct runq_entity *e = runq_find(rq, owner);

	if (!e)
		return RUNQ_E_UNKNOWN;
	now = runq_advance(rq, now);
	switch (e->state) {
	case RUNQ_RUNNING:
		rq->cur = -1;
		rq->need_pick = true;
		e->since = now;
		break;
	case RUNQ_WAITING:
		e->wait_ns += now - e->since;
		e->since = now;
		break;
	case RUNQ_BLOCKED: /* new deadline; the halted interval goes on */
	case RUNQ_FREE:
	default:
		break;
	}
	e->state = RUNQ_BLOCKED;
	e->deadline = wake_at;
	/* The CPU must be back in time for the new deadline. */
	if (wake_at < rq->armed)
		rq->need_pick = true;
	return RUNQ_OK;
}

enum runq_status runq_wake(struct runq *rq, void *owner, uint64_t now)
{
	struct runq_entity *e = runq_find(rq, owner);

	if (!e)
		return RUNQ_E_UNKNOWN;
	now = runq_advance(rq, now);
	if (e->state == RUNQ_BLOCKED)
		runq_wake_one(rq, e, now);
	return RUNQ_OK;
}

struct runq_next runq_pick(struct runq *rq, uint64_t now)
{
	struct runq_next next = {.owner = NULL, .deadline = RUNQ_NEVER};
	int prev = rq->cur, chosen;
	bool slice_goes_on = false;

	now = runq_advance(rq, now);
	runq_wake_due(rq, now);
	if (prev >= 0)
		slice_goes_on = runq_put_back(rq, now);
	chosen = runq_choose(rq);
	if (chosen >= 0) {
		runq_switch_in(rq, chosen, prev, slice_goes_on, now);
		next.owner = rq->ent[chosen].owner;
		next.deadline = rq->slice_end;
	} else {
		rq->slice_end = RUNQ_NEVER;
		rq->cur_alone = false;
	}
	next.deadline = MIN(next.deadline, runq_earliest_deadline(rq));
	rq->armed = next.deadline;
	rq->need_pick = false;
	return next;
}

struct runq_next runq_tick(struct runq *rq, uint64_t now)
{
	rq->ticks++;
	return runq_pick(rq, now);
}

bool runq_need_pick(const struct runq *rq)
{
	return rq->need_pick;
}

enum runq_status runq_stats(const struct runq *rq, const void *owner, uint64_t now,
			    struct runq_stats *out)
{
	int i = runq_index(rq, owner);
	const struct runq_entity *e;
	uint64_t pending;

	if (i < 0)
		return RUNQ_E_UNKNOWN;
	e = &rq->ent[i];
	now = MAX(now, rq->now);
	*out = (struct runq_stats){
	    .run_ns = e->run_ns,
	    .wait_ns = e->wait_ns,
	    .halt_ns = e->halt_ns,
	    .scheduled = e->scheduled,
	    .wakeups = e->wakeups,
	    .credit = e->credit,
	    .state = e->state,
	};
	switch (e->state) {
	case RUNQ_RUNNING:
		pending = now - rq->now;
		out->run_ns += pending;
		out->credit = runq_charge(rq, e, pending);
		break;
	case RUNQ_WAITING:
		out->wait_ns += now - e->since;
		break;
	case RUNQ_BLOCKED:
		out->halt_ns += now - e->since;
		break;
	case RUNQ_FREE:
	default:
		break;
	}
	return RUNQ_OK;
}

const char *runq_strerror(enum runq_status status)
{
	switch (status) {
	case RUNQ_OK:
		return "ok";
	case RUNQ_E_INVALID:
		return "invalid argument (owner, weight or slice)";
	case RUNQ_E_FULL:
		return "run queue full";
	case RUNQ_E_EXISTS:
		return "entity already queued";
	case RUNQ_E_UNKNOWN:
		return "entity not queued";
	default:
		return "unknown run queue status";
	}
}
