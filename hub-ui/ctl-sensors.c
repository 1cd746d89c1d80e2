/* SPDX-License-Identifier: MIT */
/*
 * ctl-sensors.c - gymhubctl scan, pair, sensors and forget, and the
 * sensor lines of `status`.
 *
 * Pairing and scanning happen in gymhubd (it owns the Bluetooth side and
 * its pairing agent); these commands only ask and print. `sensors` reads
 * the database when gymhubd is not running, so the list is there even
 * then.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bt-address.h"
#include "ctl.h"
#include "session-query.h"

#define SCAN_DEFAULT_S 10

const GOptionEntry ctl_scan_options[] = {
	{"seconds", 's', 0, G_OPTION_ARG_INT, &opt.seconds,
	 "How long to look, 1 to 60 (default 10)", "N"},
	{NULL},
};

static struct text fmt_rssi(int rssi)
{
	struct text t;

	if (rssi == 0)
		g_strlcpy(t.s, "-", sizeof(t.s));
	else
		g_snprintf(t.s, sizeof(t.s), "%d dBm", rssi);
	return t;
}

static struct text fmt_battery(int pct)
{
	struct text t;

	if (pct < 0)
		g_strlcpy(t.s, "-", sizeof(t.s));
	else
		g_snprintf(t.s, sizeof(t.s), "%d %%", pct);
	return t;
}

int cmd_scan(struct ctl *c, const struct command *cmd, int argc, char **argv)
{
	g_autoptr(GVariant) found = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	const char *addr, *name, *kind;
	gint secs = opt.seconds ? opt.seconds : SCAN_DEFAULT_S;
	gboolean known;
	GVariantIter it;
	gint16 rssi;
	int r;

	if (secs < 1 || secs > 60)
		return command_usage(cmd, "--seconds must be 1 to 60");
	r = hub_connect(c);
	if (r)
		return r;
	if (!opt.json)
		fprintf(stderr,
			"Looking for heart-rate straps and motion sensors for "
			"%d s (wear a strap: it wakes when its electrodes touch "
			"wet skin)...\n",
			secs);
	/* The call lasts the scan: the default 25 s timeout is too short. */
	g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(c->hub),
					 (secs + 15) * 1000);
	if (!gh_hub1_call_scan_sync(c->hub, (guint)secs, &found, NULL, &error))
		return hub_error(error, NULL);
	if (opt.json) {
		json_builder_begin_array(b);
		g_variant_iter_init(&it, found);
		while (g_variant_iter_next(&it, "(&s&sn&sb)", &addr, &name,
					   &rssi, &kind, &known)) {
			json_builder_begin_object(b);
			json_str(b, "address", addr);
			json_str(b, "name", name);
			json_int(b, "rssi_dbm", rssi);
			json_str(b, "kind", kind);
			json_builder_set_member_name(b, "added");
			json_builder_add_boolean_value(b, known);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		return json_print(b, TRUE);
	}
	if (g_variant_n_children(found) == 0) {
		puts("No sensors found. Is the strap worn and its battery "
		     "alive? Is it connected to a phone or watch (most straps "
		     "allow one or two connections)?");
		return CTL_OK;
	}
	printf("%-17s  %-24s  %-7s  %-6s  %s\n", "ADDRESS", "NAME", "RSSI",
	       "KIND", "ADDED");
	g_variant_iter_init(&it, found);
	while (g_variant_iter_next(&it, "(&s&sn&sb)", &addr, &name, &rssi,
				   &kind, &known))
		printf("%-17s  %-24s  %-7s  %-6s  %s\n", addr, or_dash(name),
		       fmt_rssi(rssi).s, kind, known ? "yes" : "no");
	if (!opt.json)
		fputs("Add one with: gymhubctl pair ADDRESS\n", stderr);
	return CTL_OK;
}

int cmd_pair(struct ctl *c, const struct command *cmd, int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	char addr[BT_ADDRESS_LEN];
	int r;

	if (!bt_address_parse(argv[1], addr))
		return command_usage(cmd,
				     "'%s' is not a Bluetooth address "
				     "(AA:BB:CC:DD:EE:FF, see gymhubctl scan)",
				     argv[1]);
	r = hub_connect(c);
	if (r)
		return r;
	fprintf(stderr, "Pairing with %s...\n", addr);
	/* gymhubd looks for the sensor up to 15 s, pairing may take 60. */
	g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(c->hub), 90 * 1000);
	if (!gh_hub1_call_add_sensor_sync(c->hub, addr, NULL, &error))
		return hub_error(error, NULL);
	printf("added %s; the hub connects it whenever it is in reach\n", addr);
	return CTL_OK;
}

int cmd_forget(struct ctl *c, const struct command *cmd, int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	char addr[BT_ADDRESS_LEN];
	int r;

	if (!bt_address_parse(argv[1], addr))
		return command_usage(cmd, "'%s' is not a Bluetooth address",
				     argv[1]);
	r = hub_connect(c);
	if (r)
		return r;
	if (!gh_hub1_call_forget_sensor_sync(c->hub, addr, NULL, &error))
		return hub_error(error, NULL);
	printf("forgot %s (its recorded heart rate stays with its "
	       "sessions)\n",
	       addr);
	return CTL_OK;
}

