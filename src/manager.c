/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* manager: see manager.h. */

#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <syslog.h>
#include <libudev.h>
#include <systemd/sd-daemon.h>

#include "audit.h"
#include "bus.h"
#include "capacity.h"
#include "kernel.h"
#include "poison.h"
#include "manager.h"
#include "regions.h"
#include "sysfs.h"
#include "util.h"

struct manager {
        struct manager_options opts;
        sd_event *event;
        sd_event_source *work;
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
        bool auto_online_taken;         /* we wrote offline at start */
        char auto_online_orig[32];
        struct device_observer obs;
        char status[256];
        /* A blocking kernel call of the active job, run by a worker
         * thread so that the loop keeps answering; the worker signals
         * call_fd when it is done. */
        pthread_t worker;
        bool calling;
        bool active_gone;               /* the device went away meanwhile */
        int call_fd;
        sd_event_source *call_source;

        sd_event_source *security_poll;

        /* The active job waits for an address range scrub of a bus. */
        int scrub_fd;
        sd_event_source *scrub_io, *scrub_recheck, *scrub_deadline;

        /* sysfs attributes that wake us with EPOLLPRI when they change:
         * every region's badblocks and every bus's nfit/scrub. */
        struct watch *watches;
        size_t n_watches;
        sd_event_source *poison_retry;  /* offlining poisoned blocks, backoff */
        uint64_t poison_backoff_usec;
        struct bus *bus;                /* NULL when the system bus is out of reach */
        char *reload_errors;            /* of the last rejected load */

        /* [region] rules: carving runs in its own thread (regions.h). */
        struct region_runner *regions;
};

/* Per-device flags the manager keeps in struct device's userdata slot. */
struct devflags {
        bool queued;
        bool force;             /* retry even if refused or failed */
        bool announced;         /* the "found" record was written */
};

static struct devflags *flags(struct device *d) {
        return d->userdata;
}

static void update_status(struct manager *m) {
        unsigned count[_DEV_STATE_MAX] = {};
        struct strbuf b = {};

        for (size_t i = 0; i < m->n_devices; i++)
                count[m->devices[i]->state]++;
        /* Steady states first, in the order operators care about. */
        static const enum dev_state order[] = {
                DEV_ONLINE, DEV_DEVDAX, DEV_UNMANAGED, DEV_REFUSED, DEV_FAILED,
                DEV_CHECKING, DEV_BINDING, DEV_ONLINING, DEV_OFFLINING, DEV_KMEM, DEV_UNBOUND,
        };
        for (size_t i = 0; i < ELEMENTSOF(order); i++)
                if (count[order[i]])
                        strbuf_appendf(&b, "%s%u %s", b.len ? ", " : "", count[order[i]],
                                       dev_state_to_string(order[i]));
        if (m->n_devices == 0)
                strbuf_appendf(&b, "no dax devices");
        if (!streq(strbuf_str(&b), m->status)) {
                snprintf(m->status, sizeof(m->status), "%s", strbuf_str(&b));
                sd_notifyf(0, "STATUS=%s", m->status);
        }
        strbuf_free(&b);
}

static void scrub_wait_stop(struct manager *m, bool deadline_too);

struct watch {
        char path[128];         /* /sys/bus/nd/devices/region0/badblocks */
        int region;             /* -1 for a bus's scrub attribute */
        int fd;
        sd_event_source *source;
        bool keep;
};

static void on_transition(struct device *d, enum dev_state from, const char *reason, void *userdata) {
        struct manager *m = userdata;
        audit_transition(d, from, reason);
        bus_device_changed(m->bus, d);
        update_status(m);
}

static void on_note(struct device *d, enum device_note kind, const char *msg, void *userdata) {
        audit_note(d, kind, msg);
}

struct device *manager_find_device(struct manager *m, const char *name) {
        for (size_t i = 0; i < m->n_devices; i++)
                if (streq(m->devices[i]->name, name))
                        return m->devices[i];
        return NULL;
}

static struct device *device_add(struct manager *m, const char *name) {
        struct device **a;
        struct device *d;

        a = realloc(m->devices, (m->n_devices + 1) * sizeof(*a));
        if (!a)
                return NULL;
        m->devices = a;
        d = device_new(name);
        if (!d)
                return NULL;
        d->userdata = calloc(1, sizeof(struct devflags));
        if (!d->userdata) {
                device_free(d);
                return NULL;
        }
        m->devices[m->n_devices++] = d;
        bus_device_added(m->bus, d);
        return d;
}

static void device_remove(struct manager *m, struct device *d) {
        if (m->active == d && m->calling) {
                /* The worker still uses it: finish when it is done. */
                m->active_gone = true;
                return;
        }
        if (m->active == d) {
                scrub_wait_stop(m, true);
                device_job_abort(d, "the device went away", &m->obs);
                m->active = NULL;
                sd_event_source_set_enabled(m->work, SD_EVENT_ON);
        }
        for (size_t i = 0; i < m->n_queue; i++)
                if (m->queue[i] == d) {
                        memmove(m->queue + i, m->queue + i + 1, (m->n_queue - i - 1) * sizeof(*m->queue));
                        m->n_queue--;
                        break;
                }
        /* While it can still be found: InterfacesRemoved lists its interfaces. */
        bus_device_removed(m->bus, d);
        for (size_t i = 0; i < m->n_devices; i++)
                if (m->devices[i] == d) {
                        memmove(m->devices + i, m->devices + i + 1, (m->n_devices - i - 1) * sizeof(*m->devices));
                        m->n_devices--;
                        break;
                }
        if (flags(d)->announced)
                audit_removed(d);
        free(d->userdata);
        device_free(d);
        update_status(m);
}

