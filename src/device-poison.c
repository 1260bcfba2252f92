/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * device-poison: the scrub and clear steps of a job, and poison found
 * while the daemon runs (see device.h).  Pure: the system is reached only
 * through the struct backend; poison.c does the arithmetic.
 */

#include <syslog.h>
#include <time.h>

#include "device-internal.h"
#include "poison.h"
#include "util.h"

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

bool device_block_skipped(const struct device *d, uint64_t b) {
        for (unsigned i = 0; i < d->skipped_blocks; i++)
                if (d->skipped[i] == b)
                        return true;
        return false;
}

int job_step_scrub(struct device *d, const struct backend *be, void *ctx,
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
                                job_note(d, obs, NOTE_SCRUB_UNSUPPORTED,
                                     "scrub unsupported: %s has no address range scrub; scrub_unsupported = refuse",
                                     f->source == DT_SOURCE_PMEM ? f->bus : dt_source_to_string(f->source));
                                return job_endf(d, DEV_REFUSED, obs,
                                                "scrub unsupported: %s has no address range scrub, and scrub_unsupported = refuse",
                                                f->source == DT_SOURCE_PMEM ? f->bus : "its source");
                        }
                        job_note(d, obs, NOTE_SCRUB_UNSUPPORTED,
                             "scrub unsupported: %s has no address range scrub; scrub_unsupported = proceed, using the badblocks the kernel knows",
                             f->source == DT_SOURCE_PMEM ? f->bus : dt_source_to_string(f->source));
                        job_phase(j, PH_CLEAR);
                        return 1;
                }
                if (r < 0) {
                        d->scrub_outcome = SCRUB_FAILED;
                        job_note(d, obs, NOTE_SCRUB_FAILED,
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
                d->last_scrub_usec = device_now_usec();
                job_note(d, obs, NOTE_SCRUB_TIMED_OUT,
                     "scrub timed out: the address range scrub of %s ran past scrub_timeout = %s; using the badblocks known so far",
                     f->bus, format_duration(t, sizeof(t), d->want.scrub_timeout_usec));
                job_phase(j, PH_CLEAR);
                return 1;
        }
        r = be->ars_busy(ctx, f);
        if (r > 0)
                return DEVICE_STEP_WAIT_SCRUB;
        d->last_scrub_usec = device_now_usec();
        if (r < 0) {
                d->scrub_outcome = SCRUB_FAILED;
                job_note(d, obs, NOTE_SCRUB_FAILED,
                     "scrub failed: cannot read the scrub state of %s: %s; using the badblocks the kernel knows",
                     f->bus, strerror(-r));
        } else {
                d->scrub_outcome = SCRUB_DONE;
                job_note(d, obs, NOTE_SCRUB_DONE, "address range scrub of %s done", f->bus);
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

        if ((d->facts.source != DT_SOURCE_PMEM && d->facts.source != DT_SOURCE_CXL) || !be->badblocks)
                return 0;
        n = be->badblocks(ctx, &d->facts, all, ELEMENTSOF(all));
        /* A CXL memdev without a poison list (or a kernel without the
         * cxl_poison event) knows of no poison. */
        if (n == -EOPNOTSUPP && d->facts.source == DT_SOURCE_CXL)
                return 0;
        if (n < 0)
                return n;
        if ((size_t) n > ELEMENTSOF(all))
                n = ELEMENTSOF(all);
        return (int) badblocks_clip(all, (size_t) n, &d->facts, out, max);
}

int device_clear_ranges(struct device *d, const struct backend *be, void *ctx, const struct bad_range *bad,
                        size_t n, uint64_t *cleared) {
        int err = 0;

        *cleared = 0;
        for (size_t i = 0; i < n; i++) {
                uint64_t c = 0;
                int r = be->clear_error ? be->clear_error(ctx, &d->facts, bad[i].start, bad[i].len, &c) : -EOPNOTSUPP;
                if (r >= 0)
                        *cleared += c;
                else if (!err)
                        err = r;
        }
        d->cleared_bytes += *cleared;
        return err;
}

int job_step_clear(struct device *d, const struct backend *be, void *ctx,
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
                job_note(d, obs, NOTE_POISON_CLEARED, "no known poison in %s", d->name);
                return job_pre_bind(d, obs);
        }

        bytes = badblocks_bytes(bad, (size_t) n);
        badblocks_format(bad, (size_t) n, list, sizeof(list));
        int clear_err = device_clear_ranges(d, be, ctx, bad, (size_t) n, &cleared);

        m = device_poison_ranges(d, be, ctx, left, ELEMENTSOF(left));
        if (m < 0)
                return job_endf(d, DEV_FAILED, obs, "cannot read the badblocks of region%d again: %s",
                                d->facts.region, strerror(-m));
        if ((size_t) m > ELEMENTSOF(left))
                m = ELEMENTSOF(left);
        d->badblocks = (unsigned) m;
        job_note(d, obs, NOTE_POISON_CLEARED, "%d bad range%s (%llu bytes) in %s: %s; cleared %llu bytes; %d range%s left%s%s",
             n, n == 1 ? "" : "s", (unsigned long long) bytes, d->name, list, (unsigned long long) cleared, m,
             m == 1 ? "" : "s", clear_err ? "; clear-error: " : "", clear_err ? strerror(-clear_err) : "");
        if (m == 0)
                return job_pre_bind(d, obs);

        badblocks_format(left, (size_t) m, list, sizeof(list));
        if (d->want.on_poison == DT_ON_POISON_REFUSE) {
                char why[1024];
                snprintf(why, sizeof(why), "%d range%s of poison could not be cleared (%s), and on_poison = refuse", m,
                         m == 1 ? "" : "s", list);
                return job_refuse_to_devdax(d, obs, why);
        }

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
        job_note(d, obs, NOTE_POISON_SKIPPED, "%zu block%s of %s hold%s poison that could not be cleared (%s): %s stay%s offline (on_poison = skip-blocks)",
             k, k == 1 ? "" : "s", d->name, k == 1 ? "s" : "", list, k ? strbuf_str(&b) : "no whole block",
             k == 1 ? "s" : "");
        strbuf_free(&b);
        return job_pre_bind(d, obs);
}

