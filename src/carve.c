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

#include <fcntl.h>
#include <unistd.h>

#include "carve-internal.h"
#include "statefile.h"
#include "kernel.h"
#include "log.h"
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

/* The text form of a uuid, lower case, as the intent file keeps it. */
static void uuid_text(const uuid_t uu, char buf[40]) {
        static const char hex[] = "0123456789abcdef";
        size_t k = 0;

        for (int i = 0; i < 16; i++) {
                if (i == 4 || i == 6 || i == 8 || i == 10)
                        buf[k++] = '-';
                buf[k++] = hex[uu[i] >> 4];
                buf[k++] = hex[uu[i] & 15];
        }
        buf[k] = 0;
}

/* ---- the intent file (carve-plan.h) ------------------------------------- */

/* Written before the first change to the kernel (write, fsync, rename),
 * so that a kill at any point after it leaves the record. */
int intent_save(const struct carve_intent *in) {
        char buf[CARVE_INTENT_MAX];
        int n;

        n = carve_intent_format(in, buf, sizeof(buf));
        if (n < 0)
                return n;
        return statefile_write(CARVE_INTENT_FILE, buf, (size_t) n);
}

void intent_clear(void) {
        if (unlink(CARVE_INTENT_FILE) < 0 && errno != ENOENT)
                log_warning("cannot remove %s: %m", CARVE_INTENT_FILE);
}

