/* SPDX-License-Identifier: MIT */
/*
 * test-config.c - gymhub.conf and workout files as a user meets them:
 * every mistake is reported with the file, the line and what is wrong;
 * the shipped files parse; the documented defaults are the real ones.
 *
 * Source files are found under $GYMHUB_SRCDIR (default ".": tests run
 * from the top of the tree).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "config.h"
#include "keyfile-lines.h"
#include "workout-file.h"

static const struct workout_defaults test_def = {
	.countdown_s = 3,
	.halfway = false,
	.last10 = false,
};

static char *src_path(const char *rel)
{
	const char *src = g_getenv("GYMHUB_SRCDIR");

	return g_build_filename(src ? src : ".", rel, NULL);
}

/* A temporary directory per test, removed with what is in it. */
static int setup_tmp(void **state)
{
	char *dir = g_dir_make_tmp("gymhub-config-XXXXXX", NULL);

	assert_non_null(dir);
	*state = dir;
	return 0;
}

static void remove_tree(const char *path)
{
	GDir *d = g_dir_open(path, 0, NULL);
	const char *n;

	if (d) {
		while ((n = g_dir_read_name(d))) {
			g_autofree char *p = g_build_filename(path, n, NULL);

			remove_tree(p);
		}
		g_dir_close(d);
	}
	g_remove(path);
}

static int teardown_tmp(void **state)
{
	remove_tree(*state);
	g_free(*state);
	return 0;
}

