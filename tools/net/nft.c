/* SPDX-License-Identifier: MIT */
#include "nft.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>

#include "macro.h"

struct nft_batch {
	char *buf;
	struct mnl_nlmsg_batch *mb;
	uint32_t seq_first, seq;
	size_t messages;
	int error;
	char *text; /* the rules, as text */
	size_t text_len;
};

struct nft_batch *nft_batch_new(void)
{
	struct nft_batch *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->buf = malloc(NFT_BATCH_MAX);
	b->mb = b->buf ? mnl_nlmsg_batch_start(b->buf, NFT_BATCH_MAX) : NULL;
	if (!b->mb) {
		free(b->buf);
		free(b);
		return NULL;
	}
	b->seq = b->seq_first = (uint32_t)time(NULL);
	nftnl_batch_begin(mnl_nlmsg_batch_current(b->mb), b->seq++);
	mnl_nlmsg_batch_next(b->mb);
	return b;
}

void nft_batch_free(struct nft_batch *b)
{
	if (!b)
		return;
	mnl_nlmsg_batch_stop(b->mb);
	free(b->buf);
	free(b->text);
	free(b);
}

size_t nft_batch_messages(const struct nft_batch *b)
{
	return b->messages;
}

const char *nft_batch_rules_text(const struct nft_batch *b)
{
	return b->text ? b->text : "";
}

static void record(struct nft_batch *b, const struct nftnl_rule *r)
{
	char line[1024];
	int n = nftnl_rule_snprintf(line, sizeof(line), r, NFTNL_OUTPUT_DEFAULT, 0);
	char *grown;

	if (n <= 0)
		return;
	grown = realloc(b->text, b->text_len + (size_t)n + 2);
	if (!grown)
		return;
	b->text = grown;
	memcpy(b->text + b->text_len, line, (size_t)n);
	b->text_len += (size_t)n;
	b->text[b->text_len++] = '\n';
	b->text[b->text_len] = '\0';
}

static struct nlmsghdr *next_hdr(struct nft_batch *b, uint16_t type, uint16_t flags)
{
	b->messages++;
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b->mb), type, NFPROTO_INET,
				     flags | NLM_F_ACK, b->seq++);
}

static void done(struct nft_batch *b)
{
	if (!mnl_nlmsg_batch_next(b->mb))
		b->error = -ENOBUFS;
}

void nft_chain_name(char out[32], const char *kind, const char *tap)
{
	snprintf(out, 32, "%s-%s", kind, tap);
}

int nft_add_table(struct nft_batch *b, const char *table)
{
	struct nftnl_table *t = nftnl_table_alloc();
	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_nlmsg_build_payload(next_hdr(b, NFT_MSG_NEWTABLE, NLM_F_CREATE), t);
	nftnl_table_free(t);
	done(b);
	return b->error;
}

int nft_del_table(struct nft_batch *b, const char *table)
{
	struct nftnl_table *t = nftnl_table_alloc();
	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_nlmsg_build_payload(next_hdr(b, NFT_MSG_DELTABLE, 0), t);
	nftnl_table_free(t);
	done(b);
	return b->error;
}

static int add_chain(struct nft_batch *b, const char *table, const char *name, const char *type,
		     uint32_t hook, int32_t prio)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	if (!c)
		return -ENOMEM;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nftnl_chain_nlmsg_build_payload(next_hdr(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE), c);
	nftnl_chain_free(c);
	done(b);
	return b->error;
}

static int del_chain(struct nft_batch *b, const char *table, const char *name)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_chain *c = nftnl_chain_alloc();
	if (!r || !c) {
		nftnl_rule_free(r);
		nftnl_chain_free(c);
		return -ENOMEM;
	}
	/* a rule deletion without a handle flushes the chain */
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, name);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_nlmsg_build_payload(next_hdr(b, NFT_MSG_DELRULE, 0), r);
	done(b);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_nlmsg_build_payload(next_hdr(b, NFT_MSG_DELCHAIN, 0), c);
	done(b);
	nftnl_rule_free(r);
	nftnl_chain_free(c);
	return b->error;
}

/* ---- expressions ------------------------------------------------------ */

