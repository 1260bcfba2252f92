/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * carve-plan: the decisions of the region pass, apart from libndctl and
 * libdaxctl (carve.c).  The I/O half reads one region into a struct
 * carve_region and hands it to carve_region_run() with a backend that
 * can create one namespace (or dynamic dax device) there; everything
 * between is pure and unit-tested against a fake backend (test-carve.c):
 *
 *   match:   which [region] rule, if any (none: the region is not touched)
 *   refuse:  disabled, read-only, unlabelled, no dax seed, unknown block
 *            size, unreadable state file: each with its reason
 *   plan:    the rule's own namespaces (named "daxtierd-RULE", which makes
 *            a pass idempotent), the alignment (block size, region
 *            alignment, dax alignment times interleave ways) and
 *            capacity_plan()'s verdict
 *   create:  at most one, through the backend
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "carve.h"
#include "policy.h"

/* A namespace (nd) or device (dynamic dax) that exists in a region. */
struct carve_child {
        const char *name;       /* nd: its alt name; dax: "daxtierd-RULE" from the state file; may be NULL */
        uint64_t size;          /* 0 or UINT64_MAX: an idle seed, or unknown: never counted */
};

/* One region as the I/O half read it. */
struct carve_region {
        const char *name;       /* "region0" (nd) or "dax_region1" (dynamic dax) */
        enum dt_source source;
        int id;
        int target_node;        /* -1: unknown */
        /* Reasons to refuse, in the order they are checked. */
        bool disabled;
        bool read_only;
        bool no_labels;         /* one label-less namespace spans the region */
        bool no_dax_seed;
        int state_error;        /* -errno: the list of carved devices cannot be read */
        uint64_t size;          /* the region's whole capacity */
        uint64_t available;     /* free capacity one new namespace can take; UINT64_MAX: unknown */
        uint64_t region_align;  /* 0: unknown */
        uint64_t dax_align;     /* 0: none */
        unsigned ways;          /* interleave ways; 0 counts as 1 */
        const struct carve_child *children;
        size_t n_children;
};

/* The backend: creates one namespace of size bytes named name in region
 * f, fills res->namespace and res->device, and returns 0; or sets res
 * (CARVE_FAILED and the reason) and returns -errno. */
struct carve_backend {
        int (*create)(void *ctx, const struct carve_region *f, const char *name, uint64_t size,
                      struct carve_result *res);
        void *ctx;
};

/* The results of one pass; oom is set when one could not be added. */
struct carve_results {
        struct carve_result *v;
        size_t n;
        bool oom;
};

/*
 * Decides about region f and, when the plan says so, creates one
 * namespace through be.  Returns the region's new result in rs, or NULL
 * when no rule matches it (nothing is recorded or touched) or when the
 * result cannot be allocated (rs->oom).
 */
struct carve_result *carve_region_run(const struct carve_request *req, const struct carve_region *f,
                                      const struct carve_backend *be, struct carve_results *rs);

/* Sets the outcome and a printf reason (NULL fmt: no reason). */
void carve_result_set(struct carve_result *r, enum carve_outcome o, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/*
 * Crash recovery.  Carving takes several writes (pmem: uuid, name, size,
 * then the dax seed and enabling; dynamic dax: a new seed, its size,
 * binding, then the line in CARVE_DAX_STATE_FILE), and a daemon killed
 * between them leaves a half-made object: a disabled "daxtierd-RULE"
 * namespace that would count as the rule's own for ever, or a sized dax
 * device the state file does not list, next to which a second one would
 * be carved.  So before its first write a pass records its intent in
 * CARVE_INTENT_FILE (one line), and removes it when the object is made
 * (or taken down again).  The next pass that finds the file settles the
 * object first, and only an object that is provably the daemon's own:
 * the namespace with the recorded uuid, named for the recorded rule (or
 * not named yet); the device with the recorded name and size in the
 * recorded region.
 */
#define CARVE_INTENT_FILE CARVE_DAX_STATE_DIR "/carve-intent"
#define CARVE_INTENT_MAX 512

struct carve_intent {
        enum { CARVE_INTENT_PMEM, CARVE_INTENT_DAX } kind;
        char region[32];        /* pmem: "region0" */
        char uuid[40];          /* pmem: the namespace uuid, text */
        int region_id;          /* dax: the dax region's id */
        char device[32];        /* dax: "dax1.2" */
        uint64_t size;          /* dax: the size being set */
        char rule[64];
};

/* The file's line: "pmem REGION UUID RULE" or "dax REGION-ID DEVICE SIZE
 * RULE", and a newline.  Returns the length written, or -ENAMETOOLONG. */
int carve_intent_format(const struct carve_intent *in, char *buf, size_t len);
/* Parses the file's content (len bytes, NUL bytes included): exactly one
 * such line, every field valid.  Returns 0, or -EINVAL for anything else. */
int carve_intent_parse(const char *buf, size_t len, struct carve_intent *ret);

enum carve_recovery {
        CARVE_RECOVER_FORGET,   /* nothing half-made (or not provably ours): drop the intent */
        CARVE_RECOVER_UNDO,     /* pmem: delete the never-enabled namespace */
        CARVE_RECOVER_ADOPT,    /* dax: bind it to device_dax if needed, list it as ours */
};

/* What a pass found of the intent's object. */
struct carve_found {
        bool exists;            /* pmem: a namespace with the uuid; dax: the device in the region */
        const char *name;       /* pmem: its alt name ("" or NULL: none) */
        bool enabled;           /* pmem: the namespace is active (a dax device was made) */
        uint64_t size;          /* dax: its size */
        bool listed;            /* dax: already in CARVE_DAX_STATE_FILE */
};

/* The verdict about an intent's object; why (static) says it in words. */
enum carve_recovery carve_recover_verdict(const struct carve_intent *in, const struct carve_found *found,
                                          const char **why);
