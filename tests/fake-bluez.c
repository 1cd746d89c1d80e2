/* SPDX-License-Identifier: MIT */
/*
 * fake-bluez.c - a stand-in for bluetoothd on a private bus, for
 * integration tests, benchmarks and `make demo`. It owns org.bluez and
 * serves the part of BlueZ 5.66's D-Bus API (doc/adapter-api.txt,
 * device-api.txt, gatt-api.txt, agent-api.txt, battery-api.txt) that a
 * heart-rate client uses:
 *
 *   /                                 org.freedesktop.DBus.ObjectManager
 *   /org/bluez                        org.bluez.AgentManager1
 *   /org/bluez/hci0                   org.bluez.Adapter1
 *   /org/bluez/hci0/dev_XX_XX_XX_XX_XX_XX   Device1, Battery1
 *   .../service0010 (0x180D)          GattService1, with characteristics
 *       char0011 (0x2A37 notify), char0014 (0x2A38 read),
 *       char0016 (0x2A39 write)
 *   .../service0020 (0x180F)          char0021 (0x2A19 read, notify)
 *
 * Where BlueZ has a habit a client can trip over, the fake copies it from
 * the 5.66 sources (src/adapter.c, device.c, gatt-client.c, agent.c,
 * error.c): discovery sessions and filters belong to the calling client,
 * vanish with it and with a power-off, and are merged between clients;
 * a device object appears only when a discovery sees it, and a temporary
 * one goes TemporaryTimeout after it was last seen; Connect replies once
 * the link is up and ServicesResolved follows; GATT objects are exported
 * before ServicesResolved and kept across disconnects (GATT cache
 * "always"); notify sessions are per client, survive a disconnect and are
 * re-armed on reconnect, while Notifying stays true all along; Battery1
 * exists only while connected; errors carry BlueZ's names and messages.
 * Not modelled: BR/EDR, descriptors, AcquireNotify, GattManager1 (so no
 * auto-connect), agent requests during pairing (straps pair just-works).
 *
 * The world (which straps exist, are worn, are in range) is driven by
 * line commands on stdin (shell quoting), each answered "ok VERB" or
 * "error VERB: why" on stdout; so a test holds it by two pipes:
 *   add ADDR NAME hr|imu|plain [paired] [random] [hidden] [rssi=N]
 *       [battery=N] [location=N]   a strap (or a device with no
 *       services), advertising unless hidden; "paired": bonded before
 *       bluetoothd started
 *   advertise ADDR on|off          worn or not: seen by discovery or not
 *   drop ADDR / return ADDR        out of range (the link times out,
 *                                  Connect fails) and back
 *   notify ADDR HEX...             a Heart Rate Measurement (0x2A37)
 *   stream ADDR BPM [PERIOD_MS]    one every period (default 1000 ms),
 *                                  BPM 0 stops
 *   reps ADDR N [PERIOD_MS]        an imu sensor: a still second, then N
 *                                  reps (default 2000 ms each), then still,
 *                                  5 samples at 50 Hz a notification
 *   posture ADDR DEG               an imu sensor held still, tilted DEG
 *                                  degrees (a hold; a change breaks it)
 *   follow ADDR                    one a second, the heart rate rising
 *                                  in gymhubd's work phases and falling
 *                                  in its rests (make demo)
 *   battery ADDR PERCENT           Battery1.Percentage and 0x2A19
 *   power on|off                   the adapter's power switch
 *   restart [GAP_MS]               bluetoothd stops, starts GAP_MS later
 *   quit                           (end of stdin also quits)
 * Events, one line each: "ready", "stopped", "power 0|1", "discovering
 * 0|1", "filter {...}|none", "found ADDR", "removed ADDR", "connecting
 * ADDR", "connect ADDR", "connect-failed ADDR", "resolved ADDR",
 * "disconnected ADDR local|timeout|power-off|removed", "pairing ADDR",
 * "paired ADDR", "pair-failed ADDR ERROR", "start-notify ADDR 2a37",
 * "stop-notify ADDR UUID16", "notified|notify-dropped ADDR 2a37 LEN",
 * "read|write ADDR UUID16 [LEN]", "trusted ADDR 0|1", "agent registered
 * PATH CAP", "agent unregistered PATH", "agent default PATH",
 * "client-gone NAME".
 */
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib-unix.h>

#define ADAPTER_PATH	"/org/bluez/hci0"
#define OM_IFACE	"org.freedesktop.DBus.ObjectManager"
#define PROPS_IFACE	"org.freedesktop.DBus.Properties"
#define AGENT_MGR_IFACE "org.bluez.AgentManager1"
#define ADAPTER_IFACE	"org.bluez.Adapter1"
#define DEVICE_IFACE	"org.bluez.Device1"
#define BATTERY_IFACE	"org.bluez.Battery1"
#define SERVICE_IFACE	"org.bluez.GattService1"
#define CHRC_IFACE	"org.bluez.GattCharacteristic1"
#define ERR		"org.bluez.Error."
#define UUID16(x)	"0000" x "-0000-1000-8000-00805f9b34fb"

static const char introspection_xml[] =
	"<node><interface name='" OM_IFACE "'>"
	"<method name='GetManagedObjects'>"
	"<arg type='a{oa{sa{sv}}}' direction='out'/></method>"
	"<signal name='InterfacesAdded'><arg type='o'/>"
	"<arg type='a{sa{sv}}'/></signal>"
	"<signal name='InterfacesRemoved'><arg type='o'/>"
	"<arg type='as'/></signal></interface>"
	"<interface name='" AGENT_MGR_IFACE "'>"
	"<method name='RegisterAgent'><arg type='o'/><arg type='s'/>"
	"</method><method name='UnregisterAgent'><arg type='o'/>"
	"</method><method name='RequestDefaultAgent'><arg type='o'/>"
	"</method></interface>"
	"<interface name='" ADAPTER_IFACE "'>"
	"<method name='StartDiscovery'/><method name='StopDiscovery'/>"
	"<method name='SetDiscoveryFilter'><arg type='a{sv}'/></method>"
	"<method name='RemoveDevice'><arg type='o'/></method>"
	"<property name='Address' type='s' access='read'/>"
	"<property name='AddressType' type='s' access='read'/>"
	"<property name='Name' type='s' access='read'/>"
	"<property name='Alias' type='s' access='read'/>"
	"<property name='Powered' type='b' access='readwrite'/>"
	"<property name='Discovering' type='b' access='read'/>"
	"<property name='UUIDs' type='as' access='read'/>"
	"</interface><interface name='" DEVICE_IFACE "'>"
	"<method name='Connect'/><method name='Disconnect'/>"
	"<method name='Pair'/><method name='CancelPairing'/>"
	"<property name='Address' type='s' access='read'/>"
	"<property name='AddressType' type='s' access='read'/>"
	"<property name='Name' type='s' access='read'/>"
	"<property name='Alias' type='s' access='read'/>"
	"<property name='Appearance' type='q' access='read'/>"
	"<property name='UUIDs' type='as' access='read'/>"
	"<property name='Paired' type='b' access='read'/>"
	"<property name='Bonded' type='b' access='read'/>"
	"<property name='Connected' type='b' access='read'/>"
	"<property name='Trusted' type='b' access='readwrite'/>"
	"<property name='Adapter' type='o' access='read'/>"
	"<property name='RSSI' type='n' access='read'/>"
	"<property name='ServicesResolved' type='b' access='read'/>"
	"</interface><interface name='" BATTERY_IFACE "'>"
	"<property name='Percentage' type='y' access='read'/>"
	"</interface><interface name='" SERVICE_IFACE "'>"
	"<property name='UUID' type='s' access='read'/>"
	"<property name='Primary' type='b' access='read'/>"
	"<property name='Device' type='o' access='read'/>"
	"</interface><interface name='" CHRC_IFACE "'>"
	"<method name='ReadValue'><arg type='a{sv}'/>"
	"<arg type='ay' direction='out'/></method>"
	"<method name='WriteValue'><arg type='ay'/><arg type='a{sv}'/>"
	"</method><method name='StartNotify'/><method name='StopNotify'/>"
	"<property name='UUID' type='s' access='read'/>"
	"<property name='Service' type='o' access='read'/>"
	"<property name='Value' type='ay' access='read'/>"
	"<property name='Notifying' type='b' access='read'/>"
	"<property name='Flags' type='as' access='read'/>"
	"</interface></node>";

