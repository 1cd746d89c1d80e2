/* SPDX-License-Identifier: MIT */
/*
 * bluez.c - following bluetoothd and keeping the watched sensors
 * connected.
 *
 * One GDBusObjectManagerClient mirrors bluetoothd's objects (it follows
 * the org.bluez name owner, so a bluetoothd restart shows up as every
 * object removed, then added again). Everything this file does is a
 * reaction to that mirror changing, funnelled through dev_update(): the
 * same function brings a watched sensor from any state towards
 * "connected, resolved, notifying", so a start-up, a dropout, a power
 * cycle and a restart of bluetoothd all take the same path.
 *
 * Reconnecting: Device1.Connect on an LE device that is out of reach
 * makes the kernel wait for its advertisements (passive scanning on the
 * accept list) until the attempt times out; a failed attempt is retried
 * after 0.5, 1, 2, then every 4 s. So a sensor coming back is connected
 * within the pending attempt or at most 4 s after a failed one, without a
 * tight loop, and without active discovery running all week. A watched
 * sensor seen by any discovery (its RSSI changes) is tried at once.
 *
 * Notifications: StartNotify with the property handler in place before
 * the call (the object manager's proxies already listen). bluetoothd keeps
 * a client's notify session across disconnects and re-arms it when the
 * link is back; we call StartNotify on every resolve anyway and take
 * "InProgress" as "already on", which also covers a GATT cache that was
 * rebuilt. AcquireNotify is not used for heart rate: at 1 notification a
 * second per strap the PropertiesChanged path costs nothing measurable,
 * and its fd would have to be re-acquired on every reconnect.
 */
#include <string.h>

#include "bluez-agent.h"
#include "bluez.h"
#include "bt-address.h"
#include "gymhub-imu.h"
#include "sensor-name.h"

#define BLUEZ_NAME	"org.bluez"
#define ADAPTER_IFACE	"org.bluez.Adapter1"
#define DEVICE_IFACE	"org.bluez.Device1"
#define BATTERY_IFACE	"org.bluez.Battery1"
#define CHRC_IFACE	"org.bluez.GattCharacteristic1"
#define AGENT_MGR_IFACE "org.bluez.AgentManager1"
#define UUID16(x)	"0000" x "-0000-1000-8000-00805f9b34fb"
#define UUID_HRS	UUID16("180d")
/* Polar Measurement Data service (Polar BLE SDK, technical docs). */
#define UUID_PMD "fb005c80-02e7-f387-1cad-8acd2d8df0c8"

#define RETRY_FIRST_MS	   500
#define RETRY_MAX_MS	   4000
#define CONNECT_TIMEOUT_MS 30000
#define PAIR_TIMEOUT_MS	   60000
#define PAIR_LOOKUP_S	   15
#define ERR_PREFIX	   "org.bluez.Error."

/* Characteristics whose notifications a watched sensor delivers. */
static const char *const notify_uuids[] = {
	BLUEZ_UUID_HR_MEASUREMENT,
	GYMHUB_IMU_SAMPLES_UUID,
};

struct bluez_dev {
	struct bluez *b;
	char address[18];
	char *path; /* where bluetoothd keeps it: ADAPTER/dev_AA_BB_... */
	bool watched;
	bool connecting;	     /* Connect in flight */
	unsigned int n_notify_calls; /* StartNotify calls in flight */
	bool notify_failed;
	bool up; /* reported up to the caller */
	unsigned int failures;
	guint retry;
};

struct bluez {
	GDBusConnection *bus;
	char *adapter_name;
	struct bluez_ops ops;
	void *user_data;
	GCancellable *cancel;

	GDBusObjectManager *om;
	bool om_failed; /* no mirror of bluetoothd: settled, but off */
	char *owner;
	char *adapter_path;
	enum bluez_state state;
	GHashTable *devs;  /* address -> struct bluez_dev */
	GHashTable *chrcs; /* characteristic path -> struct bluez_dev */
	struct bluez_agent *agent;

	unsigned int scan_holds;
	bool discovering;    /* our discovery session is on */
	bool discovery_busy; /* a Start/StopDiscovery is in flight */

	GTask *pair_task;
	struct bluez_dev *pair_dev;
	guint pair_timer;
	bool pair_holds_scan;
	bool pair_started;
};

static void dev_update(struct bluez_dev *d);
static void pair_step(struct bluez *b);

const char *bluez_state_name(enum bluez_state state)
{
	switch (state) {
	case BLUEZ_NO_BLUEZ:
		return "no-bluez";
	case BLUEZ_NO_ADAPTER:
		return "no-adapter";
	case BLUEZ_OFF:
		return "off";
	case BLUEZ_ON:
		return "on";
	}
	return "?";
}

/* --- the mirror */

static bool is_cancelled(GError *error)
{
	return g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static GDBusProxy *get_iface(struct bluez *b, const char *path,
			     const char *iface)
{
	if (!b->om || !path)
		return NULL;
	return G_DBUS_PROXY(
		g_dbus_object_manager_get_interface(b->om, path, iface));
}

static bool prop_bool(GDBusProxy *p, const char *name)
{
	g_autoptr(GVariant) v = g_dbus_proxy_get_cached_property(p, name);

	return v && g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN) &&
	       g_variant_get_boolean(v);
}

