/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * autoonline: the bookkeeping of the kernel's auto_online_blocks (pure).
 *
 * daxtierd writes auto_online_blocks for two reasons: [daemon]
 * auto_online_blocks = offline takes it over, and every bind to kmem
 * holds it for the bind (at the rule's online type, or at offline).  Either way the system's own value
 * (the "original") must come back: when the job ends or is aborted, on
 * reload to keep, and after a crash.  So while the daemon runs, the
 * original is kept in a state file (AOL_STATE_FILE, written atomically),
 * and removed at a clean stop once the kernel reads it again; a start
 * that finds the file takes the original from it, not from the kernel,
 * which may still read the offline a killed daemon left.
 */

#include <stdbool.h>
#include <stddef.h>

#define AOL_STATE_FILE "/run/daxtierd/auto_online_blocks"
/* Larger than any valid content: a longer file is garbage. */
#define AOL_STATE_MAX 64

/* True for the words the kernel takes: offline, online, online_kernel,
 * online_movable. */
bool aol_value_valid(const char *v);

/*
 * Parses the state file's content (len bytes, NUL bytes included): one
 * valid word and an optional newline, nothing else.  Returns 0 with the
 * word in ret, or -EINVAL (garbage, empty, too long, or ret too small).
 */
int aol_state_parse(const char *buf, size_t len, char *ret, size_t retlen);

/*
 * The system's value at start: the state file's word when there is one
 * (a previous run did not give it back), else what the kernel reads.
 * file may be NULL.
 */
const char *aol_original(const char *kernel, const char *file);

/* What the kernel should read when no bind holds it: offline while the
 * policy takes it over, else the original. */
const char *aol_want(bool taken, const char *original);