/* --- the GATT database of a heart-rate strap (HRS 1.0, BAS 1.0) */

enum {
	SVC_HRS,
	SVC_BAS,
	SVC_IMU,
	N_SVC
};
enum {
	CHRC_HRM,
	CHRC_BSL,
	CHRC_HRCP,
	CHRC_BATT,
	CHRC_IMU,
	N_CHRC
};

static const char *const flags_notify[] = {"notify", NULL};
static const char *const flags_read[] = {"read", NULL};
static const char *const flags_write[] = {"write", NULL};
static const char *const flags_read_notify[] = {"read", "notify", NULL};

static const struct {
	const char *uuid;
	uint16_t handle;
} svc_defs[N_SVC] = {
	[SVC_HRS] = {UUID16("180d"), 0x0010},
	[SVC_BAS] = {UUID16("180f"), 0x0020},
	/* the gymhub IMU profile (docs/gymhub-imu.md) */
	[SVC_IMU] = {"7a8e0001-5bd1-4b8e-9f43-6b1c2c0d3a10", 0x0030},
};

/* handle: the characteristic declaration's, which names BlueZ's path */
static const struct chrc_def {
	const char *uuid;
	uint16_t handle;
	int svc;
	const char *const *flags;
} chrc_defs[N_CHRC] = {
	[CHRC_HRM] = {UUID16("2a37"), 0x0011, SVC_HRS, flags_notify},
	[CHRC_BSL] = {UUID16("2a38"), 0x0014, SVC_HRS, flags_read},
	[CHRC_HRCP] = {UUID16("2a39"), 0x0016, SVC_HRS, flags_write},
	[CHRC_BATT] = {UUID16("2a19"), 0x0021, SVC_BAS, flags_read_notify},
	[CHRC_IMU] = {"7a8e0002-5bd1-4b8e-9f43-6b1c2c0d3a10", 0x0031, SVC_IMU,
		      flags_notify},
};

/* --- state: the world (what the test drives) and bluetoothd's view */

struct device;

struct svc {
	struct device *dev;
	int idx;
	char *path;
};

struct chrc {
	struct device *dev;
	const struct chrc_def *def;
	char *path;
	GByteArray *value;
	GHashTable *sessions; /* unique names of StartNotify callers */
	bool notifying;
};

struct device {
	/* the world */
	char *addr, *path, *name;
	bool hr;  /* a heart-rate strap */
	bool imu; /* a motion sensor (gymhub IMU profile); neither: none */
	guint imu_timer;
	unsigned int imu_reps; /* reps still to make */
	double imu_period_s;
	uint64_t imu_i;	    /* samples since the reps command */
	uint64_t imu_clock; /* samples since the sensor started: its clock */
	double imu_tilt;    /* posture: degrees about x, when still */
	uint16_t imu_seq;
	bool random_addr, advertising, in_range;
	int16_t rssi;
	uint8_t battery, location;
	guint stream_timer;
	uint16_t stream_bpm;
	bool follow;	   /* stream_bpm follows gymhubd's Phase */
	double follow_bpm; /* where it is on its way to the target */
	uint16_t target_bpm;
	/* bluetoothd's view of it */
	bool temporary, rssi_valid, paired, trusted, connected, resolved;
	guint connect_timer, resolve_timer, temp_timer;
	GDBusMethodInvocation *connect_inv, *pair_inv;
	struct svc svcs[N_SVC];
	struct chrc chrcs[N_CHRC];
};

/* A bus peer BlueZ keeps state for, until it leaves the bus. */
struct client {
	char *name;
	guint watch;
	bool discovering;
	GVariant *filter; /* a{sv}, or NULL for none */
	char *agent_path;
};

/* One exported interface of one object. */
struct obj {
	char *path;
	const char *iface;
	gpointer data;
	guint id;
};

static struct {
	const char *bus_addr, *address;
	unsigned int delay_ms, temporary_timeout_s;
	GMainLoop *loop;
	GDBusNodeInfo *node;
	GList *devices;
	bool powered;
	/* one bluetoothd lifetime: all reset by stop() */
	GDBusConnection *conn;
	guint own_id;
	bool up, discovering;
	GPtrArray *objs; /* struct obj, parents before children */
	GHashTable *clients;
	/* `follow`: a client connection watching org.gymhub.Hub1 */
	GDBusConnection *hub_conn;
	guint hub_sub;
} F;

static void ev(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* Which of the services a device has. */
static bool svc_present(const struct device *d, int svc)
{
	switch (svc) {
	case SVC_HRS:
		return d->hr;
	case SVC_IMU:
		return d->imu;
	default:
		return d->hr || d->imu;
	}
}

/* One event line on stdout, flushed so a test sees it at once. */
static void ev(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static const char *short_uuid(const char *uuid)
{
	static char s[5];

	memcpy(s, uuid + 4, 4);
	return s;
}

/* --- properties: one builder per interface serves Get, GetAll,
 * GetManagedObjects, InterfacesAdded and PropertiesChanged alike */

static void put(GVariantBuilder *b, const char *key, GVariant *v)
{
	g_variant_builder_add(b, "{sv}", key, v);
}

static GVariant *adapter_props(void)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	put(&b, "Address", g_variant_new_string(F.address));
	put(&b, "AddressType", g_variant_new_string("public"));
	put(&b, "Name", g_variant_new_string("gymhub-fake"));
	put(&b, "Alias", g_variant_new_string("gymhub-fake"));
	put(&b, "Powered", g_variant_new_boolean(F.powered));
	put(&b, "Discovering", g_variant_new_boolean(F.discovering));
	put(&b, "UUIDs", g_variant_new_strv(NULL, 0));
	return g_variant_builder_end(&b);
}

static GVariant *device_props(struct device *d)
{
	g_autofree char *dashed = g_strdelimit(g_strdup(d->addr), ":", '-');
	const char *uuids[N_SVC + 1] = {NULL};
	GVariantBuilder b;

	/* what it advertises (0x180D) until its services are known */
	if (d->hr || d->imu) {
		uuids[0] = svc_defs[d->hr ? SVC_HRS : SVC_IMU].uuid;
		if (d->resolved || d->paired)
			uuids[1] = svc_defs[SVC_BAS].uuid;
	}
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	put(&b, "Address", g_variant_new_string(d->addr));
	put(&b, "AddressType",
	    g_variant_new_string(d->random_addr ? "random" : "public"));
	/* with no name known, Name is absent and Alias the dashed address */
	if (*d->name)
		put(&b, "Name", g_variant_new_string(d->name));
	put(&b, "Alias", g_variant_new_string(*d->name ? d->name : dashed));
	if (d->hr) /* 0x0340: Generic Heart Rate Sensor */
		put(&b, "Appearance", g_variant_new_uint16(0x0340));
	put(&b, "UUIDs", g_variant_new_strv(uuids, -1));
	put(&b, "Paired", g_variant_new_boolean(d->paired));
	put(&b, "Bonded", g_variant_new_boolean(d->paired));
	put(&b, "Connected", g_variant_new_boolean(d->connected));
	put(&b, "Trusted", g_variant_new_boolean(d->trusted));
	put(&b, "Adapter", g_variant_new_object_path(ADAPTER_PATH));
	/* RSSI exists only while a discovery reports the device */
	if (d->rssi_valid)
		put(&b, "RSSI", g_variant_new_int16(d->rssi));
	put(&b, "ServicesResolved", g_variant_new_boolean(d->resolved));
	return g_variant_builder_end(&b);
}

static GVariant *chrc_props(struct chrc *c)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	put(&b, "UUID", g_variant_new_string(c->def->uuid));
	put(&b, "Service",
	    g_variant_new_object_path(c->dev->svcs[c->def->svc].path));
	put(&b, "Value",
	    g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, c->value->data,
				      c->value->len, 1));
	put(&b, "Notifying", g_variant_new_boolean(c->notifying));
	put(&b, "Flags", g_variant_new_strv(c->def->flags, -1));
	return g_variant_builder_end(&b);
}

