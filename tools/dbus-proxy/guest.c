/* SPDX-License-Identifier: MIT */
/*
 * Guest role: the notification server on the guest's session bus. Every
 * Notify becomes a NOTIFY message to the host; the host's NOTIFICATION_CLOSED
 * and ACTION_INVOKED come back as the spec's signals. Follows the Desktop
 * Notifications Specification 1.2.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "busloop.h"
#include "busutil.h"
#include "frame.h"
#include "guest.h"
#include "io.h"
#include "log.h"
#include "pixmap.h"
#include "protocol.h"
#include "sanitize.h"
#include "vmsilo-config.h"
#include "vsock.h"
#include "wire.h"

#define NOTIFY_PATH "/org/freedesktop/Notifications"
#define NOTIFY_IFACE "org.freedesktop.Notifications"

static const char introspect_xml[] =
	DBUS_INTROSPECT_1_0_XML_DOCTYPE_DECL_NODE
	"<node>\n"
	" <interface name=\"org.freedesktop.Notifications\">\n"
	"  <method name=\"Notify\"><arg type=\"s\" direction=\"in\"/><arg type=\"u\" direction=\"in\"/>"
	"<arg type=\"s\" direction=\"in\"/><arg type=\"s\" direction=\"in\"/><arg type=\"s\" direction=\"in\"/>"
	"<arg type=\"as\" direction=\"in\"/><arg type=\"a{sv}\" direction=\"in\"/><arg type=\"i\" direction=\"in\"/>"
	"<arg type=\"u\" direction=\"out\"/></method>\n"
	"  <method name=\"CloseNotification\"><arg type=\"u\" direction=\"in\"/></method>\n"
	"  <method name=\"GetCapabilities\"><arg type=\"as\" direction=\"out\"/></method>\n"
	"  <method name=\"GetServerInformation\"><arg type=\"s\" direction=\"out\"/><arg type=\"s\" direction=\"out\"/>"
	"<arg type=\"s\" direction=\"out\"/><arg type=\"s\" direction=\"out\"/></method>\n"
	"  <signal name=\"NotificationClosed\"><arg type=\"u\"/><arg type=\"u\"/></signal>\n"
	"  <signal name=\"ActionInvoked\"><arg type=\"u\"/><arg type=\"s\"/></signal>\n"
	" </interface>\n"
	" <interface name=\"org.freedesktop.DBus.Introspectable\">\n"
	"  <method name=\"Introspect\"><arg type=\"s\" direction=\"out\"/></method>\n"
	" </interface>\n"
	"</node>\n";

static void add_hint(struct wire_notify *n, const char *key, uint8_t type)
{
	struct wire_hint *h = &n->hints[n->n_hints++];
	h->key = strdup(key);
	h->type = type;
}

/* image-data (iiibiiay) into an ARGB32 hint; pictures it cannot read are left out. */
static void add_image_hint(struct wire_notify *n, DBusMessageIter *v)
{
	DBusMessageIter st, arr;
	int32_t f[6] = { 0 };
	dbus_bool_t has_alpha = FALSE;
	const uint8_t *data;
	int len = 0;
	struct wire_pixmap px;

	char *sig = dbus_message_iter_get_signature(v);
	bool ok = sig && strcmp(sig, "(iiibiiay)") == 0;

	dbus_free(sig);
	if (!ok)
		return;
	dbus_message_iter_recurse(v, &st);
	/* six scalar fields, then the byte array */
	for (int i = 0; i < 6; i++, dbus_message_iter_next(&st)) {
		if (i == 3)
			dbus_message_iter_get_basic(&st, &has_alpha);
		else
			dbus_message_iter_get_basic(&st, &f[i < 3 ? i : i - 1]);
	}
	dbus_message_iter_recurse(&st, &arr);
	dbus_message_iter_get_fixed_array(&arr, &data, &len);
	if (pixmap_from_image_data(f[0], f[1], f[2], has_alpha, f[3], f[4], data, (size_t)len, &px) < 0)
		return;
	add_hint(n, "image-data", WIRE_HINT_IMAGE);
	n->hints[n->n_hints - 1].image = px;
}

