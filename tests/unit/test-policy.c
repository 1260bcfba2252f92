/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-policy: unit tests for the policy modules (src/policy-*.c and
 * vocab.c: loading, validation, matching and dumping of daxtierd.conf).  Every test works in its own mkdtemp
 * directory: DIR/main.conf is the main file, DIR/conf.d the drop-in dir.
 */

/* asprintf() and nftw(); a no-op when the build already asks for it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define GiB (UINT64_C(1) << 30)

static char *dir;
static char *paths[64];
static size_t n_paths;
static struct policy *pol;
static struct config_errors errs;

static void setup(void) {
        char tmpl[] = "/tmp/test-policy.XXXXXX";

        ck_assert_ptr_nonnull(mkdtemp(tmpl));
        dir = strdup(tmpl);
        ck_assert_ptr_nonnull(dir);
        pol = NULL;
        errs = (struct config_errors) {};
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static void teardown(void) {
        policy_free(pol);
        pol = NULL;
        config_errors_clear(&errs);
        if (dir)
                nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
        free(dir);
        dir = NULL;
        for (size_t i = 0; i < n_paths; i++)
                free(paths[i]);
        n_paths = 0;
}

/* DIR/rel; owned by the test, freed in teardown. */
static const char *path_of(const char *rel) {
        char *p;

        ck_assert_uint_lt(n_paths, ELEMENTSOF(paths));
        ck_assert_int_ge(asprintf(&p, "%s/%s", dir, rel), 0);
        paths[n_paths++] = p;
        return p;
}

static const char *write_file(const char *rel, const char *content) {
        const char *p = path_of(rel);
        FILE *f;

        if (strchr(rel, '/')) {
                char *d = strdup(p);

                ck_assert_ptr_nonnull(d);
                *strrchr(d, '/') = '\0';
                ck_assert(mkdir(d, 0755) == 0 || errno == EEXIST);
                free(d);
        }

        f = fopen(p, "we");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_ge(fputs(content, f), 0);
        ck_assert_int_eq(fclose(f), 0);
        return p;
}

static const char *main_path(void) {
        return path_of("main.conf");
}

static const char *dropin_dir(void) {
        return path_of("conf.d");
}

static int load_main(const char *content) {
        write_file("main.conf", content);
        return config_load(main_path(), false, dropin_dir(), &pol, &errs);
}

static void dump_errors(void) {
        for (size_t i = 0; i < errs.n; i++)
                fprintf(stderr, "  error %zu: %s\n", i, errs.msgs[i]);
}

static void expect_ok(int r) {
        if (r != 0 || errs.n != 0)
                dump_errors();
        ck_assert_int_eq(r, 0);
        ck_assert_uint_eq(errs.n, 0);
        ck_assert_ptr_nonnull(pol);
}

/*
 * Error i starts with exactly "FILE:LINE: " and, after that prefix,
 * contains each of the non-NULL strings a, b and c.
 */
static void expect_error(size_t i, const char *file, unsigned line, const char *a, const char *b,
                         const char *c) {
        const char *want[] = { a, b, c };
        char *prefix;
        const char *msg;

        if (i >= errs.n)
                dump_errors();
        ck_assert_msg(i < errs.n, "expected error #%zu, have %zu", i, errs.n);
        msg = errs.msgs[i];

        ck_assert_int_ge(asprintf(&prefix, "%s:%u: ", file, line), 0);
        ck_assert_msg(strncmp(msg, prefix, strlen(prefix)) == 0, "'%s' does not start with '%s'", msg,
                      prefix);

        for (size_t k = 0; k < ELEMENTSOF(want); k++)
                if (want[k])
                        ck_assert_msg(strstr(msg + strlen(prefix), want[k]),
                                      "'%s' does not contain \"%s\"", msg, want[k]);
        free(prefix);
}

/* ---- parse_size ------------------------------------------------------- */

static const struct {
        const char *s;
        uint64_t v;
} good_sizes[] = {
        { "0", 0 },
        { "1", 1 },
        { "4096", 4096 },
        { "007", 7 },
        { "100B", 100 },
        { "1K", 1024 },
        { "1KB", 1024 },
        { "1KiB", 1024 },
        { "512M", UINT64_C(512) << 20 },
        { "2G", 2 * GiB },
        { "2GB", 2 * GiB },
        { "2GiB", 2 * GiB },
        { "0G", 0 },
        { "3T", UINT64_C(3) << 40 },
        { "16777215T", UINT64_C(16777215) << 40 },
        { "18446744073709551615", UINT64_MAX },
};

START_TEST(test_parse_size_good) {
        uint64_t v = 12345;

        ck_assert_msg(parse_size(good_sizes[_i].s, &v) == 0, "'%s' rejected", good_sizes[_i].s);
        ck_assert_msg(v == good_sizes[_i].v, "'%s' gave %llu", good_sizes[_i].s, (unsigned long long) v);
}
END_TEST

static const struct {
        const char *s;
        int r;
} bad_sizes[] = {
        { "", -EINVAL },
        { "-1", -EINVAL },
        { "+1", -EINVAL },
        { " 1", -EINVAL },
        { "1 ", -EINVAL },
        { "2 G", -EINVAL },
        { "1.5G", -EINVAL },
        { "G", -EINVAL },
        { "GiB", -EINVAL },
        { "B", -EINVAL },
        { "KB", -EINVAL },
        { "1k", -EINVAL },
        { "1g", -EINVAL },
        { "1Ki", -EINVAL },
        { "1iB", -EINVAL },
        { "1KBB", -EINVAL },
        { "1KiBx", -EINVAL },
        { "1X", -EINVAL },
        { "12Q", -EINVAL },
        { "abc", -EINVAL },
        { "0x10", -EINVAL },
        { "1e3", -EINVAL },
        { "99999999999999999999x", -EINVAL },
        { "18446744073709551616", -ERANGE },
        { "99999999999999999999999", -ERANGE },
        { "16777216T", -ERANGE },
        { "17179869184G", -ERANGE },
        { "100000000000000T", -ERANGE },
};

START_TEST(test_parse_size_bad) {
        uint64_t v = 12345;
        int r = parse_size(bad_sizes[_i].s, &v);

        ck_assert_msg(r == bad_sizes[_i].r, "'%s' gave %d, expected %d", bad_sizes[_i].s, r, bad_sizes[_i].r);
        ck_assert_msg(v == 12345, "'%s' changed the result on failure", bad_sizes[_i].s);
}
END_TEST

/* ---- parse_duration / format_duration --------------------------------- */

#define MSEC UINT64_C(1000)
#define SEC (UINT64_C(1000) * MSEC)
#define MIN (UINT64_C(60) * SEC)
#define HOUR (UINT64_C(60) * MIN)

static const struct {
        const char *s;
        uint64_t usec;
} good_durations[] = {
        { "0", 0 },
        { "0s", 0 },
        { "0ms", 0 },
        { "1", SEC },
        { "90", 90 * SEC },
        { "007", 7 * SEC },
        { "90s", 90 * SEC },
        { "10min", 10 * MIN },
        { "2h", 2 * HOUR },
        { "1h30min", HOUR + 30 * MIN },
        { "500ms", 500 * MSEC },
        { "1s500ms", 1500 * MSEC },
        { "1s1ms", 1001 * MSEC },
        { "2h1min3s4ms", 2 * HOUR + MIN + 3 * SEC + 4 * MSEC },
        { "1h0min", HOUR },
        { "1h5s", HOUR + 5 * SEC },
        { "120min", 2 * HOUR },
        { "3600s", HOUR },
        { "5124095576h", UINT64_C(5124095576) * HOUR },
        { "5124095576h1min49s551ms", UINT64_MAX - 615 },
        { "18446744073709551ms", UINT64_C(18446744073709551) * MSEC },
        { "18446744073709", UINT64_C(18446744073709) * SEC },
};

START_TEST(test_parse_duration_good) {
        uint64_t v = 12345;

        ck_assert_msg(parse_duration(good_durations[_i].s, &v) == 0, "'%s' rejected", good_durations[_i].s);
        ck_assert_msg(v == good_durations[_i].usec, "'%s' gave %llu", good_durations[_i].s,
                      (unsigned long long) v);
}
END_TEST

static const struct {
        const char *s;
        int r;
} bad_durations[] = {
        { "", -EINVAL },
        { "-5s", -EINVAL },
        { "+5s", -EINVAL },
        { " 5s", -EINVAL },
        { "5s ", -EINVAL },
        { "5 s", -EINVAL },
        { "1h 30min", -EINVAL },
        { "10m", -EINVAL },
        { "1m30s", -EINVAL },
        { "10M", -EINVAL },
        { "10S", -EINVAL },
        { "10H", -EINVAL },
        { "10Min", -EINVAL },
        { "5sec", -EINVAL },
        { "5mins", -EINVAL },
        { "5msec", -EINVAL },
        { "10us", -EINVAL },
        { "1d", -EINVAL },
        { "1.5h", -EINVAL },
        { "h", -EINVAL },
        { "min", -EINVAL },
        { "s5", -EINVAL },
        { "1h30", -EINVAL },
        { "30min1h", -EINVAL },
        { "1ms1s", -EINVAL },
        { "1h1h", -EINVAL },
        { "1s1s", -EINVAL },
        { "1hmin", -EINVAL },
        { "1h30min ", -EINVAL },
        { "abc", -EINVAL },
        { "0x10", -EINVAL },
        { "1e3", -EINVAL },
        { "99999999999999999999x", -EINVAL },
        { "99999999999999999999hx", -EINVAL },
        { "99999999999999999999h", -ERANGE },
        { "5124095577h", -ERANGE },
        { "5124095576h2min", -ERANGE },
        { "18446744073710s", -ERANGE },
        { "18446744073710", -ERANGE },
        { "18446744073709552ms", -ERANGE },
        { "18446744073709551616ms", -ERANGE },
};

START_TEST(test_parse_duration_bad) {
        uint64_t v = 12345;
        int r = parse_duration(bad_durations[_i].s, &v);

        ck_assert_msg(r == bad_durations[_i].r, "'%s' gave %d, expected %d", bad_durations[_i].s, r,
                      bad_durations[_i].r);
        ck_assert_msg(v == 12345, "'%s' changed the result on failure", bad_durations[_i].s);
}
END_TEST

static const struct {
        uint64_t usec;
        const char *s;
} formatted_durations[] = {
        { 0, "0" },
        { SEC, "1s" },
        { 90 * SEC, "1min30s" },
        { 30 * MIN, "30min" },
        { HOUR + 30 * MIN, "1h30min" },
        { 500 * MSEC, "500ms" },
        { 1500 * MSEC, "1s500ms" },
        { 48 * HOUR, "48h" },
        { HOUR + MSEC, "1h1ms" },
        { 2 * HOUR + MIN + 3 * SEC + 4 * MSEC, "2h1min3s4ms" },
        /* Finer than parse_duration() reads: shown, not rounded away. */
        { 1, "1us" },
        { MSEC + 1, "1ms1us" },
        { UINT64_MAX, "5124095576h1min49s551ms615us" },
};

START_TEST(test_format_duration) {
        char buf[64];

        memset(buf, 'x', sizeof(buf));
        ck_assert_str_eq(format_duration(buf, sizeof(buf), formatted_durations[_i].usec), formatted_durations[_i].s);
}
END_TEST

START_TEST(test_format_duration_round_trip) {
        /* Whatever parse_duration() can give, format_duration() writes back
         * so that it parses to the same value. */
        static const uint64_t values[] = {
                0, MSEC, 999 * MSEC, SEC, 59 * SEC, MIN, 61 * SEC, HOUR - MSEC, HOUR, 25 * HOUR + 1 * MSEC,
                UINT64_C(5124095576) * HOUR, UINT64_MAX - 615,
        };
        char buf[64];

        for (size_t i = 0; i < ELEMENTSOF(values); i++) {
                uint64_t v = 12345;

                format_duration(buf, sizeof(buf), values[i]);
                ck_assert_msg(parse_duration(buf, &v) == 0, "'%s' does not parse", buf);
                ck_assert_msg(v == values[i], "'%s' gave %llu, not %llu", buf, (unsigned long long) v,
                              (unsigned long long) values[i]);
        }
}
END_TEST

START_TEST(test_format_duration_small_buffer) {
        char buf[8];

        /* Truncated like snprintf(), always terminated, never overrun. */
        memset(buf, 'x', sizeof(buf));
        ck_assert_str_eq(format_duration(buf, 4, HOUR + 30 * MIN), "1h3");
        ck_assert_int_eq(buf[4], 'x');
        ck_assert_str_eq(format_duration(buf, 1, HOUR), "");
        ck_assert_str_eq(format_duration(buf, 2, 0), "0");
        ck_assert_str_eq(format_duration(buf, 5, 1001), "1ms1");
        ck_assert_ptr_null(format_duration(NULL, 0, 1));
        buf[0] = 'y';
        ck_assert_ptr_eq(format_duration(buf, 0, HOUR), buf);
        ck_assert_int_eq(buf[0], 'y');
}
END_TEST

/* ---- enum spellings --------------------------------------------------- */

START_TEST(test_to_string) {
        ck_assert_str_eq(dt_source_to_string(DT_SOURCE_ANY), "any");
        ck_assert_str_eq(dt_source_to_string(DT_SOURCE_PMEM), "pmem");
        ck_assert_str_eq(dt_source_to_string(DT_SOURCE_CXL), "cxl");
        ck_assert_str_eq(dt_source_to_string(DT_SOURCE_HMEM), "hmem");
        ck_assert_str_eq(dt_source_to_string(DT_SOURCE_UNKNOWN), "unknown");
        ck_assert_str_eq(dt_mode_to_string(DT_MODE_SYSTEM_RAM), "system-ram");
        ck_assert_str_eq(dt_mode_to_string(DT_MODE_DEVDAX), "devdax");
        ck_assert_str_eq(dt_mode_to_string(DT_MODE_IGNORE), "ignore");
        ck_assert_str_eq(dt_zone_to_string(DT_ZONE_MOVABLE), "movable");
        ck_assert_str_eq(dt_zone_to_string(DT_ZONE_NORMAL), "normal");
        ck_assert_str_eq(dt_memmap_to_string(DT_MEMMAP_YES), "yes");
        ck_assert_str_eq(dt_memmap_to_string(DT_MEMMAP_NO), "no");
        ck_assert_str_eq(dt_memmap_to_string(DT_MEMMAP_AUTO), "auto");
        ck_assert_str_eq(dt_auto_online_to_string(DT_AUTO_ONLINE_KEEP), "keep");
        ck_assert_str_eq(dt_auto_online_to_string(DT_AUTO_ONLINE_OFFLINE), "offline");
        ck_assert_str_eq(dt_scrub_to_string(DT_SCRUB_ARS), "ars");
        ck_assert_str_eq(dt_scrub_to_string(DT_SCRUB_BADBLOCKS), "badblocks");
        ck_assert_str_eq(dt_scrub_to_string(DT_SCRUB_NONE), "none");
        ck_assert_str_eq(dt_on_poison_to_string(DT_ON_POISON_REFUSE), "refuse");
        ck_assert_str_eq(dt_on_poison_to_string(DT_ON_POISON_SKIP_BLOCKS), "skip-blocks");
        ck_assert_str_eq(dt_on_runtime_poison_to_string(DT_ON_RUNTIME_POISON_OFFLINE_BLOCK), "offline-block");
        ck_assert_str_eq(dt_on_runtime_poison_to_string(DT_ON_RUNTIME_POISON_LOG), "log");
        ck_assert_str_eq(dt_scrub_unsupported_to_string(DT_SCRUB_UNSUPPORTED_PROCEED), "proceed");
        ck_assert_str_eq(dt_scrub_unsupported_to_string(DT_SCRUB_UNSUPPORTED_REFUSE), "refuse");
        ck_assert_ptr_null(dt_mode_to_string((enum dt_mode) 42));
        ck_assert_ptr_null(dt_scrub_to_string((enum dt_scrub) 3));
        ck_assert_ptr_null(dt_on_poison_to_string((enum dt_on_poison) 2));
        ck_assert_ptr_null(dt_on_runtime_poison_to_string((enum dt_on_runtime_poison) -1));
        ck_assert_ptr_null(dt_scrub_unsupported_to_string((enum dt_scrub_unsupported) 2));
}
END_TEST

