/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tiering-io: see tiering-io.h. */

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>

#include "metrics-file.h"
#include "sysfs.h"
#include "tiering-io.h"
#include "util.h"

#define NODE_DIR "/sys/devices/system/node"
#define WI_DIR "/sys/kernel/mm/mempolicy/weighted_interleave"
#define TIER_DIR "/sys/devices/virtual/memory_tiering"

/* A knob's value, "" when the kernel lacks it (or it cannot be read). */
static void read_knob(enum tiering_knob k, int node, char *buf, size_t len) {
        char path[PATH_MAX];

        tiering_knob_path(k, node, path, sizeof(path));
        if (sysfs_read(path, buf, len) < 0)
                buf[0] = 0;
}

static int read_mask(const char *path, uint64_t *mask) {
        char buf[256];
        int r = sysfs_read(path, buf, sizeof(buf));
        if (r < 0)
                return r;
        return tiering_parse_nodelist(buf, mask);
}

/* Lists nodeN entries of a directory as a mask. */
static int list_nodes(const char *dir, uint64_t *mask) {
        char p[PATH_MAX];
        DIR *d;
        struct dirent *de;
        int r;

        *mask = 0;
        r = sysfs_path(p, sizeof(p), dir);
        if (r < 0)
                return r;
        d = opendir(p);
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                int n;
                if (!startswith(de->d_name, "node") || safe_atoi(de->d_name + 4, &n) < 0)
                        continue;
                if (n >= 0 && n < TIERING_MAX_NODES)
                        *mask |= UINT64_C(1) << n;
        }
        closedir(d);
        return 0;
}

static uint64_t node_bandwidth(int node) {
        static const char *const classes[] = { "access1", "access0" };
        char p[PATH_MAX];

        for (size_t i = 0; i < ELEMENTSOF(classes); i++) {
                uint64_t rd, wr;
                snprintf(p, sizeof(p), NODE_DIR "/node%d/%s/initiators/read_bandwidth", node, classes[i]);
                if (sysfs_read_u64(p, 10, &rd) < 0)
                        continue;
                snprintf(p, sizeof(p), NODE_DIR "/node%d/%s/initiators/write_bandwidth", node, classes[i]);
                if (sysfs_read_u64(p, 10, &wr) < 0)
                        continue;
                return rd < wr ? rd : wr;
        }
        return 0;
}

int tiering_read_facts(struct tiering_facts *f) {
        uint64_t wi = 0, mem = 0;

        *f = (struct tiering_facts) {};
        read_knob(TIERING_KNOB_DEMOTION, -1, f->demotion, sizeof(f->demotion));
        read_knob(TIERING_KNOB_NUMA_BALANCING, -1, f->numa_balancing, sizeof(f->numa_balancing));
        read_knob(TIERING_KNOB_PROMOTE_RATE, -1, f->promote_rate, sizeof(f->promote_rate));
        read_knob(TIERING_KNOB_WI_AUTO, -1, f->wi_auto, sizeof(f->wi_auto));

        (void) list_nodes(WI_DIR, &wi);         /* absent before 6.9 */
        (void) read_mask(NODE_DIR "/has_memory", &mem);
        for (int n = 0; n < TIERING_MAX_NODES; n++) {
                if (!((wi | mem) & (UINT64_C(1) << n)))
                        continue;
                struct tiering_node *tn = &f->nodes[f->n_nodes++];
                tn->node = n;
                tn->has_memory = mem & (UINT64_C(1) << n);
                if (wi & (UINT64_C(1) << n))
                        read_knob(TIERING_KNOB_WI_NODE, n, tn->weight, sizeof(tn->weight));
                tn->bandwidth = node_bandwidth(n);
        }
        return 0;
}

int tiering_write(const struct tiering_change *c) {
        char path[PATH_MAX];

        tiering_knob_path(c->knob, c->node, path, sizeof(path));
        return sysfs_write(path, c->new);
}

int tiering_read_nodes(struct tiering_node_stats *out, size_t max) {
        char p[PATH_MAX];
        uint64_t online = 0;
        int tier_of[TIERING_MAX_NODES];
        DIR *d;
        struct dirent *de;
        size_t n = 0;
        int r;

        r = read_mask(NODE_DIR "/online", &online);
        if (r < 0)
                return r;

        for (int i = 0; i < TIERING_MAX_NODES; i++)
                tier_of[i] = -1;
        r = sysfs_path(p, sizeof(p), TIER_DIR);
        if (r < 0)
                return r;
        d = opendir(p);
        if (d) {        /* no memory_tiering before 6.1, or without NUMA */
                while ((de = readdir(d))) {
                        int t;
                        uint64_t m;
                        char path[PATH_MAX];
                        if (!startswith(de->d_name, "memory_tier") || safe_atoi(de->d_name + 11, &t) < 0)
                                continue;
                        snprintf(path, sizeof(path), TIER_DIR "/%s/nodelist", de->d_name);
                        if (read_mask(path, &m) < 0)
                                continue;
                        for (int i = 0; i < TIERING_MAX_NODES; i++)
                                if (m & (UINT64_C(1) << i))
                                        tier_of[i] = t;
                }
                closedir(d);
        }

        for (int i = 0; i < TIERING_MAX_NODES && n < max; i++) {
                char vpath[PATH_MAX], fpath[PATH_MAX];
                _cleanup_free_ char *text = NULL;
                if (!(online & (UINT64_C(1) << i)))
                        continue;
                struct tiering_node_stats *s = &out[n++];
                *s = (struct tiering_node_stats) { .node = i, .tier = tier_of[i] };

                /* vmstat is longer than sysfs_read()'s one line: read it whole. */
                snprintf(vpath, sizeof(vpath), NODE_DIR "/node%d/vmstat", i);
                if (sysfs_path(fpath, sizeof(fpath), vpath) < 0)
                        continue;
                _cleanup_fclose_ FILE *fp = fopen(fpath, "re");
                if (!fp)
                        continue;
                size_t cap = 0, len = 0;
                for (;;) {
                        if (len + 4096 + 1 > cap) {
                                char *t = realloc(text, cap = len + 8192);
                                if (!t)
                                        return -ENOMEM;
                                text = t;
                        }
                        size_t got = fread(text + len, 1, cap - len - 1, fp);
                        len += got;
                        if (got == 0)
                                break;
                }
                text[len] = 0;
                int found = tiering_parse_vmstat(text, &s->demoted, &s->promoted);
                s->has_demoted = found & TIERING_VMSTAT_DEMOTE;
                s->has_promoted = found & TIERING_VMSTAT_PROMOTE;
        }
        return (int) n;
}

int tiering_state_save(const char *path, const struct tiering_state *s) {
        char text[TIERING_STATE_TEXT_MAX];
        int r;

        if (!s->applied && s->n_saved == 0)
                return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
        r = tiering_state_format(s, text, sizeof(text));
        if (r < 0)
                return r;
        return metrics_write_textfile(path, text);
}

int tiering_state_load(const char *path, struct tiering_state *s, char *err, size_t errlen) {
        char text[TIERING_STATE_TEXT_MAX];
        _cleanup_close_ int fd = -1;
        size_t len = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t n = read(fd, text + len, sizeof(text) - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
                if (len == sizeof(text)) {
                        snprintf(err, errlen, "longer than %zu bytes", sizeof(text) - 1);
                        return -EINVAL;
                }
        }
        return tiering_state_parse(text, len, s, err, errlen);
}
