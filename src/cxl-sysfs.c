/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cxl-sysfs: see cxl-sysfs.h (and there, why sysfs rather than libcxl). */

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>

#include "cxl-sysfs.h"
#include "sysfs.h"
#include "util.h"

#define CXL_DEVICES "/sys/bus/cxl/devices"

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

/* Reads CXL_DEVICES/dev/attr. */
static int attr_read(const char *dev, const char *attr, char *buf, size_t len) {
        char p[PATH_MAX];

        if (snprintf(p, sizeof(p), CXL_DEVICES "/%s/%s", dev, attr) >= (int) sizeof(p))
                return -ENAMETOOLONG;
        return sysfs_read(p, buf, len);
}

/* Numbers: the kernel prints sizes in hex with 0x, some with leading zeros. */
static int attr_u64(const char *dev, const char *attr, uint64_t *ret) {
        char buf[64];
        int r = attr_read(dev, attr, buf, sizeof(buf));

        if (r < 0)
                return r;
        return safe_atou64(buf, 0, ret);
}

/*
 * One write(2) of value, the kernel's answer is the result.  Opened with
 * O_TRUNC as the shell's echo does (sysfs ignores it), so that a fake
 * tree reads back the last value written.
 */
static int write_trunc(const char *path, const char *value) {
        char p[PATH_MAX];
        _cleanup_close_ int fd = -1;
        size_t len = strlen(value);
        ssize_t n;
        int r;

        r = sysfs_path(p, sizeof(p), path);
        if (r < 0)
                return r;
        fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        n = write(fd, value, len);
        if (n < 0)
                return -errno;
        return (size_t) n == len ? 0 : -EIO;
}

static int attr_write(const char *dev, const char *attr, const char *value) {
        char p[PATH_MAX];

        if (snprintf(p, sizeof(p), CXL_DEVICES "/%s/%s", dev, attr) >= (int) sizeof(p))
                return -ENAMETOOLONG;
        return write_trunc(p, value);
}

static int attr_write_u64(const char *dev, const char *attr, uint64_t v) {
        char buf[32];

        snprintf(buf, sizeof(buf), "%" PRIu64, v);
        return attr_write(dev, attr, buf);
}

/* The resolved sysfs path of CXL_DEVICES/dev, without the root. */
static int dev_resolve(const char *dev, char *buf, size_t len) {
        char p[PATH_MAX];

        if (snprintf(p, sizeof(p), CXL_DEVICES "/%s", dev) >= (int) sizeof(p))
                return -ENAMETOOLONG;
        return sysfs_resolve(p, buf, len);
}

/* The last component of a path, and of its parent. */
static const char *base_of(const char *path) {
        const char *b = strrchr(path, '/');

        return b ? b + 1 : path;
}

static int parent_name(const char *path, char *buf, size_t len) {
        const char *b = strrchr(path, '/');
        const char *a;

        if (!b || b == path)
                return -ENOENT;
        for (a = b - 1; a > path && *a != '/'; a--)
                ;
        if (*a == '/')
                a++;
        if ((size_t) (b - a) >= len)
                return -ENAMETOOLONG;
        memcpy(buf, a, (size_t) (b - a));
        buf[b - a] = '\0';
        return 0;
}

static bool name_is(const char *name, const char *prefix) {
        size_t n = strlen(prefix);

        return strncmp(name, prefix, n) == 0 && name[n] >= '0' && name[n] <= '9';
}

/* Sort names by their numbers: mem2 before mem10, decoder2.1 before decoder2.10. */
static int name_cmp(const void *a, const void *b) {
        const char *x = a, *y = b;

        while (*x && *y) {
                if (*x >= '0' && *x <= '9' && *y >= '0' && *y <= '9') {
                        char *ex, *ey;
                        unsigned long long vx = strtoull(x, &ex, 10), vy = strtoull(y, &ey, 10);

                        if (vx != vy)
                                return vx < vy ? -1 : 1;
                        x = ex;
                        y = ey;
                        continue;
                }
                if (*x != *y)
                        return (unsigned char) *x - (unsigned char) *y;
                x++;
                y++;
        }
        return (unsigned char) *x - (unsigned char) *y;
}

/*
 * Names of the entries of a sysfs directory that start with prefix and a
 * digit, sorted by number; *ret is malloc'ed.
 */