static char *write_in(const char *dir, const char *name, const char *text)
{
	char *path = g_build_filename(dir, name, NULL);
	g_autofree char *parent = g_path_get_dirname(path);

	assert_int_equal(g_mkdir_with_parents(parent, 0755), 0);
	assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

/*
 * The message must start with "ORIGIN:LINE: " ("ORIGIN: " for line 0)
 * and contain @fragment. On a mismatch say which case and what came.
 */
static void check_message(const char *what, const char *msg, const char *origin,
			  unsigned int line, const char *fragment)
{
	g_autofree char *prefix =
		line ? g_strdup_printf("%s:%u: ", origin, line)
		     : g_strdup_printf("%s: ", origin);

	if (!g_str_has_prefix(msg, prefix) || !strstr(msg, fragment))
		fail_msg("%s: got \"%s\"\nwanted prefix \"%s\" and \"%s\"",
			 what, msg, prefix, fragment);
}

static void assert_config_equal(const struct config *a, const struct config *b)
{
	assert_string_equal(a->database, b->database);
	assert_non_null(a->workout_dirs);
	assert_non_null(b->workout_dirs);
	assert_true(g_strv_equal((const char *const *)a->workout_dirs,
				 (const char *const *)b->workout_dirs));
	assert_int_equal(a->countdown_s, b->countdown_s);
	assert_int_equal(a->halfway, b->halfway);
	assert_int_equal(a->last10, b->last10);
	assert_int_equal(a->rep_tick, b->rep_tick);
	assert_string_equal(a->button_chip, b->button_chip);
	assert_int_equal(a->button_start, b->button_start);
	assert_int_equal(a->button_next, b->button_next);
	assert_int_equal(a->button_stop, b->button_stop);
	assert_int_equal(a->button_active_low, b->button_active_low);
	assert_int_equal(a->button_pull_up, b->button_pull_up);
	assert_int_equal(a->button_debounce_ms, b->button_debounce_ms);
	assert_int_equal(a->button_long_ms, b->button_long_ms);
	assert_string_equal(a->button_workout, b->button_workout);
	assert_int_equal(a->buzzer, b->buzzer);
	assert_string_equal(a->gpio_chip, b->gpio_chip);
	assert_int_equal(a->gpio_line, b->gpio_line);
	assert_int_equal(a->active_low, b->active_low);
	assert_string_equal(a->pwm_sysfs, b->pwm_sysfs);
	assert_int_equal(a->pwm_chip, b->pwm_chip);
	assert_int_equal(a->pwm_channel, b->pwm_channel);
	assert_int_equal(a->sched_fifo, b->sched_fifo);
	assert_int_equal(a->rt_priority, b->rt_priority);
	assert_int_equal(a->lock_memory, b->lock_memory);
	assert_string_equal(a->adapter ? a->adapter : "",
			    b->adapter ? b->adapter : "");
	assert_string_equal(a->primary ? a->primary : "",
			    b->primary ? b->primary : "");
	assert_int_equal(a->max_hr, b->max_hr);
	assert_int_equal(a->rest_hr, b->rest_hr);
	assert_int_equal(a->low_battery, b->low_battery);
	assert_int_equal(a->hold_start_still, b->hold_start_still);
	assert_string_equal(a->display_backend, b->display_backend);
	assert_string_equal(a->display_i2c, b->display_i2c);
	assert_int_equal(a->display_i2c_addr, b->display_i2c_addr);
	assert_int_equal(a->display_contrast, b->display_contrast);
	assert_string_equal(a->display_fb, b->display_fb);
	assert_int_equal(a->display_width, b->display_width);
	assert_int_equal(a->display_rotate, b->display_rotate);
	assert_int_equal(a->display_summary_s, b->display_summary_s);
	assert_string_equal(a->export_dir ? a->export_dir : "",
			    b->export_dir ? b->export_dir : "");
	assert_true(g_strv_equal((const char *const *)a->export_formats,
				 (const char *const *)b->export_formats));
}

/* ------------------------------------------------------------------ */
/* gymhub.conf                                                         */

static void test_config_defaults(void **state)
{
	struct config *c = config_new_default();

	assert_string_equal(c->database, "/var/lib/gymhub/gymhub.db");
	assert_int_equal(g_strv_length(c->workout_dirs), 2);
	assert_string_equal(c->workout_dirs[0], GYMHUB_DATADIR "/workouts");
	assert_string_equal(c->workout_dirs[1], GYMHUB_SYSCONFDIR "/workouts");
	assert_int_equal(c->countdown_s, 3);
	assert_false(c->halfway);
	assert_false(c->last10);
	assert_int_equal(c->buzzer, CONFIG_BUZZER_GPIO);
	assert_string_equal(c->gpio_chip, "gpiochip0");
	assert_int_equal(c->gpio_line, 17);
	assert_false(c->active_low);
	assert_string_equal(c->pwm_sysfs, "/sys/class/pwm");
	assert_int_equal(c->pwm_chip, 0);
	assert_int_equal(c->pwm_channel, 0);
	assert_true(c->sched_fifo);
	assert_int_equal(c->rt_priority, 50);
	assert_true(c->lock_memory);
	assert_true(c->hold_start_still);
	config_free(c);
	config_free(NULL);
}

static void test_config_missing_file(void **state)
{
	g_autofree char *path = g_build_filename(*state, "none.conf", NULL);
	g_autoptr(GError) error = NULL;
	struct config *def = config_new_default();
	struct config *c = config_load(path, false, &error);

	/* Without --config a missing file means "all defaults". */
	assert_non_null(c);
	assert_null(error);
	assert_config_equal(c, def);
	config_free(c);

	/* With --config the user named a file: it must be there. */
	assert_null(config_load(path, true, &error));
	assert_non_null(error);
	assert_non_null(strstr(error->message, path));
	config_free(def);
}

static void test_config_unreadable(void **state)
{
	g_autoptr(GError) error = NULL;

	/* A directory cannot be read as a file, even by root. */
	assert_null(config_load(*state, false, &error));
	assert_non_null(error);
	assert_non_null(strstr(error->message, (char *)*state));
}

static void test_config_values(void **state)
{
	static const char text[] = "# every key, none at its default\r\n"
				   "[hub]\r\n"
				   "database = /tmp/x.db  \r\n"
				   "workouts=/a ; /b;;/c;\r\n"
				   "\r\n"
				   "[cues]\n"
				   "countdown=0\n"
				   "halfway=true\n"
				   "last10=1\n"
				   "  [buzzer]  \n"
				   "backend=pwm\n"
				   "chip=/dev/gpiochip4\n"
				   "line=511\n"
				   "active-low=true\n"
				   "pwm-sysfs=/tmp/pwm\n"
				   "pwm-chip=2\n"
				   "pwm-channel=1\n"
				   "[realtime]\n"
				   "\tsched-fifo=false\n"
				   "priority=99\n"
				   "lock-memory=false\n"
				   "[motion]\n"
				   "hold-start=timer\n"
				   "[display]\n"
				   "backend=fb\n"
				   "i2c=/dev/i2c-3\n"
				   "i2c-addr=0x3d\n"
				   "contrast=80\n"
				   "fb=/dev/fb1\n"
				   "size=320x240\n"
				   "rotate=180\n"
				   "summary-seconds=0\n";
	g_autofree char *path = write_in(*state, "gymhub.conf", text);
	g_autoptr(GError) error = NULL;
	struct config *c = config_load(path, true, &error);
	const char *dirs[] = {"/a", "/b", "/c", NULL};

	assert_null(error);
	assert_non_null(c);
	assert_string_equal(c->database, "/tmp/x.db");
	assert_true(g_strv_equal((const char *const *)c->workout_dirs, dirs));
	assert_int_equal(c->countdown_s, 0);
	assert_true(c->halfway);
	assert_true(c->last10);
	assert_int_equal(c->buzzer, CONFIG_BUZZER_PWM);
	assert_string_equal(c->gpio_chip, "/dev/gpiochip4");
	assert_int_equal(c->gpio_line, 511);
	assert_true(c->active_low);
	assert_string_equal(c->pwm_sysfs, "/tmp/pwm");
	assert_int_equal(c->pwm_chip, 2);
	assert_int_equal(c->pwm_channel, 1);
	assert_false(c->sched_fifo);
	assert_int_equal(c->rt_priority, 99);
	assert_false(c->lock_memory);
	assert_false(c->hold_start_still);
	assert_string_equal(c->display_backend, "fb");
	assert_string_equal(c->display_i2c, "/dev/i2c-3");
	assert_int_equal(c->display_i2c_addr, 0x3d);
	assert_int_equal(c->display_contrast, 80);
	assert_string_equal(c->display_fb, "/dev/fb1");
	assert_int_equal(c->display_width, 320);
	assert_int_equal(c->display_height, 240);
	assert_int_equal(c->display_rotate, 180);
	assert_int_equal(c->display_summary_s, 0);
	config_free(c);
}

static void test_config_backends(void **state)
{
	static const struct {
		const char *name;
		enum config_buzzer backend;
	} cases[] = {
		{"gpio", CONFIG_BUZZER_GPIO},
		{"pwm", CONFIG_BUZZER_PWM},
		{"sim", CONFIG_BUZZER_SIM},
		{"none", CONFIG_BUZZER_NONE},
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *text = g_strdup_printf(
			"[buzzer]\nbackend=%s\n", cases[i].name);
		g_autofree char *path = write_in(*state, "b.conf", text);
		struct config *c = config_load(path, true, NULL);

		assert_non_null(c);
		assert_int_equal(c->buzzer, cases[i].backend);
		config_free(c);
	}
}

/* As shipped, every key is commented out: all defaults. */
static void test_config_shipped(void **state)
{
	g_autofree char *path = src_path("config/gymhub.conf");
	g_autoptr(GError) error = NULL;
	struct config *def = config_new_default();
	struct config *c = config_load(path, true, &error);

	if (!c)
		fail_msg("%s", error->message);
	assert_config_equal(c, def);
	config_free(c);
	config_free(def);
}

/*
 * The commented-out values in the shipped file are the real defaults:
 * uncomment every "#key=value" line and the result must still equal the
 * defaults, and every key must be there. The two install paths are
 * written for the default PREFIX and SYSCONFDIR; a build with others
 * compares with its own.
 */
static void test_config_documented_defaults(void **state)
{
	static const char *const keys[] = {
		"database",    "workouts",	"countdown",
		"halfway",     "last10",	"backend",
		"chip",	       "line",		"active-low",
		"pwm-sysfs",   "pwm-chip",	"pwm-channel",
		"sched-fifo",  "priority",	"lock-memory",
		"max-hr",      "resting-hr",	"low-battery",
		"formats",     "rep-tick",	"pull-up",
		"debounce-ms", "long-press-ms", "workout",
		"hold-start",  "i2c",		"i2c-addr",
		"fb",	       "rotate",	"summary-seconds",
	};
	g_autofree char *src = src_path("config/gymhub.conf");
	g_autofree char *text = NULL, *path = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GHashTable) seen =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GRegex) kv = g_regex_new("^#([a-z0-9-]+)=", 0, 0, NULL);
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) lines = NULL;
	struct config *def = config_new_default(), *c;
	size_t i;

	assert_true(g_file_get_contents(src, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (i = 0; lines[i]; i++) {
		g_autoptr(GMatchInfo) m = NULL;
		const char *line = lines[i];

		if (g_regex_match(kv, line, 0, &m)) {
			g_hash_table_add(seen, g_match_info_fetch(m, 1));
			line++;
		}
		g_string_append_printf(out, "%s\n", line);
	}
	g_string_replace(out, "=/usr/local/share/gymhub/",
			 "=" GYMHUB_DATADIR "/", 0);
	g_string_replace(out, ";/etc/gymhub/", ";" GYMHUB_SYSCONFDIR "/", 0);

	for (i = 0; i < G_N_ELEMENTS(keys); i++)
		if (!g_hash_table_contains(seen, keys[i]))
			fail_msg("gymhub.conf does not document '%s'", keys[i]);
	assert_int_equal(g_hash_table_size(seen), G_N_ELEMENTS(keys));

	path = write_in(*state, "uncommented.conf", out->str);
	c = config_load(path, true, &error);
	if (!c)
		fail_msg("%s", error->message);
	assert_config_equal(c, def);
	config_free(c);
	config_free(def);
}

struct bad_case {
	const char *what;
	const char *text;
	unsigned int line; /* 0: the message names no line */
	const char *fragment;
};

static const struct bad_case bad_configs[] = {
	{"path with a trailing comment",
	 "[hub]\ndatabase=/var/lib/gymhub/gymhub.db # main\n", 2,
	 "[hub] database: '/var/lib/gymhub/gymhub.db # main' looks like a "
	 "path followed by a comment"},
	{"workout dir with a trailing comment",
	 "[hub]\n\nworkouts=/etc/gymhub/workouts # mine\n", 3,
	 "looks like a path followed by a comment"},
	{"relative database path", "[hub]\ndatabase=gymhub.db\n", 2,
	 "[hub] database: expected an absolute path, got 'gymhub.db'"},
	{"relative workout dir", "[hub]\nworkouts=/a;workouts\n", 2,
	 "expected an absolute path, got 'workouts'"},
	{"not a key=value", "[buzzer]\nline 17\n", 2,
	 "expected [group], key=value or # comment, got 'line 17'"},
	{"key before any group", "# hi\nline=17\n[buzzer]\n", 2,
	 "key 'line' before the first [group]"},
	{"duplicate key", "[buzzer]\nline=17\n\nline=18\n", 4,
	 "[buzzer] line given twice (first at line 2)"},
	{"duplicate group", "[cues]\n[buzzer]\n[cues]\n", 3,
	 "[cues] given twice (first at line 1)"},
	{"missing ]", "[buzzer\n", 1, "missing ']'"},
	{"text after ]", "[buzzer] # the buzzer\n", 1, "text after ']'"},
	{"empty group name", "[]\n", 1, "invalid group name ''"},
	{"empty key", "[cues]\n=3\n", 2, "key name missing before '='"},
	{"bad key name", "[cues]\nhalf]way=true\n", 2,
	 "invalid key name 'half]way'"},
	{"invalid UTF-8", "[cues]\nhalfway=\xff\n", 2, "not valid UTF-8"},
	{"control character", "[cues]\nhalfway=tr\x01ue\n", 2,
	 "control character 0x01 in column 11"},
	{"unknown group", "\n[buzer]\nline=17\n", 2,
	 "unknown group [buzer]; did you mean [buzzer]?"},
	{"unknown group, no hint", "[straps]\n", 1, "unknown group [straps]"},
	{"adapter not hciN", "[sensors]\nadapter=usb0\n", 2,
	 "[sensors] adapter: expected an adapter name like hci0, got 'usb0'"},
	{"primary not an address", "[sensors]\nprimary=Polar H10\n", 2,
	 "[sensors] primary: expected a Bluetooth address"},
	{"max-hr out of range", "[sensors]\nmax-hr=300\n", 2, "0 to 250"},
	{"button line", "[buttons]\nstart=GPIO5\n", 2,
	 "[buttons] start: expected a whole number from 0 to 511"},
	{"long press too short", "[buttons]\nlong-press-ms=100\n", 2,
	 "300 to 5000"},
	{"export format", "[export]\nformats=fit;gpx\n", 2,
	 "[export] formats: unknown format 'gpx' (fit, tcx, json or csv)"},
	{"export dir relative", "[export]\ndir=exports\n", 2,
	 "expected an absolute path"},
	{"resting above max", "[sensors]\nmax-hr=120\nresting-hr=130\n", 3,
	 "resting heart rate 130 is not below max-hr 120"},
	{"unknown key", "[buzzer]\nlne=17\n", 2,
	 "unknown key 'lne' in [buzzer]; did you mean 'line'?"},
	{"unknown key, swapped letters", "[cues]\nlats10=true\n", 2,
	 "did you mean 'last10'?"},
	{"localized key", "[buzzer]\nline[de]=17\n", 2,
	 "unknown key 'line[de]' in [buzzer]"},
	{"number out of range", "[buzzer]\nline=512\n", 2,
	 "[buzzer] line: expected a whole number from 0 to 511, got '512'"},
	{"not a number", "[buzzer]\n\n# wiring\nline=seventeen\n", 4,
	 "[buzzer] line: expected a whole number from 0 to 511, got "
	 "'seventeen'"},
	{"negative number", "[cues]\ncountdown=-1\n", 2,
	 "[cues] countdown: expected a whole number from 0 to 10, got '-1'"},
	{"huge number", "[cues]\ncountdown=99999999999999999999\n", 2,
	 "got '99999999999999999999'"},
	{"priority 0", "[realtime]\npriority=0\n", 2,
	 "[realtime] priority: expected a whole number from 1 to 99"},
	{"trailing comment", "[buzzer]\nline=17 # pin 11\n", 2,
	 "got '17 # pin 11' (a '#' comment must be on a line of its own)"},
	{"bad boolean", "[cues]\nhalfway=yes\n", 2,
	 "[cues] halfway: expected true or false, got 'yes'"},
	{"display size", "[display]\nsize=128x32\n", 2,
	 "[display] size: expected WIDTHxHEIGHT of at least 128x64, like "
	 "240x240, got '128x32'"},
	{"display size junk", "[display]\nsize=240x240px\n", 2,
	 "got '240x240px'"},
	{"display address", "[display]\ni2c-addr=0x78\n", 2,
	 "[display] i2c-addr: expected a 7-bit I2C address like 0x3c"},
	{"display backend", "[display]\nbackend=png\n", 2,
	 "[display] backend: expected one of ssd1306, sh1106, fb, term, got "
	 "'png'"},
	{"display relative fb", "[display]\nfb=fb1\n", 2,
	 "[display] fb: expected an absolute path, got 'fb1'"},
	{"hold-start typo", "[motion]\nhold-start=stil\n", 2,
	 "[motion] hold-start: expected one of timer, still, got 'stil' (did "
	 "you mean 'still'?)"},
	{"bad backend", "[buzzer]\nbackend=buzzer\n", 2,
	 "[buzzer] backend: expected gpio, pwm, sim or none, got 'buzzer'"},
	{"empty database", "[hub]\ndatabase=\n", 2,
	 "[hub] database: must not be empty"},
	{"no workout dirs", "[hub]\nworkouts= ; \n", 2,
	 "[hub] workouts: expected one or more items separated by ';'"},
	{"bad escape", "[hub]\ndatabase=C:\\gym.db\n", 2,
	 "[hub] database: invalid escape sequence"},
	{"bad escape in a list", "[hub]\nworkouts=/a;C:\\b\n", 2,
	 "[hub] workouts: invalid escape sequence in '/a;C:\\b'"},
};

static void test_config_bad_files(void **state)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(bad_configs); i++) {
		const struct bad_case *bc = &bad_configs[i];
		g_autofree char *path =
			g_build_filename(*state, "bad.conf", NULL);
		g_autoptr(GError) error = NULL;

		assert_true(g_file_set_contents(path, bc->text, -1, NULL));
		if (config_load(path, true, &error))
			fail_msg("%s: accepted", bc->what);
		assert_true(error->domain == KEYFILE_LINES_ERROR);
		check_message(bc->what, error->message, path, bc->line,
			      bc->fragment);
	}
}

