/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kernel-holders: the real backend's holders() (kernel-internal.h). */

#include <dirent.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "kernel-internal.h"
#include "sysfs.h"
#include "log.h"
#include "util.h"

/*
 * Finding the processes that hold /dev/daxX.Y, without ever touching the
 * file system a process's file lives on.
 *
 * Why: stat() of /proc/PID/fd/N follows the link into the file's own
 * file system; a file on a FUSE mount whose server hangs, or on a hung
 * NFS mount, blocks the caller for as long as the server does.  So
 * every fact comes from procfs text, which the kernel fills in from the
 * open file itself (no file-system callback): /proc/PID/fdinfo/N gives
 * the file's mount (mnt_id) and inode number, /proc/PID/mountinfo that
 * mount's device number (and file system type), /proc/PID/maps the
 * device number and inode of every mapped file.  A file is the device's
 * node when its device number and inode are the node's, as stat() of
 * /dev/daxX.Y (devtmpfs, in memory) gives them: a file's name is never
 * trusted (anyone can map a file named "/tmp/x /dev/dax0.0").
 *
 * The one stat through an fd link: a node of the same device made
 * elsewhere with mknod (a container's /dev) has another inode; an fd
 * whose link ends in the device's name and whose mount is an in-memory
 * file system (tmpfs, devtmpfs, ramfs: no server to wait for) is statted
 * and its rdev compared.  The scan runs in the worker thread, off the
 * event loop (device_job_call()).
 */

struct node_id {
        bool known;
        dev_t dev;              /* the file system of /dev/daxX.Y */
        ino_t ino;
};

/* A process's mounts, read from its mountinfo when first needed. */
struct mounts {
        bool loaded;
        size_t n;
        struct mount_entry {
                int id;
                dev_t dev;
                bool in_memory;
        } *e;
};

static void mounts_load(int pid_fd, struct mounts *m) {
        _cleanup_close_ int fd = -1;
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;

        m->loaded = true;
        fd = openat(pid_fd, "mountinfo", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return;
        f = fdopen(fd, "r");
        if (!f)
                return;
        fd = -1;
        while (getline(&line, &cap, f) > 0) {
                struct mount_entry e = {};
                unsigned maj, min;
                const char *sep, *type;
                struct mount_entry *a;

                if (sscanf(line, "%d %*d %u:%u", &e.id, &maj, &min) != 3)
                        continue;
                e.dev = makedev(maj, min);
                /* "... - FSTYPE SOURCE OPTIONS" */
                sep = strstr(line, " - ");
                type = sep ? sep + 3 : "";
                e.in_memory = startswith(type, "tmpfs ") || startswith(type, "devtmpfs ") ||
                              startswith(type, "ramfs ");
                a = realloc(m->e, (m->n + 1) * sizeof(*a));
                if (!a)
                        return;
                m->e = a;
                m->e[m->n++] = e;
        }
}

static const struct mount_entry *mounts_find(int pid_fd, struct mounts *m, int id) {
        if (!m->loaded)
                mounts_load(pid_fd, m);
        for (size_t i = 0; i < m->n; i++)
                if (m->e[i].id == id)
                        return &m->e[i];
        return NULL;
}

/* mnt_id and ino of an open file, from /proc/PID/fdinfo/N; 0 or -errno. */
static int fdinfo_read(int fdinfo_fd, const char *name, int *mnt_id, uint64_t *ino) {
        _cleanup_close_ int fd = openat(fdinfo_fd, name, O_RDONLY | O_CLOEXEC);
        char buf[4096], *p;
        ssize_t n;
        bool have_mnt = false, have_ino = false;

        if (fd < 0)
                return -errno;
        n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
                if (startswith(p, "mnt_id:"))
                        have_mnt = sscanf(p + 7, "%d", mnt_id) == 1;
                else if (startswith(p, "ino:"))
                        have_ino = sscanf(p + 4, "%" SCNu64, ino) == 1;
        }
        return have_mnt && have_ino ? 0 : -ENODATA;
}

