/* SPDX-License-Identifier: MIT */
/*
 * The guest's network settings as the host writes them on the kernel command
 * line (tools/launch/argv.c), parsed strictly, and the systemd-networkd and
 * systemd-resolved files that apply them.
 *
 *   vmsilo.ifname=NAME,MAC          the NIC with that MAC is called NAME
 *   vmsilo.addr=NAME,ADDRESS/PREFIX  a static address (IPv4 or IPv6)
 *   vmsilo.route=NAME,DEST/PREFIX,GATEWAY
 *   vmsilo.dhcp=NAME                 NAME is configured by DHCP
 *   vmsilo.client=NAME               NAME faces a client VM (this VM is a netvm)
 *   vmsilo.dns=ADDRESS               a DNS server
 *
 * The command line comes from the host (it is not guest input), but it is
 * still checked word by word: a malformed entry is reported and skipped, and
 * the others apply. Every entry that names an interface must name one that a
 * vmsilo.ifname= entry declares.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "kcmdline.h"
#include "vmconfig.h" /* IFNAME_MAX, check_ifname */

#define GN_IFACES_MAX 128
#define GN_ADDRS_MAX 16  /* per interface */
#define GN_ROUTES_MAX 16 /* per interface */
#define GN_DNS_MAX 16
#define GN_CIDR_LEN 50 /* an IPv6 address, "/128" and the NUL */
#define GN_ADDR_LEN 46 /* INET6_ADDRSTRLEN */
#define GN_FILE_MAX 8192 /* the longest file written */

/* Where the files go, unless told otherwise. */
#define GN_NETWORK_DIR "/run/systemd/network"
#define GN_RESOLVED_DIR "/run/systemd/resolved.conf.d"
#define GN_RESOLVED_FILE "vmsilo.conf"
/* Sorts before the distribution's own files (99-default.link), so ours match first. */
#define GN_FILE_PREFIX "10-vmsilo-"

struct gn_route {
	char dest[GN_CIDR_LEN];
	char gateway[GN_ADDR_LEN];
};

struct gn_iface {
	char name[IFNAME_MAX + 1];
	char mac[18];
	bool dhcp;
	bool client;
	char addrs[GN_ADDRS_MAX][GN_CIDR_LEN]; /* canonical "address/prefix" */
	size_t naddrs;
	struct gn_route routes[GN_ROUTES_MAX];
	size_t nroutes;
};

struct gn_config {
	struct gn_iface ifs[GN_IFACES_MAX];
	size_t nifs;
	char dns[GN_DNS_MAX][GN_ADDR_LEN];
	size_t ndns;
	size_t rejected; /* entries reported and skipped */
};

/* Told about each entry that is skipped: the parameter, its value, and why. */
typedef void (*gn_reject_fn)(void *userdata, const char *key, const char *value, const char *why);

/* Fills c (which it clears first) from k; never fails, only skips entries. */
void gn_parse(const struct kcmdline *k, struct gn_config *c, gn_reject_fn reject, void *userdata);

/*
 * The checks gn_parse applies, for tests: 0, or -EINVAL with the reason in
 * why. gn_parse_cidr writes the canonical form ("addr/prefix", the address as
 * inet_ntop prints it) to out and the family (AF_INET or AF_INET6) to *family;
 * gn_parse_address does the same without a prefix. Interface names are
 * checked with check_ifname (vmconfig.h).
 */
int gn_parse_cidr(const char *s, int *family, char out[GN_CIDR_LEN], char *why, size_t whylen);
int gn_parse_address(const char *s, int *family, char out[GN_ADDR_LEN], char *why, size_t whylen);

/* Whether c makes this VM a router for client VMs (some vmsilo.client= entry held). */
bool gn_is_router(const struct gn_config *c);

/*
 * The files for c, each rendered into text (at most GN_FILE_MAX bytes):
 * gn_render_link and gn_render_network for interface i, gn_render_resolved
 * for systemd-resolved. Return the length, or -ENOSPC.
 */
int gn_render_link(const struct gn_config *c, size_t i, char *text, size_t len);
int gn_render_network(const struct gn_config *c, size_t i, char *text, size_t len);
int gn_render_resolved(const struct gn_config *c, char *text, size_t len);

/*
 * Writes every file: the .link and .network files into network_dir, the
 * resolved drop-in into resolved_dir (each created when missing), each by
 * rename over a temporary file so that no reader sees half a file. With dry
 * non-NULL nothing is written; each file is printed there under a
 * "# <path>" line instead. Returns 0 or the first -errno (logged), after
 * trying every file.
 */
int gn_write(const struct gn_config *c, const char *network_dir, const char *resolved_dir, FILE *dry);
