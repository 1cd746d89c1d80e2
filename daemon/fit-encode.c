/* SPDX-License-Identifier: MIT */
/*
 * fit-encode.c - FIT file writer (see fit-encode.h).
 *
 * Layout, per the FIT Protocol document: a 14-byte file header, then
 * records, each a one-byte record header followed by a definition or
 * a data message, then a two-byte CRC of everything before it. All our
 * definitions say "little-endian" (architecture 0), so multi-byte
 * values are written least significant byte first.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fit-encode.h"

#define LOCAL_MAX 16
/* Record header bits (normal header): bit 6 = definition message. */
#define RECORD_DEFINITION 0x40
/* Header bytes 8..11: the ASCII data type ".FIT". */
static const char fit_signature[4] = {'.', 'F', 'I', 'T'};

struct local_def {
	bool defined;
	size_t n_fields;
	struct fit_field fields[255];
};

struct fit_writer {
	struct fit_buf *buf;
	struct fit_buf own; /* for a file writer */
	FILE *out;
	size_t start; /* offset of our header in buf */
	size_t start_len;
	bool finished;
	int error;
	struct local_def locals[LOCAL_MAX];
};

/*
 * FIT Protocol, "CRC": the SDK's nibble-table CRC-16, i.e. CRC-16/ARC
 * (polynomial 0x8005 reflected = 0xA001, initial value 0, no final
 * xor), computed four bits at a time.
 */
static const uint16_t crc_table[16] = {
	0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
	0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
};

uint16_t fit_crc16(uint16_t crc, const void *data, size_t size)
{
	const uint8_t *p = data;
	uint16_t tmp;
	size_t i;

	for (i = 0; i < size; i++) {
		tmp = crc_table[crc & 0xF];
		crc = (crc >> 4) & 0x0FFF;
		crc = crc ^ tmp ^ crc_table[p[i] & 0xF];
		tmp = crc_table[crc & 0xF];
		crc = (crc >> 4) & 0x0FFF;
		crc = crc ^ tmp ^ crc_table[(p[i] >> 4) & 0xF];
	}
	return crc;
}

uint32_t fit_date_time(int64_t unix_ms)
{
	int64_t s = unix_ms / 1000;

	if (unix_ms % 1000 < 0)
		s--; /* round down before 1970 too */
	s -= FIT_EPOCH_UNIX;
	if (s < (int64_t)FIT_DATE_TIME_MIN)
		return FIT_DATE_TIME_MIN;
	if (s > 0xFFFFFFFELL)
		return 0xFFFFFFFEU;
	return (uint32_t)s;
}

void fit_buf_clear(struct fit_buf *b)
{
	if (!b)
		return;
	free(b->data);
	*b = (struct fit_buf){0};
}

static int buf_reserve(struct fit_buf *b, size_t more)
{
	size_t size;
	uint8_t *data;

	if (more <= b->size - b->len)
		return 0;
	if (more > SIZE_MAX / 2 - b->len)
		return -ENOMEM;
	size = b->size ? b->size : 256;
	while (size - b->len < more)
		size *= 2;
	data = realloc(b->data, size);
	if (!data)
		return -ENOMEM;
	b->data = data;
	b->size = size;
	return 0;
}

/* Appends @size bytes; on failure the error sticks in @w. */
static uint8_t *put(struct fit_writer *w, size_t size)
{
	uint8_t *p;
	int r;

	if (w->error)
		return NULL;
	r = buf_reserve(w->buf, size);
	if (r < 0) {
		w->error = r;
		return NULL;
	}
	p = w->buf->data + w->buf->len;
	w->buf->len += size;
	return p;
}

static void le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
	le16(p, (uint16_t)v);
	le16(p + 2, (uint16_t)(v >> 16));
}

static int writer_new(struct fit_buf *buf, FILE *out, struct fit_writer **ret)
{
	struct fit_writer *w = calloc(1, sizeof(*w));
	uint8_t *h;

	if (!w)
		return -ENOMEM;
	w->out = out;
	w->buf = buf ? buf : &w->own;
	w->start = w->start_len = w->buf->len;
	/* The header is filled in by fit_writer_finish(). */
	h = put(w, FIT_HEADER_SIZE);
	if (!h) {
		free(w);
		return -ENOMEM;
	}
	memset(h, 0, FIT_HEADER_SIZE);
	*ret = w;
	return 0;
}

