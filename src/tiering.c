/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tiering: the [tiering] knobs, decided from facts (see tiering.h).
 * Pure: no system access.
 */

#include "tiering-internal.h"
#include "util.h"

void tiering_policy_init(struct tiering_policy *p) {
        *p = (struct tiering_policy) {
                .demotion = TIERING_DEMOTION_KEEP,
                .numa_balancing = TIERING_BALANCING_KEEP,
                .promote_rate_limit = -1,
                .weighted_interleave = TIERING_WI_KEEP,
                .restore_on_exit = true,
        };
}

static const char *const demotion_names[] = {
        [TIERING_DEMOTION_KEEP] = "keep",
        [TIERING_DEMOTION_ENABLE] = "enable",
        [TIERING_DEMOTION_DISABLE] = "disable",
};

static const char *const wi_names[] = {
        [TIERING_WI_KEEP] = "keep",
        [TIERING_WI_AUTO] = "auto",
        [TIERING_WI_OFF] = "off",
};

/* Indexed by value + 1. */
static const char *const balancing_names[] = {
        "keep", "off", "normal", "tiering", "normal+tiering",
};

const char *tiering_demotion_to_string(enum tiering_demotion d) {
        return (unsigned) d < ELEMENTSOF(demotion_names) ? demotion_names[d] : "invalid";
}

const char *tiering_wi_to_string(enum tiering_wi w) {
        return (unsigned) w < ELEMENTSOF(wi_names) ? wi_names[w] : "invalid";
}

const char *tiering_balancing_to_string(enum tiering_balancing b) {
        int i = (int) b + 1;
        return i >= 0 && (size_t) i < ELEMENTSOF(balancing_names) ? balancing_names[i] : "invalid";
}

static int tiering_lookup(const char *const *names, size_t n, const char *value) {
        for (size_t i = 0; i < n; i++)
                if (streq(names[i], value))
                        return (int) i;
        return -1;
}

int tiering_policy_set(struct tiering_policy *p, const char *key, const char *value, char *err, size_t errlen) {
        int i;

        if (streq(key, "demotion")) {
                i = tiering_lookup(demotion_names, ELEMENTSOF(demotion_names), value);
                if (i < 0)
                        goto bad;
                p->demotion = (enum tiering_demotion) i;
                return 0;
        }
        if (streq(key, "numa_balancing")) {
                i = tiering_lookup(balancing_names, ELEMENTSOF(balancing_names), value);
                if (i < 0)
                        goto bad;
                p->numa_balancing = (enum tiering_balancing) (i - 1);
                return 0;
        }
        if (streq(key, "weighted_interleave")) {
                i = tiering_lookup(wi_names, ELEMENTSOF(wi_names), value);
                if (i < 0)
                        goto bad;
                p->weighted_interleave = (enum tiering_wi) i;
                return 0;
        }
        if (streq(key, "promote_rate_limit")) {
                uint64_t v;
                if (streq(value, "keep")) {
                        p->promote_rate_limit = -1;
                        return 0;
                }
                /* The kernel keeps it in an unsigned int of MB/s. */
                if (safe_atou64(value, 10, &v) < 0 || v > UINT32_MAX)
                        goto bad;
                p->promote_rate_limit = (int64_t) v;
                return 0;
        }
        if (streq(key, "restore_on_exit")) {
                if (streq(value, "yes"))
                        p->restore_on_exit = true;
                else if (streq(value, "no"))
                        p->restore_on_exit = false;
                else
                        goto bad;
                return 0;
        }
        snprintf(err, errlen, "unknown key '%s' in [tiering]", key);
        return -ENOENT;

bad:
        {
                const char *allowed =
                        streq(key, "demotion") ? "keep, enable or disable" :
                        streq(key, "numa_balancing") ? "keep, off, normal, tiering or normal+tiering" :
                        streq(key, "weighted_interleave") ? "keep, auto or off" :
                        streq(key, "promote_rate_limit") ? "keep or a rate in MB/s (0 to 4294967295)" :
                        "yes or no";
                snprintf(err, errlen, "bad value '%s' for %s: expected %s", value, key, allowed);
        }
        return -EINVAL;
}

