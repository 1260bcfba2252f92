/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-kernel: the real backend (kernel.c) against a fake sysfs tree.
 * Every sysfs access of kernel.c goes through sysfs.c under a settable
 * root (daxtierd --sysfs-root); these tests build a small tree of files
 * and links in a temporary directory, point the root at it, and check
 * the facts kernel.c reads from it: the source and region from the
 * device's place in the tree, the ids of its namespace, its driver, its
 * ranges, and the memory blocks.
 */

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kernel.h"
#include "sysfs.h"
#include "util.h"

static char root[PATH_MAX];

static void mkdirs(const char *rel) {
        char p[PATH_MAX * 2];

        snprintf(p, sizeof(p), "%s%s", root, rel);
        for (char *s = p + strlen(root) + 1; *s; s++)
                if (*s == '/') {
                        *s = 0;
                        ck_assert_msg(mkdir(p, 0755) == 0 || errno == EEXIST, "mkdir %s: %m", p);
                        *s = '/';
                }
        ck_assert_msg(mkdir(p, 0755) == 0 || errno == EEXIST, "mkdir %s: %m", p);
}

/* Writes root + rel (and its directories) with content and a newline. */
static void put(const char *rel, const char *content) {
        char p[PATH_MAX * 2], dir[PATH_MAX];
        FILE *f;

        snprintf(dir, sizeof(dir), "%s", rel);
        *strrchr(dir, '/') = 0;
        mkdirs(dir);
        snprintf(p, sizeof(p), "%s%s", root, rel);
        f = fopen(p, "w");
        ck_assert_msg(f != NULL, "%s: %m", p);
        fprintf(f, "%s\n", content);
        fclose(f);
}

/* A link at root + rel to root + target. */
static void link_to(const char *rel, const char *target) {
        char p[PATH_MAX * 2], t[PATH_MAX * 2], dir[PATH_MAX];

        snprintf(dir, sizeof(dir), "%s", rel);
        *strrchr(dir, '/') = 0;
        mkdirs(dir);
        snprintf(p, sizeof(p), "%s%s", root, rel);
        snprintf(t, sizeof(t), "%s%s", root, target);
        ck_assert_msg(symlink(t, p) == 0, "symlink %s: %m", p);
}

#define ND_REGION "/sys/devices/platform/ACPI0012:00/ndbus0/region1"
#define PMEM_DEV ND_REGION "/dax1.0/dax1.0"
#define HMEM_DEV "/sys/devices/platform/hmem.0/dax0.0"

/* dax1.0: pmem in region1 of ndbus0, 2 GiB at 0x240000000, on device_dax;
 * dax0.0: hmem, two ranges, on kmem; memory blocks 72..79 of dax1.0. */
static void tree(void) {
        put("/sys/bus/dax/drivers/device_dax/new_id", "");
        put("/sys/bus/dax/drivers/kmem/new_id", "");

        put(ND_REGION "/resource", "0x240000000");
        link_to("/sys/bus/nd/devices/region1", ND_REGION);
        put(ND_REGION "/namespace1.0/uuid", "1f1e2a3b-0000-4000-8000-00000000abcd");
        put(ND_REGION "/namespace1.0/alt_name", "fast-tier");
        put(ND_REGION "/dax1.0/uuid", "9e8d7c6b-0000-4000-8000-00000000dcba");
        put(ND_REGION "/dax1.0/namespace", "namespace1.0");
        put(PMEM_DEV "/size", "2147483648");
        put(PMEM_DEV "/target_node", "1");
        put(PMEM_DEV "/numa_node", "0");
        put(PMEM_DEV "/resource", "0x240200000");
        put(PMEM_DEV "/dev", "252:3");
        put(PMEM_DEV "/memmap_on_memory", "0");
        link_to(PMEM_DEV "/driver", "/sys/bus/dax/drivers/device_dax");
        link_to("/sys/bus/dax/devices/dax1.0", PMEM_DEV);

        put(HMEM_DEV "/size", "805306368");
        put(HMEM_DEV "/target_node", "2");
        put(HMEM_DEV "/numa_node", "2");
        put(HMEM_DEV "/mapping0/start", "0x140000000");
        put(HMEM_DEV "/mapping0/end", "0x14fffffff");
        put(HMEM_DEV "/mapping1/start", "0x160000000");
        put(HMEM_DEV "/mapping1/end", "0x17fffffff");
        link_to(HMEM_DEV "/driver", "/sys/bus/dax/drivers/kmem");
        link_to("/sys/bus/dax/devices/dax0.0", HMEM_DEV);
        /* Not a device: the bus lists only daxX.Y. */
        mkdirs("/sys/bus/dax/devices/dax_region9");

        put("/sys/devices/system/memory/block_size_bytes", "8000000");
        put("/sys/devices/system/memory/auto_online_blocks", "online");
        put("/sys/devices/system/memory/memory72/state", "online");
        put("/sys/devices/system/memory/memory72/valid_zones", "Movable");
        put("/sys/devices/system/memory/memory73/state", "offline");
        put("/sys/devices/system/memory/memory74/state", "going-offline");
        put("/sys/devices/system/memory/memory75/state", "online");
        put("/sys/devices/system/memory/memory75/valid_zones", "Normal Movable");
}