static void enqueue(struct manager *m, struct device *d, bool force) {
        struct device **q;

        if (force)
                flags(d)->force = true;
        if (m->active == d) {
                /* The job verifies its own work; only a real change of
                 * policy (force) must look again when it ends. */
                if (force)
                        d->dirty = true;
                return;
        }
        if (flags(d)->queued)
                return;
        q = realloc(m->queue, (m->n_queue + 1) * sizeof(*q));
        if (!q) {
                log_error("%s: out of memory queueing the device", d->name);
                return;
        }
        m->queue = q;
        m->queue[m->n_queue++] = d;
        flags(d)->queued = true;
        sd_event_source_set_enabled(m->work, SD_EVENT_ON);
}

static int device_node(const struct device *d) {
        return d->facts.target_node >= 0 ? d->facts.target_node : d->facts.numa_node;
}

/*
 * [daemon] max_system_ram_per_node: would onlining d take the dax-backed
 * System RAM of its node above the cap?  Counts the online blocks of
 * every device on kmem on that node, as last observed.  Returns true
 * with the reason in why when d must be refused.
 */
static bool ram_cap_refuses(struct manager *m, struct device *d, char *why, size_t len) {
        const struct policy *p = m->policy;
        uint64_t bs = m->block_size, dax = 0, add, total = 0, dram, limit;
        char cap[64], b1[32], b2[32], b3[32], b4[32], base[128] = "";
        int node;

        if (!p->ram_cap_set || d->want.mode != DT_MODE_SYSTEM_RAM)
                return false;
        dt_amount_to_string(&p->ram_cap, cap, sizeof(cap));
        node = device_node(d);
        if (node < 0 || bs == 0) {
                snprintf(why, len, "max_system_ram_per_node = %s, but %s of %s is unknown, so the cap cannot be checked",
                         cap, node < 0 ? "the node" : "the memory block size", d->name);
                return true;
        }
        for (size_t i = 0; i < m->n_devices; i++) {
                const struct device *e = m->devices[i];
                if (e->facts_valid && e->facts.driver == DRV_KMEM && device_node(e) == node)
                        dax += (uint64_t) e->online_blocks * bs;
        }
        add = d->total_blocks > d->online_blocks ? (uint64_t) (d->total_blocks - d->online_blocks) * bs : 0;
        if (add == 0)
                return false;
        if (m->be->node_mem(NULL, node, &total) < 0)
                total = 0;
        dram = total > dax ? total - dax : 0;
        limit = capacity_node_limit(&p->ram_cap, dram);
        if (!capacity_exceeds(dax, add, limit))
                return false;
        if (p->ram_cap.kind == DT_AMOUNT_PERCENT)
                snprintf(base, sizeof(base), " of node %d's %s of DRAM", node, format_bytes(b4, sizeof(b4), dram));
        snprintf(why, len,
                 "max_system_ram_per_node = %s%s: node %d has %llu bytes (%s) of dax-backed System RAM, and %s would add %llu bytes (%s), above the cap of %llu bytes (%s)",
                 cap, base, node, (unsigned long long) dax, format_bytes(b1, sizeof(b1), dax), d->name,
                 (unsigned long long) add, format_bytes(b2, sizeof(b2), add), (unsigned long long) limit,
                 format_bytes(b3, sizeof(b3), limit));
        return true;
}

static void reconcile(struct manager *m, struct device *d) {
        struct devflags *fl = flags(d);
        struct dev_facts mf;
        const struct rule *rule;
        enum dev_state observed;
        bool force;
        int r;

        force = fl->force;
        fl->force = false;

        r = m->be->read_facts(NULL, d->name, &d->facts);
        if (r == -ENOENT) {
                device_remove(m, d);
                return;
        }
        if (r < 0) {
                char why[256];
                snprintf(why, sizeof(why), "cannot read /sys/bus/dax/devices/%s: %s", d->name, strerror(-r));
                if (d->state != DEV_FAILED || !streq_ptr(d->last_error, why))
                        device_set_state(d, DEV_FAILED, why, &m->obs);
                return;
        }
        d->facts_valid = true;

        dev_facts_to_match(&d->facts, &mf);
        rule = policy_match(m->policy, &mf);
        want_from_rule(&d->want, rule);
        observed = device_observe(d, m->be, NULL);
        if (device_security_refresh(d, m->be, NULL) & DEV_SEC_WARN)
                audit_security_lost(d, d->security_warning);

        if (!fl->announced) {
                fl->announced = true;
                d->state = observed;
                audit_found(d);
                update_status(m);
                force = true;
        } else if (!force && (d->state == DEV_REFUSED || d->state == DEV_FAILED))
                /* Only a reload, a rescan, Apply or a new device retries. */
                return;

        if (d->want.mode == DT_MODE_IGNORE) {
                if (d->state != DEV_UNMANAGED)
                        device_set_state(d, DEV_UNMANAGED,
                                         rule ? "its rule says ignore; left as it is"
                                              : "no rule matches any more; left as it is",
                                         &m->obs);
                return;
        }
        if (device_satisfied(d, observed)) {
                if (d->state != observed)
                        device_set_state(d, observed, "found as its rule wants", &m->obs);
                return;
        }
        {
                char cap_why[512];
                if (ram_cap_refuses(m, d, cap_why, sizeof(cap_why))) {
                        /* A new device may be reconciled twice (udev and
                         * the region pass): say it once. */
                        if (d->state != DEV_REFUSED || !streq_ptr(d->last_error, cap_why))
                                device_set_state(d, DEV_REFUSED, cap_why, &m->obs);
                        return;
                }
        }
        r = device_job_start(d);
        if (r < 0) {
                log_error("%s: cannot start a job: %s", d->name, strerror(-r));
                return;
        }
        m->active = d;
}

