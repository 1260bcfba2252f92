/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cxl-probe: drives src/cxl-plan.c and src/cxl-sysfs.c by hand, so that a
 * test guest can check them against a real kernel before the daemon uses
 * them (tests/vm/scenarios/cxl-facts.vm).  Not installed; run-scenario.sh
 * copies it into guests with CXL devices as /usr/lib/daxtier-test/cxl-probe.
 *
 *   cxl-probe topology                 memdevs, root decoders, regions
 *   cxl-probe plan CAPACITY [GLOB]     the plan of a rule (SIZE, N%, free)
 *   cxl-probe create CAPACITY [GLOB]   plan and create; prints the regions
 *   cxl-probe dax DAX                  its CXL region and memdevs
 *   cxl-probe poison MEM               MEM's poison list
 *
 * Environment: CXL_PROBE_ROOT, a fake sysfs root (tests).
 * Exit status: 0, 1 on failure, 2 when the plan refuses.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cxl-plan.h"
#include "cxl-poison.h"
#include "cxl-sysfs.h"
#include "policy.h"
#include "sysfs.h"
#include "util.h"

static int parse_capacity(const char *s, struct dt_amount *a) {
        size_t n = strlen(s);
        int p;

        if (streq(s, "free")) {
                *a = (struct dt_amount) { .kind = DT_AMOUNT_FREE };
                return 0;
        }
        if (n > 1 && s[n - 1] == '%') {
                char buf[16];

                if (n >= sizeof(buf))
                        return -EINVAL;
                memcpy(buf, s, n - 1);
                buf[n - 1] = '\0';
                if (safe_atoi(buf, &p) < 0 || p <= 0 || p > 100)
                        return -EINVAL;
                *a = (struct dt_amount) { .kind = DT_AMOUNT_PERCENT, .percent = (unsigned) p };
                return 0;
        }
        a->kind = DT_AMOUNT_SIZE;
        return parse_size(s, &a->size);
}

static uint64_t block_size(void) {
        uint64_t v = 0;

        if (sysfs_read_u64("/sys/devices/system/memory/block_size_bytes", 16, &v) < 0)
                return 0;
        return v;
}

static void print_topology(const struct cxl_sysfs *c) {
        for (size_t i = 0; i < c->n_roots; i++) {
                const struct cxl_root_decoder *r = &c->roots[i];

                printf("root %s size=%" PRIu64 " free=%" PRIu64 " ways=%u granularity=%u cap_ram=%d targets=",
                       r->name, r->size, r->free, r->ways, r->granularity, r->cap_ram);
                for (size_t t = 0; t < r->n_targets; t++)
                        printf("%s%d", t ? "," : "", r->targets[t]);
                printf("\n");
        }
        for (size_t i = 0; i < c->n_memdevs; i++) {
                const struct cxl_memdev *m = &c->memdevs[i];

                printf("memdev %s serial=%#" PRIx64 " host_bridge=%d root_port=%s endpoint=%s ram_size=%" PRIu64
                       " ram_used=%" PRIu64 " next_decoder=%s\n",
                       m->name, m->serial, m->host_bridge, strempty(m->root_port), c->endpoint[i], m->ram_size,
                       m->ram_used, m->free_decoder ? c->next_decoder[i] : "-");
        }
        for (size_t i = 0; i < c->n_regions; i++) {
                const struct cxl_sysfs_region *g = &c->regions[i];

                printf("region %s root=%s mode=%s resource=%#" PRIx64 " size=%" PRIu64
                       " ways=%u granularity=%u committed=%d targets=",
                       g->name, g->root, g->mode, g->resource, g->size, g->ways, g->granularity, g->committed);
                for (unsigned w = 0; w < g->ways && w < CXL_PLAN_MAX_WAYS; w++)
                        printf("%s%s:%s", w ? "," : "", g->targets[w], g->memdevs[w]);
                printf("\n");
        }
}

static void print_plan(const struct cxl_sysfs *c, const struct cxl_plan *p) {
        printf("verdict=%s layout=%s target=%" PRIu64 " have=%" PRIu64 " size=%" PRIu64 "\n",
               cxl_plan_verdict_to_string(p->verdict), cxl_plan_layout_to_string(p->layout), p->target, p->have,
               p->size);
        if (p->reason[0])
                printf("reason: %s\n", p->reason);
        for (size_t i = 0; i < p->n_regions; i++) {
                const struct cxl_region_plan *r = &p->regions[i];

                printf("region on %s ways=%u granularity=%u per_device=%" PRIu64 " size=%" PRIu64 " memdevs=",
                       c->roots[r->root].name, r->ways, r->granularity, r->per_device, r->size);
                for (unsigned w = 0; w < r->ways; w++)
                        printf("%s%s", w ? "," : "", c->memdevs[r->memdevs[w]].name);
                printf("\n");
        }
}

