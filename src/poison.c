/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * poison: see poison.h.
 *
 * Every range is handled by its inclusive last byte (start + len - 1)
 * rather than by its exclusive end, so that a range that touches the top
 * of the address space is still arithmetic that cannot wrap.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "poison.h"

#define SECTOR_SIZE UINT64_C(512)

/* How much of a bad line an error message quotes. */
#define QUOTE_MAX 64

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_blank(char c) {
        /* '\r' too: a file that went through a DOS editor is still readable. */
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The last byte of a range, clamped for ranges nobody should build. */
static uint64_t range_last(const struct bad_range *r) {
        uint64_t last;

        if (__builtin_add_overflow(r->start, r->len - 1, &last))
                return UINT64_MAX;
        return last;
}

/*
 * A decimal number at *p, no sign: advances *p past the digits.  Returns 0,
 * -EINVAL when there is no digit, or -ERANGE (still advancing past all
 * digits, so the caller can tell garbage from a big number).
 */
static int parse_u64(const char **p, uint64_t *ret) {
        const char *s = *p;
        uint64_t v = 0;
        bool overflow = false;

        if (!is_digit(*s))
                return -EINVAL;
        for (; is_digit(*s); s++)
                if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t) (*s - '0'), &v))
                        overflow = true;

        *p = s;
        if (overflow)
                return -ERANGE;
        *ret = v;
        return 0;
}

/* "SECTOR LEN" of one line (without its newline) into a physical range. */
static int parse_entry(const char *line, const char *end, uint64_t region_start, struct bad_range *ret,
                       const char **why) {
        uint64_t sector = 0, len = 0, start, bytes, last;
        const char *p = line;
        int r1, r2;

        while (p < end && is_blank(*p))
                p++;
        r1 = parse_u64(&p, &sector);
        if (r1 == -EINVAL || p >= end || !is_blank(*p)) {
                *why = "expected SECTOR LENGTH";
                return -EINVAL;
        }
        while (p < end && is_blank(*p))
                p++;
        r2 = parse_u64(&p, &len);
        if (r2 == -EINVAL) {
                *why = "expected SECTOR LENGTH";
                return -EINVAL;
        }
        while (p < end && is_blank(*p))
                p++;
        if (p < end) {
                *why = "expected SECTOR LENGTH";
                return -EINVAL;
        }

        if (r1 < 0 || r2 < 0 ||
            __builtin_mul_overflow(sector, SECTOR_SIZE, &start) ||
            __builtin_add_overflow(start, region_start, &start) ||
            __builtin_mul_overflow(len, SECTOR_SIZE, &bytes)) {
                *why = "out of range";
                return -ERANGE;
        }
        if (len == 0) {
                *why = "length 0";
                return -EINVAL;
        }
        /* Past the top of the address space: no memory is there, and an
         * exclusive end that wraps would trip up every user of the range. */
        if (__builtin_add_overflow(start, bytes - 1, &last) || last == UINT64_MAX) {
                *why = "out of range";
                return -ERANGE;
        }

        *ret = (struct bad_range) { .start = start, .len = bytes };
        return 0;
}

static void entry_error(char *err, size_t errlen, unsigned long lineno, const char *line, const char *end,
                        const char *why) {
        size_t n;

        if (!err || errlen == 0)
                return;

        /* Quote the line without its blanks at either end, and not all of a
         * huge one, so that the message stays a message. */
        while (line < end && is_blank(*line))
                line++;
        while (end > line && is_blank(end[-1]))
                end--;
        n = (size_t) (end - line);

        snprintf(err, errlen, "line %lu: invalid badblocks entry '%.*s%s' (%s)", lineno,
                 (int) (n > QUOTE_MAX ? QUOTE_MAX : n), line, n > QUOTE_MAX ? "..." : "", why);
}

int badblocks_parse(const char *text, uint64_t region_start, struct bad_range *out, size_t max,
                    char *err, size_t errlen) {
        unsigned long lineno = 0;
        size_t count = 0;

        if (err && errlen > 0)
                err[0] = '\0';
        if (!text) {
                if (err && errlen > 0)
                        snprintf(err, errlen, "no badblocks text");
                return -EINVAL;
        }

        for (const char *line = text; *line;) {
                const char *end = strchr(line, '\n'), *p = line, *why = NULL;
                struct bad_range r;

                if (!end)
                        end = line + strlen(line);
                lineno++;

                while (p < end && is_blank(*p))
                        p++;
                if (p < end) {
                        if (parse_entry(line, end, region_start, &r, &why) < 0) {
                                entry_error(err, errlen, lineno, line, end, why);
                                return -EINVAL;
                        }
                        /* The count is returned as an int. */
                        if (count >= INT_MAX) {
                                if (err && errlen > 0)
                                        snprintf(err, errlen, "line %lu: too many badblocks entries", lineno);
                                return -EINVAL;
                        }
                        if (out && count < max)
                                out[count] = r;
                        count++;
                }

                line = *end ? end + 1 : end;
        }

        return (int) count;
}

