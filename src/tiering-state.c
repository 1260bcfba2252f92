/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tiering-state: the bookkeeping kept in TIERING_STATE_FILE across
 * restarts and crashes, as text (tiering.h). */

#include "tiering-internal.h"
#include "util.h"

/* ---- the state file ------------------------------------------------- */

static bool state_value_ok(const char *v, bool may_be_empty) {
        size_t n = strlen(v);

        if (n == 0)
                return may_be_empty;
        if (n >= TIERING_VALUE_MAX || streq(v, "-"))
                return false;
        for (const char *c = v; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                      *c == '+' || *c == '.' || *c == '_' || *c == '-'))
                        return false;
        return true;
}

int tiering_state_format(const struct tiering_state *s, char *buf, size_t len) {
        size_t at = 0;
        int r;

#define APPEND(...)                                                             \
        do {                                                                    \
                r = at < len ? snprintf(buf + at, len - at, __VA_ARGS__)        \
                             : snprintf(NULL, 0, __VA_ARGS__);                  \
                if (r < 0)                                                      \
                        return -EINVAL;                                         \
                at += (size_t) r;                                               \
        } while (0)

        if (s->n_saved > ELEMENTSOF(s->saved) || (!s->applied && s->n_saved > 0))
                return -EINVAL;
        APPEND("# daxtierd: the tiering knobs it changed and the values found before\n"
               "version 1\napplied %s\n", s->applied ? "yes" : "no");
        for (size_t i = 0; i < s->n_saved; i++) {
                const struct tiering_change *c = &s->saved[i];
                char node[16] = "-";

                if ((unsigned) c->knob >= _TIERING_KNOB_MAX || !state_value_ok(c->old, false) ||
                    !state_value_ok(c->new, c->knob == TIERING_KNOB_WI_NODE))
                        return -EINVAL;
                if (c->knob == TIERING_KNOB_WI_NODE) {
                        if (c->node < 0 || c->node >= TIERING_MAX_NODES)
                                return -EINVAL;
                        snprintf(node, sizeof(node), "%d", c->node);
                }
                for (size_t j = 0; j < i; j++)
                        if (tiering_same_knob(&s->saved[j], c->knob, c->node))
                                return -EINVAL;
                APPEND("saved %s %s %s %s\n", tiering_knob_name(c->knob), node, c->old, c->new[0] ? c->new : "-");
        }
#undef APPEND
        if (at >= len)
                return -ENOSPC;
        return (int) at;
}

/* Splits line (changed in place) into at most max blank-separated words. */
static size_t split_words(char *line, char **words, size_t max) {
        size_t n = 0;
        char *save = NULL;

        for (char *w = strtok_r(line, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
                if (n == max)
                        return max + 1;
                words[n++] = w;
        }
        return n;
}

static int parse_saved(char **w, struct tiering_change *c, const char **why) {
        int k;

        *c = (struct tiering_change) { .node = -1 };
        k = -1;
        for (int i = 0; i < _TIERING_KNOB_MAX; i++)
                if (streq(tiering_knob_name((enum tiering_knob) i), w[0]))
                        k = i;
        if (k < 0) {
                *why = "unknown knob";
                return -EINVAL;
        }
        c->knob = (enum tiering_knob) k;
        if (c->knob == TIERING_KNOB_WI_NODE) {
                uint64_t node;
                if (safe_atou64(w[1], 10, &node) < 0 || node >= TIERING_MAX_NODES || w[1][0] == '+') {
                        *why = "bad node";
                        return -EINVAL;
                }
                c->node = (int) node;
        } else if (!streq(w[1], "-")) {
                *why = "a node for a knob that has none";
                return -EINVAL;
        }
        if (!state_value_ok(w[2], false)) {
                *why = "bad value found";
                return -EINVAL;
        }
        snprintf(c->old, sizeof(c->old), "%s", w[2]);
        if (streq(w[3], "-") && c->knob == TIERING_KNOB_WI_NODE)
                c->new[0] = 0;
        else if (state_value_ok(w[3], false))
                snprintf(c->new, sizeof(c->new), "%s", w[3]);
        else {
                *why = "bad value set";
                return -EINVAL;
        }
        return 0;
}

int tiering_state_parse(const char *text, size_t len, struct tiering_state *s, char *err, size_t errlen) {
        struct tiering_state n = {};
        bool have_version = false, have_applied = false;
        const char *why = NULL;
        unsigned lineno = 0;

        if (memchr(text, 0, len)) {
                snprintf(err, errlen, "a NUL byte in the text");
                return -EINVAL;
        }
        for (size_t at = 0; at < len;) {
                const char *nl = memchr(text + at, '\n', len - at);
                size_t l = nl ? (size_t) (nl - (text + at)) : len - at;
                char line[256], *w[6];
                size_t nw;

                lineno++;
                if (l >= sizeof(line)) {
                        why = "line too long";
                        goto bad;
                }
                memcpy(line, text + at, l);
                line[l] = 0;
                at += l + 1;

                nw = split_words(line, w, ELEMENTSOF(w));
                if (nw == 0 || w[0][0] == '#')
                        continue;
                if (!have_version) {
                        if (nw != 2 || !streq(w[0], "version")) {
                                why = "expected 'version 1' first";
                                goto bad;
                        }
                        if (!streq(w[1], "1")) {
                                why = "unknown version";
                                goto bad;
                        }
                        have_version = true;
                } else if (streq(w[0], "applied") && nw == 2 && !have_applied) {
                        if (streq(w[1], "yes"))
                                n.applied = true;
                        else if (!streq(w[1], "no")) {
                                why = "applied must be yes or no";
                                goto bad;
                        }
                        have_applied = true;
                } else if (streq(w[0], "saved") && nw == 5) {
                        struct tiering_change c;
                        if (parse_saved(w + 1, &c, &why) < 0)
                                goto bad;
                        if (tiering_saved_find(&n, c.knob, c.node)) {
                                why = "knob saved twice";
                                goto bad;
                        }
                        if (n.n_saved >= ELEMENTSOF(n.saved)) {
                                why = "too many saved knobs";
                                goto bad;
                        }
                        n.saved[n.n_saved++] = c;
                } else {
                        why = "unexpected line";
                        goto bad;
                }
        }
        if (!have_version || !have_applied) {
                snprintf(err, errlen, "incomplete: no %s line", have_version ? "applied" : "version");
                return -EINVAL;
        }
        if (!n.applied && n.n_saved > 0) {
                snprintf(err, errlen, "saved knobs while not applied");
                return -EINVAL;
        }
        *s = n;
        return 0;

bad:
        snprintf(err, errlen, "line %u: %s", lineno, why);
        return -EINVAL;
}
