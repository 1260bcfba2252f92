/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-security: unit tests for security.c, the NVDIMM security gate:
 * which combinations of DIMM states meet each require_security level,
 * the wording of the refusal (every offending DIMM named with its state,
 * no good DIMM named, "; " between them), the non-pmem and no-DIMM
 * refusals, the weakest state shown as the Security property, the state
 * names, and truncation of the reason to the caller's buffer.
 */

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "security.h"
#include "util.h"

#define DEVICE "dax0.0"
#define REASON_MAX 4096

/* A state no backend produces; the gate must not let it through. */
#define DIMM_SEC_BOGUS ((enum dimm_sec) 42)

static char reason[REASON_MAX];

/* Fills reason with a marker, so that "was it written" can be told. */
static void reset_reason(void) {
        memset(reason, 'X', sizeof(reason) - 1);
        reason[sizeof(reason) - 1] = 0;
}

static int check(enum dt_security req, enum dt_source source, const struct dimm_security *dimms, size_t n) {
        reset_reason();
        return security_check(req, DEVICE, source, dimms, n, reason, sizeof(reason));
}

/* Sets d[i] to nmem<i> in state s[i]. */
static void make_dimms(struct dimm_security *d, const enum dimm_sec *s, size_t n) {
        for (size_t i = 0; i < n; i++) {
                snprintf(d[i].name, sizeof(d[i].name), "nmem%zu", i);
                d[i].state = s[i];
        }
}

static size_t count(const char *haystack, const char *needle) {
        size_t c = 0;

        for (const char *p = strstr(haystack, needle); p; p = strstr(p + strlen(needle), needle))
                c++;
        return c;
}

static void assert_prefix(const char *s, const char *prefix) {
        ck_assert_msg(strncmp(s, prefix, strlen(prefix)) == 0, "'%s' does not start with '%s'", s, prefix);
}

static void assert_contains(const char *s, const char *needle) {
        ck_assert_msg(strstr(s, needle), "'%s' lacks '%s'", s, needle);
}

static void assert_lacks(const char *s, const char *needle) {
        ck_assert_msg(!strstr(s, needle), "'%s' has '%s'", s, needle);
}

/* What the reason says about a DIMM in each failing state, after "nmemN is ". */
static const char *state_words(enum dimm_sec s) {
        switch (s) {
        case DIMM_SEC_DISABLED:
                return "security disabled";
        case DIMM_SEC_LOCKED:
                return "locked: its keys were not loaded";
        case DIMM_SEC_OVERWRITE:
                return "being overwritten";
        case DIMM_SEC_UNLOCKED:
                return "unlocked but not frozen";
        default:
                return "no security support";
        }
}

/* The reason names exactly the DIMMs of d whose bad[i] is set, in order,
 * each with its state, separated by "; ". */
static void assert_names_exactly(const struct dimm_security *d, const bool *bad, size_t n) {
        const char *from = reason;
        size_t n_bad = 0;

        for (size_t i = 0; i < n; i++) {
                char what[256];

                snprintf(what, sizeof(what), "%s is %s", d[i].name, state_words(d[i].state));
                if (!bad[i]) {
                        char name[40];

                        /* Followed by " is", so that nmem1 does not match nmem10. */
                        snprintf(name, sizeof(name), "%s is", d[i].name);
                        assert_lacks(reason, name);
                        continue;
                }
                const char *at = strstr(from, what);
                ck_assert_msg(at, "'%s' lacks '%s' (in order)", reason, what);
                ck_assert_uint_eq(count(reason, what), 1);
                if (n_bad > 0)
                        ck_assert_msg(at - reason >= 2 && strncmp(at - 2, "; ", 2) == 0,
                                      "'%s' not preceded by \"; \" in '%s'", what, reason);
                else
                        ck_assert_msg(at - reason >= 4 && strncmp(at - 4, "but ", 4) == 0, "'%s' not first in '%s'",
                                      what, reason);
                from = at + strlen(what);
                n_bad++;
        }
        ck_assert_uint_gt(n_bad, 0);
        ck_assert_uint_eq(count(reason, "; "), n_bad - 1);
}

/* ---- require_security = none ------------------------------------------------ */

