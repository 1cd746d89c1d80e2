/* SPDX-License-Identifier: MIT */
/*
 * bench-cues.c - how far after its deadline each cue starts to sound.
 *
 * Schedules --cues countdown cues (default 1200) 20-37 ms apart with a
 * sub-millisecond jitter, so deadlines do not line up with any tick, the
 * way the main loop does: a couple of seconds ahead, in batches. The
 * simulated buzzer stamps every edge; onset error = edge time - deadline.
 * One run on an idle machine, one under load the benchmark makes itself:
 * a spinning process per CPU and a process writing and fsync()ing a temp
 * file. SCHED_FIFO (and mlockall) are asked for unless --no-rt.
 *
 * Prints one "name value unit" line per figure. Not a test: it asserts
 * nothing about the figures.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buzzer.h"
#include "cue-thread.h"

#define MS		 UINT64_C(1000000)
#define SEC		 UINT64_C(1000000000)
#define SCHEDULE_AHEAD	 (2 * SEC)
#define FIRST_CUE_AFTER	 (300 * MS)
#define LOAD_WARMUP_MS	 300
#define WRITER_CHUNK	 (256 * 1024)
#define WRITER_FILE_SIZE (32 * 1024 * 1024)
#define MAX_LOAD_PROCS	 256

struct run_result {
	double p50_ms, p99_ms, max_ms;
	size_t onsets;
	size_t early;
	uint64_t dropped;
	int rt_error;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: reproducible deadlines from run to run. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/* --- load ----------------------------------------------------------------*/

/* Where the spinners' sums go, so the compiler keeps the loop. */
static volatile uint64_t spin_sink;

static void child_spin(uint64_t until)
{
	unsigned int i;

	while (now_ns() < until)
		for (i = 0; i < 1000000; i++)
			spin_sink += i;
	_exit(0);
}

static void child_write(uint64_t until)
{
	static char chunk[WRITER_CHUNK];
	const char *dir = getenv("TMPDIR");
	char path[4096];
	off_t off = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/bench-cues-XXXXXX",
		 dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		_exit(1);
	unlink(path);
	memset(chunk, 0x5a, sizeof(chunk));
	while (now_ns() < until) {
		if (pwrite(fd, chunk, sizeof(chunk), off) < 0)
			break;
		fsync(fd);
		off = (off + WRITER_CHUNK) % WRITER_FILE_SIZE;
	}
	_exit(0);
}

/*
 * Forks the load; each child also ends by itself at @until and when the
 * benchmark dies, so none can outlive it.
 */
static size_t load_start(pid_t *pids, uint64_t until)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = 0;
	long i;
	pid_t pid;

	if (ncpu < 1)
		ncpu = 1;
	for (i = 0; i <= ncpu && n < MAX_LOAD_PROCS; i++) {
		pid = fork();
		if (pid < 0) {
			perror("bench-cues: fork");
			break;
		}
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (i < ncpu)
				child_spin(until);
			child_write(until);
		}
		pids[n++] = pid;
	}
	return n;
}

static void load_stop(const pid_t *pids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
}

/* --- one run -------------------------------------------------------------*/

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted @v. */
static double percentile(const double *v, size_t n, double p)
{
	size_t k = (size_t)ceil(p * (double)n);

	return v[k ? k - 1 : 0];
}

static uint64_t plan_deadlines(uint64_t *deadlines, size_t n)
{
	uint64_t seed = UINT64_C(0x9e3779b97f4a7c15);
	uint64_t t = now_ns() + FIRST_CUE_AFTER;
	size_t i;

	for (i = 0; i < n; i++) {
		deadlines[i] = t;
		t += 20 * MS + rnd(&seed) % (17 * MS);
	}
	return deadlines[n - 1];
}

/* Plays the main loop: schedules ahead, drains reports. */
static int feed(struct cue_thread *ct, const uint64_t *deadlines, size_t n)
{
	struct pollfd pfd = {.fd = cue_thread_fd(ct), .events = POLLIN};
	struct cue batch[64];
	struct cue_fired fired[64];
	size_t next = 0, got = 0, k, i;
	uint64_t give_up = deadlines[n - 1] + 5 * SEC;
	int r;

	while (got < n && now_ns() < give_up) {
		for (k = 0; next < n && k < 64 &&
			    deadlines[next] < now_ns() + SCHEDULE_AHEAD;
		     k++, next++)
			batch[k] = (struct cue){.deadline_ns = deadlines[next],
						.kind = CUE_COUNTDOWN,
						.seq = (uint32_t)next};
		if (k) {
			r = cue_thread_schedule(ct, batch, k);
			if (r < 0)
				return r;
		}
		if (poll(&pfd, 1, 50) < 0 && errno != EINTR)
			return -errno;
		while ((k = cue_thread_drain(ct, fired, 64)) > 0) {
			/* Reports come in deadline order, none missing. */
			for (i = 0; i < k; i++)
				if (fired[i].cue.seq != got + i)
					return -EPROTO;
			got += k;
		}
	}
	return got == n ? 0 : -ETIMEDOUT;
}

