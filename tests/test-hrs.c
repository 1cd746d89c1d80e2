/* SPDX-License-Identifier: MIT */
/*
 * test-hrs.c - the Heart Rate Service decoder as a user meets it: what the
 * hub reads from the bytes real straps send (Polar H10, 16-bit values,
 * energy, several RR-Intervals), which packets it refuses, which beats it
 * flags as implausible, what `gymhubctl decode hrs` accepts as hex and the
 * exact JSON it prints.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hrs.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_BYTES     16

/* A filler that a rejected packet must leave in place. */
static void poison(struct hrs_measurement *m)
{
	memset(m, 0xa5, sizeof(*m));
}

static void assert_poisoned(const struct hrs_measurement *m)
{
	struct hrs_measurement p;

	poison(&p);
	assert_memory_equal(m, &p, sizeof(p));
}

/* --- packets as straps send them */

struct packet_case {
	const char *what;
	uint8_t bytes[MAX_BYTES];
	size_t len;
	int ret;
	uint16_t bpm;
	enum hrs_contact contact;
	int energy; /* -1: absent */
	uint16_t n_rr;
	uint16_t rr[4];
	uint32_t implausible; /* bit i: rr[i] flagged */
};

static const struct packet_case packets[] = {
	{"Polar H10, RR only (flags 0x10)",
	 {0x10, 0x48, 0x5b, 0x03},
	 4,
	 0,
	 72,
	 HRS_CONTACT_UNSUPPORTED,
	 -1,
	 1,
	 {859},
	 0},
	{"Polar H10 style with contact (flags 0x16)",
	 {0x16, 0x4a, 0x12, 0x03},
	 4,
	 0,
	 74,
	 HRS_CONTACT_DETECTED,
	 -1,
	 1,
	 {786},
	 0},
	{"two beats in one notification",
	 {0x16, 0x5a, 0x9a, 0x02, 0x8c, 0x02},
	 6,
	 0,
	 90,
	 HRS_CONTACT_DETECTED,
	 -1,
	 2,
	 {666, 652},
	 0},
	{"no RR this second (flags 0x06)",
	 {0x06, 0x3c},
	 2,
	 0,
	 60,
	 HRS_CONTACT_DETECTED,
	 -1,
	 0,
	 {0},
	 0},
	{"contact supported, strap not on skin",
	 {0x04, 0x00},
	 2,
	 0,
	 0,
	 HRS_CONTACT_NOT_DETECTED,
	 -1,
	 0,
	 {0},
	 0},
	{"contact bits 0b01 mean unsupported too",
	 {0x02, 0x40},
	 2,
	 0,
	 64,
	 HRS_CONTACT_UNSUPPORTED,
	 -1,
	 0,
	 {0},
	 0},
	{"16-bit value",
	 {0x01, 0x2c, 0x01},
	 3,
	 0,
	 300,
	 HRS_CONTACT_UNSUPPORTED,
	 -1,
	 0,
	 {0},
	 0},
	{"16-bit value that would fit 8 bits",
	 {0x01, 0x48, 0x00},
	 3,
	 0,
	 72,
	 HRS_CONTACT_UNSUPPORTED,
	 -1,
	 0,
	 {0},
	 0},
	{"energy expended",
	 {0x08, 0x50, 0x10, 0x27},
	 4,
	 0,
	 80,
	 HRS_CONTACT_UNSUPPORTED,
	 10000,
	 0,
	 {0},
	 0},
	{"energy saturated at 0xFFFF",
	 {0x0e, 0x50, 0xff, 0xff},
	 4,
	 0,
	 80,
	 HRS_CONTACT_DETECTED,
	 0xffff,
	 0,
	 {0},
	 0},
	{"everything: 16-bit, contact, energy, 3 RR",
	 {0x1f, 0x96, 0x00, 0x2a, 0x00, 0x90, 0x01, 0x94, 0x01, 0x98, 0x01},
	 11,
	 0,
	 150,
	 HRS_CONTACT_DETECTED,
	 42,
	 3,
	 {400, 404, 408},
	 0},
	{"implausible RR: 195 ms, 3000 ms ok, 3001 ms",
	 {0x10, 0xb4, 0xc8, 0x00, 0x00, 0x0c, 0x01, 0x0c},
	 8,
	 0,
	 180,
	 HRS_CONTACT_UNSUPPORTED,
	 -1,
	 3,
	 {200, 3072, 3073},
	 0x5},
	{"RR boundary: 250 ms ok, just under flagged",
	 {0x10, 0xb4, 0x00, 0x01, 0xff, 0x00},
	 6,
	 0,
	 180,
	 HRS_CONTACT_UNSUPPORTED,
	 -1,
	 2,
	 {256, 255},
	 0x2},
	{"RR of 0 is flagged, not a beat",
	 {0x10, 0x3c, 0x00, 0x00},
	 4,
	 0,
	 60,
	 HRS_CONTACT_UNSUPPORTED,
	 -1,
	 1,
	 {0},
	 0x1},
	{"reserved bits 5-7 ignored",
	 {0xe0, 0x48},
	 2,
	 0,
	 72,
	 HRS_CONTACT_UNSUPPORTED,
	 -1,
	 0,
	 {0},
	 0},
	{"reserved bits with every field",
	 {0xff, 0x48, 0x00, 0x01, 0x00, 0x00, 0x04},
	 7,
	 0,
	 72,
	 HRS_CONTACT_DETECTED,
	 1,
	 1,
	 {1024},
	 0},
	{"RR flag with no RR octets",
	 {0x10, 0x48},
	 2,
	 0,
	 72,
	 HRS_CONTACT_UNSUPPORTED,
	 -1,
	 0,
	 {0},
	 0},
	{"trailing octet without RR flag ignored",
	 {0x00, 0x48, 0x99},
	 3,
	 0,
	 72,
	 HRS_CONTACT_UNSUPPORTED,
	 -1,
	 0,
	 {0},
	 0},
	{"empty", {0}, 0, -EBADMSG, 0, 0, 0, 0, {0}, 0},
	{"flags only", {0x00}, 1, -EBADMSG, 0, 0, 0, 0, {0}, 0},
	{"16-bit value cut", {0x01, 0x2c}, 2, -EBADMSG, 0, 0, 0, 0, {0}, 0},
	{"energy cut", {0x08, 0x50, 0x10}, 3, -EBADMSG, 0, 0, 0, 0, {0}, 0},
	{"energy missing", {0x08, 0x50}, 2, -EBADMSG, 0, 0, 0, 0, {0}, 0},
	{"odd RR octets", {0x10, 0x48, 0x5b}, 3, -EBADMSG, 0, 0, 0, 0, {0}, 0},
	{"odd RR octets after energy",
	 {0x18, 0x48, 0x10, 0x27, 0x5b},
	 5,
	 -EBADMSG,
	 0,
	 0,
	 0,
	 0,
	 {0},
	 0},
};

