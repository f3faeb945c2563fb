/* SPDX-License-Identifier: MIT */
/* Unit tests of vmsilo-dbus-proxy's wire format, sanitizer and picture code. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pixmap.h"
#include "protocol.h"
#include "ratelimit.h"
#include "sanitize.h"
#include "wire.h"

static void test_roundtrip_notify(void **state)
{
	char *actions[] = { "default", "Open", "reply", "Reply" };
	uint8_t pixels[2 * 2 * 4] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	struct wire_hint hints[] = {
		{ .key = "urgency", .type = WIRE_HINT_BYTE, .num = 2 },
		{ .key = "image-data", .type = WIRE_HINT_IMAGE,
		  .image = { .width = 2, .height = 2, .len = 16, .data = pixels } },
	};
	struct wire_msg in = { .type = WIRE_NOTIFY,
			       .notify = { .id = 5, .replaces_id = 4, .expire_timeout = -1,
					   .app_name = "app", .app_icon = "mail", .summary = "S\xc3\xa9",
					   .body = "B", .n_actions = 2, .actions = actions,
					   .n_hints = 2, .hints = hints } };
	struct wire_buf b = { 0 };
	struct wire_error err = { "" };
	struct wire_msg out;

	assert_int_equal(wire_encode(&b, &in), 0);
	assert_int_equal(wire_decode(b.data, b.len, &out, &err), 0);
	assert_int_equal(out.notify.id, 5);
	assert_string_equal(out.notify.summary, "S\xc3\xa9");
	assert_int_equal(out.notify.n_actions, 2);
	assert_string_equal(out.notify.actions[3], "Reply");
	assert_int_equal(out.notify.hints[1].image.width, 2);
	assert_memory_equal(out.notify.hints[1].image.data, pixels, 16);
	wire_msg_free(&out);

	/* every strict prefix is truncated, never accepted */
	for (size_t n = 0; n < b.len; n++) {
		assert_int_equal(wire_decode(b.data, n, &out, &err), -EBADMSG);
		wire_msg_free(&out);
	}
	wire_buf_free(&b);
}

static void test_roundtrip_item(void **state)
{
	struct wire_menu_item kids[2] = { { .id = 1, .label = "A", .icon_name = "", .enabled = 1, .visible = 1 },
					  { .id = 2, .label = "B", .icon_name = "", .toggle_type = 1,
					    .toggle_state = -1 } };
	struct wire_msg in = { .type = WIRE_ITEM_UPDATE,
			       .item = { .item_id = 3, .id = "x", .title = "T", .icon_name = "i",
					 .tooltip_title = "", .tooltip_body = "", .status = 1,
					 .has_menu = 1,
					 .menu = { .id = 0, .label = "", .icon_name = "", .n_children = 2,
						   .children = kids } } };
	struct wire_buf b = { 0 };
	struct wire_error err = { "" };
	struct wire_msg out;

	assert_int_equal(wire_encode(&b, &in), 0);
	assert_int_equal(wire_decode(b.data, b.len, &out, &err), 0);
	assert_int_equal(out.item.menu.n_children, 2);
	assert_int_equal(out.item.menu.children[1].toggle_state, -1);
	wire_msg_free(&out);
	wire_buf_free(&b);
}

static void expect_markup(const char *in, const char *want)
{
	char *out = NULL;
	assert_int_equal(sanitize_markup(in, &out), 0);
	assert_string_equal(out, want);
	free(out);
}

