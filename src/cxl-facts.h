/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * cxl-facts: what the real backend (kernel.c) adds to a CXL dax device's
 * facts, and the CXL poison of a device as host physical ranges, the
 * same bad_range list the pmem path gets from nd badblocks.  Through
 * cxl-sysfs.c and cxl-poison.c, so under sysfs.c's root.
 */

#include <stddef.h>

#include "device.h"

/*
 * Fills f->n_cxl_memdevs and f->cxl_memdevs (name and memN/serial, by
 * position in the region) for a source=cxl device whose f->region is
 * set.  0 (nothing for other devices), or -errno.
 */
int cxl_facts_read(struct dax_facts *f);

/*
 * The poison of every memdev behind f's CXL region that falls in that
 * region, as host physical ranges (at most max into out): the hpa the
 * kernel's cxl_poison event carries, or, when it has none, the dpa
 * translated through the region's geometry and the endpoint decoder's
 * dpa_resource.  Returns the number of ranges, 0 for other devices,
 * -EOPNOTSUPP when no memdev has a poison list, or -errno.
 * *ret_records gets the number of poison records read (may be NULL).
 */
int cxl_facts_poison(const struct dax_facts *f, struct bad_range *out, size_t max, unsigned *ret_records);
