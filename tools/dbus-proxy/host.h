/* SPDX-License-Identifier: MIT */
/* State shared by the host role's notification (host.c) and tray (host-tray.c) halves. */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "protocol.h"
#include "ratelimit.h"
#include "roles.h"
#include "wire.h"

struct host_notification {
	bool used;
	uint32_t guest_id, host_id; /* host_id 0 until the server replied */
	uint64_t seq;               /* age, for eviction */
	char server[64];            /* unique bus name of the server that owns host_id */
};

struct host_tray;
struct host;

/* One guest tray item exported on the host bus (host-tray.c, its menu host-menu.c). */
struct host_item {
	bool used;
	uint32_t guest_id;
	DBusConnection *conn;
	struct wire_item clean; /* sanitized, titles prefixed, icons bordered */
	uint32_t revision;
	struct host *h;
};

struct host {
	const struct proxy_options *opts;
	DBusConnection *bus;
	const char *vm;
	uint32_t color;
	char color_text[8]; /* "#rrggbb" */
	int listen_fd, fd;  /* fd: the guest's connection, or -1 */
	struct frame_reader rd;
	uint64_t generation; /* counts guest connections */
	int guest_error;     /* first failed send; ends the connection */
	unsigned pending_calls; /* Notify calls waiting for the host server */
	struct rate_limit notify_rate; /* kept across guest reconnections */
	struct host_notification map[HOST_MAX_NOTIFICATIONS];
	uint64_t seq;
	struct host_tray *tray;
};

/* Sends to the connected guest; a failure is remembered in guest_error. */
int host_send_guest(struct host *h, const struct wire_msg *m);

/* Appends {key: <value>} to an a{sv} being built (value points at a basic type). */
void host_append_entry(DBusMessageIter *dict, const char *key, int type, const void *value);

/*
 * The com.canonical.dbusmenu methods of an item's /MenuBar (host-menu.c):
 * the reply (NULL when out of memory), with *handled false for a method that
 * is not dbusmenu's.
 */
DBusMessage *host_menu_call(struct host_item *item, DBusMessage *m, bool *handled);

int host_tray_setup(struct host *h);
/* ITEM_UPDATE / ITEM_REMOVE (untrusted); negative ends the connection. */
int host_tray_handle_guest(struct host *h, struct wire_msg *untrusted);
/* The guest went away: withdraw every item it had. */
void host_tray_reset(struct host *h);
void host_tray_free(struct host *h);
/* The per-item host bus connections, for the loop. Returns how many were stored. */
size_t host_tray_connections(struct host *h, DBusConnection **out, size_t max);
