/* SPDX-License-Identifier: MIT */
/*
 * hold-detect.c - still after moving, and movement that breaks it.
 *
 * Per sample, on a uniform grid (motion-resample.c):
 *  1. posture: the acceleration through two cascaded 1.5 Hz Butterworth
 *     sections (a 4th-order Linkwitz-Riley low-pass, -24 dB/octave): what
 *     remains is gravity as the posture holds it plus voluntary movement.
 *     Tremor (physiological 8-12 Hz, a fatigued wall sit 4-8 Hz) comes out
 *     at 2% or less from 4 Hz up;
 *  2. tremor and noise: the RMS above 4 Hz. The still and break
 *     thresholds never go below what the low-pass could let through;
 *  3. still: the posture's distance from its own last half second;
 *  4. held position: the posture at the hold's start, following a slow
 *     creep while the posture is close to it; the distance from it fills
 *     a leaky bucket that breaks the hold when full (see hold-detect.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "biquad.h"
#include "hold-detect.h"
#include "motion-resample.h"

#define GRID_MIN_HZ 25.0f
#define GRID_MAX_HZ 50.0f
#define MAX_GAP_US  INT64_C(1000000)
/* Voluntary posture changes; see the top. */
#define POSTURE_LP_HZ 1.5f
/* Tremor band: above voluntary movement. */
#define TREMOR_HP_HZ 4.0f
/* Memory of the tremor estimate. */
#define TREMOR_TAU_S 2.0f
/* "Still" compares the posture with its last fifth of a second. */
#define RECENT_TAU_S 0.2f
/*
 * 0.025 g is 1.4 degrees of tilt, or a 0.5 cm sway at 1 Hz: a body held
 * still varies less, one moving varies more.
 */
#define STILL_G 0.025f
/* 0.15 g: a tilt of 8.6 degrees or a sustained push; a real change. */
#define BREAK_G 0.15f
/*
 * The low-pass leaks at most 2% of the tremor (4 Hz and up), 3% of its
 * RMS at a peak; thresholds stay 5 times above that.
 */
#define TREMOR_SHARE 0.15f
/* The bucket drains at a quarter of real time. */
#define BUCKET_DRAIN 0.25f
/* Creep: following 5 s back keeps a slow sag (< ~2 deg/s) in the hold. */
#define CREEP_TAU_S 5.0f

struct hold_detect {
	struct motion_resample rs;
	bool start_if_still;
	float dt;
	float a_tremor, a_recent, a_creep;
	struct biquad lp_proto, hp_proto;

	struct biquad lp[3][2];
	struct biquad hp[3];
	float tremor2; /* mean square above 4 Hz, g^2 */
	float recent[3];
	float ref[3];	  /* the held posture */
	float cand[3];	  /* the posture where stillness began */
	int64_t delay_us; /* group delay of the posture filter */

	bool seen, moved, holding;
	int64_t still_since; /* -1: not still */
	float bucket;	     /* seconds */
	int64_t excursion_us;
	int64_t start_us, last_us, last_held_us;
	int64_t first_us; /* the first sample since the reset */
	int64_t now_us;

	struct hold_event queue[HOLD_DETECT_QUEUE];
	size_t q_head, q_len;
};

int hold_detect_new(const struct hold_detect_config *cfg,
		    struct hold_detect **ret)
{
	float rate = cfg && cfg->rate_hz != 0.0f ? cfg->rate_hz : 50.0f;
	struct hold_detect *hd;
	float grid;
	int r;

	if (!(rate >= 1.0f && rate <= 1000.0f))
		return -EINVAL;
	grid = rate < GRID_MIN_HZ   ? GRID_MIN_HZ
	       : rate > GRID_MAX_HZ ? GRID_MAX_HZ
				    : rate;
	hd = calloc(1, sizeof(*hd));
	if (!hd)
		return -ENOMEM;
	r = motion_resample_init(&hd->rs, grid, 0.4f * grid, MAX_GAP_US);
	if (r == 0)
		r = biquad_design_lowpass(grid, POSTURE_LP_HZ, &hd->lp_proto);
	if (r == 0)
		r = biquad_design_highpass(grid, TREMOR_HP_HZ, &hd->hp_proto);
	if (r < 0) {
		free(hd);
		return r;
	}
	hd->start_if_still = cfg && cfg->start_if_still;
	hd->dt = motion_resample_step_s(&hd->rs);
	hd->a_tremor = 1.0f - expf(-hd->dt / TREMOR_TAU_S);
	hd->a_recent = 1.0f - expf(-hd->dt / RECENT_TAU_S);
	hd->a_creep = 1.0f - expf(-hd->dt / CREEP_TAU_S);
	/* Each Butterworth section delays by sqrt(2) / (2 pi fc) near DC. */
	hd->delay_us =
		(int64_t)(2.0 * M_SQRT2 / (2.0 * M_PI * POSTURE_LP_HZ) * 1e6);
	hold_detect_reset(hd);
	*ret = hd;
	return 0;
}

void hold_detect_free(struct hold_detect *hd)
{
	free(hd);
}

void hold_detect_reset(struct hold_detect *hd)
{
	motion_resample_reset(&hd->rs);
	hd->tremor2 = 0.0f;
	hd->seen = hd->moved = hd->holding = false;
	hd->still_since = -1;
	hd->bucket = 0.0f;
	hd->start_us = hd->last_us = hd->last_held_us = 0;
	hd->q_head = hd->q_len = 0;
}

