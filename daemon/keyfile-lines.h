/* SPDX-License-Identifier: MIT */
/*
 * keyfile-lines.h - a GKeyFile that knows on which line each group and key
 * is, so that every error in gymhub.conf or a workout file can say
 * "FILE:LINE: [group] key: what is wrong".
 *
 * keyfile_lines_new() scans the raw text once, line by line, accepting
 * what GKeyFile accepts (blank lines, '#' comments, [group], key=value)
 * and a little less: a key before the first group, a group or a key given
 * twice, invalid UTF-8 and control characters are errors here, where
 * GKeyFile would merge, keep the last or fail without naming a line. Then
 * GKeyFile itself parses the text; values are read through it.
 *
 * No global state: any thread may use an object, one thread at a time
 * (gymhubd reads its files on the main thread).
 */
#ifndef GYMHUB_KEYFILE_LINES_H
#define GYMHUB_KEYFILE_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#define KEYFILE_LINES_ERROR keyfile_lines_error_quark()

enum keyfile_lines_error {
	KEYFILE_LINES_ERROR_SYNTAX,    /* not a group, key=value or comment */
	KEYFILE_LINES_ERROR_DUPLICATE, /* group or key given twice */
	KEYFILE_LINES_ERROR_UNKNOWN,   /* group or key we do not know */
	KEYFILE_LINES_ERROR_INVALID,   /* value out of range or of the form */
	KEYFILE_LINES_ERROR_MISSING,   /* a required group or key is absent */
	KEYFILE_LINES_ERROR_UNUSED,    /* key that means nothing here */
};

struct keyfile_lines;

GQuark keyfile_lines_error_quark(void);

/*
 * Scans and parses @len bytes of @data; @origin (a file name) starts
 * every error message. NULL and @error set on a syntax error.
 */
struct keyfile_lines *keyfile_lines_new(const char *data, size_t len,
					const char *origin, GError **error);
void keyfile_lines_free(struct keyfile_lines *kl); /* accepts NULL */

GKeyFile *keyfile_lines_key_file(const struct keyfile_lines *kl);
const char *keyfile_lines_origin(const struct keyfile_lines *kl);

/* Group names in file order, NULL-terminated, owned by @kl. */
const char *const *keyfile_lines_groups(const struct keyfile_lines *kl);
/* Key names of @group in file order (locale keys too), or NULL. */
const char *const *keyfile_lines_keys(const struct keyfile_lines *kl,
				      const char *group);
/* 1-based line of a group or key; 0 when absent. */
unsigned int keyfile_lines_group_line(const struct keyfile_lines *kl,
				      const char *group);
unsigned int keyfile_lines_key_line(const struct keyfile_lines *kl,
				    const char *group, const char *key);

/*
 * Sets @error to "ORIGIN:LINE: MESSAGE" (just "ORIGIN: MESSAGE" for
 * line 0) in KEYFILE_LINES_ERROR.
 */
void keyfile_lines_set_error_at(const struct keyfile_lines *kl, GError **error,
				enum keyfile_lines_error code,
				unsigned int line, const char *fmt, ...)
	G_GNUC_PRINTF(5, 6);
/*
 * "ORIGIN:LINE: [GROUP] KEY: MESSAGE" at the key's line, or
 * "ORIGIN:LINE: [GROUP] MESSAGE" at the group's line when @key is NULL.
 */
void keyfile_lines_set_error(const struct keyfile_lines *kl, GError **error,
			     enum keyfile_lines_error code, const char *group,
			     const char *key, const char *fmt, ...)
	G_GNUC_PRINTF(6, 7);

/*
 * Typed getters. Each leaves *@ret untouched and returns true when the
 * key is absent, so callers preset the default. A bad value returns false
 * with an error naming the line, the range and what was found.
 */
bool keyfile_lines_get_uint(const struct keyfile_lines *kl, const char *group,
			    const char *key, uint32_t min, uint32_t max,
			    uint32_t *ret, GError **error);
/* Same, for a duration in whole seconds, stored in milliseconds. */
bool keyfile_lines_get_seconds(const struct keyfile_lines *kl,
			       const char *group, const char *key,
			       uint32_t min_s, uint32_t max_s, uint32_t *ret_ms,
			       GError **error);
bool keyfile_lines_get_bool(const struct keyfile_lines *kl, const char *group,
			    const char *key, bool *ret, GError **error);
/*
 * A string, unescaped and stripped of surrounding blanks, of 1 to
 * @max_len bytes (0: no limit). *@ret is replaced, the old one freed.
 */
bool keyfile_lines_get_string(const struct keyfile_lines *kl, const char *group,
			      const char *key, size_t max_len, char **ret,
			      GError **error);
/*
 * One of @names (NULL-terminated): *@ret is its index. The error lists
 * the choices and suggests the closest for a typo.
 */
bool keyfile_lines_get_choice(const struct keyfile_lines *kl, const char *group,
			      const char *key, const char *const *names,
			      unsigned int *ret, GError **error);
/*
 * A ';'-separated list: items stripped, empty ones dropped, at least one
 * left, each of at most @max_len bytes (0: no limit). *@ret is replaced.
 */
bool keyfile_lines_get_list(const struct keyfile_lines *kl, const char *group,
			    const char *key, size_t max_len, char ***ret,
			    GError **error);

/*
 * The candidate closest to @word (typos: a wrong, missing, extra or
 * swapped letter), if it is within 2 edits; else NULL. For "did you mean".
 */
const char *keyfile_lines_closest(const char *word,
				  const char *const *candidates);

#endif
