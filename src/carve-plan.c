/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* carve-plan: see carve-plan.h. */

#include "capacity.h"
#include "carve-plan.h"
#include "util.h"

const char *carve_outcome_to_string(enum carve_outcome o) {
        switch (o) {
        case CARVE_CREATED: return "created";
        case CARVE_SATISFIED: return "satisfied";
        case CARVE_REFUSED: return "refused";
        case CARVE_FAILED: return "failed";
        }
        return "invalid";
}

void carve_request_free(struct carve_request *req) {
        if (!req)
                return;
        for (size_t i = 0; i < req->n_rules; i++) {
                free(req->rules[i].name);
                free(req->rules[i].file);
        }
        free(req->rules);
        free(req);
}

int carve_request_new(const struct policy *p, uint64_t block_size, struct carve_request **ret) {
        struct carve_request *req;

        req = calloc(1, sizeof(*req));
        if (!req)
                return -ENOMEM;
        req->block_size = block_size;
        if (p && p->n_region_rules > 0) {
                req->rules = calloc(p->n_region_rules, sizeof(*req->rules));
                if (!req->rules) {
                        free(req);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < p->n_region_rules; i++) {
                        struct region_rule *r = &req->rules[i];

                        *r = p->region_rules[i];
                        r->name = strdup(p->region_rules[i].name);
                        r->file = strdup(p->region_rules[i].file);
                        req->n_rules++;
                        if (!r->name || !r->file) {
                                carve_request_free(req);
                                return -ENOMEM;
                        }
                }
        }
        *ret = req;
        return 0;
}

void carve_results_free(struct carve_result *r, size_t n) {
        for (size_t i = 0; r && i < n; i++)
                free(r[i].reason);
        free(r);
}

static struct carve_result *result_add(struct carve_results *rs, const char *region, const struct region_rule *rule) {
        struct carve_result *v, *r;

        v = realloc(rs->v, (rs->n + 1) * sizeof(*v));
        if (!v) {
                rs->oom = true;
                return NULL;
        }
        rs->v = v;
        r = &v[rs->n++];
        *r = (struct carve_result) { .outcome = CARVE_SATISFIED, .max_devices = rule->max_devices };
        snprintf(r->region, sizeof(r->region), "%s", region);
        snprintf(r->rule, sizeof(r->rule), "%s", rule->name);
        dt_amount_to_string(&rule->capacity, r->capacity, sizeof(r->capacity));
        return r;
}

void carve_result_set(struct carve_result *r, enum carve_outcome o, const char *fmt, ...) {
        va_list ap;

        r->outcome = o;
        free(r->reason);
        r->reason = NULL;
        if (!fmt)
                return;
        va_start(ap, fmt);
        if (vasprintf(&r->reason, fmt, ap) < 0)
                r->reason = NULL;
        va_end(ap);
}

/* "1073741824 bytes (1.0 GiB)": exact for machines, readable for people. */
static const char *bytes(char *buf, size_t len, uint64_t v) {
        char h[32];
        snprintf(buf, len, "%llu bytes (%s)", (unsigned long long) v, format_bytes(h, sizeof(h), v));
        return buf;
}

/* Turns a plan that creates nothing into the result's outcome and reason. */
static void plan_verdict(struct carve_result *res, const struct capacity_plan *plan, uint64_t min_size) {
        char a[64], b[64];

        switch (plan->verdict) {
        case CAPACITY_SATISFIED:
                carve_result_set(res, CARVE_SATISFIED, NULL);
                break;
        case CAPACITY_TOO_SMALL:
                carve_result_set(res, CARVE_SATISFIED,
                                 "the %s still missing is less than the smallest namespace %s takes (%s)",
                                 bytes(a, sizeof(a), plan->need), res->region, bytes(b, sizeof(b), min_size));
                break;
        case CAPACITY_MAX_DEVICES:
                carve_result_set(res, CARVE_REFUSED,
                                 "%s needs %s more for rule %s (capacity %s), but the rule already has %u namespace%s there (max_devices = %u); nothing was carved",
                                 res->region, bytes(a, sizeof(a), plan->need), res->rule, res->capacity,
                                 res->n_carved, res->n_carved == 1 ? "" : "s", res->max_devices);
                break;
        case CAPACITY_NO_SPACE:
                carve_result_set(res, CARVE_REFUSED,
                                 "%s needs %s more for rule %s (capacity %s), but has only %s free; nothing was carved",
                                 res->region, bytes(a, sizeof(a), plan->need), res->rule, res->capacity,
                                 bytes(b, sizeof(b), res->available));
                break;
        case CAPACITY_CARVE:
                break;
        }
}

