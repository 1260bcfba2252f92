/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus: see bus.h. */

#include <limits.h>
#include <linux/capability.h>
#include <syslog.h>

#include "audit.h"
#include "bus.h"
#include "manager.h"
#include "sysfs.h"
#include "util.h"

#define ERROR_NO_SUCH_DEVICE "org.daxtier.Daxtierd1.Error.NoSuchDevice"
#define ERROR_INVALID_CONFIG "org.daxtier.Daxtierd1.Error.InvalidConfig"

struct bus {
        sd_bus *bus;
        struct manager *m;
};

int bus_device_path(const char *name, char *buf, size_t len) {
        int n = snprintf(buf, len, BUS_DEVICE_PREFIX "/%s", name);
        if (n < 0 || (size_t) n >= len)
                return -ENAMETOOLONG;
        /* Object paths allow no '.': dax0.0 becomes dax0_0. */
        for (char *p = buf + strlen(BUS_DEVICE_PREFIX) + 1; *p; p++)
                if (*p == '.')
                        *p = '_';
        return 0;
}

/* Reload, Rescan and Apply change the system: root or CAP_SYS_ADMIN only.
 * The bus policy says the same; this holds even if it is loosened. */
static int check_privileged(sd_bus_message *msg, sd_bus_error *error) {
        sd_bus_creds *creds = NULL;
        uid_t euid;
        int r, ok = 0;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_EFFECTIVE_CAPS | SD_BUS_CREDS_AUGMENT,
                                      &creds);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot read the caller's credentials: %s", strerror(-r));
        if (sd_bus_creds_get_euid(creds, &euid) >= 0 && euid == 0)
                ok = 1;
        else if (sd_bus_creds_has_effective_cap(creds, CAP_SYS_ADMIN) > 0)
                ok = 1;
        sd_bus_creds_unref(creds);
        if (ok)
                return 0;
        return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                 "%s changes the system: it needs root or CAP_SYS_ADMIN",
                                 sd_bus_message_get_member(msg));
}

static const char *device_mode(const struct device *d) {
        switch (d->facts.driver) {
        case DRV_KMEM: return "system-ram";
        case DRV_DEVICE_DAX: return "devdax";
        case DRV_NONE: return "disabled";
        default: return "unknown";
        }
}

/* --- Manager ------------------------------------------------------------ */

static int manager_get(sd_bus *bus, const char *path, const char *iface, const char *prop,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct manager *m = userdata;
        int r;

        if (streq(prop, "Version"))
                return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
        if (streq(prop, "AutoOnlineBlocks")) {
                char buf[32];
                r = sysfs_read("/sys/devices/system/memory/auto_online_blocks", buf, sizeof(buf));
                return sd_bus_message_append(reply, "s", r < 0 ? "" : buf);
        }
        if (streq(prop, "ConfigFiles")) {
                const struct policy *p = manager_policy(m);
                r = sd_bus_message_open_container(reply, 'a', "s");
                for (size_t i = 0; r >= 0 && p && i < p->n_files; i++)
                        r = sd_bus_message_append(reply, "s", p->files[i]);
                return r < 0 ? r : sd_bus_message_close_container(reply);
        }
        if (streq(prop, "Devices")) {
                size_t n;
                struct device *const *ds = manager_devices(m, &n);
                r = sd_bus_message_open_container(reply, 'a', "o");
                for (size_t i = 0; r >= 0 && i < n; i++) {
                        char p[PATH_MAX];
                        if (bus_device_path(ds[i]->name, p, sizeof(p)) >= 0)
                                r = sd_bus_message_append(reply, "o", p);
                }
                return r < 0 ? r : sd_bus_message_close_container(reply);
        }
        return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY, "no property %s", prop);
}

static int method_list_devices(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct manager *m = userdata;
        sd_bus_message *reply = NULL;
        struct device *const *ds;
        size_t n;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        ds = manager_devices(m, &n);
        r = sd_bus_message_open_container(reply, 'a', "(sso)");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                char p[PATH_MAX];
                if (bus_device_path(ds[i]->name, p, sizeof(p)) < 0)
                        continue;
                r = sd_bus_message_append(reply, "(sso)", ds[i]->name, dev_state_to_string(ds[i]->state), p);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

static int method_get_device(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct manager *m = userdata;
        const char *name;
        char p[PATH_MAX];
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        if (!manager_find_device(m, name) || bus_device_path(name, p, sizeof(p)) < 0)
                return sd_bus_error_setf(error, ERROR_NO_SUCH_DEVICE, "no dax device '%s'", name);
        return sd_bus_reply_method_return(msg, "o", p);
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct manager *m = userdata;
        int r;

        r = check_privileged(msg, error);
        if (r < 0)
                return r;
        log_info("reload requested over D-Bus by %s", strempty(sd_bus_message_get_sender(msg)));
        r = manager_reload(m);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, ERROR_INVALID_CONFIG,
                                         "the configuration is invalid; the previous policy stays in force:\n%s",
                                         strempty(manager_reload_errors(m)));
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "");
}

