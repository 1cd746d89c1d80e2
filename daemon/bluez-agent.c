/* SPDX-License-Identifier: MIT */
/*
 * bluez-agent.c - org.bluez.Agent1 for a hub with no input and no output.
 *
 * With IO capability NoInputNoOutput, SMP (Core 5.3 Vol 3 Part H 2.3.5.1)
 * picks Just Works, and bluetoothd calls the agent at most for
 * RequestConfirmation / RequestAuthorization / AuthorizeService; passkey
 * and PIN requests cannot be answered without a screen and are rejected.
 */
#include <string.h>

#include "bluez-agent.h"

#define AGENT_IFACE "org.bluez.Agent1"
#define REJECTED    "org.bluez.Error.Rejected"
#define CANCELED    "org.bluez.Error.Canceled"

static const char agent_xml[] =
	"<node><interface name='" AGENT_IFACE "'>"
	"<method name='Release'/>"
	"<method name='RequestPinCode'><arg type='o' direction='in'/>"
	"<arg type='s' direction='out'/></method>"
	"<method name='DisplayPinCode'><arg type='o' direction='in'/>"
	"<arg type='s' direction='in'/></method>"
	"<method name='RequestPasskey'><arg type='o' direction='in'/>"
	"<arg type='u' direction='out'/></method>"
	"<method name='DisplayPasskey'><arg type='o' direction='in'/>"
	"<arg type='u' direction='in'/><arg type='q' direction='in'/>"
	"</method>"
	"<method name='RequestConfirmation'><arg type='o' direction='in'/>"
	"<arg type='u' direction='in'/></method>"
	"<method name='RequestAuthorization'><arg type='o' direction='in'/>"
	"</method>"
	"<method name='AuthorizeService'><arg type='o' direction='in'/>"
	"<arg type='s' direction='in'/></method>"
	"<method name='Cancel'/>"
	"</interface></node>";

struct bluez_agent {
	GDBusConnection *bus;
	guint reg_id;
	char *owner;
	bluez_agent_accept_fn accept;
	void *user_data;
};

static void agent_call(GDBusConnection *conn, const char *sender,
		       const char *path, const char *iface, const char *method,
		       GVariant *params, GDBusMethodInvocation *inv,
		       gpointer data)
{
	struct bluez_agent *a = data;
	const char *device = NULL;

	/* The bus policy lets bluetoothd (root) call us; nobody else may
	 * answer pairing questions on its behalf. */
	if (!a->owner || g_strcmp0(sender, a->owner) != 0) {
		g_dbus_method_invocation_return_dbus_error(
			inv, "org.freedesktop.DBus.Error.AccessDenied",
			"only bluetoothd may call the pairing agent");
		return;
	}
	if (g_str_has_prefix(g_variant_get_type_string(params), "(o"))
		g_variant_get_child(params, 0, "&o", &device);

	if (!strcmp(method, "Release") || !strcmp(method, "Cancel")) {
		g_message("Pairing agent: %s from bluetoothd", method);
		g_dbus_method_invocation_return_value(inv, NULL);
	} else if (!strcmp(method, "DisplayPinCode") ||
		   !strcmp(method, "DisplayPasskey")) {
		/* Nothing to display it on; the sensor does not need it. */
		g_dbus_method_invocation_return_value(inv, NULL);
	} else if (!strcmp(method, "RequestPinCode") ||
		   !strcmp(method, "RequestPasskey")) {
		g_message("Pairing agent: %s asks for a PIN or passkey; the "
			  "hub has no keyboard, so it is refused",
			  device);
		g_dbus_method_invocation_return_dbus_error(
			inv, REJECTED, "the hub cannot enter a passkey");
	} else if (device && a->accept(device, a->user_data)) {
		g_dbus_method_invocation_return_value(inv, NULL);
	} else {
		g_message("Pairing agent: refused %s for %s (not a sensor "
			  "being added)",
			  method, device ? device : "?");
		g_dbus_method_invocation_return_dbus_error(
			inv, REJECTED, "not a sensor added to the hub");
	}
}

static const GDBusInterfaceVTable agent_vtable = {.method_call = agent_call};

struct bluez_agent *bluez_agent_new(GDBusConnection *bus,
				    bluez_agent_accept_fn accept,
				    void *user_data, GError **error)
{
	g_autoptr(GDBusNodeInfo) info = NULL;
	struct bluez_agent *a;

	info = g_dbus_node_info_new_for_xml(agent_xml, error);
	if (!info)
		return NULL;
	a = g_new0(struct bluez_agent, 1);
	a->bus = g_object_ref(bus);
	a->accept = accept;
	a->user_data = user_data;
	a->reg_id = g_dbus_connection_register_object(
		bus, BLUEZ_AGENT_PATH, info->interfaces[0], &agent_vtable, a,
		NULL, error);
	if (!a->reg_id) {
		bluez_agent_free(a);
		return NULL;
	}
	return a;
}

void bluez_agent_set_owner(struct bluez_agent *a, const char *owner)
{
	g_free(a->owner);
	a->owner = g_strdup(owner);
}

void bluez_agent_free(struct bluez_agent *a)
{
	if (!a)
		return;
	if (a->reg_id)
		g_dbus_connection_unregister_object(a->bus, a->reg_id);
	g_object_unref(a->bus);
	g_free(a->owner);
	g_free(a);
}
