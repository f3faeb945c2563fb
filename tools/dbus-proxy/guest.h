/* SPDX-License-Identifier: MIT */
/* State shared by the guest role's notification (guest.c) and tray (guest-tray.c) halves. */
#pragma once

#include <dbus/dbus.h>
#include <stdint.h>

#include "frame.h"
#include "roles.h"
#include "wire.h"

struct guest_tray;

struct guest {
	DBusConnection *bus;
	int fd; /* to the host */
	struct frame_reader rd;
	uint32_t next_id;
	int host_error; /* first failed send; ends the loop */
	struct guest_tray *tray;
};

int guest_tray_setup(struct guest *g);
/* Sends snapshots of items whose state changed since the last call. */
void guest_tray_poll(struct guest *g);
void guest_tray_handle_host(struct guest *g, const struct wire_msg *m);
void guest_tray_free(struct guest *g);
