/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * carve: see carve.h.
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

#include "capacity.h"
#include "carve.h"
#include "util.h"

const char *carve_outcome_to_string(enum carve_outcome o) {
        switch (o) {
        case CARVE_CREATED: return "created";
        case CARVE_SATISFIED: return "satisfied";
        case CARVE_REFUSED: return "refused";
        case CARVE_FAILED: return "failed";
        }
        return "invalid";
}

void carve_request_free(struct carve_request *req) {
        if (!req)
                return;
        for (size_t i = 0; i < req->n_rules; i++) {
                free(req->rules[i].name);
                free(req->rules[i].file);
        }
        free(req->rules);
        free(req);
}

int carve_request_new(const struct policy *p, uint64_t block_size, struct carve_request **ret) {
        struct carve_request *req;

        req = calloc(1, sizeof(*req));
        if (!req)
                return -ENOMEM;
        req->block_size = block_size;
        if (p && p->n_region_rules > 0) {
                req->rules = calloc(p->n_region_rules, sizeof(*req->rules));
                if (!req->rules) {
                        free(req);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < p->n_region_rules; i++) {
                        struct region_rule *r = &req->rules[i];

                        *r = p->region_rules[i];
                        r->name = strdup(p->region_rules[i].name);
                        r->file = strdup(p->region_rules[i].file);
                        req->n_rules++;
                        if (!r->name || !r->file) {
                                carve_request_free(req);
                                return -ENOMEM;
                        }
                }
        }
        *ret = req;
        return 0;
}

void carve_results_free(struct carve_result *r, size_t n) {
        for (size_t i = 0; r && i < n; i++)
                free(r[i].reason);
        free(r);
}

struct results {
        struct carve_result *v;
        size_t n;
        bool oom;
};

static struct carve_result *result_add(struct results *rs, const char *region, const struct region_rule *rule) {
        struct carve_result *v, *r;

        v = realloc(rs->v, (rs->n + 1) * sizeof(*v));
        if (!v) {
                rs->oom = true;
                return NULL;
        }
        rs->v = v;
        r = &v[rs->n++];
        *r = (struct carve_result) { .outcome = CARVE_SATISFIED, .max_devices = rule->max_devices };
        snprintf(r->region, sizeof(r->region), "%s", region);
        snprintf(r->rule, sizeof(r->rule), "%s", rule->name);
        dt_amount_to_string(&rule->capacity, r->capacity, sizeof(r->capacity));
        return r;
}