static GVariant *props_for(const char *iface, gpointer data)
{
	struct device *d = data;
	struct svc *s = data;
	GVariantBuilder b;

	if (!strcmp(iface, ADAPTER_IFACE))
		return adapter_props();
	if (!strcmp(iface, DEVICE_IFACE))
		return device_props(data);
	if (!strcmp(iface, CHRC_IFACE))
		return chrc_props(data);
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	if (!strcmp(iface, BATTERY_IFACE)) {
		put(&b, "Percentage", g_variant_new_byte(d->battery));
	} else if (!strcmp(iface, SERVICE_IFACE)) {
		put(&b, "UUID", g_variant_new_string(svc_defs[s->idx].uuid));
		put(&b, "Primary", g_variant_new_boolean(true));
		put(&b, "Device", g_variant_new_object_path(s->dev->path));
	}
	return g_variant_builder_end(&b);
}

/* --- the exported objects */

static const GDBusInterfaceVTable vtable;

static struct obj *find_obj(const char *path, const char *iface)
{
	guint i;

	for (i = 0; F.objs && i < F.objs->len; i++) {
		struct obj *o = F.objs->pdata[i];

		if (!strcmp(o->path, path) && !strcmp(o->iface, iface))
			return o;
	}
	return NULL;
}

static void obj_free(gpointer data)
{
	struct obj *o = data;

	g_free(o->path);
	g_free(o);
}

/* Registers one interface and announces it with InterfacesAdded. */
static void export(const char *path, const char *iface, gpointer data)
{
	g_autoptr(GError) error = NULL;
	struct obj *o = g_new0(struct obj, 1);
	GVariantBuilder b;

	o->path = g_strdup(path);
	o->iface = iface;
	o->data = data;
	o->id = g_dbus_connection_register_object(
		F.conn, path, g_dbus_node_info_lookup_interface(F.node, iface),
		&vtable, data, NULL, &error);
	if (!o->id)
		g_error("register %s %s: %s", path, iface, error->message);
	g_ptr_array_add(F.objs, o);
	if (!strcmp(iface, OM_IFACE))
		return;
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sa{sv}}"));
	g_variant_builder_add(&b, "{s@a{sv}}", iface, props_for(iface, data));
	g_dbus_connection_emit_signal(
		F.conn, NULL, "/", OM_IFACE, "InterfacesAdded",
		g_variant_new("(oa{sa{sv}})", path, &b), NULL);
}

/*
 * Removes @iface (every interface when NULL) of @path and of the objects
 * below it, children first, each with InterfacesRemoved.
 */
static void unexport(const char *path, const char *iface)
{
	size_t n = strlen(path);
	guint i;

	for (i = F.objs ? F.objs->len : 0; i-- > 0;) {
		struct obj *o = F.objs->pdata[i];
		const char *ifaces[] = {o->iface, NULL};

		if (strncmp(o->path, path, n) ||
		    (o->path[n] && o->path[n] != '/') ||
		    (iface && strcmp(o->iface, iface)))
			continue;
		g_dbus_connection_unregister_object(F.conn, o->id);
		g_dbus_connection_emit_signal(
			F.conn, NULL, "/", OM_IFACE, "InterfacesRemoved",
			g_variant_new("(o^as)", o->path, ifaces), NULL);
		g_ptr_array_remove_index(F.objs, i);
	}
}

static GVariant *managed_objects(void)
{
	GVariantBuilder b, ifs;
	guint i, j;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{oa{sa{sv}}}"));
	for (i = 0; i < F.objs->len; i++) {
		struct obj *o = F.objs->pdata[i], *p;

		for (j = 0; j < i; j++)
			if (!strcmp(((struct obj *)F.objs->pdata[j])->path,
				    o->path))
				break;
		if (j < i || !strcmp(o->iface, OM_IFACE))
			continue; /* path done already, or the manager */
		g_variant_builder_init(&ifs, G_VARIANT_TYPE("a{sa{sv}}"));
		for (j = i; j < F.objs->len; j++) {
			p = F.objs->pdata[j];
			if (!strcmp(p->path, o->path))
				g_variant_builder_add(
					&ifs, "{s@a{sv}}", p->iface,
					props_for(p->iface, p->data));
		}
		g_variant_builder_add(&b, "{oa{sa{sv}}}", o->path, &ifs);
	}
	return g_variant_new("(@a{oa{sa{sv}}})", g_variant_builder_end(&b));
}

