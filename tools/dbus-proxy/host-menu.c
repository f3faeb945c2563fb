/* SPDX-License-Identifier: MIT */
/*
 * Host role, the menu of a mirrored tray item: com.canonical.dbusmenu at
 * /MenuBar, served from the sanitized snapshot the guest last sent. A host
 * tray reads the layout and properties from here; what it sends back
 * (Event, EventGroup, AboutToShow, AboutToShowGroup) reaches the guest only
 * for ids of that menu.
 */
#include <stdio.h>
#include <string.h>

#include "host.h"
#include "log.h"

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
		host_append_entry(&dict, "type", DBUS_TYPE_STRING, &sep);
	else
		host_append_entry(&dict, "label", DBUS_TYPE_STRING, &m->label);
	host_append_entry(&dict, "enabled", DBUS_TYPE_BOOLEAN, &enabled);
	host_append_entry(&dict, "visible", DBUS_TYPE_BOOLEAN, &visible);
	if (m->icon_name[0])
		host_append_entry(&dict, "icon-name", DBUS_TYPE_STRING, &m->icon_name);
	if (m->toggle_type != WIRE_TOGGLE_NONE) {
		host_append_entry(&dict, "toggle-type", DBUS_TYPE_STRING,
			     m->toggle_type == WIRE_TOGGLE_CHECKMARK ? &check : &radio);
		host_append_entry(&dict, "toggle-state", DBUS_TYPE_INT32, &state);
	}
	if (m->n_children)
		host_append_entry(&dict, "children-display", DBUS_TYPE_STRING, &sub);
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

DBusMessage *host_menu_call(struct host_item *item, DBusMessage *m, bool *handled)
{
	static const char *const iface = "com.canonical.dbusmenu";

	*handled = true;
	if (dbus_message_is_method_call(m, iface, "GetLayout"))
		return menu_get_layout(item, m);
	if (dbus_message_is_method_call(m, iface, "GetGroupProperties"))
		return menu_group_properties(item, m);
	if (dbus_message_is_method_call(m, iface, "Event"))
		return menu_event(item, m);
	if (dbus_message_is_method_call(m, iface, "EventGroup"))
		return menu_group(item, m, true);
	if (dbus_message_is_method_call(m, iface, "AboutToShow"))
		return menu_about_to_show(item, m);
	if (dbus_message_is_method_call(m, iface, "AboutToShowGroup"))
		return menu_group(item, m, false);
	*handled = false;
	return NULL;
}
