/* SPDX-License-Identifier: MIT */
/*
 * The network plan of one VM: every TAP it gets, with the host side's role
 * and the guest side's settings. Pure (no system calls beyond reading the
 * other VMs' files), so vmsilo-net (which creates the TAPs and rules) and
 * vmsilo-launch (which hands them to the VMM and writes the kernel command
 * line) agree by construction.
 *
 * Sources of TAPs:
 *  - [Interface NAME] sections: as configured (HostAddress= or Bridge=);
 *  - Netvm=host: a TAP "upstream" with a /31, the host routing and NAT;
 *  - Netvm=<router>: a TAP "upstream" in a bridge shared with the router's TAP;
 *  - IsNetvm=yes: one TAP per client, named after the client in the guest.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "paths.h"
#include "vmconfig.h"

#define NETPLAN_TAPS_MAX (VM_INTERFACES_MAX + 64)
#define NETPLAN_CLIENTS_MAX 64
#define NETPLAN_UPSTREAM "upstream"

enum tap_role {
	TAP_CONFIGURED, /* an [Interface] section */
	TAP_HOST_LINK,  /* Netvm=host: routed and NATed by the host */
	TAP_CLIENT,     /* Netvm=<router>: this VM's side of the link */
	TAP_ROUTER,     /* IsNetvm=yes: the router's side, one per client */
};

struct plan_tap {
	enum tap_role role;
	char ifname[16];       /* host TAP name */
	char guest_name[16];   /* interface name inside the guest */
	char mac[18];
	char host_address[32]; /* "a.b.c.d/p" on the host TAP, or "" */
	char bridge[16];       /* bridge to join, or "" */
	bool create_bridge;    /* vmsilo creates (and removes) the bridge */
	uint32_t mtu;
	char guest_address[32];  /* for generated links: the guest's address/prefix */
	char guest_gateway[16];  /* for generated links: default route, or "" */
	char peer[VM_NAME_MAX + 1]; /* the other VM of a netvm link */
	uint32_t subnet;        /* generated links: the /31's first address */
};

struct net_plan {
	struct plan_tap taps[NETPLAN_TAPS_MAX];
	size_t n;
	char owner[64]; /* TAP owner (the [VM] User=), or "" for root */
};

/*
 * The /31 of the (netvm, client) link: NetvmSubnet= when pinned, else a hash
 * of "netvm/client" into range (a CIDR of prefix <= 30). Returns 0 and the
 * first (even) address, -EINVAL for a bad pin or range.
 */
int netvm_link_subnet(const char *netvm, const char *client, const char *range, const char *pinned,
		      uint32_t *subnet);

/*
 * Builds vm's plan. all/nall are every VM's configuration (to find a router's
 * clients and detect collisions; vm may be among them). On a /31 collision
 * returns -EADDRINUSE with both VMs named in err.
 */
int net_plan_build(const struct vm_config *vm, struct vm_config *const *all, size_t nall,
		   struct net_plan *plan, char *err, size_t errlen);

/* Loads every <config>/NAME.vm that parses (broken ones are skipped); caller frees. */
int net_load_all(struct vm_config ***out, size_t *n);
void net_free_all(struct vm_config **all, size_t n);

void ipv4_format(uint32_t addr, char *out, size_t outlen);
