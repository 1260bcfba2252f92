/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * daxtierctl: the command-line client of daxtierd.  Parses the command
 * line (ctl.c), asks daxtierd over the system bus (sd-bus), adds what
 * only this machine knows (NUMA node sizes from libnuma, the memory block
 * size from sysfs) and prints text or JSON rendered by ctl.c.
 * check-config needs no daemon: it runs the policy parser locally.
 */

#include <numa.h>
#include <systemd/sd-bus.h>

#include "ctl.h"
#include "policy.h"
#include "util.h"

#define BLOCK_SIZE_PATH "/sys/devices/system/memory/block_size_bytes"

/* sd-bus's default (25 s) for every call: daxtierd answers Reload,
 * Rescan and Apply once the work is queued, not when it is done. */
#define CALL_TIMEOUT_USEC 0

/* What the verbs return when daxtierd is not on the bus: exit code 3. */
#define ERRNO_NOT_RUNNING EHOSTDOWN

static const char *bus_kind = "system";

static void report_clearp(struct ctl_report *r) {
        ctl_report_clear(r);
}

static bool isempty(const char *s) {
        return !s || !*s;
}

static int log_oom(void) {
        fprintf(stderr, "daxtierctl: out of memory\n");
        return -ENOMEM;
}

static void print_not_running(void) {
        fprintf(stderr, "daxtierctl: daxtierd is not running (no %s on the %s bus)\n", CTL_BUS_NAME, bus_kind);
}

/*
 * DAXTIERCTL_BUS=session talks to the session bus instead: for testing
 * against a fake daemon without root.  Everything else uses the system bus.
 */
static int bus_connect(sd_bus **ret) {
        const char *e = getenv("DAXTIERCTL_BUS");
        bool session = false;
        int r;

        if (e && streq(e, "session"))
                session = true;
        else if (!isempty(e) && !streq(e, "system")) {
                fprintf(stderr, "daxtierctl: DAXTIERCTL_BUS=%s is neither 'system' nor 'session'\n", e);
                return -EINVAL;
        }
        bus_kind = session ? "session" : "system";

        r = session ? sd_bus_open_user(ret) : sd_bus_open_system(ret);
        if (r < 0) {
                fprintf(stderr, "daxtierctl: cannot connect to the %s bus: %s\n", bus_kind, strerror(-r));
                print_not_running();
                return -ERRNO_NOT_RUNNING;
        }
        return 0;
}

/* Errors of the connection itself, rather than answers of daxtierd. */
static bool errno_is_disconnect(int r) {
        return r == -ECONNREFUSED || r == -ECONNRESET || r == -ENOTCONN || r == -EPIPE;
}

/*
 * Prints why the call of member on path failed, naming the D-Bus error
 * and its message, and returns a negative errno: -ERRNO_NOT_RUNNING when
 * daxtierd is not on the bus.  device names the device the call was
 * about, or is NULL.
 */
static int log_call_error(const char *member, const char *path, const char *device, const sd_bus_error *error,
                          int r) {
        const char *name = error && sd_bus_error_is_set(error) ? error->name : NULL;
        const char *message = error && error->message ? error->message : strerror(-r);

        switch (ctl_classify_bus_error(name)) {
        case CTL_BUS_ERROR_NOT_RUNNING:
                print_not_running();
                return -ERRNO_NOT_RUNNING;
        case CTL_BUS_ERROR_ACCESS_DENIED:
                fprintf(stderr, "daxtierctl: permission denied: %s\n", message);
                return -EACCES;
        case CTL_BUS_ERROR_NO_SUCH_DEVICE:
                fprintf(stderr, "daxtierctl: unknown device '%s' (%s: %s)\n", strempty(device), name, message);
                return -ENODEV;
        case CTL_BUS_ERROR_INVALID_CONFIG:
                fprintf(stderr,
                        "daxtierctl: daxtierd rejected the new configuration and keeps its old policy (%s):\n%s\n",
                        name, message);
                return -EINVAL;
        case CTL_BUS_ERROR_OTHER:
                break;
        }

        if (errno_is_disconnect(r)) {
                fprintf(stderr, "daxtierctl: lost the connection to the %s bus: %s\n", bus_kind, strerror(-r));
                print_not_running();
                return -ERRNO_NOT_RUNNING;
        }
        if (name)
                fprintf(stderr, "daxtierctl: %s on %s failed: %s: %s\n", member, path, name, message);
        else
                fprintf(stderr, "daxtierctl: %s on %s failed: %s\n", member, path, strerror(-r));
        return r;
}

