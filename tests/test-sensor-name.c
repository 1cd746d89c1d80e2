/* SPDX-License-Identifier: MIT */
/*
 * test-sensor-name.c - what is left of a sensor's advertised name once it
 * is safe to log, show and export: names as real sensors send them kept
 * as they are, and names that would forge a log line, drive a terminal or
 * reorder text defused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sensor-name.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct name_case {
	const char *what;
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *want;
};

static const struct name_case cases[] = {
	{"a Polar strap", "Polar H10 A1B2C3D4", 0, "Polar H10 A1B2C3D4"},
	{"accents and emoji kept", "Lauf\xc3\xa9 \xf0\x9f\x8f\x83", 0,
	 "Lauf\xc3\xa9 \xf0\x9f\x8f\x83"},
	{"a forged log line", "Strap\n** Message: sensor removed", 0,
	 "Strap ** Message: sensor removed"},
	{"a terminal escape", "\x1b[2J\x1b]0;pwned\x07HRM", 0,
	 "[2J ]0;pwned HRM"},
	{"C1 controls",
	 "A\xc2\x85"
	 "B\xc2\x9b"
	 "C",
	 0, "A B C"},
	{"a bidi override",
	 "Polar \xe2\x80\xae"
	 "01H",
	 0, "Polar 01H"},
	{"line separator",
	 "a\xe2\x80\xa8"
	 "b",
	 0, "a b"},
	{"invalid bytes",
	 "H\xff"
	 "R\xc0\xaf"
	 "M",
	 0, "H\xef\xbf\xbdR\xef\xbf\xbd\xef\xbf\xbdM"},
	{"a surrogate", "x\xed\xa0\x80y", 0,
	 "x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdy"},
	{"cut sequence at the end", "HR\xe2\x82", 0,
	 "HR\xef\xbf\xbd\xef\xbf\xbd"},
	{"NULs inside", "TICKR\0X", 7, "TICKR X"},
	{"spaces collapse and trim", "  Wahoo \t\t TICKR  ", 0, "Wahoo TICKR"},
	{"nothing left", " \r\n\x1b ", 0, ""},
	{"empty", "", 0, ""},
	{"long names cut",
	 "0123456789012345678901234567890123456789"
	 "0123456789ABCDEF",
	 0, "012345678901234567890123456789012345678901234567"},
	/* 47 bytes, then a 2-byte letter that would pass 48: left out */
	{"cut at a character boundary",
	 "01234567890123456789012345678901234567890123456\xc3\xa9", 0,
	 "01234567890123456789012345678901234567890123456"},
};

static void test_cases(void **state)
{
	char out[SENSOR_NAME_MAX + 1];
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct name_case *c = &cases[i];

		n = sensor_name_sanitize(c->in, c->len ? c->len : strlen(c->in),
					 out, sizeof(out));
		if (strcmp(out, c->want) != 0)
			fail_msg("%s: got '%s', want '%s'", c->what, out,
				 c->want);
		assert_int_equal(n, strlen(c->want));
	}
}

/* A small buffer bounds the name too, still on a character boundary. */
static void test_small_buffer(void **state)
{
	char out[6];

	assert_int_equal(sensor_name_sanitize("ab\xe2\x82\xac"
					      "cd",
					      7, out, sizeof(out)),
			 5);
	assert_string_equal(out, "ab\xe2\x82\xac");
	assert_int_equal(
		sensor_name_sanitize("abc\xe2\x82\xac", 6, out, sizeof(out)),
		3);
	assert_string_equal(out, "abc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_small_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
