/* SPDX-License-Identifier: MIT */
/*
 * Host role: accepts the guest's connection, decodes and sanitizes every
 * message at the boundary, and re-exports the result on the host session
 * bus: notifications to the host's org.freedesktop.Notifications (marked
 * with the VM's name and color), their close and action signals back to the
 * guest. The first malformed message ends the guest's connection.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <systemd/sd-daemon.h>

#include "busloop.h"
#include "frame.h"
#include "host.h"
#include "log.h"
#include "paths.h"
#include "pixmap.h"
#include "sanitize.h"
#include "vsock.h"
#include "wire.h"

#define NOTIFY_NAME "org.freedesktop.Notifications"
#define NOTIFY_PATH "/org/freedesktop/Notifications"

/* ---- the guest id <-> host id map ------------------------------------------ */

static struct host_notification *map_find_guest(struct host *h, uint32_t guest_id)
{
	for (size_t i = 0; i < HOST_MAX_NOTIFICATIONS; i++)
		if (h->map[i].used && h->map[i].guest_id == guest_id)
			return &h->map[i];
	return NULL;
}

static struct host_notification *map_find_host(struct host *h, uint32_t host_id, const char *sender)
{
	for (size_t i = 0; i < HOST_MAX_NOTIFICATIONS; i++)
		if (h->map[i].used && h->map[i].host_id == host_id && host_id != 0 &&
		    sender && strcmp(sender, h->map[i].server) == 0)
			return &h->map[i];
	return NULL;
}

/* A free slot, or the oldest one: the map never grows past its limit. */
static struct host_notification *map_new(struct host *h, uint32_t guest_id)
{
	struct host_notification *e = map_find_guest(h, guest_id), *oldest = &h->map[0];

	if (e)
		return e;
	for (size_t i = 0; i < HOST_MAX_NOTIFICATIONS; i++) {
		if (!h->map[i].used) {
			oldest = &h->map[i];
			break;
		}
		if (h->map[i].seq < oldest->seq)
			oldest = &h->map[i];
	}
	*oldest = (struct host_notification){ .used = true, .guest_id = guest_id, .seq = ++h->seq };
	return oldest;
}

/* ---- guest -> host ---------------------------------------------------------- */

void host_append_entry(DBusMessageIter *dict, const char *key, int type, const void *value)
{
	DBusMessageIter e, v;
	char sig[2] = { (char)type, 0 };

	dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &e);
	dbus_message_iter_append_basic(&e, DBUS_TYPE_STRING, &key);
	dbus_message_iter_open_container(&e, DBUS_TYPE_VARIANT, sig, &v);
	dbus_message_iter_append_basic(&v, type, value);
	dbus_message_iter_close_container(&e, &v);
	dbus_message_iter_close_container(dict, &e);
}

/* image-data (iiibiiay) from a clean ARGB32 pixmap, with the VM-colored border. */
static void append_image(DBusMessageIter *dict, struct wire_pixmap *px, uint32_t color)
{
	DBusMessageIter e, v, st, arr;
	const char *key = "image-data";
	int32_t rowstride = px->width * 4, bps = 8, channels = 4;
	dbus_bool_t alpha = TRUE;
	uint8_t *rgba = NULL;

	if (pixmap_tint_border(px, color) < 0 || pixmap_to_rgba(px, &rgba) < 0)
		return;
	dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &e);
	dbus_message_iter_append_basic(&e, DBUS_TYPE_STRING, &key);
	dbus_message_iter_open_container(&e, DBUS_TYPE_VARIANT, "(iiibiiay)", &v);
	dbus_message_iter_open_container(&v, DBUS_TYPE_STRUCT, NULL, &st);
	dbus_message_iter_append_basic(&st, DBUS_TYPE_INT32, &px->width);
	dbus_message_iter_append_basic(&st, DBUS_TYPE_INT32, &px->height);
	dbus_message_iter_append_basic(&st, DBUS_TYPE_INT32, &rowstride);
	dbus_message_iter_append_basic(&st, DBUS_TYPE_BOOLEAN, &alpha);
	dbus_message_iter_append_basic(&st, DBUS_TYPE_INT32, &bps);
	dbus_message_iter_append_basic(&st, DBUS_TYPE_INT32, &channels);
	dbus_message_iter_open_container(&st, DBUS_TYPE_ARRAY, "y", &arr);
	dbus_message_iter_append_fixed_array(&arr, DBUS_TYPE_BYTE, &rgba, (int)px->len);
	dbus_message_iter_close_container(&st, &arr);
	dbus_message_iter_close_container(&v, &st);
	dbus_message_iter_close_container(&e, &v);
	dbus_message_iter_close_container(dict, &e);
	free(rgba);
}

