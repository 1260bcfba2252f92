/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * vocab: the words of the policy language (sources, modes, zones, ...)
 * as enums, each with its string table: dt_X_to_string() gives the
 * spelling the configuration, the journal and D-Bus use, and
 * dt_X_from_string() reads it back (-EINVAL for anything else).
 */

#include "util.h"

enum dt_source {
        DT_SOURCE_ANY = 0, /* only as a match value */
        DT_SOURCE_PMEM,
        DT_SOURCE_CXL,
        DT_SOURCE_HMEM,
        DT_SOURCE_UNKNOWN,
};

enum dt_mode {
        DT_MODE_SYSTEM_RAM,
        DT_MODE_DEVDAX,
        DT_MODE_IGNORE,
};

enum dt_zone {
        DT_ZONE_MOVABLE,
        DT_ZONE_NORMAL,
};

enum dt_memmap {
        DT_MEMMAP_NO,
        DT_MEMMAP_YES,
        DT_MEMMAP_AUTO,
};

enum dt_security {
        DT_SECURITY_NONE,
        DT_SECURITY_UNLOCKED,
        DT_SECURITY_FROZEN,
};

enum dt_scrub {
        DT_SCRUB_ARS,
        DT_SCRUB_BADBLOCKS,
        DT_SCRUB_NONE,
};

enum dt_on_poison {
        DT_ON_POISON_REFUSE,
        DT_ON_POISON_SKIP_BLOCKS,
};

enum dt_on_runtime_poison {
        DT_ON_RUNTIME_POISON_OFFLINE_BLOCK,
        DT_ON_RUNTIME_POISON_LOG,
};

enum dt_scrub_unsupported {
        DT_SCRUB_UNSUPPORTED_PROCEED,
        DT_SCRUB_UNSUPPORTED_REFUSE,
};

enum dt_auto_online {
        DT_AUTO_ONLINE_KEEP,
        DT_AUTO_ONLINE_OFFLINE,
};

/* [daemon] online_at_bind: whether the kernel onlines a device's blocks
 * in the rule's zone as kmem adds them (yes), or they are added offline
 * and daxtierd onlines them (no). */
enum dt_online_at_bind {
        DT_ONLINE_AT_BIND_YES,
        DT_ONLINE_AT_BIND_NO,
};

DECLARE_STRING_TABLE(dt_source, enum dt_source);
DECLARE_STRING_TABLE(dt_mode, enum dt_mode);
DECLARE_STRING_TABLE(dt_zone, enum dt_zone);
DECLARE_STRING_TABLE(dt_memmap, enum dt_memmap);
DECLARE_STRING_TABLE(dt_security, enum dt_security);
DECLARE_STRING_TABLE(dt_scrub, enum dt_scrub);
DECLARE_STRING_TABLE(dt_on_poison, enum dt_on_poison);
DECLARE_STRING_TABLE(dt_on_runtime_poison, enum dt_on_runtime_poison);
DECLARE_STRING_TABLE(dt_scrub_unsupported, enum dt_scrub_unsupported);
DECLARE_STRING_TABLE(dt_auto_online, enum dt_auto_online);
DECLARE_STRING_TABLE(dt_online_at_bind, enum dt_online_at_bind);