/* PropertiesChanged of one property, "invalidated" when it has gone. */
static void changed(const char *path, const char *iface, const char *prop)
{
	struct obj *o = find_obj(path, iface);
	g_autoptr(GVariant) all = NULL;
	g_autoptr(GVariant) v = NULL;
	GVariantBuilder ch, inv;

	if (!o)
		return; /* not exported: nobody to tell */
	all = g_variant_ref_sink(props_for(iface, o->data));
	v = g_variant_lookup_value(all, prop, NULL);
	g_variant_builder_init(&ch, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_init(&inv, G_VARIANT_TYPE_STRING_ARRAY);
	if (v)
		g_variant_builder_add(&ch, "{sv}", prop, v);
	else
		g_variant_builder_add(&inv, "s", prop);
	g_dbus_connection_emit_signal(
		F.conn, NULL, path, PROPS_IFACE, "PropertiesChanged",
		g_variant_new("(sa{sv}as)", iface, &ch, &inv), NULL);
}

static bool dev_exported(struct device *d)
{
	return find_obj(d->path, DEVICE_IFACE);
}

static void dev_changed(struct device *d, const char *prop)
{
	changed(d->path, DEVICE_IFACE, prop);
}

/* --- GATT values and notify sessions */

static void set_value(struct chrc *c, const uint8_t *buf, size_t len)
{
	g_byte_array_set_size(c->value, 0);
	g_byte_array_append(c->value, buf, (guint)len);
}

/*
 * Notifying turns true when a session is armed on a live link and false
 * only when the last session ends (gatt-client.c update_notifying()): a
 * disconnect leaves it true.
 */
static void update_notifying(struct chrc *c)
{
	bool want = g_hash_table_size(c->sessions) > 0 &&
		    (c->notifying || c->dev->connected);

	if (want != c->notifying) {
		c->notifying = want;
		changed(c->path, CHRC_IFACE, "Notifying");
	}
}

/* A notification: BlueZ turns each into a PropertiesChanged of Value. */
static bool notify(struct chrc *c, const uint8_t *buf, size_t len)
{
	if (!c->dev->connected || !g_hash_table_size(c->sessions))
		return false;
	set_value(c, buf, len);
	changed(c->path, CHRC_IFACE, "Value");
	return true;
}

/* What bluetoothd forgets when it stops, or the device is removed. */
static void reset_links(struct device *d)
{
	int i;

	for (i = 0; i < N_CHRC; i++) {
		g_hash_table_remove_all(d->chrcs[i].sessions);
		d->chrcs[i].notifying = false;
	}
	g_clear_handle_id(&d->connect_timer, g_source_remove);
	g_clear_handle_id(&d->resolve_timer, g_source_remove);
	g_clear_handle_id(&d->temp_timer, g_source_remove);
	g_clear_object(&d->connect_inv);
	g_clear_object(&d->pair_inv);
	d->connected = d->resolved = d->rssi_valid = false;
}

/* --- connections */

static bool reachable(struct device *d)
{
	return F.powered && d->advertising && d->in_range;
}

static void pair_done(struct device *d, const char *error, const char *msg)
{
	GDBusMethodInvocation *inv = g_steal_pointer(&d->pair_inv);

	if (!inv)
		return;
	if (error) {
		ev("pair-failed %s %s", d->addr, error);
		g_dbus_method_invocation_return_dbus_error(inv, error, msg);
		return;
	}
	d->paired = true;
	dev_changed(d, "Paired");
	dev_changed(d, "Bonded");
	dev_changed(d, "UUIDs");
	ev("paired %s", d->addr);
	g_dbus_method_invocation_return_value(inv, NULL);
}

static void connect_failed(struct device *d)
{
	GDBusMethodInvocation *inv = g_steal_pointer(&d->connect_inv);

	/* src/error.h ERR_LE_CONN_ABORT_BY_LOCAL */
	if (inv)
		g_dbus_method_invocation_return_dbus_error(
			inv, ERR "Failed", "le-connection-abort-by-local");
}

/* The link closes or is lost: what BlueZ signals, in its order. */
static void disconnected(struct device *d, const char *why)
{
	g_clear_handle_id(&d->connect_timer, g_source_remove);
	g_clear_handle_id(&d->resolve_timer, g_source_remove);
	connect_failed(d);
	pair_done(d, ERR "AuthenticationCanceled", "Authentication Canceled");
	if (!d->connected)
		return;
	d->connected = false;
	if (d->resolved) {
		d->resolved = false;
		dev_changed(d, "ServicesResolved");
	}
	dev_changed(d, "Connected");
	unexport(d->path, BATTERY_IFACE);
	ev("disconnected %s %s", d->addr, why);
}

static gboolean resolve_done(gpointer data)
{
	struct device *d = data;
	int i;

	d->resolve_timer = 0;
	d->resolved = true;
	dev_changed(d, "ServicesResolved");
	dev_changed(d, "UUIDs");
	/* profiles/battery registers Battery1 once it has read the level */
	if (d->hr || d->imu)
		export(d->path, BATTERY_IFACE, d);
	ev("resolved %s", d->addr);
	pair_done(d, NULL, NULL);
	for (i = 0; i < N_CHRC; i++)
		update_notifying(&d->chrcs[i]);
	return G_SOURCE_REMOVE;
}

/* The end of a connection attempt: up if the device can be reached. */
static gboolean connect_done(gpointer data)
{
	GDBusMethodInvocation *inv;
	struct device *d = data;
	int i;

	d->connect_timer = 0;
	if (!reachable(d)) {
		ev("connect-failed %s", d->addr);
		connect_failed(d);
		pair_done(d, ERR "Failed", "Software caused connection abort");
		return G_SOURCE_REMOVE;
	}
	d->connected = true;
	/* GATT objects come (from the cache) before ServicesResolved */
	if ((d->hr || d->imu) &&
	    !find_obj(d->svcs[SVC_BAS].path, SERVICE_IFACE)) {
		for (i = 0; i < N_SVC; i++)
			if (svc_present(d, i))
				export(d->svcs[i].path, SERVICE_IFACE,
				       &d->svcs[i]);
		for (i = 0; i < N_CHRC; i++)
			if (svc_present(d, chrc_defs[i].svc))
				export(d->chrcs[i].path, CHRC_IFACE,
				       &d->chrcs[i]);
	}
	dev_changed(d, "Connected");
	ev("connect %s", d->addr);
	inv = g_steal_pointer(&d->connect_inv);
	if (inv)
		g_dbus_method_invocation_return_value(inv, NULL);
	/* sessions from before a drop are re-armed (register_notify()) */
	for (i = 0; i < N_CHRC; i++)
		update_notifying(&d->chrcs[i]);
	d->resolve_timer = g_timeout_add(F.delay_ms, resolve_done, d);
	return G_SOURCE_REMOVE;
}

static void start_connect(struct device *d)
{
	/* btd_device_set_temporary(dev, false): now it is stored */
	d->temporary = false;
	g_clear_handle_id(&d->temp_timer, g_source_remove);
	if (!d->connected && !d->connect_timer)
		d->connect_timer = g_timeout_add(F.delay_ms, connect_done, d);
}

/* --- discovery */

/* "180d", "0000180d" or a 128-bit UUID, as a lowercase 128-bit one. */
static bool uuid_normalize(const char *in, char out[37])
{
	size_t n = strlen(in), i;

	if (n == 4 || n == 8) {
		memcpy(out, "00000000-0000-1000-8000-00805f9b34fb", 37);
		memcpy(out + 8 - n, in, n);
	} else if (n == 36) {
		memcpy(out, in, 37);
	} else {
		return false;
	}
	for (i = 0; i < 36; i++) {
		out[i] = g_ascii_tolower(out[i]);
		if (!(i == 8 || i == 13 || i == 18 || i == 23
			      ? out[i] == '-'
			      : g_ascii_isxdigit(out[i])))
			return false;
	}
	return true;
}

/* As parse_discovery_filter_dict(): known keys of the right types. */
static bool filter_valid(GVariant *filter)
{
	static const char *const keys[] = {"UUIDs as",	      "RSSI n",
					   "Pathloss q",      "Transport s",
					   "DuplicateData b", "Discoverable b",
					   "Pattern s"};
	g_autoptr(GVariant) v = NULL;
	GVariantIter it, u;
	const char *key, *s;
	char uuid[37];
	size_t i, n;

	g_variant_iter_init(&it, filter);
	while (g_variant_iter_next(&it, "{&sv}", &key, &v)) {
		n = strlen(key);
		for (i = 0; i < G_N_ELEMENTS(keys); i++)
			if (!strncmp(keys[i], key, n) && keys[i][n] == ' ')
				break;
		if (i == G_N_ELEMENTS(keys) ||
		    strcmp(g_variant_get_type_string(v), keys[i] + n + 1))
			return false;
		if (!strcmp(key, "UUIDs")) {
			g_variant_iter_init(&u, v);
			while (g_variant_iter_next(&u, "&s", &s))
				if (!uuid_normalize(s, uuid))
					return false;
		}
		if (!strcmp(key, "Transport") &&
		    !g_strv_contains(
			    (const char *[]){"auto", "le", "bredr", NULL},
			    g_variant_get_string(v, NULL)))
			return false;
		g_clear_pointer(&v, g_variant_unref);
	}
	/* RSSI and Pathloss together are refused */
	return !(g_variant_lookup(filter, "RSSI", "n", NULL) &&
		 g_variant_lookup(filter, "Pathloss", "q", NULL));
}

/* Whether one client's filter lets @d through. */
static bool filter_match(GVariant *filter, struct device *d)
{
	g_autofree const char **uuids = NULL;
	const char *transport;
	char uuid[37];
	gint16 rssi;
	size_t i;

	if (!filter)
		return true;
	if (g_variant_lookup(filter, "Transport", "&s", &transport) &&
	    !strcmp(transport, "bredr"))
		return false; /* fake devices are LE only */
	if (g_variant_lookup(filter, "RSSI", "n", &rssi) && d->rssi < rssi)
		return false;
	if (!g_variant_lookup(filter, "UUIDs", "^a&s", &uuids) || !uuids[0])
		return true; /* empty UUIDs match any */
	for (i = 0; uuids[i]; i++) {
		if (!uuid_normalize(uuids[i], uuid))
			continue;
		if ((d->hr && !strcmp(uuid, svc_defs[SVC_HRS].uuid)) ||
		    (d->imu && !strcmp(uuid, svc_defs[SVC_IMU].uuid)))
			return true;
	}
	return false;
}

/*
 * Filters of all discovering clients are merged (adapter-api.txt): what
 * one client's filter lets through, every client is told about.
 */
static bool discovered_by_any(struct device *d)
{
	GHashTableIter it;
	struct client *c;

	g_hash_table_iter_init(&it, F.clients);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&c))
		if (c->discovering && filter_match(c->filter, d))
			return true;
	return false;
}

static void forget_device(struct device *d);

static gboolean temp_expired(gpointer data)
{
	struct device *d = data;

	d->temp_timer = 0;
	if (d->temporary && !d->connected)
		forget_device(d);
	return G_SOURCE_REMOVE;
}

