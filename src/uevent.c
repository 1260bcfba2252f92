/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* uevent: see uevent.h. */

#include <stdio.h>

#include "uevent.h"
#include "util.h"

bool dax_name_valid(const char *name) {
        unsigned a, b;
        char c;
        return sscanf(name, "dax%u.%u%c", &a, &b, &c) == 2;
}

bool region_name_valid(const char *name) {
        unsigned id;
        char c;
        return sscanf(name, "region%u%c", &id, &c) == 1;
}

void uevent_route(const char *subsystem, const char *action, const char *name, struct uevent_route *ret) {
        *ret = (struct uevent_route) { .kind = UEVENT_IGNORE };
        if (!subsystem || !action || !name)
                return;

        if (streq(subsystem, "dax")) {
                if (!dax_name_valid(name))
                        return;
                ret->kind = UEVENT_DAX;
                if (streq(action, "remove")) {
                        ret->remove = true;
                        return;
                }
                /* A device that comes back is news: give it a fresh look. */
                ret->fresh = ret->regions = streq(action, "add");
                return;
        }

        if (streq(subsystem, "nd")) {
                ret->regions = region_name_valid(name) &&
                               (streq(action, "add") || streq(action, "change") || streq(action, "bind"));
                ret->security = startswith(name, "nmem") || startswith(name, "region");
                ret->kind = ret->regions || ret->security ? UEVENT_ND : UEVENT_IGNORE;
                return;
        }

        /* CXL: a memdev whose driver bound, or a new endpoint port, is
         * capacity a [region] rule with match.source = cxl may use (the
         * cxl modules load at coldplug, after the daemon's first pass).
         * Regions and decoders are left out: daxtierd's own region
         * creation makes those. */
        if (streq(subsystem, "cxl")) {
                unsigned id;
                char c;

                if ((streq(action, "bind") && sscanf(name, "mem%u%c", &id, &c) == 1) ||
                    ((streq(action, "add") || streq(action, "bind")) && sscanf(name, "endpoint%u%c", &id, &c) == 1)) {
                        ret->kind = UEVENT_CXL;
                        ret->regions = true;
                }
                return;
        }

        if (streq(subsystem, "memory")) {
                if (!startswith(name, "memory") || safe_atou64(name + 6, 10, &ret->block) < 0)
                        return;
                ret->kind = UEVENT_MEMORY;
        }
}

bool uevent_security_concerns(const struct device *d) {
        return d->want.security != DT_SECURITY_NONE;
}

bool uevent_block_concerns(const struct device *d, uint64_t block, uint64_t block_size) {
        if (!d->facts_valid || block_size == 0 || (d->state != DEV_ONLINE && d->state != DEV_DEVDAX))
                return false;
        for (unsigned i = 0; i < d->facts.n_ranges; i++) {
                uint64_t first = (d->facts.ranges[i].start + block_size - 1) / block_size;
                uint64_t end = (d->facts.ranges[i].end + 1) / block_size;
                if (block >= first && block < end)
                        return true;
        }
        return false;
}
