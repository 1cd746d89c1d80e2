/* SPDX-License-Identifier: MIT */
/*
 * sensors.h - the sensors the user added: kept connected through bluez.c,
 * their heart rate decoded, stored per session and published on Hub1
 * (Sensors, HeartRate, HeartRateZone, Bluetooth; Scan, AddSensor,
 * ForgetSensor), dropouts recorded as gaps, low batteries warned about.
 *
 * Glue: main thread only, on the default GMainContext.
 */
#ifndef GYMHUB_SENSORS_H
#define GYMHUB_SENSORS_H

#include <stdbool.h>
#include <stdint.h>

#include <gio/gio.h>

#include "hub1-generated.h"
#include "motion-stage.h"
#include "store.h"

struct sensors;

struct sensors_setup {
	GDBusConnection *bus;	     /* where bluetoothd is (the system bus) */
	GhHub1 *skel;		     /* borrowed: serves its sensor members */
	struct store *store;	     /* NULL: nothing recorded */
	struct motion_stage *motion; /* where motion samples go; may be NULL */
	const char *database;	  /* read once for the sensors added before */
	const char *adapter;	  /* "hci0"; NULL: the first there is */
	const char *primary;	  /* strap shown as HeartRate; NULL: first */
	uint16_t max_hr, rest_hr; /* zones; 0: not set */
	unsigned int low_battery; /* warn at or below, percent */
	/* The motion sensor whose samples are counted came or went. */
	void (*motion_changed)(bool present, void *user_data);
	void *user_data;
};

struct sensors *sensors_new(const struct sensors_setup *setup);
void sensors_free(struct sensors *s); /* accepts NULL */

/* The motion sensor whose samples are counted, "" when none. */
const char *sensors_motion_address(struct sensors *s);

/* Heart rate is stored with session @session (0: not recording); -1: the
 * session ended. */
void sensors_set_session(struct sensors *s, int64_t session);

#endif
