/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * capacity: the arithmetic of [region] rules and of the per-node System
 * RAM cap.  Pure: the caller reads the region (carve.c) and hands the
 * numbers in, and the node cap reads the node's memory through the
 * struct backend it is handed; nothing here touches the system, so every
 * rule about sizes is unit-tested on its own.
 *
 * All sizes are bytes.
 */

#include <stdbool.h>
#include <stdint.h>

#include "device.h"
#include "policy.h"

/* The smallest namespace the kernel accepts (nd_namespace_store()). */
#define CAPACITY_MIN_NAMESPACE (UINT64_C(16) << 20)

/* What capacity_plan() needs to know about one region and one rule. */
struct capacity_region {
        uint64_t size;          /* the region's whole capacity */
        uint64_t available;     /* the largest free extent one new namespace can take */
        uint64_t carved;        /* total size of the rule's own namespaces in the region */
        unsigned n_carved;      /* how many of those there are */
        uint64_t align;         /* a new namespace's size must be a multiple of this (0: none) */
};

enum capacity_verdict {
        CAPACITY_SATISFIED,     /* the rule's own namespaces already hold its capacity */
        CAPACITY_CARVE,         /* create one namespace of plan.size */
        CAPACITY_NO_SPACE,      /* more is needed than the region has free: carve nothing */
        CAPACITY_MAX_DEVICES,   /* more is needed, but max_devices namespaces exist */
        CAPACITY_TOO_SMALL,     /* what is missing rounds to less than one namespace */
};

struct capacity_plan {
        enum capacity_verdict verdict;
        uint64_t target;        /* the capacity in bytes, rounded down to the alignment */
        uint64_t need;          /* target - carved, rounded down to the alignment */
        uint64_t size;          /* CAPACITY_CARVE: the size of the namespace to create */
};

const char *capacity_verdict_to_string(enum capacity_verdict v);

/* The smallest namespace the kernel takes whose size is a multiple of align. */
uint64_t capacity_min_namespace(uint64_t align);

/* v rounded down to a multiple of align; align 0 or 1 leaves v as it is. */
uint64_t capacity_round_down(uint64_t v, uint64_t align);

/* percent % of total, rounded down, without overflow for any total. */
uint64_t capacity_percent_of(uint64_t total, unsigned percent);

/*
 * The least common multiple of the alignments a namespace's size must
 * respect: the memory block size (kmem adds whole blocks), the region's
 * alignment, and the dax alignment times the interleave ways.  A zero
 * argument (unknown) is left out; ways 0 counts as 1.  Returns 0 and the
 * alignment in *ret (1 when every argument is 0), or -EOVERFLOW.
 */
int capacity_alignment(uint64_t block_size, uint64_t region_align, uint64_t dax_align, unsigned ways,
                       uint64_t *ret);

/*
 * The capacity a rule asks for in a region, in bytes, before rounding:
 * SIZE as given, PERCENT of the region's size, "free" as what the rule
 * has carved plus what is free now.
 */
uint64_t capacity_target(const struct dt_amount *capacity, const struct capacity_region *r);

/*
 * Decides what a [region] rule needs in one region.  The rule's own
 * namespaces count towards its capacity; anything else in the region is
 * never counted, shrunk or reused.  One call carves at most one
 * namespace, never part of what is needed: when more is needed than
 * r->available, the verdict is CAPACITY_NO_SPACE.  Returns 0, or
 * -EINVAL for a bad argument.
 */
int capacity_plan(const struct dt_amount *capacity, unsigned max_devices, const struct capacity_region *r,
                  struct capacity_plan *ret);

/*
 * The per-node cap in bytes for [daemon] max_system_ram_per_node: a SIZE
 * as given, a PERCENT of node_dram (the node's memory that is not
 * dax-backed).
 */
uint64_t capacity_node_limit(const struct dt_amount *cap, uint64_t node_dram);

/* True when current + add is above limit (without overflow). */
bool capacity_exceeds(uint64_t current, uint64_t add, uint64_t limit);

/*
 * [daemon] max_system_ram_per_node: would onlining d take the dax-backed
 * System RAM of its node above p's cap?  Counts the online blocks of
 * every device of devices[] on kmem on that node, as last observed (d
 * may be among them), and reads the node's MemTotal through be only when
 * d would add memory.  Returns true with the reason in why when d must be
 * refused; false when no cap is set, d's rule is not system-ram, or the
 * cap holds.
 */
bool capacity_node_cap_refuses(const struct policy *p, const struct device *d, struct device *const *devices,
                               size_t n_devices, uint64_t block_size, const struct backend *be, void *be_ctx,
                               char *why, size_t len);
