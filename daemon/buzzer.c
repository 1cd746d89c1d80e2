/* SPDX-License-Identifier: MIT */
/*
 * buzzer.c - the backend-independent part of the buzzer: dispatch through
 * an ops table, so the cue thread drives every backend the same way and
 * each backend's library calls stay in its own file.
 */
#include <errno.h>
#include <stdlib.h>

#include "buzzer-backend.h"

int buzzer_wrap(const struct buzzer_ops *ops, void *ctx, struct buzzer **ret)
{
	struct buzzer *b = malloc(sizeof(*b));

	if (!b) {
		ops->free(ctx);
		return -ENOMEM;
	}
	b->ops = ops;
	b->ctx = ctx;
	*ret = b;
	return 0;
}

void *buzzer_ctx(const struct buzzer *b, const struct buzzer_ops *ops)
{
	return b && b->ops == ops ? b->ctx : NULL;
}

void buzzer_free(struct buzzer *b)
{
	if (!b)
		return;
	b->ops->free(b->ctx);
	free(b);
}

int buzzer_set(struct buzzer *b, bool on, unsigned int hz)
{
	return b->ops->set(b->ctx, on, hz);
}

const char *buzzer_backend(const struct buzzer *b)
{
	return b->ops->name;
}
