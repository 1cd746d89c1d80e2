/* SPDX-License-Identifier: MIT */
/*
 * store.c - the session database writer.
 *
 * The main thread copies each record into an op and pushes it on a queue;
 * a writer thread owns the only write connection and commits whatever
 * arrived within STORE_BATCH_MS (at most BATCH_MAX ops) in one
 * transaction. In WAL mode with synchronous=FULL every commit fsyncs the
 * -wal file, so a power cut loses at most the batch being written: with
 * batches of STORE_BATCH_MS, the last half second or so, never the file
 * (https://www.sqlite.org/wal.html, pragma.html#pragma_synchronous).
 * synchronous=NORMAL would fsync only at checkpoints and leave up to the
 * kernel's writeback delay (~30 s) at risk; the cost of FULL is one fsync
 * per batch, only while a session is recording.
 *
 * A failed batch is rolled back and kept, in order, at the front of the
 * backlog; the writer retries it every RETRY_MS and on every flush.
 * Control ops (flush, test hooks, quit) are handled in queue order after
 * the data ops before them.
 *
 * One writer per file: SQLite would let a second gymhubd (started on
 * another bus) in, and its recovery would close the first one's live
 * session and both would hand out the same session ids. store_open()
 * therefore holds flock() on "<file>.lock" from before it opens the
 * database until after it is closed; see lock_open() for why not on the
 * database file itself.
 *
 * gymhubctl reads the file as a member of group gymhub that may not
 * create files in the state directory, and a read-only connection to a
 * WAL database needs the -wal and -shm files to exist
 * (https://www.sqlite.org/wal.html#readonly). So they are kept when the
 * store closes (SQLITE_FCNTL_PERSIST_WAL), and journal_size_limit makes
 * that close truncate -wal to 0 bytes once it is checkpointed, so a file
 * gymhubd left cleanly says so: an empty -wal holds nothing the database
 * lacks. SQLite 3.40, tested: without the flag both files go on close;
 * with it both stay, -shm at 32 KiB and -wal at 0 bytes (journal size
 * limit set) or at its full size (limit -1).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib.h>
#include <sqlite3.h>

#include "store-schema.h"
#include "store.h"

#define BATCH_MAX	256
#define RETRY_MS	2000
#define BUSY_TIMEOUT_MS 2000
/*
 * Above what the default auto-checkpoint (1000 pages of 4 KiB) lets the
 * -wal grow to, so it only acts when the store closes (truncate to 0)
 * and after an unusually long write.
 */
#define WAL_SIZE_LIMIT (8 * 1024 * 1024)

enum store_op_kind {
	STORE_OP_BEGIN,
	STORE_OP_END,
	STORE_OP_SEGMENT,
	STORE_OP_SET,
	STORE_OP_CUE,
	STORE_OP_HR,
	STORE_OP_SENSOR_UPSERT,
	STORE_OP_SENSOR_SEEN,
	STORE_OP_SENSOR_REMOVE,
	STORE_OP_GAP_ADD,
	STORE_OP_GAP_END,
	STORE_OP_REP,
	/* control ops: not written, answered through a reply */
	STORE_OP_FLUSH,
	STORE_OP_MAX_PAGES,
	STORE_OP_QUIT,
};

/* Filled by the writer for a control op; lives on the caller's stack. */
struct store_reply {
	GMutex lock;
	GCond cond;
	bool done;
	int result;
};

struct store_op {
	enum store_op_kind kind;
	bool rejected; /* refused by a constraint: skipped on retries */
	int64_t session;
	/* Owned copies; the structs below point into them. */
	char *str[3];
	/* HR: the RR list as stored, little-endian uint16; NULL when none */
	uint8_t *blob;
	size_t blob_len;
	union {
		struct {
			int64_t started_ms;
		} begin;
		struct {
			int64_t ended_ms;
		} end;
		struct store_segment seg;
		struct store_set set;
		struct {
			uint32_t seq, segment;
			int64_t planned_ms, late_us;
		} cue;
		struct store_hr hr; /* rr_1024 unused: see blob */
		struct {
			int64_t added_ms;
		} sensor;
		struct {
			int64_t last_seen_ms;
			int battery;
		} seen;
		struct {
			int64_t lost_ms, back_ms;
		} gap;
		struct store_rep rep;
		struct {
			struct store_reply *reply;
			unsigned int pages;
		} ctl;
	};
};

enum store_stmt {
	STMT_BEGIN_TX,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_SESSION_BEGIN,
	STMT_SESSION_END,
	STMT_SEGMENT,
	STMT_SET,
	STMT_CUE,
	STMT_HR,
	STMT_SENSOR_UPSERT,
	STMT_SENSOR_SEEN,
	STMT_SENSOR_REMOVE,
	STMT_GAP_ADD,
	STMT_GAP_END,
	STMT_REP,
	STMT_MAX,
};