static int list_dir(const char *dir, const char *prefix, char (**ret)[CXL_NAME_MAX], size_t *n) {
        char p[PATH_MAX];
        _cleanup_(closedirp) DIR *d = NULL;
        char (*v)[CXL_NAME_MAX] = NULL;
        size_t cnt = 0, cap = 0;
        struct dirent *de;
        int r;

        r = sysfs_path(p, sizeof(p), dir);
        if (r < 0)
                return r;
        d = opendir(p);
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                if (!name_is(de->d_name, prefix) || strlen(de->d_name) >= CXL_NAME_MAX)
                        continue;
                if (cnt == cap) {
                        void *nv = reallocarray(v, cap ? cap * 2 : 8, sizeof(*v));

                        if (!nv) {
                                free(v);
                                return -ENOMEM;
                        }
                        v = nv;
                        cap = cap ? cap * 2 : 8;
                }
                snprintf(v[cnt++], CXL_NAME_MAX, "%s", de->d_name);
        }
        if (cnt > 0)
                qsort(v, cnt, sizeof(*v), name_cmp);
        *ret = v;
        *n = cnt;
        return 0;
}

static int devices(const char *prefix, char (**ret)[CXL_NAME_MAX], size_t *n) {
        return list_dir(CXL_DEVICES, prefix, ret, n);
}

/*
 * The host bridge id of a port under the CXL root: the dportN of root0
 * whose target is the port's uport (the host bridge device); its N is
 * what root decoders list in target_list.
 */
static int host_bridge_id(const char *root, const char *hb_port, int *ret) {
        _cleanup_free_ char (*dports)[CXL_NAME_MAX] = NULL;
        char p[PATH_MAX], uport[PATH_MAX], dp[PATH_MAX];
        size_t n = 0;
        int r;

        snprintf(p, sizeof(p), CXL_DEVICES "/%s/uport", hb_port);
        r = sysfs_resolve(p, uport, sizeof(uport));
        if (r < 0)
                return r;
        snprintf(p, sizeof(p), CXL_DEVICES "/%s", root);
        r = list_dir(p, "dport", &dports, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                snprintf(p, sizeof(p), CXL_DEVICES "/%s/%s", root, dports[i]);
                if (sysfs_resolve(p, dp, sizeof(dp)) < 0 || !streq(dp, uport))
                        continue;
                return safe_atoi(dports[i] + strlen("dport"), ret);
        }
        return -ENOENT;
}

/*
 * Fills what a memdev needs: its endpoint (the endpointN whose uport is
 * the memdev), the host bridge port above it (walking up to the port
 * whose parent is a root), the host bridge id, its PCI root port, its
 * endpoint decoders' DPA use and the decoder a new region takes next.
 */
static int scan_memdev(struct cxl_sysfs *c, size_t i, char (*endpoints)[CXL_NAME_MAX], size_t n_endpoints) {
        struct cxl_memdev *m = &c->memdevs[i];
        const char *name = m->name;
        char p[PATH_MAX], path[PATH_MAX], up[PATH_MAX], parent[CXL_NAME_MAX], child[CXL_NAME_MAX];
        _cleanup_free_ char (*decs)[CXL_NAME_MAX] = NULL;
        size_t n_decs = 0;
        int last = -1, r;
        bool found = false;

        m->host_bridge = -1;
        for (size_t e = 0; e < n_endpoints && !found; e++) {
                snprintf(p, sizeof(p), CXL_DEVICES "/%s/uport", endpoints[e]);
                if (sysfs_resolve(p, up, sizeof(up)) < 0 || !streq(base_of(up), name))
                        continue;
                snprintf(c->endpoint[i], CXL_NAME_MAX, "%s", endpoints[e]);
                found = true;
        }
        if (!found)
                return 0;       /* not enumerated yet (cxl_mem not bound): no capacity to plan */

        /* Up from the endpoint to the port whose parent is rootN. */
        snprintf(child, sizeof(child), "%s", c->endpoint[i]);
        for (int depth = 0; depth < 8; depth++) {
                r = dev_resolve(child, path, sizeof(path));
                if (r < 0)
                        return r;
                r = parent_name(path, parent, sizeof(parent));
                if (r < 0)
                        return r;
                if (name_is(parent, "root")) {
                        if (host_bridge_id(parent, child, &m->host_bridge) < 0)
                                m->host_bridge = -1;
                        break;
                }
                snprintf(child, sizeof(child), "%s", parent);
        }

        /* The PCI root port: the component after pciDDDD:BB in the memdev's path. */
        r = dev_resolve(name, path, sizeof(path));
        if (r >= 0) {
                char *s = strstr(path, "/pci");

                if (s && (s = strchr(s + 1, '/'))) {
                        char *e = strchr(s + 1, '/');
                        size_t l = e ? (size_t) (e - s - 1) : strlen(s + 1);

                        if (l < CXL_NAME_MAX && c->n_names < c->names_cap) {
                                memcpy(c->names[c->n_names], s + 1, l);
                                c->names[c->n_names][l] = '\0';
                                m->root_port = c->names[c->n_names++];
                        }
                }
        }

        (void) attr_u64(name, "ram/size", &m->ram_size);
        snprintf(p, sizeof(p), CXL_DEVICES "/%s", c->endpoint[i]);
        r = list_dir(p, "decoder", &decs, &n_decs);
        if (r < 0)
                return r;
        for (size_t d = 0; d < n_decs; d++) {
                char mode[16] = "";
                uint64_t dpa = 0;

                if (attr_u64(decs[d], "dpa_size", &dpa) < 0)
                        continue;
                if (dpa > 0) {
                        last = (int) d;
                        if (attr_read(decs[d], "mode", mode, sizeof(mode)) >= 0 && streq(mode, "ram"))
                                m->ram_used += dpa;
                }
        }
        /* Endpoint decoders are allocated in order (hdm.c): the one after the last used. */
        if ((size_t) (last + 1) < n_decs) {
                snprintf(c->next_decoder[i], CXL_NAME_MAX, "%s", decs[last + 1]);
                m->free_decoder = true;
        }
        return 0;
}

