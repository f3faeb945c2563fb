/* SPDX-License-Identifier: MIT */
/*
 * vmsilo-net: the host side of a VM's networking. `up` creates the VM's TAPs
 * (persistent, owned by the VM's user so the VMM can open them), bridges,
 * host addresses and, for Netvm=host, the NAT and firewall rules; `down`
 * removes exactly that again. Run as root by the VM's prep unit.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "io.h"
#include "kcmdline.h"
#include "links.h"
#include "log.h"
#include "macro.h"
#include "netplan.h"
#include "nft.h"
#include "paths.h"
#include "vmsilo-config.h"

#define SYNOPSIS "vmsilo-net up|down <vm> | status [<vm>] | guest-router [--cmdline FILE]"
#define IP_FORWARD "/proc/sys/net/ipv4/ip_forward"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vmsilo-net up <vm>         create the VM's TAPs, bridges, addresses and rules\n"
		"       vmsilo-net down <vm>       remove them again\n"
		"       vmsilo-net status [<vm>]   show what vmsilo owns (all VMs by default)\n"
		"       vmsilo-net guest-router [--cmdline FILE]\n"
		"                                  inside a netvm guest: NAT and isolation for its\n"
		"                                  clients, from vmsilo.client= on the kernel command line\n"
		"\n"
		"The VM's network comes from its .vm file in %s ([Interface],\n"
		"[Network] Netvm=, IsNetvm=); see docs/networking.md.\n"
		"\n"
		"Options:\n"
		"  --log-level LEVEL  error, warn, info, debug or trace (env VMSILO_LOG)\n"
		"  -h, --help         show this help\n"
		"      --version      show the version\n"
		"\n"
		"Exit status: 0 done, 1 failure, 2 usage error.\n",
		vmsilo_config_dir());
}

struct context {
	struct vm_config **all;
	size_t nall;
	const struct vm_config *vm;
	struct net_plan plan;
	struct nl_sock *sk;
};

static int load(struct context *c, const char *name)
{
	char path[4096], err[512];
	struct vm_config probe;
	struct vm_error verr;
	int r = net_load_all(&c->all, &c->nall);

	if (r < 0)
		return log_error_errno(r, "reading %s", vmsilo_config_dir());
	for (size_t i = 0; i < c->nall; i++)
		if (strcmp(c->all[i]->name, name) == 0)
			c->vm = c->all[i];
	if (!c->vm) {
		/* say why: missing or broken */
		vm_config_path(path, sizeof(path), name);
		if (vm_config_load(path, &probe, &verr) < 0)
			log_error("%s", verr.text);
		vm_config_free(&probe);
		return -ENOENT;
	}
	r = net_plan_build(c->vm, c->all, c->nall, &c->plan, err, sizeof(err));
	if (r < 0)
		return log_error("VM '%s': %s", name, err), r;
	return 0;
}

static int enable_forwarding(void)
{
	char now[2] = "";
	_cleanup_close_ int rfd = open(IP_FORWARD, O_RDONLY | O_CLOEXEC);

	/* already on: nothing to write (and /proc/sys may be read-only, as in a container) */
	if (rfd >= 0 && read_full(rfd, now, 1, 1000) == 1 && now[0] == '1')
		return 0;
	_cleanup_close_ int fd = open(IP_FORWARD, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write_all(fd, "1\n", 2, 1000) < 0)
		return log_error_errno(errno, "enabling IPv4 forwarding (%s)", IP_FORWARD);
	return 0;
}

