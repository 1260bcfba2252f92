/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy-value: the value syntax of daxtierd.conf (sizes, durations,
 * percentages, amounts, UUIDs, rule names), parsed and spelled back.
 * Pure: strings in, numbers out.
 */

#include <inttypes.h>
#include <limits.h>

#include "policy-value.h"
#include "util.h"

int parse_size(const char *s, uint64_t *ret) {
        uint64_t v = 0, factor = 1;
        bool overflow = false;
        const char *p = s;

        if (!s || !ascii_isdigit(*p))
                return -EINVAL;

        /* Scan all digits even after an overflow, so that "99...9x" is
         * reported as garbage rather than as out of range. */
        for (; ascii_isdigit(*p); p++)
                if (__builtin_mul_overflow(v, 10, &v) ||
                    __builtin_add_overflow(v, (uint64_t) (*p - '0'), &v))
                        overflow = true;

        switch (*p) {
        case 'K':
                factor = UINT64_C(1) << 10;
                break;
        case 'M':
                factor = UINT64_C(1) << 20;
                break;
        case 'G':
                factor = UINT64_C(1) << 30;
                break;
        case 'T':
                factor = UINT64_C(1) << 40;
                break;
        }
        if (factor != 1)
                p++;

        if (streq(p, "B") || (factor != 1 && streq(p, "iB")))
                p += strlen(p);
        if (*p)
                return -EINVAL;

        if (overflow || __builtin_mul_overflow(v, factor, &v))
                return -ERANGE;

        *ret = v;
        return 0;
}

/* Largest first: parse_duration() wants the units in this order, and
 * format_duration() peels them off in it. */
static const struct {
        const char *suffix;
        uint64_t usec;
} duration_units[] = {
        { "h", USEC_PER_HOUR },
        { "min", USEC_PER_MIN },
        { "s", USEC_PER_SEC },
        { "ms", USEC_PER_MSEC },
};
#define DURATION_UNIT_SEC 2     /* duration_units[2] is "s" */

/*
 * One or more NUMBER UNIT parts, each unit at most once and larger units
 * first ("1h30min", not "30min1h" or "1h1h"), or a bare NUMBER of seconds.
 * No blanks, signs or fractions, as for sizes.  Requiring the order
 * turns a typo such as "1s5m" into an error instead of a guess.
 */
int parse_duration(const char *s, uint64_t *usec) {
        const char *p = s;
        uint64_t total = 0;
        size_t next_unit = 0;   /* index of the largest unit still allowed */
        bool overflow = false;

        if (!s || !ascii_isdigit(*p))
                return -EINVAL;

        while (*p) {
                uint64_t v = 0, part;
                size_t u;

                if (!ascii_isdigit(*p))
                        return -EINVAL;

                /* All digits even after an overflow, so that garbage
                 * later on is reported as such, as parse_size() does. */
                for (; ascii_isdigit(*p); p++)
                        if (__builtin_mul_overflow(v, 10, &v) ||
                            __builtin_add_overflow(v, (uint64_t) (*p - '0'), &v))
                                overflow = true;

                if (!*p) {
                        /* A bare number is seconds, but only on its own:
                         * in "1h30" a unit is more likely forgotten. */
                        if (next_unit != 0)
                                return -EINVAL;
                        u = DURATION_UNIT_SEC;
                } else {
                        /* No suffix is a prefix of another, so the first
                         * that matches is the unit.  "m" alone is none:
                         * "10m" could be meant as minutes or as months. */
                        for (u = next_unit; u < ELEMENTSOF(duration_units); u++) {
                                size_t n = strlen(duration_units[u].suffix);

                                if (strncmp(p, duration_units[u].suffix, n) == 0) {
                                        p += n;
                                        break;
                                }
                        }
                        if (u >= ELEMENTSOF(duration_units))
                                return -EINVAL;
                }

                if (__builtin_mul_overflow(v, duration_units[u].usec, &part) ||
                    __builtin_add_overflow(total, part, &total))
                        overflow = true;
                next_unit = u + 1;
        }

        if (overflow)
                return -ERANGE;

        *usec = total;
        return 0;
}

const char *format_duration(char *buf, size_t len, uint64_t usec) {
        size_t pos = 0;

        if (!buf || len == 0)
                return buf;
        buf[0] = '\0';

        if (usec == 0) {
                snprintf(buf, len, "0");
                return buf;
        }

        for (size_t u = 0; u < ELEMENTSOF(duration_units) && usec > 0; u++) {
                uint64_t v = usec / duration_units[u].usec;
                int r;

                if (v == 0)
                        continue;
                usec %= duration_units[u].usec;

                r = snprintf(buf + pos, len - pos, "%" PRIu64 "%s", v, duration_units[u].suffix);
                if (r < 0 || (size_t) r >= len - pos)
                        return buf;     /* truncated, but terminated */
                pos += (size_t) r;
        }

        /* Never from parse_duration(), which has no unit below ms; spelled
         * out rather than rounded away so that a log shows the truth. */
        if (usec > 0)
                snprintf(buf + pos, len - pos, "%" PRIu64 "us", usec);

        return buf;
}

