/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-run-state: the reader of the /run/daxtierd state file (the list
 * of dynamic dax devices daxtierd carved, CARVE_DAX_STATE_FILE), through
 * its public entry carve_dax_name() in src/carve.c.  The input is the
 * file; every line's first and third words are then asked for, as a
 * device name and a size, plus a name nobody wrote.
 *
 * The reader opens a fixed path under /run, so this target is linked
 * with --wrap=fopen (build.sh): paths under CARVE_DAX_STATE_DIR go to a
 * private directory instead, and a run that never opened the file there
 * aborts, so that a reader that stops using fopen() cannot make this
 * target silently test nothing (or read the real /run).
 *
 * Besides crashes, checks: a name found reads "daxtierd-RULE" and fits
 * the buffer, nothing is written past it, and a name that is not in the
 * file is not found.
 */

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
FILE *__real_fopen(const char *path, const char *mode);
FILE *__wrap_fopen(const char *path, const char *mode);
FILE *__real_fopen64(const char *path, const char *mode);
FILE *__wrap_fopen64(const char *path, const char *mode);

#define CHECK(cond)                                                                     \
        do {                                                                            \
                if (!(cond)) {                                                          \
                        fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);      \
                        abort();                                                        \
                }                                                                       \
        } while (0)

static char dir[PATH_MAX - 64];
static unsigned redirected;

static void remove_dir(void) {
        char p[PATH_MAX];

        snprintf(p, sizeof(p), "%s/dax-devices", dir);
        (void) unlink(p);
        (void) rmdir(dir);
}

static const char *redirect(const char *path, char *buf, size_t len) {
        const char *prefix = CARVE_DAX_STATE_DIR "/";

        if (strncmp(path, prefix, strlen(prefix)) != 0)
                return path;
        redirected++;
        snprintf(buf, len, "%s/%s", dir, path + strlen(prefix));
        return buf;
}

FILE *__wrap_fopen(const char *path, const char *mode) {
        char buf[PATH_MAX];
        return __real_fopen(redirect(path, buf, sizeof(buf)), mode);
}

FILE *__wrap_fopen64(const char *path, const char *mode) {
        char buf[PATH_MAX];
        return __real_fopen64(redirect(path, buf, sizeof(buf)), mode);
}

static void ask(const char *name, uint64_t size, bool in_file) {
        static const size_t lens[] = { 1, 10, 64 };
        char buf[80];

        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
                unsigned before = redirected;
                int r;

                memset(buf, 'X', sizeof(buf));
                r = carve_dax_name(name, size, buf, lens[i]);
                CHECK(redirected > before);
                for (size_t k = lens[i]; k < sizeof(buf); k++)
                        CHECK(buf[k] == 'X');
                CHECK(r == 0 || r == -ENOENT);
                if (!in_file)
                        CHECK(r == -ENOENT);
                if (r == 0) {
                        CHECK(strlen(buf) < lens[i]);
                        size_t plen = strlen(DT_CARVE_NAME_PREFIX);

                        CHECK(strncmp(buf, DT_CARVE_NAME_PREFIX, lens[i] - 1 < plen ? lens[i] - 1 : plen) == 0);
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char p[PATH_MAX], *text, *line, *save = NULL;
        unsigned asked = 0;
        FILE *f;

        if (!dir[0]) {
                int n = snprintf(dir, sizeof(dir), "%s/fuzz-run-state.XXXXXX", getenv("TMPDIR") ?: "/tmp");

                if (n < 0 || (size_t) n >= sizeof(dir) || !mkdtemp(dir)) {
                        perror("fuzz-run-state: cannot make a directory under $TMPDIR");
                        abort();
                }
                atexit(remove_dir);
        }
        /* The daemon writes the file itself: a few lines, never megabytes. */
        if (size > 16384)
                return 0;

        snprintf(p, sizeof(p), "%s/dax-devices", dir);
        f = __real_fopen(p, "we");
        if (!f)
                abort();
        if (size > 0 && fwrite(data, size, 1, f) != 1)
                abort();
        if (fclose(f) != 0)
                abort();

        /* A name that no line can hold: a word has no blanks. */
        ask("no such device", 0, false);

        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        for (line = strtok_r(text, "\n", &save); line && asked < 16; line = strtok_r(NULL, "\n", &save)) {
                char *w[3], *s2 = NULL;
                unsigned n = 0;

                for (char *t = strtok_r(line, " \t", &s2); t && n < 3; t = strtok_r(NULL, " \t", &s2))
                        w[n++] = t;
                if (n < 3)
                        continue;
                ask(w[0], strtoull(w[2], NULL, 10), true);
                asked++;
        }
        free(text);
        return 0;
}
