/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * audit-region: the journal records of [region] rules, one per region and
 * rule of a region pass (see audit-region.h).
 */

#include <syslog.h>

#include "audit-region.h"
#include "util.h"

char *audit_region_message(const struct carve_result *r, enum audit_kind *kind, int *prio) {
        char total[32], size[32], freeb[32], target[32];
        char *msg = NULL;
        int k;

        format_bytes(total, sizeof(total), r->carved + (r->outcome == CARVE_CREATED ? r->size : 0));
        format_bytes(size, sizeof(size), r->size);
        format_bytes(freeb, sizeof(freeb), r->available);
        format_bytes(target, sizeof(target), r->target);

        switch (r->outcome) {
        case CARVE_CREATED:
                *kind = r->cxl ? AUDIT_CXL_REGION_CREATED : AUDIT_REGION_CARVED;
                *prio = LOG_NOTICE;
                if (r->cxl)
                        k = asprintf(&msg, "%s: created CXL RAM region %s of %s for rule %s (capacity %s): %s; dax device %s; the rule now holds %s",
                                     r->region, r->region, size, r->rule, r->capacity, strempty(r->reason),
                                     r->device[0] ? r->device : "(not found)", total);
                else if (r->namespace[0])
                        k = asprintf(&msg, "%s: carved %s of %s for rule %s (capacity %s) from %s of free capacity, named " DT_CARVE_NAME_PREFIX "%s; dax device %s; the rule now holds %s of the region",
                                     r->region, r->namespace, size, r->rule, r->capacity, freeb, r->rule,
                                     r->device[0] ? r->device : "(not found)", total);
                else
                        k = asprintf(&msg, "%s: carved dax device %s of %s for rule %s (capacity %s) from %s of free capacity; the rule now holds %s of the region",
                                     r->region, r->device, size, r->rule, r->capacity, freeb, total);
                break;
        case CARVE_SATISFIED:
                *kind = AUDIT_REGION_SATISFIED;
                *prio = LOG_INFO;
                k = asprintf(&msg, "%s: rule %s (capacity %s, %s) holds %s in %u namespace%s; nothing to carve%s%s",
                             r->region, r->rule, r->capacity, target, total, r->n_carved, r->n_carved == 1 ? "" : "s",
                             r->reason ? ": " : "", strempty(r->reason));
                break;
        case CARVE_REFUSED:
                *kind = AUDIT_REGION_REFUSED;
                *prio = LOG_WARNING;
                k = asprintf(&msg, "%s: rule %s refused: %s", r->region, r->rule, strempty(r->reason));
                break;
        default:
                *kind = AUDIT_REGION_FAILED;
                *prio = LOG_ERR;
                k = asprintf(&msg, "%s: rule %s: carving failed: %s", r->region, r->rule, strempty(r->reason));
                break;
        }
        return k < 0 ? NULL : msg;
}

void audit_region_result(const struct carve_result *r, enum audit_kind kind, int prio, const char *msg) {
        char f_region[64], f_rule[96], f_capacity[64], f_max[48], f_size[48], f_target[48], f_carved[48],
                f_free[48], f_rsize[48], f_ns[64], f_dev[64], f_outcome[48], f_layout[48];
        _cleanup_free_ char *f_reason = NULL;
        const char *fields[16];
        size_t n = 0;

        snprintf(f_region, sizeof(f_region), "DAXTIER_REGION=%s", r->region);
        snprintf(f_rule, sizeof(f_rule), "DAXTIER_RULE=%s", r->rule);
        snprintf(f_capacity, sizeof(f_capacity), "DAXTIER_CAPACITY=%s", r->capacity);
        snprintf(f_max, sizeof(f_max), "DAXTIER_MAX_DEVICES=%u", r->max_devices);
        snprintf(f_size, sizeof(f_size), "DAXTIER_SIZE=%llu", (unsigned long long) r->size);
        snprintf(f_target, sizeof(f_target), "DAXTIER_TARGET=%llu", (unsigned long long) r->target);
        snprintf(f_carved, sizeof(f_carved), "DAXTIER_CARVED=%llu", (unsigned long long) r->carved);
        snprintf(f_free, sizeof(f_free), "DAXTIER_FREE=%llu", (unsigned long long) r->available);
        snprintf(f_rsize, sizeof(f_rsize), "DAXTIER_REGION_SIZE=%llu", (unsigned long long) r->region_size);
        snprintf(f_outcome, sizeof(f_outcome), "DAXTIER_OUTCOME=%s", carve_outcome_to_string(r->outcome));
        fields[n++] = f_region;
        fields[n++] = f_rule;
        fields[n++] = f_capacity;
        fields[n++] = f_max;
        fields[n++] = f_size;
        fields[n++] = f_target;
        fields[n++] = f_carved;
        fields[n++] = f_free;
        fields[n++] = f_rsize;
        fields[n++] = f_outcome;
        if (r->namespace[0] && r->outcome != CARVE_SATISFIED && r->outcome != CARVE_REFUSED) {
                snprintf(f_ns, sizeof(f_ns), "DAXTIER_NAMESPACE=%s", r->namespace);
                fields[n++] = f_ns;
        }
        if (r->device[0]) {
                snprintf(f_dev, sizeof(f_dev), "DAXTIER_DEVICE=%s", r->device);
                fields[n++] = f_dev;
        }
        if (r->cxl && r->cxl_layout[0]) {
                snprintf(f_layout, sizeof(f_layout), "DAXTIER_CXL_LAYOUT=%s", r->cxl_layout);
                fields[n++] = f_layout;
        }
        if (r->reason && asprintf(&f_reason, "DAXTIER_REASON=%s", r->reason) >= 0)
                fields[n++] = f_reason;
        else
                f_reason = NULL;
        fields[n] = NULL;

        audit_event(kind, prio, fields, "%s", msg);
}

void audit_region_pass_failed(int err) {
        char reason[256], field[300];

        snprintf(reason, sizeof(reason), "cannot list the NVDIMM and dax regions: %s", strerror(-err));
        snprintf(field, sizeof(field), "DAXTIER_REASON=%s", reason);
        const char *f[] = { field, NULL };
        audit_event(AUDIT_REGION_FAILED, LOG_ERR, f, "region pass failed: %s; nothing was carved", reason);
}
