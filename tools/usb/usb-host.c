/* SPDX-License-Identifier: MIT */
/*
 * vmsilo-usb-host: passes one host USB device to a VM with the kernel's
 * USB/IP stub (usbip-host). It takes the device from its driver, connects to
 * the guest's vsock port 5002, tells vmsilo-usb-guest which device comes,
 * reads the guest's answer, and hands the connected socket to the kernel,
 * which then speaks USB/IP on it. It stays until it is stopped, the guest
 * hangs up or the device goes away, and then gives the device back to the
 * driver it had. Run by vmsilo-<vm>-usb@<busid>.service; see docs/usb.md.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "cli.h"
#include "io.h"
#include "log.h"
#include "paths.h"
#include "strutil.h"
#include "usb-proto.h"
#include "usb-sysfs.h"
#include "vsock.h"

#define SYNOPSIS "vmsilo-usb-host [--sysfs DIR] [--timeout SECONDS] --vm VM --device BUSID"
#define USB_CONNECT_TIMEOUT_MS 120000 /* the guest may still be booting */
#define USB_REPLY_TIMEOUT_MS 10000
#define USB_WATCH_INTERVAL_MS 1000
#define USB_STUB_USED "2" /* usbip_status of the stub: SDEV_ST_USED */
#define USB_STUB_ERROR "3"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: " SYNOPSIS "\n"
		   "Pass the host USB device BUSID (as in /sys/bus/usb/devices, e.g. 1-2.3) to VM\n"
		   "over USB/IP on vsock port %u, until stopped; then give it back to its driver.\n"
		   "Needs root and the usbip-host kernel module; vm-usb starts it through\n"
		   "vmsilo-<vm>-usb@<busid>.service.\n"
		   "\nOptions:\n"
		   "  --vm VM            the VM that gets the device\n"
		   "  --device BUSID     the device\n"
		   "  --timeout SECONDS  how long to wait for the guest (default %d)\n"
		   "  --sysfs DIR        where sysfs is (env VMSILO_SYSFS; default /sys)\n"
		   "  --log-level LEVEL  error, warn, info, debug or trace (env VMSILO_LOG)\n"
		   "  -h, --help         show this help\n"
		   "      --version      show the version\n"
		   "\nExit status: 0 detached cleanly, 1 failure (the device is given back), 2 usage error.\n",
		USB_VSOCK_PORT, USB_CONNECT_TIMEOUT_MS / 1000);
}

struct host {
	const char *vm, *root;
	struct usb_device_info dev;
	char prev_driver[USB_DRIVER_NAME_MAX + 1]; /* to give the device back to */
	bool state_written, claimed, handed_over;
};

static const char *describe(const struct usb_device_info *d, char *buf, size_t n)
{
	char name[96];
	str_escape(d->product_name, strlen(d->product_name), name, sizeof(name));
	snprintf(buf, n, "%s (%04x:%04x%s%s)", d->busid, d->vendor, d->product, name[0] ? " " : "", name);
	return buf;
}

/* Takes the device from its driver and binds it to usbip-host. */
static int claim(struct host *h)
{
	const char *busid = h->dev.busid;
	char rel[128];
	int r;

	if (strcmp(h->dev.driver, USB_HOST_DRIVER) != 0 && h->dev.driver[0]) {
		snprintf(rel, sizeof(rel), "drivers/%s/unbind", h->dev.driver);
		r = usb_write_bus(h->root, rel, busid);
		if (r < 0)
			return log_error_errno(r, "cannot unbind %s from its driver '%s' (%s/bus/usb/%s)", busid,
					       h->dev.driver, h->root, rel);
	}
	h->claimed = true;
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "add %s", busid);
	r = usb_write_bus(h->root, "drivers/" USB_HOST_DRIVER "/match_busid", cmd);
	if (r < 0)
		return log_error_errno(r, "cannot add %s to usbip-host's match list", busid);
	if (strcmp(h->dev.driver, USB_HOST_DRIVER) != 0) {
		r = usb_write_bus(h->root, "drivers/" USB_HOST_DRIVER "/bind", busid);
		if (r < 0)
			return log_error_errno(r, "usbip-host refused to bind %s (see the kernel log: dmesg)", busid);
	}
	return 0;
}

