/* SPDX-License-Identifier: MIT */
#include "links.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>

#include "log.h"
#include "macro.h"

static int nlerr(int e)
{
	/* libnl error codes are not errnos; map the ones that matter */
	switch (e < 0 ? -e : e) {
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENODEV;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

int links_open(struct nl_sock **sk)
{
	int r;
	*sk = nl_socket_alloc();
	if (!*sk)
		return -ENOMEM;
	r = nl_connect(*sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(*sk);
		*sk = NULL;
		return nlerr(r);
	}
	return 0;
}

void links_close(struct nl_sock *sk)
{
	nl_socket_free(sk);
}

static struct rtnl_link *get_link(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *l = NULL;
	if (rtnl_link_get_kernel(sk, 0, name, &l) < 0)
		return NULL;
	return l;
}

bool link_exists(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *l = get_link(sk, name);
	if (l)
		rtnl_link_put(l);
	return l != NULL;
}

int tap_create(const char *name, uid_t uid, gid_t gid)
{
	struct ifreq ifr = { 0 };
	_cleanup_close_ int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return log_error_errno(errno, "opening /dev/net/tun");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return log_error_errno(errno, "creating TAP %s (an interface of that name may exist with "
					      "another type)", name);
	if (uid != (uid_t)-1 && ioctl(fd, TUNSETOWNER, (unsigned long)uid) < 0)
		return log_error_errno(errno, "setting the owner of TAP %s", name);
	if (gid != (gid_t)-1 && ioctl(fd, TUNSETGROUP, (unsigned long)gid) < 0)
		return log_error_errno(errno, "setting the group of TAP %s", name);
	if (ioctl(fd, TUNSETPERSIST, 1) < 0)
		return log_error_errno(errno, "making TAP %s persistent", name);
	return 0;
}

int link_configure(struct nl_sock *sk, const char *name, uint32_t mtu, const char *master, bool up)
{
	struct rtnl_link *l = get_link(sk, name), *change;
	int r;

	if (!l)
		return log_error("interface %s vanished", name), -ENODEV;
	change = rtnl_link_alloc();
	if (!change) {
		rtnl_link_put(l);
		return -ENOMEM;
	}
	if (mtu)
		rtnl_link_set_mtu(change, mtu);
	if (master && *master) {
		struct rtnl_link *m = get_link(sk, master);
		if (!m) {
			rtnl_link_put(l);
			rtnl_link_put(change);
			return log_error("bridge %s does not exist", master), -ENODEV;
		}
		rtnl_link_set_master(change, rtnl_link_get_ifindex(m));
		rtnl_link_put(m);
	}
	if (up)
		rtnl_link_set_flags(change, IFF_UP);
	r = rtnl_link_change(sk, l, change, 0);
	rtnl_link_put(l);
	rtnl_link_put(change);
	if (r < 0)
		return log_error("configuring %s: %s", name, nl_geterror(r)), nlerr(r);
	return 0;
}

int bridge_create(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *l;
	int r;

	if (link_exists(sk, name))
		return 0;
	l = rtnl_link_bridge_alloc();
	if (!l)
		return -ENOMEM;
	rtnl_link_set_name(l, name);
	r = rtnl_link_add(sk, l, NLM_F_CREATE);
	rtnl_link_put(l);
	if (r < 0 && r != -NLE_EXIST)
		return log_error("creating bridge %s: %s", name, nl_geterror(r)), nlerr(r);
	return link_configure(sk, name, 0, NULL, true);
}

int address_add(struct nl_sock *sk, const char *name, const char *cidr)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = NULL;
	int ifindex = (int)if_nametoindex(name), r;

	if (!a)
		return -ENOMEM;
	if (!ifindex || nl_addr_parse(cidr, AF_INET, &local) < 0) {
		rtnl_addr_put(a);
		return log_error("cannot add address %s to %s", cidr, name), -EINVAL;
	}
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_local(a, local);
	r = rtnl_addr_add(sk, a, 0);
	nl_addr_put(local);
	rtnl_addr_put(a);
	if (r < 0 && r != -NLE_EXIST)
		return log_error("adding address %s to %s: %s", cidr, name, nl_geterror(r)), nlerr(r);
	return 0;
}

int link_delete(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *l = get_link(sk, name);
	int r;

	if (!l)
		return 0;
	r = rtnl_link_delete(sk, l);
	rtnl_link_put(l);
	if (r < 0)
		return log_error("deleting %s: %s", name, nl_geterror(r)), nlerr(r);
	return 0;
}

int bridge_ports(struct nl_sock *sk, const char *bridge)
{
	struct nl_cache *cache;
	struct rtnl_link *b = get_link(sk, bridge);
	int n = 0, idx;

	if (!b)
		return -ENODEV;
	idx = rtnl_link_get_ifindex(b);
	rtnl_link_put(b);
	if (rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache) < 0)
		return -EIO;
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o))
		if (rtnl_link_get_master((struct rtnl_link *)o) == idx)
			n++;
	nl_cache_free(cache);
	return n;
}

void link_describe(struct nl_sock *sk, const char *name, char *out, size_t outlen)
{
	struct rtnl_link *l = get_link(sk, name);
	struct nl_cache *addrs;
	size_t o;

	if (!l) {
		snprintf(out, outlen, "missing");
		return;
	}
	o = (size_t)snprintf(out, outlen, "%s mtu %u", rtnl_link_get_flags(l) & IFF_UP ? "up" : "down",
			     rtnl_link_get_mtu(l));
	if (rtnl_addr_alloc_cache(sk, &addrs) == 0) {
		for (struct nl_object *a = nl_cache_get_first(addrs); a && o < outlen; a = nl_cache_get_next(a)) {
			char buf[64];
			if (rtnl_addr_get_ifindex((struct rtnl_addr *)a) != rtnl_link_get_ifindex(l) ||
			    rtnl_addr_get_family((struct rtnl_addr *)a) != AF_INET)
				continue;
			nl_addr2str(rtnl_addr_get_local((struct rtnl_addr *)a), buf, sizeof(buf));
			o += (size_t)snprintf(out + o, outlen - o, " inet %s", buf);
		}
		nl_cache_free(addrs);
	}
	rtnl_link_put(l);
}
