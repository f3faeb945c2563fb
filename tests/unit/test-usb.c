/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the pure parts of USB passthrough: the handshake, bus ids,
 * vid:pid specs, sysfs speeds, and the vhci_hcd status table. The status
 * samples follow drivers/usb/usbip/vhci_sysfs.c (status_show, port_show_vhci):
 * a header line, then per controller VHCI_HC_PORTS "hs" lines followed by as
 * many "ss" lines, "%04u %03u" port and status, then speed, devid (%08x),
 * sockfd (%06u) and the local bus id, or zeros and "0-0" for a free port.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "usb-proto.h"

static void test_request_round_trip(void **state)
{
	struct usb_request in = { .devid = 3 << 16 | 7, .speed = USB_SPEED_HIGH_, .vendor = 0x17ef,
				  .product = 0x60e0, .busid = "3-1.4" };
	struct usb_request out;
	uint8_t wire[USB_REQ_SIZE];
	char why[160];
	(void)state;

	usb_request_build(&in, wire);
	assert_memory_equal(wire, "VUSQ\0\1\0\x34\0\3\0\7\0\0\0\3\x17\xef\x60\xe0" "3-1.4", 25);
	assert_int_equal(usb_request_parse(wire, sizeof(wire), &out, why, sizeof(why)), 0);
	assert_int_equal(out.devid, in.devid);
	assert_int_equal(out.speed, in.speed);
	assert_int_equal(out.vendor, 0x17ef);
	assert_int_equal(out.product, 0x60e0);
	assert_string_equal(out.busid, "3-1.4");

	/* each field that is checked, broken one at a time */
	struct {
		size_t off;
		uint8_t val;
		const char *why;
	} bad[] = {
		{ 0, 'X', "starts with" }, { 5, 2, "version 2" },  { 7, 0x35, "claims 53 bytes" },
		{ 9, 0, "no bus number" }, { 15, 7, "speed 7" },   { 15, 0, "speed 0" },
		{ 20, 'x', "bus id" },	   { 30, 'z', "not zero" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t w[USB_REQ_SIZE];
		memcpy(w, wire, sizeof(w));
		w[bad[i].off] = bad[i].val;
		if (bad[i].off == 9)
			w[8] = 0;
		assert_int_equal(usb_request_parse(w, sizeof(w), &out, why, sizeof(why)), -EPROTO);
		assert_non_null(strstr(why, bad[i].why));
	}
	memset(wire + 20, '1', 32);
	assert_int_equal(usb_request_parse(wire, sizeof(wire), &out, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "not NUL-terminated"));
	assert_int_equal(usb_request_parse(wire, sizeof(wire) - 1, &out, why, sizeof(why)), -EPROTO);
}

static void test_reply(void **state)
{
	struct usb_reply rep = { .status = USB_STATUS_OK, .port = 9 }, got = { 7, 7 };
	uint8_t w[USB_REPLY_SIZE], big[USB_REPLY_SIZE + 1] = { 0 };
	char why[160];
	(void)state;

	usb_reply_build(&rep, w);
	assert_memory_equal(w, "VUSR\0\1\0\x0c\0\0\0\x09", USB_REPLY_SIZE);
	assert_int_equal(usb_reply_parse(w, sizeof(w), &got, why, sizeof(why)), 0);
	assert_int_equal(got.status, USB_STATUS_OK);
	assert_int_equal(got.port, 9);

	rep = (struct usb_reply){ .status = USB_STATUS_NO_PORT };
	usb_reply_build(&rep, w);
	assert_int_equal(usb_reply_parse(w, sizeof(w), &got, why, sizeof(why)), 0);
	assert_int_equal(got.status, USB_STATUS_NO_PORT);

	/* every malformed reply is refused, and got stays untouched */
	struct {
		size_t off;
		uint8_t val;
		const char *why;
	} bad[] = {
		{ 3, 'Q', "starts with" },   { 4, 1, "version 257" },	  { 5, 0, "version 0" },
		{ 7, 0xff, "claims 255" },   { 6, 1, "claims 268" },	  { 9, 5, "unknown status 5" },
		{ 8, 1, "unknown status" },  { 11, 1, "refusal (status 3) names port 1" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t b[USB_REPLY_SIZE];
		memcpy(b, w, sizeof(b));
		b[bad[i].off] = bad[i].val;
		got = (struct usb_reply){ 7, 7 };
		assert_int_equal(usb_reply_parse(b, sizeof(b), &got, why, sizeof(why)), -EPROTO);
		assert_non_null(strstr(why, bad[i].why));
		assert_int_equal(got.status, 7);
	}
	rep = (struct usb_reply){ .status = USB_STATUS_OK, .port = USB_VHCI_PORT_MAX + 1 };
	usb_reply_build(&rep, w);
	assert_int_equal(usb_reply_parse(w, sizeof(w), &got, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "beyond the last vhci port"));
	/* truncated and oversized */
	for (size_t n = 0; n < USB_REPLY_SIZE; n++)
		assert_int_equal(usb_reply_parse(w, n, &got, why, sizeof(why)), -EPROTO);
	memcpy(big, w, USB_REPLY_SIZE);
	assert_int_equal(usb_reply_parse(big, sizeof(big), &got, why, sizeof(why)), -EPROTO);
}

static void test_busid(void **state)
{
	const char *good[] = { "1-2", "1-2.3", "3-1.4.2.1", "10-11", "1-0" };
	const char *bad[] = { "", "1", "usb1", "1-", "-1", "1--2", "1-2:1.0", "1.2-3", "1-2..3",
			      "1-2.", "../1-2", "1-2/..", "01-2", "1-02", " 1-2", "1-2\n",
			      "1-2.3.4.5.6.7.8.9.10.11.12.13.14" };
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_null(usb_busid_invalid_reason(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (usb_busid_invalid_reason(bad[i]) == NULL)
			fail_msg("bus id '%s' was accepted", bad[i]);
	}
}

static void test_speed(void **state)
{
	uint32_t s = 0;
	(void)state;
	assert_int_equal(usb_speed_from_sysfs("1.5\n", &s), 0);
	assert_int_equal(s, USB_SPEED_LOW_);
	assert_int_equal(usb_speed_from_sysfs("480", &s), 0);
	assert_int_equal(s, USB_SPEED_HIGH_);
	assert_int_equal(usb_speed_from_sysfs("5000\n", &s), 0);
	assert_int_equal(s, USB_SPEED_SUPER_);
	assert_int_equal(usb_speed_from_sysfs("20000\n", &s), 0);
	assert_int_equal(s, USB_SPEED_SUPER_PLUS_);
	assert_int_equal(usb_speed_from_sysfs("4800", &s), -EINVAL);
	assert_int_equal(usb_speed_from_sysfs("unknown", &s), -EINVAL);
	assert_int_equal(usb_speed_from_sysfs("", &s), -EINVAL);
	assert_int_equal(usb_vhci_hub_for_speed(USB_SPEED_HIGH_), USB_VHCI_HS);
	assert_int_equal(usb_vhci_hub_for_speed(USB_SPEED_SUPER_PLUS_), USB_VHCI_SS);
	assert_int_equal(usb_vhci_attach_speed(USB_SPEED_SUPER_PLUS_), USB_SPEED_SUPER_);
	assert_int_equal(usb_vhci_attach_speed(USB_SPEED_FULL_), USB_SPEED_FULL_);
}

static void test_spec(void **state)
{
	struct usb_spec s;
	char why[160];
	(void)state;

	assert_int_equal(usb_spec_parse("17ef:60E0", &s, why, sizeof(why)), 0);
	assert_false(s.has_serial);
	assert_true(usb_spec_match(&s, 0x17ef, 0x60e0, NULL));
	assert_true(usb_spec_match(&s, 0x17ef, 0x60e0, "anything"));
	assert_false(usb_spec_match(&s, 0x17ef, 0x60e1, NULL));
	assert_false(usb_spec_match(&s, 0x17ee, 0x60e0, NULL));

	assert_int_equal(usb_spec_parse("046d:c52b:A02019100900", &s, why, sizeof(why)), 0);
	assert_true(s.has_serial);
	assert_true(usb_spec_match(&s, 0x046d, 0xc52b, "A02019100900"));
	assert_false(usb_spec_match(&s, 0x046d, 0xc52b, "A0201910090"));
	assert_false(usb_spec_match(&s, 0x046d, 0xc52b, NULL));
	assert_int_equal(usb_spec_parse("046d:c52b:with:colon", &s, why, sizeof(why)), 0);
	assert_string_equal(s.serial, "with:colon");

	const char *bad[] = { "", "17ef", "17ef:", "17ef:60e", "17ef:60e0x", "17eg:60e0", "1-2",
			      "17ef:60e0:", "17ef:60e0:\t", " 7ef:60e0", "+7ef:60e0" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (usb_spec_parse(bad[i], &s, why, sizeof(why)) != -EINVAL)
			fail_msg("spec '%s' was accepted", bad[i]);
}

struct collect {
	struct usb_vhci_port p[64];
	size_t n;
};

static int collect(const struct usb_vhci_port *p, void *userdata)
{
	struct collect *c = userdata;
	if (c->n < 64)
		c->p[c->n++] = *p;
	return 0;
}

/* A controller of 8 + 8 ports as vhci_hcd.0/status prints it, hs port 0 and ss port 8 in use. */
static const char status_sample[] =
	"hub port sta spd dev      sockfd local_busid\n"
	"hs  0000 006 003 00010002 000003 3-1\n"
	"hs  0001 004 000 00000000 000000 0-0\n"
	"hs  0002 004 000 00000000 000000 0-0\n"
	"hs  0003 004 000 00000000 000000 0-0\n"
	"hs  0004 004 000 00000000 000000 0-0\n"
	"hs  0005 004 000 00000000 000000 0-0\n"
	"hs  0006 004 000 00000000 000000 0-0\n"
	"hs  0007 004 000 00000000 000000 0-0\n"
	"ss  0008 006 005 00020005 000004 4-1\n"
	"ss  0009 004 000 00000000 000000 0-0\n"
	"ss  0010 004 000 00000000 000000 0-0\n"
	"ss  0011 004 000 00000000 000000 0-0\n"
	"ss  0012 004 000 00000000 000000 0-0\n"
	"ss  0013 004 000 00000000 000000 0-0\n"
	"ss  0014 004 000 00000000 000000 0-0\n"
	"ss  0015 004 000 00000000 000000 0-0\n";

static void test_vhci_status(void **state)
{
	struct collect c = { 0 };
	char why[160];
	(void)state;

	assert_int_equal(usb_vhci_status_parse(status_sample, strlen(status_sample), collect, &c, why,
					       sizeof(why)),
			 0);
	assert_int_equal(c.n, 16);
	assert_int_equal(c.p[0].hub, USB_VHCI_HS);
	assert_int_equal(c.p[0].status, USB_VDEV_ST_USED);
	assert_int_equal(c.p[0].speed, 3);
	assert_int_equal(c.p[0].devid, 0x00010002);
	assert_int_equal(c.p[1].status, USB_VDEV_ST_NULL);
	assert_int_equal(c.p[8].hub, USB_VHCI_SS);
	assert_int_equal(c.p[8].port, 8);
	assert_int_equal(c.p[15].port, 15);

	/* a second controller's table (status.1) has the header too; blank lines are fine */
	const char more[] = "hub port sta spd dev      sockfd local_busid\n\n"
			    "hs  0016 005 000 00000000 000000 0-0\n";
	c.n = 0;
	assert_int_equal(usb_vhci_status_parse(more, strlen(more), collect, &c, why, sizeof(why)), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.p[0].status, 5);

	const char *bad[] = {
		"hs  0001 004 000 00000000 000000\n",	      /* a field missing */
		"hs  0001 004 000 00000000 000000 0-0 x\n",   /* one too many */
		"xs  0001 004 000 00000000 000000 0-0\n",     /* unknown hub */
		"hs  -001 004 000 00000000 000000 0-0\n",     /* sign */
		"hs  9999 004 000 00000000 000000 0-0\n",     /* beyond the last port */
		"hs  0001 004 000 0000000g 000000 0-0\n",     /* not hex */
		"hs  0001 004 000 000000000 000000 0-0\n",    /* 9 hex digits */
		"hs  0001 0004 000 00000000 000000 0-0\n",    /* 4-digit status */
		"hub port\nhub port sta spd dev sockfd b\n",  /* a header that is not first */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (usb_vhci_status_parse(bad[i], strlen(bad[i]), collect, &c, why, sizeof(why)) != -EPROTO)
			fail_msg("status '%s' was accepted", bad[i]);
}

static int stop_at_3(const struct usb_vhci_port *p, void *userdata)
{
	(void)userdata;
	return p->port == 3 ? 42 : 0;
}

static void test_vhci_status_stops(void **state)
{
	char why[160];
	(void)state;
	assert_int_equal(usb_vhci_status_parse(status_sample, strlen(status_sample), stop_at_3, NULL, why,
					       sizeof(why)),
			 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_busid),
		cmocka_unit_test(test_speed),
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_vhci_status),
		cmocka_unit_test(test_vhci_status_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