int main(int argc, char **argv) {
        struct cxl_sysfs c;
        const char *root = getenv("CXL_PROBE_ROOT");
        int r;

        if (argc < 2) {
                fprintf(stderr, "usage: cxl-probe topology | plan CAP [GLOB] | create CAP [GLOB] | dax DAX | poison MEM\n");
                return 1;
        }
        if (root)
                sysfs_set_root(root);
        if (streq(argv[1], "poison") && argc == 3) {
                struct cxl_poison rec[64];

                r = cxl_sysfs_poison_list(argv[2], rec, ELEMENTSOF(rec));
                if (r < 0) {
                        fprintf(stderr, "cxl-probe: poison list of %s: %s\n", argv[2], strerror(-r));
                        return 1;
                }
                printf("%s: %d records\n", argv[2], r);
                for (int i = 0; i < r && i < (int) ELEMENTSOF(rec); i++)
                        printf("dpa=%#" PRIx64 " length=%" PRIu64 " hpa=%#" PRIx64 " region=%s source=%s\n",
                               rec[i].dpa, rec[i].length, rec[i].hpa, rec[i].region, rec[i].source);
                return 0;
        }
        r = cxl_sysfs_scan(&c);
        if (r < 0) {
                fprintf(stderr, "cxl-probe: reading the CXL topology: %s\n", strerror(-r));
                return 1;
        }
        if (streq(argv[1], "topology")) {
                print_topology(&c);
        } else if ((streq(argv[1], "plan") || streq(argv[1], "create")) && (argc == 3 || argc == 4)) {
                struct dt_amount a;
                struct cxl_topology t;
                struct cxl_plan p;

                if (parse_capacity(argv[2], &a) < 0) {
                        fprintf(stderr, "cxl-probe: bad capacity %s\n", argv[2]);
                        cxl_sysfs_free(&c);
                        return 1;
                }
                cxl_sysfs_topology(&c, block_size(), &t);
                r = cxl_plan_regions(&a, argc == 4 ? argv[3] : NULL, "probe", &t, &p);
                if (r < 0) {
                        fprintf(stderr, "cxl-probe: plan: %s\n", strerror(-r));
                        cxl_sysfs_free(&c);
                        return 1;
                }
                print_plan(&c, &p);
                if (p.verdict == CXL_PLAN_REFUSED) {
                        cxl_sysfs_free(&c);
                        return 2;
                }
                if (streq(argv[1], "create"))
                        for (size_t i = 0; i < p.n_regions; i++) {
                                char name[CXL_NAME_MAX];
                                const char *step = NULL;
                                struct cxl_sysfs fresh;

                                /* each region changes the next decoders: read again */
                                if (i > 0) {
                                        cxl_sysfs_free(&c);
                                        if ((r = cxl_sysfs_scan(&fresh)) < 0)
                                                return 1;
                                        c = fresh;
                                }
                                r = cxl_sysfs_create_ram_region(&c, &p.regions[i], name, sizeof(name), &step);
                                if (r < 0) {
                                        fprintf(stderr, "cxl-probe: creating region %zu failed while %s: %s\n", i,
                                                step, strerror(-r));
                                        cxl_sysfs_free(&c);
                                        return 1;
                                }
                                printf("created %s\n", name);
                        }
        } else if (streq(argv[1], "dax") && argc == 3) {
                char region[CXL_NAME_MAX];
                int g;

                r = cxl_sysfs_dax_region(argv[2], region, sizeof(region));
                if (r < 0) {
                        fprintf(stderr, "cxl-probe: %s: no CXL region: %s\n", argv[2], strerror(-r));
                        cxl_sysfs_free(&c);
                        return 1;
                }
                g = cxl_sysfs_region_index(&c, region);
                printf("%s region=%s memdevs=", argv[2], region);
                for (unsigned w = 0; g >= 0 && w < c.regions[g].ways && w < CXL_PLAN_MAX_WAYS; w++) {
                        int m = cxl_sysfs_memdev_index(&c, c.regions[g].memdevs[w]);

                        printf("%s%s:%#" PRIx64, w ? "," : "", c.regions[g].memdevs[w],
                               m >= 0 ? c.memdevs[m].serial : 0);
                }
                printf("\n");
        } else {
                fprintf(stderr, "cxl-probe: bad command\n");
                cxl_sysfs_free(&c);
                return 1;
        }
        cxl_sysfs_free(&c);
        return 0;
}
