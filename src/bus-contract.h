/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * bus-contract: the one description of what daxtierd and its clients
 * agree on.  The bus name, object paths, interfaces, error names, the
 * default configuration paths and the list of Device properties.  The
 * daemon (bus.c, bus-device.c) and daxtierctl (ctl-model.c,
 * daxtierctl.c) both take them from here, so that a property added here
 * appears in the sd-bus vtable, the PropertiesChanged signal and the
 * client's reader at once.
 *
 * Nothing here needs sd-bus: the header is plain C so the pure client
 * code and its unit tests include it too.
 */

/* ---- names and paths ---------------------------------------------------- */

#define DAXTIER_BUS_NAME "org.daxtier.Daxtierd1"
#define DAXTIER_BUS_PATH "/org/daxtier/Daxtierd1"
#define DAXTIER_BUS_DEVICE_PREFIX DAXTIER_BUS_PATH "/device"
#define DAXTIER_BUS_MANAGER_IFACE "org.daxtier.Daxtierd1.Manager"
#define DAXTIER_BUS_DEVICE_IFACE "org.daxtier.Daxtierd1.Device"

/* ---- errors ------------------------------------------------------------- */

/* GetDevice of a name that is not a dax device daxtierd knows. */
#define DAXTIER_BUS_ERROR_NO_SUCH_DEVICE "org.daxtier.Daxtierd1.Error.NoSuchDevice"
/* Reload of a configuration that does not validate: the old one stays. */
#define DAXTIER_BUS_ERROR_INVALID_CONFIG "org.daxtier.Daxtierd1.Error.InvalidConfig"

/* ---- configuration ------------------------------------------------------ */

#define DAXTIER_DEFAULT_CONFIG SYSCONFDIR "/daxtierd.conf"
#define DAXTIER_DEFAULT_DROPIN_DIR SYSCONFDIR "/daxtierd.conf.d"

/* ---- device names ------------------------------------------------------- */

/*
 * The longest dax device name daxtierd takes from a caller: kernel names
 * are "daxX.Y", far shorter.  Longer names are refused before anything
 * is looked up or allocated for them.
 */
#define DAXTIER_BUS_NAME_MAX 63

/* ---- Device properties -------------------------------------------------- */

/*
 * Property flags: CONST never changes for one object (not in
 * PropertiesChanged); SHOW_ONLY is printed by "daxtierctl show" but left
 * out of the device objects of "status --json".
 */
#define DAXTIER_PROP_CONST 0x1
#define DAXTIER_PROP_SHOW_ONLY 0x2
/* A "NAME=SERIAL,..." string (CxlMemdevs) that JSON shows as an array of
 * {"name": NAME, "serial": SERIAL} objects. */
#define DAXTIER_PROP_JSON_PAIRS 0x4

/*
 * Every property of org.daxtier.Daxtierd1.Device, in the order of the
 * interface: X(D-Bus name, signature, field of struct ctl_device, JSON
 * key, flags).  The signature is one of "s", "t", "i", "u", "b".
 */
#define DAXTIER_DEVICE_PROPERTIES(X)                                                     \
        X("Name", "s", name, "name", DAXTIER_PROP_CONST)                                 \
        X("Source", "s", source, "source", 0)                                            \
        X("State", "s", state, "state", 0)                                               \
        X("Rule", "s", rule, "rule", 0)                                                  \
        X("Mode", "s", mode, "mode", 0)                                                  \
        X("Size", "t", size, "size", 0)                                                  \
        X("TargetNode", "i", target_node, "target_node", 0)                              \
        X("Zone", "s", zone, "zone", 0)                                                  \
        X("OnlineBlocks", "u", online_blocks, "online_blocks", 0)                        \
        X("TotalBlocks", "u", total_blocks, "total_blocks", 0)                           \
        X("MemmapOnMemory", "b", memmap_on_memory, "memmap_on_memory", 0)                \
        X("LastError", "s", last_error, "last_error", 0)                                 \
        X("LastTransition", "t", last_transition, "last_transition", DAXTIER_PROP_SHOW_ONLY) \
        X("Security", "s", security, "security", 0)                                      \
        X("BadBlocks", "u", badblocks, "badblocks", 0)                                   \
        X("ClearedBytes", "t", cleared_bytes, "cleared_bytes", 0)                        \
        X("SkippedBlocks", "u", skipped_blocks, "skipped_blocks", 0)                     \
        X("LastScrub", "t", last_scrub, "last_scrub", 0)                                 \
        X("ScrubOutcome", "s", scrub_outcome, "scrub_outcome", 0)                        \
        X("CxlRegion", "i", cxl_region, "cxl_region", 0)                                 \
        X("CxlMemdevs", "s", cxl_memdevs, "cxl_memdevs", DAXTIER_PROP_JSON_PAIRS)                        \
        X("Tier", "i", tier, "tier", 0)
