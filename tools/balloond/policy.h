/* SPDX-License-Identifier: MIT */
/*
 * The balloon policy of vmsilo-balloond as a pure function: a snapshot of host
 * and guest memory in, one balloon target per guest out. No I/O, no clock, no
 * globals, so every decision can be replayed in a unit test. docs/balloond.md
 * explains the math.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define POLICY_MIB (1024ull * 1024ull)
/* virtio-balloon moves memory in 4 KiB pages; targets are multiples of this. */
#define POLICY_BALLOON_PAGE 4096ull
/* A change smaller than max(this, memory / POLICY_DEADBAND_DIV) is not made. */
#define POLICY_DEADBAND_MIN (64ull * POLICY_MIB)
#define POLICY_DEADBAND_DIV 32ull
/* Outside a host emergency one round moves a balloon by at most max(this, memory / DIV). */
#define POLICY_STEP_MIN (128ull * POLICY_MIB)
#define POLICY_STEP_DIV 8ull
/* In an emergency the host aims for this many times its critical threshold. */
#define POLICY_CRITICAL_RECOVER_MUL 2ull
#define POLICY_MAX_GUESTS 256u

struct policy_config {
	unsigned critical_host_percent;     /* host critical below this % of MemTotal */
	uint64_t critical_guest_available;  /* bytes: hard floor for guest available memory */
	uint64_t guest_available_bias;      /* bytes: cushion above the floor, times balloon fullness */
	unsigned psi_ceiling;               /* PSI some avg10 (%) that maps to min_poll_ms */
	unsigned poll_ms;                   /* interval without pressure */
	unsigned min_poll_ms;               /* interval at or above the PSI ceiling */
};

struct policy_host {
	uint64_t total;      /* MemTotal, bytes */
	uint64_t available;  /* MemAvailable, bytes */
	double psi_some_avg10;
};

struct policy_guest {
	bool fresh;          /* a valid report arrived recently; false: leave alone */
	uint64_t memory;     /* configured guest memory (VMM), bytes */
	uint64_t balloon;    /* current balloon size (VMM), bytes */
	uint64_t available;  /* guest MemAvailable (validated report), bytes */
};

enum policy_action {
	POLICY_KEEP,     /* no change */
	POLICY_INFLATE,  /* take memory from the guest */
	POLICY_DEFLATE,  /* give memory back to the guest */
	POLICY_STALE,    /* no fresh report: left alone */
};

enum policy_reason {
	POLICY_REASON_NONE,
	POLICY_REASON_EQUALIZE,  /* move toward equal free fractions */
	POLICY_REASON_CRITICAL,  /* host emergency reclaim */
	POLICY_REASON_FLOOR,     /* guest below its floor: give back */
	POLICY_REASON_DEADBAND,  /* wanted change too small to make */
	POLICY_REASON_NO_REPORT, /* guest reporter silent */
};

struct policy_decision {
	enum policy_action action;
	enum policy_reason reason;
	uint64_t target;     /* new balloon size (== balloon for KEEP/STALE) */
	uint64_t floor;      /* guest available memory the policy protects */
};

struct policy_summary {
	bool host_critical;
	double free_fraction;   /* the common free fraction aimed at */
	unsigned next_poll_ms;
};

/* Fills cfg with the documented defaults. */
void policy_config_defaults(struct policy_config *cfg);
/* NULL if cfg is usable, else what is wrong with it. */
const char *policy_config_invalid(const struct policy_config *cfg);

/* Poll interval for a PSI value: poll_ms at 0, min_poll_ms at or above the ceiling. */
unsigned policy_poll_interval(const struct policy_config *cfg, double psi_some_avg10);

/* Guest floor: critical + bias * balloon / memory. */
uint64_t policy_guest_floor(const struct policy_config *cfg, const struct policy_guest *g);

/*
 * The decision for n guests (n <= POLICY_MAX_GUESTS). Returns 0, or -EINVAL for
 * n too large. Never fails otherwise: every input, even absurd, yields a safe
 * decision.
 */
int policy_evaluate(const struct policy_config *cfg, const struct policy_host *host,
		    const struct policy_guest *guests, unsigned n, struct policy_decision *out,
		    struct policy_summary *summary);

const char *policy_action_name(enum policy_action a);
const char *policy_reason_name(enum policy_reason r);
