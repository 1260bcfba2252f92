/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* util: see util.h. */

#include <limits.h>

#include "util.h"

int safe_atou64(const char *s, int base, uint64_t *ret) {
        char *end;
        unsigned long long v;

        if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, base);
        if (errno == ERANGE)
                return -ERANGE;
        if (end == s || *end)
                return -EINVAL;
        *ret = v;
        return 0;
}

int safe_atoi(const char *s, int *ret) {
        char *end;
        long v;

        if (!s || !*s || *s == ' ' || *s == '+')
                return -EINVAL;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno == ERANGE || v > INT_MAX || v < INT_MIN)
                return -ERANGE;
        if (end == s || *end)
                return -EINVAL;
        *ret = (int) v;
        return 0;
}

const char *format_bytes(char *buf, size_t len, uint64_t bytes) {
        static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
        double v = (double) bytes;
        size_t u = 0;

        while (v >= 1024.0 && u + 1 < ELEMENTSOF(units)) {
                v /= 1024.0;
                u++;
        }
        if (u == 0)
                snprintf(buf, len, "%llu B", (unsigned long long) bytes);
        else
                snprintf(buf, len, "%.1f %s", v, units[u]);
        return buf;
}

void strbuf_appendf(struct strbuf *b, const char *fmt, ...) {
        va_list ap;
        int n;

        if (b->oom)
                return;
        for (;;) {
                size_t room = b->cap - b->len;
                va_start(ap, fmt);
                n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
                va_end(ap);
                if (n < 0) {
                        b->oom = true;
                        return;
                }
                if (b->s && (size_t) n < room) {
                        b->len += (size_t) n;
                        return;
                }
                size_t cap = (b->len + (size_t) n + 1) * 2;
                char *s = realloc(b->s, cap);
                if (!s) {
                        b->oom = true;
                        return;
                }
                if (!b->s)
                        s[0] = 0;
                b->s = s;
                b->cap = cap;
        }
}

const char *strbuf_str(const struct strbuf *b) {
        if (b->oom)
                return "(out of memory)";
        return b->s ? b->s : "";
}

void strbuf_free(struct strbuf *b) {
        free(b->s);
        *b = (struct strbuf) {};
}

char *strbuf_steal(struct strbuf *b) {
        char *s = b->oom ? NULL : (b->s ? b->s : strdup(""));
        if (b->oom)
                free(b->s);
        *b = (struct strbuf) {};
        return s;
}

const char *string_table_lookup(const char *const *table, size_t n, int i) {
        if (i < 0 || (size_t) i >= n)
                return NULL;
        return table[i];
}

int string_table_index(const char *const *table, size_t n, const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (table[i] && streq(table[i], s))
                        return (int) i;
        return -EINVAL;
}

char *escape_control(const char *s) {
        size_t n = 0;
        char *out, *o;

        for (const char *c = s; *c; c++)
                n += (*c > 0 && *c < 0x20 && *c != '\t') || *c == 0x7f ? 4 : 1;
        out = malloc(n + 1);
        if (!out)
                return NULL;
        o = out;
        for (const char *c = s; *c; c++) {
                if ((*c > 0 && *c < 0x20 && *c != '\t') || *c == 0x7f)
                        o += sprintf(o, "\\x%02x", (unsigned char) *c);
                else
                        *o++ = *c;
        }
        *o = '\0';
        return out;
}

void strv_free(char **l) {
        if (!l)
                return;
        for (char **p = l; *p; p++)
                free(*p);
        free(l);
}
