/* SPDX-License-Identifier: MIT */
/*
 * Guest role, tray half: acts as org.kde.StatusNotifierWatcher on the guest
 * bus (StatusNotifierItem specification, freedesktop.org draft 0.1), follows
 * each registered item and its com.canonical.dbusmenu menu, and sends a full
 * snapshot to the host whenever one of them signals a change. Activations and
 * menu events from the host are replayed on the item.
 *
 * Snapshots are trimmed here to what the host accepts (sizes, depth, counts),
 * so an honest guest never trips the host's hard limits.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "busutil.h"
#include "guest.h"
#include "log.h"
#include "protocol.h"
#include "sanitize.h"

#define WATCHER_NAME "org.kde.StatusNotifierWatcher"
#define WATCHER_PATH "/StatusNotifierWatcher"
#define SNI_IFACE "org.kde.StatusNotifierItem"
#define MENU_IFACE "com.canonical.dbusmenu"
#define GUEST_CALL_TIMEOUT_MS 1000
#define GUEST_NAME_MAX 256

struct guest_item {
	bool used, dirty;
	uint32_t id;
	char owner[GUEST_NAME_MAX]; /* unique bus name */
	char path[GUEST_NAME_MAX];
	char key[2 * GUEST_NAME_MAX]; /* "owner/path", as RegisteredStatusNotifierItems lists it */
	char menu_path[GUEST_NAME_MAX];
};

struct guest_tray {
	struct guest_item items[GUEST_MAX_ITEMS];
	uint32_t next_id;
};

static int variant_type(DBusMessageIter *v)
{
	return dbus_message_iter_get_arg_type(v);
}

static const char *variant_string(DBusMessageIter *v)
{
	const char *s = "";
	int t = variant_type(v);
	if (t == DBUS_TYPE_STRING || t == DBUS_TYPE_OBJECT_PATH)
		dbus_message_iter_get_basic(v, &s);
	return s;
}

/* ---- snapshots ---------------------------------------------------------------- */

/* a(iiay): keeps up to WIRE_MAX_PIXMAPS pictures the host accepts as they are. */
static void read_pixmaps(DBusMessageIter *arr, struct wire_item *it)
{
	DBusMessageIter e, st, bytes;

	if (dbus_message_iter_get_arg_type(arr) != DBUS_TYPE_ARRAY ||
	    dbus_message_iter_get_element_type(arr) != DBUS_TYPE_STRUCT)
		return;
	dbus_message_iter_recurse(arr, &e);
	for (; dbus_message_iter_get_arg_type(&e) == DBUS_TYPE_STRUCT && it->n_icons < WIRE_MAX_PIXMAPS;
	     dbus_message_iter_next(&e)) {
		int32_t w, hgt;
		const uint8_t *data;
		int len;
		char *sig = dbus_message_iter_get_signature(&e);
		bool ok = sig && !strcmp(sig, "(iiay)");
		dbus_free(sig);
		if (!ok)
			return;
		dbus_message_iter_recurse(&e, &st);
		dbus_message_iter_get_basic(&st, &w);
		dbus_message_iter_next(&st);
		dbus_message_iter_get_basic(&st, &hgt);
		dbus_message_iter_next(&st);
		dbus_message_iter_recurse(&st, &bytes);
		dbus_message_iter_get_fixed_array(&bytes, &data, &len);
		struct wire_pixmap px = { .width = w, .height = hgt, .len = (uint32_t)len, .data = (uint8_t *)data };
		if (!sanitize_pixmap_valid(&px))
			continue;
		struct wire_pixmap *dst = &it->icons[it->n_icons];
		dst->data = malloc((size_t)len);
		if (!dst->data)
			return;
		memcpy(dst->data, data, (size_t)len);
		dst->width = w;
		dst->height = hgt;
		dst->len = (uint32_t)len;
		it->n_icons++;
	}
}

static uint8_t parse_status(const char *s)
{
	return !strcmp(s, "Active") ? WIRE_STATUS_ACTIVE
	       : !strcmp(s, "NeedsAttention") ? WIRE_STATUS_ATTENTION : WIRE_STATUS_PASSIVE;
}

static uint8_t parse_category(const char *s)
{
	return !strcmp(s, "Communications") ? WIRE_CATEGORY_COMMUNICATIONS
	       : !strcmp(s, "SystemServices") ? WIRE_CATEGORY_SYSTEM
	       : !strcmp(s, "Hardware") ? WIRE_CATEGORY_HARDWARE : WIRE_CATEGORY_APPLICATION;
}

