/* SPDX-License-Identifier: MIT */
/*
 * vm-usb: lists the host's USB devices and which VM holds each, and passes
 * devices to VMs or takes them back by starting and stopping
 * vmsilo-<vm>-usb@<busid>.service through systemd's D-Bus API (polkit
 * decides who may). `attach --configured <vm>` attaches what the VM's
 * [Devices] USB= lists; vmsilo-<vm>-usb-attach.service runs it at VM start.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "io.h"
#include "log.h"
#include "paths.h"
#include "strutil.h"
#include "unit-job.h"
#include "usb-proto.h"
#include "usb-sysfs.h"
#include "vmconfig.h"

#define SYNOPSIS                                                                                   \
	"vm-usb [list]\n"                                                                          \
	"       vm-usb attach [--no-wait] <vm> <vid:pid[:serial]|busid>\n"                         \
	"       vm-usb attach [--no-wait] --configured <vm>\n"                                     \
	"       vm-usb detach [--no-wait] <vm> <busid>"
#define USB_JOB_TIMEOUT_MS 150000 /* above the unit's start timeout */

static const char *sysfs_root;

static void usage(FILE *f)
{
	fprintf(f, "Usage: " SYNOPSIS "\n"
		   "\nList the host's USB devices, or pass one to a VM over USB/IP and take it back.\n"
		   "\nCommands:\n"
		   "  list (or nothing)  each device: bus id, vid:pid, the VM holding it ('-' for\n"
		   "                     the host; '(stale)' when its holder died) and its name\n"
		   "  attach VM DEVICE   pass DEVICE to VM, detaching it from another VM first.\n"
		   "                     DEVICE is a bus id from the list (1-2.3), or vid:pid or\n"
		   "                     vid:pid:serial, which attaches every matching device.\n"
		   "                     A VM that is not running is started\n"
		   "  attach --configured VM\n"
		   "                     attach the present devices that VM's USB= entries name\n"
		   "                     (run by vmsilo-<vm>-usb-attach.service at VM start)\n"
		   "  detach VM BUSID    give the device back to the host's driver\n"
		   "\nEach attached device is the unit vmsilo-<vm>-usb@<busid>.service, started and\n"
		   "stopped through systemd (polkit decides who may); a VM's devices return to the\n"
		   "host when it stops.\n"
		   "\nOptions:\n"
		   "  --no-wait          return once systemd has queued the jobs (a detach from\n"
		   "                     another VM that an attach needs is still waited for)\n"
		   "  --sysfs DIR        where sysfs is (env VMSILO_SYSFS; default /sys)\n"
		   "  --log-level LEVEL  error, warn, info, debug or trace (env VMSILO_LOG)\n"
		   "  -h, --help         show this help\n"
		   "      --version      show the version\n"
		   "\nExit status: 0 done, 1 a device is absent or failed to attach or detach (see\n"
		   "journalctl -u 'vmsilo-<vm>-usb@*'), 2 usage error.\n");
}

static void printable(const char *s, char *out, size_t n)
{
	/* names come from the device itself */
	str_escape(s, strlen(s), out, n);
}

static int list(void)
{
	static char busids[USB_DEVICES_MAX][USB_BUSID_MAX + 1];
	int n = usb_device_list(sysfs_root, busids, USB_DEVICES_MAX);

	if (n < 0)
		return log_error_errno(n, "cannot list USB devices in %s/bus/usb/devices", sysfs_root);
	printf("%-12s %-9s  %-16s %s\n", "BUSID", "ID", "VM", "DEVICE");
	for (int i = 0; i < n; i++) {
		struct usb_device_info d;
		struct usb_state st;
		char holder[VM_NAME_MAX + 16] = "-", name[160], maker[80], prod[80];

		if (usb_device_read(sysfs_root, busids[i], &d) < 0)
			continue;
		if (d.device_class == USB_CLASS_HUB)
			continue;
		if (usb_state_find(d.busid, &st) == 0)
			snprintf(holder, sizeof(holder), "%s%s", st.vm, usb_state_alive(&st) ? "" : " (stale)");
		printable(d.manufacturer, maker, sizeof(maker));
		printable(d.product_name, prod, sizeof(prod));
		snprintf(name, sizeof(name), "%s%s%s", maker, maker[0] && prod[0] ? " " : "", prod);
		printf("%-12s %04x:%04x  %-16s %s\n", d.busid, d.vendor, d.product, holder, name);
	}
	return 0;
}

