/* SPDX-License-Identifier: MIT */
/*
 * cue.c - names and beep patterns of the cues.
 *
 * The patterns are chosen to be told apart by ear alone, from across a
 * room, mid-effort: countdown ticks are short and high, a start is one
 * long tone, an end two tones, switch sides three quick ones, the end of
 * the workout a long falling figure, and a broken hold four quick low
 * buzzes, the one cue that means "not yet". Pitches only matter for a
 * passive buzzer; an active one sounds at its own fixed pitch, so the
 * rhythm alone must carry the meaning.
 */
#include <errno.h>
#include <string.h>

#include "cue.h"

#define T(on, off, hz)            \
	{                         \
		(on), (off), (hz) \
	}
#define END_OF_PATTERN  \
	{               \
		0, 0, 0 \
	}

static const struct cue_tone patterns[CUE_KIND_MAX][CUE_PATTERN_MAX + 1] = {
	[CUE_COUNTDOWN] = {T(80, 0, 2000), END_OF_PATTERN},
	[CUE_START] = {T(600, 0, 2500), END_OF_PATTERN},
	[CUE_HALFWAY] = {T(80, 120, 1800), T(80, 0, 1800), END_OF_PATTERN},
	[CUE_LAST10] = {T(250, 150, 2200), T(80, 0, 2200), END_OF_PATTERN},
	[CUE_END] = {T(300, 150, 1500), T(300, 0, 1500), END_OF_PATTERN},
	[CUE_SWITCH] = {T(100, 100, 2000), T(100, 100, 2000), T(100, 0, 2000),
			END_OF_PATTERN},
	[CUE_DONE] = {T(400, 100, 2500), T(400, 100, 2000), T(800, 0, 1500),
		      END_OF_PATTERN},
	[CUE_BROKEN] = {T(90, 60, 900), T(90, 60, 900), T(90, 60, 900),
			T(90, 0, 900), END_OF_PATTERN},
};

static const char *const names[CUE_KIND_MAX] = {
	[CUE_COUNTDOWN] = "countdown",
	[CUE_START] = "start",
	[CUE_HALFWAY] = "halfway",
	[CUE_LAST10] = "last10",
	[CUE_END] = "end",
	[CUE_SWITCH] = "switch",
	[CUE_DONE] = "done",
	[CUE_BROKEN] = "broken",
};

const struct cue_tone *cue_pattern(enum cue_kind kind)
{
	if ((unsigned int)kind >= CUE_KIND_MAX)
		return NULL;
	return patterns[kind];
}

const char *cue_kind_to_string(enum cue_kind kind)
{
	if ((unsigned int)kind >= CUE_KIND_MAX)
		return NULL;
	return names[kind];
}

int cue_kind_from_string(const char *s)
{
	int i;

	for (i = 0; i < CUE_KIND_MAX; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -EINVAL;
}