static const char *const stmt_sql[STMT_MAX] = {
	[STMT_BEGIN_TX] = "BEGIN IMMEDIATE",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	[STMT_SESSION_BEGIN] = "INSERT INTO sessions (id, workout, title, "
			       "state, started_ms) VALUES (?, ?, ?, "
			       "'running', ?)",
	[STMT_SESSION_END] = "UPDATE sessions SET state = ?, ended_ms = ? "
			     "WHERE id = ?",
	/* A segment may be written when it starts and again when it ends. */
	[STMT_SEGMENT] = "INSERT OR REPLACE INTO segments (session_id, idx, "
			 "kind, exercise, side, round, rounds, set_no, sets, "
			 "planned_start_ms, planned_end_ms, start_ms, end_ms, "
			 "skipped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
			 "?, ?)",
	[STMT_SET] = "INSERT OR REPLACE INTO sets (session_id, idx, exercise, "
		     "side, target_reps, reps, hold_ms, load_kg, start_ms, "
		     "end_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[STMT_CUE] = "INSERT OR REPLACE INTO cues (session_id, seq, kind, "
		     "segment, planned_ms, late_us) VALUES (?, ?, ?, ?, ?, ?)",
	[STMT_HR] =
		"INSERT OR REPLACE INTO hr_samples (session_id, t_ms, "
		"sensor, bpm, contact, energy_kj, rr_1024) VALUES (?, ?, ?, "
		"?, ?, ?, ?)",
	/* Pairing a known sensor again keeps when it was first added. */
	[STMT_SENSOR_UPSERT] = "INSERT INTO sensors (address, name, kind, "
			       "added_ms) VALUES (?, ?, ?, ?) ON CONFLICT "
			       "(address) DO UPDATE SET name = CASE WHEN "
			       "excluded.name = '' THEN name ELSE "
			       "excluded.name END, kind = excluded.kind",
	[STMT_SENSOR_SEEN] = "UPDATE sensors SET last_seen_ms = ?, battery = "
			     "coalesce(?, battery) WHERE address = ?",
	[STMT_SENSOR_REMOVE] = "DELETE FROM sensors WHERE address = ?",
	/* A gap's end may already be there if its start was dropped from a
	 * failing store's backlog, or reported twice. */
	[STMT_GAP_ADD] = "INSERT INTO sensor_gaps (session_id, sensor, "
			 "lost_ms) VALUES (?, ?, ?) ON CONFLICT (session_id, "
			 "sensor, lost_ms) DO NOTHING",
	[STMT_GAP_END] = "INSERT INTO sensor_gaps (session_id, sensor, "
			 "lost_ms, back_ms) VALUES (?, ?, ?, ?) ON CONFLICT "
			 "(session_id, sensor, lost_ms) DO UPDATE SET back_ms "
			 "= excluded.back_ms",
	[STMT_REP] = "INSERT OR REPLACE INTO reps (session_id, segment, "
		     "count, t_ms, sensor, amplitude_g, duration_ms) VALUES "
		     "(?, ?, ?, ?, ?, ?, ?)",
};

/*
 * What an error report needs, shared with pending reports so that
 * store_close() can silence them: they may still sit in the main context
 * when the store is gone.
 */
struct store_notify {
	GMainContext *context;
	store_error_fn fn;
	void *user_data;
	bool closed; /* main thread only */
};

struct store_event {
	struct store_notify *notify;
	int err;
	char *msg;
};

struct store {
	char *path;
	int lock_fd; /* flock()ed while the store is open, -1 when not */
	sqlite3 *db;
	sqlite3_stmt *stmt[STMT_MAX];
	GAsyncQueue *queue;
	GThread *thread;
	struct store_notify *notify;
	atomic_int_fast64_t last_id;

	/* Writer thread only. */
	GQueue backlog;
	bool failing;
	int reported; /* last error told to on_error, 0 when none */
	int64_t wake_us;
	uint64_t written_while_failing, dropped, rejected;
};

static void op_free(struct store_op *op)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(op->str); i++)
		g_free(op->str[i]);
	g_free(op->blob);
	g_free(op);
}

static bool op_is_data(const struct store_op *op)
{
	return op->kind < STORE_OP_FLUSH;
}

static char *dup_or_empty(const char *s)
{
	return g_strdup(s ? s : "");
}

/* --- error reports, delivered on the opener's main context ------------ */

static void notify_clear(gpointer data)
{
	struct store_notify *n = data;

	g_main_context_unref(n->context);
}

static gboolean event_deliver(gpointer data)
{
	struct store_event *ev = data;

	if (!ev->notify->closed)
		ev->notify->fn(ev->err, ev->msg, ev->notify->user_data);
	return G_SOURCE_REMOVE;
}

static void event_free(gpointer data)
{
	struct store_event *ev = data;

	g_atomic_rc_box_release_full(ev->notify, notify_clear);
	g_free(ev->msg);
	g_free(ev);
}