/* 0, -ENOENT when there is no intent, -EINVAL for garbage, or -errno. */
static int intent_load(struct carve_intent *in) {
        char buf[CARVE_INTENT_MAX];
        size_t n;
        int r;

        r = statefile_read(CARVE_INTENT_FILE, buf, sizeof(buf), &n);
        if (r < 0)
                return r;
        return carve_intent_parse(buf, n, in);
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

/* The region's namespace and devdax seeds, both idle; -EBUSY with the
 * reason in res if either is missing or in use. */
static int pmem_seeds(struct ndctl_region *region, const char *rname, struct ndctl_namespace **ret_ndns,
                      struct ndctl_dax **ret_dax, struct carve_result *res) {
        struct ndctl_namespace *ndns;
        struct ndctl_dax *dax;

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
        *ret_ndns = ndns;
        *ret_dax = dax;
        return 0;
}

/* Uuid, name and size of the namespace seed.  *touched is set once the
 * seed is no longer idle (a failure must then reset it); *step names
 * the step that failed.  Returns 0 or -errno. */
static int pmem_setup_namespace(struct ndctl_namespace *ndns, uuid_t ns_uuid, const char *name, uint64_t size,
                                const char **step, bool *touched) {
        int r;

        *step = "setting the namespace uuid";
        if ((r = ndctl_namespace_set_uuid(ndns, ns_uuid)) < 0)
                return r;
        /* From here on the seed is no longer idle: a failure must reset it. */
        *touched = true;
        *step = "setting the namespace name";
        if ((r = ndctl_namespace_set_alt_name(ndns, name)) < 0)
                return r;
        *step = "setting the namespace size";
        if ((r = ndctl_namespace_set_size(ndns, size)) < 0)
                return r;
        /* Only a hint to the kernel, which older kernels lack. */
        (void) ndctl_namespace_set_enforce_mode(ndns, NDCTL_NS_MODE_DEVDAX);
        return 0;
}

/* The devdax seed over the namespace, enabled.  *attached is set once
 * the namespace hangs on the seed; *step names the step that failed.
 * Returns 0 or -errno. */
static int pmem_setup_dax(struct ndctl_dax *dax, struct ndctl_namespace *ndns, uuid_t dax_uuid,
                          unsigned long dax_align, const char **step, bool *attached) {
        int r;

        *step = "setting the dax uuid";
        if ((r = ndctl_dax_set_uuid(dax, dax_uuid)) < 0)
                return r;
        *step = "placing the memory map in RAM";
        if ((r = ndctl_dax_set_location(dax, NDCTL_PFN_LOC_RAM)) < 0)
                return r;
        *step = "setting the dax alignment";
        if ((r = ndctl_dax_set_align(dax, dax_align)) < 0)
                return r;
        *step = "attaching the namespace to the dax seed";
        if ((r = ndctl_dax_set_namespace(dax, ndns)) < 0)
                return r;
        *attached = true;
        *step = "enabling the dax device";
        if ((r = ndctl_dax_enable(dax)) < 0)
                return r;
        return 0;
}

/* Our own namespace, seconds old and never enabled: it holds no data.
 * Deleting it gives its capacity back and makes it an idle seed again,
 * as ndctl create-namespace does on failure. */
static void pmem_undo(struct ndctl_dax *dax, struct ndctl_namespace *ndns, bool attached, bool touched,
                      const struct carve_intent *intent) {
        if (attached)
                (void) ndctl_dax_set_namespace(dax, NULL);
        if (touched) {
                (void) ndctl_namespace_set_enforce_mode(ndns, NDCTL_NS_MODE_RAW);
                /* Not deleted: the intent stays, for the next pass. */
                if (ndctl_namespace_delete(ndns) >= 0)
                        intent_clear();
        } else if (intent->rule[0])
                intent_clear();
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
        struct ndctl_namespace *ndns = NULL;
        struct ndctl_dax *dax = NULL;
        const char *step;
        bool touched = false, attached = false;
        struct carve_intent intent = {};
        uuid_t ns_uuid, dax_uuid;
        int r;

        r = pmem_seeds(region, rname, &ndns, &dax, res);
        if (r < 0)
                return r;
        snprintf(res->namespace, sizeof(res->namespace), "%s", ndctl_namespace_get_devname(ndns));

        step = "generating a uuid";
        if ((r = random_uuid(ns_uuid)) < 0 || (r = random_uuid(dax_uuid)) < 0)
                goto fail;

        /* Before the first write: a kill from here on leaves the record
         * the next pass settles the half-made namespace by. */
        intent = (struct carve_intent) { .kind = CARVE_INTENT_PMEM };
        snprintf(intent.region, sizeof(intent.region), "%s", rname);
        uuid_text(ns_uuid, intent.uuid);
        snprintf(intent.rule, sizeof(intent.rule), "%s", res->rule);
        step = "recording the intent in " CARVE_INTENT_FILE;
        if ((r = intent_save(&intent)) < 0)
                goto fail;

        if ((r = pmem_setup_namespace(ndns, ns_uuid, name, size, &step, &touched)) < 0)
                goto fail;
        if ((r = pmem_setup_dax(dax, ndns, dax_uuid, dax_align, &step, &attached)) < 0)
                goto fail;

        pmem_dax_device(dax, res->device, sizeof(res->device));
        intent_clear();
        return 0;

fail:
        pmem_undo(dax, ndns, attached, touched, &intent);
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

/* ---- settling what a killed pass left half-made (carve-plan.h) ----------- */

/* The nd namespace with the intent's uuid in its region, and the dax seed
 * it may be attached to. */
static struct ndctl_namespace *intent_namespace(struct ndctl_ctx *ctx, const struct carve_intent *in,
                                                struct ndctl_region **ret_region) {
        struct ndctl_bus *bus;
        struct ndctl_region *region;
        struct ndctl_namespace *ndns;

        ndctl_bus_foreach(ctx, bus)
                ndctl_region_foreach(bus, region) {
                        if (!streq(ndctl_region_get_devname(region), in->region))
                                continue;
                        ndctl_namespace_foreach(region, ndns) {
                                uuid_t uu;
                                char text[40];

                                ndctl_namespace_get_uuid(ndns, uu);
                                uuid_text(uu, text);
                                if (streq(text, in->uuid)) {
                                        *ret_region = region;
                                        return ndns;
                                }
                        }
                }
        return NULL;
}

static int recover_pmem(struct ndctl_ctx *ctx, const struct carve_intent *in) {
        struct ndctl_region *region = NULL;
        struct ndctl_namespace *ndns = intent_namespace(ctx, in, &region);
        struct carve_found found = {};
        const char *why;
        int r;

        if (ndns)
                found = (struct carve_found) {
                        .exists = true,
                        .name = ndctl_namespace_get_alt_name(ndns),
                        .enabled = ndctl_namespace_is_active(ndns),
                };
        if (carve_recover_verdict(in, &found, &why) != CARVE_RECOVER_UNDO) {
                log_info("carving intent for %s (rule %s): %s; nothing to settle", in->region, in->rule, why);
                return 0;
        }
        /* Detach it from the dax seed it may be attached to, then delete
         * it: never enabled, it holds no data. */
        {
                struct ndctl_dax *dax;
                ndctl_dax_foreach(region, dax)
                        if (ndctl_dax_get_namespace(dax) == ndns && !ndctl_dax_is_enabled(dax))
                                (void) ndctl_dax_set_namespace(dax, NULL);
        }
        (void) ndctl_namespace_set_enforce_mode(ndns, NDCTL_NS_MODE_RAW);
        r = ndctl_namespace_delete(ndns);
        if (r < 0) {
                log_error("%s: cannot delete %s, half made by a pass that was stopped (rule %s): %s",
                          in->region, ndctl_namespace_get_devname(ndns), in->rule, strerror(-r));
                return r;
        }
        log_notice("%s: deleted %s, half made for rule %s by a pass that was stopped before it enabled it (%s)",
                   in->region, ndctl_namespace_get_devname(ndns), in->rule, why);
        return 0;
}

static int recover_dax(const struct carve_intent *in) {
        struct daxctl_ctx *ctx = NULL;
        struct daxctl_region *region;
        struct daxctl_dev *dev = NULL;
        struct owned_list l = {};
        struct carve_found found = {};
        const char *why;
        int r;

        r = daxctl_new(&ctx);
        if (r < 0)
                return r;
        daxctl_set_log_fn(ctx, kernel_daxctl_log_quiet);
        r = owned_load(&l);
        if (r < 0)
                goto out;
        daxctl_region_foreach(ctx, region)
                if (daxctl_region_get_id(region) == in->region_id && dax_region_is_dynamic(region))
                        dev = dax_find(region, in->device);
        if (dev) {
                found.exists = true;
                found.size = daxctl_dev_get_size(dev);
                for (size_t i = 0; i < l.n; i++)
                        if (streq(l.v[i].dev, in->device) && l.v[i].size == found.size)
                                found.listed = true;
        }
        if (carve_recover_verdict(in, &found, &why) != CARVE_RECOVER_ADOPT) {
                log_info("carving intent for %s in dax_region%d (rule %s): %s; nothing to settle", in->device,
                         in->region_id, in->rule, why);
                r = 0;
                goto out;
        }
        if (!daxctl_dev_is_enabled(dev) && (r = daxctl_dev_enable_devdax(dev)) < 0) {
                log_error("dax_region%d: cannot bind %s, carved for rule %s by a pass that was stopped, to device_dax: %s",
                          in->region_id, in->device, in->rule, strerror(-r));
                goto out;
        }
        {
                struct owned o = { .region = in->region_id, .size = in->size };
                snprintf(o.dev, sizeof(o.dev), "%s", in->device);
                snprintf(o.rule, sizeof(o.rule), "%s", in->rule);
                r = owned_add(&l, &o);
                if (r >= 0)
                        r = owned_save(&l);
        }
        if (r < 0)
                log_error("dax_region%d: cannot record %s in " CARVE_DAX_STATE_FILE ": %s", in->region_id,
                          in->device, strerror(-r));
        else
                log_notice("dax_region%d: %s, carved for rule %s by a pass that was stopped before it listed it, is daxtierd's (%s)",
                           in->region_id, in->device, in->rule, why);
out:
        free(l.v);
        daxctl_unref(ctx);
        return r;
}

/* Settles the object a killed pass left half-made, if any; the intent is
 * dropped once settled (or when it is garbage). */
static void carve_recover(struct ndctl_ctx *ctx) {
        struct carve_intent in;
        int r;

        r = intent_load(&in);
        if (r == -ENOENT)
                return;
        if (r < 0) {
                log_warning("%s is not a carving intent (%s); ignoring it", CARVE_INTENT_FILE, strerror(-r));
                intent_clear();
                return;
        }
        r = in.kind == CARVE_INTENT_PMEM ? recover_pmem(ctx, &in) : recover_dax(&in);
        if (r >= 0)
                intent_clear();
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

        /* First what a killed pass left half-made: a disabled namespace of
         * ours would count as the rule's, an unlisted device would not. */
        carve_recover(ctx);
        ndctl_unref(ctx);
        r = ndctl_new(&ctx);
        if (r < 0)
                return r;
        ndctl_set_log_fn(ctx, kernel_ndctl_log_quiet);
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
