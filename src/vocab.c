/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vocab: see vocab.h. */

#include "vocab.h"

DEFINE_STRING_TABLE(dt_source, enum dt_source,
        [DT_SOURCE_ANY] = "any",
        [DT_SOURCE_PMEM] = "pmem",
        [DT_SOURCE_CXL] = "cxl",
        [DT_SOURCE_HMEM] = "hmem",
        [DT_SOURCE_UNKNOWN] = "unknown")

DEFINE_STRING_TABLE(dt_mode, enum dt_mode,
        [DT_MODE_SYSTEM_RAM] = "system-ram",
        [DT_MODE_DEVDAX] = "devdax",
        [DT_MODE_IGNORE] = "ignore")

DEFINE_STRING_TABLE(dt_zone, enum dt_zone,
        [DT_ZONE_MOVABLE] = "movable",
        [DT_ZONE_NORMAL] = "normal")

DEFINE_STRING_TABLE(dt_memmap, enum dt_memmap,
        [DT_MEMMAP_NO] = "no",
        [DT_MEMMAP_YES] = "yes",
        [DT_MEMMAP_AUTO] = "auto")

DEFINE_STRING_TABLE(dt_security, enum dt_security,
        [DT_SECURITY_NONE] = "none",
        [DT_SECURITY_UNLOCKED] = "unlocked",
        [DT_SECURITY_FROZEN] = "frozen")

DEFINE_STRING_TABLE(dt_auto_online, enum dt_auto_online,
        [DT_AUTO_ONLINE_KEEP] = "keep",
        [DT_AUTO_ONLINE_OFFLINE] = "offline")

DEFINE_STRING_TABLE(dt_online_at_bind, enum dt_online_at_bind,
        [DT_ONLINE_AT_BIND_YES] = "yes",
        [DT_ONLINE_AT_BIND_NO] = "no")

DEFINE_STRING_TABLE(dt_scrub, enum dt_scrub,
        [DT_SCRUB_ARS] = "ars",
        [DT_SCRUB_BADBLOCKS] = "badblocks",
        [DT_SCRUB_NONE] = "none")

DEFINE_STRING_TABLE(dt_on_poison, enum dt_on_poison,
        [DT_ON_POISON_REFUSE] = "refuse",
        [DT_ON_POISON_SKIP_BLOCKS] = "skip-blocks")

DEFINE_STRING_TABLE(dt_on_runtime_poison, enum dt_on_runtime_poison,
        [DT_ON_RUNTIME_POISON_OFFLINE_BLOCK] = "offline-block",
        [DT_ON_RUNTIME_POISON_LOG] = "log")

DEFINE_STRING_TABLE(dt_scrub_unsupported, enum dt_scrub_unsupported,
        [DT_SCRUB_UNSUPPORTED_PROCEED] = "proceed",
        [DT_SCRUB_UNSUPPORTED_REFUSE] = "refuse")
