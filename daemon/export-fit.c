/* SPDX-License-Identifier: MIT */
/*
 * export-fit.c - one stored session as a FIT activity file, as Garmin
 * Connect, Strava, intervals.icu and GoldenCheetah read strength
 * workouts: sport training / sub-sport strength training, a set message
 * per set and per rest, per-second heart-rate records, a lap per
 * segment.
 *
 * Message order follows the FIT SDK's "Activity file" description with
 * summary messages last: file_id, device_info, timer start, records and
 * sets in time order, timer stop, laps, session, activity. Message and
 * field numbers and enum values are from FIT profile 21.217
 * (FIT_PROFILE_VERSION). Pure C, no GLib, any thread.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export-timeline.h"
#include "export.h"
#include "fit-encode.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Profile: mesg_num. */
enum {
	MESG_FILE_ID = 0,
	MESG_SESSION = 18,
	MESG_LAP = 19,
	MESG_RECORD = 20,
	MESG_EVENT = 21,
	MESG_DEVICE_INFO = 23,
	MESG_ACTIVITY = 34,
	MESG_SET = 225,
};

/* Our local message numbers: one each, never redefined. */
enum {
	LOCAL_FILE_ID,
	LOCAL_DEVICE_INFO,
	LOCAL_EVENT,
	LOCAL_RECORD,
	LOCAL_SET,
	LOCAL_LAP,
	LOCAL_SESSION,
	LOCAL_ACTIVITY,
};

/* Profile types used below. */
#define FILE_ACTIVITY		 4   /* file */
#define MANUFACTURER_DEVELOPMENT 255 /* manufacturer */
#define EVENT_TIMER		 0   /* event */
#define EVENT_SESSION		 8
#define EVENT_LAP		 9
#define EVENT_ACTIVITY		 26
#define EVENT_TYPE_START	 0 /* event_type */
#define EVENT_TYPE_STOP		 1
#define EVENT_TYPE_STOP_ALL	 4
#define SPORT_TRAINING		 10 /* sport */
#define SUB_SPORT_STRENGTH	 20 /* sub_sport strength_training */
#define INTENSITY_ACTIVE	 0  /* intensity */
#define INTENSITY_REST		 1
#define INTENSITY_WARMUP	 2
#define LAP_TRIGGER_MANUAL	 0 /* lap_trigger */
#define SESSION_TRIGGER_END	 0 /* session_trigger activity_end */
#define ACTIVITY_MANUAL		 0 /* activity */
#define SET_TYPE_REST		 0 /* set_type */
#define SET_TYPE_ACTIVE		 1
#define FIT_BASE_UNIT_KG	 1     /* fit_base_unit kilogram */
#define SOURCE_BLE		 3     /* source_type bluetooth_low_energy */
#define SOURCE_LOCAL		 5     /* source_type local */
#define BLE_DEVICE_HEART_RATE	 1     /* ble_device_type heart_rate */
#define CATEGORY_UNKNOWN	 65534 /* exercise_category unknown */

/* Who made the file: a development device (manufacturer 255), whose
 * product and serial numbers are ours to choose. */
#define GYMHUB_PRODUCT 1
#define GYMHUB_SERIAL  1
#define GYMHUB_NAME    "gymhub"
#define NAME_SIZE      32 /* product_name bytes with the NUL */
#define SENSORS_MAX    8  /* heart-rate straps listed as devices */

#define V(x)             \
	{                \
		.i = (x) \
	}
#define S(x)             \
	{                \
		.s = (x) \
	}

static const struct fit_field file_id_fields[] = {
	{0, FIT_BASE_ENUM, 0},		 /* type */
	{1, FIT_BASE_UINT16, 0},	 /* manufacturer */
	{2, FIT_BASE_UINT16, 0},	 /* product */
	{3, FIT_BASE_UINT32Z, 0},	 /* serial_number */
	{4, FIT_BASE_UINT32, 0},	 /* time_created */
	{8, FIT_BASE_STRING, NAME_SIZE}, /* product_name */
};

