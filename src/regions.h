/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * regions: runs the region pass (carve.c) for the manager.  A pass runs
 * in a worker thread, because creating a namespace blocks for seconds
 * while the kernel probes it; the event loop keeps serving signals, udev,
 * D-Bus and device jobs meanwhile.  Passes never overlap: one asked for
 * while another runs starts when it ends, with the newest policy.  The
 * results become journal records (REGION_CARVED, _SATISFIED, _REFUSED,
 * _FAILED), and every new dax device is handed to the manager.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "policy.h"

struct region_runner;

struct region_runner_ops {
        /* A pass created the dax device NAME: reconcile it. */
        void (*created)(const char *device, void *userdata);
        /* The last pass asked for has ended. */
        void (*idle)(void *userdata);
        void *userdata;
};

/* Returns 0 or -errno. */
int region_runner_new(sd_event *event, const struct region_runner_ops *ops, struct region_runner **ret);
/* Waits for a running pass to end (it is not interrupted). */
void region_runner_free(struct region_runner *rr);

/*
 * Asks for a pass with the [region] rules of p (copied).  fresh (start,
 * reload, rescan): record every region's verdict; otherwise (udev
 * events) only new namespaces and refusals or failures that differ from
 * the region's last record.  With no [region] rules no pass runs at all.
 * Returns 0 or -ENOMEM.
 */
int region_runner_request(struct region_runner *rr, const struct policy *p, uint64_t block_size, bool fresh);

/* True while a pass runs or is due. */
bool region_runner_busy(const struct region_runner *rr);
