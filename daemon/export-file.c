/* SPDX-License-Identifier: MIT */
/*
 * export-file.c - see export-file.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "export-file.h"
#include "export.h"

bool export_file_table_known(const char *table)
{
	static const char *const tables[] = {
		"sessions", "segments", "sets", "cues", "hr", "gaps", "reps"};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(tables); i++)
		if (!g_strcmp0(table, tables[i]))
			return true;
	return false;
}

int export_file_encode(const struct sq_detail *d, const char *format,
		       const char *table, FILE *out)
{
	if (!strcmp(format, "json"))
		return export_json(d, out);
	if (!strcmp(format, "fit"))
		return export_fit(d, out);
	if (!strcmp(format, "tcx"))
		return export_tcx(d, out);
	return export_csv(d, table ? table : "segments", out);
}

static mode_t current_umask(void)
{
	/* umask(2) can only be read by setting it: put it straight back */
	mode_t m = umask(0);

	umask(m);
	return m;
}

/* Makes a finished rename survive a power cut as well. */
static void fsync_parent(const char *path)
{
	g_autofree char *dir = g_path_get_dirname(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int export_file_write(const struct sq_detail *d, const char *format,
		      const char *table, const char *path)
{
	g_autofree char *tmp = g_strconcat(path, ".tmp-XXXXXX", NULL);
	FILE *f = NULL;
	int fd, r = 0;

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* mkstemp makes it 0600; an export is an ordinary file. */
	if (fchmod(fd, 0666 & ~current_umask()) < 0)
		r = -errno;
	if (r == 0 && !(f = fdopen(fd, "w")))
		r = -errno;
	if (!f)
		close(fd);
	if (r == 0)
		r = export_file_encode(d, format, table, f);
	if (r == 0 && fflush(f) != 0)
		r = -errno;
	if (r == 0 && fsync(fileno(f)) < 0)
		r = -errno;
	if (f && fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	fsync_parent(path);
	return 0;
}

char *export_file_name(const struct sq_session *s, const char *dir,
		       const char *format, const char *table)
{
	g_autoptr(GDateTime) dt =
		g_date_time_new_from_unix_local(s->started_ms / 1000);
	g_autofree char *date = dt ? g_date_time_format(dt, "%F") : NULL;
	bool csv = !strcmp(format, "csv");
	g_autofree char *base = NULL;

	base = g_strdup_printf("%s-%" G_GINT64_FORMAT "-%s%s%s.%s",
			       date ? date : "unknown", (gint64)s->id,
			       s->workout ? s->workout : "session",
			       csv ? "-" : "",
			       csv ? (table ? table : "segments") : "", format);
	g_strdelimit(base, "/", '_');
	return g_build_filename(dir, base, NULL);
}
