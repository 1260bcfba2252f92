/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * manager-internal: struct manager and what its files share.  manager.c
 * owns the loop, the queue, the device table and the wiring;
 * manager-policy.c loads and reloads the policy and applies its [daemon]
 * settings; manager-poison.c waits for scrubs and watches for poison
 * while the daemon runs.
 */

#include <stdbool.h>
#include <libudev.h>
#include <systemd/sd-event.h>

#include "device.h"
#include "manager.h"
#include "policy.h"
#include "tiering.h"

struct bus;
struct pump;
struct region_runner;
struct watch;
struct watch_set;
struct worker;

struct manager {
        struct manager_options opts;
        sd_event *event;
        struct pump *pump;              /* steps the work queue (pump.h) */
        struct udev *udev;
        struct udev_monitor *monitor;
        sd_event_source *monitor_source;

        struct policy *policy;
        const struct backend *be;
        uint64_t block_size;

        struct device **devices;
        size_t n_devices;
        struct device **queue;          /* FIFO of devices to reconcile */
        size_t n_queue;
        struct device *active;          /* the device whose job runs */

        bool ready;                     /* READY=1 sent */
        bool auto_online_taken;         /* the policy holds it at offline */
        char auto_online_orig[32];      /* the system's value, "" unknown */
        struct device_observer obs;
        char status[256];
        /* A blocking kernel call of the active job, run by the worker so
         * that the loop keeps answering. */
        struct worker *worker;
        bool active_gone;               /* the device went away meanwhile */

        sd_event_source *security_poll;

        /* The active job waits for an address range scrub of a bus. */
        struct watch *scrub_watch;
        sd_event_source *scrub_recheck, *scrub_deadline;

        /* sysfs attributes that wake us with EPOLLPRI when they change:
         * every region's badblocks (tag: the region) and every bus's
         * nfit/scrub (tag -1). */
        struct watch_set *watches;
        sd_event_source *poison_retry;  /* offlining poisoned blocks, backoff */
        sd_event_source *cxl_events;    /* CXL media events (cxl-poison.h), once a CXL device is on kmem */
        int cxl_events_fd;
        uint64_t poison_backoff_usec;
        struct bus *bus;                /* NULL when the system bus is out of reach */
        sd_event_source *bus_retry;     /* connecting to it again (started before D-Bus) */
        char *reload_errors;            /* of the last rejected load */

        /* [region] rules: carving runs in its own thread (regions.h). */
        struct region_runner *regions;
        /* CXL uevents come in bursts while cxl_pci and cxl_mem probe each
         * memdev: the region pass waits until they have settled. */
        sd_event_source *cxl_settle;

        /* [tiering] (manager-tiering.c). */
        struct tiering_state tiering;
        uint64_t tiering_nodes;         /* managed nodes at the last plan */
        bool tiering_reloaded;          /* look again: policy reloaded or started */
        bool tiering_ready;             /* every device was looked at once */

        /* Metrics (manager-metrics.c). */
        sd_event_source *metrics_timer;
        uint64_t reloads_ok, reloads_invalid;
        uint64_t last_reload_success_usec;      /* CLOCK_REALTIME */
        bool metrics_warned;
};

/* manager.c */
void manager_enqueue(struct manager *m, struct device *d, bool force);
/* A new device of the table, with its bus object. */
struct device *manager_device_add(struct manager *m, const char *name);
/* manager-regions.c */
void manager_regions_request(struct manager *m, bool fresh);
/* A CXL uevent: a region pass once the CXL uevents have been quiet a while. */
void manager_cxl_settle_restart(struct manager *m);
int manager_regions_setup(struct manager *m);

/* manager-policy.c */
/* Loads the policy from the configured paths; records every error and
 * keeps them for manager_reload_errors().  0 or -errno. */
int manager_load_policy(struct manager *m, struct policy **ret);
/* [daemon] auto_online_blocks: take the kernel's setting over, or give it
 * back; also after a job ended, so that whatever a bind held comes back
 * (not while a bind holds it). */
void manager_apply_daemon_settings(struct manager *m);
/* At start: the system's auto_online_blocks, from the state file a killed
 * run left or from the kernel; restores it and writes the state file. */
void manager_auto_online_start(struct manager *m);
/* At stop: gives back what a job in its bind held, and removes the
 * state file unless the policy keeps the setting taken. */
void manager_auto_online_stop(struct manager *m);

/* manager.c: transitions into each state since start, of a device. */
const uint64_t *manager_device_transitions(struct device *d);

/* manager-tiering.c */
/* Loads the bookkeeping file at start. */
void manager_tiering_start(struct manager *m);
/* Applies or puts back the knobs as tiering_next() says, now. */
void manager_tiering_update(struct manager *m, bool stopping);
/* After a reload: apply the new [tiering] (only the differences). */
void manager_tiering_reloaded(struct manager *m);

/* manager-metrics.c */
int manager_metrics_setup(struct manager *m);
/* (Re)arms the timer for the policy's metrics_interval. */
void manager_metrics_policy_changed(struct manager *m);
/* A reload was accepted (ok) or rejected: counted, then written. */
void manager_metrics_reloaded(struct manager *m, bool ok);
/* Rewrites the textfile, if there is one. */
void manager_metrics_write(struct manager *m);
void manager_metrics_free(struct manager *m);

/* manager-poison.c */
/* The active job waits for a scrub of its bus (DEVICE_STEP_WAIT_SCRUB). */
void manager_scrub_wait(struct manager *m);
/* Stops waiting; deadline_too also disarms the job's scrub deadline. */
void manager_scrub_wait_stop(struct manager *m, bool deadline_too);
/* Watches the badblocks and scrub attributes of every pmem device's
 * region and bus, and no others. */
void manager_watches_refresh(struct manager *m);
int manager_poison_setup(struct manager *m);
void manager_poison_free(struct manager *m);

/* Connects to the system bus, or, if it is not there yet (early in boot),
 * tries again every second until it is (manager-bus.c). */
void manager_bus_connect(struct manager *m);
