/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-capacity: unit tests for capacity.c, the sizing and rounding
 * arithmetic of [region] rules and of the per-node System RAM cap, and
 * the cap's decision over the device table (capacity_node_cap_refuses()).
 */

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "capacity.h"
#include "util.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define BLOCK (128 * MiB)       /* x86 memory block size below 64 GiB of RAM */

static struct dt_amount size_of(uint64_t v) {
        return (struct dt_amount) { .kind = DT_AMOUNT_SIZE, .size = v };
}

static struct dt_amount percent(unsigned p) {
        return (struct dt_amount) { .kind = DT_AMOUNT_PERCENT, .percent = p };
}

static const struct dt_amount FREE = { .kind = DT_AMOUNT_FREE };

/* A fresh labelled region of the given size, all of it free, block aligned. */
static struct capacity_region fresh(uint64_t size) {
        return (struct capacity_region) { .size = size, .available = size, .align = BLOCK };
}

static struct capacity_plan plan(const struct dt_amount *a, unsigned max_devices, const struct capacity_region *r) {
        struct capacity_plan p;

        ck_assert_int_eq(capacity_plan(a, max_devices, r, &p), 0);
        /* Whatever the verdict, what is planned is aligned and never more than asked. */
        if (r->align > 1) {
                ck_assert_uint_eq(p.target % r->align, 0);
                ck_assert_uint_eq(p.need % r->align, 0);
                ck_assert_uint_eq(p.size % r->align, 0);
        }
        if (p.verdict == CAPACITY_CARVE) {
                ck_assert_uint_gt(p.size, 0);
                ck_assert_uint_le(p.size, r->available);
                ck_assert_uint_le(r->carved + p.size, p.target);
        } else
                ck_assert_uint_eq(p.size, 0);
        return p;
}

/* ---- rounding and percentages ------------------------------------------ */

START_TEST(test_round_down) {
        ck_assert_uint_eq(capacity_round_down(0, BLOCK), 0);
        ck_assert_uint_eq(capacity_round_down(BLOCK - 1, BLOCK), 0);
        ck_assert_uint_eq(capacity_round_down(BLOCK, BLOCK), BLOCK);
        ck_assert_uint_eq(capacity_round_down(2 * GiB + 1, BLOCK), 2 * GiB);
        ck_assert_uint_eq(capacity_round_down(3 * GiB - 1, BLOCK), 3 * GiB - BLOCK);
        ck_assert_uint_eq(capacity_round_down(1000, 0), 1000);
        ck_assert_uint_eq(capacity_round_down(1000, 1), 1000);
        ck_assert_uint_eq(capacity_round_down(1000, 384), 768);
        ck_assert_uint_eq(capacity_round_down(UINT64_MAX, BLOCK), UINT64_MAX - (BLOCK - 1));
}
END_TEST

START_TEST(test_percent_of) {
        ck_assert_uint_eq(capacity_percent_of(4 * GiB, 50), 2 * GiB);
        ck_assert_uint_eq(capacity_percent_of(4 * GiB, 100), 4 * GiB);
        ck_assert_uint_eq(capacity_percent_of(4 * GiB, 0), 0);
        /* 1417339207.68 rounds down. */
        ck_assert_uint_eq(capacity_percent_of(4 * GiB, 33), UINT64_C(1417339207));
        ck_assert_uint_eq(capacity_percent_of(99, 1), 0);
        ck_assert_uint_eq(capacity_percent_of(100, 1), 1);
        /* No overflow in the product. */
        ck_assert_uint_eq(capacity_percent_of(UINT64_MAX, 100), UINT64_MAX);
        ck_assert_uint_eq(capacity_percent_of(UINT64_MAX, 50), UINT64_MAX / 2);
        ck_assert_uint_eq(capacity_percent_of(UINT64_MAX, 10000), UINT64_MAX);
        ck_assert_uint_eq(capacity_percent_of(64 * GiB, 250), 160 * GiB);
}
END_TEST

