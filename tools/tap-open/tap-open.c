/* SPDX-License-Identifier: MIT */
/*
 * vmsilo-tap-open: open an existing TAP interface and exec a command that
 * inherits the descriptor. Lets an unprivileged VMM use a TAP that a
 * privileged step created (persistent, owned by the VM's user).
 *
 * Exit codes: 2 usage, 1 failure before exec; after exec, the command's own.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include "io.h"
#include "cli.h"
#include "log.h"
#include "macro.h"
#include "vmsilo-config.h"

#define TUN_DEVICE "/dev/net/tun"
#define TAP_FD_MAX 1023
#define SYSFS_NET "/sys/class/net"

#define SYNOPSIS "vmsilo-tap-open [--fd N] <ifname> -- <command> [args...]"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vmsilo-tap-open [--fd N] <ifname> -- <command> [args...]\n"
		"Open the existing TAP interface <ifname> and run <command> with the open\n"
		"descriptor at number N (default 3). Every literal \"{fd}\" in the arguments\n"
		"is replaced by that number, e.g. --net fd={fd},mac=...\n"
		"\n"
		"The descriptor is opened with IFF_TAP|IFF_NO_PI|IFF_VNET_HDR, plus\n"
		"IFF_MULTI_QUEUE when the interface was created multi-queue.\n"
		"\n"
		"Options:\n"
		"  --fd N              descriptor number for the TAP (3..1023, default 3)\n"
		"  --log-level LEVEL   error, warn, info, debug or trace (env VMSILO_LOG)\n"
		"  -h, --help          show this help\n"
		"      --version       show the version\n"
		"\n"
		"Exit status: the command's; 1 if the TAP could not be opened or the command\n"
		"could not be executed; 2 usage error.\n");
}

/* Reads /sys/class/net/<if>/tun_flags; -ENOENT when the interface is not a TUN/TAP. */
static int read_tun_flags(const char *ifname, unsigned *flags)
{
	char path[128], buf[32];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), SYSFS_NET "/%s/tun_flags", ifname);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read_full(fd, buf, sizeof(buf) - 1, 1000);
	if (n <= 0)
		return n < 0 ? (int)n : -EINVAL;
	buf[n] = '\0';
	*flags = (unsigned)strtoul(buf, NULL, 16);
	return 0;
}

static int open_tap(const char *ifname)
{
	struct ifreq ifr = { 0 };
	unsigned tun_flags = 0;
	_cleanup_close_ int fd = -1;
	int r;

	if (if_nametoindex(ifname) == 0) {
		log_error("interface '%s' does not exist (it is created by the VM's network "
			  "setup, vmsilo-net up)",
			  ifname);
		return -ENODEV;
	}
	r = read_tun_flags(ifname, &tun_flags);
	if (r == -ENOENT) {
		log_error("interface '%s' is not a TAP device", ifname);
		return -EINVAL;
	}
	if (r < 0)
		return log_error_errno(r, "reading the flags of interface '%s'", ifname);
	if ((tun_flags & IFF_TAP) == 0) {
		log_error("interface '%s' is a TUN (layer 3) device, not a TAP", ifname);
		return -EINVAL;
	}

	fd = open(TUN_DEVICE, O_RDWR);
	if (fd < 0)
		return log_error_errno(errno, "opening " TUN_DEVICE);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (tun_flags & IFF_MULTI_QUEUE)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		if (errno == EPERM)
			return log_error_errno(errno,
					       "attaching to TAP '%s' (the TAP's owner or group must "
					       "match this user, or run with CAP_NET_ADMIN)",
					       ifname);
		return log_error_errno(errno, "attaching to TAP '%s'", ifname);
	}
	return steal_fd(&fd);
}

/* Replaces every "{fd}" in s; returns a new string or NULL on ENOMEM. */
static char *substitute_fd(const char *s, int fd)
{
	char num[16];
	size_t nlen, count = 0, len = strlen(s);
	const char *p;
	char *out, *o;

	snprintf(num, sizeof(num), "%d", fd);
	nlen = strlen(num);
	for (p = s; (p = strstr(p, "{fd}")); p += 4)
		count++;
	out = malloc(len + count * nlen + 1);
	if (!out)
		return NULL;
	for (o = out, p = s; *p;) {
		if (strncmp(p, "{fd}", 4) == 0) {
			memcpy(o, num, nlen);
			o += nlen;
			p += 4;
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

int main(int argc, char **argv)
{
	enum { OPT_FD = 256 };
	static const struct option opts[] = {
		{ "fd", required_argument, NULL, OPT_FD },
		CLI_COMMON_OPTIONS,
		{ 0 },
	};
	uint32_t target = 3;
	const char *ifname;
	char **cmd;
	int c, fd, ncmd;

	log_init(argv[0]);
	/* '+': stop at the first non-option so the command's own options stay its own. */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_FD:
			if (parse_u32(optarg, &target) < 0 || target < 3 || target > TAP_FD_MAX)
				cli_usage_error(SYNOPSIS, "invalid --fd '%s': expected 3..1023", optarg);
			break;
		default:
			cli_common_option(c, SYNOPSIS, usage);
		}
	}
	if (argc - optind < 3 || strcmp(argv[optind + 1], "--") != 0)
		cli_usage_error(SYNOPSIS, "expected <ifname> -- <command> [args...]");
	ifname = argv[optind];
	if (strlen(ifname) == 0 || strlen(ifname) >= IFNAMSIZ || strchr(ifname, '/'))
		cli_usage_error(SYNOPSIS, "invalid interface name '%s'", ifname);
	cmd = argv + optind + 2;
	ncmd = argc - optind - 2;

	fd = open_tap(ifname);
	if (fd < 0)
		return 1;
	if (fd != (int)target) {
		if (dup2(fd, (int)target) < 0) {
			log_error_errno(errno, "moving the TAP descriptor to %u", target);
			return 1;
		}
		close(fd);
	}
	if (fd_set_cloexec((int)target, false) < 0) {
		log_error_errno(errno, "clearing close-on-exec on descriptor %u", target);
		return 1;
	}
	for (int i = 0; i < ncmd; i++) {
		if (!strstr(cmd[i], "{fd}"))
			continue;
		cmd[i] = substitute_fd(cmd[i], (int)target);
		if (!cmd[i]) {
			log_error("out of memory");
			return 1;
		}
	}
	log_debug("TAP '%s' open as descriptor %u; executing %s", ifname, target, cmd[0]);
	execvp(cmd[0], cmd);
	log_error_errno(errno, "executing %s", cmd[0]);
	return 1;
}
