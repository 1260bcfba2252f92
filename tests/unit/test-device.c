/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-device: unit tests for device.c, device-job.c and device-poison.c:
 * the job state machine that takes a dax device from what the kernel says
 * to what its rule wants, and what is done about poison found while the
 * daemon runs (device_runtime_poison()).
 *
 * device.c reaches the system only through struct backend, so the tests
 * bring a fake kernel (struct fake below): dax devices with their sysfs
 * facts, memory blocks that appear when a device binds to kmem and vanish
 * when it leaves, auto_online_blocks, per-node MemTotal and injectable
 * failures.  The fake enforces the rules the real kernel enforces and
 * aborts the test when the daemon does something the kernel would punish
 * (unbinding kmem while memory is online leaks that memory for good), so
 * that such a mistake cannot pass unnoticed as "some error path".
 *
 * An observer records every transition and note, and every test looks at
 * the path the device took, the notes, the reason and the fake kernel
 * state afterwards.
 */

/* vasprintf(); a no-op when the build already asks for it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <syslog.h>
#include <time.h>

#include "device.h"
#include "policy.h"
#include "util.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define BLOCK_SIZE (128 * MiB)
/* struct page is 64 bytes per 4 KiB page: 2 MiB of every 128 MiB block
 * when the memory map lives in the hot-added memory itself. */
#define VMEMMAP_PER_BLOCK (BLOCK_SIZE / 4096 * 64)

#define MAX_FAKE_DEVS 4
#define MAX_BLOCKS 2048
#define MAX_NODES 4
#define MAX_LOG 4096
#define MAX_RECORDS 64
/* More than any job here needs (600 blocks take about 610 steps), few
 * enough that a job that never ends fails the test quickly. */
#define MAX_STEPS 10000
#define MAX_BAD 32
/* config_load()'s default scrub_timeout. */
#define SCRUB_TIMEOUT_USEC (UINT64_C(30) * 60 * 1000000)

/* ---- the fake kernel --------------------------------------------------- */

struct fake_dev {
        struct dax_facts facts;
        char kstate[32];        /* kmem "state" (kmem_state kernels, on kmem) */
        const char *holders;    /* "pid 42 (sleep)", or NULL when unused */
};

struct fake_block {
        enum block_state state;
        char zone[16];
        int node;               /* where its memory counts once online */
        bool memmap;            /* added with memmap_on_memory */
        /* Injected failures: 0, or the -errno to return. */
        int get_err;
        int offline_err;
        unsigned offline_err_times;     /* offline_err this many times only (0: always) */
        int online_err;
};

/* A bad range of a region's badblocks, in physical bytes. */
struct fake_bad {
        uint64_t start, len;
        bool uncleareable;      /* clear_error() leaves it: the platform cannot */
};

struct fake {
        struct fake_dev devs[MAX_FAKE_DEVS];
        size_t n_devs;
        struct fake_block blocks[MAX_BLOCKS];

        int block_size_err;
        bool kmem_missing;      /* driver_loaded(DRV_KMEM) says 0 */

        /* read_facts fails with read_facts_err once read_facts_ok_left
         * more calls have succeeded. */
        int read_facts_err;
        unsigned read_facts_ok_left;

        int memmap_err;         /* memmap_supported() */
        const char *memmap_why;
        int set_memmap_err;

        int bind_err;
        bool bind_ignored;      /* bind "succeeds" but the driver stays */
        /* bind to kmem fails after the device left device_dax, as when
         * daxctl_dev_enable_ram() fails after daxctl_dev_disable(). */
        int bind_kmem_err_unbound;

        int holders_err;
        unsigned n_holders;     /* holders() calls */
        /* Someone opens the device while the bus scrubs: ars_busy() sets
         * the device's holders to this. */
        const char *holders_during_scrub;

        /* The DIMMs behind a pmem device (dimm_security()); a scrub
         * changes the first one's state to dimm_after_scrub if nonzero. */
        struct dimm_security dimms[4];
        size_t n_dimms;
        enum dimm_sec dimm_after_scrub;

        char auto_online[32];
        int auto_online_get_err;
        const char *auto_online_fail_value;     /* setting this fails... */
        int auto_online_set_err;                /* ...with this */
        char auto_online_writes[16][32];
        size_t n_auto_online_writes;

        /* A 7.3 kernel: a device on kmem has the per-device "state"
         * attribute (the rules of drivers/dax/kmem.c).  kstate_unplug_err
         * makes "unplugged" fail (state kept), kstate_online_err makes an
         * online type fail (the device stays unplugged). */
        bool kmem_state;
        int kstate_get_err;
        int kstate_unplug_err;
        int kstate_online_err;

        /* A competing onliner (a udev rule): onlines every new block in
         * this zone as soon as kmem adds it, whatever auto_online says. */
        const char *udev_zone;

        /* A competitor that strikes once, right after the daemon's
         * race_after_sets-th successful block_set: it moves race_block,
         * which must be online by then, to race_zone. */
        unsigned race_after_sets;
        uint64_t race_block;
        const char *race_zone;
        unsigned n_sets;

        uint64_t node_mem[MAX_NODES];
        bool node_mem_frozen;   /* MemTotal does not follow onlining */
        int node_mem_err;
        /* Other memory of the target node that goes away (hot-removed by
         * someone else) while the device binds to kmem. */
        uint64_t node_mem_lost_at_bind;

        /* Poison.  The nd bus scrubs (ars_start) unless ars_start_err
         * says otherwise (-EOPNOTSUPP: no ARS); a started scrub is busy
         * for ars_busy_polls calls of ars_busy(), or for ever. */
        int ars_start_err;
        unsigned ars_busy_polls;
        bool ars_busy_forever;
        int ars_busy_err;
        /* The region's badblocks, region-wide, in physical bytes:
         * clear_error() removes what it clears, but not uncleareable ones. */
        struct fake_bad bad[MAX_BAD];
        size_t n_bad;
        int badblocks_err;
        int clear_err;
        /* What the daemon asked for, and when (n_log at the call, so
         * that it can be ordered against the binding). */
        unsigned n_ars_start, n_ars_busy, n_badblocks, n_clear_error;
        size_t ars_start_at, badblocks_at, clear_at;
        struct bad_range clears[MAX_BAD];

        /* Every call that changes something, in order: "bind dax0.0 kmem",
         * "block_set 32 online_movable", "set_memmap dax0.0 1",
         * "auto_online_set offline". */
        char log[MAX_LOG][48];
        size_t n_log;
};

static struct fake fk;