static void test_markup(void **state)
{
	expect_markup("plain", "plain");
	expect_markup("<b>b</b><i>i</i><u>u</u>", "<b>b</b><i>i</i><u>u</u>");
	expect_markup("<B>x</B>", "<b>x</b>");
	expect_markup("<img src=\"x.png\"/>after", "after");
	expect_markup("<a href=\"javascript:alert(1)\">x</a>", "x");
	expect_markup("<a href='https://a.org/p?q=1'>x</a>", "<a href=\"https://a.org/p?q=1\">x</a>");
	expect_markup("<a href=\"https://a.org/&quot;\">x</a>", "x");
	expect_markup("<b>unclosed", "<b>unclosed</b>");
	expect_markup("</b>stray", "stray");
	expect_markup("<b><i>x</b></i>", "<b><i>x</i></b>");
	expect_markup("a < b > c & d", "a &lt; b &gt; c &amp; d");
	expect_markup("&amp;&lt;&#169;&#x41;&#0;&bogus;", "&amp;&lt;&#169;&#65;&amp;#0;&amp;bogus;");
	expect_markup("<script>alert(1)</script>", "alert(1)");
	expect_markup("<b onclick=\"x\">y</b>", "y");
	expect_markup("rtl\xe2\x80\xae" "evil\x01", "rtlevil");
}

static void test_markup_limits(void **state)
{
	char *in = malloc(20001), *out = NULL;
	unsigned lines = 1;

	for (int i = 0; i < 20000; i += 2)
		in[i] = 'x', in[i + 1] = '\n';
	in[20000] = '\0';
	assert_int_equal(sanitize_markup(in, &out), 0);
	for (char *p = out; *p; p++)
		lines += *p == '\n';
	assert_true(lines <= SANITIZE_BODY_MAX_LINES);
	free(out);
	memset(in, 'y', 20000);
	assert_int_equal(sanitize_markup(in, &out), 0);
	assert_int_equal(strlen(out), SANITIZE_BODY_MAX_CHARS);
	free(out);
	free(in);
	assert_int_equal(sanitize_markup("bad \xff", &out), -EBADMSG);
}

static void test_text(void **state)
{
	char in[1200], *out = NULL;

	/* 300 two-byte characters: cut at 256 characters, not bytes */
	for (int i = 0; i < 300; i++)
		memcpy(in + 2 * i, "\xc3\xa9", 2);
	in[600] = '\0';
	assert_int_equal(sanitize_text(in, 256, false, &out), 0);
	assert_int_equal(strlen(out), 512);
	free(out);
	assert_int_equal(sanitize_text("a\nb\tc\x7f" "d\xe2\x81\xa6", 256, false, &out), 0);
	assert_string_equal(out, "a b cd");
	free(out);
	assert_int_equal(sanitize_text("a\nb", 256, true, &out), 0);
	assert_string_equal(out, "a\nb");
	free(out);
}

static void test_keys_and_names(void **state)
{
	assert_true(sanitize_action_key_valid("default"));
	assert_true(sanitize_action_key_valid("a.b_c-9"));
	assert_false(sanitize_action_key_valid(""));
	assert_false(sanitize_action_key_valid("9lives"));
	assert_false(sanitize_action_key_valid("a b"));
	char long_key[66];
	memset(long_key, 'k', 65);
	long_key[65] = '\0';
	assert_false(sanitize_action_key_valid(long_key));
	long_key[64] = '\0';
	assert_true(sanitize_action_key_valid(long_key));
	assert_true(sanitize_name_valid("firefox"));
	assert_false(sanitize_name_valid("/etc/passwd"));
	assert_false(sanitize_name_valid("file:///x"));
	assert_false(sanitize_name_valid("../x"));
}

static void test_notification_hints(void **state)
{
	struct wire_hint hints[] = {
		{ .key = "x-vmsilo-vm", .type = WIRE_HINT_STRING, .str = "evil" },
		{ .key = "urgency", .type = WIRE_HINT_BYTE, .num = 7 },
		{ .key = "urgency", .type = WIRE_HINT_BYTE, .num = 1 },
		{ .key = "desktop-entry", .type = WIRE_HINT_STRING, .str = "../../x" },
		{ .key = "category", .type = WIRE_HINT_STRING, .str = "im.received" },
		{ .key = "sound-file", .type = WIRE_HINT_STRING, .str = "/etc/shadow" },
	};
	char *bad_actions[] = { "ok", "OK", "no good", "Bad" };
	struct wire_notify in = { .id = 1, .app_name = "a", .app_icon = "/tmp/x.png", .summary = "s",
				  .body = "b", .n_hints = 6, .hints = hints, .expire_timeout = -5 };
	struct wire_notify clean;
	struct wire_error err = { "" };

	assert_int_equal(sanitize_notification(&in, &clean, &err), 0);
	assert_int_equal(clean.n_hints, 2);
	assert_string_equal(clean.hints[0].key, "urgency");
	assert_int_equal(clean.hints[0].num, 1);
	assert_string_equal(clean.hints[1].str, "im.received");
	assert_string_equal(clean.app_icon, "");
	assert_int_equal(clean.expire_timeout, -1);
	wire_notify_free(&clean);

	in.n_actions = 2;
	in.actions = bad_actions;
	assert_int_equal(sanitize_notification(&in, &clean, &err), -EBADMSG);
	assert_non_null(strstr(err.text, "action key #1"));
	wire_notify_free(&clean);
}

