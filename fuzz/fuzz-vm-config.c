/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the .vm parser (INI reader + VM model). Invariants on success: every
 * value within its documented range, defaults filled, exclusive options not
 * both set, lists within their limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "vmconfig.h"

volatile size_t fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_config vm;
	struct vm_error err;

	if (vm_config_parse("/etc/vmsilo/fuzz.vm", (const char *)data, size, &vm, &err) == 0) {
		if (strcmp(vm.name, "fuzz") != 0 || !vm.kernel || !vm.root_disk || vm.kernel[0] != '/')
			abort();
		if (vm.memory_mib < VM_MEMORY_MIN_MIB || vm.memory_mib > VM_MEMORY_MAX_MIB ||
		    vm.cpus < 1 || vm.cpus > VM_CPUS_MAX)
			abort();
		if (!vm.color || !vm.log_level || !vm.overlay_size || !vm.netvm_range || !vm.programs.crosvm)
			abort();
		if (vm.n_interfaces > VM_INTERFACES_MAX || vm.n_shares > VM_SHARES_MAX || vm.n_disks > VM_DISKS_MAX)
			abort();
		for (size_t i = 0; i < vm.n_interfaces; i++) {
			const struct vm_interface *in = &vm.interfaces[i];
			if ((in->host_address && in->bridge) || !in->tap_name || strlen(in->tap_name) > 15 ||
			    !in->mac || strlen(in->mac) != 17)
				abort();
			if (vm.netvm && strcmp(in->name, "upstream") == 0)
				abort();
		}
		for (size_t i = 0; i < vm.n_shares; i++)
			if (!vm.shares[i].path || !vm.shares[i].cache ||
			    (vm.shares[i].posix_acl && (vm.shares[i].translate_uid || vm.shares[i].translate_gid)))
				abort();
		if (vm.kernel_params.n > VM_LIST_MAX || vm.depends_on.n > VM_LIST_MAX)
			abort();
		for (size_t i = 0; i < vm.depends_on.n; i++)
			if (!vm_name_valid(vm.depends_on.v[i]))
				abort();
		fuzz_sink += vm.n_interfaces + vm.n_shares + strlen(vm.color);
	} else if (!memchr(err.text, ':', sizeof(err.text))) {
		abort(); /* every error names the file */
	}
	vm_config_free(&vm);
	return 0;
}
