/* SPDX-License-Identifier: MIT */
/* cloud-hypervisor API client; see ch-api.h. */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ch-api.h"
#include "io.h"
#include "json-util.h"
#include "macro.h"
#include "strutil.h"

static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_field_char(char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f) || (unsigned char)c >= 0x80;
}

/* Finds the CRLF ending the line at p (within end). NULL if absent yet. Bare CR/LF: *bad. */
static const char *line_end(const char *p, const char *end, bool *bad)
{
	for (const char *q = p; q < end; q++) {
		if (*q == '\r') {
			if (q + 1 == end)
				return NULL;
			if (q[1] != '\n')
				*bad = true;
			return q;
		}
		if (*q == '\n') {
			*bad = true;
			return q;
		}
	}
	return NULL;
}

static int parse_status_line(const char *p, size_t len, unsigned *status, char *why, size_t whylen)
{
	if (len < 12 || (memcmp(p, "HTTP/1.1 ", 9) && memcmp(p, "HTTP/1.0 ", 9)))
		return errfmt(why, whylen, -EPROTO, "status line does not start with HTTP/1.x");
	for (int i = 9; i < 12; i++)
		if (p[i] < '0' || p[i] > '9')
			return errfmt(why, whylen, -EPROTO, "status code is not three digits");
	*status = (unsigned)((p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0'));
	if (*status < 200 || *status > 599)
		return errfmt(why, whylen, -EPROTO, "unexpected status %u", *status);
	if (len > 12 && p[12] != ' ')
		return errfmt(why, whylen, -EPROTO, "no space after the status code");
	for (size_t i = 13; i < len; i++)
		if (!is_field_char(p[i]))
			return errfmt(why, whylen, -EPROTO, "control character in the reason phrase");
	return 0;
}

/* One "Name: value" line. Updates *content_length (-1: none yet). */
static int parse_header(const char *p, size_t len, long long *content_length, char *why, size_t whylen)
{
	const char *colon = memchr(p, ':', len), *v, *vend = p + len;
	size_t name_len;
	unsigned long long cl = 0;

	if (!colon || colon == p)
		return errfmt(why, whylen, -EPROTO, "header line without a name");
	name_len = (size_t)(colon - p);
	for (size_t i = 0; i < name_len; i++)
		if (!is_tchar(p[i]))
			return errfmt(why, whylen, -EPROTO, "invalid character in a header name");
	for (v = colon + 1; v < vend && (*v == ' ' || *v == '\t'); v++)
		;
	while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
		vend--;
	for (const char *q = v; q < vend; q++)
		if (!is_field_char(*q))
			return errfmt(why, whylen, -EPROTO, "control character in a header value");

	if (name_len == 17 && !strncasecmp(p, "Transfer-Encoding", 17))
		return errfmt(why, whylen, -EPROTO, "Transfer-Encoding is not supported");
	if (name_len != 14 || strncasecmp(p, "Content-Length", 14))
		return 0;
	if (*content_length >= 0)
		return errfmt(why, whylen, -EPROTO, "more than one Content-Length");
	if (v == vend || vend - v > 10)
		return errfmt(why, whylen, -EPROTO, "Content-Length is empty or too long");
	for (const char *q = v; q < vend; q++) {
		if (*q < '0' || *q > '9')
			return errfmt(why, whylen, -EPROTO, "Content-Length is not a decimal number");
		cl = cl * 10 + (unsigned)(*q - '0');
	}
	if (cl > CH_API_BODY_MAX)
		return errfmt(why, whylen, -E2BIG, "Content-Length %llu exceeds %u", cl, CH_API_BODY_MAX);
	*content_length = (long long)cl;
	return 0;
}

int ch_http_parse_response(const char *buf, size_t n, struct ch_http_response *resp, char *why, size_t whylen)
{
	const char *p = buf, *end = buf + MIN(n, (size_t)CH_API_HEADER_MAX), *e;
	long long content_length = -1;
	unsigned lines = 0;
	bool bad = false;
	int r;

	*resp = (struct ch_http_response){ 0 };
	for (;;) {
		e = line_end(p, end, &bad);
		if (bad)
			return errfmt(why, whylen, -EPROTO, "line not ended by CRLF");
		if (!e) {
			if (n >= CH_API_HEADER_MAX)
				return errfmt(why, whylen, -E2BIG, "headers exceed %u bytes", CH_API_HEADER_MAX);
			return 0;
		}
		if (lines == 0)
			r = parse_status_line(p, (size_t)(e - p), &resp->status, why, whylen);
		else if (e == p)
			break; /* the blank line */
		else if (*p == ' ' || *p == '\t')
			r = errfmt(why, whylen, -EPROTO, "folded header lines are not supported");
		else
			r = parse_header(p, (size_t)(e - p), &content_length, why, whylen);
		if (r < 0)
			return r;
		if (++lines > CH_API_HEADER_LINES_MAX)
			return errfmt(why, whylen, -E2BIG, "more than %u header lines", CH_API_HEADER_LINES_MAX);
		p = e + 2;
	}
	resp->header_len = (size_t)(e + 2 - buf);
	resp->body_off = resp->header_len;
	if (content_length < 0) {
		/* Only bodiless answers may omit the length; we never read to EOF. */
		if (resp->status != 204 && resp->status != 304)
			return errfmt(why, whylen, -EPROTO, "status %u without Content-Length", resp->status);
		content_length = 0;
	}
	resp->body_len = (size_t)content_length;
	if (n - resp->header_len < resp->body_len)
		return 0;
	return (int)(resp->header_len + resp->body_len);
}

static struct json_object *get_member(struct json_object *obj, const char *key, enum json_type type)
{
	struct json_object *v = NULL;

	if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

int ch_parse_vm_info(const char *body, size_t n, struct ch_vm_info *info, char *why, size_t whylen)
{
	struct json_tokener *tok;
	struct json_object *root, *config, *memory, *balloon, *state;
	int r;

	*info = (struct ch_vm_info){ .running = true };
	if (n > CH_API_BODY_MAX)
		return errfmt(why, whylen, -EPROTO, "body larger than %u bytes", CH_API_BODY_MAX);
	if (memchr(body, '\0', n))
		return errfmt(why, whylen, -EPROTO, "NUL byte in the JSON body");
	tok = json_tokener_new_ex(CH_API_JSON_DEPTH);
	if (!tok)
		return errfmt(why, whylen, -ENOMEM, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, body, (int)n);
	if (!root || json_tokener_get_error(tok) != json_tokener_success || (size_t)json_tokener_get_parse_end(tok) != n) {
		r = errfmt(why, whylen, -EPROTO, "body is not one complete JSON value (%s)",
			     json_tokener_error_desc(json_tokener_get_error(tok)));
		goto out;
	}
	r = -EPROTO;
	if (!json_object_is_type(root, json_type_object)) {
		errfmt(why, whylen, r, "body is not a JSON object");
		goto out;
	}
	config = get_member(root, "config", json_type_object);
	memory = get_member(config, "memory", json_type_object);
	if (!memory || json_get_u64(memory, "size", CH_API_MEMORY_MAX, &info->memory) < 0 || info->memory == 0) {
		errfmt(why, whylen, r, "config.memory.size missing or not in 1..%llu", (unsigned long long)CH_API_MEMORY_MAX);
		goto out;
	}
	balloon = get_member(config, "balloon", json_type_object);
	if (balloon) {
		if (json_get_u64(balloon, "size", info->memory, &info->balloon) < 0) {
			errfmt(why, whylen, r, "config.balloon.size missing or larger than the memory");
			goto out;
		}
		info->has_balloon = true;
	}
	switch (json_get_u64(root, "memory_actual_size", info->memory, &info->memory_actual)) {
	case 0:
		info->has_actual = true;
		break;
	case -ENOENT:
		break;
	default:
		errfmt(why, whylen, r, "memory_actual_size is not in 0..config.memory.size");
		goto out;
	}
	if (json_object_object_get_ex(root, "state", &state)) {
		if (!json_object_is_type(state, json_type_string)) {
			errfmt(why, whylen, r, "state is not a string");
			goto out;
		}
		info->running = !strcmp(json_object_get_string(state), "Running");
	}
	r = 0;
out:
	json_object_put(root);
	json_tokener_free(tok);
	return r;
}

static int api_connect(const char *path, char *err, size_t errlen)
{
	int fd = unix_connect_type(path, SOCK_STREAM | SOCK_NONBLOCK);

	if (fd < 0)
		return errfmt(err, errlen, fd, "connecting to %s: %s", path, strerror(-fd));
	return fd;
}

/* One request/response exchange. On success *out holds the response and resp describes it. */
static int api_exchange(const char *path, const char *request, size_t request_len,
			struct ch_http_response *resp, char **out, char *err, size_t errlen)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	int64_t deadline = deadline_after_ms(CH_API_TIMEOUT_MS);
	size_t have = 0;
	char why[160] = "";
	int r;

	fd = api_connect(path, err, errlen);
	if (fd < 0)
		return fd;
	r = write_all(fd, request, request_len, CH_API_TIMEOUT_MS);
	if (r < 0)
		return errfmt(err, errlen, r, "sending the request: %s", strerror(-r));
	buf = malloc(CH_API_RESPONSE_MAX);
	if (!buf)
		return errfmt(err, errlen, -ENOMEM, "out of memory");
	for (;;) {
		ssize_t got;
		r = fd_wait(fd, POLLIN, deadline);
		if (r < 0)
			return errfmt(err, errlen, r, "reading the response: %s",
					r == -ETIMEDOUT ? "no complete answer within the timeout" : strerror(-r));
		got = read(fd, buf + have, CH_API_RESPONSE_MAX - have);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got < 0)
			return errfmt(err, errlen, -errno, "reading the response: %s", strerror(errno));
		if (got == 0)
			return errfmt(err, errlen, -EPROTO, "connection closed after %zu bytes, before a complete response", have);
		have += (size_t)got;
		r = ch_http_parse_response(buf, have, resp, why, sizeof(why));
		if (r < 0)
			return errfmt(err, errlen, r, "malformed response: %s", why);
		if (r > 0) {
			if ((size_t)r != have)
				return errfmt(err, errlen, -EPROTO, "malformed response: %zu bytes after the body", have - (size_t)r);
			break;
		}
		if (have == CH_API_RESPONSE_MAX)
			return errfmt(err, errlen, -E2BIG, "response larger than %u bytes", CH_API_RESPONSE_MAX);
	}
	*out = steal_ptr(buf);
	return 0;
}

static int status_error(const struct ch_http_response *resp, const char *buf, char *err, size_t errlen)
{
	char text[96];

	str_escape(buf + resp->body_off, MIN(resp->body_len, (size_t)64), text, sizeof(text));
	return errfmt(err, errlen, -EIO, "HTTP status %u: %s", resp->status, text);
}

int ch_api_get_info(const char *socket_path, struct ch_vm_info *info, char *err, size_t errlen)
{
	static const char req[] = "GET /api/v1/vm.info HTTP/1.1\r\nHost: localhost\r\n"
				  "Accept: application/json\r\nConnection: close\r\n\r\n";
	struct ch_http_response resp;
	_cleanup_free_ char *untrusted_buf = NULL;
	char why[160];
	int r;

	r = api_exchange(socket_path, req, sizeof(req) - 1, &resp, &untrusted_buf, err, errlen);
	if (r < 0)
		return r;
	if (resp.status != 200)
		return status_error(&resp, untrusted_buf, err, errlen);
	r = ch_parse_vm_info(untrusted_buf + resp.body_off, resp.body_len, info, why, sizeof(why));
	if (r < 0)
		return errfmt(err, errlen, r, "invalid vm.info: %s", why);
	return 0;
}

int ch_api_set_balloon(const char *socket_path, uint64_t bytes, char *err, size_t errlen)
{
	struct ch_http_response resp;
	_cleanup_free_ char *untrusted_buf = NULL;
	char body[64], req[256];
	int blen, rlen, r;

	blen = snprintf(body, sizeof(body), "{\"desired_balloon\":%" PRIu64 "}", bytes);
	rlen = snprintf(req, sizeof(req),
			"PUT /api/v1/vm.resize HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n"
			"Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
			blen, body);
	if (blen < 0 || rlen < 0 || (size_t)rlen >= sizeof(req))
		return errfmt(err, errlen, -EINVAL, "request too long");
	r = api_exchange(socket_path, req, (size_t)rlen, &resp, &untrusted_buf, err, errlen);
	if (r < 0)
		return r;
	if (resp.status < 200 || resp.status > 299)
		return status_error(&resp, untrusted_buf, err, errlen);
	return 0;
}
