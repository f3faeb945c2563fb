/* SPDX-License-Identifier: MIT */
#include "sanitize.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "macro.h"

/* A string builder with a fixed ceiling chosen by the caller. */
struct sb {
	char *s;
	size_t len, cap;
};

static int sb_init(struct sb *b, size_t cap)
{
	b->s = malloc(cap + 1);
	b->len = 0;
	b->cap = cap;
	if (!b->s)
		return -ENOMEM;
	b->s[0] = '\0';
	return 0;
}

static void sb_add(struct sb *b, const char *p, size_t n)
{
	if (n > b->cap - b->len)
		abort(); /* callers size cap from the limits; overflow is a bug, not input */
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_str(struct sb *b, const char *p)
{
	sb_add(b, p, strlen(p));
}

/* Decodes one code point of valid UTF-8 at s; returns its byte length. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xe0) {
		*cp = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
		return 2;
	}
	if (s[0] < 0xf0) {
		*cp = (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
		return 3;
	}
	*cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
	      (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
	return 4;
}

/*
 * Code points that never reach the host: controls, and the invisible
 * direction and joiner marks that could reorder or disguise the "[vm]"
 * prefix the host puts in front of guest text.
 */
bool sanitize_cp_forbidden(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x00ad ||
	       (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb) ||
	       (cp & 0xfffe) == 0xfffe || (cp >= 0xfdd0 && cp <= 0xfdef) ||
	       (cp >= 0xe0000 && cp <= 0xe007f);
}

int sanitize_text(const char *untrusted, unsigned max_chars, bool multiline, char **out)
{
	const unsigned char *s = (const unsigned char *)(untrusted ? untrusted : "");
	size_t n = strlen((const char *)s);
	unsigned chars = 0;
	struct sb b;

	*out = NULL;
	if (!wire_utf8_valid((const char *)s, n))
		return -EBADMSG;
	if (sb_init(&b, (size_t)max_chars * 4) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n && chars < max_chars;) {
		uint32_t cp;
		size_t l = utf8_next(s + i, &cp);
		if (cp == '\t' || (cp == '\n' && !multiline))
			sb_add(&b, " ", 1), chars++;
		else if (cp == '\n')
			sb_add(&b, "\n", 1), chars++;
		else if (!sanitize_cp_forbidden(cp))
			sb_add(&b, (const char *)s + i, l), chars++;
		i += l;
	}
	*out = b.s;
	return 0;
}

/* ---- markup --------------------------------------------------------------- */

#define MARKUP_TAG_SCAN_MAX 2048u /* bytes searched for the '>' that ends a tag */

enum tag { TAG_B, TAG_I, TAG_U, TAG_A, TAG_A_DROPPED };
static const char *const tag_names[] = { "b", "i", "u", "a", "a" };

struct markup {
	struct sb out;
	unsigned chars, lines;
	enum tag stack[SANITIZE_MARKUP_MAX_DEPTH];
	unsigned depth;
};

static bool url_valid(const char *u, size_t n)
{
	static const char *const schemes[] = { "https://", "http://", "mailto:" };
	bool scheme = false;

	if (n == 0 || n > SANITIZE_URL_MAX)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(schemes); i++)
		if (n > strlen(schemes[i]) && strncasecmp(u, schemes[i], strlen(schemes[i])) == 0)
			scheme = true;
	if (!scheme)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)u[i];
		if (c <= 0x20 || c >= 0x7f || strchr("\"'<>\\&`", c))
			return false;
	}
	return true;
}

/* Finds href="..." or href='...' in the attribute text of an <a> tag. */
static bool find_href(const char *t, size_t n, const char **url, size_t *url_len)
{
	for (size_t i = 0; i + 6 <= n; i++) {
		if (strncasecmp(t + i, "href=", 5) != 0 || (i > 0 && t[i - 1] != ' '))
			continue;
		char q = t[i + 5];
		if (q != '"' && q != '\'')
			return false;
		const char *start = t + i + 6, *end = memchr(start, q, n - i - 6);
		if (!end)
			return false;
		*url = start;
		*url_len = (size_t)(end - start);
		return true;
	}
	return false;
}

