/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cxl-plan: see cxl-plan.h. */

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "capacity.h"
#include "cxl-plan.h"
#include "util.h"

const char *cxl_plan_verdict_to_string(enum cxl_plan_verdict v) {
        switch (v) {
        case CXL_PLAN_SATISFIED: return "satisfied";
        case CXL_PLAN_CREATE: return "create";
        case CXL_PLAN_REFUSED: return "refused";
        }
        return "invalid";
}

const char *cxl_plan_layout_to_string(enum cxl_plan_layout l) {
        switch (l) {
        case CXL_LAYOUT_NONE: return "none";
        case CXL_LAYOUT_INTERLEAVED: return "interleaved";
        case CXL_LAYOUT_PER_MEMDEV: return "per-memdev";
        }
        return "invalid";
}

bool cxl_ways_valid(unsigned ways) {
        switch (ways) {
        case 1: case 2: case 3: case 4: case 6: case 8: case 12: case 16:
                return true;
        default:
                return false;
        }
}

bool cxl_memdev_matches(const struct cxl_memdev *m, const char *glob) {
        char serial[32];

        if (!glob || !*glob)
                return true;
        if (m->name && fnmatch(glob, m->name, 0) == 0)
                return true;
        /* memN/serial prints "%#llx": 0 has no "0x", like the kernel's. */
        snprintf(serial, sizeof(serial), "%#" PRIx64, m->serial);
        return fnmatch(glob, serial, FNM_CASEFOLD) == 0;
}