/* ------------------------------------------------------------------ */
/* workout files                                                       */

static const struct bad_case bad_workouts[] = {
	{"bad syntax", "[workout]\ntitle\n", 2,
	 "expected [group], key=value or # comment"},
	{"key before group", "title=X\n[workout]\n", 1,
	 "key 'title' before the first [group]"},
	{"no [workout]", "[block a]\ntype=warmup\nwork=60\n", 0,
	 "no [workout] group"},
	{"empty workout", "# nothing yet\n[workout]\ntitle=Empty\n", 2,
	 "no blocks: add at least one [block NAME] group"},
	{"unknown group", "[workout]\n[blok squats]\n", 2,
	 "unknown group [blok squats]; did you mean [block squats]?"},
	{"unknown group, workout typo", "[workuot]\n", 1,
	 "did you mean [workout]?"},
	{"unknown group, no hint", "[workout]\n[circuit]\n", 2,
	 "unknown group [circuit]; expected [workout] or [block NAME]"},
	{"block without a name", "[workout]\n[block]\ntype=warmup\n", 2,
	 "a block needs a name"},
	{"duplicate block",
	 "[workout]\n[block a]\ntype=reps\nreps=5\n[block a]\n", 5,
	 "[block a] given twice (first at line 2)"},
	{"duplicate key", "[workout]\n[block a]\ntype=hold\nwork=5\nwork=6\n",
	 5, "[block a] work given twice (first at line 4)"},
	{"unknown workout key", "[workout]\ntitel=Tabata\n", 2,
	 "unknown key 'titel' in [workout]; did you mean 'title'?"},
	{"unknown block key", "[workout]\n[block a]\ntype=hold\nwrok=30\n", 4,
	 "unknown key 'wrok' in [block a]; did you mean 'work'?"},
	{"missing type", "[workout]\n\n[block a]\nwork=30\n", 3,
	 "[block a] missing 'type' (warmup, interval, hold or reps)"},
	{"bad type", "[workout]\n[block a]\ntype=stretch\n", 3,
	 "[block a] type: expected warmup, interval, hold or reps, got "
	 "'stretch'"},
	{"reps in a hold",
	 "[workout]\n[block plank]\ntype=hold\nwork=30\nreps=10\n", 5,
	 "[block plank] reps: not used by a hold block"},
	{"rounds in a reps block",
	 "[workout]\n[block s]\ntype=reps\nreps=10\nrounds=3\n", 5,
	 "[block s] rounds: not used by a reps block"},
	{"per-side in an interval",
	 "[workout]\n[block s]\ntype=interval\nper-side=true\n", 4,
	 "[block s] per-side: not used by an interval block"},
	{"rest in a warm-up", "[workout]\n[block w]\ntype=warmup\nrest=10\n", 4,
	 "[block w] rest: not used by a warmup block"},
	{"exercises in a hold",
	 "[workout]\n[block h]\ntype=hold\nexercises=a;b\nwork=5\n", 4,
	 "[block h] exercises: not used by a hold block"},
	{"interval without rounds",
	 "[workout]\n[block t]\ntype=interval\nwork=20\n", 2,
	 "[block t] missing 'rounds': an interval block needs work and "
	 "rounds"},
	{"interval without work",
	 "[workout]\n[block t]\ntype=interval\nrounds=8\n", 2,
	 "[block t] missing 'work'"},
	{"hold without work", "[workout]\n[block h]\ntype=hold\n", 2,
	 "[block h] missing 'work': a hold block needs work"},
	{"reps without reps", "[workout]\n[block r]\ntype=reps\nsets=3\n", 2,
	 "[block r] missing 'reps': a reps block needs reps"},
	{"warm-up without work", "[workout]\n[block w]\ntype=warmup\n", 2,
	 "[block w] missing 'work': a warmup block needs work"},
	{"work of 0 s", "[workout]\n[block h]\ntype=hold\nwork=0\n", 4,
	 "[block h] work: expected a whole number of seconds from 1 to 3600, "
	 "got '0'"},
	{"decimal seconds", "[workout]\n[block h]\ntype=hold\nwork=2.5\n", 4,
	 "got '2.5'"},
	{"negative reps", "[workout]\n[block r]\ntype=reps\nreps=-3\n", 4,
	 "[block r] reps: expected a whole number from 1 to 1000, got '-3'"},
	{"prep too long", "[workout]\nprep=3601\n", 2,
	 "[workout] prep: expected a whole number of seconds from 0 to 3600"},
	{"countdown too long", "[workout]\ncountdown=11\n", 2,
	 "[workout] countdown: expected a whole number from 0 to 10"},
	{"bad boolean", "[workout]\nhalfway=on\n", 2,
	 "[workout] halfway: expected true or false, got 'on'"},
	{"trailing comment",
	 "[workout]\n[block h]\ntype=hold\nwork=20    # seconds\n", 4,
	 "a '#' comment must be on a line of its own"},
	{"exercise and exercises",
	 "[workout]\n[block t]\ntype=interval\nexercise=a\nexercises=a;b\n"
	 "work=5\nrounds=2\n",
	 5, "[block t] exercises: give either exercise or exercises"},
	{"more exercises than rounds",
	 "[workout]\n[block t]\ntype=interval\nexercises=a;b;c\nwork=5\n"
	 "rounds=2\n",
	 4, "[block t] exercises: 3 exercises but only 2 rounds"},
	{"empty exercises",
	 "[workout]\n[block t]\ntype=interval\nexercises=;\n"
	 "work=5\nrounds=2\n",
	 4, "[block t] exercises: expected one or more items"},
	{"exercise name too long",
	 "[workout]\n[block h]\ntype=hold\nwork=5\n"
	 "exercise=0123456789012345678901234567890123456789012345678\n",
	 5, "[block h] exercise: too long: at most 47 bytes, got 49"},
	{"block name too long for an exercise",
	 "[workout]\n[block 0123456789012345678901234567890123456789012345678]"
	 "\ntype=hold\nwork=5\n",
	 2, "add exercise="},
	{"title too long",
	 "[workout]\ntitle=0123456789012345678901234567890123456789"
	 "0123456789012345678901234\n",
	 2, "[workout] title: too long: at most 63 bytes, got 65"},
	{"hold-start in a rep step",
	 "[workout]\n[block r]\ntype=reps\nreps=5\nhold-start=still\n", 5,
	 "[block r] hold-start: not used by a reps block"},
	{"bad hold-start", "[workout]\nhold-start=later\n", 2,
	 "[workout] hold-start: expected one of timer, still, got 'later'"},
	{"switch without per-side",
	 "[workout]\n[block h]\ntype=hold\nwork=5\nswitch=3\n", 5,
	 "[block h] switch: only used with per-side=true"},
	{"too many steps",
	 "[workout]\n[block t]\ntype=interval\nwork=1\nrounds=100\nsets=50\n",
	 1, "too long: up to 10002 steps, at most 1024"},
};