START_TEST(test_min_namespace) {
        ck_assert_uint_eq(capacity_min_namespace(0), 16 * MiB);
        ck_assert_uint_eq(capacity_min_namespace(1), 16 * MiB);
        ck_assert_uint_eq(capacity_min_namespace(2 * MiB), 16 * MiB);
        ck_assert_uint_eq(capacity_min_namespace(16 * MiB), 16 * MiB);
        ck_assert_uint_eq(capacity_min_namespace(BLOCK), BLOCK);
        ck_assert_uint_eq(capacity_min_namespace(6 * MiB), 18 * MiB);
        ck_assert_uint_eq(capacity_min_namespace(2 * GiB), 2 * GiB);
}
END_TEST

START_TEST(test_alignment) {
        uint64_t a = 0;

        /* The QEMU guest: 128 MiB blocks, 16 MiB region align, 2 MiB dax align. */
        ck_assert_int_eq(capacity_alignment(BLOCK, 16 * MiB, 2 * MiB, 1, &a), 0);
        ck_assert_uint_eq(a, BLOCK);
        /* Large machines: 2 GiB blocks dominate. */
        ck_assert_int_eq(capacity_alignment(2 * GiB, 16 * MiB, 2 * MiB, 1, &a), 0);
        ck_assert_uint_eq(a, 2 * GiB);
        /* Interleave ways multiply the dax alignment. */
        ck_assert_int_eq(capacity_alignment(BLOCK, 16 * MiB, 2 * MiB, 2, &a), 0);
        ck_assert_uint_eq(a, BLOCK);
        ck_assert_int_eq(capacity_alignment(BLOCK, 16 * MiB, 2 * MiB, 3, &a), 0);
        ck_assert_uint_eq(a, 3 * BLOCK);
        ck_assert_int_eq(capacity_alignment(BLOCK, 0, 1 * GiB, 1, &a), 0);
        ck_assert_uint_eq(a, 1 * GiB);
        /* Unknown (0) values are left out; ways 0 is 1. */
        ck_assert_int_eq(capacity_alignment(BLOCK, 0, 0, 0, &a), 0);
        ck_assert_uint_eq(a, BLOCK);
        ck_assert_int_eq(capacity_alignment(0, 16 * MiB, 0, 0, &a), 0);
        ck_assert_uint_eq(a, 16 * MiB);
        ck_assert_int_eq(capacity_alignment(0, 0, 2 * MiB, 0, &a), 0);
        ck_assert_uint_eq(a, 2 * MiB);
        ck_assert_int_eq(capacity_alignment(0, 0, 0, 4, &a), 0);
        ck_assert_uint_eq(a, 1);
        /* Not only powers of two. */
        ck_assert_int_eq(capacity_alignment(BLOCK, 24 * MiB, 0, 1, &a), 0);
        ck_assert_uint_eq(a, 384 * MiB);
        /* Overflow is an error, not a wrong number. */
        a = 42;
        ck_assert_int_eq(capacity_alignment(UINT64_C(1) << 63, 3, 0, 1, &a), -EOVERFLOW);
        ck_assert_int_eq(capacity_alignment(0, 0, UINT64_C(1) << 63, 4, &a), -EOVERFLOW);
        ck_assert_uint_eq(a, 42);
}
END_TEST

START_TEST(test_target) {
        struct capacity_region r = fresh(4 * GiB);
        struct dt_amount a;

        a = size_of(3 * GiB);
        ck_assert_uint_eq(capacity_target(&a, &r), 3 * GiB);
        a = percent(50);
        ck_assert_uint_eq(capacity_target(&a, &r), 2 * GiB);
        ck_assert_uint_eq(capacity_target(&FREE, &r), 4 * GiB);
        r.carved = 1 * GiB;
        r.available = 2 * GiB;
        ck_assert_uint_eq(capacity_target(&FREE, &r), 3 * GiB);
        r.carved = UINT64_MAX;
        ck_assert_uint_eq(capacity_target(&FREE, &r), UINT64_MAX);
}
END_TEST

/* ---- plans -------------------------------------------------------------- */

