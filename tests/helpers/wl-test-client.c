/* SPDX-License-Identifier: MIT */
/*
 * A Wayland client for tests, connecting to DISPLAY (a name under
 * $XDG_RUNTIME_DIR or an absolute socket path). Exit 1 when it cannot.
 *
 * Usage: wl-test-client globals DISPLAY
 * prints the interface of each global the compositor shows this client, one a
 * line; exit 1 if the round trip fails.
 *
 * Usage: wl-test-client MODE DISPLAY
 * breaks one rule of security-context-v1 and prints the protocol error it got
 * back ("<interface> <error name>"), or "no error". Tests use it to check that
 * the test compositor enforces the rules the published protocol sets, so tests
 * passing against it mean something.
 *   set-twice      set_sandbox_engine twice           -> already_set
 *   after-commit   set_app_id after commit            -> already_used
 *   commit-twice   commit twice                       -> already_used
 *   not-a-socket   a pipe as listen_fd                -> invalid_listen_fd
 *   not-listening  a socket without listen(2)         -> invalid_listen_fd
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wayland-client.h>

#include "security-context-v1.h"

static struct wl_proxy *manager;
static bool list_globals;

static void on_global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
		      uint32_t version)
{
	if (list_globals)
		printf("%s\n", interface);
	else if (strcmp(interface, SECURITY_CONTEXT_MANAGER_NAME) == 0)
		manager = wl_registry_bind(registry, name, &wp_security_context_manager_v1_interface, 1);
}

static void on_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener listener = { on_global, on_global_remove };

static void request(struct wl_proxy *p, uint32_t opcode, const char *arg)
{
	if (arg)
		wl_proxy_marshal_flags(p, opcode, NULL, 1, 0, arg);
	else
		wl_proxy_marshal_flags(p, opcode, NULL, 1, 0);
}

/* listen_fd for MODE: a pipe, a socket that does not listen, or a listening socket. */
static int listen_fd_for(const char *mode)
{
	static const sa_family_t autobind = AF_UNIX;
	int fds[2];

	if (strcmp(mode, "not-a-socket") == 0) {
		if (pipe(fds) < 0)
			return -1;
		close(fds[1]);
		return fds[0];
	}
	fds[0] = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fds[0] < 0 || strcmp(mode, "not-listening") == 0)
		return fds[0];
	/* an address of just the family autobinds an abstract name; unbound sockets cannot listen */
	if (bind(fds[0], (struct sockaddr *)&autobind, sizeof(autobind)) < 0 || listen(fds[0], 1) < 0) {
		close(fds[0]);
		return -1;
	}
	return fds[0];
}

int main(int argc, char **argv)
{
	const struct wl_interface *iface = NULL;
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_proxy *context;
	int close_pipe[2], listen_fd;
	uint32_t id, code;
	const char *mode;

	if (argc != 3) {
		fprintf(stderr, "usage: %s globals|MODE DISPLAY\n", argv[0]);
		return 2;
	}
	mode = argv[1];
	list_globals = strcmp(mode, "globals") == 0;
	display = wl_display_connect(argv[2]);
	if (!display) {
		perror(argv[2]);
		return 1;
	}
	registry = wl_display_get_registry(display);
	wl_registry_add_listener(registry, &listener, NULL);
	if (list_globals) {
		int r = wl_display_roundtrip(display);
		wl_registry_destroy(registry);
		wl_display_disconnect(display);
		return r < 0 ? 1 : 0;
	}
	if (wl_display_roundtrip(display) < 0 || !manager) {
		fprintf(stderr, "no %s\n", SECURITY_CONTEXT_MANAGER_NAME);
		return 1;
	}
	listen_fd = listen_fd_for(mode);
	if (listen_fd < 0 || pipe(close_pipe) < 0) {
		perror("listen_fd/close_fd");
		return 1;
	}
	context = wl_proxy_marshal_flags(manager, SECURITY_CONTEXT_MANAGER_CREATE_LISTENER,
					 &wp_security_context_v1_interface, 1, 0, NULL, listen_fd, close_pipe[0]);
	request(context, SECURITY_CONTEXT_SET_SANDBOX_ENGINE, "misuse");
	if (strcmp(mode, "set-twice") == 0)
		request(context, SECURITY_CONTEXT_SET_SANDBOX_ENGINE, "again");
	request(context, SECURITY_CONTEXT_COMMIT, NULL);
	if (strcmp(mode, "after-commit") == 0)
		request(context, SECURITY_CONTEXT_SET_APP_ID, "late");
	if (strcmp(mode, "commit-twice") == 0)
		request(context, SECURITY_CONTEXT_COMMIT, NULL);
	if (wl_display_roundtrip(display) >= 0) {
		printf("no error\n");
	} else if (wl_display_get_error(display) == EPROTO) {
		code = wl_display_get_protocol_error(display, &iface, &id);
		printf("%s %s\n", iface ? iface->name : "?", security_context_error_name(iface, code));
	} else {
		printf("connection error %s\n", strerror(wl_display_get_error(display)));
	}
	wl_proxy_destroy(context);
	wl_proxy_destroy(manager);
	wl_registry_destroy(registry);
	wl_display_disconnect(display);
	close(listen_fd);
	close(close_pipe[0]);
	close(close_pipe[1]);
	return 0;
}
