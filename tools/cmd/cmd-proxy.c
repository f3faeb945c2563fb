/* SPDX-License-Identifier: MIT */
/*
 * vmsilo-cmd-proxy: host side of one vm-run call. systemd starts it per
 * connection on /run/vmsilo/<vm>/command.socket (Accept=yes); its unit
 * requires the VM's unit, so the first call boots the VM. It reads the
 * request, waits for the guest's port 5000, forwards the request and relays
 * frames both ways, checking every frame — the guest's above all.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "cmd-conn.h"
#include "cmd-protocol.h"
#include "io.h"
#include "listen.h"
#include "log.h"
#include "paths.h"
#include "vmsilo-config.h"
#include "vsock.h"

#define SYNOPSIS "vmsilo-cmd-proxy [--boot-timeout S] <vm>"
#define PROXY_REQUEST_TIMEOUT_MS 30000
#define PROXY_DEFAULT_BOOT_TIMEOUT_MS 60000
#define PROXY_FINAL_DRAIN_MS 10000

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " SYNOPSIS "\n"
		"Serve one vm-run connection for VM <vm>: read the request, wait for the\n"
		"guest's command port (%u) to accept, forward the request and relay the\n"
		"answer. Started by systemd from vmsilo-<vm>.socket (Accept=yes); the\n"
		"connection is descriptor 3 (socket activation) or standard input.\n"
		"\n"
		"Options:\n"
		"  --boot-timeout SECONDS  how long to wait for the guest (default 60)\n"
		"  --log-level LEVEL       error, warn, info, debug or trace (env VMSILO_LOG)\n"
		"  -h, --help              show this help\n"
		"      --version           show the version\n"
		"\n"
		"Exit status: 0 the call completed, 1 it failed (the client got an ERROR\n"
		"frame saying why), 2 usage error.\n",
		CMD_GUEST_PORT);
}

static int client_fd(void)
{
	int n = listen_fds();
	if (n == 1)
		return LISTEN_FDS_START;
	return STDIN_FILENO;
}

/* Relays checked frames between client and guest until the guest ends. */
static int relay(int cfd, int gfd, const char *vm)
{
	struct cmd_conn client, guest;
	char why[256];
	int ret = 0;

	if (cmd_conn_init(&client, cfd, CMD_STREAM_FRAME_MAX) < 0 ||
	    cmd_conn_init(&guest, gfd, CMD_STREAM_FRAME_MAX) < 0)
		return log_error_errno(ENOMEM, "setting up the relay");

	for (;;) {
		/* Read a side only while the other side's queue has room (back-pressure). */
		struct pollfd p[2] = {
			cmd_conn_pollfd(&client, cmd_conn_can_queue(&guest, CMD_STREAM_FRAME_MAX)),
			cmd_conn_pollfd(&guest, cmd_conn_can_queue(&client, CMD_STREAM_FRAME_MAX)),
		};
		if (guest.read_eof && !cmd_conn_pending(&client))
			break;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = log_error_errno(errno, "poll");
			break;
		}
		if (cmd_conn_pollin(&p[1])) {
			int r = cmd_conn_read(&guest);
			if (r == FRAME_COMPLETE) {
				const uint8_t *untrusted = guest.in.buf;
				if (cmd_frame_check(untrusted, guest.in.len, CMD_FROM_GUEST, why, sizeof(why)) < 0) {
					log_error("VM '%s' sent a malformed frame: %s; ending the call", vm, why);
					cmd_conn_drain(&client, PROXY_FINAL_DRAIN_MS);
					cmd_send_error(cfd, CMD_ERR_PROTOCOL, "the guest broke the command protocol; see journalctl for vmsilo-cmd-proxy");
					ret = -EBADMSG;
					break;
				}
				if (cmd_conn_queue(&client, untrusted, guest.in.len) < 0) {
					ret = log_error_errno(ENOBUFS, "queueing a frame for the client");
					break;
				}
				frame_reader_next(&guest.in);
			} else if (r < 0) {
				if (r == -EMSGSIZE)
					log_error("VM '%s' sent a frame over %u bytes; ending the call", vm,
						  CMD_STREAM_FRAME_MAX);
				else
					log_error_errno(r, "reading from VM '%s'", vm);
				cmd_conn_drain(&client, PROXY_FINAL_DRAIN_MS);
				cmd_send_error(cfd, CMD_ERR_PROTOCOL, r == -EMSGSIZE ? "the guest sent an oversized frame" : "the connection to the guest broke");
				ret = r;
				break;
			} else if (r == FRAME_EOF) {
				log_debug("VM '%s' closed the connection", vm);
			}
		}
		if (cmd_conn_pollin(&p[0])) {
			int r = cmd_conn_read(&client);
			if (r == FRAME_COMPLETE) {
				if (cmd_frame_check(client.in.buf, client.in.len, CMD_TO_GUEST, why, sizeof(why)) < 0 ||
				    client.in.buf[0] == CMD_REQUEST) {
					log_error("client sent a malformed frame: %s", client.in.buf[0] == CMD_REQUEST ? "a second request" : why);
					ret = -EBADMSG;
					break;
				}
				if (cmd_conn_queue(&guest, client.in.buf, client.in.len) < 0) {
					ret = log_error_errno(ENOBUFS, "queueing a frame for VM '%s'", vm);
					break;
				}
				frame_reader_next(&client.in);
			} else if (r == FRAME_EOF) {
				guest.write_shut = true; /* pass the end on once the queue drains */
				if (!cmd_conn_pending(&guest))
					shutdown(gfd, SHUT_WR);
			} else if (r < 0) {
				log_debug_errno(r, "client connection ended");
				client.read_eof = true;
				guest.write_shut = true;
			}
		}
		if (p[0].fd >= 0 && (p[0].revents & POLLOUT) && cmd_conn_flush(&client) < 0) {
			log_debug("client went away");
			break;
		}
		if (p[1].fd >= 0 && (p[1].revents & POLLOUT) && (ret = cmd_conn_flush(&guest)) < 0) {
			log_error_errno(ret, "VM '%s' stopped reading; ending the call", vm);
			break;
		}
	}
	cmd_conn_free(&client);
	cmd_conn_free(&guest);
	return ret;
}

