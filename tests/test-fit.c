/* SPDX-License-Identifier: MIT */
/*
 * test-fit.c - the FIT writer and the FIT activity export.
 *
 * The CRC against published values; the writer's header, value
 * encoding and errors; the exported file_id and set messages byte by
 * byte; a session with a pause, skips, holds, per-side holds, rep sets,
 * a set cut off by stop and a heart-rate strap that lost contact, read
 * back message by message; the same input giving the same bytes; and
 * every file checked by Garmin's own decoder (tests/fit-check.mjs,
 * @garmin/fitsdk under node), which must be installed: a missing
 * checker fails the test.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "export.h"
#include "fit-encode.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define T0	  1795333104120LL /* 2026-11-22T07:38:24.120Z */
#define T0_FIT	  1164267504U /* T0 in FIT seconds: 1795333104 - 631065600 */
#define FIT_INV8  0xFFU
#define FIT_INV16 0xFFFFU
#define FIT_INV32 0xFFFFFFFFU
#define SDK_HINT  "npm install --prefix build/node @garmin/fitsdk@21.217.0"

/* --- a FIT reader just big enough to check our files ----------------- */

struct fdef {
	bool defined;
	uint16_t global;
	size_t n, len;
	uint8_t num[255], size[255], type[255];
};

struct fmsg {
	uint16_t global;
	const struct fdef *def;
	const uint8_t *data; /* the record header byte */
};

struct fit_file {
	uint8_t *bytes;
	size_t len;
	struct fdef defs[16];
	struct fmsg *msgs;
	size_t n_msgs;
};

static uint64_t le(const uint8_t *p, size_t size)
{
	uint64_t v = 0;

	while (size--)
		v = v << 8 | p[size];
	return v;
}

/* Parses @f->bytes, checking the header and both CRCs on the way. */
static void fit_parse(struct fit_file *f)
{
	const uint8_t *p = f->bytes;
	size_t pos = FIT_HEADER_SIZE, end, i;
	struct fdef *d;

	assert_true(f->len >= FIT_HEADER_SIZE + 2);
	assert_int_equal(p[0], 14);
	assert_int_equal(p[1], 0x20); /* protocol 2.0 */
	assert_int_equal(le(p + 2, 2), 21217);
	assert_int_equal(le(p + 4, 4), f->len - FIT_HEADER_SIZE - 2);
	assert_memory_equal(p + 8, ".FIT", 4);
	assert_int_equal(le(p + 12, 2), fit_crc16(0, p, 12));
	/* A CRC over data followed by its CRC (little-endian) is 0. */
	assert_int_equal(fit_crc16(0, p, f->len), 0);

	end = f->len - 2;
	f->msgs = calloc(f->len, sizeof(*f->msgs));
	assert_non_null(f->msgs);
	while (pos < end) {
		uint8_t h = p[pos];

		/* normal headers only: no compressed timestamps */
		assert_int_equal(h & 0x80, 0);
		d = &f->defs[h & 0x0F];
		if (h & 0x40) {
			assert_int_equal(h & 0x20, 0);	 /* no developer data */
			assert_int_equal(p[pos + 2], 0); /* little-endian */
			d->defined = true;
			d->global = (uint16_t)le(p + pos + 3, 2);
			d->n = p[pos + 5];
			d->len = 0;
			for (i = 0; i < d->n; i++) {
				d->num[i] = p[pos + 6 + 3 * i];
				d->size[i] = p[pos + 7 + 3 * i];
				d->type[i] = p[pos + 8 + 3 * i];
				d->len += d->size[i];
			}
			pos += 6 + 3 * d->n;
			continue;
		}
		assert_true(d->defined);
		f->msgs[f->n_msgs++] = (struct fmsg){d->global, d, p + pos};
		pos += 1 + d->len;
	}
	assert_int_equal(pos, end);
}

static void fit_free(struct fit_file *f)
{
	free(f->bytes);
	free(f->msgs);
}

/* Offset of field @num in @m's data, or -1. */
static long field_off(const struct fmsg *m, uint8_t num, size_t *ret_size)
{
	size_t i, off = 1;

	for (i = 0; i < m->def->n; i++) {
		if (m->def->num[i] == num) {
			*ret_size = m->def->size[i];
			return (long)off;
		}
		off += m->def->size[i];
	}
	return -1;
}

static uint64_t get(const struct fmsg *m, uint8_t num)
{
	size_t size = 0;
	long off = field_off(m, num, &size);

	if (off < 0)
		fail_msg("message %u has no field %u", m->global, num);
	return le(m->data + off, size);
}

static size_t count(const struct fit_file *f, uint16_t global)
{
	size_t i, n = 0;

	for (i = 0; i < f->n_msgs; i++)
		n += f->msgs[i].global == global;
	return n;
}