static void expect_workout_error(const char *what, const char *name,
				 const char *text, unsigned int line,
				 const char *fragment)
{
	g_autofree char *origin = g_strdup_printf("%s.conf", name);
	g_autoptr(GError) error = NULL;
	struct workout *w = g_new(struct workout, 1), *before;

	memset(w, 0x5a, sizeof(*w));
	before = g_memdup2(w, sizeof(*w));
	if (workout_file_parse(text, strlen(text), origin, name, &test_def, w,
			       &error))
		fail_msg("%s: accepted", what);
	assert_true(error->domain == KEYFILE_LINES_ERROR);
	check_message(what, error->message, origin, line, fragment);
	/* A failed parse leaves the caller's workout alone. */
	assert_memory_equal(w, before, sizeof(*w));
	g_free(before);
	g_free(w);
}

static void test_workout_bad_files(void **state)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(bad_workouts); i++)
		expect_workout_error(bad_workouts[i].what, "bad",
				     bad_workouts[i].text, bad_workouts[i].line,
				     bad_workouts[i].fragment);
}

static void test_workout_bad_names(void **state)
{
	static const char *const names[] = {
		"Tabata",
		"leg day",
		"",
		"../x",
		"tabata.v2",
		"0123456789012345678901234567890123456789012345678"};
	static const char text[] = "[workout]\n[block w]\ntype=warmup\n"
				   "work=60\n";
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(names); i++)
		expect_workout_error(names[i], names[i], text, 0,
				     "bad workout name");
}

