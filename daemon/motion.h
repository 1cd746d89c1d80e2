/* SPDX-License-Identifier: MIT */
/*
 * motion.h - one accelerometer sample, the unit every motion decoder
 * (Polar PMD, the gymhub IMU profile) produces and the rep and hold
 * detectors consume. Pure data: any thread.
 */
#ifndef GYMHUB_MOTION_H
#define GYMHUB_MOTION_H

#include <stdint.h>

/*
 * Acceleration in g (1 g = 9.80665 m/s^2) along the sensor's own axes,
 * gravity included, as the sensor measured it: the detectors must not
 * assume any mounting or orientation. @t_us: microseconds on the
 * sensor's clock when it has one (PMD, IMU profile), otherwise on the
 * hub's CLOCK_MONOTONIC; only differences matter, and they may be
 * irregular.
 */
struct motion_sample {
	int64_t t_us;
	float x, y, z;
};

#endif
