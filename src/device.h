/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * device: one dax device, what the kernel says about it (facts), what the
 * policy wants of it, and the job that takes it from one to the other.
 *
 * Pure: every look at or change of the system goes through a struct
 * backend (kernel.c is the real one, the unit tests bring a fake), and
 * every state change is reported to a struct device_observer (the
 * manager turns those into journal records and D-Bus signals).
 *
 * A job advances in small steps (one memory block at a time) so that the
 * event loop that drives it stays responsive; device_job_step() does one.
 *
 * Files: device.c (facts, observed state, security refresh), device-job.c
 * (the job), device-poison.c (the scrub and clear steps, and poison found
 * while the daemon runs: device_runtime_poison()).
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "poison.h"
#include "policy.h"
#include "security.h"

enum dev_state {
        /* steady */
        DEV_UNMANAGED,
        DEV_DEVDAX,
        DEV_ONLINE,
        DEV_REFUSED,
        DEV_FAILED,
        /* transient: a job is working on the device */
        DEV_CHECKING,
        DEV_BINDING,
        DEV_ONLINING,
        DEV_OFFLINING,
        DEV_SCRUBBING,
        DEV_CLEARING,
        /* transient: observed at discovery, before a job takes over */
        DEV_KMEM,       /* on kmem, but not every block online in the zone */
        DEV_UNBOUND,    /* no driver */
        /* transient: found, not looked at yet (a new struct device) */
        DEV_PENDING,
        _DEV_STATE_MAX,
};

enum dax_driver {
        DRV_NONE,
        DRV_DEVICE_DAX,
        DRV_KMEM,
        DRV_OTHER,
};

#define DEV_MAX_RANGES 16
#define DEV_MAX_CXL_MEMDEVS 16

struct dax_range {
        uint64_t start, end;    /* inclusive */
};

/* What sysfs says about a dax device. */
struct dax_facts {
        char name[32];          /* dax0.0 */
        enum dt_source source;
        enum dax_driver driver;
        uint64_t size;
        int target_node;        /* -1: unknown */
        int numa_node;
        int region;             /* nd, cxl or dax region number; -1 unknown */
        char uuid[40];          /* namespace uuid, "" if none */
        char dax_uuid[40];      /* dax (pfn) uuid, "" if none */
        char ns_name[64];       /* namespace alt_name, "" if none */
        int memmap_on_memory;   /* -1: the kernel has no such attribute */
        dev_t devt;             /* of /dev/daxX.Y; 0 when unknown */
        char bus[32];           /* pmem: the nd bus ("ndbus0"), "" else */
        uint64_t region_start;  /* pmem: physical start of the nd region */
        unsigned n_ranges;
        struct dax_range ranges[DEV_MAX_RANGES];
        /* cxl: the memdevs behind the CXL region (region), by position */
        unsigned n_cxl_memdevs;
        struct cxl_memdev_id cxl_memdevs[DEV_MAX_CXL_MEMDEVS];
};

enum block_state {
        BLOCK_ABSENT,           /* no memoryN: not added (device not on kmem) */
        BLOCK_OFFLINE,
        BLOCK_ONLINE,
        BLOCK_GOING,            /* "going-offline" and the like */
};

struct block_info {
        enum block_state state;
        char zone[16];          /* online: "Movable", "Normal", ... */
};

