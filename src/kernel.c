/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kernel: see kernel.h. */

#include <dirent.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <numa.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <daxctl/libdaxctl.h>
#include <linux/ndctl.h>
#include <ndctl/libndctl.h>

#include "carve.h"
#include "cxl-facts.h"
#include "kernel-internal.h"
#include "poison.h"
#include "sysfs.h"
#include "uevent.h"
#include "log.h"
#include "util.h"

#define DAX_DEVICES "/sys/bus/dax/devices"
#define MEMORY "/sys/devices/system/memory"

static int read_attr(const char *name, const char *attr, char *buf, size_t len) {
        char p[PATH_MAX];
        snprintf(p, sizeof(p), DAX_DEVICES "/%s/%s", name, attr);
        return sysfs_read(p, buf, len);
}

static int read_attr_u64(const char *name, const char *attr, uint64_t *ret) {
        char p[PATH_MAX];
        snprintf(p, sizeof(p), DAX_DEVICES "/%s/%s", name, attr);
        return sysfs_read_u64(p, 0, ret);
}

static int read_attr_int(const char *name, const char *attr, int *ret) {
        char p[PATH_MAX];
        snprintf(p, sizeof(p), DAX_DEVICES "/%s/%s", name, attr);
        return sysfs_read_int(p, ret);
}

/* Copies path component -k (1 = last) of p into buf; "" if none. */
static void component(const char *p, int k, char *buf, size_t len) {
        const char *end = p + strlen(p), *start;

        buf[0] = 0;
        for (; k > 1; k--) {
                while (end > p && end[-1] != '/')
                        end--;
                if (end == p)
                        return;
                end--;
        }
        start = end;
        while (start > p && start[-1] != '/')
                start--;
        snprintf(buf, len, "%.*s", (int) (end - start), start);
}

enum dt_source kernel_source_from_path(const char *devpath, int *region) {
        char parent[NAME_MAX + 1], grand[NAME_MAX + 1], self[NAME_MAX + 1];
        int a, b;

        component(devpath, 1, self, sizeof(self));
        component(devpath, 2, parent, sizeof(parent));
        component(devpath, 3, grand, sizeof(grand));
        *region = -1;

        /* pmem: .../ndbusN/regionR/daxR.M/daxR.M, parent is the nd_dax */
        if (sscanf(parent, "dax%d.%d", &a, &b) == 2 && sscanf(grand, "region%d", region) == 1)
                return DT_SOURCE_PMEM;
        /* cxl: .../regionZ/dax_regionZ/daxZ.M */
        if (startswith(parent, "dax_region")) {
                if (sscanf(grand, "region%d", region) != 1)
                        *region = -1;
                return DT_SOURCE_CXL;
        }
        if (sscanf(self, "dax%d.%d", &a, &b) == 2)
                *region = a;
        /* hmem: platform device hmem.N */
        if (startswith(parent, "hmem"))
                return DT_SOURCE_HMEM;
        return DT_SOURCE_UNKNOWN;
}

static void read_pmem_ids(struct dax_facts *f, const char *devpath) {
        char nd[PATH_MAX], ns[64], p[PATH_MAX + 80];
        const char *slash = strrchr(devpath, '/');

        /* .../ndbusN/regionR/daxR.M/daxR.M */
        component(devpath, 4, f->bus, sizeof(f->bus));
        if (!startswith(f->bus, "ndbus"))
                f->bus[0] = 0;
        snprintf(p, sizeof(p), "/sys/bus/nd/devices/region%d/resource", f->region);
        if (sysfs_read_u64(p, 0, &f->region_start) < 0)
                f->region_start = 0;

        if (!slash)
                return;
        snprintf(nd, sizeof(nd), "%.*s", (int) (slash - devpath), devpath);
        snprintf(p, sizeof(p), "%s/uuid", nd);
        if (sysfs_read(p, f->dax_uuid, sizeof(f->dax_uuid)) < 0)
                f->dax_uuid[0] = 0;
        snprintf(p, sizeof(p), "%s/namespace", nd);
        if (sysfs_read(p, ns, sizeof(ns)) < 0 || !ns[0])
                return;
        const char *s2 = strrchr(nd, '/');
        if (!s2)
                return;
        snprintf(p, sizeof(p), "%.*s/%s/uuid", (int) (s2 - nd), nd, ns);
        if (sysfs_read(p, f->uuid, sizeof(f->uuid)) < 0)
                f->uuid[0] = 0;
        snprintf(p, sizeof(p), "%.*s/%s/alt_name", (int) (s2 - nd), nd, ns);
        if (sysfs_read(p, f->ns_name, sizeof(f->ns_name)) < 0)
                f->ns_name[0] = 0;
}