static char *prop_string(GDBusProxy *p, const char *name)
{
	g_autoptr(GVariant) v = g_dbus_proxy_get_cached_property(p, name);

	if (v && g_variant_is_of_type(v, G_VARIANT_TYPE_STRING))
		return g_variant_dup_string(v, NULL);
	return NULL;
}

/* "hr", "motion" or NULL from a device's advertised or resolved UUIDs. */
static const char *device_kind(GDBusProxy *dev)
{
	g_autoptr(GVariant) v = g_dbus_proxy_get_cached_property(dev, "UUIDs");
	g_autofree const char **uuids = NULL;
	bool motion = false;
	size_t i;

	if (!v || !g_variant_is_of_type(v, G_VARIANT_TYPE_STRING_ARRAY))
		return NULL;
	uuids = g_variant_get_strv(v, NULL);
	for (i = 0; uuids[i]; i++) {
		if (!g_ascii_strcasecmp(uuids[i], UUID_HRS))
			return "hr";
		if (!g_ascii_strcasecmp(uuids[i], UUID_PMD) ||
		    !g_ascii_strcasecmp(uuids[i], GYMHUB_IMU_SERVICE_UUID))
			motion = true;
	}
	return motion ? "motion" : NULL;
}

static struct bluez_dev *dev_get(struct bluez *b, const char *address)
{
	struct bluez_dev *d = g_hash_table_lookup(b->devs, address);

	if (!d) {
		d = g_new0(struct bluez_dev, 1);
		d->b = b;
		g_strlcpy(d->address, address, sizeof(d->address));
		g_hash_table_insert(b->devs, d->address, d);
	}
	return d;
}

static void dev_free(gpointer data)
{
	struct bluez_dev *d = data;

	g_clear_handle_id(&d->retry, g_source_remove);
	g_free(d->path);
	g_free(d);
}

/*
 * BlueZ names device objects ADAPTER/dev_AA_BB_CC_DD_EE_FF (src/device.c
 * device_create()); computing the path keeps lookups O(1) when discovery
 * has filled the mirror with every device in the street.
 */
static void dev_set_path(struct bluez_dev *d)
{
	char *p;

	g_clear_pointer(&d->path, g_free);
	if (!d->b->adapter_path)
		return;
	d->path = g_strdup_printf("%s/dev_%s", d->b->adapter_path, d->address);
	for (p = strrchr(d->path, '/'); *p; p++)
		if (*p == ':')
			*p = '_';
}

static struct bluez_dev *dev_by_path(struct bluez *b, const char *path)
{
	const char *base = strrchr(path, '/');
	char addr[18];

	if (!base || !g_str_has_prefix(base, "/dev_") ||
	    !bt_address_parse(base + 5, addr))
		return NULL;
	return g_hash_table_lookup(b->devs, addr);
}

/* --- discovery */

static bool want_discovery(struct bluez *b)
{
	GHashTableIter it;
	struct bluez_dev *d;
	GDBusProxy *p;

	if (b->state != BLUEZ_ON)
		return false;
	if (b->scan_holds > 0)
		return true;
	/* A watched sensor bluetoothd does not know (yet): only a
	 * discovery can create its device object. */
	g_hash_table_iter_init(&it, b->devs);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&d)) {
		if (!d->watched)
			continue;
		p = get_iface(b, d->path, DEVICE_IFACE);
		if (!p)
			return true;
		g_object_unref(p);
	}
	return false;
}

static void update_discovery(struct bluez *b);

static void on_discovery_done(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(GVariant) r = NULL;
	g_autoptr(GError) error = NULL;
	struct bluez *b = data;

	r = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &error);
	if (is_cancelled(error))
		return;
	b->discovery_busy = false;
	if (error) {
		g_dbus_error_strip_remote_error(error);
		g_warning("Bluetooth discovery: %s", error->message);
		/* Retried at the next change; an error is not a loop. */
		return;
	}
	b->discovering = !b->discovering;
	update_discovery(b);
}

static void on_filter_done(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(GVariant) r = NULL;
	g_autoptr(GError) error = NULL;
	struct bluez *b = data;

	r = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &error);
	if (is_cancelled(error))
		return;
	if (error) {
		/* Older bluetoothd: discover everything, filter ourselves. */
		g_dbus_error_strip_remote_error(error);
		g_message("Bluetooth discovery filter refused (%s); "
			  "filtering sightings in gymhubd",
			  error->message);
	}
	g_dbus_proxy_call(G_DBUS_PROXY(src), "StartDiscovery", NULL,
			  G_DBUS_CALL_FLAGS_NONE, -1, b->cancel,
			  on_discovery_done, b);
}

/*
 * One discovery session for scans and lost sensors. bluetoothd merges
 * the filters of all its clients (src/adapter.c merge_discovery_filters),
 * so other clients' sightings arrive too: seen() filters them again.
 */
