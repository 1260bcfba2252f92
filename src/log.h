/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * log: plain log lines (not audit records, see audit.h): stderr, with
 * <N> prefixes that journald reads as the priority.  Implemented in
 * audit.c, which shares its idea of where stderr goes.
 */

#include <stdbool.h>

void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(3, __VA_ARGS__)
#define log_warning(...) log_msg(4, __VA_ARGS__)
#define log_notice(...) log_msg(5, __VA_ARGS__)
#define log_info(...) log_msg(6, __VA_ARGS__)
#define log_debug(...) log_msg(7, __VA_ARGS__)

/* Messages of debug priority are printed only after this. */
void log_set_debug(bool on);
