/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * device: facts, observed state and the job state machine of one dax
 * device (see device.h).  Pure: the system is reached only through the
 * struct backend it is handed.
 */

#include <time.h>

#include "device.h"
#include "poison.h"
#include "util.h"

#define MAX_BAD_RANGES 256

enum phase {
        PH_CHECK,
        PH_SCRUB,
        PH_CLEAR,
        PH_BIND_KMEM,
        PH_ONLINE,
        PH_VERIFY,
        PH_OFFLINE,
        PH_BIND_DEVDAX,
};

struct job {
        enum phase phase;
        bool entered;           /* the phase's transition was recorded */
        uint64_t block_size;
        uint64_t *blocks;
        size_t n_blocks, next;
        int node;
        uint64_t node_before;
        unsigned onlined, rezoned, already;
        unsigned n_stuck;
        struct strbuf stuck;    /* "memory37 (Device or resource busy), ..." */
        char rezone_from[16];
        char held[32];          /* auto_online_blocks value held off, "" */

        bool scrub_started;
        bool scrub_timed_out;

        /* A call that may block for long, run by device_job_call(). */
        enum { CALL_NONE, CALL_BIND, CALL_OFFLINE } call;
        bool call_done;
        enum dax_driver call_drv;
        uint64_t call_block;
        int call_result;
};

static const char *const state_names[_DEV_STATE_MAX] = {
        [DEV_UNMANAGED] = "unmanaged",
        [DEV_DEVDAX] = "devdax",
        [DEV_ONLINE] = "online",
        [DEV_REFUSED] = "refused",
        [DEV_FAILED] = "failed",
        [DEV_CHECKING] = "checking",
        [DEV_BINDING] = "binding",
        [DEV_ONLINING] = "onlining",
        [DEV_OFFLINING] = "offlining",
        [DEV_SCRUBBING] = "scrubbing",
        [DEV_CLEARING] = "clearing",
        [DEV_KMEM] = "kmem",
        [DEV_UNBOUND] = "unbound",
};

const char *dev_state_to_string(enum dev_state s) {
        return s < _DEV_STATE_MAX ? state_names[s] : "invalid";
}

bool dev_state_is_steady(enum dev_state s) {
        return s <= DEV_FAILED;
}

const char *dax_driver_to_string(enum dax_driver d) {
        switch (d) {
        case DRV_NONE: return "none";
        case DRV_DEVICE_DAX: return "device_dax";
        case DRV_KMEM: return "kmem";
        default: return "other";
        }
}

static const char *zone_sysfs_name(enum dt_zone z) {
        return z == DT_ZONE_NORMAL ? "Normal" : "Movable";
}

static const char *zone_online_op(enum dt_zone z) {
        return z == DT_ZONE_NORMAL ? "online_kernel" : "online_movable";
}

void want_from_rule(struct want *w, const struct rule *r) {
        *w = (struct want) { .mode = DT_MODE_IGNORE, .target_node = -1 };
        if (!r)
                return;
        snprintf(w->rule, sizeof(w->rule), "%s", r->name);
        w->mode = r->mode;
        w->zone = r->zone;
        w->target_node = r->target_node;
        w->memmap = r->memmap_on_memory;
        w->security = r->require_security;
        w->scrub = r->scrub;
        w->scrub_timeout_usec = r->scrub_timeout_usec;
        w->on_poison = r->on_poison;
        w->on_runtime_poison = r->on_runtime_poison;
        w->scrub_unsupported = r->scrub_unsupported;
}

static const char *const scrub_outcome_names[_SCRUB_OUTCOME_MAX] = {
        [SCRUB_NOT_RUN] = "none",
        [SCRUB_DONE] = "done",
        [SCRUB_UNSUPPORTED] = "unsupported",
        [SCRUB_FAILED] = "failed",
        [SCRUB_TIMED_OUT] = "timed-out",
};

const char *scrub_outcome_to_string(enum scrub_outcome o) {
        return o < _SCRUB_OUTCOME_MAX ? scrub_outcome_names[o] : "invalid";
}

static bool block_skipped(const struct device *d, uint64_t b) {
        for (unsigned i = 0; i < d->skipped_blocks; i++)
                if (d->skipped[i] == b)
                        return true;
        return false;
}

void dev_facts_to_match(const struct dax_facts *f, struct dev_facts *m) {
        *m = (struct dev_facts) {
                .name = f->name,
                .source = f->source,
                .uuid = f->uuid[0] ? f->uuid : NULL,
                .dax_uuid = f->dax_uuid[0] ? f->dax_uuid : NULL,
                .region = f->region,
                .target_node = f->target_node,
                .size = f->size,
                .ns_name = f->ns_name[0] ? f->ns_name : NULL,
        };
}

size_t dax_facts_blocks(const struct dax_facts *f, uint64_t block_size, uint64_t *blocks, size_t max) {
        size_t n = 0;

        if (block_size == 0)
                return 0;
        for (unsigned i = 0; i < f->n_ranges; i++) {
                uint64_t first = (f->ranges[i].start + block_size - 1) / block_size;
                uint64_t end = (f->ranges[i].end + 1) / block_size;     /* exclusive */
                for (uint64_t b = first; b < end; b++) {
                        if (n < max)
                                blocks[n] = b;
                        n++;
                }
        }
        return n;
}

