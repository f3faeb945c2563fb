/* SPDX-License-Identifier: MIT */
/*
 * What must hold for anything the vmsilo-dbus-proxy boundary lets through.
 * The fuzz harnesses call these after decoding and after sanitizing; any
 * violation aborts, so the fuzzer reports it. Tighten these whenever a rule
 * in protocol.h or sanitize.c changes.
 */
#pragma once

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "protocol.h"
#include "sanitize.h"
#include "wire.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, __FILE__, __LINE__); \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static volatile size_t inv_sink;

static inline size_t inv_utf8_next(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) return *cp = s[0], 1;
	if (s[0] < 0xe0) return *cp = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f), 2;
	if (s[0] < 0xf0)
		return *cp = (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f), 3;
	*cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 | (uint32_t)(s[2] & 0x3f) << 6 |
	      (s[3] & 0x3f);
	return 4;
}

/* A decoded (not yet sanitized) string: present, UTF-8, within the wire limit. */
static inline void inv_wire_string(const char *s)
{
	CHECK(s);
	CHECK(strlen(s) <= WIRE_MAX_STRING);
	CHECK(wire_utf8_valid(s, strlen(s)));
}

/* Sanitized text: UTF-8, no forbidden code point, at most max chars, newlines only if multiline. */
static inline void inv_text(const char *s, unsigned max, bool multiline)
{
	unsigned chars = 0;
	CHECK(s);
	CHECK(wire_utf8_valid(s, strlen(s)));
	for (size_t i = 0; s[i];) {
		uint32_t cp;
		i += inv_utf8_next((const unsigned char *)s + i, &cp);
		CHECK(!sanitize_cp_forbidden(cp) || (multiline && cp == '\n'));
		chars++;
	}
	CHECK(chars <= max);
	inv_sink += chars;
}

static inline void inv_name_or_empty(const char *s)
{
	CHECK(s);
	CHECK(s[0] == '\0' || sanitize_name_valid(s));
}

static inline void inv_pixmap(const struct wire_pixmap *px)
{
	CHECK(px->data);
	CHECK(px->width >= 1 && px->width <= WIRE_PIXMAP_MAX_SIDE);
	CHECK(px->height >= 1 && px->height <= WIRE_PIXMAP_MAX_SIDE);
	CHECK(px->len == (uint32_t)px->width * (uint32_t)px->height * 4u);
	inv_sink += px->data[px->len - 1];
}

static inline void inv_menu(const struct wire_menu_item *m, unsigned depth, unsigned *count, bool clean)
{
	CHECK(depth <= WIRE_MENU_MAX_DEPTH);
	CHECK(++*count <= WIRE_MENU_MAX_ITEMS);
	CHECK(m->type <= WIRE_MENU_SEPARATOR && m->toggle_type <= WIRE_TOGGLE_RADIO);
	CHECK(m->toggle_state >= -1 && m->toggle_state <= 1);
	CHECK(depth == 0 ? m->id == 0 : m->id > 0);
	if (clean) {
		inv_text(m->label, SANITIZE_TITLE_MAX_CHARS, false);
		inv_name_or_empty(m->icon_name);
	} else {
		inv_wire_string(m->label);
		inv_wire_string(m->icon_name);
	}
	for (uint32_t i = 0; i < m->n_children; i++)
		inv_menu(&m->children[i], depth + 1, count, clean);
}

static inline void inv_item(const struct wire_item *it, bool clean)
{
	unsigned count = 0;
	CHECK(it->n_icons <= WIRE_MAX_PIXMAPS);
	CHECK(it->status <= WIRE_STATUS_ATTENTION && it->category <= WIRE_CATEGORY_HARDWARE);
	for (uint32_t i = 0; i < it->n_icons; i++)
		inv_pixmap(&it->icons[i]);
	if (clean) {
		inv_name_or_empty(it->id);
		inv_name_or_empty(it->icon_name);
		inv_text(it->title, SANITIZE_TITLE_MAX_CHARS, false);
		inv_text(it->tooltip_title, SANITIZE_TITLE_MAX_CHARS, false);
		inv_text(it->tooltip_body, SANITIZE_TITLE_MAX_CHARS, true);
	} else {
		inv_wire_string(it->id);
		inv_wire_string(it->title);
	}
	if (it->has_menu)
		inv_menu(&it->menu, 0, &count, clean);
}

/*
 * Sanitized body markup: only <b> <i> <u> <a href="http(s)/mailto">, balanced;
 * only known entities; no bare '>' ; at most the visible-character and line limits.
 */
