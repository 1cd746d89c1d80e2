/* SPDX-License-Identifier: MIT */
/*
 * session-query.c - reading sessions back from the database file.
 *
 * Read-only, so it may run beside gymhubd: WAL lets a reader see the last
 * commit while the writer goes on (https://www.sqlite.org/wal.html).
 * Files of an older schema version (gymhubd migrates them when it starts)
 * are read as they are: tables they lack read as empty. Readers take no
 * lock of their own; gymhubd's "<file>.lock" only keeps writers apart.
 *
 * While gymhubd is stopped a reader who may not create files beside the
 * database still needs -wal and -shm: gymhubd keeps them (store.c), and
 * where they are gone anyway the file is read as a snapshot
 * (open_snapshot()).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "session-query.h"
#include "store-schema.h"

#define BUSY_TIMEOUT_MS 2000

/* What a snapshot reader watches of a file: @exists false = missing. */
struct file_id {
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

enum sq_file {
	SQ_FILE_DB,
	SQ_FILE_WAL,
	SQ_FILE_SHM,
	SQ_FILE_MAX,
};

struct sq {
	sqlite3 *db;
	int version; /* 0: an empty file, no tables at all */
	/* Set when opened as a snapshot (open_snapshot()): the files'
	 * names and how they were at that moment. */
	char *files[SQ_FILE_MAX];
	struct file_id ids[SQ_FILE_MAX];
};

/* Opens @name (a path, or a URI with SQLITE_OPEN_URI) and checks it is
 * ours. The first read happens here, so a WAL file that cannot be read
 * fails here too. *ret_rc: SQLite's code, for deciding on a retry. */
static int open_db(const char *name, int flags, struct sq **ret, int *ret_rc)
{
	struct sq *q;
	int rc, r;

	*ret_rc = SQLITE_OK;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	rc = sqlite3_open_v2(name, &q->db, flags, NULL);
	if (rc != SQLITE_OK) {
		/* The file itself could not be opened: nothing to retry. */
		r = store_schema_errno(q->db, rc);
		goto fail;
	}
	sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS);
	r = store_schema_check(q->db, &q->version);
	if (r < 0) {
		*ret_rc = sqlite3_extended_errcode(q->db);
		goto fail;
	}
	*ret = q;
	return 0;

fail:
	sq_close(q);
	return r;
}

static int file_id_get(const char *path, struct file_id *ret)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		*ret = (struct file_id){.exists = false};
		return errno == ENOENT ? 0 : -errno;
	}
	*ret = (struct file_id){
		.exists = true,
		.dev = st.st_dev,
		.ino = st.st_ino,
		.size = st.st_size,
		.mtime = st.st_mtim,
	};
	return 0;
}

static bool file_id_equal(const struct file_id *a, const struct file_id *b)
{
	if (a->exists != b->exists)
		return false;
	return !a->exists ||
	       (a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
		a->mtime.tv_sec == b->mtime.tv_sec &&
		a->mtime.tv_nsec == b->mtime.tv_nsec);
}

/*
 * "file:" URI for @path, every byte but [A-Za-z0-9/._~-] percent-encoded
 * (RFC 3986; SQLite decodes %HH, https://www.sqlite.org/uri.html), so
 * '?', '#' and '%' in a name stay part of it. "file://" before an absolute
 * path gives an empty authority even when the path starts with "//".
 */
static char *snapshot_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	static const char tail[] = "?immutable=1";
	char *uri, *p;

	uri = malloc(sizeof("file://") + 3 * strlen(path) + sizeof(tail));
	if (!uri)
		return NULL;
	p = stpcpy(uri, path[0] == '/' ? "file://" : "file:");
	for (; *path; path++) {
		unsigned char c = (unsigned char)*path;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("/._~-", c)) {
			*p++ = (char)c;
		} else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 0xf];
		}
	}
	strcpy(p, tail);
	return uri;
}

/*
 * Reads the database file alone, as a snapshot, when SQLite cannot set up
 * its WAL index for us: -shm (or -wal) is missing and only gymhubd's user
 * may create files in its directory. -EROFS unless -wal is missing or
 * empty: then it holds no commit the database file lacks and no writer is
 * at work (a writer keeps -wal and -shm from its first read on and
 * commits to -wal), so immutable=1 - no locks, no WAL - reads exactly
 * what a normal reader would.
 *
 * If gymhubd starts meanwhile, its commits go to -wal and this snapshot
 * simply predates them; only a checkpoint (at 1000 pages of -wal, or
 * when gymhubd stops) rewrites the database file under us. Every query
 * therefore re-checks the file (snapshot_check()) and answers -EBUSY,
 * "try again", if it changed; a retry then finds a writer's -shm and
 * reads normally.
 */