static void fake_log(struct fake *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fake_log(struct fake *f, const char *fmt, ...) {
        va_list ap;

        ck_assert_msg(f->n_log < MAX_LOG, "fake call log is full");
        va_start(ap, fmt);
        vsnprintf(f->log[f->n_log], sizeof(f->log[0]), fmt, ap);
        va_end(ap);
        f->n_log++;
}

static struct fake_dev *fake_find(struct fake *f, const char *name) {
        for (size_t i = 0; i < f->n_devs; i++)
                if (streq(f->devs[i].facts.name, name))
                        return &f->devs[i];
        return NULL;
}

/* A device of size bytes at start, on device_dax, on a 6.8+ kernel
 * (memmap_on_memory attribute present, reading 0). */
static struct fake_dev *fake_add_dev(const char *name, uint64_t start, uint64_t size, int target_node) {
        struct fake_dev *fd;

        ck_assert_uint_lt(fk.n_devs, MAX_FAKE_DEVS);
        fd = &fk.devs[fk.n_devs];
        fd->facts = (struct dax_facts) {
                .source = DT_SOURCE_HMEM,
                .driver = DRV_DEVICE_DAX,
                .size = size,
                .target_node = target_node,
                .numa_node = 0,
                .region = (int) fk.n_devs,
                .memmap_on_memory = 0,
                .devt = makedev(252, (unsigned) fk.n_devs),
                .n_ranges = 1,
                .ranges = { { start, start + size - 1 } },
        };
        snprintf(fd->facts.name, sizeof(fd->facts.name), "%s", name);
        fk.n_devs++;
        return fd;
}

static void block_account(struct fake *f, struct fake_block *b, bool up) {
        uint64_t bytes = BLOCK_SIZE - (b->memmap ? VMEMMAP_PER_BLOCK : 0);

        if (f->node_mem_frozen)
                return;
        ck_assert_int_ge(b->node, 0);
        ck_assert_int_lt(b->node, MAX_NODES);
        if (up)
                f->node_mem[b->node] += bytes;
        else {
                ck_assert_uint_ge(f->node_mem[b->node], bytes);
                f->node_mem[b->node] -= bytes;
        }
}

static void block_go_online(struct fake *f, struct fake_block *b, const char *zone) {
        b->state = BLOCK_ONLINE;
        snprintf(b->zone, sizeof(b->zone), "%s", zone);
        block_account(f, b, true);
}

/*
 * What kmem does when it takes the device: add its blocks, which the
 * kernel's auto-online (or a udev rule) may online at once.  Also used
 * by tests to start with a device that is already on kmem, then with
 * initial == BLOCK_OFFLINE or BLOCK_ONLINE in zone.
 */
static void fake_kmem_add(struct fake *f, struct fake_dev *fd, enum block_state initial, const char *zone) {
        uint64_t list[MAX_BLOCKS];
        size_t n = dax_facts_blocks(&fd->facts, BLOCK_SIZE, list, MAX_BLOCKS);

        ck_assert_uint_le(n, MAX_BLOCKS);
        fd->facts.driver = DRV_KMEM;
        for (size_t i = 0; i < n; i++) {
                struct fake_block *b;

                ck_assert_uint_lt(list[i], MAX_BLOCKS);
                b = &f->blocks[list[i]];
                ck_assert_msg(b->state == BLOCK_ABSENT, "memory%llu added twice", (unsigned long long) list[i]);
                b->state = BLOCK_OFFLINE;
                b->zone[0] = 0;
                b->node = fd->facts.target_node;
                b->memmap = fd->facts.memmap_on_memory == 1;
                if (initial == BLOCK_ONLINE)
                        block_go_online(f, b, zone);
        }
        if (initial == BLOCK_ONLINE)
                snprintf(fd->kstate, sizeof(fd->kstate), "%s",
                         streq(zone, "Movable") ? "online_movable" : "online_kernel");
        else
                snprintf(fd->kstate, sizeof(fd->kstate), "offline");
}

/* Puts a device straight on kmem, its blocks in the given state. */
static void fake_on_kmem(struct fake_dev *fd, enum block_state st, const char *zone) {
        fake_kmem_add(&fk, fd, st, zone);
}

static int fake_read_facts(void *ctx, const char *name, struct dax_facts *ret) {
        struct fake *f = ctx;
        struct fake_dev *fd;

        if (f->read_facts_err) {
                if (f->read_facts_ok_left == 0) {
                        /* kernel.c resets the facts before it reads them. */
                        *ret = (struct dax_facts) { .target_node = -1, .numa_node = -1, .region = -1,
                                                    .memmap_on_memory = -1 };
                        snprintf(ret->name, sizeof(ret->name), "%s", name);
                        return f->read_facts_err;
                }
                f->read_facts_ok_left--;
        }
        fd = fake_find(f, name);
        if (!fd)
                return -ENOENT;
        *ret = fd->facts;
        return 0;
}

static int fake_block_size(void *ctx, uint64_t *ret) {
        struct fake *f = ctx;

        if (f->block_size_err)
                return f->block_size_err;
        *ret = BLOCK_SIZE;
        return 0;
}

static int fake_block_get(void *ctx, uint64_t block, struct block_info *ret) {
        struct fake *f = ctx;
        struct fake_block *b;

        *ret = (struct block_info) {};
        if (block >= MAX_BLOCKS) {
                ret->state = BLOCK_ABSENT;
                return 0;
        }
        b = &f->blocks[block];
        if (b->get_err)
                return b->get_err;
        ret->state = b->state;
        if (b->state == BLOCK_ONLINE)
                snprintf(ret->zone, sizeof(ret->zone), "%s", b->zone);
        return 0;
}

static void fake_race(struct fake *f) {
        struct fake_block *b;

        if (++f->n_sets != f->race_after_sets)
                return;
        b = &f->blocks[f->race_block];
        ck_assert_int_eq(b->state, BLOCK_ONLINE);
        snprintf(b->zone, sizeof(b->zone), "%s", f->race_zone);
}

static int fake_block_set(void *ctx, uint64_t block, const char *state) {
        struct fake *f = ctx;
        struct fake_block *b;

        fake_log(f, "block_set %llu %s", (unsigned long long) block, state);
        /* No memoryN directory: the daemon looked at the state first and
         * must not write to a block that is not there. */
        ck_assert_msg(block < MAX_BLOCKS && f->blocks[block].state != BLOCK_ABSENT,
                      "block_set on memory%llu, which does not exist", (unsigned long long) block);
        b = &f->blocks[block];

        if (streq(state, "offline")) {
                if (b->offline_err) {
                        int err = b->offline_err;
                        if (b->offline_err_times > 0 && --b->offline_err_times == 0)
                                b->offline_err = 0;
                        return err;
                }
                /* The kernel answers -EINVAL; the daemon checks first. */
                ck_assert_msg(b->state == BLOCK_ONLINE, "offlining memory%llu, which is not online",
                              (unsigned long long) block);
                block_account(f, b, false);
                b->state = BLOCK_OFFLINE;
                b->zone[0] = 0;
                fake_race(f);
                return 0;
        }
        if (streq(state, "online_movable") || streq(state, "online_kernel")) {
                if (b->online_err)
                        return b->online_err;
                ck_assert_msg(b->state == BLOCK_OFFLINE, "onlining memory%llu, which is not offline",
                              (unsigned long long) block);
                block_go_online(f, b, streq(state, "online_movable") ? "Movable" : "Normal");
                fake_race(f);
                return 0;
        }
        ck_abort_msg("block_set memory%llu to '%s': not a state the daemon should write",
                     (unsigned long long) block, state);
        return -EINVAL;
}

static int fake_memmap_supported(void *ctx, const struct dax_facts *fa, const char **why) {
        struct fake *f = ctx;

        if (f->memmap_err) {
                *why = f->memmap_why;
                return f->memmap_err;
        }
        if (fa->memmap_on_memory < 0) {
                *why = "no per-device memmap_on_memory (fake kernel)";
                return -EOPNOTSUPP;
        }
        return 0;
}

static int fake_set_memmap(void *ctx, const char *name, bool on) {
        struct fake *f = ctx;
        struct fake_dev *fd = fake_find(f, name);

        fake_log(f, "set_memmap %s %d", name, on);
        if (!fd)
                return -ENODEV;
        if (fd->facts.memmap_on_memory < 0)
                return -ENOENT;
        /* The kernel refuses to change it under kmem. */
        if (fd->facts.driver == DRV_KMEM)
                return -EBUSY;
        if (f->set_memmap_err)
                return f->set_memmap_err;
        fd->facts.memmap_on_memory = on;
        return 0;
}

static int fake_bind(void *ctx, const char *name, enum dax_driver drv) {
        struct fake *f = ctx;
        struct fake_dev *fd = fake_find(f, name);
        uint64_t list[MAX_BLOCKS];
        size_t n;

        fake_log(f, "bind %s %s", name, dax_driver_to_string(drv));
        if (!fd)
                return -ENODEV;
        ck_assert_msg(drv == DRV_KMEM || drv == DRV_DEVICE_DAX, "bind %s to %s", name, dax_driver_to_string(drv));
        if (f->bind_err)
                return f->bind_err;
        if (f->bind_ignored)
                return 0;
        if (drv == DRV_KMEM && f->bind_kmem_err_unbound) {
                fd->facts.driver = DRV_NONE;
                return f->bind_kmem_err_unbound;
        }

        if (drv == DRV_KMEM) {
                ck_assert_msg(fd->facts.driver != DRV_KMEM, "%s bound to kmem while on kmem", name);
                /* kmem rejects a device without a valid target node. */
                if (fd->facts.target_node < 0)
                        return -EINVAL;
                fake_kmem_add(f, fd, BLOCK_OFFLINE, NULL);
                ck_assert_uint_ge(f->node_mem[fd->facts.target_node], f->node_mem_lost_at_bind);
                f->node_mem[fd->facts.target_node] -= f->node_mem_lost_at_bind;
                n = dax_facts_blocks(&fd->facts, BLOCK_SIZE, list, MAX_BLOCKS);
                for (size_t i = 0; i < n; i++) {
                        struct fake_block *b = &f->blocks[list[i]];
                        const char *zone = NULL;

                        if (streq(f->auto_online, "online") || streq(f->auto_online, "online_kernel"))
                                zone = "Normal";
                        else if (streq(f->auto_online, "online_movable"))
                                zone = "Movable";
                        else if (f->udev_zone)
                                zone = f->udev_zone;
                        if (zone)
                                block_go_online(f, b, zone);
                }
                /* The probe sets state to the global default online type. */
                snprintf(fd->kstate, sizeof(fd->kstate), "%s", f->auto_online);
                return 0;
        }

        if (fd->facts.driver == DRV_KMEM) {
                n = dax_facts_blocks(&fd->facts, BLOCK_SIZE, list, MAX_BLOCKS);
                /* Leaving kmem with online memory: the kernel cannot hot
                 * remove it and leaks it until reboot. */
                for (size_t i = 0; i < n; i++)
                        ck_assert_msg(f->blocks[list[i]].state == BLOCK_OFFLINE ||
                                      f->blocks[list[i]].state == BLOCK_ABSENT,
                                      "%s leaves kmem while memory%llu is %s: the kernel would leave that memory behind",
                                      name, (unsigned long long) list[i],
                                      f->blocks[list[i]].state == BLOCK_ONLINE ? "online" : "not offline");
                for (size_t i = 0; i < n; i++)
                        f->blocks[list[i]] = (struct fake_block) {};
        }
        fd->facts.driver = DRV_DEVICE_DAX;
        fd->kstate[0] = 0;
        return 0;
}

static int fake_kmem_state_get(void *ctx, const char *name, char *buf, size_t len) {
        struct fake *f = ctx;
        struct fake_dev *fd = fake_find(f, name);

        /* Only a kmem driver attribute, and only on 7.3. */
        if (!f->kmem_state || !fd || fd->facts.driver != DRV_KMEM)
                return -ENOENT;
        if (f->kstate_get_err)
                return f->kstate_get_err;
        snprintf(buf, len, "%s", fd->kstate);
        return 0;
}

static int fake_kmem_state_set(void *ctx, const char *name, const char *value) {
        struct fake *f = ctx;
        struct fake_dev *fd = fake_find(f, name);
        uint64_t list[MAX_BLOCKS];
        size_t n;

        fake_log(f, "kmem_state %s %s", name, value);
        ck_assert_msg(f->kmem_state && fd && fd->facts.driver == DRV_KMEM, "%s: no kmem state attribute", name);
        n = dax_facts_blocks(&fd->facts, BLOCK_SIZE, list, MAX_BLOCKS);
        if (streq(value, "offline"))
                return -EINVAL;
        if (streq(value, fd->kstate))
                return 0;
        if (streq(value, "unplugged")) {
                if (f->kstate_unplug_err)
                        return f->kstate_unplug_err;
                /* All or nothing: a block that will not go offline fails
                 * the write before anything is removed. */
                for (size_t i = 0; i < n; i++)
                        if (f->blocks[list[i]].state == BLOCK_ONLINE && f->blocks[list[i]].offline_err)
                                return f->blocks[list[i]].offline_err;
                for (size_t i = 0; i < n; i++) {
                        struct fake_block *b = &f->blocks[list[i]];
                        if (b->state == BLOCK_ONLINE)
                                block_account(f, b, false);
                        b->state = BLOCK_ABSENT;
                        b->zone[0] = 0;
                }
                snprintf(fd->kstate, sizeof(fd->kstate), "unplugged");
                return 0;
        }
        ck_assert_msg(streq(value, "online_movable") || streq(value, "online_kernel"),
                      "kmem state of %s set to '%s'", name, value);
        if (!streq(fd->kstate, "unplugged"))
                return -EBUSY;
        if (f->kstate_online_err)
                return f->kstate_online_err;
        for (size_t i = 0; i < n; i++) {
                struct fake_block *b = &f->blocks[list[i]];

                ck_assert_int_eq(b->state, BLOCK_ABSENT);
                b->state = BLOCK_OFFLINE;
                b->node = fd->facts.target_node;
                b->memmap = fd->facts.memmap_on_memory == 1;
                /* The kernel ignores a block that refuses to online. */
                if (!b->online_err)
                        block_go_online(f, b, streq(value, "online_movable") ? "Movable" : "Normal");
        }
        snprintf(fd->kstate, sizeof(fd->kstate), "%s", value);
        return 0;
}

static int fake_holders(void *ctx, const struct dax_facts *fa, char **ret) {
        struct fake *f = ctx;
        struct fake_dev *fd = fake_find(f, fa->name);
        int n = 1;

        f->n_holders++;
        if (f->holders_err)
                return f->holders_err;
        if (!fd || !fd->holders)
                return 0;
        for (const char *p = fd->holders; *p; p++)
                if (*p == ',')
                        n++;
        *ret = strdup(fd->holders);
        ck_assert_ptr_nonnull(*ret);
        return n;
}

static int fake_dimm_security(void *ctx, const struct dax_facts *fa, struct dimm_security *ret, size_t max) {
        struct fake *f = ctx;

        for (size_t i = 0; i < f->n_dimms && i < max; i++)
                ret[i] = f->dimms[i];
        return (int) f->n_dimms;
}

static int fake_auto_online_get(void *ctx, char *buf, size_t len) {
        struct fake *f = ctx;

        if (f->auto_online_get_err)
                return f->auto_online_get_err;
        snprintf(buf, len, "%s", f->auto_online);
        return 0;
}

static int fake_auto_online_set(void *ctx, const char *value) {
        struct fake *f = ctx;

        fake_log(f, "auto_online_set %s", value);
        ck_assert_uint_lt(f->n_auto_online_writes, ELEMENTSOF(f->auto_online_writes));
        snprintf(f->auto_online_writes[f->n_auto_online_writes++], sizeof(f->auto_online_writes[0]), "%s", value);
        if (f->auto_online_fail_value && streq(value, f->auto_online_fail_value))
                return f->auto_online_set_err;
        ck_assert_msg(streq(value, "offline") || streq(value, "online") || streq(value, "online_kernel") ||
                      streq(value, "online_movable"), "auto_online_blocks set to '%s'", value);
        snprintf(f->auto_online, sizeof(f->auto_online), "%s", value);
        return 0;
}

static int fake_node_mem(void *ctx, int node, uint64_t *ret) {
        struct fake *f = ctx;

        if (f->node_mem_err)
                return f->node_mem_err;
        ck_assert_int_ge(node, 0);
        *ret = node < MAX_NODES ? f->node_mem[node] : 0;
        return 0;
}

/* Whether [addr, addr+len) lies inside one of the device's ranges (the
 * fake's own facts, not the daemon's copy). */
static bool fake_range_in_dev(const char *name, uint64_t addr, uint64_t len) {
        struct fake_dev *fd = fake_find(&fk, name);

        if (!fd || len == 0)
                return false;
        for (unsigned i = 0; i < fd->facts.n_ranges; i++)
                if (addr >= fd->facts.ranges[i].start && addr + len - 1 <= fd->facts.ranges[i].end)
                        return true;
        return false;
}

static int fake_ars_start(void *ctx, const struct dax_facts *fa) {
        struct fake *f = ctx;

        f->n_ars_start++;
        f->ars_start_at = f->n_log;
        /* Only an nd bus has address range scrub. */
        ck_assert_int_eq(fa->source, DT_SOURCE_PMEM);
        ck_assert_str_eq(fa->bus, "ndbus0");
        return f->ars_start_err;
}

static int fake_ars_busy(void *ctx, const struct dax_facts *fa) {
        struct fake *f = ctx;

        f->n_ars_busy++;
        ck_assert_msg(f->n_ars_start > 0 && f->ars_start_err == 0, "ars_busy() without a started scrub");
        ck_assert_str_eq(fa->bus, "ndbus0");
        if (f->holders_during_scrub)
                f->devs[0].holders = f->holders_during_scrub;
        if (f->dimm_after_scrub && f->n_dimms > 0)
                f->dimms[0].state = f->dimm_after_scrub;
        if (f->ars_busy_err)
                return f->ars_busy_err;
        if (f->ars_busy_forever)
                return 1;
        if (f->ars_busy_polls > 0) {
                f->ars_busy_polls--;
                return 1;
        }
        return 0;
}

static int fake_badblocks(void *ctx, const struct dax_facts *fa, struct bad_range *out, size_t max) {
        struct fake *f = ctx;

        if (f->n_badblocks++ == 0)
                f->badblocks_at = f->n_log;
        /* pmem: nd badblocks; cxl: the memdevs' poison lists (cxl-facts.c). */
        ck_assert(fa->source == DT_SOURCE_PMEM || fa->source == DT_SOURCE_CXL);
        if (f->badblocks_err)
                return f->badblocks_err;
        for (size_t i = 0; i < f->n_bad && i < max; i++)
                out[i] = (struct bad_range) { .start = f->bad[i].start, .len = f->bad[i].len };
        return (int) f->n_bad;
}

static int fake_clear_error(void *ctx, const struct dax_facts *fa, uint64_t addr, uint64_t len,
                            uint64_t *cleared) {
        struct fake *f = ctx;
        uint64_t end = addr + len, done = 0;

        if (f->n_clear_error == 0)
                f->clear_at = f->n_log;
        ck_assert_uint_lt(f->n_clear_error, MAX_BAD);
        f->clears[f->n_clear_error++] = (struct bad_range) { .start = addr, .len = len };
        /* Poison of memory that is not the device's is not the device's
         * to clear: it may be another namespace's data. */
        ck_assert_msg(fake_range_in_dev(fa->name, addr, len), "clear_error(0x%llx+%llu) outside %s",
                      (unsigned long long) addr, (unsigned long long) len, fa->name);
        *cleared = 0;
        /* Like kernel.c: CXL memory has no nd bus to clear through. */
        if (fa->source == DT_SOURCE_CXL)
                return -EOPNOTSUPP;
        if (f->clear_err)
                return f->clear_err;

        for (size_t i = 0; i < f->n_bad;) {
                struct fake_bad *b = &f->bad[i];
                uint64_t bend = b->start + b->len;
                uint64_t lo = b->start > addr ? b->start : addr, hi = bend < end ? bend : end;

                if (lo >= hi || b->uncleareable) {
                        i++;
                        continue;
                }
                done += hi - lo;
                if (lo > b->start && hi < bend) {
                        /* A hole in the middle: the tail becomes a range of its own. */
                        ck_assert_uint_lt(f->n_bad, MAX_BAD);
                        f->bad[f->n_bad++] = (struct fake_bad) { .start = hi, .len = bend - hi };
                        b->len = lo - b->start;
                } else if (lo > b->start)
                        b->len = lo - b->start;
                else if (hi < bend) {
                        b->len = bend - hi;
                        b->start = hi;
                } else {
                        memmove(b, b + 1, (f->n_bad - i - 1) * sizeof(*b));
                        f->n_bad--;
                        continue;
                }
                i++;
        }
        *cleared = done;
        return 0;
}

static int fake_driver_loaded(void *ctx, enum dax_driver drv) {
        struct fake *f = ctx;
        return drv == DRV_KMEM && f->kmem_missing ? 0 : 1;
}

static const struct backend fake_backend = {
        .driver_loaded = fake_driver_loaded,
        .read_facts = fake_read_facts,
        .block_size = fake_block_size,
        .block_get = fake_block_get,
        .block_set = fake_block_set,
        .memmap_supported = fake_memmap_supported,
        .set_memmap = fake_set_memmap,
        .bind = fake_bind,
        .holders = fake_holders,
        .dimm_security = fake_dimm_security,
        .auto_online_get = fake_auto_online_get,
        .auto_online_set = fake_auto_online_set,
        .kmem_state_get = fake_kmem_state_get,
        .kmem_state_set = fake_kmem_state_set,
        .node_mem = fake_node_mem,
        .ars_start = fake_ars_start,
        .ars_busy = fake_ars_busy,
        .badblocks = fake_badblocks,
        .clear_error = fake_clear_error,
};

/* Index of the first log entry equal to the formatted string, or -1. */
static long log_find(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static long log_find(const char *fmt, ...) {
        char want[48];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(want, sizeof(want), fmt, ap);
        va_end(ap);
        for (size_t i = 0; i < fk.n_log; i++)
                if (streq(fk.log[i], want))
                        return (long) i;
        return -1;
}

static size_t log_count_prefix(const char *prefix) {
        size_t n = 0;

        for (size_t i = 0; i < fk.n_log; i++)
                if (startswith(fk.log[i], prefix))
                        n++;
        return n;
}

/* ---- the observer ------------------------------------------------------ */

struct rec_transition {
        enum dev_state from, to;
        char *reason;
};

struct rec_note {
        enum device_note kind;
        char *msg;
};

struct rec_poison {
        int priority;
        char *msg;
};

struct recorder {
        struct rec_transition trans[MAX_RECORDS];
        size_t n_trans;
        struct rec_note notes[MAX_RECORDS];
        size_t n_notes;
        struct rec_poison poison[MAX_RECORDS];  /* runtime poison records */
        size_t n_poison;
};

static struct recorder rec;
static struct device *dut;      /* the device under test */

static void on_transition(struct device *d, enum dev_state from, const char *reason, void *userdata) {
        struct recorder *r = userdata;

        ck_assert_ptr_eq(d, dut);
        ck_assert_uint_lt(r->n_trans, MAX_RECORDS);
        /* device.h: the state is already the new one, and a refused or
         * failed device carries the reason as its last error. */
        if (d->state == DEV_REFUSED || d->state == DEV_FAILED)
                ck_assert_pstr_eq(d->last_error, reason);
        r->trans[r->n_trans++] = (struct rec_transition) {
                .from = from,
                .to = d->state,
                .reason = reason ? strdup(reason) : NULL,
        };
}

static void on_note(struct device *d, enum device_note kind, const char *msg, void *userdata) {
        struct recorder *r = userdata;

        ck_assert_ptr_eq(d, dut);
        ck_assert_ptr_nonnull(msg);
        ck_assert_uint_lt(r->n_notes, MAX_RECORDS);
        r->notes[r->n_notes++] = (struct rec_note) { .kind = kind, .msg = strdup(msg) };
}

static void on_runtime_poison(struct device *d, int priority, const char *msg, void *userdata) {
        struct recorder *r = userdata;

        ck_assert_ptr_eq(d, dut);
        ck_assert_ptr_nonnull(msg);
        ck_assert_uint_lt(r->n_poison, MAX_RECORDS);
        r->poison[r->n_poison++] = (struct rec_poison) { .priority = priority, .msg = strdup(msg) };
}

static const struct device_observer observer = {
        .transition = on_transition,
        .note = on_note,
        .runtime_poison = on_runtime_poison,
        .userdata = &rec,
};

/*
 * The states the device went through, "devdax checking binding online",
 * starting from the first transition's from; also checks that every
 * transition starts where the previous one ended.
 */
static const char *path(void) {
        static char buf[512];
        size_t len = 0;

        buf[0] = 0;
        for (size_t i = 0; i < rec.n_trans; i++) {
                if (i == 0)
                        len += (size_t) snprintf(buf + len, sizeof(buf) - len, "%s",
                                                 dev_state_to_string(rec.trans[0].from));
                else
                        ck_assert_msg(rec.trans[i].from == rec.trans[i - 1].to,
                                      "transition %zu starts at %s, but the previous one ended at %s", i,
                                      dev_state_to_string(rec.trans[i].from),
                                      dev_state_to_string(rec.trans[i - 1].to));
                len += (size_t) snprintf(buf + len, sizeof(buf) - len, " %s", dev_state_to_string(rec.trans[i].to));
                ck_assert_uint_lt(len, sizeof(buf));
        }
        return buf;
}

static const char *last_reason(void) {
        ck_assert_uint_gt(rec.n_trans, 0);
        return rec.trans[rec.n_trans - 1].reason;
}

static size_t note_count(enum device_note kind) {
        size_t n = 0;

        for (size_t i = 0; i < rec.n_notes; i++)
                if (rec.notes[i].kind == kind)
                        n++;
        return n;
}

/* The first note of that kind, or NULL. */
static const char *note_msg(enum device_note kind) {
        for (size_t i = 0; i < rec.n_notes; i++)
                if (rec.notes[i].kind == kind)
                        return rec.notes[i].msg;
        return NULL;
}

static size_t count_substr(const char *hay, const char *needle) {
        size_t n = 0;

        for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

#define ck_assert_contains(hay, needle)                                                       \
        do {                                                                                  \
                const char *_h = (hay), *_n = (needle);                                       \
                ck_assert_msg(_h && strstr(_h, _n), "\"%s\" does not contain \"%s\"",         \
                              _h ? _h : "(null)", _n);                                        \
        } while (0)

#define ck_assert_not_contains(hay, needle)                                                   \
        do {                                                                                  \
                const char *_h = (hay), *_n = (needle);                                       \
                ck_assert_msg(_h && !strstr(_h, _n), "\"%s\" contains \"%s\"",                \
                              _h ? _h : "(null)", _n);                                        \
        } while (0)

/* ---- driving jobs ------------------------------------------------------ */

static struct rule make_rule(enum dt_mode mode, enum dt_zone zone, int target_node, enum dt_memmap memmap) {
        static char name[] = "tier";

        return (struct rule) {
                .name = name,
                .mode = mode,
                .zone = zone,
                .target_node = target_node,
                .memmap_on_memory = memmap,
                /* No poison handling unless a test asks for it, so that
                 * the paths of the tests that predate it stay as they
                 * were; the rest as config_load() defaults them. */
                .scrub = DT_SCRUB_NONE,
                .scrub_timeout_usec = SCRUB_TIMEOUT_USEC,
                .on_poison = DT_ON_POISON_REFUSE,
                .on_runtime_poison = DT_ON_RUNTIME_POISON_OFFLINE_BLOCK,
                .scrub_unsupported = DT_SCRUB_UNSUPPORTED_PROCEED,
        };
}

/*
 * What the manager does before it starts a job: fresh facts, the rule's
 * want, and the observed state (which is the device's state when the
 * manager first announces it).
 */
static enum dev_state prepare(struct device *d, const struct rule *r) {
        enum dev_state st;

        ck_assert_int_eq(fake_read_facts(&fk, d->name, &d->facts), 0);
        d->facts_valid = true;
        want_from_rule(&d->want, r);
        st = device_observe(d, &fake_backend, &fk);
        d->state = st;
        return st;
}

static unsigned blocking_calls;

/* How often the job said DEVICE_STEP_WAIT_SCRUB; and when nonzero, after
 * how many of those drive_job() calls device_job_scrub_timeout(), as the
 * manager's timer would once scrub_timeout passed. */
static unsigned wait_scrub_results;
static unsigned timeout_after_waits;

/* Runs a started job to its end; returns the number of steps it took. */
static unsigned drive_job(struct device *d) {
        unsigned steps = 0;
        int r;

        ck_assert_ptr_nonnull(d->job);
        do {
                ck_assert_msg(steps < MAX_STEPS, "%s: job still running after %u steps (state %s)", d->name,
                              steps, dev_state_to_string(d->state));
                r = device_job_step(d, &fake_backend, &fk, &observer);
                ck_assert_msg(r == 0 || r == 1 || r == DEVICE_STEP_BLOCKING || r == DEVICE_STEP_WAIT_SCRUB,
                              "device_job_step() returned %d", r);
                steps++;
                /* A scrub runs: the manager polls the bus and steps again
                 * when it ended (the fake's busy count goes down with
                 * every ars_busy() call), or when scrub_timeout passed. */
                if (r == DEVICE_STEP_WAIT_SCRUB) {
                        ck_assert_int_eq(d->state, DEV_SCRUBBING);
                        wait_scrub_results++;
                        if (timeout_after_waits && wait_scrub_results == timeout_after_waits)
                                device_job_scrub_timeout(d);
                }
                if (r != 0)
                        ck_assert_msg(!dev_state_is_steady(d->state), "job running in steady state %s",
                                      dev_state_to_string(d->state));
                /* The manager makes blocking calls itself (in a thread);
                 * alternate with leaving it to the next step, which must
                 * make the call synchronously. */
                if (r == DEVICE_STEP_BLOCKING && (blocking_calls++ % 2) == 0)
                        ck_assert_int_eq(device_job_call(d, &fake_backend, &fk), 0);
        } while (r != 0);
        ck_assert_ptr_null(d->job);
        ck_assert_msg(dev_state_is_steady(d->state), "job ended in %s", dev_state_to_string(d->state));
        /* A finished job stays finished. */
        ck_assert_int_eq(device_job_step(d, &fake_backend, &fk, &observer), 0);
        return steps;
}

/* Runs a whole job; returns the number of steps it took. */
static unsigned run_job(struct device *d) {
        ck_assert_ptr_null(d->job);
        ck_assert_int_eq(device_job_start(d), 0);
        return drive_job(d);
}

static struct rule rule_ram(enum dt_zone zone) {
        return make_rule(DT_MODE_SYSTEM_RAM, zone, -1, DT_MEMMAP_NO);
}

static struct fake_dev *fdev;   /* dax0.0 in the fake */

/* Blocks of dax0.0 as set up in setup(): 1 GiB at 4 GiB. */
#define FIRST_BLOCK 32
#define LAST_BLOCK 39
#define N_BLOCKS 8

static void expect_blocks(enum block_state st, const char *zone) {
        for (unsigned b = FIRST_BLOCK; b <= LAST_BLOCK; b++) {
                ck_assert_msg(fk.blocks[b].state == st, "memory%u is in state %d, expected %d", b,
                              fk.blocks[b].state, st);
                if (zone)
                        ck_assert_str_eq(fk.blocks[b].zone, zone);
        }
        /* Neighbours belong to nobody and must stay untouched. */
        ck_assert_int_eq(fk.blocks[FIRST_BLOCK - 1].state, BLOCK_ABSENT);
        ck_assert_int_eq(fk.blocks[LAST_BLOCK + 1].state, BLOCK_ABSENT);
}

static void setup(void) {
        memset(&fk, 0, sizeof(fk));
        memset(&rec, 0, sizeof(rec));
        snprintf(fk.auto_online, sizeof(fk.auto_online), "offline");
        wait_scrub_results = 0;
        timeout_after_waits = 0;
        fk.node_mem[0] = 16 * GiB;
        /* A CPU-less memory node, empty until the device is onlined. */
        fk.node_mem[1] = 0;
        fdev = fake_add_dev("dax0.0", 4 * GiB, 1 * GiB, 1);
        dut = device_new("dax0.0");
        ck_assert_ptr_nonnull(dut);
}

static void teardown(void) {
        for (size_t i = 0; i < rec.n_trans; i++)
                free(rec.trans[i].reason);
        for (size_t i = 0; i < rec.n_notes; i++)
                free(rec.notes[i].msg);
        for (size_t i = 0; i < rec.n_poison; i++)
                free(rec.poison[i].msg);
        memset(&rec, 0, sizeof(rec));
        device_free(dut);
        dut = NULL;
        fdev = NULL;
}

/* ---- 1, 2: devdax to system-ram ---------------------------------------- */

START_TEST(test_devdax_to_movable) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        ck_assert_int_eq(prepare(dut, &r), DEV_DEVDAX);
        ck_assert(!device_satisfied(dut, DEV_DEVDAX));
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding onlining online");
        ck_assert_pstr_eq(rec.trans[1].reason, "to kmem");
        ck_assert_ptr_null(dut->last_error);
        ck_assert_int_eq(fdev->facts.driver, DRV_KMEM);
        expect_blocks(BLOCK_ONLINE, "Movable");
        for (unsigned b = FIRST_BLOCK; b <= LAST_BLOCK; b++)
                ck_assert_int_ge(log_find("block_set %u online_movable", b), 0);
        ck_assert_uint_eq(log_count_prefix("block_set "), N_BLOCKS);
        ck_assert_uint_eq(dut->online_blocks, N_BLOCKS);
        ck_assert_uint_eq(dut->total_blocks, N_BLOCKS);
        ck_assert_str_eq(dut->zone, "Movable");
        ck_assert(device_satisfied(dut, device_observe(dut, &fake_backend, &fk)));
        /* The memory landed on the target node, and only there. */
        ck_assert_uint_eq(fk.node_mem[1], N_BLOCKS * BLOCK_SIZE);
        ck_assert_uint_eq(fk.node_mem[0], 16 * GiB);
        ck_assert_uint_eq(rec.n_notes, 0);
        ck_assert_uint_eq(fk.n_auto_online_writes, 0);
}
END_TEST

START_TEST(test_zone_normal) {
        struct rule r = rule_ram(DT_ZONE_NORMAL);

        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding onlining online");
        expect_blocks(BLOCK_ONLINE, "Normal");
        ck_assert_uint_eq(log_count_prefix("block_set "), N_BLOCKS);
        ck_assert_int_ge(log_find("block_set %u online_kernel", FIRST_BLOCK), 0);
        for (size_t i = 0; i < fk.n_log; i++)
                ck_assert_not_contains(fk.log[i], "online_movable");
        ck_assert_str_eq(dut->zone, "Normal");
        ck_assert_int_eq(device_observe(dut, &fake_backend, &fk), DEV_ONLINE);
}
END_TEST

START_TEST(test_unbound_to_ram) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fdev->facts.driver = DRV_NONE;
        ck_assert_int_eq(prepare(dut, &r), DEV_UNBOUND);
        run_job(dut);

        ck_assert_str_eq(path(), "unbound checking binding onlining online");
        expect_blocks(BLOCK_ONLINE, "Movable");
}
END_TEST

/* A device far larger than device_observe()'s on-stack block list. */
START_TEST(test_large_device) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);
        unsigned steps;

        fdev->facts.size = 600 * BLOCK_SIZE;
        fdev->facts.ranges[0].end = fdev->facts.ranges[0].start + fdev->facts.size - 1;
        prepare(dut, &r);
        ck_assert_uint_eq(dut->total_blocks, 600);
        steps = run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding onlining online");
        /* One block per step, so that the event loop stays responsive. */
        ck_assert_uint_ge(steps, 600);
        ck_assert_uint_eq(log_count_prefix("block_set "), 600);
        ck_assert_uint_eq(dut->online_blocks, 600);
        ck_assert_uint_eq(dut->total_blocks, 600);
        ck_assert_int_eq(fk.blocks[FIRST_BLOCK + 599].state, BLOCK_ONLINE);
        ck_assert_int_eq(fk.blocks[FIRST_BLOCK + 600].state, BLOCK_ABSENT);
        ck_assert_uint_eq(fk.node_mem[1], 600 * BLOCK_SIZE);
}
END_TEST

/* ---- 3, 4: refusals before anything is touched ------------------------- */

static void expect_untouched(void) {
        ck_assert_int_eq(fdev->facts.driver, DRV_DEVICE_DAX);
        ck_assert_uint_eq(fk.n_log, 0);
        expect_blocks(BLOCK_ABSENT, NULL);
        ck_assert_uint_eq(fk.node_mem[1], 0);
}

START_TEST(test_target_node_mismatch) {
        struct rule r = make_rule(DT_MODE_SYSTEM_RAM, DT_ZONE_MOVABLE, 2, DT_MEMMAP_NO);

        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking refused");
        ck_assert_contains(last_reason(), "node 1");
        ck_assert_contains(last_reason(), "node 2");
        ck_assert_contains(last_reason(), "tier");
        ck_assert_pstr_eq(dut->last_error, last_reason());
        expect_untouched();
}
END_TEST

START_TEST(test_target_node_match) {
        struct rule r = make_rule(DT_MODE_SYSTEM_RAM, DT_ZONE_MOVABLE, 1, DT_MEMMAP_NO);

        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding onlining online");
}
END_TEST

START_TEST(test_holders) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fdev->holders = "pid 42 (sleep)";
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking refused");
        ck_assert_contains(last_reason(), "pid 42 (sleep)");
        ck_assert_contains(last_reason(), "/dev/dax0.0");
        expect_untouched();
}
END_TEST

START_TEST(test_holders_unknown) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        /* Not knowing is no licence to pull the device away. */
        fk.holders_err = -EACCES;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking refused");
        ck_assert_contains(last_reason(), strerror(EACCES));
        expect_untouched();
}
END_TEST

static void fake_pmem(struct fake_dev *fd);
static struct rule rule_poison(enum dt_scrub scrub, enum dt_on_poison on_poison,
                               enum dt_scrub_unsupported unsupported);

/* Someone opens /dev/dax0.0 while the bus scrubs: the check at the bind
 * sees it, and the device is not pulled away from under the mapping. */
START_TEST(test_holders_appear_during_scrub) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);

        fake_pmem(fdev);
        fk.ars_busy_polls = 2;
        fk.holders_during_scrub = "pid 77 (app)";
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking scrubbing clearing binding refused");
        ck_assert_contains(last_reason(), "pid 77 (app)");
        ck_assert_contains(last_reason(), "/dev/dax0.0");
        ck_assert_int_lt(log_find("bind dax0.0 kmem"), 0);
        ck_assert_int_eq(fdev->facts.driver, DRV_DEVICE_DAX);
        /* Asked at the check and again right before the bind. */
        ck_assert_uint_eq(fk.n_holders, 2);
        /* The auto-online hold, if any, was given back. */
        ck_assert_str_eq(fk.auto_online, "offline");
}
END_TEST

/* The DIMMs lose their security while the bus scrubs: the gate is asked
 * again right before the bind. */
START_TEST(test_security_lost_during_scrub) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);

        r.require_security = DT_SECURITY_UNLOCKED;
        fake_pmem(fdev);
        fk.n_dimms = 1;
        snprintf(fk.dimms[0].name, sizeof(fk.dimms[0].name), "nmem0");
        fk.dimms[0].state = DIMM_SEC_UNLOCKED;
        fk.dimm_after_scrub = DIMM_SEC_DISABLED;
        fk.ars_busy_polls = 2;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking scrubbing clearing binding refused");
        ck_assert_contains(last_reason(), "nmem0");
        ck_assert_int_lt(log_find("bind dax0.0 kmem"), 0);
        ck_assert_int_eq(fdev->facts.driver, DRV_DEVICE_DAX);
}
END_TEST

/* Refused once, then the holder goes away: the next job succeeds and the
 * old reason no longer sticks to the device. */
START_TEST(test_retry_after_refusal) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fdev->holders = "pid 42 (sleep), pid 43 (cat)";
        prepare(dut, &r);
        run_job(dut);
        ck_assert_int_eq(dut->state, DEV_REFUSED);
        ck_assert_contains(dut->last_error, "pid 43 (cat)");

        fdev->holders = NULL;
        run_job(dut);
        ck_assert_str_eq(path(), "devdax checking refused checking binding onlining online");
        ck_assert_ptr_null(dut->last_error);
}
END_TEST

/* ---- 5: memmap_on_memory ----------------------------------------------- */

#define WHY_NO_MEMMAP "memory_hotplug.memmap_on_memory is off"

START_TEST(test_memmap_yes_unsupported) {
        struct rule r = make_rule(DT_MODE_SYSTEM_RAM, DT_ZONE_MOVABLE, -1, DT_MEMMAP_YES);

        fk.memmap_err = -EOPNOTSUPP;
        fk.memmap_why = WHY_NO_MEMMAP;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking refused");
        ck_assert_contains(last_reason(), "memmap_on_memory=yes");
        ck_assert_contains(last_reason(), WHY_NO_MEMMAP);
        expect_untouched();
}
END_TEST

