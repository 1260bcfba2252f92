/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * bus-object: the object model of daxtierd's D-Bus interface, apart from
 * the wire format (bus.c).  How a device is named on the bus, which names
 * a caller may ask for, and what each Device property of the contract
 * (bus-contract.h) reads for a struct device.  Pure: no sd-bus, no
 * system access, so every rule is unit-tested (test-bus.c).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bus-contract.h"
#include "device.h"

/* One property value; type is the D-Bus signature's one character. */
struct bus_value {
        char type;              /* 's', 't', 'i', 'u' or 'b' */
        union {
                const char *s;  /* never NULL; points into the device or a constant */
                uint64_t t;
                int32_t i;
                uint32_t u;
                int b;          /* 0 or 1, as sd-bus wants it */
        };
};

struct bus_device_property {
        const char *name;
        const char *signature;
        unsigned flags;         /* DAXTIER_PROP_* */
        void (*get)(const struct device *d, struct bus_value *ret);
};

/* Every Device property, in the order of the contract. */
extern const struct bus_device_property bus_device_properties[];
extern const size_t bus_device_n_properties;

/* The property called name, or NULL. */
const struct bus_device_property *bus_device_property_find(const char *name);

/*
 * Fills names with the properties that may change (all but the CONST
 * ones), for PropertiesChanged, and a NULL after them; at most n - 1
 * names.  Returns how many.
 */
size_t bus_device_changed_properties(const char **names, size_t n);

/*
 * Whether name may be a dax device name asked for over the bus: 1 to
 * DAXTIER_BUS_NAME_MAX characters from [A-Za-z0-9.], which is what the
 * kernel's "daxX.Y" names use and what maps onto an object path.  Returns
 * 0, -EINVAL (empty or a character outside the set) or -ENAMETOOLONG.
 * Nothing is allocated, so a 64 KiB name costs one bounded scan.
 */
int bus_device_name_check(const char *name);

/* "/org/daxtier/Daxtierd1/device/dax0_0" for "dax0.0"; -ENAMETOOLONG,
 * -EINVAL for a name bus_device_name_check() refuses. */
int bus_device_path(const char *name, char *buf, size_t len);

/*
 * The device name of an object path below DAXTIER_BUS_DEVICE_PREFIX
 * ("dax0.0" for ".../device/dax0_0").  Returns 0, or -EINVAL when path
 * is not a device path of a valid name, -ENAMETOOLONG.
 */
int bus_device_name_from_path(const char *path, char *buf, size_t len);

/*
 * A caller's name made safe to quote in an error message: at most
 * len - 1 bytes, bytes outside printable ASCII as '?', and "..." when cut.
 * Returns buf.
 */
const char *bus_quote_name(const char *name, char *buf, size_t len);

/* "system-ram", "devdax", "disabled" or "unknown" for the driver. */
const char *bus_device_mode(const struct device *d);

/* Tier: the memory tier of a node (-1: none), as the daemon reads it
 * (tiering-io.c); without one every device says -1. */
void bus_object_set_tier_lookup(int (*lookup)(int node));

/* A kernel zone name ("Movable") in the policy's words ("movable"), as
 * D-Bus Zone and daxtierctl show it; "mixed" and "" stay as they are. */
const char *bus_zone_word(const char *kernel_zone);