static int open_snapshot(const char *path, struct sq **ret)
{
	static const char *const suffix[SQ_FILE_MAX] = {"", "-wal", "-shm"};
	struct sq *q = NULL;
	char *files[SQ_FILE_MAX] = {NULL}, *uri = NULL;
	struct file_id ids[SQ_FILE_MAX];
	int i, rc, r;

	for (i = 0; i < SQ_FILE_MAX; i++) {
		if (asprintf(&files[i], "%s%s", path, suffix[i]) < 0) {
			files[i] = NULL;
			r = -ENOMEM;
			goto out;
		}
		r = file_id_get(files[i], &ids[i]);
		if (r < 0)
			goto out;
	}
	if (!ids[SQ_FILE_DB].exists) {
		r = -ENOENT;
		goto out;
	}
	if (ids[SQ_FILE_WAL].exists && ids[SQ_FILE_WAL].size > 0) {
		r = -EROFS;
		goto out;
	}
	uri = snapshot_uri(path);
	if (!uri) {
		r = -ENOMEM;
		goto out;
	}
	r = open_db(uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, &q, &rc);
	if (r < 0)
		goto out;
	memcpy(q->files, files, sizeof(files));
	memcpy(q->ids, ids, sizeof(ids));
	memset(files, 0, sizeof(files));
	*ret = q;
out:
	for (i = 0; i < SQ_FILE_MAX; i++)
		free(files[i]);
	free(uri);
	return r;
}

/*
 * @r, or -EBUSY when a writer came by since the snapshot was opened,
 * errors included: what was read may then be torn (tried: a checkpoint
 * under a snapshot reader made a query fail with SQLITE_CORRUPT). A
 * writer shows: its first commit creates -wal or grows it from empty, it
 * creates -shm when missing, and gymhubd leaves both behind. One that
 * deletes them when it closes (the sqlite3 shell) shows only in the
 * database file's timestamp, blind to a write in the same clock tick as
 * the snapshot's stat().
 */
static int snapshot_check(const struct sq *q, int r)
{
	struct file_id now;
	int i;

	if (!q->files[SQ_FILE_DB] || r == -ENOMEM)
		return r;
	for (i = 0; i < SQ_FILE_MAX; i++)
		if (file_id_get(q->files[i], &now) < 0 ||
		    !file_id_equal(&now, &q->ids[i]))
			return -EBUSY;
	return r;
}

int sq_open(const char *path, struct sq **ret)
{
	struct stat stbuf;
	int rc, r, r2;

	/* Say "no such file" plainly rather than SQLite's "unable to open". */
	if (stat(path, &stbuf) < 0)
		return -errno;
	r = open_db(path, SQLITE_OPEN_READONLY, ret, &rc);
	if (r == 0)
		return 0;
	/* The file opened but the first read failed. Seen with SQLite 3.40
	 * when the WAL index cannot be set up for lack of -wal
	 * (READONLY_DIRECTORY) or -shm (CANTOPEN, errno ENOENT) and no right
	 * to create them: gymhubd is stopped and an older one, or someone,
	 * removed them. */
	switch (rc & 0xff) {
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_IOERR:
		break;
	default:
		return r;
	}
	/* -EROFS when -wal holds commits: this user cannot read them until
	 * gymhubd, the only one who may re-create -shm, runs again. An I/O
	 * error is more likely a failing card, though: say so. */
	r2 = open_snapshot(path, ret);
	return r2 == -EROFS && (rc & 0xff) == SQLITE_IOERR ? r : r2;
}

void sq_close(struct sq *q)
{
	int i;

	if (!q)
		return;
	sqlite3_close(q->db);
	for (i = 0; i < SQ_FILE_MAX; i++)
		free(q->files[i]);
	free(q);
}

/* A text column as a new string; NULL reads as "". */
static int col_str(sqlite3_stmt *s, int col, char **ret)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	*ret = strdup(t ? (const char *)t : "");
	return *ret ? 0 : -ENOMEM;
}

static uint32_t col_u32(sqlite3_stmt *s, int col)
{
	return (uint32_t)sqlite3_column_int64(s, col);
}

static void session_clear(struct sq_session *s)
{
	free(s->workout);
	free(s->title);
	free(s->state);
}

