/* SPDX-License-Identifier: MIT */
/*
 * fake-hub.c - a stand-in for gymhubd's org.gymhub.Hub1, driven line by
 * line on stdin, for testing gymhub-display without a workout engine:
 *
 *   set PROPERTY VALUE       e.g. "set RemainingMs 15000", "set Phase work",
 *                            "set Sensors [('AA:..', 'H10', 'hr', true,
 *                            87, uint32 0, int64 0)]" (GVariant text)
 *   emit SessionEnded ID STATE
 *   quit
 *
 * Prints "ready" once it owns the name, "ok" after each command, and
 * "error ..." for a line it cannot do.
 *
 *   fake-hub --bus ADDRESS
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <gio/gunixinputstream.h>

#include "hub1-generated.h"

struct fake {
	GMainLoop *loop;
	GhHub1 *skel;
	GDataInputStream *in;
};

/* "RemainingMs" -> "remaining-ms": gdbus-codegen's GObject names. */
static char *gobject_name(const char *dbus_name)
{
	GString *s = g_string_new(NULL);
	const char *p;

	for (p = dbus_name; *p; p++) {
		if (isupper((unsigned char)*p) && p != dbus_name)
			g_string_append_c(s, '-');
		g_string_append_c(s, (char)tolower((unsigned char)*p));
	}
	return g_string_free(s, FALSE);
}

static bool set_property(struct fake *f, const char *name, const char *text,
			 GError **error)
{
	g_autofree char *gname = gobject_name(name);
	GParamSpec *ps = g_object_class_find_property(
		G_OBJECT_GET_CLASS(f->skel), gname);
	g_auto(GValue) v = G_VALUE_INIT;

	if (!ps) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
			    "no property %s", name);
		return false;
	}
	g_value_init(&v, ps->value_type);
	if (ps->value_type == G_TYPE_STRING) {
		g_value_set_string(&v, text);
	} else if (ps->value_type == G_TYPE_UINT) {
		g_value_set_uint(&v, (guint)g_ascii_strtoull(text, NULL, 10));
	} else if (ps->value_type == G_TYPE_INT64) {
		g_value_set_int64(&v, g_ascii_strtoll(text, NULL, 10));
	} else if (ps->value_type == G_TYPE_BOOLEAN) {
		g_value_set_boolean(&v, strcmp(text, "true") == 0);
	} else if (ps->value_type == G_TYPE_VARIANT) {
		GVariant *var = g_variant_parse(G_PARAM_SPEC_VARIANT(ps)->type,
						text, NULL, NULL, error);

		if (!var)
			return false;
		g_value_take_variant(&v, var);
	} else {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
			    "property %s: type not handled", name);
		return false;
	}
	g_object_set_property(G_OBJECT(f->skel), gname, &v);
	return true;
}

static bool command(struct fake *f, char *line, GError **error)
{
	g_auto(GStrv) w = g_strsplit(line, " ", 3);

	if (!w[0] || !*w[0])
		return true;
	if (strcmp(w[0], "quit") == 0) {
		g_main_loop_quit(f->loop);
		return true;
	}
	if (strcmp(w[0], "set") == 0 && w[1] && w[2])
		return set_property(f, w[1], w[2], error);
	if (strcmp(w[0], "emit") == 0 && w[1] &&
	    strcmp(w[1], "SessionEnded") == 0 && w[2]) {
		g_auto(GStrv) a = g_strsplit(w[2], " ", 2);

		if (a[0] && a[1]) {
			gh_hub1_emit_session_ended(
				f->skel, g_ascii_strtoll(a[0], NULL, 10), a[1]);
			return true;
		}
	}
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		    "cannot do '%s'", line);
	return false;
}

static void on_line(GObject *src, GAsyncResult *res, gpointer data)
{
	struct fake *f = data;
	g_autoptr(GError) error = NULL;
	g_autofree char *line = g_data_input_stream_read_line_finish(
		G_DATA_INPUT_STREAM(src), res, NULL, &error);

	if (!line) {
		g_main_loop_quit(f->loop); /* stdin closed */
		return;
	}
	if (command(f, line, &error))
		printf("ok\n");
	else
		printf("error %s\n", error->message);
	fflush(stdout);
	g_data_input_stream_read_line_async(f->in, G_PRIORITY_DEFAULT, NULL,
					    on_line, f);
}

static void on_name(GDBusConnection *c, const char *name, gpointer data)
{
	printf("ready\n");
	fflush(stdout);
}

static void on_name_lost(GDBusConnection *c, const char *name, gpointer data)
{
	struct fake *f = data;

	fprintf(stderr, "fake-hub: cannot own %s\n", name);
	g_main_loop_quit(f->loop);
}

int main(int argc, char **argv)
{
	g_autoptr(GDBusConnection) bus = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GInputStream) stdin_stream = NULL;
	struct fake f = {0};
	guint own;

	if (argc != 3 || strcmp(argv[1], "--bus") != 0) {
		fprintf(stderr, "usage: fake-hub --bus ADDRESS\n");
		return 2;
	}
	bus = g_dbus_connection_new_for_address_sync(
		argv[2],
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL, NULL, &error);
	if (!bus) {
		fprintf(stderr, "fake-hub: %s\n", error->message);
		return 1;
	}
	f.loop = g_main_loop_new(NULL, FALSE);
	f.skel = gh_hub1_skeleton_new();
	gh_hub1_set_state(f.skel, "idle");
	if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(f.skel),
					      bus, "/org/gymhub/Hub1",
					      &error)) {
		fprintf(stderr, "fake-hub: %s\n", error->message);
		return 1;
	}
	own = g_bus_own_name_on_connection(bus, "org.gymhub.Hub1",
					   G_BUS_NAME_OWNER_FLAGS_NONE, on_name,
					   on_name_lost, &f, NULL);
	stdin_stream = g_unix_input_stream_new(0, FALSE);
	f.in = g_data_input_stream_new(stdin_stream);
	g_data_input_stream_read_line_async(f.in, G_PRIORITY_DEFAULT, NULL,
					    on_line, &f);
	g_main_loop_run(f.loop);
	g_bus_unown_name(own);
	g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(f.skel));
	g_object_unref(f.in);
	g_object_unref(f.skel);
	g_main_loop_unref(f.loop);
	return 0;
}
