/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ctl: command line, data model and output of daxtierctl; see ctl.h.
 * Pure: no D-Bus, no sysfs, no libnuma; time is formatted in UTC so that
 * the output does not depend on /etc/localtime.
 */

#include <inttypes.h>
#include <json-c/json.h>
#include <time.h>

#include "ctl.h"
#include "util.h"

/* ---- command line --------------------------------------------------- */

static const struct command_info {
        const char *name;
        enum ctl_command command;
        unsigned min_args, max_args;
        bool json;              /* accepts --json */
        const char *arg_name;   /* in messages: "DEVICE", "PATH" */
} commands[] = {
        { "status", CTL_CMD_STATUS, 0, 0, true, NULL },
        { "show", CTL_CMD_SHOW, 1, 1, true, "DEVICE" },
        { "list", CTL_CMD_LIST, 0, 0, true, NULL },
        { "reload", CTL_CMD_RELOAD, 0, 0, false, NULL },
        { "rescan", CTL_CMD_RESCAN, 0, 0, false, NULL },
        { "apply", CTL_CMD_APPLY, 1, 1, false, "DEVICE" },
        { "check-config", CTL_CMD_CHECK_CONFIG, 0, 1, false, "PATH" },
};

/* Long options that take no argument: "--json=x" gets a message of its own. */
static const char *const flag_options[] = { "--json", "--help", "--version" };

const char *ctl_command_to_string(enum ctl_command c) {
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (commands[i].command == c)
                        return commands[i].name;
        return NULL;
}

const char *ctl_help_text(void) {
        return "Usage: daxtierctl [OPTIONS] [COMMAND] [ARGUMENT]\n"
               "\n"
               "Query and control daxtierd, the dax memory tiering daemon.\n"
               "\n"
               "Commands:\n"
               "  status                each device, its errors, and the memory of each NUMA\n"
               "                        node (the default)\n"
               "  show DEVICE           every property of one device\n"
               "  list                  name, state and D-Bus object of each device\n"
               "  reload                make daxtierd read its configuration again\n"
               "  rescan                make daxtierd look at every device again\n"
               "  apply DEVICE          make daxtierd apply its policy to DEVICE now\n"
               "  check-config [PATH]   validate the configuration locally, print the\n"
               "                        effective rules (PATH replaces the main file)\n"
               "\n"
               "Options:\n"
               "      --json            print status, show and list as JSON\n"
               "  -h, --help            show this help\n"
               "      --version         show the version\n"
               "\n"
               "Exit status: 0 success, 1 failure, 2 usage error, 3 daxtierd not running.\n"
               "\n"
               "Configuration:\n"
               "  " SYSCONFDIR "/daxtierd.conf\n"
               "  " SYSCONFDIR "/daxtierd.conf.d/*.conf\n";
}

static const struct command_info *command_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (streq(commands[i].name, name))
                        return &commands[i];
        return NULL;
}