static void *worker_main(void *userdata) {
        struct manager *m = userdata;
        uint64_t one = 1;

        device_job_call(m->active, m->be, NULL);
        if (write(m->call_fd, &one, sizeof(one)) < 0)
                abort();        /* eventfd writes of 1 cannot fail */
        return NULL;
}

/* Runs the active job's blocking call in the worker; the loop resumes the
 * job from on_call_done().  Without a thread, it is made here. */
static void start_call(struct manager *m) {
        int r = pthread_create(&m->worker, NULL, worker_main, m);
        if (r != 0) {
                log_warning("%s: cannot start a worker thread (%s); making the call in the event loop",
                            m->active->name, strerror(r));
                device_job_call(m->active, m->be, NULL);
                return;
        }
        m->calling = true;
        sd_event_source_set_enabled(m->work, SD_EVENT_OFF);
}

static int on_call_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct manager *m = userdata;
        uint64_t n;

        if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
                log_warning("reading the worker's eventfd: %m");
        if (!m->calling)
                return 0;
        pthread_join(m->worker, NULL);
        m->calling = false;
        if (m->active_gone) {
                m->active_gone = false;
                device_remove(m, m->active);
        }
        sd_event_source_set_enabled(m->work, SD_EVENT_ON);
        return 0;
}

/* --- waiting for a scrub ------------------------------------------------ */

static void scrub_wait_stop(struct manager *m, bool deadline_too) {
        m->scrub_io = sd_event_source_disable_unref(m->scrub_io);
        m->scrub_recheck = sd_event_source_disable_unref(m->scrub_recheck);
        if (m->scrub_fd >= 0)
                close(m->scrub_fd);
        m->scrub_fd = -1;
        if (deadline_too)
                m->scrub_deadline = sd_event_source_disable_unref(m->scrub_deadline);
}

static void scrub_resume(struct manager *m) {
        scrub_wait_stop(m, false);
        sd_event_source_set_enabled(m->work, SD_EVENT_ON);
}