static void result_set(struct carve_result *r, enum carve_outcome o, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void result_set(struct carve_result *r, enum carve_outcome o, const char *fmt, ...) {
        va_list ap;

        r->outcome = o;
        free(r->reason);
        r->reason = NULL;
        if (!fmt)
                return;
        va_start(ap, fmt);
        if (vasprintf(&r->reason, fmt, ap) < 0)
                r->reason = NULL;
        va_end(ap);
}

/* "1073741824 bytes (1.0 GiB)": exact for machines, readable for people. */
static const char *bytes(char *buf, size_t len, uint64_t v) {
        char h[32];
        snprintf(buf, len, "%llu bytes (%s)", (unsigned long long) v, format_bytes(h, sizeof(h), v));
        return buf;
}

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

static void ndctl_log_quiet(struct ndctl_ctx *ctx, int priority, const char *file, int line, const char *fn,
                            const char *format, va_list args) {
        /* Failures are reported with the errno the library returns. */
}

static void daxctl_log_quiet(struct daxctl_ctx *ctx, int priority, const char *file, int line, const char *fn,
                             const char *format, va_list args) {
}

/* The rule's own namespaces in the region: named exactly "daxtierd-RULE". */
static void pmem_own(struct ndctl_region *region, const char *name, uint64_t *total, unsigned *n) {
        struct ndctl_namespace *ndns;

        *total = 0;
        *n = 0;
        ndctl_namespace_foreach(region, ndns) {
                const char *alt = ndctl_namespace_get_alt_name(ndns);
                unsigned long long size = ndctl_namespace_get_size(ndns);

                if (!alt || !streq(alt, name) || size == 0 || size == ULLONG_MAX)
                        continue;
                *total += size;
                (*n)++;
        }
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
static int pmem_create(struct ndctl_region *region, const char *name, uint64_t size, unsigned long dax_align,
                       struct carve_result *res) {
        const char *rname = ndctl_region_get_devname(region);
        struct ndctl_namespace *ndns;
        struct ndctl_dax *dax;
        const char *step;
        bool touched = false, attached = false;
        uuid_t ns_uuid, dax_uuid;
        int r;

        ndns = ndctl_region_get_namespace_seed(region);
        if (!ndns || !ndctl_namespace_is_configuration_idle(ndns) || ndctl_namespace_get_size(ndns) != 0) {
                result_set(res, CARVE_FAILED, "%s offers no idle namespace seed to configure", rname);
                return -EBUSY;
        }
        dax = ndctl_region_get_dax_seed(region);
        if (!dax || ndctl_dax_is_enabled(dax) || ndctl_dax_get_namespace(dax)) {
                result_set(res, CARVE_FAILED, "%s offers no idle devdax seed to configure", rname);
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
        result_set(res, CARVE_FAILED, "%s: %s of %s failed: %s; %s", rname, step, res->namespace, strerror(-r),
                   touched ? "the new namespace was deleted again" : "nothing was created");
        return r;
}

/* Turns a plan that creates nothing into the result's outcome and reason. */
static void plan_verdict(struct carve_result *res, const struct capacity_plan *plan, uint64_t min_size) {
        char a[64], b[64];

        switch (plan->verdict) {
        case CAPACITY_SATISFIED:
                result_set(res, CARVE_SATISFIED, NULL);
                break;
        case CAPACITY_TOO_SMALL:
                result_set(res, CARVE_SATISFIED,
                           "the %s still missing is less than the smallest namespace %s takes (%s)",
                           bytes(a, sizeof(a), plan->need), res->region, bytes(b, sizeof(b), min_size));
                break;
        case CAPACITY_MAX_DEVICES:
                result_set(res, CARVE_REFUSED,
                           "%s needs %s more for rule %s (capacity %s), but the rule already has %u namespace%s there (max_devices = %u); nothing was carved",
                           res->region, bytes(a, sizeof(a), plan->need), res->rule, res->capacity, res->n_carved,
                           res->n_carved == 1 ? "" : "s", res->max_devices);
                break;
        case CAPACITY_NO_SPACE:
                result_set(res, CARVE_REFUSED,
                           "%s needs %s more for rule %s (capacity %s), but has only %s free; nothing was carved",
                           res->region, bytes(a, sizeof(a), plan->need), res->rule, res->capacity,
                           bytes(b, sizeof(b), res->available));
                break;
        case CAPACITY_CARVE:
                break;
        }
}

static void carve_pmem_region(const struct carve_request *req, struct ndctl_region *region, struct results *rs) {
        const char *rname = ndctl_region_get_devname(region);
        struct region_facts facts = {
                .name = rname,
                .source = DT_SOURCE_PMEM,
                .region = (int) ndctl_region_get_id(region),
                .target_node = ndctl_region_get_target_node(region),
        };
        struct policy view = { .region_rules = req->rules, .n_region_rules = req->n_rules };
        const struct region_rule *rule;
        struct capacity_region cr = {};
        struct capacity_plan plan;
        struct carve_result *res;
        struct ndctl_dax *dax;
        unsigned long region_align, dax_align;
        unsigned long long avail;
        char name[128];
        int r;

        if (ndctl_region_get_type(region) != ND_DEVICE_REGION_PMEM)
                return;
        rule = policy_match_region(&view, &facts);
        if (!rule)
                return;         /* no rule: never carved */
        res = result_add(rs, rname, rule);
        if (!res)
                return;
        res->region_size = cr.size = ndctl_region_get_size(region);
        snprintf(name, sizeof(name), DT_CARVE_NAME_PREFIX "%s", rule->name);

        if (!ndctl_region_is_enabled(region)) {
                result_set(res, CARVE_REFUSED, "%s is disabled; nothing was carved", rname);
                return;
        }
        if (ndctl_region_get_ro(region) > 0) {
                result_set(res, CARVE_REFUSED, "%s is read-only; nothing was carved", rname);
                return;
        }
        if (ndctl_region_get_nstype(region) == ND_DEVICE_NAMESPACE_IO) {
                result_set(res, CARVE_REFUSED,
                           "%s has no namespace labels: its one namespace spans the whole region, so nothing can be carved from it (label its DIMMs with ndctl init-labels to carve)",
                           rname);
                return;
        }
        if (req->block_size == 0) {
                result_set(res, CARVE_REFUSED,
                           "the memory block size is unknown, so no size can be rounded to it; nothing was carved");
                return;
        }
        dax = ndctl_region_get_dax_seed(region);
        if (!dax) {
                result_set(res, CARVE_REFUSED, "%s offers no devdax configuration (no dax seed); nothing was carved",
                           rname);
                return;
        }

        pmem_own(region, name, &cr.carved, &cr.n_carved);
        res->carved = cr.carved;
        res->n_carved = cr.n_carved;

        /* A namespace is one extent of the region, not the sum of its holes. */
        avail = ndctl_region_get_max_available_extent(region);
        if (avail == ULLONG_MAX)
                avail = ndctl_region_get_available_size(region);
        if (avail == ULLONG_MAX) {
                result_set(res, CARVE_FAILED, "cannot read the free capacity of %s", rname);
                return;
        }
        res->available = cr.available = avail;

        region_align = ndctl_region_get_align(region);
        dax_align = ndctl_dax_get_align(dax);
        if (dax_align == 0 || dax_align == ULONG_MAX)
                dax_align = UINT64_C(2) << 20;  /* the devdax default */
        r = capacity_alignment(req->block_size, region_align == ULONG_MAX ? 0 : region_align, dax_align,
                               ndctl_region_get_interleave_ways(region), &cr.align);
        if (r < 0) {
                result_set(res, CARVE_FAILED, "the alignments of %s overflow: %s", rname, strerror(-r));
                return;
        }

        r = capacity_plan(&rule->capacity, rule->max_devices, &cr, &plan);
        if (r < 0) {
                result_set(res, CARVE_FAILED, "cannot plan %s: %s", rname, strerror(-r));
                return;
        }
        res->target = plan.target;
        res->size = plan.need;
        if (plan.verdict != CAPACITY_CARVE) {
                plan_verdict(res, &plan, capacity_min_namespace(cr.align));
                return;
        }

        res->size = plan.size;
        if (pmem_create(region, name, plan.size, dax_align, res) < 0)
                return;
        res->outcome = CARVE_CREATED;
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
static int dax_create(const char *path, uint64_t size, struct carve_result *res) {
        struct daxctl_ctx *ctx = NULL;
        struct daxctl_region *region, *found = NULL;
        struct daxctl_dev *dev;
        const char *step;
        bool sized = false;
        int r;

        r = daxctl_new(&ctx);
        if (r < 0) {
                result_set(res, CARVE_FAILED, "cannot open libdaxctl: %s; nothing was created", strerror(-r));
                return r;
        }
        daxctl_set_log_fn(ctx, daxctl_log_quiet);
        daxctl_region_foreach(ctx, region)
                if (streq(daxctl_region_get_path(region), path))
                        found = region;
        if (!found) {
                result_set(res, CARVE_FAILED, "%s went away; nothing was created", res->region);
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
        result_set(res, CARVE_FAILED, "%s: %s%s%s failed: %s; %s", res->region, step,
                   res->device[0] ? " of " : "", res->device, strerror(-r),
                   sized ? "its size was set back to 0" : "nothing was created");
        res->device[0] = 0;
out:
        daxctl_unref(ctx);
        return r;
}

static void carve_dax_region(const struct carve_request *req, struct daxctl_region *region, struct owned_list *owned,
                             int owned_error, struct results *rs) {
        int id = daxctl_region_get_id(region);
        struct policy view = { .region_rules = req->rules, .n_region_rules = req->n_rules };
        struct region_facts facts = { .source = dax_region_source(region), .region = id, .target_node = -1 };
        const struct region_rule *rule;
        struct capacity_region cr = {};
        struct capacity_plan plan;
        struct carve_result *res;
        struct daxctl_dev *dev;
        unsigned long align;
        unsigned long long avail;
        char rname[32];
        int r;

        snprintf(rname, sizeof(rname), "dax_region%d", id);
        facts.name = rname;
        daxctl_dev_foreach(region, dev)
                if (facts.target_node < 0)
                        facts.target_node = daxctl_dev_get_target_node(dev);

        rule = policy_match_region(&view, &facts);
        if (!rule)
                return;
        res = result_add(rs, rname, rule);
        if (!res)
                return;
        res->region_size = cr.size = daxctl_region_get_size(region);
        if (req->block_size == 0) {
                result_set(res, CARVE_REFUSED,
                           "the memory block size is unknown, so no size can be rounded to it; nothing was carved");
                return;
        }
        if (owned_error < 0) {
                /* Without the list daxtierd cannot tell its own devices,
                 * and might carve the same capacity twice. */
                result_set(res, CARVE_REFUSED, "cannot read " CARVE_DAX_STATE_FILE ": %s; nothing was carved",
                           strerror(-owned_error));
                return;
        }

        for (size_t i = 0; i < owned->n; i++)
                if (owned->v[i].region == id && streq(owned->v[i].rule, rule->name)) {
                        cr.carved += owned->v[i].size;
                        cr.n_carved++;
                }
        res->carved = cr.carved;
        res->n_carved = cr.n_carved;

        /* A dynamic device may be made of several ranges: all free space counts. */
        avail = daxctl_region_get_available_size(region);
        if (avail == ULLONG_MAX) {
                result_set(res, CARVE_FAILED, "cannot read the free capacity of %s", rname);
                return;
        }
        res->available = cr.available = avail;

        align = daxctl_region_get_align(region);
        r = capacity_alignment(req->block_size, align == ULONG_MAX ? 0 : align, 0, 1, &cr.align);
        if (r < 0) {
                result_set(res, CARVE_FAILED, "the alignments of %s overflow: %s", rname, strerror(-r));
                return;
        }

        r = capacity_plan(&rule->capacity, rule->max_devices, &cr, &plan);
        if (r < 0) {
                result_set(res, CARVE_FAILED, "cannot plan %s: %s", rname, strerror(-r));
                return;
        }
        res->target = plan.target;
        res->size = plan.need;
        if (plan.verdict != CAPACITY_CARVE) {
                plan_verdict(res, &plan, capacity_min_namespace(cr.align));
                return;
        }

        res->size = plan.size;
        if (dax_create(daxctl_region_get_path(region), plan.size, res) < 0)
                return;
        res->outcome = CARVE_CREATED;

        {
                struct owned o = { .region = id, .size = plan.size };

                snprintf(o.dev, sizeof(o.dev), "%s", res->device);
                snprintf(o.rule, sizeof(o.rule), "%s", rule->name);
                r = owned_add(owned, &o);
                /* At once: the device's udev event is on its way, and its
                 * name (for match.name) comes from the list. */
                if (r >= 0)
                        r = owned_save(owned);
                if (r < 0 && asprintf(&res->reason,
                                      "cannot record %s in " CARVE_DAX_STATE_FILE ": %s; daxtierd will not count it as its own after a restart",
                                      res->device, strerror(-r)) < 0)
                        res->reason = NULL;
                owned->dirty = r < 0;
        }
}

/* Every dynamic dax region; a system without the dax bus has none. */
static void carve_dax_regions(const struct carve_request *req, struct results *rs) {
        struct daxctl_ctx *ctx = NULL;
        struct daxctl_region *region;
        struct owned_list owned = {};
        int r;

        if (daxctl_new(&ctx) < 0)
                return;
        daxctl_set_log_fn(ctx, daxctl_log_quiet);

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
        struct results rs = {};
        int r;

        *ret = NULL;
        *n_ret = 0;
        if (!req || req->n_rules == 0)
                return 0;

        r = ndctl_new(&ctx);
        if (r < 0)
                return r;
        ndctl_set_log_fn(ctx, ndctl_log_quiet);
        /* ndctl_dax_get_daxctl_region() uses the ndctl context's daxctl context. */
        {
                struct daxctl_ctx *dctx = ndctl_get_daxctl_ctx(ctx);
                if (dctx)
                        daxctl_set_log_fn(dctx, daxctl_log_quiet);
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