/* ---- valid configurations --------------------------------------------- */

START_TEST(test_minimal_rule_defaults) {
        const struct rule *r;

        expect_ok(load_main("[device a]\n"
                            "match.device = dax0.0\n"
                            "mode = system-ram\n"));

        ck_assert_uint_eq(pol->n_files, 1);
        ck_assert_str_eq(pol->files[0], main_path());
        ck_assert_int_eq(pol->auto_online_blocks, DT_AUTO_ONLINE_KEEP);
        ck_assert_uint_eq(pol->n_rules, 1);

        r = &pol->rules[0];
        ck_assert_str_eq(r->name, "a");
        ck_assert_str_eq(r->file, main_path());
        ck_assert_uint_eq(r->line, 1);
        ck_assert_uint_eq(r->match_set, DT_MATCH_DEVICE);
        ck_assert_str_eq(r->match_device, "dax0.0");
        ck_assert_ptr_null(r->match_uuid);
        ck_assert_int_eq(r->mode, DT_MODE_SYSTEM_RAM);
        ck_assert_int_eq(r->zone, DT_ZONE_MOVABLE);
        ck_assert_int_eq(r->target_node, -1);
        ck_assert_int_eq(r->memmap_on_memory, DT_MEMMAP_NO);
        ck_assert_int_eq(r->require_security, DT_SECURITY_NONE);
        ck_assert_int_eq(r->scrub, DT_SCRUB_ARS);
        ck_assert(r->scrub_timeout_usec == 30 * MIN);
        ck_assert_int_eq(r->on_poison, DT_ON_POISON_REFUSE);
        ck_assert_int_eq(r->on_runtime_poison, DT_ON_RUNTIME_POISON_OFFLINE_BLOCK);
        ck_assert_int_eq(r->scrub_unsupported, DT_SCRUB_UNSUPPORTED_PROCEED);
}
END_TEST

START_TEST(test_poison_keys) {
        const struct rule *r;

        expect_ok(load_main("[device a]\nmatch.device = dax0.0\nmode = system-ram\n"
                            "scrub = badblocks\nscrub_timeout = 90s\non_poison = skip-blocks\n"
                            "on_runtime_poison = log\nscrub_unsupported = refuse\n"
                            "[device b]\nmatch.device = dax1.0\nmode = system-ram\n"
                            "scrub = none\nscrub_timeout = 1h30min\non_poison = refuse\n"
                            "on_runtime_poison = offline-block\nscrub_unsupported = proceed\n"
                            "[device c]\nmatch.device = dax2.0\nmode = system-ram\n"
                            "scrub = ars\nscrub_timeout = 2h\n"
                            "[device d]\nmatch.device = dax3.0\nmode = system-ram\n"
                            "scrub_timeout = 500ms\n"
                            "[device e]\nmatch.device = dax4.0\nmode = system-ram\n"
                            "scrub_timeout = 45\n"));
        ck_assert_uint_eq(pol->n_rules, 5);

        r = &pol->rules[0];
        ck_assert_int_eq(r->scrub, DT_SCRUB_BADBLOCKS);
        ck_assert(r->scrub_timeout_usec == 90 * SEC);
        ck_assert_int_eq(r->on_poison, DT_ON_POISON_SKIP_BLOCKS);
        ck_assert_int_eq(r->on_runtime_poison, DT_ON_RUNTIME_POISON_LOG);
        ck_assert_int_eq(r->scrub_unsupported, DT_SCRUB_UNSUPPORTED_REFUSE);

        r = &pol->rules[1];
        ck_assert_int_eq(r->scrub, DT_SCRUB_NONE);
        ck_assert(r->scrub_timeout_usec == HOUR + 30 * MIN);
        ck_assert_int_eq(r->on_poison, DT_ON_POISON_REFUSE);
        ck_assert_int_eq(r->on_runtime_poison, DT_ON_RUNTIME_POISON_OFFLINE_BLOCK);
        ck_assert_int_eq(r->scrub_unsupported, DT_SCRUB_UNSUPPORTED_PROCEED);

        /* Keys not given keep their defaults. */
        r = &pol->rules[2];
        ck_assert_int_eq(r->scrub, DT_SCRUB_ARS);
        ck_assert(r->scrub_timeout_usec == 2 * HOUR);
        ck_assert_int_eq(r->on_poison, DT_ON_POISON_REFUSE);
        ck_assert_int_eq(r->on_runtime_poison, DT_ON_RUNTIME_POISON_OFFLINE_BLOCK);
        ck_assert_int_eq(r->scrub_unsupported, DT_SCRUB_UNSUPPORTED_PROCEED);

        ck_assert(pol->rules[3].scrub_timeout_usec == 500 * MSEC);
        ck_assert_int_eq(pol->rules[3].scrub, DT_SCRUB_ARS);
        ck_assert(pol->rules[4].scrub_timeout_usec == 45 * SEC);
}
END_TEST

START_TEST(test_empty_and_comment_only) {
        expect_ok(load_main("; nothing here\n# nor here\n\n"));
        ck_assert_uint_eq(pol->n_rules, 0);
        ck_assert_uint_eq(pol->n_files, 1);
        ck_assert_int_eq(pol->auto_online_blocks, DT_AUTO_ONLINE_KEEP);
        ck_assert_int_eq(pol->online_at_bind, DT_ONLINE_AT_BIND_YES);
}
END_TEST

START_TEST(test_online_at_bind) {
        expect_ok(load_main("[daemon]\nonline_at_bind = no\n"));
        ck_assert_int_eq(pol->online_at_bind, DT_ONLINE_AT_BIND_NO);
        policy_free(pol);
        pol = NULL;
        expect_ok(load_main("[daemon]\nonline_at_bind = yes\n"));
        ck_assert_int_eq(pol->online_at_bind, DT_ONLINE_AT_BIND_YES);
        policy_free(pol);
        pol = NULL;
        ck_assert_int_ne(load_main("[daemon]\nonline_at_bind = maybe\n"), 0);
        expect_error(0, main_path(), 2, "online_at_bind", "maybe", "expected yes or no");
}
END_TEST

START_TEST(test_all_keys) {
        const struct rule *r;

        expect_ok(load_main("[daemon]\n"
                            "auto_online_blocks = offline\n"
                            "\n"
                            "[device optane-1.x_y]\n"
                            "match.device = dax[01].*\n"
                            "match.source = pmem\n"
                            "match.uuid = 5F3C9A2E-8B1D-4E07-9C6A-2D4B7E1F0A38\n"
                            "match.region = 3\n"
                            "match.target_node = 2\n"
                            "match.size_min = 1G\n"
                            "match.size_max = 2TiB\n"
                            "mode = devdax\n"
                            "zone = normal\n"
                            "target_node = 2147483647\n"
                            "memmap_on_memory = auto\n"));

        ck_assert_int_eq(pol->auto_online_blocks, DT_AUTO_ONLINE_OFFLINE);
        ck_assert_uint_eq(pol->n_rules, 1);
        r = &pol->rules[0];
        ck_assert_str_eq(r->name, "optane-1.x_y");
        ck_assert_uint_eq(r->line, 4);
        ck_assert_uint_eq(r->match_set, DT_MATCH_DEVICE | DT_MATCH_SOURCE | DT_MATCH_UUID | DT_MATCH_REGION |
                                        DT_MATCH_TARGET_NODE | DT_MATCH_SIZE_MIN | DT_MATCH_SIZE_MAX);
        ck_assert_str_eq(r->match_device, "dax[01].*");
        ck_assert_int_eq(r->match_source, DT_SOURCE_PMEM);
        ck_assert_str_eq(r->match_uuid, "5f3c9a2e-8b1d-4e07-9c6a-2d4b7e1f0a38");
        ck_assert_int_eq(r->match_region, 3);
        ck_assert_int_eq(r->match_target_node, 2);
        ck_assert(r->match_size_min == GiB);
        ck_assert(r->match_size_max == UINT64_C(2) << 40);
        ck_assert_int_eq(r->mode, DT_MODE_DEVDAX);
        ck_assert_int_eq(r->zone, DT_ZONE_NORMAL);
        ck_assert_int_eq(r->target_node, INT_MAX);
        ck_assert_int_eq(r->memmap_on_memory, DT_MEMMAP_AUTO);
}
END_TEST

START_TEST(test_each_enum_value) {
        expect_ok(load_main("[device a]\nmatch.source = cxl\nmode = system-ram\nmemmap_on_memory = yes\n"
                            "[device b]\nmatch.source = hmem\nmode = ignore\nzone = movable\n"
                            "[device c]\nmatch.source = any\nmode = devdax\nmemmap_on_memory = no\n"
                            "[daemon]\nauto_online_blocks = keep\n"));
        ck_assert_uint_eq(pol->n_rules, 3);
        ck_assert_int_eq(pol->rules[0].match_source, DT_SOURCE_CXL);
        ck_assert_int_eq(pol->rules[0].mode, DT_MODE_SYSTEM_RAM);
        ck_assert_int_eq(pol->rules[0].memmap_on_memory, DT_MEMMAP_YES);
        ck_assert_int_eq(pol->rules[1].match_source, DT_SOURCE_HMEM);
        ck_assert_int_eq(pol->rules[1].mode, DT_MODE_IGNORE);
        ck_assert_int_eq(pol->rules[1].zone, DT_ZONE_MOVABLE);
        ck_assert_int_eq(pol->rules[2].match_source, DT_SOURCE_ANY);
        ck_assert_uint_eq(pol->rules[2].match_set, DT_MATCH_SOURCE);
        ck_assert_int_eq(pol->rules[2].mode, DT_MODE_DEVDAX);
        ck_assert_int_eq(pol->auto_online_blocks, DT_AUTO_ONLINE_KEEP);
}
END_TEST

START_TEST(test_size_suffixes_in_rules) {
        static const char *const spellings[] = { "2G", "2GiB", "2GB", "2048M", "2097152K", "2147483648" };

        for (size_t i = 0; i < ELEMENTSOF(spellings); i++) {
                char *text;

                ck_assert_int_ge(asprintf(&text,
                                          "[device a]\nmatch.size_min = %s\nmatch.size_max = %s\nmode = devdax\n",
                                          spellings[i], spellings[i]),
                                 0);
                expect_ok(load_main(text));
                free(text);
                ck_assert(pol->rules[0].match_size_min == 2 * GiB);
                ck_assert(pol->rules[0].match_size_max == 2 * GiB);
                policy_free(pol);
                pol = NULL;
        }
}
END_TEST

/* What inih accepts, and what we make of it. */
START_TEST(test_syntax_accepted_ok) {
        const struct rule *r;

        expect_ok(load_main("\xEF\xBB\xBF[device a] ; text after the bracket is ignored\r\n"
                            "; a comment\r\n"
                            "# another comment\r\n"
                            "\r\n"
                            "    match.device = dax0.* ; inline comment\r\n"
                            "\tmode: system-ram   \r\n"
                            "  zone=normal\r\n"
                            "  [device b]\n"
                            "match.device=dax1.0;x\n"
                            "mode=devdax\n"));
        ck_assert_uint_eq(pol->n_rules, 2);
        r = &pol->rules[0];
        ck_assert_str_eq(r->name, "a");
        ck_assert_str_eq(r->match_device, "dax0.*");
        ck_assert_int_eq(r->mode, DT_MODE_SYSTEM_RAM);
        ck_assert_int_eq(r->zone, DT_ZONE_NORMAL);
        r = &pol->rules[1];
        ck_assert_str_eq(r->name, "b");
        ck_assert_uint_eq(r->line, 8);
        ck_assert_str_eq(r->match_device, "dax1.0;x");
}
END_TEST

START_TEST(test_longest_rule_name) {
        /* inih keeps 49 characters of a section name: "device " + 42. */
        const char *name = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF";
        char *text;

        ck_assert_uint_eq(strlen(name), 42);
        ck_assert_int_ge(asprintf(&text, "[device %s]\nmatch.device = x\nmode = devdax\n", name), 0);
        expect_ok(load_main(text));
        free(text);
        ck_assert_str_eq(pol->rules[0].name, name);
}
END_TEST

START_TEST(test_dropin_order) {
        static const char *const order[] = { "main", "r10", "r20", "r9", "rZ", "ra" };

        write_file("conf.d/20-b.conf", "[device r20]\nmatch.device = x\nmode = devdax\n");
        write_file("conf.d/10-a.conf", "[device r10]\nmatch.device = x\nmode = devdax\n");
        write_file("conf.d/9-c.conf", "[device r9]\nmatch.device = x\nmode = devdax\n");
        write_file("conf.d/Z.conf", "[device rZ]\nmatch.device = x\nmode = devdax\n");
        write_file("conf.d/a.conf", "[device ra]\nmatch.device = x\nmode = devdax\n");
        /* None of these is read: each would be an error. */
        write_file("conf.d/.hidden.conf", "[bogus]\n");
        write_file("conf.d/README", "[bogus]\n");
        write_file("conf.d/x.conf.bak", "[bogus]\n");
        write_file("conf.d/x.confx", "[bogus]\n");
        write_file("conf.d/.conf", "[bogus]\n");

        expect_ok(load_main("[device main]\nmatch.device = x\nmode = devdax\n"));

        ck_assert_uint_eq(pol->n_rules, ELEMENTSOF(order));
        for (size_t i = 0; i < ELEMENTSOF(order); i++)
                ck_assert_str_eq(pol->rules[i].name, order[i]);

        ck_assert_uint_eq(pol->n_files, 6);
        ck_assert_str_eq(pol->files[0], main_path());
        ck_assert_str_eq(pol->files[1], path_of("conf.d/10-a.conf"));
        ck_assert_str_eq(pol->files[2], path_of("conf.d/20-b.conf"));
        ck_assert_str_eq(pol->files[3], path_of("conf.d/9-c.conf"));
        ck_assert_str_eq(pol->files[4], path_of("conf.d/Z.conf"));
        ck_assert_str_eq(pol->files[5], path_of("conf.d/a.conf"));
        ck_assert_str_eq(pol->rules[1].file, path_of("conf.d/10-a.conf"));
        ck_assert_uint_eq(pol->rules[1].line, 1);
}
END_TEST

