/* SPDX-License-Identifier: MIT */
/*
 * config.h - gymhub.conf, the hub's own settings (GKeyFile format).
 * Every key, with its default, is documented in config/gymhub.conf.
 *
 * Errors name the file and line: "/etc/gymhub/gymhub.conf:12: [buzzer]
 * line: expected a number from 0 to 511, got 'seventeen'". Unknown groups
 * and keys are errors too (a typo must not silently become a default).
 * Main thread only.
 */
#ifndef GYMHUB_CONFIG_H
#define GYMHUB_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

/* The Makefile passes the install paths; these are its defaults. */
#ifndef GYMHUB_SYSCONFDIR
#define GYMHUB_SYSCONFDIR "/etc/gymhub"
#endif
#ifndef GYMHUB_DATADIR
#define GYMHUB_DATADIR "/usr/local/share/gymhub"
#endif
#define CONFIG_DEFAULT_PATH GYMHUB_SYSCONFDIR "/gymhub.conf"

enum config_buzzer {
	CONFIG_BUZZER_NONE,
	CONFIG_BUZZER_GPIO, /* active buzzer on a GPIO line */
	CONFIG_BUZZER_PWM,  /* passive buzzer on a sysfs PWM channel */
	CONFIG_BUZZER_SIM,  /* simulated: records edges, demo and tests */
};

struct config {
	/* [hub] */
	char *database;	     /* /var/lib/gymhub/gymhub.db */
	char **workout_dirs; /* NULL-terminated; later dirs override */
	/* [cues] */
	uint32_t countdown_s; /* 3 */
	bool halfway;	      /* false */
	bool last10;	      /* false */
	bool rep_tick;	      /* false */
	/* [buzzer] */
	enum config_buzzer buzzer; /* gpio */
	char *gpio_chip;	   /* gpiochip0 */
	uint32_t gpio_line;	   /* 17 (BCM numbering, header pin 11) */
	bool active_low;	   /* false */
	char *pwm_sysfs;	   /* /sys/class/pwm */
	uint32_t pwm_chip;	   /* 0 */
	uint32_t pwm_channel;	   /* 0 */
	/* [realtime] */
	bool sched_fifo;  /* true */
	int rt_priority;  /* 50 */
	bool lock_memory; /* true */
	/* [sensors] */
	char *adapter;		  /* NULL: the first adapter */
	char *primary;		  /* AA:BB:..., NULL: the first strap */
	uint16_t max_hr, rest_hr; /* 0: not set (no zones) */
	uint32_t low_battery;	  /* 15 (percent) */
	/* [motion] */
	bool hold_start_still; /* true: holds start when the runner is still */
	/* [buttons] */
	char *button_chip;			    /* gpiochip0 */
	int button_start, button_next, button_stop; /* -1: none */
	bool button_active_low;			    /* true */
	bool button_pull_up;			    /* true */
	uint32_t button_debounce_ms;		    /* 30 */
	uint32_t button_long_ms;		    /* 1000 */
	char *button_workout;			    /* tabata */
	/* [export] */
	char *export_dir;      /* NULL: no automatic export */
	char **export_formats; /* "fit" */
	/* [display]: read by gymhub-display (its options override them) */
	char *display_backend;	    /* ssd1306 */
	char *display_i2c;	    /* /dev/i2c-1 */
	uint32_t display_i2c_addr;  /* 0x3c */
	uint32_t display_contrast;  /* 0: the panel's default */
	char *display_fb;	    /* /dev/fb0 */
	uint32_t display_width;	    /* 0: the backend's own size */
	uint32_t display_height;    /* (both set or both 0) */
	uint32_t display_rotate;    /* 0 or 180 */
	uint32_t display_summary_s; /* 300 */
};

/* Built-in defaults, without reading any file. */
struct config *config_new_default(void);
/*
 * Defaults overlaid with @path. A missing file is an error only when
 * @must_exist (given with --config); otherwise defaults are used.
 */
struct config *config_load(const char *path, bool must_exist, GError **error);
/* Defaults overlaid with @data; @origin names it in errors. */
struct config *config_parse(const char *data, size_t len, const char *origin,
			    GError **error);
void config_free(struct config *c);

#endif