START_TEST(test_memmap_yes_no_attribute) {
        struct rule r = make_rule(DT_MODE_SYSTEM_RAM, DT_ZONE_MOVABLE, -1, DT_MEMMAP_YES);

        /* A kernel before 6.8: the fake says why. */
        fdev->facts.memmap_on_memory = -1;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking refused");
        ck_assert_contains(last_reason(), "no per-device memmap_on_memory");
        expect_untouched();
}
END_TEST

START_TEST(test_memmap_auto_unsupported) {
        struct rule r = make_rule(DT_MODE_SYSTEM_RAM, DT_ZONE_MOVABLE, -1, DT_MEMMAP_AUTO);

        fk.memmap_err = -EOPNOTSUPP;
        fk.memmap_why = WHY_NO_MEMMAP;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding onlining online");
        /* Said once, not once per phase. */
        ck_assert_uint_eq(note_count(NOTE_MEMMAP), 1);
        ck_assert_contains(note_msg(NOTE_MEMMAP), WHY_NO_MEMMAP);
        ck_assert_int_eq(log_count_prefix("set_memmap "), 0);
        ck_assert_int_eq(fdev->facts.memmap_on_memory, 0);
        ck_assert(!dut->memmap_active);
        expect_blocks(BLOCK_ONLINE, "Movable");
}
END_TEST

START_TEST(test_memmap_yes_supported) {
        struct rule r = make_rule(DT_MODE_SYSTEM_RAM, DT_ZONE_MOVABLE, -1, DT_MEMMAP_YES);
        long set, bind;

        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding onlining online");
        set = log_find("set_memmap dax0.0 1");
        bind = log_find("bind dax0.0 kmem");
        ck_assert_int_ge(set, 0);
        ck_assert_int_ge(bind, 0);
        /* It only takes effect when kmem adds the memory. */
        ck_assert_int_lt(set, bind);
        ck_assert_int_eq(fdev->facts.memmap_on_memory, 1);
        ck_assert_int_eq(dut->facts.memmap_on_memory, 1);
        ck_assert(dut->memmap_active);
        ck_assert_contains(note_msg(NOTE_MEMMAP), "enabled");
        /* The memory map eats into the new memory; the node check must
         * allow for that. */
        ck_assert_uint_eq(fk.node_mem[1], N_BLOCKS * (BLOCK_SIZE - VMEMMAP_PER_BLOCK));
        expect_blocks(BLOCK_ONLINE, "Movable");
}
END_TEST

START_TEST(test_memmap_no_clears_leftover) {
        struct rule r = make_rule(DT_MODE_SYSTEM_RAM, DT_ZONE_MOVABLE, -1, DT_MEMMAP_NO);

        fdev->facts.memmap_on_memory = 1;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding onlining online");
        ck_assert_int_ge(log_find("set_memmap dax0.0 0"), 0);
        ck_assert_int_lt(log_find("set_memmap dax0.0 0"), log_find("bind dax0.0 kmem"));
        ck_assert_int_eq(fdev->facts.memmap_on_memory, 0);
        ck_assert(!dut->memmap_active);
}
END_TEST

START_TEST(test_memmap_set_refused) {
        struct rule yes = make_rule(DT_MODE_SYSTEM_RAM, DT_ZONE_MOVABLE, -1, DT_MEMMAP_YES);
        struct rule aut = make_rule(DT_MODE_SYSTEM_RAM, DT_ZONE_MOVABLE, -1, DT_MEMMAP_AUTO);

        fk.set_memmap_err = -EINVAL;
        prepare(dut, &yes);
        run_job(dut);
        ck_assert_str_eq(path(), "devdax checking binding refused");
        ck_assert_contains(last_reason(), "refused");
        ck_assert_contains(last_reason(), strerror(EINVAL));
        ck_assert_int_lt(log_find("bind dax0.0 kmem"), 0);
        ck_assert_int_eq(fdev->facts.driver, DRV_DEVICE_DAX);

        /* auto: go on without it, and say so. */
        want_from_rule(&dut->want, &aut);
        run_job(dut);
        ck_assert_int_eq(dut->state, DEV_ONLINE);
        ck_assert_contains(note_msg(NOTE_MEMMAP), "auto");
        ck_assert_contains(note_msg(NOTE_MEMMAP), strerror(EINVAL));
        ck_assert_int_eq(fdev->facts.memmap_on_memory, 0);
}
END_TEST

START_TEST(test_memmap_yes_already_on_kmem) {
        struct rule r = make_rule(DT_MODE_SYSTEM_RAM, DT_ZONE_MOVABLE, -1, DT_MEMMAP_YES);

        fake_on_kmem(fdev, BLOCK_OFFLINE, NULL);
        ck_assert_int_eq(prepare(dut, &r), DEV_KMEM);
        run_job(dut);

        /* Changing it would need an unbind; the blocks go online now and
         * the note says when it takes effect. */
        ck_assert_str_eq(path(), "kmem checking onlining online");
        ck_assert_contains(note_msg(NOTE_MEMMAP), "next time");
        ck_assert_int_eq(log_count_prefix("set_memmap "), 0);
        expect_blocks(BLOCK_ONLINE, "Movable");
}
END_TEST

/* ---- 6: kernel auto-online --------------------------------------------- */

static void expect_held_around_bind(const char *held) {
        long off, bind, restore;

        ck_assert_uint_eq(fk.n_auto_online_writes, 2);
        ck_assert_str_eq(fk.auto_online_writes[0], "offline");
        ck_assert_str_eq(fk.auto_online_writes[1], held);
        off = log_find("auto_online_set offline");
        bind = log_find("bind dax0.0 kmem");
        restore = log_find("auto_online_set %s", held);
        ck_assert_int_ge(off, 0);
        ck_assert_int_lt(off, bind);
        ck_assert_int_lt(bind, restore);
        /* Restored before the first block is touched: the hold is for the
         * bind only. */
        ck_assert_int_lt(restore, log_find("block_set %d online_movable", FIRST_BLOCK));
        ck_assert_str_eq(fk.auto_online, held);
}

/* The manager asks whether a bind holds auto_online_blocks before it
 * settles the setting (reload, stop): true from the bind step until the
 * bind returned, and never once the job ended or was aborted. */
START_TEST(test_auto_online_hold_visible) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);
        int k;

        snprintf(fk.auto_online, sizeof(fk.auto_online), "online");
        prepare(dut, &r);
        ck_assert(!device_job_holds_auto_online(dut));
        ck_assert_int_eq(device_job_start(dut), 0);
        ck_assert(!device_job_holds_auto_online(dut));
        /* The check asks for the holders scan; the bind step for the bind. */
        ck_assert_int_eq(device_job_step(dut, &fake_backend, &fk, &observer), DEVICE_STEP_BLOCKING);
        ck_assert_int_eq(device_job_step(dut, &fake_backend, &fk, &observer), 1);
        ck_assert(!device_job_holds_auto_online(dut));
        k = device_job_step(dut, &fake_backend, &fk, &observer);
        ck_assert_int_eq(k, DEVICE_STEP_BLOCKING);
        ck_assert(device_job_holds_auto_online(dut));
        ck_assert_str_eq(fk.auto_online, "offline");
        ck_assert_int_eq(device_job_call(dut, &fake_backend, &fk), 0);
        ck_assert(device_job_holds_auto_online(dut));
        /* The step after the bind gives it back. */
        ck_assert_int_eq(device_job_step(dut, &fake_backend, &fk, &observer), 1);
        ck_assert(!device_job_holds_auto_online(dut));
        ck_assert_str_eq(fk.auto_online, "online");
        device_job_abort(dut, "stopped", &observer);
        ck_assert(!device_job_holds_auto_online(dut));
}
END_TEST

START_TEST(test_auto_online_held) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        snprintf(fk.auto_online, sizeof(fk.auto_online), "online");
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding onlining online");
        expect_held_around_bind("online");
        expect_blocks(BLOCK_ONLINE, "Movable");
        ck_assert_uint_eq(note_count(NOTE_AUTO_ONLINE_HELD), 1);
        ck_assert_contains(note_msg(NOTE_AUTO_ONLINE_HELD), "online");
        ck_assert_contains(note_msg(NOTE_AUTO_ONLINE_HELD), "dax0.0");
        /* Nothing was onlined behind the daemon's back. */
        ck_assert_uint_eq(note_count(NOTE_REZONED), 0);
        ck_assert_uint_eq(fk.node_mem[1], N_BLOCKS * BLOCK_SIZE);
}
END_TEST

START_TEST(test_auto_online_movable_held) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        snprintf(fk.auto_online, sizeof(fk.auto_online), "online_movable");
        prepare(dut, &r);
        run_job(dut);

        ck_assert_int_eq(dut->state, DEV_ONLINE);
        expect_held_around_bind("online_movable");
}
END_TEST

START_TEST(test_auto_online_already_offline) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        prepare(dut, &r);
        run_job(dut);

        ck_assert_int_eq(dut->state, DEV_ONLINE);
        ck_assert_uint_eq(fk.n_auto_online_writes, 0);
        ck_assert_uint_eq(note_count(NOTE_AUTO_ONLINE_HELD), 0);
}
END_TEST

/* The hold fails: the kernel onlines every block in Normal during the
 * bind, and the daemon moves them where the rule wants them. */
START_TEST(test_auto_online_hold_fails) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        snprintf(fk.auto_online, sizeof(fk.auto_online), "online");
        fk.auto_online_fail_value = "offline";
        fk.auto_online_set_err = -EPERM;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding onlining online");
        /* Nothing to restore: it was never changed. */
        ck_assert_uint_eq(fk.n_auto_online_writes, 1);
        ck_assert_str_eq(fk.auto_online, "online");
        ck_assert_contains(note_msg(NOTE_AUTO_ONLINE_HELD), "cannot hold");
        ck_assert_contains(note_msg(NOTE_AUTO_ONLINE_HELD), strerror(EPERM));
        ck_assert_contains(note_msg(NOTE_REZONED), "8 of 8");
        ck_assert_contains(note_msg(NOTE_REZONED), "Normal");
        expect_blocks(BLOCK_ONLINE, "Movable");
        ck_assert_uint_eq(fk.node_mem[1], N_BLOCKS * BLOCK_SIZE);
}
END_TEST

START_TEST(test_auto_online_restore_fails) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        snprintf(fk.auto_online, sizeof(fk.auto_online), "online_kernel");
        fk.auto_online_fail_value = "online_kernel";
        fk.auto_online_set_err = -EIO;
        prepare(dut, &r);
        run_job(dut);

        /* The device itself is fine; the administrator must hear that the
         * system setting is not what it was. */
        ck_assert_int_eq(dut->state, DEV_ONLINE);
        ck_assert_uint_eq(note_count(NOTE_AUTO_ONLINE_HELD), 2);
        ck_assert_contains(rec.notes[rec.n_notes - 1].msg, "cannot restore auto_online_blocks=online_kernel");
}
END_TEST

/* [daemon] online_at_bind = yes: the kernel onlines the blocks in the
 * rule's zone as kmem adds them; the online step only verifies them, and
 * the system's setting is back before it does. */
static void run_at_bind(enum dt_zone zone, const char *system) {
        struct rule r = rule_ram(zone);

        snprintf(fk.auto_online, sizeof(fk.auto_online), "%s", system);
        prepare(dut, &r);
        dut->want.online_at_bind = true;
        run_job(dut);
}

START_TEST(test_online_at_bind_movable) {
        long set, bind, restore;

        run_at_bind(DT_ZONE_MOVABLE, "offline");
        ck_assert_str_eq(path(), "devdax checking binding onlining online");
        ck_assert_uint_eq(fk.n_auto_online_writes, 2);
        ck_assert_str_eq(fk.auto_online_writes[0], "online_movable");
        ck_assert_str_eq(fk.auto_online_writes[1], "offline");
        set = log_find("auto_online_set online_movable");
        bind = log_find("bind dax0.0 kmem");
        restore = log_find("auto_online_set offline");
        ck_assert_int_ge(set, 0);
        ck_assert_int_lt(set, bind);
        ck_assert_int_lt(bind, restore);
        ck_assert_str_eq(fk.auto_online, "offline");
        /* The kernel onlined every block; the daemon wrote none. */
        expect_blocks(BLOCK_ONLINE, "Movable");
        ck_assert_uint_eq(log_count_prefix("block_set "), 0);
        ck_assert_pstr_eq(dut->online_path, "at-bind");
        ck_assert_contains(note_msg(NOTE_AUTO_ONLINE_HELD), "set to online_movable");
        ck_assert_uint_eq(note_count(NOTE_REZONED), 0);
        ck_assert_uint_eq(dut->online_blocks, N_BLOCKS);
        ck_assert_uint_eq(fk.node_mem[1], N_BLOCKS * BLOCK_SIZE);
}
END_TEST

START_TEST(test_online_at_bind_normal) {
        run_at_bind(DT_ZONE_NORMAL, "online");
        ck_assert_int_eq(dut->state, DEV_ONLINE);
        ck_assert_uint_eq(fk.n_auto_online_writes, 2);
        ck_assert_str_eq(fk.auto_online_writes[0], "online_kernel");
        ck_assert_str_eq(fk.auto_online_writes[1], "online");
        expect_blocks(BLOCK_ONLINE, "Normal");
        ck_assert_uint_eq(log_count_prefix("block_set "), 0);
        ck_assert_pstr_eq(dut->online_path, "at-bind");
}
END_TEST

/* The system already onlines in the rule's zone: nothing to write. */
START_TEST(test_online_at_bind_already_set) {
        run_at_bind(DT_ZONE_MOVABLE, "online_movable");
        ck_assert_int_eq(dut->state, DEV_ONLINE);
        ck_assert_uint_eq(fk.n_auto_online_writes, 0);
        expect_blocks(BLOCK_ONLINE, "Movable");
        ck_assert_uint_eq(log_count_prefix("block_set "), 0);
        ck_assert_pstr_eq(dut->online_path, "at-bind");
}
END_TEST

/* The setting cannot be written: the kernel onlines in its own default
 * zone (Normal here) and the daemon moves the blocks, as without. */
START_TEST(test_online_at_bind_set_fails) {
        fk.auto_online_fail_value = "online_movable";
        fk.auto_online_set_err = -EPERM;
        run_at_bind(DT_ZONE_MOVABLE, "online");
        ck_assert_int_eq(dut->state, DEV_ONLINE);
        ck_assert_uint_eq(fk.n_auto_online_writes, 1);
        ck_assert_str_eq(fk.auto_online, "online");
        ck_assert_contains(note_msg(NOTE_AUTO_ONLINE_HELD), "cannot set kernel auto-online (online) to online_movable");
        ck_assert_contains(note_msg(NOTE_REZONED), "8 of 8");
        expect_blocks(BLOCK_ONLINE, "Movable");
        ck_assert(!streq_ptr(dut->online_path, "at-bind"));
}
END_TEST

/* ---- 7: competing onliners and stuck blocks ---------------------------- */

START_TEST(test_rezone_normal_to_movable) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fake_on_kmem(fdev, BLOCK_ONLINE, "Normal");
        ck_assert_int_eq(prepare(dut, &r), DEV_KMEM);
        ck_assert_str_eq(dut->zone, "Normal");
        run_job(dut);

        ck_assert_str_eq(path(), "kmem checking onlining online");
        expect_blocks(BLOCK_ONLINE, "Movable");
        ck_assert_uint_eq(note_count(NOTE_REZONED), 1);
        ck_assert_contains(note_msg(NOTE_REZONED), "8 of 8");
        ck_assert_contains(note_msg(NOTE_REZONED), "Normal");
        ck_assert_contains(note_msg(NOTE_REZONED), "Movable");
        /* Each block: out of Normal, then into Movable. */
        for (unsigned b = FIRST_BLOCK; b <= LAST_BLOCK; b++) {
                long off = log_find("block_set %u offline", b);
                ck_assert_int_ge(off, 0);
                ck_assert_int_lt(off, log_find("block_set %u online_movable", b));
        }
        ck_assert_uint_eq(fk.node_mem[1], N_BLOCKS * BLOCK_SIZE);
        ck_assert_uint_eq(note_count(NOTE_BLOCK_STUCK), 0);
}
END_TEST

START_TEST(test_rezone_movable_to_normal) {
        struct rule r = rule_ram(DT_ZONE_NORMAL);

        fake_on_kmem(fdev, BLOCK_ONLINE, "Movable");
        ck_assert_int_eq(prepare(dut, &r), DEV_KMEM);
        run_job(dut);

        ck_assert_int_eq(dut->state, DEV_ONLINE);
        expect_blocks(BLOCK_ONLINE, "Normal");
        ck_assert_contains(note_msg(NOTE_REZONED), "moved to Normal");
}
END_TEST

/* A udev rule onlines new blocks in Normal the moment kmem adds them. */
START_TEST(test_rezone_after_udev_onliner) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fk.udev_zone = "Normal";
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding onlining online");
        ck_assert_contains(note_msg(NOTE_REZONED), "8 of 8");
        expect_blocks(BLOCK_ONLINE, "Movable");
}
END_TEST

static void fake_pmem(struct fake_dev *fd);
static void fake_cxl(struct fake_dev *fd);

START_TEST(test_rezone_block_stuck) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fake_on_kmem(fdev, BLOCK_ONLINE, "Normal");
        fk.blocks[34].offline_err = -EBUSY;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "kmem checking onlining failed");
        ck_assert_contains(note_msg(NOTE_REZONED), "7 of 8");
        ck_assert_uint_eq(note_count(NOTE_BLOCK_STUCK), 1);
        ck_assert_contains(note_msg(NOTE_BLOCK_STUCK), "memory34");
        ck_assert_contains(last_reason(), "memory34");
        ck_assert_contains(last_reason(), strerror(EBUSY));
        ck_assert_contains(last_reason(), "1 of 8");
        ck_assert_not_contains(last_reason(), "memory35");
        /* The others were still moved. */
        ck_assert_str_eq(fk.blocks[34].zone, "Normal");
        ck_assert_str_eq(fk.blocks[33].zone, "Movable");
        ck_assert_str_eq(fk.blocks[35].zone, "Movable");
        ck_assert_uint_eq(dut->online_blocks, N_BLOCKS);
        /* hmem: the record says what to change. */
        ck_assert_contains(note_msg(NOTE_BLOCK_STUCK), "memhp_default_state=offline");
        ck_assert_contains(last_reason(), "memhp_default_state=offline");
}
END_TEST

/* A CXL device the kernel onlined into Normal before the daemon ran:
 * reconciled in place; the block it cannot move is named, with the fix. */
START_TEST(test_cxl_onlined_before_daemon) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fake_cxl(fdev);
        fake_on_kmem(fdev, BLOCK_ONLINE, "Normal");
        fk.blocks[36].offline_err = -EBUSY;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "kmem checking onlining failed");
        ck_assert_contains(note_msg(NOTE_REZONED), "7 of 8");
        ck_assert_contains(note_msg(NOTE_BLOCK_STUCK), "memory36");
        ck_assert_contains(note_msg(NOTE_BLOCK_STUCK), "memhp_default_state=offline");
        ck_assert_str_eq(fk.blocks[35].zone, "Movable");
        ck_assert_str_eq(fk.blocks[36].zone, "Normal");
}
END_TEST

/* pmem is never onlined by the kernel at probe: no such advice. */
START_TEST(test_pmem_block_stuck_no_hint) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fake_pmem(fdev);
        fake_on_kmem(fdev, BLOCK_ONLINE, "Normal");
        fk.blocks[34].offline_err = -EBUSY;
        r.scrub = DT_SCRUB_NONE;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_contains(note_msg(NOTE_BLOCK_STUCK), "memory34");
        ck_assert_not_contains(note_msg(NOTE_BLOCK_STUCK), "memhp_default_state");
        ck_assert_not_contains(last_reason(), "memhp_default_state");
}
END_TEST

START_TEST(test_online_block_fails) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fk.blocks[36].online_err = -ENOMEM;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding onlining failed");
        ck_assert_contains(note_msg(NOTE_BLOCK_STUCK), "memory36");
        ck_assert_contains(last_reason(), "memory36");
        ck_assert_contains(last_reason(), "online_movable");
        ck_assert_contains(last_reason(), strerror(ENOMEM));
        ck_assert_int_eq(fk.blocks[36].state, BLOCK_OFFLINE);
        ck_assert_int_eq(fk.blocks[37].state, BLOCK_ONLINE);
}
END_TEST

/*
 * A competitor moves block 32 back to Normal after the daemon put it in
 * Movable: the job fails, and its reason must not claim that every block
 * is online in Movable (it once did, counting blocks in any zone).
 */
START_TEST(test_competitor_after_onlining) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fk.race_after_sets = N_BLOCKS;
        fk.race_block = FIRST_BLOCK;
        fk.race_zone = "Normal";
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding onlining failed");
        ck_assert_str_eq(fk.blocks[FIRST_BLOCK].zone, "Normal");
        ck_assert_contains(last_reason(), "Movable");
        ck_assert_not_contains(last_reason(), "8 of 8 blocks online");
}
END_TEST

/* A block whose state cannot be read is not online as far as the daemon
 * can tell: failed, not "online". */
START_TEST(test_online_block_unreadable) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fake_on_kmem(fdev, BLOCK_OFFLINE, NULL);
        fk.blocks[33].get_err = -EIO;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_int_eq(dut->state, DEV_FAILED);
        ck_assert_contains(last_reason(), "memory33");
}
END_TEST

/* The list of stuck blocks in the reason is capped, the count is not. */
START_TEST(test_many_stuck_blocks) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fdev->facts.size = 24 * BLOCK_SIZE;
        fdev->facts.ranges[0].end = fdev->facts.ranges[0].start + fdev->facts.size - 1;
        for (unsigned b = FIRST_BLOCK; b < FIRST_BLOCK + 20; b++)
                fk.blocks[b].online_err = -ENOMEM;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_int_eq(dut->state, DEV_FAILED);
        ck_assert_contains(last_reason(), "20 of 24");
        ck_assert_contains(last_reason(), ", ...");
        /* "memory" alone would also count strerror(ENOMEM). */
        ck_assert_uint_eq(count_substr(last_reason(), "(online_movable: "), 16);
        ck_assert_contains(note_msg(NOTE_BLOCK_STUCK), "20 blocks");
}
END_TEST

START_TEST(test_partly_online) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fake_on_kmem(fdev, BLOCK_OFFLINE, NULL);
        for (unsigned b = FIRST_BLOCK; b < FIRST_BLOCK + 3; b++)
                block_go_online(&fk, &fk.blocks[b], "Movable");
        ck_assert_int_eq(prepare(dut, &r), DEV_KMEM);
        ck_assert_uint_eq(dut->online_blocks, 3);
        run_job(dut);

        ck_assert_str_eq(path(), "kmem checking onlining online");
        /* Only the offline ones are written to; the node grew by them. */
        ck_assert_uint_eq(log_count_prefix("block_set "), N_BLOCKS - 3);
        expect_blocks(BLOCK_ONLINE, "Movable");
        ck_assert_uint_eq(fk.node_mem[1], N_BLOCKS * BLOCK_SIZE);
        ck_assert_uint_eq(rec.n_notes, 0);
}
END_TEST

/* Already what the rule wants: the job looks and changes nothing. */
START_TEST(test_already_online) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fake_on_kmem(fdev, BLOCK_ONLINE, "Movable");
        ck_assert_int_eq(prepare(dut, &r), DEV_ONLINE);
        ck_assert(device_satisfied(dut, DEV_ONLINE));
        run_job(dut);

        ck_assert_str_eq(path(), "online checking onlining online");
        ck_assert_uint_eq(fk.n_log, 0);
}
END_TEST

/* ---- 8: system-ram to devdax ------------------------------------------- */