static int read_ranges(const char *name, struct dax_facts *f) {
        char p[PATH_MAX], mapping[32];
        uint64_t start, end;
        int r;

        f->n_ranges = 0;
        /* Dynamic regions list their ranges as mappingN/; static ones have one. */
        for (unsigned i = 0; i < DEV_MAX_RANGES; i++) {
                snprintf(mapping, sizeof(mapping), "mapping%u/start", i);
                r = read_attr_u64(name, mapping, &start);
                if (r == -ENOENT)
                        break;
                if (r < 0)
                        return r;
                snprintf(mapping, sizeof(mapping), "mapping%u/end", i);
                r = read_attr_u64(name, mapping, &end);
                if (r < 0)
                        return r;
                if (end < start)
                        return -EINVAL;         /* a corrupt or hostile sysfs */
                f->ranges[f->n_ranges++] = (struct dax_range) { start, end };
        }
        /* More ranges than we track would leave blocks unseen: refuse
         * to reason about such a device at all. */
        if (f->n_ranges == DEV_MAX_RANGES) {
                snprintf(mapping, sizeof(mapping), "mapping%u/start", DEV_MAX_RANGES);
                if (read_attr_u64(name, mapping, &start) != -ENOENT)
                        return -E2BIG;
        }
        if (f->n_ranges > 0 || f->size == 0)
                return 0;
        snprintf(p, sizeof(p), DAX_DEVICES "/%s/resource", name);
        r = sysfs_read_u64(p, 0, &start);
        if (r < 0)
                return r;
        if (start + f->size - 1 < start)
                return -EINVAL;                 /* would wrap past 2^64 */
        f->ranges[0] = (struct dax_range) { start, start + f->size - 1 };
        f->n_ranges = 1;
        return 0;
}

static int kernel_read_facts(void *ctx, const char *name, struct dax_facts *f) {
        char p[PATH_MAX], buf[64], devpath[PATH_MAX];
        unsigned maj, min;
        int r;

        *f = (struct dax_facts) { .target_node = -1, .numa_node = -1, .region = -1, .memmap_on_memory = -1 };
        if (strlen(name) >= sizeof(f->name))
                return -ENAMETOOLONG;
        strcpy(f->name, name);

        snprintf(p, sizeof(p), DAX_DEVICES "/%s", name);
        r = sysfs_resolve(p, devpath, sizeof(devpath));
        if (r < 0)
                return r;
        f->source = kernel_source_from_path(devpath, &f->region);
        if (f->source == DT_SOURCE_PMEM)
                read_pmem_ids(f, devpath);
        /* CXL: the memdevs behind the region, for match.cxl_memdev; a
         * topology that cannot be read leaves none (the rule never matches). */
        if (f->source == DT_SOURCE_CXL)
                (void) cxl_facts_read(f);

        r = read_attr_u64(name, "size", &f->size);
        if (r < 0)
                return r;
        /* A dynamic dax device has no namespace to carry a name; the ones
         * daxtierd carved get theirs from its list, for match.name. */
        if (f->source != DT_SOURCE_PMEM && carve_dax_name(name, f->size, f->ns_name, sizeof(f->ns_name)) < 0)
                f->ns_name[0] = 0;
        if (read_attr_int(name, "target_node", &f->target_node) < 0)
                f->target_node = -1;
        if (read_attr_int(name, "numa_node", &f->numa_node) < 0)
                f->numa_node = -1;
        if (read_attr_int(name, "memmap_on_memory", &f->memmap_on_memory) < 0)
                f->memmap_on_memory = -1;
        if (read_attr(name, "dev", buf, sizeof(buf)) >= 0 && sscanf(buf, "%u:%u", &maj, &min) == 2)
                f->devt = makedev(maj, min);

        snprintf(p, sizeof(p), DAX_DEVICES "/%s/driver", name);
        r = sysfs_link_name(p, buf, sizeof(buf));
        if (r == -ENOENT)
                f->driver = DRV_NONE;
        else if (r < 0)
                return r;
        else if (streq(buf, "device_dax"))
                f->driver = DRV_DEVICE_DAX;
        else if (streq(buf, "kmem"))
                f->driver = DRV_KMEM;
        else
                f->driver = DRV_OTHER;

        return read_ranges(name, f);
}

