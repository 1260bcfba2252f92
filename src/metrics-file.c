/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* metrics-file: see metrics-file.h. */

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "metrics-file.h"
#include "util.h"

int metrics_write_textfile(const char *path, const char *text) {
        char tmp[PATH_MAX];
        const char *slash = strrchr(path, '/');
        size_t dirlen = slash ? (size_t) (slash - path) + 1 : 0;
        size_t len = strlen(text);
        _cleanup_close_ int fd = -1;
        int r;

        if (!*path || (slash && !slash[1]))
                return -EINVAL;
        r = snprintf(tmp, sizeof(tmp), "%.*s.%s.XXXXXX", (int) dirlen, path, path + dirlen);
        if (r < 0 || (size_t) r >= sizeof(tmp))
                return -ENAMETOOLONG;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* mkostemp() makes it 0600; node_exporter runs as its own user. */
        if (fchmod(fd, 0644) < 0)
                goto fail;
        for (size_t done = 0; done < len;) {
                ssize_t n = write(fd, text + done, len - done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        goto fail;
                }
                done += (size_t) n;
        }
        if (fsync(fd) < 0)
                goto fail;
        if (rename(tmp, path) < 0)
                goto fail;
        return 0;

fail:
        r = -errno;
        (void) unlink(tmp);
        return r;
}
