/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes vmsilo-guest-net's parser of the kernel command line and the files
 * it renders. The command line comes from the host, but a bug here could
 * still write a file networkd or resolved misreads, so the invariants are
 * checked: whatever is accepted is well-formed (valid names and MACs, each
 * address in its canonical form), fits the limits, and every file renders
 * in full with no byte outside printable ASCII and newlines.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netcfg.h"
#include "vmconfig.h"

volatile size_t fuzz_sink;

static void check_text(const char *text, int n)
{
	if (n <= 0 || n >= GN_FILE_MAX || strlen(text) != (size_t)n)
		abort();
	for (int i = 0; i < n; i++)
		if (text[i] != '\n' && (text[i] < ' ' || text[i] > '~'))
			abort();
	fuzz_sink += (size_t)n;
}

static void check_cidr(const char *s)
{
	char again[GN_CIDR_LEN];
	int family;
	if (gn_parse_cidr(s, &family, again, NULL, 0) < 0 || strcmp(again, s) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kcmdline k;
	static struct gn_config c;
	static char text[GN_FILE_MAX];
	char addr[GN_ADDR_LEN];
	int family;

	if (kcmdline_set(&k, (const char *)data, size) < 0)
		return 0;
	gn_parse(&k, &c, NULL, NULL);
	if (c.nifs > GN_IFACES_MAX || c.ndns > GN_DNS_MAX)
		abort();
	for (size_t i = 0; i < c.nifs; i++) {
		const struct gn_iface *in = &c.ifs[i];
		if (check_ifname(in->name, NULL, 0) < 0 || parse_mac(in->mac) < 0)
			abort();
		if (in->naddrs > GN_ADDRS_MAX || in->nroutes > GN_ROUTES_MAX)
			abort();
		for (size_t j = 0; j < in->naddrs; j++)
			check_cidr(in->addrs[j]);
		for (size_t j = 0; j < in->nroutes; j++)
			if (gn_parse_address(in->routes[j].gateway, &family, addr, NULL, 0) < 0 ||
			    strcmp(addr, in->routes[j].gateway) != 0)
				abort();
		check_text(text, gn_render_link(&c, i, text, sizeof(text)));
		check_text(text, gn_render_network(&c, i, text, sizeof(text)));
	}
	for (size_t i = 0; i < c.ndns; i++)
		if (gn_parse_address(c.dns[i], &family, addr, NULL, 0) < 0 || strcmp(addr, c.dns[i]) != 0)
			abort();
	check_text(text, gn_render_resolved(&c, text, sizeof(text)));
	return 0;
}
