/* SPDX-License-Identifier: MIT */
/* vmsilo-guest-net: the kernel command line parser and the files it writes. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "netcfg.h"

struct rejects {
	size_t n;
	char last[256];
};

static void collect(void *userdata, const char *key, const char *value, const char *why)
{
	struct rejects *r = userdata;
	r->n++;
	snprintf(r->last, sizeof(r->last), "%s=%s: %s", key, value, why);
}

/* Parses text; the caller frees the result. */
static struct gn_config *parse(const char *text, struct rejects *rej)
{
	struct kcmdline *k = malloc(sizeof(*k));
	struct gn_config *c = malloc(sizeof(*c));
	assert_non_null(k);
	assert_non_null(c);
	memset(rej, 0, sizeof(*rej));
	assert_int_equal(kcmdline_set(k, text, strlen(text)), 0);
	gn_parse(k, c, collect, rej);
	assert_int_equal(c->rejected, rej->n);
	free(k);
	return c;
}

/* What vmsilo-launch --dry-run writes for the example netvm (tests/data/golden/netvm.argv). */
#define NETVM_CMDLINE                                                                              \
	"console=ttyS0 root=/dev/vda ro vmsilo.name=netvm systemd.hostname=netvm "                 \
	"vmsilo.overlay=tmpfs vmsilo.notifications=0 vmsilo.ifname=upstream,02:1f:c4:09:f6:3c "    \
	"vmsilo.addr=upstream,10.200.81.188/31 vmsilo.route=upstream,0.0.0.0/0,10.200.81.189 "     \
	"vmsilo.ifname=banking,02:8e:a9:4b:ba:de vmsilo.addr=banking,10.200.244.129/31 "           \
	"vmsilo.client=banking vmsilo.dns=9.9.9.9 vmsilo.netvm=1\n"

static void test_netvm(void **state)
{
	struct rejects rej;
	struct gn_config *c = parse(NETVM_CMDLINE, &rej);
	char text[GN_FILE_MAX];
	(void)state;

	assert_int_equal(rej.n, 0);
	assert_int_equal(c->nifs, 2);
	assert_string_equal(c->ifs[0].name, "upstream");
	assert_string_equal(c->ifs[0].mac, "02:1f:c4:09:f6:3c");
	assert_false(c->ifs[0].client);
	assert_true(c->ifs[1].client);
	assert_true(gn_is_router(c));

	assert_true(gn_render_link(c, 0, text, sizeof(text)) > 0);
	assert_string_equal(text, "# vmsilo-guest-net: vmsilo.ifname=upstream,02:1f:c4:09:f6:3c on the kernel command line\n"
				  "[Match]\nMACAddress=02:1f:c4:09:f6:3c\n\n[Link]\nName=upstream\n");
	assert_true(gn_render_network(c, 0, text, sizeof(text)) > 0);
	assert_string_equal(text, "# vmsilo-guest-net: the vmsilo.* entries for upstream on the kernel command line\n"
				  "[Match]\nName=upstream\n\n[Network]\nDHCP=no\nIPv6AcceptRA=no\n"
				  "Address=10.200.81.188/31\n\n[Route]\nDestination=0.0.0.0/0\nGateway=10.200.81.189\n");
	assert_true(gn_render_resolved(c, text, sizeof(text)) > 0);
	assert_string_equal(text, "# vmsilo-guest-net: vmsilo.dns= and vmsilo.client= on the kernel command line\n"
				  "[Resolve]\nDNS=9.9.9.9\nFallbackDNS=\nDNSStubListenerExtra=10.200.244.129\n");
	free(c);
}

