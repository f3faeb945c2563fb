/* SPDX-License-Identifier: MIT */
/*
 * Host role, tray half: each guest tray item becomes a StatusNotifierItem on
 * the host bus (org.kde.StatusNotifierItem at /StatusNotifierItem, its menu
 * as com.canonical.dbusmenu at /MenuBar), built only from sanitized
 * snapshots, marked with the VM name and bordered in the VM color. Every item
 * has its own bus connection: registering with the watcher uses the spec's
 * plain form (the connection's unique name), and closing the connection is
 * how every watcher learns that the item went away.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "busloop.h"
#include "host.h"
#include "log.h"
#include "pixmap.h"
#include "sanitize.h"

#define SNI_IFACE "org.kde.StatusNotifierItem"
#define SNI_PATH "/StatusNotifierItem"
#define MENU_IFACE "com.canonical.dbusmenu"
#define MENU_PATH "/MenuBar"
#define WATCHER_NAME "org.kde.StatusNotifierWatcher"
#define WATCHER_PATH "/StatusNotifierWatcher"

struct host_tray {
	struct host_item items[HOST_MAX_ITEMS];
};

static const char *const status_names[] = { "Passive", "Active", "NeedsAttention" };
static const char *const category_names[] = { "ApplicationStatus", "Communications", "SystemServices",
					      "Hardware" };

/* ---- properties ----------------------------------------------------------- */

static void append_pixmaps(DBusMessageIter *it, const struct wire_item *c)
{
	DBusMessageIter arr, st, bytes;

	dbus_message_iter_open_container(it, DBUS_TYPE_ARRAY, "(iiay)", &arr);
	for (uint32_t i = 0; i < c->n_icons; i++) {
		const uint8_t *d = c->icons[i].data;
		dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &st);
		dbus_message_iter_append_basic(&st, DBUS_TYPE_INT32, &c->icons[i].width);
		dbus_message_iter_append_basic(&st, DBUS_TYPE_INT32, &c->icons[i].height);
		dbus_message_iter_open_container(&st, DBUS_TYPE_ARRAY, "y", &bytes);
		dbus_message_iter_append_fixed_array(&bytes, DBUS_TYPE_BYTE, &d, (int)c->icons[i].len);
		dbus_message_iter_close_container(&st, &bytes);
		dbus_message_iter_close_container(&arr, &st);
	}
	dbus_message_iter_close_container(it, &arr);
}

static const char *const item_props[] = { "Category", "Id", "Title", "Status", "WindowId", "IconName",
					  "IconPixmap", "OverlayIconName", "AttentionIconName",
					  "ToolTip", "ItemIsMenu", "Menu" };

/* Appends property `name` as a variant; false if it is not one we export. */
static bool append_item_prop(DBusMessageIter *it, struct host_item *item, const char *name)
{
	const struct wire_item *c = &item->clean;
	DBusMessageIter v, st;
	const char *s = NULL, *empty = "", *menu = MENU_PATH;
	char id[128];
	int32_t zero = 0;
	dbus_bool_t b;

	snprintf(id, sizeof(id), "vmsilo-%s-%s", item->h->vm, c->id[0] ? c->id : "item");
	if (!strcmp(name, "Category"))
		s = category_names[c->category];
	else if (!strcmp(name, "Id"))
		s = id;
	else if (!strcmp(name, "Title"))
		s = c->title;
	else if (!strcmp(name, "Status"))
		s = status_names[c->status];
	else if (!strcmp(name, "IconName"))
		s = c->icon_name;
	else if (!strcmp(name, "OverlayIconName") || !strcmp(name, "AttentionIconName"))
		s = empty;
	if (s) {
		dbus_message_iter_open_container(it, DBUS_TYPE_VARIANT, "s", &v);
		dbus_message_iter_append_basic(&v, DBUS_TYPE_STRING, &s);
	} else if (!strcmp(name, "WindowId")) {
		dbus_message_iter_open_container(it, DBUS_TYPE_VARIANT, "i", &v);
		dbus_message_iter_append_basic(&v, DBUS_TYPE_INT32, &zero);
	} else if (!strcmp(name, "IconPixmap")) {
		dbus_message_iter_open_container(it, DBUS_TYPE_VARIANT, "a(iiay)", &v);
		append_pixmaps(&v, c);
	} else if (!strcmp(name, "ToolTip")) {
		dbus_message_iter_open_container(it, DBUS_TYPE_VARIANT, "(sa(iiay)ss)", &v);
		dbus_message_iter_open_container(&v, DBUS_TYPE_STRUCT, NULL, &st);
		dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &c->icon_name);
		append_pixmaps(&st, c);
		dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &c->tooltip_title);
		dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &c->tooltip_body);
		dbus_message_iter_close_container(&v, &st);
	} else if (!strcmp(name, "ItemIsMenu")) {
		b = c->item_is_menu;
		dbus_message_iter_open_container(it, DBUS_TYPE_VARIANT, "b", &v);
		dbus_message_iter_append_basic(&v, DBUS_TYPE_BOOLEAN, &b);
	} else if (!strcmp(name, "Menu")) {
		dbus_message_iter_open_container(it, DBUS_TYPE_VARIANT, "o", &v);
		dbus_message_iter_append_basic(&v, DBUS_TYPE_OBJECT_PATH, &menu);
	} else
		return false;
	dbus_message_iter_close_container(it, &v);
	return true;
}

