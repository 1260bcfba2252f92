/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * metrics-file: the node_exporter textfile, replaced atomically so that
 * a scrape never sees half a file.
 */

/*
 * Writes text to a temporary file in path's directory (named
 * ".NAME.XXXXXX", which node_exporter ignores: it reads *.prom only),
 * mode 0644, fsync()s it and renames it over path.  Returns 0 or -errno;
 * on failure path is untouched and no temporary file is left.
 */
int metrics_write_textfile(const char *path, const char *text);
