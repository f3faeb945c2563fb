/* SPDX-License-Identifier: MIT */
/*
 * The second half of the boundary: turns decoded guest data (untrusted_*)
 * into what the host may show. Whitelists only: characters, markup tags,
 * URL schemes, hint names, properties. Limits live in protocol.h.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "protocol.h"
#include "wire.h"

/*
 * Plain text: drops control, bidi-override and non-character code points,
 * turns tabs (and, unless multiline, newlines) into spaces, and cuts at
 * max_chars code points. -EBADMSG for invalid UTF-8, -ENOMEM.
 */
int sanitize_text(const char *untrusted, unsigned max_chars, bool multiline, char **out);
/*
 * Notification body: the text rules above plus markup reduced to <b>, <i>,
 * <u> and <a href="http(s)://|mailto:">, balanced and well-formed, entities
 * kept only when known; everything else (img, unknown tags, javascript: links)
 * removed. At most SANITIZE_BODY_MAX_CHARS visible characters and
 * SANITIZE_BODY_MAX_LINES lines.
 */
int sanitize_markup(const char *untrusted, char **out);
/* [A-Za-z][A-Za-z0-9._-]{0,63} */
bool sanitize_action_key_valid(const char *key);
/* Icon names, desktop entries, categories, item ids: [A-Za-z0-9._+-]{1,128}. */
bool sanitize_name_valid(const char *s);
/* ARGB32, 1..256 square-ish sides, exactly width*height*4 bytes. */
bool sanitize_pixmap_valid(const struct wire_pixmap *px);

/*
 * Builds *clean from *untrusted (clean is fully owned, free with
 * wire_notify_free). Soft rules change the data (truncation, character and
 * markup filtering, dropping hints that are not whitelisted, x-vmsilo-* and
 * app icons that are not names). Hard rules reject with -EBADMSG and a
 * reason: a bad action key, an oversized list or pixmap, invalid UTF-8.
 */
int sanitize_notification(const struct wire_notify *untrusted, struct wire_notify *clean,
			  struct wire_error *err);
/* Same for a tray item snapshot, its icons and its menu. */
int sanitize_item(const struct wire_item *untrusted, struct wire_item *clean, struct wire_error *err);

/* Code points that never reach the host (controls, bidi and invisible marks, non-characters). */
bool sanitize_cp_forbidden(uint32_t cp);

/* Whitelisted notification hints; everything else is dropped. */
bool sanitize_hint_allowed(const char *key, uint8_t type);