/* The kernel as the job sees it.  Every function returns 0 or -errno. */
struct backend {
        /* The names of the dax devices ("dax0.0"), NULL-terminated, to be
         * freed with strv_free(); returns the count, -ENOENT when there
         * is no dax bus (module not loaded), or -errno. */
        int (*list_devices)(void *ctx, char ***ret);
        int (*read_facts)(void *ctx, const char *name, struct dax_facts *ret);
        int (*block_size)(void *ctx, uint64_t *ret);
        int (*block_get)(void *ctx, uint64_t block, struct block_info *ret);
        /* state: "online_movable", "online_kernel" or "offline" */
        int (*block_set)(void *ctx, uint64_t block, const char *state);
        /* 0 when per-device memmap_on_memory can be enabled, or -errno
         * with a sentence in *why (static string). */
        int (*memmap_supported)(void *ctx, const struct dax_facts *f, const char **why);
        int (*set_memmap)(void *ctx, const char *name, bool on);
        /* Moves the device to the driver (DRV_KMEM or DRV_DEVICE_DAX). */
        int (*bind)(void *ctx, const char *name, enum dax_driver drv);
        /* 1 when the driver (DRV_KMEM or DRV_DEVICE_DAX) is registered on
         * the dax bus, 0 when not (its module not loaded), or -errno.
         * Optional: without it the bind tells. */
        int (*driver_loaded)(void *ctx, enum dax_driver drv);
        /* Processes holding /dev/NAME open or mapped: "pid 42 (cat)", ...;
         * returns the count, *ret (malloc'd, comma separated) when > 0. */
        int (*holders)(void *ctx, const struct dax_facts *f, char **ret);
        /* /sys/devices/system/memory/auto_online_blocks */
        int (*auto_online_get)(void *ctx, char *buf, size_t len);
        int (*auto_online_set)(void *ctx, const char *value);
        /* The kmem driver's per-device state attribute (kernel 7.3+; it
         * exists only while the device is bound to kmem): "unplugged",
         * "offline", "online", "online_kernel" or "online_movable".  get
         * returns -ENOENT where the kernel has none.  May be NULL. */
        int (*kmem_state_get)(void *ctx, const char *name, char *buf, size_t len);
        /* Writes it: "unplugged" offlines and removes all of the device's
         * memory at once (or nothing, on error); an online type hot-adds
         * and onlines it, from "unplugged" only (-EBUSY else). */
        int (*kmem_state_set)(void *ctx, const char *name, const char *value);
        /* MemTotal of a node in bytes, as libnuma reports it; 0 if none. */
        int (*node_mem)(void *ctx, int node, uint64_t *ret);
        /* The security state of every DIMM behind a pmem device; returns
         * the count (up to max filled) or -errno. */
        int (*dimm_security)(void *ctx, const struct dax_facts *f, struct dimm_security *ret, size_t max);
        /* Starts an address range scrub of f's bus unless one runs:
         * 0, -EOPNOTSUPP when the bus cannot scrub, or -errno. */
        int (*ars_start)(void *ctx, const struct dax_facts *f);
        /* 1 while a scrub of f's bus runs, 0 when idle, or -errno. */
        int (*ars_busy)(void *ctx, const struct dax_facts *f);
        /* The badblocks of f's region as physical ranges (filling at most
         * max); returns the count or -errno. */
        int (*badblocks)(void *ctx, const struct dax_facts *f, struct bad_range *out, size_t max);
        /* Clears poison in [addr, addr+len) through the bus (ARS_CAP, then
         * CLEAR_ERROR, aligned to the clear unit); *cleared gets the bytes
         * the platform cleared.  -EOPNOTSUPP when the bus cannot. */
        int (*clear_error)(void *ctx, const struct dax_facts *f, uint64_t addr, uint64_t len, uint64_t *cleared);
};

/* What a rule asks of a device, copied so a reload cannot pull it away. */
struct want {
        char rule[64];          /* "" when no rule matched */
        enum dt_mode mode;      /* DT_MODE_IGNORE when unmanaged */
        enum dt_zone zone;
        int target_node;
        enum dt_memmap memmap;
        enum dt_security security;
        enum dt_scrub scrub;
        uint64_t scrub_timeout_usec;
        enum dt_on_poison on_poison;
        enum dt_on_runtime_poison on_runtime_poison;
        enum dt_scrub_unsupported scrub_unsupported;
        bool online_at_bind;    /* [daemon] online_at_bind (not the rule's) */
};

enum scrub_outcome {
        SCRUB_NOT_RUN,          /* no scrub yet (or scrub = none) */
        SCRUB_DONE,
        SCRUB_UNSUPPORTED,      /* the bus has no ARS (QEMU, hmem, cxl) */
        SCRUB_FAILED,
        SCRUB_TIMED_OUT,
        _SCRUB_OUTCOME_MAX,
};

struct job;

