/* SPDX-License-Identifier: MIT */
#include "vsock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "io.h"
#include "log.h"
#include "macro.h"
#include "paths.h"
#include "strutil.h"

/* r is an errno value of either sign; the result is negative */
#define fail(err, r, ...) \
	errfmt((err) ? (err)->text : NULL, sizeof((err)->text), -abs(r), __VA_ARGS__)

int vsock_parse_cid(const char *s, size_t n, uint32_t *cid)
{
	char buf[VSOCK_CID_FILE_MAX + 1];
	uint32_t v;

	if (n > 0 && s[n - 1] == '\n')
		n--;
	if (n == 0 || n > 10)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strlen(buf) != n || parse_u32(buf, &v) < 0)
		return -EINVAL;
	if (v < VSOCK_CID_MIN || v > VSOCK_CID_MAX)
		return -ERANGE;
	*cid = v;
	return 0;
}

int vsock_hybrid_parse_reply(const char *buf, size_t n, uint32_t *host_port)
{
	static const char prefix[] = "OK ";
	size_t i;
	uint64_t v = 0;

	for (i = 0; i < n && i < 3; i++)
		if (buf[i] != prefix[i])
			return -EPROTO;
	for (; i < n; i++) {
		char c = buf[i];
		if (i >= VSOCK_HYBRID_REPLY_MAX)
			return -E2BIG;
		if (c == '\n') {
			if (i == 3)
				return -EPROTO; /* "OK \n": no port */
			*host_port = (uint32_t)v;
			return (int)(i + 1);
		}
		if (c < '0' || c > '9' || i >= 3 + 10)
			return -EPROTO;
		v = v * 10 + (uint64_t)(c - '0');
		if (v > UINT32_MAX)
			return -EPROTO;
	}
	if (n >= VSOCK_HYBRID_REPLY_MAX)
		return -E2BIG;
	return 0;
}

int vsock_resolve_vm(const char *vm, struct vsock_addr *addr, struct vsock_error *err)
{
	char dir[PATH_MAX], sock[PATH_MAX], cidpath[PATH_MAX];
	char buf[VSOCK_CID_FILE_MAX + 1];
	_cleanup_close_ int fd = -1;
	struct stat st;
	ssize_t n;
	int r;

	const char *why = vm_name_invalid_reason(vm);
	if (why)
		return fail(err, -EINVAL, "invalid VM name '%s': %s", vm, why);
	if (vm_runtime_path(dir, sizeof(dir), vm, NULL) < 0 ||
	    vm_runtime_path(sock, sizeof(sock), vm, "vsock.socket") < 0 ||
	    vm_runtime_path(cidpath, sizeof(cidpath), vm, "cid") < 0)
		return fail(err, -ENAMETOOLONG, "runtime path for VM '%s' is too long", vm);

	memset(addr, 0, sizeof(*addr));
	snprintf(addr->vm, sizeof(addr->vm), "%s", vm);
	if (stat(sock, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return fail(err, -ENOTSOCK, "%s exists but is not a socket", sock);
		if (strlen(sock) >= sizeof(addr->path))
			return fail(err, -ENAMETOOLONG, "socket path %s is too long for a unix socket", sock);
		addr->kind = VSOCK_HYBRID;
		snprintf(addr->path, sizeof(addr->path), "%s", sock);
		return 0;
	}
	fd = open(cidpath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno != ENOENT)
			return fail(err, -errno, "cannot open %s: %s", cidpath, strerror(errno));
		return fail(err, -ENOENT,
			    "VM '%s' is not running: neither %s nor %s exists "
			    "(start it with vm-start %s, or see systemctl status vmsilo-%s-vm.service)",
			    vm, sock, cidpath, vm, vm);
	}
	n = read_full(fd, buf, VSOCK_CID_FILE_MAX + 1, 1000);
	if (n < 0)
		return fail(err, (int)n, "cannot read %s: %s", cidpath, strerror((int)-n));
	r = vsock_parse_cid(buf, (size_t)n, &addr->cid);
	if (r < 0 || (size_t)n > VSOCK_CID_FILE_MAX) {
		char shown[64];
		str_escape(buf, (size_t)n, shown, sizeof(shown));
		return fail(err, -EINVAL, "%s does not hold a valid CID (3..4294967294): \"%s\"", cidpath,
			    shown);
	}
	addr->kind = VSOCK_KERNEL;
	return 0;
}