/* Decimal 0..INT_MAX, nothing else: no sign, no blanks, no base prefix. */
int parse_nonneg_int(const char *s, int *ret) {
        long long v = 0;
        bool overflow = false;
        const char *p = s;

        if (!ascii_isdigit(*p))
                return -EINVAL;
        for (; ascii_isdigit(*p); p++) {
                if (!overflow)
                        v = v * 10 + (*p - '0');
                if (v > INT_MAX)
                        overflow = true;
        }
        if (*p)
                return -EINVAL;
        if (overflow)
                return -ERANGE;

        *ret = (int) v;
        return 0;
}

static bool is_hex(char c) {
        return ascii_isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* 8-4-4-4-12 hex digits; returns a lower-case copy. */
int parse_uuid(const char *s, char **ret) {
        char *u;

        if (strlen(s) != 36)
                return -EINVAL;
        for (size_t i = 0; i < 36; i++) {
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;

                if (dash ? s[i] != '-' : !is_hex(s[i]))
                        return -EINVAL;
        }

        u = strdup(s);
        if (!u)
                return -ENOMEM;
        for (char *c = u; *c; c++)
                if (*c >= 'A' && *c <= 'F')
                        *c = (char) (*c - 'A' + 'a');
        *ret = u;
        return 0;
}

bool valid_rule_name(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || ascii_isdigit(*s) ||
                      *s == '_' || *s == '.' || *s == '-'))
                        return false;
        return true;
}


/*
 * "50%": a decimal integer from 0 to max followed by '%', nothing else.
 * Returns 0, -EINVAL, or -ERANGE when the number is above max.
 */
int parse_percent(const char *s, unsigned max, unsigned *ret) {
        uint64_t v = 0;
        const char *p = s;

        if (!ascii_isdigit(*p))
                return -EINVAL;
        for (; ascii_isdigit(*p); p++)
                if (v <= max)
                        v = v * 10 + (uint64_t) (*p - '0');
        if (!streq(p, "%"))
                return -EINVAL;
        if (v > max)
                return -ERANGE;
        *ret = (unsigned) v;
        return 0;
}

/*
 * SIZE, PERCENT% (up to percent_max) or, when allow_free, "free".
 * Returns 0, -EINVAL, or -ERANGE (size or percentage too large).
 */
int parse_amount(const char *s, bool allow_free, unsigned percent_max, struct dt_amount *ret) {
        struct dt_amount a = {};
        size_t n = strlen(s);
        int r;

        if (allow_free && streq(s, "free")) {
                *ret = (struct dt_amount) { .kind = DT_AMOUNT_FREE };
                return 0;
        }
        if (n > 0 && s[n - 1] == '%') {
                a.kind = DT_AMOUNT_PERCENT;
                r = parse_percent(s, percent_max, &a.percent);
        } else {
                a.kind = DT_AMOUNT_SIZE;
                r = parse_size(s, &a.size);
        }
        if (r < 0)
                return r;
        *ret = a;
        return 0;
}



const char *dt_amount_to_string(const struct dt_amount *a, char *buf, size_t len) {
        static const char suffixes[] = "KMGT";
        uint64_t v;
        int shift = 0;

        switch (a->kind) {
        case DT_AMOUNT_FREE:
                snprintf(buf, len, "free");
                break;
        case DT_AMOUNT_PERCENT:
                snprintf(buf, len, "%u%%", a->percent);
                break;
        case DT_AMOUNT_SIZE:
                v = a->size;
                while (v != 0 && shift < 4 && (v & ((UINT64_C(1) << 10) - 1)) == 0) {
                        v >>= 10;
                        shift++;
                }
                if (shift == 0)
                        snprintf(buf, len, "%" PRIu64, v);
                else
                        snprintf(buf, len, "%" PRIu64 "%c", v, suffixes[shift - 1]);
                break;
        }
        return buf;
}

/* The end of the bracket expression that starts at p (just past its '['), or NULL if it has none. */
static const char *bracket_end(const char *p) {
        if (*p == '!' || *p == '^')
                p++;
        if (*p == ']')          /* first: a literal ']' */
                p++;
        for (; *p; p++) {
                if (*p == ']')
                        return p;
                if (*p == '\\' && p[1])
                        p++;
                else if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
                        /* [:class:], [.coll.], [=equiv=] */
                        const char *e = strchr(p + 2, p[1]);

                        if (!e || e[1] != ']')
                                return NULL;
                        p = e + 1;
                }
        }
        return NULL;
}

const char *glob_invalid(const char *s) {
        for (const char *p = s; *p; p++) {
                if (*p == '\\') {
                        if (!p[1])
                                return "invalid glob: a backslash at the end escapes nothing";
                        p++;
                } else if (*p == '[') {
                        p = bracket_end(p + 1);
                        if (!p)
                                return "invalid glob: a '[' without its closing ']'";
                }
        }
        return NULL;
}
