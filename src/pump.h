/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * pump: drives the device work queue from the event loop so that it makes
 * progress whatever else the loop is busy with.
 *
 * A step runs at idle priority whenever the loop has nothing else to do
 * (the fast path: no bus traffic, every step at once).  But a client
 * that keeps the bus busy (GetManagedObjects in a loop) would starve an
 * idle source for ever, so a timer at normal priority also fires every
 * PUMP_INTERVAL_USEC, and when no step ran since the last one, runs a
 * batch of steps (at most PUMP_BATCH_STEPS, for at most
 * PUMP_BATCH_USEC).  sd-event dispatches sources of equal priority
 * oldest-pending first, so the timer takes its turn between bus
 * messages: under a flood, jobs still get about
 * PUMP_BATCH_USEC / PUMP_INTERVAL_USEC of the loop.
 */

#include <stdbool.h>
#include <systemd/sd-event.h>

#define PUMP_INTERVAL_USEC (10 * 1000ULL)
#define PUMP_BATCH_USEC (5 * 1000ULL)
#define PUMP_BATCH_STEPS 64

struct pump;

/* One step of work; may call pump_set_enabled(). */
typedef void (*pump_step_fn)(void *userdata);

/* Returns 0 or -errno; the pump starts disabled.  description names its
 * event sources. */
int pump_new(sd_event *event, const char *description, pump_step_fn step, void *userdata, struct pump **ret);

/* Steps run while enabled. */
void pump_set_enabled(struct pump *p, bool on);
bool pump_enabled(const struct pump *p);

void pump_free(struct pump *p);
