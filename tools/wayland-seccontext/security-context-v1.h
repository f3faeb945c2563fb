/* SPDX-License-Identifier: MIT */
/*
 * The security-context-v1 Wayland protocol (staging in wayland-protocols
 * 1.32 and later), written out by hand because Debian 12 ships
 * wayland-protocols 1.31 without it. Only the wire description lives here:
 * interface names, versions, request signatures and opcodes, and error codes,
 * taken from the protocol's published documentation. The program and the test
 * compositor in tests/helpers/ both link security-context-v1.c, so they agree
 * on the wire by construction; the test compositor checks the semantics.
 *
 * Neither interface has events. Request opcodes are the index in the tables.
 */
#pragma once

#include <stdint.h>
#include <wayland-util.h>

#define SECURITY_CONTEXT_MANAGER_NAME "wp_security_context_manager_v1"
#define SECURITY_CONTEXT_VERSION 1

extern const struct wl_interface wp_security_context_manager_v1_interface;
extern const struct wl_interface wp_security_context_v1_interface;

/* wp_security_context_manager_v1 requests */
enum {
	SECURITY_CONTEXT_MANAGER_DESTROY = 0,         /* destructor */
	SECURITY_CONTEXT_MANAGER_CREATE_LISTENER = 1, /* new_id context, fd listen_fd, fd close_fd */
};

/* wp_security_context_manager_v1 errors */
enum {
	SECURITY_CONTEXT_MANAGER_ERROR_INVALID_LISTEN_FD = 1, /* listen_fd is not a listening socket */
	SECURITY_CONTEXT_MANAGER_ERROR_NESTED = 2,            /* the caller already has a context */
};

/* wp_security_context_v1 requests */
enum {
	SECURITY_CONTEXT_DESTROY = 0,            /* destructor; a committed listener lives on */
	SECURITY_CONTEXT_SET_SANDBOX_ENGINE = 1, /* string */
	SECURITY_CONTEXT_SET_APP_ID = 2,         /* string */
	SECURITY_CONTEXT_SET_INSTANCE_ID = 3,    /* string */
	SECURITY_CONTEXT_COMMIT = 4,
};

/* wp_security_context_v1 errors */
enum {
	SECURITY_CONTEXT_ERROR_ALREADY_USED = 1,     /* a request after commit */
	SECURITY_CONTEXT_ERROR_ALREADY_SET = 2,      /* a metadata field set twice */
	SECURITY_CONTEXT_ERROR_INVALID_METADATA = 3, /* the compositor rejects a value */
};

/* A protocol error's name for messages ("nested", "already_set"...), or "unknown". */
const char *security_context_error_name(const struct wl_interface *iface, uint32_t code);

/*
 * Server-side request handlers, in opcode order, for wl_resource_set_implementation.
 * Pointers to struct wl_client and struct wl_resource; declared here without
 * wayland-server.h so the client side need not include it.
 */
struct wl_client;
struct wl_resource;

struct security_context_manager_requests {
	void (*destroy)(struct wl_client *client, struct wl_resource *resource);
	void (*create_listener)(struct wl_client *client, struct wl_resource *resource, uint32_t id,
				int32_t listen_fd, int32_t close_fd);
};

struct security_context_requests {
	void (*destroy)(struct wl_client *client, struct wl_resource *resource);
	void (*set_sandbox_engine)(struct wl_client *client, struct wl_resource *resource, const char *name);
	void (*set_app_id)(struct wl_client *client, struct wl_resource *resource, const char *app_id);
	void (*set_instance_id)(struct wl_client *client, struct wl_resource *resource, const char *instance_id);
	void (*commit)(struct wl_client *client, struct wl_resource *resource);
};
