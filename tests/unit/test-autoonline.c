/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-autoonline: the bookkeeping of auto_online_blocks (autoonline.c):
 * the state file that keeps the system's value across a crash, which
 * must survive any garbage, and the value the kernel should read.
 */

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "autoonline.h"
#include "util.h"

static int parse(const char *buf, size_t len, char *ret, size_t retlen) {
        return aol_state_parse(buf, len, ret, retlen);
}

START_TEST(test_parse_good) {
        static const char *const good[] = { "offline", "online", "online_kernel", "online_movable" };
        char buf[32], v[32];

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                snprintf(buf, sizeof(buf), "%s\n", good[i]);
                ck_assert_int_eq(parse(buf, strlen(buf), v, sizeof(v)), 0);
                ck_assert_str_eq(v, good[i]);
                /* Without the newline too. */
                ck_assert_int_eq(parse(good[i], strlen(good[i]), v, sizeof(v)), 0);
                ck_assert_str_eq(v, good[i]);
        }
}
END_TEST

START_TEST(test_parse_garbage) {
        static const char *const bad[] = {
                "", "\n", "\n\n", "online\n\n", " online", "online ", "online junk", "onl", "ONLINE",
                "online\r\n", "offline\noffline\n", "online_movable_", "keep", "#online",
        };
        char v[32] = "untouched";

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                ck_assert_msg(parse(bad[i], strlen(bad[i]), v, sizeof(v)) == -EINVAL, "accepted \"%s\"", bad[i]);
                ck_assert_str_eq(v, "untouched");
        }
        /* NUL bytes: "online\0junk" and "online\0". */
        ck_assert_int_eq(parse("online\0junk", 11, v, sizeof(v)), -EINVAL);
        ck_assert_int_eq(parse("online\0", 7, v, sizeof(v)), -EINVAL);
        ck_assert_int_eq(parse("\0", 1, v, sizeof(v)), -EINVAL);
        /* NULL, and too long for any valid content. */
        ck_assert_int_eq(parse(NULL, 0, v, sizeof(v)), -EINVAL);
        char *big = malloc(1 << 20);
        ck_assert_ptr_nonnull(big);
        memset(big, 'o', 1 << 20);
        ck_assert_int_eq(parse(big, 1 << 20, v, sizeof(v)), -EINVAL);
        memcpy(big, "online\n", 7);
        ck_assert_int_eq(parse(big, AOL_STATE_MAX, v, sizeof(v)), -EINVAL);
        free(big);
        /* Binary garbage of every length up to the limit. */
        char junk[AOL_STATE_MAX + 8];
        for (size_t n = 0; n < sizeof(junk); n++)
                junk[n] = (char) (n * 37 + 11);
        for (size_t n = 0; n <= sizeof(junk); n++)
                ck_assert_int_eq(parse(junk, n, v, sizeof(v)), -EINVAL);
        ck_assert_str_eq(v, "untouched");
}
END_TEST

START_TEST(test_parse_small_buffer) {
        char v[7];

        ck_assert_int_eq(parse("online\n", 7, v, sizeof(v)), 0);
        ck_assert_str_eq(v, "online");
        ck_assert_int_eq(parse("offline\n", 8, v, sizeof(v)), -EINVAL);
}
END_TEST

/* A killed daemon left the kernel at offline: the file's word wins. */
START_TEST(test_original) {
        ck_assert_str_eq(aol_original("offline", "online"), "online");
        ck_assert_str_eq(aol_original("online", NULL), "online");
        ck_assert_str_eq(aol_original("online_movable", "garbage"), "online_movable");
        ck_assert_str_eq(aol_original("offline", "offline"), "offline");
}
END_TEST

START_TEST(test_want) {
        ck_assert_str_eq(aol_want(true, "online"), "offline");
        ck_assert_str_eq(aol_want(false, "online"), "online");
        ck_assert_str_eq(aol_want(false, "offline"), "offline");
}
END_TEST

int main(void) {
        Suite *s = suite_create("autoonline");
        TCase *tc = tcase_create("autoonline");
        SRunner *sr;
        int failed;

        tcase_add_test(tc, test_parse_good);
        tcase_add_test(tc, test_parse_garbage);
        tcase_add_test(tc, test_parse_small_buffer);
        tcase_add_test(tc, test_original);
        tcase_add_test(tc, test_want);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