static int on_scrub_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        scrub_resume(userdata);
        return 0;
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
static void scrub_wait(struct manager *m) {
        struct device *d = m->active;
        char p[PATH_MAX], path[PATH_MAX], buf[32];
        int r;

        scrub_wait_stop(m, false);
        sd_event_source_set_enabled(m->work, SD_EVENT_OFF);
        snprintf(p, sizeof(p), "/sys/bus/nd/devices/%s/nfit/scrub", d->facts.bus);
        if (sysfs_path(path, sizeof(path), p) >= 0) {
                m->scrub_fd = open(path, O_RDONLY | O_CLOEXEC);
                /* sysfs arms the notification at a read. */
                if (m->scrub_fd >= 0 && read(m->scrub_fd, buf, sizeof(buf)) >= 0)
                        (void) sd_event_add_io(m->event, &m->scrub_io, m->scrub_fd, EPOLLPRI, on_scrub_io, m);
        }
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

/*
 * New poison may have landed in d: clear it if d is still devdax, take
 * the affected blocks offline (or only record it) if d is online.  One
 * record per event.  Returns 1 when a block should be retried.
 */
static int handle_runtime_poison(struct manager *m, struct device *d) {
        struct bad_range bad[256];
        char list[512];
        struct strbuf b = {};
        int n, retry = 0;

        if (d == m->active || !d->facts_valid || d->facts.source != DT_SOURCE_PMEM ||
            d->want.mode == DT_MODE_IGNORE)
                return 0;
        n = device_poison_ranges(d, m->be, NULL, bad, ELEMENTSOF(bad));
        if (n < 0)
                return 0;
        if ((size_t) n > ELEMENTSOF(bad))
                n = ELEMENTSOF(bad);
        if (n == 0) {
                if (d->badblocks != 0) {
                        d->badblocks = 0;
                        bus_device_changed(m->bus, d);
                }
                return 0;
        }
        badblocks_format(bad, (size_t) n, list, sizeof(list));

        if (d->facts.driver == DRV_DEVICE_DAX) {
                uint64_t cleared = 0;
                int left, err = 0;
                /* Only news: what could not be cleared was recorded before. */
                if ((unsigned) n == d->badblocks)
                        return 0;
                if (d->want.scrub == DT_SCRUB_NONE) {
                        audit_runtime_poison(d, LOG_WARNING, "poison in devdax memory; scrub = none: not cleared");
                        d->badblocks = (unsigned) n;
                        return 0;
                }
                for (int i = 0; i < n; i++) {
                        uint64_t c = 0;
                        int r = m->be->clear_error(NULL, &d->facts, bad[i].start, bad[i].len, &c);
                        if (r >= 0)
                                cleared += c;
                        else if (!err)
                                err = r;
                }
                d->cleared_bytes += cleared;
                left = device_poison_ranges(d, m->be, NULL, bad, ELEMENTSOF(bad));
                d->badblocks = left > 0 ? (unsigned) left : 0;
                strbuf_appendf(&b, "new poison while devdax: %s; cleared %llu bytes; %d range%s left%s%s", list,
                               (unsigned long long) cleared, left, left == 1 ? "" : "s",
                               err ? "; clear-error: " : "", err ? strerror(-err) : "");
                audit_runtime_poison(d, left > 0 ? LOG_WARNING : LOG_NOTICE, strbuf_str(&b));
                strbuf_free(&b);
                bus_device_changed(m->bus, d);
                return 0;
        }

        if (d->facts.driver != DRV_KMEM)
                return 0;
        uint64_t blocks[256];
        size_t k = badblocks_blocks(bad, (size_t) n, m->block_size, blocks, ELEMENTSOF(blocks));
        if (k > ELEMENTSOF(blocks))
                k = ELEMENTSOF(blocks);
        unsigned offlined = 0, failed = 0;
        struct strbuf what = {};
        for (size_t i = 0; i < k; i++) {
                struct block_info bi;
                if (m->be->block_get(NULL, blocks[i], &bi) < 0 || bi.state != BLOCK_ONLINE) {
                        /* Already offline (the kernel's memory-failure
                         * handling, or us): keep it so. */
                        device_skip_block(d, blocks[i]);
                        continue;
                }
                if (d->want.on_runtime_poison == DT_ON_RUNTIME_POISON_LOG) {
                        strbuf_appendf(&what, "%smemory%llu stays online", what.len ? ", " : "",
                                       (unsigned long long) blocks[i]);
                        continue;
                }
                int r = m->be->block_set(NULL, blocks[i], "offline");
                if (r < 0) {
                        failed++;
                        strbuf_appendf(&what, "%smemory%llu would not go offline (%s)", what.len ? ", " : "",
                                       (unsigned long long) blocks[i], strerror(-r));
                } else {
                        offlined++;
                        device_skip_block(d, blocks[i]);
                        if (d->online_blocks > 0)
                                d->online_blocks--;
                        strbuf_appendf(&what, "%smemory%llu offlined", what.len ? ", " : "",
                                       (unsigned long long) blocks[i]);
                }
        }
        bool news = (unsigned) n != d->badblocks || offlined || failed;
        d->badblocks = (unsigned) n;
        if (failed) {
                retry = 1;
                strbuf_appendf(&what, "; retrying in %llu s", (unsigned long long) (m->poison_backoff_usec ? m->poison_backoff_usec * 2 : 1000000) / 1000000);
        }
        if (news && (offlined || failed || what.len)) {
                strbuf_appendf(&b, "new poison in online memory: %s; on_runtime_poison = %s: %s", list,
                               dt_on_runtime_poison_to_string(d->want.on_runtime_poison), strbuf_str(&what));
                audit_runtime_poison(d, failed ? LOG_ERR : LOG_WARNING, strbuf_str(&b));
        }
        strbuf_free(&b);
        strbuf_free(&what);
        bus_device_changed(m->bus, d);
        return retry;
}

static void poison_check_region(struct manager *m, int region) {
        bool retry = false;

        for (size_t i = 0; i < m->n_devices; i++) {
                struct device *d = m->devices[i];
                if (d->facts_valid && d->facts.source == DT_SOURCE_PMEM && (region < 0 || d->facts.region == region))
                        retry |= handle_runtime_poison(m, d) > 0;
        }
        if (retry)
                arm_poison_retry(m);
        else if (region < 0)
                m->poison_backoff_usec = 0;
}

static int on_poison_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        struct manager *m = userdata;
        m->poison_retry = sd_event_source_disable_unref(m->poison_retry);
        poison_check_region(m, -1);
        return 0;
}

static void arm_poison_retry(struct manager *m) {
        if (m->poison_retry)
                return;
        m->poison_backoff_usec = m->poison_backoff_usec ? m->poison_backoff_usec * 2 : 1000000;
        if (m->poison_backoff_usec > 64 * 1000000ULL)
                m->poison_backoff_usec = 64 * 1000000ULL;
        (void) sd_event_add_time_relative(m->event, &m->poison_retry, CLOCK_MONOTONIC, m->poison_backoff_usec,
                                          100000, on_poison_retry, m);
}

static int on_watch(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct manager *m = userdata;
        struct watch *w = NULL;
        char buf[4096];

        for (size_t i = 0; i < m->n_watches; i++)
                if (m->watches[i].source == s)
                        w = &m->watches[i];
        if (!w)
                return 0;
        /* Read to the end to arm the next notification. */
        if (lseek(fd, 0, SEEK_SET) == 0)
                while (read(fd, buf, sizeof(buf)) > 0)
                        ;
        log_debug("%s changed", w->path);
        poison_check_region(m, w->region);
        return 0;
}