static const struct fit_field device_info_fields[] = {
	{253, FIT_BASE_UINT32, 0},	  /* timestamp */
	{0, FIT_BASE_UINT8, 0},		  /* device_index */
	{1, FIT_BASE_UINT8, 0},		  /* device_type */
	{2, FIT_BASE_UINT16, 0},	  /* manufacturer */
	{3, FIT_BASE_UINT32Z, 0},	  /* serial_number */
	{4, FIT_BASE_UINT16, 0},	  /* product */
	{25, FIT_BASE_ENUM, 0},		  /* source_type */
	{27, FIT_BASE_STRING, NAME_SIZE}, /* product_name */
};

static const struct fit_field event_fields[] = {
	{253, FIT_BASE_UINT32, 0}, /* timestamp */
	{0, FIT_BASE_ENUM, 0},	   /* event */
	{1, FIT_BASE_ENUM, 0},	   /* event_type */
};

static const struct fit_field record_fields[] = {
	{253, FIT_BASE_UINT32, 0}, /* timestamp */
	{3, FIT_BASE_UINT8, 0},	   /* heart_rate, bpm */
};

/* set: its timestamp is field 254, not 253. */
static const struct fit_field set_fields[] = {
	{254, FIT_BASE_UINT32, 0}, /* timestamp: end of the set */
	{0, FIT_BASE_UINT32, 0},   /* duration, ms (scale 1000) */
	{3, FIT_BASE_UINT16, 0},   /* repetitions */
	{4, FIT_BASE_UINT16, 0},   /* weight, kg/16 (scale 16) */
	{5, FIT_BASE_UINT8, 0},	   /* set_type */
	{6, FIT_BASE_UINT32, 0},   /* start_time */
	{7, FIT_BASE_UINT16, 0},   /* category[1] */
	{8, FIT_BASE_UINT16, 0},   /* category_subtype[1] */
	{9, FIT_BASE_UINT16, 0},   /* weight_display_unit */
	{10, FIT_BASE_UINT16, 0},  /* message_index */
};

static const struct fit_field lap_fields[] = {
	{254, FIT_BASE_UINT16, 0}, /* message_index */
	{253, FIT_BASE_UINT32, 0}, /* timestamp */
	{0, FIT_BASE_ENUM, 0},	   /* event */
	{1, FIT_BASE_ENUM, 0},	   /* event_type */
	{2, FIT_BASE_UINT32, 0},   /* start_time */
	{7, FIT_BASE_UINT32, 0},   /* total_elapsed_time, ms */
	{8, FIT_BASE_UINT32, 0},   /* total_timer_time, ms */
	{15, FIT_BASE_UINT8, 0},   /* avg_heart_rate */
	{16, FIT_BASE_UINT8, 0},   /* max_heart_rate */
	{23, FIT_BASE_ENUM, 0},	   /* intensity */
	{24, FIT_BASE_ENUM, 0},	   /* lap_trigger */
	{25, FIT_BASE_ENUM, 0},	   /* sport */
	{39, FIT_BASE_ENUM, 0},	   /* sub_sport */
};

static const struct fit_field session_fields[] = {
	{254, FIT_BASE_UINT16, 0}, /* message_index */
	{253, FIT_BASE_UINT32, 0}, /* timestamp */
	{0, FIT_BASE_ENUM, 0},	   /* event */
	{1, FIT_BASE_ENUM, 0},	   /* event_type */
	{2, FIT_BASE_UINT32, 0},   /* start_time */
	{5, FIT_BASE_ENUM, 0},	   /* sport */
	{6, FIT_BASE_ENUM, 0},	   /* sub_sport */
	{7, FIT_BASE_UINT32, 0},   /* total_elapsed_time, ms */
	{8, FIT_BASE_UINT32, 0},   /* total_timer_time, ms */
	{16, FIT_BASE_UINT8, 0},   /* avg_heart_rate */
	{17, FIT_BASE_UINT8, 0},   /* max_heart_rate */
	{25, FIT_BASE_UINT16, 0},  /* first_lap_index */
	{26, FIT_BASE_UINT16, 0},  /* num_laps */
	{28, FIT_BASE_ENUM, 0},	   /* trigger */
};

