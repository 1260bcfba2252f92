/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * carve-internal: what carve.c (NVDIMM regions, the intent file, settling
 * a killed pass) and carve-dax.c (dynamic dax regions and the list of
 * the devices daxtierd made, CARVE_DAX_STATE_FILE) share.
 */

#include <stdbool.h>
#include <daxctl/libdaxctl.h>

#include "carve-plan.h"

/* One device daxtierd made in a dynamic dax region, as listed. */
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

/* The list: add (0 or -ENOMEM), load from and save to the state file
 * (0 or -errno). */
int owned_add(struct owned_list *l, const struct owned *o);
int owned_load(struct owned_list *l);
int owned_save(const struct owned_list *l);

/* The region's device of that name, or NULL. */
struct daxctl_dev *dax_find(struct daxctl_region *region, const char *name);
/* A region whose devices can be created (CXL, hmem), not a namespace's. */
bool dax_region_is_dynamic(struct daxctl_region *region);

/* The pass over every dynamic dax region. */
void carve_dax_regions(const struct carve_request *req, struct carve_results *rs);

/* The intent file (carve-plan.h): written before a pass's first write,
 * removed when it is done.  0 or -errno. */
int intent_save(const struct carve_intent *in);
void intent_clear(void);
