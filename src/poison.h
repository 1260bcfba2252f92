/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * poison: the arithmetic of media errors.  A region's badblocks file
 * lists "SECTOR LEN" lines in 512-byte sectors relative to the region's
 * start; these functions turn them into physical byte ranges, clip them
 * to a dax device, align them to the bus's clear unit, and map them to
 * memory blocks.  Pure: callers read the files.
 */

#include <stddef.h>
#include <stdint.h>

/* Where a dax device's memory is (device.h). */
struct dax_facts;

/* One range of media errors. */
struct bad_range {
        uint64_t start;         /* physical address, bytes */
        uint64_t len;           /* bytes, > 0 */
};

/*
 * Parses badblocks text into physical ranges (region_start + sector*512,
 * len*512), in file order.  Returns the number of ranges (filling at most
 * max entries of out) or -EINVAL with "line N: ..." in err naming the bad
 * text.  An empty text is 0 ranges.
 */
int badblocks_parse(const char *text, uint64_t region_start, struct bad_range *out, size_t max,
                    char *err, size_t errlen);

/*
 * The parts of the ranges that fall inside the device's ranges (f's
 * ranges, inclusive ends).  Returns the count (filling at most max).
 */
size_t badblocks_clip(const struct bad_range *in, size_t n, const struct dax_facts *f, struct bad_range *out,
                      size_t max);

/* Total bytes of the ranges. */
uint64_t badblocks_bytes(const struct bad_range *r, size_t n);

/*
 * The memory blocks (block_size) the ranges touch, sorted and unique.
 * Returns the count (filling at most max).
 */
size_t badblocks_blocks(const struct bad_range *r, size_t n, uint64_t block_size, uint64_t *blocks, size_t max);

/* Widens [start, start+len) to whole clear units (unit a power of two;
 * 0 or 1 leaves it as it is). */
struct bad_range clear_unit_align(struct bad_range r, uint64_t unit);

/* Formats ranges as "0x102300000+512, ..." (at most len bytes). */
void badblocks_format(const struct bad_range *r, size_t n, char *buf, size_t len);

/*
 * The delay before the next attempt to offline poisoned blocks that would
 * not go offline: 1 s first, then doubling up to 64 s.  cur is the last
 * delay, 0 for none.
 */
#define POISON_BACKOFF_FIRST_USEC (UINT64_C(1000000))
#define POISON_BACKOFF_MAX_USEC (UINT64_C(64) * 1000000)
uint64_t poison_backoff_next(uint64_t cur);