static void open_tag(struct markup *m, enum tag t, const char *url, size_t url_len)
{
	if (m->depth >= SANITIZE_MARKUP_MAX_DEPTH)
		return;
	m->stack[m->depth++] = t;
	if (t == TAG_A_DROPPED)
		return;
	if (t == TAG_A) {
		sb_str(&m->out, "<a href=\"");
		sb_add(&m->out, url, url_len);
		sb_str(&m->out, "\">");
	} else {
		sb_str(&m->out, "<");
		sb_str(&m->out, tag_names[t]);
		sb_str(&m->out, ">");
	}
}

static void close_top(struct markup *m)
{
	enum tag t = m->stack[--m->depth];
	if (t == TAG_A_DROPPED)
		return;
	sb_str(&m->out, "</");
	sb_str(&m->out, tag_names[t]);
	sb_str(&m->out, ">");
}

/* Handles the tag text between '<' and '>'. Unknown tags vanish. */
static void markup_tag(struct markup *m, const char *t, size_t n)
{
	bool closing = n > 0 && t[0] == '/';
	size_t i = closing, name_len = 0;

	while (i + name_len < n && ((t[i + name_len] | 0x20) >= 'a' && (t[i + name_len] | 0x20) <= 'z'))
		name_len++;
	const char *name = t + i, *rest = t + i + name_len;
	size_t rest_len = n - i - name_len;
	enum tag tag;

	if (name_len != 1)
		return; /* img, span, script, br...: removed (a line break is written as \n) */
	switch (name[0] | 0x20) {
	case 'b': tag = TAG_B; break;
	case 'i': tag = TAG_I; break;
	case 'u': tag = TAG_U; break;
	case 'a': tag = TAG_A; break;
	default: return;
	}
	if (closing) {
		if (m->depth > 0 && tag_names[m->stack[m->depth - 1]][0] == tag_names[tag][0])
			close_top(m);
		return;
	}
	if (tag != TAG_A) {
		for (size_t k = 0; k < rest_len; k++)
			if (rest[k] != ' ')
				return; /* attributes on b/i/u, or self-closing: drop */
		open_tag(m, tag, NULL, 0);
		return;
	}
	const char *url;
	size_t url_len;
	if (rest_len > 0 && rest[0] == ' ' && find_href(rest, rest_len, &url, &url_len) &&
	    url_valid(url, url_len))
		open_tag(m, TAG_A, url, url_len);
	else
		open_tag(m, TAG_A_DROPPED, NULL, 0);
}

