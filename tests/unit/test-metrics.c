/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-metrics: unit tests for metrics.c and metrics-file.c: the
 * exposition text of a fixed device table against a golden file
 * (tests/unit/metrics.golden, which `promtool check metrics` also
 * checks), escaping of label values, one state series per steady state,
 * and the atomic textfile writer.
 */

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "metrics-file.h"
#include "metrics.h"
#include "util.h"

#ifndef TEST_SRCDIR
#define TEST_SRCDIR "."
#endif
#define GOLDEN TEST_SRCDIR "/metrics.golden"

static char *slurp(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        struct strbuf b = {};
        char buf[4096];
        size_t n;

        if (!f)
                return NULL;
        while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
                strbuf_appendf(&b, "%.*s", (int) n, buf);
        return strbuf_steal(&b);
}

/* The fixed table: one device online, one refused, one mid-job, one
 * whose rule name needs escaping. */
static void table(struct metrics_device *d, struct metrics_node *n, struct metrics_snapshot *s) {
        d[0] = (struct metrics_device) {
                .name = "dax0.0", .source = "pmem", .rule = "optane-ram", .mode = "system-ram",
                .state = DEV_ONLINE, .size = UINT64_C(2147483648), .online_blocks = 15, .total_blocks = 15,
                .badblocks = 0, .cleared_bytes = 4096,
        };
        d[0].transitions[DEV_CHECKING] = 1;
        d[0].transitions[DEV_BINDING] = 1;
        d[0].transitions[DEV_ONLINING] = 1;
        d[0].transitions[DEV_ONLINE] = 1;
        d[1] = (struct metrics_device) {
                .name = "dax1.0", .source = "cxl", .rule = "cxl-ram", .mode = "system-ram",
                .state = DEV_REFUSED, .size = UINT64_C(268435456), .online_blocks = 0, .total_blocks = 2,
                .badblocks = 3,
        };
        d[1].transitions[DEV_CHECKING] = 2;
        d[1].transitions[DEV_REFUSED] = 2;
        d[2] = (struct metrics_device) {
                .name = "dax2.0", .source = "hmem", .rule = "", .mode = "ignore",
                .state = DEV_ONLINING, .size = 1073741824, .online_blocks = 3, .total_blocks = 8,
        };
        d[3] = (struct metrics_device) {
                .name = "dax3.0", .source = "unknown", .rule = "say \"hi\"\\now\nplease", .mode = "devdax",
                .state = DEV_DEVDAX, .size = 0,
        };
        n[0] = (struct metrics_node) { .node = 0, .dax_bytes = 0, .tier = 4, .has_demoted = true,
                                       .demoted = 1234, .has_promoted = true, .promoted = 0 };
        n[1] = (struct metrics_node) { .node = 1, .dax_bytes = UINT64_C(2147483648), .tier = 22,
                                       .has_demoted = true, .demoted = 0, .has_promoted = true, .promoted = 17 };
        n[2] = (struct metrics_node) { .node = 2, .dax_bytes = 1073741824, .tier = -1 };
        *s = (struct metrics_snapshot) {
                .devices = d, .n_devices = 4, .nodes = n, .n_nodes = 3,
                .reloads_ok = 3, .reloads_invalid = 1,
                .last_reload_success_usec = UINT64_C(1796281200123456),
        };
}

START_TEST(test_golden) {
        struct metrics_device d[4];
        struct metrics_node n[3];
        struct metrics_snapshot s;
        _cleanup_free_ char *text = NULL, *golden = NULL;

        table(d, n, &s);
        text = metrics_format(&s);
        ck_assert_ptr_nonnull(text);
        if (getenv("DAXTIER_UPDATE_GOLDEN")) {
                FILE *f = fopen(GOLDEN, "we");
                ck_assert_ptr_nonnull(f);
                fputs(text, f);
                fclose(f);
        }
        golden = slurp(GOLDEN);
        ck_assert_msg(golden, "cannot read %s", GOLDEN);
        if (!streq(text, golden)) {
                /* Show the first line that differs. */
                const char *a = text, *b = golden;
                while (*a && *a == *b)
                        a++, b++;
                while (a > text && a[-1] != '\n')
                        a--, b--;
                ck_abort_msg("differs from %s at:\n got: %.120s\nwant: %.120s", GOLDEN, a, b);
        }
}
END_TEST