START_TEST(test_ram_to_devdax) {
        struct rule r = make_rule(DT_MODE_DEVDAX, DT_ZONE_MOVABLE, -1, DT_MEMMAP_NO);
        long bind;

        fake_on_kmem(fdev, BLOCK_ONLINE, "Movable");
        ck_assert_uint_eq(fk.node_mem[1], N_BLOCKS * BLOCK_SIZE);
        ck_assert_int_eq(prepare(dut, &r), DEV_ONLINE);
        ck_assert(!device_satisfied(dut, DEV_ONLINE));
        run_job(dut);

        ck_assert_str_eq(path(), "online checking offlining binding devdax");
        ck_assert_pstr_eq(rec.trans[2].reason, "to device_dax");
        bind = log_find("bind dax0.0 device_dax");
        ck_assert_int_ge(bind, 0);
        for (unsigned b = FIRST_BLOCK; b <= LAST_BLOCK; b++) {
                long off = log_find("block_set %u offline", b);
                ck_assert_int_ge(off, 0);
                ck_assert_int_lt(off, bind);
        }
        ck_assert_int_eq(fdev->facts.driver, DRV_DEVICE_DAX);
        expect_blocks(BLOCK_ABSENT, NULL);
        ck_assert_uint_eq(fk.node_mem[1], 0);
        ck_assert_uint_eq(dut->online_blocks, 0);
        ck_assert_uint_eq(dut->total_blocks, N_BLOCKS);
        ck_assert(device_satisfied(dut, device_observe(dut, &fake_backend, &fk)));
        ck_assert_ptr_null(dut->last_error);
}
END_TEST

START_TEST(test_ram_to_devdax_partly_offline) {
        struct rule r = make_rule(DT_MODE_DEVDAX, DT_ZONE_MOVABLE, -1, DT_MEMMAP_NO);

        fake_on_kmem(fdev, BLOCK_OFFLINE, NULL);
        block_go_online(&fk, &fk.blocks[38], "Normal");
        ck_assert_int_eq(prepare(dut, &r), DEV_KMEM);
        run_job(dut);

        ck_assert_str_eq(path(), "kmem checking offlining binding devdax");
        /* Offline blocks are left as they are. */
        ck_assert_uint_eq(log_count_prefix("block_set "), 1);
        ck_assert_int_ge(log_find("block_set 38 offline"), 0);
        ck_assert_int_eq(fdev->facts.driver, DRV_DEVICE_DAX);
}
END_TEST

START_TEST(test_ram_to_devdax_block_stuck) {
        struct rule r = make_rule(DT_MODE_DEVDAX, DT_ZONE_MOVABLE, -1, DT_MEMMAP_NO);

        fake_on_kmem(fdev, BLOCK_ONLINE, "Movable");
        fk.blocks[35].offline_err = -EBUSY;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "online checking offlining failed");
        ck_assert_contains(last_reason(), "memory35");
        ck_assert_contains(last_reason(), "stays on kmem");
        ck_assert_contains(note_msg(NOTE_BLOCK_STUCK), "memory35");
        /* Not unbound: the memory would be lost until reboot. */
        ck_assert_int_lt(log_find("bind dax0.0 device_dax"), 0);
        ck_assert_int_eq(fdev->facts.driver, DRV_KMEM);
        /* Bounded retries, then what was offlined is online again. */
        ck_assert_contains(last_reason(), "3 retries");
        ck_assert_contains(last_reason(), "all of it online again");
        ck_assert_uint_eq(log_count_prefix("block_set 35 offline"), 1 + 3);
        ck_assert_uint_eq(log_count_prefix("block_set 34 offline"), 1);
        ck_assert_int_ge(log_find("block_set 34 online_movable"), 0);
        ck_assert_uint_eq(note_count(NOTE_BLOCK_STUCK), 3 + 1);
        expect_blocks(BLOCK_ONLINE, "Movable");
        ck_assert_uint_eq(dut->online_blocks, 8);
}
END_TEST

/* Offlining fails once, then the block lets go: a retry finishes the job. */
START_TEST(test_ram_to_devdax_block_busy_once) {
        struct rule r = make_rule(DT_MODE_DEVDAX, DT_ZONE_MOVABLE, -1, DT_MEMMAP_NO);

        fake_on_kmem(fdev, BLOCK_ONLINE, "Movable");
        fk.blocks[35].offline_err = -EBUSY;
        fk.blocks[35].offline_err_times = 1;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "online checking offlining binding devdax");
        ck_assert_uint_eq(log_count_prefix("block_set 35 offline"), 2);
        ck_assert_contains(note_msg(NOTE_BLOCK_STUCK), "retry 1 of 3");
        ck_assert_int_eq(fdev->facts.driver, DRV_DEVICE_DAX);
}
END_TEST

/*
 * A block whose state cannot be read may be online: unbinding kmem then
 * would strand its memory until reboot.  The job must fail with the
 * device still on kmem (fake_bind() asserts that no block is online).
 */
START_TEST(test_ram_to_devdax_block_unreadable) {
        struct rule r = make_rule(DT_MODE_DEVDAX, DT_ZONE_MOVABLE, -1, DT_MEMMAP_NO);

        fake_on_kmem(fdev, BLOCK_ONLINE, "Movable");
        fk.blocks[35].get_err = -EIO;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_int_eq(dut->state, DEV_FAILED);
        ck_assert_contains(last_reason(), "memory35");
        ck_assert_int_eq(fdev->facts.driver, DRV_KMEM);
}
END_TEST

START_TEST(test_unbound_to_devdax) {
        struct rule r = make_rule(DT_MODE_DEVDAX, DT_ZONE_MOVABLE, -1, DT_MEMMAP_NO);

        fdev->facts.driver = DRV_NONE;
        ck_assert_int_eq(prepare(dut, &r), DEV_UNBOUND);
        run_job(dut);

        ck_assert_str_eq(path(), "unbound checking binding devdax");
        ck_assert_int_eq(fdev->facts.driver, DRV_DEVICE_DAX);
        ck_assert_uint_eq(log_count_prefix("block_set "), 0);
}
END_TEST

START_TEST(test_devdax_stays_devdax) {
        struct rule r = make_rule(DT_MODE_DEVDAX, DT_ZONE_MOVABLE, -1, DT_MEMMAP_NO);

        ck_assert_int_eq(prepare(dut, &r), DEV_DEVDAX);
        ck_assert(device_satisfied(dut, DEV_DEVDAX));
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking devdax");
        ck_assert_uint_eq(fk.n_log, 0);
}
END_TEST

START_TEST(test_devdax_bind_fails) {
        struct rule r = make_rule(DT_MODE_DEVDAX, DT_ZONE_MOVABLE, -1, DT_MEMMAP_NO);

        fake_on_kmem(fdev, BLOCK_ONLINE, "Movable");
        fk.bind_err = -EIO;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "online checking offlining binding failed");
        ck_assert_contains(last_reason(), "device_dax");
        ck_assert_contains(last_reason(), strerror(EIO));
        ck_assert_int_eq(fdev->facts.driver, DRV_KMEM);
        expect_blocks(BLOCK_OFFLINE, NULL);
}
END_TEST

/* ---- 9: verification of the node's memory ------------------------------ */

START_TEST(test_node_mem_not_growing) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fk.node_mem_frozen = true;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding onlining failed");
        ck_assert_contains(last_reason(), "node 1");
        ck_assert_contains(last_reason(), "changed by 0 bytes");
}
END_TEST

/*
 * The node ends up with less memory than before the job (other memory of
 * the node went away meanwhile): failed, and the reason shows a negative
 * change rather than a wrapped-around unsigned number.
 */
START_TEST(test_node_mem_shrank) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fk.node_mem[1] = 4 * GiB;
        fk.node_mem_lost_at_bind = 2 * GiB;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding onlining failed");
        ck_assert_contains(last_reason(), "node 1");
        ck_assert_not_contains(last_reason(), "18446744");
}
END_TEST

START_TEST(test_node_mem_unreadable) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fk.node_mem_err = -EOPNOTSUPP;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_int_eq(dut->state, DEV_FAILED);
        ck_assert_contains(last_reason(), "node 1");
        ck_assert_contains(last_reason(), strerror(EOPNOTSUPP));
}
END_TEST

/* ---- 10: device_observe() ---------------------------------------------- */

START_TEST(test_observe_unmanaged) {
        struct rule ign = make_rule(DT_MODE_IGNORE, DT_ZONE_MOVABLE, -1, DT_MEMMAP_NO);

        /* ignore wins over whatever the device looks like, but the
         * counters are still filled in for status output. */
        fake_on_kmem(fdev, BLOCK_ONLINE, "Movable");
        ck_assert_int_eq(prepare(dut, NULL), DEV_UNMANAGED);
        ck_assert_int_eq(dut->want.mode, DT_MODE_IGNORE);
        ck_assert_uint_eq(dut->online_blocks, N_BLOCKS);
        ck_assert_uint_eq(dut->total_blocks, N_BLOCKS);
        ck_assert(device_satisfied(dut, DEV_UNMANAGED));
        ck_assert(device_satisfied(dut, DEV_KMEM));

        ck_assert_int_eq(prepare(dut, &ign), DEV_UNMANAGED);
        ck_assert_str_eq(dut->want.rule, "tier");
}
END_TEST

START_TEST(test_observe_kmem_partly_offline) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fake_on_kmem(fdev, BLOCK_OFFLINE, NULL);
        block_go_online(&fk, &fk.blocks[32], "Movable");
        block_go_online(&fk, &fk.blocks[39], "Movable");
        ck_assert_int_eq(prepare(dut, &r), DEV_KMEM);
        ck_assert_uint_eq(dut->online_blocks, 2);
        ck_assert_uint_eq(dut->total_blocks, N_BLOCKS);
        ck_assert_str_eq(dut->zone, "Movable");
        ck_assert(!device_satisfied(dut, DEV_KMEM));
}
END_TEST

START_TEST(test_observe_online_in_zone) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fake_on_kmem(fdev, BLOCK_ONLINE, "Movable");
        fdev->facts.memmap_on_memory = 1;
        ck_assert_int_eq(prepare(dut, &r), DEV_ONLINE);
        ck_assert_uint_eq(dut->online_blocks, N_BLOCKS);
        ck_assert_str_eq(dut->zone, "Movable");
        ck_assert(dut->memmap_active);
}
END_TEST

START_TEST(test_observe_wrong_zone) {
        struct rule mov = rule_ram(DT_ZONE_MOVABLE);
        struct rule nor = rule_ram(DT_ZONE_NORMAL);

        fake_on_kmem(fdev, BLOCK_ONLINE, "Normal");
        ck_assert_int_eq(prepare(dut, &mov), DEV_KMEM);
        ck_assert_uint_eq(dut->online_blocks, N_BLOCKS);
        ck_assert_str_eq(dut->zone, "Normal");
        ck_assert_int_eq(prepare(dut, &nor), DEV_ONLINE);
}
END_TEST

START_TEST(test_observe_mixed_zones) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fake_on_kmem(fdev, BLOCK_ONLINE, "Movable");
        snprintf(fk.blocks[36].zone, sizeof(fk.blocks[36].zone), "Normal");
        ck_assert_int_eq(prepare(dut, &r), DEV_KMEM);
        ck_assert_str_eq(dut->zone, "mixed");
        ck_assert_uint_eq(dut->online_blocks, N_BLOCKS);
}
END_TEST

START_TEST(test_observe_unbound) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fdev->facts.driver = DRV_NONE;
        ck_assert_int_eq(prepare(dut, &r), DEV_UNBOUND);
        ck_assert_uint_eq(dut->online_blocks, 0);
        ck_assert_uint_eq(dut->total_blocks, N_BLOCKS);
        ck_assert_str_eq(dut->zone, "");
}
END_TEST

START_TEST(test_observe_devdax) {
        struct rule ram = rule_ram(DT_ZONE_MOVABLE);
        struct rule dax = make_rule(DT_MODE_DEVDAX, DT_ZONE_MOVABLE, -1, DT_MEMMAP_NO);

        ck_assert_int_eq(prepare(dut, &ram), DEV_DEVDAX);
        ck_assert_uint_eq(dut->online_blocks, 0);
        ck_assert_uint_eq(dut->total_blocks, N_BLOCKS);
        ck_assert(!dut->memmap_active);
        ck_assert(!device_satisfied(dut, DEV_DEVDAX));
        ck_assert_int_eq(prepare(dut, &dax), DEV_DEVDAX);
        ck_assert(device_satisfied(dut, DEV_DEVDAX));
        ck_assert(!device_satisfied(dut, DEV_ONLINE));
}
END_TEST

/* Old counters must not survive a look that finds less. */
START_TEST(test_observe_resets_counters) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fake_on_kmem(fdev, BLOCK_ONLINE, "Movable");
        prepare(dut, &r);
        ck_assert_uint_eq(dut->online_blocks, N_BLOCKS);
        fk.block_size_err = -EIO;
        ck_assert_int_eq(device_observe(dut, &fake_backend, &fk), DEV_KMEM);
        ck_assert_uint_eq(dut->online_blocks, 0);
        ck_assert_uint_eq(dut->total_blocks, 0);
        ck_assert_str_eq(dut->zone, "");
}
END_TEST

START_TEST(test_observe_large_online) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fdev->facts.size = 600 * BLOCK_SIZE;
        fdev->facts.ranges[0].end = fdev->facts.ranges[0].start + fdev->facts.size - 1;
        fake_on_kmem(fdev, BLOCK_ONLINE, "Movable");
        ck_assert_int_eq(prepare(dut, &r), DEV_ONLINE);
        ck_assert_uint_eq(dut->online_blocks, 600);
        ck_assert_uint_eq(dut->total_blocks, 600);
        /* The last block, beyond the first 512, counts too. */
        fk.blocks[FIRST_BLOCK + 599].state = BLOCK_OFFLINE;
        ck_assert_int_eq(device_observe(dut, &fake_backend, &fk), DEV_KMEM);
        ck_assert_uint_eq(dut->online_blocks, 599);
}
END_TEST

/* ---- 11: dax_facts_blocks() -------------------------------------------- */

static struct dax_facts facts_ranges(const struct dax_range *ranges, unsigned n) {
        struct dax_facts f = { .target_node = -1, .numa_node = -1, .memmap_on_memory = -1 };

        ck_assert_uint_le(n, DEV_MAX_RANGES);
        for (unsigned i = 0; i < n; i++) {
                f.ranges[i] = ranges[i];
                f.size += ranges[i].end - ranges[i].start + 1;
        }
        f.n_ranges = n;
        return f;
}

START_TEST(test_blocks_aligned) {
        struct dax_range rg[] = { { 4 * GiB, 5 * GiB - 1 } };
        struct dax_facts f = facts_ranges(rg, 1);
        uint64_t b[16];

        ck_assert_uint_eq(dax_facts_blocks(&f, BLOCK_SIZE, b, ELEMENTSOF(b)), 8);
        for (unsigned i = 0; i < 8; i++)
                ck_assert_uint_eq(b[i], 32 + i);
}
END_TEST

START_TEST(test_blocks_unaligned_start) {
        /* The partial first block is not added by kmem. */
        struct dax_range rg[] = { { 4 * GiB + 1 * MiB, 5 * GiB - 1 } };
        struct dax_facts f = facts_ranges(rg, 1);
        uint64_t b[16];

        ck_assert_uint_eq(dax_facts_blocks(&f, BLOCK_SIZE, b, ELEMENTSOF(b)), 7);
        ck_assert_uint_eq(b[0], 33);
        ck_assert_uint_eq(b[6], 39);

        /* One byte past the boundary is enough to lose the block. */
        f.ranges[0].start = 4 * GiB + 1;
        ck_assert_uint_eq(dax_facts_blocks(&f, BLOCK_SIZE, b, ELEMENTSOF(b)), 7);
        ck_assert_uint_eq(b[0], 33);
}
END_TEST

START_TEST(test_blocks_unaligned_end) {
        struct dax_range rg[] = { { 4 * GiB, 5 * GiB - 1 * MiB - 1 } };
        struct dax_facts f = facts_ranges(rg, 1);
        uint64_t b[16];

        ck_assert_uint_eq(dax_facts_blocks(&f, BLOCK_SIZE, b, ELEMENTSOF(b)), 7);
        ck_assert_uint_eq(b[0], 32);
        ck_assert_uint_eq(b[6], 38);

        /* Ending one byte short of the boundary loses the block too. */
        f.ranges[0].end = 5 * GiB - 2;
        ck_assert_uint_eq(dax_facts_blocks(&f, BLOCK_SIZE, b, ELEMENTSOF(b)), 7);
}
END_TEST

START_TEST(test_blocks_multiple_ranges) {
        struct dax_range rg[] = {
                { 4 * GiB, 4 * GiB + 256 * MiB - 1 },                   /* 32, 33 */
                { 8 * GiB + 64 * MiB, 8 * GiB + 576 * MiB - 1 },        /* 65, 66, 67 */
                { 16 * GiB, 16 * GiB + 64 * MiB - 1 },                  /* none */
                { 32 * GiB - 64 * MiB, 32 * GiB + 192 * MiB - 1 },      /* 256 */
        };
        struct dax_facts f = facts_ranges(rg, ELEMENTSOF(rg));
        const uint64_t want[] = { 32, 33, 65, 66, 67, 256 };
        uint64_t b[16];

        ck_assert_uint_eq(dax_facts_blocks(&f, BLOCK_SIZE, b, ELEMENTSOF(b)), ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                ck_assert_uint_eq(b[i], want[i]);
}
END_TEST

/* Found by fuzz-sysfs: no sum may wrap, and a huge range is counted,
 * not walked. */
START_TEST(test_blocks_near_2_64) {
        struct dax_facts f = { .n_ranges = 1 };
        uint64_t b[4];

        f.ranges[0] = (struct dax_range) { UINT64_MAX - 64 * MiB + 1, UINT64_MAX - 1 };
        ck_assert_uint_eq(dax_facts_blocks(&f, BLOCK_SIZE, b, ELEMENTSOF(b)), 0);
        f.ranges[0] = (struct dax_range) { UINT64_MAX - 2 * BLOCK_SIZE + 1, UINT64_MAX };
        ck_assert_uint_eq(dax_facts_blocks(&f, BLOCK_SIZE, b, ELEMENTSOF(b)), 2);
        ck_assert_uint_eq(b[1], UINT64_MAX / BLOCK_SIZE);
        /* Reversed: nothing. */
        f.ranges[0] = (struct dax_range) { 8 * GiB, 4 * GiB };
        ck_assert_uint_eq(dax_facts_blocks(&f, BLOCK_SIZE, b, ELEMENTSOF(b)), 0);
        /* All of the address space: counted at once, four filled in. */
        f.ranges[0] = (struct dax_range) { 0, UINT64_MAX };
        ck_assert_uint_eq(dax_facts_blocks(&f, BLOCK_SIZE, b, ELEMENTSOF(b)), UINT64_MAX / BLOCK_SIZE + 1);
        ck_assert_uint_eq(b[3], 3);
}
END_TEST

START_TEST(test_blocks_truncated_and_degenerate) {
        struct dax_range rg[] = { { 4 * GiB, 5 * GiB - 1 } };
        struct dax_facts f = facts_ranges(rg, 1);
        uint64_t b[4] = { 0, 0, 0, 0xdead };

        /* The count is the whole count; only max entries are written. */
        ck_assert_uint_eq(dax_facts_blocks(&f, BLOCK_SIZE, b, 3), 8);
        ck_assert_uint_eq(b[2], 34);
        ck_assert_uint_eq(b[3], 0xdead);
        ck_assert_uint_eq(dax_facts_blocks(&f, BLOCK_SIZE, NULL, 0), 8);
        /* An unknown block size means no blocks, not a division by zero. */
        ck_assert_uint_eq(dax_facts_blocks(&f, 0, b, 3), 0);
        f.n_ranges = 0;
        ck_assert_uint_eq(dax_facts_blocks(&f, BLOCK_SIZE, b, 3), 0);
}
END_TEST

START_TEST(test_blocks_smaller_than_block) {
        struct dax_range aligned[] = { { 4 * GiB, 4 * GiB + 64 * MiB - 1 } };
        /* A whole block's worth of bytes, but straddling a boundary. */
        struct dax_range straddling[] = { { 4 * GiB + 64 * MiB, 4 * GiB + 192 * MiB - 1 } };
        struct dax_facts f;
        uint64_t b[4];

        f = facts_ranges(aligned, 1);
        ck_assert_uint_eq(dax_facts_blocks(&f, BLOCK_SIZE, b, ELEMENTSOF(b)), 0);
        f = facts_ranges(straddling, 1);
        ck_assert_uint_eq(dax_facts_blocks(&f, BLOCK_SIZE, b, ELEMENTSOF(b)), 0);
}
END_TEST

START_TEST(test_small_device_refused) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fdev->facts.size = 64 * MiB;
        fdev->facts.ranges[0].end = fdev->facts.ranges[0].start + fdev->facts.size - 1;
        ck_assert_int_eq(prepare(dut, &r), DEV_DEVDAX);
        ck_assert_uint_eq(dut->total_blocks, 0);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking refused");
        ck_assert_contains(last_reason(), "no whole memory block");
        ck_assert_contains(last_reason(), "67108864");
        expect_untouched();
}
END_TEST

START_TEST(test_block_size_unknown) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        prepare(dut, &r);
        fk.block_size_err = -ENOENT;
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking failed");
        ck_assert_contains(last_reason(), "memory blocks");
        ck_assert_contains(last_reason(), strerror(ENOENT));
        expect_untouched();
}
END_TEST

/* ---- 12: a foreign driver ---------------------------------------------- */

START_TEST(test_other_driver_refused) {
        struct rule ram = rule_ram(DT_ZONE_MOVABLE);
        struct rule dax = make_rule(DT_MODE_DEVDAX, DT_ZONE_MOVABLE, -1, DT_MEMMAP_NO);

        fdev->facts.driver = DRV_OTHER;
        prepare(dut, &ram);
        run_job(dut);
        ck_assert_int_eq(dut->state, DEV_REFUSED);
        ck_assert_contains(last_reason(), "neither device_dax nor kmem");
        ck_assert_contains(last_reason(), "dax0.0");

        /* Neither direction takes it from its driver. */
        prepare(dut, &dax);
        run_job(dut);
        ck_assert_int_eq(dut->state, DEV_REFUSED);
        ck_assert_uint_eq(fk.n_log, 0);
        ck_assert_int_eq(fdev->facts.driver, DRV_OTHER);
}
END_TEST

/* ---- 13: bind failures ------------------------------------------------- */

/* The kernel refused kmem after the device left device_dax: the job puts
 * it back on device_dax rather than leave it with no driver. */
START_TEST(test_bind_fails_after_unbind) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fk.bind_kmem_err_unbound = -ENOMEM;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding failed");
        ck_assert_contains(last_reason(), "binding dax0.0 to kmem failed");
        ck_assert_contains(last_reason(), strerror(ENOMEM));
        ck_assert_contains(last_reason(), "put back on device_dax");
        ck_assert_int_ge(log_find("bind dax0.0 device_dax"), 0);
        ck_assert_int_gt(log_find("bind dax0.0 device_dax"), log_find("bind dax0.0 kmem"));
        ck_assert_int_eq(fdev->facts.driver, DRV_DEVICE_DAX);
        expect_blocks(BLOCK_ABSENT, NULL);
}
END_TEST

/* No kmem driver (its module missing or refused): failed before anything
 * is touched, with a reason that names kmem. */
START_TEST(test_kmem_missing) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        snprintf(fk.auto_online, sizeof(fk.auto_online), "online");
        fk.kmem_missing = true;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking failed");
        ck_assert_contains(last_reason(), "the kmem driver is not loaded");
        ck_assert_contains(last_reason(), "dax0.0");
        ck_assert_uint_eq(log_count_prefix("bind "), 0);
        ck_assert_uint_eq(fk.n_auto_online_writes, 0);
        ck_assert_int_eq(fdev->facts.driver, DRV_DEVICE_DAX);
}
END_TEST

