/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-poison: unit tests for poison.c, the arithmetic of media errors:
 * parsing a region's badblocks text (and pointing at the line that is
 * wrong), clipping the ranges to a dax device's ranges (inclusive ends),
 * totals, the memory blocks the ranges touch, widening to the clear unit,
 * and formatting a list that may have to be cut short.
 */

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "poison.h"
#include "util.h"

#define KiB (UINT64_C(1) << 10)
#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define BLOCK (128 * MiB)

/* Marks entries that must not be written. */
#define UNTOUCHED UINT64_C(0xdeadbeefdeadbeef)

static char err[256];

static int parse(const char *text, uint64_t region_start, struct bad_range *out, size_t max) {
        memset(err, 'X', sizeof(err) - 1);
        err[sizeof(err) - 1] = '\0';
        return badblocks_parse(text, region_start, out, max, err, sizeof(err));
}

static void fill_untouched(struct bad_range *r, size_t n) {
        for (size_t i = 0; i < n; i++)
                r[i] = (struct bad_range) { .start = UNTOUCHED, .len = UNTOUCHED };
}

static void assert_range(const struct bad_range *r, uint64_t start, uint64_t len) {
        ck_assert_msg(r->start == start && r->len == len, "got 0x%llx+%llu, expected 0x%llx+%llu",
                      (unsigned long long) r->start, (unsigned long long) r->len, (unsigned long long) start,
                      (unsigned long long) len);
}

/* ---- badblocks_parse -------------------------------------------------- */

START_TEST(test_parse_empty) {
        struct bad_range out[4];
        static const char *const empty[] = { "", "\n", "\n\n\n", "  \n\t\n", " ", "\r\n" };

        for (size_t i = 0; i < ELEMENTSOF(empty); i++) {
                fill_untouched(out, ELEMENTSOF(out));
                ck_assert_int_eq(parse(empty[i], GiB, out, ELEMENTSOF(out)), 0);
                ck_assert(out[0].start == UNTOUCHED);
                ck_assert_str_eq(err, "");
        }
}
END_TEST

START_TEST(test_parse_kernel_format) {
        struct bad_range out[4];

        /* As the kernel prints it: "%llu %d\n" per entry. */
        ck_assert_int_eq(parse("0 1\n8 2\n4096 8\n", 0x100000000, out, ELEMENTSOF(out)), 3);
        assert_range(&out[0], 0x100000000, 512);
        assert_range(&out[1], 0x100000000 + 8 * 512, 1024);
        assert_range(&out[2], 0x100000000 + 4096 * 512, 4096);

        /* Region at 0, last line without newline. */
        ck_assert_int_eq(parse("1 1", 0, out, ELEMENTSOF(out)), 1);
        assert_range(&out[0], 512, 512);
}
END_TEST

START_TEST(test_parse_blanks) {
        struct bad_range out[4];

        ck_assert_int_eq(parse("\n  10 \t 2  \n\n\t20 1\r\n   \n30\t3\n\n", 0, out, ELEMENTSOF(out)), 3);
        assert_range(&out[0], 10 * 512, 2 * 512);
        assert_range(&out[1], 20 * 512, 512);
        assert_range(&out[2], 30 * 512, 3 * 512);
}
END_TEST

START_TEST(test_parse_more_than_max) {
        struct bad_range out[4];

        fill_untouched(out, ELEMENTSOF(out));
        ck_assert_int_eq(parse("1 1\n2 1\n3 1\n4 1\n5 1\n", 0, out, 2), 5);
        assert_range(&out[0], 512, 512);
        assert_range(&out[1], 1024, 512);
        ck_assert(out[2].start == UNTOUCHED);

        /* Counting only. */
        ck_assert_int_eq(parse("1 1\n2 1\n3 1\n", 0, NULL, 0), 3);
        ck_assert_int_eq(parse("1 1\n2 1\n3 1\n", 0, out, 0), 3);
        ck_assert(out[2].start == UNTOUCHED);
        /* And still checking every line past max. */
        ck_assert_int_eq(parse("1 1\n2 1\n3 x\n", 0, out, 1), -EINVAL);
        ck_assert_str_eq(err, "line 3: invalid badblocks entry '3 x' (expected SECTOR LENGTH)");
}
END_TEST

