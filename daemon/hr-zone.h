/* SPDX-License-Identifier: MIT */
/*
 * hr-zone.h - heart-rate zone 1 to 5 from the runner's maximum and
 * resting heart rate. Pure: any thread.
 *
 * The five zones are the common 10 % bands: zone 1 below 60 %, zone 2
 * 60-70 %, zone 3 70-80 %, zone 4 80-90 %, zone 5 from 90 %. With a
 * resting heart rate the percentage is of the heart-rate reserve
 * (Karvonen: (bpm - rest) / (max - rest)), which fits trained runners,
 * whose resting rate is low, better than a plain percentage of the
 * maximum, used when no resting rate is set.
 */
#ifndef GYMHUB_HR_ZONE_H
#define GYMHUB_HR_ZONE_H

#include <stdint.h>

/* 0 when @bpm or @max_bpm is 0 (no heart rate, or zones not set up), or
 * when @rest_bpm is not below @max_bpm; @rest_bpm 0: not set. */
unsigned int hr_zone(uint16_t bpm, uint16_t max_bpm, uint16_t rest_bpm);

#endif
