/* SPDX-License-Identifier: MIT */
/*
 * hr-zone.c - heart-rate zones, in integer arithmetic: per mille of the
 * range, so the band edges are exact (a 190 max gives zone 5 at 171).
 */
#include "hr-zone.h"

unsigned int hr_zone(uint16_t bpm, uint16_t max_bpm, uint16_t rest_bpm)
{
	uint32_t range, permille;

	if (bpm == 0 || max_bpm == 0 || rest_bpm >= max_bpm)
		return 0;
	if (bpm <= rest_bpm)
		return 1;
	range = (uint32_t)max_bpm - rest_bpm;
	permille = ((uint32_t)bpm - rest_bpm) * 1000u / range;
	if (permille < 600)
		return 1;
	if (permille >= 900)
		return 5;
	return permille / 100 - 4; /* 600..899 -> 2..4 */
}
