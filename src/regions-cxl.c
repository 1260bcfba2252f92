/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * regions-cxl: the CXL region pass (see regions-cxl.h).
 *
 * sysfs, not libcxl: Debian 12's libcxl (ndctl 76.1) cannot create a RAM
 * region, and caches the topology when its context is made (cxl-sysfs.h
 * says more).  The state list is written with a rename, like carve.c's.
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cxl-pass.h"
#include "cxl-sysfs.h"
#include "log.h"
#include "regions-cxl.h"
#include "statefile.h"
#include "sysfs.h"
#include "util.h"

#define CXL_STATE_MAX 64

struct state {
        char buf[CXL_STATE_MAX * 160];          /* the file; entries point into it */
        struct cxl_owned_region v[CXL_STATE_MAX];
        size_t n;
        /* names and rules added in this pass (not in buf) */
        char names[CXL_STATE_MAX][CXL_NAME_MAX];
        char rules[CXL_STATE_MAX][64];
        size_t used;                            /* of names[] and rules[] */
};

static int state_load(struct state *s) {
        _cleanup_fclose_ FILE *f = NULL;
        size_t len;
        unsigned line = 0;
        int n;

        s->n = 0;
        f = fopen(CXL_STATE_FILE, "re");
        if (!f)
                return errno == ENOENT ? 0 : -errno;
        len = fread(s->buf, 1, sizeof(s->buf) - 1, f);
        s->buf[len] = 0;
        n = cxl_state_parse(s->buf, s->v, ELEMENTSOF(s->v), &line);
        if (n < 0) {
                /* Never guess: a list that does not parse owns nothing,
                 * and nothing more is created until it is fixed. */
                log_error(CXL_STATE_FILE ":%u: cannot parse; no CXL region is created until it is fixed or removed",
                          line);
                return -EBADMSG;
        }
        s->n = (size_t) n;
        return 0;
}

static int state_save(const struct state *s) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        FILE *f;
        int r;

        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        r = cxl_state_write(f, s->v, s->n);
        if (fclose(f) != 0 && r == 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        return statefile_write(CXL_STATE_FILE, buf, len);
}

struct intent {
        struct state *s;
        const char *rule;
        uint64_t size;
        char name[CXL_NAME_MAX];                /* recorded: forget it again if creating fails */
};

/* Called between reading create_ram_region and writing it back. */
static int record_intent(const char *region, void *userdata) {
        struct intent *in = userdata;
        struct state *s = in->s;

        size_t u = s->used;
        int r;

        if (s->n >= CXL_STATE_MAX || u >= CXL_STATE_MAX)
                return -ENOSPC;
        s->used++;
        snprintf(s->names[u], CXL_NAME_MAX, "%s", region);
        snprintf(s->rules[u], sizeof(s->rules[u]), "%s", in->rule);
        s->v[s->n++] = (struct cxl_owned_region) { .name = s->names[u], .rule = s->rules[u], .size = in->size };
        r = state_save(s);
        if (r < 0) {
                s->n--;
                return r;
        }
        snprintf(in->name, sizeof(in->name), "%s", region);
        return 0;
}

static void state_forget(struct state *s, const char *region) {
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->v[i].name, region)) {
                        memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(s->v[0]));
                        s->n--;
                        (void) state_save(s);
                        return;
                }
}

/* The dax device the kernel added for region: .../regionN/dax_regionN/daxN.M. */
static void find_dax(const char *region, char *ret, size_t len) {
        char p[PATH_MAX], dir[PATH_MAX];
        int id;

        ret[0] = 0;
        if (sscanf(region, "region%d", &id) != 1)
                return;
        snprintf(p, sizeof(p), "/sys/bus/cxl/devices/%s/dax_region%d", region, id);
        if (sysfs_path(dir, sizeof(dir), p) < 0)
                return;
        /* The cxl_dax_region driver adds it while the region binds; give a
         * slow probe two seconds. */
        for (int tries = 0; tries < 20 && !ret[0]; tries++) {
                DIR *d = opendir(dir);
                struct dirent *de;

                if (d) {
                        while ((de = readdir(d)))
                                if (startswith(de->d_name, "dax") && strchr(de->d_name, '.')) {
                                        if (strlen(de->d_name) < len)
                                                memcpy(ret, de->d_name, strlen(de->d_name) + 1);
                                        break;
                                }
                        closedir(d);
                }
                if (!ret[0])
                        usleep(100000);
        }
}

static struct carve_result *result_new(struct carve_results *rs, const char *region, const struct region_rule *rule) {
        struct carve_result *v = realloc(rs->v, (rs->n + 1) * sizeof(*v)), *r;

        if (!v) {
                rs->oom = true;
                return NULL;
        }
        rs->v = v;
        r = &v[rs->n++];
        *r = (struct carve_result) { .outcome = CARVE_SATISFIED, .max_devices = rule->max_devices, .cxl = true };
        /* A long rule name in "cxl:RULE" is cut, never overrun. */
        snprintf(r->region, sizeof(r->region), "%.31s", region);
        snprintf(r->rule, sizeof(r->rule), "%s", rule->name);
        dt_amount_to_string(&rule->capacity, r->capacity, sizeof(r->capacity));
        return r;
}

/* The regions of the state file that are still ours, into owned; warns
 * about half-made ones and drops the gone ones from the state file. */
