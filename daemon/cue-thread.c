/* SPDX-License-Identifier: MIT */
/*
 * cue-thread.c - the thread that sounds cues at their deadlines.
 *
 * Main thread -> cue thread: a ring of commands (schedule one cue, cancel
 * all) kept in order, plus an eventfd to wake the thread. Cue thread ->
 * main thread: a ring of fired reports plus an eventfd the main loop
 * polls, written once per wake-up however many cues fired in it.
 *
 * The thread waits in poll() on that eventfd and on a CLOCK_MONOTONIC
 * timerfd armed (TFD_TIMER_ABSTIME) for its next edge: the next pending
 * cue's deadline or the next tone edge of the pattern that is sounding.
 * Each wake-up costs poll(), a read of whichever fd woke it, one clock
 * read, the buzzer writes that are due and at most one timerfd_settime().
 * Every tone edge is timed from the cue's deadline, never from the time
 * the thread woke, so a late wake-up cannot stretch a pattern or push
 * later edges back. A cue that comes due while another cue's pattern is
 * still sounding cuts that pattern: the newer cue is the one that matters.
 *
 * After the thread starts it does not allocate, lock or log: everything
 * it touches is allocated in cue_thread_new().
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "cue-thread.h"
#include "ring.h"

#define CUE_THREAD_NAME		   "gymhub-cues"
#define CUE_THREAD_DEFAULT_PENDING 256
#define CUE_THREAD_DEFAULT_PRIO	   50
#define CUE_THREAD_MIN_RING	   64
/*
 * The thread needs little stack; a small one also keeps mlockall() from
 * pinning the default 8 MiB of it in RAM on a 512 MiB Pi Zero 2 W.
 */
#define CUE_THREAD_STACK (256 * 1024)
#define NS_PER_SEC	 UINT64_C(1000000000)
#define NS_PER_MS	 UINT64_C(1000000)
#define NO_EDGE		 UINT64_MAX

enum cue_cmd_op {
	CUE_CMD_SCHEDULE,
	CUE_CMD_CANCEL,
};

struct cue_cmd {
	uint32_t op; /* enum cue_cmd_op */
	struct cue cue;
};

/* The pattern that is sounding, if any. */
struct cue_playing {
	const struct cue_tone *tones; /* NULL when nothing sounds */
	unsigned int tone;	      /* index of the current tone */
	bool in_tone;		      /* else in the gap after it */
	uint64_t next_ns;	      /* time of the next edge */
};

struct cue_thread {
	struct buzzer *bz;
	struct ring *cmd;   /* main -> thread */
	struct ring *fired; /* thread -> main */
	int cmd_fd;	    /* eventfd: main wakes the thread */
	int fired_fd;	    /* eventfd: the thread wakes main */
	int timer_fd;
	pthread_t thread;
	bool started;
	atomic_bool stop; /* not a command: works with the ring full */
	int rt_error;
	uint64_t refused;	   /* cues schedule() had no room for; main */
	atomic_uint_fast64_t lost; /* cues the pending set had no room for */

	/* Owned by the thread while it runs. */
	struct cue *pending; /* sorted latest first: the next due is last */
	size_t n_pending;
	size_t max_pending;
	struct cue_playing play;
	struct motion_stage *motion;
	bool rep_tick;
	bool bz_on;	   /* the buzzer may be sounding */
	uint64_t armed_ns; /* the timerfd's deadline, NO_EDGE if disarmed */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

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

/* --- the thread ----------------------------------------------------------*/

static void thread_buzz(struct cue_thread *ct, bool on, unsigned int hz)
{
	/*
	 * A failed write leaves the buzzer's state unknown: assume it may
	 * sound, so the next silence tries again. The thread cannot log;
	 * a buzzer that fails shows as silence, and the cue is still
	 * reported so the workout record stays whole.
	 */
	if (buzzer_set(ct->bz, on, hz) < 0)
		ct->bz_on = true;
	else
		ct->bz_on = on;
}

static void thread_silence(struct cue_thread *ct)
{
	ct->play.tones = NULL;
	if (ct->bz_on)
		thread_buzz(ct, false, 0);
}

static void thread_add(struct cue_thread *ct, const struct cue *c)
{
	size_t lo = 0, hi = ct->n_pending, mid;

	if (ct->n_pending == ct->max_pending) {
		atomic_fetch_add_explicit(&ct->lost, 1, memory_order_relaxed);
		return;
	}
	/*
	 * First slot whose deadline is <= ours: cues with the same deadline
	 * that came earlier stay nearer the end, so they fire first.
	 */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ct->pending[mid].deadline_ns > c->deadline_ns)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(&ct->pending[lo + 1], &ct->pending[lo],
		(ct->n_pending - lo) * sizeof(*ct->pending));
	ct->pending[lo] = *c;
	ct->n_pending++;
}

