/* SPDX-License-Identifier: MIT */
/*
 * bench-reps.c - how well rep_detect counts real recorded sets, how late
 * it counts, and what it costs.
 *
 *   bench-reps DIR     DIR holds sets.csv and sets/ (data/reps)
 *
 * Every set in DIR/sets.csv goes through a fresh detector one sample per
 * push, as BLE notifications arrive; the final count is compared with
 * the set's true count. For each dataset and sensor position, then
 * overall: exact-count rate, share within +-1 rep, mean absolute error
 * and mean signed error (bias). The same figures follow, prefixed
 * "baseline_", for naive counting of peaks of the acceleration magnitude
 * (the obvious first attempt), so the gain is visible.
 *
 * Sets in raw sensor counts (the WLE dataset, no fixed scale to g) are
 * scaled so that their median magnitude is 1 g: at rest, and on average
 * in a set, an accelerometer reads gravity. This unit conversion looks
 * at the whole set; the detector itself sees the samples one by one.
 *
 * Latency needs true turnaround times, which the recordings lack: it is
 * measured on synthetic sets (tests/motion-synth.c) at 25-200 Hz with
 * jitter, in sample time. CPU time per sample: median of 5 passes over
 * all recorded sets.
 *
 * Prints one "name value unit" line per figure; without DIR, prints
 * "reps_skipped 1 flag" and exits 0 so that make bench passes on a
 * machine without the data.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "motion-synth.h"
#include "rep-detect.h"

#define MAX_SETS   2048
#define MAX_GROUPS 32
#define NAME_LEN   64
#define CPU_RUNS   5

struct set {
	char dataset[NAME_LEN], position[NAME_LEN];
	int true_reps;
	struct motion_sample *s;
	size_t n;
};

struct tally {
	char name[2 * NAME_LEN];
	unsigned sets, exact, within1;
	double abs_err, err;
};

static struct set sets[MAX_SETS];
static size_t n_sets;

/* --- loading -------------------------------------------------------------*/

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/* Raw counts: scale so the median magnitude is 1 g (see the top). */
static void to_g(struct motion_sample *s, size_t n)
{
	float *m = malloc(n * sizeof(*m)), k;
	size_t i;

	if (!m || n == 0) {
		free(m);
		return;
	}
	for (i = 0; i < n; i++)
		m[i] = sqrtf(s[i].x * s[i].x + s[i].y * s[i].y +
			     s[i].z * s[i].z);
	qsort(m, n, sizeof(*m), cmp_float);
	k = m[n / 2] > 0.0f ? 1.0f / m[n / 2] : 1.0f;
	for (i = 0; i < n; i++) {
		s[i].x *= k;
		s[i].y *= k;
		s[i].z *= k;
	}
	free(m);
}

static int load_set(const char *dir, const char *file, struct set *st)
{
	char path[4096], line[256];
	size_t cap = 4096;
	double t, x, y, z;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	st->s = malloc(cap * sizeof(*st->s));
	st->n = 0;
	if (!st->s) {
		fclose(f);
		return -ENOMEM;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lf,%lf,%lf,%lf", &t, &x, &y, &z) != 4)
			continue; /* the header */
		if (st->n == cap) {
			struct motion_sample *b;

			cap *= 2;
			b = realloc(st->s, cap * sizeof(*b));
			if (!b) {
				fclose(f);
				return -ENOMEM;
			}
			st->s = b;
		}
		st->s[st->n++] = (struct motion_sample){
			.t_us = llround(t * 1e6),
			.x = (float)x,
			.y = (float)y,
			.z = (float)z,
		};
	}
	fclose(f);
	return 0;
}

static int load(const char *dir)
{
	char path[4096], line[1024], file[512], units[NAME_LEN];
	char ds[NAME_LEN], ex[NAME_LEN * 2], pos[NAME_LEN];
	double rate;
	int reps, r;
	FILE *f;

	snprintf(path, sizeof(path), "%s/sets.csv", dir);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) && n_sets < MAX_SETS) {
		if (sscanf(line,
			   "%511[^,],%63[^,],%127[^,],%63[^,],%lf,%d,%63s",
			   file, ds, ex, pos, &rate, &reps, units) != 7)
			continue;
		r = load_set(dir, file, &sets[n_sets]);
		if (r < 0) {
			fprintf(stderr, "bench-reps: %s: %s\n", file,
				strerror(-r));
			fclose(f);
			return r;
		}
		if (strcmp(units, "g") != 0)
			to_g(sets[n_sets].s, sets[n_sets].n);
		snprintf(sets[n_sets].dataset, NAME_LEN, "%s", ds);
		snprintf(sets[n_sets].position, NAME_LEN, "%s", pos);
		sets[n_sets].true_reps = reps;
		n_sets++;
	}
	fclose(f);
	return n_sets ? 0 : -ENOENT;
}