static void setup(void) {
        char tmpl[] = "/tmp/test-kernel-XXXXXX";

        ck_assert_ptr_nonnull(mkdtemp(tmpl));
        /* The root as sysfs_resolve() sees it: no link in the way. */
        ck_assert_ptr_nonnull(realpath(tmpl, root));
        tree();
        sysfs_set_root(root);
}

static void teardown(void) {
        char cmd[PATH_MAX + 16];

        sysfs_set_root("");
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_source_from_path) {
        int region = 99;

        ck_assert_int_eq(kernel_source_from_path("/devices/platform/ACPI0012:00/ndbus0/region1/dax1.0/dax1.0", &region),
                         DT_SOURCE_PMEM);
        ck_assert_int_eq(region, 1);
        ck_assert_int_eq(kernel_source_from_path("/devices/platform/ACPI0017:00/root0/decoder0.0/region4/dax_region4/dax4.0",
                                                 &region),
                         DT_SOURCE_CXL);
        ck_assert_int_eq(region, 4);
        ck_assert_int_eq(kernel_source_from_path("/devices/cxl/dax_region3/dax3.0", &region), DT_SOURCE_CXL);
        ck_assert_int_eq(region, -1);
        ck_assert_int_eq(kernel_source_from_path("/devices/platform/hmem.0/dax0.0", &region), DT_SOURCE_HMEM);
        ck_assert_int_eq(region, 0);
        ck_assert_int_eq(kernel_source_from_path("/devices/virtual/something/dax5.2", &region), DT_SOURCE_UNKNOWN);
        ck_assert_int_eq(region, 5);
        ck_assert_int_eq(kernel_source_from_path("", &region), DT_SOURCE_UNKNOWN);
        ck_assert_int_eq(region, -1);
}
END_TEST

START_TEST(test_facts_pmem) {
        struct dax_facts f;

        ck_assert_int_eq(kernel_backend.read_facts(NULL, "dax1.0", &f), 0);
        ck_assert_str_eq(f.name, "dax1.0");
        ck_assert_int_eq(f.source, DT_SOURCE_PMEM);
        ck_assert_int_eq(f.region, 1);
        ck_assert_str_eq(f.bus, "ndbus0");
        ck_assert_uint_eq(f.region_start, 0x240000000);
        ck_assert_uint_eq(f.size, 2147483648);
        ck_assert_int_eq(f.target_node, 1);
        ck_assert_int_eq(f.numa_node, 0);
        ck_assert_int_eq(f.memmap_on_memory, 0);
        ck_assert_str_eq(f.uuid, "1f1e2a3b-0000-4000-8000-00000000abcd");
        ck_assert_str_eq(f.dax_uuid, "9e8d7c6b-0000-4000-8000-00000000dcba");
        ck_assert_str_eq(f.ns_name, "fast-tier");
        ck_assert(f.devt == makedev(252, 3));
        ck_assert_int_eq(f.driver, DRV_DEVICE_DAX);
        /* No mappingN: one range from resource and size. */
        ck_assert_uint_eq(f.n_ranges, 1);
        ck_assert_uint_eq(f.ranges[0].start, 0x240200000);
        ck_assert_uint_eq(f.ranges[0].end, 0x240200000 + 2147483648 - 1);
}
END_TEST