struct device {
        char *name;
        struct dax_facts facts;
        bool facts_valid;
        struct want want;
        enum dev_state state;
        char *last_error;               /* why refused/failed; NULL else */
        uint64_t last_transition_usec;  /* CLOCK_REALTIME */
        unsigned online_blocks, total_blocks;
        char zone[16];                  /* zone of the online blocks, "" */
        bool memmap_active;             /* memmap_on_memory reads 1 */
        const char *online_path;        /* "kmem-state" or "per-block": how
                                         * the last job onlined/offlined; NULL */
        char security[16];              /* weakest DIMM security state, "n/a" */
        char security_sig[256];         /* every DIMM's state, to notice changes */
        char *security_warning;         /* last "online, but insecure" warning */
        /* poison */
        unsigned badblocks;             /* bad ranges inside the device now */
        uint64_t cleared_bytes;         /* cleared by daxtierd, in total */
        unsigned skipped_blocks;        /* blocks left offline for poison */
        uint64_t *skipped;              /* their numbers */
        uint64_t last_scrub_usec;       /* CLOCK_REALTIME end of the last scrub */
        /* CXL: facts.cxl_memdevs as "mem0=0xa1,mem1=0xa2" (memN/serial), for the bus */
        char cxl_memdevs[DEV_MAX_CXL_MEMDEVS * 32];
        enum scrub_outcome scrub_outcome;
        struct job *job;
        bool dirty;                     /* reconcile again when the job ends */
        void *userdata;                 /* the manager's */
};

enum device_note {
        NOTE_REZONED,           /* blocks a competing onliner put elsewhere */
        NOTE_AUTO_ONLINE_HELD,  /* kernel auto-online set or held off for a bind */
        NOTE_MEMMAP,            /* memmap_on_memory decision */
        NOTE_BLOCK_STUCK,       /* a block that would not move */
        NOTE_SECURITY,          /* security gate passed, or lost while online */
        NOTE_SCRUB_DONE,        /* the outcomes of a scrub: one kind each */
        NOTE_SCRUB_UNSUPPORTED,
        NOTE_SCRUB_FAILED,
        NOTE_SCRUB_TIMED_OUT,
        NOTE_POISON_CLEARED,    /* poison found and cleared (or not) */
        NOTE_POISON_SKIPPED,    /* blocks left offline for poison */
};

struct device_observer {
        /* d->state is already the new state; reason may be NULL. */
        void (*transition)(struct device *d, enum dev_state from, const char *reason, void *userdata);
        void (*note)(struct device *d, enum device_note kind, const char *msg, void *userdata);
        /* New poison found by device_runtime_poison(): what was done;
         * priority is a syslog level.  May be NULL. */
        void (*runtime_poison)(struct device *d, int priority, const char *msg, void *userdata);
        void *userdata;
};

const char *dev_state_to_string(enum dev_state s);
bool dev_state_is_steady(enum dev_state s);
const char *dax_driver_to_string(enum dax_driver d);

/* The struct want of a matched rule (or of no rule, r == NULL). */
void want_from_rule(struct want *w, const struct rule *r);

/* "mem0=0xa1,mem1=0xa2": the memdevs behind a CXL device and their
 * serials as memN/serial shows them; "" for none.  Returns buf. */
const char *dax_facts_cxl_memdevs(const struct dax_facts *f, char *buf, size_t len);

/* Policy facts for policy_match() from device facts. */
void dax_facts_to_match(const struct dax_facts *f, struct match_facts *m);

/* The node a device's memory lands on: kmem uses target_node, else
 * numa_node; -1 when neither is known. */
int dax_facts_node(const struct dax_facts *f);

/*
 * The memory block numbers a device spans once on kmem: each range with
 * its start rounded up and its end rounded down to a block, as kmem adds
 * them.  Returns the count; fills up to max entries of blocks.
 */
size_t dax_facts_blocks(const struct dax_facts *f, uint64_t block_size, uint64_t *blocks, size_t max);

/*
 * Looks at the device as it is (facts must be fresh) and returns the
 * state it is in with respect to what d->want asks: DEV_UNMANAGED,
 * DEV_DEVDAX, DEV_ONLINE, DEV_KMEM or DEV_UNBOUND.  Also refreshes the
 * block counters and zone of d.
 */
enum dev_state device_observe(struct device *d, const struct backend *be, void *be_ctx);

/*
 * True when an observed state already is what d->want asks for: nothing
 * to do.
 */
bool device_satisfied(const struct device *d, enum dev_state observed);

/*
 * Starts a job that takes d to what d->want asks.  The device must not
 * have a job.  Returns 0, or -ENOMEM.
 */
int device_job_start(struct device *d);