static void expr(struct nftnl_rule *r, struct nftnl_expr *e)
{
	nftnl_rule_add_expr(r, e);
}

/* load into register 1: meta KEY */
static void load_meta(struct nftnl_rule *r, enum nft_meta_keys key)
{
	struct nftnl_expr *m = nftnl_expr_alloc("meta");
	nftnl_expr_set_u32(m, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(m, NFTNL_EXPR_META_DREG, NFT_REG_1);
	expr(r, m);
}

/* load into register 1: LEN bytes at OFFSET of the BASE header */
static void load_payload(struct nftnl_rule *r, enum nft_payload_bases base, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *p = nftnl_expr_alloc("payload");
	nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	expr(r, p);
}

/* register 1 &= mask (len bytes) */
static void mask_reg(struct nftnl_rule *r, const void *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *bw = nftnl_expr_alloc("bitwise");
	nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(bw, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(bw, NFTNL_EXPR_BITWISE_XOR, zero, len);
	expr(r, bw);
}

/* register 1 OP data, else the rule does not match */
static void cmp_reg(struct nftnl_rule *r, enum nft_cmp_ops op, const void *data, uint32_t len)
{
	struct nftnl_expr *c = nftnl_expr_alloc("cmp");
	nftnl_expr_set_u32(c, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(c, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(c, NFTNL_EXPR_CMP_DATA, data, len);
	expr(r, c);
}

static void match_ifname(struct nftnl_rule *r, enum nft_meta_keys key, const char *name, bool equal)
{
	char padded[IFNAMSIZ] = { 0 };

	snprintf(padded, sizeof(padded), "%s", name);
	load_meta(r, key);
	cmp_reg(r, equal ? NFT_CMP_EQ : NFT_CMP_NEQ, padded, sizeof(padded));
}

static void match_ct_established(struct nftnl_rule *r)
{
	uint32_t mask = NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED), zero = 0;
	struct nftnl_expr *ct = nftnl_expr_alloc("ct");

	nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
	nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	expr(r, ct);
	mask_reg(r, &mask, sizeof(mask));
	cmp_reg(r, NFT_CMP_NEQ, &zero, sizeof(zero));
}

/* meta nfproto ipv4; ip saddr & mask == subnet */
static void match_ipv4_source(struct nftnl_rule *r, uint32_t subnet, unsigned prefix)
{
	uint8_t proto = NFPROTO_IPV4;
	uint32_t net = htonl(subnet), mask = htonl(prefix ? ~0u << (32 - prefix) : 0);

	load_meta(r, NFT_META_NFPROTO);
	cmp_reg(r, NFT_CMP_EQ, &proto, sizeof(proto));
	load_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4); /* IPv4 source address */
	if (prefix < 32)
		mask_reg(r, &mask, sizeof(mask));
	cmp_reg(r, NFT_CMP_EQ, &net, sizeof(net));
}

/* meta l4proto PROTO; th dport PORT */
static void match_dport(struct nftnl_rule *r, uint8_t proto, uint16_t port)
{
	uint16_t be = htons(port);

	load_meta(r, NFT_META_L4PROTO);
	cmp_reg(r, NFT_CMP_EQ, &proto, sizeof(proto));
	load_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	cmp_reg(r, NFT_CMP_EQ, &be, sizeof(be));
}

static void verdict(struct nftnl_rule *r, int v)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)v);
	expr(r, e);
}

static void masquerade(struct nftnl_rule *r)
{
	expr(r, nftnl_expr_alloc("masq"));
}

static struct nftnl_rule *rule_new(const char *table, const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	if (!r)
		return NULL;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	return r;
}

static int rule_add(struct nft_batch *b, struct nftnl_rule *r)
{
	if (!r)
		return b->error = -ENOMEM;
	nftnl_rule_nlmsg_build_payload(next_hdr(b, NFT_MSG_NEWRULE, NLM_F_APPEND | NLM_F_CREATE), r);
	record(b, r);
	nftnl_rule_free(r);
	done(b);
	return b->error;
}

