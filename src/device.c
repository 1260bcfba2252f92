/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * device: facts, the observed state, the life of a struct device and its
 * DIMMs' security (see device.h).  The job lives in device-job.c, its
 * scrub and poison steps in device-poison.c.  Pure: the system is reached
 * only through the struct backend it is handed.
 */

#include <inttypes.h>
#include <time.h>

#include "device-internal.h"
#include "poison.h"
#include "util.h"

static const char *const state_names[_DEV_STATE_MAX] = {
        [DEV_UNMANAGED] = "unmanaged",
        [DEV_DEVDAX] = "devdax",
        [DEV_ONLINE] = "online",
        [DEV_REFUSED] = "refused",
        [DEV_FAILED] = "failed",
        [DEV_CHECKING] = "checking",
        [DEV_BINDING] = "binding",
        [DEV_ONLINING] = "onlining",
        [DEV_OFFLINING] = "offlining",
        [DEV_SCRUBBING] = "scrubbing",
        [DEV_CLEARING] = "clearing",
        [DEV_KMEM] = "kmem",
        [DEV_UNBOUND] = "unbound",
        [DEV_PENDING] = "pending",
};

const char *dev_state_to_string(enum dev_state s) {
        return s < _DEV_STATE_MAX ? state_names[s] : "invalid";
}

bool dev_state_is_steady(enum dev_state s) {
        return s <= DEV_FAILED;
}

const char *dax_driver_to_string(enum dax_driver d) {
        switch (d) {
        case DRV_NONE: return "none";
        case DRV_DEVICE_DAX: return "device_dax";
        case DRV_KMEM: return "kmem";
        default: return "other";
        }
}

const char *device_zone_name(enum dt_zone z) {
        return z == DT_ZONE_NORMAL ? "Normal" : "Movable";
}

void want_from_rule(struct want *w, const struct rule *r) {
        *w = (struct want) { .mode = DT_MODE_IGNORE, .target_node = -1 };
        if (!r)
                return;
        snprintf(w->rule, sizeof(w->rule), "%s", r->name);
        w->mode = r->mode;
        w->zone = r->zone;
        w->target_node = r->target_node;
        w->memmap = r->memmap_on_memory;
        w->security = r->require_security;
        w->scrub = r->scrub;
        w->scrub_timeout_usec = r->scrub_timeout_usec;
        w->on_poison = r->on_poison;
        w->on_runtime_poison = r->on_runtime_poison;
        w->scrub_unsupported = r->scrub_unsupported;
}

const char *dax_facts_cxl_memdevs(const struct dax_facts *f, char *buf, size_t len) {
        size_t at = 0;

        if (len == 0)
                return buf;
        buf[0] = 0;
        for (unsigned i = 0; i < f->n_cxl_memdevs && i < DEV_MAX_CXL_MEMDEVS; i++) {
                int k = snprintf(buf + at, len - at, "%s%s=%#" PRIx64, i ? "," : "", f->cxl_memdevs[i].name,
                                 f->cxl_memdevs[i].serial);
                if (k < 0 || (size_t) k >= len - at) {
                        buf[at] = 0;    /* never half an entry */
                        break;
                }
                at += (size_t) k;
        }
        return buf;
}

void dax_facts_to_match(const struct dax_facts *f, struct match_facts *m) {
        *m = (struct match_facts) {
                .name = f->name,
                .source = f->source,
                .uuid = f->uuid[0] ? f->uuid : NULL,
                .dax_uuid = f->dax_uuid[0] ? f->dax_uuid : NULL,
                .region = f->region,
                .target_node = f->target_node,
                .size = f->size,
                .ns_name = f->ns_name[0] ? f->ns_name : NULL,
                .cxl_region = f->source == DT_SOURCE_CXL ? f->region : -1,
                .cxl_memdevs = f->cxl_memdevs,
                .n_cxl_memdevs = f->n_cxl_memdevs,
        };
}

size_t dax_facts_blocks(const struct dax_facts *f, uint64_t block_size, uint64_t *blocks, size_t max) {
        size_t n = 0;

        if (block_size == 0)
                return 0;
        for (unsigned i = 0; i < f->n_ranges; i++) {
                uint64_t start = f->ranges[i].start, last = f->ranges[i].end;
                /* Whole blocks only; computed so that no sum can wrap,
                 * and counted without a loop, so that a range of absurd
                 * size read from a corrupt sysfs costs nothing. */
                uint64_t first = start / block_size + (start % block_size != 0);
                uint64_t end = last / block_size + (last % block_size == block_size - 1);   /* exclusive */

                if (last < start || end <= first)
                        continue;
                for (uint64_t b = first; b < end && n + (b - first) < max; b++)
                        blocks[n + (b - first)] = b;
                n += (size_t) (end - first);
        }
        return n;
}

/* The node the memory lands on: kmem uses target_node, else numa_node. */
int dax_facts_node(const struct dax_facts *f) {
        return f->target_node >= 0 ? f->target_node : f->numa_node;
}

enum dev_state device_observe(struct device *d, const struct backend *be, void *be_ctx) {
        uint64_t bs = 0, blocks[512];
        _cleanup_free_ uint64_t *many = NULL;
        uint64_t *list = blocks;
        size_t n;
        unsigned online = 0, in_zone = 0;