static void read_item_props(DBusMessageIter *dict, struct wire_item *it, char *menu_path, size_t menu_len)
{
	DBusMessageIter e, v, st;

	for (; dbus_message_iter_get_arg_type(dict) == DBUS_TYPE_DICT_ENTRY; dbus_message_iter_next(dict)) {
		const char *key;
		dbus_message_iter_recurse(dict, &e);
		dbus_message_iter_get_basic(&e, &key);
		dbus_message_iter_next(&e);
		dbus_message_iter_recurse(&e, &v);
		char **field = !strcmp(key, "Id") ? &it->id : !strcmp(key, "Title") ? &it->title
			       : !strcmp(key, "IconName") ? &it->icon_name : NULL;
		if (field) {
			free(*field);
			*field = bus_strdup_wire(variant_string(&v));
		} else if (!strcmp(key, "Status"))
			it->status = parse_status(variant_string(&v));
		else if (!strcmp(key, "Category"))
			it->category = parse_category(variant_string(&v));
		else if (!strcmp(key, "ItemIsMenu") && variant_type(&v) == DBUS_TYPE_BOOLEAN) {
			dbus_bool_t b;
			dbus_message_iter_get_basic(&v, &b);
			it->item_is_menu = b;
		} else if (!strcmp(key, "Menu"))
			snprintf(menu_path, menu_len, "%s", variant_string(&v));
		else if (!strcmp(key, "IconPixmap"))
			read_pixmaps(&v, it);
		else if (!strcmp(key, "ToolTip") && variant_type(&v) == DBUS_TYPE_STRUCT) {
			char *sig = dbus_message_iter_get_signature(&v);
			bool ok = sig && !strcmp(sig, "(sa(iiay)ss)");
			dbus_free(sig);
			if (!ok)
				continue;
			dbus_message_iter_recurse(&v, &st);
			dbus_message_iter_next(&st);
			dbus_message_iter_next(&st);
			free(it->tooltip_title);
			it->tooltip_title = bus_strdup_wire(variant_string(&st));
			dbus_message_iter_next(&st);
			free(it->tooltip_body);
			it->tooltip_body = bus_strdup_wire(variant_string(&st));
		}
	}
}

/* (ia{sv}av) into m, within the depth and item budget; false to leave it out. */
static bool read_menu(DBusMessageIter *st_iter, struct wire_menu_item *m, unsigned depth, unsigned *budget)
{
	DBusMessageIter st, props, e, v, kids, kv;
	char *sig = dbus_message_iter_get_signature(st_iter);
	bool ok = sig && !strcmp(sig, "(ia{sv}av)");

	dbus_free(sig);
	if (!ok || *budget == 0 || depth > WIRE_MENU_MAX_DEPTH)
		return false;
	dbus_message_iter_recurse(st_iter, &st);
	dbus_message_iter_get_basic(&st, &m->id);
	if (depth == 0)
		m->id = 0;
	else if (m->id <= 0)
		return false;
	(*budget)--;
	m->enabled = m->visible = true;
	dbus_message_iter_next(&st);
	dbus_message_iter_recurse(&st, &props);
	for (; dbus_message_iter_get_arg_type(&props) == DBUS_TYPE_DICT_ENTRY; dbus_message_iter_next(&props)) {
		const char *key;
		dbus_message_iter_recurse(&props, &e);
		dbus_message_iter_get_basic(&e, &key);
		dbus_message_iter_next(&e);
		dbus_message_iter_recurse(&e, &v);
		int t = variant_type(&v);
		if (!strcmp(key, "label") && t == DBUS_TYPE_STRING) {
			free(m->label);
			m->label = bus_strdup_wire(variant_string(&v));
		} else if (!strcmp(key, "icon-name") && t == DBUS_TYPE_STRING) {
			free(m->icon_name);
			m->icon_name = bus_strdup_wire(variant_string(&v));
		} else if ((!strcmp(key, "enabled") || !strcmp(key, "visible")) && t == DBUS_TYPE_BOOLEAN) {
			dbus_bool_t b;
			dbus_message_iter_get_basic(&v, &b);
			*(!strcmp(key, "enabled") ? &m->enabled : &m->visible) = b;
		} else if (!strcmp(key, "type") && t == DBUS_TYPE_STRING)
			m->type = !strcmp(variant_string(&v), "separator") ? WIRE_MENU_SEPARATOR : WIRE_MENU_STANDARD;
		else if (!strcmp(key, "toggle-type") && t == DBUS_TYPE_STRING)
			m->toggle_type = !strcmp(variant_string(&v), "checkmark") ? WIRE_TOGGLE_CHECKMARK
					 : !strcmp(variant_string(&v), "radio") ? WIRE_TOGGLE_RADIO : WIRE_TOGGLE_NONE;
		else if (!strcmp(key, "toggle-state") && t == DBUS_TYPE_INT32) {
			int32_t s;
			dbus_message_iter_get_basic(&v, &s);
			m->toggle_state = s == 1 ? 1 : s == 0 ? 0 : -1;
		}
	}
	if (!m->label)
		m->label = strdup("");
	if (!m->icon_name)
		m->icon_name = strdup("");
	dbus_message_iter_next(&st);
	dbus_message_iter_recurse(&st, &kids);
	size_t count = 0;
	DBusMessageIter probe = kids;
	while (dbus_message_iter_get_arg_type(&probe) == DBUS_TYPE_VARIANT && count < *budget) {
		count++;
		dbus_message_iter_next(&probe);
	}
	if (count == 0 || depth >= WIRE_MENU_MAX_DEPTH)
		return true;
	m->children = calloc(count, sizeof(*m->children));
	if (!m->children)
		return true;
	for (; dbus_message_iter_get_arg_type(&kids) == DBUS_TYPE_VARIANT && *budget > 0 && m->n_children < count;
	     dbus_message_iter_next(&kids)) {
		dbus_message_iter_recurse(&kids, &kv);
		struct wire_menu_item *child = &m->children[m->n_children];
		if (read_menu(&kv, child, depth + 1, budget))
			m->n_children++;
		else
			wire_menu_free(child);
	}
	return true;
}

