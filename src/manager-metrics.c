/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * manager-metrics: the node_exporter textfile ([daemon] metrics_textfile),
 * rewritten atomically on every transition and every metrics_interval
 * (see manager-internal.h).  The text is metrics.c's.
 */

#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "manager-internal.h"
#include "metrics-file.h"
#include "metrics.h"
#include "tiering-io.h"
#include "util.h"

static uint64_t now_realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

void manager_metrics_reloaded(struct manager *m, bool ok) {
        if (ok) {
                m->reloads_ok++;
                m->last_reload_success_usec = now_realtime_usec();
        } else
                m->reloads_invalid++;
        manager_metrics_policy_changed(m);
        manager_metrics_write(m);
}

/* The file to write, or NULL for none. */
static const char *textfile(const struct manager *m) {
        struct stat st;

        if (!m->policy || streq(m->policy->metrics_textfile, "off"))
                return NULL;
        if (m->policy->metrics_textfile[0])
                return m->policy->metrics_textfile;
        if (stat(DT_METRICS_TEXTFILE_DIR, &st) == 0 && S_ISDIR(st.st_mode))
                return DT_METRICS_TEXTFILE_DEFAULT;
        return NULL;
}

char *manager_metrics_text(struct manager *m) {
        struct metrics_device *devs = NULL;
        struct metrics_node nodes[TIERING_MAX_NODES];
        struct tiering_node_stats st[TIERING_MAX_NODES];
        struct metrics_snapshot s = {
                .reloads_ok = m->reloads_ok,
                .reloads_invalid = m->reloads_invalid,
                .last_reload_success_usec = m->last_reload_success_usec,
        };
        char *text;
        int n;

        if (m->n_devices > 0) {
                devs = calloc(m->n_devices, sizeof(*devs));
                if (!devs)
                        return NULL;
        }
        for (size_t i = 0; i < m->n_devices; i++)
                metrics_device_from(&devs[i], m->devices[i], manager_device_transitions(m->devices[i]));
        s.devices = devs;
        s.n_devices = m->n_devices;

        n = tiering_read_nodes(st, ELEMENTSOF(st));
        for (int i = 0; i < n; i++) {
                nodes[i] = (struct metrics_node) {
                        .node = st[i].node,
                        .tier = st[i].tier,
                        .has_demoted = st[i].has_demoted,
                        .has_promoted = st[i].has_promoted,
                        .demoted = st[i].demoted,
                        .promoted = st[i].promoted,
                };
                /* dax bytes: devices online as System RAM on this node. */
                for (size_t j = 0; j < m->n_devices; j++) {
                        const struct device *d = m->devices[j];
                        if (d->facts_valid && d->state == DEV_ONLINE && dax_facts_node(&d->facts) == st[i].node)
                                nodes[i].dax_bytes += d->facts.size;
                }
        }
        s.nodes = nodes;
        s.n_nodes = n > 0 ? (size_t) n : 0;

        text = metrics_format(&s);
        free(devs);
        return text;
}

void manager_metrics_write(struct manager *m) {
        const char *path = textfile(m);
        char *text;
        int r;

        if (!path)
                return;
        text = manager_metrics_text(m);
        if (!text) {
                log_error("out of memory formatting the metrics");
                return;
        }
        r = metrics_write_textfile(path, text);
        free(text);
        if (r < 0 && !m->metrics_warned) {
                log_warning("cannot write the metrics textfile %s: %s (said once)", path, strerror(-r));
                m->metrics_warned = true;
        } else if (r >= 0)
                m->metrics_warned = false;
}

static int on_metrics_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct manager *m = userdata;

        manager_metrics_write(m);
        manager_metrics_policy_changed(m);
        return 0;
}

void manager_metrics_policy_changed(struct manager *m) {
        uint64_t interval = m->policy ? m->policy->metrics_interval_usec : 0;

        if (!m->metrics_timer)
                return;
        if (interval == 0 || !textfile(m)) {
                sd_event_source_set_enabled(m->metrics_timer, SD_EVENT_OFF);
                return;
        }
        sd_event_source_set_time_relative(m->metrics_timer, interval);
        sd_event_source_set_enabled(m->metrics_timer, SD_EVENT_ONESHOT);
}

int manager_metrics_setup(struct manager *m) {
        int r;

        m->last_reload_success_usec = now_realtime_usec();
        r = sd_event_add_time_relative(m->event, &m->metrics_timer, CLOCK_MONOTONIC, DT_METRICS_INTERVAL_DEFAULT_USEC,
                                       1000000, on_metrics_timer, m);
        if (r < 0)
                return r;
        sd_event_source_set_description(m->metrics_timer, "metrics-textfile");
        manager_metrics_policy_changed(m);
        return 0;
}

void manager_metrics_free(struct manager *m) {
        m->metrics_timer = sd_event_source_unref(m->metrics_timer);
}
