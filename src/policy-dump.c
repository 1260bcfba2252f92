/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy-dump: the effective policy printed back in config syntax, and
 * the --check-config verdict built on it.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <ini.h>

#include "policy.h"

/* The longest line the loader reads: inih's buffer holds it, its newline and a NUL. */
#define LINE_MAX_LEN (INI_MAX_LINE - 2)

/*
 * A comment line.  It names files, whose names may hold control bytes
 * (a newline would end the comment) or be longer than a line may be:
 * escaped and, if need be, cut, so that the dump still loads.
 */
__attribute__((format(printf, 2, 3)))
static void dump_comment(FILE *out, const char *fmt, ...) {
        _cleanup_free_ char *raw = NULL, *text = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&raw, fmt, ap);
        va_end(ap);
        if (r < 0)
                return;
        text = escape_control(raw);
        if (!text)
                return;
        if (strlen(text) + 2 > LINE_MAX_LEN)
                memcpy(text + LINE_MAX_LEN - 5, "...", 4);
        fprintf(out, "# %s\n", text);
}

/*
 * A string value.  "key = value" is two characters longer than
 * "key=value", which a value read from a line of the longest length
 * needs; such a value is written without the blanks.
 */
static void dump_string(FILE *out, const char *key, const char *value) {
        if (strlen(key) + strlen(value) + 3 > LINE_MAX_LEN)
                fprintf(out, "%s=%s\n", key, value);
        else
                fprintf(out, "%s = %s\n", key, value);
}


/* The largest suffix that is exact, so that the value reads back unchanged. */
static void print_size(FILE *out, const char *key, uint64_t v) {
        struct dt_amount a = { .kind = DT_AMOUNT_SIZE, .size = v };
        char buf[64];

        fprintf(out, "%s = %s\n", key, dt_amount_to_string(&a, buf, sizeof(buf)));
}

static void dump_region_rule(const struct region_rule *r, FILE *out) {
        char amount[64];

        fputc('\n', out);
        dump_comment(out, "%s:%u", r->file, r->line);
        fprintf(out, "[region %s]\n", r->name);
        if (r->match_set & DT_MATCH_SOURCE)
                fprintf(out, "match.source = %s\n", dt_source_to_string(r->match_source));
        if (r->match_set & DT_MATCH_REGION)
                fprintf(out, "match.region = %d\n", r->match_region);
        if (r->match_set & DT_MATCH_TARGET_NODE)
                fprintf(out, "match.target_node = %d\n", r->match_target_node);
        if (r->match_set & DT_MATCH_CXL_MEMDEV)
                dump_string(out, "match.cxl_memdev", r->match_cxl_memdev);
        if (r->match_set & DT_MATCH_CXL_REGION)
                fprintf(out, "match.cxl_region = %d\n", r->match_cxl_region);
        fprintf(out, "capacity = %s\n", dt_amount_to_string(&r->capacity, amount, sizeof(amount)));
        fprintf(out, "max_devices = %u\n", r->max_devices);
}

static void dump_device_rule(const struct rule *r, FILE *out) {
        char duration[64];

        fputc('\n', out);
        dump_comment(out, "%s:%u", r->file, r->line);
        fprintf(out, "[device %s]\n", r->name);

        if (r->match_set & DT_MATCH_DEVICE)
                dump_string(out, "match.device", r->match_device);
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
                dump_string(out, "match.name", r->match_name);
        if (r->match_set & DT_MATCH_CXL_MEMDEV)
                dump_string(out, "match.cxl_memdev", r->match_cxl_memdev);
        if (r->match_set & DT_MATCH_CXL_REGION)
                fprintf(out, "match.cxl_region = %d\n", r->match_cxl_region);

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

void policy_dump(const struct policy *p, FILE *out) {
        if (!p || !out)
                return;

        fputs("# Effective daxtierd policy, read from:\n", out);
        if (p->n_files == 0)
                fputs("#   (no files)\n", out);
        for (size_t i = 0; i < p->n_files; i++)
                dump_comment(out, "  %s", p->files[i]);

        fprintf(out, "\n[daemon]\nauto_online_blocks = %s\nonline_at_bind = %s\n",
                dt_auto_online_to_string(p->auto_online_blocks), dt_online_at_bind_to_string(p->online_at_bind));
        if (p->ram_cap_set) {
                char amount[64];
                fprintf(out, "max_system_ram_per_node = %s\n",
                        dt_amount_to_string(&p->ram_cap, amount, sizeof(amount)));
        } else
                fputs("# max_system_ram_per_node is not set\n", out);
        if (p->metrics_textfile[0])
                fprintf(out, "metrics_textfile = %s\n", p->metrics_textfile);
        else
                fputs("# metrics_textfile is not set: " DT_METRICS_TEXTFILE_DEFAULT
                      " when its directory exists, else off\n", out);
        {
                char d[64];
                fprintf(out, "metrics_interval = %s\n",
                        p->metrics_interval_usec ? format_duration(d, sizeof(d), p->metrics_interval_usec) : "0");
        }

        fputs("\n[tiering]\n", out);
        fprintf(out, "demotion = %s\n", tiering_demotion_to_string(p->tiering.demotion));
        fprintf(out, "numa_balancing = %s\n", tiering_balancing_to_string(p->tiering.numa_balancing));
        if (p->tiering.promote_rate_limit < 0)
                fputs("promote_rate_limit = keep\n", out);
        else
                fprintf(out, "promote_rate_limit = %lld\n", (long long) p->tiering.promote_rate_limit);
        fprintf(out, "weighted_interleave = %s\n", tiering_wi_to_string(p->tiering.weighted_interleave));
        fprintf(out, "restore_on_exit = %s\n", p->tiering.restore_on_exit ? "yes" : "no");

        if (p->n_rules == 0)
                fputs("\n# No [device] rules: no device is managed.\n", out);

        for (size_t i = 0; i < p->n_rules; i++)
                dump_device_rule(&p->rules[i], out);
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
