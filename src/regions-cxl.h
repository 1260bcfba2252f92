/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * regions-cxl: the CXL region pass.  For each [region] rule with
 * match.source = cxl (cxl_pass_rule()), it reads the CXL topology
 * (cxl-sysfs.c), counts the regions the rule made (the state list
 * CXL_STATE_FILE), plans what is missing (cxl_plan_regions()) and
 * creates it: a RAM region from the free capacity of the matching
 * memdevs, committed and bound, whose dax device the kernel then adds
 * and the [device] rules handle.  Each region's name is recorded in the
 * state list before the region exists.  Runs in the region pass's
 * worker thread, after the carving pass (regions.c).
 */

#include "carve-plan.h"
#include "carve.h"

/* Appends one result per rule (per created region) to rs.  Returns 0,
 * or -errno when the topology cannot be read (nothing is created). */
int cxl_region_pass(const struct carve_request *req, struct carve_results *rs);