/* The case: 50% of a 4 GiB region is one 2 GiB namespace. */
START_TEST(test_plan_half_of_4g) {
        struct dt_amount a = percent(50);
        struct capacity_region r = fresh(4 * GiB);
        struct capacity_plan p = plan(&a, 1, &r);

        ck_assert_int_eq(p.verdict, CAPACITY_CARVE);
        ck_assert_uint_eq(p.target, 2 * GiB);
        ck_assert_uint_eq(p.need, 2 * GiB);
        ck_assert_uint_eq(p.size, 2 * GiB);

        /* Once carved, the next pass (reload, restart, reboot) does nothing. */
        r.carved = 2 * GiB;
        r.n_carved = 1;
        r.available = 2 * GiB;
        p = plan(&a, 1, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_SATISFIED);
        ck_assert_uint_eq(p.need, 0);
        /* Even with room for more devices. */
        p = plan(&a, 8, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_SATISFIED);
}
END_TEST

START_TEST(test_plan_rounds_down) {
        struct dt_amount a = percent(33);
        struct capacity_region r = fresh(4 * GiB);
        struct capacity_plan p = plan(&a, 1, &r);

        /* 33% is 1.32 GiB: ten whole 128 MiB blocks. */
        ck_assert_int_eq(p.verdict, CAPACITY_CARVE);
        ck_assert_uint_eq(p.size, 10 * BLOCK);

        a = size_of(2 * GiB + 100 * MiB);
        p = plan(&a, 1, &r);
        ck_assert_uint_eq(p.size, 2 * GiB);

        /* Less than a block rounds to nothing: nothing to do. */
        a = size_of(BLOCK - 1);
        p = plan(&a, 1, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_SATISFIED);
        ck_assert_uint_eq(p.target, 0);

        /* An unaligned own namespace leaves an aligned remainder. */
        a = size_of(2 * GiB);
        r.carved = BLOCK + 1;
        r.n_carved = 1;
        p = plan(&a, 2, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_CARVE);
        ck_assert_uint_eq(p.size, 2 * GiB - 2 * BLOCK);
}
END_TEST

START_TEST(test_plan_larger_than_free) {
        struct dt_amount a = size_of(3 * GiB);
        struct capacity_region r = fresh(4 * GiB);
        struct capacity_plan p;

        /* Someone else's namespace took 2 GiB: only 2 GiB are free. */
        r.available = 2 * GiB;
        p = plan(&a, 1, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_NO_SPACE);
        ck_assert_uint_eq(p.need, 3 * GiB);
        ck_assert_uint_eq(p.size, 0);

        /* Never a partial namespace, whatever max_devices allows. */
        p = plan(&a, 4, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_NO_SPACE);

        /* More than the region holds at all. */
        a = size_of(5 * GiB);
        r = fresh(4 * GiB);
        p = plan(&a, 1, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_NO_SPACE);
        ck_assert_uint_eq(p.need, 5 * GiB);

        /* 100% of a region that already holds data. */
        a = percent(100);
        r = fresh(2 * GiB);
        r.available = 2 * GiB - 128 * MiB;
        p = plan(&a, 1, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_NO_SPACE);
        ck_assert_uint_eq(p.need, 2 * GiB);

        /* Exactly what is free is fine. */
        a = size_of(2 * GiB - 128 * MiB);
        p = plan(&a, 1, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_CARVE);
        ck_assert_uint_eq(p.size, 2 * GiB - 128 * MiB);
}
END_TEST

START_TEST(test_plan_free) {
        struct capacity_region r = fresh(4 * GiB);
        struct capacity_plan p;

        /* All that is free, around a 128 MiB namespace of someone else's. */
        r.available = 4 * GiB - 128 * MiB;
        p = plan(&FREE, 1, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_CARVE);
        ck_assert_uint_eq(p.size, 4 * GiB - 128 * MiB);

        /* A free extent that is not block aligned is rounded down. */
        r.available = 4 * GiB - 100 * MiB;
        p = plan(&FREE, 1, &r);
        ck_assert_uint_eq(p.size, 4 * GiB - BLOCK);

        /* Nothing free: nothing to do, and "free" is never refused for space. */
        r.available = 0;
        p = plan(&FREE, 1, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_SATISFIED);

        /* Free space left over next to our own namespace. */
        r.carved = 2 * GiB;
        r.n_carved = 1;
        r.available = 1 * GiB;
        p = plan(&FREE, 1, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_MAX_DEVICES);
        ck_assert_uint_eq(p.need, 1 * GiB);
        p = plan(&FREE, 2, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_CARVE);
        ck_assert_uint_eq(p.size, 1 * GiB);
}
END_TEST

