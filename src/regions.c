/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* regions: see regions.h. */

#include "audit-region.h"
#include "carve.h"
#include "cxl-pass.h"
#include "log.h"
#include "regions-cxl.h"
#include "regions.h"
#include "util.h"
#include "worker.h"

/* The last message recorded for a region, so that udev events that
 * change nothing do not repeat it. */
struct memo {
        char region[32];
        char *msg;
};

struct region_runner {
        struct region_runner_ops ops;
        struct worker *worker;          /* runs the passes */
        bool fresh;                     /* of the running pass */
        struct carve_request *req;      /* of the running pass */
        int result;
        struct carve_result *results;
        size_t n_results;

        struct carve_request *next;     /* asked for while one ran */
        bool next_fresh;

        struct memo *memo;
        size_t n_memo;
};

/* In the worker thread: the carving pass with the rules that carve
 * namespaces, then the CXL pass with the ones that create CXL regions
 * (cxl_pass_rule()), whose results follow the carving pass's. */
static void pass_main(void *userdata) {
        struct region_runner *rr = userdata;
        struct carve_request carve = *rr->req;
        struct carve_results cxl = {};
        _cleanup_free_ struct region_rule *rules = NULL;

        rules = calloc(rr->req->n_rules ? rr->req->n_rules : 1, sizeof(*rules));
        if (!rules) {
                rr->result = -ENOMEM;
                return;
        }
        carve.rules = rules;
        carve.n_rules = cxl_pass_carve_rules(rr->req->rules, rr->req->n_rules, rules);
        rr->result = carve_regions(&carve, &rr->results, &rr->n_results);
        /* A carving pass that cannot list the nd regions (no libndctl
         * context) does not stop the CXL pass. */
        int r = cxl_region_pass(rr->req, &cxl);
        if (rr->result >= 0)
                rr->result = r;
        if (cxl.n > 0) {
                struct carve_result *v = realloc(rr->results, (rr->n_results + cxl.n) * sizeof(*v));
                if (!v) {
                        carve_results_free(cxl.v, cxl.n);
                        rr->result = -ENOMEM;
                        return;
                }
                memcpy(v + rr->n_results, cxl.v, cxl.n * sizeof(*v));
                rr->results = v;
                rr->n_results += cxl.n;
                free(cxl.v);
        }
}

static struct memo *memo_find(struct region_runner *rr, const char *region) {
        struct memo *m;

        for (size_t i = 0; i < rr->n_memo; i++)
                if (streq(rr->memo[i].region, region))
                        return &rr->memo[i];
        m = realloc(rr->memo, (rr->n_memo + 1) * sizeof(*m));
        if (!m)
                return NULL;
        rr->memo = m;
        m = &rr->memo[rr->n_memo++];
        *m = (struct memo) {};
        snprintf(m->region, sizeof(m->region), "%s", region);
        return m;
}

/* Records one result as a journal record; in a pass that a udev event
 * started (!fresh), only what is news (see region_runner_request()). */
static void record(struct region_runner *rr, const struct carve_result *r, bool fresh) {
        _cleanup_free_ char *msg = NULL;
        enum audit_kind kind;
        struct memo *m;
        int prio;

        msg = audit_region_message(r, &kind, &prio);
        if (!msg) {
                log_error("%s: out of memory recording the region pass", r->region);
                return;
        }

        /* Passes that udev events start say what changed: a new device,
         * or a refusal or failure that differs from the last record.
         * That a region still has its capacity is news only at start and
         * on reload. */
        m = memo_find(rr, r->region);
        if (m && !fresh && r->outcome != CARVE_CREATED &&
            (streq_ptr(m->msg, msg) || r->outcome == CARVE_SATISFIED)) {
                free(m->msg);
                m->msg = strdup(msg);
                return;
        }
        if (m) {
                free(m->msg);
                m->msg = strdup(msg);
        }
        audit_region_result(r, kind, prio, msg);
}

static void start_pass(struct region_runner *rr);

static void on_pass_done(void *userdata) {
        struct region_runner *rr = userdata;

        if (rr->result < 0)
                audit_region_pass_failed(rr->result);
        for (size_t i = 0; i < rr->n_results; i++)
                record(rr, &rr->results[i], rr->fresh);
        for (size_t i = 0; i < rr->n_results; i++)
                if (rr->results[i].outcome == CARVE_CREATED && rr->results[i].device[0] && rr->ops.created)
                        rr->ops.created(rr->results[i].device, rr->ops.userdata);

        carve_results_free(rr->results, rr->n_results);
        rr->results = NULL;
        rr->n_results = 0;
        carve_request_free(rr->req);
        rr->req = NULL;

        if (rr->next) {
                rr->req = TAKE_PTR(rr->next);
                rr->fresh = rr->next_fresh;
                rr->next_fresh = false;
                start_pass(rr);
                return;
        }
        if (rr->ops.idle)
                rr->ops.idle(rr->ops.userdata);
}

static void start_pass(struct region_runner *rr) {
        /* Cannot be busy: a request while a pass runs waits in rr->next. */
        (void) worker_start(rr->worker, pass_main, rr);
}

int region_runner_request(struct region_runner *rr, const struct policy *p, uint64_t block_size, bool fresh) {
        struct carve_request *req;
        int r;

        if (!p || p->n_region_rules == 0) {
                /* Nothing to carve: drop what was due, let a running pass end. */
                carve_request_free(TAKE_PTR(rr->next));
                return 0;
        }
        r = carve_request_new(p, block_size, &req);
        if (r < 0)
                return r;
        if (worker_busy(rr->worker)) {
                carve_request_free(rr->next);
                rr->next = req;
                rr->next_fresh = rr->next_fresh || fresh;
                return 0;
        }
        rr->req = req;
        rr->fresh = fresh;
        start_pass(rr);
        return 0;
}

bool region_runner_busy(const struct region_runner *rr) {
        return rr && (worker_busy(rr->worker) || rr->next);
}

int region_runner_new(sd_event *event, const struct region_runner_ops *ops, struct region_runner **ret) {
        struct region_runner *rr;
        int r;

        rr = calloc(1, sizeof(*rr));
        if (!rr)
                return -ENOMEM;
        rr->ops = *ops;
        r = worker_new(event, "region-pass-done", on_pass_done, rr, &rr->worker);
        if (r < 0) {
                free(rr);
                return r;
        }
        *ret = rr;
        return 0;
}

void region_runner_free(struct region_runner *rr) {
        if (!rr)
                return;
        /* A namespace half made would be worse than a slow stop: the
         * worker waits for a running pass. */
        worker_free(rr->worker);
        carve_results_free(rr->results, rr->n_results);
        carve_request_free(rr->req);
        carve_request_free(rr->next);
        for (size_t i = 0; i < rr->n_memo; i++)
                free(rr->memo[i].msg);
        free(rr->memo);
        free(rr);
}
