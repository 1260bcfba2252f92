/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* worker: see worker.h. */

#include <pthread.h>
#include <sys/eventfd.h>

#include "log.h"
#include "util.h"
#include "worker.h"

struct worker {
        int fd;
        sd_event_source *source;
        worker_done_fn done;
        void *userdata;

        pthread_t thread;
        bool running;
        bool threaded;          /* the thread must be joined */
        worker_fn fn;
        void *arg;
};

static void *worker_main(void *userdata) {
        struct worker *w = userdata;
        uint64_t one = 1;

        w->fn(w->arg);
        if (write(w->fd, &one, sizeof(one)) < 0)
                abort();        /* eventfd writes of 1 cannot fail */
        return NULL;
}

static int on_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct worker *w = userdata;
        uint64_t n;

        if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
                log_warning("reading a worker's eventfd: %m");
        if (!w->running)
                return 0;
        if (w->threaded)
                pthread_join(w->thread, NULL);
        w->running = w->threaded = false;
        if (w->done)
                w->done(w->userdata);
        return 0;
}

int worker_start(struct worker *w, worker_fn fn, void *arg) {
        int r;

        if (w->running)
                return -EBUSY;
        w->fn = fn;
        w->arg = arg;
        w->running = true;
        r = pthread_create(&w->thread, NULL, worker_main, w);
        w->threaded = r == 0;
        if (r != 0) {
                log_warning("cannot start a worker thread (%s); working in the event loop", strerror(r));
                worker_main(w);         /* signals the eventfd: done() follows from the loop */
        }
        return 0;
}

bool worker_busy(const struct worker *w) {
        return w && w->running;
}

int worker_new(sd_event *event, const char *description, worker_done_fn done, void *userdata,
               struct worker **ret) {
        struct worker *w;
        int r;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->done = done;
        w->userdata = userdata;
        w->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->fd < 0) {
                r = -errno;
                free(w);
                return r;
        }
        r = sd_event_add_io(event, &w->source, w->fd, EPOLLIN, on_done, w);
        if (r < 0) {
                worker_free(w);
                return r;
        }
        sd_event_source_set_description(w->source, description);
        *ret = w;
        return 0;
}

void worker_free(struct worker *w) {
        if (!w)
                return;
        if (w->running && w->threaded)
                pthread_join(w->thread, NULL);
        sd_event_source_disable_unref(w->source);
        if (w->fd >= 0)
                close(w->fd);
        free(w);
}
