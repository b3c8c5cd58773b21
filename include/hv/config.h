/*
 * config.h - hv.cfg, the partition layout: parsed and validated in one pass.
 *
 * The same source (core/config.c) is linked into the hypervisor, which reads
 * hv.cfg from the boot medium, and into the host tool tools/hvcfg, so a file
 * that "hvcfg check" accepts is exactly a file the hypervisor accepts.
 * Check, then apply: config_parse() only fills a struct hv_config and reports
 * every problem; nothing is started until it returns 0 errors.
 * The format is described in docs/config.md.
 */
#ifndef HV_CONFIG_H
#define HV_CONFIG_H

#include <hv/compiler.h>
#include <hv/cpu.h>

#define CONFIG_MAX_GUESTS  32
#define CONFIG_MAX_MODULES 8	       /* "module =" lines per guest */
#define CONFIG_MAX_CPUS	   HV_MAX_CPUS /* cpu numbers 0..CONFIG_MAX_CPUS-1 */
#define CONFIG_MAX_VCPUS   HV_MAX_CPUS
#define CONFIG_NAME_MAX	   32	/* guest name, including the terminating NUL */
#define CONFIG_PATH_MAX	   128	/* kernel, initrd and module paths, with NUL */
#define CONFIG_ARGS_MAX	   128	/* a module's string, with NUL */
#define CONFIG_CMDLINE_MAX 512	/* a guest's command line, with NUL */
#define CONFIG_LINE_MAX	   1024 /* longest line, without its line ending */
#define CONFIG_MSG_MAX	   256	/* longest message handed to the report callback */
#define CONFIG_MEMORY_MIN  (1 * MiB)
#define CONFIG_MEMORY_MAX  (1024 * GiB)
#define CONFIG_WEIGHT_MAX  1000
/* [hypervisor] slice: the base time slice of shared CPUs (= runq.h's range) */
#define CONFIG_SLICE_DEFAULT_NS 3000000ULL
#define CONFIG_SLICE_MIN_NS	100000ULL
#define CONFIG_SLICE_MAX_NS	100000000ULL
/* vCPUs one physical CPU can carry (= runq.h RUNQ_MAX_ENTITIES) */
#define CONFIG_MAX_VCPUS_PER_CPU 16
#define CONFIG_MAX_RESTARTS_MAX	 1000000
#define CONFIG_CPU_WORDS	 ((CONFIG_MAX_CPUS + 63) / 64)

/* What happens to a guest when it powers off or crashes. */
enum config_action {
	CONFIG_ACTION_STOP = 0,
	CONFIG_ACTION_RESTART = 1,
};

/* What the hypervisor does once every guest has stopped. */
enum config_idle {
	CONFIG_IDLE_POWEROFF = 0,
	CONFIG_IDLE_HALT = 1,
	CONFIG_IDLE_REBOOT = 2,
};

/* Keys of [guest NAME]; the index into config_guest.key_line. */
enum config_guest_key {
	CONFIG_GKEY_KERNEL,
	CONFIG_GKEY_INITRD,
	CONFIG_GKEY_MODULE,
	CONFIG_GKEY_CMDLINE,
	CONFIG_GKEY_CPUS,
	CONFIG_GKEY_MEMORY,
	CONFIG_GKEY_ON_POWEROFF,
	CONFIG_GKEY_ON_CRASH,
	CONFIG_GKEY_SHARED,
	CONFIG_GKEY_VCPUS,
	CONFIG_GKEY_WEIGHT,
	CONFIG_GKEY_MAX_RESTARTS,
	CONFIG_GKEY_COUNT,
};

/* Keys of [hypervisor]; the index into config_hypervisor.key_line. */
enum config_hv_key {
	CONFIG_HKEY_CONSOLE,
	CONFIG_HKEY_WHEN_IDLE,
	CONFIG_HKEY_LOG,
	CONFIG_HKEY_SLICE,
	CONFIG_HKEY_COUNT,
};

struct config_module {
	char path[CONFIG_PATH_MAX]; /* as written: relative to the config file */
	char args[CONFIG_ARGS_MAX]; /* the rest of the line after the path, may be "" */
	uint32_t line;
};