static DBusMessage *call(struct guest *g, const char *dest, const char *path, const char *iface,
			 const char *method, int first_type, ...)
{
	DBusError e = DBUS_ERROR_INIT;
	DBusMessage *m = dbus_message_new_method_call(dest, path, iface, method), *r;
	va_list ap;

	if (!m)
		return NULL;
	va_start(ap, first_type);
	dbus_message_append_args_valist(m, first_type, ap);
	va_end(ap);
	dbus_message_set_auto_start(m, FALSE);
	r = dbus_connection_send_with_reply_and_block(g->bus, m, GUEST_CALL_TIMEOUT_MS, &e);
	dbus_message_unref(m);
	if (!r) {
		log_debug("%s.%s on %s%s failed: %s", iface, method, dest, path, e.message);
		dbus_error_free(&e);
	}
	return r;
}

static int snapshot(struct guest *g, struct guest_item *item, struct wire_item *it)
{
	const char *iface = SNI_IFACE;
	DBusMessageIter a, b;
	DBusMessage *r;

	it->item_id = item->id;
	it->icons = calloc(WIRE_MAX_PIXMAPS, sizeof(*it->icons));
	if (!it->icons)
		return -ENOMEM;
	r = call(g, item->owner, item->path, DBUS_INTERFACE_PROPERTIES, "GetAll", DBUS_TYPE_STRING, &iface,
		 DBUS_TYPE_INVALID);
	if (!r || !dbus_message_has_signature(r, "a{sv}")) {
		if (r)
			dbus_message_unref(r);
		return -EIO;
	}
	item->menu_path[0] = '\0';
	dbus_message_iter_init(r, &a);
	dbus_message_iter_recurse(&a, &b);
	read_item_props(&b, it, item->menu_path, sizeof(item->menu_path));
	dbus_message_unref(r);
	if (item->menu_path[0] == '/' && dbus_validate_path(item->menu_path, NULL)) {
		int32_t parent = 0, depth = -1;
		const char **none = NULL;
		r = call(g, item->owner, item->menu_path, MENU_IFACE, "GetLayout", DBUS_TYPE_INT32, &parent,
			 DBUS_TYPE_INT32, &depth, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING, &none, 0, DBUS_TYPE_INVALID);
		if (r && dbus_message_has_signature(r, "u(ia{sv}av)")) {
			unsigned budget = WIRE_MENU_MAX_ITEMS;
			dbus_message_iter_init(r, &a);
			dbus_message_iter_next(&a);
			it->has_menu = read_menu(&a, &it->menu, 0, &budget);
		}
		if (r)
			dbus_message_unref(r);
	}
	if (!it->id)
		it->id = strdup("");
	if (!it->title)
		it->title = strdup("");
	if (!it->icon_name)
		it->icon_name = strdup("");
	if (!it->tooltip_title)
		it->tooltip_title = strdup("");
	if (!it->tooltip_body)
		it->tooltip_body = strdup("");
	return 0;
}

