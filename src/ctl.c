/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ctl: the command line of daxtierctl and the meaning of D-Bus errors;
 * see ctl.h.  Pure: no D-Bus, no sysfs, no libnuma.
 */

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
        { "metrics", CTL_CMD_METRICS, 0, 0, false, NULL },
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
               "  status                each device, its errors, the memory, tier and\n"
               "                        demoted/promoted pages of each NUMA node, and the\n"
               "                        tiering knobs (the default)\n"
               "  show DEVICE           every property of one device\n"
               "  list                  name, state and D-Bus object of each device\n"
               "  reload                make daxtierd read its configuration again\n"
               "  rescan                make daxtierd look at every device again\n"
               "  apply DEVICE          make daxtierd apply its policy to DEVICE now\n"
               "  check-config [PATH]   validate the configuration locally, print the\n"
               "                        effective rules (PATH replaces the main file)\n"
               "  metrics               daxtierd's state in the Prometheus text format\n"
               "\n"
               "Options:\n"
               "      --json            print status, show and list as JSON\n"
               "  -h, --help            show this help\n"
               "      --version         show the version\n"
               "\n"
               "Exit status: 0 success, 1 failure, 2 usage error, 3 daxtierd not running.\n"
               "\n"
               "Configuration:\n"
               "  " DAXTIER_DEFAULT_CONFIG "\n"
               "  " DAXTIER_DEFAULT_DROPIN_DIR "/*.conf\n";
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

/* ---- errors ---------------------------------------------------------- */

enum ctl_bus_error ctl_classify_bus_error(const char *name) {
        if (!name)
                return CTL_BUS_ERROR_OTHER;
        if (streq(name, "org.freedesktop.DBus.Error.ServiceUnknown") ||
            streq(name, "org.freedesktop.DBus.Error.NameHasNoOwner"))
                return CTL_BUS_ERROR_NOT_RUNNING;
        if (streq(name, "org.freedesktop.DBus.Error.AccessDenied"))
                return CTL_BUS_ERROR_ACCESS_DENIED;
        if (streq(name, DAXTIER_BUS_ERROR_NO_SUCH_DEVICE))
                return CTL_BUS_ERROR_NO_SUCH_DEVICE;
        if (streq(name, DAXTIER_BUS_ERROR_INVALID_CONFIG))
                return CTL_BUS_ERROR_INVALID_CONFIG;
        return CTL_BUS_ERROR_OTHER;
}

int ctl_bus_error_exit_code(const char *name) {
        return ctl_classify_bus_error(name) == CTL_BUS_ERROR_NOT_RUNNING ? CTL_EXIT_NOT_RUNNING : CTL_EXIT_FAILURE;
}
