/* SPDX-License-Identifier: MIT */
/* Guest role, tray half: placeholder until StatusNotifierWatcher support lands. */
#include <errno.h>

#include "guest.h"
#include "log.h"

int guest_tray_setup(struct guest *g)
{
	log_error("tray forwarding is not implemented yet");
	return -EOPNOTSUPP;
}

void guest_tray_poll(struct guest *g)
{
}

void guest_tray_handle_host(struct guest *g, const struct wire_msg *m)
{
}

void guest_tray_free(struct guest *g)
{
}