static bool has_chain(char **names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return true;
	return false;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Removes a host link's chains if present; drops the table when nothing else is in it. */
static int rules_down(const char *tap, bool keep_table)
{
	char **names, chain[32];
	size_t n;
	struct nft_batch *b;
	int r = nft_list_chains(NFT_TABLE, &names, &n);

	if (r < 0)
		return log_error_errno(r, "listing nftables chains");
	nft_chain_name(chain, "fwd", tap);
	b = nft_batch_new();
	if (!b)
		return free_names(names, n), -ENOMEM;
	if (has_chain(names, n, chain))
		nft_del_host_link(b, tap);
	size_t others = 0;
	for (size_t i = 0; i < n; i++)
		if (!strstr(names[i], tap))
			others++;
	if (n > 0 && others == 0 && !keep_table)
		nft_del_table(b, NFT_TABLE);
	r = nft_batch_messages(b) ? nft_commit(b) : 0;
	nft_batch_free(b);
	free_names(names, n);
	if (r < 0)
		return log_error_errno(r, "removing the nftables rules of %s", tap);
	return 0;
}

static int rules_up(const struct plan_tap *t)
{
	struct nft_batch *b;
	int r = rules_down(t->ifname, true); /* whatever a crash left: replace it */

	if (r < 0)
		return r;
	b = nft_batch_new();
	if (!b)
		return -ENOMEM;
	nft_add_table(b, NFT_TABLE);
	nft_add_host_link(b, t->ifname, t->subnet);
	r = nft_commit(b);
	nft_batch_free(b);
	if (r < 0)
		return log_error_errno(r, "adding the nftables rules of %s", t->ifname);
	return 0;
}

static int cmd_up(struct context *c)
{
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	int r;

	if (c->plan.owner[0]) {
		struct passwd *pw = getpwnam(c->plan.owner);
		if (!pw)
			return log_error("VM '%s': [VM] User=%s does not exist", c->vm->name, c->plan.owner), -ENOENT;
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	for (size_t i = 0; i < c->plan.n; i++) {
		const struct plan_tap *t = &c->plan.taps[i];
		if (t->bridge[0] && t->create_bridge && (r = bridge_create(c->sk, t->bridge)) < 0)
			return r;
		if ((r = tap_create(t->ifname, uid, gid)) < 0)
			return r;
		if ((r = link_configure(c->sk, t->ifname, t->mtu, t->bridge, true)) < 0)
			return r;
		if (t->host_address[0] && (r = address_add(c->sk, t->ifname, t->host_address)) < 0)
			return r;
		if (t->role == TAP_HOST_LINK && ((r = enable_forwarding()) < 0 || (r = rules_up(t)) < 0))
			return r;
		log_info("VM '%s': %s ready (guest %s%s%s)", c->vm->name, t->ifname, t->guest_name,
			 t->bridge[0] ? ", bridge " : "", t->bridge);
	}
	return 0;
}

static int cmd_down(struct context *c)
{
	int ret = 0;

	/* the rules go first, the TAP after; the held socket is closed last */
	nft_hold(true);
	for (size_t i = 0; i < c->plan.n; i++) {
		const struct plan_tap *t = &c->plan.taps[i];
		if (t->role == TAP_HOST_LINK && rules_down(t->ifname, false) < 0)
			ret = -1;
		if (link_delete(c->sk, t->ifname) < 0)
			ret = -1;
		/* generated bridges go with their last port; configured ones stay */
		if ((t->role == TAP_CLIENT || t->role == TAP_ROUTER) && bridge_ports(c->sk, t->bridge) == 0 &&
		    link_delete(c->sk, t->bridge) < 0)
			ret = -1;
	}
	nft_hold(false);
	if (ret == 0)
		log_info("VM '%s': network removed", c->vm->name);
	return ret;
}

static const char *role_name(enum tap_role r)
{
	static const char *const names[] = { "configured", "netvm host", "netvm client", "netvm router" };
	return names[r];
}

static int cmd_status(const char *only)
{
	struct vm_config **all;
	size_t n, nchains;
	char **chains;
	struct nl_sock *sk;
	int r = net_load_all(&all, &n);

	if (r < 0)
		return log_error_errno(r, "reading %s", vmsilo_config_dir());
	if ((r = links_open(&sk)) < 0) {
		net_free_all(all, n);
		return log_error_errno(r, "opening a netlink socket");
	}
	nft_list_chains(NFT_TABLE, &chains, &nchains);
	for (size_t i = 0; i < n; i++) {
		struct net_plan plan;
		char err[512], state[256];
		if (only && strcmp(all[i]->name, only) != 0)
			continue;
		if (net_plan_build(all[i], all, n, &plan, err, sizeof(err)) < 0) {
			printf("%s: %s\n", all[i]->name, err);
			continue;
		}
		if (plan.n == 0 && only)
			printf("%s: no network\n", all[i]->name);
		for (size_t k = 0; k < plan.n; k++) {
			const struct plan_tap *t = &plan.taps[k];
			char fwd[32];
			link_describe(sk, t->ifname, state, sizeof(state));
			nft_chain_name(fwd, "fwd", t->ifname);
			printf("%s: %s (%s, guest %s%s%s) %s%s\n", all[i]->name, t->ifname, role_name(t->role),
			       t->guest_name, t->bridge[0] ? ", bridge " : "", t->bridge, state,
			       t->role == TAP_HOST_LINK ? (has_chain(chains, nchains, fwd) ? ", nft rules present"
											     : ", nft rules missing")
							: "");
		}
	}
	if (!only)
		for (size_t i = 0; i < nchains; i++)
			printf("nftables: table inet %s chain %s\n", NFT_TABLE, chains[i]);
	free_names(chains, nchains);
	links_close(sk);
	net_free_all(all, n);
	return 0;
}

static int cmd_guest_router(const char *cmdline_path)
{
	_cleanup_free_ struct kcmdline *k = malloc(sizeof(*k));
	const char *clients[NETPLAN_CLIENTS_MAX], *cur = NULL, *v;
	size_t n = 0;
	struct nft_batch *b;
	int r;

	if (!k)
		return log_error_errno(-ENOMEM, "out of memory");
	if ((r = kcmdline_load(k, cmdline_path)) < 0)
		return log_error_errno(r, "reading the kernel command line %s", cmdline_path);
	while ((v = kcmdline_next(k, "vmsilo.client", &cur)))
		if (n < NETPLAN_CLIENTS_MAX && *v)
			clients[n++] = v;
	b = nft_batch_new();
	if (!b)
		return -ENOMEM;
	/* replace an earlier set of router rules */
	nft_add_table(b, NFT_ROUTER_TABLE);
	nft_del_table(b, NFT_ROUTER_TABLE);
	nft_add_guest_router(b, clients, n);
	r = nft_commit(b);
	nft_batch_free(b);
	if (r < 0)
		return log_error_errno(r, "installing the router rules");
	if ((r = enable_forwarding()) < 0)
		return r;
	log_info("routing for %zu client%s", n, n == 1 ? "" : "s");
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_CMDLINE = 256 };
	static const struct option opts[] = {
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		CLI_COMMON_OPTIONS,
		{ 0 },
	};
	const char *cmdline = NULL, *verb;
	struct context c = { 0 };
	int opt, r;

	log_init(argv[0]);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_CMDLINE:
			cmdline = optarg;
			break;
		default:
			cli_common_option(opt, SYNOPSIS, usage);
		}
	}
	if (optind >= argc)
		cli_usage_error(SYNOPSIS, "expected a command: up, down, status or guest-router");
	verb = argv[optind++];
	if (strcmp(verb, "status") == 0) {
		if (argc - optind > 1)
			cli_usage_error(SYNOPSIS, "status takes at most one VM name");
		return cmd_status(optind < argc ? argv[optind] : NULL) < 0 ? 1 : 0;
	}
	if (strcmp(verb, "guest-router") == 0) {
		if (optind != argc)
			cli_usage_error(SYNOPSIS, "guest-router takes no VM name");
		return cmd_guest_router(cmdline) < 0 ? 1 : 0;
	}
	if (strcmp(verb, "up") != 0 && strcmp(verb, "down") != 0)
		cli_usage_error(SYNOPSIS, "unknown command '%s'", verb);
	if (argc - optind != 1)
		cli_usage_error(SYNOPSIS, "%s needs exactly one VM name", verb);
	cli_vm_name(SYNOPSIS, argv[optind]);
	if (geteuid() != 0) {
		log_error("%s needs root (vmsilo-%s-prep.service runs it)", verb, argv[optind]);
		return 1;
	}
	if (load(&c, argv[optind]) < 0) {
		net_free_all(c.all, c.nall);
		return 1;
	}
	r = links_open(&c.sk);
	if (r < 0) {
		log_error_errno(r, "opening a netlink socket");
		net_free_all(c.all, c.nall);
		return 1;
	}
	r = strcmp(verb, "up") == 0 ? cmd_up(&c) : cmd_down(&c);
	links_close(c.sk);
	net_free_all(c.all, c.nall);
	return r < 0 ? 1 : 0;
}