static void update_discovery(struct bluez *b)
{
	g_autoptr(GDBusProxy) ad = NULL;
	GVariantBuilder f;
	bool want = want_discovery(b);

	if (b->discovery_busy || want == b->discovering)
		return;
	ad = get_iface(b, b->adapter_path, ADAPTER_IFACE);
	if (!ad)
		return;
	b->discovery_busy = true;
	if (!want) {
		g_dbus_proxy_call(ad, "StopDiscovery", NULL,
				  G_DBUS_CALL_FLAGS_NONE, -1, b->cancel,
				  on_discovery_done, b);
		return;
	}
	g_variant_builder_init(&f, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&f, "{sv}", "Transport",
			      g_variant_new_string("le"));
	g_variant_builder_add(
		&f, "{sv}", "UUIDs",
		g_variant_new_strv(
			(const char *const[]){UUID_HRS, UUID_PMD,
					      GYMHUB_IMU_SERVICE_UUID},
			3));
	g_dbus_proxy_call(ad, "SetDiscoveryFilter",
			  g_variant_new("(a{sv})", &f), G_DBUS_CALL_FLAGS_NONE,
			  -1, b->cancel, on_filter_done, b);
}

static void report_sighting(struct bluez *b, GDBusProxy *dev)
{
	g_autoptr(GVariant) rssi = NULL;
	g_autofree char *addr = NULL, *name = NULL;
	struct bluez_sighting s;
	char norm[18], safe[SENSOR_NAME_MAX + 1] = "";

	if (b->scan_holds == 0 || !b->ops.seen)
		return;
	s.kind = device_kind(dev);
	addr = prop_string(dev, "Address");
	if (!s.kind || !bt_address_parse(addr, norm))
		return;
	name = prop_string(dev, "Alias");
	if (!name)
		name = prop_string(dev, "Name");
	rssi = g_dbus_proxy_get_cached_property(dev, "RSSI");
	s.address = norm;
	/* any device in reach chose it: see sensor-name.h */
	if (name)
		sensor_name_sanitize(name, strlen(name), safe, sizeof(safe));
	s.name = safe;
	s.rssi = rssi && g_variant_is_of_type(rssi, G_VARIANT_TYPE_INT16)
			 ? g_variant_get_int16(rssi)
			 : 0;
	b->ops.seen(&s, b->user_data);
}

/* --- links */

static void report_battery(struct bluez *b, struct bluez_dev *d,
			   GDBusProxy *batt)
{
	g_autoptr(GVariant) v = NULL;

	if (!batt || !d->watched || !b->ops.battery)
		return;
	v = g_dbus_proxy_get_cached_property(batt, "Percentage");
	if (v && g_variant_is_of_type(v, G_VARIANT_TYPE_BYTE))
		b->ops.battery(d->address, g_variant_get_byte(v), b->user_data);
}

static void dev_set_up(struct bluez_dev *d, bool up, const char *why)
{
	g_autoptr(GDBusProxy) batt = NULL;

	if (d->up == up)
		return;
	d->up = up;
	if (d->watched && d->b->ops.link_changed)
		d->b->ops.link_changed(d->address, up, why, d->b->user_data);
	/* bluetoothd may have read the level before we watched it */
	if (up) {
		batt = get_iface(d->b, d->path, BATTERY_IFACE);
		report_battery(d->b, d, batt);
	}
}

static gboolean on_retry(gpointer data)
{
	struct bluez_dev *d = data;

	d->retry = 0;
	dev_update(d);
	return G_SOURCE_REMOVE;
}

static void schedule_retry(struct bluez_dev *d)
{
	guint ms = RETRY_FIRST_MS;
	unsigned int i;

	for (i = 1; i < d->failures && ms < RETRY_MAX_MS; i++)
		ms *= 2;
	if (ms > RETRY_MAX_MS)
		ms = RETRY_MAX_MS;
	g_clear_handle_id(&d->retry, g_source_remove);
	d->retry = g_timeout_add(ms, on_retry, d);
}

static void on_connect_done(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(GVariant) r = NULL;
	g_autoptr(GError) error = NULL;
	struct bluez_dev *d = data;

	r = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &error);
	if (is_cancelled(error))
		return;
	d->connecting = false;
	if (error) {
		g_dbus_error_strip_remote_error(error);
		/* Out of reach is the normal state of a strap in a drawer:
		 * say it once per dropout, not every 4 s. */
		if (d->failures++ == 0)
			g_message("Sensor %s not in reach (%s); retrying "
				  "until it is",
				  d->address, error->message);
		schedule_retry(d);
		return;
	}
	d->failures = 0;
	dev_update(d);
}

/* Every StartNotify answered: up, or a retry after the backoff. */
static void notify_finished(struct bluez_dev *d)
{
	g_autoptr(GDBusProxy) dev = get_iface(d->b, d->path, DEVICE_IFACE);

	if (d->notify_failed) {
		d->failures++;
		schedule_retry(d);
		return;
	}
	if (dev && prop_bool(dev, "Connected") &&
	    prop_bool(dev, "ServicesResolved")) {
		d->failures = 0;
		dev_set_up(d, true, "connected");
		return;
	}
	dev_update(d);
}