/*
 * Not g_main_context_invoke(): when the opener's context is the global
 * default, that would run @fn right here on the writer thread whenever
 * the main loop is not iterating at that moment.
 */
static void report(struct store *st, int err, char *msg)
{
	struct store_event *ev;
	GSource *src;

	st->reported = err;
	if (!st->notify->fn) {
		g_free(msg);
		return;
	}
	ev = g_new0(struct store_event, 1);
	ev->notify = g_atomic_rc_box_acquire(st->notify);
	ev->err = err;
	ev->msg = msg;
	src = g_idle_source_new();
	g_source_set_priority(src, G_PRIORITY_DEFAULT);
	g_source_set_callback(src, event_deliver, ev, event_free);
	g_source_attach(src, st->notify->context);
	g_source_unref(src);
}

/* --- the writer thread ------------------------------------------------- */

static int bind_text(sqlite3_stmt *s, int col, const char *text)
{
	return sqlite3_bind_text(s, col, text, -1, SQLITE_STATIC);
}

static int bind_op(struct store *st, const struct store_op *op,
		   sqlite3_stmt **ret)
{
	sqlite3_stmt *s;
	int rc = SQLITE_OK;

	switch (op->kind) {
	case STORE_OP_BEGIN:
		s = st->stmt[STMT_SESSION_BEGIN];
		rc |= sqlite3_bind_int64(s, 1, op->session);
		rc |= bind_text(s, 2, op->str[0]);
		rc |= bind_text(s, 3, op->str[1]);
		rc |= sqlite3_bind_int64(s, 4, op->begin.started_ms);
		break;
	case STORE_OP_END:
		s = st->stmt[STMT_SESSION_END];
		rc |= bind_text(s, 1, op->str[0]);
		rc |= sqlite3_bind_int64(s, 2, op->end.ended_ms);
		rc |= sqlite3_bind_int64(s, 3, op->session);
		break;
	case STORE_OP_SEGMENT:
		s = st->stmt[STMT_SEGMENT];
		rc |= sqlite3_bind_int64(s, 1, op->session);
		rc |= sqlite3_bind_int64(s, 2, op->seg.idx);
		rc |= bind_text(s, 3, op->seg.kind);
		rc |= bind_text(s, 4, op->seg.exercise);
		rc |= bind_text(s, 5, op->seg.side);
		rc |= sqlite3_bind_int64(s, 6, op->seg.round);
		rc |= sqlite3_bind_int64(s, 7, op->seg.rounds);
		rc |= sqlite3_bind_int64(s, 8, op->seg.set);
		rc |= sqlite3_bind_int64(s, 9, op->seg.sets);
		rc |= sqlite3_bind_int64(s, 10, op->seg.planned_start_ms);
		rc |= sqlite3_bind_int64(s, 11, op->seg.planned_end_ms);
		rc |= sqlite3_bind_int64(s, 12, op->seg.start_ms);
		rc |= sqlite3_bind_int64(s, 13, op->seg.end_ms);
		rc |= sqlite3_bind_int(s, 14, op->seg.skipped);
		break;
	case STORE_OP_SET:
		s = st->stmt[STMT_SET];
		rc |= sqlite3_bind_int64(s, 1, op->session);
		rc |= sqlite3_bind_int64(s, 2, op->set.idx);
		rc |= bind_text(s, 3, op->set.exercise);
		rc |= bind_text(s, 4, op->set.side);
		rc |= sqlite3_bind_int64(s, 5, op->set.target_reps);
		rc |= sqlite3_bind_int64(s, 6, op->set.reps);
		rc |= sqlite3_bind_int64(s, 7, op->set.hold_ms);
		rc |= sqlite3_bind_double(s, 8, op->set.load_kg);
		rc |= sqlite3_bind_int64(s, 9, op->set.start_ms);
		rc |= sqlite3_bind_int64(s, 10, op->set.end_ms);
		break;
	case STORE_OP_CUE:
		s = st->stmt[STMT_CUE];
		rc |= sqlite3_bind_int64(s, 1, op->session);
		rc |= sqlite3_bind_int64(s, 2, op->cue.seq);
		rc |= bind_text(s, 3, op->str[0]);
		rc |= sqlite3_bind_int64(s, 4, op->cue.segment);
		rc |= sqlite3_bind_int64(s, 5, op->cue.planned_ms);
		rc |= sqlite3_bind_int64(s, 6, op->cue.late_us);
		break;
	case STORE_OP_HR:
		s = st->stmt[STMT_HR];
		rc |= sqlite3_bind_int64(s, 1, op->session);
		rc |= sqlite3_bind_int64(s, 2, op->hr.t_ms);
		rc |= bind_text(s, 3, op->hr.sensor);
		rc |= sqlite3_bind_int(s, 4, op->hr.bpm);
		rc |= bind_text(s, 5, op->hr.contact);
		rc |= op->hr.energy_kj < 0
			      ? sqlite3_bind_null(s, 6)
			      : sqlite3_bind_int(s, 6, op->hr.energy_kj);
		rc |= op->blob ? sqlite3_bind_blob(s, 7, op->blob,
						   (int)op->blob_len,
						   SQLITE_STATIC)
			       : sqlite3_bind_null(s, 7);
		break;
	case STORE_OP_SENSOR_UPSERT:
		s = st->stmt[STMT_SENSOR_UPSERT];
		rc |= bind_text(s, 1, op->str[0]);
		rc |= bind_text(s, 2, op->str[1]);
		rc |= bind_text(s, 3, op->str[2]);
		rc |= sqlite3_bind_int64(s, 4, op->sensor.added_ms);
		break;
	case STORE_OP_SENSOR_SEEN:
		s = st->stmt[STMT_SENSOR_SEEN];
		rc |= sqlite3_bind_int64(s, 1, op->seen.last_seen_ms);
		rc |= op->seen.battery < 0
			      ? sqlite3_bind_null(s, 2)
			      : sqlite3_bind_int(s, 2, op->seen.battery);
		rc |= bind_text(s, 3, op->str[0]);
		break;
	case STORE_OP_SENSOR_REMOVE:
		s = st->stmt[STMT_SENSOR_REMOVE];
		rc |= bind_text(s, 1, op->str[0]);
		break;
	case STORE_OP_GAP_ADD:
		s = st->stmt[STMT_GAP_ADD];
		rc |= sqlite3_bind_int64(s, 1, op->session);
		rc |= bind_text(s, 2, op->str[0]);
		rc |= sqlite3_bind_int64(s, 3, op->gap.lost_ms);
		break;
	case STORE_OP_GAP_END:
		s = st->stmt[STMT_GAP_END];
		rc |= sqlite3_bind_int64(s, 1, op->session);
		rc |= bind_text(s, 2, op->str[0]);
		rc |= sqlite3_bind_int64(s, 3, op->gap.lost_ms);
		rc |= sqlite3_bind_int64(s, 4, op->gap.back_ms);
		break;
	case STORE_OP_REP:
		s = st->stmt[STMT_REP];
		rc |= sqlite3_bind_int64(s, 1, op->session);
		rc |= sqlite3_bind_int64(s, 2, op->rep.segment);
		rc |= sqlite3_bind_int64(s, 3, op->rep.count);
		rc |= sqlite3_bind_int64(s, 4, op->rep.t_ms);
		rc |= bind_text(s, 5, op->str[0]);
		rc |= sqlite3_bind_double(s, 6, op->rep.amplitude_g);
		rc |= sqlite3_bind_int64(s, 7, op->rep.duration_ms);
		break;
	case STORE_OP_FLUSH:
	case STORE_OP_MAX_PAGES:
	case STORE_OP_QUIT:
	default:
		return SQLITE_MISUSE;
	}
	*ret = s;
	/* OR-ing codes is only a failed/not-failed test: all binds take
	 * the same statement, so any failure is a programming error. */
	return rc == SQLITE_OK ? SQLITE_OK : SQLITE_MISUSE;
}

