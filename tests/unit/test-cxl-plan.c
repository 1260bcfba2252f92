/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-cxl-plan: unit tests for cxl-plan.c, the RAM region plans of
 * [region] rules with match.source = cxl, against fake CXL topologies
 * shaped like the ones QEMU 10 gives a guest (tests/vm/qemu.sh).
 */

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cxl-plan.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define BLOCK (128 * MiB)

static struct dt_amount size_of(uint64_t v) {
        return (struct dt_amount) { .kind = DT_AMOUNT_SIZE, .size = v };
}

static struct dt_amount percent(unsigned p) {
        return (struct dt_amount) { .kind = DT_AMOUNT_PERCENT, .percent = p };
}

static const struct dt_amount FREE = { .kind = DT_AMOUNT_FREE };

static struct cxl_memdev mem(const char *name, uint64_t serial, int hb, const char *rp, uint64_t ram) {
        return (struct cxl_memdev) { .name = name, .serial = serial, .host_bridge = hb, .root_port = rp,
                                     .ram_size = ram, .free_decoder = true };
}

static struct cxl_root_decoder window1(const char *name, int hb, uint64_t size) {
        return (struct cxl_root_decoder) { .name = name, .size = size, .free = size, .ways = 1,
                                           .granularity = 256, .cap_ram = true, .targets = { hb },
                                           .n_targets = 1 };
}

/* cxl-region: one host bridge (id 12), two 1 GiB devices, one 2 GiB window. */
static struct cxl_memdev one_hb_mems[2];
static struct cxl_root_decoder one_hb_roots[1];
static struct cxl_topology one_hb(void) {
        one_hb_mems[0] = mem("mem0", 0xa1, 12, "dport0", GiB);
        one_hb_mems[1] = mem("mem1", 0xa2, 12, "dport1", GiB);
        one_hb_roots[0] = window1("decoder0.0", 12, 2 * GiB);
        return (struct cxl_topology) { .roots = one_hb_roots, .n_roots = 1, .memdevs = one_hb_mems,
                                       .n_memdevs = 2, .block_size = BLOCK };
}

/* cxl-match: two host bridges, one device each, a window each. */
static struct cxl_memdev two_hb_mems[2];
static struct cxl_root_decoder two_hb_roots[2];
static struct cxl_topology two_hb(void) {
        two_hb_mems[0] = mem("mem0", 0xb1, 12, "dport0", GiB);
        two_hb_mems[1] = mem("mem1", 0xb2, 28, "dport0", GiB);
        two_hb_roots[0] = window1("decoder0.0", 12, GiB);
        two_hb_roots[1] = window1("decoder0.1", 28, GiB);
        return (struct cxl_topology) { .roots = two_hb_roots, .n_roots = 2, .memdevs = two_hb_mems,
                                       .n_memdevs = 2, .block_size = BLOCK };
}

static struct cxl_plan plan(const struct dt_amount *a, const char *glob, const char *rule,
                            const struct cxl_topology *t) {
        struct cxl_plan p;

        ck_assert_int_eq(cxl_plan_regions(a, glob, rule, t, &p), 0);
        /* Whatever the verdict: every planned region respects the kernel's rules. */
        if (p.verdict == CXL_PLAN_CREATE) {
                uint64_t sum = 0;

                ck_assert_uint_gt(p.n_regions, 0);
                for (size_t i = 0; i < p.n_regions; i++) {
                        const struct cxl_region_plan *r = &p.regions[i];

                        ck_assert(cxl_ways_valid(r->ways));
                        ck_assert_uint_eq(r->per_device % CXL_DPA_ALIGN, 0);
                        ck_assert_uint_gt(r->per_device, 0);
                        ck_assert_uint_eq(r->size, r->per_device * r->ways);
                        if (t->block_size)
                                ck_assert_uint_eq(r->size % t->block_size, 0);
                        ck_assert_uint_le(r->size, t->roots[r->root].free);
                        for (unsigned w = 0; w < r->ways; w++) {
                                const struct cxl_memdev *m = &t->memdevs[r->memdevs[w]];

                                ck_assert_uint_le(r->per_device, m->ram_size - m->ram_used);
                                ck_assert(cxl_memdev_matches(m, glob));
                        }
                        sum += r->size;
                }
                ck_assert_uint_eq(sum, p.size);
        } else {
                ck_assert_uint_eq(p.n_regions, 0);
                ck_assert_uint_eq(p.size, 0);
        }
        if (p.verdict == CXL_PLAN_REFUSED)
                ck_assert_str_ne(p.reason, "");
        return p;
}

