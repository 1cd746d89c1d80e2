/* SPDX-License-Identifier: MIT */
/*
 * sensors.c - what the hub does with the sensors bluez.c keeps connected.
 *
 * Every heart-rate notification is decoded here on the main loop and
 * queued to the store's writer thread (which batches it into the next
 * transaction), so a notification costs one decode and one queue append,
 * and nothing here waits on the SD card. The D-Bus properties that follow
 * the heart rate are coalesced to once a second: the display needs no
 * more, and 8 straps must not mean 8 signals a second.
 */
#include <errno.h>
#include <string.h>

#include "bluez.h"
#include "bt-address.h"
#include "gymhub-imu.h"
#include "hr-zone.h"
#include "hrs.h"
#include "sensor-name.h"
#include "sensors.h"
#include "session-query.h"

#define ERR_PREFIX "org.gymhub.Hub1.Error."
/* A heart rate older than this is no longer shown. */
#define HR_STALE_US (5 * G_USEC_PER_SEC)
#define SCAN_MAX_S  60

struct sensor {
	char address[18];
	char *name;
	char *kind; /* "hr", "motion" */
	bool up;
	int battery; /* -1 unknown */
	bool battery_warned;
	uint16_t bpm;
	int64_t hr_mono_us; /* when bpm arrived, CLOCK_MONOTONIC */
	int64_t last_seen_ms;
	int64_t down_mono_us; /* when the link was lost; 0 while up */
	int64_t gap_lost_ms;  /* open gap in the session; 0: none */
	bool in_session;      /* was up during the current session */
	unsigned long bad_packets;
	/* motion sensors: the sensor clock, unwrapped; lost notifications */
	int64_t imu_epoch_us;
	uint32_t imu_last_t0;
	uint16_t imu_seq;
	bool imu_seen;
	unsigned long imu_lost;
};

struct sensors {
	struct sensors_setup s;
	char *primary;
	struct bluez *bluez;
	GPtrArray *list; /* struct sensor *, in the order they were added */
	int64_t session; /* 0: not recording, -1: no session */
	struct sensor *motion; /* the motion sensor whose samples count */
	bool dirty;	       /* Sensors/HeartRate need publishing */
	guint tick;

	/* the one Scan running */
	GDBusMethodInvocation *scan_inv;
	GHashTable *scan_seen; /* address -> GVariant (ssnsb) */
	guint scan_timer;
	/* the one AddSensor running */
	GDBusMethodInvocation *add_inv;
	char add_addr[18];
	GHashTable *kinds; /* address -> kind, from sightings */
	GCancellable *cancel;
};

static int64_t wall_ms(void)
{
	return g_get_real_time() / 1000;
}

