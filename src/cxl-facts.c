/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cxl-facts: a CXL dax device's region, memdevs and poison (see
 * cxl-facts.h).  sysfs throughout, for the reasons in cxl-sysfs.h.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cxl-facts.h"
#include "cxl-plan.h"
#include "cxl-poison.h"
#include "cxl-sysfs.h"
#include "sysfs.h"
#include "util.h"

#define CXL_POISON_MAX 256

/* The scanned region behind f, or -ENOENT. */
static int find_region(const struct cxl_sysfs *c, const struct dax_facts *f) {
        char name[CXL_NAME_MAX];

        snprintf(name, sizeof(name), "region%d", f->region);
        return cxl_sysfs_region_index(c, name);
}

int cxl_facts_read(struct dax_facts *f) {
        struct cxl_sysfs c = { 0 };
        int r, i;

        f->n_cxl_memdevs = 0;
        if (f->source != DT_SOURCE_CXL || f->region < 0)
                return 0;
        r = cxl_sysfs_scan(&c);
        if (r < 0)
                goto out;
        i = find_region(&c, f);
        if (i < 0) {
                r = i;
                goto out;
        }
        for (unsigned k = 0; k < c.regions[i].ways && k < CXL_PLAN_MAX_WAYS; k++) {
                const char *m = c.regions[i].memdevs[k];
                struct cxl_memdev_id *id;
                int mi;

                if (!m[0] || f->n_cxl_memdevs >= DEV_MAX_CXL_MEMDEVS)
                        continue;
                id = &f->cxl_memdevs[f->n_cxl_memdevs++];
                snprintf(id->name, sizeof(id->name), "%s", m);
                mi = cxl_sysfs_memdev_index(&c, m);
                id->serial = mi >= 0 ? c.memdevs[mi].serial : 0;
        }
        r = 0;
out:
        cxl_sysfs_free(&c);
        return r;
}

/* The host physical address of one record, or UINT64_MAX when it is not in rg. */
static uint64_t record_hpa(const struct cxl_sysfs_region *rg, unsigned pos, const struct cxl_poison *p) {
        char path[PATH_MAX];
        uint64_t base, hpa;

        if (p->hpa != UINT64_MAX)
                return p->hpa;
        /* Older kernels (or an unmapped record): translate it ourselves,
         * from the dpa_resource of the region's decoder on this memdev. */
        snprintf(path, sizeof(path), "/sys/bus/cxl/devices/%s/dpa_resource", rg->targets[pos]);
        if (sysfs_read_u64(path, 0, &base) < 0)
                return UINT64_MAX;
        if (cxl_dpa_to_hpa(rg->resource, rg->ways, rg->granularity, pos, base, p->dpa, &hpa) < 0)
                return UINT64_MAX;
        return hpa;
}

int cxl_facts_poison(const struct dax_facts *f, struct bad_range *out, size_t max, unsigned *ret_records) {
        struct cxl_sysfs c = { 0 };
        struct cxl_poison recs[CXL_POISON_MAX];
        size_t n = 0;
        unsigned records = 0;
        bool any_list = false;
        int r, i;

        if (ret_records)
                *ret_records = 0;
        if (f->source != DT_SOURCE_CXL || f->region < 0)
                return 0;
        r = cxl_sysfs_scan(&c);
        if (r < 0)
                goto out;
        i = find_region(&c, f);
        if (i < 0) {
                r = i;
                goto out;
        }
        const struct cxl_sysfs_region *rg = &c.regions[i];
        for (unsigned pos = 0; pos < rg->ways && pos < CXL_PLAN_MAX_WAYS; pos++) {
                int k = cxl_sysfs_poison_list(rg->memdevs[pos], recs, ELEMENTSOF(recs));

                if (k == -EOPNOTSUPP)
                        continue;
                if (k < 0) {
                        r = k;
                        goto out;
                }
                any_list = true;
                if ((size_t) k > ELEMENTSOF(recs))
                        k = ELEMENTSOF(recs);
                for (int x = 0; x < k; x++) {
                        uint64_t hpa = record_hpa(rg, pos, &recs[x]);
                        uint64_t len = recs[x].length ? recs[x].length : 64;

                        records++;
                        /* Poison outside this region (another region's, or
                         * unmapped DPA) is not this device's. */
                        if (hpa == UINT64_MAX || hpa < rg->resource || hpa >= rg->resource + rg->size)
                                continue;
                        if (len > rg->resource + rg->size - hpa)
                                len = rg->resource + rg->size - hpa;
                        if (n < max)
                                out[n] = (struct bad_range) { .start = hpa, .len = len };
                        n++;
                }
        }
        r = any_list ? (int) (n < max ? n : max) : -EOPNOTSUPP;
        if (ret_records)
                *ret_records = records;
out:
        cxl_sysfs_free(&c);
        return r;
}
