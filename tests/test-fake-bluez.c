/* SPDX-License-Identifier: MIT */
/*
 * test-fake-bluez.c - the fake BlueZ seen from a client, on a private
 * dbus-daemon: before gymhubd's integration tests lean on it, check that
 * it behaves as BlueZ 5.66 does where a client would notice. Discovery
 * with a filter shows the advertising strap and nothing else; Connect
 * leads to ServicesResolved and GATT objects; StartNotify then a strap
 * notification gives a PropertiesChanged of Value with those bytes; a
 * strap out of range disconnects and cannot be connected until it is
 * back; bluetoothd restarting takes org.bluez away and brings back the
 * devices it had stored; a power cycle drops discovery filters.
 *
 * Waits poll with generous deadlines: they bound a hang, they do not
 * measure speed.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <gio/gio.h>

#define WAIT_MS	 20000
#define STRAP	 "A0:9E:1A:00:00:01"
#define STRAP_P	 "/org/bluez/hci0/dev_A0_9E_1A_00_00_01"
#define STRAP2	 "A0:9E:1A:00:00:02"
#define STRAP2_P "/org/bluez/hci0/dev_A0_9E_1A_00_00_02"
#define BUDS	 "11:22:33:44:55:66"
#define BUDS_P	 "/org/bluez/hci0/dev_11_22_33_44_55_66"
#define HRM_P	 STRAP_P "/service0010/char0011"
#define BSL_P	 STRAP_P "/service0010/char0014"
#define HRCP_P	 STRAP_P "/service0010/char0016"
#define ADAPTER	 "/org/bluez/hci0"
#define DEV	 "org.bluez.Device1"
#define CHRC	 "org.bluez.GattCharacteristic1"
#define HRS_UUID "0000180d-0000-1000-8000-00805f9b34fb"

struct sig {
	char *path, *member;
	GVariant *params;
};

struct env {
	char *dir, *bus_addr;
	GPid bus_pid, fake_pid;
	int fake_in, fake_out;
	GString *out;	/* fake-bluez's stdout so far */
	size_t out_pos; /* where the next wait_line() starts looking */
	size_t ok_pos;	/* where the next cmd() looks for its "ok" */
	GDBusConnection *bus;
	guint sub;
	GPtrArray *sigs; /* struct sig, every signal seen */
	guint mark;	 /* waits for signals look from here on */
};

static void sig_free(gpointer data)
{
	struct sig *s = data;

	g_free(s->path);
	g_free(s->member);
	g_variant_unref(s->params);
	g_free(s);
}

static void on_signal(GDBusConnection *c, const char *sender, const char *path,
		      const char *iface, const char *member, GVariant *params,
		      gpointer data)
{
	struct env *e = data;
	struct sig *s = g_new0(struct sig, 1);

	s->path = g_strdup(path);
	s->member = g_strdup(member);
	s->params = g_variant_ref(params);
	g_ptr_array_add(e->sigs, s);
}

/* Lets signals in and reads what fake-bluez printed. */
static void pump(struct env *e)
{
	char buf[4096];
	ssize_t n;

	while (g_main_context_iteration(NULL, FALSE))
		;
	while ((n = read(e->fake_out, buf, sizeof(buf))) > 0)
		g_string_append_len(e->out, buf, n);
}

/* Pumps until @cond holds; false after WAIT_MS. */
static bool wait_for(struct env *e, bool (*cond)(struct env *, const void *),
		     const void *arg)
{
	gint64 end = g_get_monotonic_time() + WAIT_MS * 1000LL;

	do {
		pump(e);
		if (cond(e, arg))
			return true;
		g_usleep(2000);
	} while (g_get_monotonic_time() < end);
	return false;
}

struct want_line {
	const char *line;
	size_t *pos;
};

/* Finds the line at or after *pos and moves *pos past it. */
static bool line_seen(struct env *e, const void *arg)
{
	const struct want_line *w = arg;
	const char *p = e->out->str + *w->pos, *nl;
	size_t n = strlen(w->line);

	for (; (nl = strchr(p, '\n')); p = nl + 1) {
		if ((size_t)(nl - p) == n && !strncmp(p, w->line, n)) {
			*w->pos = (size_t)(nl + 1 - e->out->str);
			return true;
		}
	}
	return false;
}

