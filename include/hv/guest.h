/*
 * guest.h - partitions: the generic guest and vCPU, their life cycle, and
 * the hooks the core calls into the VT-x code (vmx/).
 *
 * A guest is built from one [guest NAME] section of hv.cfg by
 * core/partition.c (validate everything, then carve memory, build the EPT,
 * load the image, assign vCPUs to physical CPUs).  Each vCPU runs on a
 * physical CPU of its own; that CPU's loop (vcpu_run_loop) enters the guest
 * and handles its exits until the guest stops.  A guest-caused failure
 * stops that guest only (guest_stop), never the hypervisor.
 */
#ifndef HV_GUEST_H
#define HV_GUEST_H

#include <hv/config.h>
#include <hv/ept.h>
#include <hv/spinlock.h>
#include "vmx/vcpu_arch.h"

#define GUEST_MAX_VCPUS	      8
#define GUEST_STOP_REASON_MAX 160
#define GUEST_CONSOLE_LINE    160
#define GUEST_MAX_MMIO	      8
#define GUEST_EXIT_COUNTERS   80 /* >= VMX_EXIT_REASON_MAX */

enum guest_state {
	GUEST_EMPTY = 0, /* slot unused */
	GUEST_READY,	 /* built, not started */
	GUEST_STARTING,	 /* (re)loading on its boot CPU */
	GUEST_RUNNING,
	GUEST_STOPPED, /* "stopping" while vcpus_in > 0 */
};

struct vcpu;
struct vplatform;

/* Why a guest stopped, which decides what happens next (hv.cfg on_poweroff,
 * on_crash). */
enum guest_stop_kind {
	GUEST_STOP_CRASH = 0, /* crashed or did what it may not: on_crash */
	GUEST_STOP_POWEROFF,  /* ended itself (HC_POWEROFF, HLT for good): on_poweroff */
	GUEST_STOP_FATAL,     /* the hypervisor cannot run it (failed VM entry): never restarted */
	GUEST_STOP_OPERATOR,  /* the monitor's stop or restart: no on_* action */
};

/* An emulated MMIO region: accesses to [gpa, gpa+size) exit (nothing is
 * mapped there) and are decoded (include/hv/decode.h), then handed here.
 * Returns false to refuse the access (the guest is stopped). */
struct mmio_region {
	uint64_t gpa, size;
	bool (*access)(struct vcpu *vcpu, uint64_t gpa, unsigned size, bool is_write,
		       uint64_t *val);
	const char *name;
};

/* Guest COM1: characters collected per guest until a line is complete. */
struct guest_console {
	spinlock_t lock; /* the guest's vCPUs may print at the same time */
	char line[GUEST_CONSOLE_LINE];
	uint32_t len;
	uint8_t lcr, ier, scr; /* UART registers read back as written */
};

/*
 * A vCPU on a shared physical CPU (core/sched.c): it runs on a host stack
 * of its own, so its whole life (part_vcpu_run) can be suspended at a VM
 * exit, a halt or a wait for SIPI and resumed later.  Unused (shared ==
 * false) on dedicated CPUs.
 */
struct vcpu_sched {
	bool shared;		/* its CPU carries several vCPUs: run queue */
	volatile bool wake;	/* kicked since its last block (lost wake-up guard) */
	volatile bool assigned; /* sched_assign asked for a run not started yet */
	bool live;		/* its host thread exists */
	bool tick;		/* the last exit was the VMX-preemption timer */
	uint32_t weight;	/* hv.cfg weight */
	uint64_t rsp;		/* saved host stack pointer while switched out */
	uint8_t *stack;		/* HV_STACK_SIZE bytes */
	uint8_t *xsave;		/* extended state while switched out (64-byte aligned) */
	uint64_t msr[6];	/* the pass-through MSRs outside the VMCS */
	uint64_t dr[5];		/* DR0-3, DR6 (the guest owns them: no MOV-DR exits) */
};

/* Per-vCPU scheduling figures (part_vcpu_stats), ns since its guest started. */
struct vcpu_sched_stats {
	bool shared;	    /* false: a dedicated CPU, only run_ns is meaningful */
	uint64_t run_ns;    /* running (dedicated: uptime) */
	uint64_t wait_ns;   /* runnable, but another vCPU ran */
	uint64_t halt_ns;   /* blocked: HLT or waiting for SIPI */
	uint64_t scheduled; /* times switched in */
};

struct vcpu {
	struct guest *guest;
	uint32_t index; /* 0 = boot vCPU */
	uint32_t pcpu;	/* physical CPU (logical number, MADT order) */
	volatile bool irq_pending;
	volatile bool cli_halted; /* in HLT with interrupts off: only NMI or INIT wake it */
	uint64_t exits[GUEST_EXIT_COUNTERS]; /* since the guest last started */
	struct vcpu_sched sched;
	struct vcpu_sched_stats sched_last; /* figures of the last ended run */
	struct vcpu_arch arch;
};

