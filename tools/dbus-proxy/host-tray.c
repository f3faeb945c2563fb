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

struct host_item {
	bool used;
	uint32_t guest_id;
	DBusConnection *conn;
	struct wire_item clean; /* sanitized, titles prefixed, icons bordered */
	uint32_t revision;
	struct host *h;
};

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

static void append_entry(DBusMessageIter *dict, const char *key, int type, const void *val)
{
	DBusMessageIter e, v;
	char sig[2] = { (char)type, 0 };
	dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &e);
	dbus_message_iter_append_basic(&e, DBUS_TYPE_STRING, &key);
	dbus_message_iter_open_container(&e, DBUS_TYPE_VARIANT, sig, &v);
	dbus_message_iter_append_basic(&v, type, val);
	dbus_message_iter_close_container(&e, &v);
	dbus_message_iter_close_container(dict, &e);
}

/* ---- dbusmenu ------------------------------------------------------------- */

static const struct wire_menu_item *menu_find(const struct wire_menu_item *m, int32_t id, unsigned depth)
{
	if (m->id == id)
		return m;
	if (depth >= WIRE_MENU_MAX_DEPTH)
		return NULL;
	for (uint32_t i = 0; i < m->n_children; i++) {
		const struct wire_menu_item *r = menu_find(&m->children[i], id, depth + 1);
		if (r)
			return r;
	}
	return NULL;
}

static void append_menu_props(DBusMessageIter *it, const struct wire_menu_item *m)
{
	DBusMessageIter dict;
	dbus_bool_t enabled = m->enabled, visible = m->visible;
	int32_t state = m->toggle_state;
	const char *sep = "separator", *check = "checkmark", *radio = "radio", *sub = "submenu";

	dbus_message_iter_open_container(it, DBUS_TYPE_ARRAY, "{sv}", &dict);
	if (m->type == WIRE_MENU_SEPARATOR)
		append_entry(&dict, "type", DBUS_TYPE_STRING, &sep);
	else
		append_entry(&dict, "label", DBUS_TYPE_STRING, &m->label);
	append_entry(&dict, "enabled", DBUS_TYPE_BOOLEAN, &enabled);
	append_entry(&dict, "visible", DBUS_TYPE_BOOLEAN, &visible);
	if (m->icon_name[0])
		append_entry(&dict, "icon-name", DBUS_TYPE_STRING, &m->icon_name);
	if (m->toggle_type != WIRE_TOGGLE_NONE) {
		append_entry(&dict, "toggle-type", DBUS_TYPE_STRING,
			     m->toggle_type == WIRE_TOGGLE_CHECKMARK ? &check : &radio);
		append_entry(&dict, "toggle-state", DBUS_TYPE_INT32, &state);
	}
	if (m->n_children)
		append_entry(&dict, "children-display", DBUS_TYPE_STRING, &sub);
	dbus_message_iter_close_container(it, &dict);
}

/* (ia{sv}av), children to `depth` more levels (-1: all); the tree is at most 8 deep. */
static void append_layout(DBusMessageIter *it, const struct wire_menu_item *m, int depth)
{
	DBusMessageIter st, kids, v;

	dbus_message_iter_open_container(it, DBUS_TYPE_STRUCT, NULL, &st);
	dbus_message_iter_append_basic(&st, DBUS_TYPE_INT32, &m->id);
	append_menu_props(&st, m);
	dbus_message_iter_open_container(&st, DBUS_TYPE_ARRAY, "v", &kids);
	if (depth != 0)
		for (uint32_t i = 0; i < m->n_children; i++) {
			dbus_message_iter_open_container(&kids, DBUS_TYPE_VARIANT, "(ia{sv}av)", &v);
			append_layout(&v, &m->children[i], depth < 0 ? -1 : depth - 1);
			dbus_message_iter_close_container(&kids, &v);
		}
	dbus_message_iter_close_container(&st, &kids);
	dbus_message_iter_close_container(it, &st);
}

static const struct wire_menu_item empty_menu = { .label = "", .icon_name = "", .visible = true };

static const struct wire_menu_item *item_menu(struct host_item *item)
{
	return item->clean.has_menu ? &item->clean.menu : &empty_menu;
}

static DBusMessage *menu_get_layout(struct host_item *item, DBusMessage *m)
{
	int32_t parent, depth;
	DBusMessageIter it;
	DBusMessage *r;
	const struct wire_menu_item *node;

	if (!dbus_message_has_signature(m, "iias") ||
	    !dbus_message_get_args(m, NULL, DBUS_TYPE_INT32, &parent, DBUS_TYPE_INT32, &depth, DBUS_TYPE_INVALID))
		return dbus_message_new_error(m, DBUS_ERROR_INVALID_ARGS, "GetLayout takes (iias)");
	node = menu_find(item_menu(item), parent, 0);
	if (!node)
		return dbus_message_new_error(m, DBUS_ERROR_INVALID_ARGS, "no such menu item");
	r = dbus_message_new_method_return(m);
	if (!r)
		return NULL;
	dbus_message_iter_init_append(r, &it);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_UINT32, &item->revision);
	append_layout(&it, node, depth < 0 ? -1 : MIN(depth, (int32_t)WIRE_MENU_MAX_DEPTH));
	return r;
}

