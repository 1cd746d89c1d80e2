/* SPDX-License-Identifier: MIT */
/*
 * config.c - gymhub.conf, see config.h. Every key and its default is
 * documented in config/gymhub.conf; tests/test-config.c checks that the
 * documented defaults are the ones below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bt-address.h"
#include "config.h"
#include "export-file.h"
#include "keyfile-lines.h"

#define DEFAULT_DATABASE "/var/lib/gymhub/gymhub.db"

static const char *const hub_keys[] = {"database", "workouts", NULL};
static const char *const cues_keys[] = {"countdown", "halfway", "last10",
					"rep-tick", NULL};
static const char *const buzzer_keys[] = {
	"backend",   "chip",	 "line",	"active-low",
	"pwm-sysfs", "pwm-chip", "pwm-channel", NULL};
static const char *const realtime_keys[] = {"sched-fifo", "priority",
					    "lock-memory", NULL};
static const char *const export_keys[] = {"dir", "formats", NULL};
static const char *const buttons_keys[] = {
	"chip",	   "start",	  "next",	   "stop",    "active-low",
	"pull-up", "debounce-ms", "long-press-ms", "workout", NULL};
static const char *const sensors_keys[] = {
	"adapter", "primary", "max-hr", "resting-hr", "low-battery", NULL};

static const char *const motion_keys[] = {"hold-start", NULL};
static const char *const display_keys[] = {
	"backend", "i2c",    "i2c-addr",	"contrast", "fb",
	"size",	   "rotate", "summary-seconds", NULL};
/* gymhub-display --backend; the png backend needs --output, not config. */
static const char *const display_backends[] = {"ssd1306", "sh1106", "fb",
					       "term", NULL};
/* Indexed by the value of struct config's hold_start_still. */
static const char *const hold_start_names[] = {"timer", "still", NULL};

static const struct {
	const char *name;
	const char *const *keys;
} known_groups[] = {
	{"hub", hub_keys},	   {"cues", cues_keys},
	{"buzzer", buzzer_keys},   {"realtime", realtime_keys},
	{"sensors", sensors_keys}, {"export", export_keys},
	{"buttons", buttons_keys}, {"motion", motion_keys},
	{"display", display_keys},
};

static const char *const group_names[] = {
	"hub",	  "cues",    "buzzer", "realtime", "sensors",
	"export", "buttons", "motion", "display",  NULL};

/* Indexed by enum config_buzzer. */
static const char *const buzzer_names[] = {
	[CONFIG_BUZZER_NONE] = "none",
	[CONFIG_BUZZER_GPIO] = "gpio",
	[CONFIG_BUZZER_PWM] = "pwm",
	[CONFIG_BUZZER_SIM] = "sim",
};

struct config *config_new_default(void)
{
	struct config *c = g_new0(struct config, 1);
	const char *dirs[] = {GYMHUB_DATADIR "/workouts",
			      GYMHUB_SYSCONFDIR "/workouts", NULL};

	c->database = g_strdup(DEFAULT_DATABASE);
	c->workout_dirs = g_strdupv((char **)dirs);
	c->countdown_s = 3;
	c->halfway = false;
	c->last10 = false;
	c->buzzer = CONFIG_BUZZER_GPIO;
	c->gpio_chip = g_strdup("gpiochip0");
	/* BCM 17 is header pin 11, next to a ground on pin 9. */
	c->gpio_line = 17;
	c->active_low = false;
	c->pwm_sysfs = g_strdup("/sys/class/pwm");
	c->pwm_chip = 0;
	c->pwm_channel = 0;
	c->sched_fifo = true;
	c->rt_priority = 50;
	c->lock_memory = true;
	c->adapter = NULL;
	c->primary = NULL;
	c->max_hr = 0;
	c->rest_hr = 0;
	c->low_battery = 15;
	c->hold_start_still = true;
	c->button_chip = g_strdup("gpiochip0");
	c->button_start = c->button_next = c->button_stop = -1;
	c->button_active_low = true;
	c->button_pull_up = true;
	c->button_debounce_ms = 30;
	c->button_long_ms = 1000;
	c->button_workout = g_strdup("tabata");
	c->export_dir = NULL;
	c->export_formats =
		g_strdupv((char **)(const char *const[]){"fit", NULL});
	c->display_backend = g_strdup("ssd1306");
	c->display_i2c = g_strdup("/dev/i2c-1");
	/* SSD1306 datasheet 8.1.5: 0x3c, or 0x3d with SA0 high */
	c->display_i2c_addr = 0x3c;
	c->display_fb = g_strdup("/dev/fb0");
	c->display_summary_s = 300;
	return c;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	g_free(c->database);
	g_strfreev(c->workout_dirs);
	g_free(c->gpio_chip);
	g_free(c->pwm_sysfs);
	g_free(c->adapter);
	g_free(c->primary);
	g_free(c->button_chip);
	g_free(c->button_workout);
	g_free(c->export_dir);
	g_free(c->display_backend);
	g_free(c->display_i2c);
	g_free(c->display_fb);
	g_strfreev(c->export_formats);
	g_free(c);
}

