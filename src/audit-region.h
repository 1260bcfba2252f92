/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * audit-region: the journal records of [region] rules.  regions.c decides
 * which results are news (a pass that a udev event started records only
 * what changed) by comparing their messages; these functions build the
 * message and send the record with its DAXTIER_REGION, _RULE, _CAPACITY,
 * _MAX_DEVICES, _SIZE, _TARGET, _CARVED, _FREE, _REGION_SIZE, _OUTCOME,
 * and when known _NAMESPACE, _DEVICE and _REASON fields.
 */

#include "audit.h"
#include "carve.h"

/* The MESSAGE of one result (caller frees) with its record kind and
 * syslog priority; NULL when out of memory. */
char *audit_region_message(const struct carve_result *r, enum audit_kind *kind, int *prio);

/* Sends the record of one result; msg is audit_region_message()'s. */
void audit_region_result(const struct carve_result *r, enum audit_kind kind, int prio, const char *msg);

/* A region pass could not even list the regions (err: -errno). */
void audit_region_pass_failed(int err);