static void watch_add(struct manager *m, const char *p, int region) {
        char path[PATH_MAX], buf[4096];
        struct watch *a;
        int fd;

        for (size_t i = 0; i < m->n_watches; i++)
                if (streq(m->watches[i].path, p)) {
                        m->watches[i].keep = true;
                        return;
                }
        if (sysfs_path(path, sizeof(path), p) < 0)
                return;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return;
        while (read(fd, buf, sizeof(buf)) > 0)
                ;
        a = realloc(m->watches, (m->n_watches + 1) * sizeof(*a));
        if (!a) {
                close(fd);
                return;
        }
        m->watches = a;
        a = &m->watches[m->n_watches];
        *a = (struct watch) { .region = region, .fd = fd, .keep = true };
        snprintf(a->path, sizeof(a->path), "%s", p);
        if (sd_event_add_io(m->event, &a->source, fd, EPOLLPRI, on_watch, m) < 0) {
                close(fd);
                return;
        }
        sd_event_source_set_description(a->source, "poison-watch");
        m->n_watches++;
}

/* Watches every region and bus that holds a pmem device. */
static void watches_refresh(struct manager *m) {
        char p[128];

        for (size_t i = 0; i < m->n_watches; i++)
                m->watches[i].keep = false;
        for (size_t i = 0; i < m->n_devices; i++) {
                struct device *d = m->devices[i];
                if (!d->facts_valid || d->facts.source != DT_SOURCE_PMEM || d->facts.region < 0)
                        continue;
                snprintf(p, sizeof(p), "/sys/bus/nd/devices/region%d/badblocks", d->facts.region);
                watch_add(m, p, d->facts.region);
                if (d->facts.bus[0]) {
                        snprintf(p, sizeof(p), "/sys/bus/nd/devices/%s/nfit/scrub", d->facts.bus);
                        watch_add(m, p, -1);
                }
        }
        for (size_t i = 0; i < m->n_watches;) {
                if (m->watches[i].keep) {
                        i++;
                        continue;
                }
                sd_event_source_disable_unref(m->watches[i].source);
                close(m->watches[i].fd);
                m->watches[i] = m->watches[--m->n_watches];
        }
}

static int on_work(sd_event_source *s, void *userdata) {
        struct manager *m = userdata;

        if (m->calling)
                return sd_event_source_set_enabled(s, SD_EVENT_OFF);
        if (m->active) {
                struct device *d = m->active;
                int r = device_job_step(d, m->be, NULL, &m->obs);
                if (r == DEVICE_STEP_BLOCKING) {
                        start_call(m);
                        return 0;
                }
                if (r == DEVICE_STEP_WAIT_SCRUB) {
                        scrub_wait(m);
                        return 0;
                }
                if (r == 0) {
                        scrub_wait_stop(m, true);
                        m->active = NULL;
                        if (d->dirty) {
                                d->dirty = false;
                                enqueue(m, d, true);
                        }
                }
        } else if (m->n_queue > 0) {
                struct device *d = m->queue[0];
                memmove(m->queue, m->queue + 1, (m->n_queue - 1) * sizeof(*m->queue));
                m->n_queue--;
                flags(d)->queued = false;
                reconcile(m, d);
        }

        if (!m->active && m->n_queue == 0) {
                sd_event_source_set_enabled(s, SD_EVENT_OFF);
                watches_refresh(m);
                /* Ready once the first region pass has carved, too. */
                if (!m->ready && !region_runner_busy(m->regions)) {
                        m->ready = true;
                        sd_notify(0, "READY=1");
                        log_info("every dax device reconciled: %s", m->status);
                }
        }
        update_status(m);
        return 0;
}

static bool is_dax_name(const char *name) {
        unsigned a, b;
        char c;
        return sscanf(name, "dax%u.%u%c", &a, &b, &c) == 2;
}

static void regions_request(struct manager *m, bool fresh) {
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
                d = device_add(m, name);
        if (!d) {
                log_error("%s: out of memory adding the device", name);
                return;
        }
        enqueue(m, d, true);
}

static void on_regions_idle(void *userdata) {
        struct manager *m = userdata;
        /* on_work() sends READY=1 once the queue is empty too. */
        sd_event_source_set_enabled(m->work, SD_EVENT_ON);
}

int manager_rescan(struct manager *m) {
        char path[PATH_MAX];
        struct dirent *de;
        DIR *dir;
        int r;

        r = sysfs_path(path, sizeof(path), "/sys/bus/dax/devices");
        if (r < 0)
                return r;
        dir = opendir(path);
        if (!dir) {
                if (errno == ENOENT) {
                        /* No dax bus (module not loaded) means no devices yet. */
                        log_info("no dax bus in sysfs yet; waiting for devices");
                        return 0;
                }
                r = -errno;
                log_error("cannot list %s: %s", path, strerror(-r));
                return r;
        }
        while ((de = readdir(dir))) {
                struct device *d;
                if (!is_dax_name(de->d_name))
                        continue;
                d = manager_find_device(m, de->d_name);
                if (!d)
                        d = device_add(m, de->d_name);
                if (!d) {
                        closedir(dir);
                        return -ENOMEM;
                }
                enqueue(m, d, true);
        }
        closedir(dir);
        /* Devices that vanished unseen are found gone when reconciled. */
        for (size_t i = 0; i < m->n_devices; i++)
                enqueue(m, m->devices[i], true);
        /* At start, and when asked: every region's verdict is news. */
        regions_request(m, true);
        return 0;
}