/* Keeps the hints the host accepts (sanitize_hint_allowed), in the wire's types. */
static void read_hints(DBusMessageIter *dict, struct wire_notify *n)
{
	DBusMessageIter e, v;

	for (; dbus_message_iter_get_arg_type(dict) == DBUS_TYPE_DICT_ENTRY && n->n_hints < WIRE_MAX_HINTS;
	     dbus_message_iter_next(dict)) {
		const char *key;
		dbus_message_iter_recurse(dict, &e);
		dbus_message_iter_get_basic(&e, &key);
		dbus_message_iter_next(&e);
		dbus_message_iter_recurse(&e, &v);
		int t = dbus_message_iter_get_arg_type(&v);
		if (strcmp(key, "image-data") == 0 || strcmp(key, "image_data") == 0 ||
		    strcmp(key, "icon_data") == 0) {
			if (!sanitize_hint_allowed("image-data", WIRE_HINT_IMAGE))
				continue;
			bool have = false;
			for (uint32_t i = 0; i < n->n_hints; i++)
				have |= n->hints[i].type == WIRE_HINT_IMAGE;
			if (!have)
				add_image_hint(n, &v);
		} else if (t == DBUS_TYPE_BYTE && sanitize_hint_allowed(key, WIRE_HINT_BYTE)) {
			uint8_t b;
			dbus_message_iter_get_basic(&v, &b);
			add_hint(n, key, WIRE_HINT_BYTE);
			n->hints[n->n_hints - 1].num = b;
		} else if (t == DBUS_TYPE_BOOLEAN && sanitize_hint_allowed(key, WIRE_HINT_BOOL)) {
			dbus_bool_t b;
			dbus_message_iter_get_basic(&v, &b);
			add_hint(n, key, WIRE_HINT_BOOL);
			n->hints[n->n_hints - 1].num = !!b;
		} else if (t == DBUS_TYPE_STRING && sanitize_hint_allowed(key, WIRE_HINT_STRING)) {
			const char *s;
			dbus_message_iter_get_basic(&v, &s);
			if (!sanitize_name_valid(s))
				continue;
			add_hint(n, key, WIRE_HINT_STRING);
			n->hints[n->n_hints - 1].str = strdup(s);
		}
	}
}

/* Reads Notify's arguments (signature already checked) into a NOTIFY message. */
static int read_notify(DBusMessage *m, struct wire_notify *n)
{
	DBusMessageIter it, sub;
	const char *s[4];

	dbus_message_iter_init(m, &it);
	dbus_message_iter_get_basic(&it, &s[0]);
	dbus_message_iter_next(&it);
	dbus_message_iter_get_basic(&it, &n->replaces_id);
	for (int i = 1; i < 4; i++) {
		dbus_message_iter_next(&it);
		dbus_message_iter_get_basic(&it, &s[i]);
	}
	n->app_name = bus_strdup_wire(s[0]);
	n->app_icon = bus_strdup_wire(s[1]);
	n->summary = bus_strdup_wire(s[2]);
	n->body = bus_strdup_wire(s[3]);
	n->actions = calloc(WIRE_MAX_ACTIONS * 2, sizeof(char *));
	n->hints = calloc(WIRE_MAX_HINTS, sizeof(*n->hints));
	if (!n->app_name || !n->app_icon || !n->summary || !n->body || !n->actions || !n->hints)
		return -ENOMEM;
	dbus_message_iter_next(&it);
	dbus_message_iter_recurse(&it, &sub);
	/* pairs; keys the host would refuse are left out here so an honest guest is never cut off */
	while (dbus_message_iter_get_arg_type(&sub) == DBUS_TYPE_STRING && n->n_actions < WIRE_MAX_ACTIONS) {
		const char *key, *label;
		dbus_message_iter_get_basic(&sub, &key);
		if (!dbus_message_iter_next(&sub))
			break;
		dbus_message_iter_get_basic(&sub, &label);
		dbus_message_iter_next(&sub);
		if (!sanitize_action_key_valid(key))
			continue;
		n->actions[2 * n->n_actions] = strdup(key);
		n->actions[2 * n->n_actions + 1] = bus_strdup_wire(label);
		n->n_actions++;
	}
	dbus_message_iter_next(&it);
	dbus_message_iter_recurse(&it, &sub);
	read_hints(&sub, n);
	dbus_message_iter_next(&it);
	dbus_message_iter_get_basic(&it, &n->expire_timeout);
	return 0;
}

static DBusMessage *on_notify(struct guest *g, DBusMessage *m)
{
	struct wire_msg msg = { .type = WIRE_NOTIFY };
	DBusMessage *reply;
	int r;

	if (!dbus_message_has_signature(m, "susssasa{sv}i"))
		return dbus_message_new_error(m, DBUS_ERROR_INVALID_ARGS, "Notify takes (susssasa{sv}i)");
	r = read_notify(m, &msg.notify);
	if (r < 0) {
		wire_msg_free(&msg);
		return dbus_message_new_error(m, DBUS_ERROR_NO_MEMORY, "out of memory");
	}
	/* a replaced notification keeps its id, as the spec asks */
	if (msg.notify.replaces_id != 0 && msg.notify.replaces_id < g->next_id)
		msg.notify.id = msg.notify.replaces_id;
	else {
		msg.notify.id = g->next_id++;
		if (g->next_id == 0)
			g->next_id = 1;
	}
	r = wire_send(g->fd, &msg);
	if (r < 0)
		g->host_error = r;
	else
		log_debug("notification %u forwarded to the host", msg.notify.id);
	reply = bus_reply(m, DBUS_TYPE_UINT32, &msg.notify.id, DBUS_TYPE_INVALID);
	wire_msg_free(&msg);
	return reply;
}

