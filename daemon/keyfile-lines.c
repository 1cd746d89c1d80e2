/* SPDX-License-Identifier: MIT */
/*
 * keyfile-lines.c - line numbers for GKeyFile, see keyfile-lines.h.
 *
 * The scan mirrors GLib's g_key_file_parse_line(): a line is split at
 * '\n' and loses one trailing '\r'; after leading blanks it is empty, a
 * '#' comment, a "[group]" (blanks around it allowed) or "key=value"
 * (blanks around the key and before the value dropped). Anything the scan
 * lets through GKeyFile accepts, so its own line-less messages never reach
 * a user.
 */
#include <stdarg.h>
#include <string.h>

#include "keyfile-lines.h"

struct kl_group {
	char *name;
	unsigned int line;
	GPtrArray *key_names;  /* char *, NULL-terminated once scanned */
	GHashTable *key_lines; /* name (in key_names) -> line */
};

struct keyfile_lines {
	char *origin;
	GKeyFile *kf;
	GPtrArray *groups;	/* struct kl_group *, file order */
	GPtrArray *group_names; /* borrowed from groups, NULL-terminated */
	GHashTable *by_name;	/* name -> struct kl_group * */
};

GQuark keyfile_lines_error_quark(void)
{
	return g_quark_from_static_string("keyfile-lines-error-quark");
}

static void kl_group_free(void *p)
{
	struct kl_group *g = p;

	if (!g)
		return;
	g_hash_table_unref(g->key_lines);
	g_ptr_array_unref(g->key_names);
	g_free(g->name);
	g_free(g);
}

void keyfile_lines_free(struct keyfile_lines *kl)
{
	if (!kl)
		return;
	if (kl->by_name)
		g_hash_table_unref(kl->by_name);
	if (kl->group_names)
		g_ptr_array_unref(kl->group_names);
	if (kl->groups)
		g_ptr_array_unref(kl->groups);
	if (kl->kf)
		g_key_file_unref(kl->kf);
	g_free(kl->origin);
	g_free(kl);
}

static void set_error_va(const struct keyfile_lines *kl, GError **error,
			 enum keyfile_lines_error code, unsigned int line,
			 const char *prefix, const char *fmt, va_list ap)
	G_GNUC_PRINTF(6, 0);

static void set_error_va(const struct keyfile_lines *kl, GError **error,
			 enum keyfile_lines_error code, unsigned int line,
			 const char *prefix, const char *fmt, va_list ap)
{
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);

	if (line)
		g_set_error(error, KEYFILE_LINES_ERROR, code, "%s:%u: %s%s",
			    kl->origin, line, prefix, msg);
	else
		g_set_error(error, KEYFILE_LINES_ERROR, code, "%s: %s%s",
			    kl->origin, prefix, msg);
}

void keyfile_lines_set_error_at(const struct keyfile_lines *kl, GError **error,
				enum keyfile_lines_error code,
				unsigned int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error_va(kl, error, code, line, "", fmt, ap);
	va_end(ap);
}

void keyfile_lines_set_error(const struct keyfile_lines *kl, GError **error,
			     enum keyfile_lines_error code, const char *group,
			     const char *key, const char *fmt, ...)
{
	g_autofree char *prefix = NULL;
	unsigned int line;
	va_list ap;

	if (key) {
		line = keyfile_lines_key_line(kl, group, key);
		prefix = g_strdup_printf("[%s] %s: ", group, key);
	} else {
		line = keyfile_lines_group_line(kl, group);
		prefix = g_strdup_printf("[%s] ", group);
	}
	va_start(ap, fmt);
	set_error_va(kl, error, code, line, prefix, fmt, ap);
	va_end(ap);
}

/*
 * GKeyFile has no trailing comments: "work=20 # seconds" is the value
 * "20 # seconds". Errors about such lines say so.
 */
#define COMMENT_HINT " (a '#' comment must be on a line of its own)"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * GLib's g_key_file_is_group_name(): not empty, no brackets, no control
 * characters (those were refused for the whole line already).
 */
static bool valid_group_name(const char *s, size_t n)
{
	return n > 0 && !memchr(s, '[', n) && !memchr(s, ']', n);
}

/*
 * GLib's g_key_file_is_key_name(): brackets only as a trailing locale
 * suffix, "Name[de_DE]". Such keys are valid syntax; no gymhub key has a
 * locale, so callers report them as unknown.
 */
