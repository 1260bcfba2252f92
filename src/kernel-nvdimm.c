/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kernel-nvdimm: the real backend's NVDIMM operations through libndctl:
 * DIMM security, address range scrub, badblocks and clear-error
 * (kernel-internal.h). */

#include <dirent.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/ndctl.h>
#include <ndctl/libndctl.h>

#include "cxl-facts.h"
#include "kernel-internal.h"
#include "poison.h"
#include "sysfs.h"
#include "util.h"

void kernel_ndctl_log_quiet(struct ndctl_ctx *ctx, int priority, const char *file, int line, const char *fn,
                            const char *format, va_list args) {
        /* Errors reach the caller as return values and are reported there. */
}

static enum dimm_sec dimm_state(struct ndctl_dimm *dimm) {
        switch (ndctl_dimm_get_security(dimm)) {
        case NDCTL_SECURITY_DISABLED:
                return DIMM_SEC_DISABLED;
        case NDCTL_SECURITY_UNLOCKED:
                /* Linux 6.12 keeps reporting "unlocked" once frozen. */
                return ndctl_dimm_security_is_frozen(dimm) ? DIMM_SEC_FROZEN : DIMM_SEC_UNLOCKED;
        case NDCTL_SECURITY_LOCKED:
                return DIMM_SEC_LOCKED;
        case NDCTL_SECURITY_FROZEN:
                return DIMM_SEC_FROZEN;
        case NDCTL_SECURITY_OVERWRITE:
                return DIMM_SEC_OVERWRITE;
        default:
                return DIMM_SEC_UNSUPPORTED;
        }
}

/* dax device -> its nd region -> the DIMMs mapped into that region. */
int kernel_dimm_security(void *ctx, const struct dax_facts *f, struct dimm_security *ret, size_t max) {
        struct ndctl_ctx *nctx = NULL;
        struct ndctl_bus *bus;
        struct ndctl_region *region;
        struct ndctl_mapping *mapping;
        size_t n = 0;
        bool found = false;
        int r;

        if (f->source != DT_SOURCE_PMEM || f->region < 0)
                return 0;
        r = ndctl_new(&nctx);
        if (r < 0)
                return r;
        ndctl_set_log_fn(nctx, kernel_ndctl_log_quiet);
        ndctl_bus_foreach(nctx, bus)
                ndctl_region_foreach(bus, region) {
                        if (found || ndctl_region_get_id(region) != (unsigned) f->region)
                                continue;
                        found = true;
                        ndctl_mapping_foreach(region, mapping) {
                                struct ndctl_dimm *dimm = ndctl_mapping_get_dimm(mapping);
                                if (!dimm)
                                        continue;
                                if (n < max) {
                                        snprintf(ret[n].name, sizeof(ret[n].name), "%s", ndctl_dimm_get_devname(dimm));
                                        ret[n].state = dimm_state(dimm);
                                }
                                n++;
                        }
                }
        ndctl_unref(nctx);
        return found ? (int) n : -ENODEV;
}

/* The libndctl bus of a pmem device, in a new context the caller frees. */
static int find_bus(const struct dax_facts *f, struct ndctl_ctx **ret_ctx, struct ndctl_bus **ret_bus) {
        struct ndctl_ctx *nctx = NULL;
        struct ndctl_bus *bus;
        int r;

        if (f->source != DT_SOURCE_PMEM || !f->bus[0])
                return -EOPNOTSUPP;
        r = ndctl_new(&nctx);
        if (r < 0)
                return r;
        ndctl_set_log_fn(nctx, kernel_ndctl_log_quiet);
        ndctl_bus_foreach(nctx, bus)
                if (streq(ndctl_bus_get_devname(bus), f->bus)) {
                        *ret_ctx = nctx;
                        *ret_bus = bus;
                        return 0;
                }
        ndctl_unref(nctx);
        return -ENODEV;
}

int kernel_ars_start(void *ctx, const struct dax_facts *f) {
        struct ndctl_ctx *nctx;
        struct ndctl_bus *bus;
        int r;

        r = find_bus(f, &nctx, &bus);
        if (r < 0)
                return r == -ENODEV ? -EOPNOTSUPP : r;
        if (!ndctl_bus_has_nfit(bus) || !ndctl_bus_is_cmd_supported(bus, ND_CMD_ARS_START))
                r = -EOPNOTSUPP;
        else if ((r = ndctl_bus_get_scrub_state(bus)) > 0)
                r = 0;          /* one runs already: wait for it */
        else if (r >= 0 || r == -ENXIO)
                r = ndctl_bus_start_scrub(bus);
        ndctl_unref(nctx);
        return r > 0 ? 0 : r;
}