START_TEST(test_facts_hmem) {
        struct dax_facts f;

        ck_assert_int_eq(kernel_backend.read_facts(NULL, "dax0.0", &f), 0);
        ck_assert_int_eq(f.source, DT_SOURCE_HMEM);
        ck_assert_int_eq(f.region, 0);
        ck_assert_str_eq(f.bus, "");
        ck_assert_str_eq(f.uuid, "");
        ck_assert_int_eq(f.driver, DRV_KMEM);
        ck_assert_int_eq(f.target_node, 2);
        /* A kernel before 6.8: no such attribute. */
        ck_assert_int_eq(f.memmap_on_memory, -1);
        ck_assert(f.devt == 0);
        ck_assert_uint_eq(f.n_ranges, 2);
        ck_assert_uint_eq(f.ranges[0].start, 0x140000000);
        ck_assert_uint_eq(f.ranges[0].end, 0x14fffffff);
        ck_assert_uint_eq(f.ranges[1].start, 0x160000000);
        ck_assert_uint_eq(f.ranges[1].end, 0x17fffffff);
}
END_TEST

START_TEST(test_facts_drivers) {
        struct dax_facts f;
        char p[PATH_MAX * 2];

        /* No driver link: unbound. */
        snprintf(p, sizeof(p), "%s" PMEM_DEV "/driver", root);
        ck_assert_int_eq(unlink(p), 0);
        ck_assert_int_eq(kernel_backend.read_facts(NULL, "dax1.0", &f), 0);
        ck_assert_int_eq(f.driver, DRV_NONE);
        /* Some other driver. */
        mkdirs("/sys/bus/dax/drivers/vfio");
        link_to(PMEM_DEV "/driver", "/sys/bus/dax/drivers/vfio");
        ck_assert_int_eq(kernel_backend.read_facts(NULL, "dax1.0", &f), 0);
        ck_assert_int_eq(f.driver, DRV_OTHER);
        /* A device that is gone. */
        ck_assert_int_eq(kernel_backend.read_facts(NULL, "dax7.0", &f), -ENOENT);
        /* Its size unreadable: an error, not a zero. */
        snprintf(p, sizeof(p), "%s" HMEM_DEV "/size", root);
        ck_assert_int_eq(unlink(p), 0);
        ck_assert_int_lt(kernel_backend.read_facts(NULL, "dax0.0", &f), 0);
}
END_TEST

/* Found by fuzz-sysfs: garbage ranges are refused, not reasoned about. */
START_TEST(test_facts_hostile_ranges) {
        struct dax_facts f;

        put(HMEM_DEV "/mapping1/start", "0x17fffffff");
        put(HMEM_DEV "/mapping1/end", "0x160000000");
        ck_assert_int_eq(kernel_backend.read_facts(NULL, "dax0.0", &f), -EINVAL);
        /* A resource and size that wrap past 2^64. */
        put(PMEM_DEV "/resource", "0xffffffffc0000000");
        ck_assert_int_eq(kernel_backend.read_facts(NULL, "dax1.0", &f), -EINVAL);
}
END_TEST

/*
 * Hostile sysfs: every attribute read_facts() and the block calls read,
 * made empty, truncated, garbage, huge, a directory, or missing.  Each
 * must give an error (or, for the optional ones, "unknown"), never a
 * number made up from garbage, and never a crash.
 */
