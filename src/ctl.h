/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * ctl: the pure half of daxtierctl.  Parses the command line into a
 * struct ctl_args (ctl.c), holds what daxtierd reports over D-Bus
 * (struct ctl_report, ctl-model.c), and renders it as text tables or as
 * JSON with json-c (ctl-output.c).
 *
 * Nothing here talks to D-Bus or reads the system: daxtierctl.c fetches
 * the properties and the NUMA facts and hands them over, so that every
 * output byte can be unit tested.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bus-contract.h"

/* Exit codes of daxtierctl (documented in daxtierctl(8)). */
enum {
        CTL_EXIT_OK = 0,
        CTL_EXIT_FAILURE = 1,
        CTL_EXIT_USAGE = 2,
        CTL_EXIT_NOT_RUNNING = 3,
};

/* The D-Bus names of the contract with daxtierd (bus-contract.h). */
#define CTL_BUS_NAME DAXTIER_BUS_NAME
#define CTL_MANAGER_PATH DAXTIER_BUS_PATH
#define CTL_MANAGER_INTERFACE DAXTIER_BUS_MANAGER_IFACE
#define CTL_DEVICE_INTERFACE DAXTIER_BUS_DEVICE_IFACE

/* ---- command line --------------------------------------------------- */

enum ctl_command {
        CTL_CMD_STATUS,
        CTL_CMD_SHOW,
        CTL_CMD_LIST,
        CTL_CMD_RELOAD,
        CTL_CMD_RESCAN,
        CTL_CMD_APPLY,
        CTL_CMD_CHECK_CONFIG,
        CTL_CMD_METRICS,
        CTL_CMD_HELP,           /* -h / --help: print ctl_help_text(), exit 0 */
        CTL_CMD_VERSION,        /* --version */
};

struct ctl_args {
        enum ctl_command command;
        bool json;
        const char *device;      /* show, apply: points into argv */
        const char *config_path; /* check-config PATH, or NULL for the default */
};

/*
 * Parses argv (argv[0] is the program name and is skipped).  Options may
 * come before or after the command; "--" ends the options.  Without a
 * command, the command is status.  -h/--help and --version win over any
 * problem with the command or its arguments, but not over an unknown
 * option seen before them.
 *
 * Returns 0 and fills *ret, or -EINVAL (a usage error: exit 2) and sets
 * *ret_error to a message without the "daxtierctl: " prefix (caller
 * frees), or -ENOMEM.  Never prints.
 */
int ctl_parse_args(int argc, char *const argv[], struct ctl_args *ret, char **ret_error);

/* "status", "show", ...; NULL for help and version. */
const char *ctl_command_to_string(enum ctl_command c);

/* The text of --help. */
const char *ctl_help_text(void);

/* ---- what daxtierd reports ------------------------------------------ */

/* One org.daxtier.Daxtierd1.Device object.  Strings are never NULL once
 * ctl_report_add_device() returned it ("" when unknown).  One field per
 * property of DAXTIER_DEVICE_PROPERTIES, named in its third column. */
struct ctl_device {
        char *name;
        char *source;
        char *state;
        char *rule;
        char *mode;
        uint64_t size;
        int32_t target_node;    /* -1: none */
        char *zone;
        uint32_t online_blocks;
        uint32_t total_blocks;
        bool memmap_on_memory;
        char *last_error;
        uint64_t last_transition; /* µs since the epoch, 0: never */
        char *security;         /* weakest DIMM security state, "n/a" */
        uint32_t badblocks;     /* bad ranges inside the device now */
        uint64_t cleared_bytes; /* poison cleared by daxtierd */
        uint32_t skipped_blocks; /* blocks left offline for poison */
        uint64_t last_scrub;    /* µs since the epoch, 0: never */
        char *scrub_outcome;    /* none, done, unsupported, failed, timed-out */
        int32_t cxl_region;     /* the CXL region number, -1: not CXL */
        char *cxl_memdevs;      /* "mem0=0xa1,mem1=0xa2": memdev=serial, by position; "" */
        int32_t tier;           /* memory tier of the device's node; -1: none */
        char *object_path;
};

/* One NUMA node of the status output. */
struct ctl_node {
        int node;
        uint64_t total;         /* bytes of memory the node has (libnuma) */
        uint64_t dax;           /* bytes of it onlined from dax devices */
        int tier;               /* memory tier; -1: none or not known */
        uint64_t demoted;       /* pages demoted from the node (daemon's Nodes) */
        uint64_t promoted;      /* pages promoted to it */
};

/* One [tiering] knob as the daemon reads it (TieringKnobs). */
struct ctl_knob {
        char *knob;             /* "demotion_enabled", "weighted_interleave/node1" */
        char *value;
        bool set;               /* daxtierd set it and has not put it back */
};