/* ---- matching ---------------------------------------------------------- */

START_TEST(test_match_name_and_serial) {
        struct cxl_memdev m = mem("mem3", 0xa1, 0, NULL, GiB);

        ck_assert(cxl_memdev_matches(&m, NULL));
        ck_assert(cxl_memdev_matches(&m, ""));
        ck_assert(cxl_memdev_matches(&m, "mem3"));
        ck_assert(cxl_memdev_matches(&m, "mem*"));
        ck_assert(!cxl_memdev_matches(&m, "mem1"));
        ck_assert(cxl_memdev_matches(&m, "0xa1"));
        ck_assert(cxl_memdev_matches(&m, "0xA1"));
        ck_assert(cxl_memdev_matches(&m, "0xa*"));
        ck_assert(!cxl_memdev_matches(&m, "0xa2"));
        ck_assert(!cxl_memdev_matches(&m, "a1"));
        m.serial = 0;
        ck_assert(cxl_memdev_matches(&m, "0"));
}
END_TEST

START_TEST(test_ways_valid) {
        unsigned ok[] = { 1, 2, 3, 4, 6, 8, 12, 16 }, bad[] = { 0, 5, 7, 9, 10, 32 };

        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
                ck_assert(cxl_ways_valid(ok[i]));
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                ck_assert(!cxl_ways_valid(bad[i]));
}
END_TEST

/* ---- interleaving under one host bridge -------------------------------- */

START_TEST(test_two_way_interleave_size) {
        struct cxl_topology t = one_hb();
        struct dt_amount a = size_of(GiB);
        struct cxl_plan p = plan(&a, NULL, "fast", &t);

        ck_assert_int_eq(p.verdict, CXL_PLAN_CREATE);
        ck_assert_int_eq(p.layout, CXL_LAYOUT_INTERLEAVED);
        ck_assert_uint_eq(p.n_regions, 1);
        ck_assert_uint_eq(p.regions[0].root, 0);
        ck_assert_uint_eq(p.regions[0].ways, 2);
        ck_assert_uint_eq(p.regions[0].granularity, 256);
        ck_assert_uint_eq(p.regions[0].per_device, 512 * MiB);
        ck_assert_uint_eq(p.regions[0].size, GiB);
        /* target order: root ports in order */
        ck_assert_uint_eq(p.regions[0].memdevs[0], 0);
        ck_assert_uint_eq(p.regions[0].memdevs[1], 1);
}
END_TEST

START_TEST(test_target_order_follows_root_ports) {
        struct cxl_topology t = one_hb();
        struct dt_amount a = size_of(GiB);
        struct cxl_plan p;

        one_hb_mems[0].root_port = "dport1";
        one_hb_mems[1].root_port = "dport0";
        p = plan(&a, NULL, "fast", &t);
        ck_assert_uint_eq(p.regions[0].memdevs[0], 1);
        ck_assert_uint_eq(p.regions[0].memdevs[1], 0);
}
END_TEST