static size_t count(const char *haystack, const char *needle) {
        size_t c = 0;
        for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
                c++;
        return c;
}

START_TEST(test_escape) {
        struct strbuf b = {};

        metrics_escape_label(&b, "plain-name_1.0");
        ck_assert_str_eq(strbuf_str(&b), "plain-name_1.0");
        strbuf_free(&b);

        metrics_escape_label(&b, "a\\b\"c\nd");
        ck_assert_str_eq(strbuf_str(&b), "a\\\\b\\\"c\\nd");
        strbuf_free(&b);

        /* Only those three: a tab, a quote-less brace and UTF-8 stay. */
        metrics_escape_label(&b, "t\tx{y}=\xc3\xa9");
        ck_assert_str_eq(strbuf_str(&b), "t\tx{y}=\xc3\xa9");
        strbuf_free(&b);

        metrics_escape_label(&b, "");
        ck_assert_str_eq(strbuf_str(&b), "");
        metrics_escape_label(&b, NULL);
        ck_assert_str_eq(strbuf_str(&b), "");
        strbuf_free(&b);

        metrics_escape_label(&b, "\\\\\n\n\"");
        ck_assert_str_eq(strbuf_str(&b), "\\\\\\\\\\n\\n\\\"");
        strbuf_free(&b);
}
END_TEST

START_TEST(test_escaped_in_text) {
        struct metrics_device d = {
                .name = "dax\"0\n0", .source = "pmem", .rule = "r\\1", .mode = "system-ram", .state = DEV_FAILED,
        };
        struct metrics_snapshot s = { .devices = &d, .n_devices = 1 };
        _cleanup_free_ char *text = metrics_format(&s);

        ck_assert_ptr_nonnull(text);
        ck_assert(strstr(text, "daxtierd_device_info{device=\"dax\\\"0\\n0\",source=\"pmem\",rule=\"r\\\\1\","
                               "mode=\"system-ram\"} 1\n"));
        ck_assert(strstr(text, "daxtierd_device_state{device=\"dax\\\"0\\n0\",state=\"failed\"} 1\n"));
        /* No raw newline inside any series line: every line is a comment
         * or starts with a metric name. */
        for (const char *line = text; *line;) {
                ck_assert_msg(line[0] == '#' || startswith(line, "daxtierd_"), "stray line: %.60s", line);
                const char *nl = strchr(line, '\n');
                ck_assert_ptr_nonnull(nl);
                line = nl + 1;
        }
}
END_TEST

START_TEST(test_state_series) {
        struct metrics_device d[2] = {
                { .name = "a", .source = "pmem", .rule = "r", .mode = "system-ram", .state = DEV_OFFLINING },
                { .name = "b", .source = "pmem", .rule = "r", .mode = "system-ram", .state = DEV_UNMANAGED },
        };
        struct metrics_snapshot s = { .devices = d, .n_devices = 2 };
        _cleanup_free_ char *text = metrics_format(&s);
        size_t steady = 0;

        for (int i = 0; i < _DEV_STATE_MAX; i++)
                steady += dev_state_is_steady((enum dev_state) i);
        ck_assert_uint_eq(steady, 5);
        /* One series per steady state and device, transient states none. */
        ck_assert_uint_eq(count(text, "daxtierd_device_state{device=\"a\""), steady);
        ck_assert_uint_eq(count(text, "daxtierd_device_state{device=\"b\""), steady);
        ck_assert_uint_eq(count(text, "daxtierd_device_state{device=\"a\",state=\"offlining\""), 0);
        /* a is mid-job: all 0; b is unmanaged. */
        ck_assert_uint_eq(count(text, "daxtierd_device_state{device=\"a\",state=\"") , 5);
        ck_assert(!strstr(text, "daxtierd_device_state{device=\"a\",state=\"unmanaged\"} 1"));
        ck_assert(strstr(text, "daxtierd_device_state{device=\"b\",state=\"unmanaged\"} 1\n"));
        ck_assert(strstr(text, "daxtierd_device_state{device=\"b\",state=\"online\"} 0\n"));
        for (const char *st = "unmanaged\0devdax\0online\0refused\0failed\0"; *st; st += strlen(st) + 1) {
                char want[96];
                snprintf(want, sizeof(want), "daxtierd_device_state{device=\"a\",state=\"%s\"} 0\n", st);
                ck_assert_msg(strstr(text, want), "missing %s", want);
        }
}
END_TEST

