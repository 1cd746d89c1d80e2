/* SPDX-License-Identifier: MIT */
/*
 * rep-detect.c - repetition counting along the dominant axis of motion.
 *
 * Per sample, on a uniform grid (motion-resample.c):
 *  1. gravity removal: a slow low-pass follows gravity (and the slow drift
 *     of posture); the rest is movement, including the part of gravity
 *     that swings with the limb, which for a wrist or a forearm is most of
 *     the signal and turns around exactly where the limb does;
 *  2. a 2.5 Hz low-pass keeps voluntary movement and drops tremor (8-12
 *     Hz) and impacts;
 *  3. the dominant axis: the principal eigenvector of the covariance of
 *     the last few seconds (exponential forgetting), followed by one
 *     power-iteration step per sample from the previous axis, which also
 *     keeps its sign from flipping; the movement is projected on it;
 *  4. the period of the movement, from the autocorrelation of the 3-D
 *     signal (motion-period.c), for the refractory time and the memory of
 *     the amplitude;
 *  5. a Schmitt trigger with thresholds relative to the recent amplitude
 *     on each side (never below a floor well above sensor noise) turns
 *     the projection into alternating excursions. The side of the first
 *     excursion after a reset arms; each excursion to the other side is
 *     one rep, counted at its extremum as soon as the signal has turned,
 *     or has all but stopped, whichever comes first.
 *
 * Why "the other side of the first": a rep from rest and back to rest
 * shows up either as acceleration (+ - +: the limb pushes off, brakes at
 * the turnaround, brakes at rest; n reps give n+1 "+" lobes and n "-") or
 * as swinging gravity (+ -: one lobe per half; n of each). Counting the
 * lobes on the side opposite to the first one gives n in both cases.
 *
 * Getting ready (unracking, lifting the dumbbell into place) comes before
 * the first rep and is often counted. Until a rhythm is established (3
 * reps and a clear period), an excursion 2.5 times larger than anything
 * before it starts the set again from there: the count falls back to 0.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "biquad.h"
#include "motion-period.h"
#include "motion-resample.h"
#include "rep-detect.h"

/* Reps live below 3 Hz: a 25-50 Hz grid is ample. */
#define GRID_MIN_HZ 25.0f
#define GRID_MAX_HZ 50.0f
/* Silences longer than this are dropouts, not slow sampling. */
#define MAX_GAP_US INT64_C(1000000)
/*
 * Gravity follower: 1.5 s passes the 0.125-1.4 Hz of reps (0.7-8 s) while
 * following a new posture within a few seconds.
 */
#define GRAVITY_TAU_S 1.5f
/*
 * Voluntary movement: the fastest reps (0.7 s) brake into a turnaround
 * over about 0.2 s, which needs this bandwidth to be located in time.
 */
#define MOVE_LP_HZ 2.5f
/* Memory of the axis: a couple of reps. */
#define AXIS_TAU_S 3.0f
/* Memory of the amplitude: 4 s, or 2.5 periods once the period is known. */
#define ENVELOPE_TAU_S	 4.0f
#define ENVELOPE_PERIODS 2.5f
/*
 * An excursion counts when it passes this share of the recent amplitude
 * on its side: a rep at half height counts, a wobble near a turnaround or
 * a rest between reps does not.
 */
#define HYSTERESIS 0.45f
/*
 * Smallest excursion that can be a rep, in g along the axis. MEMS noise is
 * ~1 mg in this band and a slow 30 cm lift peaks near 0.02 g, while a
 * limb swinging 10 degrees moves gravity by 0.17 g.
 */
#define FLOOR_G 0.02f
/*
 * Noise: the mean square above 5 Hz (no voluntary movement there), with
 * a 2 s memory. White noise reaches the 2.5 Hz band at about half its
 * per-axis RMS; twice that RMS keeps the floor 4 noise sigmas out.
 */
#define NOISE_HP_HZ  5.0f
#define NOISE_TAU_S  2.0f
#define NOISE_SIGMAS 2.0f
/*
 * A turn is certain once the signal has fallen back 2% of the amplitude,
 * or its speed has dropped to a fifth of its peak: a movement that comes
 * to rest rather than reversing (a minimum-jerk move has then covered 99%
 * of its way).
 */