/* The @k-th message of @global (0-based). */
static const struct fmsg *nth(const struct fit_file *f, uint16_t global,
			      size_t k)
{
	size_t i;

	for (i = 0; i < f->n_msgs; i++)
		if (f->msgs[i].global == global && k-- == 0)
			return &f->msgs[i];
	fail_msg("no message %u #%zu", global, k);
	return NULL;
}

/* export_fit() of @d into memory; its result in *ret_r. */
static void export_mem(const struct sq_detail *d, struct fit_file *f,
		       int *ret_r)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);

	assert_non_null(out);
	*ret_r = export_fit(d, out);
	assert_int_equal(fclose(out), 0);
	*f = (struct fit_file){.bytes = (uint8_t *)buf, .len = size};
}

static void export_parse(const struct sq_detail *d, struct fit_file *f)
{
	int r;

	export_mem(d, f, &r);
	assert_int_equal(r, 0);
	fit_parse(f);
}

/* --- the session ------------------------------------------------------ */

static char sensor[] = "HRM-Pro:1234";

#define SEG(i, k, ex, sd, ps, pe, s, e, sk)                                  \
	{                                                                    \
		.idx = i, .kind = k, .exercise = ex, .side = sd,             \
		.planned_start_ms = ps, .planned_end_ms = pe, .start_ms = s, \
		.end_ms = e, .skipped = sk                                   \
	}

static struct sq_segment segments[] = {
	SEG(0, "prep", "", "", T0, T0 + 10000, T0, T0 + 10000, 0),
	/* paused for 15 s: ran 60 s of a planned 45 */
	SEG(1, "hold", "wall sit", "", T0 + 10000, T0 + 55000, T0 + 10002,
	    T0 + 70002, 0),
	SEG(2, "rest", "", "", T0 + 55000, T0 + 85000, T0 + 70002, T0 + 100002,
	    0),
	/* skipped after 12.5 s */
	SEG(3, "hold", "side plank", "left", T0 + 85000, T0 + 115000,
	    T0 + 100002, T0 + 112502, 1),
	SEG(4, "switch", "side plank", "", T0 + 115000, T0 + 120000,
	    T0 + 112502, T0 + 117502, 0),
	SEG(5, "hold", "side plank", "right", T0 + 120000, T0 + 150000,
	    T0 + 117502, T0 + 147502, 0),
	SEG(6, "rest", "", "", T0 + 150000, T0 + 170000, T0 + 147502,
	    T0 + 167502, 0),
	/* a rep step: open until done */
	SEG(7, "reps", "Push-up", "", T0 + 170000, 0, T0 + 167502, T0 + 197000,
	    0),
	/* cut off by stop: no end recorded */
	SEG(8, "reps", "Goblet Squat", "", T0 + 197000, 0, T0 + 197100, 0, 1),
	/* never ran */
	SEG(9, "rest", "", "", T0 + 210000, T0 + 230000, 0, 0, 0),
};

static struct sq_set sets[] = {
	{.idx = 1,
	 .exercise = "wall sit",
	 .side = "",
	 .reps = -1,
	 .hold_ms = 60000,
	 .start_ms = T0 + 10002,
	 .end_ms = T0 + 70002},
	{.idx = 2,
	 .exercise = "side plank",
	 .side = "left",
	 .reps = -1,
	 .hold_ms = 12500,
	 .start_ms = T0 + 100002,
	 .end_ms = T0 + 112502},
	{.idx = 3,
	 .exercise = "side plank",
	 .side = "right",
	 .reps = -1,
	 .hold_ms = 30000,
	 .start_ms = T0 + 117502,
	 .end_ms = T0 + 147502},
	{.idx = 4,
	 .exercise = "Push-up",
	 .side = "",
	 .target_reps = 10,
	 .reps = 12,
	 .start_ms = T0 + 167502,
	 .end_ms = T0 + 197000},
	{.idx = 5,
	 .exercise = "Goblet Squat",
	 .side = "",
	 .target_reps = 8,
	 .reps = 5,
	 .load_kg = 16.0,
	 .start_ms = T0 + 197100},
};

/*
 * One reading a second, 500 ms into each second of the session, except:
 * no contact (0 bpm) at 60 s and no readings from 120 s to 139 s.
 */
#define HR_N 190
static struct sq_hr hr[HR_N];

static void fill_hr(void)
{
	size_t n = 0;
	int i;

	for (i = 0; i < 210; i++) {
		if (i >= 120 && i < 140)
			continue;
		hr[n++] = (struct sq_hr){
			.t_ms = T0 + 500 + i * 1000LL,
			.bpm = i == 60 ? 0 : (uint16_t)(80 + i * 7 % 61),
			.sensor = sensor,
		};
	}
	assert_int_equal(n, HR_N);
}

