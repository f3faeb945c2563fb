/* SPDX-License-Identifier: MIT */
#include "netcfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "macro.h"
#include "strutil.h"

#define VALUE_MAX 160 /* the longest value of one entry: NAME,IPv6/128,IPv6 and some */

/* ---- checks --------------------------------------------------------------- */

int gn_parse_address(const char *s, int *family, char out[GN_ADDR_LEN], char *why, size_t whylen)
{
	unsigned char bin[16];
	static const unsigned char zero[16];

	if (strlen(s) < GN_ADDR_LEN && inet_pton(AF_INET, s, bin) == 1)
		*family = AF_INET;
	else if (strlen(s) < GN_ADDR_LEN && inet_pton(AF_INET6, s, bin) == 1)
		*family = AF_INET6;
	else
		return errfmt(why, whylen, -EINVAL, "not an IPv4 or IPv6 address");
	if (memcmp(bin, zero, *family == AF_INET ? 4 : 16) == 0)
		return errfmt(why, whylen, -EINVAL, "the unspecified address");
	if (!inet_ntop(*family, bin, out, GN_ADDR_LEN))
		return errfmt(why, whylen, -EINVAL, "not an IPv4 or IPv6 address");
	return 0;
}

/* A prefix length: decimal digits without a sign or leading zeros, at most max. */
static int parse_prefix(const char *s, unsigned max, unsigned *out)
{
	uint32_t v;

	if ((s[0] == '0' && s[1]) || parse_u32(s, &v) < 0)
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* "ADDRESS/PREFIX"; unspecified allows 0.0.0.0 and :: (route destinations). */
static int parse_cidr(const char *s, bool unspecified, int *family, char out[GN_CIDR_LEN], char *why,
		      size_t whylen)
{
	const char *slash = strchr(s, '/');
	char addr[GN_ADDR_LEN], canon[GN_ADDR_LEN];
	unsigned prefix, max;
	int r;

	if (!slash)
		return errfmt(why, whylen, -EINVAL, "expected ADDRESS/PREFIX");
	if ((size_t)(slash - s) >= sizeof(addr))
		return errfmt(why, whylen, -EINVAL, "not an IPv4 or IPv6 address");
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (unspecified && (strcmp(addr, "0.0.0.0") == 0 || strcmp(addr, "::") == 0)) {
		*family = addr[0] == ':' ? AF_INET6 : AF_INET;
		snprintf(canon, sizeof(canon), "%s", addr);
	} else if ((r = gn_parse_address(addr, family, canon, why, whylen)) < 0) {
		return r;
	}
	max = *family == AF_INET ? 32 : 128;
	if (parse_prefix(slash + 1, max, &prefix) < 0)
		return errfmt(why, whylen, -EINVAL, "the prefix length is not a number from 0 to %u", max);
	snprintf(out, GN_CIDR_LEN, "%s/%u", canon, prefix);
	return 0;
}

int gn_parse_cidr(const char *s, int *family, char out[GN_CIDR_LEN], char *why, size_t whylen)
{
	return parse_cidr(s, false, family, out, why, whylen);
}

/* ---- entries --------------------------------------------------------------- */

/* Splits value at commas into exactly n fields (copied into buf). */
static int split(const char *value, char buf[VALUE_MAX], char **fields, size_t n, const char *form, char *why,
		 size_t whylen)
{
	size_t i = 0;
	char *p = buf;

	if (strlen(value) >= VALUE_MAX)
		return errfmt(why, whylen, -EINVAL, "longer than %d characters", VALUE_MAX - 1);
	strcpy(buf, value);
	fields[i++] = p;
	while ((p = strchr(p, ','))) {
		if (i == n)
			return errfmt(why, whylen, -EINVAL, "expected %s", form);
		*p++ = '\0';
		fields[i++] = p;
	}
	if (i != n)
		return errfmt(why, whylen, -EINVAL, "expected %s", form);
	return 0;
}

/* The interface a vmsilo.ifname= entry declared, or NULL with why. */
static struct gn_iface *lookup(struct gn_config *c, const char *name, char *why, size_t whylen)
{
	if (check_ifname(name, why, whylen) < 0)
		return NULL;
	for (size_t i = 0; i < c->nifs; i++)
		if (strcmp(c->ifs[i].name, name) == 0)
			return &c->ifs[i];
	errfmt(why, whylen, -ENOENT, "no vmsilo.ifname= entry declares interface '%s'", name);
	return NULL;
}

static int entry_ifname(struct gn_config *c, const char *value, char *why, size_t whylen)
{
	char buf[VALUE_MAX], *f[2];
	struct gn_iface *in;
	int r;

	if ((r = split(value, buf, f, 2, "NAME,MAC", why, whylen)) < 0)
		return r;
	if ((r = check_ifname(f[0], why, whylen)) < 0)
		return r;
	if ((r = parse_mac(f[1])) < 0)
		return errfmt(why, whylen, r, r == -ERANGE ? "a multicast MAC address" : "expected a MAC address "
			      "like 02:00:00:00:00:01");
	for (char *p = f[1]; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	for (size_t i = 0; i < c->nifs; i++) {
		if (strcmp(c->ifs[i].name, f[0]) == 0)
			return errfmt(why, whylen, -EEXIST, "interface '%s' is already declared", f[0]);
		if (strcmp(c->ifs[i].mac, f[1]) == 0)
			return errfmt(why, whylen, -EEXIST, "MAC %s already names '%s'", f[1], c->ifs[i].name);
	}
	if (c->nifs == GN_IFACES_MAX)
		return errfmt(why, whylen, -E2BIG, "more than %d interfaces", GN_IFACES_MAX);
	in = &c->ifs[c->nifs++];
	snprintf(in->name, sizeof(in->name), "%s", f[0]);
	snprintf(in->mac, sizeof(in->mac), "%s", f[1]);
	return 0;
}

static int entry_addr(struct gn_config *c, const char *value, char *why, size_t whylen)
{
	char buf[VALUE_MAX], *f[2], cidr[GN_CIDR_LEN];
	struct gn_iface *in;
	int family, r;

	if ((r = split(value, buf, f, 2, "NAME,ADDRESS/PREFIX", why, whylen)) < 0)
		return r;
	if (!(in = lookup(c, f[0], why, whylen)))
		return -EINVAL;
	if ((r = gn_parse_cidr(f[1], &family, cidr, why, whylen)) < 0)
		return r;
	for (size_t i = 0; i < in->naddrs; i++)
		if (strcmp(in->addrs[i], cidr) == 0)
			return errfmt(why, whylen, -EEXIST, "%s is already given", cidr);
	if (in->naddrs == GN_ADDRS_MAX)
		return errfmt(why, whylen, -E2BIG, "more than %d addresses on '%s'", GN_ADDRS_MAX, in->name);
	memcpy(in->addrs[in->naddrs++], cidr, sizeof(cidr));
	return 0;
}

static int entry_route(struct gn_config *c, const char *value, char *why, size_t whylen)
{
	char buf[VALUE_MAX], *f[3];
	struct gn_route rt;
	struct gn_iface *in;
	int dfamily, gfamily, r;

	if ((r = split(value, buf, f, 3, "NAME,DESTINATION/PREFIX,GATEWAY", why, whylen)) < 0)
		return r;
	if (!(in = lookup(c, f[0], why, whylen)))
		return -EINVAL;
	if ((r = parse_cidr(f[1], true, &dfamily, rt.dest, why, whylen)) < 0)
		return r;
	if ((r = gn_parse_address(f[2], &gfamily, rt.gateway, why, whylen)) < 0)
		return r;
	if (dfamily != gfamily)
		return errfmt(why, whylen, -EINVAL, "the destination and the gateway are of different families");
	for (size_t i = 0; i < in->nroutes; i++)
		if (strcmp(in->routes[i].dest, rt.dest) == 0 && strcmp(in->routes[i].gateway, rt.gateway) == 0)
			return errfmt(why, whylen, -EEXIST, "the route is already given");
	if (in->nroutes == GN_ROUTES_MAX)
		return errfmt(why, whylen, -E2BIG, "more than %d routes on '%s'", GN_ROUTES_MAX, in->name);
	in->routes[in->nroutes++] = rt;
	return 0;
}

static int entry_dhcp(struct gn_config *c, const char *value, char *why, size_t whylen)
{
	struct gn_iface *in = lookup(c, value, why, whylen);

	if (in)
		in->dhcp = true;
	return in ? 0 : -EINVAL;
}

static int entry_client(struct gn_config *c, const char *value, char *why, size_t whylen)
{
	struct gn_iface *in = lookup(c, value, why, whylen);

	if (in)
		in->client = true;
	return in ? 0 : -EINVAL;
}

static int entry_dns(struct gn_config *c, const char *value, char *why, size_t whylen)
{
	char addr[GN_ADDR_LEN];
	int family, r;

	if ((r = gn_parse_address(value, &family, addr, why, whylen)) < 0)
		return r;
	for (size_t i = 0; i < c->ndns; i++)
		if (strcmp(c->dns[i], addr) == 0)
			return errfmt(why, whylen, -EEXIST, "%s is already given", addr);
	if (c->ndns == GN_DNS_MAX)
		return errfmt(why, whylen, -E2BIG, "more than %d DNS servers", GN_DNS_MAX);
	memcpy(c->dns[c->ndns++], addr, sizeof(addr));
	return 0;
}

void gn_parse(const struct kcmdline *k, struct gn_config *c, gn_reject_fn reject, void *userdata)
{
	/* interfaces first: the other entries refer to them, in whatever order they come */
	static const struct {
		const char *key;
		int (*fn)(struct gn_config *, const char *, char *, size_t);
	} entries[] = {
		{ "vmsilo.ifname", entry_ifname }, { "vmsilo.addr", entry_addr }, { "vmsilo.route", entry_route },
		{ "vmsilo.dhcp", entry_dhcp },     { "vmsilo.client", entry_client }, { "vmsilo.dns", entry_dns },
	};

	memset(c, 0, sizeof(*c));
	for (size_t e = 0; e < ARRAY_SIZE(entries); e++) {
		const char *cur = NULL, *v;
		char why[160];
		while ((v = kcmdline_next(k, entries[e].key, &cur))) {
			why[0] = '\0';
			if (entries[e].fn(c, v, why, sizeof(why)) == 0)
				continue;
			c->rejected++;
			if (reject)
				reject(userdata, entries[e].key, v, why);
		}
	}
}

bool gn_is_router(const struct gn_config *c)
{
	for (size_t i = 0; i < c->nifs; i++)
		if (c->ifs[i].client)
			return true;
	return false;
}

/* ---- files ----------------------------------------------------------------- */

struct text {
	char *p;
	size_t len, used;
	bool full;
};

static void put(struct text *t, const char *fmt, ...) _printf_(2, 3);
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->p + t->used, t->len - t->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->len - t->used)
		t->full = true;
	else
		t->used += (size_t)n;
}

