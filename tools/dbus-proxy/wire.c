/* SPDX-License-Identifier: MIT */
#include "wire.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "macro.h"

/* ---- decoding ---------------------------------------------------------- */

struct reader {
	const uint8_t *p;
	size_t n, off;
	unsigned menu_items;
	struct wire_error *err;
};

_printf_(2, 3) static int bad(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->err) {
		va_start(ap, fmt);
		vsnprintf(r->err->text, sizeof(r->err->text), fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

static int get_u8(struct reader *r, uint8_t *v)
{
	if (r->n - r->off < 1)
		return bad(r, "truncated message");
	*v = r->p[r->off++];
	return 0;
}

static int get_u32(struct reader *r, uint32_t *v)
{
	if (r->n - r->off < 4)
		return bad(r, "truncated message");
	const uint8_t *q = r->p + r->off;
	*v = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
	r->off += 4;
	return 0;
}

static int get_i32(struct reader *r, int32_t *v)
{
	uint32_t u = 0;
	int e = get_u32(r, &u);
	if (e == 0)
		memcpy(v, &u, sizeof(*v));
	return e;
}

static int get_bool(struct reader *r, bool *v, const char *what)
{
	uint8_t b = 0;
	int e = get_u8(r, &b);
	if (e < 0)
		return e;
	if (b > 1)
		return bad(r, "%s is %u, not a boolean", what, b);
	*v = b;
	return 0;
}

static int get_enum(struct reader *r, uint8_t *v, uint8_t max, const char *what)
{
	int e = get_u8(r, v);
	if (e < 0)
		return e;
	if (*v > max)
		return bad(r, "%s %u is out of range", what, *v);
	return 0;
}

bool wire_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], need;
		uint32_t cp;
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i <= need)
			return false;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

static int get_str(struct reader *r, char **out, const char *what)
{
	uint32_t len;
	int e = get_u32(r, &len);
	if (e < 0)
		return e;
	if (len > WIRE_MAX_STRING)
		return bad(r, "%s is %u bytes, over the limit of %u", what, len, WIRE_MAX_STRING);
	if (r->n - r->off < len)
		return bad(r, "truncated message in %s", what);
	if (!wire_utf8_valid((const char *)r->p + r->off, len))
		return bad(r, "%s is not valid UTF-8 (or contains NUL)", what);
	*out = malloc(len + 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, r->p + r->off, len);
	(*out)[len] = '\0';
	r->off += len;
	return 0;
}

static int get_pixmap(struct reader *r, struct wire_pixmap *px, const char *what)
{
	int e;
	if ((e = get_i32(r, &px->width)) < 0 || (e = get_i32(r, &px->height)) < 0 ||
	    (e = get_u32(r, &px->len)) < 0)
		return e;
	if (px->width < 1 || px->width > WIRE_PIXMAP_MAX_SIDE || px->height < 1 ||
	    px->height > WIRE_PIXMAP_MAX_SIDE)
		return bad(r, "%s is %dx%d, outside 1..%d", what, px->width, px->height,
			   WIRE_PIXMAP_MAX_SIDE);
	if (px->len != (uint32_t)px->width * (uint32_t)px->height * 4u)
		return bad(r, "%s data is %u bytes, %dx%d ARGB32 needs %u", what, px->len, px->width,
			   px->height, (uint32_t)px->width * (uint32_t)px->height * 4u);
	if (r->n - r->off < px->len)
		return bad(r, "truncated message in %s", what);
	px->data = malloc(px->len);
	if (!px->data)
		return -ENOMEM;
	memcpy(px->data, r->p + r->off, px->len);
	r->off += px->len;
	return 0;
}

