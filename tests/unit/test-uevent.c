/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-uevent: unit tests for uevent.c, what each udev event means to the
 * daemon (uevent_route()) and which known devices an nd or memory block
 * event concerns.
 */

#include <check.h>
#include <stdlib.h>

#include "uevent.h"
#include "util.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define BLOCK (128 * MiB)

static struct uevent_route route(const char *subsystem, const char *action, const char *name) {
        struct uevent_route r;

        /* Garbage first: every field must be set by the call. */
        memset(&r, 0xa5, sizeof(r));
        uevent_route(subsystem, action, name, &r);
        return r;
}

START_TEST(test_names) {
        ck_assert(dax_name_valid("dax0.0"));
        ck_assert(dax_name_valid("dax12.345"));
        ck_assert(!dax_name_valid("dax0"));
        ck_assert(!dax_name_valid("dax0.0x"));
        ck_assert(!dax_name_valid("dax_region0"));
        ck_assert(!dax_name_valid("daxa.0"));
        ck_assert(!dax_name_valid(""));
        ck_assert(region_name_valid("region0"));
        ck_assert(region_name_valid("region17"));
        ck_assert(!region_name_valid("region"));
        ck_assert(!region_name_valid("region0x"));
        ck_assert(!region_name_valid("dax_region0"));
}
END_TEST

START_TEST(test_dax) {
        struct uevent_route r;

        r = route("dax", "add", "dax0.0");
        ck_assert_int_eq(r.kind, UEVENT_DAX);
        ck_assert(!r.remove);
        /* New: a fresh look, and maybe a new dynamic region to carve. */
        ck_assert(r.fresh);
        ck_assert(r.regions);
        ck_assert(!r.security);

        r = route("dax", "change", "dax0.0");
        ck_assert_int_eq(r.kind, UEVENT_DAX);
        ck_assert(!r.remove && !r.fresh && !r.regions && !r.security);
        r = route("dax", "bind", "dax1.2");
        ck_assert_int_eq(r.kind, UEVENT_DAX);
        ck_assert(!r.remove && !r.fresh && !r.regions);

        r = route("dax", "remove", "dax0.0");
        ck_assert_int_eq(r.kind, UEVENT_DAX);
        ck_assert(r.remove);
        ck_assert(!r.fresh && !r.regions && !r.security);

        /* Not a device: a dax region, a bus, a driver. */
        ck_assert_int_eq(route("dax", "add", "dax_region0").kind, UEVENT_IGNORE);
        ck_assert_int_eq(route("dax", "add", "dax0").kind, UEVENT_IGNORE);
        ck_assert_int_eq(route("dax", "remove", "kmem").kind, UEVENT_IGNORE);
}
END_TEST

START_TEST(test_nd) {
        struct uevent_route r;
        static const char *const region_actions[] = { "add", "change", "bind" };

        for (size_t i = 0; i < ELEMENTSOF(region_actions); i++) {
                r = route("nd", region_actions[i], "region1");
                ck_assert_int_eq(r.kind, UEVENT_ND);
                ck_assert(r.regions);
                ck_assert(r.security);
                ck_assert(!r.remove && !r.fresh);
        }
        /* A region that goes away has no room, but its DIMMs' devices
         * are looked at again. */
        r = route("nd", "remove", "region1");
        ck_assert_int_eq(r.kind, UEVENT_ND);
        ck_assert(!r.regions);
        ck_assert(r.security);
        r = route("nd", "unbind", "region0");
        ck_assert(!r.regions && r.security);

        /* A DIMM changed (locked, unlocked, passphrase). */
        r = route("nd", "change", "nmem0");
        ck_assert_int_eq(r.kind, UEVENT_ND);
        ck_assert(r.security);
        ck_assert(!r.regions);

        /* Namespaces, buses, pfn/dax seeds: nothing. */
        ck_assert_int_eq(route("nd", "add", "namespace0.0").kind, UEVENT_IGNORE);
        ck_assert_int_eq(route("nd", "change", "ndbus0").kind, UEVENT_IGNORE);
        ck_assert_int_eq(route("nd", "add", "dax0.1").kind, UEVENT_IGNORE);
        /* "region" with no number still names a region's DIMMs' business. */
        r = route("nd", "add", "regionx");
        ck_assert(!r.regions);
        ck_assert(r.security);
}
END_TEST

START_TEST(test_memory) {
        struct uevent_route r;

        r = route("memory", "online", "memory37");
        ck_assert_int_eq(r.kind, UEVENT_MEMORY);
        ck_assert_uint_eq(r.block, 37);
        ck_assert(!r.remove && !r.fresh && !r.regions && !r.security);
        r = route("memory", "offline", "memory0");
        ck_assert_int_eq(r.kind, UEVENT_MEMORY);
        ck_assert_uint_eq(r.block, 0);
        ck_assert_int_eq(route("memory", "add", "memory").kind, UEVENT_IGNORE);
        ck_assert_int_eq(route("memory", "add", "memory12x").kind, UEVENT_IGNORE);
        ck_assert_int_eq(route("memory", "add", "memory_tier4").kind, UEVENT_IGNORE);
        ck_assert_int_eq(route("memory", "add", "node1").kind, UEVENT_IGNORE);
}
END_TEST

