/* SPDX-License-Identifier: MIT */
/*
 * session-query.h - reading stored sessions back, for gymhubctl (sessions,
 * show, export) straight from the database file, so it works while
 * gymhubd is stopped. Opens read-only; never migrates or recovers.
 *
 * Results are plain structs owned by the caller (free with the matching
 * _free, which accepts NULL). Threads: any, one at a time per struct sq.
 */
#ifndef GYMHUB_SESSION_QUERY_H
#define GYMHUB_SESSION_QUERY_H

#include <stddef.h>
#include <stdint.h>

struct sq_session {
	int64_t id;
	char *workout, *title, *state; /* state: running, completed, ... */
	int64_t started_ms, ended_ms;  /* ended 0 while running */
	uint32_t n_segments, n_sets, n_cues;
};

struct sq_segment {
	uint32_t idx;
	char *kind, *exercise, *side;
	uint32_t round, rounds, set, sets;
	int64_t planned_start_ms, planned_end_ms, start_ms, end_ms;
	int skipped;
};

struct sq_set {
	uint32_t idx;
	char *exercise, *side;
	uint32_t target_reps;
	int32_t reps;
	uint32_t hold_ms;
	double load_kg;
	int64_t start_ms, end_ms;
};

struct sq_cue {
	uint32_t seq;
	char *kind;
	uint32_t segment;
	int64_t planned_ms, late_us;
};

/* One heart-rate reading; @bpm 0 = no skin contact. */
struct sq_hr {
	int64_t t_ms;
	uint16_t bpm;
	char *sensor; /* which strap; may be NULL */
};

/*
 * The rest of the notification behind hr[i], in hr_extra[i]. Apart from
 * struct sq_hr so that its users' initializers stay valid.
 */
struct sq_hr_extra {
	char *contact;	   /* "unsupported", "not-detected", "detected", "" */
	int32_t energy_kj; /* -1 when the packet had none */
	uint16_t *rr_1024; /* 1/1024 s, oldest first; NULL when n_rr is 0 */
	size_t n_rr;
};

/* @sensor was out of reach from @lost_ms; @back_ms 0 while it is. */
struct sq_gap {
	char *sensor;
	int64_t lost_ms, back_ms;
};

/* A rep a motion sensor counted in rep step @segment. */
struct sq_rep {
	uint32_t segment, count;
	int64_t t_ms; /* its turnaround */
	char *sensor; /* "" when unknown */
	double amplitude_g;
	uint32_t duration_ms;
};

/* A sensor the user added; @last_seen_ms 0 and @battery -1: unknown. */
struct sq_sensor {
	char *address, *name, *kind; /* kind: "hr" or "motion" */
	int64_t added_ms, last_seen_ms;
	int battery; /* percent */
};

struct sq_detail {
	struct sq_session session;
	struct sq_segment *segments;
	size_t n_segments;
	struct sq_set *sets;
	size_t n_sets;
	struct sq_cue *cues;
	size_t n_cues;
	struct sq_hr *hr; /* by t_ms, then sensor; NULL when n_hr is 0 */
	struct sq_hr_extra *hr_extra; /* n_hr of them, parallel to hr */
	size_t n_hr;
	struct sq_gap *gaps; /* by lost_ms, then sensor */
	size_t n_gaps;
	struct sq_rep *reps; /* by segment, then count; none before v4 */
	size_t n_reps;
};

struct sq;

/*
 * -ENOENT when the file is missing, -EPROTO when it is not ours,
 * -EPROTONOSUPPORT when a newer gymhub wrote it, -EBADMSG when it is
 * damaged, -EACCES when this user may not read it (not in group gymhub),
 * -EROFS when gymhubd is stopped and left commits in @path-wal whose index
 * (@path-shm) is gone and only gymhubd's user may re-create: it reads
 * again once gymhubd runs.
 *
 * Where -wal and -shm are both needed but missing and -wal holds nothing
 * (gymhubd stopped; an older one deleted them), the file is read as a
 * snapshot of that moment (SQLite's immutable=1). Should a writer come by
 * before sq_close(), the query functions below answer -EBUSY: close and
 * open again.
 */
int sq_open(const char *path, struct sq **ret);
void sq_close(struct sq *q);

/* Newest first; @limit 0 = all. */
int sq_list(struct sq *q, size_t limit, struct sq_session **ret, size_t *ret_n);
void sq_list_free(struct sq_session *list, size_t n);
/* Id of the newest session: -ENOENT when there is none. */
int sq_last_id(struct sq *q, int64_t *ret_id);
/* -ENOENT for an unknown id. */
int sq_get(struct sq *q, int64_t id, struct sq_detail **ret);
void sq_detail_free(struct sq_detail *d);

/* The sensors the user added, oldest first; none in files older than
 * schema version 3. */
int sq_sensors(struct sq *q, struct sq_sensor **ret, size_t *ret_n);
void sq_sensors_free(struct sq_sensor *list, size_t n);

#endif