static bool valid_key_name(const char *s, size_t n)
{
	const char *open = memchr(s, '[', n);
	size_t name_len, loc_len;

	if (!open)
		return !memchr(s, ']', n);
	name_len = (size_t)(open - s);
	loc_len = n - name_len - 2;
	return name_len > 0 && n >= name_len + 3 && s[n - 1] == ']' &&
	       !memchr(open + 1, '[', loc_len) &&
	       !memchr(open + 1, ']', loc_len);
}

static bool scan_group(struct keyfile_lines *kl, const char *s, size_t n,
		       unsigned int line, struct kl_group **cur, GError **error)
{
	struct kl_group *g, *old;

	while (n > 0 && is_blank(s[n - 1]))
		n--;
	if (s[n - 1] != ']' && memchr(s, ']', n)) {
		keyfile_lines_set_error_at(kl, error,
					   KEYFILE_LINES_ERROR_SYNTAX, line,
					   "text after ']'" COMMENT_HINT);
		return false;
	}
	if (s[n - 1] != ']') {
		keyfile_lines_set_error_at(
			kl, error, KEYFILE_LINES_ERROR_SYNTAX, line,
			"missing ']' at the end of the group name");
		return false;
	}
	if (!valid_group_name(s + 1, n - 2)) {
		keyfile_lines_set_error_at(
			kl, error, KEYFILE_LINES_ERROR_SYNTAX, line,
			"invalid group name '%.*s'", (int)(n - 2), s + 1);
		return false;
	}
	g = g_new0(struct kl_group, 1);
	g->name = g_strndup(s + 1, n - 2);
	g->line = line;
	g->key_names = g_ptr_array_new_with_free_func(g_free);
	g->key_lines = g_hash_table_new(g_str_hash, g_str_equal);
	old = g_hash_table_lookup(kl->by_name, g->name);
	if (old) {
		/* GKeyFile would silently merge the two. */
		keyfile_lines_set_error_at(
			kl, error, KEYFILE_LINES_ERROR_DUPLICATE, line,
			"[%s] given twice (first at line %u)", g->name,
			old->line);
		kl_group_free(g);
		return false;
	}
	g_ptr_array_add(kl->groups, g);
	g_ptr_array_add(kl->group_names, g->name);
	g_hash_table_insert(kl->by_name, g->name, g);
	*cur = g;
	return true;
}

static bool scan_key(struct keyfile_lines *kl, const char *s, size_t n,
		     unsigned int line, struct kl_group *cur, GError **error)
{
	const char *eq = memchr(s, '=', n);
	size_t klen;
	char *key;
	unsigned int first;

	if (!eq) {
		keyfile_lines_set_error_at(
			kl, error, KEYFILE_LINES_ERROR_SYNTAX, line,
			"expected [group], key=value or # comment, got '%.*s'",
			(int)n, s);
		return false;
	}
	klen = (size_t)(eq - s);
	while (klen > 0 && is_blank(s[klen - 1]))
		klen--;
	if (klen == 0) {
		keyfile_lines_set_error_at(kl, error,
					   KEYFILE_LINES_ERROR_SYNTAX, line,
					   "key name missing before '='");
		return false;
	}
	if (!valid_key_name(s, klen)) {
		keyfile_lines_set_error_at(
			kl, error, KEYFILE_LINES_ERROR_SYNTAX, line,
			"invalid key name '%.*s'", (int)klen, s);
		return false;
	}
	if (!cur) {
		keyfile_lines_set_error_at(
			kl, error, KEYFILE_LINES_ERROR_SYNTAX, line,
			"key '%.*s' before the first [group]", (int)klen, s);
		return false;
	}
	key = g_strndup(s, klen);
	first = GPOINTER_TO_UINT(g_hash_table_lookup(cur->key_lines, key));
	if (first) {
		/* GKeyFile would keep the last one without a word. */
		keyfile_lines_set_error_at(
			kl, error, KEYFILE_LINES_ERROR_DUPLICATE, line,
			"[%s] %s given twice (first at line %u)", cur->name,
			key, first);
		g_free(key);
		return false;
	}
	g_ptr_array_add(cur->key_names, key);
	g_hash_table_insert(cur->key_lines, key, GUINT_TO_POINTER(line));
	return true;
}

