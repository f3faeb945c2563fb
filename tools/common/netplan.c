/* SPDX-License-Identifier: MIT */
#include "netplan.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"

void ipv4_format(uint32_t a, char *out, size_t outlen)
{
	snprintf(out, outlen, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static uint32_t fnv1a(const char *a, const char *b)
{
	uint32_t h = 2166136261u;
	for (const char *p = a; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (const char *p = b; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h;
}

int netvm_link_subnet(const char *netvm, const char *client, const char *range, const char *pinned,
		      uint32_t *subnet)
{
	uint32_t base, addr;
	unsigned prefix;

	if (pinned) {
		if (parse_ipv4_cidr(pinned, &addr, &prefix) < 0 || prefix != 31 || (addr & 1))
			return -EINVAL;
		*subnet = addr;
		return 0;
	}
	if (parse_ipv4_cidr(range, &base, &prefix) < 0 || prefix > 30 || prefix < 8)
		return -EINVAL;
	base &= prefix ? ~((1u << (32 - prefix)) - 1) : 0;
	/* 2^(32-prefix) addresses make 2^(31-prefix) links of two addresses */
	uint32_t slots = 1u << (31 - prefix);
	*subnet = base + 2 * (fnv1a(netvm, client) % slots);
	return 0;
}

/* Short, stable names for generated interfaces (IFNAMSIZ is 16). */
static void link_name(char out[16], char kind, const char *a, const char *b)
{
	snprintf(out, 16, "vs%c-%08x", kind, fnv1a(a, b));
}

static struct plan_tap *add_tap(struct net_plan *plan)
{
	if (plan->n == NETPLAN_TAPS_MAX)
		return NULL;
	memset(&plan->taps[plan->n], 0, sizeof(plan->taps[0]));
	return &plan->taps[plan->n++];
}

static void generated_mac(const char *a, const char *b, char out[18])
{
	char key[2 * VM_NAME_MAX + 8];
	snprintf(key, sizeof(key), "%s>%s", a, b);
	vm_default_mac(key, "link", out);
}

/* Every (netvm, client) link among all VMs must have its own /31. */
static int check_collisions(struct vm_config *const *all, size_t n, const struct vm_config *vm,
			    uint32_t subnet, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		const struct vm_config *o = all[i];
		uint32_t s;
		if (!o->netvm || strcmp(o->name, vm->name) == 0)
			continue;
		if (netvm_link_subnet(o->netvm, o->name, o->netvm_range, o->netvm_subnet, &s) < 0)
			continue;
		if (s == subnet) {
			char a[16];
			ipv4_format(subnet, a, sizeof(a));
			snprintf(err, errlen, "the netvm links of VMs '%s' and '%s' both got %s/31; pin one "
				 "with [Network] NetvmSubnet=", vm->name, o->name, a);
			return -EADDRINUSE;
		}
	}
	return 0;
}

static int link_addresses(const struct vm_config *client, struct vm_config *const *all, size_t n,
			  uint32_t *subnet, char *err, size_t errlen)
{
	int r = netvm_link_subnet(client->netvm, client->name, client->netvm_range, client->netvm_subnet,
				  subnet);
	if (r < 0) {
		snprintf(err, errlen, "VM '%s': NetvmSubnet= must be an even /31 and NetvmRange= a range "
			 "of prefix 8..30", client->name);
		return r;
	}
	return check_collisions(all, n, client, *subnet, err, errlen);
}

static void fill_link(struct plan_tap *t, uint32_t subnet, bool client_side)
{
	char even[16], odd[16];
	ipv4_format(subnet, even, sizeof(even));
	ipv4_format(subnet + 1, odd, sizeof(odd));
	t->subnet = subnet;
	if (client_side) {
		snprintf(t->guest_address, sizeof(t->guest_address), "%s/31", even);
		snprintf(t->guest_gateway, sizeof(t->guest_gateway), "%s", odd);
	} else {
		snprintf(t->guest_address, sizeof(t->guest_address), "%s/31", odd);
	}
}

int net_plan_build(const struct vm_config *vm, struct vm_config *const *all, size_t nall,
		   struct net_plan *plan, char *err, size_t errlen)
{
	struct plan_tap *t;
	uint32_t subnet;
	int r;

	memset(plan, 0, sizeof(*plan));
	snprintf(plan->owner, sizeof(plan->owner), "%s", vm->user ? vm->user : "");
	for (size_t i = 0; i < vm->n_interfaces; i++) {
		const struct vm_interface *in = &vm->interfaces[i];
		t = add_tap(plan);
		t->role = TAP_CONFIGURED;
		snprintf(t->ifname, sizeof(t->ifname), "%s", in->tap_name);
		snprintf(t->guest_name, sizeof(t->guest_name), "%s", in->name);
		snprintf(t->mac, sizeof(t->mac), "%s", in->mac);
		snprintf(t->host_address, sizeof(t->host_address), "%s", in->host_address ? in->host_address : "");
		snprintf(t->bridge, sizeof(t->bridge), "%s", in->bridge ? in->bridge : "");
		t->create_bridge = in->bridge != NULL;
		t->mtu = in->mtu;
	}
	if (vm->netvm) {
		r = link_addresses(vm, all, nall, &subnet, err, errlen);
		if (r < 0)
			return r;
		t = add_tap(plan);
		if (!t)
			return snprintf(err, errlen, "too many interfaces"), -E2BIG;
		snprintf(t->guest_name, sizeof(t->guest_name), NETPLAN_UPSTREAM);
		snprintf(t->peer, sizeof(t->peer), "%s", vm->netvm);
		generated_mac(vm->netvm, vm->name, t->mac);
		fill_link(t, subnet, true);
		if (strcmp(vm->netvm, "host") == 0) {
			char odd[16];
			t->role = TAP_HOST_LINK;
			link_name(t->ifname, 'h', "host", vm->name);
			ipv4_format(subnet + 1, odd, sizeof(odd));
			snprintf(t->host_address, sizeof(t->host_address), "%s/31", odd);
		} else {
			t->role = TAP_CLIENT;
			link_name(t->ifname, 'c', vm->netvm, vm->name);
			link_name(t->bridge, 'b', vm->netvm, vm->name);
			t->create_bridge = true;
		}
	}
	if (vm->is_netvm) {
		for (size_t i = 0; i < nall; i++) {
			const struct vm_config *c = all[i];
			if (!c->netvm || strcmp(c->netvm, vm->name) != 0)
				continue;
			r = link_addresses(c, all, nall, &subnet, err, errlen);
			if (r < 0)
				return r;
			t = add_tap(plan);
			if (!t)
				return snprintf(err, errlen, "too many clients"), -E2BIG;
			t->role = TAP_ROUTER;
			snprintf(t->guest_name, sizeof(t->guest_name), "%.15s", c->name);
			snprintf(t->peer, sizeof(t->peer), "%s", c->name);
			link_name(t->ifname, 'r', vm->name, c->name);
			link_name(t->bridge, 'b', vm->name, c->name);
			t->create_bridge = true;
			generated_mac(c->name, vm->name, t->mac);
			fill_link(t, subnet, false);
		}
	}
	return 0;
}

int net_load_all(struct vm_config ***out, size_t *n)
{
	const char *dir = vmsilo_config_dir();
	struct dirent **ents;
	int count = scandir(dir, &ents, NULL, alphasort);
	struct vm_config **all;

	*out = NULL;
	*n = 0;
	if (count < 0)
		return errno == ENOENT ? 0 : -errno;
	all = calloc((size_t)count + 1, sizeof(*all));
	for (int i = 0; i < count; i++) {
		size_t len = strlen(ents[i]->d_name);
		char path[4096];
		struct vm_error verr;
		if (all && ents[i]->d_name[0] != '.' && len > 3 && strcmp(ents[i]->d_name + len - 3, ".vm") == 0) {
			struct vm_config *vm = calloc(1, sizeof(*vm));
			snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
			if (vm && vm_config_load(path, vm, &verr) == 0)
				all[(*n)++] = vm;
			else if (vm) {
				vm_config_free(vm);
				free(vm);
			}
		}
		free(ents[i]);
	}
	free(ents);
	if (!all)
		return -ENOMEM;
	*out = all;
	return 0;
}

void net_free_all(struct vm_config **all, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		vm_config_free(all[i]);
		free(all[i]);
	}
	free(all);
}
