/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-sysfs: what the daemon reads from sysfs, through a fake root
 * (sysfs_set_root()).  Each input is used three ways:
 *
 *   1. as a resolved device path for kernel_source_from_path();
 *   2. as the contents of one attribute, read back with sysfs_read()
 *      into buffers of several sizes, sysfs_read_u64() (base 0 and 16)
 *      and sysfs_read_int();
 *   3. cut at NUL bytes into the attributes of a fake dax0.0 (size,
 *      target_node, numa_node, memmap_on_memory, dev, mapping0/start,
 *      mapping0/end, resource, the driver link's target, and a byte
 *      choosing a pmem, cxl, hmem or plain layout; a field the input
 *      does not reach is a missing attribute), read with
 *      kernel_backend.read_facts() (src/kernel.c).
 *
 * Besides crashes, checks: the text read fits its buffer and stops at
 * the first newline; the number readers agree with safe_atou64() and
 * safe_atoi() on that text; a source and region come out in range;
 * facts read without an error have at most DEV_MAX_RANGES ranges, none
 * reversed.
 *
 * Then dax_facts_blocks() (src/device.c) on those facts for several
 * block sizes must count the whole blocks inside the ranges.
 *
 * It found two bugs, both fixed (README.md, "Fixed"): reversed ranges
 * from garbage mapping or resource attributes, and block counts that
 * wrapped (and walked 2^37 blocks) for ranges near 2^64.
 *
 * The files live under $TMPDIR (default /tmp) in a directory of its
 * own, removed at exit.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel.h"
#include "sysfs.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                     \
        do {                                                                            \
                if (!(cond)) {                                                          \
                        fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);      \
                        abort();                                                        \
                }                                                                       \
        } while (0)

static char root[PATH_MAX / 2];

/* Where dax0.0 lives for each layout, as kernel_source_from_path() tells them apart. */
static const char *const layouts[] = {
        "/sys/devices/platform/ACPI0012:00/ndbus0/region0/dax0.0/dax0.0",       /* pmem */
        "/sys/devices/platform/ACPI0017:00/root0/decoder0.0/region0/dax_region0/dax0.0", /* cxl */
        "/sys/devices/platform/hmem.0/dax0.0",                                 /* hmem */
        "/sys/devices/virtual/dax0.0",                                         /* unknown */
};

static const char *const attrs[] = {
        "size", "target_node", "numa_node", "memmap_on_memory", "dev",
        "mapping0/start", "mapping0/end", "resource",
};

static void run(const char *cmd) {
        if (system(cmd) != 0)
                abort();
}

static void remove_root(void) {
        char cmd[PATH_MAX];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        (void) system(cmd);
}

static void setup(void) {
        char cmd[3 * PATH_MAX];
        int n = snprintf(root, sizeof(root), "%s/fuzz-sysfs.XXXXXX", getenv("TMPDIR") ?: "/tmp");

        /* system() below quotes it with '': no quotes inside. */
        if (n < 0 || (size_t) n >= sizeof(root) || strchr(root, '\'') || !mkdtemp(root)) {
                perror("fuzz-sysfs: cannot make a directory under $TMPDIR");
                abort();
        }
        atexit(remove_root);
        for (size_t i = 0; i < ELEMENTSOF(layouts); i++) {
                snprintf(cmd, sizeof(cmd), "mkdir -p '%s%s/mapping0'", root, layouts[i]);
                run(cmd);
        }
        snprintf(cmd, sizeof(cmd), "mkdir -p '%s/sys/bus/dax/devices' '%s/sys/bus/dax/drivers' '%s/sys/fuzz'",
                 root, root, root);
        run(cmd);
        sysfs_set_root(root);
}

static void put(const char *path, const void *data, size_t len) {
        char p[PATH_MAX];
        int fd;

        snprintf(p, sizeof(p), "%s%s", root, path);
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || (len > 0 && write(fd, data, len) != (ssize_t) len) || close(fd) < 0)
                abort();
}

static void drop(const char *path) {
        char p[PATH_MAX];

        snprintf(p, sizeof(p), "%s%s", root, path);
        if (unlink(p) < 0 && errno != ENOENT)
                abort();
}

static void link_to(const char *path, const char *target) {
        char p[PATH_MAX];

        snprintf(p, sizeof(p), "%s%s", root, path);
        if ((unlink(p) < 0 && errno != ENOENT) || symlink(target, p) < 0)
                abort();
}

static void check_path(const char *s) {
        int region = -2;
        enum dt_source src = kernel_source_from_path(s, &region);

        CHECK(src == DT_SOURCE_PMEM || src == DT_SOURCE_CXL || src == DT_SOURCE_HMEM ||
              src == DT_SOURCE_UNKNOWN);
        CHECK(region >= -1);
        if (src == DT_SOURCE_PMEM)
                CHECK(region >= 0);
}

