/* SPDX-License-Identifier: MIT */
/*
 * store.h - the session database (SQLite, WAL) as gymhubd writes it.
 *
 * Writes are queued by the main thread and committed by a writer thread in
 * batched transactions (at least every STORE_BATCH_MS), so a slow SD card
 * never stalls the main loop or the cue thread. A failed batch (disk full,
 * read-only file, database locked) is kept in memory and retried; what was
 * committed before stays committed. Errors are reported to the main loop,
 * once per kind of failure until a batch succeeds again.
 *
 * Threads: call everything from the thread that ran store_open()
 * (gymhubd's main thread).
 *
 * Times are Unix time in milliseconds unless a name says otherwise.
 * The schema is in store-schema.c; its version is PRAGMA user_version.
 */
#ifndef GYMHUB_STORE_H
#define GYMHUB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_BATCH_MS 500
/*
 * Failed writes kept for retrying; beyond it the oldest cue records go,
 * then the oldest heart-rate samples, then segments and sets.
 */
#define STORE_MAX_BACKLOG 65536

struct store;

/*
 * Called on the thread that ran store_open() (through its thread-default
 * GMainContext) when writing starts failing (@err < 0, -ENOSPC, -EROFS,
 * -EBUSY, -EIO...) and once it works again (@err == 0). @msg says what
 * happened in words for a log line.
 */
typedef void (*store_error_fn)(int err, const char *msg, void *user_data);

/*
 * Opens or creates @path, migrates the schema, closes sessions left
 * "running" by a crash or power cut as "recovered" (their count in
 * *ret_recovered, may be NULL) and starts the writer thread.
 * A file that is not a gymhub database, or a schema newer than this build
 * knows, fails with -EPROTO / -EPROTONOSUPPORT and is left untouched.
 *
 * Only one store may have a file open: the store holds flock() on
 * "@path.lock" (created beside the file, never removed) until
 * store_close(), taken before the file is opened. While another process
 * (or store) holds it this fails with -EBUSY and the file is untouched.
 * -EBUSY also means another program held a write transaction longer than
 * the busy timeout. Others: -ENOENT (no such directory), -EACCES, -EROFS
 * (file or directory not writable), -EBADMSG (damaged), -EIO.
 *
 * The -wal and -shm files stay after store_close() (-wal emptied), so
 * that readers who may not create files beside @path can read it while
 * gymhubd is stopped.
 */
int store_open(const char *path, store_error_fn on_error, void *user_data,
	       unsigned int *ret_recovered, struct store **ret);
/* Commits everything queued, stops the writer, closes; accepts NULL. */
void store_close(struct store *st);
/* Blocks until everything queued so far is committed or has failed. */
int store_flush(struct store *st);

/* Session ids are handed out here, without waiting for the disk. */
int64_t store_session_begin(struct store *st, const char *workout,
			    const char *title, int64_t started_ms);
/* @state: "completed", "stopped" (or "recovered" from recovery). */
void store_session_end(struct store *st, int64_t session, const char *state,
		       int64_t ended_ms);

struct store_segment {
	uint32_t idx;
	const char *kind;     /* segment_kind_to_string() */
	const char *exercise; /* "" when none */
	const char *side;     /* "", "left", "right" */
	uint32_t round, rounds, set, sets;
	int64_t planned_start_ms, planned_end_ms; /* end 0 when open */
	int64_t start_ms, end_ms;
	bool skipped; /* ended early by skip/stop */
};
void store_add_segment(struct store *st, int64_t session,
		       const struct store_segment *seg);

struct store_set {
	uint32_t idx; /* 1-based within the session */
	const char *exercise;
	const char *side;
	uint32_t target_reps; /* 0 when not a rep set */
	int32_t reps;	      /* -1 when not counted */
	uint32_t hold_ms;     /* achieved hold/work time, 0 if none */
	double load_kg;	      /* 0 when unknown */
	int64_t start_ms, end_ms;
};
void store_add_set(struct store *st, int64_t session,
		   const struct store_set *set);

/* A cue as planned and as fired; @late_us may be negative. */
void store_add_cue(struct store *st, int64_t session, uint32_t seq,
		   const char *kind, uint32_t segment, int64_t planned_ms,
		   int64_t late_us);

/*
 * One heart-rate notification from @sensor (its address). Not stored when
 * @session is 0 (no workout running): heart rate is kept per session.
 * @contact: hrs_contact_to_string(), "" when unknown. The strings and the
 * RR list are copied. A sample of the same sensor at the same @t_ms
 * replaces the earlier one (the key is session, sensor, time).
 */
struct store_hr {
	int64_t t_ms;
	const char *sensor;
	uint16_t bpm;
	const char *contact;
	int32_t energy_kj;	 /* -1 when the packet had none */
	const uint16_t *rr_1024; /* RR intervals in 1/1024 s, oldest first */
	size_t n_rr;
};
void store_add_hr(struct store *st, int64_t session, const struct store_hr *s);

/*
 * One rep counted in segment @segment: its count there (a count the
 * detector restarts replaces the earlier row), the time of its
 * turnaround, the sensor, its size and length. Session 0: ignored.
 */
struct store_rep {
	uint32_t segment, count;
	int64_t t_ms;
	const char *sensor; /* copied; "" or NULL when unknown */
	double amplitude_g;
	uint32_t duration_ms;
};
void store_add_rep(struct store *st, int64_t session,
		   const struct store_rep *r);

/*
 * The sensors the user added. @kind: "hr" or "motion". Adding a known
 * @address again renames it (unless @name is "" or NULL) and changes its
 * kind but keeps when it was first added.
 */
void store_sensor_upsert(struct store *st, const char *address,
			 const char *name, const char *kind, int64_t added_ms);
/* A known sensor was connected at @last_seen_ms; @battery in percent, -1
 * when unknown (the last known level stays). Unknown addresses: ignored. */
void store_sensor_seen(struct store *st, const char *address,
		       int64_t last_seen_ms, int battery);
/* Forgets the sensor; the samples it gave stay with their sessions. */
void store_sensor_remove(struct store *st, const char *address);

/*
 * @sensor went out of reach at @lost_ms during @session, and came back at
 * @back_ms. store_end_gap() alone records the whole gap. Session 0:
 * ignored.
 */
void store_add_gap(struct store *st, int64_t session, const char *sensor,
		   int64_t lost_ms);
void store_end_gap(struct store *st, int64_t session, const char *sensor,
		   int64_t lost_ms, int64_t back_ms);

/* Test hook: limit the file to @pages pages so writes fail with
 * SQLITE_FULL, as on a full disk. */
int store_test_set_max_pages(struct store *st, unsigned int pages);

#endif