START_TEST(test_daemon_override) {
        write_file("conf.d/10-a.conf", "[daemon]\nauto_online_blocks = keep\n");
        write_file("conf.d/20-b.conf", "[device x]\nmatch.device = x\nmode = devdax\n");
        expect_ok(load_main("[daemon]\nauto_online_blocks = offline\n"));
        ck_assert_int_eq(pol->auto_online_blocks, DT_AUTO_ONLINE_KEEP);
        policy_free(pol);
        pol = NULL;

        write_file("conf.d/10-a.conf", "[daemon]\nauto_online_blocks = offline\n");
        expect_ok(load_main("[daemon]\nauto_online_blocks = keep\n"));
        ck_assert_int_eq(pol->auto_online_blocks, DT_AUTO_ONLINE_OFFLINE);
        policy_free(pol);
        pol = NULL;

        /* A drop-in without the key leaves the earlier value alone. */
        write_file("conf.d/10-a.conf", "[daemon]\n");
        expect_ok(load_main("[daemon]\nauto_online_blocks = offline\n"));
        ck_assert_int_eq(pol->auto_online_blocks, DT_AUTO_ONLINE_OFFLINE);
}
END_TEST

START_TEST(test_daemon_twice_in_one_file) {
        /* Two [daemon] blocks are fine as long as no key repeats. */
        expect_ok(load_main("[daemon]\n[device a]\nmatch.device = x\nmode = devdax\n"
                            "[daemon]\nauto_online_blocks = offline\n"));
        ck_assert_int_eq(pol->auto_online_blocks, DT_AUTO_ONLINE_OFFLINE);
}
END_TEST

START_TEST(test_missing_files_optional) {
        ck_assert_int_eq(config_load(path_of("nonexistent.conf"), true, path_of("nonexistent.d"), &pol, &errs), 0);
        ck_assert_uint_eq(errs.n, 0);
        ck_assert_ptr_nonnull(pol);
        ck_assert_uint_eq(pol->n_files, 0);
        ck_assert_uint_eq(pol->n_rules, 0);
        ck_assert_int_eq(pol->auto_online_blocks, DT_AUTO_ONLINE_KEEP);
        policy_free(pol);
        pol = NULL;

        /* Drop-ins are still read when the main file is missing. */
        write_file("conf.d/10-a.conf", "[device a]\nmatch.device = x\nmode = devdax\n");
        ck_assert_int_eq(config_load(path_of("nonexistent.conf"), true, dropin_dir(), &pol, &errs), 0);
        ck_assert_uint_eq(pol->n_files, 1);
        ck_assert_uint_eq(pol->n_rules, 1);
        policy_free(pol);
        pol = NULL;

        /* Trailing slash on the directory does not double it. */
        ck_assert_int_eq(config_load(NULL, false, path_of("conf.d/"), &pol, &errs), 0);
        ck_assert_str_eq(pol->files[0], path_of("conf.d/10-a.conf"));
}
END_TEST

/* The shipped example does nothing as is, and every commented rule in it is valid. */
#ifdef TEST_SRCDIR
#define EXAMPLE_CONF TEST_SRCDIR "/../../conf/daxtierd.conf"
#else
#define EXAMPLE_CONF "conf/daxtierd.conf"
#endif

START_TEST(test_example_config) {
        char *text = NULL, *line = NULL;
        size_t text_size = 0, line_size = 0;
        FILE *in, *f;

        ck_assert_int_eq(config_load(EXAMPLE_CONF, false, NULL, &pol, &errs), 0);
        ck_assert_uint_eq(pol->n_rules, 0);
        ck_assert_int_eq(pol->auto_online_blocks, DT_AUTO_ONLINE_KEEP);
        policy_free(pol);
        pol = NULL;

        /* Uncomment what looks like configuration: "#[..." and "#key...". */
        in = fopen(EXAMPLE_CONF, "re");
        ck_assert_ptr_nonnull(in);
        f = open_memstream(&text, &text_size);
        ck_assert_ptr_nonnull(f);
        while (getline(&line, &line_size, in) >= 0)
                fputs(line[0] == '#' && (line[1] == '[' || (line[1] >= 'a' && line[1] <= 'z')) ? line + 1 : line, f);
        ck_assert_int_eq(fclose(f), 0);
        fclose(in);
        free(line);

        expect_ok(load_main(text));
        free(text);
        ck_assert_uint_ge(pol->n_rules, 1);
}
END_TEST

/* ---- policy_dump ------------------------------------------------------ */

static void assert_rules_equal(const struct rule *a, const struct rule *b) {
        ck_assert_str_eq(a->name, b->name);
        ck_assert_uint_eq(a->match_set, b->match_set);
        ck_assert_pstr_eq(a->match_device, b->match_device);
        ck_assert_pstr_eq(a->match_uuid, b->match_uuid);
        if (a->match_set & DT_MATCH_SOURCE)
                ck_assert_int_eq(a->match_source, b->match_source);
        if (a->match_set & DT_MATCH_REGION)
                ck_assert_int_eq(a->match_region, b->match_region);
        if (a->match_set & DT_MATCH_TARGET_NODE)
                ck_assert_int_eq(a->match_target_node, b->match_target_node);
        if (a->match_set & DT_MATCH_SIZE_MIN)
                ck_assert(a->match_size_min == b->match_size_min);
        if (a->match_set & DT_MATCH_SIZE_MAX)
                ck_assert(a->match_size_max == b->match_size_max);
        ck_assert_int_eq(a->mode, b->mode);
        ck_assert_int_eq(a->zone, b->zone);
        ck_assert_int_eq(a->target_node, b->target_node);
        ck_assert_int_eq(a->memmap_on_memory, b->memmap_on_memory);
        ck_assert_int_eq(a->require_security, b->require_security);
        ck_assert_int_eq(a->scrub, b->scrub);
        ck_assert(a->scrub_timeout_usec == b->scrub_timeout_usec);
        ck_assert_int_eq(a->on_poison, b->on_poison);
        ck_assert_int_eq(a->on_runtime_poison, b->on_runtime_poison);
        ck_assert_int_eq(a->scrub_unsupported, b->scrub_unsupported);
}

static char *dump_to_string(const struct policy *p) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ck_assert_ptr_nonnull(f);
        policy_dump(p, f);
        ck_assert_int_eq(fclose(f), 0);
        return buf;
}

START_TEST(test_dump_round_trip) {
        struct policy *again = NULL;
        char *text, *text2, *expect;

        write_file("conf.d/50-cxl.conf",
                   "# all CXL memory\n"
                   "[device cxl]\n"
                   "match.source = cxl\n"
                   "mode = system-ram\n"
                   "memmap_on_memory = auto\n"
                   "scrub = badblocks\n"
                   "scrub_timeout = 5400s\n"
                   "on_poison = skip-blocks\n"
                   "on_runtime_poison = log\n"
                   "scrub_unsupported = refuse\n"
                   "[daemon]\n"
                   "auto_online_blocks = offline\n");
        expect_ok(load_main("[device optane]\n"
                            "match.uuid = 5F3C9A2E-8B1D-4E07-9C6A-2D4B7E1F0A38\n"
                            "match.device = dax*.*\n"
                            "match.region = 0\n"
                            "match.target_node = 1\n"
                            "match.size_min = 1536M\n"
                            "match.size_max = 1099511627777\n"
                            "mode = system-ram\n"
                            "zone = normal\n"
                            "target_node = 1\n"
                            "scrub = none\n"
                            "scrub_timeout = 1500ms\n"
                            "[device keep]\n"
                            "match.size_min = 0\n"
                            "match.source = any\n"
                            "mode = devdax\n"
                            "[device big]\n"
                            "match.size_max = 18446744073709551615\n"
                            "mode = ignore\n"));

        text = dump_to_string(pol);

        /* Header, provenance and defaults are spelled out. */
        ck_assert_int_ge(asprintf(&expect, "#   %s\n#   %s\n", main_path(), path_of("conf.d/50-cxl.conf")), 0);
        ck_assert_msg(strstr(text, expect), "file list missing in:\n%s", text);
        free(expect);
        ck_assert_int_ge(asprintf(&expect, "# %s:1\n[device optane]\n", main_path()), 0);
        ck_assert_msg(strstr(text, expect), "provenance missing in:\n%s", text);
        free(expect);
        ck_assert_int_ge(asprintf(&expect, "# %s:2\n[device cxl]\n", path_of("conf.d/50-cxl.conf")), 0);
        ck_assert_msg(strstr(text, expect), "provenance missing in:\n%s", text);
        free(expect);
        ck_assert_ptr_nonnull(strstr(text, "[daemon]\nauto_online_blocks = offline\n"));
        ck_assert_ptr_nonnull(strstr(text, "match.uuid = 5f3c9a2e-8b1d-4e07-9c6a-2d4b7e1f0a38\n"));
        ck_assert_ptr_nonnull(strstr(text, "match.size_min = 1536M\n"));
        ck_assert_ptr_nonnull(strstr(text, "match.size_max = 1099511627777\n"));
        ck_assert_ptr_nonnull(strstr(text, "[device keep]\nmatch.source = any\nmatch.size_min = 0\n"
                                           "mode = devdax\nzone = movable\n# target_node is not set\n"
                                           "memmap_on_memory = no\nrequire_security = none\n"
                                           "scrub = ars\nscrub_timeout = 30min\non_poison = refuse\n"
                                           "on_runtime_poison = offline-block\nscrub_unsupported = proceed\n"));
        /* Non-defaults, and durations in their shortest exact spelling. */
        ck_assert_ptr_nonnull(strstr(text, "scrub = badblocks\nscrub_timeout = 1h30min\non_poison = skip-blocks\n"
                                           "on_runtime_poison = log\nscrub_unsupported = refuse\n"));
        ck_assert_ptr_nonnull(strstr(text, "scrub = none\nscrub_timeout = 1s500ms\n"));

        write_file("dump.conf", text);
        if (config_load(path_of("dump.conf"), false, NULL, &again, &errs) != 0)
                dump_errors();
        ck_assert_ptr_nonnull(again);
        ck_assert_uint_eq(errs.n, 0);

        ck_assert_int_eq(again->auto_online_blocks, pol->auto_online_blocks);
        ck_assert_uint_eq(again->n_rules, pol->n_rules);
        for (size_t i = 0; i < pol->n_rules; i++)
                assert_rules_equal(&again->rules[i], &pol->rules[i]);

        /* And the dump of the dump only differs in provenance. */
        text2 = dump_to_string(again);
        ck_assert_ptr_nonnull(strstr(text2, "[device big]\nmatch.size_max = 18446744073709551615\nmode = ignore\n"));

        free(text);
        free(text2);
        policy_free(again);
}
END_TEST

START_TEST(test_dump_empty) {
        struct policy *again = NULL;
        char *text;

        ck_assert_int_eq(config_load(path_of("none.conf"), true, NULL, &pol, &errs), 0);
        text = dump_to_string(pol);
        ck_assert_ptr_nonnull(strstr(text, "[daemon]\nauto_online_blocks = keep\n"));
        write_file("dump.conf", text);
        free(text);
        ck_assert_int_eq(config_load(path_of("dump.conf"), false, NULL, &again, &errs), 0);
        ck_assert_uint_eq(again->n_rules, 0);
        policy_free(again);
}
END_TEST

/* ---- policy_match ----------------------------------------------------- */

static struct match_facts facts(void) {
        return (struct match_facts) {
                .name = "dax1.0",
                .source = DT_SOURCE_PMEM,
                .uuid = "5f3c9a2e-8b1d-4e07-9c6a-2d4b7e1f0a38",
                .dax_uuid = NULL,
                .region = 1,
                .target_node = 2,
                .size = 4 * GiB,
                .cxl_region = -1,
        };
}

/* Loads one rule with the given match lines and tells whether it matches f. */
static bool matches(const char *match_lines, const struct match_facts *f) {
        char *text;
        bool m;

        ck_assert_int_ge(asprintf(&text, "[device r]\n%smode = system-ram\n", match_lines), 0);
        policy_free(pol);
        pol = NULL;
        expect_ok(load_main(text));
        free(text);

        m = policy_match(pol, f) != NULL;
        if (m)
                ck_assert_ptr_eq(policy_match(pol, f), &pol->rules[0]);
        return m;
}