/* A client: no stub listener, and entries may come before the ifname they name. */
static void test_client_any_order(void **state)
{
	struct rejects rej;
	struct gn_config *c = parse("vmsilo.dns=10.200.5.3 vmsilo.route=upstream,0.0.0.0/0,10.200.5.3 "
				    "vmsilo.addr=upstream,10.200.5.2/31 vmsilo.ifname=upstream,02:00:00:00:00:02",
				    &rej);
	char text[GN_FILE_MAX];
	(void)state;

	assert_int_equal(rej.n, 0);
	assert_int_equal(c->nifs, 1);
	assert_int_equal(c->ifs[0].naddrs, 1);
	assert_int_equal(c->ifs[0].nroutes, 1);
	assert_false(gn_is_router(c));
	assert_true(gn_render_resolved(c, text, sizeof(text)) > 0);
	assert_null(strstr(text, "DNSStubListenerExtra"));
	assert_non_null(strstr(text, "DNS=10.200.5.3\n"));
	free(c);
}

static void test_ipv6_and_dhcp(void **state)
{
	struct rejects rej;
	struct gn_config *c = parse("vmsilo.ifname=lan,02:AB:CD:00:00:01 vmsilo.dhcp=lan "
				    "vmsilo.addr=lan,FD00:0:0::1/64 vmsilo.route=lan,2001:db8::/32,fd00::ff "
				    "vmsilo.route=lan,::/0,fd00::fe vmsilo.dns=2001:DB8::53",
				    &rej);
	char text[GN_FILE_MAX];
	(void)state;

	assert_int_equal(rej.n, 0);
	assert_string_equal(c->ifs[0].mac, "02:ab:cd:00:00:01");
	assert_string_equal(c->ifs[0].addrs[0], "fd00::1/64");
	assert_string_equal(c->dns[0], "2001:db8::53");
	assert_true(gn_render_network(c, 0, text, sizeof(text)) > 0);
	assert_non_null(strstr(text, "[Network]\nDHCP=yes\nAddress=fd00::1/64\n"));
	assert_null(strstr(text, "IPv6AcceptRA"));
	assert_non_null(strstr(text, "[Route]\nDestination=2001:db8::/32\nGateway=fd00::ff\n"));
	assert_non_null(strstr(text, "[Route]\nDestination=::/0\nGateway=fd00::fe\n"));
	free(c);
}

