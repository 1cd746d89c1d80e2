/* SPDX-License-Identifier: MIT */
/*
 * buzzer.h - one small interface over the buzzer backends:
 *   gpiod  an active buzzer on a GPIO output line (libgpiod 1.6);
 *   pwm    a passive buzzer on a sysfs PWM channel, one pitch per cue;
 *   sim    records every edge with its CLOCK_MONOTONIC time.
 *
 * buzzer_new_*() and buzzer_free() run on the main thread and may
 * allocate and open files. buzzer_set() runs on the cue thread: it never
 * allocates, locks or logs, and makes at most the one or two system calls
 * that drive the hardware.
 */
#ifndef GYMHUB_BUZZER_H
#define GYMHUB_BUZZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buzzer;

/*
 * @chip is a name ("gpiochip0"), a path or a number; @line the offset on
 * it. -ENOENT (no such chip), -EBUSY (line held by someone else), ...
 */
int buzzer_new_gpiod(const char *chip, unsigned int line, bool active_low,
		     struct buzzer **ret);
/* /sys/class/pwm/pwmchip@chip/pwm@channel, exported if needed. */
int buzzer_new_pwm(const char *sysfs_root, unsigned int chip,
		   unsigned int channel, struct buzzer **ret);
/* Keeps the first @capacity edges; later ones are counted, not kept. */
int buzzer_new_sim(size_t capacity, struct buzzer **ret);
void buzzer_free(struct buzzer *b); /* silences the buzzer; accepts NULL */

/*
 * Turns the buzzer on (at @hz where the backend has a pitch) or off.
 * Cue thread only. 0 or -errno.
 */
int buzzer_set(struct buzzer *b, bool on, unsigned int hz);

/* "gpiod", "pwm" or "sim". */
const char *buzzer_backend(const struct buzzer *b);

struct buzzer_edge {
	uint64_t t_ns; /* CLOCK_MONOTONIC */
	bool on;
	uint16_t hz;
};

/*
 * Sim backend only: the edges recorded so far. Read them only while the
 * cue thread is stopped or through buzzer_sim_count() first (edges below
 * the count are complete: the count is published with release order).
 */
size_t buzzer_sim_count(const struct buzzer *b);
const struct buzzer_edge *buzzer_sim_edges(const struct buzzer *b);
/* Sim backend only: edges past @capacity, counted but not kept; any thread. */
uint64_t buzzer_sim_dropped(const struct buzzer *b);

#endif