static struct sq_detail detail(bool with_hr)
{
	if (with_hr)
		fill_hr();
	return (struct sq_detail){
		.session = {.id = 7,
			    .workout = "iso",
			    .title = "Isometric",
			    .state = "stopped",
			    .started_ms = T0,
			    .ended_ms = T0 + 210000},
		.segments = segments,
		.n_segments = N(segments),
		.sets = sets,
		.n_sets = N(sets),
		.hr = with_hr ? hr : NULL,
		.n_hr = with_hr ? HR_N : 0,
	};
}

/*
 * What the records should show, worked out second by second: each
 * reading held until the next, at most 5 s; 0 bpm shows nothing.
 * Seconds 0..119 but 60, 119 held to 124, 140..209, 209 held to 210
 * (the session's last second): 195 records.
 */
static void expected_hr(size_t *ret_n, unsigned int *ret_min,
			unsigned int *ret_avg, unsigned int *ret_max)
{
	unsigned int min = 255, max = 0, bpm, held = 0, age = 99;
	size_t n = 0, sum = 0;
	int s;

	for (s = 0; s <= 210; s++) {
		bool reading = s < 210 && !(s >= 120 && s < 140);

		if (reading) {
			held = s == 60 ? 0 : 80 + (unsigned int)(s * 7 % 61);
			age = 0;
		} else {
			age++;
		}
		if (!held || age > 5)
			continue;
		bpm = held;
		n++;
		sum += bpm;
		min = bpm < min ? bpm : min;
		max = bpm > max ? bpm : max;
	}
	*ret_n = n;
	*ret_min = min;
	*ret_avg = (unsigned int)((sum + n / 2) / n);
	*ret_max = max;
}

/* --- CRC and writer ---------------------------------------------------- */

static void test_crc_known_values(void **state)
{
	/* The two 14-byte headers shown in the FIT SDK's decoder docs
	 * (@garmin/fitsdk README), CRC in bytes 12-13. */
	static const uint8_t h1[14] = {0x0E, 0x10, 0xD9, 0x07, 0x00,
				       0x00, 0x00, 0x00, '.',  'F',
				       'I',  'T',  0x91, 0x33};
	static const uint8_t h2[14] = {0x0E, 0x10, 0x43, 0x08, 0x78,
				       0x06, 0x09, 0x00, '.',  'F',
				       'I',  'T',  0x96, 0x85};

	assert_int_equal(fit_crc16(0, h1, 12), 0x3391);
	assert_int_equal(fit_crc16(0, h2, 12), 0x8596);
	/* CRC-16/ARC's catalogued check value. */
	assert_int_equal(fit_crc16(0, "123456789", 9), 0xBB3D);
	/* Chaining: the CRC of a whole equals that of its parts. */
	assert_int_equal(fit_crc16(fit_crc16(0, "1234", 4), "56789", 5),
			 0xBB3D);
	/* The docs' empty file: data size 0, file CRC 0x0000. */
	assert_int_equal(fit_crc16(0, h1, 14), 0);
	assert_int_equal(fit_crc16(0, NULL, 0), 0);
}

static void test_writer_empty_file(void **state)
{
	struct fit_buf b = {0};
	struct fit_writer *w;
	uint8_t want[16] = {14,	 0x20, 0xE1, 0x52, 0, 0, 0, 0,
			    '.', 'F',  'I',  'T',  0, 0, 0, 0};
	uint16_t crc = fit_crc16(0, want, 12);

	want[12] = (uint8_t)crc;
	want[13] = (uint8_t)(crc >> 8);
	assert_int_equal(fit_writer_new(&b, &w), 0);
	assert_int_equal(fit_writer_finish(w), 0);
	fit_writer_free(w);
	assert_int_equal(b.len, 16);
	assert_memory_equal(b.data, want, 16);
	fit_buf_clear(&b);
}