/* "<iif|oif>name <ifname> [ct state established,related] <verdict>" */
static int iface_rule(struct nft_batch *b, const char *table, const char *chain, enum nft_meta_keys key,
		      const char *ifname, bool established, int v)
{
	struct nftnl_rule *r = rule_new(table, chain);
	if (!r)
		return b->error = -ENOMEM;
	match_ifname(r, key, ifname, true);
	if (established)
		match_ct_established(r);
	verdict(r, v);
	return rule_add(b, r);
}

int nft_add_host_link(struct nft_batch *b, const char *tap, uint32_t subnet)
{
	char fwd[32], in[32], nat[32];
	struct nftnl_rule *r;

	nft_chain_name(fwd, "fwd", tap);
	nft_chain_name(in, "in", tap);
	nft_chain_name(nat, "nat", tap);
	add_chain(b, NFT_TABLE, fwd, "filter", NF_INET_FORWARD, 0);
	add_chain(b, NFT_TABLE, in, "filter", NF_INET_LOCAL_IN, 0);
	add_chain(b, NFT_TABLE, nat, "nat", NF_INET_POST_ROUTING, 100);

	/* forward: replies both ways, nothing new towards the VM; out of it only
	 * IPv4 from the guest's own address (no spoofed sources, no IPv6, which
	 * the masquerade would not cover), everything else dropped */
	iface_rule(b, NFT_TABLE, fwd, NFT_META_IIFNAME, tap, true, NF_ACCEPT);
	iface_rule(b, NFT_TABLE, fwd, NFT_META_OIFNAME, tap, true, NF_ACCEPT);
	iface_rule(b, NFT_TABLE, fwd, NFT_META_OIFNAME, tap, false, NF_DROP);
	r = rule_new(NFT_TABLE, fwd);
	if (!r)
		return b->error = -ENOMEM;
	match_ifname(r, NFT_META_IIFNAME, tap, true);
	match_ipv4_source(r, subnet, 32); /* the guest has the even address of its /31 */
	verdict(r, NF_ACCEPT);
	rule_add(b, r);
	iface_rule(b, NFT_TABLE, fwd, NFT_META_IIFNAME, tap, false, NF_DROP);

	/* input: the VM may answer the host, never open a connection to it */
	iface_rule(b, NFT_TABLE, in, NFT_META_IIFNAME, tap, true, NF_ACCEPT);
	iface_rule(b, NFT_TABLE, in, NFT_META_IIFNAME, tap, false, NF_DROP);

	/* postrouting: the VM's /31 leaves with the host's address */
	r = rule_new(NFT_TABLE, nat);
	if (!r)
		return b->error = -ENOMEM;
	match_ipv4_source(r, subnet, 31);
	match_ifname(r, NFT_META_OIFNAME, "lo", false);
	masquerade(r);
	return rule_add(b, r);
}

int nft_del_host_link(struct nft_batch *b, const char *tap)
{
	static const char *const kinds[] = { "fwd", "in", "nat" };
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		char name[32];
		nft_chain_name(name, kinds[i], tap);
		del_chain(b, NFT_TABLE, name);
	}
	return b->error;
}

int nft_add_guest_router(struct nft_batch *b, const char *const *clients, size_t n)
{
	struct nftnl_rule *r;

	nft_add_table(b, NFT_ROUTER_TABLE);
	add_chain(b, NFT_ROUTER_TABLE, "input", "filter", NF_INET_LOCAL_IN, 0);
	add_chain(b, NFT_ROUTER_TABLE, "forward", "filter", NF_INET_FORWARD, 0);
	add_chain(b, NFT_ROUTER_TABLE, "postrouting", "nat", NF_INET_POST_ROUTING, 100);
	r = rule_new(NFT_ROUTER_TABLE, "forward");
	if (r) {
		match_ct_established(r);
		verdict(r, NF_ACCEPT);
	}
	rule_add(b, r);
	for (size_t i = 0; i < n; i++) {
		/* a client may use the router's name service and nothing else on it */
		static const uint8_t l4[] = { IPPROTO_UDP, IPPROTO_TCP };
		iface_rule(b, NFT_ROUTER_TABLE, "input", NFT_META_IIFNAME, clients[i], true, NF_ACCEPT);
		for (size_t k = 0; k < ARRAY_SIZE(l4); k++) {
			r = rule_new(NFT_ROUTER_TABLE, "input");
			if (!r)
				return b->error = -ENOMEM;
			match_ifname(r, NFT_META_IIFNAME, clients[i], true);
			match_dport(r, l4[k], 53);
			verdict(r, NF_ACCEPT);
			rule_add(b, r);
		}
		iface_rule(b, NFT_ROUTER_TABLE, "input", NFT_META_IIFNAME, clients[i], false, NF_DROP);
		/* nothing new into a client: not from outside, not from another client */
		iface_rule(b, NFT_ROUTER_TABLE, "forward", NFT_META_OIFNAME, clients[i], false, NF_DROP);
		/* a client's traffic leaves with the router's address */
		r = rule_new(NFT_ROUTER_TABLE, "postrouting");
		if (!r)
			return b->error = -ENOMEM;
		match_ifname(r, NFT_META_IIFNAME, clients[i], true);
		match_ifname(r, NFT_META_OIFNAME, "lo", false);
		masquerade(r);
		rule_add(b, r);
	}
	return b->error;
}