struct config_guest {
	char name[CONFIG_NAME_MAX];
	char kernel[CONFIG_PATH_MAX]; /* as written: relative to the config file */
	char initrd[CONFIG_PATH_MAX]; /* "" = none */
	char cmdline[CONFIG_CMDLINE_MAX];
	struct config_module modules[CONFIG_MAX_MODULES];
	uint32_t module_count;
	uint64_t cpus[CONFIG_CPU_WORDS]; /* bitmap of physical cpu numbers (MADT order) */
	uint32_t cpu_count;
	uint64_t memory;		      /* bytes, a multiple of 4 KiB */
	enum config_action on_poweroff;	      /* default stop */
	enum config_action on_crash;	      /* default stop */
	bool shared;			      /* default no */
	uint32_t vcpus;			      /* default cpu_count */
	uint32_t weight;		      /* default 1 */
	uint32_t max_restarts;		      /* automatic restarts allowed; 0 = no limit */
	uint32_t line;			      /* line of the [guest NAME] header */
	uint32_t key_line[CONFIG_GKEY_COUNT]; /* line that set each key, 0 = not given */
};

struct config_hypervisor {
	uint16_t console_port;	    /* 0 = no serial console; default com1 (0x3f8) */
	uint32_t console_baud;	    /* default 115200 */
	enum config_idle when_idle; /* default poweroff */
	int loglevel;		    /* enum log_level, default LOG_INFO */
	uint64_t slice_ns;	    /* base time slice of shared CPUs, default 3 ms */
	uint32_t line;		    /* line of the [hypervisor] header, 0 = absent */
	uint32_t key_line[CONFIG_HKEY_COUNT];
};

struct hv_config {
	struct config_hypervisor hv;
	struct config_guest guests[CONFIG_MAX_GUESTS];
	uint32_t guest_count;
	/* Parser workspace: the keys of a rejected [guest] section (duplicate
	 * name, one guest too many) are still checked here, then dropped. */
	struct config_guest scratch;
};

/* The machine a configuration must fit; any field may be left 0/NULL. */
struct config_env {
	uint32_t cpu_count; /* cpus 0..cpu_count-1 exist; 0 = unknown, not checked */
	uint64_t memory;    /* bytes the guests may use in total; 0 = unknown */
	/* Does the file at path (as written in the config, relative to the
	 * config file's directory) exist?  NULL = do not check files. */
	bool (*file_exists)(void *ctx, const char *path);
	void *ctx; /* passed to file_exists */
};

/* Called once per problem.  line is 1-based; 0 when the problem concerns
 * the file as a whole.  msg has no trailing newline or "file:line: " prefix. */
typedef void (*config_report_fn)(void *ctx, const char *filename, uint32_t line, const char *msg);

/*
 * config_parse - parse and validate the configuration text [text, text+len).
 * The text need not be NUL-terminated; LF and CRLF line endings are accepted
 * and the last line needs no line ending.  filename is only passed through to
 * report (may be NULL).  env may be NULL (nothing known about the machine).
 * Every problem found is reported (parsing does not stop at the first one);
 * report may be NULL.  out is completely overwritten, defaults filled in.
 * Returns the number of problems reported; out is usable only when it is 0.
 * Bounded work: O(len + guests^2), no allocation, no recursion.
 */
int config_parse(const char *text, size_t len, const char *filename, const struct config_env *env,
		 struct hv_config *out, config_report_fn report, void *ctx);

/*
 * config_parse_size - a size: a decimal or 0x-hex number with an optional
 * suffix K, M, G (also KiB, MiB, GiB; binary units, any letter case).
 * Returns false on anything else or overflow of 64 bits.
 */
bool config_parse_size(const char *s, size_t len, uint64_t *out);

/*
 * config_parse_duration - a time: a decimal number followed by its unit,
 * ns, us, ms or s ("3ms", "500us").  The number of nanoseconds in *out;
 * false when the text is not such a time or it does not fit in 64 bits.
 */
bool config_parse_duration(const char *s, size_t len, uint64_t *out);

/* The physical CPU of vCPU index of g: the (index mod cpu_count)-th CPU of
 * g->cpus in CPU order; CONFIG_MAX_CPUS when g lists none. */
uint32_t config_vcpu_cpu(const struct config_guest *g, uint32_t index);

/* "1-2,4": the cpus in bitmap as a list, written to buf (always terminated). */
void config_format_cpus(const uint64_t cpus[CONFIG_CPU_WORDS], char *buf, size_t size);

/* "64M": size in the largest binary unit that divides it exactly. */
void config_format_size(uint64_t bytes, char *buf, size_t size);

/*
 * config_describe - the layout as a readable table, one call of print per
 * line (no trailing newline).  Used by "hvcfg show" and the boot log.
 */
void config_describe(const struct hv_config *cfg, void (*print)(void *ctx, const char *line),
		     void *ctx);

#endif
