/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* carve-dax: carving dynamic dax regions (CXL, hmem) with libdaxctl, and
 * the list of the devices daxtierd made (carve-internal.h). */

#include <limits.h>
#include <sys/stat.h>
#include <daxctl/libdaxctl.h>
#include <fcntl.h>
#include <unistd.h>

#include "carve-internal.h"
#include "statefile.h"
#include "kernel.h"
#include "log.h"
#include "util.h"

/* ---- dynamic dax regions ------------------------------------------------ */


int owned_add(struct owned_list *l, const struct owned *o) {
        struct owned *v = realloc(l->v, (l->n + 1) * sizeof(*v));

        if (!v)
                return -ENOMEM;
        l->v = v;
        l->v[l->n++] = *o;
        return 0;
}

/* A missing file is an empty list; lines that do not parse are dropped. */
int owned_load(struct owned_list *l) {
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
int owned_save(const struct owned_list *l) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        FILE *f;
        int r;

        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        fputs("# dynamic dax devices carved by daxtierd: DEVICE REGION-ID SIZE RULE\n", f);
        for (size_t i = 0; i < l->n; i++)
                fprintf(f, "%s %d %llu %s\n", l->v[i].dev, l->v[i].region, l->v[i].size, l->v[i].rule);
        r = fclose(f) != 0 ? -ENOMEM : 0;
        if (r < 0)
                return r;
        return statefile_write(CARVE_DAX_STATE_FILE, buf, len);
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

bool dax_region_is_dynamic(struct daxctl_region *region) {
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

struct daxctl_dev *dax_find(struct daxctl_region *region, const char *name) {
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
static int dax_create_dev(const char *path, int region_id, uint64_t size, struct carve_result *res) {
        struct daxctl_ctx *ctx = NULL;
        struct daxctl_region *region, *found = NULL;
        struct daxctl_dev *dev;
        struct carve_intent intent = {};
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
        /* Before the size: a kill from here on leaves the record the
         * next pass adopts the device by (dax_create clears it once the
         * device is listed). */
        intent = (struct carve_intent) { .kind = CARVE_INTENT_DAX, .region_id = region_id, .size = size };
        snprintf(intent.device, sizeof(intent.device), "%s", res->device);
        snprintf(intent.rule, sizeof(intent.rule), "%s", res->rule);
        step = "recording the intent in " CARVE_INTENT_FILE;
        if ((r = intent_save(&intent)) < 0)
                goto fail;
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
                if (daxctl_dev_set_size(dev, 0) >= 0)
                        intent_clear();
        } else if (intent.rule[0])
                intent_clear();
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

        r = dax_create_dev(db->path, f->id, size, res);
        if (r < 0)
                return r;
        snprintf(o.dev, sizeof(o.dev), "%s", res->device);
        snprintf(o.rule, sizeof(o.rule), "%s", res->rule);
        r = owned_add(db->owned, &o);
        /* At once: the device's udev event is on its way, and its name
         * (for match.name) comes from the list. */
        if (r >= 0)
                r = owned_save(db->owned);
        /* Listed: the intent is done.  Not listed: the next pass adopts it. */
        if (r >= 0)
                intent_clear();
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
void carve_dax_regions(const struct carve_request *req, struct carve_results *rs) {
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
