/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ctl-output: daxtierctl's text tables and JSON documents; see ctl.h.
 * Pure; time is formatted in UTC so that the output does not depend on
 * /etc/localtime.
 */

#include <inttypes.h>
#include <json-c/json.h>
#include <time.h>

#include "ctl.h"
#include "util.h"

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

/* Renders t into b and frees t; on failure frees b too. */
static int table_flush(struct table *t, struct strbuf *b) {
        int k = table_render(t, b);

        table_done(t);
        if (k < 0)
                strbuf_free(b);
        return k;
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

/* The device table, or "No dax devices."; tells whether any device has
 * an error or is a CXL region, for the lines under the table. */
static int status_devices(const struct ctl_report *r, struct strbuf *b, bool *any_error, bool *any_cxl) {
        struct table t = {
                .n_columns = 10,
                .headers = { "DEVICE", "SOURCE", "STATE", "SIZE", "NODE", "ZONE", "BLOCKS", "SECURITY",
                             "BADBLOCKS", "SKIPPED" },
                .right = { [3] = true },
        };

        if (r->n_devices == 0) {
                strbuf_appendf(b, "No dax devices.\n");
                return 0;
        }
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
                        *any_error = true;
                if (d->cxl_region >= 0)
                        *any_cxl = true;
        }
        return table_flush(&t, b);
}

/* Errors go under the table rather than in a column: they are
 * long sentences ("... is in use by pid 42 (sleep)"). */
static void status_errors(const struct ctl_report *r, struct strbuf *b) {
        strbuf_appendf(b, "\n");
        for (size_t i = 0; i < r->n_devices; i++)
                if (!isempty(r->devices[i].last_error))
                        strbuf_appendf(b, "%s: %s\n", r->devices[i].name, r->devices[i].last_error);
}

/* CXL devices: the region and its memdevs (name=serial), under the
 * table so that the columns stay the same for every source. */
static void status_cxl(const struct ctl_report *r, struct strbuf *b) {
        strbuf_appendf(b, "\n");
        for (size_t i = 0; i < r->n_devices; i++)
                if (r->devices[i].cxl_region >= 0)
                        strbuf_appendf(b, "%s: CXL region%" PRIi32 ", memdevs %s, %" PRIu32 " poison range%s\n",
                                       r->devices[i].name, r->devices[i].cxl_region,
                                       dash(r->devices[i].cxl_memdevs), r->devices[i].badblocks,
                                       r->devices[i].badblocks == 1 ? "" : "s");
}

/* With the daemon's Nodes: each node's tier and its demoted and
 * promoted pages too. */
static int status_nodes(const struct ctl_report *r, struct strbuf *b) {
        struct table t = {
                .n_columns = r->has_tiering ? 6 : 3,
                .headers = { "NODE", "TOTAL", "DAX", "TIER", "DEMOTED", "PROMOTED" },
                .right = { [1] = true, [2] = true, [3] = true, [4] = true, [5] = true },
        };

        for (size_t i = 0; i < r->n_nodes; i++) {
                char node[16], total[32], dax[32], tier[16], dem[32], pro[32];

                snprintf(node, sizeof(node), "%d", r->nodes[i].node);
                format_bytes(total, sizeof(total), r->nodes[i].total);
                format_bytes(dax, sizeof(dax), r->nodes[i].dax);
                if (r->nodes[i].tier >= 0)
                        snprintf(tier, sizeof(tier), "%d", r->nodes[i].tier);
                else
                        snprintf(tier, sizeof(tier), "-");
                snprintf(dem, sizeof(dem), "%" PRIu64, r->nodes[i].demoted);
                snprintf(pro, sizeof(pro), "%" PRIu64, r->nodes[i].promoted);
                table_add_row(&t, (const char *const[]) { node, total, dax, tier, dem, pro });
        }
        strbuf_appendf(b, "\n");
        return table_flush(&t, b);
}

static int status_knobs(const struct ctl_report *r, struct strbuf *b) {
        struct table t = {
                .n_columns = 3,
                .headers = { "TIERING KNOB", "VALUE", "SET BY DAXTIERD" },
        };

        for (size_t i = 0; i < r->n_knobs; i++)
                table_add_row(&t, (const char *const[]) { r->knobs[i].knob, r->knobs[i].value,
                                                          r->knobs[i].set ? "yes" : "no" });
        strbuf_appendf(b, "\n");
        return table_flush(&t, b);
}

