/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kernel: see kernel.h. */

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <numa.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <daxctl/libdaxctl.h>
#include <linux/ndctl.h>
#include <ndctl/libndctl.h>

#include "carve.h"
#include "kernel.h"
#include "poison.h"
#include "sysfs.h"
#include "uevent.h"
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
        /* Bare hex, no 0x. */
        return sysfs_read_u64(MEMORY "/block_size_bytes", 16, ret);
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
        r = daxctl_dev_disable(found);
        if (r < 0)
                goto out;
        r = drv == DRV_KMEM ? daxctl_dev_enable_ram(found) : daxctl_dev_enable_devdax(found);
out:
        daxctl_unref(dctx);
        return r;
}

static bool fd_dir_holds(int pid_fd, dev_t devt) {
        _cleanup_close_ int fd = openat(pid_fd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *dir;
        struct dirent *de;
        bool held = false;

        if (fd < 0)
                return false;
        dir = fdopendir(fd);
        if (!dir)
                return false;
        fd = -1;
        while (!held && (de = readdir(dir))) {
                struct stat st;
                if (de->d_name[0] == '.')
                        continue;
                if (fstatat(dirfd(dir), de->d_name, &st, 0) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == devt)
                        held = true;
        }
        closedir(dir);
        return held;
}

static bool maps_hold(int pid_fd, const char *devnode) {
        _cleanup_close_ int fd = openat(pid_fd, "maps", O_RDONLY | O_CLOEXEC);
        _cleanup_fclose_ FILE *f = NULL;
        char line[PATH_MAX + 128];
        size_t dl = strlen(devnode);

        if (fd < 0)
                return false;
        f = fdopen(fd, "r");
        if (!f)
                return false;
        fd = -1;
        while (fgets(line, sizeof(line), f)) {
                char *p = strstr(line, devnode);
                if (p && p[-1] == ' ' && (p[dl] == '\n' || p[dl] == ' ' || p[dl] == 0))
                        return true;
        }
        return false;
}

static int kernel_holders(void *ctx, const struct dax_facts *f, char **ret) {
        char proc[PATH_MAX], devnode[64];
        struct strbuf who = {};
        _cleanup_close_ int pfd = -1;
        DIR *dir;
        struct dirent *de;
        int n = 0, r;

        r = sysfs_path(proc, sizeof(proc), "/proc");
        if (r < 0)
                return r;
        snprintf(devnode, sizeof(devnode), "/dev/%s", f->name);
        dir = opendir(proc);
        if (!dir)
                return -errno;
        while ((de = readdir(dir))) {
                int pid;
                char comm[64] = "?", p[PATH_MAX];

                if (safe_atoi(de->d_name, &pid) < 0 || pid == getpid())
                        continue;
                pfd = openat(dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (pfd < 0)
                        continue;
                if ((f->devt && fd_dir_holds(pfd, f->devt)) || maps_hold(pfd, devnode)) {
                        snprintf(p, sizeof(p), "/proc/%d/comm", pid);
                        (void) sysfs_read(p, comm, sizeof(comm));
                        strbuf_appendf(&who, "%spid %d (%s)", n ? ", " : "", pid, comm);
                        n++;
                }
                close(TAKE_FD(pfd));
        }
        closedir(dir);
        if (n > 0) {
                *ret = strbuf_steal(&who);
                if (!*ret)
                        return -ENOMEM;
        }
        strbuf_free(&who);
        return n;
}

static int kernel_auto_online_get(void *ctx, char *buf, size_t len) {
        return sysfs_read(MEMORY "/auto_online_blocks", buf, len);
}

static int kernel_auto_online_set(void *ctx, const char *value) {
        return sysfs_write(MEMORY "/auto_online_blocks", value);
}

static int kernel_kmem_state_get(void *ctx, const char *name, char *buf, size_t len) {
        char p[PATH_MAX];
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

void kernel_ndctl_log_quiet(struct ndctl_ctx *ctx, int priority, const char *file, int line, const char *fn,
                            const char *format, va_list args) {
        /* Errors reach the caller as return values and are reported there. */
}

static enum dimm_sec dimm_state(struct ndctl_dimm *dimm) {
        switch (ndctl_dimm_get_security(dimm)) {
        case NDCTL_SECURITY_DISABLED:
                return DIMM_SEC_DISABLED;
        case NDCTL_SECURITY_UNLOCKED:
                /* Linux 6.12 keeps reporting "unlocked" once frozen. */
                return ndctl_dimm_security_is_frozen(dimm) ? DIMM_SEC_FROZEN : DIMM_SEC_UNLOCKED;
        case NDCTL_SECURITY_LOCKED:
                return DIMM_SEC_LOCKED;
        case NDCTL_SECURITY_FROZEN:
                return DIMM_SEC_FROZEN;
        case NDCTL_SECURITY_OVERWRITE:
                return DIMM_SEC_OVERWRITE;
        default:
                return DIMM_SEC_UNSUPPORTED;
        }
}

/* dax device -> its nd region -> the DIMMs mapped into that region. */
static int kernel_dimm_security(void *ctx, const struct dax_facts *f, struct dimm_security *ret, size_t max) {
        struct ndctl_ctx *nctx = NULL;
        struct ndctl_bus *bus;
        struct ndctl_region *region;
        struct ndctl_mapping *mapping;
        size_t n = 0;
        bool found = false;
        int r;

        if (f->source != DT_SOURCE_PMEM || f->region < 0)
                return 0;
        r = ndctl_new(&nctx);
        if (r < 0)
                return r;
        ndctl_set_log_fn(nctx, kernel_ndctl_log_quiet);
        ndctl_bus_foreach(nctx, bus)
                ndctl_region_foreach(bus, region) {
                        if (found || ndctl_region_get_id(region) != (unsigned) f->region)
                                continue;
                        found = true;
                        ndctl_mapping_foreach(region, mapping) {
                                struct ndctl_dimm *dimm = ndctl_mapping_get_dimm(mapping);
                                if (!dimm)
                                        continue;
                                if (n < max) {
                                        snprintf(ret[n].name, sizeof(ret[n].name), "%s", ndctl_dimm_get_devname(dimm));
                                        ret[n].state = dimm_state(dimm);
                                }
                                n++;
                        }
                }
        ndctl_unref(nctx);
        return found ? (int) n : -ENODEV;
}

/* The libndctl bus of a pmem device, in a new context the caller frees. */
static int find_bus(const struct dax_facts *f, struct ndctl_ctx **ret_ctx, struct ndctl_bus **ret_bus) {
        struct ndctl_ctx *nctx = NULL;
        struct ndctl_bus *bus;
        int r;

        if (f->source != DT_SOURCE_PMEM || !f->bus[0])
                return -EOPNOTSUPP;
        r = ndctl_new(&nctx);
        if (r < 0)
                return r;
        ndctl_set_log_fn(nctx, kernel_ndctl_log_quiet);
        ndctl_bus_foreach(nctx, bus)
                if (streq(ndctl_bus_get_devname(bus), f->bus)) {
                        *ret_ctx = nctx;
                        *ret_bus = bus;
                        return 0;
                }
        ndctl_unref(nctx);
        return -ENODEV;
}

static int kernel_ars_start(void *ctx, const struct dax_facts *f) {
        struct ndctl_ctx *nctx;
        struct ndctl_bus *bus;
        int r;

        r = find_bus(f, &nctx, &bus);
        if (r < 0)
                return r == -ENODEV ? -EOPNOTSUPP : r;
        if (!ndctl_bus_has_nfit(bus) || !ndctl_bus_is_cmd_supported(bus, ND_CMD_ARS_START))
                r = -EOPNOTSUPP;
        else if ((r = ndctl_bus_get_scrub_state(bus)) > 0)
                r = 0;          /* one runs already: wait for it */
        else if (r >= 0 || r == -ENXIO)
                r = ndctl_bus_start_scrub(bus);
        ndctl_unref(nctx);
        return r > 0 ? 0 : r;
}

static int kernel_ars_busy(void *ctx, const struct dax_facts *f) {
        char p[PATH_MAX], buf[32];
        int r;

        /* "COUNT" when idle, "COUNT+" while a scrub runs. */
        snprintf(p, sizeof(p), "/sys/bus/nd/devices/%s/nfit/scrub", f->bus);
        r = sysfs_read(p, buf, sizeof(buf));
        if (r < 0)
                return r;
        return strchr(buf, '+') ? 1 : 0;
}

static int kernel_badblocks(void *ctx, const struct dax_facts *f, struct bad_range *out, size_t max) {
        char p[PATH_MAX], path[PATH_MAX], err[128];
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *text = NULL;
        size_t len = 0, cap = 0;
        int r;

        if (f->source != DT_SOURCE_PMEM || f->region < 0)
                return 0;
        snprintf(p, sizeof(p), "/sys/bus/nd/devices/region%d/badblocks", f->region);
        r = sysfs_path(path, sizeof(path), p);
        if (r < 0)
                return r;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        for (;;) {
                if (len + 4096 + 1 > cap) {
                        char *t = realloc(text, cap + 65536);
                        if (!t)
                                return -ENOMEM;
                        text = t;
                        cap += 65536;
                }
                ssize_t n = read(fd, text + len, cap - len - 1);
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        if (!text)
                return 0;
        text[len] = 0;
        return badblocks_parse(text, f->region_start, out, max, err, sizeof(err));
}

static int kernel_clear_error(void *ctx, const struct dax_facts *f, uint64_t addr, uint64_t len, uint64_t *cleared) {
        struct ndctl_ctx *nctx;
        struct ndctl_bus *bus;
        struct ndctl_cmd *cap = NULL, *clear = NULL;
        struct bad_range rg = { addr, len };
        unsigned unit;
        int r;

        *cleared = 0;
        r = find_bus(f, &nctx, &bus);
        if (r < 0)
                return r == -ENODEV ? -EOPNOTSUPP : r;
        if (!ndctl_bus_is_cmd_supported(bus, ND_CMD_ARS_CAP) || !ndctl_bus_is_cmd_supported(bus, ND_CMD_CLEAR_ERROR)) {
                r = -EOPNOTSUPP;
                goto out;
        }
        /* The clear unit first, then a capability query of the widened
         * range, which the clear command must fall inside. */
        cap = ndctl_bus_cmd_new_ars_cap(bus, rg.start, rg.len);
        if (!cap) {
                r = -ENOMEM;
                goto out;
        }
        /* _xlat turns the firmware's status into an errno. */
        r = ndctl_cmd_submit_xlat(cap);
        if (r < 0)
                goto out;
        unit = ndctl_cmd_ars_cap_get_clear_unit(cap);
        struct bad_range aligned = clear_unit_align(rg, unit);
        if (aligned.start != rg.start || aligned.len != rg.len) {
                rg = aligned;
                ndctl_cmd_unref(cap);
                cap = ndctl_bus_cmd_new_ars_cap(bus, rg.start, rg.len);
                if (!cap) {
                        r = -ENOMEM;
                        goto out;
                }
                r = ndctl_cmd_submit_xlat(cap);
                if (r < 0)
                        goto out;
        }
        clear = ndctl_bus_cmd_new_clear_error(rg.start, rg.len, cap);
        if (!clear) {
                r = -EINVAL;
                goto out;
        }
        r = ndctl_cmd_submit_xlat(clear);
        if (r >= 0) {
                *cleared = ndctl_cmd_clear_error_get_cleared(clear);
                r = 0;
        }
out:
        if (clear)
                ndctl_cmd_unref(clear);
        if (cap)
                ndctl_cmd_unref(cap);
        ndctl_unref(nctx);
        return r;
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
