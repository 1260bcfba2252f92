/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * security: the NVDIMM security gate.  Given what each DIMM behind a
 * device reports, decides whether require_security is met and, if not,
 * says why naming every offending DIMM.  Pure: the states are read by
 * the backend (kernel.c: libndctl).
 */

#include <stddef.h>

#include "policy.h"

/* Ordered from weakest to strongest, for "the weakest state". */
enum dimm_sec {
        DIMM_SEC_UNSUPPORTED,   /* no security attribute: cannot encrypt */
        DIMM_SEC_DISABLED,      /* no passphrase: no encryption at rest */
        DIMM_SEC_OVERWRITE,     /* being erased */
        DIMM_SEC_LOCKED,        /* keys not loaded: data unreadable */
        DIMM_SEC_UNLOCKED,
        DIMM_SEC_FROZEN,        /* unlocked, and keys cannot change until reset */
        _DIMM_SEC_MAX,
};

#define DEV_MAX_DIMMS 16

struct dimm_security {
        char name[32];          /* nmem0 */
        enum dimm_sec state;
};

const char *dimm_sec_to_string(enum dimm_sec s);

/*
 * Returns 0 when the DIMMs meet req (always for DT_SECURITY_NONE), or
 * -EACCES with a sentence in reason (at most len bytes) naming each DIMM
 * that does not, its state and what that means.  device is the dax
 * device's name and source its source, for the reason's wording.
 */
int security_check(enum dt_security req, const char *device, enum dt_source source,
                   const struct dimm_security *dimms, size_t n, char *reason, size_t len);

/* The weakest state of the DIMMs, or "n/a" (not pmem, or no DIMMs). */
const char *security_weakest(enum dt_source source, const struct dimm_security *dimms, size_t n);