#define TURN_SHARE  0.02f
#define TURN_MIN_G  0.002f
#define SLOPE_SHARE 0.2f
/*
 * Two counted turnarounds are at least 70% of a period apart: reps vary
 * in pace by less than that, while a secondary lobe of the same rep comes
 * earlier. Before the period is known, 70% of the shortest rep (0.7 s).
 */
#define REFRACTORY_US	 INT64_C(490000)
#define REFRACTORY_SHARE 0.7f
/* Periods, and how sure of one the autocorrelation must be. */
#define PERIOD_MIN_S	  0.6f
#define PERIOD_MAX_S	  10.0f
#define PERIOD_WINDOW_S	  10.0f
#define PERIOD_CONFIDENCE 0.3f
/* Getting ready vs the set: see the top. */
#define RESTART_RATIO	  2.5f
#define ESTABLISHED_COUNT 3

enum side {
	SIDE_NONE,
	SIDE_POS,
	SIDE_NEG,
};

struct rep_detect {
	struct motion_resample rs;
	struct motion_period mp;
	float dt; /* grid step, s */
	float a_gravity, a_axis, a_noise;
	struct biquad lp_proto, hp_proto;

	/* Steps 1-3, per axis. */
	float gravity[3];
	float warm; /* grid points since the filters settled */
	struct biquad lp[3], hp[3];
	float noise2; /* g^2, summed over the axes */
	float cov[6]; /* xx yy zz xy xz yz */
	float axis[3];
	float prev_p;

	/* Step 5. */
	float env_pos, env_neg; /* recent amplitude on each side, >= 0 */
	enum side side, arm_side;
	bool counted; /* the current excursion was dealt with */
	float peak;   /* p at the current excursion's extremum */
	int64_t peak_us;
	float max_slope; /* fastest approach to it, g/s */
	float arm_peak;	 /* extremum of the last arming excursion */
	int64_t arm_peak_us;
	float biggest; /* largest |extremum| since the (re)start */
	int64_t last_rep_us;
	uint32_t count;
	bool established; /* a rhythm of reps: no more restarts */
	int64_t now_us;	  /* the raw sample being processed */

	/* Events not yet handed out. */
	struct rep_event queue[REP_DETECT_QUEUE];
	size_t q_head, q_len;
};

int rep_detect_new(const struct rep_detect_config *cfg, struct rep_detect **ret)
{
	float rate = cfg && cfg->rate_hz != 0.0f ? cfg->rate_hz : 50.0f;
	struct rep_detect *rd;
	float grid;
	int r;

	if (!(rate >= 1.0f && rate <= 1000.0f))
		return -EINVAL;
	grid = fminf(fmaxf(rate, GRID_MIN_HZ), GRID_MAX_HZ);
	rd = calloc(1, sizeof(*rd));
	if (!rd)
		return -ENOMEM;
	/* Anti-alias corner well above movement, below the grid's Nyquist. */
	r = motion_resample_init(&rd->rs, grid, 0.4f * grid, MAX_GAP_US);
	if (r == 0)
		r = biquad_design_lowpass(grid, MOVE_LP_HZ, &rd->lp_proto);
	if (r == 0)
		r = biquad_design_highpass(grid, NOISE_HP_HZ, &rd->hp_proto);
	if (r == 0)
		r = motion_period_init(&rd->mp, grid, PERIOD_MIN_S,
				       PERIOD_MAX_S, PERIOD_WINDOW_S);
	if (r < 0) {
		free(rd);
		return r;
	}
	rd->dt = motion_resample_step_s(&rd->rs);
	rd->a_gravity = 1.0f - expf(-rd->dt / GRAVITY_TAU_S);
	rd->a_axis = 1.0f - expf(-rd->dt / AXIS_TAU_S);
	rd->a_noise = 1.0f - expf(-rd->dt / NOISE_TAU_S);
	rep_detect_reset(rd);
	*ret = rd;
	return 0;
}

void rep_detect_free(struct rep_detect *rd)
{
	free(rd);
}

void rep_detect_reset(struct rep_detect *rd)
{
	motion_resample_reset(&rd->rs);
	motion_period_reset(&rd->mp);
	memset(rd->cov, 0, sizeof(rd->cov));
	rd->noise2 = 0.0f;
	/* Any unit start will do: the first movement pulls it round. */
	rd->axis[0] = rd->axis[1] = rd->axis[2] = 0.57735027f;
	rd->prev_p = 0.0f;
	rd->env_pos = rd->env_neg = 0.0f;
	rd->side = rd->arm_side = SIDE_NONE;
	rd->counted = false;
	rd->peak = rd->arm_peak = rd->max_slope = rd->biggest = 0.0f;
	rd->peak_us = rd->arm_peak_us = rd->last_rep_us = 0;
	rd->count = 0;
	rd->established = false;
	rd->q_head = rd->q_len = 0;
}