static int get_notify(struct reader *r, struct wire_notify *n)
{
	uint32_t count;
	int e;

	if ((e = get_u32(r, &n->id)) < 0 || (e = get_u32(r, &n->replaces_id)) < 0 ||
	    (e = get_i32(r, &n->expire_timeout)) < 0 || (e = get_str(r, &n->app_name, "app name")) < 0 ||
	    (e = get_str(r, &n->app_icon, "app icon")) < 0 ||
	    (e = get_str(r, &n->summary, "summary")) < 0 || (e = get_str(r, &n->body, "body")) < 0)
		return e;
	if (n->id == 0)
		return bad(r, "notification id 0");
	if ((e = get_u32(r, &count)) < 0)
		return e;
	if (count > WIRE_MAX_ACTIONS * 2)
		return bad(r, "%u action strings, over the limit of %u", count, WIRE_MAX_ACTIONS * 2);
	if (count % 2)
		return bad(r, "odd action list (%u strings): actions are key/label pairs", count);
	n->actions = calloc(count ? count : 1, sizeof(char *));
	if (!n->actions)
		return -ENOMEM;
	n->n_actions = count / 2;
	for (uint32_t i = 0; i < count; i++)
		if ((e = get_str(r, &n->actions[i], "action")) < 0)
			return e;
	if ((e = get_u32(r, &count)) < 0)
		return e;
	if (count > WIRE_MAX_HINTS)
		return bad(r, "%u hints, over the limit of %u", count, WIRE_MAX_HINTS);
	n->hints = calloc(count ? count : 1, sizeof(*n->hints));
	if (!n->hints)
		return -ENOMEM;
	n->n_hints = count;
	for (uint32_t i = 0; i < count; i++) {
		struct wire_hint *h = &n->hints[i];
		uint32_t u;
		if ((e = get_str(r, &h->key, "hint name")) < 0 || (e = get_u8(r, &h->type)) < 0)
			return e;
		switch (h->type) {
		case WIRE_HINT_STRING:
			e = get_str(r, &h->str, "hint value");
			break;
		case WIRE_HINT_BYTE:
		case WIRE_HINT_BOOL:
			e = get_u32(r, &u);
			if (e == 0 && u > (h->type == WIRE_HINT_BYTE ? 255u : 1u))
				return bad(r, "hint value %u out of range for its type", u);
			h->num = (int32_t)u;
			break;
		case WIRE_HINT_INT32:
			e = get_i32(r, &h->num);
			break;
		case WIRE_HINT_IMAGE:
			e = get_pixmap(r, &h->image, "hint image");
			break;
		default:
			return bad(r, "unknown hint type %u", h->type);
		}
		if (e < 0)
			return e;
	}
	return 0;
}

static int get_menu(struct reader *r, struct wire_menu_item *m, unsigned depth)
{
	uint8_t v = 0;
	int e;

	if (depth > WIRE_MENU_MAX_DEPTH)
		return bad(r, "menu deeper than %u levels", WIRE_MENU_MAX_DEPTH);
	if (++r->menu_items > WIRE_MENU_MAX_ITEMS)
		return bad(r, "menu has more than %u items", WIRE_MENU_MAX_ITEMS);
	if ((e = get_i32(r, &m->id)) < 0 || (e = get_str(r, &m->label, "menu label")) < 0 ||
	    (e = get_str(r, &m->icon_name, "menu icon name")) < 0 ||
	    (e = get_bool(r, &m->enabled, "menu enabled")) < 0 ||
	    (e = get_bool(r, &m->visible, "menu visible")) < 0 ||
	    (e = get_enum(r, &m->type, WIRE_MENU_SEPARATOR, "menu item type")) < 0 ||
	    (e = get_enum(r, &m->toggle_type, WIRE_TOGGLE_RADIO, "menu toggle type")) < 0 ||
	    (e = get_u8(r, &v)) < 0)
		return e;
	if (v != 0 && v != 1 && v != 0xff)
		return bad(r, "menu toggle state %u out of range", v);
	m->toggle_state = v == 0xff ? -1 : (int8_t)v;
	if (depth == 0 && m->id != 0)
		return bad(r, "menu root has id %d, not 0", m->id);
	if (depth > 0 && m->id <= 0)
		return bad(r, "menu item id %d is not positive", m->id);
	if ((e = get_u32(r, &m->n_children)) < 0)
		return e;
	/* each child needs at least 21 bytes: bounds the allocation by the input */
	if (m->n_children > WIRE_MENU_MAX_ITEMS || m->n_children > (r->n - r->off) / 21)
		return bad(r, "menu item claims %u children", m->n_children);
	if (m->n_children == 0)
		return 0;
	m->children = calloc(m->n_children, sizeof(*m->children));
	if (!m->children) {
		m->n_children = 0;
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < m->n_children; i++)
		if ((e = get_menu(r, &m->children[i], depth + 1)) < 0)
			return e;
	return 0;
}

