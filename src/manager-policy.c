/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * manager-policy: loading and reloading the policy, and the [daemon]
 * settings that act on the kernel (see manager-internal.h).  A reload
 * with errors keeps the policy in force.
 */

#include <systemd/sd-daemon.h>

#include "audit.h"
#include "bus.h"
#include "manager-internal.h"
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

void manager_apply_daemon_settings(struct manager *m) {
        char cur[32];
        int r;

        r = m->be->auto_online_get(NULL, cur, sizeof(cur));
        if (r < 0) {
                if (m->policy->auto_online_blocks == DT_AUTO_ONLINE_OFFLINE)
                        log_warning("cannot read /sys/devices/system/memory/auto_online_blocks: %s", strerror(-r));
                return;
        }
        if (m->policy->auto_online_blocks == DT_AUTO_ONLINE_OFFLINE && !streq(cur, "offline")) {
                r = m->be->auto_online_set(NULL, "offline");
                if (r < 0) {
                        log_error("cannot set /sys/devices/system/memory/auto_online_blocks to offline: %s",
                                  strerror(-r));
                        return;
                }
                if (!m->auto_online_taken)
                        snprintf(m->auto_online_orig, sizeof(m->auto_online_orig), "%s", cur);
                m->auto_online_taken = true;
                audit_auto_online_taken(cur);
        } else if (m->policy->auto_online_blocks == DT_AUTO_ONLINE_KEEP && m->auto_online_taken) {
                r = m->be->auto_online_set(NULL, m->auto_online_orig);
                if (r < 0) {
                        log_error("cannot restore auto_online_blocks=%s: %s", m->auto_online_orig, strerror(-r));
                        return;
                }
                m->auto_online_taken = false;
                audit_auto_online_restored(m->auto_online_orig);
        }
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