/* Brings bluetoothd's view in line with discovery and the world. */
static void scan_update(void)
{
	bool disc = false;
	GHashTableIter it;
	struct client *c;
	struct device *d;
	GList *l;

	if (!F.up)
		return;
	g_hash_table_iter_init(&it, F.clients);
	while (F.powered && g_hash_table_iter_next(&it, NULL, (gpointer *)&c))
		disc = disc || c->discovering;
	if (disc != F.discovering) {
		F.discovering = disc;
		changed(ADAPTER_PATH, ADAPTER_IFACE, "Discovering");
		ev("discovering %d", disc);
	}
	for (l = F.devices; l; l = l->next) {
		d = l->data;
		if (disc && reachable(d) && discovered_by_any(d)) {
			g_clear_handle_id(&d->temp_timer, g_source_remove);
			if (!dev_exported(d)) {
				d->temporary = d->rssi_valid = true;
				export(d->path, DEVICE_IFACE, d);
				ev("found %s", d->addr);
			} else if (!d->rssi_valid) {
				d->rssi_valid = true;
				dev_changed(d, "RSSI");
			}
			continue;
		}
		/* discovery over: RSSI invalidated (discovery_cleanup()) */
		if (!disc && d->rssi_valid) {
			d->rssi_valid = false;
			dev_changed(d, "RSSI");
		}
		/* no longer seen: the TemporaryTimeout runs */
		if (dev_exported(d) && d->temporary && !d->connected &&
		    !d->temp_timer)
			d->temp_timer = g_timeout_add_seconds(
				F.temporary_timeout_s, temp_expired, d);
	}
}

/* --- clients */

static void client_free(gpointer data)
{
	struct client *c = data;

	g_bus_unwatch_name(c->watch);
	g_clear_pointer(&c->filter, g_variant_unref);
	g_free(c->agent_path);
	g_free(c->name);
	g_free(c);
}

/* A client left the bus: its sessions, filter and agent go with it. */
static void client_vanished(GDBusConnection *conn, const char *name,
			    gpointer data)
{
	GList *l;
	int i;

	for (l = F.devices; l; l = l->next) {
		struct device *d = l->data;

		for (i = 0; i < N_CHRC; i++)
			if (g_hash_table_remove(d->chrcs[i].sessions, name))
				update_notifying(&d->chrcs[i]);
	}
	ev("client-gone %s", name);
	g_hash_table_remove(F.clients, name);
	scan_update();
}

static struct client *client_get(const char *name, bool create)
{
	struct client *c = g_hash_table_lookup(F.clients, name);

	if (c || !create)
		return c;
	c = g_new0(struct client, 1);
	c->name = g_strdup(name);
	g_hash_table_insert(F.clients, c->name, c);
	c->watch = g_bus_watch_name_on_connection(
		F.conn, name, G_BUS_NAME_WATCHER_FLAGS_NONE, NULL,
		client_vanished, NULL, NULL);
	return c;
}

/* --- methods */

#define RETURN_ERROR(inv, name, msg)                                      \
	do {                                                              \
		g_dbus_method_invocation_return_dbus_error(inv, ERR name, \
							   msg);          \
		return;                                                   \
	} while (0)

static void agent_manager_call(const char *method, const char *sender,
			       GVariant *params, GDBusMethodInvocation *inv)
{
	static const char *const caps[] = {"",
					   "DisplayOnly",
					   "DisplayYesNo",
					   "KeyboardOnly",
					   "NoInputNoOutput",
					   "KeyboardDisplay",
					   NULL};
	struct client *c = client_get(sender, false);
	const char *path, *cap;

	if (!strcmp(method, "RegisterAgent")) {
		g_variant_get(params, "(&o&s)", &path, &cap);
		if (c && c->agent_path)
			RETURN_ERROR(inv, "AlreadyExists", "Already Exists");
		if (!g_strv_contains(caps, cap))
			RETURN_ERROR(inv, "InvalidArguments",
				     "Invalid arguments in method call");
		client_get(sender, true)->agent_path = g_strdup(path);
		ev("agent registered %s %s", path, *cap ? cap : "-");
		g_dbus_method_invocation_return_value(inv, NULL);
		return;
	}
	g_variant_get(params, "(&o)", &path);
	if (!c || !c->agent_path || strcmp(path, c->agent_path))
		RETURN_ERROR(inv, "DoesNotExist", "Does Not Exist");
	if (!strcmp(method, "UnregisterAgent")) {
		g_clear_pointer(&c->agent_path, g_free);
		ev("agent unregistered %s", path);
	} else { /* RequestDefaultAgent: no pairing here asks an agent */
		ev("agent default %s", path);
	}
	g_dbus_method_invocation_return_value(inv, NULL);
}

/* RemoveDevice, or a temporary device timing out: gone, bond and all. */
static void forget_device(struct device *d)
{
	disconnected(d, "removed");
	reset_links(d);
	unexport(d->path, NULL);
	d->paired = d->trusted = false;
	d->temporary = true;
	ev("removed %s", d->addr);
}

static void adapter_call(const char *method, const char *sender,
			 GVariant *params, GDBusMethodInvocation *inv)
{
	struct client *c = client_get(sender, false);
	g_autoptr(GVariant) filter = NULL;
	g_autofree char *text = NULL;
	struct obj *o;
	const char *path;

	if (!strcmp(method, "RemoveDevice")) {
		g_variant_get(params, "(&o)", &path);
		if (!(o = find_obj(path, DEVICE_IFACE)))
			RETURN_ERROR(inv, "DoesNotExist", "Does Not Exist");
		if (!F.powered)
			RETURN_ERROR(inv, "NotReady", "Resource Not Ready");
		forget_device(o->data);
		g_dbus_method_invocation_return_value(inv, NULL);
		scan_update(); /* still advertising: found again */
		return;
	}
	if (!F.powered)
		RETURN_ERROR(inv, "NotReady", "Resource Not Ready");
	if (!strcmp(method, "SetDiscoveryFilter")) {
		g_variant_get(params, "(@a{sv})", &filter);
		if (!filter_valid(filter))
			RETURN_ERROR(inv, "InvalidArguments",
				     "Invalid arguments in method call");
		c = client_get(sender, true);
		g_clear_pointer(&c->filter, g_variant_unref);
		/* an empty dict removes the filter */
		if (g_variant_n_children(filter))
			c->filter = g_variant_ref(filter);
		text = c->filter ? g_variant_print(c->filter, false) : NULL;
		ev("filter %s", text ? text : "none");
	} else if (!strcmp(method, "StartDiscovery")) {
		c = client_get(sender, true);
		if (c->discovering) /* one session per client */
			RETURN_ERROR(inv, "InProgress",
				     "Operation already in progress");
		c->discovering = true;
	} else { /* StopDiscovery */
		if (!c || !c->discovering)
			RETURN_ERROR(inv, "Failed", "No discovery started");
		c->discovering = false;
	}
	g_dbus_method_invocation_return_value(inv, NULL);
	scan_update();
}

static void device_call(struct device *d, const char *method,
			GDBusMethodInvocation *inv)
{
	if (!F.powered && strcmp(method, "CancelPairing"))
		RETURN_ERROR(inv, "NotReady", "Resource Not Ready");
	if (!strcmp(method, "Connect")) {
		if (d->connected) { /* LE link already up: done */
			g_dbus_method_invocation_return_value(inv, NULL);
			return;
		}
		if (d->connect_inv || d->connect_timer)
			RETURN_ERROR(inv, "Failed",
				     "Operation already in progress");
		/* GDBus's reference to @inv is given back when replying */
		d->connect_inv = inv;
		start_connect(d);
		ev("connecting %s", d->addr);
	} else if (!strcmp(method, "Disconnect")) {
		if (!d->connected && !d->connect_timer)
			RETURN_ERROR(inv, "NotConnected", "Not Connected");
		disconnected(d, "local");
		g_dbus_method_invocation_return_value(inv, NULL);
	} else if (!strcmp(method, "Pair")) {
		if (d->pair_inv)
			RETURN_ERROR(inv, "InProgress", "In Progress");
		if (d->paired)
			RETURN_ERROR(inv, "AlreadyExists", "Already Exists");
		d->pair_inv = inv;
		ev("pairing %s", d->addr);
		/* LE: connect first; bonded once services are resolved */
		if (d->resolved)
			pair_done(d, NULL, NULL);
		else
			start_connect(d);
	} else { /* CancelPairing */
		if (!d->pair_inv)
			RETURN_ERROR(inv, "DoesNotExist", "Does Not Exist");
		pair_done(d, ERR "AuthenticationCanceled",
			  "Authentication Canceled");
		g_dbus_method_invocation_return_value(inv, NULL);
	}
}

