/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-cxl-sysfs: unit tests for cxl-sysfs.c against a fake sysfs tree
 * shaped like the one kernel 6.12 showed a QEMU 10 guest with
 * "# vm-cxl: 512M:0xa1,512M:0xa2 512M:0xb1" (tests/vm/scenarios/
 * cxl-facts.vm): host bridge 12 (pci0000:0c) with mem1 and mem2, host
 * bridge 28 (pci0000:1c) with mem0, one 1-way window each.
 */

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cxl-facts.h"
#include "cxl-poison.h"
#include "cxl-sysfs.h"
#include "sysfs.h"

#define MiB (UINT64_C(1) << 20)

static char root[256];

static void mkdirs(const char *path) {
        char p[PATH_MAX];

        snprintf(p, sizeof(p), "%s", path);
        for (char *s = p + 1; *s; s++)
                if (*s == '/') {
                        *s = '\0';
                        mkdir(p, 0755);
                        *s = '/';
                }
        mkdir(p, 0755);
}

/* put("/sys/x/y", "v"): a file under the fake root, directories made. */
static void put(const char *path, const char *value) {
        char p[PATH_MAX], d[PATH_MAX];
        FILE *f;

        snprintf(p, sizeof(p), "%s%s", root, path);
        snprintf(d, sizeof(d), "%s", p);
        *strrchr(d, '/') = '\0';
        mkdirs(d);
        f = fopen(p, "w");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "%s\n", value);
        fclose(f);
}

/* link_to("/sys/a", "/sys/b"): /sys/a is a link to /sys/b (absolute in the fake root). */
static void link_to(const char *path, const char *target) {
        char p[PATH_MAX], t[PATH_MAX], d[PATH_MAX];

        snprintf(p, sizeof(p), "%s%s", root, path);
        snprintf(t, sizeof(t), "%s%s", root, target);
        snprintf(d, sizeof(d), "%s", p);
        *strrchr(d, '/') = '\0';
        mkdirs(d);
        ck_assert_int_eq(symlink(t, p), 0);
}

static char *get(const char *path) {
        static char buf[256];
        char p[PATH_MAX];
        FILE *f;

        snprintf(p, sizeof(p), "%s%s", root, path);
        f = fopen(p, "r");
        if (!f)
                return NULL;
        if (!fgets(buf, sizeof(buf), f))
                buf[0] = '\0';
        fclose(f);
        buf[strcspn(buf, "\n")] = '\0';
        return buf;
}

#define ACPI "/sys/devices/platform/ACPI0017:00/root0"
#define BUS "/sys/bus/cxl/devices"

static void endpoint_decoders(const char *ep_dir, int id, int n) {
        for (int i = 0; i < n; i++) {
                char d[1024], b[2048], name[32];

                snprintf(name, sizeof(name), "decoder%d.%d", id, i);
                if (snprintf(d, sizeof(d), "%s/%s", ep_dir, name) >= (int) sizeof(d))
                        ck_abort_msg("path too long");
                snprintf(b, sizeof(b), "%s/mode", d);
                put(b, "none");
                snprintf(b, sizeof(b), "%s/dpa_size", d);
                put(b, "0x0000000000000000");
                snprintf(b, sizeof(b), "%s/dpa_resource", d);
                put(b, "0xffffffffffffffff");
                snprintf(b, sizeof(b), BUS "/%s", name);
                link_to(b, d);
        }
}

static void memdev(const char *name, const char *pci, const char *serial, const char *port, int ep) {
        char d[1024], b[2048], e[1024];

        snprintf(d, sizeof(d), "/sys/devices/%s/%s", pci, name);
        snprintf(b, sizeof(b), "%s/serial", d);
        put(b, serial);
        snprintf(b, sizeof(b), "%s/ram/size", d);
        put(b, "0x20000000");
        snprintf(b, sizeof(b), "%s/trigger_poison_list", d);
        put(b, "");
        snprintf(b, sizeof(b), BUS "/%s", name);
        link_to(b, d);
        snprintf(e, sizeof(e), ACPI "/%s/endpoint%d", port, ep);
        snprintf(b, sizeof(b), "%s/uport", e);
        link_to(b, d);
        snprintf(b, sizeof(b), BUS "/endpoint%d", ep);
        link_to(b, e);
        endpoint_decoders(e, ep, 4);
}