static bool scan_line(struct keyfile_lines *kl, const char *s, size_t n,
		      unsigned int line, struct kl_group **cur, GError **error)
{
	const char *bad;
	size_t i;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (!g_utf8_validate(s, (gssize)n, &bad)) {
		keyfile_lines_set_error_at(
			kl, error, KEYFILE_LINES_ERROR_SYNTAX, line, "%s",
			*bad ? "not valid UTF-8 text" : "contains a NUL byte");
		return false;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			keyfile_lines_set_error_at(
				kl, error, KEYFILE_LINES_ERROR_SYNTAX, line,
				"control character 0x%02x in column %zu", c,
				i + 1);
			return false;
		}
	}
	while (n > 0 && is_blank(*s)) {
		s++;
		n--;
	}
	if (n == 0 || *s == '#')
		return true;
	if (*s == '[')
		return scan_group(kl, s, n, line, cur, error);
	return scan_key(kl, s, n, line, *cur, error);
}

struct keyfile_lines *keyfile_lines_new(const char *data, size_t len,
					const char *origin, GError **error)
{
	struct keyfile_lines *kl = g_new0(struct keyfile_lines, 1);
	struct kl_group *cur = NULL;
	const char *p, *end, *nl;
	g_autoptr(GError) kf_error = NULL;
	unsigned int line = 0;
	guint i;

	kl->origin = g_strdup(origin);
	kl->groups = g_ptr_array_new_with_free_func(kl_group_free);
	kl->group_names = g_ptr_array_new();
	kl->by_name = g_hash_table_new(g_str_hash, g_str_equal);
	if (!data)
		data = ""; /* an empty file, without NULL + 0 */
	p = data;
	end = data + len;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (!scan_line(kl, p, (size_t)(nl - p), ++line, &cur, error))
			goto fail;
		p = nl + 1;
	}
	g_ptr_array_add(kl->group_names, NULL);
	for (i = 0; i < kl->groups->len; i++) {
		struct kl_group *g = g_ptr_array_index(kl->groups, i);

		g_ptr_array_add(g->key_names, NULL);
	}

	kl->kf = g_key_file_new();
	if (!g_key_file_load_from_data(kl->kf, data, len, G_KEY_FILE_NONE,
				       &kf_error)) {
		/* Not expected: the scan refuses more than GKeyFile does. */
		keyfile_lines_set_error_at(kl, error,
					   KEYFILE_LINES_ERROR_SYNTAX, 0, "%s",
					   kf_error->message);
		goto fail;
	}
	return kl;
fail:
	keyfile_lines_free(kl);
	return NULL;
}

GKeyFile *keyfile_lines_key_file(const struct keyfile_lines *kl)
{
	return kl->kf;
}

const char *keyfile_lines_origin(const struct keyfile_lines *kl)
{
	return kl->origin;
}

const char *const *keyfile_lines_groups(const struct keyfile_lines *kl)
{
	return (const char *const *)kl->group_names->pdata;
}

const char *const *keyfile_lines_keys(const struct keyfile_lines *kl,
				      const char *group)
{
	struct kl_group *g = g_hash_table_lookup(kl->by_name, group);

	return g ? (const char *const *)g->key_names->pdata : NULL;
}

unsigned int keyfile_lines_group_line(const struct keyfile_lines *kl,
				      const char *group)
{
	struct kl_group *g = g_hash_table_lookup(kl->by_name, group);

	return g ? g->line : 0;
}

unsigned int keyfile_lines_key_line(const struct keyfile_lines *kl,
				    const char *group, const char *key)
{
	struct kl_group *g = g_hash_table_lookup(kl->by_name, group);

	return g ? GPOINTER_TO_UINT(g_hash_table_lookup(g->key_lines, key)) : 0;
}

/* The value as written, stripped; NULL when the key is absent. */
static char *raw_value(const struct keyfile_lines *kl, const char *group,
		       const char *key)
{
	char *v;

	if (!keyfile_lines_key_line(kl, group, key))
		return NULL;
	v = g_key_file_get_value(kl->kf, group, key, NULL);
	return v ? g_strstrip(v) : NULL;
}

/* The hint for a refused value that looks like it has a comment. */
static const char *comment_hint(const char *value)
{
	const char *hash = strchr(value, '#');

	if (hash && hash > value && is_blank(hash[-1]))
		return COMMENT_HINT;
	return "";
}