static DBusMessage *on_close(struct guest *g, DBusMessage *m)
{
	struct wire_msg msg = { .type = WIRE_CLOSE_NOTIFICATION };
	int r;

	if (!dbus_message_get_args(m, NULL, DBUS_TYPE_UINT32, &msg.id, DBUS_TYPE_INVALID))
		return dbus_message_new_error(m, DBUS_ERROR_INVALID_ARGS, "CloseNotification takes (u)");
	r = wire_send(g->fd, &msg);
	if (r < 0)
		g->host_error = r;
	return bus_reply(m, DBUS_TYPE_INVALID);
}

static DBusMessage *on_capabilities(DBusMessage *m)
{
	static const char *caps[] = { "actions", "body", "body-markup", "body-hyperlinks", "icon-static" };
	const char **p = caps;

	return bus_reply(m, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING, &p, (int)ARRAY_SIZE(caps), DBUS_TYPE_INVALID);
}

static DBusMessage *on_server_information(DBusMessage *m)
{
	const char *name = "vmsilo-dbus-proxy", *vendor = "vmsilo", *version = VMSILO_VERSION,
		   *spec = "1.2";

	return bus_reply(m, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &vendor, DBUS_TYPE_STRING, &version,
			 DBUS_TYPE_STRING, &spec, DBUS_TYPE_INVALID);
}

static DBusHandlerResult on_message(DBusConnection *bus, DBusMessage *m, void *data)
{
	struct guest *g = data;
	DBusMessage *reply = NULL;
	const char *xml = introspect_xml;

	if (dbus_message_is_method_call(m, NOTIFY_IFACE, "Notify"))
		reply = on_notify(g, m);
	else if (dbus_message_is_method_call(m, NOTIFY_IFACE, "CloseNotification"))
		reply = on_close(g, m);
	else if (dbus_message_is_method_call(m, NOTIFY_IFACE, "GetCapabilities"))
		reply = on_capabilities(m);
	else if (dbus_message_is_method_call(m, NOTIFY_IFACE, "GetServerInformation"))
		reply = on_server_information(m);
	else if (dbus_message_is_method_call(m, DBUS_INTERFACE_INTROSPECTABLE, "Introspect"))
		reply = bus_reply(m, DBUS_TYPE_STRING, &xml, DBUS_TYPE_INVALID);
	else
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	return bus_send_reply(bus, reply);
}

static void emit_signal(struct guest *g, const char *name, int type2, const void *arg2, uint32_t id)
{
	bus_emit(g->bus, NOTIFY_PATH, NOTIFY_IFACE, name, DBUS_TYPE_UINT32, &id, type2, arg2, DBUS_TYPE_INVALID);
}

static void handle_host_message(struct guest *g, struct wire_msg *m)
{
	switch (m->type) {
	case WIRE_NOTIFICATION_CLOSED:
		emit_signal(g, "NotificationClosed", DBUS_TYPE_UINT32, &m->reason, m->id);
		break;
	case WIRE_ACTION_INVOKED:
		if (sanitize_action_key_valid(m->action_key))
			emit_signal(g, "ActionInvoked", DBUS_TYPE_STRING, &m->action_key, m->id);
		break;
	case WIRE_ITEM_ACTIVATE:
	case WIRE_ITEM_SCROLL:
	case WIRE_MENU_EVENT:
	case WIRE_MENU_ABOUT_TO_SHOW:
		guest_tray_handle_host(g, m);
		break;
	default:
		log_warn("ignoring %s from the host: not a host-to-guest message", wire_type_name(m->type));
	}
}