static int step(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* Refused for what the row holds, not for the state of the disk. */
static bool rc_is_row_error(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_TOOBIG:
	case SQLITE_RANGE:
		return true;
	default:
		return false;
	}
}

/*
 * Commits the first BATCH_MAX ops of the backlog in one transaction and
 * takes them off it; on failure leaves them there and says why.
 */
static int commit_chunk(struct store *st, char **ret_msg)
{
	sqlite3_stmt *s;
	unsigned int n = 0, i;
	GList *l;
	int rc;

	rc = step(st->stmt[STMT_BEGIN_TX]);
	if (rc != SQLITE_OK)
		goto fail;
	for (l = st->backlog.head; l && n < BATCH_MAX; l = l->next, n++) {
		struct store_op *op = l->data;

		if (op->rejected)
			continue;
		rc = bind_op(st, op, &s);
		if (rc == SQLITE_OK)
			rc = step(s);
		if (rc == SQLITE_OK)
			continue;
		if (!rc_is_row_error(rc))
			goto fail;
		/* A bad record must not hold up the good ones behind it:
		 * only this statement was undone, the transaction goes on. */
		op->rejected = true;
		st->rejected++;
		if (op->session)
			g_warning(
				"Store: a record for session %" G_GINT64_FORMAT
				" was refused and is left out: %s",
				op->session, sqlite3_errmsg(st->db));
		else
			g_warning("Store: a sensor record was refused and is "
				  "left out: %s",
				  sqlite3_errmsg(st->db));
	}
	rc = step(st->stmt[STMT_COMMIT]);
	if (rc != SQLITE_OK)
		goto fail;
	for (i = 0; i < n; i++)
		op_free(g_queue_pop_head(&st->backlog));
	if (st->failing)
		st->written_while_failing += n;
	return 0;

fail:
	*ret_msg = g_strdup_printf("cannot write to %s: %s", st->path,
				   sqlite3_errmsg(st->db));
	/* After SQLITE_FULL, IOERR, BUSY or NOMEM SQLite may already have
	 * rolled back (https://www.sqlite.org/lang_transaction.html). */
	if (!sqlite3_get_autocommit(st->db))
		step(st->stmt[STMT_ROLLBACK]);
	return store_schema_errno(st->db, rc);
}

