/* SPDX-License-Identifier: MIT */
/* The security-context-v1 interface tables; see security-context-v1.h. */
#include "security-context-v1.h"

#include <stddef.h>

#include "macro.h"

/* create_listener's argument types: the new context object, then two fds. */
static const struct wl_interface *create_listener_types[] = {
	&wp_security_context_v1_interface,
	NULL,
	NULL,
};

static const struct wl_interface *no_types[] = { NULL };

/* Signatures: "n" new_id, "h" fd, "s" string (see wayland-util.h). */
static const struct wl_message manager_requests[] = {
	[SECURITY_CONTEXT_MANAGER_DESTROY] = { "destroy", "", no_types },
	[SECURITY_CONTEXT_MANAGER_CREATE_LISTENER] = { "create_listener", "nhh", create_listener_types },
};

static const struct wl_message context_requests[] = {
	[SECURITY_CONTEXT_DESTROY] = { "destroy", "", no_types },
	[SECURITY_CONTEXT_SET_SANDBOX_ENGINE] = { "set_sandbox_engine", "s", no_types },
	[SECURITY_CONTEXT_SET_APP_ID] = { "set_app_id", "s", no_types },
	[SECURITY_CONTEXT_SET_INSTANCE_ID] = { "set_instance_id", "s", no_types },
	[SECURITY_CONTEXT_COMMIT] = { "commit", "", no_types },
};

const struct wl_interface wp_security_context_manager_v1_interface = {
	SECURITY_CONTEXT_MANAGER_NAME, SECURITY_CONTEXT_VERSION,
	(int)ARRAY_SIZE(manager_requests), manager_requests,
	0, NULL,
};

const struct wl_interface wp_security_context_v1_interface = {
	"wp_security_context_v1", SECURITY_CONTEXT_VERSION,
	(int)ARRAY_SIZE(context_requests), context_requests,
	0, NULL,
};

const char *security_context_error_name(const struct wl_interface *iface, uint32_t code)
{
	if (iface == &wp_security_context_manager_v1_interface) {
		switch (code) {
		case SECURITY_CONTEXT_MANAGER_ERROR_INVALID_LISTEN_FD: return "invalid_listen_fd";
		case SECURITY_CONTEXT_MANAGER_ERROR_NESTED: return "nested";
		}
	} else if (iface == &wp_security_context_v1_interface) {
		switch (code) {
		case SECURITY_CONTEXT_ERROR_ALREADY_USED: return "already_used";
		case SECURITY_CONTEXT_ERROR_ALREADY_SET: return "already_set";
		case SECURITY_CONTEXT_ERROR_INVALID_METADATA: return "invalid_metadata";
		}
	}
	return "unknown";
}