START_TEST(test_interleave_free_and_percent) {
        struct cxl_topology t = one_hb();
        struct cxl_plan p = plan(&FREE, NULL, "all", &t);
        struct dt_amount half = percent(50);

        ck_assert_int_eq(p.verdict, CXL_PLAN_CREATE);
        ck_assert_uint_eq(p.size, 2 * GiB);
        ck_assert_uint_eq(p.regions[0].per_device, GiB);

        /* 50% of 2 GiB */
        p = plan(&half, NULL, "half", &t);
        ck_assert_int_eq(p.verdict, CXL_PLAN_CREATE);
        ck_assert_uint_eq(p.size, GiB);
        ck_assert_uint_eq(p.regions[0].ways, 2);
}
END_TEST

START_TEST(test_rounding_to_ways_and_blocks) {
        struct cxl_topology t = one_hb();
        struct dt_amount a = size_of(GiB + 300 * MiB);
        struct cxl_plan p = plan(&a, NULL, "r", &t);

        /* 2 ways x 256 MiB = 512 MiB steps: 1.29 GiB -> 1 GiB */
        ck_assert_int_eq(p.verdict, CXL_PLAN_CREATE);
        ck_assert_uint_eq(p.size, GiB);

        /* a 2 GiB memory block size (large machines) forces 2 GiB steps */
        t.block_size = 2 * GiB;
        a = size_of(GiB);
        p = plan(&a, NULL, "r", &t);
        ck_assert_int_eq(p.verdict, CXL_PLAN_REFUSED);
        ck_assert_ptr_nonnull(strstr(p.reason, "round down to nothing"));
        p = plan(&FREE, NULL, "r", &t);
        ck_assert_int_eq(p.verdict, CXL_PLAN_CREATE);
        ck_assert_uint_eq(p.size, 2 * GiB);
}
END_TEST

START_TEST(test_too_much_is_refused_whole) {
        struct cxl_topology t = one_hb();
        struct dt_amount a = size_of(3 * GiB);
        struct cxl_plan p = plan(&a, NULL, "big", &t);

        ck_assert_int_eq(p.verdict, CXL_PLAN_REFUSED);
        ck_assert_ptr_nonnull(strstr(p.reason, "at most 2147483648"));

        /* the window is the limit when it is smaller than the devices */
        one_hb_roots[0].free = GiB;
        a = size_of(2 * GiB);
        p = plan(&a, NULL, "big", &t);
        ck_assert_int_eq(p.verdict, CXL_PLAN_REFUSED);
        p = plan(&FREE, NULL, "big", &t);
        ck_assert_int_eq(p.verdict, CXL_PLAN_CREATE);
        ck_assert_uint_eq(p.size, GiB);
}
END_TEST

START_TEST(test_uneven_free_dpa) {
        struct cxl_topology t = one_hb();
        struct cxl_plan p;

        /* mem1 has 512 MiB of its RAM allocated already (not ours): the
         * interleave takes the same from both, 512 MiB each. */
        one_hb_mems[1].ram_used = 512 * MiB;
        p = plan(&FREE, NULL, "r", &t);
        ck_assert_int_eq(p.verdict, CXL_PLAN_CREATE);
        ck_assert_uint_eq(p.regions[0].ways, 2);
        ck_assert_uint_eq(p.regions[0].per_device, 512 * MiB);
        ck_assert_uint_eq(p.size, GiB);
}
END_TEST

START_TEST(test_memdev_without_room_is_left_out) {
        struct cxl_topology t = one_hb();
        struct cxl_plan p;

        one_hb_mems[1].free_decoder = false;
        p = plan(&FREE, NULL, "r", &t);
        ck_assert_int_eq(p.verdict, CXL_PLAN_CREATE);
        ck_assert_uint_eq(p.regions[0].ways, 1);
        ck_assert_uint_eq(p.regions[0].memdevs[0], 0);
        ck_assert_ptr_nonnull(strstr(p.reason, "mem1 has no free RAM capacity (no free endpoint decoder)"));

        one_hb_mems[0].ram_used = GiB;
        p = plan(&FREE, NULL, "r", &t);
        ck_assert_int_eq(p.verdict, CXL_PLAN_REFUSED);
}
END_TEST

/* ---- two host bridges, two windows ------------------------------------- */

