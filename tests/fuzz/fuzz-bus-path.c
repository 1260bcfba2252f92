/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-bus-path: bus_device_path() (src/bus-object.c), device name to
 * D-Bus object path, on the input as a name, into buffers of several
 * sizes.  Besides crashes, checks: nothing is written past the buffer; a
 * name bus_device_name_check() refuses gets its error; a path that does
 * not fit is -ENAMETOOLONG; one that fits is the prefix, '/', and the name
 * with '.' made '_'; and a name as the kernel makes them gives a valid
 * object path, which sd-bus would otherwise refuse to send.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "bus-object.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                     \
        do {                                                                            \
                if (!(cond)) {                                                          \
                        fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);      \
                        abort();                                                        \
                }                                                                       \
        } while (0)

static bool kernel_like(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                      *s == '.' || *s == '_'))
                        return false;
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const size_t lens[] = { 1, 2, sizeof(DAXTIER_BUS_DEVICE_PREFIX), sizeof(DAXTIER_BUS_DEVICE_PREFIX) + 1, 64, 256 };
        const size_t plen = strlen(DAXTIER_BUS_DEVICE_PREFIX);
        char *name, *buf;

        /* D-Bus names reach here only through the device table; 64 KiB
         * names are the bus tests' business, not this one's. */
        if (size > 4096)
                return 0;
        name = malloc(size + 1);
        buf = malloc(size + plen + 8);
        if (!name || !buf)
                goto out;
        memcpy(name, data, size);
        name[size] = '\0';

        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]) + 1; i++) {
                /* The last round: a buffer just large enough. */
                size_t len = i < sizeof(lens) / sizeof(lens[0]) ? lens[i] : plen + 1 + strlen(name) + 1;
                size_t cap = size + plen + 8;
                int r;

                if (len > cap)
                        continue;
                memset(buf, 'X', cap);
                r = bus_device_path(name, buf, len);
                for (size_t k = len; k < cap; k++)
                        CHECK(buf[k] == 'X');
                /* A name the daemon would never make a path of (empty,
                 * too long, a byte outside [A-Za-z0-9.]) is refused
                 * first, with the check's own error. */
                if (bus_device_name_check(name) < 0) {
                        CHECK(r == bus_device_name_check(name));
                        continue;
                }
                if (plen + 1 + strlen(name) + 1 > len) {
                        CHECK(r == -ENAMETOOLONG);
                        continue;
                }
                CHECK(r == 0);
                CHECK(strncmp(buf, DAXTIER_BUS_DEVICE_PREFIX "/", plen + 1) == 0);
                CHECK(strlen(buf) == plen + 1 + strlen(name));
                for (size_t k = 0; name[k]; k++)
                        CHECK(buf[plen + 1 + k] == (name[k] == '.' ? '_' : name[k]));
                if (kernel_like(name))
                        CHECK(sd_bus_object_path_is_valid(buf) > 0);
        }
out:
        free(name);
        free(buf);
        return 0;
}
