/* SPDX-License-Identifier: MIT */
#include "usb-proto.h"

#include <errno.h>
#include <string.h>

#include "strutil.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

const char *usb_status_text(unsigned status)
{
	switch (status) {
	case USB_STATUS_OK:
		return "attached";
	case USB_STATUS_BAD_REQUEST:
		return "the guest did not understand the request";
	case USB_STATUS_NO_VHCI:
		return "the guest has no vhci_hcd (is the vhci-hcd module loaded?)";
	case USB_STATUS_NO_PORT:
		return "every virtual USB port of the guest is in use";
	case USB_STATUS_BAD_SPEED:
		return "the guest cannot attach a device of this speed";
	}
	return "unknown status";
}

const char *usb_busid_invalid_reason(const char *s)
{
	/* <bus>-<port>[.<port>]...: decimal numbers, no empty or leading-zero parts */
	size_t len = strlen(s);
	bool dash = false, digit_run = false;

	if (len == 0)
		return "it is empty";
	if (len > USB_BUSID_MAX)
		return "it is longer than 31 characters";
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9') {
			if (c == '0' && !digit_run && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9')
				return "a number has a leading zero";
			digit_run = true;
			continue;
		}
		if (c != '-' && c != '.')
			return "only digits, '-' and '.' may appear (like 1-2.3)";
		if (!digit_run)
			return "'-' and '.' must follow a number";
		if (c == '-' && dash)
			return "it has more than one '-'";
		if (c == '.' && !dash)
			return "a '.' comes before the '-'";
		dash |= c == '-';
		digit_run = false;
	}
	if (!dash)
		return "it lacks the '-' between bus and port (like 1-2)";
	if (!digit_run)
		return "it ends in a separator";
	return NULL;
}

int usb_speed_from_sysfs(const char *s, uint32_t *speed)
{
	static const struct {
		const char *text;
		uint32_t speed;
	} table[] = {
		{ "1.5", USB_SPEED_LOW_ },	     { "12", USB_SPEED_FULL_ },
		{ "480", USB_SPEED_HIGH_ },	     { "53.3-480", USB_SPEED_WIRELESS_ },
		{ "5000", USB_SPEED_SUPER_ },	     { "10000", USB_SPEED_SUPER_PLUS_ },
		{ "20000", USB_SPEED_SUPER_PLUS_ },
	};
	size_t len = strlen(s);

	if (len > 0 && s[len - 1] == '\n')
		len--;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strlen(table[i].text) == len && memcmp(table[i].text, s, len) == 0) {
			*speed = table[i].speed;
			return 0;
		}
	return -EINVAL;
}

const char *usb_speed_name(uint32_t speed)
{
	static const char *const names[] = { "unknown",	 "low (1.5 Mbit/s)",  "full (12 Mbit/s)",
					     "high (480 Mbit/s)", "wireless",	 "super (5 Gbit/s)",
					     "super+ (10 Gbit/s and up)" };
	return speed < sizeof(names) / sizeof(names[0]) ? names[speed] : "invalid";
}

void usb_request_build(const struct usb_request *req, uint8_t out[USB_REQ_SIZE])
{
	memset(out, 0, USB_REQ_SIZE);
	memcpy(out, USB_REQ_MAGIC, 4);
	put16(out + 4, USB_PROTO_VERSION);
	put16(out + 6, USB_REQ_SIZE);
	put32(out + 8, req->devid);
	put32(out + 12, req->speed);
	put16(out + 16, req->vendor);
	put16(out + 18, req->product);
	memcpy(out + 20, req->busid, strnlen(req->busid, USB_BUSID_MAX));
}

static int check_frame(const uint8_t *p, size_t n, const char *magic, size_t size, const char *what,
		       char *why, size_t whylen)
{
	char shown[32];

	if (n != size)
		return errfmt(why, whylen, -EPROTO, "%s of %zu bytes, expected %zu", what, n, size);
	if (memcmp(p, magic, 4) != 0) {
		str_escape(p, 4, shown, sizeof(shown));
		return errfmt(why, whylen, -EPROTO, "%s starts with \"%s\", not \"%s\"", what, shown, magic);
	}
	if (get16(p + 4) != USB_PROTO_VERSION)
		return errfmt(why, whylen, -EPROTO, "%s of version %u; this side speaks version %u", what,
			      get16(p + 4), USB_PROTO_VERSION);
	if (get16(p + 6) != size)
		return errfmt(why, whylen, -EPROTO, "%s claims %u bytes; the format has %zu", what,
			      get16(p + 6), size);
	return 0;
}