/* ---- method dispatch -------------------------------------------------------- */

static DBusMessage *properties(struct host_item *item, DBusMessage *m, bool is_menu)
{
	const char *iface, *name = NULL;
	DBusMessageIter it, dict, e;
	DBusMessage *r;
	bool all = dbus_message_is_method_call(m, DBUS_INTERFACE_PROPERTIES, "GetAll");

	if (all ? !dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &iface, DBUS_TYPE_INVALID)
		: !dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &name,
					 DBUS_TYPE_INVALID))
		return dbus_message_new_error(m, DBUS_ERROR_INVALID_ARGS, "bad Properties arguments");
	r = dbus_message_new_method_return(m);
	if (!r)
		return NULL;
	dbus_message_iter_init_append(r, &it);
	if (is_menu) {
		/* dbusmenu's own properties: fixed values */
		uint32_t version = 3;
		const char *dir = "ltr", *status = "normal";
		if (!all) {
			DBusMessageIter v;
			if (!strcmp(name, "Version")) {
				dbus_message_iter_open_container(&it, DBUS_TYPE_VARIANT, "u", &v);
				dbus_message_iter_append_basic(&v, DBUS_TYPE_UINT32, &version);
			} else if (!strcmp(name, "TextDirection") || !strcmp(name, "Status")) {
				dbus_message_iter_open_container(&it, DBUS_TYPE_VARIANT, "s", &v);
				dbus_message_iter_append_basic(&v, DBUS_TYPE_STRING,
							       !strcmp(name, "Status") ? &status : &dir);
			} else {
				dbus_message_unref(r);
				return dbus_message_new_error(m, DBUS_ERROR_UNKNOWN_PROPERTY, name);
			}
			dbus_message_iter_close_container(&it, &v);
			return r;
		}
		dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &dict);
		host_append_entry(&dict, "Version", DBUS_TYPE_UINT32, &version);
		host_append_entry(&dict, "TextDirection", DBUS_TYPE_STRING, &dir);
		host_append_entry(&dict, "Status", DBUS_TYPE_STRING, &status);
		dbus_message_iter_close_container(&it, &dict);
		return r;
	}
	if (!all) {
		if (!append_item_prop(&it, item, name)) {
			dbus_message_unref(r);
			return dbus_message_new_error(m, DBUS_ERROR_UNKNOWN_PROPERTY, name);
		}
		return r;
	}
	dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &dict);
	for (size_t i = 0; i < ARRAY_SIZE(item_props); i++) {
		dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &e);
		dbus_message_iter_append_basic(&e, DBUS_TYPE_STRING, &item_props[i]);
		append_item_prop(&e, item, item_props[i]);
		dbus_message_iter_close_container(&dict, &e);
	}
	dbus_message_iter_close_container(&it, &dict);
	return r;
}

static DBusMessage *activate(struct host_item *item, DBusMessage *m, uint8_t kind)
{
	struct wire_msg out = { .type = WIRE_ITEM_ACTIVATE, .id = item->guest_id, .activate_kind = kind };

	if (!dbus_message_get_args(m, NULL, DBUS_TYPE_INT32, &out.x, DBUS_TYPE_INT32, &out.y, DBUS_TYPE_INVALID))
		return dbus_message_new_error(m, DBUS_ERROR_INVALID_ARGS, "takes (ii)");
	host_send_guest(item->h, &out);
	return dbus_message_new_method_return(m);
}

/*
 * Scroll(i delta, s orientation): the orientation must be one of the two the
 * specification names (any case, as trays differ), and the delta is clamped
 * so a host client cannot hand the guest application an absurd value.
 */
