/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * manager-poison: the manager's side of poison (see manager-internal.h):
 * waking a job that waits for an address range scrub, and looking at the
 * devices of a region whose badblocks changed while the daemon runs.
 * What is done to a device is device_runtime_poison()'s decision.
 */

#include <limits.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "audit.h"
#include "bus.h"
#include "cxl-poison.h"
#include "kernel.h"
#include "manager-internal.h"
#include "pump.h"
#include "poison.h"
#include "util.h"
#include "watch.h"

/* --- waiting for a scrub ------------------------------------------------ */

void manager_scrub_wait_stop(struct manager *m, bool deadline_too) {
        watch_free(m->scrub_watch);
        m->scrub_watch = NULL;
        m->scrub_recheck = sd_event_source_disable_unref(m->scrub_recheck);
        if (deadline_too)
                m->scrub_deadline = sd_event_source_disable_unref(m->scrub_deadline);
}

static void scrub_resume(struct manager *m) {
        manager_scrub_wait_stop(m, false);
        pump_set_enabled(m->pump, true);
}

static void on_scrub_changed(struct watch *w, void *userdata) {
        scrub_resume(userdata);
}

static int on_scrub_recheck(sd_event_source *s, uint64_t usec, void *userdata) {
        scrub_resume(userdata);
        return 0;
}

static int on_scrub_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        struct manager *m = userdata;
        if (m->active)
                device_job_scrub_timeout(m->active);
        scrub_resume(m);
        m->scrub_deadline = sd_event_source_disable_unref(m->scrub_deadline);
        return 0;
}

/*
 * The active job waits for a scrub of its bus: wake when the bus's
 * nfit/scrub attribute changes (the kernel notifies at the end of a
 * scrub), and look every 2 s in case a notification was missed; the
 * deadline is armed once per job.
 */
void manager_scrub_wait(struct manager *m) {
        struct device *d = m->active;
        char path[PATH_MAX];
        int r;

        manager_scrub_wait_stop(m, false);
        pump_set_enabled(m->pump, false);
        if (kernel_scrub_attr(d->facts.bus, path, sizeof(path)) >= 0)
                (void) watch_new(m->event, path, "scrub-wait", on_scrub_changed, m, &m->scrub_watch);
        r = sd_event_add_time_relative(m->event, &m->scrub_recheck, CLOCK_MONOTONIC, 2 * 1000000ULL, 100000,
                                       on_scrub_recheck, m);
        if (r < 0)
                log_warning("%s: cannot arm the scrub recheck timer: %s", d->name, strerror(-r));
        if (!m->scrub_deadline) {
                r = sd_event_add_time_relative(m->event, &m->scrub_deadline, CLOCK_MONOTONIC,
                                               d->want.scrub_timeout_usec, 100000, on_scrub_deadline, m);
                if (r < 0)
                        log_warning("%s: cannot arm the scrub deadline: %s", d->name, strerror(-r));
        }
}

/* --- poison while running ----------------------------------------------- */

static void arm_poison_retry(struct manager *m);

static bool has_memdev(const struct device *d, const char *memdev) {
        for (unsigned i = 0; i < d->facts.n_cxl_memdevs && i < DEV_MAX_CXL_MEMDEVS; i++)
                if (streq(d->facts.cxl_memdevs[i].name, memdev))
                        return true;
        return false;
}

/* Looks at every pmem device of the region (-1: every region and every
 * CXL device), or, with memdev, at the CXL devices behind that memdev. */
static void poison_check(struct manager *m, int region, const char *memdev) {
        bool retry = false;

        for (size_t i = 0; i < m->n_devices; i++) {
                struct device *d = m->devices[i];
                int k;
                if (!d->facts_valid)
                        continue;
                if (memdev ? d->facts.source != DT_SOURCE_CXL || !has_memdev(d, memdev)
                           : d->facts.source == DT_SOURCE_CXL ? region >= 0
                           : d->facts.source != DT_SOURCE_PMEM || (region >= 0 && d->facts.region != region))
                        continue;
                k = device_runtime_poison(d, m->be, NULL, m->block_size, poison_backoff_next(m->poison_backoff_usec),
                                          &m->obs);
                if (k & DEV_POISON_CHANGED)
                        bus_device_changed(m->bus, d);
                retry |= (k & DEV_POISON_RETRY) != 0;
        }
        if (retry)
                arm_poison_retry(m);
        else if (region < 0 && !memdev)
                m->poison_backoff_usec = 0;
}

