/* SPDX-License-Identifier: MIT */
/*
 * A small client for crosvm's control socket (<runtime>/<vm>/crosvm.socket):
 * a unix SOCK_SEQPACKET socket carrying one JSON message per packet, the
 * serde encoding of crosvm's VmRequest and VmResponse (vm_control crate):
 *
 *   request  {"BalloonCommand":"Stats"}
 *   answer   {"BalloonStats":{"stats":{...,"total_memory":N,"available_memory":N,...},
 *                             "balloon_actual":N}}
 *   request  {"BalloonCommand":{"Adjust":{"num_bytes":N}}}
 *   answer   "Ok"  (or {"Err":...})
 *
 * The statistics come from the guest's balloon driver and crosvm may be
 * compromised by its guest, so the answer is parsed as untrusted, like
 * ch-api.c does for cloud-hypervisor.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CROSVM_MSG_MAX (64u * 1024u)   /* one answer packet */
#define CROSVM_JSON_DEPTH 16
#define CROSVM_TIMEOUT_MS 1000
#define CROSVM_MEMORY_MAX (1ull << 44) /* 16 TiB */

struct crosvm_stats {
	uint64_t balloon_actual;   /* bytes held by the balloon */
	bool have_memory;          /* the guest reported both fields below */
	uint64_t total_memory;     /* guest MemTotal */
	uint64_t available_memory; /* guest MemAvailable, <= total_memory */
};

/*
 * Parses a BalloonStats answer. Returns 0, or -EPROTO with why filled. Missing
 * (null) guest statistics are not an error: have_memory is then false.
 */
int crosvm_parse_stats(const char *untrusted, size_t n, struct crosvm_stats *st, char *why, size_t whylen);
/* Parses an Adjust answer: 0 for "Ok", -EIO for an error answer, -EPROTO otherwise. */
int crosvm_parse_ok(const char *untrusted, size_t n, char *why, size_t whylen);

int crosvm_get_stats(const char *socket_path, struct crosvm_stats *st, char *err, size_t errlen);
int crosvm_set_balloon(const char *socket_path, uint64_t bytes, char *err, size_t errlen);