/* Whole decimal number, no sign, no blanks, within [min, max]. */
static bool parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *ret)
{
	uint64_t v = 0;
	const char *p;

	if (!*s)
		return false;
	for (p = s; *p; p++) {
		if (!g_ascii_isdigit(*p))
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > max)
			return false;
	}
	if (v < min)
		return false;
	*ret = (uint32_t)v;
	return true;
}

bool keyfile_lines_get_uint(const struct keyfile_lines *kl, const char *group,
			    const char *key, uint32_t min, uint32_t max,
			    uint32_t *ret, GError **error)
{
	g_autofree char *v = raw_value(kl, group, key);

	if (!v || parse_uint(v, min, max, ret))
		return true;
	keyfile_lines_set_error(
		kl, error, KEYFILE_LINES_ERROR_INVALID, group, key,
		"expected a whole number from %u to %u, got '%s'%s", min, max,
		v, comment_hint(v));
	return false;
}

bool keyfile_lines_get_seconds(const struct keyfile_lines *kl,
			       const char *group, const char *key,
			       uint32_t min_s, uint32_t max_s, uint32_t *ret_ms,
			       GError **error)
{
	g_autofree char *v = raw_value(kl, group, key);
	uint32_t s;

	g_assert(max_s <= UINT32_MAX / 1000);
	if (!v)
		return true;
	if (parse_uint(v, min_s, max_s, &s)) {
		*ret_ms = s * 1000;
		return true;
	}
	keyfile_lines_set_error(kl, error, KEYFILE_LINES_ERROR_INVALID, group,
				key,
				"expected a whole number of seconds from %u "
				"to %u, got '%s'%s",
				min_s, max_s, v, comment_hint(v));
	return false;
}

bool keyfile_lines_get_bool(const struct keyfile_lines *kl, const char *group,
			    const char *key, bool *ret, GError **error)
{
	g_autofree char *v = raw_value(kl, group, key);
	g_autoptr(GError) e = NULL;
	gboolean b;

	if (!v)
		return true;
	/* GKeyFile's booleans: true, false, 1, 0. */
	b = g_key_file_get_boolean(kl->kf, group, key, &e);
	if (!e) {
		*ret = b;
		return true;
	}
	keyfile_lines_set_error(kl, error, KEYFILE_LINES_ERROR_INVALID, group,
				key, "expected true or false, got '%s'%s", v,
				comment_hint(v));
	return false;
}

bool keyfile_lines_get_choice(const struct keyfile_lines *kl, const char *group,
			      const char *key, const char *const *names,
			      unsigned int *ret, GError **error)
{
	g_autofree char *v = NULL;
	g_autofree char *all = NULL;
	const char *near;
	unsigned int i;

	if (!keyfile_lines_get_string(kl, group, key, 0, &v, error))
		return false;
	if (!v)
		return true;
	for (i = 0; names[i]; i++) {
		if (strcmp(v, names[i]) == 0) {
			*ret = i;
			return true;
		}
	}
	all = g_strjoinv(", ", (char **)names);
	near = keyfile_lines_closest(v, names);
	keyfile_lines_set_error(kl, error, KEYFILE_LINES_ERROR_INVALID, group,
				key, "expected one of %s, got '%s'%s%s%s", all,
				v, near ? " (did you mean '" : "",
				near ? near : "", near ? "'?)" : "");
	return false;
}

/* Unescaped (\s \n \t \r \\), as GKeyFile does for strings. */
static char *get_unescaped(const struct keyfile_lines *kl, const char *group,
			   const char *key, GError **error)
{
	g_autoptr(GError) e = NULL;
	g_autofree char *raw = NULL;
	char *s = g_key_file_get_string(kl->kf, group, key, &e);

	/* On a bad escape GLib sets @e yet returns the string too. */
	if (!e)
		return s;
	g_free(s);
	raw = raw_value(kl, group, key);
	keyfile_lines_set_error(kl, error, KEYFILE_LINES_ERROR_INVALID, group,
				key,
				"invalid escape sequence in '%s' (write a "
				"backslash as \\\\)",
				raw ? raw : "");
	return NULL;
}

