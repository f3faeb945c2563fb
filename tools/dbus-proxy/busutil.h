/* SPDX-License-Identifier: MIT */
/*
 * The libdbus boilerplate the guest role's notification server (guest.c) and
 * tray watcher (guest-tray.c) share: replies with arguments, answering a
 * method call from a filter, signals, fire-and-forget calls, and copying a
 * string from the bus within the wire's string limit.
 */
#pragma once

#include <dbus/dbus.h>

/* A method return to call carrying the arguments (as dbus_message_append_args); NULL when out of memory. */
DBusMessage *bus_reply(DBusMessage *call, int first_type, ...);

/* Sends reply (from a handler) and drops it; NULL means the handler ran out of memory. */
DBusHandlerResult bus_send_reply(DBusConnection *bus, DBusMessage *reply);

/* Emits a signal with the arguments (as dbus_message_append_args); best effort. */
void bus_emit(DBusConnection *bus, const char *path, const char *iface, const char *name, int first_type, ...);

/* Sends the method call c without waiting for a reply, and drops it. NULL is ignored. */
void bus_send_no_reply(DBusConnection *bus, DBusMessage *c);

/* A copy of s (valid UTF-8) cut to the wire's string limit at a character boundary. */
char *bus_strdup_wire(const char *s);
