/* SPDX-License-Identifier: MIT */
/*
 * vmsilo-launch: start a VM's VMM from its .vm file. The VM's unit runs it;
 * it builds the cloud-hypervisor or crosvm command line (with one
 * vmsilo-tap-open per network interface in front) and execs it. --prepare and
 * --cleanup are the VM's prep unit: runtime directory, CID file, overlay disk.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accounts.h"
#include "argv.h"
#include "cli.h"
#include "io.h"
#include "log.h"
#include "macro.h"
#include "netplan.h"
#include "paths.h"
#include "vmconfig.h"
#include "vmsilo-config.h"
#include "vsock.h"

#define SYNOPSIS "vmsilo-launch [--dry-run | --prepare | --cleanup] [--cid N] <vm>"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " SYNOPSIS "\n"
		"Start VM <vm> as described by %s/<vm>.vm: build the VMM command line\n"
		"and execute it (normally from vmsilo-<vm>-vm.service).\n"
		"\n"
		"Options:\n"
		"  --dry-run          print the command, one argument per line, instead of\n"
		"                     running it\n"
		"  --prepare          create the runtime directory (root:vmsilo 0770 when group\n"
		"                     vmsilo exists), CID file and overlay disk\n"
		"                     (vmsilo-<vm>-prep.service)\n"
		"  --cleanup          remove what --prepare and the VMM left behind\n"
		"  --cid N            vsock CID (default: $VMSILO_CID, set by the unit, or the\n"
		"                     file's CID=)\n"
		"  --log-level LEVEL  error, warn, info, debug or trace (env VMSILO_LOG)\n"
		"  -h, --help         show this help\n"
		"      --version      show the version\n"
		"\n"
		"Exit status: does not return when it starts the VMM; 0 for --dry-run,\n"
		"--prepare and --cleanup when done; 1 on failure (an invalid .vm file is\n"
		"reported as file:line); 2 usage error.\n",
		vmsilo_config_dir());
}

/* "10G" -> bytes; the value was validated by the parser. */
static unsigned long long size_bytes(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	switch (*end) {
	case 'T':
		v *= 1024;
		/* fall through */
	case 'G':
		v *= 1024;
		/* fall through */
	case 'M':
		v *= 1024;
		/* fall through */
	case 'K':
		v *= 1024;
	}
	return v;
}

static int mkdir_p(const char *path, mode_t mode)
{
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	return log_error_errno(errno, "creating %s", path);
}

/*
 * The group that a directory the desktop user's sidecars create sockets in
 * belongs to: vmsilo's gid, read without NSS as the generator does, or -1
 * when the group does not exist (the directories stay root's, 0755).
 */
static gid_t sidecar_group(void)
{
	gid_t gid;
	int r = group_file_gid(vmsilo_group_file(), VMSILO_GROUP, &gid);

	if (r == 0)
		return gid;
	if (r != -ENOENT)
		log_warn_errno(r, "reading %s", vmsilo_group_file());
	return (gid_t)-1;
}

/*
 * Such a directory: root:gid 0770, or 0755 without the group. It may exist
 * already (the command socket unit creates the VM's directory), so the owner
 * and mode are set either way.
 */
static int mkdir_shared(const char *path, gid_t gid)
{
	if (mkdir_p(path, 0755) < 0)
		return -1;
	if (gid == (gid_t)-1)
		return 0;
	if (chown(path, 0, gid) < 0 || chmod(path, 0770) < 0)
		return log_error_errno(errno, "giving %s to group " VMSILO_GROUP, path);
	return 0;
}

