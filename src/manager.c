/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* manager: see manager.h; the struct and its other files: manager-internal.h. */

#include <signal.h>
#include <libudev.h>
#include <systemd/sd-daemon.h>

#include "audit.h"
#include "bus.h"
#include "capacity.h"
#include "kernel.h"
#include "manager-internal.h"
#include "pump.h"
#include "regions.h"

/* How often to try the system bus again when it was not there at start. */
#include "uevent.h"
#include "util.h"
#include "worker.h"

/* Per-device flags the manager keeps in struct device's userdata slot. */
struct devflags {
        bool queued;
        bool force;             /* retry even if refused or failed */
        bool announced;         /* the "found" record was written */
        uint64_t transitions[_DEV_STATE_MAX];   /* into each state, since start */
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
                DEV_CHECKING, DEV_SCRUBBING, DEV_CLEARING, DEV_BINDING, DEV_ONLINING, DEV_OFFLINING,
                DEV_KMEM, DEV_UNBOUND, DEV_PENDING,
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

const uint64_t *manager_device_transitions(struct device *d) {
        return flags(d)->transitions;
}

static void on_transition(struct device *d, enum dev_state from, const char *reason, void *userdata) {
        struct manager *m = userdata;
        audit_transition(d, from, reason);
        bus_device_changed(m->bus, d);
        update_status(m);
        if (d->state < _DEV_STATE_MAX)
                flags(d)->transitions[d->state]++;
        manager_tiering_update(m, false);
        manager_metrics_write(m);
}

static void on_note(struct device *d, enum device_note kind, const char *msg, void *userdata) {
        audit_note(d, kind, msg);
}

static void on_runtime_poison(struct device *d, int priority, const char *msg, void *userdata) {
        audit_runtime_poison(d, priority, msg);
}

struct device *manager_find_device(struct manager *m, const char *name) {
        for (size_t i = 0; i < m->n_devices; i++)
                if (streq(m->devices[i]->name, name))
                        return m->devices[i];
        return NULL;
}

struct device *manager_device_add(struct manager *m, const char *name) {
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
        if (m->active == d && worker_busy(m->worker)) {
                /* The worker still uses it: finish when it is done. */
                m->active_gone = true;
                return;
        }
        if (m->active == d) {
                manager_scrub_wait_stop(m, true);
                device_job_abort(d, "the device went away", &m->obs);
                m->active = NULL;
                manager_apply_daemon_settings(m);
                pump_set_enabled(m->pump, true);
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
        manager_tiering_update(m, false);
        manager_metrics_write(m);
}

void manager_enqueue(struct manager *m, struct device *d, bool force) {
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
        pump_set_enabled(m->pump, true);
}

static void reconcile(struct manager *m, struct device *d) {
        struct devflags *fl = flags(d);
        struct match_facts mf;
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

        dax_facts_to_match(&d->facts, &mf);
        rule = policy_match(m->policy, &mf);
        want_from_rule(&d->want, rule);
        d->want.online_at_bind = m->policy->online_at_bind == DT_ONLINE_AT_BIND_YES;
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
        char cap_why[512];
        if (capacity_node_cap_refuses(m->policy, d, m->devices, m->n_devices, m->block_size, m->be, NULL, cap_why,
                                      sizeof(cap_why))) {
                /* A new device may be reconciled twice (udev and the
                 * region pass): say it once. */
                if (d->state != DEV_REFUSED || !streq_ptr(d->last_error, cap_why))
                        device_set_state(d, DEV_REFUSED, cap_why, &m->obs);
                return;
        }
        r = device_job_start(d);
        if (r < 0) {
                log_error("%s: cannot start a job: %s", d->name, strerror(-r));
                return;
        }
        m->active = d;
}

/* In the worker thread: the active job's blocking call. */
static void call_main(void *userdata) {
        struct manager *m = userdata;
        device_job_call(m->active, m->be, NULL);
}

/* Runs the active job's blocking call in the worker; the loop resumes the
 * job from on_call_done(). */
static void start_call(struct manager *m) {
        (void) worker_start(m->worker, call_main, m);
        pump_set_enabled(m->pump, false);
}

static void on_call_done(void *userdata) {
        struct manager *m = userdata;

        if (m->active_gone) {
                m->active_gone = false;
                device_remove(m, m->active);
        }
        pump_set_enabled(m->pump, true);
}

static void security_poll_update(struct manager *m);

static void on_work(void *userdata) {
        struct manager *m = userdata;

        if (worker_busy(m->worker)) {
                pump_set_enabled(m->pump, false);
                return;
        }
        if (m->active) {
                struct device *d = m->active;
                int r = device_job_step(d, m->be, NULL, &m->obs);
                if (r == DEVICE_STEP_BLOCKING) {
                        start_call(m);
                        return;
                }
                if (r == DEVICE_STEP_WAIT_SCRUB) {
                        manager_scrub_wait(m);
                        return;
                }
                if (r == 0) {
                        manager_scrub_wait_stop(m, true);
                        m->active = NULL;
                        /* Whatever the bind held comes back, as the
                         * policy in force now says. */
                        manager_apply_daemon_settings(m);
                        if (d->dirty) {
                                d->dirty = false;
                                manager_enqueue(m, d, true);
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
                pump_set_enabled(m->pump, false);
                manager_watches_refresh(m);
                security_poll_update(m);
                /* Devices found online at start make no transition: the
                 * knobs wait for the first full pass, so that a restart
                 * does not put them back before it found its devices. */
                m->tiering_ready = true;
                manager_tiering_update(m, false);
                /* Ready once the first region pass has carved, too. */
                if (!m->ready && !region_runner_busy(m->regions)) {
                        m->ready = true;
                        manager_metrics_write(m);
                        sd_notify(0, "READY=1");
                        log_info("every dax device reconciled: %s", m->status);
                }
        }
        update_status(m);
}


int manager_rescan(struct manager *m) {
        char **names = NULL;
        int r;

        r = m->be->list_devices(NULL, &names);
        if (r == -ENOENT) {
                /* No dax bus (module not loaded) means no devices yet. */
                log_info("no dax bus in sysfs yet; waiting for devices");
                return 0;
        }
        if (r < 0) {
                log_error("cannot list the dax devices: %s", strerror(-r));
                return r;
        }
        for (char **n = names; *n; n++) {
                struct device *d = manager_find_device(m, *n);
                if (!d)
                        d = manager_device_add(m, *n);
                if (!d) {
                        strv_free(names);
                        return -ENOMEM;
                }
                manager_enqueue(m, d, true);
        }
        strv_free(names);
        /* Devices that vanished unseen are found gone when reconciled. */
        for (size_t i = 0; i < m->n_devices; i++)
                manager_enqueue(m, m->devices[i], true);
        /* At start, and when asked: every region's verdict is news. */
        manager_regions_request(m, true);
        return 0;
}

int manager_apply(struct manager *m, struct device *d) {
        manager_enqueue(m, d, true);
        return 0;
}


/* Carries out what uevent_route() says an event means. */
static void handle_uevent(struct manager *m, struct udev_device *u) {
        const char *name = udev_device_get_sysname(u);
        struct uevent_route rt;
        struct device *d;

        uevent_route(udev_device_get_subsystem(u), udev_device_get_action(u), name, &rt);
        if (rt.kind == UEVENT_IGNORE)
                return;
        log_debug("uevent %s %s %s", udev_device_get_action(u), udev_device_get_subsystem(u), name);

        if (rt.kind == UEVENT_DAX) {
                d = manager_find_device(m, name);
                if (rt.remove) {
                        if (d)
                                device_remove(m, d);
                        return;
                }
                if (!d)
                        d = manager_device_add(m, name);
                if (!d) {
                        log_error("%s: out of memory adding the device", name);
                        return;
                }
                manager_enqueue(m, d, rt.fresh);
        }
        if (rt.regions && rt.kind == UEVENT_CXL)
                manager_cxl_settle_restart(m);
        else if (rt.regions)
                manager_regions_request(m, false);
        for (size_t i = 0; i < m->n_devices && (rt.security || rt.kind == UEVENT_MEMORY); i++) {
                d = m->devices[i];
                if (d == m->active)
                        continue;
                if (rt.security && uevent_security_concerns(d))
                        manager_enqueue(m, d, true);
                else if (rt.kind == UEVENT_MEMORY && uevent_block_concerns(d, rt.block, m->block_size))
                        manager_enqueue(m, d, false);
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

/*
 * The kernel announces no change of a DIMM's security state but the end of
 * an overwrite, and freezing or unlocking sends no uevent: while some rule
 * requires security, read the states of the DIMMs behind its devices
 * every SECURITY_POLL_USEC and look again at a device whose DIMMs changed.
 */
#define SECURITY_POLL_USEC (5 * 1000000ULL)

static bool security_wanted(const struct manager *m) {
        for (size_t i = 0; i < m->n_devices; i++)
                if (m->devices[i]->want.security != DT_SECURITY_NONE)
                        return true;
        return false;
}

/* Runs the poll only while some device's rule requires security: an
 * idle daemon without such a rule has no timer to wake it. */
static void security_poll_update(struct manager *m) {
        int on = SD_EVENT_OFF;

        if (!m->security_poll || sd_event_source_get_enabled(m->security_poll, &on) < 0)
                return;
        if (!security_wanted(m))
                (void) sd_event_source_set_enabled(m->security_poll, SD_EVENT_OFF);
        else if (on == SD_EVENT_OFF) {
                (void) sd_event_source_set_time_relative(m->security_poll, SECURITY_POLL_USEC);
                (void) sd_event_source_set_enabled(m->security_poll, SD_EVENT_ONESHOT);
        }
}

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
                                manager_enqueue(m, d, true);
                }
        }
        if (!security_wanted(m))
                return sd_event_source_set_enabled(s, SD_EVENT_OFF);
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
        /* restore_on_exit = yes: the knobs go back to the values found. */
        manager_tiering_update(m, true);
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
        /* CXL memdevs and endpoints, for [region] rules with match.source = cxl. */
        r = udev_monitor_filter_add_match_subsystem_devtype(m->monitor, "cxl", NULL);
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

/* The loop, its signals and its own sources. */
static int setup_loop(struct manager *m) {
        sigset_t mask;
        int r;

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        if ((r = sd_event_add_signal(m->event, NULL, SIGTERM, on_sigterm, m)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGINT, on_sigterm, m)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGHUP, on_sighup, m)) < 0)
                return r;
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                return r;

        /* Jobs step whenever the loop is idle, and take their turn with
         * bus calls when it is not (pump.h). */
        r = pump_new(m->event, "work-queue", on_work, m, &m->pump);
        if (r < 0)
                return r;
        pump_set_enabled(m->pump, true);

        r = worker_new(m->event, "worker-done", on_call_done, m, &m->worker);
        if (r < 0)
                return r;
        r = sd_event_add_time_relative(m->event, &m->security_poll, CLOCK_MONOTONIC, SECURITY_POLL_USEC,
                                       SECURITY_POLL_USEC / 5, on_security_poll, m);
        if (r < 0)
                return r;
        sd_event_source_set_description(m->security_poll, "security-poll");
        (void) sd_event_source_set_enabled(m->security_poll, SD_EVENT_OFF);
        r = manager_metrics_setup(m);
        if (r < 0)
                return r;
        return manager_poison_setup(m);
}

int manager_new(const struct manager_options *opts, struct manager **ret) {
        struct manager *m;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->opts = *opts;
        m->be = &kernel_backend;
        m->obs = (struct device_observer) {
                .transition = on_transition,
                .note = on_note,
                .runtime_poison = on_runtime_poison,
                .userdata = m,
        };

        r = manager_load_policy(m, &m->policy);
        if (r < 0)
                goto fail;
        r = setup_loop(m);
        if (r < 0)
                goto fail;

        /* Listen before looking, so that nothing slips between the two. */
        r = setup_monitor(m);
        if (r < 0) {
                log_error("cannot listen to udev: %s", strerror(-r));
                goto fail;
        }
        if (m->be->block_size(NULL, &m->block_size) < 0)
                m->block_size = 0;

        manager_bus_connect(m);

        r = manager_regions_setup(m);
        if (r < 0)
                goto fail;

        audit_policy_loaded(m->policy, "loaded");
        manager_auto_online_start(m);
        manager_apply_daemon_settings(m);
        manager_tiering_start(m);
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
        worker_free(m->worker);
        manager_auto_online_stop(m);
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
        sd_event_source_disable_unref(m->bus_retry);
        sd_event_source_disable_unref(m->cxl_settle);
        pump_free(m->pump);
        sd_event_source_unref(m->security_poll);
        manager_metrics_free(m);
        manager_poison_free(m);
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

const struct backend *manager_backend(struct manager *m) {
        return m->be;
}