static void root_decoder(const char *name, const char *size, const char *start, const char *targets) {
        char d[1024], b[2048];

        snprintf(d, sizeof(d), ACPI "/%s", name);
#define A(attr, v) do { snprintf(b, sizeof(b), "%s/" attr, d); put(b, v); } while (0)
        A("cap_ram", "1");
        A("cap_pmem", "1");
        A("size", size);
        A("start", start);
        A("interleave_ways", "1");
        A("interleave_granularity", "256");
        A("target_list", targets);
        A("create_ram_region", "region0");
        A("delete_region", "");
#undef A
        snprintf(b, sizeof(b), BUS "/%s", name);
        link_to(b, d);
}

static void setup(void) {
        snprintf(root, sizeof(root), "/tmp/test-cxl-sysfs.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(root));
        put("/sys/devices/pci0000:1c/uevent", "");
        put("/sys/devices/pci0000:0c/uevent", "");
        link_to(ACPI "/dport12", "/sys/devices/pci0000:0c");
        link_to(ACPI "/dport28", "/sys/devices/pci0000:1c");
        link_to(BUS "/root0", ACPI);
        link_to(ACPI "/port2/uport", "/sys/devices/pci0000:0c");
        link_to(ACPI "/port1/uport", "/sys/devices/pci0000:1c");
        link_to(BUS "/port1", ACPI "/port1");
        link_to(BUS "/port2", ACPI "/port2");
        root_decoder("decoder0.0", "0x40000000", "0x210000000", "12");
        root_decoder("decoder0.1", "0x20000000", "0x250000000", "28");
        memdev("mem0", "pci0000:1c/0000:1c:00.0/0000:1d:00.0", "0xb1", "port1", 3);
        memdev("mem1", "pci0000:0c/0000:0c:00.0/0000:0d:00.0", "0xa1", "port2", 4);
        memdev("mem2", "pci0000:0c/0000:0c:01.0/0000:0e:00.0", "0xa2", "port2", 5);
        put("/sys/bus/cxl/drivers/cxl_region/bind", "");
        sysfs_set_root(root);
}

/* The kernel's region0 as create_ram_region makes it (empty attributes). */
static void region0_appears(void) {
        static const char *attrs[] = { "interleave_granularity", "interleave_ways", "size", "target0",
                                       "target1", "commit", "mode", "resource" };
        char b[PATH_MAX];

        for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
                snprintf(b, sizeof(b), ACPI "/decoder0.0/region0/%s", attrs[i]);
                put(b, "");
        }
        link_to(BUS "/region0", ACPI "/decoder0.0/region0");
}

static void teardown(void) {
        char cmd[PATH_MAX + 16];

        sysfs_set_root("");
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_scan) {
        struct cxl_sysfs c;
        int m;

        ck_assert_int_eq(cxl_sysfs_scan(&c), 0);
        ck_assert_uint_eq(c.n_roots, 2);
        ck_assert_str_eq(c.roots[0].name, "decoder0.0");
        ck_assert_uint_eq(c.roots[0].size, 1024 * MiB);
        ck_assert_uint_eq(c.roots[0].free, 1024 * MiB);
        ck_assert_uint_eq(c.roots[0].ways, 1);
        ck_assert_uint_eq(c.roots[0].granularity, 256);
        ck_assert(c.roots[0].cap_ram);
        ck_assert_uint_eq(c.roots[0].n_targets, 1);
        ck_assert_int_eq(c.roots[0].targets[0], 12);
        ck_assert_int_eq(c.roots[1].targets[0], 28);

        ck_assert_uint_eq(c.n_memdevs, 3);
        m = cxl_sysfs_memdev_index(&c, "mem1");
        ck_assert_int_eq(m, 1);
        ck_assert_uint_eq(c.memdevs[m].serial, 0xa1);
        ck_assert_int_eq(c.memdevs[m].host_bridge, 12);
        ck_assert_str_eq(c.memdevs[m].root_port, "0000:0c:00.0");
        ck_assert_uint_eq(c.memdevs[m].ram_size, 512 * MiB);
        ck_assert_uint_eq(c.memdevs[m].ram_used, 0);
        ck_assert(c.memdevs[m].free_decoder);
        ck_assert_str_eq(c.endpoint[m], "endpoint4");
        ck_assert_str_eq(c.next_decoder[m], "decoder4.0");
        ck_assert_int_eq(c.memdevs[0].host_bridge, 28);
        ck_assert_str_eq(c.memdevs[2].root_port, "0000:0c:01.0");
        ck_assert_uint_eq(c.n_regions, 0);
        cxl_sysfs_free(&c);
}
END_TEST

