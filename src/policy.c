/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy: loads daxtierd.conf and its drop-ins into a struct policy,
 * matches devices against the rules, and prints the policy back.
 *
 * The INI syntax itself is inih's.  The inih we build against has
 * INI_HANDLER_LINENO and INI_CALL_HANDLER_ON_NEW_SECTION off, so its
 * handler learns neither the line of a key nor that a section started
 * (a section without keys is invisible to it), and ini_parse_stream()
 * returns only the first syntax error.  We want all three, so we feed
 * inih our own lines through ini_parse_stream():
 *
 *  - The reader hands out one line per call and remembers which, so the
 *    handler always knows the line of the key it is given.
 *
 *  - After a line starting with '[' the reader hands out one extra,
 *    dummy "key" line.  inih reports it under the section it has just
 *    parsed, which tells us that a section started, on which line, and
 *    its name exactly as inih understood it.
 *
 *  - Before that, a pass with a handler that does nothing is repeated,
 *    each time neutralising the line inih named as its first error, until
 *    inih reports none.  That yields every syntax error, and the real pass
 *    then sees no broken lines.
 *
 *  - Leading whitespace is dropped before inih sees a line.  inih treats
 *    an indented line after a key as a continuation of that key's value;
 *    none of our values can span lines, and an indented key should just
 *    be a key.
 */

/* asprintf(); a no-op when the build already asks for it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <ini.h>

#include "policy.h"

#define streq(a, b) (strcmp((a), (b)) == 0)
#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ __attribute__((cleanup(freep)))

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ __attribute__((cleanup(fclosep)))

static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}
#define _cleanup_closedir_ __attribute__((cleanup(closedirp)))

static const char *const source_names[] = {
        [DT_SOURCE_ANY] = "any",
        [DT_SOURCE_PMEM] = "pmem",
        [DT_SOURCE_CXL] = "cxl",
        [DT_SOURCE_HMEM] = "hmem",
        [DT_SOURCE_UNKNOWN] = "unknown",
};

static const char *const mode_names[] = {
        [DT_MODE_SYSTEM_RAM] = "system-ram",
        [DT_MODE_DEVDAX] = "devdax",
        [DT_MODE_IGNORE] = "ignore",
};

static const char *const zone_names[] = {
        [DT_ZONE_MOVABLE] = "movable",
        [DT_ZONE_NORMAL] = "normal",
};

static const char *const memmap_names[] = {
        [DT_MEMMAP_NO] = "no",
        [DT_MEMMAP_YES] = "yes",
        [DT_MEMMAP_AUTO] = "auto",
};

static const char *const security_names[] = {
        [DT_SECURITY_NONE] = "none",
        [DT_SECURITY_UNLOCKED] = "unlocked",
        [DT_SECURITY_FROZEN] = "frozen",
};

static const char *const auto_online_names[] = {
        [DT_AUTO_ONLINE_KEEP] = "keep",
        [DT_AUTO_ONLINE_OFFLINE] = "offline",
};

static const char *const scrub_names[] = {
        [DT_SCRUB_ARS] = "ars",
        [DT_SCRUB_BADBLOCKS] = "badblocks",
        [DT_SCRUB_NONE] = "none",
};

static const char *const on_poison_names[] = {
        [DT_ON_POISON_REFUSE] = "refuse",
        [DT_ON_POISON_SKIP_BLOCKS] = "skip-blocks",
};

static const char *const on_runtime_poison_names[] = {
        [DT_ON_RUNTIME_POISON_OFFLINE_BLOCK] = "offline-block",
        [DT_ON_RUNTIME_POISON_LOG] = "log",
};

static const char *const scrub_unsupported_names[] = {
        [DT_SCRUB_UNSUPPORTED_PROCEED] = "proceed",
        [DT_SCRUB_UNSUPPORTED_REFUSE] = "refuse",
};

static const char *name_of(const char *const *table, size_t n, int i) {
        if (i < 0 || (size_t) i >= n)
                return NULL;
        return table[i];
}

const char *dt_source_to_string(enum dt_source s) {
        return name_of(source_names, ELEMENTSOF(source_names), s);
}

const char *dt_mode_to_string(enum dt_mode m) {
        return name_of(mode_names, ELEMENTSOF(mode_names), m);
}

const char *dt_zone_to_string(enum dt_zone z) {
        return name_of(zone_names, ELEMENTSOF(zone_names), z);
}

const char *dt_memmap_to_string(enum dt_memmap m) {
        return name_of(memmap_names, ELEMENTSOF(memmap_names), m);
}

const char *dt_security_to_string(enum dt_security s) {
        return name_of(security_names, ELEMENTSOF(security_names), (int) s);
}

const char *dt_auto_online_to_string(enum dt_auto_online a) {
        return name_of(auto_online_names, ELEMENTSOF(auto_online_names), a);
}

const char *dt_scrub_to_string(enum dt_scrub s) {
        return name_of(scrub_names, ELEMENTSOF(scrub_names), (int) s);
}

const char *dt_on_poison_to_string(enum dt_on_poison p) {
        return name_of(on_poison_names, ELEMENTSOF(on_poison_names), (int) p);
}

const char *dt_on_runtime_poison_to_string(enum dt_on_runtime_poison p) {
        return name_of(on_runtime_poison_names, ELEMENTSOF(on_runtime_poison_names), (int) p);
}

const char *dt_scrub_unsupported_to_string(enum dt_scrub_unsupported s) {
        return name_of(scrub_unsupported_names, ELEMENTSOF(scrub_unsupported_names), (int) s);
}

static int index_of(const char *const *table, size_t n, const char *s) {
        for (size_t i = 0; i < n; i++)
                if (table[i] && streq(table[i], s))
                        return (int) i;
        return -EINVAL;
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_space(char c) {
        /* The same set as isspace() in the C locale, which is what inih strips. */
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