/* Sets a refusal and returns true when the region may not be carved at all. */
static bool refused(const struct carve_request *req, const struct carve_region *f, struct carve_result *res) {
        if (f->disabled)
                carve_result_set(res, CARVE_REFUSED, "%s is disabled; nothing was carved", f->name);
        else if (f->read_only)
                carve_result_set(res, CARVE_REFUSED, "%s is read-only; nothing was carved", f->name);
        else if (f->no_labels)
                carve_result_set(res, CARVE_REFUSED,
                                 "%s has no namespace labels: its one namespace spans the whole region, so nothing can be carved from it (label its DIMMs with ndctl init-labels to carve)",
                                 f->name);
        else if (req->block_size == 0)
                carve_result_set(res, CARVE_REFUSED,
                                 "the memory block size is unknown, so no size can be rounded to it; nothing was carved");
        else if (f->no_dax_seed)
                carve_result_set(res, CARVE_REFUSED,
                                 "%s offers no devdax configuration (no dax seed); nothing was carved", f->name);
        else if (f->state_error < 0)
                /* Without the list daxtierd cannot tell its own devices,
                 * and might carve the same capacity twice. */
                carve_result_set(res, CARVE_REFUSED, "cannot read " CARVE_DAX_STATE_FILE ": %s; nothing was carved",
                                 strerror(-f->state_error));
        else
                return false;
        return true;
}

/* The rule's own namespaces: named exactly "daxtierd-RULE", not idle. */
static void count_own(const struct carve_region *f, const char *name, struct capacity_region *cr) {
        for (size_t i = 0; i < f->n_children; i++) {
                const struct carve_child *c = &f->children[i];

                if (!c->name || !streq(c->name, name) || c->size == 0 || c->size == UINT64_MAX)
                        continue;
                cr->carved += c->size;
                cr->n_carved++;
        }
}

struct carve_result *carve_region_run(const struct carve_request *req, const struct carve_region *f,
                                      const struct carve_backend *be, struct carve_results *rs) {
        struct policy view = { .region_rules = req->rules, .n_region_rules = req->n_rules };
        struct region_facts facts = { .name = f->name, .source = f->source, .region = f->id,
                                      .target_node = f->target_node,
                                      /* a CXL dax region's id is its CXL region's: dax_regionN under regionN */
                                      .cxl_region = f->source == DT_SOURCE_CXL ? f->id : -1 };
        const struct region_rule *rule;
        struct capacity_region cr = { .size = f->size };
        struct capacity_plan plan;
        struct carve_result *res;
        char name[128];
        int r;

        rule = policy_match_region(&view, &facts);
        if (!rule)
                return NULL;    /* no rule: never carved */
        res = result_add(rs, f->name, rule);
        if (!res)
                return NULL;
        res->region_size = f->size;
        if (refused(req, f, res))
                return res;

        snprintf(name, sizeof(name), DT_CARVE_NAME_PREFIX "%s", rule->name);
        count_own(f, name, &cr);
        res->carved = cr.carved;
        res->n_carved = cr.n_carved;

        if (f->available == UINT64_MAX) {
                carve_result_set(res, CARVE_FAILED, "cannot read the free capacity of %s", f->name);
                return res;
        }
        res->available = cr.available = f->available;

        r = capacity_alignment(req->block_size, f->region_align, f->dax_align, f->ways, &cr.align);
        if (r < 0) {
                carve_result_set(res, CARVE_FAILED, "the alignments of %s overflow: %s", f->name, strerror(-r));
                return res;
        }
        r = capacity_plan(&rule->capacity, rule->max_devices, &cr, &plan);
        if (r < 0) {
                carve_result_set(res, CARVE_FAILED, "cannot plan %s: %s", f->name, strerror(-r));
                return res;
        }
        res->target = plan.target;
        res->size = plan.need;
        if (plan.verdict != CAPACITY_CARVE) {
                plan_verdict(res, &plan, capacity_min_namespace(cr.align));
                return res;
        }

        res->size = plan.size;
        if (be->create(be->ctx, f, name, plan.size, res) >= 0)
                res->outcome = CARVE_CREATED;
        return res;
}

/* ---- crash recovery ------------------------------------------------------- */