static void test_workout_too_many(void **state)
{
	g_autoptr(GString) text = g_string_new("[workout]\n");
	g_autoptr(GString) list = g_string_new(NULL);
	int i;

	/* 33 blocks: the 33rd group, on line 2 + 32 * 3, is refused. */
	for (i = 0; i < WORKOUT_MAX_BLOCKS + 1; i++)
		g_string_append_printf(text, "[block b%d]\ntype=reps\nreps=5\n",
				       i);
	expect_workout_error("33 blocks", "many", text->str,
			     2 + WORKOUT_MAX_BLOCKS * 3,
			     "[block b32] too many blocks: at most 32");

	/* 17 exercises in a 17-round interval. */
	for (i = 0; i < WORKOUT_MAX_EXERCISES + 1; i++)
		g_string_append_printf(list, "%sex%d", i ? ";" : "", i);
	g_string_printf(text,
			"[workout]\n[block t]\ntype=interval\nwork=5\n"
			"rounds=17\nexercises=%s\n",
			list->str);
	expect_workout_error(
		"17 exercises", "many", text->str, 6,
		"[block t] exercises: at most 16 exercises, got 17");
}

/* Every key, and every default a file leaves out. */
static void test_workout_fields(void **state)
{
	static const char text[] = "[workout]\n"
				   "description = Everything at once \n"
				   "prep=0\n"
				   "transition=15\n"
				   "halfway=true\n"
				   "\n"
				   "[block warm up]\n"
				   "type=warmup\n"
				   "work=300\n"
				   "rest-after=30\n"
				   "[block circuit]\n"
				   "type=interval\n"
				   "exercises=squat; push-up ;lunge\n"
				   "work=20\n"
				   "rest=10\n"
				   "rounds=8\n"
				   "sets=2\n"
				   "[block circuit 2]\n"
				   "type=interval\n"
				   "exercise=burpee\n"
				   "work=20\n"
				   "rest=10\n"
				   "rounds=4\n"
				   "sets=3\n"
				   "set-rest=60\n"
				   "[block side plank]\n"
				   "type=hold\n"
				   "work=30\n"
				   "per-side=true\n"
				   "sets=2\n"
				   "rest=20\n"
				   "[block wall sit]\n"
				   "type=hold\n"
				   "exercise=wall sit\n"
				   "work=45\n"
				   "hold-start=still\n"
				   "[block goblet squat]\n"
				   "type=reps\n"
				   "reps=10\n"
				   "sets=3\n"
				   "rest=60\n"
				   "rest-after=90\n";
	g_autoptr(GError) error = NULL;
	struct workout *w = g_new0(struct workout, 1);
	const struct block *b = w->blocks;

	if (!workout_file_parse(text, strlen(text), "all.conf", "all",
				&test_def, w, &error))
		fail_msg("%s", error->message);
	assert_string_equal(w->name, "all");
	assert_string_equal(w->title, "all"); /* no title: the name */
	assert_string_equal(w->description, "Everything at once");
	assert_int_equal(w->prep_ms, 0);
	assert_int_equal(w->countdown_s, 3); /* from the hub */
	assert_true(w->halfway);	     /* from the file */
	assert_false(w->last10);
	assert_int_equal(w->n_blocks, 6);

	assert_int_equal(b[0].kind, BLOCK_WARMUP);
	assert_string_equal(b[0].exercises[0], "warm up"); /* block name */
	assert_int_equal(b[0].n_exercises, 1);
	assert_int_equal(b[0].work_ms, 300000);
	assert_int_equal(b[0].rounds, 1);
	assert_int_equal(b[0].sets, 1);
	assert_int_equal(b[0].rest_after_ms, 30000);

	assert_int_equal(b[1].kind, BLOCK_INTERVAL);
	assert_int_equal(b[1].n_exercises, 3);
	assert_string_equal(b[1].exercises[0], "squat");
	assert_string_equal(b[1].exercises[1], "push-up");
	assert_string_equal(b[1].exercises[2], "lunge");
	assert_int_equal(b[1].work_ms, 20000);
	assert_int_equal(b[1].rest_ms, 10000);
	assert_int_equal(b[1].rounds, 8);
	assert_int_equal(b[1].sets, 2);
	assert_int_equal(b[1].set_rest_ms, 10000);   /* defaults to rest */
	assert_int_equal(b[1].rest_after_ms, 15000); /* transition */

	assert_int_equal(b[2].n_exercises, 1);
	assert_string_equal(b[2].exercises[0], "burpee");
	assert_int_equal(b[2].set_rest_ms, 60000);

	assert_int_equal(b[3].kind, BLOCK_HOLD);
	assert_string_equal(b[3].exercises[0], "side plank");
	assert_true(b[3].per_side);
	assert_int_equal(b[3].switch_ms, 5000); /* default switch */
	assert_int_equal(b[3].sets, 2);
	assert_int_equal(b[3].rest_ms, 20000);

	assert_false(b[3].wait_still); /* test_def: timer */
	assert_true(b[4].wait_still);  /* the block's own choice */
	assert_false(b[4].per_side);
	assert_int_equal(b[4].switch_ms, 0);
	assert_int_equal(b[4].work_ms, 45000);

	assert_int_equal(b[5].kind, BLOCK_REPS);
	assert_string_equal(b[5].exercises[0], "goblet squat");
	assert_int_equal(b[5].reps, 10);
	assert_int_equal(b[5].sets, 3);
	assert_int_equal(b[5].rest_ms, 60000);
	assert_int_equal(b[5].work_ms, 0);
	/* Nothing follows the last block: no rest after it. */
	assert_int_equal(b[5].rest_after_ms, 0);
	g_free(w);
}

