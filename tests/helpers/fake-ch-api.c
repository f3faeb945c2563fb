/* SPDX-License-Identifier: MIT */
/*
 * fake-ch-api: a memory simulation for testing vmsilo-balloond without a
 * hypervisor. It stands in for three things at once:
 *
 *  - cloud-hypervisor's REST API on <dir>/<vm>/api.socket, written from
 *    cloud-hypervisor's docs/api.md and its OpenAPI description
 *    (vmm/src/api/openapi/cloud-hypervisor.yaml): GET /api/v1/vm.info answers
 *    200 with a VmInfo object (config.memory.size, config.balloon.size,
 *    state, memory_actual_size); PUT /api/v1/vm.resize takes a VmResize
 *    object and answers 204; other paths answer 404, other methods 405;
 *  - each guest's vmsilo-guest-memstat, connecting to
 *    <dir>/<vm>/vsock.socket_5003 (where cloud-hypervisor delivers a guest's
 *    connection to host port 5003) and sending memstat records;
 *  - the host's /proc/meminfo and /proc/pressure/memory, as files.
 *
 *  - for VMs declared with a ":crosvm" suffix, crosvm's control socket on
 *    <dir>/<vm>/crosvm.socket instead (SOCK_SEQPACKET, one serde-JSON message
 *    per packet, as crosvm's vm_control crate defines VmRequest/VmResponse):
 *    {"BalloonCommand":"Stats"} answers {"BalloonStats":{"stats":{...},
 *    "balloon_actual":N}} with the guest's total_memory/available_memory;
 *    {"BalloonCommand":{"Adjust":{"num_bytes":N}}} answers "Ok".
 *
 * Model: a guest of M bytes with a balloon of B bytes and a working set of U
 * bytes has MemTotal M - B and MemAvailable max(0, M - B - U); on the host it
 * occupies M - B. Host available = host total - host used - sum(M - B).
 * Balloon changes take effect at once.
 *
 * A control socket (--ctl) takes one command per connection and answers:
 *   host-used MIB | guest VM used MIB | mode VM MODE | state
 * MODEs make one VM hostile: api-garbage, api-huge, api-hang, api-lie-memory,
 * report-lie-total, report-lie-avail, report-time-back, report-flood,
 * report-garbage, report-silent, normal.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "io.h"
#include "memstat.h"

#define MIB (1024ull * 1024ull)
#define MAX_VMS 16
#define MAX_HUNG 16

struct sim_vm {
	char name[65];
	uint64_t memory, balloon, used;
	char mode[32];
	int crosvm;
	int api_fd, report_fd;
	int64_t next_report_ms;
	uint64_t seq_back;
	unsigned resizes, violations;
};

static struct {
	const char *dir, *meminfo, *psi;
	uint64_t host_total, host_used, floor;
	unsigned report_ms;
	struct sim_vm vms[MAX_VMS];
	unsigned n;
	int ctl_fd;
	int hung[MAX_HUNG];
	unsigned hung_n;
} S = { .report_ms = 1000, .floor = 256 * MIB, .ctl_fd = -1 };

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "fake-ch-api: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int listen_unix(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0)
		die(path);
	return fd;
}

static uint64_t guest_available(const struct sim_vm *v)
{
	uint64_t resident = v->memory - v->balloon;
	return resident > v->used ? resident - v->used : 0;
}

static uint64_t host_available(void)
{
	int64_t a = (int64_t)S.host_total - (int64_t)S.host_used;
	for (unsigned i = 0; i < S.n; i++)
		a -= (int64_t)(S.vms[i].memory - S.vms[i].balloon);
	return a > 0 ? (uint64_t)a : 0;
}

static double host_psi(void)
{
	double frac = (double)host_available() / (double)S.host_total;
	return frac >= 0.10 ? 0.0 : (0.10 - frac) / 0.10 * 60.0;
}

static void write_file(const char *path, const char *text)
{
	char tmp[4200];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, path) < 0)
		die(path);
}

static void write_host_files(void)
{
	char text[512];
	double psi = host_psi();

	snprintf(text, sizeof(text), "MemTotal:       %" PRIu64 " kB\nMemFree:        %" PRIu64 " kB\n"
		 "MemAvailable:   %" PRIu64 " kB\n", S.host_total / 1024, host_available() / 1024, host_available() / 1024);
	write_file(S.meminfo, text);
	snprintf(text, sizeof(text), "some avg10=%.2f avg60=%.2f avg300=0.00 total=%llu\n"
		 "full avg10=%.2f avg60=0.00 avg300=0.00 total=0\n", psi, psi / 2, (unsigned long long)(psi * 1000), psi / 4);
	write_file(S.psi, text);
}

static void send_all(int fd, const char *buf, size_t n)
{
	if (write_all(fd, buf, n, 1000) < 0)
		return; /* the daemon gave up on us: fine */
}