int manager_apply(struct manager *m, struct device *d) {
        enqueue(m, d, true);
        return 0;
}

static bool device_has_block(struct manager *m, struct device *d, uint64_t block) {
        if (!d->facts_valid || m->block_size == 0)
                return false;
        for (unsigned i = 0; i < d->facts.n_ranges; i++) {
                uint64_t first = (d->facts.ranges[i].start + m->block_size - 1) / m->block_size;
                uint64_t end = (d->facts.ranges[i].end + 1) / m->block_size;
                if (block >= first && block < end)
                        return true;
        }
        return false;
}

static bool is_region_name(const char *name) {
        unsigned id;
        char c;
        return sscanf(name, "region%u%c", &id, &c) == 1;
}

static void handle_uevent(struct manager *m, struct udev_device *u) {
        const char *subsystem = udev_device_get_subsystem(u);
        const char *action = udev_device_get_action(u);
        const char *name = udev_device_get_sysname(u);
        struct device *d;

        if (!subsystem || !action || !name)
                return;
        log_debug("uevent %s %s %s", action, subsystem, name);

        if (streq(subsystem, "dax")) {
                if (!is_dax_name(name))
                        return;
                d = manager_find_device(m, name);
                if (streq(action, "remove")) {
                        if (d)
                                device_remove(m, d);
                        return;
                }
                if (!d)
                        d = device_add(m, name);
                if (!d) {
                        log_error("%s: out of memory adding the device", name);
                        return;
                }
                /* A device that comes back is news: give it a fresh look. */
                enqueue(m, d, streq(action, "add"));
                /* A new dax device may be a new dynamic dax region (CXL,
                 * hmem), which has no nd events: look at the regions. */
                if (streq(action, "add"))
                        regions_request(m, false);
                return;
        }

        /* An NVDIMM region that appears, changes or is enabled may have
         * room for a [region] rule.  No return: other concerns may want
         * the same event. */
        if (streq(subsystem, "nd") && is_region_name(name) &&
            (streq(action, "add") || streq(action, "change") || streq(action, "bind")))
                regions_request(m, false);
        if (streq(subsystem, "nd")) {
                /* A DIMM or region changed (locked, unlocked, a passphrase
                 * set with its regions disabled and enabled again): devices
                 * whose rule requires security are looked at again. */
                if (!startswith(name, "nmem") && !startswith(name, "region"))
                        return;
                for (size_t i = 0; i < m->n_devices; i++) {
                        d = m->devices[i];
                        if (d != m->active && d->want.security != DT_SECURITY_NONE)
                                enqueue(m, d, true);
                }
                return;
        }

        if (streq(subsystem, "memory")) {
                uint64_t block;
                if (!startswith(name, "memory") || safe_atou64(name + 6, 10, &block) < 0)
                        return;
                for (size_t i = 0; i < m->n_devices; i++) {
                        d = m->devices[i];
                        if (d == m->active || !device_has_block(m, d, block))
                                continue;
                        if (d->state == DEV_ONLINE || d->state == DEV_DEVDAX)
                                enqueue(m, d, false);
                }
        }
}

static int on_monitor(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct manager *m = userdata;
        struct udev_device *u;

        for (;;) {
                errno = 0;
                u = udev_monitor_receive_device(m->monitor);
                if (!u)
                        break;
                handle_uevent(m, u);
                udev_device_unref(u);
        }
        if (errno == ENOBUFS) {
                /* Events were lost: look at everything again. */
                log_warning("udev events were lost (receive buffer full); rescanning every device");
                manager_rescan(m);
        }
        return 0;
}

static void apply_daemon_settings(struct manager *m) {
        char cur[32];
        int r;

        r = m->be->auto_online_get(NULL, cur, sizeof(cur));
        if (r < 0) {
                if (m->policy->auto_online_blocks == DT_AUTO_ONLINE_OFFLINE)
                        log_warning("cannot read /sys/devices/system/memory/auto_online_blocks: %s", strerror(-r));
                return;
        }
        if (m->policy->auto_online_blocks == DT_AUTO_ONLINE_OFFLINE && !streq(cur, "offline")) {
                r = m->be->auto_online_set(NULL, "offline");
                if (r < 0) {
                        log_error("cannot set /sys/devices/system/memory/auto_online_blocks to offline: %s",
                                  strerror(-r));
                        return;
                }
                if (!m->auto_online_taken)
                        snprintf(m->auto_online_orig, sizeof(m->auto_online_orig), "%s", cur);
                m->auto_online_taken = true;
                const char *f[] = { "DAXTIER_FROM=", NULL, NULL };
                char from[64];
                snprintf(from, sizeof(from), "DAXTIER_FROM=%s", cur);
                f[0] = from;
                f[1] = "DAXTIER_TO=offline";
                audit_event(AUDIT_AUTO_ONLINE, LOG_NOTICE, f,
                            "kernel auto_online_blocks changed from %s to offline ([daemon] auto_online_blocks = offline): daxtierd decides each block's zone",
                            cur);
        } else if (m->policy->auto_online_blocks == DT_AUTO_ONLINE_KEEP && m->auto_online_taken) {
                r = m->be->auto_online_set(NULL, m->auto_online_orig);
                if (r < 0) {
                        log_error("cannot restore auto_online_blocks=%s: %s", m->auto_online_orig, strerror(-r));
                        return;
                }
                m->auto_online_taken = false;
                char to[64];
                snprintf(to, sizeof(to), "DAXTIER_TO=%s", m->auto_online_orig);
                const char *f[] = { "DAXTIER_FROM=offline", to, NULL };
                audit_event(AUDIT_AUTO_ONLINE, LOG_NOTICE, f,
                            "kernel auto_online_blocks restored to %s ([daemon] auto_online_blocks = keep)",
                            m->auto_online_orig);
        }
}