/* Planned length as docs/workouts.md describes it, rep sets as 0. */
static uint64_t planned_s(const struct workout *w)
{
	uint64_t ms = w->prep_ms;
	size_t i;

	for (i = 0; i < w->n_blocks; i++) {
		const struct block *b = &w->blocks[i];
		uint64_t set = 0;

		switch (b->kind) {
		case BLOCK_WARMUP:
			set = b->work_ms;
			break;
		case BLOCK_INTERVAL:
			set = (uint64_t)b->rounds * b->work_ms +
			      (uint64_t)(b->rounds - 1) * b->rest_ms;
			break;
		case BLOCK_HOLD:
			set = b->per_side ? 2 * b->work_ms + b->switch_ms
					  : b->work_ms;
			break;
		case BLOCK_REPS:
			set = 0;
			break;
		}
		ms += set * b->sets +
		      (uint64_t)(b->sets - 1) * (b->kind == BLOCK_INTERVAL
							 ? b->set_rest_ms
							 : b->rest_ms);
		ms += b->rest_after_ms;
	}
	return ms / 1000;
}

static const struct workout *find(GPtrArray *ws, const char *name)
{
	guint i;

	for (i = 0; i < ws->len; i++) {
		const struct workout *w = g_ptr_array_index(ws, i);

		if (strcmp(w->name, name) == 0)
			return w;
	}
	fail_msg("no workout '%s'", name);
	return NULL;
}

