/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* tiering-internal: what tiering.c (plans) and tiering-state.c (the state
 * file) share. */

#include <stdbool.h>

#include "tiering.h"

/* The same knob (and, for a node's interleave weight, the same node). */
bool tiering_same_knob(const struct tiering_change *a, enum tiering_knob k, int node);
/* The saved (found) value of that knob, or NULL. */
const struct tiering_change *tiering_saved_find(const struct tiering_state *s, enum tiering_knob k, int node);
