/* SPDX-License-Identifier: MIT */
/* Host role, tray half: placeholder until StatusNotifierItem export lands. */
#include <errno.h>

#include "host.h"
#include "log.h"
#include "sanitize.h"

int host_tray_setup(struct host *h)
{
	return 0;
}

int host_tray_handle_guest(struct host *h, struct wire_msg *untrusted)
{
	struct wire_error err = { "" };
	struct wire_item clean;
	int r = 0;

	if (untrusted->type == WIRE_ITEM_UPDATE) {
		r = sanitize_item(&untrusted->item, &clean, &err);
		wire_item_free(&clean);
		if (r == -EBADMSG)
			log_error("guest of VM '%s' sent a tray item that fails sanitization: %s", h->vm,
				  err.text);
	}
	return r;
}

void host_tray_reset(struct host *h)
{
}

void host_tray_free(struct host *h)
{
}