static bool fd_dir_holds(int pid_fd, const struct dax_facts *df, const struct node_id *node, struct mounts *m) {
        _cleanup_close_ int fd = openat(pid_fd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int info = openat(pid_fd, "fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *dir;
        struct dirent *de;
        bool held = false;
        size_t nl = strlen(df->name);

        if (fd < 0)
                return false;
        dir = fdopendir(fd);
        if (!dir)
                return false;
        fd = -1;
        while (!held && (de = readdir(dir))) {
                const struct mount_entry *me;
                char target[PATH_MAX];
                uint64_t ino = 0;
                int mnt_id = -1;
                ssize_t n;
                struct stat st;

                if (de->d_name[0] == '.')
                        continue;
                if (info >= 0 && fdinfo_read(info, de->d_name, &mnt_id, &ino) >= 0 && node->known &&
                    ino == node->ino) {
                        me = mounts_find(pid_fd, m, mnt_id);
                        if (me && me->dev == node->dev) {
                                held = true;
                                continue;
                        }
                }
                /* Another node of the device, on an in-memory file system. */
                if (!df->devt || mnt_id < 0)
                        continue;
                n = readlinkat(dirfd(dir), de->d_name, target, sizeof(target) - 1);
                if (n <= (ssize_t) nl)
                        continue;
                target[n] = 0;
                if (target[n - (ssize_t) nl - 1] != '/' || !streq(target + n - nl, df->name))
                        continue;
                me = mounts_find(pid_fd, m, mnt_id);
                if (me && me->in_memory && fstatat(dirfd(dir), de->d_name, &st, 0) == 0 && S_ISCHR(st.st_mode) &&
                    st.st_rdev == df->devt)
                        held = true;
        }
        closedir(dir);
        return held;
}

static bool maps_hold(int pid_fd, const struct node_id *node) {
        _cleanup_close_ int fd = -1;
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;

        if (!node->known)
                return false;
        fd = openat(pid_fd, "maps", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        f = fdopen(fd, "r");
        if (!f)
                return false;
        fd = -1;
        /* "start-end perms offset MAJ:MIN INODE [path]", numbers in hex
         * but the inode. */
        while (getline(&line, &cap, f) > 0) {
                unsigned maj, min;
                uint64_t ino;
                if (sscanf(line, "%*s %*s %*s %x:%x %" SCNu64, &maj, &min, &ino) == 3 && ino != 0 &&
                    ino == node->ino && makedev(maj, min) == node->dev)
                        return true;
        }
        return false;
}

/* stat() of /dev/NAME: devtmpfs, in memory.  Under a fake root (tests)
 * any file stands for the node; else it must be the character device
 * the facts name. */
static void node_identify(const struct dax_facts *f, struct node_id *node) {
        char p[PATH_MAX], rel[64];
        struct stat st;

        *node = (struct node_id) {};
        snprintf(rel, sizeof(rel), "/dev/%s", f->name);
        if (sysfs_path(p, sizeof(p), rel) < 0 || stat(p, &st) < 0)
                return;
        if (S_ISCHR(st.st_mode) ? f->devt && st.st_rdev != f->devt : !sysfs_root()[0])
                return;
        *node = (struct node_id) { .known = true, .dev = st.st_dev, .ino = st.st_ino };
}

int kernel_holders(void *ctx, const struct dax_facts *f, char **ret) {
        char proc[PATH_MAX];
        struct strbuf who = {};
        struct node_id node;
        _cleanup_close_ int pfd = -1;
        DIR *dir;
        struct dirent *de;
        int n = 0, procs = 0, r;
        uint64_t t0 = kernel_now_usec();

        r = sysfs_path(proc, sizeof(proc), "/proc");
        if (r < 0)
                return r;
        node_identify(f, &node);
        if (!node.known && !f->devt)
                return -ENODEV;
        dir = opendir(proc);
        if (!dir)
                return -errno;
        while ((de = readdir(dir))) {
                struct mounts m = {};
                int pid;
                char comm[64] = "?", p[PATH_MAX];
                bool held;

                if (safe_atoi(de->d_name, &pid) < 0 || pid == getpid())
                        continue;
                pfd = openat(dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (pfd < 0)
                        continue;
                procs++;
                held = maps_hold(pfd, &node) || fd_dir_holds(pfd, f, &node, &m);
                free(m.e);
                if (held) {
                        snprintf(p, sizeof(p), "/proc/%d/comm", pid);
                        (void) sysfs_read(p, comm, sizeof(comm));
                        strbuf_appendf(&who, "%spid %d (%s)", n ? ", " : "", pid, comm);
                        n++;
                }
                close(TAKE_FD(pfd));
        }
        closedir(dir);
        log_debug("holders scan for %s: %d processes, %d holding, %.1f ms", f->name, procs, n,
                  (double) (kernel_now_usec() - t0) / 1000);
        if (n > 0) {
                *ret = strbuf_steal(&who);
                if (!*ret)
                        return -ENOMEM;
        }
        strbuf_free(&who);
        return n;
}
