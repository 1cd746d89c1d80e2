/* SPDX-License-Identifier: MIT */
/*
 * auto-export.c - see auto-export.h.
 *
 * One worker (a GThreadPool of one thread), so exports run one after the
 * other in the order sessions ended. Before reading, the worker waits for
 * the store to commit what the main thread queued before the session id
 * (store_flush() is FIFO with the writes), so the file has the whole
 * session, end included.
 */
#include <errno.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "auto-export.h"
#include "export-file.h"
#include "session-query.h"

struct auto_export {
	struct store *store;
	char *database, *dir;
	char **formats;
	GThreadPool *pool;
};

static void export_one(struct auto_export *a, const struct sq_detail *d,
		       const char *format, const char *table)
{
	g_autofree char *path =
		export_file_name(&d->session, a->dir, format, table);
	int r = export_file_write(d, format, table, path);

	if (r == -ENODATA)
		g_message("Session %" G_GINT64_FORMAT " has nothing to put in "
			  "a %s file (no segment started)",
			  (gint64)d->session.id, format);
	else if (r < 0)
		g_warning("Automatic export of session %" G_GINT64_FORMAT
			  " to %s failed: %s",
			  (gint64)d->session.id, path, g_strerror(-r));
	else
		g_message("Exported session %" G_GINT64_FORMAT " to %s",
			  (gint64)d->session.id, path);
}

static void work(gpointer data, gpointer user_data)
{
	int64_t id = GPOINTER_TO_SIZE(data);
	struct auto_export *a = user_data;
	struct sq_detail *d = NULL;
	struct sq *q = NULL;
	char **f;
	int r;

	r = store_flush(a->store);
	if (r == 0)
		r = sq_open(a->database, &q);
	if (r == 0)
		r = sq_get(q, id, &d);
	sq_close(q);
	if (r < 0) {
		g_warning("Automatic export of session %" G_GINT64_FORMAT
			  ": cannot read it: %s",
			  (gint64)id, g_strerror(-r));
		return;
	}
	if (g_mkdir_with_parents(a->dir, 0750) < 0) {
		g_warning("Automatic export: cannot create %s: %s", a->dir,
			  g_strerror(errno));
	} else {
		for (f = a->formats; *f; f++) {
			if (g_strcmp0(*f, "csv") != 0) {
				export_one(a, d, *f, NULL);
				continue;
			}
			/* the two tables a spreadsheet wants */
			export_one(a, d, "csv", "segments");
			export_one(a, d, "csv", "hr");
		}
	}
	sq_detail_free(d);
}

struct auto_export *auto_export_new(struct store *st, const char *database,
				    const char *dir, const char *const *formats)
{
	struct auto_export *a;

	if (!st || !database || !dir || !formats || !*formats)
		return NULL;
	a = g_new0(struct auto_export, 1);
	a->store = st;
	a->database = g_strdup(database);
	a->dir = g_strdup(dir);
	a->formats = g_strdupv((char **)formats);
	/* exclusive: its thread is made now, not on the first session */
	a->pool = g_thread_pool_new(work, a, 1, TRUE, NULL);
	return a;
}

void auto_export_session(struct auto_export *a, int64_t session)
{
	if (a && session > 0)
		g_thread_pool_push(a->pool, GSIZE_TO_POINTER(session), NULL);
}

void auto_export_free(struct auto_export *a)
{
	if (!a)
		return;
	/* wait: an export already queued is still wanted */
	g_thread_pool_free(a->pool, FALSE, TRUE);
	g_strfreev(a->formats);
	g_free(a->database);
	g_free(a->dir);
	g_free(a);
}