START_TEST(test_bind_fails) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        snprintf(fk.auto_online, sizeof(fk.auto_online), "online");
        fk.bind_err = -EIO;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding failed");
        ck_assert_contains(last_reason(), "binding dax0.0 to kmem failed");
        ck_assert_contains(last_reason(), strerror(EIO));
        /* The hold ends with the bind, whatever became of it. */
        ck_assert_uint_eq(fk.n_auto_online_writes, 2);
        ck_assert_str_eq(fk.auto_online_writes[0], "offline");
        ck_assert_str_eq(fk.auto_online_writes[1], "online");
        ck_assert_str_eq(fk.auto_online, "online");
        ck_assert_int_eq(fdev->facts.driver, DRV_DEVICE_DAX);
        expect_blocks(BLOCK_ABSENT, NULL);
}
END_TEST

START_TEST(test_bind_does_not_take) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fk.bind_ignored = true;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding failed");
        ck_assert_contains(last_reason(), "device_dax, not kmem");
}
END_TEST

START_TEST(test_bind_kmem_rejects_node) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        /* kmem refuses a device without a target node. */
        fdev->facts.target_node = -1;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_int_eq(dut->state, DEV_FAILED);
        ck_assert_contains(last_reason(), strerror(EINVAL));
        expect_blocks(BLOCK_ABSENT, NULL);
}
END_TEST

/* ---- 14: names and steadiness ------------------------------------------ */

START_TEST(test_state_strings) {
        static const struct {
                enum dev_state s;
                const char *name;
                bool steady;
        } table[] = {
                { DEV_UNMANAGED, "unmanaged", true },
                { DEV_DEVDAX, "devdax", true },
                { DEV_ONLINE, "online", true },
                { DEV_REFUSED, "refused", true },
                { DEV_FAILED, "failed", true },
                { DEV_CHECKING, "checking", false },
                { DEV_BINDING, "binding", false },
                { DEV_ONLINING, "onlining", false },
                { DEV_OFFLINING, "offlining", false },
                { DEV_SCRUBBING, "scrubbing", false },
                { DEV_CLEARING, "clearing", false },
                { DEV_KMEM, "kmem", false },
                { DEV_UNBOUND, "unbound", false },
                { DEV_PENDING, "pending", false },
        };

        /* Every state is in the table: a new one must be named here. */
        ck_assert_uint_eq(ELEMENTSOF(table), _DEV_STATE_MAX);
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                ck_assert_str_eq(dev_state_to_string(table[i].s), table[i].name);
                ck_assert_msg(dev_state_is_steady(table[i].s) == table[i].steady, "%s steady: %d",
                              table[i].name, dev_state_is_steady(table[i].s));
        }
        ck_assert_str_eq(dev_state_to_string(_DEV_STATE_MAX), "invalid");
        ck_assert_str_eq(dev_state_to_string((enum dev_state) 1000), "invalid");

        ck_assert_str_eq(dax_driver_to_string(DRV_NONE), "none");
        ck_assert_str_eq(dax_driver_to_string(DRV_DEVICE_DAX), "device_dax");
        ck_assert_str_eq(dax_driver_to_string(DRV_KMEM), "kmem");
        ck_assert_str_eq(dax_driver_to_string(DRV_OTHER), "other");
}
END_TEST

START_TEST(test_want_and_match) {
        struct rule r = make_rule(DT_MODE_SYSTEM_RAM, DT_ZONE_NORMAL, 3, DT_MEMMAP_AUTO);
        struct want w;
        struct match_facts m;

        want_from_rule(&w, &r);
        ck_assert_str_eq(w.rule, "tier");
        ck_assert_int_eq(w.mode, DT_MODE_SYSTEM_RAM);
        ck_assert_int_eq(w.zone, DT_ZONE_NORMAL);
        ck_assert_int_eq(w.target_node, 3);
        ck_assert_int_eq(w.memmap, DT_MEMMAP_AUTO);
        ck_assert_int_eq(w.scrub, DT_SCRUB_NONE);
        ck_assert_uint_eq(w.scrub_timeout_usec, SCRUB_TIMEOUT_USEC);
        r.scrub = DT_SCRUB_BADBLOCKS;
        r.scrub_timeout_usec = 90 * 1000000;
        r.on_poison = DT_ON_POISON_SKIP_BLOCKS;
        r.on_runtime_poison = DT_ON_RUNTIME_POISON_LOG;
        r.scrub_unsupported = DT_SCRUB_UNSUPPORTED_REFUSE;
        want_from_rule(&w, &r);
        ck_assert_int_eq(w.scrub, DT_SCRUB_BADBLOCKS);
        ck_assert_uint_eq(w.scrub_timeout_usec, 90 * 1000000);
        ck_assert_int_eq(w.on_poison, DT_ON_POISON_SKIP_BLOCKS);
        ck_assert_int_eq(w.on_runtime_poison, DT_ON_RUNTIME_POISON_LOG);
        ck_assert_int_eq(w.scrub_unsupported, DT_SCRUB_UNSUPPORTED_REFUSE);
        want_from_rule(&w, NULL);
        ck_assert_str_eq(w.rule, "");
        ck_assert_int_eq(w.mode, DT_MODE_IGNORE);
        ck_assert_int_eq(w.target_node, -1);

        /* Empty ids are "unknown" to the matcher. */
        dax_facts_to_match(&fdev->facts, &m);
        ck_assert_str_eq(m.name, "dax0.0");
        ck_assert_ptr_null(m.uuid);
        ck_assert_ptr_null(m.dax_uuid);
        ck_assert_int_eq(m.target_node, 1);
        ck_assert_uint_eq(m.size, 1 * GiB);
        snprintf(fdev->facts.uuid, sizeof(fdev->facts.uuid), "1e0c9f9a-0b2d-4c57-9a3a-6c2d5b8e7f10");
        dax_facts_to_match(&fdev->facts, &m);
        ck_assert_pstr_eq(m.uuid, "1e0c9f9a-0b2d-4c57-9a3a-6c2d5b8e7f10");
        /* The namespace name, for match.name; "" is no name. */
        ck_assert_ptr_null(m.ns_name);
        snprintf(fdev->facts.ns_name, sizeof(fdev->facts.ns_name), "daxtierd-half");
        dax_facts_to_match(&fdev->facts, &m);
        ck_assert_pstr_eq(m.ns_name, "daxtierd-half");
}
END_TEST

START_TEST(test_device_new) {
        ck_assert_str_eq(dut->name, "dax0.0");
        /* Not looked at yet: neither unmanaged nor anything else. */
        ck_assert_int_eq(dut->state, DEV_PENDING);
        ck_assert_int_eq(dut->want.mode, DT_MODE_IGNORE);
        ck_assert_int_eq(dut->want.target_node, -1);
        ck_assert_ptr_null(dut->job);
        ck_assert_ptr_null(dut->last_error);
        /* No poison known, no scrub run. */
        ck_assert_uint_eq(dut->badblocks, 0);
        ck_assert_uint_eq(dut->cleared_bytes, 0);
        ck_assert_uint_eq(dut->skipped_blocks, 0);
        ck_assert_ptr_null(dut->skipped);
        ck_assert_uint_eq(dut->last_scrub_usec, 0);
        ck_assert_int_eq(dut->scrub_outcome, SCRUB_NOT_RUN);
        device_free(NULL);
}
END_TEST

/* ---- 15: abort --------------------------------------------------------- */

START_TEST(test_abort) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        prepare(dut, &r);
        ck_assert_int_eq(device_job_start(dut), 0);
        /* One job at a time. */
        ck_assert_int_eq(device_job_start(dut), -EBUSY);
        /* checking, which asks for the holders scan (blocking: it reads
         * /proc) and ends; binding, which asks for a blocking bind; first
         * block */
        ck_assert_int_eq(device_job_step(dut, &fake_backend, &fk, &observer), DEVICE_STEP_BLOCKING);
        ck_assert_int_eq(device_job_step(dut, &fake_backend, &fk, &observer), 1);
        ck_assert_int_eq(device_job_step(dut, &fake_backend, &fk, &observer), DEVICE_STEP_BLOCKING);
        ck_assert_int_eq(dut->state, DEV_BINDING);
        ck_assert_int_eq(device_job_call(dut, &fake_backend, &fk), 0);
        ck_assert_int_eq(device_job_step(dut, &fake_backend, &fk, &observer), 1);
        ck_assert_int_eq(device_job_step(dut, &fake_backend, &fk, &observer), 1);
        ck_assert_int_eq(dut->state, DEV_ONLINING);

        device_job_abort(dut, "the device went away", &observer);
        ck_assert_ptr_null(dut->job);
        ck_assert_int_eq(dut->state, DEV_FAILED);
        ck_assert_pstr_eq(dut->last_error, "the device went away");
        ck_assert_str_eq(path(), "devdax checking binding onlining failed");
        ck_assert_pstr_eq(last_reason(), "the device went away");
        ck_assert_uint_eq(log_count_prefix("block_set "), 1);

        /* Nothing left to step or abort. */
        ck_assert_int_eq(device_job_step(dut, &fake_backend, &fk, &observer), 0);
        device_job_abort(dut, "again", &observer);
        ck_assert_uint_eq(rec.n_trans, 4);
        ck_assert_pstr_eq(dut->last_error, "the device went away");
        /* A scrub timeout without a job is nothing. */
        device_job_scrub_timeout(dut);
        ck_assert_ptr_null(dut->job);
        ck_assert_uint_eq(rec.n_trans, 4);
}
END_TEST

/* ---- 16: facts unreadable ---------------------------------------------- */

START_TEST(test_read_facts_fails) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        prepare(dut, &r);
        fk.read_facts_err = -EIO;
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking failed");
        ck_assert_contains(last_reason(), "cannot read dax0.0");
        ck_assert_contains(last_reason(), strerror(EIO));
        expect_untouched();
}
END_TEST

START_TEST(test_read_facts_fails_after_bind) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        prepare(dut, &r);
        fk.read_facts_err = -EIO;
        fk.read_facts_ok_left = 1;      /* the one in checking */
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding failed");
        ck_assert_contains(last_reason(), "after binding");
        ck_assert_uint_eq(log_count_prefix("block_set "), 0);
}
END_TEST

/* ---- 17: scrub and poison ------------------------------------------------ */

/* dax0.0 as set up in setup() sits at 4 GiB in an nd region that starts at
 * 3 GiB: the region's badblocks cover memory that is not the device's. */
#define DEV_START (4 * GiB)
#define DEV_END (5 * GiB)       /* exclusive */
#define REGION_START (3 * GiB)
#define BLOCK_ADDR(b) ((uint64_t) (b) * BLOCK_SIZE)

static void fake_pmem(struct fake_dev *fd) {
        fd->facts.source = DT_SOURCE_PMEM;
        snprintf(fd->facts.bus, sizeof(fd->facts.bus), "ndbus0");
        fd->facts.region_start = REGION_START;
}

/* A CXL device behind region 4 of two memdevs, as kernel.c reads it. */
static void fake_cxl(struct fake_dev *fd) {
        fd->facts.source = DT_SOURCE_CXL;
        fd->facts.region = 4;
        fd->facts.n_cxl_memdevs = 2;
        fd->facts.cxl_memdevs[0] = (struct cxl_memdev_id) { "mem0", 0xa1 };
        fd->facts.cxl_memdevs[1] = (struct cxl_memdev_id) { "mem1", 0xa2 };
}

static void fake_add_bad(uint64_t start, uint64_t len, bool uncleareable) {
        ck_assert_uint_lt(fk.n_bad, MAX_BAD);
        fk.bad[fk.n_bad++] = (struct fake_bad) { .start = start, .len = len, .uncleareable = uncleareable };
}

static bool fake_has_bad(uint64_t start, uint64_t len) {
        for (size_t i = 0; i < fk.n_bad; i++)
                if (fk.bad[i].start == start && fk.bad[i].len == len)
                        return true;
        return false;
}

static struct rule rule_poison(enum dt_scrub scrub, enum dt_on_poison on_poison,
                               enum dt_scrub_unsupported unsupported) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        r.scrub = scrub;
        r.on_poison = on_poison;
        r.scrub_unsupported = unsupported;
        return r;
}

static uint64_t realtime_usec(void) {
        struct timespec ts;

        ck_assert_int_eq(clock_gettime(CLOCK_REALTIME, &ts), 0);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* "0x118001000+512", as the daemon names a range. */
static const char *range_str(uint64_t start, uint64_t len) {
        static char buf[4][64];
        static unsigned next;
        char *b = buf[next++ % ELEMENTSOF(buf)];

        snprintf(b, sizeof(buf[0]), "0x%llx+%llu", (unsigned long long) start, (unsigned long long) len);
        return b;
}

static const enum device_note scrub_notes[] = {
        NOTE_SCRUB_DONE, NOTE_SCRUB_UNSUPPORTED, NOTE_SCRUB_FAILED, NOTE_SCRUB_TIMED_OUT,
};

/* Exactly one scrub note, of that kind. */
static void expect_one_scrub_note(enum device_note kind) {
        for (size_t i = 0; i < ELEMENTSOF(scrub_notes); i++)
                ck_assert_msg(note_count(scrub_notes[i]) == (scrub_notes[i] == kind ? 1u : 0u),
                              "%zu notes of scrub kind %d (expected kind %d)", note_count(scrub_notes[i]),
                              scrub_notes[i], kind);
}

static size_t note_index(enum device_note kind) {
        for (size_t i = 0; i < rec.n_notes; i++)
                if (rec.notes[i].kind == kind)
                        return i;
        ck_abort_msg("no note of kind %d", kind);
        return 0;
}

/* Every block of dax0.0 online in Movable but those listed, which are
 * offline and never written to. */
static void expect_online_except(const uint64_t *skipped, size_t n) {
        unsigned online = 0;

        for (unsigned b = FIRST_BLOCK; b <= LAST_BLOCK; b++) {
                bool skip = false;

                for (size_t i = 0; i < n; i++)
                        if (skipped[i] == b)
                                skip = true;
                if (skip) {
                        ck_assert_msg(fk.blocks[b].state == BLOCK_OFFLINE, "poisoned memory%u is in state %d", b,
                                      fk.blocks[b].state);
                        ck_assert_int_lt(log_find("block_set %u online_movable", b), 0);
                        ck_assert_int_lt(log_find("block_set %u online_kernel", b), 0);
                } else {
                        ck_assert_msg(fk.blocks[b].state == BLOCK_ONLINE, "memory%u is in state %d", b,
                                      fk.blocks[b].state);
                        ck_assert_str_eq(fk.blocks[b].zone, "Movable");
                        online++;
                }
        }
        ck_assert_int_eq(fk.blocks[FIRST_BLOCK - 1].state, BLOCK_ABSENT);
        ck_assert_int_eq(fk.blocks[LAST_BLOCK + 1].state, BLOCK_ABSENT);
        ck_assert_uint_eq(fk.node_mem[1], online * BLOCK_SIZE);
}

/* (a) a scrub that runs a while, then the usual way to RAM */
START_TEST(test_ars_scrub) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);
        uint64_t before, after;

        fake_pmem(fdev);
        fk.ars_busy_polls = 3;
        ck_assert_int_eq(prepare(dut, &r), DEV_DEVDAX);
        before = realtime_usec();
        run_job(dut);
        after = realtime_usec();

        ck_assert_str_eq(path(), "devdax checking scrubbing clearing binding onlining online");
        ck_assert_uint_eq(fk.n_ars_start, 1);
        /* The runner was told to wait while the bus said busy, and the
         * bus was polled until it said idle, not once more. */
        ck_assert_uint_ge(wait_scrub_results, 3);
        ck_assert_uint_eq(fk.n_ars_busy, 4);
        ck_assert_uint_eq(fk.ars_busy_polls, 0);
        /* Scrub and badblocks come before the device is bound. */
        ck_assert_int_ge(log_find("bind dax0.0 kmem"), 0);
        ck_assert_uint_le(fk.ars_start_at, (size_t) log_find("bind dax0.0 kmem"));
        ck_assert_uint_ge(fk.n_badblocks, 1);
        ck_assert_uint_le(fk.badblocks_at, (size_t) log_find("bind dax0.0 kmem"));

        expect_one_scrub_note(NOTE_SCRUB_DONE);
        ck_assert_contains(note_msg(NOTE_SCRUB_DONE), "ndbus0");
        ck_assert_uint_eq(note_count(NOTE_POISON_CLEARED), 1);
        ck_assert_contains(note_msg(NOTE_POISON_CLEARED), "no known poison");
        ck_assert_uint_lt(note_index(NOTE_SCRUB_DONE), note_index(NOTE_POISON_CLEARED));
        ck_assert_uint_eq(note_count(NOTE_POISON_SKIPPED), 0);
        ck_assert_int_eq(dut->scrub_outcome, SCRUB_DONE);
        ck_assert_str_eq(scrub_outcome_to_string(dut->scrub_outcome), "done");
        ck_assert_uint_ge(dut->last_scrub_usec, before);
        ck_assert_uint_le(dut->last_scrub_usec, after);
        ck_assert_uint_eq(dut->badblocks, 0);
        ck_assert_uint_eq(dut->cleared_bytes, 0);
        ck_assert_uint_eq(dut->skipped_blocks, 0);
        ck_assert_uint_eq(fk.n_clear_error, 0);

        ck_assert_ptr_null(dut->last_error);
        expect_blocks(BLOCK_ONLINE, "Movable");
        ck_assert_uint_eq(log_count_prefix("block_set "), N_BLOCKS);
        ck_assert_int_eq(device_observe(dut, &fake_backend, &fk), DEV_ONLINE);
}
END_TEST

/* A scrub that is over at once still makes the runner wait once: the
 * bus is polled, not assumed idle. */
START_TEST(test_ars_scrub_quick) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);

        fake_pmem(fdev);
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking scrubbing clearing binding onlining online");
        ck_assert_uint_eq(fk.n_ars_start, 1);
        ck_assert_uint_ge(fk.n_ars_busy, 1);
        expect_one_scrub_note(NOTE_SCRUB_DONE);
        ck_assert_int_eq(dut->scrub_outcome, SCRUB_DONE);
}
END_TEST

/* A device already on kmem is RAM already: no scrub under it. */
START_TEST(test_ars_not_on_kmem) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);

        fake_pmem(fdev);
        fake_on_kmem(fdev, BLOCK_OFFLINE, NULL);
        ck_assert_int_eq(prepare(dut, &r), DEV_KMEM);
        run_job(dut);

        ck_assert_str_eq(path(), "kmem checking clearing onlining online");
        ck_assert_uint_eq(fk.n_ars_start, 0);
        ck_assert_uint_eq(fk.n_ars_busy, 0);
        ck_assert_uint_eq(wait_scrub_results, 0);
        ck_assert_uint_ge(fk.n_badblocks, 1);
        for (size_t i = 0; i < ELEMENTSOF(scrub_notes); i++)
                ck_assert_uint_eq(note_count(scrub_notes[i]), 0);
        ck_assert_int_eq(dut->scrub_outcome, SCRUB_NOT_RUN);
        expect_blocks(BLOCK_ONLINE, "Movable");
}
END_TEST

/* (b) no ARS on the bus, scrub_unsupported = proceed */
START_TEST(test_ars_unsupported_proceed) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);

        fake_pmem(fdev);
        fk.ars_start_err = -EOPNOTSUPP;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking scrubbing clearing binding onlining online");
        ck_assert_uint_eq(fk.n_ars_start, 1);
        ck_assert_uint_eq(fk.n_ars_busy, 0);
        ck_assert_uint_eq(wait_scrub_results, 0);
        expect_one_scrub_note(NOTE_SCRUB_UNSUPPORTED);
        ck_assert_contains(note_msg(NOTE_SCRUB_UNSUPPORTED), "scrub unsupported");
        ck_assert_contains(note_msg(NOTE_SCRUB_UNSUPPORTED), "ndbus0");
        ck_assert_contains(note_msg(NOTE_SCRUB_UNSUPPORTED), "proceed");
        ck_assert_int_eq(dut->scrub_outcome, SCRUB_UNSUPPORTED);
        ck_assert_str_eq(scrub_outcome_to_string(dut->scrub_outcome), "unsupported");
        /* No scrub ran. */
        ck_assert_uint_eq(dut->last_scrub_usec, 0);
        /* The badblocks the kernel knows are still looked at. */
        ck_assert_uint_ge(fk.n_badblocks, 1);
        ck_assert_ptr_null(dut->last_error);
        expect_blocks(BLOCK_ONLINE, "Movable");
}
END_TEST

/* A source without an nd bus (hmem here) has no ARS at all. */
START_TEST(test_ars_unsupported_source) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);

        ck_assert_int_eq(fdev->facts.source, DT_SOURCE_HMEM);
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking scrubbing clearing binding onlining online");
        ck_assert_uint_eq(fk.n_ars_start, 0);
        ck_assert_uint_eq(fk.n_badblocks, 0);
        expect_one_scrub_note(NOTE_SCRUB_UNSUPPORTED);
        ck_assert_contains(note_msg(NOTE_SCRUB_UNSUPPORTED), "hmem");
        ck_assert_int_eq(dut->scrub_outcome, SCRUB_UNSUPPORTED);
        expect_blocks(BLOCK_ONLINE, "Movable");
}
END_TEST

/* (b) no ARS on the bus, scrub_unsupported = refuse */
START_TEST(test_ars_unsupported_refuse) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_REFUSE);

        fake_pmem(fdev);
        fk.ars_start_err = -EOPNOTSUPP;
        fake_add_bad(DEV_START + BLOCK_ADDR(2), 512, false);
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking scrubbing refused");
        ck_assert_contains(last_reason(), "scrub unsupported");
        ck_assert_contains(last_reason(), "ndbus0");
        ck_assert_contains(last_reason(), "scrub_unsupported = refuse");
        ck_assert_pstr_eq(dut->last_error, last_reason());
        expect_one_scrub_note(NOTE_SCRUB_UNSUPPORTED);
        ck_assert_int_eq(dut->scrub_outcome, SCRUB_UNSUPPORTED);
        /* Nothing bound, nothing cleared. */
        expect_untouched();
        ck_assert_uint_eq(fk.n_clear_error, 0);
        ck_assert_uint_eq(fk.n_bad, 1);
        ck_assert_uint_eq(dut->cleared_bytes, 0);
}
END_TEST

/* (c) the scrub cannot be started */
START_TEST(test_ars_start_fails) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_REFUSE);

        fake_pmem(fdev);
        fk.ars_start_err = -EIO;
        prepare(dut, &r);
        run_job(dut);

        /* A failed scrub is not an unsupported one: refuse does not apply. */
        ck_assert_str_eq(path(), "devdax checking scrubbing clearing binding onlining online");
        ck_assert_uint_eq(fk.n_ars_start, 1);
        ck_assert_uint_eq(fk.n_ars_busy, 0);
        ck_assert_uint_eq(wait_scrub_results, 0);
        expect_one_scrub_note(NOTE_SCRUB_FAILED);
        ck_assert_contains(note_msg(NOTE_SCRUB_FAILED), "scrub failed");
        ck_assert_contains(note_msg(NOTE_SCRUB_FAILED), strerror(EIO));
        ck_assert_int_eq(dut->scrub_outcome, SCRUB_FAILED);
        ck_assert_str_eq(scrub_outcome_to_string(dut->scrub_outcome), "failed");
        ck_assert_uint_ge(fk.n_badblocks, 1);
        ck_assert_ptr_null(dut->last_error);
        expect_blocks(BLOCK_ONLINE, "Movable");
}
END_TEST

