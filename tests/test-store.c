/* SPDX-License-Identifier: MIT */
/*
 * test-store.c - the session database as a user meets it: what gymhubd
 * writes, gymhubctl reads back; old files are migrated, sessions cut off
 * by a power cut are closed, a full disk loses nothing that fits in
 * memory, heart rate comes back beat for beat with its sensors and
 * gaps, and files that are not ours are refused and left alone; one
 * gymhubd at a time writes a file, and a member of group gymhub reads it
 * whether gymhubd runs or not.
 *
 * Each test works on files in its own temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "session-query.h"
#include "store-schema.h"
#include "store.h"

#define T0 1767225600000LL /* 2026-01-01 00:00 UTC, in ms */

struct fx {
	char *dir;
	char *db;
};

/* What on_error was told. */
struct errors {
	unsigned int calls;
	int last;
};

static void on_error(int err, const char *msg, void *user_data)
{
	struct errors *e = user_data;

	assert_non_null(msg);
	assert_true(*msg);
	print_message("on_error(%d): %s\n", err, msg);
	e->calls++;
	e->last = err;
}

/* Runs what the writer thread handed to the main loop. */
static void drain_main(void)
{
	while (g_main_context_iteration(NULL, FALSE))
		;
}

static int setup(void **state)
{
	struct fx *f = g_new0(struct fx, 1);

	f->dir = g_dir_make_tmp("gymhub-store-XXXXXX", NULL);
	assert_non_null(f->dir);
	f->db = g_build_filename(f->dir, "gymhub.db", NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	GDir *d = g_dir_open(f->dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(f->dir, name, NULL);

		g_unlink(p);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(f->dir);
	g_free(f->dir);
	g_free(f->db);
	g_free(f);
	return 0;
}

static char *sibling(const struct fx *f, const char *name)
{
	return g_build_filename(f->dir, name, NULL);
}

/* Runs @sql on @path with plain SQLite, as another program would. */
static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static int raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int v;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* The first column of the first row as text, "" for NULL. */
static char *raw_text(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	const unsigned char *t;
	char *v;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	t = sqlite3_column_text(s, 0);
	v = g_strdup(t ? (const char *)t : "");
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static GBytes *file_bytes(const char *path)
{
	char *data = NULL;
	gsize len = 0;

	assert_true(g_file_get_contents(path, &data, &len, NULL));
	return g_bytes_new_take(data, len);
}

static void copy_file(const char *from, const char *to)
{
	g_autoptr(GBytes) b = file_bytes(from);
	gsize len;
	const char *data = g_bytes_get_data(b, &len);

	assert_true(g_file_set_contents(to, data, (gssize)len, NULL));
}

/* @name exists in the test directory, @size bytes long (-1: any). */
static void assert_file_size(const struct fx *f, const char *name, off_t size)
{
	g_autofree char *path = sibling(f, name);
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	if (size >= 0)
		assert_int_equal(st.st_size, size);
}

/* --- one session as a workout leaves it --------------------------------- */

static const struct store_segment segments[] = {
	{0, "prep", "", "", 0, 0, 0, 0, T0, T0 + 10000, T0 + 3, T0 + 10003,
	 false},
	{1, "work", "squat", "", 1, 2, 1, 1, T0 + 10000, T0 + 30000, T0 + 10003,
	 T0 + 30003, false},
	{2, "rest", "", "", 1, 2, 0, 0, T0 + 30000, T0 + 40000, T0 + 30003,
	 T0 + 40003, false},
	{3, "hold", "Bulgarian split squat 'heavy'", "left", 2, 2, 1, 3,
	 T0 + 40000, T0 + 70000, T0 + 40003, T0 + 52000, true},
	{4, "reps", "push-up \xc3\xa9l\xc3\xa8ve", "right", 2, 2, 2, 3,
	 T0 + 52000, 0, T0 + 52000, T0 + 80000, false},
};

static const struct store_set sets[] = {
	{1, "squat", "", 0, -1, 20000, 0, T0 + 10003, T0 + 30003},
	{2, "Bulgarian split squat 'heavy'", "left", 0, -1, 11997, 12.5,
	 T0 + 40003, T0 + 52000},
	{3, "push-up \xc3\xa9l\xc3\xa8ve", "right", 8, 7, 0, 0, T0 + 52000,
	 T0 + 80000},
};

static const struct cue_row {
	uint32_t seq;
	const char *kind;
	uint32_t segment;
	int64_t planned_ms, late_us;
} cues[] = {
	{0, "countdown", 0, T0 + 7000, 120}, {1, "start", 1, T0 + 10000, -35},
	{2, "end", 1, T0 + 30000, 2100},     {3, "switch", 3, T0 + 52000, 0},
	{4, "done", 4, T0 + 80000, 80},
};

static void write_session_rows(struct store *st, int64_t id)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(segments); i++)
		store_add_segment(st, id, &segments[i]);
	for (i = 0; i < G_N_ELEMENTS(sets); i++)
		store_add_set(st, id, &sets[i]);
	for (i = 0; i < G_N_ELEMENTS(cues); i++)
		store_add_cue(st, id, cues[i].seq, cues[i].kind,
			      cues[i].segment, cues[i].planned_ms,
			      cues[i].late_us);
}

static int64_t write_session(struct store *st, int64_t started_ms)
{
	int64_t id =
		store_session_begin(st, "tabata", "Tabata 4x20", started_ms);

	write_session_rows(st, id);
	store_session_end(st, id, "completed", started_ms + 80100);
	return id;
}

/* Every row of write_session()'s session as it was written. */
static void check_session(const struct sq_detail *d, int64_t id)
{
	size_t i;

	assert_int_equal(d->session.id, id);
	assert_string_equal(d->session.workout, "tabata");
	assert_string_equal(d->session.title, "Tabata 4x20");
	assert_string_equal(d->session.state, "completed");
	assert_int_equal(d->session.started_ms, T0);
	assert_int_equal(d->session.ended_ms, T0 + 80100);
	assert_int_equal(d->session.n_segments, G_N_ELEMENTS(segments));
	assert_int_equal(d->session.n_sets, G_N_ELEMENTS(sets));
	assert_int_equal(d->session.n_cues, G_N_ELEMENTS(cues));

	assert_int_equal(d->n_segments, G_N_ELEMENTS(segments));
	for (i = 0; i < d->n_segments; i++) {
		const struct sq_segment *g = &d->segments[i];
		const struct store_segment *w = &segments[i];

		assert_int_equal(g->idx, w->idx);
		assert_string_equal(g->kind, w->kind);
		assert_string_equal(g->exercise, w->exercise);
		assert_string_equal(g->side, w->side);
		assert_int_equal(g->round, w->round);
		assert_int_equal(g->rounds, w->rounds);
		assert_int_equal(g->set, w->set);
		assert_int_equal(g->sets, w->sets);
		assert_int_equal(g->planned_start_ms, w->planned_start_ms);
		assert_int_equal(g->planned_end_ms, w->planned_end_ms);
		assert_int_equal(g->start_ms, w->start_ms);
		assert_int_equal(g->end_ms, w->end_ms);
		assert_int_equal(!!g->skipped, w->skipped);
	}
	assert_int_equal(d->n_sets, G_N_ELEMENTS(sets));
	for (i = 0; i < d->n_sets; i++) {
		const struct sq_set *g = &d->sets[i];
		const struct store_set *w = &sets[i];

		assert_int_equal(g->idx, w->idx);
		assert_string_equal(g->exercise, w->exercise);
		assert_string_equal(g->side, w->side);
		assert_int_equal(g->target_reps, w->target_reps);
		assert_int_equal(g->reps, w->reps);
		assert_int_equal(g->hold_ms, w->hold_ms);
		assert_true(g->load_kg == w->load_kg);
		assert_int_equal(g->start_ms, w->start_ms);
		assert_int_equal(g->end_ms, w->end_ms);
	}
	assert_int_equal(d->n_cues, G_N_ELEMENTS(cues));
	for (i = 0; i < d->n_cues; i++) {
		assert_int_equal(d->cues[i].seq, cues[i].seq);
		assert_string_equal(d->cues[i].kind, cues[i].kind);
		assert_int_equal(d->cues[i].segment, cues[i].segment);
		assert_int_equal(d->cues[i].planned_ms, cues[i].planned_ms);
		assert_int_equal(d->cues[i].late_us, cues[i].late_us);
	}
}

static struct sq_detail *read_back(const char *path, int64_t id)
{
	struct sq *q = NULL;
	struct sq_detail *d = NULL;

	assert_int_equal(sq_open(path, &q), 0);
	assert_int_equal(sq_get(q, id, &d), 0);
	sq_close(q);
	return d;
}

/* --- tests --------------------------------------------------------------- */

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	struct sq *q = NULL;
	struct sq_detail *d = NULL;
	struct sq_session *list = NULL;
	unsigned int recovered = 99;
	int64_t id1, id2, id3, last;
	size_t n;

	assert_int_equal(store_open(f->db, NULL, NULL, &recovered, &st), 0);
	assert_int_equal(recovered, 0);
	id1 = write_session(st, T0);
	id2 = store_session_begin(st, "holds", NULL, T0 + 3600000);
	assert_true(id2 > id1);
	assert_int_equal(store_flush(st), 0);

	/* gymhubctl reads while gymhubd keeps the file open. */
	assert_int_equal(sq_open(f->db, &q), 0);
	assert_int_equal(sq_get(q, id1, &d), 0);
	check_session(d, id1);
	sq_detail_free(d);

	assert_int_equal(sq_list(q, 0, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, id2); /* newest first */
	assert_string_equal(list[0].workout, "holds");
	assert_string_equal(list[0].title, "");
	assert_string_equal(list[0].state, "running");
	assert_int_equal(list[0].ended_ms, 0);
	assert_int_equal(list[0].n_segments, 0);
	assert_int_equal(list[1].id, id1);
	assert_int_equal(list[1].n_segments, G_N_ELEMENTS(segments));
	assert_int_equal(list[1].n_sets, G_N_ELEMENTS(sets));
	assert_int_equal(list[1].n_cues, G_N_ELEMENTS(cues));
	sq_list_free(list, n);
	assert_int_equal(sq_list(q, 1, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, id2);
	sq_list_free(list, n);
	assert_int_equal(sq_last_id(q, &last), 0);
	assert_int_equal(last, id2);
	assert_int_equal(sq_get(q, id2 + 100, &d), -ENOENT);
	sq_close(q);

	/* After a restart ids go on from the last one. */
	store_session_end(st, id2, "stopped", T0 + 3700000);
	store_close(st);
	assert_int_equal(store_open(f->db, NULL, NULL, &recovered, &st), 0);
	assert_int_equal(recovered, 0);
	id3 = store_session_begin(st, "tabata", "", T0 + 7200000);
	assert_true(id3 > id2);
	store_close(st);

	/* -wal and -shm stay for readers who may not create them; -wal
	 * holds nothing the database lacks. */
	assert_file_size(f, "gymhub.db-wal", 0);
	assert_file_size(f, "gymhub.db-shm", -1);

	d = read_back(f->db, id2);
	assert_string_equal(d->session.state, "stopped");
	assert_int_equal(d->session.ended_ms, T0 + 3700000);
	sq_detail_free(d);
	/* store_close() wrote what was queued, without a flush. */
	d = read_back(f->db, id3);
	assert_string_equal(d->session.state, "running");
	sq_detail_free(d);
}

/* A segment written when it starts and again when it ends is one row. */
static void test_segment_written_twice(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	struct store_segment seg = segments[1];
	struct sq_detail *d;
	int64_t id;

	assert_int_equal(store_open(f->db, NULL, NULL, NULL, &st), 0);
	id = store_session_begin(st, "tabata", "", T0);
	seg.end_ms = 0;
	store_add_segment(st, id, &seg);
	assert_int_equal(store_flush(st), 0);
	store_add_segment(st, id, &segments[1]);
	store_close(st);

	d = read_back(f->db, id);
	assert_int_equal(d->n_segments, 1);
	assert_int_equal(d->segments[0].end_ms, segments[1].end_ms);
	sq_detail_free(d);
}

/* A record the schema refuses is left out; the rest is still written. */
static void test_bad_record_does_not_block(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	struct sq_detail *d;
	int64_t id;

	assert_int_equal(store_open(f->db, NULL, NULL, NULL, &st), 0);
	id = store_session_begin(st, "tabata", "", T0);
	store_session_end(st, id, "exploded", T0 + 1000);
	store_add_segment(st, id, &segments[0]);
	assert_int_equal(store_flush(st), 0);
	store_close(st);

	d = read_back(f->db, id);
	assert_string_equal(d->session.state, "running");
	assert_int_equal(d->n_segments, 1);
	sq_detail_free(d);
}

/* Schema v1 exactly as the first release created it. */
static const char v1_sql[] =
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
	" PRIMARY KEY (session_id, idx)) WITHOUT ROWID;"
	"PRAGMA application_id = 1197034824;" /* 0x47594d48 */
	"PRAGMA user_version = 1;";

static void test_migrate_v1(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	struct sq *q = NULL;
	struct sq_detail *d = NULL;
	struct sq_session *list = NULL;
	unsigned int recovered = 0;
	int64_t id;
	size_t n;

	raw_exec(f->db, v1_sql);
	raw_exec(f->db, "INSERT INTO sessions VALUES"
			" (1, 'tabata', 'Tabata', 'completed', 1000, 61000),"
			" (2, 'holds', '', 'running', 100000, NULL);"
			"INSERT INTO segments (session_id, idx, kind, exercise,"
			" start_ms, end_ms) VALUES"
			" (1, 0, 'work', 'squat', 1000, 61000),"
			" (2, 0, 'prep', '', 100000, 110000),"
			" (2, 1, 'hold', 'plank', 110000, 0);");
	assert_int_equal(STORE_SCHEMA_APPLICATION_ID, 1197034824);

	/* gymhubctl reads a v1 file as it is; it has no sets or cues. */
	assert_int_equal(sq_open(f->db, &q), 0);
	assert_int_equal(sq_list(q, 0, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[1].n_segments, 1);
	assert_int_equal(list[1].n_sets, 0);
	sq_list_free(list, n);
	assert_int_equal(sq_get(q, 2, &d), 0);
	assert_int_equal(d->n_segments, 2);
	assert_int_equal(d->n_sets, 0);
	assert_int_equal(d->n_cues, 0);
	sq_detail_free(d);
	sq_close(q);

	assert_int_equal(store_open(f->db, NULL, NULL, &recovered, &st), 0);
	/* session 2 was left running by the old version */
	assert_int_equal(recovered, 1);
	id = write_session(st, T0);
	assert_int_equal(id, 3);
	store_close(st);

	assert_int_equal(raw_int(f->db, "PRAGMA user_version"),
			 STORE_SCHEMA_VERSION);
	d = read_back(f->db, 1);
	assert_string_equal(d->session.state, "completed");
	assert_int_equal(d->session.ended_ms, 61000);
	assert_string_equal(d->segments[0].exercise, "squat");
	sq_detail_free(d);
	d = read_back(f->db, 2);
	assert_string_equal(d->session.state, "recovered");
	assert_int_equal(d->session.ended_ms, 110000);
	sq_detail_free(d);
	d = read_back(f->db, id);
	check_session(d, id);
	sq_detail_free(d);
}

/* Power cut: the files as they are on disk while gymhubd runs. */
static void test_power_cut_recovery(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL, *st2 = NULL;
	g_autofree char *copy = sibling(f, "copy.db");
	g_autofree char *copy_wal = sibling(f, "copy.db-wal");
	g_autofree char *wal = g_strconcat(f->db, "-wal", NULL);
	struct sq_detail *d;
	unsigned int recovered = 0;
	int64_t done, cut, empty;

	assert_int_equal(store_open(f->db, NULL, NULL, &recovered, &st), 0);
	done = write_session(st, T0);
	cut = store_session_begin(st, "tabata", "", T0);
	/* Segments 0..2 ended (the last at +40003); cues came earlier. */
	store_add_segment(st, cut, &segments[0]);
	store_add_segment(st, cut, &segments[2]);
	store_add_segment(st, cut, &segments[1]);
	store_add_set(st, cut, &sets[0]);
	store_add_cue(st, cut, 0, "start", 1, T0 + 10000, 0);
	/* Cut before its first segment ended. */
	empty = store_session_begin(st, "holds", "", T0 + 200000);
	assert_int_equal(store_flush(st), 0);
	copy_file(f->db, copy);
	if (g_file_test(wal, G_FILE_TEST_EXISTS))
		copy_file(wal, copy_wal);

	assert_int_equal(store_open(copy, NULL, NULL, &recovered, &st2), 0);
	assert_int_equal(recovered, 2);
	store_close(st2);
	store_close(st);

	d = read_back(copy, cut);
	assert_string_equal(d->session.state, "recovered");
	assert_int_equal(d->session.ended_ms, segments[2].end_ms);
	assert_int_equal(d->n_segments, 3);
	assert_int_equal(d->n_sets, 1);
	sq_detail_free(d);
	d = read_back(copy, empty);
	assert_string_equal(d->session.state, "recovered");
	assert_int_equal(d->session.ended_ms, T0 + 200000);
	sq_detail_free(d);
	d = read_back(copy, done);
	check_session(d, done);
	sq_detail_free(d);

	/* Opening again finds nothing more to recover. */
	assert_int_equal(store_open(copy, NULL, NULL, &recovered, &st2), 0);
	assert_int_equal(recovered, 0);
	store_close(st2);
}

/* Disk full: reported once, nothing committed is lost, nothing queued
 * is lost once there is room again. */
static void test_disk_full(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	struct errors errs = {0};
	struct sq_detail *d;
	int64_t id1, id2;
	uint32_t i;

	assert_int_equal(store_open(f->db, on_error, &errs, NULL, &st), 0);
	id1 = write_session(st, T0);
	assert_int_equal(store_flush(st), 0);

	assert_int_equal(store_test_set_max_pages(st, 1), 0);
	id2 = store_session_begin(st, "tabata", "", T0 + 100000);
	for (i = 0; i < 300; i++) {
		struct store_segment seg = segments[1];

		seg.idx = i;
		store_add_segment(st, id2, &seg);
		store_add_cue(st, id2, i, "start", i, T0 + i, 0);
	}
	assert_int_equal(store_flush(st), -ENOSPC);
	drain_main();
	assert_int_equal(errs.calls, 1);
	assert_int_equal(errs.last, -ENOSPC);

	/* Still full: failing again is not reported again. */
	store_session_end(st, id2, "completed", T0 + 200000);
	assert_int_equal(store_flush(st), -ENOSPC);
	drain_main();
	assert_int_equal(errs.calls, 1);

	/* What was committed before is intact. */
	d = read_back(f->db, id1);
	check_session(d, id1);
	sq_detail_free(d);

	assert_int_equal(store_test_set_max_pages(st, 1u << 30), 0);
	assert_int_equal(store_flush(st), 0);
	drain_main();
	assert_int_equal(errs.calls, 2);
	assert_int_equal(errs.last, 0);
	store_close(st);

	d = read_back(f->db, id2);
	assert_string_equal(d->session.state, "completed");
	assert_int_equal(d->n_segments, 300);
	assert_int_equal(d->n_cues, 300);
	for (i = 0; i < 300; i++) {
		assert_int_equal(d->segments[i].idx, i);
		assert_int_equal(d->cues[i].seq, i);
	}
	sq_detail_free(d);
}

/* A long outage keeps memory bounded by dropping the oldest cue records;
 * the session, its segments and sets survive. */
static void test_backlog_drops_cues_first(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	struct errors errs = {0};
	struct sq_detail *d;
	const uint32_t n_cues = STORE_MAX_BACKLOG + 4096;
	int64_t id;
	uint32_t i;

	assert_int_equal(store_open(f->db, on_error, &errs, NULL, &st), 0);
	assert_int_equal(store_test_set_max_pages(st, 1), 0);
	id = store_session_begin(st, "tabata", "", T0);
	store_add_segment(st, id, &segments[0]);
	for (i = 0; i < n_cues; i++)
		store_add_cue(st, id, i, "countdown", 0, T0 + i, 0);
	store_add_set(st, id, &sets[0]);
	store_add_segment(st, id, &segments[1]);
	store_session_end(st, id, "completed", T0 + 80100);
	assert_int_equal(store_flush(st), -ENOSPC);

	assert_int_equal(store_test_set_max_pages(st, 1u << 30), 0);
	assert_int_equal(store_flush(st), 0);
	drain_main();
	assert_int_equal(errs.last, 0);
	store_close(st);

	d = read_back(f->db, id);
	assert_string_equal(d->session.state, "completed");
	assert_int_equal(d->n_segments, 2);
	assert_int_equal(d->n_sets, 1);
	assert_true(d->n_cues > 0);
	assert_true(d->n_cues <= STORE_MAX_BACKLOG);
	/* the newest cues are kept */
	assert_int_equal(d->cues[d->n_cues - 1].seq, n_cues - 1);
	assert_true(d->cues[0].seq > 0);
	sq_detail_free(d);
}

/* --- heart rate, sensors and gaps ---------------------------------------- */

#define STRAP_A "A0:9E:1A:00:00:01"
#define STRAP_B "C4:7C:8D:00:00:02"

static const uint16_t rr_one[] = {840};
static const uint16_t rr_edges[] = {0, 1, 255, 256, 1024, 65535};
static uint16_t rr_many[200];

/* Written out of time order; read back by time, then sensor. */
static const struct store_hr hr_rows[] = {
	{T0 + 3000, STRAP_A, 300, "", -1, rr_many, G_N_ELEMENTS(rr_many)},
	{T0 + 1000, STRAP_B, 151, "unsupported", 12, rr_one, 1},
	{T0 + 1000, STRAP_A, 72, "detected", -1, NULL, 0},
	{T0 + 2000, STRAP_A, 0, "not-detected", 65535, rr_edges,
	 G_N_ELEMENTS(rr_edges)},
};
/* hr_rows[] in the order sq_get() gives them */
static const size_t hr_order[] = {2, 1, 3, 0};

static void check_hr(const struct sq_detail *d)
{
	size_t i, j;

	assert_int_equal(d->n_hr, G_N_ELEMENTS(hr_order));
	assert_non_null(d->hr_extra);
	for (i = 0; i < d->n_hr; i++) {
		const struct store_hr *w = &hr_rows[hr_order[i]];
		const struct sq_hr_extra *x = &d->hr_extra[i];

		assert_int_equal(d->hr[i].t_ms, w->t_ms);
		assert_string_equal(d->hr[i].sensor, w->sensor);
		assert_int_equal(d->hr[i].bpm, w->bpm);
		assert_string_equal(x->contact, w->contact);
		assert_int_equal(x->energy_kj, w->energy_kj);
		assert_int_equal(x->n_rr, w->n_rr);
		if (!w->n_rr)
			assert_null(x->rr_1024);
		for (j = 0; j < w->n_rr; j++)
			assert_int_equal(x->rr_1024[j], w->rr_1024[j]);
	}
}

static void write_hr(struct store *st, int64_t id)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(rr_many); i++)
		rr_many[i] = (uint16_t)(600 + 7 * i);
	for (i = 0; i < G_N_ELEMENTS(hr_rows); i++)
		store_add_hr(st, id, &hr_rows[i]);
}

/* Every notification comes back with its RR list; outside a workout
 * nothing is kept. */
static void test_hr_round_trip(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	struct sq_detail *d;
	struct store_hr idle = hr_rows[1];
	int64_t id, other;
	g_autofree char *blob = NULL;

	assert_int_equal(store_open(f->db, NULL, NULL, NULL, &st), 0);
	id = write_session(st, T0);
	other = store_session_begin(st, "holds", "", T0 + 100000);
	write_hr(st, id);
	idle.t_ms = T0 + 99000;
	store_add_hr(st, 0, &idle);
	idle.t_ms = T0 + 100500;
	store_add_hr(st, other, &idle);
	assert_int_equal(store_flush(st), 0);

	/* read while gymhubd runs */
	d = read_back(f->db, id);
	check_session(d, id);
	check_hr(d);
	sq_detail_free(d);
	store_close(st);

	d = read_back(f->db, other);
	assert_int_equal(d->n_hr, 1);
	assert_int_equal(d->hr[0].t_ms, T0 + 100500);
	assert_int_equal(d->n_gaps, 0);
	sq_detail_free(d);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM hr_samples"),
			 G_N_ELEMENTS(hr_rows) + 1);

	/* The file's format, for other programs: RR as little-endian
	 * uint16, NULL when none, like a missing energy. */
	blob = raw_text(f->db, "SELECT hex(rr_1024) FROM hr_samples"
			       " WHERE t_ms = 1767225601000 AND bpm = 151");
	assert_string_equal(blob, "4803");
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM hr_samples"
					" WHERE rr_1024 IS NULL"),
			 1);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM hr_samples"
					" WHERE energy_kj IS NULL"),
			 2);
}

