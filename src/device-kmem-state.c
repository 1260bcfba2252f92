/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * device-kmem-state: onlining and offlining a whole device through the
 * kmem driver's per-device "state" attribute (kernel 7.3 and later).  It
 * exists only while the device is bound to kmem.  One write of an online
 * type hot-adds and onlines all of the device's memory in one zone, and
 * one write of "unplugged" offlines and removes all of it, or nothing.
 * Where the kernel has no such attribute, or a write fails, the job falls
 * back to the per-block steps in device-job.c, which also verify the
 * outcome block by block either way.  Pure: only the struct backend.
 */

#include <stdio.h>
#include <string.h>

#include "device-internal.h"

static const char *state_online_type(enum dt_zone z) {
        return z == DT_ZONE_NORMAL ? "online_kernel" : "online_movable";
}

/* Reads the attribute: 1 when present (value in buf), 0 when the kernel
 * has none (or the backend cannot), -errno on another error. */
static int state_read(struct device *d, const struct backend *be, void *ctx, char *buf, size_t len) {
        int r;

        if (!be->kmem_state_get || !be->kmem_state_set)
                return 0;
        r = be->kmem_state_get(ctx, d->name, buf, len);
        if (r == -ENOENT)
                return 0;
        return r < 0 ? r : 1;
}

/* Decides whether the state path onlines d: 0 when the per-block steps
 * do it all, or DEVICE_STEP_BLOCKING with the writes asked of the runner
 * (they hot-add the whole device: not in the event loop). */
int job_kmem_state_online(struct device *d, const struct backend *be, void *ctx, const struct device_observer *obs) {
        struct job *j = d->job;
        char cur[32] = "";
        int r;

        d->online_path = "per-block";
        r = state_read(d, be, ctx, cur, sizeof(cur));
        if (r == 0)
                return 0;
        if (r < 0) {
                job_note(d, obs, NOTE_AUTO_ONLINE_HELD, "cannot read the kmem state of %s (%s): onlining block by block",
                         d->name, strerror(-r));
                return 0;
        }
        if (!streq(cur, "offline") && !streq(cur, "unplugged"))
                /* Online already (an earlier job, or auto-online that
                 * could not be held off): the per-block steps check and
                 * re-zone what they must, without removing anything. */
                return 0;
        if (d->skipped_blocks > 0) {
                /* A state write onlines every block, poisoned ones too. */
                job_note(d, obs, NOTE_AUTO_ONLINE_HELD,
                         "%s has %u block%s that must stay offline (on_poison=skip-blocks): onlining block by block, not through its kmem state",
                         d->name, d->skipped_blocks, d->skipped_blocks == 1 ? "" : "s");
                return 0;
        }
        /* An online type is accepted from "unplugged" only. */
        j->state_unplug_first = streq(cur, "offline");
        snprintf(j->state_type, sizeof(j->state_type), "%s", state_online_type(d->want.zone));
        j->state_failed_at = 0;
        return job_call_request(j, CALL_STATE_ONLINE, DRV_NONE, 0);
}

/* In the runner (the worker thread): the writes themselves. */
void job_kmem_state_online_call(struct device *d, const struct backend *be, void *ctx) {
        struct job *j = d->job;
        int r = 0;

        if (j->state_unplug_first && (r = be->kmem_state_set(ctx, d->name, "unplugged")) < 0)
                j->state_failed_at = 1;
        else if ((r = be->kmem_state_set(ctx, d->name, j->state_type)) < 0)
                j->state_failed_at = 2;
        j->call_result = r;
}

/* Back in the loop: what the writes did; the per-block steps then verify
 * every block (or online them, when the unplug failed). */
void job_kmem_state_online_done(struct device *d, const struct backend *be, void *ctx,
                                const struct device_observer *obs) {
        struct job *j = d->job;
        int r = job_call_result(d, be, ctx);

        if (r < 0 && j->state_failed_at == 1) {
                job_note(d, obs, NOTE_AUTO_ONLINE_HELD,
                         "writing unplugged to the kmem state of %s failed (%s): onlining block by block",
                         d->name, strerror(-r));
                return;
        }
        if (r < 0)
                /* The memory is unplugged now: nothing left to online
                 * block by block; the per-block steps report it. */
                job_note(d, obs, NOTE_AUTO_ONLINE_HELD,
                         "writing %s to the kmem state of %s failed (%s): its memory is not added until a later job writes it again",
                         j->state_type, d->name, strerror(-r));
        d->online_path = "kmem-state";
        j->via_state = true;
}

int job_kmem_state_unplug(struct device *d, const struct backend *be, void *ctx, const struct device_observer *obs) {
        char cur[32] = "";
        int r;

        d->online_path = "per-block";
        r = state_read(d, be, ctx, cur, sizeof(cur));
        if (r == 0)
                return 0;
        if (r < 0) {
                job_note(d, obs, NOTE_AUTO_ONLINE_HELD, "cannot read the kmem state of %s (%s): offlining block by block",
                         d->name, strerror(-r));
                return 0;
        }
        d->online_path = "kmem-state";
        /* Offline and remove all of it, migrating pages: may take long. */
        return job_call_request(d->job, CALL_UNPLUG, DRV_NONE, 0);
}

int job_kmem_state_unplug_done(struct device *d, const struct backend *be, void *ctx, const struct device_observer *obs) {
        struct job *j = d->job;
        struct block_info bi;
        unsigned left = 0;
        int r;

        r = job_call_result(d, be, ctx);
        if (r < 0) {
                /* The kernel offlined all of it or nothing: nothing.  The
                 * per-block steps find the blocks that hold it, try them
                 * again and, when they give up, online again what they
                 * offlined. */
                job_note(d, obs, NOTE_BLOCK_STUCK,
                         "writing unplugged to the kmem state of %s failed (%s): all of it stays online; offlining block by block to find the blocks in use",
                         d->name, strerror(-r));
                d->online_path = "per-block";
                job_phase(j, PH_OFFLINE);
                j->entered = true;
                j->state_tried = true;
                return 1;
        }
        /* Verify: no block of the device may be online now. */
        for (size_t i = 0; i < j->n_blocks; i++)
                if (be->block_get(ctx, j->blocks[i], &bi) >= 0 && bi.state != BLOCK_ABSENT &&
                    bi.state != BLOCK_OFFLINE)
                        left++;
        if (left > 0) {
                job_note(d, obs, NOTE_AUTO_ONLINE_HELD,
                         "%u block%s of %s still online after writing unplugged to its kmem state: offlining block by block",
                         left, left == 1 ? "" : "s", d->name);
                d->online_path = "per-block";
                job_phase(j, PH_OFFLINE);
                j->entered = true;
                j->state_tried = true;
                return 1;
        }
        d->online_blocks = 0;
        job_phase(j, PH_BIND_DEVDAX);
        return 1;
}
