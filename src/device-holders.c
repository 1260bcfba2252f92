/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* device-holders: the job's in-use check, the scan (run by
 * device_job_call(), off the loop) and its verdict (device-internal.h). */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device-internal.h"
#include "util.h"

/* Scans for processes holding d's device node: 0 when nobody does (or
 * the device has no node, not on device_dax); else call_who or
 * call_refused says why not to go on. */
int job_holders_scan(struct device *d, const struct backend *be, void *ctx) {
        struct job *j = d->job;
        int r;

        free(j->call_who);
        j->call_who = NULL;
        j->call_refused = 0;
        if (d->facts.driver != DRV_DEVICE_DAX)
                return 0;
        r = be->holders(ctx, &d->facts, &j->call_who);
        if (r < 0) {
                j->call_refused = r;
                return r;
        }
        if (r > 0)
                return -EBUSY;
        return 0;
}

/* Ends the job refused when the last holders scan found the device in use
 * or could not tell; returns 1 when the device is free. */
int job_holders_verdict(struct device *d, const struct device_observer *obs) {
        struct job *j = d->job;

        if (j->call_who)
                return job_endf(d, DEV_REFUSED, obs, "/dev/%s is in use by %s", d->name, j->call_who);
        if (j->call_refused < 0)
                return job_endf(d, DEV_REFUSED, obs, "cannot tell whether /dev/%s is in use: %s", d->name,
                                strerror(-j->call_refused));
        return 1;
}
