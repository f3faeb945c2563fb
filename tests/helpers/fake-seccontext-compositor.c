/* SPDX-License-Identifier: MIT */
/*
 * A Wayland compositor that does nothing but security-context-v1, for testing
 * vmsilo-wayland-seccontext where no installable compositor offers it. It
 * follows the protocol's published specification (wayland-protocols,
 * staging/security-context/security-context-v1.xml, version 1):
 *  - create_listener needs a listening socket (else invalid_listen_fd) and is
 *    refused to a client that itself came through a context (nested);
 *  - each set_* may be sent once (already_set), and nothing after commit
 *    (already_used);
 *  - after commit the compositor accepts clients on listen_fd until close_fd
 *    hangs up, even when the creating client has gone; the manager global is
 *    hidden from those clients, as real compositors do.
 * Besides the manager it offers one wl_output, so every client sees a global.
 * It records each step, one line each, in the --record file:
 *   listening | bound manager | create_listener | set_sandbox_engine V |
 *   set_app_id V | set_instance_id V | commit engine=E app_id=A instance_id=I |
 *   accepted app_id=A | close_fd closed app_id=A | error CODE
 *
 * Usage: fake-seccontext-compositor --socket PATH --record FILE
 *          [--no-manager] [--reject-app-id VALUE]
 * --no-manager leaves the global out (a compositor without support);
 * --reject-app-id answers that app_id with invalid_metadata.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wayland-server.h>

#include "io.h"
#include "macro.h"
#include "security-context-v1.h"

struct peer {
	struct wl_display *display;
	struct wl_global *manager_global;
	FILE *record;
	const char *reject_app_id;
	struct wl_list context_clients; /* struct context_client */
	struct wl_list contexts;        /* struct context, committed or not */
};

/* A client that connected through a committed context's socket. */
struct context_client {
	struct wl_list link;
	struct wl_client *client;
	struct wl_listener destroyed;
};

/* A wp_security_context_v1 until commit; after commit it is the listener. */
struct context {
	struct wl_list link;
	struct peer *peer;
	int listen_fd, close_fd;
	char *engine, *app_id, *instance_id;
	bool committed;
	struct wl_event_source *accept_source, *close_source;
};

_printf_(2, 3) static void record(struct peer *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(p->record, fmt, ap);
	va_end(ap);
	fputc('\n', p->record);
	fflush(p->record);
}

static void post_error(struct peer *p, struct wl_resource *r, uint32_t code, const char *what)
{
	/* libwayland 1.21 has no wl_resource_get_interface; the class is the interface name */
	const struct wl_interface *iface = strcmp(wl_resource_get_class(r), SECURITY_CONTEXT_MANAGER_NAME) == 0
		? &wp_security_context_manager_v1_interface : &wp_security_context_v1_interface;

	record(p, "error %s", security_context_error_name(iface, code));
	wl_resource_post_error(r, code, "%s", what);
}

static bool is_context_client(struct peer *p, const struct wl_client *client)
{
	struct context_client *c;

	wl_list_for_each(c, &p->context_clients, link)
		if (c->client == client)
			return true;
	return false;
}

static void context_free(struct context *c)
{
	wl_list_remove(&c->link);
	if (c->accept_source)
		wl_event_source_remove(c->accept_source);
	if (c->close_source)
		wl_event_source_remove(c->close_source);
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	if (c->close_fd >= 0)
		close(c->close_fd);
	free(c->engine);
	free(c->app_id);
	free(c->instance_id);
	free(c);
}

static void on_context_client_destroyed(struct wl_listener *l, void *data)
{
	struct context_client *c = wl_container_of(l, c, destroyed);

	wl_list_remove(&c->link);
	free(c);
}

static int on_accept(int fd, uint32_t mask, void *data)
{
	struct context *c = data;
	struct context_client *cc;
	int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

	if (conn < 0)
		return 0;
	cc = calloc(1, sizeof(*cc));
	cc->client = wl_client_create(c->peer->display, conn);
	if (!cc->client) {
		close(conn);
		free(cc);
		return 0;
	}
	cc->destroyed.notify = on_context_client_destroyed;
	wl_client_add_destroy_listener(cc->client, &cc->destroyed);
	wl_list_insert(&c->peer->context_clients, &cc->link);
	record(c->peer, "accepted app_id=%s", c->app_id ? c->app_id : "");
	return 0;
}