static int load_policy(struct manager *m, struct policy **ret) {
        struct config_errors errs = {};
        int r;

        r = config_load(m->opts.config_path, m->opts.config_optional, m->opts.dropin_dir, ret, &errs);
        free(m->reload_errors);
        m->reload_errors = NULL;
        if (errs.n > 0) {
                struct strbuf b = {};
                for (size_t i = 0; i < errs.n; i++)
                        strbuf_appendf(&b, "%s%s", i ? "\n" : "", errs.msgs[i]);
                m->reload_errors = strbuf_steal(&b);
        }
        for (size_t i = 0; i < errs.n; i++) {
                char field[1100];
                snprintf(field, sizeof(field), "DAXTIER_REASON=%s", errs.msgs[i]);
                const char *f[] = { field, NULL };
                audit_event(AUDIT_CONFIG_ERROR, LOG_ERR, f, "configuration error: %s", errs.msgs[i]);
        }
        config_errors_clear(&errs);
        return r;
}

static void policy_loaded(struct manager *m, const char *how) {
        struct strbuf files = {};
        for (size_t i = 0; i < m->policy->n_files; i++)
                strbuf_appendf(&files, "%s%s", i ? " " : "", m->policy->files[i]);
        char field[2048];
        snprintf(field, sizeof(field), "DAXTIER_CONFIG_FILES=%s", strbuf_str(&files));
        const char *f[] = { field, NULL };
        char regions[64] = "";
        if (m->policy->n_region_rules > 0)
                snprintf(regions, sizeof(regions), ", %zu region rule%s", m->policy->n_region_rules,
                         m->policy->n_region_rules == 1 ? "" : "s");
        audit_event(AUDIT_POLICY_LOADED, LOG_INFO, f, "policy %s: %zu rule%s%s from %s", how, m->policy->n_rules,
                    m->policy->n_rules == 1 ? "" : "s", regions, files.len ? strbuf_str(&files) : "(no files)");
        strbuf_free(&files);
}

int manager_reload(struct manager *m) {
        struct policy *p = NULL;
        int r;

        sd_notify(0, "RELOADING=1\nSTATUS=Reloading the policy");
        r = load_policy(m, &p);
        if (r < 0) {
                audit_event(AUDIT_POLICY_REJECTED, LOG_ERR, NULL,
                            "reload rejected: the configuration has errors (listed above); the previous policy stays in force");
                sd_notifyf(0, "READY=1\nSTATUS=%s", m->status);
                return r;
        }
        policy_free(m->policy);
        m->policy = p;
        policy_loaded(m, "reloaded");
        if (m->bus)
                (void) bus_manager_config_changed(m->bus);
        apply_daemon_settings(m);
        for (size_t i = 0; i < m->n_devices; i++)
                enqueue(m, m->devices[i], true);
        regions_request(m, true);
        sd_notifyf(0, "READY=1\nSTATUS=%s", m->status);
        return 0;
}

/*
 * The kernel announces no change of a DIMM's security state but the end of
 * an overwrite, and freezing or unlocking sends no uevent: while some rule
 * requires security, read the states of the DIMMs behind its devices
 * every SECURITY_POLL_USEC and look again at a device whose DIMMs changed.
 */
#define SECURITY_POLL_USEC (5 * 1000000ULL)

static int on_security_poll(sd_event_source *s, uint64_t usec, void *userdata) {
        struct manager *m = userdata;

        for (size_t i = 0; i < m->n_devices; i++) {
                struct device *d = m->devices[i];
                int k;
                if (d->want.security == DT_SECURITY_NONE || d == m->active || !d->facts_valid ||
                    d->facts.source != DT_SOURCE_PMEM)
                        continue;
                k = device_security_refresh(d, m->be, NULL);
                if (k & DEV_SEC_WARN)
                        audit_security_lost(d, d->security_warning);
                if (k & DEV_SEC_CHANGED) {
                        log_info("%s: DIMM security changed: %s", d->name, d->security_sig);
                        bus_device_changed(m->bus, d);
                        if (d->state == DEV_REFUSED)
                                enqueue(m, d, true);
                }
        }
        sd_event_source_set_time_relative(s, SECURITY_POLL_USEC);
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        manager_reload(userdata);
        return 0;
}

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        struct manager *m = userdata;
        sd_notify(0, "STOPPING=1\nSTATUS=Stopping");
        if (m->active)
                log_notice("%s: stopping between two steps of its job; the next start picks it up again",
                           m->active->name);
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int setup_monitor(struct manager *m) {
        int r;

        m->udev = udev_new();
        if (!m->udev)
                return -ENOMEM;
        m->monitor = udev_monitor_new_from_netlink(m->udev, "udev");
        if (!m->monitor)
                return -errno ? -errno : -ENOMEM;
        /* Onlining a large device sends an event per block. */
        (void) udev_monitor_set_receive_buffer_size(m->monitor, 16 * 1024 * 1024);
        r = udev_monitor_filter_add_match_subsystem_devtype(m->monitor, "dax", NULL);
        if (r < 0)
                return r;
        r = udev_monitor_filter_add_match_subsystem_devtype(m->monitor, "memory", NULL);
        if (r < 0)
                return r;
        /* NVDIMM regions, for [region] rules. */
        r = udev_monitor_filter_add_match_subsystem_devtype(m->monitor, "nd", NULL);
        if (r < 0)
                return r;
        r = udev_monitor_enable_receiving(m->monitor);
        if (r < 0)
                return r;
        r = sd_event_add_io(m->event, &m->monitor_source, udev_monitor_get_fd(m->monitor), EPOLLIN, on_monitor, m);
        if (r < 0)
                return r;
        sd_event_source_set_description(m->monitor_source, "udev-monitor");
        return 0;
}

