/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pump: see pump.h. */

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "pump.h"

struct pump {
        sd_event *event;
        sd_event_source *idle, *timer;
        pump_step_fn step;
        void *userdata;
        bool enabled;
        bool stepped;           /* a step ran since the timer last fired */
};

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static int on_idle(sd_event_source *s, void *userdata) {
        struct pump *p = userdata;

        p->stepped = true;
        p->step(p->userdata);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct pump *p = userdata;

        if (!p->stepped) {
                /* Starved: the loop had something else to do every time. */
                uint64_t end = now_usec() + PUMP_BATCH_USEC;
                for (unsigned i = 0; i < PUMP_BATCH_STEPS && p->enabled && now_usec() < end; i++)
                        p->step(p->userdata);
        }
        p->stepped = false;
        if (!p->enabled)
                return 0;
        (void) sd_event_source_set_time_relative(s, PUMP_INTERVAL_USEC);
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

int pump_new(sd_event *event, const char *description, pump_step_fn step, void *userdata, struct pump **ret) {
        struct pump *p;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->event = sd_event_ref(event);
        p->step = step;
        p->userdata = userdata;
        r = sd_event_add_defer(event, &p->idle, on_idle, p);
        if (r < 0)
                goto fail;
        sd_event_source_set_priority(p->idle, SD_EVENT_PRIORITY_IDLE);
        sd_event_source_set_description(p->idle, description);
        sd_event_source_set_enabled(p->idle, SD_EVENT_OFF);
        r = sd_event_add_time_relative(event, &p->timer, CLOCK_MONOTONIC, PUMP_INTERVAL_USEC, 1000, on_timer, p);
        if (r < 0)
                goto fail;
        sd_event_source_set_priority(p->timer, SD_EVENT_PRIORITY_NORMAL);
        sd_event_source_set_description(p->timer, description);
        sd_event_source_set_enabled(p->timer, SD_EVENT_OFF);
        *ret = p;
        return 0;
fail:
        pump_free(p);
        return r;
}

void pump_set_enabled(struct pump *p, bool on) {
        if (on == p->enabled)
                return;
        p->enabled = on;
        sd_event_source_set_enabled(p->idle, on ? SD_EVENT_ON : SD_EVENT_OFF);
        if (on) {
                p->stepped = false;
                (void) sd_event_source_set_time_relative(p->timer, PUMP_INTERVAL_USEC);
                sd_event_source_set_enabled(p->timer, SD_EVENT_ONESHOT);
        } else
                sd_event_source_set_enabled(p->timer, SD_EVENT_OFF);
}

bool pump_enabled(const struct pump *p) {
        return p->enabled;
}

void pump_free(struct pump *p) {
        if (!p)
                return;
        sd_event_source_disable_unref(p->idle);
        sd_event_source_disable_unref(p->timer);
        sd_event_unref(p->event);
        free(p);
}
