/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * daxtierd: the daemon's entry point.  Parses the command line, and
 * either checks the configuration (--check-config) or runs the manager.
 */

#include <getopt.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>

#include "audit.h"
#include "bus-contract.h"
#include "manager.h"
#include "policy.h"
#include "sysfs.h"
#include "util.h"


static void help(void) {
        printf("Usage: daxtierd [OPTIONS]\n"
               "\n"
               "Policy-driven memory tiering: turns dax devices into System RAM, or keeps\n"
               "them as devdax, as the rules of " DAXTIER_DEFAULT_CONFIG " say.\n"
               "\n"
               "  -c, --config PATH     read PATH instead of " DAXTIER_DEFAULT_CONFIG "\n"
               "                        (drop-ins in " DAXTIER_DEFAULT_DROPIN_DIR " are still read)\n"
               "  -t, --check-config    validate the configuration, print the effective\n"
               "                        rules and exit: 0 valid, 1 invalid\n"
               "  -d, --debug           log debug messages\n"
               "  -h, --help            show this help\n"
               "  -V, --version         show the version\n");
}

/* Returns the exit code of --check-config: 0 valid, 1 invalid. */
static int check_config(const char *path, bool optional) {
        return policy_check(path, optional, DAXTIER_DEFAULT_DROPIN_DIR, stdout, stderr) < 0 ? 1 : 0;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "check-config", no_argument, NULL, 't' },
                { "debug", no_argument, NULL, 'd' },
                { "sysfs-root", required_argument, NULL, 'R' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {}
        };
        struct manager_options opts = {
                .config_path = DAXTIER_DEFAULT_CONFIG,
                .config_optional = true,
                .dropin_dir = DAXTIER_DEFAULT_DROPIN_DIR,
        };
        struct manager *m = NULL;
        bool check = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "c:tdhV", options, NULL)) >= 0) {
                switch (c) {
                case 'c':
                        opts.config_path = optarg;
                        opts.config_optional = false;
                        break;
                case 't':
                        check = true;
                        break;
                case 'd':
                        log_set_debug(true);
                        break;
                case 'R':
                        /* Undocumented: a fake /sys and /proc for tests. */
                        sysfs_set_root(optarg);
                        break;
                case 'h':
                        help();
                        return 0;
                case 'V':
                        printf("daxtierd %s\n", PACKAGE_VERSION);
                        return 0;
                default:
                        return 2;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "daxtierd: unexpected argument '%s' (see --help)\n", argv[optind]);
                return 2;
        }

        if (check)
                return check_config(opts.config_path, opts.config_optional);

        r = manager_new(&opts, &m);
        if (r == -EINVAL) {
                log_error("the configuration is invalid (errors above); not starting");
                sd_notify(0, "STATUS=Invalid configuration");
                /* EX_CONFIG: the unit does not restart into the same error. */
                return 78;
        }
        if (r < 0) {
                log_error("cannot start: %s", strerror(-r));
                return 1;
        }
        r = manager_run(m);
        manager_free(m);
        if (r < 0) {
                log_error("event loop failed: %s", strerror(-r));
                return 1;
        }
        return 0;
}