size_t badblocks_clip(const struct bad_range *in, size_t n, const struct dax_facts *f, struct bad_range *out,
                      size_t max) {
        size_t count = 0, n_ranges;

        if (!in || !f)
                return 0;

        /* n_ranges comes from sysfs via the caller; never trust it past the array. */
        n_ranges = f->n_ranges < DEV_MAX_RANGES ? f->n_ranges : DEV_MAX_RANGES;

        for (size_t i = 0; i < n; i++) {
                uint64_t first, last;

                if (in[i].len == 0)
                        continue;
                first = in[i].start;
                last = range_last(&in[i]);

                for (size_t j = 0; j < n_ranges; j++) {
                        const struct dax_range *d = &f->ranges[j];
                        uint64_t lo, hi;

                        if (d->start > d->end)
                                continue;
                        lo = first > d->start ? first : d->start;
                        hi = last < d->end ? last : d->end;
                        if (lo > hi)
                                continue;

                        /* hi - lo + 1 cannot wrap: lo == 0 means first == 0,
                         * so hi <= last < UINT64_MAX. */
                        if (out && count < max)
                                out[count] = (struct bad_range) { .start = lo, .len = hi - lo + 1 };
                        if (count < SIZE_MAX)
                                count++;
                }
        }

        return count;
}

uint64_t badblocks_bytes(const struct bad_range *r, size_t n) {
        uint64_t total = 0;

        if (!r)
                return 0;

        /* Saturating: ranges may overlap, and a sum too large to hold is
         * still better reported as "at least this much" than wrapped. */
        for (size_t i = 0; i < n; i++)
                if (__builtin_add_overflow(total, r[i].len, &total))
                        return UINT64_MAX;

        return total;
}

size_t badblocks_blocks(const struct bad_range *r, size_t n, uint64_t block_size, uint64_t *blocks, size_t max) {
        size_t count = 0, filled = 0;
        uint64_t cursor = 0;

        if (!r || block_size == 0)
                return 0;

        /*
         * Walk the union of the ranges' block spans in ascending order, one
         * contiguous run of blocks at a time, without sorting a copy: there
         * is no allocation to fail, and a run of 2^40 blocks is counted, not
         * listed.  Quadratic in n, which is a badblocks list (the kernel
         * keeps at most 512 entries per region) times a device's ranges.
         */
        for (;;) {
                uint64_t lo = 0, hi;
                bool found = false, grew;

                /* The lowest block at or above cursor that some range touches. */
                for (size_t i = 0; i < n; i++) {
                        uint64_t first, last, b;

                        if (r[i].len == 0)
                                continue;
                        first = r[i].start / block_size;
                        last = range_last(&r[i]) / block_size;
                        if (last < cursor)
                                continue;
                        b = first > cursor ? first : cursor;
                        if (!found || b < lo) {
                                lo = b;
                                found = true;
                        }
                }
                if (!found)
                        break;

                /* Grow the run while some range continues it. */
                hi = lo;
                do {
                        grew = false;
                        for (size_t i = 0; i < n && hi < UINT64_MAX; i++) {
                                uint64_t first, last;

                                if (r[i].len == 0)
                                        continue;
                                first = r[i].start / block_size;
                                last = range_last(&r[i]) / block_size;
                                if (first <= hi + 1 && last > hi) {
                                        hi = last;
                                        grew = true;
                                }
                        }
                } while (grew);

                for (uint64_t b = lo; blocks && filled < max; b++) {
                        blocks[filled++] = b;
                        if (b == hi)
                                break;
                }

                if (hi - lo >= SIZE_MAX - count)
                        return SIZE_MAX;
                count += (size_t) (hi - lo) + 1;

                if (hi == UINT64_MAX)
                        break;
                cursor = hi + 1;
        }

        return count;
}

struct bad_range clear_unit_align(struct bad_range r, uint64_t unit) {
        uint64_t start, last;

        if (unit <= 1 || r.len == 0)
                return r;

        /* Plain division rather than masks: a unit that is not a power of
         * two is a firmware bug, but still gives whole units, not garbage. */
        start = r.start - r.start % unit;
        last = range_last(&r);
        if (__builtin_add_overflow(last, unit - 1 - last % unit, &last))
                last = UINT64_MAX;

        r.start = start;
        /* Only [0, UINT64_MAX] itself does not fit; it saturates. */
        if (start == 0 && last == UINT64_MAX)
                r.len = UINT64_MAX;
        else
                r.len = last - start + 1;
        return r;
}

void badblocks_format(const struct bad_range *r, size_t n, char *buf, size_t len) {
        static const char ellipsis[] = "...";
        size_t pos = 0;

        if (!buf || len == 0)
                return;
        buf[0] = '\0';
        if (!r)
                return;

        for (size_t i = 0; i < n; i++) {
                char piece[64];
                size_t need, reserve;
                int k;

                k = snprintf(piece, sizeof(piece), "%s0x%" PRIx64 "+%" PRIu64, i > 0 ? ", " : "",
                             r[i].start, r[i].len);
                if (k < 0)
                        break;

                /* Unless this is the last entry, keep room for a ", ..." that
                 * may have to follow it, so that a cut list always says so
                 * and never ends in half a number. */
                need = (size_t) k;
                reserve = i + 1 < n ? strlen(", ") + strlen(ellipsis) : 0;
                if (pos + need + reserve < len) {
                        memcpy(buf + pos, piece, need + 1);
                        pos += need;
                        continue;
                }

                if (pos > 0)
                        snprintf(buf + pos, len - pos, ", %s", ellipsis);
                else
                        snprintf(buf, len, "%s", ellipsis);
                return;
        }
}

uint64_t poison_backoff_next(uint64_t cur) {
        if (cur == 0)
                return POISON_BACKOFF_FIRST_USEC;
        return cur >= POISON_BACKOFF_MAX_USEC / 2 ? POISON_BACKOFF_MAX_USEC : cur * 2;
}
