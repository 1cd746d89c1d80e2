/* SPDX-License-Identifier: MIT */
/*
 * store-schema.c - schema versions of the session database.
 *
 * Each entry of steps[] takes a database from version i to i + 1 and is
 * never edited once released: files in the field were made by it. A new
 * version appends a step. Times are Unix milliseconds (late_us is
 * microseconds); an end of 0 means the segment was still open.
 */
#include <errno.h>
#include <stdio.h>

#include "store-schema.h"

static const char *const steps[STORE_SCHEMA_VERSION] = {
	/* v1: sessions and their segments. */
	"CREATE TABLE sessions ("
	" id INTEGER PRIMARY KEY,"
	" workout TEXT NOT NULL,"
	" title TEXT NOT NULL DEFAULT '',"
	" state TEXT NOT NULL CHECK (state IN"
	"  ('running', 'completed', 'stopped', 'recovered')),"
	" started_ms INTEGER NOT NULL,"
	" ended_ms INTEGER);"
	"CREATE TABLE segments ("
	" session_id INTEGER NOT NULL REFERENCES sessions ON DELETE CASCADE,"
	" idx INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" exercise TEXT NOT NULL DEFAULT '',"
	" side TEXT NOT NULL DEFAULT '',"
	" round INTEGER NOT NULL DEFAULT 0,"
	" rounds INTEGER NOT NULL DEFAULT 0,"
	" set_no INTEGER NOT NULL DEFAULT 0,"
	" sets INTEGER NOT NULL DEFAULT 0,"
	" planned_start_ms INTEGER NOT NULL DEFAULT 0,"
	" planned_end_ms INTEGER NOT NULL DEFAULT 0,"
	" start_ms INTEGER NOT NULL DEFAULT 0,"
	" end_ms INTEGER NOT NULL DEFAULT 0,"
	" skipped INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (session_id, idx)) WITHOUT ROWID;",

	/* v2: sets (the efforts), the cues as fired, listing by date. */
	"CREATE TABLE sets ("
	" session_id INTEGER NOT NULL REFERENCES sessions ON DELETE CASCADE,"
	" idx INTEGER NOT NULL,"
	" exercise TEXT NOT NULL DEFAULT '',"
	" side TEXT NOT NULL DEFAULT '',"
	" target_reps INTEGER NOT NULL DEFAULT 0,"
	" reps INTEGER NOT NULL DEFAULT -1,"
	" hold_ms INTEGER NOT NULL DEFAULT 0,"
	" load_kg REAL NOT NULL DEFAULT 0,"
	" start_ms INTEGER NOT NULL DEFAULT 0,"
	" end_ms INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (session_id, idx)) WITHOUT ROWID;"
	"CREATE TABLE cues ("
	" session_id INTEGER NOT NULL REFERENCES sessions ON DELETE CASCADE,"
	" seq INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" segment INTEGER NOT NULL,"
	" planned_ms INTEGER NOT NULL,"
	" late_us INTEGER NOT NULL,"
	" PRIMARY KEY (session_id, seq)) WITHOUT ROWID;"
	"CREATE INDEX sessions_started ON sessions (started_ms);",

	/*
	 * v3: the sensors the user added, heart rate per notification and
	 * the times a sensor was out of reach during a session. A sensor is
	 * named by its address; samples keep it after the sensor is
	 * forgotten. rr_1024 holds the RR intervals as sent (1/1024 s, HRS
	 * 1.0 section 3.1.1.5) as little-endian uint16, NULL when none.
	 */
	"CREATE TABLE sensors ("
	" address TEXT PRIMARY KEY,"
	" name TEXT NOT NULL DEFAULT '',"
	" kind TEXT NOT NULL CHECK (kind IN ('hr', 'motion')),"
	" added_ms INTEGER NOT NULL,"
	" last_seen_ms INTEGER,"
	" battery INTEGER);"
	"CREATE TABLE hr_samples ("
	" session_id INTEGER NOT NULL REFERENCES sessions ON DELETE CASCADE,"
	" t_ms INTEGER NOT NULL,"
	" sensor TEXT NOT NULL,"
	" bpm INTEGER NOT NULL,"
	" contact TEXT NOT NULL DEFAULT '',"
	" energy_kj INTEGER,"
	" rr_1024 BLOB,"
	" PRIMARY KEY (session_id, sensor, t_ms)) WITHOUT ROWID;"
	"CREATE TABLE sensor_gaps ("
	" session_id INTEGER NOT NULL REFERENCES sessions ON DELETE CASCADE,"
	" sensor TEXT NOT NULL,"
	" lost_ms INTEGER NOT NULL,"
	" back_ms INTEGER,"
	" PRIMARY KEY (session_id, sensor, lost_ms)) WITHOUT ROWID;",

	/*
	 * v4: every rep a motion sensor counted, in the segment (a rep
	 * step) it belongs to: when its turnaround was, its count in the
	 * step, which sensor, how big it was and how long it took.
	 */
	"CREATE TABLE reps ("
	" session_id INTEGER NOT NULL REFERENCES sessions ON DELETE CASCADE,"
	" segment INTEGER NOT NULL,"
	" count INTEGER NOT NULL,"
	" t_ms INTEGER NOT NULL,"
	" sensor TEXT NOT NULL DEFAULT '',"
	" amplitude_g REAL NOT NULL DEFAULT 0,"
	" duration_ms INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (session_id, segment, count)) WITHOUT ROWID;",
};

