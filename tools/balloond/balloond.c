/* SPDX-License-Identifier: MIT */
/*
 * vmsilo-balloond: moves memory between the host and its VMs with
 * virtio-balloon. Each round reads host memory and PSI, asks every VMM for its
 * balloon, takes each guest's last validated memstat report, runs the pure
 * policy (policy.c) and applies the changes. docs/balloond.md has the details.
 *
 * Exit codes: 0 clean shutdown (or --once done), 1 failure, 2 usage error.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "ch-api.h"
#include "crosvm.h"
#include "hoststat.h"
#include "io.h"
#include "log.h"
#include "options.h"
#include "paths.h"
#include "vmconfig.h"
#include "policy.h"
#include "sandbox.h"
#include "vm.h"

/* --once waits at most this long for every guest's first report. */
#define ONCE_REPORT_WAIT_MS (3u * MEMSTAT_INTERVAL_MS)
#define MIB(x) ((unsigned long long)((x) >> 20))

struct balloond {
	struct options opt;
	sd_event *event;
	sd_event_source *timer;
	struct vm_set vms;
	unsigned long long round;
	unsigned long long adjustments;
};

static void schedule(struct balloond *d, unsigned ms)
{
	sd_event_source_set_time_relative(d->timer, (uint64_t)ms * 1000);
	sd_event_source_set_enabled(d->timer, SD_EVENT_ONESHOT);
}

static bool settled(const struct vm *vm, int64_t now)
{
	uint64_t actual, gap;

	if (now - vm->changed_ms >= VM_SETTLE_MAX_MS)
		return true; /* the guest may be unable to give more: do not wait forever */
	if (vm->reports - vm->reports_at_change < VM_SETTLE_REPORTS)
		return false;
	if (!vm->info.has_actual)
		return true;
	actual = vm->info.memory - vm->info.memory_actual;
	gap = actual > vm->changed_to ? actual - vm->changed_to : vm->changed_to - actual;
	return gap <= VM_SETTLE_TOLERANCE;
}

/*
 * crosvm has no vm.info: the configured memory comes from the VM's .vm file
 * ([VM] Memory=, MiB), trusted host data parsed like every vmsilo program does.
 */
static int configured_memory(const char *vm, uint64_t *bytes)
{
	char path[PATH_MAX];
	struct vm_config config;
	struct vm_error err;
	int r;

	if (vm_config_path(path, sizeof(path), vm) < 0)
		return -ENAMETOOLONG;
	r = vm_config_load(path, &config, &err);
	if (r == 0)
		*bytes = (uint64_t)config.memory_mib << 20;
	else
		log_debug("%s", err.text);
	vm_config_free(&config);
	if (r == 0 && *bytes > CROSVM_MEMORY_MAX)
		return -ERANGE;
	return r;
}

/* crosvm: balloon stats double as the guest's report (they come from its balloon driver). */
static void crosvm_input(struct vm *vm, int64_t now)
{
	struct crosvm_stats untrusted_st;
	uint64_t memory;
	char err[CH_API_ERROR_TEXT];
	int r;

	r = configured_memory(vm->name, &memory);
	if (r < 0) {
		if (!vm->api_failing)
			log_warn("VM '%s': no usable [VM] Memory= in %s/%s.vm (%s); leaving its balloon alone",
				 vm->name, vmsilo_config_dir(), vm->name, strerror(-r));
		vm->api_failing = true;
		vm->api_retry_ms = now + VM_API_RETRY_MS;
		return;
	}
	r = crosvm_get_stats(vm->api_path, &untrusted_st, err, sizeof(err));
	if (r == 0 && untrusted_st.balloon_actual > memory) {
		r = -EPROTO;
		snprintf(err, sizeof(err), "balloon_actual exceeds the configured %llu MiB", MIB(memory));
	}
	if (r == 0 && untrusted_st.have_memory && untrusted_st.total_memory > memory) {
		r = -EPROTO;
		snprintf(err, sizeof(err), "guest total_memory exceeds the configured %llu MiB", MIB(memory));
	}
	if (r < 0) {
		if (!vm->api_failing)
			log_warn("VM '%s': crosvm balloon stats failed: %s; leaving its balloon alone, retrying every %d s",
				 vm->name, err, VM_API_RETRY_MS / 1000);
		vm->api_failing = true;
		vm->api_retry_ms = now + VM_API_RETRY_MS;
		vm->have_report = false;
		return;
	}
	if (vm->api_failing)
		log_info("VM '%s': crosvm answers again", vm->name);
	vm->api_failing = false;
	vm->info = (struct ch_vm_info){ .memory = memory, .has_balloon = true, .balloon = untrusted_st.balloon_actual,
					.has_actual = true, .memory_actual = memory - untrusted_st.balloon_actual,
					.running = true };
	vm->info_ok = true;
	if (untrusted_st.have_memory) { /* validated above and in crosvm_parse_stats */
		vm->report = (struct memstat_record){ .seq_ms = (uint64_t)now, .total = untrusted_st.total_memory,
						      .available = untrusted_st.available_memory };
		vm->report_host_ms = now;
		vm->have_report = true;
		vm->reports++;
	}
}