START_TEST(test_two_windows_per_memdev) {
        struct cxl_topology t = two_hb();
        struct dt_amount a = size_of(2 * GiB);
        struct cxl_plan p = plan(&a, NULL, "both", &t);

        ck_assert_int_eq(p.verdict, CXL_PLAN_CREATE);
        ck_assert_int_eq(p.layout, CXL_LAYOUT_PER_MEMDEV);
        ck_assert_ptr_nonnull(strstr(p.reason, "one region per memdev"));
        ck_assert_uint_eq(p.n_regions, 2);
        ck_assert_uint_eq(p.regions[0].root, 0);
        ck_assert_uint_eq(p.regions[0].memdevs[0], 0);
        ck_assert_uint_eq(p.regions[1].root, 1);
        ck_assert_uint_eq(p.regions[1].memdevs[0], 1);
        ck_assert_uint_eq(p.regions[0].size, GiB);
        ck_assert_uint_eq(p.regions[1].size, GiB);

        /* 1.5 GiB: the first memdev in full, then what is missing */
        a = size_of(GiB + 512 * MiB);
        p = plan(&a, NULL, "both", &t);
        ck_assert_uint_eq(p.n_regions, 2);
        ck_assert_uint_eq(p.regions[0].size, GiB);
        ck_assert_uint_eq(p.regions[1].size, 512 * MiB);
}
END_TEST

START_TEST(test_match_one_serial) {
        struct cxl_topology t = two_hb();
        struct cxl_plan p = plan(&FREE, "0xb2", "one", &t);

        ck_assert_int_eq(p.verdict, CXL_PLAN_CREATE);
        ck_assert_int_eq(p.layout, CXL_LAYOUT_INTERLEAVED);
        ck_assert_uint_eq(p.n_regions, 1);
        ck_assert_uint_eq(p.regions[0].root, 1);
        ck_assert_uint_eq(p.regions[0].ways, 1);
        ck_assert_uint_eq(p.regions[0].memdevs[0], 1);

        p = plan(&FREE, "mem9", "none", &t);
        ck_assert_int_eq(p.verdict, CXL_PLAN_REFUSED);
        ck_assert_ptr_nonnull(strstr(p.reason, "match.cxl_memdev = mem9"));
}
END_TEST

START_TEST(test_window_across_two_bridges) {
        /* A window interleaving both bridges (root ways 2, 4 KiB): one
         * 2-way region, positions alternating between the bridges. */
        struct cxl_memdev m[2] = { mem("mem0", 1, 28, "p", GiB), mem("mem1", 2, 12, "p", GiB) };
        struct cxl_root_decoder r = { .name = "decoder0.0", .size = 2 * GiB, .free = 2 * GiB, .ways = 2,
                                      .granularity = 4096, .cap_ram = true, .targets = { 12, 28 },
                                      .n_targets = 2 };
        struct cxl_topology t = { .roots = &r, .n_roots = 1, .memdevs = m, .n_memdevs = 2, .block_size = BLOCK };
        struct cxl_plan p = plan(&FREE, NULL, "x", &t);

        ck_assert_int_eq(p.verdict, CXL_PLAN_CREATE);
        ck_assert_int_eq(p.layout, CXL_LAYOUT_INTERLEAVED);
        ck_assert_uint_eq(p.regions[0].ways, 2);
        ck_assert_uint_eq(p.regions[0].granularity, 4096);
        ck_assert_uint_eq(p.regions[0].memdevs[0], 1);    /* bridge 12 is target 0 */
        ck_assert_uint_eq(p.regions[0].memdevs[1], 0);

        /* Only one of the two bridges' devices matches: the 2-way window
         * cannot take a 1-way region, and no window targets bridge 28 alone. */
        p = plan(&FREE, "mem0", "x", &t);
        ck_assert_int_eq(p.verdict, CXL_PLAN_REFUSED);
        ck_assert_ptr_nonnull(strstr(p.reason, "no RAM window with free space targets its host bridge alone"));
}
END_TEST