static void thread_command(struct cue_thread *ct, const struct cue_cmd *cmd)
{
	switch ((enum cue_cmd_op)cmd->op) {
	case CUE_CMD_SCHEDULE:
		thread_add(ct, &cmd->cue);
		break;
	case CUE_CMD_CANCEL:
		ct->n_pending = 0;
		thread_silence(ct);
		break;
	}
}

/*
 * A cue's first edge. Returns whether a report went into the ring.
 *
 * The pattern is timed from the later of the deadline and the actual
 * onset: on time that is the deadline (no drift), but a cue that sounds
 * late (a slow wake-up, a cue handed in after its deadline) still plays
 * its tones at full length instead of being cut short or silenced.
 */
static bool thread_onset(struct cue_thread *ct, const struct cue *c)
{
	const struct cue_tone *tones = cue_pattern(c->kind);
	struct cue_fired f;
	uint64_t anchor;

	/* schedule() refuses unknown kinds; stay silent if one got by. */
	if (tones && tones[0].on_ms)
		thread_buzz(ct, true, tones[0].hz);
	else
		thread_silence(ct);
	f.cue = *c;
	f.fired_ns = mono_ns();
	if (tones && tones[0].on_ms) {
		anchor = f.fired_ns > c->deadline_ns ? f.fired_ns
						     : c->deadline_ns;
		ct->play = (struct cue_playing){
			.tones = tones,
			.tone = 0,
			.in_tone = true,
			.next_ns = anchor + tones[0].on_ms * NS_PER_MS,
		};
	}
	return ring_push(ct->fired, &f);
}

/* The next edge inside the sounding pattern. */
static void thread_tone_edge(struct cue_thread *ct)
{
	struct cue_playing *p = &ct->play;
	const struct cue_tone *cur = &p->tones[p->tone];
	bool last = p->tone + 1 >= CUE_PATTERN_MAX ||
		    p->tones[p->tone + 1].on_ms == 0;

	if (p->in_tone && last) {
		thread_silence(ct);
	} else if (p->in_tone && cur->off_ms) {
		thread_buzz(ct, false, 0);
		p->in_tone = false;
		p->next_ns += cur->off_ms * NS_PER_MS;
	} else {
		p->tone++;
		p->in_tone = true;
		thread_buzz(ct, true, p->tones[p->tone].hz);
		p->next_ns += p->tones[p->tone].on_ms * NS_PER_MS;
	}
}

/*
 * Fires every edge due at @now in time order. On a tie a cue's onset goes
 * before a tone edge: the new cue cuts the old pattern either way, and
 * this spares a needless off/on. Returns whether any report went out.
 */
static bool thread_fire_due(struct cue_thread *ct, uint64_t now)
{
	const struct cue *c;
	struct cue due;
	bool reported = false;

	for (;;) {
		c = ct->n_pending ? &ct->pending[ct->n_pending - 1] : NULL;
		if (c && c->deadline_ns <= now &&
		    (!ct->play.tones || c->deadline_ns <= ct->play.next_ns)) {
			due = *c;
			ct->n_pending--;
			reported |= thread_onset(ct, &due);
		} else if (ct->play.tones && ct->play.next_ns <= now) {
			thread_tone_edge(ct);
		} else {
			return reported;
		}
	}
}

static uint64_t thread_next_edge(const struct cue_thread *ct)
{
	uint64_t next = NO_EDGE;

	if (ct->n_pending)
		next = ct->pending[ct->n_pending - 1].deadline_ns;
	if (ct->play.tones && ct->play.next_ns < next)
		next = ct->play.next_ns;
	return next;
}

