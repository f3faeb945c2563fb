/* SPDX-License-Identifier: MIT */
/*
 * Host memory inputs: /proc/meminfo (MemTotal, MemAvailable) and
 * /proc/pressure/memory (PSI). Both paths are options so tests can feed
 * synthetic files.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define HOSTSTAT_FILE_MAX (16u * 1024u)  /* bytes read from either file */
#define HOSTSTAT_DEFAULT_MEMINFO "/proc/meminfo"
#define HOSTSTAT_DEFAULT_PSI "/proc/pressure/memory"

struct hoststat {
	uint64_t total;      /* bytes */
	uint64_t available;  /* bytes */
	double psi_some_avg10, psi_full_avg10;
	uint64_t psi_some_total_us;
};

/* Parses meminfo text: MemTotal and MemAvailable in kB. 0 or -EINVAL. */
int hoststat_parse_meminfo(const char *text, size_t n, struct hoststat *st);
/* Parses PSI text ("some avg10=… total=…" and "full …"). 0 or -EINVAL. */
int hoststat_parse_psi(const char *text, size_t n, struct hoststat *st);
/*
 * Reads both files. A missing PSI file (kernel without PSI) is not an error:
 * pressure reads as 0. Returns 0 or -errno with err filled.
 */
int hoststat_read(const char *meminfo_path, const char *psi_path, struct hoststat *st,
		  char *err, size_t errlen);