struct guest {
	uint32_t id;
	const char *name; /* points into the config */
	const struct config_guest *cfg;
	uint64_t mem_hpa, mem_size; /* guest-physical 0 is host-physical mem_hpa */
	struct ept ept;
	uint64_t eptp;
	struct vcpu vcpus[GUEST_MAX_VCPUS];
	uint32_t vcpu_count;
	volatile enum guest_state state;
	char stop_reason[GUEST_STOP_REASON_MAX];
	enum guest_stop_kind stop_kind;
	uint32_t restarts;	       /* every start after the first */
	uint32_t auto_restarts;	       /* by on_poweroff/on_crash (hv.cfg max_restarts) */
	volatile uint32_t vcpus_in;    /* vCPUs handed to their CPUs and not yet out */
	volatile bool start_requested; /* the monitor's restart: start again once out */
	bool reload;		       /* the boot CPU reloads the images before it runs */
	uint64_t start_tsc;	       /* when it last started (uptime) */
	spinlock_t lock;
	struct guest_console console;
	struct mmio_region mmio[GUEST_MAX_MMIO];
	uint32_t mmio_count;
	struct vplatform *vp; /* its virtual PC devices (include/hv/vplatform.h) */
	uint8_t *io_logged;   /* 8 KiB: one bit per port, "unclaimed access" logged */
	uint64_t exits[GUEST_EXIT_COUNTERS];
};

extern struct guest guests[CONFIG_MAX_GUESTS];
extern uint32_t guest_count;

/* ---- core/partition.c ---- */

/*
 * part_create_all - build every guest of cfg: memory (2 MiB aligned,
 * zeroed), EPT, image, vCPU placement.  Nothing runs yet.  A guest that
 * cannot be built is reported ("hv: guest NAME: not started: why") and
 * left out.  Returns the number of guests built.
 */
uint32_t part_create_all(const struct hv_config *cfg);

/* Start every built guest: each vCPU's physical CPU is woken; the boot
 * vCPU enters the guest, the others wait for the guest's INIT/SIPI.
 * Prints "hv: guest NAME: started on cpus LIST" per guest. */
void part_start_all(void);

/* What to do once every guest has stopped (from [hypervisor] when_idle). */
void part_set_when_idle(enum config_idle idle);

/*
 * part_vcpu_run - on vcpu->pcpu (core/sched.c): run vcpu for as long as
 * its guest runs: (re)load the guest first when it is the boot vCPU of a
 * restart, wait for a start-up IPI while the vCPU is parked (an AP before
 * its SIPI, any vCPU after an INIT), enter it.  The last vCPU of a guest
 * to leave decides what happens next (on_poweroff / on_crash, the
 * monitor's restart, when_idle), so this may not return.
 */
void part_vcpu_run(struct vcpu *vcpu);

/* ---- core/partition.c: (re)loading ---- */

/* Back to the state part_create() left, images loaded again from the boot
 * medium (pristine: the guest never had them mapped).  g's vCPUs are all
 * out.  0, or -1 with the problem reported. */
int part_reload(struct guest *g);

/*
 * guest_stop - stop g for the reason given (printf format): print
 * "hv: guest NAME: stopped: REASON", pull its other vCPUs out, and when it
 * was the last guest running, apply when_idle.  Idempotent: the first
 * reason wins.  Callable from any of the guest's CPUs.
 */
__printf(2, 3) void guest_stop(struct guest *g, const char *fmt, ...);
/* guest_stop() for a reason of the given kind (guest_stop: GUEST_STOP_CRASH). */
__printf(3, 4) void guest_stop_as(struct guest *g, enum guest_stop_kind kind, const char *fmt, ...);

/* The when_idle action (core/guest_stop.c); does not return. */
__noreturn void part_apply_when_idle(enum config_idle idle);

/* ---- operator actions (core/partition.c), called by the monitor ----
 * Callable from any CPU, including from an interrupt handler on a CPU that
 * runs another guest: they only change state and kick CPUs; the loading is
 * done later on the guest's boot CPU.  Each returns NULL when accepted, or
 * a message naming the problem ("already running", "is stopping").  */
const char *part_op_start(struct guest *g);   /* a stopped guest: pristine images, start */
const char *part_op_stop(struct guest *g);    /* a running guest: stop, no on_* action */
const char *part_op_restart(struct guest *g); /* stop when running, then start again */
/* "ready", "running", "stopping", "stopped" */
const char *part_state_name(const struct guest *g);
/* Nanoseconds since the guest last started; 0 when it is not running. */
uint64_t part_uptime_ns(const struct guest *g);

static inline bool guest_is_stopped(const struct guest *g)
{
	return g->state == GUEST_STOPPED;
}

/* Host pointer to guest-physical [gpa, gpa+len), or NULL when any of it
 * is outside the guest's RAM. */