START_TEST(test_plan_max_devices) {
        struct dt_amount a = percent(50);
        struct capacity_region r = fresh(4 * GiB);
        struct capacity_plan p;

        /* The capacity grew from 25% to 50%: one more namespace is needed. */
        r.carved = 1 * GiB;
        r.n_carved = 1;
        r.available = 3 * GiB;
        p = plan(&a, 1, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_MAX_DEVICES);
        ck_assert_uint_eq(p.need, 1 * GiB);
        p = plan(&a, 2, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_CARVE);
        ck_assert_uint_eq(p.size, 1 * GiB);

        /* max_devices is checked before the free space. */
        r.available = 0;
        p = plan(&a, 1, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_MAX_DEVICES);
        p = plan(&a, 2, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_NO_SPACE);
}
END_TEST

START_TEST(test_plan_never_shrinks) {
        struct dt_amount a = percent(25);
        struct capacity_region r = fresh(4 * GiB);
        struct capacity_plan p;

        /* The capacity was lowered after carving: nothing is taken back. */
        r.carved = 2 * GiB;
        r.n_carved = 1;
        r.available = 2 * GiB;
        p = plan(&a, 1, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_SATISFIED);
        ck_assert_uint_eq(p.target, 1 * GiB);
        ck_assert_uint_eq(p.need, 0);

        a = percent(0);
        r = fresh(4 * GiB);
        p = plan(&a, 1, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_SATISFIED);
        a = size_of(0);
        p = plan(&a, 1, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_SATISFIED);
}
END_TEST

START_TEST(test_plan_too_small) {
        struct dt_amount a = size_of(10 * MiB);
        struct capacity_region r = { .size = 64 * MiB, .available = 64 * MiB, .align = 2 * MiB };
        struct capacity_plan p = plan(&a, 1, &r);

        /* The kernel takes no namespace under 16 MiB. */
        ck_assert_int_eq(p.verdict, CAPACITY_TOO_SMALL);
        ck_assert_uint_eq(p.need, 10 * MiB);

        a = size_of(16 * MiB);
        p = plan(&a, 1, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_CARVE);
        ck_assert_uint_eq(p.size, 16 * MiB);

        /* What is left over after an own namespace may be too small too. */
        a = size_of(40 * MiB);
        r.carved = 32 * MiB;
        r.n_carved = 1;
        p = plan(&a, 2, &r);
        ck_assert_int_eq(p.verdict, CAPACITY_TOO_SMALL);
        ck_assert_uint_eq(p.need, 8 * MiB);
}
END_TEST

START_TEST(test_plan_unaligned_region) {
        struct dt_amount a = size_of(1 * GiB + 1);
        struct capacity_region r = { .size = 4 * GiB, .available = 4 * GiB, .align = 0 };
        struct capacity_plan p = plan(&a, 1, &r);

        /* No known alignment: the size is taken as it is. */
        ck_assert_int_eq(p.verdict, CAPACITY_CARVE);
        ck_assert_uint_eq(p.size, 1 * GiB + 1);
}
END_TEST

START_TEST(test_plan_bad_arguments) {
        struct dt_amount a = percent(50);
        struct capacity_region r = fresh(4 * GiB);
        struct capacity_plan p;

        ck_assert_int_eq(capacity_plan(&a, 0, &r, &p), -EINVAL);
        ck_assert_int_eq(capacity_plan(NULL, 1, &r, &p), -EINVAL);
        ck_assert_int_eq(capacity_plan(&a, 1, NULL, &p), -EINVAL);
        ck_assert_int_eq(capacity_plan(&a, 1, &r, NULL), -EINVAL);
}
END_TEST

