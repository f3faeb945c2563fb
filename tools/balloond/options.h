/* SPDX-License-Identifier: MIT */
/* vmsilo-balloond's command line. */
#pragma once

#include <stdbool.h>

#include "hoststat.h"
#include "policy.h"
#include "sandbox.h"

struct options {
	struct policy_config policy;
	const char *meminfo_path;
	const char *psi_path;
	bool dry_run;
	bool once;
	enum vmsilo_seccomp seccomp;
};

/* Parses argv; exits 0 for --help/--version and 2 for usage errors. */
void options_parse(int argc, char **argv, struct options *o);
/* "256m", "1g", "512k", "1048576" -> bytes. 0 or -EINVAL. */
int parse_size(const char *s, uint64_t *out);
/* "2s", "250ms", "0.5" (seconds) -> milliseconds. 0 or -EINVAL. */
int parse_duration_ms(const char *s, unsigned *out);
