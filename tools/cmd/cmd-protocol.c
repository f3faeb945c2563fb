/* SPDX-License-Identifier: MIT */
#include "cmd-protocol.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "macro.h"
#include "strutil.h"

#define bad(why, whylen, ...) errfmt(why, whylen, -EBADMSG, __VA_ARGS__)

static const char *const env_allowed[] = {
	"LANG", "LANGUAGE", "TZ", "TERM", "COLORTERM", "NO_COLOR",
};

bool cmd_env_name_allowed(const char *name, size_t len)
{
	if (len > 3 && memcmp(name, "LC_", 3) == 0) {
		for (size_t i = 3; i < len; i++)
			if (!((name[i] >= 'A' && name[i] <= 'Z') || name[i] == '_'))
				return false;
		return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(env_allowed); i++)
		if (strlen(env_allowed[i]) == len && memcmp(env_allowed[i], name, len) == 0)
			return true;
	return false;
}

static void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* REQUEST layout: type, version, mode, 0, argc(u16), envc(u16), cwd_len(u16),
 * cwd, then argc x (u32 len, bytes), then envc x (u32 len, bytes). */
#define REQ_HEADER 10u

int cmd_request_encode(const struct cmd_request *req, uint8_t **out, size_t *len)
{
	size_t cwd_len = req->cwd ? strlen(req->cwd) : 0, total = REQ_HEADER + cwd_len, args = 0;
	uint8_t *buf, *p;

	if (req->argc == 0 || req->argc > CMD_ARGC_MAX || req->envc > CMD_ENV_MAX || cwd_len > CMD_CWD_MAX)
		return -E2BIG;
	for (size_t i = 0; i < req->argc; i++) {
		if (req->argv[i].len > CMD_ARG_MAX)
			return -E2BIG;
		args += req->argv[i].len;
		total += 4 + req->argv[i].len;
	}
	if (args > CMD_ARGS_TOTAL_MAX)
		return -E2BIG;
	for (size_t i = 0; i < req->envc; i++) {
		if (req->env[i].len > CMD_ENV_ENTRY_MAX)
			return -E2BIG;
		total += 4 + req->env[i].len;
	}
	buf = malloc(total);
	if (!buf)
		return -ENOMEM;
	p = buf;
	*p++ = CMD_REQUEST;
	*p++ = req->version;
	*p++ = req->mode;
	*p++ = 0;
	put_u16(p, (uint16_t)req->argc);
	put_u16(p + 2, (uint16_t)req->envc);
	put_u16(p + 4, (uint16_t)cwd_len);
	p += 6;
	if (cwd_len)
		memcpy(p, req->cwd, cwd_len);
	p += cwd_len;
	for (size_t i = 0; i < req->argc; i++) {
		put_u32(p, (uint32_t)req->argv[i].len);
		memcpy(p + 4, req->argv[i].data, req->argv[i].len);
		p += 4 + req->argv[i].len;
	}
	for (size_t i = 0; i < req->envc; i++) {
		put_u32(p, (uint32_t)req->env[i].len);
		memcpy(p + 4, req->env[i].data, req->env[i].len);
		p += 4 + req->env[i].len;
	}
	*out = buf;
	*len = total;
	return 0;
}

void cmd_request_free(struct cmd_request *req)
{
	for (size_t i = 0; i < req->argc; i++)
		free(req->argv[i].data);
	for (size_t i = 0; i < req->envc; i++)
		free(req->env[i].data);
	free(req->argv);
	free(req->env);
	free(req->cwd);
	memset(req, 0, sizeof(*req));
}

/* Takes one length-prefixed string at *off; copies it NUL-terminated. */
static int take_string(const uint8_t *untrusted, size_t len, size_t *off, size_t max,
		       struct cmd_bytes *out)
{
	uint32_t n;

	if (len - *off < 4)
		return -1;
	n = get_u32(untrusted + *off);
	*off += 4;
	if (n > max || n > len - *off)
		return -1;
	if (memchr(untrusted + *off, '\0', n))
		return -2;
	out->data = malloc(n + 1);
	if (!out->data)
		return -3;
	memcpy(out->data, untrusted + *off, n);
	out->data[n] = '\0';
	out->len = n;
	*off += n;
	return 0;
}

