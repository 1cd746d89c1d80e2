/* SPDX-License-Identifier: MIT */
/*
 * engine.c - the interval engine: a workout flattened into segments, a
 * small state machine over them, and the cues each segment hands out.
 *
 * Time is "origin + offset": the current segment runs from origin (its
 * actual start, moved later by every pause) for duration_ms. A segment
 * that ends on schedule hands its exact planned end to the next one as
 * its start, so a late caller never stretches the workout.
 *
 * Cues not yet taken wait in a small queue sorted by deadline. It holds
 * at most one segment's cues plus the boundary cue it was started with,
 * so it is a fixed array and the engine allocates only in engine_new().
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#define NS_PER_MS 1000000ULL

/* gymhub.conf and workout files allow 0..10: more stops being a count. */
#define ENGINE_MAX_COUNTDOWN_S 10
/* Interior cues closer than this would overlap audibly (cue.c patterns). */
#define CUE_MIN_GAP_NS (500 * NS_PER_MS)
#define HALFWAY_MIN_MS 10000
#define LAST10_MS      10000
#define LAST10_MIN_MS  20000 /* exclusive: a 20 s effort is too short */

/* Countdowns, halfway, last 10 s, and the boundary cue at the end. */
#define SEGMENT_CUES_MAX (ENGINE_MAX_COUNTDOWN_S + 3)
/* A segment's cues plus the not-yet-taken boundary cue of its start. */
#define QUEUE_MAX (SEGMENT_CUES_MAX + 2)

struct engine {
	struct segment *segs;
	uint64_t *start_ns; /* per segment; 0 = not started */
	uint64_t *end_ns;   /* per segment; 0 = not ended */
	size_t n;
	uint64_t planned_ms;

	uint32_t countdown_s;
	bool halfway;
	bool last10;

	enum engine_state state;
	size_t cur;
	/*
	 * Hold waiting: hold_wait is what the caller says (a motion sensor
	 * is there to see stillness); will_wait[i] what was decided for
	 * segment i when the cue at its start was (or was not) scheduled,
	 * so the boundary cue and the segment agree; waiting is true while
	 * the current hold waits for the runner to be still.
	 */
	bool hold_wait;
	bool *will_wait;
	bool waiting;
	uint64_t origin_ns; /* start of cur, shifted by pauses */
	uint64_t paused_ns; /* when the current pause began */

	uint32_t next_seq;
	struct cue queue[QUEUE_MAX];
	size_t n_queued;
};

/* --- flattening */

struct builder {
	struct segment *segs; /* NULL: only count */
	size_t n;
	uint64_t t_ms;
};

static int push_segment(struct builder *b, const struct segment *s)
{
	if (b->n >= ENGINE_MAX_SEGMENTS)
		return -E2BIG;
	if (b->segs) {
		b->segs[b->n] = *s;
		b->segs[b->n].planned_start_ms = b->t_ms;
	}
	b->n++;
	b->t_ms += s->duration_ms;
	return 0;
}

/*
 * Rests of 0 ms are left out: they would end as soon as they begin. A rest
 * takes set and round from the effort before it, so a display can say
 * "round 3/8" through the rest as well.
 */
static int push_rest(struct builder *b, uint32_t ms, const struct segment *pos)
{
	struct segment s = {
		.kind = SEGMENT_REST,
		.duration_ms = ms,
		.block = pos->block,
		.round = pos->round,
		.rounds = pos->rounds,
		.set = pos->set,
		.sets = pos->sets,
	};

	return ms ? push_segment(b, &s) : 0;
}