static int on_poison_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        struct manager *m = userdata;
        m->poison_retry = sd_event_source_disable_unref(m->poison_retry);
        poison_check(m, -1, NULL);
        return 0;
}

static void arm_poison_retry(struct manager *m) {
        if (m->poison_retry)
                return;
        m->poison_backoff_usec = poison_backoff_next(m->poison_backoff_usec);
        (void) sd_event_add_time_relative(m->event, &m->poison_retry, CLOCK_MONOTONIC, m->poison_backoff_usec,
                                          100000, on_poison_retry, m);
}

static void on_watch(int region, void *userdata) {
        poison_check(userdata, region, NULL);
}

/* --- CXL media events --------------------------------------------------- */

static int on_cxl_events(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct manager *m = userdata;
        char buf[8192], seen[8][16] = { { 0 } };
        size_t n_seen = 0, have = 0;
        ssize_t k;

        /* Lines may span reads: keep the unfinished tail. */
        while ((k = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
                char *line = buf, *nl;

                have += (size_t) k;
                buf[have] = '\0';
                while ((nl = strchr(line, '\n'))) {
                        char memdev[16];
                        *nl = '\0';
                        if (cxl_media_event_parse_line(line, memdev, sizeof(memdev)) == 1) {
                                bool dup = false;
                                for (size_t i = 0; i < n_seen; i++)
                                        dup |= streq(seen[i], memdev);
                                if (!dup && n_seen < ELEMENTSOF(seen))
                                        snprintf(seen[n_seen++], sizeof(seen[0]), "%s", memdev);
                        }
                        line = nl + 1;
                }
                have = strlen(line);
                if (have == sizeof(buf) - 1)
                        have = 0;       /* a line this long is no event of ours */
                memmove(buf, line, have);
        }
        for (size_t i = 0; i < n_seen; i++) {
                log_info("CXL media event on %s: reading its poison list", seen[i]);
                poison_check(m, -1, seen[i]);
        }
        return 0;
}

/* Listens to CXL media events once a CXL device is on kmem (the cxl
 * modules load at coldplug, after the daemon started); tried again at
 * each refresh until it works or the kernel says it has no such events. */
static void cxl_events_start(struct manager *m) {
        bool want = false;
        int fd, r;

        if (m->cxl_events || m->cxl_events_fd == -EOPNOTSUPP)
                return;
        for (size_t i = 0; i < m->n_devices && !want; i++)
                want = m->devices[i]->facts_valid && m->devices[i]->facts.source == DT_SOURCE_CXL &&
                       m->devices[i]->facts.driver == DRV_KMEM;
        if (!want)
                return;
        fd = cxl_media_events_open();
        if (fd < 0) {
                if (fd != m->cxl_events_fd)
                        log_warning("cannot listen to CXL media events (%s): new CXL poison is seen only when a job reads the poison list",
                                    strerror(-fd));
                m->cxl_events_fd = fd;
                return;
        }
        r = sd_event_add_io(m->event, &m->cxl_events, fd, EPOLLIN, on_cxl_events, m);
        if (r < 0) {
                close(fd);
                log_warning("cannot watch CXL media events: %s", strerror(-r));
                return;
        }
        (void) sd_event_source_set_io_fd_own(m->cxl_events, true);
        (void) sd_event_source_set_description(m->cxl_events, "cxl-media-events");
        m->cxl_events_fd = fd;
        log_info("listening to CXL media events (cxl_general_media, cxl_dram)");
}

void manager_watches_refresh(struct manager *m) {
        char p[128];

        watch_set_mark(m->watches);
        for (size_t i = 0; i < m->n_devices; i++) {
                struct device *d = m->devices[i];
                if (!d->facts_valid || d->facts.source != DT_SOURCE_PMEM || d->facts.region < 0)
                        continue;
                if (kernel_badblocks_attr(d->facts.region, p, sizeof(p)) >= 0)
                        watch_set_add(m->watches, p, d->facts.region);
                if (d->facts.bus[0] && kernel_scrub_attr(d->facts.bus, p, sizeof(p)) >= 0)
                        watch_set_add(m->watches, p, -1);
        }
        watch_set_sweep(m->watches);
        cxl_events_start(m);
}

int manager_poison_setup(struct manager *m) {
        m->cxl_events_fd = -1;
        return watch_set_new(m->event, "poison-watch", on_watch, m, &m->watches);
}

void manager_poison_free(struct manager *m) {
        manager_scrub_wait_stop(m, true);
        sd_event_source_disable_unref(m->poison_retry);
        sd_event_source_disable_unref(m->cxl_events);
        watch_set_free(m->watches);
}