START_TEST(test_three_devices_cannot_split_over_two_bridges) {
        struct cxl_memdev m[3] = { mem("mem0", 1, 12, "a", GiB), mem("mem1", 2, 12, "b", GiB),
                                   mem("mem2", 3, 28, "a", GiB) };
        struct cxl_root_decoder r[3] = {
                { .name = "decoder0.0", .size = 8 * GiB, .free = 8 * GiB, .ways = 2, .granularity = 256,
                  .cap_ram = true, .targets = { 12, 28 }, .n_targets = 2 },
                window1("decoder0.1", 12, 4 * GiB), window1("decoder0.2", 28, 4 * GiB),
        };
        struct cxl_topology t = { .roots = r, .n_roots = 3, .memdevs = m, .n_memdevs = 3, .block_size = BLOCK };
        struct cxl_plan p = plan(&FREE, NULL, "x", &t);

        ck_assert_int_eq(p.verdict, CXL_PLAN_CREATE);
        ck_assert_int_eq(p.layout, CXL_LAYOUT_PER_MEMDEV);
        ck_assert_uint_eq(p.n_regions, 3);
        ck_assert_uint_eq(p.regions[0].root, 1);
        ck_assert_uint_eq(p.regions[1].root, 1);
        ck_assert_uint_eq(p.regions[2].root, 2);
        ck_assert_uint_eq(p.size, 3 * GiB);
        /* the two regions of window decoder0.1 share its free space */
        r[1].free = GiB + 512 * MiB;
        p = plan(&FREE, NULL, "x", &t);
        ck_assert_uint_eq(p.regions[0].size + p.regions[1].size, GiB + 512 * MiB);
}
END_TEST

START_TEST(test_five_devices_are_not_a_way_count) {
        struct cxl_memdev m[5];
        struct cxl_root_decoder r = window1("decoder0.0", 12, 16 * GiB);
        static const char *names[5] = { "mem0", "mem1", "mem2", "mem3", "mem4" };
        struct cxl_topology t = { .roots = &r, .n_roots = 1, .memdevs = m, .n_memdevs = 5, .block_size = BLOCK };
        struct cxl_plan p;

        for (int i = 0; i < 5; i++)
                m[i] = mem(names[i], (uint64_t) i, 12, names[i], GiB);
        p = plan(&FREE, NULL, "x", &t);
        ck_assert_int_eq(p.verdict, CXL_PLAN_CREATE);
        ck_assert_int_eq(p.layout, CXL_LAYOUT_PER_MEMDEV);
        ck_assert_ptr_nonnull(strstr(p.reason, "cannot interleave that many devices"));
        ck_assert_uint_eq(p.n_regions, 5);
}
END_TEST

START_TEST(test_pmem_only_window_is_not_used) {
        struct cxl_topology t = one_hb();
        struct cxl_plan p;

        one_hb_roots[0].cap_ram = false;
        p = plan(&FREE, NULL, "x", &t);
        ck_assert_int_eq(p.verdict, CXL_PLAN_REFUSED);
        ck_assert_ptr_nonnull(strstr(p.reason, "cannot hold RAM"));
}
END_TEST

/* ---- idempotence -------------------------------------------------------- */

