/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-tiering: unit tests for tiering.c and tiering-io.c: the
 * weighted-interleave weights the kernel's auto mode would compute, the
 * [tiering] keys, node lists and vmstat counters, the plans (apply,
 * reload, restore, knobs changed by someone else, unsupported knobs
 * reported once) and the I/O side against a fake sysfs tree.
 */

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysfs.h"
#include "tiering-io.h"
#include "tiering.h"
#include "util.h"

/* ---- weights ---------------------------------------------------------- */

static void weights(const uint64_t *bw, const bool *mem, size_t n, const unsigned *want) {
        unsigned w[TIERING_MAX_NODES];

        tiering_wi_weights(bw, mem, n, w);
        for (size_t i = 0; i < n; i++)
                ck_assert_msg(w[i] == want[i], "node %zu: weight %u, expected %u", i, w[i], want[i]);
}

START_TEST(test_weights_equal) {
        const uint64_t bw[] = { 100, 100 };
        const bool mem[] = { true, true };
        /* 16:16 reduced by the gcd. */
        weights(bw, mem, 2, (const unsigned[]) { 1, 1 });
}
END_TEST

START_TEST(test_weights_ratio) {
        const uint64_t bw[] = { 300, 100 };
        const bool mem[] = { true, true };
        /* 24:8 → 3:1 */
        weights(bw, mem, 2, (const unsigned[]) { 3, 1 });
}
END_TEST

START_TEST(test_weights_truncate) {
        /* 32 * share, truncated: 18.28, 9.14, 4.57 → 18, 9, 4 (gcd 1), not
         * the exact 4:2:1 of the bandwidths. */
        const uint64_t bw[] = { 50000, 25000, 12500 };
        const bool mem[] = { true, true, true };
        weights(bw, mem, 3, (const unsigned[]) { 18, 9, 4 });
}
END_TEST

START_TEST(test_weights_small_share) {
        /* 32 * 10 < 1010: a share of 1/32 or less gets 1; 31.68 → 31. */
        const uint64_t bw[] = { 1000, 10 };
        const bool mem[] = { true, true };
        weights(bw, mem, 2, (const unsigned[]) { 31, 1 });
        /* Exactly 1/32 of the total is not more than it: 1. */
        const uint64_t bw2[] = { 31, 1 };
        weights(bw2, mem, 2, (const unsigned[]) { 31, 1 });
}
END_TEST

START_TEST(test_weights_unknown_and_memoryless) {
        /* No bandwidth: weight 1, adding nothing to the sum. */
        const uint64_t bw[] = { 0, 100 };
        const bool mem[] = { true, true };
        weights(bw, mem, 2, (const unsigned[]) { 1, 32 });
        /* A node without memory stays 1 and takes no part in the gcd. */
        const uint64_t bw2[] = { 200, 999, 200 };
        const bool mem2[] = { true, false, true };
        weights(bw2, mem2, 3, (const unsigned[]) { 1, 1, 1 });
        const uint64_t bw3[] = { 300, 999, 100 };
        weights(bw3, mem2, 3, (const unsigned[]) { 3, 1, 1 });
}
END_TEST

START_TEST(test_weights_single) {
        const uint64_t bw[] = { 12345 };
        const bool mem[] = { true };
        /* 32 * bw / bw = 32, and 32 / gcd(32) = 1. */
        weights(bw, mem, 1, (const unsigned[]) { 1 });
}
END_TEST

/* ---- policy keys ------------------------------------------------------ */

START_TEST(test_policy_keys) {
        struct tiering_policy p;
        char err[256];

        tiering_policy_init(&p);
        ck_assert_int_eq(p.demotion, TIERING_DEMOTION_KEEP);
        ck_assert_int_eq(p.numa_balancing, TIERING_BALANCING_KEEP);
        ck_assert_int_eq(p.promote_rate_limit, -1);
        ck_assert_int_eq(p.weighted_interleave, TIERING_WI_KEEP);
        ck_assert(p.restore_on_exit);

        ck_assert_int_eq(tiering_policy_set(&p, "demotion", "enable", err, sizeof(err)), 0);
        ck_assert_int_eq(p.demotion, TIERING_DEMOTION_ENABLE);
        ck_assert_int_eq(tiering_policy_set(&p, "numa_balancing", "normal+tiering", err, sizeof(err)), 0);
        ck_assert_int_eq(p.numa_balancing, 3);
        ck_assert_int_eq(tiering_policy_set(&p, "numa_balancing", "tiering", err, sizeof(err)), 0);
        ck_assert_int_eq(p.numa_balancing, 2);
        ck_assert_int_eq(tiering_policy_set(&p, "numa_balancing", "off", err, sizeof(err)), 0);
        ck_assert_int_eq(p.numa_balancing, 0);
        ck_assert_int_eq(tiering_policy_set(&p, "promote_rate_limit", "256", err, sizeof(err)), 0);
        ck_assert_int_eq(p.promote_rate_limit, 256);
        ck_assert_int_eq(tiering_policy_set(&p, "promote_rate_limit", "keep", err, sizeof(err)), 0);
        ck_assert_int_eq(p.promote_rate_limit, -1);
        ck_assert_int_eq(tiering_policy_set(&p, "weighted_interleave", "auto", err, sizeof(err)), 0);
        ck_assert_int_eq(p.weighted_interleave, TIERING_WI_AUTO);
        ck_assert_int_eq(tiering_policy_set(&p, "restore_on_exit", "no", err, sizeof(err)), 0);
        ck_assert(!p.restore_on_exit);

        ck_assert_int_eq(tiering_policy_set(&p, "demotion", "on", err, sizeof(err)), -EINVAL);
        ck_assert_str_eq(err, "bad value 'on' for demotion: expected keep, enable or disable");
        ck_assert_int_eq(tiering_policy_set(&p, "promote_rate_limit", "-1", err, sizeof(err)), -EINVAL);
        ck_assert_int_eq(tiering_policy_set(&p, "promote_rate_limit", "4294967296", err, sizeof(err)), -EINVAL);
        ck_assert_int_eq(tiering_policy_set(&p, "promote_rate_limit", "256MB", err, sizeof(err)), -EINVAL);
        ck_assert_int_eq(tiering_policy_set(&p, "numa_balancing", "2", err, sizeof(err)), -EINVAL);
        ck_assert(strstr(err, "keep, off, normal, tiering or normal+tiering"));
        ck_assert_int_eq(tiering_policy_set(&p, "demotions", "enable", err, sizeof(err)), -ENOENT);
        ck_assert_str_eq(err, "unknown key 'demotions' in [tiering]");
        /* A bad value leaves the old one. */
        ck_assert_int_eq(p.demotion, TIERING_DEMOTION_ENABLE);

        ck_assert_str_eq(tiering_balancing_to_string(TIERING_BALANCING_NORMAL_TIERING), "normal+tiering");
        ck_assert_str_eq(tiering_balancing_to_string(TIERING_BALANCING_KEEP), "keep");
        ck_assert_str_eq(tiering_demotion_to_string(TIERING_DEMOTION_DISABLE), "disable");
        ck_assert_str_eq(tiering_wi_to_string(TIERING_WI_OFF), "off");
}
END_TEST