static void chrc_call(struct chrc *c, const char *method, const char *sender,
		      GVariant *params, GDBusMethodInvocation *inv)
{
	const char *u = short_uuid(c->def->uuid);
	g_autoptr(GVariant) value = NULL;
	struct device *d = c->dev;
	const uint8_t *bytes;
	gsize n;

	if (!strcmp(method, "StartNotify")) {
		if (!g_strv_contains(c->def->flags, "notify"))
			RETURN_ERROR(inv, "NotSupported",
				     "Operation is not supported");
		/* one session per client; while the link is down it waits */
		if (g_hash_table_contains(c->sessions, sender)) {
			if (!d->connected)
				RETURN_ERROR(inv, "InProgress", "In Progress");
		} else {
			client_get(sender, true);
			g_hash_table_add(c->sessions, g_strdup(sender));
			update_notifying(c);
			ev("start-notify %s %s", d->addr, u);
		}
	} else if (!strcmp(method, "StopNotify")) {
		if (!g_hash_table_remove(c->sessions, sender))
			RETURN_ERROR(inv, "Failed",
				     "No notify session started");
		update_notifying(c);
		ev("stop-notify %s %s", d->addr, u);
	} else if (!d->connected) {
		RETURN_ERROR(inv, "Failed", "Not connected");
	} else if (!strcmp(method, "ReadValue")) {
		if (!g_strv_contains(c->def->flags, "read"))
			RETURN_ERROR(inv, "NotPermitted", "Read not permitted");
		if (c == &d->chrcs[CHRC_BSL])
			set_value(c, &d->location, 1);
		if (c == &d->chrcs[CHRC_BATT])
			set_value(c, &d->battery, 1);
		changed(c->path, CHRC_IFACE, "Value");
		ev("read %s %s", d->addr, u);
		value = g_variant_new_fixed_array(
			G_VARIANT_TYPE_BYTE, c->value->data, c->value->len, 1);
		g_dbus_method_invocation_return_value(
			inv, g_variant_new("(@ay)", g_steal_pointer(&value)));
		return;
	} else { /* WriteValue */
		if (!g_strv_contains(c->def->flags, "write"))
			RETURN_ERROR(inv, "NotPermitted",
				     "Write not permitted");
		value = g_variant_get_child_value(params, 0);
		bytes = g_variant_get_fixed_array(value, &n, 1);
		ev("write %s %s %zu", d->addr, u, n);
		/* HRS 1.0 §3.3.1: 0x01 resets Energy Expended; else 0x80 */
		if (n != 1 || bytes[0] != 0x01)
			RETURN_ERROR(inv, "Failed",
				     "Operation failed with ATT error: 0x80");
	}
	g_dbus_method_invocation_return_value(inv, NULL);
}

static void method_call(GDBusConnection *conn, const char *sender,
			const char *path, const char *iface, const char *method,
			GVariant *params, GDBusMethodInvocation *inv,
			gpointer data)
{
	if (!strcmp(iface, OM_IFACE))
		g_dbus_method_invocation_return_value(inv, managed_objects());
	else if (!strcmp(iface, AGENT_MGR_IFACE))
		agent_manager_call(method, sender, params, inv);
	else if (!strcmp(iface, ADAPTER_IFACE))
		adapter_call(method, sender, params, inv);
	else if (!strcmp(iface, DEVICE_IFACE))
		device_call(data, method, inv);
	else if (!strcmp(iface, CHRC_IFACE))
		chrc_call(data, method, sender, params, inv);
}

static GVariant *get_property(GDBusConnection *conn, const char *sender,
			      const char *path, const char *iface,
			      const char *prop, GError **error, gpointer data)
{
	g_autoptr(GVariant) all = g_variant_ref_sink(props_for(iface, data));
	GVariant *v = g_variant_lookup_value(all, prop, NULL);

	if (!v) /* an optional property that is not there now */
		g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
			    "No such property '%s'", prop);
	return v;
}

static void set_powered(bool on);

/* GDBus refuses writes to read-only properties before we get here. */
static gboolean set_property(GDBusConnection *conn, const char *sender,
			     const char *path, const char *iface,
			     const char *prop, GVariant *value, GError **error,
			     gpointer data)
{
	struct device *d = data;

	if (!strcmp(prop, "Powered")) {
		set_powered(g_variant_get_boolean(value));
	} else { /* Trusted */
		d->trusted = g_variant_get_boolean(value);
		d->temporary = d->temporary && !d->trusted;
		dev_changed(d, "Trusted");
		ev("trusted %s %d", d->addr, d->trusted);
	}
	return TRUE;
}

static const GDBusInterfaceVTable vtable = {
	method_call, get_property, set_property, {0}};

/* --- bluetoothd's lifetime and the adapter's power */

static void set_powered(bool on)
{
	GHashTableIter it;
	struct client *c;
	GList *l;

	if (on == F.powered)
		return;
	F.powered = on;
	changed(ADAPTER_PATH, ADAPTER_IFACE, "Powered");
	ev("power %d", on);
	if (on || !F.up)
		return;
	/* adapter_stop(): every client's discovery and filter are gone,
	 * links drop, temporary devices are removed */
	g_hash_table_iter_init(&it, F.clients);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&c)) {
		c->discovering = false;
		g_clear_pointer(&c->filter, g_variant_unref);
	}
	scan_update();
	for (l = F.devices; l; l = l->next) {
		struct device *d = l->data;

		disconnected(d, "power-off");
		if (dev_exported(d) && d->temporary)
			forget_device(d);
	}
}

static void name_acquired(GDBusConnection *conn, const char *name,
			  gpointer data)
{
	GList *l;

	/* as bluetoothd: the name first, then the objects appear */
	F.up = true;
	export("/org/bluez", AGENT_MGR_IFACE, NULL);
	export(ADAPTER_PATH, ADAPTER_IFACE, NULL);
	/* stored (non-temporary) devices are loaded at start-up */
	for (l = F.devices; l; l = l->next)
		if (!((struct device *)l->data)->temporary)
			export(((struct device *)l->data)->path, DEVICE_IFACE,
			       l->data);
	ev("ready");
}

static void start(void)
{
	g_autoptr(GError) error = NULL;

	/* a new connection, so a new unique name, as a new process has */
	F.conn = g_dbus_connection_new_for_address_sync(
		F.bus_addr,
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL, NULL, &error);
	if (!F.conn)
		g_error("connect to %s: %s", F.bus_addr, error->message);
	F.objs = g_ptr_array_new_with_free_func(obj_free);
	F.clients = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					  client_free);
	F.powered = true; /* AutoEnable=true, as Debian ships it */
	export("/", OM_IFACE, NULL);
	F.own_id = g_bus_own_name_on_connection(
		F.conn, "org.bluez", G_BUS_NAME_OWNER_FLAGS_NONE, name_acquired,
		NULL, NULL, NULL);
}

/*
 * bluetoothd goes away: its name and every object vanish at once, with
 * no InterfacesRemoved (as when it is killed); links drop. What it
 * stores (paired, trusted, non-temporary devices) is there after start.
 */