/* The node the memory lands on: kmem uses target_node, else numa_node. */
static int facts_node(const struct dax_facts *f) {
        return f->target_node >= 0 ? f->target_node : f->numa_node;
}

enum dev_state device_observe(struct device *d, const struct backend *be, void *be_ctx) {
        uint64_t bs = 0, blocks[512];
        _cleanup_free_ uint64_t *many = NULL;
        uint64_t *list = blocks;
        size_t n;
        unsigned online = 0, in_zone = 0;

        d->zone[0] = 0;
        d->online_blocks = d->total_blocks = 0;
        d->memmap_active = d->facts.memmap_on_memory == 1;
        if (be->block_size(be_ctx, &bs) < 0)
                bs = 0;
        n = dax_facts_blocks(&d->facts, bs, blocks, ELEMENTSOF(blocks));
        if (n > ELEMENTSOF(blocks)) {
                many = calloc(n, sizeof(uint64_t));
                if (many) {
                        dax_facts_blocks(&d->facts, bs, many, n);
                        list = many;
                } else
                        n = ELEMENTSOF(blocks);
        }
        d->total_blocks = (unsigned) n;
        unsigned skipped = 0;
        if (d->facts.driver == DRV_KMEM) {
                for (size_t i = 0; i < n; i++) {
                        struct block_info bi;
                        if (be->block_get(be_ctx, list[i], &bi) < 0 || bi.state != BLOCK_ONLINE) {
                                /* Left offline on purpose: it holds poison. */
                                if (block_skipped(d, list[i]))
                                        skipped++;
                                continue;
                        }
                        online++;
                        if (!d->zone[0])
                                snprintf(d->zone, sizeof(d->zone), "%s", bi.zone);
                        else if (!streq(d->zone, bi.zone))
                                snprintf(d->zone, sizeof(d->zone), "mixed");
                        if (streq(bi.zone, zone_sysfs_name(d->want.zone)))
                                in_zone++;
                }
        }
        d->online_blocks = online;

        if (d->want.mode == DT_MODE_IGNORE)
                return DEV_UNMANAGED;
        switch (d->facts.driver) {
        case DRV_DEVICE_DAX:
                return DEV_DEVDAX;
        case DRV_KMEM:
                return n > skipped && in_zone + skipped == n ? DEV_ONLINE : DEV_KMEM;
        default:
                return DEV_UNBOUND;
        }
}

bool device_satisfied(const struct device *d, enum dev_state observed) {
        switch (d->want.mode) {
        case DT_MODE_SYSTEM_RAM:
                return observed == DEV_ONLINE;
        case DT_MODE_DEVDAX:
                return observed == DEV_DEVDAX;
        default:
                return true;
        }
}

struct device *device_new(const char *name) {
        struct device *d = calloc(1, sizeof(*d));
        if (!d)
                return NULL;
        d->name = strdup(name);
        if (!d->name) {
                free(d);
                return NULL;
        }
        d->state = DEV_UNMANAGED;
        snprintf(d->security, sizeof(d->security), "n/a");
        d->want.mode = DT_MODE_IGNORE;
        d->want.target_node = -1;
        return d;
}

static void job_free(struct job *j) {
        if (!j)
                return;
        free(j->blocks);
        strbuf_free(&j->stuck);
        free(j);
}

void device_free(struct device *d) {
        if (!d)
                return;
        job_free(d->job);
        free(d->last_error);
        free(d->security_warning);
        free(d->skipped);
        free(d->name);
        free(d);
}

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

void device_set_state(struct device *d, enum dev_state to, const char *reason,
                      const struct device_observer *obs) {
        enum dev_state from = d->state;

        d->state = to;
        d->last_transition_usec = now_usec();
        if (to == DEV_REFUSED || to == DEV_FAILED) {
                free(d->last_error);
                d->last_error = reason ? strdup(reason) : NULL;
        } else if (dev_state_is_steady(to)) {
                free(d->last_error);
                d->last_error = NULL;
        }
        if (obs && obs->transition)
                obs->transition(d, from, reason, obs->userdata);
}

