/* SPDX-License-Identifier: MIT */
/*
 * The VMs vmsilo-balloond looks after: discovery from <runtime>/<vm>/ and,
 * per VM, the memstat listener (<runtime>/<vm>/vsock.socket_5003) with the
 * guest's last validated report.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "ch-api.h"
#include "memstat.h"
#include "paths.h"
#include "policy.h"

enum vm_kind {
	VM_CLOUD_HYPERVISOR, /* api.socket */
	VM_CROSVM,           /* crosvm.socket: balloon stats and control over it */
};

struct vm_set;

struct vm {
	struct vm_set *set;
	char name[VM_NAME_MAX + 1];
	enum vm_kind kind;
	char api_path[108];
	uint32_t cid;                    /* kernel vsock CID from <runtime>/<vm>/cid, 0 if none */
	bool seen;                       /* mark for the discovery sweep */

	int listen_fd, conn_fd;
	sd_event_source *listen_src, *conn_src;
	uint8_t untrusted_partial[MEMSTAT_RECORD_SIZE];
	size_t partial_len;
	int64_t rate_window_ms;
	unsigned rate_count;

	bool have_report;                /* a validated report is held */
	struct memstat_record report;    /* validated */
	int64_t report_host_ms;          /* when it arrived (CLOCK_MONOTONIC) */
	unsigned reports;                /* validated records since start */

	bool settling;                   /* balloon changed; waiting for the guest to catch up */
	bool waiting;                    /* left alone this round because it is settling */
	int64_t changed_ms;              /* when we last changed the balloon */
	uint64_t changed_to;             /* the target we set */
	unsigned reports_at_change;      /* vm->reports when we changed it */

	bool info_ok;                    /* vm.info answered and validated this round */
	struct ch_vm_info info;
	bool api_failing;                /* to log a failure streak once */
	int64_t api_retry_ms;            /* a failing VMM is asked again only after this */
	int64_t reject_log_ms;           /* last rejection logged (rate limit) */
	unsigned rejects_unlogged;
};

struct vm_set {
	sd_event *event;
	int kernel_fd;                   /* AF_VSOCK listener on port 5003, -1 if none */
	sd_event_source *kernel_src;
	int64_t unknown_cid_log_ms;
	struct vm *vms[POLICY_MAX_GUESTS];
	unsigned n;
	bool warned_full;
	/* Called after each validated report (for --once). */
	void (*on_report)(struct vm_set *set, struct vm *vm);
	void *userdata;
};

/*
 * Rescans the runtime directory: adds new VMs (and starts their memstat
 * listener), removes VMs whose directory or API socket is gone. Returns 0 or
 * -errno if the runtime directory cannot be read.
 */
int vm_set_scan(struct vm_set *set);
/*
 * Listens on kernel vsock port 5003 for reports from guests reached over
 * AF_VSOCK (crosvm); a connection is matched to its VM by the peer CID and
 * <runtime>/<vm>/cid. Returns 0 or -errno (no vsock transport on this host).
 */
int vm_set_listen_kernel(struct vm_set *set);
/* Closes every listener and connection and removes the listening sockets. */
void vm_set_clear(struct vm_set *set);
/*
 * After a balloon change, the guest's next report may have been sampled before
 * it (already on its way), and the guest takes a while to give or take the
 * pages. Until VM_SETTLE_REPORTS reports have arrived after the change and the
 * VMM's actual balloon is within VM_SETTLE_TOLERANCE of the target (or
 * VM_SETTLE_MAX_MS passed), the VM is left alone: acting on the old numbers
 * would repeat the same change.
 */
#define VM_SETTLE_TOLERANCE (8ull << 20)
#define VM_SETTLE_MAX_MS 10000
#define VM_SETTLE_REPORTS 2u
/* A VMM that failed is not asked again for this long (a hung one costs a round its deadline). */
#define VM_API_RETRY_MS 10000
/* Rejected reports are logged at most once per this interval per VM. */
#define VM_REJECT_LOG_MS 10000

/* True when the VM's last validated report is recent enough to act on. */
bool vm_report_fresh(const struct vm *vm, int64_t now);