/* Workout strings need not be NUL-terminated within their arrays. */
static void copy_exercise(char *dst, const char *src)
{
	size_t len = strnlen(src, WORKOUT_EXERCISE_MAX - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

static int flatten_interval(struct builder *b, const struct block *bl,
			    uint16_t idx)
{
	uint32_t set, round;
	int r;

	for (set = 1; set <= bl->sets; set++) {
		for (round = 1; round <= bl->rounds; round++) {
			struct segment s = {
				.kind = SEGMENT_WORK,
				.duration_ms = bl->work_ms,
				.block = idx,
				.round = (uint16_t)round,
				.rounds = (uint16_t)bl->rounds,
				.set = (uint16_t)set,
				.sets = (uint16_t)bl->sets,
			};

			if (bl->n_exercises)
				copy_exercise(s.exercise,
					      bl->exercises[(round - 1) %
							    bl->n_exercises]);
			r = push_segment(b, &s);
			if (r == 0 && round < bl->rounds)
				r = push_rest(b, bl->rest_ms, &s);
			else if (r == 0 && set < bl->sets)
				r = push_rest(b, bl->set_rest_ms, &s);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int flatten_sets(struct builder *b, const struct block *bl, uint16_t idx)
{
	struct segment s = {
		.block = idx,
		.sets = (uint16_t)bl->sets,
	};
	uint32_t set;
	int r;

	if (bl->n_exercises)
		copy_exercise(s.exercise, bl->exercises[0]);
	s.wait_still = bl->kind == BLOCK_HOLD && bl->wait_still;
	for (set = 1; set <= bl->sets; set++) {
		s.set = (uint16_t)set;
		if (bl->kind == BLOCK_REPS) {
			s.kind = SEGMENT_REPS;
			s.reps = bl->reps;
			r = push_segment(b, &s);
		} else if (bl->per_side) {
			s.kind = SEGMENT_HOLD;
			s.duration_ms = bl->work_ms;
			s.side = SIDE_LEFT;
			r = push_segment(b, &s);
			if (r == 0 && bl->switch_ms) {
				struct segment sw = s;

				sw.kind = SEGMENT_SWITCH;
				sw.duration_ms = bl->switch_ms;
				sw.side = SIDE_NONE;
				sw.wait_still = false;
				r = push_segment(b, &sw);
			}
			s.side = SIDE_RIGHT;
			if (r == 0)
				r = push_segment(b, &s);
		} else {
			s.kind = SEGMENT_HOLD;
			s.duration_ms = bl->work_ms;
			r = push_segment(b, &s);
		}
		if (r == 0 && set < bl->sets)
			r = push_rest(b, bl->rest_ms, &s);
		if (r < 0)
			return r;
	}
	return 0;
}

static int check_block(const struct block *bl)
{
	/* Counters are 16 bits in struct segment. */
	if (bl->sets == 0 || bl->sets > UINT16_MAX ||
	    bl->n_exercises > WORKOUT_MAX_EXERCISES)
		return -EINVAL;
	switch (bl->kind) {
	case BLOCK_WARMUP:
	case BLOCK_HOLD:
		return bl->work_ms ? 0 : -EINVAL;
	case BLOCK_INTERVAL:
		if (bl->rounds == 0 || bl->rounds > UINT16_MAX)
			return -EINVAL;
		return bl->work_ms ? 0 : -EINVAL;
	case BLOCK_REPS:
		return 0;
	default:
		return -EINVAL;
	}
}

/* Segments of @w into b->segs (or only counted); 0 or -errno. */
static int flatten(const struct workout *w, struct builder *b)
{
	size_t i;
	int r;

	if (w->prep_ms) {
		struct segment s = {
			.kind = SEGMENT_PREP,
			.duration_ms = w->prep_ms,
		};

		r = push_segment(b, &s);
		if (r < 0)
			return r;
	}
	for (i = 0; i < w->n_blocks; i++) {
		const struct block *bl = &w->blocks[i];
		uint16_t idx = (uint16_t)i;

		r = check_block(bl);
		if (r < 0)
			return r;
		switch (bl->kind) {
		case BLOCK_WARMUP: {
			struct segment s = {
				.kind = SEGMENT_WARMUP,
				.duration_ms = bl->work_ms,
				.block = idx,
				.set = 1,
				.sets = 1,
			};

			if (bl->n_exercises)
				copy_exercise(s.exercise, bl->exercises[0]);
			r = push_segment(b, &s);
			break;
		}
		case BLOCK_INTERVAL:
			r = flatten_interval(b, bl, idx);
			break;
		case BLOCK_HOLD:
		case BLOCK_REPS:
			r = flatten_sets(b, bl, idx);
			break;
		default:
			r = -EINVAL;
			break;
		}
		if (r == 0 && i + 1 < w->n_blocks) {
			/* Between blocks: in no set of either. */
			struct segment pos = {.block = idx};

			r = push_rest(b, bl->rest_after_ms, &pos);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	free(e->segs);
	free(e->start_ns);
	free(e->end_ns);
	free(e->will_wait);
	free(e);
}

int engine_new(const struct workout *w, struct engine **ret)
{
	struct builder b = {0};
	struct engine *e = NULL;
	int r;

	if (w->n_blocks == 0 || w->n_blocks > WORKOUT_MAX_BLOCKS ||
	    w->countdown_s > ENGINE_MAX_COUNTDOWN_S)
		return -EINVAL;
	/* First pass counts, so the arrays are allocated at their size. */
	r = flatten(w, &b);
	if (r < 0)
		goto out;
	if (b.n == 0) {
		r = -EINVAL;
		goto out;
	}
	r = -ENOMEM;
	e = calloc(1, sizeof(*e));
	if (!e)
		goto out;
	e->segs = calloc(b.n, sizeof(*e->segs));
	e->start_ns = calloc(b.n, sizeof(*e->start_ns));
	e->end_ns = calloc(b.n, sizeof(*e->end_ns));
	e->will_wait = calloc(b.n, sizeof(*e->will_wait));
	if (!e->segs || !e->start_ns || !e->end_ns || !e->will_wait)
		goto out;
	b = (struct builder){.segs = e->segs};
	r = flatten(w, &b);
	if (r < 0)
		goto out;
	e->n = b.n;
	e->planned_ms = b.t_ms;
	e->countdown_s = w->countdown_s;
	e->halfway = w->halfway;
	e->last10 = w->last10;
	e->state = ENGINE_IDLE;
	e->next_seq = 1;
	*ret = e;
	e = NULL;
	r = 0;
out:
	engine_free(e);
	return r;
}

size_t engine_n_segments(const struct engine *e)
{
	return e->n;
}

const struct segment *engine_segment(const struct engine *e, size_t i)
{
	return i < e->n ? &e->segs[i] : NULL;
}

uint64_t engine_planned_ms(const struct engine *e)
{
	return e->planned_ms;
}

/* --- cues */

/* An open segment has no end of its own: a rep step, a waiting hold. */
static bool is_open(const struct engine *e)
{
	return e->segs[e->cur].kind == SEGMENT_REPS || e->waiting;
}

/* Whether hold segment @i, if it began now, would wait for stillness. */
static bool decide_wait(struct engine *e, size_t i)
{
	if (i >= e->n)
		return false;
	e->will_wait[i] = e->hold_wait && e->segs[i].kind == SEGMENT_HOLD &&
			  e->segs[i].wait_still;
	return e->will_wait[i];
}

static bool is_effort(enum segment_kind kind)
{
	return kind == SEGMENT_WORK || kind == SEGMENT_HOLD ||
	       kind == SEGMENT_REPS;
}

/* The cue at the start of segment @i (DONE for @i == n), or -1. */
static int boundary_kind(const struct engine *e, size_t i)
{
	enum segment_kind prev;

	if (i >= e->n)
		return CUE_DONE;
	switch (e->segs[i].kind) {
	case SEGMENT_WORK:
	case SEGMENT_HOLD:
	case SEGMENT_REPS:
		return CUE_START;
	case SEGMENT_SWITCH:
		return CUE_SWITCH;
	case SEGMENT_PREP:
	case SEGMENT_WARMUP:
	case SEGMENT_REST:
	case SEGMENT_KIND_MAX:
		break;
	}
	if (i == 0)
		return -1;
	/* After an open rep step the runner said "done": nothing to end. */
	prev = e->segs[i - 1].kind;
	return prev == SEGMENT_WORK || prev == SEGMENT_HOLD ? CUE_END : -1;
}

struct interior {
	uint64_t offset_ns;
	enum cue_kind kind;
	int rank; /* the higher wins a collision */
};

static void add_interior(struct interior *c, size_t *n, uint64_t offset_ns,
			 enum cue_kind kind, int rank)
{
	c[*n] = (struct interior){offset_ns, kind, rank};
	(*n)++;
}

/*
 * The cues of fixed-length segment @i if it starts at @origin: interior
 * cues after @after_ns into it, then the boundary cue at its end. Earliest
 * first; returns how many (at most SEGMENT_CUES_MAX).
 */
static size_t segment_cues(struct engine *e, size_t i, uint64_t origin,
			   uint64_t after_ns, struct cue *out)
{
	const struct segment *s = &e->segs[i];
	uint64_t d = s->duration_ms * NS_PER_MS;
	bool effort = s->kind == SEGMENT_WORK || s->kind == SEGMENT_HOLD;
	struct interior c[SEGMENT_CUES_MAX];
	size_t n = 0, n_out = 0, a, b;
	uint32_t k;
	int end;

	/* Countdown ticks only lead into an effort, never into a rest. */
	if (i + 1 < e->n && is_effort(e->segs[i + 1].kind))
		for (k = e->countdown_s; k >= 1; k--)
			if (d > k * 1000 * NS_PER_MS)
				add_interior(c, &n, d - k * 1000 * NS_PER_MS,
					     CUE_COUNTDOWN, 3);
	/*
	 * gymhub.conf promises the 10 s warning for warm-ups too: it tells
	 * the runner the first effort is near.
	 */
	if (e->last10 && (effort || s->kind == SEGMENT_WARMUP) &&
	    s->duration_ms > LAST10_MIN_MS)
		add_interior(c, &n, d - LAST10_MS * NS_PER_MS, CUE_LAST10, 2);
	if (e->halfway && effort && s->duration_ms >= HALFWAY_MIN_MS)
		add_interior(c, &n, d / 2, CUE_HALFWAY, 1);

	for (a = 0; a < n; a++) {
		bool keep = c[a].offset_ns > after_ns;

		for (b = 0; b < n && keep; b++) {
			uint64_t gap =
				c[a].offset_ns > c[b].offset_ns
					? c[a].offset_ns - c[b].offset_ns
					: c[b].offset_ns - c[a].offset_ns;

			if (c[b].rank > c[a].rank && gap < CUE_MIN_GAP_NS)
				keep = false;
		}
		if (!keep)
			continue;
		/* Insertion sort: a dozen cues at most. */
		for (b = n_out;
		     b > 0 && out[b - 1].deadline_ns > origin + c[a].offset_ns;
		     b--)
			out[b] = out[b - 1];
		out[b] = (struct cue){
			.deadline_ns = origin + c[a].offset_ns,
			.kind = (uint16_t)c[a].kind,
			.segment = (uint16_t)i,
		};
		n_out++;
	}

	/* A hold that waits for stillness starts with its own cue. */
	end = decide_wait(e, i + 1) ? -1 : boundary_kind(e, i + 1);
	if (end >= 0)
		out[n_out++] = (struct cue){
			.deadline_ns = origin + d,
			.kind = (uint16_t)end,
			.segment = (uint16_t)(i + 1 < e->n ? i + 1 : i),
		};
	return n_out;
}

/* Keeps the queue sorted by deadline, first come first out on ties. */
static void queue_cue(struct engine *e, const struct cue *c)
{
	size_t i;

	assert(e->n_queued < QUEUE_MAX); /* see QUEUE_MAX */
	for (i = e->n_queued;
	     i > 0 && e->queue[i - 1].deadline_ns > c->deadline_ns; i--)
		e->queue[i] = e->queue[i - 1];
	e->queue[i] = *c;
	e->n_queued++;
}

static void queue_segment_cues(struct engine *e, uint64_t after_ns)
{
	struct cue c[SEGMENT_CUES_MAX];
	size_t n, i;

	if (is_open(e))
		return;
	n = segment_cues(e, e->cur, e->origin_ns, after_ns, c);
	for (i = 0; i < n; i++)
		queue_cue(e, &c[i]);
}

/* Untaken cues due before @t: their moment passed with a late caller. */
static void drop_before(struct engine *e, uint64_t t)
{
	size_t i, j = 0;

	for (i = 0; i < e->n_queued; i++)
		if (e->queue[i].deadline_ns >= t)
			e->queue[j++] = e->queue[i];
	e->n_queued = j;
}

size_t engine_take_cues(struct engine *e, struct cue *out, size_t max)
{
	size_t n = e->n_queued < max ? e->n_queued : max;
	size_t i;

	for (i = 0; i < n; i++) {
		out[i] = e->queue[i];
		out[i].seq = e->next_seq++;
	}
	memmove(e->queue, e->queue + n, (e->n_queued - n) * sizeof(*e->queue));
	e->n_queued -= n;
	return n;
}

/* --- state machine */

/*
 * Segment @i (or the end of the workout, for @i == n) begins at @t. Off
 * schedule its boundary cue is due now; on schedule it went out with the
 * previous segment's cues.
 */
static void begin(struct engine *e, size_t i, uint64_t t, bool on_schedule)
{
	bool wait =
		on_schedule ? i < e->n && e->will_wait[i] : decide_wait(e, i);
	int kind = wait ? -1 : boundary_kind(e, i);

	e->waiting = false;
	if (!on_schedule && kind >= 0) {
		struct cue c = {
			.deadline_ns = t,
			.kind = (uint16_t)kind,
			.segment = (uint16_t)(i < e->n ? i : e->n - 1),
		};

		queue_cue(e, &c);
	}
	if (i >= e->n) {
		e->state = ENGINE_FINISHED;
		e->cur = e->n;
		return;
	}
	e->cur = i;
	e->start_ns[i] = t;
	e->origin_ns = t;
	e->waiting = wait;
	queue_segment_cues(e, 0);
}

static uint64_t current_end(const struct engine *e)
{
	return e->origin_ns + e->segs[e->cur].duration_ms * NS_PER_MS;
}

int engine_advance(struct engine *e, uint64_t now)
{
	int ended = 0;

	while (e->state == ENGINE_RUNNING && !is_open(e) &&
	       current_end(e) <= now) {
		uint64_t t = current_end(e);

		e->end_ns[e->cur] = t;
		drop_before(e, t);
		begin(e, e->cur + 1, t, true);
		ended++;
	}
	return ended;
}

int engine_start(struct engine *e, uint64_t now)
{
	if (e->state != ENGINE_IDLE)
		return -EALREADY;
	e->state = ENGINE_RUNNING;
	begin(e, 0, now, false);
	return 0;
}

int engine_pause(struct engine *e, uint64_t now)
{
	if (e->state != ENGINE_RUNNING)
		return -EINVAL;
	/* A segment whose end has passed is over, even if nobody said so. */
	engine_advance(e, now);
	if (e->state != ENGINE_RUNNING)
		return -EINVAL;
	e->state = ENGINE_PAUSED;
	e->paused_ns = now > e->origin_ns ? now : e->origin_ns;
	e->n_queued = 0;
	return 0;
}

int engine_resume(struct engine *e, uint64_t now)
{
	uint64_t elapsed;

	if (e->state != ENGINE_PAUSED)
		return -EINVAL;
	elapsed = e->paused_ns - e->origin_ns;
	if (now > e->paused_ns)
		e->origin_ns += now - e->paused_ns;
	e->state = ENGINE_RUNNING;
	/* Cues at the pause instant went out (or were cut) at pause. */
	queue_segment_cues(e, elapsed);
	return 0;
}

/* Skip and done: the current segment ends now, the next begins now. */
static int end_now(struct engine *e, uint64_t now, bool rep_step_only)
{
	uint64_t t;

	if (e->state != ENGINE_RUNNING)
		return -EINVAL;
	engine_advance(e, now);
	if (e->state != ENGINE_RUNNING)
		return -EINVAL;
	if (rep_step_only && e->waiting)
		return engine_hold_go(e, now);
	if (rep_step_only && e->segs[e->cur].kind != SEGMENT_REPS)
		return -EINVAL;
	/* A time before the segment's start would make it negative. */
	t = now > e->start_ns[e->cur] ? now : e->start_ns[e->cur];
	e->end_ns[e->cur] = t;
	/* The caller cancels what it scheduled: start afresh. */
	e->n_queued = 0;
	begin(e, e->cur + 1, t, false);
	return 0;
}

int engine_skip(struct engine *e, uint64_t now)
{
	return end_now(e, now, false);
}

int engine_done(struct engine *e, uint64_t now)
{
	return end_now(e, now, true);
}

int engine_hold_go(struct engine *e, uint64_t now)
{
	struct cue c = {.kind = CUE_START};

	if (e->state != ENGINE_RUNNING)
		return -EINVAL;
	engine_advance(e, now);
	if (e->state != ENGINE_RUNNING || !e->waiting)
		return -EINVAL;
	e->waiting = false;
	e->origin_ns = now > e->start_ns[e->cur] ? now : e->start_ns[e->cur];
	c.deadline_ns = e->origin_ns;
	c.segment = (uint16_t)e->cur;
	e->n_queued = 0;
	queue_cue(e, &c);
	queue_segment_cues(e, 0);
	return 0;
}

void engine_set_hold_wait(struct engine *e, bool wait)
{
	e->hold_wait = wait;
}

bool engine_waiting(const struct engine *e)
{
	return (e->state == ENGINE_RUNNING || e->state == ENGINE_PAUSED) &&
	       e->waiting;
}

int engine_stop(struct engine *e, uint64_t now)
{
	if (e->state == ENGINE_RUNNING)
		engine_advance(e, now);
	if (e->state != ENGINE_RUNNING && e->state != ENGINE_PAUSED)
		return -EINVAL;
	e->end_ns[e->cur] =
		now > e->start_ns[e->cur] ? now : e->start_ns[e->cur];
	e->state = ENGINE_STOPPED;
	e->cur = e->n;
	e->waiting = false;
	e->n_queued = 0;
	return 0;
}

uint64_t engine_next_deadline(const struct engine *e)
{
	if (e->state != ENGINE_RUNNING || is_open(e))
		return UINT64_MAX;
	return current_end(e);
}

enum engine_state engine_state(const struct engine *e)
{
	return e->state;
}

size_t engine_current(const struct engine *e)
{
	return e->cur;
}

uint32_t engine_remaining_ms(const struct engine *e, uint64_t now)
{
	uint64_t end;

	if (e->state != ENGINE_RUNNING && e->state != ENGINE_PAUSED)
		return 0;
	/* A waiting hold has all of its time ahead of it. */
	if (e->waiting)
		return e->segs[e->cur].duration_ms;
	if (is_open(e))
		return 0;
	/* Paused: the clock stands still at the pause. */
	if (e->state == ENGINE_PAUSED)
		now = e->paused_ns;
	if (now < e->origin_ns)
		return e->segs[e->cur].duration_ms;
	end = current_end(e);
	return now >= end ? 0 : (uint32_t)((end - now) / NS_PER_MS);
}

void engine_segment_times(const struct engine *e, size_t i, uint64_t *ret_start,
			  uint64_t *ret_end)
{
	uint64_t start = 0, end = 0;

	if (i < e->n) {
		start = e->start_ns[i];
		end = e->end_ns[i];
	}
	if (ret_start)
		*ret_start = start;
	if (ret_end)
		*ret_end = end;
}

/* --- names */

const char *segment_kind_to_string(enum segment_kind kind)
{
	/* The names of the store, the exports and the D-Bus Phase. */
	static const char *const names[SEGMENT_KIND_MAX] = {
		[SEGMENT_PREP] = "prep", [SEGMENT_WARMUP] = "warmup",
		[SEGMENT_WORK] = "work", [SEGMENT_REST] = "rest",
		[SEGMENT_HOLD] = "hold", [SEGMENT_SWITCH] = "switch",
		[SEGMENT_REPS] = "reps",
	};

	if ((unsigned int)kind >= SEGMENT_KIND_MAX)
		return NULL;
	return names[kind];
}

const char *side_to_string(enum side side)
{
	switch (side) {
	case SIDE_NONE:
		return "";
	case SIDE_LEFT:
		return "left";
	case SIDE_RIGHT:
		return "right";
	}
	return NULL;
}

const char *engine_state_to_string(enum engine_state state)
{
	switch (state) {
	case ENGINE_IDLE:
		return "idle";
	case ENGINE_RUNNING:
		return "running";
	case ENGINE_PAUSED:
		return "paused";
	case ENGINE_FINISHED:
		return "finished";
	case ENGINE_STOPPED:
		return "stopped";
	}
	return NULL;
}