static DBusMessage *build_notify(struct host *h, struct wire_notify *n, uint32_t replaces)
{
	DBusMessage *m = dbus_message_new_method_call(NOTIFY_NAME, NOTIFY_PATH, NOTIFY_NAME, "Notify");
	DBusMessageIter it, arr;
	char *summary = NULL;
	const char *color = h->color_text, *vm = h->vm;

	if (!m || asprintf(&summary, "[%s] %s", h->vm, n->summary) < 0) {
		if (m)
			dbus_message_unref(m);
		return NULL;
	}
	dbus_message_iter_init_append(m, &it);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &n->app_name);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_UINT32, &replaces);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &n->app_icon);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &summary);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &n->body);
	dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s", &arr);
	for (uint32_t i = 0; i < n->n_actions * 2; i++)
		dbus_message_iter_append_basic(&arr, DBUS_TYPE_STRING, &n->actions[i]);
	dbus_message_iter_close_container(&it, &arr);
	dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &arr);
	for (uint32_t i = 0; i < n->n_hints; i++) {
		struct wire_hint *hint = &n->hints[i];
		uint8_t byte = (uint8_t)hint->num;
		dbus_bool_t b = hint->num != 0;
		switch (hint->type) {
		case WIRE_HINT_STRING:
			host_append_entry(&arr, hint->key, DBUS_TYPE_STRING, &hint->str);
			break;
		case WIRE_HINT_BYTE:
			host_append_entry(&arr, hint->key, DBUS_TYPE_BYTE, &byte);
			break;
		case WIRE_HINT_BOOL:
			host_append_entry(&arr, hint->key, DBUS_TYPE_BOOLEAN, &b);
			break;
		case WIRE_HINT_INT32:
			host_append_entry(&arr, hint->key, DBUS_TYPE_INT32, &hint->num);
			break;
		case WIRE_HINT_IMAGE:
			append_image(&arr, &hint->image, h->color);
			break;
		}
	}
	host_append_entry(&arr, "x-vmsilo-vm", DBUS_TYPE_STRING, &vm);
	host_append_entry(&arr, "x-vmsilo-color", DBUS_TYPE_STRING, &color);
	dbus_message_iter_close_container(&it, &arr);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_INT32, &n->expire_timeout);
	free(summary);
	return m;
}

struct notify_call {
	struct host *h;
	uint64_t generation; /* the guest connection that asked */
	uint32_t guest_id;
};

static void notify_call_free(void *data)
{
	struct notify_call *c = data;
	c->h->pending_calls--;
	free(c);
}

static void on_notify_reply(DBusPendingCall *pc, void *data)
{
	struct notify_call *c = data;
	struct host *h = c->h;
	DBusMessage *reply = dbus_pending_call_steal_reply(pc);
	DBusError e = DBUS_ERROR_INIT;
	struct host_notification *entry;
	uint32_t host_id;

	if (!reply)
		return;
	if (c->generation != h->generation) {
		dbus_message_unref(reply);
		return;
	}
	if (dbus_set_error_from_message(&e, reply) ||
	    !dbus_message_get_args(reply, &e, DBUS_TYPE_UINT32, &host_id, DBUS_TYPE_INVALID)) {
		log_warn("the host notification server refused notification %u: %s", c->guest_id, e.message);
		dbus_error_free(&e);
		dbus_message_unref(reply);
		return;
	}
	entry = map_new(h, c->guest_id);
	entry->host_id = host_id;
	snprintf(entry->server, sizeof(entry->server), "%s",
		 dbus_message_get_sender(reply) ? dbus_message_get_sender(reply) : "");
	log_debug("guest notification %u is host notification %u", c->guest_id, host_id);
	dbus_message_unref(reply);
}

