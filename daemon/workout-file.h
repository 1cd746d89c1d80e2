/* SPDX-License-Identifier: MIT */
/*
 * workout-file.h - reading workouts from config/workouts/NAME.conf
 * (GKeyFile format; the format is documented in docs/workouts.md and in
 * the comments of the built-in files).
 *
 * Errors name the file and line ("tabata.conf:7: [block squats] reps:
 * expected a whole number from 1 to 1000, got '-3'"). Main thread only.
 */
#ifndef GYMHUB_WORKOUT_FILE_H
#define GYMHUB_WORKOUT_FILE_H

#include <stdbool.h>

#include <glib.h>

#include "workout.h"

/* Cue choices a workout inherits unless its file says otherwise. */
struct workout_defaults {
	uint32_t countdown_s;
	bool halfway;
	bool last10;
	bool hold_start_still; /* [motion] hold-start */
};

/* Parses one file; the workout's name is the file's stem. */
bool workout_file_load(const char *path, const struct workout_defaults *def,
		       struct workout *ret, GError **error);
/* Same, from memory: @origin names it in errors. */
bool workout_file_parse(const char *data, size_t len, const char *origin,
			const char *name, const struct workout_defaults *def,
			struct workout *ret, GError **error);

/*
 * Every *.conf in @dirs (NULL-terminated; a later dir overrides a name
 * from an earlier one), sorted by name. A file that fails to parse is
 * left out and its error appended to @ret_errors (one message per file,
 * may be NULL). Returns a GPtrArray of struct workout *, freed with it.
 */
GPtrArray *workout_file_load_dirs(const char *const *dirs,
				  const struct workout_defaults *def,
				  GPtrArray *ret_errors);

#endif
