/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cxl-pass: see cxl-pass.h. */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cxl-pass.h"
#include "util.h"

bool cxl_pass_rule(const struct region_rule *r) {
        if (!(r->match_set & DT_MATCH_SOURCE) || r->match_source != DT_SOURCE_CXL)
                return false;
        return !(r->match_set & (DT_MATCH_REGION | DT_MATCH_CXL_REGION | DT_MATCH_TARGET_NODE));
}

size_t cxl_pass_carve_rules(const struct region_rule *rules, size_t n_rules, struct region_rule *out) {
        size_t n = 0;

        for (size_t i = 0; i < n_rules; i++)
                if (!cxl_pass_rule(&rules[i]))
                        out[n++] = rules[i];
        return n;
}

static void append(char *buf, size_t len, const char *s) {
        size_t at = strlen(buf);

        if (at + 1 >= len)
                return;
        snprintf(buf + at, len - at, "%s%s", at ? ", " : "", s);
}

size_t cxl_pass_owned(const struct cxl_owned_region *state, size_t n, const struct cxl_sysfs_region *regs,
                      size_t n_regs, struct cxl_owned_region *out, size_t max, char *half, size_t half_len,
                      size_t *ret_dropped) {
        size_t k = 0, dropped = 0;

        if (half && half_len)
                half[0] = 0;
        for (size_t i = 0; i < n; i++) {
                const struct cxl_sysfs_region *rg = NULL;

                for (size_t j = 0; j < n_regs; j++)
                        if (streq(regs[j].name, state[i].name)) {
                                rg = &regs[j];
                                break;
                        }
                if (!rg || (rg->mode[0] && !streq(rg->mode, "ram")) || rg->size != state[i].size) {
                        /* Gone, or a different region under a reused name. */
                        dropped++;
                        continue;
                }
                if (!rg->committed) {
                        if (half && half_len)
                                append(half, half_len, rg->name);
                        dropped++;
                        continue;
                }
                if (k < max)
                        out[k++] = state[i];
        }
        if (ret_dropped)
                *ret_dropped = dropped;
        return k;
}

void cxl_pass_describe(const struct cxl_plan *plan, const struct cxl_region_plan *p, const struct cxl_topology *t,
                       char *buf, size_t len) {
        char list[256] = "";
        const char *root = p->root < t->n_roots ? t->roots[p->root].name : "?";

        for (unsigned w = 0; w < p->ways && w < CXL_PLAN_MAX_WAYS; w++) {
                char one[64];

                if (p->memdevs[w] >= t->n_memdevs)
                        continue;
                snprintf(one, sizeof(one), "%s (%#" PRIx64 ")", t->memdevs[p->memdevs[w]].name,
                         t->memdevs[p->memdevs[w]].serial);
                append(list, sizeof(list), one);
        }
        if (plan->layout == CXL_LAYOUT_PER_MEMDEV)
                snprintf(buf, len, "one region per memdev (%s): %s under %s", plan->reason[0] ? plan->reason : "no common window",
                         list, root);
        else if (p->ways == 1)
                snprintf(buf, len, "not interleaved (one matching memdev with free capacity): %s under %s, granularity %u",
                         list, root, p->granularity);
        else
                snprintf(buf, len, "%u-way interleaved across %s under %s, granularity %u", p->ways, list, root,
                         p->granularity);
}

void cxl_pass_result(const struct region_rule *rule, const struct cxl_plan *plan, const struct cxl_topology *t,
                     struct carve_result *res, char *layout, size_t layout_len) {
        char owned[256] = "";
        size_t n_owned = 0;

        res->target = plan->target;
        res->carved = plan->have;
        for (size_t i = 0; i < t->n_owned; i++)
                if (streq(t->owned[i].rule, rule->name)) {
                        append(owned, sizeof(owned), t->owned[i].name);
                        n_owned++;
                }
        res->n_carved = (unsigned) n_owned;
        if (layout && layout_len)
                layout[0] = 0;

        switch (plan->verdict) {
        case CXL_PLAN_SATISFIED:
                carve_result_set(res, CARVE_SATISFIED, "CXL region%s %s made by daxtierd", n_owned == 1 ? "" : "s",
                                 n_owned ? owned : "(none)");
                break;
        case CXL_PLAN_REFUSED:
                carve_result_set(res, CARVE_REFUSED, "%s", plan->reason[0] ? plan->reason : "no CXL capacity can be planned");
                break;
        case CXL_PLAN_CREATE:
                res->size = plan->size;
                snprintf(res->cxl_layout, sizeof(res->cxl_layout), "%s", cxl_plan_layout_to_string(plan->layout));
                if (layout && layout_len && plan->n_regions > 0)
                        cxl_pass_describe(plan, &plan->regions[0], t, layout, layout_len);
                break;
        }
}
