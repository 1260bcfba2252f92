/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * carve: the region pass.  For every region a [region] rule matches, it
 * counts the rule's own namespaces (those named "daxtierd-RULE"), asks
 * capacity_plan() what is missing, and creates at most one new devdax
 * namespace from the region's free capacity: with libndctl on NVDIMM
 * regions that have labels, with libdaxctl on dynamic dax regions (CXL,
 * hmem).  It never destroys, shrinks, renames or reuses anything it did
 * not create, and a region no rule matches is not touched.
 *
 * The decisions are in carve-plan.c (pure), the libndctl and libdaxctl
 * calls in carve.c; the types and functions below are shared by both.
 *
 * carve_regions() may block for seconds (the kernel probes the new
 * device): the manager runs it in a thread.  It touches nothing but the
 * request it is given, the results it returns and the kernel.
 */

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/*
 * Dynamic dax regions (CXL, hmem) have no labels to keep a name in, so
 * the devices daxtierd carves there are listed in this file, one line
 * "DEVICE REGION-ID SIZE RULE" each.  It lives in /run: dynamic devices
 * do not survive a reboot either.
 */
#define CARVE_DAX_STATE_DIR "/run/daxtierd"
#define CARVE_DAX_STATE_FILE CARVE_DAX_STATE_DIR "/dax-devices"

/* A copy of what a pass needs from the policy, so a reload cannot pull it away. */
struct carve_request {
        struct region_rule *rules;
        size_t n_rules;
        uint64_t block_size;    /* memory block size; 0: unknown */
};

enum carve_outcome {
        CARVE_CREATED,          /* a namespace (device) was created */
        CARVE_SATISFIED,        /* nothing to do; reason may say why */
        CARVE_REFUSED,          /* more is wanted, but carving it is not allowed or not possible */
        CARVE_FAILED,           /* the kernel or a library refused to create it */
};

/* What a pass did or decided about one region. */
struct carve_result {
        char region[32];        /* "region0" (nd) or "dax_region1" (dynamic dax) */
        char rule[64];
        enum carve_outcome outcome;
        char capacity[32];      /* the rule's capacity as configured: "50%" */
        unsigned max_devices;
        uint64_t region_size;
        uint64_t target;        /* rounded capacity in bytes */
        uint64_t carved;        /* the rule's namespaces before this pass */
        unsigned n_carved;
        uint64_t available;     /* free capacity a new namespace could take */
        uint64_t size;          /* created: its size; refused: what is missing */
        char namespace[32];     /* created (nd): "namespace0.0" */
        char device[32];        /* created: the dax device, "" if not found */
        char *reason;           /* refused/failed, sometimes satisfied; CXL created: the layout */
        bool cxl;               /* a result of the CXL region pass (regions-cxl.c): region is a CXL region */
        char cxl_layout[16];    /* CXL created: interleaved | per-memdev (DAXTIER_CXL_LAYOUT) */
};

const char *carve_outcome_to_string(enum carve_outcome o);

/* Copies the [region] rules of p.  Returns 0 or -ENOMEM. */
int carve_request_new(const struct policy *p, uint64_t block_size, struct carve_request **ret);
void carve_request_free(struct carve_request *req);

/*
 * Runs one pass over every region.  Returns 0 and the results (one per
 * region a rule matched, in the order found; *ret NULL when none), or
 * -errno when the regions cannot be listed at all (nothing is created
 * then).
 */
int carve_regions(const struct carve_request *req, struct carve_result **ret, size_t *n_ret);
void carve_results_free(struct carve_result *r, size_t n);

/*
 * The name daxtierd gave the dynamic dax device NAME of size bytes when
 * it carved it ("daxtierd-RULE"), for match.name.  Returns 0, or -ENOENT
 * when daxtierd did not carve it (or the file is missing).
 */
int carve_dax_name(const char *name, uint64_t size, char *buf, size_t len);