int ctl_format_status(const struct ctl_report *r, char **ret) {
        struct strbuf b = {};
        bool any_error = false, any_cxl = false;
        int k;

        k = status_devices(r, &b, &any_error, &any_cxl);
        if (k < 0)
                return k;
        if (any_error)
                status_errors(r, &b);
        if (any_cxl)
                status_cxl(r, &b);
        if (r->n_nodes > 0) {
                k = status_nodes(r, &b);
                if (k < 0)
                        return k;
        }
        if (r->n_knobs > 0) {
                k = status_knobs(r, &b);
                if (k < 0)
                        return k;
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
        if (d->cxl_region >= 0)
                strbuf_appendf(&b, "CxlRegion: region%" PRIi32 "\n", d->cxl_region);
        else
                strbuf_appendf(&b, "CxlRegion: -\n");
        strbuf_appendf(&b, "CxlMemdevs: %s\n", dash(d->cxl_memdevs));
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
        k = table_flush(&t, &b);
        if (k < 0)
                return k;
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

/* "mem0=0xa1,mem1=0xa2" as [{"name": "mem0", "serial": "0xa1"}, ...]; NULL when out of memory. */
static struct json_object *pairs_to_json(const char *s) {
        _cleanup_json_ struct json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        while (s && *s) {
                size_t len = strcspn(s, ","), eq = strcspn(s, "=");
                _cleanup_json_ struct json_object *o = json_object_new_object();

                if (!o)
                        return NULL;
                if (eq > len)
                        eq = len;
                if (json_add(o, "name", json_object_new_string_len(s, (int) eq)) < 0 ||
                    json_add(o, "serial", json_object_new_string_len(eq < len ? s + eq + 1 : s + len,
                                                                     (int) (eq < len ? len - eq - 1 : 0))) < 0 ||
                    json_object_array_add(a, o) < 0)
                        return NULL;
                o = NULL;
                s += len;
                if (*s == ',')
                        s++;
        }
        return TAKE_PTR(a);
}

/* The JSON value of property p of d. */
static struct json_object *property_to_json(const struct ctl_device *d, const struct ctl_property *p) {
        const void *field = (const char *) d + p->offset;

        if (p->flags & DAXTIER_PROP_JSON_PAIRS)
                return pairs_to_json(*(char *const *) field);

        switch (p->signature[0]) {
        case 's':
                return json_object_new_string(strempty(*(char *const *) field));
        case 't':
                return json_object_new_uint64(*(const uint64_t *) field);
        case 'i':
                return json_object_new_int(*(const int32_t *) field);
        case 'u':
                return json_object_new_int64(*(const uint32_t *) field);
        case 'b':
                return json_object_new_boolean(*(const bool *) field);
        }
        return NULL;
}

/* The status device object: every property in the contract's order but
 * the SHOW_ONLY ones; full adds those and the object path at the end. */
static int device_to_json(const struct ctl_device *d, bool full, struct json_object **ret) {
        _cleanup_json_ struct json_object *o = json_object_new_object();

        if (!o)
                return -ENOMEM;
        for (int pass = 0; pass < (full ? 2 : 1); pass++)
                for (size_t i = 0; i < ctl_device_n_properties; i++) {
                        const struct ctl_property *p = &ctl_device_properties[i];

                        if (!!(p->flags & DAXTIER_PROP_SHOW_ONLY) != (pass == 1))
                                continue;
                        if (json_add(o, p->json, property_to_json(d, p)) < 0)
                                return -ENOMEM;
                }
        if (full && json_add(o, "object_path", json_object_new_string(strempty(d->object_path))) < 0)
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
                if (r->has_tiering &&
                    (json_add(n, "tier", json_object_new_int(r->nodes[i].tier)) < 0 ||
                     json_add(n, "demoted", json_object_new_uint64(r->nodes[i].demoted)) < 0 ||
                     json_add(n, "promoted", json_object_new_uint64(r->nodes[i].promoted)) < 0))
                        return -ENOMEM;
        }

        if (r->has_tiering) {
                struct json_object *knobs = json_object_new_array();

                if (json_add(root, "tiering", knobs) < 0)
                        return -ENOMEM;
                for (size_t i = 0; i < r->n_knobs; i++) {
                        struct json_object *o = json_object_new_object();

                        if (json_append(knobs, o) < 0)
                                return -ENOMEM;
                        if (json_add(o, "knob", json_object_new_string(r->knobs[i].knob)) < 0 ||
                            json_add(o, "value", json_object_new_string(r->knobs[i].value)) < 0 ||
                            json_add(o, "set", json_object_new_boolean(r->knobs[i].set)) < 0)
                                return -ENOMEM;
                }
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