/* cloud-hypervisor: configured memory and balloon from vm.info. */
static void ch_input(struct vm *vm, int64_t now)
{
	char err[CH_API_ERROR_TEXT];
	int r;

	r = ch_api_get_info(vm->api_path, &vm->info, err, sizeof(err));
	if (r < 0) {
		if (!vm->api_failing)
			log_warn("VM '%s': vm.info failed: %s; leaving its balloon alone, retrying every %d s",
				 vm->name, err, VM_API_RETRY_MS / 1000);
		vm->api_failing = true;
		vm->api_retry_ms = now_ms() + VM_API_RETRY_MS;
		return;
	}
	if (vm->api_failing)
		log_info("VM '%s': API answers again", vm->name);
	vm->api_failing = false;
	vm->info_ok = vm->info.has_balloon && vm->info.running;
}

/* Fills the policy inputs for one VM; g->fresh stays false if it cannot take part this round. */
static void guest_input(struct balloond *d, struct vm *vm, int64_t now, struct policy_guest *g)
{
	*g = (struct policy_guest){ 0 };
	vm->info_ok = false;
	vm->waiting = false;
	if (vm->api_failing && now < vm->api_retry_ms && !d->opt.once)
		return;
	if (vm->kind == VM_CROSVM)
		crosvm_input(vm, now);
	else
		ch_input(vm, now);
	if (!vm->info_ok)
		return;
	g->memory = vm->info.memory;
	g->balloon = vm->info.balloon;
	if (!vm_report_fresh(vm, now))
		return;
	if (vm->settling && !settled(vm, now)) {
		vm->waiting = true;
		return;
	}
	vm->settling = false;
	if (vm->report.total > vm->info.memory) {
		log_warn("VM '%s': memstat report rejected: MemTotal %llu exceeds the configured %llu bytes; "
			 "leaving the balloon alone", vm->name, (unsigned long long)vm->report.total,
			 (unsigned long long)vm->info.memory);
		vm->have_report = false;
		return;
	}
	g->available = vm->report.available;
	g->fresh = true;
}

static void print_table(const struct balloond *d, const struct hoststat *hs, const struct policy_summary *sum,
			const struct policy_guest *g, const struct policy_decision *dec)
{
	printf("host total=%llu MiB available=%llu MiB psi_some_avg10=%.2f critical=%s free_fraction=%.3f next_poll=%ums\n",
	       MIB(hs->total), MIB(hs->available), hs->psi_some_avg10, sum->host_critical ? "yes" : "no",
	       sum->free_fraction, sum->next_poll_ms);
	printf("%-20s %8s %8s %9s %7s %8s %-8s %s\n", "VM", "MEMORY", "BALLOON", "AVAILABLE", "FLOOR", "TARGET",
	       "ACTION", "REASON");
	for (unsigned i = 0; i < d->vms.n; i++) {
		const struct vm *vm = d->vms.vms[i];
		if (!vm->info_ok) {
			printf("%-20s %8s %8s %9s %7s %8s %-8s %s\n", vm->name, "-", "-", "-", "-", "-", "skip",
			       vm->api_failing ? "api-error" : "no-balloon");
			continue;
		}
		char avail[24] = "-";
		if (vm->waiting) {
			printf("%-20s %8llu %8llu %9s %7llu %8llu %-8s %s\n", vm->name, MIB(g[i].memory),
			       MIB(g[i].balloon), "-", MIB(dec[i].floor), MIB(g[i].balloon), "wait", "settling");
			continue;
		}
		if (g[i].fresh)
			snprintf(avail, sizeof(avail), "%llu", MIB(g[i].available));
		printf("%-20s %8llu %8llu %9s %7llu %8llu %-8s %s\n", vm->name, MIB(g[i].memory), MIB(g[i].balloon),
		       avail, MIB(dec[i].floor), MIB(dec[i].target), policy_action_name(dec[i].action),
		       policy_reason_name(dec[i].reason));
	}
	fflush(stdout);
}