static void test_writer_values(void **state)
{
	static const struct fit_field fields[] = {
		{1, FIT_BASE_SINT16, 0},  {2, FIT_BASE_UINT32, 0},
		{3, FIT_BASE_UINT8, 0},	  {4, FIT_BASE_SINT8, 0},
		{5, FIT_BASE_UINT32Z, 0}, {6, FIT_BASE_STRING, 5},
		{7, FIT_BASE_BYTE, 2},	  {8, FIT_BASE_ENUM, 0},
	};
	/* "aéé": 'a' and two 2-byte characters in a 5-byte field: room
	 * for 4 bytes and the NUL, so the second é goes, whole. */
	const struct fit_value v[] = {
		{.i = -2},	    {.i = 0x12345678},
		{.i = FIT_INVALID}, {.i = FIT_INVALID},
		{.i = FIT_INVALID}, {.s = "a\xC3\xA9\xC3\xA9"},
		{.s = NULL},	    {.i = 3},
	};
	/* clang-format off */
	static const uint8_t want[] = {
		/* definition: local 2, global 300, 8 fields */
		0x42, 0, 0, 0x2C, 0x01, 8,
		1, 2, 0x83,	2, 4, 0x86,	3, 1, 0x02,	4, 1, 0x01,
		5, 4, 0x8C,	6, 5, 0x07,	7, 2, 0x0D,	8, 1, 0x00,
		/* data */
		0x02,
		0xFE, 0xFF,		/* -2 */
		0x78, 0x56, 0x34, 0x12,
		0xFF,			/* uint8 invalid */
		0x7F,			/* sint8 invalid */
		0, 0, 0, 0,		/* uint32z invalid */
		'a', 0xC3, 0xA9, 0, 0,	/* "aé" */
		0xFF, 0xFF,		/* byte invalid */
		3,
	};
	/* clang-format on */
	struct fit_buf b = {0};
	struct fit_writer *w;

	assert_int_equal(fit_writer_new(&b, &w), 0);
	assert_int_equal(fit_writer_define(w, 2, 300, fields, N(fields)), 0);
	assert_int_equal(fit_writer_data(w, 2, v, N(v)), 0);
	assert_int_equal(fit_writer_finish(w), 0);
	fit_writer_free(w);
	assert_int_equal(b.len, FIT_HEADER_SIZE + sizeof(want) + 2);
	assert_memory_equal(b.data + FIT_HEADER_SIZE, want, sizeof(want));
	assert_int_equal(le(b.data + 4, 4), sizeof(want));
	fit_buf_clear(&b);
}

static void test_writer_errors(void **state)
{
	static const struct fit_field ok[] = {{0, FIT_BASE_UINT8, 0}};
	static const struct fit_field bad_size[] = {{0, FIT_BASE_UINT16, 4}};
	static const struct fit_field no_size[] = {{0, FIT_BASE_STRING, 0}};
	static const struct fit_field bad_type[] = {{0, 0x55, 0}};
	struct fit_value big = {.i = 256}, neg = {.i = -1}, fine = {.i = 7};
	struct fit_buf b = {.data = NULL};
	struct fit_writer *w;
	const struct {
		const struct fit_field *fields;
		uint8_t local;
		int want;
	} defs[] = {
		{ok, 16, -EINVAL},
		{bad_size, 0, -EINVAL},
		{no_size, 0, -EINVAL},
		{bad_type, 0, -EINVAL},
	};
	size_t i;

	/* Each bad definition fails, and the error sticks. */
	for (i = 0; i < N(defs); i++) {
		assert_int_equal(fit_writer_new(&b, &w), 0);
		assert_int_equal(fit_writer_define(w, defs[i].local, 0,
						   defs[i].fields, 1),
				 defs[i].want);
		assert_int_equal(fit_writer_define(w, 0, 0, ok, 1),
				 defs[i].want);
		assert_int_equal(fit_writer_finish(w), defs[i].want);
		fit_writer_free(w);
		/* an unfinished file leaves nothing behind */
		assert_int_equal(b.len, 0);
	}

	assert_int_equal(fit_writer_new(&b, &w), 0);
	assert_int_equal(fit_writer_data(w, 0, &fine, 1), -EINVAL);
	fit_writer_free(w);

	assert_int_equal(fit_writer_new(&b, &w), 0);
	assert_int_equal(fit_writer_define(w, 0, 0, ok, 1), 0);
	assert_int_equal(fit_writer_data(w, 0, &fine, 0), -EINVAL);
	fit_writer_free(w);

	/* Out of range numbers (255 itself is uint8's invalid value, so
	 * it is allowed only on purpose) fail without a half message. */
	assert_int_equal(fit_writer_new(&b, &w), 0);
	assert_int_equal(fit_writer_define(w, 0, 0, ok, 1), 0);
	assert_int_equal(fit_writer_data(w, 0, &big, 1), -ERANGE);
	assert_int_equal(fit_writer_finish(w), -ERANGE);
	fit_writer_free(w);
	assert_int_equal(fit_writer_new(&b, &w), 0);
	assert_int_equal(fit_writer_define(w, 0, 0, ok, 1), 0);
	assert_int_equal(fit_writer_data(w, 0, &neg, 1), -ERANGE);
	fit_writer_free(w);
	assert_int_equal(b.len, 0);
	fit_buf_clear(&b);

	assert_int_equal(fit_writer_new(NULL, &w), -EINVAL);
	assert_int_equal(fit_writer_new_file(NULL, &w), -EINVAL);
	fit_writer_free(NULL);
}