static void on_notify_done(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(GVariant) r = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *name = NULL;
	struct bluez_dev *d = data;

	r = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &error);
	if (is_cancelled(error))
		return;
	d->n_notify_calls--;
	if (error)
		name = g_dbus_error_get_remote_error(error);
	/* bluetoothd 5.66 gatt-client.c: a client that already has a
	 * session is told InProgress; its notifications keep coming. */
	if (error && g_strcmp0(name, ERR_PREFIX "InProgress") != 0) {
		g_dbus_error_strip_remote_error(error);
		g_warning("Sensor %s: cannot start notifications: %s",
			  d->address, error->message);
		d->notify_failed = true;
	}
	if (d->n_notify_calls == 0)
		notify_finished(d);
}

static void on_read_done(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(GVariant) r = NULL, v = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *uuid = NULL;
	struct bluez_dev *d = data;
	const uint8_t *buf;
	gsize n;

	r = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &error);
	if (is_cancelled(error) || !r || !d->watched || !d->b->ops.notified)
		return; /* optional: nothing to say when a strap has none */
	v = g_variant_get_child_value(r, 0);
	uuid = prop_string(G_DBUS_PROXY(src), "UUID");
	buf = g_variant_get_fixed_array(v, &n, 1);
	d->b->ops.notified(d->address, uuid ? uuid : "", buf, n,
			   d->b->user_data);
}

/* Subscribes to every characteristic of @d we know how to read. */
static void start_notify(struct bluez_dev *d)
{
	struct bluez *b = d->b;
	g_autofree char *prefix = g_strconcat(d->path, "/", NULL);
	GList *objs, *l;
	size_t i;

	d->notify_failed = false;
	objs = g_dbus_object_manager_get_objects(b->om);
	for (l = objs; l; l = l->next) {
		const char *path = g_dbus_object_get_object_path(l->data);
		g_autoptr(GDBusProxy) c = NULL;
		g_autofree char *uuid = NULL;

		if (!g_str_has_prefix(path, prefix))
			continue;
		c = get_iface(b, path, CHRC_IFACE);
		uuid = c ? prop_string(c, "UUID") : NULL;
		if (uuid &&
		    !g_ascii_strcasecmp(uuid, BLUEZ_UUID_BODY_LOCATION)) {
			GVariantBuilder opts;

			g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
			g_dbus_proxy_call(c, "ReadValue",
					  g_variant_new("(a{sv})", &opts),
					  G_DBUS_CALL_FLAGS_NONE, -1, b->cancel,
					  on_read_done, d);
		}
		for (i = 0; uuid && i < G_N_ELEMENTS(notify_uuids); i++) {
			if (g_ascii_strcasecmp(uuid, notify_uuids[i]))
				continue;
			/* handler first: the mirror's proxy already
			 * listens, the table routes its Value to @d */
			g_hash_table_replace(b->chrcs, g_strdup(path), d);
			d->n_notify_calls++;
			g_dbus_proxy_call(c, "StartNotify", NULL,
					  G_DBUS_CALL_FLAGS_NONE, -1, b->cancel,
					  on_notify_done, d);
		}
	}
	g_list_free_full(objs, g_object_unref);
	if (d->n_notify_calls == 0)
		g_warning("Sensor %s has none of the characteristics gymhubd "
			  "reads (heart rate 0x2A37, gymhub IMU samples)",
			  d->address);
}

/* Brings @d one step closer to what it should be. */
static void dev_update(struct bluez_dev *d)
{
	struct bluez *b = d->b;
	g_autoptr(GDBusProxy) dev = NULL;

	if (!d->watched || b->state != BLUEZ_ON) {
		g_clear_handle_id(&d->retry, g_source_remove);
		d->failures = 0;
		dev_set_up(d, false,
			   b->state == BLUEZ_OFF	? "adapter off"
			   : b->state == BLUEZ_NO_BLUEZ ? "bluetoothd gone"
							: "no adapter");
		return;
	}
	dev = get_iface(b, d->path, DEVICE_IFACE);
	if (!dev) {
		dev_set_up(d, false, "removed by bluetoothd");
		update_discovery(b);
		return;
	}
	if (!prop_bool(dev, "Connected")) {
		dev_set_up(d, false, "link lost");
		if (!d->connecting && !d->retry) {
			d->connecting = true;
			g_dbus_proxy_call(dev, "Connect", NULL,
					  G_DBUS_CALL_FLAGS_NONE,
					  CONNECT_TIMEOUT_MS, b->cancel,
					  on_connect_done, d);
		}
		return;
	}
	/* GATT objects may be there before ServicesResolved; they are
	 * complete only after it (doc/device-api.txt). */
	if (!prop_bool(dev, "ServicesResolved") || d->up || d->n_notify_calls ||
	    d->retry)
		return;
	start_notify(d);
	if (d->n_notify_calls == 0)
		notify_finished(d);
}

/* --- state */

static void register_agent(struct bluez *b);

