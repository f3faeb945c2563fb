/* SPDX-License-Identifier: MIT */
/* VM discovery and memstat connections; see vm.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "io.h"
#include "log.h"
#include "macro.h"
#include "vm.h"
#include "vsock.h"

#define VM_ACCEPTS_PER_EVENT 4u
#define VM_READS_PER_EVENT 4u
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

static bool is_socket(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

static void conn_close(struct vm *vm)
{
	vm->conn_src = sd_event_source_disable_unref(vm->conn_src);
	if (vm->conn_fd >= 0)
		close(vm->conn_fd);
	vm->conn_fd = -1;
	vm->partial_len = 0;
}

/* The guest lied or misbehaved: drop the connection and whatever it told us. */
static void reporter_reject(struct vm *vm, const char *why)
{
	int64_t now = now_ms();

	/* A hostile guest can reconnect and lie forever: keep the journal readable. */
	if (vm->reject_log_ms == 0 || now - vm->reject_log_ms >= VM_REJECT_LOG_MS) {
		log_warn("VM '%s': memstat report rejected: %s; disconnecting and leaving the balloon alone%s",
			 vm->name, why, vm->rejects_unlogged ? " (earlier rejections not logged)" : "");
		vm->reject_log_ms = now;
		vm->rejects_unlogged = 0;
	} else {
		vm->rejects_unlogged++;
		log_debug("VM '%s': memstat report rejected: %s", vm->name, why);
	}
	vm->have_report = false;
	conn_close(vm);
}

static void handle_record(struct vm_set *set, struct vm *vm)
{
	struct memstat_record untrusted_rec;
	struct memstat_limits lim = { 0 };
	int64_t now = now_ms();
	char why[160];

	if (now - vm->rate_window_ms >= 1000) {
		vm->rate_window_ms = now;
		vm->rate_count = 0;
	}
	if (++vm->rate_count > MEMSTAT_MAX_RECORDS_PER_SEC) {
		reporter_reject(vm, "more than " STRINGIFY(MEMSTAT_MAX_RECORDS_PER_SEC) " records in one second");
		return;
	}
	if (memstat_decode(vm->untrusted_partial, &untrusted_rec, why, sizeof(why)) < 0) {
		reporter_reject(vm, why);
		return;
	}
	lim.configured_memory = vm->info_ok ? vm->info.memory : 0;
	lim.have_previous = vm->have_report;
	lim.previous_seq_ms = vm->report.seq_ms;
	lim.host_elapsed_ms = vm->have_report ? (uint64_t)(now - vm->report_host_ms) : 0;
	if (memstat_validate(&untrusted_rec, &lim, why, sizeof(why)) < 0) {
		reporter_reject(vm, why);
		return;
	}
	vm->report = untrusted_rec; /* validated */
	vm->report_host_ms = now;
	vm->have_report = true;
	vm->reports++;
	log_debug("VM '%s': guest reports %llu MiB available of %llu MiB", vm->name,
		  (unsigned long long)(vm->report.available >> 20), (unsigned long long)(vm->report.total >> 20));
	if (set->on_report)
		set->on_report(set, vm);
}

static int on_conn(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct vm *vm = userdata;
	struct vm_set *set = vm->set;

	for (unsigned i = 0; i < VM_READS_PER_EVENT && vm->conn_fd >= 0; i++) {
		ssize_t n = read(fd, vm->untrusted_partial + vm->partial_len, MEMSTAT_RECORD_SIZE - vm->partial_len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0) {
			log_debug("VM '%s': memstat reporter disconnected%s", vm->name,
				 vm->partial_len ? " in the middle of a record" : "");
			conn_close(vm);
			return 0;
		}
		vm->partial_len += (size_t)n;
		if (vm->partial_len == MEMSTAT_RECORD_SIZE) {
			vm->partial_len = 0;
			handle_record(set, vm);
		}
	}
	return 0;
}