/* ---- parsers ---------------------------------------------------------- */

START_TEST(test_nodelist) {
        uint64_t m;

        ck_assert_int_eq(tiering_parse_nodelist("0", &m), 0);
        ck_assert_uint_eq(m, 1);
        ck_assert_int_eq(tiering_parse_nodelist("0-2,5\n", &m), 0);
        ck_assert_uint_eq(m, 0x27);
        ck_assert_int_eq(tiering_parse_nodelist("1,3-4", &m), 0);
        ck_assert_uint_eq(m, 0x1a);
        ck_assert_int_eq(tiering_parse_nodelist("63", &m), 0);
        ck_assert_uint_eq(m, UINT64_C(1) << 63);
        ck_assert_int_eq(tiering_parse_nodelist("", &m), 0);
        ck_assert_uint_eq(m, 0);
        ck_assert_int_eq(tiering_parse_nodelist("\n", &m), 0);
        ck_assert_uint_eq(m, 0);
        ck_assert_int_eq(tiering_parse_nodelist("64", &m), -EINVAL);
        ck_assert_int_eq(tiering_parse_nodelist("2-1", &m), -EINVAL);
        ck_assert_int_eq(tiering_parse_nodelist("1,", &m), -EINVAL);
        ck_assert_int_eq(tiering_parse_nodelist("a", &m), -EINVAL);
        ck_assert_int_eq(tiering_parse_nodelist("1-", &m), -EINVAL);
        ck_assert_int_eq(tiering_parse_nodelist("1 2", &m), -EINVAL);
}
END_TEST

START_TEST(test_vmstat) {
        uint64_t d = 99, p = 99;
        const char *v612 = "nr_inactive_anon 10\n"
                           "pgpromote_success 7\n"
                           "pgpromote_candidate 100\n"
                           "pgdemote_kswapd 1000\n"
                           "pgdemote_direct 20\n"
                           "pgdemote_khugepaged 3\n"
                           "pgdemote_proactive 0\n"
                           "nr_dirty 5\n";

        ck_assert_int_eq(tiering_parse_vmstat(v612, &d, &p), TIERING_VMSTAT_DEMOTE | TIERING_VMSTAT_PROMOTE);
        ck_assert_uint_eq(d, 1023);
        ck_assert_uint_eq(p, 7);
        /* 6.1: pgpromote_success per node, demotions only globally. */
        ck_assert_int_eq(tiering_parse_vmstat("nr_free_pages 4\npgpromote_success 0", &d, &p), TIERING_VMSTAT_PROMOTE);
        ck_assert_uint_eq(d, 0);
        ck_assert_uint_eq(p, 0);
        ck_assert_int_eq(tiering_parse_vmstat("", &d, &p), 0);
        /* Garbage lines are skipped, not fatal. */
        ck_assert_int_eq(tiering_parse_vmstat("pgdemote_kswapd x\nbogus\npgdemote_direct 4\n", &d, &p),
                         TIERING_VMSTAT_DEMOTE);
        ck_assert_uint_eq(d, 4);
}
END_TEST

/* ---- plans ------------------------------------------------------------ */

/* A 6.12-like kernel: two nodes with weights, no auto, nothing set. */
static void facts_612(struct tiering_facts *f) {
        *f = (struct tiering_facts) {};
        strcpy(f->demotion, "false");
        strcpy(f->numa_balancing, "0");
        strcpy(f->promote_rate, "65536");
        f->n_nodes = 2;
        f->nodes[0] = (struct tiering_node) { .node = 0, .has_memory = true, .weight = "1", .bandwidth = 0 };
        f->nodes[1] = (struct tiering_node) { .node = 1, .has_memory = true, .weight = "1", .bandwidth = 0 };
}

/* Makes the writes of a plan in f, as the kernel would; all succeed. */
static void carry_out(struct tiering_state *s, const struct tiering_plan *plan, struct tiering_facts *f,
                      bool restoring) {
        int results[TIERING_PLAN_MAX] = {};

        for (size_t i = 0; i < plan->n_writes; i++) {
                const struct tiering_change *c = &plan->writes[i];
                switch (c->knob) {
                case TIERING_KNOB_DEMOTION:
                        strcpy(f->demotion, c->new);
                        break;
                case TIERING_KNOB_NUMA_BALANCING:
                        strcpy(f->numa_balancing, c->new);
                        break;
                case TIERING_KNOB_PROMOTE_RATE:
                        strcpy(f->promote_rate, c->new);
                        break;
                case TIERING_KNOB_WI_AUTO:
                        strcpy(f->wi_auto, c->new);
                        break;
                case TIERING_KNOB_WI_NODE:
                        for (size_t j = 0; j < f->n_nodes; j++)
                                if (f->nodes[j].node == c->node)
                                        strcpy(f->nodes[j].weight, c->new);
                        /* Writing a weight leaves the kernel's auto mode. */
                        if (f->wi_auto[0])
                                strcpy(f->wi_auto, "false");
                        break;
                default:
                        ck_abort();
                }
        }
        tiering_commit(s, plan, results, restoring);
}

static void assert_write(const struct tiering_plan *plan, size_t i, enum tiering_knob k, int node, const char *old,
                         const char *new) {
        ck_assert_msg(i < plan->n_writes, "write %zu of %zu", i, plan->n_writes);
        const struct tiering_change *c = &plan->writes[i];
        ck_assert_int_eq(c->knob, k);
        if (k == TIERING_KNOB_WI_NODE)
                ck_assert_int_eq(c->node, node);
        ck_assert_str_eq(c->old, old);
        ck_assert_str_eq(c->new, new);
}