/* The device's usbip_sockfd: a connected socket's number starts USB/IP on it, -1 stops it. */
static int set_usbip_sockfd(const struct host *h, const char *value)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "devices/%s/usbip_sockfd", h->dev.busid);
	return usb_write_bus(h->root, rel, value);
}

/* Undoes claim() and the hand-over, as far as they went; never fails loudly twice. */
static void release(struct host *h)
{
	const char *busid = h->dev.busid;
	bool present = usb_device_present(h->root, busid);
	char cmd[64];
	int r;

	if (h->handed_over && present) {
		r = set_usbip_sockfd(h, "-1");
		if (r < 0)
			log_warn_errno(r, "cannot stop USB/IP on %s", busid);
	}
	if (!h->claimed)
		return;
	snprintf(cmd, sizeof(cmd), "del %s", busid);
	r = usb_write_bus(h->root, "drivers/" USB_HOST_DRIVER "/match_busid", cmd);
	if (r < 0)
		log_warn_errno(r, "cannot remove %s from usbip-host's match list", busid);
	if (!present) {
		log_info("%s is gone from the host; nothing to give back", busid);
		return;
	}
	r = usb_write_bus(h->root, "drivers/" USB_HOST_DRIVER "/unbind", busid);
	if (r < 0)
		log_warn_errno(r, "cannot unbind %s from usbip-host", busid);
	if (h->prev_driver[0] && strcmp(h->prev_driver, USB_HOST_DRIVER) != 0) {
		char rel[128];
		snprintf(rel, sizeof(rel), "drivers/%s/bind", h->prev_driver);
		r = usb_write_bus(h->root, rel, busid);
		if (r == 0) {
			log_info("%s is back with its driver '%s'", busid, h->prev_driver);
			return;
		}
		log_warn_errno(r, "cannot bind %s to '%s' again; asking the kernel to probe it", busid,
			       h->prev_driver);
	}
	r = usb_write_bus(h->root, "drivers_probe", busid);
	if (r < 0)
		log_error_errno(r, "cannot give %s back to a host driver; unplug and replug it", busid);
}

static int connect_guest(const struct host *h, int timeout_ms)
{
	struct vsock_addr addr = { .kind = VSOCK_AUTO };
	struct vsock_error err = { { 0 } };
	int fd;

	snprintf(addr.vm, sizeof(addr.vm), "%s", h->vm);
	fd = vsock_connect_retry_until(&addr, USB_VSOCK_PORT, timeout_ms, &err, &stop_signal);
	if (fd >= 0 || stop_signal)
		return fd >= 0 ? fd : -EINTR;
	return log_error_errno(fd, "cannot reach vmsilo-usb-guest in VM '%s' (vsock port %u): %s. "
				   "Is the VM running, and does its image enable "
				   "vmsilo-usb-guest.socket?", h->vm, USB_VSOCK_PORT, err.text);
}

/* Sends the request and reads the guest's answer; returns the vhci port or -errno. */
static int handshake(const struct host *h, int fd)
{
	struct usb_request req = {
		.devid = h->dev.busnum << 16 | h->dev.devnum,
		.speed = h->dev.speed,
		.vendor = h->dev.vendor,
		.product = h->dev.product,
	};
	uint8_t out[USB_REQ_SIZE], untrusted_in[USB_REPLY_SIZE];
	struct usb_reply rep;
	char why[160];
	ssize_t n;
	int r;

	snprintf(req.busid, sizeof(req.busid), "%s", h->dev.busid);
	usb_request_build(&req, out);
	r = write_all(fd, out, sizeof(out), USB_REPLY_TIMEOUT_MS);
	if (r < 0)
		return log_error_errno(r, "sending the device to VM '%s'", h->vm);
	/* exactly the reply: what follows belongs to USB/IP and to the kernel */
	n = read_full(fd, untrusted_in, sizeof(untrusted_in), USB_REPLY_TIMEOUT_MS);
	if (n < 0)
		return log_error_errno((int)n, "waiting for VM '%s' to answer", h->vm);
	r = usb_reply_parse(untrusted_in, (size_t)n, &rep, why, sizeof(why));
	if (r < 0) {
		log_error("VM '%s' answered with a malformed reply (%s); not passing %s", h->vm, why,
			  h->dev.busid);
		return -EPROTO;
	}
	if (rep.status != USB_STATUS_OK) {
		log_error("VM '%s' refused %s: %s", h->vm, h->dev.busid, usb_status_text(rep.status));
		return -ECONNREFUSED;
	}
	return rep.port;
}