static int on_close_fd(int fd, uint32_t mask, void *data)
{
	struct context *c = data;

	record(c->peer, "close_fd closed app_id=%s", c->app_id ? c->app_id : "");
	context_free(c);
	return 0;
}

/* Shared by the three set_* requests: once each, and only before commit. */
static void set_field(struct wl_resource *r, char **field, const char *request, const char *value)
{
	struct context *c = wl_resource_get_user_data(r);

	if (c->committed)
		return post_error(c->peer, r, SECURITY_CONTEXT_ERROR_ALREADY_USED, "context already committed");
	if (*field)
		return post_error(c->peer, r, SECURITY_CONTEXT_ERROR_ALREADY_SET, "field already set");
	*field = strdup(value);
	record(c->peer, "%s %s", request, value);
}

static void context_set_sandbox_engine(struct wl_client *client, struct wl_resource *r, const char *v)
{
	set_field(r, &((struct context *)wl_resource_get_user_data(r))->engine, "set_sandbox_engine", v);
}

static void context_set_app_id(struct wl_client *client, struct wl_resource *r, const char *v)
{
	struct context *c = wl_resource_get_user_data(r);

	if (c->peer->reject_app_id && strcmp(v, c->peer->reject_app_id) == 0)
		return post_error(c->peer, r, SECURITY_CONTEXT_ERROR_INVALID_METADATA, "app_id refused");
	set_field(r, &c->app_id, "set_app_id", v);
}

static void context_set_instance_id(struct wl_client *client, struct wl_resource *r, const char *v)
{
	set_field(r, &((struct context *)wl_resource_get_user_data(r))->instance_id, "set_instance_id", v);
}

static void context_commit(struct wl_client *client, struct wl_resource *r)
{
	struct context *c = wl_resource_get_user_data(r);
	struct wl_event_loop *loop = wl_display_get_event_loop(c->peer->display);

	if (c->committed)
		return post_error(c->peer, r, SECURITY_CONTEXT_ERROR_ALREADY_USED, "context already committed");
	c->committed = true;
	c->accept_source = wl_event_loop_add_fd(loop, c->listen_fd, WL_EVENT_READABLE, on_accept, c);
	c->close_source = wl_event_loop_add_fd(loop, c->close_fd, WL_EVENT_READABLE, on_close_fd, c);
	record(c->peer, "commit engine=%s app_id=%s instance_id=%s", c->engine ? c->engine : "",
	       c->app_id ? c->app_id : "", c->instance_id ? c->instance_id : "");
}

static void destroy_resource(struct wl_client *client, struct wl_resource *r)
{
	wl_resource_destroy(r);
}

/* The resource goes; a committed context lives on as the listener until close_fd hangs up. */
static void context_resource_gone(struct wl_resource *r)
{
	struct context *c = wl_resource_get_user_data(r);

	if (!c->committed)
		context_free(c);
}

static const struct security_context_requests context_impl = {
	.destroy = destroy_resource,
	.set_sandbox_engine = context_set_sandbox_engine,
	.set_app_id = context_set_app_id,
	.set_instance_id = context_set_instance_id,
	.commit = context_commit,
};

static bool is_listening_socket(int fd)
{
	int on = 0;
	socklen_t len = sizeof(on);

	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on;
}

