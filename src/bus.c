/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus: see bus.h. */

#include <limits.h>
#include <linux/capability.h>
#include <syslog.h>

#include "audit.h"
#include "bus-object.h"
#include "bus.h"
#include "manager.h"
#include "sysfs.h"
#include "tiering-io.h"
#include "util.h"

struct bus {
        sd_bus *bus;
        struct manager *m;
};

/*
 * Reload, Rescan and Apply change the system.  sd_bus_query_sender_privilege()
 * grants a caller whose effective uid is daxtierd's own (0), or one whose
 * effective capabilities the bus itself vouches for with CAP_SYS_ADMIN in
 * them.  It never reads them from /proc (that races with pid reuse), and
 * dbus-daemon and dbus-broker send no capabilities: on those buses only
 * uid 0 passes.  The bus policy says the same; this holds even if it is
 * loosened.
 */
static int check_privileged(sd_bus_message *msg, sd_bus_error *error) {
        int r;

        r = sd_bus_query_sender_privilege(msg, CAP_SYS_ADMIN);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot read the caller's credentials: %s", strerror(-r));
        if (r > 0)
                return 0;
        return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "%s changes the system: it needs root",
                                 sd_bus_message_get_member(msg));
}

/* --- Manager ------------------------------------------------------------ */

/* The memory tier of a node now, -1 when none (Device.Tier). */
static int node_tier(int node) {
        struct tiering_node_stats st[TIERING_MAX_NODES];
        int n = tiering_read_nodes(st, ELEMENTSOF(st));

        for (int i = 0; i < n; i++)
                if (st[i].node == node)
                        return st[i].tier;
        return -1;
}

/* Tiers a(ii): (node, tier) of each online node in a memory tier.
 * Nodes a(iitt): (node, tier or -1, pages demoted from it, pages promoted
 * to it) of each online node; counters the kernel lacks read 0. */
