/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysfs: see sysfs.h. */

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "sysfs.h"
#include "util.h"

static char root[PATH_MAX];

void sysfs_set_root(const char *r) {
        snprintf(root, sizeof(root), "%s", r && !streq(r, "/") ? r : "");
}

const char *sysfs_root(void) {
        return root;
}

int sysfs_path(char *buf, size_t len, const char *path) {
        int n = snprintf(buf, len, "%s%s", root, path);
        return n < 0 || (size_t) n >= len ? -ENAMETOOLONG : 0;
}

int sysfs_read(const char *path, char *buf, size_t len) {
        char p[PATH_MAX];
        _cleanup_close_ int fd = -1;
        ssize_t n;
        int r;

        r = sysfs_path(p, sizeof(p), path);
        if (r < 0)
                return r;
        fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, len - 1);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        buf[strcspn(buf, "\n")] = 0;
        return 0;
}

int sysfs_read_u64(const char *path, int base, uint64_t *ret) {
        char buf[64];
        int r = sysfs_read(path, buf, sizeof(buf));
        if (r < 0)
                return r;
        return safe_atou64(buf, base, ret);
}

int sysfs_read_int(const char *path, int *ret) {
        char buf[64];
        int r = sysfs_read(path, buf, sizeof(buf));
        if (r < 0)
                return r;
        return safe_atoi(buf, ret);
}

int sysfs_write(const char *path, const char *value) {
        char p[PATH_MAX];
        _cleanup_close_ int fd = -1;
        size_t len = strlen(value);
        ssize_t n;
        int r;

        r = sysfs_path(p, sizeof(p), path);
        if (r < 0)
                return r;
        fd = open(p, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        n = write(fd, value, len);
        if (n < 0)
                return -errno;
        return (size_t) n == len ? 0 : -EIO;
}

int sysfs_link_name(const char *path, char *buf, size_t len) {
        char p[PATH_MAX], target[PATH_MAX];
        ssize_t n;
        int r;

        r = sysfs_path(p, sizeof(p), path);
        if (r < 0)
                return r;
        n = readlink(p, target, sizeof(target) - 1);
        if (n < 0)
                return -errno;
        target[n] = 0;
        const char *base = strrchr(target, '/');
        base = base ? base + 1 : target;
        if (strlen(base) >= len)
                return -ENAMETOOLONG;
        strcpy(buf, base);
        return 0;
}

int sysfs_resolve(const char *path, char *buf, size_t len) {
        char p[PATH_MAX], real[PATH_MAX];
        size_t rl = strlen(root);
        int r;

        r = sysfs_path(p, sizeof(p), path);
        if (r < 0)
                return r;
        if (!realpath(p, real))
                return -errno;
        const char *rel = real;
        if (rl > 0) {
                /* The root itself may sit behind a link (/tmp): resolve it too. */
                char rr[PATH_MAX];
                if (!realpath(root, rr))
                        return -errno;
                rl = strlen(rr);
                if (strncmp(real, rr, rl) != 0)
                        return -EXDEV;
                rel = real + rl;
        }
        if (strlen(rel) >= len)
                return -ENAMETOOLONG;
        strcpy(buf, rel);
        return 0;
}

int sysfs_exists(const char *path) {
        char p[PATH_MAX];
        struct stat st;
        int r = sysfs_path(p, sizeof(p), path);
        if (r < 0)
                return r;
        return stat(p, &st) == 0 ? 1 : (errno == ENOENT ? 0 : -errno);
}