struct ctl_report {
        struct ctl_device *devices;
        size_t n_devices;
        struct ctl_node *nodes;
        size_t n_nodes;
        bool has_tiering;       /* the daemon gave Nodes and TieringKnobs */
        struct ctl_knob *knobs;
        size_t n_knobs;
};

/*
 * After ctl_report_compute_nodes(): a node's tier and counters from the
 * daemon's Nodes property (a node not in the table is added, with total 0).
 * Sets r->has_tiering.  0 or -ENOMEM.
 */
int ctl_report_set_node_tiering(struct ctl_report *r, int node, int tier, uint64_t demoted, uint64_t promoted);
/* Appends a knob (TieringKnobs); sets r->has_tiering.  0 or -ENOMEM. */
int ctl_report_add_knob(struct ctl_report *r, const char *knob, const char *value, bool set);

/* Appends a device with empty strings and target_node -1; NULL on OOM.
 * The pointer is valid until the next call. */
struct ctl_device *ctl_report_add_device(struct ctl_report *r);

/* Frees everything and leaves an empty report. */
void ctl_report_clear(struct ctl_report *r);

/* Sorts the devices by name, numbers compared as numbers (dax2.0 before
 * dax10.0): the order in which the daemon sends them is arbitrary. */
void ctl_report_sort(struct ctl_report *r);

/*
 * Fills r->nodes: every node with node_total[node] > 0 plus every node a
 * device targets, ascending.  dax of a node is the sum over its devices
 * of online_blocks * block_size.  node_total has n_node_total entries,
 * indexed by node number; nodes beyond it have total 0.  Returns 0 or
 * -ENOMEM.
 */
int ctl_report_compute_nodes(struct ctl_report *r, const uint64_t *node_total, size_t n_node_total,
                             uint64_t block_size);

/* A plain value of a D-Bus property, as read from a variant. */
struct ctl_value {
        char type;              /* 's', 't', 'i', 'u' or 'b' */
        union {
                const char *s;
                uint64_t t;
                int32_t i;
                uint32_t u;
                bool b;
        };
};

/* The D-Bus signature ("s", "t", "i", "u", "b") of a Device property,
 * or NULL for a property daxtierctl does not know. */
const char *ctl_device_property_signature(const char *property);

/* The Device properties of the contract, in its order. */
struct ctl_property {
        const char *name;       /* D-Bus */
        const char *signature;
        const char *json;       /* key in the JSON device objects */
        unsigned flags;         /* DAXTIER_PROP_* */
        size_t offset;          /* of the field in struct ctl_device */
};
extern const struct ctl_property ctl_device_properties[];
extern const size_t ctl_device_n_properties;

/*
 * Stores one Device property.  Returns 1 when stored, 0 when the
 * property is unknown (ignored: a newer daemon may have more), -EBADMSG
 * when v->type is not the property's type, -ENOMEM.
 */
int ctl_device_set_property(struct ctl_device *d, const char *property, const struct ctl_value *v);

/* Sets d->object_path; 0 or -ENOMEM. */
int ctl_device_set_object_path(struct ctl_device *d, const char *path);

/* ---- output ---------------------------------------------------------- */

/*
 * Each returns 0 and a newly allocated, newline-terminated string in
 * *ret, or -ENOMEM.
 *
 * status: the device table, a line "NAME: LAST_ERROR" for each device
 * with an error, and the node table.  show: "Key: value" lines of one
 * device.  list: name, state and object path of each device.
 */
int ctl_format_status(const struct ctl_report *r, char **ret);
int ctl_format_device(const struct ctl_device *d, char **ret);
int ctl_format_list(const struct ctl_report *r, char **ret);

/* The JSON documents of status --json, show --json and list --json
 * (schemas in daxtierctl(8)), pretty-printed by json-c. */
int ctl_json_status(const struct ctl_report *r, char **ret);
int ctl_json_device(const struct ctl_device *d, char **ret);
int ctl_json_list(const struct ctl_report *r, char **ret);

/* ---- errors ---------------------------------------------------------- */

enum ctl_bus_error {
        CTL_BUS_ERROR_OTHER,
        CTL_BUS_ERROR_NOT_RUNNING,      /* ServiceUnknown, NameHasNoOwner */
        CTL_BUS_ERROR_ACCESS_DENIED,
        CTL_BUS_ERROR_NO_SUCH_DEVICE,
        CTL_BUS_ERROR_INVALID_CONFIG,
};

/* Classifies a D-Bus error name (NULL: OTHER). */
enum ctl_bus_error ctl_classify_bus_error(const char *name);

/* The exit code for a failed call with that D-Bus error name. */
int ctl_bus_error_exit_code(const char *name);
