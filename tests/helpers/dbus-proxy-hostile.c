/* SPDX-License-Identifier: MIT */
/*
 * A hostile guest for vmsilo-dbus-proxy's host role: connects to the host
 * role's socket, sends one crafted message (docs/dbus-proxy-protocol.md, built
 * byte by byte, not with the proxy's encoder, so it can break every rule), and
 * reports whether the host hung up.
 *
 *   dbus-proxy-hostile SOCKET CASE
 *
 * Every crafted notification carries the summary "EVIL" so a test can check
 * that none reached the host bus. CASE "valid" sends a good notification with
 * the summary "GOOD" and expects the connection to stay open; CASE "flood"
 * sends 200 good notifications ("FLOOD <n>") back to back and expects the same.
 * Exit: 0 the host behaved as expected, 1 it did not, 2 usage.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define HANGUP_WAIT_MS 5000 /* a malformed message: the host must hang up */
#define STAY_OPEN_MS 500     /* a valid one: the connection must survive this long */
#define FLOOD_COUNT 200

static uint32_t notify_id = 7;

static uint8_t *buf;
static size_t len, cap;

static void put(const void *p, size_t n)
{
	if (len + n > cap) {
		cap = (len + n) * 2;
		buf = realloc(buf, cap);
		if (!buf)
			exit(1);
	}
	memcpy(buf + len, p, n);
	len += n;
}
static void u8(uint8_t v) { put(&v, 1); }
static void u32(uint32_t v)
{
	uint8_t q[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	put(q, 4);
}
static void strn(const char *s, size_t n) { u32((uint32_t)n); put(s, n); }
static void str(const char *s) { strn(s, strlen(s)); }

struct notify_spec {
	const char *summary;
	size_t body_len;      /* 0: "body" */
	const char *bad_body; /* raw bytes for the body */
	uint32_t n_action_strings;
	const char *action_key;
	int32_t img_w, img_h;
	uint32_t img_len;
	int with_image;
};

static void notify(const struct notify_spec *s)
{
	u8(1);
	u8(0x10);
	u32(notify_id);
	u32(0);  /* replaces */
	u32(-1u); /* expire */
	str("app");
	str("");
	str(s->summary);
	if (s->bad_body)
		str(s->bad_body);
	else if (s->body_len) {
		char *b = malloc(s->body_len);
		memset(b, 'A', s->body_len);
		strn(b, s->body_len);
		free(b);
	} else
		str("body");
	u32(s->n_action_strings);
	for (uint32_t i = 0; i < s->n_action_strings; i++)
		str(i % 2 ? "Label" : (s->action_key ? s->action_key : "key"));
	if (!s->with_image) {
		u32(0);
		return;
	}
	u32(1);
	str("image-data");
	u8(5);
	u32((uint32_t)s->img_w);
	u32((uint32_t)s->img_h);
	u32(s->img_len);
	size_t have = s->img_len > 1024 * 1024 ? 1024 * 1024 : s->img_len;
	uint8_t *px = calloc(1, have ? have : 1);
	put(px, have);
	free(px);
}

static void menu(unsigned depth, unsigned max_depth, int32_t *next_id)
{
	u32(depth == 0 ? 0 : (uint32_t)(*next_id)++);
	str("EVIL");
	str("");
	u8(1); u8(1); u8(0); u8(0); u8(0);
	if (depth == max_depth) {
		u32(0);
		return;
	}
	u32(1);
	menu(depth + 1, max_depth, next_id);
}

static int build(const char *c)
{
	struct notify_spec s = { .summary = "EVIL" };
	int32_t id = 1;

	if (!strcmp(c, "flood")) {
		char summary[32];
		/* every notification framed here; main() sends buf as it is */
		for (uint32_t i = 0; i < FLOOD_COUNT; i++) {
			size_t at = len;
			snprintf(summary, sizeof(summary), "FLOOD %u", i);
			s.summary = summary;
			notify_id = 1000 + i;
			u32(0);
			notify(&s);
			uint32_t n = (uint32_t)(len - at - 4);
			uint8_t hdr[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };
			memcpy(buf + at, hdr, 4);
		}
		return 0;
	} else if (!strcmp(c, "valid"))
		s.summary = "GOOD";
	else if (!strcmp(c, "oversized-string"))
		s.body_len = 100000;
	else if (!strcmp(c, "bad-utf8"))
		s.bad_body = "caf\xc3\x28 \xed\xa0\x80";
	else if (!strcmp(c, "huge-pixmap"))
		s.with_image = 1, s.img_w = 10000, s.img_h = 10000, s.img_len = 400000000u;
	else if (!strcmp(c, "length-mismatch"))
		s.with_image = 1, s.img_w = 16, s.img_h = 16, s.img_len = 16 * 16 * 4 - 1;
	else if (!strcmp(c, "many-actions"))
		s.n_action_strings = 10000;
	else if (!strcmp(c, "odd-actions"))
		s.n_action_strings = 3;
	else if (!strcmp(c, "bad-action-key"))
		s.n_action_strings = 2, s.action_key = "1;rm -rf";
	else if (!strcmp(c, "deep-menu")) {
		u8(1); u8(0x20); u32(1); str("evil"); str("EVIL"); str(""); str(""); str("");
		u8(1); u8(0); u8(0); u32(0); u8(1);
		menu(0, 50, &id);
		return 0;
	} else if (!strcmp(c, "unknown-type")) {
		u8(1); u8(0x42); u32(0);
		return 0;
	} else if (!strcmp(c, "host-only-type")) {
		u8(1); u8(0x81); u32(1); str("default");
		return 0;
	} else if (!strcmp(c, "bad-version")) {
		s.summary = "EVIL";
		notify(&s);
		buf[0] = 9;
		return 0;
	} else if (!strcmp(c, "trailing-bytes")) {
		notify(&s);
		u8(0);
		return 0;
	} else if (!strcmp(c, "truncated-frame") || !strcmp(c, "oversized-frame")) {
		notify(&s);
		return 0;
	} else
		return -1;
	notify(&s);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint8_t hdr[4];
	uint32_t frame_len;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path) || build(argv[2]) < 0) {
		fprintf(stderr, "usage: dbus-proxy-hostile SOCKET CASE\n");
		return 2;
	}
	frame_len = (uint32_t)len;
	if (!strcmp(argv[2], "oversized-frame"))
		frame_len = 64u * 1024u * 1024u;
	hdr[0] = (uint8_t)(frame_len >> 24), hdr[1] = (uint8_t)(frame_len >> 16);
	hdr[2] = (uint8_t)(frame_len >> 8), hdr[3] = (uint8_t)frame_len;
	memcpy(sa.sun_path, argv[1], strlen(argv[1]));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		return 1;
	}
	if (strcmp(argv[2], "flood") != 0 && write(fd, hdr, 4) != 4)
		return 1;
	if (!strcmp(argv[2], "truncated-frame")) {
		/* half the payload, then end of stream */
		if (write(fd, buf, len / 2) < 0)
			return 1;
		shutdown(fd, SHUT_WR);
	} else if (strcmp(argv[2], "oversized-frame") != 0) {
		size_t off = 0;
		while (off < len) {
			ssize_t n = write(fd, buf + off, len - off);
			if (n < 0)
				break; /* the host may hang up mid-write: that is the point */
			off += (size_t)n;
		}
	}
	/* did the host hang up? */
	int valid = !strcmp(argv[2], "valid") || !strcmp(argv[2], "flood");
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, valid ? STAY_OPEN_MS : HANGUP_WAIT_MS);
	char c;
	int hung_up = r > 0 && (read(fd, &c, 1) <= 0);
	if (valid) {
		if (hung_up) {
			fprintf(stderr, "the host hung up on a valid message\n");
			return 1;
		}
		return 0;
	}
	if (!hung_up) {
		fprintf(stderr, "the host kept the connection open after case %s\n", argv[2]);
		return 1;
	}
	return 0;
}