int cmd_request_decode(const uint8_t *untrusted, size_t len, struct cmd_request *req, char *why,
		       size_t whylen)
{
	size_t off = REQ_HEADER, argc, envc, cwd_len, total = 0;
	int r;

	memset(req, 0, sizeof(*req));
	if (len < REQ_HEADER || untrusted[0] != CMD_REQUEST)
		return bad(why, whylen, "not a request");
	if (untrusted[1] != CMD_PROTOCOL_VERSION)
		return bad(why, whylen, "unsupported protocol version %u (this side speaks %u)",
			   untrusted[1], CMD_PROTOCOL_VERSION);
	if (untrusted[2] != CMD_MODE_LAUNCH && untrusted[2] != CMD_MODE_PASS_IO)
		return bad(why, whylen, "unknown mode %u", untrusted[2]);
	if (untrusted[3] != 0)
		return bad(why, whylen, "reserved byte is not zero");
	argc = get_u16(untrusted + 4);
	envc = get_u16(untrusted + 6);
	cwd_len = get_u16(untrusted + 8);
	if (argc == 0)
		return bad(why, whylen, "no command given");
	if (argc > CMD_ARGC_MAX)
		return bad(why, whylen, "%zu arguments, at most %u allowed", argc, CMD_ARGC_MAX);
	if (envc > CMD_ENV_MAX)
		return bad(why, whylen, "%zu environment variables, at most %u allowed", envc, CMD_ENV_MAX);
	if (cwd_len > CMD_CWD_MAX || cwd_len > len - off)
		return bad(why, whylen, "working directory length %zu is invalid", cwd_len);
	req->version = untrusted[1];
	req->mode = untrusted[2];
	if (cwd_len) {
		if (untrusted[off] != '/' || memchr(untrusted + off, '\0', cwd_len))
			return bad(why, whylen, "working directory must be an absolute path");
		req->cwd = strndup((const char *)untrusted + off, cwd_len);
		if (!req->cwd)
			return -ENOMEM;
	}
	off += cwd_len;
	req->argv = calloc(argc, sizeof(*req->argv));
	req->env = calloc(envc ? envc : 1, sizeof(*req->env));
	if (!req->argv || !req->env) {
		cmd_request_free(req);
		return -ENOMEM;
	}
	for (size_t i = 0; i < argc; i++) {
		r = take_string(untrusted, len, &off, CMD_ARG_MAX, &req->argv[i]);
		if (r < 0) {
			cmd_request_free(req);
			return r == -3 ? -ENOMEM
			     : r == -2 ? bad(why, whylen, "argument %zu contains a NUL byte", i)
				       : bad(why, whylen, "argument %zu is truncated or over %u bytes",
					     i, CMD_ARG_MAX);
		}
		req->argc++;
		total += req->argv[i].len;
		if (total > CMD_ARGS_TOTAL_MAX) {
			cmd_request_free(req);
			return bad(why, whylen, "arguments exceed %u bytes in total", CMD_ARGS_TOTAL_MAX);
		}
	}
	if (req->argv[0].len == 0) {
		cmd_request_free(req);
		return bad(why, whylen, "the program name is empty");
	}
	for (size_t i = 0; i < envc; i++) {
		r = take_string(untrusted, len, &off, CMD_ENV_ENTRY_MAX, &req->env[i]);
		if (r < 0) {
			cmd_request_free(req);
			return r == -3 ? -ENOMEM
				       : bad(why, whylen, "environment entry %zu is malformed", i);
		}
		req->envc++;
		const char *eq = memchr(req->env[i].data, '=', req->env[i].len);
		if (!eq || !cmd_env_name_allowed(req->env[i].data, (size_t)(eq - req->env[i].data))) {
			cmd_request_free(req);
			return bad(why, whylen, "environment entry %zu is not an allowed NAME=value", i);
		}
	}
	if (off != len) {
		cmd_request_free(req);
		return bad(why, whylen, "%zu trailing bytes after the request", len - off);
	}
	return 0;
}