static int kernel_block_size(void *ctx, uint64_t *ret) {
        uint64_t v;
        /* Bare hex, no 0x. */
        int r = sysfs_read_u64(MEMORY "/block_size_bytes", 16, &v);

        if (r < 0)
                return r;
        /* A memory block is a power of two of at least a page: anything
         * else is no block size to compute block numbers with. */
        if (v < 4096 || (v & (v - 1)) != 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int kernel_block_get(void *ctx, uint64_t block, struct block_info *ret) {
        char p[PATH_MAX], buf[64];
        int r;

        *ret = (struct block_info) {};
        snprintf(p, sizeof(p), MEMORY "/memory%llu/state", (unsigned long long) block);
        r = sysfs_read(p, buf, sizeof(buf));
        if (r == -ENOENT) {
                ret->state = BLOCK_ABSENT;
                return 0;
        }
        if (r < 0)
                return r;
        if (streq(buf, "online"))
                ret->state = BLOCK_ONLINE;
        else if (streq(buf, "offline"))
                ret->state = BLOCK_OFFLINE;
        else
                ret->state = BLOCK_GOING;
        if (ret->state == BLOCK_ONLINE) {
                snprintf(p, sizeof(p), MEMORY "/memory%llu/valid_zones", (unsigned long long) block);
                if (sysfs_read(p, buf, sizeof(buf)) >= 0)
                        snprintf(ret->zone, sizeof(ret->zone), "%.*s", (int) strcspn(buf, " "), buf);
        }
        return 0;
}

static int kernel_block_set(void *ctx, uint64_t block, const char *state) {
        char p[PATH_MAX];
        snprintf(p, sizeof(p), MEMORY "/memory%llu/state", (unsigned long long) block);
        return sysfs_write(p, state);
}

static int kernel_memmap_supported(void *ctx, const struct dax_facts *f, const char **why) {
        char buf[16];

        if (f->memmap_on_memory < 0) {
                *why = "this kernel has no per-device memmap_on_memory (it came with Linux 6.8)";
                return -EOPNOTSUPP;
        }
        if (sysfs_read("/sys/module/memory_hotplug/parameters/memmap_on_memory", buf, sizeof(buf)) < 0 ||
            !(streq(buf, "Y") || streq(buf, "force"))) {
                *why = "memory_hotplug.memmap_on_memory is off (boot with memory_hotplug.memmap_on_memory=1)";
                return -EOPNOTSUPP;
        }
        return 0;
}

static int kernel_set_memmap(void *ctx, const char *name, bool on) {
        char p[PATH_MAX];
        snprintf(p, sizeof(p), DAX_DEVICES "/%s/memmap_on_memory", name);
        return sysfs_write(p, on ? "1" : "0");
}

void kernel_daxctl_log_quiet(struct daxctl_ctx *ctx, int priority, const char *file, int line,
                             const char *fn, const char *format, va_list args) {
        /* Callers report failures themselves, with the errno libdaxctl returns. */
}

static int kernel_bind(void *ctx, const char *name, enum dax_driver drv) {
        struct daxctl_ctx *dctx = NULL;
        struct daxctl_region *region;
        struct daxctl_dev *dev, *found = NULL;
        uint64_t t0 = kernel_now_usec(), t1 = 0, t2 = 0;
        int r;

        r = daxctl_new(&dctx);
        if (r < 0)
                return r;
        daxctl_set_log_fn(dctx, kernel_daxctl_log_quiet);
        daxctl_region_foreach(dctx, region)
                daxctl_dev_foreach(region, dev)
                        if (streq(daxctl_dev_get_devname(dev), name))
                                found = dev;
        if (!found) {
                r = -ENODEV;
                goto out;
        }
        t1 = kernel_now_usec();
        r = daxctl_dev_disable(found);
        if (r < 0)
                goto out;
        t2 = kernel_now_usec();
        r = drv == DRV_KMEM ? daxctl_dev_enable_ram(found) : daxctl_dev_enable_devdax(found);
        log_debug("bind %s to %s: libdaxctl context %.1f ms, disable %.1f ms, enable %.1f ms", name,
                  drv == DRV_KMEM ? "kmem" : "device_dax", (double) (t1 - t0) / 1000, (double) (t2 - t1) / 1000,
                  (double) (kernel_now_usec() - t2) / 1000);
out:
        daxctl_unref(dctx);
        return r;
}

static int kernel_driver_loaded(void *ctx, enum dax_driver drv) {
        return sysfs_exists(drv == DRV_KMEM ? "/sys/bus/dax/drivers/kmem" : "/sys/bus/dax/drivers/device_dax");
}

static int kernel_auto_online_get(void *ctx, char *buf, size_t len) {
        return sysfs_read(MEMORY "/auto_online_blocks", buf, len);
}

static int kernel_auto_online_set(void *ctx, const char *value) {
        return sysfs_write(MEMORY "/auto_online_blocks", value);
}

/* DAXTIERD_KMEM_STATE=0 (daxtierd(8)) hides the kmem "state" attribute, so
 * that the per-block path onlines even where the kernel has the attribute:
 * for comparing the two paths, or to avoid the state path on a kernel
 * where it misbehaves. */
static bool kmem_state_disabled(void) {
        const char *e = getenv("DAXTIERD_KMEM_STATE");
        return e && (streq(e, "0") || streq(e, "no") || streq(e, "off"));
}

static int kernel_kmem_state_get(void *ctx, const char *name, char *buf, size_t len) {
        char p[PATH_MAX];
        if (kmem_state_disabled())
                return -ENOENT;
        snprintf(p, sizeof(p), DAX_DEVICES "/%s/state", name);
        return sysfs_read(p, buf, len);
}

static int kernel_kmem_state_set(void *ctx, const char *name, const char *value) {
        char p[PATH_MAX];
        snprintf(p, sizeof(p), DAX_DEVICES "/%s/state", name);
        return sysfs_write(p, value);
}

static int kernel_node_mem(void *ctx, int node, uint64_t *ret) {
        long long size;

        if (numa_available() < 0)
                return -EOPNOTSUPP;
        size = numa_node_size64(node, NULL);
        *ret = size > 0 ? (uint64_t) size : 0;
        return 0;
}

int kernel_scrub_attr(const char *bus, char *buf, size_t len) {
        int k = snprintf(buf, len, "/sys/bus/nd/devices/%s/nfit/scrub", bus);
        return k < 0 || (size_t) k >= len ? -ENAMETOOLONG : 0;
}

int kernel_badblocks_attr(int region, char *buf, size_t len) {
        int k = snprintf(buf, len, "/sys/bus/nd/devices/region%d/badblocks", region);
        return k < 0 || (size_t) k >= len ? -ENAMETOOLONG : 0;
}

static int kernel_list_devices(void *ctx, char ***ret) {
        char path[PATH_MAX];
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        DIR *dir;
        int r;

        r = sysfs_path(path, sizeof(path), DAX_DEVICES);
        if (r < 0)
                return r;
        dir = opendir(path);
        if (!dir)
                return -errno;
        while ((de = readdir(dir))) {
                char **a;
                if (!dax_name_valid(de->d_name))
                        continue;
                a = realloc(names, (n + 2) * sizeof(*a));
                if (!a || !(a[n] = strdup(de->d_name))) {
                        names = a ? a : names;
                        names[n] = NULL;
                        closedir(dir);
                        strv_free(names);
                        return -ENOMEM;
                }
                names = a;
                names[++n] = NULL;
        }
        closedir(dir);
        if (!names && !(names = calloc(1, sizeof(*names))))
                return -ENOMEM;
        *ret = names;
        return (int) n;
}

const struct backend kernel_backend = {
        .list_devices = kernel_list_devices,
        .read_facts = kernel_read_facts,
        .block_size = kernel_block_size,
        .block_get = kernel_block_get,
        .block_set = kernel_block_set,
        .memmap_supported = kernel_memmap_supported,
        .set_memmap = kernel_set_memmap,
        .bind = kernel_bind,
        .driver_loaded = kernel_driver_loaded,
        .holders = kernel_holders,
        .auto_online_get = kernel_auto_online_get,
        .auto_online_set = kernel_auto_online_set,
        .kmem_state_get = kernel_kmem_state_get,
        .kmem_state_set = kernel_kmem_state_set,
        .node_mem = kernel_node_mem,
        .dimm_security = kernel_dimm_security,
        .ars_start = kernel_ars_start,
        .ars_busy = kernel_ars_busy,
        .badblocks = kernel_badblocks,
        .clear_error = kernel_clear_error,
};
