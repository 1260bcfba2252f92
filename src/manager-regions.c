/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * manager-regions: the manager's side of [region] rules.  Passes run in
 * the region runner's thread (regions.h); this asks for them (at start,
 * on reload, on nd and CXL uevents, the CXL ones once they have settled)
 * and reconciles the dax devices a pass creates.
 */

#include <errno.h>
#include <string.h>

#include "log.h"
#include "manager-internal.h"
#include "manager.h"
#include "pump.h"
#include "regions.h"

void manager_regions_request(struct manager *m, bool fresh) {
        int r = region_runner_request(m->regions, m->policy, m->block_size, fresh);
        if (r < 0)
                log_error("cannot start a region pass: %s", strerror(-r));
}

/* A region pass created a dax device: reconcile it now, whether or not
 * its udev event came first. */
static void on_region_created(const char *name, void *userdata) {
        struct manager *m = userdata;
        struct device *d = manager_find_device(m, name);

        if (!d)
                d = manager_device_add(m, name);
        if (!d) {
                log_error("%s: out of memory adding the device", name);
                return;
        }
        manager_enqueue(m, d, true);
}

static void on_regions_idle(void *userdata) {
        struct manager *m = userdata;
        /* on_work() sends READY=1 once the queue is empty too. */
        pump_set_enabled(m->pump, true);
}

/* How long the CXL uevents must have been quiet before a region pass
 * plans: the memdevs of one host bridge are probed one after the other,
 * and a plan made between two would not interleave them. */
#define CXL_SETTLE_USEC (2 * USEC_PER_SEC)

static int on_cxl_settled(sd_event_source *s, uint64_t usec, void *userdata) {
        struct manager *m = userdata;
        manager_regions_request(m, false);
        return 0;
}

void manager_cxl_settle_restart(struct manager *m) {
        int r;

        if (m->cxl_settle) {
                r = sd_event_source_set_time_relative(m->cxl_settle, CXL_SETTLE_USEC);
                if (r >= 0)
                        r = sd_event_source_set_enabled(m->cxl_settle, SD_EVENT_ONESHOT);
        } else
                r = sd_event_add_time_relative(m->event, &m->cxl_settle, CLOCK_MONOTONIC, CXL_SETTLE_USEC,
                                               USEC_PER_SEC / 10, on_cxl_settled, m);
        if (r < 0) {
                log_warning("cannot wait for the CXL devices to settle (%s): planning regions now", strerror(-r));
                manager_regions_request(m, false);
        }
}

int manager_regions_setup(struct manager *m) {
        return region_runner_new(m->event,
                                 &(struct region_runner_ops) {
                                         .created = on_region_created,
                                         .idle = on_regions_idle,
                                         .userdata = m,
                                 },
                                 &m->regions);
}