static void update_state(struct bluez *b)
{
	g_autoptr(GDBusProxy) ad = NULL;
	enum bluez_state st = BLUEZ_NO_BLUEZ;
	g_autofree char *path = NULL;
	GHashTableIter it;
	struct bluez_dev *d;
	GList *objs, *l;

	if (b->owner && b->om) {
		st = BLUEZ_NO_ADAPTER;
		objs = g_dbus_object_manager_get_objects(b->om);
		for (l = objs; l; l = l->next) {
			const char *p = g_dbus_object_get_object_path(l->data);
			g_autoptr(GDBusInterface) i =
				g_dbus_object_get_interface(l->data,
							    ADAPTER_IFACE);

			if (!i || (b->adapter_name &&
				   g_strcmp0(strrchr(p, '/') + 1,
					     b->adapter_name) != 0))
				continue;
			if (!path || strcmp(p, path) < 0) {
				g_free(path);
				path = g_strdup(p);
			}
		}
		g_list_free_full(objs, g_object_unref);
	}
	if (g_strcmp0(path, b->adapter_path) != 0) {
		g_free(b->adapter_path);
		b->adapter_path = g_steal_pointer(&path);
		b->discovering = false;
		g_hash_table_iter_init(&it, b->devs);
		while (g_hash_table_iter_next(&it, NULL, (gpointer *)&d))
			dev_set_path(d);
	}
	ad = get_iface(b, b->adapter_path, ADAPTER_IFACE);
	if (ad)
		st = prop_bool(ad, "Powered") ? BLUEZ_ON : BLUEZ_OFF;
	if (st != BLUEZ_ON)
		/* a power-off ends every discovery session (adapter.c) */
		b->discovering = false;
	if (st != b->state) {
		b->state = st;
		if (b->ops.state_changed)
			b->ops.state_changed(st, b->user_data);
	}
}

static void refresh(struct bluez *b)
{
	GHashTableIter it;
	struct bluez_dev *d;

	update_state(b);
	g_hash_table_iter_init(&it, b->devs);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&d))
		dev_update(d);
	update_discovery(b);
	pair_step(b);
}

static void on_agent_registered(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(GVariant) r = NULL;
	g_autoptr(GError) error = NULL;
	struct bluez *b = data;

	r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);
	if (is_cancelled(error))
		return;
	if (error) {
		g_dbus_error_strip_remote_error(error);
		g_warning("Cannot register the pairing agent with bluetoothd: "
			  "%s. Sensors that need pairing cannot be added.",
			  error->message);
		return;
	}
	/* Default agent: bluetoothd asks it for requests that come from
	 * the sensor's side too (security requests). */
	g_dbus_connection_call(
		b->bus, BLUEZ_NAME, "/org/bluez", AGENT_MGR_IFACE,
		"RequestDefaultAgent", g_variant_new("(o)", BLUEZ_AGENT_PATH),
		NULL, G_DBUS_CALL_FLAGS_NONE, -1, b->cancel, NULL, NULL);
}

static void register_agent(struct bluez *b)
{
	if (!b->agent)
		return;
	g_dbus_connection_call(
		b->bus, BLUEZ_NAME, "/org/bluez", AGENT_MGR_IFACE,
		"RegisterAgent",
		g_variant_new("(os)", BLUEZ_AGENT_PATH, BLUEZ_AGENT_CAPABILITY),
		NULL, G_DBUS_CALL_FLAGS_NONE, -1, b->cancel,
		on_agent_registered, b);
}

static void on_owner(GObject *om, GParamSpec *pspec, gpointer data)
{
	struct bluez *b = data;
	g_autofree char *owner = g_dbus_object_manager_client_get_name_owner(
		G_DBUS_OBJECT_MANAGER_CLIENT(om));
	GHashTableIter it;
	struct bluez_dev *d;

	if (g_strcmp0(owner, b->owner) == 0)
		return;
	g_free(b->owner);
	b->owner = g_steal_pointer(&owner);
	if (b->agent)
		bluez_agent_set_owner(b->agent, b->owner);
	/* A new bluetoothd knows nothing of our sessions. */
	b->discovering = b->discovery_busy = false;
	g_hash_table_remove_all(b->chrcs);
	g_hash_table_iter_init(&it, b->devs);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&d)) {
		d->connecting = false;
		d->n_notify_calls = 0;
		d->failures = 0;
		g_clear_handle_id(&d->retry, g_source_remove);
	}
	if (b->owner) {
		g_message("bluetoothd is running (%s)", b->owner);
		register_agent(b);
	} else {
		g_message("bluetoothd went away; waiting for it to return");
	}
	refresh(b);
}

static void on_iface_added(GDBusObjectManager *om, GDBusObject *obj,
			   GDBusInterface *iface, gpointer data)
{
	struct bluez *b = data;
	const char *name = g_dbus_proxy_get_interface_name(G_DBUS_PROXY(iface));
	const char *path = g_dbus_object_get_object_path(obj);
	struct bluez_dev *d;

	if (!strcmp(name, ADAPTER_IFACE)) {
		refresh(b);
		return;
	}
	d = dev_by_path(b, path);
	if (!strcmp(name, DEVICE_IFACE)) {
		report_sighting(b, G_DBUS_PROXY(iface));
		if (d && g_strcmp0(d->path, path) == 0) {
			dev_update(d);
			update_discovery(b);
			pair_step(b);
		}
	} else if (!strcmp(name, BATTERY_IFACE) && d) {
		report_battery(b, d, G_DBUS_PROXY(iface));
	}
}