static int get_item(struct reader *r, struct wire_item *it)
{
	uint32_t count;
	int e;

	if ((e = get_u32(r, &it->item_id)) < 0 || (e = get_str(r, &it->id, "item id")) < 0 ||
	    (e = get_str(r, &it->title, "item title")) < 0 ||
	    (e = get_str(r, &it->icon_name, "item icon name")) < 0 ||
	    (e = get_str(r, &it->tooltip_title, "tooltip title")) < 0 ||
	    (e = get_str(r, &it->tooltip_body, "tooltip body")) < 0 ||
	    (e = get_enum(r, &it->status, WIRE_STATUS_ATTENTION, "item status")) < 0 ||
	    (e = get_enum(r, &it->category, WIRE_CATEGORY_HARDWARE, "item category")) < 0 ||
	    (e = get_bool(r, &it->item_is_menu, "ItemIsMenu")) < 0 || (e = get_u32(r, &count)) < 0)
		return e;
	if (count > WIRE_MAX_PIXMAPS)
		return bad(r, "%u icon pixmaps, over the limit of %u", count, WIRE_MAX_PIXMAPS);
	it->icons = calloc(count ? count : 1, sizeof(*it->icons));
	if (!it->icons)
		return -ENOMEM;
	it->n_icons = count;
	for (uint32_t i = 0; i < count; i++)
		if ((e = get_pixmap(r, &it->icons[i], "icon pixmap")) < 0)
			return e;
	if ((e = get_bool(r, &it->has_menu, "has-menu")) < 0)
		return e;
	return it->has_menu ? get_menu(r, &it->menu, 0) : 0;
}

int wire_decode(const uint8_t *buf, size_t len, struct wire_msg *msg, struct wire_error *err)
{
	struct reader r = { .p = buf, .n = len, .err = err };
	uint8_t version = 0;
	int e;

	memset(msg, 0, sizeof(*msg));
	if (len > WIRE_MAX_MESSAGE)
		return bad(&r, "message of %zu bytes, over the limit of %u", len, WIRE_MAX_MESSAGE);
	if ((e = get_u8(&r, &version)) < 0 || (e = get_u8(&r, &msg->type)) < 0)
		return e;
	if (version != WIRE_VERSION)
		return bad(&r, "protocol version %u, expected %u", version, WIRE_VERSION);
	switch (msg->type) {
	case WIRE_NOTIFY:
		e = get_notify(&r, &msg->notify);
		break;
	case WIRE_ITEM_UPDATE:
		e = get_item(&r, &msg->item);
		break;
	case WIRE_CLOSE_NOTIFICATION:
	case WIRE_ITEM_REMOVE:
		e = get_u32(&r, &msg->id);
		break;
	case WIRE_NOTIFICATION_CLOSED:
		if ((e = get_u32(&r, &msg->id)) == 0)
			e = get_u32(&r, &msg->reason);
		break;
	case WIRE_ACTION_INVOKED:
		if ((e = get_u32(&r, &msg->id)) == 0)
			e = get_str(&r, &msg->action_key, "action key");
		break;
	case WIRE_ITEM_ACTIVATE:
		if ((e = get_u32(&r, &msg->id)) == 0 &&
		    (e = get_enum(&r, &msg->activate_kind, WIRE_CONTEXT_MENU, "activation kind")) == 0 &&
		    (e = get_i32(&r, &msg->x)) == 0)
			e = get_i32(&r, &msg->y);
		break;
	case WIRE_MENU_EVENT:
		if ((e = get_u32(&r, &msg->id)) == 0 && (e = get_i32(&r, &msg->menu_id)) == 0 &&
		    (e = get_str(&r, &msg->event_id, "menu event id")) == 0)
			e = get_u32(&r, &msg->timestamp);
		break;
	case WIRE_MENU_ABOUT_TO_SHOW:
		if ((e = get_u32(&r, &msg->id)) == 0)
			e = get_i32(&r, &msg->menu_id);
		break;
	case WIRE_ITEM_SCROLL:
		if ((e = get_u32(&r, &msg->id)) == 0 && (e = get_i32(&r, &msg->delta)) == 0 &&
		    (e = get_enum(&r, &msg->orientation, WIRE_SCROLL_HORIZONTAL, "scroll orientation")) == 0 &&
		    (msg->delta < -WIRE_SCROLL_MAX_DELTA || msg->delta > WIRE_SCROLL_MAX_DELTA))
			e = bad(&r, "scroll delta %d outside -%d..%d", msg->delta, WIRE_SCROLL_MAX_DELTA,
				WIRE_SCROLL_MAX_DELTA);
		break;
	default:
		return bad(&r, "unknown message type 0x%02x", msg->type);
	}
	if (e < 0)
		return e;
	if (r.off != r.n)
		return bad(&r, "%zu trailing bytes after %s", r.n - r.off, wire_type_name(msg->type));
	return 0;
}