/*
 * Does one step of d's job.  Returns 1 when more steps follow, 0 when the
 * job has ended (d->state is steady again and d->job is NULL), or
 * DEVICE_STEP_BLOCKING when the next thing to do is a kernel call that
 * may block for long (binding a device, which adds or removes all of its
 * memory at once; offlining a block, which migrates its pages; the scan
 * of /proc for holders of the device, made in the check and again in
 * the same call that unbinds device_dax).  The
 * runner then calls device_job_call(), from any thread, and steps again
 * once it returned; a runner that just steps again gets the call made
 * synchronously.
 */
#define DEVICE_STEP_BLOCKING 2
/*
 * Or DEVICE_STEP_WAIT_SCRUB: an address range scrub of the device's bus
 * (d->facts.bus) runs; step again when the bus's nfit/scrub attribute
 * says it ended (poll it), or after device_job_scrub_timeout() once
 * d->want.scrub_timeout_usec passed.  A runner that steps again at once
 * gets DEVICE_STEP_WAIT_SCRUB again while the scrub runs.
 */
#define DEVICE_STEP_WAIT_SCRUB 3
int device_job_step(struct device *d, const struct backend *be, void *be_ctx,
                    const struct device_observer *obs);

/*
 * The bad ranges inside d now (its region's badblocks, clipped to d):
 * the count (filling at most max) or -errno.
 */
int device_poison_ranges(struct device *d, const struct backend *be, void *be_ctx, struct bad_range *out,
                         size_t max);

/*
 * Clears the ranges through the bus (the backend's clear_error, each
 * range as it is); *cleared gets the bytes the platform cleared, which
 * are also added to d->cleared_bytes.  Returns 0, or the first error
 * (-EOPNOTSUPP when the backend cannot clear).
 */
int device_clear_ranges(struct device *d, const struct backend *be, void *be_ctx, const struct bad_range *bad,
                        size_t n, uint64_t *cleared);

/*
 * Poison may have landed in d while the daemon runs (its region's
 * badblocks changed): on device_dax it is cleared (unless scrub = none);
 * on kmem the blocks that hold it go offline and onto d's skipped list,
 * or with on_runtime_poison = log stay online.  Each event that is news
 * is told to obs->runtime_poison once.  Does nothing to a device with a
 * job (the job looks at poison itself), to an unmanaged one or to one
 * that is not pmem.  retry_usec is only quoted in the record ("retrying
 * in N s") when a block would not go offline.  Returns a mask:
 * DEV_POISON_CHANGED when d's poison counters or blocks changed (tell
 * D-Bus), DEV_POISON_RETRY when a block would not go offline (call again
 * later, see poison_backoff_next()).
 */
#define DEV_POISON_CHANGED 1
#define DEV_POISON_RETRY 2
int device_runtime_poison(struct device *d, const struct backend *be, void *be_ctx, uint64_t block_size,
                          uint64_t retry_usec, const struct device_observer *obs);

/* Adds a block to d's skipped list (left offline for poison). */
int device_skip_block(struct device *d, uint64_t block);

/* The scrub a job waits for ran past its timeout. */
void device_job_scrub_timeout(struct device *d);

const char *scrub_outcome_to_string(enum scrub_outcome o);

/*
 * Makes the blocking call the last step asked for.  Touches only the
 * job's call fields and the kernel (and reads d->facts): safe in a
 * worker thread while the loop does anything but step, abort or free
 * this device.  Returns 0.
 */
int device_job_call(struct device *d, const struct backend *be, void *be_ctx);

/* True while d's job holds auto_online_blocks at offline for a bind
 * (from the bind step until the bind returned). */
bool device_job_holds_auto_online(const struct device *d);

/* Ends a running job at once, leaving d failed with the reason. */
void device_job_abort(struct device *d, const char *reason, const struct device_observer *obs);

struct device *device_new(const char *name);
void device_free(struct device *d);

/*
 * Reads the security state of d's DIMMs into d->security.  Returns a mask:
 * DEV_SEC_CHANGED when some DIMM's state differs from the last reading;
 * DEV_SEC_WARN when d is online, its rule requires security and the DIMMs
 * stopped meeting it (or the reason changed): the new warning is in
 * d->security_warning, for the caller to record once.  Never changes the
 * device: memory is not offlined on security grounds.
 */
#define DEV_SEC_CHANGED 1
#define DEV_SEC_WARN 2
int device_security_refresh(struct device *d, const struct backend *be, void *be_ctx);

/* Sets d->state and calls the observer; reason may be NULL. */
void device_set_state(struct device *d, enum dev_state to, const char *reason,
                      const struct device_observer *obs);
