/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * device-devdax: the job's way from System RAM back to a device-dax
 * device: offline every block (with bounded retries, putting back what it
 * offlined when it gives up), unbind kmem, bind device_dax; and the move
 * of a refused device the kernel bound to kmem itself.  Pure: only the
 * struct backend.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device-internal.h"
#include "util.h"

static int step_offline_done(struct device *d, const struct backend *be, void *ctx);

/* The offline step gave up: online again, in the zone it was in, what
 * this job offlined, so that the device stays on kmem as it was found;
 * returns how many blocks would not come back. */
static unsigned offline_roll_back(struct device *d, const struct backend *be, void *ctx) {
        struct job *j = d->job;
        unsigned lost = 0;

        for (size_t i = 0; j->offlined && i < j->n_blocks; i++) {
                if (!j->offlined[i])
                        continue;
                if (be->block_set(ctx, j->blocks[i], j->offlined[i] == 2 ? "online_kernel" : "online_movable") < 0)
                        lost++;
                else
                        d->online_blocks++;
        }
        return lost;
}

int job_step_offline(struct device *d, const struct backend *be, void *ctx,
                        const struct device_observer *obs) {
        struct job *j = d->job;
        struct block_info bi;
        uint64_t b;
        int r;

        if (j->call == CALL_OFFLINE)
                return step_offline_done(d, be, ctx);
        if (j->call == CALL_UNPLUG)
                return job_kmem_state_unplug_done(d, be, ctx, obs);
        job_enter(d, DEV_OFFLINING, NULL, obs);
        if (!j->state_tried) {
                /* Kernel 7.3+: offline and remove all of it at once. */
                j->state_tried = true;
                r = job_kmem_state_unplug(d, be, ctx, obs);
                if (r != 0)
                        return r;
        }
        if (!j->offlined) {
                j->offlined = calloc(j->n_blocks ? j->n_blocks : 1, 1);
                if (!j->offlined)
                        return job_endf(d, DEV_FAILED, obs, "offlining %s: out of memory", d->name);
        }
        if (j->next >= j->n_blocks) {
                if (j->n_stuck > 0 && j->offline_retry < OFFLINE_RETRIES) {
                        /* Pages that cannot move now (pinned, or being
                         * freed) may be movable in a moment: try again. */
                        j->call_delay_ms = OFFLINE_RETRY_MS << j->offline_retry;
                        j->offline_retry++;
                        job_note(d, obs, NOTE_BLOCK_STUCK,
                                 "%u block%s of %s would not go offline: %s; trying again in %u ms (retry %u of %u)",
                                 j->n_stuck, j->n_stuck == 1 ? "" : "s", d->name, strbuf_str(&j->stuck),
                                 j->call_delay_ms, j->offline_retry, OFFLINE_RETRIES);
                        j->n_stuck = 0;
                        strbuf_free(&j->stuck);
                        j->next = 0;
                        return 1;
                }
                if (j->n_stuck > 0) {
                        unsigned lost = offline_roll_back(d, be, ctx);
                        job_note(d, obs, NOTE_BLOCK_STUCK, "%u block%s of %s would not go offline: %s", j->n_stuck,
                             j->n_stuck == 1 ? "" : "s", d->name, strbuf_str(&j->stuck));
                        if (lost > 0)
                                return job_endf(d, DEV_FAILED, obs,
                                                "%u of %zu blocks would not go offline (%u retries), so %s stays on kmem: %s; %u of the blocks offlined could not be onlined again",
                                                j->n_stuck, j->n_blocks, OFFLINE_RETRIES, d->name,
                                                strbuf_str(&j->stuck), lost);
                        return job_endf(d, DEV_FAILED, obs,
                                        "%u of %zu blocks would not go offline (%u retries), so %s stays on kmem, all of it online again: %s",
                                        j->n_stuck, j->n_blocks, OFFLINE_RETRIES, d->name, strbuf_str(&j->stuck));
                }
                job_phase(j, PH_BIND_DEVDAX);
                return 1;
        }
        b = j->blocks[j->next++];
        r = be->block_get(ctx, b, &bi);
        if (r < 0) {
                /* Unbinding kmem with a block online would strand its memory. */
                job_stuck(j, b, "cannot read state", r);
                return 1;
        }
        if (bi.state == BLOCK_ABSENT || bi.state == BLOCK_OFFLINE)
                return 1;
        /* Offlining migrates the block's pages away: it may take long. */
        j->next--;
        if (!j->offlined[j->next])
                j->offlined[j->next] = streq(bi.zone, "Normal") ? 2 : 1;
        return job_call_request(j, CALL_OFFLINE, DRV_NONE, b);
}

static int step_offline_done(struct device *d, const struct backend *be, void *ctx) {
        struct job *j = d->job;
        uint64_t b = j->call_block;
        int r;

        r = job_call_result(d, be, ctx);
        if (r < 0) {
                job_stuck(j, b, r == -EBUSY ? "in use, cannot be migrated" : "offline", r);
                j->offlined[j->next] = 0;
        } else if (d->online_blocks > 0)
                d->online_blocks--;
        j->next++;
        return 1;
}

int job_step_bind_devdax(struct device *d, const struct backend *be, void *ctx,
                            const struct device_observer *obs) {
        int r;

        if (d->job->call != CALL_BIND) {
                job_enter(d, DEV_BINDING, "to device_dax", obs);
                /* Leaving kmem removes all of the device's memory at once. */
                return job_call_request(d->job, CALL_BIND, DRV_DEVICE_DAX, 0);
        }
        r = job_call_result(d, be, ctx);
        if (r < 0 && d->job->refuse_why)
                return job_endf(d, DEV_REFUSED, obs, "%s; moving it from kmem to device_dax failed (%s)",
                                d->job->refuse_why, strerror(-r));
        if (r < 0)
                return job_endf(d, DEV_FAILED, obs, "binding %s to device_dax failed: %s", d->name, strerror(-r));
        if ((r = job_check_bound(d, be, ctx, obs, DRV_DEVICE_DAX)) != 1)
                return r;
        device_observe(d, be, ctx);
        if (d->job->refuse_why)
                return job_endf(d, DEV_REFUSED, obs, "%s; moved from kmem to device_dax", d->job->refuse_why);
        return job_end(d, DEV_DEVDAX, NULL, obs);
}

int job_refuse_to_devdax(struct device *d, const struct device_observer *obs, const char *why) {
        if (d->facts.driver != DRV_KMEM || d->online_blocks > 0)
                return job_end(d, DEV_REFUSED, why, obs);
        /* The kernel bound it to kmem (CXL) and onlined nothing: a
         * refused device is left as devdax, as one daxtierd never bound. */
        d->job->refuse_why = strdup(why);
        if (!d->job->refuse_why)
                return job_end(d, DEV_REFUSED, why, obs);
        job_phase(d->job, PH_BIND_DEVDAX);
        return 1;
}

