/*
 * runq.h - the run queue of one physical CPU shared by several vCPUs: the
 * scheduling policy as pure logic (core/runq.c), no clock, no lock, no
 * hardware.  docs/scheduler.md describes the policy, its numbers and what
 * the VMX loop must do around it.
 *
 * Policy: weighted round-robin with credits (deficit round-robin).  Every
 * entity (an opaque vCPU pointer, "owner") has a quantum q = weight x slice
 * of credit per round.  The waiting entity with credit > 0 that is first in
 * round-robin order runs for at most one base slice (and never past its
 * credit), then goes to the tail.  Running costs credit ns for ns; when no
 * waiting entity has credit left, a new round gives every entity q more
 * (capped at q: a halted vCPU cannot hoard).  Overrun past a slice end is
 * carried as debt (floor -q), so late preemption-timer exits do not skew
 * shares.  CPU-bound entities therefore get exactly weight/sum(weights) of
 * each round; over any window T the error per entity is below
 * (sum(weights) - weight) x slice, i.e. < 1% for 1:3 at 3 ms over 1 s.
 *
 * Wake-up: an entity woken (interrupt, or its blocked deadline passed) with
 * credit left goes to the FRONT and preempts the running one, which keeps
 * its place just behind it; without credit it goes to the tail.  A waker
 * can only spend its own credit, so shares hold.
 *
 * Time run alone (no other entity waiting) needs no timer and costs credit
 * only down to 0, never debt: runq_pick returns RUNQ_NEVER for a lone,
 * never-halting entity, so a dedicated CPU gets no extra exits.
 *
 * Times: any monotonic unit as long as slice and every "now" agree (ns is
 * meant; TSC ticks work).  A "now" below one already seen is taken as the
 * latest seen, so accounting never runs backwards.
 *
 * Locking is the caller's: every call on one runq must be serialised (a
 * spinlock per runq).  The CPU owning the runq calls pick/tick/block; any
 * CPU may call wake (interrupt routed to one of its vCPUs) and then kick
 * the owner when runq_need_pick() says so.  Entities never migrate.
 */
#ifndef HV_RUNQ_H
#define HV_RUNQ_H

#include <hv/compiler.h>

#define RUNQ_MAX_ENTITIES     16
#define RUNQ_NEVER	      UINT64_MAX
#define RUNQ_SLICE_DEFAULT_NS 3000000ULL   /* 3 ms: "a few milliseconds" */
#define RUNQ_SLICE_MIN_NS     100000ULL	   /* 100 us: below this, exits dominate */
#define RUNQ_SLICE_MAX_NS     100000000ULL /* 100 ms: above this, latency dominates */
#define RUNQ_WEIGHT_MAX	      1000	   /* = CONFIG_WEIGHT_MAX (checked in runq.c) */

/* Return codes; runq_strerror() names them. */
enum runq_status {
	RUNQ_OK = 0,
	RUNQ_E_INVALID, /* NULL owner, weight 0 or > RUNQ_WEIGHT_MAX, slice out of range */
	RUNQ_E_FULL,	/* RUNQ_MAX_ENTITIES already queued */
	RUNQ_E_EXISTS,	/* owner already queued */
	RUNQ_E_UNKNOWN, /* owner not queued */
};

enum runq_state {
	RUNQ_FREE = 0, /* slot unused */
	RUNQ_WAITING,  /* runnable, not running */
	RUNQ_RUNNING,  /* the one the CPU runs (at most one) */
	RUNQ_BLOCKED,  /* halted until a wake-up or its deadline */
};

/* Per-entity figures for the monitor (all times in the caller's unit). */
struct runq_stats {
	uint64_t run_ns;    /* time running */
	uint64_t wait_ns;   /* time runnable but not running */
	uint64_t halt_ns;   /* time blocked (halted) */
	uint64_t scheduled; /* times switched in */
	uint64_t wakeups;   /* blocked -> waiting transitions */
	int64_t credit;	    /* left in this round (negative: debt) */
	enum runq_state state;
};

/* One slot.  Private to core/runq.c; read it through runq_stats(). */
struct runq_entity {
	void *owner;
	enum runq_state state;
	uint32_t weight;
	int64_t credit;
	int64_t order;	   /* round-robin position: the lowest runs first */
	uint64_t since;	   /* start of the current waiting/blocked interval */
	uint64_t deadline; /* BLOCKED: wake at this time (RUNQ_NEVER: interrupt only) */
	uint64_t run_ns, wait_ns, halt_ns, scheduled, wakeups;
};

