/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-worker: the worker (src/worker.c) with its threads busy, as the
 * daemon runs it: device jobs step in the event loop and their blocking
 * calls (holders scan, bind, block offline, kmem state writes) run in
 * worker threads, several devices at once, each with a worker of its own,
 * against a fake kernel, while a timer in the loop reads what the D-Bus
 * properties read (state, online blocks, zone) as often as it can.  Run
 * under ThreadSanitizer by tests/sanitizers.sh (tsan job): a data race
 * between a worker thread and the loop fails it.  Also: the worker's own
 * contract (-EBUSY while busy, done() in the loop after the join,
 * worker_free() of a busy worker waits for it).
 */

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "device.h"
#include "log.h"
#include "worker.h"

/* worker.c logs through log.h, implemented in audit.c (not linked here). */
void log_msg(int priority, const char *fmt, ...) {
        va_list ap;

        (void) priority;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static void pause_usec(long usec) {
        struct timespec ts = { .tv_sec = usec / 1000000, .tv_nsec = (usec % 1000000) * 1000 };
        nanosleep(&ts, NULL);
}

/* ---- the worker's contract ------------------------------------------------ */

struct simple {
        struct worker *w;
        atomic_int ran;         /* in the thread */
        int done;               /* in the loop */
        pthread_t loop_thread;
        bool done_in_loop;
        int value;              /* written by the thread, read by done() */
        int seen;
};

static void simple_fn(void *arg) {
        struct simple *s = arg;

        pause_usec(2000);
        s->value = 42;
        atomic_fetch_add(&s->ran, 1);
}

static void simple_done(void *userdata) {
        struct simple *s = userdata;

        s->done++;
        s->done_in_loop = pthread_equal(pthread_self(), s->loop_thread);
        s->seen = s->value;
}

START_TEST(test_worker_contract) {
        sd_event *e = NULL;
        struct simple s = { .loop_thread = pthread_self() };

        ck_assert_int_ge(sd_event_new(&e), 0);
        ck_assert_int_eq(worker_new(e, "test", simple_done, &s, &s.w), 0);
        ck_assert(!worker_busy(s.w));
        ck_assert(!worker_busy(NULL));
        ck_assert_int_eq(worker_start(s.w, simple_fn, &s), 0);
        ck_assert(worker_busy(s.w));
        ck_assert_int_eq(worker_start(s.w, simple_fn, &s), -EBUSY);
        while (s.done == 0)
                ck_assert_int_ge(sd_event_run(e, 1000000), 0);
        ck_assert_int_eq(atomic_load(&s.ran), 1);
        ck_assert(s.done_in_loop);
        ck_assert_int_eq(s.seen, 42);
        ck_assert(!worker_busy(s.w));

        /* Freed while its function runs: waits for it, no done(). */
        ck_assert_int_eq(worker_start(s.w, simple_fn, &s), 0);
        worker_free(s.w);
        ck_assert_int_eq(atomic_load(&s.ran), 2);
        ck_assert_int_eq(s.done, 1);
        sd_event_unref(e);
}
END_TEST

/* ---- device jobs through workers, against a fake kernel ------------------- */

#define BS (128ULL << 20)
#define NDEV 4
#define BLOCKS_PER_DEV 8
#define ROUNDS 6

/* One device's kernel state; each device has its own, touched by the loop
 * and by its worker in turn (the worker's thread start and join order
 * them), never by two threads at once. */
struct fkernel {
        char name[16];
        enum dax_driver drv;
        uint64_t first;                 /* first block */
        enum block_state st[BLOCKS_PER_DEV];
        char zone[BLOCKS_PER_DEV][16];
        bool has_state;                 /* kmem "state" attribute (7.3+) */
        unsigned calls_in_worker;       /* blocking calls seen off the loop */
        pthread_t loop_thread;
};

struct fake_sys {
        struct fkernel k[NDEV];
};

static struct fkernel *fk_find(void *ctx, const char *name) {
        struct fake_sys *s = ctx;
        for (int i = 0; i < NDEV; i++)
                if (strcmp(s->k[i].name, name) == 0)
                        return &s->k[i];
        return NULL;
}

static struct fkernel *fk_of_block(void *ctx, uint64_t b) {
        struct fake_sys *s = ctx;
        for (int i = 0; i < NDEV; i++)
                if (b >= s->k[i].first && b < s->k[i].first + BLOCKS_PER_DEV)
                        return &s->k[i];
        return NULL;
}

static void off_loop(struct fkernel *k) {
        if (!pthread_equal(pthread_self(), k->loop_thread))
                k->calls_in_worker++;
}

static int f_read_facts(void *ctx, const char *name, struct dax_facts *ret) {
        struct fkernel *k = fk_find(ctx, name);

        if (!k)
                return -ENOENT;
        *ret = (struct dax_facts) { .source = DT_SOURCE_PMEM, .driver = k->drv, .size = BLOCKS_PER_DEV * BS,
                                    .target_node = 1 + (int) (k - ((struct fake_sys *) ctx)->k), .numa_node = 0,
                                    .region = 0, .memmap_on_memory = 0, .n_ranges = 1 };
        snprintf(ret->name, sizeof(ret->name), "%s", name);
        ret->ranges[0].start = k->first * BS;
        ret->ranges[0].end = (k->first + BLOCKS_PER_DEV) * BS - 1;
        return 0;
}

static int f_block_size(void *ctx, uint64_t *ret) {
        (void) ctx;
        *ret = BS;
        return 0;
}

static int f_block_get(void *ctx, uint64_t b, struct block_info *ret) {
        struct fkernel *k = fk_of_block(ctx, b);

        *ret = (struct block_info) { .state = BLOCK_ABSENT };
        if (!k || k->drv != DRV_KMEM)
                return 0;
        ret->state = k->st[b - k->first];
        if (ret->state == BLOCK_ONLINE)
                snprintf(ret->zone, sizeof(ret->zone), "%s", k->zone[b - k->first]);
        return 0;
}

static int f_block_set(void *ctx, uint64_t b, const char *state) {
        struct fkernel *k = fk_of_block(ctx, b);
        size_t i;

        if (!k || k->drv != DRV_KMEM)
                return -ENOENT;
        i = b - k->first;
        if (strcmp(state, "offline") == 0) {
                off_loop(k);
                pause_usec(300);        /* migrating pages */
                k->st[i] = BLOCK_OFFLINE;
                return 0;
        }
        if (k->st[i] == BLOCK_ONLINE)
                return -EINVAL;
        k->st[i] = BLOCK_ONLINE;
        snprintf(k->zone[i], sizeof(k->zone[i]), "%s", strcmp(state, "online_kernel") == 0 ? "Normal" : "Movable");
        return 0;
}

static int f_memmap_supported(void *ctx, const struct dax_facts *f, const char **why) {
        (void) ctx, (void) f;
        *why = "not in this fake";
        return -EOPNOTSUPP;
}

static int f_set_memmap(void *ctx, const char *name, bool on) {
        (void) ctx, (void) name, (void) on;
        return -EOPNOTSUPP;
}

static int f_bind(void *ctx, const char *name, enum dax_driver drv) {
        struct fkernel *k = fk_find(ctx, name);

        if (!k)
                return -ENOENT;
        off_loop(k);
        pause_usec(500);        /* hot-adding or removing all of it */
        if (drv == DRV_KMEM && k->drv != DRV_KMEM)
                for (int i = 0; i < BLOCKS_PER_DEV; i++)
                        k->st[i] = BLOCK_OFFLINE;
        if (drv != DRV_KMEM)
                for (int i = 0; i < BLOCKS_PER_DEV; i++)
                        if (k->st[i] == BLOCK_ONLINE)
                                return -EBUSY;  /* the job offlines first */
        k->drv = drv;
        return 0;
}

static int f_holders(void *ctx, const struct dax_facts *f, char **ret) {
        struct fkernel *k = fk_find(ctx, f->name);

        if (k)
                off_loop(k);
        pause_usec(200);        /* the /proc scan */
        *ret = NULL;
        return 0;
}

static atomic_int auto_online_writes;

static int f_auto_online_get(void *ctx, char *buf, size_t len) {
        (void) ctx;
        snprintf(buf, len, "offline");
        return 0;
}

static int f_auto_online_set(void *ctx, const char *value) {
        (void) ctx, (void) value;
        atomic_fetch_add(&auto_online_writes, 1);
        return 0;
}

static int f_kmem_state_get(void *ctx, const char *name, char *buf, size_t len) {
        struct fkernel *k = fk_find(ctx, name);
        bool any = false;

        if (!k || !k->has_state || k->drv != DRV_KMEM)
                return -ENOENT;
        for (int i = 0; i < BLOCKS_PER_DEV; i++)
                any |= k->st[i] == BLOCK_ONLINE;
        snprintf(buf, len, "%s", any ? "online" : "offline");
        return 0;
}

static int f_kmem_state_set(void *ctx, const char *name, const char *value) {
        struct fkernel *k = fk_find(ctx, name);

        if (!k || !k->has_state || k->drv != DRV_KMEM)
                return -ENOENT;
        off_loop(k);
        pause_usec(400);
        for (int i = 0; i < BLOCKS_PER_DEV; i++) {
                if (strcmp(value, "unplugged") == 0)
                        k->st[i] = BLOCK_OFFLINE;
                else {
                        k->st[i] = BLOCK_ONLINE;
                        snprintf(k->zone[i], sizeof(k->zone[i]), "%s",
                                 strcmp(value, "online_kernel") == 0 ? "Normal" : "Movable");
                }
        }
        return 0;
}

static int f_node_mem(void *ctx, int node, uint64_t *ret) {
        struct fake_sys *s = ctx;
        struct fkernel *k;
        uint64_t n = 0;

        if (node < 1 || node > NDEV)
                return -ENOENT;
        k = &s->k[node - 1];
        for (int i = 0; i < BLOCKS_PER_DEV; i++)
                if (k->drv == DRV_KMEM && k->st[i] == BLOCK_ONLINE)
                        n += BS;
        *ret = n;
        return 0;
}

static const struct backend fake_backend = {
        .read_facts = f_read_facts,
        .block_size = f_block_size,
        .block_get = f_block_get,
        .block_set = f_block_set,
        .memmap_supported = f_memmap_supported,
        .set_memmap = f_set_memmap,
        .bind = f_bind,
        .holders = f_holders,
        .auto_online_get = f_auto_online_get,
        .auto_online_set = f_auto_online_set,
        .kmem_state_get = f_kmem_state_get,
        .kmem_state_set = f_kmem_state_set,
        .node_mem = f_node_mem,
};

/* The manager's runner, once per device: a job steps in the loop, its
 * blocking call runs in the device's worker. */
struct runner {
        struct device *d;
        struct worker *w;
        struct fake_sys *sys;
        sd_event_source *step;
        unsigned round;         /* jobs finished */
        unsigned calls;         /* blocking calls handed to the worker */
        enum dev_state ends[ROUNDS];
        bool finished;
};

struct harness {
        sd_event *e;
        struct fake_sys sys;
        struct runner r[NDEV];
        sd_event_source *reader;
        unsigned reads, transients_seen;
        unsigned finished;
};

static void on_transition(struct device *d, enum dev_state from, const char *reason, void *userdata) {
        (void) d, (void) from, (void) reason, (void) userdata;
}

static const struct device_observer observer = { .transition = on_transition };

static void call_main(void *arg) {
        struct runner *r = arg;
        device_job_call(r->d, &fake_backend, r->sys);
}

static void start_job(struct runner *r) {
        r->d->want.mode = r->round % 2 == 0 ? DT_MODE_SYSTEM_RAM : DT_MODE_DEVDAX;
        ck_assert_int_eq(device_job_start(r->d), 0);
}

static int on_step(sd_event_source *s, void *userdata) {
        struct runner *r = userdata;
        int k;

        if (worker_busy(r->w))
                return sd_event_source_set_enabled(s, SD_EVENT_OFF);
        k = device_job_step(r->d, &fake_backend, r->sys, &observer);
        if (k == DEVICE_STEP_BLOCKING) {
                r->calls++;
                ck_assert_int_eq(worker_start(r->w, call_main, r), 0);
                return sd_event_source_set_enabled(s, SD_EVENT_OFF);
        }
        ck_assert_int_ne(k, DEVICE_STEP_WAIT_SCRUB);
        if (k == 0) {
                r->ends[r->round] = r->d->state;
                if (++r->round == ROUNDS) {
                        r->finished = true;
                        return sd_event_source_set_enabled(s, SD_EVENT_OFF);
                }
                start_job(r);
        }
        return 0;
}

static void on_call_done(void *userdata) {
        struct runner *r = userdata;
        ck_assert_int_eq(sd_event_source_set_enabled(r->step, SD_EVENT_ON), 0);
}

/* The bus's side: what a property read or GetManagedObjects reads, from
 * the loop, while the workers run. */
static int on_read(sd_event_source *s, uint64_t usec, void *userdata) {
        struct harness *h = userdata;
        unsigned done = 0;

        for (int i = 0; i < NDEV; i++) {
                struct device *d = h->r[i].d;
                char buf[128];

                snprintf(buf, sizeof(buf), "%s %s %u/%u %s", d->name, dev_state_to_string(d->state),
                         d->online_blocks, d->total_blocks, d->zone);
                if (d->state >= DEV_CHECKING)
                        h->transients_seen++;
                done += h->r[i].finished;
        }
        h->reads++;
        if (done == NDEV)
                return sd_event_exit(sd_event_source_get_event(s), 0);
        return sd_event_source_set_time_relative(s, 50) < 0 ? -1 : sd_event_source_set_enabled(s, SD_EVENT_ON);
}

START_TEST(test_worker_jobs_busy) {
        struct harness h = {};
        pthread_t self = pthread_self();

        ck_assert_int_ge(sd_event_new(&h.e), 0);
        for (int i = 0; i < NDEV; i++) {
                struct fkernel *k = &h.sys.k[i];
                struct runner *r = &h.r[i];

                snprintf(k->name, sizeof(k->name), "dax%d.0", i);
                k->drv = DRV_DEVICE_DAX;
                k->first = 32 + (uint64_t) i * BLOCKS_PER_DEV;
                k->has_state = i % 2 == 1;      /* both paths: per block and kmem state */
                k->loop_thread = self;
                r->sys = &h.sys;
                r->d = device_new(k->name);
                ck_assert_ptr_nonnull(r->d);
                r->d->want = (struct want) { .mode = DT_MODE_SYSTEM_RAM, .zone = DT_ZONE_MOVABLE,
                                             .target_node = -1, .memmap = DT_MEMMAP_NO,
                                             .security = DT_SECURITY_NONE, .scrub = DT_SCRUB_NONE };
                r->d->state = DEV_DEVDAX;
                ck_assert_int_eq(worker_new(h.e, "job", on_call_done, r, &r->w), 0);
                ck_assert_int_ge(sd_event_add_defer(h.e, &r->step, on_step, r), 0);
                ck_assert_int_ge(sd_event_source_set_enabled(r->step, SD_EVENT_ON), 0);
                start_job(r);
        }
        ck_assert_int_ge(sd_event_add_time_relative(h.e, &h.reader, CLOCK_MONOTONIC, 50, 1, on_read, &h), 0);
        ck_assert_int_ge(sd_event_loop(h.e), 0);

        for (int i = 0; i < NDEV; i++) {
                struct runner *r = &h.r[i];
                struct fkernel *k = &h.sys.k[i];

                for (int n = 0; n < ROUNDS; n++)
                        ck_assert_msg(r->ends[n] == (n % 2 == 0 ? DEV_ONLINE : DEV_DEVDAX),
                                      "%s: job %d ended %s (%s)", r->d->name, n, dev_state_to_string(r->ends[n]),
                                      r->d->last_error ? r->d->last_error : "");
                /* Every blocking call ran in a thread, none in the loop. */
                ck_assert_uint_ge(r->calls, ROUNDS);
                ck_assert_uint_ge(k->calls_in_worker, r->calls);
                ck_assert_int_eq(k->drv, DRV_DEVICE_DAX);
                sd_event_source_disable_unref(r->step);
                worker_free(r->w);
                device_free(r->d);
        }
        ck_assert_uint_gt(h.reads, 0);
        ck_assert_uint_gt(h.transients_seen, 0);
        sd_event_source_disable_unref(h.reader);
        sd_event_unref(h.e);
}
END_TEST

int main(void) {
        Suite *s = suite_create("worker");
        TCase *tc = tcase_create("worker");
        SRunner *sr;
        int failed;

        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_worker_contract);
        tcase_add_test(tc, test_worker_jobs_busy);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
