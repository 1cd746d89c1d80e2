/* SPDX-License-Identifier: MIT */
/*
 * hrs.h - decoder for the Bluetooth Heart Rate Service (HRS 1.0) and the
 * Battery Level a strap reports beside it.
 *
 * Pure functions of the bytes they are given: no GLib, no allocation, no
 * logging, no global state. Any thread may call any of them at any time.
 * Every out-parameter is written only on success (a rejected packet leaves
 * it exactly as it was), so a caller may parse straight into its last good
 * sample.
 *
 * Heart Rate Measurement (0x2A37), HRS 1.0 §3.1 and the GATT Specification
 * Supplement: a flags octet, then
 *   bit 0     heart rate value is uint16 (else uint8), in bpm
 *   bits 1-2  sensor contact: 0b00/0b01 not supported, 0b10 supported but
 *             not detected, 0b11 detected
 *   bit 3     Energy Expended present: uint16, kJ since the last reset
 *   bit 4     RR-Intervals present: uint16 each, in 1/1024 s, oldest first;
 *             how many is given by the length that is left
 *   bits 5-7  reserved for future use
 * All multi-octet fields are little-endian.
 */
#ifndef GYMHUB_HRS_H
#define GYMHUB_HRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The longest attribute value is 512 octets (Core 5.3 Vol 3 Part F §3.2.9);
 * with the shortest header (flags + uint8 value) that leaves (512 - 2) / 2
 * RR-Intervals. A longer buffer is no notification and is rejected.
 */
#define HRS_ATT_VALUE_MAX 512
#define HRS_MAX_RR	  ((HRS_ATT_VALUE_MAX - 2) / 2)
#define HRS_RR_MASK_WORDS ((HRS_MAX_RR + 31) / 32)

/*
 * RR-Intervals outside [250 ms, 3000 ms] (240 bpm .. 20 bpm) are not
 * beats a runner's heart makes: a missed or doubled R-wave, or a strap
 * being put on. They are flagged, so callers keep them out of the beats
 * they store and out of HRV.
 */
#define HRS_RR_MIN_MS 250
#define HRS_RR_MAX_MS 3000

/* Longest hrs_format_json() output, NUL included, for any measurement. */
#define HRS_JSON_MAX 6144

enum hrs_contact {
	HRS_CONTACT_UNSUPPORTED,  /* 0b00 or 0b01: no contact feature */
	HRS_CONTACT_NOT_DETECTED, /* 0b10 */
	HRS_CONTACT_DETECTED,	  /* 0b11 */
};

/* Body Sensor Location (0x2A38), HRS 1.0 §3.2; 7-255 are reserved. */
enum hrs_location {
	HRS_LOCATION_OTHER = 0,
	HRS_LOCATION_CHEST = 1,
	HRS_LOCATION_WRIST = 2,
	HRS_LOCATION_FINGER = 3,
	HRS_LOCATION_HAND = 4,
	HRS_LOCATION_EAR_LOBE = 5,
	HRS_LOCATION_FOOT = 6,
};

struct hrs_measurement {
	uint16_t bpm; /* may be 0: some straps send 0 without skin contact */
	enum hrs_contact contact;
	bool has_energy;
	uint16_t energy_kj; /* 0xFFFF means "at least 65535" (HRS §3.1) */
	uint16_t n_rr;
	uint16_t rr_1024[HRS_MAX_RR]; /* oldest first, as sent */
	/* bit i set: rr_1024[i] is outside [HRS_RR_MIN_MS, HRS_RR_MAX_MS] */
	uint32_t rr_implausible[HRS_RR_MASK_WORDS];
	uint16_t n_rr_implausible;
};

/*
 * Decodes one Heart Rate Measurement value into *ret. 0, or -EBADMSG when
 * the value is not one: shorter than the fields its flags announce, an
 * odd number of RR octets, or longer than HRS_ATT_VALUE_MAX.
 *
 * Lenient where nothing can be misread: reserved flag bits 5-7 are
 * ignored, as the specification requires of a receiver, so a newer strap
 * still decodes; bytes after the last field when bit 4 is clear are
 * ignored; bit 4 with no RR octets gives n_rr == 0 (a packet cut at an RR
 * boundary cannot be told from a whole one anyway).
 */
int hrs_parse(const uint8_t *buf, size_t len, struct hrs_measurement *ret);

/* Whether RR-Interval @i of @m was flagged implausible. */
bool hrs_rr_is_implausible(const struct hrs_measurement *m, size_t i);

/* An RR-Interval in 1/1024 s as milliseconds, rounded to nearest. */
uint32_t hrs_rr_ms(uint16_t rr_1024);

/* Whether @rr_1024 lies in [HRS_RR_MIN_MS, HRS_RR_MAX_MS]. */
bool hrs_rr_plausible(uint16_t rr_1024);

/* "unsupported", "not-detected", "detected"; "invalid" out of range. */
const char *hrs_contact_to_string(enum hrs_contact c);

/*
 * Body Sensor Location: exactly one octet, else -EBADMSG. Reserved values
 * (7-255) are returned as they are; hrs_location_to_string() calls them
 * "reserved".
 */
int hrs_parse_location(const uint8_t *buf, size_t len, enum hrs_location *ret);
/* "other", "chest", "wrist", "finger", "hand", "ear-lobe", "foot". */
const char *hrs_location_to_string(enum hrs_location loc);

/*
 * Battery Level (0x2A19, BAS 1.0 §3.1): exactly one octet, 0-100 percent;
 * anything else is -EBADMSG.
 */
int hrs_parse_battery(const uint8_t *buf, size_t len, uint8_t *ret_percent);

/*
 * Formats @m as one JSON object on one line, no newline:
 *   {"bpm":72,"contact":"detected","energy_kj":null,"rr_1024":[840],
 *    "rr_ms":[820],"rr_implausible":[false]}
 * energy_kj is null when absent; rr_ms and rr_implausible run parallel to
 * rr_1024. Returns the length written (NUL not counted), or -ENOBUFS when
 * @len is too small, leaving @buf an empty string. HRS_JSON_MAX always
 * suffices.
 */
int hrs_format_json(const struct hrs_measurement *m, char *buf, size_t len);

/*
 * Reads bytes written in hex as a user pastes them from btmon or nRF
 * Connect: "16 4a 12 03", "164a1203", "16:4a:12:03", "0x16 0x4A" (spaces,
 * tabs, newlines, ':', '-' and ',' separate bytes; either case; a group may
 * open with "0x"). An empty string gives 0 bytes. -EINVAL for a non-hex
 * character or a byte split by a separator or cut short; -ENOBUFS when
 * more than @max bytes. @out and *ret_len are written only on success.
 */
int hrs_hex_decode(const char *hex, uint8_t *out, size_t max, size_t *ret_len);

#endif
