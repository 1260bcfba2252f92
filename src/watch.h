/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * watch: sysfs attributes that wake the loop with EPOLLPRI when the
 * kernel notifies a change (sysfs_notify()): a region's badblocks, a
 * bus's nfit/scrub.  Paths are given as the kernel names them and opened
 * under sysfs_root(); the callers get them from kernel.h.
 *
 * A struct watch is one attribute; a struct watch_set is the set of
 * attributes the manager watches for poison, refreshed from the device
 * table (mark, add what is wanted, sweep the rest).
 */

#include <systemd/sd-event.h>

struct watch;
typedef void (*watch_fn)(struct watch *w, void *userdata);

/*
 * Opens path and calls fn each time it changes (after reading it to the
 * end, which arms the next notification).  Returns 0 or -errno (the
 * attribute does not exist, or cannot be watched).
 */
int watch_new(sd_event *event, const char *path, const char *description, watch_fn fn, void *userdata,
              struct watch **ret);
void watch_free(struct watch *w);
const char *watch_path(const struct watch *w);

struct watch_set;
/* tag is what watch_set_add() was given for the attribute. */
typedef void (*watch_set_fn)(int tag, void *userdata);

int watch_set_new(sd_event *event, const char *description, watch_set_fn fn, void *userdata,
                  struct watch_set **ret);
void watch_set_free(struct watch_set *s);
/* Marks every watch unwanted; watch_set_add() wants one again (or adds
 * it), watch_set_sweep() closes the ones still unwanted. */
void watch_set_mark(struct watch_set *s);
void watch_set_add(struct watch_set *s, const char *path, int tag);
void watch_set_sweep(struct watch_set *s);
