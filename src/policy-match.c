/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy-match: which rule a device or a region falls under.  Pure: the
 * facts are handed in, first match wins.
 */

#include <fnmatch.h>
#include <strings.h>

#include "cxl-plan.h"
#include "policy.h"

/* A device matches match.cxl_memdev when any memdev behind its CXL region does. */
static bool cxl_memdevs_match(const char *glob, const struct cxl_memdev_id *ids, size_t n) {
        for (size_t i = 0; ids && i < n; i++) {
                struct cxl_memdev m = { .name = ids[i].name, .serial = ids[i].serial };
                if (cxl_memdev_matches(&m, glob))
                        return true;
        }
        return false;
}

static bool rule_matches(const struct rule *r, const struct match_facts *f) {
        if (r->match_set & DT_MATCH_DEVICE)
                if (!f->name || fnmatch(r->match_device, f->name, 0) != 0)
                        return false;

        if ((r->match_set & DT_MATCH_SOURCE) && r->match_source != DT_SOURCE_ANY)
                if (f->source != r->match_source)
                        return false;

        if (r->match_set & DT_MATCH_UUID)
                if (!(f->uuid && strcasecmp(f->uuid, r->match_uuid) == 0) &&
                    !(f->dax_uuid && strcasecmp(f->dax_uuid, r->match_uuid) == 0))
                        return false;

        /* An unknown (-1) region or node never equals a configured one,
         * which is never negative. */
        if ((r->match_set & DT_MATCH_REGION) && (f->region < 0 || f->region != r->match_region))
                return false;

        if ((r->match_set & DT_MATCH_TARGET_NODE) &&
            (f->target_node < 0 || f->target_node != r->match_target_node))
                return false;

        if ((r->match_set & DT_MATCH_SIZE_MIN) && f->size < r->match_size_min)
                return false;

        if ((r->match_set & DT_MATCH_SIZE_MAX) && f->size > r->match_size_max)
                return false;

        if (r->match_set & DT_MATCH_NAME)
                if (!f->ns_name || fnmatch(r->match_name, f->ns_name, 0) != 0)
                        return false;

        if ((r->match_set & DT_MATCH_CXL_REGION) && (f->cxl_region < 0 || f->cxl_region != r->match_cxl_region))
                return false;

        if ((r->match_set & DT_MATCH_CXL_MEMDEV) &&
            !cxl_memdevs_match(r->match_cxl_memdev, f->cxl_memdevs, f->n_cxl_memdevs))
                return false;

        return true;
}

const struct rule *policy_match(const struct policy *p, const struct match_facts *f) {
        if (!p || !f)
                return NULL;

        for (size_t i = 0; i < p->n_rules; i++)
                if (rule_matches(&p->rules[i], f))
                        return &p->rules[i];

        return NULL;
}

static bool region_rule_matches(const struct region_rule *r, const struct region_facts *f) {
        if ((r->match_set & DT_MATCH_SOURCE) && r->match_source != DT_SOURCE_ANY && f->source != r->match_source)
                return false;
        if ((r->match_set & DT_MATCH_REGION) && (f->region < 0 || f->region != r->match_region))
                return false;
        if ((r->match_set & DT_MATCH_TARGET_NODE) &&
            (f->target_node < 0 || f->target_node != r->match_target_node))
                return false;
        /* match.cxl_memdev of a [region] rule chooses the memdevs of the
         * CXL region pass (regions-cxl.c); an existing region has none to
         * compare here. */
        if ((r->match_set & DT_MATCH_CXL_REGION) && (f->cxl_region < 0 || f->cxl_region != r->match_cxl_region))
                return false;
        return true;
}

const struct region_rule *policy_match_region(const struct policy *p, const struct region_facts *f) {
        if (!p || !f)
                return NULL;

        for (size_t i = 0; i < p->n_region_rules; i++)
                if (region_rule_matches(&p->region_rules[i], f))
                        return &p->region_rules[i];

        return NULL;
}