static void note(struct device *d, const struct device_observer *obs, enum device_note kind,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void note(struct device *d, const struct device_observer *obs, enum device_note kind,
                 const char *fmt, ...) {
        char msg[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (obs && obs->note)
                obs->note(d, kind, msg, obs->userdata);
}

/* Ends the job in a steady state. */
static int job_end(struct device *d, enum dev_state to, const char *reason,
                   const struct device_observer *obs) {
        job_free(d->job);
        d->job = NULL;
        device_set_state(d, to, reason, obs);
        return 0;
}

static int job_endf(struct device *d, enum dev_state to, const struct device_observer *obs,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int job_endf(struct device *d, enum dev_state to, const struct device_observer *obs,
                    const char *fmt, ...) {
        char msg[2048];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return job_end(d, to, msg, obs);
}

int device_job_start(struct device *d) {
        if (d->job)
                return -EBUSY;
        /* Poison is looked at afresh by every job. */
        free(d->skipped);
        d->skipped = NULL;
        d->skipped_blocks = 0;
        d->job = calloc(1, sizeof(*d->job));
        if (!d->job)
                return -ENOMEM;
        d->job->phase = PH_CHECK;
        d->job->node = -1;
        return 0;
}

void device_job_abort(struct device *d, const char *reason, const struct device_observer *obs) {
        if (d->job)
                job_end(d, DEV_FAILED, reason, obs);
}

/* Enters a phase: records the transition once. */
static void job_enter(struct device *d, enum dev_state st, const char *reason,
                      const struct device_observer *obs) {
        if (d->job->entered)
                return;
        d->job->entered = true;
        device_set_state(d, st, reason, obs);
}

static void job_phase(struct job *j, enum phase p) {
        j->phase = p;
        j->entered = false;
        j->next = 0;
}

static int job_load_blocks(struct device *d, const struct backend *be, void *ctx) {
        struct job *j = d->job;
        size_t n;
        int r;

        r = be->block_size(ctx, &j->block_size);
        if (r < 0)
                return r;
        n = dax_facts_blocks(&d->facts, j->block_size, NULL, 0);
        free(j->blocks);
        j->blocks = calloc(n ? n : 1, sizeof(uint64_t));
        if (!j->blocks)
                return -ENOMEM;
        j->n_blocks = dax_facts_blocks(&d->facts, j->block_size, j->blocks, n);
        return 0;
}

static void stuck(struct job *j, uint64_t block, const char *what, int err) {
        if (j->n_stuck < 16)
                strbuf_appendf(&j->stuck, "%smemory%llu (%s: %s)", j->n_stuck ? ", " : "",
                               (unsigned long long) block, what, strerror(-err));
        else if (j->n_stuck == 16)
                strbuf_appendf(&j->stuck, ", ...");
        j->n_stuck++;
}

/* Asks the runner for a blocking call; the step runs again when it is done. */
static int call_request(struct job *j, int kind, enum dax_driver drv, uint64_t block) {
        j->call = kind;
        j->call_drv = drv;
        j->call_block = block;
        j->call_done = false;
        return DEVICE_STEP_BLOCKING;
}

int device_job_call(struct device *d, const struct backend *be, void *ctx) {
        struct job *j = d->job;

        if (!j || j->call == CALL_NONE || j->call_done)
                return 0;
        if (j->call == CALL_BIND)
                j->call_result = be->bind(ctx, d->name, j->call_drv);
        else
                j->call_result = be->block_set(ctx, j->call_block, "offline");
        j->call_done = true;
        return 0;
}

/* The result of the finished call; runs it here if the runner did not. */
static int call_result(struct device *d, const struct backend *be, void *ctx) {
        struct job *j = d->job;
        device_job_call(d, be, ctx);
        j->call = CALL_NONE;
        return j->call_result;
}

static int job_pre_bind(struct device *d, const struct device_observer *obs);

static int step_check(struct device *d, const struct backend *be, void *ctx,
                      const struct device_observer *obs) {
        struct job *j = d->job;
        struct dax_facts *f = &d->facts;
        int r;

        job_enter(d, DEV_CHECKING, NULL, obs);
        r = be->read_facts(ctx, d->name, f);
        if (r < 0)
                return job_endf(d, DEV_FAILED, obs, "cannot read %s from sysfs: %s", d->name, strerror(-r));
        d->facts_valid = true;

        if (f->driver == DRV_OTHER)
                return job_endf(d, DEV_REFUSED, obs,
                                "%s is bound to a driver that is neither device_dax nor kmem; leaving it alone",
                                d->name);

        if (d->want.mode == DT_MODE_DEVDAX) {
                if (f->driver == DRV_KMEM) {
                        r = job_load_blocks(d, be, ctx);
                        if (r < 0)
                                return job_endf(d, DEV_FAILED, obs, "cannot list memory blocks: %s", strerror(-r));
                        job_phase(j, PH_OFFLINE);
                } else if (f->driver == DRV_NONE)
                        job_phase(j, PH_BIND_DEVDAX);
                else
                        return job_end(d, DEV_DEVDAX, NULL, obs);
                return 1;
        }

        /* system-ram: the security gate comes before anything is touched */
        if (d->want.security != DT_SECURITY_NONE) {
                struct dimm_security dimms[DEV_MAX_DIMMS] = {};
                char why[1024];
                int n = 0;

                if (f->source == DT_SOURCE_PMEM && be->dimm_security) {
                        n = be->dimm_security(ctx, f, dimms, ELEMENTSOF(dimms));
                        if (n < 0)
                                return job_endf(d, DEV_REFUSED, obs,
                                                "require_security = %s, but the security state of the DIMMs behind %s cannot be read: %s",
                                                dt_security_to_string(d->want.security), d->name, strerror(-n));
                        if ((size_t) n > ELEMENTSOF(dimms))
                                n = ELEMENTSOF(dimms);
                }
                snprintf(d->security, sizeof(d->security), "%s", security_weakest(f->source, dimms, (size_t) n));
                if (security_check(d->want.security, d->name, f->source, dimms, (size_t) n, why, sizeof(why)) < 0)
                        return job_end(d, DEV_REFUSED, why, obs);

                struct strbuf b = {};
                for (int i = 0; i < n; i++)
                        strbuf_appendf(&b, "%s%s %s", i ? ", " : "", dimms[i].name, dimm_sec_to_string(dimms[i].state));
                note(d, obs, NOTE_SECURITY, "security gate passed (require_security = %s): %s",
                     dt_security_to_string(d->want.security), strbuf_str(&b));
                strbuf_free(&b);
        }

        j->node = facts_node(f);
        if (d->want.target_node >= 0 && f->target_node != d->want.target_node)
                return job_endf(d, DEV_REFUSED, obs,
                                "its memory would land on node %d, but rule %s requires node %d",
                                f->target_node, d->want.rule, d->want.target_node);

        if (f->driver != DRV_KMEM && d->want.memmap != DT_MEMMAP_NO) {
                const char *why = NULL;
                r = be->memmap_supported(ctx, f, &why);
                if (r < 0 && d->want.memmap == DT_MEMMAP_YES)
                        return job_endf(d, DEV_REFUSED, obs, "memmap_on_memory=yes, but %s",
                                        why ? why : strerror(-r));
                if (r < 0)
                        note(d, obs, NOTE_MEMMAP, "memmap_on_memory=auto: %s; onlining without it",
                             why ? why : strerror(-r));
        } else if (f->driver == DRV_KMEM && d->want.memmap == DT_MEMMAP_YES && f->memmap_on_memory != 1)
                note(d, obs, NOTE_MEMMAP,
                     "memmap_on_memory=yes, but %s is already on kmem without it; it takes effect the next time the device is bound",
                     d->name);

        if (f->driver == DRV_DEVICE_DAX) {
                _cleanup_free_ char *who = NULL;
                r = be->holders(ctx, f, &who);
                if (r > 0)
                        return job_endf(d, DEV_REFUSED, obs, "/dev/%s is in use by %s", d->name, who);
                if (r < 0)
                        return job_endf(d, DEV_REFUSED, obs,
                                        "cannot tell whether /dev/%s is in use: %s", d->name, strerror(-r));
        }

        r = job_load_blocks(d, be, ctx);
        if (r < 0)
                return job_endf(d, DEV_FAILED, obs, "cannot list memory blocks: %s", strerror(-r));

        if (j->node < 0 || be->node_mem(ctx, j->node, &j->node_before) < 0)
                j->node_before = 0;
        /* Poison first: nothing is onlined before it is known. */
        if (d->want.scrub == DT_SCRUB_ARS && f->driver != DRV_KMEM)
                job_phase(j, PH_SCRUB);
        else if (d->want.scrub != DT_SCRUB_NONE)
                job_phase(j, PH_CLEAR);
        else
                return job_pre_bind(d, obs);
        return 1;
}

/* The last check before the device becomes RAM: it must hold a block. */
static int job_pre_bind(struct device *d, const struct device_observer *obs) {
        struct job *j = d->job;

        if (j->n_blocks == 0)
                return job_endf(d, DEV_REFUSED, obs,
                                "%s holds no whole memory block (size %llu, block size %llu)", d->name,
                                (unsigned long long) d->facts.size, (unsigned long long) j->block_size);
        job_phase(j, d->facts.driver == DRV_KMEM ? PH_ONLINE : PH_BIND_KMEM);
        return 1;
}

static uint64_t now_usec(void);

static int step_scrub(struct device *d, const struct backend *be, void *ctx,
                      const struct device_observer *obs) {
        struct job *j = d->job;
        struct dax_facts *f = &d->facts;
        char t[32];
        int r;

        if (!j->scrub_started) {
                job_enter(d, DEV_SCRUBBING, NULL, obs);
                r = f->source == DT_SOURCE_PMEM && be->ars_start ? be->ars_start(ctx, f) : -EOPNOTSUPP;
                if (r == -EOPNOTSUPP) {
                        d->scrub_outcome = SCRUB_UNSUPPORTED;
                        if (d->want.scrub_unsupported == DT_SCRUB_UNSUPPORTED_REFUSE) {
                                note(d, obs, NOTE_SCRUB_UNSUPPORTED,
                                     "scrub unsupported: %s has no address range scrub; scrub_unsupported = refuse",
                                     f->source == DT_SOURCE_PMEM ? f->bus : dt_source_to_string(f->source));
                                return job_endf(d, DEV_REFUSED, obs,
                                                "scrub unsupported: %s has no address range scrub, and scrub_unsupported = refuse",
                                                f->source == DT_SOURCE_PMEM ? f->bus : "its source");
                        }
                        note(d, obs, NOTE_SCRUB_UNSUPPORTED,
                             "scrub unsupported: %s has no address range scrub; scrub_unsupported = proceed, using the badblocks the kernel knows",
                             f->source == DT_SOURCE_PMEM ? f->bus : dt_source_to_string(f->source));
                        job_phase(j, PH_CLEAR);
                        return 1;
                }
                if (r < 0) {
                        d->scrub_outcome = SCRUB_FAILED;
                        note(d, obs, NOTE_SCRUB_FAILED,
                             "scrub failed: cannot start an address range scrub of %s: %s; using the badblocks the kernel knows",
                             f->bus, strerror(-r));
                        job_phase(j, PH_CLEAR);
                        return 1;
                }
                j->scrub_started = true;
                return DEVICE_STEP_WAIT_SCRUB;
        }
        if (j->scrub_timed_out) {
                d->scrub_outcome = SCRUB_TIMED_OUT;
                d->last_scrub_usec = now_usec();
                note(d, obs, NOTE_SCRUB_TIMED_OUT,
                     "scrub timed out: the address range scrub of %s ran past scrub_timeout = %s; using the badblocks known so far",
                     f->bus, format_duration(t, sizeof(t), d->want.scrub_timeout_usec));
                job_phase(j, PH_CLEAR);
                return 1;
        }
        r = be->ars_busy(ctx, f);
        if (r > 0)
                return DEVICE_STEP_WAIT_SCRUB;
        d->last_scrub_usec = now_usec();
        if (r < 0) {
                d->scrub_outcome = SCRUB_FAILED;
                note(d, obs, NOTE_SCRUB_FAILED,
                     "scrub failed: cannot read the scrub state of %s: %s; using the badblocks the kernel knows",
                     f->bus, strerror(-r));
        } else {
                d->scrub_outcome = SCRUB_DONE;
                note(d, obs, NOTE_SCRUB_DONE, "address range scrub of %s done", f->bus);
        }
        job_phase(j, PH_CLEAR);
        return 1;
}

void device_job_scrub_timeout(struct device *d) {
        if (d->job)
                d->job->scrub_timed_out = true;
}

int device_poison_ranges(struct device *d, const struct backend *be, void *ctx, struct bad_range *out,
                         size_t max) {
        struct bad_range all[MAX_BAD_RANGES];
        int n;

        if (d->facts.source != DT_SOURCE_PMEM || !be->badblocks)
                return 0;
        n = be->badblocks(ctx, &d->facts, all, ELEMENTSOF(all));
        if (n < 0)
                return n;
        if ((size_t) n > ELEMENTSOF(all))
                n = ELEMENTSOF(all);
        return (int) badblocks_clip(all, (size_t) n, &d->facts, out, max);
}

static int step_clear(struct device *d, const struct backend *be, void *ctx,
                      const struct device_observer *obs) {
        struct job *j = d->job;
        struct bad_range bad[MAX_BAD_RANGES], left[MAX_BAD_RANGES];
        char list[512];
        uint64_t cleared = 0, bytes;
        int n, m;

        job_enter(d, DEV_CLEARING, NULL, obs);
        n = device_poison_ranges(d, be, ctx, bad, ELEMENTSOF(bad));
        if (n < 0)
                return job_endf(d, DEV_FAILED, obs, "cannot read the badblocks of region%d: %s", d->facts.region,
                                strerror(-n));
        if ((size_t) n > ELEMENTSOF(bad))
                n = ELEMENTSOF(bad);
        d->badblocks = (unsigned) n;
        if (n == 0) {
                note(d, obs, NOTE_POISON_CLEARED, "no known poison in %s", d->name);
                return job_pre_bind(d, obs);
        }

        bytes = badblocks_bytes(bad, (size_t) n);
        badblocks_format(bad, (size_t) n, list, sizeof(list));
        int clear_err = 0;
        for (int i = 0; i < n; i++) {
                uint64_t c = 0;
                int r = be->clear_error ? be->clear_error(ctx, &d->facts, bad[i].start, bad[i].len, &c) : -EOPNOTSUPP;
                if (r >= 0)
                        cleared += c;
                else if (!clear_err)
                        clear_err = r;
        }
        d->cleared_bytes += cleared;

        m = device_poison_ranges(d, be, ctx, left, ELEMENTSOF(left));
        if (m < 0)
                return job_endf(d, DEV_FAILED, obs, "cannot read the badblocks of region%d again: %s",
                                d->facts.region, strerror(-m));
        if ((size_t) m > ELEMENTSOF(left))
                m = ELEMENTSOF(left);
        d->badblocks = (unsigned) m;
        note(d, obs, NOTE_POISON_CLEARED, "%d bad range%s (%llu bytes) in %s: %s; cleared %llu bytes; %d range%s left%s%s",
             n, n == 1 ? "" : "s", (unsigned long long) bytes, d->name, list, (unsigned long long) cleared, m,
             m == 1 ? "" : "s", clear_err ? "; clear-error: " : "", clear_err ? strerror(-clear_err) : "");
        if (m == 0)
                return job_pre_bind(d, obs);

        badblocks_format(left, (size_t) m, list, sizeof(list));
        if (d->want.on_poison == DT_ON_POISON_REFUSE)
                return job_endf(d, DEV_REFUSED, obs,
                                "%d range%s of poison could not be cleared (%s), and on_poison = refuse", m,
                                m == 1 ? "" : "s", list);

        /* skip-blocks: every block that holds poison stays offline. */
        uint64_t blocks[MAX_BAD_RANGES];
        size_t all = badblocks_blocks(left, (size_t) m, j->block_size, blocks, ELEMENTSOF(blocks)), k = 0;
        if (all > ELEMENTSOF(blocks))
                all = ELEMENTSOF(blocks);
        /* Only the device's own blocks: kmem never adds a partial one. */
        for (size_t i = 0; i < all; i++)
                for (size_t x = 0; x < j->n_blocks; x++)
                        if (j->blocks[x] == blocks[i]) {
                                blocks[k++] = blocks[i];
                                break;
                        }
        free(d->skipped);
        d->skipped = calloc(k ? k : 1, sizeof(uint64_t));
        if (!d->skipped)
                return job_endf(d, DEV_FAILED, obs, "out of memory");
        memcpy(d->skipped, blocks, k * sizeof(uint64_t));
        d->skipped_blocks = (unsigned) k;
        struct strbuf b = {};
        for (size_t i = 0; i < k; i++)
                strbuf_appendf(&b, "%smemory%llu", i ? ", " : "", (unsigned long long) blocks[i]);
        note(d, obs, NOTE_POISON_SKIPPED, "%zu block%s of %s hold%s poison that could not be cleared (%s): %s stay%s offline (on_poison = skip-blocks)",
             k, k == 1 ? "" : "s", d->name, k == 1 ? "s" : "", list, k ? strbuf_str(&b) : "no whole block",
             k == 1 ? "s" : "");
        strbuf_free(&b);
        return job_pre_bind(d, obs);
}

static int step_bind_kmem_done(struct device *d, const struct backend *be, void *ctx,
                               const struct device_observer *obs) {
        struct job *j = d->job;
        int r;

        r = call_result(d, be, ctx);
        if (j->held[0]) {
                int k = be->auto_online_set(ctx, j->held);
                if (k < 0)
                        note(d, obs, NOTE_AUTO_ONLINE_HELD, "cannot restore auto_online_blocks=%s: %s", j->held,
                             strerror(-k));
                j->held[0] = 0;
        }
        if (r < 0)
                return job_endf(d, DEV_FAILED, obs, "binding %s to kmem failed: %s", d->name, strerror(-r));

        r = be->read_facts(ctx, d->name, &d->facts);
        if (r < 0)
                return job_endf(d, DEV_FAILED, obs, "cannot read %s after binding: %s", d->name, strerror(-r));
        if (d->facts.driver != DRV_KMEM)
                return job_endf(d, DEV_FAILED, obs, "%s is on %s, not kmem, after binding", d->name,
                                dax_driver_to_string(d->facts.driver));
        d->memmap_active = d->facts.memmap_on_memory == 1;
        job_phase(j, PH_ONLINE);
        return 1;
}

static int step_bind_kmem(struct device *d, const struct backend *be, void *ctx,
                          const struct device_observer *obs) {
        struct job *j = d->job;
        bool memmap = false;
        int r;

        if (j->call == CALL_BIND)
                return step_bind_kmem_done(d, be, ctx, obs);

        job_enter(d, DEV_BINDING, "to kmem", obs);

        if (d->want.memmap != DT_MEMMAP_NO) {
                const char *why = NULL;
                r = be->memmap_supported(ctx, &d->facts, &why);
                if (r >= 0) {
                        r = be->set_memmap(ctx, d->name, true);
                        if (r >= 0)
                                memmap = true;
                        else if (d->want.memmap == DT_MEMMAP_YES)
                                return job_endf(d, DEV_REFUSED, obs,
                                                "memmap_on_memory=yes, but the kernel refused it: %s", strerror(-r));
                        else
                                note(d, obs, NOTE_MEMMAP,
                                     "memmap_on_memory=auto: the kernel refused it (%s); onlining without it",
                                     strerror(-r));
                } else if (d->want.memmap == DT_MEMMAP_YES)
                        return job_endf(d, DEV_REFUSED, obs, "memmap_on_memory=yes, but %s",
                                        why ? why : strerror(-r));
        } else if (d->facts.memmap_on_memory == 1) {
                /* A previous owner left it on; the rule says no. */
                r = be->set_memmap(ctx, d->name, false);
                if (r < 0)
                        return job_endf(d, DEV_FAILED, obs, "cannot clear memmap_on_memory: %s", strerror(-r));
        }
        if (memmap)
                note(d, obs, NOTE_MEMMAP, "memmap_on_memory enabled: the memory map of %s lives in its own memory",
                     d->name);

        /*
         * The kernel's auto-online would put the new blocks in its default
         * zone before we get to them; hold it off for the bind only.
         */
        j->held[0] = 0;
        if (be->auto_online_get(ctx, j->held, sizeof(j->held)) >= 0 && !streq(j->held, "offline")) {
                r = be->auto_online_set(ctx, "offline");
                if (r < 0) {
                        note(d, obs, NOTE_AUTO_ONLINE_HELD,
                             "cannot hold kernel auto-online (%s) off while binding: %s; blocks it onlines will be re-zoned",
                             j->held, strerror(-r));
                        j->held[0] = 0;
                } else
                        note(d, obs, NOTE_AUTO_ONLINE_HELD,
                             "kernel auto_online_blocks=%s held off while %s binds to kmem", j->held, d->name);
        } else
                j->held[0] = 0;

        /* kmem adds all of the device's memory in this one call. */
        return call_request(j, CALL_BIND, DRV_KMEM, 0);
}

static int step_online(struct device *d, const struct backend *be, void *ctx,
                       const struct device_observer *obs) {
        struct job *j = d->job;
        const char *zone = zone_sysfs_name(d->want.zone);
        struct block_info bi;
        uint64_t b;
        int r;

        job_enter(d, DEV_ONLINING, NULL, obs);
        if (j->next >= j->n_blocks) {
                job_phase(j, PH_VERIFY);
                return 1;
        }
        b = j->blocks[j->next++];
        if (block_skipped(d, b)) {
                /* Poison: it must stay offline, whoever onlined it. */
                r = be->block_get(ctx, b, &bi);
                if (r >= 0 && bi.state == BLOCK_ONLINE) {
                        r = be->block_set(ctx, b, "offline");
                        if (r < 0)
                                stuck(j, b, "holds poison, online, and would not go offline", r);
                        else if (d->online_blocks > 0)
                                d->online_blocks--;
                }
                return 1;
        }

        r = be->block_get(ctx, b, &bi);
        if (r < 0) {
                stuck(j, b, "cannot read state", r);
                return 1;
        }
        switch (bi.state) {
        case BLOCK_ABSENT:
                stuck(j, b, "not added by kmem", -ENODEV);
                return 1;
        case BLOCK_GOING:
                stuck(j, b, "changing state", -EBUSY);
                return 1;
        case BLOCK_ONLINE:
                if (streq(bi.zone, zone)) {
                        j->already++;
                        return 1;
                }
                /* A competing onliner put it elsewhere: move it. */
                r = be->block_set(ctx, b, "offline");
                if (r < 0) {
                        stuck(j, b, bi.zone[0] ? bi.zone : "online elsewhere", r);
                        return 1;
                }
                snprintf(j->rezone_from, sizeof(j->rezone_from), "%s", bi.zone);
                r = be->block_set(ctx, b, zone_online_op(d->want.zone));
                if (r < 0) {
                        stuck(j, b, zone_online_op(d->want.zone), r);
                        return 1;
                }
                j->rezoned++;
                return 1;
        case BLOCK_OFFLINE:
                r = be->block_set(ctx, b, zone_online_op(d->want.zone));
                if (r < 0) {
                        stuck(j, b, zone_online_op(d->want.zone), r);
                        return 1;
                }
                j->onlined++;
                /* Progress for status queries while the job runs. */
                d->online_blocks++;
                return 1;
        }
        return 1;
}

static int step_verify(struct device *d, const struct backend *be, void *ctx,
                       const struct device_observer *obs) {
        struct job *j = d->job;
        enum dev_state st;
        uint64_t after = 0;

        if (j->rezoned > 0)
                note(d, obs, NOTE_REZONED,
                     "%u of %zu blocks of %s had been onlined in %s by someone else (kernel auto-online or a udev rule); moved to %s",
                     j->rezoned, j->n_blocks, d->name, j->rezone_from, zone_sysfs_name(d->want.zone));
        if (j->n_stuck > 0)
                note(d, obs, NOTE_BLOCK_STUCK, "%u block%s of %s not online in %s: %s", j->n_stuck,
                     j->n_stuck == 1 ? " is" : "s are", d->name, zone_sysfs_name(d->want.zone),
                     strbuf_str(&j->stuck));

        st = device_observe(d, be, ctx);
        if (st != DEV_ONLINE) {
                if (j->n_stuck > 0)
                        return job_endf(d, DEV_FAILED, obs, "%u of %zu blocks are not online in %s: %s",
                                        j->n_stuck, j->n_blocks, zone_sysfs_name(d->want.zone),
                                        strbuf_str(&j->stuck));
                return job_endf(d, DEV_FAILED, obs,
                                "after onlining, %u of %u blocks are online (zone %s), not all in %s: something else changed them",
                                d->online_blocks, d->total_blocks, d->zone[0] ? d->zone : "none",
                                zone_sysfs_name(d->want.zone));
        }

        if (j->onlined > 0 && j->node >= 0) {
                uint64_t expect = (uint64_t) j->onlined * j->block_size;
                int r = be->node_mem(ctx, j->node, &after);
                /* The memory map may live in the added memory itself
                 * (memmap_on_memory): allow for it. */
                if (r < 0)
                        return job_endf(d, DEV_FAILED, obs, "cannot read the memory of node %d: %s", j->node,
                                        strerror(-r));
                if (after < j->node_before || after - j->node_before < expect / 100 * 90)
                        return job_endf(d, DEV_FAILED, obs,
                                        "node %d changed by %lld bytes, but %u blocks of %llu bytes were onlined",
                                        j->node, (long long) after - (long long) j->node_before, j->onlined,
                                        (unsigned long long) j->block_size);
        }
        return job_end(d, DEV_ONLINE, NULL, obs);
}

static int step_offline_done(struct device *d, const struct backend *be, void *ctx);

static int step_offline(struct device *d, const struct backend *be, void *ctx,
                        const struct device_observer *obs) {
        struct job *j = d->job;
        struct block_info bi;
        uint64_t b;
        int r;

        if (j->call == CALL_OFFLINE)
                return step_offline_done(d, be, ctx);
        job_enter(d, DEV_OFFLINING, NULL, obs);
        if (j->next >= j->n_blocks) {
                if (j->n_stuck > 0) {
                        note(d, obs, NOTE_BLOCK_STUCK, "%u block%s of %s would not go offline: %s", j->n_stuck,
                             j->n_stuck == 1 ? "" : "s", d->name, strbuf_str(&j->stuck));
                        return job_endf(d, DEV_FAILED, obs,
                                        "%u of %zu blocks would not go offline, so %s stays on kmem: %s",
                                        j->n_stuck, j->n_blocks, d->name, strbuf_str(&j->stuck));
                }
                job_phase(j, PH_BIND_DEVDAX);
                return 1;
        }
        b = j->blocks[j->next++];
        r = be->block_get(ctx, b, &bi);
        if (r < 0) {
                /* Unbinding kmem with a block online would strand its memory. */
                stuck(j, b, "cannot read state", r);
                return 1;
        }
        if (bi.state == BLOCK_ABSENT || bi.state == BLOCK_OFFLINE)
                return 1;
        /* Offlining migrates the block's pages away: it may take long. */
        j->next--;
        return call_request(j, CALL_OFFLINE, DRV_NONE, b);
}

static int step_offline_done(struct device *d, const struct backend *be, void *ctx) {
        struct job *j = d->job;
        uint64_t b = j->call_block;
        int r;

        j->next++;
        r = call_result(d, be, ctx);
        if (r < 0)
                stuck(j, b, r == -EBUSY ? "in use, cannot be migrated" : "offline", r);
        else if (d->online_blocks > 0)
                d->online_blocks--;
        return 1;
}

static int step_bind_devdax(struct device *d, const struct backend *be, void *ctx,
                            const struct device_observer *obs) {
        int r;

        if (d->job->call != CALL_BIND) {
                job_enter(d, DEV_BINDING, "to device_dax", obs);
                /* Leaving kmem removes all of the device's memory at once. */
                return call_request(d->job, CALL_BIND, DRV_DEVICE_DAX, 0);
        }
        r = call_result(d, be, ctx);
        if (r < 0)
                return job_endf(d, DEV_FAILED, obs, "binding %s to device_dax failed: %s", d->name, strerror(-r));
        r = be->read_facts(ctx, d->name, &d->facts);
        if (r < 0)
                return job_endf(d, DEV_FAILED, obs, "cannot read %s after binding: %s", d->name, strerror(-r));
        if (d->facts.driver != DRV_DEVICE_DAX)
                return job_endf(d, DEV_FAILED, obs, "%s is on %s, not device_dax, after binding", d->name,
                                dax_driver_to_string(d->facts.driver));
        device_observe(d, be, ctx);
        return job_end(d, DEV_DEVDAX, NULL, obs);
}

int device_job_step(struct device *d, const struct backend *be, void *be_ctx,
                    const struct device_observer *obs) {
        if (!d->job)
                return 0;
        switch (d->job->phase) {
        case PH_CHECK:
                return step_check(d, be, be_ctx, obs);
        case PH_SCRUB:
                return step_scrub(d, be, be_ctx, obs);
        case PH_CLEAR:
                return step_clear(d, be, be_ctx, obs);
        case PH_BIND_KMEM:
                return step_bind_kmem(d, be, be_ctx, obs);
        case PH_ONLINE:
                return step_online(d, be, be_ctx, obs);
        case PH_VERIFY:
                return step_verify(d, be, be_ctx, obs);
        case PH_OFFLINE:
                return step_offline(d, be, be_ctx, obs);
        case PH_BIND_DEVDAX:
                return step_bind_devdax(d, be, be_ctx, obs);
        }
        return job_end(d, DEV_FAILED, "internal error: unknown job phase", obs);
}

int device_security_refresh(struct device *d, const struct backend *be, void *be_ctx) {
        struct dimm_security dimms[DEV_MAX_DIMMS] = {};
        char why[1024], sig[sizeof(d->security_sig)];
        int n = 0, ret = 0;
        size_t off = 0;

        if (!d->facts_valid)
                return 0;
        if (d->facts.source == DT_SOURCE_PMEM && be->dimm_security) {
                n = be->dimm_security(be_ctx, &d->facts, dimms, ELEMENTSOF(dimms));
                if (n < 0)
                        n = 0;
                if ((size_t) n > ELEMENTSOF(dimms))
                        n = ELEMENTSOF(dimms);
        }
        snprintf(d->security, sizeof(d->security), "%s", security_weakest(d->facts.source, dimms, (size_t) n));
        sig[0] = 0;
        for (int i = 0; i < n && off < sizeof(sig); i++) {
                int k = snprintf(sig + off, sizeof(sig) - off, "%s=%s ", dimms[i].name,
                                 dimm_sec_to_string(dimms[i].state));
                if (k > 0)
                        off += (size_t) k;
        }
        if (!streq(sig, d->security_sig)) {
                snprintf(d->security_sig, sizeof(d->security_sig), "%s", sig);
                ret |= DEV_SEC_CHANGED;
        }

        if (d->state != DEV_ONLINE || d->want.security == DT_SECURITY_NONE ||
            security_check(d->want.security, d->name, d->facts.source, dimms, (size_t) n, why, sizeof(why)) == 0) {
                free(d->security_warning);
                d->security_warning = NULL;
                return ret;
        }
        if (streq_ptr(d->security_warning, why))
                return ret;
        free(d->security_warning);
        d->security_warning = strdup(why);
        return d->security_warning ? ret | DEV_SEC_WARN : ret;
}

int device_skip_block(struct device *d, uint64_t block) {
        uint64_t *l;

        if (block_skipped(d, block))
                return 0;
        l = realloc(d->skipped, (d->skipped_blocks + 1) * sizeof(uint64_t));
        if (!l)
                return -ENOMEM;
        d->skipped = l;
        d->skipped[d->skipped_blocks++] = block;
        return 0;
}