static void test_tint(void **state)
{
	uint8_t data[40 * 40 * 4];
	struct wire_pixmap px = { .width = 40, .height = 40, .len = sizeof(data), .data = data };

	memset(data, 0x11, sizeof(data));
	assert_int_equal(pixmap_border_width(40, 40), 2);
	assert_int_equal(pixmap_tint_border(&px, 0xff8000), 0);
	assert_memory_equal(data, "\xff\xff\x80\x00", 4);                       /* corner */
	assert_memory_equal(data + (1 * 40 + 1) * 4, "\xff\xff\x80\x00", 4);    /* still border */
	assert_memory_equal(data + (2 * 40 + 2) * 4, "\x11\x11\x11\x11", 4);    /* inside */
	px.len--;
	assert_int_equal(pixmap_tint_border(&px, 0), -EINVAL);
	uint32_t c;
	assert_int_equal(color_parse("#A0b1C2", &c), 0);
	assert_int_equal(c, 0xa0b1c2);
	assert_int_equal(color_parse("red", &c), -EINVAL);
}

static void test_image_data(void **state)
{
	uint8_t *big = calloc(1, 512 * 300 * 3);
	struct wire_pixmap out;

	big[0] = 0x12, big[1] = 0x34, big[2] = 0x56;
	assert_int_equal(pixmap_from_image_data(512, 300, 512 * 3, 0, 8, 3, big, 512 * 300 * 3, &out), 0);
	assert_int_equal(out.width, 256);
	assert_int_equal(out.height, 150);
	assert_memory_equal(out.data, "\xff\x12\x34\x56", 4);
	wire_pixmap_free(&out);
	assert_int_equal(pixmap_from_image_data(512, 300, 512 * 3, 0, 8, 3, big, 512 * 300 * 3 - 1, &out), -EINVAL);
	assert_int_equal(pixmap_from_image_data(4, 4, 16, 1, 16, 4, big, 64, &out), -EINVAL);
	free(big);
}

/*
 * The generated seeds (seed-*) are valid messages: if the format changes,
 * regenerate them. Inputs the fuzzers add to the corpus need not be valid.
 */
static void test_corpus_decodes(void **state)
{
	DIR *d = opendir(DBUS_CORPUS);
	struct dirent *e;
	unsigned n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[4096], buf[65536];
		struct wire_msg m;
		struct wire_error err = { "" };
		if (strncmp(e->d_name, "seed-", 5) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", DBUS_CORPUS, e->d_name);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		size_t len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		if (wire_decode((uint8_t *)buf, len, &m, &err) != 0)
			fail_msg("%s: %s", e->d_name, err.text);
		wire_msg_free(&m);
		n++;
	}
	closedir(d);
	assert_true(n >= 10);
}