static void wait_line_from(struct env *e, const char *line, size_t *pos)
{
	struct want_line w = {line, pos};

	if (!wait_for(e, line_seen, &w))
		fail_msg("no \"%s\" from fake-bluez; it said:\n%s", line,
			 e->out->str);
}

/*
 * Waits for the event line @line from fake-bluez, printed after the one
 * the last wait_line() found.
 */
static void wait_line(struct env *e, const char *line)
{
	wait_line_from(e, line, &e->out_pos);
}

static void cmd(struct env *e, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Sends a command to fake-bluez and waits for its "ok". */
static void cmd(struct env *e, const char *fmt, ...)
{
	g_autofree char *line = NULL;
	g_autofree char *ok = NULL;
	va_list ap;

	va_start(ap, fmt);
	line = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	ok = g_strdup_printf("ok %.*s", (int)strcspn(line, " "), line);
	assert_true(write(e->fake_in, line, strlen(line)) > 0);
	assert_int_equal(write(e->fake_in, "\n", 1), 1);
	wait_line_from(e, ok, &e->ok_pos);
}

static GVariant *call(struct env *e, const char *path, const char *iface,
		      const char *method, GVariant *params, GError **error)
{
	return g_dbus_connection_call_sync(
		e->bus, "org.bluez", path, iface, method, params, NULL,
		G_DBUS_CALL_FLAGS_NONE, WAIT_MS, NULL, error);
}

static void call_ok(struct env *e, const char *path, const char *iface,
		    const char *method, GVariant *params)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) r = call(e, path, iface, method, params, &error);

	if (!r)
		fail_msg("%s.%s on %s: %s", iface, method, path,
			 error->message);
}

/* A call that must fail with BlueZ's error @name and message @msg. */
static void call_fails(struct env *e, const char *path, const char *iface,
		       const char *method, GVariant *params, const char *name,
		       const char *msg)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) r = call(e, path, iface, method, params, &error);
	g_autofree char *remote = NULL;

	if (r)
		fail_msg("%s.%s on %s succeeded", iface, method, path);
	remote = g_dbus_error_get_remote_error(error);
	g_dbus_error_strip_remote_error(error);
	assert_string_equal(remote, name);
	if (msg)
		assert_string_equal(error->message, msg);
}

/* A property now, or NULL when the object or property is not there. */
static GVariant *get(struct env *e, const char *path, const char *iface,
		     const char *prop)
{
	g_autoptr(GVariant) r = NULL;
	GVariant *v = NULL;

	r = call(e, path, "org.freedesktop.DBus.Properties", "Get",
		 g_variant_new("(ss)", iface, prop), NULL);
	if (r)
		g_variant_get(r, "(v)", &v);
	return v;
}

static bool get_bool(struct env *e, const char *path, const char *iface,
		     const char *prop)
{
	g_autoptr(GVariant) v = get(e, path, iface, prop);

	assert_non_null(v);
	return g_variant_get_boolean(v);
}

/* Signals from here on are what the next waits look at. */
static void mark(struct env *e)
{
	pump(e);
	e->mark = e->sigs->len;
}

struct want_prop {
	const char *path, *prop;
	GVariant *value;
};

static bool prop_changed(struct env *e, const void *arg)
{
	const struct want_prop *w = arg;
	guint i;

	for (i = e->mark; i < e->sigs->len; i++) {
		struct sig *s = e->sigs->pdata[i];
		g_autoptr(GVariant) changed = NULL;
		g_autoptr(GVariant) v = NULL;

		if (strcmp(s->member, "PropertiesChanged") ||
		    strcmp(s->path, w->path))
			continue;
		changed = g_variant_get_child_value(s->params, 1);
		v = g_variant_lookup_value(changed, w->prop, NULL);
		if (v && g_variant_equal(v, w->value))
			return true;
	}
	return false;
}