START_TEST(test_plan_apply_restore) {
        struct tiering_policy p;
        struct tiering_facts f;
        struct tiering_state s = {};
        struct tiering_plan plan;

        tiering_policy_init(&p);
        p.demotion = TIERING_DEMOTION_ENABLE;
        p.numa_balancing = TIERING_BALANCING_TIERING;
        p.promote_rate_limit = 256;
        facts_612(&f);

        ck_assert_int_eq(tiering_next(&s, &p, false, false, false), TIERING_NOTHING);
        ck_assert_int_eq(tiering_next(&s, &p, true, false, false), TIERING_APPLY);
        ck_assert_uint_eq(tiering_plan_apply(&s, &p, &f, &plan), 3);
        assert_write(&plan, 0, TIERING_KNOB_DEMOTION, -1, "false", "true");
        assert_write(&plan, 1, TIERING_KNOB_NUMA_BALANCING, -1, "0", "2");
        assert_write(&plan, 2, TIERING_KNOB_PROMOTE_RATE, -1, "65536", "256");
        ck_assert_uint_eq(plan.unsupported, 0);
        carry_out(&s, &plan, &f, false);
        ck_assert(s.applied);
        ck_assert_uint_eq(s.n_saved, 3);
        ck_assert(tiering_is_set(&s, TIERING_KNOB_DEMOTION, -1));
        ck_assert(tiering_is_set(&s, TIERING_KNOB_PROMOTE_RATE, -1));
        ck_assert(!tiering_is_set(&s, TIERING_KNOB_WI_AUTO, -1));
        ck_assert(!tiering_is_set(&s, TIERING_KNOB_WI_NODE, 0));

        /* Applied: nothing more while nodes come and go. */
        ck_assert_int_eq(tiering_next(&s, &p, true, false, false), TIERING_NOTHING);
        /* Applying again finds nothing to do. */
        ck_assert_uint_eq(tiering_plan_apply(&s, &p, &f, &plan), 0);

        /* The last managed node went away: put back, newest first. */
        ck_assert_int_eq(tiering_next(&s, &p, false, false, false), TIERING_RESTORE);
        ck_assert_uint_eq(tiering_plan_restore(&s, &f, &plan), 3);
        assert_write(&plan, 0, TIERING_KNOB_PROMOTE_RATE, -1, "256", "65536");
        assert_write(&plan, 1, TIERING_KNOB_NUMA_BALANCING, -1, "2", "0");
        assert_write(&plan, 2, TIERING_KNOB_DEMOTION, -1, "true", "false");
        carry_out(&s, &plan, &f, true);
        ck_assert(!s.applied);
        ck_assert_uint_eq(s.n_saved, 0);
        ck_assert(!tiering_is_set(&s, TIERING_KNOB_DEMOTION, -1));
        ck_assert_str_eq(f.demotion, "false");
        ck_assert_str_eq(f.numa_balancing, "0");
        ck_assert_str_eq(f.promote_rate, "65536");
        ck_assert_int_eq(tiering_next(&s, &p, false, false, false), TIERING_NOTHING);
}
END_TEST

START_TEST(test_plan_stop) {
        struct tiering_policy p;
        struct tiering_facts f;
        struct tiering_state s = {};
        struct tiering_plan plan;

        tiering_policy_init(&p);
        p.demotion = TIERING_DEMOTION_ENABLE;
        facts_612(&f);
        tiering_plan_apply(&s, &p, &f, &plan);
        carry_out(&s, &plan, &f, false);

        ck_assert_int_eq(tiering_next(&s, &p, true, true, false), TIERING_RESTORE);
        p.restore_on_exit = false;
        ck_assert_int_eq(tiering_next(&s, &p, true, true, false), TIERING_NOTHING);
        /* Not applied: stopping has nothing to put back either way. */
        struct tiering_state fresh = {};
        p.restore_on_exit = true;
        ck_assert_int_eq(tiering_next(&fresh, &p, false, true, false), TIERING_NOTHING);
}
END_TEST

START_TEST(test_plan_changed_by_someone) {
        struct tiering_policy p;
        struct tiering_facts f;
        struct tiering_state s = {};
        struct tiering_plan plan;

        tiering_policy_init(&p);
        p.demotion = TIERING_DEMOTION_ENABLE;
        p.numa_balancing = TIERING_BALANCING_TIERING;
        facts_612(&f);
        tiering_plan_apply(&s, &p, &f, &plan);
        carry_out(&s, &plan, &f, false);

        /* An administrator turned balancing to 1 meanwhile: left alone. */
        strcpy(f.numa_balancing, "1");
        ck_assert_uint_eq(tiering_plan_restore(&s, &f, &plan), 1);
        assert_write(&plan, 0, TIERING_KNOB_DEMOTION, -1, "true", "false");
        ck_assert_uint_eq(plan.n_dropped, 1);
        ck_assert_int_eq(plan.dropped[0].knob, TIERING_KNOB_NUMA_BALANCING);
        ck_assert_str_eq(plan.dropped[0].old, "0");
        ck_assert_str_eq(plan.dropped[0].new, "1");
        carry_out(&s, &plan, &f, true);
        ck_assert_str_eq(f.numa_balancing, "1");
        ck_assert_str_eq(f.demotion, "false");
}
END_TEST

START_TEST(test_plan_reload) {
        struct tiering_policy p;
        struct tiering_facts f;
        struct tiering_state s = {};
        struct tiering_plan plan;

        tiering_policy_init(&p);
        p.demotion = TIERING_DEMOTION_ENABLE;
        p.numa_balancing = TIERING_BALANCING_TIERING;
        facts_612(&f);
        tiering_plan_apply(&s, &p, &f, &plan);
        carry_out(&s, &plan, &f, false);

        /* Reload: balancing to normal+tiering, demotion to keep. */
        p.numa_balancing = TIERING_BALANCING_NORMAL_TIERING;
        p.demotion = TIERING_DEMOTION_KEEP;
        ck_assert_int_eq(tiering_next(&s, &p, true, false, true), TIERING_APPLY);
        ck_assert_uint_eq(tiering_plan_apply(&s, &p, &f, &plan), 2);
        assert_write(&plan, 0, TIERING_KNOB_DEMOTION, -1, "true", "false");
        assert_write(&plan, 1, TIERING_KNOB_NUMA_BALANCING, -1, "2", "3");
        carry_out(&s, &plan, &f, false);
        /* Demotion is back and forgotten; balancing keeps its first value. */
        ck_assert_uint_eq(s.n_saved, 1);
        ck_assert_int_eq(s.saved[0].knob, TIERING_KNOB_NUMA_BALANCING);
        ck_assert_str_eq(s.saved[0].old, "0");
        ck_assert_str_eq(s.saved[0].new, "3");

        ck_assert_uint_eq(tiering_plan_restore(&s, &f, &plan), 1);
        assert_write(&plan, 0, TIERING_KNOB_NUMA_BALANCING, -1, "3", "0");
}
END_TEST

START_TEST(test_plan_unsupported_once) {
        struct tiering_policy p;
        struct tiering_facts f;
        struct tiering_state s = {};
        struct tiering_plan plan;

        tiering_policy_init(&p);
        p.demotion = TIERING_DEMOTION_ENABLE;
        p.promote_rate_limit = 100;
        p.weighted_interleave = TIERING_WI_AUTO;
        /* A 6.1-like kernel: no promote rate, no weighted interleave. */
        facts_612(&f);
        f.promote_rate[0] = 0;
        f.nodes[0].weight[0] = f.nodes[1].weight[0] = 0;

        ck_assert_uint_eq(tiering_plan_apply(&s, &p, &f, &plan), 1);
        ck_assert_uint_eq(plan.unsupported, (1u << TIERING_KNOB_PROMOTE_RATE) | (1u << TIERING_KNOB_WI_NODE));
        carry_out(&s, &plan, &f, false);
        ck_assert_uint_eq(tiering_plan_apply(&s, &p, &f, &plan), 0);
        ck_assert_uint_eq(plan.unsupported, 0);
        /* Still reported once after a restore and a new apply. */
        tiering_plan_restore(&s, &f, &plan);
        carry_out(&s, &plan, &f, true);
        tiering_plan_apply(&s, &p, &f, &plan);
        ck_assert_uint_eq(plan.unsupported, 0);
        ck_assert_uint_eq(plan.n_writes, 1);
}
END_TEST

