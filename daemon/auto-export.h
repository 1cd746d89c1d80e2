/* SPDX-License-Identifier: MIT */
/*
 * auto-export.h - every finished session written into a directory
 * (gymhub.conf [export]), in the formats chosen, by a worker thread: the
 * main loop only hands over the session id, so exporting a long session
 * never delays D-Bus or the sensors.
 *
 * Main thread: auto_export_new(), auto_export_session(), _free().
 */
#ifndef GYMHUB_AUTO_EXPORT_H
#define GYMHUB_AUTO_EXPORT_H

#include <stdint.h>

#include "store.h"

struct auto_export;

/* @formats: NULL-terminated ("fit", "tcx", "json", "csv"; csv writes the
 * segments and hr tables). NULL when there is nothing to do. */
struct auto_export *auto_export_new(struct store *st, const char *database,
				    const char *dir,
				    const char *const *formats);
/* Queues session @session, which has just ended. */
void auto_export_session(struct auto_export *a, int64_t session);
/* Finishes the queued exports first. Accepts NULL. */
void auto_export_free(struct auto_export *a);

#endif