/* --- counting ------------------------------------------------------------*/

static double nominal_rate(const struct set *st)
{
	if (st->n < 2 || st->s[st->n - 1].t_us <= st->s[0].t_us)
		return 50.0;
	return (double)(st->n - 1) * 1e6 /
	       (double)(st->s[st->n - 1].t_us - st->s[0].t_us);
}

static int count_detector(struct rep_detect *rd, const struct set *st)
{
	struct rep_event ev[REP_DETECT_QUEUE];
	size_t i;

	rep_detect_reset(rd);
	for (i = 0; i < st->n; i++)
		rep_detect_push(rd, &st->s[i], 1, ev, REP_DETECT_QUEUE);
	return (int)rep_detect_count(rd);
}

/*
 * The baseline: the magnitude |a| (orientation-free, so no axis to find),
 * smoothed by a 3 Hz one-pole low-pass, and every local maximum above the
 * set's mean magnitude plus half its standard deviation counted, at most
 * one per 0.7 s (the shortest rep). Knowing the set's statistics in
 * advance makes it better than a live version could be.
 */
static int count_baseline(const struct set *st)
{
	double sum = 0, sum2 = 0, mean, thr, m, y = 0, prev = 0, prev2 = 0;
	double tau = 1.0 / (2.0 * M_PI * 3.0), dt, last = -1e9, t;
	int count = 0;
	size_t i;

	for (i = 0; i < st->n; i++) {
		m = sqrt(st->s[i].x * st->s[i].x + st->s[i].y * st->s[i].y +
			 st->s[i].z * st->s[i].z);
		sum += m;
		sum2 += m * m;
	}
	mean = sum / (double)st->n;
	thr = mean + 0.5 * sqrt(fmax(sum2 / (double)st->n - mean * mean, 0));
	for (i = 0; i < st->n; i++) {
		m = sqrt(st->s[i].x * st->s[i].x + st->s[i].y * st->s[i].y +
			 st->s[i].z * st->s[i].z);
		dt = i ? (double)(st->s[i].t_us - st->s[i - 1].t_us) * 1e-6 : 1;
		y = i ? y + (1.0 - exp(-dt / tau)) * (m - y) : m;
		t = (double)st->s[i].t_us * 1e-6;
		if (i >= 2 && prev > prev2 && prev >= y && prev > thr &&
		    t - last >= 0.7) {
			count++;
			last = t;
		}
		prev2 = prev;
		prev = y;
	}
	return count;
}

static struct tally *group(struct tally *g, size_t *ng, const char *name)
{
	size_t i;

	for (i = 0; i < *ng; i++)
		if (strcmp(g[i].name, name) == 0)
			return &g[i];
	if (*ng == MAX_GROUPS)
		return NULL;
	memset(&g[*ng], 0, sizeof(g[*ng]));
	snprintf(g[*ng].name, sizeof(g[*ng].name), "%.127s", name);
	return &g[(*ng)++];
}

static void add(struct tally *t, int got, int want)
{
	int e = got - want;

	if (!t)
		return;
	t->sets++;
	t->exact += e == 0;
	t->within1 += abs(e) <= 1;
	t->abs_err += abs(e);
	t->err += e;
}

static void print_tally(const char *prefix, const struct tally *t)
{
	double n = t->sets ? t->sets : 1;

	printf("%sreps_%s_sets %u sets\n", prefix, t->name, t->sets);
	printf("%sreps_%s_exact %.1f %%\n", prefix, t->name,
	       100.0 * t->exact / n);
	printf("%sreps_%s_within1 %.1f %%\n", prefix, t->name,
	       100.0 * t->within1 / n);
	printf("%sreps_%s_mae %.2f reps\n", prefix, t->name, t->abs_err / n);
	printf("%sreps_%s_bias %+.2f reps\n", prefix, t->name, t->err / n);
}