START_TEST(test_empty) {
        struct metrics_snapshot s = {};
        _cleanup_free_ char *text = metrics_format(&s);
        static const char *const families[] = {
                "daxtierd_device_info", "daxtierd_device_state", "daxtierd_device_size_bytes",
                "daxtierd_device_online_blocks", "daxtierd_device_total_blocks", "daxtierd_device_badblocks",
                "daxtierd_device_cleared_bytes_total", "daxtierd_transitions_total", "daxtierd_node_dax_bytes",
                "daxtierd_node_tier", "daxtierd_node_demoted_pages_total", "daxtierd_node_promoted_pages_total",
                "daxtierd_config_reloads_total", "daxtierd_last_reload_success_timestamp_seconds",
        };

        ck_assert_ptr_nonnull(text);
        for (size_t i = 0; i < ELEMENTSOF(families); i++) {
                char help[128], type[128];
                snprintf(help, sizeof(help), "# HELP %s ", families[i]);
                snprintf(type, sizeof(type), "# TYPE %s ", families[i]);
                ck_assert_msg(count(text, help) == 1, "HELP of %s", families[i]);
                ck_assert_msg(count(text, type) == 1, "TYPE of %s", families[i]);
        }
        ck_assert_uint_eq(count(text, "# TYPE "), ELEMENTSOF(families));
        /* Both reload results are always there, so that rate() works from 0. */
        ck_assert(strstr(text, "daxtierd_config_reloads_total{result=\"ok\"} 0\n"));
        ck_assert(strstr(text, "daxtierd_config_reloads_total{result=\"invalid\"} 0\n"));
        ck_assert(strstr(text, "daxtierd_last_reload_success_timestamp_seconds 0.000\n"));
        ck_assert(strstr(text, "# TYPE daxtierd_device_cleared_bytes_total counter\n"));
        ck_assert(strstr(text, "# TYPE daxtierd_device_state gauge\n"));
}
END_TEST

START_TEST(test_state_names) {
        ck_assert_int_eq(metrics_state_from_string("online"), DEV_ONLINE);
        ck_assert_int_eq(metrics_state_from_string("refused"), DEV_REFUSED);
        ck_assert_int_eq(metrics_state_from_string("onlining"), DEV_ONLINING);
        ck_assert_int_eq(metrics_state_from_string("Online"), -EINVAL);
        ck_assert_int_eq(metrics_state_from_string(""), -EINVAL);
}
END_TEST

START_TEST(test_device_from) {
        struct device *d = device_new("dax4.0");
        struct metrics_device m;
        uint64_t tr[_DEV_STATE_MAX] = { [DEV_ONLINE] = 2, [DEV_FAILED] = 1 };
        struct rule r = { .name = (char *) "ram", .mode = DT_MODE_SYSTEM_RAM };

        ck_assert_ptr_nonnull(d);
        d->facts.source = DT_SOURCE_CXL;
        d->facts.size = 1 << 30;
        want_from_rule(&d->want, &r);
        d->state = DEV_ONLINE;
        d->online_blocks = 7;
        d->total_blocks = 8;
        d->badblocks = 1;
        d->cleared_bytes = 512;
        metrics_device_from(&m, d, tr);
        ck_assert_str_eq(m.name, "dax4.0");
        ck_assert_str_eq(m.source, "cxl");
        ck_assert_str_eq(m.rule, "ram");
        ck_assert_str_eq(m.mode, "system-ram");
        ck_assert_int_eq(m.state, DEV_ONLINE);
        ck_assert_uint_eq(m.size, 1 << 30);
        ck_assert_uint_eq(m.online_blocks, 7);
        ck_assert_uint_eq(m.total_blocks, 8);
        ck_assert_uint_eq(m.badblocks, 1);
        ck_assert_uint_eq(m.cleared_bytes, 512);
        ck_assert_uint_eq(m.transitions[DEV_ONLINE], 2);
        ck_assert_uint_eq(m.transitions[DEV_FAILED], 1);
        ck_assert_uint_eq(m.transitions[DEV_DEVDAX], 0);

        /* No rule: unmanaged, mode ignore, rule "". */
        want_from_rule(&d->want, NULL);
        metrics_device_from(&m, d, NULL);
        ck_assert_str_eq(m.rule, "");
        ck_assert_str_eq(m.mode, "ignore");
        ck_assert_uint_eq(m.transitions[DEV_ONLINE], 0);
        device_free(d);
}
END_TEST