/* Stores a usage message in *ret_error and returns -EINVAL (or -ENOMEM). */
static int usage_error(char **ret_error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_error(char **ret_error, const char *fmt, ...) {
        va_list ap;
        char *s;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -ENOMEM;
        *ret_error = s;
        return -EINVAL;
}

/* A recognised option, or a usage error for an unknown one. */
static int parse_option(const char *a, bool *json, bool *help, bool *version, char **ret_error) {
        if (streq(a, "--json"))
                *json = true;
        else if (streq(a, "-h") || streq(a, "--help"))
                *help = true;
        else if (streq(a, "--version"))
                *version = true;
        else {
                const char *eq = strchr(a, '=');

                if (startswith(a, "--") && eq)
                        for (size_t i = 0; i < ELEMENTSOF(flag_options); i++)
                                if (strlen(flag_options[i]) == (size_t) (eq - a) &&
                                    strncmp(a, flag_options[i], (size_t) (eq - a)) == 0)
                                        return usage_error(ret_error, "option '%s' takes no argument",
                                                           flag_options[i]);
                return usage_error(ret_error, "unknown option '%s'", a);
        }
        return 0;
}

int ctl_parse_args(int argc, char *const argv[], struct ctl_args *ret, char **ret_error) {
        _cleanup_free_ const char **pos = NULL;
        const struct command_info *info;
        bool json = false, help = false, version = false, options_done = false;
        size_t n_pos = 0, n_args;
        int r;

        /* Every argument may be positional: argc entries are always enough. */
        pos = calloc(argc > 0 ? (size_t) argc : 1, sizeof(char *));
        if (!pos)
                return -ENOMEM;

        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];

                if (!options_done && streq(a, "--")) {
                        options_done = true;
                        continue;
                }
                /* A lone "-" is an argument, as everywhere else. */
                if (!options_done && a[0] == '-' && a[1] != '\0') {
                        r = parse_option(a, &json, &help, &version, ret_error);
                        if (r < 0)
                                return r;
                        continue;
                }
                pos[n_pos++] = a;
        }

        /* --help must work even on a half-typed command line. */
        if (help || version) {
                *ret = (struct ctl_args) { .command = help ? CTL_CMD_HELP : CTL_CMD_VERSION, .json = json };
                return 0;
        }

        if (n_pos == 0) {
                *ret = (struct ctl_args) { .command = CTL_CMD_STATUS, .json = json };
                return 0;
        }

        info = command_find(pos[0]);
        if (!info)
                return usage_error(ret_error, "unknown command '%s'", pos[0]);
        if (json && !info->json)
                return usage_error(ret_error, "option '--json' is not supported by command '%s'", info->name);

        n_args = n_pos - 1;
        if (n_args < info->min_args)
                return usage_error(ret_error, "command '%s' needs a %s argument", info->name, info->arg_name);
        if (n_args > info->max_args)
                return usage_error(ret_error, "unexpected argument '%s' for command '%s'",
                                   pos[1 + info->max_args], info->name);
        if (n_args > 0 && pos[1][0] == '\0')
                return usage_error(ret_error, "empty %s argument for command '%s'", info->arg_name, info->name);

        *ret = (struct ctl_args) {
                .command = info->command,
                .json = json,
        };
        if (n_args > 0) {
                if (info->command == CTL_CMD_CHECK_CONFIG)
                        ret->config_path = pos[1];
                else
                        ret->device = pos[1];
        }
        return 0;
}

/* ---- data model ------------------------------------------------------ */

static void device_done(struct ctl_device *d) {
        free(d->name);
        free(d->source);
        free(d->state);
        free(d->rule);
        free(d->mode);
        free(d->zone);
        free(d->last_error);
        free(d->security);
        free(d->scrub_outcome);
        free(d->object_path);
}

struct ctl_device *ctl_report_add_device(struct ctl_report *r) {
        struct ctl_device *devs, *d;

        devs = reallocarray(r->devices, r->n_devices + 1, sizeof(*devs));
        if (!devs)
                return NULL;
        r->devices = devs;

        d = &devs[r->n_devices];
        *d = (struct ctl_device) { .target_node = -1 };
        d->name = strdup("");
        d->source = strdup("");
        d->state = strdup("");
        d->rule = strdup("");
        d->mode = strdup("");
        d->zone = strdup("");
        d->last_error = strdup("");
        d->security = strdup("");
        d->scrub_outcome = strdup("");
        d->object_path = strdup("");
        if (!d->name || !d->source || !d->state || !d->rule || !d->mode || !d->zone || !d->last_error ||
            !d->security || !d->scrub_outcome || !d->object_path) {
                device_done(d);
                return NULL;
        }
        r->n_devices++;
        return d;
}

void ctl_report_clear(struct ctl_report *r) {
        for (size_t i = 0; i < r->n_devices; i++)
                device_done(&r->devices[i]);
        free(r->devices);
        free(r->nodes);
        *r = (struct ctl_report) {};
}

static int device_compare(const void *a, const void *b) {
        const struct ctl_device *x = a, *y = b;

        return strverscmp(x->name, y->name);
}

void ctl_report_sort(struct ctl_report *r) {
        if (r->n_devices > 1)
                qsort(r->devices, r->n_devices, sizeof(r->devices[0]), device_compare);
}

static int node_compare(const void *a, const void *b) {
        const struct ctl_node *x = a, *y = b;

        return (x->node > y->node) - (x->node < y->node);
}

static struct ctl_node *node_find(struct ctl_node *nodes, size_t n, int node) {
        for (size_t i = 0; i < n; i++)
                if (nodes[i].node == node)
                        return &nodes[i];
        return NULL;
}