static int forward_notify(struct host *h, const struct wire_notify *untrusted)
{
	struct wire_error err = { "" };
	struct wire_notify clean;
	struct host_notification *old;
	struct notify_call *call;
	DBusPendingCall *pc = NULL;
	DBusMessage *m;
	uint32_t guest_id;
	int r;

	r = sanitize_notification(untrusted, &clean, &err);
	if (r < 0) {
		wire_notify_free(&clean);
		if (r == -EBADMSG)
			log_error("guest of VM '%s' sent a notification that fails sanitization: %s",
				  h->vm, err.text);
		return r;
	}
	/* replacing: the guest reuses its id, or names an id it used before */
	old = map_find_guest(h, clean.id);
	if (!old && clean.replaces_id)
		old = map_find_guest(h, clean.replaces_id);
	if (h->pending_calls >= HOST_MAX_PENDING_CALLS) {
		/* the host server is slower than the guest: shed load, keep the connection */
		log_warn("VM '%s' has %u notifications waiting for the host server; dropping one",
			 h->vm, h->pending_calls);
		wire_notify_free(&clean);
		return 0;
	}
	guest_id = clean.id;
	m = build_notify(h, &clean, old ? old->host_id : 0);
	wire_notify_free(&clean);
	call = malloc(sizeof(*call));
	if (!m || !call) {
		free(call);
		if (m)
			dbus_message_unref(m);
		return -ENOMEM;
	}
	*call = (struct notify_call){ .h = h, .generation = h->generation, .guest_id = guest_id };
	if (!dbus_connection_send_with_reply(h->bus, m, &pc, HOST_CALL_TIMEOUT_MS) || !pc ||
	    !dbus_pending_call_set_notify(pc, on_notify_reply, call, notify_call_free)) {
		free(call);
		dbus_message_unref(m);
		if (pc)
			dbus_pending_call_unref(pc);
		return log_error_errno(ENOMEM, "cannot send a notification to the host bus");
	}
	h->pending_calls++;
	dbus_pending_call_unref(pc);
	dbus_message_unref(m);
	return 0;
}

