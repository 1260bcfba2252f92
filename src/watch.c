/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* watch: see watch.h. */

#include <fcntl.h>
#include <limits.h>

#include "log.h"
#include "sysfs.h"
#include "util.h"
#include "watch.h"

struct watch {
        char path[128];         /* /sys/bus/nd/devices/region0/badblocks */
        int fd;
        sd_event_source *source;
        watch_fn fn;
        void *userdata;
        /* in a watch_set */
        int tag;
        bool keep;
};

static void drain(int fd) {
        char buf[4096];

        while (read(fd, buf, sizeof(buf)) > 0)
                ;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct watch *w = userdata;

        /* Read to the end to arm the next notification. */
        if (lseek(fd, 0, SEEK_SET) == 0)
                drain(fd);
        log_debug("%s changed", w->path);
        w->fn(w, w->userdata);
        return 0;
}

int watch_new(sd_event *event, const char *path, const char *description, watch_fn fn, void *userdata,
              struct watch **ret) {
        char full[PATH_MAX];
        struct watch *w;
        int r;

        r = sysfs_path(full, sizeof(full), path);
        if (r < 0)
                return r;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        snprintf(w->path, sizeof(w->path), "%s", path);
        w->fn = fn;
        w->userdata = userdata;
        w->fd = open(full, O_RDONLY | O_CLOEXEC);
        if (w->fd < 0) {
                r = -errno;
                free(w);
                return r;
        }
        /* sysfs arms the notification at a read. */
        drain(w->fd);
        r = sd_event_add_io(event, &w->source, w->fd, EPOLLPRI, on_io, w);
        if (r < 0) {
                watch_free(w);
                return r;
        }
        sd_event_source_set_description(w->source, description);
        *ret = w;
        return 0;
}

void watch_free(struct watch *w) {
        if (!w)
                return;
        sd_event_source_disable_unref(w->source);
        if (w->fd >= 0)
                close(w->fd);
        free(w);
}

const char *watch_path(const struct watch *w) {
        return w->path;
}

struct watch_set {
        sd_event *event;
        const char *description;
        watch_set_fn fn;
        void *userdata;
        struct watch **w;
        size_t n;
};

static void on_set_watch(struct watch *w, void *userdata) {
        struct watch_set *s = userdata;
        s->fn(w->tag, s->userdata);
}

int watch_set_new(sd_event *event, const char *description, watch_set_fn fn, void *userdata,
                  struct watch_set **ret) {
        struct watch_set *s = calloc(1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        *s = (struct watch_set) { .event = event, .description = description, .fn = fn, .userdata = userdata };
        *ret = s;
        return 0;
}

void watch_set_free(struct watch_set *s) {
        if (!s)
                return;
        for (size_t i = 0; i < s->n; i++)
                watch_free(s->w[i]);
        free(s->w);
        free(s);
}

void watch_set_mark(struct watch_set *s) {
        for (size_t i = 0; i < s->n; i++)
                s->w[i]->keep = false;
}

void watch_set_add(struct watch_set *s, const char *path, int tag) {
        struct watch **a, *w;

        for (size_t i = 0; i < s->n; i++)
                if (streq(s->w[i]->path, path)) {
                        s->w[i]->keep = true;
                        return;
                }
        a = realloc(s->w, (s->n + 1) * sizeof(*a));
        if (!a)
                return;
        s->w = a;
        /* An attribute that is missing (no nfit bus) is not watched. */
        if (watch_new(s->event, path, s->description, on_set_watch, s, &w) < 0)
                return;
        w->tag = tag;
        w->keep = true;
        s->w[s->n++] = w;
}

void watch_set_sweep(struct watch_set *s) {
        for (size_t i = 0; i < s->n;) {
                if (s->w[i]->keep) {
                        i++;
                        continue;
                }
                watch_free(s->w[i]);
                s->w[i] = s->w[--s->n];
        }
}
