/* SPDX-License-Identifier: MIT */
/*
 * export-tcx.c - one stored session as a TCX file (Garmin Training
 * Center Database v2), for tools that prefer it to FIT for heart rate.
 *
 * Valid against TrainingCenterDatabasev2.xsd (a copy is kept in
 * tests/schemas/): Activity Sport="Other" (the schema knows only
 * Running, Biking and Other), one Lap per segment with the same times
 * and heart-rate figures as the FIT export (export-timeline.c), and a
 * Trackpoint per second of heart rate. Pure C, no GLib, any thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "export-timeline.h"
#include "export.h"

#define TCX_NS	"http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
#define TCX_XSD "http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd"
#define XSI_NS	"http://www.w3.org/2001/XMLSchema-instance"

/*
 * Decodes one UTF-8 character at @s (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF). Its length, or 0 when invalid.
 */
static size_t utf8_char(const unsigned char *s, uint32_t *ret)
{
	uint32_t c, min;
	size_t n, i;

	if (s[0] < 0x80) {
		*ret = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		n = 2, c = s[0] & 0x1F, min = 0x80;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 3, c = s[0] & 0x0F, min = 0x800;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0; /* also stops at the NUL */
		c = c << 6 | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*ret = c;
	return n;
}

/* XML 1.0 §2.2 Char: what may appear in a document at all. */
static bool xml_char(uint32_t c)
{
	return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
	       (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/*
 * Database text as XML character data: markup characters escaped, CR
 * as a reference so parsers keep it (§2.11 would turn it into LF),
 * broken UTF-8 as U+FFFD, and characters XML forbids (most controls)
 * dropped, since no escape can carry them.
 */
static void put_text(FILE *out, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	uint32_t c;
	size_t n;

	while (s && *s) {
		n = utf8_char(s, &c);
		if (!n) {
			fputs("\xEF\xBF\xBD", out);
			s++;
			continue;
		}
		if (c == '&')
			fputs("&amp;", out);
		else if (c == '<')
			fputs("&lt;", out);
		else if (c == '>')
			fputs("&gt;", out);
		else if (c == '\r')
			fputs("&#13;", out);
		else if (xml_char(c))
			fwrite(s, 1, n, out);
		s += n;
	}
}

static void put_time(FILE *out, int64_t unix_ms, bool millis)
{
	char buf[EXPORT_TIME_SIZE];

	export_format_time(unix_ms, millis, buf);
	fputs(buf, out);
}

/* Thousandths as "12.345"; @ms is never negative here. */
static void put_seconds(FILE *out, int64_t ms)
{
	fprintf(out, "%" PRId64 ".%03d", ms / 1000, (int)(ms % 1000));
}

static void put_bpm(FILE *out, const char *element, uint8_t bpm)
{
	fprintf(out, "<%s><Value>%u</Value></%s>", element, (unsigned int)bpm,
		element);
}

/* "hold: wall sit (left), set 2/3, skipped": what the lap was. */
static void lap_notes(FILE *out, const struct sq_segment *g)
{
	fputs("        <Notes>", out);
	put_text(out, g->kind);
	if (g->exercise && *g->exercise) {
		fputs(": ", out);
		put_text(out, g->exercise);
	}
	if (g->side && *g->side) {
		fputs(" (", out);
		put_text(out, g->side);
		fputc(')', out);
	}
	if (g->rounds > 1)
		fprintf(out, ", round %" PRIu32 "/%" PRIu32, g->round,
			g->rounds);
	if (g->sets > 1)
		fprintf(out, ", set %" PRIu32 "/%" PRIu32, g->set, g->sets);
	if (g->skipped)
		fputs(", skipped", out);
	fputs("</Notes>\n", out);
}

/*
 * One Lap. Its Track is left out when it has no trackpoint: the schema
 * lets a Lap have no Track (minOccurs 0) but not an empty Track
 * (Trackpoint has minOccurs 1).
 */
static void write_lap(FILE *out, const struct export_lap *l, size_t idx,
		      struct export_hr_iter *it, struct export_hr_point *p,
		      bool *more)
{
	fputs("      <Lap StartTime=\"", out);
	put_time(out, l->start_ms, true);
	fputs("\">\n        <TotalTimeSeconds>", out);
	put_seconds(out, l->timer_ms);
	fputs("</TotalTimeSeconds>\n"
	      "        <DistanceMeters>0</DistanceMeters>\n"
	      "        <Calories>0</Calories>\n",
	      out);
	if (l->hr.n) {
		fputs("        ", out);
		put_bpm(out, "AverageHeartRateBpm", export_hr_avg(&l->hr));
		fputs("\n        ", out);
		put_bpm(out, "MaximumHeartRateBpm", l->hr.max);
		fputc('\n', out);
	}
	fprintf(out,
		"        <Intensity>%s</Intensity>\n"
		"        <TriggerMethod>Manual</TriggerMethod>\n",
		l->active ? "Active" : "Resting");
	if (*more && p->lap == idx) {
		fputs("        <Track>\n", out);
		while (*more && p->lap == idx) {
			fputs("          <Trackpoint><Time>", out);
			put_time(out, p->unix_s * 1000, false);
			fputs("</Time>", out);
			put_bpm(out, "HeartRateBpm", p->bpm);
			fputs("</Trackpoint>\n", out);
			*more = export_hr_iter_next(it, p);
		}
		fputs("        </Track>\n", out);
	}
	lap_notes(out, l->seg);
	fputs("      </Lap>\n", out);
}

int export_tcx(const struct sq_detail *d, FILE *out)
{
	struct export_timeline t = {0};
	struct export_hr_iter it;
	struct export_hr_point p;
	const char *notes;
	bool more;
	size_t i;
	int r;

	r = export_timeline_build(d, &t);
	if (r < 0)
		return r;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<TrainingCenterDatabase xmlns=\"" TCX_NS "\"\n"
	      "  xmlns:xsi=\"" XSI_NS "\"\n"
	      "  xsi:schemaLocation=\"" TCX_NS " " TCX_XSD "\">\n"
	      "  <Activities>\n"
	      "    <Activity Sport=\"Other\">\n"
	      "      <Id>",
	      out);
	put_time(out, t.start_ms, true);
	fputs("</Id>\n", out);
	export_hr_iter_init(&it, &t);
	more = export_hr_iter_next(&it, &p);
	for (i = 0; i < t.n_laps; i++)
		write_lap(out, &t.laps[i], i, &it, &p, &more);
	notes = d->session.title && *d->session.title ? d->session.title
						      : d->session.workout;
	if (notes && *notes) {
		fputs("      <Notes>", out);
		put_text(out, notes);
		fputs("</Notes>\n", out);
	}
	fputs("    </Activity>\n"
	      "  </Activities>\n"
	      "</TrainingCenterDatabase>\n",
	      out);
	export_timeline_clear(&t);
	/* stdio keeps the error flag: one check covers every write above. */
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return 0;
}
