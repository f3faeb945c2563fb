/* SPDX-License-Identifier: MIT */
/*
 * The vmsilo-dbus-proxy wire protocol (docs/dbus-proxy-protocol.md) and every
 * limit that applies to data coming from a guest. Each message is one frame
 * (frame.h: 4-byte big-endian length, then the payload); the payload starts
 * with a version byte and a type byte. All integers are big-endian.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define DBUS_PROXY_PORT 5001u
#define WIRE_VERSION 1u

/* Hard limits of the wire format: a message over any of them is malformed. */
#define WIRE_MAX_MESSAGE (3u * 1024u * 1024u) /* one frame's payload */
#define WIRE_MAX_STRING 16384u                /* bytes in any string */
#define WIRE_MAX_ACTIONS 16u                  /* action (key, label) pairs */
#define WIRE_MAX_HINTS 16u
#define WIRE_PIXMAP_MAX_SIDE 256               /* width and height: 1..256 */
#define WIRE_MAX_PIXMAPS 8u                    /* icon pixmaps per tray item */
#define WIRE_MENU_MAX_DEPTH 8u                 /* the root is depth 0 */
#define WIRE_MENU_MAX_ITEMS 512u               /* in one menu, the root included */

/* Content limits applied by sanitize.c (characters are Unicode code points). */
#define SANITIZE_SUMMARY_MAX_CHARS 256u
#define SANITIZE_BODY_MAX_CHARS 4096u
#define SANITIZE_BODY_MAX_LINES 500u
#define SANITIZE_TITLE_MAX_CHARS 256u      /* app name, tray titles, tooltips, menu labels */
#define SANITIZE_NAME_MAX_CHARS 128u       /* icon names, desktop entries, categories, ids */
#define SANITIZE_ACTION_KEY_MAX 64u        /* [A-Za-z][A-Za-z0-9._-]{0,63} */
#define SANITIZE_EXPIRE_MAX_MS 600000       /* expire_timeout is clamped to -1..10 min */
#define SANITIZE_MARKUP_MAX_DEPTH 16u      /* nested b/i/u/a tags kept */
#define SANITIZE_URL_MAX 1024u

/* Guest-side bounds on what the guest role tracks. */
#define GUEST_MAX_ITEMS 32u
/* Host-side bounds on what the host role tracks per guest. */
#define HOST_MAX_NOTIFICATIONS 256u
#define HOST_MAX_ITEMS 32u
#define HOST_CALL_TIMEOUT_MS 5000
#define HOST_MAX_PENDING_CALLS 64u /* Notify calls in flight; below the loop's timeout slots */
/* Notifications accepted from one guest: a burst of 20, then 2 per second (--notify-rate). */
#define HOST_NOTIFY_RATE_COUNT 20u
#define HOST_NOTIFY_RATE_SECONDS 10u

enum wire_type {
	/* guest -> host */
	WIRE_NOTIFY = 0x10,
	WIRE_CLOSE_NOTIFICATION = 0x11,
	WIRE_ITEM_UPDATE = 0x20,
	WIRE_ITEM_REMOVE = 0x21,
	/* host -> guest */
	WIRE_NOTIFICATION_CLOSED = 0x80,
	WIRE_ACTION_INVOKED = 0x81,
	WIRE_ITEM_ACTIVATE = 0x90,
	WIRE_MENU_EVENT = 0x91,
	WIRE_MENU_ABOUT_TO_SHOW = 0x92,
	WIRE_ITEM_SCROLL = 0x93,
};

enum wire_hint_type {
	WIRE_HINT_STRING = 1,
	WIRE_HINT_BYTE = 2,
	WIRE_HINT_INT32 = 3,
	WIRE_HINT_BOOL = 4,
	WIRE_HINT_IMAGE = 5,
};

/* A picture as StatusNotifierItem carries it: ARGB32, network byte order, no padding. */
struct wire_pixmap {
	int32_t width, height;
	uint32_t len; /* == width * height * 4 */
	uint8_t *data;
};