START_TEST(test_plan_wi_computed) {
        struct tiering_policy p;
        struct tiering_facts f;
        struct tiering_state s = {};
        struct tiering_plan plan;

        tiering_policy_init(&p);
        p.weighted_interleave = TIERING_WI_AUTO;
        facts_612(&f);

        /* No HMAT: nothing to compute from, said once in the note. */
        ck_assert_uint_eq(tiering_plan_apply(&s, &p, &f, &plan), 0);
        ck_assert(strstr(plan.note, "no bandwidth"));

        f.nodes[0].bandwidth = 300;
        f.nodes[1].bandwidth = 100;
        ck_assert_uint_eq(tiering_plan_apply(&s, &p, &f, &plan), 1);
        assert_write(&plan, 0, TIERING_KNOB_WI_NODE, 0, "1", "3");
        ck_assert_str_eq(plan.note, "");
        carry_out(&s, &plan, &f, false);

        /* Reload to off: back to 1 (the value found, too). */
        p.weighted_interleave = TIERING_WI_OFF;
        ck_assert_uint_eq(tiering_plan_apply(&s, &p, &f, &plan), 1);
        assert_write(&plan, 0, TIERING_KNOB_WI_NODE, 0, "3", "1");
        carry_out(&s, &plan, &f, false);
        ck_assert_uint_eq(s.n_saved, 0);

        /* Auto again, then keep: put back. */
        p.weighted_interleave = TIERING_WI_AUTO;
        tiering_plan_apply(&s, &p, &f, &plan);
        carry_out(&s, &plan, &f, false);
        ck_assert_str_eq(f.nodes[0].weight, "3");
        p.weighted_interleave = TIERING_WI_KEEP;
        ck_assert_uint_eq(tiering_plan_apply(&s, &p, &f, &plan), 1);
        assert_write(&plan, 0, TIERING_KNOB_WI_NODE, 0, "3", "1");
}
END_TEST

START_TEST(test_plan_wi_new_node) {
        struct tiering_policy p;
        struct tiering_facts f;
        struct tiering_state s = {};
        struct tiering_plan plan;

        tiering_policy_init(&p);
        p.weighted_interleave = TIERING_WI_AUTO;
        facts_612(&f);
        f.n_nodes = 3;
        f.nodes[2] = (struct tiering_node) { .node = 2, .has_memory = false, .weight = "1", .bandwidth = 100 };
        f.nodes[0].bandwidth = 300;
        f.nodes[1].bandwidth = 100;
        tiering_plan_apply(&s, &p, &f, &plan);
        carry_out(&s, &plan, &f, false);
        ck_assert_str_eq(f.nodes[0].weight, "3");

        /* Node 2's memory comes online: recompute. 300:100:100 → 19:6:6 */
        ck_assert_int_eq(tiering_next(&s, &p, true, false, false), TIERING_NOTHING);
        ck_assert_int_eq(tiering_next(&s, &p, true, false, true), TIERING_APPLY);
        f.nodes[2].has_memory = true;
        ck_assert_uint_eq(tiering_plan_apply(&s, &p, &f, &plan), 3);
        assert_write(&plan, 0, TIERING_KNOB_WI_NODE, 0, "3", "19");
        assert_write(&plan, 1, TIERING_KNOB_WI_NODE, 1, "1", "6");
        assert_write(&plan, 2, TIERING_KNOB_WI_NODE, 2, "1", "6");
        carry_out(&s, &plan, &f, false);

        /* Restore puts back the 1s found at first. */
        ck_assert_uint_eq(tiering_plan_restore(&s, &f, &plan), 3);
        for (size_t i = 0; i < 3; i++)
                ck_assert_str_eq(plan.writes[i].new, "1");
}
END_TEST

START_TEST(test_plan_wi_kernel_auto) {
        struct tiering_policy p;
        struct tiering_facts f;
        struct tiering_state s = {};
        struct tiering_plan plan;

        tiering_policy_init(&p);
        p.weighted_interleave = TIERING_WI_AUTO;
        /* 6.16+: the kernel has auto, an administrator set weights by hand. */
        facts_612(&f);
        strcpy(f.wi_auto, "false");
        strcpy(f.nodes[0].weight, "5");
        strcpy(f.nodes[1].weight, "2");
        f.nodes[0].bandwidth = 300;
        f.nodes[1].bandwidth = 100;

        ck_assert_uint_eq(tiering_plan_apply(&s, &p, &f, &plan), 1);
        assert_write(&plan, 0, TIERING_KNOB_WI_AUTO, -1, "false", "true");
        ck_assert_uint_eq(plan.n_remember, 2);
        carry_out(&s, &plan, &f, false);
        ck_assert(tiering_is_set(&s, TIERING_KNOB_WI_AUTO, -1));
        ck_assert(tiering_is_set(&s, TIERING_KNOB_WI_NODE, 1));
        ck_assert(!tiering_is_set(&s, TIERING_KNOB_WI_NODE, 2));
        /* The kernel recomputes the weights. */
        strcpy(f.nodes[0].weight, "3");
        strcpy(f.nodes[1].weight, "1");
        ck_assert_uint_eq(tiering_plan_apply(&s, &p, &f, &plan), 0);

        /* Restore: the hand-set weights (which leave auto mode), newest
         * first, then auto, which is false by then already. */
        ck_assert_uint_eq(tiering_plan_restore(&s, &f, &plan), 3);
        assert_write(&plan, 0, TIERING_KNOB_WI_NODE, 1, "1", "2");
        assert_write(&plan, 1, TIERING_KNOB_WI_NODE, 0, "3", "5");
        assert_write(&plan, 2, TIERING_KNOB_WI_AUTO, -1, "true", "false");
        carry_out(&s, &plan, &f, true);
        ck_assert_str_eq(f.wi_auto, "false");
        ck_assert_str_eq(f.nodes[0].weight, "5");
        ck_assert_str_eq(f.nodes[1].weight, "2");
}
END_TEST

