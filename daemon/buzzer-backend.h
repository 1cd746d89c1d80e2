/* SPDX-License-Identifier: MIT */
/*
 * buzzer-backend.h - what buzzer.c shares with the backends
 * (buzzer-gpiod.c, buzzer-pwm.c, buzzer-sim.c). Not for other modules.
 *
 * A backend's _new() runs on the main thread, builds its context and hands
 * it to buzzer_wrap(); ops->set runs on the cue thread under the rules of
 * buzzer_set() (no allocation, locks or logging); ops->free runs on the
 * main thread and silences the hardware before releasing it.
 */
#ifndef GYMHUB_BUZZER_BACKEND_H
#define GYMHUB_BUZZER_BACKEND_H

#include <stdbool.h>

#include "buzzer.h"

struct buzzer_ops {
	const char *name;
	int (*set)(void *ctx, bool on, unsigned int hz);
	void (*free)(void *ctx);
};

struct buzzer {
	const struct buzzer_ops *ops;
	void *ctx;
};

/*
 * Wraps @ctx into a new buzzer. On failure (-ENOMEM) calls ops->free(ctx),
 * so a backend's _new() can simply return what this returns.
 */
int buzzer_wrap(const struct buzzer_ops *ops, void *ctx, struct buzzer **ret);

/* The backend's context if @b is of backend @ops, else NULL. */
void *buzzer_ctx(const struct buzzer *b, const struct buzzer_ops *ops);

#endif