START_TEST(test_none_passes_anything) {
        static const enum dimm_sec bad[] = { DIMM_SEC_UNSUPPORTED, DIMM_SEC_DISABLED, DIMM_SEC_OVERWRITE,
                                             DIMM_SEC_LOCKED, DIMM_SEC_BOGUS };
        static const enum dt_source sources[] = { DT_SOURCE_PMEM, DT_SOURCE_CXL, DT_SOURCE_HMEM, DT_SOURCE_UNKNOWN,
                                                  DT_SOURCE_ANY };
        struct dimm_security d[ELEMENTSOF(bad)] = {};

        make_dimms(d, bad, ELEMENTSOF(bad));
        for (size_t i = 0; i < ELEMENTSOF(sources); i++) {
                ck_assert_int_eq(check(DT_SECURITY_NONE, sources[i], d, ELEMENTSOF(d)), 0);
                ck_assert_int_eq(check(DT_SECURITY_NONE, sources[i], d, 1), 0);
                ck_assert_int_eq(check(DT_SECURITY_NONE, sources[i], NULL, 0), 0);
        }
        /* Not even the reason buffer is needed. */
        ck_assert_int_eq(security_check(DT_SECURITY_NONE, DEVICE, DT_SOURCE_PMEM, NULL, 0, NULL, 0), 0);
        ck_assert_int_eq(security_check(DT_SECURITY_NONE, DEVICE, DT_SOURCE_CXL, d, ELEMENTSOF(d), NULL, 0), 0);
}
END_TEST

/* ---- require_security = unlocked --------------------------------------------- */

static const struct {
        size_t n;
        enum dimm_sec s[4];
} unlocked_good[] = {
        { 1, { DIMM_SEC_UNLOCKED } },
        { 1, { DIMM_SEC_FROZEN } },
        { 2, { DIMM_SEC_UNLOCKED, DIMM_SEC_FROZEN } },
        { 2, { DIMM_SEC_FROZEN, DIMM_SEC_UNLOCKED } },
        { 4, { DIMM_SEC_UNLOCKED, DIMM_SEC_UNLOCKED, DIMM_SEC_FROZEN, DIMM_SEC_UNLOCKED } },
};

START_TEST(test_unlocked_passes) {
        struct dimm_security d[4] = {};

        make_dimms(d, unlocked_good[_i].s, unlocked_good[_i].n);
        ck_assert_int_eq(check(DT_SECURITY_UNLOCKED, DT_SOURCE_PMEM, d, unlocked_good[_i].n), 0);
}
END_TEST

static const enum dimm_sec unlocked_bad[] = {
        DIMM_SEC_DISABLED, DIMM_SEC_LOCKED, DIMM_SEC_OVERWRITE, DIMM_SEC_UNSUPPORTED, DIMM_SEC_BOGUS,
};

/* One DIMM, in a failing state. */
START_TEST(test_unlocked_fails_single) {
        struct dimm_security d[1] = {};
        const bool bad[1] = { true };

        make_dimms(d, &unlocked_bad[_i], 1);
        ck_assert_int_eq(check(DT_SECURITY_UNLOCKED, DT_SOURCE_PMEM, d, 1), -EACCES);
        assert_prefix(reason, "require_security = unlocked, but nmem0 is ");
        assert_names_exactly(d, bad, 1);
        if (unlocked_bad[_i] == DIMM_SEC_LOCKED)
                assert_contains(reason, "keys were not loaded");
        if (unlocked_bad[_i] == DIMM_SEC_OVERWRITE)
                assert_contains(reason, "overwrit");
        if (unlocked_bad[_i] == DIMM_SEC_DISABLED)
                assert_contains(reason, "disabled");
}
END_TEST

/* One bad DIMM among good ones, at every position: only it is named. */
START_TEST(test_unlocked_fails_mixed) {
        for (size_t pos = 0; pos < 3; pos++) {
                enum dimm_sec s[3] = { DIMM_SEC_UNLOCKED, DIMM_SEC_FROZEN, DIMM_SEC_UNLOCKED };
                bool bad[3] = {};
                struct dimm_security d[3] = {};

                s[pos] = unlocked_bad[_i];
                bad[pos] = true;
                make_dimms(d, s, 3);
                ck_assert_int_eq(check(DT_SECURITY_UNLOCKED, DT_SOURCE_PMEM, d, 3), -EACCES);
                assert_prefix(reason, "require_security = unlocked, but ");
                assert_names_exactly(d, bad, 3);
                ck_assert_uint_eq(count(reason, "nmem"), 1);
        }
}
END_TEST

