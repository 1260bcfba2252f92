/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * cxl-sysfs: the CXL bus as daxtierd sees and changes it, through sysfs
 * (Documentation/ABI/testing/sysfs-bus-cxl) under the root of sysfs.c,
 * so that tests can hand it a fake tree.
 *
 * Why sysfs and not libcxl: Debian 12's libcxl (ndctl 76.1) cannot
 * create a RAM region (it has cxl_decoder_create_pmem_region() only) and
 * cannot trigger a memdev's poison list; both must be done through sysfs.
 * The rest (enumeration, region targets and commit) libcxl 76.1 could do,
 * but it caches the topology when a context is made and would not see a
 * region created behind its back, it reads the real /sys only (no fake
 * tree for the unit tests), and the reads it would replace are a handful
 * of attribute files.  So phase 1 uses sysfs throughout; a newer libcxl
 * (cxl_decoder_create_ram_region(), cxl_memdev_trigger_poison_list())
 * would be worth linking when the distribution has one.
 *
 * Poison lists are in cxl-poison.h.  Every function returns 0 (or a
 * count) or -errno.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cxl-plan.h"

#define CXL_NAME_MAX 32

/* A CXL region as the kernel shows it. */
struct cxl_sysfs_region {
        char name[CXL_NAME_MAX];                /* region0 */
        char root[CXL_NAME_MAX];                /* its root decoder, decoder0.0 */
        char mode[8];                           /* ram | pmem | "" (older kernels have no mode) */
        uint64_t resource, size;                /* host physical address range */
        unsigned ways, granularity;
        bool committed;
        char targets[CXL_PLAN_MAX_WAYS][CXL_NAME_MAX];  /* endpoint decoders, by position */
        char memdevs[CXL_PLAN_MAX_WAYS][CXL_NAME_MAX];  /* their memdevs, by position */
};

/*
 * The whole topology.  roots[] and memdevs[] are in the shape cxl-plan
 * takes; the strings they point at are owned by this struct.
 */
struct cxl_sysfs {
        struct cxl_root_decoder *roots;
        size_t n_roots;
        struct cxl_memdev *memdevs;
        size_t n_memdevs;
        struct cxl_sysfs_region *regions;
        size_t n_regions;
        char (*names)[CXL_NAME_MAX];            /* storage behind the names of roots[] and memdevs[] */
        size_t n_names, names_cap;
        /* per memdev: its endpoint port and the endpoint decoder a new region must take next */
        char (*endpoint)[CXL_NAME_MAX];
        char (*next_decoder)[CXL_NAME_MAX];
};

/* Reads every memdev, root decoder and region; frees nothing on error. */
int cxl_sysfs_scan(struct cxl_sysfs *ret);
void cxl_sysfs_free(struct cxl_sysfs *c);

/* The plan's view: no owned regions; block_size as given. */
void cxl_sysfs_topology(const struct cxl_sysfs *c, uint64_t block_size, struct cxl_topology *ret);

/* Index of a memdev / region by name, or -ENOENT. */
int cxl_sysfs_memdev_index(const struct cxl_sysfs *c, const char *name);
int cxl_sysfs_region_index(const struct cxl_sysfs *c, const char *name);

/*
 * Creates the RAM region p (planned against c's topology): the region
 * from the root decoder's create_ram_region, its granularity and ways,
 * mode ram and the DPA size on each memdev's next endpoint decoder, its
 * size, its targets in order, commit, and a bind to the cxl_region
 * driver (the kernel then adds the dax_region and its dax device).  On
 * failure it undoes what it did (the region is deleted and the DPA it
 * allocated freed, newest first) and returns the first error, with the
 * step that failed in *ret_step (a static string).  The new region's
 * name goes to ret_name.
 */
int cxl_sysfs_create_ram_region(const struct cxl_sysfs *c, const struct cxl_region_plan *p, char *ret_name,
                                size_t len, const char **ret_step);

/*
 * The same, calling intent(name) with the name the kernel will give the
 * region after reading it from create_ram_region and before writing it
 * back (nothing exists yet); when intent fails, nothing is created and
 * its error is returned (step "recording the region before creating it").
 */
int cxl_sysfs_create_ram_region_intent(const struct cxl_sysfs *c, const struct cxl_region_plan *p,
                                       int (*intent)(const char *region, void *userdata), void *userdata,
                                       char *ret_name, size_t len, const char **ret_step);

/*
 * The CXL region a dax device belongs to ("region0" for a dax device
 * under .../region0/dax_region0/dax0.0), or -ENOENT when it is not CXL.
 */
int cxl_sysfs_dax_region(const char *dax, char *ret, size_t len);
