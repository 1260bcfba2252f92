/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-ctl: unit tests for ctl.c, the pure half of daxtierctl: the
 * command line (every command, option placement, every usage error with
 * its exact message), the data model filled from D-Bus properties, the
 * node table, the text output (exact bytes, column alignment) and the
 * JSON output (parsed back with json-c, every key and type of the
 * contract in daxtierctl(8) checked, and no key more).
 */

/* asprintf(); a no-op when the build already asks for it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "util.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define TiB (UINT64_C(1) << 40)
#define BLOCK_SIZE (128 * MiB)

#define MAX_ARGS 8

/* ---- command line ------------------------------------------------------ */

static int parse(const char *const *words, struct ctl_args *args, char **err) {
        char *argv[MAX_ARGS + 2] = { (char *) "daxtierctl" };
        int argc = 1;

        for (; words[argc - 1]; argc++) {
                ck_assert_int_le(argc, MAX_ARGS);
                argv[argc] = (char *) words[argc - 1];
        }
        return ctl_parse_args(argc, argv, args, err);
}

static const struct {
        const char *argv[MAX_ARGS];
        enum ctl_command command;
        bool json;
        const char *device;
        const char *config_path;
} good_args[] = {
        { { NULL }, CTL_CMD_STATUS, false, NULL, NULL },
        { { "--json" }, CTL_CMD_STATUS, true, NULL, NULL },
        { { "status" }, CTL_CMD_STATUS, false, NULL, NULL },
        { { "--json", "status" }, CTL_CMD_STATUS, true, NULL, NULL },
        { { "status", "--json" }, CTL_CMD_STATUS, true, NULL, NULL },
        { { "--json", "status", "--json" }, CTL_CMD_STATUS, true, NULL, NULL },
        { { "show", "dax0.0" }, CTL_CMD_SHOW, false, "dax0.0", NULL },
        { { "--json", "show", "dax0.0" }, CTL_CMD_SHOW, true, "dax0.0", NULL },
        { { "show", "--json", "dax0.0" }, CTL_CMD_SHOW, true, "dax0.0", NULL },
        { { "show", "dax0.0", "--json" }, CTL_CMD_SHOW, true, "dax0.0", NULL },
        { { "show", "--", "-dax" }, CTL_CMD_SHOW, false, "-dax", NULL },
        { { "list" }, CTL_CMD_LIST, false, NULL, NULL },
        { { "--json", "list" }, CTL_CMD_LIST, true, NULL, NULL },
        { { "list", "--json" }, CTL_CMD_LIST, true, NULL, NULL },
        { { "reload" }, CTL_CMD_RELOAD, false, NULL, NULL },
        { { "rescan" }, CTL_CMD_RESCAN, false, NULL, NULL },
        { { "apply", "dax1.0" }, CTL_CMD_APPLY, false, "dax1.0", NULL },
        { { "apply", "--", "dax1.0" }, CTL_CMD_APPLY, false, "dax1.0", NULL },
        { { "check-config" }, CTL_CMD_CHECK_CONFIG, false, NULL, NULL },
        { { "check-config", "/tmp/x.conf" }, CTL_CMD_CHECK_CONFIG, false, NULL, "/tmp/x.conf" },
        { { "check-config", "-" }, CTL_CMD_CHECK_CONFIG, false, NULL, "-" },
        { { "-h" }, CTL_CMD_HELP, false, NULL, NULL },
        { { "--help" }, CTL_CMD_HELP, false, NULL, NULL },
        { { "status", "--help" }, CTL_CMD_HELP, false, NULL, NULL },
        { { "show", "-h" }, CTL_CMD_HELP, false, NULL, NULL },
        { { "bogus", "--help" }, CTL_CMD_HELP, false, NULL, NULL },
        { { "reload", "--json", "--help" }, CTL_CMD_HELP, true, NULL, NULL },
        { { "--version" }, CTL_CMD_VERSION, false, NULL, NULL },
        { { "list", "--version" }, CTL_CMD_VERSION, false, NULL, NULL },
        { { "--version", "--help" }, CTL_CMD_HELP, false, NULL, NULL },
};

START_TEST(test_args_good) {
        struct ctl_args args;
        char *err = NULL;
        int r;

        memset(&args, 0xaa, sizeof(args));
        r = parse(good_args[_i].argv, &args, &err);
        ck_assert_msg(r == 0, "case %d: %d, %s", _i, r, err ?: "(no message)");
        ck_assert_ptr_null(err);
        ck_assert_int_eq(args.command, good_args[_i].command);
        ck_assert_int_eq(args.json, good_args[_i].json);
        if (good_args[_i].command != CTL_CMD_HELP && good_args[_i].command != CTL_CMD_VERSION) {
                ck_assert_pstr_eq(args.device, good_args[_i].device);
                ck_assert_pstr_eq(args.config_path, good_args[_i].config_path);
        }
}
END_TEST

static const struct {
        const char *argv[MAX_ARGS];
        const char *message;
} bad_args[] = {
        { { "bogus" }, "unknown command 'bogus'" },
        { { "Status" }, "unknown command 'Status'" },
        { { "--json", "bogus" }, "unknown command 'bogus'" },
        { { "--bogus" }, "unknown option '--bogus'" },
        { { "-x", "status" }, "unknown option '-x'" },
        { { "status", "-j" }, "unknown option '-j'" },
        { { "status", "--jsonx" }, "unknown option '--jsonx'" },
        { { "--bogus", "--help" }, "unknown option '--bogus'" },
        { { "-hV" }, "unknown option '-hV'" },
        { { "--json=yes" }, "option '--json' takes no argument" },
        { { "--help=1" }, "option '--help' takes no argument" },
        { { "--version=" }, "option '--version' takes no argument" },
        { { "--js=1" }, "unknown option '--js=1'" },
        { { "show" }, "command 'show' needs a DEVICE argument" },
        { { "--json", "show" }, "command 'show' needs a DEVICE argument" },
        { { "apply" }, "command 'apply' needs a DEVICE argument" },
        { { "show", "dax0.0", "dax1.0" }, "unexpected argument 'dax1.0' for command 'show'" },
        { { "apply", "dax0.0", "dax1.0" }, "unexpected argument 'dax1.0' for command 'apply'" },
        { { "status", "dax0.0" }, "unexpected argument 'dax0.0' for command 'status'" },
        { { "list", "x" }, "unexpected argument 'x' for command 'list'" },
        { { "reload", "now" }, "unexpected argument 'now' for command 'reload'" },
        { { "rescan", "x", "y" }, "unexpected argument 'x' for command 'rescan'" },
        { { "check-config", "a.conf", "b.conf" }, "unexpected argument 'b.conf' for command 'check-config'" },
        { { "reload", "--json" }, "option '--json' is not supported by command 'reload'" },
        { { "--json", "rescan" }, "option '--json' is not supported by command 'rescan'" },
        { { "apply", "dax0.0", "--json" }, "option '--json' is not supported by command 'apply'" },
        { { "check-config", "--json" }, "option '--json' is not supported by command 'check-config'" },
        { { "show", "" }, "empty DEVICE argument for command 'show'" },
        { { "apply", "" }, "empty DEVICE argument for command 'apply'" },
        { { "check-config", "" }, "empty PATH argument for command 'check-config'" },
};

START_TEST(test_args_bad) {
        struct ctl_args args = {};
        char *err = NULL;
        int r;

        r = parse(bad_args[_i].argv, &args, &err);
        ck_assert_int_eq(r, -EINVAL);
        ck_assert_ptr_nonnull(err);
        ck_assert_str_eq(err, bad_args[_i].message);
        free(err);
}
END_TEST

/* After "--", "--json" is a device name, not an option: the flag stays
 * as the options before "--" set it. */
START_TEST(test_args_double_dash) {
        struct ctl_args args;
        char *err = NULL;

        ck_assert_int_eq(parse((const char *const[]) { "show", "--", "--json", NULL }, &args, &err), 0);
        ck_assert_int_eq(args.command, CTL_CMD_SHOW);
        ck_assert(!args.json);
        ck_assert_str_eq(args.device, "--json");
        ck_assert_int_eq(parse((const char *const[]) { "--json", "show", "--", "--json", NULL }, &args, &err), 0);
        ck_assert_int_eq(args.command, CTL_CMD_SHOW);
        ck_assert(args.json);
        ck_assert_str_eq(args.device, "--json");
}
END_TEST

/* Unlike getopt_long(), the parser must not permute argv. */
START_TEST(test_args_argv_untouched) {
        char *argv[] = { (char *) "daxtierctl", (char *) "show", (char *) "dax0.0", (char *) "--json", NULL };
        char *copy[ELEMENTSOF(argv)];
        struct ctl_args args;
        char *err = NULL;

        memcpy(copy, argv, sizeof(argv));
        ck_assert_int_eq(ctl_parse_args(4, argv, &args, &err), 0);
        for (size_t i = 0; i < ELEMENTSOF(argv); i++)
                ck_assert_ptr_eq(argv[i], copy[i]);
        ck_assert_ptr_eq(args.device, argv[2]);
}
END_TEST

