/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* statefile: see statefile.h. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "statefile.h"
#include "util.h"

int statefile_write(const char *path, const void *buf, size_t len) {
        char tmp[PATH_MAX];
        _cleanup_close_ int fd = -1;
        int r = 0;

        if ((size_t) snprintf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp))
                return -ENAMETOOLONG;
        if (mkdir(STATEFILE_DIR, 0755) < 0 && errno != EEXIST)
                return -errno;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        errno = 0;
        if (write(fd, buf, len) != (ssize_t) len || fsync(fd) < 0)
                r = errno ? -errno : -EIO;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void) unlink(tmp);
        return r;
}

int statefile_read(const char *path, char *buf, size_t max, size_t *ret_len) {
        _cleanup_close_ int fd = -1;
        struct stat st;
        ssize_t n;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        n = read(fd, buf, max);
        if (n < 0)
                return -errno;
        *ret_len = (size_t) n;
        return 0;
}
