/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * policy-value: the value syntax of daxtierd.conf, parsed and spelled
 * back.  Pure.  The parsers return 0, -EINVAL for a malformed value,
 * -ERANGE for one out of range, or -ENOMEM; they never print.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC (UINT64_C(1000) * USEC_PER_MSEC)
#define USEC_PER_MIN (UINT64_C(60) * USEC_PER_SEC)
#define USEC_PER_HOUR (UINT64_C(60) * USEC_PER_MIN)

/*
 * An amount of memory as the policy states it: a size in bytes, a
 * percentage of something the key names, or (capacity only) whatever is
 * free.
 */
enum dt_amount_kind {
        DT_AMOUNT_SIZE,
        DT_AMOUNT_PERCENT,
        DT_AMOUNT_FREE,
};

struct dt_amount {
        enum dt_amount_kind kind;
        uint64_t size;          /* DT_AMOUNT_SIZE */
        unsigned percent;       /* DT_AMOUNT_PERCENT */
};

/* The largest percentage each key accepts. */
#define DT_CAPACITY_PERCENT_MAX 100u
#define DT_RAM_CAP_PERCENT_MAX 10000u

/*
 * "123", "4K", "2G" (powers of 1024; K, M, G, T, optionally followed by
 * "iB" or "B").  Returns 0 or -EINVAL / -ERANGE.
 */
int parse_size(const char *s, uint64_t *ret);

/*
 * "90s", "10min", "2h", "1h30min", "500ms", "0": a duration with units
 * ms, s, min, h (a bare number is seconds).  Returns 0 or -EINVAL /
 * -ERANGE.
 */
int parse_duration(const char *s, uint64_t *usec);
/* Formats usec as parse_duration() reads it ("30min"); returns buf. */
const char *format_duration(char *buf, size_t len, uint64_t usec);

/*
 * Spells an amount the way the configuration does ("2G", "50%", "free"),
 * with the largest exact size suffix; returns buf.
 */
const char *dt_amount_to_string(const struct dt_amount *a, char *buf, size_t len);

/* Decimal 0..INT_MAX, nothing else.  Returns 0 or -EINVAL / -ERANGE. */
int parse_nonneg_int(const char *s, int *ret);
/* 8-4-4-4-12 hex digits; a lower-case copy in *ret.  0, -EINVAL or -ENOMEM. */
int parse_uuid(const char *s, char **ret);
/* "50%", 0..max.  Returns 0, -EINVAL, or -ERANGE above max. */
int parse_percent(const char *s, unsigned max, unsigned *ret);
/* SIZE, PERCENT% (up to percent_max) or, when allow_free, "free".  0, -EINVAL or -ERANGE. */
int parse_amount(const char *s, bool allow_free, unsigned percent_max, struct dt_amount *ret);
/* A rule NAME: letters, digits, '_', '.' and '-', not empty. */
bool valid_rule_name(const char *s);
/*
 * Whether s is a whole fnmatch(3) pattern: NULL, or why not (a '[' that
 * is never closed, which fnmatch() would take as a literal '[', or a
 * trailing backslash).
 */
const char *glob_invalid(const char *s);
