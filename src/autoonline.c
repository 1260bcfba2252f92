/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* autoonline: see autoonline.h. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "autoonline.h"
#include "util.h"

bool aol_value_valid(const char *v) {
        return v && (streq(v, "offline") || streq(v, "online") || streq(v, "online_kernel") ||
                     streq(v, "online_movable"));
}

int aol_state_parse(const char *buf, size_t len, char *ret, size_t retlen) {
        char word[AOL_STATE_MAX];

        if (!buf || len == 0 || len >= sizeof(word))
                return -EINVAL;
        if (buf[len - 1] == '\n')
                len--;
        /* A NUL byte inside would cut the word short: garbage. */
        if (len == 0 || memchr(buf, 0, len))
                return -EINVAL;
        memcpy(word, buf, len);
        word[len] = 0;
        if (!aol_value_valid(word) || len >= retlen)
                return -EINVAL;
        memcpy(ret, word, len + 1);
        return 0;
}

const char *aol_original(const char *kernel, const char *file) {
        return file && aol_value_valid(file) ? file : kernel;
}

const char *aol_want(bool taken, const char *original) {
        return taken ? "offline" : original;
}
