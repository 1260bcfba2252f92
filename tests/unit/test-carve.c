/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-carve: unit tests for carve-plan.c, the decisions of the region
 * pass, against a fake region backend: which rule matches (and that a
 * region no rule names is never touched), each refusal and its reason,
 * sizes rounded to the block size, the region and dax alignments and the
 * interleave ways, the verdicts that create nothing, idempotence (a
 * namespace named daxtierd-RULE satisfies the rule on the next pass) and
 * a backend that fails.
 */

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "carve-plan.h"
#include "util.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

/* ---- the fake backend ---------------------------------------------------- */

struct fake {
        unsigned calls;
        char name[128];
        uint64_t size;
        int fail;               /* -errno: create fails */
};

static int fake_create(void *ctx, const struct carve_region *f, const char *name, uint64_t size,
                       struct carve_result *res) {
        struct fake *fk = ctx;

        fk->calls++;
        snprintf(fk->name, sizeof(fk->name), "%s", name);
        fk->size = size;
        if (fk->fail < 0) {
                carve_result_set(res, CARVE_FAILED, "%s: the fake refused: %s", f->name, strerror(-fk->fail));
                return fk->fail;
        }
        snprintf(res->namespace, sizeof(res->namespace), "namespace%d.1", f->id);
        snprintf(res->device, sizeof(res->device), "dax%d.1", f->id);
        return 0;
}

static struct fake fk;
static struct carve_backend be = { .create = fake_create, .ctx = &fk };
static struct carve_results rs;
static struct region_rule rules[2];
static struct carve_request req;

static void setup(void) {
        fk = (struct fake) {};
        rs = (struct carve_results) {};
        memset(rules, 0, sizeof(rules));
        rules[0] = (struct region_rule) {
                .name = (char *) "half",
                .file = (char *) "/etc/daxtierd.conf",
                .match_set = DT_MATCH_REGION,
                .match_region = 0,
                .capacity = { .kind = DT_AMOUNT_PERCENT, .percent = 50 },
                .max_devices = 1,
        };
        rules[1] = (struct region_rule) {
                .name = (char *) "cxl",
                .file = (char *) "/etc/daxtierd.conf",
                .match_set = DT_MATCH_SOURCE,
                .match_source = DT_SOURCE_CXL,
                .capacity = { .kind = DT_AMOUNT_FREE },
                .max_devices = 4,
        };
        req = (struct carve_request) { .rules = rules, .n_rules = 2, .block_size = 128 * MiB };
}

static void teardown(void) {
        carve_results_free(rs.v, rs.n);
}

/* A labelled, enabled 2 GiB pmem region0, all of it free. */
static struct carve_region region0(void) {
        return (struct carve_region) {
                .name = "region0",
                .source = DT_SOURCE_PMEM,
                .id = 0,
                .target_node = 1,
                .size = 2 * GiB,
                .available = 2 * GiB,
                .dax_align = 2 * MiB,
                .ways = 1,
        };
}

static struct carve_result *run(const struct carve_region *f) {
        return carve_region_run(&req, f, &be, &rs);
}

static void assert_reason(const struct carve_result *r, const char *part) {
        ck_assert_ptr_nonnull(r->reason);
        ck_assert_msg(strstr(r->reason, part), "reason \"%s\" lacks \"%s\"", r->reason, part);
}

/* ---- match ---------------------------------------------------------------- */

START_TEST(test_no_rule_no_touch) {
        struct carve_region f = region0();

        f.id = 7;
        f.name = "region7";
        ck_assert_ptr_null(run(&f));
        ck_assert_uint_eq(rs.n, 0);
        ck_assert_uint_eq(fk.calls, 0);

        req.n_rules = 0;
        f = region0();
        ck_assert_ptr_null(run(&f));
        ck_assert_uint_eq(fk.calls, 0);
}
END_TEST

START_TEST(test_first_match_wins) {
        struct carve_region f = region0();
        struct carve_result *r;

        /* region0 of a CXL source: both rules match, the first one wins. */
        f.source = DT_SOURCE_CXL;
        r = run(&f);
        ck_assert_ptr_nonnull(r);
        ck_assert_str_eq(r->rule, "half");
        ck_assert_str_eq(r->capacity, "50%");
        ck_assert_uint_eq(r->max_devices, 1);
        ck_assert_str_eq(fk.name, "daxtierd-half");

        f.id = 3;
        f.name = "dax_region3";
        r = run(&f);
        ck_assert_str_eq(r->rule, "cxl");
        ck_assert_str_eq(r->capacity, "free");
        ck_assert_str_eq(r->region, "dax_region3");
        ck_assert_uint_eq(rs.n, 2);
}
END_TEST