START_TEST(test_own_region_satisfies) {
        struct cxl_topology t = one_hb();
        struct cxl_owned_region own = { .name = "region0", .rule = "fast", .size = GiB };
        struct dt_amount a = size_of(GiB);
        struct cxl_plan p;

        /* after creating the region: DPA used, window space used */
        one_hb_mems[0].ram_used = 512 * MiB;
        one_hb_mems[1].ram_used = 512 * MiB;
        one_hb_roots[0].free = GiB;
        t.owned = &own;
        t.n_owned = 1;
        p = plan(&a, NULL, "fast", &t);
        ck_assert_int_eq(p.verdict, CXL_PLAN_SATISFIED);
        ck_assert_uint_eq(p.have, GiB);

        /* "free" after taking all: satisfied too */
        one_hb_mems[0].ram_used = GiB;
        one_hb_mems[1].ram_used = GiB;
        one_hb_roots[0].free = 0;
        own.size = 2 * GiB;
        p = plan(&FREE, NULL, "fast", &t);
        ck_assert_int_eq(p.verdict, CXL_PLAN_SATISFIED);

        /* another rule's region is not this rule's */
        p = plan(&a, NULL, "other", &t);
        ck_assert_int_eq(p.verdict, CXL_PLAN_REFUSED);
        ck_assert_uint_eq(p.have, 0);

        /* a remainder below one step is satisfied, not refused */
        own.size = GiB;
        one_hb_mems[0].ram_used = 512 * MiB;
        one_hb_mems[1].ram_used = 512 * MiB;
        one_hb_roots[0].free = GiB;
        a = size_of(GiB + 100 * MiB);
        p = plan(&a, NULL, "fast", &t);
        ck_assert_int_eq(p.verdict, CXL_PLAN_SATISFIED);
        /* growing the rule adds one more region of what is missing */
        a = size_of(2 * GiB);
        p = plan(&a, NULL, "fast", &t);
        ck_assert_int_eq(p.verdict, CXL_PLAN_CREATE);
        ck_assert_uint_eq(p.size, GiB);
}
END_TEST

START_TEST(test_bad_arguments) {
        struct cxl_topology t = one_hb();
        struct cxl_plan p;
        struct dt_amount bad = { .kind = 99 };

        ck_assert_int_eq(cxl_plan_regions(NULL, NULL, "r", &t, &p), -EINVAL);
        ck_assert_int_eq(cxl_plan_regions(&FREE, NULL, NULL, &t, &p), -EINVAL);
        ck_assert_int_eq(cxl_plan_regions(&FREE, NULL, "r", NULL, &p), -EINVAL);
        ck_assert_int_eq(cxl_plan_regions(&bad, NULL, "r", &t, &p), -EINVAL);
        t.roots = NULL;
        ck_assert_int_eq(cxl_plan_regions(&FREE, NULL, "r", &t, &p), -EINVAL);
}
END_TEST

START_TEST(test_no_memdevs) {
        struct cxl_topology t = { .block_size = BLOCK };
        struct cxl_plan p = plan(&FREE, NULL, "r", &t);

        ck_assert_int_eq(p.verdict, CXL_PLAN_REFUSED);
        ck_assert_str_eq(p.reason, "no CXL memdev with RAM capacity matches match.cxl_memdev = *");
}
END_TEST

/* ---- the state list ----------------------------------------------------- */

START_TEST(test_state_parse) {
        char buf[] = "# daxtierd's CXL regions\nregion0 fast 1073741824\n\nregion3 slow 268435456\n";
        char bad[] = "region0 fast 1073741824\nregion1 slow\n";
        char bad2[] = "dax0.0 fast 1\n";
        struct cxl_owned_region o[4];
        unsigned line = 0;

        ck_assert_int_eq(cxl_state_parse(buf, o, 4, &line), 2);
        ck_assert_str_eq(o[0].name, "region0");
        ck_assert_str_eq(o[0].rule, "fast");
        ck_assert_uint_eq(o[0].size, GiB);
        ck_assert_str_eq(o[1].name, "region3");
        ck_assert_uint_eq(o[1].size, 256 * MiB);
        ck_assert_int_eq(cxl_state_parse(bad, o, 4, &line), -EINVAL);
        ck_assert_uint_eq(line, 2);
        ck_assert_int_eq(cxl_state_parse(bad2, o, 4, &line), -EINVAL);
        ck_assert_uint_eq(line, 1);
}
END_TEST