static const struct sq_sensor *find_sensor(const struct sq_sensor *list,
					   size_t n, const char *address)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i].address, address) == 0)
			return &list[i];
	return NULL;
}

/* pair, connect, rename, forget: what `gymhubctl sensors` shows */
/* Reps as a motion sensor counts them; a count the detector restarts
 * (getting into position, then the set proper) replaces its row. */
static void test_reps(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	struct sq_detail *d;
	struct store_rep r = {.segment = 3, .sensor = "24:0A:C4:00:00:07"};
	int64_t id;
	uint32_t i;

	assert_int_equal(store_open(f->db, NULL, NULL, NULL, &st), 0);
	id = write_session(st, T0);
	for (i = 1; i <= 3; i++) {
		r.count = i;
		r.t_ms = T0 + 1000 * i;
		r.amplitude_g = 0.25 * i;
		r.duration_ms = 1500;
		store_add_rep(st, id, &r);
	}
	r.count = 1;
	r.t_ms = T0 + 9000;
	store_add_rep(st, id, &r);
	store_add_rep(st, 0, &r); /* not recording: ignored */
	store_close(st);

	d = read_back(f->db, id);
	assert_int_equal(d->n_reps, 3);
	assert_int_equal(d->reps[0].segment, 3);
	assert_int_equal(d->reps[0].count, 1);
	assert_int_equal(d->reps[0].t_ms, T0 + 9000);
	assert_int_equal(d->reps[2].count, 3);
	assert_true(d->reps[2].amplitude_g == 0.75);
	assert_int_equal(d->reps[2].duration_ms, 1500);
	assert_string_equal(d->reps[1].sensor, "24:0A:C4:00:00:07");
	sq_detail_free(d);
}