void wire_pixmap_free(struct wire_pixmap *p)
{
	free(p->data);
	p->data = NULL;
}

void wire_notify_free(struct wire_notify *n)
{
	free(n->app_name);
	free(n->app_icon);
	free(n->summary);
	free(n->body);
	if (n->actions)
		for (uint32_t i = 0; i < n->n_actions * 2; i++)
			free(n->actions[i]);
	free(n->actions);
	if (n->hints)
		for (uint32_t i = 0; i < n->n_hints; i++) {
			free(n->hints[i].key);
			free(n->hints[i].str);
			wire_pixmap_free(&n->hints[i].image);
		}
	free(n->hints);
	memset(n, 0, sizeof(*n));
}

void wire_menu_free(struct wire_menu_item *m)
{
	free(m->label);
	free(m->icon_name);
	if (m->children)
		for (uint32_t i = 0; i < m->n_children; i++)
			wire_menu_free(&m->children[i]);
	free(m->children);
	memset(m, 0, sizeof(*m));
}

void wire_item_free(struct wire_item *it)
{
	free(it->id);
	free(it->title);
	free(it->icon_name);
	free(it->tooltip_title);
	free(it->tooltip_body);
	if (it->icons)
		for (uint32_t i = 0; i < it->n_icons; i++)
			wire_pixmap_free(&it->icons[i]);
	free(it->icons);
	wire_menu_free(&it->menu);
	memset(it, 0, sizeof(*it));
}

void wire_msg_free(struct wire_msg *msg)
{
	wire_notify_free(&msg->notify);
	wire_item_free(&msg->item);
	free(msg->action_key);
	free(msg->event_id);
	memset(msg, 0, sizeof(*msg));
}

const char *wire_type_name(uint8_t type)
{
	switch (type) {
	case WIRE_NOTIFY: return "NOTIFY";
	case WIRE_CLOSE_NOTIFICATION: return "CLOSE_NOTIFICATION";
	case WIRE_ITEM_UPDATE: return "ITEM_UPDATE";
	case WIRE_ITEM_REMOVE: return "ITEM_REMOVE";
	case WIRE_NOTIFICATION_CLOSED: return "NOTIFICATION_CLOSED";
	case WIRE_ACTION_INVOKED: return "ACTION_INVOKED";
	case WIRE_ITEM_ACTIVATE: return "ITEM_ACTIVATE";
	case WIRE_MENU_EVENT: return "MENU_EVENT";
	case WIRE_MENU_ABOUT_TO_SHOW: return "MENU_ABOUT_TO_SHOW";
	case WIRE_ITEM_SCROLL: return "ITEM_SCROLL";
	default: return "unknown";
	}
}

/* ---- encoding ---------------------------------------------------------- */