static void send_str(int fd, const char *s)
{
	send_all(fd, s, strlen(s));
}

static void api_reply(int fd, const char *status, const char *body)
{
	char head[256];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %s\r\nServer: Cloud Hypervisor API\r\nConnection: keep-alive\r\n", status);

	if (body)
		n += snprintf(head + n, sizeof(head) - (size_t)n,
			      "Content-Type: application/json\r\nContent-Length: %zu\r\n", strlen(body));
	n += snprintf(head + n, sizeof(head) - (size_t)n, "\r\n");
	send_all(fd, head, (size_t)n);
	if (body)
		send_all(fd, body, strlen(body));
}

static void api_resize(struct sim_vm *v, const char *body)
{
	const char *p = strstr(body, "\"desired_balloon\"");
	unsigned long long want;
	uint64_t old = v->balloon;

	if (!p || sscanf(strchr(p, ':') + 1, "%llu", &want) != 1 || want > v->memory)
		return;
	v->balloon = want;
	v->resizes++;
	if (want > old && guest_available(v) < S.floor)
		v->violations++;
	write_host_files();
}

static void api_serve(struct sim_vm *v)
{
	char req[4096], body[1024];
	size_t have = 0;
	int fd = accept4(v->api_fd, NULL, NULL, SOCK_CLOEXEC);
	char *end;

	if (fd < 0)
		return;
	while (have < sizeof(req) - 1) { /* the request and its small body */
		ssize_t r;
		if (fd_wait(fd, POLLIN, deadline_after_ms(1000)) < 0)
			break;
		r = read(fd, req + have, sizeof(req) - 1 - have);
		if (r <= 0)
			break;
		have += (size_t)r;
		req[have] = '\0';
		end = strstr(req, "\r\n\r\n");
		if (end) {
			char *cl = strcasestr(req, "Content-Length:");
			size_t want = cl ? strtoul(cl + 15, NULL, 10) : 0;
			if (have >= (size_t)(end + 4 - req) + want)
				break;
		}
	}
	req[have] = '\0';
	end = strstr(req, "\r\n\r\n");
	if (!end) {
		close(fd);
		return;
	}
	if (!strncmp(req, "GET /api/v1/vm.info ", 20)) {
		if (!strcmp(v->mode, "api-garbage")) {
			send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nnope!");
		} else if (!strcmp(v->mode, "api-huge")) {
			send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n{");
		} else if (!strcmp(v->mode, "api-hang")) {
			if (S.hung_n == MAX_HUNG)
				close(S.hung[--S.hung_n]);
			S.hung[S.hung_n++] = fd;
			return;
		} else {
			uint64_t memory = !strcmp(v->mode, "api-lie-memory") ? (1ull << 60) : v->memory;
			snprintf(body, sizeof(body),
				 "{\"config\":{\"cpus\":{\"boot_vcpus\":2,\"max_vcpus\":2},\"memory\":{\"size\":%" PRIu64
				 ",\"mergeable\":false,\"shared\":true},\"balloon\":{\"size\":%" PRIu64
				 ",\"deflate_on_oom\":false,\"free_page_reporting\":false}},\"state\":\"Running\","
				 "\"memory_actual_size\":%" PRIu64 ",\"device_tree\":{}}",
				 memory, v->balloon, v->memory - v->balloon);
			api_reply(fd, "200 OK", body);
		}
	} else if (!strncmp(req, "PUT /api/v1/vm.resize ", 22)) {
		api_resize(v, end + 4);
		api_reply(fd, "204 No Content", NULL);
	} else if (!strncmp(req, "GET ", 4) || !strncmp(req, "PUT ", 4)) {
		api_reply(fd, "404 Not Found", NULL);
	} else {
		api_reply(fd, "405 Method Not Allowed", NULL);
	}
	close(fd);
}

/* One request packet, one answer packet, as crosvm's control socket does. */
static void crosvm_serve(struct sim_vm *v)
{
	char req[1024], out[1024];
	unsigned long long want;
	const char *p;
	ssize_t n;
	int fd = accept4(v->api_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	n = fd_wait(fd, POLLIN, deadline_after_ms(1000)) < 0 ? -1 : recv(fd, req, sizeof(req) - 1, 0);
	req[n > 0 ? n : 0] = '\0';
	if (!strcmp(v->mode, "api-garbage")) {
		send_str(fd, "nope");
	} else if (strstr(req, "\"Stats\"")) {
		uint64_t total = !strcmp(v->mode, "api-lie-memory") ? v->memory * 2 : v->memory - v->balloon;
		snprintf(out, sizeof(out),
			 "{\"BalloonStats\":{\"stats\":{\"swap_in\":0,\"swap_out\":0,\"major_faults\":0,"
			 "\"minor_faults\":0,\"free_memory\":%" PRIu64 ",\"total_memory\":%" PRIu64
			 ",\"available_memory\":%" PRIu64 ",\"disk_caches\":0,\"hugetlb_allocations\":null,"
			 "\"hugetlb_failures\":null,\"shared_memory\":null,\"unevictable_memory\":null},"
			 "\"balloon_actual\":%" PRIu64 "}}",
			 guest_available(v), total, guest_available(v), v->balloon);
		send_str(fd, out);
	} else if ((p = strstr(req, "\"num_bytes\":")) && sscanf(p + 12, "%llu", &want) == 1) {
		snprintf(out, sizeof(out), "{\"desired_balloon\":%llu}", want);
		api_resize(v, out);
		send_str(fd, "\"Ok\"");
	} else {
		send_str(fd, "{\"Err\":22}");
	}
	close(fd);
}

static void report_close(struct sim_vm *v)
{
	if (v->report_fd >= 0)
		close(v->report_fd);
	v->report_fd = -1;
}

static void report_send(struct sim_vm *v, int64_t now)
{
	struct memstat_record r = { .seq_ms = (uint64_t)now, .total = v->memory - v->balloon,
				    .available = guest_available(v) };
	uint8_t wire[MEMSTAT_RECORD_SIZE * 100];
	unsigned count = 1;

	if (!strcmp(v->mode, "report-silent")) {
		report_close(v);
		return;
	}
	if (!strcmp(v->mode, "report-lie-total"))
		r.total = v->memory * 2;
	if (!strcmp(v->mode, "report-lie-avail"))
		r.available = r.total + MIB;
	if (!strcmp(v->mode, "report-time-back"))
		r.seq_ms = 1000000000ull - (v->seq_back += 1000);
	if (!strcmp(v->mode, "report-flood"))
		count = 100;
	for (unsigned i = 0; i < count; i++) {
		r.seq_ms += i;
		memstat_encode(&r, wire + i * MEMSTAT_RECORD_SIZE);
	}
	if (!strcmp(v->mode, "report-garbage"))
		memcpy(wire, "EVIL", 4);
	if (write_all(v->report_fd, wire, MEMSTAT_RECORD_SIZE * count, 200) < 0)
		report_close(v);
	v->next_report_ms = now + S.report_ms;
}

static void report_connect(struct sim_vm *v, int64_t now)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (!strcmp(v->mode, "report-silent"))
		return;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s/vsock.socket_%u", S.dir, v->name, MEMSTAT_PORT);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return;
	}
	v->report_fd = fd;
	report_send(v, now);
}