static void on_object_added(GDBusObjectManager *om, GDBusObject *obj,
			    gpointer data)
{
	GList *ifaces = g_dbus_object_get_interfaces(obj), *l;

	for (l = ifaces; l; l = l->next)
		on_iface_added(om, obj, l->data, data);
	g_list_free_full(ifaces, g_object_unref);
}

static void on_iface_removed(GDBusObjectManager *om, GDBusObject *obj,
			     GDBusInterface *iface, gpointer data)
{
	struct bluez *b = data;
	const char *name = g_dbus_proxy_get_interface_name(G_DBUS_PROXY(iface));
	const char *path = g_dbus_object_get_object_path(obj);
	struct bluez_dev *d;

	if (!strcmp(name, CHRC_IFACE)) {
		g_hash_table_remove(b->chrcs, path);
		return;
	}
	if (!strcmp(name, ADAPTER_IFACE)) {
		refresh(b);
		return;
	}
	d = dev_by_path(b, path);
	/* The mirror has already dropped it, so this sees it gone. */
	if (d && !strcmp(name, DEVICE_IFACE) && g_strcmp0(d->path, path) == 0)
		dev_update(d);
}

static void on_object_removed(GDBusObjectManager *om, GDBusObject *obj,
			      gpointer data)
{
	GList *ifaces = g_dbus_object_get_interfaces(obj), *l;

	for (l = ifaces; l; l = l->next)
		on_iface_removed(om, obj, l->data, data);
	g_list_free_full(ifaces, g_object_unref);
}

static void on_value(struct bluez *b, GDBusProxy *p, GVariant *changed)
{
	g_autoptr(GVariant) v = NULL;
	g_autofree char *uuid = NULL;
	struct bluez_dev *d;
	const uint8_t *buf;
	gsize n;

	d = g_hash_table_lookup(b->chrcs, g_dbus_proxy_get_object_path(p));
	if (!d || !d->watched || !b->ops.notified)
		return;
	v = g_variant_lookup_value(changed, "Value", G_VARIANT_TYPE_BYTESTRING);
	if (!v)
		return;
	uuid = prop_string(p, "UUID");
	buf = g_variant_get_fixed_array(v, &n, 1);
	b->ops.notified(d->address, uuid ? uuid : "", buf, n, b->user_data);
}

static bool has_key(GVariant *dict, const char *key)
{
	g_autoptr(GVariant) v = g_variant_lookup_value(dict, key, NULL);

	return v != NULL;
}

static void on_props(GDBusObjectManagerClient *om, GDBusObjectProxy *obj,
		     GDBusProxy *p, GVariant *changed, GStrv invalidated,
		     gpointer data)
{
	struct bluez *b = data;
	const char *name = g_dbus_proxy_get_interface_name(p);
	const char *path = g_dbus_proxy_get_object_path(p);
	struct bluez_dev *d;
	guint8 pct;

	/* First: the one that comes every second from every strap. */
	if (!strcmp(name, CHRC_IFACE)) {
		on_value(b, p, changed);
		return;
	}
	if (!strcmp(name, ADAPTER_IFACE)) {
		if (has_key(changed, "Powered"))
			refresh(b);
		return;
	}
	d = dev_by_path(b, path);
	if (!strcmp(name, BATTERY_IFACE)) {
		if (d && d->watched && b->ops.battery &&
		    g_variant_lookup(changed, "Percentage", "y", &pct))
			b->ops.battery(d->address, pct, b->user_data);
		return;
	}
	if (strcmp(name, DEVICE_IFACE) != 0)
		return;
	if (has_key(changed, "RSSI") || has_key(changed, "UUIDs"))
		report_sighting(b, p);
	if (!d || !d->watched || g_strcmp0(d->path, path) != 0)
		return;
	/* Seen advertising while we wait to retry: try now. */
	if (d->retry && !prop_bool(p, "Connected") &&
	    has_key(changed, "RSSI")) {
		g_clear_handle_id(&d->retry, g_source_remove);
		d->failures = 0;
	}
	dev_update(d);
}

static void on_om_ready(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(GError) error = NULL;
	GDBusObjectManager *om;
	struct bluez *b = data;

	om = g_dbus_object_manager_client_new_finish(res, &error);
	if (is_cancelled(error))
		return;
	if (!om) {
		g_warning("Cannot follow bluetoothd: %s; heart-rate sensors "
			  "are off until gymhubd restarts",
			  error->message);
		b->om_failed = true;
		pair_step(b);
		return;
	}
	b->om = om;
	g_signal_connect(om, "notify::name-owner", G_CALLBACK(on_owner), b);
	g_signal_connect(om, "object-added", G_CALLBACK(on_object_added), b);
	g_signal_connect(om, "object-removed", G_CALLBACK(on_object_removed),
			 b);
	g_signal_connect(om, "interface-added", G_CALLBACK(on_iface_added), b);
	g_signal_connect(om, "interface-removed", G_CALLBACK(on_iface_removed),
			 b);
	g_signal_connect(om, "interface-proxy-properties-changed",
			 G_CALLBACK(on_props), b);
	on_owner(G_OBJECT(om), NULL, b);
	if (!b->owner)
		g_message("bluetoothd is not running; sensors connect once "
			  "it starts");
	pair_step(b);
}