int device_skip_block(struct device *d, uint64_t block) {
        uint64_t *l;

        if (device_block_skipped(d, block))
                return 0;
        l = realloc(d->skipped, (d->skipped_blocks + 1) * sizeof(uint64_t));
        if (!l)
                return -ENOMEM;
        d->skipped = l;
        d->skipped[d->skipped_blocks++] = block;
        return 0;
}

static void runtime_record(struct device *d, const struct device_observer *obs, int priority, const char *msg) {
        if (obs && obs->runtime_poison)
                obs->runtime_poison(d, priority, msg, obs->userdata);
}

/* New poison in a device on device_dax: clear it (unless scrub = none). */
static int runtime_devdax(struct device *d, const struct backend *be, void *ctx, struct bad_range *bad, int n,
                          const char *list, const struct device_observer *obs) {
        struct strbuf b = {};
        uint64_t cleared = 0;
        int left, err;

        /* Only news: what could not be cleared was recorded before. */
        if ((unsigned) n == d->badblocks)
                return 0;
        if (d->want.scrub == DT_SCRUB_NONE) {
                runtime_record(d, obs, LOG_WARNING, "poison in devdax memory; scrub = none: not cleared");
                d->badblocks = (unsigned) n;
                return 0;
        }
        err = device_clear_ranges(d, be, ctx, bad, (size_t) n, &cleared);
        left = device_poison_ranges(d, be, ctx, bad, MAX_BAD_RANGES);
        d->badblocks = left > 0 ? (unsigned) left : 0;
        strbuf_appendf(&b, "new poison while devdax: %s; cleared %llu bytes; %d range%s left%s%s", list,
                       (unsigned long long) cleared, left, left == 1 ? "" : "s", err ? "; clear-error: " : "",
                       err ? strerror(-err) : "");
        runtime_record(d, obs, left > 0 ? LOG_WARNING : LOG_NOTICE, strbuf_str(&b));
        strbuf_free(&b);
        return DEV_POISON_CHANGED;
}

/* Takes (or, with on_runtime_poison = log, leaves) one online block with
 * poison offline; says what happened in what.  Returns -errno when it
 * would not go offline, 1 when it went, 0 else. */
