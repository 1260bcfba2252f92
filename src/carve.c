/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * carve: see carve.h.  The I/O half of the region pass: each region is
 * read into a struct carve_region and decided on by carve_region_run()
 * (carve-plan.c, pure and unit-tested); this file only reads regions and,
 * as that plan's backend, creates what it asks for.
 *
 * Creating a devdax namespace with libndctl is configuring the region's
 * seeds, as the kernel offers them: the namespace seed (an idle namespace
 * of size 0) gets a uuid, a name and a size, which writes its label;
 * the dax seed gets a uuid, the location of the memory map, an alignment
 * and that namespace; enabling the dax seed makes the kernel probe it
 * and create the dax device.  The kernel then offers fresh seeds.
 *
 * The memory map goes in RAM (NDCTL_PFN_LOC_RAM, ndctl's "map=mem"): a
 * device that becomes System RAM through kmem never uses a memory map
 * reserved on the device (kmem allocates its own when it adds the
 * memory), so reserving 1/64 of the namespace for one would only waste
 * it.  The cost is that device_dax, while it holds the device (between
 * creation and binding to kmem, and at each boot until daxtierd binds it
 * again), keeps that map in DRAM.
 *
 * Dynamic dax regions (CXL and hmem regions whose dax_region has a
 * "create" attribute) are carved with libdaxctl: ask the region for a new
 * seed device, size it, bind it to device_dax.  Such a device has no name
 * the kernel keeps, so the ones daxtierd made are listed in
 * CARVE_DAX_STATE_FILE, and an entry counts only while a device of that
 * name and size still exists in that region.
 */

#include <limits.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <daxctl/libdaxctl.h>
#include <ndctl/libndctl.h>
#include <linux/ndctl.h>

#include "carve-plan.h"
#include "kernel.h"
#include "util.h"

/* A version 4 (random) UUID. */
static int random_uuid(uuid_t uu) {
        ssize_t n = getrandom(uu, sizeof(uuid_t), 0);

        if (n < 0)
                return -errno;
        if ((size_t) n != sizeof(uuid_t))
                return -EIO;
        uu[6] = (unsigned char) ((uu[6] & 0x0f) | 0x40);
        uu[8] = (unsigned char) ((uu[8] & 0x3f) | 0x80);
        return 0;
}

/* Every namespace of the region, by alt name and size. */
static int pmem_children(struct ndctl_region *region, struct carve_child **ret, size_t *ret_n) {
        struct ndctl_namespace *ndns;
        struct carve_child *v = NULL, *nv;
        size_t n = 0;

        ndctl_namespace_foreach(region, ndns) {
                unsigned long long size = ndctl_namespace_get_size(ndns);

                nv = realloc(v, (n + 1) * sizeof(*v));
                if (!nv) {
                        free(v);
                        return -ENOMEM;
                }
                v = nv;
                v[n++] = (struct carve_child) {
                        .name = ndctl_namespace_get_alt_name(ndns),
                        .size = size == ULLONG_MAX ? UINT64_MAX : size,
                };
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

/* The dax device the kernel made for an enabled nd dax instance, or "". */
static void pmem_dax_device(struct ndctl_dax *dax, char *buf, size_t len) {
        struct daxctl_region *dr = ndctl_dax_get_daxctl_region(dax);
        struct daxctl_dev *dev;

        buf[0] = 0;
        if (!dr)
                return;
        daxctl_dev_foreach(dr, dev)
                if (daxctl_dev_get_size(dev) > 0) {
                        snprintf(buf, len, "%s", daxctl_dev_get_devname(dev));
                        return;
                }
}

/*
 * Creates one devdax namespace of size bytes named name from the
 * region's seeds.  Everything it set up is taken down again when a step
 * fails, so that a failure leaves no half-made namespace holding
 * capacity.  Returns 0, or -errno with the reason in res.
 */
static int pmem_create(void *ctx, const struct carve_region *f, const char *name, uint64_t size,
                       struct carve_result *res) {
        struct ndctl_region *region = ctx;
        const char *rname = f->name;
        unsigned long dax_align = (unsigned long) f->dax_align;
        struct ndctl_namespace *ndns;
        struct ndctl_dax *dax;
        const char *step;
        bool touched = false, attached = false;
        uuid_t ns_uuid, dax_uuid;
        int r;

        ndns = ndctl_region_get_namespace_seed(region);
        if (!ndns || !ndctl_namespace_is_configuration_idle(ndns) || ndctl_namespace_get_size(ndns) != 0) {
                carve_result_set(res, CARVE_FAILED, "%s offers no idle namespace seed to configure", rname);
                return -EBUSY;
        }
        dax = ndctl_region_get_dax_seed(region);
        if (!dax || ndctl_dax_is_enabled(dax) || ndctl_dax_get_namespace(dax)) {
                carve_result_set(res, CARVE_FAILED, "%s offers no idle devdax seed to configure", rname);
                return -EBUSY;
        }
        snprintf(res->namespace, sizeof(res->namespace), "%s", ndctl_namespace_get_devname(ndns));

        step = "generating a uuid";
        if ((r = random_uuid(ns_uuid)) < 0 || (r = random_uuid(dax_uuid)) < 0)
                goto fail;

        step = "setting the namespace uuid";
        if ((r = ndctl_namespace_set_uuid(ndns, ns_uuid)) < 0)
                goto fail;
        /* From here on the seed is no longer idle: a failure must reset it. */
        touched = true;
        step = "setting the namespace name";
        if ((r = ndctl_namespace_set_alt_name(ndns, name)) < 0)
                goto fail;
        step = "setting the namespace size";
        if ((r = ndctl_namespace_set_size(ndns, size)) < 0)
                goto fail;
        /* Only a hint to the kernel, which older kernels lack. */
        (void) ndctl_namespace_set_enforce_mode(ndns, NDCTL_NS_MODE_DEVDAX);

        step = "setting the dax uuid";
        if ((r = ndctl_dax_set_uuid(dax, dax_uuid)) < 0)
                goto fail;
        step = "placing the memory map in RAM";
        if ((r = ndctl_dax_set_location(dax, NDCTL_PFN_LOC_RAM)) < 0)
                goto fail;
        step = "setting the dax alignment";
        if ((r = ndctl_dax_set_align(dax, dax_align)) < 0)
                goto fail;
        step = "attaching the namespace to the dax seed";
        if ((r = ndctl_dax_set_namespace(dax, ndns)) < 0)
                goto fail;
        attached = true;
        step = "enabling the dax device";
        if ((r = ndctl_dax_enable(dax)) < 0)
                goto fail;

        pmem_dax_device(dax, res->device, sizeof(res->device));
        return 0;

fail:
        /* Our own namespace, seconds old and never enabled: it holds no
         * data.  Deleting it gives its capacity back and makes it an idle
         * seed again, as ndctl create-namespace does on failure. */
        if (attached)
                (void) ndctl_dax_set_namespace(dax, NULL);
        if (touched) {
                (void) ndctl_namespace_set_enforce_mode(ndns, NDCTL_NS_MODE_RAW);
                (void) ndctl_namespace_delete(ndns);
        }
        carve_result_set(res, CARVE_FAILED, "%s: %s of %s failed: %s; %s", rname, step, res->namespace,
                         strerror(-r), touched ? "the new namespace was deleted again" : "nothing was created");
        return r;
}

static void carve_pmem_region(const struct carve_request *req, struct ndctl_region *region,
                              struct carve_results *rs) {
        const struct carve_backend be = { .create = pmem_create, .ctx = region };
        _cleanup_free_ struct carve_child *children = NULL;
        struct carve_region f;
        struct ndctl_dax *dax;
        unsigned long region_align, dax_align;
        unsigned long long avail;

        if (ndctl_region_get_type(region) != ND_DEVICE_REGION_PMEM)
                return;
        f = (struct carve_region) {
                .name = ndctl_region_get_devname(region),
                .source = DT_SOURCE_PMEM,
                .id = (int) ndctl_region_get_id(region),
                .target_node = ndctl_region_get_target_node(region),
                .disabled = !ndctl_region_is_enabled(region),
                .read_only = ndctl_region_get_ro(region) > 0,
                .no_labels = ndctl_region_get_nstype(region) == ND_DEVICE_NAMESPACE_IO,
                .size = ndctl_region_get_size(region),
                .ways = ndctl_region_get_interleave_ways(region),
        };
        dax = ndctl_region_get_dax_seed(region);
        f.no_dax_seed = !dax;

        if (pmem_children(region, &children, &f.n_children) < 0) {
                rs->oom = true;
                return;
        }
        f.children = children;

        /* A namespace is one extent of the region, not the sum of its holes. */
        avail = ndctl_region_get_max_available_extent(region);
        if (avail == ULLONG_MAX)
                avail = ndctl_region_get_available_size(region);
        f.available = avail == ULLONG_MAX ? UINT64_MAX : avail;

        region_align = ndctl_region_get_align(region);
        f.region_align = region_align == ULONG_MAX ? 0 : region_align;
        dax_align = dax ? ndctl_dax_get_align(dax) : 0;
        if (dax_align == 0 || dax_align == ULONG_MAX)
                dax_align = UINT64_C(2) << 20;  /* the devdax default */
        f.dax_align = dax_align;

        (void) carve_region_run(req, &f, &be, rs);
}

/* ---- dynamic dax regions ------------------------------------------------ */

struct owned {
        char dev[32];
        int region;
        unsigned long long size;
        char rule[64];
};

struct owned_list {
        struct owned *v;
        size_t n;
        bool dirty;     /* differs from the file */
};

static int owned_add(struct owned_list *l, const struct owned *o) {
        struct owned *v = realloc(l->v, (l->n + 1) * sizeof(*v));

        if (!v)
                return -ENOMEM;
        l->v = v;
        l->v[l->n++] = *o;
        return 0;
}

/* A missing file is an empty list; lines that do not parse are dropped. */
static int owned_load(struct owned_list *l) {
        _cleanup_fclose_ FILE *f = NULL;
        char line[256];
        int r;

        f = fopen(CARVE_DAX_STATE_FILE, "re");
        if (!f)
                return errno == ENOENT ? 0 : -errno;
        while (fgets(line, sizeof(line), f)) {
                struct owned o = {};

                if (sscanf(line, "%31s %d %llu %63s", o.dev, &o.region, &o.size, o.rule) != 4) {
                        l->dirty = true;
                        continue;
                }
                r = owned_add(l, &o);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Replaces the file at once (write and rename), so readers see old or new. */
static int owned_save(const struct owned_list *l) {
        const char *tmp = CARVE_DAX_STATE_FILE ".new";
        FILE *f;
        int r = 0;

        if (mkdir(CARVE_DAX_STATE_DIR, 0755) < 0 && errno != EEXIST)
                return -errno;
        f = fopen(tmp, "we");
        if (!f)
                return -errno;
        fputs("# dynamic dax devices carved by daxtierd: DEVICE REGION-ID SIZE RULE\n", f);
        for (size_t i = 0; i < l->n; i++)
                fprintf(f, "%s %d %llu %s\n", l->v[i].dev, l->v[i].region, l->v[i].size, l->v[i].rule);
        if (fflush(f) != 0 || ferror(f))
                r = -errno ? -errno : -EIO;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, CARVE_DAX_STATE_FILE) < 0)
                r = -errno;
        if (r < 0)
                (void) unlink(tmp);
        return r;
}

int carve_dax_name(const char *name, uint64_t size, char *buf, size_t len) {
        struct owned_list l = {};
        int r;

        r = owned_load(&l);
        if (r >= 0) {
                r = -ENOENT;
                for (size_t i = 0; i < l.n; i++)
                        if (streq(l.v[i].dev, name) && l.v[i].size == size) {
                                snprintf(buf, len, DT_CARVE_NAME_PREFIX "%s", l.v[i].rule);
                                r = 0;
                                break;
                        }
        }
        free(l.v);
        return r;
}

static bool dax_region_is_dynamic(struct daxctl_region *region) {
        char p[PATH_MAX];

        snprintf(p, sizeof(p), "%s/dax_region/create", daxctl_region_get_path(region));
        return access(p, F_OK) == 0;
}

/* The region's parent device: hmem.N (hmem) or dax_regionZ (under a CXL region). */
static enum dt_source dax_region_source(struct daxctl_region *region) {
        const char *path = daxctl_region_get_path(region), *base = strrchr(path, '/');

        base = base ? base + 1 : path;
        if (startswith(base, "hmem"))
                return DT_SOURCE_HMEM;
        if (startswith(base, "dax_region"))
                return DT_SOURCE_CXL;
        return DT_SOURCE_UNKNOWN;
}

static struct daxctl_dev *dax_find(struct daxctl_region *region, const char *name) {
        struct daxctl_dev *dev;

        daxctl_dev_foreach(region, dev)
                if (streq(daxctl_dev_get_devname(dev), name))
                        return dev;
        return NULL;
}

/* Drops the entries whose device is gone or was resized by someone else. */
static void owned_prune(struct owned_list *l, struct daxctl_ctx *ctx) {
        size_t k = 0;

        for (size_t i = 0; i < l->n; i++) {
                struct daxctl_region *region;
                bool alive = false;

                daxctl_region_foreach(ctx, region) {
                        struct daxctl_dev *dev;

                        if (daxctl_region_get_id(region) != l->v[i].region || !dax_region_is_dynamic(region))
                                continue;
                        dev = dax_find(region, l->v[i].dev);
                        if (dev && daxctl_dev_get_size(dev) == l->v[i].size)
                                alive = true;
                }
                if (alive)
                        l->v[k++] = l->v[i];
        }
        if (k != l->n)
                l->dirty = true;
        l->n = k;
}

/*
 * Creates one device of size bytes in the dynamic region at path.  A
 * fresh libdaxctl context, because a context lists a region's devices
 * once and would not see the seed the kernel makes now.  Returns 0 or
 * -errno with the reason in res.
 */
static int dax_create_dev(const char *path, uint64_t size, struct carve_result *res) {
        struct daxctl_ctx *ctx = NULL;
        struct daxctl_region *region, *found = NULL;
        struct daxctl_dev *dev;
        const char *step;
        bool sized = false;
        int r;

        r = daxctl_new(&ctx);
        if (r < 0) {
                carve_result_set(res, CARVE_FAILED, "cannot open libdaxctl: %s; nothing was created", strerror(-r));
                return r;
        }
        daxctl_set_log_fn(ctx, kernel_daxctl_log_quiet);
        daxctl_region_foreach(ctx, region)
                if (streq(daxctl_region_get_path(region), path))
                        found = region;
        if (!found) {
                carve_result_set(res, CARVE_FAILED, "%s went away; nothing was created", res->region);
                r = -ENODEV;
                goto out;
        }

        step = "asking for a new device";
        if ((r = daxctl_region_create_dev(found)) < 0)
                goto fail;
        step = "finding the new device";
        dev = daxctl_region_get_dev_seed(found);
        if (!dev || daxctl_dev_get_size(dev) != 0 || daxctl_dev_is_enabled(dev)) {
                r = -EBUSY;
                goto fail;
        }
        snprintf(res->device, sizeof(res->device), "%s", daxctl_dev_get_devname(dev));
        step = "setting its size";
        if ((r = daxctl_dev_set_size(dev, size)) < 0)
                goto fail;
        sized = true;
        step = "binding it to device_dax";
        if ((r = daxctl_dev_enable_devdax(dev)) < 0)
                goto fail;
        r = 0;
        goto out;

fail:
        /* Give the capacity back; the empty device stays as the region's seed. */
        if (sized) {
                (void) daxctl_dev_disable(dev);
                (void) daxctl_dev_set_size(dev, 0);
        }
        carve_result_set(res, CARVE_FAILED, "%s: %s%s%s failed: %s; %s", res->region, step,
                         res->device[0] ? " of " : "", res->device, strerror(-r),
                         sized ? "its size was set back to 0" : "nothing was created");
        res->device[0] = 0;
out:
        daxctl_unref(ctx);
        return r;
}

struct dax_backend {
        const char *path;       /* of the region */
        struct owned_list *owned;
};

/* The backend's create: the device, then its line in the state file. */
static int dax_create(void *ctx, const struct carve_region *f, const char *name, uint64_t size,
                      struct carve_result *res) {
        struct dax_backend *db = ctx;
        struct owned o = { .region = f->id, .size = size };
        int r;

        r = dax_create_dev(db->path, size, res);
        if (r < 0)
                return r;
        snprintf(o.dev, sizeof(o.dev), "%s", res->device);
        snprintf(o.rule, sizeof(o.rule), "%s", res->rule);
        r = owned_add(db->owned, &o);
        /* At once: the device's udev event is on its way, and its name
         * (for match.name) comes from the list. */
        if (r >= 0)
                r = owned_save(db->owned);
        if (r < 0 && asprintf(&res->reason,
                              "cannot record %s in " CARVE_DAX_STATE_FILE ": %s; daxtierd will not count it as its own after a restart",
                              res->device, strerror(-r)) < 0)
                res->reason = NULL;
        db->owned->dirty = r < 0;
        return 0;
}

/* The region's own devices as the state file lists them, named "daxtierd-RULE". */
static int dax_children(const struct owned_list *owned, int id, struct carve_child **ret, char (**ret_names)[128],
                        size_t *ret_n) {
        struct carve_child *v = calloc(owned->n + 1, sizeof(*v));
        char (*names)[128] = calloc(owned->n + 1, sizeof(*names));
        size_t n = 0;

        if (!v || !names) {
                free(v);
                free(names);
                return -ENOMEM;
        }
        for (size_t i = 0; i < owned->n; i++) {
                if (owned->v[i].region != id)
                        continue;
                snprintf(names[n], sizeof(names[n]), DT_CARVE_NAME_PREFIX "%s", owned->v[i].rule);
                v[n] = (struct carve_child) { .name = names[n], .size = owned->v[i].size };
                n++;
        }
        *ret = v;
        *ret_names = names;
        *ret_n = n;
        return 0;
}

static void carve_dax_region(const struct carve_request *req, struct daxctl_region *region, struct owned_list *owned,
                             int owned_error, struct carve_results *rs) {
        struct dax_backend db = { .path = daxctl_region_get_path(region), .owned = owned };
        const struct carve_backend be = { .create = dax_create, .ctx = &db };
        _cleanup_free_ struct carve_child *children = NULL;
        _cleanup_free_ char (*names)[128] = NULL;
        unsigned long long avail = daxctl_region_get_available_size(region);
        unsigned long align = daxctl_region_get_align(region);
        struct daxctl_dev *dev;
        char rname[32];
        struct carve_region f = {
                .name = rname,
                .source = dax_region_source(region),
                .id = daxctl_region_get_id(region),
                .target_node = -1,
                .state_error = owned_error < 0 ? owned_error : 0,
                .size = daxctl_region_get_size(region),
                /* A dynamic device may be made of several ranges: all free space counts. */
                .available = avail == ULLONG_MAX ? UINT64_MAX : avail,
                .region_align = align == ULONG_MAX ? 0 : align,
                .ways = 1,
        };

        snprintf(rname, sizeof(rname), "dax_region%d", f.id);
        daxctl_dev_foreach(region, dev)
                if (f.target_node < 0)
                        f.target_node = daxctl_dev_get_target_node(dev);
        if (dax_children(owned, f.id, &children, &names, &f.n_children) < 0) {
                rs->oom = true;
                return;
        }
        f.children = children;
        (void) carve_region_run(req, &f, &be, rs);
}

/* Every dynamic dax region; a system without the dax bus has none. */
static void carve_dax_regions(const struct carve_request *req, struct carve_results *rs) {
        struct daxctl_ctx *ctx = NULL;
        struct daxctl_region *region;
        struct owned_list owned = {};
        int r;

        if (daxctl_new(&ctx) < 0)
                return;
        daxctl_set_log_fn(ctx, kernel_daxctl_log_quiet);

        r = owned_load(&owned);
        if (r >= 0)
                owned_prune(&owned, ctx);

        daxctl_region_foreach(ctx, region)
                if (dax_region_is_dynamic(region))
                        carve_dax_region(req, region, &owned, r, rs);

        /* Entries pruned: a failure only leaves stale lines, pruned next time. */
        if (owned.dirty)
                (void) owned_save(&owned);
        free(owned.v);
        daxctl_unref(ctx);
}

int carve_regions(const struct carve_request *req, struct carve_result **ret, size_t *n_ret) {
        struct ndctl_ctx *ctx = NULL;
        struct ndctl_bus *bus;
        struct ndctl_region *region;
        struct carve_results rs = {};
        int r;

        *ret = NULL;
        *n_ret = 0;
        if (!req || req->n_rules == 0)
                return 0;

        r = ndctl_new(&ctx);
        if (r < 0)
                return r;
        ndctl_set_log_fn(ctx, kernel_ndctl_log_quiet);
        /* ndctl_dax_get_daxctl_region() uses the ndctl context's daxctl context. */
        {
                struct daxctl_ctx *dctx = ndctl_get_daxctl_ctx(ctx);
                if (dctx)
                        daxctl_set_log_fn(dctx, kernel_daxctl_log_quiet);
        }

        ndctl_bus_foreach(ctx, bus)
                ndctl_region_foreach(bus, region)
                        carve_pmem_region(req, region, &rs);
        ndctl_unref(ctx);

        carve_dax_regions(req, &rs);

        if (rs.oom) {
                carve_results_free(rs.v, rs.n);
                return -ENOMEM;
        }
        *ret = rs.v;
        *n_ret = rs.n;
        return 0;
}
