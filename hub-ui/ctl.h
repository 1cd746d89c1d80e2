/* SPDX-License-Identifier: MIT */
/*
 * ctl.h - what gymhubctl's command files share: exit codes, options, the
 * command table's shape, connecting to gymhubd and reporting errors.
 *
 * Single-threaded, like gymhubctl.
 */
#ifndef GYMHUB_CTL_H
#define GYMHUB_CTL_H

#include <stdint.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hub1-generated.h"

#define CTL_DEFAULT_DB "/var/lib/gymhub/gymhub.db"
#define HUB_NAME       "org.gymhub.Hub1"
#define HUB_PATH       "/org/gymhub/Hub1"
#define HUB_ERROR      "org.gymhub.Hub1.Error."
#define MAIN_USAGE                                                              \
	"Usage: gymhubctl [--bus system|session|ADDRESS] [--db PATH] [--json] " \
	"COMMAND [ARGS]"

enum ctl_exit {
	CTL_OK = 0,
	CTL_FAILED = 1,	   /* the daemon or the database reported an error */
	CTL_USAGE = 2,	   /* unknown command or option, wrong arguments */
	CTL_NO_DAEMON = 3, /* no bus, or nobody owns org.gymhub.Hub1 */
	CTL_NOT_FOUND = 4, /* unknown workout or session */
	CTL_DENIED = 5,	   /* the bus policy (or file mode) said no */
};

struct ctl {
	const char *db;
	GDBusConnection *conn;
	GhHub1 *hub;
};

struct command;
typedef int (*command_fn)(struct ctl *c, const struct command *cmd, int argc,
			  char **argv);
typedef gboolean (*control_fn)(GhHub1 *hub, GCancellable *cancellable,
			       GError **error);

struct command {
	const char *name;
	const char *params;   /* positional arguments, for --help */
	const char *synopsis; /* options and arguments, for usage errors */
	const char *summary;
	command_fn run;
	const GOptionEntry *options;
	gboolean json; /* takes --json */
	int min_args, max_args;
	control_fn control; /* pause, resume, skip, done, stop */
	const char *done;   /* what control commands print on success */
};

/* Option values; GOptionContext writes into these. */
struct ctl_opts {
	char *bus, *db;
	gboolean json, version;
	gboolean follow, bell;
	gint limit;
	char *format, *table, *output;
	gboolean all;
	char *since, *dir;
	gint seconds;
};
extern struct ctl_opts opt;

/* Short strings returned by value, usable right inside printf(). */
struct text {
	char s[64];
};

void fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* A usage error of @cmd: the message, its synopsis; CTL_USAGE. */
int command_usage(const struct command *cmd, const char *fmt, ...)
	G_GNUC_PRINTF(2, 3);
struct text fmt_local(int64_t unix_ms, const char *format);
const char *or_dash(const char *s);
void json_str(JsonBuilder *b, const char *key, const char *val);
void json_int(JsonBuilder *b, const char *key, int64_t val);
/* Prints and frees the builder's document: pretty, or one line. */
int json_print(JsonBuilder *b, gboolean pretty);
/* Connects and makes the proxy: CTL_OK or the exit code, reported. */
int hub_connect(struct ctl *c);
/* Reports a failed call; maps the D-Bus error name to an exit code.
 * @not_found replaces the daemon's words for UnknownWorkout. */
int hub_error(GError *error, const char *not_found);
/* Reports a session-query error about c->db; returns the exit code. */
int db_error(const struct ctl *c, int r);

/* ctl-sensors.c */
int cmd_scan(struct ctl *c, const struct command *cmd, int argc, char **argv);
int cmd_pair(struct ctl *c, const struct command *cmd, int argc, char **argv);
int cmd_sensors(struct ctl *c, const struct command *cmd, int argc,
		char **argv);
int cmd_forget(struct ctl *c, const struct command *cmd, int argc, char **argv);
extern const GOptionEntry ctl_scan_options[];
void ctl_status_sensors(GhHub1 *h);
void ctl_status_sensors_json(GhHub1 *h, JsonBuilder *b);

#endif