static bool printable_text(const uint8_t *p, size_t n)
{
	/* ASCII only: no escape sequences or C1 controls can reach a terminal. */
	for (size_t i = 0; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\n' && p[i] != '\t') || p[i] >= 0x7f)
			return false;
	return true;
}

int cmd_frame_check(const uint8_t *untrusted, size_t len, enum cmd_direction dir, char *why,
		    size_t whylen)
{
	if (len == 0)
		return bad(why, whylen, "empty frame");
	uint8_t type = untrusted[0];
	bool to_guest = dir == CMD_TO_GUEST;

	switch (type) {
	case CMD_REQUEST: {
		struct cmd_request req;
		int r;
		if (!to_guest)
			break;
		r = cmd_request_decode(untrusted, len, &req, why, whylen);
		cmd_request_free(&req);
		return r;
	}
	case CMD_STDIN:
	case CMD_STDOUT:
	case CMD_STDERR:
		if ((type == CMD_STDIN) != to_guest)
			break;
		if (len < 2 || len - 1 > CMD_DATA_MAX)
			return bad(why, whylen, "data frame of %zu bytes (1..%u allowed)", len - 1,
				   CMD_DATA_MAX);
		return 0;
	case CMD_STDIN_EOF:
		if (!to_guest)
			break;
		return len == 1 ? 0 : bad(why, whylen, "STDIN_EOF with a body");
	case CMD_STARTED:
		if (to_guest)
			break;
		if (len - 1 > CMD_MESSAGE_MAX || !printable_text(untrusted + 1, len - 1))
			return bad(why, whylen, "STARTED text is too long or not printable");
		return 0;
	case CMD_ERROR:
		if (to_guest)
			break;
		if (len < 2 || untrusted[1] == 0 || untrusted[1] > CMD_ERR__MAX)
			return bad(why, whylen, "ERROR with an unknown code");
		if (len - 2 > CMD_MESSAGE_MAX || !printable_text(untrusted + 2, len - 2))
			return bad(why, whylen, "ERROR text is too long or not printable");
		return 0;
	case CMD_EXIT:
		if (to_guest)
			break;
		if (len != 6)
			return bad(why, whylen, "EXIT frame of %zu bytes (6 expected)", len);
		if (untrusted[1] == CMD_EXIT_CODE && get_u32(untrusted + 2) <= 255)
			return 0;
		if (untrusted[1] == CMD_EXIT_SIGNAL && get_u32(untrusted + 2) >= 1 &&
		    get_u32(untrusted + 2) <= CMD_SIGNAL_MAX)
			return 0;
		return bad(why, whylen, "EXIT with an invalid status");
	default:
		return bad(why, whylen, "unknown frame type 0x%02x", type);
	}
	return bad(why, whylen, "frame type 0x%02x is not valid in this direction", type);
}

size_t cmd_build_exit(uint8_t out[6], enum cmd_exit_kind kind, uint32_t value)
{
	out[0] = CMD_EXIT;
	out[1] = (uint8_t)kind;
	put_u32(out + 2, value);
	return 6;
}

static size_t copy_text(uint8_t *out, const char *text)
{
	size_t n = 0;
	/* Printable ASCII only: the receiver refuses anything else. */
	for (; text[n] && n < CMD_MESSAGE_MAX; n++) {
		uint8_t c = (uint8_t)text[n];
		out[n] = (c < 0x20 && c != '\n' && c != '\t') || c >= 0x7f ? '?' : c;
	}
	return n;
}

size_t cmd_build_error(uint8_t *out, enum cmd_error_code code, const char *text)
{
	out[0] = CMD_ERROR;
	out[1] = (uint8_t)code;
	return 2 + copy_text(out + 2, text);
}

size_t cmd_build_started(uint8_t *out, const char *text)
{
	out[0] = CMD_STARTED;
	return 1 + copy_text(out + 1, text);
}

void cmd_parse_exit(const uint8_t *p, enum cmd_exit_kind *kind, uint32_t *value)
{
	*kind = (enum cmd_exit_kind)p[1];
	*value = get_u32(p + 2);
}

void cmd_parse_text(const uint8_t *p, size_t len, size_t skip, char *buf, size_t buflen)
{
	size_t n = len > skip ? len - skip : 0;
	if (n >= buflen)
		n = buflen - 1;
	memcpy(buf, p + skip, n);
	buf[n] = '\0';
}

int cmd_exit_status(enum cmd_exit_kind kind, uint32_t value)
{
	return kind == CMD_EXIT_SIGNAL ? 128 + (int)value : (int)value;
}

int cmd_send_error(int fd, enum cmd_error_code code, const char *text)
{
	uint8_t buf[2 + CMD_MESSAGE_MAX];

	return frame_write(fd, buf, cmd_build_error(buf, code, text), CMD_FRAME_MAX, 5000);
}