void guest_tray_poll(struct guest *g)
{
	for (size_t i = 0; g->tray && i < GUEST_MAX_ITEMS; i++) {
		struct guest_item *item = &g->tray->items[i];
		struct wire_msg m = { .type = WIRE_ITEM_UPDATE };
		if (!item->used || !item->dirty)
			continue;
		item->dirty = false;
		if (snapshot(g, item, &m.item) == 0) {
			int r = wire_send(g->fd, &m);
			if (r < 0)
				g->host_error = r;
			else
				log_debug("tray item %u (%s) sent to the host", item->id, item->key);
		}
		wire_msg_free(&m);
	}
}

/* ---- the watcher ---------------------------------------------------------------- */

static struct guest_item *find_key(struct guest_tray *t, const char *owner, const char *path)
{
	for (size_t i = 0; i < GUEST_MAX_ITEMS; i++)
		if (t->items[i].used && !strcmp(t->items[i].owner, owner) && !strcmp(t->items[i].path, path))
			return &t->items[i];
	return NULL;
}

static void emit_watcher(struct guest *g, const char *name, const char *arg)
{
	if (arg)
		bus_emit(g->bus, WATCHER_PATH, WATCHER_NAME, name, DBUS_TYPE_STRING, &arg, DBUS_TYPE_INVALID);
	else
		bus_emit(g->bus, WATCHER_PATH, WATCHER_NAME, name, DBUS_TYPE_INVALID);
}

static DBusMessage *register_item(struct guest *g, DBusMessage *m)
{
	struct guest_tray *t = g->tray;
	const char *arg, *sender = dbus_message_get_sender(m);
	char owner[GUEST_NAME_MAX], path[GUEST_NAME_MAX];
	struct guest_item *item = NULL;

	if (!dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &arg, DBUS_TYPE_INVALID) || !sender)
		return dbus_message_new_error(m, DBUS_ERROR_INVALID_ARGS, "RegisterStatusNotifierItem takes (s)");
	if (arg[0] == '/') {
		/* the KDE form: an object path on the caller's connection */
		snprintf(owner, sizeof(owner), "%s", sender);
		snprintf(path, sizeof(path), "%s", arg);
	} else {
		/* the spec's form: a bus name, the item at /StatusNotifierItem */
		DBusMessage *r = arg[0] == ':' ? NULL
				 : call(g, DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS, "GetNameOwner",
					DBUS_TYPE_STRING, &arg, DBUS_TYPE_INVALID);
		const char *unique = arg;
		if (r && !dbus_message_get_args(r, NULL, DBUS_TYPE_STRING, &unique, DBUS_TYPE_INVALID))
			unique = arg;
		snprintf(owner, sizeof(owner), "%s", unique);
		snprintf(path, sizeof(path), "/StatusNotifierItem");
		if (r)
			dbus_message_unref(r);
	}
	if (!dbus_validate_path(path, NULL) || owner[0] != ':')
		return dbus_message_new_error(m, DBUS_ERROR_INVALID_ARGS, "not a registered item");
	item = find_key(t, owner, path);
	for (size_t i = 0; !item && i < GUEST_MAX_ITEMS; i++)
		if (!t->items[i].used) {
			item = &t->items[i];
			*item = (struct guest_item){ .used = true, .id = ++t->next_id };
			snprintf(item->owner, sizeof(item->owner), "%s", owner);
			snprintf(item->path, sizeof(item->path), "%s", path);
			snprintf(item->key, sizeof(item->key), "%s%s", owner, path);
			log_info("tray item %u registered: %s", item->id, item->key);
			emit_watcher(g, "StatusNotifierItemRegistered", item->key);
		}
	if (!item)
		return dbus_message_new_error(m, DBUS_ERROR_LIMITS_EXCEEDED, "too many tray items");
	item->dirty = true;
	return dbus_message_new_method_return(m);
}

static void remove_item(struct guest *g, struct guest_item *item)
{
	struct wire_msg m = { .type = WIRE_ITEM_REMOVE, .id = item->id };
	int r = wire_send(g->fd, &m);

	if (r < 0)
		g->host_error = r;
	log_info("tray item %u unregistered: %s", item->id, item->key);
	emit_watcher(g, "StatusNotifierItemUnregistered", item->key);
	memset(item, 0, sizeof(*item));
}