static const char *const *keys_of(const char *group)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(known_groups); i++)
		if (strcmp(known_groups[i].name, group) == 0)
			return known_groups[i].keys;
	return NULL;
}

static bool is_one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/*
 * A misspelt key must not silently leave its default in place, so every
 * group and key is checked against the known ones, in file order.
 */
static bool check_names(const struct keyfile_lines *kl, GError **error)
{
	const char *const *g, *const *k, *const *known;
	const char *hint;

	for (g = keyfile_lines_groups(kl); *g; g++) {
		known = keys_of(*g);
		if (!known) {
			hint = keyfile_lines_closest(*g, group_names);
			keyfile_lines_set_error_at(
				kl, error, KEYFILE_LINES_ERROR_UNKNOWN,
				keyfile_lines_group_line(kl, *g),
				"unknown group [%s]%s%s%s", *g,
				hint ? "; did you mean [" : "",
				hint ? hint : "", hint ? "]?" : "");
			return false;
		}
		for (k = keyfile_lines_keys(kl, *g); *k; k++) {
			if (is_one_of(*k, known))
				continue;
			hint = keyfile_lines_closest(*k, known);
			keyfile_lines_set_error_at(
				kl, error, KEYFILE_LINES_ERROR_UNKNOWN,
				keyfile_lines_key_line(kl, *g, *k),
				"unknown key '%s' in [%s]%s%s%s", *k, *g,
				hint ? "; did you mean '" : "",
				hint ? hint : "", hint ? "'?" : "");
			return false;
		}
	}
	return true;
}

static bool get_buzzer(const struct keyfile_lines *kl, struct config *c,
		       GError **error)
{
	g_autofree char *s = NULL;
	size_t i;

	if (!keyfile_lines_get_string(kl, "buzzer", "backend", 0, &s, error))
		return false;
	if (!s)
		return true;
	for (i = 0; i < G_N_ELEMENTS(buzzer_names); i++) {
		if (strcmp(s, buzzer_names[i]) == 0) {
			c->buzzer = (enum config_buzzer)i;
			return true;
		}
	}
	keyfile_lines_set_error(kl, error, KEYFILE_LINES_ERROR_INVALID,
				"buzzer", "backend",
				"expected gpio, pwm, sim or none, got '%s'", s);
	return false;
}

/*
 * A path must be absolute (gymhubd runs from /) and must not end in what
 * was meant as a comment: GKeyFile keeps "x.db # main" as the value, and
 * a database or workout directory that silently moved is data gone
 * missing.
 */
static bool check_path(const struct keyfile_lines *kl, const char *group,
		       const char *key, const char *path, GError **error)
{
	const char *hash = strstr(path, " #");

	if (!keyfile_lines_key_line(kl, group, key))
		return true;
	if (hash || strstr(path, "\t#")) {
		keyfile_lines_set_error(kl, error, KEYFILE_LINES_ERROR_INVALID,
					group, key,
					"'%s' looks like a path followed by a "
					"comment (a '#' comment must be on a "
					"line of its own)",
					path);
		return false;
	}
	if (!g_path_is_absolute(path)) {
		keyfile_lines_set_error(
			kl, error, KEYFILE_LINES_ERROR_INVALID, group, key,
			"expected an absolute path, got '%s'", path);
		return false;
	}
	return true;
}

