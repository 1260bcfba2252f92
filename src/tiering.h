/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * tiering: the kernel's memory-tiering knobs ([tiering] of the policy),
 * decided from facts, applied once the first node holding daxtierd-onlined
 * memory is online, and put back to the values found when the last such
 * node goes away (and on stop, with restore_on_exit = yes).
 *
 * Pure: tiering_plan_apply() and tiering_plan_restore() take the facts
 * (what tiering_read_facts() in tiering-io.c read: current values, which
 * knobs exist, each node's bandwidth) and return a plan: the writes to
 * make, each with the knob, the old and the new value, and the knobs the
 * kernel lacks that the policy asks for.  The caller makes the writes
 * (tiering_write() in tiering-io.c), announces each one, and hands the
 * results to tiering_commit(), which keeps the bookkeeping: the value
 * found before daxtierd first touched a knob, and which unsupported knobs
 * were already reported.
 *
 * Also pure parsers for what the reporting side reads: memory tier node
 * lists and the demotion/promotion counters of a node's vmstat.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest node number + 1 daxtierd looks at. */
#define TIERING_MAX_NODES 64

/* The weight the kernel's auto mode scales to (mm/mempolicy.c). */
#define TIERING_WI_WEIGHTINESS 32

enum tiering_demotion {
        TIERING_DEMOTION_KEEP,
        TIERING_DEMOTION_ENABLE,
        TIERING_DEMOTION_DISABLE,
};

/* Values are what /proc/sys/kernel/numa_balancing takes. */
enum tiering_balancing {
        TIERING_BALANCING_KEEP = -1,
        TIERING_BALANCING_OFF = 0,
        TIERING_BALANCING_NORMAL = 1,
        TIERING_BALANCING_TIERING = 2,
        TIERING_BALANCING_NORMAL_TIERING = 3,
};

enum tiering_wi {
        TIERING_WI_KEEP,
        TIERING_WI_AUTO,
        TIERING_WI_OFF,
};

/* [tiering] of the policy.  tiering_policy_init() gives the defaults. */
struct tiering_policy {
        enum tiering_demotion demotion;
        enum tiering_balancing numa_balancing;
        int64_t promote_rate_limit;     /* MB/s; -1: keep */
        enum tiering_wi weighted_interleave;
        bool restore_on_exit;
};

void tiering_policy_init(struct tiering_policy *p);

/*
 * Parses one key of [tiering] into p: 0, -ENOENT for a key [tiering] does
 * not have, or -EINVAL for a bad value (with a sentence naming the key,
 * the value and what is allowed in err).
 */
int tiering_policy_set(struct tiering_policy *p, const char *key, const char *value, char *err, size_t errlen);

/* The policy's words for each value ("keep", "normal+tiering", ...). */
const char *tiering_demotion_to_string(enum tiering_demotion d);
const char *tiering_balancing_to_string(enum tiering_balancing b);
const char *tiering_wi_to_string(enum tiering_wi w);

/* The knobs, in the order a plan writes them. */
enum tiering_knob {
        TIERING_KNOB_DEMOTION,          /* /sys/kernel/mm/numa/demotion_enabled */
        TIERING_KNOB_NUMA_BALANCING,    /* /proc/sys/kernel/numa_balancing */
        TIERING_KNOB_PROMOTE_RATE,      /* /proc/sys/kernel/numa_balancing_promote_rate_limit_MBps */
        TIERING_KNOB_WI_AUTO,           /* /sys/kernel/mm/mempolicy/weighted_interleave/auto (6.16+) */
        TIERING_KNOB_WI_NODE,           /* .../weighted_interleave/nodeN (6.9+), one per node */
        _TIERING_KNOB_MAX,
};

/* The short name used in records ("demotion_enabled", "weighted_interleave/node1"). */
const char *tiering_knob_name(enum tiering_knob k);
/* The kernel path of a knob; node matters for TIERING_KNOB_WI_NODE only.
 * Returns buf. */
const char *tiering_knob_path(enum tiering_knob k, int node, char *buf, size_t len);

#define TIERING_VALUE_MAX 24

struct tiering_node {
        int node;
        bool has_memory;                /* in /sys/devices/system/node/has_memory */
        char weight[TIERING_VALUE_MAX]; /* weighted_interleave/nodeN, "" if absent */
        uint64_t bandwidth;             /* MB/s: min(read, write) of the HMAT
                                         * access class the kernel uses; 0 unknown */
};

/* What the kernel has now.  A value "" means the kernel lacks the knob. */
struct tiering_facts {
        char demotion[TIERING_VALUE_MAX];       /* "true" / "false" */
        char numa_balancing[TIERING_VALUE_MAX];
        char promote_rate[TIERING_VALUE_MAX];
        char wi_auto[TIERING_VALUE_MAX];        /* "true" / "false" */
        size_t n_nodes;
        struct tiering_node nodes[TIERING_MAX_NODES];   /* ascending node numbers */
};

/* One knob write; old is the value before, new what is written. */
struct tiering_change {
        enum tiering_knob knob;
        int node;                       /* TIERING_KNOB_WI_NODE; -1 else */
        char old[TIERING_VALUE_MAX];
        char new[TIERING_VALUE_MAX];
};

#define TIERING_PLAN_MAX (4 + TIERING_MAX_NODES * 2)

struct tiering_plan {
        size_t n_writes;
        struct tiering_change writes[TIERING_PLAN_MAX];
        /* Knobs the policy asks for that the kernel lacks, not reported
         * before: report each once (unsupported record), then commit. */
        unsigned unsupported;           /* bit (1u << enum tiering_knob) */
        /* Values to save with a successful TIERING_KNOB_WI_AUTO write,
         * without writing them: the node weights that switching the
         * kernel's auto mode on replaces (new is ""). */
        size_t n_remember;
        struct tiering_change remember[TIERING_MAX_NODES];
        /* Saved knobs someone else changed since daxtierd wrote them: left
         * as they are (old: the value found at first, new: the value now)
         * and forgotten by tiering_commit(). */
        size_t n_dropped;
        struct tiering_change dropped[TIERING_PLAN_MAX];
        /* A sentence when weighted_interleave = auto could not be computed
         * ("no HMAT bandwidth for any node"); "" else.  Not an error. */
        char note[160];
};

/* What daxtierd remembers between plans. */
struct tiering_state {
        bool applied;                   /* the knobs are daxtierd's now */
        unsigned reported;              /* unsupported knobs already reported */
        size_t n_saved;
        struct tiering_change saved[TIERING_PLAN_MAX];  /* old: value found; new: value set */
};

enum tiering_action {
        TIERING_NOTHING,
        TIERING_APPLY,          /* the first managed node came online, or something changed while applied */
        TIERING_RESTORE,        /* the last managed node went away, or stop with restore_on_exit */
};

/*
 * What to do now: managed_online is whether some node holds memory that
 * daxtierd onlined, stopping whether the daemon is going down, changed
 * whether the policy was reloaded or the set of nodes with memory changed
 * since the last plan: while applied, that gives TIERING_APPLY again (the
 * plan then carries only the differences, such as weights recomputed for
 * a new node).
 */
enum tiering_action tiering_next(const struct tiering_state *s, const struct tiering_policy *p,
                                 bool managed_online, bool stopping, bool changed);

/*
 * The writes that make the kernel match p, given what it has (f).  A knob
 * the policy keeps but daxtierd changed earlier (a reload to keep) is put
 * back to the value found.  Writes already true in f are left out.
 * Returns the number of writes.
 */
size_t tiering_plan_apply(const struct tiering_state *s, const struct tiering_policy *p,
                          const struct tiering_facts *f, struct tiering_plan *plan);

/*
 * The writes that put back every knob daxtierd changed to the value found
 * before, newest change first.  A knob whose value is no longer what
 * daxtierd wrote was changed by someone else since: it is left as it is
 * and listed in plan->dropped.  Returns the number of writes.
 */
size_t tiering_plan_restore(const struct tiering_state *s, const struct tiering_facts *f,
                            struct tiering_plan *plan);

/*
 * Takes note of a carried-out plan: results[i] is 0 or -errno for
 * plan->writes[i].  A successful write of a knob not saved yet saves its
 * old value; one that puts a knob back to its saved value forgets it;
 * unsupported knobs are marked reported; dropped knobs are forgotten.
 * restoring: the plan came from tiering_plan_restore(): s->applied becomes
 * false and nothing stays saved (a failed put-back is the caller's to
 * report); else s->applied becomes true.
 */
void tiering_commit(struct tiering_state *s, const struct tiering_plan *plan, const int *results, bool restoring);

/*
 * True when daxtierd set the knob (node: for TIERING_KNOB_WI_NODE) and
 * has not put it back yet: what `daxtierctl status` shows beside each
 * knob's value.
 */
bool tiering_is_set(const struct tiering_state *s, enum tiering_knob k, int node);

/*
 * The weights the kernel's weighted-interleave auto mode gives nodes of
 * these bandwidths (MB/s; 0 = unknown): for each node with memory, its
 * share of the summed bandwidth scaled to TIERING_WI_WEIGHTINESS and
 * truncated, at least 1 (a node with no bandwidth, or a share of 1/32 or
 * less, gets 1), then all divided by their greatest common divisor.
 * Nodes without memory get 1 and take no part.  Fills weights[0..n).
 */
void tiering_wi_weights(const uint64_t *bandwidth, const bool *has_memory, size_t n, unsigned *weights);

/*
 * The bookkeeping outlives the process: after each commit the daemon
 * saves it (tiering_state_save() in tiering-io.c) in its runtime
 * directory, which survives a restart or a crash but not a reboot (the
 * kernel's knobs do not either), and loads it at start.  A daemon that was
 * killed after it changed a knob thus still puts back the value found by
 * the first one, not its own.  Only applied and saved are kept; each
 * process reports unsupported knobs once again.
 *
 * The text, line by line ('#' lines and blank lines are ignored):
 *   version 1
 *   applied yes|no
 *   saved KNOB NODE OLD NEW         one per saved knob, in order
 * KNOB is tiering_knob_name(); NODE the node of weighted_interleave/node,
 * "-" for the others; OLD and NEW are the values, "-" for "" (NEW of a
 * weight the kernel's auto mode computed).  A value is 1 to
 * TIERING_VALUE_MAX - 1 characters of [A-Za-z0-9+._-].
 */
#define TIERING_STATE_FILE "/run/daxtierd/tiering"

/*
 * Writes s as that text into buf (len bytes, NUL included).  Returns the
 * text's length, -ENOSPC when buf is too small, or -EINVAL when s holds
 * something the text cannot say (a value with other characters, a bad
 * knob or node), which tiering_commit() never makes.
 */
int tiering_state_format(const struct tiering_state *s, char *buf, size_t len);

/*
 * Parses len bytes of that text into s.  Returns 0, or -EINVAL with a
 * sentence naming the line and what is wrong with it in err; s is then
 * left untouched.  Anything else than what tiering_state_format() writes
 * (a NUL byte, an unknown line, a second version or applied line, a knob
 * saved twice, more than TIERING_PLAN_MAX, saved knobs while not
 * applied) is refused, never half taken.
 */
int tiering_state_parse(const char *text, size_t len, struct tiering_state *s, char *err, size_t errlen);

/* A kernel node list ("0-2,5") as a bit mask of nodes < 64: 0 or -EINVAL. */
int tiering_parse_nodelist(const char *s, uint64_t *mask);

/*
 * The counters of a node's vmstat text (lines "name value"): demoted is
 * the sum of every pgdemote_* line, promoted pgpromote_success.  Returns a
 * mask: 1 when some pgdemote_* line was there, 2 when pgpromote_success
 * was (older kernels have neither).
 */
#define TIERING_VMSTAT_DEMOTE 1
#define TIERING_VMSTAT_PROMOTE 2
int tiering_parse_vmstat(const char *text, uint64_t *demoted, uint64_t *promoted);
