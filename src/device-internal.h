/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * device-internal: what device.c, device-job.c and device-poison.c share
 * and nobody else sees: the job and the helpers that move it along.
 */

#include <stdarg.h>

#include "device.h"
#include "util.h"

#define MAX_BAD_RANGES 256
/* How often the offline step tries blocks again that would not go offline
 * (memory in use that cannot be migrated now), and the first wait: each
 * retry waits twice as long as the last (0.5, 1, 2 s). */
#define OFFLINE_RETRIES 3
#define OFFLINE_RETRY_MS 500

enum phase {
        PH_CHECK,
        PH_HOLDERS,             /* the first in-use check, in the worker */
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
        char held[32];          /* the auto_online_blocks value to give back, "" */
        bool at_bind;           /* the kernel was to online the blocks in the
                                 * rule's zone as kmem added them */

        bool state_tried;       /* the kmem state path was considered */
        bool via_state;         /* ...and a state write onlined the device */
        bool state_unplug_first; /* CALL_STATE_ONLINE: from offline, unplug first */
        int state_failed_at;    /* CALL_STATE_ONLINE: 1 the unplug failed, 2 the online write */
        char state_type[16];    /* CALL_STATE_ONLINE: the online type to write */

        bool scrub_started;
        bool scrub_timed_out;

        /* The job refuses a device the kernel bound to kmem itself (CXL)
         * with no block online: it moves it to device_dax first, then
         * ends refused with this reason (malloc'd). */
        char *refuse_why;
        /* Offlining: blocks that would not go offline are tried again,
         * OFFLINE_RETRIES times, the worker waiting call_delay_ms before
         * the first call of a retry; then the job fails and puts back
         * online what it offlined (offlined[i]: 1 was Movable, 2 Normal). */
        unsigned offline_retry;
        unsigned call_delay_ms;
        uint8_t *offlined;

        bool memmap_set;        /* we wrote memmap_on_memory=1 for this bind */
        int bind_error;         /* kmem refused after the unbind: putting it back */

        /* A call that may block for long, run by device_job_call().
         * CALL_HOLDERS scans /proc (which must not stall the loop);
         * CALL_BIND to kmem of a device on device_dax scans it too, right
         * before the unbind, and binds only when nobody holds the device:
         * then call_who (malloc'd) names the holders, or call_refused
         * says why it could not tell (-errno).  CALL_UNPLUG writes
         * "unplugged" to the device's kmem state (7.x); CALL_STATE_ONLINE
         * writes state_type there (after "unplugged" when state_unplug_first):
         * both hot-add or remove the whole device, which takes long. */
        enum { CALL_NONE, CALL_BIND, CALL_OFFLINE, CALL_HOLDERS, CALL_UNPLUG, CALL_STATE_ONLINE } call;
        bool call_done;
        enum dax_driver call_drv;
        uint64_t call_block;
        int call_result;
        char *call_who;
        int call_refused;
};
/* The Movable or Normal zone name sysfs prints for a zone setting. */
const char *device_zone_name(enum dt_zone z);
/* CLOCK_REALTIME in microseconds. */
uint64_t device_now_usec(void);
/* True when block b is on d's list of blocks left offline for poison. */
bool device_block_skipped(const struct device *d, uint64_t b);

void job_free(struct job *j);
/* After a bind: reads the facts again; 1 when the device is on want, else
 * the job ends failed, naming what it found (the return of job_endf). */
int job_check_bound(struct device *d, const struct backend *be, void *ctx, const struct device_observer *obs,
                    enum dax_driver want);
/* Adds block to the job's list of blocks that would not do what, err. */
void job_stuck(struct job *j, uint64_t block, const char *what, int err);
/* device-devdax.c: the PH_OFFLINE and PH_BIND_DEVDAX steps. */
int job_step_offline(struct device *d, const struct backend *be, void *ctx, const struct device_observer *obs);
int job_step_bind_devdax(struct device *d, const struct backend *be, void *ctx, const struct device_observer *obs);
/* Ends the job refused (why); a device the kernel bound to kmem with no
 * block online is moved to device_dax first (the job goes on). */
int job_refuse_to_devdax(struct device *d, const struct device_observer *obs, const char *why);
/* Tells the observer a note of the job (formatted). */
void job_note(struct device *d, const struct device_observer *obs, enum device_note kind, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* Ends the job in a steady state; returns 0 (the step's result). */
int job_end(struct device *d, enum dev_state to, const char *reason, const struct device_observer *obs);
int job_endf(struct device *d, enum dev_state to, const struct device_observer *obs, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* Enters a phase's state: records the transition once. */
void job_enter(struct device *d, enum dev_state st, const char *reason, const struct device_observer *obs);
void job_phase(struct job *j, enum phase p);
/* The last check before the device becomes RAM; returns the step's result. */
int job_pre_bind(struct device *d, const struct device_observer *obs);

/* Asks the runner for a blocking call (CALL_*); the step runs again when
 * it is done, and takes its result with job_call_result(). */
int job_call_request(struct job *j, int kind, enum dax_driver drv, uint64_t block);
int job_call_result(struct device *d, const struct backend *be, void *ctx);

/* The kmem state path (device-kmem-state.c).  _online: at the start of
 * onlining, writes the zone's online type where the kernel has the
 * attribute and nothing forbids it; sets d->online_path; the per-block
 * steps then verify (or do) the rest.  _unplug: at the start of
 * offlining, 0 to go block by block, or the step's result; _unplug_done
 * takes the result of the blocking "unplugged" write. */
int job_kmem_state_online(struct device *d, const struct backend *be, void *ctx, const struct device_observer *obs);
void job_kmem_state_online_call(struct device *d, const struct backend *be, void *ctx);
void job_kmem_state_online_done(struct device *d, const struct backend *be, void *ctx,
                                const struct device_observer *obs);
int job_kmem_state_unplug(struct device *d, const struct backend *be, void *ctx, const struct device_observer *obs);
int job_kmem_state_unplug_done(struct device *d, const struct backend *be, void *ctx,
                               const struct device_observer *obs);

/* The poison steps (device-poison.c). */
int job_step_scrub(struct device *d, const struct backend *be, void *ctx, const struct device_observer *obs);
int job_step_clear(struct device *d, const struct backend *be, void *ctx, const struct device_observer *obs);

/* The in-use check (device-holders.c).  job_holders_scan(): 0 when
 * nobody holds d's node (or d is not on device_dax), else -errno with
 * call_who or call_refused set.  job_holders_verdict(): ends the job
 * refused when the last scan found the device in use or could not tell;
 * 1 when it is free. */
int job_holders_scan(struct device *d, const struct backend *be, void *ctx);
int job_holders_verdict(struct device *d, const struct device_observer *obs);