static void put(struct wire_buf *b, const void *p, size_t n)
{
	if (b->error)
		return;
	if (n > WIRE_MAX_MESSAGE - b->len) {
		b->error = -EMSGSIZE;
		return;
	}
	if (b->len + n > b->cap) {
		size_t cap = MAX(b->cap * 2, b->len + n + 256);
		uint8_t *d = realloc(b->data, MIN(cap, (size_t)WIRE_MAX_MESSAGE));
		if (!d) {
			b->error = -ENOMEM;
			return;
		}
		b->data = d;
		b->cap = MIN(cap, (size_t)WIRE_MAX_MESSAGE);
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void put_u8(struct wire_buf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put_u32(struct wire_buf *b, uint32_t v)
{
	uint8_t q[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	put(b, q, 4);
}

static void put_i32(struct wire_buf *b, int32_t v)
{
	uint32_t u;
	memcpy(&u, &v, sizeof(u));
	put_u32(b, u);
}

static void put_str(struct wire_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n > WIRE_MAX_STRING && !b->error)
		b->error = -EMSGSIZE;
	put_u32(b, (uint32_t)n);
	put(b, s, n);
}

static void put_pixmap(struct wire_buf *b, const struct wire_pixmap *px)
{
	put_i32(b, px->width);
	put_i32(b, px->height);
	put_u32(b, px->len);
	put(b, px->data, px->len);
}

static void put_menu(struct wire_buf *b, const struct wire_menu_item *m)
{
	put_i32(b, m->id);
	put_str(b, m->label);
	put_str(b, m->icon_name);
	put_u8(b, m->enabled);
	put_u8(b, m->visible);
	put_u8(b, m->type);
	put_u8(b, m->toggle_type);
	put_u8(b, m->toggle_state < 0 ? 0xff : (uint8_t)m->toggle_state);
	put_u32(b, m->n_children);
	for (uint32_t i = 0; i < m->n_children; i++)
		put_menu(b, &m->children[i]);
}

static void put_notify(struct wire_buf *b, const struct wire_notify *n)
{
	put_u32(b, n->id);
	put_u32(b, n->replaces_id);
	put_i32(b, n->expire_timeout);
	put_str(b, n->app_name);
	put_str(b, n->app_icon);
	put_str(b, n->summary);
	put_str(b, n->body);
	put_u32(b, n->n_actions * 2);
	for (uint32_t i = 0; i < n->n_actions * 2; i++)
		put_str(b, n->actions[i]);
	put_u32(b, n->n_hints);
	for (uint32_t i = 0; i < n->n_hints; i++) {
		const struct wire_hint *h = &n->hints[i];
		put_str(b, h->key);
		put_u8(b, h->type);
		if (h->type == WIRE_HINT_STRING)
			put_str(b, h->str);
		else if (h->type == WIRE_HINT_IMAGE)
			put_pixmap(b, &h->image);
		else
			put_i32(b, h->num);
	}
}

static void put_item(struct wire_buf *b, const struct wire_item *it)
{
	put_u32(b, it->item_id);
	put_str(b, it->id);
	put_str(b, it->title);
	put_str(b, it->icon_name);
	put_str(b, it->tooltip_title);
	put_str(b, it->tooltip_body);
	put_u8(b, it->status);
	put_u8(b, it->category);
	put_u8(b, it->item_is_menu);
	put_u32(b, it->n_icons);
	for (uint32_t i = 0; i < it->n_icons; i++)
		put_pixmap(b, &it->icons[i]);
	put_u8(b, it->has_menu);
	if (it->has_menu)
		put_menu(b, &it->menu);
}

int wire_encode(struct wire_buf *b, const struct wire_msg *m)
{
	b->len = 0;
	b->error = 0;
	put_u8(b, WIRE_VERSION);
	put_u8(b, m->type);
	switch (m->type) {
	case WIRE_NOTIFY:
		put_notify(b, &m->notify);
		break;
	case WIRE_ITEM_UPDATE:
		put_item(b, &m->item);
		break;
	case WIRE_CLOSE_NOTIFICATION:
	case WIRE_ITEM_REMOVE:
		put_u32(b, m->id);
		break;
	case WIRE_NOTIFICATION_CLOSED:
		put_u32(b, m->id);
		put_u32(b, m->reason);
		break;
	case WIRE_ACTION_INVOKED:
		put_u32(b, m->id);
		put_str(b, m->action_key);
		break;
	case WIRE_ITEM_ACTIVATE:
		put_u32(b, m->id);
		put_u8(b, m->activate_kind);
		put_i32(b, m->x);
		put_i32(b, m->y);
		break;
	case WIRE_MENU_EVENT:
		put_u32(b, m->id);
		put_i32(b, m->menu_id);
		put_str(b, m->event_id);
		put_u32(b, m->timestamp);
		break;
	case WIRE_MENU_ABOUT_TO_SHOW:
		put_u32(b, m->id);
		put_i32(b, m->menu_id);
		break;
	case WIRE_ITEM_SCROLL:
		put_u32(b, m->id);
		put_i32(b, m->delta);
		put_u8(b, m->orientation);
		break;
	default:
		return -EINVAL;
	}
	return b->error;
}

void wire_buf_free(struct wire_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

int wire_send(int fd, const struct wire_msg *msg)
{
	struct wire_buf b = { 0 };
	int r = wire_encode(&b, msg);

	if (r == 0)
		r = frame_write(fd, b.data, b.len, WIRE_MAX_MESSAGE, WIRE_SEND_TIMEOUT_MS);
	wire_buf_free(&b);
	return r;
}