int vsock_connect_hybrid(const char *path, uint32_t port, int timeout_ms, struct vsock_error *err)
{
	_cleanup_close_ int fd = -1;
	int64_t deadline = deadline_after_ms(timeout_ms);
	char req[32], reply[VSOCK_HYBRID_REPLY_MAX + 1];
	size_t got = 0;
	uint32_t host_port;
	int r;

	fd = unix_connect(path);
	if (fd < 0) {
		r = fd;
		if (r == -ENAMETOOLONG)
			return fail(err, r, "socket path %s is too long", path);
		if (r == -ENOENT)
			return fail(err, r, "%s does not exist (is the VM running?)", path);
		if (r == -ECONNREFUSED)
			return fail(err, r, "nobody accepts connections on %s (VMM not running?)", path);
		return fail(err, r, "cannot connect to %s: %s", path, strerror(-r));
	}
	snprintf(req, sizeof(req), "CONNECT %u\n", port);
	r = write_all(fd, req, strlen(req), deadline_left_ms(deadline));
	if (r < 0)
		return fail(err, r == -EPIPE ? -ECONNRESET : r, "sending CONNECT %u to %s: %s", port, path,
			    strerror(-r));

	/* Byte by byte: whatever follows the newline already belongs to the guest. */
	for (;;) {
		ssize_t n = read_full(fd, reply + got, 1, deadline_left_ms(deadline));
		if (n < 0) {
			if (n == -ETIMEDOUT)
				return fail(err, -ETIMEDOUT,
					    "no handshake reply for port %u from %s within %d ms", port,
					    path, timeout_ms);
			return fail(err, (int)n, "reading handshake reply for port %u from %s: %s",
				    port, path, strerror((int)-n));
		}
		if (n == 0)
			return fail(err, -ECONNRESET,
				    "the guest refused port %u (connection closed during the handshake "
				    "on %s; is anything listening on port %u in the guest?)",
				    port, path, port);
		got++;
		r = vsock_hybrid_parse_reply(reply, got, &host_port);
		if (r > 0)
			break;
		if (r < 0) {
			char shown[4 * VSOCK_HYBRID_REPLY_MAX + 8];
			/* Show the whole line the VMM sent, not just the first bad byte. */
			while (got < VSOCK_HYBRID_REPLY_MAX && reply[got - 1] != '\n' &&
			       read_full(fd, reply + got, 1, 100) == 1)
				got++;
			str_escape(reply, got, shown, sizeof(shown));
			return fail(err, -EPROTO, "unexpected handshake reply for port %u from %s: \"%s\"",
				    port, path, shown);
		}
	}
	return steal_fd(&fd);
}

int vsock_connect_kernel(uint32_t cid, uint32_t port, int timeout_ms, struct vsock_error *err)
{
	struct sockaddr_vm sa = { .svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port };
	_cleanup_close_ int fd = -1;
	socklen_t len = sizeof(int);
	int soerr = 0, r;

	fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		if (errno == EAFNOSUPPORT)
			return fail(err, -errno, "this kernel has no AF_VSOCK support");
		return fail(err, -errno, "socket(AF_VSOCK): %s", strerror(errno));
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno != EINPROGRESS)
			return fail(err, -errno, "connecting to CID %u port %u: %s", cid, port,
				    strerror(errno));
		r = fd_wait(fd, POLLOUT, deadline_after_ms(timeout_ms));
		if (r < 0)
			return fail(err, r, "connecting to CID %u port %u: %s", cid, port, strerror(-r));
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
			return fail(err, -errno, "getsockopt: %s", strerror(errno));
		if (soerr)
			return fail(err, -soerr, "connecting to CID %u port %u: %s", cid, port,
				    strerror(soerr));
	}
	r = fd_set_nonblock(fd, false);
	if (r < 0)
		return fail(err, r, "fcntl: %s", strerror(-r));
	return steal_fd(&fd);
}

int vsock_connect(const struct vsock_addr *addr, uint32_t port, int timeout_ms, struct vsock_error *err)
{
	struct vsock_addr resolved;
	int r;

	if (addr->kind == VSOCK_AUTO) {
		r = vsock_resolve_vm(addr->vm, &resolved, err);
		if (r < 0)
			return r;
		addr = &resolved;
	}
	if (addr->kind == VSOCK_HYBRID)
		return vsock_connect_hybrid(addr->path, port, timeout_ms, err);
	return vsock_connect_kernel(addr->cid, port, timeout_ms, err);
}

int vsock_error_is_transient(int r)
{
	switch (-r) {
	case ENOENT:       /* VMM socket or cid file not there yet */
	case ECONNREFUSED: /* VMM not listening yet */
	case ECONNRESET:   /* guest port not listening yet */
	case EPIPE:
	case ETIMEDOUT:
	case ENODEV:
	case EHOSTUNREACH:
		return 1;
	default:
		return 0;
	}
}

/* Sleeps ms, through signals unless *stop is set. */
static void sleep_ms(int ms, const volatile sig_atomic_t *stop)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !(stop && *stop))
		;
}

int vsock_connect_retry(const struct vsock_addr *addr, uint32_t port, int timeout_ms,
			struct vsock_error *err)
{
	return vsock_connect_retry_until(addr, port, timeout_ms, err, NULL);
}

int vsock_connect_retry_until(const struct vsock_addr *addr, uint32_t port, int timeout_ms,
			      struct vsock_error *err, const volatile sig_atomic_t *stop)
{
	int64_t deadline = deadline_after_ms(timeout_ms);
	int backoff = VSOCK_RETRY_MIN_MS;

	for (;;) {
		if (stop && *stop)
			return -EINTR;
		int left = deadline_left_ms(deadline);
		int hs = timeout_ms == 0 ? VSOCK_HANDSHAKE_TIMEOUT_MS
		       : left < 0        ? VSOCK_HANDSHAKE_TIMEOUT_MS
					 : MIN(left, VSOCK_HANDSHAKE_TIMEOUT_MS);
		int r = vsock_connect(addr, port, MAX(hs, 1), err);
		if (r >= 0 || !vsock_error_is_transient(r))
			return r;
		left = deadline_left_ms(deadline);
		if (timeout_ms == 0 || left == 0)
			return r;
		log_debug("port %u not reachable yet (%s); retrying in %d ms", port,
			  err ? err->text : "", backoff);
		sleep_ms(left < 0 ? backoff : MIN(backoff, left), stop);
		backoff = MIN(backoff * 2, VSOCK_RETRY_MAX_MS);
	}
}

int vsock_hybrid_listen(const char *socket_path, uint32_t port, struct vsock_error *err)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s_%u", socket_path, port), fd;

	if (n < 0 || (size_t)n >= sizeof(path))
		return fail(err, -ENAMETOOLONG, "listening path %s_%u is too long", socket_path, port);
	fd = unix_listen(path, 64);
	if (fd < 0)
		return fail(err, fd, "listening on %s: %s", path, strerror(-fd));
	return fd;
}