/* Why the pass-through ended: 0 for a normal end (signal, guest, unplug), else -errno. */
static int watch(const struct host *h, int fd)
{
	char status[32];
	bool seen_used = false;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLRDHUP };
		int r;

		if (stop_signal) {
			log_info("stopping (signal %d): detaching %s from VM '%s'", (int)stop_signal, h->dev.busid,
				 h->vm);
			return 0;
		}
		r = poll(&p, 1, USB_WATCH_INTERVAL_MS);
		if (r < 0 && errno != EINTR)
			return log_error_errno(errno, "waiting on the USB/IP connection");
		if (r > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
			log_info("VM '%s' closed the USB/IP connection of %s", h->vm, h->dev.busid);
			return 0;
		}
		if (!usb_device_present(h->root, h->dev.busid)) {
			log_info("%s was unplugged", h->dev.busid);
			return 0;
		}
		if (usb_read_attr(h->root, h->dev.busid, "usbip_status", status, sizeof(status)) == 0) {
			if (strcmp(status, USB_STUB_ERROR) == 0) {
				log_error("the kernel's USB/IP stub reports an error on %s (see dmesg)", h->dev.busid);
				return -EIO;
			}
			if (strcmp(status, USB_STUB_USED) == 0)
				seen_used = true;
			else if (seen_used) {
				log_info("the kernel's USB/IP stub released %s", h->dev.busid);
				return 0;
			}
		}
	}
}

static int hand_over(struct host *h, int fd)
{
	char num[16];
	int r;

	snprintf(num, sizeof(num), "%d", fd);
	r = set_usbip_sockfd(h, num);
	if (r < 0)
		return log_error_errno(r, "the kernel's USB/IP stub did not take the connection for %s",
				       h->dev.busid);
	h->handed_over = true;
	return 0;
}

/* A state file left by a holder that died tells which driver the device had. */
static int check_holder(struct host *h)
{
	struct usb_state old;

	if (usb_state_find(h->dev.busid, &old) < 0)
		return 0;
	if (usb_state_alive(&old) && old.pid != getpid()) {
		log_error("%s is passed to VM '%s' already (pid %ld); detach it first: vm-usb detach %s %s",
			  h->dev.busid, old.vm, (long)old.pid, old.vm, h->dev.busid);
		return -EBUSY;
	}
	if (strcmp(h->dev.driver, USB_HOST_DRIVER) == 0 && old.driver[0])
		snprintf(h->prev_driver, sizeof(h->prev_driver), "%s", old.driver);
	log_info("cleaning up after an earlier holder of %s (VM '%s') that did not stop cleanly",
		 h->dev.busid, old.vm);
	(void)usb_state_remove(old.vm, old.busid);
	return 0;
}