/* ---- textfile --------------------------------------------------------- */

static char dir[] = "/tmp/test-metrics.XXXXXX";

static void dir_setup(void) {
        ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void dir_teardown(void) {
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        ck_assert_int_eq(system(cmd), 0);
        strcpy(dir, "/tmp/test-metrics.XXXXXX");
}

static size_t entries(const char *d) {
        DIR *dd = opendir(d);
        struct dirent *de;
        size_t n = 0;

        ck_assert_ptr_nonnull(dd);
        while ((de = readdir(dd)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        n++;
        closedir(dd);
        return n;
}

START_TEST(test_textfile) {
        char path[256];
        struct stat st;
        _cleanup_free_ char *a = NULL, *b = NULL;

        snprintf(path, sizeof(path), "%s/daxtierd.prom", dir);
        ck_assert_int_eq(metrics_write_textfile(path, "x 1\n"), 0);
        a = slurp(path);
        ck_assert_str_eq(a, "x 1\n");
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0644);
        ck_assert_uint_eq(entries(dir), 1);

        /* Replaced whole, by a new inode (rename), no temporary file left. */
        ino_t before = st.st_ino;
        ck_assert_int_eq(metrics_write_textfile(path, "y 2\n"), 0);
        b = slurp(path);
        ck_assert_str_eq(b, "y 2\n");
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_uint_ne(st.st_ino, before);
        ck_assert_uint_eq(entries(dir), 1);

        /* An empty text makes an empty file. */
        ck_assert_int_eq(metrics_write_textfile(path, ""), 0);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_uint_eq(st.st_size, 0);
}
END_TEST

START_TEST(test_textfile_errors) {
        char path[256];

        snprintf(path, sizeof(path), "%s/missing/daxtierd.prom", dir);
        ck_assert_int_eq(metrics_write_textfile(path, "x 1\n"), -ENOENT);
        ck_assert_uint_eq(entries(dir), 0);

        snprintf(path, sizeof(path), "%s/", dir);
        ck_assert_int_eq(metrics_write_textfile(path, "x 1\n"), -EINVAL);
        ck_assert_int_eq(metrics_write_textfile("", "x 1\n"), -EINVAL);

        /* The target is a directory: rename fails, the old stays, no leftovers. */
        snprintf(path, sizeof(path), "%s/sub", dir);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        ck_assert_int_lt(metrics_write_textfile(path, "x 1\n"), 0);
        ck_assert_uint_eq(entries(dir), 1);
}
END_TEST

static Suite *metrics_suite(void) {
        Suite *s = suite_create("metrics");
        TCase *tc;

        tc = tcase_create("format");
        tcase_add_test(tc, test_golden);
        tcase_add_test(tc, test_escape);
        tcase_add_test(tc, test_escaped_in_text);
        tcase_add_test(tc, test_state_series);
        tcase_add_test(tc, test_empty);
        tcase_add_test(tc, test_state_names);
        tcase_add_test(tc, test_device_from);
        suite_add_tcase(s, tc);

        tc = tcase_create("textfile");
        tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
        tcase_add_test(tc, test_textfile);
        tcase_add_test(tc, test_textfile_errors);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(metrics_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