static void check_packet(const struct packet_case *c)
{
	struct hrs_measurement m;
	size_t i;
	int r;

	poison(&m);
	r = hrs_parse(c->bytes, c->len, &m);
	if (r != c->ret)
		fail_msg("%s: got %d, want %d", c->what, r, c->ret);
	if (r < 0) {
		assert_poisoned(&m);
		return;
	}
	assert_int_equal(m.bpm, c->bpm);
	assert_int_equal(m.contact, c->contact);
	assert_int_equal(m.has_energy, c->energy >= 0);
	if (c->energy >= 0)
		assert_int_equal(m.energy_kj, c->energy);
	assert_int_equal(m.n_rr, c->n_rr);
	assert_int_equal(m.n_rr_implausible,
			 __builtin_popcount(c->implausible));
	for (i = 0; i < c->n_rr; i++) {
		assert_int_equal(m.rr_1024[i], c->rr[i]);
		assert_int_equal(hrs_rr_is_implausible(&m, i),
				 !!(c->implausible & (1u << i)));
	}
}

static void test_packets(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(packets); i++)
		check_packet(&packets[i]);
}

/*
 * Every combination of the five defined flag bits, each with and without
 * the reserved bits: the fields the flags announce are where they say.
 */
static void test_every_flag_combination(void **state)
{
	uint8_t buf[16], rsv;
	struct hrs_measurement m;
	unsigned int flags;
	size_t n;

	for (rsv = 0; rsv < 2; rsv++) {
		for (flags = 0; flags < 32; flags++) {
			n = 0;
			buf[n++] = (uint8_t)(flags | (rsv ? 0xe0 : 0));
			buf[n++] = 0x2c;
			if (flags & 1)
				buf[n++] = 0x01; /* 300 bpm */
			if (flags & 8) {
				buf[n++] = 0x34;
				buf[n++] = 0x12;
			}
			if (flags & 16) {
				buf[n++] = 0x00; /* 1024: 1000 ms */
				buf[n++] = 0x04;
				buf[n++] = 0x64; /* 100: 98 ms, flagged */
				buf[n++] = 0x00;
			}
			assert_int_equal(hrs_parse(buf, n, &m), 0);
			assert_int_equal(m.bpm, flags & 1 ? 300 : 0x2c);
			assert_int_equal(m.contact,
					 (flags & 6) == 6 ? HRS_CONTACT_DETECTED
					 : (flags & 6) == 4
						 ? HRS_CONTACT_NOT_DETECTED
						 : HRS_CONTACT_UNSUPPORTED);
			assert_int_equal(m.has_energy, !!(flags & 8));
			assert_int_equal(m.energy_kj, flags & 8 ? 0x1234 : 0);
			assert_int_equal(m.n_rr, flags & 16 ? 2 : 0);
			if (flags & 16) {
				assert_int_equal(m.rr_1024[0], 1024);
				assert_int_equal(m.rr_1024[1], 100);
				assert_false(hrs_rr_is_implausible(&m, 0));
				assert_true(hrs_rr_is_implausible(&m, 1));
			}
		}
	}
}