bool bluez_settled(struct bluez *b)
{
	return b->om || b->om_failed;
}

/* --- pairing */

static bool agent_accept(const char *device, void *data)
{
	struct bluez *b = data;
	struct bluez_dev *d = dev_by_path(b, device);

	return d && (d->watched || d == b->pair_dev);
}

static void pair_end(struct bluez *b, GError *error, char *name)
{
	GTask *t = g_steal_pointer(&b->pair_task);

	g_clear_handle_id(&b->pair_timer, g_source_remove);
	if (b->pair_holds_scan) {
		b->pair_holds_scan = false;
		bluez_scan_release(b);
	}
	b->pair_dev = NULL;
	b->pair_started = false;
	if (!t) {
		g_free(name);
		return;
	}
	if (error)
		g_task_return_error(t, error);
	else
		g_task_return_pointer(t, name, g_free);
	g_object_unref(t);
}

static void on_trusted(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(GVariant) r = NULL;
	g_autoptr(GDBusProxy) dev = NULL;
	GError *error = NULL;
	struct bluez *b = data;
	char *name = NULL;

	r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);
	if (is_cancelled(error)) {
		g_error_free(error);
		return;
	}
	if (error) {
		g_dbus_error_strip_remote_error(error);
		g_prefix_error(&error, "cannot mark it trusted: ");
	} else {
		dev = get_iface(b, b->pair_dev->path, DEVICE_IFACE);
		name = dev ? prop_string(dev, "Alias") : NULL;
	}
	pair_end(b, error, name);
}

static void set_trusted(struct bluez *b)
{
	g_dbus_connection_call(b->bus, BLUEZ_NAME, b->pair_dev->path,
			       "org.freedesktop.DBus.Properties", "Set",
			       g_variant_new("(ssv)", DEVICE_IFACE, "Trusted",
					     g_variant_new_boolean(TRUE)),
			       NULL, G_DBUS_CALL_FLAGS_NONE, -1, b->cancel,
			       on_trusted, b);
}

static void on_paired(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(GVariant) r = NULL;
	g_autofree char *ename = NULL;
	GError *error = NULL;
	struct bluez *b = data;

	r = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &error);
	if (is_cancelled(error)) {
		g_error_free(error);
		return;
	}
	if (!b->pair_task)
		return;
	if (error)
		ename = g_dbus_error_get_remote_error(error);
	/* bonded before: fine (device.c pair_device()) */
	if (!error || !g_strcmp0(ename, ERR_PREFIX "AlreadyExists")) {
		g_clear_error(&error);
		set_trusted(b);
		return;
	}
	g_dbus_error_strip_remote_error(error);
	error->domain = G_IO_ERROR;
	error->code = G_IO_ERROR_FAILED;
	g_prefix_error(&error, "pairing failed: ");
	pair_end(b, error, NULL);
}

/* Moves a pairing on once the device object is there. */
static void pair_step(struct bluez *b)
{
	g_autoptr(GDBusProxy) dev = NULL;

	if (!b->pair_task || b->pair_started)
		return;
	/* still loading bluetoothd's objects: on_om_ready() comes back */
	if (!bluez_settled(b))
		return;
	if (b->state != BLUEZ_ON) {
		pair_end(b,
			 g_error_new(G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
				     "Bluetooth is %s",
				     bluez_state_name(b->state)),
			 NULL);
		return;
	}
	dev = get_iface(b, b->pair_dev->path, DEVICE_IFACE);
	if (!dev) {
		if (!b->pair_holds_scan) {
			b->pair_holds_scan = true;
			bluez_scan_hold(b);
		}
		return;
	}
	b->pair_started = true;
	if (prop_bool(dev, "Paired")) {
		set_trusted(b);
		return;
	}
	g_dbus_proxy_call(dev, "Pair", NULL, G_DBUS_CALL_FLAGS_NONE,
			  PAIR_TIMEOUT_MS, b->cancel, on_paired, b);
}

static gboolean on_pair_lookup_timeout(gpointer data)
{
	struct bluez *b = data;

	b->pair_timer = 0;
	if (!b->pair_started)
		pair_end(b,
			 g_error_new(G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
				     "%s was not seen in %d s: is it worn (a "
				     "strap sleeps until its electrodes "
				     "touch wet skin) and in reach?",
				     b->pair_dev->address, PAIR_LOOKUP_S),
			 NULL);
	return G_SOURCE_REMOVE;
}