static void return_error(GDBusMethodInvocation *inv, const char *name,
			 const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void return_error(GDBusMethodInvocation *inv, const char *name,
			 const char *fmt, ...)
{
	g_autofree char *full = g_strconcat(ERR_PREFIX, name, NULL);
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_dbus_method_invocation_return_dbus_error(inv, full, msg);
}

static struct sensor *find(struct sensors *s, const char *address)
{
	guint i;

	for (i = 0; i < s->list->len; i++) {
		struct sensor *x = g_ptr_array_index(s->list, i);

		if (!strcmp(x->address, address))
			return x;
	}
	return NULL;
}

static void sensor_free(gpointer data)
{
	struct sensor *x = data;

	g_free(x->name);
	g_free(x->kind);
	g_free(x);
}

static const char *label(const struct sensor *x)
{
	return x->name && *x->name ? x->name : x->address;
}

static struct sensor *sensor_add(struct sensors *s, const char *address,
				 const char *name, const char *kind)
{
	struct sensor *x = g_new0(struct sensor, 1);
	char safe[SENSOR_NAME_MAX + 1];

	g_strlcpy(x->address, address, sizeof(x->address));
	/* the device chose it: see sensor-name.h */
	sensor_name_sanitize(name ? name : "", name ? strlen(name) : 0, safe,
			     sizeof(safe));
	x->name = g_strdup(safe);
	x->kind = g_strdup(kind);
	x->battery = -1;
	g_ptr_array_add(s->list, x);
	return x;
}

/* --- publishing */

/* The strap whose heart rate is shown: the configured one if it has a
 * fresh value, else the first added that has one. */
static struct sensor *primary(struct sensors *s, int64_t now_us)
{
	struct sensor *x, *best = NULL;
	guint i;

	for (i = 0; i < s->list->len; i++) {
		x = g_ptr_array_index(s->list, i);
		if (!x->up || !x->bpm || now_us - x->hr_mono_us > HR_STALE_US)
			continue;
		if (s->primary && !strcmp(x->address, s->primary))
			return x;
		if (!best)
			best = x;
	}
	return best;
}

static void publish(struct sensors *s)
{
	int64_t now = g_get_monotonic_time();
	GVariantBuilder b;
	struct sensor *p;
	guint i;

	s->dirty = false;
	g_variant_builder_init(&b, G_VARIANT_TYPE("a(sssbiux)"));
	for (i = 0; i < s->list->len; i++) {
		struct sensor *x = g_ptr_array_index(s->list, i);
		bool fresh = x->up && now - x->hr_mono_us <= HR_STALE_US;

		g_variant_builder_add(&b, "(sssbiux)", x->address, x->name,
				      x->kind, x->up, x->battery,
				      fresh ? (guint32)x->bpm : 0u,
				      (gint64)x->last_seen_ms);
	}
	gh_hub1_set_sensors(s->s.skel, g_variant_builder_end(&b));
	p = primary(s, now);
	gh_hub1_set_heart_rate(s->s.skel, p ? p->bpm : 0);
	gh_hub1_set_heart_rate_zone(
		s->s.skel, p ? hr_zone(p->bpm, s->s.max_hr, s->s.rest_hr) : 0);
}

/* Once a second while any sensor is connected: coalesced heart-rate
 * updates, and a strap that went quiet stops being shown. */
static gboolean on_tick(gpointer data)
{
	struct sensors *s = data;
	int64_t now = g_get_monotonic_time();
	bool any = false;
	guint i;

	for (i = 0; i < s->list->len; i++) {
		struct sensor *x = g_ptr_array_index(s->list, i);

		any = any || x->up;
		if (x->up && x->bpm && now - x->hr_mono_us > HR_STALE_US &&
		    now - x->hr_mono_us <= HR_STALE_US + G_USEC_PER_SEC)
			s->dirty = true;
	}
	if (s->dirty)
		publish(s);
	if (any)
		return G_SOURCE_CONTINUE;
	s->tick = 0;
	return G_SOURCE_REMOVE;
}

static void ensure_tick(struct sensors *s)
{
	if (!s->tick)
		s->tick = g_timeout_add_seconds(1, on_tick, s);
}

/* --- from bluez.c */

static void on_state(enum bluez_state st, void *data)
{
	struct sensors *s = data;

	g_message("Bluetooth: %s", bluez_state_name(st));
	gh_hub1_set_bluetooth(s->s.skel, bluez_state_name(st));
}

/* The motion sensor counted is the first one sending; the hub hears of
 * each change (holds wait for stillness only while there is one). */
static void set_motion(struct sensors *s, struct sensor *x)
{
	if (s->motion == x)
		return;
	s->motion = x;
	if (x)
		g_message("Sensor %s (%s) counts reps and holds", label(x),
			  x->address);
	if (s->s.motion_changed)
		s->s.motion_changed(x != NULL, s->s.user_data);
}

/*
 * Data flowing ends a gap, even before bluez.c reports the link up (the
 * sensor's first notification can beat the answer to the last
 * StartNotify): no stored sample lies inside a gap.
 */
static void end_gap(struct sensors *s, struct sensor *x, int64_t now)
{
	if (x->gap_lost_ms && s->session >= 0 && s->s.store)
		store_end_gap(s->s.store, s->session, x->address,
			      x->gap_lost_ms, now);
	x->gap_lost_ms = 0;
}

static void on_link(const char *address, bool up, const char *why, void *data)
{
	struct sensors *s = data;
	struct sensor *x = find(s, address);
	int64_t now = wall_ms();

	if (!x)
		return;
	x->up = up;
	x->last_seen_ms = now;
	if (up) {
		if (x->down_mono_us)
			g_message("Sensor %s (%s) back after %.1f s", label(x),
				  x->address,
				  (g_get_monotonic_time() - x->down_mono_us) /
					  1e6);
		else
			g_message("Sensor %s (%s) connected", label(x),
				  x->address);
		x->down_mono_us = 0;
		x->battery_warned = false;
		end_gap(s, x, now);
		if (s->session >= 0)
			x->in_session = true;
		ensure_tick(s);
	} else {
		g_message("Sensor %s (%s) lost: %s; reconnecting when it is "
			  "in reach",
			  label(x), x->address, why);
		x->down_mono_us = g_get_monotonic_time();
		x->bpm = 0;
		x->imu_seen = false;
		if (s->motion == x)
			set_motion(s, NULL);
		/* A dropout in the middle of a session is a gap in its
		 * heart rate: the export shows it as one, not as a flat
		 * line. */
		if (s->session >= 0 && x->in_session) {
			x->gap_lost_ms = now;
			if (s->s.store)
				store_add_gap(s->s.store, s->session,
					      x->address, now);
		}
	}
	if (s->s.store)
		store_sensor_seen(s->s.store, x->address, now, -1);
	publish(s);
}

static void on_hr(struct sensors *s, struct sensor *x, const uint8_t *buf,
		  size_t len)
{
	uint16_t rr[HRS_MAX_RR];
	struct hrs_measurement m;
	struct store_hr row;
	size_t i, n = 0;

	if (hrs_parse(buf, len, &m) < 0) {
		/* A broken strap (or a stranger's bytes) must not flood the
		 * journal: the first, then every hundredth. */
		if (x->bad_packets++ % 100 == 0) {
			g_autofree char *hex = g_malloc(len * 2 + 1);

			for (i = 0; i < len; i++)
				g_snprintf(hex + 2 * i, 3, "%02x", buf[i]);
			hex[len * 2] = '\0';
			g_warning("Sensor %s (%s): malformed heart-rate "
				  "notification ignored (%lu so far): %s",
				  label(x), x->address, x->bad_packets,
				  len ? hex : "(empty)");
		}
		return;
	}
	x->hr_mono_us = g_get_monotonic_time();
	if (m.bpm != x->bpm)
		s->dirty = true;
	x->bpm = m.bpm;
	if (s->session <= 0 || !s->s.store)
		return;
	/* Implausible RR values are flagged by the decoder and kept out of
	 * the stored beats (artefacts, not heartbeats). */
	for (i = 0; i < m.n_rr; i++)
		if (!hrs_rr_is_implausible(&m, i))
			rr[n++] = m.rr_1024[i];
	row = (struct store_hr){
		.t_ms = wall_ms(),
		.sensor = x->address,
		.bpm = m.bpm,
		.contact = hrs_contact_to_string(m.contact),
		.energy_kj = m.has_energy ? m.energy_kj : -1,
		.rr_1024 = rr,
		.n_rr = n,
	};
	store_add_hr(s->s.store, s->session, &row);
}

/*
 * Samples of one motion sensor at a time go to the low-latency thread:
 * the first one connected. Decoding here is O(samples), copying into the
 * ring lock-free; nothing waits.
 */
static void on_imu(struct sensors *s, struct sensor *x, const uint8_t *buf,
		   size_t len)
{
	struct motion_sample out[GYMHUB_IMU_MAX_SAMPLES];
	struct gymhub_imu_packet p;
	size_t n;

	if (gymhub_imu_parse(buf, len, &p) < 0) {
		if (x->bad_packets++ % 100 == 0)
			g_warning("Sensor %s (%s): malformed motion "
				  "notification of %zu bytes ignored (%lu so "
				  "far)",
				  label(x), x->address, len, x->bad_packets);
		return;
	}
	if (x->imu_seen && gymhub_imu_lost(x->imu_seq, p.seq)) {
		x->imu_lost += gymhub_imu_lost(x->imu_seq, p.seq);
		g_message("Sensor %s: %lu motion notifications lost so far",
			  label(x), x->imu_lost);
	}
	x->imu_seen = true;
	x->imu_seq = p.seq;
	if (!s->motion)
		set_motion(s, x);
	if (s->motion != x || !s->s.motion)
		return;
	n = gymhub_imu_samples(&p, &x->imu_epoch_us, &x->imu_last_t0, out);
	motion_stage_push(s->s.motion, out, n);
}

static void on_notified(const char *address, const char *uuid,
			const uint8_t *buf, size_t len, void *data)
{
	struct sensors *s = data;
	struct sensor *x = find(s, address);

	if (!x)
		return;
	if (x->gap_lost_ms && bluez_is_connected(s->bluez, x->address))
		end_gap(s, x, wall_ms());
	if (!g_ascii_strcasecmp(uuid, BLUEZ_UUID_HR_MEASUREMENT)) {
		on_hr(s, x, buf, len);
	} else if (!g_ascii_strcasecmp(uuid, GYMHUB_IMU_SAMPLES_UUID)) {
		on_imu(s, x, buf, len);
	} else if (!g_ascii_strcasecmp(uuid, BLUEZ_UUID_BODY_LOCATION)) {
		enum hrs_location loc;

		if (hrs_parse_location(buf, len, &loc) == 0)
			g_message("Sensor %s (%s) is worn at: %s", label(x),
				  x->address, hrs_location_to_string(loc));
	}
}

static void on_battery(const char *address, int pct, void *data)
{
	struct sensors *s = data;
	struct sensor *x = find(s, address);

	if (!x || x->battery == pct)
		return;
	x->battery = pct;
	if (pct <= (int)s->s.low_battery && !x->battery_warned) {
		x->battery_warned = true;
		g_warning("Sensor %s (%s): battery low (%d %%); replace or "
			  "charge it soon",
			  label(x), x->address, pct);
	}
	if (s->s.store)
		store_sensor_seen(s->s.store, x->address, wall_ms(), pct);
	publish(s);
}

static void on_seen(const struct bluez_sighting *g, void *data)
{
	struct sensors *s = data;

	g_hash_table_replace(s->kinds, g_strdup(g->address), g_strdup(g->kind));
	if (!s->scan_seen)
		return;
	g_hash_table_replace(s->scan_seen, g_strdup(g->address),
			     g_variant_ref_sink(g_variant_new(
				     "(ssnsb)", g->address, g->name, g->rssi,
				     g->kind, find(s, g->address) != NULL)));
}

/* --- Hub1 methods */

static gint by_rssi(gconstpointer a, gconstpointer b)
{
	gint16 ra, rb;

	g_variant_get_child(*(GVariant *const *)a, 2, "n", &ra);
	g_variant_get_child(*(GVariant *const *)b, 2, "n", &rb);
	/* unknown (0) last, then strongest first */
	if ((ra == 0) != (rb == 0))
		return ra == 0 ? 1 : -1;
	return rb - ra;
}

static gboolean on_scan_done(gpointer data)
{
	struct sensors *s = data;
	g_autoptr(GPtrArray) all = g_ptr_array_new();
	GVariantBuilder b;
	GHashTableIter it;
	GVariant *v;
	guint i;

	s->scan_timer = 0;
	bluez_scan_release(s->bluez);
	g_hash_table_iter_init(&it, s->scan_seen);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&v))
		g_ptr_array_add(all, v);
	g_ptr_array_sort(all, by_rssi);
	g_variant_builder_init(&b, G_VARIANT_TYPE("a(ssnsb)"));
	for (i = 0; i < all->len; i++)
		g_variant_builder_add_value(&b, g_ptr_array_index(all, i));
	gh_hub1_complete_scan(s->s.skel, g_steal_pointer(&s->scan_inv),
			      g_variant_builder_end(&b));
	g_clear_pointer(&s->scan_seen, g_hash_table_unref);
	return G_SOURCE_REMOVE;
}

