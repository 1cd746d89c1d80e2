/* SPDX-License-Identifier: MIT */
/*
 * workout-file.c - workouts from NAME.conf, see workout-file.h and
 * docs/workouts.md (the format, its defaults and limits).
 *
 * Each block type takes only the keys that mean something for it, so a
 * key in the wrong block ("reps" in a hold) is an error rather than a
 * setting that silently does nothing.
 */
#include <string.h>

#include "engine.h"
#include "keyfile-lines.h"
#include "workout-file.h"

/* Longest work, hold, warm-up or rest: an hour. */
#define MAX_SECONDS 3600
#define MAX_ROUNDS  100
#define MAX_SETS    50
#define MAX_REPS    1000

#define DEFAULT_PREP_S	 10
#define DEFAULT_SWITCH_S 5

#define WORKOUT_GROUP "workout"
#define BLOCK_PREFIX  "block"

static const char *const workout_keys[] = {
	"title",  "description", "prep",       "countdown", "halfway",
	"last10", "transition",	 "hold-start", NULL};

/* Indexed by enum block_kind. */
static const char *const kind_names[] = {
	[BLOCK_WARMUP] = "warmup",
	[BLOCK_INTERVAL] = "interval",
	[BLOCK_HOLD] = "hold",
	[BLOCK_REPS] = "reps",
};

#define K_WARMUP   (1u << BLOCK_WARMUP)
#define K_INTERVAL (1u << BLOCK_INTERVAL)
#define K_HOLD	   (1u << BLOCK_HOLD)
#define K_REPS	   (1u << BLOCK_REPS)
#define K_ALL	   (K_WARMUP | K_INTERVAL | K_HOLD | K_REPS)

/* Which block types each key means something for. */
static const struct {
	const char *name;
	unsigned int kinds;
} block_keys[] = {
	{"type", K_ALL},
	{"exercise", K_ALL},
	{"exercises", K_INTERVAL},
	{"work", K_WARMUP | K_INTERVAL | K_HOLD},
	{"rest", K_INTERVAL | K_HOLD | K_REPS},
	{"rounds", K_INTERVAL},
	{"sets", K_INTERVAL | K_HOLD | K_REPS},
	{"set-rest", K_INTERVAL},
	{"reps", K_REPS},
	{"per-side", K_HOLD},
	{"switch", K_HOLD},
	{"hold-start", K_HOLD},
	{"rest-after", K_ALL},
};

static const char *const block_key_names[] = {
	"type",	  "exercise",	"exercises",  "work", "rest",
	"rounds", "sets",	"set-rest",   "reps", "per-side",
	"switch", "hold-start", "rest-after", NULL};

static bool valid_name(const char *name)
{
	const char *p;

	if (!*name || strlen(name) >= WORKOUT_NAME_MAX)
		return false;
	for (p = name; *p; p++)
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '-' &&
		    *p != '_')
			return false;
	return true;
}

/* "block squats" -> "squats"; NULL when not a block group. */
static const char *block_name(const char *group)
{
	size_t n = strlen(BLOCK_PREFIX);

	if (strncmp(group, BLOCK_PREFIX, n) != 0)
		return NULL;
	if (group[n] == '\0')
		return group + n;
	if (group[n] != ' ' && group[n] != '\t')
		return NULL;
	group += n;
	while (*group == ' ' || *group == '\t')
		group++;
	return group;
}

static bool check_group(const struct keyfile_lines *kl, const char *group,
			GError **error)
{
	static const char *const block_word[] = {BLOCK_PREFIX, NULL};
	static const char *const workout_word[] = {WORKOUT_GROUP, NULL};
	unsigned int line = keyfile_lines_group_line(kl, group);
	const char *name = block_name(group), *space;
	g_autofree char *first = NULL;

	if (strcmp(group, WORKOUT_GROUP) == 0 || (name && *name))
		return true;
	if (name) {
		keyfile_lines_set_error_at(
			kl, error, KEYFILE_LINES_ERROR_SYNTAX, line,
			"a block needs a name: [block NAME]");
		return false;
	}
	space = strpbrk(group, " \t");
	first = g_strndup(group,
			  space ? (size_t)(space - group) : strlen(group));
	if (space && keyfile_lines_closest(first, block_word))
		keyfile_lines_set_error_at(
			kl, error, KEYFILE_LINES_ERROR_UNKNOWN, line,
			"unknown group [%s]; did you mean [block%s]?", group,
			space);
	else if (!space && keyfile_lines_closest(first, workout_word))
		keyfile_lines_set_error_at(
			kl, error, KEYFILE_LINES_ERROR_UNKNOWN, line,
			"unknown group [%s]; did you mean [workout]?", group);
	else
		keyfile_lines_set_error_at(
			kl, error, KEYFILE_LINES_ERROR_UNKNOWN, line,
			"unknown group [%s]; expected [workout] or "
			"[block NAME]",
			group);
	return false;
}

