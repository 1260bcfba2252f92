/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * metrics: Prometheus text exposition of a snapshot (see metrics.h).
 * Pure: no system access.
 */

#include <inttypes.h>

#include "metrics.h"
#include "util.h"

void metrics_escape_label(struct strbuf *b, const char *v) {
        for (const char *p = strempty(v); *p; p++) {
                if (*p == '\\')
                        strbuf_appendf(b, "\\\\");
                else if (*p == '"')
                        strbuf_appendf(b, "\\\"");
                else if (*p == '\n')
                        strbuf_appendf(b, "\\n");
                else
                        strbuf_appendf(b, "%c", *p);
        }
}

int metrics_state_from_string(const char *s) {
        for (int i = 0; i < _DEV_STATE_MAX; i++)
                if (streq(dev_state_to_string((enum dev_state) i), s))
                        return i;
        return -EINVAL;
}

void metrics_device_from(struct metrics_device *m, const struct device *d, const uint64_t *transitions) {
        *m = (struct metrics_device) {
                .name = d->name,
                .source = dt_source_to_string(d->facts.source),
                .rule = d->want.rule,
                .mode = dt_mode_to_string(d->want.mode),
                .state = d->state,
                .size = d->facts.size,
                .online_blocks = d->online_blocks,
                .total_blocks = d->total_blocks,
                .badblocks = d->badblocks,
                .cleared_bytes = d->cleared_bytes,
        };
        if (transitions)
                memcpy(m->transitions, transitions, sizeof(m->transitions));
}

