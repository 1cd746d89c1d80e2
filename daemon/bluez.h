/* SPDX-License-Identifier: MIT */
/*
 * bluez.h - gymhubd's BlueZ client: bluetoothd's D-Bus API (org.bluez,
 * BlueZ 5.66 doc/adapter-api.txt, device-api.txt, gatt-api.txt,
 * agent-api.txt, battery-api.txt) through GDBus.
 *
 * It follows bluetoothd's objects with a GDBusObjectManagerClient, keeps
 * the sensors it is told to watch connected (and only those: a stranger's
 * strap is never connected), subscribes to their notifications, pairs
 * through its own Agent1, and runs discovery only while a scan asks for it
 * or a watched sensor has no device object yet. When bluetoothd restarts
 * or the adapter is powered off and on, it registers again and carries on.
 *
 * Glue: main thread only, on the default GMainContext.
 */
#ifndef GYMHUB_BLUEZ_H
#define GYMHUB_BLUEZ_H

#include <stdbool.h>
#include <stdint.h>

#include <gio/gio.h>

/* Heart Rate Measurement and Body Sensor Location (Assigned Numbers). */
#define BLUEZ_UUID_HR_MEASUREMENT "00002a37-0000-1000-8000-00805f9b34fb"
#define BLUEZ_UUID_BODY_LOCATION  "00002a38-0000-1000-8000-00805f9b34fb"

struct bluez;

enum bluez_state {
	BLUEZ_NO_BLUEZ,	  /* org.bluez has no owner: bluetoothd not running */
	BLUEZ_NO_ADAPTER, /* bluetoothd has no (or not the configured) adapter
			   */
	BLUEZ_OFF,	  /* the adapter is powered off */
	BLUEZ_ON,
};
const char *bluez_state_name(enum bluez_state state); /* "on", "off", ... */

/* A device seen by a discovery: strings valid during the callback only. */
struct bluez_sighting {
	const char *address; /* AA:BB:CC:DD:EE:FF */
	const char *name;    /* "" when it gave none */
	const char *kind;    /* "hr" or "motion" (from its service UUIDs) */
	int16_t rssi;	     /* dBm, 0 when unknown */
};

struct bluez_ops {
	void (*state_changed)(enum bluez_state state, void *user_data);
	/*
	 * A watched sensor's link: @up once it is connected, its services
	 * are resolved and its notifications are on; false when it is lost.
	 * @why says what happened, for the log ("connected", "link lost",
	 * "adapter off", "bluetoothd gone", ...).
	 */
	void (*link_changed)(const char *address, bool up, const char *why,
			     void *user_data);
	/* A notification of characteristic @uuid (lowercase, 128-bit), or
	 * the value of one read once at connection (body sensor location). */
	void (*notified)(const char *address, const char *uuid,
			 const uint8_t *buf, size_t len, void *user_data);
	/* Battery level in percent (org.bluez.Battery1). */
	void (*battery)(const char *address, int percent, void *user_data);
	/* During a scan: a sensor was seen (again, maybe with a new RSSI). */
	void (*seen)(const struct bluez_sighting *s, void *user_data);
};

/*
 * Starts following bluetoothd on @bus (it may not be running yet).
 * @adapter: "hci0", or NULL for the first adapter there is.
 */
struct bluez *bluez_new(GDBusConnection *bus, const char *adapter,
			const struct bluez_ops *ops, void *user_data);
void bluez_free(struct bluez *b); /* accepts NULL */

enum bluez_state bluez_get_state(struct bluez *b);
/*
 * False for the moment after bluez_new() while bluetoothd's objects are
 * still being loaded: the state says "no bluez" then without meaning it.
 * A pairing asked for meanwhile waits for them.
 */
bool bluez_settled(struct bluez *b);

/* Keep @address connected whenever it is in reach, or stop doing so. */
void bluez_watch(struct bluez *b, const char *address);
void bluez_unwatch(struct bluez *b, const char *address);
bool bluez_is_connected(struct bluez *b, const char *address);

/* Scanning for the user: discovery runs while at least one hold is on. */
void bluez_scan_hold(struct bluez *b);
void bluez_scan_release(struct bluez *b);

/*
 * Pairs with @address (just works: the hub has no keyboard or screen)
 * and marks it trusted. A sensor not seen yet is looked for first (up to
 * 15 s). A sensor that is already paired succeeds at once. Errors:
 * G_IO_ERROR_NOT_FOUND (not in reach), G_IO_ERROR_NOT_CONNECTED (no
 * adapter or bluetoothd), G_IO_ERROR_FAILED with BlueZ's message.
 */
void bluez_pair(struct bluez *b, const char *address, GCancellable *cancellable,
		GAsyncReadyCallback callback, gpointer user_data);
gboolean bluez_pair_finish(struct bluez *b, GAsyncResult *result,
			   char **ret_name, GError **error);

/* Stops watching @address, disconnects it and removes its bonding. */
void bluez_forget(struct bluez *b, const char *address);

#endif