static const struct fit_field activity_fields[] = {
	{253, FIT_BASE_UINT32, 0}, /* timestamp */
	{0, FIT_BASE_UINT32, 0},   /* total_timer_time, ms */
	{1, FIT_BASE_UINT16, 0},   /* num_sessions */
	{2, FIT_BASE_ENUM, 0},	   /* type */
	{3, FIT_BASE_ENUM, 0},	   /* event */
	{4, FIT_BASE_ENUM, 0},	   /* event_type */
};

/*
 * Our exercise names to the profile's exercise_category and its
 * <category>_exercise_name subtype (FIT_INVALID: none fits). First
 * match wins, so longer names come before the words they contain.
 */
static const struct exercise_map {
	const char *word; /* lower case, '-' and '_' read as ' ' */
	uint16_t category;
	int64_t subtype;
} exercises[] = {
	{"wall sit", 28, 20},	      /* squat / body_weight_wall_squat */
	{"side plank", 19, 66},	      /* plank / side_plank */
	{"mountain climber", 19, 34}, /* plank / mountain_climber */
	{"plank", 19, 43},	      /* plank / plank */
	{"push up", 22, 77},	      /* push_up / push_up */
	{"pushup", 22, 77},	      /* push_up / push_up */
	/* hip_raise / single_leg_hip_raise */
	{"single leg glute bridge", 10, 30},
	{"glute bridge", 10, 11}, /* hip_raise / hip_raise */
	{"hip raise", 10, 11},	  /* hip_raise / hip_raise */
	{"bridge", 10, 11},	  /* hip_raise / hip_raise */
	/* calf_raise / single_leg_standing_calf_raise */
	{"single leg calf raise", 1, 15},
	{"calf raise", 1, 18},	       /* calf_raise / standing_calf_raise */
	{"romanian deadlift", 8, 23},  /* deadlift / romanian_deadlift */
	{"deadlift", 8, FIT_INVALID},  /* deadlift (equipment unknown) */
	{"lunge", 17, 32},	       /* lunge / lunge */
	{"bodyweight squat", 28, 100}, /* squat / air_squat */
	{"air squat", 28, 100},	       /* squat / air_squat */
	{"squat", 28, 61},	       /* squat / squat */
	{"jumping jack", 2, 12},       /* cardio / jumping_jacks */
	{"jacks", 2, 12},	       /* cardio / jumping_jacks */
	{"burpee", 29, 0},	       /* total_body / burpee */
	{"crunch", 6, 83},	       /* crunch / crunch */
	{"sit up", 27, 37},	       /* sit_up / sit_up */
	{"situp", 27, 37},	       /* sit_up / sit_up */
	{"dead bug", 11, 1},	       /* hip_stability / dead_bug */
	{"balance", 11, FIT_INVALID},  /* hip_stability */
	{"arm circles", 31, 5},	       /* warm_up / arm_circles */
	{"march", 31, 88},	       /* warm_up / marching_in_place */
	{"core", 5, FIT_INVALID},      /* core */
	{"cardio", 2, FIT_INVALID},    /* cardio */
};

/* Lower-cases ASCII and reads '-' and '_' as spaces, into @buf. */
static void normalise(const char *s, char *buf, size_t size)
{
	size_t i;
	char c;

	for (i = 0; s && s[i] && i + 1 < size; i++) {
		c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (c == '-' || c == '_')
			c = ' ';
		buf[i] = c;
	}
	buf[i] = '\0';
}

static void exercise_category(const char *name, int64_t *ret_cat,
			      int64_t *ret_sub)
{
	char buf[96];
	size_t i;

	normalise(name, buf, sizeof(buf));
	for (i = 0; i < N(exercises); i++) {
		if (strstr(buf, exercises[i].word)) {
			*ret_cat = exercises[i].category;
			*ret_sub = exercises[i].subtype;
			return;
		}
	}
	*ret_cat = CATEGORY_UNKNOWN;
	*ret_sub = FIT_INVALID;
}