static int accuracy(int verbose)
{
	struct tally g[MAX_GROUPS], b[MAX_GROUPS];
	size_t ng = 0, nb = 0, i;
	struct rep_detect *rd = NULL;
	char name[2 * NAME_LEN];
	int r, got, base;

	for (i = 0; i < n_sets; i++) {
		struct rep_detect_config cfg = {
			.rate_hz = (float)nominal_rate(&sets[i])};

		r = rep_detect_new(&cfg, &rd);
		if (r < 0)
			return r;
		got = count_detector(rd, &sets[i]);
		rep_detect_free(rd);
		base = count_baseline(&sets[i]);
		snprintf(name, sizeof(name), "%.63s_%.63s", sets[i].dataset,
			 sets[i].position);
		add(group(g, &ng, name), got, sets[i].true_reps);
		add(group(g, &ng, "all"), got, sets[i].true_reps);
		add(group(b, &nb, name), base, sets[i].true_reps);
		add(group(b, &nb, "all"), base, sets[i].true_reps);
		if (verbose)
			fprintf(stderr,
				"set %zu %s %s true %d got %d base %d\n", i,
				sets[i].dataset, sets[i].position,
				sets[i].true_reps, got, base);
	}
	for (i = 0; i < ng; i++)
		print_tally("", &g[i]);
	for (i = 0; i < nb; i++)
		print_tally("baseline_", &b[i]);
	return 0;
}

/* --- latency (synthetic) -------------------------------------------------*/

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(const double *v, size_t n, double p)
{
	size_t k = (size_t)ceil(p * (double)n);

	return n ? v[k ? k - 1 : 0] : NAN;
}

#define SYN_MAX	 200000
#define LAT_MAX	 20000
#define TURN_MAX 256
#define SEEDS	 12

/*
 * Synthetic sets, as in test-rep-detect.c but over more seeds: sensor
 * travel, turn, and the timing of a rep (out, pause, back, pause).
 */
static const struct {
	double travel_m, swing_deg, out_s, pause_out_s, back_s, pause_back_s;
} kinds[] = {
	{0.35, 120, 1.0, 0.2, 1.3, 0.4}, /* curl, on the dumbbell */
	{0.45, 80, 1.3, 0.1, 1.1, 0.5},	 /* squat, on the thigh */
	{0.5, 80, 1.0, 0.3, 1.5, 0.3},	 /* lateral raise, wrist */
	{0.3, 15, 0.8, 0.1, 0.7, 0.3},	 /* push-up, chest strap */
	{0.45, 30, 1.4, 0.2, 1.2, 0.6},	 /* squat, belt */
	{0.45, 0, 1.0, 0.3, 1.0, 0.3},	 /* bench press, on the bar */
	{0.4, 70, 0.4, 0.0, 0.4, 0.0},	 /* fast: 0.8 s reps */
	{0.4, 70, 2.5, 0.5, 2.5, 0.5},	 /* slow: 6 s reps */
};

static int64_t nearest(const int64_t *turn, size_t n, int64_t t)
{
	int64_t best = turn[0];
	size_t i;

	for (i = 1; i < n; i++)
		if (llabs(turn[i] - t) < llabs(best - t))
			best = turn[i];
	return best;
}

/*
 * One synthetic set through @rd; appends each rep's latency: detected_us
 * minus the true turnaround nearest to the rep's own estimate of it, in
 * sample time (negative when a rep is counted while the limb is still
 * slowing into its turnaround). True when the count is right.
 */
static bool synthetic_set(struct rep_detect *rd, const struct synth_reps *p,
			  double *lat, size_t *nl)
{
	static struct motion_sample s[SYN_MAX];
	struct rep_event ev[REP_DETECT_QUEUE];
	int64_t turn[TURN_MAX];
	size_t n, nt, i, k, j;

	n = synth_reps(p, s, SYN_MAX, turn, TURN_MAX, &nt);
	rep_detect_reset(rd);
	for (i = 0; i < n; i++) {
		k = rep_detect_push(rd, &s[i], 1, ev, REP_DETECT_QUEUE);
		for (j = 0; j < k && *nl < LAT_MAX && nt > 0; j++)
			lat[(*nl)++] = (double)(ev[j].detected_us -
						nearest(turn, nt, ev[j].t_us)) /
				       1e3;
	}
	return rep_detect_count(rd) == p->n_reps;
}

