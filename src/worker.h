/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * worker: runs one function at a time in a thread of its own and tells
 * the event loop when it returned, through an eventfd.  The device job's
 * blocking kernel calls (manager.c) and the region passes (regions.c)
 * use it, so that the loop keeps answering D-Bus, signals and udev while
 * the kernel works.
 *
 * Without a thread (pthread_create() failed), the function runs at once
 * in the caller, and done() is still called from the loop, so that the
 * caller has one path either way.
 */

#include <stdbool.h>
#include <systemd/sd-event.h>

struct worker;

/* Runs in the worker thread. */
typedef void (*worker_fn)(void *arg);
/* Runs in the loop once the function returned (the thread is joined). */
typedef void (*worker_done_fn)(void *userdata);

/* Returns 0 or -errno. description names the loop's event source. */
int worker_new(sd_event *event, const char *description, worker_done_fn done, void *userdata,
               struct worker **ret);

/* Starts fn(arg); -EBUSY while the last one runs. */
int worker_start(struct worker *w, worker_fn fn, void *arg);

/* True from worker_start() until done() is called. */
bool worker_busy(const struct worker *w);

/* Waits for a running function to return (its done() is not called). */
void worker_free(struct worker *w);
