/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * sysfs: every read and write of /sys and /proc goes through here, under
 * a root that tests can point at a fake tree (sysfs_set_root()).  Paths
 * are given as the kernel names them ("/sys/bus/dax/devices/dax0.0/size").
 * Every function returns 0 (or a count) or -errno.
 */

#include <stddef.h>
#include <stdint.h>

/* "" (the default) is the real system. */
void sysfs_set_root(const char *root);
const char *sysfs_root(void);

/* Puts root + path into buf; -ENAMETOOLONG when it does not fit. */
int sysfs_path(char *buf, size_t len, const char *path);

/* Reads the first line (without the newline) into buf. */
int sysfs_read(const char *path, char *buf, size_t len);
/* Reads a number: decimal, or hex with 0x (base 0), or bare hex (base 16). */
int sysfs_read_u64(const char *path, int base, uint64_t *ret);
int sysfs_read_int(const char *path, int *ret);
/* Writes value with one write(2); the kernel's answer is the result. */
int sysfs_write(const char *path, const char *value);
/* The last component of the link's target ("kmem" for .../driver). */
int sysfs_link_name(const char *path, char *buf, size_t len);
/* The resolved path, without the root prefix. */
int sysfs_resolve(const char *path, char *buf, size_t len);
int sysfs_exists(const char *path);