START_TEST(test_match_cxl) {
        static const struct cxl_memdev_id ids[] = { { "mem0", 0xa1 }, { "mem3", 0x1F00 } };
        struct match_facts f = facts();
        char *text;

        f.source = DT_SOURCE_CXL;
        f.region = 4;
        f.cxl_region = 4;
        f.cxl_memdevs = ids;
        f.n_cxl_memdevs = ELEMENTSOF(ids);

        ck_assert(matches("match.cxl_region = 4\n", &f));
        ck_assert(!matches("match.cxl_region = 0\n", &f));
        /* By name, by serial as memN/serial prints it (any case), by glob; any memdev will do. */
        ck_assert(matches("match.cxl_memdev = mem0\n", &f));
        ck_assert(matches("match.cxl_memdev = mem3\n", &f));
        ck_assert(!matches("match.cxl_memdev = mem1\n", &f));
        ck_assert(matches("match.cxl_memdev = 0xa1\n", &f));
        ck_assert(matches("match.cxl_memdev = 0x1f00\n", &f));
        ck_assert(matches("match.cxl_memdev = 0x1F*\n", &f));
        ck_assert(!matches("match.cxl_memdev = 0xa2\n", &f));
        ck_assert(matches("match.cxl_memdev = mem[03]\n", &f));
        ck_assert(matches("match.source = cxl\nmatch.cxl_memdev = 0xa1\nmatch.cxl_region = 4\n", &f));
        ck_assert(!matches("match.cxl_memdev = 0xa1\nmatch.cxl_region = 5\n", &f));

        /* A device with no CXL region (pmem, hmem, unknown) matches neither key. */
        f.n_cxl_memdevs = 0;
        ck_assert(!matches("match.cxl_memdev = *\n", &f));
        f.cxl_region = -1;
        ck_assert(!matches("match.cxl_region = 0\n", &f));
        f.cxl_memdevs = NULL;
        f.n_cxl_memdevs = 3;
        ck_assert(!matches("match.cxl_memdev = *\n", &f));

        /* [region] rules: the keys need match.source = cxl; cxl_region compares the region's. */
        policy_free(pol);
        pol = NULL;
        ck_assert_int_eq(load_main("[region r]\nmatch.cxl_memdev = mem0\ncapacity = 1G\n"), -EINVAL);
        ck_assert_uint_eq(errs.n, 1);
        expect_error(0, main_path(), 2, "[region r] match.cxl_memdev needs match.source = cxl", NULL, NULL);
        config_errors_clear(&errs);
        ck_assert_int_eq(load_main("[region r]\nmatch.source = pmem\nmatch.cxl_region = 2\ncapacity = 1G\n"), -EINVAL);
        ck_assert_uint_eq(errs.n, 1);
        expect_error(0, main_path(), 3, "[region r] match.cxl_region needs match.source = cxl", NULL, NULL);
        config_errors_clear(&errs);
        ck_assert_int_eq(load_main("[device d]\nmatch.cxl_memdev =\nmode = system-ram\n"
                                   "[device e]\nmatch.cxl_region = -1\nmode = system-ram\n"), -EINVAL);
        ck_assert_uint_eq(errs.n, 2);
        expect_error(0, main_path(), 2, "match.cxl_memdev", "expected a memdev name or serial", NULL);
        expect_error(1, main_path(), 5, "match.cxl_region", "non-negative integer", NULL);
        config_errors_clear(&errs);
        expect_ok(load_main("[region r]\nmatch.source = cxl\nmatch.cxl_memdev = 0xa*\ncapacity = free\n"));
        ck_assert_str_eq(pol->region_rules[0].match_cxl_memdev, "0xa*");
        ck_assert(pol->region_rules[0].match_set & DT_MATCH_CXL_MEMDEV);
        policy_free(pol);
        pol = NULL;
        expect_ok(load_main("[device d]\nmatch.cxl_region = 3\nmatch.cxl_memdev = mem?\nmode = system-ram\n"
                            "[region r]\nmatch.source = cxl\nmatch.cxl_memdev = 0xA1\ncapacity = 50%\n"));
        text = dump_to_string(pol);
        ck_assert_msg(strstr(text, "[device d]\nmatch.cxl_memdev = mem?\nmatch.cxl_region = 3\nmode = system-ram\n"),
                      "device rule in:\n%s", text);
        ck_assert_msg(strstr(text, "[region r]\nmatch.source = cxl\nmatch.cxl_memdev = 0xA1\ncapacity = 50%\n"),
                      "region rule in:\n%s", text);
        free(text);
}
END_TEST

START_TEST(test_match_first_wins) {
        struct match_facts f = facts();
        const struct rule *r;

        write_file("conf.d/10-late.conf", "[device late]\nmatch.source = any\nmode = devdax\n");
        expect_ok(load_main("[device other]\nmatch.device = dax0.*\nmode = ignore\n"
                            "[device first]\nmatch.source = pmem\nmode = system-ram\n"
                            "[device second]\nmatch.device = dax1.0\nmode = devdax\n"));

        r = policy_match(pol, &f);
        ck_assert_ptr_nonnull(r);
        ck_assert_str_eq(r->name, "first");

        f.source = DT_SOURCE_CXL;
        r = policy_match(pol, &f);
        ck_assert_str_eq(r->name, "second");

        f.name = "dax7.0";
        r = policy_match(pol, &f);
        ck_assert_str_eq(r->name, "late");

        f.name = "dax0.3";
        r = policy_match(pol, &f);
        ck_assert_str_eq(r->name, "other");
}
END_TEST

START_TEST(test_match_none) {
        struct match_facts f = facts();

        expect_ok(load_main("[device a]\nmatch.device = dax0.*\nmode = system-ram\n"));
        ck_assert_ptr_null(policy_match(pol, &f));
        policy_free(pol);
        pol = NULL;

        expect_ok(load_main("# no rules\n"));
        ck_assert_ptr_null(policy_match(pol, &f));
}
END_TEST

START_TEST(test_match_all_keys_together) {
        struct match_facts f = facts();
        const char *all = "match.device = dax1.*\nmatch.source = pmem\n"
                          "match.uuid = 5f3c9a2e-8b1d-4e07-9c6a-2d4b7e1f0a38\nmatch.region = 1\n"
                          "match.target_node = 2\nmatch.size_min = 4G\nmatch.size_max = 4G\n";

        ck_assert(matches(all, &f));
        f.size++;
        ck_assert(!matches(all, &f));
        f = facts();
        f.region = 0;
        ck_assert(!matches(all, &f));
}
END_TEST

START_TEST(test_match_device_glob) {
        struct match_facts f = facts();

        ck_assert(matches("match.device = dax1.0\n", &f));
        ck_assert(matches("match.device = dax*\n", &f));
        ck_assert(matches("match.device = dax?.[0-3]\n", &f));
        ck_assert(!matches("match.device = dax0.*\n", &f));
        ck_assert(!matches("match.device = dax1\n", &f));
        ck_assert(!matches("match.device = DAX1.0\n", &f));
        f.name = NULL;
        ck_assert(!matches("match.device = *\n", &f));
}
END_TEST

START_TEST(test_match_source) {
        struct match_facts f = facts();

        ck_assert(matches("match.source = pmem\n", &f));
        ck_assert(!matches("match.source = cxl\n", &f));
        ck_assert(!matches("match.source = hmem\n", &f));
        ck_assert(matches("match.source = any\n", &f));

        f.source = DT_SOURCE_CXL;
        ck_assert(matches("match.source = cxl\n", &f));
        ck_assert(!matches("match.source = pmem\n", &f));
        f.source = DT_SOURCE_HMEM;
        ck_assert(matches("match.source = hmem\n", &f));

        f.source = DT_SOURCE_UNKNOWN;
        ck_assert(!matches("match.source = pmem\n", &f));
        ck_assert(!matches("match.source = cxl\n", &f));
        ck_assert(!matches("match.source = hmem\n", &f));
        ck_assert(matches("match.source = any\n", &f));
}
END_TEST

START_TEST(test_match_uuid) {
        struct match_facts f = facts();
        const char *lower = "match.uuid = 5f3c9a2e-8b1d-4e07-9c6a-2d4b7e1f0a38\n";
        const char *upper = "match.uuid = 5F3C9A2E-8B1D-4E07-9C6A-2D4B7E1F0A38\n";

        ck_assert(matches(lower, &f));
        ck_assert(matches(upper, &f));
        ck_assert(!matches("match.uuid = 00000000-8b1d-4e07-9c6a-2d4b7e1f0a38\n", &f));

        /* The facts may be upper case too. */
        f.uuid = "5F3C9A2E-8B1D-4E07-9C6A-2D4B7E1F0A38";
        ck_assert(matches(lower, &f));

        /* Either uuid will do. */
        f.uuid = "11111111-2222-3333-4444-555555555555";
        f.dax_uuid = "5f3c9a2e-8b1d-4e07-9c6a-2d4b7e1f0a38";
        ck_assert(matches(upper, &f));
        f.uuid = NULL;
        ck_assert(matches(lower, &f));
        f.dax_uuid = "11111111-2222-3333-4444-555555555555";
        ck_assert(!matches(lower, &f));

        /* Unknown. */
        f.uuid = f.dax_uuid = NULL;
        ck_assert(!matches(lower, &f));
}
END_TEST

START_TEST(test_match_region_and_node) {
        struct match_facts f = facts();

        ck_assert(matches("match.region = 1\n", &f));
        ck_assert(!matches("match.region = 0\n", &f));
        ck_assert(matches("match.target_node = 2\n", &f));
        ck_assert(!matches("match.target_node = 0\n", &f));

        f.region = -1;
        f.target_node = -1;
        ck_assert(!matches("match.region = 0\n", &f));
        ck_assert(!matches("match.region = 1\n", &f));
        ck_assert(!matches("match.target_node = 0\n", &f));
        ck_assert(!matches("match.target_node = 2\n", &f));
        /* A rule that does not ask does not care. */
        ck_assert(matches("match.device = dax1.0\n", &f));
}
END_TEST

START_TEST(test_match_size_bounds) {
        struct match_facts f = facts();

        ck_assert(matches("match.size_min = 4G\n", &f));
        ck_assert(matches("match.size_min = 4095M\n", &f));
        ck_assert(!matches("match.size_min = 4097M\n", &f));
        ck_assert(matches("match.size_max = 4G\n", &f));
        ck_assert(matches("match.size_max = 1T\n", &f));
        ck_assert(!matches("match.size_max = 4095M\n", &f));
        ck_assert(matches("match.size_min = 1G\nmatch.size_max = 8G\n", &f));
        ck_assert(!matches("match.size_min = 5G\nmatch.size_max = 8G\n", &f));
        ck_assert(matches("match.size_min = 0\n", &f));
        f.size = 0;
        ck_assert(matches("match.size_max = 0\n", &f));
}
END_TEST

/* ---- match.name, [region] rules and the per-node cap ------------------ */

START_TEST(test_match_name) {
        struct match_facts f = facts();
        const struct rule *r;

        /* A device without a namespace name matches no match.name. */
        ck_assert(!matches("match.name = *\n", &f));

        f.ns_name = "daxtierd-half";
        ck_assert(matches("match.name = daxtierd-*\n", &f));
        ck_assert(matches("match.name = daxtierd-half\n", &f));
        ck_assert(matches("match.name = *half\n", &f));
        ck_assert(!matches("match.name = daxtierd-other\n", &f));
        ck_assert(!matches("match.name = DAXTIERD-*\n", &f));
        ck_assert(!matches("match.name = daxtierd\n", &f));
        /* The device name is not the namespace name. */
        ck_assert(!matches("match.name = dax1.0\n", &f));
        /* Together with other keys, all must match. */
        ck_assert(matches("match.name = daxtierd-*\nmatch.source = pmem\n", &f));
        ck_assert(!matches("match.name = daxtierd-*\nmatch.source = cxl\n", &f));

        f.ns_name = "userdata";
        ck_assert(!matches("match.name = daxtierd-*\n", &f));

        policy_free(pol);
        pol = NULL;
        expect_ok(load_main("[device own]\nmatch.name = daxtierd-*\nmode = system-ram\n"));
        r = &pol->rules[0];
        ck_assert_uint_eq(r->match_set, DT_MATCH_NAME);
        ck_assert_str_eq(r->match_name, "daxtierd-*");
}
END_TEST

START_TEST(test_region_rules) {
        const struct region_rule *r;

        expect_ok(load_main("[daemon]\n"
                            "max_system_ram_per_node = 64G\n"
                            "\n"
                            "[region half]\n"
                            "match.region = 0\n"
                            "capacity = 50%\n"
                            "\n"
                            "[region all-cxl.1]\n"
                            "match.source = cxl\n"
                            "match.region = 2147483647\n"
                            "match.target_node = 3\n"
                            "capacity = free\n"
                            "max_devices = 4\n"
                            "[region fixed]\n"
                            "match.source = any\n"
                            "capacity = 2GiB\n"
                            "[device half]\n"
                            "match.name = daxtierd-half\n"
                            "mode = system-ram\n"));

        ck_assert(pol->ram_cap_set);
        ck_assert_int_eq(pol->ram_cap.kind, DT_AMOUNT_SIZE);
        ck_assert(pol->ram_cap.size == 64 * GiB);

        /* A [device] and a [region] rule may share a name. */
        ck_assert_uint_eq(pol->n_rules, 1);
        ck_assert_str_eq(pol->rules[0].name, "half");

        ck_assert_uint_eq(pol->n_region_rules, 3);
        r = &pol->region_rules[0];
        ck_assert_str_eq(r->name, "half");
        ck_assert_str_eq(r->file, main_path());
        ck_assert_uint_eq(r->line, 4);
        ck_assert_uint_eq(r->match_set, DT_MATCH_REGION);
        ck_assert_int_eq(r->match_region, 0);
        ck_assert_int_eq(r->match_source, DT_SOURCE_ANY);
        ck_assert_int_eq(r->capacity.kind, DT_AMOUNT_PERCENT);
        ck_assert_uint_eq(r->capacity.percent, 50);
        ck_assert_uint_eq(r->max_devices, 1);

        r = &pol->region_rules[1];
        ck_assert_str_eq(r->name, "all-cxl.1");
        ck_assert_uint_eq(r->line, 8);
        ck_assert_uint_eq(r->match_set, DT_MATCH_SOURCE | DT_MATCH_REGION | DT_MATCH_TARGET_NODE);
        ck_assert_int_eq(r->match_source, DT_SOURCE_CXL);
        ck_assert_int_eq(r->match_region, INT_MAX);
        ck_assert_int_eq(r->match_target_node, 3);
        ck_assert_int_eq(r->capacity.kind, DT_AMOUNT_FREE);
        ck_assert_uint_eq(r->max_devices, 4);

        r = &pol->region_rules[2];
        ck_assert_uint_eq(r->match_set, DT_MATCH_SOURCE);
        ck_assert_int_eq(r->capacity.kind, DT_AMOUNT_SIZE);
        ck_assert(r->capacity.size == 2 * GiB);
}
END_TEST