/* The scrub started, but its state cannot be read. */
START_TEST(test_ars_busy_fails) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);

        fake_pmem(fdev);
        fk.ars_busy_err = -ENXIO;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking scrubbing clearing binding onlining online");
        ck_assert_uint_eq(fk.n_ars_start, 1);
        ck_assert_uint_eq(fk.n_ars_busy, 1);
        expect_one_scrub_note(NOTE_SCRUB_FAILED);
        ck_assert_contains(note_msg(NOTE_SCRUB_FAILED), strerror(ENXIO));
        ck_assert_int_eq(dut->scrub_outcome, SCRUB_FAILED);
        expect_blocks(BLOCK_ONLINE, "Movable");
}
END_TEST

/* (d) a scrub that never ends: the manager's timer calls time */
START_TEST(test_ars_timeout) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);
        unsigned busy;

        fake_pmem(fdev);
        fk.ars_busy_forever = true;
        prepare(dut, &r);
        ck_assert_int_eq(device_job_start(dut), 0);
        /* The check, and the holders scan it asks the runner for. */
        ck_assert_int_eq(device_job_step(dut, &fake_backend, &fk, &observer), DEVICE_STEP_BLOCKING);
        ck_assert_int_eq(device_job_step(dut, &fake_backend, &fk, &observer), 1);
        ck_assert_int_eq(dut->state, DEV_CHECKING);
        /* However often the runner steps, the job waits. */
        for (unsigned i = 0; i < 5; i++) {
                ck_assert_int_eq(device_job_step(dut, &fake_backend, &fk, &observer), DEVICE_STEP_WAIT_SCRUB);
                ck_assert_int_eq(dut->state, DEV_SCRUBBING);
        }
        ck_assert_uint_eq(fk.n_ars_start, 1);
        ck_assert_uint_eq(note_count(NOTE_SCRUB_TIMED_OUT), 0);

        device_job_scrub_timeout(dut);
        busy = fk.n_ars_busy;
        ck_assert_int_eq(device_job_step(dut, &fake_backend, &fk, &observer), 1);
        /* No more waiting for the bus. */
        ck_assert_uint_eq(fk.n_ars_busy, busy);
        expect_one_scrub_note(NOTE_SCRUB_TIMED_OUT);
        ck_assert_contains(note_msg(NOTE_SCRUB_TIMED_OUT), "timed out");
        ck_assert_contains(note_msg(NOTE_SCRUB_TIMED_OUT), "ndbus0");
        ck_assert_contains(note_msg(NOTE_SCRUB_TIMED_OUT), "30min");
        ck_assert_int_eq(dut->scrub_outcome, SCRUB_TIMED_OUT);
        ck_assert_str_eq(scrub_outcome_to_string(dut->scrub_outcome), "timed-out");
        ck_assert_uint_ne(dut->last_scrub_usec, 0);

        drive_job(dut);
        ck_assert_uint_eq(fk.n_ars_busy, busy);
        ck_assert_uint_eq(fk.n_ars_start, 1);
        ck_assert_str_eq(path(), "devdax checking scrubbing clearing binding onlining online");
        ck_assert_uint_lt(note_index(NOTE_SCRUB_TIMED_OUT), note_index(NOTE_POISON_CLEARED));
        expect_one_scrub_note(NOTE_SCRUB_TIMED_OUT);
        expect_blocks(BLOCK_ONLINE, "Movable");
}
END_TEST

/* The same through the runner: a timeout after a few WAIT results. */
START_TEST(test_ars_timeout_runner) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);

        fake_pmem(fdev);
        fk.ars_busy_forever = true;
        fake_add_bad(DEV_START + BLOCK_ADDR(1), 4096, false);
        timeout_after_waits = 3;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_uint_eq(wait_scrub_results, 3);
        ck_assert_str_eq(path(), "devdax checking scrubbing clearing binding onlining online");
        expect_one_scrub_note(NOTE_SCRUB_TIMED_OUT);
        ck_assert_int_eq(dut->scrub_outcome, SCRUB_TIMED_OUT);
        /* The badblocks known so far are still cleared. */
        ck_assert_uint_eq(dut->cleared_bytes, 4096);
        ck_assert_uint_eq(fk.n_bad, 0);
        expect_blocks(BLOCK_ONLINE, "Movable");
}
END_TEST

/* Every outcome has a note kind of its own, so that the journal can tell
 * them apart; each run makes exactly one of them. */
static const struct {
        int ars_start_err, ars_busy_err;
        bool forever;
        enum device_note kind;
        enum scrub_outcome outcome;
        const char *name;
} outcomes[] = {
        { 0, 0, false, NOTE_SCRUB_DONE, SCRUB_DONE, "done" },
        { -EOPNOTSUPP, 0, false, NOTE_SCRUB_UNSUPPORTED, SCRUB_UNSUPPORTED, "unsupported" },
        { -EIO, 0, false, NOTE_SCRUB_FAILED, SCRUB_FAILED, "failed" },
        { 0, -EIO, false, NOTE_SCRUB_FAILED, SCRUB_FAILED, "failed" },
        { 0, 0, true, NOTE_SCRUB_TIMED_OUT, SCRUB_TIMED_OUT, "timed-out" },
};

START_TEST(test_scrub_outcomes) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);

        fake_pmem(fdev);
        fk.ars_start_err = outcomes[_i].ars_start_err;
        fk.ars_busy_err = outcomes[_i].ars_busy_err;
        fk.ars_busy_forever = outcomes[_i].forever;
        fk.ars_busy_polls = 1;
        timeout_after_waits = outcomes[_i].forever ? 2 : 0;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_int_eq(dut->state, DEV_ONLINE);
        expect_one_scrub_note(outcomes[_i].kind);
        ck_assert_int_eq(dut->scrub_outcome, outcomes[_i].outcome);
        ck_assert_str_eq(scrub_outcome_to_string(dut->scrub_outcome), outcomes[_i].name);
}
END_TEST

START_TEST(test_scrub_note_kinds) {
        /* The three outcomes of a scrub that ran, and unsupported: four
         * distinct kinds, distinct from every older kind too. */
        static const enum device_note older[] = {
                NOTE_REZONED, NOTE_AUTO_ONLINE_HELD, NOTE_MEMMAP, NOTE_BLOCK_STUCK, NOTE_SECURITY,
                NOTE_POISON_CLEARED, NOTE_POISON_SKIPPED,
        };

        for (size_t i = 0; i < ELEMENTSOF(scrub_notes); i++) {
                for (size_t j = i + 1; j < ELEMENTSOF(scrub_notes); j++)
                        ck_assert_int_ne(scrub_notes[i], scrub_notes[j]);
                for (size_t j = 0; j < ELEMENTSOF(older); j++)
                        ck_assert_int_ne(scrub_notes[i], older[j]);
        }
        ck_assert_int_ne(NOTE_POISON_CLEARED, NOTE_POISON_SKIPPED);

        ck_assert_str_eq(scrub_outcome_to_string(SCRUB_NOT_RUN), "none");
        ck_assert_str_eq(scrub_outcome_to_string(SCRUB_DONE), "done");
        ck_assert_str_eq(scrub_outcome_to_string(SCRUB_UNSUPPORTED), "unsupported");
        ck_assert_str_eq(scrub_outcome_to_string(SCRUB_FAILED), "failed");
        ck_assert_str_eq(scrub_outcome_to_string(SCRUB_TIMED_OUT), "timed-out");
        ck_assert_str_eq(scrub_outcome_to_string(_SCRUB_OUTCOME_MAX), "invalid");
        ck_assert_str_eq(scrub_outcome_to_string((enum scrub_outcome) 1000), "invalid");
}
END_TEST

/* An abort while the scrub runs ends the job like any other. */
START_TEST(test_abort_while_scrubbing) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);

        fake_pmem(fdev);
        fk.ars_busy_forever = true;
        prepare(dut, &r);
        ck_assert_int_eq(device_job_start(dut), 0);
        ck_assert_int_eq(device_job_step(dut, &fake_backend, &fk, &observer), DEVICE_STEP_BLOCKING);
        ck_assert_int_eq(device_job_step(dut, &fake_backend, &fk, &observer), 1);
        ck_assert_int_eq(device_job_step(dut, &fake_backend, &fk, &observer), DEVICE_STEP_WAIT_SCRUB);
        ck_assert_int_eq(dut->state, DEV_SCRUBBING);

        device_job_abort(dut, "the device went away", &observer);
        ck_assert_ptr_null(dut->job);
        ck_assert_str_eq(path(), "devdax checking scrubbing failed");
        ck_assert_pstr_eq(dut->last_error, "the device went away");
        /* A timer that fires late finds no job. */
        device_job_scrub_timeout(dut);
        ck_assert_int_eq(device_job_step(dut, &fake_backend, &fk, &observer), 0);
        ck_assert_uint_eq(rec.n_trans, 3);
        expect_untouched();
        ck_assert_uint_eq(note_count(NOTE_SCRUB_TIMED_OUT), 0);
}
END_TEST

/* (e) poison inside the device is cleared; the rest of the region's is
 * none of its business */
START_TEST(test_poison_cleared) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);
        const uint64_t a = DEV_START + BLOCK_ADDR(3) + 4096;     /* memory35 */
        const uint64_t b = DEV_START + BLOCK_ADDR(5);            /* memory37 */
        const uint64_t c = DEV_END - 512;                        /* memory39, and past the end */
        const char *msg;

        fake_pmem(fdev);
        fake_add_bad(REGION_START + 4096, 4096, false); /* the region, below the device */
        fake_add_bad(a, 512, false);
        fake_add_bad(b, 8192, false);
        fake_add_bad(c, 1024, false);
        fake_add_bad(DEV_END + MiB, 512, false);         /* the region, above it */
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking scrubbing clearing binding onlining online");
        ck_assert_ptr_null(dut->last_error);
        /* Exactly the device's parts of the ranges were cleared... */
        ck_assert_uint_eq(fk.n_clear_error, 3);
        ck_assert_uint_eq(fk.clears[0].start, a);
        ck_assert_uint_eq(fk.clears[0].len, 512);
        ck_assert_uint_eq(fk.clears[1].start, b);
        ck_assert_uint_eq(fk.clears[1].len, 8192);
        ck_assert_uint_eq(fk.clears[2].start, c);
        ck_assert_uint_eq(fk.clears[2].len, 512);
        ck_assert_uint_le(fk.clear_at, (size_t) log_find("bind dax0.0 kmem"));
        /* ...and the rest of the region's poison is still there. */
        ck_assert_uint_eq(fk.n_bad, 3);
        ck_assert(fake_has_bad(REGION_START + 4096, 4096));
        ck_assert(fake_has_bad(DEV_END, 512));
        ck_assert(fake_has_bad(DEV_END + MiB, 512));

        ck_assert_uint_eq(dut->cleared_bytes, 512 + 8192 + 512);
        ck_assert_uint_eq(dut->badblocks, 0);
        ck_assert_uint_eq(dut->skipped_blocks, 0);
        ck_assert_uint_eq(note_count(NOTE_POISON_CLEARED), 1);
        ck_assert_uint_eq(note_count(NOTE_POISON_SKIPPED), 0);
        msg = note_msg(NOTE_POISON_CLEARED);
        ck_assert_contains(msg, "3 bad ranges (9216 bytes) in dax0.0");
        ck_assert_contains(msg, range_str(a, 512));
        ck_assert_contains(msg, range_str(b, 8192));
        ck_assert_contains(msg, range_str(c, 512));
        ck_assert_not_contains(msg, range_str(REGION_START + 4096, 4096));
        ck_assert_not_contains(msg, range_str(DEV_END + MiB, 512));
        ck_assert_contains(msg, "cleared 9216 bytes");
        ck_assert_contains(msg, "0 ranges left");
        expect_blocks(BLOCK_ONLINE, "Movable");

        /* Poison found by a later job adds up; the region's stays. */
        fake_add_bad(DEV_START + BLOCK_ADDR(6), 4096, false);
        ck_assert_int_eq(prepare(dut, &r), DEV_ONLINE);
        run_job(dut);
        ck_assert_int_eq(dut->state, DEV_ONLINE);
        ck_assert_uint_eq(fk.n_clear_error, 4);
        ck_assert_uint_eq(dut->cleared_bytes, 9216 + 4096);
        ck_assert_uint_eq(dut->badblocks, 0);
        ck_assert_uint_eq(fk.n_bad, 3);
        /* On kmem already: no second scrub. */
        ck_assert_uint_eq(fk.n_ars_start, 1);
}
END_TEST

/* The platform clears less than asked: only what it says counts. */
START_TEST(test_poison_clear_fails) {
        struct rule r = rule_poison(DT_SCRUB_BADBLOCKS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);
        const uint64_t a = DEV_START + BLOCK_ADDR(4) + 512;

        fake_pmem(fdev);
        fake_add_bad(a, 512, false);
        fk.clear_err = -EIO;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking clearing refused");
        ck_assert_uint_eq(fk.n_clear_error, 1);
        ck_assert_uint_eq(dut->cleared_bytes, 0);
        ck_assert_uint_eq(dut->badblocks, 1);
        ck_assert_contains(note_msg(NOTE_POISON_CLEARED), "cleared 0 bytes");
        ck_assert_contains(note_msg(NOTE_POISON_CLEARED), "1 range left");
        ck_assert_contains(last_reason(), range_str(a, 512));
        ck_assert_int_eq(fdev->facts.driver, DRV_DEVICE_DAX);
}
END_TEST

/* The badblocks cannot be read: nothing is known, nothing is onlined. */
START_TEST(test_badblocks_unreadable) {
        struct rule r = rule_poison(DT_SCRUB_BADBLOCKS, DT_ON_POISON_SKIP_BLOCKS, DT_SCRUB_UNSUPPORTED_PROCEED);

        fake_pmem(fdev);
        fk.badblocks_err = -EIO;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking clearing failed");
        ck_assert_contains(last_reason(), "badblocks of region0");
        ck_assert_contains(last_reason(), strerror(EIO));
        expect_untouched();
}
END_TEST

/* (f) poison that stays, on_poison = refuse */
START_TEST(test_poison_refused) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);
        const uint64_t stuck = DEV_START + BLOCK_ADDR(3) + 4096;
        const uint64_t gone = DEV_START + BLOCK_ADDR(1);
        const char *msg;

        fake_pmem(fdev);
        fake_add_bad(stuck, 512, true);
        fake_add_bad(gone, 512, false);
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking scrubbing clearing refused");
        ck_assert_contains(last_reason(), range_str(stuck, 512));
        ck_assert_not_contains(last_reason(), range_str(gone, 512));
        ck_assert_contains(last_reason(), "on_poison = refuse");
        ck_assert_pstr_eq(dut->last_error, last_reason());
        msg = note_msg(NOTE_POISON_CLEARED);
        ck_assert_contains(msg, "2 bad ranges (1024 bytes)");
        ck_assert_contains(msg, "cleared 512 bytes");
        ck_assert_contains(msg, "1 range left");
        ck_assert_uint_eq(note_count(NOTE_POISON_SKIPPED), 0);
        ck_assert_uint_eq(dut->badblocks, 1);
        ck_assert_uint_eq(dut->cleared_bytes, 512);
        ck_assert_uint_eq(dut->skipped_blocks, 0);
        /* Still device_dax, nothing bound or onlined. */
        expect_untouched();
        ck_assert_uint_eq(fk.n_bad, 1);
}
END_TEST

/* CXL poison (from the memdevs' poison lists) before onlining: skip-blocks
 * leaves exactly the poisoned block offline; nothing can be cleared. */
START_TEST(test_cxl_poison_skip_blocks) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_SKIP_BLOCKS, DT_SCRUB_UNSUPPORTED_PROCEED);
        const uint64_t in34 = DEV_START + BLOCK_ADDR(2) + 64;
        const uint64_t want[] = { 34 };
        struct match_facts m;

        fake_cxl(fdev);
        fake_add_bad(in34, 64, false);
        prepare(dut, &r);
        dax_facts_to_match(&dut->facts, &m);
        ck_assert_int_eq(m.cxl_region, 4);
        ck_assert_uint_eq(m.n_cxl_memdevs, 2);
        ck_assert_str_eq(m.cxl_memdevs[1].name, "mem1");
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking scrubbing clearing binding onlining online");
        ck_assert_contains(note_msg(NOTE_SCRUB_UNSUPPORTED), "cxl has no address range scrub");
        ck_assert_contains(note_msg(NOTE_POISON_CLEARED), "cleared 0 bytes");
        ck_assert_contains(note_msg(NOTE_POISON_SKIPPED), "memory34 stays offline");
        ck_assert_uint_eq(dut->badblocks, 1);
        ck_assert_uint_eq(dut->skipped_blocks, 1);
        expect_online_except(want, ELEMENTSOF(want));
        ck_assert(fake_has_bad(in34, 64));
}
END_TEST

/* The same with on_poison = refuse: the device stays devdax. */
START_TEST(test_cxl_poison_refused) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);
        const uint64_t a = DEV_START + BLOCK_ADDR(5);

        fake_cxl(fdev);
        fake_add_bad(a, 128, false);
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking scrubbing clearing refused");
        ck_assert_contains(last_reason(), range_str(a, 128));
        ck_assert_contains(last_reason(), "on_poison = refuse");
        expect_untouched();
}
END_TEST

/* The kernel bound the CXL device to kmem and onlined nothing (auto-online
 * held off): refuse moves it to device_dax, so a refused device is
 * devdax whoever bound it; no block is ever onlined. */
START_TEST(test_cxl_poison_refused_kernel_kmem) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);
        const uint64_t a = DEV_START + BLOCK_ADDR(5);

        fake_cxl(fdev);
        fake_on_kmem(fdev, BLOCK_OFFLINE, NULL);
        fake_add_bad(a, 128, false);
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "kmem checking clearing binding refused");
        ck_assert_contains(last_reason(), range_str(a, 128));
        ck_assert_contains(last_reason(), "on_poison = refuse");
        ck_assert_contains(last_reason(), "moved from kmem to device_dax");
        ck_assert_int_eq(fdev->facts.driver, DRV_DEVICE_DAX);
        ck_assert_int_eq(log_find("block_set "), -1);
        expect_blocks(BLOCK_ABSENT, NULL);
}
END_TEST

/* ...and when the move fails, it is still refused, and says so. */
START_TEST(test_cxl_poison_refused_move_fails) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);

        fake_cxl(fdev);
        fake_on_kmem(fdev, BLOCK_OFFLINE, NULL);
        fake_add_bad(DEV_START + BLOCK_ADDR(5), 128, false);
        fk.bind_err = -EBUSY;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "kmem checking clearing binding refused");
        ck_assert_contains(last_reason(), "on_poison = refuse");
        ck_assert_contains(last_reason(), "moving it from kmem to device_dax failed");
        ck_assert_contains(last_reason(), strerror(EBUSY));
}
END_TEST

/* Devices of other sources have no CXL region or memdevs to match. */
START_TEST(test_cxl_match_facts_other_sources) {
        struct match_facts m;

        fake_pmem(fdev);
        dax_facts_to_match(&fdev->facts, &m);
        ck_assert_int_eq(m.cxl_region, -1);
        ck_assert_uint_eq(m.n_cxl_memdevs, 0);
        fdev->facts.source = DT_SOURCE_HMEM;
        dax_facts_to_match(&fdev->facts, &m);
        ck_assert_int_eq(m.cxl_region, -1);
}
END_TEST

/* (g) poison that stays, on_poison = skip-blocks */
START_TEST(test_poison_skip_blocks) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_SKIP_BLOCKS, DT_SCRUB_UNSUPPORTED_PROCEED);
        const uint64_t in35 = DEV_START + BLOCK_ADDR(3) + 4096;
        const uint64_t across = DEV_START + BLOCK_ADDR(6) - 512; /* memory37 and memory38 */
        const uint64_t want[] = { 35, 37, 38 };
        const char *msg;

        fake_pmem(fdev);
        fake_add_bad(in35, 512, true);
        fake_add_bad(across, 1024, true);
        fake_add_bad(DEV_START + BLOCK_ADDR(1), 512, false); /* memory33: cleared, onlined */
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking scrubbing clearing binding onlining online");
        ck_assert_ptr_null(dut->last_error);
        ck_assert_uint_eq(dut->skipped_blocks, ELEMENTSOF(want));
        ck_assert_ptr_nonnull(dut->skipped);
        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                ck_assert_uint_eq(dut->skipped[i], want[i]);
        ck_assert_uint_eq(dut->badblocks, 2);
        ck_assert_uint_eq(dut->cleared_bytes, 512);

        ck_assert_uint_eq(note_count(NOTE_POISON_SKIPPED), 1);
        msg = note_msg(NOTE_POISON_SKIPPED);
        ck_assert_contains(msg, "3 blocks of dax0.0");
        ck_assert_contains(msg, "memory35, memory37, memory38");
        ck_assert_not_contains(msg, "memory36");
        ck_assert_not_contains(msg, "memory33");
        ck_assert_contains(msg, range_str(in35, 512));
        ck_assert_contains(msg, range_str(across, 1024));
        ck_assert_contains(msg, "skip-blocks");

        /* Exactly the poisoned blocks stay offline. */
        expect_online_except(want, ELEMENTSOF(want));
        ck_assert_uint_eq(log_count_prefix("block_set "), N_BLOCKS - ELEMENTSOF(want));
        ck_assert_int_eq(device_observe(dut, &fake_backend, &fk), DEV_ONLINE);
        ck_assert(device_satisfied(dut, DEV_ONLINE));
        ck_assert_uint_eq(dut->online_blocks, N_BLOCKS - ELEMENTSOF(want));
        ck_assert_uint_eq(dut->total_blocks, N_BLOCKS);
        ck_assert_str_eq(dut->zone, "Movable");

        /* The next job looks again, finds the same, and changes nothing. */
        ck_assert_int_eq(prepare(dut, &r), DEV_ONLINE);
        run_job(dut);
        ck_assert_str_eq(path(),
                         "devdax checking scrubbing clearing binding onlining online checking clearing onlining online");
        ck_assert_uint_eq(dut->skipped_blocks, ELEMENTSOF(want));
        ck_assert_uint_eq(log_count_prefix("block_set "), N_BLOCKS - ELEMENTSOF(want));
        expect_online_except(want, ELEMENTSOF(want));
        ck_assert_uint_eq(dut->cleared_bytes, 512);
}
END_TEST

/* Blocks with poison must stay offline: the kernel must not online them
 * at the bind, so the setting is held off as with online_at_bind = no. */
START_TEST(test_online_at_bind_not_with_poison) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_SKIP_BLOCKS, DT_SCRUB_UNSUPPORTED_PROCEED);
        const uint64_t want[] = { 35 };

        snprintf(fk.auto_online, sizeof(fk.auto_online), "online");
        fake_pmem(fdev);
        fake_add_bad(DEV_START + BLOCK_ADDR(3) + 4096, 512, true);
        prepare(dut, &r);
        dut->want.online_at_bind = true;
        run_job(dut);

        ck_assert_int_eq(dut->state, DEV_ONLINE);
        ck_assert_uint_eq(dut->skipped_blocks, 1);
        ck_assert_uint_eq(fk.n_auto_online_writes, 2);
        ck_assert_str_eq(fk.auto_online_writes[0], "offline");
        ck_assert_str_eq(fk.auto_online_writes[1], "online");
        expect_online_except(want, ELEMENTSOF(want));
        ck_assert(!streq_ptr(dut->online_path, "at-bind"));
}
END_TEST

