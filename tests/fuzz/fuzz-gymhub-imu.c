/* SPDX-License-Identifier: MIT */
/*
 * fuzz-gymhub-imu.c - libFuzzer target: gymhub IMU notifications as
 * outside bytes (a home-made sensor, or anything pretending to be one).
 * Beyond "no crash, no UB": a packet is accepted exactly when its length
 * is header + n samples with n, version and interval valid, the samples
 * are the bytes, and their times go forward.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "gymhub-imu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct motion_sample s[GYMHUB_IMU_MAX_SAMPLES];
	struct gymhub_imu_packet p;
	static int64_t epoch;
	static uint32_t last;
	bool valid;
	size_t i, n;

	valid = size >= GYMHUB_IMU_HEADER + GYMHUB_IMU_SAMPLE &&
		data[0] == GYMHUB_IMU_VERSION && data[1] >= 1 &&
		data[1] <= GYMHUB_IMU_MAX_SAMPLES &&
		size == GYMHUB_IMU_HEADER +
				(size_t)data[1] * GYMHUB_IMU_SAMPLE &&
		(data[8] | data[9]);
	if (gymhub_imu_parse(data, size, &p) < 0) {
		assert(!valid);
		return 0;
	}
	assert(valid);
	n = gymhub_imu_samples(&p, &epoch, &last, s);
	assert(n == data[1]);
	for (i = 0; i < n; i++) {
		const uint8_t *b =
			data + GYMHUB_IMU_HEADER + i * GYMHUB_IMU_SAMPLE;

		assert(p.mg[i][0] == (int16_t)(b[0] | b[1] << 8));
		assert(i == 0 || s[i].t_us > s[i - 1].t_us);
	}
	return 0;
}