static const char *const hostile_values[] = {
        "", "0x", "12abc", "-1", "\xff\xfe\x01", "0x240000000 0x1", "99999999999999999999999",
        "online\nNormal", NULL /* huge */, NULL /* directory */, NULL /* missing */,
};
#define N_HOSTILE (sizeof(hostile_values) / sizeof(hostile_values[0]))

/* Removes root + rel, a file or the empty directory hostile_put() made. */
static void hostile_remove(const char *rel) {
        char p[PATH_MAX * 2];

        snprintf(p, sizeof(p), "%s%s", root, rel);
        if (unlink(p) < 0)
                ck_assert_msg(errno == ENOENT || (errno == EISDIR && rmdir(p) == 0), "remove %s: %m", p);
}

/* The attribute's content as tree() wrote it (without the newline). */
static void hostile_saved(const char *rel, char *buf, size_t len) {
        char p[PATH_MAX * 2];
        FILE *f;

        snprintf(p, sizeof(p), "%s%s", root, rel);
        f = fopen(p, "r");
        ck_assert_msg(f != NULL, "%s: %m", p);
        ck_assert_ptr_nonnull(fgets(buf, (int) len, f));
        fclose(f);
        buf[strcspn(buf, "\n")] = 0;
}

static void hostile_put(const char *rel, size_t k) {
        hostile_remove(rel);
        if (k < N_HOSTILE - 3)
                put(rel, hostile_values[k]);
        else if (k == N_HOSTILE - 3) {
                static char huge[70000];
                memset(huge, '7', sizeof(huge) - 1);
                put(rel, huge);
        } else if (k == N_HOSTILE - 2)
                mkdirs(rel);
}

START_TEST(test_facts_hostile_attrs) {
        static const struct {
                const char *attr;
                bool required;          /* the facts cannot be read without it */
        } attrs[] = {
                { PMEM_DEV "/size", true },
                { PMEM_DEV "/target_node", false },
                { PMEM_DEV "/resource", true },
                { PMEM_DEV "/numa_node", false },
                { PMEM_DEV "/memmap_on_memory", false },
                { PMEM_DEV "/dev", false },
                { ND_REGION "/resource", false },
                { ND_REGION "/dax1.0/namespace", false },
                { ND_REGION "/namespace1.0/uuid", false },
        };

        for (size_t a = 0; a < ELEMENTSOF(attrs); a++)
                for (size_t k = 0; k < N_HOSTILE; k++) {
                        struct dax_facts f;
                        char saved[256];
                        int r;

                        hostile_saved(attrs[a].attr, saved, sizeof(saved));
                        hostile_put(attrs[a].attr, k);
                        r = kernel_backend.read_facts(NULL, "dax1.0", &f);
                        if (r == 0) {
                                /* What was read is what the tree says, or unknown. */
                                ck_assert_msg(!attrs[a].required, "%s = value %zu: accepted", attrs[a].attr, k);
                                ck_assert_uint_eq(f.size, 2147483648);
                                ck_assert_msg(f.target_node == 1 || f.target_node == -1, "target_node %d", f.target_node);
                                ck_assert_msg(f.numa_node == 0 || f.numa_node == -1, "numa_node %d", f.numa_node);
                                ck_assert_msg(f.memmap_on_memory == 0 || f.memmap_on_memory == -1, "memmap %d",
                                              f.memmap_on_memory);
                        } else
                                ck_assert_msg(r < 0, "%s = value %zu: %d", attrs[a].attr, k, r);
                        hostile_remove(attrs[a].attr);
                        put(attrs[a].attr, saved);
                }
}
END_TEST