static void unknown_key(const struct keyfile_lines *kl, const char *group,
			const char *key, const char *const *known,
			GError **error)
{
	const char *hint = keyfile_lines_closest(key, known);

	keyfile_lines_set_error_at(kl, error, KEYFILE_LINES_ERROR_UNKNOWN,
				   keyfile_lines_key_line(kl, group, key),
				   "unknown key '%s' in [%s]%s%s%s", key, group,
				   hint ? "; did you mean '" : "",
				   hint ? hint : "", hint ? "'?" : "");
}

/* Every key known and meaningful for a block of @kind. */
static bool check_block_keys(const struct keyfile_lines *kl, const char *group,
			     enum block_kind kind, GError **error)
{
	const char *const *k;
	size_t i;

	for (k = keyfile_lines_keys(kl, group); *k; k++) {
		for (i = 0; i < G_N_ELEMENTS(block_keys); i++)
			if (strcmp(*k, block_keys[i].name) == 0)
				break;
		if (i == G_N_ELEMENTS(block_keys)) {
			unknown_key(kl, group, *k, block_key_names, error);
			return false;
		}
		if (!(block_keys[i].kinds & (1u << kind))) {
			keyfile_lines_set_error(
				kl, error, KEYFILE_LINES_ERROR_UNUSED, group,
				*k, "not used by a%s %s block",
				kind == BLOCK_INTERVAL ? "n" : "",
				kind_names[kind]);
			return false;
		}
	}
	return true;
}

static bool get_kind(const struct keyfile_lines *kl, const char *group,
		     enum block_kind *ret, GError **error)
{
	g_autofree char *type = NULL;
	size_t i;

	if (!keyfile_lines_get_string(kl, group, "type", 0, &type, error))
		return false;
	if (!type) {
		keyfile_lines_set_error(kl, error, KEYFILE_LINES_ERROR_MISSING,
					group, NULL,
					"missing 'type' (warmup, interval, "
					"hold or reps)");
		return false;
	}
	for (i = 0; i < G_N_ELEMENTS(kind_names); i++) {
		if (strcmp(type, kind_names[i]) == 0) {
			*ret = (enum block_kind)i;
			return true;
		}
	}
	keyfile_lines_set_error(kl, error, KEYFILE_LINES_ERROR_INVALID, group,
				"type",
				"expected warmup, interval, hold or reps, got "
				"'%s'",
				type);
	return false;
}

static bool check_required(const struct keyfile_lines *kl, const char *group,
			   enum block_kind kind, GError **error)
{
	static const char *const required[][3] = {
		[BLOCK_WARMUP] = {"work", NULL, NULL},
		[BLOCK_INTERVAL] = {"work", "rounds", NULL},
		[BLOCK_HOLD] = {"work", NULL, NULL},
		[BLOCK_REPS] = {"reps", NULL, NULL},
	};
	const char *const *k;

	for (k = required[kind]; *k; k++) {
		if (keyfile_lines_key_line(kl, group, *k))
			continue;
		keyfile_lines_set_error(
			kl, error, KEYFILE_LINES_ERROR_MISSING, group, NULL,
			"missing '%s': a%s %s block needs %s%s%s", *k,
			kind == BLOCK_INTERVAL ? "n" : "", kind_names[kind],
			required[kind][0], required[kind][1] ? " and " : "",
			required[kind][1] ? required[kind][1] : "");
		return false;
	}
	return true;
}