#define JOBS_MAX 64
#define UNIT_NAME_MAX 128

/*
 * What an attach or detach asks systemd for. A device held by another VM is
 * stopped there first, and its start waits for that stop: two holders of one
 * device would fight over its driver binding.
 */
struct plan {
	const char *vm;
	bool wait;
	struct unit_job stops[JOBS_MAX], starts[JOBS_MAX];
	char stop_units[JOBS_MAX][UNIT_NAME_MAX], start_units[JOBS_MAX][UNIT_NAME_MAX];
	char stop_busids[JOBS_MAX][USB_BUSID_MAX + 1], start_busids[JOBS_MAX][USB_BUSID_MAX + 1];
	char stop_vms[JOBS_MAX][VM_NAME_MAX + 1];
	size_t nstops, nstarts;
};

static void plan_job(struct unit_job *j, char *unit, char *busid_out, bool stop, const char *vm,
		     const char *busid)
{
	snprintf(unit, UNIT_NAME_MAX, "vmsilo-%s-usb@%s.service", vm, busid);
	snprintf(busid_out, USB_BUSID_MAX + 1, "%s", busid);
	*j = (struct unit_job){ .unit = unit, .stop = stop };
}

static void plan_stop(struct plan *p, const char *vm, const char *busid)
{
	size_t i = p->nstops++;
	plan_job(&p->stops[i], p->stop_units[i], p->stop_busids[i], true, vm, busid);
	snprintf(p->stop_vms[i], sizeof(p->stop_vms[i]), "%s", vm);
}

/* Adds the jobs that pass busid to p->vm: a stop where another VM holds it, then the start. */
static void plan_attach(struct plan *p, const char *busid)
{
	struct usb_state st;
	size_t i;

	for (i = 0; i < p->nstarts; i++)
		if (strcmp(p->start_busids[i], busid) == 0)
			return; /* matched by an earlier USB= entry */
	if (p->nstarts == JOBS_MAX || p->nstops == JOBS_MAX) {
		log_error("more than %u devices at once; %s is left out", JOBS_MAX, busid);
		return;
	}
	if (usb_state_find(busid, &st) == 0 && usb_state_alive(&st)) {
		if (strcmp(st.vm, p->vm) == 0) {
			log_info("%s is attached to VM '%s' already", busid, p->vm);
			return;
		}
		log_info("%s is attached to VM '%s'; detaching it from there first", busid, st.vm);
		plan_stop(p, st.vm, busid);
	}
	i = p->nstarts++;
	plan_job(&p->starts[i], p->start_units[i], p->start_busids[i], false, p->vm, busid);
}

/* Says how one job went, in the user's terms; returns true when it went well. */
static bool report(const struct unit_job *j, const char *vm, const char *busid)
{
	const char *verb = j->stop ? "detaching" : "attaching";
	const char *dir = j->stop ? "from" : "to";

	switch (j->outcome) {
	case UNIT_JOB_DONE:
		log_info("%s is %s VM '%s'", busid, j->stop ? "detached from" : "attached to", vm);
		return true;
	case UNIT_JOB_QUEUED:
		log_info("%s %s %s VM '%s' is under way (%s)", verb, busid, dir, vm, j->unit);
		return true;
	case UNIT_JOB_FAILED:
		log_error("%s %s %s VM '%s' failed (job result '%s'); see: journalctl -u %s", verb, busid,
			  dir, vm, j->result, j->unit);
		break;
	case UNIT_JOB_NO_ANSWER:
		log_error("%s %s %s VM '%s': systemd gave no answer within %d s; see: systemctl status %s",
			  verb, busid, dir, vm, USB_JOB_TIMEOUT_MS / 1000, j->unit);
		break;
	case UNIT_JOB_NO_UNIT:
		log_error("%s %s: VM '%s' has no USB unit (%s); is it defined in %s, and has systemd "
			  "been reloaded since?", verb, busid, vm, j->unit, vmsilo_config_dir());
		break;
	case UNIT_JOB_DENIED:
		log_error("not allowed to %s %s (polkit refused; the NixOS module allows the user set in "
			  "programs.vmsilo.user)", unit_job_verb(j), j->unit);
		break;
	case UNIT_JOB_ERROR:
		log_error("%s %s %s VM '%s': %s %s: %s", verb, busid, dir, vm, unit_job_verb(j), j->unit,
			  j->message);
		break;
	}
	return false;
}