static void remove_in(const char *dir, const char *name)
{
	char p[4096 + 256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (unlink(p) < 0 && errno != ENOENT)
		log_warn_errno(errno, "removing %s", p);
}

static int cleanup(const struct vm_config *vm, const char *dir)
{
	static const char *const leftovers[] = { "overlay.img", "cid", "vsock.socket", "api.socket",
						 "crosvm.socket", "console.socket" };
	DIR *d;
	struct dirent *e;

	for (size_t i = 0; i < ARRAY_SIZE(leftovers); i++)
		remove_in(dir, leftovers[i]);
	/* guest-initiated hybrid vsock listeners: vsock.socket_<port> */
	d = opendir(dir);
	if (d) {
		while ((e = readdir(d)))
			if (strncmp(e->d_name, "vsock.socket_", 13) == 0)
				remove_in(dir, e->d_name);
		closedir(d);
	}
	log_debug("VM '%s': runtime files removed", vm->name);
	return 0;
}

static int prepare(const struct vm_config *vm, uint32_t cid, const char *dir)
{
	char p[4096 + 128];
	gid_t gid = sidecar_group();
	int r;

	if (mkdir_p(vmsilo_runtime_dir(), 0755) < 0 || mkdir_shared(dir, gid) < 0)
		return -1;
	cleanup(vm, dir); /* whatever a crash left behind */
	if (vm_sound_enabled(vm)) {
		snprintf(p, sizeof(p), "%s/sound", dir);
		if (mkdir_shared(p, gid) < 0)
			return -1;
	}
	for (size_t i = 0; i < vm->n_shares; i++) {
		snprintf(p, sizeof(p), "%s/virtiofs-%s", dir, vm->shares[i].tag);
		if (mkdir_p(p, 0755) < 0)
			return -1;
	}
	if (vm->hypervisor == HV_CROSVM) {
		/* kernel vsock: clients find the CID here (cloud-hypervisor VMs use vsock.socket) */
		char buf[16];
		_cleanup_close_ int fd = -1;
		snprintf(p, sizeof(p), "%s/cid", dir);
		fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return log_error_errno(errno, "creating %s", p);
		snprintf(buf, sizeof(buf), "%u\n", cid);
		r = write_all(fd, buf, strlen(buf), 5000);
		if (r < 0)
			return log_error_errno(r, "writing %s", p);
	}
	if (vm->overlay_type == OVERLAY_RAW) {
		_cleanup_close_ int fd = -1;
		snprintf(p, sizeof(p), "%s/overlay.img", dir);
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			return log_error_errno(errno, "creating the overlay disk %s", p);
		/* sparse: only what the guest writes takes space */
		if (ftruncate(fd, (off_t)size_bytes(vm->overlay_size)) < 0)
			return log_error_errno(errno, "sizing the overlay disk %s to %s", p, vm->overlay_size);
	}
	log_info("VM '%s' prepared (CID %u)", vm->name, cid);
	return 0;
}

/*
 * Core scheduling: the VMM's threads get a cookie of their own, so its vCPUs
 * never share a physical core with another process's threads (SMT attacks).
 * Set before exec; the VMM's threads inherit it.
 */
static void isolate_scheduling(const struct vm_config *vm)
{
	if (vm->scheduler_isolation == SCHED_ISOLATION_OFF)
		return;
	if (prctl(PR_SCHED_CORE, PR_SCHED_CORE_CREATE, 0, PR_SCHED_CORE_SCOPE_THREAD_GROUP, 0) < 0) {
		log_warn_errno(errno, "VM '%s': core scheduling is not available (kernel without "
				      "CONFIG_SCHED_CORE?); its vCPUs may share cores with other programs",
			       vm->name);
		return;
	}
	if (vm->scheduler_isolation == SCHED_ISOLATION_FULL)
		log_warn("VM '%s': SchedulerIsolation=full is applied per VM (like 'vm'); separating "
			 "each vCPU needs support in the VMM", vm->name);
}

/* The TAPs the VM gets, which may depend on other VMs (netvm links). */
static int plan_network(const struct vm_config *vm, struct net_plan *plan)
{
	struct vm_config **all;
	size_t n;
	char err[512];
	int r = net_load_all(&all, &n);

	if (r < 0)
		return log_error_errno(r, "reading %s", vmsilo_config_dir());
	r = net_plan_build(vm, all, n, plan, err, sizeof(err));
	if (r < 0)
		log_error("VM '%s': %s", vm->name, err);
	net_free_all(all, n);
	return r;
}

static int vsock_cid_ok(const char *s, uint32_t *cid)
{
	return vsock_parse_cid(s, strlen(s), cid);
}

static int cid_from_env(uint32_t *cid)
{
	const char *e = getenv("VMSILO_CID");
	if (!e || !*e)
		return -ENOENT;
	return vsock_cid_ok(e, cid);
}

int main(int argc, char **argv)
{
	enum { OPT_DRY = 256, OPT_PREPARE, OPT_CLEANUP, OPT_CID };
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "prepare", no_argument, NULL, OPT_PREPARE },
		{ "cleanup", no_argument, NULL, OPT_CLEANUP },
		{ "cid", required_argument, NULL, OPT_CID },
		CLI_COMMON_OPTIONS,
		{ 0 },
	};
	enum { RUN, DRY, PREPARE, CLEANUP } mode = RUN;
	struct vm_config vm;
	struct vm_error verr;
	struct argv a = { 0 };
	struct net_plan plan;
	char *extra_config = NULL;
	char path[4096], dir[4096];
	uint32_t cid = 0;
	int c, r;

	log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DRY:
		case OPT_PREPARE:
		case OPT_CLEANUP:
			if (mode != RUN)
				cli_usage_error(SYNOPSIS, "--dry-run, --prepare and --cleanup exclude each other");
			mode = c == OPT_DRY ? DRY : c == OPT_PREPARE ? PREPARE : CLEANUP;
			break;
		case OPT_CID:
			if (vsock_cid_ok(optarg, &cid) < 0)
				cli_usage_error(SYNOPSIS, "invalid --cid '%s': expected 3..4294967294", optarg);
			break;
		default:
			cli_common_option(c, SYNOPSIS, usage);
		}
	}
	if (argc - optind != 1)
		cli_usage_error(SYNOPSIS, "expected exactly one VM name");
	cli_vm_name(SYNOPSIS, argv[optind]);
	if (vm_config_path(path, sizeof(path), argv[optind]) < 0 ||
	    vm_runtime_path(dir, sizeof(dir), argv[optind], NULL) < 0)
		return log_error("paths for VM '%s' are too long", argv[optind]), 1;
	if (vm_config_load(path, &vm, &verr) < 0) {
		log_error("%s", verr.text);
		return 1;
	}
	if (!cid && cid_from_env(&cid) < 0)
		cid = vm.cid;
	if (!cid && mode != CLEANUP) {
		log_error("VM '%s' has no CID: start it through vmsilo-%s-vm.service (the generator "
			  "assigns one), pass --cid, or set CID= in %s", vm.name, vm.name, path);
		vm_config_free(&vm);
		return 1;
	}

	if (mode == PREPARE || mode == CLEANUP) {
		r = mode == PREPARE ? prepare(&vm, cid, dir) : cleanup(&vm, dir);
		vm_config_free(&vm);
		return r < 0 ? 1 : 0;
	}
	if (mode == RUN) {
		isolate_scheduling(&vm);
		extra_config = vm.extra_config ? strdup(vm.extra_config) : NULL;
	}
	r = plan_network(&vm, &plan);
	if (r == 0)
		r = launch_argv(&vm, &plan, cid, vmsilo_runtime_dir(), VMSILO_BINDIR "/vmsilo-tap-open", &a);
	vm_config_free(&vm);
	if (r == -EADDRINUSE || r == -EINVAL)
		return 1;
	if (r < 0) {
		log_error("the command line for VM '%s' is too long", argv[optind]);
		return 1;
	}
	if (mode == DRY) {
		for (size_t i = 0; i < a.n; i++)
			printf("%s\n", a.v[i]);
		argv_free(&a);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (extra_config)
		log_warn("VM '%s': ExtraConfig=%s is ignored: vmsilo-launch starts cloud-hypervisor from "
			 "its command line, which cannot merge a JSON configuration", argv[optind], extra_config);
	log_info("starting VM '%s': %s", argv[optind], a.v[0]);
	execvp(a.v[0], a.v);
	log_error_errno(errno, "executing %s for VM '%s'", a.v[0], argv[optind]);
	return 1;
}