static DBusMessage *watcher_properties(struct guest *g, DBusMessage *m)
{
	DBusMessage *r = dbus_message_new_method_return(m);
	DBusMessageIter it, dict, e, v, arr;
	const char *names[] = { "RegisteredStatusNotifierItems", "IsStatusNotifierHostRegistered",
				"ProtocolVersion" };
	const char *iface, *want = NULL;
	dbus_bool_t yes = TRUE;
	int32_t version = 0;
	bool all = dbus_message_is_method_call(m, DBUS_INTERFACE_PROPERTIES, "GetAll");

	if (!r)
		return NULL;
	if (!all && !dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &want,
					   DBUS_TYPE_INVALID)) {
		dbus_message_unref(r);
		return dbus_message_new_error(m, DBUS_ERROR_INVALID_ARGS, "Get takes (ss)");
	}
	dbus_message_iter_init_append(r, &it);
	if (all)
		dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &dict);
	for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
		DBusMessageIter *target = &it;
		if (want && strcmp(want, names[k]))
			continue;
		if (all) {
			dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &e);
			dbus_message_iter_append_basic(&e, DBUS_TYPE_STRING, &names[k]);
			target = &e;
		}
		if (k == 0) {
			dbus_message_iter_open_container(target, DBUS_TYPE_VARIANT, "as", &v);
			dbus_message_iter_open_container(&v, DBUS_TYPE_ARRAY, "s", &arr);
			for (size_t i = 0; i < GUEST_MAX_ITEMS; i++)
				if (g->tray->items[i].used) {
					const char *key = g->tray->items[i].key;
					dbus_message_iter_append_basic(&arr, DBUS_TYPE_STRING, &key);
				}
			dbus_message_iter_close_container(&v, &arr);
		} else if (k == 1) {
			dbus_message_iter_open_container(target, DBUS_TYPE_VARIANT, "b", &v);
			dbus_message_iter_append_basic(&v, DBUS_TYPE_BOOLEAN, &yes);
		} else {
			dbus_message_iter_open_container(target, DBUS_TYPE_VARIANT, "i", &v);
			dbus_message_iter_append_basic(&v, DBUS_TYPE_INT32, &version);
		}
		dbus_message_iter_close_container(target, &v);
		if (all)
			dbus_message_iter_close_container(&dict, &e);
	}
	if (all)
		dbus_message_iter_close_container(&it, &dict);
	return r;
}

static DBusHandlerResult on_watcher(DBusConnection *bus, DBusMessage *m, void *data)
{
	struct guest *g = data;
	DBusMessage *r;

	if (dbus_message_is_method_call(m, WATCHER_NAME, "RegisterStatusNotifierItem"))
		r = register_item(g, m);
	else if (dbus_message_is_method_call(m, WATCHER_NAME, "RegisterStatusNotifierHost"))
		r = bus_reply(m, DBUS_TYPE_INVALID);
	else if (dbus_message_is_method_call(m, DBUS_INTERFACE_PROPERTIES, "Get") ||
		 dbus_message_is_method_call(m, DBUS_INTERFACE_PROPERTIES, "GetAll"))
		r = watcher_properties(g, m);
	else
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	return bus_send_reply(bus, r);
}

/* Items vanish with their connection; their change signals mark them for a new snapshot. */
static DBusHandlerResult on_signal(DBusConnection *bus, DBusMessage *m, void *data)
{
	struct guest *g = data;
	const char *sender = dbus_message_get_sender(m), *name, *old_owner, *new_owner;

	if (dbus_message_get_type(m) != DBUS_MESSAGE_TYPE_SIGNAL || !g->tray)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	if (dbus_message_is_signal(m, DBUS_INTERFACE_DBUS, "NameOwnerChanged") &&
	    dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &old_owner,
				  DBUS_TYPE_STRING, &new_owner, DBUS_TYPE_INVALID)) {
		if (new_owner[0] == '\0')
			for (size_t i = 0; i < GUEST_MAX_ITEMS; i++)
				if (g->tray->items[i].used && !strcmp(g->tray->items[i].owner, name))
					remove_item(g, &g->tray->items[i]);
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	}
	const char *iface = dbus_message_get_interface(m);
	if (!sender || !iface || (strcmp(iface, SNI_IFACE) && strcmp(iface, MENU_IFACE)))
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	for (size_t i = 0; i < GUEST_MAX_ITEMS; i++)
		if (g->tray->items[i].used && !strcmp(g->tray->items[i].owner, sender))
			g->tray->items[i].dirty = true;
	return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

