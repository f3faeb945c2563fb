/* SPDX-License-Identifier: MIT */
/*
 * A small poll(2) loop around a few libdbus connections plus a few other
 * descriptors. libdbus's own timeouts (method-call replies) are honored, so
 * every call made through it is bounded.
 */
#pragma once

#include <dbus/dbus.h>
#include <poll.h>
#include <stddef.h>

#define BUSLOOP_MAX_TIMEOUTS 128u
#define BUSLOOP_MAX_BUSES 40u
#define BUSLOOP_MAX_EXTRA 8u

/* Installs the timeout hooks on bus. Returns 0 or -ENOMEM. */
int busloop_attach(DBusConnection *bus);

/*
 * Dispatches what the buses have queued, waits (up to max_wait_ms, negative:
 * until something happens) for a bus, the extra descriptors or a libdbus
 * timeout, then does the bus I/O and dispatches again. extra[i].revents is
 * filled for the caller. buses[0] is the main connection: returns
 * -ECONNRESET when it went away (the others are the caller's to check), 0,
 * or -errno from poll.
 */
int busloop_iterate(DBusConnection *const *buses, size_t n_buses, struct pollfd *extra,
		    size_t n_extra, int max_wait_ms);