static size_t pass_owned(const struct cxl_sysfs *c, struct state *st, bool state_ok,
                         struct cxl_owned_region *owned, size_t max) {
        char half[128];
        size_t n_owned, dropped = 0;

        n_owned = cxl_pass_owned(st->v, st->n, c->regions, c->n_regions, owned, max, half,
                                 sizeof(half), &dropped);
        if (half[0])
                log_warning("CXL region%s %s in " CXL_STATE_FILE " %s not committed (a creation cut short); not counted, not touched: delete with 'cxl destroy-region' if unused",
                            strchr(half, ',') ? "s" : "", half, strchr(half, ',') ? "are" : "is");
        if (dropped > 0 && state_ok) {
                memcpy(st->v, owned, n_owned * sizeof(owned[0]));
                st->n = n_owned;
                (void) state_save(st);
        }
        return n_owned;
}

/* Creates the plan's regions in order, one result each; stops at the
 * first failure. */
static void pass_create(const struct region_rule *rule, struct cxl_plan *plan, const struct cxl_topology *t,
                        const struct cxl_sysfs *c, struct state *st, const char *label,
                        struct carve_results *rs) {
        char layout[512];
        struct carve_result *res;
        int r;

        for (size_t i = 0; i < plan->n_regions; i++) {
                const struct cxl_region_plan *p = &plan->regions[i];
                struct intent in = { .s = st, .rule = rule->name, .size = p->size };
                char name[CXL_NAME_MAX] = "";
                const char *step = NULL;

                cxl_pass_describe(plan, p, t, layout, sizeof(layout));
                r = cxl_sysfs_create_ram_region_intent(c, p, record_intent, &in, name, sizeof(name), &step);
                res = result_new(rs, name[0] ? name : in.name[0] ? in.name : label, rule);
                if (!res)
                        return;
                cxl_pass_result(rule, plan, t, res, NULL, 0);
                res->size = p->size;
                if (r < 0) {
                        /* cxl-sysfs undid what it made; the entry goes too. */
                        if (in.name[0])
                                state_forget(st, in.name);
                        carve_result_set(res, CARVE_FAILED, "creating a CXL RAM region (%s) failed at %s: %s", layout,
                                         step ? step : "?", strerror(-r));
                        break;
                }
                carve_result_set(res, CARVE_CREATED, "%s", layout);
                find_dax(name, res->device, sizeof(res->device));
                res->carved = plan->have;
                plan->have += p->size;
        }
}

/* One rule: plan against the topology as it is now, create what is missing. */
static void pass_rule(const struct carve_request *req, const struct region_rule *rule, struct state *st,
                      bool state_ok, struct carve_results *rs) {
        struct cxl_sysfs c = { 0 };
        struct cxl_owned_region owned[CXL_STATE_MAX];
        struct cxl_topology t;
        struct cxl_plan plan;
        struct carve_result *res;
        char label[64];
        size_t n_owned;
        int r;

        snprintf(label, sizeof(label), "cxl:%s", rule->name);
        r = cxl_sysfs_scan(&c);
        if (r < 0) {
                res = result_new(rs, label, rule);
                if (res)
                        carve_result_set(res, CARVE_FAILED, "cannot read the CXL topology: %s", strerror(-r));
                cxl_sysfs_free(&c);
                return;
        }
        n_owned = pass_owned(&c, st, state_ok, owned, ELEMENTSOF(owned));

        /* A memdev the rule names whose endpoint is not enumerated yet
         * (cxl_mem still probing it): a plan now would leave it out of
         * the interleave.  Its endpoint's uevent asks for another pass. */
        for (size_t i = 0; i < c.n_memdevs; i++)
                if (!c.endpoint[i][0] &&
                    cxl_memdev_matches(&c.memdevs[i],
                                       (rule->match_set & DT_MATCH_CXL_MEMDEV) ? rule->match_cxl_memdev : NULL)) {
                        log_info("%s: %s has no CXL endpoint yet: planning once it is enumerated", label,
                                 c.memdevs[i].name);
                        goto out;
                }

        cxl_sysfs_topology(&c, req->block_size, &t);
        t.owned = owned;
        t.n_owned = n_owned;
        r = cxl_plan_regions(&rule->capacity, (rule->match_set & DT_MATCH_CXL_MEMDEV) ? rule->match_cxl_memdev : NULL,
                             rule->name, &t, &plan);
        if (r < 0) {
                res = result_new(rs, label, rule);
                if (res)
                        carve_result_set(res, CARVE_FAILED, "cannot plan: %s", strerror(-r));
                goto out;
        }
        if (plan.verdict != CXL_PLAN_CREATE || !state_ok) {
                res = result_new(rs, plan.verdict == CXL_PLAN_SATISFIED && n_owned ? owned[0].name : label, rule);
                if (!res)
                        goto out;
                cxl_pass_result(rule, &plan, &t, res, NULL, 0);
                if (plan.verdict == CXL_PLAN_CREATE)
                        carve_result_set(res, CARVE_REFUSED, CXL_STATE_FILE " cannot be read: daxtierd cannot tell its regions from others', so it creates none");
                goto out;
        }
        pass_create(rule, &plan, &t, &c, st, label, rs);
out:
        cxl_sysfs_free(&c);
}

int cxl_region_pass(const struct carve_request *req, struct carve_results *rs) {
        struct state *st;
        bool any = false, state_ok;

        if (!req)
                return 0;
        for (size_t i = 0; i < req->n_rules; i++)
                any |= cxl_pass_rule(&req->rules[i]);
        if (!any)
                return 0;
        st = calloc(1, sizeof(*st));
        if (!st)
                return -ENOMEM;
        state_ok = state_load(st) >= 0;
        for (size_t i = 0; i < req->n_rules; i++)
                if (cxl_pass_rule(&req->rules[i]))
                        pass_rule(req, &req->rules[i], st, state_ok, rs);
        free(st);
        return rs->oom ? -ENOMEM : 0;
}