/* Columns as in session_sql(). */
static int session_fill(sqlite3_stmt *s, struct sq_session *out)
{
	struct sq_session v = {
		.id = sqlite3_column_int64(s, 0),
		.started_ms = sqlite3_column_int64(s, 4),
		.ended_ms = sqlite3_column_int64(s, 5),
		.n_segments = col_u32(s, 6),
		.n_sets = col_u32(s, 7),
		.n_cues = col_u32(s, 8),
	};

	if (col_str(s, 1, &v.workout) < 0 || col_str(s, 2, &v.title) < 0 ||
	    col_str(s, 3, &v.state) < 0) {
		session_clear(&v);
		return -ENOMEM;
	}
	*out = v;
	return 0;
}

/* Sessions with their counts; a v1 file has no sets or cues yet. */
static void session_sql(const struct sq *q, const char *tail, char *buf,
			size_t size)
{
	snprintf(buf, size,
		 "SELECT id, workout, title, state, started_ms,"
		 " coalesce(ended_ms, 0),"
		 " (SELECT count(*) FROM segments WHERE session_id = s.id),"
		 " %s, %s FROM sessions AS s %s",
		 q->version >= 2 ? "(SELECT count(*) FROM sets"
				   " WHERE session_id = s.id)"
				 : "0",
		 q->version >= 2 ? "(SELECT count(*) FROM cues"
				   " WHERE session_id = s.id)"
				 : "0",
		 tail);
}

static int prepare(struct sq *q, const char *sql, sqlite3_stmt **ret)
{
	return store_schema_errno(
		q->db, sqlite3_prepare_v2(q->db, sql, -1, ret, NULL));
}

int sq_list(struct sq *q, size_t limit, struct sq_session **ret, size_t *ret_n)
{
	struct sq_session *list = NULL, *bigger;
	sqlite3_stmt *s = NULL;
	size_t n = 0, size = 0;
	char sql[512];
	int rc, r = 0;

	if (q->version < 1)
		goto out; /* an empty file: no sessions */
	/* Ids are handed out as sessions start, so they order sessions
	 * even when the wall clock stepped (a Pi without RTC before NTP). */
	session_sql(q, "ORDER BY id DESC LIMIT ?", sql, sizeof(sql));
	r = prepare(q, sql, &s);
	if (r < 0)
		goto out;
	sqlite3_bind_int64(s, 1, limit ? (sqlite3_int64)limit : -1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == size) {
			size = size ? 2 * size : 16;
			bigger = realloc(list, size * sizeof(*list));
			if (!bigger) {
				r = -ENOMEM;
				goto out;
			}
			list = bigger;
		}
		r = session_fill(s, &list[n]);
		if (r < 0)
			goto out;
		n++;
	}
	r = store_schema_errno(q->db, rc);
out:
	r = snapshot_check(q, r);
	if (r == 0) {
		*ret = list;
		*ret_n = n;
		list = NULL;
	}
	sqlite3_finalize(s);
	sq_list_free(list, n);
	return r;
}

void sq_list_free(struct sq_session *list, size_t n)
{
	size_t i;

	for (i = 0; list && i < n; i++)
		session_clear(&list[i]);
	free(list);
}

int sq_last_id(struct sq *q, int64_t *ret_id)
{
	sqlite3_stmt *s = NULL;
	int64_t id = 0;
	int rc, r;

	if (q->version < 1)
		return -ENOENT;
	r = prepare(q, "SELECT max(id) FROM sessions", &s);
	if (r < 0)
		return snapshot_check(q, r);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) == SQLITE_NULL)
		r = -ENOENT;
	else if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	else
		r = rc == SQLITE_DONE ? -EIO : store_schema_errno(q->db, rc);
	sqlite3_finalize(s);
	r = snapshot_check(q, r);
	if (r == 0)
		*ret_id = id;
	return r;
}

/* --- one session in full ----------------------------------------------- */

static void segment_clear(void *p)
{
	struct sq_segment *g = p;

	free(g->kind);
	free(g->exercise);
	free(g->side);
}

static int segment_fill(sqlite3_stmt *s, void *p)
{
	struct sq_segment *g = p;

	*g = (struct sq_segment){
		.idx = col_u32(s, 0),
		.round = col_u32(s, 4),
		.rounds = col_u32(s, 5),
		.set = col_u32(s, 6),
		.sets = col_u32(s, 7),
		.planned_start_ms = sqlite3_column_int64(s, 8),
		.planned_end_ms = sqlite3_column_int64(s, 9),
		.start_ms = sqlite3_column_int64(s, 10),
		.end_ms = sqlite3_column_int64(s, 11),
		.skipped = sqlite3_column_int(s, 12) != 0,
	};
	if (col_str(s, 1, &g->kind) < 0 || col_str(s, 2, &g->exercise) < 0 ||
	    col_str(s, 3, &g->side) < 0) {
		segment_clear(g);
		return -ENOMEM;
	}
	return 0;
}

