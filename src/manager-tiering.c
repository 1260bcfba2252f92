/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * manager-tiering: [tiering] in the daemon (see manager-internal.h).  The
 * decisions are tiering.c's; this file reads the facts, makes the writes,
 * writes one record per write and keeps the bookkeeping file.
 */

#include "audit.h"
#include "log.h"
#include "manager-internal.h"
#include "tiering-io.h"
#include "util.h"

/* The nodes that hold memory daxtierd onlined: online system-ram devices. */
static uint64_t managed_nodes(struct manager *m) {
        uint64_t mask = 0;

        for (size_t i = 0; i < m->n_devices; i++) {
                struct device *d = m->devices[i];
                int node;
                if (d->state != DEV_ONLINE || !d->facts_valid)
                        continue;
                node = dax_facts_node(&d->facts);
                /* An unknown node still counts as some managed node. */
                mask |= node >= 0 && node < 63 ? UINT64_C(1) << node : UINT64_C(1) << 63;
        }
        return mask;
}

/* "weighted_interleave/node1" for a node's weight, the plain name else. */
static const char *knob_label(const struct tiering_change *c, char *buf, size_t len) {
        if (c->knob == TIERING_KNOB_WI_NODE)
                snprintf(buf, len, "%s%d", tiering_knob_name(c->knob), c->node);
        else
                snprintf(buf, len, "%s", tiering_knob_name(c->knob));
        return buf;
}

static void save_state(struct manager *m) {
        int r = tiering_state_save(TIERING_STATE_FILE, &m->tiering);
        if (r < 0)
                log_warning("cannot save the tiering bookkeeping to %s: %s; a restart would not know the values "
                            "found", TIERING_STATE_FILE, strerror(-r));
}

static void carry_out(struct manager *m, bool restoring) {
        struct tiering_facts facts;
        struct tiering_plan plan;
        int results[TIERING_PLAN_MAX] = {};
        char label[64], path[128];
        int r;

        r = tiering_read_facts(&facts);
        if (r < 0) {
                log_warning("cannot read the tiering knobs: %s; [tiering] not %s", strerror(-r),
                            restoring ? "put back" : "applied");
                return;
        }
        if (restoring)
                tiering_plan_restore(&m->tiering, &facts, &plan);
        else
                tiering_plan_apply(&m->tiering, &m->policy->tiering, &facts, &plan);

        for (unsigned k = 0; k < _TIERING_KNOB_MAX; k++)
                if (plan.unsupported & (1u << k))
                        audit_tiering_unsupported(tiering_knob_name(k), tiering_knob_path(k, 0, path, sizeof(path)));
        for (size_t i = 0; i < plan.n_dropped; i++)
                audit_tiering_dropped(knob_label(&plan.dropped[i], label, sizeof(label)), plan.dropped[i].old,
                                      plan.dropped[i].new);
        if (plan.note[0])
                log_notice("[tiering] weighted_interleave = auto: %s", plan.note);
        for (size_t i = 0; i < plan.n_writes; i++) {
                const struct tiering_change *c = &plan.writes[i];
                results[i] = tiering_write(c);
                audit_tiering_knob(knob_label(c, label, sizeof(label)), c->old[0] ? c->old : "-",
                                   c->new[0] ? c->new : "-",
                                   restoring ? "put back to the value found"
                                             : "[tiering] applied: a node holds memory daxtierd onlined",
                                   results[i]);
        }
        tiering_commit(&m->tiering, &plan, results, restoring);
        save_state(m);
}

void manager_tiering_update(struct manager *m, bool stopping) {
        uint64_t nodes = managed_nodes(m);
        bool changed = m->tiering_reloaded || nodes != m->tiering_nodes;
        enum tiering_action a;

        if (!m->policy || (!m->tiering_ready && !stopping))
                return;
        a = tiering_next(&m->tiering, &m->policy->tiering, nodes != 0, stopping, changed);
        m->tiering_reloaded = false;
        m->tiering_nodes = nodes;
        if (a == TIERING_APPLY)
                carry_out(m, false);
        else if (a == TIERING_RESTORE)
                carry_out(m, true);
}

void manager_tiering_reloaded(struct manager *m) {
        m->tiering_reloaded = true;
        manager_tiering_update(m, false);
}

void manager_tiering_start(struct manager *m) {
        char err[256];
        int r;

        r = tiering_state_load(TIERING_STATE_FILE, &m->tiering, err, sizeof(err));
        if (r == -EINVAL) {
                log_warning("%s is corrupt (%s); removed, starting afresh: the knob values found by an earlier "
                            "daxtierd are lost", TIERING_STATE_FILE, err);
                (void) unlink(TIERING_STATE_FILE);
                m->tiering = (struct tiering_state) {};
        } else if (r < 0 && r != -ENOENT)
                log_warning("cannot read %s: %s; starting afresh", TIERING_STATE_FILE, strerror(-r));
        else if (r == 0 && m->tiering.applied)
                log_info("tiering knobs set by an earlier daxtierd: %zu saved values kept from %s",
                         m->tiering.n_saved, TIERING_STATE_FILE);
        /* Whatever the earlier daemon did, look again once. */
        m->tiering_reloaded = true;
}

int manager_tiering_knobs(struct manager *m, struct manager_knob *out, size_t max) {
        struct tiering_facts f;
        size_t n = 0;
        int r;

        r = tiering_read_facts(&f);
        if (r < 0)
                return r;
#define ADD(k, nd, v)                                                                                           \
        do {                                                                                                    \
                if ((v)[0] && n < max) {                                                                        \
                        out[n].knob = (k);                                                                      \
                        out[n].node = (nd);                                                                     \
                        snprintf(out[n].value, sizeof(out[n].value), "%s", (v));                                \
                        out[n].set = tiering_is_set(&m->tiering, (k), (nd));                                    \
                        if ((k) == TIERING_KNOB_WI_NODE)                                                        \
                                snprintf(out[n].name, sizeof(out[n].name), "%s%d", tiering_knob_name(k), (nd)); \
                        else                                                                                    \
                                snprintf(out[n].name, sizeof(out[n].name), "%s", tiering_knob_name(k));         \
                        n++;                                                                                    \
                }                                                                                               \
        } while (0)
        ADD(TIERING_KNOB_DEMOTION, -1, f.demotion);
        ADD(TIERING_KNOB_NUMA_BALANCING, -1, f.numa_balancing);
        ADD(TIERING_KNOB_PROMOTE_RATE, -1, f.promote_rate);
        ADD(TIERING_KNOB_WI_AUTO, -1, f.wi_auto);
        for (size_t i = 0; i < f.n_nodes; i++)
                ADD(TIERING_KNOB_WI_NODE, f.nodes[i].node, f.nodes[i].weight);
#undef ADD
        return (int) n;
}
