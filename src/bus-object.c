/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-object: see bus-object.h. */

#include "bus-object.h"
#include "util.h"

const char *bus_device_mode(const struct device *d) {
        if (!d->facts_valid)
                return "unknown";
        switch (d->facts.driver) {
        case DRV_KMEM: return "system-ram";
        case DRV_DEVICE_DAX: return "devdax";
        case DRV_NONE: return "disabled";
        default: return "unknown";
        }
}

/* ---- the getters, one per field of the contract ------------------------- */

#define STR(v) ((struct bus_value) { .type = 's', .s = strempty(v) })
#define U64(v) ((struct bus_value) { .type = 't', .t = (uint64_t) (v) })
#define I32(v) ((struct bus_value) { .type = 'i', .i = (int32_t) (v) })
#define U32(v) ((struct bus_value) { .type = 'u', .u = (uint32_t) (v) })
#define BOOL(v) ((struct bus_value) { .type = 'b', .b = !!(v) })

static void get_name(const struct device *d, struct bus_value *v) { *v = STR(d->name); }
static void get_source(const struct device *d, struct bus_value *v) {
        *v = STR(d->facts_valid ? dt_source_to_string(d->facts.source) : "unknown");
}
static void get_state(const struct device *d, struct bus_value *v) { *v = STR(dev_state_to_string(d->state)); }
static void get_rule(const struct device *d, struct bus_value *v) { *v = STR(d->want.rule); }
static void get_mode(const struct device *d, struct bus_value *v) { *v = STR(bus_device_mode(d)); }
static void get_size(const struct device *d, struct bus_value *v) { *v = U64(d->facts.size); }
static void get_target_node(const struct device *d, struct bus_value *v) {
        *v = I32(d->facts_valid ? d->facts.target_node : -1);
}
/* The policy's words (zone = movable), not the kernel's ("Movable"). */
const char *bus_zone_word(const char *kernel_zone) {
        static const char *const words[][2] = {
                { "Movable", "movable" }, { "Normal", "normal" }, { "DMA32", "dma32" },
                { "DMA", "dma" },         { "Device", "device" }, { "mixed", "mixed" },
        };

        for (size_t i = 0; kernel_zone && i < ELEMENTSOF(words); i++)
                if (streq(kernel_zone, words[i][0]))
                        return words[i][1];
        return strempty(kernel_zone);
}

static void get_zone(const struct device *d, struct bus_value *v) { *v = STR(bus_zone_word(d->zone)); }
static void get_online_blocks(const struct device *d, struct bus_value *v) { *v = U32(d->online_blocks); }
static void get_total_blocks(const struct device *d, struct bus_value *v) { *v = U32(d->total_blocks); }
static void get_memmap_on_memory(const struct device *d, struct bus_value *v) {
        *v = BOOL(d->facts.memmap_on_memory == 1);
}
static void get_last_error(const struct device *d, struct bus_value *v) { *v = STR(d->last_error); }
static void get_last_transition(const struct device *d, struct bus_value *v) { *v = U64(d->last_transition_usec); }
static void get_security(const struct device *d, struct bus_value *v) { *v = STR(d->security); }
static void get_badblocks(const struct device *d, struct bus_value *v) { *v = U32(d->badblocks); }
static void get_cleared_bytes(const struct device *d, struct bus_value *v) { *v = U64(d->cleared_bytes); }
static void get_skipped_blocks(const struct device *d, struct bus_value *v) { *v = U32(d->skipped_blocks); }
static void get_last_scrub(const struct device *d, struct bus_value *v) { *v = U64(d->last_scrub_usec); }
static void get_cxl_region(const struct device *d, struct bus_value *v) {
        *v = I32(d->facts.source == DT_SOURCE_CXL ? d->facts.region : -1);
}
static void get_cxl_memdevs(const struct device *d, struct bus_value *v) { *v = STR(d->cxl_memdevs); }
static void get_scrub_outcome(const struct device *d, struct bus_value *v) {
        *v = STR(scrub_outcome_to_string(d->scrub_outcome));
}