static int scan_root(struct cxl_sysfs *c, const char *name) {
        struct cxl_root_decoder *rd = &c->roots[c->n_roots];
        char buf[256], *save = NULL;
        uint64_t v = 0;
        int r;

        snprintf(c->names[c->n_names], CXL_NAME_MAX, "%s", name);
        rd->name = c->names[c->n_names++];
        rd->cap_ram = attr_read(name, "cap_ram", buf, sizeof(buf)) >= 0 && streq(buf, "1");
        r = attr_u64(name, "size", &rd->size);
        if (r < 0)
                return r;
        rd->free = rd->size;
        if (attr_u64(name, "interleave_ways", &v) >= 0)
                rd->ways = (unsigned) v;
        if (attr_u64(name, "interleave_granularity", &v) >= 0)
                rd->granularity = (unsigned) v;
        if (attr_read(name, "target_list", buf, sizeof(buf)) >= 0)
                for (char *t = strtok_r(buf, ",", &save); t && rd->n_targets < CXL_PLAN_MAX_TARGETS;
                     t = strtok_r(NULL, ",", &save))
                        if (safe_atoi(t, &rd->targets[rd->n_targets]) >= 0)
                                rd->n_targets++;
        c->n_roots++;
        return 0;
}

static int scan_region(struct cxl_sysfs *c, const char *name) {
        struct cxl_sysfs_region *rg = &c->regions[c->n_regions];
        char path[PATH_MAX], buf[64];
        uint64_t v = 0;
        int r;

        memset(rg, 0, sizeof(*rg));
        snprintf(rg->name, sizeof(rg->name), "%s", name);
        r = dev_resolve(name, path, sizeof(path));
        if (r < 0)
                return r;
        (void) parent_name(path, rg->root, sizeof(rg->root));
        (void) attr_read(name, "mode", rg->mode, sizeof(rg->mode));
        (void) attr_u64(name, "resource", &rg->resource);
        (void) attr_u64(name, "size", &rg->size);
        if (attr_u64(name, "interleave_ways", &v) >= 0)
                rg->ways = (unsigned) v;
        if (attr_u64(name, "interleave_granularity", &v) >= 0)
                rg->granularity = (unsigned) v;
        rg->committed = attr_read(name, "commit", buf, sizeof(buf)) >= 0 && streq(buf, "1");
        for (unsigned i = 0; i < rg->ways && i < CXL_PLAN_MAX_WAYS; i++) {
                char t[16], dpath[PATH_MAX], ep[CXL_NAME_MAX];

                snprintf(t, sizeof(t), "target%u", i);
                if (attr_read(name, t, rg->targets[i], sizeof(rg->targets[i])) < 0 || !rg->targets[i][0])
                        continue;
                /* decoderE.x → its endpoint port → the memdev it stands for */
                if (dev_resolve(rg->targets[i], dpath, sizeof(dpath)) < 0 ||
                    parent_name(dpath, ep, sizeof(ep)) < 0)
                        continue;
                snprintf(dpath, sizeof(dpath), CXL_DEVICES "/%s/uport", ep);
                if (sysfs_link_name(dpath, rg->memdevs[i], sizeof(rg->memdevs[i])) < 0)
                        rg->memdevs[i][0] = '\0';
        }
        c->n_regions++;
        return 0;
}