START_TEST(test_region_capacity_values) {
        static const struct {
                const char *text;
                enum dt_amount_kind kind;
                uint64_t size;
                unsigned percent;
        } cases[] = {
                { "0", DT_AMOUNT_SIZE, 0, 0 },
                { "2G", DT_AMOUNT_SIZE, 2 * GiB, 0 },
                { "1536M", DT_AMOUNT_SIZE, UINT64_C(1536) << 20, 0 },
                { "4294967296", DT_AMOUNT_SIZE, 4 * GiB, 0 },
                { "0%", DT_AMOUNT_PERCENT, 0, 0 },
                { "1%", DT_AMOUNT_PERCENT, 0, 1 },
                { "050%", DT_AMOUNT_PERCENT, 0, 50 },
                { "100%", DT_AMOUNT_PERCENT, 0, 100 },
                { "free", DT_AMOUNT_FREE, 0, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *text;

                ck_assert_int_ge(asprintf(&text, "[region r]\nmatch.region = 1\ncapacity = %s\n", cases[i].text), 0);
                expect_ok(load_main(text));
                free(text);
                ck_assert_int_eq(pol->region_rules[0].capacity.kind, cases[i].kind);
                ck_assert(pol->region_rules[0].capacity.size == cases[i].size);
                ck_assert_uint_eq(pol->region_rules[0].capacity.percent, cases[i].percent);
                policy_free(pol);
                pol = NULL;
        }
}
END_TEST

START_TEST(test_ram_cap) {
        expect_ok(load_main("[daemon]\nauto_online_blocks = offline\n"));
        ck_assert(!pol->ram_cap_set);
        policy_free(pol);
        pol = NULL;

        expect_ok(load_main("[daemon]\nmax_system_ram_per_node = 50%\nauto_online_blocks = offline\n"));
        ck_assert(pol->ram_cap_set);
        ck_assert_int_eq(pol->ram_cap.kind, DT_AMOUNT_PERCENT);
        ck_assert_uint_eq(pol->ram_cap.percent, 50);
        ck_assert_int_eq(pol->auto_online_blocks, DT_AUTO_ONLINE_OFFLINE);
        policy_free(pol);
        pol = NULL;

        expect_ok(load_main("[daemon]\nmax_system_ram_per_node = 10000%\n"));
        ck_assert_uint_eq(pol->ram_cap.percent, 10000);
        policy_free(pol);
        pol = NULL;

        expect_ok(load_main("[daemon]\nmax_system_ram_per_node = 0\n"));
        ck_assert(pol->ram_cap_set);
        ck_assert_int_eq(pol->ram_cap.kind, DT_AMOUNT_SIZE);
        ck_assert(pol->ram_cap.size == 0);
        policy_free(pol);
        pol = NULL;

        /* A later file overrides, as for every [daemon] key. */
        write_file("conf.d/10-cap.conf", "[daemon]\nmax_system_ram_per_node = 3T\n");
        expect_ok(load_main("[daemon]\nmax_system_ram_per_node = 25%\n"));
        ck_assert_int_eq(pol->ram_cap.kind, DT_AMOUNT_SIZE);
        ck_assert(pol->ram_cap.size == UINT64_C(3) << 40);
}
END_TEST

START_TEST(test_tiering_and_metrics_keys) {
        char *text = NULL;
        size_t len = 0;
        FILE *f;

        /* Defaults: every knob kept, restore on exit, textfile unset, 60s. */
        expect_ok(load_main("[daemon]\nauto_online_blocks = keep\n"));
        ck_assert_int_eq(pol->tiering.demotion, TIERING_DEMOTION_KEEP);
        ck_assert_int_eq(pol->tiering.numa_balancing, TIERING_BALANCING_KEEP);
        ck_assert(pol->tiering.promote_rate_limit == -1);
        ck_assert_int_eq(pol->tiering.weighted_interleave, TIERING_WI_KEEP);
        ck_assert(pol->tiering.restore_on_exit);
        ck_assert_str_eq(pol->metrics_textfile, "");
        ck_assert(pol->metrics_interval_usec == DT_METRICS_INTERVAL_DEFAULT_USEC);
        policy_free(pol);
        pol = NULL;

        expect_ok(load_main("[tiering]\ndemotion = enable\nnuma_balancing = normal+tiering\n"
                            "promote_rate_limit = 256\nweighted_interleave = auto\nrestore_on_exit = no\n"
                            "[daemon]\nmetrics_textfile = /run/x/daxtierd.prom\nmetrics_interval = 0\n"));
        ck_assert_int_eq(pol->tiering.demotion, TIERING_DEMOTION_ENABLE);
        ck_assert_int_eq(pol->tiering.numa_balancing, TIERING_BALANCING_NORMAL_TIERING);
        ck_assert(pol->tiering.promote_rate_limit == 256);
        ck_assert_int_eq(pol->tiering.weighted_interleave, TIERING_WI_AUTO);
        ck_assert(!pol->tiering.restore_on_exit);
        ck_assert_str_eq(pol->metrics_textfile, "/run/x/daxtierd.prom");
        ck_assert(pol->metrics_interval_usec == 0);

        /* The dump says it back, and reads back the same. */
        f = open_memstream(&text, &len);
        policy_dump(pol, f);
        fclose(f);
        ck_assert_ptr_nonnull(strstr(text, "metrics_textfile = /run/x/daxtierd.prom\nmetrics_interval = 0\n"));
        ck_assert_ptr_nonnull(strstr(text, "[tiering]\ndemotion = enable\nnuma_balancing = normal+tiering\n"
                                           "promote_rate_limit = 256\nweighted_interleave = auto\n"
                                           "restore_on_exit = no\n"));
        policy_free(pol);
        pol = NULL;
        expect_ok(load_main(text));
        ck_assert_int_eq(pol->tiering.numa_balancing, TIERING_BALANCING_NORMAL_TIERING);
        ck_assert(pol->metrics_interval_usec == 0);
        free(text);
        policy_free(pol);
        pol = NULL;

        /* A drop-in overrides [tiering] key by key, like [daemon]. */
        write_file("conf.d/10-t.conf", "[tiering]\ndemotion = disable\n[daemon]\nmetrics_textfile = off\n"
                                       "metrics_interval = 5min\n");
        expect_ok(load_main("[tiering]\ndemotion = enable\nweighted_interleave = off\n"));
        ck_assert_int_eq(pol->tiering.demotion, TIERING_DEMOTION_DISABLE);
        ck_assert_int_eq(pol->tiering.weighted_interleave, TIERING_WI_OFF);
        ck_assert_str_eq(pol->metrics_textfile, "off");
        ck_assert(pol->metrics_interval_usec == 5 * 60 * 1000000ULL);
}
END_TEST

static struct region_facts region_facts(void) {
        return (struct region_facts) {
                .name = "region1",
                .source = DT_SOURCE_PMEM,
                .region = 1,
                .target_node = 2,
                .cxl_region = -1,
        };
}

/* Loads one [region] rule with the given match lines; does it match f? */
static bool region_matches(const char *match_lines, const struct region_facts *f) {
        char *text;

        ck_assert_int_ge(asprintf(&text, "[region r]\n%scapacity = 1G\n", match_lines), 0);
        policy_free(pol);
        pol = NULL;
        expect_ok(load_main(text));
        free(text);
        return policy_match_region(pol, f) != NULL;
}

START_TEST(test_match_region_rules) {
        struct region_facts f = region_facts();
        const struct region_rule *r;

        ck_assert(region_matches("match.region = 1\n", &f));
        ck_assert(!region_matches("match.region = 0\n", &f));
        ck_assert(region_matches("match.source = pmem\n", &f));
        ck_assert(region_matches("match.source = any\n", &f));
        ck_assert(!region_matches("match.source = cxl\n", &f));
        ck_assert(region_matches("match.target_node = 2\n", &f));
        ck_assert(!region_matches("match.target_node = 1\n", &f));
        ck_assert(region_matches("match.source = pmem\nmatch.region = 1\nmatch.target_node = 2\n", &f));
        ck_assert(!region_matches("match.source = pmem\nmatch.region = 1\nmatch.target_node = 3\n", &f));

        /* Unknown facts match nothing that asks for them. */
        f.region = -1;
        f.target_node = -1;
        ck_assert(!region_matches("match.region = 1\n", &f));
        ck_assert(!region_matches("match.target_node = 2\n", &f));
        ck_assert(region_matches("match.source = pmem\n", &f));

        /* First match wins; [device] rules play no part. */
        f = region_facts();
        policy_free(pol);
        pol = NULL;
        expect_ok(load_main("[device d]\nmatch.region = 1\nmode = system-ram\n"
                            "[region other]\nmatch.region = 0\ncapacity = 1G\n"
                            "[region first]\nmatch.source = pmem\ncapacity = 2G\n"
                            "[region second]\nmatch.region = 1\ncapacity = 3G\n"));
        r = policy_match_region(pol, &f);
        ck_assert_ptr_nonnull(r);
        ck_assert_str_eq(r->name, "first");
        f.source = DT_SOURCE_HMEM;
        ck_assert_str_eq(policy_match_region(pol, &f)->name, "second");
        f.region = 7;
        ck_assert_ptr_null(policy_match_region(pol, &f));
        ck_assert_ptr_null(policy_match_region(NULL, &f));
        ck_assert_ptr_null(policy_match_region(pol, NULL));
}
END_TEST

START_TEST(test_region_dump_round_trip) {
        struct policy *again = NULL;
        char *text, *expect;

        expect_ok(load_main("[daemon]\nmax_system_ram_per_node = 75%\n"
                            "[device own]\nmatch.name = daxtierd-*\nmode = system-ram\n"
                            "[region half]\nmatch.region = 0\ncapacity = 50%\n"
                            "[region rest]\nmatch.target_node = 1\nmatch.source = pmem\ncapacity = free\nmax_devices = 3\n"
                            "[region fixed]\nmatch.source = any\ncapacity = 1536M\n"
                            "[region odd]\nmatch.region = 2\ncapacity = 1073741825\n"));
        text = dump_to_string(pol);

        ck_assert_ptr_nonnull(strstr(text, "[daemon]\nauto_online_blocks = keep\nonline_at_bind = yes\nmax_system_ram_per_node = 75%\n"));
        ck_assert_ptr_nonnull(strstr(text, "[device own]\nmatch.name = daxtierd-*\nmode = system-ram\n"));
        ck_assert_int_ge(asprintf(&expect, "# %s:6\n[region half]\nmatch.region = 0\ncapacity = 50%%\nmax_devices = 1\n",
                                  main_path()),
                         0);
        ck_assert_msg(strstr(text, expect), "region rule missing in:\n%s", text);
        free(expect);
        ck_assert_ptr_nonnull(strstr(text, "[region rest]\nmatch.source = pmem\nmatch.target_node = 1\n"
                                           "capacity = free\nmax_devices = 3\n"));
        ck_assert_ptr_nonnull(strstr(text, "[region fixed]\nmatch.source = any\ncapacity = 1536M\n"));
        ck_assert_ptr_nonnull(strstr(text, "capacity = 1073741825\n"));

        write_file("dump.conf", text);
        if (config_load(path_of("dump.conf"), false, NULL, &again, &errs) != 0)
                dump_errors();
        ck_assert_ptr_nonnull(again);
        ck_assert(again->ram_cap_set);
        ck_assert_int_eq(again->ram_cap.kind, DT_AMOUNT_PERCENT);
        ck_assert_uint_eq(again->ram_cap.percent, 75);
        ck_assert_str_eq(again->rules[0].match_name, "daxtierd-*");
        ck_assert_uint_eq(again->n_region_rules, pol->n_region_rules);
        for (size_t i = 0; i < pol->n_region_rules; i++) {
                const struct region_rule *a = &again->region_rules[i], *b = &pol->region_rules[i];

                ck_assert_str_eq(a->name, b->name);
                ck_assert_uint_eq(a->match_set, b->match_set);
                ck_assert_int_eq(a->match_source, b->match_source);
                ck_assert_int_eq(a->match_region, b->match_region);
                ck_assert_int_eq(a->match_target_node, b->match_target_node);
                ck_assert_int_eq(a->capacity.kind, b->capacity.kind);
                ck_assert(a->capacity.size == b->capacity.size);
                ck_assert_uint_eq(a->capacity.percent, b->capacity.percent);
                ck_assert_uint_eq(a->max_devices, b->max_devices);
        }
        free(text);
        policy_free(again);
        policy_free(pol);
        pol = NULL;

        /* Without any, the dump says so, and still reads back. */
        expect_ok(load_main("# nothing\n"));
        text = dump_to_string(pol);
        ck_assert_ptr_nonnull(strstr(text, "# max_system_ram_per_node is not set\n"));
        ck_assert_ptr_nonnull(strstr(text, "# No [region] rules: no namespace is carved.\n"));
        free(text);
}
END_TEST

START_TEST(test_amount_to_string) {
        char buf[64];
        struct dt_amount a = { .kind = DT_AMOUNT_SIZE, .size = 2 * GiB };

        ck_assert_str_eq(dt_amount_to_string(&a, buf, sizeof(buf)), "2G");
        a.size = 1536u << 20;
        ck_assert_str_eq(dt_amount_to_string(&a, buf, sizeof(buf)), "1536M");
        a.size = 0;
        ck_assert_str_eq(dt_amount_to_string(&a, buf, sizeof(buf)), "0");
        a.size = 1000;
        ck_assert_str_eq(dt_amount_to_string(&a, buf, sizeof(buf)), "1000");
        a.size = UINT64_C(5) << 40;
        ck_assert_str_eq(dt_amount_to_string(&a, buf, sizeof(buf)), "5T");
        a = (struct dt_amount) { .kind = DT_AMOUNT_PERCENT, .percent = 50 };
        ck_assert_str_eq(dt_amount_to_string(&a, buf, sizeof(buf)), "50%");
        a = (struct dt_amount) { .kind = DT_AMOUNT_FREE };
        ck_assert_str_eq(dt_amount_to_string(&a, buf, sizeof(buf)), "free");
}
END_TEST

START_TEST(test_exact_region_messages) {
        const char *mp;
        char *want;

        ck_assert_int_eq(load_main("[region big]\nmatch.region = 1\ncapacity = 150%\nmax_devices = 0\n"
                                   "[daemon]\nmax_system_ram_per_node = plenty\n"
                                   "[region none]\ncapacity = 1G\n"
                                   "[device d]\nmatch.name =\nmode = devdax\n"),
                         -EINVAL);
        mp = main_path();
        /* [device d] has a match key, if a bad one: no "no match keys" on top. */
        if (errs.n != 5)
                dump_errors();
        ck_assert_uint_eq(errs.n, 5);
        ck_assert_int_ge(asprintf(&want, "%s:3: [region big] capacity: invalid value '150%%' (a percentage must be from 0%% to 100%%)", mp), 0);
        ck_assert_str_eq(errs.msgs[0], want);
        free(want);
        ck_assert_int_ge(asprintf(&want, "%s:4: [region big] max_devices: invalid value '0' (expected a positive integer)", mp), 0);
        ck_assert_str_eq(errs.msgs[1], want);
        free(want);
        ck_assert_int_ge(asprintf(&want, "%s:6: [daemon] max_system_ram_per_node: invalid value 'plenty' (expected a size such as 64G, or a percentage of the node's DRAM such as 50%%)", mp), 0);
        ck_assert_str_eq(errs.msgs[2], want);
        free(want);
        ck_assert_int_ge(asprintf(&want, "%s:7: [region none]: no match keys (a rule needs at least one match.* key)", mp), 0);
        ck_assert_str_eq(errs.msgs[3], want);
        free(want);
        ck_assert_int_ge(asprintf(&want, "%s:10: [device d] match.name: invalid value '' (expected a namespace name or glob, e.g. daxtierd-*)", mp), 0);
        ck_assert_str_eq(errs.msgs[4], want);
        free(want);

        config_errors_clear(&errs);
        ck_assert_int_eq(load_main("[region r]\nmatch.region = 0\ncapacity = half\n"), -EINVAL);
        ck_assert_uint_eq(errs.n, 1);
        ck_assert_int_ge(asprintf(&want, "%s:3: [region r] capacity: invalid value 'half' (expected a size such as 2G, a percentage of the region such as 50%%, or free)", mp), 0);
        ck_assert_str_eq(errs.msgs[0], want);
        free(want);
}
END_TEST

START_TEST(test_duplicate_region_across_dropin) {
        const char *d;

        d = write_file("conf.d/20-r.conf", "\n[region r]\nmatch.region = 1\ncapacity = 1G\n");
        ck_assert_int_eq(load_main("[region r]\nmatch.region = 0\ncapacity = 50%\n"), -EINVAL);
        ck_assert_uint_eq(errs.n, 1);
        expect_error(0, d, 2, "[region r]", "duplicate rule name", main_path());
}
END_TEST

/* ---- invalid configurations ------------------------------------------- */

#define HEAD "[device a]\nmatch.device = dax0.0\nmode = system-ram\n"       /* lines 1-3 */
#define RHEAD "[region r]\nmatch.region = 0\n"                              /* lines 1-2 */

static const struct invalid_case {
        const char *text;
        unsigned line;
        const char *key;        /* or the section */
        const char *value;      /* quoted, as the message shows it */
        const char *also;
} invalid_cases[] = {
        { "[foo]\nbar = 1\n", 1, "unknown section", "'[foo]'" },
        { "\n\n[Daemon]\nauto_online_blocks = keep\n", 3, "unknown section", "'[Daemon]'" },
        { "[devices]\n", 1, "unknown section", "'[devices]'" },
        { "[daemon]\nbogus = 1\n", 2, "unknown key 'bogus' in [daemon]" },
        { "[daemon]\nAuto_Online_Blocks = keep\n", 2, "unknown key 'Auto_Online_Blocks'", "[daemon]" },
        { HEAD "colour = red\n", 4, "unknown key 'colour'", "[device a]" },
        { HEAD "match.alt_name = dax0.0\n", 4, "unknown key 'match.alt_name'", "[device a]" },
        { HEAD "match.name =\n", 4, "match.name", "''", "daxtierd-*" },
        { HEAD "match.name = a\nmatch.name = b\n", 5, "duplicate key 'match.name'", "'b'", "first set at line 4" },
        /* [region NAME] */
        { "[region]\nmatch.region = 0\ncapacity = 1G\n", 1, "invalid section", "'[region]'", "[region NAME]" },
        { "[region a b]\nmatch.region = 0\ncapacity = 1G\n", 1, "invalid section", "'[region a b]'" },
        { "[regions a]\n", 1, "unknown section", "'[regions a]'" },
        { "[region r]\ncapacity = 50%\n", 1, "[region r]", "no match keys" },
        { "[region r]\nmatch.region = 0\n", 1, "[region r]", "missing required key 'capacity'" },
        { "[region r]\nmatch.region = 0\nmax_devices = 2\n", 1, "[region r]", "'capacity'" },
        { RHEAD "capacity = 150%\n", 3, "[region r] capacity", "'150%'", "from 0% to 100%" },
        { RHEAD "capacity = 101%\n", 3, "[region r] capacity", "'101%'", "from 0% to 100%" },
        { RHEAD "capacity = 99999999999999999999%\n", 3, "capacity", "'99999999999999999999%'", "100%" },
        { RHEAD "capacity = half\n", 3, "capacity", "'half'", "expected a size such as 2G, a percentage" },
        { RHEAD "capacity = Free\n", 3, "capacity", "'Free'", "or free" },
        { RHEAD "capacity = all\n", 3, "capacity", "'all'" },
        { RHEAD "capacity = 50 %\n", 3, "capacity", "'50 %'" },
        { RHEAD "capacity = 5.5%\n", 3, "capacity", "'5.5%'" },
        { RHEAD "capacity = -1\n", 3, "capacity", "'-1'" },
        { RHEAD "capacity = %\n", 3, "capacity", "'%'" },
        { RHEAD "capacity = 2G%\n", 3, "capacity", "'2G%'" },
        { RHEAD "capacity = 1.5G\n", 3, "capacity", "'1.5G'" },
        { RHEAD "capacity =\n", 3, "capacity", "''" },
        { RHEAD "capacity = 100000000000000T\n", 3, "capacity", "'100000000000000T'", "size out of range" },
        { RHEAD "capacity = 1G\nmax_devices = 0\n", 4, "[region r] max_devices", "'0'", "positive integer" },
        { RHEAD "capacity = 1G\nmax_devices = -1\n", 4, "max_devices", "'-1'", "positive integer" },
        { RHEAD "capacity = 1G\nmax_devices = two\n", 4, "max_devices", "'two'" },
        { RHEAD "capacity = 1G\nmax_devices = 2147483648\n", 4, "max_devices", "'2147483648'", "out of range" },
        { RHEAD "capacity = 1G\ncapacity = 2G\n", 4, "[region r] duplicate key 'capacity'", "'2G'",
          "first set at line 3" },
        { RHEAD "capacity = 1G\nmode = system-ram\n", 4, "unknown key 'mode' in [region r]" },
        { RHEAD "capacity = 1G\nmatch.name = daxtierd-*\n", 4, "unknown key 'match.name' in [region r]" },
        { RHEAD "capacity = 1G\nmatch.device = dax0.0\n", 4, "unknown key 'match.device' in [region r]" },
        { "[region r]\nmatch.source = nvme\ncapacity = 1G\n", 2, "[region r] match.source", "'nvme'",
          "expected pmem, cxl, hmem or any" },
        { "[region r]\nmatch.source = unknown\ncapacity = 1G\n", 2, "match.source", "'unknown'" },
        { "[region r]\nmatch.region = -1\ncapacity = 1G\n", 2, "[region r] match.region", "'-1'" },
        { "[region r]\nmatch.region = 2147483648\ncapacity = 1G\n", 2, "match.region", "'2147483648'",
          "out of range" },
        { "[region r]\nmatch.target_node = one\ncapacity = 1G\n", 2, "[region r] match.target_node", "'one'",
          "non-negative integer" },
        { RHEAD "capacity = 1G\n[region r]\nmatch.region = 1\ncapacity = 1G\n", 4, "[region r]",
          "duplicate rule name", "first defined at " },
        /* [daemon] max_system_ram_per_node */
        { "[daemon]\nmax_system_ram_per_node = lots\n", 2, "[daemon] max_system_ram_per_node", "'lots'",
          "percentage of the node's DRAM" },
        { "[daemon]\nmax_system_ram_per_node = free\n", 2, "max_system_ram_per_node", "'free'" },
        { "[daemon]\nmax_system_ram_per_node = 10001%\n", 2, "max_system_ram_per_node", "'10001%'",
          "from 0% to 10000%" },
        { "[daemon]\nmax_system_ram_per_node = -5%\n", 2, "max_system_ram_per_node", "'-5%'" },
        { "[daemon]\nmax_system_ram_per_node =\n", 2, "max_system_ram_per_node", "''" },
        { "[daemon]\nmax_system_ram_per_node = 18446744073709551616\n", 2, "max_system_ram_per_node",
          "'18446744073709551616'", "size out of range" },
        { "[daemon]\nmax_system_ram_per_node = 1G\nauto_online_blocks = keep\nmax_system_ram_per_node = 2G\n", 4,
          "[daemon] duplicate key 'max_system_ram_per_node'", "'2G'", "first set at line 2" },
        { "[device a]\nmatch.device = dax0.0\nmode = fast\n", 3, "mode", "'fast'", "[device a]" },
        { "[device a]\nmatch.device = dax0.0\nmode = System-RAM\n", 3, "mode", "'System-RAM'" },
        { "[device a]\nmatch.device = dax0.0\nmode = devdax # later\n", 3, "mode", "'devdax # later'" },
        { "[device a]\nmatch.device = dax0.0\nmode =\n", 3, "mode", "''" },
        { "\n# comment\n[device a]\nmatch.device = dax0.0\nzone = normal\n", 3, "missing", "'mode'", "[device a]" },
        { "[device a]\nmode = devdax\nzone = normal\n", 1, "no match keys", "[device a]" },
        { HEAD "zone = fast\n", 4, "zone", "'fast'", "expected movable or normal" },
        { HEAD "memmap_on_memory = maybe\n", 4, "memmap_on_memory", "'maybe'" },
        { HEAD "memmap_on_memory = true\n", 4, "memmap_on_memory", "'true'" },
        { HEAD "scrub = full\n", 4, "scrub", "'full'", "expected ars, badblocks or none" },
        { HEAD "scrub = ARS\n", 4, "scrub", "'ARS'", "[device a]" },
        { HEAD "scrub =\n", 4, "scrub", "''" },
        { HEAD "on_poison = ignore\n", 4, "on_poison", "'ignore'", "expected refuse or skip-blocks" },
        { HEAD "on_poison = skip_blocks\n", 4, "on_poison", "'skip_blocks'" },
        { HEAD "on_runtime_poison = offline\n", 4, "on_runtime_poison", "'offline'",
          "expected offline-block or log" },
        { HEAD "on_runtime_poison = refuse\n", 4, "on_runtime_poison", "'refuse'" },
        { HEAD "scrub_unsupported = ignore\n", 4, "scrub_unsupported", "'ignore'", "expected refuse or proceed" },
        { HEAD "scrub_unsupported = yes\n", 4, "scrub_unsupported", "'yes'" },
        { HEAD "scrub_timeout = 10m\n", 4, "scrub_timeout", "'10m'", "units h, min, s or ms" },
        { HEAD "scrub_timeout =\n", 4, "scrub_timeout", "''", "units h, min, s or ms" },
        { HEAD "scrub_timeout = -5s\n", 4, "scrub_timeout", "'-5s'", "units h, min, s or ms" },
        { HEAD "scrub_timeout = 0\n", 4, "scrub_timeout", "'0'", "must be greater than 0" },
        { HEAD "scrub_timeout = 0s\n", 4, "scrub_timeout", "'0s'", "must be greater than 0" },
        { HEAD "scrub_timeout = 0h0min\n", 4, "scrub_timeout", "'0h0min'", "must be greater than 0" },
        { HEAD "scrub_timeout = abc\n", 4, "scrub_timeout", "'abc'", "units h, min, s or ms" },
        { HEAD "scrub_timeout = 30min1h\n", 4, "scrub_timeout", "'30min1h'", "largest first" },
        { HEAD "scrub_timeout = 1h 30min\n", 4, "scrub_timeout", "'1h 30min'" },
        { HEAD "scrub_timeout = 99999999999999999999h\n", 4, "scrub_timeout", "'99999999999999999999h'",
          "out of range" },
        { HEAD "scrub_timeout = 5124095577h\n", 4, "scrub_timeout", "'5124095577h'", "out of range" },
        { HEAD "scrub = ars\nscrub = none\n", 5, "duplicate key 'scrub'", "'none'", "first set at line 4" },
        { HEAD "scrub_timeout = 1h\nscrub_timeout = 2h\n", 5, "duplicate key 'scrub_timeout'", "'2h'",
          "first set at line 4" },
        { "[daemon]\nauto_online_blocks = online\n", 2, "auto_online_blocks", "'online'", "[daemon]" },
        { "[device a]\nmatch.source = nvme\nmode = devdax\n", 2, "match.source", "'nvme'" },
        { "[device a]\nmatch.source = unknown\nmode = devdax\n", 2, "match.source", "'unknown'" },
        { "[device a]\nmatch.source = PMEM\nmode = devdax\n", 2, "match.source", "'PMEM'" },
        { "[device a]\nmatch.uuid = 1234\nmode = devdax\n", 2, "match.uuid", "'1234'" },
        { "[device a]\nmatch.uuid = g2345678-1234-1234-1234-123456789abc\nmode = devdax\n", 2, "match.uuid",
          "'g2345678-1234-1234-1234-123456789abc'" },
        { "[device a]\nmatch.uuid = 123456781-234-1234-1234-123456789abc\nmode = devdax\n", 2, "match.uuid",
          "'123456781-234-1234-1234-123456789abc'" },
        { "[device a]\nmatch.uuid = {12345678-1234-1234-1234-123456789abc}\nmode = devdax\n", 2, "match.uuid",
          "'{12345678-1234-1234-1234-123456789abc}'" },
        { HEAD "match.region = -1\n", 4, "match.region", "'-1'" },
        { HEAD "match.region = abc\n", 4, "match.region", "'abc'" },
        { HEAD "match.region = 99999999999\n", 4, "match.region", "'99999999999'" },
        { HEAD "match.region = 2147483648\n", 4, "match.region", "'2147483648'" },
        { HEAD "match.region = 1x\n", 4, "match.region", "'1x'" },
        { HEAD "match.target_node = -1\n", 4, "match.target_node", "'-1'" },
        { HEAD "match.target_node =  1 x \n", 4, "match.target_node", "'1 x'" },
        { HEAD "target_node =\n", 4, "target_node", "''" },
        { HEAD "target_node = node1\n", 4, "target_node", "'node1'" },
        { HEAD "target_node = -1\n", 4, "target_node", "'-1'" },
        { HEAD "match.size_min = 1.5G\n", 4, "match.size_min", "'1.5G'" },
        { HEAD "match.size_max = G\n", 4, "match.size_max", "'G'" },
        { HEAD "match.size_min = -1\n", 4, "match.size_min", "'-1'" },
        { HEAD "match.size_min = 100000000000000T\n", 4, "match.size_min", "'100000000000000T'" },
        { HEAD "match.size_max = 18446744073709551616\n", 4, "match.size_max", "'18446744073709551616'" },
        { HEAD "match.size_max = 12Q\n", 4, "match.size_max", "'12Q'" },
        { HEAD "match.size_min =\n", 4, "match.size_min", "''" },
        { HEAD "match.size_min = 2 G\n", 4, "match.size_min", "'2 G'" },
        { "[device a]\nmatch.size_min = 2G\nmatch.size_max = 1G\nmode = devdax\n", 3, "match.size_min",
          "match.size_max", "'2G' is larger than match.size_max '1G'" },
        { "[device a]\nmatch.size_max = 1G\nmatch.size_min = 2G\nmode = devdax\n", 3, "match.size_min",
          "'2G'", "'1G'" },
        { "[device a]\nmatch.device =\nmode = devdax\n", 2, "match.device", "''" },
        { HEAD "\n[device a]\nmatch.device = dax1.0\nmode = devdax\n", 5, "[device a]",
          "duplicate rule name", "first defined at " },
        { HEAD "mode = devdax\n", 4, "duplicate key 'mode'", "'devdax'", "first set at line 3" },
        { HEAD "match.device = dax9.9\n", 4, "duplicate key 'match.device'", "'dax9.9'", "line 2" },
        { "[daemon]\nauto_online_blocks = keep\n" HEAD "[daemon]\nauto_online_blocks = offline\n", 7,
          "duplicate key 'auto_online_blocks'", "'offline'", "first set at line 2" },
        { "mode = devdax\n" HEAD, 1, "'mode'", "'devdax'", "outside" },
        { "[device]\nmatch.device = x\nmode = devdax\n", 1, "invalid section", "'[device]'" },
        { "[device a b]\nmatch.device = x\nmode = devdax\n", 1, "invalid section", "'[device a b]'" },
        { "[device a/b]\nmatch.device = x\nmode = devdax\n", 1, "invalid section", "'[device a/b]'" },
        { "[device  a]\nmatch.device = x\nmode = devdax\n", 1, "invalid section", "'[device  a]'" },
        { "[device\ta]\nmatch.device = x\nmode = devdax\n", 1, "invalid section", "'[device\ta]'" },
        { "[device a:b]\nmatch.device = x\nmode = devdax\n", 1, "invalid section", "'[device a:b]'" },
        { "[device abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG]\nmatch.device = x\nmode = devdax\n", 1,
          "too long", "[device abcdefghijklmnopqrstuvwxyz0123456789ABCDEF" },
        { "[device a\nmatch.device = x\nmode = devdax\n", 1, "syntax error", "'[device a'" },
        { "[device a ; b]\nmatch.device = x\nmode = devdax\n", 1, "syntax error", "'[device a ; b]'" },
        { HEAD "just some words\n", 4, "syntax error", "'just some words'" },
        { HEAD "zone = xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
               "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
               "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
          4, "line too long" },
        /* Text after a section header's ']' other than a comment. */
        { "[device r]junk here\nmatch.device = x\nmode = devdax\n", 1, "syntax error", "'[device r]junk here'",
          "after ']'" },
        { "[device r] = [device s]\nmatch.device = x\nmode = devdax\n", 1, "syntax error",
          "'[device r] = [device s]'", "after ']'" },
        { "[daemon]x\n", 1, "syntax error", "'[daemon]x'" },
        { "[region r]]\nmatch.region = 0\ncapacity = 1G\n", 1, "syntax error", "'[region r]]'" },
        { "[device r] [device s]\nmatch.device = x\nmode = devdax\n", 1, "syntax error",
          "'[device r] [device s]'" },
        /* Globs that fnmatch(3) would take literally or not at all. */
        { "[device a]\nmatch.device = dax[\nmode = devdax\n", 2, "[device a] match.device", "'dax['",
          "without its closing ']'" },
        { "[device a]\nmatch.device = dax[0-\nmode = devdax\n", 2, "match.device", "'dax[0-'", "']'" },
        { "[device a]\nmatch.device = [!]\nmode = devdax\n", 2, "match.device", "'[!]'", "']'" },
        { "[device a]\nmatch.device = dax0.0\\\nmode = devdax\n", 2, "match.device", "'dax0.0\\'",
          "backslash" },
        { "[device a]\nmatch.name = daxtierd-[\nmode = devdax\n", 2, "[device a] match.name", "'daxtierd-['",
          "']'" },
        /* Control bytes are echoed escaped, never raw. */
        { HEAD "zone = \x1b[31mred\n", 4, "zone", "'\\x1b[31mred'", "expected movable or normal" },
        { "[device a\x07]\nmatch.device = x\nmode = devdax\n", 1, "invalid section", "'[device a\\x07]'" },
        { HEAD "\x01\x02\x7f\n", 4, "syntax error", "'\\x01\\x02\\x7f'" },
        { HEAD "target_node = 1\r2\n", 4, "target_node", "'1\\x0d2'" },
};

START_TEST(test_invalid) {
        const struct invalid_case *c = &invalid_cases[_i];
        struct policy *sentinel = (struct policy *) &errs, *p = sentinel;
        int r;

        write_file("main.conf", c->text);
        r = config_load(main_path(), false, dropin_dir(), &p, &errs);
        ck_assert_msg(p == sentinel, "*ret changed on failure");

        ck_assert_int_eq(r, -EINVAL);
        if (errs.n != 1)
                dump_errors();
        ck_assert_uint_eq(errs.n, 1);
        expect_error(0, main_path(), c->line, c->key, c->value, c->also);
}
END_TEST

START_TEST(test_exact_messages) {
        const char *mp;
        char *want;

        ck_assert_int_eq(load_main("[device optane]\nmatch.source = pmem\nmode = system-ram\nzone = fast\n"
                                   "[daemon]\nbogus = 1\n"),
                         -EINVAL);
        mp = main_path();
        ck_assert_uint_eq(errs.n, 2);
        ck_assert_int_ge(asprintf(&want, "%s:4: [device optane] zone: invalid value 'fast' (expected movable or normal)",
                                  mp),
                         0);
        ck_assert_str_eq(errs.msgs[0], want);
        free(want);
        ck_assert_int_ge(asprintf(&want, "%s:6: unknown key 'bogus' in [daemon]", mp), 0);
        ck_assert_str_eq(errs.msgs[1], want);
        free(want);
}
END_TEST

START_TEST(test_exact_messages_poison) {
        static const struct {
                const char *line, *msg;
        } cases[] = {
                { "scrub = full", "[device a] scrub: invalid value 'full' (expected ars, badblocks or none)" },
                { "scrub_timeout = 10m",
                  "[device a] scrub_timeout: invalid value '10m' (expected a duration with units h, min, s or ms, "
                  "largest first, e.g. 90s, 10min or 1h30min)" },
                { "scrub_timeout = 0", "[device a] scrub_timeout: invalid value '0' (must be greater than 0)" },
                { "scrub_timeout = 18446744073710s",
                  "[device a] scrub_timeout: invalid value '18446744073710s' (duration out of range)" },
                { "on_poison = x", "[device a] on_poison: invalid value 'x' (expected refuse or skip-blocks)" },
                { "on_runtime_poison = x",
                  "[device a] on_runtime_poison: invalid value 'x' (expected offline-block or log)" },
                { "scrub_unsupported = x",
                  "[device a] scrub_unsupported: invalid value 'x' (expected refuse or proceed)" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *text, *want;

                ck_assert_int_ge(asprintf(&text, HEAD "%s\n", cases[i].line), 0);
                ck_assert_int_eq(load_main(text), -EINVAL);
                free(text);
                ck_assert_uint_eq(errs.n, 1);
                ck_assert_int_ge(asprintf(&want, "%s:4: %s", main_path(), cases[i].msg), 0);
                ck_assert_str_eq(errs.msgs[0], want);
                free(want);
                config_errors_clear(&errs);
        }
}
END_TEST

START_TEST(test_duplicate_rule_across_dropin) {
        const char *dropin;
        char *want;

        dropin = write_file("conf.d/10-x.conf",
                            "# drop-in\n\n[device other]\nmatch.device = x\nmode = devdax\n\n[device optane]\n"
                            "match.device = dax1.*\nmode = devdax\n");
        ck_assert_int_eq(load_main("# main\n; file\n\n[daemon]\n\n\n[device optane]\nmatch.source = pmem\n"
                                   "mode = system-ram\n"),
                         -EINVAL);
        ck_assert_uint_eq(errs.n, 1);
        ck_assert_int_ge(asprintf(&want, "%s:7: [device optane]: duplicate rule name, first defined at %s:7",
                                  dropin, main_path()),
                         0);
        ck_assert_str_eq(errs.msgs[0], want);
        free(want);
}
END_TEST

START_TEST(test_duplicate_rule_between_dropins) {
        const char *a, *b;

        a = write_file("conf.d/10-a.conf", "[device x]\nmatch.device = x\nmode = devdax\n");
        b = write_file("conf.d/20-b.conf", "\n[device x]\nmatch.device = y\nmode = devdax\n");
        ck_assert_int_eq(load_main("\n"), -EINVAL);
        ck_assert_uint_eq(errs.n, 1);
        expect_error(0, b, 2, "[device x]", "duplicate rule name", a);
}
END_TEST

START_TEST(test_error_in_dropin) {
        const char *d;

        d = write_file("conf.d/50-site.conf", "[device a]\nmatch.device = x\nmode = sometimes\n");
        ck_assert_int_eq(load_main(HEAD "\n[device b]\nmatch.device = y\nmode = devdax\n"), -EINVAL);
        ck_assert_uint_eq(errs.n, 2);
        expect_error(0, d, 1, "[device a]", "duplicate rule name", main_path());
        expect_error(1, d, 3, "mode", "'sometimes'", NULL);
}
END_TEST

START_TEST(test_many_errors_collected) {
        const char *d;
        int r;

        d = write_file("conf.d/20-x.conf", "[daemon]\nauto_online_blocks = on\n[bad\nnonsense\n");
        write_file("conf.d/30-y.conf", "[device ok]\nmatch.device = x\nmode = devdax\n");
        r = load_main("key = value\n"
                      "[device a]\n"
                      "zone = fast\n"
                      "bogus = 1\n"
                      "oops\n"
                      "[device b]\n"
                      "match.region = -1\n"
                      "match.size_min = 1.5G\n"
                      "mode = devdax\n"
                      "mode = system-ram\n"
                      "[nope]\n"
                      "whatever = 1\n"
                      "[daemon]\n"
                      "auto_online_blocks = sometimes\n");
        ck_assert_int_eq(r, -EINVAL);
        if (errs.n != 14)
                dump_errors();
        ck_assert_uint_eq(errs.n, 14);
        /* In file order, and by line within a file. */
        expect_error(0, main_path(), 1, "'key'", "outside", NULL);
        expect_error(1, main_path(), 2, "[device a]", "no match keys", NULL);
        expect_error(2, main_path(), 2, "[device a]", "'mode'", "missing");
        expect_error(3, main_path(), 3, "zone", "'fast'", NULL);
        expect_error(4, main_path(), 4, "'bogus'", "[device a]", NULL);
        expect_error(5, main_path(), 5, "syntax error", "'oops'", NULL);
        expect_error(6, main_path(), 7, "match.region", "'-1'", NULL);
        expect_error(7, main_path(), 8, "match.size_min", "'1.5G'", NULL);
        expect_error(8, main_path(), 10, "duplicate key 'mode'", "'system-ram'", NULL);
        expect_error(9, main_path(), 11, "unknown section", "'[nope]'", NULL);
        expect_error(10, main_path(), 14, "auto_online_blocks", "'sometimes'", NULL);
        expect_error(11, d, 2, "auto_online_blocks", "'on'", NULL);
        expect_error(12, d, 3, "syntax error", "'[bad'", NULL);
        expect_error(13, d, 4, "syntax error", "'nonsense'", NULL);
}
END_TEST

START_TEST(test_missing_main_file) {
        struct policy *sentinel = (struct policy *) &errs, *p = sentinel;
        char *want;

        ck_assert_int_eq(config_load(path_of("missing.conf"), false, dropin_dir(), &p, &errs), -EINVAL);
        ck_assert(p == sentinel);
        ck_assert_uint_eq(errs.n, 1);
        ck_assert_int_ge(asprintf(&want, "%s: cannot open: %s", path_of("missing.conf"), strerror(ENOENT)), 0);
        ck_assert_str_eq(errs.msgs[0], want);
        free(want);
}
END_TEST

START_TEST(test_missing_main_file_and_dropin_errors) {
        const char *d;

        /* The drop-ins are still read, so that all problems show at once. */
        d = write_file("conf.d/10-a.conf", "[device a]\nmatch.device = x\n");
        ck_assert_int_eq(config_load(path_of("missing.conf"), false, dropin_dir(), &pol, &errs), -EINVAL);
        ck_assert_uint_eq(errs.n, 2);
        ck_assert_ptr_nonnull(strstr(errs.msgs[0], "missing.conf: cannot open: "));
        expect_error(1, d, 1, "missing", "'mode'", NULL);
}
END_TEST

START_TEST(test_unreadable_paths) {
        char *want;

        /* A directory where a file is expected, and a drop-in "file" that is a directory. */
        ck_assert_int_eq(mkdir(path_of("main.conf"), 0755), 0);
        ck_assert_int_eq(mkdir(dropin_dir(), 0755), 0);
        ck_assert_int_eq(mkdir(path_of("conf.d/10-dir.conf"), 0755), 0);
        ck_assert_int_eq(config_load(main_path(), true, dropin_dir(), &pol, &errs), -EINVAL);
        ck_assert_uint_eq(errs.n, 2);
        ck_assert_int_ge(asprintf(&want, "%s: cannot open: %s", main_path(), strerror(EISDIR)), 0);
        ck_assert_str_eq(errs.msgs[0], want);
        free(want);
        ck_assert_int_ge(asprintf(&want, "%s: cannot open: %s", path_of("conf.d/10-dir.conf"), strerror(EISDIR)), 0);
        ck_assert_str_eq(errs.msgs[1], want);
        free(want);
}
END_TEST

START_TEST(test_errors_append) {
        /* Earlier messages in errs are kept; a good load adds none. */
        ck_assert_int_eq(load_main("[foo]\n"), -EINVAL);
        ck_assert_uint_eq(errs.n, 1);
        ck_assert_int_eq(load_main("[bar]\n"), -EINVAL);
        ck_assert_uint_eq(errs.n, 2);
        ck_assert_ptr_nonnull(strstr(errs.msgs[0], "'[foo]'"));
        ck_assert_ptr_nonnull(strstr(errs.msgs[1], "'[bar]'"));
        ck_assert_int_eq(load_main(HEAD), 0);
        ck_assert_uint_eq(errs.n, 2);
}
END_TEST

START_TEST(test_no_errs_collector) {
        ck_assert_int_eq(config_load(path_of("missing.conf"), false, NULL, &pol, NULL), -EINVAL);
        ck_assert_ptr_null(pol);
        write_file("main.conf", "[foo]\n");
        ck_assert_int_eq(config_load(main_path(), false, NULL, &pol, NULL), -EINVAL);
        ck_assert_ptr_null(pol);
}
END_TEST

/* ---- hostile input: what is not a config file, or not text ----------- */

static const char *write_bytes(const char *rel, const char *data, size_t len) {
        const char *p = path_of(rel);
        FILE *f = fopen(p, "we");

        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(data, 1, len, f), len);
        ck_assert_int_eq(fclose(f), 0);
        return p;
}

START_TEST(test_fifo_main) {
        char *want;

        /* Opened blocking, a FIFO without a writer hangs the loader (and a reload, the daemon). */
        ck_assert_int_eq(mkfifo(main_path(), 0600), 0);
        ck_assert_int_eq(config_load(main_path(), false, dropin_dir(), &pol, &errs), -EINVAL);
        ck_assert_uint_eq(errs.n, 1);
        ck_assert_int_ge(asprintf(&want, "%s: not a regular file", main_path()), 0);
        ck_assert_str_eq(errs.msgs[0], want);
        free(want);
}
END_TEST

START_TEST(test_fifo_dropin) {
        const char *fifo = path_of("conf.d/10-fifo.conf");
        char *want;

        ck_assert_int_eq(mkdir(dropin_dir(), 0755), 0);
        ck_assert_int_eq(mkfifo(fifo, 0600), 0);
        write_file("conf.d/20-ok.conf", "[device b]\nmatch.device = y\nmode = devdax\n");
        ck_assert_int_eq(load_main(HEAD), -EINVAL);
        ck_assert_uint_eq(errs.n, 1);
        ck_assert_int_ge(asprintf(&want, "%s: not a regular file", fifo), 0);
        ck_assert_str_eq(errs.msgs[0], want);
        free(want);
}
END_TEST

START_TEST(test_dev_zero) {
        /* Read as a file, /dev/zero is ~1 GiB of NULs until getline() fails. */
        ck_assert_int_eq(config_load("/dev/zero", false, NULL, &pol, &errs), -EINVAL);
        ck_assert_uint_eq(errs.n, 1);
        ck_assert_str_eq(errs.msgs[0], "/dev/zero: not a regular file");
}
END_TEST

/* The loader's cap on the size of one file. */
#define FILE_SIZE_MAX (1024 * 1024)

/* A file of n bytes of comment lines. */
static void write_comments(const char *rel, size_t n) {
        char *buf = malloc(n);

        ck_assert_ptr_nonnull(buf);
        memset(buf, '#', n);
        for (size_t i = 99; i < n; i += 100)
                buf[i] = '\n';
        if (n > 0)
                buf[n - 1] = '\n';
        write_bytes(rel, buf, n);
        free(buf);
}

START_TEST(test_size_cap) {
        char *want;

        write_comments("main.conf", FILE_SIZE_MAX);
        expect_ok(config_load(main_path(), false, dropin_dir(), &pol, &errs));
        policy_free(pol);
        pol = NULL;

        write_comments("main.conf", FILE_SIZE_MAX + 1);
        ck_assert_int_eq(config_load(main_path(), false, dropin_dir(), &pol, &errs), -EINVAL);
        ck_assert_uint_eq(errs.n, 1);
        ck_assert_int_ge(asprintf(&want, "%s: too large (more than 1 MiB)", main_path()), 0);
        ck_assert_str_eq(errs.msgs[0], want);
        free(want);
}
END_TEST

START_TEST(test_nul_byte) {
        static const char text[] = "[device a]\nmatch.device = dax0.0\nmode = devdax\nzone = nor\0mal\n# c\0mment\n";
        const char *d;

        write_bytes("main.conf", text, sizeof(text) - 1);
        ck_assert_int_eq(config_load(main_path(), false, dropin_dir(), &pol, &errs), -EINVAL);
        ck_assert_uint_eq(errs.n, 2);
        expect_error(0, main_path(), 4, "NUL byte", NULL, NULL);
        expect_error(1, main_path(), 5, "NUL byte", NULL, NULL);

        /* In a drop-in, and on a line of its own. */
        config_errors_clear(&errs);
        ck_assert_int_eq(mkdir(dropin_dir(), 0755), 0);
        d = write_bytes("conf.d/10-x.conf", "\n\0\n", 3);
        ck_assert_int_eq(load_main(HEAD), -EINVAL);
        ck_assert_uint_eq(errs.n, 1);
        expect_error(0, d, 2, "NUL byte", NULL, NULL);
}
END_TEST

START_TEST(test_read_error) {
        /* A regular file whose read fails: an error, not an empty file. */
        if (access("/proc/self/clear_refs", R_OK) != 0)
                return;
        ck_assert_int_eq(config_load("/proc/self/clear_refs", false, NULL, &pol, &errs), -EINVAL);
        ck_assert_uint_eq(errs.n, 1);
        ck_assert_ptr_nonnull(strstr(errs.msgs[0], "/proc/self/clear_refs: cannot read: "));
}
END_TEST

START_TEST(test_valid_globs) {
        static const char *const globs[] = {
                "dax0.*", "dax[0-9].[!1]", "dax[^0]*", "dax[]]", "dax[!]]", "dax[[:digit:]].0", "dax\\[", "dax?.?",
                "[a\\]]",
        };

        for (size_t i = 0; i < ELEMENTSOF(globs); i++) {
                char *text;

                ck_assert_ptr_null(glob_invalid(globs[i]));
                ck_assert_int_ge(asprintf(&text, "[device a]\nmatch.device = %s\nmatch.name = %s\nmode = devdax\n",
                                          globs[i], globs[i]), 0);
                expect_ok(load_main(text));
                free(text);
                ck_assert_str_eq(pol->rules[0].match_device, globs[i]);
                policy_free(pol);
                pol = NULL;
        }
        ck_assert_ptr_nonnull(glob_invalid("dax[[:digit:]"));
        ck_assert_ptr_nonnull(glob_invalid("dax[[:digit]]"));
}
END_TEST

START_TEST(test_control_bytes_escaped) {
        const char *d;

        /* Escape sequences that would retitle or clear a terminal, and a C1 byte and a ^A. */
        d = write_file("conf.d/10-x.conf", "[device \x1b]0;title\x07]\n"
                                           "[device c]\nmatch.device = \x1b[2J\nmode = \x9b\x01\n"
                                           "\x1b[1mbold\n");
        ck_assert_int_eq(load_main(HEAD), -EINVAL);
        if (errs.n != 4)
                dump_errors();
        ck_assert_uint_eq(errs.n, 4);
        for (size_t i = 0; i < errs.n; i++)
                for (const char *c = errs.msgs[i]; *c; c++)
                        ck_assert_msg((unsigned char) *c >= 0x20 && *c != 0x7f, "raw control byte in '%s'",
                                      errs.msgs[i]);
        expect_error(0, d, 1, "syntax error", "'[device \\x1b]0;title\\x07]'", NULL);
        expect_error(1, d, 3, "match.device", "'\\x1b[2J'", NULL);
        expect_error(2, d, 4, "mode", "'\x9b\\x01'", NULL);
        expect_error(3, d, 5, "syntax error", "'\\x1b[1mbold'", NULL);
}
END_TEST

/* The dump of p, written to DIR/rel. */
static const char *dump_to(const struct policy *p, const char *rel) {
        char *dumped = NULL;
        size_t len = 0;
        const char *path;
        FILE *f = open_memstream(&dumped, &len);

        ck_assert_ptr_nonnull(f);
        policy_dump(p, f);
        ck_assert_int_eq(fclose(f), 0);
        path = write_file(rel, dumped);
        free(dumped);
        return path;
}

START_TEST(test_dump_odd_file_names) {
        char name[256], *rel;
        struct policy *again = NULL;

        /* A drop-in whose name holds a newline, and one whose path is longer than a line. */
        write_file("conf.d/10-a\nb.conf", "[device a]\nmatch.device = x\nmode = devdax\n");
        memset(name, 'n', sizeof(name));
        memcpy(name + 200, ".conf", 6);
        ck_assert_int_ge(asprintf(&rel, "conf.d/20-%s", name), 0);
        write_file(rel, "[device b]\nmatch.device = y\nmode = devdax\n");
        free(rel);
        expect_ok(load_main(""));
        ck_assert_uint_eq(pol->n_rules, 2);

        if (config_load(dump_to(pol, "dump.conf"), false, NULL, &again, &errs) != 0)
                dump_errors();
        ck_assert_uint_eq(errs.n, 0);
        ck_assert_uint_eq(again->n_rules, 2);
        policy_free(again);
}
END_TEST

START_TEST(test_dump_long_glob_round_trip) {
        /* "match.device=" and 185 characters: 198, the longest line inih takes. */
        char glob[186], *text, *dumped = NULL;
        struct policy *again = NULL;
        size_t len = 0;
        FILE *f;

        memset(glob, 'x', sizeof(glob) - 1);
        memcpy(glob, "dax", 3);
        glob[sizeof(glob) - 2] = '*';
        glob[sizeof(glob) - 1] = '\0';
        ck_assert_int_ge(asprintf(&text, "[device a]\nmatch.device=%s\nmode = devdax\n", glob), 0);
        expect_ok(load_main(text));
        free(text);

        f = open_memstream(&dumped, &len);
        ck_assert_ptr_nonnull(f);
        policy_dump(pol, f);
        ck_assert_int_eq(fclose(f), 0);
        write_file("dump.conf", dumped);
        free(dumped);

        if (config_load(path_of("dump.conf"), false, NULL, &again, &errs) != 0)
                dump_errors();
        ck_assert_uint_eq(errs.n, 0);
        ck_assert_ptr_nonnull(again);
        ck_assert_str_eq(again->rules[0].match_device, glob);
        policy_free(again);
}
END_TEST

/* ---- scale: many errors and many rules stay linear -------------------- */

START_TEST(test_many_syntax_errors) {
        size_t n = 8000, len = 0;
        char *text = NULL;
        FILE *f = open_memstream(&text, &len);

        ck_assert_ptr_nonnull(f);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "oops %zu\n", i);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_int_eq(load_main(text), -EINVAL);
        free(text);
        ck_assert_uint_eq(errs.n, n);
        expect_error(0, main_path(), 1, "syntax error", "'oops 0'", NULL);
        expect_error(n - 1, main_path(), (unsigned) n, "syntax error", "'oops 7999'", NULL);
}
END_TEST

