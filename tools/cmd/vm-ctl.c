/* SPDX-License-Identifier: MIT */
/*
 * vm-start / vm-stop: start and stop VMs through systemd's D-Bus API (one
 * binary, behaviour chosen by the name it is called by, or --start/--stop).
 * polkit decides who may; the NixOS module allows the configured user.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "cli.h"
#include "io.h"
#include "log.h"
#include "paths.h"
#include "unit-job.h"
#include "vmsilo-config.h"

#define SYNOPSIS_START "vm-start <vm>..."
#define SYNOPSIS_STOP "vm-stop [--all] <vm>..."
#define CTL_JOB_TIMEOUT_MS 120000
#define CTL_UNITS_MAX 1024

static bool start; /* vm-start or vm-stop */

static void usage(FILE *f)
{
	if (start)
		fprintf(f, "Usage: " SYNOPSIS_START "\n"
			   "Start each VM (its unit vmsilo-<vm>-vm.service) and wait until systemd\n"
			   "reports it started. VMs also start by themselves on first vm-run.\n");
	else
		fprintf(f, "Usage: " SYNOPSIS_STOP "\n"
			   "Stop each VM, or with --all every running VM, and wait for it. Every unit\n"
			   "of the VM (GPU, sound, shares, proxies) stops with it.\n");
	fprintf(f, "\nOptions:\n"
		   "%s"
		   "  --log-level LEVEL  error, warn, info, debug or trace (env VMSILO_LOG)\n"
		   "  -h, --help         show this help\n"
		   "      --version      show the version\n"
		   "\nExit status: 0 all done, 1 a VM failed to start or stop (see journalctl -u\n"
		   "vmsilo-<vm>-vm.service), 2 usage error.\n",
		start ? "" : "  --all              stop every running vmsilo VM\n");
}

/* Starts or stops the VM's unit and waits for its job; logs why it failed. */
static int unit_job(sd_bus *bus, const char *unit, const char *vm)
{
	struct unit_job j = { .unit = unit, .stop = !start };

	if (unit_jobs_run(bus, &j, 1, true, CTL_JOB_TIMEOUT_MS) == 0)
		return 0;
	switch (j.outcome) {
	case UNIT_JOB_NO_UNIT:
		log_error("there is no VM named '%s' (no %s; VMs are defined in %s)", vm, unit,
			  vmsilo_config_dir());
		break;
	case UNIT_JOB_DENIED:
		log_error("not allowed to %s VM '%s' (polkit refused; the NixOS module allows the "
			  "user set in programs.vmsilo.user)", unit_job_verb(&j), vm);
		break;
	case UNIT_JOB_FAILED:
		log_error("%s VM '%s' ended with '%s'; see: journalctl -u %s",
			  start ? "starting" : "stopping", vm, j.result, unit);
		break;
	case UNIT_JOB_NO_ANSWER:
		log_error("timed out waiting for %s of VM '%s'", unit, vm);
		break;
	default:
		log_error("%s %s: %s", unit_job_verb(&j), unit, j.message);
	}
	return -1;
}

/* VM names of the vmsilo VM units systemd has loaded and active. */
static int running_vms(sd_bus *bus, char ***out, size_t *n)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *name;
	int r;

	*out = calloc(CTL_UNITS_MAX, sizeof(char *));
	*n = 0;
	if (!*out)
		return -ENOMEM;
	r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
			       "org.freedesktop.systemd1.Manager", "ListUnitsByPatterns", &error, &reply,
			       "asas", 2, "active", "activating", 1, "vmsilo-*-vm.service");
	if (r < 0) {
		log_error("listing VM units: %s", error.message ? error.message : strerror(-r));
		sd_bus_error_free(&error);
		return r;
	}
	r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
	while (r >= 0 && *n < CTL_UNITS_MAX &&
	       (r = sd_bus_message_read(reply, "(ssssssouso)", &name, NULL, NULL, NULL, NULL, NULL, NULL,
					NULL, NULL, NULL)) > 0) {
		size_t len = strlen(name);
		const char *suffix = "-vm.service";
		if (strncmp(name, "vmsilo-", 7) == 0 && len > 7 + strlen(suffix))
			(*out)[(*n)++] = strndup(name + 7, len - 7 - strlen(suffix));
	}
	sd_bus_message_unref(reply);
	return r < 0 ? r : 0;
}

int main(int argc, char **argv)
{
	enum { OPT_ALL = 256, OPT_START, OPT_STOP };
	static const struct option opts[] = {
		{ "all", no_argument, NULL, OPT_ALL },
		{ "start", no_argument, NULL, OPT_START },
		{ "stop", no_argument, NULL, OPT_STOP },
		CLI_COMMON_OPTIONS,
		{ 0 },
	};
	const char *base = strrchr(argv[0], '/');
	bool all = false;
	const char *synopsis;
	sd_bus *bus = NULL;
	char **names;
	size_t n;
	int c, r, failed = 0;

	start = strcmp(base ? base + 1 : argv[0], "vm-start") == 0;
	log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ALL:
			all = true;
			break;
		case OPT_START:
		case OPT_STOP:
			start = c == OPT_START;
			break;
		default:
			cli_common_option(c, start ? SYNOPSIS_START : SYNOPSIS_STOP, usage);
		}
	}
	synopsis = start ? SYNOPSIS_START : SYNOPSIS_STOP;
	if (all && start)
		cli_usage_error(synopsis, "--all is for vm-stop");
	if (all != (optind == argc))
		cli_usage_error(synopsis, all ? "--all takes no VM names" : "expected at least one VM name");
	for (int i = optind; i < argc; i++)
		if (vm_name_invalid_reason(argv[i]))
			cli_usage_error(synopsis, "invalid VM name '%s': %s", argv[i], vm_name_invalid_reason(argv[i]));

	if (unit_job_bus_open(&bus) < 0)
		return 1;
	if (all) {
		r = running_vms(bus, &names, &n);
		if (r < 0)
			return sd_bus_unref(bus), 1;
	} else {
		names = argv + optind;
		n = (size_t)(argc - optind);
	}
	for (size_t i = 0; i < n; i++) {
		char unit[128];
		snprintf(unit, sizeof(unit), "vmsilo-%s-vm.service", names[i]);
		if (unit_job(bus, unit, names[i]) < 0)
			failed++;
		else
			log_info("VM '%s' %s", names[i], start ? "started" : "stopped");
	}
	if (all) {
		if (n == 0)
			log_info("no VM is running");
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	sd_bus_flush_close_unref(bus);
	return failed ? 1 : 0;
}