static void test_sensors(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	struct sq *q = NULL;
	struct sq_sensor *list = NULL;
	const struct sq_sensor *a, *b, *m;
	struct sq_detail *d;
	size_t n = 9;
	int64_t id;

	assert_int_equal(store_open(f->db, NULL, NULL, NULL, &st), 0);
	assert_int_equal(sq_open(f->db, &q), 0);
	assert_int_equal(sq_sensors(q, &list, &n), 0);
	assert_int_equal(n, 0);
	sq_sensors_free(list, n);

	store_sensor_upsert(st, STRAP_B, "Polar H10 0002", "hr", T0 + 20);
	store_sensor_upsert(st, STRAP_A, "Polar H10 0001", "hr", T0 + 10);
	store_sensor_upsert(st, "D0:00:00:00:00:03", "", "motion", T0 + 30);
	store_sensor_upsert(st, "D0:00:00:00:00:04", "toaster", "toaster",
			    T0 + 40); /* refused, the rest goes on */
	store_sensor_seen(st, STRAP_A, T0 + 1000, 87);
	store_sensor_seen(st, STRAP_A, T0 + 2000, -1); /* level unknown */
	store_sensor_seen(st, "EE:00:00:00:00:09", T0 + 2000,
			  50); /* stranger */
	/* paired again: new name, first added time kept; "" keeps the name */
	store_sensor_upsert(st, STRAP_B, "chest strap", "hr", T0 + 5000);
	store_sensor_upsert(st, STRAP_A, "", "hr", T0 + 5000);
	id = store_session_begin(st, "tabata", "", T0);
	write_hr(st, id);
	assert_int_equal(store_flush(st), 0);

	assert_int_equal(sq_sensors(q, &list, &n), 0);
	assert_int_equal(n, 3);
	/* oldest first */
	assert_string_equal(list[0].address, STRAP_A);
	assert_string_equal(list[1].address, STRAP_B);
	a = find_sensor(list, n, STRAP_A);
	assert_string_equal(a->name, "Polar H10 0001");
	assert_string_equal(a->kind, "hr");
	assert_int_equal(a->added_ms, T0 + 10);
	assert_int_equal(a->last_seen_ms, T0 + 2000);
	assert_int_equal(a->battery, 87);
	b = find_sensor(list, n, STRAP_B);
	assert_string_equal(b->name, "chest strap");
	assert_int_equal(b->added_ms, T0 + 20);
	assert_int_equal(b->last_seen_ms, 0); /* never connected */
	assert_int_equal(b->battery, -1);
	m = find_sensor(list, n, "D0:00:00:00:00:03");
	assert_non_null(m);
	assert_string_equal(m->name, "");
	assert_string_equal(m->kind, "motion");
	sq_sensors_free(list, n);

	/* forget: gone from the list, its heart rate stays in the session */
	store_sensor_remove(st, STRAP_A);
	store_sensor_remove(st, "EE:00:00:00:00:09");
	store_close(st);
	assert_int_equal(sq_sensors(q, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_null(find_sensor(list, n, STRAP_A));
	sq_sensors_free(list, n);
	sq_close(q);
	d = read_back(f->db, id);
	check_hr(d);
	sq_detail_free(d);
	sq_sensors_free(NULL, 0);
}

/* A strap out of reach mid-session: when it went and when it came back. */
static void test_gaps(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	struct sq_detail *d;
	int64_t id;
	static const struct {
		const char *sensor;
		int64_t lost_ms, back_ms;
	} want[] = {
		{STRAP_A, T0 + 10000, T0 + 14500},
		{STRAP_B, T0 + 10000, 0}, /* still out when it ended */
		{STRAP_A, T0 + 30000, T0 + 31000},
	};
	size_t i;

	assert_int_equal(store_open(f->db, NULL, NULL, NULL, &st), 0);
	id = store_session_begin(st, "tabata", "", T0);
	store_add_gap(st, id, STRAP_B, T0 + 10000);
	store_add_gap(st, id, STRAP_A, T0 + 10000);
	store_end_gap(st, id, STRAP_A, T0 + 10000, T0 + 14500);
	/* told again (a reconnect racing a drop): the end stays */
	store_add_gap(st, id, STRAP_A, T0 + 10000);
	/* its start lost: the end alone makes the whole gap */
	store_end_gap(st, id, STRAP_A, T0 + 30000, T0 + 31000);
	/* no workout running: nothing to attach it to */
	store_add_gap(st, 0, STRAP_A, T0 + 50000);
	store_end_gap(st, 0, STRAP_A, T0 + 50000, T0 + 51000);
	store_session_end(st, id, "completed", T0 + 60000);
	store_close(st);

	d = read_back(f->db, id);
	assert_int_equal(d->n_gaps, G_N_ELEMENTS(want));
	for (i = 0; i < G_N_ELEMENTS(want); i++) {
		assert_string_equal(d->gaps[i].sensor, want[i].sensor);
		assert_int_equal(d->gaps[i].lost_ms, want[i].lost_ms);
		assert_int_equal(d->gaps[i].back_ms, want[i].back_ms);
	}
	assert_int_equal(d->n_hr, 0);
	assert_null(d->hr);
	sq_detail_free(d);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM sensor_gaps"),
			 G_N_ELEMENTS(want));
}

/* A long outage with heart rate coming in: cue records go first, then
 * the oldest heart rate; what was done (segments, sets), the sensors and
 * the gaps stay. */
static void test_backlog_drops_hr_after_cues(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	struct errors errs = {0};
	struct sq_detail *d;
	struct sq *q = NULL;
	struct sq_sensor *list = NULL;
	const uint32_t n_cues = 1000, n_hr = STORE_MAX_BACKLOG + 4096;
	struct store_hr s = {0, STRAP_A, 120, "detected", -1, rr_one, 1};
	size_t n = 0;
	int64_t id;
	uint32_t i;

	assert_int_equal(store_open(f->db, on_error, &errs, NULL, &st), 0);
	assert_int_equal(store_test_set_max_pages(st, 1), 0);
	id = store_session_begin(st, "tabata", "", T0);
	store_sensor_upsert(st, STRAP_A, "Polar H10", "hr", T0);
	store_add_segment(st, id, &segments[0]);
	for (i = 0; i < n_cues; i++)
		store_add_cue(st, id, i, "countdown", 0, T0 + i, 0);
	store_add_gap(st, id, STRAP_A, T0 + 500);
	for (i = 0; i < n_hr; i++) {
		s.t_ms = T0 + 1000 + i;
		store_add_hr(st, id, &s);
	}
	store_end_gap(st, id, STRAP_A, T0 + 500, T0 + 900);
	store_add_set(st, id, &sets[0]);
	store_add_segment(st, id, &segments[1]);
	store_session_end(st, id, "completed", T0 + 80100);
	assert_int_equal(store_flush(st), -ENOSPC);

	assert_int_equal(store_test_set_max_pages(st, 1u << 30), 0);
	assert_int_equal(store_flush(st), 0);
	drain_main();
	assert_int_equal(errs.last, 0);
	store_close(st);

	d = read_back(f->db, id);
	assert_string_equal(d->session.state, "completed");
	assert_int_equal(d->n_segments, 2);
	assert_int_equal(d->n_sets, 1);
	assert_int_equal(d->n_cues, 0);
	assert_int_equal(d->n_gaps, 1);
	assert_int_equal(d->gaps[0].back_ms, T0 + 900);
	assert_true(d->n_hr > 0);
	assert_true(d->n_hr < n_hr);
	/* the newest heart rate is kept */
	assert_int_equal(d->hr[d->n_hr - 1].t_ms, T0 + 1000 + n_hr - 1);
	assert_true(d->hr[0].t_ms > T0 + 1000);
	assert_int_equal(d->hr_extra[d->n_hr - 1].n_rr, 1);
	sq_detail_free(d);
	assert_int_equal(sq_open(f->db, &q), 0);
	assert_int_equal(sq_sensors(q, &list, &n), 0);
	assert_int_equal(n, 1);
	sq_sensors_free(list, n);
	sq_close(q);
}

/* Schema v2 exactly as it was released, on top of v1. */
static const char v2_sql[] =
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
	"CREATE INDEX sessions_started ON sessions (started_ms);"
	"PRAGMA user_version = 2;";

static void test_migrate_v2(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	struct sq *q = NULL;
	struct sq_detail *d = NULL;
	struct sq_sensor *list = NULL;
	unsigned int recovered = 9;
	size_t n = 9;

	raw_exec(f->db, v1_sql);
	raw_exec(f->db, v2_sql);
	raw_exec(f->db,
		 "INSERT INTO sessions VALUES"
		 " (1, 'tabata', 'Tabata', 'completed', 1000, 61000);"
		 "INSERT INTO segments (session_id, idx, kind, exercise,"
		 " start_ms, end_ms) VALUES"
		 " (1, 0, 'work', 'squat', 1000, 61000);"
		 "INSERT INTO sets (session_id, idx, exercise, reps,"
		 " start_ms, end_ms) VALUES (1, 1, 'squat', 12, 1000,"
		 " 61000);"
		 "INSERT INTO cues VALUES (1, 0, 'start', 0, 1000, 250);");

	/* gymhubctl reads a v2 file as it is: no heart rate, no sensors */
	assert_int_equal(sq_open(f->db, &q), 0);
	assert_int_equal(sq_get(q, 1, &d), 0);
	assert_int_equal(d->n_sets, 1);
	assert_int_equal(d->n_cues, 1);
	assert_int_equal(d->n_hr, 0);
	assert_null(d->hr);
	assert_int_equal(d->n_gaps, 0);
	sq_detail_free(d);
	assert_int_equal(sq_sensors(q, &list, &n), 0);
	assert_int_equal(n, 0);
	sq_sensors_free(list, n);
	sq_close(q);

	assert_int_equal(store_open(f->db, NULL, NULL, &recovered, &st), 0);
	assert_int_equal(recovered, 0);
	store_sensor_upsert(st, STRAP_A, "Polar H10", "hr", T0);
	write_hr(st, 1);
	store_close(st);

	assert_int_equal(raw_int(f->db, "PRAGMA user_version"),
			 STORE_SCHEMA_VERSION);
	d = read_back(f->db, 1);
	assert_string_equal(d->session.title, "Tabata");
	assert_int_equal(d->session.ended_ms, 61000);
	assert_int_equal(d->n_segments, 1);
	assert_string_equal(d->segments[0].exercise, "squat");
	assert_int_equal(d->n_sets, 1);
	assert_int_equal(d->sets[0].reps, 12);
	assert_int_equal(d->n_cues, 1);
	assert_int_equal(d->cues[0].late_us, 250);
	check_hr(d);
	sq_detail_free(d);
}

/* Files that are not (or not yet) ours: refused, not a byte changed. */
static const struct refused_file {
	const char *name;
	const char *sql;  /* made with SQLite, or */
	const char *text; /* written as bytes */
	int err;
} refused_files[] = {
	{"another program's database",
	 "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);"
	 "INSERT INTO notes (text) VALUES ('buy milk');",
	 NULL, -EPROTO},
	{"another program's empty database", "PRAGMA application_id = 42;",
	 NULL, -EPROTO},
	{"a newer gymhub",
	 "CREATE TABLE sessions (id INTEGER PRIMARY KEY);"
	 "PRAGMA application_id = 1197034824; PRAGMA user_version = 99;",
	 NULL, -EPROTONOSUPPORT},
	{"a text file", NULL,
	 "[hub]\ndatabase=/var/lib/gymhub/gymhub.db\n"
	 "# this is a config file, not a database, and it is long enough\n"
	 "# to fill the 100 bytes of an SQLite header and then some more.\n",
	 -EBADMSG},
};

static void test_refused_files(void **state)
{
	struct fx *f = *state;
	g_autofree char *wal = g_strconcat(f->db, "-wal", NULL);
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(refused_files); i++) {
		const struct refused_file *t = &refused_files[i];
		struct store *st = NULL;
		struct sq *q = NULL;
		unsigned int recovered = 7;
		g_autoptr(GBytes) before = NULL, after = NULL;

		print_message("%s\n", t->name);
		g_unlink(f->db);
		if (t->sql)
			raw_exec(f->db, t->sql);
		else
			assert_true(
				g_file_set_contents(f->db, t->text, -1, NULL));
		before = file_bytes(f->db);

		assert_int_equal(store_open(f->db, NULL, NULL, &recovered, &st),
				 t->err);
		assert_null(st);
		assert_int_equal(recovered, 7);
		assert_int_equal(sq_open(f->db, &q), t->err);
		assert_null(q);

		after = file_bytes(f->db);
		assert_true(g_bytes_equal(before, after));
		assert_false(g_file_test(wal, G_FILE_TEST_EXISTS));
	}
}