int parse_size(const char *s, uint64_t *ret) {
        uint64_t v = 0, factor = 1;
        bool overflow = false;
        const char *p = s;

        if (!s || !is_digit(*p))
                return -EINVAL;

        /* Scan all digits even after an overflow, so that "99...9x" is
         * reported as garbage rather than as out of range. */
        for (; is_digit(*p); p++)
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

#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC (UINT64_C(1000) * USEC_PER_MSEC)
#define USEC_PER_MIN (UINT64_C(60) * USEC_PER_SEC)
#define USEC_PER_HOUR (UINT64_C(60) * USEC_PER_MIN)

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

        if (!s || !is_digit(*p))
                return -EINVAL;

        while (*p) {
                uint64_t v = 0, part;
                size_t u;

                if (!is_digit(*p))
                        return -EINVAL;

                /* All digits even after an overflow, so that garbage
                 * later on is reported as such, as parse_size() does. */
                for (; is_digit(*p); p++)
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
static int parse_nonneg_int(const char *s, int *ret) {
        long long v = 0;
        bool overflow = false;
        const char *p = s;

        if (!is_digit(*p))
                return -EINVAL;
        for (; is_digit(*p); p++) {
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
        return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* 8-4-4-4-12 hex digits; returns a lower-case copy. */
static int parse_uuid(const char *s, char **ret) {
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

static bool valid_rule_name(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || is_digit(*s) ||
                      *s == '_' || *s == '.' || *s == '-'))
                        return false;
        return true;
}

enum rule_key {
        KEY_MATCH_DEVICE,
        KEY_MATCH_SOURCE,
        KEY_MATCH_UUID,
        KEY_MATCH_REGION,
        KEY_MATCH_TARGET_NODE,
        KEY_MATCH_SIZE_MIN,
        KEY_MATCH_SIZE_MAX,
        KEY_MATCH_NAME,
        KEY_MODE,
        KEY_ZONE,
        KEY_TARGET_NODE,
        KEY_MEMMAP_ON_MEMORY,
        KEY_REQUIRE_SECURITY,
        KEY_SCRUB,
        KEY_SCRUB_TIMEOUT,
        KEY_ON_POISON,
        KEY_ON_RUNTIME_POISON,
        KEY_SCRUB_UNSUPPORTED,
        _KEY_MAX,
};

/* The match keys come first, so that "is a match key" is a comparison. */
#define KEY_IS_MATCH(k) ((k) <= KEY_MATCH_NAME)

static const char *const rule_key_names[_KEY_MAX] = {
        [KEY_MATCH_DEVICE] = "match.device",
        [KEY_MATCH_SOURCE] = "match.source",
        [KEY_MATCH_UUID] = "match.uuid",
        [KEY_MATCH_REGION] = "match.region",
        [KEY_MATCH_TARGET_NODE] = "match.target_node",
        [KEY_MATCH_SIZE_MIN] = "match.size_min",
        [KEY_MATCH_SIZE_MAX] = "match.size_max",
        [KEY_MATCH_NAME] = "match.name",
        [KEY_MODE] = "mode",
        [KEY_ZONE] = "zone",
        [KEY_TARGET_NODE] = "target_node",
        [KEY_MEMMAP_ON_MEMORY] = "memmap_on_memory",
        [KEY_REQUIRE_SECURITY] = "require_security",
        [KEY_SCRUB] = "scrub",
        [KEY_SCRUB_TIMEOUT] = "scrub_timeout",
        [KEY_ON_POISON] = "on_poison",
        [KEY_ON_RUNTIME_POISON] = "on_runtime_poison",
        [KEY_SCRUB_UNSUPPORTED] = "scrub_unsupported",
};

struct rule_state {
        struct rule rule;
        unsigned key_line[_KEY_MAX];    /* 0: key not given */
        char *size_text[2];             /* match.size_min/max as written, for messages */
};

enum region_key {
        RKEY_MATCH_SOURCE,
        RKEY_MATCH_REGION,
        RKEY_MATCH_TARGET_NODE,
        RKEY_CAPACITY,
        RKEY_MAX_DEVICES,
        _RKEY_MAX,
};

#define RKEY_IS_MATCH(k) ((k) <= RKEY_MATCH_TARGET_NODE)

static const char *const region_key_names[_RKEY_MAX] = {
        [RKEY_MATCH_SOURCE] = "match.source",
        [RKEY_MATCH_REGION] = "match.region",
        [RKEY_MATCH_TARGET_NODE] = "match.target_node",
        [RKEY_CAPACITY] = "capacity",
        [RKEY_MAX_DEVICES] = "max_devices",
};

struct region_state {
        struct region_rule rule;
        unsigned key_line[_RKEY_MAX];   /* 0: key not given */
};

enum line_state {
        LINE_OK,
        LINE_TOO_LONG,
        LINE_BAD_SYNTAX,
};

struct line {
        char *text;     /* without leading and trailing whitespace */
        enum line_state state;
};

struct pending_error {
        unsigned line;
        size_t seq;
        char *msg;
};

enum section_kind {
        SECTION_NONE,
        SECTION_DAEMON,
        SECTION_DEVICE,
        SECTION_REGION,
        SECTION_SKIP,   /* broken or unknown header, already reported: ignore its keys */
};

#define DEFAULT_SCRUB_TIMEOUT_USEC (30 * USEC_PER_MIN)

/* inih needs some key line to report the section under; its content is irrelevant. */
#define MARKER_LINE "@="
/* Stands in for a broken header line, so that its keys are not taken for the previous section's. */
#define BROKEN_HEADER_LINE "[-]"

struct loader {
        struct config_errors *errs;
        size_t n_errors;
        int oom;

        char **files;
        size_t n_files;
        enum dt_auto_online auto_online_blocks;
        struct rule_state *rules;
        size_t n_rules;

        /* The file being parsed. */
        const char *path;
        struct line *lines;
        size_t n_lines;
        struct pending_error *pending;
        size_t n_pending;
        unsigned daemon_key_line;
        size_t first_rule;

        /* The reader. */
        size_t next_line;
        unsigned cur_line;
        bool markers;
        bool marker_due;
        bool in_marker;

        enum section_kind section;
        size_t cur_rule;

        /* [region NAME] sections and the [daemon] RAM cap. */
        struct region_state *regions;
        size_t n_regions;
        size_t first_region;
        size_t cur_region;
        bool ram_cap_set;
        struct dt_amount ram_cap;
        unsigned ram_cap_line;
};

static int errors_append(struct config_errors *errs, char *msg) {
        char **m;

        m = realloc(errs->msgs, (errs->n + 1) * sizeof(char *));
        if (!m)
                return -ENOMEM;
        errs->msgs = m;
        errs->msgs[errs->n++] = msg;
        return 0;
}

void config_errors_clear(struct config_errors *errs) {
        if (!errs)
                return;
        for (size_t i = 0; i < errs->n; i++)
                free(errs->msgs[i]);
        free(errs->msgs);
        errs->msgs = NULL;
        errs->n = 0;
}

/* An error that concerns a whole file, e.g. one that cannot be opened. */
__attribute__((format(printf, 2, 3)))
static void load_error(struct loader *ld, const char *fmt, ...) {
        va_list ap;
        char *msg;
        int r;

        ld->n_errors++;
        if (!ld->errs)
                return;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0) {
                ld->oom = -ENOMEM;
                return;
        }
        if (errors_append(ld->errs, msg) < 0) {
                free(msg);
                ld->oom = -ENOMEM;
        }
}

/*
 * An error on a line of the file being parsed.  Kept aside until the file
 * is done, so that the messages of one file come out in line order even
 * though syntax errors and rule-level checks are found in separate passes.
 */
__attribute__((format(printf, 3, 4)))
static void line_error(struct loader *ld, unsigned line, const char *fmt, ...) {
        _cleanup_free_ char *body = NULL;
        struct pending_error *p;
        va_list ap;
        char *msg;
        int r;

        ld->n_errors++;
        if (!ld->errs)
                return;

        va_start(ap, fmt);
        r = vasprintf(&body, fmt, ap);
        va_end(ap);
        if (r < 0) {
                body = NULL;
                ld->oom = -ENOMEM;
                return;
        }
        if (asprintf(&msg, "%s:%u: %s", ld->path, line, body) < 0) {
                ld->oom = -ENOMEM;
                return;
        }

        p = realloc(ld->pending, (ld->n_pending + 1) * sizeof(*p));
        if (!p) {
                free(msg);
                ld->oom = -ENOMEM;
                return;
        }
        ld->pending = p;
        ld->pending[ld->n_pending] = (struct pending_error) {
                .line = line,
                .seq = ld->n_pending,
                .msg = msg,
        };
        ld->n_pending++;
}

static int pending_cmp(const void *a, const void *b) {
        const struct pending_error *x = a, *y = b;

        if (x->line != y->line)
                return x->line < y->line ? -1 : 1;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void flush_pending(struct loader *ld) {
        if (ld->n_pending > 0)
                qsort(ld->pending, ld->n_pending, sizeof(*ld->pending), pending_cmp);

        for (size_t i = 0; i < ld->n_pending; i++) {
                if (ld->errs && errors_append(ld->errs, ld->pending[i].msg) >= 0)
                        continue;
                free(ld->pending[i].msg);
                ld->oom = -ENOMEM;
        }
        free(ld->pending);
        ld->pending = NULL;
        ld->n_pending = 0;
}

static void free_lines(struct loader *ld) {
        for (size_t i = 0; i < ld->n_lines; i++)
                free(ld->lines[i].text);
        free(ld->lines);
        ld->lines = NULL;
        ld->n_lines = 0;
}

static void rule_done(struct rule *r) {
        free(r->name);
        free(r->file);
        free(r->match_device);
        free(r->match_uuid);
        free(r->match_name);
}

static void rule_state_done(struct rule_state *rs) {
        rule_done(&rs->rule);
        free(rs->size_text[0]);
        free(rs->size_text[1]);
}

static void region_rule_done(struct region_rule *r) {
        free(r->name);
        free(r->file);
}

static void loader_done(struct loader *ld) {
        for (size_t i = 0; i < ld->n_files; i++)
                free(ld->files[i]);
        free(ld->files);
        for (size_t i = 0; i < ld->n_rules; i++)
                rule_state_done(&ld->rules[i]);
        free(ld->rules);
        for (size_t i = 0; i < ld->n_regions; i++)
                region_rule_done(&ld->regions[i].rule);
        free(ld->regions);
        free_lines(ld);
        for (size_t i = 0; i < ld->n_pending; i++)
                free(ld->pending[i].msg);
        free(ld->pending);
}

static char *reader(char *buf, int size, void *userdata) {
        struct loader *ld = userdata;
        const char *text;

        ld->in_marker = false;

        if (ld->marker_due) {
                ld->marker_due = false;
                ld->in_marker = true;
                text = MARKER_LINE;
        } else {
                struct line *l;

                if (ld->next_line >= ld->n_lines)
                        return NULL;

                l = &ld->lines[ld->next_line++];
                ld->cur_line = (unsigned) ld->next_line;

                /* inih would split a line that does not fit its buffer and
                 * parse the tail as a line of its own; refuse it instead.
                 * Room is needed for the newline and the NUL. */
                if (l->state == LINE_OK && strlen(l->text) + 2 > (size_t) size) {
                        l->state = LINE_TOO_LONG;
                        line_error(ld, ld->cur_line, "line too long (more than %d characters)",
                                   size - 2);
                }

                if (l->state == LINE_OK)
                        text = l->text;
                else if (l->text[0] == '[')
                        text = BROKEN_HEADER_LINE;
                else
                        text = "";

                ld->marker_due = ld->markers && text[0] == '[';
        }

        /* Always newline-terminated: an inih built with INI_ALLOW_REALLOC
         * reads on into the next line when a chunk lacks one. */
        snprintf(buf, (size_t) size, "%s\n", text);
        return buf;
}

static int noop_handler(void *userdata, const char *section, const char *name, const char *value) {
        (void) userdata, (void) section, (void) name, (void) value;
        return 1;
}

static struct rule_state *current_rule(struct loader *ld) {
        return &ld->rules[ld->cur_rule];
}

/* [region NAME]: section_begin() has checked the word "region". */
static void region_begin(struct loader *ld, const char *section, unsigned line) {
        const char *name = section + 7;
        char *name_copy, *file_copy;
        struct region_state *rs;

        if (section[6] != ' ' || !valid_rule_name(name)) {
                line_error(ld, line,
                           "invalid section '[%s]' (expected [region NAME], NAME made of "
                           "letters, digits, '_', '.' and '-')",
                           section);
                return;
        }

        for (size_t i = 0; i < ld->n_regions; i++) {
                const struct region_rule *other = &ld->regions[i].rule;

                if (streq(other->name, name)) {
                        line_error(ld, line, "[region %s]: duplicate rule name, first defined at %s:%u",
                                   name, other->file, other->line);
                        break;
                }
        }

        name_copy = strdup(name);
        file_copy = strdup(ld->path);
        rs = name_copy && file_copy ? realloc(ld->regions, (ld->n_regions + 1) * sizeof(*rs)) : NULL;
        if (!rs) {
                free(name_copy);
                free(file_copy);
                ld->oom = -ENOMEM;
                return;
        }
        ld->regions = rs;
        ld->regions[ld->n_regions] = (struct region_state) {
                .rule = {
                        .name = name_copy,
                        .file = file_copy,
                        .line = line,
                        .match_source = DT_SOURCE_ANY,
                        .capacity = { .kind = DT_AMOUNT_SIZE },
                        .max_devices = 1,
                },
        };
        ld->cur_region = ld->n_regions++;
        ld->section = SECTION_REGION;
}

static void section_begin(struct loader *ld, const char *section) {
        const struct line *l = &ld->lines[ld->cur_line - 1];
        unsigned line = ld->cur_line;
        char *name_copy, *file_copy;
        struct rule_state *rs;
        const char *name;

        ld->section = SECTION_SKIP;

        if (l->state != LINE_OK)
                return;

        /* inih silently truncates long section names; the raw line tells. */
        if (l->text[1 + strlen(section)] != ']') {
                line_error(ld, line, "section name too long: '[%s...'", section);
                return;
        }

        if (streq(section, "daemon")) {
                ld->section = SECTION_DAEMON;
                return;
        }

        if (strncmp(section, "region", 6) == 0 && (section[6] == '\0' || is_space(section[6]))) {
                region_begin(ld, section, line);
                return;
        }

        if (strncmp(section, "device", 6) != 0 || !(section[6] == '\0' || is_space(section[6]))) {
                line_error(ld, line, "unknown section '[%s]'", section);
                return;
        }

        name = section + 7;
        if (section[6] != ' ' || !valid_rule_name(name)) {
                line_error(ld, line,
                           "invalid section '[%s]' (expected [device NAME], NAME made of "
                           "letters, digits, '_', '.' and '-')",
                           section);
                return;
        }

        for (size_t i = 0; i < ld->n_rules; i++) {
                const struct rule *other = &ld->rules[i].rule;

                if (streq(other->name, name)) {
                        line_error(ld, line, "[device %s]: duplicate rule name, first defined at %s:%u",
                                   name, other->file, other->line);
                        break;
                }
        }

        /* A duplicate is still parsed, so that its own errors are reported too. */
        name_copy = strdup(name);
        file_copy = strdup(ld->path);
        rs = name_copy && file_copy ? realloc(ld->rules, (ld->n_rules + 1) * sizeof(*rs)) : NULL;
        if (!rs) {
                free(name_copy);
                free(file_copy);
                ld->oom = -ENOMEM;
                return;
        }
        ld->rules = rs;
        ld->rules[ld->n_rules] = (struct rule_state) {
                .rule = {
                        .name = name_copy,
                        .file = file_copy,
                        .line = line,
                        .match_source = DT_SOURCE_ANY,
                        .mode = DT_MODE_IGNORE,         /* placeholder: a rule without mode is an error */
                        .zone = DT_ZONE_MOVABLE,
                        .target_node = -1,
                        .memmap_on_memory = DT_MEMMAP_NO,
                        .require_security = DT_SECURITY_NONE,
                        .scrub = DT_SCRUB_ARS,
                        .scrub_timeout_usec = DEFAULT_SCRUB_TIMEOUT_USEC,
                        .on_poison = DT_ON_POISON_REFUSE,
                        .on_runtime_poison = DT_ON_RUNTIME_POISON_OFFLINE_BLOCK,
                        .scrub_unsupported = DT_SCRUB_UNSUPPORTED_PROCEED,
                },
        };
        ld->cur_rule = ld->n_rules++;
        ld->section = SECTION_DEVICE;
}

/*
 * "50%": a decimal integer from 0 to max followed by '%', nothing else.
 * Returns 0, -EINVAL, or -ERANGE when the number is above max.
 */
static int parse_percent(const char *s, unsigned max, unsigned *ret) {
        uint64_t v = 0;
        const char *p = s;

        if (!is_digit(*p))
                return -EINVAL;
        for (; is_digit(*p); p++)
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
static int parse_amount(const char *s, bool allow_free, unsigned percent_max, struct dt_amount *ret) {
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

/* [daemon] max_system_ram_per_node = SIZE | PERCENT% */
static void ram_cap_key(struct loader *ld, const char *name, const char *value) {
        unsigned line = ld->cur_line;
        struct dt_amount a;
        int r;

        if (ld->ram_cap_line > 0) {
                line_error(ld, line, "[daemon] duplicate key '%s' (value '%s'), first set at line %u",
                           name, value, ld->ram_cap_line);
                return;
        }
        ld->ram_cap_line = line;

        r = parse_amount(value, false, DT_RAM_CAP_PERCENT_MAX, &a);
        if (r == -ERANGE && strchr(value, '%'))
                line_error(ld, line, "[daemon] %s: invalid value '%s' (a percentage must be from 0%% to %u%%)",
                           name, value, DT_RAM_CAP_PERCENT_MAX);
        else if (r == -ERANGE)
                line_error(ld, line, "[daemon] %s: invalid value '%s' (size out of range)", name, value);
        else if (r < 0)
                line_error(ld, line,
                           "[daemon] %s: invalid value '%s' (expected a size such as 64G, or a percentage "
                           "of the node's DRAM such as 50%%)",
                           name, value);
        if (r < 0)
                return;

        ld->ram_cap_set = true;
        ld->ram_cap = a;
}

static void daemon_key(struct loader *ld, const char *name, const char *value) {
        unsigned line = ld->cur_line;
        int i;

        if (streq(name, "max_system_ram_per_node")) {
                ram_cap_key(ld, name, value);
                return;
        }

        if (!streq(name, "auto_online_blocks")) {
                line_error(ld, line, "unknown key '%s' in [daemon]", name);
                return;
        }

        /* Later files override earlier ones, but within one file a second
         * value is more likely a mistake than an intent. */
        if (ld->daemon_key_line > 0) {
                line_error(ld, line, "[daemon] duplicate key '%s' (value '%s'), first set at line %u",
                           name, value, ld->daemon_key_line);
                return;
        }
        ld->daemon_key_line = line;

        i = index_of(auto_online_names, ELEMENTSOF(auto_online_names), value);
        if (i < 0) {
                line_error(ld, line, "[daemon] %s: invalid value '%s' (expected keep or offline)",
                           name, value);
                return;
        }
        ld->auto_online_blocks = (enum dt_auto_online) i;
}

static void invalid_value(struct loader *ld, const char *key, const char *value, const char *expected) {
        line_error(ld, ld->cur_line, "[device %s] %s: invalid value '%s' (%s)",
                   current_rule(ld)->rule.name, key, value, expected);
}

static void int_key(struct loader *ld, const char *key, const char *value, int *ret, bool *ok) {
        int r;

        r = parse_nonneg_int(value, ret);
        if (r == -ERANGE)
                invalid_value(ld, key, value, "out of range, the maximum is 2147483647");
        else if (r < 0)
                invalid_value(ld, key, value, "expected a non-negative integer");
        *ok = r >= 0;
}

static void duration_key(struct loader *ld, const char *key, const char *value, uint64_t *ret) {
        uint64_t v;
        int r;

        r = parse_duration(value, &v);
        if (r == -ERANGE)
                invalid_value(ld, key, value, "duration out of range");
        else if (r < 0)
                invalid_value(ld, key, value,
                              "expected a duration with units h, min, s or ms, largest first, "
                              "e.g. 90s, 10min or 1h30min");
        else if (v == 0)
                /* A scrub that may not take any time cannot succeed. */
                invalid_value(ld, key, value, "must be greater than 0");
        else
                *ret = v;
}

static void size_key(struct loader *ld, const char *key, const char *value, uint64_t *ret, char **text, bool *ok) {
        int r;

        r = parse_size(value, ret);
        if (r == -ERANGE)
                invalid_value(ld, key, value, "size out of range");
        else if (r < 0)
                invalid_value(ld, key, value,
                              "expected a size in bytes with an optional K, M, G or T suffix, e.g. 512M or 2GiB");
        *ok = r >= 0;
        if (r < 0)
                return;

        *text = strdup(value);
        if (!*text)
                ld->oom = -ENOMEM;
}

static void device_key(struct loader *ld, const char *name, const char *value) {
        struct rule_state *rs = current_rule(ld);
        struct rule *ru = &rs->rule;
        unsigned line = ld->cur_line;
        bool ok = true;
        int k, i, r;

        k = index_of(rule_key_names, ELEMENTSOF(rule_key_names), name);
        if (k < 0) {
                line_error(ld, line, "unknown key '%s' in [device %s]", name, ru->name);
                return;
        }

        if (rs->key_line[k] > 0) {
                line_error(ld, line, "[device %s] duplicate key '%s' (value '%s'), first set at line %u",
                           ru->name, name, value, rs->key_line[k]);
                return;
        }
        /* Recorded even when the value turns out bad: the key is there, and
         * "missing mode" on top of "invalid mode" would only be noise. */
        rs->key_line[k] = line;

        switch ((enum rule_key) k) {
        case KEY_MATCH_DEVICE:
                if (!*value) {
                        invalid_value(ld, name, value, "expected a device name or glob, e.g. dax0.*");
                        ok = false;
                        break;
                }
                ru->match_device = strdup(value);
                if (!ru->match_device)
                        ld->oom = -ENOMEM;
                break;

        case KEY_MATCH_SOURCE:
                /* "unknown" is a fact, not something a rule can ask for. */
                i = index_of(source_names, DT_SOURCE_UNKNOWN, value);
                if (i < 0) {
                        invalid_value(ld, name, value, "expected pmem, cxl, hmem or any");
                        ok = false;
                        break;
                }
                ru->match_source = (enum dt_source) i;
                break;

        case KEY_MATCH_UUID:
                r = parse_uuid(value, &ru->match_uuid);
                if (r == -ENOMEM)
                        ld->oom = r;
                else if (r < 0)
                        invalid_value(ld, name, value,
                                      "expected a UUID, e.g. 5f3c9a2e-8b1d-4e07-9c6a-2d4b7e1f0a38");
                ok = r >= 0;
                break;

        case KEY_MATCH_REGION:
                int_key(ld, name, value, &ru->match_region, &ok);
                break;

        case KEY_MATCH_TARGET_NODE:
                int_key(ld, name, value, &ru->match_target_node, &ok);
                break;

        case KEY_MATCH_SIZE_MIN:
                size_key(ld, name, value, &ru->match_size_min, &rs->size_text[0], &ok);
                break;

        case KEY_MATCH_SIZE_MAX:
                size_key(ld, name, value, &ru->match_size_max, &rs->size_text[1], &ok);
                break;

        case KEY_MATCH_NAME:
                if (!*value) {
                        invalid_value(ld, name, value, "expected a namespace name or glob, e.g. daxtierd-*");
                        ok = false;
                        break;
                }
                ru->match_name = strdup(value);
                if (!ru->match_name)
                        ld->oom = -ENOMEM;
                break;

        case KEY_MODE:
                i = index_of(mode_names, ELEMENTSOF(mode_names), value);
                if (i < 0)
                        invalid_value(ld, name, value, "expected system-ram, devdax or ignore");
                else
                        ru->mode = (enum dt_mode) i;
                break;

        case KEY_ZONE:
                i = index_of(zone_names, ELEMENTSOF(zone_names), value);
                if (i < 0)
                        invalid_value(ld, name, value, "expected movable or normal");
                else
                        ru->zone = (enum dt_zone) i;
                break;

        case KEY_TARGET_NODE:
                int_key(ld, name, value, &ru->target_node, &ok);
                break;

        case KEY_MEMMAP_ON_MEMORY:
                i = index_of(memmap_names, ELEMENTSOF(memmap_names), value);
                if (i < 0)
                        invalid_value(ld, name, value, "expected yes, no or auto");
                else
                        ru->memmap_on_memory = (enum dt_memmap) i;
                break;

        case KEY_REQUIRE_SECURITY:
                i = index_of(security_names, ELEMENTSOF(security_names), value);
                if (i < 0)
                        invalid_value(ld, name, value, "expected none, unlocked or frozen");
                else
                        ru->require_security = (enum dt_security) i;
                break;

        case KEY_SCRUB:
                i = index_of(scrub_names, ELEMENTSOF(scrub_names), value);
                if (i < 0)
                        invalid_value(ld, name, value, "expected ars, badblocks or none");
                else
                        ru->scrub = (enum dt_scrub) i;
                break;

        case KEY_SCRUB_TIMEOUT:
                duration_key(ld, name, value, &ru->scrub_timeout_usec);
                break;

        case KEY_ON_POISON:
                i = index_of(on_poison_names, ELEMENTSOF(on_poison_names), value);
                if (i < 0)
                        invalid_value(ld, name, value, "expected refuse or skip-blocks");
                else
                        ru->on_poison = (enum dt_on_poison) i;
                break;

        case KEY_ON_RUNTIME_POISON:
                i = index_of(on_runtime_poison_names, ELEMENTSOF(on_runtime_poison_names), value);
                if (i < 0)
                        invalid_value(ld, name, value, "expected offline-block or log");
                else
                        ru->on_runtime_poison = (enum dt_on_runtime_poison) i;
                break;

        case KEY_SCRUB_UNSUPPORTED:
                i = index_of(scrub_unsupported_names, ELEMENTSOF(scrub_unsupported_names), value);
                if (i < 0)
                        invalid_value(ld, name, value, "expected refuse or proceed");
                else
                        ru->scrub_unsupported = (enum dt_scrub_unsupported) i;
                break;

        case _KEY_MAX:
                break;
        }

        if (ok && KEY_IS_MATCH(k))
                ru->match_set |= 1u << k;
}

static void region_invalid_value(struct loader *ld, const char *key, const char *value, const char *expected) {
        line_error(ld, ld->cur_line, "[region %s] %s: invalid value '%s' (%s)", ld->regions[ld->cur_region].rule.name,
                   key, value, expected);
}

static void region_key(struct loader *ld, const char *name, const char *value) {
        struct region_state *rs = &ld->regions[ld->cur_region];
        struct region_rule *ru = &rs->rule;
        unsigned line = ld->cur_line;
        bool ok = true;
        int k, i, r, v;

        k = index_of(region_key_names, ELEMENTSOF(region_key_names), name);
        if (k < 0) {
                line_error(ld, line, "unknown key '%s' in [region %s]", name, ru->name);
                return;
        }
        if (rs->key_line[k] > 0) {
                line_error(ld, line, "[region %s] duplicate key '%s' (value '%s'), first set at line %u",
                           ru->name, name, value, rs->key_line[k]);
                return;
        }
        rs->key_line[k] = line;

        switch ((enum region_key) k) {
        case RKEY_MATCH_SOURCE:
                i = index_of(source_names, DT_SOURCE_UNKNOWN, value);
                if (i < 0) {
                        region_invalid_value(ld, name, value, "expected pmem, cxl, hmem or any");
                        ok = false;
                        break;
                }
                ru->match_source = (enum dt_source) i;
                break;

        case RKEY_MATCH_REGION:
        case RKEY_MATCH_TARGET_NODE:
                r = parse_nonneg_int(value, &v);
                if (r == -ERANGE)
                        region_invalid_value(ld, name, value, "out of range, the maximum is 2147483647");
                else if (r < 0)
                        region_invalid_value(ld, name, value, "expected a non-negative integer");
                ok = r >= 0;
                if (!ok)
                        break;
                if (k == RKEY_MATCH_REGION)
                        ru->match_region = v;
                else
                        ru->match_target_node = v;
                break;

        case RKEY_CAPACITY:
                r = parse_amount(value, true, DT_CAPACITY_PERCENT_MAX, &ru->capacity);
                if (r == -ERANGE && strchr(value, '%'))
                        region_invalid_value(ld, name, value, "a percentage must be from 0% to 100%");
                else if (r == -ERANGE)
                        region_invalid_value(ld, name, value, "size out of range");
                else if (r < 0)
                        region_invalid_value(ld, name, value,
                                             "expected a size such as 2G, a percentage of the region such as 50%, "
                                             "or free");
                break;

        case RKEY_MAX_DEVICES:
                r = parse_nonneg_int(value, &v);
                if (r == -ERANGE)
                        region_invalid_value(ld, name, value, "out of range, the maximum is 2147483647");
                else if (r < 0 || v == 0)
                        region_invalid_value(ld, name, value, "expected a positive integer");
                else
                        ru->max_devices = (unsigned) v;
                break;

        case _RKEY_MAX:
                break;
        }

        /* The match bits share the values of [device] rules. */
        if (ok && k == RKEY_MATCH_SOURCE)
                ru->match_set |= DT_MATCH_SOURCE;
        else if (ok && k == RKEY_MATCH_REGION)
                ru->match_set |= DT_MATCH_REGION;
        else if (ok && k == RKEY_MATCH_TARGET_NODE)
                ru->match_set |= DT_MATCH_TARGET_NODE;
}

static int handler(void *userdata, const char *section, const char *name, const char *value) {
        struct loader *ld = userdata;

        if (ld->in_marker) {
                section_begin(ld, section);
                return 1;
        }

        switch (ld->section) {
        case SECTION_NONE:
                line_error(ld, ld->cur_line, "key '%s' (value '%s') outside of any section", name, value);
                break;
        case SECTION_DAEMON:
                daemon_key(ld, name, value);
                break;
        case SECTION_DEVICE:
                device_key(ld, name, value);
                break;
        case SECTION_REGION:
                region_key(ld, name, value);
                break;
        case SECTION_SKIP:
                break;
        }

        /* Errors are collected by us; inih's return value is only used
         * for syntax errors. */
        return 1;
}

/* Checks that need the whole section: run for the rules of one file. */
static void check_rules(struct loader *ld) {
        for (size_t i = ld->first_rule; i < ld->n_rules; i++) {
                struct rule_state *rs = &ld->rules[i];
                struct rule *ru = &rs->rule;
                bool has_match = false;

                for (int k = 0; KEY_IS_MATCH(k); k++)
                        if (rs->key_line[k] > 0)
                                has_match = true;
                if (!has_match)
                        line_error(ld, ru->line,
                                   "[device %s]: no match keys (a rule needs at least one match.* key)",
                                   ru->name);

                if (rs->key_line[KEY_MODE] == 0)
                        line_error(ld, ru->line, "[device %s]: missing required key 'mode'", ru->name);

                if ((ru->match_set & DT_MATCH_SIZE_MIN) && (ru->match_set & DT_MATCH_SIZE_MAX) &&
                    ru->match_size_min > ru->match_size_max) {
                        unsigned a = rs->key_line[KEY_MATCH_SIZE_MIN], b = rs->key_line[KEY_MATCH_SIZE_MAX];

                        line_error(ld, a > b ? a : b,
                                   "[device %s] match.size_min '%s' is larger than match.size_max '%s'",
                                   ru->name, rs->size_text[0], rs->size_text[1]);
                }
        }
}

/* Checks that need the whole [region] section: run for the rules of one file. */
static void check_region_rules(struct loader *ld) {
        for (size_t i = ld->first_region; i < ld->n_regions; i++) {
                struct region_state *rs = &ld->regions[i];
                bool has_match = false;

                for (int k = 0; RKEY_IS_MATCH(k); k++)
                        if (rs->key_line[k] > 0)
                                has_match = true;
                if (!has_match)
                        line_error(ld, rs->rule.line,
                                   "[region %s]: no match keys (a rule needs at least one match.* key)",
                                   rs->rule.name);
                if (rs->key_line[RKEY_CAPACITY] == 0)
                        line_error(ld, rs->rule.line, "[region %s]: missing required key 'capacity'",
                                   rs->rule.name);
        }
}

static int read_lines(struct loader *ld, FILE *f) {
        _cleanup_free_ char *buf = NULL;
        size_t bufsize = 0;
        ssize_t n;

        while ((n = getline(&buf, &bufsize, f)) >= 0) {
                char *s = buf, *e;
                struct line *l;

                /* A BOM is only meaningful at the very start; inih would
                 * skip it there too, but we must see past it to find '['. */
                if (ld->n_lines == 0 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
                        s += 3;
                while (is_space(*s))
                        s++;
                e = s + strlen(s);
                while (e > s && is_space(e[-1]))
                        e--;
                *e = '\0';

                l = realloc(ld->lines, (ld->n_lines + 1) * sizeof(*l));
                if (!l)
                        return -ENOMEM;
                ld->lines = l;
                ld->lines[ld->n_lines] = (struct line) { .text = strdup(s), .state = LINE_OK };
                if (!ld->lines[ld->n_lines].text)
                        return -ENOMEM;
                ld->n_lines++;
        }

        if (ferror(f))
                return -EIO;
        return 0;
}

static int parse_lines(struct loader *ld) {
        int r;

        ld->markers = false;
        for (;;) {
                const struct line *l;

                ld->next_line = 0;
                ld->marker_due = false;
                r = ini_parse_stream(reader, ld, noop_handler, NULL);
                if (r == 0)
                        break;
                if (r < 0)
                        return -ENOMEM;

                /* inih counts one line per reader call, and this pass inserts none. */
                if ((size_t) r > ld->n_lines || ld->lines[r - 1].state != LINE_OK)
                        break;

                ld->lines[r - 1].state = LINE_BAD_SYNTAX;
                l = &ld->lines[r - 1];
                if (l->text[0] == '[')
                        line_error(ld, (unsigned) r, "syntax error: no closing ']' in section header '%s'",
                                   l->text);
                else
                        line_error(ld, (unsigned) r, "syntax error: expected 'key = value', got '%s'",
                                   l->text);
        }

        ld->markers = true;
        ld->marker_due = false;
        ld->next_line = 0;
        ld->section = SECTION_NONE;
        ld->daemon_key_line = 0;
        ld->first_rule = ld->n_rules;
        ld->ram_cap_line = 0;
        ld->first_region = ld->n_regions;
        r = ini_parse_stream(reader, ld, handler, ld);
        if (r < 0)
                return -ENOMEM;

        check_rules(ld);
        check_region_rules(ld);
        return 0;
}

static int load_file(struct loader *ld, const char *path, bool optional) {
        _cleanup_fclose_ FILE *f = NULL;
        struct stat st;
        char **files, *p;
        int r;

        f = fopen(path, "re");
        if (!f) {
                if (errno == ENOENT && optional)
                        return 0;
                load_error(ld, "%s: cannot open: %s", path, strerror(errno));
                return 0;
        }
        if (fstat(fileno(f), &st) < 0) {
                load_error(ld, "%s: cannot open: %s", path, strerror(errno));
                return 0;
        }
        if (S_ISDIR(st.st_mode)) {
                load_error(ld, "%s: cannot open: %s", path, strerror(EISDIR));
                return 0;
        }

        p = strdup(path);
        if (!p)
                return -ENOMEM;
        files = realloc(ld->files, (ld->n_files + 1) * sizeof(char *));
        if (!files) {
                free(p);
                return -ENOMEM;
        }
        ld->files = files;
        ld->files[ld->n_files++] = p;
        ld->path = p;

        r = read_lines(ld, f);
        if (r == -EIO)
                load_error(ld, "%s: cannot read: %s", path, strerror(errno));
        else if (r >= 0)
                r = parse_lines(ld);

        flush_pending(ld);
        free_lines(ld);
        ld->path = NULL;

        if (r == -ENOMEM)
                return r;
        return ld->oom;
}

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static bool is_dropin_name(const char *name) {
        size_t n = strlen(name);

        return name[0] != '.' && n > 5 && streq(name + n - 5, ".conf");
}

static int load_dropins(struct loader *ld, const char *dir) {
        _cleanup_closedir_ DIR *d = NULL;
        char **names = NULL;
        size_t n_names = 0;
        struct dirent *de;
        int r = 0;

        d = opendir(dir);
        if (!d) {
                if (errno != ENOENT)
                        load_error(ld, "%s: cannot open: %s", dir, strerror(errno));
                return 0;
        }

        for (;;) {
                char **nn, *s;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                load_error(ld, "%s: cannot read: %s", dir, strerror(errno));
                        break;
                }
                if (!is_dropin_name(de->d_name))
                        continue;

                s = strdup(de->d_name);
                nn = s ? realloc(names, (n_names + 1) * sizeof(char *)) : NULL;
                if (!nn) {
                        free(s);
                        r = -ENOMEM;
                        goto finish;
                }
                names = nn;
                names[n_names++] = s;
        }

        /* Byte order, not the locale's collation, so that the order is the
         * same for the daemon and for an admin's shell. */
        if (n_names > 0)
                qsort(names, n_names, sizeof(char *), strcmp_ptr);

        for (size_t i = 0; i < n_names; i++) {
                _cleanup_free_ char *path = NULL;
                size_t l = strlen(dir);

                if (asprintf(&path, "%s%s%s", dir, l > 0 && dir[l - 1] == '/' ? "" : "/", names[i]) < 0) {
                        path = NULL;
                        r = -ENOMEM;
                        goto finish;
                }
                r = load_file(ld, path, false);
                if (r < 0)
                        goto finish;
        }

finish:
        for (size_t i = 0; i < n_names; i++)
                free(names[i]);
        free(names);
        return r;
}

static int build_policy(struct loader *ld, struct policy **ret) {
        struct policy *p;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        if (ld->n_rules > 0) {
                p->rules = calloc(ld->n_rules, sizeof(struct rule));
                if (!p->rules) {
                        free(p);
                        return -ENOMEM;
                }
        }

        for (size_t i = 0; i < ld->n_rules; i++) {
                p->rules[i] = ld->rules[i].rule;
                memset(&ld->rules[i].rule, 0, sizeof(struct rule));
        }
        p->n_rules = ld->n_rules;

        p->files = ld->files;
        p->n_files = ld->n_files;
        ld->files = NULL;
        ld->n_files = 0;

        p->auto_online_blocks = ld->auto_online_blocks;

        p->ram_cap_set = ld->ram_cap_set;
        p->ram_cap = ld->ram_cap;
        if (ld->n_regions > 0) {
                p->region_rules = calloc(ld->n_regions, sizeof(struct region_rule));
                if (!p->region_rules) {
                        policy_free(p);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < ld->n_regions; i++) {
                        p->region_rules[i] = ld->regions[i].rule;
                        memset(&ld->regions[i].rule, 0, sizeof(struct region_rule));
                }
                p->n_region_rules = ld->n_regions;
        }

        *ret = p;
        return 0;
}

int config_load(const char *main_path, bool main_optional, const char *dropin_dir,
                struct policy **ret, struct config_errors *errs) {
        struct loader ld = {
                .errs = errs,
                .auto_online_blocks = DT_AUTO_ONLINE_KEEP,
        };
        int r = 0;

        if (main_path)
                r = load_file(&ld, main_path, main_optional);
        if (r >= 0 && dropin_dir)
                r = load_dropins(&ld, dropin_dir);

        if (r >= 0 && ld.oom < 0)
                r = ld.oom;
        if (r >= 0 && ld.n_errors > 0)
                r = -EINVAL;
        if (r >= 0)
                r = build_policy(&ld, ret);

        loader_done(&ld);
        return r;
}

void policy_free(struct policy *p) {
        if (!p)
                return;

        for (size_t i = 0; i < p->n_files; i++)
                free(p->files[i]);
        free(p->files);
        for (size_t i = 0; i < p->n_rules; i++)
                rule_done(&p->rules[i]);
        free(p->rules);
        for (size_t i = 0; i < p->n_region_rules; i++)
                region_rule_done(&p->region_rules[i]);
        free(p->region_rules);
        free(p);
}

static bool rule_matches(const struct rule *r, const struct dev_facts *f) {
        if (r->match_set & DT_MATCH_DEVICE)
                if (!f->name || fnmatch(r->match_device, f->name, 0) != 0)
                        return false;

        if ((r->match_set & DT_MATCH_SOURCE) && r->match_source != DT_SOURCE_ANY)
                if (f->source != r->match_source)
                        return false;

        if (r->match_set & DT_MATCH_UUID)
                if (!(f->uuid && strcasecmp(f->uuid, r->match_uuid) == 0) &&
                    !(f->dax_uuid && strcasecmp(f->dax_uuid, r->match_uuid) == 0))
                        return false;

        /* An unknown (-1) region or node never equals a configured one,
         * which is never negative. */
        if ((r->match_set & DT_MATCH_REGION) && (f->region < 0 || f->region != r->match_region))
                return false;

        if ((r->match_set & DT_MATCH_TARGET_NODE) &&
            (f->target_node < 0 || f->target_node != r->match_target_node))
                return false;

        if ((r->match_set & DT_MATCH_SIZE_MIN) && f->size < r->match_size_min)
                return false;

        if ((r->match_set & DT_MATCH_SIZE_MAX) && f->size > r->match_size_max)
                return false;

        if (r->match_set & DT_MATCH_NAME)
                if (!f->ns_name || fnmatch(r->match_name, f->ns_name, 0) != 0)
                        return false;

        return true;
}

const struct rule *policy_match(const struct policy *p, const struct dev_facts *f) {
        if (!p || !f)
                return NULL;

        for (size_t i = 0; i < p->n_rules; i++)
                if (rule_matches(&p->rules[i], f))
                        return &p->rules[i];

        return NULL;
}

static bool region_rule_matches(const struct region_rule *r, const struct region_facts *f) {
        if ((r->match_set & DT_MATCH_SOURCE) && r->match_source != DT_SOURCE_ANY && f->source != r->match_source)
                return false;
        if ((r->match_set & DT_MATCH_REGION) && (f->region < 0 || f->region != r->match_region))
                return false;
        if ((r->match_set & DT_MATCH_TARGET_NODE) &&
            (f->target_node < 0 || f->target_node != r->match_target_node))
                return false;
        return true;
}

const struct region_rule *policy_match_region(const struct policy *p, const struct region_facts *f) {
        if (!p || !f)
                return NULL;

        for (size_t i = 0; i < p->n_region_rules; i++)
                if (region_rule_matches(&p->region_rules[i], f))
                        return &p->region_rules[i];

        return NULL;
}

/* The largest suffix that is exact, so that the value reads back unchanged. */
static void print_size(FILE *out, const char *key, uint64_t v) {
        static const char suffixes[] = "KMGT";
        int shift = 0;

        while (v != 0 && shift < 4 && (v & ((UINT64_C(1) << 10) - 1)) == 0) {
                v >>= 10;
                shift++;
        }

        if (shift == 0)
                fprintf(out, "%s = %" PRIu64 "\n", key, v);
        else
                fprintf(out, "%s = %" PRIu64 "%c\n", key, v, suffixes[shift - 1]);
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

static void dump_region_rule(const struct region_rule *r, FILE *out) {
        char amount[64];

        fprintf(out, "\n# %s:%u\n[region %s]\n", r->file, r->line, r->name);
        if (r->match_set & DT_MATCH_SOURCE)
                fprintf(out, "match.source = %s\n", dt_source_to_string(r->match_source));
        if (r->match_set & DT_MATCH_REGION)
                fprintf(out, "match.region = %d\n", r->match_region);
        if (r->match_set & DT_MATCH_TARGET_NODE)
                fprintf(out, "match.target_node = %d\n", r->match_target_node);
        fprintf(out, "capacity = %s\n", dt_amount_to_string(&r->capacity, amount, sizeof(amount)));
        fprintf(out, "max_devices = %u\n", r->max_devices);
}

void policy_dump(const struct policy *p, FILE *out) {
        if (!p || !out)
                return;

        fputs("# Effective daxtierd policy, read from:\n", out);
        if (p->n_files == 0)
                fputs("#   (no files)\n", out);
        for (size_t i = 0; i < p->n_files; i++)
                fprintf(out, "#   %s\n", p->files[i]);

        fprintf(out, "\n[daemon]\nauto_online_blocks = %s\n",
                dt_auto_online_to_string(p->auto_online_blocks));
        if (p->ram_cap_set) {
                char amount[64];
                fprintf(out, "max_system_ram_per_node = %s\n",
                        dt_amount_to_string(&p->ram_cap, amount, sizeof(amount)));
        } else
                fputs("# max_system_ram_per_node is not set\n", out);

        if (p->n_rules == 0)
                fputs("\n# No [device] rules: no device is managed.\n", out);

        for (size_t i = 0; i < p->n_rules; i++) {
                const struct rule *r = &p->rules[i];
                char duration[64];

                fprintf(out, "\n# %s:%u\n[device %s]\n", r->file, r->line, r->name);

                if (r->match_set & DT_MATCH_DEVICE)
                        fprintf(out, "match.device = %s\n", r->match_device);
                if (r->match_set & DT_MATCH_SOURCE)
                        fprintf(out, "match.source = %s\n", dt_source_to_string(r->match_source));
                if (r->match_set & DT_MATCH_UUID)
                        fprintf(out, "match.uuid = %s\n", r->match_uuid);
                if (r->match_set & DT_MATCH_REGION)
                        fprintf(out, "match.region = %d\n", r->match_region);
                if (r->match_set & DT_MATCH_TARGET_NODE)
                        fprintf(out, "match.target_node = %d\n", r->match_target_node);
                if (r->match_set & DT_MATCH_SIZE_MIN)
                        print_size(out, "match.size_min", r->match_size_min);
                if (r->match_set & DT_MATCH_SIZE_MAX)
                        print_size(out, "match.size_max", r->match_size_max);
                if (r->match_set & DT_MATCH_NAME)
                        fprintf(out, "match.name = %s\n", r->match_name);

                fprintf(out, "mode = %s\n", dt_mode_to_string(r->mode));
                fprintf(out, "zone = %s\n", dt_zone_to_string(r->zone));
                /* "Unset" has no spelling in the syntax, so it can only be a comment. */
                if (r->target_node >= 0)
                        fprintf(out, "target_node = %d\n", r->target_node);
                else
                        fputs("# target_node is not set\n", out);
                fprintf(out, "memmap_on_memory = %s\n", dt_memmap_to_string(r->memmap_on_memory));
                fprintf(out, "require_security = %s\n", dt_security_to_string(r->require_security));
                fprintf(out, "scrub = %s\n", dt_scrub_to_string(r->scrub));
                fprintf(out, "scrub_timeout = %s\n",
                        format_duration(duration, sizeof(duration), r->scrub_timeout_usec));
                fprintf(out, "on_poison = %s\n", dt_on_poison_to_string(r->on_poison));
                fprintf(out, "on_runtime_poison = %s\n", dt_on_runtime_poison_to_string(r->on_runtime_poison));
                fprintf(out, "scrub_unsupported = %s\n", dt_scrub_unsupported_to_string(r->scrub_unsupported));
        }
        if (p->n_region_rules == 0)
                fputs("\n# No [region] rules: no namespace is carved.\n", out);
        for (size_t i = 0; i < p->n_region_rules; i++)
                dump_region_rule(&p->region_rules[i], out);
}

int policy_check(const char *main_path, bool main_optional, const char *dropin_dir, FILE *out, FILE *err) {
        struct config_errors errs = {};
        struct policy *p = NULL;
        int r;

        r = config_load(main_path, main_optional, dropin_dir, &p, &errs);
        if (r < 0) {
                for (size_t i = 0; i < errs.n; i++)
                        fprintf(err, "%s\n", errs.msgs[i]);
                if (errs.n == 0)
                        fprintf(err, "cannot load the configuration: %s\n", strerror(-r));
                fprintf(err, "configuration invalid: %zu error%s\n", errs.n, errs.n == 1 ? "" : "s");
                config_errors_clear(&errs);
                return r;
        }
        policy_dump(p, out);
        fflush(out);
        if (p->n_region_rules > 0)
                fprintf(err, "configuration OK: %zu rule%s, %zu region rule%s\n", p->n_rules,
                        p->n_rules == 1 ? "" : "s", p->n_region_rules, p->n_region_rules == 1 ? "" : "s");
        else
                fprintf(err, "configuration OK: %zu rule%s\n", p->n_rules, p->n_rules == 1 ? "" : "s");
        policy_free(p);
        return 0;
}
