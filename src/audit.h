/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * audit: the journal records of daxtierd.  Each kind of record has its
 * own MESSAGE_ID, explained in catalog/daxtierd.catalog; device records
 * carry DAXTIER_DEVICE and the device's size, node, blocks and zone, so
 * that `journalctl -u daxtierd DAXTIER_DEVICE=dax0.0` tells its story.
 * When stderr is not the journal (a terminal), each record's MESSAGE is
 * printed there as well.
 */

#include "device.h"
#include "log.h"

enum audit_kind {
        AUDIT_FOUND,            /* a device seen for the first time, as it is */
        AUDIT_TRANSITION,       /* into a transient state */
        AUDIT_ONLINE,           /* into online */
        AUDIT_DEVDAX,           /* into devdax */
        AUDIT_UNMANAGED,        /* into unmanaged */
        AUDIT_REFUSED,          /* into refused */
        AUDIT_FAILED,           /* into failed */
        AUDIT_REMOVED,          /* the device went away */
        AUDIT_REZONED,          /* blocks moved from another onliner's zone */
        AUDIT_AUTO_ONLINE,      /* kernel auto_online_blocks changed or held */
        AUDIT_MEMMAP,           /* memmap_on_memory decisions */
        AUDIT_BLOCK_STUCK,      /* blocks that would not move */
        AUDIT_POLICY_LOADED,    /* a policy took effect (start or reload) */
        AUDIT_POLICY_REJECTED,  /* a reload found errors; old policy kept */
        AUDIT_CONFIG_ERROR,     /* one configuration error */
        AUDIT_SECURITY_PASSED,  /* the security gate let a device through */
        AUDIT_SECURITY_LOST,    /* an online device's DIMMs no longer meet it */
        AUDIT_SCRUB_DONE,       /* an address range scrub ended */
        AUDIT_SCRUB_UNSUPPORTED,/* the bus cannot scrub */
        AUDIT_SCRUB_FAILED,     /* the scrub could not be started or read */
        AUDIT_SCRUB_TIMED_OUT,  /* the scrub ran past scrub_timeout */
        AUDIT_POISON_CLEARED,   /* poison found before onlining, and cleared */
        AUDIT_POISON_SKIPPED,   /* blocks left offline for uncleared poison */
        AUDIT_RUNTIME_POISON,   /* new poison in a managed device while running */
        AUDIT_REGION_CARVED,    /* a [region] rule created a namespace */
        AUDIT_REGION_SATISFIED, /* a [region] rule has its capacity: nothing to carve */
        AUDIT_REGION_REFUSED,   /* a [region] rule wants more than may or can be carved */
        AUDIT_REGION_FAILED,    /* creating a namespace failed */
        AUDIT_CXL_REGION_CREATED, /* a [region] rule with match.source = cxl created a CXL RAM region */
        AUDIT_TIERING_KNOB,     /* a [tiering] knob written (applied or put back) */
        AUDIT_TIERING_UNSUPPORTED, /* a [tiering] knob the kernel lacks */
        _AUDIT_KIND_MAX,
};

/* The MESSAGE_ID of a kind, 32 hex digits. */
const char *audit_message_id(enum audit_kind k);

/* A state transition of d (d->state is the new state). */
void audit_transition(const struct device *d, enum dev_state from, const char *reason);
/* First sight of d, in state d->state. */
void audit_found(const struct device *d);
void audit_removed(const struct device *d);
void audit_note(const struct device *d, enum device_note kind, const char *msg);
/* New poison in a managed device while running: what was done. */
void audit_runtime_poison(const struct device *d, int priority, const char *msg);
/* d is online but its DIMMs stopped meeting require_security. */
void audit_security_lost(const struct device *d, const char *why);

/* Policy records: one configuration error; a policy that took effect
 * (how: "loaded", "reloaded"); a reload rejected for errors. */
void audit_config_error(const char *msg);
void audit_policy_loaded(const struct policy *p, const char *how);
void audit_policy_rejected(void);

/* [daemon] auto_online_blocks: the kernel's setting taken over (from
 * its value to offline) or given back (to the value it had). */
void audit_auto_online_taken(const char *from);
void audit_auto_online_restored(const char *to);

/* audit-tiering.c: [tiering] knob records.  One knob write: its name
 * ("demotion_enabled", "weighted_interleave/node1"), the value before and
 * the value written; why says what the write is for ("applied", "put
 * back"); error is 0 or the -errno of a write that failed. */
void audit_tiering_knob(const char *knob, const char *old, const char *new, const char *why, int error);
/* A knob the policy asks for that the kernel lacks (once per process). */
void audit_tiering_unsupported(const char *knob, const char *path);
/* A knob someone else changed since daxtierd wrote it: left as it is. */
void audit_tiering_dropped(const char *knob, const char *found, const char *now);

/* Records without a device. priority is a syslog level. */
void audit_event(enum audit_kind k, int priority, const char *fields[], const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