START_TEST(test_plan_wi_off_from_kernel_auto) {
        struct tiering_policy p;
        struct tiering_facts f;
        struct tiering_state s = {};
        struct tiering_plan plan;

        tiering_policy_init(&p);
        p.weighted_interleave = TIERING_WI_OFF;
        facts_612(&f);
        strcpy(f.wi_auto, "true");
        strcpy(f.nodes[0].weight, "3");

        ck_assert_uint_eq(tiering_plan_apply(&s, &p, &f, &plan), 2);
        assert_write(&plan, 0, TIERING_KNOB_WI_AUTO, -1, "true", "false");
        assert_write(&plan, 1, TIERING_KNOB_WI_NODE, 0, "3", "1");
        carry_out(&s, &plan, &f, false);

        /* Restore: weight first, then auto on (the kernel recomputes). */
        ck_assert_uint_eq(tiering_plan_restore(&s, &f, &plan), 2);
        assert_write(&plan, 0, TIERING_KNOB_WI_NODE, 0, "1", "3");
        assert_write(&plan, 1, TIERING_KNOB_WI_AUTO, -1, "false", "true");
}
END_TEST

START_TEST(test_plan_failed_write) {
        struct tiering_policy p;
        struct tiering_facts f;
        struct tiering_state s = {};
        struct tiering_plan plan;
        int results[TIERING_PLAN_MAX] = { -EINVAL, 0 };

        tiering_policy_init(&p);
        p.demotion = TIERING_DEMOTION_ENABLE;
        p.numa_balancing = TIERING_BALANCING_NORMAL_TIERING;
        facts_612(&f);
        tiering_plan_apply(&s, &p, &f, &plan);
        tiering_commit(&s, &plan, results, false);
        /* Only what was written is saved for restore. */
        ck_assert_uint_eq(s.n_saved, 1);
        ck_assert_int_eq(s.saved[0].knob, TIERING_KNOB_NUMA_BALANCING);
}
END_TEST

/* ---- the state file --------------------------------------------------- */

static void assert_state_eq(const struct tiering_state *a, const struct tiering_state *b) {
        ck_assert_int_eq(a->applied, b->applied);
        ck_assert_uint_eq(a->n_saved, b->n_saved);
        for (size_t i = 0; i < a->n_saved; i++) {
                ck_assert_int_eq(a->saved[i].knob, b->saved[i].knob);
                ck_assert_int_eq(a->saved[i].node, b->saved[i].node);
                ck_assert_str_eq(a->saved[i].old, b->saved[i].old);
                ck_assert_str_eq(a->saved[i].new, b->saved[i].new);
        }
}

static void roundtrip(const struct tiering_state *s) {
        char text[TIERING_STATE_TEXT_MAX], again[TIERING_STATE_TEXT_MAX], err[128] = "";
        struct tiering_state back;
        int n;

        n = tiering_state_format(s, text, sizeof(text));
        ck_assert_int_gt(n, 0);
        ck_assert_uint_eq(strlen(text), (size_t) n);
        ck_assert_msg(tiering_state_parse(text, (size_t) n, &back, err, sizeof(err)) == 0, "%s: %s", text, err);
        assert_state_eq(s, &back);
        ck_assert_int_eq(tiering_state_format(&back, again, sizeof(again)), n);
        ck_assert_str_eq(text, again);
}

START_TEST(test_state_roundtrip) {
        struct tiering_policy p;
        struct tiering_facts f;
        struct tiering_state s = {};
        struct tiering_plan plan;
        char text[TIERING_STATE_TEXT_MAX];

        /* Nothing applied. */
        roundtrip(&s);
        ck_assert_int_gt(tiering_state_format(&s, text, sizeof(text)), 0);
        ck_assert_ptr_nonnull(strstr(text, "\nversion 1\napplied no\n"));

        /* Every kind of knob, and weights the kernel's auto mode computes
         * (saved with an empty new value). */
        tiering_policy_init(&p);
        p.demotion = TIERING_DEMOTION_ENABLE;
        p.numa_balancing = TIERING_BALANCING_NORMAL_TIERING;
        p.promote_rate_limit = 256;
        p.weighted_interleave = TIERING_WI_AUTO;
        facts_612(&f);
        strcpy(f.wi_auto, "false");
        f.nodes[0].bandwidth = 300;
        f.nodes[1].bandwidth = 100;
        tiering_plan_apply(&s, &p, &f, &plan);
        carry_out(&s, &plan, &f, false);
        ck_assert_uint_eq(s.n_saved, 6);
        roundtrip(&s);
        ck_assert_int_gt(tiering_state_format(&s, text, sizeof(text)), 0);
        ck_assert_ptr_nonnull(strstr(text, "\nsaved demotion_enabled - false true\n"));
        ck_assert_ptr_nonnull(strstr(text, "\nsaved numa_balancing - 0 3\n"));
        ck_assert_ptr_nonnull(strstr(text, "\nsaved weighted_interleave/node 1 1 -\n"));

        /* Weights daxtierd computed (6.12). */
        struct tiering_state s2 = {};
        facts_612(&f);
        f.nodes[0].bandwidth = 300;
        f.nodes[1].bandwidth = 100;
        tiering_plan_apply(&s2, &p, &f, &plan);
        carry_out(&s2, &plan, &f, false);
        ck_assert(tiering_is_set(&s2, TIERING_KNOB_WI_NODE, 0));
        roundtrip(&s2);

        /* The largest state there can be (every knob, a weight for every
         * node, values as long as they can be) fits the documented room. */
        struct tiering_state big = { .applied = true };
        for (size_t i = 0; i < 4 + TIERING_MAX_NODES; i++) {
                struct tiering_change *c = &big.saved[big.n_saved++];
                *c = (struct tiering_change) { .knob = i < 4 ? (enum tiering_knob) i : TIERING_KNOB_WI_NODE,
                                               .node = i < 4 ? -1 : (int) i - 4 };
                strcpy(c->old, "12345678901234567890123");
                strcpy(c->new, "12345678901234567890123");
        }
        roundtrip(&big);
        /* Too small a buffer. */
        ck_assert_int_eq(tiering_state_format(&big, text, 100), -ENOSPC);
}
END_TEST

