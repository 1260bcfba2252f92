/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * cxl-plan: what a [region] rule with match.source = cxl needs of the CXL
 * topology, as RAM regions to create.  Pure: the caller reads the
 * topology (cxl-sysfs.c) and hands it in as plain structs; nothing here
 * touches the system, so every rule about ways, granularity, sizes and
 * refusals is unit-tested against fake topologies (test-cxl-plan.c).
 *
 * The kernel's rules that shape a plan (drivers/cxl/core/region.c, hdm.c,
 * Documentation/ABI/testing/sysfs-bus-cxl):
 *  - a region's interleave_ways is one of 1, 2, 3, 4, 6, 8, 12, 16 and a
 *    multiple of its root decoder's ways; each host bridge of the window
 *    carries the same share of the region's devices;
 *  - when the window itself interleaves (root ways > 1) the region's
 *    granularity must be the window's; otherwise daxtierd uses it too;
 *  - each device gives the region the same DPA size, a multiple of
 *    256 MiB, so the region's size is a multiple of ways x 256 MiB; kmem
 *    onlines whole memory blocks, so it is a multiple of the block size
 *    too;
 *  - endpoint decoders are allocated in order: a device needs one that is
 *    still free.
 *
 * All sizes are bytes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policy.h"

/* DPA allocations and per-device region sizes are multiples of this. */
#define CXL_DPA_ALIGN (UINT64_C(256) << 20)

#define CXL_PLAN_MAX_WAYS 16
#define CXL_PLAN_MAX_REGIONS 16
#define CXL_PLAN_MAX_TARGETS 16

/* One root decoder: a CXL fixed memory window (CFMWS). */
struct cxl_root_decoder {
        const char *name;               /* "decoder0.0" */
        uint64_t size;                  /* the window's size */
        uint64_t free;                  /* the largest extent of it no region holds */
        unsigned ways;                  /* interleave_ways: how many host bridges it spans */
        unsigned granularity;           /* interleave_granularity, bytes */
        bool cap_ram;                   /* it can hold RAM regions */
        int targets[CXL_PLAN_MAX_TARGETS];      /* target_list: host bridge ids, in order */
        size_t n_targets;
};

/* One memory device (memdev) and what is left of its RAM capacity. */
struct cxl_memdev {
        const char *name;               /* "mem0" */
        uint64_t serial;                /* memN/serial */
        int host_bridge;                /* the id its root decoders' target_list use */
        const char *root_port;          /* the port it hangs from under its host bridge (may be NULL) */
        uint64_t ram_size;              /* memN/ram/size */
        uint64_t ram_used;              /* DPA of the RAM partition already allocated to decoders */
        bool free_decoder;              /* one of its endpoint decoders is still unallocated */
};

/* A region daxtierd made (its state list) that is still there. */
struct cxl_owned_region {
        const char *name;               /* "region0" */
        const char *rule;               /* the [region] rule that made it */
        uint64_t size;
};

struct cxl_topology {
        const struct cxl_root_decoder *roots;
        size_t n_roots;
        const struct cxl_memdev *memdevs;
        size_t n_memdevs;
        const struct cxl_owned_region *owned;
        size_t n_owned;
        uint64_t block_size;            /* memory block size (0: unknown, not applied) */
};

enum cxl_plan_verdict {
        CXL_PLAN_SATISFIED,             /* the rule's own regions hold its capacity: nothing to do */
        CXL_PLAN_CREATE,                /* create plan.regions[] in order */
        CXL_PLAN_REFUSED,               /* nothing can or may be created: plan.reason says why */
};

enum cxl_plan_layout {
        CXL_LAYOUT_NONE,
        CXL_LAYOUT_INTERLEAVED,         /* one region across every usable matching memdev (1 way if one) */
        CXL_LAYOUT_PER_MEMDEV,          /* one region per memdev: plan.reason says why */
};

/* One region to create. */
struct cxl_region_plan {
        size_t root;                    /* index into topology roots */
        unsigned ways;
        unsigned granularity;
        uint64_t per_device;            /* DPA each memdev gives */
        uint64_t size;                  /* ways x per_device */
        size_t memdevs[CXL_PLAN_MAX_WAYS];      /* indices into topology memdevs, in target order */
};

struct cxl_plan {
        enum cxl_plan_verdict verdict;
        enum cxl_plan_layout layout;
        uint64_t target;                /* what the rule asks for, before rounding */
        uint64_t have;                  /* what its own regions hold */
        uint64_t size;                  /* CXL_PLAN_CREATE: the sum of regions[].size */
        size_t n_regions;
        struct cxl_region_plan regions[CXL_PLAN_MAX_REGIONS];
        char reason[512];               /* refusals, and why a layout is per-memdev */
};

const char *cxl_plan_verdict_to_string(enum cxl_plan_verdict v);
const char *cxl_plan_layout_to_string(enum cxl_plan_layout l);

/* True for the interleave ways the CXL decoders can encode. */
bool cxl_ways_valid(unsigned ways);

/*
 * True when memdev m matches glob: its name ("mem0"), or its serial as
 * the kernel prints it in memN/serial ("0xa1"; hex digits in either
 * case).  A NULL or empty glob matches every memdev.
 */
bool cxl_memdev_matches(const struct cxl_memdev *m, const char *glob);

/*
 * Plans the RAM regions rule `rule` (its capacity and its
 * match.cxl_memdev glob, NULL for any) needs.  Only free DPA of matching
 * memdevs and free space of RAM-capable windows are planned for; the
 * rule's own regions (t->owned with that rule) count towards its
 * capacity, anything else is never touched or counted.  The capacity is
 * SIZE, PERCENT% of the matching memdevs' whole RAM capacity, or "free"
 * (what the rule has plus what is free now).  SIZE and PERCENT are
 * created in full or not at all.  Returns 0 with the verdict in *ret, or
 * -EINVAL for a bad argument.
 */
int cxl_plan_regions(const struct dt_amount *capacity, const char *memdev_glob, const char *rule,
                     const struct cxl_topology *t, struct cxl_plan *ret);

/*
 * The state list of the regions daxtierd made, one line per region:
 *   REGION RULE SIZE
 * ("region0 fast 1073741824"); '#' starts a comment.  cxl_state_parse()
 * reads it into *ret (strings point into the caller's writable buf,
 * which it modifies); returns the number of entries, or -EINVAL naming
 * the first bad line in *ret_line (1-based).  At most max entries.
 */
int cxl_state_parse(char *buf, struct cxl_owned_region *ret, size_t max, unsigned *ret_line);

/*
 * The host physical address of device address dpa on the memdev at
 * position pos of a region (start, ways, granularity bytes), when the
 * memdev's decoder maps the region from dpa_base: the region is laid out
 * granule by granule, round robin over the positions.  For the kernels
 * whose cxl_poison event has no hpa; a newer one translates itself (and
 * knows about multi-level interleaving, which this does not: root
 * decoders interleaving more than one host bridge are not handled).
 * Returns 0, or -ERANGE when dpa is below dpa_base or the result would
 * not fit, -EINVAL for a bad geometry.
 */
int cxl_dpa_to_hpa(uint64_t start, unsigned ways, unsigned granularity, unsigned pos, uint64_t dpa_base,
                   uint64_t dpa, uint64_t *ret);

/* Writes the state list of n regions (cxl_state_parse()'s format) to f. */
int cxl_state_write(FILE *f, const struct cxl_owned_region *o, size_t n);