static bool read_paths(const struct keyfile_lines *kl, struct config *c,
		       GError **error)
{
	char **p;

	if (c->export_dir &&
	    !check_path(kl, "export", "dir", c->export_dir, error))
		return false;
	if (!check_path(kl, "hub", "database", c->database, error) ||
	    !check_path(kl, "buzzer", "pwm-sysfs", c->pwm_sysfs, error))
		return false;
	for (p = c->workout_dirs; p && *p; p++)
		if (!check_path(kl, "hub", "workouts", *p, error))
			return false;
	return true;
}

static bool read_sensors(const struct keyfile_lines *kl, struct config *c,
			 GError **error)
{
	char addr[BT_ADDRESS_LEN];
	uint32_t max = 0, rest = 0;

	/* hciN: the kernel's adapter names (net/bluetooth/hci_core.c). */
	if (!keyfile_lines_get_string(kl, "sensors", "adapter", 16, &c->adapter,
				      error) ||
	    !keyfile_lines_get_string(kl, "sensors", "primary", 0, &c->primary,
				      error) ||
	    !keyfile_lines_get_uint(kl, "sensors", "max-hr", 0, 250, &max,
				    error) ||
	    !keyfile_lines_get_uint(kl, "sensors", "resting-hr", 0, 150, &rest,
				    error) ||
	    !keyfile_lines_get_uint(kl, "sensors", "low-battery", 0, 100,
				    &c->low_battery, error))
		return false;
	if (c->adapter &&
	    (!g_str_has_prefix(c->adapter, "hci") || !c->adapter[3] ||
	     strspn(c->adapter + 3, "0123456789") != strlen(c->adapter + 3))) {
		keyfile_lines_set_error(kl, error, KEYFILE_LINES_ERROR_INVALID,
					"sensors", "adapter",
					"expected an adapter name like hci0, "
					"got '%s'",
					c->adapter);
		return false;
	}
	if (c->primary && !bt_address_parse(c->primary, addr)) {
		keyfile_lines_set_error(kl, error, KEYFILE_LINES_ERROR_INVALID,
					"sensors", "primary",
					"expected a Bluetooth address like "
					"A0:9E:1A:12:34:56, got '%s'",
					c->primary);
		return false;
	}
	if (c->primary)
		memcpy(c->primary, addr, BT_ADDRESS_LEN);
	if (rest && max && rest >= max) {
		keyfile_lines_set_error(kl, error, KEYFILE_LINES_ERROR_INVALID,
					"sensors", "resting-hr",
					"resting heart rate %u is not below "
					"max-hr %u",
					rest, max);
		return false;
	}
	c->max_hr = (uint16_t)max;
	c->rest_hr = (uint16_t)rest;
	return true;
}

