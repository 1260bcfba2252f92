/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy-load: config_load(): reads the main file and the drop-ins into
 * lines, has policy-ini.c parse each file, collects every error as
 * "FILE:LINE: message", and hands a valid result over as a struct policy.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dirent.h>
#include <fcntl.h>
#include <search.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "policy-loader.h"

static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

static int errors_append(struct config_errors *errs, char *msg) {
        char **m;

        m = realloc(errs->msgs, (errs->n + 1) * sizeof(char *));
        if (!m)
                return -ENOMEM;
        errs->msgs = m;
        errs->msgs[errs->n++] = msg;
        return 0;
}

void config_errors_clear(struct config_errors *errs) {
        if (!errs)
                return;
        for (size_t i = 0; i < errs->n; i++)
                free(errs->msgs[i]);
        free(errs->msgs);
        errs->msgs = NULL;
        errs->n = 0;
}

/*
 * The message, with control bytes escaped: values and whole lines are
 * echoed from files that may be binary, to a terminal and the journal.
 * NULL on OOM.
 */
__attribute__((format(printf, 1, 0)))
static char *format_message(const char *fmt, va_list ap) {
        _cleanup_free_ char *raw = NULL;

        if (vasprintf(&raw, fmt, ap) < 0)
                return NULL;
        return escape_control(raw);
}

void load_error(struct loader *ld, const char *fmt, ...) {
        va_list ap;
        char *msg;

        ld->n_errors++;
        if (!ld->errs)
                return;

        va_start(ap, fmt);
        msg = format_message(fmt, ap);
        va_end(ap);
        if (!msg) {
                ld->oom = -ENOMEM;
                return;
        }
        if (errors_append(ld->errs, msg) < 0) {
                free(msg);
                ld->oom = -ENOMEM;
        }
}

void line_error(struct loader *ld, unsigned line, const char *fmt, ...) {
        _cleanup_free_ char *body = NULL;
        va_list ap;
        char *msg;

        ld->n_errors++;
        if (!ld->errs)
                return;

        va_start(ap, fmt);
        body = format_message(fmt, ap);
        va_end(ap);
        if (!body || asprintf(&msg, "%s:%u: %s", ld->path, line, body) < 0) {
                ld->oom = -ENOMEM;
                return;
        }

        if (ld->n_pending == ld->pending_allocated) {
                size_t n = ld->pending_allocated ? 2 * ld->pending_allocated : 16;
                struct pending_error *p = reallocarray(ld->pending, n, sizeof(*p));

                if (!p) {
                        free(msg);
                        ld->oom = -ENOMEM;
                        return;
                }
                ld->pending = p;
                ld->pending_allocated = n;
        }
        ld->pending[ld->n_pending] = (struct pending_error) {
                .line = line,
                .seq = ld->n_pending,
                .msg = msg,
        };
        ld->n_pending++;
}