static int run(size_t n, bool rt, bool load, struct run_result *res)
{
	struct cue_thread_opts o = {
		.realtime = rt,
		.priority = 50,
		.lock_memory = rt,
		.max_pending = 0, /* the daemon's default */
	};
	struct buzzer *bz = NULL;
	struct cue_thread *ct = NULL;
	uint64_t *deadlines = calloc(n, sizeof(*deadlines));
	double *err = calloc(n, sizeof(*err));
	pid_t pids[MAX_LOAD_PROCS];
	const struct buzzer_edge *e;
	size_t n_load = 0, i, k, edges;
	uint64_t last;
	int r = -ENOMEM;

	if (!deadlines || !err)
		goto out;
	last = plan_deadlines(deadlines, n);
	if (load) {
		n_load = load_start(pids, last + 10 * SEC);
		nanosleep(&(struct timespec){0, LOAD_WARMUP_MS * 1000000L},
			  NULL);
		/* The warm-up moved "now": plan again from here. */
		last = plan_deadlines(deadlines, n);
	}
	r = buzzer_new_sim(4 * n + 16, &bz);
	if (r == 0)
		r = cue_thread_new(bz, &o, &ct);
	if (r < 0)
		goto out;
	res->rt_error = cue_thread_rt_error(ct);
	r = feed(ct, deadlines, n);
	res->dropped = cue_thread_dropped(ct);
	cue_thread_free(ct);
	ct = NULL;
	load_stop(pids, n_load);
	n_load = 0;
	if (r < 0)
		goto out;

	/* Countdown cues are one tone, cut by the next: one "on" per cue. */
	e = buzzer_sim_edges(bz);
	edges = buzzer_sim_count(bz);
	res->early = 0;
	for (i = 0, k = 0; i < edges && k < n; i++) {
		if (!e[i].on)
			continue;
		if (e[i].t_ns < deadlines[k])
			res->early++;
		err[k] = ((double)e[i].t_ns - (double)deadlines[k]) / 1e6;
		k++;
	}
	res->onsets = k;
	if (k != n) {
		fprintf(stderr, "bench-cues: %zu onsets for %zu cues\n", k, n);
		r = -EPROTO;
		goto out;
	}
	qsort(err, n, sizeof(*err), cmp_double);
	res->p50_ms = percentile(err, n, 0.50);
	res->p99_ms = percentile(err, n, 0.99);
	res->max_ms = err[n - 1];
out:
	load_stop(pids, n_load);
	cue_thread_free(ct);
	buzzer_free(bz);
	free(err);
	free(deadlines);
	return r;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench-cues [--cues N] [--no-rt]\n"
		   "  --cues N   cues per run (default 1200, at least 10)\n"
		   "  --no-rt    do not ask for SCHED_FIFO and mlockall\n");
}

int main(int argc, char **argv)
{
	struct run_result idle = {0}, load = {0};
	size_t n = 1200;
	bool rt = true;
	int i, r;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cues") == 0 && i + 1 < argc) {
			n = strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--no-rt") == 0) {
			rt = false;
		} else if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (n < 10 || n > 1000000) {
		usage(stderr);
		return 2;
	}
	fprintf(stderr, "bench-cues: %zu cues idle, then under load (~%zu s)\n",
		n, (size_t)(2 * n * 29 / 1000 + 2));
	r = run(n, rt, false, &idle);
	if (r == 0)
		r = run(n, rt, true, &load);
	if (r < 0) {
		fprintf(stderr, "bench-cues: %s\n", strerror(-r));
		return 1;
	}
	printf("cue_onset_error_p50_idle %.3f ms\n", idle.p50_ms);
	printf("cue_onset_error_p99_idle %.3f ms\n", idle.p99_ms);
	printf("cue_onset_error_max_idle %.3f ms\n", idle.max_ms);
	printf("cue_onset_error_p50_load %.3f ms\n", load.p50_ms);
	printf("cue_onset_error_p99_load %.3f ms\n", load.p99_ms);
	printf("cue_onset_error_max_load %.3f ms\n", load.max_ms);
	printf("cue_onset_early_count %zu cues\n", idle.early + load.early);
	printf("cue_dropped %llu cues\n",
	       (unsigned long long)(idle.dropped + load.dropped));
	printf("cue_realtime %d bool\n", rt && idle.rt_error == 0);
	return 0;
}