/* The largest extent of a root decoder's window that no region holds. */
static void root_free(struct cxl_sysfs *c, size_t ri) {
        struct cxl_root_decoder *rd = &c->roots[ri];
        uint64_t start = 0, end, cur, best = 0;

        if (attr_u64(rd->name, "start", &start) < 0) {
                /* no start: count sizes only */
                uint64_t used = 0;
                for (size_t g = 0; g < c->n_regions; g++)
                        if (streq(c->regions[g].root, rd->name))
                                used += c->regions[g].size;
                rd->free = used < rd->size ? rd->size - used : 0;
                return;
        }
        end = start + rd->size;
        cur = start;
        /* Regions of a window do not overlap; walk them by address. */
        for (;;) {
                uint64_t next = UINT64_MAX, next_end = 0;

                for (size_t g = 0; g < c->n_regions; g++) {
                        const struct cxl_sysfs_region *rg = &c->regions[g];

                        if (!streq(rg->root, rd->name) || rg->size == 0 || rg->resource == UINT64_MAX)
                                continue;
                        if (rg->resource >= cur && rg->resource < next) {
                                next = rg->resource;
                                next_end = rg->resource + rg->size;
                        }
                }
                if (next == UINT64_MAX || next >= end)
                        break;
                if (next - cur > best)
                        best = next - cur;
                cur = next_end;
        }
        if (end > cur && end - cur > best)
                best = end - cur;
        /* A region being set up has a size but no resource yet: count it. */
        for (size_t g = 0; g < c->n_regions; g++)
                if (streq(c->regions[g].root, rd->name) && c->regions[g].resource == UINT64_MAX)
                        best = best > c->regions[g].size ? best - c->regions[g].size : 0;
        rd->free = best;
}

int cxl_sysfs_scan(struct cxl_sysfs *ret) {
        _cleanup_free_ char (*mems)[CXL_NAME_MAX] = NULL, (*eps)[CXL_NAME_MAX] = NULL,
                (*decs)[CXL_NAME_MAX] = NULL, (*regs)[CXL_NAME_MAX] = NULL;
        size_t n_mems = 0, n_eps = 0, n_decs = 0, n_regs = 0;
        struct cxl_sysfs c = { 0 };
        int r;

        r = sysfs_exists(CXL_DEVICES);
        if (r <= 0) {
                *ret = c;
                return r;       /* no CXL bus: an empty topology */
        }
        if ((r = devices("mem", &mems, &n_mems)) < 0 || (r = devices("endpoint", &eps, &n_eps)) < 0 ||
            (r = devices("decoder", &decs, &n_decs)) < 0 || (r = devices("region", &regs, &n_regs)) < 0)
                return r;

        c.memdevs = calloc(n_mems + 1, sizeof(*c.memdevs));
        c.endpoint = calloc(n_mems + 1, sizeof(*c.endpoint));
        c.next_decoder = calloc(n_mems + 1, sizeof(*c.next_decoder));
        c.roots = calloc(n_decs + 1, sizeof(*c.roots));
        c.regions = calloc(n_regs + 1, sizeof(*c.regions));
        c.names_cap = 2 * n_mems + n_decs + 1;      /* roots, memdevs, their root ports */
        c.names = calloc(c.names_cap, sizeof(*c.names));
        if (!c.memdevs || !c.endpoint || !c.next_decoder || !c.roots || !c.regions || !c.names) {
                cxl_sysfs_free(&c);
                return -ENOMEM;
        }

        /* Root decoders: the decoders whose parent is a root port. */
        for (size_t i = 0; i < n_decs; i++) {
                char path[PATH_MAX], parent[CXL_NAME_MAX];

                if (dev_resolve(decs[i], path, sizeof(path)) < 0 ||
                    parent_name(path, parent, sizeof(parent)) < 0 || !name_is(parent, "root"))
                        continue;
                r = scan_root(&c, decs[i]);
                if (r < 0) {
                        cxl_sysfs_free(&c);
                        return r;
                }
        }
        for (size_t i = 0; i < n_regs; i++) {
                r = scan_region(&c, regs[i]);
                if (r < 0 && r != -ENOENT) {
                        cxl_sysfs_free(&c);
                        return r;
                }
        }
        for (size_t i = 0; i < c.n_roots; i++)
                root_free(&c, i);
        for (size_t i = 0; i < n_mems; i++) {
                struct cxl_memdev *m = &c.memdevs[c.n_memdevs];

                snprintf(c.names[c.n_names], CXL_NAME_MAX, "%s", mems[i]);
                m->name = c.names[c.n_names++];
                (void) attr_u64(mems[i], "serial", &m->serial);
                c.n_memdevs++;
                r = scan_memdev(&c, c.n_memdevs - 1, eps, n_eps);
                if (r < 0) {
                        cxl_sysfs_free(&c);
                        return r;
                }
        }
        *ret = c;
        return 0;
}

