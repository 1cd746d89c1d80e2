/* SPDX-License-Identifier: MIT */
/*
 * export.h - one stored session as CSV (RFC 4180), JSON, FIT or TCX.
 *
 * Encoders write to a stdio stream so gymhubctl can target stdout or a
 * temporary file it renames into place. 0 or -errno (-EIO on a write
 * error).
 */
#ifndef GYMHUB_EXPORT_H
#define GYMHUB_EXPORT_H

#include <stdio.h>

#include "session-query.h"

/*
 * CSV tables: "sessions" (one row), "segments", "sets", "cues", "hr"
 * (one row per heart-rate notification), "gaps" (sensor dropouts). Each
 * starts with a header line; fields are quoted when they hold a comma,
 * quote, CR or LF; lines end in CRLF as RFC 4180 says.
 */
int export_csv(const struct sq_detail *d, const char *table, FILE *out);
/* Documented in docs/export-json.md. */
int export_json(const struct sq_detail *d, FILE *out);
/*
 * FIT activity (sport training, sub-sport strength training; sets,
 * laps, per-second heart rate) and TCX v2 (a lap per segment, heart
 * rate trackpoints). -ENODATA when no segment ever started: such a
 * session has nothing a training platform could show. Pure C, any
 * thread.
 */
int export_fit(const struct sq_detail *d, FILE *out);
int export_tcx(const struct sq_detail *d, FILE *out);

#endif