struct wire_hint {
	char *key;
	uint8_t type; /* enum wire_hint_type */
	char *str;
	int32_t num; /* BYTE (0..255), INT32, BOOL (0/1) */
	struct wire_pixmap image;
};

struct wire_notify {
	uint32_t id;          /* the guest's notification id (nonzero) */
	uint32_t replaces_id; /* a guest id, or 0 */
	int32_t expire_timeout;
	char *app_name, *app_icon, *summary, *body;
	uint32_t n_actions; /* pairs */
	char **actions;     /* 2 * n_actions strings: key, label, key, label... */
	uint32_t n_hints;
	struct wire_hint *hints;
};

enum wire_menu_type { WIRE_MENU_STANDARD = 0, WIRE_MENU_SEPARATOR = 1 };
enum wire_toggle_type { WIRE_TOGGLE_NONE = 0, WIRE_TOGGLE_CHECKMARK = 1, WIRE_TOGGLE_RADIO = 2 };

/* One com.canonical.dbusmenu item with its whitelisted properties. */
struct wire_menu_item {
	int32_t id;
	char *label, *icon_name;
	bool enabled, visible;
	uint8_t type;         /* enum wire_menu_type */
	uint8_t toggle_type;  /* enum wire_toggle_type */
	int8_t toggle_state;  /* -1 indeterminate, 0 off, 1 on */
	uint32_t n_children;
	struct wire_menu_item *children;
};

enum wire_item_status { WIRE_STATUS_PASSIVE = 0, WIRE_STATUS_ACTIVE = 1, WIRE_STATUS_ATTENTION = 2 };
enum wire_item_category {
	WIRE_CATEGORY_APPLICATION = 0,
	WIRE_CATEGORY_COMMUNICATIONS = 1,
	WIRE_CATEGORY_SYSTEM = 2,
	WIRE_CATEGORY_HARDWARE = 3,
};

/* A snapshot of one StatusNotifierItem and its menu. */
struct wire_item {
	uint32_t item_id; /* the guest's handle for the item */
	char *id, *title, *icon_name, *tooltip_title, *tooltip_body;
	uint8_t status;   /* enum wire_item_status */
	uint8_t category; /* enum wire_item_category */
	bool item_is_menu;
	uint32_t n_icons;
	struct wire_pixmap *icons;
	bool has_menu;
	struct wire_menu_item menu; /* root (id 0) when has_menu */
};

enum wire_activate_kind { WIRE_ACTIVATE = 0, WIRE_SECONDARY_ACTIVATE = 1, WIRE_CONTEXT_MENU = 2 };
enum wire_orientation { WIRE_SCROLL_VERTICAL = 0, WIRE_SCROLL_HORIZONTAL = 1 };
/* Scroll deltas beyond this are clamped (120 is one wheel notch to most toolkits). */
#define WIRE_SCROLL_MAX_DELTA 1200
/* dbusmenu EventGroup / AboutToShowGroup: entries read from one call. */
#define HOST_MENU_MAX_GROUP 64u

/* Every message, decoded. Only the member matching type is filled. */
struct wire_msg {
	uint8_t type;
	struct wire_notify notify;
	struct wire_item item;
	uint32_t id;     /* CLOSE_NOTIFICATION, ITEM_REMOVE, NOTIFICATION_CLOSED, ACTION_INVOKED, ITEM_*, MENU_* */
	uint32_t reason; /* NOTIFICATION_CLOSED */
	char *action_key; /* ACTION_INVOKED */
	uint8_t activate_kind; /* ITEM_ACTIVATE */
	int32_t x, y;          /* ITEM_ACTIVATE */
	int32_t menu_id;       /* MENU_EVENT, MENU_ABOUT_TO_SHOW */
	char *event_id;        /* MENU_EVENT: "clicked", ... */
	uint32_t timestamp;    /* MENU_EVENT */
	int32_t delta;         /* ITEM_SCROLL: -WIRE_SCROLL_MAX_DELTA..WIRE_SCROLL_MAX_DELTA */
	uint8_t orientation;   /* ITEM_SCROLL: enum wire_orientation */
};