START_TEST(test_state_format_refuses) {
        struct tiering_state s = { .applied = true, .n_saved = 1 };
        char text[1024];

        s.saved[0] = (struct tiering_change) { .knob = TIERING_KNOB_DEMOTION, .node = -1, .old = "false", .new = "true" };
        ck_assert_int_gt(tiering_state_format(&s, text, sizeof(text)), 0);
        /* A blank or a newline in a value could not be read back. */
        strcpy(s.saved[0].old, "fa lse");
        ck_assert_int_eq(tiering_state_format(&s, text, sizeof(text)), -EINVAL);
        strcpy(s.saved[0].old, "false\n");
        ck_assert_int_eq(tiering_state_format(&s, text, sizeof(text)), -EINVAL);
        /* Only weights may have an empty new value; nothing an empty old. */
        strcpy(s.saved[0].old, "false");
        s.saved[0].new[0] = 0;
        ck_assert_int_eq(tiering_state_format(&s, text, sizeof(text)), -EINVAL);
        strcpy(s.saved[0].new, "true");
        s.saved[0].old[0] = 0;
        ck_assert_int_eq(tiering_state_format(&s, text, sizeof(text)), -EINVAL);
        strcpy(s.saved[0].old, "false");
        /* Saved while not applied. */
        s.applied = false;
        ck_assert_int_eq(tiering_state_format(&s, text, sizeof(text)), -EINVAL);
        s.applied = true;
        /* A weight of a node out of range, a knob saved twice. */
        s.saved[0] = (struct tiering_change) { .knob = TIERING_KNOB_WI_NODE, .node = TIERING_MAX_NODES, .old = "1", .new = "3" };
        ck_assert_int_eq(tiering_state_format(&s, text, sizeof(text)), -EINVAL);
        s.saved[0].node = 3;
        s.saved[1] = s.saved[0];
        s.n_saved = 2;
        ck_assert_int_eq(tiering_state_format(&s, text, sizeof(text)), -EINVAL);
}
END_TEST

/* A sentinel state that a refused parse must leave as it is. */
static void assert_refused(const char *text, size_t len, const char *want_err) {
        struct tiering_state s = { .applied = true, .n_saved = 1 };
        char err[128] = "";

        s.saved[0] = (struct tiering_change) { .knob = TIERING_KNOB_PROMOTE_RATE, .node = -1, .old = "7", .new = "8" };
        ck_assert_msg(tiering_state_parse(text, len, &s, err, sizeof(err)) == -EINVAL, "accepted: %.*s", (int) len,
                      text);
        ck_assert_msg(strstr(err, want_err), "error '%s' lacks '%s'", err, want_err);
        ck_assert(s.applied);
        ck_assert_uint_eq(s.n_saved, 1);
        ck_assert_str_eq(s.saved[0].old, "7");
}

#define REFUSED(text, err) assert_refused(text, sizeof(text) - 1, err)

START_TEST(test_state_garbage) {
        struct tiering_state s;
        char err[128] = "";
        char longline[400];

        /* What is accepted: comments, blank lines, tabs, no final newline. */
        const char ok[] = "# hand-written\n\nversion 1\n\tapplied   yes\nsaved demotion_enabled - false true";
        ck_assert_msg(tiering_state_parse(ok, sizeof(ok) - 1, &s, err, sizeof(err)) == 0, "%s", err);
        ck_assert(s.applied);
        ck_assert_uint_eq(s.n_saved, 1);
        ck_assert_int_eq(s.saved[0].node, -1);
        ck_assert_str_eq(s.saved[0].new, "true");

        REFUSED("", "incomplete: no version");
        REFUSED("\n\n# only comments\n", "incomplete: no version");
        REFUSED("version 1\n", "incomplete: no applied");
        REFUSED("applied yes\nversion 1\n", "line 1: expected 'version 1' first");
        REFUSED("version 2\napplied no\n", "line 1: unknown version");
        REFUSED("version 1 extra\napplied no\n", "expected 'version 1' first");
        REFUSED("version 1\nversion 1\napplied no\n", "line 2: unexpected line");
        REFUSED("version 1\napplied no\napplied no\n", "line 3: unexpected line");
        REFUSED("version 1\napplied maybe\n", "applied must be yes or no");
        REFUSED("version 1\napplied yes\nbogus line\n", "line 3: unexpected line");
        REFUSED("version 1\napplied yes\nsaved demotion_enabled - false\n", "unexpected line");
        REFUSED("version 1\napplied yes\nsaved demotion_enabled - false true x\n", "unexpected line");
        REFUSED("version 1\napplied yes\nsaved a b c d e f g h\n", "unexpected line");
        REFUSED("version 1\napplied yes\nsaved swappiness - 60 10\n", "unknown knob");
        REFUSED("version 1\napplied yes\nsaved demotion_enabled 0 false true\n", "a node for a knob that has none");
        REFUSED("version 1\napplied yes\nsaved weighted_interleave/node - 1 3\n", "bad node");
        REFUSED("version 1\napplied yes\nsaved weighted_interleave/node 64 1 3\n", "bad node");
        REFUSED("version 1\napplied yes\nsaved weighted_interleave/node -1 1 3\n", "bad node");
        REFUSED("version 1\napplied yes\nsaved weighted_interleave/node +1 1 3\n", "bad node");
        REFUSED("version 1\napplied yes\nsaved weighted_interleave/node 99999999999999999999 1 3\n", "bad node");
        REFUSED("version 1\napplied yes\nsaved demotion_enabled - - true\n", "bad value found");
        REFUSED("version 1\napplied yes\nsaved demotion_enabled - false -\n", "bad value set");
        REFUSED("version 1\napplied yes\nsaved demotion_enabled - fa$se true\n", "bad value found");
        REFUSED("version 1\napplied yes\nsaved demotion_enabled - 123456789012345678901234 true\n", "bad value found");
        REFUSED("version 1\napplied yes\nsaved demotion_enabled - false true\nsaved demotion_enabled - false true\n",
                "line 4: knob saved twice");
        REFUSED("version 1\napplied no\nsaved demotion_enabled - false true\n", "saved knobs while not applied");
        REFUSED("version 1\r\napplied no\r\n", "unknown version");
        REFUSED("version 1\napplied\0 yes\n", "a NUL byte");
        /* A NUL byte past what the parser would otherwise look at. */
        REFUSED("version 1\napplied no\n\0", "a NUL byte");
        memset(longline, 'x', sizeof(longline) - 1);
        longline[sizeof(longline) - 1] = 0;
        assert_refused(longline, strlen(longline), "line 1: line too long");
        /* Length is taken, not a terminator: the text ends where len says. */
        const char cut[] = "version 1\napplied yes\nsaved demotion_enabled - false true\n";
        ck_assert_int_eq(tiering_state_parse(cut, 21, &s, err, sizeof(err)), 0);
        ck_assert(s.applied);
        ck_assert_uint_eq(s.n_saved, 0);
        assert_refused(cut, 19, "applied must be yes or no");
}
END_TEST

/*
 * The reason for the file: a daemon changes a knob, is killed, and the
 * next one loads the bookkeeping; it then puts back the value the first
 * one found, where a fresh bookkeeping would find daxtierd's own value and
 * put back nothing.
 */