static inline void *guest_ram_ptr(const struct guest *g, uint64_t gpa, uint64_t len)
{
	if (gpa >= g->mem_size || len > g->mem_size - gpa)
		return NULL;
	return (void *)(uintptr_t)(g->mem_hpa + gpa);
}

/* Register an emulated MMIO region of g (before it starts).  false when full. */
bool guest_add_mmio(struct guest *g, const struct mmio_region *r);
const struct mmio_region *guest_find_mmio(const struct guest *g, uint64_t gpa);

/* ---- core/vdev_info.c ---- */

/* Give g the information device (include/hv/hypercall.h) when its RAM ends
 * below it. */
void vdev_info_attach(struct guest *g);

/* ---- core/guest_console.c ---- */

/* A byte the guest wrote to its COM1 THR; a full line is printed as "NAME: text". */
void guest_console_putc(struct guest *g, char c);
/* Print what is buffered as a line (before the guest's stopped line). */
void guest_console_flush(struct guest *g);

/* ---- core/sched.c: physical CPUs waiting for and running vCPUs ---- */

/* Per-CPU loop every CPU enters when its boot work is done: wait in HLT
 * for a vCPU, run it until its guest stops, wait again.  Never returns. */
__noreturn void sched_idle_loop(struct percpu *cpu);
/* Hand vcpu to its physical CPU and wake that CPU. */
void sched_assign(struct vcpu *vcpu);
/* Wake physical CPU cpu_id out of HLT or out of its guest (an IPI). */
void sched_kick(uint32_t cpu_id);
/* Something vcpu waits for happened (an interrupt, SIPI, NMI, its guest
 * stopped): on a shared CPU wake it in the run queue, then kick its CPU
 * (sched_kick) when that CPU must look.  Any CPU, any context. */
void sched_kick_vcpu(struct vcpu *vcpu);
/* Install the wake-up interrupt; on the bootstrap CPU before any sched_assign. */
void sched_init(void);
/* Base time slice of shared CPUs in ns (hv.cfg [hypervisor] slice); before
 * sched_prepare. */
void sched_set_slice(uint64_t slice_ns);
/* Once, on the bootstrap CPU, after every guest is built and before any
 * runs: a run queue, and per vCPU a host stack and a state area, for each
 * CPU that carries more than one vCPU.  -1 (reported) when out of memory. */
int sched_prepare(void);
/* On a shared CPU (vcpu->sched.shared), from vcpu's own thread: */
/* after a VM exit: give the CPU up if the run queue wants another vCPU */
void sched_after_exit(struct vcpu *vcpu);
/* halt until sched_kick_vcpu or for wake_in_ns (RUNQ_NEVER: no deadline);
 * may return early: callers re-check what they wait for and block again */
void sched_block(struct vcpu *vcpu, uint64_t wake_in_ns);
/* TSC value at which the preemption timer must end the running slice, or
 * 0 when nothing else wants the CPU. */
uint64_t sched_preempt_tsc(const struct vcpu *vcpu);
/* The vCPU's figures since its guest last started. */
void part_vcpu_stats(const struct vcpu *vcpu, struct vcpu_sched_stats *out);
/* "dedicated" or "run 120 ms, wait 60 ms, halted 3 ms, scheduled 40": into buf. */
void sched_format_stats(const struct vcpu *vcpu, char *buf, size_t len);
/* On a shared CPU that switched vCPUs: print "hv: cpu N: context switch min
 * A median B tsc ticks (C switches)" (from the exit that gave the CPU up to
 * the next vCPU's state loaded); nothing otherwise. */
void sched_report_cpu(uint32_t cpu);

/* ---- vmx/vcpu.c: the arch hooks the core calls ---- */

/* Allocate the vCPU's VMCS and bitmaps; set up the boot state in arch->boot
 * first.  On the bootstrap CPU, before the guest starts.  0 or -1. */
int vcpu_arch_create(struct vcpu *vcpu);
/* On vcpu->pcpu: load and fill the VMCS (from arch.boot), then enter and
 * handle exits until the guest stops or an INIT parks the vCPU. */
void vcpu_arch_run(struct vcpu *vcpu);
/* Prepare the VT-x side of g: I/O and MSR bitmaps (once per guest). */
int guest_arch_create(struct guest *g);
/* On a shared CPU, switching vCPUs: save what prev left in the CPU that
 * its VMCS does not hold (extended state, XCR0, pass-through MSRs, debug
 * registers), load next's and make next's VMCS current when it has one
 * loaded.  prev may be NULL (nothing to save). */
void vcpu_arch_switch(struct vcpu *prev, struct vcpu *next);
/* A vCPU placed on a shared CPU: allocate its state area.  0, or -1
 * (reported) when out of memory. */
int vcpu_arch_share(struct vcpu *vcpu);
/* Reset vcpu's saved state to the power-on values (a new run). */
void vcpu_arch_state_reset(struct vcpu *vcpu);
/* Whether VM entries can arm the VMX-preemption timer (shared CPUs need it). */
bool vcpu_arch_can_preempt(void);

#endif