START_TEST(test_blocks_hostile) {
        static const char *const attrs[] = {
                "/sys/devices/system/memory/memory72/state",
                "/sys/devices/system/memory/memory72/valid_zones",
        };
        for (size_t a = 0; a < ELEMENTSOF(attrs); a++)
                for (size_t k = 0; k < N_HOSTILE; k++) {
                        struct block_info bi;
                        char saved[256];
                        int r;

                        hostile_saved(attrs[a], saved, sizeof(saved));
                        hostile_put(attrs[a], k);
                        r = kernel_backend.block_get(NULL, 72, &bi);
                        hostile_remove(attrs[a]);
                        put(attrs[a], saved);
                        if (r < 0)
                                continue;
                        if (a == 0)
                                /* Garbage in state is neither online nor
                                 * offline: a job never unbinds on it. */
                                ck_assert_msg(bi.state == (k == N_HOSTILE - 1 ? BLOCK_ABSENT
                                                           : k == 7            ? BLOCK_ONLINE /* its first line */
                                                                               : BLOCK_GOING),
                                              "state = value %zu: state %d", k, bi.state);
                        else
                                ck_assert_msg(strlen(bi.zone) < sizeof(bi.zone), "zone");
                }
        for (size_t k = 0; k < N_HOSTILE; k++) {
                uint64_t bs = 0;
                int r;

                hostile_put("/sys/devices/system/memory/block_size_bytes", k);
                r = kernel_backend.block_size(NULL, &bs);
                ck_assert_msg(r < 0, "block_size_bytes = value %zu accepted as %llu", k, (unsigned long long) bs);
        }
}
END_TEST

START_TEST(test_blocks) {
        struct block_info bi;
        uint64_t bs = 0;

        ck_assert_int_eq(kernel_backend.block_size(NULL, &bs), 0);
        ck_assert_uint_eq(bs, 128 << 20);
        ck_assert_int_eq(kernel_backend.block_get(NULL, 72, &bi), 0);
        ck_assert_int_eq(bi.state, BLOCK_ONLINE);
        ck_assert_str_eq(bi.zone, "Movable");
        ck_assert_int_eq(kernel_backend.block_get(NULL, 73, &bi), 0);
        ck_assert_int_eq(bi.state, BLOCK_OFFLINE);
        ck_assert_str_eq(bi.zone, "");
        ck_assert_int_eq(kernel_backend.block_get(NULL, 74, &bi), 0);
        ck_assert_int_eq(bi.state, BLOCK_GOING);
        /* The zone is the first word of valid_zones. */
        ck_assert_int_eq(kernel_backend.block_get(NULL, 75, &bi), 0);
        ck_assert_str_eq(bi.zone, "Normal");
        ck_assert_int_eq(kernel_backend.block_get(NULL, 76, &bi), 0);
        ck_assert_int_eq(bi.state, BLOCK_ABSENT);
}
END_TEST