static struct sim_vm *find_vm(const char *name)
{
	for (unsigned i = 0; i < S.n; i++)
		if (!strcmp(S.vms[i].name, name))
			return &S.vms[i];
	return NULL;
}

static void ctl_serve(void)
{
	char line[256], out[4096], name[65], arg[32];
	unsigned long long mib;
	int fd = accept4(S.ctl_fd, NULL, NULL, SOCK_CLOEXEC);
	ssize_t n;
	size_t o = 0;
	struct sim_vm *v;

	if (fd < 0)
		return;
	n = fd_wait(fd, POLLIN, deadline_after_ms(2000)) < 0 ? -1 : read(fd, line, sizeof(line) - 1);
	line[n > 0 ? n : 0] = '\0';
	if (sscanf(line, "host-used %llu", &mib) == 1) {
		S.host_used = mib * MIB;
		o = (size_t)snprintf(out, sizeof(out), "ok\n");
	} else if (sscanf(line, "guest %64s used %llu", name, &mib) == 2 && (v = find_vm(name))) {
		v->used = mib * MIB;
		o = (size_t)snprintf(out, sizeof(out), "ok\n");
	} else if (sscanf(line, "mode %64s %31s", name, arg) == 2 && (v = find_vm(name))) {
		snprintf(v->mode, sizeof(v->mode), "%s", arg);
		report_close(v);
		while (S.hung_n)
			close(S.hung[--S.hung_n]);
		o = (size_t)snprintf(out, sizeof(out), "ok\n");
	} else if (!strncmp(line, "state", 5)) {
		o += (size_t)snprintf(out + o, sizeof(out) - o, "host total=%llu available=%llu psi=%.2f\n",
				      (unsigned long long)(S.host_total / MIB), (unsigned long long)(host_available() / MIB), host_psi());
		for (unsigned i = 0; i < S.n && o < sizeof(out) - 200; i++)
			o += (size_t)snprintf(out + o, sizeof(out) - o,
					      "vm %s memory=%llu balloon=%llu used=%llu available=%llu resizes=%u violations=%u\n",
					      S.vms[i].name, (unsigned long long)(S.vms[i].memory / MIB),
					      (unsigned long long)(S.vms[i].balloon / MIB), (unsigned long long)(S.vms[i].used / MIB),
					      (unsigned long long)(guest_available(&S.vms[i]) / MIB), S.vms[i].resizes, S.vms[i].violations);
	} else {
		o = (size_t)snprintf(out, sizeof(out), "error: unknown command\n");
	}
	write_host_files();
	send_all(fd, out, o);
	close(fd);
}