static void stop(void)
{
	GList *l;
	guint i;

	if (!F.conn)
		return;
	for (l = F.devices; l; l = l->next) {
		struct device *d = l->data;

		reset_links(d);
		if (d->temporary)
			d->paired = d->trusted = false;
	}
	for (i = 0; i < F.objs->len; i++)
		g_dbus_connection_unregister_object(
			F.conn, ((struct obj *)F.objs->pdata[i])->id);
	g_clear_pointer(&F.objs, g_ptr_array_unref);
	g_bus_unown_name(F.own_id);
	g_clear_pointer(&F.clients, g_hash_table_unref);
	g_dbus_connection_close_sync(F.conn, NULL, NULL);
	g_clear_object(&F.conn);
	F.up = F.discovering = false;
	ev("stopped");
}

static gboolean restart_cb(gpointer data)
{
	start();
	return G_SOURCE_REMOVE;
}

/* --- the world, driven from stdin */

static struct device *device_new(const char *addr, const char *name, bool hr)
{
	struct device *d = g_new0(struct device, 1);
	int i;

	d->addr = g_ascii_strup(addr, -1);
	d->name = g_strdup(name);
	d->hr = hr;
	d->path = g_strdelimit(g_strdup_printf(ADAPTER_PATH "/dev_%s", d->addr),
			       ":", '_');
	d->advertising = d->in_range = d->temporary = true;
	d->rssi = -60;
	d->battery = 100;
	d->location = 1; /* chest */
	for (i = 0; i < N_SVC; i++) {
		d->svcs[i].dev = d;
		d->svcs[i].idx = i;
		d->svcs[i].path = g_strdup_printf("%s/service%04x", d->path,
						  svc_defs[i].handle);
	}
	for (i = 0; i < N_CHRC; i++) {
		struct chrc *c = &d->chrcs[i];

		c->dev = d;
		c->def = &chrc_defs[i];
		c->path = g_strdup_printf("%s/char%04x",
					  d->svcs[c->def->svc].path,
					  c->def->handle);
		c->value = g_byte_array_new();
		c->sessions = g_hash_table_new_full(g_str_hash, g_str_equal,
						    g_free, NULL);
	}
	return d;
}

static void device_free(gpointer data)
{
	struct device *d = data;
	int i;

	g_clear_handle_id(&d->stream_timer, g_source_remove);
	g_clear_handle_id(&d->imu_timer, g_source_remove);
	for (i = 0; i < N_SVC; i++)
		g_free(d->svcs[i].path);
	for (i = 0; i < N_CHRC; i++) {
		g_free(d->chrcs[i].path);
		g_byte_array_unref(d->chrcs[i].value);
		g_hash_table_unref(d->chrcs[i].sessions);
	}
	g_free(d->addr);
	g_free(d->name);
	g_free(d->path);
	g_free(d);
}

static struct device *find_device(const char *addr)
{
	GList *l;

	for (l = F.devices; l; l = l->next)
		if (!g_ascii_strcasecmp(((struct device *)l->data)->addr, addr))
			return l->data;
	return NULL;
}

/* "16 4a 12 03", "164a1203" or "16:4a:12:03" as bytes; NULL if bad. */
static GByteArray *hex_bytes(char **words)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	g_autofree char *all = g_strjoinv("", words);
	uint8_t byte;
	char *p;
	int hi, lo;

	for (p = all; *p; p += 2) {
		while (*p == ':' || *p == '-')
			p++;
		if (!*p)
			break;
		hi = g_ascii_xdigit_value(p[0]);
		lo = g_ascii_xdigit_value(p[1]);
		if (hi < 0 || lo < 0)
			return NULL;
		byte = (uint8_t)(hi << 4 | lo);
		g_byte_array_append(b, &byte, 1);
	}
	return g_steal_pointer(&b);
}

/*
 * A body that follows the workout: heart rate climbs towards a target in
 * work and falls in rest, about a quarter of the way each second (a
 * trained runner's heart settles within 10-20 s), with a beat of noise.
 */
static uint16_t target_for(const char *phase)
{
	static const struct {
		const char *phase;
		uint16_t bpm;
	} t[] = {
		{"work", 158}, {"reps", 146},	{"hold", 138}, {"switch", 132},
		{"rest", 124}, {"warmup", 108}, {"prep", 96},
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(t); i++)
		if (!strcmp(phase, t[i].phase))
			return t[i].bpm;
	return 74; /* idle */
}

static void on_hub_props(GDBusConnection *c, const char *sender,
			 const char *path, const char *iface,
			 const char *signal, GVariant *params, gpointer data)
{
	g_autoptr(GVariant) changed = NULL;
	const char *phase;
	GList *l;

	changed = g_variant_get_child_value(params, 1);
	if (!g_variant_lookup(changed, "Phase", "&s", &phase))
		return;
	for (l = F.devices; l; l = l->next) {
		struct device *d = l->data;

		if (d->follow)
			d->target_bpm = target_for(phase);
	}
}

static bool follow_hub(void)
{
	g_autoptr(GError) error = NULL;

	if (F.hub_conn)
		return true;
	F.hub_conn = g_dbus_connection_new_for_address_sync(
		F.bus_addr,
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL, NULL, &error);
	if (!F.hub_conn)
		return false;
	F.hub_sub = g_dbus_connection_signal_subscribe(
		F.hub_conn, NULL, PROPS_IFACE, "PropertiesChanged",
		"/org/gymhub/Hub1", "org.gymhub.Hub1", G_DBUS_SIGNAL_FLAGS_NONE,
		on_hub_props, NULL, NULL);
	return true;
}

/* A Polar-style packet (flags 0x10, uint8 bpm, one RR) each period. */
static gboolean stream_tick(gpointer data)
{
	struct device *d = data;
	uint8_t pkt[4];
	uint16_t rr;

	if (d->follow) {
		d->follow_bpm += (d->target_bpm - d->follow_bpm) * 0.25 +
				 g_random_double_range(-1.0, 1.0);
		d->stream_bpm = (uint16_t)CLAMP(d->follow_bpm + 0.5, 40, 220);
	}
	rr = (uint16_t)((60 * 1024 + d->stream_bpm / 2) / d->stream_bpm);
	pkt[0] = 0x10;
	pkt[1] = (uint8_t)MIN(d->stream_bpm, 255);
	pkt[2] = (uint8_t)(rr & 0xff);
	pkt[3] = (uint8_t)(rr >> 8);
	notify(&d->chrcs[CHRC_HRM], pkt, sizeof(pkt));
	return G_SOURCE_CONTINUE;
}

/*
 * 5 samples at 50 Hz every 100 ms: a still second, then the reps asked
 * for (a smooth out-and-back movement along a tilted axis, 0.35 g peak,
 * gravity on z), then stillness, as a sensor on a thigh doing squats.
 */
static gboolean imu_tick(gpointer data)
{
	struct device *d = data;
	uint8_t pkt[10 + 5 * 6];
	uint32_t t0 = (uint32_t)(d->imu_clock * 20000);
	int i;

	pkt[0] = 1;
	pkt[1] = 5;
	pkt[2] = (uint8_t)d->imu_seq;
	pkt[3] = (uint8_t)(d->imu_seq >> 8);
	d->imu_seq++;
	pkt[4] = (uint8_t)t0;
	pkt[5] = (uint8_t)(t0 >> 8);
	pkt[6] = (uint8_t)(t0 >> 16);
	pkt[7] = (uint8_t)(t0 >> 24);
	pkt[8] = 20000 & 0xff;
	pkt[9] = 20000 >> 8;
	d->imu_clock += 5;
	for (i = 0; i < 5; i++, d->imu_i++) {
		double t = d->imu_i / 50.0 - 1.0, a = 0;
		int16_t v[3];
		int k;

		double tilt = d->imu_tilt * G_PI / 180;

		if (t >= 0 && t < d->imu_reps * d->imu_period_s)
			a = 0.35 * sin(2 * G_PI * t / d->imu_period_s);
		/* gravity in the posture held, a few mg of tremor */
		v[0] = (int16_t)(600 * a + g_random_int_range(-4, 5));
		v[1] = (int16_t)(300 * a + 1000 * sin(tilt));
		v[2] = (int16_t)(1000 * cos(tilt) + 740 * a);
		for (k = 0; k < 3; k++) {
			pkt[10 + i * 6 + k * 2] = (uint8_t)(v[k] & 0xff);
			pkt[11 + i * 6 + k * 2] =
				(uint8_t)((uint16_t)v[k] >> 8);
		}
	}
	notify(&d->chrcs[CHRC_IMU], pkt, sizeof(pkt));
	return G_SOURCE_CONTINUE;
}