static bool bluetooth_ready(struct sensors *s, GDBusMethodInvocation *inv)
{
	enum bluez_state st = bluez_get_state(s->bluez);

	/* just started: a scan or pairing waits for bluetoothd's objects */
	if (st == BLUEZ_ON || !bluez_settled(s->bluez))
		return true;
	return_error(inv, "NoAdapter", "%s",
		     st == BLUEZ_OFF ? "the Bluetooth adapter is powered off "
				       "(bluetoothctl power on)"
		     : st == BLUEZ_NO_ADAPTER
			     ? "no Bluetooth adapter"
			     : "bluetoothd is not running (systemctl "
			       "status bluetooth)");
	return false;
}

static gboolean on_scan(GhHub1 *o, GDBusMethodInvocation *inv, guint secs,
			gpointer data)
{
	struct sensors *s = data;

	if (secs < 1 || secs > SCAN_MAX_S) {
		g_dbus_method_invocation_return_dbus_error(
			inv, "org.freedesktop.DBus.Error.InvalidArgs",
			"scan for 1 to 60 seconds");
		return TRUE;
	}
	if (s->scan_inv) {
		return_error(inv, "Busy", "a scan is already running");
		return TRUE;
	}
	if (!bluetooth_ready(s, inv))
		return TRUE;
	s->scan_inv = inv;
	s->scan_seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					     (GDestroyNotify)g_variant_unref);
	bluez_scan_hold(s->bluez);
	s->scan_timer = g_timeout_add_seconds(secs, on_scan_done, s);
	return TRUE;
}