/* Makes c the VM's reporter connection (one per VM: a newer one replaces the older). */
static void attach_conn(struct vm *vm, int c)
{
	int r;

	if (vm->conn_fd >= 0)
		log_debug("VM '%s': a new memstat connection replaces the old one", vm->name);
	conn_close(vm);
	vm->conn_fd = c;
	r = sd_event_add_io(vm->set->event, &vm->conn_src, c, EPOLLIN, on_conn, vm);
	if (r < 0) {
		log_warn_errno(r, "VM '%s': watching the memstat connection", vm->name);
		conn_close(vm);
	}
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct vm *vm = userdata;

	for (unsigned i = 0; i < VM_ACCEPTS_PER_EVENT; i++) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (c < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn_errno(errno, "VM '%s': accepting a memstat connection", vm->name);
			return 0;
		}
		attach_conn(vm, c);
	}
	return 0;
}

/* Kernel vsock: the peer CID (set by the host kernel, so trusted) names the VM. */
static int on_kernel_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct vm_set *set = userdata;

	for (unsigned i = 0; i < VM_ACCEPTS_PER_EVENT; i++) {
		struct sockaddr_vm peer = { 0 };
		socklen_t len = sizeof(peer);
		struct vm *vm = NULL;
		int c = accept4(fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (c < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn_errno(errno, "accepting a kernel vsock memstat connection");
			return 0;
		}
		for (unsigned k = 0; k < set->n && !vm; k++)
			if (set->vms[k]->cid && set->vms[k]->cid == peer.svm_cid)
				vm = set->vms[k];
		if (!vm) {
			if (now_ms() - set->unknown_cid_log_ms >= VM_REJECT_LOG_MS) {
				log_warn("memstat connection from CID %u, which no <runtime>/<vm>/cid names; closed",
					 peer.svm_cid);
				set->unknown_cid_log_ms = now_ms();
			}
			close(c);
			continue;
		}
		attach_conn(vm, c);
	}
	return 0;
}

int vm_set_listen_kernel(struct vm_set *set)
{
	struct sockaddr_vm sa = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = MEMSTAT_PORT };
	_cleanup_close_ int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int r;

	set->kernel_fd = -1;
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0)
		return -errno;
	r = sd_event_add_io(set->event, &set->kernel_src, fd, EPOLLIN, on_kernel_accept, set);
	if (r < 0)
		return r;
	set->kernel_fd = steal_fd(&fd);
	return 0;
}

/* The VM's kernel vsock CID, if it has a cid file (and no hybrid vsock socket). */
static uint32_t vm_kernel_cid(const char *name)
{
	struct vsock_addr addr = { .kind = VSOCK_AUTO };
	struct vsock_error err;

	if (vsock_resolve_vm(name, &addr, &err) < 0 || addr.kind != VSOCK_KERNEL)
		return 0;
	return addr.cid;
}

static void vm_free(struct vm *vm)
{
	char path[128];

	if (!vm)
		return;
	conn_close(vm);
	vm->listen_src = sd_event_source_disable_unref(vm->listen_src);
	if (vm->listen_fd >= 0) {
		close(vm->listen_fd);
		if (vm_runtime_path(path, sizeof(path) - 8, vm->name, "vsock.socket") == 0) {
			snprintf(path + strlen(path), 8, "_%u", MEMSTAT_PORT);
			unlink(path);
		}
	}
	free(vm);
}

static int vm_start_listener(struct vm_set *set, struct vm *vm)
{
	struct vsock_error err = { "" };
	char base[108];
	int r;

	r = vm_runtime_path(base, sizeof(base), vm->name, "vsock.socket");
	if (r < 0)
		return log_warn_errno(r, "VM '%s': runtime path too long", vm->name);
	vm->listen_fd = vsock_hybrid_listen(base, MEMSTAT_PORT, &err);
	if (vm->listen_fd < 0)
		return log_warn_errno(vm->listen_fd, "VM '%s': cannot listen for memstat reports: %s", vm->name, err.text);
	fd_set_nonblock(vm->listen_fd, true);
	r = sd_event_add_io(set->event, &vm->listen_src, vm->listen_fd, EPOLLIN, on_accept, vm);
	if (r < 0)
		return log_warn_errno(r, "VM '%s': watching the memstat listener", vm->name);
	return 0;
}