static void set_clear(void *p)
{
	struct sq_set *t = p;

	free(t->exercise);
	free(t->side);
}

static int set_fill(sqlite3_stmt *s, void *p)
{
	struct sq_set *t = p;

	*t = (struct sq_set){
		.idx = col_u32(s, 0),
		.target_reps = col_u32(s, 3),
		.reps = (int32_t)sqlite3_column_int64(s, 4),
		.hold_ms = col_u32(s, 5),
		.load_kg = sqlite3_column_double(s, 6),
		.start_ms = sqlite3_column_int64(s, 7),
		.end_ms = sqlite3_column_int64(s, 8),
	};
	if (col_str(s, 1, &t->exercise) < 0 || col_str(s, 2, &t->side) < 0) {
		set_clear(t);
		return -ENOMEM;
	}
	return 0;
}

static void cue_clear(void *p)
{
	struct sq_cue *c = p;

	free(c->kind);
}

static int cue_fill(sqlite3_stmt *s, void *p)
{
	struct sq_cue *c = p;

	*c = (struct sq_cue){
		.seq = col_u32(s, 0),
		.segment = col_u32(s, 2),
		.planned_ms = sqlite3_column_int64(s, 3),
		.late_us = sqlite3_column_int64(s, 4),
	};
	return col_str(s, 1, &c->kind);
}

static void gap_clear(void *p)
{
	struct sq_gap *g = p;

	free(g->sensor);
}

static int gap_fill(sqlite3_stmt *s, void *p)
{
	struct sq_gap *g = p;

	*g = (struct sq_gap){
		.lost_ms = sqlite3_column_int64(s, 1),
		.back_ms = sqlite3_column_int64(s, 2),
	};
	return col_str(s, 0, &g->sensor);
}

static void rep_clear(void *p)
{
	free(((struct sq_rep *)p)->sensor);
}

static int rep_fill(sqlite3_stmt *s, void *p)
{
	struct sq_rep *r = p;

	*r = (struct sq_rep){
		.segment = (uint32_t)sqlite3_column_int64(s, 0),
		.count = (uint32_t)sqlite3_column_int64(s, 1),
		.t_ms = sqlite3_column_int64(s, 2),
		.amplitude_g = sqlite3_column_double(s, 4),
		.duration_ms = (uint32_t)sqlite3_column_int64(s, 5),
	};
	return col_str(s, 3, &r->sensor);
}

static void sensor_clear(void *p)
{
	struct sq_sensor *n = p;

	free(n->address);
	free(n->name);
	free(n->kind);
}

static int sensor_fill(sqlite3_stmt *s, void *p)
{
	struct sq_sensor *n = p;

	*n = (struct sq_sensor){
		.added_ms = sqlite3_column_int64(s, 3),
		.last_seen_ms = sqlite3_column_int64(s, 4),
		.battery = sqlite3_column_int(s, 5),
	};
	if (col_str(s, 0, &n->address) < 0 || col_str(s, 1, &n->name) < 0 ||
	    col_str(s, 2, &n->kind) < 0) {
		sensor_clear(n);
		return -ENOMEM;
	}
	return 0;
}

/* How to read one kind of row belonging to a session. */
struct row_kind {
	const char *sql; /* parameter 1, if any: the session id */
	size_t size;
	int (*fill)(sqlite3_stmt *s, void *row);
	void (*clear)(void *row);
};

static const struct row_kind segment_rows = {
	"SELECT idx, kind, exercise, side, round, rounds, set_no, sets,"
	" planned_start_ms, planned_end_ms, start_ms, end_ms, skipped"
	" FROM segments WHERE session_id = ? ORDER BY idx",
	sizeof(struct sq_segment),
	segment_fill,
	segment_clear,
};

static const struct row_kind set_rows = {
	"SELECT idx, exercise, side, target_reps, reps, hold_ms, load_kg,"
	" start_ms, end_ms FROM sets WHERE session_id = ? ORDER BY idx",
	sizeof(struct sq_set),
	set_fill,
	set_clear,
};