static bool get_exercises(const struct keyfile_lines *kl, const char *group,
			  const char *name, struct block *b, GError **error)
{
	g_auto(GStrv) list = NULL;
	size_t n;

	if (keyfile_lines_key_line(kl, group, "exercise") &&
	    keyfile_lines_key_line(kl, group, "exercises")) {
		keyfile_lines_set_error(kl, error, KEYFILE_LINES_ERROR_INVALID,
					group, "exercises",
					"give either exercise or exercises, "
					"not both");
		return false;
	}
	if (!keyfile_lines_get_list(kl, group, "exercises",
				    WORKOUT_EXERCISE_MAX - 1, &list, error))
		return false;
	if (!list) {
		g_autofree char *one = NULL;

		if (!keyfile_lines_get_string(kl, group, "exercise",
					      WORKOUT_EXERCISE_MAX - 1, &one,
					      error))
			return false;
		/* Without one, the block's own name says what to do. */
		if (!one && strlen(name) >= WORKOUT_EXERCISE_MAX) {
			keyfile_lines_set_error(
				kl, error, KEYFILE_LINES_ERROR_INVALID, group,
				NULL,
				"the block's name is too long to name its "
				"exercise (at most %d bytes); add exercise=",
				WORKOUT_EXERCISE_MAX - 1);
			return false;
		}
		g_strlcpy(b->exercises[0], one ? one : name,
			  WORKOUT_EXERCISE_MAX);
		b->n_exercises = 1;
		return true;
	}
	n = g_strv_length(list);
	if (n > WORKOUT_MAX_EXERCISES) {
		keyfile_lines_set_error(kl, error, KEYFILE_LINES_ERROR_INVALID,
					group, "exercises",
					"at most %d exercises, got %zu",
					WORKOUT_MAX_EXERCISES, n);
		return false;
	}
	for (b->n_exercises = 0; b->n_exercises < n; b->n_exercises++)
		g_strlcpy(b->exercises[b->n_exercises], list[b->n_exercises],
			  WORKOUT_EXERCISE_MAX);
	return true;
}

/* hold-start values; the index is the value of wait_still. */
static const char *const hold_start_names[] = {"timer", "still", NULL};

static bool parse_block(const struct keyfile_lines *kl, const char *group,
			uint32_t transition_ms, bool hold_start_still,
			struct block *b, GError **error)
{
	enum block_kind kind;
	unsigned int hold_start = hold_start_still;

	memset(b, 0, sizeof(*b));
	if (!get_kind(kl, group, &kind, error) ||
	    !check_block_keys(kl, group, kind, error) ||
	    !check_required(kl, group, kind, error) ||
	    !get_exercises(kl, group, block_name(group), b, error))
		return false;
	b->kind = kind;
	b->rounds = 1;
	b->sets = 1;
	b->switch_ms = DEFAULT_SWITCH_S * 1000;
	b->rest_after_ms = transition_ms;
	if (!keyfile_lines_get_seconds(kl, group, "work", 1, MAX_SECONDS,
				       &b->work_ms, error) ||
	    !keyfile_lines_get_seconds(kl, group, "rest", 0, MAX_SECONDS,
				       &b->rest_ms, error) ||
	    !keyfile_lines_get_uint(kl, group, "rounds", 1, MAX_ROUNDS,
				    &b->rounds, error) ||
	    !keyfile_lines_get_uint(kl, group, "sets", 1, MAX_SETS, &b->sets,
				    error) ||
	    !keyfile_lines_get_uint(kl, group, "reps", 1, MAX_REPS, &b->reps,
				    error) ||
	    !keyfile_lines_get_bool(kl, group, "per-side", &b->per_side,
				    error) ||
	    !keyfile_lines_get_seconds(kl, group, "rest-after", 0, MAX_SECONDS,
				       &b->rest_after_ms, error) ||
	    !keyfile_lines_get_choice(kl, group, "hold-start", hold_start_names,
				      &hold_start, error))
		return false;
	b->wait_still = kind == BLOCK_HOLD && hold_start == 1;
	/* Between sets, a circuit rests as between rounds unless told. */
	b->set_rest_ms = b->rest_ms;
	if (!keyfile_lines_get_seconds(kl, group, "set-rest", 0, MAX_SECONDS,
				       &b->set_rest_ms, error))
		return false;
	if (keyfile_lines_key_line(kl, group, "switch") && !b->per_side) {
		keyfile_lines_set_error(kl, error, KEYFILE_LINES_ERROR_UNUSED,
					group, "switch",
					"only used with per-side=true");
		return false;
	}
	if (!keyfile_lines_get_seconds(kl, group, "switch", 0, MAX_SECONDS,
				       &b->switch_ms, error))
		return false;
	if (!b->per_side)
		b->switch_ms = 0;
	/* Exercises past the last round would never come up. */
	if (b->n_exercises > b->rounds) {
		keyfile_lines_set_error(kl, error, KEYFILE_LINES_ERROR_INVALID,
					group, "exercises",
					"%zu exercises but only %u rounds; "
					"one exercise per round",
					b->n_exercises, b->rounds);
		return false;
	}
	return true;
}