static void test_date_time(void **state)
{
	static const struct {
		int64_t unix_ms;
		uint32_t want;
	} cases[] = {
		{T0, T0_FIT},
		{T0 + 879, T0_FIT}, /* 07:38:24.999 */
		{T0 + 880, T0_FIT + 1},
		{T0 - 121, T0_FIT - 1},
		/* the FIT epoch and anything before 1998-07 would read as
		 * "seconds since power-up": clamped */
		{631065600000LL, FIT_DATE_TIME_MIN},
		{-5, FIT_DATE_TIME_MIN},
		{INT64_MIN, FIT_DATE_TIME_MIN},
		{INT64_MAX, 0xFFFFFFFE},
	};
	size_t i;

	for (i = 0; i < N(cases); i++)
		assert_int_equal(fit_date_time(cases[i].unix_ms),
				 cases[i].want);
}

/* --- the activity export ------------------------------------------------ */

static void test_file_id_layout(void **state)
{
	struct sq_detail d = detail(false);
	struct fit_file f;
	/* clang-format off */
	static const uint8_t want[] = {
		/* definition, local 0: file_id, 6 fields, little-endian */
		0x40, 0, 0, 0, 0, 6,
		0, 1, 0x00,	/* type: enum */
		1, 2, 0x84,	/* manufacturer: uint16 */
		2, 2, 0x84,	/* product: uint16 */
		3, 4, 0x8C,	/* serial_number: uint32z */
		4, 4, 0x86,	/* time_created: uint32 */
		8, 32, 0x07,	/* product_name: string[32] */
		/* data */
		0x00,
		4,			/* activity */
		255, 0,			/* manufacturer development */
		1, 0,			/* product */
		1, 0, 0, 0,		/* serial */
		0xF0, 0x4F, 0x65, 0x45,	/* T0_FIT = 0x45654FF0 */
		'g', 'y', 'm', 'h', 'u', 'b', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	/* clang-format on */

	export_parse(&d, &f);
	assert_memory_equal(f.bytes + FIT_HEADER_SIZE, want, sizeof(want));
	/* file_id first, activity last */
	assert_int_equal(f.msgs[0].global, 0);
	assert_int_equal(f.msgs[f.n_msgs - 1].global, 34);
	fit_free(&f);
}

static void test_set_layout(void **state)
{
	struct sq_detail d = detail(false);
	const struct fmsg *m;
	struct fit_file f;
	/* Set message definition: global 225 (0xE1), its timestamp is
	 * field 254; then the push-up set: 12 reps, 29.498 s. */
	/* clang-format off */
	static const uint8_t def[] = {
		0x44, 0, 0, 0xE1, 0, 10,
		254, 4, 0x86,	/* timestamp */
		0, 4, 0x86,	/* duration, ms */
		3, 2, 0x84,	/* repetitions */
		4, 2, 0x84,	/* weight, kg * 16 */
		5, 1, 0x02,	/* set_type: uint8 */
		6, 4, 0x86,	/* start_time */
		7, 2, 0x84,	/* category[1] */
		8, 2, 0x84,	/* category_subtype[1] */
		9, 2, 0x84,	/* weight_display_unit */
		10, 2, 0x84,	/* message_index */
	};
	/* clang-format on */
	uint32_t end = T0_FIT + 197, start = T0_FIT + 167;
	/* clang-format off */
	const uint8_t data[] = {
		0x04,
		(uint8_t)end, (uint8_t)(end >> 8), (uint8_t)(end >> 16),
		(uint8_t)(end >> 24),
		0x3A, 0x73, 0, 0,	/* 29498 ms */
		12, 0,			/* repetitions */
		0xFF, 0xFF,		/* no weight */
		1,			/* active */
		(uint8_t)start, (uint8_t)(start >> 8), (uint8_t)(start >> 16),
		(uint8_t)(start >> 24),
		22, 0,			/* push_up */
		77, 0,			/* push_up / push_up */
		0xFF, 0xFF,		/* no weight, no unit */
		6, 0,			/* the 7th set message */
	};
	/* clang-format on */
	size_t i;
	const uint8_t *p = NULL;

	export_parse(&d, &f);
	/* find the definition in the file */
	for (i = FIT_HEADER_SIZE; i + sizeof(def) <= f.len; i++) {
		if (memcmp(f.bytes + i, def, sizeof(def)) == 0) {
			p = f.bytes + i;
			break;
		}
	}
	assert_non_null(p);
	m = nth(&f, 225, 6);
	assert_memory_equal(m->data, data, sizeof(data));
	fit_free(&f);
}

/* Expected set messages, in time order. */
static const struct want_set {
	uint8_t type;
	uint32_t duration_ms;
	uint16_t reps, category, subtype, weight;
} want_sets[] = {
	{1, 45000, FIT_INV16, 28, 20, FIT_INV16}, /* wall sit, 15 s paused */
	{0, 30000, FIT_INV16, FIT_INV16, FIT_INV16, FIT_INV16},
	{1, 12500, FIT_INV16, 19, 66, FIT_INV16}, /* side plank, skipped */
	{0, 5000, FIT_INV16, FIT_INV16, FIT_INV16, FIT_INV16}, /* switch */
	{1, 30000, FIT_INV16, 19, 66, FIT_INV16},
	{0, 20000, FIT_INV16, FIT_INV16, FIT_INV16, FIT_INV16},
	{1, 29498, 12, 22, 77, FIT_INV16}, /* push-up */
	{1, 12900, 5, 28, 61, 16 * 16},	   /* goblet squat, 16 kg */
};

/* Laps: elapsed and timer ms, intensity (0 active, 1 rest). */
static const struct want_lap {
	uint32_t elapsed_ms, timer_ms;
	uint8_t intensity;
} want_laps[] = {
	{10000, 10000, 1}, {60000, 45000, 0}, {30000, 30000, 1},
	{12500, 12500, 0}, {5000, 5000, 1},   {30000, 30000, 0},
	{20000, 20000, 1}, {29498, 29498, 0}, {12900, 12900, 0},
};

static void test_session_with_pauses_and_skips(void **state)
{
	struct sq_detail d = detail(true);
	const struct fmsg *m;
	struct fit_file f;
	unsigned int min, avg, max, hr_min = 255, hr_max = 0;
	size_t i, n_rec;
	uint64_t prev = 0;

	export_parse(&d, &f);
	expected_hr(&n_rec, &min, &avg, &max);
	assert_int_equal(n_rec, 195);
	assert_int_equal(count(&f, 20), n_rec);
	assert_int_equal(count(&f, 225), N(want_sets));
	assert_int_equal(count(&f, 19), N(want_laps));
	assert_int_equal(count(&f, 18), 1);
	assert_int_equal(count(&f, 34), 1);
	/* the hub and the strap */
	assert_int_equal(count(&f, 23), 2);
	m = nth(&f, 23, 1);
	assert_int_equal(get(m, 25), 3); /* bluetooth_low_energy */
	assert_int_equal(get(m, 1), 1);	 /* heart_rate */

	for (i = 0; i < n_rec; i++) {
		m = nth(&f, 20, i);
		assert_true(get(m, 253) > prev);
		prev = get(m, 253);
		hr_min = get(m, 3) < hr_min ? (unsigned int)get(m, 3) : hr_min;
		hr_max = get(m, 3) > hr_max ? (unsigned int)get(m, 3) : hr_max;
	}
	assert_int_equal(get(nth(&f, 20, 0), 253), T0_FIT);
	assert_int_equal(get(nth(&f, 20, n_rec - 1), 253), T0_FIT + 210);
	assert_int_equal(hr_min, min);
	assert_int_equal(hr_max, max);

	for (i = 0; i < N(want_sets); i++) {
		m = nth(&f, 225, i);
		assert_int_equal(get(m, 5), want_sets[i].type);
		assert_int_equal(get(m, 0), want_sets[i].duration_ms);
		assert_int_equal(get(m, 3), want_sets[i].reps);
		assert_int_equal(get(m, 7), want_sets[i].category);
		assert_int_equal(get(m, 8), want_sets[i].subtype);
		assert_int_equal(get(m, 4), want_sets[i].weight);
		assert_int_equal(get(m, 10), i);
		assert_true(get(m, 254) >= get(m, 6));
	}
	for (i = 0; i < N(want_laps); i++) {
		m = nth(&f, 19, i);
		assert_int_equal(get(m, 7), want_laps[i].elapsed_ms);
		assert_int_equal(get(m, 8), want_laps[i].timer_ms);
		assert_int_equal(get(m, 23), want_laps[i].intensity);
		assert_int_equal(get(m, 254), i);
	}
	m = nth(&f, 18, 0);
	assert_int_equal(get(m, 5), 10); /* training */
	assert_int_equal(get(m, 6), 20); /* strength_training */
	assert_int_equal(get(m, 2), T0_FIT);
	assert_int_equal(get(m, 7), 210000);
	assert_int_equal(get(m, 8), 194898); /* the laps' timer times */
	assert_int_equal(get(m, 16), avg);
	assert_int_equal(get(m, 17), max);
	assert_int_equal(get(m, 26), N(want_laps));
	m = nth(&f, 34, 0);
	assert_int_equal(get(m, 0), 194898);
	assert_int_equal(get(m, 1), 1);
	/* timer start first, stop_all at the end */
	assert_int_equal(get(nth(&f, 21, 0), 1), 0);
	assert_int_equal(get(nth(&f, 21, 1), 1), 4);
	assert_int_equal(get(nth(&f, 21, 1), 253), T0_FIT + 210);
	fit_free(&f);
}

static void test_no_heart_rate(void **state)
{
	struct sq_detail d = detail(false);
	const struct fmsg *m;
	struct fit_file f;

	export_parse(&d, &f);
	assert_int_equal(count(&f, 20), 0);
	assert_int_equal(count(&f, 23), 1);
	m = nth(&f, 18, 0);
	assert_int_equal(get(m, 16), FIT_INV8);
	assert_int_equal(get(m, 17), FIT_INV8);
	assert_int_equal(get(nth(&f, 19, 0), 15), FIT_INV8);
	fit_free(&f);
}

static void test_deterministic(void **state)
{
	struct sq_detail d = detail(true);
	struct fit_file a, b;

	export_parse(&d, &a);
	export_parse(&d, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.bytes, b.bytes, a.len);
	fit_free(&a);
	fit_free(&b);
}

static void test_empty_session(void **state)
{
	struct sq_detail d = detail(false);
	struct fit_file f;
	int r;

	/* no segments at all, and segments that never started */
	d.n_segments = 0;
	export_mem(&d, &f, &r);
	assert_int_equal(r, -ENODATA);
	assert_int_equal(f.len, 0);
	free(f.bytes);
	d.segments = &segments[9];
	d.n_segments = 1;
	export_mem(&d, &f, &r);
	assert_int_equal(r, -ENODATA);
	assert_int_equal(f.len, 0);
	free(f.bytes);
}

static void test_exercise_categories(void **state)
{
	static const struct {
		const char *name;
		uint16_t category, subtype;
	} cases[] = {
		{"bodyweight squat", 28, 100},
		{"reverse lunge, left leg", 17, 32},
		{"PLANK", 19, 43},
		{"side_plank", 19, 66},
		{"push up", 22, 77},
		{"glute bridge hold", 10, 11},
		{"single-leg glute bridge", 10, 30},
		{"single-leg calf-raise hold", 1, 15},
		{"calf raise", 1, 18},
		{"Romanian deadlift", 8, 23},
		{"deadlift", 8, FIT_INV16},
		{"wall sit", 28, 20},
		{"single-leg balance", 11, FIT_INV16},
		{"core circuit", 5, FIT_INV16},
		{"mountain climber", 19, 34},
		{"sit-up", 27, 37},
		{"Übung", 65534, FIT_INV16}, /* exercise_category unknown */
		{"", 65534, FIT_INV16},
	};
	struct sq_set one[N(cases)];
	struct sq_detail d = detail(false);
	struct fit_file f;
	size_t i;

	for (i = 0; i < N(cases); i++)
		one[i] =
			(struct sq_set){.idx = (uint32_t)i + 1,
					.exercise = (char *)cases[i].name,
					.side = "",
					.reps = 10,
					.start_ms = T0 + 1000 * (int64_t)i,
					.end_ms = T0 + 1000 * (int64_t)i + 500};
	d.sets = one;
	d.n_sets = N(one);
	d.n_segments = 1; /* the prep: no rest sets */
	export_parse(&d, &f);
	assert_int_equal(count(&f, 225), N(cases));
	for (i = 0; i < N(cases); i++) {
		const struct fmsg *m = nth(&f, 225, i);

		if (get(m, 7) != cases[i].category ||
		    get(m, 8) != cases[i].subtype)
			fail_msg("%s: category %u/%u, want %u/%u",
				 cases[i].name, (unsigned int)get(m, 7),
				 (unsigned int)get(m, 8), cases[i].category,
				 cases[i].subtype);
	}
	fit_free(&f);
}

static void test_write_error(void **state)
{
	struct sq_detail d = detail(true);
	FILE *f = fopen("/dev/full", "w");

	if (!f)
		skip();
	assert_int_equal(export_fit(&d, f), -EIO);
	fclose(f);
}

/* --- Garmin's decoder ------------------------------------------------ */

static const char *src_dir(void)
{
	const char *s = getenv("GYMHUB_SRCDIR");

	return s ? s : ".";
}

static void write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, size, f), size);
	assert_int_equal(fclose(f), 0);
}