int ctl_report_compute_nodes(struct ctl_report *r, const uint64_t *node_total, size_t n_node_total,
                             uint64_t block_size) {
        struct ctl_node *nodes;
        size_t n = 0;

        /* At most one entry per node with memory plus one per device. */
        nodes = calloc(n_node_total + r->n_devices + 1, sizeof(*nodes));
        if (!nodes)
                return -ENOMEM;

        for (size_t i = 0; i < n_node_total; i++)
                if (node_total[i] > 0)
                        nodes[n++] = (struct ctl_node) { .node = (int) i, .total = node_total[i] };

        for (size_t i = 0; i < r->n_devices; i++) {
                const struct ctl_device *d = &r->devices[i];
                struct ctl_node *nd;

                if (d->target_node < 0)
                        continue;
                nd = node_find(nodes, n, d->target_node);
                if (!nd) {
                        nd = &nodes[n++];
                        *nd = (struct ctl_node) {
                                .node = d->target_node,
                                .total = (size_t) d->target_node < n_node_total ? node_total[d->target_node] : 0,
                        };
                }
                nd->dax += (uint64_t) d->online_blocks * block_size;
        }

        qsort(nodes, n, sizeof(*nodes), node_compare);
        free(r->nodes);
        r->nodes = nodes;
        r->n_nodes = n;
        return 0;
}

enum field_kind {
        FIELD_STRING,
        FIELD_U64,
        FIELD_I32,
        FIELD_U32,
        FIELD_BOOL,
};

/* The org.daxtier.Daxtierd1.Device properties and where they go. */
static const struct property_info {
        const char *name;
        const char *signature;
        enum field_kind kind;
        size_t offset;
} device_properties[] = {
        { "Name", "s", FIELD_STRING, offsetof(struct ctl_device, name) },
        { "Source", "s", FIELD_STRING, offsetof(struct ctl_device, source) },
        { "State", "s", FIELD_STRING, offsetof(struct ctl_device, state) },
        { "Rule", "s", FIELD_STRING, offsetof(struct ctl_device, rule) },
        { "Mode", "s", FIELD_STRING, offsetof(struct ctl_device, mode) },
        { "Size", "t", FIELD_U64, offsetof(struct ctl_device, size) },
        { "TargetNode", "i", FIELD_I32, offsetof(struct ctl_device, target_node) },
        { "Zone", "s", FIELD_STRING, offsetof(struct ctl_device, zone) },
        { "OnlineBlocks", "u", FIELD_U32, offsetof(struct ctl_device, online_blocks) },
        { "TotalBlocks", "u", FIELD_U32, offsetof(struct ctl_device, total_blocks) },
        { "MemmapOnMemory", "b", FIELD_BOOL, offsetof(struct ctl_device, memmap_on_memory) },
        { "LastError", "s", FIELD_STRING, offsetof(struct ctl_device, last_error) },
        { "LastTransition", "t", FIELD_U64, offsetof(struct ctl_device, last_transition) },
        { "Security", "s", FIELD_STRING, offsetof(struct ctl_device, security) },
        { "BadBlocks", "u", FIELD_U32, offsetof(struct ctl_device, badblocks) },
        { "ClearedBytes", "t", FIELD_U64, offsetof(struct ctl_device, cleared_bytes) },
        { "SkippedBlocks", "u", FIELD_U32, offsetof(struct ctl_device, skipped_blocks) },
        { "LastScrub", "t", FIELD_U64, offsetof(struct ctl_device, last_scrub) },
        { "ScrubOutcome", "s", FIELD_STRING, offsetof(struct ctl_device, scrub_outcome) },
};

static const struct property_info *property_find(const char *name) {
        if (!name)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(device_properties); i++)
                if (streq(device_properties[i].name, name))
                        return &device_properties[i];
        return NULL;
}

const char *ctl_device_property_signature(const char *property) {
        const struct property_info *p = property_find(property);

        return p ? p->signature : NULL;
}

static int set_string(char **field, const char *value) {
        char *s = strdup(strempty(value));

        if (!s)
                return -ENOMEM;
        free(*field);
        *field = s;
        return 0;
}