static int method_rescan(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct manager *m = userdata;
        int r;

        r = check_privileged(msg, error);
        if (r < 0)
                return r;
        r = manager_rescan(m);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "rescan failed: %s", strerror(-r));
        return sd_bus_reply_method_return(msg, "");
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", manager_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ConfigFiles", "as", manager_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        /* Read from the kernel on each Get; nothing tells us it changed. */
        SD_BUS_PROPERTY("AutoOnlineBlocks", "s", manager_get, 0, 0),
        SD_BUS_PROPERTY("Devices", "ao", manager_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_NAMES("ListDevices", "", SD_BUS_PARAM(), "a(sso)", SD_BUS_PARAM(devices),
                                 method_list_devices, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetDevice", "s", SD_BUS_PARAM(name), "o", SD_BUS_PARAM(device),
                                 method_get_device, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Reload", "", "", method_reload, 0),
        SD_BUS_METHOD("Rescan", "", "", method_rescan, 0),
        SD_BUS_VTABLE_END
};

/* --- Device ------------------------------------------------------------- */

static int device_get(sd_bus *bus, const char *path, const char *iface, const char *prop,
                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const struct device *d = userdata;

        if (streq(prop, "Name"))
                return sd_bus_message_append(reply, "s", d->name);
        if (streq(prop, "Source"))
                return sd_bus_message_append(reply, "s",
                                             d->facts_valid ? dt_source_to_string(d->facts.source) : "unknown");
        if (streq(prop, "State"))
                return sd_bus_message_append(reply, "s", dev_state_to_string(d->state));
        if (streq(prop, "Rule"))
                return sd_bus_message_append(reply, "s", d->want.rule);
        if (streq(prop, "Mode"))
                return sd_bus_message_append(reply, "s", d->facts_valid ? device_mode(d) : "unknown");
        if (streq(prop, "Size"))
                return sd_bus_message_append(reply, "t", (uint64_t) d->facts.size);
        if (streq(prop, "TargetNode"))
                return sd_bus_message_append(reply, "i", (int32_t) (d->facts_valid ? d->facts.target_node : -1));
        if (streq(prop, "Zone"))
                return sd_bus_message_append(reply, "s", d->zone);
        if (streq(prop, "OnlineBlocks"))
                return sd_bus_message_append(reply, "u", (uint32_t) d->online_blocks);
        if (streq(prop, "TotalBlocks"))
                return sd_bus_message_append(reply, "u", (uint32_t) d->total_blocks);
        if (streq(prop, "MemmapOnMemory"))
                return sd_bus_message_append(reply, "b", (int) (d->facts.memmap_on_memory == 1));
        if (streq(prop, "LastError"))
                return sd_bus_message_append(reply, "s", strempty(d->last_error));
        if (streq(prop, "BadBlocks"))
                return sd_bus_message_append(reply, "u", (uint32_t) d->badblocks);
        if (streq(prop, "ClearedBytes"))
                return sd_bus_message_append(reply, "t", (uint64_t) d->cleared_bytes);
        if (streq(prop, "SkippedBlocks"))
                return sd_bus_message_append(reply, "u", (uint32_t) d->skipped_blocks);
        if (streq(prop, "LastScrub"))
                return sd_bus_message_append(reply, "t", (uint64_t) d->last_scrub_usec);
        if (streq(prop, "ScrubOutcome"))
                return sd_bus_message_append(reply, "s", scrub_outcome_to_string(d->scrub_outcome));
        if (streq(prop, "Security"))
                return sd_bus_message_append(reply, "s", d->security);
        if (streq(prop, "LastTransition"))
                return sd_bus_message_append(reply, "t", (uint64_t) d->last_transition_usec);
        return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY, "no property %s", prop);
}

static int method_apply(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct device *d = userdata;
        /* userdata is the device the fallback found; the manager is the
         * userdata of the vtable's own slot. */
        struct manager *m = sd_bus_slot_get_userdata(sd_bus_get_current_slot(sd_bus_message_get_bus(msg)));
        int r;

        r = check_privileged(msg, error);
        if (r < 0)
                return r;
        log_info("%s: apply requested over D-Bus by %s", d->name, strempty(sd_bus_message_get_sender(msg)));
        r = manager_apply(m, d);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot apply %s: %s", d->name, strerror(-r));
        return sd_bus_reply_method_return(msg, "");
}

#define DEVICE_PROPERTY(name, sig) \
        SD_BUS_PROPERTY(name, sig, device_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

static const sd_bus_vtable device_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", device_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        DEVICE_PROPERTY("Source", "s"),
        DEVICE_PROPERTY("State", "s"),
        DEVICE_PROPERTY("Rule", "s"),
        DEVICE_PROPERTY("Mode", "s"),
        DEVICE_PROPERTY("Size", "t"),
        DEVICE_PROPERTY("TargetNode", "i"),
        DEVICE_PROPERTY("Zone", "s"),
        DEVICE_PROPERTY("OnlineBlocks", "u"),
        DEVICE_PROPERTY("TotalBlocks", "u"),
        DEVICE_PROPERTY("MemmapOnMemory", "b"),
        DEVICE_PROPERTY("LastError", "s"),
        DEVICE_PROPERTY("LastTransition", "t"),
        DEVICE_PROPERTY("Security", "s"),
        DEVICE_PROPERTY("BadBlocks", "u"),
        DEVICE_PROPERTY("ClearedBytes", "t"),
        DEVICE_PROPERTY("SkippedBlocks", "u"),
        DEVICE_PROPERTY("LastScrub", "t"),
        DEVICE_PROPERTY("ScrubOutcome", "s"),
        SD_BUS_METHOD("Apply", "", "", method_apply, 0),
        SD_BUS_VTABLE_END
};

