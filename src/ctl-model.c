/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ctl-model: what daxtierd reports, as daxtierctl holds it: the devices,
 * their properties (filled from the contract's table, bus-contract.h)
 * and the node table; see ctl.h.  Pure.
 */

#include "ctl.h"
#include "util.h"

/* ---- data model ------------------------------------------------------ */

/* The string fields: every "s" property, and the object path. */
static char **string_field(struct ctl_device *d, size_t i) {
        if (i == ctl_device_n_properties)
                return &d->object_path;
        if (ctl_device_properties[i].signature[0] != 's')
                return NULL;
        return (char **) ((char *) d + ctl_device_properties[i].offset);
}

static void device_done(struct ctl_device *d) {
        for (size_t i = 0; i <= ctl_device_n_properties; i++) {
                char **s = string_field(d, i);

                if (s)
                        free(*s);
        }
}

struct ctl_device *ctl_report_add_device(struct ctl_report *r) {
        struct ctl_device *devs, *d;
        bool oom = false;

        devs = reallocarray(r->devices, r->n_devices + 1, sizeof(*devs));
        if (!devs)
                return NULL;
        r->devices = devs;

        d = &devs[r->n_devices];
        *d = (struct ctl_device) { .target_node = -1, .cxl_region = -1, .tier = -1 };
        for (size_t i = 0; i <= ctl_device_n_properties; i++) {
                char **s = string_field(d, i);

                if (s && !(*s = strdup("")))
                        oom = true;
        }
        if (oom) {
                device_done(d);
                return NULL;
        }
        r->n_devices++;
        return d;
}

void ctl_report_clear(struct ctl_report *r) {
        for (size_t i = 0; i < r->n_devices; i++)
                device_done(&r->devices[i]);
        free(r->devices);
        free(r->nodes);
        for (size_t i = 0; i < r->n_knobs; i++) {
                free(r->knobs[i].knob);
                free(r->knobs[i].value);
        }
        free(r->knobs);
        *r = (struct ctl_report) {};
}

static int device_compare(const void *a, const void *b) {
        const struct ctl_device *x = a, *y = b;

        return strverscmp(x->name, y->name);
}

void ctl_report_sort(struct ctl_report *r) {
        if (r->n_devices > 1)
                qsort(r->devices, r->n_devices, sizeof(r->devices[0]), device_compare);
}

static int node_compare(const void *a, const void *b) {
        const struct ctl_node *x = a, *y = b;

        return (x->node > y->node) - (x->node < y->node);
}

static struct ctl_node *node_find(struct ctl_node *nodes, size_t n, int node) {
        for (size_t i = 0; i < n; i++)
                if (nodes[i].node == node)
                        return &nodes[i];
        return NULL;
}

int ctl_report_set_node_tiering(struct ctl_report *r, int node, int tier, uint64_t demoted, uint64_t promoted) {
        struct ctl_node *nd = node_find(r->nodes, r->n_nodes, node);

        r->has_tiering = true;
        if (!nd) {
                struct ctl_node *a = reallocarray(r->nodes, r->n_nodes + 1, sizeof(*a));
                if (!a)
                        return -ENOMEM;
                r->nodes = a;
                nd = &a[r->n_nodes++];
                *nd = (struct ctl_node) { .node = node };
                qsort(r->nodes, r->n_nodes, sizeof(*r->nodes), node_compare);
                nd = node_find(r->nodes, r->n_nodes, node);
        }
        nd->tier = tier;
        nd->demoted = demoted;
        nd->promoted = promoted;
        return 0;
}

int ctl_report_add_knob(struct ctl_report *r, const char *knob, const char *value, bool set) {
        struct ctl_knob *a = reallocarray(r->knobs, r->n_knobs + 1, sizeof(*a));

        if (!a)
                return -ENOMEM;
        r->knobs = a;
        r->has_tiering = true;
        a[r->n_knobs] = (struct ctl_knob) { .knob = strdup(knob), .value = strdup(value), .set = set };
        if (!a[r->n_knobs].knob || !a[r->n_knobs].value) {
                free(a[r->n_knobs].knob);
                free(a[r->n_knobs].value);
                return -ENOMEM;
        }
        r->n_knobs++;
        return 0;
}

int ctl_report_compute_nodes(struct ctl_report *r, const uint64_t *node_total, size_t n_node_total,
                             uint64_t block_size) {
        struct ctl_node *nodes;
        size_t n = 0;

        /* At most one entry per node with memory plus one per device. */
        nodes = calloc(n_node_total + r->n_devices + 1, sizeof(*nodes));
        if (!nodes)
                return -ENOMEM;

        for (size_t i = 0; i < n_node_total; i++)
                if (node_total[i] > 0)
                        nodes[n++] = (struct ctl_node) { .node = (int) i, .total = node_total[i], .tier = -1 };

        for (size_t i = 0; i < r->n_devices; i++) {
                const struct ctl_device *d = &r->devices[i];
                struct ctl_node *nd;

                if (d->target_node < 0)
                        continue;
                nd = node_find(nodes, n, d->target_node);
                if (!nd) {
                        nd = &nodes[n++];
                        *nd = (struct ctl_node) {
                                .node = d->target_node,
                                .total = (size_t) d->target_node < n_node_total ? node_total[d->target_node] : 0,
                                .tier = -1,
                        };
                }
                nd->dax += (uint64_t) d->online_blocks * block_size;
        }

        qsort(nodes, n, sizeof(*nodes), node_compare);
        free(r->nodes);
        r->nodes = nodes;
        r->n_nodes = n;
        return 0;
}

/* Every Device property of the contract and the field it fills. */
#define PROPERTY(name, sig, field, json, flags) { name, sig, json, flags, offsetof(struct ctl_device, field) },
const struct ctl_property ctl_device_properties[] = { DAXTIER_DEVICE_PROPERTIES(PROPERTY) };
#undef PROPERTY
const size_t ctl_device_n_properties = ELEMENTSOF(ctl_device_properties);

static const struct ctl_property *property_find(const char *name) {
        if (!name)
                return NULL;
        for (size_t i = 0; i < ctl_device_n_properties; i++)
                if (streq(ctl_device_properties[i].name, name))
                        return &ctl_device_properties[i];
        return NULL;
}

const char *ctl_device_property_signature(const char *property) {
        const struct ctl_property *p = property_find(property);

        return p ? p->signature : NULL;
}

static int set_string(char **field, const char *value) {
        char *s = strdup(strempty(value));

        if (!s)
                return -ENOMEM;
        free(*field);
        *field = s;
        return 0;
}

int ctl_device_set_property(struct ctl_device *d, const char *property, const struct ctl_value *v) {
        const struct ctl_property *p = property_find(property);
        void *field;
        int r;

        if (!p)
                return 0;
        if (!v || v->type != p->signature[0])
                return -EBADMSG;

        field = (char *) d + p->offset;
        switch (p->signature[0]) {
        case 's':
                r = set_string(field, v->s);
                if (r < 0)
                        return r;
                break;
        case 't':
                *(uint64_t *) field = v->t;
                break;
        case 'i':
                *(int32_t *) field = v->i;
                break;
        case 'u':
                *(uint32_t *) field = v->u;
                break;
        case 'b':
                *(bool *) field = v->b;
                break;
        }
        return 1;
}

int ctl_device_set_object_path(struct ctl_device *d, const char *path) {
        return set_string(&d->object_path, path);
}

