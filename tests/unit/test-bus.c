/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-bus: unit tests for bus-object.c, the pure half of daxtierd's
 * D-Bus interface: the contract's property table (every property has a
 * getter of its own signature, PropertiesChanged names all but the CONST
 * ones, daxtierctl's table is the same list), what each getter reads from
 * a device, and hostile names (empty, 64 KiB, bad characters, control
 * bytes) refused before any look-up, with a bounded quote for the error.
 */

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "bus-object.h"
#include "device.h"
#include "util.h"

static const struct bus_device_property *prop(const char *name) {
        const struct bus_device_property *p = bus_device_property_find(name);

        ck_assert_msg(p, "no property %s", name);
        return p;
}

static struct bus_value get(const struct device *d, const char *name) {
        const struct bus_device_property *p = prop(name);
        struct bus_value v = {};

        p->get(d, &v);
        ck_assert_int_eq(v.type, p->signature[0]);
        return v;
}

/* ---- the contract's table --------------------------------------------- */

START_TEST(test_table) {
        static const char *const expected[] = {
                "Name", "Source", "State", "Rule", "Mode", "Size", "TargetNode", "Zone", "OnlineBlocks",
                "TotalBlocks", "MemmapOnMemory", "LastError", "LastTransition", "Security", "BadBlocks",
                "ClearedBytes", "SkippedBlocks", "LastScrub", "ScrubOutcome", "CxlRegion", "CxlMemdevs", "Tier",
        };

        /* The interface as documented in daxtierd(8), in its order. */
        ck_assert_uint_eq(bus_device_n_properties, ELEMENTSOF(expected));
        for (size_t i = 0; i < ELEMENTSOF(expected); i++) {
                const struct bus_device_property *p = &bus_device_properties[i];

                ck_assert_str_eq(p->name, expected[i]);
                ck_assert_uint_eq(strlen(p->signature), 1);
                ck_assert_msg(strchr("stiub", p->signature[0]), "%s has signature %s", p->name, p->signature);
                ck_assert_ptr_nonnull(p->get);
                ck_assert_ptr_eq(bus_device_property_find(p->name), p);
        }
        ck_assert_str_eq(prop("Size")->signature, "t");
        ck_assert_str_eq(prop("TargetNode")->signature, "i");
        ck_assert_str_eq(prop("OnlineBlocks")->signature, "u");
        ck_assert_str_eq(prop("MemmapOnMemory")->signature, "b");
        ck_assert_ptr_null(bus_device_property_find("Nope"));
        ck_assert_ptr_null(bus_device_property_find(NULL));
        ck_assert_ptr_null(bus_device_property_find("name"));
}
END_TEST

START_TEST(test_changed_list) {
        const char *names[64];
        size_t n = bus_device_changed_properties(names, ELEMENTSOF(names));

        /* Everything but Name, which never changes, in the table's order. */
        ck_assert_uint_eq(n, bus_device_n_properties - 1);
        ck_assert_ptr_null(names[n]);
        for (size_t i = 0; i < n; i++) {
                ck_assert_str_ne(names[i], "Name");
                ck_assert_str_eq(names[i], bus_device_properties[i + 1].name);
        }
        ck_assert_int_ne(prop("Name")->flags & DAXTIER_PROP_CONST, 0);

        /* A short buffer is cut, never overrun, and stays terminated. */
        n = bus_device_changed_properties(names, 3);
        ck_assert_uint_eq(n, 2);
        ck_assert_str_eq(names[0], "Source");
        ck_assert_str_eq(names[1], "State");
        ck_assert_ptr_null(names[2]);
}
END_TEST

/* ---- getters ----------------------------------------------------------- */

START_TEST(test_getters_new_device) {
        struct device *d = device_new("dax0.0");

        ck_assert_ptr_nonnull(d);
        /* Not examined yet: no facts, so nothing is made up. */
        ck_assert_str_eq(get(d, "Name").s, "dax0.0");
        ck_assert_str_eq(get(d, "Source").s, "unknown");
        ck_assert_str_eq(get(d, "Mode").s, "unknown");
        ck_assert_int_eq(get(d, "TargetNode").i, -1);
        ck_assert_str_eq(get(d, "LastError").s, "");
        ck_assert_str_eq(get(d, "Rule").s, "");
        ck_assert_str_eq(get(d, "State").s, dev_state_to_string(d->state));
        ck_assert_int_eq(get(d, "MemmapOnMemory").b, 0);
        device_free(d);
}
END_TEST