/* The host-to-guest tray messages added in version 1: round trip and bounds. */
static void test_tray_host_messages(void **state)
{
	struct wire_msg in[] = {
		{ .type = WIRE_ITEM_SCROLL, .id = 3, .delta = -WIRE_SCROLL_MAX_DELTA,
		  .orientation = WIRE_SCROLL_HORIZONTAL },
		{ .type = WIRE_MENU_ABOUT_TO_SHOW, .id = 4, .menu_id = 17 },
	};
	struct wire_error err = { "" };
	struct wire_msg out;

	for (size_t i = 0; i < 2; i++) {
		struct wire_buf b = { 0 };
		assert_int_equal(wire_encode(&b, &in[i]), 0);
		assert_int_equal(wire_decode(b.data, b.len, &out, &err), 0);
		assert_int_equal(out.type, in[i].type);
		assert_int_equal(out.id, in[i].id);
		assert_int_equal(out.delta, in[i].delta);
		assert_int_equal(out.orientation, in[i].orientation);
		assert_int_equal(out.menu_id, in[i].menu_id);
		wire_msg_free(&out);
		wire_buf_free(&b);
	}
	/* a delta past the clamp and an orientation other than 0/1 are malformed */
	const uint8_t too_far[] = { 1, WIRE_ITEM_SCROLL, 0, 0, 0, 3, 0, 0, 0x04, 0xb1, 0 };
	const uint8_t diagonal[] = { 1, WIRE_ITEM_SCROLL, 0, 0, 0, 3, 0, 0, 0, 120, 2 };
	assert_int_equal(wire_decode(too_far, sizeof(too_far), &out, &err), -EBADMSG);
	assert_string_equal(err.text, "scroll delta 1201 outside -1200..1200");
	wire_msg_free(&out);
	assert_int_equal(wire_decode(diagonal, sizeof(diagonal), &out, &err), -EBADMSG);
	wire_msg_free(&out);
	assert_string_equal(wire_type_name(WIRE_ITEM_SCROLL), "ITEM_SCROLL");
	assert_string_equal(wire_type_name(WIRE_MENU_ABOUT_TO_SHOW), "MENU_ABOUT_TO_SHOW");
}

static void test_rate_limit(void **state)
{
	struct rate_limit r;
	unsigned admitted = 0;

	/* a burst of 200 at one instant yields exactly the bucket */
	rate_limit_init(&r, 5, 10, 1000);
	for (int i = 0; i < 200; i++)
		admitted += rate_limit_take(&r, 1000);
	assert_int_equal(admitted, 5);
	assert_int_equal(r.dropped, 195);
	/* refill: one token every 2 s (5 per 10 s), never more than the bucket */
	assert_false(rate_limit_take(&r, 2999));
	assert_true(rate_limit_take(&r, 3000));
	assert_false(rate_limit_take(&r, 3000));
	admitted = 0;
	for (int i = 0; i < 100; i++)
		admitted += rate_limit_take(&r, 1000000);
	assert_int_equal(admitted, 5);
	/* a clock that goes backwards earns nothing */
	assert_false(rate_limit_take(&r, 10));
	/* a sustained stream at twice the rate gets half through */
	rate_limit_init(&r, 10, 1, 0);
	admitted = 0;
	for (uint64_t t = 0; t < 10000; t += 50)
		admitted += rate_limit_take(&r, t);
	assert_in_range(admitted, 100, 110);
}

static void test_rate_parse(void **state)
{
	uint32_t n, s;

	assert_int_equal(rate_limit_parse("20/10", &n, &s), 0);
	assert_int_equal(n, 20);
	assert_int_equal(s, 10);
	assert_int_equal(rate_limit_parse("7", &n, &s), 0);
	assert_int_equal(n, 7);
	assert_int_equal(s, 1);
	assert_int_equal(rate_limit_parse("10000/3600", &n, &s), 0);
	const char *bad[] = { "", "0", "0/5", "5/0", "10001", "5/3601", "5/", "/5", "-1", "5/-1", "5x",
			      "5/1/1", " 5", "99999999999", "5/99999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(rate_limit_parse(bad[i], &n, &s), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_notify), cmocka_unit_test(test_roundtrip_item),
		cmocka_unit_test(test_markup),           cmocka_unit_test(test_markup_limits),
		cmocka_unit_test(test_text),             cmocka_unit_test(test_keys_and_names),
		cmocka_unit_test(test_notification_hints), cmocka_unit_test(test_tint),
		cmocka_unit_test(test_image_data),       cmocka_unit_test(test_corpus_decodes),
		cmocka_unit_test(test_rate_limit),       cmocka_unit_test(test_rate_parse),
		cmocka_unit_test(test_tray_host_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