/* Writes the whole backlog, or as much as the disk takes. */
static int commit_all(struct store *st)
{
	char *msg = NULL;
	int r = 0;

	while (!g_queue_is_empty(&st->backlog)) {
		r = commit_chunk(st, &msg);
		if (r < 0)
			break;
	}
	if (r < 0) {
		st->failing = true;
		st->wake_us = g_get_monotonic_time() + RETRY_MS * 1000;
		/* Once per kind of failure, not once per retry. */
		if (r != st->reported)
			report(st, r, g_steal_pointer(&msg));
		g_free(msg);
		return r;
	}
	if (st->failing) {
		GString *s = g_string_new(NULL);

		g_string_printf(
			s,
			"the %" G_GUINT64_FORMAT
			" records kept in memory meanwhile are now in %s",
			st->written_while_failing, st->path);
		if (st->dropped)
			g_string_append_printf(
				s,
				"; %" G_GUINT64_FORMAT
				" others (cues first, then heart "
				"rate) were "
				"dropped to bound memory",
				st->dropped);
		st->failing = false;
		st->written_while_failing = 0;
		st->dropped = 0;
		report(st, 0, g_string_free(s, FALSE));
	}
	return 0;
}

/*
 * In which pass trim_backlog() may drop an op: cues are timing
 * diagnostics; heart rate is the bulk of a session's records, but a
 * session without its segments and sets (what was done) is worth less
 * than one with gaps in its heart rate. -1: never dropped.
 */
static int drop_pass(enum store_op_kind kind)
{
	switch (kind) {
	case STORE_OP_CUE:
		return 0;
	case STORE_OP_HR:
	case STORE_OP_REP:
		return 1;
	case STORE_OP_SEGMENT:
	case STORE_OP_SET:
		return 2;
	case STORE_OP_BEGIN:
	case STORE_OP_END:
	case STORE_OP_SENSOR_UPSERT:
	case STORE_OP_SENSOR_SEEN:
	case STORE_OP_SENSOR_REMOVE:
	case STORE_OP_GAP_ADD:
	case STORE_OP_GAP_END:
	case STORE_OP_FLUSH:
	case STORE_OP_MAX_PAGES:
	case STORE_OP_QUIT:
	default:
		return -1;
	}
}

/*
 * Keeps a failing store's memory bounded: drops the oldest records in
 * the order of drop_pass(), never session starts or ends, sensors or
 * gaps. Trims to 7/8 of the limit so this runs rarely.
 */
static void trim_backlog(struct store *st)
{
	const guint target = STORE_MAX_BACKLOG - STORE_MAX_BACKLOG / 8;
	GList *l, *next;
	int pass;

	for (pass = 0; pass < 3 && st->backlog.length > target; pass++) {
		for (l = st->backlog.head; l && st->backlog.length > target;
		     l = next) {
			struct store_op *op = l->data;

			next = l->next;
			if (drop_pass(op->kind) != pass)
				continue;
			g_queue_delete_link(&st->backlog, l);
			op_free(op);
			st->dropped++;
		}
	}
}

static int set_max_pages(struct store *st, unsigned int pages)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %u", pages);
	return store_schema_errno(st->db,
				  sqlite3_exec(st->db, sql, NULL, NULL, NULL));
}

static void reply(struct store_reply *r, int result)
{
	g_mutex_lock(&r->lock);
	r->result = result;
	r->done = true;
	g_cond_signal(&r->cond);
	g_mutex_unlock(&r->lock);
}

static void add_data(struct store *st, struct store_op *op)
{
	g_queue_push_tail(&st->backlog, op);
	if (st->failing) {
		if (st->backlog.length > STORE_MAX_BACKLOG)
			trim_backlog(st);
		return;
	}
	/* A full batch, a session's start (a power cut in its first half
	 * second must still leave it, as recovered) or its end (gymhubctl,
	 * run just after a workout, should find it finished) is committed
	 * at once: one fsync more per session. */
	if (st->backlog.length >= BATCH_MAX || op->kind == STORE_OP_BEGIN ||
	    op->kind == STORE_OP_END)
		st->wake_us = 0;
	else if (st->backlog.length == 1)
		st->wake_us = g_get_monotonic_time() + STORE_BATCH_MS * 1000;
}