static void thread_arm(struct cue_thread *ct, uint64_t next)
{
	struct itimerspec its = {{0, 0}, {0, 0}};

	if (next == ct->armed_ns)
		return;
	if (next != NO_EDGE) {
		/* An all-zero it_value would disarm the timer instead. */
		if (next == 0)
			next = 1;
		its.it_value.tv_sec = (time_t)(next / NS_PER_SEC);
		its.it_value.tv_nsec = (long)(next % NS_PER_SEC);
	}
	if (timerfd_settime(ct->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		ct->armed_ns = next;
}

/*
 * Touches the stack the thread will use, so its pages are faulted in (and
 * locked, under mlockall) before the first deadline, not on it.
 */
static void prefault_stack(void)
{
	volatile unsigned char buf[CUE_THREAD_STACK / 4];
	size_t i;

	for (i = 0; i < sizeof(buf); i += 4096)
		buf[i] = 0;
}

/*
 * A rep's tick: one short high blip, played only into silence, so it can
 * never cut or delay a cue (which would cut the tick instead).
 */
static void thread_tick(struct cue_thread *ct)
{
	static const struct cue_tone tick[] = {{15, 0, 3200}, {0, 0, 0}};

	if (ct->play.tones)
		return;
	thread_buzz(ct, true, tick[0].hz);
	ct->play = (struct cue_playing){
		.tones = tick,
		.tone = 0,
		.in_tone = true,
		.next_ns = mono_ns() + tick[0].on_ms * NS_PER_MS,
	};
}

static void *thread_main(void *data)
{
	struct cue_thread *ct = data;
	struct pollfd fds[3] = {
		{.fd = ct->timer_fd, .events = POLLIN},
		{.fd = ct->cmd_fd, .events = POLLIN},
		/* poll() skips a negative fd: no motion, no third source */
		{.fd = ct->motion ? motion_stage_wake_fd(ct->motion) : -1,
		 .events = POLLIN},
	};
	struct cue_cmd cmd;
	uint64_t ticks;

	prefault_stack();
	for (;;) {
		thread_arm(ct, thread_next_edge(ct));
		if (poll(fds, 3, -1) < 0)
			continue; /* EINTR; all signals are blocked anyway */
		/* A one-shot timer that expired is disarmed. */
		if ((fds[0].revents & POLLIN) &&
		    read(ct->timer_fd, &ticks, sizeof(ticks)) > 0)
			ct->armed_ns = NO_EDGE;
		if (fds[1].revents & POLLIN)
			efd_clear(ct->cmd_fd);
		if (atomic_load_explicit(&ct->stop, memory_order_acquire))
			break;
		while (ring_pop(ct->cmd, &cmd))
			thread_command(ct, &cmd);
		if (thread_fire_due(ct, mono_ns()))
			efd_signal(ct->fired_fd);
		/* after the cues: a deadline never waits for detection */
		if ((fds[2].revents & POLLIN) && motion_stage_run(ct->motion) &&
		    ct->rep_tick)
			thread_tick(ct);
	}
	return NULL;
}

/* --- the main thread's side ---------------------------------------------*/

static int start_thread(struct cue_thread *ct)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int r;

	r = pthread_attr_init(&attr);
	if (r)
		return -r;
	r = pthread_attr_setstacksize(&attr, CUE_THREAD_STACK);
	/*
	 * Signals go to the main loop (SIGTERM, SIGINT via GLib): the new
	 * thread inherits this mask, so none is delivered on it.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (r == 0)
		r = pthread_create(&ct->thread, &attr, thread_main, ct);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (r)
		return -r;
	ct->started = true;
	pthread_setname_np(ct->thread, CUE_THREAD_NAME);
	return 0;
}

static void set_realtime(struct cue_thread *ct, const struct cue_thread_opts *o)
{
	struct sched_param sp = {
		.sched_priority =
			o->priority ? o->priority : CUE_THREAD_DEFAULT_PRIO,
	};
	int r;

	/* Refusal (EPERM without CAP_SYS_NICE/RLIMIT_RTPRIO) is not fatal. */
	r = pthread_setschedparam(ct->thread, SCHED_FIFO, &sp);
	if (r && !ct->rt_error)
		ct->rt_error = -r;
}

int cue_thread_new(struct buzzer *bz, const struct cue_thread_opts *opts,
		   struct cue_thread **ret)
{
	struct cue_thread_opts o = {0};
	struct cue_thread *ct;
	size_t ring_cap;
	int r;

	if (opts)
		o = *opts;
	if (!o.max_pending)
		o.max_pending = CUE_THREAD_DEFAULT_PENDING;
	if (!bz || o.max_pending > SIZE_MAX / 4 / sizeof(struct cue_fired))
		return -EINVAL;
	/*
	 * Room for a full pending set plus as many commands again, so a
	 * cancel followed by a full reschedule always fits.
	 */
	ring_cap = o.max_pending * 2;
	if (ring_cap < CUE_THREAD_MIN_RING)
		ring_cap = CUE_THREAD_MIN_RING;

	ct = calloc(1, sizeof(*ct));
	if (!ct)
		return -ENOMEM;
	ct->bz = bz;
	ct->motion = o.motion;
	ct->rep_tick = o.rep_tick;
	ct->cmd_fd = ct->fired_fd = ct->timer_fd = -1;
	atomic_init(&ct->stop, false);
	atomic_init(&ct->lost, 0);
	ct->max_pending = o.max_pending;
	ct->armed_ns = NO_EDGE;
	ct->pending = calloc(o.max_pending, sizeof(*ct->pending));
	if (!ct->pending) {
		r = -ENOMEM;
		goto fail;
	}
	r = ring_new(sizeof(struct cue_cmd), ring_cap, &ct->cmd);
	if (r == 0)
		r = ring_new(sizeof(struct cue_fired), ring_cap, &ct->fired);
	if (r < 0)
		goto fail;
	ct->cmd_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ct->fired_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ct->timer_fd =
		timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (ct->cmd_fd < 0 || ct->fired_fd < 0 || ct->timer_fd < 0) {
		r = -errno;
		goto fail;
	}
	/*
	 * Before the thread exists, so everything allocated above is locked.
	 * MCL_ONFAULT locks later mappings only as they are touched: without
	 * it every other thread's 8 MiB stack (GDBus, the store writer,
	 * GLib's pool) would be pinned whole on a 512 MiB Pi Zero 2 W. The
	 * cue thread touches its own stack first thing (prefault_stack()).
	 */
	if (o.lock_memory &&
	    mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) < 0)
		ct->rt_error = -errno;
	r = start_thread(ct);
	if (r < 0)
		goto fail;
	if (o.realtime)
		set_realtime(ct, &o);
	*ret = ct;
	return 0;
fail:
	cue_thread_free(ct);
	return r;
}