static int log_parse_error(const char *what, const char *path, int r) {
        fprintf(stderr, "daxtierctl: cannot parse the reply of %s from %s: %s\n", what, path, strerror(-r));
        return r;
}

/*
 * Calls member on path with at most one string argument.  Auto-start is
 * off: asking for the status must not start the daemon as a side effect,
 * and "not running" is an answer of its own (exit 3).
 */
static int call(sd_bus *bus, const char *path, const char *interface, const char *member, const char *arg,
                uint64_t timeout_usec, const char *device, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, CTL_BUS_NAME, path, interface, member);
        if (r >= 0)
                r = sd_bus_message_set_auto_start(m, false);
        if (r >= 0 && arg)
                r = sd_bus_message_append(m, "s", arg);
        if (r < 0) {
                fprintf(stderr, "daxtierctl: cannot build the call %s on %s: %s\n", member, path, strerror(-r));
                return r;
        }

        r = sd_bus_call(bus, m, timeout_usec, &error, ret_reply);
        if (r < 0)
                return log_call_error(member, path, device, &error, r);
        return 0;
}

/* Reads one variant of the property's known signature into d.  Returns
 * -errno without printing: read_device() names the object. */
static int read_property(sd_bus_message *m, struct ctl_device *d, const char *key, const char **ret_bad_type) {
        const char *sig = ctl_device_property_signature(key);
        const char *contents;
        struct ctl_value v = {};
        char type;
        int b, r;

        if (!sig)
                /* A property of a newer daemon: not ours to show. */
                return sd_bus_message_skip(m, "v");

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (type != SD_BUS_TYPE_VARIANT || !contents || !streq(contents, sig)) {
                *ret_bad_type = contents;
                return -EBADMSG;
        }

        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, sig);
        if (r < 0)
                return r;
        /* One reader for every basic type: the union starts at one address. */
        v.type = sig[0];
        if (v.type == 'b') {
                r = sd_bus_message_read_basic(m, 'b', &b);
                v.b = b;
        } else
                r = sd_bus_message_read_basic(m, v.type, v.type == 's' ? (void *) &v.s : (void *) &v.t);
        if (r < 0)
                return r;
        r = ctl_device_set_property(d, key, &v);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

/* Reads an a{sv} of org.daxtier.Daxtierd1.Device properties of the
 * object at path into a new device of rep.  Prints its own errors. */
static int read_device(sd_bus_message *m, const char *path, struct ctl_report *rep) {
        const char *key = NULL, *bad_type = NULL;
        struct ctl_device *d;
        int r;

        d = ctl_report_add_device(rep);
        if (!d) {
                r = -ENOMEM;
                goto fail;
        }
        r = ctl_device_set_object_path(d, path);
        if (r < 0)
                goto fail;

        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r < 0)
                goto fail;
        while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
                r = sd_bus_message_read_basic(m, 's', &key);
                if (r < 0)
                        goto fail;
                r = read_property(m, d, key, &bad_type);
                if (r < 0)
                        goto fail;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        goto fail;
                key = NULL;
        }
        if (r < 0)
                goto fail;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                goto fail;

        if (isempty(d->name)) {
                fprintf(stderr, "daxtierctl: %s: the device has no Name property\n", path);
                return -EBADMSG;
        }
        return 0;

fail:
        if (bad_type)
                fprintf(stderr, "daxtierctl: %s: property %s has type '%s', expected '%s'\n", path, key, bad_type,
                        ctl_device_property_signature(key));
        else if (key)
                fprintf(stderr, "daxtierctl: %s: cannot read property %s: %s\n", path, key, strerror(-r));
        else
                fprintf(stderr, "daxtierctl: %s: cannot read the device properties: %s\n", path, strerror(-r));
        return r;
}