/* Runs the plan: the stops (waited for when starts follow), then the starts of the devices they freed. */
static int plan_run(struct plan *p)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	bool ok = true;

	if (p->nstops + p->nstarts == 0)
		return 0;
	if (unit_job_bus_open(&bus) < 0)
		return 1;
	unit_jobs_run(bus, p->stops, p->nstops, p->wait || p->nstarts, USB_JOB_TIMEOUT_MS);
	for (size_t i = 0; i < p->nstops; i++) {
		if (report(&p->stops[i], p->stop_vms[i], p->stop_busids[i]))
			continue;
		ok = false;
		/* still held there: its start here would be refused */
		for (size_t k = 0; k < p->nstarts; k++)
			if (strcmp(p->start_busids[k], p->stop_busids[i]) == 0) {
				log_error("%s stays with VM '%s'", p->stop_busids[i], p->stop_vms[i]);
				memmove(&p->starts[k], &p->starts[k + 1], (p->nstarts - k - 1) * sizeof(p->starts[0]));
				memmove(p->start_busids[k], p->start_busids[k + 1],
					(p->nstarts - k - 1) * sizeof(p->start_busids[0]));
				p->nstarts--;
				break;
			}
	}
	unit_jobs_run(bus, p->starts, p->nstarts, p->wait, USB_JOB_TIMEOUT_MS);
	for (size_t i = 0; i < p->nstarts; i++)
		ok &= report(&p->starts[i], p->vm, p->start_busids[i]);
	return ok ? 0 : 1;
}

/* The bus ids of the present devices (not hubs) matching spec. */
static size_t match_devices(const struct usb_spec *spec, char (*out)[USB_BUSID_MAX + 1], size_t max)
{
	static char busids[USB_DEVICES_MAX][USB_BUSID_MAX + 1];
	int n = usb_device_list(sysfs_root, busids, USB_DEVICES_MAX);
	size_t found = 0;

	if (n < 0) {
		log_error_errno(n, "cannot list USB devices in %s/bus/usb/devices", sysfs_root);
		return 0;
	}
	for (int i = 0; i < n && found < max; i++) {
		struct usb_device_info d;
		if (usb_device_read(sysfs_root, busids[i], &d) < 0 || d.device_class == USB_CLASS_HUB)
			continue;
		if (usb_spec_match(spec, d.vendor, d.product, d.serial[0] ? d.serial : NULL))
			snprintf(out[found++], USB_BUSID_MAX + 1, "%s", d.busid);
	}
	return found;
}

static int attach(const char *vm, const char *what, bool wait)
{
	static struct plan p;
	char busids[JOBS_MAX][USB_BUSID_MAX + 1];
	size_t n = 0;

	p = (struct plan){ .vm = vm, .wait = wait };
	if (usb_busid_valid(what)) {
		struct usb_device_info d;
		int r = usb_device_read(sysfs_root, what, &d);
		if (r == -ENOENT)
			return log_error("there is no USB device %s (vm-usb lists them)", what), 1;
		if (r < 0)
			return log_error_errno(r, "cannot read USB device %s in %s", what, sysfs_root), 1;
		if (d.device_class == USB_CLASS_HUB)
			return log_error("%s is a USB hub, which is not passed; attach the devices behind it "
					 "one by one", what), 1;
		snprintf(busids[n++], sizeof(busids[0]), "%s", what);
	} else {
		struct usb_spec spec;
		char why[160];
		if (usb_spec_parse(what, &spec, why, sizeof(why)) < 0)
			cli_usage_error(SYNOPSIS, "'%s' is neither a bus id (like 1-2.3) nor vid:pid[:serial] "
						  "(like 17ef:60e0): %s", what, why);
		n = match_devices(&spec, busids, JOBS_MAX);
		if (n == 0)
			return log_error("no plugged-in USB device matches %s (vm-usb lists them)", what), 1;
	}
	for (size_t i = 0; i < n; i++)
		plan_attach(&p, busids[i]);
	return plan_run(&p);
}

