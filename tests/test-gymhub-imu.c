/* SPDX-License-Identifier: MIT */
/*
 * test-gymhub-imu.c - the gymhub IMU profile decoder against packets
 * written out by hand from docs/gymhub-imu.md.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gymhub-imu.h"

/* The example of docs/gymhub-imu.md: two samples at 50 Hz. */
static const uint8_t example[] = {
	0x01, 0x02,			    /* version 1, 2 samples */
	0x2a, 0x00,			    /* seq 42 */
	0x40, 0x42, 0x0f, 0x00,		    /* t0 1 000 000 us */
	0x20, 0x4e,			    /* 20 000 us apart */
	0xe8, 0x03, 0x00, 0x00, 0x00, 0x00, /* +1000 mg, 0, 0 */
	0x18, 0xfc, 0xf4, 0x01, 0xe8, 0x03, /* -1000, +500, +1000 mg */
};

static void test_example(void **state)
{
	struct motion_sample s[GYMHUB_IMU_MAX_SAMPLES];
	struct gymhub_imu_packet p;
	int64_t epoch = 0;
	uint32_t last = 0;

	assert_int_equal(gymhub_imu_parse(example, sizeof(example), &p), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.seq, 42);
	assert_int_equal(p.t0_us, 1000000);
	assert_int_equal(p.interval_us, 20000);
	assert_int_equal(p.mg[1][0], -1000);
	assert_int_equal(p.mg[1][1], 500);
	assert_int_equal(gymhub_imu_samples(&p, &epoch, &last, s), 2);
	assert_int_equal(s[0].t_us, 1000000);
	assert_int_equal(s[1].t_us, 1020000);
	assert_true(s[0].x == 1.0f && s[0].y == 0.0f);
	assert_true(s[1].x == -1.0f && s[1].y == 0.5f && s[1].z == 1.0f);
}

static void test_rejected(void **state)
{
	struct gymhub_imu_packet p, untouched;
	uint8_t b[sizeof(example) + 6];
	size_t len;

	memset(&untouched, 0x5a, sizeof(untouched));
	p = untouched;
	/* every length but the right ones */
	memcpy(b, example, sizeof(example));
	for (len = 0; len < sizeof(b); len++) {
		if (len == sizeof(example))
			continue;
		assert_int_equal(gymhub_imu_parse(b, len, &p), -EBADMSG);
	}
	b[0] = 2; /* a newer version */
	assert_int_equal(gymhub_imu_parse(b, sizeof(example), &p), -EBADMSG);
	memcpy(b, example, sizeof(example));
	b[1] = 0; /* no samples */
	assert_int_equal(gymhub_imu_parse(b, 10, &p), -EBADMSG);
	memcpy(b, example, sizeof(example));
	b[8] = b[9] = 0; /* no interval */
	assert_int_equal(gymhub_imu_parse(b, sizeof(example), &p), -EBADMSG);
	assert_memory_equal(&p, &untouched, sizeof(p));
}

static void test_sequence_and_wrap(void **state)
{
	struct motion_sample s[GYMHUB_IMU_MAX_SAMPLES];
	struct gymhub_imu_packet p;
	int64_t epoch = 0;
	uint32_t last = 0;

	assert_int_equal(gymhub_imu_lost(41, 42), 0);
	assert_int_equal(gymhub_imu_lost(40, 42), 1);
	assert_int_equal(gymhub_imu_lost(65535, 0), 0);
	assert_int_equal(gymhub_imu_lost(65534, 1), 2);
	/* the 32-bit microsecond clock wraps after 71.6 minutes: time goes
	 * on */
	assert_int_equal(gymhub_imu_parse(example, sizeof(example), &p), 0);
	p.t0_us = 0xfffffff0u;
	gymhub_imu_samples(&p, &epoch, &last, s);
	p.t0_us = 0x10;
	gymhub_imu_samples(&p, &epoch, &last, s);
	assert_int_equal(s[0].t_us, (INT64_C(1) << 32) + 0x10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_rejected),
		cmocka_unit_test(test_sequence_and_wrap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