static bool check_length(const struct keyfile_lines *kl, const char *group,
			 const char *key, const char *s, size_t max_len,
			 GError **error)
{
	size_t n = strlen(s);

	if (n == 0) {
		keyfile_lines_set_error(kl, error, KEYFILE_LINES_ERROR_INVALID,
					group, key, "must not be empty");
		return false;
	}
	if (max_len && n > max_len) {
		keyfile_lines_set_error(kl, error, KEYFILE_LINES_ERROR_INVALID,
					group, key,
					"too long: at most %zu bytes, got %zu "
					"('%s')",
					max_len, n, s);
		return false;
	}
	return true;
}

bool keyfile_lines_get_string(const struct keyfile_lines *kl, const char *group,
			      const char *key, size_t max_len, char **ret,
			      GError **error)
{
	g_autofree char *s = NULL;

	if (!keyfile_lines_key_line(kl, group, key))
		return true;
	s = get_unescaped(kl, group, key, error);
	if (!s || !check_length(kl, group, key, g_strstrip(s), max_len, error))
		return false;
	g_free(*ret);
	*ret = g_steal_pointer(&s);
	return true;
}

bool keyfile_lines_get_list(const struct keyfile_lines *kl, const char *group,
			    const char *key, size_t max_len, char ***ret,
			    GError **error)
{
	g_autoptr(GPtrArray) out = NULL;
	g_auto(GStrv) items = NULL;
	g_autoptr(GError) e = NULL;
	char **p;

	if (!keyfile_lines_key_line(kl, group, key))
		return true;
	items = g_key_file_get_string_list(kl->kf, group, key, NULL, &e);
	if (e) {
		g_autofree char *raw = raw_value(kl, group, key);

		keyfile_lines_set_error(
			kl, error, KEYFILE_LINES_ERROR_INVALID, group, key,
			"invalid escape sequence in '%s' (write a backslash as "
			"\\\\)",
			raw ? raw : "");
		return false;
	}
	out = g_ptr_array_new_with_free_func(g_free);
	for (p = items; p && *p; p++) {
		g_strstrip(*p);
		if (!**p)
			continue;
		if (!check_length(kl, group, key, *p, max_len, error))
			return false;
		g_ptr_array_add(out, g_strdup(*p));
	}
	if (out->len == 0) {
		keyfile_lines_set_error(kl, error, KEYFILE_LINES_ERROR_INVALID,
					group, key,
					"expected one or more items separated "
					"by ';'");
		return false;
	}
	g_ptr_array_add(out, NULL);
	g_strfreev(*ret);
	*ret = (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
	return true;
}

/*
 * Optimal string alignment distance (Damerau-Levenshtein without
 * repeated edits of one substring), case-insensitive: a swapped pair of
 * letters is one typo, as a user sees it. Names here are short; longer
 * ones are simply not compared.
 */
#define CLOSEST_MAX 32

static unsigned int osa_distance(const char *a, const char *b)
{
	unsigned int d[CLOSEST_MAX + 1][CLOSEST_MAX + 1];
	size_t n = strlen(a), m = strlen(b), i, j;

	if (n > CLOSEST_MAX || m > CLOSEST_MAX)
		return UINT32_MAX;
	for (i = 0; i <= n; i++)
		d[i][0] = (unsigned int)i;
	for (j = 0; j <= m; j++)
		d[0][j] = (unsigned int)j;
	for (i = 1; i <= n; i++) {
		for (j = 1; j <= m; j++) {
			unsigned int cost = g_ascii_tolower(a[i - 1]) !=
					    g_ascii_tolower(b[j - 1]);
			unsigned int best =
				MIN(d[i - 1][j] + 1, d[i][j - 1] + 1);

			best = MIN(best, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 &&
			    g_ascii_tolower(a[i - 1]) ==
				    g_ascii_tolower(b[j - 2]) &&
			    g_ascii_tolower(a[i - 2]) ==
				    g_ascii_tolower(b[j - 1]))
				best = MIN(best, d[i - 2][j - 2] + 1);
			d[i][j] = best;
		}
	}
	return d[n][m];
}

const char *keyfile_lines_closest(const char *word,
				  const char *const *candidates)
{
	const char *best = NULL;
	unsigned int best_d = 3; /* suggest within 2 edits only */
	const char *const *c;

	for (c = candidates; *c; c++) {
		unsigned int d = osa_distance(word, *c);

		/* Not for a word so short that 2 edits make anything. */
		if (d < best_d && d < strlen(*c)) {
			best = *c;
			best_d = d;
		}
	}
	return best;
}