static const char *const knob_names[_TIERING_KNOB_MAX] = {
        [TIERING_KNOB_DEMOTION] = "demotion_enabled",
        [TIERING_KNOB_NUMA_BALANCING] = "numa_balancing",
        [TIERING_KNOB_PROMOTE_RATE] = "numa_balancing_promote_rate_limit_MBps",
        [TIERING_KNOB_WI_AUTO] = "weighted_interleave/auto",
        [TIERING_KNOB_WI_NODE] = "weighted_interleave/node",
};

const char *tiering_knob_name(enum tiering_knob k) {
        return (unsigned) k < _TIERING_KNOB_MAX ? knob_names[k] : "invalid";
}

const char *tiering_knob_path(enum tiering_knob k, int node, char *buf, size_t len) {
        switch (k) {
        case TIERING_KNOB_DEMOTION:
                snprintf(buf, len, "/sys/kernel/mm/numa/demotion_enabled");
                break;
        case TIERING_KNOB_NUMA_BALANCING:
                snprintf(buf, len, "/proc/sys/kernel/numa_balancing");
                break;
        case TIERING_KNOB_PROMOTE_RATE:
                snprintf(buf, len, "/proc/sys/kernel/numa_balancing_promote_rate_limit_MBps");
                break;
        case TIERING_KNOB_WI_AUTO:
                snprintf(buf, len, "/sys/kernel/mm/mempolicy/weighted_interleave/auto");
                break;
        case TIERING_KNOB_WI_NODE:
                snprintf(buf, len, "/sys/kernel/mm/mempolicy/weighted_interleave/node%d", node);
                break;
        default:
                snprintf(buf, len, "/invalid");
        }
        return buf;
}

/* ---- weights --------------------------------------------------------- */

static unsigned gcd(unsigned a, unsigned b) {
        while (b) {
                unsigned t = a % b;
                a = b;
                b = t;
        }
        return a;
}

void tiering_wi_weights(const uint64_t *bandwidth, const bool *has_memory, size_t n, unsigned *weights) {
        uint64_t sum = 0;
        unsigned g = 0;

        for (size_t i = 0; i < n; i++)
                if (has_memory[i])
                        sum += bandwidth[i];
        for (size_t i = 0; i < n; i++) {
                weights[i] = 1;
                if (!has_memory[i])
                        continue;
                /* The kernel multiplies first and truncates the quotient;
                 * a node with no more than 1/32 of the total keeps 1.  (It
                 * does so in 32 bits, which wraps only above 2^27 MB/s per
                 * node; 64 bits here.) */
                uint64_t scaled = (uint64_t) TIERING_WI_WEIGHTINESS * bandwidth[i];
                if (bandwidth[i] > 0 && sum < scaled)
                        weights[i] = (unsigned) (scaled / sum);
                g = g ? gcd(g, weights[i]) : weights[i];
        }
        if (g > 1)
                for (size_t i = 0; i < n; i++)
                        if (has_memory[i])
                                weights[i] /= g;
}

/* ---- plans ----------------------------------------------------------- */

bool tiering_same_knob(const struct tiering_change *a, enum tiering_knob k, int node) {
        return a->knob == k && (k != TIERING_KNOB_WI_NODE || a->node == node);
}

const struct tiering_change *tiering_saved_find(const struct tiering_state *s, enum tiering_knob k, int node) {
        for (size_t i = 0; i < s->n_saved; i++)
                if (tiering_same_knob(&s->saved[i], k, node))
                        return &s->saved[i];
        return NULL;
}

/* Equal as the kernel means them: numbers by value, booleans by truth. */
static bool value_eq(const char *a, const char *b) {
        uint64_t x, y;

        if (streq(a, b))
                return true;
        if (safe_atou64(a, 10, &x) == 0 && safe_atou64(b, 10, &y) == 0)
                return x == y;
        bool ta = streq(a, "true") || streq(a, "1") || streq(a, "Y") || streq(a, "y");
        bool fa = streq(a, "false") || streq(a, "0") || streq(a, "N") || streq(a, "n");
        bool tb = streq(b, "true") || streq(b, "1") || streq(b, "Y") || streq(b, "y");
        bool fb = streq(b, "false") || streq(b, "0") || streq(b, "N") || streq(b, "n");
        return (ta && tb) || (fa && fb);
}

static void add_change(struct tiering_change *arr, size_t *n, size_t max, enum tiering_knob k, int node,
                       const char *old, const char *new) {
        if (*n >= max)
                return;
        struct tiering_change *c = &arr[(*n)++];
        *c = (struct tiering_change) { .knob = k, .node = k == TIERING_KNOB_WI_NODE ? node : -1 };
        snprintf(c->old, sizeof(c->old), "%s", old);
        snprintf(c->new, sizeof(c->new), "%s", new);
}