START_TEST(test_verdict_names) {
        ck_assert_str_eq(capacity_verdict_to_string(CAPACITY_SATISFIED), "satisfied");
        ck_assert_str_eq(capacity_verdict_to_string(CAPACITY_CARVE), "carve");
        ck_assert_str_eq(capacity_verdict_to_string(CAPACITY_NO_SPACE), "no-space");
        ck_assert_str_eq(capacity_verdict_to_string(CAPACITY_MAX_DEVICES), "max-devices");
        ck_assert_str_eq(capacity_verdict_to_string(CAPACITY_TOO_SMALL), "too-small");
        ck_assert_str_eq(capacity_verdict_to_string((enum capacity_verdict) 99), "invalid");
}
END_TEST

/* ---- the per-node cap ---------------------------------------------------- */

START_TEST(test_node_limit) {
        struct dt_amount a = size_of(2 * GiB);

        ck_assert_uint_eq(capacity_node_limit(&a, 0), 2 * GiB);
        ck_assert_uint_eq(capacity_node_limit(&a, 64 * GiB), 2 * GiB);
        a = percent(50);
        ck_assert_uint_eq(capacity_node_limit(&a, 64 * GiB), 32 * GiB);
        /* A node without DRAM (typical for pmem and CXL) gets no dax RAM by percentage. */
        ck_assert_uint_eq(capacity_node_limit(&a, 0), 0);
        a = percent(400);
        ck_assert_uint_eq(capacity_node_limit(&a, 16 * GiB), 64 * GiB);
        ck_assert_uint_eq(capacity_node_limit(&FREE, 16 * GiB), UINT64_MAX);
}
END_TEST

START_TEST(test_exceeds) {
        /* The guest's case: 15 blocks online, 7 more would pass 2 GiB. */
        ck_assert(capacity_exceeds(15 * BLOCK, 7 * BLOCK, 2 * GiB));
        ck_assert(!capacity_exceeds(15 * BLOCK, 1 * BLOCK, 2 * GiB));
        /* Reaching the cap exactly is allowed. */
        ck_assert(!capacity_exceeds(1 * GiB, 1 * GiB, 2 * GiB));
        ck_assert(capacity_exceeds(1 * GiB, 1 * GiB + 1, 2 * GiB));
        ck_assert(!capacity_exceeds(0, 0, 0));
        ck_assert(capacity_exceeds(0, 1, 0));
        ck_assert(capacity_exceeds(UINT64_MAX, 1, UINT64_MAX));
        ck_assert(!capacity_exceeds(UINT64_MAX - 1, 1, UINT64_MAX));
}
END_TEST


/* ---- the cap's decision over the device table --------------------------- */

/* A backend with only what the cap reads: the node's MemTotal. */
static uint64_t node_total[4];
static int node_mem_err;
static unsigned node_mem_calls;

static int fake_node_mem(void *ctx, int node, uint64_t *ret) {
        node_mem_calls++;
        ck_assert_int_ge(node, 0);
        ck_assert_int_lt(node, 4);
        if (node_mem_err)
                return node_mem_err;
        *ret = node_total[node];
        return 0;
}

static const struct backend cap_backend = { .node_mem = fake_node_mem };

static struct device *devs[4];
static size_t n_devs;

/* A device whose memory lands on node, on driver, online/total blocks as
 * last observed, wanting system-ram. */
static struct device *mkdev(int node, enum dax_driver drv, unsigned online, unsigned total) {
        struct device *d;
        char name[16];

        ck_assert_uint_lt(n_devs, 4);
        snprintf(name, sizeof(name), "dax%zu.0", n_devs);
        d = device_new(name);
        ck_assert_ptr_nonnull(d);
        d->facts_valid = true;
        d->facts.target_node = node;
        d->facts.numa_node = 0;
        d->facts.driver = drv;
        d->online_blocks = online;
        d->total_blocks = total;
        d->want.mode = DT_MODE_SYSTEM_RAM;
        devs[n_devs++] = d;
        return d;
}

