/* SPDX-License-Identifier: MIT */
/*
 * motion-stage.c - see motion-stage.h.
 *
 * Samples and mode changes travel in one ring, so a mode change takes
 * effect exactly between the samples queued before and after it: the
 * first sample of a new set never lands in the previous set's count.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hold-detect.h"
#include "motion-stage.h"
#include "rep-detect.h"
#include "ring.h"

/* 4 s of 200 Hz samples: the main loop may be busy that long. */
#define IN_CAPACITY  1024
#define OUT_CAPACITY 64
/* Samples run through a detector per call, from a local batch. */
#define BATCH 32

enum item_kind {
	ITEM_SAMPLE,
	ITEM_MODE,
};

struct item {
	uint32_t kind; /* enum item_kind */
	uint32_t seq;  /* ITEM_MODE: its sequence number */
	uint32_t mode; /* ITEM_MODE: enum motion_mode */
	struct motion_sample s;
};

struct motion_stage {
	struct ring *in, *out;
	int wake_fd;			  /* main -> thread */
	int ready_fd;			  /* thread -> main */
	uint32_t next_seq;		  /* main */
	atomic_uint_fast64_t dropped_out; /* thread */
	uint64_t dropped_in;		  /* main */

	/* the thread's */
	struct rep_detect *reps;
	struct hold_detect *hold;
	enum motion_mode mode;
	uint32_t seq;
};

static void efd_signal(int fd)
{
	uint64_t one = 1;
	ssize_t n = write(fd, &one, sizeof(one));

	(void)n;
}

static void efd_clear(int fd)
{
	uint64_t v;
	ssize_t n = read(fd, &v, sizeof(v));

	(void)n;
}

int motion_stage_new(float rate_hz, struct motion_stage **ret)
{
	struct rep_detect_config rc = {.rate_hz = rate_hz};
	/* at a hold's cue the runner may already be in position */
	struct hold_detect_config hc = {.rate_hz = rate_hz,
					.start_if_still = true};
	struct motion_stage *ms;
	int r;

	ms = calloc(1, sizeof(*ms));
	if (!ms)
		return -ENOMEM;
	ms->wake_fd = ms->ready_fd = -1;
	atomic_init(&ms->dropped_out, 0);
	r = ring_new(sizeof(struct item), IN_CAPACITY, &ms->in);
	if (r == 0)
		r = ring_new(sizeof(struct motion_event), OUT_CAPACITY,
			     &ms->out);
	if (r == 0)
		r = rep_detect_new(&rc, &ms->reps);
	if (r == 0)
		r = hold_detect_new(&hc, &ms->hold);
	if (r == 0) {
		ms->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ms->ready_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (ms->wake_fd < 0 || ms->ready_fd < 0)
			r = -errno;
	}
	if (r < 0) {
		motion_stage_free(ms);
		return r;
	}
	*ret = ms;
	return 0;
}

void motion_stage_free(struct motion_stage *ms)
{
	if (!ms)
		return;
	if (ms->wake_fd >= 0)
		close(ms->wake_fd);
	if (ms->ready_fd >= 0)
		close(ms->ready_fd);
	rep_detect_free(ms->reps);
	hold_detect_free(ms->hold);
	ring_free(ms->in);
	ring_free(ms->out);
	free(ms);
}

/* --- the main thread */

size_t motion_stage_push(struct motion_stage *ms, const struct motion_sample *s,
			 size_t n)
{
	struct item it = {.kind = ITEM_SAMPLE};
	size_t i, lost = 0;

	for (i = 0; i < n; i++) {
		it.s = s[i];
		if (!ring_push(ms->in, &it))
			lost++;
	}
	ms->dropped_in += lost;
	if (n > lost)
		efd_signal(ms->wake_fd);
	return lost;
}

int64_t motion_stage_set_mode(struct motion_stage *ms, enum motion_mode mode)
{
	struct item it = {.kind = ITEM_MODE, .mode = mode};

	it.seq = ++ms->next_seq;
	if (!ring_push(ms->in, &it))
		return -ENOBUFS;
	efd_signal(ms->wake_fd);
	return it.seq;
}

int motion_stage_fd(const struct motion_stage *ms)
{
	return ms->ready_fd;
}

size_t motion_stage_drain(struct motion_stage *ms, struct motion_event *out,
			  size_t max)
{
	size_t n = 0;

	efd_clear(ms->ready_fd);
	while (n < max && ring_pop(ms->out, &out[n]))
		n++;
	return n;
}

uint64_t motion_stage_dropped(const struct motion_stage *ms)
{
	return ms->dropped_in +
	       atomic_load_explicit(&ms->dropped_out, memory_order_relaxed);
}

/* --- the low-latency thread */

int motion_stage_wake_fd(const struct motion_stage *ms)
{
	return ms->wake_fd;
}

static void post(struct motion_stage *ms, const struct motion_event *e,
		 bool *posted)
{
	if (ring_push(ms->out, e))
		*posted = true;
	else
		atomic_fetch_add_explicit(&ms->dropped_out, 1,
					  memory_order_relaxed);
}

/* Runs @n samples through the detector of the current mode. */
static bool detect(struct motion_stage *ms, const struct motion_sample *s,
		   size_t n, bool *posted)
{
	struct rep_event re[REP_DETECT_QUEUE];
	struct hold_event he[HOLD_DETECT_QUEUE];
	struct motion_event e;
	bool rep = false;
	size_t k, i;

	if (ms->mode == MOTION_REPS) {
		k = rep_detect_push(ms->reps, s, n, re, REP_DETECT_QUEUE);
		for (i = 0; i < k; i++) {
			e = (struct motion_event){
				.type = MOTION_REP,
				.mode_seq = ms->seq,
				.t_us = re[i].t_us,
				.detected_us = re[i].detected_us,
				.count = re[i].count,
				.amplitude_g = re[i].amplitude_g,
				.duration_us = re[i].duration_us,
			};
			post(ms, &e, posted);
			rep = true;
		}
	} else if (ms->mode == MOTION_HOLD) {
		k = hold_detect_push(ms->hold, s, n, he, HOLD_DETECT_QUEUE);
		for (i = 0; i < k; i++) {
			e = (struct motion_event){
				.type = he[i].type == HOLD_STARTED
						? MOTION_HOLD_STARTED
						: MOTION_HOLD_BROKEN,
				.mode_seq = ms->seq,
				.t_us = he[i].t_us,
				.detected_us = he[i].detected_us,
				.duration_us = he[i].held_us,
			};
			post(ms, &e, posted);
		}
	}
	return rep;
}

bool motion_stage_run(struct motion_stage *ms)
{
	struct motion_sample batch[BATCH];
	bool rep = false, posted = false;
	struct item it;
	size_t n = 0;

	efd_clear(ms->wake_fd);
	while (ring_pop(ms->in, &it)) {
		if (it.kind == ITEM_SAMPLE) {
			batch[n++] = it.s;
			if (n == BATCH) {
				rep |= detect(ms, batch, n, &posted);
				n = 0;
			}
			continue;
		}
		/* a mode change: what came before belongs to the old mode */
		rep |= detect(ms, batch, n, &posted);
		n = 0;
		ms->mode = (enum motion_mode)it.mode;
		ms->seq = it.seq;
		rep_detect_reset(ms->reps);
		hold_detect_reset(ms->hold);
	}
	rep |= detect(ms, batch, n, &posted);
	if (posted)
		efd_signal(ms->ready_fd);
	return rep;
}