/* A file of random bytes (a damaged SD card) gets the same treatment. */
static void test_garbage_file(void **state)
{
	struct fx *f = *state;
	g_autoptr(GBytes) before = NULL, after = NULL;
	struct store *st = NULL;
	struct sq *q = NULL;
	guint8 junk[8192];
	GRand *rand = g_rand_new_with_seed(4);
	size_t i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (guint8)g_rand_int(rand);
	g_rand_free(rand);
	assert_true(g_file_set_contents(f->db, (const char *)junk, sizeof(junk),
					NULL));
	before = file_bytes(f->db);
	assert_int_equal(store_open(f->db, NULL, NULL, NULL, &st), -EBADMSG);
	assert_int_equal(sq_open(f->db, &q), -EBADMSG);
	after = file_bytes(f->db);
	assert_true(g_bytes_equal(before, after));
}

static void test_missing(void **state)
{
	struct fx *f = *state;
	g_autofree char *nodir = sibling(f, "no/such/dir/gymhub.db");
	struct store *st = NULL;
	struct sq *q = NULL;

	assert_int_equal(sq_open(f->db, &q), -ENOENT);
	assert_null(q);
	/* reading never creates the file */
	assert_false(g_file_test(f->db, G_FILE_TEST_EXISTS));
	assert_int_equal(store_open(nodir, NULL, NULL, NULL, &st), -ENOENT);
	assert_null(st);

	/* A new database has no sessions yet. */
	assert_int_equal(store_open(f->db, NULL, NULL, NULL, &st), 0);
	store_close(st);
	{
		struct sq_session *list = NULL;
		struct sq_detail *d = NULL;
		int64_t id;
		size_t n = 5;

		assert_int_equal(sq_open(f->db, &q), 0);
		assert_int_equal(sq_last_id(q, &id), -ENOENT);
		assert_int_equal(sq_get(q, 1, &d), -ENOENT);
		assert_null(d);
		assert_int_equal(sq_list(q, 0, &list, &n), 0);
		assert_int_equal(n, 0);
		sq_list_free(list, n);
		sq_close(q);
	}
	/* destructors take NULL */
	store_close(NULL);
	sq_close(NULL);
	sq_detail_free(NULL);
	sq_list_free(NULL, 0);
}

