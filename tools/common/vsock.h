/* SPDX-License-Identifier: MIT */
/*
 * Reaching a guest's vsock port from the host.
 *
 *  - kernel AF_VSOCK: connect to (CID, port); crosvm VMs. The CID lives in
 *    <runtime>/<vm>/cid.
 *  - cloud-hypervisor "hybrid" vsock: the VMM listens on a unix socket,
 *    <runtime>/<vm>/vsock.socket. The host connects, writes "CONNECT <port>\n"
 *    and reads "OK <host-port>\n"; after that the stream is the guest's.
 *    When nothing listens on the guest port, the VMM closes the connection.
 *    Guest-initiated connections to host port P arrive on "<socket>_<P>".
 *
 * All functions return -errno and, where given, fill a human-readable reason.
 */
#pragma once

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/* "OK 4294967295\n" is 14 bytes; anything longer than this is not a reply. */
#define VSOCK_HYBRID_REPLY_MAX 32u
#define VSOCK_CID_MIN 3u              /* 0-2 are hypervisor, local and host */
#define VSOCK_CID_MAX 0xfffffffeu     /* 0xffffffff is VMADDR_CID_ANY */
#define VSOCK_CID_FILE_MAX 32u        /* bytes read from a cid file */
#define VSOCK_HANDSHAKE_TIMEOUT_MS 10000
#define VSOCK_RETRY_MIN_MS 50
#define VSOCK_RETRY_MAX_MS 1000

enum vsock_kind {
	VSOCK_AUTO,   /* resolve from the VM name on every attempt */
	VSOCK_HYBRID, /* unix socket + CONNECT handshake */
	VSOCK_KERNEL, /* AF_VSOCK */
};

struct vsock_addr {
	enum vsock_kind kind;
	char vm[65];    /* for VSOCK_AUTO and for messages */
	char path[108]; /* VSOCK_HYBRID: the VMM's unix socket */
	uint32_t cid;   /* VSOCK_KERNEL */
};

struct vsock_error {
	char text[512];
};

/* Decimal CID in [3, 0xfffffffe]; a single trailing newline is allowed. */
int vsock_parse_cid(const char *s, size_t n, uint32_t *cid);

/*
 * Parses the VMM's handshake reply at the start of buf.
 * Returns the bytes consumed (> 0) and sets *host_port; 0 when buf is a valid
 * prefix that needs more bytes; -EPROTO when it cannot be a reply; -E2BIG when
 * no newline came within VSOCK_HYBRID_REPLY_MAX bytes.
 */
int vsock_hybrid_parse_reply(const char *buf, size_t n, uint32_t *host_port);

/* Fills addr for the VM: vsock.socket -> hybrid, else cid -> kernel, else -ENOENT. */
int vsock_resolve_vm(const char *vm, struct vsock_addr *addr, struct vsock_error *err);

int vsock_connect_hybrid(const char *path, uint32_t port, int timeout_ms, struct vsock_error *err);
int vsock_connect_kernel(uint32_t cid, uint32_t port, int timeout_ms, struct vsock_error *err);
/* One attempt at addr (resolving VSOCK_AUTO first). Returns a connected fd. */
int vsock_connect(const struct vsock_addr *addr, uint32_t port, int timeout_ms, struct vsock_error *err);

/* True for failures that a booting guest or a starting VMM produce. */
int vsock_error_is_transient(int r);

/*
 * Retries vsock_connect with exponential backoff until timeout_ms has passed
 * (timeout 0: exactly one attempt). Returns the fd or the last error.
 */
int vsock_connect_retry(const struct vsock_addr *addr, uint32_t port, int timeout_ms,
			struct vsock_error *err);
/*
 * The same, for a program with signal handlers: once *stop is non-zero (set
 * by a handler; a signal interrupts the wait between attempts) it gives up
 * with -EINTR.
 */
int vsock_connect_retry_until(const struct vsock_addr *addr, uint32_t port, int timeout_ms,
			      struct vsock_error *err, const volatile sig_atomic_t *stop);

/* Listens for guest-initiated connections to host port `port`: binds "<socket_path>_<port>". */
int vsock_hybrid_listen(const char *socket_path, uint32_t port, struct vsock_error *err);
