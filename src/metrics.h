/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * metrics: the Prometheus text exposition format (version 0.0.4) of a
 * snapshot of the daemon's state, for `daxtierctl metrics` and the
 * node_exporter textfile the daemon keeps ([daemon] metrics_textfile).
 *
 * Pure: metrics_format() turns a struct metrics_snapshot into text.  The
 * snapshot holds strings and numbers only, so that the daemon (from its
 * device table) and the client (from D-Bus) can both fill it.  Label
 * values use the policy's words.  The atomic file writer is in
 * metrics-file.c.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"

struct metrics_device {
        const char *name;               /* "dax0.0" */
        const char *source;             /* "pmem", "cxl", "hmem", "unknown" */
        const char *rule;               /* "" when no rule matched */
        const char *mode;               /* "system-ram", "devdax", "ignore" */
        enum dev_state state;
        uint64_t size;                  /* bytes */
        unsigned online_blocks, total_blocks;
        unsigned badblocks;
        uint64_t cleared_bytes;
        /* Transitions into each state since the daemon started. */
        uint64_t transitions[_DEV_STATE_MAX];
};

struct metrics_node {
        int node;
        uint64_t dax_bytes;             /* bytes of dax devices whose memory is on this node */
        int tier;                       /* -1: not in any memory tier (left out) */
        bool has_demoted, has_promoted; /* the kernel counts them (else left out) */
        uint64_t demoted, promoted;     /* pages */
};

struct metrics_snapshot {
        const struct metrics_device *devices;
        size_t n_devices;
        const struct metrics_node *nodes;
        size_t n_nodes;
        uint64_t reloads_ok, reloads_invalid;
        /* CLOCK_REALTIME of the last reload (or start) whose policy was
         * accepted, in microseconds; 0: none yet. */
        uint64_t last_reload_success_usec;
};

/*
 * Fills m from a device of the daemon's table (pointers into d, valid as
 * long as d is) and its transition counts (transitions[state], NULL for
 * none): source and mode in the policy's words, rule "" when none matched.
 */
void metrics_device_from(struct metrics_device *m, const struct device *d, const uint64_t *transitions);

/*
 * The exposition text of s; every family has # HELP and # TYPE lines,
 * also when it has no series.  Returns a malloc'd string, or NULL when
 * out of memory.
 */
char *metrics_format(const struct metrics_snapshot *s);

/*
 * Appends v to buf as a label value: backslash, double quote and newline
 * escaped (\\, \", \n).  Returns buf.
 */
struct strbuf;
void metrics_escape_label(struct strbuf *buf, const char *v);

/*
 * The state a string names ("online"), or -EINVAL: for clients that get
 * states by name (D-Bus).
 */
int metrics_state_from_string(const char *s);
