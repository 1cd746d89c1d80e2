/* SPDX-License-Identifier: MIT */
/*
 * export-file.h - a stored session written to a file by name, the way
 * `gymhubctl export -o/--dir` and gymhubd's automatic export both do it:
 * a temporary file beside the target, fsynced, then renamed over it, so a
 * reader (or a power cut) sees the old file or the whole new one.
 *
 * Any thread (GLib only for paths and strings).
 */
#ifndef GYMHUB_EXPORT_FILE_H
#define GYMHUB_EXPORT_FILE_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "session-query.h"

/* "csv", "json", "fit", "tcx". Inline: config.c checks gymhub.conf with
 * it without linking the encoders. */
static inline bool export_file_format_known(const char *format)
{
	static const char *const formats[] = {"csv", "json", "fit", "tcx"};
	size_t i;

	for (i = 0; format && i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(format, formats[i]))
			return true;
	return false;
}
/* CSV tables export_csv() knows. */
bool export_file_table_known(const char *table);

/* Encodes @d as @format (@table for csv) to @out: 0 or -errno. */
int export_file_encode(const struct sq_detail *d, const char *format,
		       const char *table, FILE *out);

/* Writes @path atomically: 0 or -errno (the temporary file removed). */
int export_file_write(const struct sq_detail *d, const char *format,
		      const char *table, const char *path);

/*
 * DIR/2026-11-22-12-tabata.fit; for csv DIR/2026-11-22-12-tabata-hr.csv.
 * The date is the local start date; '/' in a workout name becomes '_'.
 */
char *export_file_name(const struct sq_session *s, const char *dir,
		       const char *format, const char *table);

#endif