static int pending_cmp(const void *a, const void *b) {
        const struct pending_error *x = a, *y = b;

        if (x->line != y->line)
                return x->line < y->line ? -1 : 1;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void flush_pending(struct loader *ld) {
        if (ld->n_pending > 0)
                qsort(ld->pending, ld->n_pending, sizeof(*ld->pending), pending_cmp);

        for (size_t i = 0; i < ld->n_pending; i++) {
                if (ld->errs && errors_append(ld->errs, ld->pending[i].msg) >= 0)
                        continue;
                free(ld->pending[i].msg);
                ld->oom = -ENOMEM;
        }
        free(ld->pending);
        ld->pending = NULL;
        ld->n_pending = 0;
        ld->pending_allocated = 0;
}

static void free_lines(struct loader *ld) {
        for (size_t i = 0; i < ld->n_lines; i++)
                free(ld->lines[i].text);
        free(ld->lines);
        ld->lines = NULL;
        ld->n_lines = 0;
        ld->lines_allocated = 0;
}

static void rule_done(struct rule *r) {
        free(r->name);
        free(r->file);
        free(r->match_device);
        free(r->match_uuid);
        free(r->match_name);
        free(r->match_cxl_memdev);
}

static void rule_state_done(struct rule_state *rs) {
        rule_done(&rs->rule);
        free(rs->size_text[0]);
        free(rs->size_text[1]);
}

static void region_rule_done(struct region_rule *r) {
        free(r->name);
        free(r->file);
        free(r->match_cxl_memdev);
}

static void loader_done(struct loader *ld) {
        tdestroy(ld->rule_names, free);
        tdestroy(ld->region_names, free);
        for (size_t i = 0; i < ld->n_files; i++)
                free(ld->files[i]);
        free(ld->files);
        for (size_t i = 0; i < ld->n_rules; i++)
                rule_state_done(&ld->rules[i]);
        free(ld->rules);
        for (size_t i = 0; i < ld->n_regions; i++)
                region_rule_done(&ld->regions[i].rule);
        free(ld->regions);
        free_lines(ld);
        for (size_t i = 0; i < ld->n_pending; i++)
                free(ld->pending[i].msg);
        free(ld->pending);
}

/* Appends one line, trimmed; a line with a NUL byte in it is reported and left out of the parse. */
static int add_line(struct loader *ld, char *s, size_t len) {
        bool nul = strlen(s) < len;
        char *e;
        struct line *l;

        /* A BOM is only meaningful at the very start; inih would
         * skip it there too, but we must see past it to find '['. */
        if (ld->n_lines == 0 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
                s += 3;
        while (ascii_isspace(*s))
                s++;
        e = s + strlen(s);
        while (e > s && ascii_isspace(e[-1]))
                e--;
        *e = '\0';

        if (ld->n_lines == ld->lines_allocated) {
                size_t n = ld->lines_allocated ? 2 * ld->lines_allocated : 64;

                l = reallocarray(ld->lines, n, sizeof(*l));
                if (!l)
                        return -ENOMEM;
                ld->lines = l;
                ld->lines_allocated = n;
        }
        ld->lines[ld->n_lines] = (struct line) { .text = strdup(s), .state = nul ? LINE_BAD_SYNTAX : LINE_OK };
        if (!ld->lines[ld->n_lines].text)
                return -ENOMEM;
        ld->n_lines++;

        /* inih would see the line cut at the NUL, and so would we. */
        if (nul)
                line_error(ld, (unsigned) ld->n_lines, "NUL byte in the line (not a text file?)");
        return 0;
}

/* 0, -EFBIG past POLICY_FILE_SIZE_MAX, -ENOMEM, or the -errno of a failed read. */
static int read_lines(struct loader *ld, FILE *f) {
        _cleanup_free_ char *buf = NULL;
        size_t bufsize = 0, total = 0;
        ssize_t n;
        int r;

        for (;;) {
                errno = 0;
                n = getline(&buf, &bufsize, f);
                if (n < 0)
                        break;
                /* The size was checked before, but a file can grow. */
                total += (size_t) n;
                if (total > POLICY_FILE_SIZE_MAX)
                        return -EFBIG;
                r = add_line(ld, buf, (size_t) n);
                if (r < 0)
                        return r;
        }

        /* getline() returns -1 for errors as for the end of the file; only feof() tells them apart. */
        if (ferror(f) || !feof(f))
                return errno > 0 ? -errno : -EIO;
        return 0;
}

/*
 * Opens path for reading without blocking on a FIFO or a device, and
 * only if it is a regular file of at most POLICY_FILE_SIZE_MAX bytes.
 * Returns the stream, or NULL with the error reported (or, when missing
 * and optional, not).
 */
static FILE *open_config(struct loader *ld, const char *path, bool optional) {
        _cleanup_close_ int fd = -1;
        struct stat st;
        FILE *f;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0) {
                if (errno != ENOENT || !optional)
                        load_error(ld, "%s: cannot open: %s", path, strerror(errno));
                return NULL;
        }
        if (fstat(fd, &st) < 0) {
                load_error(ld, "%s: cannot open: %s", path, strerror(errno));
                return NULL;
        }
        if (S_ISDIR(st.st_mode)) {
                load_error(ld, "%s: cannot open: %s", path, strerror(EISDIR));
                return NULL;
        }
        if (!S_ISREG(st.st_mode)) {
                load_error(ld, "%s: not a regular file", path);
                return NULL;
        }
        if (st.st_size > (off_t) POLICY_FILE_SIZE_MAX) {
                load_error(ld, "%s: too large (more than %u MiB)", path, POLICY_FILE_SIZE_MAX >> 20);
                return NULL;
        }

        f = fdopen(fd, "re");
        if (!f) {
                load_error(ld, "%s: cannot open: %s", path, strerror(errno));
                return NULL;
        }
        TAKE_FD(fd);
        return f;
}

static int load_file(struct loader *ld, const char *path, bool optional) {
        _cleanup_fclose_ FILE *f = NULL;
        char **files, *p;
        int r;

        f = open_config(ld, path, optional);
        if (!f)
                return ld->oom;

        p = strdup(path);
        if (!p)
                return -ENOMEM;
        files = realloc(ld->files, (ld->n_files + 1) * sizeof(char *));
        if (!files) {
                free(p);
                return -ENOMEM;
        }
        ld->files = files;
        ld->files[ld->n_files++] = p;
        ld->path = p;

        r = read_lines(ld, f);
        if (r == -EFBIG)
                load_error(ld, "%s: too large (more than %u MiB)", path, POLICY_FILE_SIZE_MAX >> 20);
        else if (r < 0 && r != -ENOMEM)
                load_error(ld, "%s: cannot read: %s", path, strerror(-r));
        else if (r >= 0)
                r = ini_parse_lines(ld);

        flush_pending(ld);
        free_lines(ld);
        ld->path = NULL;

        if (r == -ENOMEM)
                return r;
        return ld->oom;
}

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static bool is_dropin_name(const char *name) {
        size_t n = strlen(name);

        return name[0] != '.' && n > 5 && streq(name + n - 5, ".conf");
}

static int load_dropins(struct loader *ld, const char *dir) {
        _cleanup_closedir_ DIR *d = NULL;
        char **names = NULL;
        size_t n_names = 0;
        struct dirent *de;
        int r = 0;

        d = opendir(dir);
        if (!d) {
                if (errno != ENOENT)
                        load_error(ld, "%s: cannot open: %s", dir, strerror(errno));
                return 0;
        }

        for (;;) {
                char **nn, *s;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                load_error(ld, "%s: cannot read: %s", dir, strerror(errno));
                        break;
                }
                if (!is_dropin_name(de->d_name))
                        continue;

                s = strdup(de->d_name);
                nn = s ? realloc(names, (n_names + 1) * sizeof(char *)) : NULL;
                if (!nn) {
                        free(s);
                        r = -ENOMEM;
                        goto finish;
                }
                names = nn;
                names[n_names++] = s;
        }

        /* Byte order, not the locale's collation, so that the order is the
         * same for the daemon and for an admin's shell. */
        if (n_names > 0)
                qsort(names, n_names, sizeof(char *), strcmp_ptr);

        for (size_t i = 0; i < n_names; i++) {
                _cleanup_free_ char *path = NULL;
                size_t l = strlen(dir);

                if (asprintf(&path, "%s%s%s", dir, l > 0 && dir[l - 1] == '/' ? "" : "/", names[i]) < 0) {
                        path = NULL;
                        r = -ENOMEM;
                        goto finish;
                }
                r = load_file(ld, path, false);
                if (r < 0)
                        goto finish;
        }

finish:
        for (size_t i = 0; i < n_names; i++)
                free(names[i]);
        free(names);
        return r;
}