int main(int argc, char **argv)
{
	enum { OPT_BOOT = 256 };
	static const struct option opts[] = {
		{ "boot-timeout", required_argument, NULL, OPT_BOOT },
		CLI_COMMON_OPTIONS,
		{ 0 },
	};
	struct vsock_addr addr = { .kind = VSOCK_AUTO };
	struct vsock_error verr = { "" };
	int boot_ms = PROXY_DEFAULT_BOOT_TIMEOUT_MS, c, cfd, gfd, r;
	uint8_t *untrusted_req = NULL;
	size_t req_len = 0;
	char why[256], msg[CMD_MESSAGE_MAX];
	struct cmd_request req;

	log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_BOOT:
			if (parse_seconds_ms(optarg, &boot_ms) < 0)
				cli_usage_error(SYNOPSIS, "invalid --boot-timeout '%s'", optarg);
			break;
		default:
			cli_common_option(c, SYNOPSIS, usage);
		}
	}
	if (argc - optind != 1)
		cli_usage_error(SYNOPSIS, "expected exactly one VM name");
	snprintf(addr.vm, sizeof(addr.vm), "%s", cli_vm_name(SYNOPSIS, argv[optind]));
	signal(SIGPIPE, SIG_IGN);
	cfd = client_fd();

	r = frame_read(cfd, CMD_FRAME_MAX, &untrusted_req, &req_len, PROXY_REQUEST_TIMEOUT_MS);
	if (r <= 0) {
		log_error("no valid request from the client: %s", r == 0 ? "connection closed" : strerror(-r));
		return 1;
	}
	if (cmd_request_decode(untrusted_req, req_len, &req, why, sizeof(why)) < 0) {
		log_error("refusing a malformed request: %s", why);
		snprintf(msg, sizeof(msg), "malformed request: %s", why);
		cmd_send_error(cfd, CMD_ERR_BAD_REQUEST, msg);
		free(untrusted_req);
		return 1;
	}
	log_info("%s '%s' (%zu argument%s) in VM '%s'", req.mode == CMD_MODE_PASS_IO ? "running" : "launching",
		 req.argv[0].data, req.argc - 1, req.argc == 2 ? "" : "s", addr.vm);
	cmd_request_free(&req);

	gfd = vsock_connect_retry(&addr, CMD_GUEST_PORT, boot_ms, &verr);
	if (gfd < 0) {
		log_error("VM '%s' is not reachable on port %u: %s", addr.vm, CMD_GUEST_PORT, verr.text);
		snprintf(msg, sizeof(msg),
			 "VM '%s' did not accept commands within %d s (%s); check: journalctl -u vmsilo-%s-vm.service",
			 addr.vm, boot_ms / 1000, verr.text, addr.vm);
		cmd_send_error(cfd, CMD_ERR_VM_UNREACHABLE, msg);
		free(untrusted_req);
		return 1;
	}
	r = frame_write(gfd, untrusted_req, req_len, CMD_FRAME_MAX, PROXY_REQUEST_TIMEOUT_MS);
	free(untrusted_req);
	if (r < 0) {
		log_error_errno(r, "forwarding the request to VM '%s'", addr.vm);
		cmd_send_error(cfd, CMD_ERR_VM_UNREACHABLE, "the guest closed the connection before taking the request");
		return 1;
	}
	r = relay(cfd, gfd, addr.vm);
	close(gfd);
	return r < 0 ? 1 : 0;
}
