/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of vmsilo-balloond's parsers: cloud-hypervisor HTTP responses and
 * vm.info bodies, memstat records, host meminfo/PSI, sizes and durations.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ch-api.h"
#include "crosvm.h"
#include "hoststat.h"
#include "memstat.h"
#include "options.h"

static int http(const char *s, struct ch_http_response *r)
{
	char why[160];
	return ch_http_parse_response(s, strlen(s), r, why, sizeof(why));
}

static void test_http_ok(void **state)
{
	struct ch_http_response r;
	const char *ok = "HTTP/1.1 200 OK\r\nServer: Cloud Hypervisor API\r\nContent-Type: application/json\r\n"
			 "Content-Length: 2\r\n\r\n{}";
	const char *nocontent = "HTTP/1.1 204 No Content\r\nServer: Cloud Hypervisor API\r\n\r\n";

	assert_int_equal(http(ok, &r), (int)strlen(ok));
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 2);
	assert_memory_equal(ok + r.body_off, "{}", 2);
	assert_int_equal(http(nocontent, &r), (int)strlen(nocontent));
	assert_int_equal(r.status, 204);
	assert_int_equal(r.body_len, 0);
	/* every strict prefix needs more bytes */
	for (size_t i = 0; i < strlen(ok); i++) {
		char why[160];
		assert_int_equal(ch_http_parse_response(ok, i, &r, why, sizeof(why)), 0);
	}
}

