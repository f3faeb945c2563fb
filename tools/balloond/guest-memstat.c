/* SPDX-License-Identifier: MIT */
/*
 * vmsilo-guest-memstat: runs inside a guest and reports MemTotal and
 * MemAvailable to vmsilo-balloond on the host, over vsock port 5003, once per
 * interval, in the memstat format (memstat.h). Reconnects when the host side
 * goes away (the daemon restarted, or the host has none running).
 *
 * Exit codes: 0 after --count records, 1 failure, 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "hoststat.h"
#include "io.h"
#include "log.h"
#include "memstat.h"
#include "vmsilo-config.h"
#include "vsock.h"

#define SYNOPSIS "vmsilo-guest-memstat [--interval D] [--cid N | --socket PATH] [--count N]"
#define HOST_CID 2u
#define RECONNECT_MAX_MS 5000

struct reporter {
	unsigned interval_ms;
	uint32_t cid;
	const char *socket_path;
	const char *meminfo_path;
	uint32_t count; /* 0: forever */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vmsilo-guest-memstat [OPTIONS]\n"
		"Report this guest's MemTotal and MemAvailable to vmsilo-balloond on the host\n"
		"(vsock port %u), once per interval.\n"
		"\n"
		"Options:\n"
		"  --interval SECONDS  time between reports (default 1)\n"
		"  --cid N             host CID to connect to (default 2)\n"
		"  --socket PATH       connect to a unix socket instead (testing)\n"
		"  --meminfo PATH      meminfo file (default /proc/meminfo)\n"
		"  --count N           exit after N reports (default: run forever)\n"
		"  --log-level LEVEL   error, warn, info, debug or trace (env VMSILO_LOG)\n"
		"  -h, --help          show this help\n"
		"      --version       show the version\n"
		"\n"
		"Exit status: 0 after --count reports, 1 failure, 2 usage error.\n",
		MEMSTAT_PORT);
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static int reporter_connect(const struct reporter *rep)
{
	struct vsock_error err = { "" };
	int fd;

	if (rep->socket_path) {
		fd = connect_unix(rep->socket_path);
		if (fd < 0)
			log_debug("connecting to %s: %s", rep->socket_path, strerror(-fd));
		return fd;
	}
	fd = vsock_connect_kernel(rep->cid, MEMSTAT_PORT, 2000, &err);
	if (fd < 0)
		log_debug("connecting to CID %u port %u: %s", rep->cid, MEMSTAT_PORT, err.text);
	return fd;
}

static int read_record(const struct reporter *rep, struct memstat_record *rec)
{
	char buf[HOSTSTAT_FILE_MAX];
	struct hoststat st = { 0 };
	ssize_t n;
	int fd = open(rep->meminfo_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return log_error_errno(errno, "cannot open %s", rep->meminfo_path);
	n = read_full(fd, buf, sizeof(buf), 1000);
	close(fd);
	if (n < 0)
		return log_error_errno((int)n, "cannot read %s", rep->meminfo_path);
	if (hoststat_parse_meminfo(buf, (size_t)n, &st) < 0)
		return log_error_errno(EINVAL, "%s lacks MemTotal/MemAvailable", rep->meminfo_path);
	rec->seq_ms = (uint64_t)now_ms();
	rec->total = st.total;
	rec->available = st.available;
	return 0;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int run(const struct reporter *rep)
{
	unsigned backoff = 100;
	uint32_t sent = 0;
	int fd = -1;

	for (;;) {
		struct memstat_record rec;
		uint8_t wire[MEMSTAT_RECORD_SIZE];
		int r;

		if (read_record(rep, &rec) < 0)
			return -EIO;
		if (fd < 0) {
			fd = reporter_connect(rep);
			if (fd < 0) {
				sleep_ms(backoff);
				backoff = backoff * 2 > RECONNECT_MAX_MS ? RECONNECT_MAX_MS : backoff * 2;
				continue;
			}
			log_info("connected to the host's memory balancer");
			backoff = 100;
		}
		memstat_encode(&rec, wire);
		r = write_all(fd, wire, sizeof(wire), 2000);
		if (r < 0) {
			log_info("host side gone (%s); reconnecting", strerror(-r));
			close(fd);
			fd = -1;
			continue;
		}
		if (rep->count && ++sent >= rep->count)
			break;
		sleep_ms(rep->interval_ms);
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_INTERVAL = 256, OPT_CID, OPT_SOCKET, OPT_MEMINFO, OPT_COUNT };
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "cid", required_argument, NULL, OPT_CID },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "meminfo", required_argument, NULL, OPT_MEMINFO },
		{ "count", required_argument, NULL, OPT_COUNT },
		CLI_COMMON_OPTIONS,
		{ 0 },
	};
	struct reporter rep = { .interval_ms = MEMSTAT_INTERVAL_MS, .cid = HOST_CID, .meminfo_path = "/proc/meminfo" };
	int c, ms;

	log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_INTERVAL:
			if (parse_seconds_ms(optarg, &ms) < 0 || ms < 10)
				cli_usage_error(SYNOPSIS, "invalid --interval '%s': expected seconds, at least 0.01", optarg);
			rep.interval_ms = (unsigned)ms;
			break;
		case OPT_CID:
			if (parse_u32(optarg, &rep.cid) < 0)
				cli_usage_error(SYNOPSIS, "invalid --cid '%s'", optarg);
			break;
		case OPT_SOCKET:
			rep.socket_path = optarg;
			break;
		case OPT_MEMINFO:
			rep.meminfo_path = optarg;
			break;
		case OPT_COUNT:
			if (parse_u32(optarg, &rep.count) < 0)
				cli_usage_error(SYNOPSIS, "invalid --count '%s'", optarg);
			break;
		default:
			cli_common_option(c, SYNOPSIS, usage);
		}
	}
	if (optind != argc)
		cli_usage_error(SYNOPSIS, "unexpected argument '%s'", argv[optind]);
	signal(SIGPIPE, SIG_IGN);
	return run(&rep) < 0 ? 1 : 0;
}