void cxl_sysfs_free(struct cxl_sysfs *c) {
        free(c->memdevs);
        free(c->endpoint);
        free(c->next_decoder);
        free(c->roots);
        free(c->regions);
        free(c->names);
        *c = (struct cxl_sysfs) { 0 };
}

void cxl_sysfs_topology(const struct cxl_sysfs *c, uint64_t block_size, struct cxl_topology *ret) {
        *ret = (struct cxl_topology) {
                .roots = c->roots, .n_roots = c->n_roots,
                .memdevs = c->memdevs, .n_memdevs = c->n_memdevs,
                .block_size = block_size,
        };
}

int cxl_sysfs_memdev_index(const struct cxl_sysfs *c, const char *name) {
        for (size_t i = 0; i < c->n_memdevs; i++)
                if (streq(c->memdevs[i].name, name))
                        return (int) i;
        return -ENOENT;
}

int cxl_sysfs_region_index(const struct cxl_sysfs *c, const char *name) {
        for (size_t i = 0; i < c->n_regions; i++)
                if (streq(c->regions[i].name, name))
                        return (int) i;
        return -ENOENT;
}

/* Undo of a failed creation: the region, then each DPA allocation, newest first. */
static void undo_region(const char *root, const char *region, char (*decs)[CXL_NAME_MAX], size_t n) {
        if (region && *region)
                (void) attr_write(root, "delete_region", region);
        for (size_t i = n; i > 0; i--) {
                (void) attr_write(decs[i - 1], "dpa_size", "0");
                (void) attr_write(decs[i - 1], "mode", "none");
        }
}

int cxl_sysfs_create_ram_region(const struct cxl_sysfs *c, const struct cxl_region_plan *p, char *ret_name,
                                size_t len, const char **ret_step) {
        return cxl_sysfs_create_ram_region_intent(c, p, NULL, NULL, ret_name, len, ret_step);
}

/* The next free endpoint decoder of each memdev of the plan, into decs;
 * -EINVAL if a memdev is unknown or has none. */
static int region_decoders(const struct cxl_sysfs *c, const struct cxl_region_plan *p,
                           char (*decs)[CXL_NAME_MAX]) {
        for (unsigned w = 0; w < p->ways; w++) {
                if (p->memdevs[w] >= c->n_memdevs || !c->next_decoder[p->memdevs[w]][0])
                        return -EINVAL;
                snprintf(decs[w], CXL_NAME_MAX, "%s", c->next_decoder[p->memdevs[w]]);
        }
        return 0;
}

/* Geometry, DPA of each endpoint decoder, size, targets, commit of a
 * region just created.  *step names the step that failed, *n_alloc
 * counts the decoders whose mode was set (to undo).  Returns 0 or -errno. */