static bool read_display(const struct keyfile_lines *kl, struct config *c,
			 GError **error)
{
	g_autofree char *addr = NULL, *size = NULL;
	unsigned int backend = 0;
	uint32_t w, h;
	char *end;
	long v;

	if (!keyfile_lines_get_choice(kl, "display", "backend",
				      display_backends, &backend, error) ||
	    !keyfile_lines_get_string(kl, "display", "i2c", 0, &c->display_i2c,
				      error) ||
	    !keyfile_lines_get_string(kl, "display", "i2c-addr", 0, &addr,
				      error) ||
	    !keyfile_lines_get_uint(kl, "display", "contrast", 1, 255,
				    &c->display_contrast, error) ||
	    !keyfile_lines_get_string(kl, "display", "fb", 0, &c->display_fb,
				      error) ||
	    !keyfile_lines_get_string(kl, "display", "size", 0, &size, error) ||
	    !keyfile_lines_get_uint(kl, "display", "rotate", 0, 180,
				    &c->display_rotate, error) ||
	    !keyfile_lines_get_uint(kl, "display", "summary-seconds", 0, 3600,
				    &c->display_summary_s, error) ||
	    !check_path(kl, "display", "i2c", c->display_i2c, error) ||
	    !check_path(kl, "display", "fb", c->display_fb, error))
		return false;
	if (keyfile_lines_key_line(kl, "display", "backend")) {
		g_free(c->display_backend);
		c->display_backend = g_strdup(display_backends[backend]);
	}
	if (addr) {
		/* I2C 7-bit addresses; 0x00-0x02 and 0x78-0x7f are reserved */
		v = strtol(addr, &end, 0);
		if (*end || v < 0x03 || v > 0x77) {
			keyfile_lines_set_error(
				kl, error, KEYFILE_LINES_ERROR_INVALID,
				"display", "i2c-addr",
				"expected a 7-bit I2C address like 0x3c, got "
				"'%s'",
				addr);
			return false;
		}
		c->display_i2c_addr = (uint32_t)v;
	}
	if (size) {
		if (sscanf(size, "%ux%u%c", &w, &h, (char[]){0}) != 2 ||
		    w < 128 || h < 64 || w > 4096 || h > 4096) {
			keyfile_lines_set_error(
				kl, error, KEYFILE_LINES_ERROR_INVALID,
				"display", "size",
				"expected WIDTHxHEIGHT of at least 128x64, "
				"like 240x240, got '%s'",
				size);
			return false;
		}
		c->display_width = w;
		c->display_height = h;
	}
	if (c->display_rotate != 0 && c->display_rotate != 180) {
		keyfile_lines_set_error(kl, error, KEYFILE_LINES_ERROR_INVALID,
					"display", "rotate",
					"expected 0 or 180, got %u",
					c->display_rotate);
		return false;
	}
	return true;
}

static bool read_motion(const struct keyfile_lines *kl, struct config *c,
			GError **error)
{
	unsigned int hold_start = c->hold_start_still;

	if (!keyfile_lines_get_choice(kl, "motion", "hold-start",
				      hold_start_names, &hold_start, error))
		return false;
	c->hold_start_still = hold_start == 1;
	return true;
}

static bool get_line(const struct keyfile_lines *kl, const char *key, int *ret,
		     GError **error)
{
	uint32_t v;

	if (!keyfile_lines_key_line(kl, "buttons", key))
		return true;
	/* 511: as [buzzer] line */
	if (!keyfile_lines_get_uint(kl, "buttons", key, 0, 511, &v, error))
		return false;
	*ret = (int)v;
	return true;
}

static bool read_buttons(const struct keyfile_lines *kl, struct config *c,
			 GError **error)
{
	/* Contacts bounce for 1-20 ms; a press is over 60 ms. */
	if (!keyfile_lines_get_string(kl, "buttons", "chip", 0, &c->button_chip,
				      error) ||
	    !get_line(kl, "start", &c->button_start, error) ||
	    !get_line(kl, "next", &c->button_next, error) ||
	    !get_line(kl, "stop", &c->button_stop, error) ||
	    !keyfile_lines_get_bool(kl, "buttons", "active-low",
				    &c->button_active_low, error) ||
	    !keyfile_lines_get_bool(kl, "buttons", "pull-up",
				    &c->button_pull_up, error) ||
	    !keyfile_lines_get_uint(kl, "buttons", "debounce-ms", 1, 100,
				    &c->button_debounce_ms, error) ||
	    !keyfile_lines_get_uint(kl, "buttons", "long-press-ms", 300, 5000,
				    &c->button_long_ms, error) ||
	    !keyfile_lines_get_string(kl, "buttons", "workout", 0,
				      &c->button_workout, error))
		return false;
	return true;
}