static void cap_setup(void) {
        memset(node_total, 0, sizeof(node_total));
        node_mem_err = 0;
        node_mem_calls = 0;
        n_devs = 0;
}

static void cap_teardown(void) {
        for (size_t i = 0; i < n_devs; i++)
                device_free(devs[i]);
        n_devs = 0;
}

static bool refuses(const struct policy *p, const struct device *d, uint64_t bs, char *why, size_t len) {
        why[0] = 0;
        return capacity_node_cap_refuses(p, d, devs, n_devs, bs, &cap_backend, NULL, why, len);
}

START_TEST(test_cap_not_set) {
        struct policy p = { .ram_cap_set = false };
        struct device *d = mkdev(1, DRV_DEVICE_DAX, 0, 16);
        char why[512];

        mkdev(1, DRV_KMEM, 64, 64);
        ck_assert(!refuses(&p, d, BLOCK, why, sizeof(why)));
        /* A rule that does not online (devdax, ignore) is never capped. */
        p = (struct policy) { .ram_cap_set = true, .ram_cap = size_of(BLOCK) };
        d->want.mode = DT_MODE_DEVDAX;
        ck_assert(!refuses(&p, d, BLOCK, why, sizeof(why)));
        d->want.mode = DT_MODE_IGNORE;
        ck_assert(!refuses(&p, d, BLOCK, why, sizeof(why)));
        ck_assert_uint_eq(node_mem_calls, 0);
}
END_TEST

START_TEST(test_cap_unknown) {
        struct policy p = { .ram_cap_set = true, .ram_cap = size_of(2 * GiB) };
        struct device *d = mkdev(-1, DRV_DEVICE_DAX, 0, 16);
        char why[512];

        d->facts.numa_node = -1;
        ck_assert(refuses(&p, d, BLOCK, why, sizeof(why)));
        ck_assert_str_eq(why, "max_system_ram_per_node = 2G, but the node of dax0.0 is unknown, so the cap cannot be checked");
        /* numa_node stands in for a missing target_node. */
        d->facts.numa_node = 1;
        ck_assert(!refuses(&p, d, BLOCK, why, sizeof(why)));
        ck_assert(refuses(&p, d, 0, why, sizeof(why)));
        ck_assert(strstr(why, "the memory block size of dax0.0 is unknown"));
}
END_TEST

START_TEST(test_cap_size) {
        struct policy p = { .ram_cap_set = true, .ram_cap = size_of(2 * GiB) };
        struct device *d = mkdev(1, DRV_DEVICE_DAX, 0, 16);     /* 2 GiB to add */
        struct device *other = mkdev(1, DRV_KMEM, 8, 8);        /* 1 GiB online on node 1 */
        char why[512];

        ck_assert(refuses(&p, d, BLOCK, why, sizeof(why)));
        ck_assert_str_eq(why, "max_system_ram_per_node = 2G: node 1 has 1073741824 bytes (1.0 GiB) of dax-backed System RAM, and dax0.0 would add 2147483648 bytes (2.0 GiB), above the cap of 2147483648 bytes (2.0 GiB)");

        /* On another node, the other device does not count: 2 GiB fits 2 GiB. */
        other->facts.target_node = 0;
        ck_assert(!refuses(&p, d, BLOCK, why, sizeof(why)));
        /* Neither does one that is no longer on kmem. */
        other->facts.target_node = 1;
        other->facts.driver = DRV_DEVICE_DAX;
        ck_assert(!refuses(&p, d, BLOCK, why, sizeof(why)));
        /* Nor one whose facts are unknown. */
        other->facts.driver = DRV_KMEM;
        other->facts_valid = false;
        ck_assert(!refuses(&p, d, BLOCK, why, sizeof(why)));
        other->facts_valid = true;
        /* One block less fits exactly. */
        other->online_blocks = 0;
        d->total_blocks = 17;
        ck_assert(refuses(&p, d, BLOCK, why, sizeof(why)));
        d->total_blocks = 16;
        ck_assert(!refuses(&p, d, BLOCK, why, sizeof(why)));
}
END_TEST