START_TEST(test_parse_top_of_address_space) {
        struct bad_range out[1];

        /* The last 512 bytes but one sector: the exclusive end still fits. */
        ck_assert_int_eq(parse("36028797018963966 1\n", 0, out, 1), 1);
        assert_range(&out[0], UINT64_MAX - 1023, 512);
        ck_assert_int_eq(parse("0 36028797018963967\n", 0, out, 1), 1);
        assert_range(&out[0], 0, UINT64_MAX - 511);
        ck_assert_int_eq(parse("1 1\n", UINT64_MAX - 1535, out, 1), 1);
        assert_range(&out[0], UINT64_MAX - 1023, 512);
}
END_TEST

static const struct {
        const char *text;
        uint64_t region_start;
        const char *msg;
} bad_texts[] = {
        { "foo", 0, "line 1: invalid badblocks entry 'foo' (expected SECTOR LENGTH)" },
        { "0 1\nfoo\n", 0, "line 2: invalid badblocks entry 'foo' (expected SECTOR LENGTH)" },
        { "\n\n5\n", 0, "line 3: invalid badblocks entry '5' (expected SECTOR LENGTH)" },
        { "5 \n", 0, "line 1: invalid badblocks entry '5' (expected SECTOR LENGTH)" },
        { "1 1\n\n  5 1 2  \n", 0, "line 3: invalid badblocks entry '5 1 2' (expected SECTOR LENGTH)" },
        { "5 0\n", 0, "line 1: invalid badblocks entry '5 0' (length 0)" },
        { "5 00\n", 0, "line 1: invalid badblocks entry '5 00' (length 0)" },
        { "-5 1\n", 0, "line 1: invalid badblocks entry '-5 1' (expected SECTOR LENGTH)" },
        { "+5 1\n", 0, "line 1: invalid badblocks entry '+5 1' (expected SECTOR LENGTH)" },
        { "5 -1\n", 0, "line 1: invalid badblocks entry '5 -1' (expected SECTOR LENGTH)" },
        { "5 1x\n", 0, "line 1: invalid badblocks entry '5 1x' (expected SECTOR LENGTH)" },
        { "5x 1\n", 0, "line 1: invalid badblocks entry '5x 1' (expected SECTOR LENGTH)" },
        { "0x10 1\n", 0, "line 1: invalid badblocks entry '0x10 1' (expected SECTOR LENGTH)" },
        { "5,1\n", 0, "line 1: invalid badblocks entry '5,1' (expected SECTOR LENGTH)" },
        { "5 1.5\n", 0, "line 1: invalid badblocks entry '5 1.5' (expected SECTOR LENGTH)" },
        { " 7 1 # note\n", 0, "line 1: invalid badblocks entry '7 1 # note' (expected SECTOR LENGTH)" },
        /* sector * 512 does not fit */
        { "36028797018963968 1\n", 0, "line 1: invalid badblocks entry '36028797018963968 1' (out of range)" },
        { "99999999999999999999 1\n", 0,
          "line 1: invalid badblocks entry '99999999999999999999 1' (out of range)" },
        /* region_start + sector * 512 does not fit */
        { "1 1\n", UINT64_MAX - 511, "line 1: invalid badblocks entry '1 1' (out of range)" },
        /* len * 512 does not fit */
        { "0 36028797018963968\n", 0, "line 1: invalid badblocks entry '0 36028797018963968' (out of range)" },
        { "0 99999999999999999999\n", 0,
          "line 1: invalid badblocks entry '0 99999999999999999999' (out of range)" },
        /* the range runs off the top of the address space */
        { "36028797018963967 1\n", 0, "line 1: invalid badblocks entry '36028797018963967 1' (out of range)" },
        { "1 36028797018963967\n", 0, "line 1: invalid badblocks entry '1 36028797018963967' (out of range)" },
        { "1 1\n", UINT64_MAX - 1023, "line 1: invalid badblocks entry '1 1' (out of range)" },
        /* garbage wins over a big number, as for sizes */
        { "99999999999999999999x 1\n", 0,
          "line 1: invalid badblocks entry '99999999999999999999x 1' (expected SECTOR LENGTH)" },
};

START_TEST(test_parse_bad) {
        struct bad_range out[4];

        ck_assert_int_eq(parse(bad_texts[_i].text, bad_texts[_i].region_start, out, ELEMENTSOF(out)), -EINVAL);
        ck_assert_str_eq(err, bad_texts[_i].msg);
}
END_TEST