/* The exact sentence, once, to pin the format. */
START_TEST(test_unlocked_exact_reason) {
        static const enum dimm_sec s[] = { DIMM_SEC_FROZEN, DIMM_SEC_LOCKED, DIMM_SEC_UNLOCKED, DIMM_SEC_DISABLED };
        struct dimm_security d[ELEMENTSOF(s)] = {};

        make_dimms(d, s, ELEMENTSOF(s));
        ck_assert_int_eq(check(DT_SECURITY_UNLOCKED, DT_SOURCE_PMEM, d, ELEMENTSOF(d)), -EACCES);
        ck_assert_str_eq(reason, "require_security = unlocked, but nmem1 is locked: its keys were not loaded, so it "
                                 "cannot be read (load the key and unlock it); nmem3 is security disabled: no "
                                 "passphrase, so no encryption at rest");
}
END_TEST

/* Several bad DIMMs: all named, in order, "; " between them. */
START_TEST(test_unlocked_several_bad) {
        static const enum dimm_sec s[] = {
                DIMM_SEC_DISABLED, DIMM_SEC_FROZEN,   DIMM_SEC_LOCKED,      DIMM_SEC_UNLOCKED,
                DIMM_SEC_OVERWRITE, DIMM_SEC_UNSUPPORTED, DIMM_SEC_LOCKED,
        };
        static const bool bad[] = { true, false, true, false, true, true, true };
        struct dimm_security d[ELEMENTSOF(s)] = {};

        make_dimms(d, s, ELEMENTSOF(s));
        ck_assert_int_eq(check(DT_SECURITY_UNLOCKED, DT_SOURCE_PMEM, d, ELEMENTSOF(d)), -EACCES);
        assert_prefix(reason, "require_security = unlocked, but nmem0 is ");
        assert_names_exactly(d, bad, ELEMENTSOF(d));
        ck_assert_uint_eq(count(reason, "keys were not loaded"), 2);
}
END_TEST

/* The full DEV_MAX_DIMMS, all bad, with long names: all named. */
START_TEST(test_unlocked_max_dimms) {
        struct dimm_security d[DEV_MAX_DIMMS] = {};
        bool bad[DEV_MAX_DIMMS];

        for (size_t i = 0; i < DEV_MAX_DIMMS; i++) {
                snprintf(d[i].name, sizeof(d[i].name), "nmem%02zu-abcdefghijklmnopqrstuvwx", i);
                ck_assert_uint_eq(strlen(d[i].name), sizeof(d[i].name) - 1);
                d[i].state = i % 2 ? DIMM_SEC_LOCKED : DIMM_SEC_DISABLED;
                bad[i] = true;
        }
        ck_assert_int_eq(check(DT_SECURITY_UNLOCKED, DT_SOURCE_PMEM, d, DEV_MAX_DIMMS), -EACCES);
        assert_names_exactly(d, bad, DEV_MAX_DIMMS);
        ck_assert_uint_eq(count(reason, "; "), DEV_MAX_DIMMS - 1);
}
END_TEST

/* Only the first n DIMMs count. */
START_TEST(test_only_n_dimms_read) {
        static const enum dimm_sec s[] = { DIMM_SEC_UNLOCKED, DIMM_SEC_LOCKED };
        struct dimm_security d[ELEMENTSOF(s)] = {};

        make_dimms(d, s, ELEMENTSOF(s));
        ck_assert_int_eq(check(DT_SECURITY_UNLOCKED, DT_SOURCE_PMEM, d, 1), 0);
        ck_assert_int_eq(check(DT_SECURITY_UNLOCKED, DT_SOURCE_PMEM, d, 2), -EACCES);
        ck_assert_str_eq(security_weakest(DT_SOURCE_PMEM, d, 1), "unlocked");
        ck_assert_str_eq(security_weakest(DT_SOURCE_PMEM, d, 2), "locked");
}
END_TEST

/* ---- require_security = frozen -------------------------------------------------- */

START_TEST(test_frozen_fails_on_unlocked) {
        static const enum dimm_sec s[] = { DIMM_SEC_UNLOCKED };
        static const bool bad[] = { true };
        struct dimm_security d[1] = {};

        make_dimms(d, s, 1);
        ck_assert_int_eq(check(DT_SECURITY_FROZEN, DT_SOURCE_PMEM, d, 1), -EACCES);
        assert_prefix(reason, "require_security = frozen, but nmem0 is unlocked");
        assert_contains(reason, "not frozen");
        assert_names_exactly(d, bad, 1);
}
END_TEST

