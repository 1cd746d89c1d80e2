/* SPDX-License-Identifier: MIT */
/*
 * export-time.c - ISO 8601 UTC text from Unix milliseconds.
 */
#include <stdio.h>

#include "export-time.h"

#define ISO_MIN_MS EXPORT_TIME_MIN_MS
#define ISO_MAX_MS EXPORT_TIME_MAX_MS

/* Days since 1970-01-01 to a civil date (proleptic Gregorian), after
 * H. Hinnant, "chrono-Compatible Low-Level Date Algorithms",
 * civil_from_days: no time_t, so no 2038 limit on 32-bit Raspberry Pi OS. */
static void civil_from_days(int64_t z, int *ret_y, int *ret_m, int *ret_d)
{
	int64_t era, doe, yoe, doy, mp, y;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*ret_d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*ret_m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*ret_y = (int)(y + (*ret_m <= 2));
}

void export_format_time(int64_t unix_ms, bool millis, char *buf)
{
	int64_t days, rem;
	int y, m, d, n;

	if (unix_ms < ISO_MIN_MS)
		unix_ms = ISO_MIN_MS;
	if (unix_ms > ISO_MAX_MS)
		unix_ms = ISO_MAX_MS;
	days = unix_ms / 86400000;
	rem = unix_ms % 86400000;
	if (rem < 0) {
		days--;
		rem += 86400000;
	}
	civil_from_days(days, &y, &m, &d);
	n = snprintf(buf, EXPORT_TIME_SIZE, "%04d-%02d-%02dT%02d:%02d:%02d", y,
		     m, d, (int)(rem / 3600000), (int)(rem / 60000 % 60),
		     (int)(rem / 1000 % 60));
	if (millis)
		snprintf(buf + n, EXPORT_TIME_SIZE - (size_t)n, ".%03dZ",
			 (int)(rem % 1000));
	else
		snprintf(buf + n, EXPORT_TIME_SIZE - (size_t)n, "Z");
}