START_TEST(test_parse_error_quote_and_buffers) {
        char line[300], small[12];
        struct bad_range out[1];

        /* A huge line is quoted in part, marked as cut. */
        memset(line, '7', sizeof(line) - 1);
        line[sizeof(line) - 1] = '\0';
        ck_assert_int_eq(parse(line, 0, out, 1), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err, "line 1: invalid badblocks entry '7777"));
        ck_assert_ptr_nonnull(strstr(err, "...' (expected SECTOR LENGTH)"));
        ck_assert_uint_lt(strlen(err), 128);

        /* A small error buffer is filled and terminated, not overrun. */
        memset(small, 'X', sizeof(small));
        ck_assert_int_eq(badblocks_parse("a b c", 0, out, 1, small, 8), -EINVAL);
        ck_assert_str_eq(small, "line 1:");
        ck_assert_int_eq(small[8], 'X');

        /* No error buffer at all. */
        ck_assert_int_eq(badblocks_parse("a b c", 0, out, 1, NULL, 0), -EINVAL);
        ck_assert_int_eq(badblocks_parse("1 1", 0, out, 1, NULL, 0), 1);
        ck_assert_int_eq(badblocks_parse(NULL, 0, out, 1, NULL, 0), -EINVAL);

        /* A good parse clears the error buffer. */
        ck_assert_int_eq(parse("1 1", 0, out, 1), 1);
        ck_assert_str_eq(err, "");
}
END_TEST

/* ---- badblocks_clip --------------------------------------------------- */

/* A device with the given inclusive ranges. */
static struct dax_facts facts_with(const struct dax_range *ranges, unsigned n) {
        struct dax_facts f = {};

        ck_assert_uint_le(n, DEV_MAX_RANGES);
        snprintf(f.name, sizeof(f.name), "dax0.0");
        f.n_ranges = n;
        for (unsigned i = 0; i < n; i++)
                f.ranges[i] = ranges[i];
        return f;
}

/* One 4 GiB device at 4 GiB: [0x100000000, 0x1ffffffff]. */
static const struct dax_range one[] = { { 0x100000000, 0x1ffffffff } };

static size_t clip1(struct bad_range in, struct bad_range *out, size_t max) {
        struct dax_facts f = facts_with(one, ELEMENTSOF(one));

        return badblocks_clip(&in, 1, &f, out, max);
}

START_TEST(test_clip_inside_and_outside) {
        struct bad_range out[4];

        ck_assert_uint_eq(clip1((struct bad_range) { 0x100001000, 512 }, out, 4), 1);
        assert_range(&out[0], 0x100001000, 512);

        /* Wholly below, wholly above, just below, just above. */
        ck_assert_uint_eq(clip1((struct bad_range) { 0x1000, 512 }, out, 4), 0);
        ck_assert_uint_eq(clip1((struct bad_range) { 0x300000000, 512 }, out, 4), 0);
        ck_assert_uint_eq(clip1((struct bad_range) { 0x100000000 - 512, 512 }, out, 4), 0);
        ck_assert_uint_eq(clip1((struct bad_range) { 0x200000000, 512 }, out, 4), 0);

        /* An empty range touches nothing. */
        ck_assert_uint_eq(clip1((struct bad_range) { 0x100001000, 0 }, out, 4), 0);
}
END_TEST

START_TEST(test_clip_boundaries) {
        struct bad_range out[4];

        /* The inclusive end: the very last byte is inside. */
        ck_assert_uint_eq(clip1((struct bad_range) { 0x1ffffffff, 1 }, out, 4), 1);
        assert_range(&out[0], 0x1ffffffff, 1);
        ck_assert_uint_eq(clip1((struct bad_range) { 0x200000000 - 512, 512 }, out, 4), 1);
        assert_range(&out[0], 0x200000000 - 512, 512);

        /* The very first byte. */
        ck_assert_uint_eq(clip1((struct bad_range) { 0x100000000, 1 }, out, 4), 1);
        assert_range(&out[0], 0x100000000, 1);

        /* Crossing the start. */
        ck_assert_uint_eq(clip1((struct bad_range) { 0x100000000 - 512, 1024 }, out, 4), 1);
        assert_range(&out[0], 0x100000000, 512);

        /* Crossing the end. */
        ck_assert_uint_eq(clip1((struct bad_range) { 0x200000000 - 512, 4096 }, out, 4), 1);
        assert_range(&out[0], 0x200000000 - 512, 512);

        /* Covering the whole device and more. */
        ck_assert_uint_eq(clip1((struct bad_range) { 0, 16 * GiB }, out, 4), 1);
        assert_range(&out[0], 0x100000000, 4 * GiB);

        /* Reaching the top of the address space. */
        ck_assert_uint_eq(clip1((struct bad_range) { 0x1fffff000, UINT64_MAX - 0x1fffff000 }, out, 4), 1);
        assert_range(&out[0], 0x1fffff000, 0x1000);
}
END_TEST