/* After a reset or a dropout: the filters start from this sample. */
static void settle(struct rep_detect *rd, const struct motion_sample *s)
{
	const float v[3] = {s->x, s->y, s->z};
	int i;

	rd->warm = 0.0f;
	rd->prev_p = 0.0f;
	for (i = 0; i < 3; i++) {
		rd->gravity[i] = v[i];
		rd->lp[i] = rd->lp_proto;
		biquad_settle(&rd->lp[i], 0.0f);
		rd->hp[i] = rd->hp_proto;
		biquad_settle(&rd->hp[i], v[i]);
	}
}

static float period_s(const struct rep_detect *rd)
{
	float conf, period = motion_period_get(&rd->mp, &conf);

	return conf >= PERIOD_CONFIDENCE ? period : 0.0f;
}

static bool established(struct rep_detect *rd)
{
	if (!rd->established)
		rd->established =
			rd->count >= ESTABLISHED_COUNT && period_s(rd) > 0.0f;
	return rd->established;
}

static void emit(struct rep_detect *rd)
{
	struct rep_event *e;
	int64_t dur;

	if (rd->count == 0)
		/* The arming extremum was half a rep before. */
		dur = 2 * (rd->peak_us - rd->arm_peak_us);
	else
		dur = rd->peak_us - rd->last_rep_us;
	rd->count++;
	rd->last_rep_us = rd->peak_us;
	established(rd);
	if (rd->q_len == REP_DETECT_QUEUE) {
		rd->q_head = (rd->q_head + 1) % REP_DETECT_QUEUE;
		rd->q_len--;
	}
	e = &rd->queue[(rd->q_head + rd->q_len) % REP_DETECT_QUEUE];
	rd->q_len++;
	*e = (struct rep_event){
		.t_us = rd->peak_us,
		.detected_us = rd->now_us,
		.duration_us = dur,
		.count = rd->count,
		.amplitude_g = fabsf(rd->peak - rd->arm_peak),
	};
}

static void enter(struct rep_detect *rd, enum side s, float p, int64_t t)
{
	/* The arming excursion is over: keep its extremum for the rep. */
	if (rd->side != SIDE_NONE && rd->side == rd->arm_side) {
		rd->arm_peak = rd->peak;
		rd->arm_peak_us = rd->peak_us;
	}
	if (rd->side != SIDE_NONE && fabsf(rd->peak) > rd->biggest)
		rd->biggest = fabsf(rd->peak);
	rd->side = s;
	if (rd->arm_side == SIDE_NONE)
		rd->arm_side = s;
	rd->counted = false;
	rd->peak = p;
	rd->peak_us = t;
	rd->max_slope = 0.0f;
}

static int64_t refractory_us(const struct rep_detect *rd)
{
	int64_t r = (int64_t)(REFRACTORY_SHARE * period_s(rd) * 1e6f);

	return r > REFRACTORY_US ? r : REFRACTORY_US;
}

