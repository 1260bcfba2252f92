/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * cxl-poison: a CXL memdev's poison list, as the kernel reports it: write
 * 1 to memN/trigger_poison_list and read the cxl_poison trace events it
 * emits (Documentation/ABI/testing/sysfs-bus-cxl; libcxl of ndctl 76.1
 * has no call for it).  Through sysfs.c's root, so tests can use a fake
 * tree.  Functions return 0 (or a count) or -errno.
 */

#include <stddef.h>
#include <stdint.h>

#include "cxl-sysfs.h"

/* One record of a memdev's poison list (trace event cxl_poison). */
struct cxl_poison {
        uint64_t dpa, length;                   /* device physical address, bytes */
        uint64_t hpa;                           /* host physical address, UINT64_MAX when unmapped */
        char region[CXL_NAME_MAX];              /* "" when unmapped */
        char source[16];                        /* Unknown | External | Internal | Injected | Vendor */
};

/*
 * Parses one line of a trace buffer; 1 and *ret for a cxl_poison event,
 * 0 for any other line, -EINVAL for a cxl_poison line without dpa.
 */
int cxl_poison_parse_line(const char *line, const char *memdev, struct cxl_poison *ret);

/*
 * Reads memdev's poison list: enables the cxl_poison event in a tracefs
 * instance of daxtierd's own (instances/daxtierd, made if missing, so
 * that nobody else's tracing is disturbed), empties its buffer, writes
 * 1 to memN/trigger_poison_list (the kernel emits one event per record
 * before the write returns) and parses the buffer.  Returns the number
 * of records (at most max into ret), -EOPNOTSUPP when the memdev or the
 * kernel has no poison list.
 */
int cxl_sysfs_poison_list(const char *memdev, struct cxl_poison *ret, size_t max);

/*
 * CXL media errors while running: the cxl_general_media and cxl_dram
 * trace events (a device's event log, read by the kernel when the device
 * signals it) in a second tracefs instance of daxtierd's own
 * (instances/daxtierd-events), read through its trace_pipe.  The events
 * only say that something happened on a memdev; the memdev's poison list
 * (above) says what is poisoned.
 */

/* Parses one line; 1 and the memdev's name for a media event, 0 else. */
int cxl_media_event_parse_line(const char *line, char *memdev, size_t len);

/* Makes the instance, enables the two events, has the pipe wake a poll
 * at the first byte (buffer_percent = 0) and opens trace_pipe
 * non-blocking; returns the fd or -errno (-EOPNOTSUPP: no such events). */
int cxl_media_events_open(void);
