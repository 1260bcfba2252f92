/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * manager-policy: loading and reloading the policy, and the [daemon]
 * settings that act on the kernel (see manager-internal.h).  A reload
 * with errors keeps the policy in force.
 */

#include <systemd/sd-daemon.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "autoonline.h"
#include "carve.h"
#include "bus.h"
#include "manager-internal.h"
#include "statefile.h"
#include "util.h"

int manager_load_policy(struct manager *m, struct policy **ret) {
        struct config_errors errs = {};
        int r;

        r = config_load(m->opts.config_path, m->opts.config_optional, m->opts.dropin_dir, ret, &errs);
        free(m->reload_errors);
        m->reload_errors = NULL;
        if (errs.n > 0) {
                struct strbuf b = {};
                for (size_t i = 0; i < errs.n; i++)
                        strbuf_appendf(&b, "%s%s", i ? "\n" : "", errs.msgs[i]);
                m->reload_errors = strbuf_steal(&b);
        }
        for (size_t i = 0; i < errs.n; i++)
                audit_config_error(errs.msgs[i]);
        config_errors_clear(&errs);
        return r;
}

/* ---- auto_online_blocks (autoonline.h) ------------------------------- */

/* The state file's word: 0, -ENOENT when there is none, -EINVAL for
 * garbage (anything but one valid word: never trusted), or -errno. */
static int aol_file_read(char *ret, size_t len) {
        char buf[AOL_STATE_MAX];
        size_t n;
        int r;

        r = statefile_read(AOL_STATE_FILE, buf, sizeof(buf), &n);
        if (r < 0)
                return r;
        return aol_state_parse(buf, n, ret, len);
}

/* Replaces the file at once (write, fsync, rename): a reader, or the next
 * start after a crash, sees the old word or the new one. */
static int aol_file_write(const char *value) {
        char buf[AOL_STATE_MAX];
        int n;

        n = snprintf(buf, sizeof(buf), "%s\n", value);
        if (n < 0 || (size_t) n >= sizeof(buf))
                return -EINVAL;
        return statefile_write(AOL_STATE_FILE, buf, (size_t) n);
}

static void aol_file_save(const char *value) {
        int r = aol_file_write(value);
        if (r < 0)
                log_warning("cannot write %s: %s; if daxtierd is killed, auto_online_blocks=%s may not be restored",
                            AOL_STATE_FILE, strerror(-r), value);
}

void manager_auto_online_start(struct manager *m) {
        char cur[32], file[32];
        const char *orig;
        int r, k;

        m->auto_online_orig[0] = 0;
        r = m->be->auto_online_get(NULL, cur, sizeof(cur));
        if (r < 0 || !aol_value_valid(cur))
                return;
        k = aol_file_read(file, sizeof(file));
        if (k == -EINVAL)
                log_warning("%s holds no auto_online_blocks value; ignoring it", AOL_STATE_FILE);
        orig = aol_original(cur, k >= 0 ? file : NULL);
        snprintf(m->auto_online_orig, sizeof(m->auto_online_orig), "%s", orig);
        if (!streq(cur, orig)) {
                /* A previous run was killed while it held or took the
                 * setting: give the system its value back first. */
                r = m->be->auto_online_set(NULL, orig);
                if (r < 0)
                        log_error("cannot restore auto_online_blocks=%s left by a previous run: %s", orig, strerror(-r));
                else {
                        log_notice("auto_online_blocks=%s was left by a previous run that did not restore it; restored %s",
                                   cur, orig);
                        audit_auto_online_restored(orig);
                }
        }
        aol_file_save(orig);
}

void manager_apply_daemon_settings(struct manager *m) {
        bool taken = m->policy->auto_online_blocks == DT_AUTO_ONLINE_OFFLINE;
        const char *want;
        char cur[32];
        int r;

        if (!m->auto_online_orig[0]) {
                if (taken)
                        log_warning("cannot read /sys/devices/system/memory/auto_online_blocks");
                return;
        }
        /* A bind holds it (at offline or at the rule's online type) and
         * gives it back when it ends: the
         * setting is settled again then (manager.c). */
        if (m->active && device_job_holds_auto_online(m->active))
                return;
        r = m->be->auto_online_get(NULL, cur, sizeof(cur));
        if (r < 0) {
                log_warning("cannot read /sys/devices/system/memory/auto_online_blocks: %s", strerror(-r));
                return;
        }
        if (!taken && !m->auto_online_taken && aol_value_valid(cur) && !streq(cur, m->auto_online_orig)) {
                /* Changed by someone else while daxtierd left it alone:
                 * that is the system's value now. */
                snprintf(m->auto_online_orig, sizeof(m->auto_online_orig), "%s", cur);
                aol_file_save(cur);
        }
        want = aol_want(taken, m->auto_online_orig);
        if (!streq(cur, want)) {
                r = m->be->auto_online_set(NULL, want);
                if (r < 0) {
                        log_error("cannot set /sys/devices/system/memory/auto_online_blocks to %s: %s", want,
                                  strerror(-r));
                        return;
                }
                if (taken)
                        audit_auto_online_taken(cur);
                else
                        audit_auto_online_restored(want);
        }
        m->auto_online_taken = taken;
}

void manager_auto_online_stop(struct manager *m) {
        const char *want;
        char cur[32];

        if (!m->auto_online_orig[0] || !m->policy)
                return;
        /* A job stopped in its bind never gave its hold back. */
        want = aol_want(m->policy->auto_online_blocks == DT_AUTO_ONLINE_OFFLINE, m->auto_online_orig);
        if (m->be->auto_online_get(NULL, cur, sizeof(cur)) >= 0 && !streq(cur, want)) {
                int r = m->be->auto_online_set(NULL, want);
                if (r < 0)
                        log_error("cannot restore auto_online_blocks=%s: %s", want, strerror(-r));
                else
                        audit_auto_online_restored(want);
        }
        /* Taken over (offline): the next start must know the original. */
        if (streq(want, m->auto_online_orig))
                (void) unlink(AOL_STATE_FILE);
}

int manager_reload(struct manager *m) {
        struct policy *p = NULL;
        int r;

        sd_notify(0, "RELOADING=1\nSTATUS=Reloading the policy");
        r = manager_load_policy(m, &p);
        if (r < 0) {
                audit_policy_rejected();
                manager_metrics_reloaded(m, false);
                sd_notifyf(0, "READY=1\nSTATUS=%s", m->status);
                return r;
        }
        policy_free(m->policy);
        m->policy = p;
        audit_policy_loaded(m->policy, "reloaded");
        if (m->bus)
                (void) bus_manager_config_changed(m->bus);
        manager_apply_daemon_settings(m);
        manager_metrics_reloaded(m, true);
        manager_tiering_reloaded(m);
        for (size_t i = 0; i < m->n_devices; i++)
                manager_enqueue(m, m->devices[i], true);
        manager_regions_request(m, true);
        sd_notifyf(0, "READY=1\nSTATUS=%s", m->status);
        return 0;
}