/* A whole packet cut at every length: only field boundaries decode. */
static void test_each_truncation(void **state)
{
	/* 16-bit 300 bpm, energy 10000 kJ, RR 1024 and 768 */
	static const uint8_t full[] = {0x19, 0x2c, 0x01, 0x10, 0x27,
				       0x00, 0x04, 0x00, 0x03};
	/* expected n_rr per length, -1 for -EBADMSG */
	static const int want[] = {-1, -1, -1, -1, -1, 0, -1, 1, -1, 2};
	struct hrs_measurement m;
	size_t len;
	int r;

	for (len = 0; len <= sizeof(full); len++) {
		poison(&m);
		r = hrs_parse(full, len, &m);
		if (want[len] < 0) {
			if (r != -EBADMSG)
				fail_msg("length %zu: got %d", len, r);
			assert_poisoned(&m);
			continue;
		}
		assert_int_equal(r, 0);
		assert_int_equal(m.bpm, 300);
		assert_int_equal(m.energy_kj, 10000);
		assert_int_equal(m.n_rr, want[len]);
	}
	assert_int_equal(hrs_parse(NULL, 0, &m), -EBADMSG);
}

/* The longest legal value fits; one octet more is no notification. */
static void test_longest_value(void **state)
{
	static uint8_t buf[HRS_ATT_VALUE_MAX + 2];
	static struct hrs_measurement m;
	size_t i;

	buf[0] = 0x10;
	buf[1] = 60;
	for (i = 2; i + 1 < sizeof(buf); i += 2) {
		buf[i] = 0x00;
		buf[i + 1] = 0x04;
	}
	assert_int_equal(hrs_parse(buf, HRS_ATT_VALUE_MAX, &m), 0);
	assert_int_equal(m.n_rr, HRS_MAX_RR);
	assert_int_equal(m.n_rr, 255);
	assert_int_equal(m.rr_1024[HRS_MAX_RR - 1], 1024);
	assert_int_equal(m.n_rr_implausible, 0);
	assert_int_equal(hrs_parse(buf, HRS_ATT_VALUE_MAX + 2, &m), -EBADMSG);

	/* flag the very last one: the mask reaches the end */
	buf[HRS_ATT_VALUE_MAX - 1] = 0xff;
	assert_int_equal(hrs_parse(buf, HRS_ATT_VALUE_MAX, &m), 0);
	assert_true(hrs_rr_is_implausible(&m, HRS_MAX_RR - 1));
	assert_false(hrs_rr_is_implausible(&m, HRS_MAX_RR - 2));
	assert_false(hrs_rr_is_implausible(&m, HRS_MAX_RR));
	assert_int_equal(m.n_rr_implausible, 1);
}