START_TEST(test_state_after_crash) {
        struct tiering_policy p;
        struct tiering_facts f;
        struct tiering_state first = {}, second, fresh = {};
        struct tiering_plan plan;
        char text[TIERING_STATE_TEXT_MAX], err[128] = "";
        int n;

        tiering_policy_init(&p);
        p.demotion = TIERING_DEMOTION_ENABLE;
        p.numa_balancing = TIERING_BALANCING_TIERING;
        p.weighted_interleave = TIERING_WI_AUTO;
        facts_612(&f);
        f.nodes[0].bandwidth = 300;
        f.nodes[1].bandwidth = 100;
        tiering_plan_apply(&first, &p, &f, &plan);
        carry_out(&first, &plan, &f, false);
        n = tiering_state_format(&first, text, sizeof(text));
        ck_assert_int_gt(n, 0);

        /* The second daemon: the kernel holds daxtierd's values. */
        ck_assert_int_eq(tiering_state_parse(text, (size_t) n, &second, err, sizeof(err)), 0);
        ck_assert_int_eq(tiering_next(&second, &p, true, false, false), TIERING_NOTHING);
        ck_assert_uint_eq(tiering_plan_apply(&second, &p, &f, &plan), 0);
        ck_assert_int_eq(tiering_next(&second, &p, false, false, false), TIERING_RESTORE);
        ck_assert_uint_eq(tiering_plan_restore(&second, &f, &plan), 3);
        assert_write(&plan, 0, TIERING_KNOB_WI_NODE, 0, "3", "1");
        assert_write(&plan, 1, TIERING_KNOB_NUMA_BALANCING, -1, "2", "0");
        assert_write(&plan, 2, TIERING_KNOB_DEMOTION, -1, "true", "false");
        carry_out(&second, &plan, &f, true);
        ck_assert_str_eq(f.demotion, "false");
        ck_assert_str_eq(f.numa_balancing, "0");
        ck_assert_str_eq(f.nodes[0].weight, "1");
        ck_assert_str_eq(f.nodes[1].weight, "1");

        /* Without the file the values found would be daxtierd's own. */
        facts_612(&f);
        strcpy(f.demotion, "true");
        strcpy(f.numa_balancing, "2");
        tiering_plan_apply(&fresh, &p, &f, &plan);
        ck_assert_uint_eq(plan.n_writes, 0);
        carry_out(&fresh, &plan, &f, false);
        ck_assert_uint_eq(tiering_plan_restore(&fresh, &f, &plan), 0);
}
END_TEST

/* ---- I/O against a fake tree ------------------------------------------ */

static char root[] = "/tmp/test-tiering.XXXXXX";

static void put(const char *path, const char *value) {
        char p[4096], dir[4200];

        snprintf(p, sizeof(p), "%s%s", root, path);
        snprintf(dir, sizeof(dir), "mkdir -p \"$(dirname '%s')\"", p);
        ck_assert_int_eq(system(dir), 0);
        FILE *fp = fopen(p, "we");
        ck_assert_ptr_nonnull(fp);
        fputs(value, fp);
        fclose(fp);
}

static void get(const char *path, char *buf, size_t len) {
        ck_assert_int_eq(sysfs_read(path, buf, len), 0);
}

/*
 * Carries out a plan through tiering_write().  A sysfs attribute takes
 * each write whole; a regular file in the fake tree would keep the tail
 * of a longer old value ("truee"), so empty it first.
 */
static void write_plan(const struct tiering_plan *plan, int *results) {
        char path[256], p[4096];

        for (size_t i = 0; i < plan->n_writes; i++) {
                tiering_knob_path(plan->writes[i].knob, plan->writes[i].node, path, sizeof(path));
                snprintf(p, sizeof(p), "%s%s", root, path);
                ck_assert_int_eq(truncate(p, 0), 0);
                results[i] = tiering_write(&plan->writes[i]);
                ck_assert_int_eq(results[i], 0);
        }
}

static void tree_setup(void) {
        ck_assert_ptr_nonnull(mkdtemp(root));
        sysfs_set_root(root);
}

static void tree_teardown(void) {
        char cmd[4096];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        ck_assert_int_eq(system(cmd), 0);
        strcpy(root, "/tmp/test-tiering.XXXXXX");
        sysfs_set_root("");
}

START_TEST(test_io_facts) {
        struct tiering_facts f;

        put("/sys/kernel/mm/numa/demotion_enabled", "false\n");
        put("/proc/sys/kernel/numa_balancing", "0\n");
        put("/sys/kernel/mm/mempolicy/weighted_interleave/node0", "1\n");
        put("/sys/kernel/mm/mempolicy/weighted_interleave/node1", "1\n");
        put("/sys/devices/system/node/has_memory", "0-1\n");
        put("/sys/devices/system/node/node0/access0/initiators/read_bandwidth", "400\n");
        put("/sys/devices/system/node/node0/access0/initiators/write_bandwidth", "300\n");
        /* access1 (the CPU class) wins over access0. */
        put("/sys/devices/system/node/node1/access0/initiators/read_bandwidth", "999\n");
        put("/sys/devices/system/node/node1/access0/initiators/write_bandwidth", "999\n");
        put("/sys/devices/system/node/node1/access1/initiators/read_bandwidth", "100\n");
        put("/sys/devices/system/node/node1/access1/initiators/write_bandwidth", "150\n");

        ck_assert_int_eq(tiering_read_facts(&f), 0);
        ck_assert_str_eq(f.demotion, "false");
        ck_assert_str_eq(f.numa_balancing, "0");
        ck_assert_str_eq(f.promote_rate, "");
        ck_assert_str_eq(f.wi_auto, "");
        ck_assert_uint_eq(f.n_nodes, 2);
        ck_assert_int_eq(f.nodes[0].node, 0);
        ck_assert(f.nodes[0].has_memory);
        ck_assert_str_eq(f.nodes[0].weight, "1");
        ck_assert_uint_eq(f.nodes[0].bandwidth, 300);
        ck_assert_uint_eq(f.nodes[1].bandwidth, 100);

        /* Plan and write through the tree. */
        struct tiering_policy p;
        struct tiering_state s = {};
        struct tiering_plan plan;
        char buf[64];
        int results[TIERING_PLAN_MAX];

        tiering_policy_init(&p);
        p.demotion = TIERING_DEMOTION_ENABLE;
        p.weighted_interleave = TIERING_WI_AUTO;
        ck_assert_uint_eq(tiering_plan_apply(&s, &p, &f, &plan), 2);
        /* promote_rate_limit is keep: its absence is no news. */
        ck_assert_uint_eq(plan.unsupported, 0);
        write_plan(&plan, results);
        tiering_commit(&s, &plan, results, false);
        get("/sys/kernel/mm/numa/demotion_enabled", buf, sizeof(buf));
        ck_assert_str_eq(buf, "true");
        get("/sys/kernel/mm/mempolicy/weighted_interleave/node0", buf, sizeof(buf));
        ck_assert_str_eq(buf, "3");     /* 300:100 → 24:8 → 3:1 */
        get("/sys/kernel/mm/mempolicy/weighted_interleave/node1", buf, sizeof(buf));
        ck_assert_str_eq(buf, "1");

        ck_assert_int_eq(tiering_read_facts(&f), 0);
        ck_assert_uint_eq(tiering_plan_restore(&s, &f, &plan), 2);
        write_plan(&plan, results);
        tiering_commit(&s, &plan, results, true);
        get("/sys/kernel/mm/numa/demotion_enabled", buf, sizeof(buf));
        ck_assert_str_eq(buf, "false");
        get("/sys/kernel/mm/mempolicy/weighted_interleave/node0", buf, sizeof(buf));
        ck_assert_str_eq(buf, "1");
}
END_TEST

