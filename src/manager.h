/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * manager: owns the sd-event loop and every source in it (signals, the
 * udev monitor, the work queue, the worker, the poison watches, the
 * D-Bus connection), the policy and the device table.
 *
 * Devices are reconciled one at a time from a FIFO queue; a device's job
 * runs one step per loop iteration, and a step's blocking kernel call
 * runs in the worker (worker.h), so signals, udev events and D-Bus calls
 * are served between steps.  The decisions live elsewhere, each tested
 * on its own: the job in device-job.c, runtime poison in
 * device-poison.c, the node cap in capacity.c, udev routing in uevent.c.
 */

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "device.h"
#include "tiering.h"
#include "policy.h"

struct manager_options {
        const char *config_path;        /* main file */
        bool config_optional;           /* the default path may be absent */
        const char *dropin_dir;
};

struct manager;

/* Loads the policy and sets up the loop; returns 0 or -errno (-EINVAL:
 * invalid configuration, already logged). */
int manager_new(const struct manager_options *opts, struct manager **ret);
void manager_free(struct manager *m);

/* Runs until SIGTERM/SIGINT; returns the loop's exit code. */
int manager_run(struct manager *m);

/* Re-reads the policy; keeps the old one if the new one is invalid.
 * Returns 0 or -EINVAL. */
int manager_reload(struct manager *m);

/* Enumerates the dax devices again and reconciles every one. */
int manager_rescan(struct manager *m);

/* Reconciles one device now, even if it is refused or failed. */
int manager_apply(struct manager *m, struct device *d);

struct device *manager_find_device(struct manager *m, const char *name);

/* The device table, in discovery order. */
struct device *const *manager_devices(struct manager *m, size_t *n);
const struct policy *manager_policy(struct manager *m);

/* The kernel as the manager reaches it (kernel_backend). */
const struct backend *manager_backend(struct manager *m);

/* The errors of the last rejected reload, "\n"-separated, or NULL. */
const char *manager_reload_errors(struct manager *m);

/* One knob as the reports show it. */
struct manager_knob {
        enum tiering_knob knob;
        int node;
        char name[48];          /* "demotion_enabled", "weighted_interleave/node1" */
        char value[TIERING_VALUE_MAX];
        bool set;               /* daxtierd set it and has not put it back */
};
/* [tiering]: the knobs the kernel has, with their values: the count, or -errno. */
int manager_tiering_knobs(struct manager *m, struct manager_knob *out, size_t max);

/* The Prometheus text of the daemon's state now (malloc'd), or NULL. */
char *manager_metrics_text(struct manager *m);