/* One range across a block boundary: both blocks stay offline. */
START_TEST(test_poison_skip_spanning_range) {
        struct rule r = rule_poison(DT_SCRUB_BADBLOCKS, DT_ON_POISON_SKIP_BLOCKS, DT_SCRUB_UNSUPPORTED_PROCEED);
        const uint64_t want[] = { 36, 37 };

        fake_pmem(fdev);
        fake_add_bad(DEV_START + BLOCK_ADDR(5) - 4096, 8192, true);
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking clearing binding onlining online");
        ck_assert_uint_eq(dut->badblocks, 1);
        ck_assert_uint_eq(dut->skipped_blocks, 2);
        ck_assert_uint_eq(dut->skipped[0], 36);
        ck_assert_uint_eq(dut->skipped[1], 37);
        ck_assert_contains(note_msg(NOTE_POISON_SKIPPED), "2 blocks");
        ck_assert_contains(note_msg(NOTE_POISON_SKIPPED), "memory36, memory37");
        expect_online_except(want, ELEMENTSOF(want));
        ck_assert_int_eq(device_observe(dut, &fake_backend, &fk), DEV_ONLINE);
}
END_TEST

/* Already on kmem, blocks offline: the poisoned one is left alone. */
START_TEST(test_poison_skip_on_kmem) {
        struct rule r = rule_poison(DT_SCRUB_ARS, DT_ON_POISON_SKIP_BLOCKS, DT_SCRUB_UNSUPPORTED_PROCEED);
        const uint64_t want[] = { 39 };

        fake_pmem(fdev);
        fake_on_kmem(fdev, BLOCK_OFFLINE, NULL);
        fake_add_bad(DEV_END - 4096, 4096, true);
        ck_assert_int_eq(prepare(dut, &r), DEV_KMEM);
        run_job(dut);

        ck_assert_str_eq(path(), "kmem checking clearing onlining online");
        ck_assert_uint_eq(fk.n_ars_start, 0);
        ck_assert_uint_eq(dut->skipped_blocks, 1);
        ck_assert_contains(note_msg(NOTE_POISON_SKIPPED), "memory39 stays offline");
        expect_online_except(want, ELEMENTSOF(want));
}
END_TEST

/*
 * Something else (a udev rule here) onlines the poisoned block before the
 * job gets to it: skip-blocks must take it offline again, not leave
 * poisoned memory in use while saying it stays offline.
 */
START_TEST(test_poison_skip_after_competing_onliner) {
        struct rule r = rule_poison(DT_SCRUB_BADBLOCKS, DT_ON_POISON_SKIP_BLOCKS, DT_SCRUB_UNSUPPORTED_PROCEED);
        const uint64_t want[] = { 35 };

        fake_pmem(fdev);
        fk.udev_zone = "Movable";
        fake_add_bad(DEV_START + BLOCK_ADDR(3), 512, true);
        prepare(dut, &r);
        run_job(dut);

        ck_assert_int_eq(dut->state, DEV_ONLINE);
        ck_assert_uint_eq(dut->skipped_blocks, 1);
        ck_assert_contains(note_msg(NOTE_POISON_SKIPPED), "memory35 stays offline");
        ck_assert_msg(fk.blocks[35].state == BLOCK_OFFLINE,
                      "poisoned memory35 is %s after the job, though skip-blocks says it stays offline",
                      fk.blocks[35].state == BLOCK_ONLINE ? "online" : "not offline");
        expect_online_except(want, ELEMENTSOF(want));
}
END_TEST

/*
 * Poison in the partial block below an unaligned device start: kmem never
 * adds that block, so it is not the device's to skip or to count.
 */
START_TEST(test_poison_skip_partial_block) {
        struct rule r = rule_poison(DT_SCRUB_BADBLOCKS, DT_ON_POISON_SKIP_BLOCKS, DT_SCRUB_UNSUPPORTED_PROCEED);

        fake_pmem(fdev);
        /* 1 GiB at 4 GiB + 64 MiB: whole blocks 33..39, parts of 32 and 40. */
        fdev->facts.ranges[0].start = DEV_START + 64 * MiB;
        fdev->facts.ranges[0].end = fdev->facts.ranges[0].start + fdev->facts.size - 1;
        fake_add_bad(DEV_START + 64 * MiB + 4096, 512, true);   /* in memory32 */
        ck_assert_int_eq(prepare(dut, &r), DEV_DEVDAX);
        ck_assert_uint_eq(dut->total_blocks, 7);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking clearing binding onlining online");
        ck_assert_uint_eq(dut->badblocks, 1);
        for (unsigned b = 33; b <= 39; b++)
                ck_assert_int_eq(fk.blocks[b].state, BLOCK_ONLINE);
        ck_assert_int_eq(fk.blocks[32].state, BLOCK_ABSENT);
        ck_assert_uint_eq(dut->online_blocks, 7);
        ck_assert_msg(dut->skipped_blocks == 0,
                      "skipped_blocks is %u, but all 7 blocks of dax0.0 are online (note: %s)",
                      dut->skipped_blocks, note_msg(NOTE_POISON_SKIPPED) ?: "none");
        ck_assert_ptr_null(strstr(note_msg(NOTE_POISON_SKIPPED) ?: "", "memory32"));
}
END_TEST

/* Too small for a block: refused, but only once the poison is known. */
START_TEST(test_small_device_refused_after_clearing) {
        struct rule r = rule_poison(DT_SCRUB_BADBLOCKS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);

        fake_pmem(fdev);
        fdev->facts.size = 64 * MiB;
        fdev->facts.ranges[0].end = fdev->facts.ranges[0].start + fdev->facts.size - 1;
        fake_add_bad(DEV_START + MiB, 512, false);
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking clearing refused");
        ck_assert_contains(last_reason(), "no whole memory block");
        ck_assert_uint_eq(dut->cleared_bytes, 512);
        ck_assert_uint_eq(fk.n_bad, 0);
        expect_untouched();
}
END_TEST

/* (h) scrub = badblocks: the kernel's list, no scrub */
START_TEST(test_scrub_badblocks_no_ars) {
        struct rule r = rule_poison(DT_SCRUB_BADBLOCKS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_REFUSE);

        fake_pmem(fdev);
        fake_add_bad(DEV_START + BLOCK_ADDR(2), 512, false);
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking clearing binding onlining online");
        ck_assert_uint_eq(fk.n_ars_start, 0);
        ck_assert_uint_eq(fk.n_ars_busy, 0);
        ck_assert_uint_eq(wait_scrub_results, 0);
        ck_assert_uint_ge(fk.n_badblocks, 1);
        ck_assert_uint_eq(fk.n_clear_error, 1);
        ck_assert_uint_eq(dut->cleared_bytes, 512);
        for (size_t i = 0; i < ELEMENTSOF(scrub_notes); i++)
                ck_assert_uint_eq(note_count(scrub_notes[i]), 0);
        ck_assert_int_eq(dut->scrub_outcome, SCRUB_NOT_RUN);
        ck_assert_uint_eq(dut->last_scrub_usec, 0);
        expect_blocks(BLOCK_ONLINE, "Movable");
}
END_TEST

/* (h) scrub = none: poison is not looked at at all */
START_TEST(test_scrub_none_no_badblocks) {
        struct rule r = rule_poison(DT_SCRUB_NONE, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_REFUSE);

        fake_pmem(fdev);
        fake_add_bad(DEV_START + BLOCK_ADDR(2), 512, true);
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding onlining online");
        ck_assert_uint_eq(fk.n_ars_start, 0);
        ck_assert_uint_eq(fk.n_badblocks, 0);
        ck_assert_uint_eq(fk.n_clear_error, 0);
        ck_assert_uint_eq(rec.n_notes, 0);
        ck_assert_uint_eq(dut->badblocks, 0);
        ck_assert_uint_eq(dut->skipped_blocks, 0);
        ck_assert_int_eq(dut->scrub_outcome, SCRUB_NOT_RUN);
        expect_blocks(BLOCK_ONLINE, "Movable");
}
END_TEST

/* (i) device_skip_block() keeps a set */
START_TEST(test_skip_block_dedup) {
        ck_assert_int_eq(device_skip_block(dut, 35), 0);
        ck_assert_int_eq(device_skip_block(dut, 35), 0);
        ck_assert_int_eq(device_skip_block(dut, 37), 0);
        ck_assert_int_eq(device_skip_block(dut, 35), 0);
        ck_assert_int_eq(device_skip_block(dut, 37), 0);
        ck_assert_uint_eq(dut->skipped_blocks, 2);
        ck_assert_uint_eq(dut->skipped[0], 35);
        ck_assert_uint_eq(dut->skipped[1], 37);

        /* device_observe() counts skipped blocks as satisfied. */
        {
                struct rule r = rule_ram(DT_ZONE_MOVABLE);

                fake_on_kmem(fdev, BLOCK_ONLINE, "Movable");
                fk.blocks[35].state = BLOCK_OFFLINE;
                fk.blocks[37].state = BLOCK_OFFLINE;
                want_from_rule(&dut->want, &r);
                ck_assert_int_eq(fake_read_facts(&fk, "dax0.0", &dut->facts), 0);
                ck_assert_int_eq(device_observe(dut, &fake_backend, &fk), DEV_ONLINE);
                ck_assert_uint_eq(dut->online_blocks, N_BLOCKS - 2);
                /* An offline block that is not skipped is not. */
                fk.blocks[36].state = BLOCK_OFFLINE;
                ck_assert_int_eq(device_observe(dut, &fake_backend, &fk), DEV_KMEM);
        }

        /* A new job looks at the poison afresh. */
        ck_assert_int_eq(device_job_start(dut), 0);
        ck_assert_uint_eq(dut->skipped_blocks, 0);
        device_job_abort(dut, "done", NULL);
}
END_TEST

/* (i) device_poison_ranges() clips the region's list to the device */
START_TEST(test_poison_ranges_clip) {
        struct bad_range out[8];

        fake_pmem(fdev);
        ck_assert_int_eq(fake_read_facts(&fk, "dax0.0", &dut->facts), 0);
        ck_assert_int_eq(device_poison_ranges(dut, &fake_backend, &fk, out, ELEMENTSOF(out)), 0);

        fake_add_bad(REGION_START, 512, false);                 /* below */
        fake_add_bad(DEV_START - 512, 1024, false);             /* across the start */
        fake_add_bad(DEV_START + BLOCK_ADDR(4), 4096, false);    /* inside */
        fake_add_bad(DEV_END - 1024, 4096, false);              /* across the end */
        fake_add_bad(DEV_END, 512, false);                      /* right after */
        fake_add_bad(DEV_START - 512, 512, false);              /* right before */
        memset(out, 0xff, sizeof(out));
        ck_assert_int_eq(device_poison_ranges(dut, &fake_backend, &fk, out, ELEMENTSOF(out)), 3);
        ck_assert_uint_eq(out[0].start, DEV_START);
        ck_assert_uint_eq(out[0].len, 512);
        ck_assert_uint_eq(out[1].start, DEV_START + BLOCK_ADDR(4));
        ck_assert_uint_eq(out[1].len, 4096);
        ck_assert_uint_eq(out[2].start, DEV_END - 1024);
        ck_assert_uint_eq(out[2].len, 1024);
        /* Reading does not clear. */
        ck_assert_uint_eq(fk.n_clear_error, 0);
        ck_assert_uint_eq(fk.n_bad, 6);

        /* The count, filling at most max. */
        memset(out, 0xff, sizeof(out));
        ck_assert_int_eq(device_poison_ranges(dut, &fake_backend, &fk, out, 1), 3);
        ck_assert_uint_eq(out[0].start, DEV_START);
        ck_assert_uint_eq(out[1].start, UINT64_MAX);

        /* A device of two ranges. */
        dut->facts.n_ranges = 2;
        dut->facts.ranges[0] = (struct dax_range) { DEV_START, DEV_START + BLOCK_SIZE - 1 };
        dut->facts.ranges[1] = (struct dax_range) { DEV_START + BLOCK_ADDR(4), DEV_END - 512 - 1 };
        ck_assert_int_eq(device_poison_ranges(dut, &fake_backend, &fk, out, ELEMENTSOF(out)), 3);
        ck_assert_uint_eq(out[0].start, DEV_START);
        ck_assert_uint_eq(out[0].len, 512);
        ck_assert_uint_eq(out[1].start, DEV_START + BLOCK_ADDR(4));
        ck_assert_uint_eq(out[1].len, 4096);
        ck_assert_uint_eq(out[2].start, DEV_END - 1024);
        ck_assert_uint_eq(out[2].len, 512);

        /* Errors come through, for CXL too, except that a CXL memdev
         * without a poison list knows no poison; hmem has none. */
        fk.badblocks_err = -EIO;
        ck_assert_int_eq(device_poison_ranges(dut, &fake_backend, &fk, out, ELEMENTSOF(out)), -EIO);
        dut->facts.source = DT_SOURCE_CXL;
        ck_assert_int_eq(device_poison_ranges(dut, &fake_backend, &fk, out, ELEMENTSOF(out)), -EIO);
        fk.badblocks_err = -EOPNOTSUPP;
        ck_assert_int_eq(device_poison_ranges(dut, &fake_backend, &fk, out, ELEMENTSOF(out)), 0);
        fk.badblocks_err = -EIO;
        dut->facts.source = DT_SOURCE_HMEM;
        ck_assert_int_eq(device_poison_ranges(dut, &fake_backend, &fk, out, ELEMENTSOF(out)), 0);
}
END_TEST


/* ---- poison while the daemon runs (device_runtime_poison) -------------- */

#define RETRY_USEC (UINT64_C(4) * 1000000)

/* dax0.0 as pmem, online in Movable as its rule (on_runtime_poison as
 * given) wants, no job: what the manager has when a badblocks file
 * changes. */
static void runtime_online(enum dt_on_runtime_poison what) {
        struct rule r = rule_poison(DT_SCRUB_BADBLOCKS, DT_ON_POISON_SKIP_BLOCKS, DT_SCRUB_UNSUPPORTED_PROCEED);

        r.on_runtime_poison = what;
        fake_pmem(fdev);
        fake_on_kmem(fdev, BLOCK_ONLINE, "Movable");
        ck_assert_int_eq(prepare(dut, &r), DEV_ONLINE);
        ck_assert_uint_eq(dut->online_blocks, N_BLOCKS);
}

static int runtime(uint64_t retry_usec) {
        return device_runtime_poison(dut, &fake_backend, &fk, BLOCK_SIZE, retry_usec, &observer);
}

START_TEST(test_runtime_poison_offline) {
        const uint64_t at = DEV_START + BLOCK_ADDR(3) + 4096;   /* memory35 */

        runtime_online(DT_ON_RUNTIME_POISON_OFFLINE_BLOCK);
        ck_assert_int_eq(runtime(RETRY_USEC), 0);              /* no poison: nothing */
        ck_assert_uint_eq(rec.n_poison, 0);

        fake_add_bad(at, 512, true);
        ck_assert_int_eq(runtime(RETRY_USEC), DEV_POISON_CHANGED);
        ck_assert_int_eq(fk.blocks[35].state, BLOCK_OFFLINE);
        for (unsigned b = FIRST_BLOCK; b <= LAST_BLOCK; b++)
                if (b != 35)
                        ck_assert_int_eq(fk.blocks[b].state, BLOCK_ONLINE);
        ck_assert_uint_eq(log_count_prefix("block_set "), 1);
        ck_assert_int_ge(log_find("block_set 35 offline"), 0);
        ck_assert_uint_eq(dut->skipped_blocks, 1);
        ck_assert_uint_eq(dut->skipped[0], 35);
        ck_assert_uint_eq(dut->online_blocks, N_BLOCKS - 1);
        ck_assert_uint_eq(dut->badblocks, 1);
        /* Poison in online memory is not cleared: it may be in use. */
        ck_assert_uint_eq(fk.n_clear_error, 0);

        ck_assert_uint_eq(rec.n_poison, 1);
        ck_assert_int_eq(rec.poison[0].priority, LOG_WARNING);
        ck_assert_contains(rec.poison[0].msg, "new poison in online memory");
        ck_assert_contains(rec.poison[0].msg, range_str(at, 512));
        ck_assert_contains(rec.poison[0].msg, "on_runtime_poison = offline-block");
        ck_assert_contains(rec.poison[0].msg, "memory35 offlined");
        ck_assert_not_contains(rec.poison[0].msg, "retrying");

        /* The same poison again (another notification): no news, no writes. */
        ck_assert_int_eq(runtime(RETRY_USEC), DEV_POISON_CHANGED);
        ck_assert_uint_eq(rec.n_poison, 1);
        ck_assert_uint_eq(log_count_prefix("block_set "), 1);
        ck_assert_uint_eq(dut->skipped_blocks, 1);
        /* The device is still what its rule wants, the block left out. */
        ck_assert_int_eq(device_observe(dut, &fake_backend, &fk), DEV_ONLINE);
        ck_assert_uint_eq(dut->online_blocks, N_BLOCKS - 1);

        /* The poison went away (cleared by someone): the count follows. */
        fk.n_bad = 0;
        ck_assert_int_eq(runtime(RETRY_USEC), DEV_POISON_CHANGED);
        ck_assert_uint_eq(dut->badblocks, 0);
        ck_assert_int_eq(runtime(RETRY_USEC), 0);
        ck_assert_uint_eq(rec.n_poison, 1);
}
END_TEST

START_TEST(test_runtime_poison_retry) {
        runtime_online(DT_ON_RUNTIME_POISON_OFFLINE_BLOCK);
        fake_add_bad(DEV_START + BLOCK_ADDR(2), 512, true);     /* memory34 */
        fk.blocks[34].offline_err = -EBUSY;

        ck_assert_int_eq(runtime(RETRY_USEC), DEV_POISON_CHANGED | DEV_POISON_RETRY);
        ck_assert_int_eq(fk.blocks[34].state, BLOCK_ONLINE);
        ck_assert_uint_eq(dut->skipped_blocks, 0);
        ck_assert_uint_eq(dut->online_blocks, N_BLOCKS);
        ck_assert_uint_eq(rec.n_poison, 1);
        ck_assert_int_eq(rec.poison[0].priority, LOG_ERR);
        ck_assert_contains(rec.poison[0].msg, "memory34 would not go offline (Device or resource busy)");
        ck_assert_contains(rec.poison[0].msg, "retrying in 4 s");

        /* Still busy at the retry: said again, with the next delay. */
        ck_assert_int_eq(runtime(poison_backoff_next(RETRY_USEC)), DEV_POISON_CHANGED | DEV_POISON_RETRY);
        ck_assert_uint_eq(rec.n_poison, 2);
        ck_assert_contains(rec.poison[1].msg, "retrying in 8 s");

        /* The pages could be migrated at last. */
        fk.blocks[34].offline_err = 0;
        ck_assert_int_eq(runtime(poison_backoff_next(8 * 1000000)), DEV_POISON_CHANGED);
        ck_assert_int_eq(fk.blocks[34].state, BLOCK_OFFLINE);
        ck_assert_uint_eq(dut->skipped_blocks, 1);
        ck_assert_uint_eq(dut->online_blocks, N_BLOCKS - 1);
        ck_assert_uint_eq(rec.n_poison, 3);
        ck_assert_int_eq(rec.poison[2].priority, LOG_WARNING);
        ck_assert_contains(rec.poison[2].msg, "memory34 offlined");
        ck_assert_not_contains(rec.poison[2].msg, "retrying");
}
END_TEST

START_TEST(test_runtime_poison_backoff) {
        uint64_t d = 0;
        const uint64_t want[] = { 1, 2, 4, 8, 16, 32, 64, 64, 64 };

        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                d = poison_backoff_next(d);
                ck_assert_uint_eq(d, want[i] * 1000000);
        }
        ck_assert_uint_eq(poison_backoff_next(0), POISON_BACKOFF_FIRST_USEC);
        ck_assert_uint_eq(poison_backoff_next(UINT64_MAX), POISON_BACKOFF_MAX_USEC);
        ck_assert_uint_eq(poison_backoff_next(40 * 1000000), POISON_BACKOFF_MAX_USEC);
}
END_TEST

START_TEST(test_runtime_poison_log_only) {
        runtime_online(DT_ON_RUNTIME_POISON_LOG);
        fake_add_bad(DEV_START + BLOCK_ADDR(5), 4096, true);    /* memory37 */

        ck_assert_int_eq(runtime(RETRY_USEC), DEV_POISON_CHANGED);
        expect_blocks(BLOCK_ONLINE, "Movable");
        ck_assert_uint_eq(log_count_prefix("block_set "), 0);
        ck_assert_uint_eq(dut->skipped_blocks, 0);
        ck_assert_uint_eq(dut->badblocks, 1);
        ck_assert_uint_eq(rec.n_poison, 1);
        ck_assert_int_eq(rec.poison[0].priority, LOG_WARNING);
        ck_assert_contains(rec.poison[0].msg, "on_runtime_poison = log");
        ck_assert_contains(rec.poison[0].msg, "memory37 stays online");
        /* Not news the second time. */
        ck_assert_int_eq(runtime(RETRY_USEC), DEV_POISON_CHANGED);
        ck_assert_uint_eq(rec.n_poison, 1);
}
END_TEST

/* A block the kernel's memory-failure handling already took offline is
 * kept offline: onto the skipped list, no write. */
START_TEST(test_runtime_poison_already_offline) {
        runtime_online(DT_ON_RUNTIME_POISON_OFFLINE_BLOCK);
        fake_add_bad(DEV_START + BLOCK_ADDR(0), 512, true);     /* memory32 */
        ck_assert_int_eq(fake_block_set(&fk, 32, "offline"), 0);
        fk.n_log = 0;

        ck_assert_int_eq(runtime(RETRY_USEC), DEV_POISON_CHANGED);
        ck_assert_uint_eq(log_count_prefix("block_set "), 0);
        ck_assert_uint_eq(dut->skipped_blocks, 1);
        ck_assert_uint_eq(dut->skipped[0], 32);
        /* News (a new range), but nothing done: no record. */
        ck_assert_uint_eq(rec.n_poison, 0);
        ck_assert_uint_eq(dut->badblocks, 1);
}
END_TEST

START_TEST(test_runtime_poison_devdax_cleared) {
        struct rule r = rule_poison(DT_SCRUB_BADBLOCKS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);
        const uint64_t at = DEV_START + BLOCK_ADDR(4);

        r.mode = DT_MODE_DEVDAX;
        fake_pmem(fdev);
        ck_assert_int_eq(prepare(dut, &r), DEV_DEVDAX);
        fake_add_bad(at, 512, false);

        ck_assert_int_eq(runtime(RETRY_USEC), DEV_POISON_CHANGED);
        ck_assert_uint_eq(fk.n_clear_error, 1);
        ck_assert_uint_eq(fk.clears[0].start, at);
        ck_assert_uint_eq(fk.clears[0].len, 512);
        ck_assert_uint_eq(fk.n_bad, 0);
        ck_assert_uint_eq(dut->cleared_bytes, 512);
        ck_assert_uint_eq(dut->badblocks, 0);
        ck_assert_uint_eq(rec.n_poison, 1);
        ck_assert_int_eq(rec.poison[0].priority, LOG_NOTICE);
        ck_assert_contains(rec.poison[0].msg, "new poison while devdax");
        ck_assert_contains(rec.poison[0].msg, "cleared 512 bytes; 0 ranges left");

        /* Poison the platform cannot clear: said once, at warning. */
        fake_add_bad(at + 4096, 512, true);
        ck_assert_int_eq(runtime(RETRY_USEC), DEV_POISON_CHANGED);
        ck_assert_uint_eq(dut->badblocks, 1);
        ck_assert_uint_eq(rec.n_poison, 2);
        ck_assert_int_eq(rec.poison[1].priority, LOG_WARNING);
        ck_assert_contains(rec.poison[1].msg, "1 range left");
        ck_assert_int_eq(runtime(RETRY_USEC), 0);
        ck_assert_uint_eq(rec.n_poison, 2);
        ck_assert_uint_eq(fk.n_clear_error, 2);
        /* Never a block write for a devdax device. */
        ck_assert_uint_eq(log_count_prefix("block_set "), 0);
}
END_TEST