/* A file gymhubd may not write is refused up front, but still readable.
 * Root writes through 0444, so this is skipped when run as root. */
static void test_read_only_file(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	struct sq_detail *d;
	int64_t id;

	if (geteuid() == 0)
		skip();
	assert_int_equal(store_open(f->db, NULL, NULL, NULL, &st), 0);
	id = write_session(st, T0);
	store_close(st);
	st = NULL;
	assert_int_equal(chmod(f->db, 0444), 0);
	assert_int_equal(store_open(f->db, NULL, NULL, NULL, &st), -EROFS);
	assert_null(st);
	/* nor to the directory: reading a WAL file needs neither
	 * (https://www.sqlite.org/wal.html#readonly) */
	assert_int_equal(chmod(f->dir, 0555), 0);
	d = read_back(f->db, id);
	check_session(d, id);
	sq_detail_free(d);
	assert_int_equal(chmod(f->dir, 0700), 0);
}

/* A second gymhubd (started on another bus) on the same file is turned
 * away before it touches it, under any name for the file; the first
 * one's session goes on. */
static void test_one_writer(void **state)
{
	struct fx *f = *state;
	g_autofree char *link = sibling(f, "link.db");
	g_autofree char *dotted =
		g_build_filename(f->dir, ".", "gymhub.db", NULL);
	g_autofree char *wal = g_strconcat(f->db, "-wal", NULL);
	const char *const names[] = {f->db, dotted, link};
	g_autoptr(GBytes) db_before = NULL, wal_before = NULL;
	g_autoptr(GBytes) db_after = NULL, wal_after = NULL;
	struct store *st = NULL;
	struct sq_detail *d;
	unsigned int recovered;
	int64_t id, id2;
	size_t i;

	assert_int_equal(store_open(f->db, NULL, NULL, NULL, &st), 0);
	id = store_session_begin(st, "tabata", "", T0);
	store_add_segment(st, id, &segments[0]);
	assert_int_equal(store_flush(st), 0);
	assert_int_equal(symlink(f->db, link), 0);
	db_before = file_bytes(f->db);
	wal_before = file_bytes(wal);

	for (i = 0; i < G_N_ELEMENTS(names); i++) {
		struct store *st2 = NULL;

		print_message("%s\n", names[i]);
		recovered = 7;
		assert_int_equal(
			store_open(names[i], NULL, NULL, &recovered, &st2),
			-EBUSY);
		assert_null(st2);
		assert_int_equal(recovered, 7);
	}
	db_after = file_bytes(f->db);
	wal_after = file_bytes(wal);
	assert_true(g_bytes_equal(db_before, db_after));
	assert_true(g_bytes_equal(wal_before, wal_after));

	d = read_back(f->db, id);
	assert_string_equal(d->session.state, "running");
	sq_detail_free(d);
	store_session_end(st, id, "completed", T0 + 1000);
	assert_int_equal(store_flush(st), 0);
	store_close(st);

	/* Once the first has stopped, the next one may start. */
	assert_int_equal(store_open(link, NULL, NULL, &recovered, &st), 0);
	assert_int_equal(recovered, 0);
	id2 = store_session_begin(st, "tabata", "", T0 + 2000);
	assert_true(id2 > id);
	store_close(st);
	d = read_back(f->db, id);
	assert_string_equal(d->session.state, "completed");
	sq_detail_free(d);
}

