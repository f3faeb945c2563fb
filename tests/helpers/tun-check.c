/* SPDX-License-Identifier: MIT */
/*
 * Test helper for vmsilo-tap-open: checks that descriptor FD is a TUN/TAP
 * descriptor attached to interface IFNAME with the expected flags.
 * Usage: tun-check FD IFNAME   (exit 0 when all holds, 1 otherwise)
 */
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/if_tun.h>

int main(int argc, char **argv)
{
	struct ifreq ifr;
	int fd, fdflags;

	if (argc != 3) {
		fprintf(stderr, "usage: tun-check FD IFNAME\n");
		return 2;
	}
	fd = atoi(argv[1]);
	fdflags = fcntl(fd, F_GETFD);
	if (fdflags < 0) {
		fprintf(stderr, "tun-check: descriptor %d is not open\n", fd);
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
		perror("tun-check: TUNGETIFF");
		return 1;
	}
	if (strcmp(ifr.ifr_name, argv[2]) != 0) {
		fprintf(stderr, "tun-check: bound to %s, expected %s\n", ifr.ifr_name, argv[2]);
		return 1;
	}
	if (!(ifr.ifr_flags & IFF_TAP) || !(ifr.ifr_flags & IFF_NO_PI) || !(ifr.ifr_flags & IFF_VNET_HDR)) {
		fprintf(stderr, "tun-check: flags 0x%x lack TAP|NO_PI|VNET_HDR\n", ifr.ifr_flags);
		return 1;
	}
	printf("fd %d: %s flags=0x%x%s\n", fd, ifr.ifr_name, ifr.ifr_flags,
	       ifr.ifr_flags & IFF_MULTI_QUEUE ? " multi_queue" : "");
	return 0;
}