static void add_vm(const char *spec)
{
	struct sim_vm *v = &S.vms[S.n];
	unsigned long long mem, used;
	char path[300];

	char kind[16] = "";

	if (S.n == MAX_VMS || sscanf(spec, "%64[^:]:%llu:%llu:%15s", v->name, &mem, &used, kind) < 3 || used > mem ||
	    (kind[0] && strcmp(kind, "crosvm"))) {
		fprintf(stderr, "fake-ch-api: bad --vm '%s' (NAME:MEMORY_MIB:USED_MIB[:crosvm])\n", spec);
		exit(2);
	}
	v->crosvm = kind[0] != '\0';
	v->memory = mem * MIB;
	v->used = used * MIB;
	v->report_fd = -1;
	snprintf(v->mode, sizeof(v->mode), "normal");
	snprintf(path, sizeof(path), "%s/%s", S.dir, v->name);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", S.dir, v->name, v->crosvm ? "crosvm.socket" : "api.socket");
	v->api_fd = listen_unix(path, v->crosvm ? SOCK_SEQPACKET : SOCK_STREAM);
	S.n++;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' }, { "meminfo", required_argument, NULL, 'm' },
		{ "psi", required_argument, NULL, 'p' }, { "ctl", required_argument, NULL, 'c' },
		{ "host-total", required_argument, NULL, 't' }, { "host-used", required_argument, NULL, 'u' },
		{ "vm", required_argument, NULL, 'v' }, { "report-interval", required_argument, NULL, 'r' },
		{ 0 },
	};
	const char *vm_specs[MAX_VMS];
	unsigned nspecs = 0;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': S.dir = optarg; break;
		case 'm': S.meminfo = optarg; break;
		case 'p': S.psi = optarg; break;
		case 'c': S.ctl_fd = listen_unix(optarg, SOCK_STREAM); break;
		case 't': S.host_total = strtoull(optarg, NULL, 10) * MIB; break;
		case 'u': S.host_used = strtoull(optarg, NULL, 10) * MIB; break;
		case 'r': S.report_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'v':
			if (nspecs < MAX_VMS)
				vm_specs[nspecs++] = optarg;
			break;
		default: return 2;
		}
	}
	if (!S.dir || !S.meminfo || !S.psi || S.ctl_fd < 0 || !S.host_total) {
		fprintf(stderr, "usage: fake-ch-api --dir D --meminfo F --psi F --ctl SOCK --host-total MIB "
				"[--host-used MIB] --vm NAME:MEM:USED... [--report-interval MS]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	for (unsigned i = 0; i < nspecs; i++)
		add_vm(vm_specs[i]);
	write_host_files();

	for (;;) {
		struct pollfd p[1 + 2 * MAX_VMS];
		int64_t now = now_ms();
		unsigned np = 0;

		p[np++] = (struct pollfd){ .fd = S.ctl_fd, .events = POLLIN };
		for (unsigned i = 0; i < S.n; i++) {
			p[np++] = (struct pollfd){ .fd = S.vms[i].api_fd, .events = POLLIN };
			p[np++] = (struct pollfd){ .fd = S.vms[i].report_fd, .events = POLLIN };
		}
		if (poll(p, np, 10) < 0 && errno != EINTR)
			die("poll");
		if (p[0].revents)
			ctl_serve();
		now = now_ms();
		for (unsigned i = 0; i < S.n; i++) {
			struct sim_vm *v = &S.vms[i];
			if (p[1 + 2 * i].revents && v->crosvm)
				crosvm_serve(v);
			else if (p[1 + 2 * i].revents)
				api_serve(v);
			if (v->crosvm)
				continue; /* its statistics go through crosvm.socket */
			if (v->report_fd >= 0 && p[2 + 2 * i].revents) {
				char junk[64];
				if (read(v->report_fd, junk, sizeof(junk)) <= 0)
					report_close(v); /* the daemon hung up */
			}
			if (v->report_fd < 0)
				report_connect(v, now);
			else if (now >= v->next_report_ms)
				report_send(v, now);
		}
	}
}