struct runq {
	struct runq_entity ent[RUNQ_MAX_ENTITIES];
	uint64_t slice_ns;
	uint64_t now;	    /* latest time seen; everything is accounted up to here */
	int cur;	    /* slot running, -1 = idle */
	bool cur_alone;	    /* nobody else waiting since cur was picked: no debt, no timer */
	bool need_pick;	    /* see runq_need_pick() */
	uint64_t slice_end; /* cur's slice end, RUNQ_NEVER when alone */
	uint64_t armed;	    /* deadline the last pick returned */
	int64_t head, tail; /* next front / tail positions */
	uint32_t count;
	/* Per-CPU figures, read-only for the caller. */
	uint64_t busy_ns, idle_ns; /* sum = time since runq_init */
	uint64_t switches;	   /* entity switched in */
	uint64_t ticks;		   /* runq_tick calls */
	uint64_t rounds;	   /* credit refills */
};

/* What the CPU does next. */
struct runq_next {
	void *owner;	   /* entity to run, NULL = idle */
	uint64_t deadline; /* call runq_tick at this time (preemption timer when
			      running, host timer when idle); RUNQ_NEVER = none */
};

/* Empty run queue whose clock starts at now.  RUNQ_E_INVALID when slice_ns
 * is outside [RUNQ_SLICE_MIN_NS, RUNQ_SLICE_MAX_NS] (rq is then unusable). */
enum runq_status runq_init(struct runq *rq, uint64_t slice_ns, uint64_t now);

/* Queue owner (runnable, at the tail, with a full quantum).  Errors:
 * RUNQ_E_INVALID (NULL owner, weight 0 or > RUNQ_WEIGHT_MAX), RUNQ_E_EXISTS,
 * RUNQ_E_FULL; nothing changes on error. */
enum runq_status runq_add(struct runq *rq, void *owner, uint32_t weight, uint64_t now);

/* Take owner off the queue (its guest stopped).  When it was running the
 * CPU must pick another.  RUNQ_E_UNKNOWN when not queued. */
enum runq_status runq_remove(struct runq *rq, void *owner, uint64_t now);

/* owner halted (HLT exit): blocked until runq_wake or until wake_at (the
 * vLAPIC's next timer deadline, RUNQ_NEVER when none is armed).  A
 * wake_at <= now wakes it at the next pick.  Also valid on a waiting entity
 * (an AP waiting for SIPI) and on a blocked one (new deadline).
 * RUNQ_E_UNKNOWN when not queued. */
enum runq_status runq_block(struct runq *rq, void *owner, uint64_t now, uint64_t wake_at);

/* An interrupt is pending for owner: a blocked owner becomes runnable, at
 * the front (preempting) when it has credit left.  No effect on a waiting or
 * running owner.  Afterwards kick the CPU when runq_need_pick(rq).
 * RUNQ_E_UNKNOWN when not queued. */
enum runq_status runq_wake(struct runq *rq, void *owner, uint64_t now);

/* Decide what runs from now on: accounts the time since the last call,
 * wakes blocked entities whose deadline passed, ends the current slice when
 * it is used up, starts a new round when needed.  Call it after anything
 * that set runq_need_pick() and whenever the CPU has nothing to run. */
struct runq_next runq_pick(struct runq *rq, uint64_t now);

/* The deadline of the last pick has passed (preemption-timer exit, or the
 * idle CPU's timer): the same as runq_pick, counted in rq->ticks. */
struct runq_next runq_tick(struct runq *rq, uint64_t now);

/* True when what the last pick returned is stale (the running entity was
 * removed or blocked, a woken one preempts it, the CPU idles while something
 * is runnable, or a deadline earlier than the armed one appeared): the CPU
 * must call runq_pick (a remote caller kicks it). */
bool runq_need_pick(const struct runq *rq);

/* owner's figures, including the interval in progress at now (rq is not
 * changed).  RUNQ_E_UNKNOWN when not queued. */
enum runq_status runq_stats(const struct runq *rq, const void *owner, uint64_t now,
			    struct runq_stats *out);

/* "unknown entity" etc. for a status code; never NULL. */
const char *runq_strerror(enum runq_status status);

#endif