START_TEST(test_plan_and_create) {
        struct cxl_sysfs c;
        struct cxl_topology t;
        struct cxl_plan p;
        struct dt_amount a = { .kind = DT_AMOUNT_SIZE, .size = 512 * MiB };
        char name[CXL_NAME_MAX];
        const char *step = "x";

        ck_assert_int_eq(cxl_sysfs_scan(&c), 0);
        cxl_sysfs_topology(&c, 128 * MiB, &t);
        /* the serials of bridge 12's two devices */
        ck_assert_int_eq(cxl_plan_regions(&a, "0xa[12]", "fast", &t, &p), 0);
        ck_assert_int_eq(p.verdict, CXL_PLAN_CREATE);
        ck_assert_uint_eq(p.regions[0].root, 0);
        ck_assert_uint_eq(p.regions[0].ways, 2);
        ck_assert_uint_eq(p.regions[0].per_device, 256 * MiB);

        region0_appears();
        ck_assert_int_eq(cxl_sysfs_create_ram_region(&c, &p.regions[0], name, sizeof(name), &step), 0);
        ck_assert_ptr_null(step);
        ck_assert_str_eq(name, "region0");
        /* what was written, where */
        ck_assert_str_eq(get(ACPI "/decoder0.0/create_ram_region"), "region0");
        ck_assert_str_eq(get(BUS "/region0/interleave_granularity"), "256");
        ck_assert_str_eq(get(BUS "/region0/interleave_ways"), "2");
        ck_assert_str_eq(get(BUS "/region0/size"), "536870912");
        ck_assert_str_eq(get(BUS "/region0/target0"), "decoder4.0");
        ck_assert_str_eq(get(BUS "/region0/target1"), "decoder5.0");
        ck_assert_str_eq(get(BUS "/region0/commit"), "1");
        ck_assert_str_eq(get(BUS "/decoder4.0/mode"), "ram");
        ck_assert_str_eq(get(BUS "/decoder4.0/dpa_size"), "268435456");
        ck_assert_str_eq(get(BUS "/decoder5.0/dpa_size"), "268435456");
        ck_assert_str_eq(get("/sys/bus/cxl/drivers/cxl_region/bind"), "region0");
        cxl_sysfs_free(&c);

        /* The region as the kernel then shows it, and a dax device in it. */
        put(BUS "/region0/resource", "0x210000000");
        put(BUS "/region0/mode", "ram");
        put(BUS "/region0/size", "0x20000000");
        put(ACPI "/decoder0.0/region0/dax_region0/dax0.0/size", "536870912");
        link_to("/sys/bus/dax/devices/dax0.0", ACPI "/decoder0.0/region0/dax_region0/dax0.0");
        ck_assert_int_eq(cxl_sysfs_scan(&c), 0);
        ck_assert_uint_eq(c.n_regions, 1);
        ck_assert_str_eq(c.regions[0].root, "decoder0.0");
        ck_assert_str_eq(c.regions[0].mode, "ram");
        ck_assert_uint_eq(c.regions[0].resource, 0x210000000);
        ck_assert_uint_eq(c.regions[0].ways, 2);
        ck_assert(c.regions[0].committed);
        ck_assert_str_eq(c.regions[0].memdevs[0], "mem1");
        ck_assert_str_eq(c.regions[0].memdevs[1], "mem2");
        /* the window has 512 MiB left; each device 256 MiB and decoder .1 next */
        ck_assert_uint_eq(c.roots[0].free, 512 * MiB);
        ck_assert_uint_eq(c.memdevs[1].ram_used, 256 * MiB);
        ck_assert_str_eq(c.next_decoder[1], "decoder4.1");
        ck_assert_int_eq(cxl_sysfs_dax_region("dax0.0", name, sizeof(name)), 0);
        ck_assert_str_eq(name, "region0");
        cxl_sysfs_free(&c);

        /* The device's facts (kernel.c): the memdevs behind region0 and their serials. */
        {
                struct dax_facts f = { .source = DT_SOURCE_CXL, .region = 0 };
                char text[128];

                ck_assert_int_eq(cxl_facts_read(&f), 0);
                ck_assert_uint_eq(f.n_cxl_memdevs, 2);
                ck_assert_str_eq(f.cxl_memdevs[0].name, "mem1");
                ck_assert_uint_eq(f.cxl_memdevs[0].serial, 0xa1);
                ck_assert_str_eq(f.cxl_memdevs[1].name, "mem2");
                ck_assert_uint_eq(f.cxl_memdevs[1].serial, 0xa2);
                ck_assert_str_eq(dax_facts_cxl_memdevs(&f, text, sizeof(text)), "mem1=0xa1,mem2=0xa2");
                /* an nd region of the same number is not a CXL region */
                f.source = DT_SOURCE_PMEM;
                ck_assert_int_eq(cxl_facts_read(&f), 0);
                ck_assert_uint_eq(f.n_cxl_memdevs, 0);
                f.source = DT_SOURCE_CXL;
                f.region = 7;
                ck_assert_int_eq(cxl_facts_read(&f), -ENOENT);
                ck_assert_uint_eq(f.n_cxl_memdevs, 0);
        }
}
END_TEST

