/* SPDX-License-Identifier: MIT */
/*
 * hub.h - the org.gymhub.Hub1 object: runs one workout at a time through
 * the engine, hands its cues to the cue thread, records it in the store
 * and publishes its state on D-Bus.
 *
 * Glue: main thread only, on the default GMainContext.
 */
#ifndef GYMHUB_HUB_H
#define GYMHUB_HUB_H

#include <gio/gio.h>

#include "buttons.h"
#include "cue-thread.h"
#include "hub1-generated.h"
#include "store.h"

#define HUB_BUS_NAME	"org.gymhub.Hub1"
#define HUB_OBJECT_PATH "/org/gymhub/Hub1"

struct hub;

/* Called whenever the one-line status for sd_notify(STATUS=) changes. */
typedef void (*hub_status_fn)(const char *status, void *user_data);

struct hub_setup {
	GPtrArray *workouts;	     /* struct workout *, borrowed */
	struct store *store;	     /* NULL: run without recording */
	struct cue_thread *cues;     /* borrowed */
	struct motion_stage *motion; /* borrowed; NULL: no rep counting */
	const char *buzzer_name;     /* for the Buzzer property */
	hub_status_fn on_status;
	/* The address of the motion sensor whose reps are counted ("" or
	 * NULL: unknown), for the reps stored. */
	const char *(*motion_sensor)(void *user_data);
	/* A session began (@running) or ended; @session 0: not recorded. */
	void (*on_session)(int64_t session, bool running, void *user_data);
	void *user_data;
};

/* Exports the object on @bus. */
struct hub *hub_new(GDBusConnection *bus, const struct hub_setup *setup,
		    GError **error);
/* Ends a running session as "stopped" (SIGTERM); no-op when idle. */
void hub_stop_session(struct hub *hub);
void hub_free(struct hub *hub); /* accepts NULL */

/* A button was pressed: start @workout (nothing runs), pause, resume,
 * skip or done, stop; what cannot be done now is logged, not an error. */
void hub_button(struct hub *hub, enum button_action a, const char *workout);

/*
 * Whether a motion sensor is sending (sensors.c says when this changes):
 * only then do holds wait for the runner to be still, and a hold waiting
 * when it goes away starts its countdown at once.
 */
void hub_motion_sensor(struct hub *hub, bool present);

/* The exported skeleton, for the modules that serve part of Hub1
 * (sensors.c). */
GhHub1 *hub_skeleton(struct hub *hub);

#endif
