/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cxl-poison: see cxl-poison.h. */

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cxl-poison.h"
#include "sysfs.h"
#include "util.h"

#define CXL_DEVICES "/sys/bus/cxl/devices"
#define CXL_TRACEFS "/sys/kernel/tracing"
#define CXL_TRACE_INSTANCE CXL_TRACEFS "/instances/daxtierd"
#define CXL_EVENTS_INSTANCE CXL_TRACEFS "/instances/daxtierd-events"

/* The value of "key=" in a trace line, up to the next blank. */
static bool field(const char *line, const char *key, char *buf, size_t len) {
        size_t kl = strlen(key);

        for (const char *s = line; (s = strstr(s, key)); s += kl) {
                size_t n;

                if ((s != line && s[-1] != ' ') || s[kl] != '=')
                        continue;
                s += kl + 1;
                n = strcspn(s, " \n");
                if (n >= len)
                        n = len - 1;
                memcpy(buf, s, n);
                buf[n] = '\0';
                return true;
        }
        return false;
}

int cxl_poison_parse_line(const char *line, const char *memdev, struct cxl_poison *ret) {
        char v[64];
        const char *ev = strstr(line, "cxl_poison: ");

        if (!ev)
                return 0;
        ev += strlen("cxl_poison: ");
        if (memdev && (!field(ev, "memdev", v, sizeof(v)) || !streq(v, memdev)))
                return 0;
        *ret = (struct cxl_poison) { .hpa = UINT64_MAX };
        if (!field(ev, "dpa", v, sizeof(v)) || safe_atou64(v, 0, &ret->dpa) < 0)
                return -EINVAL;
        if (field(ev, "dpa_length", v, sizeof(v)))
                (void) safe_atou64(v, 0, &ret->length);
        if (field(ev, "hpa", v, sizeof(v)) && safe_atou64(v, 0, &ret->hpa) < 0)
                ret->hpa = UINT64_MAX;
        (void) field(ev, "region", ret->region, sizeof(ret->region));
        (void) field(ev, "source", ret->source, sizeof(ret->source));
        return 1;
}

int cxl_sysfs_poison_list(const char *memdev, struct cxl_poison *ret, size_t max) {
        char p[PATH_MAX], line[1024];
        _cleanup_fclose_ FILE *f = NULL;
        size_t n = 0;
        int r;

        snprintf(p, sizeof(p), CXL_DEVICES "/%s/trigger_poison_list", memdev);
        r = sysfs_exists(p);
        if (r <= 0)
                return r < 0 ? r : -EOPNOTSUPP;
        r = sysfs_exists(CXL_TRACE_INSTANCE);
        if (r == 0) {
                char dir[PATH_MAX];

                if ((r = sysfs_path(dir, sizeof(dir), CXL_TRACE_INSTANCE)) < 0)
                        return r;
                if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                        return errno == ENOENT ? -EOPNOTSUPP : -errno;
        } else if (r < 0)
                return r;
        r = sysfs_write(CXL_TRACE_INSTANCE "/events/cxl/cxl_poison/enable", "1");
        if (r < 0)
                return r == -ENOENT ? -EOPNOTSUPP : r;
        /* Opening "trace" for writing with O_TRUNC empties the buffer. */
        {
                char tp[PATH_MAX];
                FILE *t;

                if ((r = sysfs_path(tp, sizeof(tp), CXL_TRACE_INSTANCE "/trace")) < 0)
                        return r;
                t = fopen(tp, "we");
                if (t)
                        fclose(t);
        }
        r = sysfs_write(p, "1");
        (void) sysfs_write(CXL_TRACE_INSTANCE "/events/cxl/cxl_poison/enable", "0");
        if (r < 0)
                return r;
        if ((r = sysfs_path(p, sizeof(p), CXL_TRACE_INSTANCE "/trace")) < 0)
                return r;
        f = fopen(p, "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                struct cxl_poison rec;

                if (line[0] == '#')
                        continue;
                r = cxl_poison_parse_line(line, memdev, &rec);
                if (r <= 0)
                        continue;
                if (n < max)
                        ret[n] = rec;
                n++;
        }
        return (int) n;
}

int cxl_media_event_parse_line(const char *line, char *memdev, size_t len) {
        const char *ev = strstr(line, "cxl_general_media: ");

        if (!ev)
                ev = strstr(line, "cxl_dram: ");
        if (!ev)
                return 0;
        ev = strchr(ev, ' ');
        if (!field(ev + 1, "memdev", memdev, len) || !*memdev)
                return 0;
        return 1;
}

static int instance_make(const char *instance) {
        char dir[PATH_MAX];
        int r = sysfs_exists(instance);

        if (r != 0)
                return r < 0 ? r : 0;
        if ((r = sysfs_path(dir, sizeof(dir), instance)) < 0)
                return r;
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return errno == ENOENT ? -EOPNOTSUPP : -errno;
        return 0;
}

int cxl_media_events_open(void) {
        static const char *const events[] = { "cxl_general_media", "cxl_dram" };
        char p[PATH_MAX];
        unsigned on = 0;
        int r, fd;

        if ((r = instance_make(CXL_EVENTS_INSTANCE)) < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(events); i++) {
                snprintf(p, sizeof(p), CXL_EVENTS_INSTANCE "/events/cxl/%s/enable", events[i]);
                if (sysfs_write(p, "1") >= 0)
                        on++;
        }
        if (on == 0)
                return -EOPNOTSUPP;
        /* Kernels without it wake the pipe's readers at the first event. */
        (void) sysfs_write(CXL_EVENTS_INSTANCE "/buffer_percent", "0");
        if ((r = sysfs_path(p, sizeof(p), CXL_EVENTS_INSTANCE "/trace_pipe")) < 0)
                return r;
        fd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}