int manager_new(const struct manager_options *opts, struct manager **ret) {
        struct manager *m;
        sigset_t mask;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->call_fd = -1;
        m->scrub_fd = -1;
        m->opts = *opts;
        m->be = &kernel_backend;
        m->obs = (struct device_observer) { .transition = on_transition, .note = on_note, .userdata = m };

        r = load_policy(m, &m->policy);
        if (r < 0)
                goto fail;

        r = sd_event_default(&m->event);
        if (r < 0)
                goto fail;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        if ((r = sd_event_add_signal(m->event, NULL, SIGTERM, on_sigterm, m)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGINT, on_sigterm, m)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGHUP, on_sighup, m)) < 0)
                goto fail;
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                goto fail;

        r = sd_event_add_defer(m->event, &m->work, on_work, m);
        if (r < 0)
                goto fail;
        /* Jobs yield to signals, udev events and bus calls. */
        sd_event_source_set_priority(m->work, SD_EVENT_PRIORITY_IDLE);
        sd_event_source_set_description(m->work, "work-queue");
        sd_event_source_set_enabled(m->work, SD_EVENT_ON);

        m->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (m->call_fd < 0) {
                r = -errno;
                goto fail;
        }
        r = sd_event_add_io(m->event, &m->call_source, m->call_fd, EPOLLIN, on_call_done, m);
        if (r < 0)
                goto fail;
        sd_event_source_set_description(m->call_source, "worker-done");

        r = sd_event_add_time_relative(m->event, &m->security_poll, CLOCK_MONOTONIC, SECURITY_POLL_USEC,
                                       SECURITY_POLL_USEC / 5, on_security_poll, m);
        if (r < 0)
                goto fail;
        sd_event_source_set_description(m->security_poll, "security-poll");

        /* Listen before looking, so that nothing slips between the two. */
        r = setup_monitor(m);
        if (r < 0) {
                log_error("cannot listen to udev: %s", strerror(-r));
                goto fail;
        }
        if (m->be->block_size(NULL, &m->block_size) < 0)
                m->block_size = 0;

        /* Status over D-Bus is a service, not the job: run without it
         * rather than leave memory unmanaged. */
        r = bus_new(m, m->event, &m->bus);
        if (r < 0) {
                log_warning("cannot offer %s on the system bus: %s; running without D-Bus", BUS_NAME, strerror(-r));
                m->bus = NULL;
        }

        r = region_runner_new(m->event,
                              &(struct region_runner_ops) {
                                      .created = on_region_created,
                                      .idle = on_regions_idle,
                                      .userdata = m,
                              },
                              &m->regions);
        if (r < 0)
                goto fail;

        policy_loaded(m, "loaded");
        apply_daemon_settings(m);
        r = manager_rescan(m);
        if (r < 0)
                goto fail;
        *ret = m;
        return 0;
fail:
        manager_free(m);
        return r;
}

void manager_free(struct manager *m) {
        if (!m)
                return;
        /* A bind in flight finishes; the next start reconciles its result. */
        if (m->calling)
                pthread_join(m->worker, NULL);
        /* Likewise a namespace being carved. */
        region_runner_free(m->regions);
        for (size_t i = 0; i < m->n_devices; i++) {
                free(m->devices[i]->userdata);
                device_free(m->devices[i]);
        }
        free(m->devices);
        free(m->queue);
        free(m->reload_errors);
        bus_free(m->bus);
        sd_event_source_unref(m->work);
        sd_event_source_unref(m->call_source);
        sd_event_source_unref(m->security_poll);
        scrub_wait_stop(m, true);
        sd_event_source_disable_unref(m->poison_retry);
        for (size_t i = 0; i < m->n_watches; i++) {
                sd_event_source_disable_unref(m->watches[i].source);
                close(m->watches[i].fd);
        }
        free(m->watches);
        if (m->call_fd >= 0)
                close(m->call_fd);
        sd_event_source_unref(m->monitor_source);
        udev_monitor_unref(m->monitor);
        udev_unref(m->udev);
        sd_event_unref(m->event);
        policy_free(m->policy);
        free(m);
}

int manager_run(struct manager *m) {
        return sd_event_loop(m->event);
}

struct device *const *manager_devices(struct manager *m, size_t *n) {
        *n = m->n_devices;
        return m->devices;
}

const struct policy *manager_policy(struct manager *m) {
        return m->policy;
}

const char *manager_reload_errors(struct manager *m) {
        return m->reload_errors;
}