static int append_nodes(sd_bus_message *reply, bool tiers_only) {
        struct tiering_node_stats st[TIERING_MAX_NODES];
        int n = tiering_read_nodes(st, ELEMENTSOF(st)), r;

        r = sd_bus_message_open_container(reply, 'a', tiers_only ? "(ii)" : "(iitt)");
        for (int i = 0; r >= 0 && i < n; i++) {
                if (tiers_only && st[i].tier < 0)
                        continue;
                if (tiers_only)
                        r = sd_bus_message_append(reply, "(ii)", st[i].node, st[i].tier);
                else
                        r = sd_bus_message_append(reply, "(iitt)", st[i].node, st[i].tier, st[i].demoted,
                                                  st[i].promoted);
        }
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int manager_get(sd_bus *bus, const char *path, const char *iface, const char *prop,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct manager *m = userdata;
        int r;

        if (streq(prop, "Version"))
                return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
        if (streq(prop, "AutoOnlineBlocks")) {
                char buf[32];
                const struct backend *be = manager_backend(m);
                r = be->auto_online_get(NULL, buf, sizeof(buf));
                return sd_bus_message_append(reply, "s", r < 0 ? "" : buf);
        }
        if (streq(prop, "ConfigFiles")) {
                const struct policy *p = manager_policy(m);
                r = sd_bus_message_open_container(reply, 'a', "s");
                for (size_t i = 0; r >= 0 && p && i < p->n_files; i++)
                        r = sd_bus_message_append(reply, "s", p->files[i]);
                return r < 0 ? r : sd_bus_message_close_container(reply);
        }
        if (streq(prop, "Tiers"))
                return append_nodes(reply, true);
        if (streq(prop, "Nodes"))
                return append_nodes(reply, false);
        if (streq(prop, "TieringKnobs")) {
                struct manager_knob k[4 + TIERING_MAX_NODES];
                int n = manager_tiering_knobs(m, k, ELEMENTSOF(k));
                r = sd_bus_message_open_container(reply, 'a', "(ssb)");
                for (int i = 0; r >= 0 && i < n; i++)
                        r = sd_bus_message_append(reply, "(ssb)", k[i].name, k[i].value, (int) k[i].set);
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
        char p[PATH_MAX], q[DAXTIER_BUS_NAME_MAX + 1];
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        /* Checked before any look-up: a hostile name costs one bounded scan. */
        r = bus_device_name_check(name);
        if (r < 0)
                return sd_bus_error_setf(error, DAXTIER_BUS_ERROR_NO_SUCH_DEVICE,
                                         "'%s' is not a dax device name: %s", bus_quote_name(name, q, sizeof(q)),
                                         r == -ENAMETOOLONG ? "longer than 63 characters"
                                                            : "empty or not only letters, digits and dots");
        if (!manager_find_device(m, name) || bus_device_path(name, p, sizeof(p)) < 0)
                return sd_bus_error_setf(error, DAXTIER_BUS_ERROR_NO_SUCH_DEVICE, "no dax device '%s'", name);
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
                return sd_bus_error_setf(error, DAXTIER_BUS_ERROR_INVALID_CONFIG,
                                         "the configuration is invalid; the previous policy stays in force:\n%s",
                                         strempty(manager_reload_errors(m)));
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "");
}

static int method_get_metrics(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        struct manager *m = userdata;
        _cleanup_free_ char *text = manager_metrics_text(m);

        if (!text)
                return -ENOMEM;
        return sd_bus_reply_method_return(msg, "s", text);
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
        /* [tiering]: read from the kernel on each Get, like AutoOnlineBlocks. */
        SD_BUS_PROPERTY("Tiers", "a(ii)", manager_get, 0, 0),
        SD_BUS_PROPERTY("Nodes", "a(iitt)", manager_get, 0, 0),
        SD_BUS_PROPERTY("TieringKnobs", "a(ssb)", manager_get, 0, 0),
        SD_BUS_METHOD_WITH_NAMES("GetMetrics", "", SD_BUS_PARAM(), "s", SD_BUS_PARAM(text), method_get_metrics,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
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
        const struct bus_device_property *p = bus_device_property_find(prop);
        struct bus_value v;

        if (!p)
                return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY, "no property %s", prop);
        p->get(userdata, &v);
        if (v.type == 's')
                return sd_bus_message_append_basic(reply, 's', v.s);
        return sd_bus_message_append_basic(reply, v.type, &v.t);
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

/* One entry per property of the contract, in its order. */
#define DEVICE_PROPERTY(name, sig, field, json, flags)                                                   \
        SD_BUS_PROPERTY(name, sig, device_get, 0,                                                        \
                        ((flags) & DAXTIER_PROP_CONST) ? SD_BUS_VTABLE_PROPERTY_CONST                    \
                                                       : SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),

static const sd_bus_vtable device_vtable[] = {
        SD_BUS_VTABLE_START(0),
        DAXTIER_DEVICE_PROPERTIES(DEVICE_PROPERTY)
        SD_BUS_METHOD("Apply", "", "", method_apply, 0),
        SD_BUS_VTABLE_END
};

static int device_find(sd_bus *bus, const char *path, const char *iface, void *userdata, void **found,
                       sd_bus_error *error) {
        struct manager *m = userdata;
        char name[DAXTIER_BUS_NAME_MAX + 1];
        struct device *d;

        if (bus_device_name_from_path(path, name, sizeof(name)) < 0)
                return 0;
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

static int on_name_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        (void) userdata;
        (void) ret_error;
        if (e)
                log_error("cannot own %s on the system bus: %s", DAXTIER_BUS_NAME, e->message ? e->message : e->name);
        return 0;
}

int bus_new(struct manager *m, sd_event *event, struct bus **ret) {
        struct bus *b;
        int r;

        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->m = m;
        bus_object_set_tier_lookup(node_tier);
        r = sd_bus_open_system(&b->bus);
        if (r < 0)
                goto fail;
        sd_bus_set_description(b->bus, "daxtierd");
        if ((r = sd_bus_add_object_vtable(b->bus, NULL, DAXTIER_BUS_PATH, DAXTIER_BUS_MANAGER_IFACE, manager_vtable, m)) < 0 ||
            (r = sd_bus_add_fallback_vtable(b->bus, NULL, DAXTIER_BUS_DEVICE_PREFIX, DAXTIER_BUS_DEVICE_IFACE, device_vtable,
                                            device_find, m)) < 0 ||
            (r = sd_bus_add_node_enumerator(b->bus, NULL, DAXTIER_BUS_DEVICE_PREFIX, device_enumerate, m)) < 0 ||
            (r = sd_bus_add_object_manager(b->bus, NULL, DAXTIER_BUS_PATH)) < 0)
                goto fail;
        r = sd_bus_attach_event(b->bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                goto fail;
        /* Objects first, then the name: nobody sees a half-built service.
         * Asynchronously: early in boot the bus socket may be there before
         * dbus-daemon runs, and the event loop must not wait for it. */
        r = sd_bus_request_name_async(b->bus, NULL, DAXTIER_BUS_NAME, 0, on_name_reply, NULL);
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
        (void) sd_bus_emit_properties_changed(b->bus, DAXTIER_BUS_PATH, DAXTIER_BUS_MANAGER_IFACE, "Devices", NULL);
}

void bus_device_added(struct bus *b, const struct device *d) {
        char p[PATH_MAX];
        if (!b || bus_device_path(d->name, p, sizeof(p)) < 0)
                return;
        (void) sd_bus_emit_object_added(b->bus, p);
        emit_devices_changed(b);
}

void bus_device_changed(struct bus *b, const struct device *d) {
        const char *names[64];
        char p[PATH_MAX];

        if (!b || bus_device_path(d->name, p, sizeof(p)) < 0)
                return;
        bus_device_changed_properties(names, ELEMENTSOF(names));
        (void) sd_bus_emit_properties_changed_strv(b->bus, p, DAXTIER_BUS_DEVICE_IFACE, (char **) names);
}

void bus_device_removed(struct bus *b, const struct device *d) {
        char p[PATH_MAX];
        if (!b || bus_device_path(d->name, p, sizeof(p)) < 0)
                return;
        (void) sd_bus_emit_object_removed(b->bus, p);
        emit_devices_changed(b);
}

int bus_manager_config_changed(struct bus *b) {
        return sd_bus_emit_properties_changed(b->bus, DAXTIER_BUS_PATH, DAXTIER_BUS_MANAGER_IFACE, "ConfigFiles", NULL);
}