int fit_writer_new(struct fit_buf *buf, struct fit_writer **ret)
{
	if (!buf)
		return -EINVAL;
	return writer_new(buf, NULL, ret);
}

int fit_writer_new_file(FILE *out, struct fit_writer **ret)
{
	if (!out)
		return -EINVAL;
	return writer_new(NULL, out, ret);
}

void fit_writer_free(struct fit_writer *w)
{
	if (!w)
		return;
	if (!w->finished && w->buf != &w->own)
		w->buf->len = w->start_len;
	fit_buf_clear(&w->own);
	free(w);
}

/* Bytes of one value of a numeric base type; 0 for STRING/BYTE/unknown. */
static size_t base_size(uint8_t t)
{
	switch (t) {
	case FIT_BASE_ENUM:
	case FIT_BASE_SINT8:
	case FIT_BASE_UINT8:
	case FIT_BASE_UINT8Z:
		return 1;
	case FIT_BASE_SINT16:
	case FIT_BASE_UINT16:
	case FIT_BASE_UINT16Z:
		return 2;
	case FIT_BASE_SINT32:
	case FIT_BASE_UINT32:
	case FIT_BASE_UINT32Z:
		return 4;
	default:
		return 0;
	}
}

static bool is_bytes(uint8_t t)
{
	return t == FIT_BASE_STRING || t == FIT_BASE_BYTE;
}

static size_t field_size(const struct fit_field *f)
{
	return is_bytes(f->base_type) ? f->size : base_size(f->base_type);
}

int fit_writer_define(struct fit_writer *w, uint8_t local, uint16_t global,
		      const struct fit_field *fields, size_t n_fields)
{
	struct local_def *def;
	const struct fit_field *f;
	uint8_t *p;
	size_t i;

	if (w->error)
		return w->error;
	if (local >= LOCAL_MAX || n_fields > 255 || (n_fields && !fields))
		return w->error = -EINVAL;
	for (i = 0; i < n_fields; i++) {
		f = &fields[i];
		if (is_bytes(f->base_type) && f->size == 0)
			return w->error = -EINVAL;
		if (!is_bytes(f->base_type) &&
		    (base_size(f->base_type) == 0 || f->size != 0))
			return w->error = -EINVAL;
	}
	/* Record header, reserved, architecture (0 = little-endian),
	 * global message number, number of fields, then 3 bytes a field. */
	p = put(w, 5 + 1 + 3 * n_fields);
	if (!p)
		return w->error;
	p[0] = RECORD_DEFINITION | local;
	p[1] = 0;
	p[2] = 0;
	le16(p + 3, global);
	p[5] = (uint8_t)n_fields;
	for (i = 0; i < n_fields; i++) {
		p[6 + 3 * i] = fields[i].num;
		p[7 + 3 * i] = (uint8_t)field_size(&fields[i]);
		p[8 + 3 * i] = fields[i].base_type;
	}
	def = &w->locals[local];
	def->defined = true;
	def->n_fields = n_fields;
	if (n_fields)
		memcpy(def->fields, fields, n_fields * sizeof(*fields));
	return 0;
}

/* FIT Protocol, "Base Types": the invalid value of each type. */
static uint32_t invalid_of(uint8_t t)
{
	switch (t) {
	case FIT_BASE_SINT8:
		return 0x7F;
	case FIT_BASE_SINT16:
		return 0x7FFF;
	case FIT_BASE_SINT32:
		return 0x7FFFFFFF;
	case FIT_BASE_UINT8Z:
	case FIT_BASE_UINT16Z:
	case FIT_BASE_UINT32Z:
		return 0;
	default:
		return 0xFFFFFFFF; /* ENUM, UINTx: all ones, cut to size */
	}
}

static bool is_signed(uint8_t t)
{
	return t == FIT_BASE_SINT8 || t == FIT_BASE_SINT16 ||
	       t == FIT_BASE_SINT32;
}

