/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* regions: see regions.h. */

#include <pthread.h>
#include <sys/eventfd.h>
#include <syslog.h>

#include "audit.h"
#include "carve.h"
#include "regions.h"
#include "util.h"

/* The last message recorded for a region, so that udev events that
 * change nothing do not repeat it. */
struct memo {
        char region[32];
        char *msg;
};

struct region_runner {
        struct region_runner_ops ops;
        int fd;
        sd_event_source *done_source;

        pthread_t thread;
        bool running;
        bool threaded;                  /* thread must be joined */
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

static void *pass_main(void *userdata) {
        struct region_runner *rr = userdata;
        uint64_t one = 1;

        rr->result = carve_regions(rr->req, &rr->results, &rr->n_results);
        if (write(rr->fd, &one, sizeof(one)) < 0)
                abort();        /* eventfd writes of 1 cannot fail */
        return NULL;
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
        char total[32], size[32], freeb[32], target[32];
        char f_region[64], f_rule[96], f_capacity[64], f_max[48], f_size[48], f_target[48], f_carved[48],
                f_free[48], f_rsize[48], f_ns[64], f_dev[64], f_outcome[48];
        _cleanup_free_ char *f_reason = NULL;
        const char *fields[16];
        enum audit_kind kind;
        struct memo *m;
        size_t n = 0;
        int prio, k;

        format_bytes(total, sizeof(total), r->carved + (r->outcome == CARVE_CREATED ? r->size : 0));
        format_bytes(size, sizeof(size), r->size);
        format_bytes(freeb, sizeof(freeb), r->available);
        format_bytes(target, sizeof(target), r->target);

        switch (r->outcome) {
        case CARVE_CREATED:
                kind = AUDIT_REGION_CARVED;
                prio = LOG_NOTICE;
                if (r->namespace[0])
                        k = asprintf(&msg, "%s: carved %s of %s for rule %s (capacity %s) from %s of free capacity, named " DT_CARVE_NAME_PREFIX "%s; dax device %s; the rule now holds %s of the region",
                                     r->region, r->namespace, size, r->rule, r->capacity, freeb, r->rule,
                                     r->device[0] ? r->device : "(not found)", total);
                else
                        k = asprintf(&msg, "%s: carved dax device %s of %s for rule %s (capacity %s) from %s of free capacity; the rule now holds %s of the region",
                                     r->region, r->device, size, r->rule, r->capacity, freeb, total);
                break;
        case CARVE_SATISFIED:
                kind = AUDIT_REGION_SATISFIED;
                prio = LOG_INFO;
                k = asprintf(&msg, "%s: rule %s (capacity %s, %s) holds %s in %u namespace%s; nothing to carve%s%s",
                             r->region, r->rule, r->capacity, target, total, r->n_carved, r->n_carved == 1 ? "" : "s",
                             r->reason ? ": " : "", strempty(r->reason));
                break;
        case CARVE_REFUSED:
                kind = AUDIT_REGION_REFUSED;
                prio = LOG_WARNING;
                k = asprintf(&msg, "%s: rule %s refused: %s", r->region, r->rule, strempty(r->reason));
                break;
        default:
                kind = AUDIT_REGION_FAILED;
                prio = LOG_ERR;
                k = asprintf(&msg, "%s: rule %s: carving failed: %s", r->region, r->rule, strempty(r->reason));
                break;
        }
        if (k < 0) {
                msg = NULL;
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
        if (r->reason && asprintf(&f_reason, "DAXTIER_REASON=%s", r->reason) >= 0)
                fields[n++] = f_reason;
        else
                f_reason = NULL;
        fields[n] = NULL;

        audit_event(kind, prio, fields, "%s", msg);
}

static void start_pass(struct region_runner *rr);

static int on_pass_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct region_runner *rr = userdata;
        uint64_t n;

        if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
                log_warning("reading the region pass's eventfd: %m");
        if (!rr->running)
                return 0;
        if (rr->threaded)
                pthread_join(rr->thread, NULL);
        rr->running = rr->threaded = false;

        if (rr->result < 0) {
                char reason[256], field[300];
                snprintf(reason, sizeof(reason), "cannot list the NVDIMM and dax regions: %s", strerror(-rr->result));
                snprintf(field, sizeof(field), "DAXTIER_REASON=%s", reason);
                const char *f[] = { field, NULL };
                audit_event(AUDIT_REGION_FAILED, LOG_ERR, f, "region pass failed: %s; nothing was carved", reason);
        }
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
                return 0;
        }
        if (rr->ops.idle)
                rr->ops.idle(rr->ops.userdata);
        return 0;
}

static void start_pass(struct region_runner *rr) {
        int r = pthread_create(&rr->thread, NULL, pass_main, rr);

        rr->running = true;
        rr->threaded = r == 0;
        if (r != 0) {
                /* Without a thread, the loop waits for this one pass. */
                log_warning("cannot start a thread for the region pass (%s); carving in the event loop",
                            strerror(r));
                pass_main(rr);  /* signals the eventfd: on_pass_done() takes the results */
        }
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
        if (rr->running) {
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
        return rr && (rr->running || rr->next);
}

int region_runner_new(sd_event *event, const struct region_runner_ops *ops, struct region_runner **ret) {
        struct region_runner *rr;
        int r;

        rr = calloc(1, sizeof(*rr));
        if (!rr)
                return -ENOMEM;
        rr->ops = *ops;
        rr->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (rr->fd < 0) {
                r = -errno;
                free(rr);
                return r;
        }
        r = sd_event_add_io(event, &rr->done_source, rr->fd, EPOLLIN, on_pass_done, rr);
        if (r < 0) {
                region_runner_free(rr);
                return r;
        }
        sd_event_source_set_description(rr->done_source, "region-pass-done");
        *ret = rr;
        return 0;
}

void region_runner_free(struct region_runner *rr) {
        if (!rr)
                return;
        /* A namespace half made would be worse than a slow stop. */
        if (rr->running && rr->threaded)
                pthread_join(rr->thread, NULL);
        carve_results_free(rr->results, rr->n_results);
        carve_request_free(rr->req);
        carve_request_free(rr->next);
        for (size_t i = 0; i < rr->n_memo; i++)
                free(rr->memo[i].msg);
        free(rr->memo);
        sd_event_source_unref(rr->done_source);
        if (rr->fd >= 0)
                close(rr->fd);
        free(rr);
}
