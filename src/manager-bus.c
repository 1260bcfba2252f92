/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* manager-bus: the manager's system bus connection (manager-internal.h). */

#include <string.h>
#include <systemd/sd-event.h>

#include "bus.h"
#include "log.h"
#include "manager-internal.h"

#define BUS_RETRY_USEC (1 * USEC_PER_SEC)

/* The system bus was not there at start: try again until it is. */
static int on_bus_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        struct manager *m = userdata;
        int r;

        r = bus_new(m, m->event, &m->bus);
        if (r < 0) {
                m->bus = NULL;
                (void) sd_event_source_set_time_relative(s, BUS_RETRY_USEC);
                (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
                return 0;
        }
        log_info("connected to the system bus: offering %s", BUS_NAME);
        m->bus_retry = sd_event_source_disable_unref(m->bus_retry);
        return 0;
}

void manager_bus_connect(struct manager *m) {
        int r;

        /* Status over D-Bus is a service, not the job: run without it
         * rather than leave memory unmanaged.  Started before udev's
         * coldplug (see daxtierd.service), the daemon usually comes up
         * before the system bus does: it connects when it can. */
        r = bus_new(m, m->event, &m->bus);
        if (r < 0) {
                log_info("the system bus is not there yet (%s): running without D-Bus, connecting every %llu s",
                         strerror(-r), (unsigned long long) (BUS_RETRY_USEC / USEC_PER_SEC));
                m->bus = NULL;
                (void) sd_event_add_time_relative(m->event, &m->bus_retry, CLOCK_MONOTONIC, BUS_RETRY_USEC,
                                                  USEC_PER_SEC / 10, on_bus_retry, m);
        }
}