START_TEST(test_auto_online) {
        char buf[32];

        ck_assert_int_eq(kernel_backend.auto_online_get(NULL, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "online");
        ck_assert_int_eq(kernel_backend.auto_online_set(NULL, "offline"), 0);
        ck_assert_int_eq(kernel_backend.auto_online_get(NULL, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "offline");
}
END_TEST

START_TEST(test_list_devices) {
        char **names = NULL, cmd[PATH_MAX + 64];
        int n;

        n = kernel_backend.list_devices(NULL, &names);
        ck_assert_int_eq(n, 2);
        ck_assert_ptr_nonnull(names);
        ck_assert_ptr_null(names[2]);
        ck_assert((streq(names[0], "dax0.0") && streq(names[1], "dax1.0")) ||
                  (streq(names[0], "dax1.0") && streq(names[1], "dax0.0")));
        strv_free(names);

        /* No dax bus at all (module not loaded). */
        snprintf(cmd, sizeof(cmd), "rm -rf '%s/sys/bus/dax'", root);
        ck_assert_int_eq(system(cmd), 0);
        names = NULL;
        ck_assert_int_eq(kernel_backend.list_devices(NULL, &names), -ENOENT);
        ck_assert_ptr_null(names);
        /* An empty bus. */
        mkdirs("/sys/bus/dax/devices");
        ck_assert_int_eq(kernel_backend.list_devices(NULL, &names), 0);
        ck_assert_ptr_nonnull(names);
        ck_assert_ptr_null(names[0]);
        strv_free(names);
}
END_TEST

/* ---- holders: who has /dev/dax1.0 open or mapped ------------------------ */

/* The fake /dev/dax1.0, a plain file: its st_dev and inode are what /proc
 * reports for a process that holds it; facts whose devt is /dev/null's
 * (a character device every test machine has). */
static struct stat holders_tree(struct dax_facts *f) {
        char p[PATH_MAX * 2];
        struct stat st, null;

        put("/dev/dax1.0", "");
        snprintf(p, sizeof(p), "%s/dev/dax1.0", root);
        ck_assert_int_eq(stat(p, &st), 0);
        ck_assert_int_eq(stat("/dev/null", &null), 0);
        *f = (struct dax_facts) { .driver = DRV_DEVICE_DAX, .devt = null.st_rdev };
        snprintf(f->name, sizeof(f->name), "dax1.0");
        return st;
}

static void proc_put(int pid, const char *file, const char *content) {
        char p[PATH_MAX];

        snprintf(p, sizeof(p), "/proc/%d/%s", pid, file);
        put(p, content);
}

/* A maps line of a mapping of an inode of the file system dev. */
static void maps_line(char *buf, size_t len, dev_t dev, unsigned long ino, const char *path) {
        snprintf(buf, len, "7f0000000000-7f0000200000 rw-s 00000000 %02x:%02x %lu                    %s",
                 major(dev), minor(dev), ino, path);
}

START_TEST(test_holders_maps_by_numbers) {
        struct dax_facts f;
        struct stat node = holders_tree(&f);
        _cleanup_free_ char *who = NULL;
        char line[512];

        /* A file whose name is "/tmp/x /dev/dax1.0": the path text of the
         * maps line ends in " /dev/dax1.0", but the numbers are not the
         * device's. */
        maps_line(line, sizeof(line), makedev(8, 1), 999, "/tmp/x /dev/dax1.0");
        proc_put(100, "maps", line);
        proc_put(100, "comm", "prank");
        /* The device, mapped. */
        maps_line(line, sizeof(line), node.st_dev, node.st_ino, "/dev/dax1.0");
        proc_put(101, "maps", line);
        proc_put(101, "comm", "mapper");
        /* The device, mapped through a path that no longer names it. */
        maps_line(line, sizeof(line), node.st_dev, node.st_ino, "/old/name (deleted)");
        proc_put(102, "maps", line);
        proc_put(102, "comm", "renamed");

        ck_assert_int_eq(kernel_backend.holders(NULL, &f, &who), 2);
        ck_assert_ptr_nonnull(strstr(who, "pid 101 (mapper)"));
        ck_assert_ptr_nonnull(strstr(who, "pid 102 (renamed)"));
        ck_assert_ptr_null(strstr(who, "prank"));
}
END_TEST

static void fd_put(int pid, int fd, const char *target, int mnt_id, unsigned long ino) {
        char rel[128], content[256];

        snprintf(rel, sizeof(rel), "/proc/%d/fd/%d", pid, fd);
        link_to(rel, target);
        snprintf(rel, sizeof(rel), "fdinfo/%d", fd);
        snprintf(content, sizeof(content), "pos:\t0\nflags:\t02\nmnt_id:\t%d\nino:\t%lu", mnt_id, ino);
        proc_put(pid, rel, content);
}

START_TEST(test_holders_fds_without_stat) {
        struct dax_facts f;
        struct stat node = holders_tree(&f);
        _cleanup_free_ char *who = NULL;
        char mounts[512];
        char p[PATH_MAX * 2];

        snprintf(mounts, sizeof(mounts),
                 "30 1 %u:%u / /dev rw,nosuid - devtmpfs udev rw\n"
                 "40 1 0:77 / /mnt/slow rw - fuse.slow slow rw\n"
                 "50 1 0:88 / /ctr/dev rw - tmpfs tmpfs rw\n"
                 "60 1 8:1 / / rw - ext4 /dev/sda1 rw",
                 major(node.st_dev), minor(node.st_dev));
        /* /ctr/dev/dax1.0: a container's node of the same device (here a
         * link to /dev/null, the character device the facts name), on a
         * tmpfs; /mnt/slow/dax1.0 is the same on a FUSE mount that would
         * hang whoever stats it. */
        mkdirs("/ctr/dev");
        mkdirs("/mnt/slow");
        snprintf(p, sizeof(p), "%s/ctr/dev/dax1.0", root);
        ck_assert_int_eq(symlink("/dev/null", p), 0);
        snprintf(p, sizeof(p), "%s/mnt/slow/dax1.0", root);
        ck_assert_int_eq(symlink("/dev/null", p), 0);

        /* pid 200: the device open (fdinfo: its mount and inode). */
        fd_put(200, 3, "/dev/dax1.0", 30, node.st_ino);
        proc_put(200, "mountinfo", mounts);
        proc_put(200, "comm", "opener");
        /* pid 201: a file on the FUSE mount that resolves to a character
         * device with the device's numbers: never statted, not a holder. */
        fd_put(201, 4, "/mnt/slow/dax1.0", 40, 4242);
        proc_put(201, "mountinfo", mounts);
        proc_put(201, "comm", "fuse");
        /* pid 202: the node's inode number, but on another file system. */
        fd_put(202, 5, "/some/file", 60, node.st_ino);
        proc_put(202, "mountinfo", mounts);
        proc_put(202, "comm", "sameino");
        /* pid 203: the container's node, on an in-memory file system. */
        fd_put(203, 6, "/ctr/dev/dax1.0", 50, 7);
        proc_put(203, "mountinfo", mounts);
        proc_put(203, "comm", "container");

        ck_assert_int_eq(kernel_backend.holders(NULL, &f, &who), 2);
        ck_assert_ptr_nonnull(strstr(who, "pid 200 (opener)"));
        ck_assert_ptr_nonnull(strstr(who, "pid 203 (container)"));
        ck_assert_ptr_null(strstr(who, "fuse"));
        ck_assert_ptr_null(strstr(who, "sameino"));
}
END_TEST

START_TEST(test_holders_none) {
        struct dax_facts f;
        _cleanup_free_ char *who = NULL;

        holders_tree(&f);
        proc_put(300, "maps", "");
        proc_put(300, "comm", "idle");
        mkdirs("/proc/300/fd");
        ck_assert_int_eq(kernel_backend.holders(NULL, &f, &who), 0);
        ck_assert_ptr_null(who);
}
END_TEST

START_TEST(test_attr_paths) {
        char buf[128], tiny[8];

        ck_assert_int_eq(kernel_scrub_attr("ndbus0", buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "/sys/bus/nd/devices/ndbus0/nfit/scrub");
        ck_assert_int_eq(kernel_badblocks_attr(3, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "/sys/bus/nd/devices/region3/badblocks");
        ck_assert_int_eq(kernel_badblocks_attr(3, tiny, sizeof(tiny)), -ENAMETOOLONG);
        ck_assert_int_eq(kernel_scrub_attr("ndbus0", tiny, sizeof(tiny)), -ENAMETOOLONG);
}
END_TEST

static Suite *kernel_suite(void) {
        Suite *s = suite_create("kernel");
        TCase *tc;

        tc = tcase_create("pure");
        tcase_add_test(tc, test_source_from_path);
        tcase_add_test(tc, test_attr_paths);
        suite_add_tcase(s, tc);

        tc = tcase_create("fake-sysfs");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_facts_pmem);
        tcase_add_test(tc, test_facts_hmem);
        tcase_add_test(tc, test_facts_drivers);
        tcase_add_test(tc, test_facts_hostile_ranges);
        tcase_add_test(tc, test_facts_hostile_attrs);
        tcase_add_test(tc, test_blocks_hostile);
        tcase_add_test(tc, test_blocks);
        tcase_add_test(tc, test_auto_online);
        tcase_add_test(tc, test_list_devices);
        tcase_add_test(tc, test_holders_maps_by_numbers);
        tcase_add_test(tc, test_holders_fds_without_stat);
        tcase_add_test(tc, test_holders_none);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(kernel_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