START_TEST(test_dpa_to_hpa) {
        uint64_t h;

        /* measured on 6.12: mem at position 0 of a 2-way, 256-byte region at 0x210000000 */
        ck_assert_int_eq(cxl_dpa_to_hpa(0x210000000, 2, 256, 0, 0, 0x2000, &h), 0);
        ck_assert_uint_eq(h, 0x210004000);
        ck_assert_int_eq(cxl_dpa_to_hpa(0x210000000, 2, 256, 1, 0, 0x2000, &h), 0);
        ck_assert_uint_eq(h, 0x210004100);
        ck_assert_int_eq(cxl_dpa_to_hpa(0x210000000, 2, 256, 1, 0, 0x2010, &h), 0);
        ck_assert_uint_eq(h, 0x210004110);
        /* 1 way: the identity past the decoder's DPA base */
        ck_assert_int_eq(cxl_dpa_to_hpa(0x250000000, 1, 256, 0, 0x10000000, 0x10001000, &h), 0);
        ck_assert_uint_eq(h, 0x250001000);
        /* 3 ways (modulo): granule 4 goes to position 1, second row */
        ck_assert_int_eq(cxl_dpa_to_hpa(0, 3, 4096, 1, 0, 4096, &h), 0);
        ck_assert_uint_eq(h, 4 * 4096);
        ck_assert_int_eq(cxl_dpa_to_hpa(0, 2, 256, 0, 0x1000, 0x10, &h), -ERANGE);
        ck_assert_int_eq(cxl_dpa_to_hpa(0, 5, 256, 0, 0, 0, &h), -EINVAL);
        ck_assert_int_eq(cxl_dpa_to_hpa(0, 2, 256, 2, 0, 0, &h), -EINVAL);
        ck_assert_int_eq(cxl_dpa_to_hpa(0, 2, 300, 0, 0, 0, &h), -EINVAL);
        ck_assert_int_eq(cxl_dpa_to_hpa(UINT64_MAX - 10, 1, 256, 0, 0, 4096, &h), -ERANGE);
}
END_TEST

START_TEST(test_state_write_parse) {
        struct cxl_owned_region in[2] = { { "region0", "fast", GiB }, { "region2", "slow", 512 * MiB } }, out[2];
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(cxl_state_write(f, in, 2), 0);
        fclose(f);
        ck_assert_int_eq(cxl_state_parse(buf, out, 2, NULL), 2);
        ck_assert_str_eq(out[1].name, "region2");
        ck_assert_str_eq(out[1].rule, "slow");
        ck_assert_uint_eq(out[1].size, 512 * MiB);
        free(buf);
}
END_TEST

static Suite *cxl_plan_suite(void) {
        Suite *s = suite_create("cxl-plan");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_match_name_and_serial);
        tcase_add_test(tc, test_ways_valid);
        tcase_add_test(tc, test_two_way_interleave_size);
        tcase_add_test(tc, test_target_order_follows_root_ports);
        tcase_add_test(tc, test_interleave_free_and_percent);
        tcase_add_test(tc, test_rounding_to_ways_and_blocks);
        tcase_add_test(tc, test_too_much_is_refused_whole);
        tcase_add_test(tc, test_uneven_free_dpa);
        tcase_add_test(tc, test_memdev_without_room_is_left_out);
        tcase_add_test(tc, test_two_windows_per_memdev);
        tcase_add_test(tc, test_match_one_serial);
        tcase_add_test(tc, test_window_across_two_bridges);
        tcase_add_test(tc, test_three_devices_cannot_split_over_two_bridges);
        tcase_add_test(tc, test_five_devices_are_not_a_way_count);
        tcase_add_test(tc, test_pmem_only_window_is_not_used);
        tcase_add_test(tc, test_own_region_satisfies);
        tcase_add_test(tc, test_bad_arguments);
        tcase_add_test(tc, test_no_memdevs);
        tcase_add_test(tc, test_state_parse);
        tcase_add_test(tc, test_dpa_to_hpa);
        tcase_add_test(tc, test_state_write_parse);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(cxl_plan_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? 0 : 1;
}
