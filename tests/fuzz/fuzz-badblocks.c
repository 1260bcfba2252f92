/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-badblocks: badblocks_parse() on the input as a NUL-terminated
 * string, and the parsed ranges through the rest of poison.h.  Besides
 * crashes, checks what the callers rely on: the count does not depend on
 * max, clipped ranges lie inside the device, block lists are strictly
 * ascending, aligned ranges cover the original, and formatted text fits.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "poison.h"

#define MAX_RANGES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant broken: a finding, like a crash. */
#define CHECK(cond)                                                                     \
        do {                                                                            \
                if (!(cond)) {                                                          \
                        fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);      \
                        abort();                                                        \
                }                                                                       \
        } while (0)

/* Two disjoint ranges with a hole between them, as a device may have. */
static const struct dax_facts facts = {
        .name = "dax0.0",
        .n_ranges = 2,
        .ranges = {
                { UINT64_C(0x100000000), UINT64_C(0x13fffffff) },
                { UINT64_C(0x180000000), UINT64_C(0x1bfffffff) },
        },
};

static void check_ranges(const struct bad_range *in, size_t n) {
        static const uint64_t block_sizes[] = { 1, 512, UINT64_C(128) << 20, UINT64_C(1) << 40 };
        struct bad_range clipped[MAX_RANGES * 2];
        uint64_t blocks[MAX_RANGES];
        char text[128];
        size_t nc, nc2;

        nc = badblocks_clip(in, n, &facts, clipped, MAX_RANGES * 2);
        nc2 = badblocks_clip(in, n, &facts, NULL, 0);
        CHECK(nc == nc2);
        CHECK(nc <= n * facts.n_ranges);
        for (size_t i = 0; i < nc; i++) {
                uint64_t last = clipped[i].start + clipped[i].len - 1;
                bool inside = false;

                CHECK(clipped[i].len > 0);
                for (unsigned j = 0; j < facts.n_ranges; j++)
                        if (clipped[i].start >= facts.ranges[j].start && last <= facts.ranges[j].end)
                                inside = true;
                CHECK(inside);
        }
        /* Each input range loses bytes to clipping, never gains. */
        if (badblocks_bytes(in, n) < UINT64_MAX)
                CHECK(badblocks_bytes(clipped, nc) <= badblocks_bytes(in, n));

        for (size_t k = 0; k < sizeof(block_sizes) / sizeof(block_sizes[0]); k++) {
                size_t nb = badblocks_blocks(in, n, block_sizes[k], blocks, MAX_RANGES);

                CHECK(badblocks_blocks(in, n, block_sizes[k], NULL, 0) == nb);
                for (size_t i = 1; i < nb && i < MAX_RANGES; i++)
                        CHECK(blocks[i - 1] < blocks[i]);
                (void) badblocks_blocks(clipped, nc, block_sizes[k], blocks, MAX_RANGES);
        }

        for (size_t i = 0; i < n; i++) {
                for (unsigned shift = 0; shift < 64; shift += 9) {
                        struct bad_range a = clear_unit_align(in[i], UINT64_C(1) << shift);

                        CHECK(a.start <= in[i].start);
                        CHECK(a.len >= in[i].len);
                        /* Covers the original: compare last bytes, which cannot wrap. */
                        CHECK(a.start + (a.len - 1) >= in[i].start + (in[i].len - 1));
                }
        }

        for (size_t len = 0; len <= sizeof(text); len += 7) {
                memset(text, 'X', sizeof(text));
                badblocks_format(in, n, text, len);
                if (len > 0)
                        CHECK(strlen(text) < len);
                for (size_t i = len; i < sizeof(text); i++)
                        CHECK(text[i] == 'X');
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const uint64_t region_starts[] = { 0, UINT64_C(0x100000000), UINT64_MAX - (UINT64_C(1) << 40) };
        struct bad_range out[MAX_RANGES];
        char err[128], *text;

        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';

        for (size_t k = 0; k < sizeof(region_starts) / sizeof(region_starts[0]); k++) {
                int n, n2;

                memset(err, 'X', sizeof(err));
                n = badblocks_parse(text, region_starts[k], out, MAX_RANGES, err, sizeof(err));
                CHECK(memchr(err, '\0', sizeof(err)));
                n2 = badblocks_parse(text, region_starts[k], NULL, 0, NULL, 0);
                CHECK(n == n2);
                if (n < 0) {
                        CHECK(strncmp(err, "line ", 5) == 0);
                        continue;
                }
                CHECK(err[0] == '\0');

                for (int i = 0; i < n && i < MAX_RANGES; i++) {
                        CHECK(out[i].len > 0 && out[i].len % 512 == 0);
                        CHECK(out[i].start >= region_starts[k]);
                        CHECK(out[i].start + out[i].len > out[i].start);       /* the end does not wrap */
                }
                check_ranges(out, n < MAX_RANGES ? (size_t) n : MAX_RANGES);
        }

        free(text);
        return 0;
}
