/* SPDX-License-Identifier: MIT */
/* crosvm control socket client; see crosvm.h. */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "crosvm.h"
#include "io.h"
#include "json-util.h"
#include "macro.h"
#include "strutil.h"

/* Parses one complete JSON value; NULL with why filled on failure. */
static struct json_object *parse_json(const char *s, size_t n, char *why, size_t whylen)
{
	struct json_tokener *tok;
	struct json_object *root;

	if (n > CROSVM_MSG_MAX || memchr(s, '\0', n)) {
		errfmt(why, whylen, -EPROTO, "answer too large or contains NUL");
		return NULL;
	}
	tok = json_tokener_new_ex(CROSVM_JSON_DEPTH);
	if (!tok) {
		errfmt(why, whylen, -ENOMEM, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, s, (int)n);
	if (root && (json_tokener_get_error(tok) != json_tokener_success || (size_t)json_tokener_get_parse_end(tok) != n)) {
		json_object_put(root);
		root = NULL;
	}
	if (!root)
		errfmt(why, whylen, -EPROTO, "answer is not one complete JSON value");
	json_tokener_free(tok);
	return root;
}

int crosvm_parse_stats(const char *untrusted, size_t n, struct crosvm_stats *st, char *why, size_t whylen)
{
	struct json_object *root = parse_json(untrusted, n, why, whylen), *bs, *stats;
	int r = -EPROTO, rt, ra;

	*st = (struct crosvm_stats){ 0 };
	if (!root)
		return -EPROTO;
	if (!json_object_is_type(root, json_type_object) || !json_object_object_get_ex(root, "BalloonStats", &bs) ||
	    !json_object_is_type(bs, json_type_object)) {
		errfmt(why, whylen, r, "not a BalloonStats answer");
		goto out;
	}
	if (json_get_u64(bs, "balloon_actual", CROSVM_MEMORY_MAX, &st->balloon_actual) < 0) {
		errfmt(why, whylen, r, "balloon_actual missing or out of range");
		goto out;
	}
	if (!json_object_object_get_ex(bs, "stats", &stats) || !json_object_is_type(stats, json_type_object)) {
		errfmt(why, whylen, r, "stats is not an object");
		goto out;
	}
	rt = json_get_u64(stats, "total_memory", CROSVM_MEMORY_MAX, &st->total_memory);
	ra = json_get_u64(stats, "available_memory", CROSVM_MEMORY_MAX, &st->available_memory);
	if (rt == -EPROTO || ra == -EPROTO) {
		errfmt(why, whylen, r, "total_memory or available_memory is not a size");
		goto out;
	}
	if (rt == 0 && ra == 0) {
		if (st->total_memory == 0 || st->available_memory > st->total_memory) {
			errfmt(why, whylen, r, "available_memory %" PRIu64 " exceeds total_memory %" PRIu64,
				 st->available_memory, st->total_memory);
			goto out;
		}
		st->have_memory = true;
	} else {
		st->total_memory = st->available_memory = 0;
	}
	r = 0;
out:
	json_object_put(root);
	return r;
}

int crosvm_parse_ok(const char *untrusted, size_t n, char *why, size_t whylen)
{
	struct json_object *root = parse_json(untrusted, n, why, whylen);
	int r;

	if (!root)
		return -EPROTO;
	if (json_object_is_type(root, json_type_string) && !strcmp(json_object_get_string(root), "Ok"))
		r = 0;
	else if (json_object_is_type(root, json_type_object) && json_object_object_get_ex(root, "Err", NULL))
		r = errfmt(why, whylen, -EIO, "crosvm answered with an error");
	else
		r = errfmt(why, whylen, -EPROTO, "unexpected answer");
	json_object_put(root);
	return r;
}

/* Sends one request packet and receives one answer packet into buf (CROSVM_MSG_MAX). */
static ssize_t exchange(const char *path, const char *req, char *buf, char *err, size_t errlen)
{
	_cleanup_close_ int fd = -1;
	int64_t deadline = deadline_after_ms(CROSVM_TIMEOUT_MS);
	ssize_t n;
	int r;

	fd = unix_connect_type(path, SOCK_SEQPACKET | SOCK_NONBLOCK);
	if (fd < 0)
		return errfmt(err, errlen, fd, "connecting to %s: %s", path, strerror(-fd));
	r = fd_wait(fd, POLLOUT, deadline);
	if (r < 0 || send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
		return errfmt(err, errlen, r < 0 ? r : -EIO, "sending the request failed");
	for (;;) {
		r = fd_wait(fd, POLLIN, deadline);
		if (r < 0)
			return errfmt(err, errlen, r, "no answer within the timeout");
		n = recv(fd, buf, CROSVM_MSG_MAX, MSG_TRUNC);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return errfmt(err, errlen, -errno, "reading the answer: %s", strerror(errno));
		if (n == 0)
			return errfmt(err, errlen, -EPROTO, "connection closed without an answer");
		if ((size_t)n > CROSVM_MSG_MAX)
			return errfmt(err, errlen, -E2BIG, "answer of %zd bytes exceeds %u", n, CROSVM_MSG_MAX);
		return n;
	}
}

int crosvm_get_stats(const char *socket_path, struct crosvm_stats *st, char *err, size_t errlen)
{
	_cleanup_free_ char *untrusted_buf = malloc(CROSVM_MSG_MAX);
	char why[160];
	ssize_t n;
	int r;

	if (!untrusted_buf)
		return errfmt(err, errlen, -ENOMEM, "out of memory");
	n = exchange(socket_path, "{\"BalloonCommand\":\"Stats\"}", untrusted_buf, err, errlen);
	if (n < 0)
		return (int)n;
	r = crosvm_parse_stats(untrusted_buf, (size_t)n, st, why, sizeof(why));
	if (r < 0)
		return errfmt(err, errlen, r, "invalid balloon stats: %s", why);
	return 0;
}

int crosvm_set_balloon(const char *socket_path, uint64_t bytes, char *err, size_t errlen)
{
	_cleanup_free_ char *untrusted_buf = malloc(CROSVM_MSG_MAX);
	char req[96], why[160];
	ssize_t n;
	int r;

	if (!untrusted_buf)
		return errfmt(err, errlen, -ENOMEM, "out of memory");
	snprintf(req, sizeof(req), "{\"BalloonCommand\":{\"Adjust\":{\"num_bytes\":%" PRIu64 "}}}", bytes);
	n = exchange(socket_path, req, untrusted_buf, err, errlen);
	if (n < 0)
		return (int)n;
	r = crosvm_parse_ok(untrusted_buf, (size_t)n, why, sizeof(why));
	if (r < 0)
		return errfmt(err, errlen, r, "balloon adjust: %s", why);
	return 0;
}