static const struct row_kind cue_rows = {
	"SELECT seq, kind, segment, planned_ms, late_us"
	" FROM cues WHERE session_id = ? ORDER BY seq",
	sizeof(struct sq_cue),
	cue_fill,
	cue_clear,
};

static const struct row_kind gap_rows = {
	"SELECT sensor, lost_ms, coalesce(back_ms, 0) FROM sensor_gaps"
	" WHERE session_id = ? ORDER BY lost_ms, sensor",
	sizeof(struct sq_gap),
	gap_fill,
	gap_clear,
};

static const struct row_kind rep_rows = {
	"SELECT segment, count, t_ms, sensor, amplitude_g, duration_ms"
	" FROM reps WHERE session_id = ? ORDER BY segment, count",
	sizeof(struct sq_rep),
	rep_fill,
	rep_clear,
};

static const struct row_kind sensor_rows = {
	"SELECT address, name, kind, added_ms, coalesce(last_seen_ms, 0),"
	" coalesce(battery, -1) FROM sensors ORDER BY added_ms, address",
	sizeof(struct sq_sensor),
	sensor_fill,
	sensor_clear,
};

static void rows_free(const struct row_kind *k, void *rows, size_t n)
{
	size_t i;

	for (i = 0; rows && i < n; i++)
		k->clear((char *)rows + i * k->size);
	free(rows);
}

static int read_rows(struct sq *q, const struct row_kind *k, int64_t id,
		     void **ret, size_t *ret_n)
{
	sqlite3_stmt *s = NULL;
	void *rows = NULL, *bigger;
	size_t n = 0, size = 0;
	int rc, r;

	r = prepare(q, k->sql, &s);
	if (r < 0)
		return r;
	if (sqlite3_bind_parameter_count(s) > 0)
		sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == size) {
			size = size ? 2 * size : 16;
			bigger = realloc(rows, size * k->size);
			if (!bigger) {
				r = -ENOMEM;
				goto out;
			}
			rows = bigger;
		}
		r = k->fill(s, (char *)rows + n * k->size);
		if (r < 0)
			goto out;
		n++;
	}
	r = store_schema_errno(q->db, rc);
	if (r < 0)
		goto out;
	*ret = rows;
	*ret_n = n;
	rows = NULL;
out:
	sqlite3_finalize(s);
	rows_free(k, rows, n);
	return r;
}

/* --- heart rate: two parallel arrays from one query -------------------- */

static void hr_free(struct sq_hr *hr, struct sq_hr_extra *x, size_t n)
{
	size_t i;

	for (i = 0; hr && i < n; i++)
		free(hr[i].sensor);
	for (i = 0; x && i < n; i++) {
		free(x[i].contact);
		free(x[i].rr_1024);
	}
	free(hr);
	free(x);
}

/* The RR list is stored as little-endian uint16 (store.c); an odd last
 * byte cannot be one and is left out. */
static int rr_fill(sqlite3_stmt *s, int col, struct sq_hr_extra *x)
{
	const uint8_t *b = sqlite3_column_blob(s, col);
	size_t n = (size_t)sqlite3_column_bytes(s, col) / 2, i;

	x->rr_1024 = NULL;
	x->n_rr = 0;
	if (!b || !n)
		return 0;
	x->rr_1024 = malloc(n * sizeof(*x->rr_1024));
	if (!x->rr_1024)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		x->rr_1024[i] = (uint16_t)(b[2 * i] | b[2 * i + 1] << 8);
	x->n_rr = n;
	return 0;
}

static int hr_fill(sqlite3_stmt *s, struct sq_hr *hr, struct sq_hr_extra *x)
{
	*hr = (struct sq_hr){
		.t_ms = sqlite3_column_int64(s, 0),
		.bpm = (uint16_t)sqlite3_column_int(s, 2),
	};
	*x = (struct sq_hr_extra){
		.energy_kj = sqlite3_column_type(s, 4) == SQLITE_NULL
				     ? -1
				     : sqlite3_column_int(s, 4),
	};
	if (col_str(s, 1, &hr->sensor) < 0 || col_str(s, 3, &x->contact) < 0 ||
	    rr_fill(s, 5, x) < 0) {
		free(hr->sensor);
		free(x->contact);
		return -ENOMEM;
	}
	return 0;
}