static void add_write(struct tiering_plan *plan, enum tiering_knob k, int node, const char *old, const char *new) {
        add_change(plan->writes, &plan->n_writes, ELEMENTSOF(plan->writes), k, node, old, new);
}

static const char *current_value(const struct tiering_facts *f, enum tiering_knob k, int node) {
        switch (k) {
        case TIERING_KNOB_DEMOTION:
                return f->demotion;
        case TIERING_KNOB_NUMA_BALANCING:
                return f->numa_balancing;
        case TIERING_KNOB_PROMOTE_RATE:
                return f->promote_rate;
        case TIERING_KNOB_WI_AUTO:
                return f->wi_auto;
        case TIERING_KNOB_WI_NODE:
                for (size_t i = 0; i < f->n_nodes; i++)
                        if (f->nodes[i].node == node)
                                return f->nodes[i].weight;
                return "";
        default:
                return "";
        }
}

/*
 * Puts back saved knobs matching want_knob (all when want_knob is
 * _TIERING_KNOB_MAX, the weighted-interleave pair for TIERING_KNOB_WI_AUTO),
 * newest first: switching the kernel's auto mode back on after node
 * weights were written recomputes them, and node weights written after
 * auto was switched off stay.
 */
static void plan_putback(const struct tiering_state *s, const struct tiering_facts *f, struct tiering_plan *plan,
                         enum tiering_knob want_knob) {
        for (size_t i = s->n_saved; i-- > 0;) {
                const struct tiering_change *c = &s->saved[i];
                bool wi = c->knob == TIERING_KNOB_WI_AUTO || c->knob == TIERING_KNOB_WI_NODE;

                if (want_knob != _TIERING_KNOB_MAX &&
                    !(want_knob == TIERING_KNOB_WI_AUTO ? wi : c->knob == want_knob))
                        continue;
                const char *now = current_value(f, c->knob, c->node);
                if (!now[0])
                        continue;       /* the kernel lost the knob: nothing to write */
                /* new is "" for weights the kernel's auto mode computed. */
                if (c->new[0] && !value_eq(now, c->new)) {
                        add_change(plan->dropped, &plan->n_dropped, ELEMENTSOF(plan->dropped), c->knob, c->node,
                                   c->old, now);
                        continue;
                }
                if (!value_eq(now, c->old))
                        add_write(plan, c->knob, c->node, now, c->old);
        }
}

static void want_value(const struct tiering_state *s, const struct tiering_facts *f, struct tiering_plan *plan,
                       enum tiering_knob k, const char *want) {
        const char *now = current_value(f, k, -1);

        if (!now[0]) {
                if (!(s->reported & (1u << k)))
                        plan->unsupported |= 1u << k;
                return;
        }
        if (!value_eq(now, want))
                add_write(plan, k, -1, now, want);
}