int usb_request_parse(const uint8_t *untrusted, size_t n, struct usb_request *req, char *why,
		      size_t whylen)
{
	const char *bad;
	size_t len;
	int r;

	r = check_frame(untrusted, n, USB_REQ_MAGIC, USB_REQ_SIZE, "request", why, whylen);
	if (r < 0)
		return r;
	memset(req, 0, sizeof(*req));
	req->devid = get32(untrusted + 8);
	req->speed = get32(untrusted + 12);
	req->vendor = get16(untrusted + 16);
	req->product = get16(untrusted + 18);
	if (req->devid == 0 || (req->devid >> 16) == 0)
		return errfmt(why, whylen, -EPROTO, "device id %08x has no bus number", req->devid);
	if (req->speed < USB_SPEED_LOW_ || req->speed > USB_SPEED_SUPER_PLUS_)
		return errfmt(why, whylen, -EPROTO, "speed %u is not a USB speed", req->speed);
	len = strnlen((const char *)untrusted + 20, 32);
	if (len == 32)
		return errfmt(why, whylen, -EPROTO, "bus id is not NUL-terminated");
	for (size_t i = len; i < 32; i++)
		if (untrusted[20 + i] != 0)
			return errfmt(why, whylen, -EPROTO, "bytes after the bus id are not zero");
	memcpy(req->busid, untrusted + 20, len);
	bad = usb_busid_invalid_reason(req->busid);
	if (bad) {
		char shown[64];
		str_escape(req->busid, len, shown, sizeof(shown));
		return errfmt(why, whylen, -EPROTO, "bus id \"%s\": %s", shown, bad);
	}
	return 0;
}

void usb_reply_build(const struct usb_reply *rep, uint8_t out[USB_REPLY_SIZE])
{
	memcpy(out, USB_REPLY_MAGIC, 4);
	put16(out + 4, USB_PROTO_VERSION);
	put16(out + 6, USB_REPLY_SIZE);
	put16(out + 8, rep->status);
	put16(out + 10, rep->port);
}

int usb_reply_parse(const uint8_t *untrusted, size_t n, struct usb_reply *rep, char *why,
		    size_t whylen)
{
	uint16_t untrusted_status, untrusted_port;
	int r;

	r = check_frame(untrusted, n, USB_REPLY_MAGIC, USB_REPLY_SIZE, "reply", why, whylen);
	if (r < 0)
		return r;
	untrusted_status = get16(untrusted + 8);
	untrusted_port = get16(untrusted + 10);
	if (untrusted_status > USB_STATUS_MAX_)
		return errfmt(why, whylen, -EPROTO, "unknown status %u", untrusted_status);
	if (untrusted_status == USB_STATUS_OK && untrusted_port > USB_VHCI_PORT_MAX)
		return errfmt(why, whylen, -EPROTO, "port %u is beyond the last vhci port %u",
			      untrusted_port, USB_VHCI_PORT_MAX);
	if (untrusted_status != USB_STATUS_OK && untrusted_port != 0)
		return errfmt(why, whylen, -EPROTO, "a refusal (status %u) names port %u",
			      untrusted_status, untrusted_port);
	rep->status = untrusted_status;
	rep->port = untrusted_port;
	return 0;
}

int usb_parse_hex16(const char *s, uint16_t *out)
{
	size_t len = strlen(s);
	uint16_t v = 0;

	if (len == 5 && s[4] == '\n')
		len = 4;
	if (len != 4)
		return -EINVAL;
	for (size_t i = 0; i < 4; i++) {
		int d = hex_digit(s[i]);
		if (d < 0)
			return -EINVAL;
		v = (uint16_t)(v << 4 | d);
	}
	*out = v;
	return 0;
}

int usb_spec_parse(const char *s, struct usb_spec *spec, char *why, size_t whylen)
{
	char part[5];

	memset(spec, 0, sizeof(*spec));
	if (strlen(s) < 9 || s[4] != ':' || (s[9] != '\0' && s[9] != ':'))
		return errfmt(why, whylen, -EINVAL, "'%s' is not vid:pid or vid:pid:serial (like 17ef:60e0)", s);
	memcpy(part, s, 4);
	part[4] = '\0';
	if (usb_parse_hex16(part, &spec->vendor) < 0)
		return errfmt(why, whylen, -EINVAL, "vendor id '%s' is not four hex digits", part);
	memcpy(part, s + 5, 4);
	if (usb_parse_hex16(part, &spec->product) < 0)
		return errfmt(why, whylen, -EINVAL, "product id '%s' is not four hex digits", part);
	if (s[9] == ':') {
		const char *serial = s + 10;
		size_t len = strlen(serial);
		if (len == 0 || len > USB_SERIAL_MAX)
			return errfmt(why, whylen, -EINVAL, "the serial number must have 1 to %u characters",
				      USB_SERIAL_MAX);
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)serial[i] < 0x20 || serial[i] == 0x7f)
				return errfmt(why, whylen, -EINVAL, "the serial number has a control character");
		spec->has_serial = true;
		memcpy(spec->serial, serial, len + 1);
	}
	return 0;
}

