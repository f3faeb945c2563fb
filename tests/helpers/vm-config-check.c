/* SPDX-License-Identifier: MIT */
/*
 * Test helper: loads each .vm file with vm_config_load, the parser every
 * vmsilo program uses, and prints "file:line: message" for each one it
 * rejects. Usage: vm-config-check FILE.vm...  (exit 0 all accepted, 1 not)
 */
#include <stdio.h>

#include "vmconfig.h"

int main(int argc, char **argv)
{
	int bad = 0;

	if (argc < 2) {
		fprintf(stderr, "Usage: vm-config-check FILE.vm...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct vm_config vm;
		struct vm_error err = { { 0 } };

		if (vm_config_load(argv[i], &vm, &err) < 0) {
			fprintf(stderr, "%s\n", err.text);
			vm_config_free(&vm); /* the model is freed after a failed load too */
			bad = 1;
			continue;
		}
		printf("%s: ok (%s, %u MiB, %u CPUs)\n", argv[i], vm.name, vm.memory_mib, vm.cpus);
		vm_config_free(&vm);
	}
	return bad;
}