/* match.cxl_region names the dax region of an existing CXL region. */
START_TEST(test_match_cxl_region) {
        struct carve_region f = region0();
        struct carve_result *r;

        rules[0].match_set = DT_MATCH_SOURCE | DT_MATCH_CXL_REGION;
        rules[0].match_source = DT_SOURCE_CXL;
        rules[0].match_cxl_region = 3;
        req.n_rules = 1;
        f.source = DT_SOURCE_CXL;
        f.id = 3;
        f.name = "dax_region3";
        r = run(&f);
        ck_assert_ptr_nonnull(r);
        ck_assert_str_eq(r->rule, "half");
        f.id = 4;
        f.name = "dax_region4";
        ck_assert_ptr_null(run(&f));
        /* an hmem dax region of that number is no CXL region */
        f.source = DT_SOURCE_HMEM;
        f.id = 3;
        ck_assert_ptr_null(run(&f));
}
END_TEST

/* ---- sizes and rounding ----------------------------------------------------- */

START_TEST(test_create_half) {
        struct carve_region f = region0();
        struct carve_result *r = run(&f);

        ck_assert_int_eq(r->outcome, CARVE_CREATED);
        ck_assert_ptr_null(r->reason);
        ck_assert_uint_eq(fk.calls, 1);
        ck_assert_str_eq(fk.name, "daxtierd-half");
        ck_assert_uint_eq(fk.size, 1 * GiB);
        ck_assert_uint_eq(r->size, 1 * GiB);
        ck_assert_uint_eq(r->target, 1 * GiB);
        ck_assert_uint_eq(r->region_size, 2 * GiB);
        ck_assert_uint_eq(r->available, 2 * GiB);
        ck_assert_uint_eq(r->carved, 0);
        ck_assert_str_eq(r->namespace, "namespace0.1");
        ck_assert_str_eq(r->device, "dax0.1");
}
END_TEST

START_TEST(test_round_to_block) {
        struct carve_region f = region0();
        struct carve_result *r;

        /* 1000 MiB is 7 blocks of 128 MiB and a bit: 896 MiB. */
        rules[0].capacity = (struct dt_amount) { .kind = DT_AMOUNT_SIZE, .size = 1000 * MiB };
        r = run(&f);
        ck_assert_int_eq(r->outcome, CARVE_CREATED);
        ck_assert_uint_eq(fk.size, 896 * MiB);
        ck_assert_uint_eq(r->target, 896 * MiB);
}
END_TEST

START_TEST(test_round_interleave) {
        struct carve_region f = region0();
        struct carve_result *r;

        /* dax alignment 2 MiB times 3 ways is 6 MiB; with 128 MiB blocks
         * the size must be a multiple of lcm(128, 6) = 384 MiB. */
        f.ways = 3;
        rules[0].capacity = (struct dt_amount) { .kind = DT_AMOUNT_SIZE, .size = 1 * GiB };
        r = run(&f);
        ck_assert_int_eq(r->outcome, CARVE_CREATED);
        ck_assert_uint_eq(fk.size, 768 * MiB);
        ck_assert_uint_eq(fk.size % (384 * MiB), 0);
}
END_TEST

START_TEST(test_round_region_align) {
        struct carve_region f = region0();
        struct carve_result *r;

        /* A region alignment of 384 MiB (e.g. 3 × 128 MiB interleave). */
        f.region_align = 384 * MiB;
        rules[0].capacity = (struct dt_amount) { .kind = DT_AMOUNT_SIZE, .size = 1 * GiB };
        r = run(&f);
        ck_assert_int_eq(r->outcome, CARVE_CREATED);
        ck_assert_uint_eq(fk.size, 768 * MiB);
}
END_TEST

START_TEST(test_free_takes_available) {
        struct carve_region f = region0();
        struct carve_result *r;

        /* capacity = free: what is free, rounded down to whole blocks. */
        f.source = DT_SOURCE_CXL;
        f.id = 2;
        f.name = "dax_region2";
        f.available = 1 * GiB + 100 * MiB;
        r = run(&f);
        ck_assert_str_eq(r->rule, "cxl");
        ck_assert_int_eq(r->outcome, CARVE_CREATED);
        ck_assert_uint_eq(fk.size, 1 * GiB);
        ck_assert_str_eq(fk.name, "daxtierd-cxl");
}
END_TEST