bool usb_spec_match(const struct usb_spec *spec, uint16_t vendor, uint16_t product, const char *serial)
{
	if (spec->vendor != vendor || spec->product != product)
		return false;
	return !spec->has_serial || (serial && strcmp(serial, spec->serial) == 0);
}

enum usb_vhci_hub usb_vhci_hub_for_speed(uint32_t speed)
{
	return speed >= USB_SPEED_SUPER_ ? USB_VHCI_SS : USB_VHCI_HS;
}

uint32_t usb_vhci_attach_speed(uint32_t speed)
{
	return speed > USB_SPEED_SUPER_ ? USB_SPEED_SUPER_ : speed;
}

/* Splits a line into at most max blank-separated fields; returns the count (max + 1 if more). */
static size_t split_fields(const char *line, size_t len, const char **f, size_t *flen, size_t max)
{
	size_t n = 0, i = 0;

	while (i < len) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == len)
			break;
		if (n == max)
			return max + 1;
		f[n] = line + i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		flen[n] = (size_t)(line + i - f[n]);
		n++;
	}
	return n;
}

static int field_uint(const char *f, size_t len, unsigned base, unsigned max_digits, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > max_digits)
		return -EPROTO;
	for (size_t i = 0; i < len; i++) {
		int d = hex_digit(f[i]);
		if (d < 0 || (unsigned)d >= base)
			return -EPROTO;
		v = v * base + (unsigned)d;
	}
	if (v > UINT32_MAX)
		return -EPROTO;
	*out = (uint32_t)v;
	return 0;
}

int usb_vhci_status_parse(const char *text, size_t n,
			  int (*fn)(const struct usb_vhci_port *p, void *userdata), void *userdata,
			  char *why, size_t whylen)
{
	size_t pos = 0, lineno = 0, ports = 0;

	if (n > USB_VHCI_STATUS_MAX)
		return errfmt(why, whylen, -EPROTO, "status is larger than %u bytes", USB_VHCI_STATUS_MAX);
	while (pos < n) {
		const char *line = text + pos, *nl = memchr(line, '\n', n - pos);
		size_t len = nl ? (size_t)(nl - line) : n - pos;
		const char *f[7];
		size_t flen[7], nf;
		struct usb_vhci_port p = { 0 };
		uint32_t v;

		pos += len + (nl ? 1 : 0);
		lineno++;
		nf = split_fields(line, len, f, flen, 7);
		if (nf == 0)
			continue;
		if (lineno == 1 && flen[0] == 3 && memcmp(f[0], "hub", 3) == 0)
			continue; /* the header */
		if (nf != 7)
			return errfmt(why, whylen, -EPROTO, "line %zu has %s than 7 fields", lineno,
				      nf > 7 ? "more" : "fewer");
		if (flen[0] == 2 && memcmp(f[0], "hs", 2) == 0)
			p.hub = USB_VHCI_HS;
		else if (flen[0] == 2 && memcmp(f[0], "ss", 2) == 0)
			p.hub = USB_VHCI_SS;
		else
			return errfmt(why, whylen, -EPROTO, "line %zu: hub is neither hs nor ss", lineno);
		if (field_uint(f[1], flen[1], 10, 5, &v) < 0 || v > USB_VHCI_PORT_MAX)
			return errfmt(why, whylen, -EPROTO, "line %zu: bad port number", lineno);
		p.port = v;
		if (field_uint(f[2], flen[2], 10, 3, &v) < 0)
			return errfmt(why, whylen, -EPROTO, "line %zu: bad port status", lineno);
		p.status = v;
		if (field_uint(f[3], flen[3], 10, 3, &v) < 0)
			return errfmt(why, whylen, -EPROTO, "line %zu: bad speed", lineno);
		p.speed = v;
		if (field_uint(f[4], flen[4], 16, 8, &p.devid) < 0)
			return errfmt(why, whylen, -EPROTO, "line %zu: bad device id", lineno);
		if (field_uint(f[5], flen[5], 10, 10, &v) < 0)
			return errfmt(why, whylen, -EPROTO, "line %zu: bad socket number", lineno);
		if (++ports > USB_VHCI_PORTS_MAX)
			return errfmt(why, whylen, -EPROTO, "more than %u ports", USB_VHCI_PORTS_MAX);
		int r = fn(&p, userdata);
		if (r != 0)
			return r;
	}
	return 0;
}