static int region_configure(const char *region, const struct cxl_region_plan *p, char (*decs)[CXL_NAME_MAX],
                            const char **step, size_t *n_alloc) {
        int r;

        *step = "setting interleave_granularity";
        if ((r = attr_write_u64(region, "interleave_granularity", p->granularity)) < 0)
                return r;
        *step = "setting interleave_ways";
        if ((r = attr_write_u64(region, "interleave_ways", p->ways)) < 0)
                return r;
        for (unsigned w = 0; w < p->ways; w++) {
                *step = "setting an endpoint decoder's mode to ram";
                if ((r = attr_write(decs[w], "mode", "ram")) < 0)
                        return r;
                *n_alloc = w + 1;
                *step = "allocating DPA (dpa_size)";
                if ((r = attr_write_u64(decs[w], "dpa_size", p->per_device)) < 0)
                        return r;
        }
        *step = "setting the region's size";
        if ((r = attr_write_u64(region, "size", p->size)) < 0)
                return r;
        for (unsigned w = 0; w < p->ways; w++) {
                char t[24];

                snprintf(t, sizeof(t), "target%u", w);
                *step = "setting a target";
                if ((r = attr_write(region, t, decs[w])) < 0)
                        return r;
        }
        *step = "committing";
        if ((r = attr_write(region, "commit", "1")) < 0)
                return r;
        return 0;
}

/* Binds the region to cxl_region.  The driver may already have bound it
 * (auto probe), so that is no failure.  Returns 0 or the bind's -errno. */
static int region_bind(const char *region) {
        char drv[64];
        int r;

        r = write_trunc("/sys/bus/cxl/drivers/cxl_region/bind", region);
        if (r < 0 && r != -EBUSY && r != -EEXIST) {
                if (attr_read(region, "driver", drv, sizeof(drv)) != -ENOENT) {
                        char p2[PATH_MAX];

                        snprintf(p2, sizeof(p2), CXL_DEVICES "/%s/driver", region);
                        if (sysfs_link_name(p2, drv, sizeof(drv)) < 0 || !streq(drv, "cxl_region"))
                                return r;
                }
        }
        return 0;
}

int cxl_sysfs_create_ram_region_intent(const struct cxl_sysfs *c, const struct cxl_region_plan *p,
                                       int (*intent)(const char *region, void *userdata), void *userdata,
                                       char *ret_name, size_t len, const char **ret_step) {
        char region[CXL_NAME_MAX] = "", decs[CXL_PLAN_MAX_WAYS][CXL_NAME_MAX];
        const char *root, *step = "checking the plan";
        size_t n_alloc = 0;
        int r = -EINVAL;

        if (!c || !p || p->root >= c->n_roots || p->ways == 0 || p->ways > CXL_PLAN_MAX_WAYS || !ret_name)
                goto fail_early;
        root = c->roots[p->root].name;
        if ((r = region_decoders(c, p, decs)) < 0)
                goto fail_early;

        /* Reading create_ram_region names the next region; writing it back makes it. */
        step = "reading create_ram_region";
        if ((r = attr_read(root, "create_ram_region", region, sizeof(region))) < 0) {
                region[0] = '\0';
                goto fail;
        }
        /* The caller records the name before the region exists, so that a
         * crash from here on cannot leave a region nobody knows is ours. */
        step = "recording the region before creating it";
        if (intent && (r = intent(region, userdata)) < 0) {
                region[0] = '\0';
                goto fail_early;
        }
        step = "writing create_ram_region";
        if ((r = attr_write(root, "create_ram_region", region)) < 0) {
                region[0] = '\0';
                goto fail;
        }
        if ((r = region_configure(region, p, decs, &step, &n_alloc)) < 0)
                goto fail;
        step = "binding cxl_region";
        if ((r = region_bind(region)) < 0)
                goto fail;
        if (strlen(region) >= len)
                return -ENAMETOOLONG;
        strcpy(ret_name, region);
        if (ret_step)
                *ret_step = NULL;
        return 0;

fail:
        undo_region(root, region, decs, n_alloc);
fail_early:
        if (ret_step)
                *ret_step = step;
        return r;
}

int cxl_sysfs_dax_region(const char *dax, char *ret, size_t len) {
        char p[PATH_MAX], path[PATH_MAX], *s, *e;
        int r;

        snprintf(p, sizeof(p), "/sys/bus/dax/devices/%s", dax);
        r = sysfs_resolve(p, path, sizeof(path));
        if (r < 0)
                return r;
        /* .../decoder0.0/region0/dax_region0/dax0.0 */
        s = strstr(path, "/region");
        while (s && !(s[7] >= '0' && s[7] <= '9'))
                s = strstr(s + 1, "/region");
        if (!s)
                return -ENOENT;
        s++;
        e = strchr(s, '/');
        if (!e || (size_t) (e - s) >= len)
                return -ENOENT;
        memcpy(ret, s, (size_t) (e - s));
        ret[e - s] = '\0';
        return 0;
}