static struct vm *vm_find(struct vm_set *set, const char *name)
{
	for (unsigned i = 0; i < set->n; i++)
		if (!strcmp(set->vms[i]->name, name))
			return set->vms[i];
	return NULL;
}

static void vm_add(struct vm_set *set, const char *name, enum vm_kind kind, const char *api_path)
{
	struct vm *vm;

	if (set->n == POLICY_MAX_GUESTS) {
		if (!set->warned_full)
			log_warn("more than %u VMs: '%s' and later ones are not balanced", POLICY_MAX_GUESTS, name);
		set->warned_full = true;
		return;
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		log_error("out of memory adding VM '%s'", name);
		return;
	}
	memcpy(vm->name, name, MIN(strlen(name), sizeof(vm->name) - 1)); /* valid names fit */
	memcpy(vm->api_path, api_path, MIN(strlen(api_path), sizeof(vm->api_path) - 1));
	vm->kind = kind;
	vm->set = set;
	vm->listen_fd = vm->conn_fd = -1;
	vm->seen = true;
	set->vms[set->n++] = vm;
	if (kind == VM_CROSVM) {
		vm->cid = vm_kernel_cid(name);
		log_info("VM '%s': found (crosvm control socket at %s)", name, api_path);
		return; /* its guest statistics come from crosvm's balloon device */
	}
	log_info("VM '%s': found (cloud-hypervisor API at %s)", name, api_path);
	vm_start_listener(set, vm);
}

int vm_set_scan(struct vm_set *set)
{
	const char *runtime = vmsilo_runtime_dir();
	DIR *d = opendir(runtime);
	struct dirent *e;
	unsigned entries = 0;

	if (!d)
		return -errno;
	for (unsigned i = 0; i < set->n; i++)
		set->vms[i]->seen = false;
	while ((e = readdir(d)) && entries++ < 4 * POLICY_MAX_GUESTS) {
		char api[108], crosvm[108];
		enum vm_kind kind;
		struct vm *vm;

		if (e->d_name[0] == '.' || !vm_name_valid(e->d_name))
			continue;
		if (vm_runtime_path(api, sizeof(api), e->d_name, "api.socket") < 0 ||
		    vm_runtime_path(crosvm, sizeof(crosvm), e->d_name, "crosvm.socket") < 0)
			continue;
		if (is_socket(api))
			kind = VM_CLOUD_HYPERVISOR;
		else if (is_socket(crosvm))
			kind = VM_CROSVM;
		else
			continue;
		vm = vm_find(set, e->d_name);
		if (vm && vm->kind != kind) {
			vm->seen = false; /* the VMM changed: start over */
			continue;
		}
		if (vm) {
			vm->seen = true;
			if (kind == VM_CROSVM && !vm->cid) /* the cid file may come after the socket */
				vm->cid = vm_kernel_cid(vm->name);
		}
		else
			vm_add(set, e->d_name, kind, kind == VM_CLOUD_HYPERVISOR ? api : crosvm);
	}
	closedir(d);

	for (unsigned i = 0; i < set->n;) {
		if (set->vms[i]->seen) {
			i++;
			continue;
		}
		log_info("VM '%s': gone", set->vms[i]->name);
		vm_free(set->vms[i]);
		set->vms[i] = set->vms[--set->n];
	}
	return 0;
}

void vm_set_clear(struct vm_set *set)
{
	set->kernel_src = sd_event_source_disable_unref(set->kernel_src);
	if (set->kernel_fd >= 0)
		close(set->kernel_fd);
	set->kernel_fd = -1;
	for (unsigned i = 0; i < set->n; i++)
		vm_free(set->vms[i]);
	set->n = 0;
}

bool vm_report_fresh(const struct vm *vm, int64_t now)
{
	return vm->have_report && now - vm->report_host_ms <= (int64_t)MEMSTAT_STALE_MS;
}