/* Waits for a PropertiesChanged of @prop on @path to @value (sunk). */
static void wait_prop(struct env *e, const char *path, const char *prop,
		      GVariant *value)
{
	struct want_prop w = {path, prop, g_variant_ref_sink(value)};
	bool ok = wait_for(e, prop_changed, &w);
	g_autofree char *text = g_variant_print(value, true);

	g_variant_unref(w.value);
	if (!ok)
		fail_msg("no PropertiesChanged %s=%s on %s", prop, text, path);
}

struct want_obj {
	const char *member, *path, *iface;
};

static bool obj_signal(struct env *e, const void *arg)
{
	const struct want_obj *w = arg;
	guint i;

	for (i = e->mark; i < e->sigs->len; i++) {
		struct sig *s = e->sigs->pdata[i];
		g_autofree char *text = g_variant_print(s->params, false);

		if (!strcmp(s->member, w->member) &&
		    g_str_has_prefix(text, w->path) && strstr(text, w->iface))
			return true;
	}
	return false;
}

/* Waits for InterfacesAdded or InterfacesRemoved of @iface on @path. */
static void wait_obj(struct env *e, const char *member, const char *path,
		     const char *iface)
{
	g_autofree char *quoted = g_strdup_printf("('%s'", path);
	struct want_obj w = {member, quoted, iface};

	if (!wait_for(e, obj_signal, &w))
		fail_msg("no %s of %s on %s", member, iface, path);
}

static bool exported(struct env *e, const char *path)
{
	g_autoptr(GVariant) r = NULL;
	g_autoptr(GVariant) objs = NULL;
	g_autoptr(GVariant) o = NULL;

	r = call(e, "/", "org.freedesktop.DBus.ObjectManager",
		 "GetManagedObjects", NULL, NULL);
	assert_non_null(r);
	objs = g_variant_get_child_value(r, 0);
	o = g_variant_lookup_value(objs, path, NULL);
	return o != NULL;
}

/*
 * Whether org.bluez has been released and then taken by a new owner, as
 * NameOwnerChanged tells every client on the bus.
 */
static bool owner_replaced(struct env *e, const void *arg)
{
	g_autofree char *gone = NULL;
	const char *name, *old, *new;
	guint i;

	for (i = e->mark; i < e->sigs->len; i++) {
		struct sig *s = e->sigs->pdata[i];

		if (strcmp(s->member, "NameOwnerChanged"))
			continue;
		g_variant_get(s->params, "(&s&s&s)", &name, &old, &new);
		if (strcmp(name, "org.bluez"))
			continue;
		if (!*new && !gone)
			gone = g_strdup(old);
		else if (gone && !*old && strcmp(new, gone))
			return true;
	}
	return false;
}

/* --- set-up: a private bus and fake-bluez on it */

/* A child dies with the test, even one whose set-up failed half-way. */
static void die_with_parent(gpointer data)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
}

static void start_bus(struct env *e)
{
	g_autofree char *conf = g_build_filename(e->dir, "bus.conf", NULL);
	g_autofree char *conf_arg = g_strdup_printf("--config-file=%s", conf);
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	const char *argv[] = {"dbus-daemon", "--nofork", "--print-address=1",
			      conf_arg, NULL};
	char buf[512];
	ssize_t n;
	int out_fd;

	text = g_strdup_printf(
		"<busconfig><type>session</type>"
		"<listen>unix:path=%s/bus</listen>"
		"<auth>EXTERNAL</auth>"
		"<policy context=\"default\">"
		"<allow send_destination=\"*\" eavesdrop=\"true\"/>"
		"<allow eavesdrop=\"true\"/><allow own=\"*\"/>"
		"</policy></busconfig>",
		e->dir);
	assert_true(g_file_set_contents(conf, text, -1, NULL));
	if (!g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
				      G_SPAWN_SEARCH_PATH |
					      G_SPAWN_DO_NOT_REAP_CHILD,
				      die_with_parent, NULL, &e->bus_pid, NULL,
				      &out_fd, NULL, &error))
		fail_msg("dbus-daemon: %s", error->message);
	n = read(out_fd, buf, sizeof(buf) - 1);
	close(out_fd);
	assert_true(n > 0);
	buf[n] = '\0';
	e->bus_addr = g_strdup(g_strchomp(buf));
	e->bus = g_dbus_connection_new_for_address_sync(
		e->bus_addr,
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL, NULL, &error);
	if (!e->bus)
		fail_msg("connect to test bus: %s", error->message);
}

