/* SPDX-License-Identifier: MIT */
/*
 * bluez-agent.h - the pairing agent gymhubd registers with bluetoothd
 * (org.bluez.Agent1, BlueZ doc/agent-api.txt).
 *
 * The hub has no keyboard and no screen, so the agent says
 * NoInputNoOutput: LE pairing is "just works". It accepts requests only
 * from bluetoothd and only for devices gymhubd asked for (a sensor being
 * added, or one already added), so a stranger cannot pair with the hub
 * through it. Keeping it registered matters after pairing too: some Polar
 * H10 firmware refuses writes to its measurement service until the link
 * is encrypted, which bluetoothd negotiates through the agent.
 *
 * Glue: main thread only.
 */
#ifndef GYMHUB_BLUEZ_AGENT_H
#define GYMHUB_BLUEZ_AGENT_H

#include <stdbool.h>

#include <gio/gio.h>

#define BLUEZ_AGENT_PATH       "/org/gymhub/Hub1/agent"
#define BLUEZ_AGENT_CAPABILITY "NoInputNoOutput"

struct bluez_agent;

/* May the device at object path @device pair (or use a service)? */
typedef bool (*bluez_agent_accept_fn)(const char *device, void *user_data);

/* Exports the agent object on @bus; bluez.c registers it with
 * AgentManager1 whenever bluetoothd (re)appears. */
struct bluez_agent *bluez_agent_new(GDBusConnection *bus,
				    bluez_agent_accept_fn accept,
				    void *user_data, GError **error);
/* Only calls from this unique name are answered (bluetoothd's owner of
 * org.bluez); NULL refuses everything. */
void bluez_agent_set_owner(struct bluez_agent *a, const char *owner);
void bluez_agent_free(struct bluez_agent *a); /* accepts NULL */

#endif