static int done(const struct text *t)
{
	return t->full ? -ENOSPC : (int)t->used;
}

int gn_render_link(const struct gn_config *c, size_t i, char *text, size_t len)
{
	struct text t = { text, len, 0, len == 0 };
	const struct gn_iface *in = &c->ifs[i];

	put(&t, "# vmsilo-guest-net: vmsilo.ifname=%s,%s on the kernel command line\n", in->name, in->mac);
	put(&t, "[Match]\nMACAddress=%s\n\n[Link]\nName=%s\n", in->mac, in->name);
	return done(&t);
}

int gn_render_network(const struct gn_config *c, size_t i, char *text, size_t len)
{
	struct text t = { text, len, 0, len == 0 };
	const struct gn_iface *in = &c->ifs[i];

	put(&t, "# vmsilo-guest-net: the vmsilo.* entries for %s on the kernel command line\n", in->name);
	put(&t, "[Match]\nName=%s\n\n[Network]\n", in->name);
	/* static unless the host asked for DHCP: no DHCP client, no router advertisements */
	put(&t, in->dhcp ? "DHCP=yes\n" : "DHCP=no\nIPv6AcceptRA=no\n");
	for (size_t k = 0; k < in->naddrs; k++)
		put(&t, "Address=%s\n", in->addrs[k]);
	for (size_t k = 0; k < in->nroutes; k++)
		put(&t, "\n[Route]\nDestination=%s\nGateway=%s\n", in->routes[k].dest, in->routes[k].gateway);
	return done(&t);
}