static void check_readers(const uint8_t *data, size_t size) {
        static const size_t lens[] = { 1, 2, 8, 64 };
        char buf[80], line[64];
        uint64_t u, expect_u;
        int i, expect_i, r, er;

        put("/sys/fuzz/attr", data, size);
        for (size_t k = 0; k < ELEMENTSOF(lens); k++) {
                memset(buf, 'X', sizeof(buf));
                r = sysfs_read("/sys/fuzz/attr", buf, lens[k]);
                CHECK(r == 0);
                CHECK(strlen(buf) < lens[k]);
                CHECK(!strchr(buf, '\n'));
                for (size_t j = lens[k]; j < sizeof(buf); j++)
                        CHECK(buf[j] == 'X');
        }

        /* What the number readers see: the first line of at most 63 bytes. */
        snprintf(line, sizeof(line), "%.*s", (int) (size < 63 ? size : 63), (const char *) data);
        line[strcspn(line, "\n")] = 0;
        for (int base = 0; base <= 16; base += 16) {
                u = expect_u = 0;
                r = sysfs_read_u64("/sys/fuzz/attr", base, &u);
                er = safe_atou64(line, base, &expect_u);
                CHECK(r == er);
                if (r == 0)
                        CHECK(u == expect_u);
        }
        i = expect_i = 0;
        r = sysfs_read_int("/sys/fuzz/attr", &i);
        er = safe_atoi(line, &expect_i);
        CHECK(r == er);
        if (r == 0)
                CHECK(i == expect_i);
}

static void check_facts(const uint8_t *data, size_t size) {
        const char *field[ELEMENTSOF(attrs) + 2] = {};
        size_t flen[ELEMENTSOF(attrs) + 2] = {};
        const uint8_t *p = data, *end = data + size;
        const char *dir;
        char path[PATH_MAX];
        struct dax_facts f;
        unsigned n = 0;
        int r;

        while (p < end && n < ELEMENTSOF(field)) {
                const uint8_t *z = memchr(p, 0, (size_t) (end - p));
                size_t len = z ? (size_t) (z - p) : (size_t) (end - p);

                field[n] = (const char *) p;
                flen[n++] = len;
                p += len + 1;
        }

        dir = layouts[field[ELEMENTSOF(attrs) + 1] && flen[ELEMENTSOF(attrs) + 1] > 0 ?
                              (uint8_t) field[ELEMENTSOF(attrs) + 1][0] % ELEMENTSOF(layouts) : 0];
        snprintf(path, sizeof(path), "%s%s", root, dir);
        link_to("/sys/bus/dax/devices/dax0.0", path);
        for (size_t k = 0; k < ELEMENTSOF(attrs); k++) {
                snprintf(path, sizeof(path), "%s/%s", dir, attrs[k]);
                if (field[k])
                        put(path, field[k], flen[k]);
                else
                        drop(path);
        }
        /* The driver: a link whose last component names it, or none. */
        snprintf(path, sizeof(path), "%s/driver", dir);
        drop(path);
        if (field[ELEMENTSOF(attrs)] && flen[ELEMENTSOF(attrs)] > 0 && flen[ELEMENTSOF(attrs)] < 200 &&
            !memchr(field[ELEMENTSOF(attrs)], '/', flen[ELEMENTSOF(attrs)])) {
                char target[256];

                snprintf(target, sizeof(target), "../../bus/dax/drivers/%.*s", (int) flen[ELEMENTSOF(attrs)],
                         field[ELEMENTSOF(attrs)]);
                link_to(path, target);
        }

        r = kernel_backend.read_facts(NULL, "dax0.0", &f);
        if (r < 0)
                return;
        CHECK(streq(f.name, "dax0.0"));
        CHECK(f.n_ranges <= DEV_MAX_RANGES);
        for (unsigned k = 0; k < f.n_ranges; k++)
                CHECK(f.ranges[k].start <= f.ranges[k].end);

        /* The memory blocks the job walks: whole blocks inside the ranges,
         * counted here without wrapping (128-bit). */
        for (uint64_t bs = 1; bs <= (UINT64_C(1) << 31); bs <<= 9) {
                unsigned __int128 expect = 0;

                for (unsigned k = 0; k < f.n_ranges; k++) {
                        unsigned __int128 first = ((unsigned __int128) f.ranges[k].start + bs - 1) / bs;
                        unsigned __int128 stop = ((unsigned __int128) f.ranges[k].end + 1) / bs;

                        if (stop > first)
                                expect += stop - first;
                }
                /* A count that large would take the test too long, wrap or not. */
                if (expect > (1u << 20))
                        continue;
                CHECK(dax_facts_blocks(&f, bs, NULL, 0) == (size_t) expect);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s;

        if (!root[0])
                setup();
        /* Attributes are at most a page; paths at most PATH_MAX. */
        if (size > 4096)
                return 0;

        s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        check_path(s);
        free(s);

        check_readers(data, size);
        check_facts(data, size);
        return 0;
}