/* --- gymhubctl as a member of group gymhub ------------------------------- */

/* How gymhubd (and others) left the files when gymhubctl reads them. */
enum leave {
	LEAVE_RUNNING,	    /* gymhubd has the file open */
	LEAVE_STOPPED,	    /* gymhubd stopped cleanly */
	LEAVE_NO_WAL_SHM,   /* stopped; then -wal and -shm were removed */
	LEAVE_NO_SHM,	    /* stopped; then -shm was removed */
	LEAVE_CRASH_NO_SHM, /* power cut (-wal holds commits), -shm removed */
	LEAVE_WRITER_LATER, /* as NO_WAL_SHM; gymhubd starts as it reads */
};

static const struct reader_case {
	const char *name;
	const char *file;
	enum leave leave;
	bool in_group; /* else the files are root:root 0640 */
	int open_r;    /* sq_open() */
	int read_r;    /* sq_list() and sq_get() */
	const char *newest_state;
} reader_cases[] = {
	{"gymhubd running", "running.db", LEAVE_RUNNING, true, 0, 0, "running"},
	{"gymhubd stopped", "stopped.db", LEAVE_STOPPED, true, 0, 0, "stopped"},
	{"-wal and -shm removed", "removed.db", LEAVE_NO_WAL_SHM, true, 0, 0,
	 "stopped"},
	{"-shm removed", "no-shm.db", LEAVE_NO_SHM, true, 0, 0, "stopped"},
	{"a name to percent-encode", "we?ird #1 100%.db", LEAVE_NO_WAL_SHM,
	 true, 0, 0, "stopped"},
	{"power cut, then -shm removed", "crash.db", LEAVE_CRASH_NO_SHM, true,
	 -EROFS, 0, NULL},
	{"gymhubd starts while reading", "later.db", LEAVE_WRITER_LATER, true,
	 0, -EBUSY, NULL},
	{"not in the group", "outsider.db", LEAVE_STOPPED, false, -EACCES, 0,
	 NULL},
};