/* n rules r<first>... in conf.d/<rel>, 3 lines each; returns the path. */
static const char *write_rules(const char *rel, size_t first, size_t n) {
        size_t len = 0;
        char *text = NULL;
        const char *p;
        FILE *f = open_memstream(&text, &len);

        ck_assert_ptr_nonnull(f);
        for (size_t i = first; i < first + n; i++)
                fprintf(f, "[device r%zu]\nmatch.device=dax%zu\nmode=devdax\n", i, i);
        ck_assert_int_eq(fclose(f), 0);
        p = write_file(rel, text);
        free(text);
        return p;
}

START_TEST(test_many_rules) {
        const char *last;

        /* 40000 rules in four files, each under the 1 MiB cap. */
        write_rules("main.conf", 0, 10000);
        write_rules("conf.d/10-a.conf", 10000, 10000);
        write_rules("conf.d/20-b.conf", 20000, 10000);
        write_rules("conf.d/30-c.conf", 30000, 10000);
        expect_ok(config_load(main_path(), false, dropin_dir(), &pol, &errs));
        ck_assert_uint_eq(pol->n_rules, 40000);
        ck_assert_str_eq(pol->rules[39999].name, "r39999");
        policy_free(pol);
        pol = NULL;

        /* One duplicate at the end: found, and named with its first definition. */
        last = write_file("conf.d/40-dup.conf", "\n[device r17]\nmatch.device = x\nmode = devdax\n");
        ck_assert_int_eq(config_load(main_path(), false, dropin_dir(), &pol, &errs), -EINVAL);
        ck_assert_uint_eq(errs.n, 1);
        expect_error(0, last, 2, "[device r17]", "duplicate rule name", ":52");
}
END_TEST

