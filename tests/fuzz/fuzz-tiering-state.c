/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-tiering-state: tiering_state_parse() on the input as the text of
 * /run/daxtierd/tiering.  Besides crashes, checks that a refused text
 * leaves the state alone, that an accepted one formats back to text that
 * parses to the same state and formats the same again, and that the plans
 * made from it (restore, apply) stay within their arrays.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiering.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_or_abort(const struct tiering_state *a, const struct tiering_state *b, const char *text) {
        bool same = a->applied == b->applied && a->n_saved == b->n_saved;

        for (size_t i = 0; same && i < a->n_saved; i++)
                same = a->saved[i].knob == b->saved[i].knob && a->saved[i].node == b->saved[i].node &&
                       strcmp(a->saved[i].old, b->saved[i].old) == 0 &&
                       strcmp(a->saved[i].new, b->saved[i].new) == 0;
        if (!same) {
                fprintf(stderr, "state does not read back from:\n%s\n", text);
                abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static char text[20000], again[20000];
        struct tiering_state s, back, untouched;
        struct tiering_policy p;
        struct tiering_facts f = {};
        struct tiering_plan plan;
        char err[160];
        int n;

        /* The daemon reads at most 16 KiB. */
        if (size > 16384)
                return 0;

        memset(&s, 0x5a, sizeof(s));
        untouched = s;
        if (tiering_state_parse((const char *) data, size, &s, err, sizeof(err)) < 0) {
                if (memcmp(&s, &untouched, sizeof(s)) != 0 || !err[0] || !memchr(err, 0, sizeof(err))) {
                        fprintf(stderr, "refused text changed the state or gave no reason\n");
                        abort();
                }
                return 0;
        }

        n = tiering_state_format(&s, text, sizeof(text));
        if (n < 0) {
                fprintf(stderr, "an accepted state does not format: %d\n", n);
                abort();
        }
        if (tiering_state_parse(text, (size_t) n, &back, err, sizeof(err)) < 0) {
                fprintf(stderr, "formatted text refused (%s):\n%s\n", err, text);
                abort();
        }
        same_or_abort(&s, &back, text);
        if (tiering_state_format(&back, again, sizeof(again)) != n || strcmp(text, again) != 0) {
                fprintf(stderr, "formats differently the second time:\n%s\n%s\n", text, again);
                abort();
        }

        /* Plans from a loaded state: a kernel with every knob and two nodes. */
        strcpy(f.demotion, "true");
        strcpy(f.numa_balancing, "2");
        strcpy(f.promote_rate, "256");
        strcpy(f.wi_auto, "false");
        f.n_nodes = 2;
        f.nodes[0] = (struct tiering_node) { .node = 0, .has_memory = true, .weight = "3", .bandwidth = 300 };
        f.nodes[1] = (struct tiering_node) { .node = 1, .has_memory = true, .weight = "1", .bandwidth = 100 };
        if (tiering_plan_restore(&s, &f, &plan) > TIERING_PLAN_MAX)
                abort();
        tiering_policy_init(&p);
        p.demotion = TIERING_DEMOTION_ENABLE;
        p.weighted_interleave = TIERING_WI_OFF;
        if (tiering_plan_apply(&s, &p, &f, &plan) > TIERING_PLAN_MAX)
                abort();
        return 0;
}
