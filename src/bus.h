/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * bus: daxtierd on the D-Bus system bus (sd-bus, in the manager's event
 * loop).  Object /org/daxtier/Daxtierd1 with org.daxtier.Daxtierd1.Manager
 * and an ObjectManager; one object per device under .../device/ with
 * org.daxtier.Daxtierd1.Device.  Reading is open to everyone; Reload,
 * Rescan and Apply check the caller with sd_bus_query_sender_privilege()
 * (see check_privileged() in bus.c).
 *
 * This file is the wire format: vtables, method handlers, signals.  The
 * names are in bus-contract.h; what a device looks like on the bus
 * (paths, valid names, property values) is bus-object.c.
 */

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bus-contract.h"
#include "device.h"

struct manager;
struct bus;

/* The name the manager logs when the bus is not there. */
#define BUS_NAME DAXTIER_BUS_NAME

/* Connects to the system bus, registers the objects and takes the name.
 * Returns 0 or -errno. */
int bus_new(struct manager *m, sd_event *event, struct bus **ret);
void bus_free(struct bus *b);

/* Signals: a device appeared, changed state, or went away. */
void bus_device_added(struct bus *b, const struct device *d);
void bus_device_changed(struct bus *b, const struct device *d);
void bus_device_removed(struct bus *b, const struct device *d);

/* The policy was reloaded: ConfigFiles may have changed. */
int bus_manager_config_changed(struct bus *b);
