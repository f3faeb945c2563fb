/* SPDX-License-Identifier: MIT */
/* The two roles of vmsilo-dbus-proxy and what main() hands them. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "seccomp-filter.h"

struct proxy_options {
	/* guest */
	const char *connect_unix; /* else kernel vsock to cid:port */
	uint32_t cid, port;
	int connect_timeout_ms;
	bool notifications, tray;
	/* host */
	const char *vm;
	uint32_t color; /* 0xRRGGBB */
	const char *listen_unix; /* else socket activation, else <runtime>/<vm>/vsock.socket_<port> */
	uint32_t notify_rate_count, notify_rate_seconds; /* notifications per period accepted */
	enum vmsilo_seccomp seccomp;
};

/* Both return the process exit code: 0 clean stop, 1 failure. */
int guest_run(const struct proxy_options *o);
int host_run(const struct proxy_options *o);

/* Installs the host role's allow-list (seccomp.c). Returns 0 or -errno. */
int seccomp_install(enum vmsilo_seccomp mode);
