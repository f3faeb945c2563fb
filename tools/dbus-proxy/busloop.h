/* SPDX-License-Identifier: MIT */
/*
 * A small poll(2) loop around one libdbus connection plus a few other
 * descriptors. libdbus's own timeouts (method-call replies) are honored, so
 * every call made through it is bounded.
 */
#pragma once

#include <dbus/dbus.h>
#include <poll.h>
#include <stddef.h>

#define BUSLOOP_MAX_TIMEOUTS 64u

/* Installs the timeout hooks on bus. Returns 0 or -ENOMEM. */
int busloop_attach(DBusConnection *bus);

/*
 * Dispatches what the bus has queued, waits (up to max_wait_ms, negative:
 * until something happens) for the bus, the extra descriptors or a libdbus
 * timeout, then does the bus I/O and dispatches again. extra[i].revents is
 * filled for the caller. Returns 0, -ECONNRESET when the bus went away, or
 * -errno from poll.
 */
int busloop_iterate(DBusConnection *bus, struct pollfd *extra, size_t n_extra, int max_wait_ms);