static void start_fake(struct env *e)
{
	const char *b = g_getenv("GYMHUB_BUILD");
	g_autofree char *bin =
		g_build_filename(b ? b : "build", "tests", "fake-bluez", NULL);
	g_autoptr(GError) error = NULL;
	/* short delays and TemporaryTimeout keep the tests quick */
	const char *argv[] = {bin,	    "--bus", e->bus_addr,
			      "--delay-ms", "20",    "--temporary-timeout",
			      "1",	    NULL};

	if (!g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
				      G_SPAWN_DO_NOT_REAP_CHILD,
				      die_with_parent, NULL, &e->fake_pid,
				      &e->fake_in, &e->fake_out, NULL, &error))
		fail_msg("spawn %s: %s", bin, error->message);
	fcntl(e->fake_out, F_SETFL, O_NONBLOCK);
	wait_line(e, "ready");
}

static int setup(void **state)
{
	struct env *e = g_new0(struct env, 1);

	e->dir = g_dir_make_tmp("gymhub-fake-bluez-XXXXXX", NULL);
	assert_non_null(e->dir);
	e->out = g_string_new(NULL);
	e->sigs = g_ptr_array_new_with_free_func(sig_free);
	start_bus(e);
	e->sub = g_dbus_connection_signal_subscribe(
		e->bus, NULL, NULL, NULL, NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
		on_signal, e, NULL);
	start_fake(e);
	*state = e;
	return 0;
}

static void reap(GPid pid)
{
	int status;

	waitpid(pid, &status, 0);
}

static int teardown(void **state)
{
	struct env *e = *state;
	g_autofree char *cmd_line = g_strdup_printf("rm -rf '%s'", e->dir);

	if (e->fake_pid > 0) {
		/* end of stdin ends it */
		close(e->fake_in);
		reap(e->fake_pid);
		close(e->fake_out);
	}
	g_dbus_connection_signal_unsubscribe(e->bus, e->sub);
	g_clear_object(&e->bus);
	kill(e->bus_pid, SIGTERM);
	reap(e->bus_pid);
	if (system(cmd_line) != 0)
		fprintf(stderr, "could not remove %s\n", e->dir);
	g_ptr_array_unref(e->sigs);
	g_string_free(e->out, TRUE);
	g_free(e->bus_addr);
	g_free(e->dir);
	g_free(e);
	return 0;
}

/* --- what a client does */

static GVariant *hr_filter(void)
{
	GVariantBuilder b;
	const char *uuids[] = {HRS_UUID, NULL};

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "UUIDs",
			      g_variant_new_strv(uuids, -1));
	g_variant_builder_add(&b, "{sv}", "Transport",
			      g_variant_new_string("le"));
	return g_variant_new("(a{sv})", &b);
}

/* Discovers the strap and connects it, services resolved. */
static void connect_strap(struct env *e)
{
	mark(e);
	call_ok(e, ADAPTER, "org.bluez.Adapter1", "SetDiscoveryFilter",
		hr_filter());
	call_ok(e, ADAPTER, "org.bluez.Adapter1", "StartDiscovery", NULL);
	wait_obj(e, "InterfacesAdded", STRAP_P, DEV);
	call_ok(e, ADAPTER, "org.bluez.Adapter1", "StopDiscovery", NULL);
	call_ok(e, STRAP_P, DEV, "Connect", NULL);
	assert_true(get_bool(e, STRAP_P, DEV, "Connected"));
	wait_prop(e, STRAP_P, "ServicesResolved", g_variant_new_boolean(true));
}

static GVariant *bytes(const uint8_t *b, size_t n)
{
	return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, b, n, 1);
}

/* --- tests */

/*
 * Devices appear only while discovery runs and only if they pass a
 * filter: the strap advertising 0x180D does, the earbuds do not.
 */