/* A duration in ms for a uint32 field (0xFFFFFFFF is "invalid"). */
static int64_t ms_u32(int64_t ms)
{
	if (ms < 0)
		return 0;
	return ms > 0xFFFFFFFELL ? 0xFFFFFFFELL : ms;
}

static int64_t fit_time(int64_t unix_ms)
{
	return fit_date_time(unix_ms);
}

/* Average and maximum, or invalid when there was no heart rate. */
static void hr_values(const struct export_hr_stats *s, struct fit_value *avg,
		      struct fit_value *max)
{
	avg->i = s->n ? export_hr_avg(s) : FIT_INVALID;
	max->i = s->n ? s->max : FIT_INVALID;
}

/* One set message to write: an effort from the sets table, or a rest
 * (a rest or switch segment). */
struct fit_set {
	int64_t start_ms, end_ms, duration_ms;
	const struct sq_set *set; /* NULL: rest */
};

static int set_cmp(const void *a, const void *b)
{
	const struct fit_set *x = a, *y = b;

	if (x->start_ms != y->start_ms)
		return x->start_ms < y->start_ms ? -1 : 1;
	/* same start (damaged data): efforts first, then table order */
	if (!x->set != !y->set)
		return x->set ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Timer time of the lap that began at @start_ms, else @fallback. */
static int64_t lap_timer(const struct export_timeline *t, int64_t start_ms,
			 int64_t fallback)
{
	size_t i;

	for (i = 0; i < t->n_laps; i++)
		if (t->laps[i].start_ms == start_ms)
			return t->laps[i].timer_ms;
	return fallback;
}

static int collect_sets(const struct export_timeline *t, struct fit_set **ret,
			size_t *ret_n)
{
	const struct sq_detail *d = t->d;
	const struct export_lap *l;
	struct fit_set *v, *s;
	size_t i, n = 0;

	v = calloc(d->n_sets + t->n_laps + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < d->n_sets; i++) {
		if (!d->sets[i].start_ms)
			continue; /* never began */
		s = &v[n++];
		s->set = &d->sets[i];
		s->start_ms = s->set->start_ms;
		s->end_ms = s->set->end_ms
				    ? s->set->end_ms
				    : export_timeline_close(t, s->start_ms);
		if (s->end_ms < s->start_ms)
			s->end_ms = s->start_ms;
		/* a set is a segment: same start, same pause-free time */
		s->duration_ms =
			lap_timer(t, s->start_ms, s->end_ms - s->start_ms);
	}
	for (i = 0; i < t->n_laps; i++) {
		l = &t->laps[i];
		if (strcmp(l->seg->kind, "rest") != 0 &&
		    strcmp(l->seg->kind, "switch") != 0)
			continue;
		s = &v[n++];
		s->start_ms = l->start_ms;
		s->end_ms = l->end_ms;
		s->duration_ms = l->timer_ms;
	}
	qsort(v, n, sizeof(*v), set_cmp);
	*ret = v;
	*ret_n = n;
	return 0;
}

static int write_set(struct fit_writer *w, const struct fit_set *s,
		     size_t index)
{
	struct fit_value v[N(set_fields)] = {
		V(fit_time(s->end_ms)),
		V(ms_u32(s->duration_ms)),
		V(FIT_INVALID),
		V(FIT_INVALID),
		V(s->set ? SET_TYPE_ACTIVE : SET_TYPE_REST),
		V(fit_time(s->start_ms)),
		V(FIT_INVALID),
		V(FIT_INVALID),
		V(FIT_INVALID),
		V(index > 0xFFFE ? FIT_INVALID : (int64_t)index),
	};
	const struct sq_set *t = s->set;

	if (t) {
		/* -1: not counted (no motion sensor worn) */
		if (t->reps >= 0)
			v[2].i = t->reps > 0xFFFE ? 0xFFFE : t->reps;
		if (isfinite(t->load_kg) && t->load_kg > 0) {
			v[3].i = t->load_kg * 16 >= 0xFFFE
					 ? 0xFFFE
					 : (int64_t)(t->load_kg * 16 + 0.5);
			v[8].i = FIT_BASE_UNIT_KG;
		}
		exercise_category(t->exercise, &v[6].i, &v[7].i);
	}
	return fit_writer_data(w, LOCAL_SET, v, N(v));
}

static int write_header_messages(struct fit_writer *w,
				 const struct export_timeline *t)
{
	const struct sq_detail *d = t->d;
	const char *sensors[SENSORS_MAX];
	size_t n_sensors = 0, i, j;
	struct fit_value file_id[] = {
		V(FILE_ACTIVITY),
		V(MANUFACTURER_DEVELOPMENT),
		V(GYMHUB_PRODUCT),
		V(GYMHUB_SERIAL),
		/* the session's start, not the export's: same bytes for
		 * the same session, and Garmin Connect spots re-uploads */
		V(fit_time(t->start_ms)),
		S(GYMHUB_NAME),
	};
	struct fit_value dev[] = {
		V(fit_time(t->start_ms)), V(0), /* device_index creator */
		V(FIT_INVALID),		  V(MANUFACTURER_DEVELOPMENT),
		V(GYMHUB_SERIAL),	  V(GYMHUB_PRODUCT),
		V(SOURCE_LOCAL),	  S(GYMHUB_NAME),
	};
	struct fit_value start[] = {
		V(fit_time(t->start_ms)),
		V(EVENT_TIMER),
		V(EVENT_TYPE_START),
	};

	fit_writer_define(w, LOCAL_FILE_ID, MESG_FILE_ID, file_id_fields,
			  N(file_id_fields));
	fit_writer_data(w, LOCAL_FILE_ID, file_id, N(file_id));
	fit_writer_define(w, LOCAL_DEVICE_INFO, MESG_DEVICE_INFO,
			  device_info_fields, N(device_info_fields));
	fit_writer_data(w, LOCAL_DEVICE_INFO, dev, N(dev));

	/* Each strap that gave heart rate, as a BLE device of its own. */
	for (i = 0; i < d->n_hr && n_sensors < SENSORS_MAX; i++) {
		if (!d->hr[i].sensor || !*d->hr[i].sensor)
			continue;
		for (j = 0; j < n_sensors; j++)
			if (strcmp(sensors[j], d->hr[i].sensor) == 0)
				break;
		if (j == n_sensors)
			sensors[n_sensors++] = d->hr[i].sensor;
	}
	for (i = 0; i < n_sensors; i++) {
		dev[1].i = (int64_t)i + 1;
		dev[2].i = BLE_DEVICE_HEART_RATE;
		dev[3].i = FIT_INVALID;
		dev[4].i = FIT_INVALID;
		dev[5].i = FIT_INVALID;
		dev[6].i = SOURCE_BLE;
		dev[7].s = sensors[i];
		fit_writer_data(w, LOCAL_DEVICE_INFO, dev, N(dev));
	}

	fit_writer_define(w, LOCAL_EVENT, MESG_EVENT, event_fields,
			  N(event_fields));
	return fit_writer_data(w, LOCAL_EVENT, start, N(start));
}

/* Records and sets, merged in time order. */
static int write_samples(struct fit_writer *w, const struct export_timeline *t)
{
	struct fit_set *sets = NULL;
	struct export_hr_iter it;
	struct export_hr_point p;
	struct fit_value rec[N(record_fields)];
	size_t n_sets = 0, k = 0;
	bool more;
	int r;

	r = collect_sets(t, &sets, &n_sets);
	if (r < 0)
		return r;
	fit_writer_define(w, LOCAL_RECORD, MESG_RECORD, record_fields,
			  N(record_fields));
	fit_writer_define(w, LOCAL_SET, MESG_SET, set_fields, N(set_fields));
	export_hr_iter_init(&it, t);
	more = export_hr_iter_next(&it, &p);
	while (more || k < n_sets) {
		if (k < n_sets &&
		    (!more ||
		     fit_time(sets[k].end_ms) <= fit_time(p.unix_s * 1000))) {
			write_set(w, &sets[k], k);
			k++;
			continue;
		}
		rec[0].i = fit_time(p.unix_s * 1000);
		rec[1].i = p.bpm;
		r = fit_writer_data(w, LOCAL_RECORD, rec, N(rec));
		if (r < 0)
			break;
		more = export_hr_iter_next(&it, &p);
	}
	free(sets);
	return r;
}

static void write_laps(struct fit_writer *w, const struct export_timeline *t)
{
	const struct export_lap *l;
	struct fit_value v[N(lap_fields)];
	size_t i;

	fit_writer_define(w, LOCAL_LAP, MESG_LAP, lap_fields, N(lap_fields));
	for (i = 0; i < t->n_laps; i++) {
		l = &t->laps[i];
		v[0].i = i > 0xFFFE ? FIT_INVALID : (int64_t)i;
		v[1].i = fit_time(l->end_ms);
		v[2].i = EVENT_LAP;
		v[3].i = EVENT_TYPE_STOP;
		v[4].i = fit_time(l->start_ms);
		v[5].i = ms_u32(l->end_ms - l->start_ms);
		v[6].i = ms_u32(l->timer_ms);
		hr_values(&l->hr, &v[7], &v[8]);
		v[9].i = l->active ? INTENSITY_ACTIVE
			 : strcmp(l->seg->kind, "warmup") == 0
				 ? INTENSITY_WARMUP
				 : INTENSITY_REST;
		v[10].i = LAP_TRIGGER_MANUAL;
		v[11].i = SPORT_TRAINING;
		v[12].i = SUB_SPORT_STRENGTH;
		fit_writer_data(w, LOCAL_LAP, v, N(v));
	}
}

static void write_summary(struct fit_writer *w, const struct export_timeline *t)
{
	struct fit_value stop[] = {
		V(fit_time(t->end_ms)),
		V(EVENT_TIMER),
		V(EVENT_TYPE_STOP_ALL),
	};
	struct fit_value session[] = {
		V(0),
		V(fit_time(t->end_ms)),
		V(EVENT_SESSION),
		V(EVENT_TYPE_STOP),
		V(fit_time(t->start_ms)),
		V(SPORT_TRAINING),
		V(SUB_SPORT_STRENGTH),
		V(ms_u32(t->end_ms - t->start_ms)),
		V(ms_u32(t->timer_ms)),
		V(FIT_INVALID),
		V(FIT_INVALID),
		V(0),
		V(t->n_laps > 0xFFFE ? 0xFFFE : (int64_t)t->n_laps),
		V(SESSION_TRIGGER_END),
	};
	struct fit_value activity[] = {
		V(fit_time(t->end_ms)),
		V(ms_u32(t->timer_ms)),
		V(1),
		V(ACTIVITY_MANUAL),
		V(EVENT_ACTIVITY),
		V(EVENT_TYPE_STOP),
	};

	fit_writer_data(w, LOCAL_EVENT, stop, N(stop));
	write_laps(w, t);
	hr_values(&t->hr, &session[9], &session[10]);
	fit_writer_define(w, LOCAL_SESSION, MESG_SESSION, session_fields,
			  N(session_fields));
	fit_writer_data(w, LOCAL_SESSION, session, N(session));
	fit_writer_define(w, LOCAL_ACTIVITY, MESG_ACTIVITY, activity_fields,
			  N(activity_fields));
	fit_writer_data(w, LOCAL_ACTIVITY, activity, N(activity));
}

int export_fit(const struct sq_detail *d, FILE *out)
{
	struct export_timeline t = {0};
	struct fit_writer *w = NULL;
	int r;

	r = export_timeline_build(d, &t);
	if (r < 0)
		return r;
	r = fit_writer_new_file(out, &w);
	if (r < 0)
		goto out;
	/* The writer's error sticks: a failed message fails finish. */
	write_header_messages(w, &t);
	r = write_samples(w, &t);
	if (r < 0)
		goto out;
	write_summary(w, &t);
	r = fit_writer_finish(w);
out:
	fit_writer_free(w);
	export_timeline_clear(&t);
	return r;
}