/* Runs fit-check.mjs on @fit with @expect (JSON); fails loudly when
 * node or the SDK is missing. */
static void fit_check(const char *dir, const char *name,
		      const struct fit_file *fit, const char *expect)
{
	char fit_path[512], exp_path[512], out_path[512], cmd[2048];
	int rc;

	snprintf(fit_path, sizeof(fit_path), "%s/%s.fit", dir, name);
	snprintf(exp_path, sizeof(exp_path), "%s/%s.expect.json", dir, name);
	snprintf(out_path, sizeof(out_path), "%s/%s.json", dir, name);
	write_file(fit_path, fit->bytes, fit->len);
	write_file(exp_path, expect, strlen(expect));
	snprintf(cmd, sizeof(cmd),
		 "node '%s/tests/fit-check.mjs' --expect '%s' '%s' > '%s'",
		 src_dir(), exp_path, fit_path, out_path);
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc))
		fail_msg("could not run: %s", cmd);
	if (WEXITSTATUS(rc) == 127)
		fail_msg("node not found: install nodejs, then " SDK_HINT);
	if (WEXITSTATUS(rc) == 2)
		fail_msg("fit-check cannot run (Garmin FIT SDK missing?): "
			 "run " SDK_HINT " or set GYMHUB_FITSDK");
	if (WEXITSTATUS(rc) != 0) {
		snprintf(cmd, sizeof(cmd), "cat '%s' >&2", out_path);
		if (system(cmd) != 0)
			print_error("(no output)\n");
		fail_msg("Garmin's FIT SDK rejects %s (see above)", fit_path);
	}
}