/* At VM start: every present device of the VM's USB= entries; absent ones are skipped. */
static int attach_configured(const char *vm, bool wait)
{
	static struct plan p;
	char path[4096], busids[JOBS_MAX][USB_BUSID_MAX + 1];
	struct vm_config cfg = { 0 };
	struct vm_error err = { { 0 } };
	size_t bad = 0;
	int r;

	p = (struct plan){ .vm = vm, .wait = wait };
	if (vm_config_path(path, sizeof(path), vm) < 0)
		return log_error("the configuration path of VM '%s' is too long", vm), 1;
	r = vm_config_load(path, &cfg, &err);
	if (r < 0)
		return log_error("cannot read VM '%s': %s", vm, err.text), 1;
	if (cfg.usb_devices.n == 0)
		log_info("VM '%s' lists no USB devices (USB= in [Devices] of %s)", vm, path);
	for (size_t i = 0; i < cfg.usb_devices.n; i++) {
		const char *entry = cfg.usb_devices.v[i];
		struct usb_spec spec;
		char why[160];
		size_t n;

		if (usb_spec_parse(entry, &spec, why, sizeof(why)) < 0) {
			log_error("%s: USB=%s: %s", path, entry, why);
			bad++;
			continue;
		}
		n = match_devices(&spec, busids, JOBS_MAX);
		if (n == 0)
			log_info("USB=%s of VM '%s' is not plugged in; skipped", entry, vm);
		for (size_t k = 0; k < n; k++)
			plan_attach(&p, busids[k]);
	}
	vm_config_free(&cfg);
	r = plan_run(&p);
	return r || bad ? 1 : 0;
}

static int detach(const char *vm, const char *busid, bool wait)
{
	static struct plan p;
	struct usb_state st;

	p = (struct plan){ .vm = vm, .wait = wait };
	if (usb_state_read(vm, busid, &st) < 0) {
		if (usb_state_find(busid, &st) == 0 && usb_state_alive(&st))
			return log_error("%s is attached to VM '%s', not to '%s': vm-usb detach %s %s", busid,
					 st.vm, vm, st.vm, busid), 1;
		log_info("%s is not attached to VM '%s' as far as %s/%s/usb/ shows; stopping its unit "
			 "anyway", busid, vm, vmsilo_runtime_dir(), vm);
	}
	plan_stop(&p, vm, busid);
	return plan_run(&p);
}

int main(int argc, char **argv)
{
	enum { OPT_NO_WAIT = 256, OPT_CONFIGURED, OPT_SYSFS };
	static const struct option opts[] = {
		{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
		{ "configured", no_argument, NULL, OPT_CONFIGURED },
		{ "sysfs", required_argument, NULL, OPT_SYSFS },
		CLI_COMMON_OPTIONS,
		{ 0 },
	};
	bool wait = true, configured = false;
	const char *sysfs = NULL, *cmd;
	int c, nargs;

	log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_NO_WAIT:
			wait = false;
			break;
		case OPT_CONFIGURED:
			configured = true;
			break;
		case OPT_SYSFS:
			sysfs = optarg;
			break;
		default:
			cli_common_option(c, SYNOPSIS, usage);
		}
	}
	sysfs_root = usb_sysfs_root(sysfs);
	cmd = optind < argc ? argv[optind++] : "list";
	nargs = argc - optind;
	if (strcmp(cmd, "list") == 0) {
		if (nargs || configured || !wait)
			cli_usage_error(SYNOPSIS, "list takes no arguments or options");
		return list() < 0 ? 1 : 0;
	}
	if (strcmp(cmd, "attach") == 0) {
		if (configured) {
			if (nargs != 1)
				cli_usage_error(SYNOPSIS, "attach --configured takes one VM name");
			return attach_configured(cli_vm_name(SYNOPSIS, argv[optind]), wait);
		}
		if (nargs != 2)
			cli_usage_error(SYNOPSIS, "attach takes a VM name and a device");
		return attach(cli_vm_name(SYNOPSIS, argv[optind]), argv[optind + 1], wait);
	}
	if (strcmp(cmd, "detach") == 0) {
		if (configured)
			cli_usage_error(SYNOPSIS, "--configured is for attach");
		if (nargs != 2)
			cli_usage_error(SYNOPSIS, "detach takes a VM name and a bus id");
		cli_vm_name(SYNOPSIS, argv[optind]);
		if (usb_busid_invalid_reason(argv[optind + 1]))
			cli_usage_error(SYNOPSIS, "detach takes a bus id (like 1-2.3; vm-usb lists them), and "
						  "'%s' is not one: %s", argv[optind + 1],
					usb_busid_invalid_reason(argv[optind + 1]));
		return detach(argv[optind], argv[optind + 1], wait);
	}
	cli_usage_error(SYNOPSIS, "unknown command '%s' (list, attach or detach)", cmd);
}