/* ---- refusals ------------------------------------------------------------- */

START_TEST(test_refusals) {
        static const struct {
                const char *flag;
                const char *reason;
        } cases[] = {
                { "disabled", "region0 is disabled; nothing was carved" },
                { "read_only", "region0 is read-only; nothing was carved" },
                { "no_labels", "has no namespace labels" },
                { "block_size", "the memory block size is unknown" },
                { "no_dax_seed", "no dax seed" },
                { "state_error", "cannot read " CARVE_DAX_STATE_FILE ": Permission denied" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct carve_region f = region0();
                struct carve_result *r;

                req.block_size = 128 * MiB;
                if (streq(cases[i].flag, "disabled"))
                        f.disabled = true;
                else if (streq(cases[i].flag, "read_only"))
                        f.read_only = true;
                else if (streq(cases[i].flag, "no_labels"))
                        f.no_labels = true;
                else if (streq(cases[i].flag, "block_size"))
                        req.block_size = 0;
                else if (streq(cases[i].flag, "no_dax_seed"))
                        f.no_dax_seed = true;
                else
                        f.state_error = -EACCES;
                r = run(&f);
                ck_assert_ptr_nonnull(r);
                ck_assert_int_eq(r->outcome, CARVE_REFUSED);
                assert_reason(r, cases[i].reason);
                ck_assert_uint_eq(r->region_size, 2 * GiB);
        }
        ck_assert_uint_eq(fk.calls, 0);
}
END_TEST

START_TEST(test_refusal_order) {
        struct carve_region f = region0();
        struct carve_result *r;

        /* Every reason at once: the first in the documented order is given. */
        f.disabled = f.read_only = f.no_labels = f.no_dax_seed = true;
        f.state_error = -EIO;
        req.block_size = 0;
        r = run(&f);
        assert_reason(r, "region0 is disabled");

        f.disabled = false;
        r = run(&f);
        assert_reason(r, "read-only");

        /* Unknown block size before a missing dax seed. */
        f = region0();
        f.no_dax_seed = true;
        req.block_size = 0;
        r = run(&f);
        assert_reason(r, "block size is unknown");
        ck_assert_uint_eq(fk.calls, 0);
}
END_TEST

START_TEST(test_no_space) {
        struct carve_region f = region0();
        struct carve_result *r;

        /* 1 GiB wanted, 512 MiB free: never a part of it. */
        f.available = 512 * MiB;
        r = run(&f);
        ck_assert_int_eq(r->outcome, CARVE_REFUSED);
        assert_reason(r, "region0 needs 1073741824 bytes (1.0 GiB) more for rule half (capacity 50%)");
        assert_reason(r, "but has only 536870912 bytes (512.0 MiB) free");
        ck_assert_uint_eq(r->size, 1 * GiB);
        ck_assert_uint_eq(fk.calls, 0);
}
END_TEST

START_TEST(test_max_devices) {
        const struct carve_child kids[] = { { "daxtierd-half", 512 * MiB } };
        struct carve_region f = region0();
        struct carve_result *r;

        f.children = kids;
        f.n_children = ELEMENTSOF(kids);
        r = run(&f);
        ck_assert_int_eq(r->outcome, CARVE_REFUSED);
        assert_reason(r, "already has 1 namespace there (max_devices = 1)");
        ck_assert_uint_eq(r->carved, 512 * MiB);
        ck_assert_uint_eq(r->n_carved, 1);
        ck_assert_uint_eq(r->size, 512 * MiB);
        ck_assert_uint_eq(fk.calls, 0);

        /* With room for a second one, the missing half is carved. */
        rules[0].max_devices = 2;
        r = run(&f);
        ck_assert_int_eq(r->outcome, CARVE_CREATED);
        ck_assert_uint_eq(fk.size, 512 * MiB);
}
END_TEST

START_TEST(test_too_small) {
        const struct carve_child kids[] = { { "daxtierd-half", 100 * MiB } };
        struct carve_region f = region0();
        struct carve_result *r;

        /* 4 MiB blocks: 8 MiB missing is less than a 16 MiB namespace. */
        req.block_size = 4 * MiB;
        f.dax_align = 0;
        f.children = kids;
        f.n_children = ELEMENTSOF(kids);
        rules[0].capacity = (struct dt_amount) { .kind = DT_AMOUNT_SIZE, .size = 108 * MiB };
        rules[0].max_devices = 4;
        r = run(&f);
        ck_assert_int_eq(r->outcome, CARVE_SATISFIED);
        assert_reason(r, "the 8388608 bytes (8.0 MiB) still missing is less than the smallest namespace region0 takes (16777216 bytes (16.0 MiB))");
        ck_assert_uint_eq(fk.calls, 0);
}
END_TEST

START_TEST(test_unknown_available) {
        struct carve_region f = region0();
        struct carve_result *r;

        f.available = UINT64_MAX;
        r = run(&f);
        ck_assert_int_eq(r->outcome, CARVE_FAILED);
        assert_reason(r, "cannot read the free capacity of region0");
        ck_assert_uint_eq(fk.calls, 0);
}
END_TEST

START_TEST(test_alignment_overflow) {
        struct carve_region f = region0();
        struct carve_result *r;

        f.dax_align = UINT64_C(1) << 62;
        f.ways = 8;
        r = run(&f);
        ck_assert_int_eq(r->outcome, CARVE_FAILED);
        assert_reason(r, "the alignments of region0 overflow");
        ck_assert_uint_eq(fk.calls, 0);
}
END_TEST

/* ---- idempotence ----------------------------------------------------------- */

START_TEST(test_idempotent) {
        struct carve_region f = region0();
        struct carve_child kids[3];
        struct carve_result *r;

        r = run(&f);
        ck_assert_int_eq(r->outcome, CARVE_CREATED);
        ck_assert_uint_eq(fk.calls, 1);

        /* The next pass sees the namespace it made, by name: nothing to do. */
        kids[0] = (struct carve_child) { fk.name, fk.size };
        f.children = kids;
        f.n_children = 1;
        f.available = 1 * GiB;
        r = run(&f);
        ck_assert_int_eq(r->outcome, CARVE_SATISFIED);
        ck_assert_ptr_null(r->reason);
        ck_assert_uint_eq(r->carved, 1 * GiB);
        ck_assert_uint_eq(r->n_carved, 1);
        ck_assert_uint_eq(fk.calls, 1);
}
END_TEST

START_TEST(test_others_not_counted) {
        /* Not ours: another name, a longer name, no name, an idle seed
         * of size 0, a size that could not be read. */
        const struct carve_child kids[] = {
                { "data", 1 * GiB },
                { "daxtierd-halfway", 1 * GiB },
                { "daxtierd-cxl", 1 * GiB },
                { NULL, 1 * GiB },
                { "daxtierd-half", 0 },
                { "daxtierd-half", UINT64_MAX },
        };
        struct carve_region f = region0();
        struct carve_result *r;

        f.children = kids;
        f.n_children = ELEMENTSOF(kids);
        r = run(&f);
        ck_assert_uint_eq(r->carved, 0);
        ck_assert_uint_eq(r->n_carved, 0);
        ck_assert_int_eq(r->outcome, CARVE_CREATED);
        ck_assert_uint_eq(fk.size, 1 * GiB);
}
END_TEST

/* ---- the backend fails ------------------------------------------------------- */

START_TEST(test_backend_fails) {
        struct carve_region f = region0();
        struct carve_result *r;

        fk.fail = -EBUSY;
        r = run(&f);
        ck_assert_uint_eq(fk.calls, 1);
        ck_assert_int_eq(r->outcome, CARVE_FAILED);
        assert_reason(r, "region0: the fake refused: Device or resource busy");
        ck_assert_uint_eq(r->size, 1 * GiB);
}
END_TEST

/* ---- the request ----------------------------------------------------------- */

/* ---- crash recovery --------------------------------------------------------- */

#define UUID "1f1e2a3b-0000-4000-8000-00000000abcd"

static struct carve_intent pmem_intent(void) {
        struct carve_intent in = { .kind = CARVE_INTENT_PMEM };

        snprintf(in.region, sizeof(in.region), "region0");
        snprintf(in.uuid, sizeof(in.uuid), UUID);
        snprintf(in.rule, sizeof(in.rule), "half");
        return in;
}

static struct carve_intent dax_intent(void) {
        struct carve_intent in = { .kind = CARVE_INTENT_DAX, .region_id = 1, .size = GiB };

        snprintf(in.device, sizeof(in.device), "dax1.2");
        snprintf(in.rule, sizeof(in.rule), "cxl");
        return in;
}

START_TEST(test_intent_roundtrip) {
        struct carve_intent in[2] = { pmem_intent(), dax_intent() }, out;
        char buf[CARVE_INTENT_MAX];
        int n;

        n = carve_intent_format(&in[0], buf, sizeof(buf));
        ck_assert_int_gt(n, 0);
        ck_assert_str_eq(buf, "pmem region0 " UUID " half\n");
        ck_assert_int_eq(carve_intent_parse(buf, (size_t) n, &out), 0);
        ck_assert_int_eq(out.kind, CARVE_INTENT_PMEM);
        ck_assert_str_eq(out.region, "region0");
        ck_assert_str_eq(out.uuid, UUID);
        ck_assert_str_eq(out.rule, "half");

        n = carve_intent_format(&in[1], buf, sizeof(buf));
        ck_assert_str_eq(buf, "dax 1 dax1.2 1073741824 cxl\n");
        ck_assert_int_eq(carve_intent_parse(buf, (size_t) n, &out), 0);
        ck_assert_int_eq(out.kind, CARVE_INTENT_DAX);
        ck_assert_int_eq(out.region_id, 1);
        ck_assert_str_eq(out.device, "dax1.2");
        ck_assert_uint_eq(out.size, GiB);
        ck_assert_str_eq(out.rule, "cxl");

        ck_assert_int_eq(carve_intent_format(&in[0], buf, 10), -ENAMETOOLONG);
}
END_TEST

START_TEST(test_intent_garbage) {
        static const char *const bad[] = {
                "", "\n", "pmem region0 " UUID " half", /* no newline */
                "pmem region0 " UUID " half\nextra\n", "pmem region0 " UUID "\n", "pmem region0 " UUID " half x\n",
                "pmem nd0 " UUID " half\n", "pmem region0 not-a-uuid half\n",
                "pmem region0 1F1E2A3B-0000-4000-8000-00000000ABCD half\n", "pmem region0 " UUID " ha/lf\n",
                "dax 1 dax1.2 0 cxl\n", "dax -1 dax1.2 1024 cxl\n", "dax 1 nvme0 1024 cxl\n",
                "dax 1 dax1.2 12x cxl\n", "dax 99999999999 dax1.2 1024 cxl\n", "dax 1 dax1.2 1024\n",
                "nfs 1 dax1.2 1024 cxl\n", "dax 1 dax1.2 99999999999999999999999 cxl\n",
        };
        struct carve_intent out = { .rule = "untouched" };
        char junk[CARVE_INTENT_MAX + 8];

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ck_assert_msg(carve_intent_parse(bad[i], strlen(bad[i]), &out) == -EINVAL, "accepted \"%s\"", bad[i]);
        ck_assert_int_eq(carve_intent_parse("dax 1 dax1.2\0 1024 cxl\n", 23, &out), -EINVAL);
        ck_assert_int_eq(carve_intent_parse(NULL, 0, &out), -EINVAL);
        for (size_t n = 0; n < sizeof(junk); n++)
                junk[n] = (char) (n * 131 + 7);
        for (size_t n = 0; n <= sizeof(junk); n++)
                ck_assert_int_eq(carve_intent_parse(junk, n, &out), -EINVAL);
        /* A long rule name that fills the line. */
        memset(junk, 'a', sizeof(junk));
        memcpy(junk, "dax 1 dax1.2 1024 ", 18);
        junk[sizeof(junk) - 1] = '\n';
        ck_assert_int_eq(carve_intent_parse(junk, sizeof(junk), &out), -EINVAL);
        ck_assert_str_eq(out.rule, "untouched");
}
END_TEST

/* Killed between the name and enabling: a disabled daxtierd-half
 * namespace, which must not count as the rule's for ever. */
START_TEST(test_recover_pmem) {
        struct carve_intent in = pmem_intent();
        const char *why;

        ck_assert_int_eq(carve_recover_verdict(&in, &(struct carve_found) { .exists = true, .name = "daxtierd-half" },
                                               &why),
                         CARVE_RECOVER_UNDO);
        /* Killed after the uuid, before the name. */
        ck_assert_int_eq(carve_recover_verdict(&in, &(struct carve_found) { .exists = true, .name = "" }, &why),
                         CARVE_RECOVER_UNDO);
        ck_assert_int_eq(carve_recover_verdict(&in, &(struct carve_found) { .exists = true }, &why),
                         CARVE_RECOVER_UNDO);
        /* Made whole before the kill: it stays. */
        ck_assert_int_eq(carve_recover_verdict(&in,
                                               &(struct carve_found) { .exists = true, .name = "daxtierd-half",
                                                                       .enabled = true },
                                               &why),
                         CARVE_RECOVER_FORGET);
        /* Another name with that uuid, or another rule's name: not provably ours. */
        ck_assert_int_eq(carve_recover_verdict(&in, &(struct carve_found) { .exists = true, .name = "data" }, &why),
                         CARVE_RECOVER_FORGET);
        ck_assert_int_eq(carve_recover_verdict(&in, &(struct carve_found) { .exists = true, .name = "daxtierd-cxl" },
                                               &why),
                         CARVE_RECOVER_FORGET);
        ck_assert_int_eq(carve_recover_verdict(&in, &(struct carve_found) {}, &why), CARVE_RECOVER_FORGET);
        ck_assert_ptr_nonnull(why);
}
END_TEST

/* Killed between sizing the device and listing it: adopted, not carved twice. */
START_TEST(test_recover_dax) {
        struct carve_intent in = dax_intent();
        const char *why;

        ck_assert_int_eq(carve_recover_verdict(&in, &(struct carve_found) { .exists = true, .size = GiB }, &why),
                         CARVE_RECOVER_ADOPT);
        ck_assert_int_eq(carve_recover_verdict(&in, &(struct carve_found) { .exists = true, .size = GiB,
                                                                            .listed = true },
                                               &why),
                         CARVE_RECOVER_FORGET);
        ck_assert_int_eq(carve_recover_verdict(&in, &(struct carve_found) { .exists = true, .size = 0 }, &why),
                         CARVE_RECOVER_FORGET);
        ck_assert_int_eq(carve_recover_verdict(&in, &(struct carve_found) { .exists = true, .size = 2 * GiB }, &why),
                         CARVE_RECOVER_FORGET);
        ck_assert_int_eq(carve_recover_verdict(&in, &(struct carve_found) {}, &why), CARVE_RECOVER_FORGET);
}
END_TEST

START_TEST(test_request_copy) {
        struct policy p = { .region_rules = rules, .n_region_rules = 2 };
        struct carve_request *copy = NULL;

        ck_assert_int_eq(carve_request_new(&p, 64 * MiB, &copy), 0);
        ck_assert_uint_eq(copy->n_rules, 2);
        ck_assert_uint_eq(copy->block_size, 64 * MiB);
        ck_assert_str_eq(copy->rules[1].name, "cxl");
        ck_assert_ptr_ne(copy->rules[1].name, rules[1].name);
        ck_assert_int_eq(copy->rules[1].capacity.kind, DT_AMOUNT_FREE);
        carve_request_free(copy);

        ck_assert_int_eq(carve_request_new(NULL, 0, &copy), 0);
        ck_assert_uint_eq(copy->n_rules, 0);
        carve_request_free(copy);

        ck_assert_str_eq(carve_outcome_to_string(CARVE_CREATED), "created");
        ck_assert_str_eq(carve_outcome_to_string(CARVE_SATISFIED), "satisfied");
        ck_assert_str_eq(carve_outcome_to_string(CARVE_REFUSED), "refused");
        ck_assert_str_eq(carve_outcome_to_string(CARVE_FAILED), "failed");
}
END_TEST

static Suite *carve_suite(void) {
        Suite *s = suite_create("carve");
        TCase *tc;

        tc = tcase_create("match");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_no_rule_no_touch);
        tcase_add_test(tc, test_first_match_wins);
        tcase_add_test(tc, test_match_cxl_region);
        suite_add_tcase(s, tc);

        tc = tcase_create("sizes");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_create_half);
        tcase_add_test(tc, test_round_to_block);
        tcase_add_test(tc, test_round_interleave);
        tcase_add_test(tc, test_round_region_align);
        tcase_add_test(tc, test_free_takes_available);
        suite_add_tcase(s, tc);

        tc = tcase_create("verdicts");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_refusals);
        tcase_add_test(tc, test_refusal_order);
        tcase_add_test(tc, test_no_space);
        tcase_add_test(tc, test_max_devices);
        tcase_add_test(tc, test_too_small);
        tcase_add_test(tc, test_unknown_available);
        tcase_add_test(tc, test_alignment_overflow);
        tcase_add_test(tc, test_backend_fails);
        suite_add_tcase(s, tc);

        tc = tcase_create("idempotence");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_idempotent);
        tcase_add_test(tc, test_others_not_counted);
        suite_add_tcase(s, tc);

        tc = tcase_create("request");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_request_copy);
        tcase_add_test(tc, test_intent_roundtrip);
        tcase_add_test(tc, test_intent_garbage);
        tcase_add_test(tc, test_recover_pmem);
        tcase_add_test(tc, test_recover_dax);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(carve_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);

        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