START_TEST(test_getters_cxl) {
        struct device *d = device_new("dax4.0");

        ck_assert_ptr_nonnull(d);
        ck_assert_int_eq(get(d, "CxlRegion").i, -1);
        ck_assert_str_eq(get(d, "CxlMemdevs").s, "");
        d->facts_valid = true;
        d->facts.source = DT_SOURCE_CXL;
        d->facts.region = 4;
        d->facts.n_cxl_memdevs = 2;
        d->facts.cxl_memdevs[0] = (struct cxl_memdev_id) { "mem0", 0xa1 };
        d->facts.cxl_memdevs[1] = (struct cxl_memdev_id) { "mem2", 0 };
        dax_facts_cxl_memdevs(&d->facts, d->cxl_memdevs, sizeof(d->cxl_memdevs));
        ck_assert_int_eq(get(d, "CxlRegion").i, 4);
        /* memN/serial prints 0 as "0", without 0x. */
        ck_assert_str_eq(get(d, "CxlMemdevs").s, "mem0=0xa1,mem2=0");
        /* An nd region number is not a CXL region. */
        d->facts.source = DT_SOURCE_PMEM;
        ck_assert_int_eq(get(d, "CxlRegion").i, -1);
        device_free(d);
}
END_TEST

START_TEST(test_getters_values) {
        struct device *d = device_new("dax1.0");

        ck_assert_ptr_nonnull(d);
        d->facts_valid = true;
        d->facts.source = DT_SOURCE_PMEM;
        d->facts.driver = DRV_KMEM;
        d->facts.size = UINT64_C(16) << 30;
        d->facts.target_node = 3;
        d->facts.memmap_on_memory = 1;
        d->state = DEV_ONLINE;
        snprintf(d->want.rule, sizeof(d->want.rule), "optane");
        snprintf(d->zone, sizeof(d->zone), "Movable");
        d->online_blocks = 120;
        d->total_blocks = 128;
        d->badblocks = 2;
        d->cleared_bytes = 4096;
        d->skipped_blocks = 8;
        d->last_scrub_usec = 1700000000000000;
        d->last_transition_usec = UINT64_MAX;
        d->scrub_outcome = SCRUB_DONE;
        snprintf(d->security, sizeof(d->security), "unlocked");
        d->last_error = strdup("in use by pid 42 (sleep)");

        ck_assert_str_eq(get(d, "Source").s, "pmem");
        ck_assert_str_eq(get(d, "Mode").s, "system-ram");
        ck_assert_str_eq(get(d, "State").s, "online");
        ck_assert_str_eq(get(d, "Rule").s, "optane");
        /* The kernel says Movable; the bus says the policy's word. */
        ck_assert_str_eq(get(d, "Zone").s, "movable");
        ck_assert_str_eq(bus_zone_word("Normal"), "normal");
        ck_assert_str_eq(bus_zone_word("mixed"), "mixed");
        ck_assert_str_eq(bus_zone_word(""), "");
        ck_assert_uint_eq(get(d, "Size").t, UINT64_C(16) << 30);
        ck_assert_int_eq(get(d, "TargetNode").i, 3);
        ck_assert_uint_eq(get(d, "OnlineBlocks").u, 120);
        ck_assert_uint_eq(get(d, "TotalBlocks").u, 128);
        ck_assert_int_eq(get(d, "MemmapOnMemory").b, 1);
        ck_assert_uint_eq(get(d, "BadBlocks").u, 2);
        ck_assert_uint_eq(get(d, "ClearedBytes").t, 4096);
        ck_assert_uint_eq(get(d, "SkippedBlocks").u, 8);
        ck_assert_uint_eq(get(d, "LastScrub").t, 1700000000000000);
        ck_assert_uint_eq(get(d, "LastTransition").t, UINT64_MAX);
        ck_assert_str_eq(get(d, "ScrubOutcome").s, scrub_outcome_to_string(SCRUB_DONE));
        ck_assert_str_eq(get(d, "Security").s, "unlocked");
        ck_assert_str_eq(get(d, "LastError").s, "in use by pid 42 (sleep)");

        d->facts.driver = DRV_DEVICE_DAX;
        ck_assert_str_eq(get(d, "Mode").s, "devdax");
        d->facts.driver = DRV_NONE;
        ck_assert_str_eq(get(d, "Mode").s, "disabled");
        /* memmap_on_memory -1: the kernel has no such attribute. */
        d->facts.memmap_on_memory = -1;
        ck_assert_int_eq(get(d, "MemmapOnMemory").b, 0);
        device_free(d);
}
END_TEST

/* ---- names and paths ----------------------------------------------------- */

