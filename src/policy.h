/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * policy: the policy files, parsed and validated.
 *
 * Pure code: reads the files it is given and nothing else of the system.
 * config_load() parses /etc/daxtierd.conf (or --config PATH) and then every
 * DROPIN_DIR/ *.conf in lexical order into one struct policy.  Every problem
 * is collected as a message "FILE:LINE: ..." naming the key and the value,
 * so that the daemon can log them all and keep its old policy.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policy-value.h"
#include "tiering.h"
#include "vocab.h"

/* Bits of struct rule.match_set: which match keys the rule has. */
enum {
        DT_MATCH_DEVICE = 1u << 0,
        DT_MATCH_SOURCE = 1u << 1,
        DT_MATCH_UUID = 1u << 2,
        DT_MATCH_REGION = 1u << 3,
        DT_MATCH_TARGET_NODE = 1u << 4,
        DT_MATCH_SIZE_MIN = 1u << 5,
        DT_MATCH_SIZE_MAX = 1u << 6,
        DT_MATCH_NAME = 1u << 7,
        DT_MATCH_CXL_MEMDEV = 1u << 8,
        DT_MATCH_CXL_REGION = 1u << 9,
};

struct rule {
        char *name;             /* NAME of [device NAME] */
        char *file;             /* file and line of the section header */
        unsigned line;

        unsigned match_set;     /* DT_MATCH_* bits */
        char *match_device;     /* fnmatch(3) glob on the dax device name */
        enum dt_source match_source;
        char *match_uuid;       /* lower case, canonical 8-4-4-4-12 form */
        int match_region;
        int match_target_node;
        uint64_t match_size_min;
        uint64_t match_size_max;
        char *match_name;       /* fnmatch(3) glob on the namespace's name (alt_name) */
        char *match_cxl_memdev; /* fnmatch(3) glob on a memdev's name or serial */
        int match_cxl_region;   /* the CXL region number */

        enum dt_mode mode;
        enum dt_zone zone;
        int target_node;        /* -1: any node */
        enum dt_memmap memmap_on_memory;
        enum dt_security require_security;

        enum dt_scrub scrub;                    /* default ars */
        uint64_t scrub_timeout_usec;            /* default 30min */
        enum dt_on_poison on_poison;            /* default refuse */
        enum dt_on_runtime_poison on_runtime_poison;    /* default offline-block */
        enum dt_scrub_unsupported scrub_unsupported;    /* default proceed */
};

/* The name prefix of the namespaces daxtierd carves: "daxtierd-RULE". */
#define DT_CARVE_NAME_PREFIX "daxtierd-"

/* [region NAME]: how much of a region becomes dax-backed System RAM. */
struct region_rule {
        char *name;
        char *file;
        unsigned line;

        unsigned match_set;     /* DT_MATCH_SOURCE, DT_MATCH_REGION, DT_MATCH_TARGET_NODE, DT_MATCH_CXL_* */
        enum dt_source match_source;
        int match_region;
        int match_target_node;
        char *match_cxl_memdev; /* match.source = cxl: the memdevs a new CXL region may use */
        int match_cxl_region;   /* an existing CXL region (never created: see daxtierd.conf(5)) */

        struct dt_amount capacity;
        unsigned max_devices;   /* namespaces (devices) of this rule per region */
};

/* The node_exporter textfile when metrics_textfile is not set, if its
 * directory exists (Debian's prometheus-node-exporter reads it). */
#define DT_METRICS_TEXTFILE_DIR "/var/lib/prometheus/node-exporter"
#define DT_METRICS_TEXTFILE_DEFAULT DT_METRICS_TEXTFILE_DIR "/daxtierd.prom"
#define DT_METRICS_PATH_MAX 1024
#define DT_METRICS_INTERVAL_DEFAULT_USEC (60 * 1000000ULL)

struct policy {
        char **files;           /* every file read, in order */
        size_t n_files;

        enum dt_auto_online auto_online_blocks;
        enum dt_online_at_bind online_at_bind;  /* default yes */

        struct rule *rules;     /* in file order: first match wins */
        size_t n_rules;

        /* [daemon] max_system_ram_per_node; kind SIZE or PERCENT (of the node's DRAM). */
        bool ram_cap_set;
        struct dt_amount ram_cap;

        struct region_rule *region_rules;       /* in file order: first match wins */
        size_t n_region_rules;

        /* [daemon] metrics_textfile: "" = not set (the default: see
         * DT_METRICS_TEXTFILE_DEFAULT), "off", or an absolute path. */
        char metrics_textfile[DT_METRICS_PATH_MAX];
        uint64_t metrics_interval_usec;         /* [daemon] metrics_interval; 0: on transitions only */

        struct tiering_policy tiering;          /* [tiering] */
};

/*
 * The largest policy file config_load() reads.  Only regular files are
 * read: a FIFO or a device (/dev/zero) as a policy file is an error.
 */
#define POLICY_FILE_SIZE_MAX (1u << 20)

/* Collected problems, each "FILE:LINE: message". */
struct config_errors {
        char **msgs;
        size_t n;
};

/* A CXL memdev behind a device: its name ("mem0") and memN/serial. */
struct cxl_memdev_id {
        char name[16];
        uint64_t serial;
};

/* What policy_match() looks at. Unknown numbers are -1, unknown strings NULL. */
struct match_facts {
        const char *name;       /* "dax0.0" */
        enum dt_source source;
        const char *uuid;       /* namespace uuid, or NULL */
        const char *dax_uuid;   /* dax device uuid, or NULL */
        int region;
        int target_node;
        uint64_t size;
        const char *ns_name;    /* namespace alt_name, or NULL */
        int cxl_region;         /* source cxl: the CXL region number, else -1 */
        const struct cxl_memdev_id *cxl_memdevs;        /* the memdevs behind that region */
        size_t n_cxl_memdevs;
};

/* What policy_match_region() looks at.  Unknown numbers are -1. */
struct region_facts {
        const char *name;       /* "region0" */
        enum dt_source source;
        int region;
        int target_node;
        int cxl_region;         /* the CXL region behind it, -1 when none or unknown */
};

/*
 * Parse main_path and then dropin_dir/ *.conf (lexical order; a missing
 * directory is fine, a missing main file is fine only if
 * main_optional).  Returns 0 and a new policy in *ret, or -EINVAL with
 * every problem appended to *errs (and *ret untouched), or another
 * -errno for allocation failures.
 */
int config_load(const char *main_path, bool main_optional, const char *dropin_dir,
                struct policy **ret, struct config_errors *errs);

void policy_free(struct policy *p);
void config_errors_clear(struct config_errors *errs);

/* First rule whose match keys all match, or NULL. */
const struct rule *policy_match(const struct policy *p, const struct match_facts *f);

/* First [region] rule whose match keys all match, or NULL. */
const struct region_rule *policy_match_region(const struct policy *p, const struct region_facts *f);

/*
 * The verdict of --check-config, shared by daxtierd and daxtierctl: loads
 * the files, prints every error and "configuration invalid: N errors" to
 * err, or the effective policy to out and "configuration OK: ..." to err.
 * Returns 0 when valid, -EINVAL (or another -errno) when not.
 */
int policy_check(const char *main_path, bool main_optional, const char *dropin_dir, FILE *out, FILE *err);

/* Print the effective policy in config syntax (for --check-config). */
void policy_dump(const struct policy *p, FILE *out);