START_TEST(test_clip_multiple_device_ranges) {
        /* Two ranges with a hole between them, listed out of order. */
        static const struct dax_range two[] = {
                { 0x300000000, 0x33fffffff },
                { 0x100000000, 0x13fffffff },
        };
        struct dax_facts f = facts_with(two, ELEMENTSOF(two));
        struct bad_range in[] = {
                { 0x13ffff000, 0x300001000 - 0x13ffff000 },     /* end of one, the hole, start of the other */
                { 0x200000000, 4096 },                          /* in the hole */
                { 0x320000000, 512 },                           /* inside the second */
                { 0x100000000, 512 },                           /* start of the first */
        };
        struct bad_range out[8];

        fill_untouched(out, ELEMENTSOF(out));
        ck_assert_uint_eq(badblocks_clip(in, ELEMENTSOF(in), &f, out, ELEMENTSOF(out)), 4);
        /* Input order, then the device's range order. */
        assert_range(&out[0], 0x300000000, 0x1000);
        assert_range(&out[1], 0x13ffff000, 0x1000);
        assert_range(&out[2], 0x320000000, 512);
        assert_range(&out[3], 0x100000000, 512);
        ck_assert(out[4].start == UNTOUCHED);

        /* max smaller than the count: counted, not written. */
        fill_untouched(out, ELEMENTSOF(out));
        ck_assert_uint_eq(badblocks_clip(in, ELEMENTSOF(in), &f, out, 1), 4);
        assert_range(&out[0], 0x300000000, 0x1000);
        ck_assert(out[1].start == UNTOUCHED);
        ck_assert_uint_eq(badblocks_clip(in, ELEMENTSOF(in), &f, NULL, 0), 4);
}
END_TEST

START_TEST(test_clip_odd_facts) {
        struct bad_range in = { 0x100000000, 512 }, out[2];
        struct dax_facts f = facts_with(one, ELEMENTSOF(one));

        /* No ranges: nothing is on the device. */
        f.n_ranges = 0;
        ck_assert_uint_eq(badblocks_clip(&in, 1, &f, out, 2), 0);

        /* A count past the array is not believed. */
        f = facts_with(one, ELEMENTSOF(one));
        f.n_ranges = 1000;
        ck_assert_uint_eq(badblocks_clip(&in, 1, &f, out, 2), 1);

        /* A backwards range holds nothing. */
        f = facts_with((const struct dax_range[]) { { 0x1ffffffff, 0x100000000 } }, 1);
        ck_assert_uint_eq(badblocks_clip(&in, 1, &f, out, 2), 0);

        ck_assert_uint_eq(badblocks_clip(NULL, 1, &f, out, 2), 0);
        ck_assert_uint_eq(badblocks_clip(&in, 1, NULL, out, 2), 0);
        ck_assert_uint_eq(badblocks_clip(&in, 0, &f, out, 2), 0);
}
END_TEST

/* ---- badblocks_bytes -------------------------------------------------- */

START_TEST(test_bytes) {
        struct bad_range r[] = { { 0x1000, 512 }, { 0x8000, 4096 }, { 0, 1 } };
        struct bad_range huge[] = { { 0, UINT64_MAX - 10 }, { 0, 100 } };

        ck_assert_uint_eq(badblocks_bytes(r, 0), 0);
        ck_assert_uint_eq(badblocks_bytes(NULL, 3), 0);
        ck_assert_uint_eq(badblocks_bytes(r, 1), 512);
        ck_assert_uint_eq(badblocks_bytes(r, ELEMENTSOF(r)), 512 + 4096 + 1);
        /* Saturates instead of wrapping. */
        ck_assert(badblocks_bytes(huge, ELEMENTSOF(huge)) == UINT64_MAX);
}
END_TEST

/* ---- badblocks_blocks ------------------------------------------------- */