static int device_find(sd_bus *bus, const char *path, const char *iface, void *userdata, void **found,
                       sd_bus_error *error) {
        struct manager *m = userdata;
        char name[64];
        struct device *d;

        if (!startswith(path, BUS_DEVICE_PREFIX "/"))
                return 0;
        if (snprintf(name, sizeof(name), "%s", path + strlen(BUS_DEVICE_PREFIX "/")) >= (int) sizeof(name))
                return 0;
        /* dax device names have no '_': every one was a '.'. */
        for (char *p = name; *p; p++)
                if (*p == '_')
                        *p = '.';
        d = manager_find_device(m, name);
        if (!d)
                return 0;
        *found = d;
        return 1;
}

static int device_enumerate(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        struct manager *m = userdata;
        struct device *const *ds;
        char **l;
        size_t n, k = 0;

        ds = manager_devices(m, &n);
        l = calloc(n + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char p[PATH_MAX];
                if (bus_device_path(ds[i]->name, p, sizeof(p)) < 0)
                        continue;
                l[k] = strdup(p);
                if (!l[k]) {
                        for (size_t j = 0; j < k; j++)
                                free(l[j]);
                        free(l);
                        return -ENOMEM;
                }
                k++;
        }
        *nodes = l;
        return 0;
}

/* --- life cycle and signals -------------------------------------------- */

int bus_new(struct manager *m, sd_event *event, struct bus **ret) {
        struct bus *b;
        int r;

        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->m = m;
        r = sd_bus_open_system(&b->bus);
        if (r < 0)
                goto fail;
        sd_bus_set_description(b->bus, "daxtierd");
        if ((r = sd_bus_add_object_vtable(b->bus, NULL, BUS_PATH, BUS_MANAGER_IFACE, manager_vtable, m)) < 0 ||
            (r = sd_bus_add_fallback_vtable(b->bus, NULL, BUS_DEVICE_PREFIX, BUS_DEVICE_IFACE, device_vtable,
                                            device_find, m)) < 0 ||
            (r = sd_bus_add_node_enumerator(b->bus, NULL, BUS_DEVICE_PREFIX, device_enumerate, m)) < 0 ||
            (r = sd_bus_add_object_manager(b->bus, NULL, BUS_PATH)) < 0)
                goto fail;
        r = sd_bus_attach_event(b->bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                goto fail;
        /* Objects first, then the name: nobody sees a half-built service. */
        r = sd_bus_request_name(b->bus, BUS_NAME, 0);
        if (r < 0)
                goto fail;
        *ret = b;
        return 0;
fail:
        bus_free(b);
        return r;
}

void bus_free(struct bus *b) {
        if (!b)
                return;
        if (b->bus) {
                sd_bus_flush(b->bus);
                sd_bus_detach_event(b->bus);
                sd_bus_unref(b->bus);
        }
        free(b);
}

static void emit_devices_changed(struct bus *b) {
        (void) sd_bus_emit_properties_changed(b->bus, BUS_PATH, BUS_MANAGER_IFACE, "Devices", NULL);
}

void bus_device_added(struct bus *b, const struct device *d) {
        char p[PATH_MAX];
        if (!b || bus_device_path(d->name, p, sizeof(p)) < 0)
                return;
        (void) sd_bus_emit_object_added(b->bus, p);
        emit_devices_changed(b);
}

void bus_device_changed(struct bus *b, const struct device *d) {
        char p[PATH_MAX];
        if (!b || bus_device_path(d->name, p, sizeof(p)) < 0)
                return;
        (void) sd_bus_emit_properties_changed(b->bus, p, BUS_DEVICE_IFACE, "State", "Rule", "Mode", "Source",
                                              "Size", "TargetNode", "Zone", "OnlineBlocks", "TotalBlocks",
                                              "MemmapOnMemory", "LastError", "LastTransition", "Security",
                                              "BadBlocks", "ClearedBytes", "SkippedBlocks", "LastScrub",
                                              "ScrubOutcome", NULL);
}

void bus_device_removed(struct bus *b, const struct device *d) {
        char p[PATH_MAX];
        if (!b || bus_device_path(d->name, p, sizeof(p)) < 0)
                return;
        (void) sd_bus_emit_object_removed(b->bus, p);
        emit_devices_changed(b);
}

int bus_manager_config_changed(struct bus *b) {
        return sd_bus_emit_properties_changed(b->bus, BUS_PATH, BUS_MANAGER_IFACE, "ConfigFiles", NULL);
}