/* Every device, with all its properties, in one round trip. */
static int fetch_devices(sd_bus *bus, struct ctl_report *rep) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = call(bus, CTL_MANAGER_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL,
                 CALL_TIMEOUT_USEC, NULL, &reply);
        if (r < 0)
                return r;

        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "{oa{sa{sv}}}");
        if (r < 0)
                goto fail;
        while ((r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_DICT_ENTRY, "oa{sa{sv}}")) > 0) {
                const char *path;

                r = sd_bus_message_read_basic(reply, 'o', &path);
                if (r < 0)
                        goto fail;
                r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "{sa{sv}}");
                if (r < 0)
                        goto fail;
                while ((r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_DICT_ENTRY, "sa{sv}")) > 0) {
                        const char *interface;

                        r = sd_bus_message_read_basic(reply, 's', &interface);
                        if (r < 0)
                                goto fail;
                        /* The manager object and the standard interfaces are
                         * reported too; only devices are wanted here. */
                        if (streq(interface, CTL_DEVICE_INTERFACE)) {
                                r = read_device(reply, path, rep);
                                if (r < 0)
                                        return r;
                        } else {
                                r = sd_bus_message_skip(reply, "a{sv}");
                                if (r < 0)
                                        goto fail;
                        }
                        r = sd_bus_message_exit_container(reply);
                        if (r < 0)
                                goto fail;
                }
                if (r < 0)
                        goto fail;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        goto fail;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        goto fail;
        }
        if (r < 0)
                goto fail;
        r = sd_bus_message_exit_container(reply);
        if (r < 0)
                goto fail;

        ctl_report_sort(rep);
        return 0;

fail:
        return log_parse_error("GetManagedObjects", CTL_MANAGER_PATH, r);
}

/* The object path of device name, via GetDevice; *ret points into *ret_reply. */
static int get_device_path(sd_bus *bus, const char *name, sd_bus_message **ret_reply, const char **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = call(bus, CTL_MANAGER_PATH, CTL_MANAGER_INTERFACE, "GetDevice", name, CALL_TIMEOUT_USEC, name,
                 &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_read_basic(reply, 'o', ret);
        if (r < 0)
                return log_parse_error("GetDevice", CTL_MANAGER_PATH, r);
        *ret_reply = TAKE_PTR(reply);
        return 0;
}

/* Reads the memory block size: hexadecimal, without "0x". */
static int read_block_size(uint64_t *ret) {
        _cleanup_fclose_ FILE *f = NULL;
        char line[64];

        f = fopen(BLOCK_SIZE_PATH, "re");
        if (!f)
                return -errno;
        if (!fgets(line, sizeof(line), f))
                return ferror(f) ? -EIO : -EINVAL;
        line[strcspn(line, "\n")] = '\0';
        return safe_atou64(line, 16, ret);
}

/* Total memory of each node 0..numa_max_node(), 0 for nodes without any. */
static int read_node_totals(uint64_t **ret, size_t *ret_n) {
        uint64_t *totals;
        int max;

        if (numa_available() < 0) {
                /* A kernel without NUMA: the node table stays empty. */
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        max = numa_max_node();
        if (max < 0)
                max = 0;
        totals = calloc((size_t) max + 1, sizeof(*totals));
        if (!totals)
                return -ENOMEM;
        for (int n = 0; n <= max; n++) {
                long long size;

                /* Node numbers may have holes; don't ask about those. */
                if (!numa_bitmask_isbitset(numa_nodes_ptr, (unsigned) n))
                        continue;
                size = numa_node_size64(n, NULL);
                totals[n] = size > 0 ? (uint64_t) size : 0;
        }
        *ret = totals;
        *ret_n = (size_t) max + 1;
        return 0;
}

static int add_nodes(struct ctl_report *rep) {
        _cleanup_free_ uint64_t *totals = NULL;
        uint64_t block_size = 0;
        size_t n_totals = 0;
        bool need_block_size = false;
        int r;

        r = read_node_totals(&totals, &n_totals);
        if (r < 0) {
                fprintf(stderr, "daxtierctl: cannot read the NUMA nodes' memory: %s\n", strerror(-r));
                return r;
        }

        for (size_t i = 0; i < rep->n_devices; i++)
                if (rep->devices[i].online_blocks > 0)
                        need_block_size = true;
        if (need_block_size) {
                r = read_block_size(&block_size);
                if (r < 0) {
                        /* The device table is still right: say what is
                         * missing rather than fail the whole status. */
                        fprintf(stderr, "daxtierctl: cannot read %s: %s; dax capacity shown as 0\n",
                                BLOCK_SIZE_PATH, strerror(-r));
                        block_size = 0;
                }
        }

        r = ctl_report_compute_nodes(rep, totals, n_totals, block_size);
        if (r < 0)
                fprintf(stderr, "daxtierctl: cannot compute the node table: %s\n", strerror(-r));
        return r;
}

static int print_string(int r, char *s) {
        if (r < 0) {
                fprintf(stderr, "daxtierctl: cannot format the output: %s\n", strerror(-r));
                return r;
        }
        fputs(s, stdout);
        free(s);
        return 0;
}

/* Nodes and TieringKnobs of the Manager: missing on an older daemon,
 * which leaves the report without them. */
static int add_tiering(sd_bus *bus, struct ctl_report *rep) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *knobs = NULL;
        const char *knob, *value;
        int32_t node, tier;
        uint64_t demoted, promoted;
        int set, r;

        r = sd_bus_get_property(bus, CTL_BUS_NAME, CTL_MANAGER_PATH, CTL_MANAGER_INTERFACE, "Nodes", &error, &reply,
                                "a(iitt)");
        if (r < 0)
                return 0;
        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "(iitt)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(iitt)", &node, &tier, &demoted, &promoted)) > 0)
                if (ctl_report_set_node_tiering(rep, node, tier, demoted, promoted) < 0)
                        return log_oom();
        if (r < 0)
                return log_parse_error("Nodes", CTL_MANAGER_PATH, r);

        sd_bus_error_free(&error);
        r = sd_bus_get_property(bus, CTL_BUS_NAME, CTL_MANAGER_PATH, CTL_MANAGER_INTERFACE, "TieringKnobs", &error,
                                &knobs, "a(ssb)");
        if (r < 0)
                return 0;
        r = sd_bus_message_enter_container(knobs, SD_BUS_TYPE_ARRAY, "(ssb)");
        while (r >= 0 && (r = sd_bus_message_read(knobs, "(ssb)", &knob, &value, &set)) > 0)
                if (ctl_report_add_knob(rep, knob, value, set) < 0)
                        return log_oom();
        if (r < 0)
                return log_parse_error("TieringKnobs", CTL_MANAGER_PATH, r);
        return 0;
}

