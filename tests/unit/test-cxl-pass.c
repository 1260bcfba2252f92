/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-cxl-pass: unit tests for cxl-pass.c, the decisions of the CXL
 * region pass: which rules create CXL regions, which state list entries
 * are still daxtierd's, and what the record says (layout and why).
 */

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cxl-pass.h"
#include "util.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define BLOCK (128 * MiB)

#define ck_assert_contains(s, sub) ck_assert_msg(strstr((s), (sub)), "'%s' does not contain '%s'", (s), (sub))

static struct region_rule rule(const char *name, unsigned match_set, enum dt_source src, struct dt_amount cap) {
        return (struct region_rule) { .name = (char *) name, .match_set = match_set, .match_source = src,
                                      .capacity = cap, .max_devices = 1 };
}

static const struct dt_amount G1 = { .kind = DT_AMOUNT_SIZE, .size = GiB };

START_TEST(test_which_rules) {
        struct region_rule rules[] = {
                rule("cxl", DT_MATCH_SOURCE, DT_SOURCE_CXL, G1),
                rule("cxl-mem", DT_MATCH_SOURCE | DT_MATCH_CXL_MEMDEV, DT_SOURCE_CXL, G1),
                rule("cxl-existing", DT_MATCH_SOURCE | DT_MATCH_CXL_REGION, DT_SOURCE_CXL, G1),
                rule("cxl-region", DT_MATCH_SOURCE | DT_MATCH_REGION, DT_SOURCE_CXL, G1),
                rule("cxl-node", DT_MATCH_SOURCE | DT_MATCH_TARGET_NODE, DT_SOURCE_CXL, G1),
                rule("pmem", DT_MATCH_SOURCE, DT_SOURCE_PMEM, G1),
                rule("any", DT_MATCH_SOURCE, DT_SOURCE_ANY, G1),
                rule("region0", DT_MATCH_REGION, DT_SOURCE_ANY, G1),
        };
        struct region_rule out[ELEMENTSOF(rules)];
        size_t n;

        ck_assert(cxl_pass_rule(&rules[0]));
        ck_assert(cxl_pass_rule(&rules[1]));
        for (size_t i = 2; i < ELEMENTSOF(rules); i++)
                ck_assert_msg(!cxl_pass_rule(&rules[i]), "%s", rules[i].name);

        /* The carving pass gets the others, in order. */
        n = cxl_pass_carve_rules(rules, ELEMENTSOF(rules), out);
        ck_assert_uint_eq(n, ELEMENTSOF(rules) - 2);
        ck_assert_str_eq(out[0].name, "cxl-existing");
        ck_assert_str_eq(out[n - 1].name, "region0");
        ck_assert_uint_eq(cxl_pass_carve_rules(rules, 2, out), 0);
}
END_TEST

static struct cxl_sysfs_region reg(const char *name, const char *mode, uint64_t size, bool committed) {
        struct cxl_sysfs_region r = { .size = size, .committed = committed, .ways = 1 };

        snprintf(r.name, sizeof(r.name), "%s", name);
        snprintf(r.mode, sizeof(r.mode), "%s", mode);
        return r;
}

START_TEST(test_owned) {
        const struct cxl_owned_region state[] = {
                { "region0", "fast", GiB },     /* there, committed: ours */
                { "region1", "fast", GiB },     /* gone */
                { "region2", "fast", GiB },     /* cut short: not committed */
                { "region3", "fast", GiB },     /* a pmem region now: someone else's */
                { "region4", "slow", GiB },     /* another size: someone else's */
                { "region5", "slow", 2 * GiB }, /* an older kernel without mode: ours */
        };
        const struct cxl_sysfs_region regs[] = {
                reg("region0", "ram", GiB, true),     reg("region2", "ram", GiB, false),
                reg("region3", "pmem", GiB, true),    reg("region4", "ram", 2 * GiB, true),
                reg("region5", "", 2 * GiB, true),    reg("region9", "ram", GiB, true),
        };
        struct cxl_owned_region out[8];
        char half[64];
        size_t dropped = 0, n;

        n = cxl_pass_owned(state, ELEMENTSOF(state), regs, ELEMENTSOF(regs), out, ELEMENTSOF(out), half,
                           sizeof(half), &dropped);
        ck_assert_uint_eq(n, 2);
        ck_assert_str_eq(out[0].name, "region0");
        ck_assert_str_eq(out[1].name, "region5");
        ck_assert_uint_eq(dropped, 4);
        ck_assert_str_eq(half, "region2");

        /* Nothing listed: nothing owned, whatever exists (region9 is not ours). */
        n = cxl_pass_owned(NULL, 0, regs, ELEMENTSOF(regs), out, ELEMENTSOF(out), half, sizeof(half), &dropped);
        ck_assert_uint_eq(n, 0);
        ck_assert_uint_eq(dropped, 0);
        ck_assert_str_eq(half, "");

        /* At most max. */
        n = cxl_pass_owned(state, ELEMENTSOF(state), regs, ELEMENTSOF(regs), out, 1, NULL, 0, NULL);
        ck_assert_uint_eq(n, 1);
}
END_TEST