static void manager_create_listener(struct wl_client *client, struct wl_resource *r, uint32_t id,
				    int32_t listen_fd, int32_t close_fd)
{
	struct peer *p = wl_resource_get_user_data(r);
	struct wl_resource *res;
	struct context *c;

	record(p, "create_listener");
	if (is_context_client(p, client)) {
		close(listen_fd);
		close(close_fd);
		return post_error(p, r, SECURITY_CONTEXT_MANAGER_ERROR_NESTED, "nested security context");
	}
	if (!is_listening_socket(listen_fd)) {
		close(listen_fd);
		close(close_fd);
		return post_error(p, r, SECURITY_CONTEXT_MANAGER_ERROR_INVALID_LISTEN_FD,
				  "listen_fd is not a listening socket");
	}
	c = calloc(1, sizeof(*c));
	res = wl_resource_create(client, &wp_security_context_v1_interface, wl_resource_get_version(r), id);
	if (!c || !res) {
		free(c);
		close(listen_fd);
		close(close_fd);
		return wl_client_post_no_memory(client);
	}
	*c = (struct context){ .peer = p, .listen_fd = listen_fd, .close_fd = close_fd };
	wl_list_insert(&p->contexts, &c->link);
	wl_resource_set_implementation(res, &context_impl, c, context_resource_gone);
}

static const struct security_context_manager_requests manager_impl = {
	.destroy = destroy_resource,
	.create_listener = manager_create_listener,
};

static void bind_manager(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct peer *p = data;
	struct wl_resource *r = wl_resource_create(client, &wp_security_context_manager_v1_interface,
						   (int)version, id);

	if (!r)
		return wl_client_post_no_memory(client);
	wl_resource_set_implementation(r, &manager_impl, p, NULL);
	record(p, "bound manager");
}

static bool global_visible(const struct wl_client *client, const struct wl_global *global, void *data)
{
	struct peer *p = data;

	return global != p->manager_global || !is_context_client(p, client);
}

/* wl_output version 1 has no requests: a global any client may list and bind. */
static void bind_output(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	if (!wl_resource_create(client, &wl_output_interface, 1, id))
		wl_client_post_no_memory(client);
}

static int on_signal(int sig, void *data)
{
	wl_display_terminate(data);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "record", required_argument, NULL, 'r' },
		{ "no-manager", no_argument, NULL, 'n' },
		{ "reject-app-id", required_argument, NULL, 'a' },
		{ 0 },
	};
	const char *socket_path = NULL, *record_path = NULL;
	bool manager = true;
	struct peer p = { 0 };
	struct wl_event_loop *loop;
	struct wl_event_source *sigterm, *sigint;
	struct context *ctx, *tmp;
	int c, fd;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': socket_path = optarg; break;
		case 'r': record_path = optarg; break;
		case 'n': manager = false; break;
		case 'a': p.reject_app_id = optarg; break;
		default: return 2;
		}
	}
	if (!socket_path || !record_path) {
		fprintf(stderr, "usage: %s --socket PATH --record FILE [--no-manager] [--reject-app-id V]\n",
			argv[0]);
		return 2;
	}
	p.record = fopen(record_path, "w");
	if (!p.record) {
		perror(record_path);
		return 1;
	}
	wl_list_init(&p.context_clients);
	wl_list_init(&p.contexts);
	p.display = wl_display_create();
	loop = wl_display_get_event_loop(p.display);
	fd = unix_listen(socket_path, 16);
	if (fd < 0 || wl_display_add_socket_fd(p.display, fd) < 0) {
		fprintf(stderr, "cannot listen on %s: %s\n", socket_path, strerror(fd < 0 ? -fd : errno));
		return 1;
	}
	wl_global_create(p.display, &wl_output_interface, 1, NULL, bind_output);
	if (manager)
		p.manager_global = wl_global_create(p.display, &wp_security_context_manager_v1_interface,
						    SECURITY_CONTEXT_VERSION, &p, bind_manager);
	wl_display_set_global_filter(p.display, global_visible, &p);
	sigterm = wl_event_loop_add_signal(loop, SIGTERM, on_signal, p.display);
	sigint = wl_event_loop_add_signal(loop, SIGINT, on_signal, p.display);
	record(&p, "listening");
	wl_display_run(p.display);
	wl_display_destroy_clients(p.display);
	wl_list_for_each_safe(ctx, tmp, &p.contexts, link)
		context_free(ctx);
	wl_event_source_remove(sigterm); /* the event loop does not free them */
	wl_event_source_remove(sigint);
	wl_display_destroy(p.display);
	unlink(socket_path);
	fclose(p.record);
	return 0;
}