static int run(struct host *h, int timeout_ms)
{
	_cleanup_close_ int fd = -1;
	struct usb_state st = { .pid = getpid() };
	char desc[160];
	int r, port;

	r = usb_device_read(h->root, h->dev.busid, &h->dev);
	if (r == -ENOENT)
		return log_error_errno(r, "there is no USB device %s (see vm-usb for the list)", h->dev.busid);
	if (r < 0)
		return log_error_errno(r, "cannot read USB device %s from %s/bus/usb/devices", h->dev.busid,
				       h->root);
	describe(&h->dev, desc, sizeof(desc));
	if (h->dev.device_class == USB_CLASS_HUB)
		return log_error_errno(-EINVAL, "%s is a hub; pass the devices behind it one by one", desc);
	snprintf(h->prev_driver, sizeof(h->prev_driver), "%s", h->dev.driver);
	r = check_holder(h);
	if (r < 0)
		return r;
	if (strcmp(h->prev_driver, USB_HOST_DRIVER) == 0)
		snprintf(h->prev_driver, sizeof(h->prev_driver), "usb"); /* the generic device driver */
	{
		char path[4096];
		snprintf(path, sizeof(path), "%s/bus/usb/drivers/" USB_HOST_DRIVER "/match_busid", h->root);
		if (access(path, F_OK) < 0)
			return log_error_errno(-ENOENT, "the usbip-host kernel driver is not loaded "
						       "(modprobe usbip-host)");
	}

	/* the state file first: a crash after this point can be repaired */
	snprintf(st.vm, sizeof(st.vm), "%s", h->vm);
	snprintf(st.busid, sizeof(st.busid), "%s", h->dev.busid);
	snprintf(st.driver, sizeof(st.driver), "%s", h->prev_driver);
	st.vendor = h->dev.vendor;
	st.product = h->dev.product;
	r = usb_state_write(&st);
	if (r < 0)
		return log_error_errno(r, "cannot write the state file of %s under %s/%s/usb", h->dev.busid,
				       vmsilo_runtime_dir(), h->vm);
	h->state_written = true;

	r = claim(h);
	if (r < 0)
		return r;
	log_info("%s taken from the host; waiting for VM '%s'", desc, h->vm);
	fd = connect_guest(h, timeout_ms);
	if (fd < 0)
		return fd;
	port = handshake(h, fd);
	if (port < 0)
		return port;
	r = hand_over(h, fd);
	if (r < 0)
		return r;
	log_info("%s is attached to VM '%s' (guest port %d, %s speed)", desc, h->vm, port,
		 usb_speed_name(h->dev.speed));
	sd_notifyf(0, "READY=1\nSTATUS=%s attached to VM %s", h->dev.busid, h->vm);
	return watch(h, fd);
}

int main(int argc, char **argv)
{
	enum { OPT_VM = 256, OPT_DEVICE, OPT_SYSFS, OPT_TIMEOUT };
	static const struct option opts[] = {
		{ "vm", required_argument, NULL, OPT_VM },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "sysfs", required_argument, NULL, OPT_SYSFS },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		CLI_COMMON_OPTIONS,
		{ 0 },
	};
	struct host h = { 0 };
	const char *busid = NULL, *sysfs = NULL;
	int timeout_ms = USB_CONNECT_TIMEOUT_MS, c, r;
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: waits end at once */

	log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_VM:
			h.vm = cli_vm_name(SYNOPSIS, optarg);
			break;
		case OPT_DEVICE:
			if (usb_busid_invalid_reason(optarg))
				cli_usage_error(SYNOPSIS, "invalid bus id '%s': %s", optarg,
						usb_busid_invalid_reason(optarg));
			busid = optarg;
			break;
		case OPT_SYSFS:
			sysfs = optarg;
			break;
		case OPT_TIMEOUT:
			if (parse_seconds_ms(optarg, &timeout_ms) < 0)
				cli_usage_error(SYNOPSIS, "invalid --timeout '%s': expected seconds", optarg);
			break;
		default:
			cli_common_option(c, SYNOPSIS, usage);
		}
	}
	if (optind < argc)
		cli_usage_error(SYNOPSIS, "unexpected argument '%s'", argv[optind]);
	if (!h.vm || !busid)
		cli_usage_error(SYNOPSIS, "--vm and --device are required");
	h.root = usb_sysfs_root(sysfs);
	snprintf(h.dev.busid, sizeof(h.dev.busid), "%s", busid);

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	r = run(&h, timeout_ms);
	if (r == -EINTR && stop_signal)
		r = 0; /* stopped before the guest answered */
	sd_notify(0, "STOPPING=1");
	release(&h);
	if (h.state_written)
		(void)usb_state_remove(h.vm, busid);
	return r < 0 ? 1 : 0;
}
