/* SPDX-License-Identifier: MIT */
/*
 * Test helper: plays the VMM's part for a TAP. It copies Ethernet frames
 * between an open TAP descriptor (opened with IFF_VNET_HDR, as vmsilo opens
 * TAPs for the VMM) and an AF_PACKET socket on an interface, so a network
 * namespace behind a veth can act as the guest.
 * Usage: frame-pump TAP_FD IFNAME      (runs until killed)
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>

#define FRAME_MAX 65536

int main(int argc, char **argv)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	unsigned char buf[FRAME_MAX + sizeof(struct virtio_net_hdr)];
	const size_t hdr = sizeof(struct virtio_net_hdr);
	int tap, pkt;

	if (argc != 3) {
		fprintf(stderr, "usage: frame-pump TAP_FD IFNAME\n");
		return 2;
	}
	tap = atoi(argv[1]);
	sll.sll_ifindex = (int)if_nametoindex(argv[2]);
	pkt = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (!sll.sll_ifindex || pkt < 0 || bind(pkt, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("frame-pump: packet socket");
		return 1;
	}
	for (;;) {
		struct pollfd p[2] = { { .fd = tap, .events = POLLIN }, { .fd = pkt, .events = POLLIN } };
		ssize_t n;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (p[0].revents & POLLIN) {
			n = read(tap, buf, sizeof(buf));
			if (n > (ssize_t)hdr)
				send(pkt, buf + hdr, (size_t)n - hdr, 0);
		}
		if (p[1].revents & POLLIN) {
			struct sockaddr_ll from;
			socklen_t fl = sizeof(from);
			n = recvfrom(pkt, buf + hdr, FRAME_MAX, 0, (struct sockaddr *)&from, &fl);
			/* only frames the "guest" sent, not our own transmissions seen again */
			if (n > 0 && from.sll_pkttype != PACKET_OUTGOING) {
				memset(buf, 0, hdr);
				if (write(tap, buf, (size_t)n + hdr) < 0 && errno != EIO)
					perror("frame-pump: tap write");
			}
		}
	}
}