static gpointer writer_main(gpointer data)
{
	struct store *st = data;
	struct store_op *op;
	struct store_reply *r;
	int64_t now;

	for (;;) {
		if (g_queue_is_empty(&st->backlog)) {
			op = g_async_queue_pop(st->queue);
		} else {
			now = g_get_monotonic_time();
			if (now >= st->wake_us) {
				commit_all(st);
				continue;
			}
			op = g_async_queue_timeout_pop(st->queue,
						       st->wake_us - now);
			if (!op)
				continue;
		}
		if (op_is_data(op)) {
			add_data(st, op);
			continue;
		}

		r = op->ctl.reply;
		switch (op->kind) {
		case STORE_OP_FLUSH:
			reply(r, commit_all(st));
			break;
		case STORE_OP_MAX_PAGES:
			if (!st->failing)
				commit_all(st);
			reply(r, set_max_pages(st, op->ctl.pages));
			break;
		case STORE_OP_QUIT:
			reply(r, commit_all(st));
			op_free(op);
			return NULL;
		case STORE_OP_BEGIN:
		case STORE_OP_END:
		case STORE_OP_SEGMENT:
		case STORE_OP_SET:
		case STORE_OP_CUE:
		case STORE_OP_HR:
		case STORE_OP_REP:
		case STORE_OP_SENSOR_UPSERT:
		case STORE_OP_SENSOR_SEEN:
		case STORE_OP_SENSOR_REMOVE:
		case STORE_OP_GAP_ADD:
		case STORE_OP_GAP_END:
		default:
			g_assert_not_reached();
		}
		op_free(op);
	}
}

/* --- main thread ------------------------------------------------------ */

static struct store_op *op_new(enum store_op_kind kind, int64_t session)
{
	struct store_op *op = g_new0(struct store_op, 1);

	op->kind = kind;
	op->session = session;
	return op;
}

/* Queues a control op and waits for the writer's answer. */
static int call_writer(struct store *st, enum store_op_kind kind,
		       unsigned int pages)
{
	struct store_op *op = op_new(kind, 0);
	struct store_reply r = {.done = false};
	int result;

	g_mutex_init(&r.lock);
	g_cond_init(&r.cond);
	op->ctl.reply = &r;
	op->ctl.pages = pages;
	g_async_queue_push(st->queue, op);
	g_mutex_lock(&r.lock);
	while (!r.done)
		g_cond_wait(&r.cond, &r.lock);
	result = r.result;
	g_mutex_unlock(&r.lock);
	g_cond_clear(&r.cond);
	g_mutex_clear(&r.lock);
	return result;
}

static int exec(sqlite3 *db, const char *sql)
{
	return store_schema_errno(db, sqlite3_exec(db, sql, NULL, NULL, NULL));
}

/*
 * A session still "running" was cut off: it ends where its last recorded
 * segment does (segments are written as they end), else where it began.
 */