/*
 * At least as many segments as engine_new() makes of @w (rests of 0 s
 * counted although the engine may drop them), so a workout that passes
 * here never fails there with -E2BIG.
 */
static size_t count_segments(const struct workout *w)
{
	size_t n = 1, i; /* prep */

	for (i = 0; i < w->n_blocks; i++) {
		const struct block *b = &w->blocks[i];
		size_t per_set = 0;

		switch (b->kind) {
		case BLOCK_WARMUP:
			per_set = 1;
			break;
		case BLOCK_INTERVAL:
			per_set = 2 * (size_t)b->rounds;
			break;
		case BLOCK_HOLD:
			per_set = b->per_side ? 4 : 2;
			break;
		case BLOCK_REPS:
			per_set = 2;
			break;
		}
		n += per_set * b->sets + 1;
	}
	return n;
}

static bool parse_workout(const struct keyfile_lines *kl, const char *name,
			  const struct workout_defaults *def, struct workout *w,
			  GError **error)
{
	g_autofree char *title = NULL, *description = NULL;
	uint32_t transition_ms = 0;
	unsigned int hold_start = def->hold_start_still;
	const char *const *g, *const *k;
	unsigned int wline = keyfile_lines_group_line(kl, WORKOUT_GROUP);

	for (g = keyfile_lines_groups(kl); *g; g++)
		if (!check_group(kl, *g, error))
			return false;
	if (!wline) {
		keyfile_lines_set_error_at(kl, error,
					   KEYFILE_LINES_ERROR_MISSING, 0,
					   "no [workout] group (title, prep, "
					   "...)");
		return false;
	}
	for (k = keyfile_lines_keys(kl, WORKOUT_GROUP); *k; k++) {
		if (!g_strv_contains(workout_keys, *k)) {
			unknown_key(kl, WORKOUT_GROUP, *k, workout_keys, error);
			return false;
		}
	}

	g_strlcpy(w->name, name, sizeof(w->name));
	w->prep_ms = DEFAULT_PREP_S * 1000;
	w->countdown_s = def->countdown_s;
	w->halfway = def->halfway;
	w->last10 = def->last10;
	if (!keyfile_lines_get_string(kl, WORKOUT_GROUP, "title",
				      WORKOUT_TITLE_MAX - 1, &title, error) ||
	    !keyfile_lines_get_string(kl, WORKOUT_GROUP, "description",
				      WORKOUT_DESCRIPTION_MAX - 1, &description,
				      error) ||
	    !keyfile_lines_get_seconds(kl, WORKOUT_GROUP, "prep", 0,
				       MAX_SECONDS, &w->prep_ms, error) ||
	    !keyfile_lines_get_uint(kl, WORKOUT_GROUP, "countdown", 0, 10,
				    &w->countdown_s, error) ||
	    !keyfile_lines_get_bool(kl, WORKOUT_GROUP, "halfway", &w->halfway,
				    error) ||
	    !keyfile_lines_get_bool(kl, WORKOUT_GROUP, "last10", &w->last10,
				    error) ||
	    !keyfile_lines_get_seconds(kl, WORKOUT_GROUP, "transition", 0,
				       MAX_SECONDS, &transition_ms, error) ||
	    !keyfile_lines_get_choice(kl, WORKOUT_GROUP, "hold-start",
				      hold_start_names, &hold_start, error))
		return false;
	g_strlcpy(w->title, title ? title : name, sizeof(w->title));
	g_strlcpy(w->description, description ? description : "",
		  sizeof(w->description));

	/* Blocks run in file order, which keyfile_lines_groups() keeps. */
	for (g = keyfile_lines_groups(kl); *g; g++) {
		if (!block_name(*g))
			continue;
		if (w->n_blocks == WORKOUT_MAX_BLOCKS) {
			keyfile_lines_set_error(
				kl, error, KEYFILE_LINES_ERROR_INVALID, *g,
				NULL, "too many blocks: at most %d",
				WORKOUT_MAX_BLOCKS);
			return false;
		}
		if (!parse_block(kl, *g, transition_ms, hold_start == 1,
				 &w->blocks[w->n_blocks], error))
			return false;
		w->n_blocks++;
	}
	if (w->n_blocks == 0) {
		keyfile_lines_set_error_at(kl, error,
					   KEYFILE_LINES_ERROR_MISSING, wline,
					   "no blocks: add at least one "
					   "[block NAME] group");
		return false;
	}
	/* Nothing follows the last block to rest before. */
	w->blocks[w->n_blocks - 1].rest_after_ms = 0;
	if (count_segments(w) > ENGINE_MAX_SEGMENTS) {
		keyfile_lines_set_error_at(
			kl, error, KEYFILE_LINES_ERROR_INVALID, wline,
			"too long: up to %zu steps, at most "
			"%d in one workout",
			count_segments(w), ENGINE_MAX_SEGMENTS);
		return false;
	}
	return true;
}

