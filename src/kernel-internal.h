/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * kernel-internal: the parts of the real backend (kernel_backend in
 * kernel.c) that live in files of their own: who holds a device
 * (kernel-holders.c: procfs only, never the file systems a process's
 * files live on) and the NVDIMM operations through libndctl
 * (kernel-nvdimm.c).  Each is a struct backend operation: see device.h
 * for what it returns.
 */

#include <time.h>

#include "kernel.h"

/* CLOCK_MONOTONIC in microseconds: the debug lines that time the slow
 * operations (daxtierd --debug; bench/NOTES.md uses them). */
static inline uint64_t kernel_now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

int kernel_holders(void *ctx, const struct dax_facts *f, char **ret);

int kernel_dimm_security(void *ctx, const struct dax_facts *f, struct dimm_security *ret, size_t max);
int kernel_ars_start(void *ctx, const struct dax_facts *f);
int kernel_ars_busy(void *ctx, const struct dax_facts *f);
int kernel_badblocks(void *ctx, const struct dax_facts *f, struct bad_range *out, size_t max);
int kernel_clear_error(void *ctx, const struct dax_facts *f, uint64_t addr, uint64_t len, uint64_t *cleared);
