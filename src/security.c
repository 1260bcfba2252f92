/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* security: see security.h. */

#include "security.h"
#include "util.h"

static const char *const names[_DIMM_SEC_MAX] = {
        [DIMM_SEC_UNSUPPORTED] = "unsupported",
        [DIMM_SEC_DISABLED] = "disabled",
        [DIMM_SEC_OVERWRITE] = "overwrite",
        [DIMM_SEC_LOCKED] = "locked",
        [DIMM_SEC_UNLOCKED] = "unlocked",
        [DIMM_SEC_FROZEN] = "frozen",
};

const char *dimm_sec_to_string(enum dimm_sec s) {
        return s < _DIMM_SEC_MAX ? names[s] : "invalid";
}

/* Why a DIMM in state s fails req, or NULL when it passes. */
static const char *why_not(enum dt_security req, enum dimm_sec s) {
        switch (s) {
        case DIMM_SEC_FROZEN:
                return NULL;
        case DIMM_SEC_UNLOCKED:
                return req == DT_SECURITY_FROZEN ? "unlocked but not frozen, so its keys can still be changed" : NULL;
        case DIMM_SEC_LOCKED:
                return "locked: its keys were not loaded, so it cannot be read (load the key and unlock it)";
        case DIMM_SEC_OVERWRITE:
                return "being overwritten (secure erase in progress)";
        case DIMM_SEC_DISABLED:
                return "security disabled: no passphrase, so no encryption at rest";
        default:
                return "no security support: it cannot encrypt at rest";
        }
}

int security_check(enum dt_security req, const char *device, enum dt_source source,
                   const struct dimm_security *dimms, size_t n, char *reason, size_t len) {
        struct strbuf b = {};
        unsigned bad = 0;

        if (req == DT_SECURITY_NONE)
                return 0;
        if (source != DT_SOURCE_PMEM) {
                snprintf(reason, len, "require_security = %s, but %s is %s memory, which has no NVDIMM security",
                         dt_security_to_string(req), device, dt_source_to_string(source));
                return -EACCES;
        }
        if (n == 0) {
                snprintf(reason, len, "require_security = %s, but no DIMM was found behind %s",
                         dt_security_to_string(req), device);
                return -EACCES;
        }
        for (size_t i = 0; i < n; i++) {
                const char *why = why_not(req, dimms[i].state);
                if (!why)
                        continue;
                strbuf_appendf(&b, "%s%s is %s", bad ? "; " : "", dimms[i].name, why);
                bad++;
        }
        if (bad == 0) {
                strbuf_free(&b);
                return 0;
        }
        snprintf(reason, len, "require_security = %s, but %s", dt_security_to_string(req), strbuf_str(&b));
        strbuf_free(&b);
        return -EACCES;
}

const char *security_weakest(enum dt_source source, const struct dimm_security *dimms, size_t n) {
        enum dimm_sec w = _DIMM_SEC_MAX;

        if (source != DT_SOURCE_PMEM || n == 0)
                return "n/a";
        for (size_t i = 0; i < n; i++) {
                /* A state we do not know counts as no security, as in the gate. */
                enum dimm_sec s = dimms[i].state < _DIMM_SEC_MAX ? dimms[i].state : DIMM_SEC_UNSUPPORTED;
                if (s < w)
                        w = s;
        }
        return dimm_sec_to_string(w);
}