static int intent_seen(const char *region, void *userdata) {
        char *seen = userdata;

        /* nothing is made yet when the name is recorded */
        snprintf(seen, CXL_NAME_MAX, "%s", region);
        ck_assert_str_eq(get(BUS "/decoder4.0/dpa_size"), "0x0000000000000000");
        return strcmp(region, "region0") == 0 ? 0 : -EIO;
}

static int intent_fails(const char *region, void *userdata) {
        (void) region;
        (void) userdata;
        return -ENOSPC;
}

/* The region pass records the name before the region exists; if it cannot, nothing is made. */
START_TEST(test_create_intent) {
        struct cxl_sysfs c;
        struct cxl_topology t;
        struct cxl_plan p;
        struct dt_amount a = { .kind = DT_AMOUNT_SIZE, .size = 512 * MiB };
        char name[CXL_NAME_MAX] = "", seen[CXL_NAME_MAX] = "";
        const char *step = NULL;

        ck_assert_int_eq(cxl_sysfs_scan(&c), 0);
        cxl_sysfs_topology(&c, 128 * MiB, &t);
        ck_assert_int_eq(cxl_plan_regions(&a, "0xa[12]", "fast", &t, &p), 0);
        region0_appears();
        ck_assert_int_eq(cxl_sysfs_create_ram_region_intent(&c, &p.regions[0], intent_fails, NULL, name, sizeof(name),
                                                            &step),
                         -ENOSPC);
        ck_assert_str_eq(step, "recording the region before creating it");
        ck_assert_str_eq(name, "");
        /* not even the region's name was written back */
        ck_assert_str_eq(get(ACPI "/decoder0.0/create_ram_region"), "region0");
        ck_assert_str_eq(get(BUS "/decoder4.0/mode"), "none");
        ck_assert_str_eq(get(BUS "/region0/commit"), "");

        ck_assert_int_eq(cxl_sysfs_create_ram_region_intent(&c, &p.regions[0], intent_seen, seen, name, sizeof(name),
                                                            &step),
                         0);
        ck_assert_str_eq(seen, "region0");
        ck_assert_str_eq(name, "region0");
        ck_assert_str_eq(get(BUS "/region0/commit"), "1");
        cxl_sysfs_free(&c);
}
END_TEST

START_TEST(test_create_failure_undoes) {
        struct cxl_sysfs c;
        struct cxl_topology t;
        struct cxl_plan p;
        struct dt_amount a = { .kind = DT_AMOUNT_FREE };
        char name[CXL_NAME_MAX], b[PATH_MAX + 128];
        const char *step = NULL;

        ck_assert_int_eq(cxl_sysfs_scan(&c), 0);
        cxl_sysfs_topology(&c, 128 * MiB, &t);
        ck_assert_int_eq(cxl_plan_regions(&a, "0xa*", "fast", &t, &p), 0);
        ck_assert_int_eq(p.verdict, CXL_PLAN_CREATE);
        region0_appears();
        /* the kernel refuses the commit (here: no such attribute) */
        snprintf(b, sizeof(b), "%s" ACPI "/decoder0.0/region0/commit", root);
        ck_assert_int_eq(unlink(b), 0);
        ck_assert_int_eq(cxl_sysfs_create_ram_region(&c, &p.regions[0], name, sizeof(name), &step), -ENOENT);
        ck_assert_str_eq(step, "committing");
        ck_assert_str_eq(get(ACPI "/decoder0.0/delete_region"), "region0");
        ck_assert_str_eq(get(BUS "/decoder4.0/dpa_size"), "0");
        ck_assert_str_eq(get(BUS "/decoder4.0/mode"), "none");
        ck_assert_str_eq(get(BUS "/decoder5.0/dpa_size"), "0");
        cxl_sysfs_free(&c);
}
END_TEST

START_TEST(test_no_cxl_bus) {
        struct cxl_sysfs c;

        sysfs_set_root("/nonexistent-cxl-root");
        ck_assert_int_eq(cxl_sysfs_scan(&c), 0);
        ck_assert_uint_eq(c.n_memdevs, 0);
        ck_assert_uint_eq(c.n_roots, 0);
        cxl_sysfs_free(&c);
}
END_TEST