static void test_http_malformed(void **state)
{
	struct ch_http_response r;
	static const char *const bad[] = {
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.1 20x OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\n",
		"HTTP/1.1 200 OK\nContent-Length: 0\n\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\n folded: x\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\n\r\n", /* a body status without a length */
		"HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(http(bad[i], &r), -EPROTO);
	assert_int_equal(http("HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n", &r), -E2BIG);
}

static void test_http_limits(void **state)
{
	static char big[CH_API_HEADER_MAX + 64];
	struct ch_http_response r;
	char why[160];
	size_t n;

	n = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nX: ");
	memset(big + n, 'a', sizeof(big) - n);
	assert_int_equal(ch_http_parse_response(big, sizeof(big), &r, why, sizeof(why)), -E2BIG);
	n = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\n");
	for (unsigned i = 0; i < CH_API_HEADER_LINES_MAX + 1; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "A: b\r\n");
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\n");
	assert_int_equal(ch_http_parse_response(big, n, &r, why, sizeof(why)), -E2BIG);
}

static int info(const char *s, struct ch_vm_info *i)
{
	char why[160];
	return ch_parse_vm_info(s, strlen(s), i, why, sizeof(why));
}

static void test_vm_info(void **state)
{
	struct ch_vm_info i;

	assert_int_equal(info("{\"config\":{\"cpus\":{\"boot_vcpus\":2},\"memory\":{\"size\":4294967296,\"mergeable\":false},"
			      "\"balloon\":{\"size\":1073741824,\"deflate_on_oom\":false,\"free_page_reporting\":true}},"
			      "\"state\":\"Running\",\"memory_actual_size\":3221225472,\"device_tree\":{}}", &i), 0);
	assert_int_equal(i.memory, 4294967296ull);
	assert_true(i.has_balloon);
	assert_int_equal(i.balloon, 1073741824ull);
	assert_true(i.has_actual);
	assert_true(i.running);

	assert_int_equal(info("{\"config\":{\"memory\":{\"size\":1073741824},\"balloon\":null},\"state\":\"Paused\"}", &i), 0);
	assert_false(i.has_balloon);
	assert_false(i.running);

	static const char *const bad[] = {
		"",
		"[]",
		"{\"config\":{}}",
		"{\"config\":{\"memory\":{\"size\":0}}}",
		"{\"config\":{\"memory\":{\"size\":-5}}}",
		"{\"config\":{\"memory\":{\"size\":\"4096\"}}}",
		"{\"config\":{\"memory\":{\"size\":4096.5}}}",
		"{\"config\":{\"memory\":{\"size\":99999999999999999999}}}",
		"{\"config\":{\"memory\":{\"size\":1048576},\"balloon\":{\"size\":2097152}}}",
		"{\"config\":{\"memory\":{\"size\":1048576},\"balloon\":{}}}",
		"{\"config\":{\"memory\":{\"size\":1048576}},\"memory_actual_size\":2097152}",
		"{\"config\":{\"memory\":{\"size\":1048576}},\"state\":5}",
		"{\"config\":{\"memory\":{\"size\":1048576}}} trailing",
		"{\"config\":{\"memory\":{\"size\":1048576}}",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		assert_int_equal(info(bad[k], &i), -EPROTO);
	assert_int_equal(ch_parse_vm_info("{\"a\":\"\0\"}", 9, &i, NULL, 0), -EPROTO);
}

static int cstats(const char *s, struct crosvm_stats *st)
{
	char why[160];
	return crosvm_parse_stats(s, strlen(s), st, why, sizeof(why));
}

static void test_crosvm(void **state)
{
	struct crosvm_stats st;
	char why[160];

	assert_int_equal(cstats("{\"BalloonStats\":{\"stats\":{\"swap_in\":null,\"total_memory\":2147483648,"
				"\"available_memory\":1073741824,\"free_memory\":5},\"balloon_actual\":4096}}", &st), 0);
	assert_true(st.have_memory);
	assert_int_equal(st.total_memory, 2147483648ull);
	assert_int_equal(st.available_memory, 1073741824ull);
	assert_int_equal(st.balloon_actual, 4096);
	/* a guest driver that reports nothing yet */
	assert_int_equal(cstats("{\"BalloonStats\":{\"stats\":{\"total_memory\":null},\"balloon_actual\":0}}", &st), 0);
	assert_false(st.have_memory);

	static const char *const bad[] = {
		"\"Ok\"",
		"{\"BalloonStats\":{\"stats\":{}}}",
		"{\"BalloonStats\":{\"stats\":5,\"balloon_actual\":0}}",
		"{\"BalloonStats\":{\"stats\":{},\"balloon_actual\":-1}}",
		"{\"BalloonStats\":{\"stats\":{\"total_memory\":10,\"available_memory\":11},\"balloon_actual\":0}}",
		"{\"BalloonStats\":{\"stats\":{\"total_memory\":\"10\"},\"balloon_actual\":0}}",
		"{\"BalloonStats\":{\"stats\":{},\"balloon_actual\":0}} {}",
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		assert_int_equal(cstats(bad[k], &st), -EPROTO);

	assert_int_equal(crosvm_parse_ok("\"Ok\"", 4, why, sizeof(why)), 0);
	assert_int_equal(crosvm_parse_ok("{\"Err\":22}", 10, why, sizeof(why)), -EIO);
	assert_int_equal(crosvm_parse_ok("\"Nope\"", 6, why, sizeof(why)), -EPROTO);
	assert_int_equal(crosvm_parse_ok("Ok", 2, why, sizeof(why)), -EPROTO);
}

static void test_memstat(void **state)
{
	struct memstat_record in = { .seq_ms = 1000, .total = 4ull << 30, .available = 1ull << 30 }, out;
	struct memstat_limits lim = { .configured_memory = 4ull << 30 };
	uint8_t wire[MEMSTAT_RECORD_SIZE];
	char why[160];

	memstat_encode(&in, wire);
	assert_memory_equal(wire, "VMMS\x01\x00\x00\x00", 8);
	assert_int_equal(memstat_decode(wire, &out, why, sizeof(why)), 0);
	assert_memory_equal(&in, &out, sizeof(in));
	assert_int_equal(memstat_validate(&out, &lim, why, sizeof(why)), 0);

	wire[0] = 'X';
	assert_int_equal(memstat_decode(wire, &out, why, sizeof(why)), -EPROTO);
	memstat_encode(&in, wire);
	wire[4] = 2;
	assert_int_equal(memstat_decode(wire, &out, why, sizeof(why)), -EPROTO);
	memstat_encode(&in, wire);
	wire[6] = 1;
	assert_int_equal(memstat_decode(wire, &out, why, sizeof(why)), -EPROTO);

	out = in;
	out.total = (4ull << 30) + 1;               /* more than configured */
	assert_int_equal(memstat_validate(&out, &lim, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "exceeds the configured"));
	out = in;
	out.available = out.total + 1;
	assert_int_equal(memstat_validate(&out, &lim, why, sizeof(why)), -EPROTO);
	out = in;
	out.total = 0;
	out.available = 0;
	assert_int_equal(memstat_validate(&out, &lim, why, sizeof(why)), -EPROTO);

	lim.have_previous = true;
	lim.previous_seq_ms = 1000;
	lim.host_elapsed_ms = 1000;
	assert_int_equal(memstat_validate(&in, &lim, why, sizeof(why)), -EPROTO); /* not increasing */
	out = in;
	out.seq_ms = 2000;
	assert_int_equal(memstat_validate(&out, &lim, why, sizeof(why)), 0);
	out.seq_ms = 1000 + 1000 + MEMSTAT_CLOCK_SLACK_MS + 1;  /* runs ahead of the host */
	assert_int_equal(memstat_validate(&out, &lim, why, sizeof(why)), -EPROTO);
}

static void test_hoststat(void **state)
{
	static const char meminfo[] = "MemTotal:       16384000 kB\nMemFree:          100 kB\nMemAvailable:    8192000 kB\n";
	static const char psi[] = "some avg10=12.50 avg60=3.00 avg300=1.00 total=123456\n"
				  "full avg10=1.25 avg60=0.00 avg300=0.00 total=42\n";
	struct hoststat st = { 0 };

	assert_int_equal(hoststat_parse_meminfo(meminfo, strlen(meminfo), &st), 0);
	assert_int_equal(st.total, 16384000ull * 1024);
	assert_int_equal(st.available, 8192000ull * 1024);
	assert_int_equal(hoststat_parse_psi(psi, strlen(psi), &st), 0);
	assert_true(st.psi_some_avg10 > 12.49 && st.psi_some_avg10 < 12.51);
	assert_int_equal(st.psi_some_total_us, 123456);
	assert_int_equal(hoststat_parse_meminfo("MemTotal: 5 kB\n", 15, &st), -EINVAL);
	assert_int_equal(hoststat_parse_meminfo("MemTotal: 5 kB\nMemAvailable: 6 kB\n", 35, &st), -EINVAL);
	assert_int_equal(hoststat_parse_psi("full avg10=1.00 avg60=0 avg300=0 total=1\n", 41, &st), -EINVAL);
	assert_int_equal(hoststat_parse_psi("some avg10=101.00 avg60=0 avg300=0 total=1\n", 43, &st), -EINVAL);
}

static void test_sizes_and_durations(void **state)
{
	uint64_t v;
	unsigned ms;

	assert_int_equal(parse_size("256m", &v), 0);
	assert_int_equal(v, 256ull << 20);
	assert_int_equal(parse_size("1G", &v), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(parse_size("512KiB", &v), 0);
	assert_int_equal(v, 512ull << 10);
	assert_int_equal(parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size("-1m", &v), -EINVAL);
	assert_int_equal(parse_size("1x", &v), -EINVAL);
	assert_int_equal(parse_size("99999999999t", &v), -EINVAL);
	assert_int_equal(parse_duration_ms("2s", &ms), 0);
	assert_int_equal(ms, 2000);
	assert_int_equal(parse_duration_ms("250ms", &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(parse_duration_ms("0.5", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(parse_duration_ms("fast", &ms), -EINVAL);
	assert_int_equal(parse_duration_ms("", &ms), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_ok),
		cmocka_unit_test(test_http_malformed),
		cmocka_unit_test(test_http_limits),
		cmocka_unit_test(test_vm_info),
		cmocka_unit_test(test_crosvm),
		cmocka_unit_test(test_memstat),
		cmocka_unit_test(test_hoststat),
		cmocka_unit_test(test_sizes_and_durations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