START_TEST(test_frozen_passes_only_all_frozen) {
        static const enum dimm_sec all_frozen[] = { DIMM_SEC_FROZEN, DIMM_SEC_FROZEN, DIMM_SEC_FROZEN };
        struct dimm_security d[3] = {};

        make_dimms(d, all_frozen, 1);
        ck_assert_int_eq(check(DT_SECURITY_FROZEN, DT_SOURCE_PMEM, d, 1), 0);
        make_dimms(d, all_frozen, 3);
        ck_assert_int_eq(check(DT_SECURITY_FROZEN, DT_SOURCE_PMEM, d, 3), 0);

        /* Any one DIMM not frozen, in any position and state, fails, and
         * only it is named. */
        for (enum dimm_sec s = 0; s < _DIMM_SEC_MAX; s++) {
                if (s == DIMM_SEC_FROZEN)
                        continue;
                for (size_t pos = 0; pos < 3; pos++) {
                        enum dimm_sec states[3] = { DIMM_SEC_FROZEN, DIMM_SEC_FROZEN, DIMM_SEC_FROZEN };
                        bool bad[3] = {};

                        states[pos] = s;
                        bad[pos] = true;
                        make_dimms(d, states, 3);
                        ck_assert_int_eq(check(DT_SECURITY_FROZEN, DT_SOURCE_PMEM, d, 3), -EACCES);
                        assert_prefix(reason, "require_security = frozen, but ");
                        assert_names_exactly(d, bad, 3);
                        if (s == DIMM_SEC_LOCKED)
                                assert_contains(reason, "keys were not loaded");
                }
        }
}
END_TEST

START_TEST(test_frozen_several_bad) {
        static const enum dimm_sec s[] = { DIMM_SEC_UNLOCKED, DIMM_SEC_FROZEN, DIMM_SEC_LOCKED, DIMM_SEC_UNLOCKED };
        static const bool bad[] = { true, false, true, true };
        struct dimm_security d[ELEMENTSOF(s)] = {};

        make_dimms(d, s, ELEMENTSOF(s));
        ck_assert_int_eq(check(DT_SECURITY_FROZEN, DT_SOURCE_PMEM, d, ELEMENTSOF(d)), -EACCES);
        assert_names_exactly(d, bad, ELEMENTSOF(d));
        ck_assert_uint_eq(count(reason, "not frozen"), 2);
}
END_TEST

/* ---- not pmem, no DIMMs -------------------------------------------------------- */

static const struct {
        enum dt_source source;
        const char *name;
} non_pmem[] = {
        { DT_SOURCE_CXL, "cxl" },
        { DT_SOURCE_HMEM, "hmem" },
        { DT_SOURCE_UNKNOWN, "unknown" },
};

START_TEST(test_non_pmem_fails) {
        static const enum dt_security reqs[] = { DT_SECURITY_UNLOCKED, DT_SECURITY_FROZEN };
        static const enum dimm_sec frozen[] = { DIMM_SEC_FROZEN };
        struct dimm_security d[1] = {};

        make_dimms(d, frozen, 1);
        for (size_t r = 0; r < ELEMENTSOF(reqs); r++) {
                char prefix[64];

                snprintf(prefix, sizeof(prefix), "require_security = %s, but ", dt_security_to_string(reqs[r]));
                /* DIMMs passed along (they should not be) change nothing. */
                for (size_t n = 0; n <= 1; n++) {
                        ck_assert_int_eq(check(reqs[r], non_pmem[_i].source, n ? d : NULL, n), -EACCES);
                        assert_prefix(reason, prefix);
                        assert_contains(reason, non_pmem[_i].name);
                        assert_contains(reason, DEVICE);
                        assert_contains(reason, "no NVDIMM security");
                        assert_lacks(reason, "nmem0");
                }
        }
        ck_assert_int_eq(check(DT_SECURITY_UNLOCKED, non_pmem[_i].source, NULL, 0), -EACCES);
        ck_assert_str_eq(reason, non_pmem[_i].source == DT_SOURCE_CXL
                                         ? "require_security = unlocked, but " DEVICE " is cxl memory, which has no "
                                           "NVDIMM security"
                                 : non_pmem[_i].source == DT_SOURCE_HMEM
                                         ? "require_security = unlocked, but " DEVICE " is hmem memory, which has "
                                           "no NVDIMM security"
                                         : "require_security = unlocked, but " DEVICE " is unknown memory, which "
                                           "has no NVDIMM security");
}
END_TEST

