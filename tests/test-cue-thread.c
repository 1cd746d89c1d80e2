/* SPDX-License-Identifier: MIT */
/*
 * test-cue-thread.c - the cue thread over the simulated buzzer, and the
 * PWM (over a fake sysfs tree) and GPIO backends.
 *
 * Timing: an edge must never come before its planned time (deadline plus
 * the pattern's offsets); lateness is only bounded loosely (LATE_MAX_MS),
 * so a loaded machine or valgrind does not make the tests fail. The
 * sequence of edges itself does not depend on timing: tone edges are
 * planned from the cue's deadline, whenever the thread wakes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "buzzer.h"
#include "cue-thread.h"

#define MS	    UINT64_C(1000000)
#define LATE_MAX_MS 300
/* Only to stop a broken build from hanging: never reached when it works. */
#define WAIT_MAX_MS 20000
#define SIM_EDGES   256

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Sleeps until CLOCK_MONOTONIC reaches @t. */
static void sleep_until(uint64_t t)
{
	struct timespec ts = {(time_t)(t / 1000000000u),
			      (long)(t % 1000000000u)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

static void wait_edges(const struct buzzer *bz, size_t n)
{
	int waited;

	for (waited = 0; buzzer_sim_count(bz) < n; waited++) {
		if (waited > WAIT_MAX_MS)
			fail_msg("only %zu of %zu edges came",
				 buzzer_sim_count(bz), n);
		sleep_ms(1);
	}
}

struct want {
	uint64_t t; /* planned time */
	bool on;
	uint16_t hz;
};

/* The edges a cue's pattern should make, written out independently. */
static size_t pattern_edges(enum cue_kind kind, uint64_t deadline,
			    struct want *out)
{
	const struct cue_tone *t = cue_pattern(kind);
	uint64_t at = deadline;
	size_t n = 0, i;
	bool last;

	for (i = 0; i < CUE_PATTERN_MAX && t[i].on_ms; i++) {
		out[n++] = (struct want){at, true, t[i].hz};
		at += t[i].on_ms * MS;
		last = i + 1 == CUE_PATTERN_MAX || t[i + 1].on_ms == 0;
		if (last || t[i].off_ms)
			out[n++] = (struct want){at, false, 0};
		at += t[i].off_ms * MS;
	}
	return n;
}

/*
 * @handed: when the cues were handed to the thread. A test thread that
 * lost the CPU may hand a cue in after its deadline; lateness counts
 * from then.
 */
static void check_edges(const struct buzzer *bz, const struct want *want,
			size_t n, uint64_t handed)
{
	const struct buzzer_edge *e = buzzer_sim_edges(bz);
	uint64_t from;
	size_t i;

	assert_int_equal(buzzer_sim_count(bz), n);
	for (i = 0; i < n; i++) {
		if (e[i].on != want[i].on)
			fail_msg("edge %zu: on=%d, want %d", i, e[i].on,
				 want[i].on);
		if (want[i].on)
			assert_int_equal(e[i].hz, want[i].hz);
		if (e[i].t_ns < want[i].t)
			fail_msg("edge %zu is %llu ns early", i,
				 (unsigned long long)(want[i].t - e[i].t_ns));
		from = want[i].t > handed ? want[i].t : handed;
		if (e[i].t_ns > from + LATE_MAX_MS * MS)
			fail_msg("edge %zu is %llu ms late", i,
				 (unsigned long long)((e[i].t_ns - from) / MS));
	}
}

/* Collects @n fired reports through the fd, as the main loop would. */
static void collect_fired(struct cue_thread *ct, struct cue_fired *out,
			  size_t n)
{
	struct pollfd pfd = {.fd = cue_thread_fd(ct), .events = POLLIN};
	size_t got = 0;

	while (got < n) {
		if (poll(&pfd, 1, WAIT_MAX_MS) != 1)
			fail_msg("fd not readable: %zu of %zu reports", got, n);
		got += cue_thread_drain(ct, out + got, n - got);
	}
}

struct rig {
	struct buzzer *bz;
	struct cue_thread *ct;
};

static void rig_start(struct rig *rig, size_t max_pending)
{
	struct cue_thread_opts o = {.max_pending = max_pending};

	assert_int_equal(buzzer_new_sim(SIM_EDGES, &rig->bz), 0);
	assert_int_equal(cue_thread_new(rig->bz, &o, &rig->ct), 0);
	assert_int_equal(cue_thread_rt_error(rig->ct), 0);
}

static void rig_stop(struct rig *rig)
{
	cue_thread_free(rig->ct);
	buzzer_free(rig->bz);
}

static struct cue mkcue(enum cue_kind kind, uint64_t deadline, uint32_t seq)
{
	return (struct cue){.deadline_ns = deadline,
			    .kind = (uint16_t)kind,
			    .segment = (uint16_t)(seq % 7),
			    .seq = seq};
}

/*
 * Every kind sounds its own pattern, edge for edge, and is reported once.
 * The kinds run side by side, one thread each, to keep the test short.
 */
static void test_each_pattern(void **state)
{
	struct rig rigs[CUE_KIND_MAX];
	struct want want[CUE_KIND_MAX][2 * CUE_PATTERN_MAX];
	size_t n_want[CUE_KIND_MAX];
	uint64_t deadline, end = 0, handed[CUE_KIND_MAX];
	struct cue c;
	struct cue_fired f;
	int k;

	for (k = 0; k < CUE_KIND_MAX; k++)
		rig_start(&rigs[k], 0);
	deadline = now_ns() + 40 * MS;
	for (k = 0; k < CUE_KIND_MAX; k++) {
		n_want[k] = pattern_edges(k, deadline, want[k]);
		if (want[k][n_want[k] - 1].t > end)
			end = want[k][n_want[k] - 1].t;
		c = mkcue(k, deadline, 100 + (uint32_t)k);
		assert_int_equal(cue_thread_schedule(rigs[k].ct, &c, 1), 0);
		handed[k] = now_ns();
	}
	for (k = 0; k < CUE_KIND_MAX; k++)
		wait_edges(rigs[k].bz, n_want[k]);
	/* Give a stray extra edge the chance to show up. */
	sleep_until(end + 50 * MS);
	for (k = 0; k < CUE_KIND_MAX; k++) {
		check_edges(rigs[k].bz, want[k], n_want[k], handed[k]);
		collect_fired(rigs[k].ct, &f, 1);
		assert_int_equal(f.cue.seq, 100 + k);
		assert_int_equal(f.cue.kind, k);
		assert_int_equal(f.cue.segment, (100 + k) % 7);
		assert_int_equal(f.cue.deadline_ns, deadline);
		assert_true(f.fired_ns >= deadline);
		assert_int_equal(cue_thread_drain(rigs[k].ct, &f, 1), 0);
		assert_int_equal(cue_thread_dropped(rigs[k].ct), 0);
		rig_stop(&rigs[k]);
	}
}

/* A cue that comes due mid-pattern cuts the older cue's pattern. */
static void test_newer_cue_cuts_pattern(void **state)
{
	struct rig rig;
	uint64_t t0, handed;
	struct cue cues[2];
	struct want want[1 + 2 * CUE_PATTERN_MAX];
	struct cue_fired f[2];
	size_t n;

	rig_start(&rig, 0);
	t0 = now_ns() + 40 * MS;
	/* end: 300 on, 150 off, 300 on; halfway from t0+100 ms cuts it. */
	want[0] = (struct want){t0, true, cue_pattern(CUE_END)[0].hz};
	n = 1 + pattern_edges(CUE_HALFWAY, t0 + 100 * MS, want + 1);
	/* Given latest first: the thread orders them. */
	cues[0] = mkcue(CUE_HALFWAY, t0 + 100 * MS, 2);
	cues[1] = mkcue(CUE_END, t0, 1);
	assert_int_equal(cue_thread_schedule(rig.ct, cues, 2), 0);
	handed = now_ns();
	wait_edges(rig.bz, n);
	sleep_until(t0 + 800 * MS);
	check_edges(rig.bz, want, n, handed);
	collect_fired(rig.ct, f, 2);
	assert_int_equal(f[0].cue.seq, 1);
	assert_int_equal(f[0].cue.kind, CUE_END);
	assert_int_equal(f[1].cue.seq, 2);
	assert_int_equal(f[1].cue.kind, CUE_HALFWAY);
	rig_stop(&rig);
}

/* Cancel silences what sounds and drops what is pending. */
/*
 * A cue handed in after its deadline (a main loop that stalled, a thread
 * that woke late) still sounds its whole first tone: a countdown tick cut
 * to nothing would be a missed cue.
 */
static void test_late_cue_plays_in_full(void **state)
{
	struct rig rig;
	const struct cue_tone *t = cue_pattern(CUE_START);
	const struct buzzer_edge *e;
	struct cue c;

	rig_start(&rig, 0);
	c = mkcue(CUE_START, now_ns() - 1000 * MS, 1);
	assert_int_equal(cue_thread_schedule(rig.ct, &c, 1), 0);
	wait_edges(rig.bz, 2);
	e = buzzer_sim_edges(rig.bz);
	assert_true(e[0].on);
	assert_false(e[1].on);
	assert_true(e[1].t_ns - e[0].t_ns >= t[0].on_ms * MS);
	rig_stop(&rig);
}

static void test_cancel(void **state)
{
	struct rig rig;
	uint64_t t0;
	struct cue cues[3];
	const struct buzzer_edge *e;
	struct cue_fired f;

	rig_start(&rig, 0);
	t0 = now_ns() + 20 * MS;
	cues[0] = mkcue(CUE_START, t0, 1); /* a 600 ms tone */
	cues[1] = mkcue(CUE_END, t0 + 1000 * MS, 2);
	cues[2] = mkcue(CUE_DONE, t0 + 1100 * MS, 3);
	assert_int_equal(cue_thread_schedule(rig.ct, cues, 3), 0);
	wait_edges(rig.bz, 1);
	assert_int_equal(cue_thread_cancel(rig.ct), 0);
	/* Silenced by the cancel, or by the tone's end if that came first. */
	wait_edges(rig.bz, 2);
	sleep_until(t0 + 1300 * MS);
	assert_int_equal(buzzer_sim_count(rig.bz), 2);
	e = buzzer_sim_edges(rig.bz);
	assert_true(e[0].on);
	assert_false(e[1].on);
	collect_fired(rig.ct, &f, 1);
	assert_int_equal(f.cue.seq, 1);
	assert_int_equal(cue_thread_drain(rig.ct, &f, 1), 0);
	rig_stop(&rig);
}

/* Commands keep their order: what comes after a cancel still sounds. */
static void test_cancel_then_schedule(void **state)
{
	struct rig rig;
	uint64_t t0, handed;
	struct cue cancelled, later;
	struct want want[2 * CUE_PATTERN_MAX];
	struct cue_fired f;
	size_t n;

	rig_start(&rig, 0);
	t0 = now_ns() + 30 * MS;
	/* Far enough out that only the cancel can keep it from sounding. */
	cancelled = mkcue(CUE_END, t0 + 3600 * 1000 * MS, 1);
	later = mkcue(CUE_COUNTDOWN, t0, 2);
	n = pattern_edges(CUE_COUNTDOWN, t0, want);
	assert_int_equal(cue_thread_schedule(rig.ct, &cancelled, 1), 0);
	assert_int_equal(cue_thread_cancel(rig.ct), 0);
	assert_int_equal(cue_thread_schedule(rig.ct, &later, 1), 0);
	handed = now_ns();
	wait_edges(rig.bz, n);
	sleep_until(t0 + 300 * MS);
	check_edges(rig.bz, want, n, handed);
	collect_fired(rig.ct, &f, 1);
	assert_int_equal(f.cue.seq, 2);
	rig_stop(&rig);
}

/*
 * Reports come out oldest first, with their cue intact, also when the
 * caller drains fewer than are waiting: the fd stays readable for the
 * rest.
 */
#define FIRED_N 6

static void test_fired_reports(void **state)
{
	struct rig rig;
	uint64_t t0 = now_ns() + 30 * MS;
	struct cue cues[FIRED_N];
	struct cue_fired f[FIRED_N];
	struct pollfd pfd;
	size_t got = 0, i;

	/* Scheduled in a shuffled order, 10 ms apart. */
	for (i = 0; i < FIRED_N; i++) {
		size_t slot = (i * 5) % FIRED_N;

		cues[i] = mkcue((enum cue_kind)(slot % CUE_KIND_MAX),
				t0 + slot * 10 * MS, 1000 + (uint32_t)slot);
	}
	rig_start(&rig, 0);
	assert_int_equal(cue_thread_schedule(rig.ct, cues, FIRED_N), 0);
	sleep_until(t0 + 100 * MS);
	/* Each cue's onset is an "on" edge, so N onsets mean N reports. */
	for (;;) {
		const struct buzzer_edge *e = buzzer_sim_edges(rig.bz);
		size_t n = buzzer_sim_count(rig.bz), on = 0;

		for (i = 0; i < n; i++)
			on += e[i].on;
		if (on >= FIRED_N)
			break;
		sleep_ms(1);
	}
	/*
	 * A report follows its onset edge closely but not at once, hence
	 * the wait; a fd left unreadable with reports waiting would fail.
	 */
	pfd = (struct pollfd){.fd = cue_thread_fd(rig.ct), .events = POLLIN};
	while (got < FIRED_N) {
		assert_int_equal(poll(&pfd, 1, WAIT_MAX_MS), 1);
		got += cue_thread_drain(rig.ct, f + got, 2);
	}
	for (i = 0; i < FIRED_N; i++) {
		assert_int_equal(f[i].cue.seq, 1000 + i);
		assert_int_equal(f[i].cue.kind, i % CUE_KIND_MAX);
		assert_int_equal(f[i].cue.deadline_ns, t0 + i * 10 * MS);
		assert_true(f[i].fired_ns >= f[i].cue.deadline_ns);
	}
	assert_int_equal(cue_thread_drain(rig.ct, f, FIRED_N), 0);
	rig_stop(&rig);
}

/* Cues beyond the pending set or the command ring are counted. */
static void test_drops_counted(void **state)
{
	struct rig rig;
	uint64_t far = now_ns() + 3600 * 1000 * MS;
	struct cue cues[100];
	size_t i;
	int waited;

	for (i = 0; i < 100; i++)
		cues[i] = mkcue(CUE_COUNTDOWN, far + i * MS, (uint32_t)i);
	rig_start(&rig, 4);
	assert_int_equal(cue_thread_schedule(rig.ct, cues, 6), 0);
	for (waited = 0; cue_thread_dropped(rig.ct) < 2; waited++) {
		assert_true(waited < WAIT_MAX_MS);
		sleep_ms(1);
	}
	sleep_ms(20);
	assert_int_equal(cue_thread_dropped(rig.ct), 2);
	/* More than the command ring holds: refused whole, and counted. */
	assert_int_equal(cue_thread_schedule(rig.ct, cues, 100), -ENOBUFS);
	assert_int_equal(cue_thread_dropped(rig.ct), 102);
	cues[0].kind = CUE_KIND_MAX;
	assert_int_equal(cue_thread_schedule(rig.ct, cues, 1), -EINVAL);
	assert_int_equal(cue_thread_schedule(rig.ct, cues, 0), 0);
	rig_stop(&rig);
}

/* Stopping silences the buzzer, even mid-tone. */
static void test_free_silences(void **state)
{
	struct rig rig;
	struct cue c = mkcue(CUE_START, now_ns(), 1);
	size_t n;

	rig_start(&rig, 0);
	assert_int_equal(cue_thread_schedule(rig.ct, &c, 1), 0);
	wait_edges(rig.bz, 1);
	cue_thread_free(rig.ct);
	n = buzzer_sim_count(rig.bz);
	assert_false(buzzer_sim_edges(rig.bz)[n - 1].on);
	buzzer_free(rig.bz);
	cue_thread_free(NULL);
	buzzer_free(NULL);
}

/* Refusal of SCHED_FIFO is reported, not fatal; as root it is granted. */
/*
 * Reps counted by the motion stage on this thread sound a short tick
 * each when asked to, and the rep events reach the main thread.
 */
static void test_rep_tick(void **state)
{
	static struct motion_sample s[1024];
	struct motion_event ev[16];
	struct cue_thread_opts o = {.rep_tick = true};
	struct motion_stage *ms = NULL;
	const struct buzzer_edge *e;
	struct buzzer *bz = NULL;
	struct cue_thread *ct = NULL;
	struct pollfd pfd;
	size_t i, n = 0, got = 0, on = 0;

	/* 4 reps of 2 s at 50 Hz, a still second either side */
	for (i = 0; i < 500; i++, n++) {
		double t = i / 50.0 - 1.0;
		double a = t >= 0 && t < 8 ? 0.35 * sin(M_PI * t) : 0;

		s[n] = (struct motion_sample){.t_us = (int64_t)i * 20000,
					      .x = (float)(0.6 * a),
					      .y = (float)(0.3 * a),
					      .z = (float)(1 + 0.74 * a)};
	}
	assert_int_equal(motion_stage_new(50, &ms), 0);
	o.motion = ms;
	assert_int_equal(buzzer_new_sim(SIM_EDGES, &bz), 0);
	assert_int_equal(cue_thread_new(bz, &o, &ct), 0);
	assert_true(motion_stage_set_mode(ms, MOTION_REPS) > 0);
	/* a notification's worth at a time, each tick done before the
	 * next: one tick per run of the thread that counted a rep */
	for (i = 0; i < n; i += 10) {
		assert_int_equal(motion_stage_push(ms, s + i, 10), 0);
		sleep_ms(25);
	}
	pfd = (struct pollfd){.fd = motion_stage_fd(ms), .events = POLLIN};
	while (got < 4) {
		if (poll(&pfd, 1, WAIT_MAX_MS) != 1)
			fail_msg("only %zu reps reached the main thread", got);
		got += motion_stage_drain(ms, ev + got, 16 - got);
	}
	assert_int_equal(got, 4);
	assert_int_equal(ev[3].count, 4);
	/* a tick per run of the thread that counted: one per rep here,
	 * fewer only if the thread ran late enough to count two at once */
	wait_edges(bz, 2);
	sleep_ms(50);
	cue_thread_free(ct);
	e = buzzer_sim_edges(bz);
	for (i = 0; i < buzzer_sim_count(bz); i++) {
		if (!e[i].on)
			continue;
		on++;
		assert_true(i + 1 < buzzer_sim_count(bz));
		assert_false(e[i + 1].on);
		assert_true(e[i + 1].t_ns - e[i].t_ns >= 15 * 1000000ull);
	}
	assert_true(on >= 1 && on <= 4);
	buzzer_free(bz);
	motion_stage_free(ms);
}

static void test_realtime_optional(void **state)
{
	struct cue_thread_opts o = {.realtime = true, .priority = 10};
	struct buzzer *bz;
	struct cue_thread *ct;
	int r;

	assert_int_equal(buzzer_new_sim(4, &bz), 0);
	assert_int_equal(cue_thread_new(bz, &o, &ct), 0);
	r = cue_thread_rt_error(ct);
	assert_true(r == 0 || r == -EPERM);
	cue_thread_free(ct);
	buzzer_free(bz);
}

static void test_sim_capacity(void **state)
{
	struct buzzer *bz;
	const struct buzzer_edge *e;

	assert_int_equal(buzzer_new_sim(2, &bz), 0);
	assert_string_equal(buzzer_backend(bz), "sim");
	assert_int_equal(buzzer_set(bz, true, 70000), 0);
	assert_int_equal(buzzer_set(bz, false, 0), 0);
	assert_int_equal(buzzer_set(bz, true, 440), 0);
	assert_int_equal(buzzer_sim_count(bz), 2);
	assert_int_equal(buzzer_sim_dropped(bz), 1);
	e = buzzer_sim_edges(bz);
	assert_true(e[0].on);
	assert_int_equal(e[0].hz, UINT16_MAX);
	assert_false(e[1].on);
	assert_true(e[1].t_ns >= e[0].t_ns);
	buzzer_free(bz);
}

/* --- PWM over a fake sysfs tree ------------------------------------------*/

static void put_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The number at the start of a file, as sysfs would parse it. */
static unsigned long long read_num(const char *dir, const char *name)
{
	char path[PATH_MAX], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	return strtoull(buf, NULL, 10);
}

/* Paths in the fake tree stay short: @root is a mkdtemp() name. */
#define TREE_DIR 256

static void make_channel(const char *root, unsigned int chip,
			 unsigned int channel, char *ret_dir)
{
	char dir[TREE_DIR / 2];

	snprintf(dir, sizeof(dir), "%s/pwmchip%u", root, chip);
	mkdir(dir, 0755);
	snprintf(ret_dir, TREE_DIR, "%s/pwm%u", dir, channel);
	assert_int_equal(mkdir(ret_dir, 0755), 0);
	/* As a previous user might have left it: enabled, long period. */
	put_file(ret_dir, "period", "9000000\n");
	put_file(ret_dir, "duty_cycle", "4500000\n");
	put_file(ret_dir, "enable", "1\n");
}

static void remove_tree(const char *root)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static void test_pwm_writes_tones(void **state)
{
	static const struct {
		bool on;
		unsigned int hz;
		unsigned long long period, duty, enable;
	} steps[] = {
		{true, 2000, 500000, 250000, 1},
		{false, 0, 500000, 250000, 0},
		{true, 1000, 1000000, 500000, 1},
		{true, 4000, 250000, 125000, 1}, /* pitch change while on */
		{false, 0, 250000, 125000, 0},
		{true, 0, 500000, 250000, 1}, /* no pitch: 2 kHz */
	};
	char root[] = "/tmp/gymhub-pwm-XXXXXX", dir[TREE_DIR];
	struct buzzer *bz = NULL;
	size_t i;

	assert_non_null(mkdtemp(root));
	make_channel(root, 0, 1, dir);
	assert_int_equal(buzzer_new_pwm(root, 0, 1, &bz), 0);
	assert_string_equal(buzzer_backend(bz), "pwm");
	/* Starts silent, with a valid period (2 kHz) already set. */
	assert_int_equal(read_num(dir, "enable"), 0);
	assert_int_equal(read_num(dir, "period"), 500000);
	assert_int_equal(read_num(dir, "duty_cycle"), 250000);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		assert_int_equal(buzzer_set(bz, steps[i].on, steps[i].hz), 0);
		assert_int_equal(read_num(dir, "period"), steps[i].period);
		assert_int_equal(read_num(dir, "duty_cycle"), steps[i].duty);
		assert_int_equal(read_num(dir, "enable"), steps[i].enable);
	}
	buzzer_free(bz);
	assert_int_equal(read_num(dir, "enable"), 0);
	remove_tree(root);
}

struct exporter {
	char root[64];
	char dir[256];
};

/*
 * Plays the kernel: creates the channel once its number is exported.
 * Plain calls only: cmocka's asserts must stay on the test's thread.
 */
static void *fake_export(void *data)
{
	static const char *const attrs[] = {"period", "duty_cycle", "enable"};
	struct exporter *x = data;
	char path[PATH_MAX], buf[16] = "";
	FILE *f;
	size_t i;
	int waited;

	snprintf(path, sizeof(path), "%s/pwmchip1/export", x->root);
	for (waited = 0; strcmp(buf, "3\n") != 0; waited++) {
		if (waited > WAIT_MAX_MS)
			return NULL;
		sleep_ms(1);
		f = fopen(path, "r");
		if (f && !fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		if (f)
			fclose(f);
	}
	snprintf(x->dir, sizeof(x->dir), "%s/pwmchip1/pwm3", x->root);
	mkdir(x->dir, 0755);
	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", x->dir, attrs[i]);
		f = fopen(path, "w");
		if (f)
			fclose(f);
	}
	return NULL;
}

static void test_pwm_exports_channel(void **state)
{
	struct exporter x;
	char chip[TREE_DIR];
	struct buzzer *bz = NULL;
	pthread_t t;

	strcpy(x.root, "/tmp/gymhub-pwm-XXXXXX");
	assert_non_null(mkdtemp(x.root));
	snprintf(chip, sizeof(chip), "%s/pwmchip1", x.root);
	assert_int_equal(mkdir(chip, 0755), 0);
	put_file(chip, "export", "");
	assert_int_equal(pthread_create(&t, NULL, fake_export, &x), 0);
	assert_int_equal(buzzer_new_pwm(x.root, 1, 3, &bz), 0);
	pthread_join(t, NULL);
	assert_int_equal(buzzer_set(bz, true, 2500), 0);
	assert_int_equal(read_num(x.dir, "period"), 400000);
	buzzer_free(bz);
	remove_tree(x.root);
}

static void test_pwm_missing_chip(void **state)
{
	char root[] = "/tmp/gymhub-pwm-XXXXXX";
	struct buzzer *bz = NULL;

	assert_non_null(mkdtemp(root));
	assert_int_equal(buzzer_new_pwm(root, 7, 0, &bz), -ENOENT);
	assert_null(bz);
	remove_tree(root);
}

/* No GPIO hardware needed: a chip that does not exist is an errno. */
static void test_gpiod_missing_chip(void **state)
{
	static const char *const chips[] = {
		"gymhub-no-such-chip",
		"/nonexistent/gpiochip0",
		"4093",
	};
	struct buzzer *bz = NULL;
	size_t i;
	int r;

	for (i = 0; i < sizeof(chips) / sizeof(chips[0]); i++) {
		r = buzzer_new_gpiod(chips[i], 17, false, &bz);
		assert_true(r < 0);
		assert_true(r > -4096);
		assert_null(bz);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_pattern),
		cmocka_unit_test(test_newer_cue_cuts_pattern),
		cmocka_unit_test(test_late_cue_plays_in_full),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_cancel_then_schedule),
		cmocka_unit_test(test_fired_reports),
		cmocka_unit_test(test_drops_counted),
		cmocka_unit_test(test_free_silences),
		cmocka_unit_test(test_rep_tick),
		cmocka_unit_test(test_realtime_optional),
		cmocka_unit_test(test_sim_capacity),
		cmocka_unit_test(test_pwm_writes_tones),
		cmocka_unit_test(test_pwm_exports_channel),
		cmocka_unit_test(test_pwm_missing_chip),
		cmocka_unit_test(test_gpiod_missing_chip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