int kernel_ars_busy(void *ctx, const struct dax_facts *f) {
        char p[PATH_MAX], buf[32];
        int r;

        /* "COUNT" when idle, "COUNT+" while a scrub runs. */
        snprintf(p, sizeof(p), "/sys/bus/nd/devices/%s/nfit/scrub", f->bus);
        r = sysfs_read(p, buf, sizeof(buf));
        if (r < 0)
                return r;
        return strchr(buf, '+') ? 1 : 0;
}

int kernel_badblocks(void *ctx, const struct dax_facts *f, struct bad_range *out, size_t max) {
        char p[PATH_MAX], path[PATH_MAX], err[128];
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *text = NULL;
        size_t len = 0, cap = 0;
        int r;

        /* CXL: the memdevs' poison lists, as host physical ranges. */
        if (f->source == DT_SOURCE_CXL)
                return cxl_facts_poison(f, out, max, NULL);
        if (f->source != DT_SOURCE_PMEM || f->region < 0)
                return 0;
        snprintf(p, sizeof(p), "/sys/bus/nd/devices/region%d/badblocks", f->region);
        r = sysfs_path(path, sizeof(path), p);
        if (r < 0)
                return r;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        for (;;) {
                if (len + 4096 + 1 > cap) {
                        char *t = realloc(text, cap + 65536);
                        if (!t)
                                return -ENOMEM;
                        text = t;
                        cap += 65536;
                }
                ssize_t n = read(fd, text + len, cap - len - 1);
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        if (!text)
                return 0;
        text[len] = 0;
        return badblocks_parse(text, f->region_start, out, max, err, sizeof(err));
}

int kernel_clear_error(void *ctx, const struct dax_facts *f, uint64_t addr, uint64_t len, uint64_t *cleared) {
        struct ndctl_ctx *nctx;
        struct ndctl_bus *bus;
        struct ndctl_cmd *cap = NULL, *clear = NULL;
        struct bad_range rg = { addr, len };
        unsigned unit;
        int r;

        *cleared = 0;
        r = find_bus(f, &nctx, &bus);
        if (r < 0)
                return r == -ENODEV ? -EOPNOTSUPP : r;
        if (!ndctl_bus_is_cmd_supported(bus, ND_CMD_ARS_CAP) || !ndctl_bus_is_cmd_supported(bus, ND_CMD_CLEAR_ERROR)) {
                r = -EOPNOTSUPP;
                goto out;
        }
        /* The clear unit first, then a capability query of the widened
         * range, which the clear command must fall inside. */
        cap = ndctl_bus_cmd_new_ars_cap(bus, rg.start, rg.len);
        if (!cap) {
                r = -ENOMEM;
                goto out;
        }
        /* _xlat turns the firmware's status into an errno. */
        r = ndctl_cmd_submit_xlat(cap);
        if (r < 0)
                goto out;
        unit = ndctl_cmd_ars_cap_get_clear_unit(cap);
        struct bad_range aligned = clear_unit_align(rg, unit);
        if (aligned.start != rg.start || aligned.len != rg.len) {
                rg = aligned;
                ndctl_cmd_unref(cap);
                cap = ndctl_bus_cmd_new_ars_cap(bus, rg.start, rg.len);
                if (!cap) {
                        r = -ENOMEM;
                        goto out;
                }
                r = ndctl_cmd_submit_xlat(cap);
                if (r < 0)
                        goto out;
        }
        clear = ndctl_bus_cmd_new_clear_error(rg.start, rg.len, cap);
        if (!clear) {
                r = -EINVAL;
                goto out;
        }
        r = ndctl_cmd_submit_xlat(clear);
        if (r >= 0) {
                *cleared = ndctl_cmd_clear_error_get_cleared(clear);
                r = 0;
        }
out:
        if (clear)
                ndctl_cmd_unref(clear);
        if (cap)
                ndctl_cmd_unref(cap);
        ndctl_unref(nctx);
        return r;
}