START_TEST(test_pmem_no_dimms_fails) {
        static const enum dt_security reqs[] = { DT_SECURITY_UNLOCKED, DT_SECURITY_FROZEN };
        struct dimm_security d[1] = {};

        for (size_t r = 0; r < ELEMENTSOF(reqs); r++) {
                char prefix[64];

                snprintf(prefix, sizeof(prefix), "require_security = %s, but ", dt_security_to_string(reqs[r]));
                ck_assert_int_eq(check(reqs[r], DT_SOURCE_PMEM, NULL, 0), -EACCES);
                assert_prefix(reason, prefix);
                assert_contains(reason, "no DIMM");
                assert_contains(reason, DEVICE);
                ck_assert_int_eq(check(reqs[r], DT_SOURCE_PMEM, d, 0), -EACCES);
                assert_contains(reason, "no DIMM");
        }
        ck_assert_int_eq(check(DT_SECURITY_FROZEN, DT_SOURCE_PMEM, NULL, 0), -EACCES);
        ck_assert_str_eq(reason, "require_security = frozen, but no DIMM was found behind " DEVICE);
}
END_TEST

/* ---- security_weakest() ---------------------------------------------------------- */

static const struct {
        enum dt_source source;
        size_t n;
        enum dimm_sec s[4];
        const char *weakest;
} weakest_cases[] = {
        { DT_SOURCE_CXL, 1, { DIMM_SEC_FROZEN }, "n/a" },
        { DT_SOURCE_HMEM, 2, { DIMM_SEC_LOCKED, DIMM_SEC_UNLOCKED }, "n/a" },
        { DT_SOURCE_UNKNOWN, 1, { DIMM_SEC_UNSUPPORTED }, "n/a" },
        { DT_SOURCE_CXL, 0, {}, "n/a" },
        { DT_SOURCE_PMEM, 0, {}, "n/a" },
        { DT_SOURCE_PMEM, 1, { DIMM_SEC_UNSUPPORTED }, "unsupported" },
        { DT_SOURCE_PMEM, 1, { DIMM_SEC_DISABLED }, "disabled" },
        { DT_SOURCE_PMEM, 1, { DIMM_SEC_OVERWRITE }, "overwrite" },
        { DT_SOURCE_PMEM, 1, { DIMM_SEC_LOCKED }, "locked" },
        { DT_SOURCE_PMEM, 1, { DIMM_SEC_UNLOCKED }, "unlocked" },
        { DT_SOURCE_PMEM, 1, { DIMM_SEC_FROZEN }, "frozen" },
        { DT_SOURCE_PMEM, 2, { DIMM_SEC_FROZEN, DIMM_SEC_UNLOCKED }, "unlocked" },
        { DT_SOURCE_PMEM, 2, { DIMM_SEC_UNLOCKED, DIMM_SEC_FROZEN }, "unlocked" },
        { DT_SOURCE_PMEM, 2, { DIMM_SEC_LOCKED, DIMM_SEC_DISABLED }, "disabled" },
        { DT_SOURCE_PMEM, 2, { DIMM_SEC_DISABLED, DIMM_SEC_LOCKED }, "disabled" },
        { DT_SOURCE_PMEM, 2, { DIMM_SEC_LOCKED, DIMM_SEC_OVERWRITE }, "overwrite" },
        { DT_SOURCE_PMEM, 3, { DIMM_SEC_FROZEN, DIMM_SEC_LOCKED, DIMM_SEC_UNLOCKED }, "locked" },
        { DT_SOURCE_PMEM, 3, { DIMM_SEC_FROZEN, DIMM_SEC_FROZEN, DIMM_SEC_FROZEN }, "frozen" },
        { DT_SOURCE_PMEM, 4, { DIMM_SEC_FROZEN, DIMM_SEC_DISABLED, DIMM_SEC_UNSUPPORTED, DIMM_SEC_LOCKED },
          "unsupported" },
};

