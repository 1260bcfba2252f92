/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * uevent: what a udev event means to the daemon.  uevent_route() turns
 * one event (subsystem, action, sysname) into a struct uevent_route that
 * says what to look at again; the predicates say which known devices an
 * nd or memory event concerns.  Pure: manager.c reads the events from
 * the udev monitor and carries the answers out.
 */

#include <stdbool.h>
#include <stdint.h>

#include "device.h"

enum uevent_kind {
        UEVENT_IGNORE,          /* nothing to do */
        UEVENT_DAX,             /* a dax device: name */
        UEVENT_ND,              /* an NVDIMM bus object (DIMM, region, ...) */
        UEVENT_MEMORY,          /* a memory block: block */
        UEVENT_CXL,             /* a CXL memdev or endpoint became usable: a region pass */
};

struct uevent_route {
        enum uevent_kind kind;
        /* UEVENT_DAX: the device went away (forget it), or else it is to
         * be added if unknown and reconciled, afresh (force) when new. */
        bool remove;
        bool fresh;
        /* Start a region pass (not a fresh one): a new dax device may be
         * a new dynamic dax region (CXL, hmem), which has no nd events; an
         * NVDIMM region that appears, changes or binds may have room. */
        bool regions;
        /* UEVENT_ND: a DIMM or region changed (locked, unlocked, a
         * passphrase set with its regions disabled and enabled again):
         * look again at every device that uevent_security_concerns(). */
        bool security;
        /* UEVENT_MEMORY: the block's number; look again at every device
         * that uevent_block_concerns(). */
        uint64_t block;
};

/* "daxX.Y" */
bool dax_name_valid(const char *name);
/* "regionN" */
bool region_name_valid(const char *name);

/* Routes one event; any argument may be NULL (then: UEVENT_IGNORE). */
void uevent_route(const char *subsystem, const char *action, const char *name, struct uevent_route *ret);

/* An nd event concerns d when d's rule requires security. */
bool uevent_security_concerns(const struct device *d);

/* A memory block event concerns d when d spans the block and is steady
 * online or devdax (someone else may have moved the block). */
bool uevent_block_concerns(const struct device *d, uint64_t block, uint64_t block_size);