/* The built-in workouts load, and say the truth about their length. */
static void test_workout_builtins(void **state)
{
	static const char *const names[] = {"circuit-20", "demo", "isometric",
					    "strength-reps", "tabata"};
	g_autofree char *dir = src_path("config/workouts");
	const char *dirs[] = {dir, NULL};
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) ws =
		workout_file_load_dirs(dirs, &test_def, errors);
	const struct workout *w;
	guint i;

	for (i = 0; i < errors->len; i++)
		print_error("%s\n", (char *)g_ptr_array_index(errors, i));
	assert_int_equal(errors->len, 0);
	assert_int_equal(ws->len, G_N_ELEMENTS(names));
	for (i = 0; i < ws->len; i++)
		assert_string_equal(
			((struct workout *)g_ptr_array_index(ws, i))->name,
			names[i]);

	w = find(ws, "tabata");
	assert_int_equal(w->n_blocks, 1);
	assert_int_equal(w->prep_ms, 10000);
	assert_int_equal(w->countdown_s, 3);
	assert_int_equal(w->blocks[0].work_ms, 20000);
	assert_int_equal(w->blocks[0].rest_ms, 10000);
	assert_int_equal(w->blocks[0].rounds, 8);
	assert_int_equal(planned_s(w), 10 + 8 * 20 + 7 * 10);

	w = find(ws, "isometric");
	assert_string_equal(w->title, "Isometric circuit");
	assert_int_equal(w->n_blocks, 5);
	assert_int_equal(planned_s(w), 505);

	w = find(ws, "circuit-20");
	assert_int_equal(planned_s(w), 20 * 60);

	w = find(ws, "strength-reps");
	assert_int_equal(w->blocks[0].kind, BLOCK_WARMUP);
	assert_int_equal(w->blocks[0].work_ms, 300000);
	assert_int_equal(w->blocks[1].kind, BLOCK_REPS);
	assert_int_equal(w->blocks[1].reps, 10);
	assert_int_equal(w->blocks[1].sets, 3);

	w = find(ws, "demo");
	assert_true(w->halfway);
	assert_int_equal(planned_s(w), 53);
}

/* The integration test's workouts are valid too. */
static void test_workout_test_files(void **state)
{
	g_autofree char *dir = src_path("tests/workouts");
	const char *dirs[] = {dir, NULL};
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) ws =
		workout_file_load_dirs(dirs, &test_def, errors);
	guint i;

	for (i = 0; i < errors->len; i++)
		print_error("%s\n", (char *)g_ptr_array_index(errors, i));
	assert_int_equal(errors->len, 0);
	assert_int_equal(ws->len, 6);
	assert_int_equal(find(ws, "quick")->countdown_s, 1);
}

