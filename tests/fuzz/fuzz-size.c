/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-size: parse_size() and parse_duration() on the input as one
 * string.  Besides crashes, checks that a duration that parses formats
 * back to text that parses to the same value, which is what makes
 * `daxtierd --check-config` output a valid configuration.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s, buf[64];
        uint64_t v, again;

        /* Config values are at most a line long; longer ones only slow the search. */
        if (size > 256)
                return 0;

        s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';

        (void) parse_size(s, &v);

        if (parse_duration(s, &v) == 0) {
                format_duration(buf, sizeof(buf), v);
                if (parse_duration(buf, &again) != 0 || again != v) {
                        fprintf(stderr, "'%s' -> %llu -> '%s' does not read back\n", s, (unsigned long long) v,
                                buf);
                        abort();
                }
        }

        free(s);
        return 0;
}
