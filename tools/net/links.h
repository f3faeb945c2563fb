/* SPDX-License-Identifier: MIT */
/* Network interfaces through netlink (libnl-route-3) and the TUN/TAP ioctls. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct nl_sock;

int links_open(struct nl_sock **sk);
void links_close(struct nl_sock *sk);

bool link_exists(struct nl_sock *sk, const char *name);
/* A persistent TAP (vnet header) owned by uid/gid (-1: unchanged); recreated if it is not a TAP. */
int tap_create(const char *name, uid_t uid, gid_t gid);
/* MTU (0: unchanged), MAC ("" : unchanged), master ("" : none), up. */
int link_configure(struct nl_sock *sk, const char *name, uint32_t mtu, const char *master, bool up);
int bridge_create(struct nl_sock *sk, const char *name);
/* Adds "a.b.c.d/p" (an existing equal address is fine). */
int address_add(struct nl_sock *sk, const char *name, const char *cidr);
int link_delete(struct nl_sock *sk, const char *name);
/* Number of interfaces enslaved to the bridge, or -errno. */
int bridge_ports(struct nl_sock *sk, const char *bridge);
/* Prints "name state addresses" for status. */
void link_describe(struct nl_sock *sk, const char *name, char *out, size_t outlen);