static void usage(void)
{
	fputs("usage: fake-bluez --bus ADDRESS [--address ADDR] "
	      "[--delay-ms 50] [--temporary-timeout 30]\n"
	      "commands on stdin: see the top of tests/fake-bluez.c\n",
	      stderr);
}

/* Runs one command; NULL when done, else why not. */
static const char *command(char **a, int n)
{
	struct device *d = n > 1 ? find_device(a[1]) : NULL;
	g_autoptr(GByteArray) bytes = NULL;
	int i;

	if (!strcmp(a[0], "quit")) {
		g_main_loop_quit(F.loop);
	} else if (!strcmp(a[0], "power") && n == 2) {
		set_powered(!strcmp(a[1], "on"));
	} else if (!strcmp(a[0], "restart")) {
		stop();
		g_timeout_add(n > 1 ? (guint)atoi(a[1]) : 200, restart_cb,
			      NULL);
	} else if (!strcmp(a[0], "add") && n >= 4) {
		if (d || strlen(a[1]) != 17)
			return "bad or known address";
		d = device_new(a[1], a[2], !strcmp(a[3], "hr"));
		d->imu = !strcmp(a[3], "imu");
		for (i = 4; i < n; i++) {
			if (!strcmp(a[i], "paired")) {
				/* bonded before this bluetoothd started */
				d->paired = d->trusted = true;
				d->temporary = false;
			}
			if (!strcmp(a[i], "random"))
				d->random_addr = true;
			if (!strcmp(a[i], "hidden"))
				d->advertising = false;
			if (g_str_has_prefix(a[i], "rssi="))
				d->rssi = (int16_t)atoi(a[i] + 5);
			if (g_str_has_prefix(a[i], "battery="))
				d->battery = (uint8_t)atoi(a[i] + 8);
			if (g_str_has_prefix(a[i], "location="))
				d->location = (uint8_t)atoi(a[i] + 9);
		}
		F.devices = g_list_append(F.devices, d);
		if (d->paired && F.up)
			export(d->path, DEVICE_IFACE, d);
		scan_update();
	} else if (!d) {
		return "unknown command or device";
	} else if (!strcmp(a[0], "advertise") && n == 3) {
		d->advertising = !strcmp(a[2], "on");
		scan_update();
	} else if (!strcmp(a[0], "drop")) {
		/* out of range: the link times out, nothing answers */
		d->in_range = false;
		disconnected(d, "timeout");
		scan_update();
	} else if (!strcmp(a[0], "return")) {
		d->in_range = true;
		scan_update();
	} else if (!strcmp(a[0], "battery") && n == 3) {
		d->battery = (uint8_t)atoi(a[2]);
		changed(d->path, BATTERY_IFACE, "Percentage");
		notify(&d->chrcs[CHRC_BATT], &d->battery, 1);
	} else if (!strcmp(a[0], "notify") && n >= 3) {
		if (!(bytes = hex_bytes(a + 2)))
			return "bad hex";
		ev("%s %s 2a37 %u",
		   notify(&d->chrcs[CHRC_HRM], bytes->data, bytes->len)
			   ? "notified"
			   : "notify-dropped",
		   d->addr, bytes->len);
	} else if (!strcmp(a[0], "follow")) {
		if (!follow_hub())
			return "cannot watch org.gymhub.Hub1";
		g_clear_handle_id(&d->stream_timer, g_source_remove);
		d->follow = true;
		d->target_bpm = target_for("");
		d->follow_bpm = d->target_bpm;
		d->stream_timer = g_timeout_add(1000, stream_tick, d);
	} else if (!strcmp(a[0], "reps") && n >= 3) {
		if (!d->imu)
			return "not a motion sensor";
		d->imu_reps = (unsigned int)atoi(a[2]);
		d->imu_period_s = n > 3 ? atoi(a[3]) / 1000.0 : 2.0;
		d->imu_i = 0;
		if (!d->imu_timer)
			d->imu_timer = g_timeout_add(100, imu_tick, d);
	} else if (!strcmp(a[0], "posture") && n == 3) {
		if (!d->imu)
			return "not a motion sensor";
		d->imu_tilt = g_ascii_strtod(a[2], NULL);
		if (!d->imu_timer)
			d->imu_timer = g_timeout_add(100, imu_tick, d);
	} else if (!strcmp(a[0], "stream") && n >= 3) {
		g_clear_handle_id(&d->stream_timer, g_source_remove);
		d->follow = false;
		d->stream_bpm = (uint16_t)atoi(a[2]);
		if (d->stream_bpm)
			d->stream_timer =
				g_timeout_add(n > 3 ? (guint)atoi(a[3]) : 1000,
					      stream_tick, d);
	} else {
		return "unknown command";
	}
	return NULL;
}

static gboolean stdin_ready(GIOChannel *ch, GIOCondition cond, gpointer data)
{
	g_autofree char *line = NULL;
	g_auto(GStrv) argv = NULL;
	const char *err;
	int argc = 0;

	if (g_io_channel_read_line(ch, &line, NULL, NULL, NULL) !=
	    G_IO_STATUS_NORMAL) {
		g_main_loop_quit(F.loop); /* EOF: the test has gone */
		return G_SOURCE_REMOVE;
	}
	g_strstrip(line);
	if (!*line || *line == '#')
		return G_SOURCE_CONTINUE;
	if (!g_shell_parse_argv(line, &argc, &argv, NULL)) {
		ev("error %s: cannot parse", line);
		return G_SOURCE_CONTINUE;
	}
	err = command(argv, argc);
	if (err)
		ev("error %s: %s", argv[0], err);
	else
		ev("ok %s", argv[0]);
	return G_SOURCE_CONTINUE;
}

static gboolean on_signal(gpointer data)
{
	g_main_loop_quit(F.loop);
	return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
	GIOChannel *in;
	int i;

	F.address = "00:1A:7D:DA:71:13";
	F.delay_ms = 50;
	F.temporary_timeout_s = 30; /* main.conf TemporaryTimeout */
	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--bus"))
			F.bus_addr = argv[i + 1];
		else if (!strcmp(argv[i], "--address"))
			F.address = argv[i + 1];
		else if (!strcmp(argv[i], "--delay-ms"))
			F.delay_ms = (unsigned int)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--temporary-timeout"))
			F.temporary_timeout_s = (unsigned int)atoi(argv[i + 1]);
		else
			break;
	}
	if (!F.bus_addr || i < argc) {
		usage();
		return 2;
	}
	F.node = g_dbus_node_info_new_for_xml(introspection_xml, NULL);
	F.loop = g_main_loop_new(NULL, FALSE);
	in = g_io_channel_unix_new(0);
	g_io_add_watch(in, G_IO_IN | G_IO_HUP | G_IO_ERR, stdin_ready, NULL);
	g_io_channel_unref(in);
	g_unix_signal_add(SIGTERM, on_signal, NULL);
	g_unix_signal_add(SIGINT, on_signal, NULL);
	start();
	g_main_loop_run(F.loop);
	stop();
	if (F.hub_conn) {
		g_dbus_connection_signal_unsubscribe(F.hub_conn, F.hub_sub);
		g_object_unref(F.hub_conn);
	}
	g_list_free_full(F.devices, device_free);
	g_dbus_node_info_unref(F.node);
	g_main_loop_unref(F.loop);
	return 0;
}