static inline void inv_markup(const char *s)
{
	static const char *const entities[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
	char stack[64];
	unsigned depth = 0, chars = 0, lines = 1;
	size_t i = 0, n;

	CHECK(s);
	n = strlen(s);
	CHECK(wire_utf8_valid(s, n));
	while (i < n) {
		if (s[i] == '<') {
			const char *t = s + i;
			if (t[1] == '/') {
				CHECK(depth > 0);
				CHECK(t[2] == stack[depth - 1] && t[3] == '>');
				depth--;
				i += 4;
			} else if (strncmp(t, "<a href=\"", 9) == 0) {
				const char *end = strchr(t + 9, '"');
				CHECK(end && end[1] == '>');
				CHECK(!strncasecmp(t + 9, "http://", 7) || !strncasecmp(t + 9, "https://", 8) ||
				      !strncasecmp(t + 9, "mailto:", 7));
				for (const char *u = t + 9; u < end; u++)
					CHECK(*u > 0x20 && *u < 0x7f && !strchr("\"'<>\\&`", *u));
				CHECK(depth < sizeof(stack));
				stack[depth++] = 'a';
				i = (size_t)(end - s) + 2;
			} else {
				CHECK(strchr("biu", t[1]) && t[1] && t[2] == '>');
				CHECK(depth < sizeof(stack));
				stack[depth++] = t[1];
				i += 3;
			}
			continue;
		}
		CHECK(s[i] != '>');
		if (s[i] == '&') {
			size_t k, semi = 0;
			bool ok = false;
			for (k = 0; k < sizeof(entities) / sizeof(entities[0]); k++)
				if (strncmp(s + i, entities[k], strlen(entities[k])) == 0)
					ok = true, semi = strlen(entities[k]);
			if (!ok && s[i + 1] == '#') {
				for (k = i + 2; s[k] >= '0' && s[k] <= '9' && k < i + 10; k++)
					;
				ok = k > i + 2 && s[k] == ';';
				semi = k + 1 - i;
			}
			CHECK(ok);
			i += semi;
			chars++;
			continue;
		}
		uint32_t cp;
		i += inv_utf8_next((const unsigned char *)s + i, &cp);
		if (cp == '\n')
			lines++;
		else
			CHECK(!sanitize_cp_forbidden(cp));
		chars++;
	}
	CHECK(depth == 0);
	CHECK(chars <= SANITIZE_BODY_MAX_CHARS);
	CHECK(lines <= SANITIZE_BODY_MAX_LINES);
	inv_sink += chars;
}

static inline void inv_notify(const struct wire_notify *n, bool clean)
{
	CHECK(n->id != 0);
	CHECK(n->n_actions <= WIRE_MAX_ACTIONS);
	CHECK(n->n_hints <= WIRE_MAX_HINTS);
	for (uint32_t i = 0; i < n->n_hints; i++) {
		const struct wire_hint *h = &n->hints[i];
		CHECK(h->type >= WIRE_HINT_STRING && h->type <= WIRE_HINT_IMAGE);
		if (h->type == WIRE_HINT_IMAGE)
			inv_pixmap(&h->image);
		if (clean) {
			CHECK(sanitize_hint_allowed(h->key, h->type));
			CHECK(strncmp(h->key, "x-vmsilo-", 9) != 0);
			if (h->type == WIRE_HINT_STRING)
				CHECK(sanitize_name_valid(h->str));
			if (h->type == WIRE_HINT_BYTE)
				CHECK(h->num >= 0 && h->num <= 2);
		}
	}
	if (!clean) {
		inv_wire_string(n->summary);
		inv_wire_string(n->body);
		return;
	}
	CHECK(n->expire_timeout >= -1 && n->expire_timeout <= SANITIZE_EXPIRE_MAX_MS);
	inv_text(n->app_name, SANITIZE_TITLE_MAX_CHARS, false);
	inv_name_or_empty(n->app_icon);
	inv_text(n->summary, SANITIZE_SUMMARY_MAX_CHARS, false);
	inv_markup(n->body);
	for (uint32_t i = 0; i < n->n_actions; i++) {
		CHECK(sanitize_action_key_valid(n->actions[2 * i]));
		inv_text(n->actions[2 * i + 1], SANITIZE_TITLE_MAX_CHARS, false);
	}
}

static inline void inv_msg(const struct wire_msg *m)
{
	if (m->type == WIRE_NOTIFY)
		inv_notify(&m->notify, false);
	else if (m->type == WIRE_ITEM_UPDATE)
		inv_item(&m->item, false);
	else if (m->type == WIRE_ACTION_INVOKED)
		inv_wire_string(m->action_key);
	else if (m->type == WIRE_MENU_EVENT)
		inv_wire_string(m->event_id);
	else if (m->type == WIRE_ITEM_SCROLL)
		CHECK(m->delta >= -WIRE_SCROLL_MAX_DELTA && m->delta <= WIRE_SCROLL_MAX_DELTA &&
		      m->orientation <= WIRE_SCROLL_HORIZONTAL);
}
