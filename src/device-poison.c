/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * device-poison: the scrub and clear steps of a job, and poison found
 * while the daemon runs (see device.h).  Pure: the system is reached only
 * through the struct backend; poison.c does the arithmetic.
 */

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

        if (d->facts.source != DT_SOURCE_PMEM || !be->badblocks)
                return 0;
        n = be->badblocks(ctx, &d->facts, all, ELEMENTSOF(all));
        if (n < 0)
                return n;
        if ((size_t) n > ELEMENTSOF(all))
                n = ELEMENTSOF(all);
        return (int) badblocks_clip(all, (size_t) n, &d->facts, out, max);
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
        job_note(d, obs, NOTE_POISON_CLEARED, "%d bad range%s (%llu bytes) in %s: %s; cleared %llu bytes; %d range%s left%s%s",
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