START_TEST(test_cxl) {
        struct uevent_route r = route("cxl", "bind", "mem0");

        ck_assert_int_eq(r.kind, UEVENT_CXL);
        ck_assert(r.regions && !r.remove && !r.fresh && !r.security);
        ck_assert_int_eq(route("cxl", "add", "endpoint5").kind, UEVENT_CXL);
        ck_assert_int_eq(route("cxl", "bind", "endpoint5").kind, UEVENT_CXL);
        /* Not before the driver bound; not the regions and decoders daxtierd itself makes. */
        ck_assert_int_eq(route("cxl", "add", "mem0").kind, UEVENT_IGNORE);
        ck_assert_int_eq(route("cxl", "bind", "region0").kind, UEVENT_IGNORE);
        ck_assert_int_eq(route("cxl", "add", "decoder0.0").kind, UEVENT_IGNORE);
        ck_assert_int_eq(route("cxl", "bind", "mem0x").kind, UEVENT_IGNORE);
        ck_assert_int_eq(route("cxl", "remove", "endpoint5").kind, UEVENT_IGNORE);
}
END_TEST

START_TEST(test_ignored) {
        ck_assert_int_eq(route("block", "add", "pmem0").kind, UEVENT_IGNORE);
        ck_assert_int_eq(route("cxl", "add", "region0").kind, UEVENT_IGNORE);
        ck_assert_int_eq(route(NULL, "add", "dax0.0").kind, UEVENT_IGNORE);
        ck_assert_int_eq(route("dax", NULL, "dax0.0").kind, UEVENT_IGNORE);
        ck_assert_int_eq(route("dax", "add", NULL).kind, UEVENT_IGNORE);
        struct uevent_route r = route("block", "add", "pmem0");
        ck_assert(!r.remove && !r.fresh && !r.regions && !r.security);
}
END_TEST

static struct device *dev_at(uint64_t start, uint64_t size, enum dev_state st) {
        struct device *d = device_new("dax0.0");

        ck_assert_ptr_nonnull(d);
        d->facts_valid = true;
        d->facts.n_ranges = 1;
        d->facts.ranges[0] = (struct dax_range) { start, start + size - 1 };
        d->state = st;
        return d;
}

START_TEST(test_block_concerns) {
        /* 1 GiB at 4 GiB: memory32..memory39. */
        struct device *d = dev_at(4 * GiB, 1 * GiB, DEV_ONLINE);

        ck_assert(!uevent_block_concerns(d, 31, BLOCK));
        ck_assert(uevent_block_concerns(d, 32, BLOCK));
        ck_assert(uevent_block_concerns(d, 39, BLOCK));
        ck_assert(!uevent_block_concerns(d, 40, BLOCK));
        d->state = DEV_DEVDAX;
        ck_assert(uevent_block_concerns(d, 35, BLOCK));
        /* Not steady where a block could have been moved under it. */
        static const enum dev_state others[] = { DEV_UNMANAGED, DEV_REFUSED, DEV_FAILED, DEV_ONLINING, DEV_KMEM };
        for (size_t i = 0; i < ELEMENTSOF(others); i++) {
                d->state = others[i];
                ck_assert(!uevent_block_concerns(d, 35, BLOCK));
        }
        d->state = DEV_ONLINE;
        ck_assert(!uevent_block_concerns(d, 35, 0));
        d->facts_valid = false;
        ck_assert(!uevent_block_concerns(d, 35, BLOCK));
        device_free(d);

        /* Partial blocks at either end are not the device's (kmem adds
         * whole blocks only). */
        d = dev_at(4 * GiB + 4096, 1 * GiB - 8192, DEV_ONLINE);
        ck_assert(!uevent_block_concerns(d, 32, BLOCK));
        ck_assert(uevent_block_concerns(d, 33, BLOCK));
        ck_assert(uevent_block_concerns(d, 38, BLOCK));
        ck_assert(!uevent_block_concerns(d, 39, BLOCK));
        device_free(d);
}
END_TEST

START_TEST(test_security_concerns) {
        struct device *d = device_new("dax0.0");

        ck_assert(!uevent_security_concerns(d));
        d->want.security = DT_SECURITY_UNLOCKED;
        ck_assert(uevent_security_concerns(d));
        d->want.security = DT_SECURITY_FROZEN;
        ck_assert(uevent_security_concerns(d));
        device_free(d);
}
END_TEST

static Suite *uevent_suite(void) {
        Suite *s = suite_create("uevent");
        TCase *tc;

        tc = tcase_create("route");
        tcase_add_test(tc, test_names);
        tcase_add_test(tc, test_dax);
        tcase_add_test(tc, test_nd);
        tcase_add_test(tc, test_memory);
        tcase_add_test(tc, test_ignored);
        tcase_add_test(tc, test_cxl);
        suite_add_tcase(s, tc);

        tc = tcase_create("concerns");
        tcase_add_test(tc, test_block_concerns);
        tcase_add_test(tc, test_security_concerns);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(uevent_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