static int runtime_block(struct device *d, const struct backend *be, void *ctx, uint64_t block,
                         struct strbuf *what) {
        struct block_info bi;
        int r;

        if (be->block_get(ctx, block, &bi) < 0 || bi.state != BLOCK_ONLINE) {
                /* Already offline (the kernel's memory-failure handling,
                 * or us): keep it so. */
                device_skip_block(d, block);
                return 0;
        }
        if (d->want.on_runtime_poison == DT_ON_RUNTIME_POISON_LOG) {
                strbuf_appendf(what, "%smemory%llu stays online", what->len ? ", " : "", (unsigned long long) block);
                return 0;
        }
        r = be->block_set(ctx, block, "offline");
        if (r < 0) {
                strbuf_appendf(what, "%smemory%llu would not go offline (%s)", what->len ? ", " : "",
                               (unsigned long long) block, strerror(-r));
                return r;
        }
        device_skip_block(d, block);
        if (d->online_blocks > 0)
                d->online_blocks--;
        strbuf_appendf(what, "%smemory%llu offlined", what->len ? ", " : "", (unsigned long long) block);
        return 1;
}

/* New poison in a device on kmem: its blocks go offline (or are logged). */
static int runtime_kmem(struct device *d, const struct backend *be, void *ctx, const struct bad_range *bad, int n,
                        const char *list, uint64_t block_size, uint64_t retry_usec,
                        const struct device_observer *obs) {
        uint64_t blocks[MAX_BAD_RANGES];
        unsigned offlined = 0, failed = 0;
        struct strbuf what = {}, b = {};
        size_t k;
        bool news;

        k = badblocks_blocks(bad, (size_t) n, block_size, blocks, ELEMENTSOF(blocks));
        if (k > ELEMENTSOF(blocks))
                k = ELEMENTSOF(blocks);
        for (size_t i = 0; i < k; i++) {
                int r = runtime_block(d, be, ctx, blocks[i], &what);
                if (r < 0)
                        failed++;
                else if (r > 0)
                        offlined++;
        }
        news = (unsigned) n != d->badblocks || offlined || failed;
        d->badblocks = (unsigned) n;
        if (failed)
                strbuf_appendf(&what, "; retrying in %llu s", (unsigned long long) (retry_usec / 1000000));
        if (news && (offlined || failed || what.len)) {
                strbuf_appendf(&b, "new poison in online memory: %s; on_runtime_poison = %s: %s", list,
                               dt_on_runtime_poison_to_string(d->want.on_runtime_poison), strbuf_str(&what));
                runtime_record(d, obs, failed ? LOG_ERR : LOG_WARNING, strbuf_str(&b));
        }
        strbuf_free(&b);
        strbuf_free(&what);
        return DEV_POISON_CHANGED | (failed ? DEV_POISON_RETRY : 0);
}

int device_runtime_poison(struct device *d, const struct backend *be, void *ctx, uint64_t block_size,
                          uint64_t retry_usec, const struct device_observer *obs) {
        struct bad_range bad[MAX_BAD_RANGES];
        char list[512];
        int n;

        if (d->job || !d->facts_valid || d->want.mode == DT_MODE_IGNORE)
                return 0;
        /* CXL: only memory online through kmem (daxtierd clears no CXL
         * poison: a devdax CXL device keeps it until it is onlined). */
        if (d->facts.source != DT_SOURCE_PMEM && (d->facts.source != DT_SOURCE_CXL || d->facts.driver != DRV_KMEM))
                return 0;
        n = device_poison_ranges(d, be, ctx, bad, ELEMENTSOF(bad));
        if (n < 0)
                return 0;
        if ((size_t) n > ELEMENTSOF(bad))
                n = ELEMENTSOF(bad);
        if (n == 0) {
                if (d->badblocks == 0)
                        return 0;
                d->badblocks = 0;
                return DEV_POISON_CHANGED;
        }
        badblocks_format(bad, (size_t) n, list, sizeof(list));
        if (d->facts.driver == DRV_DEVICE_DAX)
                return runtime_devdax(d, be, ctx, bad, n, list, obs);
        if (d->facts.driver == DRV_KMEM)
                return runtime_kmem(d, be, ctx, bad, n, list, block_size, retry_usec, obs);
        return 0;
}
