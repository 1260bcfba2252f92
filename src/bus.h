/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * bus: daxtierd on the D-Bus system bus (sd-bus, in the manager's event
 * loop).  Object /org/daxtier/Daxtierd1 with org.daxtier.Daxtierd1.Manager
 * and an ObjectManager; one object per device under .../device/ with
 * org.daxtier.Daxtierd1.Device.  Reading is open to everyone; Reload,
 * Rescan and Apply check the caller (uid 0 or CAP_SYS_ADMIN).
 */

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "device.h"

struct manager;
struct bus;

#define BUS_NAME "org.daxtier.Daxtierd1"
#define BUS_PATH "/org/daxtier/Daxtierd1"
#define BUS_DEVICE_PREFIX BUS_PATH "/device"
#define BUS_MANAGER_IFACE "org.daxtier.Daxtierd1.Manager"
#define BUS_DEVICE_IFACE "org.daxtier.Daxtierd1.Device"

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

/* "/org/daxtier/Daxtierd1/device/dax0_0" for "dax0.0"; -ENAMETOOLONG. */
int bus_device_path(const char *name, char *buf, size_t len);