static void test_discovery_filter(void **state)
{
	struct env *e = *state;
	g_autoptr(GVariant) rssi = NULL;
	GVariantBuilder bad;

	cmd(e, "add %s \"Polar H10 1234\" hr rssi=-55", STRAP);
	cmd(e, "add %s \"Earbuds\" plain", BUDS);
	cmd(e, "add %s \"Polar H10 5678\" hr hidden", STRAP2);
	pump(e);
	assert_false(exported(e, STRAP_P));

	g_variant_builder_init(&bad, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&bad, "{sv}", "Colour",
			      g_variant_new_string("red"));
	call_fails(e, ADAPTER, "org.bluez.Adapter1", "SetDiscoveryFilter",
		   g_variant_new("(a{sv})", &bad),
		   "org.bluez.Error.InvalidArguments",
		   "Invalid arguments in method call");
	call_ok(e, ADAPTER, "org.bluez.Adapter1", "SetDiscoveryFilter",
		hr_filter());
	wait_line(e, "filter {'UUIDs': <['" HRS_UUID "']>, "
		     "'Transport': <'le'>}");

	mark(e);
	call_ok(e, ADAPTER, "org.bluez.Adapter1", "StartDiscovery", NULL);
	wait_prop(e, ADAPTER, "Discovering", g_variant_new_boolean(true));
	wait_obj(e, "InterfacesAdded", STRAP_P, DEV);
	rssi = get(e, STRAP_P, DEV, "RSSI");
	assert_non_null(rssi);
	assert_int_equal(g_variant_get_int16(rssi), -55);
	assert_false(exported(e, BUDS_P));
	call_fails(e, ADAPTER, "org.bluez.Adapter1", "StartDiscovery", NULL,
		   "org.bluez.Error.InProgress", NULL);

	/* a strap put on while scanning shows up */
	assert_false(exported(e, STRAP2_P));
	cmd(e, "advertise %s on", STRAP2);
	wait_obj(e, "InterfacesAdded", STRAP2_P, DEV);

	/* discovery over: RSSI invalidated, unknown devices expire */
	mark(e);
	call_ok(e, ADAPTER, "org.bluez.Adapter1", "StopDiscovery", NULL);
	wait_prop(e, ADAPTER, "Discovering", g_variant_new_boolean(false));
	assert_null(get(e, STRAP_P, DEV, "RSSI"));
	wait_obj(e, "InterfacesRemoved", STRAP_P, DEV);
	call_fails(e, ADAPTER, "org.bluez.Adapter1", "StopDiscovery", NULL,
		   "org.bluez.Error.Failed", "No discovery started");
}

/*
 * Connect, then services: GATT objects, Battery1, reads, writes, and a
 * notification as PropertiesChanged of Value with the strap's bytes.
 */