struct reader_result {
	int open_r, list_r, get_r;
	uint32_t n_sessions, n_segments;
	char newest_state[16];
};

/* A reader in a child process, forked before any store is open (so with
 * no other thread, and nothing for valgrind to call lost). */
struct reader {
	pid_t pid;
	int up, down; /* results from it, go-aheads to it */
};

/* In the child: no cmocka. Waits for a go-ahead, opens @path as
 * @uid/@gid, says how that went, waits again, queries and reports. */
static void reader_child(uid_t uid, gid_t gid, const char *path, int64_t id,
			 int up, int down, struct reader_result *res)
{
	struct sq_session *list = NULL;
	struct sq_detail *d = NULL;
	struct sq *q = NULL;
	size_t n = 0;
	char c;

	if (read(down, &c, 1) != 1 || setgroups(0, NULL) < 0 ||
	    setgid(gid) < 0 || setuid(uid) < 0)
		return;
	res->open_r = sq_open(path, &q);
	if (write(up, &res->open_r, sizeof(res->open_r)) < 0 ||
	    read(down, &c, 1) != 1 || res->open_r < 0)
		goto out;
	res->list_r = sq_list(q, 0, &list, &n);
	if (res->list_r == 0) {
		res->n_sessions = (uint32_t)n;
		if (n)
			g_strlcpy(res->newest_state, list[0].state,
				  sizeof(res->newest_state));
		sq_list_free(list, n);
	}
	res->get_r = sq_get(q, id, &d);
	if (res->get_r == 0)
		res->n_segments = (uint32_t)d->n_segments;
	sq_detail_free(d);
out:
	sq_close(q);
}