static int read_hr(struct sq *q, int64_t id, struct sq_detail *d)
{
	sqlite3_stmt *s = NULL;
	struct sq_hr *hr = NULL, *bigger;
	struct sq_hr_extra *x = NULL, *bigger_x;
	size_t n = 0, size = 0;
	int rc, r;

	r = prepare(q,
		    "SELECT t_ms, sensor, bpm, contact, energy_kj, rr_1024"
		    " FROM hr_samples WHERE session_id = ?"
		    " ORDER BY t_ms, sensor",
		    &s);
	if (r < 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == size) {
			size = size ? 2 * size : 64;
			bigger = realloc(hr, size * sizeof(*hr));
			if (bigger)
				hr = bigger;
			bigger_x = realloc(x, size * sizeof(*x));
			if (bigger_x)
				x = bigger_x;
			if (!bigger || !bigger_x) {
				r = -ENOMEM;
				goto out;
			}
		}
		r = hr_fill(s, &hr[n], &x[n]);
		if (r < 0)
			goto out;
		n++;
	}
	r = store_schema_errno(q->db, rc);
	if (r < 0)
		goto out;
	d->hr = hr;
	d->hr_extra = x;
	d->n_hr = n;
	hr = NULL;
	x = NULL;
out:
	sqlite3_finalize(s);
	hr_free(hr, x, n);
	return r;
}

static int read_session(struct sq *q, int64_t id, struct sq_session *ret)
{
	sqlite3_stmt *s = NULL;
	char sql[512];
	int rc, r;

	session_sql(q, "WHERE id = ?", sql, sizeof(sql));
	r = prepare(q, sql, &s);
	if (r < 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		r = session_fill(s, ret);
	else if (rc == SQLITE_DONE)
		r = -ENOENT;
	else
		r = store_schema_errno(q->db, rc);
	sqlite3_finalize(s);
	return r;
}

static int read_detail(struct sq *q, int64_t id, struct sq_detail *d)
{
	void *rows;
	int r;

	r = read_session(q, id, &d->session);
	if (r < 0)
		return r;
	r = read_rows(q, &segment_rows, id, &rows, &d->n_segments);
	if (r < 0)
		return r;
	d->segments = rows;
	if (q->version < 2)
		return 0;
	r = read_rows(q, &set_rows, id, &rows, &d->n_sets);
	if (r < 0)
		return r;
	d->sets = rows;
	r = read_rows(q, &cue_rows, id, &rows, &d->n_cues);
	if (r < 0)
		return r;
	d->cues = rows;
	if (q->version < 3)
		return 0;
	r = read_hr(q, id, d);
	if (r < 0)
		return r;
	r = read_rows(q, &gap_rows, id, &rows, &d->n_gaps);
	if (r < 0)
		return r;
	d->gaps = rows;
	if (q->version < 4)
		return 0;
	r = read_rows(q, &rep_rows, id, &rows, &d->n_reps);
	if (r < 0)
		return r;
	d->reps = rows;
	return 0;
}

int sq_get(struct sq *q, int64_t id, struct sq_detail **ret)
{
	struct sq_detail *d;
	int r;

	if (q->version < 1)
		return -ENOENT;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	/* One read transaction: the session and its rows as of one commit,
	 * even while gymhubd writes. */
	r = store_schema_errno(q->db,
			       sqlite3_exec(q->db, "BEGIN", NULL, NULL, NULL));
	if (r == 0) {
		r = read_detail(q, id, d);
		sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
	}
	r = snapshot_check(q, r);
	if (r < 0) {
		sq_detail_free(d);
		return r;
	}
	*ret = d;
	return 0;
}

void sq_detail_free(struct sq_detail *d)
{
	if (!d)
		return;
	session_clear(&d->session);
	rows_free(&segment_rows, d->segments, d->n_segments);
	rows_free(&set_rows, d->sets, d->n_sets);
	rows_free(&cue_rows, d->cues, d->n_cues);
	hr_free(d->hr, d->hr_extra, d->n_hr);
	rows_free(&gap_rows, d->gaps, d->n_gaps);
	rows_free(&rep_rows, d->reps, d->n_reps);
	free(d);
}

int sq_sensors(struct sq *q, struct sq_sensor **ret, size_t *ret_n)
{
	void *rows = NULL;
	size_t n = 0;
	int r = 0;

	/* Sensors were first stored in version 3. */
	if (q->version >= 3)
		r = read_rows(q, &sensor_rows, 0, &rows, &n);
	r = snapshot_check(q, r);
	if (r < 0) {
		rows_free(&sensor_rows, rows, n);
		return r;
	}
	*ret = rows;
	*ret_n = n;
	return 0;
}

void sq_sensors_free(struct sq_sensor *list, size_t n)
{
	rows_free(&sensor_rows, list, n);
}
