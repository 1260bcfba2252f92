/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* capacity: see capacity.h. */

#include <errno.h>

#include "capacity.h"
#include "util.h"

const char *capacity_verdict_to_string(enum capacity_verdict v) {
        switch (v) {
        case CAPACITY_SATISFIED: return "satisfied";
        case CAPACITY_CARVE: return "carve";
        case CAPACITY_NO_SPACE: return "no-space";
        case CAPACITY_MAX_DEVICES: return "max-devices";
        case CAPACITY_TOO_SMALL: return "too-small";
        }
        return "invalid";
}

uint64_t capacity_round_down(uint64_t v, uint64_t align) {
        if (align <= 1)
                return v;
        return v - v % align;
}

uint64_t capacity_min_namespace(uint64_t align) {
        if (align <= 1 || CAPACITY_MIN_NAMESPACE % align == 0)
                return CAPACITY_MIN_NAMESPACE;
        return capacity_round_down(CAPACITY_MIN_NAMESPACE, align) + align;
}

uint64_t capacity_percent_of(uint64_t total, unsigned percent) {
        /* total * percent may need more than 64 bits. */
        unsigned __int128 v = (unsigned __int128) total * percent / 100;

        return v > UINT64_MAX ? UINT64_MAX : (uint64_t) v;
}

static uint64_t gcd(uint64_t a, uint64_t b) {
        while (b != 0) {
                uint64_t t = a % b;
                a = b;
                b = t;
        }
        return a;
}

/* lcm(a, b) into *acc, where 0 means "no constraint". */
static int lcm_into(uint64_t *acc, uint64_t b) {
        uint64_t a = *acc, r;

        if (b == 0)
                return 0;
        if (a == 0) {
                *acc = b;
                return 0;
        }
        if (__builtin_mul_overflow(a / gcd(a, b), b, &r))
                return -EOVERFLOW;
        *acc = r;
        return 0;
}

int capacity_alignment(uint64_t block_size, uint64_t region_align, uint64_t dax_align, unsigned ways,
                       uint64_t *ret) {
        uint64_t acc = 0, d = 0;
        int r;

        if (dax_align != 0 && __builtin_mul_overflow(dax_align, (uint64_t) (ways ? ways : 1), &d))
                return -EOVERFLOW;
        if ((r = lcm_into(&acc, block_size)) < 0 || (r = lcm_into(&acc, region_align)) < 0 ||
            (r = lcm_into(&acc, d)) < 0)
                return r;
        *ret = acc ? acc : 1;
        return 0;
}

uint64_t capacity_target(const struct dt_amount *capacity, const struct capacity_region *r) {
        uint64_t t;

        switch (capacity->kind) {
        case DT_AMOUNT_SIZE:
                return capacity->size;
        case DT_AMOUNT_PERCENT:
                return capacity_percent_of(r->size, capacity->percent);
        case DT_AMOUNT_FREE:
                if (__builtin_add_overflow(r->carved, r->available, &t))
                        return UINT64_MAX;
                return t;
        }
        return 0;
}

int capacity_plan(const struct dt_amount *capacity, unsigned max_devices, const struct capacity_region *r,
                  struct capacity_plan *ret) {
        struct capacity_plan p = {};
        uint64_t align, min;

        if (!capacity || !r || !ret || max_devices == 0)
                return -EINVAL;

        align = r->align > 0 ? r->align : 1;
        min = capacity_min_namespace(align);

        p.target = capacity_round_down(capacity_target(capacity, r), align);
        if (p.target > r->carved)
                p.need = capacity_round_down(p.target - r->carved, align);

        if (p.need == 0)
                p.verdict = CAPACITY_SATISFIED;
        else if (p.need < min)
                p.verdict = CAPACITY_TOO_SMALL;
        else if (r->n_carved >= max_devices)
                p.verdict = CAPACITY_MAX_DEVICES;
        else if (p.need > r->available)
                /* Never a part of it: a namespace of a size nobody asked
                 * for would be as wrong as none, and harder to undo. */
                p.verdict = CAPACITY_NO_SPACE;
        else {
                p.verdict = CAPACITY_CARVE;
                p.size = p.need;
        }

        *ret = p;
        return 0;
}

uint64_t capacity_node_limit(const struct dt_amount *cap, uint64_t node_dram) {
        switch (cap->kind) {
        case DT_AMOUNT_SIZE:
                return cap->size;
        case DT_AMOUNT_PERCENT:
                return capacity_percent_of(node_dram, cap->percent);
        case DT_AMOUNT_FREE:
                break;
        }
        return UINT64_MAX;
}

bool capacity_exceeds(uint64_t current, uint64_t add, uint64_t limit) {
        uint64_t sum;

        if (__builtin_add_overflow(current, add, &sum))
                return true;
        return sum > limit;
}

bool capacity_node_cap_refuses(const struct policy *p, const struct device *d, struct device *const *devices,
                               size_t n_devices, uint64_t block_size, const struct backend *be, void *be_ctx,
                               char *why, size_t len) {
        uint64_t bs = block_size, dax = 0, add, total = 0, dram, limit;
        char cap[64], b1[32], b2[32], b3[32], b4[32], base[128] = "";
        int node;

        if (!p->ram_cap_set || d->want.mode != DT_MODE_SYSTEM_RAM)
                return false;
        dt_amount_to_string(&p->ram_cap, cap, sizeof(cap));
        node = dax_facts_node(&d->facts);
        if (node < 0 || bs == 0) {
                snprintf(why, len, "max_system_ram_per_node = %s, but %s of %s is unknown, so the cap cannot be checked",
                         cap, node < 0 ? "the node" : "the memory block size", d->name);
                return true;
        }
        for (size_t i = 0; i < n_devices; i++) {
                const struct device *e = devices[i];
                if (e->facts_valid && e->facts.driver == DRV_KMEM && dax_facts_node(&e->facts) == node)
                        dax += (uint64_t) e->online_blocks * bs;
        }
        add = d->total_blocks > d->online_blocks ? (uint64_t) (d->total_blocks - d->online_blocks) * bs : 0;
        if (add == 0)
                return false;
        if (be->node_mem(be_ctx, node, &total) < 0)
                total = 0;
        dram = total > dax ? total - dax : 0;
        limit = capacity_node_limit(&p->ram_cap, dram);
        if (!capacity_exceeds(dax, add, limit))
                return false;
        if (p->ram_cap.kind == DT_AMOUNT_PERCENT)
                snprintf(base, sizeof(base), " of node %d's %s of DRAM", node, format_bytes(b4, sizeof(b4), dram));
        snprintf(why, len,
                 "max_system_ram_per_node = %s%s: node %d has %llu bytes (%s) of dax-backed System RAM, and %s would add %llu bytes (%s), above the cap of %llu bytes (%s)",
                 cap, base, node, (unsigned long long) dax, format_bytes(b1, sizeof(b1), dax), d->name,
                 (unsigned long long) add, format_bytes(b2, sizeof(b2), add), (unsigned long long) limit,
                 format_bytes(b3, sizeof(b3), limit));
        return true;
}