/* Step 5, on the projection @p at grid time @t. */
static void excursions(struct rep_detect *rd, float p, int64_t t)
{
	float period = period_s(rd), tau = ENVELOPE_TAU_S, keep, sgn, slope;
	float env, floor_g;

	if (ENVELOPE_PERIODS * period > tau)
		tau = ENVELOPE_PERIODS * period;
	keep = expf(-rd->dt / tau);
	rd->env_pos = fmaxf(p, rd->env_pos * keep);
	rd->env_neg = fmaxf(-p, rd->env_neg * keep);
	floor_g = fmaxf(FLOOR_G, NOISE_SIGMAS * sqrtf(rd->noise2 / 3.0f));
	if (p > fmaxf(floor_g, HYSTERESIS * rd->env_pos) &&
	    rd->side != SIDE_POS)
		enter(rd, SIDE_POS, p, t);
	else if (-p > fmaxf(floor_g, HYSTERESIS * rd->env_neg) &&
		 rd->side != SIDE_NEG)
		enter(rd, SIDE_NEG, p, t);
	if (rd->side == SIDE_NONE)
		return;
	sgn = rd->side == SIDE_POS ? 1.0f : -1.0f;
	if (sgn * p > RESTART_RATIO * rd->biggest && rd->biggest > 0.0f &&
	    !established(rd)) {
		/* What came before was getting ready: the set starts here. */
		rd->count = 0;
		rd->q_len = 0;
		rd->biggest = 0.0f;
		rd->arm_side = rd->side;
		rd->counted = false;
	}
	if (rd->counted)
		return;
	slope = sgn * (p - rd->prev_p) / rd->dt;
	rd->max_slope = fmaxf(rd->max_slope, slope);
	env = rd->side == SIDE_POS ? rd->env_pos : rd->env_neg;
	if (sgn * (p - rd->peak) > 0.0f) {
		rd->peak = p;
		rd->peak_us = t;
		if (rd->side == rd->arm_side ||
		    slope > SLOPE_SHARE * rd->max_slope)
			return;
	} else if (rd->side == rd->arm_side ||
		   sgn * (rd->peak - p) < fmaxf(TURN_MIN_G, TURN_SHARE * env)) {
		return;
	}
	rd->counted = true;
	if (rd->count > 0 && rd->peak_us - rd->last_rep_us < refractory_us(rd))
		return;
	emit(rd);
}

static void grid_point(struct rep_detect *rd, const struct motion_sample *g)
{
	const float v[3] = {g->x, g->y, g->z};
	float y[3], w[3], *c = rd->cov, *u = rd->axis, a = rd->a_axis;
	float n, p, ag, hf = 0.0f, e;
	int i;

	/*
	 * Until the follower's memory is full, gravity is the plain mean of
	 * what came since the start, so one noisy first sample is no offset.
	 */
	rd->warm += 1.0f;
	ag = fmaxf(rd->a_gravity, 1.0f / rd->warm);
	for (i = 0; i < 3; i++) {
		y[i] = biquad_step(&rd->lp[i], v[i] - rd->gravity[i]);
		rd->gravity[i] += ag * (v[i] - rd->gravity[i]);
		e = biquad_step(&rd->hp[i], v[i]);
		hf += e * e;
	}
	rd->noise2 += rd->a_noise * (hf - rd->noise2);
	c[0] += a * (y[0] * y[0] - c[0]);
	c[1] += a * (y[1] * y[1] - c[1]);
	c[2] += a * (y[2] * y[2] - c[2]);
	c[3] += a * (y[0] * y[1] - c[3]);
	c[4] += a * (y[0] * y[2] - c[4]);
	c[5] += a * (y[1] * y[2] - c[5]);
	w[0] = c[0] * u[0] + c[3] * u[1] + c[4] * u[2];
	w[1] = c[3] * u[0] + c[1] * u[1] + c[5] * u[2];
	w[2] = c[4] * u[0] + c[5] * u[1] + c[2] * u[2];
	n = sqrtf(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
	/* With no movement at all the axis means nothing: keep the last. */
	if (n > 1e-12f)
		for (i = 0; i < 3; i++)
			u[i] = w[i] / n;
	motion_period_push(&rd->mp, y);
	p = u[0] * y[0] + u[1] * y[1] + u[2] * y[2];
	excursions(rd, p, g->t_us);
	rd->prev_p = p;
}

size_t rep_detect_push(struct rep_detect *rd, const struct motion_sample *s,
		       size_t n, struct rep_event *out, size_t max_out)
{
	struct motion_sample g;
	enum motion_resample_result res;
	size_t i, k;

	for (i = 0; i < n; i++) {
		res = motion_resample_feed(&rd->rs, &s[i]);
		if (res == MOTION_RESAMPLE_REJECTED)
			continue;
		rd->now_us = s[i].t_us;
		if (res == MOTION_RESAMPLE_RESTART)
			settle(rd, &s[i]);
		while (motion_resample_next(&rd->rs, &g))
			grid_point(rd, &g);
	}
	for (k = 0; k < max_out && rd->q_len > 0; k++) {
		out[k] = rd->queue[rd->q_head];
		rd->q_head = (rd->q_head + 1) % REP_DETECT_QUEUE;
		rd->q_len--;
	}
	return k;
}

uint32_t rep_detect_count(const struct rep_detect *rd)
{
	return rd->count;
}