int ctl_device_set_property(struct ctl_device *d, const char *property, const struct ctl_value *v) {
        const struct property_info *p = property_find(property);
        void *field;
        int r;

        if (!p)
                return 0;
        if (!v || v->type != p->signature[0])
                return -EBADMSG;

        field = (char *) d + p->offset;
        switch (p->kind) {
        case FIELD_STRING:
                r = set_string(field, v->s);
                if (r < 0)
                        return r;
                break;
        case FIELD_U64:
                *(uint64_t *) field = v->t;
                break;
        case FIELD_I32:
                *(int32_t *) field = v->i;
                break;
        case FIELD_U32:
                *(uint32_t *) field = v->u;
                break;
        case FIELD_BOOL:
                *(bool *) field = v->b;
                break;
        }
        return 1;
}

int ctl_device_set_object_path(struct ctl_device *d, const char *path) {
        return set_string(&d->object_path, path);
}

/* ---- text output ----------------------------------------------------- */

#define TABLE_MAX_COLUMNS 12

/* Columns as wide as their widest cell, two spaces apart; the last
 * column is not padded, so that no line ends in blanks. */
struct table {
        size_t n_columns;
        const char *headers[TABLE_MAX_COLUMNS];
        bool right[TABLE_MAX_COLUMNS];  /* right-aligned (numbers) */
        char **cells;                   /* n_rows * n_columns */
        size_t n_rows;
        bool oom;
};

static void table_done(struct table *t) {
        for (size_t i = 0; i < t->n_rows * t->n_columns; i++)
                free(t->cells[i]);
        free(t->cells);
}

/* Copies the n_columns strings; remembers a failure for table_render(). */
static void table_add_row(struct table *t, const char *const *row) {
        char **cells;

        if (t->oom)
                return;
        cells = reallocarray(t->cells, (t->n_rows + 1) * t->n_columns, sizeof(char *));
        if (!cells) {
                t->oom = true;
                return;
        }
        t->cells = cells;
        for (size_t c = 0; c < t->n_columns; c++) {
                cells[t->n_rows * t->n_columns + c] = strdup(row[c]);
                if (!cells[t->n_rows * t->n_columns + c])
                        t->oom = true;
        }
        t->n_rows++;
}

static void table_render_line(const struct table *t, const size_t *width, const char *const *line,
                              struct strbuf *b) {
        for (size_t c = 0; c < t->n_columns; c++) {
                bool last = c + 1 == t->n_columns;
                const char *cell = strempty(line[c]);

                if (c > 0)
                        strbuf_appendf(b, "  ");
                if (t->right[c])
                        strbuf_appendf(b, "%*s", (int) width[c], cell);
                else if (last)
                        strbuf_appendf(b, "%s", cell);
                else
                        strbuf_appendf(b, "%-*s", (int) width[c], cell);
        }
        strbuf_appendf(b, "\n");
}

static int table_render(const struct table *t, struct strbuf *b) {
        size_t width[TABLE_MAX_COLUMNS] = {};

        if (t->oom)
                return -ENOMEM;
        for (size_t c = 0; c < t->n_columns; c++) {
                width[c] = strlen(t->headers[c]);
                for (size_t row = 0; row < t->n_rows; row++) {
                        const char *cell = t->cells[row * t->n_columns + c];

                        if (cell && strlen(cell) > width[c])
                                width[c] = strlen(cell);
                }
        }
        table_render_line(t, width, t->headers, b);
        for (size_t row = 0; row < t->n_rows; row++)
                table_render_line(t, width, (const char *const *) &t->cells[row * t->n_columns], b);
        return 0;
}

static bool isempty(const char *s) {
        return !s || !*s;
}

/* An empty string shows as "-", so that columns never look shifted. */
static const char *dash(const char *s) {
        return s && *s ? s : "-";
}

