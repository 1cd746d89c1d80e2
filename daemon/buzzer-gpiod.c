/* SPDX-License-Identifier: MIT */
/*
 * buzzer-gpiod.c - an active buzzer on a GPIO output line.
 *
 * Every libgpiod call of gymhub is in this file, written against the v1
 * API of libgpiod 1.6 (Debian 12). Moving to libgpiod 2.x means replacing
 * this file only: the chip/line/request calls map onto
 * gpiod_chip_open(), gpiod_line_settings and gpiod_chip_request_lines().
 *
 * An active buzzer sounds at its own pitch, so @hz is ignored: the
 * rhythm of the pattern carries the meaning.
 */
#include <errno.h>
#include <gpiod.h>
#include <stdlib.h>

#include "buzzer-backend.h"

/* Shown by gpioinfo as the user of the line. */
#define BUZZER_GPIOD_CONSUMER "gymhubd"

struct buzzer_gpiod {
	struct gpiod_chip *chip;
	struct gpiod_line *line; /* requested as output when non-NULL */
};

/* libgpiod 1.6 reports failures in errno; never return 0 on failure. */
static int neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

static int gpiod_set(void *ctx, bool on, unsigned int hz)
{
	struct buzzer_gpiod *g = ctx;

	/* One SET_LINE_VALUES ioctl; active-low is applied by the request. */
	if (gpiod_line_set_value(g->line, on ? 1 : 0) < 0)
		return neg_errno();
	return 0;
}

static void gpiod_free(void *ctx)
{
	struct buzzer_gpiod *g = ctx;

	if (!g)
		return;
	if (g->line) {
		gpiod_line_set_value(g->line, 0);
		gpiod_line_release(g->line);
	}
	if (g->chip)
		gpiod_chip_close(g->chip);
	free(g);
}

static const struct buzzer_ops gpiod_ops = {
	.name = "gpiod",
	.set = gpiod_set,
	.free = gpiod_free,
};

int buzzer_new_gpiod(const char *chip, unsigned int line, bool active_low,
		     struct buzzer **ret)
{
	struct buzzer_gpiod *g;
	struct gpiod_line *l;
	int flags = active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
	int r;

	if (!chip)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	/* Accepts "gpiochip0", "/dev/gpiochip0", "0" or a chip label. */
	g->chip = gpiod_chip_open_lookup(chip);
	if (!g->chip) {
		r = neg_errno();
		goto fail;
	}
	l = gpiod_chip_get_line(g->chip, line);
	if (!l) {
		r = neg_errno();
		goto fail;
	}
	/* Starts silent: the default value 0 is "off" after active-low. */
	if (gpiod_line_request_output_flags(l, BUZZER_GPIOD_CONSUMER, flags,
					    0) < 0) {
		r = neg_errno();
		goto fail;
	}
	g->line = l;
	return buzzer_wrap(&gpiod_ops, g, ret);
fail:
	gpiod_free(g);
	return r;
}