static void test_workout_dirs(void **state)
{
	const char *tmp = *state;
	g_autofree char *a = g_build_filename(tmp, "a", NULL);
	g_autofree char *b = g_build_filename(tmp, "b", NULL);
	g_autofree char *c = g_build_filename(tmp, "c", NULL);
	g_autofree char *none = g_build_filename(tmp, "none", NULL);
	g_autofree char *file = NULL;
	const char *dirs[] = {a, none, b, c, NULL};
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) ws = NULL;

	g_free(write_in(a, "x.conf",
			"[workout]\ntitle=X from a\n[block w]\n"
			"type=warmup\nwork=60\n"));
	g_free(write_in(a, "yy.conf",
			"[workout]\ntitle=Y from a\n[block w]\n"
			"type=warmup\nwork=60\n"));
	g_free(write_in(a, "notes.txt", "not a workout"));
	g_free(write_in(a, ".#x.conf", "editor lock file"));
	g_free(write_in(b, "x.conf",
			"[workout]\ntitle=X from b\n[block w]\n"
			"type=warmup\nwork=60\n"));
	g_free(write_in(b, "a.conf",
			"[workout]\ntitle=A from b\n[block w]\n"
			"type=warmup\nwork=60\n"));
	/* A broken override: reported, and the earlier yy stays. */
	file = write_in(c, "yy.conf", "[workout]\ntitle=Y from c\n");

	ws = workout_file_load_dirs(dirs, &test_def, errors);
	assert_int_equal(ws->len, 3);
	/* Sorted by name; the later directory wins. */
	assert_string_equal(((struct workout *)g_ptr_array_index(ws, 0))->title,
			    "A from b");
	assert_string_equal(((struct workout *)g_ptr_array_index(ws, 1))->title,
			    "X from b");
	assert_string_equal(((struct workout *)g_ptr_array_index(ws, 2))->title,
			    "Y from a");
	/* The missing directory is no error; the broken file is one. */
	assert_int_equal(errors->len, 1);
	check_message("broken override", g_ptr_array_index(errors, 0), file, 1,
		      "no blocks");

	/* Errors may be ignored, and a plain file is no directory. */
	g_ptr_array_unref(ws);
	dirs[0] = file;
	dirs[1] = NULL;
	ws = workout_file_load_dirs(dirs, &test_def, NULL);
	assert_int_equal(ws->len, 0);
	g_ptr_array_set_size(errors, 0);
	g_ptr_array_unref(workout_file_load_dirs(dirs, &test_def, errors));
	assert_int_equal(errors->len, 1);
}

static void test_workout_load_file(void **state)
{
	g_autofree char *path = write_in(*state, "hold-me.conf",
					 "[workout]\n[block h]\ntype=hold\n"
					 "work=5\n");
	g_autofree char *missing = g_build_filename(*state, "no.conf", NULL);
	g_autoptr(GError) error = NULL;
	struct workout *w = g_new0(struct workout, 1);

	assert_true(workout_file_load(path, &test_def, w, &error));
	assert_string_equal(w->name, "hold-me");
	assert_int_equal(w->prep_ms, 10000); /* default prep */
	assert_false(workout_file_load(missing, &test_def, w, &error));
	assert_non_null(strstr(error->message, missing));
	g_free(w);
}

/* The line table that every error message above relies on. */
static void test_keyfile_lines(void **state)
{
	static const char text[] = "# c\n\n[a]\nx=1\n  y = 2\n[b c]\r\nz=\n";
	static const char nul[] = "[cues]\nhalfway=true\nx\0=1\n";
	static const char *const words[] = {"backend", "line", "chip", NULL};
	g_autoptr(GError) error = NULL;
	struct keyfile_lines *kl =
		keyfile_lines_new(text, strlen(text), "t.conf", NULL);
	const char *const *g;

	assert_non_null(kl);
	g = keyfile_lines_groups(kl);
	assert_string_equal(g[0], "a");
	assert_string_equal(g[1], "b c");
	assert_null(g[2]);
	assert_int_equal(keyfile_lines_group_line(kl, "a"), 3);
	assert_int_equal(keyfile_lines_group_line(kl, "b c"), 6);
	assert_int_equal(keyfile_lines_group_line(kl, "d"), 0);
	assert_int_equal(keyfile_lines_key_line(kl, "a", "x"), 4);
	assert_int_equal(keyfile_lines_key_line(kl, "a", "y"), 5);
	assert_int_equal(keyfile_lines_key_line(kl, "b c", "z"), 7);
	assert_int_equal(keyfile_lines_key_line(kl, "a", "z"), 0);
	assert_string_equal(keyfile_lines_keys(kl, "a")[1], "y");
	assert_null(keyfile_lines_keys(kl, "nope"));
	keyfile_lines_free(kl);
	keyfile_lines_free(NULL);

	/* GKeyFile would stop reading at a NUL; it is an error here. */
	assert_null(keyfile_lines_new(nul, sizeof(nul) - 1, "t.conf", &error));
	check_message("NUL byte", error->message, "t.conf", 3,
		      "contains a NUL byte");

	/* An empty file is a valid, empty one. */
	kl = keyfile_lines_new("", 0, "empty.conf", NULL);
	assert_non_null(kl);
	assert_null(keyfile_lines_groups(kl)[0]);
	keyfile_lines_free(kl);
	kl = keyfile_lines_new(NULL, 0, "empty.conf", NULL);
	assert_non_null(kl);
	keyfile_lines_free(kl);

	assert_string_equal(keyfile_lines_closest("lien", words), "line");
	assert_string_equal(keyfile_lines_closest("Backend", words), "backend");
	assert_null(keyfile_lines_closest("pitch", words));
	assert_null(keyfile_lines_closest("x", words));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test_setup_teardown(test_config_missing_file,
						setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_config_unreadable,
						setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_config_values, setup_tmp,
						teardown_tmp),
		cmocka_unit_test_setup_teardown(test_config_backends, setup_tmp,
						teardown_tmp),
		cmocka_unit_test(test_config_shipped),
		cmocka_unit_test_setup_teardown(test_config_documented_defaults,
						setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_config_bad_files,
						setup_tmp, teardown_tmp),
		cmocka_unit_test(test_workout_bad_files),
		cmocka_unit_test(test_workout_bad_names),
		cmocka_unit_test(test_workout_too_many),
		cmocka_unit_test(test_workout_fields),
		cmocka_unit_test(test_workout_builtins),
		cmocka_unit_test(test_workout_test_files),
		cmocka_unit_test_setup_teardown(test_workout_dirs, setup_tmp,
						teardown_tmp),
		cmocka_unit_test_setup_teardown(test_workout_load_file,
						setup_tmp, teardown_tmp),
		cmocka_unit_test(test_keyfile_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
