/* SPDX-License-Identifier: MIT */
#include "busloop.h"

#include <errno.h>
#include <string.h>

#include "io.h"
#include "macro.h"



static struct {
	DBusTimeout *t;
	int64_t deadline; /* -1 while disabled */
} timeouts[BUSLOOP_MAX_TIMEOUTS];

static void arm(size_t i)
{
	timeouts[i].deadline = dbus_timeout_get_enabled(timeouts[i].t)
				       ? now_ms() + dbus_timeout_get_interval(timeouts[i].t)
				       : -1;
}

static dbus_bool_t add_timeout(DBusTimeout *t, void *data)
{
	for (size_t i = 0; i < BUSLOOP_MAX_TIMEOUTS; i++)
		if (!timeouts[i].t) {
			timeouts[i].t = t;
			arm(i);
			return TRUE;
		}
	return FALSE; /* libdbus treats this as out of memory and fails the call */
}

static void remove_timeout(DBusTimeout *t, void *data)
{
	for (size_t i = 0; i < BUSLOOP_MAX_TIMEOUTS; i++)
		if (timeouts[i].t == t)
			timeouts[i].t = NULL;
}

static void toggle_timeout(DBusTimeout *t, void *data)
{
	for (size_t i = 0; i < BUSLOOP_MAX_TIMEOUTS; i++)
		if (timeouts[i].t == t)
			arm(i);
}

int busloop_attach(DBusConnection *bus)
{
	if (!dbus_connection_set_timeout_functions(bus, add_timeout, remove_timeout, toggle_timeout,
						   NULL, NULL))
		return -ENOMEM;
	return 0;
}

static void dispatch_all(DBusConnection *bus)
{
	/* bounded: each round handles one message, and the queue holds what was read */
	for (unsigned i = 0; i < 10000; i++)
		if (dbus_connection_dispatch(bus) != DBUS_DISPATCH_DATA_REMAINS)
			break;
}

int busloop_iterate(DBusConnection *const *buses, size_t n_buses, struct pollfd *extra,
		    size_t n_extra, int max_wait_ms)
{
	struct pollfd p[BUSLOOP_MAX_BUSES + BUSLOOP_MAX_EXTRA];
	int wait = max_wait_ms;
	int64_t now;

	if (n_extra > BUSLOOP_MAX_EXTRA || n_buses < 1 || n_buses > BUSLOOP_MAX_BUSES)
		return -EINVAL;
	for (size_t b = 0; b < n_buses; b++) {
		int fd = -1;
		dispatch_all(buses[b]);
		if (!dbus_connection_get_unix_fd(buses[b], &fd))
			fd = -1;
		p[b] = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (dbus_connection_has_messages_to_send(buses[b]))
			p[b].events |= POLLOUT;
	}
	if (!dbus_connection_get_is_connected(buses[0]))
		return -ECONNRESET;
	memcpy(p + n_buses, extra, n_extra * sizeof(*extra));
	now = now_ms();
	for (size_t i = 0; i < BUSLOOP_MAX_TIMEOUTS; i++)
		if (timeouts[i].t && timeouts[i].deadline >= 0) {
			int left = (int)MAX(0, MIN(timeouts[i].deadline - now, (int64_t)86400000));
			wait = wait < 0 ? left : MIN(wait, left);
		}
	if (poll(p, n_buses + n_extra, wait) < 0)
		return errno == EINTR ? 0 : -errno;
	memcpy(extra, p + n_buses, n_extra * sizeof(*extra));
	for (size_t b = 0; b < n_buses; b++)
		if (p[b].revents)
			dbus_connection_read_write(buses[b], 0);
	now = now_ms();
	for (size_t i = 0; i < BUSLOOP_MAX_TIMEOUTS; i++)
		if (timeouts[i].t && timeouts[i].deadline >= 0 && timeouts[i].deadline <= now) {
			DBusTimeout *t = timeouts[i].t;
			arm(i); /* periodic until removed or disabled */
			dbus_timeout_handle(t);
		}
	for (size_t b = 0; b < n_buses; b++)
		dispatch_all(buses[b]);
	return dbus_connection_get_is_connected(buses[0]) ? 0 : -ECONNRESET;
}
