/* SPDX-License-Identifier: MIT */
/*
 * gymhub-imu.h - the gymhub IMU GATT profile: an open, minimal way for a
 * home-made sensor (an ESP32 or nRF52 with any accelerometer) to stream
 * acceleration to the hub. The byte layout is in docs/gymhub-imu.md.
 *
 * Pure: no GLib, no allocation; any thread.
 */
#ifndef GYMHUB_GYMHUB_IMU_H
#define GYMHUB_GYMHUB_IMU_H

#include <stddef.h>
#include <stdint.h>

#include "motion.h"

#define GYMHUB_IMU_SERVICE_UUID "7a8e0001-5bd1-4b8e-9f43-6b1c2c0d3a10"
#define GYMHUB_IMU_SAMPLES_UUID "7a8e0002-5bd1-4b8e-9f43-6b1c2c0d3a10"

#define GYMHUB_IMU_VERSION 1
#define GYMHUB_IMU_HEADER  10
#define GYMHUB_IMU_SAMPLE  6 /* x, y, z: int16 little-endian, mg */
/* A 247-byte ATT MTU leaves 244 bytes: 39 samples. */
#define GYMHUB_IMU_MAX_SAMPLES 39

struct gymhub_imu_packet {
	uint16_t seq;	      /* +1 per notification, wraps */
	uint32_t t0_us;	      /* sensor clock at the first sample, wraps */
	uint16_t interval_us; /* between samples */
	uint8_t n;	      /* 1..GYMHUB_IMU_MAX_SAMPLES */
	int16_t mg[GYMHUB_IMU_MAX_SAMPLES][3];
};

/*
 * Decodes one notification. 0, or -EBADMSG (nothing written) for a
 * packet that is not one: too short, another version, a length that is
 * not header + n samples, n = 0, interval 0.
 */
int gymhub_imu_parse(const uint8_t *buf, size_t len,
		     struct gymhub_imu_packet *ret);

/*
 * Notifications lost between two sequence numbers (0 when @seq follows
 * @prev), across the wrap at 65535.
 */
uint16_t gymhub_imu_lost(uint16_t prev, uint16_t seq);

/*
 * The packet's samples in g, on a clock that keeps counting across the
 * 32-bit wrap of t0_us: *@epoch_us carries the unwrapping from one packet
 * to the next (start it at 0; *@last_t0 likewise). Returns p->n.
 */
size_t gymhub_imu_samples(const struct gymhub_imu_packet *p, int64_t *epoch_us,
			  uint32_t *last_t0, struct motion_sample *out);

#endif
