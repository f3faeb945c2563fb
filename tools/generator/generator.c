/* SPDX-License-Identifier: MIT */
/*
 * vmsilo-generator: a systemd generator (systemd.generator(7)) that turns
 * every <config>/<vm>.vm into that VM's unit chain. Runs at boot and on every
 * daemon-reload. A broken .vm file is reported and skipped; the other VMs are
 * generated as usual.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "cli.h"
#include "generator.h"
#include "log.h"
#include "macro.h"
#include "paths.h"
#include "vmconfig.h"
#include "vmsilo-config.h"

#define SYNOPSIS "vmsilo-generator [--check] [normal-dir [early-dir late-dir]]"
#define GEN_VMS_MAX 1024

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " SYNOPSIS "\n"
		"Generate the systemd units of every VM described in %s/*.vm\n"
		"($VMSILO_CONFIG_DIR). systemd runs this as a generator and passes three\n"
		"directories; units go to the first. Broken files are reported and skipped.\n"
		"\n"
		"Options:\n"
		"  --check            only validate the .vm files; exit 1 if any is broken\n"
		"  --log-level LEVEL  error, warn, info, debug or trace (env VMSILO_LOG)\n"
		"  -h, --help         show this help\n"
		"      --version      show the version\n"
		"\n"
		"Exit status: 0 done (broken VM files are skipped and logged), 1 a broken\n"
		"file with --check or a unit could not be written, 2 usage error.\n",
		vmsilo_config_dir());
}

static int kmsg_fd = -1;

/* The kernel log when there is one (early boot), else the journal if it runs. */
static bool generator_log_sink(enum log_level level, const char *msg)
{
	int pri = level > LOG_LEVEL_DEBUG ? LOG_LEVEL_DEBUG : (int)level;

	if (kmsg_fd >= 0) {
		char line[2300];
		int n = snprintf(line, sizeof(line), "<%d>vmsilo-generator: %s\n", pri, msg);
		if (n > 0 && write(kmsg_fd, line, MIN((size_t)n, sizeof(line) - 1)) > 0)
			return true;
	}
	return sd_journal_send("MESSAGE=vmsilo-generator: %s", msg, "PRIORITY=%d", pri,
			       "SYSLOG_IDENTIFIER=vmsilo-generator", NULL) == 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(struct vm_config *const *)a)->name, (*(struct vm_config *const *)b)->name);
}

static int is_vm_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return d->d_name[0] != '.' && n > 3 && strcmp(d->d_name + n - 3, ".vm") == 0;
}

static struct vm_config *find(struct vm_config **vms, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (vms[i] && strcmp(vms[i]->name, name) == 0)
			return vms[i];
	return NULL;
}

/* Checks that need every VM: netvm targets must exist and route. */
static bool cross_check(struct vm_config **vms, size_t n, size_t i)
{
	const struct vm_config *vm = vms[i];
	if (vm->netvm && strcmp(vm->netvm, "host") != 0) {
		const struct vm_config *r = find(vms, n, vm->netvm);
		if (!r) {
			log_error("skipping %s: [Network] Netvm=%s names no configured VM", vm->path, vm->netvm);
			return false;
		}
		if (!r->is_netvm) {
			log_error("skipping %s: [Network] Netvm=%s, but %s does not set IsNetvm=yes",
				  vm->path, vm->netvm, r->path);
			return false;
		}
	}
	for (size_t k = 0; k < vm->depends_on.n; k++)
		if (!find(vms, n, vm->depends_on.v[k]))
			log_warn("%s: DependsOn=%s names no configured VM; ignoring it", vm->path,
				 vm->depends_on.v[k]);
	return true;
}

int main(int argc, char **argv)
{
	enum { OPT_CHECK = 256 };
	static const struct option opts[] = {
		{ "check", no_argument, NULL, OPT_CHECK },
		CLI_COMMON_OPTIONS,
		{ 0 },
	};
	struct gen_paths paths = {
		.runtime_dir = vmsilo_runtime_dir(),
		.config_dir = vmsilo_config_dir(),
		.bindir = VMSILO_BINDIR,
		.libexecdir = VMSILO_LIBEXECDIR,
		.docdir = VMSILO_DOCDIR,
		.passwd_file = vmsilo_passwd_file(),
		.group_file = vmsilo_group_file(),
	};
	struct dirent **ents = NULL;
	struct vm_config *vms[GEN_VMS_MAX] = { 0 };
	uint32_t cids[GEN_VMS_MAX];
	bool check = false;
	size_t n = 0, broken = 0;
	int c, count, ret = 0;
	const char *outdir = NULL;

	log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_CHECK:
			check = true;
			break;
		default:
			cli_common_option(c, SYNOPSIS, usage);
		}
	}
	if (!check && argc - optind != 1 && argc - optind != 3)
		cli_usage_error(SYNOPSIS, "expected one or three output directories (or --check)");
	if (check && argc != optind)
		cli_usage_error(SYNOPSIS, "--check takes no directories");
	outdir = check ? NULL : argv[optind];
	/* Run by systemd ($SYSTEMD_SCOPE, systemd >= 251): stderr goes nowhere useful. */
	if (!check && getenv("SYSTEMD_SCOPE")) {
		kmsg_fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);
		log_set_sink(generator_log_sink);
	}

	count = scandir(paths.config_dir, &ents, is_vm_file, alphasort);
	if (count < 0) {
		if (errno == ENOENT) {
			log_debug("%s does not exist: no VMs", paths.config_dir);
			return 0;
		}
		log_error_errno(errno, "reading %s", paths.config_dir);
		return 1;
	}
	for (int i = 0; i < count; i++) {
		char path[4096];
		struct vm_error err;
		struct vm_config *vm = calloc(1, sizeof(*vm));
		snprintf(path, sizeof(path), "%s/%s", paths.config_dir, ents[i]->d_name);
		free(ents[i]);
		if (!vm || n == GEN_VMS_MAX) {
			log_error("skipping %s: more than %d VMs", path, GEN_VMS_MAX);
			free(vm);
			broken++;
			continue;
		}
		if (vm_config_load(path, vm, &err) < 0) {
			log_error("skipping %s", err.text);
			vm_config_free(vm);
			free(vm);
			broken++;
			continue;
		}
		vms[n++] = vm;
	}
	free(ents);
	qsort(vms, n, sizeof(vms[0]), by_name);
	allocate_cids(vms, n, cids);

	for (size_t i = 0; i < n; i++) {
		char err[512] = "";
		if (!cids[i] || !cross_check(vms, n, i)) {
			broken++;
			continue;
		}
		if (check)
			continue;
		if (generate_vm(vms[i], cids[i], outdir, &paths, err, sizeof(err)) < 0) {
			log_error("VM '%s': %s", vms[i]->name, err);
			ret = 1;
		} else
			log_debug("VM '%s': units written (CID %u)", vms[i]->name, cids[i]);
	}
	for (size_t i = 0; i < n; i++) {
		vm_config_free(vms[i]);
		free(vms[i]);
	}
	if (check)
		return broken ? 1 : 0;
	return ret;
}