static void on_paired(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *name = NULL;
	GDBusMethodInvocation *inv;
	struct sensors *s = data;
	const char *kind;
	struct sensor *x;

	/* Cancelled: sensors_free() answered the call, @s may be gone. */
	if (!bluez_pair_finish(NULL, res, &name, &error) &&
	    g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	inv = g_steal_pointer(&s->add_inv);
	if (error) {
		if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
			return_error(inv, "UnknownSensor", "%s",
				     error->message);
		else if (g_error_matches(error, G_IO_ERROR,
					 G_IO_ERROR_NOT_CONNECTED))
			return_error(inv, "NoAdapter", "%s", error->message);
		else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_BUSY))
			return_error(inv, "Busy", "%s", error->message);
		else
			return_error(inv, "PairingFailed", "%s",
				     error->message);
		g_message("Adding sensor %s failed: %s", s->add_addr,
			  error->message);
		return;
	}
	kind = g_hash_table_lookup(s->kinds, s->add_addr);
	if (!kind)
		kind = "hr";
	x = find(s, s->add_addr);
	if (!x)
		x = sensor_add(s, s->add_addr, name, kind);
	if (s->s.store)
		store_sensor_upsert(s->s.store, x->address, x->name, x->kind,
				    wall_ms());
	g_message("Sensor %s (%s, %s) added", label(x), x->address, x->kind);
	bluez_watch(s->bluez, x->address);
	publish(s);
	gh_hub1_complete_add_sensor(s->s.skel, inv);
}