int gn_render_resolved(const struct gn_config *c, char *text, size_t len)
{
	struct text t = { text, len, 0, len == 0 };

	put(&t, "# vmsilo-guest-net: vmsilo.dns= and vmsilo.client= on the kernel command line\n[Resolve]\n");
	for (size_t i = 0; i < c->ndns; i++)
		put(&t, "DNS=%s\n", c->dns[i]);
	/* only the servers the host names: no compiled-in public resolvers behind the user's back */
	put(&t, "FallbackDNS=\n");
	/* a netvm answers its clients' queries on its address towards each of them */
	for (size_t i = 0; i < c->nifs; i++) {
		if (!c->ifs[i].client)
			continue;
		for (size_t k = 0; k < c->ifs[i].naddrs; k++) {
			const char *a = c->ifs[i].addrs[k];
			put(&t, "DNSStubListenerExtra=%.*s\n", (int)strcspn(a, "/"), a);
		}
	}
	return done(&t);
}

static int emit(const char *dir, const char *name, const char *text, int len, FILE *dry)
{
	char path[PATH_MAX];
	int r;

	if (len < 0)
		return log_error_errno(len, "%s/%s would be longer than %d bytes", dir, name, GN_FILE_MAX);
	if (dry) {
		fprintf(dry, "# %s/%s\n%.*s", dir, name, len, text);
		return 0;
	}
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		r = -ENAMETOOLONG;
	else
		r = write_file_atomic(path, text, (size_t)len, 0644);
	if (r < 0)
		return log_error_errno(r, "writing %s/%s", dir, name);
	log_debug("wrote %s/%s", dir, name);
	return 0;
}

int gn_write(const struct gn_config *c, const char *network_dir, const char *resolved_dir, FILE *dry)
{
	char text[GN_FILE_MAX], name[64];
	int r, first = 0;

	if (!dry) {
		if ((r = mkdir_parents(network_dir, 0755)) < 0)
			return log_error_errno(r, "creating %s", network_dir);
		if ((r = mkdir_parents(resolved_dir, 0755)) < 0)
			return log_error_errno(r, "creating %s", resolved_dir);
	}
	for (size_t i = 0; i < c->nifs; i++) {
		snprintf(name, sizeof(name), GN_FILE_PREFIX "%s.link", c->ifs[i].name);
		r = emit(network_dir, name, text, gn_render_link(c, i, text, sizeof(text)), dry);
		first = first ? first : r;
		snprintf(name, sizeof(name), GN_FILE_PREFIX "%s.network", c->ifs[i].name);
		r = emit(network_dir, name, text, gn_render_network(c, i, text, sizeof(text)), dry);
		first = first ? first : r;
	}
	r = emit(resolved_dir, GN_RESOLVED_FILE, text, gn_render_resolved(c, text, sizeof(text)), dry);
	return first ? first : r;
}
