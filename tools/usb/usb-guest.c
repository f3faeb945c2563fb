/* SPDX-License-Identifier: MIT */
/*
 * vmsilo-usb-guest: the guest side of USB passthrough. The host's
 * vmsilo-usb-host connects to vsock port 5002 (vmsilo-usb-guest.socket,
 * Accept=yes) and names a device; this program picks a free port of the
 * guest's vhci_hcd, answers, and attaches the connection to that port, after
 * which the kernel speaks USB/IP on it. It stays until the connection ends
 * or it is stopped, and then detaches the port. See docs/usb.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "io.h"
#include "listen.h"
#include "log.h"
#include "macro.h"
#include "usb-proto.h"
#include "usb-sysfs.h"

#define SYNOPSIS "vmsilo-usb-guest [--sysfs DIR]"
#define VHCI_DIR "devices/platform/vhci_hcd.0"
#define VHCI_CONTROLLERS_MAX 128
#define REQUEST_TIMEOUT_MS 10000
#define WATCH_INTERVAL_MS 1000

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: " SYNOPSIS "\n"
		   "Serve one USB device offered by the host on the connection given as stdin\n"
		   "(or socket-activated as fd 3): attach it to a free vhci_hcd port and keep it\n"
		   "until the connection ends. Run by vmsilo-usb-guest@.service for vsock port %u.\n"
		   "\nOptions:\n"
		   "  --sysfs DIR        where sysfs is (env VMSILO_SYSFS; default /sys)\n"
		   "  --log-level LEVEL  error, warn, info, debug or trace (env VMSILO_LOG)\n"
		   "  -h, --help         show this help\n"
		   "      --version      show the version\n"
		   "\nExit status: 0 served and detached, 1 failure, 2 usage error.\n",
		USB_VSOCK_PORT);
}

struct port_pick {
	enum usb_vhci_hub hub;
	int port;        /* the first free port of that hub, or -1 */
	bool any_of_hub; /* the hub exists at all */
};

static int pick_free(const struct usb_vhci_port *p, void *userdata)
{
	struct port_pick *pick = userdata;
	if (p->hub != pick->hub)
		return 0;
	pick->any_of_hub = true;
	if (p->status == USB_VDEV_ST_NULL && (pick->port < 0 || (int)p->port < pick->port))
		pick->port = (int)p->port;
	return 0;
}

struct port_find {
	unsigned port;
	bool found;
	struct usb_vhci_port state;
};

static int find_port(const struct usb_vhci_port *p, void *userdata)
{
	struct port_find *f = userdata;
	if (p->port != f->port)
		return 0;
	f->found = true;
	f->state = *p;
	return 1;
}

/* Runs fn over every status table of the vhci_hcd controllers; -ENOENT without vhci_hcd. */
static int vhci_scan(const char *root, int (*fn)(const struct usb_vhci_port *, void *), void *userdata)
{
	_cleanup_free_ char *buf = malloc(USB_VHCI_STATUS_MAX + 1);
	char why[160];

	if (!buf)
		return -ENOMEM;
	for (int i = 0; i < VHCI_CONTROLLERS_MAX; i++) {
		char path[PATH_MAX];
		_cleanup_close_ int fd = -1;
		ssize_t n;
		int r;

		if (i == 0)
			snprintf(path, sizeof(path), "%s/" VHCI_DIR "/status", root);
		else
			snprintf(path, sizeof(path), "%s/" VHCI_DIR "/status.%d", root, i);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT && i > 0)
				return 0;
			return -errno;
		}
		n = read_full(fd, buf, USB_VHCI_STATUS_MAX + 1, 5000);
		if (n < 0)
			return (int)n;
		r = usb_vhci_status_parse(buf, (size_t)n, fn, userdata, why, sizeof(why));
		if (r < 0)
			return log_error_errno(r, "cannot read %s: %s", path, why);
		if (r > 0)
			return r;
	}
	return 0;
}

static int vhci_write(const char *root, const char *leaf, const char *text)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/" VHCI_DIR "/%s", root, leaf);
	return usb_write_file(path, text);
}

static int reply(int fd, enum usb_status status, unsigned port)
{
	struct usb_reply rep = { .status = (uint16_t)status, .port = (uint16_t)port };
	uint8_t out[USB_REPLY_SIZE];
	usb_reply_build(&rep, out);
	return write_all(fd, out, sizeof(out), REQUEST_TIMEOUT_MS);
}