static void apply(struct balloond *d, struct vm *vm, const struct policy_guest *g, const struct policy_decision *dec)
{
	char err[CH_API_ERROR_TEXT];
	int r;

	if (dec->action != POLICY_INFLATE && dec->action != POLICY_DEFLATE)
		return;
	log_info("VM '%s': %s balloon %llu -> %llu MiB (%s; guest available %llu MiB, floor %llu MiB)%s",
		 vm->name, policy_action_name(dec->action), MIB(g->balloon), MIB(dec->target),
		 policy_reason_name(dec->reason), MIB(g->available), MIB(dec->floor), d->opt.dry_run ? " [dry run]" : "");
	if (d->opt.dry_run)
		return;
	if (vm->kind == VM_CROSVM)
		r = crosvm_set_balloon(vm->api_path, dec->target, err, sizeof(err));
	else
		r = ch_api_set_balloon(vm->api_path, dec->target, err, sizeof(err));
	if (r < 0) {
		log_warn("VM '%s': balloon change failed: %s", vm->name, err);
		return;
	}
	d->adjustments++;
	vm->settling = true;
	vm->changed_ms = now_ms();
	vm->changed_to = dec->target;
	vm->reports_at_change = vm->reports;
}

/* One round: inputs, policy, actuation. Returns the next interval in ms. */
static unsigned evaluate(struct balloond *d)
{
	static struct policy_guest g[POLICY_MAX_GUESTS];
	static struct policy_decision dec[POLICY_MAX_GUESTS];
	struct policy_summary sum;
	struct policy_host host;
	struct hoststat hs;
	char err[256];
	int64_t now;
	int r;

	d->round++;
	r = vm_set_scan(&d->vms);
	if (r < 0)
		log_warn_errno(r, "cannot read the runtime directory %s", vmsilo_runtime_dir());
	r = hoststat_read(d->opt.meminfo_path, d->opt.psi_path, &hs, err, sizeof(err));
	if (r < 0) {
		log_error("host memory unknown this round: %s", err);
		return d->opt.policy.poll_ms;
	}
	now = now_ms();
	for (unsigned i = 0; i < d->vms.n; i++)
		guest_input(d, d->vms.vms[i], now, &g[i]);
	host = (struct policy_host){ .total = hs.total, .available = hs.available, .psi_some_avg10 = hs.psi_some_avg10 };
	policy_evaluate(&d->opt.policy, &host, g, d->vms.n, dec, &sum);
	for (unsigned i = 0; i < d->vms.n; i++) {
		if (!d->vms.vms[i]->info_ok)
			dec[i].action = POLICY_KEEP;
		apply(d, d->vms.vms[i], &g[i], &dec[i]);
	}
	if (d->opt.once)
		print_table(d, &hs, &sum, g, dec);
	log_debug("round %llu: host available %llu MiB, psi %.2f, %u VMs, next in %u ms", d->round,
		  MIB(hs.available), hs.psi_some_avg10, d->vms.n, sum.next_poll_ms);
	sd_notifyf(false, "STATUS=host %llu MiB available, %u VMs, %llu balloon changes", MIB(hs.available),
		   d->vms.n, d->adjustments);
	return sum.next_poll_ms;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct balloond *d = userdata;
	unsigned next = evaluate(d);

	if (d->opt.once)
		return sd_event_exit(d->event, 0);
	schedule(d, next);
	return 0;
}