START_TEST(test_io_write_missing) {
        struct tiering_change c = { .knob = TIERING_KNOB_PROMOTE_RATE, .node = -1, .new = "5" };
        ck_assert_int_eq(tiering_write(&c), -ENOENT);
}
END_TEST

START_TEST(test_io_nodes) {
        struct tiering_node_stats st[8];

        put("/sys/devices/system/node/online", "0-2\n");
        put("/sys/devices/virtual/memory_tiering/memory_tier4/nodelist", "0\n");
        put("/sys/devices/virtual/memory_tiering/memory_tier22/nodelist", "1\n");
        put("/sys/devices/system/node/node0/vmstat",
            "nr_free_pages 100\npgpromote_success 0\npgdemote_kswapd 1200\npgdemote_direct 34\n");
        put("/sys/devices/system/node/node1/vmstat", "pgpromote_success 17\npgdemote_kswapd 0\n");
        /* node2: no tier, no vmstat. */

        ck_assert_int_eq(tiering_read_nodes(st, ELEMENTSOF(st)), 3);
        ck_assert_int_eq(st[0].node, 0);
        ck_assert_int_eq(st[0].tier, 4);
        ck_assert(st[0].has_demoted);
        ck_assert_uint_eq(st[0].demoted, 1234);
        ck_assert_uint_eq(st[0].promoted, 0);
        ck_assert_int_eq(st[1].node, 1);
        ck_assert_int_eq(st[1].tier, 22);
        ck_assert_uint_eq(st[1].promoted, 17);
        ck_assert_int_eq(st[2].node, 2);
        ck_assert_int_eq(st[2].tier, -1);
        ck_assert(!st[2].has_demoted && !st[2].has_promoted);

        /* A long vmstat (as real ones are: 4 KiB and more) is read whole. */
        struct strbuf b = {};
        for (int i = 0; i < 400; i++)
                strbuf_appendf(&b, "nr_counter_%d %d\n", i, i);
        strbuf_appendf(&b, "pgdemote_direct 77\n");
        put("/sys/devices/system/node/node2/vmstat", strbuf_str(&b));
        strbuf_free(&b);
        ck_assert_int_eq(tiering_read_nodes(st, ELEMENTSOF(st)), 3);
        ck_assert(st[2].has_demoted);
        ck_assert_uint_eq(st[2].demoted, 77);

        /* max bounds the count. */
        ck_assert_int_eq(tiering_read_nodes(st, 1), 1);
}
END_TEST

START_TEST(test_io_state) {
        struct tiering_state s = { .applied = true, .n_saved = 1 }, back = {};
        char path[4096], err[128] = "";
        struct stat st;

        s.saved[0] = (struct tiering_change) { .knob = TIERING_KNOB_DEMOTION, .node = -1, .old = "false", .new = "true" };
        snprintf(path, sizeof(path), "%s/tiering", root);

        ck_assert_int_eq(tiering_state_load(path, &back, err, sizeof(err)), -ENOENT);
        ck_assert_int_eq(tiering_state_save(path, &s), 0);
        ck_assert_int_eq(tiering_state_load(path, &back, err, sizeof(err)), 0);
        assert_state_eq(&s, &back);

        /* Put back: nothing to remember, no file left. */
        s = (struct tiering_state) {};
        ck_assert_int_eq(tiering_state_save(path, &s), 0);
        ck_assert_int_eq(stat(path, &st), -1);
        ck_assert_int_eq(tiering_state_save(path, &s), 0);

        /* A corrupt file is refused with a reason, and the state is kept. */
        put("/tiering", "version 1\napplied yes\nsaved demotion_enabled - false\n");
        back.applied = true;
        ck_assert_int_eq(tiering_state_load(path, &back, err, sizeof(err)), -EINVAL);
        ck_assert_str_eq(err, "line 3: unexpected line");
        ck_assert(back.applied);
        /* So is one too long to be ours. */
        char *huge = malloc(TIERING_STATE_TEXT_MAX + 10);
        ck_assert_ptr_nonnull(huge);
        memset(huge, '#', TIERING_STATE_TEXT_MAX + 9);
        huge[TIERING_STATE_TEXT_MAX + 9] = 0;
        put("/tiering", huge);
        free(huge);
        ck_assert_int_eq(tiering_state_load(path, &back, err, sizeof(err)), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err, "longer than"));
}
END_TEST

static Suite *tiering_suite(void) {
        Suite *s = suite_create("tiering");
        TCase *tc;

        tc = tcase_create("weights");
        tcase_add_test(tc, test_weights_equal);
        tcase_add_test(tc, test_weights_ratio);
        tcase_add_test(tc, test_weights_truncate);
        tcase_add_test(tc, test_weights_small_share);
        tcase_add_test(tc, test_weights_unknown_and_memoryless);
        tcase_add_test(tc, test_weights_single);
        suite_add_tcase(s, tc);

        tc = tcase_create("parse");
        tcase_add_test(tc, test_policy_keys);
        tcase_add_test(tc, test_nodelist);
        tcase_add_test(tc, test_vmstat);
        suite_add_tcase(s, tc);

        tc = tcase_create("plan");
        tcase_add_test(tc, test_plan_apply_restore);
        tcase_add_test(tc, test_plan_stop);
        tcase_add_test(tc, test_plan_changed_by_someone);
        tcase_add_test(tc, test_plan_reload);
        tcase_add_test(tc, test_plan_unsupported_once);
        tcase_add_test(tc, test_plan_wi_computed);
        tcase_add_test(tc, test_plan_wi_new_node);
        tcase_add_test(tc, test_plan_wi_kernel_auto);
        tcase_add_test(tc, test_plan_wi_off_from_kernel_auto);
        tcase_add_test(tc, test_plan_failed_write);
        suite_add_tcase(s, tc);

        tc = tcase_create("state");
        tcase_add_test(tc, test_state_roundtrip);
        tcase_add_test(tc, test_state_format_refuses);
        tcase_add_test(tc, test_state_garbage);
        tcase_add_test(tc, test_state_after_crash);
        suite_add_tcase(s, tc);

        tc = tcase_create("io");
        tcase_add_checked_fixture(tc, tree_setup, tree_teardown);
        tcase_add_test(tc, test_io_facts);
        tcase_add_test(tc, test_io_write_missing);
        tcase_add_test(tc, test_io_nodes);
        tcase_add_test(tc, test_io_state);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(tiering_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
