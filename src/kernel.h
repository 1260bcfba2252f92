/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * kernel: the real struct backend.  Facts and memory blocks come from
 * sysfs (under sysfs_root()), driver moves go through libdaxctl, node
 * sizes through libnuma, and holders of a device are found in /proc.
 */

#include "device.h"

extern const struct backend kernel_backend;

/* Source of a dax device from its resolved sysfs path (pure, for tests). */
enum dt_source kernel_source_from_path(const char *devpath, int *region);