static Suite *policy_suite(void) {
        Suite *s = suite_create("policy");
        TCase *tc;

        tc = tcase_create("parse_size");
        tcase_add_loop_test(tc, test_parse_size_good, 0, ELEMENTSOF(good_sizes));
        tcase_add_loop_test(tc, test_parse_size_bad, 0, ELEMENTSOF(bad_sizes));
        tcase_add_test(tc, test_to_string);
        suite_add_tcase(s, tc);

        tc = tcase_create("duration");
        tcase_add_loop_test(tc, test_parse_duration_good, 0, ELEMENTSOF(good_durations));
        tcase_add_loop_test(tc, test_parse_duration_bad, 0, ELEMENTSOF(bad_durations));
        tcase_add_loop_test(tc, test_format_duration, 0, ELEMENTSOF(formatted_durations));
        tcase_add_test(tc, test_format_duration_round_trip);
        tcase_add_test(tc, test_format_duration_small_buffer);
        suite_add_tcase(s, tc);

        tc = tcase_create("valid");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_minimal_rule_defaults);
        tcase_add_test(tc, test_poison_keys);
        tcase_add_test(tc, test_empty_and_comment_only);
        tcase_add_test(tc, test_all_keys);
        tcase_add_test(tc, test_online_at_bind);
        tcase_add_test(tc, test_each_enum_value);
        tcase_add_test(tc, test_size_suffixes_in_rules);
        tcase_add_test(tc, test_syntax_accepted_ok);
        tcase_add_test(tc, test_longest_rule_name);
        tcase_add_test(tc, test_dropin_order);
        tcase_add_test(tc, test_daemon_override);
        tcase_add_test(tc, test_daemon_twice_in_one_file);
        tcase_add_test(tc, test_missing_files_optional);
        tcase_add_test(tc, test_example_config);
        suite_add_tcase(s, tc);

        tc = tcase_create("dump");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_dump_round_trip);
        tcase_add_test(tc, test_dump_empty);
        suite_add_tcase(s, tc);

        tc = tcase_create("match");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_match_first_wins);
        tcase_add_test(tc, test_match_none);
        tcase_add_test(tc, test_match_all_keys_together);
        tcase_add_test(tc, test_match_device_glob);
        tcase_add_test(tc, test_match_source);
        tcase_add_test(tc, test_match_uuid);
        tcase_add_test(tc, test_match_region_and_node);
        tcase_add_test(tc, test_match_size_bounds);
        suite_add_tcase(s, tc);

        tc = tcase_create("regions");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_match_name);
        tcase_add_test(tc, test_region_rules);
        tcase_add_test(tc, test_region_capacity_values);
        tcase_add_test(tc, test_ram_cap);
        tcase_add_test(tc, test_tiering_and_metrics_keys);
        tcase_add_test(tc, test_match_region_rules);
        tcase_add_test(tc, test_match_cxl);
        tcase_add_test(tc, test_region_dump_round_trip);
        tcase_add_test(tc, test_amount_to_string);
        tcase_add_test(tc, test_exact_region_messages);
        tcase_add_test(tc, test_duplicate_region_across_dropin);
        suite_add_tcase(s, tc);

        tc = tcase_create("invalid");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_loop_test(tc, test_invalid, 0, ELEMENTSOF(invalid_cases));
        tcase_add_test(tc, test_exact_messages);
        tcase_add_test(tc, test_exact_messages_poison);
        tcase_add_test(tc, test_duplicate_rule_across_dropin);
        tcase_add_test(tc, test_duplicate_rule_between_dropins);
        tcase_add_test(tc, test_error_in_dropin);
        tcase_add_test(tc, test_many_errors_collected);
        tcase_add_test(tc, test_missing_main_file);
        tcase_add_test(tc, test_missing_main_file_and_dropin_errors);
        tcase_add_test(tc, test_unreadable_paths);
        tcase_add_test(tc, test_errors_append);
        tcase_add_test(tc, test_no_errs_collector);
        tcase_add_test(tc, test_fifo_main);
        tcase_add_test(tc, test_fifo_dropin);
        tcase_add_test(tc, test_dev_zero);
        tcase_add_test(tc, test_size_cap);
        tcase_add_test(tc, test_nul_byte);
        tcase_add_test(tc, test_read_error);
        tcase_add_test(tc, test_control_bytes_escaped);
        tcase_add_test(tc, test_valid_globs);
        tcase_add_test(tc, test_dump_long_glob_round_trip);
        tcase_add_test(tc, test_dump_odd_file_names);
        suite_add_tcase(s, tc);

        /* No timing is asserted, only a bound that a quadratic loader
         * misses by far (the default is 4 s); sanitizers and valgrind get room. */
        tc = tcase_create("scale");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_many_syntax_errors);
        tcase_add_test(tc, test_many_rules);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(policy_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);

        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