static void test_connect_and_notify(void **state)
{
	static const uint8_t hrm[] = {0x16, 0x4a, 0x12, 0x03};
	static const uint8_t one = 0x01, two = 0x02;
	struct env *e = *state;
	g_autoptr(GVariant) v = NULL;
	g_autoptr(GVariant) r = NULL;
	const uint8_t *got;
	gsize n;

	cmd(e, "add %s \"Polar H10 1234\" hr battery=87", STRAP);
	connect_strap(e);
	wait_line(e, "connect " STRAP);
	v = get(e, HRM_P, CHRC, "UUID");
	assert_string_equal(g_variant_get_string(v, NULL),
			    "00002a37-0000-1000-8000-00805f9b34fb");
	g_clear_pointer(&v, g_variant_unref);
	v = get(e, STRAP_P, "org.bluez.Battery1", "Percentage");
	assert_non_null(v);
	assert_int_equal(g_variant_get_byte(v), 87);

	/* Body Sensor Location reads "chest"; the HRM is notify-only */
	r = call(e, BSL_P, CHRC, "ReadValue",
		 g_variant_new_parsed("(@a{sv} {},)"), NULL);
	assert_non_null(r);
	g_clear_pointer(&v, g_variant_unref);
	v = g_variant_get_child_value(r, 0);
	got = g_variant_get_fixed_array(v, &n, 1);
	assert_int_equal(n, 1);
	assert_int_equal(got[0], 1);
	call_fails(e, HRM_P, CHRC, "ReadValue",
		   g_variant_new_parsed("(@a{sv} {},)"),
		   "org.bluez.Error.NotPermitted", "Read not permitted");
	call_ok(e, HRCP_P, CHRC, "WriteValue",
		g_variant_new("(@ay@a{sv})", bytes(&one, 1),
			      g_variant_new_parsed("@a{sv} {}")));
	call_fails(e, HRCP_P, CHRC, "WriteValue",
		   g_variant_new("(@ay@a{sv})", bytes(&two, 1),
				 g_variant_new_parsed("@a{sv} {}")),
		   "org.bluez.Error.Failed",
		   "Operation failed with ATT error: 0x80");

	/* nobody subscribed: the notification goes nowhere */
	cmd(e, "notify %s 16 4a 12 03", STRAP);
	wait_line(e, "notify-dropped " STRAP " 2a37 4");

	mark(e);
	call_ok(e, HRM_P, CHRC, "StartNotify", NULL);
	wait_line(e, "start-notify " STRAP " 2a37");
	wait_prop(e, HRM_P, "Notifying", g_variant_new_boolean(true));
	cmd(e, "notify %s 16:4a:12:03", STRAP);
	wait_prop(e, HRM_P, "Value", bytes(hrm, sizeof(hrm)));
	cmd(e, "battery %s 15", STRAP);
	wait_prop(e, STRAP_P, "Percentage", g_variant_new_byte(15));
}

/*
 * Out of range: the link drops, Connect fails as BlueZ's does until the
 * strap is back; then the old notify session works again by itself.
 */
static void test_drop_and_return(void **state)
{
	static const uint8_t hrm[] = {0x10, 0x48, 0x5b, 0x03};
	struct env *e = *state;

	cmd(e, "add %s \"Polar H10 1234\" hr", STRAP);
	connect_strap(e);
	call_ok(e, HRM_P, CHRC, "StartNotify", NULL);

	mark(e);
	cmd(e, "drop %s", STRAP);
	wait_prop(e, STRAP_P, "ServicesResolved", g_variant_new_boolean(false));
	wait_prop(e, STRAP_P, "Connected", g_variant_new_boolean(false));
	wait_obj(e, "InterfacesRemoved", STRAP_P, "org.bluez.Battery1");
	/* BlueZ leaves Notifying true and the GATT objects in place */
	assert_true(get_bool(e, HRM_P, CHRC, "Notifying"));
	call_fails(e, STRAP_P, DEV, "Connect", NULL, "org.bluez.Error.Failed",
		   "le-connection-abort-by-local");
	call_fails(e, STRAP_P, DEV, "Connect", NULL, "org.bluez.Error.Failed",
		   "le-connection-abort-by-local");
	call_fails(e, HRM_P, CHRC, "StartNotify", NULL,
		   "org.bluez.Error.InProgress", "In Progress");

	cmd(e, "return %s", STRAP);
	mark(e);
	call_ok(e, STRAP_P, DEV, "Connect", NULL);
	wait_prop(e, STRAP_P, "ServicesResolved", g_variant_new_boolean(true));
	cmd(e, "notify %s 10485b03", STRAP);
	wait_prop(e, HRM_P, "Value", bytes(hrm, sizeof(hrm)));
	call_ok(e, HRM_P, CHRC, "StartNotify", NULL);
}

/*
 * bluetoothd restarts: org.bluez vanishes and returns under a new
 * owner; the paired strap is back (disconnected), the stranger seen in
 * a scan is not, and the agent must be registered again.
 */