static void plan_wi(const struct tiering_state *s, const struct tiering_policy *p, const struct tiering_facts *f,
                    struct tiering_plan *plan) {
        uint64_t bw[TIERING_MAX_NODES];
        bool mem[TIERING_MAX_NODES];
        unsigned w[TIERING_MAX_NODES];
        bool any_node = false, any_bw = false;
        char buf[TIERING_VALUE_MAX];

        for (size_t i = 0; i < f->n_nodes; i++) {
                bw[i] = f->nodes[i].bandwidth;
                mem[i] = f->nodes[i].has_memory;
                any_node |= f->nodes[i].weight[0] != 0;
                any_bw |= mem[i] && bw[i] > 0;
        }
        if (!any_node) {
                if (!(s->reported & (1u << TIERING_KNOB_WI_NODE)))
                        plan->unsupported |= 1u << TIERING_KNOB_WI_NODE;
                return;
        }

        if (p->weighted_interleave == TIERING_WI_AUTO && f->wi_auto[0]) {
                /* 6.16+: the kernel computes the weights itself. */
                if (value_eq(f->wi_auto, "true"))
                        return;
                if (!any_bw) {
                        /* The kernel refuses auto mode (ENODEV) without bandwidth. */
                        snprintf(plan->note, sizeof(plan->note),
                                 "weighted_interleave = auto: the firmware gives no bandwidth (HMAT) for any node; weights left as they are");
                        return;
                }
                add_write(plan, TIERING_KNOB_WI_AUTO, -1, f->wi_auto, "true");
                for (size_t i = 0; i < f->n_nodes; i++)
                        if (f->nodes[i].weight[0] && !tiering_saved_find(s, TIERING_KNOB_WI_NODE, f->nodes[i].node))
                                add_change(plan->remember, &plan->n_remember, ELEMENTSOF(plan->remember),
                                           TIERING_KNOB_WI_NODE, f->nodes[i].node, f->nodes[i].weight, "");
                return;
        }

        if (p->weighted_interleave == TIERING_WI_AUTO) {
                if (!any_bw) {
                        snprintf(plan->note, sizeof(plan->note),
                                 "weighted_interleave = auto: the firmware gives no bandwidth (HMAT) for any node; weights left as they are");
                        return;
                }
                tiering_wi_weights(bw, mem, f->n_nodes, w);
        } else {
                for (size_t i = 0; i < f->n_nodes; i++)
                        w[i] = 1;
                /* 6.16+: leave auto mode first, or the kernel recomputes the weights. */
                if (f->wi_auto[0] && !value_eq(f->wi_auto, "false"))
                        add_write(plan, TIERING_KNOB_WI_AUTO, -1, f->wi_auto, "false");
        }
        for (size_t i = 0; i < f->n_nodes; i++) {
                if (!f->nodes[i].weight[0])
                        continue;
                snprintf(buf, sizeof(buf), "%u", w[i]);
                if (!value_eq(f->nodes[i].weight, buf))
                        add_write(plan, TIERING_KNOB_WI_NODE, f->nodes[i].node, f->nodes[i].weight, buf);
        }
}

size_t tiering_plan_apply(const struct tiering_state *s, const struct tiering_policy *p,
                          const struct tiering_facts *f, struct tiering_plan *plan) {
        char buf[TIERING_VALUE_MAX];

        *plan = (struct tiering_plan) {};

        if (p->demotion == TIERING_DEMOTION_KEEP)
                plan_putback(s, f, plan, TIERING_KNOB_DEMOTION);
        else
                want_value(s, f, plan, TIERING_KNOB_DEMOTION,
                           p->demotion == TIERING_DEMOTION_ENABLE ? "true" : "false");

        if (p->numa_balancing == TIERING_BALANCING_KEEP)
                plan_putback(s, f, plan, TIERING_KNOB_NUMA_BALANCING);
        else {
                snprintf(buf, sizeof(buf), "%d", (int) p->numa_balancing);
                want_value(s, f, plan, TIERING_KNOB_NUMA_BALANCING, buf);
        }

        if (p->promote_rate_limit < 0)
                plan_putback(s, f, plan, TIERING_KNOB_PROMOTE_RATE);
        else {
                snprintf(buf, sizeof(buf), "%lld", (long long) p->promote_rate_limit);
                want_value(s, f, plan, TIERING_KNOB_PROMOTE_RATE, buf);
        }

        if (p->weighted_interleave == TIERING_WI_KEEP)
                plan_putback(s, f, plan, TIERING_KNOB_WI_AUTO);
        else
                plan_wi(s, p, f, plan);

        return plan->n_writes;
}

size_t tiering_plan_restore(const struct tiering_state *s, const struct tiering_facts *f,
                            struct tiering_plan *plan) {
        *plan = (struct tiering_plan) {};
        plan_putback(s, f, plan, _TIERING_KNOB_MAX);
        return plan->n_writes;
}

static void saved_remove(struct tiering_state *s, enum tiering_knob k, int node) {
        for (size_t i = 0; i < s->n_saved; i++)
                if (tiering_same_knob(&s->saved[i], k, node)) {
                        memmove(&s->saved[i], &s->saved[i + 1], (s->n_saved - i - 1) * sizeof(s->saved[0]));
                        s->n_saved--;
                        return;
                }
}

static void saved_note(struct tiering_state *s, const struct tiering_change *c) {
        struct tiering_change *old = NULL;

        for (size_t i = 0; i < s->n_saved; i++)
                if (tiering_same_knob(&s->saved[i], c->knob, c->node))
                        old = &s->saved[i];
        if (!old) {
                add_change(s->saved, &s->n_saved, ELEMENTSOF(s->saved), c->knob, c->node, c->old, c->new);
                return;
        }
        if (value_eq(c->new, old->old)) {
                saved_remove(s, c->knob, c->node);
                return;
        }
        snprintf(old->new, sizeof(old->new), "%s", c->new);
}