/* --once: evaluate as soon as every cloud-hypervisor guest has reported. */
static void on_report(struct vm_set *set, struct vm *vm)
{
	struct balloond *d = set->userdata;

	if (!d->opt.once)
		return;
	for (unsigned i = 0; i < set->n; i++)
		if (set->vms[i]->kind == VM_CLOUD_HYPERVISOR && !set->vms[i]->have_report)
			return;
	schedule(d, 0);
}

static int on_runtime_change(sd_event_source *s, const struct inotify_event *ev, void *userdata)
{
	struct balloond *d = userdata;
	int r = vm_set_scan(&d->vms);

	if (r < 0)
		log_warn_errno(r, "cannot rescan the runtime directory");
	return 0;
}

static int setup(struct balloond *d)
{
	const char *runtime = vmsilo_runtime_dir();
	sigset_t blocked;
	unsigned first_ms;
	int r;

	r = sd_event_default(&d->event);
	if (r < 0)
		return log_error_errno(r, "cannot create the event loop");
	d->vms.event = d->event;
	d->vms.kernel_fd = -1;
	d->vms.on_report = on_report;
	d->vms.userdata = d;
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGINT);
	sigprocmask(SIG_BLOCK, &blocked, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((r = sd_event_add_signal(d->event, NULL, SIGTERM, NULL, NULL)) < 0 ||
	    (r = sd_event_add_signal(d->event, NULL, SIGINT, NULL, NULL)) < 0)
		return log_error_errno(r, "cannot watch SIGTERM/SIGINT");
	r = vm_set_scan(&d->vms);
	if (r < 0)
		return log_error_errno(r, "cannot read the runtime directory %s (create it, or set VMSILO_RUNTIME_DIR)", runtime);
	r = vm_set_listen_kernel(&d->vms);
	if (r < 0)
		log_info("no kernel vsock listener on port %u (%s): reports arrive over hybrid vsock only",
			 MEMSTAT_PORT, strerror(-r));
	r = sd_event_add_inotify(d->event, NULL, runtime,
				 IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR, on_runtime_change, d);
	if (r < 0)
		return log_error_errno(r, "cannot watch the runtime directory %s", runtime);
	first_ms = d->opt.once ? ONCE_REPORT_WAIT_MS : d->opt.policy.poll_ms;
	r = sd_event_add_time_relative(d->event, &d->timer, CLOCK_MONOTONIC, (uint64_t)first_ms * 1000, 1000, on_timer, d);
	if (r < 0)
		return log_error_errno(r, "cannot create the evaluation timer");
	if (d->opt.once)
		on_report(&d->vms, NULL); /* no VM to wait for: evaluate now */
	return 0;
}

int main(int argc, char **argv)
{
	struct balloond d = { 0 };
	int r;

	log_init(argv[0]);
	options_parse(argc, argv, &d.opt);
	if (setup(&d) < 0)
		return 1;
	if (d.opt.seccomp == VMSILO_SECCOMP_ENFORCE && balloond_sanitizer_build())
		d.opt.seccomp = VMSILO_SECCOMP_LOG;
	r = balloond_seccomp_install(d.opt.seccomp);
	if (r < 0) {
		log_error_errno(r, "cannot install the system call filter (--seccomp=off runs without)");
		return 1;
	}
	log_info("balancing VMs under %s every %u..%u ms%s", vmsilo_runtime_dir(), d.opt.policy.min_poll_ms,
		 d.opt.policy.poll_ms, d.opt.dry_run ? " (dry run: no balloon is changed)" : "");
	sd_notify(false, "READY=1");
	r = sd_event_loop(d.event);
	sd_notify(false, "STOPPING=1");
	vm_set_clear(&d.vms);
	d.timer = sd_event_source_unref(d.timer);
	d.event = sd_event_unref(d.event);
	if (r < 0) {
		log_error_errno(r, "event loop failed");
		return 1;
	}
	log_info("stopping after %llu rounds and %llu balloon changes; balloons stay as they are", d.round, d.adjustments);
	return 0;
}
