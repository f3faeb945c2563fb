/* SPDX-License-Identifier: MIT */
/* Network plan, /31 allocation and nftables rule construction (no root needed). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "netplan.h"
#include "nft.h"

static struct vm_config *vm(const char *name, const char *extra)
{
	char path[128], text[1024];
	struct vm_config *c = calloc(1, sizeof(*c));
	struct vm_error err;
	snprintf(path, sizeof(path), "/etc/vmsilo/%s.vm", name);
	snprintf(text, sizeof(text), "[VM]\nKernel=/k\nRootDisk=/r\n%s", extra);
	if (vm_config_parse(path, text, strlen(text), c, &err) < 0)
		fail_msg("%s", err.text);
	return c;
}

static void test_allocation(void **state)
{
	uint32_t a, b, seen[1000];
	char client[32];
	size_t collisions = 0;
	(void)state;
	for (int i = 0; i < 1000; i++) {
		snprintf(client, sizeof(client), "client%d", i);
		assert_int_equal(netvm_link_subnet("netvm", client, "10.200.0.0/16", NULL, &a), 0);
		assert_int_equal(netvm_link_subnet("netvm", client, "10.200.0.0/16", NULL, &b), 0);
		assert_int_equal(a, b);                      /* deterministic */
		assert_int_equal(a & 1, 0);                  /* the even address starts the /31 */
		assert_int_equal(a >> 16, (10u << 8) | 200u); /* inside the range */
		for (int k = 0; k < i; k++)
			collisions += seen[k] == a;
		seen[i] = a;
	}
	/* 1000 links hashed into 32768 slots: a few collide, and that is what pinning is for */
	assert_true(collisions < 60);
	assert_int_equal(netvm_link_subnet("a", "b", "10.200.0.0/16", "10.200.5.2/31", &a), 0);
	assert_int_equal(a, 0x0ac80502);
	assert_int_equal(netvm_link_subnet("a", "b", "10.200.0.0/16", "10.200.5.3/31", &a), -EINVAL);
	assert_int_equal(netvm_link_subnet("a", "b", "10.200.0.0/16", "10.200.5.2/30", &a), -EINVAL);
	assert_int_equal(netvm_link_subnet("a", "b", "10.200.0.0/31", NULL, &a), -EINVAL);
	/* a small range maps into itself */
	assert_int_equal(netvm_link_subnet("a", "b", "192.168.9.0/30", NULL, &a), 0);
	assert_true(a == 0xc0a80900 || a == 0xc0a80902);
}