static int strbuf_finish(struct strbuf *b, char **ret) {
        char *s;

        if (b->oom) {
                strbuf_free(b);
                return -ENOMEM;
        }
        s = strbuf_steal(b);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int ctl_format_status(const struct ctl_report *r, char **ret) {
        struct strbuf b = {};
        bool any_error = false;
        int k;

        if (r->n_devices == 0)
                strbuf_appendf(&b, "No dax devices.\n");
        else {
                struct table t = {
                        .n_columns = 10,
                        .headers = { "DEVICE", "SOURCE", "STATE", "SIZE", "NODE", "ZONE", "BLOCKS", "SECURITY",
                                     "BADBLOCKS", "SKIPPED" },
                        .right = { [3] = true },
                };

                for (size_t i = 0; i < r->n_devices; i++) {
                        const struct ctl_device *d = &r->devices[i];
                        char size[32], node[16], blocks[32], bad[16], skipped[16];

                        format_bytes(size, sizeof(size), d->size);
                        if (d->target_node >= 0)
                                snprintf(node, sizeof(node), "%" PRIi32, d->target_node);
                        else
                                snprintf(node, sizeof(node), "-");
                        snprintf(blocks, sizeof(blocks), "%" PRIu32 "/%" PRIu32, d->online_blocks,
                                 d->total_blocks);
                        snprintf(bad, sizeof(bad), "%" PRIu32, d->badblocks);
                        snprintf(skipped, sizeof(skipped), "%" PRIu32, d->skipped_blocks);
                        table_add_row(&t, (const char *const[]) { d->name, dash(d->source), dash(d->state), size,
                                                                   node, dash(d->zone), blocks,
                                                                   dash(d->security), bad, skipped });
                        if (!isempty(d->last_error))
                                any_error = true;
                }
                k = table_render(&t, &b);
                table_done(&t);
                if (k < 0) {
                        strbuf_free(&b);
                        return k;
                }
        }

        /* Errors go under the table rather than in a column: they are
         * long sentences ("... is in use by pid 42 (sleep)"). */
        if (any_error) {
                strbuf_appendf(&b, "\n");
                for (size_t i = 0; i < r->n_devices; i++)
                        if (!isempty(r->devices[i].last_error))
                                strbuf_appendf(&b, "%s: %s\n", r->devices[i].name, r->devices[i].last_error);
        }

        if (r->n_nodes > 0) {
                struct table t = {
                        .n_columns = 3,
                        .headers = { "NODE", "TOTAL", "DAX" },
                        .right = { [1] = true, [2] = true },
                };

                for (size_t i = 0; i < r->n_nodes; i++) {
                        char node[16], total[32], dax[32];

                        snprintf(node, sizeof(node), "%d", r->nodes[i].node);
                        format_bytes(total, sizeof(total), r->nodes[i].total);
                        format_bytes(dax, sizeof(dax), r->nodes[i].dax);
                        table_add_row(&t, (const char *const[]) { node, total, dax });
                }
                strbuf_appendf(&b, "\n");
                k = table_render(&t, &b);
                table_done(&t);
                if (k < 0) {
                        strbuf_free(&b);
                        return k;
                }
        }

        return strbuf_finish(&b, ret);
}

/* "2024-05-01 12:00:00 UTC", or "-" for 0 (never). */
static const char *format_timestamp(char *buf, size_t len, uint64_t usec) {
        time_t sec = (time_t) (usec / 1000000);
        struct tm tm;

        if (usec == 0)
                snprintf(buf, len, "-");
        else if (!gmtime_r(&sec, &tm) || strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
                /* Out of range for struct tm: the raw number still says something. */
                snprintf(buf, len, "%" PRIu64 " us", usec);
        return buf;
}

int ctl_format_device(const struct ctl_device *d, char **ret) {
        struct strbuf b = {};
        char size[32], when[64];

        format_bytes(size, sizeof(size), d->size);
        format_timestamp(when, sizeof(when), d->last_transition);

        strbuf_appendf(&b, "Name: %s\n", dash(d->name));
        strbuf_appendf(&b, "Source: %s\n", dash(d->source));
        strbuf_appendf(&b, "State: %s\n", dash(d->state));
        strbuf_appendf(&b, "Rule: %s\n", dash(d->rule));
        strbuf_appendf(&b, "Mode: %s\n", dash(d->mode));
        strbuf_appendf(&b, "Size: %s (%" PRIu64 " bytes)\n", size, d->size);
        if (d->target_node >= 0)
                strbuf_appendf(&b, "TargetNode: %" PRIi32 "\n", d->target_node);
        else
                strbuf_appendf(&b, "TargetNode: -\n");
        strbuf_appendf(&b, "Zone: %s\n", dash(d->zone));
        strbuf_appendf(&b, "OnlineBlocks: %" PRIu32 "\n", d->online_blocks);
        strbuf_appendf(&b, "TotalBlocks: %" PRIu32 "\n", d->total_blocks);
        strbuf_appendf(&b, "MemmapOnMemory: %s\n", d->memmap_on_memory ? "yes" : "no");
        strbuf_appendf(&b, "Security: %s\n", dash(d->security));
        strbuf_appendf(&b, "BadBlocks: %" PRIu32 "\n", d->badblocks);
        strbuf_appendf(&b, "ClearedBytes: %" PRIu64 "\n", d->cleared_bytes);
        strbuf_appendf(&b, "SkippedBlocks: %" PRIu32 "\n", d->skipped_blocks);
        format_timestamp(when, sizeof(when), d->last_scrub);
        strbuf_appendf(&b, "LastScrub: %s\n", when);
        strbuf_appendf(&b, "ScrubOutcome: %s\n", dash(d->scrub_outcome));
        format_timestamp(when, sizeof(when), d->last_transition);
        strbuf_appendf(&b, "LastError: %s\n", dash(d->last_error));
        strbuf_appendf(&b, "LastTransition: %s\n", when);
        strbuf_appendf(&b, "ObjectPath: %s\n", dash(d->object_path));

        return strbuf_finish(&b, ret);
}

int ctl_format_list(const struct ctl_report *r, char **ret) {
        struct strbuf b = {};
        struct table t = {
                .n_columns = 3,
                .headers = { "DEVICE", "STATE", "OBJECT" },
        };
        int k;

        if (r->n_devices == 0) {
                strbuf_appendf(&b, "No dax devices.\n");
                return strbuf_finish(&b, ret);
        }

        for (size_t i = 0; i < r->n_devices; i++)
                table_add_row(&t, (const char *const[]) { r->devices[i].name, dash(r->devices[i].state),
                                                           r->devices[i].object_path });
        k = table_render(&t, &b);
        table_done(&t);
        if (k < 0) {
                strbuf_free(&b);
                return k;
        }
        return strbuf_finish(&b, ret);
}

/* ---- JSON output ----------------------------------------------------- */

static void json_object_putp(struct json_object **j) {
        json_object_put(*j);
}
#define _cleanup_json_ _cleanup_(json_object_putp)

/* Adds val under key, taking ownership of val in every case. */
static int json_add(struct json_object *obj, const char *key, struct json_object *val) {
        if (!val)
                return -ENOMEM;
        if (json_object_object_add(obj, key, val) < 0) {
                json_object_put(val);
                return -ENOMEM;
        }
        return 0;
}

static int json_append(struct json_object *array, struct json_object *val) {
        if (!val)
                return -ENOMEM;
        if (json_object_array_add(array, val) < 0) {
                json_object_put(val);
                return -ENOMEM;
        }
        return 0;
}

/* The status device object; full adds what only show prints. */
static int device_to_json(const struct ctl_device *d, bool full, struct json_object **ret) {
        _cleanup_json_ struct json_object *o = json_object_new_object();

        if (!o)
                return -ENOMEM;
        if (json_add(o, "name", json_object_new_string(strempty(d->name))) < 0 ||
            json_add(o, "source", json_object_new_string(strempty(d->source))) < 0 ||
            json_add(o, "state", json_object_new_string(strempty(d->state))) < 0 ||
            json_add(o, "rule", json_object_new_string(strempty(d->rule))) < 0 ||
            json_add(o, "mode", json_object_new_string(strempty(d->mode))) < 0 ||
            json_add(o, "size", json_object_new_uint64(d->size)) < 0 ||
            json_add(o, "target_node", json_object_new_int(d->target_node)) < 0 ||
            json_add(o, "zone", json_object_new_string(strempty(d->zone))) < 0 ||
            json_add(o, "online_blocks", json_object_new_int64(d->online_blocks)) < 0 ||
            json_add(o, "total_blocks", json_object_new_int64(d->total_blocks)) < 0 ||
            json_add(o, "memmap_on_memory", json_object_new_boolean(d->memmap_on_memory)) < 0 ||
            json_add(o, "last_error", json_object_new_string(strempty(d->last_error))) < 0 ||
            json_add(o, "security", json_object_new_string(strempty(d->security))) < 0 ||
            json_add(o, "badblocks", json_object_new_int64(d->badblocks)) < 0 ||
            json_add(o, "cleared_bytes", json_object_new_uint64(d->cleared_bytes)) < 0 ||
            json_add(o, "skipped_blocks", json_object_new_int64(d->skipped_blocks)) < 0 ||
            json_add(o, "last_scrub", json_object_new_uint64(d->last_scrub)) < 0 ||
            json_add(o, "scrub_outcome", json_object_new_string(strempty(d->scrub_outcome))) < 0)
                return -ENOMEM;
        if (full &&
            (json_add(o, "last_transition", json_object_new_uint64(d->last_transition)) < 0 ||
             json_add(o, "object_path", json_object_new_string(strempty(d->object_path))) < 0))
                return -ENOMEM;

        *ret = TAKE_PTR(o);
        return 0;
}

/* Pretty, spaced, with "/" unescaped (object paths stay readable), plus "\n". */
static int json_finish(struct json_object *o, char **ret) {
        const char *s;
        char *copy;

        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                      JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s)
                return -ENOMEM;
        if (asprintf(&copy, "%s\n", s) < 0)
                return -ENOMEM;
        *ret = copy;
        return 0;
}

int ctl_json_status(const struct ctl_report *r, char **ret) {
        _cleanup_json_ struct json_object *root = json_object_new_object();
        struct json_object *devices, *nodes;
        int k;

        if (!root)
                return -ENOMEM;
        devices = json_object_new_array();
        if (json_add(root, "devices", devices) < 0)
                return -ENOMEM;
        nodes = json_object_new_array();
        if (json_add(root, "nodes", nodes) < 0)
                return -ENOMEM;

        for (size_t i = 0; i < r->n_devices; i++) {
                struct json_object *d;

                k = device_to_json(&r->devices[i], false, &d);
                if (k < 0)
                        return k;
                if (json_append(devices, d) < 0)
                        return -ENOMEM;
        }

        for (size_t i = 0; i < r->n_nodes; i++) {
                struct json_object *n = json_object_new_object();

                if (!n)
                        return -ENOMEM;
                if (json_append(nodes, n) < 0)
                        return -ENOMEM;
                if (json_add(n, "node", json_object_new_int(r->nodes[i].node)) < 0 ||
                    json_add(n, "total", json_object_new_uint64(r->nodes[i].total)) < 0 ||
                    json_add(n, "dax", json_object_new_uint64(r->nodes[i].dax)) < 0)
                        return -ENOMEM;
        }

        return json_finish(root, ret);
}

int ctl_json_device(const struct ctl_device *d, char **ret) {
        _cleanup_json_ struct json_object *o = NULL;
        int k;

        k = device_to_json(d, true, &o);
        if (k < 0)
                return k;
        return json_finish(o, ret);
}

int ctl_json_list(const struct ctl_report *r, char **ret) {
        _cleanup_json_ struct json_object *root = json_object_new_array();

        if (!root)
                return -ENOMEM;
        for (size_t i = 0; i < r->n_devices; i++) {
                const struct ctl_device *d = &r->devices[i];
                struct json_object *o = json_object_new_object();

                if (json_append(root, o) < 0)
                        return -ENOMEM;
                if (json_add(o, "name", json_object_new_string(strempty(d->name))) < 0 ||
                    json_add(o, "state", json_object_new_string(strempty(d->state))) < 0 ||
                    json_add(o, "object_path", json_object_new_string(strempty(d->object_path))) < 0)
                        return -ENOMEM;
        }
        return json_finish(root, ret);
}

/* ---- errors ---------------------------------------------------------- */

enum ctl_bus_error ctl_classify_bus_error(const char *name) {
        if (!name)
                return CTL_BUS_ERROR_OTHER;
        if (streq(name, "org.freedesktop.DBus.Error.ServiceUnknown") ||
            streq(name, "org.freedesktop.DBus.Error.NameHasNoOwner"))
                return CTL_BUS_ERROR_NOT_RUNNING;
        if (streq(name, "org.freedesktop.DBus.Error.AccessDenied"))
                return CTL_BUS_ERROR_ACCESS_DENIED;
        if (streq(name, CTL_ERROR_NO_SUCH_DEVICE))
                return CTL_BUS_ERROR_NO_SUCH_DEVICE;
        if (streq(name, CTL_ERROR_INVALID_CONFIG))
                return CTL_BUS_ERROR_INVALID_CONFIG;
        return CTL_BUS_ERROR_OTHER;
}

int ctl_bus_error_exit_code(const char *name) {
        return ctl_classify_bus_error(name) == CTL_BUS_ERROR_NOT_RUNNING ? CTL_EXIT_NOT_RUNNING : CTL_EXIT_FAILURE;
}