static int build_policy(struct loader *ld, struct policy **ret) {
        struct policy *p;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        if (ld->n_rules > 0) {
                p->rules = calloc(ld->n_rules, sizeof(struct rule));
                if (!p->rules) {
                        free(p);
                        return -ENOMEM;
                }
        }

        for (size_t i = 0; i < ld->n_rules; i++) {
                p->rules[i] = ld->rules[i].rule;
                memset(&ld->rules[i].rule, 0, sizeof(struct rule));
        }
        p->n_rules = ld->n_rules;

        p->files = ld->files;
        p->n_files = ld->n_files;
        ld->files = NULL;
        ld->n_files = 0;

        p->auto_online_blocks = ld->daemon.auto_online_blocks;
        p->online_at_bind = ld->daemon.online_at_bind;

        p->ram_cap_set = ld->daemon.ram_cap_set;
        p->ram_cap = ld->daemon.ram_cap;
        memcpy(p->metrics_textfile, ld->daemon.metrics_textfile, sizeof(p->metrics_textfile));
        p->metrics_interval_usec = ld->daemon.metrics_interval_usec;
        p->tiering = ld->tiering.policy;
        if (ld->n_regions > 0) {
                p->region_rules = calloc(ld->n_regions, sizeof(struct region_rule));
                if (!p->region_rules) {
                        policy_free(p);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < ld->n_regions; i++) {
                        p->region_rules[i] = ld->regions[i].rule;
                        memset(&ld->regions[i].rule, 0, sizeof(struct region_rule));
                }
                p->n_region_rules = ld->n_regions;
        }

        *ret = p;
        return 0;
}

int config_load(const char *main_path, bool main_optional, const char *dropin_dir,
                struct policy **ret, struct config_errors *errs) {
        struct loader ld = {
                .errs = errs,
                .daemon.auto_online_blocks = DT_AUTO_ONLINE_KEEP,
                .daemon.online_at_bind = DT_ONLINE_AT_BIND_YES,
                .daemon.metrics_interval_usec = DT_METRICS_INTERVAL_DEFAULT_USEC,
        };
        int r = 0;

        tiering_policy_init(&ld.tiering.policy);

        if (main_path)
                r = load_file(&ld, main_path, main_optional);
        if (r >= 0 && dropin_dir)
                r = load_dropins(&ld, dropin_dir);

        if (r >= 0 && ld.oom < 0)
                r = ld.oom;
        if (r >= 0 && ld.n_errors > 0)
                r = -EINVAL;
        if (r >= 0)
                r = build_policy(&ld, ret);

        loader_done(&ld);
        return r;
}

void policy_free(struct policy *p) {
        if (!p)
                return;

        for (size_t i = 0; i < p->n_files; i++)
                free(p->files[i]);
        free(p->files);
        for (size_t i = 0; i < p->n_rules; i++)
                rule_done(&p->rules[i]);
        free(p->rules);
        for (size_t i = 0; i < p->n_region_rules; i++)
                region_rule_done(&p->region_rules[i]);
        free(p->region_rules);
        free(p);
}