static void test_collision_reported(void **state)
{
	struct vm_config *all[3];
	struct net_plan plan;
	char err[512], name[32];
	uint32_t want, got;
	int other = -1;
	(void)state;
	/* find two clients of "r" whose links collide */
	assert_int_equal(netvm_link_subnet("r", "c0", "10.200.0.0/24", NULL, &want), 0);
	for (int i = 1; i < 1000 && other < 0; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		netvm_link_subnet("r", name, "10.200.0.0/24", NULL, &got);
		if (got == want)
			other = i;
	}
	assert_true(other > 0);
	all[0] = vm("r", "[Network]\nIsNetvm=yes\n");
	all[1] = vm("c0", "[Network]\nNetvm=r\nNetvmRange=10.200.0.0/24\n");
	snprintf(name, sizeof(name), "c%d", other);
	all[2] = vm(name, "[Network]\nNetvm=r\nNetvmRange=10.200.0.0/24\n");
	assert_int_equal(net_plan_build(all[1], all, 3, &plan, err, sizeof(err)), -EADDRINUSE);
	assert_non_null(strstr(err, "'c0'"));
	assert_non_null(strstr(err, name));
	assert_non_null(strstr(err, "NetvmSubnet="));
	assert_int_equal(net_plan_build(all[0], all, 3, &plan, err, sizeof(err)), -EADDRINUSE);
	/* pinning one resolves it */
	vm_config_free(all[2]);
	free(all[2]);
	all[2] = vm(name, "[Network]\nNetvm=r\nNetvmSubnet=10.200.1.4/31\n");
	assert_int_equal(net_plan_build(all[0], all, 3, &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.n, 2);
	for (int i = 0; i < 3; i++) {
		vm_config_free(all[i]);
		free(all[i]);
	}
}

static void test_plan(void **state)
{
	struct vm_config *all[3];
	struct net_plan plan;
	char err[512];
	(void)state;
	all[0] = vm("router", "[Network]\nIsNetvm=yes\nNetvm=host\n");
	all[1] = vm("client", "[Network]\nNetvm=router\nNetvmSubnet=10.200.5.2/31\n");
	all[2] = vm("lan", "User=alice\n[Interface wan]\nHostAddress=10.0.0.254/24\nMTU=1400\n");
	assert_int_equal(net_plan_build(all[1], all, 3, &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.n, 1);
	assert_int_equal(plan.taps[0].role, TAP_CLIENT);
	assert_string_equal(plan.taps[0].guest_name, "upstream");
	assert_string_equal(plan.taps[0].guest_address, "10.200.5.2/31");
	assert_string_equal(plan.taps[0].guest_gateway, "10.200.5.3");
	assert_true(plan.taps[0].create_bridge);
	char bridge[16];
	snprintf(bridge, sizeof(bridge), "%s", plan.taps[0].bridge);

	assert_int_equal(net_plan_build(all[0], all, 3, &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.n, 2);
	assert_int_equal(plan.taps[0].role, TAP_HOST_LINK);
	assert_int_equal(strlen(plan.taps[0].host_address) > 0, 1);
	assert_int_equal(plan.taps[1].role, TAP_ROUTER);
	assert_string_equal(plan.taps[1].guest_name, "client");
	assert_string_equal(plan.taps[1].guest_address, "10.200.5.3/31");
	assert_string_equal(plan.taps[1].bridge, bridge); /* both sides join one bridge */
	assert_true(strlen(plan.taps[1].ifname) <= 15);

	assert_int_equal(net_plan_build(all[2], all, 3, &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.n, 1);
	assert_string_equal(plan.taps[0].ifname, "lan-0");
	assert_string_equal(plan.taps[0].host_address, "10.0.0.254/24");
	assert_int_equal(plan.taps[0].mtu, 1400);
	assert_string_equal(plan.owner, "alice");
	for (int i = 0; i < 3; i++) {
		vm_config_free(all[i]);
		free(all[i]);
	}
}

static void test_rules(void **state)
{
	struct nft_batch *b = nft_batch_new();
	const char *t;
	(void)state;
	assert_non_null(b);
	assert_int_equal(nft_add_table(b, NFT_TABLE), 0);
	assert_int_equal(nft_add_host_link(b, "vsh-12345678", 0x0ac80504), 0);
	/* table + 3 chains + 8 rules */
	assert_int_equal(nft_batch_messages(b), 12);
	t = nft_batch_rules_text(b);
	/* in the forward chain: established both ways, drop new towards the VM,
	 * accept out of it from the guest's address only */
	assert_non_null(strstr(t, "fwd-vsh-12345678"));
	assert_non_null(strstr(t, "in-vsh-12345678"));
	assert_non_null(strstr(t, "nat-vsh-12345678"));
	assert_non_null(strstr(t, "[ ct load state => reg 1 ]"));
	assert_non_null(strstr(t, "[ immediate reg 0 drop ]"));
	assert_non_null(strstr(t, "[ masq ]"));
	/* the /31: 10.200.5.4 and mask 255.255.255.254, in network order */
	assert_non_null(strstr(t, "0x0405c80a"));
	assert_non_null(strstr(t, "0xfeffffff"));
	/* the guest's own address, unmasked: 10.200.5.4/32 */
	assert_non_null(strstr(t, "[ payload load 4b @ network header + 12 => reg 1 ]\n  [ cmp eq reg 1 0x0405c80a ]"));
	/* exactly three drops (new towards the VM, other sources out of it, new into the host) */
	size_t drops = 0;
	for (const char *p = t; (p = strstr(p, "drop")); p++)
		drops++;
	assert_int_equal(drops, 3);
	nft_batch_free(b);

	b = nft_batch_new();
	const char *clients[] = { "c1", "c2" };
	assert_int_equal(nft_add_guest_router(b, clients, 2), 0);
	t = nft_batch_rules_text(b);
	assert_non_null(strstr(t, NFT_ROUTER_TABLE));
	/* table, 3 chains, the established rule; per client: 4 input, 1 forward, 1 nat */
	assert_int_equal(nft_batch_messages(b), 1 + 3 + 1 + 2 * 6);
	/* udp and tcp port 53 */
	assert_non_null(strstr(t, "[ cmp eq reg 1 0x00003500 ]"));
	nft_batch_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allocation),
		cmocka_unit_test(test_collision_reported),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
