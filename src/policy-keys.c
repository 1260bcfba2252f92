/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy-keys: what the sections and keys of daxtierd.conf mean.
 *
 * Each section has a key table: the key's name, the parser of its value
 * and where the value goes (an offset into the section's state).  One
 * function handles a key line of any section: unknown keys, duplicates
 * within a section and invalid values all get the same wording, naming
 * the section, the key and the value.  A new key is one table row (and,
 * if its value is of a new kind, one parser).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <search.h>
#include <stddef.h>

#include "policy-loader.h"

#define DEFAULT_SCRUB_TIMEOUT_USEC (30 * USEC_PER_MIN)

struct key_def;

/*
 * Reads value into the field at base + k->offset.  Returns NULL, or what
 * was expected instead (the tail of the message); sets ld->oom when out
 * of memory.
 */
typedef const char *(*key_parser)(struct loader *ld, const struct key_def *k, const char *value, char *base);

struct key_def {
        const char *name;
        key_parser parse;
        size_t offset;                  /* of the value in the section's state */
        unsigned match_bit;             /* DT_MATCH_* for a match key, else 0 */
        bool required;
        const char *expected;           /* for a malformed value */
        int (*from_string)(const char *s);      /* enum keys */
        size_t aux_offset;              /* size: text as written; amount: the "set" flag; 0: none */
        unsigned percent_max;           /* amount keys */
        bool allow_free;                /* amount keys */
        const char *range;              /* amount keys: for a percentage above percent_max */
};

#define OUT_OF_RANGE_INT "out of range, the maximum is 2147483647"

static const char *enum_key(struct loader *ld, const struct key_def *k, const char *value, char *base) {
        int i = k->from_string(value);

        (void) ld;
        if (i < 0)
                return k->expected;
        *(int *) (base + k->offset) = i;
        return NULL;
}

/* "unknown" is a fact, not something a rule can ask for. */
static const char *source_key(struct loader *ld, const struct key_def *k, const char *value, char *base) {
        if (dt_source_from_string(value) == DT_SOURCE_UNKNOWN)
                return k->expected;
        return enum_key(ld, k, value, base);
}

static const char *glob_key(struct loader *ld, const struct key_def *k, const char *value, char *base) {
        char **field = (char **) (base + k->offset);
        const char *why;

        if (!*value)
                return k->expected;
        why = glob_invalid(value);
        if (why)
                return why;
        *field = strdup(value);
        if (!*field)
                ld->oom = -ENOMEM;
        return NULL;
}

static const char *uuid_key(struct loader *ld, const struct key_def *k, const char *value, char *base) {
        int r = parse_uuid(value, (char **) (base + k->offset));

        if (r == -ENOMEM)
                ld->oom = r;
        else if (r < 0)
                return k->expected;
        return NULL;
}

static const char *int_key(struct loader *ld, const struct key_def *k, const char *value, char *base) {
        int r = parse_nonneg_int(value, (int *) (base + k->offset));

        (void) ld;
        if (r == -ERANGE)
                return OUT_OF_RANGE_INT;
        if (r < 0)
                return "expected a non-negative integer";
        return NULL;
}

static const char *positive_key(struct loader *ld, const struct key_def *k, const char *value, char *base) {
        int v, r = parse_nonneg_int(value, &v);

        (void) ld;
        if (r == -ERANGE)
                return OUT_OF_RANGE_INT;
        if (r < 0 || v == 0)
                return "expected a positive integer";
        *(unsigned *) (base + k->offset) = (unsigned) v;
        return NULL;
}

static const char *size_key(struct loader *ld, const struct key_def *k, const char *value, char *base) {
        char **text = (char **) (base + k->aux_offset);
        int r = parse_size(value, (uint64_t *) (base + k->offset));

        if (r == -ERANGE)
                return "size out of range";
        if (r < 0)
                return "expected a size in bytes with an optional K, M, G or T suffix, e.g. 512M or 2GiB";
        *text = strdup(value);
        if (!*text)
                ld->oom = -ENOMEM;
        return NULL;
}

static const char *duration_key(struct loader *ld, const struct key_def *k, const char *value, char *base) {
        uint64_t v;
        int r = parse_duration(value, &v);

        (void) ld;
        if (r == -ERANGE)
                return "duration out of range";
        if (r < 0)
                return "expected a duration with units h, min, s or ms, largest first, e.g. 90s, 10min or 1h30min";
        /* A scrub that may not take any time cannot succeed. */
        if (v == 0)
                return "must be greater than 0";
        *(uint64_t *) (base + k->offset) = v;
        return NULL;
}

static const char *amount_key(struct loader *ld, const struct key_def *k, const char *value, char *base) {
        int r = parse_amount(value, k->allow_free, k->percent_max, (struct dt_amount *) (base + k->offset));

        (void) ld;
        if (r == -ERANGE && strchr(value, '%'))
                return k->range;
        if (r == -ERANGE)
                return "size out of range";
        if (r < 0)
                return k->expected;
        if (k->aux_offset > 0)
                *(bool *) (base + k->aux_offset) = true;
        return NULL;
}

/* metrics_textfile: off, or an absolute path. */
static const char *textfile_key(struct loader *ld, const struct key_def *k, const char *value, char *base) {
        char *field = base + k->offset;

        (void) ld;
        if (!streq(value, "off") && value[0] != '/')
                return "expected off or an absolute path";
        if (strlen(value) >= DT_METRICS_PATH_MAX)
                return "path too long";
        if (value[strlen(value) - 1] == '/')
                return "expected a file, not a directory";
        snprintf(field, DT_METRICS_PATH_MAX, "%s", value);
        return NULL;
}

/* A duration where 0 means "never" (metrics_interval: on transitions only). */
static const char *interval_key(struct loader *ld, const struct key_def *k, const char *value, char *base) {
        uint64_t v;
        int r;

        (void) ld;
        if (streq(value, "0")) {
                *(uint64_t *) (base + k->offset) = 0;
                return NULL;
        }
        r = parse_duration(value, &v);
        if (r == -ERANGE)
                return "duration out of range";
        if (r < 0)
                return "expected 0 or a duration with units h, min, s or ms, e.g. 60s or 5min";
        if (v > 0 && v < 1000000)
                return "must be 0 or at least 1s";
        *(uint64_t *) (base + k->offset) = v;
        return NULL;
}

#define RULE(field) offsetof(struct rule_state, rule.field)
#define ENUM_KEY(key, field, type, what) \
        { .name = key, .parse = enum_key, .offset = RULE(field), .from_string = type##_from_string, .expected = what }

static const struct key_def device_keys[] = {
        /* The match keys. */
        { .name = "match.device", .parse = glob_key, .offset = RULE(match_device), .match_bit = DT_MATCH_DEVICE,
          .expected = "expected a device name or glob, e.g. dax0.*" },
        { .name = "match.source", .parse = source_key, .offset = RULE(match_source), .match_bit = DT_MATCH_SOURCE,
          .from_string = dt_source_from_string, .expected = "expected pmem, cxl, hmem or any" },
        { .name = "match.uuid", .parse = uuid_key, .offset = RULE(match_uuid), .match_bit = DT_MATCH_UUID,
          .expected = "expected a UUID, e.g. 5f3c9a2e-8b1d-4e07-9c6a-2d4b7e1f0a38" },
        { .name = "match.region", .parse = int_key, .offset = RULE(match_region), .match_bit = DT_MATCH_REGION },
        { .name = "match.target_node", .parse = int_key, .offset = RULE(match_target_node),
          .match_bit = DT_MATCH_TARGET_NODE },
        { .name = "match.size_min", .parse = size_key, .offset = RULE(match_size_min),
          .match_bit = DT_MATCH_SIZE_MIN, .aux_offset = offsetof(struct rule_state, size_text[0]) },
        { .name = "match.size_max", .parse = size_key, .offset = RULE(match_size_max),
          .match_bit = DT_MATCH_SIZE_MAX, .aux_offset = offsetof(struct rule_state, size_text[1]) },
        { .name = "match.name", .parse = glob_key, .offset = RULE(match_name), .match_bit = DT_MATCH_NAME,
          .expected = "expected a namespace name or glob, e.g. daxtierd-*" },
        { .name = "match.cxl_memdev", .parse = glob_key, .offset = RULE(match_cxl_memdev),
          .match_bit = DT_MATCH_CXL_MEMDEV, .expected = "expected a memdev name or serial, or a glob, e.g. mem0 or 0x1a*" },
        { .name = "match.cxl_region", .parse = int_key, .offset = RULE(match_cxl_region),
          .match_bit = DT_MATCH_CXL_REGION },
        /* What to do with a device that matches. */
        { .name = "mode", .parse = enum_key, .offset = RULE(mode), .required = true,
          .from_string = dt_mode_from_string, .expected = "expected system-ram, devdax or ignore" },
        ENUM_KEY("zone", zone, dt_zone, "expected movable or normal"),
        { .name = "target_node", .parse = int_key, .offset = RULE(target_node) },
        ENUM_KEY("memmap_on_memory", memmap_on_memory, dt_memmap, "expected yes, no or auto"),
        ENUM_KEY("require_security", require_security, dt_security, "expected none, unlocked or frozen"),
        ENUM_KEY("scrub", scrub, dt_scrub, "expected ars, badblocks or none"),
        { .name = "scrub_timeout", .parse = duration_key, .offset = RULE(scrub_timeout_usec) },
        ENUM_KEY("on_poison", on_poison, dt_on_poison, "expected refuse or skip-blocks"),
        ENUM_KEY("on_runtime_poison", on_runtime_poison, dt_on_runtime_poison, "expected offline-block or log"),
        ENUM_KEY("scrub_unsupported", scrub_unsupported, dt_scrub_unsupported, "expected refuse or proceed"),
};
_Static_assert(ELEMENTSOF(device_keys) == DEVICE_KEYS_MAX, "DEVICE_KEYS_MAX");

#define REGION(field) offsetof(struct region_state, rule.field)

static const struct key_def region_keys[] = {
        { .name = "match.source", .parse = source_key, .offset = REGION(match_source), .match_bit = DT_MATCH_SOURCE,
          .from_string = dt_source_from_string, .expected = "expected pmem, cxl, hmem or any" },
        { .name = "match.region", .parse = int_key, .offset = REGION(match_region), .match_bit = DT_MATCH_REGION },
        { .name = "match.target_node", .parse = int_key, .offset = REGION(match_target_node),
          .match_bit = DT_MATCH_TARGET_NODE },
        { .name = "match.cxl_memdev", .parse = glob_key, .offset = REGION(match_cxl_memdev),
          .match_bit = DT_MATCH_CXL_MEMDEV, .expected = "expected a memdev name or serial, or a glob, e.g. mem0 or 0x1a*" },
        { .name = "match.cxl_region", .parse = int_key, .offset = REGION(match_cxl_region),
          .match_bit = DT_MATCH_CXL_REGION },
        { .name = "capacity", .parse = amount_key, .offset = REGION(capacity), .required = true,
          .allow_free = true, .percent_max = DT_CAPACITY_PERCENT_MAX,
          .range = "a percentage must be from 0% to 100%",
          .expected = "expected a size such as 2G, a percentage of the region such as 50%, or free" },
        { .name = "max_devices", .parse = positive_key, .offset = REGION(max_devices) },
};
_Static_assert(ELEMENTSOF(region_keys) == REGION_KEYS_MAX, "REGION_KEYS_MAX");

static const struct key_def daemon_keys[] = {
        { .name = "auto_online_blocks", .parse = enum_key, .offset = offsetof(struct daemon_state, auto_online_blocks),
          .from_string = dt_auto_online_from_string, .expected = "expected keep or offline" },
        { .name = "online_at_bind", .parse = enum_key, .offset = offsetof(struct daemon_state, online_at_bind),
          .from_string = dt_online_at_bind_from_string, .expected = "expected yes or no" },
        { .name = "max_system_ram_per_node", .parse = amount_key, .offset = offsetof(struct daemon_state, ram_cap),
          .aux_offset = offsetof(struct daemon_state, ram_cap_set), .percent_max = DT_RAM_CAP_PERCENT_MAX,
          .range = "a percentage must be from 0% to 10000%",
          .expected = "expected a size such as 64G, or a percentage of the node's DRAM such as 50%" },
        { .name = "metrics_textfile", .parse = textfile_key, .offset = offsetof(struct daemon_state, metrics_textfile) },
        { .name = "metrics_interval", .parse = interval_key,
          .offset = offsetof(struct daemon_state, metrics_interval_usec) },
};
_Static_assert(ELEMENTSOF(daemon_keys) == DAEMON_KEYS_MAX, "DAEMON_KEYS_MAX");
_Static_assert(sizeof(enum dt_source) == sizeof(int) && sizeof(enum dt_auto_online) == sizeof(int) &&
               sizeof(enum dt_online_at_bind) == sizeof(int),
               "enum keys are stored as int");

/* [tiering]: the values are tiering_policy_set()'s (tiering.c). */
static const char *const tiering_keys[] = {
        "demotion", "numa_balancing", "promote_rate_limit", "weighted_interleave", "restore_on_exit",
};
_Static_assert(ELEMENTSOF(tiering_keys) == TIERING_KEYS_MAX, "TIERING_KEYS_MAX");

static void tiering_key(struct loader *ld, const char *name, const char *value) {
        unsigned line = ld->cur_line, *first = NULL;
        char err[256];
        int r;

        for (size_t i = 0; i < ELEMENTSOF(tiering_keys); i++)
                if (streq(tiering_keys[i], name))
                        first = &ld->tiering.key_line[i];
        if (!first) {
                line_error(ld, line, "unknown key '%s' in [tiering]", name);
                return;
        }
        if (*first > 0) {
                line_error(ld, line, "[tiering] duplicate key '%s' (value '%s'), first set at line %u", name, value,
                           *first);
                return;
        }
        *first = line;
        r = tiering_policy_set(&ld->tiering.policy, name, value, err, sizeof(err));
        if (r < 0)
                line_error(ld, line, "[tiering] %s: invalid value '%s' (%s)", name, value, err);
}

/* One section being parsed: its table, its state and its name for messages. */
struct section_ref {
        const struct key_def *keys;
        size_t n_keys;
        char *base;             /* the section's state */
        unsigned *key_line;
        unsigned *match_set;    /* NULL: no match keys */
        char label[256];        /* "[device NAME]" */
};

static int key_index(const struct key_def *keys, size_t n, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (streq(keys[i].name, name))
                        return (int) i;
        return -1;
}

static void section_key(struct loader *ld, struct section_ref *s, const char *name, const char *value) {
        unsigned line = ld->cur_line;
        const struct key_def *k;
        const char *expected;
        int i;

        i = key_index(s->keys, s->n_keys, name);
        if (i < 0) {
                line_error(ld, line, "unknown key '%s' in %s", name, s->label);
                return;
        }
        k = &s->keys[i];

        /* Later files override earlier ones, but within one section a
         * second value is more likely a mistake than an intent. */
        if (s->key_line[i] > 0) {
                line_error(ld, line, "%s duplicate key '%s' (value '%s'), first set at line %u", s->label, name,
                           value, s->key_line[i]);
                return;
        }
        /* Recorded even when the value turns out bad: the key is there, and
         * "missing mode" on top of "invalid mode" would only be noise. */
        s->key_line[i] = line;

        expected = k->parse(ld, k, value, s->base);
        if (expected)
                line_error(ld, line, "%s %s: invalid value '%s' (%s)", s->label, name, value, expected);
        else if (k->match_bit && s->match_set)
                *s->match_set |= k->match_bit;
}

static void device_ref(struct loader *ld, struct rule_state *rs, struct section_ref *s) {
        *s = (struct section_ref) {
                .keys = device_keys,
                .n_keys = ELEMENTSOF(device_keys),
                .base = (char *) rs,
                .key_line = rs->key_line,
                .match_set = &rs->rule.match_set,
        };
        (void) ld;
        snprintf(s->label, sizeof(s->label), "[device %s]", rs->rule.name);
}

static void region_ref(struct loader *ld, struct region_state *rs, struct section_ref *s) {
        *s = (struct section_ref) {
                .keys = region_keys,
                .n_keys = ELEMENTSOF(region_keys),
                .base = (char *) rs,
                .key_line = rs->key_line,
                .match_set = &rs->rule.match_set,
        };
        (void) ld;
        snprintf(s->label, sizeof(s->label), "[region %s]", rs->rule.name);
}

void keys_key(struct loader *ld, const char *name, const char *value) {
        struct section_ref s;

        switch (ld->section) {
        case SECTION_NONE:
                line_error(ld, ld->cur_line, "key '%s' (value '%s') outside of any section", name, value);
                return;
        case SECTION_DAEMON:
                s = (struct section_ref) {
                        .keys = daemon_keys,
                        .n_keys = ELEMENTSOF(daemon_keys),
                        .base = (char *) &ld->daemon,
                        .key_line = ld->daemon.key_line,
                        .label = "[daemon]",
                };
                break;
        case SECTION_DEVICE:
                device_ref(ld, &ld->rules[ld->cur_rule], &s);
                break;
        case SECTION_REGION:
                region_ref(ld, &ld->regions[ld->cur_region], &s);
                break;
        case SECTION_TIERING:
                tiering_key(ld, name, value);
                return;
        case SECTION_SKIP:
        default:
                return;
        }
        section_key(ld, &s, name, value);
}

static struct rule device_defaults(void) {
        return (struct rule) {
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
        };
}

static struct region_rule region_defaults(void) {
        return (struct region_rule) {
                .match_source = DT_SOURCE_ANY,
                .capacity = { .kind = DT_AMOUNT_SIZE },
                .max_devices = 1,
        };
}

static int rule_name_cmp(const void *a, const void *b) {
        return strcmp(((const struct rule_name *) a)->name, ((const struct rule_name *) b)->name);
}

/*
 * Adds the name of the rule at index to the kind's index, unless a rule
 * of that name is there already.  Returns 0 (added), 1 with the first
 * rule's file and line (a duplicate), or -ENOMEM.
 */
static int index_name(struct loader *ld, bool region, const char *name, size_t index, const char **file,
                      unsigned *line) {
        void **root = region ? &ld->region_names : &ld->rule_names;
        struct rule_name key = { .name = name }, *n, **found;

        found = tfind(&key, root, rule_name_cmp);
        if (found) {
                size_t i = (*found)->index;

                *file = region ? ld->regions[i].rule.file : ld->rules[i].rule.file;
                *line = region ? ld->regions[i].rule.line : ld->rules[i].rule.line;
                return 1;
        }

        n = malloc(sizeof(*n));
        if (!n)
                return -ENOMEM;
        *n = (struct rule_name) { .name = name, .index = index };
        if (!tsearch(n, root, rule_name_cmp)) {
                free(n);
                return -ENOMEM;
        }
        return 0;
}

/* Makes room for one more element in *array (of n, room for *allocated). */
static int grow(void **array, size_t n, size_t *allocated, size_t size) {
        void *a;
        size_t m;

        if (n < *allocated)
                return 0;
        m = *allocated ? 2 * *allocated : 16;
        a = reallocarray(*array, m, size);
        if (!a)
                return -ENOMEM;
        *array = a;
        *allocated = m;
        return 0;
}

/* Appends a new rule of the kind (device or region) with its defaults; the name in *name is taken. */
static int add_rule(struct loader *ld, bool region, char **name, unsigned line) {
        char *file = strdup(ld->path);

        if (!file || (region ? grow((void **) &ld->regions, ld->n_regions, &ld->regions_allocated,
                                    sizeof(*ld->regions))
                             : grow((void **) &ld->rules, ld->n_rules, &ld->rules_allocated, sizeof(*ld->rules))) <
                             0) {
                free(file);
                return -ENOMEM;
        }

        if (region) {
                struct region_state *rs = &ld->regions[ld->n_regions];

                *rs = (struct region_state) { .rule = region_defaults() };
                rs->rule.name = TAKE_PTR(*name);
                rs->rule.file = file;
                rs->rule.line = line;
                ld->cur_region = ld->n_regions++;
                ld->section = SECTION_REGION;
        } else {
                struct rule_state *rs = &ld->rules[ld->n_rules];

                *rs = (struct rule_state) { .rule = device_defaults() };
                rs->rule.name = TAKE_PTR(*name);
                rs->rule.file = file;
                rs->rule.line = line;
                ld->cur_rule = ld->n_rules++;
                ld->section = SECTION_DEVICE;
        }
        return 0;
}

/* [device NAME] or [region NAME]: the word has been checked. */
static void rule_begin(struct loader *ld, const char *section, bool region, unsigned line) {
        const char *word = region ? "region" : "device", *name = section + 7, *file;
        _cleanup_free_ char *name_copy = NULL;
        unsigned first;
        size_t index;
        int r;

        if (section[6] != ' ' || !valid_rule_name(name)) {
                line_error(ld, line,
                           "invalid section '[%s]' (expected [%s NAME], NAME made of "
                           "letters, digits, '_', '.' and '-')",
                           section, word);
                return;
        }

        /* A duplicate is still parsed, so that its own errors are reported too. */
        index = region ? ld->n_regions : ld->n_rules;
        name_copy = strdup(name);
        if (!name_copy || add_rule(ld, region, &name_copy, line) < 0) {
                ld->oom = -ENOMEM;
                return;
        }

        /* Indexed under the rule's own copy of its name, which outlives the index. */
        r = index_name(ld, region, region ? ld->regions[index].rule.name : ld->rules[index].rule.name, index, &file,
                       &first);
        if (r < 0)
                ld->oom = r;
        else if (r > 0)
                line_error(ld, line, "[%s %s]: duplicate rule name, first defined at %s:%u", word, name, file, first);
}

/* "WORD" or "WORD<blank>...": the section names a kind of rule. */
static bool section_is(const char *section, const char *word) {
        size_t n = strlen(word);

        return strncmp(section, word, n) == 0 && (section[n] == '\0' || ascii_isspace(section[n]));
}

void keys_section_begin(struct loader *ld, const char *section) {
        const struct line *l = &ld->lines[ld->cur_line - 1];
        unsigned line = ld->cur_line;

        ld->section = SECTION_SKIP;

        if (l->state != LINE_OK)
                return;

        /* inih silently truncates long section names; the raw line tells. */
        if (l->text[1 + strlen(section)] != ']') {
                line_error(ld, line, "section name too long: '[%s...'", section);
                return;
        }

        if (streq(section, "daemon"))
                ld->section = SECTION_DAEMON;
        else if (streq(section, "tiering"))
                ld->section = SECTION_TIERING;
        else if (section_is(section, "region"))
                rule_begin(ld, section, true, line);
        else if (section_is(section, "device"))
                rule_begin(ld, section, false, line);
        else
                line_error(ld, line, "unknown section '[%s]'", section);
}

void keys_file_begin(struct loader *ld) {
        ld->section = SECTION_NONE;
        memset(ld->daemon.key_line, 0, sizeof(ld->daemon.key_line));
        memset(ld->tiering.key_line, 0, sizeof(ld->tiering.key_line));
        ld->first_rule = ld->n_rules;
        ld->first_region = ld->n_regions;
}

/* Checks that need the whole section. */
static void check_section(struct loader *ld, const struct section_ref *s, unsigned line) {
        bool has_match = false;

        for (size_t k = 0; k < s->n_keys; k++)
                if (s->keys[k].match_bit && s->key_line[k] > 0)
                        has_match = true;
        if (!has_match)
                line_error(ld, line, "%s: no match keys (a rule needs at least one match.* key)", s->label);

        for (size_t k = 0; k < s->n_keys; k++)
                if (s->keys[k].required && s->key_line[k] == 0)
                        line_error(ld, line, "%s: missing required key '%s'", s->label, s->keys[k].name);
}

static void check_size_bounds(struct loader *ld, struct rule_state *rs) {
        const struct rule *ru = &rs->rule;
        unsigned a, b;

        if (!(ru->match_set & DT_MATCH_SIZE_MIN) || !(ru->match_set & DT_MATCH_SIZE_MAX) ||
            ru->match_size_min <= ru->match_size_max)
                return;

        a = rs->key_line[key_index(device_keys, ELEMENTSOF(device_keys), "match.size_min")];
        b = rs->key_line[key_index(device_keys, ELEMENTSOF(device_keys), "match.size_max")];
        line_error(ld, a > b ? a : b, "[device %s] match.size_min '%s' is larger than match.size_max '%s'", ru->name,
                   rs->size_text[0], rs->size_text[1]);
}

/* The CXL keys of a [region] rule only mean something for CXL. */
static void check_region_cxl(struct loader *ld, struct region_state *rs) {
        const struct region_rule *ru = &rs->rule;
        static const char *const keys[] = { "match.cxl_memdev", "match.cxl_region" };

        if ((ru->match_set & DT_MATCH_SOURCE) && ru->match_source == DT_SOURCE_CXL)
                return;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                unsigned l = rs->key_line[key_index(region_keys, ELEMENTSOF(region_keys), keys[i])];
                if (l > 0)
                        line_error(ld, l, "[region %s] %s needs match.source = cxl", ru->name, keys[i]);
        }
}

void keys_file_end(struct loader *ld) {
        struct section_ref s;

        for (size_t i = ld->first_rule; i < ld->n_rules; i++) {
                device_ref(ld, &ld->rules[i], &s);
                check_section(ld, &s, ld->rules[i].rule.line);
                check_size_bounds(ld, &ld->rules[i]);
        }
        for (size_t i = ld->first_region; i < ld->n_regions; i++) {
                region_ref(ld, &ld->regions[i], &s);
                check_section(ld, &s, ld->regions[i].rule.line);
                check_region_cxl(ld, &ld->regions[i]);
        }
}