static DBusMessage *scroll(struct host_item *item, DBusMessage *m)
{
	struct wire_msg out = { .type = WIRE_ITEM_SCROLL, .id = item->guest_id };
	const char *orientation;
	int32_t delta;

	if (!dbus_message_get_args(m, NULL, DBUS_TYPE_INT32, &delta, DBUS_TYPE_STRING, &orientation,
				   DBUS_TYPE_INVALID))
		return dbus_message_new_error(m, DBUS_ERROR_INVALID_ARGS, "Scroll takes (is)");
	if (!strcasecmp(orientation, "vertical"))
		out.orientation = WIRE_SCROLL_VERTICAL;
	else if (!strcasecmp(orientation, "horizontal"))
		out.orientation = WIRE_SCROLL_HORIZONTAL;
	else
		return dbus_message_new_error(m, DBUS_ERROR_INVALID_ARGS,
					      "Scroll orientation must be \"vertical\" or \"horizontal\"");
	out.delta = delta < -WIRE_SCROLL_MAX_DELTA ? -WIRE_SCROLL_MAX_DELTA
		  : delta > WIRE_SCROLL_MAX_DELTA  ? WIRE_SCROLL_MAX_DELTA
						   : delta;
	host_send_guest(item->h, &out);
	return dbus_message_new_method_return(m);
}

static DBusHandlerResult on_item_message(DBusConnection *conn, DBusMessage *m, void *data)
{
	struct host_item *item = data;
	bool is_menu = !strcmp(dbus_message_get_path(m) ? dbus_message_get_path(m) : "", MENU_PATH);
	DBusMessage *r = NULL;

	if (dbus_message_get_type(m) != DBUS_MESSAGE_TYPE_METHOD_CALL)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	if (dbus_message_is_method_call(m, DBUS_INTERFACE_PROPERTIES, "Get") ||
	    dbus_message_is_method_call(m, DBUS_INTERFACE_PROPERTIES, "GetAll"))
		r = properties(item, m, is_menu);
	else if (!is_menu && dbus_message_is_method_call(m, SNI_IFACE, "Activate"))
		r = activate(item, m, WIRE_ACTIVATE);
	else if (!is_menu && dbus_message_is_method_call(m, SNI_IFACE, "SecondaryActivate"))
		r = activate(item, m, WIRE_SECONDARY_ACTIVATE);
	else if (!is_menu && dbus_message_is_method_call(m, SNI_IFACE, "ContextMenu"))
		r = activate(item, m, WIRE_CONTEXT_MENU);
	else if (!is_menu && dbus_message_is_method_call(m, SNI_IFACE, "Scroll"))
		r = scroll(item, m);
	else if (is_menu) {
		bool handled;
		r = host_menu_call(item, m, &handled);
		if (!handled)
			return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	} else
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	if (!r)
		return DBUS_HANDLER_RESULT_NEED_MEMORY;
	dbus_connection_send(conn, r, NULL);
	dbus_message_unref(r);
	return DBUS_HANDLER_RESULT_HANDLED;
}

/* ---- item lifecycle ---------------------------------------------------------- */

static void emit(struct host_item *item, const char *path, const char *iface, const char *name,
		 int type, const void *arg, int type2, const void *arg2)
{
	DBusMessage *s = dbus_message_new_signal(path, iface, name);
	if (!s)
		return;
	if (type == DBUS_TYPE_INVALID || dbus_message_append_args(s, type, arg, type2, arg2, DBUS_TYPE_INVALID))
		dbus_connection_send(item->conn, s, NULL);
	dbus_message_unref(s);
}

static void item_drop(struct host_item *item)
{
	if (item->conn) {
		dbus_connection_close(item->conn);
		dbus_connection_unref(item->conn);
	}
	wire_item_free(&item->clean);
	log_info("tray item %u of VM '%s' removed", item->guest_id, item->h->vm);
	memset(item, 0, sizeof(*item));
}

static int item_export(struct host_item *item)
{
	static const DBusObjectPathVTable vtable = { .message_function = on_item_message };
	DBusError e = DBUS_ERROR_INIT;
	DBusMessage *reg;
	const char *unique;

	item->conn = dbus_bus_get_private(DBUS_BUS_SESSION, &e);
	if (!item->conn) {
		log_error("cannot open a host bus connection for a tray item: %s", e.message);
		dbus_error_free(&e);
		return -ENOTCONN;
	}
	dbus_connection_set_exit_on_disconnect(item->conn, FALSE);
	if (busloop_attach(item->conn) < 0 ||
	    !dbus_connection_register_object_path(item->conn, SNI_PATH, &vtable, item) ||
	    !dbus_connection_register_object_path(item->conn, MENU_PATH, &vtable, item))
		return -ENOMEM;
	unique = dbus_bus_get_unique_name(item->conn);
	reg = dbus_message_new_method_call(WATCHER_NAME, WATCHER_PATH, WATCHER_NAME, "RegisterStatusNotifierItem");
	if (!reg)
		return -ENOMEM;
	dbus_message_append_args(reg, DBUS_TYPE_STRING, &unique, DBUS_TYPE_INVALID);
	dbus_message_set_no_reply(reg, TRUE);
	dbus_message_set_auto_start(reg, FALSE);
	dbus_connection_send(item->conn, reg, NULL);
	dbus_message_unref(reg);
	log_info("tray item %u of VM '%s' exported as %s", item->guest_id, item->h->vm, unique);
	return 0;
}