void bluez_pair(struct bluez *b, const char *address, GCancellable *cancellable,
		GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *t = g_task_new(NULL, cancellable, callback, user_data);
	char addr[18];

	g_task_set_source_tag(t, bluez_pair);
	if (!bt_address_parse(address, addr)) {
		g_task_return_new_error(t, G_IO_ERROR,
					G_IO_ERROR_INVALID_ARGUMENT,
					"'%s' is not a Bluetooth address "
					"(AA:BB:CC:DD:EE:FF)",
					address);
		g_object_unref(t);
		return;
	}
	if (b->pair_task) {
		g_task_return_new_error(t, G_IO_ERROR, G_IO_ERROR_BUSY,
					"already pairing with %s",
					b->pair_dev->address);
		g_object_unref(t);
		return;
	}
	b->pair_task = t;
	b->pair_dev = dev_get(b, addr);
	dev_set_path(b->pair_dev);
	b->pair_timer =
		g_timeout_add_seconds(PAIR_LOOKUP_S, on_pair_lookup_timeout, b);
	pair_step(b);
}

gboolean bluez_pair_finish(struct bluez *b, GAsyncResult *result,
			   char **ret_name, GError **error)
{
	char *name = g_task_propagate_pointer(G_TASK(result), error);

	if (!name && error && *error)
		return FALSE;
	if (ret_name)
		*ret_name = name;
	else
		g_free(name);
	return TRUE;
}

/* --- the API */

struct bluez *bluez_new(GDBusConnection *bus, const char *adapter,
			const struct bluez_ops *ops, void *user_data)
{
	g_autoptr(GError) error = NULL;
	struct bluez *b = g_new0(struct bluez, 1);

	b->bus = g_object_ref(bus);
	b->adapter_name = g_strdup(adapter);
	b->ops = *ops;
	b->user_data = user_data;
	b->cancel = g_cancellable_new();
	b->devs =
		g_hash_table_new_full(g_str_hash, g_str_equal, NULL, dev_free);
	b->chrcs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	b->agent = bluez_agent_new(bus, agent_accept, b, &error);
	if (!b->agent)
		g_warning("No pairing agent: %s", error->message);
	g_dbus_object_manager_client_new(
		bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, BLUEZ_NAME, "/",
		NULL, NULL, NULL, b->cancel, on_om_ready, b);
	return b;
}

void bluez_free(struct bluez *b)
{
	if (!b)
		return;
	g_cancellable_cancel(b->cancel);
	if (b->pair_task)
		pair_end(b,
			 g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED,
				     "gymhubd is stopping"),
			 NULL);
	if (b->om) {
		g_signal_handlers_disconnect_by_data(b->om, b);
		g_object_unref(b->om);
	}
	/* Our discovery session and notify sessions end with our bus
	 * connection (bluetoothd watches its clients). */
	bluez_agent_free(b->agent);
	g_hash_table_destroy(b->chrcs);
	g_hash_table_destroy(b->devs);
	g_object_unref(b->cancel);
	g_object_unref(b->bus);
	g_free(b->owner);
	g_free(b->adapter_path);
	g_free(b->adapter_name);
	g_free(b);
}

enum bluez_state bluez_get_state(struct bluez *b)
{
	return b->state;
}

void bluez_watch(struct bluez *b, const char *address)
{
	char addr[18];
	struct bluez_dev *d;

	if (!bt_address_parse(address, addr))
		return;
	d = dev_get(b, addr);
	if (d->watched)
		return;
	d->watched = true;
	d->failures = 0;
	dev_set_path(d);
	dev_update(d);
	update_discovery(b);
}

void bluez_unwatch(struct bluez *b, const char *address)
{
	char addr[18];
	struct bluez_dev *d;

	if (!bt_address_parse(address, addr))
		return;
	d = g_hash_table_lookup(b->devs, addr);
	if (!d || !d->watched)
		return;
	dev_set_up(d, false, "forgotten");
	d->watched = false;
	g_clear_handle_id(&d->retry, g_source_remove);
	update_discovery(b);
}

bool bluez_is_connected(struct bluez *b, const char *address)
{
	char addr[18];
	struct bluez_dev *d;

	if (!bt_address_parse(address, addr))
		return false;
	d = g_hash_table_lookup(b->devs, addr);
	return d && d->up;
}

void bluez_scan_hold(struct bluez *b)
{
	b->scan_holds++;
	update_discovery(b);
}

void bluez_scan_release(struct bluez *b)
{
	if (b->scan_holds > 0)
		b->scan_holds--;
	update_discovery(b);
}

void bluez_forget(struct bluez *b, const char *address)
{
	char addr[18];
	struct bluez_dev *d;
	g_autoptr(GDBusProxy) dev = NULL;

	if (!bt_address_parse(address, addr))
		return;
	bluez_unwatch(b, addr);
	d = g_hash_table_lookup(b->devs, addr);
	if (!d || !d->path || !b->adapter_path)
		return;
	dev = get_iface(b, d->path, DEVICE_IFACE);
	if (!dev)
		return;
	/* Removes the bonding too, and disconnects (adapter-api.txt). */
	g_dbus_connection_call(
		b->bus, BLUEZ_NAME, b->adapter_path, ADAPTER_IFACE,
		"RemoveDevice", g_variant_new("(o)", d->path), NULL,
		G_DBUS_CALL_FLAGS_NONE, -1, b->cancel, NULL, NULL);
}