static void assert_blocks(const uint64_t *got, const uint64_t *want, size_t n) {
        for (size_t i = 0; i < n; i++)
                ck_assert_msg(got[i] == want[i], "block %zu is %llu, expected %llu", i,
                              (unsigned long long) got[i], (unsigned long long) want[i]);
}

START_TEST(test_blocks_single) {
        struct bad_range r = { 4 * GiB + 0x1000, 512 };
        uint64_t b[4] = { UNTOUCHED, UNTOUCHED, UNTOUCHED, UNTOUCHED };

        ck_assert_uint_eq(badblocks_blocks(&r, 1, BLOCK, b, 4), 1);
        ck_assert(b[0] == 32);
        ck_assert(b[1] == UNTOUCHED);
}
END_TEST

START_TEST(test_blocks_spanning) {
        uint64_t b[8];
        struct bad_range r;

        /* From the last byte of block 32 into block 34. */
        r = (struct bad_range) { 33 * BLOCK - 1, BLOCK + 2 };
        ck_assert_uint_eq(badblocks_blocks(&r, 1, BLOCK, b, 8), 3);
        assert_blocks(b, (const uint64_t[]) { 32, 33, 34 }, 3);

        /* Exactly one block: its end is the next block's start, not in it. */
        r = (struct bad_range) { 32 * BLOCK, BLOCK };
        ck_assert_uint_eq(badblocks_blocks(&r, 1, BLOCK, b, 8), 1);
        ck_assert(b[0] == 32);

        /* One byte more touches the next. */
        r.len++;
        ck_assert_uint_eq(badblocks_blocks(&r, 1, BLOCK, b, 8), 2);
        assert_blocks(b, (const uint64_t[]) { 32, 33 }, 2);

        /* The first byte of a block. */
        r = (struct bad_range) { 33 * BLOCK, 1 };
        ck_assert_uint_eq(badblocks_blocks(&r, 1, BLOCK, b, 8), 1);
        ck_assert(b[0] == 33);
}
END_TEST

START_TEST(test_blocks_sorted_unique) {
        struct bad_range r[] = {
                { 40 * BLOCK + 512, 512 },
                { 32 * BLOCK, 512 },
                { 40 * BLOCK + 4096, 512 },     /* same block again */
                { 33 * BLOCK + 1, 2 * BLOCK },  /* 33, 34, 35 */
                { 34 * BLOCK, 512 },            /* inside the previous */
                { 0, 0 },                       /* empty: no block */
                { 50 * BLOCK - 512, 512 },      /* last bytes of 49 */
        };
        uint64_t b[16];

        ck_assert_uint_eq(badblocks_blocks(r, ELEMENTSOF(r), BLOCK, b, ELEMENTSOF(b)), 6);
        assert_blocks(b, (const uint64_t[]) { 32, 33, 34, 35, 40, 49 }, 6);
}
END_TEST

START_TEST(test_blocks_merge_out_of_order) {
        /* Adjacent and overlapping spans given backwards, merged into one run. */
        struct bad_range r[] = {
                { 14 * BLOCK, 1 },
                { 12 * BLOCK, BLOCK + 1 },
                { 11 * BLOCK + 5, 1 },
                { 10 * BLOCK, 1 },
                { 20 * BLOCK, 1 },
        };
        uint64_t b[16];

        ck_assert_uint_eq(badblocks_blocks(r, ELEMENTSOF(r), BLOCK, b, ELEMENTSOF(b)), 6);
        assert_blocks(b, (const uint64_t[]) { 10, 11, 12, 13, 14, 20 }, 6);
}
END_TEST

START_TEST(test_blocks_more_than_max) {
        struct bad_range r[] = { { 7 * BLOCK, 3 * BLOCK }, { 1 * BLOCK, 1 } };
        uint64_t b[4] = { UNTOUCHED, UNTOUCHED, UNTOUCHED, UNTOUCHED };

        ck_assert_uint_eq(badblocks_blocks(r, ELEMENTSOF(r), BLOCK, b, 2), 4);
        assert_blocks(b, (const uint64_t[]) { 1, 7, UNTOUCHED }, 3);
        ck_assert_uint_eq(badblocks_blocks(r, ELEMENTSOF(r), BLOCK, NULL, 0), 4);
}
END_TEST