static void test_rr_ms(void **state)
{
	static const struct {
		uint16_t rr;
		uint32_t ms;
	} t[] = {{0, 0},     {1, 1},	   {512, 500},	 {786, 768},
		 {859, 839}, {1024, 1000}, {3072, 3000}, {65535, 63999}};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++)
		assert_int_equal(hrs_rr_ms(t[i].rr), t[i].ms);
	assert_false(hrs_rr_plausible(255));
	assert_true(hrs_rr_plausible(256));
	assert_true(hrs_rr_plausible(3072));
	assert_false(hrs_rr_plausible(3073));
}

static void test_strings(void **state)
{
	static const char *const loc[] = {"other",  "chest", "wrist",
					  "finger", "hand",  "ear-lobe",
					  "foot"};
	enum hrs_location l;
	uint8_t b[2] = {0};
	unsigned int v;

	assert_string_equal(hrs_contact_to_string(HRS_CONTACT_UNSUPPORTED),
			    "unsupported");
	assert_string_equal(hrs_contact_to_string(HRS_CONTACT_NOT_DETECTED),
			    "not-detected");
	assert_string_equal(hrs_contact_to_string(HRS_CONTACT_DETECTED),
			    "detected");
	for (v = 0; v < 256; v++) {
		b[0] = (uint8_t)v;
		assert_int_equal(hrs_parse_location(b, 1, &l), 0);
		assert_int_equal(l, v);
		assert_string_equal(hrs_location_to_string(l),
				    v < ARRAY_SIZE(loc) ? loc[v] : "reserved");
	}
	l = HRS_LOCATION_WRIST;
	assert_int_equal(hrs_parse_location(b, 0, &l), -EBADMSG);
	assert_int_equal(hrs_parse_location(b, 2, &l), -EBADMSG);
	assert_int_equal(l, HRS_LOCATION_WRIST);
}

static void test_battery(void **state)
{
	static const struct {
		uint8_t bytes[2];
		size_t len;
		int ret;
	} t[] = {{{0}, 1, 0},		{{15}, 1, 0},
		 {{100}, 1, 0},		{{101}, 1, -EBADMSG},
		 {{255}, 1, -EBADMSG},	{{50}, 0, -EBADMSG},
		 {{50, 0}, 2, -EBADMSG}};
	uint8_t pct;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		pct = 77;
		assert_int_equal(hrs_parse_battery(t[i].bytes, t[i].len, &pct),
				 t[i].ret);
		assert_int_equal(pct, t[i].ret ? 77 : t[i].bytes[0]);
	}
}

/* --- what a user pastes into `gymhubctl decode hrs` */