/* The device's own online blocks count as there, the rest as added. */
START_TEST(test_cap_partly_online) {
        struct policy p = { .ram_cap_set = true, .ram_cap = size_of(2 * GiB) };
        struct device *d = mkdev(1, DRV_KMEM, 12, 20);          /* 1.5 GiB there, 1 GiB to add */
        char why[512];

        ck_assert(refuses(&p, d, BLOCK, why, sizeof(why)));
        ck_assert(strstr(why, "node 1 has 1610612736 bytes"));
        ck_assert(strstr(why, "dax0.0 would add 1073741824 bytes"));
        d->total_blocks = 16;
        ck_assert(!refuses(&p, d, BLOCK, why, sizeof(why)));
        /* All online: nothing to add, the node is not even read. */
        node_mem_calls = 0;
        d->online_blocks = d->total_blocks = 64;
        ck_assert(!refuses(&p, d, BLOCK, why, sizeof(why)));
        ck_assert_uint_eq(node_mem_calls, 0);
}
END_TEST

START_TEST(test_cap_percent) {
        struct policy p = { .ram_cap_set = true, .ram_cap = percent(50) };
        struct device *d = mkdev(1, DRV_DEVICE_DAX, 0, 8);      /* 1 GiB to add */
        char why[512];

        mkdev(1, DRV_KMEM, 8, 8);                               /* 1 GiB online */
        /* MemTotal counts the onlined dax memory: DRAM is 3 - 1 = 2 GiB,
         * the cap 50 % of it. */
        node_total[1] = 3 * GiB;
        ck_assert(refuses(&p, d, BLOCK, why, sizeof(why)));
        ck_assert_uint_eq(node_mem_calls, 1);
        ck_assert(strstr(why, "max_system_ram_per_node = 50% of node 1's 2.0 GiB of DRAM: node 1 has 1073741824 bytes"));
        ck_assert(strstr(why, "above the cap of 1073741824 bytes (1.0 GiB)"));
        node_total[1] = 5 * GiB;                                /* 4 GiB DRAM: 2 GiB cap */
        ck_assert(!refuses(&p, d, BLOCK, why, sizeof(why)));
        /* A node whose memory cannot be read has no DRAM: refused. */
        node_mem_err = -EIO;
        ck_assert(refuses(&p, d, BLOCK, why, sizeof(why)));
        ck_assert(strstr(why, "of node 1's 0 B of DRAM"));
}
END_TEST

static Suite *capacity_suite(void) {
        Suite *s = suite_create("capacity");
        TCase *tc;

        tc = tcase_create("arithmetic");
        tcase_add_test(tc, test_round_down);
        tcase_add_test(tc, test_percent_of);
        tcase_add_test(tc, test_min_namespace);
        tcase_add_test(tc, test_alignment);
        tcase_add_test(tc, test_target);
        suite_add_tcase(s, tc);

        tc = tcase_create("plan");
        tcase_add_test(tc, test_plan_half_of_4g);
        tcase_add_test(tc, test_plan_rounds_down);
        tcase_add_test(tc, test_plan_larger_than_free);
        tcase_add_test(tc, test_plan_free);
        tcase_add_test(tc, test_plan_max_devices);
        tcase_add_test(tc, test_plan_never_shrinks);
        tcase_add_test(tc, test_plan_too_small);
        tcase_add_test(tc, test_plan_unaligned_region);
        tcase_add_test(tc, test_plan_bad_arguments);
        tcase_add_test(tc, test_verdict_names);
        suite_add_tcase(s, tc);

        tc = tcase_create("node-cap");
        tcase_add_test(tc, test_node_limit);
        tcase_add_test(tc, test_exceeds);
        suite_add_tcase(s, tc);

        tc = tcase_create("node-cap-decision");
        tcase_add_checked_fixture(tc, cap_setup, cap_teardown);
        tcase_add_test(tc, test_cap_not_set);
        tcase_add_test(tc, test_cap_unknown);
        tcase_add_test(tc, test_cap_size);
        tcase_add_test(tc, test_cap_partly_online);
        tcase_add_test(tc, test_cap_percent);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(capacity_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? 0 : 1;
}