static int verb_metrics(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *text;
        int r;

        r = call(bus, CTL_MANAGER_PATH, CTL_MANAGER_INTERFACE, "GetMetrics", NULL, CALL_TIMEOUT_USEC, NULL, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                return log_parse_error("GetMetrics", CTL_MANAGER_PATH, r);
        fputs(text, stdout);
        return 0;
}

static int verb_status(sd_bus *bus, const struct ctl_args *args) {
        _cleanup_(report_clearp) struct ctl_report rep = {};
        char *s = NULL;
        int r;

        r = fetch_devices(bus, &rep);
        if (r < 0)
                return r;
        r = add_nodes(&rep);
        if (r < 0)
                return r;
        r = add_tiering(bus, &rep);
        if (r < 0)
                return r;

        r = args->json ? ctl_json_status(&rep, &s) : ctl_format_status(&rep, &s);
        return print_string(r, s);
}

static int verb_show(sd_bus *bus, const struct ctl_args *args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *path_reply = NULL, *reply = NULL;
        _cleanup_(report_clearp) struct ctl_report rep = {};
        const char *path;
        char *s = NULL;
        int r;

        r = get_device_path(bus, args->device, &path_reply, &path);
        if (r < 0)
                return r;

        r = call(bus, path, "org.freedesktop.DBus.Properties", "GetAll", CTL_DEVICE_INTERFACE,
                 CALL_TIMEOUT_USEC, args->device, &reply);
        if (r < 0)
                return r;
        r = read_device(reply, path, &rep);
        if (r < 0)
                return r;

        r = args->json ? ctl_json_device(&rep.devices[0], &s) : ctl_format_device(&rep.devices[0], &s);
        return print_string(r, s);
}

static int verb_list(sd_bus *bus, const struct ctl_args *args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(report_clearp) struct ctl_report rep = {};
        const char *name, *state, *path;
        char *s = NULL;
        int r;

        r = call(bus, CTL_MANAGER_PATH, CTL_MANAGER_INTERFACE, "ListDevices", NULL, CALL_TIMEOUT_USEC, NULL,
                 &reply);
        if (r < 0)
                return r;

        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "(sso)");
        if (r < 0)
                return log_parse_error("ListDevices", CTL_MANAGER_PATH, r);
        while ((r = sd_bus_message_read(reply, "(sso)", &name, &state, &path)) > 0) {
                struct ctl_device *d = ctl_report_add_device(&rep);
                struct ctl_value v = { .type = 's' };

                if (!d)
                        return log_oom();
                v.s = name;
                r = ctl_device_set_property(d, "Name", &v);
                if (r >= 0) {
                        v.s = state;
                        r = ctl_device_set_property(d, "State", &v);
                }
                if (r >= 0)
                        r = ctl_device_set_object_path(d, path);
                if (r < 0)
                        return log_oom();
        }
        if (r < 0)
                return log_parse_error("ListDevices", CTL_MANAGER_PATH, r);
        ctl_report_sort(&rep);

        r = args->json ? ctl_json_list(&rep, &s) : ctl_format_list(&rep, &s);
        return print_string(r, s);
}