static int connect_host(const struct proxy_options *o)
{
	struct vsock_error err = { "" };
	int64_t deadline = deadline_after_ms(o->connect_timeout_ms);
	int delay = VSOCK_RETRY_MIN_MS;

	for (;;) {
		if (o->connect_unix) {
			struct sockaddr_un sa = { .sun_family = AF_UNIX };
			int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", o->connect_unix);
			if (s < 0)
				return log_error_errno(errno, "socket failed");
			if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
				return s;
			snprintf(err.text, sizeof(err.text), "%s: %s", o->connect_unix, strerror(errno));
			close(s);
		} else {
			int fd = vsock_connect_kernel(o->cid, o->port, VSOCK_HANDSHAKE_TIMEOUT_MS, &err);
			if (fd >= 0)
				return fd;
		}
		if (deadline_left_ms(deadline) == 0)
			break;
		usleep((useconds_t)MIN(delay, deadline_left_ms(deadline)) * 1000);
		delay = MIN(delay * 2, VSOCK_RETRY_MAX_MS);
	}
	log_error("cannot connect to the host: %s", err.text);
	return -ECONNREFUSED;
}

static int setup_bus(struct guest *g, const struct proxy_options *o)
{
	static const DBusObjectPathVTable vtable = { .message_function = on_message };
	DBusError e = DBUS_ERROR_INIT;
	int r;

	g->bus = dbus_bus_get_private(DBUS_BUS_SESSION, &e);
	if (!g->bus) {
		log_error("cannot connect to the guest session bus: %s", e.message);
		dbus_error_free(&e);
		return -ENOTCONN;
	}
	dbus_connection_set_exit_on_disconnect(g->bus, FALSE);
	if (busloop_attach(g->bus) < 0)
		return -ENOMEM;
	if (o->notifications) {
		if (!dbus_connection_register_object_path(g->bus, NOTIFY_PATH, &vtable, g))
			return -ENOMEM;
		r = dbus_bus_request_name(g->bus, NOTIFY_IFACE, DBUS_NAME_FLAG_DO_NOT_QUEUE, &e);
		if (r != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
			log_error("cannot own %s on the guest bus: %s", NOTIFY_IFACE,
				  dbus_error_is_set(&e) ? e.message : "another notification server has it");
			dbus_error_free(&e);
			return -EEXIST;
		}
	}
	if (o->tray && (r = guest_tray_setup(g)) < 0)
		return r;
	return 0;
}

static int read_host(struct guest *g)
{
	struct wire_error err = { "" };
	struct wire_msg m;
	int r = frame_reader_read(&g->rd, g->fd);

	if (r == FRAME_EOF)
		return -ECONNRESET;
	if (r < 0)
		return r;
	if (r != FRAME_COMPLETE)
		return 0;
	if (g->rd.len >= 2 && g->rd.buf[0] == WIRE_VERSION && g->rd.buf[1] >= 0x80 &&
	    !strcmp(wire_type_name(g->rd.buf[1]), "unknown")) {
		/* a newer host: host-to-guest types may be added within a version */
		log_debug("ignoring host message type 0x%02x, which this guest does not know", g->rd.buf[1]);
		frame_reader_next(&g->rd);
		return 0;
	}
	r = wire_decode(g->rd.buf, g->rd.len, &m, &err);
	if (r < 0)
		log_error("the host sent a malformed message: %s", err.text);
	else
		handle_host_message(g, &m);
	wire_msg_free(&m);
	frame_reader_next(&g->rd);
	return r;
}

static volatile sig_atomic_t stop_requested;
static void on_stop(int sig)
{
	stop_requested = 1;
}

int guest_run(const struct proxy_options *o)
{
	struct guest g = { .fd = -1, .next_id = 1 };
	int r, rc = 1;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	frame_reader_init(&g.rd, WIRE_MAX_MESSAGE);
	if (setup_bus(&g, o) < 0)
		goto out;
	g.fd = connect_host(o);
	if (g.fd < 0)
		goto out;
	log_info("forwarding%s%s to the host", o->notifications ? " notifications" : "",
		 o->tray ? " tray items" : "");
	while (!stop_requested) {
		struct pollfd p = { .fd = g.fd, .events = POLLIN };
		r = busloop_iterate(&g.bus, 1, &p, 1, 1000);
		if (r < 0) {
			log_error_errno(r, "lost the guest session bus");
			goto out;
		}
		if (p.revents && (r = read_host(&g)) < 0) {
			if (r == -ECONNRESET)
				log_error("the host closed the connection");
			else
				log_error_errno(r, "reading from the host failed");
			goto out;
		}
		if (g.host_error) {
			log_error_errno(g.host_error, "sending to the host failed");
			goto out;
		}
		if (o->tray)
			guest_tray_poll(&g);
	}
	rc = 0;
out:
	if (o->tray)
		guest_tray_free(&g);
	frame_reader_free(&g.rd);
	if (g.fd >= 0)
		close(g.fd);
	if (g.bus) {
		dbus_connection_close(g.bus);
		dbus_connection_unref(g.bus);
	}
	return rc;
}