bool workout_file_parse(const char *data, size_t len, const char *origin,
			const char *name, const struct workout_defaults *def,
			struct workout *ret, GError **error)
{
	struct keyfile_lines *kl = NULL;
	struct workout *w = NULL;
	bool ok = false;

	if (!valid_name(name)) {
		g_set_error(error, KEYFILE_LINES_ERROR,
			    KEYFILE_LINES_ERROR_INVALID,
			    "%s: bad workout name '%s': the file name before "
			    ".conf must be 1 to %d of a-z, 0-9, '-' and '_'",
			    origin, name, WORKOUT_NAME_MAX - 1);
		goto out;
	}
	kl = keyfile_lines_new(data, len, origin, error);
	if (!kl)
		goto out;
	/* Built aside, so *ret is never left half-written. */
	w = g_new0(struct workout, 1);
	if (!parse_workout(kl, name, def, w, error))
		goto out;
	*ret = *w;
	ok = true;
out:
	g_free(w);
	keyfile_lines_free(kl);
	return ok;
}

bool workout_file_load(const char *path, const struct workout_defaults *def,
		       struct workout *ret, GError **error)
{
	g_autofree char *data = NULL, *base = NULL;
	gsize len;

	if (!g_file_get_contents(path, &data, &len, error))
		return false;
	base = g_path_get_basename(path);
	if (g_str_has_suffix(base, ".conf"))
		base[strlen(base) - strlen(".conf")] = '\0';
	return workout_file_parse(data, len, path, base, def, ret, error);
}

static int compare_names(gconstpointer a, gconstpointer b)
{
	const struct workout *const *wa = a, *const *wb = b;

	return strcmp((*wa)->name, (*wb)->name);
}

static int compare_strings(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* *.conf in @dir, sorted; hidden files (editor leftovers) skipped. */
static GPtrArray *list_dir(const char *dir, GError **error)
{
	g_autoptr(GPtrArray) names = NULL;
	GDir *d = g_dir_open(dir, 0, error);
	const char *n;

	if (!d)
		return NULL;
	names = g_ptr_array_new_with_free_func(g_free);
	while ((n = g_dir_read_name(d)))
		if (n[0] != '.' && g_str_has_suffix(n, ".conf"))
			g_ptr_array_add(names, g_build_filename(dir, n, NULL));
	g_dir_close(d);
	g_ptr_array_sort(names, compare_strings);
	return g_steal_pointer(&names);
}

GPtrArray *workout_file_load_dirs(const char *const *dirs,
				  const struct workout_defaults *def,
				  GPtrArray *ret_errors)
{
	/* name (inside its value) -> struct workout * */
	g_autoptr(GHashTable) by_name =
		g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter iter;
	gpointer value;
	guint i;

	for (; dirs && *dirs; dirs++) {
		g_autoptr(GPtrArray) paths = NULL;
		g_autoptr(GError) e = NULL;

		paths = list_dir(*dirs, &e);
		if (!paths) {
			/* A directory nobody created is not a mistake. */
			if (!g_error_matches(e, G_FILE_ERROR,
					     G_FILE_ERROR_NOENT) &&
			    ret_errors)
				g_ptr_array_add(ret_errors,
						g_strdup(e->message));
			continue;
		}
		for (i = 0; i < paths->len; i++) {
			struct workout *w = g_new0(struct workout, 1);

			g_clear_error(&e);
			if (!workout_file_load(g_ptr_array_index(paths, i), def,
					       w, &e)) {
				/*
				 * A broken override leaves the earlier
				 * workout of that name in place.
				 */
				if (ret_errors)
					g_ptr_array_add(ret_errors,
							g_strdup(e->message));
				g_free(w);
				continue;
			}
			/* replace, not insert: the key lives in the value */
			g_hash_table_replace(by_name, w->name, w);
		}
	}
	g_hash_table_iter_init(&iter, by_name);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		g_ptr_array_add(out, value);
		g_hash_table_iter_steal(&iter);
	}
	g_ptr_array_sort(out, compare_names);
	return out;
}