static void close_on_host(struct host *h, uint32_t guest_id)
{
	struct host_notification *e = map_find_guest(h, guest_id);
	DBusMessage *m;

	if (!e || e->host_id == 0)
		return;
	m = dbus_message_new_method_call(NOTIFY_NAME, NOTIFY_PATH, NOTIFY_NAME, "CloseNotification");
	if (!m)
		return;
	dbus_message_append_args(m, DBUS_TYPE_UINT32, &e->host_id, DBUS_TYPE_INVALID);
	dbus_message_set_no_reply(m, TRUE);
	dbus_connection_send(h->bus, m, NULL);
	dbus_message_unref(m);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * The rate limit: a guest that sends faster loses the excess, not its
 * connection, and never makes the host queue. One warning when dropping
 * starts, one count when it ends, so the log stays bounded too.
 */
static bool notify_admitted(struct host *h)
{
	struct rate_limit *r = &h->notify_rate;
	uint64_t dropped = r->dropped;

	if (!rate_limit_take(r, now_ms())) {
		if (dropped == 0)
			log_warn("VM '%s' sends notifications faster than %u per %u s: dropping the excess",
				 h->vm, r->count, (unsigned)(r->period_ms / 1000u));
		return false;
	}
	if (dropped) {
		log_warn("dropped %llu notifications from VM '%s' over the rate limit",
			 (unsigned long long)dropped, h->vm);
		r->dropped = 0;
	}
	return true;
}

/* Handles one decoded message; a negative return ends the guest's connection. */
static int handle_guest_message(struct host *h, struct wire_msg *untrusted)
{
	switch (untrusted->type) {
	case WIRE_NOTIFY:
		if (!h->opts->notifications) {
			log_debug("notifications are off for VM '%s': dropped one", h->vm);
			return 0;
		}
		if (!notify_admitted(h))
			return 0;
		return forward_notify(h, &untrusted->notify);
	case WIRE_CLOSE_NOTIFICATION:
		close_on_host(h, untrusted->id);
		return 0;
	case WIRE_ITEM_UPDATE:
	case WIRE_ITEM_REMOVE:
		if (!h->opts->tray) {
			log_debug("the tray is off for VM '%s': dropped %s", h->vm, wire_type_name(untrusted->type));
			return 0;
		}
		return host_tray_handle_guest(h, untrusted);
	default:
		log_error("guest of VM '%s' sent %s, which only the host may send", h->vm,
			  wire_type_name(untrusted->type));
		return -EBADMSG;
	}
}

/* ---- host -> guest ---------------------------------------------------------- */

int host_send_guest(struct host *h, const struct wire_msg *m)
{
	int r;

	if (h->fd < 0)
		return -ENOTCONN;
	r = wire_send(h->fd, m);
	if (r < 0 && !h->guest_error)
		h->guest_error = r;
	return r;
}

/*
 * The notification server's signals are broadcast: any connection on the host
 * bus can emit one with any id. Only the server that answered our Notify call
 * (its unique name is kept with the id) is believed, and only for ids this
 * proxy forwarded for its own VM; everything else is dropped here.
 */
static DBusHandlerResult on_signal(DBusConnection *bus, DBusMessage *m, void *data)
{
	struct host *h = data;
	struct wire_msg out = { 0 };
	struct host_notification *e;
	const char *sender = dbus_message_get_sender(m), *key, *name;
	uint32_t host_id, reason;
	bool closed;

	if (dbus_message_is_signal(m, NOTIFY_NAME, "NotificationClosed"))
		closed = true;
	else if (dbus_message_is_signal(m, NOTIFY_NAME, "ActionInvoked"))
		closed = false;
	else
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	name = closed ? "NotificationClosed" : "ActionInvoked";
	if (closed ? !dbus_message_get_args(m, NULL, DBUS_TYPE_UINT32, &host_id, DBUS_TYPE_UINT32, &reason,
					    DBUS_TYPE_INVALID)
		   : !dbus_message_get_args(m, NULL, DBUS_TYPE_UINT32, &host_id, DBUS_TYPE_STRING, &key,
					    DBUS_TYPE_INVALID))
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	e = map_find_host(h, host_id, sender);
	if (!e) {
		log_debug("ignored %s for notification %u from %s: not a notification of VM '%s' shown by that sender",
			  name, host_id, sender ? sender : "(no sender)", h->vm);
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	}
	if (closed) {
		out = (struct wire_msg){ .type = WIRE_NOTIFICATION_CLOSED, .id = e->guest_id, .reason = reason };
		e->used = false;
	} else {
		out = (struct wire_msg){ .type = WIRE_ACTION_INVOKED, .id = e->guest_id, .action_key = (char *)key };
	}
	host_send_guest(h, &out);
	return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

/* ---- connections -------------------------------------------------------------- */

static void guest_disconnect(struct host *h, const char *why)
{
	log_info("guest of VM '%s' disconnected: %s", h->vm, why);
	close(h->fd);
	h->fd = -1;
	h->generation++;
	frame_reader_next(&h->rd);
	memset(h->map, 0, sizeof(h->map));
	host_tray_reset(h);
}

static void read_guest(struct host *h)
{
	struct wire_error err = { "" };
	struct wire_msg untrusted;
	int r = frame_reader_read(&h->rd, h->fd);

	if (r == FRAME_MORE)
		return;
	if (r == FRAME_EOF)
		return guest_disconnect(h, "end of stream");
	if (r == -EMSGSIZE) {
		log_error("guest of VM '%s' announced a message over %u bytes", h->vm, WIRE_MAX_MESSAGE);
		return guest_disconnect(h, "malformed message");
	}
	if (r == -EPROTO) {
		log_error("guest of VM '%s' closed the connection inside a message (truncated frame)", h->vm);
		return guest_disconnect(h, "malformed message");
	}
	if (r < 0) {
		log_error_errno(r, "reading from the guest of VM '%s' failed", h->vm);
		return guest_disconnect(h, "read error");
	}
	r = wire_decode(h->rd.buf, h->rd.len, &untrusted, &err);
	if (r < 0)
		log_error("guest of VM '%s' sent a malformed message: %s", h->vm, err.text);
	else
		r = handle_guest_message(h, &untrusted);
	wire_msg_free(&untrusted);
	frame_reader_next(&h->rd);
	if (r < 0)
		guest_disconnect(h, r == -EBADMSG ? "malformed message" : strerror(-r));
}

static void accept_guest(struct host *h)
{
	int fd = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn_errno(errno, "accepting a guest connection failed");
		return;
	}
	if (h->fd >= 0) {
		/* one guest per VM: a second connection replaces the first */
		guest_disconnect(h, "replaced by a new connection");
	}
	h->fd = fd;
	h->guest_error = 0;
	log_info("guest of VM '%s' connected", h->vm);
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return log_error_errno(ENAMETOOLONG, "listening path %s is too long", path);
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return log_error_errno(errno, "socket failed");
	if ((unlink(path) < 0 && errno != ENOENT) || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 8) < 0) {
		int e = errno;
		close(fd);
		return log_error_errno(e, "cannot listen on %s", path);
	}
	return fd;
}

