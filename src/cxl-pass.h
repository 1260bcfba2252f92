/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * cxl-pass: the decisions of the CXL region pass (regions-cxl.c does the
 * I/O), pure so that test-cxl-pass checks them without a kernel:
 *  - which [region] rules create CXL RAM regions (cxl_pass_rule()); the
 *    rest stay with the namespace carving pass (carve.c);
 *  - which entries of the state list still name a region daxtierd made
 *    (cxl_pass_owned()): only those count towards a rule, and nothing
 *    else is ever touched;
 *  - what a plan (cxl_plan_regions()) means as a region record
 *    (cxl_pass_result()): satisfied, refused, or regions to create, and
 *    which layout and why.
 */

#include <stdbool.h>
#include <stddef.h>

#include "carve-plan.h"
#include "cxl-plan.h"
#include "cxl-sysfs.h"

/* The state list of the CXL regions daxtierd made, beside CARVE_DAX_STATE_FILE. */
#define CXL_STATE_FILE "/run/daxtierd/cxl-regions"

/*
 * True for a rule the CXL pass serves: match.source = cxl, and no key
 * that names an existing region (match.region, match.cxl_region) or a
 * node (match.target_node: a new region's node is the window's, known
 * only once it exists).  Such rules create regions; the carving pass
 * leaves them out.
 */
bool cxl_pass_rule(const struct region_rule *r);

/* The rules of req the carving pass keeps (all but cxl_pass_rule() ones), copied shallowly into out (n_rules long); returns how many. */
size_t cxl_pass_carve_rules(const struct region_rule *rules, size_t n_rules, struct region_rule *out);

/*
 * The state list entries that are still daxtierd's: a region of that name
 * exists, is committed, and is a RAM region of the entry's size.  They go
 * to out (at most max); an entry whose region is gone is dropped (a
 * region of the same name made later by someone else is not ours: the
 * size or mode tells, or, being uncommitted, it is not counted).  The
 * names of entries dropped because their region exists but is not
 * committed (a creation cut short) are appended to half (", "
 * separated).  Returns the number in out; *ret_dropped gets how many
 * entries were dropped (the list should be rewritten).
 */
size_t cxl_pass_owned(const struct cxl_owned_region *state, size_t n, const struct cxl_sysfs_region *regs,
                      size_t n_regs, struct cxl_owned_region *out, size_t max, char *half, size_t half_len,
                      size_t *ret_dropped);

/*
 * Fills res (already named for the rule) from a plan that is not
 * CXL_PLAN_CREATE: satisfied (the rule's regions, listed) or refused
 * (the plan's reason).  For CXL_PLAN_CREATE it sets target and the
 * layout sentence in *layout (what cxl_pass_created() puts in the
 * record) and leaves the outcome to the caller.
 */
void cxl_pass_result(const struct region_rule *rule, const struct cxl_plan *plan, const struct cxl_topology *t,
                     struct carve_result *res, char *layout, size_t layout_len);

/*
 * The sentence for one created region p of plan: "2-way interleaved
 * across mem0 (0xa1), mem1 (0xa2) under decoder0.0, granularity 256" or
 * "one region per memdev (why): mem0 (0xa1) under decoder0.0".
 */
void cxl_pass_describe(const struct cxl_plan *plan, const struct cxl_region_plan *p, const struct cxl_topology *t,
                       char *buf, size_t len);