static int recover(sqlite3 *db, unsigned int *ret_n)
{
	static const char sql[] =
		"UPDATE sessions SET state = 'recovered', ended_ms = "
		" max(started_ms, coalesce((SELECT max(max(start_ms, end_ms))"
		"  FROM segments WHERE session_id = sessions.id), 0))"
		" WHERE state = 'running'";
	int r;

	r = exec(db, "BEGIN IMMEDIATE");
	if (r < 0)
		return r;
	r = exec(db, sql);
	if (r == 0) {
		*ret_n = (unsigned int)sqlite3_changes(db);
		r = exec(db, "COMMIT");
	}
	if (r < 0 && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

static int last_id(sqlite3 *db, int64_t *ret)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) FROM sessions",
				-1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			*ret = sqlite3_column_int64(s, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(s);
	return store_schema_errno(db, rc);
}

/* The file is ours and current; this is where we start writing to it. */
static int prepare_db(struct store *st, int version, unsigned int *ret_rec)
{
	char sql[160];
	int64_t id = 0;
	int one = 1, r, i;

	if (sqlite3_db_readonly(st->db, "main") == 1)
		return -EROFS;
	/* Only now that the file is known to be ours: another program's WAL
	 * database we refused keeps SQLite's usual clean-up. The flag is read
	 * when the connection closes. */
	r = store_schema_errno(
		st->db, sqlite3_file_control(st->db, "main",
					     SQLITE_FCNTL_PERSIST_WAL, &one));
	if (r < 0)
		return r;
	snprintf(sql, sizeof(sql),
		 "PRAGMA journal_mode = WAL;"
		 "PRAGMA journal_size_limit = %d;"
		 "PRAGMA synchronous = FULL;"
		 "PRAGMA foreign_keys = ON",
		 WAL_SIZE_LIMIT);
	r = exec(st->db, sql);
	if (r < 0)
		return r;
	r = store_schema_migrate(st->db, version);
	if (r < 0)
		return r;
	r = recover(st->db, ret_rec);
	if (r < 0)
		return r;
	r = last_id(st->db, &id);
	if (r < 0)
		return r;
	atomic_init(&st->last_id, id);
	for (i = 0; i < STMT_MAX; i++) {
		int rc = sqlite3_prepare_v3(st->db, stmt_sql[i], -1,
					    SQLITE_PREPARE_PERSISTENT,
					    &st->stmt[i], NULL);

		if (rc != SQLITE_OK)
			return store_schema_errno(st->db, rc);
	}
	return 0;
}

/*
 * Takes the one-writer lock for @path: flock() on a sibling file, created
 * if needed and never deleted (deleting it would let a third instance lock
 * a new file while a second one still holds the old).
 *
 * Not on the database file itself: flock() and SQLite's POSIX locks do
 * not conflict on Linux, but close() of ANY descriptor of a file drops
 * all POSIX locks the process holds on it, SQLite's included
 * (https://www.sqlite.org/howtocorrupt.html section 2.2). Tried: a
 * refused second open in the same process closing its descriptor took
 * away the first connection's SHARED lock, the one that tells other
 * connections it is not the last.
 *
 * The lock is named after the file SQLite opens, symlinks resolved, as
 * SQLite does for -wal, so two paths to one database share it. Mode 0644
 * (less the umask): read access is all flock() needs, so a lock file
 * left by root running gymhubd by hand does not lock out the service.
 */
static int lock_open(const char *path, int *ret_fd)
{
	g_autofree char *real = realpath(path, NULL);
	g_autofree char *lock = g_strconcat(real ? real : path, ".lock", NULL);
	int fd, r;

	fd = open(lock, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

static void store_free(struct store *st)
{
	int i;

	for (i = 0; i < STMT_MAX; i++)
		sqlite3_finalize(st->stmt[i]);
	/* Unlock only after the close has checkpointed and truncated -wal:
	 * the next writer must find the file as this one left it. */
	sqlite3_close(st->db);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	if (st->queue)
		g_async_queue_unref(st->queue);
	if (st->notify) {
		st->notify->closed = true;
		g_atomic_rc_box_release_full(st->notify, notify_clear);
	}
	g_queue_clear_full(&st->backlog, (GDestroyNotify)op_free);
	g_free(st->path);
	g_free(st);
}

int store_open(const char *path, store_error_fn on_error, void *user_data,
	       unsigned int *ret_recovered, struct store **ret)
{
	struct store *st;
	unsigned int recovered = 0;
	int version = 0, rc, r;

	st = g_new0(struct store, 1);
	st->path = g_strdup(path);
	st->lock_fd = -1;
	g_queue_init(&st->backlog);
	/* Before SQLite opens the file: a second writer must not touch it. */
	r = lock_open(path, &st->lock_fd);
	if (r < 0)
		goto fail;
	/* NOMUTEX: the connection is used by this thread, then only by the
	 * writer, handed over by g_thread_new(). */
	rc = sqlite3_open_v2(path, &st->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		r = store_schema_errno(st->db, rc);
		goto fail;
	}
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	/* Nothing is written before the file is known to be ours. */
	r = store_schema_check(st->db, &version);
	if (r < 0)
		goto fail;
	r = prepare_db(st, version, &recovered);
	if (r < 0)
		goto fail;

	st->notify = g_atomic_rc_box_new0(struct store_notify);
	st->notify->context = g_main_context_ref_thread_default();
	st->notify->fn = on_error;
	st->notify->user_data = user_data;
	st->queue = g_async_queue_new();
	st->thread = g_thread_try_new("gymhub-store", writer_main, st, NULL);
	if (!st->thread) {
		r = -EAGAIN;
		goto fail;
	}
	if (ret_recovered)
		*ret_recovered = recovered;
	*ret = st;
	return 0;

fail:
	store_free(st);
	return r;
}

void store_close(struct store *st)
{
	int r;

	if (!st)
		return;
	/* No report after this: the caller's user_data may be going. */
	st->notify->closed = true;
	r = call_writer(st, STORE_OP_QUIT, 0);
	g_thread_join(st->thread);
	if (r < 0)
		g_warning("Store: closing %s with %u records not written (%s) "
			  "and %" G_GUINT64_FORMAT " dropped; they are lost",
			  st->path, st->backlog.length, g_strerror(-r),
			  st->dropped);
	store_free(st);
}

int store_flush(struct store *st)
{
	return call_writer(st, STORE_OP_FLUSH, 0);
}

int store_test_set_max_pages(struct store *st, unsigned int pages)
{
	return call_writer(st, STORE_OP_MAX_PAGES, pages);
}

int64_t store_session_begin(struct store *st, const char *workout,
			    const char *title, int64_t started_ms)
{
	struct store_op *op;
	int64_t id = atomic_fetch_add(&st->last_id, 1) + 1;

	op = op_new(STORE_OP_BEGIN, id);
	op->str[0] = dup_or_empty(workout);
	op->str[1] = dup_or_empty(title);
	op->begin.started_ms = started_ms;
	g_async_queue_push(st->queue, op);
	return id;
}

void store_session_end(struct store *st, int64_t session, const char *state,
		       int64_t ended_ms)
{
	struct store_op *op = op_new(STORE_OP_END, session);

	op->str[0] = dup_or_empty(state);
	op->end.ended_ms = ended_ms;
	g_async_queue_push(st->queue, op);
}

void store_add_segment(struct store *st, int64_t session,
		       const struct store_segment *seg)
{
	struct store_op *op = op_new(STORE_OP_SEGMENT, session);

	op->seg = *seg;
	op->seg.kind = op->str[0] = dup_or_empty(seg->kind);
	op->seg.exercise = op->str[1] = dup_or_empty(seg->exercise);
	op->seg.side = op->str[2] = dup_or_empty(seg->side);
	g_async_queue_push(st->queue, op);
}

void store_add_set(struct store *st, int64_t session,
		   const struct store_set *set)
{
	struct store_op *op = op_new(STORE_OP_SET, session);

	op->set = *set;
	op->set.exercise = op->str[0] = dup_or_empty(set->exercise);
	op->set.side = op->str[1] = dup_or_empty(set->side);
	g_async_queue_push(st->queue, op);
}

void store_add_cue(struct store *st, int64_t session, uint32_t seq,
		   const char *kind, uint32_t segment, int64_t planned_ms,
		   int64_t late_us)
{
	struct store_op *op = op_new(STORE_OP_CUE, session);

	op->str[0] = dup_or_empty(kind);
	op->cue.seq = seq;
	op->cue.segment = segment;
	op->cue.planned_ms = planned_ms;
	op->cue.late_us = late_us;
	g_async_queue_push(st->queue, op);
}

void store_add_hr(struct store *st, int64_t session, const struct store_hr *s)
{
	struct store_op *op;
	size_t i;

	if (session <= 0)
		return;
	op = op_new(STORE_OP_HR, session);
	op->hr = *s;
	op->hr.sensor = op->str[0] = dup_or_empty(s->sensor);
	op->hr.contact = op->str[1] = dup_or_empty(s->contact);
	op->hr.rr_1024 = NULL;
	op->hr.n_rr = 0;
	if (s->n_rr) {
		/* Stored little-endian whatever the host, so a file copied
		 * off the Pi reads the same anywhere. */
		op->blob_len = 2 * s->n_rr;
		op->blob = g_malloc(op->blob_len);
		for (i = 0; i < s->n_rr; i++) {
			op->blob[2 * i] = (uint8_t)(s->rr_1024[i] & 0xff);
			op->blob[2 * i + 1] = (uint8_t)(s->rr_1024[i] >> 8);
		}
	}
	g_async_queue_push(st->queue, op);
}

void store_add_rep(struct store *st, int64_t session, const struct store_rep *r)
{
	struct store_op *op;

	if (session <= 0)
		return;
	op = op_new(STORE_OP_REP, session);
	op->rep = *r;
	op->rep.sensor = op->str[0] = dup_or_empty(r->sensor);
	g_async_queue_push(st->queue, op);
}

void store_sensor_upsert(struct store *st, const char *address,
			 const char *name, const char *kind, int64_t added_ms)
{
	struct store_op *op = op_new(STORE_OP_SENSOR_UPSERT, 0);

	op->str[0] = dup_or_empty(address);
	op->str[1] = dup_or_empty(name);
	op->str[2] = dup_or_empty(kind);
	op->sensor.added_ms = added_ms;
	g_async_queue_push(st->queue, op);
}

void store_sensor_seen(struct store *st, const char *address,
		       int64_t last_seen_ms, int battery)
{
	struct store_op *op = op_new(STORE_OP_SENSOR_SEEN, 0);

	op->str[0] = dup_or_empty(address);
	op->seen.last_seen_ms = last_seen_ms;
	op->seen.battery = battery;
	g_async_queue_push(st->queue, op);
}

void store_sensor_remove(struct store *st, const char *address)
{
	struct store_op *op = op_new(STORE_OP_SENSOR_REMOVE, 0);

	op->str[0] = dup_or_empty(address);
	g_async_queue_push(st->queue, op);
}

static void queue_gap(struct store *st, enum store_op_kind kind,
		      int64_t session, const char *sensor, int64_t lost_ms,
		      int64_t back_ms)
{
	struct store_op *op;

	if (session <= 0)
		return;
	op = op_new(kind, session);
	op->str[0] = dup_or_empty(sensor);
	op->gap.lost_ms = lost_ms;
	op->gap.back_ms = back_ms;
	g_async_queue_push(st->queue, op);
}

void store_add_gap(struct store *st, int64_t session, const char *sensor,
		   int64_t lost_ms)
{
	queue_gap(st, STORE_OP_GAP_ADD, session, sensor, lost_ms, 0);
}

void store_end_gap(struct store *st, int64_t session, const char *sensor,
		   int64_t lost_ms, int64_t back_ms)
{
	queue_gap(st, STORE_OP_GAP_END, session, sensor, lost_ms, back_ms);
}