/* The host's marks on a clean snapshot: "[vm] " prefixes and the colored border. */
static int mark(struct host *h, struct wire_item *c)
{
	char *title = NULL, *tip = NULL;

	if (asprintf(&title, "[%s] %s", h->vm, c->title) < 0)
		return -ENOMEM;
	if (asprintf(&tip, "[%s] %s", h->vm, c->tooltip_title[0] ? c->tooltip_title : c->title) < 0) {
		free(title);
		return -ENOMEM;
	}
	free(c->title);
	free(c->tooltip_title);
	c->title = title;
	c->tooltip_title = tip;
	for (uint32_t i = 0; i < c->n_icons; i++)
		pixmap_tint_border(&c->icons[i], h->color);
	return 0;
}

static struct host_item *find(struct host *h, uint32_t guest_id)
{
	for (size_t i = 0; i < HOST_MAX_ITEMS; i++)
		if (h->tray->items[i].used && h->tray->items[i].guest_id == guest_id)
			return &h->tray->items[i];
	return NULL;
}

static int update(struct host *h, const struct wire_item *untrusted)
{
	struct wire_error err = { "" };
	struct wire_item clean;
	struct host_item *item;
	int r;

	r = sanitize_item(untrusted, &clean, &err);
	if (r == 0)
		r = mark(h, &clean);
	if (r < 0) {
		wire_item_free(&clean);
		if (r == -EBADMSG)
			log_error("guest of VM '%s' sent a tray item that fails sanitization: %s", h->vm, err.text);
		return r;
	}
	item = find(h, clean.item_id);
	if (item) {
		wire_item_free(&item->clean);
		item->clean = clean;
		item->revision++;
		emit(item, SNI_PATH, SNI_IFACE, "NewTitle", DBUS_TYPE_INVALID, NULL, 0, NULL);
		emit(item, SNI_PATH, SNI_IFACE, "NewIcon", DBUS_TYPE_INVALID, NULL, 0, NULL);
		emit(item, SNI_PATH, SNI_IFACE, "NewToolTip", DBUS_TYPE_INVALID, NULL, 0, NULL);
		emit(item, SNI_PATH, SNI_IFACE, "NewStatus", DBUS_TYPE_STRING,
		     &status_names[item->clean.status], DBUS_TYPE_INVALID, NULL);
		int32_t root = 0;
		emit(item, MENU_PATH, MENU_IFACE, "LayoutUpdated", DBUS_TYPE_UINT32, &item->revision,
		     DBUS_TYPE_INT32, &root);
		return 0;
	}
	for (size_t i = 0; i < HOST_MAX_ITEMS && !item; i++)
		if (!h->tray->items[i].used)
			item = &h->tray->items[i];
	if (!item) {
		/* not malformed, but more than the host shows: ignore, do not grow */
		log_warn("guest of VM '%s' has more than %u tray items; ignoring item %u", h->vm,
			 HOST_MAX_ITEMS, clean.item_id);
		wire_item_free(&clean);
		return 0;
	}
	*item = (struct host_item){ .used = true, .guest_id = clean.item_id, .clean = clean, .revision = 1, .h = h };
	r = item_export(item);
	if (r < 0)
		item_drop(item);
	return 0; /* a host bus problem is not the guest's fault */
}

int host_tray_setup(struct host *h)
{
	h->tray = calloc(1, sizeof(*h->tray));
	return h->tray ? 0 : -ENOMEM;
}

int host_tray_handle_guest(struct host *h, struct wire_msg *untrusted)
{
	struct host_item *item;

	if (untrusted->type == WIRE_ITEM_UPDATE)
		return update(h, &untrusted->item);
	item = find(h, untrusted->id);
	if (item)
		item_drop(item);
	return 0;
}

void host_tray_reset(struct host *h)
{
	if (!h->tray)
		return;
	for (size_t i = 0; i < HOST_MAX_ITEMS; i++)
		if (h->tray->items[i].used)
			item_drop(&h->tray->items[i]);
}

void host_tray_free(struct host *h)
{
	host_tray_reset(h);
	free(h->tray);
	h->tray = NULL;
}

size_t host_tray_connections(struct host *h, DBusConnection **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; h->tray && i < HOST_MAX_ITEMS && n < max; i++) {
		struct host_item *item = &h->tray->items[i];
		if (!item->used)
			continue;
		if (!dbus_connection_get_is_connected(item->conn)) {
			log_warn("host bus connection of tray item %u was lost", item->guest_id);
			item_drop(item);
			continue;
		}
		out[n++] = item->conn;
	}
	return n;
}