/* Until the connection ends or a signal comes; then detaches the port if it is still ours. */
static void watch(const char *root, int fd, unsigned port, uint32_t devid)
{
	bool seen_used = false;
	char num[16];

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLRDHUP };
		struct port_find f = { .port = port };
		int r;

		if (stop_signal) {
			log_info("stopping (signal %d)", (int)stop_signal);
			break;
		}
		r = poll(&p, 1, WATCH_INTERVAL_MS);
		if (r < 0 && errno != EINTR) {
			log_error_errno(errno, "waiting on the USB/IP connection");
			break;
		}
		if (r > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
			log_info("the host closed the connection of port %u", port);
			break;
		}
		if (vhci_scan(root, find_port, &f) < 0 || !f.found)
			continue;
		if (f.state.status == USB_VDEV_ST_USED && f.state.devid == devid)
			seen_used = true;
		else if (seen_used) {
			log_info("port %u was released by the kernel", port);
			return;
		}
	}
	snprintf(num, sizeof(num), "%u", port);
	int r = vhci_write(root, "detach", num);
	if (r < 0)
		log_debug_errno(r, "detaching port %u (it may be free already)", port);
	else
		log_info("detached port %u", port);
}

static int serve(const char *root, int fd)
{
	uint8_t buf[USB_REQ_SIZE];
	struct usb_request req;
	struct port_pick pick;
	char why[160], line[96];
	ssize_t n;
	int r;

	n = read_full(fd, buf, sizeof(buf), REQUEST_TIMEOUT_MS);
	if (n < 0)
		return log_error_errno((int)n, "reading the host's request");
	r = usb_request_parse(buf, (size_t)n, &req, why, sizeof(why));
	if (r < 0) {
		log_error("the host sent a request this guest does not understand: %s", why);
		(void)reply(fd, USB_STATUS_BAD_REQUEST, 0);
		return r;
	}
	pick = (struct port_pick){ .hub = usb_vhci_hub_for_speed(req.speed), .port = -1 };
	r = vhci_scan(root, pick_free, &pick);
	if (r == -ENOENT) {
		log_error("no vhci_hcd in this guest (%s/" VHCI_DIR "); is the vhci-hcd module loaded?", root);
		(void)reply(fd, USB_STATUS_NO_VHCI, 0);
		return r;
	}
	if (r < 0) {
		(void)reply(fd, USB_STATUS_NO_VHCI, 0);
		return log_error_errno(r, "cannot read the vhci_hcd port table");
	}
	if (!pick.any_of_hub) {
		log_error("vhci_hcd has no %s ports for a %s speed device", pick.hub == USB_VHCI_SS ? "ss" : "hs",
			  usb_speed_name(req.speed));
		(void)reply(fd, USB_STATUS_BAD_SPEED, 0);
		return -ENODEV;
	}
	if (pick.port < 0) {
		log_error("every %s port of vhci_hcd is in use; cannot attach %s",
			  pick.hub == USB_VHCI_SS ? "ss" : "hs", req.busid);
		(void)reply(fd, USB_STATUS_NO_PORT, 0);
		return -EBUSY;
	}
	/* answer first: once attached, the kernel writes USB/IP on this stream */
	r = reply(fd, USB_STATUS_OK, (unsigned)pick.port);
	if (r < 0)
		return log_error_errno(r, "answering the host");
	snprintf(line, sizeof(line), "%d %d %u %u", pick.port, fd, req.devid,
		 usb_vhci_attach_speed(req.speed));
	r = vhci_write(root, "attach", line);
	if (r < 0)
		return log_error_errno(r, "vhci_hcd refused to attach host device %s to port %d", req.busid,
				       pick.port);
	log_info("host device %s (%04x:%04x, %s speed) attached at port %d", req.busid, req.vendor,
		 req.product, usb_speed_name(req.speed), pick.port);
	watch(root, fd, (unsigned)pick.port, req.devid);
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_SYSFS = 256 };
	static const struct option opts[] = {
		{ "sysfs", required_argument, NULL, OPT_SYSFS },
		CLI_COMMON_OPTIONS,
		{ 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	const char *sysfs = NULL;
	int c, fd;

	log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == OPT_SYSFS)
			sysfs = optarg;
		else
			cli_common_option(c, SYNOPSIS, usage);
	}
	if (optind < argc)
		cli_usage_error(SYNOPSIS, "unexpected argument '%s'", argv[optind]);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fd = listen_fds() == 1 ? LISTEN_FDS_START : STDIN_FILENO;
	return serve(usb_sysfs_root(sysfs), fd) < 0 ? 1 : 0;
}
