/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* audit-tiering: the journal records of the [tiering] knobs (see audit.h). */

#include <syslog.h>

#include "audit.h"
#include "util.h"

void audit_tiering_knob(const char *knob, const char *old, const char *new, const char *why, int error) {
        char f_knob[96], f_old[64], f_new[64], f_err[64];
        const char *f[] = { f_knob, f_old, f_new, error ? f_err : NULL, NULL };

        snprintf(f_knob, sizeof(f_knob), "DAXTIER_KNOB=%s", knob);
        snprintf(f_old, sizeof(f_old), "DAXTIER_OLD=%s", old);
        snprintf(f_new, sizeof(f_new), "DAXTIER_NEW=%s", new);
        snprintf(f_err, sizeof(f_err), "DAXTIER_ERROR=%s", strerror(-error));
        if (error)
                audit_event(AUDIT_TIERING_KNOB, LOG_ERR, f, "tiering knob %s: cannot write %s (it stays %s): %s",
                            knob, new, old, strerror(-error));
        else
                audit_event(AUDIT_TIERING_KNOB, LOG_NOTICE, f, "tiering knob %s changed from %s to %s (%s)", knob,
                            old, new, why);
}

void audit_tiering_unsupported(const char *knob, const char *path) {
        char f_knob[96];
        const char *f[] = { f_knob, NULL };

        snprintf(f_knob, sizeof(f_knob), "DAXTIER_KNOB=%s", knob);
        audit_event(AUDIT_TIERING_UNSUPPORTED, LOG_NOTICE, f,
                    "tiering knob %s is not supported by this kernel (no %s); [tiering] goes on without it", knob,
                    path);
}

void audit_tiering_dropped(const char *knob, const char *found, const char *now) {
        log_notice("tiering knob %s was changed by someone else since daxtierd set it (now %s); left as it is, "
                   "the value found (%s) is forgotten", knob, now, found);
}