static DBusMessage *menu_event_call(const struct guest_item *item, const struct wire_msg *m)
{
	DBusMessageIter it, v;
	int32_t zero = 0;
	DBusMessage *c = dbus_message_new_method_call(item->owner, item->menu_path, MENU_IFACE, "Event");

	if (!c)
		return NULL;
	dbus_message_iter_init_append(c, &it);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_INT32, &m->menu_id);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &m->event_id);
	dbus_message_iter_open_container(&it, DBUS_TYPE_VARIANT, "i", &v);
	dbus_message_iter_append_basic(&v, DBUS_TYPE_INT32, &zero);
	dbus_message_iter_close_container(&it, &v);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_UINT32, &m->timestamp);
	return c;
}

void guest_tray_handle_host(struct guest *g, const struct wire_msg *m)
{
	static const char *const methods[] = { "Activate", "SecondaryActivate", "ContextMenu" };
	static const char *const orientations[] = { "vertical", "horizontal" };
	struct guest_item *item = NULL;
	DBusMessage *c = NULL;

	for (size_t i = 0; g->tray && i < GUEST_MAX_ITEMS; i++)
		if (g->tray->items[i].used && g->tray->items[i].id == m->id)
			item = &g->tray->items[i];
	if (!item)
		return;
	switch (m->type) {
	case WIRE_ITEM_ACTIVATE:
		c = dbus_message_new_method_call(item->owner, item->path, SNI_IFACE, methods[m->activate_kind]);
		if (c)
			dbus_message_append_args(c, DBUS_TYPE_INT32, &m->x, DBUS_TYPE_INT32, &m->y, DBUS_TYPE_INVALID);
		break;
	case WIRE_ITEM_SCROLL:
		/* the decoder has bounded delta and orientation */
		c = dbus_message_new_method_call(item->owner, item->path, SNI_IFACE, "Scroll");
		if (c)
			dbus_message_append_args(c, DBUS_TYPE_INT32, &m->delta, DBUS_TYPE_STRING,
						 &orientations[m->orientation], DBUS_TYPE_INVALID);
		break;
	case WIRE_MENU_EVENT:
		if (item->menu_path[0] == '/')
			c = menu_event_call(item, m);
		break;
	case WIRE_MENU_ABOUT_TO_SHOW:
		/* a menu that changes now says so with LayoutUpdated, which re-reads it */
		if (item->menu_path[0] == '/')
			c = dbus_message_new_method_call(item->owner, item->menu_path, MENU_IFACE, "AboutToShow");
		if (c)
			dbus_message_append_args(c, DBUS_TYPE_INT32, &m->menu_id, DBUS_TYPE_INVALID);
		break;
	}
	bus_send_no_reply(g->bus, c);
}

int guest_tray_setup(struct guest *g)
{
	static const DBusObjectPathVTable vtable = { .message_function = on_watcher };
	DBusError e = DBUS_ERROR_INIT;
	static const char *const matches[] = {
		"type='signal',sender='" DBUS_SERVICE_DBUS "',interface='" DBUS_INTERFACE_DBUS "',member='NameOwnerChanged'",
		"type='signal',interface='" SNI_IFACE "'",
		"type='signal',interface='" MENU_IFACE "'",
	};
	int r;

	g->tray = calloc(1, sizeof(*g->tray));
	if (!g->tray || !dbus_connection_register_object_path(g->bus, WATCHER_PATH, &vtable, g) ||
	    !dbus_connection_add_filter(g->bus, on_signal, g, NULL))
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(matches); i++) {
		dbus_bus_add_match(g->bus, matches[i], &e);
		if (dbus_error_is_set(&e)) {
			log_error("cannot subscribe to tray signals: %s", e.message);
			dbus_error_free(&e);
			return -EIO;
		}
	}
	r = dbus_bus_request_name(g->bus, WATCHER_NAME, DBUS_NAME_FLAG_DO_NOT_QUEUE, &e);
	if (r != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
		log_error("cannot own %s on the guest bus: %s", WATCHER_NAME,
			  dbus_error_is_set(&e) ? e.message : "another tray watcher has it");
		dbus_error_free(&e);
		return -EEXIST;
	}
	emit_watcher(g, "StatusNotifierHostRegistered", NULL);
	return 0;
}

void guest_tray_free(struct guest *g)
{
	free(g->tray);
	g->tray = NULL;
}
