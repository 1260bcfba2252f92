/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-policy: config_load() on the input.  The input up to its first NUL
 * byte is the main file; what follows, if anything, is a drop-in, so that
 * rules across files (duplicate names, [daemon] overrides) are reached
 * too.  Everything is freed, so LeakSanitizer sees leaks in the loader.
 *
 * Besides crashes, checks the promise of `daxtierd --check-config`: a
 * policy that loads dumps as a file that loads again to the same dump.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *dir, *main_path, *dropin_dir, *dropin_path, *dump_path;

static void cleanup(void) {
        if (dropin_path)
                unlink(dropin_path);
        if (dropin_dir)
                rmdir(dropin_dir);
        if (main_path)
                unlink(main_path);
        if (dump_path)
                unlink(dump_path);
        if (dir)
                rmdir(dir);
}

/* One scratch directory per process, made on the first input. */
static void init(void) {
        const char *tmp = getenv("TMPDIR");
        char *tmpl;

        if (asprintf(&tmpl, "%s/fuzz-policy.XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0 || !mkdtemp(tmpl))
                abort();
        dir = tmpl;
        if (asprintf(&main_path, "%s/main.conf", dir) < 0 ||
            asprintf(&dropin_dir, "%s/conf.d", dir) < 0 ||
            asprintf(&dropin_path, "%s/conf.d/50-fuzz.conf", dir) < 0 ||
            asprintf(&dump_path, "%s/dump.conf", dir) < 0)
                abort();
        if (mkdir(dropin_dir, 0700) < 0)
                abort();
        atexit(cleanup);
}

static void write_file(const char *path, const uint8_t *data, size_t size) {
        FILE *f = fopen(path, "we");

        if (!f || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
                abort();
}

static char *dump(const struct policy *p) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        if (!f)
                abort();
        policy_dump(p, f);
        if (fclose(f) != 0)
                abort();
        return buf;
}

/* The dump minus its comments, which name files and lines and so differ. */
static char *strip_comments(const char *text) {
        char *out = malloc(strlen(text) + 1), *o = out;

        if (!out)
                abort();
        for (const char *l = text; *l;) {
                const char *e = strchrnul(l, '\n');

                if (*l != '#') {
                        memcpy(o, l, (size_t) (e - l));
                        o += e - l;
                        *o++ = '\n';
                }
                l = *e ? e + 1 : e;
        }
        *o = '\0';
        return out;
}

static void check_round_trip(const struct policy *p) {
        struct config_errors errs = {};
        struct policy *again = NULL;
        char *text, *text2, *a, *b;
        int r;

        text = dump(p);
        write_file(dump_path, (const uint8_t *) text, strlen(text));
        r = config_load(dump_path, false, NULL, &again, &errs);
        if (r != 0) {
                fprintf(stderr, "dump does not load again (%d):\n%s\n", r, text);
                for (size_t i = 0; i < errs.n; i++)
                        fprintf(stderr, "  %s\n", errs.msgs[i]);
                abort();
        }

        text2 = dump(again);
        a = strip_comments(text);
        b = strip_comments(text2);
        if (strcmp(a, b) != 0) {
                fprintf(stderr, "dump differs after a round trip:\n%s\n---\n%s\n", text, text2);
                abort();
        }

        free(a);
        free(b);
        free(text);
        free(text2);
        policy_free(again);
        config_errors_clear(&errs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct config_errors errs = {};
        struct policy *p = NULL;
        const uint8_t *nul;
        int r;

        if (!dir)
                init();

        nul = memchr(data, '\0', size);
        if (nul) {
                write_file(main_path, data, (size_t) (nul - data));
                write_file(dropin_path, nul + 1, size - (size_t) (nul - data) - 1);
        } else {
                write_file(main_path, data, size);
                if (unlink(dropin_path) < 0 && errno != ENOENT)
                        abort();
        }

        r = config_load(main_path, false, dropin_dir, &p, &errs);
        if (r == 0) {
                if (!p || errs.n != 0)
                        abort();
                check_round_trip(p);
        } else if (r == -EINVAL) {
                /* Every failure is explained, and *ret is left alone. */
                if (p || errs.n == 0)
                        abort();
        } else if (r != -ENOMEM) {
                abort();
        }

        policy_free(p);
        config_errors_clear(&errs);
        return 0;
}