/* ---- talking to the kernel ------------------------------------------- */

/*
 * The socket kept open between commits while nft_hold(true) is in force.
 * Releasing a netfilter netlink socket waits for the kernel to finish
 * destroying what earlier commits deleted (an RCU grace period, ~15 ms):
 * holding the socket while other slow work runs (deleting the TAP) lets
 * that destruction finish meanwhile, so the final close does not wait.
 */
static struct mnl_socket *held;
static bool holding;

/* A bound netfilter netlink socket, or NULL with errno set. */
static struct mnl_socket *nfnl_open(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);

	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	return nl;
}

void nft_hold(bool on)
{
	holding = on;
	if (!on && held) {
		mnl_socket_close(held);
		held = NULL;
	}
}

int nft_commit(struct nft_batch *b)
{
	struct mnl_socket *nl;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int r = 0, acks = 0;

	if (b->error)
		return b->error;
	nftnl_batch_end(mnl_nlmsg_batch_current(b->mb), b->seq++);
	mnl_nlmsg_batch_next(b->mb);
	nl = held;
	held = NULL;
	if (!nl && !(nl = nfnl_open()))
		return -errno;
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b->mb), mnl_nlmsg_batch_size(b->mb)) < 0) {
		r = -errno;
		mnl_socket_close(nl);
		return r;
	}
	/* one acknowledgement per message; the first error ends the batch */
	while (acks < (int)b->messages) {
		int n = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; mnl_nlmsg_ok(h, n); h = mnl_nlmsg_next(h, &n)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
				acks++;
				if (e->error && !r)
					r = e->error;
			}
		}
		if (r)
			break;
	}
	/* after an error unread acknowledgements may remain: never reuse that socket */
	if (holding && r == 0)
		held = nl;
	else
		mnl_socket_close(nl);
	return r;
}

struct chain_list {
	const char *table;
	char **names;
	size_t n;
};

static int chain_cb(const struct nlmsghdr *h, void *data)
{
	struct chain_list *l = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	if (c && nftnl_chain_nlmsg_parse(h, c) == 0 &&
	    strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), l->table) == 0) {
		char **grown = realloc(l->names, (l->n + 1) * sizeof(char *));
		if (grown) {
			l->names = grown;
			l->names[l->n++] = strdup(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
		}
	}
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

int nft_list_chains(const char *table, char ***names, size_t *n)
{
	struct chain_list l = { .table = table };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = nfnl_open();
	uint32_t seq = (uint32_t)time(NULL), port;
	struct nlmsghdr *h;
	int r;

	*names = NULL;
	*n = 0;
	if (!nl)
		return -errno;
	port = mnl_socket_get_portid(nl);
	h = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_INET, NLM_F_DUMP, seq);
	if (mnl_socket_sendto(nl, h, h->nlmsg_len) < 0) {
		r = -errno;
		mnl_socket_close(nl);
		return r;
	}
	for (;;) {
		int len = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (len <= 0) {
			r = len < 0 ? -errno : 0;
			break;
		}
		r = mnl_cb_run(buf, (size_t)len, seq, port, chain_cb, &l);
		if (r <= 0)
			break;
	}
	mnl_socket_close(nl);
	*names = l.names;
	*n = l.n;
	return r < 0 ? -errno : 0;
}
