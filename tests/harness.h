/* SPDX-License-Identifier: MIT */
/*
 * harness.h - the world of an integration test: a private dbus-daemon,
 * the fake bluetoothd (tests/fake-bluez.c) driven through its stdin,
 * gymhubd with its log captured, and gymhubctl runs.
 *
 * Every wait has a generous deadline: it bounds a hang, it does not
 * measure speed. Failures go through cmocka's fail_msg(), with the logs
 * of the fake and of gymhubd printed to help whoever reads the failure.
 */
#ifndef GYMHUB_TEST_HARNESS_H
#define GYMHUB_TEST_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include <gio/gio.h>

#define HARNESS_WAIT_MS 30000

struct harness {
	char *dir, *bus_addr, *db, *conf;
	GPid bus_pid, fake_pid, daemon_pid;
	GDBusConnection *bus;
	int fake_in, fake_out, daemon_out, daemon_err;
	GString *fake_log, *daemon_log;
	size_t fake_pos;   /* where harness_fake_wait() looks next */
	size_t daemon_pos; /* where harness_daemon_wait() looks next */
};

/* A temporary directory, a session-style bus with everything allowed,
 * and a gymhub.conf using the simulated buzzer. */
struct harness *harness_new(void);
void harness_free(struct harness *h);

/* fake-bluez with short delays; @args: extra options, NULL-terminated. */
void harness_start_fake(struct harness *h);
/* Sends one command line and waits for its "ok VERB". */
void harness_fake(struct harness *h, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Waits for an event line starting with @line, after the last one
 * waited for. */
void harness_fake_wait(struct harness *h, const char *line);
/* Whether any line of the fake's output so far starts with @line. */
bool harness_fake_saw(struct harness *h, const char *line);

/* Adds lines to the gymhub.conf gymhubd starts with (e.g. "[export]"). */
void harness_config_append(struct harness *h, const char *text);
void harness_start_daemon(struct harness *h);
/* SIGTERM, then waits for the exit; returns the exit status. */
int harness_stop_daemon(struct harness *h);
/* SIGKILL: no chance to close anything (a crash, a power cut). */
void harness_kill_daemon(struct harness *h);
/* Waits for gymhubd to log a line containing @text. */
void harness_daemon_wait(struct harness *h, const char *text);

/* Runs gymhubctl --bus ... --db ... ARGS (NULL-terminated); its exit
 * status, stdout and stderr together in *@ret_out if not NULL. */
int harness_ctl(struct harness *h, char **ret_out, ...) G_GNUC_NULL_TERMINATED;

/* A Hub1 property (new reference), and polling one until it matches. */
GVariant *harness_prop(struct harness *h, const char *name);
void harness_wait_prop_u(struct harness *h, const char *name, uint32_t want);
void harness_wait_prop_s(struct harness *h, const char *name, const char *want);
void harness_wait_prop_b(struct harness *h, const char *name, bool want);

/* Calls a Hub1 method; NULL and *@error on failure. */
GVariant *harness_call(struct harness *h, const char *method, GVariant *args,
		       GError **error);

/* Reads the output of the fake and gymhubd for @ms (0: what is there). */
void harness_pump(struct harness *h, int ms);

#endif