static gboolean on_add(GhHub1 *o, GDBusMethodInvocation *inv,
		       const char *address, gpointer data)
{
	struct sensors *s = data;
	char addr[18];

	if (!bt_address_parse(address, addr)) {
		g_dbus_method_invocation_return_dbus_error(
			inv, "org.freedesktop.DBus.Error.InvalidArgs",
			"not a Bluetooth address (AA:BB:CC:DD:EE:FF)");
		return TRUE;
	}
	if (find(s, addr)) {
		gh_hub1_complete_add_sensor(o, inv);
		return TRUE;
	}
	if (s->add_inv) {
		return_error(inv, "Busy", "already adding %s", s->add_addr);
		return TRUE;
	}
	if (!bluetooth_ready(s, inv))
		return TRUE;
	s->add_inv = inv;
	g_strlcpy(s->add_addr, addr, sizeof(s->add_addr));
	bluez_pair(s->bluez, addr, s->cancel, on_paired, s);
	return TRUE;
}

static gboolean on_forget(GhHub1 *o, GDBusMethodInvocation *inv,
			  const char *address, gpointer data)
{
	struct sensors *s = data;
	char addr[18];
	struct sensor *x;

	x = bt_address_parse(address, addr) ? find(s, addr) : NULL;
	if (!x) {
		return_error(inv, "UnknownSensor",
			     "%s is not an added sensor (gymhubctl sensors)",
			     address);
		return TRUE;
	}
	g_message("Sensor %s (%s) forgotten", label(x), x->address);
	if (s->motion == x)
		set_motion(s, NULL);
	bluez_forget(s->bluez, x->address);
	if (s->s.store)
		store_sensor_remove(s->s.store, x->address);
	g_ptr_array_remove(s->list, x);
	publish(s);
	gh_hub1_complete_forget_sensor(o, inv);
	return TRUE;
}