START_TEST(test_blocks_huge_and_edges) {
        struct bad_range r;
        uint64_t b[4];

        /* 2^40 blocks are counted, not listed one by one. */
        r = (struct bad_range) { 4096, UINT64_C(1) << 40 };
        ck_assert_uint_eq(badblocks_blocks(&r, 1, 1, b, 4), UINT64_C(1) << 40);
        assert_blocks(b, (const uint64_t[]) { 4096, 4097, 4098, 4099 }, 4);

        /* The top of the address space. */
        r = (struct bad_range) { UINT64_MAX - 511, 512 };
        ck_assert_uint_eq(badblocks_blocks(&r, 1, 4096, b, 4), 1);
        ck_assert(b[0] == UINT64_MAX / 4096);
        r = (struct bad_range) { UINT64_MAX - 1, 2 };
        ck_assert_uint_eq(badblocks_blocks(&r, 1, 1, b, 4), 2);
        assert_blocks(b, (const uint64_t[]) { UINT64_MAX - 1, UINT64_MAX }, 2);

        /* A block size that is not a power of two still divides. */
        r = (struct bad_range) { 2999, 2 };
        ck_assert_uint_eq(badblocks_blocks(&r, 1, 1000, b, 4), 2);
        assert_blocks(b, (const uint64_t[]) { 2, 3 }, 2);

        /* Nothing to do. */
        ck_assert_uint_eq(badblocks_blocks(&r, 0, BLOCK, b, 4), 0);
        ck_assert_uint_eq(badblocks_blocks(&r, 1, 0, b, 4), 0);
        ck_assert_uint_eq(badblocks_blocks(NULL, 1, BLOCK, b, 4), 0);
}
END_TEST

/* ---- clear_unit_align ------------------------------------------------- */

static const struct {
        struct bad_range in;
        uint64_t unit;
        struct bad_range out;
} aligns[] = {
        /* 0 and 1: as it is */
        { { 0x1010, 8 }, 0, { 0x1010, 8 } },
        { { 0x1010, 8 }, 1, { 0x1010, 8 } },
        /* already aligned */
        { { 0x1000, 512 }, 256, { 0x1000, 512 } },
        { { 0x1000, 256 }, 256, { 0x1000, 256 } },
        /* inside one unit */
        { { 0x1010, 8 }, 256, { 0x1000, 256 } },
        { { 0x10ff, 1 }, 256, { 0x1000, 256 } },
        /* start down, end up, across a unit boundary */
        { { 0x10f0, 0x20 }, 256, { 0x1000, 0x200 } },
        { { 0x1001, 0x1ff }, 512, { 0x1000, 0x200 } },
        { { 0x1001, 0x200 }, 512, { 0x1000, 0x400 } },
        { { 0x1000, 0x201 }, 512, { 0x1000, 0x400 } },
        /* a large unit */
        { { 0x102300200, 512 }, 4096, { 0x102300000, 4096 } },
        /* empty: as it is */
        { { 0x1010, 0 }, 256, { 0x1010, 0 } },
        /* the top of the address space */
        { { UINT64_MAX - 10, 5 }, 4096, { UINT64_MAX - 4095, 4096 } },
        { { UINT64_MAX, 1 }, 2, { UINT64_MAX - 1, 2 } },
        /* all of it: saturates */
        { { 0, UINT64_MAX }, 2, { 0, UINT64_MAX } },
        /* not a power of two: still whole units */
        { { 4, 1 }, 3, { 3, 3 } },
        { { 5, 2 }, 3, { 3, 6 } },
};

START_TEST(test_clear_unit_align) {
        struct bad_range got = clear_unit_align(aligns[_i].in, aligns[_i].unit);

        assert_range(&got, aligns[_i].out.start, aligns[_i].out.len);
}
END_TEST

/* ---- badblocks_format ------------------------------------------------- */

static const struct bad_range three[] = {
        { 0x1000, 512 },
        { 0x102300000, 1024 },
        { 0x2000, 4096 },
};

START_TEST(test_format) {
        char buf[128];
        struct bad_range max = { UINT64_MAX, UINT64_MAX };

        memset(buf, 'X', sizeof(buf));
        badblocks_format(three, 0, buf, sizeof(buf));
        ck_assert_str_eq(buf, "");
        badblocks_format(three + 1, 1, buf, sizeof(buf));
        ck_assert_str_eq(buf, "0x102300000+1024");
        badblocks_format(three, ELEMENTSOF(three), buf, sizeof(buf));
        ck_assert_str_eq(buf, "0x1000+512, 0x102300000+1024, 0x2000+4096");
        badblocks_format(&max, 1, buf, sizeof(buf));
        ck_assert_str_eq(buf, "0xffffffffffffffff+18446744073709551615");
        badblocks_format(NULL, 3, buf, sizeof(buf));
        ck_assert_str_eq(buf, "");
}
END_TEST