/* The cxl-region topology: one host bridge, two 1 GiB devices, one window. */
static struct cxl_memdev mems[2];
static struct cxl_root_decoder roots[1];
static struct cxl_topology topo(void) {
        mems[0] = (struct cxl_memdev) { .name = "mem0", .serial = 0xa1, .host_bridge = 12, .ram_size = GiB,
                                        .free_decoder = true };
        mems[1] = (struct cxl_memdev) { .name = "mem1", .serial = 0xa2, .host_bridge = 12, .ram_size = GiB,
                                        .free_decoder = true };
        roots[0] = (struct cxl_root_decoder) { .name = "decoder0.0", .size = 4 * GiB, .free = 4 * GiB, .ways = 1,
                                               .granularity = 256, .cap_ram = true, .targets = { 12 },
                                               .n_targets = 1 };
        return (struct cxl_topology) { .roots = roots, .n_roots = 1, .memdevs = mems, .n_memdevs = 2,
                                       .block_size = BLOCK };
}

static struct carve_result result(const struct region_rule *r) {
        struct carve_result res = { .outcome = CARVE_SATISFIED, .cxl = true };

        snprintf(res.rule, sizeof(res.rule), "%s", r->name);
        return res;
}

START_TEST(test_interleaved_record) {
        struct region_rule r = rule("fast", DT_MATCH_SOURCE, DT_SOURCE_CXL, G1);
        struct cxl_topology t = topo();
        struct carve_result res = result(&r);
        struct cxl_plan plan;
        char layout[512];

        ck_assert_int_eq(cxl_plan_regions(&r.capacity, NULL, r.name, &t, &plan), 0);
        ck_assert_int_eq(plan.verdict, CXL_PLAN_CREATE);
        cxl_pass_result(&r, &plan, &t, &res, layout, sizeof(layout));
        ck_assert_uint_eq(res.size, GiB);
        ck_assert_uint_eq(res.target, GiB);
        ck_assert_uint_eq(res.carved, 0);
        ck_assert_str_eq(layout, "2-way interleaved across mem0 (0xa1), mem1 (0xa2) under decoder0.0, granularity 256");
        ck_assert_str_eq(res.cxl_layout, "interleaved");
        free(res.reason);
}
END_TEST

START_TEST(test_one_memdev_record) {
        struct region_rule r = rule("one", DT_MATCH_SOURCE | DT_MATCH_CXL_MEMDEV, DT_SOURCE_CXL, G1);
        struct cxl_topology t = topo();
        struct carve_result res = result(&r);
        struct cxl_plan plan;
        char layout[512];

        r.match_cxl_memdev = (char *) "0xA2";
        ck_assert_int_eq(cxl_plan_regions(&r.capacity, r.match_cxl_memdev, r.name, &t, &plan), 0);
        ck_assert_int_eq(plan.verdict, CXL_PLAN_CREATE);
        cxl_pass_result(&r, &plan, &t, &res, layout, sizeof(layout));
        ck_assert_contains(layout, "not interleaved");
        ck_assert_contains(layout, "mem1 (0xa2) under decoder0.0");
        ck_assert_msg(!strstr(layout, "mem0"), "%s", layout);
        free(res.reason);
}
END_TEST

START_TEST(test_satisfied_after_restart) {
        struct region_rule r = rule("fast", DT_MATCH_SOURCE, DT_SOURCE_CXL, G1);
        const struct cxl_owned_region owned[] = { { "region0", "fast", GiB }, { "region1", "other", GiB } };
        struct cxl_topology t = topo();
        struct carve_result res = result(&r);
        struct cxl_plan plan;

        /* What the restarted daemon sees: its region holds both devices' DPA. */
        mems[0].ram_used = mems[1].ram_used = 512 * MiB;
        roots[0].free = 3 * GiB;
        t.owned = owned;
        t.n_owned = ELEMENTSOF(owned);
        ck_assert_int_eq(cxl_plan_regions(&r.capacity, NULL, r.name, &t, &plan), 0);
        ck_assert_int_eq(plan.verdict, CXL_PLAN_SATISFIED);
        cxl_pass_result(&r, &plan, &t, &res, NULL, 0);
        ck_assert_int_eq(res.outcome, CARVE_SATISFIED);
        ck_assert_uint_eq(res.n_carved, 1);
        ck_assert_uint_eq(res.carved, GiB);
        ck_assert_str_eq(res.reason, "CXL region region0 made by daxtierd");
        free(res.reason);
}
END_TEST

START_TEST(test_refused_record) {
        struct region_rule r = rule("none", DT_MATCH_SOURCE | DT_MATCH_CXL_MEMDEV, DT_SOURCE_CXL, G1);
        struct cxl_topology t = topo();
        struct carve_result res = result(&r);
        struct cxl_plan plan;

        r.match_cxl_memdev = (char *) "mem7";
        ck_assert_int_eq(cxl_plan_regions(&r.capacity, r.match_cxl_memdev, r.name, &t, &plan), 0);
        ck_assert_int_eq(plan.verdict, CXL_PLAN_REFUSED);
        cxl_pass_result(&r, &plan, &t, &res, NULL, 0);
        ck_assert_int_eq(res.outcome, CARVE_REFUSED);
        ck_assert_ptr_nonnull(res.reason);
        ck_assert_str_eq(res.reason, plan.reason);
        free(res.reason);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("cxl-pass");
        TCase *tc = tcase_create("pass");

        tcase_add_test(tc, test_which_rules);
        tcase_add_test(tc, test_owned);
        tcase_add_test(tc, test_interleaved_record);
        tcase_add_test(tc, test_one_memdev_record);
        tcase_add_test(tc, test_satisfied_after_restart);
        tcase_add_test(tc, test_refused_record);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