static void test_garmin_sdk_accepts(void **state)
{
	char dir[] = "/tmp/gymhub-fit-XXXXXX";
	char expect[4096], cmd[600];
	struct sq_detail d = detail(true);
	struct fit_file f;
	unsigned int min, avg, max;
	size_t n_rec;
	int n;

	assert_non_null(mkdtemp(dir));
	expected_hr(&n_rec, &min, &avg, &max);
	n = snprintf(
		expect, sizeof(expect),
		"{\"counts\": {\"fileIdMesgs\": 1, \"deviceInfoMesgs\": 2,"
		" \"eventMesgs\": 2, \"recordMesgs\": %zu, \"setMesgs\": 8,"
		" \"lapMesgs\": 9, \"sessionMesgs\": 1, \"activityMesgs\": 1},"
		" \"session\": {\"sport\": \"training\","
		" \"subSport\": \"strengthTraining\","
		" \"totalElapsedTime\": 210, \"totalTimerTime\": 194.898,"
		" \"avgHeartRate\": %u, \"maxHeartRate\": %u, \"numLaps\": 9},"
		" \"records\": {\"count\": %zu,"
		" \"hr\": {\"min\": %u, \"avg\": %u, \"max\": %u}},"
		" \"sets\": ["
		"{\"setType\": \"active\", \"repetitions\": null,"
		" \"duration\": 45, \"category\": \"squat\","
		" \"categorySubtype\": 20},"
		"{\"setType\": \"rest\", \"duration\": 30},"
		"{\"setType\": \"active\", \"duration\": 12.5,"
		" \"category\": \"plank\", \"categorySubtype\": 66},"
		"{\"setType\": \"rest\", \"duration\": 5},"
		"{\"setType\": \"active\", \"duration\": 30},"
		"{\"setType\": \"rest\", \"duration\": 20},"
		"{\"setType\": \"active\", \"repetitions\": 12,"
		" \"duration\": 29.498, \"category\": \"pushUp\","
		" \"categorySubtype\": 77},"
		"{\"setType\": \"active\", \"repetitions\": 5,"
		" \"duration\": 12.9, \"category\": \"squat\","
		" \"categorySubtype\": 61, \"weight\": 16}],"
		" \"problems\": []}",
		n_rec, avg, max, n_rec, min, avg, max);
	assert_true(n > 0 && (size_t)n < sizeof(expect));
	export_parse(&d, &f);
	fit_check(dir, "session", &f, expect);
	fit_free(&f);

	/* without heart rate: no records, no heart-rate figures */
	d = detail(false);
	export_parse(&d, &f);
	fit_check(dir, "no-hr", &f,
		  "{\"counts\": {\"setMesgs\": 8, \"lapMesgs\": 9},"
		  " \"session\": {\"avgHeartRate\": null,"
		  " \"totalTimerTime\": 194.898},"
		  " \"records\": {\"count\": 0, \"hr\": null}}");
	fit_free(&f);

	/* GYMHUB_FIT_KEEP=1 keeps the files for a look with other tools. */
	if (getenv("GYMHUB_FIT_KEEP")) {
		print_message("FIT files kept in %s\n", dir);
		return;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc_known_values),
		cmocka_unit_test(test_writer_empty_file),
		cmocka_unit_test(test_writer_values),
		cmocka_unit_test(test_writer_errors),
		cmocka_unit_test(test_date_time),
		cmocka_unit_test(test_file_id_layout),
		cmocka_unit_test(test_set_layout),
		cmocka_unit_test(test_session_with_pauses_and_skips),
		cmocka_unit_test(test_no_heart_rate),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_empty_session),
		cmocka_unit_test(test_exercise_categories),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_garmin_sdk_accepts),
	};

	return cmocka_run_group_tests_name("fit", tests, NULL, NULL);
}