START_TEST(test_name_check) {
        char name[DAXTIER_BUS_NAME_MAX + 2];
        char *huge;

        ck_assert_int_eq(bus_device_name_check("dax0.0"), 0);
        ck_assert_int_eq(bus_device_name_check("dax123.45"), 0);
        ck_assert_int_eq(bus_device_name_check(""), -EINVAL);
        ck_assert_int_eq(bus_device_name_check(NULL), -EINVAL);
        /* Characters that would not map onto an object path and back. */
        ck_assert_int_eq(bus_device_name_check("dax0_0"), -EINVAL);
        ck_assert_int_eq(bus_device_name_check("dax-0"), -EINVAL);
        ck_assert_int_eq(bus_device_name_check("dax0/0"), -EINVAL);
        ck_assert_int_eq(bus_device_name_check("../dax0.0"), -EINVAL);
        ck_assert_int_eq(bus_device_name_check("dax0.0\n"), -EINVAL);
        ck_assert_int_eq(bus_device_name_check("dax 0.0"), -EINVAL);
        ck_assert_int_eq(bus_device_name_check("dax\xc3\xa40"), -EINVAL);

        /* 63 characters pass, 64 do not. */
        memset(name, 'a', sizeof(name));
        name[DAXTIER_BUS_NAME_MAX] = '\0';
        ck_assert_int_eq(bus_device_name_check(name), 0);
        name[DAXTIER_BUS_NAME_MAX] = 'a';
        name[DAXTIER_BUS_NAME_MAX + 1] = '\0';
        ck_assert_int_eq(bus_device_name_check(name), -ENAMETOOLONG);

        /* 64 KiB: refused as too long, even with a bad byte at the end. */
        huge = malloc(65537);
        ck_assert_ptr_nonnull(huge);
        memset(huge, 'x', 65536);
        huge[65536] = '\0';
        ck_assert_int_eq(bus_device_name_check(huge), -ENAMETOOLONG);
        huge[65535] = '/';
        ck_assert_int_eq(bus_device_name_check(huge), -ENAMETOOLONG);
        free(huge);
}
END_TEST

START_TEST(test_paths) {
        char p[PATH_MAX], n[DAXTIER_BUS_NAME_MAX + 1], small[16];

        ck_assert_int_eq(bus_device_path("dax0.0", p, sizeof(p)), 0);
        ck_assert_str_eq(p, "/org/daxtier/Daxtierd1/device/dax0_0");
        ck_assert_int_eq(bus_device_name_from_path(p, n, sizeof(n)), 0);
        ck_assert_str_eq(n, "dax0.0");
        ck_assert_int_eq(bus_device_path("dax12.3", p, sizeof(p)), 0);
        ck_assert_str_eq(p, DAXTIER_BUS_DEVICE_PREFIX "/dax12_3");

        ck_assert_int_eq(bus_device_path("dax0.0", small, sizeof(small)), -ENAMETOOLONG);
        ck_assert_int_eq(bus_device_path("dax0/0", p, sizeof(p)), -EINVAL);
        ck_assert_int_eq(bus_device_path("", p, sizeof(p)), -EINVAL);

        /* Paths that are not a device of ours. */
        ck_assert_int_eq(bus_device_name_from_path("/org/daxtier/Daxtierd1", n, sizeof(n)), -EINVAL);
        ck_assert_int_eq(bus_device_name_from_path(DAXTIER_BUS_DEVICE_PREFIX "/", n, sizeof(n)), -EINVAL);
        ck_assert_int_eq(bus_device_name_from_path(DAXTIER_BUS_DEVICE_PREFIX "x/dax0_0", n, sizeof(n)), -EINVAL);
        ck_assert_int_eq(bus_device_name_from_path(DAXTIER_BUS_DEVICE_PREFIX "/dax0_0/sub", n, sizeof(n)),
                         -EINVAL);
        ck_assert_int_eq(bus_device_name_from_path(NULL, n, sizeof(n)), -EINVAL);
        ck_assert_int_eq(bus_device_name_from_path(DAXTIER_BUS_DEVICE_PREFIX
                                                   "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                                   n, sizeof(n)),
                         -ENAMETOOLONG);
}
END_TEST

START_TEST(test_quote) {
        char q[16];
        char *huge;

        ck_assert_str_eq(bus_quote_name("dax0.0", q, sizeof(q)), "dax0.0");
        ck_assert_str_eq(bus_quote_name("a\nb\x1b[0m", q, sizeof(q)), "a?b?[0m");
        ck_assert_str_eq(bus_quote_name(NULL, q, sizeof(q)), "");
        /* Exactly 15 fits; 16 is cut with "...", within the buffer. */
        ck_assert_str_eq(bus_quote_name("abcdefghijklmno", q, sizeof(q)), "abcdefghijklmno");
        ck_assert_str_eq(bus_quote_name("abcdefghijklmnop", q, sizeof(q)), "abcdefghijkl...");

        huge = malloc(65537);
        ck_assert_ptr_nonnull(huge);
        memset(huge, 'y', 65536);
        huge[65536] = '\0';
        bus_quote_name(huge, q, sizeof(q));
        ck_assert_uint_eq(strlen(q), sizeof(q) - 1);
        ck_assert_str_eq(q + strlen(q) - 3, "...");
        free(huge);
}
END_TEST

static Suite *bus_suite(void) {
        Suite *s = suite_create("bus");
        TCase *tc;

        tc = tcase_create("contract");
        tcase_add_test(tc, test_table);
        tcase_add_test(tc, test_changed_list);
        suite_add_tcase(s, tc);

        tc = tcase_create("getters");
        tcase_add_test(tc, test_getters_new_device);
        tcase_add_test(tc, test_getters_values);
        tcase_add_test(tc, test_getters_cxl);
        suite_add_tcase(s, tc);

        tc = tcase_create("names");
        tcase_add_test(tc, test_name_check);
        tcase_add_test(tc, test_paths);
        tcase_add_test(tc, test_quote);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(bus_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);

        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