        d->zone[0] = 0;
        d->online_blocks = d->total_blocks = 0;
        dax_facts_cxl_memdevs(&d->facts, d->cxl_memdevs, sizeof(d->cxl_memdevs));
        d->memmap_active = d->facts.memmap_on_memory == 1;
        if (be->block_size(be_ctx, &bs) < 0)
                bs = 0;
        n = dax_facts_blocks(&d->facts, bs, blocks, ELEMENTSOF(blocks));
        if (n > ELEMENTSOF(blocks)) {
                many = calloc(n, sizeof(uint64_t));
                if (many) {
                        dax_facts_blocks(&d->facts, bs, many, n);
                        list = many;
                } else
                        n = ELEMENTSOF(blocks);
        }
        d->total_blocks = (unsigned) n;
        unsigned skipped = 0;
        if (d->facts.driver == DRV_KMEM) {
                for (size_t i = 0; i < n; i++) {
                        struct block_info bi;
                        if (be->block_get(be_ctx, list[i], &bi) < 0 || bi.state != BLOCK_ONLINE) {
                                /* Left offline on purpose: it holds poison. */
                                if (device_block_skipped(d, list[i]))
                                        skipped++;
                                continue;
                        }
                        online++;
                        if (!d->zone[0])
                                snprintf(d->zone, sizeof(d->zone), "%s", bi.zone);
                        else if (!streq(d->zone, bi.zone))
                                snprintf(d->zone, sizeof(d->zone), "mixed");
                        if (streq(bi.zone, device_zone_name(d->want.zone)))
                                in_zone++;
                }
        }
        d->online_blocks = online;

        if (d->want.mode == DT_MODE_IGNORE)
                return DEV_UNMANAGED;
        switch (d->facts.driver) {
        case DRV_DEVICE_DAX:
                return DEV_DEVDAX;
        case DRV_KMEM:
                return n > skipped && in_zone + skipped == n ? DEV_ONLINE : DEV_KMEM;
        default:
                return DEV_UNBOUND;
        }
}

bool device_satisfied(const struct device *d, enum dev_state observed) {
        switch (d->want.mode) {
        case DT_MODE_SYSTEM_RAM:
                return observed == DEV_ONLINE;
        case DT_MODE_DEVDAX:
                return observed == DEV_DEVDAX;
        default:
                return true;
        }
}

struct device *device_new(const char *name) {
        struct device *d = calloc(1, sizeof(*d));
        if (!d)
                return NULL;
        d->name = strdup(name);
        if (!d->name) {
                free(d);
                return NULL;
        }
        d->state = DEV_PENDING;
        snprintf(d->security, sizeof(d->security), "n/a");
        d->want.mode = DT_MODE_IGNORE;
        d->want.target_node = -1;
        return d;
}

void device_free(struct device *d) {
        if (!d)
                return;
        job_free(d->job);
        free(d->last_error);
        free(d->security_warning);
        free(d->skipped);
        free(d->name);
        free(d);
}

uint64_t device_now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

void device_set_state(struct device *d, enum dev_state to, const char *reason,
                      const struct device_observer *obs) {
        enum dev_state from = d->state;

        d->state = to;
        d->last_transition_usec = device_now_usec();
        if (to == DEV_REFUSED || to == DEV_FAILED) {
                free(d->last_error);
                d->last_error = reason ? strdup(reason) : NULL;
        } else if (dev_state_is_steady(to)) {
                free(d->last_error);
                d->last_error = NULL;
        }
        if (obs && obs->transition)
                obs->transition(d, from, reason, obs->userdata);
}

int device_security_refresh(struct device *d, const struct backend *be, void *be_ctx) {
        struct dimm_security dimms[DEV_MAX_DIMMS] = {};
        char why[1024], sig[sizeof(d->security_sig)];
        int n = 0, ret = 0;
        size_t off = 0;

        if (!d->facts_valid)
                return 0;
        if (d->facts.source == DT_SOURCE_PMEM && be->dimm_security) {
                n = be->dimm_security(be_ctx, &d->facts, dimms, ELEMENTSOF(dimms));
                if (n < 0)
                        n = 0;
                if ((size_t) n > ELEMENTSOF(dimms))
                        n = ELEMENTSOF(dimms);
        }
        snprintf(d->security, sizeof(d->security), "%s", security_weakest(d->facts.source, dimms, (size_t) n));
        sig[0] = 0;
        for (int i = 0; i < n && off < sizeof(sig); i++) {
                int k = snprintf(sig + off, sizeof(sig) - off, "%s=%s ", dimms[i].name,
                                 dimm_sec_to_string(dimms[i].state));
                if (k > 0)
                        off += (size_t) k;
        }
        if (!streq(sig, d->security_sig)) {
                snprintf(d->security_sig, sizeof(d->security_sig), "%s", sig);
                ret |= DEV_SEC_CHANGED;
        }

        if (d->state != DEV_ONLINE || d->want.security == DT_SECURITY_NONE ||
            security_check(d->want.security, d->name, d->facts.source, dimms, (size_t) n, why, sizeof(why)) == 0) {
                free(d->security_warning);
                d->security_warning = NULL;
                return ret;
        }
        if (streq_ptr(d->security_warning, why))
                return ret;
        free(d->security_warning);
        d->security_warning = strdup(why);
        return d->security_warning ? ret | DEV_SEC_WARN : ret;
}