/* After a reset or a dropout: the filters start from this sample. */
static void settle(struct hold_detect *hd, const struct motion_sample *s)
{
	const float v[3] = {s->x, s->y, s->z};
	int i, k;

	for (i = 0; i < 3; i++) {
		for (k = 0; k < 2; k++) {
			hd->lp[i][k] = hd->lp_proto;
			biquad_settle(&hd->lp[i][k], v[i]);
		}
		hd->hp[i] = hd->hp_proto;
		biquad_settle(&hd->hp[i], v[i]);
		hd->recent[i] = v[i];
		if (!hd->holding)
			hd->ref[i] = v[i];
	}
	hd->still_since = -1;
}

static void emit(struct hold_detect *hd, enum hold_event_type type, int64_t t,
		 int64_t held)
{
	struct hold_event *e;

	if (hd->q_len == HOLD_DETECT_QUEUE) {
		hd->q_head = (hd->q_head + 1) % HOLD_DETECT_QUEUE;
		hd->q_len--;
	}
	e = &hd->queue[(hd->q_head + hd->q_len) % HOLD_DETECT_QUEUE];
	hd->q_len++;
	*e = (struct hold_event){
		.type = type,
		.t_us = t,
		.detected_us = hd->now_us,
		.held_us = held,
	};
}

static float dist(const float a[3], const float b[3])
{
	float x = a[0] - b[0], y = a[1] - b[1], z = a[2] - b[2];

	return sqrtf(x * x + y * y + z * z);
}

static void not_holding(struct hold_detect *hd, const float post[3], float m,
			float still, int64_t t)
{
	/* Moving now, or drifting away from where stillness began. */
	if (m >= still ||
	    (hd->still_since >= 0 && dist(post, hd->cand) >= 2.0f * still)) {
		hd->moved = true;
		hd->still_since = -1;
		return;
	}
	if (hd->still_since < 0) {
		hd->still_since = t;
		memcpy(hd->cand, post, sizeof(hd->cand));
	}
	if (t - hd->still_since < (int64_t)(HOLD_DETECT_STILL_S * 1e6) ||
	    !(hd->moved || hd->start_if_still))
		return;
	hd->holding = true;
	/* The filter saw the stop this much after it happened. */
	hd->start_us = hd->still_since - hd->delay_us;
	if (hd->start_us < hd->first_us)
		hd->start_us = hd->first_us;
	hd->bucket = 0.0f;
	memcpy(hd->ref, post, sizeof(hd->ref));
	emit(hd, HOLD_STARTED, hd->start_us, 0);
}

static void holding(struct hold_detect *hd, const float post[3], float still,
		    float brk, int64_t t)
{
	float d = dist(post, hd->ref);
	int i;

	if (d > brk) {
		if (hd->bucket == 0.0f)
			hd->excursion_us = t - hd->delay_us;
		hd->bucket += hd->dt;
	} else {
		hd->bucket = fmaxf(0.0f, hd->bucket - BUCKET_DRAIN * hd->dt);
		for (i = 0; i < 3; i++)
			hd->ref[i] += hd->a_creep * (post[i] - hd->ref[i]);
	}
	if (hd->bucket < (float)HOLD_DETECT_BREAK_S)
		return;
	hd->holding = false;
	hd->moved = true;
	hd->still_since = -1;
	hd->last_held_us = hd->excursion_us - hd->start_us;
	emit(hd, HOLD_BROKEN, hd->excursion_us, hd->last_held_us);
}

static void grid_point(struct hold_detect *hd, const struct motion_sample *g)
{
	const float v[3] = {g->x, g->y, g->z};
	float post[3], hf = 0.0f, m, still, brk, e;
	int i;

	for (i = 0; i < 3; i++) {
		post[i] = biquad_step(&hd->lp[i][1],
				      biquad_step(&hd->lp[i][0], v[i]));
		e = biquad_step(&hd->hp[i], v[i]);
		hf += e * e;
		hd->recent[i] += hd->a_recent * (post[i] - hd->recent[i]);
	}
	hd->tremor2 += hd->a_tremor * (hf - hd->tremor2);
	m = dist(post, hd->recent);
	still = fmaxf(STILL_G, TREMOR_SHARE * sqrtf(hd->tremor2));
	brk = fmaxf(BREAK_G, 2.0f * still);
	hd->last_us = g->t_us;
	if (hd->holding)
		holding(hd, post, still, brk, g->t_us);
	else
		not_holding(hd, post, m, still, g->t_us);
}

size_t hold_detect_push(struct hold_detect *hd, const struct motion_sample *s,
			size_t n, struct hold_event *out, size_t max_out)
{
	struct motion_sample g;
	enum motion_resample_result res;
	size_t i, k;

	for (i = 0; i < n; i++) {
		res = motion_resample_feed(&hd->rs, &s[i]);
		if (res == MOTION_RESAMPLE_REJECTED)
			continue;
		hd->now_us = s[i].t_us;
		if (!hd->seen) {
			hd->seen = true;
			hd->first_us = s[i].t_us;
		}
		if (res == MOTION_RESAMPLE_RESTART)
			settle(hd, &s[i]);
		while (motion_resample_next(&hd->rs, &g))
			grid_point(hd, &g);
	}
	for (k = 0; k < max_out && hd->q_len > 0; k++) {
		out[k] = hd->queue[hd->q_head];
		hd->q_head = (hd->q_head + 1) % HOLD_DETECT_QUEUE;
		hd->q_len--;
	}
	return k;
}

bool hold_detect_holding(const struct hold_detect *hd)
{
	return hd->holding;
}

int64_t hold_detect_held_us(const struct hold_detect *hd)
{
	return hd->holding ? hd->last_us - hd->start_us : hd->last_held_us;
}