/* The bits of @v for a field of type @t, or -ERANGE. */
static int number_bits(uint8_t t, int64_t v, uint32_t *ret)
{
	unsigned int bits = 8 * (unsigned int)base_size(t);
	int64_t lo, hi;

	if (v == FIT_INVALID) {
		*ret = invalid_of(t);
		return 0;
	}
	if (is_signed(t)) {
		hi = (INT64_C(1) << (bits - 1)) - 1;
		lo = -hi - 1;
	} else {
		hi = (INT64_C(1) << bits) - 1;
		lo = 0;
	}
	if (v < lo || v > hi)
		return -ERANGE;
	*ret = (uint32_t)(uint64_t)v;
	return 0;
}

/*
 * A string cut to @size - 1 bytes without splitting a UTF-8 sequence,
 * NUL-padded (FIT strings are null-terminated, the rest of the field
 * filled with NULs).
 */
static void put_string(uint8_t *p, size_t size, const char *s)
{
	size_t n = s ? strnlen(s, size) : 0;

	if (n >= size) {
		n = size - 1;
		/* back off continuation bytes of a cut character */
		while (n > 0 && ((uint8_t)s[n] & 0xC0) == 0x80)
			n--;
	}
	memset(p, 0, size);
	if (n)
		memcpy(p, s, n);
}

static int put_value(uint8_t *p, const struct fit_field *f,
		     const struct fit_value *v)
{
	uint32_t bits;
	int r;

	if (f->base_type == FIT_BASE_STRING) {
		put_string(p, f->size, v->s);
		return 0;
	}
	if (f->base_type == FIT_BASE_BYTE) {
		if (v->s)
			memcpy(p, v->s, f->size);
		else
			memset(p, 0xFF, f->size);
		return 0;
	}
	r = number_bits(f->base_type, v->i, &bits);
	if (r < 0)
		return r;
	switch (base_size(f->base_type)) {
	case 1:
		p[0] = (uint8_t)bits;
		break;
	case 2:
		le16(p, (uint16_t)bits);
		break;
	default:
		le32(p, bits);
		break;
	}
	return 0;
}

int fit_writer_data(struct fit_writer *w, uint8_t local,
		    const struct fit_value *values, size_t n_values)
{
	const struct local_def *def;
	size_t i, size = 1;
	uint8_t *p;
	int r;

	if (w->error)
		return w->error;
	if (local >= LOCAL_MAX || !w->locals[local].defined)
		return w->error = -EINVAL;
	def = &w->locals[local];
	if (n_values != def->n_fields || (n_values && !values))
		return w->error = -EINVAL;
	for (i = 0; i < def->n_fields; i++)
		size += field_size(&def->fields[i]);
	p = put(w, size);
	if (!p)
		return w->error;
	*p++ = local; /* normal header, data message */
	for (i = 0; i < def->n_fields; i++) {
		r = put_value(p, &def->fields[i], &values[i]);
		if (r < 0) {
			w->buf->len -= size; /* no half message */
			return w->error = r;
		}
		p += field_size(&def->fields[i]);
	}
	return 0;
}

int fit_writer_finish(struct fit_writer *w)
{
	size_t data_size;
	uint8_t *h, *c;
	uint16_t crc;

	if (w->error)
		return w->error;
	if (w->finished)
		return -EINVAL;
	data_size = w->buf->len - w->start - FIT_HEADER_SIZE;
	if (data_size > UINT32_MAX)
		return w->error = -EFBIG;
	c = put(w, 2);
	if (!c)
		return w->error;
	h = w->buf->data + w->start;
	h[0] = FIT_HEADER_SIZE;
	h[1] = FIT_PROTOCOL_VERSION;
	le16(h + 2, FIT_PROFILE_VERSION);
	le32(h + 4, (uint32_t)data_size);
	memcpy(h + 8, fit_signature, sizeof(fit_signature));
	le16(h + 12, fit_crc16(0, h, 12));
	/* The file CRC covers the header (with its CRC) and the data. */
	crc = fit_crc16(0, h, FIT_HEADER_SIZE + data_size);
	c = h + FIT_HEADER_SIZE + data_size;
	le16(c, crc);
	if (w->out) {
		if (fwrite(h, 1, w->buf->len - w->start, w->out) !=
			    w->buf->len - w->start ||
		    fflush(w->out) != 0)
			return w->error = -EIO;
	}
	w->finished = true;
	return 0;
}
