/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * tiering-io: the tiering knobs, tiers and counters as the kernel has
 * them, read and written through sysfs.h (under its settable root, so
 * that tests hand it a fake tree).  The decisions are in tiering.c.
 * Every function returns 0 (or a count) or -errno.
 */

#include <stdint.h>

#include "tiering.h"

/*
 * Reads every knob (a knob the kernel lacks reads ""), the nodes with a
 * weighted_interleave/nodeN file or memory, and each node's bandwidth:
 * min(read, write) of nodeN/access1/initiators (the class the kernel's
 * auto mode uses: the nearest CPU), falling back to access0.
 */
int tiering_read_facts(struct tiering_facts *f);

/* Writes one change of a plan (its new value). */
int tiering_write(const struct tiering_change *c);

/* One node as the reports show it. */
struct tiering_node_stats {
        int node;
        int tier;               /* memory_tierN holding the node; -1: none */
        bool has_demoted;       /* the kernel counts demotions per node */
        bool has_promoted;
        uint64_t demoted;       /* pages, sum of nodeN/vmstat pgdemote_* */
        uint64_t promoted;      /* pages, nodeN/vmstat pgpromote_success */
};

/*
 * Fills up to max entries, one per online node (ascending), with its tier
 * (/sys/devices/virtual/memory_tiering/memory_tierN/nodelist) and vmstat
 * counters.  Returns the count.
 */
int tiering_read_nodes(struct tiering_node_stats *out, size_t max);

/* Room for the longest state text tiering_state_format() writes. */
#define TIERING_STATE_TEXT_MAX 16384

/*
 * Saves s to path (TIERING_STATE_FILE) as tiering_state_format() text,
 * replaced atomically (metrics_write_textfile()); when nothing is applied
 * or saved, removes the file instead.  Not under the sysfs root.
 * Returns 0 or -errno.
 */
int tiering_state_save(const char *path, const struct tiering_state *s);

/*
 * Loads what tiering_state_save() wrote into s.  Returns 0, -ENOENT when
 * there is no file (a first start), another -errno when it cannot be
 * read, or -EINVAL for a corrupt file, with a sentence in err; s is then
 * untouched, and the caller reports the file and starts afresh (the
 * values found are lost: they are not guessed).
 */
int tiering_state_load(const char *path, struct tiering_state *s, char *err, size_t errlen);