static void reader_start(struct reader *rd, uid_t uid, gid_t gid,
			 const char *path, int64_t id)
{
	int up[2], down[2];

	assert_int_equal(pipe2(up, O_CLOEXEC), 0);
	assert_int_equal(pipe2(down, O_CLOEXEC), 0);
	rd->pid = fork();
	assert_true(rd->pid >= 0);
	if (rd->pid == 0) {
		struct reader_result r = {.open_r = 1};

		close(up[0]);
		close(down[1]);
		reader_child(uid, gid, path, id, up[1], down[0], &r);
		_exit(write(up[1], &r, sizeof(r)) == sizeof(r) ? 0 : 3);
	}
	close(up[1]);
	close(down[0]);
	rd->up = up[0];
	rd->down = down[1];
}

/* Lets the reader open the file, runs @meanwhile (may be NULL) once it
 * has, then lets it query. */
static void reader_finish(struct reader *rd,
			  void (*meanwhile)(const char *path), const char *path,
			  struct reader_result *res)
{
	int opened = 1, status = 0;

	assert_int_equal(write(rd->down, "", 1), 1);
	assert_int_equal(read(rd->up, &opened, sizeof(opened)), sizeof(opened));
	if (meanwhile && opened == 0)
		meanwhile(path);
	assert_int_equal(write(rd->down, "", 1), 1);
	assert_int_equal(read(rd->up, res, sizeof(*res)), sizeof(*res));
	assert_int_equal(waitpid(rd->pid, &status, 0), rd->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(rd->up);
	close(rd->down);
}

/* As systemd leaves /var/lib/gymhub: the directory 0750 and the files
 * 0640, owned by root; groups as given. */
static void share(const struct fx *f, gid_t dir_gid, gid_t file_gid)
{
	GDir *d = g_dir_open(f->dir, 0, NULL);
	const char *name;

	assert_non_null(d);
	while ((name = g_dir_read_name(d))) {
		g_autofree char *p = sibling(f, name);

		assert_int_equal(chown(p, 0, file_gid), 0);
		assert_int_equal(chmod(p, 0640), 0);
	}
	g_dir_close(d);
	assert_int_equal(chown(f->dir, 0, dir_gid), 0);
	assert_int_equal(chmod(f->dir, 0750), 0);
}

static void unlink_suffix(const char *path, const char *suffix)
{
	g_autofree char *p = g_strconcat(path, suffix, NULL);

	assert_int_equal(g_unlink(p), 0);
}

/* gymhubd starts, records a long session and stops. */
static void writer_comes_by(const char *path)
{
	struct store *st = NULL;
	int64_t id;
	uint32_t i;

	assert_int_equal(store_open(path, NULL, NULL, NULL, &st), 0);
	id = store_session_begin(st, "tabata", "", T0 + 500000);
	for (i = 0; i < 2000; i++)
		store_add_cue(st, id, i, "countdown", 0, T0 + i, 0);
	store_session_end(st, id, "completed", T0 + 600000);
	store_close(st);
}

/* Needs root to switch users: each case is read by user nobody through
 * group nogroup, as gymhubctl reads through group gymhub. */
static void test_group_member_reads(void **state)
{
	struct fx *f = *state;
	const struct passwd *pw = getpwnam("nobody");
	size_t i;

	if (geteuid() != 0 || !pw)
		skip();
	for (i = 0; i < G_N_ELEMENTS(reader_cases); i++) {
		const struct reader_case *c = &reader_cases[i];
		g_autofree char *path = sibling(f, c->file);
		g_autofree char *live =
			c->leave == LEAVE_CRASH_NO_SHM
				? g_strconcat(path, ".live", NULL)
				: g_strdup(path);
		struct reader_result res = {0};
		struct reader rd;
		struct store *st = NULL;
		int64_t id, run;

		print_message("%s\n", c->name);
		/* The first session of each file gets id 1. */
		reader_start(&rd, pw->pw_uid, pw->pw_gid, path, 1);
		assert_int_equal(store_open(live, NULL, NULL, NULL, &st), 0);
		id = write_session(st, T0);
		assert_int_equal(id, 1);
		run = store_session_begin(st, "holds", "", T0 + 100000);
		assert_int_equal(store_flush(st), 0);
		if (c->leave == LEAVE_CRASH_NO_SHM) {
			g_autofree char *from = g_strconcat(live, "-wal", NULL);
			g_autofree char *to = g_strconcat(path, "-wal", NULL);

			copy_file(live, path);
			copy_file(from, to);
		}
		if (c->leave != LEAVE_RUNNING) {
			store_session_end(st, run, "stopped", T0 + 200000);
			store_close(st);
			st = NULL;
		}
		if (c->leave == LEAVE_NO_WAL_SHM ||
		    c->leave == LEAVE_WRITER_LATER)
			unlink_suffix(path, "-wal");
		if (c->leave == LEAVE_NO_WAL_SHM || c->leave == LEAVE_NO_SHM ||
		    c->leave == LEAVE_WRITER_LATER)
			unlink_suffix(path, "-shm");

		share(f, pw->pw_gid, c->in_group ? pw->pw_gid : 0);
		reader_finish(&rd,
			      c->leave == LEAVE_WRITER_LATER ? writer_comes_by
							     : NULL,
			      path, &res);
		store_close(st);

		assert_int_equal(res.open_r, c->open_r);
		if (c->open_r < 0)
			continue;
		assert_int_equal(res.list_r, c->read_r);
		assert_int_equal(res.get_r, c->read_r);
		if (c->read_r < 0)
			continue;
		assert_int_equal(res.n_sessions, 2);
		assert_string_equal(res.newest_state, c->newest_state);
		assert_int_equal(res.n_segments, G_N_ELEMENTS(segments));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_segment_written_twice,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_record_does_not_block,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v1, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_power_cut_recovery, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_disk_full, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_backlog_drops_cues_first,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hr_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sensors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gaps, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_backlog_drops_hr_after_cues, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v2, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refused_files, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_garbage_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_one_writer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_group_member_reads, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