START_TEST(test_weakest) {
        struct dimm_security d[4] = {};

        make_dimms(d, weakest_cases[_i].s, weakest_cases[_i].n);
        ck_assert_str_eq(security_weakest(weakest_cases[_i].source, weakest_cases[_i].n ? d : NULL,
                                          weakest_cases[_i].n),
                         weakest_cases[_i].weakest);
}
END_TEST

/* Every pair of states: the weakest is the lower of the two in enum order. */
START_TEST(test_weakest_pairs) {
        for (enum dimm_sec a = 0; a < _DIMM_SEC_MAX; a++)
                for (enum dimm_sec b = 0; b < _DIMM_SEC_MAX; b++) {
                        const enum dimm_sec s[2] = { a, b };
                        struct dimm_security d[2] = {};

                        make_dimms(d, s, 2);
                        ck_assert_str_eq(security_weakest(DT_SOURCE_PMEM, d, 2), dimm_sec_to_string(a < b ? a : b));
                }
}
END_TEST

/* The weakest state agrees with the gate: whatever the mix, the gate's
 * verdict is the verdict on the weakest DIMM alone. */
START_TEST(test_weakest_agrees_with_gate) {
        static const enum dt_security reqs[] = { DT_SECURITY_UNLOCKED, DT_SECURITY_FROZEN };

        for (enum dimm_sec a = 0; a < _DIMM_SEC_MAX; a++)
                for (enum dimm_sec b = 0; b < _DIMM_SEC_MAX; b++)
                        for (size_t r = 0; r < ELEMENTSOF(reqs); r++) {
                                const enum dimm_sec s[2] = { a, b };
                                struct dimm_security d[2] = {}, w = {};

                                make_dimms(d, s, 2);
                                w.state = a < b ? a : b;
                                snprintf(w.name, sizeof(w.name), "nmem0");
                                ck_assert_int_eq(check(reqs[r], DT_SOURCE_PMEM, d, 2),
                                                 check(reqs[r], DT_SOURCE_PMEM, &w, 1));
                        }
}
END_TEST

/* ---- dimm_sec_to_string() ---------------------------------------------------------- */

START_TEST(test_names) {
        static const char *const names[_DIMM_SEC_MAX] = {
                [DIMM_SEC_UNSUPPORTED] = "unsupported", [DIMM_SEC_DISABLED] = "disabled",
                [DIMM_SEC_OVERWRITE] = "overwrite",     [DIMM_SEC_LOCKED] = "locked",
                [DIMM_SEC_UNLOCKED] = "unlocked",       [DIMM_SEC_FROZEN] = "frozen",
        };

        ck_assert_int_eq(_DIMM_SEC_MAX, 6);
        for (enum dimm_sec s = 0; s < _DIMM_SEC_MAX; s++)
                ck_assert_pstr_eq(dimm_sec_to_string(s), names[s]);
        ck_assert_str_eq(dimm_sec_to_string(_DIMM_SEC_MAX), "invalid");
        ck_assert_str_eq(dimm_sec_to_string(DIMM_SEC_BOGUS), "invalid");
}
END_TEST

/* ---- the reason buffer ----------------------------------------------------------- */

#define TINY 16
#define GUARD 64

/* Each way to fail, with a TINY reason: cut to TINY - 1 characters and a
 * NUL, and not a byte written past it. */