void cue_thread_free(struct cue_thread *ct)
{
	if (!ct)
		return;
	if (ct->started) {
		atomic_store_explicit(&ct->stop, true, memory_order_release);
		efd_signal(ct->cmd_fd);
		pthread_join(ct->thread, NULL);
		/* The thread is gone: this thread may drive the buzzer now. */
		buzzer_set(ct->bz, false, 0);
	}
	if (ct->timer_fd >= 0)
		close(ct->timer_fd);
	if (ct->fired_fd >= 0)
		close(ct->fired_fd);
	if (ct->cmd_fd >= 0)
		close(ct->cmd_fd);
	ring_free(ct->fired);
	ring_free(ct->cmd);
	free(ct->pending);
	free(ct);
}

int cue_thread_schedule(struct cue_thread *ct, const struct cue *cues, size_t n)
{
	struct cue_cmd cmd = {.op = CUE_CMD_SCHEDULE};
	size_t i;

	for (i = 0; i < n; i++)
		if (cues[i].kind >= CUE_KIND_MAX)
			return -EINVAL;
	if (n == 0)
		return 0;
	/* All or nothing, so the caller knows exactly what will sound. */
	if (ring_space(ct->cmd) < n) {
		ct->refused += n;
		return -ENOBUFS;
	}
	for (i = 0; i < n; i++) {
		cmd.cue = cues[i];
		ring_push(ct->cmd, &cmd);
	}
	efd_signal(ct->cmd_fd);
	return 0;
}

int cue_thread_cancel(struct cue_thread *ct)
{
	struct cue_cmd cmd = {.op = CUE_CMD_CANCEL};

	/* In the same ring as the cues, so it cancels exactly those before. */
	if (!ring_push(ct->cmd, &cmd))
		return -ENOBUFS;
	efd_signal(ct->cmd_fd);
	return 0;
}

int cue_thread_fd(const struct cue_thread *ct)
{
	return ct->fired_fd;
}

size_t cue_thread_drain(struct cue_thread *ct, struct cue_fired *out,
			size_t max)
{
	size_t n = 0;

	/*
	 * Clear first, then pop: a report pushed after the pop comes with
	 * a write after it, so none is left without a wake-up.
	 */
	efd_clear(ct->fired_fd);
	while (n < max && ring_pop(ct->fired, &out[n]))
		n++;
	/* Perhaps more than @max wait: keep the fd readable for them. */
	if (n == max)
		efd_signal(ct->fired_fd);
	return n;
}

int cue_thread_rt_error(const struct cue_thread *ct)
{
	return ct->rt_error;
}

uint64_t cue_thread_dropped(const struct cue_thread *ct)
{
	return ct->refused + ring_dropped(ct->cmd) + ring_dropped(ct->fired) +
	       atomic_load_explicit(&ct->lost, memory_order_relaxed);
}