/* A property of the contract without a getter here does not compile. */
static int (*tier_lookup)(int node);

void bus_object_set_tier_lookup(int (*lookup)(int node)) {
        tier_lookup = lookup;
}

static void get_tier(const struct device *d, struct bus_value *v) {
        int node = d->facts_valid ? dax_facts_node(&d->facts) : -1;
        *v = (struct bus_value) { .type = 'i', .i = node >= 0 && tier_lookup ? tier_lookup(node) : -1 };
}

#define PROPERTY(name, sig, field, json, flags) { name, sig, flags, get_##field },
const struct bus_device_property bus_device_properties[] = { DAXTIER_DEVICE_PROPERTIES(PROPERTY) };
#undef PROPERTY
const size_t bus_device_n_properties = ELEMENTSOF(bus_device_properties);

const struct bus_device_property *bus_device_property_find(const char *name) {
        for (size_t i = 0; name && i < bus_device_n_properties; i++)
                if (streq(bus_device_properties[i].name, name))
                        return &bus_device_properties[i];
        return NULL;
}

size_t bus_device_changed_properties(const char **names, size_t n) {
        size_t k = 0;

        for (size_t i = 0; i < bus_device_n_properties && k + 1 < n; i++)
                if (!(bus_device_properties[i].flags & DAXTIER_PROP_CONST))
                        names[k++] = bus_device_properties[i].name;
        if (n > 0)
                names[k] = NULL;
        return k;
}

/* ---- names and paths ----------------------------------------------------- */

static bool name_char_ok(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.';
}

int bus_device_name_check(const char *name) {
        size_t i;

        if (!name || !*name)
                return -EINVAL;
        for (i = 0; name[i]; i++) {
                if (i >= DAXTIER_BUS_NAME_MAX)
                        return -ENAMETOOLONG;
                if (!name_char_ok(name[i]))
                        return -EINVAL;
        }
        return 0;
}

int bus_device_path(const char *name, char *buf, size_t len) {
        int n, r;

        r = bus_device_name_check(name);
        if (r < 0)
                return r;
        n = snprintf(buf, len, DAXTIER_BUS_DEVICE_PREFIX "/%s", name);
        if (n < 0 || (size_t) n >= len)
                return -ENAMETOOLONG;
        /* Object paths allow no '.': dax0.0 becomes dax0_0. */
        for (char *p = buf + strlen(DAXTIER_BUS_DEVICE_PREFIX) + 1; *p; p++)
                if (*p == '.')
                        *p = '_';
        return 0;
}

int bus_device_name_from_path(const char *path, char *buf, size_t len) {
        const char *tail;
        int n;

        if (!path || !startswith(path, DAXTIER_BUS_DEVICE_PREFIX "/"))
                return -EINVAL;
        tail = path + strlen(DAXTIER_BUS_DEVICE_PREFIX "/");
        n = snprintf(buf, len, "%s", tail);
        if (n < 0 || (size_t) n >= len)
                return -ENAMETOOLONG;
        /* dax device names have no '_': every one was a '.'. */
        for (char *p = buf; *p; p++) {
                if (*p == '_')
                        *p = '.';
                else if (*p == '.')
                        return -EINVAL;
        }
        return bus_device_name_check(buf);
}

const char *bus_quote_name(const char *name, char *buf, size_t len) {
        size_t i, k = 0;

        if (len == 0)
                return buf;
        for (i = 0; name && name[i] && k + 1 < len; i++)
                buf[k++] = name[i] >= 0x20 && name[i] < 0x7f ? name[i] : '?';
        if (name && name[i] && len >= 4) {
                k = k > len - 4 ? len - 4 : k;
                memcpy(buf + k, "...", 3);
                k += 3;
        }
        buf[k] = '\0';
        return buf;
}