static int setup_listen(struct host *h, const struct proxy_options *o)
{
	struct vsock_error err = { "" };
	char path[4096];
	int n = sd_listen_fds(1);

	if (n > 1)
		return log_error_errno(EINVAL, "expected one socket from systemd, got %d", n);
	if (n == 1) {
		h->listen_fd = SD_LISTEN_FDS_START;
		return 0;
	}
	if (o->listen_unix) {
		h->listen_fd = listen_unix(o->listen_unix);
		return h->listen_fd < 0 ? h->listen_fd : 0;
	}
	if (vm_runtime_path(path, sizeof(path), o->vm, "vsock.socket") < 0)
		return log_error_errno(ENAMETOOLONG, "runtime path for VM '%s' is too long", o->vm);
	h->listen_fd = vsock_hybrid_listen(path, o->port, &err);
	if (h->listen_fd < 0)
		return log_error_errno(h->listen_fd, "cannot listen for VM '%s': %s", o->vm, err.text);
	return 0;
}

static int setup_bus(struct host *h)
{
	DBusError e = DBUS_ERROR_INIT;

	h->bus = dbus_bus_get_private(DBUS_BUS_SESSION, &e);
	if (!h->bus) {
		log_error("cannot connect to the host session bus: %s", e.message);
		dbus_error_free(&e);
		return -ENOTCONN;
	}
	dbus_connection_set_exit_on_disconnect(h->bus, FALSE);
	if (busloop_attach(h->bus) < 0 || !dbus_connection_add_filter(h->bus, on_signal, h, NULL))
		return -ENOMEM;
	dbus_bus_add_match(h->bus, "type='signal',interface='" NOTIFY_NAME "',path='" NOTIFY_PATH "'", &e);
	if (dbus_error_is_set(&e)) {
		log_error("cannot subscribe to notification signals: %s", e.message);
		dbus_error_free(&e);
		return -EIO;
	}
	return host_tray_setup(h);
}

static volatile sig_atomic_t stop_requested;
static void on_stop(int sig)
{
	stop_requested = 1;
}

int host_run(const struct proxy_options *o)
{
	struct host h = { .opts = o, .vm = o->vm, .color = o->color, .listen_fd = -1, .fd = -1 };
	int r, rc = 1;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	snprintf(h.color_text, sizeof(h.color_text), "#%06x", o->color & 0xffffffu);
	frame_reader_init(&h.rd, WIRE_MAX_MESSAGE);
	rate_limit_init(&h.notify_rate, o->notify_rate_count, o->notify_rate_seconds, now_ms());
	if (setup_bus(&h) < 0 || setup_listen(&h, o) < 0)
		goto out;
	if ((r = seccomp_install(o->seccomp)) < 0) {
		log_error_errno(r, "cannot install the seccomp filter");
		goto out;
	}
	log_info("proxying%s%s for VM '%s' (color %s, at most %u notifications per %u s)",
		 o->notifications ? " notifications" : "", o->tray ? " tray items" : "", h.vm, h.color_text,
		 o->notify_rate_count, o->notify_rate_seconds);
	sd_notify(0, "READY=1");
	while (!stop_requested) {
		struct pollfd p[2] = { { .fd = h.listen_fd, .events = POLLIN }, { .fd = h.fd, .events = POLLIN } };
		DBusConnection *buses[1 + HOST_MAX_ITEMS] = { h.bus };
		size_t n_buses = 1 + host_tray_connections(&h, buses + 1, HOST_MAX_ITEMS);
		r = busloop_iterate(buses, n_buses, p, h.fd >= 0 ? 2 : 1, 1000);
		if (r < 0) {
			log_error_errno(r, "lost the host session bus");
			goto out;
		}
		if (p[0].revents)
			accept_guest(&h);
		else if (h.fd >= 0 && p[1].revents)
			read_guest(&h);
		if (h.fd >= 0 && h.guest_error) {
			log_error_errno(h.guest_error, "sending to the guest of VM '%s' failed", h.vm);
			guest_disconnect(&h, "write error");
		}
	}
	rc = 0;
out:
	if (h.fd >= 0)
		close(h.fd);
	if (h.listen_fd >= 0)
		close(h.listen_fd);
	frame_reader_free(&h.rd);
	host_tray_free(&h);
	if (h.bus) {
		dbus_connection_close(h.bus);
		dbus_connection_unref(h.bus);
	}
	return rc;
}