void tiering_commit(struct tiering_state *s, const struct tiering_plan *plan, const int *results, bool restoring) {
        s->reported |= plan->unsupported;
        if (restoring) {
                s->n_saved = 0;
                s->applied = false;
                return;
        }
        for (size_t i = 0; i < plan->n_dropped; i++)
                saved_remove(s, plan->dropped[i].knob, plan->dropped[i].node);
        for (size_t i = 0; i < plan->n_writes; i++) {
                if (results[i] < 0)
                        continue;
                saved_note(s, &plan->writes[i]);
                if (plan->writes[i].knob == TIERING_KNOB_WI_AUTO && value_eq(plan->writes[i].new, "true"))
                        for (size_t j = 0; j < plan->n_remember; j++)
                                if (!tiering_saved_find(s, TIERING_KNOB_WI_NODE, plan->remember[j].node))
                                        add_change(s->saved, &s->n_saved, ELEMENTSOF(s->saved),
                                                   TIERING_KNOB_WI_NODE, plan->remember[j].node,
                                                   plan->remember[j].old, "");
        }
        s->applied = true;
}

bool tiering_is_set(const struct tiering_state *s, enum tiering_knob k, int node) {
        return tiering_saved_find(s, k, node) != NULL;
}

enum tiering_action tiering_next(const struct tiering_state *s, const struct tiering_policy *p,
                                 bool managed_online, bool stopping, bool changed) {
        if (stopping)
                return s->applied && p->restore_on_exit ? TIERING_RESTORE : TIERING_NOTHING;
        if (!managed_online)
                return s->applied ? TIERING_RESTORE : TIERING_NOTHING;
        if (!s->applied || changed)
                return TIERING_APPLY;
        return TIERING_NOTHING;
}

/* ---- parsers --------------------------------------------------------- */

int tiering_parse_nodelist(const char *s, uint64_t *mask) {
        uint64_t m = 0;
        const char *p = s;

        while (*p == ' ' || *p == '\t')
                p++;
        if (!*p || *p == '\n') {
                *mask = 0;
                return 0;
        }
        for (;;) {
                char *end;
                unsigned long a, b;

                if (*p < '0' || *p > '9')
                        return -EINVAL;
                a = strtoul(p, &end, 10);
                b = a;
                p = end;
                if (*p == '-') {
                        p++;
                        if (*p < '0' || *p > '9')
                                return -EINVAL;
                        b = strtoul(p, &end, 10);
                        p = end;
                }
                if (b < a || b >= 64)
                        return -EINVAL;
                for (unsigned long i = a; i <= b; i++)
                        m |= UINT64_C(1) << i;
                if (*p == ',') {
                        p++;
                        continue;
                }
                if (*p == 0 || *p == '\n')
                        break;
                return -EINVAL;
        }
        *mask = m;
        return 0;
}

int tiering_parse_vmstat(const char *text, uint64_t *demoted, uint64_t *promoted) {
        int found = 0;
        uint64_t d = 0, pr = 0;

        for (const char *line = text; line && *line;) {
                const char *nl = strchr(line, '\n');
                size_t len = nl ? (size_t) (nl - line) : strlen(line);
                char name[64], val[32];
                const char *sp = memchr(line, ' ', len);

                if (sp && (size_t) (sp - line) < sizeof(name) && len - (size_t) (sp - line) - 1 < sizeof(val)) {
                        uint64_t v;
                        memcpy(name, line, (size_t) (sp - line));
                        name[sp - line] = 0;
                        memcpy(val, sp + 1, len - (size_t) (sp - line) - 1);
                        val[len - (size_t) (sp - line) - 1] = 0;
                        if (safe_atou64(val, 10, &v) == 0) {
                                if (startswith(name, "pgdemote_")) {
                                        d += v;
                                        found |= TIERING_VMSTAT_DEMOTE;
                                } else if (streq(name, "pgpromote_success")) {
                                        pr = v;
                                        found |= TIERING_VMSTAT_PROMOTE;
                                }
                        }
                }
                line = nl ? nl + 1 : NULL;
        }
        *demoted = d;
        *promoted = pr;
        return found;
}