static DBusMessage *menu_group_properties(struct host_item *item, DBusMessage *m)
{
	DBusMessageIter it, out, st;
	int32_t *ids = NULL;
	int n = 0;
	DBusMessage *r;

	if (!dbus_message_has_signature(m, "aias"))
		return dbus_message_new_error(m, DBUS_ERROR_INVALID_ARGS, "GetGroupProperties takes (aias)");
	dbus_message_iter_init(m, &it);
	DBusMessageIter arr;
	dbus_message_iter_recurse(&it, &arr);
	dbus_message_iter_get_fixed_array(&arr, &ids, &n);
	r = dbus_message_new_method_return(m);
	if (!r)
		return NULL;
	dbus_message_iter_init_append(r, &out);
	DBusMessageIter list;
	dbus_message_iter_open_container(&out, DBUS_TYPE_ARRAY, "(ia{sv})", &list);
	for (int i = 0; i < n && i < (int)WIRE_MENU_MAX_ITEMS; i++) {
		const struct wire_menu_item *node = menu_find(item_menu(item), ids[i], 0);
		if (!node)
			continue;
		dbus_message_iter_open_container(&list, DBUS_TYPE_STRUCT, NULL, &st);
		dbus_message_iter_append_basic(&st, DBUS_TYPE_INT32, &node->id);
		append_menu_props(&st, node);
		dbus_message_iter_close_container(&list, &st);
	}
	dbus_message_iter_close_container(&out, &list);
	return r;
}

static bool event_id_allowed(const char *e)
{
	return !strcmp(e, "clicked") || !strcmp(e, "hovered") || !strcmp(e, "opened") || !strcmp(e, "closed");
}

/*
 * Events and AboutToShow travel to the guest only for ids of the mirrored
 * menu: a host client cannot make the guest's menu see an id it never
 * exported. Unknown ids get the error libdbusmenu gives too.
 */
static bool forward_menu_event(struct host_item *item, int32_t id, const char *event, uint32_t ts)
{
	struct wire_msg out = { .type = WIRE_MENU_EVENT, .id = item->guest_id, .menu_id = id,
				.event_id = (char *)event, .timestamp = ts };

	if (!menu_find(item_menu(item), id, 0)) {
		log_debug("menu event %s for unknown item %d of guest tray item %u: not forwarded", event, id,
			  item->guest_id);
		return false;
	}
	if (event_id_allowed(event)) {
		log_debug("menu event %s on item %d of guest tray item %u", event, id, item->guest_id);
		host_send_guest(item->h, &out);
	}
	return true;
}

static bool forward_about_to_show(struct host_item *item, int32_t id)
{
	struct wire_msg out = { .type = WIRE_MENU_ABOUT_TO_SHOW, .id = item->guest_id, .menu_id = id };

	if (!menu_find(item_menu(item), id, 0)) {
		log_debug("AboutToShow for unknown item %d of guest tray item %u: not forwarded", id, item->guest_id);
		return false;
	}
	host_send_guest(item->h, &out);
	return true;
}

static DBusMessage *unknown_menu_item(DBusMessage *m, int32_t id)
{
	char text[64];
	snprintf(text, sizeof(text), "no menu item %d", id);
	return dbus_message_new_error(m, DBUS_ERROR_INVALID_ARGS, text);
}

/* Reads (isvu) at it: id, event id, data (ignored), timestamp. */
static void read_event(DBusMessageIter *it, int32_t *id, const char **event, uint32_t *ts)
{
	dbus_message_iter_get_basic(it, id);
	dbus_message_iter_next(it);
	dbus_message_iter_get_basic(it, event);
	dbus_message_iter_next(it);
	dbus_message_iter_next(it);
	dbus_message_iter_get_basic(it, ts);
}

static DBusMessage *menu_event(struct host_item *item, DBusMessage *m)
{
	DBusMessageIter it;
	int32_t id;
	const char *event;
	uint32_t ts;

	if (!dbus_message_has_signature(m, "isvu"))
		return dbus_message_new_error(m, DBUS_ERROR_INVALID_ARGS, "Event takes (isvu)");
	dbus_message_iter_init(m, &it);
	read_event(&it, &id, &event, &ts);
	if (!forward_menu_event(item, id, event, ts))
		return unknown_menu_item(m, id);
	return dbus_message_new_method_return(m);
}

