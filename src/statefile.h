/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * statefile: the small files in /run/daxtierd that outlive a crash of the
 * daemon (auto_online_blocks, carve-intent, dax-devices, cxl-regions).
 * Written atomically (a new file, fsync, rename), so that a reader, or
 * the next start after SIGKILL, sees the old content or the new, never a
 * part; read without following links or blocking on anything but a
 * regular file.  What the content means is the caller's (pure parsers).
 */

#include <stddef.h>

#define STATEFILE_DIR "/run/daxtierd"

/* Replaces path (in STATEFILE_DIR, made if missing) with len bytes of
 * buf.  0 or -errno. */
int statefile_write(const char *path, const void *buf, size_t len);

/* Reads at most max bytes of path into buf and sets *ret_len.  0,
 * -ENOENT when there is none, -EINVAL when it is not a regular file,
 * or -errno. */
int statefile_read(const char *path, char *buf, size_t max, size_t *ret_len);
