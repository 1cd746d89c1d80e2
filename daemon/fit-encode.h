/* SPDX-License-Identifier: MIT */
/*
 * fit-encode.h - a small generic writer of FIT files (Garmin's Flexible
 * and Interoperable Data Transfer protocol), enough for activity files:
 * the 14-byte header, local message definitions, data messages of the
 * base types below, little-endian, the header CRC and the file CRC.
 * No compressed timestamp headers, no developer fields.
 *
 * References: FIT SDK "FIT Protocol" document (file header, record
 * headers, definition and data messages, base types, CRC); the message
 * and type values the callers use are from the FIT profile 21.217
 * (Profile.xlsx, as shipped in @garmin/fitsdk 21.217.0 profile.js).
 *
 * Pure C: no GLib, no logging. A writer belongs to one thread at a time.
 * Every call returns 0 or -errno; the first error sticks, so later calls
 * and fit_writer_finish() return it too and a caller may check once.
 */
#ifndef GYMHUB_FIT_ENCODE_H
#define GYMHUB_FIT_ENCODE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FIT_HEADER_SIZE 14
/* Protocol 2.0: major version in the high nibble. */
#define FIT_PROTOCOL_VERSION 0x20
/*
 * Profile 21.217, stated as major * 1000 + minor: profiles after 21.99
 * use that scale (the SDK decoder reads values above 2199 this way).
 */
#define FIT_PROFILE_VERSION 21217
/* FIT date_time counts seconds from 1989-12-31T00:00:00Z. */
#define FIT_EPOCH_UNIX 631065600LL
/* date_time values below this are relative (seconds since power-up). */
#define FIT_DATE_TIME_MIN 0x10000000U

/* A field's value is unknown: the writer puts the type's invalid value. */
#define FIT_INVALID INT64_MIN

/* Base type bytes as they go into a definition (bit 7: multi-byte). */
enum fit_base_type {
	FIT_BASE_ENUM = 0x00,
	FIT_BASE_SINT8 = 0x01,
	FIT_BASE_UINT8 = 0x02,
	FIT_BASE_SINT16 = 0x83,
	FIT_BASE_UINT16 = 0x84,
	FIT_BASE_SINT32 = 0x85,
	FIT_BASE_UINT32 = 0x86,
	FIT_BASE_STRING = 0x07, /* UTF-8, NUL-padded to the field's size */
	FIT_BASE_UINT8Z = 0x0a,
	FIT_BASE_UINT16Z = 0x8b,
	FIT_BASE_UINT32Z = 0x8c,
	FIT_BASE_BYTE = 0x0d, /* raw bytes, the field's size of them */
};

/* One field of a message definition. */
struct fit_field {
	uint8_t num;	   /* field definition number from the profile */
	uint8_t base_type; /* enum fit_base_type */
	uint8_t size;	   /* STRING/BYTE: bytes (>= 1); numbers: 0 */
};

/* One field's value in a data message, in definition order. */
struct fit_value {
	int64_t i;     /* numbers, or FIT_INVALID */
	const char *s; /* STRING (NULL: empty) and BYTE (NULL: invalid) */
};

/* A growable buffer the caller owns; zero-initialise it. */
struct fit_buf {
	uint8_t *data;
	size_t len, size;
};
void fit_buf_clear(struct fit_buf *b); /* frees data, back to empty */

struct fit_writer;

/*
 * A writer appending one FIT file to @buf. Until fit_writer_finish()
 * succeeds the file is incomplete; freeing the writer before that puts
 * @buf back as it was. -ENOMEM.
 */
int fit_writer_new(struct fit_buf *buf, struct fit_writer **ret);
/*
 * A writer to @out. The header holds the data size, and @out may be a
 * pipe (ssh), so the file is built in memory and written by
 * fit_writer_finish() in one go.
 */
int fit_writer_new_file(FILE *out, struct fit_writer **ret);
void fit_writer_free(struct fit_writer *w); /* accepts NULL */

/*
 * Defines (or redefines) local message @local (0..15) as global message
 * @global with @fields. -EINVAL for a bad local number, base type or
 * size, or more than 255 fields.
 */
int fit_writer_define(struct fit_writer *w, uint8_t local, uint16_t global,
		      const struct fit_field *fields, size_t n_fields);
/*
 * A data message for @local with one value per defined field. -EINVAL
 * when @local is undefined or @n_values differs; -ERANGE when a number
 * does not fit its base type (invalid values included: pass
 * FIT_INVALID rather than 0xFF...).
 */
int fit_writer_data(struct fit_writer *w, uint8_t local,
		    const struct fit_value *values, size_t n_values);
/*
 * Fills in the header (data size and header CRC) and appends the file
 * CRC; a file writer writes and flushes everything (-EIO). -EFBIG when
 * the data would exceed the header's 32-bit size.
 */
int fit_writer_finish(struct fit_writer *w);

/* FIT SDK CRC-16 (poly 0xA001, reflected, init 0) over @data. */
uint16_t fit_crc16(uint16_t crc, const void *data, size_t size);

/*
 * Unix milliseconds as a FIT date_time (whole seconds, rounded down),
 * clamped to the absolute range [FIT_DATE_TIME_MIN, 0xFFFFFFFE].
 */
uint32_t fit_date_time(int64_t unix_ms);

#endif