static void test_hex(void **state)
{
	static const struct {
		const char *hex;
		int ret;
		size_t len;
		uint8_t bytes[4];
	} t[] = {
		{"16 4a 12 03", 0, 4, {0x16, 0x4a, 0x12, 0x03}},
		{"164a1203", 0, 4, {0x16, 0x4a, 0x12, 0x03}},
		{"16:4a:12:03", 0, 4, {0x16, 0x4a, 0x12, 0x03}},
		{"16-4A-12-03", 0, 4, {0x16, 0x4a, 0x12, 0x03}},
		{"0x16 0x4A,0x12, 0x03", 0, 4, {0x16, 0x4a, 0x12, 0x03}},
		{"  10 48\t5b03\n", 0, 4, {0x10, 0x48, 0x5b, 0x03}},
		{"", 0, 0, {0}},
		{"   ", 0, 0, {0}},
		{"164", -EINVAL, 0, {0}},
		{"1 64a", -EINVAL, 0, {0}},
		{"16 4g", -EINVAL, 0, {0}},
		{"16;4a", -EINVAL, 0, {0}},
		{"16 4a 12 03 00", -ENOBUFS, 0, {0}},
	};
	uint8_t out[4];
	size_t i, len;
	int r;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		memset(out, 0xee, sizeof(out));
		len = 99;
		r = hrs_hex_decode(t[i].hex, out, sizeof(out), &len);
		if (r != t[i].ret)
			fail_msg("\"%s\": got %d, want %d", t[i].hex, r,
				 t[i].ret);
		if (r < 0) {
			/* nothing written on error */
			assert_int_equal(len, 99);
			assert_int_equal(out[0], 0xee);
			continue;
		}
		assert_int_equal(len, t[i].len);
		assert_memory_equal(out, t[i].bytes, len);
	}
}

/* --- `gymhubctl decode hrs --json`: exact output */

static void test_json(void **state)
{
	static const struct {
		const char *hex;
		const char *json;
	} t[] = {
		{"16 4a 12 03",
		 "{\"bpm\":74,\"contact\":\"detected\",\"energy_kj\":null,"
		 "\"rr_1024\":[786],\"rr_ms\":[768],"
		 "\"rr_implausible\":[false]}"},
		{"06 3c",
		 "{\"bpm\":60,\"contact\":\"detected\",\"energy_kj\":null,"
		 "\"rr_1024\":[],\"rr_ms\":[],\"rr_implausible\":[]}"},
		{"04 00",
		 "{\"bpm\":0,\"contact\":\"not-detected\",\"energy_kj\":null,"
		 "\"rr_1024\":[],\"rr_ms\":[],\"rr_implausible\":[]}"},
		{"19 2c 01 10 27 00 04 c8 00",
		 "{\"bpm\":300,\"contact\":\"unsupported\",\"energy_kj\":10000,"
		 "\"rr_1024\":[1024,200],\"rr_ms\":[1000,195],"
		 "\"rr_implausible\":[false,true]}"},
	};
	char buf[HRS_JSON_MAX];
	struct hrs_measurement m;
	uint8_t bytes[16];
	size_t i, len;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		assert_int_equal(
			hrs_hex_decode(t[i].hex, bytes, sizeof(bytes), &len),
			0);
		assert_int_equal(hrs_parse(bytes, len, &m), 0);
		assert_int_equal(hrs_format_json(&m, buf, sizeof(buf)),
				 (int)strlen(t[i].json));
		assert_string_equal(buf, t[i].json);
	}
	/* too small a buffer: an error and an empty string, never a stub */
	assert_int_equal(hrs_format_json(&m, buf, 20), -ENOBUFS);
	assert_string_equal(buf, "");
}

/* The worst case fits HRS_JSON_MAX. */
static void test_json_longest(void **state)
{
	static struct hrs_measurement m;
	static char buf[HRS_JSON_MAX];
	int r;

	memset(&m, 0xff, sizeof(m));
	m.contact = HRS_CONTACT_NOT_DETECTED;
	m.has_energy = true;
	m.n_rr = HRS_MAX_RR;
	r = hrs_format_json(&m, buf, sizeof(buf));
	assert_true(r > 0);
	assert_int_equal((size_t)r, strlen(buf));
	assert_true((size_t)r < sizeof(buf));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packets),
		cmocka_unit_test(test_every_flag_combination),
		cmocka_unit_test(test_each_truncation),
		cmocka_unit_test(test_longest_value),
		cmocka_unit_test(test_rr_ms),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_battery),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_longest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
