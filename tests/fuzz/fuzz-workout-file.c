/* SPDX-License-Identifier: MIT */
/*
 * fuzz-workout-file.c - libFuzzer target: a workout file as outside
 * bytes. Whatever parses must also flatten in the engine (or be refused
 * by it with an error code), so a file the loader accepts can never crash
 * the daemon at Start.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "engine.h"
#include "workout-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct workout_defaults def = {.countdown_s = 3};
	static struct workout w; /* large: keep it off the stack */
	struct engine *e = NULL;
	GError *error = NULL;
	bool ok;

	ok = workout_file_parse((const char *)data, size, "fuzz.conf", "fuzz",
				&def, &w, &error);
	assert(ok == (error == NULL));
	if (error)
		assert(strncmp(error->message, "fuzz.conf:", 10) == 0);
	g_clear_error(&error);
	if (ok && engine_new(&w, &e) == 0) {
		struct cue cues[64];
		uint64_t now = 1000000000;

		/* run it through at accelerated time, taking every cue */
		engine_start(e, now);
		while (engine_state(e) == ENGINE_RUNNING) {
			uint64_t next = engine_next_deadline(e);

			while (engine_take_cues(e, cues, 64) == 64)
				;
			if (next == UINT64_MAX) {
				if (engine_done(e, now) < 0)
					engine_skip(e, now);
			} else
				engine_advance(e, now = next);
		}
		engine_free(e);
	}
	return 0;
}