/* Each bad entry alone next to a good interface: skipped with a reason, the rest kept. */
static void test_bad_entries(void **state)
{
	static const struct {
		const char *entry, *why;
	} bad[] = {
		{ "vmsilo.ifname=eth0", "expected NAME,MAC" },
		{ "vmsilo.ifname=eth1,02:00:00:00:00:09,x", "expected NAME,MAC" },
		{ "vmsilo.ifname=,02:00:00:00:00:09", "1 to 15 characters" },
		{ "vmsilo.ifname=abcdefghijklmnop,02:00:00:00:00:09", "1 to 15 characters" },
		{ "vmsilo.ifname=eth*,02:00:00:00:00:09", "only letters" },
		{ "vmsilo.ifname=a/b,02:00:00:00:00:09", "only letters" },
		{ "vmsilo.ifname=..,02:00:00:00:00:09", "'.' and '..'" },
		{ "vmsilo.ifname=42,02:00:00:00:00:09", "not all digits" },
		{ "vmsilo.ifname=eth1,02:00:00:00:00", "expected a MAC" },
		{ "vmsilo.ifname=eth1,02:00:00:00:00:0g", "expected a MAC" },
		{ "vmsilo.ifname=eth1,+2:00:00:00:00:09", "expected a MAC" },
		{ "vmsilo.ifname=eth1,02-00-00-00-00-09", "expected a MAC" },
		{ "vmsilo.ifname=eth1,01:00:5e:00:00:01", "multicast" },
		{ "vmsilo.ifname=eth0,02:00:00:00:00:09", "already declared" },
		{ "vmsilo.ifname=eth1,02:00:00:00:00:01", "already names 'eth0'" },
		{ "vmsilo.addr=eth0", "expected NAME,ADDRESS/PREFIX" },
		{ "vmsilo.addr=eth9,10.0.0.1/24", "no vmsilo.ifname= entry declares interface 'eth9'" },
		{ "vmsilo.addr=eth0,10.0.0.1", "expected ADDRESS/PREFIX" },
		{ "vmsilo.addr=eth0,10.0.0.256/24", "not an IPv4 or IPv6" },
		{ "vmsilo.addr=eth0,010.0.0.1/24", "not an IPv4 or IPv6" },
		{ "vmsilo.addr=eth0,0.0.0.0/0", "unspecified" },
		{ "vmsilo.addr=eth0,10.0.0.1/33", "from 0 to 32" },
		{ "vmsilo.addr=eth0,10.0.0.1/+8", "from 0 to 32" },
		{ "vmsilo.addr=eth0,10.0.0.1/08", "from 0 to 32" },
		{ "vmsilo.addr=eth0,10.0.0.1/", "from 0 to 32" },
		{ "vmsilo.addr=eth0,fd00::1/129", "from 0 to 128" },
		{ "vmsilo.addr=eth0,fd00::1%eth0/64", "not an IPv4 or IPv6" },
		{ "vmsilo.addr=eth0,10.1.1.1/24", "already given" }, /* the good line has it */
		{ "vmsilo.route=eth0,0.0.0.0/0", "expected NAME,DESTINATION/PREFIX,GATEWAY" },
		{ "vmsilo.route=eth0,0.0.0.0/0,10.1.1.254,x", "expected NAME,DESTINATION/PREFIX,GATEWAY" },
		{ "vmsilo.route=eth0,default,10.1.1.254", "expected ADDRESS/PREFIX" },
		{ "vmsilo.route=eth0,0.0.0.0/0,0.0.0.0", "unspecified" },
		{ "vmsilo.route=eth0,::/0,10.1.1.254", "different families" },
		{ "vmsilo.route=eth0,0.0.0.0/0,10.1.1.1", "already given" },
		{ "vmsilo.dhcp=eth9", "no vmsilo.ifname=" },
		{ "vmsilo.dhcp", "1 to 15 characters" },
		{ "vmsilo.client=x:y", "only letters" },
		{ "vmsilo.dns=dns.example", "not an IPv4 or IPv6" },
		{ "vmsilo.dns=9.9.9.9/32", "not an IPv4 or IPv6" },
		{ "vmsilo.dns=::", "unspecified" },
		{ "vmsilo.dns=1.1.1.1", "already given" },
		{ "vmsilo.addr=eth0,10.0.0.1/24,x", "expected NAME,ADDRESS/PREFIX" },
		{ "vmsilo.addr=eth0,1111111111111111111111111111111111111111111111111111111111111111111111111111111"
		  "1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111/8",
		  "longer than" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[1024];
		struct rejects rej;
		snprintf(text, sizeof(text),
			 "vmsilo.ifname=eth0,02:00:00:00:00:01 vmsilo.addr=eth0,10.1.1.1/24 "
			 "vmsilo.route=eth0,0.0.0.0/0,10.1.1.1 vmsilo.dns=1.1.1.1 %s",
			 bad[i].entry);
		struct gn_config *c = parse(text, &rej);
		if (rej.n != 1 || !strstr(rej.last, bad[i].why))
			fail_msg("'%s': %zu rejects, last '%s', expected '%s'", bad[i].entry, rej.n, rej.last,
				 bad[i].why);
		/* the good entries still apply */
		assert_int_equal(c->nifs, 1);
		assert_int_equal(c->ifs[0].naddrs, 1);
		assert_int_equal(c->ifs[0].nroutes, 1);
		assert_int_equal(c->ndns, 1);
		assert_false(c->ifs[0].dhcp);
		assert_false(c->ifs[0].client);
		free(c);
	}
}

/* Parameters that merely look alike are not ours; the limits hold. */
static void test_limits_and_lookalikes(void **state)
{
	static char text[KCMDLINE_MAX];
	struct rejects rej;
	struct gn_config *c;
	size_t used = 0;
	(void)state;

	c = parse("vmsilo.ifnames=x,02:00:00:00:00:01 vmsilo.address=a,1.2.3.4/8 xvmsilo.dns=1.1.1.1", &rej);
	assert_int_equal(rej.n, 0);
	assert_int_equal(c->nifs, 0);
	assert_int_equal(c->ndns, 0);
	free(c);

	for (int i = 0; i <= GN_IFACES_MAX; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "vmsilo.ifname=e%d,02:00:00:00:%02x:%02x ",
					 i, i >> 8, i & 0xff);
	for (int i = 0; i <= GN_ADDRS_MAX; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "vmsilo.addr=e0,10.0.0.%d/8 ", i + 1);
	for (int i = 0; i <= GN_DNS_MAX; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "vmsilo.dns=10.0.1.%d ", i + 1);
	assert_true(used < sizeof(text));
	c = parse(text, &rej);
	assert_int_equal(c->nifs, GN_IFACES_MAX);
	assert_int_equal(c->ifs[0].naddrs, GN_ADDRS_MAX);
	assert_int_equal(c->ndns, GN_DNS_MAX);
	assert_int_equal(rej.n, 3);
	free(c);
}

static void test_render_overflow(void **state)
{
	struct rejects rej;
	struct gn_config *c = parse(NETVM_CMDLINE, &rej);
	char small[40];
	(void)state;

	assert_int_equal(gn_render_network(c, 0, small, sizeof(small)), -ENOSPC);
	assert_int_equal(gn_render_link(c, 0, small, 0), -ENOSPC);
	assert_int_equal(gn_render_resolved(c, small, sizeof(small)), -ENOSPC);
	free(c);
}

static char *slurp(const char *path)
{
	static char buf[GN_FILE_MAX + 1];
	FILE *f = fopen(path, "r");
	size_t n;
	if (!f)
		fail_msg("cannot open %s", path);
	n = fread(buf, 1, GN_FILE_MAX, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;
	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_write(void **state)
{
	char base[] = "/tmp/test-guest-net.XXXXXX", net[128], res[128], path[256], text[GN_FILE_MAX];
	struct rejects rej;
	struct gn_config *c = parse(NETVM_CMDLINE, &rej);
	struct stat st;
	(void)state;

	assert_non_null(mkdtemp(base));
	snprintf(net, sizeof(net), "%s/run/systemd/network", base); /* created with its parents */
	snprintf(res, sizeof(res), "%s/resolved.conf.d", base);
	for (int round = 0; round < 2; round++) { /* the second one replaces the files */
		assert_int_equal(gn_write(c, net, res, NULL), 0);
		assert_int_equal(count_entries(net), 4); /* no temporary files left behind */
		assert_int_equal(count_entries(res), 1);
	}
	snprintf(path, sizeof(path), "%s/10-vmsilo-banking.network", net);
	gn_render_network(c, 1, text, sizeof(text));
	assert_string_equal(slurp(path), text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	snprintf(path, sizeof(path), "%s/10-vmsilo-upstream.link", net);
	gn_render_link(c, 0, text, sizeof(text));
	assert_string_equal(slurp(path), text);
	snprintf(path, sizeof(path), "%s/vmsilo.conf", res);
	gn_render_resolved(c, text, sizeof(text));
	assert_string_equal(slurp(path), text);

	/* a directory that cannot be made is an error, not a crash */
	snprintf(path, sizeof(path), "%s/vmsilo.conf/sub", res);
	assert_true(gn_write(c, path, res, NULL) < 0);

	free(c);
	snprintf(path, sizeof(path), "rm -rf '%s'", base);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netvm),
		cmocka_unit_test(test_client_any_order),
		cmocka_unit_test(test_ipv6_and_dhcp),
		cmocka_unit_test(test_bad_entries),
		cmocka_unit_test(test_limits_and_lookalikes),
		cmocka_unit_test(test_render_overflow),
		cmocka_unit_test(test_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
