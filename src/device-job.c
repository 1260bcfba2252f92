/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * device-job: the job state machine that takes a dax device where its
 * rule wants it: check, bind, online, verify (see device.h).  The scrub
 * and clear steps are in device-poison.c, offlining and the way back to
 * device_dax in device-devdax.c.
 * Pure: the system is reached only through the struct backend.
 */

#include <time.h>

#include "device-internal.h"
#include "poison.h"
#include "util.h"

static const char *zone_online_op(enum dt_zone z) {
        return z == DT_ZONE_NORMAL ? "online_kernel" : "online_movable";
}

void job_note(struct device *d, const struct device_observer *obs, enum device_note kind, const char *fmt, ...) {
        char msg[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (obs && obs->note)
                obs->note(d, kind, msg, obs->userdata);
}

void job_free(struct job *j) {
        if (!j)
                return;
        free(j->blocks);
        free(j->offlined);
        strbuf_free(&j->stuck);
        free(j->call_who);
        free(j->refuse_why);
        free(j);
}

/* Ends the job in a steady state. */
int job_end(struct device *d, enum dev_state to, const char *reason, const struct device_observer *obs) {
        job_free(d->job);
        d->job = NULL;
        device_set_state(d, to, reason, obs);
        return 0;
}

int job_endf(struct device *d, enum dev_state to, const struct device_observer *obs, const char *fmt, ...) {
        char msg[2048];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return job_end(d, to, msg, obs);
}

int device_job_start(struct device *d) {
        if (d->job)
                return -EBUSY;
        /* Poison is looked at afresh by every job. */
        free(d->skipped);
        d->skipped = NULL;
        d->skipped_blocks = 0;
        d->job = calloc(1, sizeof(*d->job));
        if (!d->job)
                return -ENOMEM;
        d->job->phase = PH_CHECK;
        d->job->node = -1;
        return 0;
}

bool device_job_holds_auto_online(const struct device *d) {
        return d->job && d->job->held[0];
}

void device_job_abort(struct device *d, const char *reason, const struct device_observer *obs) {
        if (d->job)
                job_end(d, DEV_FAILED, reason, obs);
}

/* Enters a phase: records the transition once. */
void job_enter(struct device *d, enum dev_state st, const char *reason,
                      const struct device_observer *obs) {
        if (d->job->entered)
                return;
        d->job->entered = true;
        device_set_state(d, st, reason, obs);
}

void job_phase(struct job *j, enum phase p) {
        j->phase = p;
        j->entered = false;
        j->next = 0;
}

static int job_load_blocks(struct device *d, const struct backend *be, void *ctx) {
        struct job *j = d->job;
        size_t n;
        int r;

        r = be->block_size(ctx, &j->block_size);
        if (r < 0)
                return r;
        n = dax_facts_blocks(&d->facts, j->block_size, NULL, 0);
        free(j->blocks);
        j->blocks = calloc(n ? n : 1, sizeof(uint64_t));
        if (!j->blocks)
                return -ENOMEM;
        j->n_blocks = dax_facts_blocks(&d->facts, j->block_size, j->blocks, n);
        return 0;
}

void job_stuck(struct job *j, uint64_t block, const char *what, int err) {
        if (j->n_stuck < 16)
                strbuf_appendf(&j->stuck, "%smemory%llu (%s: %s)", j->n_stuck ? ", " : "",
                               (unsigned long long) block, what, strerror(-err));
        else if (j->n_stuck == 16)
                strbuf_appendf(&j->stuck, ", ...");
        j->n_stuck++;
}

/* Asks the runner for a blocking call; the step runs again when it is done. */
int job_call_request(struct job *j, int kind, enum dax_driver drv, uint64_t block) {
        j->call = kind;
        j->call_drv = drv;
        j->call_block = block;
        j->call_done = false;
        return DEVICE_STEP_BLOCKING;
}


int device_job_call(struct device *d, const struct backend *be, void *ctx) {
        struct job *j = d->job;

        if (!j || j->call == CALL_NONE || j->call_done)
                return 0;
        switch (j->call) {
        case CALL_BIND:
                /*
                 * Leaving device_dax tears down every mapping of the
                 * device: look for holders right before it, in the same
                 * call, so that the window in which a process can open
                 * or map the device unnoticed is the time from the end
                 * of the /proc scan to the unbind (see daxtierd(8)).
                 */
                if (j->call_drv == DRV_KMEM && (j->call_result = job_holders_scan(d, be, ctx)) < 0)
                        break;
                j->call_result = be->bind(ctx, d->name, j->call_drv);
                break;
        case CALL_HOLDERS:
                j->call_result = job_holders_scan(d, be, ctx);
                break;
        case CALL_UNPLUG:
                j->call_result = be->kmem_state_set(ctx, d->name, "unplugged");
                break;
        case CALL_STATE_ONLINE:
                job_kmem_state_online_call(d, be, ctx);
                break;
        case CALL_OFFLINE:
                if (j->call_delay_ms > 0) {
                        /* A retry: give whatever holds the pages time to
                         * let go (in the worker, not the loop). */
                        struct timespec ts = { .tv_sec = j->call_delay_ms / 1000,
                                               .tv_nsec = (long) (j->call_delay_ms % 1000) * 1000000L };
                        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                                ;
                        j->call_delay_ms = 0;
                }
                j->call_result = be->block_set(ctx, j->call_block, "offline");
                break;
        case CALL_NONE:
                break;
        }
        j->call_done = true;
        return 0;
}


/* The result of the finished call; runs it here if the runner did not. */
int job_check_bound(struct device *d, const struct backend *be, void *ctx, const struct device_observer *obs,
                    enum dax_driver want) {
        int r = be->read_facts(ctx, d->name, &d->facts);

        if (r < 0)
                return job_endf(d, DEV_FAILED, obs, "cannot read %s after binding: %s", d->name, strerror(-r));
        if (d->facts.driver != want)
                return job_endf(d, DEV_FAILED, obs, "%s is on %s, not %s, after binding", d->name,
                                dax_driver_to_string(d->facts.driver), dax_driver_to_string(want));
        return 1;
}

int job_call_result(struct device *d, const struct backend *be, void *ctx) {
        struct job *j = d->job;
        device_job_call(d, be, ctx);
        j->call = CALL_NONE;
        return j->call_result;
}

/* system-ram: the security gate comes before anything is touched.
 * Returns 1 when d may go on, or the step's result when the job ended. */
static int job_security_gate(struct device *d, const struct backend *be, void *ctx,
                             const struct device_observer *obs) {
        struct dax_facts *f = &d->facts;
        struct dimm_security dimms[DEV_MAX_DIMMS] = {};
        char why[1024];
        int n = 0;

        if (f->source == DT_SOURCE_PMEM && be->dimm_security) {
                n = be->dimm_security(ctx, f, dimms, ELEMENTSOF(dimms));
                if (n < 0)
                        return job_endf(d, DEV_REFUSED, obs,
                                        "require_security = %s, but the security state of the DIMMs behind %s cannot be read: %s",
                                        dt_security_to_string(d->want.security), d->name, strerror(-n));
                if ((size_t) n > ELEMENTSOF(dimms))
                        n = ELEMENTSOF(dimms);
        }
        snprintf(d->security, sizeof(d->security), "%s", security_weakest(f->source, dimms, (size_t) n));
        if (security_check(d->want.security, d->name, f->source, dimms, (size_t) n, why, sizeof(why)) < 0)
                return job_end(d, DEV_REFUSED, why, obs);

        struct strbuf b = {};
        for (int i = 0; i < n; i++)
                strbuf_appendf(&b, "%s%s %s", i ? ", " : "", dimms[i].name, dimm_sec_to_string(dimms[i].state));
        job_note(d, obs, NOTE_SECURITY, "security gate passed (require_security = %s): %s",
             dt_security_to_string(d->want.security), strbuf_str(&b));
        strbuf_free(&b);
        return 1;
}

static int step_check(struct device *d, const struct backend *be, void *ctx,
                      const struct device_observer *obs) {
        struct job *j = d->job;
        struct dax_facts *f = &d->facts;
        int r;

        job_enter(d, DEV_CHECKING, NULL, obs);
        r = be->read_facts(ctx, d->name, f);
        if (r < 0)
                return job_endf(d, DEV_FAILED, obs, "cannot read %s from sysfs: %s", d->name, strerror(-r));
        d->facts_valid = true;

        if (f->driver == DRV_OTHER)
                return job_endf(d, DEV_REFUSED, obs,
                                "%s is bound to a driver that is neither device_dax nor kmem; leaving it alone",
                                d->name);

        if (d->want.mode == DT_MODE_DEVDAX) {
                if (f->driver == DRV_KMEM) {
                        r = job_load_blocks(d, be, ctx);
                        if (r < 0)
                                return job_endf(d, DEV_FAILED, obs, "cannot list memory blocks: %s", strerror(-r));
                        job_phase(j, PH_OFFLINE);
                } else if (f->driver == DRV_NONE)
                        job_phase(j, PH_BIND_DEVDAX);
                else
                        return job_end(d, DEV_DEVDAX, NULL, obs);
                return 1;
        }

        if (d->want.security != DT_SECURITY_NONE && (r = job_security_gate(d, be, ctx, obs)) != 1)
                return r;

        /* Without kmem there is nothing to bind to: say so before the
         * device is touched (the daemon may not load modules itself; the
         * unit's ExecStartPre= loads kmem, and that may have failed). */
        if (f->driver != DRV_KMEM && be->driver_loaded && (r = be->driver_loaded(ctx, DRV_KMEM)) == 0)
                return job_endf(d, DEV_FAILED, obs,
                                "the kmem driver is not loaded (no /sys/bus/dax/drivers/kmem): %s cannot become System RAM; load the kmem module (modprobe kmem) and reload daxtierd",
                                d->name);
        if (f->driver != DRV_KMEM && be->driver_loaded && r < 0)
                return job_endf(d, DEV_FAILED, obs, "cannot tell whether the kmem driver is loaded (%s): %s is left as it is",
                                strerror(-r), d->name);

        j->node = dax_facts_node(f);
        if (d->want.target_node >= 0 && f->target_node != d->want.target_node)
                return job_endf(d, DEV_REFUSED, obs,
                                "its memory would land on node %d, but rule %s requires node %d",
                                f->target_node, d->want.rule, d->want.target_node);

        if (f->driver != DRV_KMEM && d->want.memmap != DT_MEMMAP_NO) {
                const char *why = NULL;
                r = be->memmap_supported(ctx, f, &why);
                if (r < 0 && d->want.memmap == DT_MEMMAP_YES)
                        return job_endf(d, DEV_REFUSED, obs, "memmap_on_memory=yes, but %s",
                                        why ? why : strerror(-r));
                if (r < 0)
                        job_note(d, obs, NOTE_MEMMAP, "memmap_on_memory=auto: %s; onlining without it",
                             why ? why : strerror(-r));
        } else if (f->driver == DRV_KMEM && d->want.memmap == DT_MEMMAP_YES && f->memmap_on_memory != 1)
                job_note(d, obs, NOTE_MEMMAP,
                     "memmap_on_memory=yes, but %s is already on kmem without it; it takes effect the next time the device is bound",
                     d->name);

        /* Who holds the device: a /proc scan, made in the worker.  Only
         * a device on device_dax has a node to hold. */
        job_phase(j, PH_HOLDERS);
        j->entered = true;
        if (f->driver != DRV_DEVICE_DAX)
                return 1;
        return job_call_request(j, CALL_HOLDERS, DRV_NONE, 0);
}

static int step_holders(struct device *d, const struct backend *be, void *ctx,
                        const struct device_observer *obs) {
        struct job *j = d->job;
        struct dax_facts *f = &d->facts;
        int r;

        (void) job_call_result(d, be, ctx);
        if ((r = job_holders_verdict(d, obs)) != 1)
                return r;

        r = job_load_blocks(d, be, ctx);
        if (r < 0)
                return job_endf(d, DEV_FAILED, obs, "cannot list memory blocks: %s", strerror(-r));

        if (j->node < 0 || be->node_mem(ctx, j->node, &j->node_before) < 0)
                j->node_before = 0;
        /* Poison first: nothing is onlined before it is known. */
        if (d->want.scrub == DT_SCRUB_ARS && f->driver != DRV_KMEM)
                job_phase(j, PH_SCRUB);
        else if (d->want.scrub != DT_SCRUB_NONE)
                job_phase(j, PH_CLEAR);
        else
                return job_pre_bind(d, obs);
        return 1;
}

/* The last check before the device becomes RAM: it must hold a block. */
int job_pre_bind(struct device *d, const struct device_observer *obs) {
        struct job *j = d->job;

        if (j->n_blocks == 0)
                return job_endf(d, DEV_REFUSED, obs,
                                "%s holds no whole memory block (size %llu, block size %llu)", d->name,
                                (unsigned long long) d->facts.size, (unsigned long long) j->block_size);
        job_phase(j, d->facts.driver == DRV_KMEM ? PH_ONLINE : PH_BIND_KMEM);
        return 1;
}

static int step_bind_kmem_done(struct device *d, const struct backend *be, void *ctx,
                               const struct device_observer *obs) {
        struct job *j = d->job;
        int r;

        r = job_call_result(d, be, ctx);
        if (j->held[0]) {
                int k = be->auto_online_set(ctx, j->held);
                if (k < 0)
                        job_note(d, obs, NOTE_AUTO_ONLINE_HELD, "cannot restore auto_online_blocks=%s: %s", j->held,
                             strerror(-k));
                j->held[0] = 0;
        }
        if (j->call_who || j->call_refused < 0) {
                /* Not bound: leave the device as it was found. */
                if (j->memmap_set)
                        (void) be->set_memmap(ctx, d->name, false);
                return job_holders_verdict(d, obs);
        }
        if (r < 0) {
                /* libdaxctl unbinds device_dax before it binds kmem: if
                 * kmem refused, the device may be left with no driver.
                 * Put it back where it was. */
                if (be->read_facts(ctx, d->name, &d->facts) >= 0 && d->facts.driver == DRV_NONE) {
                        j->bind_error = r;
                        return job_call_request(j, CALL_BIND, DRV_DEVICE_DAX, 0);
                }
                return job_endf(d, DEV_FAILED, obs, "binding %s to kmem failed: %s", d->name, strerror(-r));
        }

        if ((r = job_check_bound(d, be, ctx, obs, DRV_KMEM)) != 1)
                return r;
        d->memmap_active = d->facts.memmap_on_memory == 1;
        job_phase(j, PH_ONLINE);
        return 1;
}

static int step_bind_kmem(struct device *d, const struct backend *be, void *ctx,
                          const struct device_observer *obs) {
        struct job *j = d->job;
        bool memmap = false;
        int r;

        if (j->call == CALL_BIND && j->bind_error) {
                r = job_call_result(d, be, ctx);
                if (r >= 0)
                        (void) be->read_facts(ctx, d->name, &d->facts);
                if (r < 0)
                        return job_endf(d, DEV_FAILED, obs,
                                        "binding %s to kmem failed: %s; putting it back on device_dax failed too (%s): it has no driver",
                                        d->name, strerror(-j->bind_error), strerror(-r));
                return job_endf(d, DEV_FAILED, obs, "binding %s to kmem failed: %s; put back on device_dax",
                                d->name, strerror(-j->bind_error));
        }
        if (j->call == CALL_BIND)
                return step_bind_kmem_done(d, be, ctx, obs);

        job_enter(d, DEV_BINDING, "to kmem", obs);

        /* The DIMMs may have changed while the bus scrubbed: ask the gate
         * again, in the step that requests the bind. */
        if (d->want.security != DT_SECURITY_NONE && (r = job_security_gate(d, be, ctx, obs)) != 1)
                return r;

        if (d->want.memmap != DT_MEMMAP_NO) {
                const char *why = NULL;
                r = be->memmap_supported(ctx, &d->facts, &why);
                if (r >= 0) {
                        r = be->set_memmap(ctx, d->name, true);
                        if (r >= 0)
                                memmap = j->memmap_set = true;
                        else if (d->want.memmap == DT_MEMMAP_YES)
                                return job_endf(d, DEV_REFUSED, obs,
                                                "memmap_on_memory=yes, but the kernel refused it: %s", strerror(-r));
                        else
                                job_note(d, obs, NOTE_MEMMAP,
                                     "memmap_on_memory=auto: the kernel refused it (%s); onlining without it",
                                     strerror(-r));
                } else if (d->want.memmap == DT_MEMMAP_YES)
                        return job_endf(d, DEV_REFUSED, obs, "memmap_on_memory=yes, but %s",
                                        why ? why : strerror(-r));
        } else if (d->facts.memmap_on_memory == 1) {
                /* A previous owner left it on; the rule says no. */
                r = be->set_memmap(ctx, d->name, false);
                if (r < 0)
                        return job_endf(d, DEV_FAILED, obs, "cannot clear memmap_on_memory: %s", strerror(-r));
        }
        if (memmap)
                job_note(d, obs, NOTE_MEMMAP, "memmap_on_memory enabled: the memory map of %s lives in its own memory",
                     d->name);

        /*
         * The kernel's auto-online would put the new blocks in its default
         * zone before we get to them.  For the bind only, set it to the
         * rule's online type, so that the kernel onlines each block in the
         * rule's zone as kmem adds it ([daemon] online_at_bind = yes, the
         * default; never with blocks that must stay offline), or hold it
         * off, so that the blocks wait for the online step.
         */
        j->held[0] = 0;
        j->at_bind = false;
        {
                bool at_bind = d->want.online_at_bind && d->skipped_blocks == 0;
                const char *to = at_bind ? zone_online_op(d->want.zone) : "offline";

                if (be->auto_online_get(ctx, j->held, sizeof(j->held)) < 0)
                        j->held[0] = 0;
                else if (streq(j->held, to)) {
                        j->held[0] = 0;
                        j->at_bind = at_bind;
                } else if ((r = be->auto_online_set(ctx, to)) < 0) {
                        job_note(d, obs, NOTE_AUTO_ONLINE_HELD,
                                 at_bind ? "cannot set kernel auto-online (%s) to %s while binding: %s; blocks it onlines elsewhere will be re-zoned"
                                         : "cannot hold kernel auto-online (%s) %s while binding: %s; blocks it onlines will be re-zoned",
                                 j->held, to, strerror(-r));
                        j->held[0] = 0;
                } else {
                        j->at_bind = at_bind;
                        if (at_bind)
                                job_note(d, obs, NOTE_AUTO_ONLINE_HELD,
                                         "kernel auto_online_blocks=%s set to %s while %s binds to kmem: the kernel onlines its blocks in %s as it adds them",
                                         j->held, to, d->name, device_zone_name(d->want.zone));
                        else
                                job_note(d, obs, NOTE_AUTO_ONLINE_HELD,
                                         "kernel auto_online_blocks=%s held off while %s binds to kmem", j->held, d->name);
                }
        }

        /* kmem adds all of the device's memory in this one call. */
        return job_call_request(j, CALL_BIND, DRV_KMEM, 0);
}

static int step_online(struct device *d, const struct backend *be, void *ctx,
                       const struct device_observer *obs) {
        struct job *j = d->job;
        const char *zone = device_zone_name(d->want.zone);
        struct block_info bi;
        uint64_t b;
        int r;

        job_enter(d, DEV_ONLINING, NULL, obs);
        if (j->call == CALL_STATE_ONLINE)
                job_kmem_state_online_done(d, be, ctx, obs);
        else if (!j->state_tried && j->at_bind) {
                /* The kernel onlined the blocks as kmem added them: the
                 * loop below verifies each (and onlines any it left). */
                j->state_tried = true;
                d->online_path = "at-bind";
        } else if (!j->state_tried) {
                /* Kernel 7.3+: the whole device at once, in the runner;
                 * the loop below then verifies every block (or onlines
                 * them, without). */
                j->state_tried = true;
                r = job_kmem_state_online(d, be, ctx, obs);
                if (r != 0)
                        return r;
        }
        if (j->next >= j->n_blocks) {
                job_phase(j, PH_VERIFY);
                return 1;
        }
        b = j->blocks[j->next++];
        if (device_block_skipped(d, b)) {
                /* Poison: it must stay offline, whoever onlined it. */
                r = be->block_get(ctx, b, &bi);
                if (r >= 0 && bi.state == BLOCK_ONLINE) {
                        r = be->block_set(ctx, b, "offline");
                        if (r < 0)
                                job_stuck(j, b, "holds poison, online, and would not go offline", r);
                        else if (d->online_blocks > 0)
                                d->online_blocks--;
                }
                return 1;
        }

        r = be->block_get(ctx, b, &bi);
        if (r < 0) {
                job_stuck(j, b, "cannot read state", r);
                return 1;
        }
        switch (bi.state) {
        case BLOCK_ABSENT:
                job_stuck(j, b, "not added by kmem", -ENODEV);
                return 1;
        case BLOCK_GOING:
                job_stuck(j, b, "changing state", -EBUSY);
                return 1;
        case BLOCK_ONLINE:
                if (streq(bi.zone, zone)) {
                        j->already++;
                        return 1;
                }
                /* A competing onliner put it elsewhere: move it. */
                r = be->block_set(ctx, b, "offline");
                if (r < 0) {
                        job_stuck(j, b, bi.zone[0] ? bi.zone : "online elsewhere", r);
                        return 1;
                }
                snprintf(j->rezone_from, sizeof(j->rezone_from), "%s", bi.zone);
                r = be->block_set(ctx, b, zone_online_op(d->want.zone));
                if (r < 0) {
                        job_stuck(j, b, zone_online_op(d->want.zone), r);
                        return 1;
                }
                j->rezoned++;
                return 1;
        case BLOCK_OFFLINE:
                r = be->block_set(ctx, b, zone_online_op(d->want.zone));
                if (r < 0) {
                        job_stuck(j, b, zone_online_op(d->want.zone), r);
                        return 1;
                }
                j->onlined++;
                /* Progress for status queries while the job runs. */
                d->online_blocks++;
                return 1;
        }
        return 1;
}

/*
 * What to change when blocks are stuck in a zone daxtierd did not choose:
 * CXL and hmem memory is bound to kmem and onlined by the kernel when its
 * driver probes, and the kernel cannot move a block out of ZONE_NORMAL.
 */
static const char *stuck_hint(const struct device *d) {
        if (d->facts.source != DT_SOURCE_CXL && d->facts.source != DT_SOURCE_HMEM)
                return "";
        return "; the kernel onlined them when the driver probed, before daxtierd could choose the zone: boot with "
               "memhp_default_state=offline on the kernel command line, or let daxtierd start before the driver "
               "probes ([daemon] auto_online_blocks = offline; the driver a module loaded at coldplug, not built in "
               "or in the initramfs)";
}

static int step_verify(struct device *d, const struct backend *be, void *ctx,
                       const struct device_observer *obs) {
        struct job *j = d->job;
        enum dev_state st;
        uint64_t after = 0;

        if (j->rezoned > 0)
                job_note(d, obs, NOTE_REZONED,
                     "%u of %zu blocks of %s had been onlined in %s by someone else (kernel auto-online or a udev rule); moved to %s",
                     j->rezoned, j->n_blocks, d->name, j->rezone_from, device_zone_name(d->want.zone));
        if (j->n_stuck > 0)
                job_note(d, obs, NOTE_BLOCK_STUCK, "%u block%s of %s %s not online in %s: %s%s", j->n_stuck,
                     j->n_stuck == 1 ? "" : "s", d->name, j->n_stuck == 1 ? "is" : "are", device_zone_name(d->want.zone),
                     strbuf_str(&j->stuck), stuck_hint(d));

        st = device_observe(d, be, ctx);
        if (st != DEV_ONLINE) {
                if (j->n_stuck > 0)
                        return job_endf(d, DEV_FAILED, obs, "%u of %zu blocks are not online in %s: %s%s",
                                        j->n_stuck, j->n_blocks, device_zone_name(d->want.zone),
                                        strbuf_str(&j->stuck), stuck_hint(d));
                return job_endf(d, DEV_FAILED, obs,
                                "after onlining, %u of %u blocks are online (zone %s), not all in %s: something else changed them",
                                d->online_blocks, d->total_blocks, d->zone[0] ? d->zone : "none",
                                device_zone_name(d->want.zone));
        }

        /* What the state write, or the kernel during the bind, onlined
         * counts as onlined here. */
        if (j->via_state || j->at_bind)
                j->onlined += j->already;
        if (j->onlined > 0 && j->node >= 0) {
                uint64_t expect = (uint64_t) j->onlined * j->block_size;
                int r = be->node_mem(ctx, j->node, &after);
                /* The memory map may live in the added memory itself
                 * (memmap_on_memory): allow for it. */
                if (r < 0)
                        return job_endf(d, DEV_FAILED, obs, "cannot read the memory of node %d: %s", j->node,
                                        strerror(-r));
                if (after < j->node_before || after - j->node_before < expect / 100 * 90)
                        return job_endf(d, DEV_FAILED, obs,
                                        "node %d changed by %lld bytes, but %u blocks of %llu bytes were onlined",
                                        j->node, (long long) after - (long long) j->node_before, j->onlined,
                                        (unsigned long long) j->block_size);
        }
        return job_end(d, DEV_ONLINE, NULL, obs);
}

int device_job_step(struct device *d, const struct backend *be, void *be_ctx,
                    const struct device_observer *obs) {
        if (!d->job)
                return 0;
        switch (d->job->phase) {
        case PH_CHECK:
                return step_check(d, be, be_ctx, obs);
        case PH_HOLDERS:
                return step_holders(d, be, be_ctx, obs);
        case PH_SCRUB:
                return job_step_scrub(d, be, be_ctx, obs);
        case PH_CLEAR:
                return job_step_clear(d, be, be_ctx, obs);
        case PH_BIND_KMEM:
                return step_bind_kmem(d, be, be_ctx, obs);
        case PH_ONLINE:
                return step_online(d, be, be_ctx, obs);
        case PH_VERIFY:
                return step_verify(d, be, be_ctx, obs);
        case PH_OFFLINE:
                return job_step_offline(d, be, be_ctx, obs);
        case PH_BIND_DEVDAX:
                return job_step_bind_devdax(d, be, be_ctx, obs);
        }
        return job_end(d, DEV_FAILED, "internal error: unknown job phase", obs);
}