START_TEST(test_args_only_program_name) {
        char *argv[] = { (char *) "daxtierctl", NULL };
        struct ctl_args args;
        char *err = NULL;

        ck_assert_int_eq(ctl_parse_args(1, argv, &args, &err), 0);
        ck_assert_int_eq(args.command, CTL_CMD_STATUS);
        ck_assert(!args.json);
        /* argc 0 happens with execve(path, {NULL}, ...). */
        ck_assert_int_eq(ctl_parse_args(0, argv, &args, &err), 0);
        ck_assert_int_eq(args.command, CTL_CMD_STATUS);
}
END_TEST

START_TEST(test_command_names) {
        static const struct {
                enum ctl_command c;
                const char *name;
        } names[] = {
                { CTL_CMD_STATUS, "status" },   { CTL_CMD_SHOW, "show" },     { CTL_CMD_LIST, "list" },
                { CTL_CMD_RELOAD, "reload" },   { CTL_CMD_RESCAN, "rescan" }, { CTL_CMD_APPLY, "apply" },
                { CTL_CMD_CHECK_CONFIG, "check-config" },
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                ck_assert_str_eq(ctl_command_to_string(names[i].c), names[i].name);
        ck_assert_ptr_null(ctl_command_to_string(CTL_CMD_HELP));
        ck_assert_ptr_null(ctl_command_to_string(CTL_CMD_VERSION));
}
END_TEST

START_TEST(test_help_text) {
        static const char *const needles[] = {
                "Usage: daxtierctl", "  status ", "  show DEVICE ", "  list ",
                "  reload ", "  rescan ", "  apply DEVICE ", "  check-config [PATH] ",
                "--json", "-h, --help", "--version", "/daxtierd.conf", "3 daxtierd not running",
        };
        const char *h = ctl_help_text();

        for (size_t i = 0; i < ELEMENTSOF(needles); i++)
                ck_assert_msg(strstr(h, needles[i]), "help lacks '%s'", needles[i]);
        /* Fits an 80-column terminal, but for the configuration paths,
         * whose length the build's prefix decides. */
        for (const char *l = h; *l;) {
                const char *nl = strchr(l, '\n');

                ck_assert_ptr_nonnull(nl);
                if (strncmp(l, "  " SYSCONFDIR, strlen("  " SYSCONFDIR)) != 0)
                        ck_assert_int_lt(nl - l, 80);
                l = nl + 1;
        }
}
END_TEST

/* ---- data model ---------------------------------------------------------- */

static struct ctl_report rep;

static void setup(void) {
        rep = (struct ctl_report) {};
}

static void teardown(void) {
        ctl_report_clear(&rep);
}

static void set_s(struct ctl_device *d, const char *key, const char *s) {
        struct ctl_value v = { .type = 's', .s = s };

        ck_assert_int_eq(ctl_device_set_property(d, key, &v), 1);
}

static void set_t(struct ctl_device *d, const char *key, uint64_t t) {
        struct ctl_value v = { .type = 't', .t = t };

        ck_assert_int_eq(ctl_device_set_property(d, key, &v), 1);
}

static void set_u(struct ctl_device *d, const char *key, uint32_t u) {
        struct ctl_value v = { .type = 'u', .u = u };

        ck_assert_int_eq(ctl_device_set_property(d, key, &v), 1);
}

static void set_i(struct ctl_device *d, const char *key, int32_t i) {
        struct ctl_value v = { .type = 'i', .i = i };

        ck_assert_int_eq(ctl_device_set_property(d, key, &v), 1);
}

static void set_b(struct ctl_device *d, const char *key, bool b) {
        struct ctl_value v = { .type = 'b', .b = b };

        ck_assert_int_eq(ctl_device_set_property(d, key, &v), 1);
}

/* A device as daxtierctl.c builds it: through the property setters. */
static struct ctl_device *add(const char *name, const char *source, const char *state, uint64_t size, int node,
                              const char *zone, uint32_t online, uint32_t total) {
        struct ctl_device *d = ctl_report_add_device(&rep);
        char path[128];
        char *p;

        ck_assert_ptr_nonnull(d);
        set_s(d, "Name", name);
        set_s(d, "Source", source);
        set_s(d, "State", state);
        set_t(d, "Size", size);
        set_i(d, "TargetNode", node);
        set_s(d, "Zone", zone);
        set_u(d, "OnlineBlocks", online);
        set_u(d, "TotalBlocks", total);

        snprintf(path, sizeof(path), "%s/device/%s", CTL_MANAGER_PATH, name);
        for (p = path + strlen(CTL_MANAGER_PATH); *p; p++)
                if (*p == '.')
                        *p = '_';
        ck_assert_int_eq(ctl_device_set_object_path(d, path), 0);
        return d;
}

/* Two devices, one of them refused with an error; nodes 0 and 1 have
 * memory, node 2 none.  The pmem one's DIMMs are frozen, and it was
 * scrubbed: 4096 bytes of poison cleared, 2 bad ranges left, 1 block
 * skipped; the CXL one has no NVDIMM security ("n/a") and no scrub. */
static void sample(void) {
        static const uint64_t totals[] = { 8 * GiB, 2 * GiB };
        struct ctl_device *d;

        d = add("dax0.0", "pmem", "online", 2 * GiB, 1, "movable", 16, 16);
        set_s(d, "Rule", "optane-ram");
        set_s(d, "Mode", "system-ram");
        set_b(d, "MemmapOnMemory", true);
        set_t(d, "LastTransition", UINT64_C(1700000000123456));
        set_s(d, "Security", "frozen");
        set_u(d, "BadBlocks", 2);
        set_t(d, "ClearedBytes", 4096);
        set_u(d, "SkippedBlocks", 1);
        set_t(d, "LastScrub", UINT64_C(1699999000000000));
        set_s(d, "ScrubOutcome", "done");

        d = add("dax1.0", "cxl", "refused", 512 * MiB, 2, "", 0, 4);
        set_s(d, "Rule", "cxl-ram");
        set_s(d, "Mode", "devdax");
        set_s(d, "LastError", "/dev/dax1.0 is in use by pid 42 (sleep)");
        set_t(d, "LastTransition", UINT64_C(1700000060000000));
        set_s(d, "Security", "n/a");
        set_s(d, "ScrubOutcome", "none");

        ck_assert_int_eq(ctl_report_compute_nodes(&rep, totals, ELEMENTSOF(totals), BLOCK_SIZE), 0);
}

START_TEST(test_add_device_defaults) {
        struct ctl_device *d = ctl_report_add_device(&rep);

        ck_assert_ptr_nonnull(d);
        ck_assert_uint_eq(rep.n_devices, 1);
        ck_assert_str_eq(d->name, "");
        ck_assert_str_eq(d->source, "");
        ck_assert_str_eq(d->state, "");
        ck_assert_str_eq(d->rule, "");
        ck_assert_str_eq(d->mode, "");
        ck_assert_str_eq(d->zone, "");
        ck_assert_str_eq(d->last_error, "");
        ck_assert_str_eq(d->security, "");
        ck_assert_str_eq(d->scrub_outcome, "");
        ck_assert_str_eq(d->object_path, "");
        ck_assert_int_eq(d->target_node, -1);
        ck_assert_uint_eq(d->size, 0);
        ck_assert_uint_eq(d->online_blocks, 0);
        ck_assert_uint_eq(d->total_blocks, 0);
        ck_assert(!d->memmap_on_memory);
        ck_assert_uint_eq(d->last_transition, 0);
        ck_assert_uint_eq(d->badblocks, 0);
        ck_assert_uint_eq(d->cleared_bytes, 0);
        ck_assert_uint_eq(d->skipped_blocks, 0);
        ck_assert_uint_eq(d->last_scrub, 0);

        ctl_report_clear(&rep);
        ck_assert_ptr_null(rep.devices);
        ck_assert_uint_eq(rep.n_devices, 0);
}
END_TEST

START_TEST(test_property_signatures) {
        static const struct {
                const char *name, *sig;
        } props[] = {
                { "Name", "s" },          { "Source", "s" },         { "State", "s" },
                { "Rule", "s" },          { "Mode", "s" },           { "Size", "t" },
                { "TargetNode", "i" },    { "Zone", "s" },           { "OnlineBlocks", "u" },
                { "TotalBlocks", "u" },   { "MemmapOnMemory", "b" }, { "LastError", "s" },
                { "LastTransition", "t" },  { "Security", "s" },      { "BadBlocks", "u" },
                { "ClearedBytes", "t" },  { "SkippedBlocks", "u" },  { "LastScrub", "t" },
                { "ScrubOutcome", "s" },  { "Tier", "i" },
        };

        for (size_t i = 0; i < ELEMENTSOF(props); i++)
                ck_assert_pstr_eq(ctl_device_property_signature(props[i].name), props[i].sig);
        ck_assert_ptr_null(ctl_device_property_signature("name"));
        ck_assert_ptr_null(ctl_device_property_signature("Uuid"));
        ck_assert_ptr_null(ctl_device_property_signature("security"));
        ck_assert_ptr_null(ctl_device_property_signature("badblocks"));
        ck_assert_ptr_null(ctl_device_property_signature("Badblocks"));
        ck_assert_ptr_null(ctl_device_property_signature("ScrubState"));
        ck_assert_ptr_null(ctl_device_property_signature(""));
        ck_assert_ptr_null(ctl_device_property_signature(NULL));
}
END_TEST

START_TEST(test_set_property) {
        struct ctl_device *d = ctl_report_add_device(&rep);
        struct ctl_value v;

        ck_assert_ptr_nonnull(d);
        set_s(d, "Name", "dax3.0");
        set_s(d, "Name", "dax3.1"); /* replaces */
        set_s(d, "Source", "hmem");
        set_s(d, "State", "onlining");
        set_s(d, "Rule", "r");
        set_s(d, "Mode", "system-ram");
        set_t(d, "Size", UINT64_MAX);
        set_i(d, "TargetNode", 7);
        set_s(d, "Zone", "mixed");
        set_u(d, "OnlineBlocks", 3);
        set_u(d, "TotalBlocks", UINT32_MAX);
        set_b(d, "MemmapOnMemory", true);
        set_s(d, "LastError", "boom");
        set_t(d, "LastTransition", 42);
        set_s(d, "Security", "unlocked");
        set_s(d, "Security", "locked"); /* replaces */
        set_u(d, "BadBlocks", 7);
        set_t(d, "ClearedBytes", UINT64_MAX);
        set_u(d, "SkippedBlocks", UINT32_MAX);
        set_t(d, "LastScrub", 43);
        set_s(d, "ScrubOutcome", "failed");
        set_s(d, "ScrubOutcome", "timed-out"); /* replaces */

        ck_assert_str_eq(d->name, "dax3.1");
        ck_assert_str_eq(d->source, "hmem");
        ck_assert_str_eq(d->state, "onlining");
        ck_assert_str_eq(d->rule, "r");
        ck_assert_str_eq(d->mode, "system-ram");
        ck_assert_uint_eq(d->size, UINT64_MAX);
        ck_assert_int_eq(d->target_node, 7);
        ck_assert_str_eq(d->zone, "mixed");
        ck_assert_uint_eq(d->online_blocks, 3);
        ck_assert_uint_eq(d->total_blocks, UINT32_MAX);
        ck_assert(d->memmap_on_memory);
        ck_assert_str_eq(d->last_error, "boom");
        ck_assert_uint_eq(d->last_transition, 42);
        ck_assert_str_eq(d->security, "locked");
        ck_assert_uint_eq(d->badblocks, 7);
        ck_assert_uint_eq(d->cleared_bytes, UINT64_MAX);
        ck_assert_uint_eq(d->skipped_blocks, UINT32_MAX);
        ck_assert_uint_eq(d->last_scrub, 43);
        ck_assert_str_eq(d->scrub_outcome, "timed-out");
        /* Fields next to each other do not spill into one another. */
        ck_assert_uint_eq(d->last_transition, 42);
        ck_assert_uint_eq(d->total_blocks, UINT32_MAX);

        /* An unknown property of a newer daemon is ignored... */
        v = (struct ctl_value) { .type = 's', .s = "x" };
        ck_assert_int_eq(ctl_device_set_property(d, "Uuid", &v), 0);
        /* ...a known one with the wrong type is an error, and changes nothing. */
        v = (struct ctl_value) { .type = 'u', .u = 5 };
        ck_assert_int_eq(ctl_device_set_property(d, "Size", &v), -EBADMSG);
        ck_assert_uint_eq(d->size, UINT64_MAX);
        v = (struct ctl_value) { .type = 's', .s = "5" };
        ck_assert_int_eq(ctl_device_set_property(d, "TargetNode", &v), -EBADMSG);
        ck_assert_int_eq(d->target_node, 7);
        v = (struct ctl_value) { .type = 'b', .b = true };
        ck_assert_int_eq(ctl_device_set_property(d, "Name", &v), -EBADMSG);
        ck_assert_str_eq(d->name, "dax3.1");
        ck_assert_int_eq(ctl_device_set_property(d, "Name", NULL), -EBADMSG);
        v = (struct ctl_value) { .type = 'u', .u = 5 };
        ck_assert_int_eq(ctl_device_set_property(d, "Security", &v), -EBADMSG);
        ck_assert_str_eq(d->security, "locked");
        v = (struct ctl_value) { .type = 't', .t = 5 };
        ck_assert_int_eq(ctl_device_set_property(d, "BadBlocks", &v), -EBADMSG);
        ck_assert_int_eq(ctl_device_set_property(d, "SkippedBlocks", &v), -EBADMSG);
        ck_assert_uint_eq(d->badblocks, 7);
        ck_assert_uint_eq(d->skipped_blocks, UINT32_MAX);
        v = (struct ctl_value) { .type = 'u', .u = 5 };
        ck_assert_int_eq(ctl_device_set_property(d, "ClearedBytes", &v), -EBADMSG);
        ck_assert_int_eq(ctl_device_set_property(d, "LastScrub", &v), -EBADMSG);
        ck_assert_int_eq(ctl_device_set_property(d, "ScrubOutcome", &v), -EBADMSG);
        ck_assert_uint_eq(d->cleared_bytes, UINT64_MAX);
        ck_assert_uint_eq(d->last_scrub, 43);
        ck_assert_str_eq(d->scrub_outcome, "timed-out");

        /* A NULL string is stored as "". */
        v = (struct ctl_value) { .type = 's', .s = NULL };
        ck_assert_int_eq(ctl_device_set_property(d, "LastError", &v), 1);
        ck_assert_str_eq(d->last_error, "");
        ck_assert_int_eq(ctl_device_set_property(d, "Security", &v), 1);
        ck_assert_str_eq(d->security, "");
        ck_assert_int_eq(ctl_device_set_property(d, "ScrubOutcome", &v), 1);
        ck_assert_str_eq(d->scrub_outcome, "");
}
END_TEST

START_TEST(test_sort) {
        static const char *const names[] = { "dax10.0", "dax2.0", "dax1.1", "dax1.0", "dax1.10", "dax1.2" };
        static const char *const sorted[] = { "dax1.0", "dax1.1", "dax1.2", "dax1.10", "dax2.0", "dax10.0" };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                add(names[i], "pmem", "devdax", GiB, 0, "", 0, 8);
        ctl_report_sort(&rep);
        for (size_t i = 0; i < ELEMENTSOF(sorted); i++)
                ck_assert_str_eq(rep.devices[i].name, sorted[i]);
}
END_TEST

START_TEST(test_nodes) {
        /* Node 1 exists without memory: shown only because a device targets it. */
        static const uint64_t totals[] = { 16 * GiB, 0, 4 * GiB, 0 };

        add("dax0.0", "pmem", "online", 2 * GiB, 1, "movable", 16, 16);
        add("dax0.1", "pmem", "online", 1 * GiB, 1, "movable", 8, 8);
        add("dax1.0", "cxl", "online", 4 * GiB, 2, "Normal", 30, 32);
        add("dax2.0", "hmem", "devdax", 1 * GiB, 5, "", 0, 8); /* beyond the array */
        add("dax3.0", "unknown", "unmanaged", 1 * GiB, -1, "", 0, 8);

        ck_assert_int_eq(ctl_report_compute_nodes(&rep, totals, ELEMENTSOF(totals), BLOCK_SIZE), 0);
        ck_assert_uint_eq(rep.n_nodes, 4);

        ck_assert_int_eq(rep.nodes[0].node, 0);
        ck_assert_uint_eq(rep.nodes[0].total, 16 * GiB);
        ck_assert_uint_eq(rep.nodes[0].dax, 0);

        ck_assert_int_eq(rep.nodes[1].node, 1);
        ck_assert_uint_eq(rep.nodes[1].total, 0);
        ck_assert_uint_eq(rep.nodes[1].dax, 24 * BLOCK_SIZE);

        ck_assert_int_eq(rep.nodes[2].node, 2);
        ck_assert_uint_eq(rep.nodes[2].total, 4 * GiB);
        ck_assert_uint_eq(rep.nodes[2].dax, 30 * BLOCK_SIZE);

        ck_assert_int_eq(rep.nodes[3].node, 5);
        ck_assert_uint_eq(rep.nodes[3].total, 0);
        ck_assert_uint_eq(rep.nodes[3].dax, 0);

        /* Computing again replaces the table rather than appending; node 2
         * now lies beyond the array, but a device still targets it. */
        ck_assert_int_eq(ctl_report_compute_nodes(&rep, totals, 1, 0), 0);
        ck_assert_uint_eq(rep.n_nodes, 4);
        ck_assert_int_eq(rep.nodes[0].node, 0);
        ck_assert_int_eq(rep.nodes[1].node, 1);
        ck_assert_uint_eq(rep.nodes[1].dax, 0); /* no block size: nothing known to be online */
        ck_assert_int_eq(rep.nodes[2].node, 2);
        ck_assert_uint_eq(rep.nodes[2].total, 0);
        ck_assert_int_eq(rep.nodes[3].node, 5);
}
END_TEST

START_TEST(test_nodes_empty) {
        ck_assert_int_eq(ctl_report_compute_nodes(&rep, NULL, 0, BLOCK_SIZE), 0);
        ck_assert_uint_eq(rep.n_nodes, 0);
}
END_TEST

/* A node's dax capacity does not wrap at 32 bits of blocks times size. */
START_TEST(test_nodes_large) {
        static const uint64_t totals[] = { 0, 0, 0, 0 };

        add("dax0.0", "cxl", "online", 4 * TiB, 3, "movable", 2048, 2048);
        ck_assert_int_eq(ctl_report_compute_nodes(&rep, totals, ELEMENTSOF(totals), 2 * GiB), 0);
        ck_assert_uint_eq(rep.n_nodes, 1);
        ck_assert_uint_eq(rep.nodes[0].dax, 4 * TiB);
}
END_TEST

/* ---- text output ---------------------------------------------------------- */

static void assert_no_trailing_blanks(const char *s) {
        for (const char *p = strchr(s, '\n'); p; p = strchr(p + 1, '\n'))
                ck_assert_msg(p == s || (p[-1] != ' ' && p[-1] != '\t'), "trailing blank in:\n%s", s);
}

START_TEST(test_status_text) {
        char *s = NULL;

        sample();
        ck_assert_int_eq(ctl_format_status(&rep, &s), 0);
        ck_assert_str_eq(s, "DEVICE  SOURCE  STATE         SIZE  NODE  ZONE     BLOCKS  SECURITY  BADBLOCKS  SKIPPED\n"
                            "dax0.0  pmem    online     2.0 GiB  1     movable  16/16   frozen    2          1\n"
                            "dax1.0  cxl     refused  512.0 MiB  2     -        0/4     n/a       0          0\n"
                            "\n"
                            "dax1.0: /dev/dax1.0 is in use by pid 42 (sleep)\n"
                            "\n"
                            "NODE    TOTAL      DAX\n"
                            "0     8.0 GiB      0 B\n"
                            "1     2.0 GiB  2.0 GiB\n"
                            "2         0 B      0 B\n");
        assert_no_trailing_blanks(s);
        free(s);
}
END_TEST

START_TEST(test_status_text_no_devices) {
        static const uint64_t totals[] = { 8 * GiB };
        char *s = NULL;

        ck_assert_int_eq(ctl_report_compute_nodes(&rep, totals, 1, BLOCK_SIZE), 0);
        ck_assert_int_eq(ctl_format_status(&rep, &s), 0);
        ck_assert_str_eq(s, "No dax devices.\n"
                            "\n"
                            "NODE    TOTAL  DAX\n"
                            "0     8.0 GiB  0 B\n");
        free(s);

        /* Nothing at all (no NUMA, no devices). */
        ctl_report_clear(&rep);
        ck_assert_int_eq(ctl_format_status(&rep, &s), 0);
        ck_assert_str_eq(s, "No dax devices.\n");
        free(s);
}
END_TEST

/* Without errors there is no error block, and no double blank line. */
START_TEST(test_status_text_no_errors) {
        char *s = NULL;

        add("dax0.0", "pmem", "devdax", 16 * GiB, -1, "", 0, 128);
        ck_assert_int_eq(ctl_format_status(&rep, &s), 0);
        ck_assert_str_eq(s, "DEVICE  SOURCE  STATE       SIZE  NODE  ZONE  BLOCKS  SECURITY  BADBLOCKS  SKIPPED\n"
                            "dax0.0  pmem    devdax  16.0 GiB  -     -     0/128   -         0          0\n");
        free(s);
}
END_TEST

/* Every column grows to its widest cell; every row starts each column at
 * the header's offset. */
START_TEST(test_status_text_long_names) {
        static const char *const headers[] = { "DEVICE", "SOURCE", "STATE", "NODE", "ZONE", "BLOCKS", "SECURITY",
                                               "BADBLOCKS", "SKIPPED" };
        const char *line, *next;
        struct ctl_device *d;
        char *s = NULL;

        add("dax0.0", "pmem", "online", 2 * GiB, 1, "movable", 16, 16);
        d = add("dax123456789.987654321", "unknown", "offlining", 1536 * GiB, 1234, "mixed", 4000000000u,
                4294967295u);
        set_s(d, "Security", "n/a");
        set_u(d, "BadBlocks", 4294967295u);
        set_u(d, "SkippedBlocks", 12345);
        ck_assert_int_eq(ctl_format_status(&rep, &s), 0);
        ck_assert_str_eq(
                s,
                "DEVICE                  SOURCE   STATE         SIZE  NODE  ZONE     BLOCKS                 SECURITY  BADBLOCKS   SKIPPED\n"
                "dax0.0                  pmem     online     2.0 GiB  1     movable  16/16                  -         0           0\n"
                "dax123456789.987654321  unknown  offlining  1.5 TiB  1234  mixed    4000000000/4294967295  n/a       4294967295  12345\n");

        /* The same, structurally: left-aligned columns start where their header does. */
        line = s;
        next = strchr(line, '\n');
        for (size_t h = 0; h < ELEMENTSOF(headers); h++) {
                const char *col = strstr(line, headers[h]);
                size_t off;

                ck_assert_ptr_nonnull(col);
                off = (size_t) (col - line);
                for (const char *row = next + 1; *row; row = strchr(row, '\n') + 1) {
                        ck_assert(off == 0 || row[off - 1] == ' ');
                        ck_assert(row[off] != ' ');
                }
        }
        assert_no_trailing_blanks(s);
        free(s);
}
END_TEST

static const struct {
        uint64_t bytes;
        const char *text;
} sizes[] = {
        { 0, "0 B" },
        { 1023, "1023 B" },
        { 1024, "1.0 KiB" },
        { 128 * MiB, "128.0 MiB" },
        { 2 * GiB, "2.0 GiB" },
        { 3 * GiB / 2, "1.5 GiB" },
        { 2 * TiB, "2.0 TiB" },
};

START_TEST(test_status_text_sizes) {
        char *s = NULL, *want = NULL;
        int w = (int) strlen(sizes[_i].text) > 4 ? (int) strlen(sizes[_i].text) : 4;

        add("dax0.0", "pmem", "devdax", sizes[_i].bytes, 0, "", 0, 1);
        ck_assert_int_eq(ctl_format_status(&rep, &s), 0);
        ck_assert_int_ge(asprintf(&want,
                                  "DEVICE  SOURCE  STATE   %*s  NODE  ZONE  BLOCKS  SECURITY  BADBLOCKS  SKIPPED\n"
                                  "dax0.0  pmem    devdax  %*s  0     -     0/1     -         0          0\n",
                                  w, "SIZE", w, sizes[_i].text),
                         0);
        ck_assert_str_eq(s, want);
        free(s);
        free(want);
}
END_TEST

START_TEST(test_status_text_several_errors) {
        char *s = NULL;

        set_s(add("dax0.0", "pmem", "failed", GiB, 0, "", 0, 8), "LastError", "kmem: bind failed: EBUSY");
        add("dax1.0", "pmem", "online", GiB, 0, "Normal", 8, 8);
        set_s(add("dax2.0", "cxl", "refused", GiB, 0, "", 0, 8), "LastError", "mapped by pid 7 (qemu)");
        set_s(&rep.devices[2], "Security", "n/a");
        ck_assert_int_eq(ctl_format_status(&rep, &s), 0);
        ck_assert_ptr_nonnull(strstr(s, "0/8     n/a       0          0\n"
                                        "\n"
                                        "dax0.0: kmem: bind failed: EBUSY\n"
                                        "dax2.0: mapped by pid 7 (qemu)\n"));
        ck_assert_ptr_null(strstr(s, "dax1.0: "));
        free(s);
}
END_TEST

START_TEST(test_show_text) {
        char *s = NULL;

        sample();
        ck_assert_int_eq(ctl_format_device(&rep.devices[1], &s), 0);
        ck_assert_str_eq(s, "Name: dax1.0\n"
                            "Source: cxl\n"
                            "State: refused\n"
                            "Rule: cxl-ram\n"
                            "Mode: devdax\n"
                            "Size: 512.0 MiB (536870912 bytes)\n"
                            "TargetNode: 2\n"
                            "Zone: -\n"
                            "OnlineBlocks: 0\n"
                            "TotalBlocks: 4\n"
                            "MemmapOnMemory: no\n"
                            "Security: n/a\n"
                            "BadBlocks: 0\n"
                            "ClearedBytes: 0\n"
                            "SkippedBlocks: 0\n"
                            "LastScrub: -\n"
                            "ScrubOutcome: none\n"
                            "LastError: /dev/dax1.0 is in use by pid 42 (sleep)\n"
                            "LastTransition: 2023-11-14 22:14:20 UTC\n"
                            "CxlRegion: -\n"
                            "CxlMemdevs: -\n"
                            "ObjectPath: /org/daxtier/Daxtierd1/device/dax1_0\n");
        free(s);

        ck_assert_int_eq(ctl_format_device(&rep.devices[0], &s), 0);
        ck_assert_str_eq(s, "Name: dax0.0\n"
                            "Source: pmem\n"
                            "State: online\n"
                            "Rule: optane-ram\n"
                            "Mode: system-ram\n"
                            "Size: 2.0 GiB (2147483648 bytes)\n"
                            "TargetNode: 1\n"
                            "Zone: movable\n"
                            "OnlineBlocks: 16\n"
                            "TotalBlocks: 16\n"
                            "MemmapOnMemory: yes\n"
                            "Security: frozen\n"
                            "BadBlocks: 2\n"
                            "ClearedBytes: 4096\n"
                            "SkippedBlocks: 1\n"
                            "LastScrub: 2023-11-14 21:56:40 UTC\n"
                            "ScrubOutcome: done\n"
                            "LastError: -\n"
                            "LastTransition: 2023-11-14 22:13:20 UTC\n"
                            "CxlRegion: -\n"
                            "CxlMemdevs: -\n"
                            "ObjectPath: /org/daxtier/Daxtierd1/device/dax0_0\n");
        free(s);
}
END_TEST

/* A device the daemon knows almost nothing about yet. */
START_TEST(test_show_text_empty) {
        struct ctl_device *d = ctl_report_add_device(&rep);
        char *s = NULL;

        ck_assert_ptr_nonnull(d);
        set_s(d, "Name", "dax9.0");
        ck_assert_int_eq(ctl_format_device(d, &s), 0);
        ck_assert_str_eq(s, "Name: dax9.0\n"
                            "Source: -\n"
                            "State: -\n"
                            "Rule: -\n"
                            "Mode: -\n"
                            "Size: 0 B (0 bytes)\n"
                            "TargetNode: -\n"
                            "Zone: -\n"
                            "OnlineBlocks: 0\n"
                            "TotalBlocks: 0\n"
                            "MemmapOnMemory: no\n"
                            "Security: -\n"
                            "BadBlocks: 0\n"
                            "ClearedBytes: 0\n"
                            "SkippedBlocks: 0\n"
                            "LastScrub: -\n"
                            "ScrubOutcome: -\n"
                            "LastError: -\n"
                            "LastTransition: -\n"
                            "CxlRegion: -\n"
                            "CxlMemdevs: -\n"
                            "ObjectPath: -\n");
        free(s);
}
END_TEST

START_TEST(test_list_text) {
        char *s = NULL;

        sample();
        ck_assert_int_eq(ctl_format_list(&rep, &s), 0);
        ck_assert_str_eq(s, "DEVICE  STATE    OBJECT\n"
                            "dax0.0  online   /org/daxtier/Daxtierd1/device/dax0_0\n"
                            "dax1.0  refused  /org/daxtier/Daxtierd1/device/dax1_0\n");
        assert_no_trailing_blanks(s);
        free(s);

        ctl_report_clear(&rep);
        ck_assert_int_eq(ctl_format_list(&rep, &s), 0);
        ck_assert_str_eq(s, "No dax devices.\n");
        free(s);
}
END_TEST

/* ---- JSON output ------------------------------------------------------------ */

struct key {
        const char *name;
        enum json_type type;
};

static const struct key device_keys[] = {
        { "name", json_type_string },
        { "source", json_type_string },
        { "state", json_type_string },
        { "rule", json_type_string },
        { "mode", json_type_string },
        { "size", json_type_int },
        { "target_node", json_type_int },
        { "zone", json_type_string },
        { "online_blocks", json_type_int },
        { "total_blocks", json_type_int },
        { "memmap_on_memory", json_type_boolean },
        { "last_error", json_type_string },
        { "security", json_type_string },
        { "badblocks", json_type_int },
        { "cleared_bytes", json_type_int },
        { "skipped_blocks", json_type_int },
        { "last_scrub", json_type_int },
        { "scrub_outcome", json_type_string },
        { "cxl_region", json_type_int },
        { "cxl_memdevs", json_type_array },
        { "tier", json_type_int },
};

static const struct key show_extra_keys[] = {
        { "last_transition", json_type_int },
        { "object_path", json_type_string },
};

static const struct key node_keys[] = {
        { "node", json_type_int },
        { "total", json_type_int },
        { "dax", json_type_int },
};

static const struct key list_keys[] = {
        { "name", json_type_string },
        { "state", json_type_string },
        { "object_path", json_type_string },
};

/* Parses s (one JSON document and a final newline) or fails the test. */
static struct json_object *parse_json(const char *s) {
        struct json_tokener *tok = json_tokener_new();
        struct json_object *o;
        size_t len = strlen(s);

        ck_assert_ptr_nonnull(tok);
        ck_assert_uint_gt(len, 1);
        ck_assert_int_eq(s[len - 1], '\n');
        o = json_tokener_parse_ex(tok, s, (int) len - 1);
        ck_assert_msg(json_tokener_get_error(tok) == json_tokener_success, "bad JSON (%s):\n%s",
                      json_tokener_error_desc(json_tokener_get_error(tok)), s);
        ck_assert_uint_eq(json_tokener_get_parse_end(tok), len - 1);
        json_tokener_free(tok);
        ck_assert_ptr_nonnull(o);
        return o;
}

/* o has exactly the n keys of a and b, each of its type. */
static void expect_keys(struct json_object *o, const struct key *a, size_t n_a, const struct key *b, size_t n_b) {
        ck_assert(json_object_is_type(o, json_type_object));
        ck_assert_int_eq(json_object_object_length(o), (int) (n_a + n_b));
        for (size_t i = 0; i < n_a + n_b; i++) {
                const struct key *k = i < n_a ? &a[i] : &b[i - n_a];
                struct json_object *v;

                ck_assert_msg(json_object_object_get_ex(o, k->name, &v), "no key '%s'", k->name);
                ck_assert_msg(json_object_is_type(v, k->type), "key '%s' is a %s, not a %s", k->name,
                              json_type_to_name(json_object_get_type(v)), json_type_to_name(k->type));
        }
}

static struct json_object *get(struct json_object *o, const char *key) {
        struct json_object *v = NULL;

        ck_assert_msg(json_object_object_get_ex(o, key, &v), "no key '%s'", key);
        return v;
}

static void expect_sample_device(struct json_object *d, size_t i) {
        if (i == 0) {
                ck_assert_str_eq(json_object_get_string(get(d, "name")), "dax0.0");
                ck_assert_str_eq(json_object_get_string(get(d, "source")), "pmem");
                ck_assert_str_eq(json_object_get_string(get(d, "state")), "online");
                ck_assert_str_eq(json_object_get_string(get(d, "rule")), "optane-ram");
                ck_assert_str_eq(json_object_get_string(get(d, "mode")), "system-ram");
                ck_assert_uint_eq(json_object_get_uint64(get(d, "size")), 2 * GiB);
                ck_assert_int_eq(json_object_get_int(get(d, "target_node")), 1);
                ck_assert_str_eq(json_object_get_string(get(d, "zone")), "movable");
                ck_assert_int_eq(json_object_get_int64(get(d, "online_blocks")), 16);
                ck_assert_int_eq(json_object_get_int64(get(d, "total_blocks")), 16);
                ck_assert(json_object_get_boolean(get(d, "memmap_on_memory")));
                ck_assert_str_eq(json_object_get_string(get(d, "last_error")), "");
                ck_assert_str_eq(json_object_get_string(get(d, "security")), "frozen");
                ck_assert_int_eq(json_object_get_int64(get(d, "badblocks")), 2);
                ck_assert_uint_eq(json_object_get_uint64(get(d, "cleared_bytes")), 4096);
                ck_assert_int_eq(json_object_get_int64(get(d, "skipped_blocks")), 1);
                ck_assert_uint_eq(json_object_get_uint64(get(d, "last_scrub")), UINT64_C(1699999000000000));
                ck_assert_str_eq(json_object_get_string(get(d, "scrub_outcome")), "done");
        } else {
                ck_assert_str_eq(json_object_get_string(get(d, "name")), "dax1.0");
                ck_assert_str_eq(json_object_get_string(get(d, "source")), "cxl");
                ck_assert_str_eq(json_object_get_string(get(d, "state")), "refused");
                ck_assert_str_eq(json_object_get_string(get(d, "rule")), "cxl-ram");
                ck_assert_str_eq(json_object_get_string(get(d, "mode")), "devdax");
                ck_assert_uint_eq(json_object_get_uint64(get(d, "size")), 512 * MiB);
                ck_assert_int_eq(json_object_get_int(get(d, "target_node")), 2);
                ck_assert_str_eq(json_object_get_string(get(d, "zone")), "");
                ck_assert_int_eq(json_object_get_int64(get(d, "online_blocks")), 0);
                ck_assert_int_eq(json_object_get_int64(get(d, "total_blocks")), 4);
                ck_assert(!json_object_get_boolean(get(d, "memmap_on_memory")));
                ck_assert_str_eq(json_object_get_string(get(d, "last_error")),
                                 "/dev/dax1.0 is in use by pid 42 (sleep)");
                ck_assert_str_eq(json_object_get_string(get(d, "security")), "n/a");
                ck_assert_int_eq(json_object_get_int64(get(d, "badblocks")), 0);
                ck_assert_uint_eq(json_object_get_uint64(get(d, "cleared_bytes")), 0);
                ck_assert_int_eq(json_object_get_int64(get(d, "skipped_blocks")), 0);
                ck_assert_uint_eq(json_object_get_uint64(get(d, "last_scrub")), 0);
                ck_assert_str_eq(json_object_get_string(get(d, "scrub_outcome")), "none");
        }
}

START_TEST(test_status_json) {
        static const struct key root_keys[] = {
                { "devices", json_type_array },
                { "nodes", json_type_array },
        };
        static const struct {
                int node;
                uint64_t total, dax;
        } want_nodes[] = { { 0, 8 * GiB, 0 }, { 1, 2 * GiB, 2 * GiB }, { 2, 0, 0 } };
        struct json_object *root, *devices, *nodes;
        char *s = NULL;

        sample();
        ck_assert_int_eq(ctl_json_status(&rep, &s), 0);
        root = parse_json(s);
        expect_keys(root, root_keys, ELEMENTSOF(root_keys), NULL, 0);

        devices = get(root, "devices");
        ck_assert_uint_eq(json_object_array_length(devices), 2);
        for (size_t i = 0; i < 2; i++) {
                struct json_object *d = json_object_array_get_idx(devices, i);

                expect_keys(d, device_keys, ELEMENTSOF(device_keys), NULL, 0);
                expect_sample_device(d, i);
        }

        nodes = get(root, "nodes");
        ck_assert_uint_eq(json_object_array_length(nodes), ELEMENTSOF(want_nodes));
        for (size_t i = 0; i < ELEMENTSOF(want_nodes); i++) {
                struct json_object *n = json_object_array_get_idx(nodes, i);

                expect_keys(n, node_keys, ELEMENTSOF(node_keys), NULL, 0);
                ck_assert_int_eq(json_object_get_int(get(n, "node")), want_nodes[i].node);
                ck_assert_uint_eq(json_object_get_uint64(get(n, "total")), want_nodes[i].total);
                ck_assert_uint_eq(json_object_get_uint64(get(n, "dax")), want_nodes[i].dax);
        }

        /* Pretty-printed, and object paths are not "\/"-escaped. */
        ck_assert_ptr_nonnull(strstr(s, "\n  \"devices\""));
        ck_assert_ptr_null(strstr(s, "\\/"));
        json_object_put(root);
        free(s);
}
END_TEST

START_TEST(test_status_json_empty) {
        struct json_object *root;
        char *s = NULL;

        ck_assert_int_eq(ctl_json_status(&rep, &s), 0);
        root = parse_json(s);
        ck_assert_int_eq(json_object_object_length(root), 2);
        ck_assert(json_object_is_type(get(root, "devices"), json_type_array));
        ck_assert_uint_eq(json_object_array_length(get(root, "devices")), 0);
        ck_assert(json_object_is_type(get(root, "nodes"), json_type_array));
        ck_assert_uint_eq(json_object_array_length(get(root, "nodes")), 0);
        json_object_put(root);
        free(s);
}
END_TEST

/* Values at the edges of their types survive the round trip, and
 * strings with quotes, backslashes and newlines stay valid JSON. */
START_TEST(test_status_json_extremes) {
        static const uint64_t totals[] = { UINT64_MAX - 1 };
        struct json_object *root, *d, *n;
        struct ctl_device *dev;
        char *s = NULL;

        dev = add("dax0.0", "pmem", "failed", UINT64_MAX, -1, "", UINT32_MAX, UINT32_MAX);
        set_s(dev, "LastError", "say \"no\"\\\n\ttwice \xc3\xa9");
        set_u(dev, "BadBlocks", UINT32_MAX);
        set_t(dev, "ClearedBytes", UINT64_MAX);
        set_u(dev, "SkippedBlocks", UINT32_MAX);
        set_t(dev, "LastScrub", UINT64_MAX);
        set_s(dev, "ScrubOutcome", "timed-out");
        ck_assert_int_eq(ctl_report_compute_nodes(&rep, totals, 1, 0), 0);
        ck_assert_int_eq(ctl_json_status(&rep, &s), 0);
        root = parse_json(s);

        d = json_object_array_get_idx(get(root, "devices"), 0);
        expect_keys(d, device_keys, ELEMENTSOF(device_keys), NULL, 0);
        ck_assert_uint_eq(json_object_get_uint64(get(d, "size")), UINT64_MAX);
        ck_assert_int_eq(json_object_get_int(get(d, "target_node")), -1);
        ck_assert_int_eq(json_object_get_int64(get(d, "online_blocks")), UINT32_MAX);
        ck_assert_int_eq(json_object_get_int64(get(d, "total_blocks")), UINT32_MAX);
        ck_assert_str_eq(json_object_get_string(get(d, "last_error")), "say \"no\"\\\n\ttwice \xc3\xa9");
        ck_assert_str_eq(json_object_get_string(get(d, "security")), ""); /* never set: "", not "-" */
        ck_assert_int_eq(json_object_get_int64(get(d, "badblocks")), UINT32_MAX);
        ck_assert_uint_eq(json_object_get_uint64(get(d, "cleared_bytes")), UINT64_MAX);
        ck_assert_int_eq(json_object_get_int64(get(d, "skipped_blocks")), UINT32_MAX);
        ck_assert_uint_eq(json_object_get_uint64(get(d, "last_scrub")), UINT64_MAX);
        ck_assert_str_eq(json_object_get_string(get(d, "scrub_outcome")), "timed-out");

        n = json_object_array_get_idx(get(root, "nodes"), 0);
        ck_assert_uint_eq(json_object_get_uint64(get(n, "total")), UINT64_MAX - 1);
        json_object_put(root);
        free(s);
}
END_TEST

START_TEST(test_show_json) {
        for (size_t i = 0; i < 2; i++) {
                struct json_object *o;
                char *s = NULL;

                if (i == 0)
                        sample();
                ck_assert_int_eq(ctl_json_device(&rep.devices[i], &s), 0);
                o = parse_json(s);
                expect_keys(o, device_keys, ELEMENTSOF(device_keys), show_extra_keys, ELEMENTSOF(show_extra_keys));
                expect_sample_device(o, i);
                ck_assert_uint_eq(json_object_get_uint64(get(o, "last_transition")),
                                  i == 0 ? UINT64_C(1700000000123456) : UINT64_C(1700000060000000));
                ck_assert_str_eq(json_object_get_string(get(o, "object_path")),
                                 i == 0 ? "/org/daxtier/Daxtierd1/device/dax0_0"
                                        : "/org/daxtier/Daxtierd1/device/dax1_0");
                ck_assert_ptr_null(strstr(s, "\\/"));
                json_object_put(o);
                free(s);
        }
}
END_TEST

START_TEST(test_cxl_status) {
        struct ctl_device *d;
        struct json_object *root, *o;
        char *s = NULL;

        add("dax0.0", "pmem", "online", GiB, 0, "Movable", 8, 8);
        d = add("dax4.0", "cxl", "online", GiB, 1, "Movable", 7, 8);
        d->cxl_region = 4;
        set_s(d, "CxlMemdevs", "mem0=0xa1,mem1=0xa2");
        d->badblocks = 1;
        ck_assert_int_eq(ctl_format_status(&rep, &s), 0);
        ck_assert_ptr_nonnull(strstr(s, "\ndax4.0: CXL region4, memdevs mem0=0xa1,mem1=0xa2, 1 poison range\n"));
        ck_assert_ptr_null(strstr(s, "dax0.0: CXL"));
        free(s);

        ck_assert_int_eq(ctl_format_device(d, &s), 0);
        ck_assert_ptr_nonnull(strstr(s, "\nCxlRegion: region4\nCxlMemdevs: mem0=0xa1,mem1=0xa2\n"));
        free(s);

        ck_assert_int_eq(ctl_json_status(&rep, &s), 0);
        root = parse_json(s);
        o = json_object_array_get_idx(get(root, "devices"), 1);
        ck_assert_int_eq(json_object_get_int(get(o, "cxl_region")), 4);
        /* cxl_memdevs: [{"name": "mem0", "serial": "0xa1"}, ...] */
        ck_assert_uint_eq(json_object_array_length(get(o, "cxl_memdevs")), 2);
        ck_assert_str_eq(json_object_get_string(get(json_object_array_get_idx(get(o, "cxl_memdevs"), 1), "name")), "mem1");
        ck_assert_str_eq(json_object_get_string(get(json_object_array_get_idx(get(o, "cxl_memdevs"), 1), "serial")), "0xa2");
        ck_assert_str_eq(json_object_get_string(get(json_object_array_get_idx(get(o, "cxl_memdevs"), 0), "serial")), "0xa1");
        o = json_object_array_get_idx(get(root, "devices"), 0);
        ck_assert_int_eq(json_object_get_int(get(o, "cxl_region")), -1);
        ck_assert_uint_eq(json_object_array_length(get(o, "cxl_memdevs")), 0);
        json_object_put(root);
        free(s);
}
END_TEST

START_TEST(test_list_json) {
        struct json_object *root;
        char *s = NULL;

        sample();
        ck_assert_int_eq(ctl_json_list(&rep, &s), 0);
        root = parse_json(s);
        ck_assert(json_object_is_type(root, json_type_array));
        ck_assert_uint_eq(json_object_array_length(root), 2);
        for (size_t i = 0; i < 2; i++) {
                struct json_object *o = json_object_array_get_idx(root, i);

                expect_keys(o, list_keys, ELEMENTSOF(list_keys), NULL, 0);
                ck_assert_str_eq(json_object_get_string(get(o, "name")), i == 0 ? "dax0.0" : "dax1.0");
                ck_assert_str_eq(json_object_get_string(get(o, "state")), i == 0 ? "online" : "refused");
                ck_assert_str_eq(json_object_get_string(get(o, "object_path")),
                                 i == 0 ? "/org/daxtier/Daxtierd1/device/dax0_0"
                                        : "/org/daxtier/Daxtierd1/device/dax1_0");
        }
        json_object_put(root);
        free(s);

        ctl_report_clear(&rep);
        ck_assert_int_eq(ctl_json_list(&rep, &s), 0);
        root = parse_json(s);
        ck_assert(json_object_is_type(root, json_type_array));
        ck_assert_uint_eq(json_object_array_length(root), 0);
        json_object_put(root);
        free(s);
}
END_TEST

/* ---- Security ---------------------------------------------------------------- */

/* A pmem device whose DIMMs are all frozen, and one whose security the
 * daemon has not reported: "frozen" reaches every output, "" shows as "-"
 * in text and stays "" in JSON. */
static void security_sample(void) {
        set_s(add("dax0.0", "pmem", "online", 2 * GiB, 1, "movable", 16, 16), "Security", "frozen");
        add("dax1.0", "pmem", "devdax", 2 * GiB, 1, "", 0, 16);
}

START_TEST(test_security_text) {
        char *s = NULL;

        security_sample();
        ck_assert_str_eq(rep.devices[0].security, "frozen");

        ck_assert_int_eq(ctl_format_status(&rep, &s), 0);
        ck_assert_str_eq(s, "DEVICE  SOURCE  STATE      SIZE  NODE  ZONE     BLOCKS  SECURITY  BADBLOCKS  SKIPPED\n"
                            "dax0.0  pmem    online  2.0 GiB  1     movable  16/16   frozen    0          0\n"
                            "dax1.0  pmem    devdax  2.0 GiB  1     -        0/16    -         0          0\n");
        assert_no_trailing_blanks(s);
        free(s);

        ck_assert_int_eq(ctl_format_device(&rep.devices[0], &s), 0);
        ck_assert_ptr_nonnull(strstr(s, "\nMemmapOnMemory: no\nSecurity: frozen\nBadBlocks: 0\n"));
        free(s);
        ck_assert_int_eq(ctl_format_device(&rep.devices[1], &s), 0);
        ck_assert_ptr_nonnull(strstr(s, "\nMemmapOnMemory: no\nSecurity: -\nBadBlocks: 0\n"));
        free(s);

        /* The list output does not grow a column. */
        ck_assert_int_eq(ctl_format_list(&rep, &s), 0);
        ck_assert_ptr_null(strstr(s, "frozen"));
        ck_assert_ptr_null(strstr(s, "SECURITY"));
        free(s);
}
END_TEST

/* The key after k in o's order, or NULL. */
static const char *key_after(struct json_object *o, const char *k) {
        bool found = false;

        json_object_object_foreach(o, key, val) {
                (void) val;
                if (found)
                        return key;
                if (streq(key, k))
                        found = true;
        }
        return NULL;
}

START_TEST(test_security_json) {
        struct json_object *root, *d, *o;
        char *s = NULL;

        security_sample();

        ck_assert_int_eq(ctl_json_status(&rep, &s), 0);
        root = parse_json(s);
        d = json_object_array_get_idx(get(root, "devices"), 0);
        expect_keys(d, device_keys, ELEMENTSOF(device_keys), NULL, 0);
        ck_assert_str_eq(json_object_get_string(get(d, "security")), "frozen");
        ck_assert_pstr_eq(key_after(d, "last_error"), "security");
        ck_assert_pstr_eq(key_after(d, "security"), "badblocks");
        ck_assert_pstr_eq(key_after(d, "scrub_outcome"), "cxl_region");
        ck_assert_pstr_eq(key_after(d, "cxl_memdevs"), "tier");
        ck_assert_pstr_eq(key_after(d, "tier"), NULL); /* last key of status */
        d = json_object_array_get_idx(get(root, "devices"), 1);
        ck_assert_str_eq(json_object_get_string(get(d, "security")), "");
        json_object_put(root);
        free(s);

        ck_assert_int_eq(ctl_json_device(&rep.devices[0], &s), 0);
        o = parse_json(s);
        expect_keys(o, device_keys, ELEMENTSOF(device_keys), show_extra_keys, ELEMENTSOF(show_extra_keys));
        ck_assert_str_eq(json_object_get_string(get(o, "security")), "frozen");
        ck_assert_pstr_eq(key_after(o, "last_error"), "security");
        ck_assert_pstr_eq(key_after(o, "security"), "badblocks");
        ck_assert_pstr_eq(key_after(o, "cxl_memdevs"), "tier");
        ck_assert_pstr_eq(key_after(o, "tier"), "last_transition");
        json_object_put(o);
        free(s);

        /* list stays name, state, object_path. */
        ck_assert_int_eq(ctl_json_list(&rep, &s), 0);
        root = parse_json(s);
        expect_keys(json_object_array_get_idx(root, 0), list_keys, ELEMENTSOF(list_keys), NULL, 0);
        json_object_put(root);
        free(s);
}
END_TEST

/* ---- poison ------------------------------------------------------------------ */

/* A device with poison it could not clear: 3 bad ranges left, 2 blocks
 * left offline, 1 MiB cleared, after a scrub that timed out. */
static struct ctl_device *poison_sample(void) {
        struct ctl_device *d = add("dax0.0", "pmem", "online", 2 * GiB, 1, "movable", 14, 16);

        set_s(d, "Security", "unlocked");
        set_u(d, "BadBlocks", 3);
        set_t(d, "ClearedBytes", MiB);
        set_u(d, "SkippedBlocks", 2);
        set_t(d, "LastScrub", UINT64_C(1700000000999999));
        set_s(d, "ScrubOutcome", "timed-out");
        set_s(add("dax1.0", "pmem", "devdax", 2 * GiB, 1, "", 0, 16), "ScrubOutcome", "unsupported");
        return d;
}

START_TEST(test_poison_text) {
        char *s = NULL;

        poison_sample();
        ck_assert_int_eq(ctl_format_status(&rep, &s), 0);
        ck_assert_str_eq(s, "DEVICE  SOURCE  STATE      SIZE  NODE  ZONE     BLOCKS  SECURITY  BADBLOCKS  SKIPPED\n"
                            "dax0.0  pmem    online  2.0 GiB  1     movable  14/16   unlocked  3          2\n"
                            "dax1.0  pmem    devdax  2.0 GiB  1     -        0/16    -         0          0\n");
        assert_no_trailing_blanks(s);
        free(s);

        /* After Security, before LastError, in this order; the scrub time
         * in UTC, to the second. */
        ck_assert_int_eq(ctl_format_device(&rep.devices[0], &s), 0);
        ck_assert_ptr_nonnull(strstr(s, "\nSecurity: unlocked\n"
                                        "BadBlocks: 3\n"
                                        "ClearedBytes: 1048576\n"
                                        "SkippedBlocks: 2\n"
                                        "LastScrub: 2023-11-14 22:13:20 UTC\n"
                                        "ScrubOutcome: timed-out\n"
                                        "LastError: -\n"
                                        "LastTransition: -\n"));
        free(s);
        ck_assert_int_eq(ctl_format_device(&rep.devices[1], &s), 0);
        ck_assert_ptr_nonnull(strstr(s, "\nSecurity: -\n"
                                        "BadBlocks: 0\n"
                                        "ClearedBytes: 0\n"
                                        "SkippedBlocks: 0\n"
                                        "LastScrub: -\n"
                                        "ScrubOutcome: unsupported\n"
                                        "LastError: -\n"));
        free(s);

        /* LastScrub and LastTransition are each their own time. */
        set_t(&rep.devices[1], "LastTransition", UINT64_C(1700000060000000));
        ck_assert_int_eq(ctl_format_device(&rep.devices[1], &s), 0);
        ck_assert_ptr_nonnull(strstr(s, "\nLastScrub: -\n"));
        ck_assert_ptr_nonnull(strstr(s, "\nLastTransition: 2023-11-14 22:14:20 UTC\n"));
        free(s);

        /* The list output does not grow a column. */
        ck_assert_int_eq(ctl_format_list(&rep, &s), 0);
        ck_assert_ptr_null(strstr(s, "BADBLOCKS"));
        ck_assert_ptr_null(strstr(s, "SKIPPED"));
        free(s);
}
END_TEST

/* With the daemon's Nodes and TieringKnobs: tier, demoted, promoted and the knobs. */
START_TEST(test_status_tiering) {
        static const uint64_t totals[] = { 8 * GiB, 2 * GiB };
        struct json_object *root, *n, *k;
        char *s = NULL;

        ck_assert_int_eq(ctl_report_compute_nodes(&rep, totals, ELEMENTSOF(totals), BLOCK_SIZE), 0);
        ck_assert_int_eq(rep.nodes[0].tier, -1);
        ck_assert_int_eq(ctl_report_set_node_tiering(&rep, 0, 4, 235000, 0), 0);
        ck_assert_int_eq(ctl_report_set_node_tiering(&rep, 1, 22, 0, 17), 0);
        ck_assert_int_eq(ctl_report_add_knob(&rep, "demotion_enabled", "true", true), 0);
        ck_assert_int_eq(ctl_report_add_knob(&rep, "numa_balancing", "0", false), 0);
        ck_assert_int_eq(ctl_format_status(&rep, &s), 0);
        ck_assert_str_eq(s, "No dax devices.\n"
                            "\n"
                            "NODE    TOTAL  DAX  TIER  DEMOTED  PROMOTED\n"
                            "0     8.0 GiB  0 B     4   235000         0\n"
                            "1     2.0 GiB  0 B    22        0        17\n"
                            "\n"
                            "TIERING KNOB      VALUE  SET BY DAXTIERD\n"
                            "demotion_enabled  true   yes\n"
                            "numa_balancing    0      no\n");
        assert_no_trailing_blanks(s);
        free(s);

        ck_assert_int_eq(ctl_json_status(&rep, &s), 0);
        root = parse_json(s);
        n = json_object_array_get_idx(get(root, "nodes"), 1);
        ck_assert_int_eq(json_object_get_int(get(n, "tier")), 22);
        ck_assert_uint_eq(json_object_get_uint64(get(n, "promoted")), 17);
        n = json_object_array_get_idx(get(root, "nodes"), 0);
        ck_assert_uint_eq(json_object_get_uint64(get(n, "demoted")), 235000);
        k = json_object_array_get_idx(get(root, "tiering"), 0);
        ck_assert_str_eq(json_object_get_string(get(k, "knob")), "demotion_enabled");
        ck_assert_str_eq(json_object_get_string(get(k, "value")), "true");
        ck_assert(json_object_get_boolean(get(k, "set")));
        json_object_put(root);
        free(s);
}
END_TEST

START_TEST(test_poison_json) {
        static const char *const order[] = {
                "security", "badblocks", "cleared_bytes", "skipped_blocks", "last_scrub", "scrub_outcome",
        };
        struct json_object *root, *d, *o;
        char *s = NULL;

        poison_sample();

        ck_assert_int_eq(ctl_json_status(&rep, &s), 0);
        root = parse_json(s);
        d = json_object_array_get_idx(get(root, "devices"), 0);
        expect_keys(d, device_keys, ELEMENTSOF(device_keys), NULL, 0);
        for (size_t i = 0; i + 1 < ELEMENTSOF(order); i++)
                ck_assert_pstr_eq(key_after(d, order[i]), order[i + 1]);
        ck_assert_pstr_eq(key_after(d, "scrub_outcome"), "cxl_region");
        ck_assert_pstr_eq(key_after(d, "cxl_memdevs"), "tier");
        ck_assert_pstr_eq(key_after(d, "tier"), NULL); /* last key of status */
        ck_assert_int_eq(json_object_get_int64(get(d, "badblocks")), 3);
        ck_assert_uint_eq(json_object_get_uint64(get(d, "cleared_bytes")), MiB);
        ck_assert_int_eq(json_object_get_int64(get(d, "skipped_blocks")), 2);
        ck_assert_uint_eq(json_object_get_uint64(get(d, "last_scrub")), UINT64_C(1700000000999999));
        ck_assert_str_eq(json_object_get_string(get(d, "scrub_outcome")), "timed-out");
        d = json_object_array_get_idx(get(root, "devices"), 1);
        ck_assert_int_eq(json_object_get_int64(get(d, "badblocks")), 0);
        ck_assert_uint_eq(json_object_get_uint64(get(d, "last_scrub")), 0);
        ck_assert_str_eq(json_object_get_string(get(d, "scrub_outcome")), "unsupported");
        json_object_put(root);
        free(s);

        ck_assert_int_eq(ctl_json_device(&rep.devices[0], &s), 0);
        o = parse_json(s);
        expect_keys(o, device_keys, ELEMENTSOF(device_keys), show_extra_keys, ELEMENTSOF(show_extra_keys));
        for (size_t i = 0; i + 1 < ELEMENTSOF(order); i++)
                ck_assert_pstr_eq(key_after(o, order[i]), order[i + 1]);
        ck_assert_pstr_eq(key_after(o, "cxl_memdevs"), "tier");
        ck_assert_pstr_eq(key_after(o, "tier"), "last_transition");
        ck_assert_int_eq(json_object_get_int64(get(o, "skipped_blocks")), 2);
        ck_assert_str_eq(json_object_get_string(get(o, "scrub_outcome")), "timed-out");
        json_object_put(o);
        free(s);

        /* A never-set outcome is "" in JSON, as every string is. */
        ck_assert_int_eq(ctl_json_device(ctl_report_add_device(&rep), &s), 0);
        o = parse_json(s);
        ck_assert_str_eq(json_object_get_string(get(o, "scrub_outcome")), "");
        ck_assert_uint_eq(json_object_get_uint64(get(o, "last_scrub")), 0);
        json_object_put(o);
        free(s);
}
END_TEST

/* ---- errors ------------------------------------------------------------------ */

START_TEST(test_bus_errors) {
        static const struct {
                const char *name;
                enum ctl_bus_error kind;
                int exit_code;
        } cases[] = {
                { "org.freedesktop.DBus.Error.ServiceUnknown", CTL_BUS_ERROR_NOT_RUNNING, 3 },
                { "org.freedesktop.DBus.Error.NameHasNoOwner", CTL_BUS_ERROR_NOT_RUNNING, 3 },
                { "org.freedesktop.DBus.Error.AccessDenied", CTL_BUS_ERROR_ACCESS_DENIED, 1 },
                { "org.daxtier.Daxtierd1.Error.NoSuchDevice", CTL_BUS_ERROR_NO_SUCH_DEVICE, 1 },
                { "org.daxtier.Daxtierd1.Error.InvalidConfig", CTL_BUS_ERROR_INVALID_CONFIG, 1 },
                { "org.freedesktop.DBus.Error.UnknownObject", CTL_BUS_ERROR_OTHER, 1 },
                { "org.freedesktop.DBus.Error.NoReply", CTL_BUS_ERROR_OTHER, 1 },
                { "org.freedesktop.DBus.Error.serviceunknown", CTL_BUS_ERROR_OTHER, 1 },
                { "", CTL_BUS_ERROR_OTHER, 1 },
                { NULL, CTL_BUS_ERROR_OTHER, 1 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                ck_assert_int_eq(ctl_classify_bus_error(cases[i].name), cases[i].kind);
                ck_assert_int_eq(ctl_bus_error_exit_code(cases[i].name), cases[i].exit_code);
        }
        ck_assert_int_eq(CTL_EXIT_OK, 0);
        ck_assert_int_eq(CTL_EXIT_FAILURE, 1);
        ck_assert_int_eq(CTL_EXIT_USAGE, 2);
        ck_assert_int_eq(CTL_EXIT_NOT_RUNNING, 3);
}
END_TEST

static Suite *ctl_suite(void) {
        Suite *s = suite_create("ctl");
        TCase *tc;

        tc = tcase_create("args");
        tcase_add_loop_test(tc, test_args_good, 0, ELEMENTSOF(good_args));
        tcase_add_loop_test(tc, test_args_bad, 0, ELEMENTSOF(bad_args));
        tcase_add_test(tc, test_args_double_dash);
        tcase_add_test(tc, test_args_argv_untouched);
        tcase_add_test(tc, test_args_only_program_name);
        tcase_add_test(tc, test_command_names);
        tcase_add_test(tc, test_help_text);
        suite_add_tcase(s, tc);

        tc = tcase_create("model");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_add_device_defaults);
        tcase_add_test(tc, test_property_signatures);
        tcase_add_test(tc, test_set_property);
        tcase_add_test(tc, test_sort);
        tcase_add_test(tc, test_nodes);
        tcase_add_test(tc, test_nodes_empty);
        tcase_add_test(tc, test_nodes_large);
        suite_add_tcase(s, tc);

        tc = tcase_create("text");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_status_text);
        tcase_add_test(tc, test_status_tiering);
        tcase_add_test(tc, test_status_text_no_devices);
        tcase_add_test(tc, test_status_text_no_errors);
        tcase_add_test(tc, test_status_text_long_names);
        tcase_add_loop_test(tc, test_status_text_sizes, 0, ELEMENTSOF(sizes));
        tcase_add_test(tc, test_status_text_several_errors);
        tcase_add_test(tc, test_show_text);
        tcase_add_test(tc, test_cxl_status);
        tcase_add_test(tc, test_show_text_empty);
        tcase_add_test(tc, test_list_text);
        suite_add_tcase(s, tc);

        tc = tcase_create("json");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_status_json);
        tcase_add_test(tc, test_status_json_empty);
        tcase_add_test(tc, test_status_json_extremes);
        tcase_add_test(tc, test_show_json);
        tcase_add_test(tc, test_list_json);
        suite_add_tcase(s, tc);

        tc = tcase_create("security");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_security_text);
        tcase_add_test(tc, test_security_json);
        suite_add_tcase(s, tc);

        tc = tcase_create("poison");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_poison_text);
        tcase_add_test(tc, test_poison_json);
        suite_add_tcase(s, tc);

        tc = tcase_create("errors");
        tcase_add_test(tc, test_bus_errors);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(ctl_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);

        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