int store_schema_errno(sqlite3 *db, int rc)
{
	int sys;

	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EBADMSG;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CANTOPEN:
		/* Missing directory, no permission...: say which. */
		sys = db ? sqlite3_system_errno(db) : 0;
		return sys > 0 ? -sys : -EACCES;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_TOOBIG:
	case SQLITE_RANGE:
		return -EINVAL;
	default:
		return -EIO;
	}
}

/* One integer from a statement that returns one row. */
static int query_int(sqlite3 *db, const char *sql, int *ret)
{
	sqlite3_stmt *s = NULL;
	int rc, r;

	rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_schema_errno(db, rc);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*ret = sqlite3_column_int(s, 0);
		r = 0;
	} else {
		r = store_schema_errno(db, rc);
		if (r == 0)
			r = -EIO; /* no row where SQLite always gives one */
	}
	sqlite3_finalize(s);
	return r;
}

int store_schema_check(sqlite3 *db, int *ret_version)
{
	int app, version, n_objects, r;

	/* The first read: a file that is not SQLite fails here. */
	r = query_int(db, "PRAGMA application_id", &app);
	if (r < 0)
		return r;
	r = query_int(db, "PRAGMA user_version", &version);
	if (r < 0)
		return r;
	r = query_int(db, "SELECT count(*) FROM sqlite_master", &n_objects);
	if (r < 0)
		return r;

	if (version == 0 && n_objects == 0 &&
	    (app == 0 || app == STORE_SCHEMA_APPLICATION_ID)) {
		*ret_version = 0; /* new (or empty) file: ours to set up */
		return 0;
	}
	if (app != STORE_SCHEMA_APPLICATION_ID || version < 1)
		return -EPROTO;
	if (version > STORE_SCHEMA_VERSION)
		return -EPROTONOSUPPORT;
	*ret_version = version;
	return 0;
}

static int exec(sqlite3 *db, const char *sql)
{
	return store_schema_errno(db, sqlite3_exec(db, sql, NULL, NULL, NULL));
}

/* Runs step @to - 1 and stamps the file, all in one transaction. */
static int migrate_step(sqlite3 *db, int to)
{
	char stamp[96];
	int version, r;

	r = exec(db, "BEGIN IMMEDIATE");
	if (r < 0)
		return r;
	/* Read again under the write lock: another gymhubd (refused on the
	 * bus, but maybe started by hand) may have migrated meanwhile. */
	r = query_int(db, "PRAGMA user_version", &version);
	if (r < 0)
		goto out;
	if (version >= to)
		goto out;
	r = exec(db, steps[to - 1]);
	if (r < 0)
		goto out;
	snprintf(stamp, sizeof(stamp),
		 "PRAGMA application_id = %d; PRAGMA user_version = %d",
		 STORE_SCHEMA_APPLICATION_ID, to);
	r = exec(db, stamp);
out:
	if (r == 0)
		r = exec(db, "COMMIT");
	if (r < 0 && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

int store_schema_migrate(sqlite3 *db, int from)
{
	int v, r;

	if (from < 0 || from > STORE_SCHEMA_VERSION)
		return -EINVAL;
	for (v = from + 1; v <= STORE_SCHEMA_VERSION; v++) {
		r = migrate_step(db, v);
		if (r < 0)
			return r;
	}
	return 0;
}