static int verb_manager_method(sd_bus *bus, const char *member) {
        return call(bus, CTL_MANAGER_PATH, CTL_MANAGER_INTERFACE, member, NULL, CALL_TIMEOUT_USEC, NULL, NULL);
}

static int verb_apply(sd_bus *bus, const struct ctl_args *args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *path_reply = NULL;
        const char *path;
        int r;

        r = get_device_path(bus, args->device, &path_reply, &path);
        if (r < 0)
                return r;
        return call(bus, path, CTL_DEVICE_INTERFACE, "Apply", NULL, CALL_TIMEOUT_USEC, args->device, NULL);
}

/* Same files, same verdict and same messages as daxtierd --check-config. */
static int verb_check_config(const struct ctl_args *args) {
        int r = policy_check(args->config_path ?: DAXTIER_DEFAULT_CONFIG, !args->config_path,
                             DAXTIER_DEFAULT_DROPIN_DIR, stdout, stderr);
        return r < 0 ? -EINVAL : 0;
}

static int run(const struct ctl_args *args) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (args->command == CTL_CMD_CHECK_CONFIG)
                return verb_check_config(args);

        r = bus_connect(&bus);
        if (r < 0)
                return r;

        switch (args->command) {
        case CTL_CMD_STATUS:
                return verb_status(bus, args);
        case CTL_CMD_SHOW:
                return verb_show(bus, args);
        case CTL_CMD_LIST:
                return verb_list(bus, args);
        case CTL_CMD_RELOAD:
                return verb_manager_method(bus, "Reload");
        case CTL_CMD_RESCAN:
                return verb_manager_method(bus, "Rescan");
        case CTL_CMD_APPLY:
                return verb_apply(bus, args);
        case CTL_CMD_METRICS:
                return verb_metrics(bus);
        default:
                return -EINVAL;
        }
}

int main(int argc, char *argv[]) {
        _cleanup_free_ char *usage = NULL;
        struct ctl_args args;
        int r;

        r = ctl_parse_args(argc, argv, &args, &usage);
        if (r == -EINVAL) {
                fprintf(stderr, "daxtierctl: %s (see --help)\n", usage);
                return CTL_EXIT_USAGE;
        }
        if (r < 0) {
                fprintf(stderr, "daxtierctl: %s\n", strerror(-r));
                return CTL_EXIT_FAILURE;
        }

        switch (args.command) {
        case CTL_CMD_HELP:
                fputs(ctl_help_text(), stdout);
                r = 0;
                break;
        case CTL_CMD_VERSION:
                printf("daxtierctl %s\n", PACKAGE_VERSION);
                r = 0;
                break;
        default:
                r = run(&args);
        }

        /* A full disk or a closed pipe must not look like success. */
        if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "daxtierctl: cannot write to standard output: %s\n", strerror(errno));
                return CTL_EXIT_FAILURE;
        }

        if (r == -ERRNO_NOT_RUNNING)
                return CTL_EXIT_NOT_RUNNING;
        return r < 0 ? CTL_EXIT_FAILURE : CTL_EXIT_OK;
}
