/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>

#include "vmconfig.h"

#define GEN_CID_FIRST 3u
#define GEN_CID_SPAN 65536u /* automatic CIDs fall in [3, 3 + span) */
#define GEN_BOOT_TIMEOUT_S 60

struct gen_paths {
	const char *runtime_dir, *config_dir, *bindir, *libexecdir, *docdir;
	const char *passwd_file, *group_file; /* read without NSS: the desktop user, group vmsilo */
};

/*
 * Writes every unit of one VM into dir (and its .wants links). err gets the
 * reason. Logs a warning when the VM's session sidecars cannot be given the
 * desktop user (units.md, "Desktop session").
 */
int generate_vm(const struct vm_config *vm, uint32_t cid, const char *dir, const struct gen_paths *paths,
		char *err, size_t errlen);

/*
 * Assigns CIDs: pinned ones first (a CID pinned twice fails the later VM:
 * cids[i] = 0), then the rest in name order from a hash of the name, probing
 * upwards past taken ones. vms must be sorted by name.
 */
void allocate_cids(struct vm_config *const *vms, size_t n, uint32_t *cids);