START_TEST(test_poison_line) {
        /* as kernel 6.12 printed them after QMP cxl-inject-poison */
        const char *mapped = "  runner-231 [001] ..... 55.1: cxl_poison: memdev=mem1 host=0000:0d:00.0 serial=161 "
                             "trace_type=List region=region0 region_uuid=00000000-0000-0000-0000-000000000000 "
                             "hpa=0x210004000 dpa=0x2000 dpa_length=0x40 source=Internal flags= overflow_time=0";
        const char *unmapped = "cxl_poison: memdev=mem0 host=0000:1d:00.0 serial=177 trace_type=List region= "
                               "region_uuid=00000000-0000-0000-0000-000000000000 hpa=0xffffffffffffffff dpa=0x1000 "
                               "dpa_length=0x40 source=Internal flags= overflow_time=0";
        struct cxl_poison p;

        ck_assert_int_eq(cxl_poison_parse_line(mapped, "mem1", &p), 1);
        ck_assert_uint_eq(p.dpa, 0x2000);
        ck_assert_uint_eq(p.length, 64);
        ck_assert_uint_eq(p.hpa, 0x210004000);
        ck_assert_str_eq(p.region, "region0");
        ck_assert_str_eq(p.source, "Internal");
        ck_assert_int_eq(cxl_poison_parse_line(mapped, "mem0", &p), 0);
        ck_assert_int_eq(cxl_poison_parse_line(unmapped, NULL, &p), 1);
        ck_assert_uint_eq(p.dpa, 0x1000);
        ck_assert_uint_eq(p.hpa, UINT64_MAX);
        ck_assert_str_eq(p.region, "");
        ck_assert_int_eq(cxl_poison_parse_line("# tracer: nop", NULL, &p), 0);
        ck_assert_int_eq(cxl_poison_parse_line("cxl_poison: memdev=mem0 hpa=0x1", NULL, &p), -EINVAL);
}
END_TEST

START_TEST(test_media_event_parse) {
        const char *gm = "  irq/35-cxl_pci-211 [001] ..... 61.204: cxl_general_media: memdev=mem1 "
                         "host=0000:0d:00.0 serial=210 log=Failure : time=0 uuid=fbcd0a77-c260-417f-85a9-088b1621eba6 "
                         "len=128 flags='' handle=1 related_handle=0 maint_op_class=0 : dpa=0x12c00000 "
                         "dpa_flags='' descriptor='UNCORRECTABLE_EVENT' type='ECC Error'";
        const char *dram = "kworker/0:1-40 [000] ..... 70.1: cxl_dram: memdev=mem0 host=0000:0d:00.0 serial=1 log=Fatal";
        char m[16];

        ck_assert_int_eq(cxl_media_event_parse_line(gm, m, sizeof(m)), 1);
        ck_assert_str_eq(m, "mem1");
        ck_assert_int_eq(cxl_media_event_parse_line(dram, m, sizeof(m)), 1);
        ck_assert_str_eq(m, "mem0");
        /* Other events, and a media event without a memdev, are not ours. */
        ck_assert_int_eq(cxl_media_event_parse_line("x [000] 1.0: cxl_poison: memdev=mem0 dpa=0x0", m, sizeof(m)), 0);
        ck_assert_int_eq(cxl_media_event_parse_line("x [000] 1.0: cxl_general_media: host=0000:0d:00.0", m, sizeof(m)), 0);
        ck_assert_int_eq(cxl_media_event_parse_line("x [000] 1.0: cxl_general_media: memdev= host=a", m, sizeof(m)), 0);
        ck_assert_int_eq(cxl_media_event_parse_line("", m, sizeof(m)), 0);
}
END_TEST

START_TEST(test_poison_list_unsupported) {
        struct cxl_poison p[4];

        /* no trigger_poison_list: an older kernel */
        ck_assert_int_eq(cxl_sysfs_poison_list("mem9", p, 4), -EOPNOTSUPP);
        /* the attribute, but no cxl_poison event in tracefs */
        ck_assert_int_eq(cxl_sysfs_poison_list("mem1", p, 4), -EOPNOTSUPP);
}
END_TEST

static Suite *cxl_sysfs_suite(void) {
        Suite *s = suite_create("cxl-sysfs");
        TCase *tc = tcase_create("fake-tree");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_scan);
        tcase_add_test(tc, test_plan_and_create);
        tcase_add_test(tc, test_create_failure_undoes);
        tcase_add_test(tc, test_create_intent);
        tcase_add_test(tc, test_no_cxl_bus);
        tcase_add_test(tc, test_poison_line);
        tcase_add_test(tc, test_poison_list_unsupported);
        tcase_add_test(tc, test_media_event_parse);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(cxl_sysfs_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? 0 : 1;
}