/* --- life */

static void load_known(struct sensors *s, const char *database)
{
	struct sq_sensor *list = NULL;
	struct sq *q = NULL;
	size_t n = 0, i;
	int r;

	if (!database)
		return;
	r = sq_open(database, &q);
	if (r == 0)
		r = sq_sensors(q, &list, &n);
	if (r < 0 && r != -ENOENT)
		g_warning("Cannot read the added sensors from %s: %s", database,
			  g_strerror(-r));
	for (i = 0; i < n; i++) {
		struct sensor *x = sensor_add(s, list[i].address, list[i].name,
					      list[i].kind);

		x->battery = list[i].battery;
		x->last_seen_ms = list[i].last_seen_ms;
	}
	sq_sensors_free(list, n);
	sq_close(q);
}

struct sensors *sensors_new(const struct sensors_setup *setup)
{
	static const struct bluez_ops ops = {
		.state_changed = on_state,
		.link_changed = on_link,
		.notified = on_notified,
		.battery = on_battery,
		.seen = on_seen,
	};
	struct sensors *s = g_new0(struct sensors, 1);
	char addr[18];
	guint i;

	s->s = *setup;
	s->s.database = NULL; /* borrowed; only used here */
	s->session = -1;
	s->list = g_ptr_array_new_with_free_func(sensor_free);
	s->kinds =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (setup->primary && bt_address_parse(setup->primary, addr))
		s->primary = g_strdup(addr);
	s->cancel = g_cancellable_new();
	load_known(s, setup->database);
	g_signal_connect(s->s.skel, "handle-scan", G_CALLBACK(on_scan), s);
	g_signal_connect(s->s.skel, "handle-add-sensor", G_CALLBACK(on_add), s);
	g_signal_connect(s->s.skel, "handle-forget-sensor",
			 G_CALLBACK(on_forget), s);
	gh_hub1_set_bluetooth(s->s.skel, bluez_state_name(BLUEZ_NO_BLUEZ));
	s->bluez = bluez_new(setup->bus, setup->adapter, &ops, s);
	for (i = 0; i < s->list->len; i++)
		bluez_watch(s->bluez,
			    ((struct sensor *)g_ptr_array_index(s->list, i))
				    ->address);
	if (s->list->len)
		g_message("%u sensor(s) added: connecting them when in reach",
			  s->list->len);
	publish(s);
	return s;
}

const char *sensors_motion_address(struct sensors *s)
{
	return s && s->motion ? s->motion->address : "";
}

void sensors_set_session(struct sensors *s, int64_t session)
{
	guint i;

	s->session = session;
	for (i = 0; i < s->list->len; i++) {
		struct sensor *x = g_ptr_array_index(s->list, i);

		/* only sensors there during the session can have gaps */
		x->in_session = session >= 0 && x->up;
		x->gap_lost_ms = 0;
	}
}

void sensors_free(struct sensors *s)
{
	if (!s)
		return;
	g_signal_handlers_disconnect_by_data(s->s.skel, s);
	if (s->scan_timer)
		g_source_remove(s->scan_timer);
	if (s->scan_inv)
		return_error(s->scan_inv, "Failed", "gymhubd is stopping");
	g_clear_pointer(&s->scan_seen, g_hash_table_unref);
	g_cancellable_cancel(s->cancel);
	if (s->add_inv)
		return_error(g_steal_pointer(&s->add_inv), "Failed",
			     "gymhubd is stopping");
	bluez_free(s->bluez);
	g_object_unref(s->cancel);
	g_clear_handle_id(&s->tick, g_source_remove);
	g_hash_table_unref(s->kinds);
	g_ptr_array_unref(s->list);
	g_free(s->primary);
	g_free(s);
}
