/* SPDX-License-Identifier: MIT */
/*
 * button-press.c - debounce and press classification (see the header).
 *
 * Per button: the raw level and since when it holds, the settled level,
 * and for a settled press its start and whether LONG went out. A raw
 * level becomes the settled one once it has held for the debounce time;
 * anything shorter was a bounce or a glitch.
 */
#include <errno.h>
#include <stdlib.h>

#include "button-press.h"

struct button {
	bool raw_down;	    /* the line's last level, as pressed/released */
	uint64_t raw_since; /* its last edge */
	bool down;	    /* settled */
	uint64_t down_since;
	bool long_sent;
};

struct button_press {
	struct button_press_config cfg;
	unsigned int n;
	struct button b[BUTTON_PRESS_MAX_BUTTONS];
};

struct button_press *button_press_new(const struct button_press_config *cfg,
				      unsigned int n_buttons)
{
	struct button_press *bp;

	if (n_buttons == 0 || n_buttons > BUTTON_PRESS_MAX_BUTTONS)
		return NULL;
	bp = calloc(1, sizeof(*bp));
	if (!bp)
		return NULL;
	bp->cfg = *cfg;
	if (!bp->cfg.debounce_ns)
		bp->cfg.debounce_ns = BUTTON_PRESS_DEBOUNCE_NS;
	if (!bp->cfg.long_press_ns)
		bp->cfg.long_press_ns = BUTTON_PRESS_LONG_PRESS_NS;
	bp->n = n_buttons;
	return bp;
}

void button_press_free(struct button_press *bp)
{
	free(bp);
}

static bool level_is_down(const struct button_press *bp, bool line_high)
{
	return line_high != bp->cfg.active_low;
}

int button_press_reset(struct button_press *bp, unsigned int button,
		       bool line_high, uint64_t time_ns)
{
	struct button *b;

	if (button >= bp->n)
		return -EINVAL;
	b = &bp->b[button];
	b->raw_down = b->down = level_is_down(bp, line_high);
	b->raw_since = b->down_since = time_ns;
	/* a button already held at start-up never fires */
	b->long_sent = b->down;
	return 0;
}

static void emit(struct button_press_event *out, int *n, unsigned int button,
		 enum button_press_kind kind, uint64_t t)
{
	out[*n].button = button;
	out[*n].kind = kind;
	out[*n].time_ns = t;
	(*n)++;
}

/* Decides what is known about @button at @t: a level that settled, a
 * press held past the long-press time. At most one event. */
static void advance(struct button_press *bp, unsigned int i, uint64_t t,
		    struct button_press_event *out, int *n)
{
	struct button *b = &bp->b[i];
	uint64_t long_at, held_until;

	if (b->raw_down != b->down && t >= b->raw_since &&
	    t - b->raw_since >= bp->cfg.debounce_ns) {
		if (b->raw_down) {
			b->down = true;
			b->down_since = b->raw_since;
			b->long_sent = false;
		} else {
			b->down = false;
			if (!b->long_sent) {
				long_at = b->down_since + bp->cfg.long_press_ns;
				/* a release dated past the threshold means
				 * it was held that long: LONG, even if we
				 * are only hearing of it now */
				if (b->raw_since >= long_at)
					emit(out, n, i, BUTTON_PRESS_LONG,
					     long_at);
				else
					emit(out, n, i, BUTTON_PRESS_SHORT,
					     b->raw_since);
				b->long_sent = true;
			}
			return;
		}
	}
	if (!b->down || b->long_sent)
		return;
	/* Held until now, or until a release that has not settled yet
	 * (it may still be a glitch, but the press lasted at least that). */
	held_until = b->raw_down ? t : b->raw_since;
	long_at = b->down_since + bp->cfg.long_press_ns;
	if (held_until >= long_at) {
		emit(out, n, i, BUTTON_PRESS_LONG, long_at);
		b->long_sent = true;
	}
}

int button_press_edge(struct button_press *bp, unsigned int button,
		      enum button_edge edge, uint64_t time_ns,
		      struct button_press_event *out)
{
	struct button *b;
	int n = 0;

	if (button >= bp->n ||
	    (edge != BUTTON_EDGE_RISING && edge != BUTTON_EDGE_FALLING))
		return -EINVAL;
	b = &bp->b[button];
	/* timestamps of one line never go back; be safe if they do */
	if (time_ns < b->raw_since)
		time_ns = b->raw_since;
	advance(bp, button, time_ns, out, &n);
	/* Two edges the same way mean the kernel lost a short pulse in
	 * between: the level is as the edge says, freshly changed. */
	b->raw_down = level_is_down(bp, edge == BUTTON_EDGE_RISING);
	b->raw_since = time_ns;
	return n;
}

int button_press_tick(struct button_press *bp, uint64_t now_ns,
		      struct button_press_event *out)
{
	unsigned int i;
	int n = 0;

	for (i = 0; i < bp->n; i++)
		if (now_ns >= bp->b[i].raw_since)
			advance(bp, i, now_ns, out, &n);
	return n;
}

uint64_t button_press_next_deadline(const struct button_press *bp)
{
	uint64_t next = BUTTON_PRESS_NO_DEADLINE, t;
	unsigned int i;

	for (i = 0; i < bp->n; i++) {
		const struct button *b = &bp->b[i];

		if (b->raw_down != b->down) {
			t = b->raw_since + bp->cfg.debounce_ns;
			if (t < next)
				next = t;
		}
		if (b->down && !b->long_sent && b->raw_down) {
			t = b->down_since + bp->cfg.long_press_ns;
			if (t < next)
				next = t;
		}
	}
	return next;
}

bool button_press_is_down(const struct button_press *bp, unsigned int button)
{
	return button < bp->n && bp->b[button].down;
}