/* HELP texts have no backslashes or newlines: written as they are. */
static void family(struct strbuf *b, const char *name, const char *type, const char *help) {
        strbuf_appendf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{device="..."} value, for one device's number. */
static void dev_series(struct strbuf *b, const char *name, const struct metrics_device *d, uint64_t v) {
        strbuf_appendf(b, "%s{device=\"", name);
        metrics_escape_label(b, d->name);
        strbuf_appendf(b, "\"} %" PRIu64 "\n", v);
}

typedef uint64_t (*dev_value)(const struct metrics_device *d);

static uint64_t v_size(const struct metrics_device *d) { return d->size; }
static uint64_t v_online(const struct metrics_device *d) { return d->online_blocks; }
static uint64_t v_total(const struct metrics_device *d) { return d->total_blocks; }
static uint64_t v_bad(const struct metrics_device *d) { return d->badblocks; }
static uint64_t v_cleared(const struct metrics_device *d) { return d->cleared_bytes; }

static const struct {
        const char *name, *type, *help;
        dev_value value;
} dev_numbers[] = {
        { "daxtierd_device_size_bytes", "gauge", "Size of the dax device.", v_size },
        { "daxtierd_device_online_blocks", "gauge",
          "Memory blocks of the device online as System RAM.", v_online },
        { "daxtierd_device_total_blocks", "gauge",
          "Memory blocks the device spans once on kmem.", v_total },
        { "daxtierd_device_badblocks", "gauge",
          "Bad ranges (poison) inside the device now.", v_bad },
        { "daxtierd_device_cleared_bytes_total", "counter",
          "Bytes of poison daxtierd cleared in the device.", v_cleared },
};

static void metrics_device_info(struct strbuf *b, const struct metrics_snapshot *s) {
        family(b, "daxtierd_device_info", "gauge",
               "A dax device daxtierd knows, with its source, the rule that matched it and that rule's mode.");
        for (size_t i = 0; i < s->n_devices; i++) {
                const struct metrics_device *d = &s->devices[i];
                strbuf_appendf(b, "daxtierd_device_info{device=\"");
                metrics_escape_label(b, d->name);
                strbuf_appendf(b, "\",source=\"");
                metrics_escape_label(b, d->source);
                strbuf_appendf(b, "\",rule=\"");
                metrics_escape_label(b, d->rule);
                strbuf_appendf(b, "\",mode=\"");
                metrics_escape_label(b, d->mode);
                strbuf_appendf(b, "\"} 1\n");
        }
}

static void metrics_device_state(struct strbuf *b, const struct metrics_snapshot *s) {
        family(b, "daxtierd_device_state", "gauge",
               "1 for the steady state the device is in, 0 for the other steady states (all 0 while a job works on it).");
        for (size_t i = 0; i < s->n_devices; i++) {
                const struct metrics_device *d = &s->devices[i];
                for (int st = 0; st < _DEV_STATE_MAX; st++) {
                        if (!dev_state_is_steady((enum dev_state) st))
                                continue;
                        strbuf_appendf(b, "daxtierd_device_state{device=\"");
                        metrics_escape_label(b, d->name);
                        strbuf_appendf(b, "\",state=\"%s\"} %d\n", dev_state_to_string((enum dev_state) st),
                                       d->state == (enum dev_state) st);
                }
        }
}

static void metrics_device_numbers(struct strbuf *b, const struct metrics_snapshot *s) {
        for (size_t k = 0; k < ELEMENTSOF(dev_numbers); k++) {
                family(b, dev_numbers[k].name, dev_numbers[k].type, dev_numbers[k].help);
                for (size_t i = 0; i < s->n_devices; i++)
                        dev_series(b, dev_numbers[k].name, &s->devices[i], dev_numbers[k].value(&s->devices[i]));
        }
}

static void metrics_transitions(struct strbuf *b, const struct metrics_snapshot *s) {
        family(b, "daxtierd_transitions_total", "counter",
               "Transitions of the device into a state since the daemon started.");
        for (size_t i = 0; i < s->n_devices; i++) {
                const struct metrics_device *d = &s->devices[i];
                for (int st = 0; st < _DEV_STATE_MAX; st++) {
                        if (!d->transitions[st])
                                continue;
                        strbuf_appendf(b, "daxtierd_transitions_total{device=\"");
                        metrics_escape_label(b, d->name);
                        strbuf_appendf(b, "\",to=\"%s\"} %" PRIu64 "\n", dev_state_to_string((enum dev_state) st),
                                       d->transitions[st]);
                }
        }
}

static void metrics_nodes(struct strbuf *b, const struct metrics_snapshot *s) {
        family(b, "daxtierd_node_dax_bytes", "gauge",
               "Bytes of dax devices whose memory belongs to the NUMA node.");
        for (size_t i = 0; i < s->n_nodes; i++)
                strbuf_appendf(b, "daxtierd_node_dax_bytes{node=\"%d\"} %" PRIu64 "\n", s->nodes[i].node,
                               s->nodes[i].dax_bytes);

        family(b, "daxtierd_node_tier", "gauge",
               "The kernel's memory tier of the NUMA node (higher is slower).");
        for (size_t i = 0; i < s->n_nodes; i++)
                if (s->nodes[i].tier >= 0)
                        strbuf_appendf(b, "daxtierd_node_tier{node=\"%d\"} %d\n", s->nodes[i].node, s->nodes[i].tier);

        family(b, "daxtierd_node_demoted_pages_total", "counter",
               "Pages the kernel demoted from the NUMA node to a lower tier.");
        for (size_t i = 0; i < s->n_nodes; i++)
                if (s->nodes[i].has_demoted)
                        strbuf_appendf(b, "daxtierd_node_demoted_pages_total{node=\"%d\"} %" PRIu64 "\n",
                                       s->nodes[i].node, s->nodes[i].demoted);

        family(b, "daxtierd_node_promoted_pages_total", "counter",
               "Pages the kernel promoted to the NUMA node from a lower tier.");
        for (size_t i = 0; i < s->n_nodes; i++)
                if (s->nodes[i].has_promoted)
                        strbuf_appendf(b, "daxtierd_node_promoted_pages_total{node=\"%d\"} %" PRIu64 "\n",
                                       s->nodes[i].node, s->nodes[i].promoted);
}

static void metrics_reloads(struct strbuf *b, const struct metrics_snapshot *s) {
        family(b, "daxtierd_config_reloads_total", "counter",
               "Policy reloads, by result: ok (taken) or invalid (rejected, the old policy kept).");
        strbuf_appendf(b, "daxtierd_config_reloads_total{result=\"ok\"} %" PRIu64 "\n", s->reloads_ok);
        strbuf_appendf(b, "daxtierd_config_reloads_total{result=\"invalid\"} %" PRIu64 "\n", s->reloads_invalid);

        family(b, "daxtierd_last_reload_success_timestamp_seconds", "gauge",
               "When the policy in use was loaded (start or reload), in seconds since the epoch.");
        strbuf_appendf(b, "daxtierd_last_reload_success_timestamp_seconds %" PRIu64 ".%03u\n",
                       s->last_reload_success_usec / 1000000,
                       (unsigned) (s->last_reload_success_usec % 1000000 / 1000));
}

char *metrics_format(const struct metrics_snapshot *s) {
        struct strbuf b = {};

        metrics_device_info(&b, s);
        metrics_device_state(&b, s);
        metrics_device_numbers(&b, s);
        metrics_transitions(&b, s);
        metrics_nodes(&b, s);
        metrics_reloads(&b, s);
        return strbuf_steal(&b);
}
