/* SPDX-License-Identifier: MIT */
/*
 * gymhub-imu.c - see gymhub-imu.h and docs/gymhub-imu.md.
 */
#include <errno.h>
#include <string.h>

#include "gymhub-imu.h"

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int gymhub_imu_parse(const uint8_t *buf, size_t len,
		     struct gymhub_imu_packet *ret)
{
	struct gymhub_imu_packet p;
	size_t i;

	if (!buf || len < GYMHUB_IMU_HEADER + GYMHUB_IMU_SAMPLE ||
	    buf[0] != GYMHUB_IMU_VERSION)
		return -EBADMSG;
	p.n = buf[1];
	if (p.n == 0 || p.n > GYMHUB_IMU_MAX_SAMPLES ||
	    len != GYMHUB_IMU_HEADER + (size_t)p.n * GYMHUB_IMU_SAMPLE)
		return -EBADMSG;
	p.seq = le16(buf + 2);
	p.t0_us = (uint32_t)buf[4] | (uint32_t)buf[5] << 8 |
		  (uint32_t)buf[6] << 16 | (uint32_t)buf[7] << 24;
	p.interval_us = le16(buf + 8);
	if (p.interval_us == 0)
		return -EBADMSG;
	for (i = 0; i < p.n; i++) {
		const uint8_t *s =
			buf + GYMHUB_IMU_HEADER + i * GYMHUB_IMU_SAMPLE;

		p.mg[i][0] = (int16_t)le16(s);
		p.mg[i][1] = (int16_t)le16(s + 2);
		p.mg[i][2] = (int16_t)le16(s + 4);
	}
	memcpy(ret, &p, sizeof(p));
	return 0;
}

uint16_t gymhub_imu_lost(uint16_t prev, uint16_t seq)
{
	return (uint16_t)(seq - prev - 1);
}

size_t gymhub_imu_samples(const struct gymhub_imu_packet *p, int64_t *epoch_us,
			  uint32_t *last_t0, struct motion_sample *out)
{
	size_t i;

	/* t0 went backwards: the 32-bit microsecond clock wrapped (every
	 * 71.6 minutes) */
	if (p->t0_us < *last_t0)
		*epoch_us += INT64_C(1) << 32;
	*last_t0 = p->t0_us;
	for (i = 0; i < p->n; i++) {
		out[i].t_us =
			*epoch_us + p->t0_us + (int64_t)i * p->interval_us;
		out[i].x = p->mg[i][0] / 1000.0f;
		out[i].y = p->mg[i][1] / 1000.0f;
		out[i].z = p->mg[i][2] / 1000.0f;
	}
	return p->n;
}
