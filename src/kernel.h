/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * kernel: the real struct backend.  Facts and memory blocks come from
 * sysfs (under sysfs_root()), driver moves go through libdaxctl, node
 * sizes through libnuma, and holders of a device are found in /proc.
 */

#include <stdarg.h>

#include "device.h"

extern const struct backend kernel_backend;

/* Source of a dax device from its resolved sysfs path, and the number of
 * its region (-1 when it has none).  Pure (test-kernel tests it). */
enum dt_source kernel_source_from_path(const char *devpath, int *region);

/* The sysfs attributes the daemon watches for poison (watch.h): a bus's
 * nfit/scrub, a region's badblocks.  0 or -ENAMETOOLONG. */
int kernel_scrub_attr(const char *bus, char *buf, size_t len);
int kernel_badblocks_attr(int region, char *buf, size_t len);

/* The log functions for every ndctl and daxctl context the daemon opens:
 * silent, since errors reach the caller as return values. */
struct ndctl_ctx;
struct daxctl_ctx;
void kernel_daxctl_log_quiet(struct daxctl_ctx *ctx, int priority, const char *file, int line, const char *fn,
                             const char *format, va_list args);
void kernel_ndctl_log_quiet(struct ndctl_ctx *ctx, int priority, const char *file, int line, const char *fn,
                            const char *format, va_list args);