/* Formats into a buffer of len bytes inside a larger one, checking that nothing past it is written. */
static const char *format_in(const struct bad_range *r, size_t n, size_t len) {
        static char buf[256];

        ck_assert_uint_lt(len, sizeof(buf));
        memset(buf, 'X', sizeof(buf));
        badblocks_format(r, n, buf, len);
        for (size_t i = len; i < sizeof(buf); i++)
                ck_assert_msg(buf[i] == 'X', "byte %zu past a buffer of %zu written", i, len);
        if (len > 0)
                ck_assert_uint_lt(strlen(buf), len);
        return buf;
}

START_TEST(test_format_truncated) {
        const char *full = "0x1000+512, 0x102300000+1024, 0x2000+4096";
        size_t n = ELEMENTSOF(three);

        /* Exactly enough, and one byte short. */
        ck_assert_str_eq(format_in(three, n, strlen(full) + 1), full);
        ck_assert_str_eq(format_in(three, n, strlen(full)), "0x1000+512, 0x102300000+1024, ...");

        /* Whole entries only, and the cut is always shown. */
        ck_assert_str_eq(format_in(three, n, 34), "0x1000+512, 0x102300000+1024, ...");
        ck_assert_str_eq(format_in(three, n, 33), "0x1000+512, ...");
        ck_assert_str_eq(format_in(three, n, 16), "0x1000+512, ...");
        ck_assert_str_eq(format_in(three, n, 15), "...");
        ck_assert_str_eq(format_in(three, n, 11), "...");

        /* A single entry that does not fit. */
        ck_assert_str_eq(format_in(three, 1, 11), "0x1000+512");
        ck_assert_str_eq(format_in(three, 1, 10), "...");

        /* Tiny buffers. */
        ck_assert_str_eq(format_in(three, n, 4), "...");
        ck_assert_str_eq(format_in(three, n, 3), "..");
        ck_assert_str_eq(format_in(three, n, 2), ".");
        ck_assert_str_eq(format_in(three, n, 1), "");
        format_in(three, n, 0);
        badblocks_format(three, n, NULL, 0);
}
END_TEST

static Suite *poison_suite(void) {
        Suite *s = suite_create("poison");
        TCase *tc;

        tc = tcase_create("parse");
        tcase_add_test(tc, test_parse_empty);
        tcase_add_test(tc, test_parse_kernel_format);
        tcase_add_test(tc, test_parse_blanks);
        tcase_add_test(tc, test_parse_more_than_max);
        tcase_add_test(tc, test_parse_top_of_address_space);
        tcase_add_loop_test(tc, test_parse_bad, 0, ELEMENTSOF(bad_texts));
        tcase_add_test(tc, test_parse_error_quote_and_buffers);
        suite_add_tcase(s, tc);

        tc = tcase_create("clip");
        tcase_add_test(tc, test_clip_inside_and_outside);
        tcase_add_test(tc, test_clip_boundaries);
        tcase_add_test(tc, test_clip_multiple_device_ranges);
        tcase_add_test(tc, test_clip_odd_facts);
        suite_add_tcase(s, tc);

        tc = tcase_create("bytes");
        tcase_add_test(tc, test_bytes);
        suite_add_tcase(s, tc);

        tc = tcase_create("blocks");
        tcase_add_test(tc, test_blocks_single);
        tcase_add_test(tc, test_blocks_spanning);
        tcase_add_test(tc, test_blocks_sorted_unique);
        tcase_add_test(tc, test_blocks_merge_out_of_order);
        tcase_add_test(tc, test_blocks_more_than_max);
        tcase_add_test(tc, test_blocks_huge_and_edges);
        suite_add_tcase(s, tc);

        tc = tcase_create("align");
        tcase_add_loop_test(tc, test_clear_unit_align, 0, ELEMENTSOF(aligns));
        suite_add_tcase(s, tc);

        tc = tcase_create("format");
        tcase_add_test(tc, test_format);
        tcase_add_test(tc, test_format_truncated);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(poison_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);

        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