/* One sensor as the commands print it, from gymhubd or the database. */
struct row {
	const char *address, *name, *kind;
	int connected; /* -1: unknown (read from the database) */
	int battery;
	guint32 bpm;
	gint64 last_seen_ms;
};

static void row_print(const struct row *w)
{
	g_autofree char *hr = NULL;

	hr = w->bpm ? g_strdup_printf("%u bpm", w->bpm) : g_strdup("-");
	printf("%-17s  %-24s  %-6s  %-12s  %-7s  %-7s  %s\n", w->address,
	       or_dash(w->name), w->kind,
	       w->connected < 0 ? "?"
	       : w->connected	? "connected"
				: "not in reach",
	       fmt_battery(w->battery).s, hr,
	       w->last_seen_ms ? fmt_local(w->last_seen_ms, "%F %R").s
			       : "never");
}

static void row_json(JsonBuilder *b, const struct row *w)
{
	json_builder_begin_object(b);
	json_str(b, "address", w->address);
	json_str(b, "name", w->name);
	json_str(b, "kind", w->kind);
	json_builder_set_member_name(b, "connected");
	if (w->connected < 0)
		json_builder_add_null_value(b);
	else
		json_builder_add_boolean_value(b, w->connected);
	json_builder_set_member_name(b, "battery");
	if (w->battery < 0)
		json_builder_add_null_value(b);
	else
		json_builder_add_int_value(b, w->battery);
	json_int(b, "bpm", w->bpm);
	json_int(b, "last_seen_ms", w->last_seen_ms);
	json_builder_end_object(b);
}

static void header(void)
{
	printf("%-17s  %-24s  %-6s  %-12s  %-7s  %-7s  %s\n", "ADDRESS", "NAME",
	       "KIND", "STATE", "BATTERY", "HR", "LAST SEEN");
}

/* gymhubd stopped: the database still knows what was added. */
static int sensors_from_db(struct ctl *c)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	struct sq_sensor *list = NULL;
	struct sq *q = NULL;
	size_t n = 0, i;
	int r;

	r = sq_open(c->db, &q);
	if (r == 0)
		r = sq_sensors(q, &list, &n);
	sq_close(q);
	if (r < 0)
		return db_error(c, r);
	if (!opt.json)
		fprintf(stderr, "gymhubd is not running: sensors as last "
				"recorded in the database\n");
	if (!opt.json && n)
		header();
	json_builder_begin_array(b);
	for (i = 0; i < n; i++) {
		struct row w = {
			.address = list[i].address,
			.name = list[i].name,
			.kind = list[i].kind,
			.connected = -1,
			.battery = list[i].battery,
			.last_seen_ms = list[i].last_seen_ms,
		};

		if (opt.json)
			row_json(b, &w);
		else
			row_print(&w);
	}
	json_builder_end_array(b);
	sq_sensors_free(list, n);
	if (opt.json)
		return json_print(b, TRUE);
	if (!n)
		puts("No sensors added (gymhubctl scan, then gymhubctl pair "
		     "ADDRESS)");
	return CTL_OK;
}

int cmd_sensors(struct ctl *c, const struct command *cmd, int argc, char **argv)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	GVariant *list;
	GVariantIter it;
	struct row w;
	gboolean up;
	int r;

	r = hub_connect(c);
	if (r == CTL_NO_DAEMON) {
		g_clear_object(&c->hub);
		return sensors_from_db(c);
	}
	if (r)
		return r;
	list = gh_hub1_get_sensors(c->hub);
	if (!list || g_variant_n_children(list) == 0) {
		if (opt.json)
			puts("[]");
		else
			puts("No sensors added (gymhubctl scan, then "
			     "gymhubctl pair ADDRESS)");
		return CTL_OK;
	}
	if (!opt.json)
		header();
	json_builder_begin_array(b);
	g_variant_iter_init(&it, list);
	while (g_variant_iter_next(&it, "(&s&s&sbiux)", &w.address, &w.name,
				   &w.kind, &up, &w.battery, &w.bpm,
				   &w.last_seen_ms)) {
		w.connected = up;
		if (opt.json)
			row_json(b, &w);
		else
			row_print(&w);
	}
	json_builder_end_array(b);
	return opt.json ? json_print(b, TRUE) : CTL_OK;
}

void ctl_status_sensors(GhHub1 *h)
{
	guint bpm = gh_hub1_get_heart_rate(h);
	guint zone = gh_hub1_get_heart_rate_zone(h);

	printf("%-10s %s\n", "bluetooth:", or_dash(gh_hub1_get_bluetooth(h)));
	if (bpm && zone)
		printf("%-10s %u bpm (zone %u)\n", "heart:", bpm, zone);
	else if (bpm)
		printf("%-10s %u bpm\n", "heart:", bpm);
	else
		printf("%-10s -\n", "heart:");
}

void ctl_status_sensors_json(GhHub1 *h, JsonBuilder *b)
{
	json_str(b, "bluetooth", gh_hub1_get_bluetooth(h));
	json_int(b, "heart_rate", gh_hub1_get_heart_rate(h));
	json_int(b, "heart_rate_zone", gh_hub1_get_heart_rate_zone(h));
}