/* At '&': keeps a known entity (returns its length), else 0 and the caller writes &amp;. */
static size_t markup_entity(struct markup *m, const char *s, size_t n)
{
	static const char *const named[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
	for (size_t k = 0; k < ARRAY_SIZE(named); k++)
		if (strncmp(s, named[k], MIN(n, strlen(named[k]))) == 0 && n >= strlen(named[k])) {
			sb_str(&m->out, named[k]);
			return strlen(named[k]);
		}
	if (n >= 4 && s[1] == '#') {
		uint32_t cp = 0;
		size_t i = 2;
		bool hex = s[2] == 'x' || s[2] == 'X';
		i += hex;
		size_t start = i;
		while (i < n && i - start < 7) {
			char c = s[i];
			unsigned d;
			if (c >= '0' && c <= '9')
				d = (unsigned)(c - '0');
			else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
				d = (unsigned)((c | 0x20) - 'a' + 10);
			else
				break;
			cp = cp * (hex ? 16 : 10) + d;
			i++;
		}
		if (i > start && i < n && s[i] == ';' && cp <= 0x10ffff && !sanitize_cp_forbidden(cp) &&
		    !(cp >= 0xd800 && cp <= 0xdfff)) {
			char tmp[16];
			snprintf(tmp, sizeof(tmp), "&#%u;", (unsigned)cp);
			sb_str(&m->out, tmp);
			return i + 1;
		}
	}
	return 0;
}

int sanitize_markup(const char *untrusted, char **out)
{
	const char *s = untrusted ? untrusted : "";
	size_t n = strlen(s), i = 0;
	struct markup m = { .lines = 1 };

	*out = NULL;
	if (!wire_utf8_valid(s, n))
		return -EBADMSG;
	/*
	 * Output bound: a visible character becomes at most 10 bytes ("&#1114111;"),
	 * a kept tag is never longer than the input tag it came from, and the
	 * closing tags added at the end take 4 bytes each.
	 */
	if (sb_init(&m.out, (size_t)SANITIZE_BODY_MAX_CHARS * 10 + n + SANITIZE_MARKUP_MAX_DEPTH * 4 + 16) < 0)
		return -ENOMEM;
	while (i < n && m.chars < SANITIZE_BODY_MAX_CHARS) {
		uint32_t cp;
		size_t l = utf8_next((const unsigned char *)s + i, &cp);
		if (cp == '<') {
			/* a tag starts with a letter or '/'; "a < b" is text */
			char next = i + 1 < n ? (char)(s[i + 1] | 0x20) : 0;
			bool tagish = (next >= 'a' && next <= 'z') || s[i + 1] == '/';
			const char *end = tagish ? memchr(s + i + 1, '>', MIN(n - i - 1, (size_t)MARKUP_TAG_SCAN_MAX))
						 : NULL;
			if (end) {
				markup_tag(&m, s + i + 1, (size_t)(end - s - i - 1));
				i = (size_t)(end - s) + 1;
				continue;
			}
			sb_str(&m.out, "&lt;");
		} else if (cp == '&') {
			size_t used = markup_entity(&m, s + i, n - i);
			if (used) {
				i += used;
				m.chars++;
				continue;
			}
			sb_str(&m.out, "&amp;");
		} else if (cp == '>') {
			sb_str(&m.out, "&gt;");
		} else if (cp == '\n') {
			if (m.lines >= SANITIZE_BODY_MAX_LINES)
				break;
			m.lines++;
			sb_add(&m.out, "\n", 1);
		} else if (cp == '\t') {
			sb_add(&m.out, " ", 1);
		} else if (sanitize_cp_forbidden(cp)) {
			i += l;
			continue;
		} else {
			sb_add(&m.out, s + i, l);
		}
		m.chars++;
		i += l;
	}
	while (m.depth > 0)
		close_top(&m);
	*out = m.out.s;
	return 0;
}

/* ---- names, keys, pixmaps --------------------------------------------------- */

bool sanitize_action_key_valid(const char *k)
{
	size_t n = k ? strlen(k) : 0;

	if (n == 0 || n > SANITIZE_ACTION_KEY_MAX)
		return false;
	if (!((k[0] | 0x20) >= 'a' && (k[0] | 0x20) <= 'z'))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = k[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

bool sanitize_name_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > SANITIZE_NAME_MAX_CHARS || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' || c == '+'))
			return false;
	}
	return true;
}

bool sanitize_pixmap_valid(const struct wire_pixmap *px)
{
	return px->width >= 1 && px->width <= WIRE_PIXMAP_MAX_SIDE && px->height >= 1 &&
	       px->height <= WIRE_PIXMAP_MAX_SIDE && px->data &&
	       px->len == (uint32_t)px->width * (uint32_t)px->height * 4u;
}

_printf_(2, 3) static int reject(struct wire_error *err, const char *fmt, ...)
{
	va_list ap;
	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->text, sizeof(err->text), fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

static int copy_pixmap(const struct wire_pixmap *in, struct wire_pixmap *out, struct wire_error *err)
{
	if (!sanitize_pixmap_valid(in))
		return reject(err, "pixmap %dx%d with %u bytes is not ARGB32 within 1..%d", in->width,
			      in->height, in->len, WIRE_PIXMAP_MAX_SIDE);
	out->data = malloc(in->len);
	if (!out->data)
		return -ENOMEM;
	memcpy(out->data, in->data, in->len);
	out->width = in->width;
	out->height = in->height;
	out->len = in->len;
	return 0;
}

/* A name field: kept when it is a valid name, else replaced by "" (never rejected). */
static int copy_name(const char *in, char **out)
{
	*out = strdup(sanitize_name_valid(in) ? in : "");
	return *out ? 0 : -ENOMEM;
}

static int text_field(const char *in, unsigned max, bool multiline, char **out, const char *what,
		      struct wire_error *err)
{
	int r = sanitize_text(in, max, multiline, out);
	if (r == -EBADMSG)
		return reject(err, "%s is not valid UTF-8", what);
	return r;
}

bool sanitize_hint_allowed(const char *key, uint8_t type)
{
	static const struct {
		const char *key;
		uint8_t type;
	} allowed[] = {
		{ "urgency", WIRE_HINT_BYTE },        { "category", WIRE_HINT_STRING },
		{ "desktop-entry", WIRE_HINT_STRING }, { "image-data", WIRE_HINT_IMAGE },
		{ "transient", WIRE_HINT_BOOL },       { "resident", WIRE_HINT_BOOL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
		if (strcmp(key, allowed[i].key) == 0)
			return type == allowed[i].type;
	return false;
}

static int copy_hint(const struct wire_hint *in, struct wire_notify *clean, struct wire_error *err)
{
	struct wire_hint *h = &clean->hints[clean->n_hints];
	int r;

	if (!sanitize_hint_allowed(in->key, in->type))
		return 0; /* includes every x-vmsilo-* hint: only the host sets those */
	if (in->type == WIRE_HINT_BYTE && (in->num < 0 || in->num > 2))
		return 0; /* urgency is 0, 1 or 2 */
	if (in->type == WIRE_HINT_BOOL && in->num != 0 && in->num != 1)
		return 0;
	if (in->type == WIRE_HINT_STRING && !sanitize_name_valid(in->str))
		return 0;
	h->key = strdup(in->key);
	if (!h->key)
		return -ENOMEM;
	clean->n_hints++;
	h->type = in->type;
	h->num = in->num;
	if (in->type == WIRE_HINT_STRING && !(h->str = strdup(in->str)))
		return -ENOMEM;
	if (in->type == WIRE_HINT_IMAGE && (r = copy_pixmap(&in->image, &h->image, err)) < 0)
		return r;
	return 0;
}

int sanitize_notification(const struct wire_notify *in, struct wire_notify *clean, struct wire_error *err)
{
	int r;

	memset(clean, 0, sizeof(*clean));
	if (in->n_actions > WIRE_MAX_ACTIONS)
		return reject(err, "%u actions, over the limit of %u", in->n_actions, WIRE_MAX_ACTIONS);
	if (in->n_hints > WIRE_MAX_HINTS)
		return reject(err, "%u hints, over the limit of %u", in->n_hints, WIRE_MAX_HINTS);
	clean->id = in->id;
	clean->replaces_id = in->replaces_id;
	clean->expire_timeout = in->expire_timeout < -1 ? -1 : MIN(in->expire_timeout, SANITIZE_EXPIRE_MAX_MS);
	if ((r = text_field(in->app_name, SANITIZE_TITLE_MAX_CHARS, false, &clean->app_name, "app name", err)) < 0 ||
	    (r = copy_name(in->app_icon, &clean->app_icon)) < 0 ||
	    (r = text_field(in->summary, SANITIZE_SUMMARY_MAX_CHARS, false, &clean->summary, "summary", err)) < 0)
		return r;
	r = sanitize_markup(in->body, &clean->body);
	if (r == -EBADMSG)
		return reject(err, "body is not valid UTF-8");
	if (r < 0)
		return r;
	clean->actions = calloc(in->n_actions * 2 + 1, sizeof(char *));
	if (!clean->actions)
		return -ENOMEM;
	for (uint32_t i = 0; i < in->n_actions; i++) {
		const char *key = in->actions[2 * i];
		if (!sanitize_action_key_valid(key))
			return reject(err, "action key #%u does not match [A-Za-z][A-Za-z0-9._-]{0,63}", i);
		clean->n_actions++;
		if (!(clean->actions[2 * i] = strdup(key)))
			return -ENOMEM;
		if ((r = text_field(in->actions[2 * i + 1], SANITIZE_TITLE_MAX_CHARS, false,
				    &clean->actions[2 * i + 1], "action label", err)) < 0)
			return r;
	}
	clean->hints = calloc(in->n_hints + 1, sizeof(*clean->hints));
	if (!clean->hints)
		return -ENOMEM;
	for (uint32_t i = 0; i < in->n_hints; i++)
		if ((r = copy_hint(&in->hints[i], clean, err)) < 0)
			return r;
	return 0;
}

static int copy_menu(const struct wire_menu_item *in, struct wire_menu_item *out, unsigned depth,
		     unsigned *count, struct wire_error *err)
{
	int r;

	if (depth > WIRE_MENU_MAX_DEPTH)
		return reject(err, "menu deeper than %u levels", WIRE_MENU_MAX_DEPTH);
	if (++*count > WIRE_MENU_MAX_ITEMS)
		return reject(err, "menu has more than %u items", WIRE_MENU_MAX_ITEMS);
	if (in->type > WIRE_MENU_SEPARATOR || in->toggle_type > WIRE_TOGGLE_RADIO ||
	    in->toggle_state < -1 || in->toggle_state > 1)
		return reject(err, "menu item %d has out-of-range properties", in->id);
	*out = (struct wire_menu_item){ .id = in->id, .enabled = in->enabled, .visible = in->visible,
					.type = in->type, .toggle_type = in->toggle_type,
					.toggle_state = in->toggle_state };
	if ((r = text_field(in->label, SANITIZE_TITLE_MAX_CHARS, false, &out->label, "menu label", err)) < 0 ||
	    (r = copy_name(in->icon_name, &out->icon_name)) < 0)
		return r;
	if (in->n_children == 0)
		return 0;
	out->children = calloc(in->n_children, sizeof(*out->children));
	if (!out->children)
		return -ENOMEM;
	for (uint32_t i = 0; i < in->n_children; i++) {
		out->n_children++;
		if ((r = copy_menu(&in->children[i], &out->children[i], depth + 1, count, err)) < 0)
			return r;
	}
	return 0;
}

int sanitize_item(const struct wire_item *in, struct wire_item *clean, struct wire_error *err)
{
	unsigned count = 0;
	int r;

	memset(clean, 0, sizeof(*clean));
	if (in->n_icons > WIRE_MAX_PIXMAPS)
		return reject(err, "%u icon pixmaps, over the limit of %u", in->n_icons, WIRE_MAX_PIXMAPS);
	if (in->status > WIRE_STATUS_ATTENTION || in->category > WIRE_CATEGORY_HARDWARE)
		return reject(err, "item status or category out of range");
	clean->item_id = in->item_id;
	clean->status = in->status;
	clean->category = in->category;
	clean->item_is_menu = in->item_is_menu;
	if ((r = copy_name(in->id, &clean->id)) < 0 ||
	    (r = text_field(in->title, SANITIZE_TITLE_MAX_CHARS, false, &clean->title, "item title", err)) < 0 ||
	    (r = copy_name(in->icon_name, &clean->icon_name)) < 0 ||
	    (r = text_field(in->tooltip_title, SANITIZE_TITLE_MAX_CHARS, false, &clean->tooltip_title,
			    "tooltip title", err)) < 0 ||
	    (r = text_field(in->tooltip_body, SANITIZE_TITLE_MAX_CHARS, true, &clean->tooltip_body,
			    "tooltip body", err)) < 0)
		return r;
	clean->icons = calloc(in->n_icons + 1, sizeof(*clean->icons));
	if (!clean->icons)
		return -ENOMEM;
	for (uint32_t i = 0; i < in->n_icons; i++) {
		clean->n_icons++;
		if ((r = copy_pixmap(&in->icons[i], &clean->icons[i], err)) < 0)
			return r;
	}
	clean->has_menu = in->has_menu;
	if (in->has_menu) {
		if (in->menu.id != 0)
			return reject(err, "menu root id is %d, not 0", in->menu.id);
		return copy_menu(&in->menu, &clean->menu, 0, &count, err);
	}
	return 0;
}
