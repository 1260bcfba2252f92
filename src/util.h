/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * util: small helpers shared by every module: cleanup attributes, string
 * and number parsing, a growable string.  Pure: no system access.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void freep(void *p) { free(*(void **)p); }
static inline void closep(int *fd) { if (*fd >= 0) close(*fd); }
static inline void fclosep(FILE **f) { if (*f) fclose(*f); }

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Hand ownership over: returns *p and clears it so cleanup does nothing. */
#define TAKE_PTR(p) ({ __typeof__(p) _t = (p); (p) = NULL; _t; })
#define TAKE_FD(fd) ({ int _t = (fd); (fd) = -1; _t; })

static inline bool streq(const char *a, const char *b) { return strcmp(a, b) == 0; }
static inline bool streq_ptr(const char *a, const char *b) {
        return a && b ? streq(a, b) : a == b;
}
static inline const char *strempty(const char *s) { return s ? s : ""; }

/* Returns true when s starts with prefix. */
static inline bool startswith(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Frees a NULL-terminated array of strings and the strings. */
void strv_free(char **l);

/* Parses a whole decimal (or 0x hex, when base is 0) unsigned number. */
int safe_atou64(const char *s, int base, uint64_t *ret);
/* Parses a whole decimal int; 0 or -EINVAL / -ERANGE. */
int safe_atoi(const char *s, int *ret);

/* Formats bytes as "1.9 GiB"; returns buf. */
const char *format_bytes(char *buf, size_t len, uint64_t bytes);

/*
 * A growable string for building messages; on allocation failure the
 * string is marked failed and strbuf_str() returns a fixed fallback, so
 * callers never lose a message silently: they get "(out of memory)".
 */
struct strbuf {
        char *s;
        size_t len, cap;
        bool oom;
};
void strbuf_appendf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *strbuf_str(const struct strbuf *b);
void strbuf_free(struct strbuf *b);
/* Returns the string (caller frees) and resets b; NULL on OOM. */
char *strbuf_steal(struct strbuf *b);

/*
 * String tables for enums: DEFINE_STRING_TABLE(dt_zone, enum dt_zone,
 * [DT_ZONE_MOVABLE] = "movable", ...) defines dt_zone_to_string()
 * (NULL for a value out of the table) and dt_zone_from_string() (the
 * value, or -EINVAL).  DECLARE_STRING_TABLE() is the matching prototype
 * pair for a header.
 */
const char *string_table_lookup(const char *const *table, size_t n, int i);
int string_table_index(const char *const *table, size_t n, const char *s);

#define DECLARE_STRING_TABLE(name, type)                                  \
        const char *name##_to_string(type v);                             \
        int name##_from_string(const char *s)

#define DEFINE_STRING_TABLE(name, type, ...)                              \
        static const char *const name##_table[] = { __VA_ARGS__ };        \
        const char *name##_to_string(type v) {                            \
                return string_table_lookup(name##_table, ELEMENTSOF(name##_table), (int) v); \
        }                                                                 \
        int name##_from_string(const char *s) {                           \
                return string_table_index(name##_table, ELEMENTSOF(name##_table), s); \
        }

/* The C locale's isdigit() and isspace(), whatever the locale (inih strips this set). */
static inline bool ascii_isdigit(char c) { return c >= '0' && c <= '9'; }
static inline bool ascii_isspace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/*
 * A copy of s fit for a terminal and the journal: control bytes other
 * than tab (0x01-0x1f, 0x7f) become "\xNN".  Returns NULL on OOM.
 */
char *escape_control(const char *s);