static void test_restart(void **state)
{
	struct env *e = *state;

	cmd(e, "add %s \"Polar H10 1234\" hr", STRAP);
	cmd(e, "add %s \"Stranger\" hr", STRAP2);
	call_ok(e, "/org/bluez", "org.bluez.AgentManager1", "RegisterAgent",
		g_variant_new("(os)", "/gymhub/agent", "NoInputNoOutput"));
	wait_line(e, "agent registered /gymhub/agent NoInputNoOutput");
	call_ok(e, "/org/bluez", "org.bluez.AgentManager1",
		"RequestDefaultAgent", g_variant_new("(o)", "/gymhub/agent"));
	call_ok(e, ADAPTER, "org.bluez.Adapter1", "StartDiscovery", NULL);
	wait_obj(e, "InterfacesAdded", STRAP2_P, DEV);
	call_ok(e, STRAP_P, DEV, "Pair", NULL);
	assert_true(get_bool(e, STRAP_P, DEV, "Paired"));
	assert_true(get_bool(e, STRAP_P, DEV, "ServicesResolved"));
	call_fails(e, STRAP_P, DEV, "Pair", NULL,
		   "org.bluez.Error.AlreadyExists", NULL);

	mark(e);
	cmd(e, "restart 300");
	if (!wait_for(e, owner_replaced, NULL))
		fail_msg("org.bluez did not vanish and come back");
	wait_line(e, "ready");
	assert_true(exported(e, STRAP_P));
	assert_true(get_bool(e, STRAP_P, DEV, "Paired"));
	assert_false(get_bool(e, STRAP_P, DEV, "Connected"));
	assert_false(exported(e, HRM_P)); /* GATT comes with a connection */
	assert_false(exported(e, STRAP2_P));
	assert_false(get_bool(e, ADAPTER, "org.bluez.Adapter1", "Discovering"));
	call_fails(e, "/org/bluez", "org.bluez.AgentManager1",
		   "UnregisterAgent", g_variant_new("(o)", "/gymhub/agent"),
		   "org.bluez.Error.DoesNotExist", "Does Not Exist");

	/* a stored device connects without a scan */
	mark(e);
	call_ok(e, STRAP_P, DEV, "Connect", NULL);
	wait_prop(e, STRAP_P, "ServicesResolved", g_variant_new_boolean(true));
	assert_true(exported(e, HRM_P));
}

/*
 * Power off drops links, scans and every client's filter: after power
 * on, a scan without a new filter finds the earbuds too. RemoveDevice
 * forgets the bond.
 */
static void test_power_cycle_and_remove(void **state)
{
	struct env *e = *state;

	cmd(e, "add %s \"Polar H10 1234\" hr", STRAP);
	cmd(e, "add %s \"Earbuds\" plain", BUDS);
	connect_strap(e);
	call_ok(e, ADAPTER, "org.bluez.Adapter1", "StartDiscovery", NULL);

	mark(e);
	call_ok(e, ADAPTER, "org.freedesktop.DBus.Properties", "Set",
		g_variant_new("(ssv)", "org.bluez.Adapter1", "Powered",
			      g_variant_new_boolean(false)));
	wait_prop(e, ADAPTER, "Powered", g_variant_new_boolean(false));
	wait_prop(e, ADAPTER, "Discovering", g_variant_new_boolean(false));
	wait_prop(e, STRAP_P, "Connected", g_variant_new_boolean(false));
	call_fails(e, ADAPTER, "org.bluez.Adapter1", "StartDiscovery", NULL,
		   "org.bluez.Error.NotReady", "Resource Not Ready");
	call_fails(e, STRAP_P, DEV, "Connect", NULL, "org.bluez.Error.NotReady",
		   NULL);

	cmd(e, "power on");
	call_ok(e, ADAPTER, "org.bluez.Adapter1", "StartDiscovery", NULL);
	wait_obj(e, "InterfacesAdded", BUDS_P, DEV);

	mark(e);
	call_ok(e, ADAPTER, "org.bluez.Adapter1", "RemoveDevice",
		g_variant_new("(o)", STRAP_P));
	wait_obj(e, "InterfacesRemoved", HRM_P, CHRC);
	wait_obj(e, "InterfacesRemoved", STRAP_P, DEV);
	/* still advertising, so found again: as a stranger */
	wait_obj(e, "InterfacesAdded", STRAP_P, DEV);
	assert_false(get_bool(e, STRAP_P, DEV, "Paired"));
	assert_false(exported(e, HRM_P));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_discovery_filter, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_connect_and_notify, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_drop_and_return, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_power_cycle_and_remove,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