static bool read_export(const struct keyfile_lines *kl, struct config *c,
			GError **error)
{
	char **f;

	if (!keyfile_lines_get_string(kl, "export", "dir", 0, &c->export_dir,
				      error) ||
	    !keyfile_lines_get_list(kl, "export", "formats", 0,
				    &c->export_formats, error))
		return false;
	for (f = c->export_formats; *f; f++)
		if (!export_file_format_known(*f)) {
			keyfile_lines_set_error(kl, error,
						KEYFILE_LINES_ERROR_INVALID,
						"export", "formats",
						"unknown format '%s' (fit, "
						"tcx, json or csv)",
						*f);
			return false;
		}
	return true;
}

static bool read_values(const struct keyfile_lines *kl, struct config *c,
			GError **error)
{
	uint32_t prio = (uint32_t)c->rt_priority;

	if (!keyfile_lines_get_string(kl, "hub", "database", 0, &c->database,
				      error) ||
	    !keyfile_lines_get_list(kl, "hub", "workouts", 0, &c->workout_dirs,
				    error))
		return false;
	/* More than 10 s of beeps stops being a countdown. */
	if (!keyfile_lines_get_uint(kl, "cues", "countdown", 0, 10,
				    &c->countdown_s, error) ||
	    !keyfile_lines_get_bool(kl, "cues", "halfway", &c->halfway,
				    error) ||
	    !keyfile_lines_get_bool(kl, "cues", "last10", &c->last10, error) ||
	    !keyfile_lines_get_bool(kl, "cues", "rep-tick", &c->rep_tick,
				    error))
		return false;
	/*
	 * Line 511: the largest line offset of any Raspberry Pi GPIO chip
	 * (BCM2711/2712 chips have 54-58 lines; expanders fewer).
	 */
	if (!get_buzzer(kl, c, error) ||
	    !keyfile_lines_get_string(kl, "buzzer", "chip", 0, &c->gpio_chip,
				      error) ||
	    !keyfile_lines_get_uint(kl, "buzzer", "line", 0, 511, &c->gpio_line,
				    error) ||
	    !keyfile_lines_get_bool(kl, "buzzer", "active-low", &c->active_low,
				    error) ||
	    !keyfile_lines_get_string(kl, "buzzer", "pwm-sysfs", 0,
				      &c->pwm_sysfs, error) ||
	    !keyfile_lines_get_uint(kl, "buzzer", "pwm-chip", 0, 255,
				    &c->pwm_chip, error) ||
	    !keyfile_lines_get_uint(kl, "buzzer", "pwm-channel", 0, 255,
				    &c->pwm_channel, error))
		return false;
	/* sched(7): SCHED_FIFO priorities are 1 (low) to 99 (high). */
	if (!keyfile_lines_get_bool(kl, "realtime", "sched-fifo",
				    &c->sched_fifo, error) ||
	    !keyfile_lines_get_uint(kl, "realtime", "priority", 1, 99, &prio,
				    error) ||
	    !keyfile_lines_get_bool(kl, "realtime", "lock-memory",
				    &c->lock_memory, error))
		return false;
	c->rt_priority = (int)prio;
	return read_sensors(kl, c, error) && read_export(kl, c, error) &&
	       read_buttons(kl, c, error) && read_motion(kl, c, error) &&
	       read_display(kl, c, error);
}

struct config *config_parse(const char *data, size_t len, const char *origin,
			    GError **error)
{
	struct keyfile_lines *kl = NULL;
	struct config *c = config_new_default();

	kl = keyfile_lines_new(data, len, origin, error);
	if (!kl || !check_names(kl, error) || !read_values(kl, c, error) ||
	    !read_paths(kl, c, error)) {
		config_free(c);
		c = NULL;
	}
	keyfile_lines_free(kl);
	return c;
}

struct config *config_load(const char *path, bool must_exist, GError **error)
{
	g_autoptr(GError) read_error = NULL;
	g_autofree char *data = NULL;
	gsize len;

	if (!g_file_get_contents(path, &data, &len, &read_error)) {
		if (!must_exist && g_error_matches(read_error, G_FILE_ERROR,
						   G_FILE_ERROR_NOENT))
			return config_new_default();
		/* GLib's message names the file and the reason. */
		g_propagate_error(error, g_steal_pointer(&read_error));
		return NULL;
	}
	return config_parse(data, len, path, error);
}