int carve_intent_format(const struct carve_intent *in, char *buf, size_t len) {
        int n;

        if (in->kind == CARVE_INTENT_PMEM)
                n = snprintf(buf, len, "pmem %s %s %s\n", in->region, in->uuid, in->rule);
        else
                n = snprintf(buf, len, "dax %d %s %llu %s\n", in->region_id, in->device,
                             (unsigned long long) in->size, in->rule);
        return n < 0 || (size_t) n >= len ? -ENAMETOOLONG : n;
}

/* A word of [A-Za-z0-9._:-], 1 to len-1 characters. */
static bool word_ok(const char *w, size_t len) {
        size_t n = strlen(w);

        if (n == 0 || n >= len)
                return false;
        for (const char *p = w; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr("._:-", *p)))
                        return false;
        return true;
}

static bool uuid_text_ok(const char *u) {
        if (strlen(u) != 36)
                return false;
        for (int i = 0; i < 36; i++) {
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;
                if (dash ? u[i] != '-' : !((u[i] >= '0' && u[i] <= '9') || (u[i] >= 'a' && u[i] <= 'f')))
                        return false;
        }
        return true;
}

int carve_intent_parse(const char *buf, size_t len, struct carve_intent *ret) {
        char line[CARVE_INTENT_MAX], *tok[6], *save = NULL;
        struct carve_intent in = {};
        size_t n = 0;
        uint64_t v;

        if (!buf || len == 0 || len >= sizeof(line) || buf[len - 1] != '\n' || memchr(buf, 0, len) ||
            memchr(buf, '\n', len - 1))
                return -EINVAL;
        memcpy(line, buf, len - 1);
        line[len - 1] = 0;
        for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
                if (n == ELEMENTSOF(tok))
                        return -EINVAL;
                tok[n++] = t;
        }
        if (n == 4 && streq(tok[0], "pmem")) {
                in.kind = CARVE_INTENT_PMEM;
                if (!word_ok(tok[1], sizeof(in.region)) || !startswith(tok[1], "region") ||
                    !uuid_text_ok(tok[2]) || !word_ok(tok[3], sizeof(in.rule)))
                        return -EINVAL;
                snprintf(in.region, sizeof(in.region), "%s", tok[1]);
                snprintf(in.uuid, sizeof(in.uuid), "%s", tok[2]);
                snprintf(in.rule, sizeof(in.rule), "%s", tok[3]);
        } else if (n == 5 && streq(tok[0], "dax")) {
                in.kind = CARVE_INTENT_DAX;
                if (safe_atou64(tok[1], 10, &v) < 0 || v > INT32_MAX || !word_ok(tok[2], sizeof(in.device)) ||
                    !startswith(tok[2], "dax") || safe_atou64(tok[3], 10, &in.size) < 0 || in.size == 0 ||
                    !word_ok(tok[4], sizeof(in.rule)))
                        return -EINVAL;
                in.region_id = (int) v;
                snprintf(in.device, sizeof(in.device), "%s", tok[2]);
                snprintf(in.rule, sizeof(in.rule), "%s", tok[4]);
        } else
                return -EINVAL;
        *ret = in;
        return 0;
}

enum carve_recovery carve_recover_verdict(const struct carve_intent *in, const struct carve_found *found,
                                          const char **why) {
        char own[128];

        if (!found->exists) {
                *why = "it was never made (or is gone)";
                return CARVE_RECOVER_FORGET;
        }
        if (in->kind == CARVE_INTENT_PMEM) {
                snprintf(own, sizeof(own), DT_CARVE_NAME_PREFIX "%s", in->rule);
                if (found->name && found->name[0] && !streq(found->name, own)) {
                        *why = "the namespace with that uuid has another name: not daxtierd's";
                        return CARVE_RECOVER_FORGET;
                }
                if (found->enabled) {
                        *why = "it was made whole";
                        return CARVE_RECOVER_FORGET;
                }
                *why = "the namespace was never enabled: it holds no data";
                return CARVE_RECOVER_UNDO;
        }
        if (found->listed) {
                *why = "it is already listed as daxtierd's";
                return CARVE_RECOVER_FORGET;
        }
        if (found->size != in->size) {
                *why = found->size == 0 ? "it was never sized" : "it has another size: not provably daxtierd's";
                return CARVE_RECOVER_FORGET;
        }
        *why = "it was sized but not recorded";
        return CARVE_RECOVER_ADOPT;
}