/* Appends the ids in bad[] as "ai"; returns false when out of memory. */
static bool append_ids(DBusMessageIter *it, const int32_t *ids, size_t n)
{
	DBusMessageIter arr;

	if (!dbus_message_iter_open_container(it, DBUS_TYPE_ARRAY, "i", &arr))
		return false;
	for (size_t i = 0; i < n; i++)
		dbus_message_iter_append_basic(&arr, DBUS_TYPE_INT32, &ids[i]);
	return dbus_message_iter_close_container(it, &arr);
}

/* EventGroup(a(isvu)) -> ai idErrors; AboutToShowGroup(ai) -> (ai updatesNeeded, ai idErrors). */
static DBusMessage *menu_group(struct host_item *item, DBusMessage *m, bool events)
{
	int32_t errors[HOST_MENU_MAX_GROUP];
	size_t n = 0, n_errors = 0;
	DBusMessageIter it, arr;
	DBusMessage *r;

	if (!dbus_message_has_signature(m, events ? "a(isvu)" : "ai"))
		return dbus_message_new_error(m, DBUS_ERROR_INVALID_ARGS,
					      events ? "EventGroup takes (a(isvu))" : "AboutToShowGroup takes (ai)");
	dbus_message_iter_init(m, &it);
	dbus_message_iter_recurse(&it, &arr);
	for (; dbus_message_iter_get_arg_type(&arr) != DBUS_TYPE_INVALID && n < HOST_MENU_MAX_GROUP;
	     dbus_message_iter_next(&arr), n++) {
		int32_t id;
		bool known;
		if (events) {
			DBusMessageIter st;
			const char *event;
			uint32_t ts;
			dbus_message_iter_recurse(&arr, &st);
			read_event(&st, &id, &event, &ts);
			known = forward_menu_event(item, id, event, ts);
		} else {
			dbus_message_iter_get_basic(&arr, &id);
			known = forward_about_to_show(item, id);
		}
		if (!known)
			errors[n_errors++] = id;
	}
	if (dbus_message_iter_get_arg_type(&arr) != DBUS_TYPE_INVALID)
		log_debug("%s on guest tray item %u: entries past %u ignored", dbus_message_get_member(m),
			  item->guest_id, HOST_MENU_MAX_GROUP);
	if (n > 0 && n_errors == n)
		return dbus_message_new_error(m, DBUS_ERROR_INVALID_ARGS, "no such menu items");
	r = dbus_message_new_method_return(m);
	if (!r)
		return NULL;
	dbus_message_iter_init_append(r, &it);
	/* the guest's menu announces its own changes with LayoutUpdated: no update is "needed" */
	if ((!events && !append_ids(&it, NULL, 0)) || !append_ids(&it, errors, n_errors)) {
		dbus_message_unref(r);
		return NULL;
	}
	return r;
}

static DBusMessage *menu_about_to_show(struct host_item *item, DBusMessage *m)
{
	int32_t id;
	dbus_bool_t no = FALSE;
	DBusMessage *r;

	if (!dbus_message_get_args(m, NULL, DBUS_TYPE_INT32, &id, DBUS_TYPE_INVALID))
		return dbus_message_new_error(m, DBUS_ERROR_INVALID_ARGS, "AboutToShow takes (i)");
	if (!forward_about_to_show(item, id))
		return unknown_menu_item(m, id);
	r = dbus_message_new_method_return(m);
	if (r)
		dbus_message_append_args(r, DBUS_TYPE_BOOLEAN, &no, DBUS_TYPE_INVALID);
	return r;
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
		append_entry(&dict, "Version", DBUS_TYPE_UINT32, &version);
		append_entry(&dict, "TextDirection", DBUS_TYPE_STRING, &dir);
		append_entry(&dict, "Status", DBUS_TYPE_STRING, &status);
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
	else if (is_menu && dbus_message_is_method_call(m, MENU_IFACE, "GetLayout"))
		r = menu_get_layout(item, m);
	else if (is_menu && dbus_message_is_method_call(m, MENU_IFACE, "GetGroupProperties"))
		r = menu_group_properties(item, m);
	else if (is_menu && dbus_message_is_method_call(m, MENU_IFACE, "Event"))
		r = menu_event(item, m);
	else if (is_menu && dbus_message_is_method_call(m, MENU_IFACE, "EventGroup"))
		r = menu_group(item, m, true);
	else if (is_menu && dbus_message_is_method_call(m, MENU_IFACE, "AboutToShow"))
		r = menu_about_to_show(item, m);
	else if (is_menu && dbus_message_is_method_call(m, MENU_IFACE, "AboutToShowGroup"))
		r = menu_group(item, m, false);
	else
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