static int latency(void)
{
	static const double rates[] = {25, 50, 100, 200};
	static double lat[LAT_MAX];
	size_t nl = 0, i, ok = 0, sets_n = 0, late = 0;
	struct rep_detect *rd;
	unsigned ri, ki, seed;
	int r;

	for (ri = 0; ri < 4; ri++) {
		struct rep_detect_config cfg = {.rate_hz = (float)rates[ri]};

		r = rep_detect_new(&cfg, &rd);
		if (r < 0)
			return r;
		for (ki = 0; ki < sizeof(kinds) / sizeof(kinds[0]); ki++)
			for (seed = 1; seed <= SEEDS; seed++) {
				struct synth_reps p = {
					.rate_hz = rates[ri],
					.jitter = 0.3,
					.rest_before_s = 3,
					.rest_after_s = 3,
					.n_reps = 10,
					.out_s = kinds[ki].out_s,
					.back_s = kinds[ki].back_s,
					.pause_out_s = kinds[ki].pause_out_s,
					.pause_back_s = kinds[ki].pause_back_s,
					.travel_m = kinds[ki].travel_m,
					.swing_deg = kinds[ki].swing_deg,
					.noise_g = 0.01,
					.tremor_g = 0.02,
					.tremor_hz = 9,
					.seed = seed * 7919 + ki * 31 + ri,
				};

				ok += synthetic_set(rd, &p, lat, &nl);
				sets_n++;
			}
		rep_detect_free(rd);
	}
	for (i = 0; i < nl; i++)
		late += lat[i] > 250.0;
	qsort(lat, nl, sizeof(*lat), cmp_double);
	printf("reps_synthetic_sets %zu sets\n", sets_n);
	printf("reps_synthetic_exact %.1f %%\n",
	       100.0 * (double)ok / (double)sets_n);
	printf("reps_latency_p50 %.0f ms\n", pct(lat, nl, 0.50));
	printf("reps_latency_p99 %.0f ms\n", pct(lat, nl, 0.99));
	printf("reps_latency_max %.0f ms\n", nl ? lat[nl - 1] : NAN);
	printf("reps_latency_min %.0f ms\n", nl ? lat[0] : NAN);
	printf("reps_latency_over_250ms %.2f %%\n",
	       nl ? 100.0 * (double)late / (double)nl : NAN);
	return 0;
}

/* --- CPU -----------------------------------------------------------------*/

/* Where the counts go, so the compiler keeps the work. */
static volatile int cpu_sink;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cpu(void)
{
	double ns[CPU_RUNS], t0;
	size_t total = 0, i;
	struct rep_detect *rd;
	int run, r;

	for (run = 0; run < CPU_RUNS; run++) {
		total = 0;
		t0 = now_s();
		for (i = 0; i < n_sets; i++) {
			struct rep_detect_config cfg = {
				.rate_hz = (float)nominal_rate(&sets[i])};

			r = rep_detect_new(&cfg, &rd);
			if (r < 0)
				return r;
			cpu_sink += count_detector(rd, &sets[i]);
			rep_detect_free(rd);
			total += sets[i].n;
		}
		ns[run] = (now_s() - t0) * 1e9 / (double)total;
	}
	qsort(ns, CPU_RUNS, sizeof(*ns), cmp_double);
	printf("reps_cpu_per_sample %.0f ns\n", ns[CPU_RUNS / 2]);
	printf("reps_samples %zu samples\n", total);
	return 0;
}

int main(int argc, char **argv)
{
	int verbose = getenv("BENCH_REPS_VERBOSE") != NULL, r;
	size_t i;

	if (argc < 2) {
		fprintf(stderr, "bench-reps: needs the data/reps folder: "
				"bench-reps DIR (sets.csv and sets/)\n");
		printf("reps_skipped 1 flag\n");
		return 0;
	}
	r = load(argv[1]);
	if (r < 0) {
		fprintf(stderr, "bench-reps: %s/sets.csv: %s\n", argv[1],
			strerror(-r));
		return 1;
	}
	r = accuracy(verbose);
	if (r == 0)
		r = latency();
	if (r == 0)
		r = cpu();
	for (i = 0; i < n_sets; i++)
		free(sets[i].s);
	if (r < 0) {
		fprintf(stderr, "bench-reps: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}
