/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "busutil.h"
#include "protocol.h"

DBusMessage *bus_reply(DBusMessage *call, int first_type, ...)
{
	DBusMessage *r = dbus_message_new_method_return(call);
	va_list ap;

	if (!r || first_type == DBUS_TYPE_INVALID)
		return r;
	va_start(ap, first_type);
	if (!dbus_message_append_args_valist(r, first_type, ap)) {
		dbus_message_unref(r);
		r = NULL;
	}
	va_end(ap);
	return r;
}

DBusHandlerResult bus_send_reply(DBusConnection *bus, DBusMessage *reply)
{
	if (!reply)
		return DBUS_HANDLER_RESULT_NEED_MEMORY;
	dbus_connection_send(bus, reply, NULL);
	dbus_message_unref(reply);
	return DBUS_HANDLER_RESULT_HANDLED;
}

void bus_emit(DBusConnection *bus, const char *path, const char *iface, const char *name, int first_type, ...)
{
	DBusMessage *s = dbus_message_new_signal(path, iface, name);
	va_list ap;
	dbus_bool_t ok = TRUE;

	if (!s)
		return;
	if (first_type != DBUS_TYPE_INVALID) {
		va_start(ap, first_type);
		ok = dbus_message_append_args_valist(s, first_type, ap);
		va_end(ap);
	}
	if (ok)
		dbus_connection_send(bus, s, NULL);
	dbus_message_unref(s);
}

void bus_send_no_reply(DBusConnection *bus, DBusMessage *c)
{
	if (!c)
		return;
	dbus_message_set_no_reply(c, TRUE);
	dbus_connection_send(bus, c, NULL);
	dbus_message_unref(c);
}

char *bus_strdup_wire(const char *s)
{
	size_t n = strlen(s);

	if (n > WIRE_MAX_STRING) {
		n = WIRE_MAX_STRING;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	return strndup(s, n);
}
