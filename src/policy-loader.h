/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * policy-loader: the state config_load() carries while it reads files,
 * shared by its three parts and private to them:
 *
 *   policy-load.c  the files: opening, reading lines, drop-ins, errors,
 *                  and handing the result over as a struct policy;
 *   policy-ini.c   driving inih over those lines (syntax errors, line
 *                  numbers, section starts);
 *   policy-keys.c  what the sections and keys mean: the key tables.
 */

#include "policy.h"

/* Entries in the key tables of policy-keys.c (checked there). */
#define DEVICE_KEYS_MAX 20
#define REGION_KEYS_MAX 7
#define DAEMON_KEYS_MAX 5
#define TIERING_KEYS_MAX 5

struct rule_state {
        struct rule rule;
        unsigned key_line[DEVICE_KEYS_MAX];     /* 0: key not given */
        char *size_text[2];                     /* match.size_min/max as written, for messages */
};

struct region_state {
        struct region_rule rule;
        unsigned key_line[REGION_KEYS_MAX];     /* 0: key not given */
};

/* [daemon]: values carry over from file to file (later files override), key lines do not. */
struct daemon_state {
        enum dt_auto_online auto_online_blocks;
        enum dt_online_at_bind online_at_bind;
        bool ram_cap_set;
        struct dt_amount ram_cap;
        char metrics_textfile[DT_METRICS_PATH_MAX];
        uint64_t metrics_interval_usec;
        unsigned key_line[DAEMON_KEYS_MAX];     /* in the file being parsed */
};

/* [tiering]: like [daemon], values carry over, key lines do not. */
struct tiering_section_state {
        struct tiering_policy policy;
        unsigned key_line[TIERING_KEYS_MAX];
};

/* In the name indexes: the first rule of each name. */
struct rule_name {
        const char *name;       /* the rule's own copy */
        size_t index;
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
        SECTION_TIERING,
        SECTION_SKIP,   /* broken or unknown header, already reported: ignore its keys */
};

struct loader {
        struct config_errors *errs;
        size_t n_errors;
        int oom;

        char **files;
        size_t n_files;
        struct daemon_state daemon;
        struct tiering_section_state tiering;
        struct rule_state *rules;
        size_t n_rules, rules_allocated;
        struct region_state *regions;
        size_t n_regions, regions_allocated;
        void *rule_names, *region_names;        /* tsearch(3) trees of struct rule_name */

        /* The file being parsed. */
        const char *path;
        struct line *lines;
        size_t n_lines, lines_allocated;
        struct pending_error *pending;
        size_t n_pending, pending_allocated;
        size_t first_rule;
        size_t first_region;

        /* The reader: lines next_line up to end_line. */
        size_t next_line, end_line;
        unsigned cur_line;
        bool markers;
        bool marker_due;
        bool in_marker;

        enum section_kind section;
        size_t cur_rule;
        size_t cur_region;
};

/* policy-load.c */
/* An error that concerns a whole file, e.g. one that cannot be opened. */
void load_error(struct loader *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * An error on a line of the file being parsed.  Kept aside until the file
 * is done, so that the messages of one file come out in line order even
 * though syntax errors and rule-level checks are found in separate passes.
 */
void line_error(struct loader *ld, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* policy-ini.c: parses ld->lines of ld->path.  0, or -ENOMEM. */
int ini_parse_lines(struct loader *ld);

/* policy-keys.c */
/* A section header line as inih understood it; the raw line is ld->lines[ld->cur_line - 1]. */
void keys_section_begin(struct loader *ld, const char *section);
/* A key line in the current section. */
void keys_key(struct loader *ld, const char *name, const char *value);
/* Once per file: resets what is per file (the [daemon] key lines). */
void keys_file_begin(struct loader *ld);
/* Once per file: the checks that need a whole section, for the rules of that file. */
void keys_file_end(struct loader *ld);