static void reason_add(struct cxl_plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reason_add(struct cxl_plan *p, const char *fmt, ...) {
        size_t len = strlen(p->reason);
        va_list ap;

        if (len >= sizeof(p->reason) - 1)
                return;
        if (len > 0 && len < sizeof(p->reason) - 2) {
                memcpy(p->reason + len, "; ", 3);
                len += 2;
        }
        va_start(ap, fmt);
        vsnprintf(p->reason + len, sizeof(p->reason) - len, fmt, ap);
        va_end(ap);
}

/* The DPA a memdev can still give a new region, in whole 256 MiB units. */
static uint64_t memdev_free(const struct cxl_memdev *m) {
        if (!m->free_decoder || m->ram_used >= m->ram_size)
                return 0;
        return capacity_round_down(m->ram_size - m->ram_used, CXL_DPA_ALIGN);
}

/* The size unit of a region of `ways` devices: ways x 256 MiB and whole blocks. */
static uint64_t region_unit(unsigned ways, uint64_t block_size) {
        uint64_t u;

        if (capacity_alignment(block_size, CXL_DPA_ALIGN * ways, 0, 1, &u) < 0)
                return 0;
        return u;
}

static int root_target_index(const struct cxl_root_decoder *r, int host_bridge) {
        for (size_t i = 0; i < r->n_targets; i++)
                if (r->targets[i] == host_bridge)
                        return (int) i;
        return -1;
}

/* Memdevs of the same host bridge are ordered by root port, then name. */
static int memdev_cmp(const struct cxl_memdev *a, const struct cxl_memdev *b) {
        int c = strcmp(strempty(a->root_port), strempty(b->root_port));

        return c != 0 ? c : strcmp(strempty(a->name), strempty(b->name));
}

/*
 * Can root decoder r hold one region across all n usable memdevs?  Each
 * of its host bridges must carry the same number of them.  On success
 * fills *rp (ways, granularity, target order; sizes left 0) and returns
 * the largest size such a region can have (0 when the window or the
 * devices have no room for even one unit); returns -1 with *why set
 * when the topology does not allow it.
 */
static int64_t interleave_on(const struct cxl_topology *t, size_t ri, const size_t *usable, size_t n,
                             struct cxl_region_plan *rp, const char **why) {
        const struct cxl_root_decoder *r = &t->roots[ri];
        size_t per_hb[CXL_PLAN_MAX_TARGETS] = { 0 };
        size_t order[CXL_PLAN_MAX_TARGETS][CXL_PLAN_MAX_WAYS];
        uint64_t min_free = UINT64_MAX, unit, max;
        unsigned ways = (unsigned) n, k;

        if (!r->cap_ram) {
                *why = "cannot hold RAM";
                return -1;
        }
        if (r->n_targets == 0 || r->n_targets > CXL_PLAN_MAX_TARGETS || r->ways != r->n_targets) {
                *why = "has an unusable target list";
                return -1;
        }
        if (n > CXL_PLAN_MAX_WAYS || !cxl_ways_valid(ways)) {
                *why = "cannot interleave that many devices";
                return -1;
        }
        for (size_t i = 0; i < n; i++) {
                const struct cxl_memdev *m = &t->memdevs[usable[i]];
                int ti = root_target_index(r, m->host_bridge);
                size_t j;

                if (ti < 0) {
                        *why = "does not reach the host bridge of every memdev";
                        return -1;
                }
                /* insertion in root-port order */
                j = per_hb[ti];
                while (j > 0 && memdev_cmp(&t->memdevs[order[ti][j - 1]], m) > 0) {
                        order[ti][j] = order[ti][j - 1];
                        j--;
                }
                order[ti][j] = usable[i];
                per_hb[ti]++;
                if (memdev_free(m) < min_free)
                        min_free = memdev_free(m);
        }
        k = (unsigned) per_hb[0];
        for (size_t i = 0; i < r->n_targets; i++)
                if (per_hb[i] != k || k == 0) {
                        *why = "has host bridges with unequal shares of the memdevs";
                        return -1;
                }
        /* Position p goes through host bridge p mod (root ways), as the
         * window routes addresses; the bridge's own devices follow in turn. */
        memset(rp, 0, sizeof(*rp));
        rp->root = ri;
        rp->ways = ways;
        rp->granularity = r->granularity;
        for (unsigned p = 0; p < ways; p++)
                rp->memdevs[p] = order[p % r->n_targets][p / r->n_targets];
        unit = region_unit(ways, t->block_size);
        if (unit == 0) {
                *why = "has an alignment that overflows";
                return -1;
        }
        max = min_free > UINT64_MAX / ways ? UINT64_MAX : min_free * ways;
        if (r->free < max)
                max = r->free;
        return (int64_t) capacity_round_down(max, unit);
}

/* The memdevs that match the glob, and those of them with free RAM capacity. */
struct plan_scan {
        size_t usable[CXL_PLAN_MAX_WAYS * 4];
        size_t n_usable, n_match;
        uint64_t total, free_all;
};

static void plan_scan_memdevs(const struct cxl_topology *t, const char *memdev_glob, struct cxl_plan *p,
                              struct plan_scan *s) {
        for (size_t i = 0; i < t->n_memdevs; i++) {
                const struct cxl_memdev *m = &t->memdevs[i];

                if (!cxl_memdev_matches(m, memdev_glob) || m->ram_size == 0)
                        continue;
                s->n_match++;
                s->total += m->ram_size;
                if (memdev_free(m) == 0) {
                        reason_add(p, "%s has no free RAM capacity%s", m->name,
                                   m->free_decoder ? "" : " (no free endpoint decoder)");
                        continue;
                }
                if (s->n_usable == ELEMENTSOF(s->usable)) {
                        reason_add(p, "%s and later memdevs are left out (more than %zu match)", m->name,
                                   ELEMENTSOF(s->usable));
                        break;
                }
                s->usable[s->n_usable++] = i;
                s->free_all += memdev_free(m);
        }
}

/* One region across all usable memdevs, on the window that gives most.
 * Returns 1 when the plan is decided, 0 to fall back to one region per
 * memdev (p->layout is then CXL_LAYOUT_PER_MEMDEV). */
static int plan_interleaved(const struct dt_amount *capacity, const struct cxl_topology *t,
                            const struct plan_scan *s, uint64_t need, struct cxl_plan *p) {
        struct cxl_region_plan best = { 0 }, rp;
        int64_t best_max = -1, m;
        const char *why = NULL, *first_why = NULL;
        uint64_t unit;

        for (size_t ri = 0; ri < t->n_roots; ri++) {
                m = interleave_on(t, ri, s->usable, s->n_usable, &rp, &why);
                if (m < 0) {
                        if (!first_why)
                                first_why = why;
                        continue;
                }
                if (m > best_max) {
                        best_max = m;
                        best = rp;
                }
        }
        if (best_max < 0) {
                p->layout = CXL_LAYOUT_PER_MEMDEV;
                if (s->n_usable > 1)
                        reason_add(p, "no root decoder can interleave all %zu memdevs (%s), one region per memdev",
                                   s->n_usable, first_why ? first_why : "there is none");
                return 0;
        }
        unit = region_unit(best.ways, t->block_size);
        p->layout = CXL_LAYOUT_INTERLEAVED;
        if (capacity->kind == DT_AMOUNT_FREE) {
                need = capacity_round_down(need, unit);
                if (need > (uint64_t) best_max)
                        need = (uint64_t) best_max;
        } else
                need = capacity_round_down(need, unit);
        if (need == 0) {
                p->verdict = p->have > 0 ? CXL_PLAN_SATISFIED : CXL_PLAN_REFUSED;
                if (p->verdict == CXL_PLAN_REFUSED)
                        reason_add(p, "%" PRIu64 " bytes round down to nothing: a %u-way region "
                                   "grows in steps of %" PRIu64 " bytes",
                                   p->target - p->have, best.ways, unit);
                return 1;
        }
        if (need > (uint64_t) best_max) {
                p->verdict = CXL_PLAN_REFUSED;
                reason_add(p, "needs %" PRIu64 " bytes, but a %u-way region on %s can have at most "
                           "%" PRIu64 " (free DPA of the memdevs, free space of the window)",
                           need, best.ways, t->roots[best.root].name, (uint64_t) best_max);
                return 1;
        }
        best.size = need;
        best.per_device = need / best.ways;
        p->regions[0] = best;
        p->n_regions = 1;
        p->size = need;
        p->verdict = CXL_PLAN_CREATE;
        return 1;
}

/* The window with most free space that targets only this memdev's host
 * bridge and has room for at least one unit; SIZE_MAX if none. */
static size_t plan_own_window(const struct cxl_topology *t, const struct cxl_memdev *m, const uint64_t *room,
                              size_t nr, uint64_t unit) {
        size_t best = SIZE_MAX;

        for (size_t ri = 0; ri < nr; ri++) {
                const struct cxl_root_decoder *r = &t->roots[ri];

                if (!r->cap_ram || r->ways != 1 || r->n_targets != 1 ||
                    r->targets[0] != m->host_bridge || room[ri] < unit)
                        continue;
                if (best == SIZE_MAX || room[ri] > room[best])
                        best = ri;
        }
        return best;
}

/* One region per memdev, each in a window that targets only its bridge. */
static int plan_per_memdev(const struct dt_amount *capacity, const struct cxl_topology *t,
                           const struct plan_scan *sc, uint64_t need, struct cxl_plan *p) {
        uint64_t room[64], want, got = 0, s, unit;
        size_t nr = t->n_roots < ELEMENTSOF(room) ? t->n_roots : ELEMENTSOF(room);

        for (size_t ri = 0; ri < nr; ri++)
                room[ri] = t->roots[ri].free;
        unit = region_unit(1, t->block_size);
        if (unit == 0)
                return -EINVAL;
        want = capacity_round_down(need, unit);
        if (want == 0) {
                p->verdict = p->have > 0 ? CXL_PLAN_SATISFIED : CXL_PLAN_REFUSED;
                if (p->verdict == CXL_PLAN_REFUSED)
                        reason_add(p, "%" PRIu64 " bytes round down to nothing: a region grows in "
                                   "steps of %" PRIu64 " bytes", need, unit);
                return 0;
        }
        for (size_t i = 0; i < sc->n_usable && got < want; i++) {
                const struct cxl_memdev *m = &t->memdevs[sc->usable[i]];
                size_t best = plan_own_window(t, m, room, nr, unit);

                if (best == SIZE_MAX) {
                        reason_add(p, "%s: no RAM window with free space targets its host bridge alone",
                                   m->name);
                        continue;
                }
                if (p->n_regions == CXL_PLAN_MAX_REGIONS) {
                        reason_add(p, "more than %d regions would be needed", CXL_PLAN_MAX_REGIONS);
                        break;
                }
                s = memdev_free(m) < room[best] ? memdev_free(m) : room[best];
                if (s > want - got)
                        s = want - got;
                s = capacity_round_down(s, unit);
                if (s == 0)
                        continue;
                room[best] -= s;
                p->regions[p->n_regions++] = (struct cxl_region_plan) {
                        .root = best, .ways = 1, .granularity = t->roots[best].granularity,
                        .per_device = s, .size = s, .memdevs = { sc->usable[i] },
                };
                got += s;
        }
        if (got == 0 || (capacity->kind != DT_AMOUNT_FREE && got < want)) {
                p->verdict = CXL_PLAN_REFUSED;
                reason_add(p, "needs %" PRIu64 " bytes, but the memdevs' regions can have only %" PRIu64,
                           want, got);
                p->n_regions = 0;
                return 0;
        }
        p->size = got;
        p->verdict = CXL_PLAN_CREATE;
        return 0;
}

int cxl_plan_regions(const struct dt_amount *capacity, const char *memdev_glob, const char *rule,
                     const struct cxl_topology *t, struct cxl_plan *ret) {
        struct plan_scan scan = { .n_usable = 0 };
        uint64_t need;
        struct cxl_plan *p = ret;
        const char *g = memdev_glob && *memdev_glob ? memdev_glob : "*";

        if (!capacity || !rule || !t || !ret || (t->n_roots > 0 && !t->roots) ||
            (t->n_memdevs > 0 && !t->memdevs) || (t->n_owned > 0 && !t->owned))
                return -EINVAL;
        memset(p, 0, sizeof(*p));

        for (size_t i = 0; i < t->n_owned; i++)
                if (t->owned[i].rule && streq(t->owned[i].rule, rule))
                        p->have += t->owned[i].size;

        plan_scan_memdevs(t, memdev_glob, p, &scan);
        switch (capacity->kind) {
        case DT_AMOUNT_SIZE: p->target = capacity->size; break;
        case DT_AMOUNT_PERCENT: p->target = capacity_percent_of(scan.total, capacity->percent); break;
        case DT_AMOUNT_FREE: p->target = p->have + scan.free_all; break;
        default: return -EINVAL;
        }
        if (scan.n_match == 0) {
                p->verdict = p->have > 0 ? CXL_PLAN_SATISFIED : CXL_PLAN_REFUSED;
                p->reason[0] = '\0';
                reason_add(p, "no CXL memdev with RAM capacity matches match.cxl_memdev = %s", g);
                return 0;
        }
        if (p->target <= p->have) {
                /* "free" with nothing free and nothing of its own yet is
                 * worth a word: the memdevs are all taken by others. */
                if (p->have == 0) {
                        p->verdict = CXL_PLAN_REFUSED;
                        reason_add(p, "the matching memdevs have no free RAM capacity");
                } else
                        p->verdict = CXL_PLAN_SATISFIED;
                return 0;
        }
        need = p->target - p->have;
        if (scan.n_usable == 0) {
                p->verdict = CXL_PLAN_REFUSED;
                reason_add(p, "the matching memdevs have no free RAM capacity: %" PRIu64 " bytes are missing",
                           need);
                return 0;
        }
        if (plan_interleaved(capacity, t, &scan, need, p))
                return 0;
        return plan_per_memdev(capacity, t, &scan, need, p);
}

int cxl_state_parse(char *buf, struct cxl_owned_region *ret, size_t max, unsigned *ret_line) {
        unsigned line = 0;
        size_t n = 0;
        char *save = NULL, *l;

        if (!buf || (!ret && max > 0))
                return -EINVAL;
        /* strtok_r skips empty lines; count lines ourselves. */
        for (l = buf; l; ) {
                char *next = strchr(l, '\n'), *f[4], *s2 = NULL;
                unsigned nf = 0;
                uint64_t size;

                if (next)
                        *next++ = '\0';
                line++;
                if (*l != '#') {
                        for (char *w = strtok_r(l, " \t", &s2); w; w = strtok_r(NULL, " \t", &s2))
                                if (nf < ELEMENTSOF(f))
                                        f[nf++] = w;
                                else
                                        nf++;
                        if (nf != 0) {
                                if (nf != 3 || !startswith(f[0], "region") ||
                                    safe_atou64(f[2], 10, &size) < 0 || n >= max) {
                                        if (ret_line)
                                                *ret_line = line;
                                        return -EINVAL;
                                }
                                ret[n++] = (struct cxl_owned_region) { .name = f[0], .rule = f[1], .size = size };
                        }
                }
                l = next;
        }
        (void) save;
        return (int) n;
}

int cxl_dpa_to_hpa(uint64_t start, unsigned ways, unsigned granularity, unsigned pos, uint64_t dpa_base,
                   uint64_t dpa, uint64_t *ret) {
        uint64_t off, chunk, hpa_off;

        if (!cxl_ways_valid(ways) || pos >= ways || granularity == 0 || (granularity & (granularity - 1)) != 0 ||
            !ret)
                return -EINVAL;
        if (dpa < dpa_base)
                return -ERANGE;
        off = dpa - dpa_base;
        chunk = off / granularity;
        if (__builtin_mul_overflow(chunk, (uint64_t) ways, &hpa_off) ||
            __builtin_add_overflow(hpa_off, (uint64_t) pos, &hpa_off) ||
            __builtin_mul_overflow(hpa_off, (uint64_t) granularity, &hpa_off) ||
            __builtin_add_overflow(hpa_off, off % granularity, &hpa_off) ||
            __builtin_add_overflow(start, hpa_off, ret))
                return -ERANGE;
        return 0;
}

int cxl_state_write(FILE *f, const struct cxl_owned_region *o, size_t n) {
        if (!f || (n > 0 && !o))
                return -EINVAL;
        fprintf(f, "# CXL regions daxtierd created: REGION RULE SIZE\n");
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%s %s %" PRIu64 "\n", o[i].name, o[i].rule, o[i].size);
        return ferror(f) ? -EIO : 0;
}