START_TEST(test_runtime_poison_devdax_clear_fails) {
        struct rule r = rule_poison(DT_SCRUB_BADBLOCKS, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);

        r.mode = DT_MODE_DEVDAX;
        fake_pmem(fdev);
        prepare(dut, &r);
        fake_add_bad(DEV_START, 512, false);
        fk.clear_err = -EOPNOTSUPP;

        ck_assert_int_eq(runtime(RETRY_USEC), DEV_POISON_CHANGED);
        ck_assert_uint_eq(dut->badblocks, 1);
        ck_assert_uint_eq(dut->cleared_bytes, 0);
        ck_assert_uint_eq(rec.n_poison, 1);
        ck_assert_contains(rec.poison[0].msg, "cleared 0 bytes; 1 range left; clear-error: Operation not supported");
}
END_TEST

START_TEST(test_runtime_poison_devdax_scrub_none) {
        struct rule r = rule_poison(DT_SCRUB_NONE, DT_ON_POISON_REFUSE, DT_SCRUB_UNSUPPORTED_PROCEED);

        r.mode = DT_MODE_DEVDAX;
        fake_pmem(fdev);
        prepare(dut, &r);
        fake_add_bad(DEV_START, 512, false);

        ck_assert_int_eq(runtime(RETRY_USEC), 0);
        ck_assert_uint_eq(fk.n_clear_error, 0);
        ck_assert_uint_eq(fk.n_bad, 1);
        ck_assert_uint_eq(dut->badblocks, 1);
        ck_assert_uint_eq(rec.n_poison, 1);
        ck_assert_int_eq(rec.poison[0].priority, LOG_WARNING);
        ck_assert_contains(rec.poison[0].msg, "scrub = none: not cleared");
        ck_assert_int_eq(runtime(RETRY_USEC), 0);
        ck_assert_uint_eq(rec.n_poison, 1);
}
END_TEST

/* Not the daemon's to touch here: a device with a job (the job looks at
 * poison itself), an unmanaged one, one that is not pmem. */
START_TEST(test_runtime_poison_left_alone) {
        struct rule ignore = make_rule(DT_MODE_IGNORE, DT_ZONE_MOVABLE, -1, DT_MEMMAP_NO);

        runtime_online(DT_ON_RUNTIME_POISON_OFFLINE_BLOCK);
        fake_add_bad(DEV_START, 512, true);
        ck_assert_int_eq(device_job_start(dut), 0);
        ck_assert_int_eq(runtime(RETRY_USEC), 0);
        device_job_abort(dut, "test", NULL);

        want_from_rule(&dut->want, &ignore);
        ck_assert_int_eq(runtime(RETRY_USEC), 0);

        prepare(dut, &(struct rule) { .name = (char *) "x", .mode = DT_MODE_SYSTEM_RAM });
        dut->facts.source = DT_SOURCE_HMEM;
        ck_assert_int_eq(runtime(RETRY_USEC), 0);

        ck_assert_uint_eq(log_count_prefix("block_set "), 0);
        ck_assert_uint_eq(fk.n_badblocks, 0);
        ck_assert_uint_eq(rec.n_poison, 0);
        ck_assert_uint_eq(dut->skipped_blocks, 0);
}
END_TEST

/* CXL memory online through kmem: new poison in its memdevs' lists (a
 * media event made the manager look) takes its block offline, as for
 * pmem; a devdax CXL device is left alone (no CXL poison is cleared). */
START_TEST(test_runtime_poison_cxl) {
        struct rule r = rule_poison(DT_SCRUB_BADBLOCKS, DT_ON_POISON_SKIP_BLOCKS, DT_SCRUB_UNSUPPORTED_PROCEED);
        const uint64_t at = DEV_START + BLOCK_ADDR(4) + 64;     /* memory36 */

        r.on_runtime_poison = DT_ON_RUNTIME_POISON_OFFLINE_BLOCK;
        fake_cxl(fdev);
        fake_on_kmem(fdev, BLOCK_ONLINE, "Movable");
        ck_assert_int_eq(prepare(dut, &r), DEV_ONLINE);
        ck_assert_int_eq(runtime(RETRY_USEC), 0);
        fake_add_bad(at, 64, false);
        ck_assert_int_eq(runtime(RETRY_USEC), DEV_POISON_CHANGED);
        ck_assert_int_eq(fk.blocks[36].state, BLOCK_OFFLINE);
        ck_assert_uint_eq(log_count_prefix("block_set "), 1);
        ck_assert_uint_eq(dut->online_blocks, N_BLOCKS - 1);
        ck_assert_uint_eq(dut->badblocks, 1);
        ck_assert_uint_eq(fk.n_clear_error, 0);
        ck_assert_uint_eq(rec.n_poison, 1);
        ck_assert_contains(rec.poison[0].msg, "memory36 offlined");

        /* On device_dax: not ours to clear. */
        fdev->facts.driver = DRV_DEVICE_DAX;
        dut->facts.driver = DRV_DEVICE_DAX;
        ck_assert_int_eq(runtime(RETRY_USEC), 0);
        ck_assert_uint_eq(rec.n_poison, 1);
        ck_assert_uint_eq(fk.n_clear_error, 0);
}
END_TEST

/* The one clear loop of the job and of runtime poison. */
START_TEST(test_clear_ranges) {
        struct bad_range bad[] = { { DEV_START, 512 }, { DEV_START + 8192, 1024 } };
        uint64_t cleared = 99;

        fake_pmem(fdev);
        prepare(dut, &(struct rule) { .name = (char *) "x", .mode = DT_MODE_DEVDAX });
        fake_add_bad(DEV_START, 512, false);
        fake_add_bad(DEV_START + 8192, 1024, false);
        ck_assert_int_eq(device_clear_ranges(dut, &fake_backend, &fk, bad, 2, &cleared), 0);
        ck_assert_uint_eq(cleared, 1536);
        ck_assert_uint_eq(dut->cleared_bytes, 1536);
        ck_assert_uint_eq(fk.n_bad, 0);

        fk.clear_err = -EIO;
        ck_assert_int_eq(device_clear_ranges(dut, &fake_backend, &fk, bad, 2, &cleared), -EIO);
        ck_assert_uint_eq(cleared, 0);
        ck_assert_uint_eq(fk.n_clear_error, 4);         /* every range is tried */
        ck_assert_uint_eq(dut->cleared_bytes, 1536);

        /* A backend that cannot clear at all. */
        struct backend nocl = fake_backend;
        nocl.clear_error = NULL;
        ck_assert_int_eq(device_clear_ranges(dut, &nocl, &fk, bad, 2, &cleared), -EOPNOTSUPP);
        ck_assert_uint_eq(fk.n_clear_error, 4);
}
END_TEST

/* ---- kernel 7.3: the kmem state attribute ------------------------------ */

START_TEST(test_kmem_state_online_movable) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);
        long bind, unplug, online;

        fk.kmem_state = true;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding onlining online");
        bind = log_find("bind dax0.0 kmem");
        unplug = log_find("kmem_state dax0.0 unplugged");
        online = log_find("kmem_state dax0.0 online_movable");
        ck_assert_int_ge(bind, 0);
        ck_assert_int_gt(unplug, bind);
        ck_assert_int_gt(online, unplug);
        /* One write onlined it all: no block was written. */
        ck_assert_uint_eq(log_count_prefix("block_set "), 0);
        expect_blocks(BLOCK_ONLINE, "Movable");
        ck_assert_pstr_eq(dut->online_path, "kmem-state");
        ck_assert_str_eq(fdev->kstate, "online_movable");
        ck_assert_uint_eq(dut->online_blocks, N_BLOCKS);
        ck_assert_uint_eq(fk.node_mem[1], N_BLOCKS * BLOCK_SIZE);
        ck_assert_uint_eq(rec.n_notes, 0);
}
END_TEST

START_TEST(test_kmem_state_online_kernel) {
        struct rule r = rule_ram(DT_ZONE_NORMAL);

        fk.kmem_state = true;
        /* Debian's default: the daemon holds it at offline for the bind. */
        snprintf(fk.auto_online, sizeof(fk.auto_online), "online");
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding onlining online");
        ck_assert_int_ge(log_find("kmem_state dax0.0 online_kernel"), 0);
        ck_assert_uint_eq(log_count_prefix("block_set "), 0);
        expect_blocks(BLOCK_ONLINE, "Normal");
        ck_assert_pstr_eq(dut->online_path, "kmem-state");
        ck_assert_str_eq(fk.auto_online, "online");
}
END_TEST

START_TEST(test_kmem_state_absent_per_block) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        prepare(dut, &r);
        run_job(dut);

        ck_assert_uint_eq(log_count_prefix("kmem_state "), 0);
        ck_assert_uint_eq(log_count_prefix("block_set "), N_BLOCKS);
        ck_assert_pstr_eq(dut->online_path, "per-block");
        expect_blocks(BLOCK_ONLINE, "Movable");
}
END_TEST

/* "unplugged" refused: the blocks are still there, offline; per block. */
START_TEST(test_kmem_state_unplug_fails_fallback) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fk.kmem_state = true;
        fk.kstate_unplug_err = -EBUSY;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding onlining online");
        ck_assert_int_lt(log_find("kmem_state dax0.0 online_movable"), 0);
        ck_assert_uint_eq(log_count_prefix("block_set "), N_BLOCKS);
        ck_assert_pstr_eq(dut->online_path, "per-block");
        ck_assert_contains(note_msg(NOTE_AUTO_ONLINE_HELD), "block by block");
        expect_blocks(BLOCK_ONLINE, "Movable");
}
END_TEST

/* An unreadable state: per block, and said so. */
START_TEST(test_kmem_state_unreadable_fallback) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fk.kmem_state = true;
        fk.kstate_get_err = -EIO;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_uint_eq(log_count_prefix("kmem_state "), 0);
        ck_assert_pstr_eq(dut->online_path, "per-block");
        ck_assert_contains(note_msg(NOTE_AUTO_ONLINE_HELD), "cannot read the kmem state");
        expect_blocks(BLOCK_ONLINE, "Movable");
}
END_TEST

/* The online write fails: the memory is unplugged, the job says so. */
START_TEST(test_kmem_state_online_fails) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fk.kmem_state = true;
        fk.kstate_online_err = -ENOMEM;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "devdax checking binding onlining failed");
        ck_assert_contains(note_msg(NOTE_AUTO_ONLINE_HELD), "online_movable");
        ck_assert_contains(note_msg(NOTE_AUTO_ONLINE_HELD), strerror(ENOMEM));
        ck_assert_contains(last_reason(), "not added by kmem");
        ck_assert_uint_eq(log_count_prefix("block_set "), 0);
        ck_assert_str_eq(fdev->kstate, "unplugged");
}
END_TEST

/* The kernel ignores a block that refuses to online; the per-block
 * verification finds it, tries it, and fails the job naming it. */
START_TEST(test_kmem_state_block_refuses) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fk.kmem_state = true;
        fk.blocks[36].online_err = -EHWPOISON;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(fdev->kstate, "online_movable");
        ck_assert_str_eq(path(), "devdax checking binding onlining failed");
        ck_assert_contains(last_reason(), "memory36");
        ck_assert_int_eq(fk.blocks[36].state, BLOCK_OFFLINE);
        ck_assert_int_eq(fk.blocks[35].state, BLOCK_ONLINE);
        ck_assert_uint_eq(log_count_prefix("block_set "), 1);
}
END_TEST

/* Already online in the rule's zone (a restart): nothing is removed. */
START_TEST(test_kmem_state_already_online) {
        struct rule r = rule_ram(DT_ZONE_MOVABLE);

        fk.kmem_state = true;
        fake_on_kmem(fdev, BLOCK_ONLINE, "Movable");
        prepare(dut, &r);
        if (dut->state != DEV_ONLINE)
                run_job(dut);
        ck_assert_uint_eq(log_count_prefix("kmem_state "), 0);
        expect_blocks(BLOCK_ONLINE, "Movable");
}
END_TEST

START_TEST(test_kmem_state_to_devdax) {
        struct rule r = make_rule(DT_MODE_DEVDAX, DT_ZONE_MOVABLE, -1, DT_MEMMAP_NO);
        long unplug, bind;

        fk.kmem_state = true;
        fake_on_kmem(fdev, BLOCK_ONLINE, "Movable");
        ck_assert_int_eq(prepare(dut, &r), DEV_ONLINE);
        run_job(dut);

        ck_assert_str_eq(path(), "online checking offlining binding devdax");
        unplug = log_find("kmem_state dax0.0 unplugged");
        bind = log_find("bind dax0.0 device_dax");
        ck_assert_int_ge(unplug, 0);
        ck_assert_int_gt(bind, unplug);
        ck_assert_uint_eq(log_count_prefix("block_set "), 0);
        ck_assert_pstr_eq(dut->online_path, "kmem-state");
        ck_assert_int_eq(fdev->facts.driver, DRV_DEVICE_DAX);
        expect_blocks(BLOCK_ABSENT, NULL);
        ck_assert_uint_eq(fk.node_mem[1], 0);
        ck_assert_uint_eq(dut->online_blocks, 0);
}
END_TEST

/* One block in use: the kernel offlines all or nothing; the device stays
 * on kmem, online, and the record names the error. */
START_TEST(test_kmem_state_to_devdax_busy) {
        struct rule r = make_rule(DT_MODE_DEVDAX, DT_ZONE_MOVABLE, -1, DT_MEMMAP_NO);

        fk.kmem_state = true;
        fake_on_kmem(fdev, BLOCK_ONLINE, "Movable");
        fk.blocks[35].offline_err = -EBUSY;
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "online checking offlining failed");
        /* The per-block steps name the block, retry, and put back. */
        ck_assert_contains(note_msg(NOTE_BLOCK_STUCK), "unplugged");
        ck_assert_contains(last_reason(), "memory35");
        ck_assert_contains(last_reason(), strerror(EBUSY));
        ck_assert_contains(last_reason(), "all of it online again");
        ck_assert_int_lt(log_find("bind dax0.0 device_dax"), 0);
        ck_assert_int_eq(fdev->facts.driver, DRV_KMEM);
        expect_blocks(BLOCK_ONLINE, "Movable");
        ck_assert_str_eq(fdev->kstate, "online_movable");
}
END_TEST

/* 6.x: no attribute, block by block as before. */
START_TEST(test_kmem_state_to_devdax_absent) {
        struct rule r = make_rule(DT_MODE_DEVDAX, DT_ZONE_MOVABLE, -1, DT_MEMMAP_NO);

        fake_on_kmem(fdev, BLOCK_ONLINE, "Movable");
        prepare(dut, &r);
        run_job(dut);

        ck_assert_str_eq(path(), "online checking offlining binding devdax");
        ck_assert_uint_eq(log_count_prefix("block_set "), N_BLOCKS);
        ck_assert_pstr_eq(dut->online_path, "per-block");
}
END_TEST

static Suite *device_suite(void) {
        Suite *s = suite_create("device");
        TCase *tc;

        tc = tcase_create("to-system-ram");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_devdax_to_movable);
        tcase_add_test(tc, test_zone_normal);
        tcase_add_test(tc, test_unbound_to_ram);
        tcase_add_test(tc, test_large_device);
        tcase_add_test(tc, test_target_node_match);
        tcase_add_test(tc, test_partly_online);
        tcase_add_test(tc, test_already_online);
        suite_add_tcase(s, tc);

        tc = tcase_create("refusals");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_target_node_mismatch);
        tcase_add_test(tc, test_holders);
        tcase_add_test(tc, test_holders_unknown);
        tcase_add_test(tc, test_holders_appear_during_scrub);
        tcase_add_test(tc, test_security_lost_during_scrub);
        tcase_add_test(tc, test_retry_after_refusal);
        tcase_add_test(tc, test_small_device_refused);
        tcase_add_test(tc, test_other_driver_refused);
        suite_add_tcase(s, tc);

        tc = tcase_create("memmap");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_memmap_yes_unsupported);
        tcase_add_test(tc, test_memmap_yes_no_attribute);
        tcase_add_test(tc, test_memmap_auto_unsupported);
        tcase_add_test(tc, test_memmap_yes_supported);
        tcase_add_test(tc, test_memmap_no_clears_leftover);
        tcase_add_test(tc, test_memmap_set_refused);
        tcase_add_test(tc, test_memmap_yes_already_on_kmem);
        suite_add_tcase(s, tc);

        tc = tcase_create("auto-online");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_auto_online_held);
        tcase_add_test(tc, test_auto_online_hold_visible);
        tcase_add_test(tc, test_auto_online_movable_held);
        tcase_add_test(tc, test_auto_online_already_offline);
        tcase_add_test(tc, test_auto_online_hold_fails);
        tcase_add_test(tc, test_auto_online_restore_fails);
        tcase_add_test(tc, test_online_at_bind_movable);
        tcase_add_test(tc, test_online_at_bind_normal);
        tcase_add_test(tc, test_online_at_bind_already_set);
        tcase_add_test(tc, test_online_at_bind_set_fails);
        tcase_add_test(tc, test_online_at_bind_not_with_poison);
        suite_add_tcase(s, tc);

        tc = tcase_create("rezone-and-stuck");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_rezone_normal_to_movable);
        tcase_add_test(tc, test_rezone_movable_to_normal);
        tcase_add_test(tc, test_rezone_after_udev_onliner);
        tcase_add_test(tc, test_rezone_block_stuck);
        tcase_add_test(tc, test_cxl_onlined_before_daemon);
        tcase_add_test(tc, test_pmem_block_stuck_no_hint);
        tcase_add_test(tc, test_online_block_fails);
        tcase_add_test(tc, test_online_block_unreadable);
        tcase_add_test(tc, test_competitor_after_onlining);
        tcase_add_test(tc, test_many_stuck_blocks);
        suite_add_tcase(s, tc);

        tc = tcase_create("kmem-state");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_kmem_state_online_movable);
        tcase_add_test(tc, test_kmem_state_online_kernel);
        tcase_add_test(tc, test_kmem_state_absent_per_block);
        tcase_add_test(tc, test_kmem_state_unplug_fails_fallback);
        tcase_add_test(tc, test_kmem_state_unreadable_fallback);
        tcase_add_test(tc, test_kmem_state_online_fails);
        tcase_add_test(tc, test_kmem_state_block_refuses);
        tcase_add_test(tc, test_kmem_state_already_online);
        tcase_add_test(tc, test_kmem_state_to_devdax);
        tcase_add_test(tc, test_kmem_state_to_devdax_busy);
        tcase_add_test(tc, test_kmem_state_to_devdax_absent);
        suite_add_tcase(s, tc);

        tc = tcase_create("to-devdax");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_ram_to_devdax);
        tcase_add_test(tc, test_ram_to_devdax_partly_offline);
        tcase_add_test(tc, test_ram_to_devdax_block_stuck);
        tcase_add_test(tc, test_ram_to_devdax_block_busy_once);
        tcase_add_test(tc, test_kmem_missing);
        tcase_add_test(tc, test_ram_to_devdax_block_unreadable);
        tcase_add_test(tc, test_unbound_to_devdax);
        tcase_add_test(tc, test_devdax_stays_devdax);
        tcase_add_test(tc, test_devdax_bind_fails);
        suite_add_tcase(s, tc);

        tc = tcase_create("failures");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_node_mem_not_growing);
        tcase_add_test(tc, test_node_mem_shrank);
        tcase_add_test(tc, test_node_mem_unreadable);
        tcase_add_test(tc, test_bind_fails);
        tcase_add_test(tc, test_bind_fails_after_unbind);
        tcase_add_test(tc, test_bind_does_not_take);
        tcase_add_test(tc, test_bind_kmem_rejects_node);
        tcase_add_test(tc, test_block_size_unknown);
        tcase_add_test(tc, test_read_facts_fails);
        tcase_add_test(tc, test_read_facts_fails_after_bind);
        tcase_add_test(tc, test_abort);
        suite_add_tcase(s, tc);

        tc = tcase_create("observe");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_observe_unmanaged);
        tcase_add_test(tc, test_observe_kmem_partly_offline);
        tcase_add_test(tc, test_observe_online_in_zone);
        tcase_add_test(tc, test_observe_wrong_zone);
        tcase_add_test(tc, test_observe_mixed_zones);
        tcase_add_test(tc, test_observe_unbound);
        tcase_add_test(tc, test_observe_devdax);
        tcase_add_test(tc, test_observe_resets_counters);
        tcase_add_test(tc, test_observe_large_online);
        suite_add_tcase(s, tc);

        tc = tcase_create("blocks");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_blocks_aligned);
        tcase_add_test(tc, test_blocks_unaligned_start);
        tcase_add_test(tc, test_blocks_unaligned_end);
        tcase_add_test(tc, test_blocks_multiple_ranges);
        tcase_add_test(tc, test_blocks_truncated_and_degenerate);
        tcase_add_test(tc, test_blocks_near_2_64);
        tcase_add_test(tc, test_blocks_smaller_than_block);
        suite_add_tcase(s, tc);

        tc = tcase_create("scrub");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_ars_scrub);
        tcase_add_test(tc, test_ars_scrub_quick);
        tcase_add_test(tc, test_ars_not_on_kmem);
        tcase_add_test(tc, test_ars_unsupported_proceed);
        tcase_add_test(tc, test_ars_unsupported_source);
        tcase_add_test(tc, test_ars_unsupported_refuse);
        tcase_add_test(tc, test_ars_start_fails);
        tcase_add_test(tc, test_ars_busy_fails);
        tcase_add_test(tc, test_ars_timeout);
        tcase_add_test(tc, test_ars_timeout_runner);
        tcase_add_loop_test(tc, test_scrub_outcomes, 0, ELEMENTSOF(outcomes));
        tcase_add_test(tc, test_scrub_note_kinds);
        tcase_add_test(tc, test_abort_while_scrubbing);
        tcase_add_test(tc, test_scrub_badblocks_no_ars);
        tcase_add_test(tc, test_scrub_none_no_badblocks);
        suite_add_tcase(s, tc);

        tc = tcase_create("poison");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_poison_cleared);
        tcase_add_test(tc, test_poison_clear_fails);
        tcase_add_test(tc, test_badblocks_unreadable);
        tcase_add_test(tc, test_poison_refused);
        tcase_add_test(tc, test_poison_skip_blocks);
        tcase_add_test(tc, test_cxl_poison_skip_blocks);
        tcase_add_test(tc, test_cxl_poison_refused);
        tcase_add_test(tc, test_cxl_poison_refused_kernel_kmem);
        tcase_add_test(tc, test_cxl_poison_refused_move_fails);
        tcase_add_test(tc, test_cxl_match_facts_other_sources);
        tcase_add_test(tc, test_poison_skip_spanning_range);
        tcase_add_test(tc, test_poison_skip_on_kmem);
        tcase_add_test(tc, test_poison_skip_after_competing_onliner);
        tcase_add_test(tc, test_poison_skip_partial_block);
        tcase_add_test(tc, test_small_device_refused_after_clearing);
        tcase_add_test(tc, test_skip_block_dedup);
        tcase_add_test(tc, test_poison_ranges_clip);
        suite_add_tcase(s, tc);

        tc = tcase_create("runtime-poison");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_runtime_poison_offline);
        tcase_add_test(tc, test_runtime_poison_retry);
        tcase_add_test(tc, test_runtime_poison_backoff);
        tcase_add_test(tc, test_runtime_poison_log_only);
        tcase_add_test(tc, test_runtime_poison_already_offline);
        tcase_add_test(tc, test_runtime_poison_devdax_cleared);
        tcase_add_test(tc, test_runtime_poison_devdax_clear_fails);
        tcase_add_test(tc, test_runtime_poison_devdax_scrub_none);
        tcase_add_test(tc, test_runtime_poison_left_alone);
        tcase_add_test(tc, test_runtime_poison_cxl);
        tcase_add_test(tc, test_clear_ranges);
        suite_add_tcase(s, tc);

        tc = tcase_create("basics");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_state_strings);
        tcase_add_test(tc, test_want_and_match);
        tcase_add_test(tc, test_device_new);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(device_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
