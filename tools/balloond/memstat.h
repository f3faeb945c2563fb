/* SPDX-License-Identifier: MIT */
/*
 * The memstat wire format: how vmsilo-guest-memstat tells the host about the
 * guest's memory (vsock port 5003, guest -> host, one stream per guest).
 *
 * The stream is a sequence of fixed 32-byte records, all integers
 * little-endian:
 *
 *   offset size field
 *        0    4 magic      "VMMS" (0x564d4d53 read as bytes V M M S)
 *        4    2 version    1
 *        6    2 flags      0 (reserved)
 *        8    8 seq_ms     guest CLOCK_MONOTONIC in milliseconds (strictly increasing)
 *       16    8 total      guest MemTotal in bytes
 *       24    8 available  guest MemAvailable in bytes
 *
 * Everything in a record is untrusted on the host. A record is accepted only
 * if it passes memstat_validate(); the first bad record ends the connection.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEMSTAT_PORT 5003u
#define MEMSTAT_RECORD_SIZE 32u
#define MEMSTAT_MAGIC "VMMS"
#define MEMSTAT_VERSION 1u
#define MEMSTAT_INTERVAL_MS 1000u          /* the reporter's cadence */
/* A guest whose last good record is older than this is "not reporting". */
#define MEMSTAT_STALE_MS 5000u
/* More records than this within one second is a flood: disconnect. */
#define MEMSTAT_MAX_RECORDS_PER_SEC 20
/* A guest clock that claims more than this beyond the host's elapsed time is lying. */
#define MEMSTAT_CLOCK_SLACK_MS 5000u
/* Connections the host keeps per guest; a newer one replaces the older. */
#define MEMSTAT_CONNECTIONS_PER_VM 1u

struct memstat_record {
	uint64_t seq_ms;
	uint64_t total;
	uint64_t available;
};

/* Encodes r into out (MEMSTAT_RECORD_SIZE bytes). */
void memstat_encode(const struct memstat_record *r, uint8_t out[MEMSTAT_RECORD_SIZE]);

/*
 * Decodes MEMSTAT_RECORD_SIZE bytes. Returns 0 or -EPROTO (bad magic, version
 * or flags) with why filled. The result is still untrusted.
 */
int memstat_decode(const uint8_t in[MEMSTAT_RECORD_SIZE], struct memstat_record *untrusted_out,
		   char *why, size_t whylen);

/* What the host knows when it judges a record. */
struct memstat_limits {
	uint64_t configured_memory;  /* from the VMM; 0 = unknown yet */
	bool have_previous;
	uint64_t previous_seq_ms;
	uint64_t host_elapsed_ms;    /* host time since the previous record */
};

/*
 * Validates a decoded record: 0 < total <= configured memory, available <=
 * total, seq_ms strictly increasing and not running ahead of the host's clock
 * by more than MEMSTAT_CLOCK_SLACK_MS. Returns 0 or -EPROTO with why filled.
 */
int memstat_validate(const struct memstat_record *untrusted, const struct memstat_limits *lim,
		     char *why, size_t whylen);
