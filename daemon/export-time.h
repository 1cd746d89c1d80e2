/* SPDX-License-Identifier: MIT */
/*
 * export-time.h - Unix milliseconds as ISO 8601 UTC text, for every
 * export format (CSV, JSON, TCX), computed without time_t so 32-bit
 * Raspberry Pi OS has no 2038 limit. Pure C; any thread.
 */
#ifndef GYMHUB_EXPORT_TIME_H
#define GYMHUB_EXPORT_TIME_H

#include <stdbool.h>
#include <stdint.h>

/* 0001-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z */
#define EXPORT_TIME_MIN_MS (-62135596800000LL)
#define EXPORT_TIME_MAX_MS 253402300799999LL

/*
 * Unix ms as an xsd:dateTime in UTC, "2026-11-22T07:38:24.120Z" (with
 * @millis) or "2026-11-22T07:38:24Z"; times outside years 1..9999 are
 * clamped to them. @buf needs EXPORT_TIME_SIZE bytes.
 */
#define EXPORT_TIME_SIZE 32
void export_format_time(int64_t unix_ms, bool millis, char *buf);

#endif