START_TEST(test_reason_truncated) {
        static const enum dimm_sec s[] = { DIMM_SEC_LOCKED, DIMM_SEC_DISABLED, DIMM_SEC_UNLOCKED };
        struct dimm_security d[ELEMENTSOF(s)] = {};
        const struct {
                enum dt_security req;
                enum dt_source source;
                size_t n;
        } cases[] = {
                { DT_SECURITY_UNLOCKED, DT_SOURCE_PMEM, ELEMENTSOF(s) },
                { DT_SECURITY_FROZEN, DT_SOURCE_PMEM, ELEMENTSOF(s) },
                { DT_SECURITY_UNLOCKED, DT_SOURCE_PMEM, 0 },
                { DT_SECURITY_UNLOCKED, DT_SOURCE_CXL, 0 },
                { DT_SECURITY_FROZEN, DT_SOURCE_HMEM, ELEMENTSOF(s) },
        };

        make_dimms(d, s, ELEMENTSOF(s));
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char buf[TINY + GUARD];

                memset(buf, 'X', sizeof(buf));
                ck_assert_int_eq(security_check(cases[i].req, DEVICE, cases[i].source, d, cases[i].n, buf, TINY),
                                 -EACCES);
                ck_assert_int_eq(buf[TINY - 1], 0);
                ck_assert_str_eq(buf, "require_securit");
                for (size_t j = TINY; j < sizeof(buf); j++)
                        ck_assert_msg(buf[j] == 'X', "case %zu: byte %zu written", i, j);

                /* One byte: just the NUL. */
                memset(buf, 'X', sizeof(buf));
                ck_assert_int_eq(security_check(cases[i].req, DEVICE, cases[i].source, d, cases[i].n, buf, 1),
                                 -EACCES);
                ck_assert_int_eq(buf[0], 0);
                for (size_t j = 1; j < sizeof(buf); j++)
                        ck_assert_int_eq(buf[j], 'X');

                /* No room at all: nothing written, still refused. */
                memset(buf, 'X', sizeof(buf));
                ck_assert_int_eq(security_check(cases[i].req, DEVICE, cases[i].source, d, cases[i].n, buf, 0),
                                 -EACCES);
                for (size_t j = 0; j < sizeof(buf); j++)
                        ck_assert_int_eq(buf[j], 'X');
        }
}
END_TEST

/* A reason longer than the daemon's 1024-byte buffer is cut there. */
START_TEST(test_reason_truncated_long) {
        struct dimm_security d[DEV_MAX_DIMMS] = {};
        char buf[1024 + GUARD];

        for (size_t i = 0; i < DEV_MAX_DIMMS; i++) {
                snprintf(d[i].name, sizeof(d[i].name), "nmem%zu", i);
                d[i].state = DIMM_SEC_LOCKED;
        }
        memset(buf, 'X', sizeof(buf));
        ck_assert_int_eq(security_check(DT_SECURITY_UNLOCKED, DEVICE, DT_SOURCE_PMEM, d, DEV_MAX_DIMMS, buf, 1024),
                         -EACCES);
        ck_assert_uint_eq(strlen(buf), 1023);
        assert_prefix(buf, "require_security = unlocked, but nmem0 is locked");
        for (size_t j = 1024; j < sizeof(buf); j++)
                ck_assert_int_eq(buf[j], 'X');
}
END_TEST

static Suite *security_suite(void) {
        Suite *s = suite_create("security");
        TCase *tc;

        tc = tcase_create("none");
        tcase_add_test(tc, test_none_passes_anything);
        suite_add_tcase(s, tc);

        tc = tcase_create("unlocked");
        tcase_add_loop_test(tc, test_unlocked_passes, 0, ELEMENTSOF(unlocked_good));
        tcase_add_loop_test(tc, test_unlocked_fails_single, 0, ELEMENTSOF(unlocked_bad));
        tcase_add_loop_test(tc, test_unlocked_fails_mixed, 0, ELEMENTSOF(unlocked_bad));
        tcase_add_test(tc, test_unlocked_exact_reason);
        tcase_add_test(tc, test_unlocked_several_bad);
        tcase_add_test(tc, test_unlocked_max_dimms);
        tcase_add_test(tc, test_only_n_dimms_read);
        suite_add_tcase(s, tc);

        tc = tcase_create("frozen");
        tcase_add_test(tc, test_frozen_fails_on_unlocked);
        tcase_add_test(tc, test_frozen_passes_only_all_frozen);
        tcase_add_test(tc, test_frozen_several_bad);
        suite_add_tcase(s, tc);

        tc = tcase_create("source");
        tcase_add_loop_test(tc, test_non_pmem_fails, 0, ELEMENTSOF(non_pmem));
        tcase_add_test(tc, test_pmem_no_dimms_fails);
        suite_add_tcase(s, tc);

        tc = tcase_create("weakest");
        tcase_add_loop_test(tc, test_weakest, 0, ELEMENTSOF(weakest_cases));
        tcase_add_test(tc, test_weakest_pairs);
        tcase_add_test(tc, test_weakest_agrees_with_gate);
        tcase_add_test(tc, test_names);
        suite_add_tcase(s, tc);

        tc = tcase_create("reason");
        tcase_add_test(tc, test_reason_truncated);
        tcase_add_test(tc, test_reason_truncated_long);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(security_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);

        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
